/**
 * The library's worker: the page's main thread only draws, everything of `src/` runs here.
 * On start it readies the threads the library may want (see `src/platform/browser.ts`: a
 * thread that blocks cannot start one), works out which backends run (gpu, then fast, then
 * simple) and tells the page; then it runs the jobs the page asks for.
 */
import { unfinishedExercise, notDoneMessage } from '../src/course/exercises';
import { cpuCount, prestartWorkers } from '../src/platform/browser';
import type { BackendStatus, FromWorker, ToWorker } from './protocol';
import { JobContext, Stopped, type Job } from './jobs/context';
import { JOBS } from './jobs';

const post = (m: FromWorker): void => (self as unknown as Worker).postMessage(m);

/** Which backends run here, found once. */
async function findBackends(): Promise<BackendStatus> {
  if (!self.crossOriginIsolated || typeof SharedArrayBuffer === 'undefined') {
    return {
      best: 'simple',
      label: 'simple: page not isolated',
      why: 'no shared memory (the page is not cross-origin isolated)',
      fastWorkers: 0,
      gpu: null,
    };
  }
  const helpers = Math.max(1, cpuCount() - 1);
  let fastError = 'no worker started';
  const [fast, gpu] = await Promise.all([
    prestartWorkers('fast', helpers).catch((e: unknown) => {
      fastError = String(e);
      return [];
    }),
    prestartWorkers('gpu', 1).catch((e: unknown) => [{ ready: true as const, error: String(e) }]),
  ]);
  const fastWorkers = fast.length;
  const adapter = (gpu[0] as { adapter?: string } | undefined)?.adapter ?? null;
  if (adapter !== null) return { best: 'gpu', label: `gpu: ${adapter}`, why: '', fastWorkers, gpu: adapter };
  const why = `gpu: ${gpu[0]?.error ?? 'no WebGPU worker'}`;
  if (fastWorkers > 0)
    return {
      best: 'fast',
      label: `fast: ${fastWorkers} worker${fastWorkers > 1 ? 's' : ''}`,
      why,
      fastWorkers,
      gpu: null,
    };
  return {
    best: 'simple',
    label: 'simple: no worker threads',
    why: `${why}; fast: ${fastError}`,
    fastWorkers: 0,
    gpu: null,
  };
}

const ready = findBackends().then((status) => {
  post({ kind: 'status', status });
  return status;
});

/** The backend a run asks for, or the best one below it that runs here. */
function backendFor(requested: string | undefined, status: BackendStatus): 'simple' | 'fast' | 'gpu' {
  const order = ['gpu', 'fast', 'simple'] as const;
  const want = order.find((b) => b === requested) ?? status.best;
  const runs = (b: string): boolean => b === 'simple' || (b === 'fast' ? status.fastWorkers > 0 : status.gpu !== null);
  return order.slice(order.indexOf(want)).find(runs) ?? 'simple';
}

const running = new Map<number, JobContext>();
/** Controls that came before their job had started (it waits for the backends first). */
const early = new Map<number, Array<'play' | 'pause' | 'step' | 'stop'>>();
/** The last job started (jobs start in the order of their ids). */
let lastStarted = 0;

async function runJob(id: number, name: string, params: Record<string, string>, playing: boolean): Promise<void> {
  const status = await ready;
  const job: Job | undefined = JOBS[name];
  const ctx = new JobContext(
    params,
    (data) => post({ kind: 'event', id, data }),
    playing,
    backendFor(params.backend, status),
  );
  running.set(id, ctx);
  lastStarted = id;
  for (const action of early.get(id) ?? []) ctx.control(action);
  early.delete(id);
  try {
    if (job === undefined) throw new Error(`no demo called ${name}`);
    const data = await job(ctx);
    post({ kind: 'done', id, data });
  } catch (e) {
    if (e instanceof Stopped) return;
    const exercise = unfinishedExercise(e);
    if (exercise !== undefined) post({ kind: 'todo', id, message: notDoneMessage(exercise) });
    else post({ kind: 'error', id, message: e instanceof Error ? e.message : String(e) });
  } finally {
    running.delete(id);
  }
}

self.onmessage = (event: MessageEvent<ToWorker>) => {
  const m = event.data;
  if (m.kind === 'job') void runJob(m.id, m.name, m.params, m.playing);
  else if (running.has(m.id)) running.get(m.id)?.control(m.action);
  else if (m.id > lastStarted) early.set(m.id, [...(early.get(m.id) ?? []), m.action]);
};
