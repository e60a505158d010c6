/**
 * Test helper: compare the gradients autodiff gives with central differences, on whatever
 * backend the inputs live on.
 */
import { expect } from 'chai';
import { BackendName, Tensor, fromFlat, noGrad } from '../../src';

/**
 * Check ∂(Σ f(inputs))/∂input against (f(x + ε) − f(x − ε)) / 2ε for every element of every
 * input. Inputs are copied into fresh leaves, so the caller's tensors are left untouched.
 * The GPU computes in float32, so it uses a larger step and tolerance.
 */
export function expectGradientsMatch(f: (...ts: Tensor[]) => Tensor, inputs: Tensor[], backend: BackendName = 'simple'): void {
  const float32 = backend === 'gpu';
  const eps = float32 ? 1e-2 : 1e-6;
  const tol = float32 ? 5e-2 : 1e-4;
  const values = inputs.map((t) => Array.from(t.toFlatArray()));
  const leaves = inputs.map((t, k) => fromFlat(values[k], t.shape, { backend: t.backend, requiresGrad: true }));
  f(...leaves).sum().backward();
  const total = (vals: number[][]): number =>
    noGrad(() => f(...vals.map((v, k) => fromFlat(v, inputs[k].shape, { backend: inputs[k].backend }))).sum().item());
  leaves.forEach((leaf, k) => {
    expect(leaf.grad, `input ${k} received no gradient`).to.not.equal(null);
    const got = leaf.grad!.toFlatArray();
    values[k].forEach((_, j) => {
      const at = (h: number) => total(values.map((v, m) => (m === k ? v.map((x, n) => (n === j ? x + h : x)) : v)));
      const expected = (at(eps) - at(-eps)) / (2 * eps);
      expect(got[j], `gradient of input ${k} (shape [${inputs[k].shape}]) at element ${j}`).to.be.closeTo(
        expected,
        tol * Math.max(1, Math.abs(expected)),
      );
    });
  });
}

/**
 * `gradCheck(f, a, b, …)`: the same check with the inputs spread, on the backend the inputs
 * live on (read from the first input), so a suite need not pass the backend name around.
 */
export function gradCheck(f: (...ts: Tensor[]) => Tensor, ...inputs: Tensor[]): void {
  if (inputs.length === 0) throw new Error('gradCheck: give at least one input tensor');
  expectGradientsMatch(f, inputs, inputs[0].backend.name as BackendName);
}
