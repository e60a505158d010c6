/**
 * Test helper: range kernels that misbehave on purpose, registered with the worker pool so
 * the Fast backend's error and recovery paths can be exercised.
 */
import { tuning } from '../../src';

/** Throws a RangeError naming its range. */
export function throwingKernel(message: string, start: number, end: number): void {
  throw new RangeError(`${message} [${start}, ${end})`);
}

/** Kills the worker thread it runs on (process.exit in a worker ends only that thread). */
export function exitingKernel(start: number, _end: number): void {
  if (start >= 0) process.exit(3);
}

/** Writes `value` at every ordinal of a shared Float64Array. */
export function fillKernel(out: Float64Array, value: number, start: number, end: number): void {
  for (let i = start; i < end; i++) out[i] = value;
}

tuning.registerRangeKernel('test.throw', __filename, 'throwingKernel');
tuning.registerRangeKernel('test.exit', __filename, 'exitingKernel');
tuning.registerRangeKernel('test.fill', __filename, 'fillKernel');
