/**
 * Module 4 — the functions networks are built from (Tasks 4.1–4.4): convolution, pooling,
 * max/argmax, softmax and dropout. Each is a composition of differentiable tensor functions,
 * so its gradient comes for free, except `max` and the convolutions, which have their own
 * entries in the tensor function table.
 *
 * @packageDocumentation
 */
import { Random } from './random';
import { defaultRng } from './random';
import { Tensor, cat, checkTensor, full, mixAlong, rand, stack, where } from './tensor';
import { IndexingError, formatShape } from './tensorData';
import { normalizeDim } from './tensorOps';
import { checkBoolean, checkOptions, checkRange, checkSizePair, describeValue, tooManyArguments } from './validate';

/**
 * Keyword arguments of the convolutions, as PyTorch's `F.conv1d`/`F.conv2d`. A number
 * applies to every spatial dim; a list gives one per dim.
 */
export interface ConvOptions {
  /** Step between output positions (default 1). */
  stride?: number | number[];
  /**
   * Zeros added on both sides of each spatial dim (PyTorch's meaning); `"same"` (stride 1:
   * the output as large as the input, the odd zero on the right, as PyTorch); or `"end"`:
   * MiniTorch's course convolution, whose output is as large as the input because positions
   * past the end read as zero. The default is `"end"` for a call with no other option (the
   * course's), else 0 (a call with `stride`, `dilation` or `groups` is PyTorch's). Layers
   * default to 0, as in PyTorch.
   */
  padding?: number | number[] | 'same' | 'end';
  /** Spacing between kernel taps (default 1). */
  dilation?: number | number[];
  /** Split the channels into this many groups, each convolved with its own filters (default 1). */
  groups?: number;
}

/** The options `conv1d` and `conv2d` take (`checkOptions`). */
const CONV_OPTIONS = ['stride', 'padding', 'dilation', 'groups'];

/** The options the poolings take (`checkOptions`). */
const POOL_OPTIONS = ['stride', 'padding'];

/** One positive integer per spatial dim from a number or a list (for error messages: `what`). */
function perDim(value: number | number[], dims: number, what: string, min: number): number[] {
  const out = Array.isArray(value) ? value : new Array<number>(dims).fill(value);
  if (out.length !== dims || out.some((v) => !Number.isInteger(v) || v < min)) {
    throw new RangeError(`${what} must be an integer >= ${min} or a list of ${dims}, got ${JSON.stringify(value)}`);
  }
  return out;
}

/** `x` with `before` and `after` zeros added along `dim` (differentiable: a selection matmul). */
function padDim(x: Tensor, dim: number, before: number, after: number): Tensor {
  if (before === 0 && after === 0) return x;
  const n = x.shape[dim];
  return mixAlong(
    x,
    dim,
    Array.from({ length: n + before + after }, (_, j) => (j >= before && j < n + before ? j - before : null)),
  );
}

/**
 * A convolution with PyTorch's arguments, built on the course's kernel (which pads at the
 * end): spread the kernel's taps apart for `dilation`, pad with zeros, convolve, keep the
 * positions whose window lies inside the padded input, take every `stride`-th; `groups`
 * convolves each group of channels on its own and joins the outputs; then add the bias.
 */
function convolve(
  op: 'conv1d' | 'conv2d',
  input: Tensor,
  weight: Tensor,
  bias: Tensor | null | undefined,
  options: ConvOptions,
): Tensor {
  checkTensor(op, 'input', input);
  checkTensor(op, 'weight', weight);
  if (bias !== undefined && bias !== null) checkTensor(op, 'bias', bias);
  checkOptions(op, options, CONV_OPTIONS);
  const spatial = op === 'conv1d' ? 1 : 2;
  const channels = weight.shape[0];
  // Checked before any work, so a bad bias fails fast.
  if (bias !== undefined && bias !== null && (bias.dims !== 1 || bias.shape[0] !== channels)) {
    throw new IndexingError(
      `${op}: bias must have shape [${channels}] (one per output channel), got ${formatShape(bias.shape)}`,
    );
  }
  // A PyTorch option asks for PyTorch's convolution, whose padding defaults to 0; only the
  // course's own call (no options) keeps the course's same-size output.
  const pytorchCall = options.stride !== undefined || options.dilation !== undefined || options.groups !== undefined;
  const padding = options.padding ?? (pytorchCall ? 0 : 'end');
  const stride = perDim(options.stride ?? 1, spatial, `${op}: stride`, 1);
  const dilation = perDim(options.dilation ?? 1, spatial, `${op}: dilation`, 1);
  const groups = options.groups ?? 1;
  if (!Number.isInteger(groups) || groups < 1) {
    throw new RangeError(`${op}: groups must be an integer >= 1, got ${JSON.stringify(groups)}`);
  }
  if (padding === 'same' && stride.some((s) => s !== 1)) {
    throw new RangeError(
      `${op}: padding 'same' needs stride 1 (as in PyTorch), got stride ${JSON.stringify(options.stride)}`,
    );
  }
  const plain = stride.every((s) => s === 1) && dilation.every((d) => d === 1) && groups === 1;
  const withBias = bias !== undefined && bias !== null;
  // A bias added as the convolution computes its outputs saves a pass over them (`convBias`).
  const convolution = (x: Tensor, w: Tensor, b: Tensor | null): Tensor =>
    b === null ? Tensor.apply(op, [x, w], undefined) : Tensor.apply('convBias', [x, w, b], spatial);
  let out: Tensor;
  let biasAdded = false;
  if (padding === 'end' && plain) {
    biasAdded = withBias;
    out = convolution(input, weight, bias ?? null);
  } else if (input.dims !== spatial + 2) {
    throw new IndexingError(`${op}: input must be ${spatial + 2}-D, got shape ${formatShape(input.shape)}`);
  } else if (groups > 1) {
    const inPer = weight.shape[1];
    if (input.shape[1] !== inPer * groups || channels % groups !== 0) {
      throw new IndexingError(
        `${op}: groups ${groups} needs input channels ${inPer} × ${groups} and output channels divisible by ${groups}; ` +
          `got input ${formatShape(input.shape)} and weight ${formatShape(weight.shape)}`,
      );
    }
    const outPer = channels / groups;
    const parts = Array.from({ length: groups }, (_, g) =>
      convolve(op, input.narrow(1, g * inPer, inPer), weight.narrow(0, g * outPer, outPer), null, {
        ...options,
        groups: 1,
      }),
    );
    out = cat(parts, 1);
  } else {
    // Dilation: the kernel with dilation − 1 zeros between its taps.
    let w = weight;
    for (let i = 0; i < spatial; i++) {
      const k = weight.shape[2 + i];
      const d = dilation[i];
      if (d > 1)
        w = mixAlong(
          w,
          2 + i,
          Array.from({ length: d * (k - 1) + 1 }, (_, j) => (j % d === 0 ? j / d : null)),
        );
    }
    const kernel = w.shape.slice(2);
    const sides = kernel.map((k, i): [number, number] => {
      if (padding === 'end') return [0, 0];
      if (padding === 'same') return [Math.floor((k - 1) / 2), k - 1 - Math.floor((k - 1) / 2)];
      const p = perDim(padding, spatial, `${op}: padding`, 0)[i];
      return [p, p];
    });
    // Checked before the padding and the convolution run, so a kernel that cannot fit fails fast.
    const padded = input.shape.slice(2).map((n, i) => n + sides[i][0] + sides[i][1]);
    if (padding !== 'end' && padded.some((n, i) => n < kernel[i])) {
      throw new IndexingError(
        `${op}: kernel ${formatShape(kernel)}${dilation.some((d) => d > 1) ? ' (dilated)' : ''} is larger than the padded input ${formatShape(padded)}`,
      );
    }
    let x = input;
    for (let i = 0; i < spatial; i++) x = padDim(x, 2 + i, sides[i][0], sides[i][1]);
    // With a stride, most outputs are dropped below: the bias is added to the kept ones only.
    biasAdded = withBias && stride.every((s) => s === 1);
    out = convolution(x, w, biasAdded ? (bias ?? null) : null);
    for (let i = 0; i < spatial; i++) {
      const n = x.shape[2 + i];
      // The course's output is as long as the input; PyTorch's stops where the window would leave it.
      const last = padding === 'end' ? n - 1 : n - kernel[i];
      const positions = Array.from({ length: Math.floor(last / stride[i]) + 1 }, (_, j) => j * stride[i]);
      if (positions.length !== n) out = out.indexSelect(2 + i, positions);
    }
  }
  if (!withBias || biasAdded) return out;
  return out.add(bias.reshape(channels, ...new Array<number>(spatial).fill(1)));
}

/**
 * 1-D convolution (Task 4.1): input [batch, in, width], weight [out, in, k]. Without options
 * the course's convolution: stride 1, output as wide as the input (positions past the end
 * read as zero). With any option (`padding` a number or `'same'`, `stride`, `dilation`,
 * `groups`), PyTorch's `F.conv1d(input, weight, bias, stride, padding, dilation, groups)`.
 */
export function conv1d(input: Tensor, weight: Tensor, bias?: Tensor | null, options: ConvOptions = {}): Tensor {
  if (arguments.length > 4) tooManyArguments('conv1d', 4, arguments.length, 'input, weight, bias, options');
  return convolve('conv1d', input, weight, bias, options);
}

/**
 * 2-D convolution (Task 4.2): input [batch, in, h, w], weight [out, in, kh, kw]. Without
 * options the course's convolution (stride 1, output the size of the input); with any
 * option (`padding` a number or `'same'`, `stride`, `dilation`, `groups`), PyTorch's
 * `F.conv2d(input, weight, bias, stride, padding, dilation, groups)`.
 */
export function conv2d(input: Tensor, weight: Tensor, bias?: Tensor | null, options: ConvOptions = {}): Tensor {
  if (arguments.length > 4) tooManyArguments('conv2d', 4, arguments.length, 'input, weight, bias, options');
  return convolve('conv2d', input, weight, bias, options);
}

/** Check a 4-D input and a pooling kernel that divides its height and width. */
function checkPool(name: string, input: Tensor, kernel: [number, number]): void {
  if (input.dims !== 4) {
    throw new IndexingError(
      `${name}: input must be 4-D [batch, channels, height, width], got shape ${formatShape(input.shape)}`,
    );
  }
  const [kh, kw] = kernel;
  const [, , h, w] = input.shape;
  if (!Number.isInteger(kh) || !Number.isInteger(kw) || kh < 1 || kw < 1 || h % kh !== 0 || w % kw !== 0) {
    throw new IndexingError(
      `${name}: kernel ${formatShape(kernel)} must divide the input's height and width ${formatShape([h, w])}`,
    );
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

/** Keyword arguments of the poolings, as PyTorch's. */
export interface PoolOptions {
  /** Step between windows (default: the kernel, so windows do not overlap). */
  stride?: number | [number, number];
  /**
   * Added on both sides of height and width (default 0), at most half the kernel: −∞ for max
   * pooling; zeros for average pooling, counted in each window's mean (PyTorch's
   * `count_include_pad=True`).
   */
  padding?: number | [number, number];
}

/** Check the arguments every pooling takes; the kernel as [height, width]. */
function checkPoolArgs(
  name: string,
  input: Tensor,
  kernel: number | [number, number],
  options: PoolOptions,
): [number, number] {
  checkTensor(name, 'input', input);
  checkOptions(name, options, POOL_OPTIONS);
  return checkSizePair(name, 'kernel', kernel);
}

/** A padding given as one number or [height, width] (checked where it is used). */
function pair(value: number | [number, number]): [number, number] {
  return typeof value === 'number' ? [value, value] : value;
}

/**
 * Windows of any stride (overlapping, or leaving a remainder as PyTorch's floor mode does):
 * [batch, channels, h', w', kh·kw], gathered by `indexSelect` so the gradient flows back
 * to every window an element belongs to.
 */
function strideWindows(input: Tensor, kernel: [number, number], stride: [number, number]): Tensor {
  const [kh, kw] = kernel;
  const [sh, sw] = stride;
  const [, , h, w] = input.shape;
  if (kh > h || kw > w || stride.some((s) => !Number.isInteger(s) || s < 1)) {
    throw new IndexingError(
      `pooling: kernel ${formatShape(kernel)} with stride ${formatShape(stride)} does not fit an input of ${formatShape([h, w])}`,
    );
  }
  const rows = Math.floor((h - kh) / sh) + 1;
  const cols = Math.floor((w - kw) / sw) + 1;
  const windows: Tensor[] = [];
  for (let u = 0; u < kh; u++) {
    const shifted = input.indexSelect(
      2,
      Array.from({ length: rows }, (_, i) => i * sh + u),
    );
    for (let v = 0; v < kw; v++)
      windows.push(
        shifted.indexSelect(
          3,
          Array.from({ length: cols }, (_, j) => j * sw + v),
        ),
      );
  }
  return stack(windows, 4);
}

/**
 * Pooling windows: the course's `tile` when they do not overlap and divide the input,
 * `strideWindows` otherwise.
 */
function poolWindows(
  name: string,
  input: Tensor,
  kernel: [number, number],
  options: PoolOptions,
  padValue: number,
): Tensor {
  const stride = checkSizePair(name, 'stride', options.stride ?? kernel);
  if (input.dims !== 4) {
    throw new IndexingError(
      `${name}: input must be 4-D [batch, channels, height, width], got shape ${formatShape(input.shape)}`,
    );
  }
  const padding = pair(options.padding ?? 0);
  if (padding.some((p, i) => !Number.isInteger(p) || p < 0 || p > kernel[i] / 2)) {
    throw new RangeError(
      `${name}: padding must be an integer from 0 to half the kernel ${formatShape(kernel)}, got ${JSON.stringify(options.padding)}`,
    );
  }
  if (padding[0] > 0 || padding[1] > 0) {
    // Pad with zeros; for max pooling, put the pad value into the windows afterwards by picking
    // (`where`), since the windows are gathered by products and 0 · −∞ would be NaN.
    const [, , h0, w0] = input.shape;
    const pad = (t: Tensor): Tensor => padDim(padDim(t, 2, padding[0], padding[0]), 3, padding[1], padding[1]);
    const windows = strideWindows(pad(input), kernel, stride);
    if (padValue === 0) return windows;
    const inside = strideWindows(pad(full([1, 1, h0, w0], 1, { backend: input.backend })), kernel, stride);
    return where(inside, windows, padValue);
  }
  const [, , h, w] = input.shape;
  const tiles = stride[0] === kernel[0] && stride[1] === kernel[1] && h % kernel[0] === 0 && w % kernel[1] === 0;
  if (tiles) return tile(input, kernel)[0];
  return strideWindows(input, kernel, stride);
}

/**
 * Average pooling (Task 4.3) over `kernel` windows (a number or [kh, kw]); non-overlapping
 * by default, any `stride` as PyTorch's `F.avg_pool2d`.
 */
export function avgpool2d(input: Tensor, kernel: number | [number, number], options: PoolOptions = {}): Tensor {
  if (arguments.length > 3) tooManyArguments('avgpool2d', 3, arguments.length, 'input, kernel, options');
  const k = checkPoolArgs('avgpool2d', input, kernel, options);
  const tiled = poolWindows('avgpool2d', input, k, options, 0);
  // BEGIN SOLUTION 4.3
  return tiled.mean(4);
  // END SOLUTION
}

/** Maximum over `dim` (kept with size 1); the gradient goes to the arg-max (Task 4.4). */
export function max(input: Tensor, dim: number): Tensor {
  checkDimArgs('max', arguments.length, input, dim);
  // A 0-dim tensor accepts dim 0 and -1, as in PyTorch: its maximum is itself.
  if (input.dims === 0) return input.amax(dim, true);
  return Tensor.apply('max', [input], normalizeDim(dim, input.shape, 'max'));
}

/**
 * One-hot mask of the maximum along `dim` (1.0 where an element equals its slice's max).
 * Not differentiable: a constant.
 */
export function argmax(input: Tensor, dim: number): Tensor {
  checkDimArgs('argmax', arguments.length, input, dim);
  // BEGIN SOLUTION 4.4
  const d = input.detach();
  return d.eq(max(d, dim));
  // END SOLUTION
}

/**
 * Max pooling (Task 4.4) over `kernel` windows (a number or [kh, kw]); non-overlapping by
 * default, any `stride` as PyTorch's `F.max_pool2d`.
 */
export function maxpool2d(input: Tensor, kernel: number | [number, number], options: PoolOptions = {}): Tensor {
  if (arguments.length > 3) tooManyArguments('maxpool2d', 3, arguments.length, 'input, kernel, options');
  const k = checkPoolArgs('maxpool2d', input, kernel, options);
  const tiled = poolWindows('maxpool2d', input, k, options, -Infinity);
  // BEGIN SOLUTION 4.4
  // The gradient goes to the first maximum of each window, as PyTorch's: `max` would give it
  // to every tied maximum, and flat image regions tie often.
  return tiled.takeAlong(4, tiled.argmax(4, true));
  // END SOLUTION
}

/**
 * Softmax along `dim` (Task 4.4): exp(x) / Σ exp(x). The max is subtracted first so `exp`
 * never overflows; the result is unchanged because softmax ignores a constant shift.
 */
export function softmax(input: Tensor, dim: number): Tensor {
  checkDimArgs('softmax', arguments.length, input, dim);
  // BEGIN SOLUTION 4.4
  const shifted = input.sub(max(input.detach(), dim));
  const e = shifted.exp();
  return e.div(e.sum(dim, true));
  // END SOLUTION
}

/**
 * Log of the softmax along `dim` (Task 4.4), computed stably as
 * x − m − log Σ exp(x − m) with m the max (the log-sum-exp trick).
 *
 * `Tensor.log` is log(x + EPS) (MiniTorch's guard against log 0), which would put an error
 * of about EPS/Σ in every result; `Tensor.logsumexp` cancels that guard (the sum is at least 1,
 * the max term being e⁰), so this matches `torch.log_softmax` to rounding.
 */
export function logsoftmax(input: Tensor, dim: number): Tensor {
  checkDimArgs('logsoftmax', arguments.length, input, dim);
  // BEGIN SOLUTION 4.4
  // logsumexp shifts by the max and takes the plain log, so this matches PyTorch to rounding.
  return input.sub(input.logsumexp(dim, true));
  // END SOLUTION
}

/** Check a function of `(input, dim)`: a Tensor, a dim of it, nothing more. */
function checkDimArgs(name: string, count: number, input: Tensor, dim: number): void {
  if (count > 2) tooManyArguments(name, 2, count, 'input, dim');
  checkTensor(name, 'input', input);
  // A 0-dim tensor takes dim 0 and -1, as in PyTorch.
  normalizeDim(dim, input.dims === 0 ? [1] : input.shape, name);
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
  if (arguments.length > 3) tooManyArguments('dropout', 3, arguments.length, 'input, rate, options');
  checkTensor('dropout', 'input', input);
  checkRange('dropout', 'rate', rate, 0, 1);
  checkOptions('dropout', options, ['ignore', 'rng']);
  if (options.ignore !== undefined) checkBoolean('dropout', 'ignore', options.ignore);
  if (options.rng !== undefined && !(options.rng instanceof Random)) {
    throw new TypeError(`dropout: rng must be a Random, got ${describeValue(options.rng)}`);
  }
  if (options.ignore || rate === 0) return input;
  if (rate === 1) return input.mul(0);
  // The caller's generator, else the default one (the global stream after `manualSeed`).
  options = { ...options, rng: options.rng ?? defaultRng() };
  // BEGIN SOLUTION 4.4
  const keep = rand(input.shape, { backend: input.backend, rng: options.rng ?? new Random(0) }).gt(rate);
  return input.mul(keep).mul(1 / (1 - rate));
  // END SOLUTION
}
