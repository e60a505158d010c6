/**
 * Tuning internals of the backends: thresholds, range kernels and the worker pool. Not part
 * of the everyday API (`minitorch.tuning.PARALLEL_THRESHOLD`, …): for benchmarks, the
 * Module 3 notebook, and anyone running kernels of their own on a pool (a worker script that
 * calls `serveKernels(table)`, and `new WorkerPool(size, { script })`).
 *
 * @packageDocumentation
 */
export { PARALLEL_THRESHOLD, MULTIPLY_ADDS_PER_OP, SIMD_MIN_MULTIPLY_ADDS } from './fast/tuning';
export { fastMapRange, fastZipRange, fastReduceRange, matmulRange } from './fast/kernels';
export { isContiguousLayout, mergeDims, copyRange } from './fast/strided';
export { stridedArgs } from './fast/backend';
export { RANGE_KERNELS } from './fast/rangeKernels';
export type { KernelArgs, KernelName, RangeKernel, RangeKernels } from './fast/rangeKernels';
export { WorkerPool, serveKernels } from './fast/pool';
export type { ArgsBeforeRange, KernelTable, KernelTask, TaskFailure } from './fast/pool';
export { simdMatmulRange, simdAvailable } from './fast/simd';
