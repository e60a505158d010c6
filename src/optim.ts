/**
 * Optimisers: turn the gradients left on parameters by `backward()` into updated values.
 * Updates run under `noGrad` and replace each parameter's value (`Parameter.update`), so the
 * graph of the last step is dropped.
 *
 * @packageDocumentation
 */
import { noGrad } from './autodiff';
import { Parameter } from './module';
import * as ops from './operators';
import { Tensor } from './tensor';

/**
 * The elementwise arithmetic an update rule is written in, once, for two kinds of values:
 * tensors (one backend op per call) and slices of a fused pass (one tight loop over a slice
 * per call, see `TensorBackend.fusedElementwise`). `SLICES` computes each element exactly as
 * `Tensor` does (a − b as a + (−b), a / b as a · (1/b), with the scalar functions of
 * `operators`), so both ways give the same result to the last bit.
 */
interface Arithmetic<T> {
  add(a: T, b: T | number): T;
  sub(a: T, b: T): T;
  mul(a: T, b: T | number): T;
  div(a: T, b: T): T;
  sqrt(a: T): T;
}

/** Arithmetic on tensors: each call one op on the tensors' backend. */
const TENSORS: Arithmetic<Tensor> = {
  add: (a, b) => a.add(b),
  sub: (a, b) => a.sub(b),
  mul: (a, b) => a.mul(b),
  div: (a, b) => a.div(b),
  sqrt: (a) => a.sqrt(),
};

/**
 * Arithmetic on equal-length slices: each op writes a scratch slice, reused from slice to
 * slice (`begin` starts the next one), so a fused pass allocates nothing per slice.
 */
class SliceArithmetic implements Arithmetic<Float64Array> {
  private readonly scratch: Float64Array[] = [];
  private used = 0;
  private length = 0;

  /** Start a slice of `length` elements: earlier scratch may be overwritten from here on. */
  begin(length: number): void {
    this.used = 0;
    this.length = length;
  }

  /** The next scratch slice. */
  private next(): Float64Array {
    if (this.used === this.scratch.length || this.scratch[this.used].length < this.length) {
      this.scratch[this.used] = new Float64Array(Math.max(this.length, 1024));
    }
    return this.scratch[this.used++].subarray(0, this.length);
  }

  add(a: Float64Array, b: Float64Array | number): Float64Array {
    const o = this.next();
    if (typeof b === 'number') for (let i = 0; i < o.length; i++) o[i] = ops.add(a[i], b);
    else for (let i = 0; i < o.length; i++) o[i] = ops.add(a[i], b[i]);
    return o;
  }

  sub(a: Float64Array, b: Float64Array): Float64Array {
    const o = this.next();
    for (let i = 0; i < o.length; i++) o[i] = ops.add(a[i], ops.neg(b[i]));
    return o;
  }

  mul(a: Float64Array, b: Float64Array | number): Float64Array {
    const o = this.next();
    if (typeof b === 'number') for (let i = 0; i < o.length; i++) o[i] = ops.mul(a[i], b);
    else for (let i = 0; i < o.length; i++) o[i] = ops.mul(a[i], b[i]);
    return o;
  }

  div(a: Float64Array, b: Float64Array): Float64Array {
    const o = this.next();
    for (let i = 0; i < o.length; i++) o[i] = ops.mul(a[i], ops.inv(b[i]));
    return o;
  }

  sqrt(a: Float64Array): Float64Array {
    const o = this.next();
    for (let i = 0; i < o.length; i++) o[i] = ops.sqrt(a[i]);
    return o;
  }
}

/** The one `SliceArithmetic` (updates are synchronous, so one scratch serves them all). */
const SLICES = new SliceArithmetic();

/**
 * An optimizer's update of one parameter, written once in any `Arithmetic`: from its
 * operands `x` = [value, gradient, ...the rule's running state] (no state before the first
 * step) into `y` = [new value, ...new state].
 */
type UpdateRule = <T>(A: Arithmetic<T>, x: readonly T[], y: T[]) => void;

/** Anything that holds a gradient: tensor parameters. */
function tensorParams(params: Parameter[]): Parameter<Tensor>[] {
  return params.filter((p): p is Parameter<Tensor> => p.value instanceof Tensor);
}

/** Keyword arguments of `SGD`, as PyTorch's `torch.optim.SGD(params, lr, momentum)`. */
export interface SGDOptions {
  /** Learning rate (default 0.01). */
  lr?: number;
  /** Momentum factor (default 0). */
  momentum?: number;
}

/** Keyword arguments of `Adam`, as PyTorch's `torch.optim.Adam(params, lr, betas, eps)`. */
export interface AdamOptions {
  /** Learning rate (default 1e-3). */
  lr?: number;
  /** Decay rates of the two running averages (default [0.9, 0.999]). */
  betas?: [number, number];
  /** Added to the denominator (default 1e-8). */
  eps?: number;
}

/** A non-negative number (below `below` when given), or a clear error naming the optimiser's option. */
function checkRate(optimizer: string, name: string, value: number, below = Infinity): number {
  if (typeof value !== 'number' || !(value >= 0 && value < below)) {
    throw new RangeError(`${optimizer}: ${name} must be a number >= 0${below < Infinity ? ` and < ${below}` : ''}, got ${String(value)}`);
  }
  return value;
}

/** Base optimiser: holds the parameters and clears their gradients. */
export abstract class Optimizer {
  protected readonly params: Parameter<Tensor>[];

  constructor(params: Parameter[]) {
    this.params = tensorParams(params);
    if (this.params.length === 0) throw new Error('optimizer: no tensor parameters given (did you pass model.parameters()?)');
  }

  /** Forget every parameter's gradient (call before each backward). */
  zeroGrad(): void {
    for (const p of this.params) p.value.zeroGrad_();
  }

  /** Update every parameter from its gradient. */
  abstract step(): void;

  /**
   * Parameter `p`'s update by `rule` from gradient `g` and the rule's `state` tensors: the new
   * value and `outputs − 1` new state tensors. Where `p`'s backend offers a fused elementwise
   * pass and takes these operands, the rule runs on slices in one pass over memory; elsewhere
   * it runs as tensor ops. Both compute the same operations in the same order (see `Arithmetic`).
   */
  protected update(p: Parameter<Tensor>, g: Tensor, state: readonly Tensor[], outputs: number, rule: UpdateRule): Tensor[] {
    const operands = [p.value, g, ...state];
    const slices = new Array<Float64Array>(outputs);
    const fused = p.value.backend.fusedElementwise?.(
      operands.map((t) => t.data),
      outputs,
      (x, y) => {
        SLICES.begin(x[0].length);
        rule(SLICES, x, slices);
        for (let k = 0; k < outputs; k++) y[k].set(slices[k]);
      },
    );
    if (fused !== undefined) return fused.map((d) => p.value.fromData(d));
    const tensors = new Array<Tensor>(outputs);
    rule(TENSORS, operands, tensors);
    return tensors.map((t) => t.detach());
  }
}

/** Stochastic gradient descent, optionally with momentum: v ← μv + g; p ← p − lr·v. */
export class SGD extends Optimizer {
  private readonly velocity = new Map<Parameter<Tensor>, Tensor>();

  /** Learning rate. */
  readonly lr: number;
  /** Momentum factor μ (0: plain SGD). */
  readonly momentum: number;

  constructor(params: Parameter[], options: SGDOptions = {}) {
    super(params);
    this.lr = checkRate('SGD', 'lr', options.lr ?? 0.01);
    this.momentum = checkRate('SGD', 'momentum', options.momentum ?? 0);
  }

  step(): void {
    const { lr, momentum } = this;
    // v ← μv + g (v is g on the first step, and without momentum); p ← p + (−lr)·v: two
    // elementwise ops (`sub` would add a negation).
    const rule: UpdateRule = (A, x, y) => {
      const d = momentum > 0 && x.length > 2 ? A.add(A.mul(x[2], momentum), x[1]) : x[1];
      y[0] = A.add(x[0], A.mul(d, -lr));
      if (momentum > 0) y[1] = d;
    };
    noGrad(() => {
      for (const p of this.params) {
        const g = p.value.grad;
        if (g === null) continue;
        const v = this.velocity.get(p);
        const [param, velocity] = this.update(p, g, v === undefined ? [] : [v], momentum > 0 ? 2 : 1, rule);
        if (momentum > 0) this.velocity.set(p, velocity);
        p.update(param);
      }
    });
  }
}

/**
 * Adam (Kingma & Ba): per-parameter step sizes from running averages of the gradient (m)
 * and its square (v), with bias correction for the first steps.
 */
export class Adam extends Optimizer {
  private readonly m = new Map<Parameter<Tensor>, Tensor>();
  private readonly v = new Map<Parameter<Tensor>, Tensor>();
  private t = 0;

  /** Learning rate. */
  readonly lr: number;
  /** Decay rates of the running averages of the gradient and of its square. */
  readonly betas: [number, number];
  /** Added to the denominator for stability. */
  readonly eps: number;

  constructor(params: Parameter[], options: AdamOptions = {}) {
    super(params);
    this.lr = checkRate('Adam', 'lr', options.lr ?? 1e-3);
    const [b1, b2] = options.betas ?? [0.9, 0.999];
    this.betas = [checkRate('Adam', 'betas[0]', b1, 1), checkRate('Adam', 'betas[1]', b2, 1)];
    this.eps = checkRate('Adam', 'eps', options.eps ?? 1e-8);
  }

  step(): void {
    const [beta1, beta2] = this.betas;
    const { lr, eps } = this;
    this.t += 1;
    // The bias corrections of the first steps, as factors: 1/c is one division per step.
    const inv1 = ops.inv(1 - beta1 ** this.t);
    const inv2 = ops.inv(1 - beta2 ** this.t);
    const [keep1, keep2] = [1 - beta1, 1 - beta2];
    // m ← β₁m + (1−β₁)g, v ← β₂v + (1−β₂)g², p ← p − lr · (m/c₁) / (√(v/c₂) + ε); m and v
    // start as (1−β₁)g and (1−β₂)g². The square root is a plain backend map: no gradient needed.
    const rule: UpdateRule = (A, x, y) => {
      const g = x[1];
      const g2 = A.mul(g, g);
      const first = x.length === 2;
      const m = first ? A.mul(g, keep1) : A.add(A.mul(x[2], beta1), A.mul(g, keep1));
      const v = first ? A.mul(g2, keep2) : A.add(A.mul(x[3], beta2), A.mul(g2, keep2));
      const denom = A.add(A.sqrt(A.mul(v, inv2)), eps);
      y[0] = A.sub(x[0], A.div(A.mul(A.mul(m, inv1), lr), denom));
      y[1] = m;
      y[2] = v;
    };
    noGrad(() => {
      for (const p of this.params) {
        const g = p.value.grad;
        if (g === null) continue;
        const m0 = this.m.get(p);
        const v0 = this.v.get(p);
        const [param, m, v] = this.update(p, g, m0 === undefined || v0 === undefined ? [] : [m0, v0], 3, rule);
        this.m.set(p, m);
        this.v.set(p, v);
        p.update(param);
      }
    });
  }
}
