/**
 * Optimizers' update rules, written once and run two ways: as tensor ops on any backend, or
 * compiled into one fused elementwise loop on a backend that offers one (see `compileRule`).
 *
 * @packageDocumentation
 */
import type * as ops from './operators';
import type { Tensor } from './tensor';

/**
 * The elementwise arithmetic an update rule is written in, once, for two kinds of values:
 * tensors (one backend op per call) and JavaScript source (the rule compiled into one loop
 * for a backend's fused pass, see `fusedLoop`). Both compute each element exactly as `Tensor`
 * does (a − b as a + (−b), a / b as a · (1/b), with the scalar functions of `operators`), so
 * both ways give the same result to the last bit.
 */
export interface Arithmetic<T> {
  add(a: T, b: T | number): T;
  sub(a: T, b: T): T;
  mul(a: T, b: T | number): T;
  div(a: T, b: T): T;
  sqrt(a: T): T;
}

/** Arithmetic on tensors: each call one op on the tensors' backend. */
export const TENSORS: Arithmetic<Tensor> = {
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
export type FusedLoop = (
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
export class ConstantArithmetic implements Arithmetic<null> {
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
export function compileRule(rule: UpdateRule, inputs: number, outputs: number): FusedLoop {
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
export type UpdateRule = <T>(A: Arithmetic<T>, x: readonly T[], y: T[]) => void;
