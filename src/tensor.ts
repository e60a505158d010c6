/**
 * Module 2 — `Tensor`: n-dimensional data with autodiff, on a pluggable backend.
 *
 * A Tensor is `TensorData` (storage, shape, strides) plus the backend that computes with it
 * and, for computed tensors, its history. It implements the same `Variable` interface as
 * `Scalar`, so `backward()` is the very same `backpropagate` from Module 1.
 *
 * @packageDocumentation
 */
import { Context, Variable, backpropagate, isGradEnabled, newVariableId, noGrad } from './autodiff';
import { IndexEntry, parseIndex } from './basicIndex';
import { ReleaseSite, adopt, internalScope, orphan, releaseLocation, track, trackClass } from './lifetimes';
import { BackendLike, getBackend } from './backends/registry';
import { Random, defaultRng } from './random';
import { OpArgs, TensorFunction, TensorOp, tensorFunctions } from './tensorFunctions';
import {
  IndexingError,
  Index,
  Shape,
  TensorData,
  checkShape,
  formatShape,
  sameShape,
  shapeBroadcast,
  shapeSize,
  newStorage,
} from './tensorData';
import { TensorBackend, normalizeDim } from './tensorOps';
import { EPS } from './operators';
import { checkBoolean, checkNumber, checkNumbers, checkOptions, describeValue, tooManyArguments } from './validate';

/** How a computed tensor was made. */
export interface TensorHistory {
  readonly op: TensorOp;
  readonly arg: unknown;
  readonly ctx: Context<Tensor>;
  readonly inputs: Tensor[];
  /** The version of each of `ctx.savedValues` when it was saved (see `checkSavedVersions`). */
  readonly savedVersions: number[];
  /** Set when a `backward()` without `retainGraph` freed the saved values: a second one throws. */
  freed?: boolean;
}

/** Options of `Tensor.backward`. */
export interface BackwardOptions {
  /**
   * Keep the graph's saved values, so that `backward` can run through it again (default
   * false: they are freed, as in PyTorch's `retain_graph`).
   */
  retainGraph?: boolean;
}

/**
 * How many live (unreleased) tensors use each recyclable storage (`TensorData.storageKey`):
 * the storage is given back when the count reaches 0. Views and `detach()` share storage.
 */
const storageUsers = new WeakMap<object, number>();

/** Whether the backward pass now running keeps the graph's saved values. */
let retainingGraph = true;

/** The release site of the library's own temporaries (never shown: nothing reaches them). */
const INTERNAL_RELEASE: ReleaseSite = { how: 'the library (an internal temporary)', stack: new Error('internal') };

/** A tensor or a plain number (lifted to a 0-dim tensor on the other operand's backend). */
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
  private readonly _data: TensorData;
  /** The backend that computes with this tensor. */
  readonly backend: TensorBackend;
  /** How this tensor was computed (null for leaves and constants). */
  readonly history: TensorHistory | null;
  private _grad: Tensor | null = null;
  /** Whether this leaf tracks gradients. */
  requiresGrad: boolean;
  /** Unique id (keys backpropagation). */
  readonly uniqueId = newVariableId();
  private label: string | undefined;
  /** Where this tensor was released (`dispose`, `tidy`); null while it is live. */
  private releasedAt: ReleaseSite | null = null;
  /** Set by `keep()`: no `tidy` releases it. @internal */
  kept = false;
  /** Set while a parameter, a gradient slot or an optimizer holds it (see `lifetimes.adopt`). @internal */
  adopted = false;
  /** Set when made inside a `tidy` or the library's own scope. @internal */
  scoped = false;
  /**
   * A derivative the backward pass made and alone holds: released once used. (Not called
   * `derivative`: that is where a Scalar keeps its gradient, and duck-typed readers such as
   * `viz.describeVariable` look there first.)
   */
  private backwardTemporary = false;

  constructor(data: TensorData, backend: TensorBackend, history: TensorHistory | null = null, requiresGrad = false) {
    this._data = data;
    this.backend = backend;
    this.history = history;
    this.requiresGrad = requiresGrad;
    const key = data.storageKey;
    if (key !== null) storageUsers.set(key, (storageUsers.get(key) ?? 0) + 1);
    track(this);
  }

  /** Storage, shape and strides (throws once the tensor is released: see `dispose`). */
  get data(): TensorData {
    if (this.releasedAt !== null) this.assertLive();
    return this._data;
  }

  /** Gradient of the last `backward()` output with respect to this leaf (accumulates). */
  get grad(): Tensor | null {
    return this._grad;
  }
  set grad(value: Tensor | null) {
    // A gradient outlives the `tidy` it was computed in; one replaced inside a tidy goes with it.
    adopt(value, this._grad);
    this._grad = value;
  }

  // ---- Lifetime (see `lifetimes.ts`) ----

  /** True once released by `dispose()` or a `tidy`: any use throws. */
  get isReleased(): boolean {
    return this.releasedAt !== null;
  }

  /**
   * Release this tensor now: its memory is reused (once no other live tensor shares it, as a
   * view does) and any later use throws an error naming it and this call. Safe to call twice.
   */
  dispose(): void {
    this.releaseAt({ how: 'dispose()', stack: new Error('dispose') });
  }

  /** Release, recording `site` for the error on reuse. @internal */
  releaseAt(site: ReleaseSite): void {
    if (this.releasedAt !== null) return;
    this.releasedAt = site;
    // Its gradient can no longer be reached through it: it goes too (unless kept or returned).
    if (this._grad !== null) orphan(this._grad, site);
    const key = this._data.storageKey;
    if (key === null) return;
    const users = (storageUsers.get(key) ?? 1) - 1;
    if (users > 0) {
      storageUsers.set(key, users);
      return;
    }
    storageUsers.delete(key);
    this._data.releaseStorage();
  }

  /** Throw the error of a released tensor (naming it and where it was released), if released. @internal */
  assertLive(what?: string): void {
    const site = this.releasedAt;
    if (site === null) return;
    throw new Error(
      `${what === undefined ? '' : `${what}: `}tensor "${this.name}" of shape ${formatShape(this._data.shape)} was released by ${site.how} ` +
        `(at ${releaseLocation(site)}) and cannot be used any more; return it from the tidy function, ` +
        'or keep() it, to use it after the tidy',
    );
  }

  /** A new tensor on the same storage that only the backward pass holds (released once used). */
  private static derivativeOf(g: Tensor): Tensor {
    const d = new Tensor(g.data, g.backend);
    d.backwardTemporary = true;
    return d;
  }

  /**
   * Whether `t` is a derivative of the backward pass whose memory no other live tensor uses
   * (only recyclable storage is counted; smaller storage is never written in place).
   */
  private static ownsAlone(t: Tensor): boolean {
    if (!t.backwardTemporary) return false;
    const key = t._data.storageKey;
    return key !== null && storageUsers.get(key) === 1;
  }

  /** Release `t` if it is a derivative the backward pass alone holds. */
  private static releaseDerivative(t: Tensor): void {
    if (t.backwardTemporary) t.releaseAt(INTERNAL_RELEASE);
  }

  /** Label for graph drawings and error messages (default `t<id>`, built only when read). */
  get name(): string {
    return this.label ?? `t${this.uniqueId}`;
  }
  set name(value: string) {
    this.label = value;
  }

  /**
   * Run a tensor function: compute the output on the inputs' backend and, if any input
   * needs a gradient, record how it was made.
   */
  static apply<K extends TensorOp>(op: K, inputs: Tensor[], arg: OpArgs[K]): Tensor {
    // The one op that crosses backends: `to`'s result lives on its target (see `Tensor.to`).
    const backend = op === 'to' ? (arg as OpArgs['to']).target : inputs[0].backend;
    for (const t of op === 'to' ? [] : inputs) {
      if (t.backend !== backend) {
        throw new Error(
          `${op}: tensors are on different backends ("${backend.name}" and "${t.backend.name}"); move one with .to(...)`,
        );
      }
    }
    const needsInputGrad = isGradEnabled() ? inputs.map((t) => !t.isConstant()) : [];
    const needsGrad = needsInputGrad.includes(true);
    const ctx = new Context<Tensor>(!needsGrad);
    if (needsGrad) ctx.needsInputGrad = needsInputGrad;
    // Forward sees detached inputs, so anything a backward computes from them builds no graph.
    const fn = tensorFunctions[op] as TensorFunction<OpArgs[K]>;
    const detached = inputs.map((t) => t.detach());
    const data = fn.forward(ctx, detached, arg);
    const out = needsGrad
      ? new Tensor(data, backend, {
          op,
          arg,
          ctx,
          inputs,
          savedVersions: ctx.savedValues.map((t) => t.data.versionCounter.value),
        })
      : new Tensor(data, backend, null);
    // The detached inputs that were not saved are gone: they stop counting as users of the
    // inputs' storage (the inputs themselves still do).
    for (const d of detached) if (!ctx.savedValues.includes(d)) d.releaseAt(INTERNAL_RELEASE);
    return out;
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
    if (this.grad === null) {
      // The derivative (or its sum to this shape) becomes the gradient: no longer a temporary.
      g.backwardTemporary = false;
      this.grad = g;
    } else {
      this.grad = this.grad.add(g);
      if (g !== d) g.releaseAt(INTERNAL_RELEASE);
    }
    if (this.grad !== d) Tensor.releaseDerivative(d);
  }
  /** Chain rule: each input paired with its gradient, summed back to the input's shape. */
  chainRule(dOutput: Tensor): Array<[Tensor, Tensor]> {
    const h = this.history;
    if (h === null) throw new Error('chainRule: this tensor has no history');
    if (h.freed) {
      throw new Error(
        `backward: tensor "${this.name}" (made by "${h.op}") is part of a graph that a backward() already went ` +
          `through, which freed the values "${h.op}" saved for it; pass { retainGraph: true } to the first ` +
          'backward() to go through the graph again, or compute the result again',
      );
    }
    checkSavedVersions(h);
    const fn = tensorFunctions[h.op] as TensorFunction<unknown>;
    // The backward function's temporaries go when it returns; each gradient handed on is a
    // tensor of its own, which the backward pass releases once it has used it.
    const out = internalScope(
      () => {
        const grads = fn.backward(h.ctx, dOutput, h.arg);
        const pairs: Array<[Tensor, Tensor]> = [];
        h.inputs.forEach((x, i) => {
          if (x.isConstant()) return;
          const g = grads[i];
          if (g === null || g === undefined)
            throw new Error(`backward of "${h.op}" returned no gradient for its input ${i}, which needs one`);
          pairs.push([x, Tensor.derivativeOf(sumTo(g, x.shape))]);
        });
        return pairs;
      },
      (pairs) => pairs.map(([, g]) => g),
      'backward',
    );
    Tensor.releaseDerivative(dOutput);
    if (!retainingGraph && h.ctx.savedValues.length > 0) {
      for (const saved of h.ctx.savedValues) saved.releaseAt(INTERNAL_RELEASE);
      h.ctx.savedValues = [];
      h.freed = true;
    }
    return out;
  }

  /**
   * Backpropagate from this tensor. `grad` defaults to 1 and may only be omitted for a
   * single-element tensor (a loss), as in PyTorch. The values the graph saved for it are
   * freed after, unless `options.retainGraph`: a second `backward` through it throws.
   */
  backward(grad?: Tensor, options: BackwardOptions = {}): void {
    if (arguments.length > 2) tooManyArguments('backward', 2, arguments.length, 'grad, options');
    if (options === null || typeof options !== 'object') {
      throw new TypeError(
        `backward: options must be an object such as { retainGraph: true }, got ${describeValue(options)}`,
      );
    }
    if (grad !== undefined && !(grad instanceof Tensor)) {
      throw new TypeError(
        `backward: grad must be a Tensor of shape ${formatShape(this.shape)}, got ${describeValue(grad)}`,
      );
    }
    if (this.isConstant()) {
      throw new Error(
        'backward: this tensor does not require a gradient and has no history (call requiresGrad_() on the inputs first)',
      );
    }
    if (grad === undefined) {
      if (this.size !== 1) {
        throw new Error(
          `backward: grad can be omitted only for a 1-element tensor, this has shape ${formatShape(this.shape)}`,
        );
      }
      grad = full(this.shape, 1, { backend: this.backend });
    } else if (!sameShape(grad.shape, this.shape)) {
      throw new IndexingError(
        `backward: grad shape ${formatShape(grad.shape)} does not match tensor shape ${formatShape(this.shape)}`,
      );
    }
    const previous = retainingGraph;
    retainingGraph = options.retainGraph ?? false;
    try {
      backpropagate<Tensor>(this, Tensor.derivativeOf(grad), (a, b) => {
        if (Tensor.ownsAlone(a) && a.backend.zipInPlace?.('add', a.data, b.data)) {
          // Accumulated in place: `a` was a derivative no other tensor shares.
          Tensor.releaseDerivative(b);
          return a;
        }
        const sum = a.add(b);
        Tensor.releaseDerivative(a);
        Tensor.releaseDerivative(b);
        sum.backwardTemporary = true;
        return sum;
      });
    } finally {
      retainingGraph = previous;
    }
  }

  /** Turn gradient tracking on or off for this leaf. */
  requiresGrad_(flag = true): this {
    checkBoolean('requiresGrad_', 'flag', flag);
    this.requiresGrad = flag;
    return this;
  }

  /** Forget the accumulated gradient (inside `tidy`, the old one is released with it). */
  zeroGrad_(): this {
    this.grad = null;
    return this;
  }

  /** The same data with no history and no gradient tracking. */
  detach(): Tensor {
    return new Tensor(this.data, this.backend);
  }

  /**
   * A copy on another backend (this tensor when it is there already). Differentiable, as
   * PyTorch's `.to(device)`: the gradient is copied back to this tensor's backend.
   */
  to(backend: BackendLike): Tensor {
    if (arguments.length > 1) tooManyArguments('to', 1, arguments.length, 'backend');
    const target = getBackend(backend);
    if (target === this.backend) return this;
    return Tensor.apply('to', [this], { source: this.backend, target });
  }

  // ---- Elementwise math ----

  /** Lift a number to a tensor on this backend (`what`: the op, for the message). */
  private lift(b: TensorLike, what: string): Tensor {
    if (b instanceof Tensor) return b;
    if (typeof b !== 'number')
      throw new TypeError(`${what}: other must be a Tensor or a number, got ${describeValue(b)}`);
    return checkedFromFlat(new Float64Array([b]), [], { backend: this.backend });
  }

  /** this + b (broadcasting) */
  add(b: TensorLike): Tensor {
    if (arguments.length > 1) tooManyArguments('add', 1, arguments.length, 'other');
    return Tensor.apply('add', [this, this.lift(b, 'add')], undefined);
  }
  /** this − b */
  sub(b: TensorLike): Tensor {
    if (arguments.length > 1) tooManyArguments('sub', 1, arguments.length, 'other');
    return this.add(this.lift(b, 'sub').neg());
  }
  /** this · b (elementwise) */
  mul(b: TensorLike): Tensor {
    if (arguments.length > 1) tooManyArguments('mul', 1, arguments.length, 'other');
    return Tensor.apply('mul', [this, this.lift(b, 'mul')], undefined);
  }
  /** this / b (elementwise) */
  div(b: TensorLike): Tensor {
    if (arguments.length > 1) tooManyArguments('div', 1, arguments.length, 'other');
    return this.mul(this.lift(b, 'div').inv());
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
    return Tensor.apply('lt', [this, this.lift(b, 'lt')], undefined);
  }
  /** 1.0 where this > b else 0.0 */
  gt(b: TensorLike): Tensor {
    return Tensor.apply('lt', [this.lift(b, 'gt'), this], undefined);
  }
  /** 1.0 where this == b else 0.0 */
  eq(b: TensorLike): Tensor {
    return Tensor.apply('eq', [this, this.lift(b, 'eq')], undefined);
  }
  /** 1.0 where |this − b| < 1e-2 else 0.0 */
  isClose(b: TensorLike): Tensor {
    return Tensor.apply('isClose', [this, this.lift(b, 'isClose')], undefined);
  }
  /** 1.0 where this >= b else 0.0 (the complement of `lt`). */
  ge(b: TensorLike): Tensor {
    return this.lt(this.lift(b, 'ge')).neg().add(1);
  }
  /** 1.0 where this <= b else 0.0 (the complement of `gt`). */
  le(b: TensorLike): Tensor {
    return this.gt(this.lift(b, 'le')).neg().add(1);
  }
  /** 1.0 where this != b else 0.0 (the complement of `eq`). */
  ne(b: TensorLike): Tensor {
    return this.eq(this.lift(b, 'ne')).neg().add(1);
  }
  /** √this (its own tensor function: the backend's `sqrt` map). */
  sqrt(): Tensor {
    return Tensor.apply('sqrt', [this], undefined);
  }
  /** |this| = relu(this) + relu(−this); the gradient at 0 is 0, as in PyTorch. */
  abs(): Tensor {
    return this.relu().add(this.neg().relu());
  }
  /** Hyperbolic tangent, 2·sigmoid(2x) − 1. */
  tanh(): Tensor {
    return this.mul(2).sigmoid().mul(2).sub(1);
  }
  /**
   * this ** exponent. A whole-number exponent multiplies (so negative bases work, as in
   * PyTorch); half-integers use `sqrt`; any other number is exp(exponent · ln this), defined
   * for positive bases (NaN below zero, as in PyTorch). A tensor exponent is PyTorch's `pow`
   * elementwise (negative bases with whole exponents work), with PyTorch's gradients.
   */
  pow(exponent: TensorLike): Tensor {
    if (arguments.length > 1) tooManyArguments('pow', 1, arguments.length, 'exponent');
    if (exponent instanceof Tensor) return Tensor.apply('pow', [this, exponent], undefined);
    if (typeof exponent !== 'number')
      throw new TypeError(`pow: exponent must be a Tensor or a number, got ${describeValue(exponent)}`);
    if (Number.isInteger(exponent)) {
      if (exponent < 0) return this.pow(-exponent).inv();
      // Exponentiation by squaring: log2(n) multiplications, each differentiable.
      let result: Tensor | null = null;
      // eslint-disable-next-line @typescript-eslint/no-this-alias -- the running square starts at this
      let base: Tensor = this;
      for (let n = exponent; n > 0; n = Math.floor(n / 2)) {
        if (n % 2 === 1) result = result === null ? base : result.mul(base);
        if (n > 1) base = base.mul(base);
      }
      return result ?? this.mul(0).add(1);
    }
    if (Number.isInteger(exponent * 2)) {
      const whole = Math.floor(exponent);
      return whole === 0 ? this.sqrt() : this.sqrt().mul(this.pow(whole));
    }
    return naturalLog(this).mul(exponent).exp();
  }
  /** Sine (radians). */
  sin(): Tensor {
    return Tensor.apply('sin', [this], undefined);
  }
  /** Cosine (radians). */
  cos(): Tensor {
    return Tensor.apply('cos', [this], undefined);
  }
  /**
   * The larger of this and `b` elementwise (`torch.maximum`); on a tie each side gets half
   * the gradient, as in PyTorch.
   */
  maximum(b: TensorLike): Tensor {
    return extremum(this, this.lift(b, 'maximum'));
  }
  /** The smaller of this and `b` elementwise (`torch.minimum`); ties as `maximum`. */
  minimum(b: TensorLike): Tensor {
    return extremum(this.neg(), this.lift(b, 'minimum').neg()).neg();
  }
  /** Limit values to [min, max] (either bound may be omitted); no gradient where clamped. */
  clamp(min?: number | null, max?: number | null): Tensor {
    if (arguments.length > 2) tooManyArguments('clamp', 2, arguments.length, 'min, max');
    if (min !== undefined && min !== null) checkNumber('clamp', 'min', min);
    if (max !== undefined && max !== null) checkNumber('clamp', 'max', max);
    if ((min === undefined || min === null) && (max === undefined || max === null)) {
      throw new RangeError('clamp: give at least one of min and max');
    }
    const low = min !== undefined && min !== null ? where(this.lt(min).detach(), min, this) : this;
    return max !== undefined && max !== null ? where(low.gt(max).detach(), max, low) : low;
  }

  // ---- Reductions ----
  // As in PyTorch, a reduction drops the reduced dims unless `keepdim` is true, and a
  // reduction over everything gives a 0-dim tensor. The course's own functions (`nn.max`,
  // the backend's `reduce`) keep the dim with size 1, which is what broadcasting back needs.

  /** The dims a reduction runs over: every dim when `dim` is omitted, each checked once. */
  private reductionDims(dim: number | number[] | undefined, what: string, keepdim: unknown = false): number[] {
    if (typeof keepdim !== 'boolean') checkBoolean(what, 'keepdim', keepdim);
    if (dim === undefined) return this.shape.map((_, i) => i);
    // A 0-dim tensor accepts dim 0 and -1 and reduces over nothing, as in PyTorch.
    if (this.dims === 0) {
      (Array.isArray(dim) ? dim : [dim]).forEach((d) => normalizeDim(d, [1], what));
      return [];
    }
    const dims = (Array.isArray(dim) ? dim : [dim]).map((d) => normalizeDim(d, this.shape, what));
    if (new Set(dims).size !== dims.length)
      throw new IndexingError(`${what}: dim ${formatShape(Array.isArray(dim) ? dim : [dim])} repeats a dimension`);
    return dims;
  }
  /** Apply a keep-dim reduction along each of `dims`, then drop them unless `keepdim`. */
  private reduceOver(dims: number[], keepdim: boolean, one: (t: Tensor, d: number) => Tensor): Tensor {
    const out = dims.reduce<Tensor>(one, this);
    // Reducing over nothing still gives a new tensor (a view), as in PyTorch.
    return keepdim && dims.length > 0 ? out : out.reshape(this.shape.filter((_, i) => !dims.includes(i)));
  }

  /** Sum over `dim` (a dim or a list; all when omitted); the dims are dropped unless `keepdim`. */
  sum(dim?: number | number[], keepdim = false): Tensor {
    if (arguments.length > 2) tooManyArguments('sum', 2, arguments.length, 'dim, keepdim');
    return this.reduceOver(this.reductionDims(dim, 'sum', keepdim), keepdim, (t, d) => Tensor.apply('sum', [t], d));
  }
  /** Mean over `dim` (a dim or a list; all when omitted); the dims are dropped unless `keepdim`. */
  mean(dim?: number | number[], keepdim = false): Tensor {
    if (arguments.length > 2) tooManyArguments('mean', 2, arguments.length, 'dim, keepdim');
    const dims = this.reductionDims(dim, 'mean', keepdim);
    return this.sum(dims, keepdim).div(shapeSize(dims.map((d) => this.shape[d])));
  }
  /**
   * 1 where every value over `dim` (a dim or a list; all when omitted) is non-zero, else 0,
   * as `torch.all` (MiniTorch's `all`, true of a 0/1 mask). The dims are dropped unless
   * `keepdim`; a comparison, so it has no gradient. Counting the zeros (`eq(0).sum`) gives
   * the same answer as MiniTorch's product for 0/1 masks, and for any values.
   */
  all(dim?: number | number[], keepdim = false): Tensor {
    return this.eq(0).sum(this.reductionDims(dim, 'all'), keepdim).eq(0);
  }
  /** Product over `dim` (all when omitted); the dim is dropped unless `keepdim`. */
  prod(dim?: number, keepdim = false): Tensor {
    if (arguments.length > 2) tooManyArguments('prod', 2, arguments.length, 'dim, keepdim');
    if (Array.isArray(dim))
      throw new TypeError("prod: dim must be one integer (PyTorch's prod takes one dim), got an array");
    if (dim !== undefined && this.dims === 0) this.reductionDims(dim, 'prod');
    if (dim === undefined || this.dims === 0) return this.reshape(-1).prod(0);
    return this.reduceOver(this.reductionDims(dim, 'prod', keepdim), keepdim, (t, d) => Tensor.apply('prod', [t], d));
  }
  /** Maximum over `dim` or a list of dims (all when omitted), as `torch.amax`. */
  amax(dim?: number | number[], keepdim = false): Tensor {
    if (arguments.length > 2) tooManyArguments('amax', 2, arguments.length, 'dim, keepdim');
    const dims = this.reductionDims(dim, 'amax', keepdim);
    this.checkNotEmpty(dims, 'amax');
    return this.reduceOver(dims, keepdim, (t, d) => Tensor.apply('max', [t], d));
  }
  /** Minimum over `dim` or a list of dims (all when omitted), as `torch.amin`. */
  amin(dim?: number | number[], keepdim = false): Tensor {
    if (arguments.length > 2) tooManyArguments('amin', 2, arguments.length, 'dim, keepdim');
    this.checkNotEmpty(this.reductionDims(dim, 'amin', keepdim), 'amin');
    return this.neg().amax(dim, keepdim).neg();
  }
  /**
   * Throw when one of `dims` is empty: PyTorch raises too, as the extreme of nothing has no
   * value (−∞ would pass silently).
   */
  private checkNotEmpty(dims: number[], what: string): void {
    const empty = dims.find((d) => this.shape[d] === 0);
    if (empty !== undefined) {
      throw new IndexingError(`${what}: dim ${empty} of shape ${formatShape(this.shape)} is empty; it needs values`);
    }
  }
  /**
   * `max()`: the largest value (0-dim). `max(dim)`: the largest values along `dim` and
   * their indices (the first maximum), as PyTorch's `(values, indices)`.
   */
  max(): Tensor;
  max(dim: number, keepdim?: boolean): { values: Tensor; indices: Tensor };
  max(dim?: number, keepdim = false): Tensor | { values: Tensor; indices: Tensor } {
    if (arguments.length > 2) tooManyArguments('max', 2, arguments.length, 'dim, keepdim');
    checkBoolean('max', 'keepdim', keepdim);
    if (dim === undefined) return this.amax();
    if (this.dims === 0) return { values: this.amax(dim), indices: this.argmax(dim) };
    return valuesAt(this, dim, this.argmax(dim, true), keepdim);
  }
  /** `min()`: the smallest value (0-dim). `min(dim)`: values and indices, as `max`. */
  min(): Tensor;
  min(dim: number, keepdim?: boolean): { values: Tensor; indices: Tensor };
  min(dim?: number, keepdim = false): Tensor | { values: Tensor; indices: Tensor } {
    if (arguments.length > 2) tooManyArguments('min', 2, arguments.length, 'dim, keepdim');
    checkBoolean('min', 'keepdim', keepdim);
    if (dim === undefined) return this.amin();
    if (this.dims === 0) return { values: this.amin(dim), indices: this.argmin(dim) };
    return valuesAt(this, dim, this.argmin(dim, true), keepdim);
  }
  /**
   * The entry at `index` along `dim` (index: this shape with `dim` of size 1, integer
   * positions in `0 … n−1`), as PyTorch's `take_along_dim`. Picked with a one-hot mask and
   * summed, so the gradient goes to that entry alone (how `max(dim)` and max pooling pick one
   * of several equal maxima); the mask selects rather than multiplies, so an ∞ or NaN that
   * is not picked stays out.
   */
  takeAlong(dim: number, index: Tensor, keepdim = false): Tensor {
    if (arguments.length > 3) tooManyArguments('takeAlong', 3, arguments.length, 'dim, index, keepdim');
    const d = normalizeDim(dim, this.shape, 'takeAlong');
    checkTensor('takeAlong', 'index', index);
    checkBoolean('takeAlong', 'keepdim', keepdim);
    const n = this.shape[d];
    // An argmax result needs no check (and on the GPU a check would read it back).
    if (ARG_INDICES.get(index) !== n) checkIndices(index, n, `takeAlong: index along dim ${d} (size ${n})`);
    const positions = arange(n, { backend: this.backend }).reshape(this.shape.map((_, i) => (i === d ? n : 1)));
    return Tensor.apply('select', [positions.eq(index.detach()), this], undefined).sum(d, keepdim);
  }
  /**
   * Index of the largest value along `dim` (the first one on ties, as PyTorch), as a
   * float tensor; without `dim`, the index into the flattened tensor (0-dim). Not differentiable.
   */
  argmax(dim?: number, keepdim = false): Tensor {
    if (arguments.length > 2) tooManyArguments('argmax', 2, arguments.length, 'dim, keepdim');
    checkBoolean('argmax', 'keepdim', keepdim);
    if (dim === undefined) return this.reshape(-1).argmax(0);
    if (this.dims === 0) {
      this.reductionDims(dim, 'argmax');
      return this.zeros([]);
    }
    const d = normalizeDim(dim, this.shape, 'argmax');
    const x = this.detach();
    const n = this.shape[d];
    this.checkNotEmpty([d], 'argmax');
    // Where the maximum is, or a NaN (x ≠ x), which PyTorch treats as the maximum.
    const isMax = x.eq(Tensor.apply('max', [x], d)).add(x.eq(x).neg().add(1));
    // Each position's index where it is a maximum, n elsewhere; the smallest is the first maximum.
    const positions = arange(n, { backend: this.backend }).reshape(this.shape.map((s, i) => (i === d ? n : 1)));
    const candidates = where(isMax, positions, n);
    const indices = candidates.amin(d, keepdim);
    ARG_INDICES.set(indices, n);
    return indices;
  }
  /** Index of the smallest value along `dim` (first on ties); see `argmax`. */
  argmin(dim?: number, keepdim = false): Tensor {
    if (arguments.length > 2) tooManyArguments('argmin', 2, arguments.length, 'dim, keepdim');
    return this.detach().neg().argmax(dim, keepdim);
  }
  /** log Σ exp over `dim` (a dim or a list), computed stably by shifting by the maximum. */
  logsumexp(dim: number | number[], keepdim = false): Tensor {
    if (arguments.length > 2) tooManyArguments('logsumexp', 2, arguments.length, 'dim, keepdim');
    if (dim === undefined) throw new TypeError('logsumexp: dim is required (a dim or a list of dims), got undefined');
    const dims = this.reductionDims(dim, 'logsumexp', keepdim);
    const max = this.detach().amax(dims, true);
    // Shift by the maximum where it is finite; an infinite one (all −∞, or a +∞) would give
    // ∞ − ∞ = NaN, where PyTorch gives −∞ and +∞.
    const m = where(max.sub(max).eq(0), max, 0);
    const out = naturalLog(this.sub(m).exp().sum(dims, true)).add(m);
    return keepdim ? out : out.reshape(this.shape.filter((_, i) => !dims.includes(i)));
  }
  /**
   * Variance over `dim` (a dim or a list; all when omitted) with Bessel's `correction`
   * (default 1, PyTorch's default): Σ(x − mean)² / (N − correction).
   */
  var(dim?: number | number[], options: VarianceOptions = {}): Tensor {
    if (arguments.length > 2) tooManyArguments('var', 2, arguments.length, 'dim, options');
    checkVarianceOptions('var', options);
    const dims = this.reductionDims(dim, 'var', options.keepdim ?? false);
    const n = shapeSize(dims.map((d) => this.shape[d]));
    const diff = this.sub(this.mean(dims, true));
    return diff
      .mul(diff)
      .sum(dims, options.keepdim ?? false)
      .div(Math.max(0, n - (options.correction ?? 1)));
  }
  /** Standard deviation: √var (same arguments as `var`). */
  std(dim?: number | number[], options: VarianceOptions = {}): Tensor {
    if (arguments.length > 2) tooManyArguments('std', 2, arguments.length, 'dim, options');
    checkVarianceOptions('std', options);
    return this.var(dim, options).sqrt();
  }

  // ---- Shape ----

  /** Reorder dimensions: result dim i is this tensor's dim `order[i]` (a view). */
  permute(...order: number[]): Tensor {
    // Negative dims count from the end, as in PyTorch; anything else invalid is left to
    // `data.permute`, which validates with a clear message before anything is recorded.
    const n = this.dims;
    order = order.map((d) => (Number.isInteger(d) && d < 0 && d >= -n ? d + n : d));
    this.data.permute(...order);
    return Tensor.apply('permute', [this], order);
  }
  /** Swap two dimensions. */
  transpose(dim0 = -2, dim1 = -1): Tensor {
    if (arguments.length > 2) tooManyArguments('transpose', 2, arguments.length, 'dim0, dim1');
    const order = this.shape.map((_, i) => i);
    const a = normalizeDim(dim0, this.shape, 'transpose');
    const b = normalizeDim(dim1, this.shape, 'transpose');
    [order[a], order[b]] = [order[b], order[a]];
    return this.permute(...order);
  }
  /**
   * The same elements with another shape (a view; the tensor must be contiguous). One
   * dimension may be -1, inferred from the others; the shape may be given as one array.
   */
  view(...shape: number[] | [number[]]): Tensor {
    const target = inferShape(this, 'view', shape);
    if (!this.data.isContiguous()) {
      throw new IndexingError(
        `view: tensor of shape ${formatShape(this.shape)} is not contiguous; call .contiguous() first or use reshape`,
      );
    }
    return Tensor.apply('view', [this], target);
  }
  /** The same elements with another shape: a view when contiguous, else a contiguous copy. */
  reshape(...shape: number[] | [number[]]): Tensor {
    const target = inferShape(this, 'reshape', shape);
    return this.contiguous().view(target);
  }
  /**
   * Drop `dim` (a dim or a list) where its size is 1 (every size-1 dim when omitted), as
   * PyTorch; a 0-dim tensor accepts dim 0 and -1.
   */
  squeeze(dim?: number | number[]): Tensor {
    if (arguments.length > 1) tooManyArguments('squeeze', 1, arguments.length, 'dim');
    if (dim === undefined) return this.reshape(this.shape.filter((s) => s !== 1));
    const dims = this.reductionDims(dim, 'squeeze').filter((d) => this.shape[d] === 1);
    return dims.length === 0 && this.dims > 0 ? this : this.reshape(this.shape.filter((_, i) => !dims.includes(i)));
  }
  /** Insert a dim of size 1 at `dim` (in −(dims+1) … dims). */
  unsqueeze(dim: number): Tensor {
    if (arguments.length > 1) tooManyArguments('unsqueeze', 1, arguments.length, 'dim');
    const d = normalizeDim(dim, [...this.shape, 1], 'unsqueeze');
    const shape = this.shape.slice();
    shape.splice(d, 0, 1);
    return this.reshape(shape);
  }
  /** Merge dims `startDim` … `endDim` into one (a 0-dim tensor becomes 1-D). */
  flatten(startDim = 0, endDim = -1): Tensor {
    if (arguments.length > 2) tooManyArguments('flatten', 2, arguments.length, 'startDim, endDim');
    if (this.dims === 0) return this.reshape(1);
    const s = normalizeDim(startDim, this.shape, 'flatten');
    const e = normalizeDim(endDim, this.shape, 'flatten');
    if (s > e)
      throw new IndexingError(
        `flatten: startDim ${startDim} comes after endDim ${endDim} for shape ${formatShape(this.shape)}`,
      );
    return this.reshape([...this.shape.slice(0, s), shapeSize(this.shape.slice(s, e + 1)), ...this.shape.slice(e + 1)]);
  }
  /** The entries at `indices` along `dim`, in that order (`torch.index_select`). */
  indexSelect(dim: number, indices: number[]): Tensor {
    if (arguments.length > 2) tooManyArguments('indexSelect', 2, arguments.length, 'dim, indices');
    const d = normalizeDim(dim, this.shape, 'indexSelect');
    if (!Array.isArray(indices)) {
      throw new TypeError(`indexSelect: indices must be an array of integers, got ${describeValue(indices)}`);
    }
    indices.forEach((i) => {
      if (!Number.isInteger(i) || i < 0 || i >= this.shape[d]) {
        throw new IndexingError(
          `indexSelect: index ${i} is out of range for dim ${d} of shape ${formatShape(this.shape)}`,
        );
      }
    });
    return mixAlong(this, d, indices);
  }
  /**
   * `length` entries along `dim` from `start` (`torch.narrow`; a negative start counts from the
   * end): a view, as `at` gives.
   */
  narrow(dim: number, start: number, length: number): Tensor {
    if (arguments.length > 3) tooManyArguments('narrow', 3, arguments.length, 'dim, start, length');
    const d = normalizeDim(dim, this.shape, 'narrow');
    if (Number.isInteger(start) && start < 0 && start >= -this.shape[d]) start += this.shape[d];
    if (
      !Number.isInteger(start) ||
      !Number.isInteger(length) ||
      start < 0 ||
      length < 0 ||
      start + length > this.shape[d]
    ) {
      throw new IndexingError(
        `narrow: [${start}, ${start + length}) is out of range for dim ${d} of shape ${formatShape(this.shape)}`,
      );
    }
    // A view, as PyTorch's: the slice `start:start+length` of dim d (see `at`).
    return this.at(...new Array<string>(d).fill(':'), `${start}:${start + length}`);
  }
  /** A contiguous copy (or this tensor, if it is contiguous already). */
  contiguous(): Tensor {
    return this.data.isContiguous() ? this : Tensor.apply('contiguous', [this], undefined);
  }
  /**
   * This tensor broadcast to `shape` (a copy; -1 keeps a dim's size), as `torch.expand`.
   * Differentiable: the gradient is summed back over the broadcast dims.
   */
  expand(...shape: number[] | [number[]]): Tensor {
    const wanted = (shape.length === 1 && Array.isArray(shape[0]) ? shape[0] : shape) as number[];
    const offset = wanted.length - this.dims;
    const target = wanted.map((s, i) => {
      if (s !== -1) return s;
      if (i < offset)
        throw new IndexingError(`expand: -1 is not allowed for the new leading dim ${i} in ${formatShape(wanted)}`);
      return this.shape[i - offset];
    });
    checkShape(target, 'expand: shape');
    if (!sameShape(shapeBroadcast(this.shape, target), target)) {
      throw new IndexingError(`expand: shape ${formatShape(this.shape)} cannot be expanded to ${formatShape(target)}`);
    }
    const copy = this.fromData(this.backend.map('id', this.data, target));
    // Tracked through a broadcast add of zeros, whose backward sums the gradient back.
    return isGradEnabled() && !this.isConstant() ? this.add(copy.zeros()) : copy;
  }

  // ---- Matrix product ----

  /**
   * Matrix product as `torch.matmul`: batched `[..., n, m] @ [..., m, p]` with batch dims
   * broadcast; a 1-D left side is a row vector and a 1-D right side a column vector, and the
   * added dim is removed again (two vectors give their 0-dim dot product).
   */
  matmul(b: Tensor): Tensor {
    if (arguments.length > 1) tooManyArguments('matmul', 1, arguments.length, 'other');
    checkTensor('matmul', 'other', b);
    if (this.dims === 0 || b.dims === 0) {
      throw new IndexingError(
        `matmul: both arguments need at least 1 dim, got shapes ${formatShape(this.shape)} and ${formatShape(b.shape)}`,
      );
    }
    const a2 = this.dims === 1 ? this.unsqueeze(0) : this;
    const b2 = b.dims === 1 ? b.unsqueeze(-1) : b;
    let out = Tensor.apply('matmul', [a2, b2], undefined);
    if (b.dims === 1) out = out.squeeze(-1);
    if (this.dims === 1) out = out.squeeze(b.dims === 1 ? -1 : -2);
    return out;
  }

  // ---- Indexing ----

  /**
   * PyTorch's basic indexing, `x[...]`, one argument per entry of the Python index: an
   * integer (negative counts from the end) picks one position and drops the dim; a slice
   * string as Python writes it (`':'`, `'1:3'`, `'::2'`, `'-2:'`) keeps the dim; `null`
   * (Python's `None`) inserts a dim of size 1; `'...'` stands for all the dims not named.
   * `w[:, 0]` is `w.at(':', 0)`, `x[1:3]` is `x.at('1:3')`, `x[..., None]` is `x.at('...', null)`.
   *
   * The result is a view, as in PyTorch: it shares this tensor's memory and version counter
   * (a start position plus strides, see `basicIndex.ts`), so `noGrad(() => x.at(0).fill_(5))`
   * changes row 0 of `x`, and a write into `x` shows in the view. Differentiable: the
   * gradient lands on the picked positions. A negative step is an error (as in PyTorch).
   */
  at(...index: IndexEntry[]): Tensor {
    return Tensor.apply('at', [this], parseIndex(this.shape, index));
  }

  // ---- In place ----
  // Under noGrad() (or on tensors that track nothing), as hand-written training loops use
  // them. Each write bumps the storage's version counter, so a backward that saved the old
  // values throws instead of computing with the new ones.

  /** Add `b` (times `alpha`) in place, as `x.add_(b, alpha=...)`. */
  add_(b: TensorLike, options: { alpha?: number } = {}): this {
    const alpha = options.alpha ?? 1;
    return this.writeInPlace('add_', () => this.add(alpha === 1 ? b : this.lift(b, 'add_').mul(alpha)));
  }
  /** Subtract `b` (times `alpha`) in place. */
  sub_(b: TensorLike, options: { alpha?: number } = {}): this {
    const alpha = options.alpha ?? 1;
    return this.writeInPlace('sub_', () => this.sub(alpha === 1 ? b : this.lift(b, 'sub_').mul(alpha)));
  }
  /** Multiply by `b` in place. */
  mul_(b: TensorLike): this {
    return this.writeInPlace('mul_', () => this.mul(b));
  }
  /** Set every element to 0 in place. */
  zero_(): this {
    return this.fill_(0);
  }
  /** Set every element to `value` in place. */
  fill_(value: number): this {
    if (typeof value !== 'number') throw new TypeError(`fill_: value must be a number, got ${describeValue(value)}`);
    return this.writeInPlace('fill_', () => full(this.shape, value, { backend: this.backend }));
  }
  /** Copy `src`'s values in place (broadcast to this shape; from any backend). */
  copy_(src: Tensor): this {
    if (!(src instanceof Tensor)) throw new TypeError(`copy_: src must be a Tensor, got ${describeValue(src)}`);
    const fits =
      src.dims <= this.dims && src.shape.every((s, i) => s === 1 || s === this.shape[this.dims - src.dims + i]);
    if (!fits) {
      throw new IndexingError(
        `copy_: src of shape ${formatShape(src.shape)} cannot be broadcast to this tensor's shape ${formatShape(this.shape)}`,
      );
    }
    return this.writeInPlace('copy_', () => src.to(this.backend).expand(this.shape));
  }
  /** Compute the new values without a graph, check they fit, and write them into this storage. */
  private writeInPlace(what: string, compute: () => Tensor): this {
    if (isGradEnabled() && !this.isConstant()) {
      throw new Error(
        `${what}: ${this.isLeaf() ? 'a leaf that requires grad' : 'a computed tensor (part of a graph)'} ` +
          'can only be changed in place inside minitorch.noGrad(() => ...)',
      );
    }
    const value = noGrad(compute);
    if (!sameShape(value.shape, this.shape)) {
      throw new IndexingError(
        `${what}: the result has shape ${formatShape(value.shape)}, which does not fit this tensor's shape ${formatShape(this.shape)}`,
      );
    }
    this.data.assign(value.toFlatArray());
    return this;
  }

  // ---- Values ----

  /** The only value of a 1-element tensor. */
  item(): number {
    if (this.size !== 1)
      throw new IndexingError(`item: tensor has ${this.size} elements (shape ${formatShape(this.shape)}), expected 1`);
    return this.data.toFlatArray()[0];
  }
  /** The value at `index` (one entry per dim; `[]` for a 0-dim tensor). */
  get(index: number[]): number {
    if (arguments.length > 1) tooManyArguments('get', 1, arguments.length, 'index (one array)');
    return this.data.get(this.indexArg(index, 'get'));
  }
  /** Write a value at `index` in place (only on tensors that are not part of a graph). */
  set(index: number[], value: number): void {
    if (arguments.length > 2) tooManyArguments('set', 2, arguments.length, 'index, value');
    if (this.history !== null && isGradEnabled())
      throw new Error('set: cannot write into a computed tensor (it is part of a graph)');
    this.data.set(this.indexArg(index, 'set'), value);
  }
  /** `index` when it is an array of numbers; else an error showing the form `get` expects. */
  private indexArg(index: unknown, what: string): Index {
    if (!Array.isArray(index) || !index.every((i) => typeof i === 'number')) {
      const example = `[${this.shape.map(() => 0).join(', ')}]`;
      throw new TypeError(
        `${what}: index must be an array of numbers, one per dim (shape ${formatShape(this.shape)}: ` +
          `e.g. x.${what}(${example}${what === 'set' ? ', value' : ''})), got ${describeValue(index)}`,
      );
    }
    return index;
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
    if (this.releasedAt !== null) return `tensor(<"${this.name}", released by ${this.releasedAt.how}>)`;
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

trackClass(Tensor);

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
      `backward: tensor "${input.name}" of shape ${formatShape(input.shape)} was modified in place (set or an in-place op such as add_) after "${h.op}" saved it ` +
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
  checkTensor('sumTo', 'grad', grad);
  checkShape(shape, 'sumTo: shape');
  if (sameShape(grad.shape, shape)) return grad;
  // BEGIN SOLUTION 2.4
  const offset = grad.dims - shape.length;
  let out = grad;
  for (let d = 0; d < grad.dims; d++) {
    const target = d < offset ? 1 : shape[d - offset];
    if (target === 1 && grad.shape[d] !== 1) out = out.sum(d, true);
  }
  return out.contiguous().view(...shape);
  // END SOLUTION
}

// ---- Creation ----

/** A tensor from flat row-major values and a shape. */
export function fromFlat(values: ArrayLike<number>, shape: Shape, options: TensorOptions = {}): Tensor {
  if (arguments.length > 3) tooManyArguments('fromFlat', 3, arguments.length, 'values, shape, options');
  checkTensorOptions('fromFlat', options);
  checkShape(shape, 'fromFlat: shape');
  checkNumbers('fromFlat', 'values', values);
  if (values.length !== shapeSize(shape)) {
    throw new IndexingError(
      `${values.length} values do not fit shape ${formatShape(shape)} (size ${shapeSize(shape)})`,
    );
  }
  return checkedFromFlat(values, shape, options);
}

/**
 * `fromFlat` for arguments already checked (by a public function, or made here): `lift` runs
 * it for every number in an op, so it skips the checks `fromFlat` makes.
 */
function checkedFromFlat(values: ArrayLike<number>, shape: Shape, options: TensorOptions): Tensor {
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

/** A tensor from (nested arrays of) numbers: `tensor([[1, 2], [3, 4]])`; `tensor(3)` is 0-dim. */
export function tensor(values: NestedArray, options: TensorOptions = {}): Tensor {
  if (arguments.length > 2) tooManyArguments('tensor', 2, arguments.length, 'values, options');
  checkTensorOptions('tensor', options);
  const shape = nestedShape(values);
  const flat: number[] = [];
  const walk = (v: NestedArray, dim: number, path: number[]): void => {
    if (dim === shape.length) {
      if (typeof v !== 'number') {
        const where = dim === 0 ? 'values' : `element at [${path.join(', ')}]`;
        throw new TypeError(`tensor: ${where} is not a number or nested arrays of numbers, got ${describeValue(v)}`);
      }
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
  return checkedFromFlat(flat, shape, options);
}

/** A tensor of zeros. */
export function zeros(shape: Shape, options: TensorOptions = {}): Tensor {
  if (arguments.length > 2) tooManyArguments('zeros', 2, arguments.length, 'shape, options');
  return filled('zeros', shape, 0, options);
}

/** A tensor of ones. */
export function ones(shape: Shape, options: TensorOptions = {}): Tensor {
  if (arguments.length > 2) tooManyArguments('ones', 2, arguments.length, 'shape, options');
  return filled('ones', shape, 1, options);
}

/** A tensor filled with `value`. */
export function full(shape: Shape, value: number, options: TensorOptions = {}): Tensor {
  if (arguments.length > 3) tooManyArguments('full', 3, arguments.length, 'shape, value, options');
  checkNumber('full', 'value', value);
  return filled('full', shape, value, options);
}

/** `zeros`, `ones` and `full`: storage of `shape` filled with `value`, checked as `what`. */
function filled(what: string, shape: Shape, value: number, options: TensorOptions): Tensor {
  checkShape(shape, `${what}: shape`);
  checkTensorOptions(what, options);
  return checkedFromFlat(newStorage(shape).fill(value), shape, options);
}

/** The keys of `TensorOptions`, for `checkOptions`. */
const TENSOR_OPTIONS = ['backend', 'requiresGrad'];

/** Throw unless `options` holds only `TensorOptions` (and `extra` keys), of the right types. */
function checkTensorOptions(what: string, options: TensorOptions, extra: readonly string[] = []): void {
  checkOptions(what, options, extra.length === 0 ? TENSOR_OPTIONS : [...TENSOR_OPTIONS, ...extra]);
  if (options?.requiresGrad !== undefined) checkBoolean(what, 'requiresGrad', options.requiresGrad);
}

/** Throw unless `value` is a Tensor (the argument `name` of `what`). */
export function checkTensor(what: string, name: string, value: unknown): asserts value is Tensor {
  if (!(value instanceof Tensor)) throw new TypeError(`${what}: ${name} must be a Tensor, got ${describeValue(value)}`);
}

/**
 * `torch.arange`: `arange(end)` is `[0, 1, …, end−1]`; `arange(start, end)` and
 * `arange(start, end, step)` run from `start` by `step` up to, not including, `end`.
 * Options (`backend`, `requiresGrad`) come last.
 */
export function arange(end: number, options?: TensorOptions): Tensor;
export function arange(start: number, end: number, options?: TensorOptions): Tensor;
export function arange(start: number, end: number, step: number, options?: TensorOptions): Tensor;
export function arange(...args: Array<number | TensorOptions | undefined>): Tensor {
  const last = args[args.length - 1];
  const options = (typeof last === 'object' && last !== null ? args.pop() : undefined) as TensorOptions | undefined;
  while (args.length > 0 && args[args.length - 1] === undefined) args.pop();
  if (args.length < 1 || args.length > 3 || args.some((a) => typeof a !== 'number' || !Number.isFinite(a))) {
    throw new TypeError(
      `arange: expected (end), (start, end) or (start, end, step) as finite numbers, then options; got ${describeValue(args)}`,
    );
  }
  checkTensorOptions('arange', options ?? {});
  const nums = args as number[];
  const [start, end, step] = nums.length === 1 ? [0, nums[0], 1] : [nums[0], nums[1], nums[2] ?? 1];
  if (step === 0) throw new RangeError('arange: step must not be 0');
  if ((end - start) / step < 0) {
    throw new RangeError(`arange: end ${end} cannot be reached from start ${start} with step ${step}`);
  }
  const n = Math.ceil((end - start) / step);
  return fromFlat(
    Array.from({ length: n }, (_, i) => start + i * step),
    [n],
    options,
  );
}

/**
 * `torch.linspace(start, end, steps)`: `steps` evenly spaced values from `start` to `end`
 * inclusive, computed as PyTorch does (from both ends, so the last value is exactly `end`).
 */
export function linspace(start: number, end: number, steps: number, options: TensorOptions = {}): Tensor {
  if (arguments.length > 4) tooManyArguments('linspace', 4, arguments.length, 'start, end, steps, options');
  checkTensorOptions('linspace', options);
  if (typeof start !== 'number' || typeof end !== 'number')
    throw new TypeError(
      `linspace: start and end must be numbers, got ${describeValue(start)} and ${describeValue(end)}`,
    );
  if (!Number.isInteger(steps) || steps < 0)
    throw new RangeError(`linspace: steps must be an integer >= 0, got ${describeValue(steps)}`);
  const step = steps > 1 ? (end - start) / (steps - 1) : 0;
  const half = Math.floor(steps / 2);
  return fromFlat(
    Array.from({ length: steps }, (_, i) =>
      i < half || steps === 1 ? start + step * i : end - step * (steps - 1 - i),
    ),
    [steps],
    options,
  );
}

/** Options for random tensors: a seed, or a generator to continue. */
export interface RandomOptions extends TensorOptions {
  /** Seed for a fresh generator (default 0). */
  seed?: number;
  /** A generator to draw from (wins over `seed`). */
  rng?: Random;
}

/** The generator of `options`: its `rng`, a fresh one from `seed`, else the default (see `manualSeed`). */
function randomSource(options: RandomOptions): Random {
  return options.rng ?? (options.seed !== undefined ? new Random(options.seed) : defaultRng());
}

/** Uniform random values in [0, 1), repeatable from `seed` or `rng`. */
export function rand(shape: Shape, options: RandomOptions = {}): Tensor {
  if (arguments.length > 2) tooManyArguments('rand', 2, arguments.length, 'shape, options');
  checkRandomOptions('rand', shape, options);
  const rng = randomSource(options);
  return checkedFromFlat(
    Array.from({ length: shapeSize(shape) }, () => rng.next()),
    shape,
    options,
  );
}

/** Standard normal random values, repeatable from `seed` or `rng`. */
export function randn(shape: Shape, options: RandomOptions = {}): Tensor {
  if (arguments.length > 2) tooManyArguments('randn', 2, arguments.length, 'shape, options');
  checkRandomOptions('randn', shape, options);
  const rng = randomSource(options);
  return checkedFromFlat(
    Array.from({ length: shapeSize(shape) }, () => rng.normal()),
    shape,
    options,
  );
}

/** Check the arguments of `rand` and `randn` (the seed is checked by `Random`). */
function checkRandomOptions(what: string, shape: Shape, options: RandomOptions): void {
  checkShape(shape, `${what}: shape`);
  checkTensorOptions(what, options, ['seed', 'rng']);
  if (options.rng !== undefined && !(options.rng instanceof Random)) {
    throw new TypeError(`${what}: rng must be a Random, got ${describeValue(options.rng)}`);
  }
}

/** Throw unless `options` holds only `VarianceOptions` of the right types. */
function checkVarianceOptions(what: string, options: VarianceOptions): void {
  checkOptions(what, options, ['correction', 'keepdim']);
  if (options.correction !== undefined) checkNumber(what, 'correction', options.correction);
  if (options.keepdim !== undefined) checkBoolean(what, 'keepdim', options.keepdim);
}

/**
 * The larger of `a` and `b` elementwise; where they tie each gets half the gradient (how
 * PyTorch's `maximum` splits it). `minimum` is this on negated inputs.
 */
function extremum(a: Tensor, b: Tensor): Tensor {
  const greater = a.gt(b).detach();
  const less = a.lt(b).detach();
  const tie = a.eq(b).detach().mul(0.5);
  const pick = (mask: Tensor, x: Tensor): Tensor => Tensor.apply('select', [mask, x], undefined);
  return pick(greater, a).add(pick(less, b)).add(a.mul(tie)).add(b.mul(tie));
}

/** Keyword options of `var` and `std`. */
export interface VarianceOptions {
  /** Subtracted from the count in the denominator (default 1: the unbiased estimate). */
  correction?: number;
  /** Keep the reduced dims with size 1 (default false). */
  keepdim?: boolean;
}

/**
 * The natural log. The course's `log` is log(x + 1e-6) so that log(0) stays finite in
 * training; shifting by −1e-6 first gives the plain log of x (to rounding) with the same
 * kernels and gradient, which `pow` and `logsumexp` need to match PyTorch.
 */
function naturalLog(t: Tensor): Tensor {
  return t.sub(EPS).log();
}

/** `max(dim)`/`min(dim)`'s result: the entries of `t` at `indices` (kept dim) along `dim`, and the indices. */
function valuesAt(t: Tensor, dim: number, indices: Tensor, keepdim: boolean): { values: Tensor; indices: Tensor } {
  return { values: t.takeAlong(dim, indices, keepdim), indices: keepdim ? indices : indices.squeeze(dim) };
}

/** The shape of a `view`/`reshape` call: one array or numbers, at most one -1 inferred. */
function inferShape(t: Tensor, what: string, args: number[] | [number[]]): Shape {
  const shape = (args.length === 1 && Array.isArray(args[0]) ? args[0] : args) as number[];
  const unknown = shape.filter((d) => d === -1).length;
  if (unknown > 1) throw new IndexingError(`${what}: only one dimension can be -1, got ${formatShape(shape)}`);
  checkShape(
    shape.map((d) => (d === -1 ? 0 : d)),
    `${what}: shape`,
  );
  const known = shapeSize(shape.filter((d) => d !== -1));
  let out = shape;
  if (unknown === 1) {
    if (known === 0 || t.size % known !== 0) {
      throw new IndexingError(
        `${what}: shape ${formatShape(shape)} cannot hold the ${t.size} elements of shape ${formatShape(t.shape)}`,
      );
    }
    out = shape.map((d) => (d === -1 ? t.size / known : d));
  }
  if (shapeSize(out) !== t.size) {
    throw new IndexingError(
      `${what}: shape ${formatShape(out)} has ${shapeSize(out)} elements but the tensor has ${t.size} (shape ${formatShape(t.shape)})`,
    );
  }
  return out;
}

/**
 * Entries along `dim` rearranged by a 0/1 matrix, with `sources[j]` the input index that
 * output position j takes (null: zero). A matrix product, so it runs on every backend and
 * its gradient (the transposed placement) comes from matmul's. Used by `indexSelect`,
 * `cat` and padding; it costs input size × output length, fine for the sizes it serves.
 */
export function mixAlong(t: Tensor, dim: number, sources: Array<number | null>): Tensor {
  const d = normalizeDim(dim, t.shape);
  const n = t.shape[d];
  const m = sources.length;
  const matrix = new Float64Array(n * m);
  sources.forEach((s, j) => {
    if (s !== null) matrix[s * m + j] = 1;
  });
  const select = fromFlat(matrix, [n, m], { backend: t.backend });
  return t.transpose(d, -1).matmul(select).transpose(d, -1);
}

/**
 * Elementwise choice: `input` where `condition` is 1, `other` where it is 0
 * (`condition` is a 0/1 tensor such as `a.gt(b)`; all three broadcast). Computed as
 * c·input + (1 − c)·other, so a NaN or infinity in the branch not taken still shows.
 */
export function where(condition: Tensor, input: TensorLike, other: TensorLike): Tensor {
  if (arguments.length > 3) tooManyArguments('where', 3, arguments.length, 'condition, input, other');
  checkTensor('where', 'condition', condition);
  checkTensorLike('where', 'input', input);
  checkTensorLike('where', 'other', other);
  const c = condition.detach();
  const lift = (x: TensorLike): Tensor => (x instanceof Tensor ? x : full([], x, { backend: c.backend }));
  // Selects rather than multiplies (c·a + (1−c)·b), so an ∞ or NaN in the branch not taken stays out.
  return Tensor.apply('select', [c, lift(input)], undefined).add(
    Tensor.apply('select', [c.neg().add(1), lift(other)], undefined),
  );
}

/** Results of `argmax`, with the size of the dim they index: valid indices by construction. */
const ARG_INDICES = new WeakMap<Tensor, number>();

/**
 * Throw unless every value of `index` is an integer position in `0 … n−1`: a bad one would
 * otherwise match no position and silently pick 0.
 */
function checkIndices(index: Tensor, n: number, what: string): void {
  const values = index.toFlatArray();
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!(Number.isInteger(v) && v >= 0 && v < n)) {
      throw new IndexingError(`${what}: got ${v}; expected an integer from 0 to ${n - 1}`);
    }
  }
}

/** Throw unless `value` is a Tensor or a number. */
function checkTensorLike(what: string, name: string, value: unknown): void {
  if (!(value instanceof Tensor) && typeof value !== 'number') {
    throw new TypeError(`${what}: ${name} must be a Tensor or a number, got ${describeValue(value)}`);
  }
}

/** Throw unless `tensors` is a non-empty array of Tensors (for cat/stack). */
function checkTensorList(what: string, tensors: unknown): asserts tensors is Tensor[] {
  if (!Array.isArray(tensors)) {
    throw new TypeError(`${what}: tensors must be an array of Tensors, got ${describeValue(tensors)}`);
  }
  if (tensors.length === 0) throw new IndexingError(`${what}: expected a non-empty list of tensors`);
  tensors.forEach((t, i) => checkTensor(what, `tensors[${i}]`, t));
}

/** Check that every tensor matches the first one's shape except along `dim` (for cat/stack). */
function checkJoin(what: string, tensors: Tensor[], dim: number | null): void {
  checkTensorList(what, tensors);
  const first = tensors[0].shape;
  tensors.forEach((t, i) => {
    const same = t.dims === first.length && t.shape.every((s, k) => k === dim || s === first[k]);
    if (!same) {
      const rule = dim === null ? 'equal shapes' : `the same shape except in dim ${dim}`;
      throw new IndexingError(
        `${what}: tensor ${i} has shape ${formatShape(t.shape)}, tensor 0 has ${formatShape(first)}; expected ${rule}`,
      );
    }
  });
}

/** Join tensors along an existing `dim` (default 0), as `torch.cat`. */
export function cat(tensors: Tensor[], dim = 0): Tensor {
  if (arguments.length > 2) tooManyArguments('cat', 2, arguments.length, 'tensors, dim');
  checkTensorList('cat', tensors);
  const d = normalizeDim(dim, tensors[0].shape, 'cat');
  checkJoin('cat', tensors, d);
  const total = tensors.reduce((n, t) => n + t.shape[d], 0);
  // Each input is placed at its offset in a zero tensor of the full length; the sum joins them.
  let offset = 0;
  let out: Tensor | null = null;
  for (const t of tensors) {
    const start = offset;
    const placed = mixAlong(
      t,
      d,
      Array.from({ length: total }, (_, j) => (j >= start && j < start + t.shape[d] ? j - start : null)),
    );
    out = out === null ? placed : out.add(placed);
    offset += t.shape[d];
  }
  return out as Tensor;
}

/** Join equal-shaped tensors along a new `dim` (default 0), as `torch.stack`. */
export function stack(tensors: Tensor[], dim = 0): Tensor {
  if (arguments.length > 2) tooManyArguments('stack', 2, arguments.length, 'tensors, dim');
  checkJoin('stack', tensors, null);
  const d = normalizeDim(dim, [...tensors[0].shape, 1], 'stack');
  return cat(
    tensors.map((t) => t.unsqueeze(d)),
    d,
  );
}
