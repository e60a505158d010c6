/**
 * Checks of Module 4 (Tasks 4.1–4.5): convolutions against their definition and against
 * central differences, pooling, max, softmax, dropout, and one LeNet training step.
 *
 * @packageDocumentation
 */
import { noGrad } from '../../autodiff';
import { nllLoss } from '../../losses';
import { Adam } from '../../optim';
import { LeNet, trainStep } from '../../apps/mnistTraining';
import * as nn from '../../nn';
import { Random } from '../../random';
import { fromFlat } from '../../tensor';
import { assert, assertClose, assertEqual } from './assert';
import { gradCheck } from './numeric';
import { allIndices, forAll, ints, tuple, uniformTensor } from './sample';
import type { Check, TaskChecks } from './types';
import { conv1dKernel, conv2dKernel } from '../../convOps';

/** Sizes for small convolutions: batch, in, out channels, width, kernel width. */
const convSizes = tuple<[number, number, number, number, number]>(
  ints(1, 2),
  ints(1, 3),
  ints(1, 3),
  ints(2, 6),
  ints(1, 3),
);

/** Strides of `shape` ([batch, channels, ...spatial]) stored channels last: a permuted layout. */
function channelsLast(shape: number[]): number[] {
  const strides = new Array<number>(shape.length);
  strides[1] = 1;
  let acc = shape[1];
  for (let d = shape.length - 1; d >= 2; d--) {
    strides[d] = acc;
    acc *= shape[d];
  }
  strides[0] = acc;
  return strides;
}

/** What a convolution kernel of `convOps.ts` takes (forward: `reverse` false). */
type ConvKernel = typeof conv1dKernel;

/**
 * A convolution kernel called directly on channels-last operands (every stride but the
 * batch's differs from a contiguous layout) for output ordinals start…end−1 only: it must
 * read and write through the strides it is given, and leave the other outputs alone (the
 * fast backend gives each thread a range of one result).
 */
function checkConvKernel(kernel: ConvKernel, name: string, dims: number): Check {
  return {
    name: `${name} follows the strides of out, input and weight, and writes only outputs start…end−1`,
    run: (ctx) =>
      forAll(
        ctx,
        tuple<[number, number, number, number, number]>(ints(1, 2), ints(2, 3), ints(2, 3), ints(2, 4), ints(1, 3)),
        ([b, cin, cout, size, k], rng) => {
          const spatial = new Array<number>(dims).fill(size);
          const taps = new Array<number>(dims).fill(k);
          const operand = (shape: number[], draw: () => number) => ({
            storage: Float64Array.from({ length: shape.reduce((p, q) => p * q, 1) }, draw),
            shape,
            strides: channelsLast(shape),
          });
          const at = (a: ReturnType<typeof operand>, ix: number[]) =>
            a.storage[ix.reduce((p, v, d) => p + v * a.strides[d], 0)];
          const input = operand([b, cin, ...spatial], () => rng.int(7) - 3);
          const weight = operand([cout, cin, ...taps], () => rng.int(5) - 2);
          const out = operand([b, cout, ...spatial], () => -99);
          const n = out.storage.length;
          const start = rng.int(n);
          const end = start + rng.int(n - start + 1);
          kernel(out, input, weight, false, start, end);
          allIndices(out.shape).forEach((ix, ordinal) => {
            let want = -99;
            if (start <= ordinal && ordinal < end) {
              const [bi, oc, ...pos] = ix;
              want = 0;
              for (let ic = 0; ic < cin; ic++)
                for (const t of allIndices(taps)) {
                  const p = pos.map((v, d) => v + t[d]);
                  if (p.every((v) => v < size)) want += at(weight, [oc, ic, ...t]) * at(input, [bi, ic, ...p]);
                }
            }
            assertEqual(at(out, ix), want, `${name} out[${ix}] of start ${start}, end ${end}, channels-last operands`);
          });
        },
      ),
  };
}

/** Checks of Tasks 4.1 to 4.5. */
export const module4Checks: TaskChecks = {
  '4.1': [
    {
      name: 'conv1d equals Σ weight[o,i,k]·input[b,i,x+k] (zero past the end)',
      run: (ctx) =>
        forAll(ctx, convSizes, ([b, cin, cout, w, k], rng) => {
          const input = uniformTensor(rng, [b, cin, w]);
          const weight = uniformTensor(rng, [cout, cin, k]);
          const out = nn.conv1d(input, weight);
          assertEqual(out.shape, [b, cout, w], 'conv1d output shape');
          for (let bi = 0; bi < b; bi++)
            for (let o = 0; o < cout; o++)
              for (let x = 0; x < w; x++) {
                let want = 0;
                for (let i = 0; i < cin; i++)
                  for (let j = 0; j < k && x + j < w; j++) want += weight.get([o, i, j]) * input.get([bi, i, x + j]);
                assertClose(out.get([bi, o, x]), want, `conv1d out[${bi},${o},${x}]`, 1e-9);
              }
        }),
    },
    {
      name: 'conv1d gradients for input and weight match central differences',
      run: (ctx) =>
        gradCheck(
          (x, w) => nn.conv1d(x, w),
          [uniformTensor(ctx.rng, [2, 2, 5], -0.5, 0.5), uniformTensor(ctx.rng, [3, 2, 2], -0.5, 0.5)],
          'conv1d',
        ),
    },
    checkConvKernel(conv1dKernel, 'conv1dKernel', 1),
  ],
  '4.2': [
    {
      name: 'conv2d equals its definition on a hand-computed example',
      run: () => {
        const input = fromFlat([1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 1, 3, 3]);
        const weight = fromFlat([1, 0, 0, -1], [1, 1, 2, 2]);
        // out[y][x] = in[y][x] − in[y+1][x+1], zero past the edges.
        assertEqual(
          Array.from(nn.conv2d(input, weight).toFlatArray()),
          [-4, -4, 3, -4, -4, 6, 7, 8, 9],
          'conv2d of a 3×3 image',
        );
      },
    },
    {
      name: 'conv2d gradients for input and weight match central differences',
      run: (ctx) =>
        gradCheck(
          (x, w) => nn.conv2d(x, w),
          [uniformTensor(ctx.rng, [1, 2, 3, 4], -0.5, 0.5), uniformTensor(ctx.rng, [2, 2, 2, 2], -0.5, 0.5)],
          'conv2d',
        ),
    },
    checkConvKernel(conv2dKernel, 'conv2dKernel', 2),
  ],
  '4.3': [
    {
      name: 'tile makes one row per pooling window, avgpool2d averages it',
      run: () => {
        const x = fromFlat([1, 2, 3, 4, 5, 6, 7, 8], [1, 1, 2, 4]);
        const [tiled, h, w] = nn.tile(x, [2, 2]);
        assertEqual(tiled.shape, [1, 1, 1, 2, 4], 'tile shape');
        assertEqual([h, w], [1, 2], 'tile: new height and width');
        assertEqual(Array.from(tiled.toFlatArray()), [1, 2, 5, 6, 3, 4, 7, 8], 'tile groups each 2×2 window');
        assertEqual(Array.from(nn.avgpool2d(x, [2, 2]).toFlatArray()), [3.5, 5.5], 'avgpool2d');
      },
    },
    {
      name: 'avgpool2d gradient matches central differences',
      run: (ctx) =>
        gradCheck((x) => nn.avgpool2d(x, [2, 2]), [uniformTensor(ctx.rng, [1, 1, 4, 4], 0, 1)], 'avgpool2d'),
    },
  ],
  '4.4': [
    {
      name: 'max takes the maximum along a dim and sends its gradient to the arg-max',
      run: () => {
        const t = fromFlat([1, 9, 3, 7, 2, 8], [2, 3], { requiresGrad: true });
        const m = nn.max(t, 1);
        assertEqual(Array.from(m.toFlatArray()), [9, 8], 'max over dim 1');
        m.sum().backward();
        assertEqual(Array.from(t.grad!.toFlatArray()), [0, 1, 0, 0, 0, 1], 'gradient of max');
        assertEqual(Array.from(nn.argmax(t, 1).toFlatArray()), [0, 1, 0, 0, 0, 1], 'argmax one-hot');
      },
    },
    {
      name: 'softmax rows sum to 1 and logsoftmax is its log, stably for large inputs',
      run: (ctx) => {
        const t = uniformTensor(ctx.rng, [3, 5]).mul(10);
        nn.softmax(t, 1)
          .sum(1)
          .toFlatArray()
          .forEach((s, i) => assertClose(s, 1, `softmax row ${i} sum`, 1e-9));
        const s = nn.softmax(t, 1).toFlatArray();
        nn.logsoftmax(t, 1)
          .toFlatArray()
          .forEach((v, i) => assertClose(Math.exp(v), s[i], `exp(logsoftmax) element ${i}`, 1e-6));
        const big = nn.softmax(fromFlat([1000, 0, -1000], [1, 3]), 1).toFlatArray();
        assert(
          big.every(Number.isFinite) && Math.abs(big[0] - 1) < 1e-9,
          `softmax of [1000, 0, -1000] is finite and ≈ [1, 0, 0], got [${Array.from(big)}]`,
        );
      },
    },
    {
      name: 'maxpool2d takes window maxima; dropout drops about the rate, draws from its rng, is off when ignored',
      run: () => {
        const x = fromFlat([1, 5, 3, 4, 2, 0, 9, 8], [1, 1, 2, 4]);
        assertEqual(Array.from(nn.maxpool2d(x, [2, 2]).toFlatArray()), [5, 9], 'maxpool2d');
        const ones = fromFlat(new Array(2000).fill(1), [2000]);
        const kept =
          nn
            .dropout(ones, 0.25, { rng: new Random(3) })
            .toFlatArray()
            .filter((v) => v !== 0).length / 2000;
        assertClose(kept, 0.75, 'fraction kept by dropout(0.25)', 0.05);
        assert(nn.dropout(ones, 0.25, { ignore: true }) === ones, 'dropout with ignore returns its input');
        // The mask comes from options.rng, so a seeded run repeats and two seeds differ.
        const mask = (rng: Random) => nn.dropout(ones, 0.5, { rng }).toFlatArray();
        assertEqual(mask(new Random(3)), mask(new Random(3)), 'dropout masks from two Random(3)');
        const [three, four] = [mask(new Random(3)), mask(new Random(4))];
        assert(
          three.some((v, i) => v !== four[i]),
          'dropout with Random(3) and with Random(4) dropped the same elements: draw the mask from options.rng',
        );
      },
    },
  ],
  '4.5': [
    {
      name: 'LeNet maps [batch, 1, 28, 28] to log-probabilities over 10 classes',
      run: () => {
        const model = new LeNet({ rng: new Random(1) });
        model.eval();
        const out = noGrad(() => model.forward(uniformTensor(new Random(2), [2, 1, 28, 28])));
        assertEqual(out.shape, [2, 10], 'LeNet output shape');
        const v = out.toFlatArray();
        for (let b = 0; b < 2; b++) {
          const total = Array.from(v.subarray(b * 10, b * 10 + 10)).reduce((s, x) => s + Math.exp(x), 0);
          assertClose(total, 1, `row ${b}: exp of the log-probabilities sums to 1`, 1e-6);
        }
      },
    },
    {
      name: 'a few training steps on one batch lower its loss',
      run: () => {
        const model = new LeNet({ rng: new Random(4) });
        const optim = new Adam(model.parameters(), { lr: 0.01 });
        const x = uniformTensor(new Random(5), [8, 1, 28, 28]);
        const labels = [0, 1, 2, 3, 4, 5, 6, 7];
        // Compare in evaluation mode, where dropout is off, so the two losses are comparable.
        const lossOf = () => {
          model.eval();
          const loss = noGrad(() => nllLoss(model.forward(x), labels).item());
          model.train();
          return loss;
        };
        const before = lossOf();
        for (let i = 0; i < 5; i++) trainStep(model, optim, x, labels);
        const after = lossOf();
        assert(after < before, `loss went from ${before.toFixed(4)} to ${after.toFixed(4)} after 5 steps`);
      },
    },
  ],
};
