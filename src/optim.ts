/**
 * Optimisers: turn the gradients left on parameters by `backward()` into updated values.
 * Updates run under `noGrad` and replace each parameter's value (`Parameter.update`), so the
 * graph of the last step is dropped.
 *
 * @packageDocumentation
 */
import { noGrad } from './autodiff';
import { Parameter } from './module';
import { Tensor } from './tensor';
import type { FusedStep } from './tensorOps';

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
   * `step` as one fused loop on `p`'s backend (`TensorBackend.fusedStep`): the results as
   * tensors there (the new value first, then the rule's state), or undefined where the
   * backend does not fuse it and the optimizer runs its ops.
   */
  protected fused(p: Parameter<Tensor>, step: FusedStep): Tensor[] | undefined {
    return p.value.backend.fusedStep?.(step)?.map((d) => p.value.fromData(d));
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
    noGrad(() => {
      for (const p of this.params) {
        const g = p.value.grad;
        if (g === null) continue;
        const v = this.velocity.get(p);
        // The fast backend does the whole update in one loop; other backends run the ops below.
        const fused = this.fused(p, {
          rule: 'sgd',
          param: p.value.data,
          grad: g.data,
          velocity: v?.data ?? null,
          lr: this.lr,
          momentum: this.momentum,
        });
        if (fused !== undefined) {
          const [param, velocity] = fused;
          if (this.momentum > 0) this.velocity.set(p, velocity);
          p.update(param);
          continue;
        }
        let direction = g;
        if (this.momentum > 0) {
          direction = v === undefined ? g : v.mul(this.momentum).add(g);
          this.velocity.set(p, direction);
        }
        // p + (−lr)·d: two elementwise ops (`sub` would add a negation).
        p.update(p.value.add(direction.mul(-this.lr)).detach());
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
    this.t += 1;
    const c1 = 1 - beta1 ** this.t;
    const c2 = 1 - beta2 ** this.t;
    noGrad(() => {
      for (const p of this.params) {
        const g = p.value.grad;
        if (g === null) continue;
        const m0 = this.m.get(p);
        const v0 = this.v.get(p);
        const fused = this.fused(p, {
          rule: 'adam',
          param: p.value.data,
          grad: g.data,
          m: m0?.data ?? null,
          v: v0?.data ?? null,
          lr: this.lr,
          beta1,
          beta2,
          eps: this.eps,
          c1,
          c2,
        });
        if (fused !== undefined) {
          const [param, m, v] = fused;
          this.m.set(p, m);
          this.v.set(p, v);
          p.update(param);
          continue;
        }
        const m = (m0 === undefined ? g.mul(1 - beta1) : m0.mul(beta1).add(g.mul(1 - beta1)));
        const g2 = g.mul(g);
        const v = (v0 === undefined ? g2.mul(1 - beta2) : v0.mul(beta2).add(g2.mul(1 - beta2)));
        this.m.set(p, m);
        this.v.set(p, v);
        // p ← p − lr · m̂ / (√v̂ + ε). The square root is a plain backend map: no gradient needed.
        const denom = v.div(c2).sqrt().add(this.eps);
        p.update(p.value.sub(m.div(c1).mul(this.lr).div(denom)).detach());
      }
    });
  }
}
