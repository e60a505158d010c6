/**
 * What a job (a demo's computation, in the library's worker) gets: its parameters, a way to
 * send events to the page, and `turn()`, the point between two steps where it yields to the
 * worker's event loop (so play, pause and step arrive) and waits while paused.
 */
import type { Params } from '../protocol';

/** Thrown by `turn()` once the page has stopped the job (a reset, another page). */
export class Stopped extends Error {
  constructor() {
    super('stopped');
    this.name = 'Stopped';
  }
}

/** A job's view of its run. */
export class JobContext {
  private playing: boolean;
  private steps = 0;
  private stopped = false;
  private wake: (() => void) | null = null;

  constructor(
    readonly params: Params,
    private readonly send: (data: unknown) => void,
    playing: boolean,
    /** The tensor backend this run uses (the URL's, or the best available). */
    readonly backend: 'simple' | 'fast' | 'gpu',
  ) {
    this.playing = playing;
  }

  /** A numeric parameter, or `fallback` when absent; a bad value is an error naming it. */
  num(name: string, fallback: number, range: { min?: number; max?: number; integer?: boolean } = {}): number {
    const raw = this.params[name];
    if (raw === undefined || raw === '') return fallback;
    const v = Number(raw);
    const { min = -Infinity, max = Infinity, integer = false } = range;
    if (!Number.isFinite(v) || v < min || v > max || (integer && !Number.isInteger(v))) {
      throw new RangeError(
        `parameter ${name} must be ${integer ? 'an integer' : 'a number'} from ${min} to ${max}, got "${raw}"`,
      );
    }
    return v;
  }

  /** A text parameter, or `fallback`. */
  str(name: string, fallback: string): string {
    return this.params[name] || fallback;
  }

  /** Send an event to the page. */
  emit(data: unknown): void {
    this.send(data);
  }

  /** A play, pause, step or stop from the page. */
  control(action: 'play' | 'pause' | 'step' | 'stop'): void {
    if (action === 'play') this.playing = true;
    else if (action === 'pause') this.playing = false;
    else if (action === 'step') this.steps += 1;
    else this.stopped = true;
    this.wake?.();
  }

  /** Whether the job runs on by itself (not paused). */
  get isPlaying(): boolean {
    return this.playing;
  }

  /**
   * Between two steps: return to the event loop once (controls arrive), then wait while
   * paused until play or step. Throws `Stopped` once the page has stopped the job.
   */
  async turn(): Promise<void> {
    await yieldToEventLoop();
    while (!this.stopped && !this.playing && this.steps === 0) {
      await new Promise<void>((resolve) => (this.wake = resolve));
      this.wake = null;
    }
    if (this.stopped) throw new Stopped();
    if (!this.playing) this.steps -= 1;
  }
}

/** One turn of the event loop, without setTimeout's 4 ms clamp. */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => {
      channel.port1.close();
      resolve();
    };
    channel.port2.postMessage(null);
  });
}

/** A job: runs in the worker, returns its final result (sent as `done`). */
export type Job = (ctx: JobContext) => Promise<unknown>;
