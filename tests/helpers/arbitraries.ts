/**
 * Test helper: fast-check arbitraries derived from the generators of
 * `src/course/checks/sample.ts` (MiniTorch's hypothesis strategies), so the notebook checks
 * and the property tests draw from one definition of each. fast-check makes a generator's
 * choices here, so a failing case shrinks to a small one.
 */
import * as fc from 'fast-check';
import { Random, Tensor, TensorBackend } from '../../src';
import * as gen from '../../src/course/checks/sample';
import type { Gen, Source } from '../../src/course/checks/sample';

export { allIndices, broadcastGet } from '../../src/course/checks/sample';

/** `g` as a fast-check arbitrary: its choices are fast-check's, so its cases shrink. */
export function arbitrary<T>(g: Gen<T>): fc.Arbitrary<T> {
  return fc.gen().map((draw) => {
    const src: Source = {
      int: (lo, hi) => draw(fc.integer, { min: lo, max: hi }),
      float: (lo, hi) => draw(fc.double, { min: lo, max: hi, noNaN: true }),
    };
    return g(src);
  });
}

/** MiniTorch's `small_floats`: [-100, 100]. */
export const smallFloats: fc.Arbitrary<number> = arbitrary(gen.smallFloats);

/** Floats in [lo, hi]. */
export const floats = (lo: number, hi: number): fc.Arbitrary<number> => arbitrary(gen.floats(lo, hi));

/** Shapes of `minDims`…`maxDims` dims, each of size 1…`maxSize`. */
export const shapes = (minDims?: number, maxDims?: number, maxSize?: number): fc.Arbitrary<number[]> =>
  arbitrary(gen.shapes(minDims, maxDims, maxSize));

/** A shape with one of its permutations. */
export const shapeAndOrder = (
  minDims?: number,
  maxDims?: number,
  maxSize?: number,
): fc.Arbitrary<[number[], number[]]> => arbitrary(gen.shapeAndOrder(minDims, maxDims, maxSize));

/** Two shapes that broadcast together. */
export const broadcastPair = (maxDims?: number, maxSize?: number): fc.Arbitrary<[number[], number[]]> =>
  arbitrary(gen.broadcastPair(maxDims, maxSize));

/** A tensor of `shape` on `backend` with values uniform in [lo, hi), repeatable from `seed`. */
export function seeded(shape: number[], backend: TensorBackend, seed: number, lo = -1, hi = 1): Tensor {
  return gen.uniformTensor(new Random(seed), shape, lo, hi, backend);
}
