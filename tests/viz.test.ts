/**
 * Viz: the vega-lite spec builders, the Node SVG renderer, and `show` both outside a notebook
 * (files) and inside a tslab kernel (one multi-MIME output; simulated here, for real in the
 * notebook tests).
 */
import { expect } from 'chai';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import {
  VEGA_LITE_SCHEMA,
  barChart,
  heatmap,
  inNotebook,
  lineChart,
  liveDisplay,
  renderSvg,
  scatterChart,
  show,
  showSvg,
  textTable,
  withV5Schema,
} from '../src/viz';

/** The elements drawn inside vega's `<g class="mark-<kind> ...">` groups of an SVG. */
function markCount(svg: string, kind: string): number {
  let count = 0;
  const group = new RegExp(`<g class="mark-${kind} role-mark[^"]*"[^>]*>(.*?)</g>`, 'gs');
  for (const m of svg.matchAll(group)) count += (m[1].match(/<path\b/g) ?? []).length;
  return count;
}

const curves = [0, 1, 2, 3, 4].flatMap((x) => [
  { x, y: x * x, series: 'square' },
  { x, y: 2 * x, series: 'double' },
]);

describe('Viz textTable', () => {
  it('Viz textTable lines every column up: as wide as its widest cell, header included', () => {
    const text = textTable(
      ['dataset', 'epochs', 'simple ms/epoch', 'acc'],
      [
        ['simple', 50, '5.36', '90%'],
        ['spiral', 200, '17.25', '100%'],
      ],
    );
    expect(text.split('\n')).to.deep.equal([
      'dataset  epochs  simple ms/epoch   acc',
      'simple       50             5.36   90%',
      'spiral      200            17.25  100%',
    ]);
    expect(textTable(['name'], [['a'], ['long']])).to.equal('name\na\nlong');
    expect(() => textTable(['a', 'b'], [['x']])).to.throw(RangeError, /row 0 must have 2 cells .*got 1 cells/);
    expect(() => textTable(['a'], [[undefined as unknown as string]])).to.throw(TypeError, /row 0, column 0/);
    expect(() => textTable([], [])).to.throw(TypeError, /header must be a non-empty array of strings/);
  });
});

describe('Viz chart builders', () => {
  it('Viz lineChart draws one line per series', async () => {
    const spec = lineChart(curves, { x: 'x', y: 'y', color: 'series', title: 'curves' });
    expect(spec.$schema).to.equal(VEGA_LITE_SCHEMA);
    expect(spec.title).to.equal('curves');
    expect(spec.encoding).to.deep.include({ color: { field: 'series', type: 'nominal' } });
    const svg = await renderSvg(spec);
    expect(svg).to.match(/^<svg/);
    expect(markCount(svg, 'line')).to.equal(2);
  });

  it('Viz scatterChart draws a point per row and treats 0/1 labels as classes', async () => {
    const points = [
      { x1: 0.1, x2: 0.9, label: 0 },
      { x1: 0.8, x2: 0.2, label: 1 },
      { x1: 0.5, x2: 0.5, label: 1 },
    ];
    const spec = scatterChart(points, { x: 'x1', y: 'x2', color: 'label' });
    expect((spec.encoding as { color: { type: string } }).color.type).to.equal('nominal');
    expect(markCount(await renderSvg(spec), 'symbol')).to.equal(3);
  });

  it('Viz barChart draws a bar per category, numbers on x kept as ordered categories', async () => {
    const spec = barChart(
      [
        { epoch: 1, loss: 3 },
        { epoch: 2, loss: 2 },
        { epoch: 3, loss: 1 },
      ],
      { x: 'epoch', y: 'loss' },
    );
    expect((spec.encoding as { x: { type: string } }).x.type).to.equal('ordinal');
    expect(markCount(await renderSvg(spec), 'rect')).to.equal(3);
  });

  it('Viz heatmap draws a cell per row coloured by value', async () => {
    const cells = [0, 1, 2].flatMap((row) => [0, 1, 2, 3].map((col) => ({ row, col, w: row - col })));
    const spec = heatmap(cells, { x: 'col', y: 'row', value: 'w', scheme: 'redblue' });
    expect(spec.encoding).to.deep.include({
      color: { field: 'w', type: 'quantitative', scale: { scheme: 'redblue' } },
    });
    expect(markCount(await renderSvg(spec), 'rect')).to.equal(12);
  });

  it('Viz builders copy the data and default the size', () => {
    const rows = [{ x: 1, y: 2 }];
    const spec = lineChart(rows, { x: 'x', y: 'y' });
    rows.push({ x: 3, y: 4 });
    expect(spec.data).to.deep.equal({ values: [{ x: 1, y: 2 }] });
    expect([spec.width, spec.height]).to.deep.equal([400, 250]);
    expect(spec).not.to.have.property('title');
  });

  it('Viz builders name a missing field and reject data that is not an array', () => {
    expect(() => lineChart(curves, { x: 'x', y: 'loss' })).to.throw(
      /lineChart: y field "loss" is not in the data \(the rows have x, y, series\)/,
    );
    expect(() => heatmap(curves, { x: 'x', y: 'y', value: 'w' })).to.throw(/heatmap: value field "w"/);
    expect(() => scatterChart({} as unknown as object[], { x: 'x', y: 'y' })).to.throw(
      TypeError,
      /data must be an array/,
    );
  });

  it('Viz withV5Schema adds the v5 $schema to a copy and rejects other versions', () => {
    const spec = { mark: 'bar' };
    expect(withV5Schema(spec)).to.deep.equal({ mark: 'bar', $schema: VEGA_LITE_SCHEMA });
    expect(spec).not.to.have.property('$schema');
    expect(() => withV5Schema({ $schema: 'https://vega.github.io/schema/vega-lite/v6.json' })).to.throw(
      /only vega-lite v5/,
    );
    expect(() => withV5Schema([] as unknown as object)).to.throw(/got an array/);
  });
});

describe('Viz show outside a notebook writes files', () => {
  let dir = '';
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'minitorch-viz-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('Viz show writes <name>.svg and a self-contained .html and returns the svg path', async () => {
    expect(inNotebook()).to.equal(false);
    const file = await show(lineChart(curves, { x: 'x', y: 'y', color: 'series' }), { name: 'curves', outDir: dir });
    expect(file).to.equal(path.join(dir, 'curves.svg'));
    const svg = fs.readFileSync(path.join(dir, 'curves.svg'), 'utf8');
    expect(markCount(svg, 'line')).to.equal(2);
    const html = fs.readFileSync(path.join(dir, 'curves.html'), 'utf8');
    expect(html).to.contain(svg);
    expect(html).not.to.match(/<script|https?:\/\/(?!www\.w3\.org)/); // nothing to fetch
  });

  it('Viz show names the files after the title by default and rejects path-like names', async () => {
    const file = await show(barChart([{ c: 'a', n: 1 }], { x: 'c', y: 'n', title: 'Loss per epoch' }), { outDir: dir });
    expect(path.basename(file ?? '')).to.equal('loss-per-epoch.svg');
    let error: Error | undefined;
    await show(barChart([{ c: 'a', n: 1 }], { x: 'c', y: 'n' }), { outDir: dir, name: '../escape' }).catch(
      (e: Error) => (error = e),
    );
    expect(error?.message).to.match(/name "\.\.\/escape" must be a plain file name/);
  });

  it('Viz showSvg writes an SVG document and rejects anything else', async () => {
    const svg = '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><circle r="4" cx="5" cy="5"/></svg>';
    expect(await showSvg(svg, { name: 'dot', outDir: dir })).to.equal(path.join(dir, 'dot.svg'));
    expect(fs.readFileSync(path.join(dir, 'dot.svg'), 'utf8')).to.equal(svg);
    let error: Error | undefined;
    await showSvg('<div>not svg</div>', { outDir: dir }).catch((e: Error) => (error = e));
    expect(error?.message).to.match(/showSvg: expected an SVG document/);
  });

  it('Viz liveDisplay overwrites the same files on every update', async () => {
    const live = liveDisplay({ outDir: dir });
    const first = await live.update(lineChart(curves.slice(0, 4), { x: 'x', y: 'y', title: 'epoch 1' }));
    const second = await live.update(lineChart(curves, { x: 'x', y: 'y', title: 'epoch 2' }));
    expect(first).to.equal(path.join(dir, 'live.svg'));
    expect(second).to.equal(first);
    expect(fs.readFileSync(first ?? '', 'utf8')).to.contain('epoch 2');
    expect(fs.readdirSync(dir).sort()).to.deep.equal(['live.html', 'live.svg']);
    expect(() => liveDisplay({ name: 'a/b' })).to.throw(/plain file name/);
  });

  it('Viz importing the library does not load tslab', () => {
    const index = path.join(__dirname, '..', 'src', 'index.js'); // the compiled library next to this test
    const probe = `require(${JSON.stringify(index)}); console.log(Object.keys(require.cache).filter((f) => /[\\\\/]tslab[\\\\/]/.test(f)).length)`;
    const r = spawnSync(process.execPath, ['-e', probe], { encoding: 'utf8' });
    expect(r.stderr).to.equal('');
    expect(r.stdout.trim()).to.equal('0');
  });
});

describe('Viz show inside a tslab kernel (simulated)', () => {
  type Sent = { content: { data: Record<string, unknown>; transient: { display_id?: string } }; update: boolean };
  const sent: Sent[] = [];
  // A stand-in for tslab's dist/jupyter.js while a cell runs: show finds it in require.cache.
  const fake = path.join(os.tmpdir(), 'fake', 'node_modules', 'tslab', 'dist', 'jupyter.js');
  before(() => {
    const exports = {
      lastWriteDisplayData: (content: Sent['content'], update: boolean) => sent.push({ content, update }),
    };
    require.cache[fake] = { id: fake, filename: fake, loaded: true, exports } as unknown as NodeJS.Module;
  });
  after(() => delete require.cache[fake]);
  beforeEach(() => (sent.length = 0));

  it('Viz show sends ONE output carrying the vega-lite spec object and its SVG', async () => {
    expect(inNotebook()).to.equal(true);
    const result = await show({
      mark: 'line',
      data: { values: curves },
      encoding: { x: { field: 'x', type: 'quantitative' }, y: { field: 'y', type: 'quantitative' } },
    });
    expect(result).to.equal(undefined);
    expect(sent).to.have.length(1);
    const { content, update } = sent[0];
    expect(update).to.equal(false);
    const spec = content.data['application/vnd.vegalite.v5+json'] as { $schema: string; mark: string };
    expect(spec).to.be.an('object');
    expect(spec.$schema).to.equal(VEGA_LITE_SCHEMA);
    expect(spec.mark).to.equal('line');
    expect(content.data['image/svg+xml']).to.be.a('string').and.match(/^<svg/);
  });

  it('Viz liveDisplay shows once, then updates that output in place', async () => {
    const live = liveDisplay();
    await live.update(lineChart(curves, { x: 'x', y: 'y' }));
    await live.update(scatterChart(curves, { x: 'x', y: 'y' }));
    await live.updateSvg('<svg xmlns="http://www.w3.org/2000/svg"></svg>');
    expect(sent.map((s) => s.update)).to.deep.equal([false, true, true]);
    const ids = new Set(sent.map((s) => s.content.transient.display_id));
    expect(ids.size).to.equal(1);
    expect([...ids][0]).to.be.a('string');
    expect(sent[2].content.data).to.have.keys('image/svg+xml', 'text/plain');
  });

  it('Viz relies on tslab 1.0 exposing lastWriteDisplayData (fails if an upgrade removes it)', () => {
    const source = fs.readFileSync(require.resolve('tslab/dist/jupyter.js'), 'utf8');
    expect(source).to.match(/exports\.lastWriteDisplayData = writeDisplayData/);
  });
});
