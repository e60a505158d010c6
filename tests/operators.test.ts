/**
 * Module 0 operator tests: MiniTorch's test_operators.py in mocha + fast-check.
 *
 * Task 0.1 checks each operator against plain JavaScript and its own laws (Task 0.2, the
 * students' own property tests, is graded in src/course/checks/properties.ts); Task 0.3 checks
 * the higher-order functions and the list helpers built from them. What the notebook checks
 * of `src/course/checks/module0.ts` already test (`tests/checks.test.ts` runs them) is not
 * repeated here.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import {
  add,
  addLists,
  eq,
  exp,
  expBack,
  id,
  inv,
  invBack,
  isClose,
  log,
  logBack,
  lt,
  max,
  mul,
  neg,
  negList,
  relu,
  reluBack,
  sigmoid,
  sigmoidBack,
  sum,
  zipWith,
} from '../src/operators';
import { lists, numericDerivative } from '../src/course/checks';
import * as sample from '../src/course/checks/sample';
import { arbitrary, floats, smallFloats } from './helpers/arbitraries';

/** Lists of small floats (MiniTorch's `lists(small_floats)`). */
const smallLists = arbitrary(lists(sample.smallFloats, 20));

/** Runs per property: enough to find edge cases, small enough that the suite stays fast. */
const RUNS = { numRuns: 100 };

/** MiniTorch's `assert_close`: fails with both values when |a - b| >= 1e-2. */
function expectClose(actual: number, expected: number, what = ''): void {
  expect(isClose(actual, expected), `${what} ${actual} is not close to ${expected}`).to.equal(1.0);
}

/** Relative agreement, for derivatives whose size varies by orders of magnitude. */
function expectNear(actual: number, expected: number, what: string, rtol = 1e-4, atol = 1e-6): void {
  const ok = Math.abs(actual - expected) <= atol + rtol * Math.abs(expected);
  expect(ok, `${what}: ${actual} vs central difference ${expected}`).to.equal(true);
}

describe('Task 0.1 operators', () => {
  it('Task 0.1 id returns its argument', () => {
    fc.assert(
      fc.property(smallFloats, (a) => Object.is(id(a), a)),
      RUNS,
    );
  });

  it('Task 0.1 relu is the identity above zero and zero below', () => {
    fc.assert(
      fc.property(smallFloats, (a) => {
        if (a > 0) expect(relu(a)).to.equal(a);
        if (a < 0) expect(relu(a)).to.equal(0.0);
      }),
      RUNS,
    );
  });

  it('Task 0.1 reluBack passes d above zero and blocks it below', () => {
    fc.assert(
      fc.property(smallFloats, smallFloats, (a, b) => {
        if (a > 0) expect(reluBack(a, b)).to.equal(b);
        if (a < 0) expect(reluBack(a, b)).to.equal(0.0);
      }),
      RUNS,
    );
  });

  it('Task 0.1 lt returns 1.0 or 0.0', () => {
    fc.assert(
      fc.property(smallFloats, (a) => {
        expect(lt(a - 1.0, a)).to.equal(1.0);
        expect(lt(a, a - 1.0)).to.equal(0.0);
        expect(lt(a, a)).to.equal(0.0);
      }),
      RUNS,
    );
  });

  it('Task 0.1 max picks the larger argument', () => {
    fc.assert(
      fc.property(smallFloats, (a) => {
        expect(max(a - 1.0, a)).to.equal(a);
        expect(max(a, a - 1.0)).to.equal(a);
        expect(max(a + 1.0, a)).to.equal(a + 1.0);
        expect(max(a, a + 1.0)).to.equal(a + 1.0);
      }),
      RUNS,
    );
  });

  it('Task 0.1 eq returns 1.0 only for equal arguments', () => {
    fc.assert(
      fc.property(smallFloats, (a) => {
        expect(eq(a, a)).to.equal(1.0);
        expect(eq(a, a - 1.0)).to.equal(0.0);
        expect(eq(a, a + 1.0)).to.equal(0.0);
      }),
      RUNS,
    );
  });

  it('Task 0.1 sigmoid is stable for large |x| (no NaN or Infinity)', () => {
    for (const x of [-1000, -745, -100, 100, 710, 1000, -Number.MAX_VALUE, Number.MAX_VALUE]) {
      const s = sigmoid(x);
      expect(Number.isFinite(s), `sigmoid(${x}) = ${s}`).to.equal(true);
      expect(s).to.be.within(0.0, 1.0);
      const d = sigmoidBack(x, 1.0);
      expect(Number.isFinite(d), `sigmoidBack(${x}, 1) = ${d}`).to.equal(true);
    }
    expect(sigmoid(1000)).to.equal(1.0);
    expect(sigmoid(-1000)).to.equal(0.0);
  });

  it('Task 0.1 every operator gives a finite result on small floats', () => {
    fc.assert(
      fc.property(smallFloats, smallFloats, (a, b) => {
        const results = [
          mul(a, b),
          id(a),
          add(a, b),
          neg(a),
          lt(a, b),
          eq(a, b),
          max(a, b),
          isClose(a, b),
          sigmoid(a),
          relu(a),
          log(Math.abs(a) + 0.1),
          exp(a),
          inv(a + (a >= 0 ? 3.5 : -3.5)),
          logBack(Math.abs(a) + 4, b),
          invBack(a + (a >= 0 ? 2.4 : -2.4), b),
          reluBack(a, b),
        ];
        for (const r of results) expect(Number.isFinite(r), `non-finite result ${r}`).to.equal(true);
      }),
      RUNS,
    );
  });
});

// The laws of the operators, checked on src/operators.ts: they grade Task 0.1's code. Task
// 0.2 (writing such property tests yourself) is graded by the Task 0.2 notebook checks,
// which run your src/operatorProperties.ts on correct and on planted wrong operators.
describe('Task 0.1 operator laws', () => {
  it('Task 0.1 sigmoid is in [0, 1], symmetric, 0.5 at 0 and increasing', () => {
    expect(sigmoid(0)).to.equal(0.5);
    fc.assert(
      fc.property(smallFloats, (a) => {
        const s = sigmoid(a);
        expect(s).to.be.within(0.0, 1.0);
        expectClose(1.0 - s, sigmoid(-a), 'sigmoid symmetry');
        // Non-decreasing everywhere; strictly increasing where it has not saturated in float64.
        expect(sigmoid(a + 1.0)).to.be.at.least(s);
        if (Math.abs(a) < 20) expect(sigmoid(a + 1e-3)).to.be.greaterThan(s);
      }),
      RUNS,
    );
  });

  it('Task 0.1 lt is transitive', () => {
    fc.assert(
      fc.property(smallFloats, smallFloats, smallFloats, (a, b, c) => {
        if (lt(a, b) === 1.0 && lt(b, c) === 1.0) expect(lt(a, c)).to.equal(1.0);
      }),
      RUNS,
    );
    // Random triples are ordered only a sixth of the time: check sorted triples directly.
    fc.assert(
      fc.property(arbitrary(lists(sample.smallFloats, 3, 3)), (xs) => {
        const [a, b, c] = [...xs].sort((p, q) => p - q);
        fc.pre(a < b && b < c);
        expect(lt(a, c)).to.equal(1.0);
      }),
      RUNS,
    );
  });

  it('Task 0.1 mul and add are symmetric, eq and isClose too', () => {
    fc.assert(
      fc.property(smallFloats, smallFloats, (x, y) => {
        expect(mul(x, y)).to.equal(mul(y, x));
        expect(add(x, y)).to.equal(add(y, x));
        expect(eq(x, y)).to.equal(eq(y, x));
        expect(isClose(x, y)).to.equal(isClose(y, x));
        expect(max(x, y)).to.equal(max(y, x));
      }),
      RUNS,
    );
  });

  it('Task 0.1 mul distributes over add', () => {
    fc.assert(
      fc.property(smallFloats, smallFloats, smallFloats, (x, y, z) => {
        expectClose(mul(z, add(x, y)), add(mul(z, x), mul(z, y)), 'z * (x + y)');
      }),
      RUNS,
    );
  });

  it('Task 0.1 neg is an involution and id is neutral for add and mul', () => {
    fc.assert(
      fc.property(smallFloats, (a) => {
        expect(neg(neg(a))).to.equal(a);
        expect(add(a, neg(a))).to.equal(0);
        expect(add(id(a), 0)).to.equal(a);
        expect(mul(id(a), 1)).to.equal(a);
      }),
      RUNS,
    );
  });

  it('Task 0.1 max is at least both arguments and equals one of them', () => {
    fc.assert(
      fc.property(smallFloats, smallFloats, (x, y) => {
        const m = max(x, y);
        expect(m).to.be.at.least(x);
        expect(m).to.be.at.least(y);
        expect(m === x || m === y).to.equal(true);
      }),
      RUNS,
    );
  });

  it('Task 0.1 eq implies isClose, and relu is max(x, 0)', () => {
    fc.assert(
      fc.property(smallFloats, smallFloats, (a, b) => {
        if (eq(a, b) === 1.0) expect(isClose(a, b)).to.equal(1.0);
        expect(isClose(a, a + 0.001)).to.equal(1.0);
        expect(relu(a)).to.equal(max(a, 0));
      }),
      RUNS,
    );
  });

  it('Task 0.1 the backs match a central difference', () => {
    const positive = floats(0.5, 100);
    const awayFromZero = floats(1e-3, 100);
    fc.assert(
      fc.property(positive, smallFloats, (x, d) => {
        expectNear(logBack(x, d), d * numericDerivative(log, x), `logBack(${x}, ${d})`);
        expectNear(invBack(x, d), d * numericDerivative(inv, x), `invBack(${x}, ${d})`);
        expectNear(invBack(-x, d), d * numericDerivative(inv, -x), `invBack(${-x}, ${d})`);
      }),
      RUNS,
    );
    fc.assert(
      fc.property(awayFromZero, smallFloats, (x, d) => {
        expectNear(reluBack(x, d), d * numericDerivative(relu, x, 1e-5), `reluBack(${x}, ${d})`);
        expectNear(reluBack(-x, d), d * numericDerivative(relu, -x, 1e-5), `reluBack(${-x}, ${d})`);
      }),
      RUNS,
    );
    fc.assert(
      fc.property(floats(-30, 30), smallFloats, (x, d) => {
        expectNear(sigmoidBack(x, d), d * numericDerivative(sigmoid, x), `sigmoidBack(${x}, ${d})`);
        expectNear(expBack(x, d), d * numericDerivative(exp, x), `expBack(${x}, ${d})`);
      }),
      RUNS,
    );
  });
});

describe('Task 0.3 higher-order functions', () => {
  it('Task 0.3 negList negates each element and sums to minus the sum', () => {
    fc.assert(
      fc.property(smallLists, (ls) => {
        const check = negList(ls);
        expect(check).to.have.length(ls.length);
        ls.forEach((x, i) => expectClose(x, -check[i]));
        expectClose(sum(check), -sum(ls));
      }),
      RUNS,
    );
  });

  it('Task 0.3 addLists is symmetric and has the zero list as identity', () => {
    fc.assert(
      fc.property(smallLists, (ls) => {
        const zeros = ls.map(() => 0);
        expect(addLists(ls, zeros)).to.deep.equal(ls.map((x) => x + 0));
        expect(addLists(ls, negList(ls)).every((x) => x === 0)).to.equal(true);
        const other = negList(ls).map((x) => x * 0.5);
        expect(addLists(ls, other)).to.deep.equal(addLists(other, ls));
      }),
      RUNS,
    );
  });
});

describe('Task 0.3 Errors', () => {
  it('Task 0.3 zipWith on lists of different lengths throws, naming both lengths', () => {
    expect(() => zipWith(add)([1, 2, 3], [1, 2])).to.throw(RangeError, /3.*2/);
    expect(() => addLists([1], [])).to.throw(/different lengths.*1.*0/);
  });
});
