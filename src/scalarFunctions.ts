/**
 * Module 1 — the functions a `Scalar` can be computed with (Task 1.2).
 *
 * Each entry has a `forward` (plain numbers in, a number out, saving what `backward` needs)
 * and a `backward` (the derivative of the output times `dOut`, one number per input).
 * The table is typed `Record<ScalarOp, ScalarFunction>`: adding a name to `ScalarOp`
 * without writing its forward *and* backward does not compile.
 *
 * @packageDocumentation
 */
import { Context } from './autodiff';
import * as ops from './operators';

/** A differentiable function on numbers. */
export interface ScalarFunction {
  /** Compute the output from the inputs, saving values for `backward` in `ctx`. */
  forward(ctx: Context<number>, ...inputs: number[]): number;
  /** d(out)/d(input_i) · dOut for each input, in input order. */
  backward(ctx: Context<number>, dOut: number): number[];
}

/** Names of every scalar function. */
export type ScalarOp = 'add' | 'mul' | 'inv' | 'neg' | 'sigmoid' | 'relu' | 'log' | 'exp' | 'lt' | 'eq';

/** The scalar function table: forward and backward for each `ScalarOp`. */
export const scalarFunctions: Record<ScalarOp, ScalarFunction> = {
  add: {
    forward: (_ctx, a, b) => ops.add(a, b),
    backward: (_ctx, d) => [d, d],
  },
  mul: {
    forward(ctx, a, b) {
      // BEGIN SOLUTION 1.2
      ctx.saveForBackward(a, b);
      return ops.mul(a, b);
      // END SOLUTION
    },
    backward(ctx, d) {
      // BEGIN SOLUTION 1.4
      const [a, b] = ctx.savedValues;
      return [d * b, d * a];
      // END SOLUTION
    },
  },
  inv: {
    forward(ctx, a) {
      // BEGIN SOLUTION 1.2
      ctx.saveForBackward(a);
      return ops.inv(a);
      // END SOLUTION
    },
    backward(ctx, d) {
      // BEGIN SOLUTION 1.4
      return [ops.invBack(ctx.savedValues[0], d)];
      // END SOLUTION
    },
  },
  neg: {
    forward: (_ctx, a) => ops.neg(a),
    backward: (_ctx, d) => [-d],
  },
  sigmoid: {
    forward(ctx, a) {
      // BEGIN SOLUTION 1.2
      const s = ops.sigmoid(a);
      ctx.saveForBackward(s);
      return s;
      // END SOLUTION
    },
    backward(ctx, d) {
      // BEGIN SOLUTION 1.4
      const s = ctx.savedValues[0];
      return [d * s * (1 - s)];
      // END SOLUTION
    },
  },
  relu: {
    forward(ctx, a) {
      // BEGIN SOLUTION 1.2
      ctx.saveForBackward(a);
      return ops.relu(a);
      // END SOLUTION
    },
    backward(ctx, d) {
      // BEGIN SOLUTION 1.4
      return [ops.reluBack(ctx.savedValues[0], d)];
      // END SOLUTION
    },
  },
  log: {
    forward(ctx, a) {
      // BEGIN SOLUTION 1.2
      ctx.saveForBackward(a);
      return ops.log(a);
      // END SOLUTION
    },
    backward(ctx, d) {
      // BEGIN SOLUTION 1.4
      return [ops.logBack(ctx.savedValues[0], d)];
      // END SOLUTION
    },
  },
  exp: {
    forward(ctx, a) {
      // BEGIN SOLUTION 1.2
      const e = ops.exp(a);
      ctx.saveForBackward(e);
      return e;
      // END SOLUTION
    },
    backward(ctx, d) {
      // BEGIN SOLUTION 1.4
      return [d * ctx.savedValues[0]];
      // END SOLUTION
    },
  },
  lt: {
    forward: (_ctx, a, b) => ops.lt(a, b),
    // A step function: flat almost everywhere, so its derivative is zero.
    backward: () => [0, 0],
  },
  eq: {
    forward: (_ctx, a, b) => ops.eq(a, b),
    backward: () => [0, 0],
  },
};
