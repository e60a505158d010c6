/**
 * Random cases, defined once for the notebook checks and the mocha property tests.
 *
 * A generator (`Gen`) builds a case from the choices a `Source` gives it. In a notebook the
 * source is a seeded `Random` that serves the edge cases first (`seededSource`), so a check
 * needs no test-only package; in mocha, `tests/helpers/arbitraries.ts` turns the same
 * generator into a fast-check arbitrary whose choices fast-check makes, so a failing case
 * shrinks. MiniTorch's hypothesis strategies (`small_floats`, small shapes, broadcastable
 * pairs, permutations) are each written here, and nowhere else.
 *
 * @packageDocumentation
 */
import { Random } from '../../random';
import { Tensor, fromFlat } from '../../tensor';
import type { TensorBackend } from '../../tensorOps';
import type { CheckContext } from './types';

/** Where a generator's choices come from. */
export interface Source {
  /** An integer in [lo, hi]. */
  int(lo: number, hi: number): number;
  /** A float in [lo, hi]. */
  float(lo: number, hi: number): number;
}

/** Builds one case from the choices of `src`. */
export type Gen<T> = (src: Source) => T;

/**
 * The source of the `i`-th seeded case. Case 0 takes every range's low end and case 1 its
 * high end (the smallest and largest shapes, the ends of a float range); floats then try
 * 0, ±1 and ±0.5 where inside the range; later cases draw from `rng`.
 */
export function seededSource(rng: Random, i: number): Source {
  return {
    int: (lo, hi) => (i === 0 ? lo : i === 1 ? hi : lo + rng.int(hi - lo + 1)),
    float: (lo, hi) => {
      const edges = [lo, hi, 0, 1, -1, 0.5, -0.5].filter((x) => x >= lo && x <= hi);
      return i < edges.length ? edges[i] : rng.uniform(lo, hi);
    },
  };
}

/** Floats in [lo, hi]. */
export function floats(lo: number, hi: number): Gen<number> {
  return (src) => src.float(lo, hi);
}

/** MiniTorch's `small_floats`: [-100, 100]. */
export const smallFloats: Gen<number> = floats(-100, 100);

/** Integers in [lo, hi]. */
export function ints(lo: number, hi: number): Gen<number> {
  return (src) => src.int(lo, hi);
}

/** Lists of `minLength`…`maxLength` values from `gen`. */
export function lists<T>(gen: Gen<T>, maxLength = 10, minLength = 0): Gen<T[]> {
  return (src) => Array.from({ length: src.int(minLength, maxLength) }, () => gen(src));
}

/** Tuples: one value from each generator. */
export function tuple<T extends unknown[]>(...gens: { [K in keyof T]: Gen<T[K]> }): Gen<T> {
  return (src) => gens.map((g) => g(src)) as T;
}

/** Small shapes: `minDims`…`maxDims` dims, each of size 1…`maxSize`. */
export function shapes(minDims = 1, maxDims = 3, maxSize = 3): Gen<number[]> {
  return (src) => Array.from({ length: src.int(minDims, maxDims) }, () => src.int(1, maxSize));
}

/** A permutation of 0…n−1, by Fisher–Yates swaps. */
export function permutation(n: number): Gen<number[]> {
  return (src) => {
    const order = Array.from({ length: n }, (_, i) => i);
    for (let i = n - 1; i > 0; i--) {
      const j = src.int(0, i);
      [order[i], order[j]] = [order[j], order[i]];
    }
    return order;
  };
}

/** A small shape with one of its permutations. */
export function shapeAndOrder(minDims = 1, maxDims = 3, maxSize = 3): Gen<[number[], number[]]> {
  return (src) => {
    const shape = shapes(minDims, maxDims, maxSize)(src);
    return [shape, permutation(shape.length)(src)];
  };
}

/**
 * Two shapes that broadcast together: each is a suffix of a common shape with some dims set
 * to 1, in either order, so every broadcasting case (extra leading dims, size-1 dims, both)
 * turns up.
 */
export function broadcastPair(maxDims = 3, maxSize = 3): Gen<[number[], number[]]> {
  return (src) => {
    const big = shapes(1, maxDims, maxSize)(src);
    const a = big.map((d) => (src.int(0, 1) === 1 ? 1 : d));
    const b = big.slice(src.int(0, big.length - 1)).map((d) => (src.int(0, 1) === 1 ? 1 : d));
    return src.int(0, 1) === 1 ? [b, a] : [a, b];
  };
}

/** Every index of `shape`, row-major, computed without the library's `toIndex`. */
export function allIndices(shape: number[]): number[][] {
  let out: number[][] = [[]];
  for (const size of shape) out = out.flatMap((prefix) => Array.from({ length: size }, (_, i) => [...prefix, i]));
  return out;
}

/** The value of `t` at `index` of the broadcast shape `big`, reading `t` as broadcast. */
export function broadcastGet(t: Tensor, index: number[], big: number[]): number {
  const offset = big.length - t.dims;
  return t.get(t.shape.map((d, i) => (d === 1 ? 0 : index[i + offset])));
}

/** A tensor of `shape` (on `backend`, default the default one) whose values come from `draw`. */
export function tensorOf(shape: number[], draw: () => number, backend?: TensorBackend): Tensor {
  const size = shape.reduce((a, b) => a * b, 1);
  return fromFlat(Array.from({ length: size }, draw), shape, backend ? { backend } : {});
}

/** A tensor of `shape` with values uniform in [lo, hi) from `rng`. */
export function uniformTensor(rng: Random, shape: number[], lo = -1, hi = 1, backend?: TensorBackend): Tensor {
  return tensorOf(shape, () => rng.uniform(lo, hi), backend);
}

/** The largest seed a case draws for its own `Random`. */
const MAX_SEED = 2 ** 31 - 1;

/**
 * Run `body` on `ctx.runs` cases from `gen`. `body` also gets a `Random` of its own for the
 * case (tensor values, say), seeded from the case's choices, so a case replays exactly
 * (fast-check replays it while shrinking). In mocha `ctx.property` runs the cases as a
 * fast-check property; otherwise a failure is rethrown with the case that caused it.
 */
export function forAll<T>(ctx: CheckContext, gen: Gen<T>, body: (value: T, rng: Random) => void): void {
  const withSeed: Gen<[T, number]> = (src) => [gen(src), src.int(0, MAX_SEED)];
  if (ctx.property) {
    ctx.property(withSeed, ([value, seed]) => body(value, new Random(seed)));
    return;
  }
  for (let i = 0; i < ctx.runs; i++) {
    const [value, seed] = withSeed(seededSource(ctx.rng, i));
    try {
      body(value, new Random(seed));
    } catch (e) {
      if (e instanceof Error && e.name !== 'NotImplementedError') {
        e.message = `${e.message} (case ${i + 1} of ${ctx.runs}: ${JSON.stringify(value)})`;
      }
      throw e;
    }
  }
}
