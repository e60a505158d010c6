/**
 * Module 3 — a pool of worker threads that runs named *range kernels* synchronously.
 *
 * The tensor API is synchronous, so a parallel call cannot await a promise. Instead the
 * calling thread posts one task per worker, then sleeps in `Atomics.wait` on a counter in a
 * `SharedArrayBuffer` that each worker bumps when its task is done (Node allows
 * `Atomics.wait` on the main thread). Errors travel back on a `MessagePort` and are read
 * synchronously with `receiveMessageOnPort`, so a kernel that throws in a worker throws in
 * the caller as an ordinary exception.
 *
 * A kernel is named, never sent as a closure: `registerRangeKernel(name, modulePath,
 * exportName)` says "worker, `require(modulePath)[exportName](...args, start, end)`". Any
 * module (e.g. `convOps`) can register its kernels this way; the arguments must survive
 * structured cloning, and arrays the kernel writes must live in `SharedArrayBuffer`s.
 *
 * The pool starts lazily on the first parallel call, its workers are `unref`'d so a finished
 * program exits, and a dead worker is replaced on the next call.
 *
 * @packageDocumentation
 */
import * as os from 'os';
import * as path from 'path';
import { MessageChannel, MessagePort, Worker, receiveMessageOnPort } from 'worker_threads';

/** Where a worker finds a kernel: `require(module)[exportName]`. */
export interface KernelLocation {
  module: string;
  exportName: string;
}

const registry = new Map<string, KernelLocation>();

/**
 * Make a range kernel callable on the pool by `name`. `modulePath` must be an absolute path a
 * worker can `require` (use `__filename` or `require.resolve('./file')`); the export is called
 * as `fn(...args, start, end)`.
 */
export function registerRangeKernel(name: string, modulePath: string, exportName: string): void {
  registry.set(name, { module: modulePath, exportName });
}

/** The location registered for `name`, or a clear error. */
export function kernelLocation(name: string): KernelLocation {
  const where = registry.get(name);
  if (where === undefined) {
    throw new Error(`no range kernel named "${name}" is registered (known: ${[...registry.keys()].join(', ')})`);
  }
  return where;
}

/** One task: run kernel `where` over output ordinals `[start, end)`. Sent to a worker. */
export interface KernelTask {
  where: KernelLocation;
  args: unknown[];
  start: number;
  end: number;
  /** Int32Array over a SharedArrayBuffer: [0] counts finished tasks of this call. */
  done: Int32Array;
}

/** What a worker reports on its reply port when a task fails. */
export interface TaskFailure {
  name: string;
  message: string;
  stack?: string;
}

/** A running worker with its reply port and a shared "still alive" flag. */
interface PoolWorker {
  worker: Worker;
  replies: MessagePort;
  /** [0] is 1 while the worker runs, 0 once it has exited. */
  alive: Int32Array;
}

/** Resolve the worker script next to this file, so it works from dist/ and build/src/. */
const WORKER_SCRIPT = path.join(__dirname, 'fastWorker.js');

/** How long one `Atomics.wait` sleeps before re-checking that workers are alive (ms). */
const WAIT_SLICE_MS = 200;

/** The built-in error classes a worker error is rebuilt as (others become `Error`). */
const ERROR_CLASSES: Record<string, new (message: string) => Error> = {
  Error,
  RangeError,
  TypeError,
  SyntaxError,
  ReferenceError,
  EvalError,
  URIError,
};

/** An error of the class called `name` when it is a built-in one, keeping `name` either way. */
function errorLike(name: string, message: string): Error {
  const error = new (ERROR_CLASSES[name] ?? Error)(message);
  error.name = name;
  return error;
}

/** Start of chunk `i` of `[0, total)` cut into `threads` near-equal contiguous chunks. */
function chunkBound(total: number, threads: number, i: number): number {
  return Math.floor((total * i) / threads);
}

/** A fixed-size pool of worker threads running registered range kernels. */
export class WorkerPool {
  private workers: PoolWorker[] = [];
  /** [0] counts finished tasks of the current call (shared with the workers, reused). */
  private done = new Int32Array(new SharedArrayBuffer(4));
  /** Number of worker threads. */
  readonly size: number;

  constructor(size: number = os.availableParallelism()) {
    if (!Number.isInteger(size) || size < 1) {
      throw new RangeError(`WorkerPool: size must be a positive integer, got ${size}`);
    }
    this.size = size;
  }

  /** Number of workers currently started (0 until the first parallel call). */
  get started(): number {
    return this.workers.length;
  }

  private spawn(): PoolWorker {
    const channel = new MessageChannel();
    const alive = new Int32Array(new SharedArrayBuffer(4));
    alive[0] = 1;
    const worker = new Worker(WORKER_SCRIPT, {
      workerData: { replies: channel.port2, alive },
      transferList: [channel.port2],
    });
    worker.unref(); // never keep a finished program alive
    const entry: PoolWorker = { worker, replies: channel.port1, alive };
    // An exit noticed on the event loop (e.g. terminate() between calls) also marks it dead.
    worker.on('exit', () => {
      Atomics.store(alive, 0, 0);
    });
    worker.on('error', () => {
      Atomics.store(alive, 0, 0);
    });
    return entry;
  }

  /** Start missing workers and replace dead ones. */
  private ensure(count: number): PoolWorker[] {
    for (let i = 0; i < this.workers.length; i++) {
      if (Atomics.load(this.workers[i].alive, 0) === 0) {
        this.discard(this.workers[i]);
        this.workers[i] = this.spawn();
      }
    }
    while (this.workers.length < count) this.workers.push(this.spawn());
    return this.workers.slice(0, count);
  }

  private discard(w: PoolWorker): void {
    w.replies.close();
    void w.worker.terminate();
  }

  /**
   * Run kernel `name` over `[0, total)` split into contiguous chunks, one per worker (fewer
   * when `total` is small). With `here`, the calling thread takes the first chunk itself
   * instead of idling, so `size` helpers give `size + 1` threads of work. Blocks until all
   * chunks finish; rethrows the first error (the caller's own first).
   */
  run(name: string, args: unknown[], total: number, here?: (start: number, end: number) => void): void {
    const where = kernelLocation(name);
    const threads = this.threadsFor(total, here !== undefined);
    const first = here ? 1 : 0; // chunk 0 is the caller's when `here` is given
    const workers = this.ensure(threads - first);
    // One counter for the pool's life, reset per call: calls are synchronous, so every task of
    // the previous call has finished (close() replaces it for workers stopped mid-task).
    const done = this.done;
    Atomics.store(done, 0, 0);
    const bound = (i: number) => chunkBound(total, threads, i);
    for (let i = first; i < threads; i++) {
      const task: KernelTask = { where, args, start: bound(i), end: bound(i + 1), done };
      workers[i - first].worker.postMessage(task);
    }
    let localError: unknown;
    if (here) {
      try {
        here(0, bound(1));
      } catch (e) {
        localError = e; // still wait for the workers, so no stale reply reaches the next call
      }
    }
    const n = workers.length;
    let finished = 0;
    while (finished < n) {
      Atomics.wait(done, 0, finished, WAIT_SLICE_MS);
      finished = Atomics.load(done, 0);
      if (finished < n && workers.some((w) => Atomics.load(w.alive, 0) === 0)) {
        // A worker died mid-task: its chunk will never finish, and the others may still be
        // busy with (or dying in) the same call. Stop them all; the next call starts afresh.
        this.close();
        throw new Error(`fast backend: a worker thread died while running kernel "${name}"; the pool has been restarted`);
      }
    }
    let failure: TaskFailure | undefined;
    for (const w of workers) {
      for (let m = receiveMessageOnPort(w.replies); m !== undefined; m = receiveMessageOnPort(w.replies)) {
        failure ??= m.message as TaskFailure;
      }
    }
    if (localError !== undefined) throw localError;
    if (failure !== undefined) {
      const error = errorLike(failure.name, `fast backend worker failed in kernel "${name}": ${failure.message}`);
      if (failure.stack !== undefined) error.stack = `${error.name}: ${error.message}\n--- worker stack ---\n${failure.stack}`;
      throw error;
    }
  }

  /** How many chunks `run` cuts `[0, total)` into (one per thread, fewer when `total` is small). */
  threadsFor(total: number, withCaller: boolean): number {
    return Math.max(1, Math.min(this.size + (withCaller ? 1 : 0), total));
  }

  /**
   * Where the calling thread's chunk (the first) ends when `run` is given `here`: the caller
   * can then tell which part of an output the workers write.
   */
  callerEnd(total: number): number {
    return chunkBound(total, this.threadsFor(total, true), 1);
  }

  /** Stop every worker (the pool starts again on the next call). */
  close(): void {
    for (const w of this.workers) this.discard(w);
    this.workers = [];
    this.done = new Int32Array(new SharedArrayBuffer(4));
  }

  /** The worker threads themselves (for tests that kill one). */
  get threads(): Worker[] {
    return this.workers.map((w) => w.worker);
  }
}
