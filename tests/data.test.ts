/**
 * `minitorch.data`: TensorDataset, DataLoader and randomSplit with PyTorch's semantics
 * (batch counts, drop-last, one shuffle per pass, default collation, split lengths).
 */
import { expect } from 'chai';
import { Random, Tensor, arange, data, noGrad, tensor } from '../src';

const { DataLoader, TensorDataset, randomSplit, defaultCollate } = data;

/** A data set that is only `length` and `get`, as a user would write one. */
const squares = { length: 10, get: (i: number) => ({ x: tensor([i, i * i]), y: i % 3 }) };

describe('minitorch.data', () => {
  it('Task 2.3 TensorDataset rows and DataLoader batches, in order, with and without dropLast', () => {
    const x = arange(20).view(10, 2);
    const y = arange(10).mul(10);
    const ds = new TensorDataset(x, y);
    expect(ds.length).to.equal(10);
    const [x3, y3] = ds.get(3);
    expect(x3.toArray()).to.deep.equal([6, 7]);
    expect(y3.shape).to.deep.equal([]);
    expect(y3.item()).to.equal(30);
    expect(ds.get(-1)[1].item()).to.equal(90);

    const loader = new DataLoader(ds, { batchSize: 4 });
    expect(loader.length).to.equal(3);
    const batches = [...loader];
    expect(batches.map(([xb]) => xb.shape)).to.deep.equal([
      [4, 2],
      [4, 2],
      [2, 2],
    ]);
    expect(batches[2][0].toArray()).to.deep.equal([
      [16, 17],
      [18, 19],
    ]);
    expect(batches.map(([, yb]) => yb.sum().item())).to.deep.equal([60, 220, 170]);
    const dropped = new DataLoader(ds, { batchSize: 4, dropLast: true });
    expect(dropped.length).to.equal(2);
    expect([...dropped].length).to.equal(2);

    expect(() => new TensorDataset(x, arange(9))).to.throw(/tensor 0 has 10 rows, tensor 1 has 9/);
    expect(() => ds.get(10)).to.throw(/TensorDataset.get: index must be an integer in \[-10, 9\], got number 10/);
  });

  it('Task 2.4 TensorDataset.get(i) gives views, as dataset[i]: writes reach the tensors, and so does the gradient', () => {
    const x = arange(6).view(3, 2).requiresGrad_();
    const y = arange(3);
    const ds = new TensorDataset(x, y);
    const [x1, y1] = ds.get(-2);
    noGrad(() => y1.fill_(7));
    expect(y.toArray()).to.deep.equal([0, 7, 2]);
    x1.mul(tensor([3, 4]))
      .sum()
      .backward();
    expect(x.grad!.toArray()).to.deep.equal([
      [0, 0],
      [3, 4],
      [0, 0],
    ]);
  });

  it('Task 2.1 shuffling visits every item once per pass, a new order each pass, repeatable from the seed', () => {
    const ds = new TensorDataset(arange(50));
    const pass = (loader: Iterable<Tensor[]>) => [...loader].flatMap(([b]) => Array.from(b.toFlatArray()));
    const loader = new DataLoader(ds, { batchSize: 8, shuffle: true, generator: new Random(7) });
    const first = pass(loader);
    const second = pass(loader);
    expect([...first].sort((a, b) => a - b)).to.deep.equal(Array.from({ length: 50 }, (_, i) => i));
    expect(first).to.not.deep.equal(second);
    expect(first).to.not.deep.equal([...first].sort((a, b) => a - b));
    expect(pass(new DataLoader(ds, { batchSize: 8, shuffle: true, generator: new Random(7) }))).to.deep.equal(first);
    expect(pass(new DataLoader(ds, { batchSize: 8, shuffle: true, seed: 3 }))).to.not.deep.equal(first);
    // A sampler fixes the order (PyTorch's `sampler`), e.g. one recorded from PyTorch.
    const sampled = new DataLoader(ds, { batchSize: 2, sampler: [4, 1, 3] });
    expect(sampled.length).to.equal(2);
    expect(pass(sampled)).to.deep.equal([4, 1, 3]);
    expect(new DataLoader(ds, { batchSize: 64 }).length).to.equal(1);
  });

  it('Task 2.3 any object with length and get(i) loads, collated as PyTorch (objects, numbers, tensors)', () => {
    const loader = new DataLoader(squares, { batchSize: 3 });
    const batches = [...loader];
    expect(batches.length).to.equal(4);
    expect(batches[1].x.toArray()).to.deep.equal([
      [3, 9],
      [4, 16],
      [5, 25],
    ]);
    expect(batches[1].y.toArray()).to.deep.equal([0, 1, 2]);
    expect(batches[3].x.sum().item()).to.equal(9 + 81);
    const custom = new DataLoader(squares, { batchSize: 5, collateFn: (items) => items.map((it) => it.y) });
    expect([...custom]).to.deep.equal([
      [0, 1, 2, 0, 1],
      [2, 0, 1, 2, 0],
    ]);
    expect(() => defaultCollate([tensor([1, 2]), tensor([1])])).to.throw(/item 1 is of shape \[1\]/);
  });

  it('Task 2.3 randomSplit: disjoint subsets of the given counts or fractions', () => {
    const ds = new TensorDataset(arange(10));
    const [train, valid] = randomSplit(ds, [7, 3], { generator: new Random(1) });
    expect([train.length, valid.length]).to.deep.equal([7, 3]);
    const seen = [...train.indices, ...valid.indices].sort((a, b) => a - b);
    expect(seen).to.deep.equal(Array.from({ length: 10 }, (_, i) => i));
    expect(valid.get(0)[0].item()).to.equal(valid.indices[0]);
    const [vb] = [...new DataLoader(valid, { batchSize: 3 })];
    expect(vb[0].sum().item()).to.equal(valid.indices.reduce((a, b) => a + b, 0));
    // PyTorch: floor(10·f) each, the remainder one by one from the first.
    expect(randomSplit(ds, [0.55, 0.25, 0.2]).map((s) => s.length)).to.deep.equal([6, 2, 2]);
    expect(randomSplit(ds, [0.34, 0.33, 0.33]).map((s) => s.length)).to.deep.equal([4, 3, 3]);
    // Seven items leave remainders to hand out: torch.utils.data.random_split's lengths.
    const seven = { length: 7, get: (i: number) => i };
    expect(randomSplit(seven, [0.55, 0.25, 0.2]).map((s) => s.length)).to.deep.equal([4, 2, 1]);
    expect(randomSplit(seven, [0.1, 0.2, 0.3, 0.4]).map((s) => s.length)).to.deep.equal([1, 2, 2, 2]);
  });

  it('bad arguments name the argument, what it got and what was expected', () => {
    expect(() => new DataLoader(squares, { batchSize: 0 })).to.throw(
      /DataLoader: batchSize must be an integer >= 1, got number 0/,
    );
    expect(() => new DataLoader(squares, { batch_size: 4 } as never)).to.throw(
      /DataLoader: unknown option "batch_size"/,
    );
    expect(() => new DataLoader([1, 2] as never)).to.throw(/DataLoader: dataset must have a length and get\(i\)/);
    expect(() => new DataLoader(squares, { shuffle: true, sampler: [1] })).to.throw(/sampler and shuffle/);
    expect(() => randomSplit(squares, [5, 4])).to.throw(
      /lengths \[5, 4\] must be counts summing to the data set's length 10/,
    );
    expect(() => randomSplit(squares, [-1, 11])).to.throw(/lengths must be a list of counts or fractions >= 0/);
    expect(() => new TensorDataset()).to.throw(/expected at least one tensor/);
    expect(() => new TensorDataset([1, 2] as never)).to.throw(/argument 0 must be a Tensor/);
  });
});
