/**
 * The browser implementation of `Platform` (see `types.ts`), for a page that bundles the
 * library with `platform/node` aliased to this file (`npm run lecture` does it with esbuild).
 * No Node built-ins: Web Workers, shared memory, synchronous `XMLHttpRequest` (allowed in
 * workers) and `navigator.gpu`.
 *
 * Two things a page does differently from Node, and why:
 * - *A thread that blocks cannot start a worker.* A nested worker's script is loaded through
 *   its parent's event loop, and the tensor API blocks in `Atomics.wait` without returning to
 *   it. So workers are started ahead (`prestartWorkers`, awaited before the library runs) and
 *   `startWorker` hands out one that is already running, sending it its data as a message.
 * - *No synchronous port reads.* The reply channels are queues in shared memory
 *   (`sharedQueue.ts`) instead of `MessagePort`s.
 *
 * @packageDocumentation
 */
/// <reference types="@webgpu/types" />
import { newQueueBuffer, readMessage, writeMessage } from './sharedQueue';
import type { GpuCandidate, PlatformWorker, ReplyChannel, WorkerEntry, WorkerScript, WorkerSide } from './types';

/** The browser globals this file uses, typed here so it compiles without the DOM library. */
interface WebWorkerLike {
  postMessage(message: unknown, transfer?: unknown[]): void;
  addEventListener(type: 'message' | 'error', fn: (event: { data?: unknown; message?: string }) => void): void;
  terminate(): void;
}
interface BrowserGlobals {
  Worker: new (url: string, options?: { name?: string }) => WebWorkerLike;
  XMLHttpRequest: new () => {
    open(method: string, url: string, async: boolean): void;
    responseType: string;
    send(): void;
    status: number;
    response: ArrayBuffer | null;
  };
  navigator: { hardwareConcurrency?: number; gpu?: GPU };
  location?: { href: string };
  postMessage(message: unknown): void;
  addEventListener(type: 'message', fn: (event: { data: unknown }) => void): void;
  removeEventListener(type: 'message', fn: (event: { data: unknown }) => void): void;
  crossOriginIsolated?: boolean;
}

const web = globalThis as unknown as BrowserGlobals;

/** Where the page serves each worker entry's bundle and the library's assets. */
const urls = {
  workers: { fast: 'fast-worker.js', gpu: 'gpu-worker.js' } as Record<WorkerEntry, string>,
  assets: './',
};

/** Point the worker entries and assets (the SIMD wasm) at other URLs than the defaults. */
export function configurePlatform(options: { workers?: Partial<Record<WorkerEntry, string>>; assets?: string }): void {
  Object.assign(urls.workers, options.workers ?? {});
  if (options.assets !== undefined) urls.assets = options.assets;
}

/** What the first message to a worker started ahead says: hello, then (later) its data. */
type StartMessage = { minitorch: 'hello' } | { minitorch: 'start'; data: unknown };
/** A worker's answer to hello: it runs; for the GPU entry, the adapter it found or why none. */
export interface WorkerHello {
  ready: true;
  adapter?: string;
  error?: string;
}

/** Workers already running, waiting to be handed out by `startWorker`, per script URL. */
const started = new Map<string, Array<{ worker: WebWorkerLike; hello: WorkerHello }>>();

function urlOf(entry: WorkerScript): string {
  return typeof entry === 'string' ? urls.workers[entry] : entry.script;
}

/** A worker running `entry`, once its script has loaded and answered hello. */
function launch(entry: WorkerScript): Promise<{ worker: WebWorkerLike; hello: WorkerHello }> {
  const worker = new web.Worker(urlOf(entry), { name: typeof entry === 'string' ? entry : 'minitorch' });
  return new Promise((resolve, reject) => {
    worker.addEventListener('message', (e) => {
      const hello = e.data as WorkerHello;
      if (hello?.ready === true) resolve({ worker, hello });
    });
    worker.addEventListener('error', (e) => reject(new Error(`worker ${urlOf(entry)} failed to start: ${e.message}`)));
    worker.postMessage({ minitorch: 'hello' } satisfies StartMessage);
  });
}

/**
 * Start workers ahead so that `count` of `entry` wait ready (see the module comment); resolves
 * with their hellos (for `gpu`, what adapter the worker found). Call before library code that
 * may start them runs, from a point where the thread may return to its event loop.
 */
export async function prestartWorkers(entry: WorkerScript, count: number): Promise<WorkerHello[]> {
  const url = urlOf(entry);
  const list = started.get(url) ?? [];
  started.set(url, list);
  const fresh = await Promise.all(Array.from({ length: Math.max(0, count - list.length) }, () => launch(entry)));
  list.push(...fresh);
  return list.map((w) => w.hello);
}

/** A reply channel's end as it travels to a worker (its queue's memory). */
interface RemoteEnd {
  postMessage(message: unknown): void;
  readonly queue: SharedArrayBuffer;
}
/** The mark of a `RemoteEnd` inside a worker's data, rebuilt there by `workerSide`. */
const REMOTE_TAG = 'minitorchReplyQueue';

/** The structured-cloneable form of a worker's data: reply ends become their queues. */
function cloneable(data: object): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(data)) {
    out[k] = v instanceof Object && 'queue' in v && 'postMessage' in v ? { [REMOTE_TAG]: (v as RemoteEnd).queue } : v;
  }
  return out;
}

/** The worker's data with each reply end rebuilt as a writer to its queue. */
function rebuilt(data: unknown): unknown {
  if (data === null || typeof data !== 'object') return data;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(data)) {
    const queue = v instanceof Object && REMOTE_TAG in v ? (v as Record<string, SharedArrayBuffer>)[REMOTE_TAG] : null;
    out[k] = queue ? { postMessage: (m: unknown) => writeMessage(queue, m) } : v;
  }
  return out;
}

export function cpuCount(): number {
  return Math.max(1, web.navigator.hardwareConcurrency ?? 1);
}

export function loadAverage(): number {
  return 0;
}

export function env(_name: string): string | undefined {
  return undefined;
}

export function startWorker(entry: WorkerScript, data: object, transfer: readonly unknown[] = []): PlatformWorker {
  const ready = started.get(urlOf(entry))?.shift();
  // None started ahead: start one now; it runs once this thread next returns to its event loop.
  const worker = ready?.worker ?? new web.Worker(urlOf(entry));
  const exits: Array<() => void> = [];
  let exited = false;
  const exit = (): void => {
    if (exited) return;
    exited = true;
    for (const fn of exits) fn();
  };
  worker.addEventListener('error', exit);
  // Only buffers and ports move; reply ends travel as their shared queues.
  const movable = transfer.filter((t) => t instanceof ArrayBuffer);
  worker.postMessage({ minitorch: 'start', data: cloneable(data) } satisfies StartMessage, movable);
  return {
    post: (message, list = []) =>
      worker.postMessage(
        message,
        list.filter((t) => t instanceof ArrayBuffer),
      ),
    onExit: (fn) => exits.push(fn),
    terminate: async () => {
      worker.terminate();
      exit();
    },
  };
}

export function replyChannel(): ReplyChannel {
  const queue = newQueueBuffer();
  const remote: RemoteEnd = { queue, postMessage: (m) => writeMessage(queue, m) };
  return { remote, receiveNow: () => readMessage(queue), close: () => undefined };
}

/** This worker's data, once the start message has come (see `serveWorker`). */
let side: WorkerSide | null = null;

export function workerSide(): WorkerSide | null {
  return side;
}

/**
 * A worker entry's whole script: answer hello (for the GPU entry, after asking for an
 * adapter, so the page can say which one or why none), and on the start message record the
 * data and run `main`, the library's own worker script (`backends/fast/worker`, `backends/gpu/worker`).
 */
export function serveWorker(main: () => void, options: { gpu?: boolean } = {}): void {
  const onStart = (event: { data: unknown }): void => {
    const message = event.data as StartMessage;
    if (message?.minitorch === 'hello') {
      void hello(options.gpu === true).then((h) => web.postMessage(h));
    } else if (message?.minitorch === 'start') {
      web.removeEventListener('message', onStart);
      side = {
        data: rebuilt(message.data),
        onMessage: (fn) => web.addEventListener('message', (e) => fn(e.data)),
        onExit: () => undefined, // a page's worker ends only when terminated, and then runs nothing
      };
      main();
    }
  };
  web.addEventListener('message', onStart);
}

/** A worker's hello; the GPU entry names its adapter, or says why there is none. */
async function hello(gpu: boolean): Promise<WorkerHello> {
  if (!gpu) return { ready: true };
  try {
    if (web.navigator.gpu === undefined) return { ready: true, error: 'this browser has no WebGPU (navigator.gpu)' };
    const adapter = await web.navigator.gpu.requestAdapter();
    if (adapter === null) return { ready: true, error: 'WebGPU found no adapter' };
    const info = (adapter as GPUAdapter & { info?: GPUAdapterInfo }).info;
    const name = info?.description || [info?.vendor, info?.architecture].filter(Boolean).join(' ');
    return { ready: true, adapter: name || 'WebGPU adapter' };
  } catch (e) {
    return { ready: true, error: `WebGPU failed: ${e instanceof Error ? e.message : String(e)}` };
  }
}

export function onExit(_fn: () => void): void {
  // Nothing to do: a page's threads are stopped (closing the tab), never exited, so there is
  // no moment to run `fn` in, and nothing it does (draining the GPU worker before Node stops
  // it) matters once the browser tears the threads down.
}

export function afterQueuedMessages(fn: () => void): void {
  setTimeout(fn, 0);
}

export function printLine(text: string): void {
  console.log(text);
}

export function prepareGpu(): () => void {
  return () => undefined;
}

export function gpuCandidates(): GpuCandidate[] {
  const gpu = web.navigator.gpu;
  if (gpu === undefined) throw new Error('this browser has no WebGPU (navigator.gpu)');
  return [{ mode: 'WebGPU', gpu: () => gpu }];
}

/** Files fetched once, by URL (the SIMD kernel is read by every thread). */
const fetched = new Map<string, Uint8Array | null>();

/** A URL's bytes, fetched synchronously (allowed in workers), or null when it is missing. */
function fetchSync(url: string): Uint8Array | null {
  if (fetched.has(url)) return fetched.get(url) ?? null;
  let bytes: Uint8Array | null = null;
  try {
    const request = new web.XMLHttpRequest();
    request.open('GET', url, false);
    request.responseType = 'arraybuffer';
    request.send();
    if (request.status === 200 && request.response !== null) bytes = new Uint8Array(request.response);
  } catch {
    bytes = null;
  }
  fetched.set(url, bytes);
  return bytes;
}

export function readAsset(name: string): Uint8Array | null {
  return fetchSync(urls.assets + name);
}

export function readFile(path: string): Uint8Array {
  const bytes = fetchSync(path);
  if (bytes === null) throw new Error(`readFile: ${path} could not be fetched from the page's server`);
  return bytes;
}

export function readText(path: string): string {
  return new TextDecoder().decode(readFile(path));
}

export function readLines(
  path: string,
  onLine: (line: string) => void,
  onProgress?: (bytes: number, total: number) => void,
): void {
  const bytes = readFile(path);
  const lines = new TextDecoder().decode(bytes).split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  for (const line of lines) onLine(line);
  onProgress?.(bytes.length, bytes.length);
}

export function writeFile(path: string, _data: Uint8Array | string): void {
  throw new Error(`writeFile: a page cannot write files (asked for ${path}); offer the bytes as a download instead`);
}

export function makeDir(path: string): void {
  throw new Error(`makeDir: a page has no folders (asked for ${path})`);
}

export function joinPath(...parts: string[]): string {
  return parts
    .filter((p) => p !== '')
    .join('/')
    .replace(/\/+/g, '/');
}

/** Adler-32 of `data`, zlib's checksum. */
function adler32(data: Uint8Array): number {
  let a = 1;
  let b = 0;
  for (let i = 0; i < data.length; i++) {
    a = (a + data[i]) % 65521;
    b = (b + a) % 65521;
  }
  return ((b << 16) | a) >>> 0;
}

/**
 * zlib's format with stored (uncompressed) blocks: valid for every reader, and synchronous,
 * which the page's `CompressionStream` is not. PNGs drawn in a page are small.
 */
export function deflate(data: Uint8Array): Uint8Array {
  const BLOCK = 65535;
  const blocks = Math.max(1, Math.ceil(data.length / BLOCK));
  const out = new Uint8Array(2 + blocks * 5 + data.length + 4);
  out[0] = 0x78;
  out[1] = 0x01;
  let at = 2;
  for (let i = 0; i < blocks; i++) {
    const part = data.subarray(i * BLOCK, Math.min(data.length, (i + 1) * BLOCK));
    out[at] = i === blocks - 1 ? 1 : 0;
    out[at + 1] = part.length & 0xff;
    out[at + 2] = part.length >> 8;
    out[at + 3] = ~part.length & 0xff;
    out[at + 4] = (~part.length >> 8) & 0xff;
    out.set(part, at + 5);
    at += 5 + part.length;
  }
  new DataView(out.buffer).setUint32(at, adler32(data));
  return out;
}

export function gunzip(_data: Uint8Array): Uint8Array {
  throw new Error('gunzip: a page has no synchronous gunzip; serve the file uncompressed (or with Content-Encoding)');
}
