/**
 * Pictures of training on the 2-D datasets, for any model: the decision boundary (the
 * model's probability of label 1 over the unit square, as a heat map under the points), the
 * loss and accuracy curves, and `TrainingDisplay`, which redraws all three in place while a
 * model trains.
 *
 * Nothing here knows about Scalars or Tensors: a model is seen only through
 * `predict(x0, x1)`, its probability of label 1 at a point, so the scalar network of Module 1
 * and the tensor networks of later modules share these charts.
 *
 * @packageDocumentation
 */
import type { Graph } from '../apps/datasets';
import type { EpochStats } from '../apps/scalarNetwork';
import { heatmapPng } from './png';
import { VEGA_LITE_SCHEMA, VegaLiteSpec } from './render';
import { LiveDisplay, ShowOptions, liveDisplay } from './show';
import { checkOptions } from '../validate';

/** The keys of `TrainingChartOptions`, for `checkOptions`. */
const TRAINING_CHART_OPTIONS = ['title', 'width', 'height', 'resolution'];

/** A model as the charts see it: the probability that the point (x0, x1) has label 1. */
export type Predictor = (x0: number, x1: number) => number;

/**
 * One epoch's numbers: `epoch` (from 1), mean `loss` and `accuracy` in [0, 1]. The shape
 * `trainScalar` reports; tensor training reports the same.
 */
export type EpochRecord = EpochStats;

/** Size and detail of the training charts. */
export interface TrainingChartOptions {
  /** Chart title. */
  title?: string;
  /** Plot width in pixels (default 300). */
  width?: number;
  /** Plot height in pixels (default 300 for the boundary, 200 for curves). */
  height?: number;
  /** Cells per side of the decision-boundary grid (default 30). */
  resolution?: number;
}

/**
 * The model's probability at the centre of each cell of a `resolution`² grid over [lo, hi]²,
 * row-major from the top row (largest x1) down, as an image is stored.
 */
function probabilityGrid(predict: Predictor, resolution: number, lo: number, hi: number): Float64Array {
  if (!Number.isInteger(resolution) || resolution < 2) {
    throw new RangeError(`decisionBoundaryChart: resolution must be an integer >= 2, got ${resolution}`);
  }
  const grid = new Float64Array(resolution * resolution);
  const size = (hi - lo) / resolution;
  for (let row = 0; row < resolution; row++) {
    const x1 = lo + (resolution - 1 - row + 0.5) * size;
    for (let col = 0; col < resolution; col++) {
      const x0 = lo + (col + 0.5) * size;
      const p = predict(x0, x1);
      if (!Number.isFinite(p))
        throw new Error(`decisionBoundaryChart: predict(${x0}, ${x1}) returned ${p}, not a number`);
      grid[row * resolution + col] = p;
    }
  }
  return grid;
}

/**
 * The decision boundary: the model's probability of label 1 over the unit square (or the
 * points' extent, if larger) as a heat map (blue 0 → orange 1), with the dataset's points on
 * top, coloured by their true label. The heat map is one PNG image under the axes (a few
 * kilobytes, where a rectangle per cell made each chart 200 kB of SVG).
 */
export function decisionBoundaryChart(
  predict: Predictor,
  data: Graph,
  options: TrainingChartOptions = {},
): VegaLiteSpec {
  checkOptions('decisionBoundaryChart', options, TRAINING_CHART_OPTIONS);
  if (data.X.length !== data.y.length)
    throw new Error(`decisionBoundaryChart: X has ${data.X.length} points but y has ${data.y.length} labels`);
  // The unit square, grown to take in points outside it (the spiral's outer turns).
  const coords = data.X.flat();
  const lo = Math.min(0, ...coords);
  const hi = Math.max(1, ...coords);
  const unit = { domain: [lo, hi], nice: false, zero: false, padding: 0 };
  const points = data.X.map(([x0, x1], i) => ({ x0, x1, label: String(data.y[i]) }));
  const width = options.width ?? 300;
  const height = options.height ?? 300;
  const resolution = options.resolution ?? 30;
  const url = heatmapPng(probabilityGrid(predict, resolution, lo, hi), resolution, resolution, {
    scheme: 'blueorange',
    domain: [0, 1],
    outWidth: width,
    outHeight: height,
  });
  return {
    $schema: VEGA_LITE_SCHEMA,
    ...(options.title !== undefined ? { title: options.title } : {}),
    width,
    height,
    layer: [
      {
        // The top-left corner of the picture is (lo, hi); it fills the plot exactly.
        data: { values: [{ x0: lo, x1: hi, url }] },
        mark: {
          type: 'image',
          width,
          height,
          align: 'left',
          baseline: 'top',
          aspect: false,
          aria: false,
          opacity: 0.8,
        },
        encoding: {
          x: { field: 'x0', type: 'quantitative', scale: unit, title: 'x0' },
          y: { field: 'x1', type: 'quantitative', scale: unit, title: 'x1' },
          url: { field: 'url', type: 'nominal' },
        },
      },
      {
        data: { values: points },
        mark: { type: 'point', filled: true, size: 40, stroke: 'black', strokeWidth: 0.7, opacity: 1 },
        encoding: {
          x: { field: 'x0', type: 'quantitative', scale: unit },
          y: { field: 'x1', type: 'quantitative', scale: unit },
          // The background uses the same two colours: blue where P(label 1) is near 0.
          fill: {
            field: 'label',
            type: 'nominal',
            scale: { domain: ['0', '1'], range: ['#2b6cb0', '#e8590c'] },
            title: 'label',
          },
        },
      },
    ],
  };
}

/**
 * An axis for epoch numbers: whole numbers only (no 1.2, 1.4), about six ticks however many
 * epochs there are.
 */
export function integerAxis(count: number): object {
  return { format: 'd', tickMinStep: 1, tickCount: Math.max(1, Math.min(6, count)) };
}

/**
 * At most about `max` records, evenly spaced, first and last kept: a 2,000-epoch curve drawn
 * from 250 points looks the same and stores an eighth of the numbers in the notebook.
 */
export function thinHistory<T>(history: readonly T[], max = 250): T[] {
  if (history.length <= max) return [...history];
  const step = Math.ceil(history.length / max);
  const kept = history.filter((_, i) => i % step === 0);
  if ((history.length - 1) % step !== 0) kept.push(history[history.length - 1]);
  return kept;
}

/** One curve over epochs of `field` from the history. */
function curve(
  history: readonly EpochRecord[],
  field: 'loss' | 'accuracy',
  options: TrainingChartOptions,
  yScale: object,
): VegaLiteSpec {
  return {
    $schema: VEGA_LITE_SCHEMA,
    title: options.title ?? field,
    width: options.width ?? 300,
    height: options.height ?? 200,
    data: { values: thinHistory(history).map((r) => ({ epoch: r.epoch, [field]: r[field] })) },
    // Points while there are few: a single epoch draws no line, and the first point should
    // show at once; hundreds of points would only weigh down the picture.
    mark: { type: 'line', point: history.length <= 60, tooltip: true },
    encoding: {
      x: { field: 'epoch', type: 'quantitative', axis: integerAxis(history.length) },
      y: { field, type: 'quantitative', scale: yScale },
    },
  };
}

/** Mean loss per epoch. */
export function lossChart(history: readonly EpochRecord[], options: TrainingChartOptions = {}): VegaLiteSpec {
  checkOptions('lossChart', options, TRAINING_CHART_OPTIONS);
  return curve(history, 'loss', { title: 'loss', ...options }, { zero: true });
}

/** Accuracy per epoch, on a fixed 0–1 axis so runs compare at a glance. */
export function accuracyChart(history: readonly EpochRecord[], options: TrainingChartOptions = {}): VegaLiteSpec {
  checkOptions('accuracyChart', options, TRAINING_CHART_OPTIONS);
  return curve(history, 'accuracy', { title: 'accuracy', ...options }, { domain: [0, 1] });
}

/** The three training charts side by side: decision boundary, loss, accuracy. */
export function trainingChart(
  predict: Predictor,
  data: Graph,
  history: readonly EpochRecord[],
  title?: string,
): VegaLiteSpec {
  const strip = (spec: VegaLiteSpec): VegaLiteSpec => {
    const { $schema: _schema, ...rest } = spec;
    return rest;
  };
  const last = history[history.length - 1];
  const status = last
    ? `epoch ${last.epoch}: loss ${last.loss.toFixed(4)}, accuracy ${(100 * last.accuracy).toFixed(1)}%`
    : 'not trained yet';
  return {
    $schema: VEGA_LITE_SCHEMA,
    title: title ? `${title} — ${status}` : status,
    hconcat: [
      strip(
        decisionBoundaryChart(predict, data, { title: 'decision boundary', width: 220, height: 220, resolution: 25 }),
      ),
      {
        vconcat: [
          strip(lossChart(history, { width: 220, height: 85 })),
          strip(accuracyChart(history, { width: 220, height: 85 })),
        ],
      },
    ],
    // The boundary's colour scale and the curves have nothing in common.
    resolve: { scale: { color: 'independent' } },
  };
}

/** Settings of a `TrainingDisplay`. */
export interface TrainingDisplayOptions extends ShowOptions {
  /** Redraw every this many epochs (default 10); `finish` always draws the last one. */
  every?: number;
  /** Shown before the epoch status in the chart's title, e.g. the dataset's name. */
  title?: string;
}

/**
 * Live training charts: decision boundary, loss and accuracy, redrawn in place every few
 * epochs (one output in a notebook; `<outDir>/<name>.svg` and `.html` elsewhere). Works for
 * any model, e.g.
 *
 * ```ts
 * const display = new TrainingDisplay(data, { every: 20, title: "xor" });
 * await trainScalar(data, { onEpoch: (stats, predict) => display.log(stats, predict) });
 * await display.finish();
 * ```
 */
export class TrainingDisplay {
  /** Every record passed to `log`, in order. */
  readonly history: EpochRecord[] = [];
  private readonly every: number;
  private readonly live: LiveDisplay;
  private lastPredict: Predictor | undefined;
  private drawnEpoch = -1;

  constructor(
    readonly data: Graph,
    private readonly options: TrainingDisplayOptions = {},
  ) {
    checkOptions('TrainingDisplay', options, ['every', 'title', 'name', 'outDir']);
    this.every = options.every ?? 10;
    if (!Number.isInteger(this.every) || this.every < 1)
      throw new RangeError(`TrainingDisplay: every must be a positive integer, got ${options.every}`);
    this.live = liveDisplay({ name: options.name ?? 'training', outDir: options.outDir });
  }

  /** Record an epoch; redraw when its number is a multiple of `every` (or it is the first). */
  async log(record: EpochRecord, predict: Predictor): Promise<void> {
    this.history.push({ epoch: record.epoch, loss: record.loss, accuracy: record.accuracy });
    this.lastPredict = predict;
    if (record.epoch === 1 || record.epoch % this.every === 0) await this.draw();
  }

  /** Draw the latest state now (once per epoch). Returns the SVG path outside a notebook. */
  async draw(): Promise<string | undefined> {
    const last = this.history[this.history.length - 1];
    if (!this.lastPredict || !last)
      throw new Error('TrainingDisplay.draw: nothing to draw yet; call log(record, predict) first');
    this.drawnEpoch = last.epoch;
    return this.live.update(trainingChart(this.lastPredict, this.data, this.history, this.options.title));
  }

  /** Draw the final epoch if `log` has not drawn it already. */
  async finish(): Promise<string | undefined> {
    const last = this.history[this.history.length - 1];
    if (last && last.epoch !== this.drawnEpoch) return this.draw();
    return undefined;
  }
}
