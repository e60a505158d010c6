/**
 * Feedback while an image classifier trains (Module 4): a progress line updated in place
 * (batch k of N, running loss, time) within a second of the start, and loss and accuracy
 * curves, in separate panels, redrawn as points arrive, from the first tenth of the first
 * epoch on.
 *
 * @packageDocumentation
 */
import type { BatchProgress, ImageEpochStats } from '../apps/mnistTraining';
import { VEGA_LITE_SCHEMA, VegaLiteSpec } from './render';
import { LiveDisplay, ShowOptions, liveDisplay } from './show';
import { integerAxis } from './training';
import { checkOptions } from '../validate';

/** A running-loss point: `epoch` is fractional (1.5 = half way through epoch 2, counted from 0 at the start). */
export interface LossPoint {
  epoch: number;
  loss: number;
}

/** Accuracy after an epoch on one split ("training" or "held-out"). */
export interface AccuracyPoint {
  epoch: number;
  accuracy: number;
  split: string;
}

/**
 * Two panels side by side: the running training loss (points, joined) and the training and
 * held-out accuracy after each epoch, each with its own y axis, epochs on integer ticks.
 */
export function imageTrainingChart(
  loss: readonly LossPoint[],
  accuracy: readonly AccuracyPoint[],
  options: { title?: string; epochs?: number } = {},
): VegaLiteSpec {
  checkOptions('imageTrainingChart', options, ['title', 'epochs']);
  const epochs =
    options.epochs ?? Math.max(1, Math.ceil(Math.max(0, ...loss.map((p) => p.epoch), ...accuracy.map((p) => p.epoch))));
  const x = {
    field: 'epoch',
    type: 'quantitative',
    title: 'epoch',
    scale: { domain: [0, epochs], nice: false },
    axis: integerAxis(epochs + 1),
  };
  return {
    $schema: VEGA_LITE_SCHEMA,
    ...(options.title !== undefined ? { title: options.title } : {}),
    hconcat: [
      {
        title: 'training loss (running mean)',
        width: 240,
        height: 160,
        // Copies: vega tags the objects it draws, and these arrays belong to the caller.
        data: { values: loss.map((p) => ({ ...p })) },
        mark: { type: 'line', point: true, tooltip: true },
        encoding: { x, y: { field: 'loss', type: 'quantitative', title: 'loss', scale: { zero: true } } },
      },
      {
        title: 'accuracy after each epoch',
        width: 240,
        height: 160,
        data: { values: accuracy.map((p) => ({ ...p })) },
        mark: { type: 'line', point: { size: 60 }, tooltip: true },
        encoding: {
          x,
          y: {
            field: 'accuracy',
            type: 'quantitative',
            title: 'accuracy',
            scale: { domain: [0, 1] },
            axis: { format: '%' },
          },
          color: { field: 'split', type: 'nominal', title: null, scale: { domain: ['training', 'held-out'] } },
        },
      },
    ],
    resolve: { scale: { x: 'independent', y: 'independent' } },
  };
}

/** Settings of an `ImageTrainingDisplay`. */
export interface ImageTrainingDisplayOptions extends ShowOptions {
  /** Total epochs (fixes the x axis so it does not jump). */
  epochs: number;
  /** Chart title. */
  title?: string;
  /** Least seconds between two progress lines (default 0.5). */
  textEvery?: number;
  /** Loss points per epoch on the chart (default 10). */
  pointsPerEpoch?: number;
}

/**
 * The progress line and the live curves of `trainMnist`, e.g.
 *
 * ```ts
 * const display = new viz.ImageTrainingDisplay({ epochs: 3, title: "LeNet on MNIST" });
 * await trainMnist(train, test, { epochs: 3, onBatch: (b) => display.batch(b), onEpoch: (s) => display.epoch(s) });
 * ```
 */
export class ImageTrainingDisplay {
  /** Running-loss points drawn so far. */
  readonly loss: LossPoint[] = [];
  /** Accuracy points drawn so far. */
  readonly accuracy: AccuracyPoint[] = [];
  private readonly text: LiveDisplay;
  private readonly chart: LiveDisplay;
  private readonly began = Date.now();
  private lastText = -Infinity;
  private nextPoint: number;

  constructor(private readonly options: ImageTrainingDisplayOptions) {
    checkOptions(
      'ImageTrainingDisplay',
      options,
      ['epochs', 'title', 'textEvery', 'pointsPerEpoch', 'name', 'outDir'],
      true,
    );
    if (!Number.isInteger(options.epochs) || options.epochs < 1)
      throw new RangeError(`ImageTrainingDisplay: epochs must be a positive integer, got ${options.epochs}`);
    const per = options.pointsPerEpoch ?? 10;
    if (!Number.isInteger(per) || per < 1)
      throw new RangeError(`ImageTrainingDisplay: pointsPerEpoch must be a positive integer, got ${per}`);
    this.nextPoint = 1 / per;
    // Text first, so the progress line sits above the chart.
    this.text = liveDisplay({ name: `${options.name ?? 'image-training'}-progress`, outDir: options.outDir });
    this.chart = liveDisplay({ name: options.name ?? 'image-training', outDir: options.outDir });
  }

  private seconds(): string {
    return `${((Date.now() - this.began) / 1000).toFixed(0)} s`;
  }

  /** Record a batch: updates the progress line (throttled) and adds a loss point every tenth of an epoch. */
  async batch(b: Omit<BatchProgress, 'model'>): Promise<void> {
    const now = Date.now();
    const at = b.epoch - 1 + b.done;
    const addPoint = at >= this.nextPoint - 1e-9;
    if (
      b.batch === 1 ||
      b.batch === b.batches ||
      addPoint ||
      now - this.lastText >= 1000 * (this.options.textEvery ?? 0.5)
    ) {
      this.lastText = now;
      await this.text.updateText(
        `epoch ${b.epoch} of ${this.options.epochs}: batch ${b.batch} of ${b.batches}, running loss ${b.loss.toFixed(3)} (${this.seconds()})`,
      );
    }
    if (addPoint) {
      this.loss.push({ epoch: +at.toFixed(3), loss: b.loss });
      this.nextPoint += 1 / (this.options.pointsPerEpoch ?? 10);
      await this.draw();
    }
  }

  /** Record an epoch's accuracies and redraw. */
  async epoch(s: ImageEpochStats): Promise<void> {
    this.accuracy.push(
      { epoch: s.epoch, accuracy: s.trainAccuracy, split: 'training' },
      { epoch: s.epoch, accuracy: s.testAccuracy, split: 'held-out' },
    );
    await this.text.updateText(
      `epoch ${s.epoch} of ${this.options.epochs} done: loss ${s.loss.toFixed(3)}, training accuracy ${(100 * s.trainAccuracy).toFixed(1)}%, held-out ${(100 * s.testAccuracy).toFixed(1)}% (${this.seconds()})`,
    );
    await this.draw();
  }

  /** Redraw the chart now. Returns the SVG path outside a notebook. */
  async draw(): Promise<string | undefined> {
    return this.chart.update(
      imageTrainingChart(this.loss, this.accuracy, { title: this.options.title, epochs: this.options.epochs }),
    );
  }
}
