/**
 * What the library needs from the machine it runs on, in one interface: threads, files,
 * compression, WebGPU, the environment. `node.ts` implements it with Node's built-ins; a page
 * gets a browser implementation (Web Workers, `fetch`, `navigator.gpu`, `CompressionStream`)
 * by aliasing `platform/node` to it in the bundler. No other file of the library touches a
 * Node built-in (`tests/platform.test.ts` checks it), so that swap is the whole port.
 *
 * @packageDocumentation
 */
/// <reference types="@webgpu/types" />

/** The library's worker entry scripts, by name: the platform knows where each one lives. */
export type WorkerEntry = 'fast' | 'gpu';

/**
 * What a worker runs: one of the library's entries, or a script of your own (a file path in
 * Node, a URL in a page), e.g. one that serves range kernels of its own (`serveKernels`).
 */
export type WorkerScript = WorkerEntry | { readonly script: string };

/** A started worker thread, as the backends use it. */
export interface PlatformWorker {
  /** Post a message (structured clone; `transfer` moves ports and buffers). */
  post(message: unknown, transfer?: readonly unknown[]): void;
  /** Call `fn` once the worker has exited or failed. */
  onExit(fn: () => void): void;
  /** Stop the worker; resolves once it has exited. */
  terminate(): Promise<void>;
}

/**
 * A one-way channel the calling thread reads *synchronously* (it cannot await: the tensor
 * API is synchronous). `remote` is sent to a worker, which answers with
 * `remote.postMessage(...)`; the calling thread polls with `receiveNow()`.
 */
export interface ReplyChannel {
  /** The end to hand to a worker (transfer it). */
  readonly remote: { postMessage(message: unknown): void };
  /** The next message already delivered, or undefined when none is waiting. */
  receiveNow(): unknown;
  /** Close the channel. */
  close(): void;
}

/** Inside a worker: the data it was started with and its message stream. */
export interface WorkerSide {
  readonly data: unknown;
  /** Call `fn` with every message the creating thread posts. */
  onMessage(fn: (message: unknown) => void): void;
  /**
   * The next message the creating thread has posted, taken at once without the event loop, or
   * undefined when none waits. Absent where the host has no such call (a browser page).
   */
  receiveNow?(): unknown;
  /** Call `fn` when this thread exits (also mid-task), to tell waiting threads at once. */
  onExit(fn: () => void): void;
}

/** One way to reach a WebGPU adapter, tried in order by the GPU worker. */
export interface GpuCandidate {
  /** What the adapter is, for the backend's description ("default backend", …). */
  mode: string;
  /** The `GPU` object to ask (the caller keeps it alive as long as the device lives). */
  gpu(): GPU;
  /** Options for `requestAdapter`. */
  options?: GPURequestAdapterOptions;
}

/** Everything the library asks of its host. */
export interface Platform {
  /** Cores the machine offers to threads. */
  cpuCount(): number;
  /** One-minute load average, 0 where the host has none. */
  loadAverage(): number;
  /** An environment variable (always undefined in a page). */
  env(name: string): string | undefined;
  /** Start a worker running `entry` with `data` (unref'd: it never keeps a program alive). */
  startWorker(entry: WorkerScript, data: object, transfer?: readonly unknown[]): PlatformWorker;
  /** A channel that the calling thread reads synchronously (see `ReplyChannel`). */
  replyChannel(): ReplyChannel;
  /** In a worker started by `startWorker`: its side; null on the main thread. */
  workerSide(): WorkerSide | null;
  /** Run `fn` when the program is about to end (a process's exit, a page's unload). */
  onExit(fn: () => void): void;
  /**
   * Run `fn` soon, once the messages already queued for this thread have been delivered
   * (Node's `setImmediate`; a zero timeout in a page, which comes close).
   */
  afterQueuedMessages(fn: () => void): void;
  /** Write one line to the program's output (stdout, or the console in a page). */
  printLine(text: string): void;
  /** Ready the host for WebGPU before the GPU worker starts; returns a function undoing what must not last. */
  prepareGpu(): () => void;
  /** Ways to reach a WebGPU adapter, best first (in the GPU worker). */
  gpuCandidates(): GpuCandidate[];
  /** A file shipped beside the compiled library (the SIMD kernel's wasm), or null when absent. */
  readAsset(name: string): Uint8Array | null;
  /** A file's bytes. */
  readFile(path: string): Uint8Array;
  /** A file's text (UTF-8). */
  readText(path: string): string;
  /**
   * A text file line by line (UTF-8, without the `\n`), read in chunks, so a file larger than
   * the largest string (GloVe's 5 GB files) still loads; `onProgress` hears bytes read so far.
   */
  readLines(path: string, onLine: (line: string) => void, onProgress?: (bytes: number, total: number) => void): void;
  /** Write a file, replacing it. */
  writeFile(path: string, data: Uint8Array | string): void;
  /** Make a folder and its parents. */
  makeDir(path: string): void;
  /** `parts` joined into one path. */
  joinPath(...parts: string[]): string;
  /** zlib's deflate (for PNG). */
  deflate(data: Uint8Array): Uint8Array;
  /** gunzip. */
  gunzip(data: Uint8Array): Uint8Array;
}
