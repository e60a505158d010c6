/**
 * Notebook checks for Module 2: tensor layout (2.1), broadcasting (2.2), tensor operations
 * (2.3), tensor gradients (2.4) and training a tensor network (2.5), on the default backend
 * and a few seeded cases.
 *
 * @packageDocumentation
 */
import type { Random } from '../../random';
import { split } from '../../apps/datasets';
import { MLP } from '../../layers';
import { Tensor, fromFlat } from '../../tensor';
import {
  TensorData,
  broadcastIndex,
  indexToPosition,
  shapeBroadcast,
  shapeSize,
  stridesFromShape,
  toIndex,
} from '../../tensorData';
import { assert, assertClose, assertEqual, assertThrows } from './assert';
import { assertTensorGrads, tensorInput } from './numeric';
import { Gen, forAll, shapes } from './sample';
import type { TaskChecks } from './types';
import { trainTensor } from '../../apps/tensorTraining';

/** A TensorData of `shape` holding 0, 1, 2, … in row-major order. */
function counting(shape: number[]): TensorData {
  return new TensorData(Float64Array.from({ length: shapeSize(shape) }, (_, i) => i), shape);
}

/** Every index of `shape`, in row-major order (computed without `toIndex`). */
function allIndices(shape: number[]): number[][] {
  let out: number[][] = [[]];
  for (const size of shape) out = out.flatMap((prefix) => Array.from({ length: size }, (_, i) => [...prefix, i]));
  return out;
}

/** A random permutation of 0…n−1. */
function permutation(rng: Random, n: number): number[] {
  return rng.shuffle(Array.from({ length: n }, (_, i) => i));
}

/** Two shapes that broadcast: the second drops leading dims and sets some dims to 1. */
const broadcastPairs: Gen<[number[], number[]]> = (rng) => {
  const big = shapes(3, 3)(rng, 0);
  const small = big.slice(rng.int(big.length)).map((d) => (rng.next() < 0.4 ? 1 : d));
  return rng.next() < 0.5 ? [big, small] : [small, big];
};

/** A tensor of `shape` with values drawn from `draw`. */
function randomTensor(shape: number[], draw: () => number): Tensor {
  return fromFlat(tensorInput(shape, draw).values, shape);
}

/** Elementwise one-input tensor ops, their number versions and a smooth range. */
const UNARY: Array<{ name: string; op: (t: Tensor) => Tensor; plain: (x: number) => number; lo: number; hi: number }> = [
  { name: 'neg', op: (t) => t.neg(), plain: (x) => -x, lo: -5, hi: 5 },
  { name: 'sigmoid', op: (t) => t.sigmoid(), plain: (x) => 1 / (1 + Math.exp(-x)), lo: -5, hi: 5 },
  { name: 'relu', op: (t) => t.relu(), plain: (x) => Math.max(x, 0), lo: 0.1, hi: 5 },
  { name: 'log', op: (t) => t.log(), plain: (x) => Math.log(x + 1e-6), lo: 0.5, hi: 5 },
  { name: 'exp', op: (t) => t.exp(), plain: Math.exp, lo: -3, hi: 3 },
  { name: 'inv', op: (t) => t.inv(), plain: (x) => 1 / x, lo: 0.5, hi: 5 },
];

/** Checks of Tasks 2.1 to 2.4. */
export const module2Checks: TaskChecks = {
  '2.1': [
    {
      name: 'indexToPosition is the dot product of index and strides',
      run: (ctx) => {
        assertEqual(indexToPosition([1, 2], [3, 1]), 5, 'indexToPosition([1, 2], [3, 1])');
        assertEqual(indexToPosition([1, 2], [1, 2]), 5, 'indexToPosition([1, 2], [1, 2])');
        forAll(ctx, shapes(), (shape) => {
          const strides = stridesFromShape(shape);
          const positions = allIndices(shape).map((ix) => indexToPosition(ix, strides));
          assertEqual(positions, positions.map((_, i) => i), `positions of every index of [${shape}] (contiguous)`);
        });
      },
    },
    {
      name: 'toIndex enumerates every index in row-major order',
      run: (ctx) =>
        forAll(ctx, shapes(), (shape) => {
          const expected = allIndices(shape);
          const index = new Array<number>(shape.length).fill(0);
          expected.forEach((want, ordinal) => {
            toIndex(ordinal, shape, index);
            assertEqual(index, want, `toIndex(${ordinal}, [${shape}])`);
          });
        }),
    },
    {
      name: 'permute reorders shape and strides and shares storage',
      run: (ctx) =>
        forAll(ctx, shapes(), (shape) => {
          const data = counting(shape);
          const order = permutation(ctx.rng, shape.length);
          const p = data.permute(...order);
          assertEqual(p.shape, order.map((d) => shape[d]), `shape after permute(${order}) of [${shape}]`);
          assertEqual(p.strides, order.map((d) => data.strides[d]), `strides after permute(${order}) of [${shape}]`);
          assert(p.storage === data.storage, 'permute shares storage (a view, not a copy)');
          for (const ix of allIndices(shape)) {
            const moved = order.map((d) => ix[d]);
            assertEqual(p.get(moved), data.get(ix), `permuted value at [${moved}]`);
          }
        }),
    },
  ],
  '2.2': [
    {
      name: 'shapeBroadcast follows the broadcasting rules',
      run: () => {
        const cases: Array<[number[], number[], number[]]> = [
          [[1], [5, 5], [5, 5]],
          [[5, 5], [1], [5, 5]],
          [[1, 5, 5], [5, 5], [1, 5, 5]],
          [[5, 1, 5, 1], [1, 5, 1, 5], [5, 5, 5, 5]],
          [[2, 1], [3], [2, 3]],
        ];
        for (const [a, b, want] of cases) assertEqual(shapeBroadcast(a, b), want, `shapeBroadcast([${a}], [${b}])`);
        for (const [a, b] of [[[5, 7, 5, 1], [1, 5, 1, 5]], [[5, 2], [5]], [[2, 3], [3, 2]]]) {
          assertThrows(() => shapeBroadcast(a, b), `shapeBroadcast([${a}], [${b}])`, /IndexingError/);
        }
      },
    },
    {
      name: 'broadcast shapes are symmetric and contain both inputs',
      run: (ctx) =>
        forAll(ctx, broadcastPairs, ([a, b]) => {
          const out = shapeBroadcast(a, b);
          assertEqual(shapeBroadcast(b, a), out, `shapeBroadcast([${b}], [${a}]) vs ([${a}], [${b}])`);
          assertEqual(out.length, Math.max(a.length, b.length), `dims of shapeBroadcast([${a}], [${b}])`);
        }),
    },
    {
      name: 'broadcastIndex drops leading dims and pins size-1 dims to 0',
      run: (ctx) => {
        const out = [9, 9];
        broadcastIndex([2, 3, 4], [5, 6, 7], [1, 7], out);
        assertEqual(out, [0, 4], 'broadcastIndex([2, 3, 4], [5, 6, 7], [1, 7])');
        forAll(ctx, broadcastPairs, ([a, b]) => {
          const big = shapeBroadcast(a, b);
          const small = new Array<number>(a.length).fill(0);
          for (const ix of allIndices(big)) {
            broadcastIndex(ix, big, a, small);
            const want = a.map((d, i) => (d === 1 ? 0 : ix[i + big.length - a.length]));
            assertEqual(small, want, `broadcastIndex([${ix}], [${big}], [${a}])`);
          }
        });
      },
    },
  ],
  '2.3': [
    {
      name: 'elementwise one-input ops (also on permuted views)',
      run: (ctx) =>
        forAll(ctx, shapes(), (shape) => {
          for (const c of UNARY) {
            const t = randomTensor(shape, () => ctx.rng.uniform(c.lo, c.hi));
            const view = t.permute(...permutation(ctx.rng, shape.length));
            for (const x of [t, view]) {
              const got = c.op(x);
              assertEqual(got.shape, x.shape, `${c.name} keeps the shape`);
              const want = x.toFlatArray().map(c.plain);
              got.toFlatArray().forEach((v, i) => assertClose(v, want[i], `${c.name} of [${x.shape}] at ${i}`, 1e-9, 1e-9));
            }
          }
        }),
    },
    {
      name: 'add, mul, lt and eq broadcast',
      run: (ctx) =>
        forAll(ctx, broadcastPairs, ([sa, sb]) => {
          const a = randomTensor(sa, () => ctx.rng.int(5) - 2);
          const b = randomTensor(sb, () => ctx.rng.int(5) - 2);
          const shape = shapeBroadcast(sa, sb);
          const at = (t: Tensor, ix: number[]) => t.get(t.shape.map((d, i) => (d === 1 ? 0 : ix[i + shape.length - t.dims])));
          const ops: Array<[string, Tensor, (x: number, y: number) => number]> = [
            ['add', a.add(b), (x, y) => x + y],
            ['mul', a.mul(b), (x, y) => x * y],
            ['lt', a.lt(b), (x, y) => (x < y ? 1 : 0)],
            ['eq', a.eq(b), (x, y) => (x === y ? 1 : 0)],
          ];
          for (const [name, out, plain] of ops) {
            assertEqual(out.shape, shape, `shape of ${name}([${sa}], [${sb}])`);
            for (const ix of allIndices(shape)) assertEqual(out.get(ix), plain(at(a, ix), at(b, ix)), `${name}([${sa}], [${sb}]) at [${ix}]`);
          }
        }),
    },
    {
      name: 'sum over a dim with keepdim keeps it with size 1',
      run: (ctx) =>
        forAll(ctx, shapes(), (shape) => {
          const t = randomTensor(shape, () => ctx.rng.uniform(-1, 1));
          for (let dim = 0; dim < shape.length; dim++) {
            const s = t.sum(dim, true);
            assertEqual(s.shape, shape.map((d, i) => (i === dim ? 1 : d)), `shape of sum(${dim}) of [${shape}]`);
            for (const ix of allIndices(s.shape)) {
              let want = 0;
              for (let k = 0; k < shape[dim]; k++) want += t.get(ix.map((v, i) => (i === dim ? k : v)));
              assertClose(s.get(ix), want, `sum(${dim}) of [${shape}] at [${ix}]`, 1e-9);
            }
          }
          const total = t.toFlatArray().reduce((p, q) => p + q, 0);
          assertClose(t.sum().item(), total, `sum() of [${shape}]`, 1e-9);
        }),
    },
  ],
  '2.4': [
    {
      name: 'gradients of one-input ops match central differences',
      run: (ctx) =>
        forAll(ctx, shapes(2, 3), (shape) => {
          for (const c of UNARY) {
            assertTensorGrads(c.op, [tensorInput(shape, () => ctx.rng.uniform(c.lo, c.hi))], `${c.name} on [${shape}]`);
          }
        }),
    },
    {
      name: 'gradients of add and mul are summed back over broadcast dims',
      run: (ctx) =>
        forAll(ctx, broadcastPairs, ([sa, sb]) => {
          const a = tensorInput(sa, () => ctx.rng.uniform(-2, 2));
          const b = tensorInput(sb, () => ctx.rng.uniform(-2, 2));
          assertTensorGrads((x, y) => x.mul(y).add(x), [a, b], `x * y + x with shapes [${sa}] and [${sb}]`);
        }),
    },
    {
      name: 'gradients of sum, permute and a composite',
      run: (ctx) =>
        forAll(ctx, shapes(3, 3), (shape) => {
          const input = tensorInput(shape, () => ctx.rng.uniform(-2, 2));
          const order = permutation(ctx.rng, shape.length);
          const weights = randomTensor(order.map((d) => shape[d]), () => ctx.rng.uniform(-1, 1));
          assertTensorGrads((x) => x.sum(shape.length - 1, true).mul(x.sum(0, true)), [input], `sum(last) * sum(0) on [${shape}]`);
          assertTensorGrads((x) => x.permute(...order).mul(weights), [input], `permute(${order}) * w on [${shape}]`);
          assertTensorGrads((x) => x.mul(x).sigmoid().sum(0).exp(), [input], `exp(sum(sigmoid(x²), 0)) on [${shape}]`);
        }),
    },
  ],
  '2.5': [
    {
      name: 'MLP gives one probability per point',
      run: (ctx) => {
        const model = new MLP([2, 4, 4, 1], { rng: ctx.rng });
        const p = model.forward(randomTensor([6, 2], () => ctx.rng.next()));
        assertEqual(p.shape, [6, 1], 'shape of MLP([2, 4, 4, 1]).forward of [6, 2] points');
        p.toFlatArray().forEach((v, i) => assert(v > 0 && v < 1, `probability ${i} is ${v}, not in (0, 1)`));
        assertEqual(model.parameters().length, 6, 'parameters of MLP([2, 4, 4, 1]) (a weight and a bias per layer)');
      },
    },
    {
      name: 'a tensor network trains split to at least 95% accuracy',
      run: async () => {
        const { history } = await trainTensor(split(50, 42), { hidden: 10, lr: 0.5, epochs: 500, seed: 1 });
        const last = history[history.length - 1];
        assert(last.accuracy >= 0.95, `accuracy after 500 epochs is ${(100 * last.accuracy).toFixed(1)}%, expected >= 95%`);
      },
    },
  ],
};
