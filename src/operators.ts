/**
 * Module 0 — mathematical operators on plain numbers (Tasks 0.1 and 0.3).
 *
 * Everything later in the course (Scalar autodiff, every tensor backend) is built from
 * these small functions, so each one is written to be obviously correct.
 *
 * @packageDocumentation
 */

// ## Task 0.1: scalar operators

/** Multiply `x` by `y`. */
export function mul(x: number, y: number): number {
  // BEGIN SOLUTION 0.1
  return x * y;
  // END SOLUTION
}

/** The identity function: returns `x` unchanged. */
export function id(x: number): number {
  // BEGIN SOLUTION 0.1
  return x;
  // END SOLUTION
}

/** Add `x` and `y`. */
export function add(x: number, y: number): number {
  // BEGIN SOLUTION 0.1
  return x + y;
  // END SOLUTION
}

/** Negate `x`. */
export function neg(x: number): number {
  // BEGIN SOLUTION 0.1
  return -x;
  // END SOLUTION
}

/** 1.0 if `x` is less than `y`, else 0.0 (a number, so it can flow through autodiff). */
export function lt(x: number, y: number): number {
  // BEGIN SOLUTION 0.1
  return x < y ? 1.0 : 0.0;
  // END SOLUTION
}

/** 1.0 if `x` equals `y`, else 0.0. */
export function eq(x: number, y: number): number {
  // BEGIN SOLUTION 0.1
  return x === y ? 1.0 : 0.0;
  // END SOLUTION
}

/** The larger of `x` and `y`. */
export function max(x: number, y: number): number {
  // BEGIN SOLUTION 0.1
  return x > y ? x : y;
  // END SOLUTION
}

/** 1.0 if `|x - y| < 1e-2` (MiniTorch's tolerance), else 0.0. */
export function isClose(x: number, y: number): number {
  // BEGIN SOLUTION 0.1
  return Math.abs(x - y) < 1e-2 ? 1.0 : 0.0;
  // END SOLUTION
}

/**
 * The logistic sigmoid 1 / (1 + e^-x).
 *
 * Branches on the sign of `x` so that `Math.exp` only ever sees a non-positive argument:
 * the naive form overflows to `Infinity` (and then `NaN` in gradients) for large |x|.
 */
export function sigmoid(x: number): number {
  // BEGIN SOLUTION 0.1
  if (x >= 0) return 1.0 / (1.0 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1.0 + e);
  // END SOLUTION
}

/** Rectified linear unit: `x` if `x > 0`, else 0. */
export function relu(x: number): number {
  // BEGIN SOLUTION 0.1
  return x > 0 ? x : 0.0;
  // END SOLUTION
}

/** Guard added inside `log` so that log(0) stays finite during training. */
export const EPS = 1e-6;

/** Natural logarithm, `Math.log(x + EPS)`. */
export function log(x: number): number {
  // BEGIN SOLUTION 0.1
  return Math.log(x + EPS);
  // END SOLUTION
}

/** Natural exponential e^x. */
export function exp(x: number): number {
  // BEGIN SOLUTION 0.1
  return Math.exp(x);
  // END SOLUTION
}

/** Reciprocal 1 / x. */
export function inv(x: number): number {
  // BEGIN SOLUTION 0.1
  return 1.0 / x;
  // END SOLUTION
}

/** Square root (used by optimisers such as Adam; not one of the course's exercises). */
export function sqrt(x: number): number {
  return Math.sqrt(x);
}

/** Derivative of `log` at `x`, times the incoming derivative `d`: d / (x + EPS). */
export function logBack(x: number, d: number): number {
  // BEGIN SOLUTION 0.1
  return d / (x + EPS);
  // END SOLUTION
}

/** Derivative of `inv` at `x`, times `d`: -d / x². */
export function invBack(x: number, d: number): number {
  // BEGIN SOLUTION 0.1
  return -d / (x * x);
  // END SOLUTION
}

/** Derivative of `relu` at `x`, times `d`: `d` where x > 0, else 0. */
export function reluBack(x: number, d: number): number {
  // BEGIN SOLUTION 0.1
  return x > 0 ? d : 0.0;
  // END SOLUTION
}

/** Derivative of `sigmoid` at `x`, times `d`: d · σ(x) · (1 − σ(x)). */
export function sigmoidBack(x: number, d: number): number {
  const s = sigmoid(x);
  return d * s * (1.0 - s);
}

/** Derivative of `exp` at `x`, times `d`: d · e^x. */
export function expBack(x: number, d: number): number {
  return d * Math.exp(x);
}

// ## Task 0.3: higher-order functions

/**
 * Higher-order map: `map(fn)` returns a function that applies `fn` to every element of a list.
 */
export function map(fn: (x: number) => number): (ls: Iterable<number>) => number[] {
  // BEGIN SOLUTION 0.3
  return (ls) => {
    const out: number[] = [];
    for (const x of ls) out.push(fn(x));
    return out;
  };
  // END SOLUTION
}

/**
 * Higher-order zip: `zipWith(fn)` returns a function that combines two lists element by
 * element. The lists must have the same length.
 */
export function zipWith(
  fn: (x: number, y: number) => number,
): (ls1: Iterable<number>, ls2: Iterable<number>) => number[] {
  // BEGIN SOLUTION 0.3
  return (ls1, ls2) => {
    const a = Array.from(ls1);
    const b = Array.from(ls2);
    if (a.length !== b.length) {
      throw new RangeError(`zipWith: lists have different lengths (${a.length} and ${b.length})`);
    }
    return a.map((x, i) => fn(x, b[i]));
  };
  // END SOLUTION
}

/**
 * Higher-order reduce: `reduce(fn, start)` returns a function that folds a list into one
 * number, `fn(...fn(fn(start, x0), x1)..., xn)`.
 */
export function reduce(fn: (acc: number, x: number) => number, start: number): (ls: Iterable<number>) => number {
  // BEGIN SOLUTION 0.3
  return (ls) => {
    let acc = start;
    for (const x of ls) acc = fn(acc, x);
    return acc;
  };
  // END SOLUTION
}

/** Negate every element of a list (using `map`). */
export function negList(ls: Iterable<number>): number[] {
  // BEGIN SOLUTION 0.3
  return map(neg)(ls);
  // END SOLUTION
}

/** Add two lists element by element (using `zipWith`). */
export function addLists(ls1: Iterable<number>, ls2: Iterable<number>): number[] {
  // BEGIN SOLUTION 0.3
  return zipWith(add)(ls1, ls2);
  // END SOLUTION
}

/** Sum a list (using `reduce`); the empty sum is 0. */
export function sum(ls: Iterable<number>): number {
  // BEGIN SOLUTION 0.3
  return reduce(add, 0)(ls);
  // END SOLUTION
}

/** Product of a list (using `reduce`); the empty product is 1. */
export function prod(ls: Iterable<number>): number {
  // BEGIN SOLUTION 0.3
  return reduce(mul, 1)(ls);
  // END SOLUTION
}
