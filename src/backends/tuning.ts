/**
 * Tuning internals of the backends: thresholds, range kernels and the worker pool. Not part
 * of the everyday API (`minitorch.tuning.PARALLEL_THRESHOLD`, …): for benchmarks, the
 * Module 3 notebook, and anyone registering kernels of their own.
 *
 * @packageDocumentation
 */
export {
  PARALLEL_THRESHOLD,
  MULTIPLY_ADDS_PER_OP,
  SIMD_MIN_MULTIPLY_ADDS,
  fastMapRange,
  fastZipRange,
  fastReduceRange,
  matmulRange,
  stridedArgs,
  isContiguousLayout,
} from './fast/backend';
export { WorkerPool, registerRangeKernel, kernelLocation } from './fast/pool';
export type { KernelLocation, KernelTask, TaskFailure } from './fast/pool';
export { simdMatmulRange, simdAvailable } from './fast/simd';
