/**
 * The messages between the page's main thread (which only draws) and the library's worker
 * (which runs the repository's own `src/`): jobs started by name with the URL's parameters,
 * controlled (play, pause, step, stop), and answered with events, a result, or the
 * "Task N.M is not done yet" line of an unwritten exercise.
 */

/** Parameters of a job: the URL's query, as strings. */
export type Params = Record<string, string>;

/** What the main thread sends. */
export type ToWorker =
  | { kind: 'job'; id: number; name: string; params: Params; playing: boolean }
  | { kind: 'control'; id: number; action: 'play' | 'pause' | 'step' | 'stop' };

/** Which backends the worker can run, and the one it runs by default (the badge). */
export interface BackendStatus {
  /** The best backend available: gpu, then fast, then simple. */
  best: 'simple' | 'fast' | 'gpu';
  /** The badge: "gpu: <adapter>", "fast: N workers", "simple: page not isolated". */
  label: string;
  /** Why each better backend is not used ('' when it is). */
  why: string;
  /** Helper threads of the fast backend, 0 when unavailable. */
  fastWorkers: number;
  /** The GPU adapter, or null. */
  gpu: string | null;
}

/** What the worker sends. */
export type FromWorker =
  | { kind: 'status'; status: BackendStatus }
  | { kind: 'event'; id: number; data: unknown }
  | { kind: 'done'; id: number; data: unknown }
  | { kind: 'todo'; id: number; message: string }
  | { kind: 'error'; id: number; message: string };
