/**
 * The 2-D datasets and Task 1.5: the scalar network trains to at least 95% accuracy on
 * simple, diag, split and xor within a fixed, seeded budget.
 */
import { expect } from 'chai';
import { DatasetName, datasets, getDataset, spiral } from '../src/apps/datasets';
import { Linear, Network, binaryCrossEntropy, sgdStep, trainScalar } from '../src/apps/scalarNetwork';
import { Parameter } from '../src/module';
import { scalar } from '../src/scalar';

/** Each dataset's labelling rule, restated independently of the implementation. */
const RULES: Record<Exclude<DatasetName, 'spiral'>, (x0: number, x1: number) => number> = {
  simple: (x0) => (x0 < 0.5 ? 1 : 0),
  diag: (x0, x1) => (x0 + x1 < 0.5 ? 1 : 0),
  split: (x0) => (x0 < 0.2 || x0 > 0.8 ? 1 : 0),
  xor: (x0, x1) => ((x0 < 0.5 && x1 >= 0.5) || (x0 >= 0.5 && x1 < 0.5) ? 1 : 0),
  circle: (x0, x1) => ((x0 - 0.5) ** 2 + (x1 - 0.5) ** 2 > 0.1 ? 1 : 0),
};

describe('Datasets', () => {
  for (const name of Object.keys(datasets) as DatasetName[]) {
    it(`Datasets ${name} has n points near the unit square with 0/1 labels`, () => {
      const d = datasets[name](37);
      // MiniTorch's spiral reaches a little past the square (radius up to about 0.6).
      const [lo, hi] = name === 'spiral' ? [-0.2, 1.2] : [0, 1];
      expect(d.n).to.equal(37);
      expect(d.X).to.have.length(37);
      expect(d.y).to.have.length(37);
      for (const p of d.X) {
        expect(p).to.have.length(2);
        for (const v of p) expect(v).to.be.within(lo, hi);
      }
      for (const label of d.y) expect([0, 1]).to.include(label);
    });
  }

  for (const [name, rule] of Object.entries(RULES)) {
    it(`Datasets ${name} labels follow its rule, with both classes present, and repeat by seed`, () => {
      const maker = datasets[name as DatasetName];
      const d = maker(200, 7);
      d.X.forEach(([x0, x1], i) => expect(d.y[i], `point ${i} (${x0}, ${x1})`).to.equal(rule(x0, x1)));
      expect(new Set(d.y).size).to.equal(2);
      expect(maker(200, 7)).to.deep.equal(d);
      expect(maker(200, 8).X).to.not.deep.equal(d.X);
    });
  }

  it('Datasets spiral is two equal, mirrored spirals', () => {
    const d = spiral(40);
    expect(d.y.filter((l) => l === 0)).to.have.length(20);
    // The second spiral is the first one's points at -t with the coordinates swapped.
    const [a0, a1] = d.X[3].map((v) => v - 0.5);
    const [b0, b1] = d.X[23].map((v) => v - 0.5);
    const t = (10 * 8) / 20;
    expect(a0).to.be.closeTo((t * Math.cos(t)) / 20, 1e-12);
    expect(b0).to.be.closeTo((-t * Math.sin(-t)) / 20, 1e-12);
    expect(b1).to.be.closeTo((-t * Math.cos(-t)) / 20, 1e-12);
    expect(a1).to.be.closeTo((t * Math.sin(t)) / 20, 1e-12);
  });

  it('Datasets Errors: a bad size or name is named', () => {
    expect(() => datasets.xor(0)).to.throw(RangeError, /n must be a positive integer/);
    expect(() => datasets.spiral(2.5)).to.throw(RangeError, /n must be a positive integer/);
    expect(() => getDataset('moons')).to.throw(/unknown dataset "moons": choose one of simple, diag/);
  });
});

describe('Scalar network', () => {
  it('Task 1.5 Linear computes bias + Σ x·w and registers every weight as a parameter', () => {
    const layer = new Linear(2, 3);
    expect(layer.parameters()).to.have.length(2 * 3 + 3);
    const out = layer.forward([2, -1]);
    expect(out).to.have.length(3);
    for (let j = 0; j < 3; j++) {
      const want = layer.bias[j].value.data + 2 * layer.weight(0, j).data - layer.weight(1, j).data;
      expect(out[j].data).to.be.closeTo(want, 1e-12);
    }
  });

  it('Task 1.5 Network gives a probability, repeatable by seed', () => {
    const a = new Network(4, 3);
    const b = new Network(4, 3);
    expect(a.parameters()).to.have.length(2 * 4 + 4 + 4 * 4 + 4 + 4 + 1);
    const p = a.predict(0.2, 0.7);
    expect(p).to.be.within(0, 1);
    expect(b.predict(0.2, 0.7)).to.equal(p);
    expect(new Network(4, 4).predict(0.2, 0.7)).to.not.equal(p);
  });

  it('Task 1.5 binary cross-entropy is −log p for label 1 and −log(1−p) for label 0', () => {
    expect(binaryCrossEntropy(scalar(0.8), 1).data).to.be.closeTo(-Math.log(0.8), 1e-5);
    expect(binaryCrossEntropy(scalar(0.8), 0).data).to.be.closeTo(-Math.log(0.2), 1e-5);
  });

  it('Task 1.5 sgdStep moves parameters against their derivative, resets it and keeps the name', () => {
    const p = new Parameter(scalar(1));
    const name = p.value.name;
    const untouched = new Parameter(scalar(5));
    p.value.mul(3).backward();
    sgdStep([p, untouched], 0.1);
    expect(p.value.data).to.be.closeTo(0.7, 1e-12);
    expect(p.value.derivative).to.equal(null);
    expect(p.value.isLeaf()).to.equal(true);
    // The name labels the parameter in graph drawings, across steps.
    expect(p.value.name).to.equal(name);
    expect(untouched.value.data).to.equal(5);
  });

  // A fixed budget per dataset: small n keeps the whole suite to a few seconds.
  const BUDGETS: Array<[DatasetName, { n: number; hidden: number; epochs: number; lr: number }]> = [
    ['simple', { n: 30, hidden: 6, epochs: 200, lr: 0.5 }],
    ['diag', { n: 30, hidden: 6, epochs: 200, lr: 0.5 }],
    ['split', { n: 40, hidden: 8, epochs: 500, lr: 0.5 }],
    ['xor', { n: 30, hidden: 8, epochs: 500, lr: 0.5 }],
  ];
  for (const [name, { n, ...options }] of BUDGETS) {
    it(`Task 1.5 training reaches at least 95% accuracy on ${name}`, async function () {
      this.timeout(60000);
      const seen: number[] = [];
      const { history } = await trainScalar(datasets[name](n), {
        ...options,
        seed: 42,
        onEpoch: (s) => void seen.push(s.epoch),
      });
      expect(history).to.have.length(options.epochs);
      expect(seen).to.deep.equal(history.map((s) => s.epoch));
      const last = history[history.length - 1];
      expect(last.accuracy, `final accuracy on ${name}`).to.be.at.least(0.95);
      expect(last.loss).to.be.below(history[0].loss);
    });
  }

  it('Errors: bad data and settings are named before training', async () => {
    const ok = datasets.simple(5);
    const rejects = async (promise: Promise<unknown>, pattern: RegExp) => {
      try {
        await promise;
      } catch (e) {
        expect((e as Error).message).to.match(pattern);
        return;
      }
      expect.fail(`expected an error matching ${pattern}`);
    };
    await rejects(trainScalar({ n: 0, X: [], y: [] }), /dataset is empty/);
    await rejects(
      trainScalar({
        n: 2,
        X: [
          [0, 0],
          [1, 1],
        ],
        y: [1],
      }),
      /X has 2 points but y has 1 labels/,
    );
    await rejects(trainScalar({ n: 1, X: [[0, 0, 0]], y: [1] }), /point 0 must be \[x0, x1\]/);
    await rejects(trainScalar({ n: 1, X: [[0, 0]], y: [2] }), /label 0 must be 0 or 1/);
    await rejects(trainScalar(ok, { hidden: 0 }), /hidden must be a positive integer/);
    await rejects(trainScalar(ok, { lr: -1 }), /lr must be a positive number/);
    expect(() => new Linear(2, 3).forward([1])).to.throw(/expected 2 inputs, got 1/);
    expect(() => binaryCrossEntropy(scalar(0.5), 0.5)).to.throw(/label must be 0 or 1/);
  });
});
