/**
 * Random cases for checks: a small, seeded stand-in for fast-check's generators, so the
 * notebook checks need no test-only package. Each generator starts with the edge cases
 * (0, ±1, the range ends) and then draws at random.
 *
 * @packageDocumentation
 */
import type { Random } from '../../random';
import type { CheckContext } from './types';

/** Draws the `i`-th case; `i` lets a generator serve its edge cases first. */
export type Gen<T> = (rng: Random, i: number) => T;

/** Floats in [lo, hi]: the ends, 0 and ±1 when inside, then uniform draws. */
export function floats(lo: number, hi: number): Gen<number> {
  const edges = [lo, hi, 0, 1, -1, 0.5, -0.5].filter((x) => x >= lo && x <= hi);
  return (rng, i) => (i < edges.length ? edges[i] : rng.uniform(lo, hi));
}

/** MiniTorch's `small_floats`: [-100, 100]. */
export const smallFloats: Gen<number> = floats(-100, 100);

/** Integers in [lo, hi]. */
export function ints(lo: number, hi: number): Gen<number> {
  return (rng, i) => (i === 0 ? lo : i === 1 ? hi : lo + rng.int(hi - lo + 1));
}

/** Lists of `minLength`…`maxLength` values from `gen` (the empty list first, if allowed). */
export function lists<T>(gen: Gen<T>, maxLength = 10, minLength = 0): Gen<T[]> {
  return (rng, i) => {
    const n = i === 0 ? minLength : minLength + rng.int(maxLength - minLength + 1);
    return Array.from({ length: n }, (_, j) => gen(rng, i === 0 ? j : 1000 + j));
  };
}

/** Tuples: one value from each generator. */
export function tuple<T extends unknown[]>(...gens: { [K in keyof T]: Gen<T[K]> }): Gen<T> {
  return (rng, i) => gens.map((g) => g(rng, i)) as T;
}

/** Shapes with 1…`maxDims` dimensions of size 1…`maxSize`. */
export function shapes(maxDims = 3, maxSize = 4): Gen<number[]> {
  return (rng) => Array.from({ length: 1 + rng.int(maxDims) }, () => 1 + rng.int(maxSize));
}

/**
 * Run `body` on `ctx.runs` cases from `gen`. A failure is rethrown with the case that
 * caused it, like fast-check's counterexample.
 */
export function forAll<T>(ctx: CheckContext, gen: Gen<T>, body: (value: T) => void): void {
  for (let i = 0; i < ctx.runs; i++) {
    const value = gen(ctx.rng, i);
    try {
      body(value);
    } catch (e) {
      if (e instanceof Error && e.name !== 'NotImplementedError') {
        e.message = `${e.message} (case ${i + 1} of ${ctx.runs}: ${JSON.stringify(value)})`;
      }
      throw e;
    }
  }
}
