/**
 * Module 3 — the one table of range kernels the fast backend runs, by name: the backend calls
 * them on the calling thread, and a worker thread (`worker.ts`) looks up the name a call
 * carries in this same table. A kernel name that is not in it does not compile
 * (`FastBackend.runKernel` takes a `KernelName`), and each kernel's arguments are typed from
 * its own parameters (`KernelArgs`, from `Parameters` of the function).
 *
 * @packageDocumentation
 */
import { conv1dKernel, conv2dKernel } from '../../convOps';
import type { StridedArray } from '../../tensorOps';
import { fastMapRange, fastReduceRange, fastZipRange, matmulRange } from './kernels';
import type { ArgsBeforeRange } from './pool';
import { simdConv2dRange, simdMatmulRange } from './simd';

/**
 * A range kernel: `kernel(out, ...inputs, ...settings, start, end)` fills output ordinals
 * `[start, end)` of `out`. Every argument must survive structured cloning (a worker receives a
 * copy): `StridedArray`s over shared memory, op names, numbers, booleans.
 */
export type RangeKernel = (out: StridedArray, ...rest: never[]) => void;

/** Every kernel the fast backend runs, by the name a worker looks it up by. */
export const RANGE_KERNELS = {
  map: fastMapRange,
  zip: fastZipRange,
  reduce: fastReduceRange,
  matmul: matmulRange,
  matmulSimd: simdMatmulRange,
  conv1d: conv1dKernel,
  conv2d: conv2dKernel,
  conv2dSimd: simdConv2dRange,
} satisfies Record<string, RangeKernel>;

/** The table's type: what a pool of fast-backend workers serves. */
export type RangeKernels = typeof RANGE_KERNELS;

/** The name of a kernel in `RANGE_KERNELS`. */
export type KernelName = keyof RangeKernels;

/** Kernel `K`'s arguments before its range: `out` first, then its inputs and settings. */
export type KernelArgs<K extends KernelName> = ArgsBeforeRange<RangeKernels[K]>;

/** Kernel `K`'s arguments after `out` and before its range: what the backend computes from. */
export type KernelInputs<K extends KernelName> = KernelArgs<K> extends [StridedArray, ...infer A] ? A : never;
