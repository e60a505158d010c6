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

/** Anything that holds a gradient: tensor parameters. */
function tensorParams(params: Parameter[]): Parameter<Tensor>[] {
  return params.filter((p): p is Parameter<Tensor> => p.value instanceof Tensor);
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
}

/** Stochastic gradient descent, optionally with momentum: v ← μv + g; p ← p − lr·v. */
export class SGD extends Optimizer {
  private readonly velocity = new Map<Parameter<Tensor>, Tensor>();

  constructor(params: Parameter[], readonly lr = 0.01, readonly momentum = 0) {
    super(params);
  }

  step(): void {
    noGrad(() => {
      for (const p of this.params) {
        const g = p.value.grad;
        if (g === null) continue;
        let direction = g;
        if (this.momentum > 0) {
          const v = this.velocity.get(p);
          direction = v === undefined ? g : v.mul(this.momentum).add(g);
          this.velocity.set(p, direction);
        }
        p.update(p.value.sub(direction.mul(this.lr)).detach());
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

  constructor(
    params: Parameter[],
    readonly lr = 1e-3,
    readonly beta1 = 0.9,
    readonly beta2 = 0.999,
    readonly eps = 1e-8,
  ) {
    super(params);
  }

  step(): void {
    this.t += 1;
    const c1 = 1 - this.beta1 ** this.t;
    const c2 = 1 - this.beta2 ** this.t;
    noGrad(() => {
      for (const p of this.params) {
        const g = p.value.grad;
        if (g === null) continue;
        const m0 = this.m.get(p);
        const v0 = this.v.get(p);
        const m = (m0 === undefined ? g.mul(1 - this.beta1) : m0.mul(this.beta1).add(g.mul(1 - this.beta1)));
        const g2 = g.mul(g);
        const v = (v0 === undefined ? g2.mul(1 - this.beta2) : v0.mul(this.beta2).add(g2.mul(1 - this.beta2)));
        this.m.set(p, m);
        this.v.set(p, v);
        // p ← p − lr · m̂ / (√v̂ + ε). The square root is a plain backend map: no gradient needed.
        const vHat = v.div(c2);
        const denom = vHat.fromData(vHat.backend.map('sqrt', vHat.data)).add(this.eps);
        p.update(p.value.sub(m.div(c1).mul(this.lr).div(denom)).detach());
      }
    });
  }
}
