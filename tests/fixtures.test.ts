/**
 * PyTorch oracle: replay every case of tests/fixtures/tensor_ops.json (written by
 * `npm run fixtures`, i.e. scripts/fixtures.py) on every backend, and compare the output and
 * each input's gradient with PyTorch's. Test names carry the op's task: 2.4 for Module 2
 * ops on `simple` (3.2 / 3.4 on `fast` / `gpu`), 4.x for Module 4's.
 */
import { expect } from 'chai';
import * as fs from 'fs';
import * as path from 'path';
import { Tensor, fromFlat, nn } from '../src';
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
  sum: ([a], { dim }) => a.sum(dim as number | undefined),
  mean: ([a], { dim }) => a.mean(dim as number | undefined),
  permute: ([a], { order }) => a.permute(...(order as number[])),
  view: ([a], { shape }) => a.contiguous().view(...(shape as number[])),
  contiguous: ([a]) => a.contiguous(),
  transpose: ([a], { dim0, dim1 }) => a.transpose(dim0 as number, dim1 as number),
  matmul: ([a, b]) => a.matmul(b),
  linear: ([x, w, b]) => x.matmul(w).add(b),
  sigmoidLayer: ([x, w, b]) => x.matmul(w).add(b).relu().sum(1).sigmoid(),
  conv1d: ([x, w]) => nn.conv1d(x, w),
  conv2d: ([x, w]) => nn.conv2d(x, w),
  avgpool2d: ([x], { kernel }) => nn.avgpool2d(x, kernel as [number, number]),
  maxpool2d: ([x], { kernel }) => nn.maxpool2d(x, kernel as [number, number]),
  max: ([x], { dim }) => nn.max(x, dim as number),
  softmax: ([x], { dim }) => nn.softmax(x, dim as number),
  logsoftmax: ([x], { dim }) => nn.logsoftmax(x, dim as number),
};

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
  if (op in MODULE4_TASKS) return `Task ${MODULE4_TASKS[op]} forward and gradients of`;
  // A view of contiguous data runs no kernel: Task 2.1's strides are all it needs.
  if (op === 'view' && !name.includes('.permute(')) return 'Task 2.1 forward and gradients of';
  return `Task ${needsBackward(op, name) ? '2.4' : '2.3'} forward and gradients of`;
}

/** Ops whose backward the students write in Task 2.4 (the others' backward is given). */
const WRITTEN_BACKWARD = new Set(['sigmoid', 'relu', 'log', 'exp', 'inv', 'mul', 'div', 'sum', 'mean', 'permute', 'transpose', 'linear', 'sigmoidLayer']);

/**
 * Whether a case's gradients need Task 2.4's code: an op whose backward is written there,
 * a permuted input (permute's backward), or inputs of different shapes, whose gradients
 * are summed back by `sumTo` (for add, sub, mul, div; matmul's batch dims). Comparisons
 * have zero gradients whatever the shapes.
 */
function needsBackward(op: string, name: string): boolean {
  const [a, b] = [...name.matchAll(/\[[\d, ]*\]/g)].map((m) => m[0]);
  const broadcast = ['add', 'sub', 'mul', 'div'].includes(op) && a !== b;
  const batched = op === 'matmul' && (a.split(',').length > 2 || b.split(',').length > 2) && a.split(',').slice(0, -2).join() !== b.split(',').slice(0, -2).join();
  return WRITTEN_BACKWARD.has(op) || name.includes('.permute(') || broadcast || batched;
}

const CASES = loadFixtures();

describeEachBackend('PyTorch fixtures', (backend, name) => {
  // PyTorch's log has no +1e-6; comparisons against float64 torch allow for it.
  const tol = Math.max(tolerance(name), 1e-5);

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
      out.backward(fromFlat(c.gradOutput, c.output.shape, { backend }));
      leaves.forEach((leaf, i) => {
        const grad = leaf.grad === null ? new Float64Array(leaf.size) : leaf.grad.toFlatArray();
        if (leaf.grad !== null) expect(leaf.grad.shape, `gradient shape of input ${i}`).to.deep.equal(c.inputs[i].shape);
        closeAll(grad, c.grads[i], tol, `gradient of input ${i}`);
      });
    });
  }
}, { matmul: /\b(matmul|linear|sigmoidLayer)\(/, kernelFree: /of (permute|view|transpose)\(\[[\d, ]*\], / });

/** Every value within `tol` (relative for large values). */
function closeAll(got: ArrayLike<number>, want: number[], tol: number, what: string): void {
  expect(got.length, `${what}: number of values`).to.equal(want.length);
  for (let i = 0; i < want.length; i++) {
    expect(got[i], `${what} at ${i}`).to.be.closeTo(want[i], tol * Math.max(1, Math.abs(want[i])));
  }
}
