/**
 * Module 4 — training MiniTorch's LeNet-style network on MNIST digits (Task 4.5).
 *
 * @packageDocumentation
 */
import { noGrad } from '../autodiff';
import { tidy } from '../lifetimes';
import { BackendLike, getBackend } from '../backends/registry';
import { Conv2d, Dropout, Linear, LayerOptions } from '../layers';
import { nllLoss } from '../losses';
import { Module } from '../module';
import { ImageDataset } from './mnist';
import * as nn from '../nn';
import { Adam, Optimizer } from '../optim';
import { Random } from '../random';
import { Tensor, checkTensor, fromFlat } from '../tensor';
import { checkFunction, checkInt, checkOptions, checkPositive, tooManyArguments } from '../validate';

/**
 * MiniTorch's network: conv 1→4 (3×3), conv 4→8 (3×3), 4×4 average pool, linear 392→64,
 * dropout, linear 64→10, log-softmax. Input [batch, 1, 28, 28]; output log-probabilities.
 */
export class LeNet extends Module {
  conv1: Conv2d;
  conv2: Conv2d;
  linear1: Linear;
  linear2: Linear;
  dropout: Dropout;

  constructor(options: LayerOptions & { classes?: number } = {}) {
    super();
    if (arguments.length > 1) tooManyArguments('LeNet', 1, arguments.length, 'options');
    checkOptions('LeNet', options, ['backend', 'rng', 'classes']);
    if (options.classes !== undefined) checkInt('LeNet', 'classes', options.classes, 1);
    const rng = options.rng ?? new Random(0);
    const layer = { backend: options.backend, rng };
    // padding 'end': the course's convolution, as large as its input (PyTorch's layers default to 0).
    this.conv1 = new Conv2d(1, 4, [3, 3], { ...layer, padding: 'end' });
    this.conv2 = new Conv2d(4, 8, [3, 3], { ...layer, padding: 'end' });
    this.linear1 = new Linear(392, 64, layer);
    this.linear2 = new Linear(64, options.classes ?? 10, layer);
    this.dropout = new Dropout(0.25, { rng });
  }

  /** [batch, 1, 28, 28] → [batch, classes] log-probabilities. */
  forward(x: Tensor): Tensor {
    const batch = x.shape[0];
    // BEGIN SOLUTION 4.5
    let h = this.conv1.forward(x).relu();
    h = this.conv2.forward(h).relu();
    h = nn.avgpool2d(h, [4, 4]).view(batch, 392);
    h = this.dropout.forward(this.linear1.forward(h).relu());
    return nn.logsoftmax(this.linear2.forward(h), 1);
    // END SOLUTION
  }
}

/** Images `[start, end)` of a data set as a [batch, 1, h, w] tensor, with their labels. */
export function imageBatch(data: ImageDataset, start: number, end: number, backend?: BackendLike): [Tensor, number[]] {
  checkInt('imageBatch', 'start', start);
  if (checkInt('imageBatch', 'end', end, start) > data.n)
    throw new RangeError(`imageBatch: end ${end} is past the ${data.n} images of the data set`);
  const size = data.height * data.width;
  const x = fromFlat(data.images.subarray(start * size, end * size), [end - start, 1, data.height, data.width], {
    backend,
  });
  return [x, data.labels.slice(start, end)];
}

/** Predicted class per row of log-probabilities. */
export function predictClasses(logProbs: Tensor): number[] {
  checkTensor('predictClasses', 'logProbs', logProbs);
  if (logProbs.dims !== 2)
    throw new RangeError(`predictClasses: logProbs must be [batch, classes], got shape [${logProbs.shape.join(', ')}]`);
  const [n, classes] = logProbs.shape;
  const values = logProbs.toFlatArray();
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let c = 1; c < classes; c++) if (values[i * classes + c] > values[i * classes + best]) best = c;
    out.push(best);
  }
  return out;
}

/** Accuracy and predictions of `model` on a data set, in evaluation mode. */
export function evaluateImages(
  model: LeNet,
  data: ImageDataset,
  options: { batchSize?: number; backend?: BackendLike } = {},
): { accuracy: number; predictions: number[] } {
  if (arguments.length > 3) tooManyArguments('evaluateImages', 3, arguments.length, 'model, data, options');
  checkOptions('evaluateImages', options, ['batchSize', 'backend']);
  const batchSize = checkInt('evaluateImages', 'batchSize', options.batchSize ?? 100, 1);
  model.eval();
  const predictions: number[] = [];
  noGrad(() => {
    for (let start = 0; start < data.n; start += batchSize) {
      tidy(() => {
        const [x] = imageBatch(data, start, Math.min(data.n, start + batchSize), options.backend);
        predictions.push(...predictClasses(model.forward(x)));
      });
    }
  });
  model.train();
  const correct = predictions.filter((p, i) => p === data.labels[i]).length;
  return { accuracy: correct / data.n, predictions };
}

/**
 * One optimisation step on a batch (Task 4.5): forward, loss, backward, update.
 * Returns the log-probabilities and the loss.
 */
export function trainStep(model: LeNet, optim: Optimizer, x: Tensor, labels: number[]): { out: Tensor; loss: Tensor } {
  // BEGIN SOLUTION 4.5
  optim.zeroGrad();
  const out = model.forward(x);
  const loss = nllLoss(out, labels);
  loss.backward();
  optim.step();
  return { out, loss };
  // END SOLUTION
}

/** Progress of one epoch, passed to `onEpoch`. */
export interface ImageEpochStats {
  epoch: number;
  loss: number;
  trainAccuracy: number;
  testAccuracy: number;
  seconds: number;
}

/** Progress within an epoch, passed to `onBatch`. */
export interface BatchProgress {
  epoch: number;
  /** Fraction of the epoch done, in (0, 1]. */
  done: number;
  /** Mean training loss over the epoch so far. */
  loss: number;
  /** This batch's number, from 1. */
  batch: number;
  /** Batches per epoch. */
  batches: number;
  /** The network being trained, to look at (say, to draw its feature maps live); not to step. */
  model: LeNet;
}

/** Options of `trainMnist`. */
export interface MnistTrainOptions {
  epochs?: number;
  batchSize?: number;
  lr?: number;
  seed?: number;
  backend?: BackendLike;
  /**
   * Called after every batch with the running mean loss, the fraction of the epoch done and
   * the batch number (from 1) of `batches`. Awaited, so a notebook can show progress in place.
   */
  onBatch?: (info: BatchProgress) => void | Promise<void>;
  /**
   * Called after every epoch and awaited, so a notebook can redraw a live chart between
   * epochs (a synchronous loop would hold every display update until the cell ends).
   */
  onEpoch?: (stats: ImageEpochStats) => void | Promise<void>;
}

/**
 * Train a `LeNet` with Adam on `train`, measuring held-out accuracy on `test` after each
 * epoch. Batches are reshuffled every epoch from the seeded generator. Asynchronous only so
 * that `onEpoch` can be awaited: `const { model, history } = await trainMnist(…)`.
 */
export async function trainMnist(
  train: ImageDataset,
  test: ImageDataset,
  options: MnistTrainOptions = {},
): Promise<{ model: LeNet; history: ImageEpochStats[] }> {
  if (arguments.length > 3) tooManyArguments('trainMnist', 3, arguments.length, 'train, test, options');
  checkOptions('trainMnist', options, ['epochs', 'batchSize', 'lr', 'seed', 'backend', 'onBatch', 'onEpoch']);
  const epochs = checkInt('trainMnist', 'epochs', options.epochs ?? 3, 1);
  const batchSize = checkInt('trainMnist', 'batchSize', options.batchSize ?? 32, 1);
  if (options.lr !== undefined) checkPositive('trainMnist', 'lr', options.lr);
  if (options.onBatch !== undefined) checkFunction('trainMnist', 'onBatch', options.onBatch);
  if (options.onEpoch !== undefined) checkFunction('trainMnist', 'onEpoch', options.onEpoch);
  const backend = getBackend(options.backend ?? 'fast');
  const rng = new Random(options.seed ?? 0);
  const model = new LeNet({ backend, rng });
  const optim = new Adam(model.parameters(), { lr: options.lr ?? 0.005 });
  const history: ImageEpochStats[] = [];
  const size = train.height * train.width;
  const order = Array.from({ length: train.n }, (_, i) => i);
  for (let epoch = 1; epoch <= epochs; epoch++) {
    const began = Date.now();
    rng.shuffle(order);
    let lossSum = 0;
    let correct = 0;
    let seen = 0;
    for (let start = 0; start < train.n; start += batchSize) {
      const idx = order.slice(start, start + batchSize);
      const pixels = new Float64Array(idx.length * size);
      idx.forEach((j, k) => pixels.set(train.images.subarray(j * size, (j + 1) * size), k * size));
      const labels = idx.map((j) => train.labels[j]);
      // `tidy` releases the batch's tensors when the step is done: their memory is reused by the next.
      const [batchLoss, batchCorrect] = tidy(() => {
        const x = fromFlat(pixels, [idx.length, 1, train.height, train.width], { backend });
        const { out, loss } = trainStep(model, optim, x, labels);
        return [loss.item(), predictClasses(out).filter((p, k) => p === labels[k]).length];
      });
      lossSum += batchLoss * idx.length;
      correct += batchCorrect;
      seen += idx.length;
      await options.onBatch?.({
        epoch,
        done: seen / train.n,
        loss: lossSum / seen,
        batch: Math.ceil(seen / batchSize),
        batches: Math.ceil(train.n / batchSize),
        model,
      });
    }
    const stats: ImageEpochStats = {
      epoch,
      loss: lossSum / seen,
      trainAccuracy: correct / seen,
      testAccuracy: evaluateImages(model, test, { backend }).accuracy,
      seconds: (Date.now() - began) / 1000,
    };
    history.push(stats);
    await options.onEpoch?.(stats);
  }
  return { model, history };
}
