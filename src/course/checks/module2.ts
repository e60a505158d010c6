/**
 * Notebook checks for Module 2: tensor layout (2.1), broadcasting (2.2), tensor operations
 * (2.3), tensor gradients (2.4) and training a tensor network (2.5), on the default backend
 * and a few seeded cases.
 *
 * @packageDocumentation
 */
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
import { gradCheck } from './numeric';
import {
  allIndices,
  broadcastGet,
  broadcastPair,
  forAll,
  shapeAndOrder,
  shapes,
  tensorOf,
  uniformTensor,
} from './sample';
import type { TaskChecks } from './types';
import { mapKernel, reduceKernel, zipKernel } from '../../tensorOps';
import { trainTensor } from '../../apps/tensorTraining';

/** A TensorData of `shape` holding 0, 1, 2, … in row-major order. */
export function counting(shape: number[]): TensorData {
  return new TensorData(
    Float64Array.from({ length: shapeSize(shape) }, (_, i) => i),
    shape,
  );
}

/** The inverse of a permutation. */
export function inversePermutation(order: number[]): number[] {
  const inverse = new Array<number>(order.length);
  order.forEach((d, i) => (inverse[d] = i));
  return inverse;
}

/** An elementwise one-input tensor op, the number function it must match, and a smooth range. */
export interface UnaryTensorCase {
  name: string;
  op: (t: Tensor) => Tensor;
  /** Written without the library's operators, so Module 2 is checked on its own. */
  plain: (x: number) => number;
  lo: number;
  hi: number;
  /** Where the derivative jumps (relu at 0): gradient checks move inputs away from it. */
  kink?: number;
}

/** Every elementwise one-input op, for the checks here and the mocha suites on every backend. */
export const UNARY_TENSOR_OPS: UnaryTensorCase[] = [
  { name: 'neg', op: (t) => t.neg(), plain: (x) => -x, lo: -5, hi: 5 },
  { name: 'sigmoid', op: (t) => t.sigmoid(), plain: (x) => 1 / (1 + Math.exp(-x)), lo: -5, hi: 5 },
  { name: 'relu', op: (t) => t.relu(), plain: (x) => Math.max(x, 0), lo: -5, hi: 5, kink: 0 },
  { name: 'log', op: (t) => t.log(), plain: (x) => Math.log(x + 1e-6), lo: 0.5, hi: 5 },
  { name: 'exp', op: (t) => t.exp(), plain: Math.exp, lo: -3, hi: 3 },
  { name: 'inv', op: (t) => t.inv(), plain: (x) => 1 / x, lo: 0.5, hi: 5 },
  { name: 'square (x * x)', op: (t) => t.mul(t), plain: (x) => x * x, lo: -3, hi: 3 },
  { name: 'add a constant', op: (t) => t.add(2.5), plain: (x) => x + 2.5, lo: -3, hi: 3 },
  { name: 'mul a constant', op: (t) => t.mul(-1.5), plain: (x) => -1.5 * x, lo: -3, hi: 3 },
];

/**
 * `t` with any value within 0.1 of `c`'s kink moved 0.5 away, where the two one-sided
 * derivatives differ and a central difference lands between them.
 */
export function clearOfKink(c: UnaryTensorCase, t: Tensor): Tensor {
  const kink = c.kink;
  if (kink === undefined) return t;
  const values = Array.from(t.toFlatArray()).map((v) => (Math.abs(v - kink) < 0.1 ? v + 0.5 : v));
  return fromFlat(values, t.shape, { backend: t.backend });
}

/** Checks of Tasks 2.1 to 2.5. */
export const module2Checks: TaskChecks = {
  '2.1': [
    {
      name: 'indexToPosition is the dot product of index and strides',
      run: (ctx) => {
        assertEqual(indexToPosition([1, 2], [3, 1]), 5, 'indexToPosition([1, 2], [3, 1])');
        assertEqual(indexToPosition([1, 2], [1, 2]), 5, 'indexToPosition([1, 2], [1, 2])');
        assertEqual(indexToPosition([0, 0, 0], [12, 4, 1]), 0, 'indexToPosition([0, 0, 0], [12, 4, 1])');
        assertEqual(indexToPosition([], []), 0, 'indexToPosition([], [])');
        forAll(ctx, shapes(1, 4, 4), (shape) => {
          const strides = stridesFromShape(shape);
          const positions = allIndices(shape).map((ix) => indexToPosition(ix, strides));
          assertEqual(
            positions,
            positions.map((_, i) => i),
            `positions of every index of [${shape}] (contiguous)`,
          );
        });
      },
    },
    {
      name: 'toIndex enumerates every index in row-major order, and indexToPosition takes it back',
      run: (ctx) =>
        forAll(ctx, shapes(1, 4, 4), (shape) => {
          const strides = stridesFromShape(shape);
          const index = new Array<number>(shape.length).fill(0);
          allIndices(shape).forEach((want, ordinal) => {
            toIndex(ordinal, shape, index);
            assertEqual(index, want, `toIndex(${ordinal}, [${shape}])`);
            assertEqual(indexToPosition(index, strides), ordinal, `indexToPosition(toIndex(${ordinal}, [${shape}]))`);
          });
        }),
    },
    {
      name: 'permute reorders shape and strides, shares storage, and its inverse undoes it',
      run: (ctx) =>
        forAll(ctx, shapeAndOrder(1, 4, 3), ([shape, order]) => {
          const data = counting(shape);
          const p = data.permute(...order);
          assertEqual(
            p.shape,
            order.map((d) => shape[d]),
            `shape after permute(${order}) of [${shape}]`,
          );
          assertEqual(
            p.strides,
            order.map((d) => data.strides[d]),
            `strides after permute(${order}) of [${shape}]`,
          );
          assert(p.storage === data.storage, 'permute shares storage (a view, not a copy)');
          for (const ix of allIndices(shape)) {
            const moved = order.map((d) => ix[d]);
            assertEqual(p.get(moved), data.get(ix), `permuted value at [${moved}]`);
          }
          const back = p.permute(...inversePermutation(order));
          assertEqual(back.shape, shape, `shape after permute(${order}) and its inverse`);
          assertEqual(back.strides, data.strides, `strides after permute(${order}) and its inverse`);
          assert(back.isContiguous(), `permute(${order}) then its inverse is contiguous again`);
        }),
    },
  ],
  '2.2': [
    {
      name: 'shapeBroadcast follows the broadcasting rules and names the shapes it cannot broadcast',
      run: () => {
        const cases: Array<[number[], number[], number[]]> = [
          [[1], [5, 5], [5, 5]],
          [[5, 5], [1], [5, 5]],
          [
            [1, 5, 5],
            [5, 5],
            [1, 5, 5],
          ],
          [
            [5, 1, 5, 1],
            [1, 5, 1, 5],
            [5, 5, 5, 5],
          ],
          [[2, 1], [3], [2, 3]],
          [
            [4, 1, 3],
            [2, 1],
            [4, 2, 3],
          ],
          [[], [2, 3], [2, 3]],
        ];
        for (const [a, b, want] of cases) assertEqual(shapeBroadcast(a, b), want, `shapeBroadcast([${a}], [${b}])`);
        const bad: Array<[number[], number[], RegExp]> = [
          [[5, 7, 5, 1], [1, 5, 1, 5], /^IndexingError: .*\[5, 7, 5, 1\] and \[1, 5, 1, 5\]/],
          [[5, 2], [5], /^IndexingError: .*\[5, 2\] and \[5\]/],
          [[2, 3], [3, 2], /^IndexingError: .*cannot broadcast/],
        ];
        for (const [a, b, pattern] of bad)
          assertThrows(() => shapeBroadcast(a, b), `shapeBroadcast([${a}], [${b}])`, pattern);
      },
    },
    {
      name: 'broadcast shapes are symmetric, have the larger rank, and each dim is 1 or shared',
      run: (ctx) =>
        forAll(ctx, broadcastPair(4), ([a, b]) => {
          const out = shapeBroadcast(a, b);
          assertEqual(shapeBroadcast(b, a), out, `shapeBroadcast([${b}], [${a}]) vs ([${a}], [${b}])`);
          assertEqual(out.length, Math.max(a.length, b.length), `dims of shapeBroadcast([${a}], [${b}])`);
          for (const s of [a, b]) {
            s.forEach((d, i) =>
              assert(
                d === 1 || d === out[i + out.length - s.length],
                `dim ${i} of [${s}] is neither 1 nor that of [${out}]`,
              ),
            );
          }
          assertEqual(shapeBroadcast(out, a), out, `shapeBroadcast([${out}], [${a}])`);
        }),
    },
    {
      name: 'broadcastIndex drops leading dims and pins size-1 dims to 0',
      run: (ctx) => {
        const out = [9, 9];
        broadcastIndex([2, 3, 4], [5, 6, 7], [1, 7], out);
        assertEqual(out, [0, 4], 'broadcastIndex([2, 3, 4], [5, 6, 7], [1, 7])');
        forAll(ctx, broadcastPair(3), ([a, b]) => {
          const big = shapeBroadcast(a, b);
          // -1 first, so an entry broadcastIndex forgets to write shows.
          const small = new Array<number>(a.length).fill(-1);
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
        forAll(ctx, shapeAndOrder(1, 3, 4), ([shape, order], rng) => {
          for (const c of UNARY_TENSOR_OPS) {
            const t = uniformTensor(rng, shape, c.lo, c.hi);
            for (const x of [t, t.permute(...order)]) {
              const got = c.op(x);
              assertEqual(got.shape, x.shape, `${c.name} keeps the shape`);
              const want = x.toFlatArray().map(c.plain);
              got
                .toFlatArray()
                .forEach((v, i) => assertClose(v, want[i], `${c.name} of [${x.shape}] at ${i}`, 1e-9, 1e-9));
            }
          }
        }),
    },
    {
      name: 'add, mul, lt and eq broadcast',
      run: (ctx) =>
        forAll(ctx, broadcastPair(3), ([sa, sb], rng) => {
          const a = tensorOf(sa, () => rng.int(5) - 2);
          const b = tensorOf(sb, () => rng.int(5) - 2);
          const shape = shapeBroadcast(sa, sb);
          const ops: Array<[string, Tensor, (x: number, y: number) => number]> = [
            ['add', a.add(b), (x, y) => x + y],
            ['mul', a.mul(b), (x, y) => x * y],
            ['lt', a.lt(b), (x, y) => (x < y ? 1 : 0)],
            ['eq', a.eq(b), (x, y) => (x === y ? 1 : 0)],
          ];
          for (const [name, out, plain] of ops) {
            assertEqual(out.shape, shape, `shape of ${name}([${sa}], [${sb}])`);
            for (const ix of allIndices(shape)) {
              const want = plain(broadcastGet(a, ix, shape), broadcastGet(b, ix, shape));
              assertEqual(out.get(ix), want, `${name}([${sa}], [${sb}]) at [${ix}]`);
            }
          }
        }),
    },
    {
      name: 'sum over a dim with keepdim keeps it with size 1',
      run: (ctx) =>
        forAll(ctx, shapes(1, 3, 4), (shape, rng) => {
          const t = uniformTensor(rng, shape);
          for (let dim = 0; dim < shape.length; dim++) {
            const s = t.sum(dim, true);
            assertEqual(
              s.shape,
              shape.map((d, i) => (i === dim ? 1 : d)),
              `shape of sum(${dim}) of [${shape}]`,
            );
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
    {
      // The fast backend hands each thread a range of a result; a kernel that wrote one past
      // its range would write into the next thread's.
      name: 'mapKernel, zipKernel and reduceKernel write only the ordinals start…end−1',
      run: (ctx) =>
        forAll(ctx, shapes(1, 3, 4), (shape, rng) => {
          const size = shapeSize(shape);
          const start = rng.int(size);
          const end = start + rng.int(size - start + 1);
          const strided = (storage: Float64Array, sh: number[]) => ({
            storage,
            shape: sh,
            strides: stridesFromShape(sh),
          });
          const a = strided(counting(shape).toFlatArray(), shape);
          const untouched = (out: Float64Array, what: string, want: (i: number) => number) =>
            out.forEach((v, i) =>
              assertEqual(
                v,
                start <= i && i < end ? want(i) : -1,
                `${what}(start ${start}, end ${end}) of [${shape}] at ${i}`,
              ),
            );
          const mapped = new Float64Array(size).fill(-1);
          mapKernel((x) => 2 * x, strided(mapped, shape), a, start, end);
          untouched(mapped, 'mapKernel', (i) => 2 * i);
          const zipped = new Float64Array(size).fill(-1);
          zipKernel((x, y) => x + y, strided(zipped, shape), a, a, start, end);
          untouched(zipped, 'zipKernel', (i) => 2 * i);
          // Summing the last dim: output i adds the n inputs n·i … n·i + n − 1.
          const n = shape[shape.length - 1];
          const outShape = [...shape.slice(0, -1), 1];
          const reduced = new Float64Array(size / n).fill(-1);
          const [rs, re] = [Math.min(start, size / n), Math.min(end, size / n)];
          reduceKernel((p, q) => p + q, 0, strided(reduced, outShape), a, shape.length - 1, rs, re);
          reduced.forEach((v, i) =>
            assertEqual(
              v,
              rs <= i && i < re ? n * n * i + (n * (n - 1)) / 2 : -1,
              `reduceKernel(start ${rs}, end ${re}) at ${i}`,
            ),
          );
        }),
    },
  ],
  '2.4': [
    {
      name: 'gradients of one-input ops match central differences',
      run: (ctx) =>
        forAll(ctx, shapes(1, 2, 3), (shape, rng) => {
          for (const c of UNARY_TENSOR_OPS) {
            gradCheck(c.op, [clearOfKink(c, uniformTensor(rng, shape, c.lo, c.hi))], `${c.name} on [${shape}]`);
          }
        }),
    },
    {
      name: 'gradients of add and mul are summed back over broadcast dims',
      run: (ctx) =>
        forAll(ctx, broadcastPair(3), ([sa, sb], rng) => {
          const inputs = [uniformTensor(rng, sa, -2, 2), uniformTensor(rng, sb, -2, 2)];
          gradCheck((x, y) => x.mul(y).add(x), inputs, `x * y + x with shapes [${sa}] and [${sb}]`);
        }),
    },
    {
      name: 'gradients of sum, permute and a composite',
      run: (ctx) =>
        forAll(ctx, shapeAndOrder(1, 3, 3), ([shape, order], rng) => {
          const input = uniformTensor(rng, shape, -2, 2);
          const weights = uniformTensor(
            rng,
            order.map((d) => shape[d]),
          );
          gradCheck(
            (x) => x.sum(shape.length - 1, true).mul(x.sum(0, true)),
            [input],
            `sum(last) * sum(0) on [${shape}]`,
          );
          gradCheck((x) => x.permute(...order).mul(weights), [input], `permute(${order}) * w on [${shape}]`);
          gradCheck((x) => x.mul(x).sigmoid().sum(0).exp(), [input], `exp(sum(sigmoid(x²), 0)) on [${shape}]`);
        }),
    },
  ],
  '2.5': [
    {
      name: 'MLP gives one probability per point',
      run: (ctx) => {
        const model = new MLP([2, 4, 4, 1], { rng: ctx.rng });
        const p = model.forward(tensorOf([6, 2], () => ctx.rng.next()));
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
        assert(
          last.accuracy >= 0.95,
          `accuracy after 500 epochs is ${(100 * last.accuracy).toFixed(1)}%, expected >= 95%`,
        );
      },
    },
  ],
};
