/**
 * Module 2 — `Tensor`: n-dimensional data with autodiff, on a pluggable backend.
 *
 * A Tensor is `TensorData` (storage, shape, strides) plus the backend that computes with it
 * and, for computed tensors, its history. It implements the same `Variable` interface as
 * `Scalar`, so `backward()` is the very same `backpropagate` from Module 1.
 *
 * @packageDocumentation
 */
import { Context, Variable, backpropagate, isGradEnabled, newVariableId } from './autodiff';
import { BackendLike, getBackend } from './backends';
import { Random } from './random';
import { OpArgs, TensorFunction, TensorOp, tensorFunctions } from './tensorFunctions';
import {
  IndexingError,
  Index,
  Shape,
  TensorData,
  checkShape,
  describeValue,
  formatShape,
  shapeBroadcast,
  shapeSize,
} from './tensorData';
import { TensorBackend, normalizeDim } from './tensorOps';

/** How a computed tensor was made. */
export interface TensorHistory {
  readonly op: TensorOp;
  readonly arg: unknown;
  readonly ctx: Context<Tensor>;
  readonly inputs: Tensor[];
  /** The version of each of `ctx.savedValues` when it was saved (see `checkSavedVersions`). */
  readonly savedVersions: number[];
}

/** A tensor or a plain number (lifted to a 1-element tensor on the other operand's backend). */
export type TensorLike = Tensor | number;

/** Nested arrays of numbers, as accepted by `tensor()` and returned by `toArray()`. */
export type NestedArray = number | NestedArray[];

/** Options for creating tensors. */
export interface TensorOptions {
  /** Where the tensor's math runs (default: the default backend, `"simple"`). */
  backend?: BackendLike;
  /** Track gradients for this leaf (default false, as in PyTorch). */
  requiresGrad?: boolean;
}

/**
 * An n-dimensional array of numbers with automatic differentiation.
 * Create with `tensor`, `zeros`, `ones`, `rand`; compute with methods; call `backward()`.
 */
export class Tensor implements Variable<Tensor> {
  /** Storage, shape and strides. */
  readonly data: TensorData;
  /** The backend that computes with this tensor. */
  readonly backend: TensorBackend;
  /** How this tensor was computed (null for leaves and constants). */
  readonly history: TensorHistory | null;
  /** Gradient of the last `backward()` output with respect to this leaf (accumulates). */
  grad: Tensor | null = null;
  /** Whether this leaf tracks gradients. */
  requiresGrad: boolean;
  /** Unique id (keys backpropagation). */
  readonly uniqueId = newVariableId();
  /** Optional label for graph drawings. */
  name: string;

  constructor(data: TensorData, backend: TensorBackend, history: TensorHistory | null = null, requiresGrad = false) {
    this.data = data;
    this.backend = backend;
    this.history = history;
    this.requiresGrad = requiresGrad;
    this.name = `t${this.uniqueId}`;
  }

  /**
   * Run a tensor function: compute the output on the inputs' backend and, if any input
   * needs a gradient, record how it was made.
   */
  static apply<K extends TensorOp>(op: K, inputs: Tensor[], arg: OpArgs[K]): Tensor {
    const backend = inputs[0].backend;
    for (const t of inputs) {
      if (t.backend !== backend) {
        throw new Error(
          `${op}: tensors are on different backends ("${backend.name}" and "${t.backend.name}"); move one with .to(...)`,
        );
      }
    }
    const needsGrad = isGradEnabled() && inputs.some((t) => !t.isConstant());
    const ctx = new Context<Tensor>(!needsGrad);
    // Forward sees detached inputs, so anything a backward computes from them builds no graph.
    const fn = tensorFunctions[op] as TensorFunction<OpArgs[K]>;
    const data = fn.forward(
      ctx,
      inputs.map((t) => t.detach()),
      arg,
    );
    if (!needsGrad) return new Tensor(data, backend, null);
    const savedVersions = ctx.savedValues.map((t) => t.data.versionCounter.value);
    return new Tensor(data, backend, { op, arg, ctx, inputs, savedVersions });
  }

  /** A new constant tensor with `data` on this tensor's backend. */
  fromData(data: TensorData): Tensor {
    return new Tensor(data, this.backend);
  }

  /** A constant tensor of zeros on this backend (default: this tensor's shape). */
  zeros(shape: Shape = this.shape): Tensor {
    return this.fromData(this.backend.zeros(shape));
  }

  // ---- Properties ----

  /** Dimension sizes. */
  get shape(): Shape {
    return this.data.shape;
  }
  /** Number of elements. */
  get size(): number {
    return this.data.size;
  }
  /** Number of dimensions. */
  get dims(): number {
    return this.data.dims;
  }

  // ---- Variable interface ----

  /** @inheritDoc */
  isLeaf(): boolean {
    return this.history === null && this.requiresGrad;
  }
  /** @inheritDoc */
  isConstant(): boolean {
    return this.history === null && !this.requiresGrad;
  }
  /** @inheritDoc */
  get parents(): Tensor[] {
    return this.history ? this.history.inputs : [];
  }
  /** @inheritDoc */
  accumulateDerivative(d: Tensor): void {
    if (!this.isLeaf()) throw new Error('accumulateDerivative: only leaf tensors store gradients');
    const g = sumTo(d, this.shape);
    this.grad = this.grad === null ? g : this.grad.add(g);
  }
  /** Chain rule: each input paired with its gradient, summed back to the input's shape. */
  chainRule(dOutput: Tensor): Array<[Tensor, Tensor]> {
    const h = this.history;
    if (h === null) throw new Error('chainRule: this tensor has no history');
    checkSavedVersions(h);
    const fn = tensorFunctions[h.op] as TensorFunction<unknown>;
    const grads = fn.backward(h.ctx, dOutput, h.arg);
    const out: Array<[Tensor, Tensor]> = [];
    h.inputs.forEach((x, i) => {
      if (!x.isConstant()) out.push([x, sumTo(grads[i], x.shape)]);
    });
    return out;
  }

  /**
   * Backpropagate from this tensor. `grad` defaults to 1 and may only be omitted for a
   * single-element tensor (a loss), as in PyTorch.
   */
  backward(grad?: Tensor): void {
    if (grad !== undefined && !(grad instanceof Tensor)) {
      throw new TypeError(`backward: grad must be a Tensor of shape ${formatShape(this.shape)}, got ${describeValue(grad)}`);
    }
    if (this.isConstant()) {
      throw new Error('backward: this tensor does not require a gradient and has no history (call requiresGrad_() on the inputs first)');
    }
    if (grad === undefined) {
      if (this.size !== 1) {
        throw new Error(`backward: grad can be omitted only for a 1-element tensor, this has shape ${formatShape(this.shape)}`);
      }
      grad = full(this.shape, 1, { backend: this.backend });
    } else if (formatShape(grad.shape) !== formatShape(this.shape)) {
      throw new IndexingError(`backward: grad shape ${formatShape(grad.shape)} does not match tensor shape ${formatShape(this.shape)}`);
    }
    backpropagate<Tensor>(this, grad, (a, b) => a.add(b));
  }

  /** Turn gradient tracking on or off for this leaf. */
  requiresGrad_(flag = true): this {
    this.requiresGrad = flag;
    return this;
  }

  /** Forget the accumulated gradient. */
  zeroGrad_(): this {
    this.grad = null;
    return this;
  }

  /** The same data with no history and no gradient tracking. */
  detach(): Tensor {
    return new Tensor(this.data, this.backend);
  }

  /** A copy on another backend (a constant; the data is copied). */
  to(backend: BackendLike): Tensor {
    const target = getBackend(backend);
    if (target === this.backend) return this;
    return fromFlat(this.data.toFlatArray(), this.shape, { backend: target });
  }

  // ---- Elementwise math ----

  /** Lift a number to a tensor on this backend. */
  private lift(b: TensorLike): Tensor {
    if (b instanceof Tensor) return b;
    if (typeof b !== 'number') throw new TypeError(`expected a Tensor or a number, got ${typeof b}`);
    return fromFlat(new Float64Array([b]), [1], { backend: this.backend });
  }

  /** this + b (broadcasting) */
  add(b: TensorLike): Tensor {
    return Tensor.apply('add', [this, this.lift(b)], undefined);
  }
  /** this − b */
  sub(b: TensorLike): Tensor {
    return this.add(this.lift(b).neg());
  }
  /** this · b (elementwise) */
  mul(b: TensorLike): Tensor {
    return Tensor.apply('mul', [this, this.lift(b)], undefined);
  }
  /** this / b (elementwise) */
  div(b: TensorLike): Tensor {
    return this.mul(this.lift(b).inv());
  }
  /** −this */
  neg(): Tensor {
    return Tensor.apply('neg', [this], undefined);
  }
  /** 1 / this */
  inv(): Tensor {
    return Tensor.apply('inv', [this], undefined);
  }
  /** Logistic sigmoid. */
  sigmoid(): Tensor {
    return Tensor.apply('sigmoid', [this], undefined);
  }
  /** Rectified linear unit. */
  relu(): Tensor {
    return Tensor.apply('relu', [this], undefined);
  }
  /** Natural log. */
  log(): Tensor {
    return Tensor.apply('log', [this], undefined);
  }
  /** e^this */
  exp(): Tensor {
    return Tensor.apply('exp', [this], undefined);
  }
  /** 1.0 where this < b else 0.0 */
  lt(b: TensorLike): Tensor {
    return Tensor.apply('lt', [this, this.lift(b)], undefined);
  }
  /** 1.0 where this > b else 0.0 */
  gt(b: TensorLike): Tensor {
    return Tensor.apply('lt', [this.lift(b), this], undefined);
  }
  /** 1.0 where this == b else 0.0 */
  eq(b: TensorLike): Tensor {
    return Tensor.apply('eq', [this, this.lift(b)], undefined);
  }
  /** 1.0 where |this − b| < 1e-2 else 0.0 */
  isClose(b: TensorLike): Tensor {
    return Tensor.apply('isClose', [this, this.lift(b)], undefined);
  }

  // ---- Reductions ----

  /** Sum over `dim` (kept with size 1), or over everything to shape `[1]`. */
  sum(dim?: number): Tensor {
    if (dim === undefined) {
      let out: Tensor = this;
      for (let d = 0; d < this.dims; d++) out = Tensor.apply('sum', [out], d);
      return out.view(1);
    }
    return Tensor.apply('sum', [this], normalizeDim(dim, this.shape));
  }
  /** Mean over `dim` (kept with size 1), or over everything. */
  mean(dim?: number): Tensor {
    const n = dim === undefined ? this.size : this.shape[normalizeDim(dim, this.shape)];
    return this.sum(dim).div(n);
  }

  // ---- Shape ----

  /** Reorder dimensions: result dim i is this tensor's dim `order[i]` (a view). */
  permute(...order: number[]): Tensor {
    this.data.permute(...order); // validates with a clear message before recording anything
    return Tensor.apply('permute', [this], order);
  }
  /** Swap two dimensions. */
  transpose(dim0 = -2, dim1 = -1): Tensor {
    const order = this.shape.map((_, i) => i);
    const a = normalizeDim(dim0, this.shape);
    const b = normalizeDim(dim1, this.shape);
    [order[a], order[b]] = [order[b], order[a]];
    return this.permute(...order);
  }
  /** The same elements with another shape (a view; the tensor must be contiguous). */
  view(...shape: number[]): Tensor {
    checkShape(shape, 'view: shape');
    if (shapeSize(shape) !== this.size) {
      throw new IndexingError(`view: shape ${formatShape(shape)} has ${shapeSize(shape)} elements but the tensor has ${this.size} (shape ${formatShape(this.shape)})`);
    }
    if (!this.data.isContiguous()) {
      throw new IndexingError(`view: tensor of shape ${formatShape(this.shape)} is not contiguous; call .contiguous() first`);
    }
    return Tensor.apply('view', [this], shape);
  }
  /** A contiguous copy (or this tensor, if it is contiguous already). */
  contiguous(): Tensor {
    return this.data.isContiguous() ? this : Tensor.apply('contiguous', [this], undefined);
  }
  /**
   * This tensor broadcast to `shape`, as a constant copy (used to spread gradients back
   * over reduced dims; not differentiable).
   */
  expand(shape: Shape): Tensor {
    shapeBroadcast(this.shape, shape);
    return this.fromData(this.backend.map('id', this.data, shape));
  }

  // ---- Matrix product ----

  /** Batched matrix product `[..., n, m] @ [..., m, p]` (both at least 2-D; batch dims broadcast). */
  matmul(b: Tensor): Tensor {
    return Tensor.apply('matmul', [this, b], undefined);
  }

  // ---- Values ----

  /** The only value of a 1-element tensor. */
  item(): number {
    if (this.size !== 1) throw new IndexingError(`item: tensor has ${this.size} elements (shape ${formatShape(this.shape)}), expected 1`);
    return this.data.toFlatArray()[0];
  }
  /** The value at `index`. */
  get(...index: number[]): number {
    return this.data.get(index as Index);
  }
  /** Write a value in place (only on tensors that are not part of a graph). */
  set(index: number[], value: number): void {
    if (this.history !== null) throw new Error('set: cannot write into a computed tensor (it is part of a graph)');
    this.data.set(index, value);
  }
  /** All values, row-major. */
  toFlatArray(): Float64Array {
    return this.data.toFlatArray();
  }
  /** Values as nested arrays (a number for a 0-dim tensor). */
  toArray(): NestedArray {
    const flat = this.toFlatArray();
    const build = (dim: number, offset: number): NestedArray => {
      if (dim === this.dims) return flat[offset];
      const step = shapeSize(this.shape.slice(dim + 1));
      return Array.from({ length: this.shape[dim] }, (_, i) => build(dim + 1, offset + i * step));
    };
    return build(0, 0);
  }

  /** PyTorch-style printout, e.g. `tensor([[1.0000, 2.5000], …])`. */
  toString(): string {
    const flat = Array.from(this.toFlatArray());
    const integral = flat.every((v) => Number.isInteger(v));
    const fmt = (v: number): string => (Number.isFinite(v) ? (integral ? `${v}.` : v.toFixed(4)) : String(v));
    const width = Math.max(0, ...flat.map((v) => fmt(v).length));
    const pad = (v: number): string => fmt(v).padStart(width);
    const lines = (dim: number, offset: number, indent: string): string => {
      if (this.dims === 0) return pad(flat[0]);
      const n = this.shape[dim];
      const step = shapeSize(this.shape.slice(dim + 1));
      if (dim === this.dims - 1) {
        return `[${Array.from({ length: n }, (_, i) => pad(flat[offset + i])).join(', ')}]`;
      }
      const sep = ',' + '\n'.repeat(this.dims - dim - 1) + indent + ' ';
      return `[${Array.from({ length: n }, (_, i) => lines(dim + 1, offset + i * step, indent + ' ')).join(sep)}]`;
    };
    const grad = this.history !== null ? `, gradFn=${this.history.op}` : this.requiresGrad ? ', requiresGrad=true' : '';
    return `tensor(${lines(0, 0, '       ')}${grad})`;
  }
}

/**
 * Throw if a tensor that `h`'s op saved for its backward pass was written in place (`set`)
 * since: its gradient would be computed from the new values, silently wrong. Names the
 * modified tensor (the input sharing the saved storage) and the op, as PyTorch does.
 */
function checkSavedVersions(h: TensorHistory): void {
  h.ctx.savedValues.forEach((saved, i) => {
    const now = saved.data.versionCounter.value;
    if (now === h.savedVersions[i]) return;
    const input = h.inputs.find((x) => x.data.versionCounter === saved.data.versionCounter) ?? saved;
    throw new Error(
      `backward: tensor "${input.name}" of shape ${formatShape(input.shape)} was modified in place (set) after "${h.op}" saved it ` +
        `for the backward pass (it is at version ${now}, "${h.op}" needs version ${h.savedVersions[i]}); ` +
        'recompute the result after changing the tensor, or change a copy',
    );
  });
}

/**
 * Sum a gradient of a broadcast shape back to `shape`: over extra leading dims and over
 * dims where `shape` has size 1 (Task 2.4).
 */
export function sumTo(grad: Tensor, shape: Shape): Tensor {
  if (formatShape(grad.shape) === formatShape(shape)) return grad;
  // BEGIN SOLUTION 2.4
  const offset = grad.dims - shape.length;
  let out = grad;
  for (let d = 0; d < grad.dims; d++) {
    const target = d < offset ? 1 : shape[d - offset];
    if (target === 1 && grad.shape[d] !== 1) out = out.sum(d);
  }
  return out.contiguous().view(...shape);
  // END SOLUTION
}

// ---- Creation ----

/** A tensor from flat row-major values and a shape. */
export function fromFlat(values: ArrayLike<number>, shape: Shape, options: TensorOptions = {}): Tensor {
  checkShape(shape);
  if (!ArrayBuffer.isView(values)) {
    // A typed array holds numbers by construction; anything else is checked element by element.
    if (values === null || typeof values !== 'object' || typeof values.length !== 'number') {
      throw new TypeError(`fromFlat: values must be an array of numbers, got ${describeValue(values)}`);
    }
    for (let i = 0; i < values.length; i++) {
      if (typeof values[i] !== 'number') throw new TypeError(`fromFlat: value ${i} must be a number, got ${describeValue(values[i])}`);
    }
  }
  if (values.length !== shapeSize(shape)) {
    throw new IndexingError(`${values.length} values do not fit shape ${formatShape(shape)} (size ${shapeSize(shape)})`);
  }
  const backend = getBackend(options.backend);
  const host = new TensorData(Float64Array.from(values), shape);
  // Creation never runs an exercise kernel, so tensors can be made before Task 2.3 is done.
  const data = backend.upload ? backend.upload(host) : host;
  return new Tensor(data, backend, null, options.requiresGrad ?? false);
}

/** Shape of a nested array; throws on ragged or non-numeric input. */
function nestedShape(values: NestedArray): Shape {
  const shape: Shape = [];
  let level: NestedArray = values;
  while (Array.isArray(level)) {
    shape.push(level.length);
    level = level[0];
  }
  return shape;
}

/** A tensor from (nested arrays of) numbers: `tensor([[1, 2], [3, 4]])`. */
export function tensor(values: NestedArray, options: TensorOptions = {}): Tensor {
  const shape = nestedShape(values);
  const flat: number[] = [];
  const walk = (v: NestedArray, dim: number, path: number[]): void => {
    if (dim === shape.length) {
      if (typeof v !== 'number') throw new TypeError(`tensor: element at [${path.join(', ')}] is not a number`);
      flat.push(v);
      return;
    }
    if (!Array.isArray(v) || v.length !== shape[dim]) {
      throw new IndexingError(
        `tensor: ragged nested array: expected ${shape[dim]} entries at [${path.join(', ')}], got ${Array.isArray(v) ? v.length : 'a number'}`,
      );
    }
    v.forEach((x, i) => walk(x, dim + 1, [...path, i]));
  };
  walk(values, 0, []);
  return fromFlat(flat, shape.length === 0 ? [1] : shape, options);
}

/** A tensor of zeros. */
export function zeros(shape: Shape, options: TensorOptions = {}): Tensor {
  return full(shape, 0, options);
}

/** A tensor of ones. */
export function ones(shape: Shape, options: TensorOptions = {}): Tensor {
  return full(shape, 1, options);
}

/** A tensor filled with `value`. */
export function full(shape: Shape, value: number, options: TensorOptions = {}): Tensor {
  checkShape(shape);
  return fromFlat(new Float64Array(shapeSize(shape)).fill(value), shape, options);
}

/** `[0, 1, …, n−1]` as a 1-D tensor. */
export function arange(n: number, options: TensorOptions = {}): Tensor {
  return fromFlat(Array.from({ length: n }, (_, i) => i), [n], options);
}

/** Options for random tensors: a seed, or a generator to continue. */
export interface RandomOptions extends TensorOptions {
  /** Seed for a fresh generator (default 0). */
  seed?: number;
  /** A generator to draw from (wins over `seed`). */
  rng?: Random;
}

/** Uniform random values in [0, 1), repeatable from `seed` or `rng`. */
export function rand(shape: Shape, options: RandomOptions = {}): Tensor {
  checkShape(shape);
  const rng = options.rng ?? new Random(options.seed ?? 0);
  return fromFlat(Array.from({ length: shapeSize(shape) }, () => rng.next()), shape, options);
}

/** Standard normal random values, repeatable from `seed` or `rng`. */
export function randn(shape: Shape, options: RandomOptions = {}): Tensor {
  checkShape(shape);
  const rng = options.rng ?? new Random(options.seed ?? 0);
  return fromFlat(Array.from({ length: shapeSize(shape) }, () => rng.normal()), shape, options);
}
