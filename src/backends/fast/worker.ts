/**
 * Module 3 — the entry script of the fast backend's worker threads: serve the range kernels
 * of `RANGE_KERNELS` by name (see `serveKernels` in `pool.ts`). Does nothing when imported on
 * the main thread.
 *
 * @packageDocumentation
 */
import { serveKernels } from './pool';
import { RANGE_KERNELS } from './rangeKernels';

serveKernels(RANGE_KERNELS);
