/** The 2-D data sets of the training demos: the library's, or points clicked in (`points=x,y,label;…`). */
import { getDataset, type Graph } from '../../src/apps/datasets';
import type { JobContext } from './context';

/** Side of the grid a decision surface is sampled on. */
export const GRID = 30;

/** The points of the grid, row by row from the top (x1 = 1) down, as [x0, x1] pairs. */
export function gridPoints(side = GRID): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (let r = 0; r < side; r++) {
    for (let c = 0; c < side; c++) out.push([(c + 0.5) / side, 1 - (r + 0.5) / side]);
  }
  return out;
}

/** The run's data set: `dataset` of `n` points with the run's seed, or the `points` clicked in. */
export function datasetOf(ctx: JobContext): Graph {
  const points = ctx.str('points', '');
  if (ctx.str('dataset', 'xor') === 'custom') {
    const X: number[][] = [];
    const y: number[] = [];
    for (const p of points.split(';').filter((s) => s !== '')) {
      const [a, b, label] = p.split(',').map(Number);
      if (![a, b].every((v) => v >= 0 && v <= 1) || (label !== 0 && label !== 1))
        throw new RangeError(`points: each point is x,y,label with x and y in [0, 1] and label 0 or 1, got "${p}"`);
      X.push([a, b]);
      y.push(label);
    }
    if (X.length === 0) throw new RangeError('points: click in the plot to add points (shift-click for label 0)');
    return { n: X.length, X, y };
  }
  return getDataset(ctx.str('dataset', 'xor'))(
    ctx.num('n', 50, { min: 2, max: 1000, integer: true }),
    ctx.num('seed', 1, { integer: true, min: 0 }),
  );
}
