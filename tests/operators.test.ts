/**
 * Module 0 operator tests: MiniTorch's test_operators.py in mocha + fast-check.
 *
 * Task 0.1 checks each operator against plain JavaScript and its own laws (Task 0.2, the
 * students' own property tests, is graded in src/course/checks/properties.ts); Task 0.3 checks the higher-order
 * functions and the list helpers built from them.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import {
  add,
  addLists,
  eq,
  EPS,
  exp,
  expBack,
  id,
  inv,
  invBack,
  isClose,
  log,
  logBack,
  lt,
  map,
  max,
  mul,
  neg,
  negList,
  prod,
  reduce,
  relu,
  reluBack,
  sigmoid,
  sigmoidBack,
  sum,
  zipWith,
} from '../src/operators';

/** MiniTorch's `small_floats`: finite doubles in [-100, 100]. */
const smallFloats = fc.double({ min: -100, max: 100, noNaN: true });
/** Lists of small floats (MiniTorch's `lists(small_floats)`). */
const smallLists = fc.array(smallFloats, { maxLength: 20 });
/** Lists of exactly `n` small floats. */
const listsOf = (n: number) => fc.array(smallFloats, { minLength: n, maxLength: n });

/** Runs per property: enough to find edge cases, small enough that the suite stays fast. */
const RUNS = { numRuns: 100 };

/** MiniTorch's `assert_close`: fails with both values when |a - b| >= 1e-2. */
function expectClose(actual: number, expected: number, what = ''): void {
  expect(isClose(actual, expected), `${what} ${actual} is not close to ${expected}`).to.equal(1.0);
}

/**
 * Central difference (f(x + h) - f(x - h)) / 2h, written here rather than imported so the
 * Module 0 tests do not depend on Task 1.1.
 */
function centralDiff(f: (x: number) => number, x: number, h = 1e-6): number {
  return (f(x + h) - f(x - h)) / (2 * h);
}

/** Relative agreement, for derivatives whose size varies by orders of magnitude. */
function expectNear(actual: number, expected: number, what: string, rtol = 1e-4, atol = 1e-6): void {
  const ok = Math.abs(actual - expected) <= atol + rtol * Math.abs(expected);
  expect(ok, `${what}: ${actual} vs central difference ${expected}`).to.equal(true);
}

describe('Task 0.1 operators', () => {
  it('Task 0.1 mul, add, neg, max and inv agree with JavaScript', () => {
    fc.assert(
      fc.property(smallFloats, smallFloats, (x, y) => {
        expectClose(mul(x, y), x * y, 'mul');
        expectClose(add(x, y), x + y, 'add');
        expectClose(neg(x), -x, 'neg');
        expectClose(max(x, y), x > y ? x : y, 'max');
        if (Math.abs(x) > 1e-5) expectClose(inv(x), 1.0 / x, 'inv');
      }),
      RUNS,
    );
  });

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

  it('Task 0.1 isClose uses the 1e-2 tolerance', () => {
    expect(isClose(1.0, 1.0)).to.equal(1.0);
    expect(isClose(1.0, 1.005)).to.equal(1.0);
    expect(isClose(1.0, 1.02)).to.equal(0.0);
    expect(isClose(-3.0, 3.0)).to.equal(0.0);
  });

  it('Task 0.1 log, exp and inv match Math (log adds EPS)', () => {
    fc.assert(
      fc.property(fc.double({ min: 0.1, max: 100, noNaN: true }), (a) => {
        expect(log(a)).to.be.closeTo(Math.log(a + EPS), 1e-12);
        expect(exp(Math.log(a))).to.be.closeTo(a, 1e-9 * a);
        expect(inv(inv(a))).to.be.closeTo(a, 1e-9 * a);
      }),
      RUNS,
    );
    expect(exp(0)).to.equal(1.0);
    expect(Number.isFinite(log(0))).to.equal(true);
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
      fc.property(listsOf(3), (xs) => {
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
    const positive = fc.double({ min: 0.5, max: 100, noNaN: true });
    const awayFromZero = fc.double({ min: 1e-3, max: 100, noNaN: true });
    fc.assert(
      fc.property(positive, smallFloats, (x, d) => {
        expectNear(logBack(x, d), d * centralDiff(log, x), `logBack(${x}, ${d})`);
        expectNear(invBack(x, d), d * centralDiff(inv, x), `invBack(${x}, ${d})`);
        expectNear(invBack(-x, d), d * centralDiff(inv, -x), `invBack(${-x}, ${d})`);
      }),
      RUNS,
    );
    fc.assert(
      fc.property(awayFromZero, smallFloats, (x, d) => {
        expectNear(reluBack(x, d), d * centralDiff(relu, x, 1e-5), `reluBack(${x}, ${d})`);
        expectNear(reluBack(-x, d), d * centralDiff(relu, -x, 1e-5), `reluBack(${-x}, ${d})`);
      }),
      RUNS,
    );
    fc.assert(
      fc.property(fc.double({ min: -30, max: 30, noNaN: true }), smallFloats, (x, d) => {
        expectNear(sigmoidBack(x, d), d * centralDiff(sigmoid, x), `sigmoidBack(${x}, ${d})`);
        expectNear(expBack(x, d), d * centralDiff(exp, x), `expBack(${x}, ${d})`);
      }),
      RUNS,
    );
  });
});

describe('Task 0.3 higher-order functions', () => {
  it('Task 0.3 map applies a function to every element', () => {
    expect(map((x) => x * 2)([1, 2, 3])).to.deep.equal([2, 4, 6]);
    expect(map(neg)([])).to.deep.equal([]);
    // Any iterable works, not just arrays.
    expect(map(id)(new Set([3, 1]))).to.deep.equal([3, 1]);
    fc.assert(
      fc.property(smallLists, (ls) => {
        const out = map(id)(ls);
        expect(out).to.deep.equal(ls);
        expect(out).to.not.equal(ls);
      }),
      RUNS,
    );
  });

  it('Task 0.3 zipWith combines two lists element by element', () => {
    expect(zipWith(mul)([1, 2, 3], [4, 5, 6])).to.deep.equal([4, 10, 18]);
    expect(zipWith(add)([], [])).to.deep.equal([]);
    fc.assert(
      fc.property(smallFloats, smallFloats, smallFloats, smallFloats, (a, b, c, d) => {
        const [x1, x2] = addLists([a, b], [c, d]);
        expectClose(x1, a + c);
        expectClose(x2, b + d);
      }),
      RUNS,
    );
  });

  it('Task 0.3 reduce folds from the start value, left to right', () => {
    expect(reduce(add, 0)([])).to.equal(0);
    expect(reduce(add, 7)([])).to.equal(7);
    // Reading digits checks the fold order: ((0 * 10 + 1) * 10 + 2) * 10 + 3.
    expect(reduce((acc, x) => acc * 10 + x, 0)([1, 2, 3])).to.equal(123);
    expect(reduce((acc, x) => acc - x, 10)([1, 2, 3])).to.equal(4);
    expect(reduce(max, -Infinity)([3, 9, 2])).to.equal(9);
  });

  it('Task 0.3 sum matches a plain loop', () => {
    expect(sum([])).to.equal(0);
    fc.assert(
      fc.property(smallLists, (ls) => {
        let expected = 0;
        for (const x of ls) expected += x;
        expectClose(sum(ls), expected);
      }),
      RUNS,
    );
  });

  it('Task 0.3 sum distributes over addLists', () => {
    fc.assert(
      fc.property(listsOf(5), listsOf(5), (ls1, ls2) => {
        expectClose(sum(ls1) + sum(ls2), sum(addLists(ls1, ls2)));
      }),
      RUNS,
    );
  });

  it('Task 0.3 prod multiplies the list', () => {
    expect(prod([])).to.equal(1);
    expect(prod([2, 3, 4])).to.equal(24);
    fc.assert(
      fc.property(smallFloats, smallFloats, smallFloats, (x, y, z) => {
        expectClose(prod([x, y, z]), x * y * z);
      }),
      RUNS,
    );
  });

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
