/**
 * Network layers as `Module`s with tensor `Parameter`s (Modules 2 and 4), shaped as in
 * `torch.nn` so that PyTorch weights load by name (`stateDict`): `Linear`, `Conv1d`,
 * `Conv2d`, `Dropout`, the parameter-free `ReLU`, `Sigmoid`, `Tanh`, `Flatten`,
 * `MaxPool2d`, `AvgPool2d`, and `Sequential` to chain them.
 *
 * Weights start uniform in ±1/√fanIn (PyTorch's default scale), drawn from a seeded
 * generator so that a training run can be repeated exactly.
 *
 * @packageDocumentation
 */
import { BackendLike } from './backends/registry';
import { Module, Parameter } from './module';
import * as nn from './nn';
import { Random, defaultRng } from './random';
import { Tensor, checkTensor, fromFlat } from './tensor';
import { IndexingError, formatShape, shapeSize } from './tensorData';
import {
  checkBoolean,
  checkDimArg,
  checkInt,
  checkOptions,
  checkRange,
  checkSizePair,
  describeValue,
  tooManyArguments,
} from './validate';

/** Options shared by layers: where their weights live and how they are initialised. */
export interface LayerOptions {
  /** Backend of the parameters (default: the default backend). */
  backend?: BackendLike;
  /** Generator for the initial weights (default: a fresh one seeded 0). */
  rng?: Random;
  /** Whether the layer adds a learned bias (default true, as in PyTorch). */
  bias?: boolean;
}

/** Options of the convolution layers: the layer options plus PyTorch's stride and padding. */
export interface ConvLayerOptions extends LayerOptions, nn.ConvOptions {}

/** The keys of `LayerOptions`, for `checkOptions`. */
const LAYER_OPTIONS = ['backend', 'rng', 'bias'];

/**
 * Throw unless `options` holds only `LayerOptions` (and `extra` keys) of the right types:
 * `new Linear(4, 3, false)`, PyTorch's positional bias, is an error, not a layer with a bias.
 */
export function checkLayerOptions(where: string, options: LayerOptions, extra: readonly string[] = []): void {
  checkOptions(where, options, extra.length === 0 ? LAYER_OPTIONS : [...LAYER_OPTIONS, ...extra]);
  if (options.bias !== undefined) checkBoolean(where, 'bias', options.bias);
  checkRng(where, options.rng);
}

/** Throw unless `rng` is omitted or a `Random`. */
function checkRng(where: string, rng: unknown): void {
  if (rng !== undefined && !(rng instanceof Random)) {
    throw new TypeError(`${where}: rng must be a Random (new minitorch.Random(seed)), got ${describeValue(rng)}`);
  }
}

/** Values uniform in ±bound from the layer's generator, in draw order. */
function uniformValues(size: number, bound: number, rng: Random): number[] {
  return Array.from({ length: size }, () => rng.uniform(-bound, bound));
}

/** A gradient-tracked parameter holding `values` of `shape`. */
function parameter(values: ArrayLike<number>, shape: number[], options: LayerOptions): Parameter<Tensor> {
  return new Parameter(fromFlat(values, shape, { backend: options.backend }));
}

/**
 * PyTorch's default initialisation range: uniform in ±1/√fanIn. With no inputs (fanIn 0) it is
 * 0, as in PyTorch, so an empty layer outputs its (zero) bias rather than ±∞ · 0 = NaN.
 */
function initBound(fanIn: number): number {
  return fanIn > 0 ? 1 / Math.sqrt(fanIn) : 0;
}

/** A fully connected layer: `x @ weightᵀ + bias`, as `torch.nn.Linear(inFeatures, outFeatures)`. */
export class Linear extends Module {
  /** [outSize, inSize], as PyTorch stores it. */
  weight: Parameter<Tensor>;
  /** [outSize], or null without a bias. */
  bias: Parameter<Tensor> | null;

  constructor(
    readonly inSize: number,
    readonly outSize: number,
    options: LayerOptions = {},
  ) {
    super();
    if (arguments.length > 3) tooManyArguments('Linear', 3, arguments.length, 'inFeatures, outFeatures, options');
    checkInt('Linear', 'inFeatures', inSize);
    checkInt('Linear', 'outFeatures', outSize);
    checkLayerOptions('Linear', options);
    const rng = options.rng ?? defaultRng();
    const bound = initBound(inSize);
    // Drawn row by row of [in, out] (the order earlier versions used, so seeded runs repeat) and stored transposed.
    const drawn = uniformValues(inSize * outSize, bound, rng);
    const transposed = Array.from(
      { length: inSize * outSize },
      (_, k) => drawn[(k % inSize) * outSize + Math.floor(k / inSize)],
    );
    this.weight = parameter(transposed, [outSize, inSize], options);
    this.bias = options.bias === false ? null : parameter(uniformValues(outSize, bound, rng), [outSize], options);
  }

  /** PyTorch's settings line: `in_features=784, out_features=512, bias=true`. */
  override extraRepr(): string {
    return `in_features=${this.inSize}, out_features=${this.outSize}, bias=${this.bias !== null}`;
  }

  /** [..., inSize] → [..., outSize] */
  forward(x: Tensor): Tensor {
    checkTensor('Linear.forward', 'x', x);
    if (x.dims < 1 || x.shape[x.dims - 1] !== this.inSize) {
      throw new IndexingError(
        `Linear(${this.inSize}, ${this.outSize}): expected input [batch, ${this.inSize}], got ${formatShape(x.shape)}`,
      );
    }
    const out = x.matmul(this.weight.value.transpose(0, 1));
    return this.bias === null ? out : out.add(this.bias.value);
  }
}

/** A kernel size per spatial dim from a number or a list. */
function kernelSize(kernel: number | number[], dims: number, what: string): number[] {
  const k = typeof kernel === 'number' ? new Array<number>(dims).fill(kernel) : kernel;
  if (!Array.isArray(k) || k.length !== dims || k.some((v) => !Number.isInteger(v) || v < 1)) {
    throw new RangeError(
      `${what}: kernel size must be a positive integer or ${dims} of them, got ${Array.isArray(kernel) ? JSON.stringify(kernel) : describeValue(kernel)}`,
    );
  }
  return k;
}

/** What the two convolution layers share: weights [out, in, ...kernel], an optional bias [out]. */
abstract class ConvLayer extends Module {
  /** [outChannels, inChannels, ...kernel] */
  weight: Parameter<Tensor>;
  /** [outChannels], or null without a bias. */
  bias: Parameter<Tensor> | null;
  /** Stride, padding, dilation and groups, PyTorch's meaning (padding defaults to 0). */
  readonly conv: nn.ConvOptions;

  constructor(
    readonly inChannels: number,
    readonly outChannels: number,
    readonly kernel: number[],
    options: ConvLayerOptions,
  ) {
    super();
    const name = this.constructor.name;
    checkInt(name, 'inChannels', inChannels, 1);
    checkInt(name, 'outChannels', outChannels, 1);
    checkLayerOptions(name, options, ['stride', 'padding', 'dilation', 'groups']);
    const rng = options.rng ?? defaultRng();
    const groups = options.groups ?? 1;
    if (!Number.isInteger(groups) || groups < 1 || inChannels % groups !== 0 || outChannels % groups !== 0) {
      throw new RangeError(
        `${new.target.name}: groups must be a positive integer dividing inChannels ${inChannels} and outChannels ${outChannels}, got ${JSON.stringify(options.groups)}`,
      );
    }
    const bound = initBound((inChannels / groups) * shapeSize(kernel));
    const shape = [outChannels, inChannels / groups, ...kernel];
    this.weight = parameter(uniformValues(shapeSize(shape), bound, rng), shape, options);
    this.bias =
      options.bias === false ? null : parameter(uniformValues(outChannels, bound, rng), [outChannels], options);
    this.conv = {
      stride: options.stride ?? 1,
      padding: options.padding ?? 0,
      dilation: options.dilation ?? 1,
      groups,
    };
  }

  /** PyTorch's settings line: `1, 32, kernel_size=(3, 3), stride=(1, 1)` and any non-default option. */
  override extraRepr(): string {
    const dims = this.kernel.length;
    const tuple = (v: number | number[] | undefined, dflt: number): string => {
      const list = Array.isArray(v) ? v : new Array<number>(dims).fill(v ?? dflt);
      return `(${list.join(', ')}${list.length === 1 ? ',' : ''})`;
    };
    const { stride, padding, dilation, groups } = this.conv;
    const parts = [
      `${this.inChannels}, ${this.outChannels}, kernel_size=${tuple(this.kernel, 1)}, stride=${tuple(stride, 1)}`,
    ];
    if (typeof padding === 'string') parts.push(`padding=${padding}`);
    else if ((Array.isArray(padding) ? padding : [padding]).some((p) => p !== 0))
      parts.push(`padding=${tuple(padding, 0)}`);
    if ((Array.isArray(dilation) ? dilation : [dilation]).some((d) => d !== 1))
      parts.push(`dilation=${tuple(dilation, 1)}`);
    if (groups !== 1) parts.push(`groups=${groups}`);
    if (this.bias === null) parts.push('bias=false');
    return parts.join(', ');
  }
}

/**
 * 1-D convolution layer, as `torch.nn.Conv1d(in, out, k, stride, padding, bias)`:
 * [batch, in, w] → [batch, out, w'].
 */
export class Conv1d extends ConvLayer {
  constructor(inChannels: number, outChannels: number, kernel: number | [number], options: ConvLayerOptions = {}) {
    if (arguments.length > 4)
      tooManyArguments('Conv1d', 4, arguments.length, 'inChannels, outChannels, kernel, options');
    super(inChannels, outChannels, kernelSize(kernel, 1, 'Conv1d'), options);
  }

  /** Convolve and add the per-channel bias. */
  forward(x: Tensor): Tensor {
    return nn.conv1d(x, this.weight.value, this.bias?.value, this.conv);
  }
}

/**
 * 2-D convolution layer, as `torch.nn.Conv2d(in, out, k, stride, padding, bias)`:
 * [batch, in, h, w] → [batch, out, h', w'].
 */
export class Conv2d extends ConvLayer {
  constructor(
    inChannels: number,
    outChannels: number,
    kernel: number | [number, number],
    options: ConvLayerOptions = {},
  ) {
    if (arguments.length > 4)
      tooManyArguments('Conv2d', 4, arguments.length, 'inChannels, outChannels, kernel, options');
    super(inChannels, outChannels, kernelSize(kernel, 2, 'Conv2d'), options);
  }

  /** Convolve and add the per-channel bias. */
  forward(x: Tensor): Tensor {
    return nn.conv2d(x, this.weight.value, this.bias?.value, this.conv);
  }
}

/** Dropout as a layer: active in training mode, the identity after `eval()`. */
export class Dropout extends Module {
  private readonly rng: Random;

  constructor(
    readonly rate = 0.5,
    options: { rng?: Random } = {},
  ) {
    super();
    if (arguments.length > 2) tooManyArguments('Dropout', 2, arguments.length, 'rate, options');
    checkRange('Dropout', 'rate', rate, 0, 1);
    checkOptions('Dropout', options, ['rng']);
    checkRng('Dropout', options.rng);
    this.rng = options.rng ?? defaultRng();
  }

  /** PyTorch's settings line: `p=0.5`. */
  override extraRepr(): string {
    return `p=${this.rate}`;
  }

  /** Drop elements while training; pass through in evaluation mode. */
  forward(x: Tensor): Tensor {
    return nn.dropout(x, this.rate, { ignore: !this.training, rng: this.rng });
  }
}

/** A layer with a `forward` from one tensor to one tensor, as `Sequential` chains them. */
export interface Layer extends Module {
  forward(x: Tensor): Tensor;
}

/** `torch.nn.ReLU` */
export class ReLU extends Module {
  forward(x: Tensor): Tensor {
    checkTensor('ReLU.forward', 'x', x);
    return x.relu();
  }
}

/** `torch.nn.Sigmoid` */
export class Sigmoid extends Module {
  forward(x: Tensor): Tensor {
    checkTensor('Sigmoid.forward', 'x', x);
    return x.sigmoid();
  }
}

/** `torch.nn.Tanh` */
export class Tanh extends Module {
  forward(x: Tensor): Tensor {
    checkTensor('Tanh.forward', 'x', x);
    return x.tanh();
  }
}

/** `torch.nn.Flatten(startDim = 1, endDim = -1)`: keeps the batch dim. */
export class Flatten extends Module {
  constructor(
    readonly startDim = 1,
    readonly endDim = -1,
  ) {
    super();
    if (arguments.length > 2) tooManyArguments('Flatten', 2, arguments.length, 'startDim, endDim');
    checkDimArg('Flatten', 'startDim', startDim);
    checkDimArg('Flatten', 'endDim', endDim);
  }
  /** PyTorch's settings line: `start_dim=1, end_dim=-1`. */
  override extraRepr(): string {
    return `start_dim=${this.startDim}, end_dim=${this.endDim}`;
  }
  forward(x: Tensor): Tensor {
    checkTensor('Flatten.forward', 'x', x);
    return x.flatten(this.startDim, this.endDim);
  }
}

/** Check a pooling layer's arguments when it is made, not at its first forward. */
function checkPoolLayer(
  name: string,
  count: number,
  kernel: number | [number, number],
  stride: number | [number, number] | undefined,
): void {
  if (count > 3) tooManyArguments(name, 3, count, 'kernel, stride, padding');
  checkSizePair(name, 'kernel', kernel);
  if (stride !== undefined) checkSizePair(name, 'stride', stride);
}

/** PyTorch's way of showing a pooling size: `2` or `(2, 3)`. */
function sizeRepr(v: number | [number, number]): string {
  return typeof v === 'number' ? String(v) : `(${v.join(', ')})`;
}

/** `torch.nn.MaxPool2d(kernel, stride = kernel, padding = 0)` */
export class MaxPool2d extends Module {
  constructor(
    readonly kernel: number | [number, number],
    readonly stride?: number | [number, number],
    readonly padding: number | [number, number] = 0,
  ) {
    super();
    checkPoolLayer('MaxPool2d', arguments.length, kernel, stride);
  }
  /** PyTorch's settings line: `kernel_size=2, stride=2, padding=0`. */
  override extraRepr(): string {
    return `kernel_size=${sizeRepr(this.kernel)}, stride=${sizeRepr(this.stride ?? this.kernel)}, padding=${sizeRepr(this.padding)}`;
  }
  forward(x: Tensor): Tensor {
    return nn.maxpool2d(x, this.kernel, { stride: this.stride, padding: this.padding });
  }
}

/** `torch.nn.AvgPool2d(kernel, stride = kernel, padding = 0)` */
export class AvgPool2d extends Module {
  constructor(
    readonly kernel: number | [number, number],
    readonly stride?: number | [number, number],
    readonly padding: number | [number, number] = 0,
  ) {
    super();
    checkPoolLayer('AvgPool2d', arguments.length, kernel, stride);
  }
  /** PyTorch's settings line: `kernel_size=2, stride=2, padding=0`. */
  override extraRepr(): string {
    return `kernel_size=${sizeRepr(this.kernel)}, stride=${sizeRepr(this.stride ?? this.kernel)}, padding=${sizeRepr(this.padding)}`;
  }
  forward(x: Tensor): Tensor {
    return nn.avgpool2d(x, this.kernel, { stride: this.stride, padding: this.padding });
  }
}

/**
 * Layers applied in order, as `torch.nn.Sequential`. The layers are the fields `0`, `1`,
 * …, so the tree and `stateDict` name their parameters `0.weight`, `2.bias`, … as PyTorch does.
 */
export class Sequential extends Module {
  [index: number]: Layer;
  /** Number of layers. */
  readonly length: number;

  constructor(...layers: Layer[]) {
    super();
    layers.forEach((layer: unknown, i) => {
      if (!(layer instanceof Module) || typeof (layer as unknown as Partial<Layer>).forward !== 'function') {
        throw new TypeError(
          `Sequential: layer ${i} must be a Module with a forward method, got ${describeValue(layer)}`,
        );
      }
    });
    layers.forEach((layer, i) => (this[i] = layer));
    this.length = layers.length;
  }

  /** Feed `x` through every layer. */
  forward(x: Tensor): Tensor {
    let h = x;
    for (let i = 0; i < this.length; i++) h = this[i].forward(h);
    return h;
  }
}

/**
 * A multi-layer perceptron on tensors (Task 2.5): `Linear` layers of the given sizes with
 * ReLU between them and a sigmoid at the end, so the output is a probability, e.g.
 * `new MLP([2, 10, 10, 1])` is MiniTorch's network for the 2-D datasets.
 */
export class MLP extends Module {
  /** The layers, in order (registered as `layers.0`, `layers.1`, …). */
  layers: Linear[];

  constructor(
    readonly sizes: number[],
    options: LayerOptions = {},
  ) {
    super();
    if (arguments.length > 2) tooManyArguments('MLP', 2, arguments.length, 'sizes, options');
    if (!Array.isArray(sizes)) {
      throw new TypeError(`MLP: sizes must be an array of layer sizes such as [2, 10, 1], got ${describeValue(sizes)}`);
    }
    if (sizes.length < 2 || sizes.some((s) => !Number.isInteger(s) || s < 1)) {
      throw new RangeError(`MLP: sizes must be at least two positive integers, got [${sizes.join(', ')}]`);
    }
    checkLayerOptions('MLP', options);
    // One generator for all layers, so each layer gets fresh numbers from one seed.
    const rng = options.rng ?? defaultRng();
    this.layers = sizes.slice(1).map((out, i) => new Linear(sizes[i], out, { ...options, rng }));
  }

  /** [batch, sizes[0]] → probabilities [batch, sizes[last]]. */
  forward(x: Tensor): Tensor {
    // BEGIN SOLUTION 2.5
    let h = x;
    this.layers.forEach((layer, i) => {
      h = layer.forward(h);
      h = i < this.layers.length - 1 ? h.relu() : h.sigmoid();
    });
    return h;
    // END SOLUTION
  }
}
