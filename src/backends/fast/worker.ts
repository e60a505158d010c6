/**
 * Module 3 — the worker-thread side of `WorkerPool`: receive a call, `require` the module
 * that holds its range kernel, run it on each chunk this thread claims (see `runClaimedChunks`),
 * report failures on the reply port, and count each chunk finished, waking the caller.
 *
 * This file is the worker's entry script; it does nothing when imported elsewhere.
 *
 * @packageDocumentation
 */
import { WorkerSide, platform } from '../../platform';
import { KernelTask, TaskFailure, runClaimedChunks, taskSeen } from './pool';

type RangeKernel = (...args: unknown[]) => void;

/** The kernel a task names, or an error saying why it cannot be called. */
function kernelOf(task: KernelTask): RangeKernel {
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const fn = require(task.where.module)[task.where.exportName] as RangeKernel | undefined;
  if (typeof fn !== 'function') throw new Error(`${task.where.module} has no function export "${task.where.exportName}"`);
  return fn;
}

/** Serve tasks until the pool terminates this thread. */
function serve(side: WorkerSide): void {
  const { replies, alive } = side.data as { replies: { postMessage(m: unknown): void }; alive: Int32Array };
  let current: Int32Array | null = null;
  // If this thread exits mid-chunk (process.exit in a kernel), tell the caller at once.
  side.onExit(() => {
    Atomics.store(alive, 0, 0);
    if (current !== null) Atomics.notify(current, 1);
  });
  side.onMessage((message) => {
    const task = message as KernelTask;
    // A task that arrives after its call is over finds no chunk left.
    current = task.claim;
    runClaimedChunks(
      task,
      (start, end) => kernelOf(task)(...task.args, start, end),
      (e) => {
        const err = e instanceof Error ? e : new Error(String(e));
        const failure: TaskFailure = { name: err.name, message: err.message, stack: err.stack };
        replies.postMessage(failure);
      },
    );
    current = null;
    taskSeen(task.claim);
  });
}

const side = platform.workerSide();
if (side !== null && (side.data as { alive?: unknown } | null)?.alive !== undefined) serve(side);
