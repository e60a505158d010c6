/**
 * Module 2 — training a tensor network on the 2-D datasets (Task 2.5), MiniTorch's
 * `run_tensor.py`: the same task as the scalar network of Module 1, but every layer is one
 * matrix product, so an epoch is a handful of tensor operations instead of thousands of
 * Scalar ones. The backend is an option, so the same loop runs on the fast and GPU backends.
 *
 * @packageDocumentation
 */
import { noGrad } from '../autodiff';
import { tidy } from '../lifetimes';
import { BackendLike, getBackend } from '../backends/registry';
import type { Graph } from './datasets';
import { trainingBackend } from '../course/progress';
import { MLP } from '../layers';
import { binaryCrossEntropy } from '../losses';
import { SGD } from '../optim';
import { Random } from '../random';
import { Tensor, fromFlat } from '../tensor';
import { checkFunction, checkOptions, checkPositive, tooManyArguments } from '../validate';

/** One epoch of tensor training: the Module 1 record plus how long it took. */
export interface TensorEpochStats {
  /** 1-based epoch number. */
  epoch: number;
  /** Mean binary cross-entropy over the dataset. */
  loss: number;
  /** Fraction classified correctly (probability > 0.5 means label 1), in [0, 1]. */
  accuracy: number;
  /** Wall-clock milliseconds of the epoch (forward, backward and step). */
  ms: number;
}

/** Settings of `trainTensor`. */
export interface TensorTrainOptions {
  /** Units per hidden layer (default 10). */
  hidden?: number;
  /**
   * Learning rate (default 0.1). With 0.5 training gets there sooner but the loss spikes
   * (to about 3 on xor and split) and the accuracy jitters, which hides subtle bugs; 0.1
   * descends smoothly and needs more epochs (about 1,000–2,000 on split and xor).
   */
  lr?: number;
  /** Passes over the dataset (default 500). */
  epochs?: number;
  /** Seed of the initial weights (default 42). */
  seed?: number;
  /** Where the math runs (default: `trainingBackend()`, the fast backend). */
  backend?: BackendLike;
  /**
   * Called after every epoch and awaited, e.g. `TrainingDisplay.log` from `viz`; `predict`
   * gives the current model's probability of label 1 at a point.
   */
  onEpoch?: (stats: TensorEpochStats, predict: (x0: number, x1: number) => number) => void | Promise<void>;
}

/** What `trainTensor` returns. */
export interface TensorTrainResult {
  model: MLP;
  history: TensorEpochStats[];
  /** The probability of label 1 at a point, from the trained model. */
  predict: (x0: number, x1: number) => number;
}

/** The keys of `TensorTrainOptions`, for `checkOptions`. */
const TRAIN_OPTIONS = ['hidden', 'lr', 'epochs', 'seed', 'backend', 'onEpoch'];

/**
 * Train `MLP([2, hidden, hidden, 1])` on a 2-D dataset with full-batch gradient descent:
 * each epoch is one forward pass over all points as an [n, 2] tensor, one backward pass of
 * the mean binary cross-entropy, and one SGD step.
 */
export async function trainTensor(data: Graph, options: TensorTrainOptions = {}): Promise<TensorTrainResult> {
  if (arguments.length > 2) tooManyArguments('trainTensor', 2, arguments.length, 'data, options');
  checkOptions('trainTensor', options, TRAIN_OPTIONS);
  const { hidden = 10, lr = 0.1, epochs = 500, seed = 42, onEpoch } = options;
  if (onEpoch !== undefined) checkFunction('trainTensor', 'onEpoch', onEpoch);
  if (!data || !Array.isArray(data.X) || data.X.length === 0 || data.X.length !== data.y.length) {
    throw new Error(`trainTensor: data must be a non-empty {X, y} with one label per point`);
  }
  checkPositive('trainTensor', 'hidden', hidden, true);
  checkPositive('trainTensor', 'lr', lr);
  checkPositive('trainTensor', 'epochs', epochs, true);
  const backend = getBackend(options.backend ?? trainingBackend());
  const n = data.X.length;
  const X = fromFlat(data.X.flat(), [n, 2], { backend });
  const y = fromFlat(data.y, [n, 1], { backend });
  const model = new MLP([2, hidden, hidden, 1], { backend, rng: new Random(seed) });
  const optimizer = new SGD(model.parameters(), { lr });
  const predict = (x0: number, x1: number): number =>
    noGrad(() => model.forward(fromFlat([x0, x1], [1, 2], { backend })).item());
  const history: TensorEpochStats[] = [];
  for (let epoch = 1; epoch <= epochs; epoch++) {
    const start = performance.now();
    // `tidy` releases the epoch's tensors when it ends: their memory is reused by the next.
    const [lossValue, correct] = tidy(() => {
      optimizer.zeroGrad();
      const prob = model.forward(X);
      const loss = binaryCrossEntropy(prob, y);
      loss.backward();
      optimizer.step();
      // Reading the numbers back is part of the epoch: on the GPU it waits for the work to finish.
      return [loss.item(), accuracy(prob, data.y)];
    });
    const stats = { epoch, loss: lossValue, accuracy: correct, ms: performance.now() - start };
    history.push(stats);
    if (onEpoch) await onEpoch(stats, predict);
  }
  return { model, history, predict };
}

/** Fraction of probabilities on the right side of 0.5. */
function accuracy(prob: Tensor, labels: number[]): number {
  const p = prob.toFlatArray();
  let correct = 0;
  labels.forEach((label, i) => {
    if ((p[i] > 0.5 ? 1 : 0) === label) correct += 1;
  });
  return correct / labels.length;
}

/** One backend's result in `compareBackends`. */
export interface BackendRun {
  /** The backend's name (`"fast"`), or its class name for a backend object. */
  backend: string;
  /** Mean loss of the last epoch. */
  loss: number;
  /** Accuracy of the last epoch, in [0, 1]. */
  accuracy: number;
  /** Median wall-clock milliseconds of an epoch (the median ignores a slow first epoch). */
  msPerEpoch: number;
  /** Every epoch's record, as `trainTensor` returns it. */
  history: TensorEpochStats[];
}

/** Median of a non-empty list. */
function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/**
 * Task 3.5, MiniTorch's "train on the fast backends": train the same network (same seed,
 * same settings) on each backend in turn with `trainTensor`, and report each one's final
 * loss and accuracy and its median time per epoch. Same seed, same math: the losses agree
 * across backends (to float32 on the GPU), so a difference points at a kernel; the times
 * say what Module 3 bought. `options.backend` is ignored: `backends` says where to run.
 */
export async function compareBackends(
  data: Graph,
  backends: BackendLike[],
  options: TensorTrainOptions = {},
): Promise<BackendRun[]> {
  if (arguments.length > 3) tooManyArguments('compareBackends', 3, arguments.length, 'data, backends, options');
  checkOptions('compareBackends', options, TRAIN_OPTIONS);
  if (!Array.isArray(backends) || backends.length === 0) {
    throw new Error('compareBackends: give at least one backend, e.g. ["simple", "fast"]');
  }
  for (const b of backends) getBackend(b); // an unknown name fails here, before any training
  const runs: BackendRun[] = [];
  // BEGIN SOLUTION 3.5
  for (const b of backends) {
    const { history } = await trainTensor(data, { ...options, backend: b });
    const last = history[history.length - 1];
    const name = typeof b === 'string' ? b : b.constructor.name;
    runs.push({
      backend: name,
      loss: last.loss,
      accuracy: last.accuracy,
      msPerEpoch: median(history.map((h) => h.ms)),
      history,
    });
  }
  // END SOLUTION
  return runs;
}
