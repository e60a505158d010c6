/**
 * The Node implementation of `Platform` (see `types.ts`): the only file of the library that
 * uses Node's built-ins.
 *
 * @packageDocumentation
 */
/// <reference types="@webgpu/types" />
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as zlib from 'zlib';
import { MessageChannel, Worker, isMainThread, parentPort, receiveMessageOnPort, workerData } from 'worker_threads';
import type { GpuCandidate, PlatformWorker, ReplyChannel, WorkerEntry, WorkerScript, WorkerSide } from './types';

/** Each worker entry's compiled script, relative to the library's root (`dist/` or `build/src/`). */
const WORKER_SCRIPTS: Record<WorkerEntry, string[]> = {
  fast: ['backends', 'fast', 'worker.js'],
  gpu: ['backends', 'gpu', 'worker.js'],
};

/** The compiled library's root: this file is `<root>/platform/node.js`. */
const LIBRARY_ROOT = path.join(__dirname, '..');

export function cpuCount(): number {
  return os.availableParallelism();
}

export function loadAverage(): number {
  return os.loadavg()[0];
}

export function env(name: string): string | undefined {
  return process.env[name];
}

export function startWorker(entry: WorkerScript, data: object, transfer: readonly unknown[] = []): PlatformWorker {
  const script = typeof entry === 'string' ? path.join(LIBRARY_ROOT, ...WORKER_SCRIPTS[entry]) : entry.script;
  const worker = new Worker(script, {
    workerData: data,
    transferList: transfer as never,
  });
  worker.unref(); // an idle worker must not keep a finished program alive
  return {
    post: (message, list = []) => worker.postMessage(message, list as never),
    onExit: (fn) => {
      worker.on('exit', fn);
      worker.on('error', fn);
    },
    terminate: () => worker.terminate().then(() => undefined),
  };
}

export function replyChannel(): ReplyChannel {
  const { port1, port2 } = new MessageChannel();
  port1.unref();
  return {
    remote: port2,
    receiveNow: () => receiveMessageOnPort(port1)?.message,
    close: () => port1.close(),
  };
}

export function workerSide(): WorkerSide | null {
  if (isMainThread || parentPort === null) return null;
  const port = parentPort;
  return {
    data: workerData,
    onMessage: (fn) => port.on('message', fn),
    receiveNow: () => receiveMessageOnPort(port)?.message,
    onExit: (fn) => process.on('exit', fn),
  };
}

export function onExit(fn: () => void): void {
  process.once('exit', fn);
}

export function afterQueuedMessages(fn: () => void): void {
  setImmediate(fn);
}

export function printLine(text: string): void {
  process.stdout.write(`${text}\n`);
}

/**
 * Mesa's software renderer needs `EGL_PLATFORM` and `XDG_RUNTIME_DIR` on a machine without a
 * display; they must be in the process environment before the worker loads Dawn (a worker's
 * `process.env` is a copy). Only defaults: values the user set are kept. Then Dawn's
 * adapter-discovery warnings are silenced while the worker starts (`silenceNativeStderr`).
 */
export function prepareGpu(): () => void {
  if (process.platform !== 'linux') return () => undefined;
  process.env.EGL_PLATFORM ??= 'surfaceless';
  if (!process.env.XDG_RUNTIME_DIR) {
    const dir = path.join(os.tmpdir(), `minitorch-xdg-${process.getuid?.() ?? 'user'}`);
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    process.env.XDG_RUNTIME_DIR = dir;
  }
  return silenceNativeStderr();
}

/**
 * Send the process's native stderr (fd 2) to /dev/null until the returned function is called,
 * unless `MINITORCH_GPU_VERBOSE=1`. Dawn prints its adapter-discovery warnings ("Couldn't load
 * Vulkan", "Vulkan … required", "… artificially reduced …") straight to fd 2 from C++, where no
 * JavaScript option reaches them; they say nothing a student can act on. The fd is swapped
 * only while the caller waits for the worker to start the device. Linux only: Node cannot
 * duplicate a descriptor, so the original stderr is reopened through /proc/self/fd, in append
 * mode so that a `2>file` redirect goes on at the end of the file. That covers a terminal, a
 * pipe and a file; a socket (the stdio 'pipe' of a parent Node process) cannot be reopened,
 * so there the warnings still show.
 */
function silenceNativeStderr(): () => void {
  const keep = () => undefined;
  if (process.env.MINITORCH_GPU_VERBOSE === '1') return keep;
  let saved: number;
  try {
    saved = fs.openSync('/proc/self/fd/2', fs.constants.O_WRONLY | fs.constants.O_APPEND);
  } catch {
    return keep;
  }
  /** Put `file` at fd 2 (the lowest free number once 2 is closed), or report that it did not land there. */
  const reopenAt2 = (file: string): boolean => {
    fs.closeSync(2);
    const fd = fs.openSync(file, fs.constants.O_WRONLY | fs.constants.O_APPEND);
    if (fd === 2) return true;
    fs.closeSync(fd);
    return false;
  };
  if (!reopenAt2('/dev/null')) {
    reopenAt2(`/proc/self/fd/${saved}`);
    fs.closeSync(saved);
    return keep;
  }
  return () => {
    reopenAt2(`/proc/self/fd/${saved}`);
    fs.closeSync(saved);
  };
}

/** Dawn's entry points in the npm package `webgpu` (it ships its own binary build). */
interface WebGpuModule {
  create(options: string[]): GPU;
  globals: object;
}

/**
 * The real adapter when there is one (Vulkan, Metal, D3D12); otherwise Mesa's software
 * OpenGL ES renderer in WebGPU's compatibility mode. Never Dawn's `null` backend, whose
 * adapter silently computes nothing.
 */
export function gpuCandidates(): GpuCandidate[] {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded only when a GPU is asked for
  const webgpu = require('webgpu') as WebGpuModule;
  Object.assign(globalThis, webgpu.globals);
  return [
    { mode: 'default backend', gpu: () => webgpu.create([]) },
    {
      mode: 'OpenGL ES, compatibility mode',
      gpu: () => webgpu.create(['backend=opengles']),
      options: { featureLevel: 'compatibility' } as GPURequestAdapterOptions,
    },
  ];
}

export function readAsset(name: string): Uint8Array | null {
  const file = path.join(LIBRARY_ROOT, name);
  return fs.existsSync(file) ? fs.readFileSync(file) : null;
}

export function readFile(file: string): Uint8Array {
  return fs.readFileSync(file);
}

export function readText(file: string): string {
  return fs.readFileSync(file, 'utf8');
}

/** Bytes read per chunk by `readLines`. */
const LINE_CHUNK = 1 << 20;

export function readLines(
  file: string,
  onLine: (line: string) => void,
  onProgress?: (bytes: number, total: number) => void,
): void {
  const fd = fs.openSync(file, 'r');
  try {
    const total = fs.fstatSync(fd).size;
    const chunk = Buffer.alloc(LINE_CHUNK);
    // A streaming decoder: a character split between two chunks is decoded whole.
    const decoder = new TextDecoder('utf-8');
    let rest = '';
    let done = 0;
    for (let n = fs.readSync(fd, chunk); n > 0; n = fs.readSync(fd, chunk)) {
      done += n;
      const lines = (rest + decoder.decode(chunk.subarray(0, n), { stream: true })).split('\n');
      rest = lines.pop() ?? '';
      for (const line of lines) onLine(line);
      onProgress?.(done, total);
    }
    rest += decoder.decode();
    if (rest !== '') onLine(rest);
  } finally {
    fs.closeSync(fd);
  }
}

export function writeFile(file: string, data: Uint8Array | string): void {
  fs.writeFileSync(file, data);
}

export function makeDir(dir: string): void {
  fs.mkdirSync(dir, { recursive: true });
}

export function joinPath(...parts: string[]): string {
  return path.join(...parts);
}

export function deflate(data: Uint8Array): Uint8Array {
  return zlib.deflateSync(data);
}

export function gunzip(data: Uint8Array): Uint8Array {
  return zlib.gunzipSync(data);
}
