/**
 * Bad input gets an error that names the argument, what it got and what was expected, before
 * anything changes; and edge cases PyTorch defines (an empty layer) give PyTorch's answer
 * rather than NaN. Tests here that reach no exercise name no task.
 */
import { expect } from 'chai';
import { Linear, Random, datasets, tensor, zeros } from '../src';
import { encodeSentences, parseGlove } from '../src/apps/sentiment';

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
  it('get and set without an index array say what form the index takes', () => {
    const x = tensor([1, 2]);
    const get = x.get.bind(x) as (...a: unknown[]) => number;
    expect(() => get()).to.throw(
      TypeError,
      /get: index must be an array of numbers, one per dim \(shape \[2\]: e\.g\. x\.get\(\[0\]\)\), got undefined/,
    );
    expect(() => get(0)).to.throw(TypeError, /got number 0/);
    expect(() => get(['0'])).to.throw(TypeError, /got a array/);
    const set = x.set.bind(x) as (...a: unknown[]) => void;
    expect(() => set(1, 5)).to.throw(TypeError, /set: index must be an array .*x\.set\(\[0\], value\)/);
    expect(x.toFlatArray()).to.deep.equal(new Float64Array([1, 2]));
  });
});

describe('Bad input: modules and data', () => {
  it('loadStateDict names what it got when given no state dict, and changes nothing', () => {
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

  it('a Linear layer with no inputs starts with a zero bias, as in PyTorch (not ±∞ → NaN)', () => {
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
