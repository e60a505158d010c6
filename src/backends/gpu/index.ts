/**
 * Module 3 — the WebGPU backend, registered as `"gpu"`. Nothing touches the GPU until a
 * tensor asks for this backend.
 *
 * @packageDocumentation
 */
import { registerBackend } from '../registry';
import { GpuBackend } from './backend';

registerBackend('gpu', () => new GpuBackend());

export { GpuBackend, sumPractice, mmPractice } from './backend';
export {
  GpuTensorData,
  GpuBuffer,
  liveBufferCount,
  gpuStats,
  gpuMemoryStats,
  setGpuMemoryBudget,
  simulateDeviceLoss,
  deviceLimits,
  setGpuLimitsForTesting,
} from './buffers';
export type { GpuMemoryBudget } from './memory';
export type { GpuLimits } from './bridge';
export * as kernels from './kernels';
