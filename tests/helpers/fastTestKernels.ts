/**
 * Test helper: a worker script serving range kernels that misbehave on purpose, so the worker
 * pool's error and recovery paths can be exercised (`testPool`). Imported on the main thread
 * it only exports; as a pool's worker script it serves `TEST_KERNELS`.
 */
import { WorkerPool, serveKernels } from '../../src/backends/fast/pool';

/** Throws a RangeError naming its range. */
function throwingKernel(message: string, start: number, end: number): void {
  throw new RangeError(`${message} [${start}, ${end})`);
}

/** Kills the worker thread it runs on (process.exit in a worker ends only that thread). */
function exitingKernel(start: number, _end: number): void {
  if (start >= 0) process.exit(3);
}

/** Writes `value` at every ordinal of a shared Float64Array. */
function fillKernel(out: Float64Array, value: number, start: number, end: number): void {
  for (let i = start; i < end; i++) out[i] = value;
}

/** The kernels this script serves, by name. */
export const TEST_KERNELS = { throw: throwingKernel, exit: exitingKernel, fill: fillKernel };

/** A pool of `size` workers running this script. */
export function testPool(size: number): WorkerPool<typeof TEST_KERNELS> {
  return new WorkerPool<typeof TEST_KERNELS>(size, { script: __filename });
}

serveKernels(TEST_KERNELS);
