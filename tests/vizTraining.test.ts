/**
 * Viz for Module 1: the computation-graph drawing (Graphviz) and the training charts
 * (decision boundary, curves, live display), all in plain Node (files, no notebook).
 */
import { expect } from 'chai';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { datasets } from '../src/apps/datasets';
import { scalar } from '../src/scalar';
import { tensor } from '../src/tensor';
import { describeVariable, drawGraph, graphSize, graphToDot, showGraph } from '../src/viz/graph';
import { Network, binaryCrossEntropy } from '../src/apps/scalarNetwork';
import { renderSvg } from '../src/viz/render';
import { TrainingDisplay, accuracyChart, decisionBoundaryChart, lossChart, trainingChart } from '../src/viz/training';
import { schemeColor } from '../src/viz/png';
import { decodePng } from './helpers/png';

/**
 * Scratch folders for the tests of the calling suite: the returned `tmp()` makes one, and an
 * `afterEach` of that suite (not a root hook, which would run around every test file's tests)
 * removes them after each test, passed or failed.
 */
function scratchFolders(): () => string {
  const made: string[] = [];
  afterEach(() => made.splice(0).forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })));
  return () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'minitorch-viz1-'));
    made.push(dir);
    return dir;
  };
}

// The graphs are drawn from the student's Scalar and Tensor code, so each test names the task
// whose code it draws (the drawing itself is given).
describe('Viz computation graph', () => {
  const tmp = scratchFolders();
  it('Task 1.2 Viz graphToDot has a box per value and an oval per function, values used twice drawn once', () => {
    const x = scalar(2, 'x');
    const y = x.mul(x).add(3);
    const dot = graphToDot(y);
    expect(dot).to.include('"constant 3"');
    expect(dot.match(/shape=box/g)).to.have.length(4); // x, x*x, the constant 3, y
    expect(dot.match(/shape=ellipse/g)).to.have.length(2); // mul, add
    expect(dot).to.include(`v${x.uniqueId} -> f`);
    expect(dot.match(new RegExp(`v${x.uniqueId} -> f`, 'g'))).to.have.length(2); // two arrows out of x
  });

  it('Task 1.4 Viz drawGraph lays out an SVG with names, values, ops and, after backward, derivatives', async function () {
    this.timeout(20000);
    const x = scalar(2, 'x');
    const w = scalar(-1.5, 'w');
    const out = x.mul(w).sigmoid();
    out.name = 'out';
    const before = await drawGraph(out);
    expect(before).to.match(/<svg[\s>]/);
    // Graphviz writes a minus sign as the entity &#45;.
    for (const label of ['x', 'w', 'out', 'mul', 'sigmoid', 'data 2', 'data &#45;1.5'])
      expect(before).to.include(`>${label}<`);
    expect(before).to.not.include('grad');
    out.backward();
    const after = await drawGraph(out);
    const grad = Number((-1.5 * out.data * (1 - out.data)).toPrecision(4));
    expect(after).to.include(`>grad ${String(grad).replace('-', '&#45;')}<`);
    expect(describeVariable(out).op).to.equal('sigmoid');
  });

  it('Task 1.2 Viz graph boxes of intermediate values carry no generated name like "x3"', () => {
    const x = scalar(2, 'x');
    const y = x.mul(x).add(x).log();
    const labels = [...graphToDot(y).matchAll(/shape=box[^\]]*label="([^"]*)"/g)].map((m) => m[1]);
    expect(
      labels.some((l) => /^x\d+(\\n|$)/.test(l)),
      labels.join(' | '),
    ).to.equal(false);
    expect(labels.filter((l) => l.startsWith('x\\n'))).to.have.length(1); // the input keeps its name
    expect(graphToDot(y)).to.include('label="log"');
  });

  it('Task 2.4 Viz graphToDot draws a Tensor expression through the same Variable interface', () => {
    const a = tensor(
      [
        [1, 2],
        [3, 4],
      ],
      { requiresGrad: true },
    );
    a.name = 'a';
    a.mul(2).sum().backward();
    const dot = graphToDot(a.mul(2).sum());
    expect(dot).to.include('"a\\nshape [2, 2]\\ngrad shape [2, 2]"');
    expect(dot).to.include('label="mul"');
  });

  it('Task 1.5 Viz graphSize counts a scalar network on one input; fold draws one box per layer of ops', () => {
    const net = new Network(3);
    const loss = binaryCrossEntropy(net.forward([0.2, 0.7]), 1);
    const size = graphSize(loss);
    expect(size.ops.relu).to.equal(6); // two hidden layers of 3
    expect(size.ops.sigmoid).to.equal(1);
    expect(size.ops.mul).to.be.at.least(2 * 3 + 3 * 3 + 3); // a product per weight
    const applications = Object.values(size.ops).reduce((a, b) => a + b, 0);
    expect(size.values).to.equal(size.leaves + applications);
    expect(size.leaves).to.be.at.least(net.parameters().length);
    // Folded: the first layer's six products are one box, each ReLU layer one box.
    const folded = graphToDot(loss, { fold: 50 });
    const boxes = [...folded.matchAll(/shape=box/g)].length;
    expect(boxes).to.be.below(size.values / 2);
    expect(folded).to.include('"mul ×6"');
    expect([...folded.matchAll(/"relu ×3"/g)]).to.have.length(2);
    expect(folded).to.match(/"leaves ×\d+"/);
    expect(folded).to.match(/-> g\d+ \[label="\d+"/); // grouped arrows say how many they stand for
    // Under the threshold nothing is folded; a bad threshold is named.
    expect(graphToDot(loss, { fold: size.values })).to.equal(graphToDot(loss));
    expect(() => graphToDot(loss, { fold: 0 })).to.throw(RangeError, /options\.fold must be a positive integer/);
  });

  it('Task 1.5 Viz showGraph draws the folded graph when given fold', async function () {
    this.timeout(20000);
    const loss = binaryCrossEntropy(new Network(3).forward([0.2, 0.7]), 1);
    const dir = tmp();
    await showGraph(loss, { fold: 50, rankdir: 'TB', outDir: dir });
    const svg = fs.readFileSync(path.join(dir, 'graph.svg'), 'utf8');
    expect(svg).to.include('mul ×6');
    expect(svg).to.include('relu ×3');
  });

  it('Task 1.2 Viz showGraph writes graph.svg and .html outside a notebook', async function () {
    this.timeout(20000);
    const dir = tmp();
    const file = await showGraph(scalar(1, 'a').exp(), { outDir: dir });
    expect(file).to.equal(path.join(dir, 'graph.svg'));
    expect(fs.readFileSync(path.join(dir, 'graph.html'), 'utf8')).to.include('>exp<');
  });

  it('Viz Errors: drawing something that is not a Variable is named', async () => {
    expect(() => graphToDot(3 as never)).to.throw(TypeError, /expected a Scalar or Tensor/);
    try {
      await drawGraph({} as never);
      expect.fail('drawGraph should reject');
    } catch (e) {
      expect((e as Error).message).to.match(/expected a Scalar or Tensor/);
    }
  });
});

describe('Viz training charts', () => {
  const tmp = scratchFolders();
  const data = datasets.xor(20);
  const history = [1, 2, 3].map((epoch) => ({ epoch, loss: 1 / epoch, accuracy: 0.5 + epoch / 10 }));

  it('Viz decisionBoundaryChart draws the probability grid as one PNG under the points', async () => {
    const spec = decisionBoundaryChart((x0) => x0, data, { resolution: 5 }) as {
      layer: Array<{ data: { values: Array<{ url?: string }> } }>;
    };
    expect(spec.layer[0].data.values).to.have.length(1);
    expect(spec.layer[0].data.values[0].url).to.match(/^data:image\/png;base64,/);
    expect(spec.layer[1].data.values).to.have.length(20);
    const svg = await renderSvg(spec);
    expect(svg).to.match(/^<svg/);
    expect(svg.match(/<image\b/g)).to.have.length(1);
    // A rect per cell made every boundary chart about 200 kB; the picture keeps it small.
    expect(svg.length, 'SVG bytes').to.be.below(60_000);
    // predict(x0) = x0: the left edge of the picture is blue (p = 0), the right orange (p = 1).
    const png = Buffer.from(spec.layer[0].data.values[0].url!.split(',')[1], 'base64');
    const { pixels, width } = decodePng(png);
    expect(Array.from(pixels.subarray(0, 3))).to.deep.equal([...schemeColor('blueorange', 0.1)]);
    expect(Array.from(pixels.subarray((width - 1) * 3, width * 3))).to.deep.equal([...schemeColor('blueorange', 0.9)]);
  });

  it('Viz long training curves are thinned to about 250 points, first and last kept', () => {
    const long = Array.from({ length: 2001 }, (_, i) => ({ epoch: i + 1, loss: 1 / (i + 1), accuracy: 0.5 }));
    const values = (lossChart(long) as { data: { values: Array<{ epoch: number }> } }).data.values;
    expect(values.length).to.be.within(200, 260);
    expect(values[0].epoch).to.equal(1);
    expect(values[values.length - 1].epoch).to.equal(2001);
    expect((lossChart(history) as { data: { values: unknown[] } }).data.values).to.have.length(3);
  });

  it('Viz loss and accuracy curves draw points and tick whole epochs only', () => {
    const one = lossChart(history.slice(0, 1)) as {
      mark: { point: boolean };
      encoding: { x: { axis: { format: string; tickMinStep: number } } };
    };
    expect(one.mark.point).to.equal(true); // a single epoch still draws
    expect(one.encoding.x.axis.format).to.equal('d');
    expect(one.encoding.x.axis.tickMinStep).to.equal(1);
  });

  it('Viz loss, accuracy and combined training charts render', async () => {
    for (const spec of [lossChart(history), accuracyChart(history), trainingChart(() => 0.5, data, history, 'xor')]) {
      expect(await renderSvg(spec)).to.match(/^<svg/);
    }
    expect((trainingChart(() => 0.5, data, history) as { title: string }).title).to.equal(
      'epoch 3: loss 0.3333, accuracy 80.0%',
    );
  });

  it('Viz TrainingDisplay redraws every few epochs and on finish', async function () {
    this.timeout(20000);
    const dir = tmp();
    const display = new TrainingDisplay(data, { every: 2, outDir: dir, name: 'live-xor' });
    const draws: number[] = [];
    const orig = display.draw.bind(display);
    display.draw = async () => {
      draws.push(display.history.length);
      return orig();
    };
    for (const record of history) await display.log(record, (x0, x1) => (x0 + x1) / 2);
    await display.finish();
    expect(draws).to.deep.equal([1, 2, 3]);
    expect(fs.existsSync(path.join(dir, 'live-xor.svg'))).to.equal(true);
    expect(await display.finish()).to.equal(undefined); // nothing new to draw
  });

  it('Viz Errors: a bad resolution, predict or every is named', () => {
    expect(() => decisionBoundaryChart(() => 0, data, { resolution: 1 })).to.throw(
      RangeError,
      /resolution must be an integer >= 2/,
    );
    expect(() => decisionBoundaryChart(() => NaN, data)).to.throw(/returned NaN, not a number/);
    expect(() => new TrainingDisplay(data, { every: 0 })).to.throw(RangeError, /every must be a positive integer/);
  });
});
