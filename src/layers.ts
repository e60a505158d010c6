/**
 * Network layers as `Module`s with tensor `Parameter`s (Modules 2 and 4): `Linear`,
 * `Conv1d`, `Conv2d` and `Dropout`.
 *
 * Weights start uniform in ±1/√fanIn (PyTorch's default scale), drawn from a seeded
 * generator so that a training run can be repeated exactly.
 *
 * @packageDocumentation
 */
import { BackendLike } from './backends';
import { Module, Parameter } from './module';
import * as nn from './nn';
import { Random } from './random';
import { Tensor, fromFlat } from './tensor';
import { IndexingError, formatShape, shapeSize } from './tensorData';

/** Options shared by layers: where their weights live and how they are initialised. */
export interface LayerOptions {
  /** Backend of the parameters (default: the default backend). */
  backend?: BackendLike;
  /** Generator for the initial weights (default: a fresh one seeded 0). */
  rng?: Random;
}

/** A parameter of `shape` uniform in ±bound, gradient-tracked. */
function uniformParameter(shape: number[], bound: number, options: LayerOptions): Parameter<Tensor> {
  const rng = options.rng ?? new Random(0);
  const values = Array.from({ length: shapeSize(shape) }, () => rng.uniform(-bound, bound));
  return new Parameter(fromFlat(values, shape, { backend: options.backend }));
}

/** A fully connected layer: `x @ weight + bias`, x of shape [batch, inSize]. */
export class Linear extends Module {
  /** [inSize, outSize] */
  weight: Parameter<Tensor>;
  /** [outSize] */
  bias: Parameter<Tensor>;

  constructor(readonly inSize: number, readonly outSize: number, options: LayerOptions = {}) {
    super();
    const bound = 1 / Math.sqrt(inSize);
    this.weight = uniformParameter([inSize, outSize], bound, options);
    this.bias = uniformParameter([outSize], bound, options);
  }

  /** [batch, inSize] → [batch, outSize] */
  forward(x: Tensor): Tensor {
    if (x.dims !== 2 || x.shape[1] !== this.inSize) {
      throw new IndexingError(`Linear(${this.inSize}, ${this.outSize}): expected input [batch, ${this.inSize}], got ${formatShape(x.shape)}`);
    }
    return x.matmul(this.weight.value).add(this.bias.value);
  }
}

/** 1-D convolution layer (stride 1, same width): [batch, in, w] → [batch, out, w]. */
export class Conv1d extends Module {
  /** [outChannels, inChannels, kernelWidth] */
  weight: Parameter<Tensor>;
  /** [outChannels, 1] */
  bias: Parameter<Tensor>;

  constructor(inChannels: number, outChannels: number, kernelWidth: number, options: LayerOptions = {}) {
    super();
    const bound = 1 / Math.sqrt(inChannels * kernelWidth);
    this.weight = uniformParameter([outChannels, inChannels, kernelWidth], bound, options);
    this.bias = uniformParameter([outChannels, 1], bound, options);
  }

  /** Convolve and add the per-channel bias. */
  forward(x: Tensor): Tensor {
    return nn.conv1d(x, this.weight.value).add(this.bias.value);
  }
}

/** 2-D convolution layer (stride 1, same size): [batch, in, h, w] → [batch, out, h, w]. */
export class Conv2d extends Module {
  /** [outChannels, inChannels, kernelHeight, kernelWidth] */
  weight: Parameter<Tensor>;
  /** [outChannels, 1, 1] */
  bias: Parameter<Tensor>;

  constructor(inChannels: number, outChannels: number, kernel: [number, number], options: LayerOptions = {}) {
    super();
    const [kh, kw] = kernel;
    const bound = 1 / Math.sqrt(inChannels * kh * kw);
    this.weight = uniformParameter([outChannels, inChannels, kh, kw], bound, options);
    this.bias = uniformParameter([outChannels, 1, 1], bound, options);
  }

  /** Convolve and add the per-channel bias. */
  forward(x: Tensor): Tensor {
    return nn.conv2d(x, this.weight.value).add(this.bias.value);
  }
}

/** Dropout as a layer: active in training mode, the identity after `eval()`. */
export class Dropout extends Module {
  private readonly rng: Random;

  constructor(readonly rate: number, options: { rng?: Random } = {}) {
    super();
    if (!(rate >= 0 && rate <= 1)) throw new RangeError(`Dropout: rate must be in [0, 1], got ${rate}`);
    this.rng = options.rng ?? new Random(0);
  }

  /** Drop elements while training; pass through in evaluation mode. */
  forward(x: Tensor): Tensor {
    return nn.dropout(x, this.rate, { ignore: !this.training, rng: this.rng });
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

  constructor(readonly sizes: number[], options: LayerOptions = {}) {
    super();
    if (sizes.length < 2 || sizes.some((s) => !Number.isInteger(s) || s < 1)) {
      throw new RangeError(`MLP: sizes must be at least two positive integers, got [${sizes.join(', ')}]`);
    }
    // One generator for all layers, so each layer gets fresh numbers from one seed.
    const rng = options.rng ?? new Random(0);
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
