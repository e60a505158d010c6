/**
 * MiniTorch's six 2-D toy datasets (Task 1.5 onwards): points in the unit square labelled 0
 * or 1 by a simple rule, small enough to train on with scalars and to draw as a picture.
 *
 * Every generator takes a seed, so the same call always gives the same points: a training
 * run can be repeated exactly, and a test can rely on it.
 *
 * @packageDocumentation
 */
import { Random, checkSeed } from '../random';
import { describeValue } from '../validate';

/** A labelled 2-D dataset: `X[i] = [x0, x1]` in the unit square (spiral: around it), `y[i]` is 0 or 1. */
export interface Graph {
  /** Number of points. */
  n: number;
  /** The points, one `[x0, x1]` pair each. */
  X: number[][];
  /** The labels, 0 or 1, one per point. */
  y: number[];
}

/** Makes a dataset of `n` points from a seed (default 42). */
export type DatasetMaker = (n: number, seed?: number) => Graph;

/** Throw unless `n` is a usable number of points. */
function checkCount(name: string, n: number): void {
  if (!Number.isInteger(n) || n < 1) {
    const error = typeof n === 'number' ? RangeError : TypeError;
    throw new error(`datasets.${name}: n must be a positive integer number of points, got ${describeValue(n)}`);
  }
}

/** `n` points uniform in the unit square, labelled by `rule`: the shape of five of the six sets. */
function labelled(name: string, rule: (x0: number, x1: number) => boolean): DatasetMaker {
  return (n, seed = 42) => {
    checkCount(name, n);
    const rng = new Random(checkSeed(seed, `datasets.${name}`));
    const X: number[][] = [];
    for (let i = 0; i < n; i++) X.push([rng.next(), rng.next()]);
    return { n, X, y: X.map(([x0, x1]) => (rule(x0, x1) ? 1 : 0)) };
  };
}

/** Label 1 left of the vertical line x0 = 0.5. */
export const simple = labelled('simple', (x0) => x0 < 0.5);

/** Label 1 below the diagonal x0 + x1 = 0.5 (the bottom-left corner). */
export const diag = labelled('diag', (x0, x1) => x0 + x1 < 0.5);

/** Label 1 in the two outer bands x0 < 0.2 and x0 > 0.8: no single line separates it. */
export const split = labelled('split', (x0) => x0 < 0.2 || x0 > 0.8);

/** Label 1 in the top-left and bottom-right quadrants (exactly one of x0, x1 below 0.5). */
export const xor = labelled('xor', (x0, x1) => x0 < 0.5 !== x1 < 0.5);

/** Label 1 outside the circle of squared radius 0.1 around the centre. */
export const circle = labelled('circle', (x0, x1) => (x0 - 0.5) ** 2 + (x1 - 0.5) ** 2 > 0.1);

/**
 * Two interleaved spirals around the centre, one per label (MiniTorch's hardest set). As in
 * MiniTorch, the outer turns reach a little beyond the unit square. The
 * points are evenly spaced along the curves, so there is nothing random to seed: `seed` is
 * accepted only to share the `DatasetMaker` shape.
 */
export function spiral(n: number, seed = 42): Graph {
  checkCount('spiral', n);
  checkSeed(seed, 'datasets.spiral'); // unused, but a bad one is still a mistake worth naming
  const half = Math.ceil(n / 2);
  // MiniTorch's curve: radius t/20 at angle t, t from 0 to about 10 (5 steps in, so no point
  // sits at the centre where the spirals meet).
  const point = (t: number): [number, number] => [(t * Math.cos(t)) / 20, (t * Math.sin(t)) / 20];
  const X: number[][] = [];
  const y: number[] = [];
  for (let i = 0; i < n; i++) {
    const label = i < half ? 0 : 1;
    const step = (label === 0 ? i : i - half) + 5;
    const t = (10 * step) / Math.max(1, Math.floor(n / 2));
    // The second spiral is the first turned by a half turn and mirrored: (y(-t), x(-t)).
    const [a, b] = label === 0 ? point(t) : point(-t).reverse();
    X.push([a + 0.5, b + 0.5]);
    y.push(label);
  }
  return { n, X, y };
}

/** Every dataset by name: `datasets.xor(100)` or `datasets.datasets["xor"](100)`. */
export const datasets: Record<DatasetName, DatasetMaker> = { simple, diag, split, xor, circle, spiral };

/** The names of the six datasets. */
export type DatasetName = 'simple' | 'diag' | 'split' | 'xor' | 'circle' | 'spiral';

/** The dataset maker called `name`, or an error listing the names there are. */
export function getDataset(name: string): DatasetMaker {
  if (!Object.prototype.hasOwnProperty.call(datasets, name)) {
    throw new Error(`unknown dataset "${name}": choose one of ${Object.keys(datasets).join(', ')}`);
  }
  return datasets[name as DatasetName];
}
