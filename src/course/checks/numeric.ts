/**
 * Numeric derivatives for checks: the reference a student's gradients are compared with.
 * Written here rather than taken from `centralDifference` so that the checks of Tasks 1.3
 * and later do not depend on Task 1.1 being done.
 *
 * @packageDocumentation
 */
import { Tensor, fromFlat } from '../../tensor';
import { assertClose } from './assert';

/** (f(x + h) − f(x − h)) / 2h. */
export function numericDerivative(f: (x: number) => number, x: number, h = 1e-6): number {
  return (f(x + h) - f(x - h)) / (2 * h);
}

/** ∂f/∂x_i at `xs`, by central difference. */
export function numericPartial(f: (...xs: number[]) => number, xs: number[], i: number, h = 1e-6): number {
  return numericDerivative((x) => f(...xs.map((v, j) => (j === i ? x : v))), xs[i], h);
}

/** An input of a tensor gradient check: flat row-major values and a shape. */
export interface TensorInput {
  values: number[];
  shape: number[];
}

/**
 * Check the gradients `backward()` gives every input of `f` against central differences of
 * `f(...inputs).sum()`, element by element. `what` names the function in messages.
 */
export function assertTensorGrads(f: (...ts: Tensor[]) => Tensor, inputs: TensorInput[], what: string, tol = 1e-4): void {
  const leaves = inputs.map((x) => fromFlat(x.values, x.shape, { requiresGrad: true }));
  f(...leaves).sum().backward();
  const total = (values: number[][]): number =>
    f(...values.map((v, k) => fromFlat(v, inputs[k].shape)))
      .sum()
      .item();
  inputs.forEach((input, k) => {
    const grad = leaves[k].grad;
    if (grad === null) throw new Error(`${what}: input ${k} received no gradient`);
    const got = grad.toFlatArray();
    input.values.forEach((_, j) => {
      const at = (h: number) => total(inputs.map((x, m) => (m === k ? x.values.map((v, n) => (n === j ? v + h : v)) : x.values)));
      const expected = (at(1e-6) - at(-1e-6)) / 2e-6;
      assertClose(got[j], expected, `${what}: gradient of input ${k} (shape [${input.shape}]) at element ${j}`, tol, tol);
    });
  });
}

/** `n` values from `draw`, as a `TensorInput` of `shape`. */
export function tensorInput(shape: number[], draw: () => number): TensorInput {
  const size = shape.reduce((a, b) => a * b, 1);
  return { values: Array.from({ length: size }, draw), shape };
}
