/**
 * `minitorch.autograd.Function`: differentiable functions written in user code, as PyTorch's
 * `torch.autograd.Function` (the "Learning PyTorch with Examples" LegendrePolynomial3).
 */
import { expect } from 'chai';
import { Context, Tensor, autograd, tensor } from '../src';
import { gradCheck } from '../src/course/checks';

/** P3(x) = ½(5x³ − 3x), with its derivative written by hand, as in the tutorial. */
class LegendrePolynomial3 extends autograd.Function {
  static forward(ctx: Context<Tensor>, input: Tensor): Tensor {
    ctx.saveForBackward(input);
    return input.pow(3).mul(5).sub(input.mul(3)).mul(0.5);
  }
  static backward(ctx: Context<Tensor>, gradOutput: Tensor): Tensor {
    const [input] = ctx.savedValues;
    return gradOutput.mul(input.pow(2).mul(5).sub(1).mul(1.5));
  }
}

/** a·x + b·y with a number `a` among the arguments, which gets no gradient. */
class Scaled extends autograd.Function {
  static needs: boolean[] = [];
  static forward(ctx: Context<Tensor>, x: Tensor, a: number, y: Tensor): Tensor {
    Scaled.needs = ctx.needsInputGrad.slice();
    return x.mul(a).add(y.mul(2));
  }
  static backward(_ctx: Context<Tensor>, grad: Tensor): Array<Tensor | null> {
    return [grad.mul(3), null, grad.mul(2)];
  }
}

describe('autograd.Function', () => {
  it("Task 2.4 a user's forward and backward (LegendrePolynomial3) pass the numerical gradient check", () => {
    const P3 = LegendrePolynomial3.apply; // detached from its class, as the tutorial does
    const x = tensor([-1.5, -0.3, 0, 0.4, 2]);
    const y = P3(x);
    expect(Array.from(y.toFlatArray())).to.deep.equal([-1.5, -0.3, 0, 0.4, 2].map((v) => 0.5 * (5 * v ** 3 - 3 * v)));
    gradCheck((t) => P3(t.mul(2).add(0.5)).mul(P3(t)), [x], 'LegendrePolynomial3');
    // Recorded in the graph as one op that knows its name.
    const z = LegendrePolynomial3.apply(tensor([1], { requiresGrad: true }));
    expect(z.history?.op).to.equal('custom');
    expect(z.history?.arg).to.have.property('name', 'LegendrePolynomial3');
  });

  it('Task 2.4 non-tensor arguments ride along; needsInputGrad has one entry per argument', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const y = tensor([3, 4]);
    const out = Scaled.apply(x, 3, y);
    expect(Scaled.needs).to.deep.equal([true, false, false]);
    expect(out.toArray()).to.deep.equal([9, 14]);
    out.sum().backward();
    expect(x.grad?.toArray()).to.deep.equal([3, 3]);
    expect(y.grad).to.equal(null);
  });

  it('Task 2.4 Errors: a Function without forward, apply without tensors, a backward of the wrong arity', () => {
    class NoForward extends autograd.Function {}
    expect(() => NoForward.apply(tensor([1]))).to.throw(/NoForward: a Function subclass must define static forward/);
    expect(() => LegendrePolynomial3.apply(2)).to.throw(
      /LegendrePolynomial3.apply: expected at least one Tensor argument, got number 2/,
    );
    expect(() => autograd.Function.apply(tensor([1]))).to.throw(/call apply on a subclass/);
    class TwoGrads extends autograd.Function {
      static forward(_ctx: Context<Tensor>, x: Tensor): Tensor {
        return x.mul(2);
      }
      static backward(_ctx: Context<Tensor>, g: Tensor): Array<Tensor | null> {
        return [g, g];
      }
    }
    const out = TwoGrads.apply(tensor([1], { requiresGrad: true }));
    expect(() => out.sum().backward()).to.throw(/TwoGrads.backward must return a Tensor or a list of 1 gradients/);
  });
});
