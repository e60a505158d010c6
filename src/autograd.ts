/**
 * Differentiable functions written in user code, as PyTorch's `torch.autograd.Function`: a
 * class with a static `forward(ctx, ...inputs)` and `backward(ctx, gradOutput)`, run with
 * `MyFunction.apply(x)`. It is the course's own machinery: `apply` runs the one entry of
 * `tensorFunctions` that calls a user's pair (`custom`) through `Tensor.apply`, so the result
 * is recorded in the graph like any built-in op and `backward()` reaches the user's backward.
 *
 * ```ts
 * class Cube extends minitorch.autograd.Function {
 *   static forward(ctx: minitorch.Context<Tensor>, x: Tensor): Tensor {
 *     ctx.saveForBackward(x);
 *     return x.mul(x).mul(x);
 *   }
 *   static backward(ctx: minitorch.Context<Tensor>, grad: Tensor): Tensor {
 *     const [x] = ctx.savedValues;
 *     return grad.mul(x.mul(x).mul(3));
 *   }
 * }
 * const y = Cube.apply(x);
 * ```
 *
 * @packageDocumentation
 */
import type { Context } from './autodiff';
import { Tensor } from './tensor';
import { describeValue } from './validate';
import type { CustomFunction } from './tensorFunctions';

/**
 * Base of a user's differentiable function (PyTorch's `torch.autograd.Function`). Subclass it
 * with static `forward` and `backward`; call `apply`. Inputs that are not tensors (numbers,
 * options) are passed to `forward` as they are and get no gradient.
 */
export class Function {
  /**
   * The output from the inputs. Tensor inputs arrive detached, so the ops here build no
   * graph; save what `backward` needs with `ctx.saveForBackward(...)`.
   */
  static forward(_ctx: Context<Tensor>, ..._args: never[]): Tensor {
    throw new Error(`${this.name}: a Function subclass must define static forward(ctx, ...inputs)`);
  }

  /**
   * The gradient of each input from the gradient of the output: one Tensor for a
   * one-input function, else a list with one entry per argument of `forward` (`null` for
   * an input that needs none, and for arguments that are not tensors). The saved values
   * are `ctx.savedValues`; `ctx.needsInputGrad[i]` says whether argument i needs one.
   */
  static backward(_ctx: Context<Tensor>, _gradOutput: Tensor): Tensor | Array<Tensor | null> {
    throw new Error(`${this.name}: a Function subclass must define static backward(ctx, gradOutput)`);
  }

  /**
   * Run the function and record it for `backward()`. A getter, so that
   * `const P3 = Legendre3.apply` keeps working when called on its own, as in PyTorch.
   */
  static get apply(): (...args: unknown[]) => Tensor {
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- the subclass `apply` was read from
    const cls = this;
    return (...args: unknown[]) => applyFunction(cls, args);
  }
}

/** Run `cls` on `args`: its tensors are the op's inputs, everything else rides in its argument. */
function applyFunction(cls: typeof Function, args: unknown[]): Tensor {
  const name = cls.name;
  if (cls === Function)
    throw new Error('autograd.Function.apply: call apply on a subclass that defines forward and backward');
  const positions = args.flatMap((a, i) => (a instanceof Tensor ? [i] : []));
  if (positions.length === 0) {
    throw new TypeError(
      `${name}.apply: expected at least one Tensor argument, got ${args.map(describeValue).join(', ')}`,
    );
  }
  const custom: CustomFunction = {
    name,
    forward(ctx, inputs) {
      // PyTorch's ctx.needs_input_grad has one entry per argument of forward.
      const needs = ctx.needsInputGrad;
      if (needs.length > 0) ctx.needsInputGrad = args.map((_, i) => needs[positions.indexOf(i)] ?? false);
      const full = args.slice();
      positions.forEach((p, k) => (full[p] = inputs[k]));
      const out = (cls.forward as (ctx: Context<Tensor>, ...a: unknown[]) => unknown)(ctx, ...full);
      if (!(out instanceof Tensor))
        throw new TypeError(`${name}.forward must return a Tensor, got ${describeValue(out)}`);
      return out;
    },
    backward(ctx, grad) {
      const got = cls.backward(ctx, grad);
      const grads = got instanceof Tensor ? [got] : got;
      if (!Array.isArray(grads) || grads.length !== args.length) {
        throw new TypeError(
          `${name}.backward must return ${args.length === 1 ? 'a Tensor or ' : ''}a list of ${args.length} ` +
            `gradients (one per argument of forward), got ${describeValue(got)}`,
        );
      }
      return positions.map((p) => grads[p] ?? null);
    },
  };
  return Tensor.apply(
    'custom',
    positions.map((p) => args[p] as Tensor),
    custom,
  );
}
