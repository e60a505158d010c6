/**
 * Bad input gets an error that names the argument, what it got and what was expected, before
 * anything changes; and edge cases PyTorch defines (an empty layer) give PyTorch's answer
 * rather than NaN. Tests here that reach no exercise name no task.
 */
import { expect } from 'chai';
import { Adam, IndexingError, Linear, Random, SGD, datasets, full, nn, tensor, where, zeros } from '../src';
import { encodeSentences, parseGlove } from '../src/apps/sentiment';
import { describeEachBackend, tolerance } from './helpers/backends';

describe('Bad input: seeds', () => {
  it('Random rejects a seed that is not an integer, naming it', () => {
    expect(() => new Random('x' as unknown as number)).to.throw(
      TypeError,
      /Random: seed must be an integer, got the string "x"/,
    );
    expect(() => new Random(NaN)).to.throw(RangeError, /Random: seed must be an integer, got NaN/);
    expect(() => new Random(1.5)).to.throw(RangeError, /got 1\.5/);
    // Different integer seeds give different streams; the same seed the same one.
    expect(new Random(1).next()).to.not.equal(new Random(2).next());
    expect(new Random(-7).next()).to.equal(new Random(-7).next());
  });

  it('the data sets reject a bad seed instead of silently using another', () => {
    expect(() => datasets.simple(5, 'x' as unknown as number)).to.throw(
      TypeError,
      /datasets\.simple: seed must be an integer/,
    );
    expect(() => datasets.xor(5, NaN)).to.throw(RangeError, /datasets\.xor: seed must be an integer, got NaN/);
    expect(() => datasets.spiral(5, Infinity)).to.throw(RangeError, /datasets\.spiral/);
  });
});

describe('Bad input: indexing', () => {
  it('Task 2.1 get and set without an index array say what form the index takes', () => {
    const x = tensor([1, 2]);
    const get = x.get.bind(x) as (...a: unknown[]) => number;
    expect(() => get()).to.throw(
      TypeError,
      /get: index must be an array of numbers, one per dim \(shape \[2\]: e\.g\. x\.get\(\[0\]\)\), got undefined/,
    );
    expect(() => get(0)).to.throw(TypeError, /got number 0/);
    expect(() => get(['0'])).to.throw(TypeError, /got an array/);
    const set = x.set.bind(x) as (...a: unknown[]) => void;
    expect(() => set(1, 5)).to.throw(TypeError, /set: index must be an array .*x\.set\(\[0\], value\)/);
    expect(x.toFlatArray()).to.deep.equal(new Float64Array([1, 2]));
  });
});

describe('Bad input: modules and data', () => {
  it('Task 2.1 loadStateDict names what it got when given no state dict, and changes nothing', () => {
    const layer = new Linear(2, 2);
    const before = Array.from(layer.weight.value.toFlatArray());
    for (const [bad, got] of [
      [null, 'null'],
      [[], 'an array'],
      [tensor([1]), 'a Tensor'],
      [5, 'number'],
    ] as const) {
      expect(() => layer.loadStateDict(bad as never)).to.throw(
        TypeError,
        new RegExp(`loadStateDict into Linear: expected an object of tensors by name .*got ${got}$`),
      );
    }
    expect(Array.from(layer.weight.value.toFlatArray())).to.deep.equal(before);
  });

  it('encodeSentences rejects a maxLength that is not a positive integer', () => {
    const emb = parseGlove('good 1 2');
    for (const bad of [-1, 0, 2.5, NaN]) {
      expect(() => encodeSentences([{ sentence: 'good', label: 1 }], emb, bad)).to.throw(
        RangeError,
        /encodeSentences: maxLength must be a positive integer \(words per sentence\)/,
      );
    }
  });

  it('Task 2.1 a Linear layer with no inputs starts with a zero bias, as in PyTorch (not ±∞ → NaN)', () => {
    const layer = new Linear(0, 3);
    expect(layer.weight.value.shape).to.deep.equal([3, 0]);
    expect(Array.from(layer.bias!.value.toFlatArray())).to.deep.equal([0, 0, 0]);
    expect(zeros([2, 0]).shape).to.deep.equal([2, 0]);
  });

  it('Task 2.3 a Linear layer with no inputs outputs its bias (zeros), not NaN', () => {
    const out = new Linear(0, 3).forward(zeros([2, 0]));
    expect(out.toArray()).to.deep.equal([
      [0, 0, 0],
      [0, 0, 0],
    ]);
  });
});

describe('Bad input: optimizers', () => {
  it('SGD and Adam name what they got instead of parameters', () => {
    const layer = new Linear(2, 2);
    expect(() => new SGD(layer as never, { lr: 0.1 })).to.throw(
      TypeError,
      /SGD: expected a list of parameters such as model\.parameters\(\), got a Linear module/,
    );
    expect(() => new SGD([tensor([1])] as never)).to.throw(TypeError, /SGD: parameter 0 is a Tensor, not a Parameter/);
    expect(() => new Adam([layer.weight, 3] as never)).to.throw(
      TypeError,
      /Adam: parameter 1 is number 3, not a Parameter/,
    );
    expect(() => new SGD([])).to.throw(/SGD: no tensor parameters given/);
  });

  it('Task 0.4 a learning rate given as a string is named as a string', () => {
    const ps = new Linear(2, 2).parameters();
    expect(() => new SGD(ps, { lr: '0.1' as never })).to.throw(
      TypeError,
      /SGD: lr must be a number >= 0, got the string "0\.1"/,
    );
    expect(() => new Adam(ps, { betas: [0.9, 1] })).to.throw(
      RangeError,
      /Adam: betas\[1\] must be a number >= 0 and < 1, got 1/,
    );
  });
});

describe('Bad input: indices and reductions', () => {
  it('Task 2.3 takeAlong rejects an index that is not an integer position, naming it', () => {
    const x = tensor([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    for (const bad of [9, -1, 0.5, NaN]) {
      expect(() => x.takeAlong(1, tensor([[bad], [0]]))).to.throw(
        IndexingError,
        new RegExp(`takeAlong: index along dim 1 \\(size 3\\): got ${bad}; expected an integer from 0 to 2`),
      );
    }
    expect(x.takeAlong(1, tensor([[2], [0]])).toArray()).to.deep.equal([3, 4]);
  });

  it('a maximum or minimum of nothing is an error (PyTorch raises), before any kernel runs', () => {
    expect(() => zeros([0]).max()).to.throw(IndexingError, /amax: dim 0 of shape \[0\] is empty; it needs values/);
    expect(() => zeros([2, 0]).amax(1)).to.throw(IndexingError, /dim 1 of shape \[2, 0\] is empty/);
    expect(() => zeros([0]).min()).to.throw(IndexingError, /amin: dim 0 of shape \[0\] is empty/);
    expect(() => zeros([3, 0]).argmax(1)).to.throw(IndexingError, /argmax: dim 1 of shape \[3, 0\] is empty/);
  });
});

/**
 * NaN and ±∞ in every reduction, with PyTorch's answers written out (torch 2.x): a NaN makes a
 * maximum or minimum NaN and is where argmax/argmin point; an ∞ that is not picked never leaks.
 */
describeEachBackend('Reductions with NaN and infinities', (backend, name) => {
  const t = (values: number[][]) => tensor(values, { backend });
  const inf = Infinity;

  it('Task 4.4 max, min, amax, amin, argmax and argmin propagate NaN as PyTorch', () => {
    const x = t([[1, NaN, 3]]);
    expect(x.max().item()).to.satisfy(Number.isNaN);
    expect(x.min().item()).to.satisfy(Number.isNaN);
    expect(x.argmax().item()).to.equal(1);
    expect(x.argmin().item()).to.equal(1);
    expect(Array.from(x.amax(1).toFlatArray())).to.deep.equal([NaN]);
    expect(Array.from(x.amin(1).toFlatArray())).to.deep.equal([NaN]);
    const both = t([
      [1, NaN, 3],
      [4, 6, 5],
    ]);
    const { values, indices } = both.max(1);
    expect(Array.from(values.toFlatArray())).to.deep.equal([NaN, 6]);
    expect(Array.from(indices.toFlatArray())).to.deep.equal([1, 1]);
    const low = both.min(1);
    expect(Array.from(low.values.toFlatArray())).to.deep.equal([NaN, 4]);
    expect(Array.from(low.indices.toFlatArray())).to.deep.equal([1, 0]);
  });

  it('Task 4.4 infinities are ordinary values to max and min, and never leak into picked values', () => {
    const x = t([
      [1, inf, -inf],
      [-inf, -inf, 2],
    ]);
    expect(x.max().item()).to.equal(inf);
    expect(x.min().item()).to.equal(-inf);
    const { values, indices } = x.max(1);
    expect(Array.from(values.toFlatArray())).to.deep.equal([inf, 2]);
    expect(Array.from(indices.toFlatArray())).to.deep.equal([1, 2]);
    const low = x.min(1);
    expect(Array.from(low.values.toFlatArray())).to.deep.equal([-inf, -inf]);
    expect(Array.from(low.indices.toFlatArray())).to.deep.equal([2, 0]);
    expect(
      Array.from(
        t([[-inf, -inf]])
          .amax(1)
          .toFlatArray(),
      ),
    ).to.deep.equal([-inf]);
    expect(
      t([[-inf, -inf]])
        .argmax()
        .item(),
    ).to.equal(0);
  });

  it('Task 2.3 sum, mean and prod follow IEEE arithmetic as PyTorch (∞ − ∞ and ∞ · 0 are NaN)', () => {
    expect(
      t([[inf, 1]])
        .sum()
        .item(),
    ).to.equal(inf);
    expect(
      t([[inf, -inf]])
        .sum()
        .item(),
    ).to.satisfy(Number.isNaN);
    expect(
      t([[NaN, 1]])
        .mean()
        .item(),
    ).to.satisfy(Number.isNaN);
    expect(
      t([[0, inf]])
        .prod()
        .item(),
    ).to.satisfy(Number.isNaN);
    expect(
      t([[-inf, 2]])
        .prod()
        .item(),
    ).to.equal(-inf);
  });

  it('Task 4.4 logsumexp of all −∞ is −∞, with a +∞ it is +∞, with a NaN NaN', () => {
    expect(
      t([[-inf, -inf]])
        .logsumexp(1)
        .item(),
    ).to.equal(-inf);
    expect(
      t([[1, inf]])
        .logsumexp(1)
        .item(),
    ).to.equal(inf);
    expect(
      t([[1, NaN]])
        .logsumexp(1)
        .item(),
    ).to.satisfy(Number.isNaN);
    expect(
      t([[0, 0]])
        .logsumexp(1)
        .item(),
    ).to.be.closeTo(Math.log(2), tolerance(name));
  });

  it('Task 2.3 a sum of nothing is 0, a product 1 and a mean NaN, as in PyTorch (no crash)', () => {
    expect(zeros([0], { backend }).sum().item()).to.equal(0);
    expect(zeros([0], { backend }).prod().item()).to.equal(1);
    expect(zeros([0], { backend }).mean().item()).to.satisfy(Number.isNaN);
    expect(zeros([0, 3], { backend }).mean().item()).to.satisfy(Number.isNaN);
    expect(zeros([0, 3], { backend }).sum(0).toArray()).to.deep.equal([0, 0, 0]);
    const rows = zeros([2, 0], { backend });
    expect(rows.sum(1).toArray()).to.deep.equal([0, 0]);
    expect(Array.from(rows.mean(1).toFlatArray())).to.deep.equal([NaN, NaN]);
  });

  it('Task 2.3 where takes each value from its own branch: an ∞ or NaN in the other branch stays out', () => {
    const c = t([[1, 0, 1]]);
    const out = where(c, t([[1, inf, NaN]]), t([[-inf, 2, 3]]));
    expect(Array.from(out.toFlatArray())).to.deep.equal([1, 2, NaN]);
  });

  it('Task 4.4 max pooling gives NaN for a window holding a NaN, and ∞ where it is the maximum', () => {
    const img = tensor(
      [
        [
          [
            [1, NaN, 5, 6],
            [2, 3, 7, -inf],
            [inf, 0, 1, 1],
            [0, 0, 1, 2],
          ],
        ],
      ],
      { backend },
    );
    expect(nn.maxpool2d(img, 2).toArray()).to.deep.equal([
      [
        [
          [NaN, 7],
          [inf, 2],
        ],
      ],
    ]);
  });
});

describe('Bad input: sizes', () => {
  it('a tensor too large to allocate is an error naming its shape and size', () => {
    expect(() => zeros([1e6, 1e6])).to.throw(
      RangeError,
      /cannot allocate a tensor of shape \[1000000, 1000000\]: 1000000000000 values of 8 bytes \(7451 GiB\)/,
    );
    expect(() => full([1e5, 1e5, 10], 1)).to.throw(RangeError, /shape \[100000, 100000, 10\]/);
  });
});
