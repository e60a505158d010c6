/**
 * Module 4 — the functions networks are built from (Tasks 4.1–4.4): convolution, pooling,
 * max/argmax, softmax and dropout. Each is a composition of differentiable tensor functions,
 * so its gradient comes for free, except `max` and the convolutions, which have their own
 * entries in the tensor function table.
 *
 * @packageDocumentation
 */
import { EPS } from './operators';
import { Random } from './random';
import { Tensor, rand } from './tensor';
import { IndexingError, formatShape } from './tensorData';
import { normalizeDim } from './tensorOps';

/**
 * 1-D convolution (Task 4.1), stride 1, output as wide as the input (positions past the
 * end read as zero): input [batch, in, width], weight [out, in, k] → [batch, out, width].
 */
export function conv1d(input: Tensor, weight: Tensor): Tensor {
  return Tensor.apply('conv1d', [input, weight], undefined);
}

/**
 * 2-D convolution (Task 4.2), stride 1, output the size of the input:
 * input [batch, in, h, w], weight [out, in, kh, kw] → [batch, out, h, w].
 */
export function conv2d(input: Tensor, weight: Tensor): Tensor {
  return Tensor.apply('conv2d', [input, weight], undefined);
}

/** Check a 4-D input and a pooling kernel that divides its height and width. */
function checkPool(name: string, input: Tensor, kernel: [number, number]): void {
  if (input.dims !== 4) {
    throw new IndexingError(`${name}: input must be 4-D [batch, channels, height, width], got shape ${formatShape(input.shape)}`);
  }
  const [kh, kw] = kernel;
  const [, , h, w] = input.shape;
  if (!Number.isInteger(kh) || !Number.isInteger(kw) || kh < 1 || kw < 1 || h % kh !== 0 || w % kw !== 0) {
    throw new IndexingError(`${name}: kernel ${formatShape(kernel)} must divide the input's height and width ${formatShape([h, w])}`);
  }
}

/**
 * Rearrange an image batch into pooling windows (Task 4.3):
 * [batch, channels, h, w] → [batch, channels, h/kh, w/kw, kh·kw], one window per last row.
 * Returns the tiled tensor and the new height and width.
 */
export function tile(input: Tensor, kernel: [number, number]): [Tensor, number, number] {
  checkPool('tile', input, kernel);
  const [batch, channels, height, width] = input.shape;
  const [kh, kw] = kernel;
  const newHeight = height / kh;
  const newWidth = width / kw;
  // BEGIN SOLUTION 4.3
  const tiled = input
    .contiguous()
    .view(batch, channels, newHeight, kh, newWidth, kw)
    .permute(0, 1, 2, 4, 3, 5)
    .contiguous()
    .view(batch, channels, newHeight, newWidth, kh * kw);
  return [tiled, newHeight, newWidth];
  // END SOLUTION
}

/** Average pooling over non-overlapping `kernel` windows (Task 4.3). */
export function avgpool2d(input: Tensor, kernel: [number, number]): Tensor {
  const [batch, channels] = input.shape;
  const [tiled, h, w] = tile(input, kernel);
  // BEGIN SOLUTION 4.3
  return tiled.mean(4).view(batch, channels, h, w);
  // END SOLUTION
}

/** Maximum over `dim` (kept with size 1); the gradient goes to the arg-max (Task 4.4). */
export function max(input: Tensor, dim: number): Tensor {
  return Tensor.apply('max', [input], normalizeDim(dim, input.shape));
}

/**
 * One-hot mask of the maximum along `dim` (1.0 where an element equals its slice's max).
 * Not differentiable: a constant.
 */
export function argmax(input: Tensor, dim: number): Tensor {
  // BEGIN SOLUTION 4.4
  const d = input.detach();
  return d.eq(max(d, dim));
  // END SOLUTION
}

/** Max pooling over non-overlapping `kernel` windows (Task 4.4). */
export function maxpool2d(input: Tensor, kernel: [number, number]): Tensor {
  const [batch, channels] = input.shape;
  const [tiled, h, w] = tile(input, kernel);
  // BEGIN SOLUTION 4.4
  return max(tiled, 4).view(batch, channels, h, w);
  // END SOLUTION
}

/**
 * Softmax along `dim` (Task 4.4): exp(x) / Σ exp(x). The max is subtracted first so `exp`
 * never overflows; the result is unchanged because softmax ignores a constant shift.
 */
export function softmax(input: Tensor, dim: number): Tensor {
  // BEGIN SOLUTION 4.4
  const shifted = input.sub(max(input.detach(), dim));
  const e = shifted.exp();
  return e.div(e.sum(dim));
  // END SOLUTION
}

/**
 * Log of the softmax along `dim` (Task 4.4), computed stably as
 * x − m − log Σ exp(x − m) with m the max (the log-sum-exp trick).
 *
 * `Tensor.log` is log(x + EPS) (MiniTorch's guard against log 0), which would put an error
 * of about EPS/Σ in every result. The sum here is at least 1 (the max term is e⁰), so no guard
 * is needed: taking the log of Σ − EPS cancels it exactly, gradient included
 * (d/dΣ = 1/(Σ − EPS + EPS)).
 */
export function logsoftmax(input: Tensor, dim: number): Tensor {
  // BEGIN SOLUTION 4.4
  const m = max(input.detach(), dim);
  const shifted = input.sub(m);
  return shifted.sub(shifted.exp().sum(dim).sub(EPS).log());
  // END SOLUTION
}

/** Options for `dropout`. */
export interface DropoutOptions {
  /** Pass the input through unchanged (evaluation mode). */
  ignore?: boolean;
  /** Random stream for the mask (default: a fresh one seeded 0). */
  rng?: Random;
}

/**
 * Dropout (Task 4.4): zero each element with probability `rate` and scale the survivors by
 * 1 / (1 − rate) ("inverted" dropout, as PyTorch does), so the expected value is unchanged
 * and evaluation needs no rescaling.
 */
export function dropout(input: Tensor, rate: number, options: DropoutOptions = {}): Tensor {
  if (!(rate >= 0 && rate <= 1)) throw new RangeError(`dropout: rate must be in [0, 1], got ${rate}`);
  if (options.ignore || rate === 0) return input;
  if (rate === 1) return input.mul(0);
  // BEGIN SOLUTION 4.4
  const keep = rand(input.shape, { backend: input.backend, rng: options.rng ?? new Random(0) }).gt(rate);
  return input.mul(keep).mul(1 / (1 - rate));
  // END SOLUTION
}
