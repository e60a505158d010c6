/**
 * Module 2 — differentiable tensor functions (Tasks 2.3 and 2.4).
 *
 * Each function has a `forward`, which computes the result's data with the tensor's backend,
 * and a `backward`, which turns the gradient of the result into one gradient per input.
 * Gradients for broadcast inputs are summed back to each input's shape in one place
 * (`Tensor.chainRule`), so a backward here may return a gradient of the broadcast shape.
 *
 * The table is typed `{ [K in TensorOp]: TensorFunction<OpArgs[K]> }`: an op added to
 * `OpArgs` does not compile until it has both a forward and a backward.
 *
 * @packageDocumentation
 */
import type { Context } from './autodiff';
import { BasicIndex, indexLayout } from './basicIndex';
import { convShape } from './convOps';
import type { Tensor } from './tensor';
import { Shape, TensorData, stridesFromShape } from './tensorData';
import type { BinaryOp, TensorBackend, UnaryOp } from './tensorOps';

/** The extra, non-tensor argument each op takes (`undefined` for none). */
export interface OpArgs {
  neg: undefined;
  sigmoid: undefined;
  relu: undefined;
  log: undefined;
  exp: undefined;
  inv: undefined;
  add: undefined;
  mul: undefined;
  lt: undefined;
  eq: undefined;
  isClose: undefined;
  /** `x` where the mask is positive, else 0 (inputs: mask, x). */
  select: undefined;
  /** The dimension to sum (kept with size 1). */
  sum: number;
  /** The new order of dimensions. */
  permute: number[];
  /** The new shape (same size; input must be contiguous). */
  view: Shape;
  /** A contiguous copy. */
  contiguous: undefined;
  /** PyTorch's basic indexing, as a view sharing the input's memory (`Tensor.at`). */
  at: BasicIndex;
  matmul: undefined;
  /** The dimension to take the maximum over (kept with size 1). */
  max: number;
  /** √x (the backend's `sqrt` map; not one of the course's exercises). */
  sqrt: undefined;
  /** The dimension to multiply along (kept with size 1). */
  prod: number;
  /** sin x and cos x (the backends' `sin`/`cos` maps). */
  sin: undefined;
  cos: undefined;
  /** x ** y elementwise, PyTorch's `pow` (inputs: base, exponent). */
  pow: undefined;
  /** A copy on another backend (`Tensor.to`); the gradient is copied back. */
  to: { source: TensorBackend; target: TensorBackend };
  /** `reverse` is false for the forward pass (Module 4). */
  conv1d: undefined;
  conv2d: undefined;
  /**
   * A convolution and its per-channel bias in one op (inputs: input, weight, bias [out]); the
   * argument is the number of spatial dims. The library's conv layers use it, so a backend can
   * add the bias as it convolves (`TensorBackend.convBias`) instead of in a pass of its own.
   */
  convBias: 1 | 2;
  /** A differentiable function written in user code (`autograd.Function`). */
  custom: CustomFunction;
}

/**
 * A user's forward and backward (see `autograd.Function`), as the `custom` op's argument:
 * `forward` returns a tensor computed from the detached inputs, `backward` one gradient (or
 * null) per input.
 */
export interface CustomFunction {
  /** The function's name, for messages. */
  readonly name: string;
  forward(ctx: Context<Tensor>, inputs: Tensor[]): Tensor;
  backward(ctx: Context<Tensor>, grad: Tensor): Array<Tensor | null>;
}

/** Names of every differentiable tensor function. */
export type TensorOp = keyof OpArgs;

/** A differentiable function of tensors with an extra argument of type `A`. */
export interface TensorFunction<A> {
  /** Compute the output data from (detached) inputs; save what `backward` needs in `ctx`. */
  forward(ctx: Context<Tensor>, inputs: Tensor[], arg: A): TensorData;
  /**
   * One gradient per input (any broadcast-compatible shape), given the output's gradient;
   * null for an input that needs none (`ctx.needsInputGrad`), when the function skips it.
   */
  backward(ctx: Context<Tensor>, grad: Tensor, arg: A): Array<Tensor | null>;
}

/** The whole table: one entry per `TensorOp`. */
export type TensorFunctionTable = { [K in TensorOp]: TensorFunction<OpArgs[K]> };

/** Forward of an elementwise one-input op (no saved values needed by the helper itself). */
function mapForward(op: UnaryOp, [a]: Tensor[]): TensorData {
  return a.backend.map(op, a.data);
}

/** Forward of an elementwise two-input op. */
function zipForward(op: BinaryOp, [a, b]: Tensor[]): TensorData {
  return a.backend.zip(op, a.data, b.data);
}

/** Gradient of a comparison: zero everywhere (a step function is flat almost everywhere). */
function zeroGrads(ctx: Context<Tensor>): Tensor[] {
  return ctx.savedValues.map((t) => t.zeros());
}

/** Swap the last two dimensions (matrix transpose of every batch entry). */
function transposeLast(t: Tensor): Tensor {
  const order = t.shape.map((_, i) => i);
  order[order.length - 2] = order.length - 1;
  order[order.length - 1] = order.length - 2;
  return t.permute(...order);
}

/** True for a 2-D tensor stored column by column: the transpose of a contiguous matrix. */
function isTransposedMatrix(t: Tensor): boolean {
  const [rows, cols] = t.shape;
  return t.dims === 2 && rows > 1 && cols > 1 && t.data.strides[0] === 1 && t.data.strides[1] === rows;
}

/** The forward and backward of every tensor function. */
export const tensorFunctions: TensorFunctionTable = {
  neg: {
    forward: (_ctx, inputs) => mapForward('neg', inputs),
    backward: (_ctx, grad) => [grad.neg()],
  },
  sigmoid: {
    forward(ctx, inputs) {
      // BEGIN SOLUTION 2.3
      ctx.saveForBackward(inputs[0]);
      return mapForward('sigmoid', inputs);
      // END SOLUTION
    },
    backward(ctx, grad) {
      // BEGIN SOLUTION 2.4
      const [a] = ctx.savedValues;
      return [a.fromData(a.backend.zip('sigmoidBack', a.data, grad.data))];
      // END SOLUTION
    },
  },
  relu: {
    forward(ctx, inputs) {
      // BEGIN SOLUTION 2.3
      ctx.saveForBackward(inputs[0]);
      return mapForward('relu', inputs);
      // END SOLUTION
    },
    backward(ctx, grad) {
      // BEGIN SOLUTION 2.4
      const [a] = ctx.savedValues;
      return [a.fromData(a.backend.zip('reluBack', a.data, grad.data))];
      // END SOLUTION
    },
  },
  log: {
    forward(ctx, inputs) {
      // BEGIN SOLUTION 2.3
      ctx.saveForBackward(inputs[0]);
      return mapForward('log', inputs);
      // END SOLUTION
    },
    backward(ctx, grad) {
      // BEGIN SOLUTION 2.4
      const [a] = ctx.savedValues;
      return [a.fromData(a.backend.zip('logBack', a.data, grad.data))];
      // END SOLUTION
    },
  },
  exp: {
    forward(ctx, inputs) {
      // BEGIN SOLUTION 2.3
      const out = mapForward('exp', inputs);
      ctx.saveForBackward(inputs[0].fromData(out));
      return out;
      // END SOLUTION
    },
    backward(ctx, grad) {
      // BEGIN SOLUTION 2.4
      return [grad.mul(ctx.savedValues[0])];
      // END SOLUTION
    },
  },
  inv: {
    forward(ctx, inputs) {
      // BEGIN SOLUTION 2.3
      ctx.saveForBackward(inputs[0]);
      return mapForward('inv', inputs);
      // END SOLUTION
    },
    backward(ctx, grad) {
      // BEGIN SOLUTION 2.4
      const [a] = ctx.savedValues;
      return [a.fromData(a.backend.zip('invBack', a.data, grad.data))];
      // END SOLUTION
    },
  },
  add: {
    forward: (_ctx, inputs) => zipForward('add', inputs),
    backward: (_ctx, grad) => [grad, grad],
  },
  mul: {
    forward(ctx, inputs) {
      // BEGIN SOLUTION 2.3
      ctx.saveForBackward(inputs[0], inputs[1]);
      return zipForward('mul', inputs);
      // END SOLUTION
    },
    backward(ctx, grad) {
      // BEGIN SOLUTION 2.4
      const [a, b] = ctx.savedValues;
      return [grad.mul(b), grad.mul(a)];
      // END SOLUTION
    },
  },
  lt: {
    forward(ctx, inputs) {
      ctx.saveForBackward(...inputs);
      return zipForward('lt', inputs);
    },
    backward: (ctx) => zeroGrads(ctx),
  },
  eq: {
    forward(ctx, inputs) {
      ctx.saveForBackward(...inputs);
      return zipForward('eq', inputs);
    },
    backward: (ctx) => zeroGrads(ctx),
  },
  isClose: {
    forward(ctx, inputs) {
      ctx.saveForBackward(...inputs);
      return zipForward('isClose', inputs);
    },
    backward: (ctx) => zeroGrads(ctx),
  },
  select: {
    // Picks without multiplying: mask · x would turn an ∞ or NaN that is not picked into NaN
    // (∞ · 0). The backends' reluBack(m, x) is exactly "m > 0 ? x : 0".
    forward(ctx, inputs) {
      ctx.saveForBackward(inputs[0]);
      return zipForward('reluBack', inputs);
    },
    backward(ctx, grad) {
      const [mask] = ctx.savedValues;
      return [mask.zeros(), grad.mul(mask)];
    },
  },
  sum: {
    forward(ctx, [a], dim) {
      // BEGIN SOLUTION 2.3
      ctx.saveForBackward(a);
      return a.backend.reduce('sum', a.data, dim);
      // END SOLUTION
    },
    backward(ctx, grad) {
      // BEGIN SOLUTION 2.4
      // Every input element along `dim` contributed once: copy the gradient back along it.
      const [a] = ctx.savedValues;
      return [grad.expand(a.shape)];
      // END SOLUTION
    },
  },
  permute: {
    forward: (_ctx, [a], order) => a.data.permute(...order),
    backward(_ctx, grad, order) {
      // BEGIN SOLUTION 2.4
      const inverse = new Array<number>(order.length);
      order.forEach((d, i) => (inverse[d] = i));
      return [grad.permute(...inverse)];
      // END SOLUTION
    },
  },
  view: {
    forward(ctx, [a], shape) {
      ctx.saveForBackward(a);
      return a.data.withLayout(shape, stridesFromShape(shape));
    },
    backward(ctx, grad) {
      return [grad.contiguous().view(...ctx.savedValues[0].shape)];
    },
  },
  at: {
    forward(_ctx, [a], index) {
      const { offset, shape, strides } = indexLayout(index, a.data.strides);
      return a.data.withOffset(offset, shape, strides);
    },
    backward(_ctx, grad, index) {
      // The gradient lands on the picked positions of zeros of the input's shape: the same
      // index laid over a contiguous layout, written on the host and uploaded once. Nothing
      // of the input is needed, so writing through the view after the forward is no error.
      const host = TensorData.zeros(index.inputShape);
      const { offset, shape, strides } = indexLayout(index, host.strides);
      host.withOffset(offset, shape, strides).assign(grad.data.toFlatArray());
      return [grad.fromData(grad.backend.upload ? grad.backend.upload(host) : host)];
    },
  },
  contiguous: {
    forward: (_ctx, [a]) => a.backend.map('id', a.data),
    backward: (_ctx, grad) => [grad],
  },
  matmul: {
    forward(ctx, [a, b]) {
      ctx.saveForBackward(a, b);
      return a.backend.matmul(a.data, b.data);
    },
    backward(ctx, grad) {
      // d(A·B)/dA = G·Bᵀ and d(A·B)/dB = Aᵀ·G; batch broadcasting is summed in chainRule.
      const [a, b] = ctx.savedValues;
      // When b is a transposed matrix (Linear's `x @ Wᵀ`), its gradient is computed as (Gᵀ·A)ᵀ,
      // the same sums laid out like b, so W's gradient comes back contiguous like W (as
      // PyTorch does): the optimizer's updates then run over plain contiguous memory.
      const [needA, needB] = ctx.needsInputGrad;
      const gradA = needA === false ? null : grad.matmul(transposeLast(b));
      if (needB === false) return [gradA, null];
      return [
        gradA,
        isTransposedMatrix(b) ? transposeLast(transposeLast(grad).matmul(a)) : transposeLast(a).matmul(grad),
      ];
    },
  },
  max: {
    forward(ctx, [a], dim) {
      // BEGIN SOLUTION 4.4
      const out = a.backend.reduce('max', a.data, dim);
      ctx.saveForBackward(a, a.fromData(out));
      return out;
      // END SOLUTION
    },
    backward(ctx, grad) {
      // BEGIN SOLUTION 4.4
      // The gradient flows only to the arg-max (to every tied maximum, as in MiniTorch).
      const [a, out] = ctx.savedValues;
      return [grad.mul(a.eq(out))];
      // END SOLUTION
    },
  },
  sqrt: {
    forward(ctx, inputs) {
      const out = mapForward('sqrt', inputs);
      ctx.saveForBackward(inputs[0].fromData(out));
      return out;
    },
    backward(ctx, grad) {
      // d√x = 1 / (2√x)
      return [grad.mul(ctx.savedValues[0].inv()).mul(0.5)];
    },
  },
  prod: {
    forward(ctx, [a], dim) {
      ctx.saveForBackward(a);
      return a.backend.reduce('prod', a.data, dim);
    },
    backward(ctx, grad, dim) {
      // ∂(Π x)/∂x_i is the product of the others. It is taken as a product with x_i replaced
      // by 1 (an identity matrix mixed in), not as out / x_i, so zeros get the right gradient.
      const [a] = ctx.savedValues;
      const n = a.shape[dim];
      const eye = new Float64Array(n * n);
      for (let i = 0; i < n; i++) eye[i * n + i] = 1;
      const host = new TensorData(eye, [n, n]);
      const identity = a.fromData(a.backend.upload ? a.backend.upload(host) : host);
      const rows = a.transpose(dim, -1).unsqueeze(-2); // [..., 1, n]
      const others = rows.mul(identity.neg().add(1)).add(identity).prod(-1); // [..., n]
      return [others.transpose(dim, -1).mul(grad)];
    },
  },
  sin: {
    forward(ctx, inputs) {
      ctx.saveForBackward(inputs[0]);
      return mapForward('sin', inputs);
    },
    backward: (ctx, grad) => [grad.mul(ctx.savedValues[0].cos())],
  },
  cos: {
    forward(ctx, inputs) {
      ctx.saveForBackward(inputs[0]);
      return mapForward('cos', inputs);
    },
    backward: (ctx, grad) => [grad.mul(ctx.savedValues[0].sin()).neg()],
  },
  pow: {
    forward(ctx, inputs) {
      const out = zipForward('pow', inputs);
      ctx.saveForBackward(inputs[0], inputs[1], inputs[0].fromData(out));
      return out;
    },
    backward(ctx, grad) {
      // PyTorch's rules: d/dx = y·x^(y−1), 0 where y = 0; d/dy = x^y·ln x, 0 where x = 0 and
      // y >= 0 (NaN for a negative base, as there). `where` picks, so a NaN not picked stays out.
      const [x, y, out] = ctx.savedValues;
      const [needX, needY] = ctx.needsInputGrad;
      const gradX = needX === false ? null : zeroWhere(y.eq(0), grad.mul(y).mul(x.pow(y.sub(1))));
      if (needY === false) return [gradX, null];
      const lnX = x.fromData(x.backend.map('log', x.sub(1e-6).data));
      return [gradX, zeroWhere(x.eq(0).mul(y.ge(0)), grad.mul(out).mul(lnX))];
    },
  },
  to: {
    forward(ctx, [a], { target }) {
      ctx.saveForBackward(a.zeros([])); // an anchor on the source backend, for the backward's result
      return copyTo(a.data, target);
    },
    backward(ctx, grad, { source }) {
      return [ctx.savedValues[0].fromData(copyTo(grad.data, source))];
    },
  },
  conv1d: {
    forward(ctx, [input, weight]) {
      ctx.saveForBackward(input, weight);
      return input.backend.conv1d(input.data, weight.data, convShape(input.shape, weight.shape, 1), false);
    },
    backward(ctx, grad) {
      // BEGIN SOLUTION 4.1
      return convBackward(ctx, grad, 1);
      // END SOLUTION
    },
  },
  conv2d: {
    forward(ctx, [input, weight]) {
      ctx.saveForBackward(input, weight);
      return input.backend.conv2d(input.data, weight.data, convShape(input.shape, weight.shape, 2), false);
    },
    backward(ctx, grad) {
      // BEGIN SOLUTION 4.2
      return convBackward(ctx, grad, 2);
      // END SOLUTION
    },
  },
  convBias: {
    forward(ctx, [input, weight, bias], dims) {
      ctx.saveForBackward(input, weight);
      const backend = input.backend;
      const shape = convShape(input.shape, weight.shape, dims);
      const fused = backend.convBias?.(input.data, weight.data, bias.data, shape);
      if (fused !== undefined) return fused;
      const out = convData(backend, dims, input.data, weight.data, shape, false);
      // The bias as [out, 1(, 1)], broadcast over the batch and the positions.
      const b = bias.data.withLayout(
        [shape[1], ...shape.slice(2).map(() => 1)],
        [bias.data.strides[0], ...shape.slice(2).map(() => 0)],
      );
      if (backend.zipInPlace?.('add', out, b)) return out;
      const sum = backend.zip('add', out, b);
      out.releaseStorage(); // no tensor holds the convolution alone
      return sum;
    },
    backward(ctx, grad, dims) {
      // The convolution's own backward (Tasks 4.1–4.2) for input and weight.
      const [gradInput, gradWeight] = (dims === 1 ? tensorFunctions.conv1d : tensorFunctions.conv2d).backward(
        ctx,
        grad,
        undefined,
      );
      return [gradInput, gradWeight, ctx.needsInputGrad[2] === false ? null : channelSums(grad)];
    },
  },
  custom: {
    forward(ctx, inputs, fn) {
      const out = fn.forward(ctx, inputs);
      if (out.backend !== inputs[0].backend) {
        throw new Error(
          `${fn.name}.forward returned a tensor on "${out.backend.name}", its inputs are on "${inputs[0].backend.name}"`,
        );
      }
      return out.data;
    },
    backward: (ctx, grad, fn) => fn.backward(ctx, grad),
  },
};

/**
 * The sum of a [batch, channels, ...positions] gradient per channel, a bias's gradient: the
 * positions of each (batch, channel) pair are one contiguous row, summed first, so the one
 * pass over the whole gradient walks memory in order (summing the batch dim first, as
 * `sumTo` does for a broadcast bias, strides across it).
 */
function channelSums(grad: Tensor): Tensor {
  const [batch, channels] = grad.shape;
  const positions = grad.shape.slice(2).reduce((a, b) => a * b, 1);
  return grad.contiguous().view(batch, channels, positions).sum(2).sum(0).view(channels);
}

/** `data`'s values in a new contiguous tensor in `backend`'s memory. */
function copyTo(data: TensorData, backend: TensorBackend): TensorData {
  const host = new TensorData(data.toFlatArray(), data.shape);
  return backend.upload ? backend.upload(host) : host;
}

/** 0 where the 0/1 mask `c` is 1, else `v` (a backward's constants): picks, so a NaN at `c` stays out. */
function zeroWhere(c: Tensor, v: Tensor): Tensor {
  return v.fromData(v.backend.zip('reluBack', c.neg().add(1).data, v.data));
}

/** `backend`'s 1-D or 2-D convolution (by `dims`) of `x` with `w` into `shape`. */
function convData(
  backend: TensorBackend,
  dims: 1 | 2,
  x: TensorData,
  w: TensorData,
  shape: Shape,
  reverse: boolean,
): TensorData {
  return dims === 1 ? backend.conv1d(x, w, shape, reverse) : backend.conv2d(x, w, shape, reverse);
}

/**
 * Gradients of a convolution, as two more convolutions (MiniTorch's derivation):
 * the input gradient convolves the output gradient with the channel-swapped weight,
 * right-anchored; the weight gradient convolves the input with the output gradient, treating
 * the batch as the channel being summed. An input that needs no gradient (a network's images)
 * gets none: its convolution would be the first layer's most expensive one.
 */
function convBackward(ctx: Context<Tensor>, grad: Tensor, dims: 1 | 2): Array<Tensor | null> {
  const [input, weight] = ctx.savedValues;
  const backend = input.backend;
  const conv = (x: TensorData, w: TensorData, shape: Shape, reverse: boolean): TensorData =>
    convData(backend, dims, x, w, shape, reverse);
  const swap = dims === 1 ? [1, 0, 2] : [1, 0, 2, 3];
  const [needInput, needWeight] = ctx.needsInputGrad;
  const g = grad.contiguous();
  const gradInput =
    needInput === false ? null : input.fromData(conv(g.data, weight.data.permute(...swap), input.shape, true));
  if (needWeight === false) return [gradInput, null];
  const [outChannels, inChannels, ...kernel] = weight.shape;
  const gradWeight = conv(
    input.data.permute(...swap),
    g.data.permute(...swap),
    [inChannels, outChannels, ...kernel],
    false,
  );
  return [
    gradInput,
    input
      .fromData(gradWeight)
      .permute(...swap)
      .contiguous(),
  ];
}
