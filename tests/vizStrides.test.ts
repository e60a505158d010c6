/**
 * Viz suites for the strides visualiser (Task 2.1 layouts, Task 2.2 broadcast views): the
 * rows say which storage position each index reads, and the charts render.
 */
import { expect } from 'chai';
import { IndexingError, TensorData, fromFlat, viz } from '../src';

describe('Viz Task 2.1 strides visualiser', () => {
  it('Viz Task 2.1 each index cell names the storage position it reads, before and after permute', () => {
    const t = fromFlat([0, 1, 2, 3, 4, 5], [2, 3]);
    const before = viz.stridesRows(t).grid as Array<{ index: string; position: number }>;
    expect(before.map((c) => c.position)).to.deep.equal([0, 1, 2, 3, 4, 5]);
    const after = viz.stridesRows(t.permute(1, 0));
    expect((after.grid as Array<{ position: number }>).map((c) => c.position)).to.deep.equal([0, 3, 1, 4, 2, 5]);
    expect(after.storage.length).to.equal(6);
  });

  it('Viz Task 2.2 a broadcast view reads one storage cell many times (stride 0)', () => {
    const row = new TensorData(Float64Array.from([7, 8, 9]), [3]);
    const view = viz.broadcastView(row, [2, 3]);
    expect(view.strides).to.deep.equal([0, 1]);
    expect((viz.stridesRows(view).grid as Array<{ position: number }>).map((c) => c.position)).to.deep.equal([
      0, 1, 2, 0, 1, 2,
    ]);
    const col = viz.broadcastView(new TensorData(Float64Array.from([1, 2]), [2, 1]), [2, 3]);
    expect(col.strides).to.deep.equal([1, 0]);
    expect(() => viz.broadcastView(row, [3, 2])).to.throw(IndexingError, /\[3\].*\[3, 2\]/);
  });

  it('Viz Task 2.2 stridesChart and stridesComparison render to SVG', async function () {
    this.timeout(20000);
    const t = fromFlat([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11], [2, 3, 2]);
    const spec = viz.stridesComparison([
      ['before', t],
      ['after permute(2, 0, 1)', t.permute(2, 0, 1)],
      ['broadcast [3] to [2, 3]', viz.broadcastView(fromFlat([1, 2, 3], [3]).data, [2, 3])],
    ]);
    const svg = await viz.renderSvg(spec);
    expect(svg).to.match(/^<svg/);
    expect(svg).to.contain('s11');
    expect(svg).to.contain('after permute');
    expect(() => viz.stridesComparison([])).to.throw(/at least one/);
  });
});
