/**
 * The synchronous bridge to the GPU worker (see `worker.ts` for why there is a worker).
 *
 * `call` posts a command and blocks the calling thread with `Atomics.wait` on a shared flag
 * until the worker has answered; the answer itself is picked up with
 * `receiveMessageOnPort`, which needs no event loop. Blocking is cheap here: most commands
 * only enqueue GPU work, and the data stays on the device until someone asks for values.
 *
 * @packageDocumentation
 */
import { PlatformWorker, ReplyChannel, platform } from '../../platform';

/** Commands the worker understands. */
export type GpuCommand = { noReply?: boolean; seq?: number } & (
  | { op: 'init' }
  | { op: 'create'; id: number; length: number; data?: Float32Array; keep?: boolean }
  | { op: 'write'; id: number; data: Float32Array }
  | { op: 'run'; code: string; buffers: GpuBinding[]; info: Uint32Array; groups: [number, number, number] }
  | { op: 'copy'; from: number; fromOffset: number; to: number; toOffset: number; bytes: number }
  | { op: 'limits' }
  | { op: 'read'; id: number; length: number }
  | { op: 'destroy'; id: number }
  | { op: 'spill'; ids: number[] }
  | { op: 'loseDevice' }
  | { op: 'count' }
  | { op: 'drain' }
);

/** A kernel's binding: a whole buffer by id, or `size` bytes of it from `offset` on. */
export type GpuBinding = number | { id: number; offset: number; size: number };

/**
 * The device's limits that decide how the GPU backend splits a kernel's work (read from the
 * device, except `maxLoopIterations`, which is measured: see `loopCap` in `worker.ts`).
 */
export interface GpuLimits {
  /** Largest buffer, in bytes: a tensor of more float32 values than a quarter of it is refused. */
  maxBufferSize: number;
  /** Largest part of a buffer one kernel may bind, in bytes. */
  maxStorageBufferBindingSize: number;
  /** Most workgroups along each dimension of one dispatch. */
  maxComputeWorkgroupsPerDimension: number;
  /** A binding's offset into its buffer is a multiple of this many bytes. */
  minStorageBufferOffsetAlignment: number;
  /** Loop iterations one invocation may run in all before the driver cuts its loops short; Infinity for none. */
  maxLoopIterations: number;
}

/** What to do when no adapter is found (the worker's error message). */
export const NO_ADAPTER_HELP =
  'no WebGPU adapter found: on a machine without a GPU install Mesa ' +
  '(Debian/Ubuntu: apt-get install mesa-vulkan-drivers libegl1 libegl-mesa0 libgles2 libgl1-mesa-dri)';

/** What using a tensor whose device was lost says (`reason` as WebGPU gives it). */
export function deviceLostMessage(reason: string): string {
  return (
    `the GPU device was lost (${reason}), and this tensor's values were on it: compute it again ` +
    '(the next GPU operation starts a fresh device), or keep a copy with .to("fast") of values that must survive'
  );
}

/** The worker's answer: a value, or the message of the error it hit. */
export interface GpuReply {
  value?: unknown;
  error?: string;
  /** The `seq` of the command answered. */
  seq?: number;
}

/** Most commands posted without an answer before `post` waits for the worker (see `post`). */
const MAX_UNANSWERED = 256;

/** Most posted commands sent together as one message (see `GpuBridge.post`). */
const OUTBOX_SIZE = 32;

/** How long to wait for one answer before declaring the worker lost. */
const TIMEOUT_MS = 120_000;
/** How long process exit waits for the worker to finish its queue (see `close`). */
const CLOSE_TIMEOUT_MS = 10_000;

/** One worker owning one GPU device; created on first use. */
export class GpuBridge {
  private readonly worker: PlatformWorker;
  private readonly flag = new Int32Array(new SharedArrayBuffer(4));
  private readonly replies: ReplyChannel;
  private seq = 0;
  /** Set by `close`: from then on `post` sends nothing. */
  private closed = false;
  /** The adapter in use, e.g. "llvmpipe (OpenGL ES, compatibility mode)". */
  readonly description: string;

  constructor() {
    // Before the worker thread exists: the host readies itself for WebGPU (on Linux, Mesa's
    // environment, and Dawn's start-up warnings silenced until the device is up).
    const restore = platform.prepareGpu();
    this.replies = platform.replyChannel();
    try {
      this.worker = platform.startWorker('gpu', { flag: this.flag, port: this.replies.remote }, [this.replies.remote]);
      try {
        this.description = this.call<string>({ op: 'init' });
      } catch (e) {
        void this.worker.terminate();
        throw e;
      }
    } finally {
      restore();
    }
    platform.onExit(() => this.close());
  }

  /**
   * Let the worker go quiet before Node stops it at process exit: send nothing more, then wait
   * until it has run every queued command and the device has finished its work. Node
   * terminates workers right after the `exit` event, and terminating one in the middle of a
   * call into Dawn (e.g. a buffer freed by a finaliser just before exit) aborts the whole
   * process with "FATAL ERROR: Error::ThrowAsJavaScriptException napi_throw"; an idle one
   * stops cleanly.
   */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    try {
      this.call({ op: 'drain' }, [], CLOSE_TIMEOUT_MS);
    } catch {
      // A worker that is gone or stuck cannot be drained; exit goes on regardless.
    }
  }

  /** Send a command and wait for its answer; the worker's errors are rethrown here. */
  call<T = void>(cmd: GpuCommand, transfer: ArrayBuffer[] = [], timeoutMs = TIMEOUT_MS): T {
    // Each command carries a sequence number; the worker writes it into the flag after
    // posting its answer, so the caller wakes for its own answer and no other.
    const seq = (this.seq = (this.seq % 0x7fffffff) + 1);
    this.unanswered = 0;
    this.sendOutbox();
    this.worker.post({ ...cmd, seq }, transfer);
    const deadline = Date.now() + timeoutMs;
    for (let seen = Atomics.load(this.flag, 0); seen !== seq; seen = Atomics.load(this.flag, 0)) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`the GPU worker did not answer "${cmd.op}" within ${timeoutMs / 1000} s`);
      Atomics.wait(this.flag, 0, seen, left);
    }
    for (;;) {
      const received = this.replies.receiveNow();
      if (received === undefined) throw new Error(`the GPU worker woke the caller without an answer to "${cmd.op}"`);
      const reply = received as GpuReply;
      if (reply.seq !== seq) continue; // an answer nobody waits for any more
      if (reply.error !== undefined) throw new Error(reply.error);
      return reply.value as T;
    }
  }

  /**
   * Run a kernel. The first run of each shader waits for its answer, so that a shader that
   * does not compile (an exercise in progress) fails at the op that ran it; later runs of a
   * shader that compiled are only posted, and the device works while the caller goes on. A
   * failure of a posted run (a lost device) is the error of the next command that waits.
   */
  run(cmd: GpuCommand & { op: 'run' }): void {
    if (this.compiled.has(cmd.code)) {
      this.post(cmd);
      return;
    }
    this.call(cmd);
    this.compiled.add(cmd.code);
  }
  /** Shaders that have run once (see `run`). */
  private readonly compiled = new Set<string>();

  /**
   * Send a command without waiting; nothing after `close`. Every `MAX_UNANSWERED` posts in a
   * row, wait for the worker to catch up: a loop that never reads a value back would otherwise
   * queue commands (and their memory) faster than the device runs them.
   */
  post(cmd: GpuCommand): void {
    if (this.closed) return;
    this.outbox.push({ ...cmd, noReply: true });
    if (this.outbox.length >= OUTBOX_SIZE) this.sendOutbox();
    if (++this.unanswered >= MAX_UNANSWERED) this.call({ op: 'count' });
  }
  /** Commands posted since the last one answered (see `post`). */
  private unanswered = 0;
  /**
   * Posted commands not sent yet: they go as one message, when there are `OUTBOX_SIZE` of them
   * or before the next `call` (which every read of values is), since each message costs both
   * threads more than most commands do.
   */
  private outbox: GpuCommand[] = [];

  /** Send the posted commands waiting in the outbox, in order. */
  private sendOutbox(): void {
    if (this.outbox.length === 0) return;
    this.worker.post(this.outbox);
    this.outbox = [];
  }
}
