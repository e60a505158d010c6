/**
 * Module 1 scalar autodiff beyond the shared checks of `src/course/checks/module1.ts` (which
 * `tests/checks.test.ts` runs): the function table against plain JavaScript math (Task 1.2),
 * the order and bookkeeping of backpropagation on hand-built graphs and random expressions
 * (Task 1.4), and the errors bad input gets.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { Context, Variable, backpropagate, centralDifference, noGrad, topologicalSort } from '../src/autodiff';
import { numericPartial } from '../src/course/checks';
import { EPS } from '../src/operators';
import { Scalar, lift, scalar } from '../src/scalar';
import { ScalarOp, scalarFunctions } from '../src/scalarFunctions';
import { floats } from './helpers/arbitraries';

const RUNS = { numRuns: 60 };
const num = floats;

/** What each function should compute, in plain JavaScript (typed so no op can be missed). */
const EXPECTED: Record<ScalarOp, { arity: 1 | 2; lo: number; hi: number; f: (a: number, b: number) => number }> = {
  add: { arity: 2, lo: -100, hi: 100, f: (a, b) => a + b },
  mul: { arity: 2, lo: -100, hi: 100, f: (a, b) => a * b },
  inv: { arity: 1, lo: 0.01, hi: 100, f: (a) => 1 / a },
  neg: { arity: 1, lo: -100, hi: 100, f: (a) => -a },
  sigmoid: { arity: 1, lo: -30, hi: 30, f: (a) => 1 / (1 + Math.exp(-a)) },
  relu: { arity: 1, lo: -100, hi: 100, f: (a) => Math.max(a, 0) },
  log: { arity: 1, lo: 0.01, hi: 100, f: (a) => Math.log(a + EPS) }, // MiniTorch's log(x + ε)
  exp: { arity: 1, lo: -20, hi: 20, f: (a) => Math.exp(a) },
  lt: { arity: 2, lo: -5, hi: 5, f: (a, b) => (a < b ? 1 : 0) },
  eq: { arity: 2, lo: -5, hi: 5, f: (a, b) => (a === b ? 1 : 0) },
};

const close = (got: number, want: number, tol = 1e-6) =>
  expect(Math.abs(got - want)).to.be.at.most(tol * (1 + Math.abs(want)));

describe('ScalarFunction forwards', () => {
  for (const op of Object.keys(EXPECTED) as ScalarOp[]) {
    const { arity, lo, hi, f } = EXPECTED[op];
    // add, neg, lt and eq forward to the operators as given: they test Task 0.1's code.
    const task = ['mul', 'inv', 'sigmoid', 'relu', 'log', 'exp'].includes(op) ? '1.2' : '0.1';
    it(`Task ${task} ${op}.forward matches plain math, directly and through Scalar.apply`, () => {
      fc.assert(
        fc.property(num(lo, hi), num(lo, hi), (a, b) => {
          const args = arity === 1 ? [a] : [a, b];
          close(scalarFunctions[op].forward(new Context<number>(), ...args), f(a, b));
          close(Scalar.apply(op, ...args.map((x) => scalar(x))).data, f(a, b));
        }),
        RUNS,
      );
    });
  }

  it('Task 0.1 eq and lt give 1 on equal and ordered inputs (fast-check rarely draws ties)', () => {
    expect(scalar(2).eq(2).data).to.equal(1);
    expect(scalar(2).lt(2).data).to.equal(0);
    expect(scalar(2).gt(1).data).to.equal(1);
  });
});

/** A stand-in Variable that counts how often backpropagation asks it for its chain rule. */
class CountingVariable implements Variable<number> {
  static next = 1_000_000;
  readonly uniqueId = CountingVariable.next++;
  chainRuleCalls = 0;
  derivative = 0;
  constructor(
    readonly parents: CountingVariable[] = [],
    readonly constant = false,
  ) {}
  isLeaf(): boolean {
    return this.parents.length === 0 && !this.constant;
  }
  isConstant(): boolean {
    return this.constant;
  }
  chainRule(d: number): Array<[Variable<number>, number]> {
    this.chainRuleCalls += 1;
    // Like addition: every parent gets the incoming derivative.
    return this.parents.map((p) => [p, d]);
  }
  accumulateDerivative(d: number): void {
    this.derivative += d;
  }
}

describe('Task 1.4 topological sort and backpropagation', () => {
  it('Task 1.4 a diamond is sorted output first, each node once, before its inputs', () => {
    const x = scalar(2, 'x');
    const left = x.mul(3);
    const right = x.exp();
    const out = left.add(right);
    const order = topologicalSort(out);
    expect(order.map((v) => v.uniqueId)).to.have.members([out, left, right, x].map((v) => v.uniqueId));
    expect(order).to.have.length(4);
    expect(order[0]).to.equal(out);
    expect(order[3]).to.equal(x);
    out.backward();
    close(x.derivative!, 3 + Math.exp(2), 1e-12);
  });

  it('Task 1.4 each node of a diamond is visited once, even when reached along two paths', () => {
    const leaf = new CountingVariable();
    const a = new CountingVariable([leaf]);
    const b = new CountingVariable([leaf]);
    const mid = new CountingVariable([a, b]);
    const top = new CountingVariable([mid, mid]); // mid used twice by one node
    backpropagate<number>(top, 1, (p, q) => p + q);
    for (const v of [a, b, mid, top]) expect(v.chainRuleCalls).to.equal(1);
    // top passes 1 to mid twice (2), mid passes 2 to a and b, each passes it to the leaf.
    expect(leaf.derivative).to.equal(4);
  });

  it('Task 1.4 a node used twice receives both contributions', () => {
    const x = scalar(3);
    const y = x.mul(x); // x used twice by one function
    y.backward();
    expect(x.derivative).to.equal(6);
  });

  it('Task 1.4 a deep chain does not overflow the stack', () => {
    const x = scalar(0.5);
    let y: Scalar = x;
    for (let i = 0; i < 20000; i++) y = y.add(1e-4);
    y.backward();
    expect(x.derivative).to.equal(1);
  });

  /** A random expression in x and y, built from every Scalar method, smooth where evaluated. */
  type Expr = (x: Scalar, y: Scalar) => Scalar;
  const leaves: Array<fc.Arbitrary<Expr>> = [
    fc.constant((x: Scalar) => x),
    fc.constant((_x: Scalar, y: Scalar) => y),
    num(-2, 2).map((c) => (() => lift(c)) as Expr),
  ];
  const { expr } = fc.letrec<{ expr: Expr }>((tie) => ({
    expr: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      ...leaves,
      fc.tuple(tie('expr'), tie('expr')).map(([f, g]) => ((x: Scalar, y: Scalar) => f(x, y).add(g(x, y))) as Expr),
      fc.tuple(tie('expr'), tie('expr')).map(([f, g]) => ((x: Scalar, y: Scalar) => f(x, y).mul(g(x, y))) as Expr),
      fc.tuple(tie('expr'), tie('expr')).map(([f, g]) => ((x: Scalar, y: Scalar) => f(x, y).sub(g(x, y))) as Expr),
      // Safe division and log: the denominator and argument are at least 1.
      fc
        .tuple(tie('expr'), tie('expr'))
        .map(([f, g]) => ((x: Scalar, y: Scalar) => f(x, y).div(g(x, y).mul(g(x, y)).add(1))) as Expr),
      tie('expr').map((f) => ((x: Scalar, y: Scalar) => f(x, y).mul(f(x, y)).add(1).log()) as Expr),
      tie('expr').map((f) => ((x: Scalar, y: Scalar) => f(x, y).sigmoid()) as Expr),
      tie('expr').map((f) => ((x: Scalar, y: Scalar) => f(x, y).sigmoid().exp()) as Expr),
      tie('expr').map((f) => ((x: Scalar, y: Scalar) => f(x, y).neg()) as Expr),
    ),
  }));

  it('Task 1.4 derivatives of random compositions match central differences', () => {
    fc.assert(
      fc.property(expr, num(-1.5, 1.5), num(-1.5, 1.5), (f, a, b) => {
        const plain = (u: number, v: number) => noGrad(() => f(lift(u), lift(v)).data);
        const x = scalar(a);
        const y = scalar(b);
        const out = f(x, y);
        if (!Number.isFinite(out.data) || Math.abs(out.data) > 1e6) return; // too steep to difference
        out.backward();
        // The reference is the checks' own central difference: Task 1.4 must not depend on Task 1.1.
        const want = [numericPartial(plain, [a, b], 0), numericPartial(plain, [a, b], 1)];
        const got = [x.derivative ?? 0, y.derivative ?? 0];
        for (let i = 0; i < 2; i++) expect(Math.abs(got[i] - want[i])).to.be.at.most(1e-3 * (1 + Math.abs(want[i])));
      }),
      RUNS,
    );
  });

  it('Task 1.4 derivatives accumulate over two backward calls', () => {
    const x = scalar(2);
    const out = x.mul(x).add(x); // d/dx = 2x + 1 = 5
    out.backward();
    expect(x.derivative).to.equal(5);
    out.backward(2);
    expect(x.derivative).to.equal(15);
  });

  it('Task 1.4 constants and no-grad values get no derivative', () => {
    const x = scalar(1.5);
    const c = new Scalar(4, { requiresGrad: false });
    const out = x.mul(c).add(7);
    out.backward();
    expect(x.derivative).to.equal(4);
    expect(c.derivative).to.equal(null);
    expect(out.derivative).to.equal(null); // not a leaf
    const frozen = noGrad(() => x.mul(3));
    expect(frozen.history).to.equal(null);
    expect(frozen.isConstant()).to.equal(true);
  });
});

describe('Errors in Module 1 autodiff', () => {
  it('Errors centralDifference names a bad arg', () => {
    expect(() => centralDifference((a) => a, [1], { arg: 1 })).to.throw(
      RangeError,
      /arg 1 is out of range for 1 values/,
    );
  });

  it('Errors a Scalar must hold a number and lift rejects NaN and strings', () => {
    expect(() => new Scalar('3' as unknown as number)).to.throw(
      TypeError,
      /Scalar: value must be a number, got the string "3"/,
    );
    expect(() => lift(NaN)).to.throw(TypeError, /expected a number or Scalar/);
    expect(() => scalar(1).add('x' as unknown as number)).to.throw(TypeError, /expected a number or Scalar/);
  });

  it('Errors Task 0.1 chainRule on a leaf and accumulateDerivative on a non-leaf', () => {
    const x = scalar(1);
    expect(() => x.chainRule(1)).to.throw(/has no history/);
    expect(() => x.add(1).accumulateDerivative(1)).to.throw(/only leaf/);
  });
});
