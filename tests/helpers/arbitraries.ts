/**
 * Test helper: fast-check generators for tensor suites (MiniTorch's hypothesis strategies):
 * small shapes, permutations, shapes that broadcast, and seeded tensors on a backend.
 */
import * as fc from 'fast-check';
import { Random, Tensor, TensorBackend, fromFlat } from '../../src';
import { shapeSize } from '../../src/tensorData';

/** Shapes of `minDims`…`maxDims` dims, each of size 1…`maxSize`. */
export function shapes(minDims = 1, maxDims = 3, maxSize = 3): fc.Arbitrary<number[]> {
  return fc.array(fc.integer({ min: 1, max: maxSize }), { minLength: minDims, maxLength: maxDims });
}

/** A shape with one of its permutations. */
export function shapeAndOrder(minDims = 1, maxDims = 3, maxSize = 3): fc.Arbitrary<[number[], number[]]> {
  return shapes(minDims, maxDims, maxSize).chain((shape) =>
    fc.shuffledSubarray(shape.map((_, i) => i), { minLength: shape.length, maxLength: shape.length }).map((order) => [shape, order] as [number[], number[]]),
  );
}

/**
 * Two shapes that broadcast together: one is a suffix of a common shape with some dims set
 * to 1, so every broadcasting case (extra leading dims, size-1 dims, both) turns up.
 */
export function broadcastPair(maxDims = 3, maxSize = 3): fc.Arbitrary<[number[], number[]]> {
  return fc
    .tuple(shapes(1, maxDims, maxSize), fc.nat(), fc.array(fc.boolean(), { minLength: 2 * maxDims, maxLength: 2 * maxDims }), fc.boolean())
    .map(([big, cut, ones, swap]) => {
      const a = big.map((d, i) => (ones[i] ? 1 : d));
      const b = big.slice(cut % big.length).map((d, i) => (ones[maxDims + i] ? 1 : d));
      return swap ? [b, a] : [a, b];
    });
}

/** A tensor of `shape` on `backend` with values uniform in [lo, hi), repeatable from `seed`. */
export function seeded(shape: number[], backend: TensorBackend, seed: number, lo = -1, hi = 1): Tensor {
  const rng = new Random(seed);
  return fromFlat(Array.from({ length: shapeSize(shape) }, () => rng.uniform(lo, hi)), shape, { backend });
}

/** Values of `t` at an index of the broadcast shape `big` (reading `t` as broadcast). */
export function broadcastGet(t: Tensor, index: number[], big: number[]): number {
  const offset = big.length - t.dims;
  return t.get(t.shape.map((d, i) => (d === 1 ? 0 : index[i + offset])));
}

/** Every index of `shape`, row-major, computed without the library's `toIndex`. */
export function allIndices(shape: number[]): number[][] {
  let out: number[][] = [[]];
  for (const size of shape) out = out.flatMap((prefix) => Array.from({ length: size }, (_, i) => [...prefix, i]));
  return out;
}
