/**
 * Module 3 — a pool of worker threads that runs named *range kernels* synchronously.
 *
 * The tensor API is synchronous, so a parallel call cannot await a promise. Instead the
 * calling thread posts the call to every worker, then sleeps in `Atomics.wait` on a counter in
 * a `SharedArrayBuffer` that is bumped as each chunk of the call is done (Node allows
 * `Atomics.wait` on the main thread). Chunks are *claimed* from a shared counter, not
 * assigned: a worker that has not woken up yet (its core busy with another thread, such as
 * the garbage collector's) leaves its chunk to the calling thread instead of holding up the
 * call. Errors travel back on a `MessagePort` and are read
 * synchronously with `receiveMessageOnPort`, so a kernel that throws in a worker throws in
 * the caller as an ordinary exception.
 *
 * A kernel is named, never sent as a closure: a pool's workers run one worker script, which
 * serves one table of kernels (`serveKernels(table)`), and a call names an entry of that
 * table. The fast backend's script serves `RANGE_KERNELS`; a script of your own can serve
 * other kernels (`new WorkerPool(size, { script })`). The arguments must survive structured
 * cloning, and arrays the kernel writes must live in `SharedArrayBuffer`s.
 *
 * The pool starts lazily on the first parallel call, its workers are `unref`'d so a finished
 * program exits, and a dead worker is replaced on the next call.
 *
 * @packageDocumentation
 */
import { PlatformWorker, ReplyChannel, WorkerScript, WorkerSide, platform } from '../../platform';
import type { RangeKernels } from './rangeKernels';

/** Range kernels by name, as one worker script serves them (`serveKernels`). */
export type KernelTable = Record<string, (...args: never[]) => void>;

/** The arguments of kernel `F` before its range `(start, end)`, from `Parameters` of `F`. */
export type ArgsBeforeRange<F> = F extends (...args: infer P) => void
  ? P extends [...infer A, number, number]
    ? A
    : never
  : never;

/** One call, sent to each worker: run kernel `kernel` on the chunks of `[0, total)` it claims. */
export interface KernelTask {
  /** The kernel's name in the table the worker serves. */
  kernel: string;
  /** The kernel's arguments before its range (structured-cloned to the worker). */
  args: unknown[];
  /** The end of the range `[0, total)` the call covers. */
  total: number;
  /** Number of chunks `[0, total)` is cut into (see `chunkBound`). */
  chunks: number;
  /**
   * The call's slot of the pool's shared counters: [0] is the next chunk to claim, [1] counts
   * finished chunks, [2] counts workers done with this task (a task can reach a worker after
   * its call is over: it then finds nothing left to claim, and the slot is reused only once
   * every worker it was sent to has seen it).
   */
  claim: Int32Array;
}

/** Slots of call counters (`KernelTask.claim`) the pool cycles through. */
const CLAIM_SLOTS = 16;

/** Int32 entries per slot (three used, the fourth keeps slots 16 bytes apart). */
const SLOT_SIZE = 4;

/** Start of chunk `i` of `[0, total)` cut into `chunks` near-equal contiguous chunks. */
function chunkBound(total: number, chunks: number, i: number): number {
  return Math.floor((total * i) / chunks);
}

/** The next unclaimed chunk of a call, now this thread's, or −1 when none is left. */
function claimChunk(claim: Int32Array, chunks: number): number {
  const chunk = Atomics.add(claim, 0, 1);
  return chunk < chunks ? chunk : -1;
}

/** Mark one claimed chunk of a call finished, waking the calling thread. */
function finishChunk(claim: Int32Array): void {
  Atomics.add(claim, 1, 1);
  Atomics.notify(claim, 1);
}

/**
 * The claiming loop every thread of a call runs, the workers and the calling thread alike:
 * claim chunks of `task` until none is left, run `run(start, end)` on each, and count it
 * finished. When `run` throws, `failed` gets the error before that chunk is counted (so the
 * calling thread, which reads the reports once every chunk is counted, sees it), and the
 * chunks claimed after it are counted but not run, so the call ends at once.
 */
export function runClaimedChunks(
  task: Pick<KernelTask, 'claim' | 'chunks' | 'total'>,
  run: (start: number, end: number) => void,
  failed: (error: unknown) => void,
): void {
  const { claim, chunks, total } = task;
  let ok = true;
  for (let chunk = claimChunk(claim, chunks); chunk >= 0; chunk = claimChunk(claim, chunks)) {
    if (ok) {
      try {
        run(chunkBound(total, chunks, chunk), chunkBound(total, chunks, chunk + 1));
      } catch (e) {
        ok = false;
        failed(e);
      }
    }
    finishChunk(claim);
  }
}

/** Mark a task seen by one more worker (after its last use of `claim`). */
export function taskSeen(claim: Int32Array): void {
  Atomics.add(claim, 2, 1);
  Atomics.notify(claim, 2);
}

/** What a worker reports on its reply port when a task fails. */
export interface TaskFailure {
  name: string;
  message: string;
  stack?: string;
}

/** A running worker with its reply port and a shared "still alive" flag. */
interface PoolWorker {
  worker: PlatformWorker;
  replies: ReplyChannel;
  /** [0] is 1 while the worker runs, 0 once it has exited. */
  alive: Int32Array;
}

/** How long one `Atomics.wait` sleeps before re-checking that workers are alive (ms). */
const WAIT_SLICE_MS = 200;

/**
 * How long the calling thread, done with its chunks, polls for the workers' before it sleeps
 * (ms). Measured on the LeNet step with 2 threads (one process, alternating): 8.0–8.5 ms a
 * step sleeping at once, 7.2–7.9 ms polling 0.2–3 ms first (the same for any of them).
 */
const WAIT_SPIN_MS = 1;

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

/**
 * A fixed-size pool of worker threads running the range kernels of table `T`, which the
 * pool's worker script serves (by default the fast backend's, `RANGE_KERNELS`).
 */
export class WorkerPool<T extends KernelTable = RangeKernels> {
  private workers: PoolWorker[] = [];
  /**
   * Counters of the last `CLAIM_SLOTS` calls, cycled through: shared memory allocated once,
   * as a training loop makes thousands of calls (a fresh SharedArrayBuffer per call is fresh
   * pages). Replaced only when a worker is lost, as its unseen tasks would hold slots forever.
   */
  private claims = new Int32Array(new SharedArrayBuffer(CLAIM_SLOTS * SLOT_SIZE * 4));
  /** Per slot, how many workers its current task went to. */
  private sentTo = new Array<number>(CLAIM_SLOTS).fill(0);
  private nextSlot = 0;
  /** Number of worker threads. */
  readonly size: number;

  /**
   * `size` workers (started lazily), each running `script`: the fast backend's worker entry,
   * or a script of your own that calls `serveKernels` with the table `T`.
   */
  constructor(
    size: number = platform.cpuCount(),
    private readonly script: WorkerScript = 'fast',
  ) {
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
    const replies = platform.replyChannel();
    const alive = new Int32Array(new SharedArrayBuffer(4));
    alive[0] = 1;
    const worker = platform.startWorker(this.script, { replies: replies.remote, alive }, [replies.remote]);
    // An exit noticed on the event loop (e.g. terminate() between calls) also marks it dead.
    worker.onExit(() => Atomics.store(alive, 0, 0));
    return { worker, replies, alive };
  }

  /** Start missing workers and replace dead ones. */
  private ensure(count: number): PoolWorker[] {
    for (let i = 0; i < this.workers.length; i++) {
      if (Atomics.load(this.workers[i].alive, 0) === 0) {
        this.discard(this.workers[i]);
        this.workers[i] = this.spawn();
        this.freshClaims();
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
   * Run kernel `name` over `[0, total)` split into contiguous chunks, one per thread (fewer
   * when `total` is small), which the threads claim in turn. With `here`, the calling thread
   * claims chunks too instead of idling, so `size` helpers give `size + 1` threads of work.
   * Blocks until all chunks finish; rethrows the first error (the caller's own first). Returns
   * the ranges `[start, end)` that `here` computed, in order (the workers computed the rest).
   */
  run<K extends keyof T & string>(
    name: K,
    args: ArgsBeforeRange<T[K]>,
    total: number,
    here?: (start: number, end: number) => void,
  ): Array<[number, number]> {
    const chunks = this.threadsFor(total, here !== undefined);
    const workers = this.ensure(chunks - (here ? 1 : 0));
    const claim = this.claimSlot(workers.length);
    const task: KernelTask = { kernel: name, args, total, chunks, claim };
    for (const w of workers) w.worker.post(task);
    const ranges: Array<[number, number]> = [];
    let localError: unknown;
    if (here) {
      // Usually chunk 0, then whatever a worker has not started yet.
      runClaimedChunks(
        task,
        (start, end) => {
          here(start, end);
          ranges.push([start, end]);
        },
        (e) => (localError = e),
      );
    }
    let finished = Atomics.load(claim, 1);
    // Poll before sleeping: a worker's chunk usually ends within a tenth of a millisecond of
    // the caller's, and a thread woken from `Atomics.wait` resumes about 70 µs after the
    // notify, on each of a training step's dozen split calls (see `WAIT_SPIN_MS`).
    for (const until = performance.now() + WAIT_SPIN_MS; finished < chunks && performance.now() < until;)
      finished = Atomics.load(claim, 1);
    while (finished < chunks) {
      Atomics.wait(claim, 1, finished, WAIT_SLICE_MS);
      finished = Atomics.load(claim, 1);
      if (finished < chunks && workers.some((w) => Atomics.load(w.alive, 0) === 0)) {
        // A worker died mid-chunk: that chunk will never finish, and the others may still be
        // busy with (or dying in) the same call. Stop them all; the next call starts afresh.
        this.close();
        throw new Error(
          `fast backend: a worker thread died while running kernel "${name}"; the pool has been restarted`,
        );
      }
    }
    let failure: TaskFailure | undefined;
    for (const w of workers) {
      for (let m = w.replies.receiveNow(); m !== undefined; m = w.replies.receiveNow()) {
        failure ??= m as TaskFailure;
      }
    }
    if (localError !== undefined) throw localError;
    if (failure !== undefined) {
      const error = errorLike(failure.name, `fast backend worker failed in kernel "${name}": ${failure.message}`);
      if (failure.stack !== undefined)
        error.stack = `${error.name}: ${error.message}\n--- worker stack ---\n${failure.stack}`;
      throw error;
    }
    return ranges;
  }

  /** Counters for a call sent to `workers` workers: the next slot, once its last task is seen. */
  private claimSlot(workers: number): Int32Array {
    const slot = this.nextSlot;
    this.nextSlot = (slot + 1) % CLAIM_SLOTS;
    let claim = this.claims.subarray(slot * SLOT_SIZE, (slot + 1) * SLOT_SIZE);
    // A worker CLAIM_SLOTS calls behind: wait for it to catch up (it claims nothing on the way).
    for (let seen = Atomics.load(claim, 2); seen < this.sentTo[slot]; seen = Atomics.load(claim, 2)) {
      if (this.workers.some((w) => Atomics.load(w.alive, 0) === 0)) {
        this.freshClaims();
        claim = this.claims.subarray(slot * SLOT_SIZE, (slot + 1) * SLOT_SIZE);
        break;
      }
      Atomics.wait(claim, 2, seen, WAIT_SLICE_MS);
    }
    claim.fill(0);
    this.sentTo[slot] = workers;
    return claim;
  }

  /**
   * New counters for every slot: a task the old ones were sent with finds its call over
   * (every call ends with all its chunks claimed), and no slot waits for a lost worker.
   */
  private freshClaims(): void {
    this.claims = new Int32Array(new SharedArrayBuffer(CLAIM_SLOTS * SLOT_SIZE * 4));
    this.sentTo.fill(0);
  }

  /** How many chunks `run` cuts `[0, total)` into (one per thread, fewer when `total` is small). */
  private threadsFor(total: number, withCaller: boolean): number {
    return Math.max(1, Math.min(this.size + (withCaller ? 1 : 0), total));
  }

  /** Stop every worker (the pool starts again on the next call). */
  close(): void {
    for (const w of this.workers) this.discard(w);
    this.workers = [];
    this.freshClaims();
  }

  /** The worker threads themselves (for tests that kill one). */
  get threads(): PlatformWorker[] {
    return this.workers.map((w) => w.worker);
  }
}

/**
 * Serve the tasks a pool sends to this worker thread, running each by its name in `table`,
 * until the pool terminates the thread; does nothing on the main thread. A worker script is
 * this one call with its table (see `worker.ts`).
 */
export function serveKernels(table: KernelTable): void {
  const side = platform.workerSide();
  if (side !== null && (side.data as { alive?: unknown } | null)?.alive !== undefined) serve(side, table);
}

/** The kernel a task names, or an error saying which names there are. */
function kernelOf(table: KernelTable, name: string): (...args: unknown[]) => void {
  const fn = Object.prototype.hasOwnProperty.call(table, name) ? table[name] : undefined;
  if (typeof fn !== 'function') {
    throw new Error(`no range kernel named "${name}" (known: ${Object.keys(table).join(', ')})`);
  }
  return fn as (...args: unknown[]) => void;
}

/** Run each task this thread receives on the chunks it claims (see `runClaimedChunks`). */
function serve(side: WorkerSide, table: KernelTable): void {
  const { replies, alive } = side.data as { replies: { postMessage(m: unknown): void }; alive: Int32Array };
  let current: Int32Array | null = null;
  // If this thread exits mid-chunk (process.exit in a kernel), tell the caller at once.
  side.onExit(() => {
    Atomics.store(alive, 0, 0);
    if (current !== null) Atomics.notify(current, 1);
  });
  const handle = (message: unknown): void => {
    const task = message as KernelTask;
    // A task that arrives after its call is over finds no chunk left.
    current = task.claim;
    runClaimedChunks(
      task,
      (start, end) => kernelOf(table, task.kernel)(...task.args, start, end),
      (e) => {
        const err = e instanceof Error ? e : new Error(String(e));
        const failure: TaskFailure = { name: err.name, message: err.message, stack: err.stack };
        replies.postMessage(failure);
      },
    );
    current = null;
    taskSeen(task.claim);
  };
  side.onMessage((message) => {
    handle(message);
    // Stay awake a moment for the next task: a training step sends them a fraction of a
    // millisecond apart, and a thread woken from its event loop starts tens of microseconds
    // late, which is most of what splitting a 0.5 ms op saves.
    if (side.receiveNow === undefined) return;
    for (let until = performance.now() + LINGER_MS; performance.now() < until;) {
      const next = side.receiveNow();
      if (next === undefined) continue;
      handle(next);
      until = performance.now() + LINGER_MS;
    }
  });
}

/** How long a worker keeps polling for the next task after one (ms) before it sleeps. */
const LINGER_MS = 0.3;
