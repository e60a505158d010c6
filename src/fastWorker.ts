/**
 * Module 3 — the worker-thread side of `WorkerPool`: receive a task, `require` the module
 * that holds its range kernel, run it over `[start, end)`, report failures on the reply
 * port, then bump the shared counter and wake the caller.
 *
 * This file is the worker's entry script; it does nothing when imported elsewhere.
 *
 * @packageDocumentation
 */
import { MessagePort, isMainThread, parentPort, workerData } from 'worker_threads';
import type { KernelTask, TaskFailure } from './workerPool';

type RangeKernel = (...args: unknown[]) => void;

/** Serve tasks until the pool terminates this thread. */
function serve(): void {
  const { replies, alive } = workerData as { replies: MessagePort; alive: Int32Array };
  let current: Int32Array | null = null;
  // If this thread exits mid-task (process.exit in a kernel), tell the caller at once.
  process.on('exit', () => {
    Atomics.store(alive, 0, 0);
    if (current !== null) Atomics.notify(current, 0);
  });
  parentPort!.on('message', (task: KernelTask) => {
    current = task.done;
    try {
      // eslint-disable-next-line @typescript-eslint/no-var-requires
      const fn = require(task.where.module)[task.where.exportName] as RangeKernel | undefined;
      if (typeof fn !== 'function') {
        throw new Error(`${task.where.module} has no function export "${task.where.exportName}"`);
      }
      fn(...task.args, task.start, task.end);
    } catch (e) {
      const err = e instanceof Error ? e : new Error(String(e));
      const failure: TaskFailure = { name: err.name, message: err.message, stack: err.stack };
      replies.postMessage(failure);
    }
    current = null;
    Atomics.add(task.done, 0, 1);
    Atomics.notify(task.done, 0);
  });
}

if (!isMainThread && parentPort !== null && workerData?.alive !== undefined) serve();
