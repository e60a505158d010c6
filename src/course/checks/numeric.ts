/**
 * The gradient checker, one for the notebook checks and the mocha tests: the gradients
 * autodiff gives are compared with central differences written here rather than taken from
 * `centralDifference`, so that the checks of Tasks 1.3 and later do not depend on Task 1.1.
 *
 * @packageDocumentation
 */
import { noGrad } from '../../autodiff';
import { Tensor, fromFlat } from '../../tensor';
import { CheckFailure, show } from './assert';

/** (f(x + h) − f(x − h)) / 2h. */
export function numericDerivative(f: (x: number) => number, x: number, h = 1e-6): number {
  return (f(x + h) - f(x - h)) / (2 * h);
}

/** ∂f/∂x_i at `xs`, by central difference. */
export function numericPartial(f: (...xs: number[]) => number, xs: number[], i: number, h = 1e-6): number {
  return numericDerivative((x) => f(...xs.map((v, j) => (j === i ? x : v))), xs[i], h);
}

/**
 * Step and tolerance of `gradCheck` on a backend: the GPU computes in float32, where a step
 * of 1e-6 is lost in rounding, so it takes a larger step and a looser tolerance.
 */
export function gradCheckSteps(backendName: string): { eps: number; tol: number } {
  return backendName === 'gpu' ? { eps: 1e-2, tol: 5e-2 } : { eps: 1e-6, tol: 1e-4 };
}

/**
 * MiniTorch's `grad_check`: check ∂(Σ f(inputs))/∂input against central differences of
 * Σ f, for every element of every input, on the backend the inputs live on. Inputs are
 * copied into fresh leaves, so the caller's tensors are left untouched. An element passes
 * when |autodiff − numeric| ≤ tol·max(1, |numeric|). `what` names `f` in messages.
 */
export function gradCheck(f: (...ts: Tensor[]) => Tensor, inputs: Tensor[], what = 'f'): void {
  if (inputs.length === 0) throw new Error('gradCheck: give at least one input tensor');
  const { eps, tol } = gradCheckSteps(inputs[0].backend.name);
  const values = inputs.map((t) => Array.from(t.toFlatArray()));
  const leaves = inputs.map((t, k) => fromFlat(values[k], t.shape, { backend: t.backend, requiresGrad: true }));
  f(...leaves)
    .sum()
    .backward();
  const total = (vals: number[][]): number =>
    noGrad(() =>
      f(...vals.map((v, k) => fromFlat(v, inputs[k].shape, { backend: inputs[k].backend })))
        .sum()
        .item(),
    );
  leaves.forEach((leaf, k) => {
    if (leaf.grad === null) throw new CheckFailure(`${what}: input ${k} received no gradient`);
    const got = leaf.grad.toFlatArray();
    values[k].forEach((_, j) => {
      const at = (h: number) => total(values.map((v, m) => (m === k ? v.map((x, n) => (n === j ? x + h : x)) : v)));
      const expected = (at(eps) - at(-eps)) / (2 * eps);
      if (!(Math.abs(got[j] - expected) <= tol * Math.max(1, Math.abs(expected)))) {
        const where = `gradient of input ${k} (shape [${inputs[k].shape}]) at element ${j}`;
        throw new CheckFailure(
          `${what}: ${where}: expected ${show(expected)} (central difference), got ${show(got[j])}`,
        );
      }
    });
  });
}
