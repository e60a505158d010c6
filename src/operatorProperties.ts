/**
 * Module 0 — Task 0.2: property tests for the operators, written by you with
 * [fast-check](https://fast-check.dev/), as MiniTorch asks for them with Hypothesis.
 *
 * A property is a law that must hold for every input: fast-check tries a hundred random
 * inputs (and the usual suspects: 0, -0, tiny and huge numbers) and shrinks any failure to a
 * small counterexample. Your properties receive the operators as a parameter, `ops`, so they
 * can be run on more than one implementation: the grader runs them on correct operators
 * (every property must hold) and on deliberately wrong ones (some property must fail for
 * each).
 *
 * @packageDocumentation
 */
import * as fc from 'fast-check';

/** The operators of Task 0.1 that the properties are about. */
export interface OperatorSet {
  mul(x: number, y: number): number;
  add(x: number, y: number): number;
  neg(x: number): number;
  lt(x: number, y: number): number;
  eq(x: number, y: number): number;
  max(x: number, y: number): number;
  sigmoid(x: number): number;
  relu(x: number): number;
}

/** One property test: `run` throws (as `fc.assert` does) when the property fails. */
export interface OperatorProperty {
  /** What the property says, e.g. `mul is symmetric`. */
  name: string;
  run(): void;
}

/**
 * Your property tests of `ops`. Write at least these (MiniTorch's list), each with
 * `fc.assert(fc.property(...))`:
 *
 * - sigmoid is in [0, 1], sigmoid(0) is 0.5, 1 - sigmoid(a) equals sigmoid(-a), and sigmoid
 *   is strictly increasing (where it has not saturated: |a| < 20, say);
 * - lt is transitive: lt(a, b) and lt(b, c) imply lt(a, c);
 * - mul is symmetric: mul(x, y) equals mul(y, x);
 * - mul distributes over add: mul(z, add(x, y)) is close to add(mul(z, x), mul(z, y));
 * - one more law of your own.
 *
 * Compare computed floats with a tolerance, not `===`: (x + y) · z and x · z + y · z round
 * differently. And mind what you draw: most of `fc.double`'s numbers are tiny (1e-300) or
 * huge, where a law with a tolerance holds even for wrong operators; draw ordinary numbers
 * too (`fc.integer(...).map((n) => n / 100)`, say).
 */
export function operatorProperties(ops: OperatorSet): OperatorProperty[] {
  // BEGIN SOLUTION 0.2
  // Hundredths, not fc.double: most of fc.double's draws are tiny (1e-300) or at the bounds,
  // where a law with a tolerance holds even for wrong operators.
  const between = (lo: number, hi: number) => fc.integer({ min: lo * 100, max: hi * 100 }).map((n) => n / 100);
  const floats = between(-100, 100);
  const close = (a: number, b: number): boolean => Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b));
  return [
    {
      name: 'sigmoid is in [0, 1] and 0.5 at 0',
      run: () => {
        if (ops.sigmoid(0) !== 0.5) throw new Error(`sigmoid(0) is ${ops.sigmoid(0)}, not 0.5`);
        fc.assert(fc.property(floats, (a) => ops.sigmoid(a) >= 0 && ops.sigmoid(a) <= 1));
      },
    },
    {
      name: '1 - sigmoid(a) equals sigmoid(-a)',
      run: () => fc.assert(fc.property(floats, (a) => close(1 - ops.sigmoid(a), ops.sigmoid(-a)))),
    },
    {
      name: 'sigmoid is strictly increasing',
      run: () => fc.assert(fc.property(between(-20, 20), (a) => ops.sigmoid(a + 0.5) > ops.sigmoid(a))),
    },
    {
      name: 'lt is transitive',
      // Random triples are rarely ordered (a < b < c): sort them, so every case tests the law.
      run: () =>
        fc.assert(
          fc.property(fc.uniqueArray(floats, { minLength: 3, maxLength: 3 }), (xs) => {
            const [a, b, c] = [...xs].sort((p, q) => p - q);
            return ops.lt(a, b) === 1 && ops.lt(b, c) === 1 && ops.lt(a, c) === 1 && ops.lt(c, a) === 0;
          }),
        ),
    },
    {
      name: 'mul is symmetric',
      run: () => fc.assert(fc.property(floats, floats, (x, y) => ops.mul(x, y) === ops.mul(y, x))),
    },
    {
      name: 'mul distributes over add',
      run: () =>
        fc.assert(
          fc.property(floats, floats, floats, (x, y, z) => {
            const left = ops.mul(z, ops.add(x, y));
            const right = ops.add(ops.mul(z, x), ops.mul(z, y));
            return Math.abs(left - right) <= 1e-9 * Math.max(1, Math.abs(ops.mul(z, x)), Math.abs(ops.mul(z, y)));
          }),
        ),
    },
    {
      name: 'neg is an involution and add(a, neg(a)) is 0',
      run: () => fc.assert(fc.property(floats, (a) => ops.neg(ops.neg(a)) === a && ops.add(a, ops.neg(a)) === 0)),
    },
  ];
  // END SOLUTION
}
