/**
 * PyTorch's everyday surface beyond the fixtures' values: shapes under PyTorch's defaults
 * (0-dim tensors, keepdim, 1-D matmul), and a clear error for every kind of bad input. The
 * values and gradients of these ops are checked against PyTorch in tests/fixtures.test.ts.
 */
import { expect } from 'chai';
import { IndexingError, cat, nn, stack, tensor, where, zeros } from '../src';
import { describeEachBackend } from './helpers/backends';

// max() and max(dim) are built on Task 4.4's max, so these need it (the latest task they use).
describeEachBackend('PyTorch shapes and defaults', (backend) => {
  const opts = { backend };

  it('Task 4.4 tensor(3) and zeros([]) are 0-dim; reductions over everything give 0-dim', () => {
    const s = tensor(3, opts);
    expect(s.shape).to.deep.equal([]);
    expect(s.get([])).to.equal(3);
    expect(zeros([], opts).add(1).item()).to.equal(1);
    const x = tensor(
      [
        [1, 2, 3],
        [4, 5, 6],
      ],
      opts,
    );
    expect(x.sum().shape).to.deep.equal([]);
    expect(x.sum().item()).to.equal(21);
    expect(x.mul(s).shape).to.deep.equal([2, 3]);
    expect(x.sum(1).shape).to.deep.equal([2]);
    expect(x.sum(1, true).shape).to.deep.equal([2, 1]);
    expect(x.sum([0, 1], true).shape).to.deep.equal([1, 1]);
    expect(x.max().item()).to.equal(6);
    expect(x.argmax().item()).to.equal(5);
  });

  it('Task 4.4 matmul of 1-D vectors as torch.matmul; max(dim) returns values and indices', () => {
    const v = tensor([1, 2, 3], opts);
    const m = tensor(
      [
        [1, 0],
        [0, 1],
        [1, 1],
      ],
      opts,
    );
    expect(v.matmul(v).shape).to.deep.equal([]);
    expect(v.matmul(v).item()).to.equal(14);
    expect(v.matmul(m).toArray()).to.deep.equal([4, 5]);
    expect(m.transpose().matmul(v).toArray()).to.deep.equal([4, 5]);
    const { values, indices } = tensor(
      [
        [1, 7, 7],
        [9, 0, 2],
      ],
      opts,
    ).max(1);
    expect(values.toArray()).to.deep.equal([7, 9]);
    expect(indices.toArray()).to.deep.equal([1, 0]); // the first of two equal maxima, as PyTorch
  });
});

describe('clear errors for bad input to the PyTorch ops', () => {
  const x = tensor([
    [1, 2, 3],
    [4, 5, 6],
  ]);

  it('dims out of range and repeated dims', () => {
    expect(() => x.sum(2)).to.throw(IndexingError, /dim 2 is out of range for shape \[2, 3\]/);
    expect(() => x.sum([0, -2])).to.throw(IndexingError, /repeats a dimension/);
    expect(() => x.max(-3)).to.throw(IndexingError, /dim -3 is out of range/);
    expect(() => x.unsqueeze(3)).to.throw(IndexingError, /dim 3 is out of range for shape \[2, 3, 1\]/);
    expect(() => x.squeeze(5)).to.throw(IndexingError, /dim 5/);
    expect(() => x.flatten(1, 0)).to.throw(IndexingError, /startDim 1 comes after endDim 0/);
    expect(() => x.indexSelect(1, [3])).to.throw(IndexingError, /index 3 is out of range for dim 1/);
    expect(() => x.narrow(1, 2, 2)).to.throw(IndexingError, /\[2, 4\) is out of range for dim 1/);
  });

  it('Task 2.1 shape mismatches in view, reshape, cat, stack and matmul', () => {
    expect(() => x.view(4, -1)).to.throw(IndexingError, /cannot hold the 6 elements/);
    expect(() => x.view(-1, -1)).to.throw(IndexingError, /only one dimension can be -1/);
    expect(() => x.reshape(4)).to.throw(IndexingError, /reshape: shape \[4\] has 4 elements but the tensor has 6/);
    expect(() => x.transpose().view(6)).to.throw(IndexingError, /not contiguous.*reshape/);
    expect(() => cat([x, tensor([[1, 2]])], 0)).to.throw(
      IndexingError,
      /cat: tensor 1 has shape \[1, 2\], tensor 0 has \[2, 3\]; expected the same shape except in dim 0/,
    );
    expect(() => cat([])).to.throw(IndexingError, /non-empty list/);
    expect(() => stack([x, x.transpose()])).to.throw(IndexingError, /stack: tensor 1 has shape \[3, 2\].*equal shapes/);
    expect(() => tensor(1).matmul(x)).to.throw(IndexingError, /at least 1 dim/);
    expect(() => tensor([1, 2, 3]).matmul(x)).to.throw(IndexingError, /inner dimensions differ/);
  });

  it('Task 2.3 bad arguments to pow, clamp, where and the convolution and pooling options', () => {
    expect(() => x.pow('2' as unknown as number)).to.throw(
      TypeError,
      /pow: exponent must be a Tensor or a number, got the string "2"/,
    );
    expect(() => x.clamp()).to.throw(RangeError, /at least one of min and max/);
    expect(() => where(x.gt(2), x, tensor([1, 2]))).to.throw(IndexingError, /cannot broadcast/);
    const img = zeros([1, 1, 4, 4]);
    const w = zeros([2, 1, 3, 3]);
    expect(() => nn.conv2d(img, w, zeros([3]), { padding: 0 })).to.throw(IndexingError, /bias must have shape \[2\]/);
    expect(() => nn.conv2d(img, w, null, { stride: 0 })).to.throw(RangeError, /stride must be an integer >= 1/);
    expect(() => nn.conv2d(img, w, null, { padding: [1] })).to.throw(
      RangeError,
      /padding must be an integer >= 0 or a list of 2/,
    );
    expect(() => nn.conv2d(zeros([1, 1, 2, 2]), w, null, { padding: 0 })).to.throw(
      IndexingError,
      /kernel \[3, 3\] is larger than the padded input \[2, 2\]/,
    );
    expect(() => nn.maxpool2d(img, 5)).to.throw(IndexingError, /does not fit an input of \[4, 4\]/);
    expect(() => nn.maxpool2d(zeros([4, 4]), 2)).to.throw(IndexingError, /input must be 4-D/);
  });
});
