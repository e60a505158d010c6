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
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { MessageChannel, MessagePort, Worker, receiveMessageOnPort } from 'worker_threads';

/** Commands the worker understands. */
export type GpuCommand = { noReply?: boolean; seq?: number } & (
  | { op: 'init' }
  | { op: 'create'; id: number; length: number; data?: Float32Array }
  | { op: 'write'; id: number; data: Float32Array }
  | { op: 'run'; code: string; buffers: number[]; info: Uint32Array; groups: [number, number, number] }
  | { op: 'read'; id: number; length: number }
  | { op: 'destroy'; id: number }
  | { op: 'spill'; ids: number[] }
  | { op: 'loseDevice' }
  | { op: 'count' }
  | { op: 'drain' }
);

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

/** How long to wait for one answer before declaring the worker lost. */
const TIMEOUT_MS = 120_000;
/** How long process exit waits for the worker to finish its queue (see `close`). */
const CLOSE_TIMEOUT_MS = 10_000;

/**
 * Mesa's software renderer needs these on a machine without a display; they must be in the
 * process environment before the worker loads Dawn (a worker's `process.env` is a copy).
 * Only defaults: values the user set are kept.
 */
function prepareEnvironment(): void {
  if (process.platform !== 'linux') return;
  process.env.EGL_PLATFORM ??= 'surfaceless';
  if (!process.env.XDG_RUNTIME_DIR) {
    const dir = path.join(os.tmpdir(), `minitorch-xdg-${process.getuid?.() ?? 'user'}`);
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    process.env.XDG_RUNTIME_DIR = dir;
  }
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
  if (process.platform !== 'linux' || process.env.MINITORCH_GPU_VERBOSE === '1') return keep;
  let saved: number;
  try {
    saved = fs.openSync('/proc/self/fd/2', fs.constants.O_WRONLY | fs.constants.O_APPEND);
  } catch {
    return keep;
  }
  /** Put `path` at fd 2 (the lowest free number once 2 is closed), or report that it did not land there. */
  const reopenAt2 = (path: string): boolean => {
    fs.closeSync(2);
    const fd = fs.openSync(path, fs.constants.O_WRONLY | fs.constants.O_APPEND);
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

/** One worker owning one GPU device; created on first use. */
export class GpuBridge {
  private readonly worker: Worker;
  private readonly flag = new Int32Array(new SharedArrayBuffer(4));
  private readonly port: MessagePort;
  private seq = 0;
  /** Set by `close`: from then on `post` sends nothing. */
  private closed = false;
  /** The adapter in use, e.g. "llvmpipe (OpenGL ES, compatibility mode)". */
  readonly description: string;

  constructor() {
    prepareEnvironment();
    // fd 2 is swapped before the worker thread exists: while it starts it opens files, and
    // one opened between closing fd 2 and reopening it would take number 2.
    const restoreStderr = silenceNativeStderr();
    const channel = new MessageChannel();
    this.port = channel.port1;
    try {
      this.worker = new Worker(path.join(__dirname, 'worker.js'), {
        workerData: { flag: this.flag, port: channel.port2 },
        transferList: [channel.port2],
      });
      // An idle GPU worker must not keep a finished program alive.
      this.worker.unref();
      this.port.unref();
      try {
        this.description = this.call<string>({ op: 'init' });
      } catch (e) {
        void this.worker.terminate();
        throw e;
      }
    } finally {
      restoreStderr();
    }
    process.once('exit', () => this.close());
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
    this.worker.postMessage({ ...cmd, seq }, transfer);
    const deadline = Date.now() + timeoutMs;
    for (let seen = Atomics.load(this.flag, 0); seen !== seq; seen = Atomics.load(this.flag, 0)) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`the GPU worker did not answer "${cmd.op}" within ${timeoutMs / 1000} s`);
      Atomics.wait(this.flag, 0, seen, left);
    }
    for (;;) {
      const received = receiveMessageOnPort(this.port);
      if (received === undefined) throw new Error(`the GPU worker woke the caller without an answer to "${cmd.op}"`);
      const reply = received.message as GpuReply;
      if (reply.seq !== seq) continue; // an answer nobody waits for any more
      if (reply.error !== undefined) throw new Error(reply.error);
      return reply.value as T;
    }
  }

  /** Send a command without waiting (used to free buffers from a finaliser); nothing after `close`. */
  post(cmd: GpuCommand): void {
    if (this.closed) return;
    this.worker.postMessage({ ...cmd, noReply: true });
  }
}
