/**
 * Optimizers and learning-rate schedules against PyTorch, step by step: every case of
 * tests/fixtures/optim.json (written by scripts/fixtures_optim.py, part of `npm run
 * fixtures`) replayed on every backend. The optimizers are given code: what they need from
 * the student is Module 2's gradients (Task 2.4).
 */
import { expect } from 'chai';
import * as fs from 'fs';
import * as path from 'path';
import {
  Adadelta,
  Adagrad,
  Adam,
  AdamW,
  Optimizer,
  Parameter,
  RMSprop,
  SGD,
  Tensor,
  lrScheduler,
  tensor,
} from '../src';

const { CosineAnnealingLR, ExponentialLR, StepLR } = lrScheduler;
type LRScheduler = lrScheduler.LRScheduler;
import { describeEachBackend, tolerance } from './helpers/backends';

interface OptimCase {
  optimizer: string;
  options: Record<string, unknown>;
  scheduler?: { name: string; args: number[]; options: Record<string, number> };
  steps: Array<{ loss: number; a: number[]; b: number[]; lr: number }>;
}

interface OptimFixture {
  a0: number[][];
  b0: number[];
  ca: number[][];
  cb: number[];
  cases: OptimCase[];
}

const FIXTURE = JSON.parse(
  fs.readFileSync(path.join(__dirname, '..', '..', 'tests', 'fixtures', 'optim.json'), 'utf8'),
) as OptimFixture;

/** Each optimizer of the fixture by PyTorch's name. */
const OPTIMIZERS: Record<string, new (ps: Parameter[], options: never) => Optimizer> = {
  SGD,
  Adam,
  AdamW,
  RMSprop,
  Adagrad,
  Adadelta,
};

/** Each scheduler of the fixture by PyTorch's name, from its positional arguments and options. */
const SCHEDULERS: Record<string, (opt: Optimizer, args: number[], options: Record<string, number>) => LRScheduler> = {
  StepLR: (opt, [stepSize], options) => new StepLR(opt, stepSize, options),
  ExponentialLR: (opt, [gamma]) => new ExponentialLR(opt, gamma),
  CosineAnnealingLR: (opt, [tMax], options) => new CosineAnnealingLR(opt, tMax, options),
};

function describeCase(c: OptimCase): string {
  const sched = c.scheduler ? ` + ${c.scheduler.name}(${c.scheduler.args.join(', ')})` : '';
  return `${c.optimizer}(${JSON.stringify(c.options)})${sched}`;
}

describeEachBackend('optimizers and schedules against PyTorch', (backend, name) => {
  const opts = { backend };
  // float64 backends: PyTorch's rule to rounding; the GPU computes in float32.
  const tol = name === 'gpu' ? tolerance(name) : 1e-10;

  it("Task 2.4 every optimizer and schedule follows PyTorch's steps (fixtures/optim.json)", () => {
    const ca = tensor(FIXTURE.ca, opts);
    const cb = tensor(FIXTURE.cb, opts);
    for (const c of FIXTURE.cases) {
      const a = new Parameter(tensor(FIXTURE.a0, opts));
      const b = new Parameter(tensor(FIXTURE.b0, opts));
      const opt = new OPTIMIZERS[c.optimizer]([a, b], c.options as never);
      const sched = c.scheduler && SCHEDULERS[c.scheduler.name](opt, c.scheduler.args, c.scheduler.options);
      c.steps.forEach((want, t) => {
        const where = `${describeCase(c)} step ${t + 1}`;
        opt.zeroGrad();
        // The gradient of A comes back transposed (not contiguous), as in the fixture's loss.
        const at: Tensor = a.value.transpose(0, 1);
        const aa = a.value.mul(a.value);
        const loss = ca
          .transpose(0, 1)
          .mul(at)
          .sum()
          .add(aa.mul(aa).sum().div(4))
          .add(cb.mul(b.value).sum())
          .add(b.value.mul(b.value).sum().div(2));
        expect(loss.item(), `${where} loss`).to.be.closeTo(want.loss, tol * 10);
        loss.backward();
        opt.step();
        sched?.step();
        const got = [...a.value.toFlatArray(), ...b.value.toFlatArray()];
        [...want.a, ...want.b].forEach((w, i) => expect(got[i], `${where} [${i}]`).to.be.closeTo(w, tol));
        expect(opt.lr, `${where} lr`).to.be.closeTo(want.lr, 1e-15);
        if (sched) expect(sched.getLastLr()).to.deep.equal([opt.lr]);
      });
    }
  });
});

describe('optimizer and scheduler arguments', () => {
  const ps = () => [new Parameter(tensor([1, 2]))];

  it('bad options name the option, what it got and what was expected', () => {
    expect(() => new SGD(ps(), { lr: -1 })).to.throw(RangeError, /SGD: lr must be a number >= 0, got -1/);
    expect(() => new SGD(ps(), { weight_decay: 0.1 } as never)).to.throw(/SGD: unknown option "weight_decay"/);
    expect(() => new SGD(ps(), { nesterov: true })).to.throw(/SGD: nesterov needs momentum > 0 and dampening 0/);
    expect(() => new SGD(ps(), { nesterov: 1 } as never)).to.throw(/SGD: nesterov must be true or false/);
    expect(() => new Adam(ps(), { betas: [0.9] } as never)).to.throw(/Adam: betas must be two numbers/);
    expect(() => new AdamW(ps(), { betas: [0.9, 1] })).to.throw(/AdamW: betas\[1\] must be a number >= 0 and < 1/);
    expect(() => new RMSprop(ps(), { alpha: 1 })).to.throw(/RMSprop: alpha must be a number >= 0 and < 1, got 1/);
    expect(() => new Adagrad(ps(), { lrDecay: -0.1 })).to.throw(/Adagrad: lrDecay must be/);
    expect(() => new Adadelta(ps(), 0.1 as never)).to.throw(/Adadelta: options must be an object/);
    const opt = new SGD(ps(), { lr: 0.1 });
    opt.lr = NaN;
    expect(() => opt.step()).to.throw(/SGD: lr must be a number >= 0, got NaN/);
  });

  it('schedulers check their optimizer and arguments', () => {
    const opt = new SGD(ps(), { lr: 0.1 });
    expect(() => new StepLR({ lr: 0.1 } as never, 2)).to.throw(/StepLR: optimizer must be an Optimizer/);
    expect(() => new StepLR(opt, 0)).to.throw(/StepLR: stepSize must be an integer >= 1, got number 0/);
    expect(() => new ExponentialLR(opt, -1)).to.throw(/ExponentialLR: gamma must be a number >= 0/);
    expect(() => new CosineAnnealingLR(opt, 1.5)).to.throw(/CosineAnnealingLR: tMax must be an integer >= 1/);
    expect(new StepLR(opt, 2).getLastLr()).to.deep.equal([0.1]);
  });

  it('AdamW decays by 1e-2 by default, Adam not at all', () => {
    expect(new AdamW(ps()).weightDecay).to.equal(1e-2);
    expect(new Adam(ps()).weightDecay).to.equal(0);
  });
});
