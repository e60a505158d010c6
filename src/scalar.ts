/**
 * Module 1 — `Scalar`, a number that remembers how it was computed (Tasks 1.2–1.4).
 *
 * @packageDocumentation
 */
import { describeValue } from './validate';
import { Context, Variable, backpropagate, isGradEnabled, newVariableId } from './autodiff';
import { ScalarOp, scalarFunctions } from './scalarFunctions';

/** How a non-leaf Scalar was made: the function, its saved context and its inputs. */
export interface ScalarHistory {
  readonly op: ScalarOp;
  readonly ctx: Context<number>;
  readonly inputs: Scalar[];
}

/** A number or a Scalar: numbers are lifted to constant Scalars. */
export type ScalarLike = number | Scalar;

/**
 * A single real number with autodiff. Build expressions with its methods
 * (`x.mul(y).add(1).sigmoid()`), then call `backward()` on the result and read each
 * leaf's `derivative`.
 */
export class Scalar implements Variable<number> {
  /** The value. */
  readonly data: number;
  /** d(output)/d(this) after `backward()`, accumulated over calls; null before. */
  derivative: number | null = null;
  /** How this value was computed; null for leaves and constants. */
  readonly history: ScalarHistory | null;
  /** Unique id (keys backpropagation). */
  readonly uniqueId = newVariableId();
  /** Optional label, shown in graph drawings. */
  name: string;
  /** Leaves track gradients; lifted numbers and values built under `noGrad` do not. */
  requiresGrad: boolean;

  constructor(value: number, options: { name?: string; requiresGrad?: boolean; history?: ScalarHistory } = {}) {
    if (typeof value !== 'number') throw new TypeError(`Scalar: value must be a number, got ${describeValue(value)}`);
    this.data = value;
    this.history = options.history ?? null;
    this.requiresGrad = options.requiresGrad ?? true;
    this.name = options.name ?? `x${this.uniqueId}`;
  }

  /** Apply a scalar function to Scalars or numbers, recording history when needed. */
  static apply(op: ScalarOp, ...values: ScalarLike[]): Scalar {
    const inputs = values.map(lift);
    const needsGrad = isGradEnabled() && inputs.some((x) => !x.isConstant());
    const ctx = new Context<number>(!needsGrad);
    const out = scalarFunctions[op].forward(ctx, ...inputs.map((x) => x.data));
    if (!needsGrad) return new Scalar(out, { requiresGrad: false });
    return new Scalar(out, { history: { op, ctx, inputs } });
  }

  /** Turn gradient tracking on or off for this leaf (used by `Parameter`). */
  requiresGrad_(flag = true): this {
    this.requiresGrad = flag;
    return this;
  }

  /** @inheritDoc */
  isLeaf(): boolean {
    return this.history === null && this.requiresGrad;
  }

  /** @inheritDoc */
  isConstant(): boolean {
    return this.history === null && !this.requiresGrad;
  }

  /** @inheritDoc */
  get parents(): Scalar[] {
    return this.history ? this.history.inputs : [];
  }

  /** @inheritDoc */
  accumulateDerivative(d: number): void {
    if (!this.isLeaf()) throw new Error('accumulateDerivative: only leaf Scalars store derivatives');
    this.derivative = (this.derivative ?? 0) + d;
  }

  /** The chain rule (Task 1.3): pair each input with d(output)/d(input). */
  chainRule(dOutput: number): Array<[Scalar, number]> {
    const h = this.history;
    if (h === null) throw new Error('chainRule: this Scalar has no history');
    // BEGIN SOLUTION 1.3
    const grads = scalarFunctions[h.op].backward(h.ctx, dOutput);
    if (grads.length !== h.inputs.length) {
      throw new Error(`chainRule: ${h.op}.backward returned ${grads.length} derivatives for ${h.inputs.length} inputs`);
    }
    const out: Array<[Scalar, number]> = [];
    h.inputs.forEach((x, i) => {
      if (!x.isConstant()) out.push([x, grads[i]]);
    });
    return out;
    // END SOLUTION
  }

  /** Backpropagate from this Scalar, filling `derivative` on every leaf it depends on. */
  backward(dOutput = 1.0): void {
    backpropagate<number>(this, dOutput, (a, b) => a + b);
  }

  /** this + b */
  add(b: ScalarLike): Scalar {
    return Scalar.apply('add', this, b);
  }
  /** this − b */
  sub(b: ScalarLike): Scalar {
    return Scalar.apply('add', this, Scalar.apply('neg', b));
  }
  /** this · b */
  mul(b: ScalarLike): Scalar {
    return Scalar.apply('mul', this, b);
  }
  /** this / b */
  div(b: ScalarLike): Scalar {
    return Scalar.apply('mul', this, Scalar.apply('inv', b));
  }
  /** −this */
  neg(): Scalar {
    return Scalar.apply('neg', this);
  }
  /** 1 / this */
  inv(): Scalar {
    return Scalar.apply('inv', this);
  }
  /** 1.0 if this < b else 0.0 */
  lt(b: ScalarLike): Scalar {
    return Scalar.apply('lt', this, b);
  }
  /** 1.0 if this > b else 0.0 */
  gt(b: ScalarLike): Scalar {
    return Scalar.apply('lt', b, this);
  }
  /** 1.0 if this == b else 0.0 */
  eq(b: ScalarLike): Scalar {
    return Scalar.apply('eq', this, b);
  }
  /** Natural log. */
  log(): Scalar {
    return Scalar.apply('log', this);
  }
  /** e^this */
  exp(): Scalar {
    return Scalar.apply('exp', this);
  }
  /** Logistic sigmoid. */
  sigmoid(): Scalar {
    return Scalar.apply('sigmoid', this);
  }
  /** Rectified linear unit. */
  relu(): Scalar {
    return Scalar.apply('relu', this);
  }

  /** `Scalar(0.5)` */
  toString(): string {
    return `Scalar(${this.data})`;
  }
}

/** Turn a number into a constant Scalar; pass Scalars through. */
export function lift(x: ScalarLike): Scalar {
  if (x instanceof Scalar) return x;
  if (typeof x !== 'number' || Number.isNaN(x)) {
    throw new TypeError(`expected a number or Scalar, got ${describeValue(x)}`);
  }
  return new Scalar(x, { requiresGrad: false });
}

/** Shorthand for `new Scalar(value, {name})`: a leaf that tracks gradients. */
export function scalar(value: number, name?: string): Scalar {
  return new Scalar(value, { name });
}
