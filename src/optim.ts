/**
 * Optimisers: turn the gradients left on parameters by `backward()` into updated values.
 * Updates run under `noGrad` and replace each parameter's value (`Parameter.update`), so the
 * graph of the last step is dropped.
 *
 * @packageDocumentation
 */
import { noGrad } from './autodiff';
import { Module, Parameter } from './module';

import { checkOptions, describeValue, tooManyArguments } from './validate';
import * as ops from './operators';
import { Tensor } from './tensor';

/**
 * The elementwise arithmetic an update rule is written in, once, for two kinds of values:
 * tensors (one backend op per call) and JavaScript source (the rule compiled into one loop
 * for a backend's fused pass, see `fusedLoop`). Both compute each element exactly as `Tensor`
 * does (a − b as a + (−b), a / b as a · (1/b), with the scalar functions of `operators`), so
 * both ways give the same result to the last bit.
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
 * Arithmetic that writes the rule down instead of computing it: each call appends one line of
 * a loop body (`const t3 = add(t1, k0);`) and returns the name of its result. Numbers become
 * loop constants `k0, k1, …` read from an array, so a rule whose numbers change every step
 * (Adam's bias corrections) compiles to the same source, once.
 */
class SourceArithmetic implements Arithmetic<string> {
  readonly lines: string[] = [];
  readonly constants: number[] = [];

  private emit(expression: string): string {
    const name = `t${this.lines.length}`;
    this.lines.push(`const ${name} = ${expression};`);
    return name;
  }

  private operand(b: string | number): string {
    if (typeof b === 'string') return b;
    this.constants.push(b);
    return `k${this.constants.length - 1}`;
  }

  add(a: string, b: string | number): string {
    return this.emit(`add(${a}, ${this.operand(b)})`);
  }
  sub(a: string, b: string): string {
    return this.emit(`add(${a}, neg(${b}))`);
  }
  mul(a: string, b: string | number): string {
    return this.emit(`mul(${a}, ${this.operand(b)})`);
  }
  div(a: string, b: string): string {
    return this.emit(`mul(${a}, inv(${b}))`);
  }
  sqrt(a: string): string {
    return this.emit(`sqrt(${a})`);
  }
}

/** A compiled rule: fills `y[j][i]` for `i < n` from `x[k][i]` and the rule's constants `k`. */
type FusedLoop = (
  fns: typeof ops,
  k: number[],
  x: readonly Float64Array[],
  y: readonly Float64Array[],
  n: number,
) => void;

/**
 * Arithmetic that only collects the numbers a rule uses, in the order `SourceArithmetic`
 * names them `k0, k1, …`: the cheap part of tracing, done on every step, as a rule's numbers
 * may change from step to step while its source does not.
 */
class ConstantArithmetic implements Arithmetic<null> {
  constants: number[] = [];
  add(_a: null, b: null | number): null {
    if (typeof b === 'number') this.constants.push(b);
    return null;
  }
  sub(): null {
    return null;
  }
  mul(_a: null, b: null | number): null {
    if (typeof b === 'number') this.constants.push(b);
    return null;
  }
  div(): null {
    return null;
  }
  sqrt(): null {
    return null;
  }
}

/**
 * `rule` as one loop over memory (fusion, as in Task 3.2's matmul): the rule is run once on
 * `SourceArithmetic`, which writes its body, and the body is compiled with a loop around it.
 * One pass and no temporaries, where the rule as tensor ops makes a pass and an array per op
 * (Adam: about 15). The loop calls the `operators` functions, which the JIT inlines.
 */
function compileRule(rule: UpdateRule, inputs: number, outputs: number): FusedLoop {
  const src = new SourceArithmetic();
  const x = Array.from({ length: inputs }, (_, k) => `x${k}[i]`);
  const y = new Array<string>(outputs);
  rule(src, x, y);
  const names = (prefix: string, n: number, from: string) =>
    Array.from({ length: n }, (_, j) => `const ${prefix}${j} = ${from}[${j}];`).join(' ');
  const body = [
    'const { add, mul, neg, inv, sqrt } = fns;',
    names('k', src.constants.length, 'k'),
    names('x', inputs, 'x'),
    names('y', outputs, 'y'),
    'for (let i = 0; i < n; i++) {',
    ...src.lines.map((line) => `  ${line}`),
    ...y.map((name, j) => `  y${j}[i] = ${name};`),
    '}',
  ].join('\n');
  return new Function('fns', 'k', 'x', 'y', 'n', body) as FusedLoop;
}

/**
 * An optimizer's update of one parameter, written once in any `Arithmetic`: from its
 * operands `x` = [value, gradient, ...the rule's running state] (no state before the first
 * step) into `y` = [new value, ...new state]. Which ops it makes may depend on the number of
 * operands and on the optimizer's settings, not on the step: it is compiled once per operand
 * count (see `Optimizer.update`).
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
  const range = `>= 0${below < Infinity ? ` and < ${below}` : ''}`;
  if (typeof value !== 'number') {
    throw new TypeError(`${optimizer}: ${name} must be a number ${range}, got ${describeValue(value)}`);
  }
  if (!(value >= 0 && value < below))
    throw new RangeError(`${optimizer}: ${name} must be a number ${range}, got ${value}`);
  return value;
}

/** Base optimiser: holds the parameters and clears their gradients. */
export abstract class Optimizer {
  protected readonly params: Parameter<Tensor>[];
  /** This optimizer's rule compiled into one loop, by operand and output count (see `update`). */
  private readonly loops = new Map<number, FusedLoop>();
  /** The numbers of the last rule traced (a step's rule is the same for every parameter). */
  private traced: { rule: UpdateRule; key: number; constants: number[] } | null = null;

  constructor(params: Parameter[]) {
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
  }

  /** Forget every parameter's gradient (call before each backward). */
  zeroGrad(): void {
    for (const p of this.params) p.value.zeroGrad_();
  }

  /** Update every parameter from its gradient. */
  abstract step(): void;

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
  protected update(
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
      // Compiled once per shape of the rule's operands (Adam's first step has no m and v yet).
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

/** Stochastic gradient descent, optionally with momentum: v ← μv + g; p ← p − lr·v. */
export class SGD extends Optimizer {
  private readonly velocity = new Map<Parameter<Tensor>, Tensor>();

  /** Learning rate. */
  readonly lr: number;
  /** Momentum factor μ (0: plain SGD). */
  readonly momentum: number;

  constructor(params: Parameter[], options: SGDOptions = {}) {
    if (arguments.length > 2) tooManyArguments('SGD', 2, arguments.length, 'params, options');
    super(params);
    checkOptions('SGD', options, ['lr', 'momentum']);
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
    if (arguments.length > 2) tooManyArguments('Adam', 2, arguments.length, 'params, options');
    super(params);
    checkOptions('Adam', options, ['lr', 'betas', 'eps']);
    if (options.betas !== undefined && !(Array.isArray(options.betas) && options.betas.length === 2)) {
      throw new TypeError(`Adam: betas must be a pair [beta1, beta2], got ${describeValue(options.betas)}`);
    }
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
