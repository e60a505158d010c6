/**
 * Optimisers: turn the gradients left on parameters by `backward()` into updated values.
 * Updates run under `noGrad` and replace each parameter's value (`Parameter.update`), so the
 * graph of the last step is dropped. Each optimizer is one update rule (`UpdateRule`, written
 * once in `updateRules.ts`'s arithmetic) plus its settings; the loop over parameters, the
 * running state and the fused compilation are shared here.
 *
 * @packageDocumentation
 */
import { noGrad } from './autodiff';
import { adopt } from './lifetimes';
import { Module, Parameter } from './module';

import { checkOptions as checkOptionKeys, describeValue, tooManyArguments } from './validate';
import * as ops from './operators';
import { Tensor } from './tensor';
import { Arithmetic, ConstantArithmetic, FusedLoop, TENSORS, UpdateRule, compileRule } from './updateRules';

/** Anything that holds a gradient: tensor parameters. */
function tensorParams(params: Parameter[]): Parameter<Tensor>[] {
  return params.filter((p): p is Parameter<Tensor> => p.value instanceof Tensor);
}

/** Keyword arguments of `SGD`, as PyTorch's `torch.optim.SGD`. */
export interface SGDOptions {
  /** Learning rate (default 0.01). */
  lr?: number;
  /** Momentum factor (default 0). */
  momentum?: number;
  /** Dampening of the momentum: the new gradient is scaled by 1 − dampening (default 0). */
  dampening?: number;
  /** L2 penalty added to the gradient: g + weightDecay·p (default 0). */
  weightDecay?: number;
  /** Nesterov momentum: step along g + momentum·v instead of v (default false). */
  nesterov?: boolean;
}

/** Keyword arguments of `Adam` and `AdamW`, as PyTorch's `torch.optim.Adam(W)`. */
export interface AdamOptions {
  /** Learning rate (default 1e-3). */
  lr?: number;
  /** Decay rates of the two running averages (default [0.9, 0.999]). */
  betas?: [number, number];
  /** Added to the denominator (default 1e-8). */
  eps?: number;
  /** Adam: L2 penalty added to the gradient (default 0); AdamW: decoupled decay (default 1e-2). */
  weightDecay?: number;
}

/** Keyword arguments of `RMSprop`, as PyTorch's `torch.optim.RMSprop`. */
export interface RMSpropOptions {
  /** Learning rate (default 1e-2). */
  lr?: number;
  /** Decay rate of the running average of g² (default 0.99). */
  alpha?: number;
  /** Added to the denominator (default 1e-8). */
  eps?: number;
  /** L2 penalty added to the gradient (default 0). */
  weightDecay?: number;
  /** Momentum factor (default 0). */
  momentum?: number;
  /** Divide by the running variance of g instead of the mean of g² (default false). */
  centered?: boolean;
}

/** Keyword arguments of `Adagrad`, as PyTorch's `torch.optim.Adagrad`. */
export interface AdagradOptions {
  /** Learning rate (default 1e-2). */
  lr?: number;
  /** The rate is lr / (1 + (step − 1)·lrDecay) (default 0). */
  lrDecay?: number;
  /** L2 penalty added to the gradient (default 0). */
  weightDecay?: number;
  /** Starting value of the sum of squared gradients (default 0). */
  initialAccumulatorValue?: number;
  /** Added to the denominator (default 1e-10). */
  eps?: number;
}

/** Keyword arguments of `Adadelta`, as PyTorch's `torch.optim.Adadelta`. */
export interface AdadeltaOptions {
  /** Scales the step (default 1). */
  lr?: number;
  /** Decay rate of the running averages (default 0.9). */
  rho?: number;
  /** Added inside the square roots (default 1e-6). */
  eps?: number;
  /** L2 penalty added to the gradient (default 0). */
  weightDecay?: number;
}

/**
 * `options` after checking it is an object whose keys are all in `known`: from plain
 * JavaScript a misspelt or Python-style option (`weight_decay`) would otherwise be ignored.
 */
function checkOptions<T extends object>(optimizer: string, options: T, known: Array<keyof T & string>): T {
  checkOptionKeys(optimizer, options, known, true);
  return options;
}

/** A non-negative number (below `below` when given), or a clear error naming the optimiser's option. */
function checkRate(optimizer: string, name: string, value: number, below = Infinity): number {
  const range = `>= 0${below < Infinity ? ` and < ${below}` : ''}`;
  if (typeof value !== 'number') {
    throw new TypeError(`${optimizer}: ${name} must be a number ${range}, got ${describeValue(value)}`);
  }
  if (!(value >= 0 && value < below))
    throw new RangeError(`${optimizer}: ${name} must be a number ${range}, got ${value}`);
  return value;
}

/** A boolean option, or an error naming it. */
function checkFlag(optimizer: string, name: string, value: boolean): boolean {
  if (typeof value !== 'boolean') {
    throw new TypeError(`${optimizer}: ${name} must be true or false, got ${describeValue(value)}`);
  }
  return value;
}

/** g + wd·p, PyTorch's L2 weight decay folded into the gradient (g itself when wd is 0). */
function decayed<T>(A: Arithmetic<T>, p: T, g: T, weightDecay: number): T {
  return weightDecay > 0 ? A.add(g, A.mul(p, weightDecay)) : g;
}

/** βs + (1 − β)·v: the running average every adaptive rule keeps. */
function ema<T>(A: Arithmetic<T>, s: T, v: T, beta: number): T {
  return A.add(A.mul(s, beta), A.mul(v, 1 - beta));
}

/**
 * Base optimiser: holds the parameters, their running state and the learning rate, and
 * clears their gradients. A subclass gives its rule to `stepWith`.
 */
export abstract class Optimizer {
  protected readonly params: Parameter<Tensor>[];
  /**
   * Learning rate of the next step. Writable, as PyTorch's `param_groups[0]["lr"]`: the
   * schedulers of `lrScheduler` set it.
   */
  lr: number;
  /** Number of steps taken. */
  protected stepCount = 0;
  /** Each parameter's running state (momentum, averages), as the rule's last outputs left it. */
  private readonly state = new Map<Parameter<Tensor>, Tensor[]>();
  /** This optimizer's rule compiled into one loop, by operand and output count (see `update`). */
  private readonly loops = new Map<number, FusedLoop>();
  /** The numbers of the last rule traced (a step's rule is the same for every parameter). */
  private traced: { rule: UpdateRule; key: number; constants: number[] } | null = null;

  constructor(params: Parameter[], lr: number) {
    const name = this.constructor.name;
    if (!Array.isArray(params)) {
      const got =
        (params as unknown) instanceof Module
          ? `a ${(params as unknown as Module).constructor.name} module`
          : describeValue(params);
      throw new TypeError(`${name}: expected a list of parameters such as model.parameters(), got ${got}`);
    }
    params.forEach((p: unknown, i) => {
      if (p instanceof Parameter) return;
      const got = p instanceof Tensor ? 'a Tensor' : describeValue(p);
      throw new TypeError(
        `${name}: parameter ${i} is ${got}, not a Parameter: optimizers update Parameters ` +
          '(model.parameters(), or new minitorch.Parameter(tensor))',
      );
    });
    this.params = tensorParams(params);
    if (this.params.length === 0) {
      const none =
        params.length === 0 ? 'no tensor parameters given' : `none of the ${params.length} parameters holds a tensor`;
      throw new Error(`${name}: ${none} (did you pass model.parameters()?)`);
    }
    this.lr = checkRate(name, 'lr', lr);
  }

  /** Forget every parameter's gradient (call before each backward). */
  zeroGrad(): void {
    for (const p of this.params) p.value.zeroGrad_();
  }

  /** Update every parameter from its gradient. */
  abstract step(): void;

  /**
   * One step of `rule` on every parameter that has a gradient: operands [value, gradient,
   * ...state], outputs [new value, ...`stateCount` new state tensors]. A parameter's state
   * starts as `initial(p)`, or as nothing (the rule then sees only two operands, so it can
   * start its state from the gradient, as SGD's momentum does).
   */
  protected stepWith(rule: UpdateRule, stateCount: number, initial?: (p: Tensor) => Tensor[]): void {
    this.lr = checkRate(this.constructor.name, 'lr', this.lr);
    noGrad(() => {
      for (const p of this.params) {
        const g = p.value.grad;
        if (g === null) continue;
        const state = this.state.get(p) ?? initial?.(p.value) ?? [];
        const [value, ...next] = this.update(p, g, state, 1 + stateCount, rule);
        if (stateCount > 0) {
          // The new state outlives the `tidy` of the step that made it; the state it replaces
          // is released with that `tidy` (see `lifetimes.adopt`).
          const previous = this.state.get(p);
          next.forEach((t, i) => adopt(t, previous?.[i] ?? null));
          this.state.set(p, next);
        }
        p.update(value);
      }
    });
  }

  /** The numbers `rule` uses for this many operands, in the order its compiled loop reads them. */
  private constantsOf(rule: UpdateRule, inputs: number, outputs: number): number[] {
    const key = inputs * 16 + outputs;
    if (this.traced?.rule !== rule || this.traced.key !== key) {
      const numbers = new ConstantArithmetic();
      rule(numbers, new Array<null>(inputs).fill(null), new Array<null>(outputs));
      this.traced = { rule, key, constants: numbers.constants };
    }
    return this.traced.constants;
  }

  /**
   * Parameter `p`'s update by `rule` from gradient `g` and the rule's `state` tensors: the new
   * value and `outputs − 1` new state tensors. Where `p`'s backend offers a fused elementwise
   * pass and takes these operands, the rule runs compiled into one loop (`fusedLoop`); elsewhere
   * it runs as tensor ops. Both compute the same operations in the same order (see `Arithmetic`).
   */
  private update(
    p: Parameter<Tensor>,
    g: Tensor,
    state: readonly Tensor[],
    outputs: number,
    rule: UpdateRule,
  ): Tensor[] {
    const backend = p.value.backend;
    // State made before `module.to(backend)` moved the parameter follows it on first use.
    const operands = [p.value, g, ...state].map((t) => (t.backend === backend ? t : t.to(backend)));
    if (backend.fusedElementwise !== undefined) {
      // Compiled once per shape of the rule's operands (SGD's first step has no velocity yet).
      const key = operands.length * 16 + outputs;
      const loop = this.loops.get(key) ?? compileRule(rule, operands.length, outputs);
      this.loops.set(key, loop);
      const constants = this.constantsOf(rule, operands.length, outputs);
      const fused = backend.fusedElementwise(
        operands.map((t) => t.data),
        outputs,
        (x, y) => loop(ops, constants, x, y, x[0].length),
      );
      if (fused !== undefined) return fused.map((d) => p.value.fromData(d));
    }
    const tensors = new Array<Tensor>(outputs);
    rule(TENSORS, operands, tensors);
    return tensors.map((t) => t.detach());
  }
}

/**
 * Stochastic gradient descent as PyTorch's: g ← g + wd·p; with momentum μ,
 * v ← μv + (1 − dampening)·g (v ← g on the first step) and g ← v, or g + μv with Nesterov;
 * p ← p − lr·g.
 */
export class SGD extends Optimizer {
  /** Momentum factor μ (0: plain SGD). */
  readonly momentum: number;
  /** Dampening of the momentum. */
  readonly dampening: number;
  /** L2 penalty. */
  readonly weightDecay: number;
  /** Nesterov momentum. */
  readonly nesterov: boolean;

  constructor(params: Parameter[], options: SGDOptions = {}) {
    if (arguments.length > 2) tooManyArguments('SGD', 2, arguments.length, 'params, options');
    const o = checkOptions('SGD', options, ['lr', 'momentum', 'dampening', 'weightDecay', 'nesterov']);
    super(params, o.lr ?? 0.01);
    this.momentum = checkRate('SGD', 'momentum', o.momentum ?? 0);
    this.dampening = checkRate('SGD', 'dampening', o.dampening ?? 0);
    this.weightDecay = checkRate('SGD', 'weightDecay', o.weightDecay ?? 0);
    this.nesterov = checkFlag('SGD', 'nesterov', o.nesterov ?? false);
    if (this.nesterov && (this.momentum === 0 || this.dampening !== 0)) {
      throw new RangeError(
        `SGD: nesterov needs momentum > 0 and dampening 0, got momentum ${this.momentum}, dampening ${this.dampening}`,
      );
    }
  }

  step(): void {
    const { lr, momentum, dampening, weightDecay, nesterov } = this;
    // p ← p + (−lr)·d: one op where `sub` would add a negation.
    const rule: UpdateRule = (A, x, y) => {
      const g = decayed(A, x[0], x[1], weightDecay);
      let d = g;
      if (momentum > 0) {
        const v = x.length > 2 ? A.add(A.mul(x[2], momentum), dampening > 0 ? A.mul(g, 1 - dampening) : g) : g;
        d = nesterov ? A.add(g, A.mul(v, momentum)) : v;
        y[1] = v;
      }
      y[0] = A.add(x[0], A.mul(d, -lr));
    };
    this.stepWith(rule, momentum > 0 ? 1 : 0);
  }
}

/**
 * Adam (Kingma & Ba) as PyTorch's: per-parameter step sizes from running averages of the
 * gradient (m) and its square (v), with bias correction for the first steps. `AdamW`
 * differs only in how it applies weight decay (`decoupled`).
 */
export class Adam extends Optimizer {
  /** Decay rates of the running averages of the gradient and of its square. */
  readonly betas: [number, number];
  /** Added to the denominator for stability. */
  readonly eps: number;
  /** Weight decay: added to the gradient (Adam) or applied to the weights (AdamW). */
  readonly weightDecay: number;
  /** True for AdamW: p ← p·(1 − lr·wd) before the step, instead of g ← g + wd·p. */
  protected readonly decoupled: boolean = false;

  constructor(params: Parameter[], options: AdamOptions = {}) {
    if (arguments.length > 2) tooManyArguments(new.target.name, 2, arguments.length, 'params, options');
    const name = new.target.name;
    const o = checkOptions(name, options, ['lr', 'betas', 'eps', 'weightDecay']);
    super(params, o.lr ?? 1e-3);
    const betas = o.betas ?? [0.9, 0.999];
    if (!Array.isArray(betas) || betas.length !== 2) {
      throw new TypeError(`${name}: betas must be two numbers [beta1, beta2], got ${describeValue(betas)}`);
    }
    this.betas = [checkRate(name, 'betas[0]', betas[0], 1), checkRate(name, 'betas[1]', betas[1], 1)];
    this.eps = checkRate(name, 'eps', o.eps ?? 1e-8);
    this.weightDecay = checkRate(name, 'weightDecay', o.weightDecay ?? (new.target === AdamW ? 1e-2 : 0));
  }

  step(): void {
    const [beta1, beta2] = this.betas;
    const { lr, eps, weightDecay, decoupled } = this;
    this.stepCount += 1;
    // The bias corrections of the first steps, as factors: 1/c is one division per step.
    const inv1 = ops.inv(1 - beta1 ** this.stepCount);
    const inv2 = ops.inv(1 - beta2 ** this.stepCount);
    // m ← β₁m + (1−β₁)g, v ← β₂v + (1−β₂)g², p ← p − lr · (m/c₁) / (√(v/c₂) + ε); m and v
    // start at zero. The square root is a plain backend map: no gradient needed.
    const rule: UpdateRule = (A, x, y) => {
      const p = decoupled && weightDecay > 0 ? A.mul(x[0], 1 - lr * weightDecay) : x[0];
      const g = decoupled ? x[1] : decayed(A, x[0], x[1], weightDecay);
      const m = ema(A, x[2], g, beta1);
      const v = ema(A, x[3], A.mul(g, g), beta2);
      const denom = A.add(A.sqrt(A.mul(v, inv2)), eps);
      y[0] = A.sub(p, A.div(A.mul(A.mul(m, inv1), lr), denom));
      y[1] = m;
      y[2] = v;
    };
    this.stepWith(rule, 2, (p) => [p.zeros(), p.zeros()]);
  }
}

/** AdamW (Loshchilov & Hutter): Adam with decoupled weight decay (default 1e-2), as PyTorch's. */
export class AdamW extends Adam {
  protected override readonly decoupled = true;
}

/**
 * RMSprop as PyTorch's: s ← αs + (1 − α)g²; with `centered`, also ḡ ← αḡ + (1 − α)g and
 * s − ḡ² in place of s; p ← p − lr·g / (√s + ε), through a momentum buffer when momentum > 0.
 */
export class RMSprop extends Optimizer {
  /** Decay rate of the running average of g². */
  readonly alpha: number;
  /** Added to the denominator. */
  readonly eps: number;
  /** L2 penalty. */
  readonly weightDecay: number;
  /** Momentum factor. */
  readonly momentum: number;
  /** Whether the running mean of g is subtracted. */
  readonly centered: boolean;

  constructor(params: Parameter[], options: RMSpropOptions = {}) {
    const o = checkOptions('RMSprop', options, ['lr', 'alpha', 'eps', 'weightDecay', 'momentum', 'centered']);
    super(params, o.lr ?? 1e-2);
    this.alpha = checkRate('RMSprop', 'alpha', o.alpha ?? 0.99, 1);
    this.eps = checkRate('RMSprop', 'eps', o.eps ?? 1e-8);
    this.weightDecay = checkRate('RMSprop', 'weightDecay', o.weightDecay ?? 0);
    this.momentum = checkRate('RMSprop', 'momentum', o.momentum ?? 0);
    this.centered = checkFlag('RMSprop', 'centered', o.centered ?? false);
  }

  step(): void {
    const { lr, alpha, eps, weightDecay, momentum, centered } = this;
    // State, in order: s, then ḡ when centered, then the momentum buffer when momentum > 0.
    const rule: UpdateRule = (A, x, y) => {
      const g = decayed(A, x[0], x[1], weightDecay);
      let k = 2;
      const s = ema(A, x[k], A.mul(g, g), alpha);
      const out = [s];
      let variance = s;
      if (centered) {
        const mean = ema(A, x[++k], g, alpha);
        variance = A.sub(s, A.mul(mean, mean));
        out.push(mean);
      }
      const step = A.div(g, A.add(A.sqrt(variance), eps));
      if (momentum > 0) {
        const buf = A.add(A.mul(x[++k], momentum), step);
        out.push(buf);
        y[0] = A.add(x[0], A.mul(buf, -lr));
      } else {
        y[0] = A.add(x[0], A.mul(step, -lr));
      }
      out.forEach((t, i) => (y[i + 1] = t));
    };
    const stateCount = 1 + (centered ? 1 : 0) + (momentum > 0 ? 1 : 0);
    this.stepWith(rule, stateCount, (p) => Array.from({ length: stateCount }, () => p.zeros()));
  }
}

/**
 * Adagrad as PyTorch's: s ← s + g²; p ← p − lr′·g / (√s + ε), lr′ = lr / (1 + (t − 1)·lrDecay)
 * at step t.
 */
export class Adagrad extends Optimizer {
  /** Decay of the learning rate with the step count. */
  readonly lrDecay: number;
  /** L2 penalty. */
  readonly weightDecay: number;
  /** Starting value of the sum of squares. */
  readonly initialAccumulatorValue: number;
  /** Added to the denominator. */
  readonly eps: number;

  constructor(params: Parameter[], options: AdagradOptions = {}) {
    const o = checkOptions('Adagrad', options, ['lr', 'lrDecay', 'weightDecay', 'initialAccumulatorValue', 'eps']);
    super(params, o.lr ?? 1e-2);
    this.lrDecay = checkRate('Adagrad', 'lrDecay', o.lrDecay ?? 0);
    this.weightDecay = checkRate('Adagrad', 'weightDecay', o.weightDecay ?? 0);
    this.initialAccumulatorValue = checkRate('Adagrad', 'initialAccumulatorValue', o.initialAccumulatorValue ?? 0);
    this.eps = checkRate('Adagrad', 'eps', o.eps ?? 1e-10);
  }

  step(): void {
    const { weightDecay, eps, initialAccumulatorValue } = this;
    this.stepCount += 1;
    const lr = this.lr / (1 + (this.stepCount - 1) * this.lrDecay);
    const rule: UpdateRule = (A, x, y) => {
      const g = decayed(A, x[0], x[1], weightDecay);
      const s = A.add(x[2], A.mul(g, g));
      y[0] = A.add(x[0], A.mul(A.div(g, A.add(A.sqrt(s), eps)), -lr));
      y[1] = s;
    };
    this.stepWith(rule, 1, (p) => [p.zeros().add(initialAccumulatorValue)]);
  }
}

/**
 * Adadelta (Zeiler) as PyTorch's: s ← ρs + (1 − ρ)g²; d = √(u + ε) / √(s + ε) · g;
 * u ← ρu + (1 − ρ)d²; p ← p − lr·d.
 */
export class Adadelta extends Optimizer {
  /** Decay rate of the running averages. */
  readonly rho: number;
  /** Added inside the square roots. */
  readonly eps: number;
  /** L2 penalty. */
  readonly weightDecay: number;

  constructor(params: Parameter[], options: AdadeltaOptions = {}) {
    const o = checkOptions('Adadelta', options, ['lr', 'rho', 'eps', 'weightDecay']);
    super(params, o.lr ?? 1);
    this.rho = checkRate('Adadelta', 'rho', o.rho ?? 0.9, 1);
    this.eps = checkRate('Adadelta', 'eps', o.eps ?? 1e-6);
    this.weightDecay = checkRate('Adadelta', 'weightDecay', o.weightDecay ?? 0);
  }

  step(): void {
    const { lr, rho, eps, weightDecay } = this;
    const rule: UpdateRule = (A, x, y) => {
      const g = decayed(A, x[0], x[1], weightDecay);
      const s = ema(A, x[2], A.mul(g, g), rho);
      const d = A.mul(A.div(A.sqrt(A.add(x[3], eps)), A.sqrt(A.add(s, eps))), g);
      y[0] = A.add(x[0], A.mul(d, -lr));
      y[1] = s;
      y[2] = ema(A, x[3], A.mul(d, d), rho);
    };
    this.stepWith(rule, 2, (p) => [p.zeros(), p.zeros()]);
  }
}
