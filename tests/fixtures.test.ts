/**
 * PyTorch oracle: replay every case of tests/fixtures/tensor_ops.json (written by
 * `npm run fixtures`, i.e. scripts/fixtures.py) on every backend, and compare the output and
 * each input's gradient with PyTorch's. Test names carry the op's task: 2.4 for Module 2
 * ops on `simple` (3.2 / 3.4 on `fast` / `gpu`), 4.x for Module 4's.
 */
import { expect } from 'chai';
import * as fs from 'fs';
import * as path from 'path';
import {
  AvgPool2d,
  Conv1d,
  Conv2d,
  Flatten,
  Linear,
  MaxPool2d,
  Parameter,
  ReLU,
  Sequential,
  Sigmoid,
  Tanh,
  Tensor,
  arange,
  bceWithLogits,
  binaryCrossEntropy,
  cat,
  crossEntropy,
  fromFlat,
  l1Loss,
  linspace,
  mseLoss,
  nllLoss,
  smoothL1Loss,
  tensor,
  nn,
  stack,
  where,
} from '../src';
import type { NestedArray, Reduction } from '../src';
import { describeEachBackend, tolerance } from './helpers/backends';

/** One input of a case: a contiguous leaf of `shape`, seen through `permute`. */
interface FixtureInput {
  shape: number[];
  permute: number[] | null;
  values: number[];
}

/** One golden case, as scripts/fixtures.py writes it. */
interface FixtureCase {
  name: string;
  op: string;
  args: Record<string, unknown>;
  inputs: FixtureInput[];
  output: { shape: number[]; values: number[] };
  gradOutput: number[];
  grads: number[][];
}

/**
 * This library's version of each op in scripts/fixtures.py's `OPS`, under the same name.
 * To add an op: add it here and there, add cases there, rerun `npm run fixtures`.
 */
export const FIXTURE_OPS: Record<string, (inputs: Tensor[], args: Record<string, unknown>) => Tensor> = {
  neg: ([a]) => a.neg(),
  sigmoid: ([a]) => a.sigmoid(),
  relu: ([a]) => a.relu(),
  log: ([a]) => a.log(),
  exp: ([a]) => a.exp(),
  inv: ([a]) => a.inv(),
  add: ([a, b]) => a.add(b),
  sub: ([a, b]) => a.sub(b),
  mul: ([a, b]) => a.mul(b),
  div: ([a, b]) => a.div(b),
  lt: ([a, b]) => a.lt(b),
  gt: ([a, b]) => a.gt(b),
  eq: ([a, b]) => a.eq(b),
  isClose: ([a, b]) => a.isClose(b),
  sum: ([a], { dim, keepdim }) => a.sum(dim as Dims, keepdim as boolean | undefined),
  mean: ([a], { dim, keepdim }) => a.mean(dim as Dims, keepdim as boolean | undefined),
  permute: ([a], { order }) => a.permute(...(order as number[])),
  view: ([a], { shape }) => a.contiguous().view(...(shape as number[])),
  contiguous: ([a]) => a.contiguous(),
  transpose: ([a], { dim0, dim1 }) => a.transpose(dim0 as number, dim1 as number),
  matmul: ([a, b]) => a.matmul(b),
  linear: ([x, w, b]) => x.matmul(w).add(b),
  sigmoidLayer: ([x, w, b]) => x.matmul(w).add(b).relu().sum(1, true).sigmoid(),
  conv1d: ([x, w]) => nn.conv1d(x, w),
  conv2d: ([x, w]) => nn.conv2d(x, w),
  avgpool2d: ([x], { kernel }) => nn.avgpool2d(x, kernel as [number, number]),
  maxpool2d: ([x], { kernel }) => nn.maxpool2d(x, kernel as [number, number]),
  max: ([x], { dim }) => nn.max(x, dim as number),
  softmax: ([x], { dim }) => nn.softmax(x, dim as number),
  logsoftmax: ([x], { dim }) => nn.logsoftmax(x, dim as number),
  pow: ([a], { exponent }) => a.pow(exponent as number),
  powTensor: ([a, b]) => a.pow(b),
  sqrt: ([a]) => a.sqrt(),
  abs: ([a]) => a.abs(),
  tanh: ([a]) => a.tanh(),
  clamp: ([a], { min, max }) => a.clamp(min as number | undefined, max as number | undefined),
  where: ([c, a, b]) => where(c.gt(0.5), a, b),
  ge: ([a, b]) => a.ge(b),
  le: ([a, b]) => a.le(b),
  ne: ([a, b]) => a.ne(b),
  prod: ([a], { dim, keepdim }) => a.prod(dim as number | undefined, keepdim as boolean | undefined),
  amax: ([a], { dim, keepdim }) => a.amax(dim as Dims, keepdim as boolean | undefined),
  amin: ([a], { dim, keepdim }) => a.amin(dim as Dims, keepdim as boolean | undefined),
  maxAll: ([a]) => a.max(),
  maxValues: ([a], { dim, keepdim }) => a.max(dim as number, keepdim as boolean | undefined).values,
  maxIndices: ([a], { dim, keepdim }) => a.max(dim as number, keepdim as boolean | undefined).indices,
  minValues: ([a], { dim, keepdim }) => a.min(dim as number, keepdim as boolean | undefined).values,
  minIndices: ([a], { dim, keepdim }) => a.min(dim as number, keepdim as boolean | undefined).indices,
  argmax: ([a], { dim, keepdim }) => a.argmax(dim as number | undefined, keepdim as boolean | undefined),
  argmin: ([a], { dim, keepdim }) => a.argmin(dim as number | undefined, keepdim as boolean | undefined),
  logsumexp: ([a], { dim, keepdim }) => a.logsumexp(dim as number | number[], keepdim as boolean | undefined),
  var: ([a], { dim, correction, keepdim }) =>
    a.var(dim as Dims, { correction: correction as number | undefined, keepdim: keepdim as boolean | undefined }),
  std: ([a], { dim, correction, keepdim }) =>
    a.std(dim as Dims, { correction: correction as number | undefined, keepdim: keepdim as boolean | undefined }),
  squeeze: ([a], { dim }) => a.squeeze(dim as number | undefined),
  unsqueeze: ([a], { dim }) => a.unsqueeze(dim as number),
  flatten: ([a], { start, end }) => a.flatten(start as number | undefined, end as number | undefined),
  reshape: ([a], { shape }) => a.reshape(shape as number[]),
  viewInfer: ([a], { shape }) => a.contiguous().view(...(shape as number[])),
  indexSelect: ([a], { dim, indices }) => a.indexSelect(dim as number, indices as number[]),
  narrow: ([a], { dim, start, length }) => a.narrow(dim as number, start as number, length as number),
  cat: (xs, { dim }) => cat(xs, dim as number),
  stack: (xs, { dim }) => stack(xs, dim as number),
  conv1dTorch: ([x, w, b], args) => nn.conv1d(x, w, b, convOptions(args)),
  conv2dTorch: ([x, w, b], args) => nn.conv2d(x, w, b, convOptions(args)),
  maxpool2dStride: ([x], { kernel, stride, padding }) =>
    nn.maxpool2d(x, kernel as number, { stride: stride as number | undefined, padding: padding as number | undefined }),
  avgpool2dStride: ([x], { kernel, stride, padding }) =>
    nn.avgpool2d(x, kernel as number, { stride: stride as number | undefined, padding: padding as number | undefined }),
  linearLayer: ([x, w, b]) =>
    withParameters(new Linear(w.shape[1], w.shape[0], { bias: b !== undefined, backend: x.backend }), w, b).forward(x),
  conv1dLayer: ([x, w, b], args) =>
    withParameters(
      new Conv1d(x.shape[1], w.shape[0], w.shape[2], {
        ...convOptions(args),
        padding: convOptions(args).padding ?? 0,
        backend: x.backend,
      }),
      w,
      b,
    ).forward(x),
  conv2dLayer: ([x, w, b], args) =>
    withParameters(
      new Conv2d(x.shape[1], w.shape[0], [w.shape[2], w.shape[3]], {
        ...convOptions(args),
        padding: convOptions(args).padding ?? 0,
        backend: x.backend,
      }),
      w,
      b,
    ).forward(x),
  maxPool2dLayer: ([x], { kernel, stride, padding }) =>
    new MaxPool2d(kernel as number, stride as number | undefined, padding as number | undefined).forward(x),
  avgPool2dLayer: ([x], { kernel, stride, padding }) =>
    new AvgPool2d(kernel as number, stride as number | undefined, padding as number | undefined).forward(x),
  sin: ([a]) => a.sin(),
  cos: ([a]) => a.cos(),
  maximum: ([a, b]) => a.maximum(b),
  minimum: ([a, b]) => a.minimum(b),
  powConstExponent: ([a, b]) => a.pow(b.detach()),
  squeezeDims: ([a], { dim }) => a.squeeze(dim as number[]),
  expand: ([a], { shape }) => a.expand(shape as number[]),
  at: ([a], { index }) => a.at(...(index as Array<number | string | null>)),
  arange: ([x], { start, end, step }) =>
    x.mul(
      step === undefined
        ? arange(start as number, end as number, { backend: x.backend })
        : arange(start as number, end as number, step as number, { backend: x.backend }),
    ),
  linspace: ([x], { start, end, steps }) =>
    x.mul(linspace(start as number, end as number, steps as number, { backend: x.backend })),
  mseLoss: ([a, b], { reduction }) => mseLoss(a, b, { reduction: reduction as Reduction | undefined }),
  l1Loss: ([a, b], { reduction }) => l1Loss(a, b, { reduction: reduction as Reduction | undefined }),
  smoothL1Loss: ([a, b], { beta, reduction }) =>
    smoothL1Loss(a, b, { beta: beta as number | undefined, reduction: reduction as Reduction | undefined }),
  bceWithLogits: ([a, y], { reduction }) => bceWithLogits(a, y, { reduction: reduction as Reduction | undefined }),
  binaryCrossEntropy: ([p, y], { reduction }) =>
    binaryCrossEntropy(p, y, { reduction: reduction as Reduction | undefined }),
  // Labels as PyTorch code passes them: a tensor (an array works the same).
  nllLoss: ([a], { labels, reduction, ignoreIndex }) =>
    nllLoss(a, tensor(labels as NestedArray, { backend: a.backend }), {
      reduction: reduction as Reduction | undefined,
      ignoreIndex: ignoreIndex as number | undefined,
    }),
  crossEntropy: ([a], { labels, reduction, ignoreIndex }) =>
    crossEntropy(
      a,
      Array.isArray(labels) && !Array.isArray(labels[0])
        ? (labels as number[])
        : tensor(labels as NestedArray, { backend: a.backend }),
      { reduction: reduction as Reduction | undefined, ignoreIndex: ignoreIndex as number | undefined },
    ),
  crossEntropyProbs: ([a, p], { reduction }) => crossEntropy(a, p, { reduction: reduction as Reduction | undefined }),
  all: ([a], { dim, keepdim }) => a.all(dim as Dims, keepdim as boolean | undefined),
  takeAlong: ([a], { dim, index, keepdim }) =>
    a.takeAlong(dim as number, tensor(index as NestedArray, { backend: a.backend }), keepdim as boolean | undefined),
  sequential: ([x, w1, b1, w2, b2, w3, b3]) => {
    const linear = (w: Tensor, b: Tensor): Linear =>
      withParameters(new Linear(w.shape[1], w.shape[0], { backend: x.backend }), w, b);
    return new Sequential(
      new Flatten(),
      linear(w1, b1),
      new ReLU(),
      linear(w2, b2),
      new Tanh(),
      linear(w3, b3),
      new Sigmoid(),
    ).forward(x);
  },
};

/**
 * The convolution options a fixture case gives, as the PyTorch call passes them: padding
 * defaults to 0 once any option is given (so `{ dilation: 2 }` alone is PyTorch's call); a
 * case with none says `padding: 0`, since a call without options is the course's convolution.
 */
function convOptions(args: Record<string, unknown>): nn.ConvOptions {
  const given = Object.fromEntries(
    ['stride', 'padding', 'dilation', 'groups'].filter((k) => args[k] !== undefined).map((k) => [k, args[k]]),
  ) as nn.ConvOptions;
  return Object.keys(given).length === 0 ? { padding: 0 } : given;
}

/** A layer whose weight (and bias) are the fixture's leaves, so their gradients are the ones compared. */
function withParameters<L extends Linear | Conv1d | Conv2d>(layer: L, weight: Tensor, bias?: Tensor): L {
  layer.weight = new Parameter(weight);
  layer.bias = bias === undefined ? null : new Parameter(bias);
  return layer;
}

/** A reduction's `dim` argument as the fixtures give it: absent, one dim, or several. */
type Dims = number | number[] | undefined;

/** Module 4 ops and the task each belongs to. */
const MODULE4_TASKS: Record<string, string> = {
  conv1d: '4.1',
  conv2d: '4.2',
  avgpool2d: '4.3',
  maxpool2d: '4.4',
  max: '4.4',
  softmax: '4.4',
  logsoftmax: '4.4',
};

/**
 * Ops added for PyTorch's everyday surface (issue 15). They are compositions of the course's
 * functions, so they pass once the tasks they are built from do: named by those tasks.
 */
const COMPOSED_TASKS: Record<string, string> = {
  conv1dTorch: 'Task 4.1',
  conv2dTorch: 'Task 4.2',
  maxpool2dStride: 'Task 4.4',
  avgpool2dStride: 'Task 4.3',
  conv1dLayer: 'Task 4.1',
  conv2dLayer: 'Task 4.2',
  maxPool2dLayer: 'Task 4.4',
  avgPool2dLayer: 'Task 4.3',
  linearLayer: 'Task 2.4',
  sequential: 'Task 2.4',
  expand: 'Task 2.4',
  arange: 'Task 2.4',
  linspace: 'Task 2.4',
  mseLoss: 'Task 2.4',
  l1Loss: 'Task 2.4',
  smoothL1Loss: 'Task 2.4',
  all: 'Task 2.4', // through sum, whose backward is Task 2.4's
  takeAlong: 'Task 2.4',
  bceWithLogits: 'Task 2.4',
  binaryCrossEntropy: 'Task 2.4',
  nllLoss: 'Task 2.4',
  crossEntropy: 'Task 4.4',
  crossEntropyProbs: 'Task 4.4',
  maxAll: 'Task 4.4',
  maxValues: 'Task 4.4',
  maxIndices: 'Task 4.4',
  minValues: 'Task 4.4',
  minIndices: 'Task 4.4',
  amax: 'Task 4.4',
  amin: 'Task 4.4',
  argmax: 'Task 4.4',
  argmin: 'Task 4.4',
  logsumexp: 'Task 4.4',
  indexSelect: 'Task 2.4',
  cat: 'Task 2.4',
  stack: 'Task 2.4',
};

/** The fixture file, found by walking up from this file (tests run from build/ or another out dir). */
function loadFixtures(): FixtureCase[] {
  let dir = __dirname;
  for (let i = 0; i < 6; i++) {
    const file = path.join(dir, 'tests', 'fixtures', 'tensor_ops.json');
    if (fs.existsSync(file)) return (JSON.parse(fs.readFileSync(file, 'utf8')) as { cases: FixtureCase[] }).cases;
    dir = path.dirname(dir);
  }
  throw new Error('tests/fixtures/tensor_ops.json not found: run `npm run fixtures`');
}

/**
 * The course task an op's fixture grades, for the test name: Module 2 ops (matmul included:
 * the simple backend's matmul is Module 2's) check forward and gradients, so they need 2.4;
 * on fast and gpu, `describeEachBackend` hands them to Module 3's matmul tasks.
 */
function tasksOf(op: string, name: string): string {
  if (op in COMPOSED_TASKS) return `${COMPOSED_TASKS[op]} forward and gradients of`;
  if (op in MODULE4_TASKS) return `Task ${MODULE4_TASKS[op]} forward and gradients of`;
  // A view of contiguous data runs no kernel: Task 2.1's strides are all it needs.
  if (isKernelFreeView(op, name)) return 'Task 2.1 forward and gradients of';
  return `Task ${needsBackward(op, name) ? '2.4' : '2.3'} forward and gradients of`;
}

/**
 * Cases that only re-read their input's storage with other strides (no kernel runs): views
 * of a contiguous input (basic indexing included: its backward writes the gradient through
 * the same strides), and summing a 0-dim tensor (nothing to reduce).
 */
function isKernelFreeView(op: string, name: string): boolean {
  if (name === 'sum([])') return true;
  const views = ['view', 'squeeze', 'unsqueeze', 'flatten', 'viewInfer', 'at', 'narrow'];
  return views.includes(op) && !name.includes('.permute(');
}

/**
 * PyTorch-surface ops composed from the course's functions whose gradients flow through a
 * backward written in Task 2.4 (mul, inv, exp, relu, sigmoid, sum): `pow` by squaring,
 * `abs` as relu(x) + relu(−x), `tanh` from sigmoid, `var`/`std` as sums of squares, `where`
 * through the sum that un-broadcasts its branches' gradients. `clamp` selects (a given
 * backward), so it needs Task 2.4 only on a permuted input. `pow(x, 0.5)` is `sqrt`, whose
 * backward is given.
 */
function composedNeedsBackward(op: string, name: string): boolean {
  if (op === 'pow') return !name.includes('exponent=0.5)');
  if (op === 'clamp') return name.includes('.permute(');
  return ['powTensor', 'abs', 'tanh', 'where', 'var', 'std', 'maximum', 'minimum', 'squeezeDims'].includes(op);
}

/** Ops whose backward the students write in Task 2.4 (the others' backward is given). */
const WRITTEN_BACKWARD = new Set([
  'sigmoid',
  'relu',
  'log',
  'exp',
  'inv',
  'mul',
  'div',
  'sum',
  'mean',
  'permute',
  'transpose',
  'linear',
  'sigmoidLayer',
]);

/**
 * Whether a case's gradients need Task 2.4's code: an op whose backward is written there,
 * a permuted input (permute's backward), or inputs of different shapes, whose gradients
 * are summed back by `sumTo` (for add, sub, mul, div; matmul's batch dims). Comparisons
 * have zero gradients whatever the shapes.
 */
function needsBackward(op: string, name: string): boolean {
  const [a, b] = [...name.matchAll(/\[[\d, ]*\]/g)].map((m) => m[0]);
  const broadcast = ['add', 'sub', 'mul', 'div'].includes(op) && a !== b;
  const batched =
    op === 'matmul' &&
    (a.split(',').length > 2 || b.split(',').length > 2) &&
    a.split(',').slice(0, -2).join() !== b.split(',').slice(0, -2).join();
  return (
    WRITTEN_BACKWARD.has(op) || composedNeedsBackward(op, name) || name.includes('.permute(') || broadcast || batched
  );
}

const CASES = loadFixtures();

describeEachBackend(
  'PyTorch fixtures',
  (backend, name) => {
    // The fixtures are float64 and MiniTorch's log(x + 1e-6) is written into them (see
    // scripts/fixtures.py), so the float64 backends must match to rounding; the GPU is float32.
    const tol = name === 'gpu' ? tolerance(name) : 1e-9;

    it('the fixture file covers every op in FIXTURE_OPS', () => {
      expect(CASES.length).to.be.greaterThan(50);
      const used = new Set(CASES.map((c) => c.op));
      expect(Object.keys(FIXTURE_OPS).filter((op) => !used.has(op))).to.deep.equal([]);
    });

    for (const c of CASES) {
      it(`${tasksOf(c.op, c.name)} ${c.name} match PyTorch`, () => {
        const fn = FIXTURE_OPS[c.op];
        expect(fn, `no FIXTURE_OPS entry for "${c.op}"`).to.not.equal(undefined);
        const leaves = c.inputs.map((x) => fromFlat(x.values, x.shape, { backend, requiresGrad: true }));
        const seen = leaves.map((leaf, i) => {
          const order = c.inputs[i].permute;
          return order === null ? leaf : leaf.permute(...order);
        });
        const out = fn(seen, c.args);
        expect(out.shape, 'output shape').to.deep.equal(c.output.shape);
        closeAll(out.toFlatArray(), c.output.values, tol, 'output');
        // Indices are constants, as in PyTorch (no gradient flows through them).
        if (!out.isConstant()) out.backward(fromFlat(c.gradOutput, c.output.shape, { backend }));
        leaves.forEach((leaf, i) => {
          const grad = leaf.grad === null ? new Float64Array(leaf.size) : leaf.grad.toFlatArray();
          if (leaf.grad !== null)
            expect(leaf.grad.shape, `gradient shape of input ${i}`).to.deep.equal(c.inputs[i].shape);
          closeAll(grad, c.grads[i], tol, `gradient of input ${i}`);
        });
      });
    }
  },
  {
    matmul: /\b(matmul|linear|sigmoidLayer|linearLayer|sequential|indexSelect|cat|stack)\(/,
    // Basic indexing (`at`, `narrow`) runs no kernel on any backend, forward or backward (the
    // gradient is written through the view's strides on the host): Task 2.1, or 2.4 for a
    // permuted input (permute's backward).
    kernelFree:
      /of (permute|view|transpose)\(\[[\d, ]*\], |of (squeeze|unsqueeze|flatten|viewInfer)\(\[[\d, ]*\][,)]|of sum\(\[\]\) |of (at|narrow)\(/,
  },
);

/** Every value within `tol` (relative for large values). */
function closeAll(got: ArrayLike<number>, want: number[], tol: number, what: string): void {
  expect(got.length, `${what}: number of values`).to.equal(want.length);
  for (let i = 0; i < want.length; i++) {
    expect(got[i], `${what} at ${i}`).to.be.closeTo(want[i], tol * Math.max(1, Math.abs(want[i])));
  }
}

describeEachBackend('Task 4.4 logsoftmax precision', (backend, name) => {
  // Exact float64 log-softmax, for comparison: x − m − log Σ exp(x − m).
  const reference = (xs: number[]): number[] => {
    const m = Math.max(...xs);
    const lse = Math.log(xs.reduce((acc, x) => acc + Math.exp(x - m), 0));
    return xs.map((x) => x - m - lse);
  };
  const tol = name === 'gpu' ? tolerance(name) : 1e-12;

  it('Task 4.4 logsoftmax has no log(x + 1e-6) error: [0.5] gives 0, [1, 2, 3] matches log-sum-exp', () => {
    for (const xs of [[0.5], [1, 2, 3], [-30, 0, 30, 1e-3]]) {
      const x = fromFlat(xs, [1, xs.length], { backend, requiresGrad: true });
      const out = nn.logsoftmax(x, 1);
      closeAll(out.toFlatArray(), reference(xs), tol, `logsoftmax(${xs})`);
      // d/dx Σ_j logsoftmax_j = 1 − n·softmax: exact as well.
      out.sum().backward();
      const softmax = reference(xs).map(Math.exp);
      closeAll(
        x.grad!.toFlatArray(),
        softmax.map((p) => 1 - xs.length * p),
        tol,
        `gradient of logsoftmax(${xs})`,
      );
    }
  });
});
