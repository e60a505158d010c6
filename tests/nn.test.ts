/**
 * Module 4 suites: convolution, pooling, max/argmax, softmax, dropout, layers, losses and
 * optimisers, on every backend.
 */
import { expect } from 'chai';
import * as fc from 'fast-check';
import {
  Adam,
  Conv1d,
  Conv2d,
  Dropout,
  Linear,
  Module,
  Parameter,
  Random,
  SGD,
  Tensor,
  crossEntropy,
  fromFlat,
  nllLoss,
  nn,
  noGrad,
  oneHot,
  rand,
  tensor,
} from '../src';
import { describeEachBackend, tolerance } from './helpers/backends';
import type { BackendName } from '../src';
import { gradCheck } from '../src/course/checks';

/** Small random shapes for property tests. */
const small = (min: number, max: number) => fc.integer({ min, max });

/**
 * `conv(x, w, bias)` against `conv(x, w)` plus the bias added after, for each [input, weight]:
 * the outputs and the gradients of input, weight and bias agree. The bias has 4 channels and
 * is read through an offset and strides (entries 1, 3, 5, 7 of a tensor of 8), whose other
 * entries get no gradient.
 */
function biasMatchesAddingAfter(
  name: BackendName,
  conv: (x: Tensor, w: Tensor, b?: Tensor | null) => Tensor,
  cases: Array<[Tensor, Tensor]>,
): void {
  for (const [input, weight] of cases) {
    const [x, w] = [input.requiresGrad_(), weight.requiresGrad_()];
    const b = rand([8], { backend: x.backend, seed: 5 }).requiresGrad_();
    const bias = b.at('1::2');
    const fused = conv(x, w, bias);
    const after = conv(x, w).add(bias.reshape(4, ...new Array<number>(x.dims - 2).fill(1)));
    const values = after.toFlatArray();
    fused.toFlatArray().forEach((v, i) => expect(v, `output ${i}`).to.be.closeTo(values[i], tolerance(name)));
    const grads = (out: Tensor) => {
      for (const t of [x, w, b]) t.zeroGrad_();
      out.mul(out).sum().backward();
      return [x, w, b].map((t) => t.grad!.toFlatArray());
    };
    const want = grads(after);
    const got = grads(fused);
    want.forEach((g, k) =>
      got[k].forEach((v, i) => expect(v, `gradient ${k}, entry ${i}`).to.be.closeTo(g[i], 50 * tolerance(name))),
    );
    expect(Array.from(got[2]).filter((_, i) => i % 2 === 0)).to.deep.equal([0, 0, 0, 0]);
  }
}

describeEachBackend('conv1d', (backend, name) => {
  const opts = { backend };

  it('Task 4.1 conv1d matches a hand-computed example', () => {
    const input = tensor([[[0, 1, 2, 3]]], opts);
    const weight = tensor([[[1, 2, 3]]], opts);
    // out[x] = Σ_k w[k]·in[x + k], zero past the end.
    expect(Array.from(nn.conv1d(input, weight).toFlatArray())).to.deep.equal([8, 14, 8, 3]);
  });

  it('Task 4.1 conv1d forward equals the definition on random shapes', () => {
    fc.assert(
      fc.property(
        small(1, 2),
        small(1, 3),
        small(1, 3),
        small(1, 6),
        small(1, 3),
        fc.integer(),
        (b, cin, cout, w, k, seed) => {
          const input = rand([b, cin, w], { ...opts, seed });
          const weight = rand([cout, cin, k], { ...opts, seed: seed + 1 });
          const out = nn.conv1d(input, weight);
          expect(out.shape).to.deep.equal([b, cout, w]);
          for (const [bi, oc, x] of out.data.indices()) {
            let expected = 0;
            for (let ic = 0; ic < cin; ic++)
              for (let j = 0; j < k; j++)
                if (x + j < w) expected += weight.get([oc, ic, j]) * input.get([bi, ic, x + j]);
            expect(out.get([bi, oc, x])).to.be.closeTo(expected, tolerance(name));
          }
        },
      ),
      { numRuns: 20 },
    );
  });

  it('Task 4.1 a bias added as conv1d runs gives what adding it after gives, values and gradients', () => {
    // The first is large enough for fast's SIMD convolution (`convBias`), the second is not.
    biasMatchesAddingAfter(name, nn.conv1d, [
      [rand([2, 3, 300], { ...opts, seed: 1 }), rand([4, 3, 5], { ...opts, seed: 2 })],
      [rand([1, 2, 5], { ...opts, seed: 3 }), rand([4, 2, 2], { ...opts, seed: 4 })],
    ]);
  });

  it('Task 4.1 conv1d gradients match central differences', () => {
    for (const [b, cin, cout, w, k] of [
      [1, 1, 1, 5, 2],
      [2, 2, 3, 6, 3],
      [2, 3, 2, 4, 4],
    ]) {
      const input = rand([b, cin, w], { ...opts, seed: w });
      const weight = rand([cout, cin, k], { ...opts, seed: k });
      gradCheck((x, y) => nn.conv1d(x, y), [input, weight]);
    }
  });

  // Shape checks run before any backend work and need no student code on simple and fast;
  // on the GPU, making the inputs already needs Module 2's code, so they are not run there.
  if (name !== 'gpu')
    it('conv1d errors name the shapes', () => {
      expect(() => nn.conv1d(rand([1, 2, 5], opts), rand([1, 3, 2], opts))).to.throw(/2 channels but weight expects 3/);
      expect(() => nn.conv1d(rand([2, 5], opts), rand([1, 2, 2], opts))).to.throw(/input must be 3-D.*\[2, 5\]/);
    });
});

describeEachBackend('conv2d', (backend, name) => {
  const opts = { backend };

  it('Task 4.2 conv2d forward equals the definition on random shapes', () => {
    fc.assert(
      fc.property(
        small(1, 2),
        small(1, 2),
        small(1, 3),
        small(1, 5),
        small(1, 5),
        small(1, 3),
        small(1, 3),
        fc.integer(),
        (b, cin, cout, h, w, kh, kw, seed) => {
          const input = rand([b, cin, h, w], { ...opts, seed });
          const weight = rand([cout, cin, kh, kw], { ...opts, seed: seed + 1 });
          const out = nn.conv2d(input, weight);
          expect(out.shape).to.deep.equal([b, cout, h, w]);
          for (const [bi, oc, y, x] of out.data.indices()) {
            let expected = 0;
            for (let ic = 0; ic < cin; ic++)
              for (let i = 0; i < kh; i++)
                for (let j = 0; j < kw; j++)
                  if (y + i < h && x + j < w)
                    expected += weight.get([oc, ic, i, j]) * input.get([bi, ic, y + i, x + j]);
            expect(out.get([bi, oc, y, x])).to.be.closeTo(expected, tolerance(name));
          }
        },
      ),
      { numRuns: 15 },
    );
  });

  it('Task 4.2 conv2d gradients match central differences', () => {
    for (const [b, cin, cout, h, w, kh, kw] of [
      [1, 1, 1, 3, 3, 2, 2],
      [2, 2, 3, 4, 5, 2, 3],
    ]) {
      const input = rand([b, cin, h, w], { ...opts, seed: h * w });
      const weight = rand([cout, cin, kh, kw], { ...opts, seed: kh + kw });
      gradCheck((x, y) => nn.conv2d(x, y), [input, weight]);
    }
  });

  it('Task 4.2 a bias added as conv2d runs gives what adding it after gives, values and gradients', () => {
    // [2, 3, 16, 16] with [4, 3, 3, 3] is large enough for fast's SIMD convolution, which adds
    // the bias as it computes (`convBias`); [1, 2, 3, 3] with [4, 2, 2, 2] is not, and adds it after.
    biasMatchesAddingAfter(name, nn.conv2d, [
      [rand([2, 3, 16, 16], { ...opts, seed: 1 }), rand([4, 3, 3, 3], { ...opts, seed: 2 })],
      [rand([1, 2, 3, 3], { ...opts, seed: 3 }), rand([4, 2, 2, 2], { ...opts, seed: 4 })],
    ]);
  });

  it('Task 4.2 conv2d with PyTorch options takes a bias read through strides, as PyTorch does', () => {
    const x = rand([1, 2, 6, 5], { ...opts, seed: 6 });
    const w = rand([4, 2, 3, 3], { ...opts, seed: 7 });
    const bias = rand([8], { ...opts, seed: 8 }).at('1::2');
    for (const options of [{ stride: 2, padding: 1 }, { padding: 1 }, { groups: 2, padding: 'same' as const }]) {
      const ww = options.groups === 2 ? w.at(':', '0:1') : w;
      const want = nn.conv2d(x, ww, bias.contiguous(), options).toFlatArray();
      const got = nn.conv2d(x, ww, bias, options).toFlatArray();
      got.forEach((v, i) =>
        expect(v, `${JSON.stringify(options)}: output ${i}`).to.be.closeTo(want[i], tolerance(name)),
      );
    }
  });

  it('Task 4.2 conv2d works on permuted (non-contiguous) inputs', () => {
    const input = rand([2, 5, 4, 1], { ...opts, seed: 3 })
      .permute(3, 0, 1, 2)
      .permute(1, 0, 2, 3); // [2,1,5,4]
    const weight = rand([2, 1, 2, 2], { ...opts, seed: 4 });
    const a = nn.conv2d(input, weight).toFlatArray();
    const b = nn.conv2d(input.contiguous(), weight).toFlatArray();
    a.forEach((v, i) => expect(v).to.be.closeTo(b[i], tolerance(name)));
  });

  // Shape checks run before any backend work and need no student code on simple and fast;
  // on the GPU, making the inputs already needs Module 2's code, so they are not run there.
  if (name !== 'gpu')
    it('conv2d errors name the shapes', () => {
      expect(() => nn.conv2d(rand([1, 2, 4, 4], opts), rand([3, 1, 2, 2], opts))).to.throw(
        /2 channels but weight expects 1/,
      );
    });
});

describeEachBackend('tile and avgpool2d', (backend, name) => {
  const opts = { backend };

  it('Task 4.3 avgpool2d averages each window', () => {
    const x = tensor(
      [
        [
          [
            [1, 2, 3, 4],
            [5, 6, 7, 8],
          ],
        ],
      ],
      opts,
    ); // [1,1,2,4]
    expect(Array.from(nn.avgpool2d(x, [2, 2]).toFlatArray())).to.deep.equal([3.5, 5.5]);
    expect(nn.avgpool2d(x, [1, 4]).shape).to.deep.equal([1, 1, 2, 1]);
  });

  it('Task 4.3 avgpool2d on random inputs equals window means, with correct gradients', () => {
    fc.assert(
      fc.property(
        small(1, 2),
        small(1, 2),
        small(1, 3),
        small(1, 3),
        small(1, 2),
        small(1, 2),
        fc.integer(),
        (b, c, hh, ww, kh, kw, seed) => {
          const x = rand([b, c, hh * kh, ww * kw], { ...opts, seed });
          const out = nn.avgpool2d(x, [kh, kw]);
          expect(out.shape).to.deep.equal([b, c, hh, ww]);
          for (const [bi, ci, i, j] of out.data.indices()) {
            let s = 0;
            for (let u = 0; u < kh; u++) for (let v = 0; v < kw; v++) s += x.get([bi, ci, i * kh + u, j * kw + v]);
            expect(out.get([bi, ci, i, j])).to.be.closeTo(s / (kh * kw), tolerance(name));
          }
        },
      ),
      { numRuns: 20 },
    );
    gradCheck((x) => nn.avgpool2d(x, [2, 2]), [rand([1, 2, 4, 4], { ...opts, seed: 1 })]);
  });

  it('Task 4.3 pooling drops a remainder as PyTorch does', () => {
    expect(nn.avgpool2d(rand([1, 1, 5, 4], opts), [2, 2]).shape).to.deep.equal([1, 1, 2, 2]);
  });

  // Shape checks run before any backend work and need no student code on simple and fast;
  // on the GPU, making the inputs already needs Module 2's code, so they are not run there.
  if (name !== 'gpu')
    it('pooling rejects kernels larger than the input, tile kernels that do not divide it', () => {
      expect(() => nn.avgpool2d(rand([1, 1, 5, 4], opts), [6, 2])).to.throw(/kernel \[6, 2\].*does not fit.*\[5, 4\]/);
      expect(() => nn.tile(rand([1, 1, 5, 4], opts), [2, 2])).to.throw(/kernel \[2, 2\] must divide.*\[5, 4\]/);
      expect(() => nn.tile(rand([4, 4], opts), [2, 2])).to.throw(/must be 4-D/);
    });
});

describeEachBackend('Task 4.4 max, softmax, maxpool2d, dropout', (backend, name) => {
  const opts = { backend };

  it('Task 4.4 max over each dim, and argmax marks it', () => {
    const t = tensor(
      [
        [1, 9, 3],
        [7, 2, 8],
      ],
      opts,
    );
    expect(Array.from(nn.max(t, 1).toFlatArray())).to.deep.equal([9, 8]);
    expect(Array.from(nn.max(t, 0).toFlatArray())).to.deep.equal([7, 9, 8]);
    expect(nn.max(t, -1).shape).to.deep.equal([2, 1]);
    expect(Array.from(nn.argmax(t, 1).toFlatArray())).to.deep.equal([0, 1, 0, 0, 0, 1]);
  });

  it('Task 4.4 max sends the whole gradient to the arg-max', () => {
    fc.assert(
      fc.property(small(1, 4), small(2, 5), fc.integer(), (n, m, seed) => {
        const t = rand([n, m], { ...opts, seed }).requiresGrad_();
        nn.max(t, 1).sum().backward();
        const grad = t.grad!;
        for (let i = 0; i < n; i++) {
          let best = 0;
          for (let j = 1; j < m; j++) if (t.get([i, j]) > t.get([i, best])) best = j;
          for (let j = 0; j < m; j++) expect(grad.get([i, j])).to.equal(j === best ? 1 : 0);
        }
      }),
      { numRuns: 20 },
    );
  });

  it('Task 4.4 softmax rows are positive and sum to 1; logsoftmax is its log', () => {
    fc.assert(
      fc.property(small(1, 4), small(1, 6), fc.integer(), (n, m, seed) => {
        const t = rand([n, m], { ...opts, seed })
          .mul(20)
          .sub(10);
        const s = nn.softmax(t, 1);
        const sums = s.sum(1).toFlatArray();
        sums.forEach((v) => expect(v).to.be.closeTo(1, tolerance(name) * 10));
        s.toFlatArray().forEach((v) => expect(v).to.be.greaterThan(0));
        const ls = nn.logsoftmax(t, 1).toFlatArray();
        s.toFlatArray().forEach((v, i) => expect(Math.exp(ls[i])).to.be.closeTo(v, 1e-4));
      }),
      { numRuns: 20 },
    );
  });

  it('Task 4.4 softmax and logsoftmax are stable for large inputs', () => {
    const t = tensor([[1000, 0, -1000]], opts);
    const s = Array.from(nn.softmax(t, 1).toFlatArray());
    expect(s[0]).to.be.closeTo(1, 1e-6);
    expect(s.every(Number.isFinite)).to.equal(true);
    expect(Array.from(nn.logsoftmax(t, 1).toFlatArray()).every(Number.isFinite)).to.equal(true);
  });

  it('Task 4.4 softmax, logsoftmax and maxpool2d gradients match central differences', () => {
    const x = rand([2, 4], { ...opts, seed: 5 });
    // Weighted sums: a plain sum of a softmax is constant, which would hide errors.
    const w = rand([2, 4], { ...opts, seed: 6 });
    gradCheck((a) => nn.softmax(a, 1).mul(w), [x]);
    gradCheck((a) => nn.logsoftmax(a, 0).mul(w), [x]);
    const img = rand([1, 2, 4, 4], { ...opts, seed: 7 });
    gradCheck((a) => nn.maxpool2d(a, [2, 2]), [img]);
  });

  it('Task 4.4 maxpool2d takes each window maximum', () => {
    const x = tensor(
      [
        [
          [
            [1, 5, 3, 4],
            [2, 0, 9, 8],
          ],
        ],
      ],
      opts,
    );
    expect(Array.from(nn.maxpool2d(x, [2, 2]).toFlatArray())).to.deep.equal([5, 9]);
  });

  it('Task 4.4 dropout keeps about 1 − rate, rescales survivors, and is off when ignored', () => {
    const x = rand([50, 40], { ...opts, seed: 8 }).add(1);
    const out = nn.dropout(x, 0.3, { rng: new Random(1) }).toFlatArray();
    const xs = x.toFlatArray();
    let kept = 0;
    out.forEach((v, i) => {
      if (v !== 0) {
        kept += 1;
        expect(v).to.be.closeTo(xs[i] / 0.7, 1e-3);
      }
    });
    expect(kept / out.length).to.be.closeTo(0.7, 0.05);
    expect(nn.dropout(x, 0.3, { ignore: true })).to.equal(x);
    expect(Array.from(nn.dropout(x, 1).toFlatArray()).every((v) => v === 0)).to.equal(true);
    expect(() => nn.dropout(x, 1.5)).to.throw(/rate must be a number in \[0, 1\], got number 1.5/);
  });
});

describeEachBackend(
  'Layers, losses and optimisers',
  (backend, name) => {
    const opts = { backend };

    it('Task 4.2 Conv1d, Conv2d and Linear register their parameters and check shapes', () => {
      class Net extends Module {
        c1 = new Conv1d(2, 3, 2, opts);
        c2 = new Conv2d(1, 2, [3, 3], opts);
        fc = new Linear(4, 2, opts);
      }
      const net = new Net();
      expect(net.namedParameters().map(([n]) => n)).to.deep.equal([
        'c1.weight',
        'c1.bias',
        'c2.weight',
        'c2.bias',
        'fc.weight',
        'fc.bias',
      ]);
      // PyTorch's default padding 0: the output shrinks by kernel - 1.
      expect(net.c1.forward(rand([2, 2, 5], opts)).shape).to.deep.equal([2, 3, 4]);
      expect(net.c2.forward(rand([1, 1, 4, 4], opts)).shape).to.deep.equal([1, 2, 2, 2]);
      expect(() => net.fc.forward(rand([3, 5], opts))).to.throw(/expected input \[batch, 4\], got \[3, 5\]/);
    });

    it('Task 4.4 Dropout layer is active in training and the identity in eval mode', () => {
      const d = new Dropout(0.5);
      const x = rand([10, 10], { ...opts, seed: 2 }).add(1);
      expect(Array.from(d.forward(x).toFlatArray()).some((v) => v === 0)).to.equal(true);
      d.eval();
      expect(d.forward(x)).to.equal(x);
    });

    it('Task 4.4 nllLoss and crossEntropy match their definitions and gradients', () => {
      const logits = rand([3, 4], { ...opts, seed: 9 });
      const labels = [1, 3, 0];
      const ls = nn.logsoftmax(logits, 1);
      const expected = -(labels.reduce((s, c, i) => s + ls.get([i, c]), 0) / 3);
      expect(crossEntropy(logits, labels).item()).to.be.closeTo(expected, tolerance(name));
      expect(nllLoss(ls, labels).item()).to.be.closeTo(expected, tolerance(name));
      gradCheck((a) => crossEntropy(a, labels), [logits]);
      expect(() => oneHot([0, 4], 4)).to.throw(/label 4 at position 1 is not a class in 0..3/);
      expect(() => nllLoss(ls, [1, 2])).to.throw(
        /nllLoss: expected log-probabilities \[N, classes\].*got log-probabilities \[3, 4\] and labels \[2\]/,
      );
    });

    // The optimisers are given: what they need from the student is Module 2's gradients.
    it('Task 2.4 SGD (with momentum) and Adam reduce a quadratic loss', () => {
      for (const make of [
        (m: Module) => new SGD(m.parameters(), { lr: 0.1 }),
        (m: Module) => new SGD(m.parameters(), { lr: 0.05, momentum: 0.9 }),
        (m: Module) => new Adam(m.parameters(), { lr: 0.1 }),
      ]) {
        const model = new Linear(3, 1, { ...opts, rng: new Random(3) });
        const x = rand([8, 3], { ...opts, seed: 4 });
        const target = fromFlat([1, 2, 3, 4, 5, 6, 7, 8], [8, 1], opts).div(8);
        const loss = () => model.forward(x).sub(target).mul(model.forward(x).sub(target)).mean();
        const optim = make(model);
        const first = noGrad(() => loss().item());
        for (let i = 0; i < 60; i++) {
          optim.zeroGrad();
          loss().backward();
          optim.step();
        }
        expect(noGrad(() => loss().item())).to.be.lessThan(first / 4);
      }
    });

    // Three steps of each rule against PyTorch's update formulas computed here on plain numbers,
    // for a parameter whose gradient comes back in its own layout and one whose gradient comes
    // back transposed (the fast backend fuses the first and runs the ops for the second).
    it("Task 2.4 SGD, momentum and Adam steps follow PyTorch's update rules", () => {
      type Rule = {
        make: (ps: Parameter[]) => { zeroGrad(): void; step(): void };
        update: (p: number[], g: number[], t: number, s: number[][]) => void;
      };
      const rules: Record<string, Rule> = {
        sgd: { make: (ps) => new SGD(ps, { lr: 0.1 }), update: (p, g) => p.forEach((_, i) => (p[i] -= 0.1 * g[i])) },
        momentum: {
          make: (ps) => new SGD(ps, { lr: 0.1, momentum: 0.9 }),
          update: (p, g, t, [buf]) =>
            p.forEach((_, i) => {
              buf[i] = t === 1 ? g[i] : 0.9 * buf[i] + g[i];
              p[i] -= 0.1 * buf[i];
            }),
        },
        adam: {
          make: (ps) => new Adam(ps, { lr: 0.05, betas: [0.8, 0.9], eps: 1e-3 }),
          update: (p, g, t, [m, v]) =>
            p.forEach((_, i) => {
              m[i] = 0.8 * (m[i] ?? 0) + 0.2 * g[i];
              v[i] = 0.9 * (v[i] ?? 0) + 0.1 * g[i] * g[i];
              p[i] -= (0.05 * (m[i] / (1 - 0.8 ** t))) / (Math.sqrt(v[i] / (1 - 0.9 ** t)) + 1e-3);
            }),
        },
      };
      const c = [0.5, -1, 2, 0.25, -0.75, 1.5];
      for (const [ruleName, rule] of Object.entries(rules)) {
        for (const transposed of [false, true]) {
          const start = [0.1, -0.2, 0.3, 0.4, -0.5, 0.6];
          const p = new Parameter(fromFlat(start, [2, 3], opts));
          const optim = rule.make([p]);
          const want = start.slice();
          const state: number[][] = [[], []];
          for (let t = 1; t <= 3; t++) {
            // loss = Σ c·p + ½Σ p², so the gradient is c + p.
            const w = transposed ? p.value.transpose(0, 1) : p.value;
            const cc = fromFlat(c, [2, 3], opts);
            const loss = w
              .mul(transposed ? cc.transpose(0, 1) : cc)
              .sum()
              .add(w.mul(w).sum().mul(0.5));
            optim.zeroGrad();
            loss.backward();
            const g = want.map((x, i) => c[i] + x);
            optim.step();
            rule.update(want, g, t, state);
            const got = Array.from(p.value.toFlatArray());
            got.forEach((x, i) =>
              expect(x, `${ruleName}${transposed ? ' (transposed grad)' : ''} step ${t} [${i}]`).to.be.closeTo(
                want[i],
                tolerance(name),
              ),
            );
          }
        }
      }
    });
  },
  { matmul: /SGD \(with momentum\) and Adam/ },
);

// A reference point that runs on one backend only: the suites above are per backend.
describe('Module 4 errors', () => {
  it('optimisers need tensor parameters', () => {
    expect(() => new SGD([])).to.throw(/no tensor parameters/);
  });
  it('max rejects a dim that does not exist', () => {
    expect(() => nn.max(rand([2, 2]) as Tensor, 2)).to.throw(/dim 2 is out of range for shape \[2, 2\]/);
  });
});
