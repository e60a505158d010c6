/**
 * What the library does while exercises are still unwritten: the course's knowledge of its
 * own progress, kept out of the backends. In a starter repository every exercise body throws
 * `NotImplementedError`; two places adapt instead of failing:
 *
 * - training picks the Simple backend until the fast kernels (Tasks 3.1–3.2) are written
 *   (`trainingBackend`), so Module 2's training works before Module 3 is done;
 * - the GPU backend convolves on the CPU while its convolution shader (the optional GPU part
 *   of Task 4.2) is a stub, through its `gpuHooks.convShader` hook, installed here.
 *
 * @packageDocumentation
 */
import { NotImplementedError } from '../errors';
import type { BackendName } from '../backends/registry';
import { FastBackend, TRAINING_BACKEND } from '../backends/fast/backend';
import { gpuHooks } from '../backends/gpu/backend';
import { convShader } from '../backends/gpu/kernels';
import { TensorData } from '../tensorData';

/** `fn()`, or null while what it runs is an unwritten exercise (it throws `NotImplementedError`). */
export function unlessStub<T>(fn: () => T): T | null {
  try {
    return fn();
  } catch (e) {
    if (e instanceof NotImplementedError) return null;
    throw e;
  }
}

let trainingChoice: BackendName | undefined;

/**
 * `TRAINING_BACKEND`, unless its kernels are still unwritten (a starter repository before
 * Tasks 3.1–3.2): then `"simple"`. Decided once per process by a tiny probe of map, zip,
 * reduce and matmul on the calling thread.
 */
export function trainingBackend(): BackendName {
  trainingChoice ??=
    unlessStub(() => {
      const probe = new FastBackend({ workers: 1 });
      const x = probe.upload(new TensorData(new Float64Array([1, 2, 3, 4]), [2, 2]));
      probe.reduce('sum', probe.zip('add', probe.map('neg', x), probe.matmul(x, x)), 0);
      return TRAINING_BACKEND;
    }) ?? 'simple';
  return trainingChoice;
}

// The device shader while it is written; null (convolve on the CPU) while it is a stub.
gpuHooks.convShader = () => unlessStub(convShader);
