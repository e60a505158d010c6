/**
 * Test helper: run a suite once per tensor backend, as TensorFlow.js runs every op test on
 * every backend. Backends join the list when they are implemented.
 */
import { BackendName, TensorBackend, getBackend } from '../../src';

/** Every backend the shared tensor suites run on. */
export const BACKENDS: BackendName[] = ['simple', 'fast', 'gpu'];

/** Absolute tolerance for comparing values computed on a backend (GPU math is float32). */
export function tolerance(name: BackendName): number {
  return name === 'gpu' ? 1e-3 : 1e-7;
}

/** `describe` the suite once per backend; the backend name is appended to the title. */
export function describeEachBackend(title: string, body: (backend: TensorBackend, name: BackendName) => void): void {
  for (const name of BACKENDS) {
    describe(`${title} [${name}]`, () => body(getBackend(name), name));
  }
}
