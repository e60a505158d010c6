/**
 * Loss functions: numbers that say how wrong a prediction is, differentiable so that
 * `loss.backward()` trains the network. Each takes PyTorch's `reduction` (`'mean'`, the
 * default, `'sum'` or `'none'`) and has a module form (`new MSELoss()`), as `torch.nn`.
 *
 * @packageDocumentation
 */
import { Module } from './module';
import * as nn from './nn';
import { EPS } from './operators';
import { Tensor, checkTensor, fromFlat, where } from './tensor';
import { IndexingError, formatShape, sameShape } from './tensorData';
import { checkInt, checkIntArray, checkOptions, describeValue, tooManyArguments } from './validate';

/** How a loss combines its per-element values, as PyTorch's `reduction`. */
export type Reduction = 'mean' | 'sum' | 'none';

/** Options every loss takes. */
export interface LossOptions {
  /** `'mean'` (default) over the elements, their `'sum'`, or `'none'`: one loss per element. */
  reduction?: Reduction;
}

/** Options of `nllLoss` and `crossEntropy`. */
export interface ClassLossOptions extends LossOptions {
  /** Labels equal to this contribute nothing, and the mean skips them (default -100, as PyTorch). */
  ignoreIndex?: number;
}

/** Class labels: a plain array, or a tensor of integer values (what PyTorch code passes). */
export type Labels = number[] | Tensor;

/** The reduction of `options`, checked; `more` names the loss's other options. */
function reductionOf(options: LossOptions, what: string, more: readonly string[] = []): Reduction {
  const classes = /nll|crossentropy/i.test(what);
  checkOptions(what, options, ['reduction', ...(classes ? ['ignoreIndex'] : []), ...more], true);
  const r = options.reduction ?? 'mean';
  if (r !== 'mean' && r !== 'sum' && r !== 'none') {
    throw new RangeError(`${what}: reduction must be 'mean', 'sum' or 'none', got ${describeValue(r)}`);
  }
  return r;
}

/** Per-element losses reduced as asked. */
function reduce(losses: Tensor, reduction: Reduction): Tensor {
  return reduction === 'none' ? losses : reduction === 'sum' ? losses.sum() : losses.mean();
}

/** Throw unless the prediction and the target have the same shape (PyTorch would broadcast, rarely what was meant). */
function checkSameShape(what: string, input: Tensor, target: Tensor): void {
  if (!(input instanceof Tensor) || !(target instanceof Tensor)) {
    throw new TypeError(
      `${what}: input and target must be Tensors, got ${describeValue(input)} and ${describeValue(target)}`,
    );
  }
  if (!sameShape(input.shape, target.shape)) {
    throw new IndexingError(
      `${what}: input ${formatShape(input.shape)} and target ${formatShape(target.shape)} must have the same shape`,
    );
  }
}

/** The plain natural log (`Tensor.log` is the course's log(x + 1e-6); shifting first cancels it). */
function ln(t: Tensor): Tensor {
  return t.sub(EPS).log();
}

/** Mean squared error, `F.mse_loss(input, target)`: (input − target)². */
export function mseLoss(input: Tensor, target: Tensor, options: LossOptions = {}): Tensor {
  if (arguments.length > 3) tooManyArguments('mseLoss', 3, arguments.length, 'input, target, options');
  checkTensor('mseLoss', 'input', input);
  checkTensor('mseLoss', 'target', target);
  const reduction = reductionOf(options, 'mseLoss');
  checkSameShape('mseLoss', input, target);
  const diff = input.sub(target);
  return reduce(diff.mul(diff), reduction);
}

/** Mean absolute error, `F.l1_loss(input, target)`: |input − target|. */
export function l1Loss(input: Tensor, target: Tensor, options: LossOptions = {}): Tensor {
  if (arguments.length > 3) tooManyArguments('l1Loss', 3, arguments.length, 'input, target, options');
  checkTensor('l1Loss', 'input', input);
  checkTensor('l1Loss', 'target', target);
  const reduction = reductionOf(options, 'l1Loss');
  checkSameShape('l1Loss', input, target);
  return reduce(input.sub(target).abs(), reduction);
}

/** Options of `smoothL1Loss`. */
export interface SmoothL1Options extends LossOptions {
  /** Where the loss turns from quadratic to linear (default 1, as PyTorch). */
  beta?: number;
}

/**
 * Huber-like loss, `F.smooth_l1_loss(input, target, beta=1)`: ½d²/β where |d| < β, else
 * |d| − ½β, for d = input − target.
 */
export function smoothL1Loss(input: Tensor, target: Tensor, options: SmoothL1Options = {}): Tensor {
  const reduction = reductionOf(options, 'smoothL1Loss', ['beta']);
  checkSameShape('smoothL1Loss', input, target);
  const beta = options.beta ?? 1;
  if (typeof beta !== 'number' || !(beta > 0)) {
    throw new RangeError(`smoothL1Loss: beta must be a number > 0, got ${describeValue(beta)}`);
  }
  const d = input.sub(target);
  const size = d.abs();
  return reduce(where(size.lt(beta), d.mul(d).mul(0.5 / beta), size.sub(0.5 * beta)), reduction);
}

/**
 * Binary cross-entropy between probabilities `p` (after a sigmoid) and 0/1 labels `y` of the
 * same size: −(y·log p + (1−y)·log(1−p)), reduced (default: the mean). The course's log is
 * log(x + 1e-6), so p = 0 or 1 stays finite.
 */
export function binaryCrossEntropy(p: Tensor, y: Tensor, options: LossOptions = {}): Tensor {
  if (arguments.length > 3) tooManyArguments('binaryCrossEntropy', 3, arguments.length, 'p, y, options');
  checkTensor('binaryCrossEntropy', 'p', p);
  checkTensor('binaryCrossEntropy', 'y', y);
  const reduction = reductionOf(options, 'binaryCrossEntropy');
  if (p.size !== y.size) {
    throw new IndexingError(
      `binaryCrossEntropy: predictions ${formatShape(p.shape)} and labels ${formatShape(y.shape)} differ in size`,
    );
  }
  const yy = y.contiguous().view(...p.shape);
  const one = yy.mul(-1).add(1);
  const terms = yy.mul(p.log()).add(one.mul(p.mul(-1).add(1).log()));
  return reduction === 'none' ? terms.neg() : reduce(terms, reduction).neg();
}

/**
 * Binary cross-entropy on raw scores, `F.binary_cross_entropy_with_logits`: the sigmoid and
 * the log together, computed stably as max(x, 0) − x·y + log(1 + e^−|x|).
 */
export function bceWithLogits(logits: Tensor, target: Tensor, options: LossOptions = {}): Tensor {
  if (arguments.length > 3) tooManyArguments('bceWithLogits', 3, arguments.length, 'logits, target, options');
  checkTensor('bceWithLogits', 'logits', logits);
  checkTensor('bceWithLogits', 'target', target);
  const reduction = reductionOf(options, 'bceWithLogits');
  checkSameShape('bceWithLogits', logits, target);
  const softplus = ln(logits.abs().neg().exp().add(1));
  return reduce(logits.relu().sub(logits.mul(target)).add(softplus), reduction);
}

/** One-hot rows for integer class labels: [n] labels → [n, classes] of 0/1. */
export function oneHot(labels: number[], classes: number, like?: Tensor): Tensor {
  if (arguments.length > 3) tooManyArguments('oneHot', 3, arguments.length, 'labels, classes, like');
  checkIntArray('oneHot', 'labels', labels);
  checkInt('oneHot', 'classes', classes, 1);
  if (like !== undefined) checkTensor('oneHot', 'like', like);
  const values = new Float64Array(labels.length * classes);
  labels.forEach((c, i) => {
    if (!Number.isInteger(c) || c < 0 || c >= classes) {
      throw new RangeError(`oneHot: label ${c} at position ${i} is not a class in 0..${classes - 1}`);
    }
    values[i * classes + c] = 1;
  });
  return fromFlat(values, [labels.length, classes], { backend: like?.backend });
}

/**
 * Negative log-likelihood of the true classes, `F.nll_loss`: log-probabilities [N, C] (or
 * [N, C, d…], the class in dim 1, or [C] for one sample) and labels [N] (or [N, d…], or one
 * label), as an array or a tensor.
 */
export function nllLoss(logProbs: Tensor, labels: Labels, options: ClassLossOptions = {}): Tensor {
  if (arguments.length > 3) tooManyArguments('nllLoss', 3, arguments.length, 'logProbs, labels, options');
  const reduction = reductionOf(options, 'nllLoss');
  const ignore = options.ignoreIndex ?? -100;
  if (!(logProbs instanceof Tensor))
    throw new TypeError(`nllLoss: logProbs must be a Tensor, got ${describeValue(logProbs)}`);
  const labelShape = labels instanceof Tensor ? labels.shape : Array.isArray(labels) ? [labels.length] : null;
  if (labelShape === null) {
    throw new TypeError(`nllLoss: labels must be an array of class indices or a Tensor, got ${describeValue(labels)}`);
  }
  const values = labels instanceof Tensor ? Array.from(labels.toFlatArray()) : (labels as number[]);
  // One sample: [C] with one label.
  if (logProbs.dims === 1)
    return nllLoss(logProbs.unsqueeze(0), values.length === 1 ? values : labels, options).view([]);
  const wanted = [logProbs.shape[0], ...logProbs.shape.slice(2)];
  const sameCount = labelShape.length === 1 && labelShape[0] === logProbs.shape[0] && logProbs.dims === 2;
  if (logProbs.dims < 2 || !(sameCount || sameShape(labelShape, wanted))) {
    throw new IndexingError(
      `nllLoss: expected log-probabilities [N, classes] or [N, classes, d…] with labels [N] or [N, d…], ` +
        `got log-probabilities ${formatShape(logProbs.shape)} and labels ${formatShape(labelShape)}`,
    );
  }
  const classes = logProbs.shape[1];
  const picked = new Float64Array(values.length * classes);
  let count = 0;
  values.forEach((c, i) => {
    if (c === ignore) return;
    if (!Number.isInteger(c) || c < 0 || c >= classes) {
      throw new RangeError(`nllLoss: labels: ${describeValue(c)} at position ${i} is not a class in 0..${classes - 1}`);
    }
    picked[i * classes + c] = 1;
    count += 1;
  });
  // Classes last, one row per labelled position.
  const rows =
    logProbs.dims === 2
      ? logProbs
      : logProbs.permute(0, ...logProbs.shape.slice(2).map((_, i) => i + 2), 1).reshape(-1, classes);
  const mask = fromFlat(picked, [values.length, classes], { backend: logProbs.backend });
  if (reduction === 'none') return rows.mul(mask).sum(1).neg().reshape(wanted);
  const total = rows.mul(mask).sum();
  return reduction === 'sum' ? total.neg() : total.div(-count);
}

/**
 * Cross-entropy from raw scores (logits), `F.cross_entropy`: `nllLoss(logsoftmax(logits, 1))`
 * with class labels (an array or a tensor, [N] or [N, d…]); or, when `target` is a tensor
 * of the logits' shape, class probabilities: −Σ target·logsoftmax over the classes.
 */
export function crossEntropy(logits: Tensor, labels: Labels, options: ClassLossOptions = {}): Tensor {
  if (!(logits instanceof Tensor))
    throw new TypeError(`crossEntropy: logits must be a Tensor, got ${describeValue(logits)}`);
  const classDim = logits.dims === 1 ? 0 : 1;
  const logp = nn.logsoftmax(logits, classDim);
  if (labels instanceof Tensor && logits.dims > 1 && sameShape(labels.shape, logits.shape)) {
    const reduction = reductionOf(options, 'crossEntropy');
    const perSample = logp.mul(labels).sum(classDim).neg();
    return reduce(perSample, reduction);
  }
  return nllLoss(logp, labels, options);
}

/**
 * A loss as a module, as `torch.nn`'s loss classes are: its options are checked once, when it
 * is made (named by the subclass), and its `forward` calls the loss function with them.
 */
abstract class LossModule<O extends LossOptions> extends Module {
  /** `given`: how many arguments the subclass's constructor got (one, the options, is allowed). */
  constructor(
    readonly options: O,
    given: number,
  ) {
    super();
    const name = new.target.name;
    if (given > 1) tooManyArguments(name, 1, given, 'options');
    reductionOf(options, name);
  }
}

/** `torch.nn.MSELoss(reduction)`: `forward(input, target)` is `mseLoss`. */
export class MSELoss extends LossModule<LossOptions> {
  constructor(options: LossOptions = {}) {
    super(options, arguments.length);
  }
  /** The loss of `input` against `target`. */
  forward(input: Tensor, target: Tensor): Tensor {
    return mseLoss(input, target, this.options);
  }
}

/** `torch.nn.L1Loss(reduction)`: `forward(input, target)` is `l1Loss`. */
export class L1Loss extends LossModule<LossOptions> {
  constructor(options: LossOptions = {}) {
    super(options, arguments.length);
  }
  /** The loss of `input` against `target`. */
  forward(input: Tensor, target: Tensor): Tensor {
    return l1Loss(input, target, this.options);
  }
}

/** `torch.nn.BCELoss(reduction)`: `forward(p, y)` is `binaryCrossEntropy`. */
export class BCELoss extends LossModule<LossOptions> {
  constructor(options: LossOptions = {}) {
    super(options, arguments.length);
  }
  /** The loss of probabilities `p` against labels `y`. */
  forward(p: Tensor, y: Tensor): Tensor {
    return binaryCrossEntropy(p, y, this.options);
  }
}

/** `torch.nn.BCEWithLogitsLoss(reduction)`: `forward(logits, y)` is `bceWithLogits`. */
export class BCEWithLogitsLoss extends LossModule<LossOptions> {
  constructor(options: LossOptions = {}) {
    super(options, arguments.length);
  }
  /** The loss of raw scores against labels `y`. */
  forward(logits: Tensor, y: Tensor): Tensor {
    return bceWithLogits(logits, y, this.options);
  }
}

/** `torch.nn.NLLLoss(reduction, ignore_index)`: `forward(logProbs, labels)` is `nllLoss`. */
export class NLLLoss extends LossModule<ClassLossOptions> {
  constructor(options: ClassLossOptions = {}) {
    super(options, arguments.length);
  }
  /** The loss of log-probabilities against class labels. */
  forward(logProbs: Tensor, labels: Labels): Tensor {
    return nllLoss(logProbs, labels, this.options);
  }
}

/** `torch.nn.CrossEntropyLoss(reduction, ignore_index)`: `forward(logits, labels)` is `crossEntropy`. */
export class CrossEntropyLoss extends LossModule<ClassLossOptions> {
  constructor(options: ClassLossOptions = {}) {
    super(options, arguments.length);
  }
  /** The loss of raw scores against class labels (or class probabilities). */
  forward(logits: Tensor, labels: Labels): Tensor {
    return crossEntropy(logits, labels, this.options);
  }
}
