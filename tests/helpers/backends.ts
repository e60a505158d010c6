/**
 * Test helper: run a suite once per tensor backend, as TensorFlow.js runs every op test on
 * every backend. Backends join the list when they are implemented.
 *
 * A test is graded for the task its title names, and a task must be graded on what its own
 * module built. A Module 2 suite run on `fast` or `gpu` tests Module 3's kernels as much as
 * Module 2's ops, so on those backends its titles name the Module 3 task that wrote the
 * kernels it needs (`Task 2.3 … [fast]` becomes `Task 3.1 … [fast]`). Suites of later modules
 * (Module 4 on `gpu`) keep their own task: Module 3 comes before them.
 */
import { BackendName, TensorBackend, getBackend } from '../../src';

/** Every backend the shared tensor suites run on. */
export const BACKENDS: BackendName[] = ['simple', 'fast', 'gpu'];

/** Absolute tolerance for comparing values computed on a backend (GPU math is float32). */
export function tolerance(name: BackendName): number {
  return name === 'gpu' ? 1e-3 : 1e-7;
}

/** Options of `describeEachBackend`. */
export interface EachBackendOptions {
  /**
   * Which tests multiply matrices (Linear layers, matmul fixtures): `true` for all of them,
   * or a pattern their titles match. On `fast` and `gpu` those need the matmul kernels too,
   * so they are graded for 3.2 / 3.4 instead of 3.1 / 3.3.
   */
  matmul?: boolean | RegExp;
  /**
   * Tests (titles matching) that run no backend kernel (creating tensors, views): they test
   * Module 2's code on every backend, so they keep their Module 2 task there.
   */
  kernelFree?: RegExp;
}

/**
 * The Module 3 task that grades a Module 0–2 suite on `backend`, or null when the suite keeps
 * its own tasks (on `simple`).
 */
export function backendTask(backend: BackendName, matmul: boolean): string | null {
  if (backend === 'fast') return matmul ? '3.2' : '3.1';
  if (backend === 'gpu') return matmul ? '3.4' : '3.3';
  return null;
}

/** Tasks of Modules 0–2 named in a title. */
const EARLY_TASK = /Task [0-2]\.\d+(?!\d)/g;

/**
 * Rename the Module 0–2 tasks in the titles of `suite` and everything in it to the Module 3
 * task of `backend`: the matmul task for the tests `matmul` picks.
 */
function retitle(suite: Mocha.Suite, backend: BackendName, options: EachBackendOptions): void {
  const { matmul = false, kernelFree } = options;
  const rename = (title: string, usesMatmul: boolean) => {
    const task = backendTask(backend, usesMatmul);
    return task === null ? title : title.replace(EARLY_TASK, `Task ${task}`);
  };
  suite.title = rename(suite.title, matmul === true);
  for (const test of suite.tests) {
    if (kernelFree?.test(test.title)) continue;
    test.title = rename(test.title, matmul === true || (matmul instanceof RegExp && matmul.test(test.title)));
  }
  for (const child of suite.suites) retitle(child, backend, options);
}

/**
 * `describe` the suite once per backend; the backend name is appended to the title, and on
 * `fast` and `gpu` a Module 0–2 suite is graded for the Module 3 task of that backend.
 */
export function describeEachBackend(
  title: string,
  body: (backend: TensorBackend, name: BackendName) => void,
  options: EachBackendOptions = {},
): void {
  for (const name of BACKENDS) {
    const suite = describe(`${title} [${name}]`, () => body(getBackend(name), name));
    retitle(suite, name, options);
  }
}
