/**
 * Notebook checks for Module 1: central difference (1.1), Scalar forwards (1.2), the chain
 * rule (1.3) and backpropagation (1.4), on a few seeded cases.
 *
 * @packageDocumentation
 */
import { backpropagate, centralDifference, topologicalSort } from '../../autodiff';
import * as ops from '../../operators';
import { simple } from '../../apps/datasets';
import { Scalar, scalar } from '../../scalar';
import { Linear, Network, trainScalar } from '../../apps/scalarNetwork';
import { assert, assertClose, assertEqual } from './assert';
import { numericDerivative } from './numeric';
import { floats, forAll, smallFloats, tuple } from './sample';
import type { TaskChecks } from './types';

/** A one-input Scalar function, its plain-number twin and where to test it. */
interface UnaryCase {
  name: string;
  scalar: (x: Scalar) => Scalar;
  plain: (x: number) => number;
  lo: number;
  hi: number;
}

/** Every one-input function, on a range where it is smooth. */
const UNARY: UnaryCase[] = [
  { name: 'neg', scalar: (x) => x.neg(), plain: ops.neg, lo: -10, hi: 10 },
  { name: 'inv', scalar: (x) => x.inv(), plain: ops.inv, lo: 0.5, hi: 10 },
  { name: 'sigmoid', scalar: (x) => x.sigmoid(), plain: ops.sigmoid, lo: -10, hi: 10 },
  { name: 'relu', scalar: (x) => x.relu(), plain: ops.relu, lo: 0.1, hi: 10 },
  { name: 'relu (negative side)', scalar: (x) => x.relu(), plain: ops.relu, lo: -10, hi: -0.1 },
  { name: 'log', scalar: (x) => x.log(), plain: ops.log, lo: 0.5, hi: 10 },
  { name: 'exp', scalar: (x) => x.exp(), plain: ops.exp, lo: -5, hi: 5 },
];

/** Two-input functions and their plain twins. */
const BINARY: Array<{
  name: string;
  scalar: (x: Scalar, y: Scalar) => Scalar;
  plain: (x: number, y: number) => number;
}> = [
  { name: 'add', scalar: (x, y) => x.add(y), plain: (x, y) => x + y },
  { name: 'sub', scalar: (x, y) => x.sub(y), plain: (x, y) => x - y },
  { name: 'mul', scalar: (x, y) => x.mul(y), plain: (x, y) => x * y },
  { name: 'div', scalar: (x, y) => x.div(y.mul(y).add(1)), plain: (x, y) => x / (y * y + 1) },
  { name: 'lt', scalar: (x, y) => x.lt(y), plain: (x, y) => (x < y ? 1 : 0) },
  { name: 'gt', scalar: (x, y) => x.gt(y), plain: (x, y) => (x > y ? 1 : 0) },
  { name: 'eq', scalar: (x, y) => x.eq(y), plain: (x, y) => (x === y ? 1 : 0) },
];

/** d out / d x for a one-input Scalar function, by backpropagation. */
function backpropDerivative(f: (x: Scalar) => Scalar, x: number): number {
  const leaf = scalar(x);
  f(leaf).backward();
  if (leaf.derivative === null) throw new Error(`no derivative reached the input`);
  return leaf.derivative;
}

/** Checks of Tasks 1.1 to 1.4. */
export const module1Checks: TaskChecks = {
  '1.1': [
    {
      name: 'centralDifference approximates known derivatives',
      run: (ctx) =>
        forAll(ctx, floats(-5, 5), (x) => {
          assertClose(
            centralDifference((a) => a * a, [x]),
            2 * x,
            `d/dx x² at ${x}`,
            1e-4,
          );
          assertClose(centralDifference(Math.sin, [x]), Math.cos(x), `d/dx sin(x) at ${x}`, 1e-4);
          assertClose(centralDifference(Math.exp, [x]), Math.exp(x), `d/dx exp(x) at ${x}`, 1e-4, 1e-5);
        }),
    },
    {
      name: 'centralDifference is central: exact for a quadratic even with a large epsilon',
      run: (ctx) =>
        forAll(ctx, floats(-5, 5), (x) => {
          const got = centralDifference((a) => 3 * a * a - a, [x], { epsilon: 0.5 });
          assertClose(got, 6 * x - 1, `centralDifference(3x² − x, [${x}], {epsilon: 0.5})`, 1e-9);
        }),
    },
    {
      name: 'centralDifference differentiates the argument named by arg',
      run: (ctx) =>
        forAll(ctx, tuple<[number, number]>(floats(-5, 5), floats(-5, 5)), ([x, y]) => {
          const f = (a: number, b: number) => a * b + b * b;
          assertClose(centralDifference(f, [x, y], { arg: 0 }), y, `∂/∂x (xy + y²) at (${x}, ${y})`, 1e-4);
          assertClose(centralDifference(f, [x, y], { arg: 1 }), x + 2 * y, `∂/∂y (xy + y²) at (${x}, ${y})`, 1e-4);
        }),
    },
    {
      // Nudging the caller's array in place (`up = vals`) gives the right derivative and a
      // wrong array: the caller's next use of it sees x ± epsilon.
      name: "centralDifference leaves the caller's values unchanged",
      run: (ctx) =>
        forAll(ctx, tuple<[number, number]>(floats(-5, 5), floats(-5, 5)), ([x, y]) => {
          const vals = [x, y];
          centralDifference((a, b) => a * b, vals, { arg: 1, epsilon: 0.25 });
          assertEqual(vals, [x, y], `the values after centralDifference(f, [${x}, ${y}], { arg: 1 })`);
        }),
    },
  ],
  '1.2': [
    {
      name: 'one-input Scalar functions compute the operator',
      run: (ctx) => {
        for (const c of UNARY) {
          forAll(ctx, floats(c.lo, c.hi), (x) =>
            assertClose(c.scalar(scalar(x)).data, c.plain(x), `${c.name}(${x})`, 1e-9, 1e-9),
          );
        }
      },
    },
    {
      name: 'two-input Scalar functions compute the operator',
      run: (ctx) =>
        forAll(ctx, tuple<[number, number]>(smallFloats, smallFloats), ([x, y]) => {
          for (const c of BINARY) {
            assertClose(c.scalar(scalar(x), scalar(y)).data, c.plain(x, y), `${c.name}(${x}, ${y})`, 1e-9, 1e-9);
          }
        }),
    },
    {
      name: 'Scalars mix with plain numbers and record their inputs',
      run: () => {
        const x = scalar(2);
        const y = x.mul(3).add(1).sigmoid();
        assertClose(y.data, ops.sigmoid(7), 'sigmoid(2 * 3 + 1)', 1e-12);
        assert(y.history !== null, 'a result computed from a leaf records its history');
        assertEqual(y.parents.length, 1, 'sigmoid has one input');
      },
    },
  ],
  '1.3': [
    {
      name: 'chainRule pairs each input with d·∂f/∂input (add, neg)',
      run: (ctx) =>
        forAll(ctx, tuple<[number, number, number]>(smallFloats, smallFloats, smallFloats), ([a, b, d]) => {
          const x = scalar(a);
          const y = scalar(b);
          const sum = x.add(y).chainRule(d);
          assertEqual(sum.length, 2, 'x.add(y).chainRule(d).length');
          assert(sum[0][0] === x && sum[1][0] === y, 'chainRule returns the inputs themselves, in order');
          assertEqual([sum[0][1], sum[1][1]], [d, d], `x.add(y).chainRule(${d}) derivatives`);
          const neg = x.neg().chainRule(d);
          assertEqual(neg.length, 1, 'x.neg().chainRule(d).length');
          assertEqual(neg[0][1], -d, `x.neg().chainRule(${d})`);
        }),
    },
    {
      name: 'chainRule skips constant inputs',
      run: () => {
        const x = scalar(1.5);
        const pairs = x.add(10).chainRule(2);
        assertEqual(pairs.length, 1, 'x.add(10).chainRule(2) pairs (the 10 is a constant)');
        assert(pairs[0][0] === x, 'the remaining pair is for x');
        assertEqual(pairs[0][1], 2, 'its derivative');
      },
    },
  ],
  '1.4': [
    {
      name: 'topologicalSort puts every variable before its inputs, once',
      run: () => {
        const x = scalar(1, 'x');
        const y = scalar(2, 'y');
        const a = x.add(y);
        const b = a.neg().add(x);
        const out = b.add(a);
        const order = topologicalSort(out);
        assert(order[0] === out, 'the output comes first');
        const ids = order.map((v) => v.uniqueId);
        assertEqual(new Set(ids).size, ids.length, 'no variable appears twice');
        for (const v of [x, y, a, b]) assert(ids.includes(v.uniqueId), `${(v as Scalar).name} is in the order`);
        order.forEach((v, i) => {
          for (const p of v.parents) {
            if (!p.isConstant())
              assert(ids.indexOf(p.uniqueId) > i, 'an input appears after the variable computed from it');
          }
        });
      },
    },
    {
      name: 'backpropagate accumulates derivatives of a variable used twice',
      run: () => {
        const x = scalar(3);
        x.add(x).add(x.neg().neg()).backward();
        assertEqual(x.derivative, 3, 'd/dx (x + x + --x)');
        const y = scalar(5);
        backpropagate<number>(y.add(y), 2, (p, q) => p + q);
        assertEqual(y.derivative, 4, 'backpropagate(y + y, 2) gives dy');
      },
    },
    {
      name: 'each Scalar function’s backward matches a central difference',
      run: (ctx) => {
        for (const c of UNARY) {
          forAll(ctx, floats(c.lo, c.hi), (x) => {
            const want = numericDerivative(c.plain, x);
            assertClose(backpropDerivative(c.scalar, x), want, `d/dx ${c.name}(x) at ${x}`, 1e-5, 1e-4);
          });
        }
        forAll(ctx, tuple<[number, number]>(floats(-10, 10), floats(-10, 10)), ([a, b]) => {
          const x = scalar(a);
          const y = scalar(b);
          x.mul(y).backward();
          assertClose(x.derivative ?? NaN, b, `∂(xy)/∂x at (${a}, ${b})`, 1e-9);
          assertClose(y.derivative ?? NaN, a, `∂(xy)/∂y at (${a}, ${b})`, 1e-9);
        });
      },
    },
    {
      name: 'gradients of an expression match central differences',
      run: (ctx) =>
        forAll(ctx, tuple<[number, number]>(floats(-3, 3), floats(-3, 3)), ([a, b]) => {
          const f = (x: Scalar, y: Scalar) =>
            x.mul(y).add(x.sigmoid()).mul(y.exp()).add(x.mul(x).add(1).log()).relu().add(y.mul(x).neg());
          const plain = (x: number, y: number) => f(scalar(x), scalar(y)).data;
          const x = scalar(a);
          const y = scalar(b);
          f(x, y).backward();
          const tol = (got: number, want: number, what: string) => assertClose(got, want, what, 1e-4, 1e-4);
          tol(
            x.derivative ?? NaN,
            numericDerivative((v) => plain(v, b), a),
            `∂f/∂x at (${a}, ${b})`,
          );
          tol(
            y.derivative ?? NaN,
            numericDerivative((v) => plain(a, v), b),
            `∂f/∂y at (${a}, ${b})`,
          );
        }),
    },
  ],
  '1.5': [
    {
      name: 'Linear computes bias + Σ inputs · weights',
      run: () => {
        const layer = new Linear(3, 2);
        const out = layer.forward([1, -2, 0.5]);
        assertEqual(out.length, 2, 'Linear(3, 2).forward(3 inputs).length');
        for (let j = 0; j < 2; j++) {
          const want =
            layer.bias[j].value.data +
            layer.weight(0, j).data -
            2 * layer.weight(1, j).data +
            0.5 * layer.weight(2, j).data;
          assertClose(out[j].data, want, `output ${j}`, 1e-12);
        }
      },
    },
    {
      name: 'Network.forward gives a probability whose derivatives reach every parameter',
      run: () => {
        const net = new Network(3);
        const p = net.forward([0.3, 0.8]);
        assert(p.data > 0 && p.data < 1, `the output ${p.data} is a probability`);
        p.backward();
        const missing = net.namedParameters().filter(([, q]) => (q.value as Scalar).derivative === null);
        // A ReLU that is off passes no derivative, so a few weights may get none; most must.
        assert(missing.length < net.parameters().length / 2, `${missing.length} parameters got no derivative`);
      },
    },
    {
      name: 'training reaches 95% accuracy on the simple dataset',
      run: async () => {
        const { history } = await trainScalar(simple(30), { hidden: 6, epochs: 200, lr: 0.5 });
        const last = history[history.length - 1];
        assert(last.accuracy >= 0.95, `accuracy after 200 epochs is ${(100 * last.accuracy).toFixed(1)}%`);
      },
    },
  ],
};
