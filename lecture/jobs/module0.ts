/**
 * Module 0's demos: an operator with its derivative and a central difference overlaid, the
 * manual classifier of Task 0.5 (w1, w2, b of Linear(2,1)+sigmoid by hand over the linear data
 * set), and a module tree.
 */
import { centralDifference } from '../../src/autodiff';
import { datasets } from '../../src/apps/datasets';
import { Network } from '../../src/apps/scalarNetwork';
import { MLP } from '../../src/layers';
import * as ops from '../../src/operators';
import { moduleTableHtml } from '../../src/viz/moduleTree';
import type { JobContext } from './context';
import { gridPoints } from './data';

/** Each operator of one number, with its derivative as the library writes it (or as the students do). */
const OPERATORS: Record<string, { f: (x: number) => number; d: (x: number) => number; from: number; to: number }> = {
  sigmoid: { f: ops.sigmoid, d: (x) => ops.sigmoidBack(x, 1), from: -6, to: 6 },
  relu: { f: ops.relu, d: (x) => ops.reluBack(x, 1), from: -3, to: 3 },
  log: { f: ops.log, d: (x) => ops.logBack(x, 1), from: 0.1, to: 4 },
  exp: { f: ops.exp, d: (x) => ops.expBack(x, 1), from: -3, to: 2 },
  inv: { f: ops.inv, d: (x) => ops.invBack(x, 1), from: 0.25, to: 4 },
  neg: { f: ops.neg, d: () => -1, from: -3, to: 3 },
};

export async function operatorPlot(ctx: JobContext): Promise<unknown> {
  const name = ctx.str('op', 'sigmoid');
  const op = OPERATORS[name];
  if (op === undefined) throw new RangeError(`op must be one of ${Object.keys(OPERATORS).join(', ')}, got "${name}"`);
  const xs = Array.from({ length: 81 }, (_, i) => op.from + ((op.to - op.from) * i) / 80);
  const numericXs = xs.filter((_, i) => i % 5 === 0);
  return {
    name,
    xs,
    f: xs.map(op.f),
    d: xs.map(op.d),
    numericXs,
    numeric: numericXs.map((x) => centralDifference(op.f, [x])),
  };
}

/** Task 0.5 by hand: prob = sigmoid(w1·x0 + w2·x1 + b) over the linear ("simple") data set. */
export async function manualClassifier(ctx: JobContext): Promise<unknown> {
  const w1 = ctx.num('w1', 1, { min: -20, max: 20 });
  const w2 = ctx.num('w2', 0, { min: -20, max: 20 });
  const b = ctx.num('b', 0, { min: -20, max: 20 });
  const data = datasets.simple(
    ctx.num('n', 50, { min: 2, max: 500, integer: true }),
    ctx.num('seed', 1, { integer: true, min: 0 }),
  );
  const prob = (x0: number, x1: number) => ops.sigmoid(ops.add(ops.add(ops.mul(w1, x0), ops.mul(w2, x1)), b));
  const correct = data.X.filter(([x0, x1], i) => (prob(x0, x1) > 0.5 ? 1 : 0) === data.y[i]).length;
  return { points: data, surface: gridPoints().map(([a, c]) => prob(a, c)), correct, n: data.X.length };
}

/** A module tree: the scalar network of Module 1, or the tensor MLP of Module 2. */
export async function moduleTree(ctx: JobContext): Promise<unknown> {
  const which = ctx.str('model', 'scalar');
  const hidden = ctx.num('hidden', 2, { min: 1, max: 16, integer: true });
  const model = which === 'mlp' ? new MLP([2, hidden, hidden, 1]) : new Network(hidden);
  return { html: moduleTableHtml(model, 'model'), parameters: model.parameters().length };
}
