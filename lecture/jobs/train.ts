/**
 * The training demos: Module 1's network of Scalars (the students' `Network`,
 * `binaryCrossEntropy`, `sgdStep`), Module 2's tensor MLP on one backend, and Module 3's race
 * of the same seeded network on several backends, one epoch each in turn.
 */
import { noGrad, topologicalSort } from '../../src/autodiff';
import { FastBackend } from '../../src/backends/fast/backend';
import { getBackend } from '../../src/backends/registry';
import { tidy } from '../../src/lifetimes';
import { prestartWorkers } from '../../src/platform/browser';
import type { TensorBackend } from '../../src/tensorOps';
import { MLP } from '../../src/layers';
import { binaryCrossEntropy as bce } from '../../src/losses';
import { SGD } from '../../src/optim';
import { Random } from '../../src/random';
import { Network, binaryCrossEntropy, sgdStep } from '../../src/apps/scalarNetwork';
import { fromFlat, type Tensor } from '../../src/tensor';
import { graphToDot } from '../../src/viz/graph';
import type { JobContext } from './context';
import { datasetOf, gridPoints } from './data';

/** Side of each hidden unit's heat map. */
const UNIT_GRID = 16;
/** Draw the surface at most this often while playing (ms). */
const DRAW_EVERY_MS = 120;
/** The graph of one prediction is drawn up to this many nodes (Graphviz takes seconds past it). */
const GRAPH_LIMIT = 160;

/** The common settings of a training run. */
function settings(ctx: JobContext) {
  return {
    hidden: ctx.num('hidden', 10, { min: 1, max: 64, integer: true }),
    lr: ctx.num('lr', 0.5, { min: 1e-6, max: 100 }),
    epochs: ctx.num('epochs', 300, { min: 1, max: 100000, integer: true }),
    seed: ctx.num('seed', 1, { min: 0, integer: true }),
  };
}

/** Module 1: the network of Scalars, epoch by epoch, with its surface and hidden units. */
export async function scalarTraining(ctx: JobContext): Promise<unknown> {
  const data = datasetOf(ctx);
  const { hidden, lr, epochs, seed } = settings(ctx);
  const model = new Network(hidden, seed);
  const parameters = model.parameters();
  const grid = gridPoints();
  const unitGrid = gridPoints(UNIT_GRID);
  const n = data.X.length;
  const picture = () => ({
    surface: grid.map(([a, b]) => model.predict(a, b)),
    // Each first-layer unit's ReLU over the plane, from its two weights and bias.
    units: Array.from({ length: hidden }, (_, j) => {
      const [w0, w1, b] = [
        model.layer1.weight(0, j).data,
        model.layer1.weight(1, j).data,
        model.layer1.bias[j].value.data,
      ];
      return unitGrid.map(([x0, x1]) => Math.max(0, b + w0 * x0 + w1 * x1));
    }),
  });
  // One prediction's graph: why scalars are slow (every multiply is a node).
  const prob = model.forward([data.X[0][0], data.X[0][1]]);
  const nodes = topologicalSort(prob);
  ctx.emit({
    points: data,
    graph: { nodes: nodes.length, dot: nodes.length <= GRAPH_LIMIT ? graphToDot(prob) : null },
    ...picture(),
    epoch: 0,
  });
  let drawn = 0;
  let last = { loss: NaN, accuracy: NaN };
  for (let epoch = 1; epoch <= epochs; epoch++) {
    await ctx.turn();
    let totalLoss = 0;
    let correct = 0;
    for (let i = 0; i < n; i++) {
      const p = model.forward([data.X[i][0], data.X[i][1]]);
      const loss = binaryCrossEntropy(p, data.y[i]);
      loss.div(n).backward();
      totalLoss += loss.data;
      if ((p.data > 0.5 ? 1 : 0) === data.y[i]) correct += 1;
    }
    sgdStep(parameters, lr);
    last = { loss: totalLoss / n, accuracy: correct / n };
    const now = performance.now();
    const draw = !ctx.isPlaying || epoch === epochs || now - drawn > DRAW_EVERY_MS;
    if (draw) drawn = now;
    ctx.emit({ epoch, ...last, ...(draw ? picture() : {}) });
  }
  return last;
}

/** One tensor network in training: its model, optimizer and data on one backend. */
interface TensorRun {
  backend: string;
  on: TensorBackend;
  model: MLP;
  optimizer: SGD;
  X: Tensor;
  y: Tensor;
  labels: number[];
}

function tensorRun(ctx: JobContext, label: string, backend: TensorBackend): TensorRun {
  const data = datasetOf(ctx);
  const { hidden, lr, seed } = settings(ctx);
  const n = data.X.length;
  const model = new MLP([2, hidden, hidden, 1], { backend, rng: new Random(seed) });
  return {
    backend: label,
    on: backend,
    model,
    optimizer: new SGD(model.parameters(), { lr }),
    X: fromFlat(data.X.flat(), [n, 2], { backend }),
    y: fromFlat(data.y, [n, 1], { backend }),
    labels: data.y,
  };
}

/**
 * One full-batch epoch, as `trainTensor` runs it (in `tidy`, so its tensors are released when
 * it ends); reading the loss back waits for the device.
 */
function tensorEpoch(run: TensorRun): { loss: number; accuracy: number; ms: number } {
  const start = performance.now();
  return tidy(() => {
    run.optimizer.zeroGrad();
    const prob = run.model.forward(run.X);
    const loss = bce(prob, run.y);
    loss.backward();
    run.optimizer.step();
    const value = loss.item();
    const p = prob.toFlatArray();
    const correct = run.labels.filter((label, i) => (p[i] > 0.5 ? 1 : 0) === label).length;
    return { loss: value, accuracy: correct / run.labels.length, ms: performance.now() - start };
  });
}

/** The decision surface of a tensor network, in one forward pass over the grid. */
function tensorSurface(run: TensorRun): number[] {
  const grid = gridPoints();
  return tidy(() =>
    noGrad(() =>
      Array.from(run.model.forward(fromFlat(grid.flat(), [grid.length, 2], { backend: run.on })).toFlatArray()),
    ),
  );
}

/** Module 2: the tensor MLP on one backend, with time per epoch. */
export async function tensorTraining(ctx: JobContext): Promise<unknown> {
  const { epochs } = settings(ctx);
  const run = tensorRun(ctx, ctx.backend, getBackend(ctx.backend));
  ctx.emit({ points: datasetOf(ctx), surface: tensorSurface(run), epoch: 0, backend: ctx.backend });
  let drawn = 0;
  let last = { loss: NaN, accuracy: NaN, ms: NaN };
  for (let epoch = 1; epoch <= epochs; epoch++) {
    await ctx.turn();
    last = tensorEpoch(run);
    const now = performance.now();
    const draw = !ctx.isPlaying || epoch === epochs || now - drawn > DRAW_EVERY_MS;
    if (draw) drawn = now;
    ctx.emit({ epoch, ...last, ...(draw ? { surface: tensorSurface(run) } : {}) });
  }
  return last;
}

/** Module 3: the same seeded network on each backend that runs here, one epoch each in turn. */
export async function race(ctx: JobContext): Promise<unknown> {
  const { epochs } = settings(ctx);
  const wanted = ctx.str('backends', 'simple,fast,gpu').split(',');
  const available = (b: string) =>
    b === 'simple' || (b === 'fast' && ctx.backend !== 'simple') || (b === 'gpu' && ctx.backend === 'gpu');
  const runs = wanted.filter(available).map((b) => tensorRun(ctx, b, getBackend(b as 'simple' | 'fast' | 'gpu')));
  const skipped = wanted.filter((b) => !available(b));
  // The fast backend with 1…N threads too, each its own pool: its helpers started first (a
  // blocked thread cannot start them).
  const threads = ctx
    .str('workers', '')
    .split(',')
    .filter((w) => w !== '')
    .map(Number);
  if (threads.some((t) => !Number.isInteger(t) || t < 1 || t > 64))
    throw new RangeError(`workers must be thread counts from 1 to 64, e.g. "1,2,4", got "${ctx.str('workers', '')}"`);
  if (ctx.backend !== 'simple') {
    await prestartWorkers(
      'fast',
      threads.reduce((sum, t) => sum + t - 1, 0),
    );
    for (const t of threads) runs.push(tensorRun(ctx, `fast×${t}`, new FastBackend({ workers: t })));
  } else skipped.push(...threads.map((t) => `fast×${t}`));
  ctx.emit({ backends: runs.map((r) => r.backend), skipped, epoch: 0 });
  const finals: Record<string, { loss: number; accuracy: number; ms: number }> = {};
  for (let epoch = 1; epoch <= epochs; epoch++) {
    await ctx.turn();
    const results = runs.map((r) => ({ backend: r.backend, ...tensorEpoch(r) }));
    for (const r of results) finals[r.backend] = r;
    ctx.emit({ epoch, results });
  }
  return finals;
}
