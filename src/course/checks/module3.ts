/**
 * Notebook checks for Module 3: the Fast backend's fast paths and parallel map, zip and
 * reduce (3.1) and its fused, batched matmul (3.2), compared with the Simple backend (the
 * range kernels are called directly, so a check fails on the exercise itself even where a
 * small call would never reach the worker pool); and the GPU shaders of map, zip, reduce
 * (3.3) and matmul (3.4) with their practice kernels.
 *
 * @packageDocumentation
 */
import { fastMapRange, fastReduceRange, fastZipRange, matmulRange } from '../../backends/fast/kernels';
import { mmPractice, sumPractice } from '../../backends/gpu/backend';
import type { Random } from '../../random';
import { datasets } from '../../apps/datasets';
import { Tensor, rand } from '../../tensor';
import { TensorData, shapeSize } from '../../tensorData';
import { compareBackends } from '../../apps/tensorTraining';
import { SimpleBackend, matmulShape } from '../../tensorOps';
import { assertClose, assertEqual } from './assert';
import { forAll, shapes } from './sample';
import type { TaskChecks } from './types';

const simple = new SimpleBackend();

/** Random TensorData of `shape` drawn from `rng`. */
function randomData(rng: Random, shape: number[]): TensorData {
  return new TensorData(
    Float64Array.from({ length: shapeSize(shape) }, () => rng.uniform(-2, 2)),
    shape,
  );
}

/** Assert two TensorData have equal shapes and close values. */
function assertSameData(got: TensorData, want: TensorData, what: string): void {
  assertEqual(got.shape, want.shape, `${what}: shape`);
  const g = got.toFlatArray();
  want.toFlatArray().forEach((w, i) => assertClose(g[i], w, `${what}: element ${i}`, 1e-9));
}

/** Run a range kernel over its whole output in two halves, as two threads would. */
function inHalves(total: number, run: (start: number, end: number) => void): void {
  const mid = Math.floor(total / 2);
  run(0, mid);
  run(mid, total);
}

/**
 * Assert a GPU result matches the Simple backend's to float32 precision (the device has no
 * float64): 1e-4 relative, plus 1e-4 absolute near zero.
 */
function assertMatchesSimple(gpu: Tensor, cpu: Tensor, what: string): void {
  assertEqual(gpu.shape, cpu.shape, `${what}: shape`);
  const g = gpu.toFlatArray();
  cpu.toFlatArray().forEach((w, i) => assertClose(g[i], w, `${what}: element ${i}`, 1e-4, 1e-4));
}

/** A random tensor on the Simple backend and its copy on the GPU. */
function pair(shape: number[], seed: number): [Tensor, Tensor] {
  const cpu = rand(shape, { seed, backend: 'simple' });
  return [cpu, cpu.to('gpu')];
}

/** The module's checks, by task. */
export const module3Checks: TaskChecks = {
  '3.1': [
    {
      name: 'fastMapRange matches map on contiguous and permuted data, range by range',
      run: (ctx) =>
        forAll(ctx, shapes(1, 3, 4), (shape, rng) => {
          const a = randomData(rng, shape);
          const reversed = a.permute(...shape.map((_, i) => shape.length - 1 - i));
          for (const [label, input] of [
            ['contiguous', a],
            ['permuted', reversed],
          ] as const) {
            const out = TensorData.zeros(input.shape);
            inHalves(out.size, (s, e) => fastMapRange(out, input, 'exp', s, e));
            assertSameData(out, simple.map('exp', input), `exp of ${label} [${input.shape}]`);
          }
        }),
    },
    {
      name: 'fastZipRange matches zip on same-shape, constant and broadcast operands',
      run: (ctx) =>
        forAll(ctx, shapes(1, 3, 4), (shape, rng) => {
          const a = randomData(rng, shape);
          const b = randomData(rng, shape);
          const c = randomData(rng, [1]);
          for (const [label, x, y] of [
            ['same shape', a, b],
            ['constant', a, c],
            ['constant first', c, a],
          ] as const) {
            const out = TensorData.zeros(simple.zip('mul', x, y).shape);
            inHalves(out.size, (s, e) => fastZipRange(out, x, y, 'mul', s, e));
            assertSameData(out, simple.zip('mul', x, y), `mul (${label}) on [${shape}]`);
          }
        }),
    },
    {
      // Each thread gets a range of one result: writing past it would write another's.
      name: 'fastMapRange, fastZipRange and fastReduceRange write only outputs start…end−1',
      run: (ctx) =>
        forAll(ctx, shapes(1, 3, 4), (shape, rng) => {
          const a = randomData(rng, shape);
          const b = randomData(rng, shape);
          const reverse = shape.map((_, i) => shape.length - 1 - i);
          const n = shapeSize(shape);
          const start = rng.int(n);
          const end = start + rng.int(n - start + 1);
          // Run a kernel on outputs s…e−1 of a result filled with -99; compare with `want`.
          const check = (what: string, want: TensorData, s: number, e: number, run: (out: TensorData) => void) => {
            const out = new TensorData(new Float64Array(want.size).fill(-99), want.shape);
            run(out);
            const w = want.toFlatArray();
            out.toFlatArray().forEach((v, i) => {
              const expected = s <= i && i < e ? w[i] : -99;
              assertClose(v, expected, `${what} of [${want.shape}], start ${s}, end ${e}: element ${i}`, 1e-9);
            });
          };
          for (const [label, x, y] of [
            ['contiguous', a, b],
            ['permuted', a.permute(...reverse), b.permute(...reverse)],
          ] as const) {
            check(`neg (${label})`, simple.map('neg', x), start, end, (out) => fastMapRange(out, x, 'neg', start, end));
            const sum = simple.zip('add', x, y);
            check(`add (${label})`, sum, start, end, (out) => fastZipRange(out, x, y, 'add', start, end));
            const dim = x.shape.length - 1;
            const total = simple.reduce('sum', x, dim);
            const [rs, re] = [Math.min(start, total.size), Math.min(end, total.size)];
            check(`sum (${label})`, total, rs, re, (out) => fastReduceRange(out, x, 'sum', dim, rs, re));
          }
        }),
    },
    {
      name: 'fastReduceRange matches reduce along every dim',
      run: (ctx) =>
        forAll(ctx, shapes(1, 3, 4), (shape, rng) => {
          const a = randomData(rng, shape);
          shape.forEach((_, dim) => {
            const want = simple.reduce('sum', a, dim);
            const out = TensorData.zeros(want.shape);
            inHalves(out.size, (s, e) => fastReduceRange(out, a, 'sum', dim, s, e));
            assertSameData(out, want, `sum over dim ${dim} of [${shape}]`);
          });
        }),
    },
  ],
  '3.2': [
    {
      name: 'matmulRange matches matmul, batch dims broadcast, row range by row range',
      run: (ctx) => {
        const cases: Array<[number[], number[]]> = [
          [
            [3, 4],
            [4, 5],
          ],
          [
            [2, 1, 3, 4],
            [5, 4, 2],
          ],
          [
            [1, 3],
            [3, 1],
          ],
        ];
        for (let r = 0; r < ctx.runs; r++) {
          const n = 1 + ctx.rng.int(4);
          cases.push([
            [2, 1, n, 3],
            [3, 3, 1 + ctx.rng.int(4)],
          ]);
        }
        for (const [aShape, bShape] of cases) {
          const a = randomData(ctx.rng, aShape);
          const b = randomData(ctx.rng, bShape);
          const outShape = matmulShape(aShape, bShape);
          const out = TensorData.zeros(outShape);
          inHalves(shapeSize(outShape.slice(0, -1)), (s, e) => matmulRange(out, a, b, s, e));
          assertSameData(out, simple.matmul(a, b), `[${aShape}] @ [${bShape}]`);
        }
      },
    },
    {
      // A thread's range may start in any batch entry, and must leave the other rows alone.
      name: 'matmulRange computes exactly rows start…end−1, wherever the range starts',
      run: (ctx) => {
        const cases: Array<[number[], number[]]> = [
          [
            [2, 1, 3, 4],
            [5, 4, 2],
          ],
          [
            [3, 2, 5],
            [3, 5, 2],
          ],
        ];
        for (const [aShape, bShape] of cases) {
          const a = randomData(ctx.rng, aShape);
          const b = randomData(ctx.rng, bShape);
          const want = simple.matmul(a, b);
          const p = want.shape[want.shape.length - 1];
          const rows = want.size / p;
          const w = want.toFlatArray();
          for (let start = 0; start < rows; start++) {
            const end = Math.min(rows, start + 2);
            const out = new TensorData(new Float64Array(want.size).fill(-99), want.shape);
            matmulRange(out, a, b, start, end);
            out.toFlatArray().forEach((v, i) => {
              const row = Math.floor(i / p);
              const expected = start <= row && row < end ? w[i] : -99;
              assertClose(v, expected, `[${aShape}] @ [${bShape}], rows ${start}…${end - 1}: element ${i}`, 1e-9);
            });
          }
        }
      },
    },
  ],
  '3.3': [
    {
      name: 'sumPractice adds each block of 16 in workgroup memory',
      run: () => {
        const sums = Array.from(sumPractice(Array.from({ length: 40 }, (_, i) => i + 1)));
        assertEqual(sums.length, 3, 'number of block sums of 40 values');
        [136, 392, 292].forEach((want, i) => assertClose(sums[i], want, `block ${i}`, 1e-3));
      },
    },
    {
      name: 'GPU map, zip and reduce match the Simple backend, broadcast and permuted too',
      run: (ctx) => {
        const shapesTried: Array<[number[], number[]]> = [
          [
            [5, 7],
            [5, 7],
          ],
          [
            [3, 1, 4],
            [2, 4],
          ],
          [[64, 33], [33]],
        ];
        for (const [aShape, bShape] of shapesTried) {
          const [a, ga] = pair(aShape, ctx.rng.int(1000));
          const [b, gb] = pair(bShape, ctx.rng.int(1000));
          assertMatchesSimple(ga.exp(), a.exp(), `exp of [${aShape}]`);
          assertMatchesSimple(ga.mul(gb), a.mul(b), `[${aShape}] * [${bShape}]`);
          assertMatchesSimple(
            ga.permute(...aShape.map((_, i) => aShape.length - 1 - i)).neg(),
            a.permute(...aShape.map((_, i) => aShape.length - 1 - i)).neg(),
            `neg of [${aShape}] permuted`,
          );
          aShape.forEach((_, dim) =>
            assertMatchesSimple(ga.sum(dim), a.sum(dim), `sum over dim ${dim} of [${aShape}]`),
          );
        }
      },
    },
  ],
  '3.4': [
    {
      name: 'mmPractice multiplies two 5×5 matrices in one workgroup',
      run: () => {
        const n = 5;
        const a = Array.from({ length: n * n }, (_, i) => (i % 7) - 3);
        const b = Array.from({ length: n * n }, (_, i) => (i % 5) * 0.5);
        const got = mmPractice(a, b, n);
        for (let i = 0; i < n; i++) {
          for (let j = 0; j < n; j++) {
            let want = 0;
            for (let k = 0; k < n; k++) want += a[i * n + k] * b[k * n + j];
            assertClose(got[i * n + j], want, `entry [${i}, ${j}]`, 1e-4);
          }
        }
      },
    },
    {
      name: 'GPU matmul matches the Simple backend: tiles, ragged edges, batches, transposes',
      run: (ctx) => {
        const cases: Array<[number[], number[]]> = [
          [
            [3, 4],
            [4, 5],
          ],
          [
            [40, 17],
            [17, 24],
          ],
          [
            [2, 1, 9, 20],
            [3, 20, 7],
          ],
        ];
        for (const [aShape, bShape] of cases) {
          const [a, ga] = pair(aShape, ctx.rng.int(1000));
          const [b, gb] = pair(bShape, ctx.rng.int(1000));
          assertMatchesSimple(ga.matmul(gb), a.matmul(b), `[${aShape}] @ [${bShape}]`);
        }
        const [a, ga] = pair([20, 30], ctx.rng.int(1000));
        assertMatchesSimple(ga.permute(1, 0).matmul(ga), a.permute(1, 0).matmul(a), 'aᵀ @ a');
      },
    },
  ],
  '3.5': [
    {
      name: 'compareBackends trains the same seeded network on simple and fast to the same losses',
      run: async () => {
        const runs = await compareBackends(datasets.split(30, 3), ['simple', 'fast'], {
          hidden: 6,
          lr: 0.5,
          epochs: 8,
          seed: 1,
        });
        assertEqual(runs.length, 2, 'number of runs');
        runs[1].history.forEach((h, i) =>
          assertClose(h.loss, runs[0].history[i].loss, `loss of epoch ${i + 1} on fast`, 1e-9),
        );
      },
    },
  ],
};
