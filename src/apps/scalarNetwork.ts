/**
 * Module 1 — a neural network built from nothing but `Scalar`s (Task 1.5).
 *
 * Every weight is its own `Scalar` parameter, and a layer is a loop of multiplications and
 * additions: slow, but every step is visible, and backpropagation through it is exactly the
 * engine of Tasks 1.1–1.4. Module 2 replaces the loops with tensors.
 *
 * @packageDocumentation
 */
import { noGrad } from '../autodiff';
import type { Graph } from './datasets';
import { Module, Parameter } from '../module';
import { Random } from '../random';
import { Scalar, ScalarLike } from '../scalar';
import { checkFunction, checkOptions, checkPositive, tooManyArguments } from '../validate';

/** A fresh trainable Scalar, uniform in [-1, 1) like MiniTorch's `2 * (random() - 0.5)`. */
function initialScalar(rng: Random, name: string): Parameter<Scalar> {
  return new Parameter(new Scalar(rng.uniform(-1, 1), { name }), name);
}

/**
 * A fully connected layer on Scalars: `out[j] = bias[j] + Σ_i x[i] · weights[i][j]`.
 * Weights are stored flat (`weights[i * outSize + j]`) because `Module` registers the
 * parameters it finds in a field or a plain array of them.
 */
export class Linear extends Module {
  /** `inSize * outSize` weights, row `i` (input) by column `j` (output). */
  weights: Parameter<Scalar>[] = [];
  /** One bias per output. */
  bias: Parameter<Scalar>[] = [];

  constructor(
    readonly inSize: number,
    readonly outSize: number,
    rng: Random = new Random(),
  ) {
    super();
    for (const [what, size] of [
      ['inSize', inSize],
      ['outSize', outSize],
    ] as const) {
      if (!Number.isInteger(size) || size < 1)
        throw new RangeError(`Linear: ${what} must be a positive integer, got ${size}`);
    }
    for (let i = 0; i < inSize; i++) {
      for (let j = 0; j < outSize; j++) this.weights.push(initialScalar(rng, `w${i}_${j}`));
    }
    for (let j = 0; j < outSize; j++) this.bias.push(initialScalar(rng, `b${j}`));
  }

  /** The weight from input `i` to output `j`. */
  weight(i: number, j: number): Scalar {
    return this.weights[i * this.outSize + j].value;
  }

  /** Apply the layer to `inSize` inputs; returns `outSize` outputs. */
  forward(inputs: ScalarLike[]): Scalar[] {
    if (inputs.length !== this.inSize) {
      throw new Error(`Linear.forward: expected ${this.inSize} inputs, got ${inputs.length}`);
    }
    // BEGIN SOLUTION 1.5
    const out: Scalar[] = [];
    for (let j = 0; j < this.outSize; j++) {
      let sum = this.bias[j].value;
      for (let i = 0; i < this.inSize; i++) sum = sum.add(this.weight(i, j).mul(inputs[i]));
      out.push(sum);
    }
    return out;
    // END SOLUTION
  }
}

/** MiniTorch's scalar network: 2 inputs → hidden → hidden → 1, ReLU between, sigmoid out. */
export class Network extends Module {
  /** 2 inputs → hidden. */
  layer1: Linear;
  /** hidden → hidden. */
  layer2: Linear;
  /** hidden → 1 (the logit of label 1). */
  layer3: Linear;

  /** `hidden` units in each of the two hidden layers; `seed` fixes the initial weights. */
  constructor(hidden: number, seed = 42) {
    super();
    const rng = new Random(seed);
    this.layer1 = new Linear(2, hidden, rng);
    this.layer2 = new Linear(hidden, hidden, rng);
    this.layer3 = new Linear(hidden, 1, rng);
  }

  /** The probability that the point (x0, x1) has label 1. */
  forward(x: [ScalarLike, ScalarLike]): Scalar {
    // BEGIN SOLUTION 1.5
    const h1 = this.layer1.forward(x).map((h) => h.relu());
    const h2 = this.layer2.forward(h1).map((h) => h.relu());
    return this.layer3.forward(h2)[0].sigmoid();
    // END SOLUTION
  }

  /** The probability of label 1 as a plain number, without recording a graph. */
  predict(x0: number, x1: number): number {
    return noGrad(() => this.forward([x0, x1]).data);
  }
}

/**
 * Binary cross-entropy of one prediction: −log p when the label is 1, −log(1 − p) when it
 * is 0. Small when the network is confidently right, large when it is confidently wrong.
 */
export function binaryCrossEntropy(prob: Scalar, label: number): Scalar {
  if (label !== 0 && label !== 1) throw new RangeError(`binaryCrossEntropy: label must be 0 or 1, got ${label}`);
  // BEGIN SOLUTION 1.5
  const p = label === 1 ? prob : prob.neg().add(1);
  return p.log().neg();
  // END SOLUTION
}

/**
 * One step of stochastic gradient descent: move every parameter against its derivative by
 * `lr`, then forget the derivative so the next backward pass starts from zero. A parameter
 * that received no derivative is left alone.
 */
export function sgdStep(parameters: Parameter[], lr: number): void {
  for (const p of parameters) {
    const value = p.value;
    if (!(value instanceof Scalar)) throw new TypeError(`sgdStep: expected Scalar parameters, got ${String(value)}`);
    if (value.derivative === null) continue;
    // BEGIN SOLUTION 1.5
    p.update(new Scalar(value.data - lr * value.derivative, { name: value.name }));
    // END SOLUTION
  }
}

/** What one epoch of training achieved. */
export interface EpochStats {
  /** 1-based epoch number. */
  epoch: number;
  /** Mean loss over the dataset during the epoch. */
  loss: number;
  /** Fraction of points classified correctly (probability > 0.5 means label 1), in [0, 1]. */
  accuracy: number;
}

/** Settings of `trainScalar`. */
export interface TrainOptions {
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
  /**
   * Called after every epoch, e.g. to draw progress; awaited, so a live notebook display can
   * send its picture. `predict` gives the current model's probability of label 1.
   */
  onEpoch?: (stats: EpochStats, predict: (x0: number, x1: number) => number) => void | Promise<void>;
}

/** What `trainScalar` returns: the trained model and one `EpochStats` per epoch. */
export interface TrainResult {
  /** The trained network. */
  model: Network;
  /** One entry per epoch, in order. */
  history: EpochStats[];
}

/** Throw unless `data` is a non-empty dataset of 2-D points with 0/1 labels, all the same length. */
export function checkGraph(data: Graph, caller: string): void {
  if (!data || !Array.isArray(data.X) || !Array.isArray(data.y))
    throw new TypeError(`${caller}: data must be {n, X, y}`);
  if (data.X.length === 0) throw new Error(`${caller}: the dataset is empty`);
  if (data.X.length !== data.y.length) {
    throw new Error(`${caller}: X has ${data.X.length} points but y has ${data.y.length} labels`);
  }
  data.X.forEach((p, i) => {
    if (!Array.isArray(p) || p.length !== 2)
      throw new Error(`${caller}: point ${i} must be [x0, x1], got ${JSON.stringify(p)}`);
  });
  data.y.forEach((label, i) => {
    if (label !== 0 && label !== 1) throw new Error(`${caller}: label ${i} must be 0 or 1, got ${label}`);
  });
}

/**
 * Train a `Network` on a 2-D dataset with full-batch gradient descent, as MiniTorch's
 * `run_scalar.py` does: each epoch backpropagates every point's loss (scaled by 1/n, so the
 * derivatives add up to the mean loss's) and then takes one SGD step.
 */
export async function trainScalar(data: Graph, options: TrainOptions = {}): Promise<TrainResult> {
  if (arguments.length > 2) tooManyArguments('trainScalar', 2, arguments.length, 'data, options');
  checkOptions('trainScalar', options, ['hidden', 'lr', 'epochs', 'seed', 'onEpoch']);
  const { hidden = 10, lr = 0.1, epochs = 500, seed = 42, onEpoch } = options;
  if (onEpoch !== undefined) checkFunction('trainScalar', 'onEpoch', onEpoch);
  checkGraph(data, 'trainScalar');
  checkPositive('trainScalar', 'hidden', hidden, true);
  checkPositive('trainScalar', 'lr', lr, false);
  checkPositive('trainScalar', 'epochs', epochs, true);
  const model = new Network(hidden, seed);
  const parameters = model.parameters();
  const history: EpochStats[] = [];
  const n = data.X.length;
  const predict = (x0: number, x1: number) => model.predict(x0, x1);
  for (let epoch = 1; epoch <= epochs; epoch++) {
    let totalLoss = 0;
    let correct = 0;
    for (let i = 0; i < n; i++) {
      const [x0, x1] = data.X[i];
      const prob = model.forward([x0, x1]);
      const loss = binaryCrossEntropy(prob, data.y[i]);
      // Backpropagating each point's share of the mean keeps only one point's graph alive.
      loss.div(n).backward();
      totalLoss += loss.data;
      if ((prob.data > 0.5 ? 1 : 0) === data.y[i]) correct += 1;
    }
    sgdStep(parameters, lr);
    const stats = { epoch, loss: totalLoss / n, accuracy: correct / n };
    history.push(stats);
    if (onEpoch) await onEpoch(stats, predict);
  }
  return { model, history };
}
