/**
 * Module 2 suites for tensor layout: indexing and strides (Task 2.1) and broadcasting
 * (Task 2.2), beyond the shared checks of `src/course/checks/module2.ts` (which
 * `tests/checks.test.ts` runs: indexToPosition, toIndex, permute, shapeBroadcast and
 * broadcastIndex). The index functions are backend-free; the layouts the backends produce
 * are checked on every backend.
 */
import { expect } from 'chai';
import * as fc from 'fast-check';
import { IndexingError, TensorData, fromFlat } from '../src';
import { broadcastIndex, stridesFromShape } from '../src/tensorData';
import { counting } from '../src/course/checks/module2';
import { allIndices, shapeAndOrder, shapes } from './helpers/arbitraries';
import { describeEachBackend } from './helpers/backends';

describe('Tensor indexing and strides', () => {
  it('stridesFromShape gives row-major strides', () => {
    expect(stridesFromShape([2, 3, 4])).to.deep.equal([12, 4, 1]);
    expect(stridesFromShape([5])).to.deep.equal([1]);
    expect(stridesFromShape([])).to.deep.equal([]);
  });

  it('Task 2.1 every index maps to a distinct position inside storage', () => {
    fc.assert(
      fc.property(shapeAndOrder(1, 4), ([shape, order]) => {
        const data = counting(shape).permute(...order);
        const seen = new Set<number>();
        for (const ix of data.indices()) {
          const p = data.index(ix);
          expect(p).to.be.within(0, data.size - 1);
          seen.add(p);
        }
        expect(seen.size).to.equal(data.size);
      }),
      { numRuns: 50 },
    );
  });

  it('Task 2.1 contiguity: fresh data is contiguous, a transpose of a matrix is not', () => {
    expect(counting([2, 3]).isContiguous()).to.equal(true);
    const t = counting([2, 3]).permute(1, 0);
    expect(t.isContiguous()).to.equal(false);
    expect(Array.from(t.toFlatArray())).to.deep.equal([0, 3, 1, 4, 2, 5]);
    // Dims of size 1 may have any stride.
    expect(counting([1, 3]).permute(1, 0).permute(1, 0).isContiguous()).to.equal(true);
    expect(counting([3, 1]).permute(1, 0).isContiguous()).to.equal(true);
  });

  it('Task 2.1 set through a view is seen by every view of the storage', () => {
    const data = counting([2, 3]);
    const view = data.permute(1, 0);
    view.set([2, 1], 99);
    expect(data.get([1, 2])).to.equal(99);
  });

  it('Task 2.1 toString shows shape and strides', () => {
    expect(counting([2, 3]).permute(1, 0).toString()).to.equal('TensorData(shape=[3, 2], strides=[1, 3])');
  });

  it('Errors: bad permutations, indices and storage name the shapes', () => {
    const data = counting([2, 3]);
    expect(() => data.permute(0)).to.throw(IndexingError, /\[0\].*\[2, 3\]/);
    expect(() => data.permute(0, 0)).to.throw(IndexingError, /not a permutation/);
    expect(() => data.permute(0, 2)).to.throw(IndexingError, /\[2, 3\]/);
    expect(() => data.get([2, 0])).to.throw(IndexingError, /\[2, 0\] is out of range for shape \[2, 3\]/);
    expect(() => data.get([0])).to.throw(IndexingError, /1 dims.*\[2, 3\]/);
    expect(() => data.get([0, 1.5])).to.throw(IndexingError, /out of range/);
    expect(() => new TensorData(new Float64Array(5), [2, 3])).to.throw(IndexingError, /length 5.*\[2, 3\]/);
    expect(() => new TensorData(new Float64Array(6), [2, -3])).to.throw(IndexingError, /invalid dimension -3/);
    expect(() => new TensorData(new Float64Array(6), [2, 3], [1])).to.throw(IndexingError, /strides \[1\].*\[2, 3\]/);
  });
});

describe('Task 2.2 broadcasting rules', () => {
  it('Task 2.2 broadcastIndex is the identity when shapes are equal', () => {
    fc.assert(
      fc.property(shapes(1, 4), (shape) => {
        const out = new Array<number>(shape.length).fill(-1);
        for (const ix of allIndices(shape)) {
          broadcastIndex(ix, shape, shape, out);
          expect(out).to.deep.equal(ix);
        }
      }),
      { numRuns: 30 },
    );
  });
});

describeEachBackend(
  'Task 2.1 backend layouts',
  (backend) => {
    // Results come from the map kernel: Task 2.3's code.
    it('Task 2.3 backend zeros and results are contiguous with row-major strides', () => {
      fc.assert(
        fc.property(shapeAndOrder(1, 3), ([shape, order]) => {
          const z = backend.zeros(shape);
          expect(z.shape).to.deep.equal(shape);
          expect(z.strides).to.deep.equal(stridesFromShape(shape));
          const t = fromFlat(counting(shape).toFlatArray(), shape, { backend });
          const copy = t.permute(...order).contiguous();
          expect(copy.data.isContiguous()).to.equal(true);
          for (const ix of allIndices(shape)) expect(copy.get(order.map((d) => ix[d]))).to.equal(t.get(ix));
        }),
        { numRuns: 30 },
      );
    });

    it('Task 2.1 permuted tensors are views of the same data', () => {
      const t = fromFlat([0, 1, 2, 3, 4, 5], [2, 3], { backend });
      const p = t.permute(1, 0);
      expect(p.shape).to.deep.equal([3, 2]);
      expect(p.data.strides).to.deep.equal([1, 3]);
      expect(p.data.isContiguous()).to.equal(false);
      expect(p.toArray()).to.deep.equal([
        [0, 3],
        [1, 4],
        [2, 5],
      ]);
    });
  },
  { kernelFree: /permuted tensors are views/ },
);

describeEachBackend('Task 2.2 backend broadcasting', (backend) => {
  // map and zip are Task 2.3's kernels.
  it('Task 2.3 map expands to a broadcast shape and rejects one it cannot reach', () => {
    const t = fromFlat([1, 2, 3], [3], { backend });
    expect(t.expand([2, 3]).toArray()).to.deep.equal([
      [1, 2, 3],
      [1, 2, 3],
    ]);
    expect(() => backend.map('id', t.data, [3, 2])).to.throw(IndexingError, /\[3\].*\[3, 2\]/);
  });

  it('Task 2.3 zip of a column and a row gives the outer grid', () => {
    const col = fromFlat([1, 2], [2, 1], { backend });
    const row = fromFlat([10, 20, 30], [3], { backend });
    expect(col.add(row).toArray()).to.deep.equal([
      [11, 21, 31],
      [12, 22, 32],
    ]);
    expect(() => col.add(fromFlat([1, 2, 3], [3, 1], { backend }))).to.throw(IndexingError, /\[2, 1\] and \[3, 1\]/);
  });
});
