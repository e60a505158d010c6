/**
 * Module 2 — the tensor backend: every tensor operation bottoms out in one of three
 * higher-order loops, `map`, `zip` and `reduce`, plus `matmul` (Task 2.3).
 *
 * Elementwise functions are referred to by *name* (`'neg'`, `'add'`, …), never passed as
 * closures: a name can be sent to a worker thread or compiled into a GPU shader, a closure
 * cannot. The tables below map each name to its scalar function from `operators`.
 *
 * The loops are written once, as "kernels" over a range of output positions, so the Simple
 * backend runs them over the whole output and the Fast backend over chunks in parallel.
 *
 * @packageDocumentation
 */
import { conv1dKernel, conv2dKernel } from './convOps';
import * as ops from './operators';
import {
  IndexingError,
  Shape,
  Storage,
  TensorData,
  broadcastIndex,
  checkBroadcastTo,
  formatShape,
  indexToPosition,
  shapeBroadcast,
  toIndex,
} from './tensorData';
import { describeValue } from './validate';

/** Names of elementwise one-input functions. */
export type UnaryOp = 'id' | 'neg' | 'sigmoid' | 'relu' | 'log' | 'exp' | 'inv' | 'sqrt' | 'sin' | 'cos';
/** Names of elementwise two-input functions. */
export type BinaryOp =
  'add' | 'mul' | 'div' | 'pow' | 'lt' | 'eq' | 'isClose' | 'max' | 'logBack' | 'invBack' | 'reluBack' | 'sigmoidBack';
/** Names of reductions along one dimension. */
export type ReduceOp = 'sum' | 'max' | 'prod';

/** The scalar function behind each unary op. */
export const unaryFns: Record<UnaryOp, (x: number) => number> = {
  id: ops.id,
  neg: ops.neg,
  sigmoid: ops.sigmoid,
  relu: ops.relu,
  log: ops.log,
  exp: ops.exp,
  inv: ops.inv,
  sqrt: ops.sqrt,
  sin: Math.sin,
  cos: Math.cos,
};

/** The scalar function behind each binary op. */
export const binaryFns: Record<BinaryOp, (x: number, y: number) => number> = {
  add: ops.add,
  mul: ops.mul,
  div: (x, y) => x / y,
  // JavaScript's ** is PyTorch's pow: negative bases with whole exponents, NaN otherwise, 0 ** 0 = 1.
  pow: (x, y) => x ** y,
  lt: ops.lt,
  eq: ops.eq,
  isClose: ops.isClose,
  max: ops.max,
  logBack: ops.logBack,
  invBack: ops.invBack,
  reluBack: ops.reluBack,
  sigmoidBack: ops.sigmoidBack,
};

/**
 * The larger of `acc` and `x`, NaN if either is NaN: a maximum over values that hold a NaN is
 * NaN, as in PyTorch. (`x > y ? x : y` alone would skip a NaN unless it came last.)
 */
export function maxWithNaN(acc: number, x: number): number {
  return acc > x || acc !== acc ? acc : x;
}

/** The combining function and starting value of each reduction. */
export const reduceFns: Record<ReduceOp, { fn: (acc: number, x: number) => number; start: number }> = {
  sum: { fn: ops.add, start: 0 },
  max: { fn: maxWithNaN, start: -Infinity },
  prod: { fn: ops.mul, start: 1 },
};

/**
 * What every backend provides. Inputs are never modified; each call returns a new
 * contiguous `TensorData` created by `zeros` (so a backend controls where memory lives).
 */
export interface TensorBackend {
  /** Short name used in error messages and `tensor.backend.name`. */
  readonly name: string;
  /** A zero-filled contiguous tensor in this backend's memory. */
  zeros(shape: Shape): TensorData;
  /**
   * Move host data (a plain `Float64Array`-backed `TensorData`) into this backend's memory.
   * Optional: backends that compute on host memory use the data as it is.
   */
  upload?(host: TensorData): TensorData;
  /**
   * Apply `op` to every element of `a`. With `outShape`, `a` is first broadcast to that
   * shape (used to expand gradients).
   */
  map(op: UnaryOp, a: TensorData, outShape?: Shape): TensorData;
  /** Apply `op` elementwise to `a` and `b`, broadcast to a common shape. */
  zip(op: BinaryOp, a: TensorData, b: TensorData): TensorData;
  /** Reduce `dim` of `a` with `op`; the result keeps `dim` with size 1. */
  reduce(op: ReduceOp, a: TensorData, dim: number): TensorData;
  /**
   * Batched matrix product over the last two dims: `[..., n, m] @ [..., m, p]` →
   * `[..., n, p]`, batch dims broadcast.
   */
  matmul(a: TensorData, b: TensorData): TensorData;
  /**
   * 1-D convolution (see `convOps`): `input` [batch, in, width] with `weight`
   * [out, in, k] into a new tensor of `outShape` [batch, out, width'].
   */
  conv1d(input: TensorData, weight: TensorData, outShape: Shape, reverse: boolean): TensorData;
  /** 2-D convolution: [batch, in, h, w] with [out, in, kh, kw] into `outShape`. */
  conv2d(input: TensorData, weight: TensorData, outShape: Shape, reverse: boolean): TensorData;
  /**
   * Optional: a forward convolution (1-D or 2-D, by the rank of `outShape`) with `bias[oc]`
   * added to every output of channel `oc` as it is computed, where a separate add would be one
   * more pass over the whole output (a conv layer's bias, see `nn.conv2d`). Returns undefined
   * where it declines; the caller then convolves and adds.
   */
  convBias?(input: TensorData, weight: TensorData, bias: TensorData, outShape: Shape): TensorData | undefined;
  /**
   * Optional: `outputs` new tensors of the inputs' shape in one pass over memory, instead of a
   * chain of elementwise ops that each allocate and pass over it. `fn` fills slices of the
   * outputs from the same slices of the inputs (see `ElementwiseFn`). A backend may decline
   * any call (e.g. inputs of different shapes or layouts) by returning undefined; the caller
   * then runs its tensor ops. An optimizer's update uses it (see `optim`): the update rule
   * belongs to the optimizer, the loop over memory to the backend.
   */
  fusedElementwise?(inputs: readonly TensorData[], outputs: number, fn: ElementwiseFn): TensorData[] | undefined;
  /**
   * Optional: `a ← op(a, b)` in `a`'s own memory (`b` broadcast to `a`'s shape), for a
   * result no one else holds (the backward pass adding up derivatives, see `Tensor.backward`).
   * Returns false, changing nothing, where it declines (e.g. `a` not contiguous).
   */
  zipInPlace?(op: BinaryOp, a: TensorData, b: TensorData): boolean;
}

/**
 * The function of `TensorBackend.fusedElementwise`: fills `y[j]`, a slice of output j, from
 * `x[k]`, the same positions of input k (all slices have one length). Each output element may
 * depend only on the input elements at its own position, so a backend may pass the whole
 * operands at once or cut them into slices as suits it (one per worker, say) and call `fn`
 * once per slice.
 */
export type ElementwiseFn = (x: readonly Float64Array[], y: readonly Float64Array[]) => void;

/** The raw arrays a kernel reads or writes: storage with the layout that gives it meaning. */
export interface StridedArray {
  storage: Storage;
  shape: ArrayLike<number>;
  strides: ArrayLike<number>;
}

/**
 * Map kernel (Task 2.3): for output ordinals `start … end−1`, write `fn` of the matching
 * (broadcast) input element.
 */
export function mapKernel(
  fn: (x: number) => number,
  out: StridedArray,
  a: StridedArray,
  start: number,
  end: number,
): void {
  const outIndex = new Array<number>(out.shape.length).fill(0);
  const aIndex = new Array<number>(a.shape.length).fill(0);
  const outStorage = out.storage;
  const aStorage = a.storage;
  // BEGIN SOLUTION 2.3
  for (let i = start; i < end; i++) {
    toIndex(i, out.shape, outIndex);
    broadcastIndex(outIndex, out.shape, a.shape, aIndex);
    const value = aStorage[indexToPosition(aIndex, a.strides)];
    outStorage[indexToPosition(outIndex, out.strides)] = fn(value);
  }
  // END SOLUTION
}

/** Zip kernel (Task 2.3): `out[i] = fn(a[i'], b[i''])` with both inputs broadcast to `out`. */
export function zipKernel(
  fn: (x: number, y: number) => number,
  out: StridedArray,
  a: StridedArray,
  b: StridedArray,
  start: number,
  end: number,
): void {
  const outIndex = new Array<number>(out.shape.length).fill(0);
  const aIndex = new Array<number>(a.shape.length).fill(0);
  const bIndex = new Array<number>(b.shape.length).fill(0);
  const outStorage = out.storage;
  const aStorage = a.storage;
  const bStorage = b.storage;
  // BEGIN SOLUTION 2.3
  for (let i = start; i < end; i++) {
    toIndex(i, out.shape, outIndex);
    broadcastIndex(outIndex, out.shape, a.shape, aIndex);
    broadcastIndex(outIndex, out.shape, b.shape, bIndex);
    const x = aStorage[indexToPosition(aIndex, a.strides)];
    const y = bStorage[indexToPosition(bIndex, b.strides)];
    outStorage[indexToPosition(outIndex, out.strides)] = fn(x, y);
  }
  // END SOLUTION
}

/**
 * Reduce kernel (Task 2.3): each output element (where `out.shape[dim]` is 1) folds the
 * `a.shape[dim]` input elements along `dim` with `fn`, starting from `start`.
 */
export function reduceKernel(
  fn: (acc: number, x: number) => number,
  startValue: number,
  out: StridedArray,
  a: StridedArray,
  dim: number,
  start: number,
  end: number,
): void {
  const outIndex = new Array<number>(out.shape.length).fill(0);
  const n = a.shape[dim];
  const step = a.strides[dim];
  const outStorage = out.storage;
  const aStorage = a.storage;
  // BEGIN SOLUTION 2.3
  for (let i = start; i < end; i++) {
    toIndex(i, out.shape, outIndex);
    // outIndex[dim] is 0, so this is the position of the first element being reduced.
    let position = indexToPosition(outIndex, a.strides);
    let acc = startValue;
    for (let j = 0; j < n; j++) {
      acc = fn(acc, aStorage[position]);
      position += step;
    }
    outStorage[indexToPosition(outIndex, out.strides)] = acc;
  }
  // END SOLUTION
}

/** Check `dim` is a valid dimension of `shape` (negative dims count from the end). */
export function normalizeDim(dim: number, shape: ArrayLike<number>, what?: string): number {
  const n = shape.length;
  if (!Number.isInteger(dim)) {
    throw new TypeError(`${what === undefined ? '' : `${what}: `}dim must be an integer, got ${describeValue(dim)}`);
  }
  if (dim < -n || dim >= n) {
    throw new IndexingError(
      `${what === undefined ? '' : `${what}: `}dim ${dim} is out of range for shape ${formatShape(shape)} (${n} dims)`,
    );
  }
  return dim < 0 ? dim + n : dim;
}

/** Output shape of reducing `dim` of `shape`: that dim becomes 1. */
export function reducedShape(shape: Shape, dim: number): Shape {
  const out = shape.slice();
  out[dim] = 1;
  return out;
}

/**
 * Output shape of a batched matmul, with the error messages every backend shares:
 * `[..., n, m] @ [..., m, p]` → `[...broadcast batch, n, p]`.
 */
export function matmulShape(a: Shape, b: Shape): Shape {
  if (a.length < 2 || b.length < 2) {
    throw new IndexingError(`matmul needs at least 2-D tensors, got shapes ${formatShape(a)} and ${formatShape(b)}`);
  }
  const m = a[a.length - 1];
  if (m !== b[b.length - 2]) {
    throw new IndexingError(
      `matmul: inner dimensions differ: ${formatShape(a)} @ ${formatShape(b)} (${m} vs ${b[b.length - 2]})`,
    );
  }
  const batch = shapeBroadcast(a.slice(0, -2), b.slice(0, -2));
  return [...batch, a[a.length - 2], b[b.length - 1]];
}

/**
 * The Simple backend: the kernels above run over the whole output on the calling thread.
 * Written for reading, not speed; matmul is a broadcast multiply followed by a sum, exactly
 * as one would derive it on paper.
 */
export class SimpleBackend implements TensorBackend {
  readonly name: string = 'simple';

  zeros(shape: Shape): TensorData {
    return TensorData.zeros(shape);
  }

  map(op: UnaryOp, a: TensorData, outShape?: Shape): TensorData {
    const shape = outShape ?? a.shape;
    if (outShape !== undefined) checkBroadcastTo(a.shape, outShape);
    const out = this.zeros(shape);
    mapKernel(unaryFns[op], out, a, 0, out.size);
    return out;
  }

  zip(op: BinaryOp, a: TensorData, b: TensorData): TensorData {
    const out = this.zeros(shapeBroadcast(a.shape, b.shape));
    zipKernel(binaryFns[op], out, a, b, 0, out.size);
    return out;
  }

  reduce(op: ReduceOp, a: TensorData, dim: number): TensorData {
    const d = normalizeDim(dim, a.shape);
    const out = this.zeros(reducedShape(a.shape, d));
    const { fn, start } = reduceFns[op];
    reduceKernel(fn, start, out, a, d, 0, out.size);
    return out;
  }

  matmul(a: TensorData, b: TensorData): TensorData {
    const outShape = matmulShape(a.shape, b.shape);
    // [..., n, m, 1] * [..., 1, m, p] → [..., n, m, p], then sum over m.
    const aView = a.withLayout([...a.shape, 1], [...a.strides, 0]);
    const bShape = b.shape.slice();
    const bStrides = b.strides.slice();
    bShape.splice(bShape.length - 2, 0, 1);
    bStrides.splice(bStrides.length - 2, 0, 0);
    const product = this.zip('mul', aView, b.withLayout(bShape, bStrides));
    const summed = this.reduce('sum', product, product.dims - 2);
    return new TensorData(summed.storage, outShape);
  }

  conv1d(input: TensorData, weight: TensorData, outShape: Shape, reverse: boolean): TensorData {
    const out = this.zeros(outShape);
    conv1dKernel(out, input, weight, reverse, 0, out.size);
    return out;
  }

  conv2d(input: TensorData, weight: TensorData, outShape: Shape, reverse: boolean): TensorData {
    const out = this.zeros(outShape);
    conv2dKernel(out, input, weight, reverse, 0, out.size);
    return out;
  }
}
