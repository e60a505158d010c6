/**
 * Learning-rate schedules, as PyTorch's `torch.optim.lr_scheduler`: a scheduler owns an
 * optimizer's `lr` and changes it each time `step()` is called (once per epoch, after
 * `optimizer.step()`). Each computes the next rate from the current one (PyTorch's
 * "chainable" form), so the rates match PyTorch's step for step, rounding included.
 *
 * @packageDocumentation
 */
import { Optimizer } from './optim';
import { describeValue } from './validate';

/** A number that passes `ok`, or an error naming the scheduler's argument and the expectation. */
function checkNumber(where: string, name: string, value: number, ok: (v: number) => boolean, expected: string): number {
  if (typeof value !== 'number' || !ok(value)) {
    throw new RangeError(`${where}: ${name} must be ${expected}, got ${describeValue(value)}`);
  }
  return value;
}

/** Base of the schedules: holds the optimizer, its starting rate and the epoch count. */
export abstract class LRScheduler {
  /** The optimizer whose `lr` this schedule sets. */
  readonly optimizer: Optimizer;
  /** The optimizer's rate when the schedule was made (PyTorch's `base_lrs[0]`). */
  readonly baseLr: number;
  /** Number of `step()` calls so far (PyTorch's `last_epoch`; 0 right after construction). */
  lastEpoch = 0;
  private lastLr: number;

  constructor(optimizer: Optimizer) {
    const name = new.target.name;
    if (!(optimizer instanceof Optimizer)) {
      throw new TypeError(
        `${name}: optimizer must be an Optimizer such as new SGD(...), got ${describeValue(optimizer)}`,
      );
    }
    this.optimizer = optimizer;
    this.baseLr = optimizer.lr;
    this.lastLr = optimizer.lr;
  }

  /** The rate for `lastEpoch`, given the current one (`lastEpoch` ≥ 1). */
  protected abstract nextLr(lr: number): number;

  /** Advance one epoch and set the optimizer's rate. */
  step(): void {
    this.lastEpoch += 1;
    this.lastLr = this.nextLr(this.optimizer.lr);
    this.optimizer.lr = this.lastLr;
  }

  /** The rate the last `step()` set, as a one-element list like PyTorch's `get_last_lr()`. */
  getLastLr(): number[] {
    return [this.lastLr];
  }
}

/** Multiply the rate by `gamma` every `stepSize` epochs (PyTorch's `StepLR`). */
export class StepLR extends LRScheduler {
  /** Epochs between decays. */
  readonly stepSize: number;
  /** Factor of each decay. */
  readonly gamma: number;

  constructor(optimizer: Optimizer, stepSize: number, options: { gamma?: number } = {}) {
    super(optimizer);
    this.stepSize = checkNumber(
      'StepLR',
      'stepSize',
      stepSize,
      (v) => Number.isInteger(v) && v >= 1,
      'an integer >= 1',
    );
    this.gamma = checkNumber('StepLR', 'gamma', options.gamma ?? 0.1, (v) => v >= 0, 'a number >= 0');
  }

  protected nextLr(lr: number): number {
    return this.lastEpoch % this.stepSize === 0 ? lr * this.gamma : lr;
  }
}

/** Multiply the rate by `gamma` every epoch (PyTorch's `ExponentialLR`). */
export class ExponentialLR extends LRScheduler {
  /** Factor of each decay. */
  readonly gamma: number;

  constructor(optimizer: Optimizer, gamma: number) {
    super(optimizer);
    this.gamma = checkNumber('ExponentialLR', 'gamma', gamma, (v) => v >= 0, 'a number >= 0');
  }

  protected nextLr(lr: number): number {
    return lr * this.gamma;
  }
}

/**
 * Cosine annealing from the starting rate down to `etaMin` over `tMax` epochs, then back up
 * (PyTorch's `CosineAnnealingLR`, without restarts).
 */
export class CosineAnnealingLR extends LRScheduler {
  /** Half the period, in epochs. */
  readonly tMax: number;
  /** The lowest rate. */
  readonly etaMin: number;

  constructor(optimizer: Optimizer, tMax: number, options: { etaMin?: number } = {}) {
    super(optimizer);
    this.tMax = checkNumber('CosineAnnealingLR', 'tMax', tMax, (v) => Number.isInteger(v) && v >= 1, 'an integer >= 1');
    this.etaMin = checkNumber('CosineAnnealingLR', 'etaMin', options.etaMin ?? 0, (v) => v >= 0, 'a number >= 0');
  }

  protected nextLr(lr: number): number {
    const { lastEpoch: t, tMax, etaMin, baseLr } = this;
    // PyTorch's recursive form: at the bottom of each period it adds a half cosine step, and
    // elsewhere it rescales the distance to etaMin by the ratio of successive cosines.
    if ((t - 1 - tMax) % (2 * tMax) === 0) {
      return lr + ((baseLr - etaMin) * (1 - Math.cos(Math.PI / tMax))) / 2;
    }
    return ((1 + Math.cos((Math.PI * t) / tMax)) / (1 + Math.cos((Math.PI * (t - 1)) / tMax))) * (lr - etaMin) + etaMin;
  }
}
