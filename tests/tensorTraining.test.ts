/**
 * Module 2 suites for Task 2.5: the tensor MLP, SGD over `parameters()`, binary
 * cross-entropy, and training a tensor network on a 2-D dataset, on every backend.
 */
import { expect } from 'chai';
import * as fs from 'fs';
import * as path from 'path';
import { Linear, MLP, Random, SGD, Tensor, binaryCrossEntropy, datasets, tensor, trainTensor } from '../src';
import { seeded } from './helpers/arbitraries';
import { describeEachBackend, tolerance } from './helpers/backends';
import { gradCheck } from '../src/course/checks';

describeEachBackend(
  'Tensor network',
  (backend, name) => {
    const opts = { backend };
    const tol = tolerance(name);

    // Linear and the loss are given, built on the tensor ops: they test Tasks 2.3 and 2.4's code.
    it('Task 2.3 Linear computes x @ Wᵀ + b with seeded weights (W stored [out, in] as in PyTorch)', () => {
      const layer = new Linear(3, 2, { ...opts, rng: new Random(1) });
      const again = new Linear(3, 2, { ...opts, rng: new Random(1) });
      expect(Array.from(layer.weight.value.toFlatArray())).to.deep.equal(Array.from(again.weight.value.toFlatArray()));
      const x = seeded([4, 3], backend, 5);
      const out = layer.forward(x);
      expect(out.shape).to.deep.equal([4, 2]);
      const W = layer.weight.value;
      const b = layer.bias!.value;
      for (let i = 0; i < 4; i++) {
        for (let j = 0; j < 2; j++) {
          let want = b.get([j]);
          for (let k = 0; k < 3; k++) want += x.get([i, k]) * W.get([j, k]);
          expect(out.get([i, j])).to.be.closeTo(want, tol);
        }
      }
      expect(() => layer.forward(seeded([4, 2], backend, 1))).to.throw(/Linear\(3, 2\).*\[4, 2\]/);
    });

    it('Task 2.5 MLP registers every layer parameter and outputs probabilities', () => {
      const model = new MLP([2, 5, 5, 1], { ...opts, rng: new Random(3) });
      expect(model.namedParameters().map(([n]) => n)).to.deep.equal([
        'layers.0.weight',
        'layers.0.bias',
        'layers.1.weight',
        'layers.1.bias',
        'layers.2.weight',
        'layers.2.bias',
      ]);
      const p = model.forward(seeded([7, 2], backend, 2));
      expect(p.shape).to.deep.equal([7, 1]);
      expect(Array.from(p.toFlatArray()).every((v) => v > 0 && v < 1)).to.equal(true);
      expect(() => new MLP([2])).to.throw(RangeError, /at least two/);
    });

    it('Task 2.4 binary cross-entropy: value and gradient', () => {
      const p = tensor([[0.9], [0.2], [0.6]], opts);
      const y = tensor([1, 0, 0], opts);
      const want = -(Math.log(0.9) + Math.log(0.8) + Math.log(0.4)) / 3;
      expect(binaryCrossEntropy(p, y).item()).to.be.closeTo(want, 1e-5);
      gradCheck((q) => binaryCrossEntropy(q, y), [p]);
      expect(() => binaryCrossEntropy(p, tensor([1, 0], opts))).to.throw(/\[3, 1\].*\[2\]/);
    });

    it('Task 2.5 SGD steps every parameter against its gradient and zeroGrad clears them', () => {
      const model = new MLP([2, 3, 1], { ...opts, rng: new Random(4) });
      const opt = new SGD(model.parameters(), { lr: 0.1 });
      const x = seeded([5, 2], backend, 9);
      const before = model.parameters().map((p) => Array.from((p.value as Tensor).toFlatArray()));
      model.forward(x).sum().backward();
      const grads = model.parameters().map((p) => Array.from((p.value as Tensor).grad!.toFlatArray()));
      opt.step();
      model.parameters().forEach((p, k) => {
        const after = Array.from((p.value as Tensor).toFlatArray());
        after.forEach((v, i) => expect(v).to.be.closeTo(before[k][i] - 0.1 * grads[k][i], tol));
      });
      model.forward(x).sum().backward();
      opt.zeroGrad();
      for (const p of model.parameters()) expect((p.value as Tensor).grad).to.equal(null);
      expect(() => new SGD([])).to.throw(/no tensor parameters/);
    });

    it('Task 2.5 training on split reaches at least 95% accuracy with a small seeded budget', async function () {
      // 500 full-batch epochs: ~2 s on the CPU backends, ~17 s on the GPU's software renderer
      // (each op pays a dispatch), so the default 20 s is too close on a busy 2-core machine.
      this.timeout(120_000);
      const data = datasets.split(50, 42);
      const epochs: number[] = [];
      const { history, predict } = await trainTensor(data, {
        hidden: 10,
        lr: 0.5,
        epochs: 500,
        seed: 1,
        backend,
        onEpoch: (stats) => {
          epochs.push(stats.epoch);
        },
      });
      expect(epochs.length).to.equal(500);
      const last = history[history.length - 1];
      expect(last.accuracy).to.be.at.least(0.95);
      expect(last.loss).to.be.below(history[0].loss);
      expect(history.every((h) => h.ms >= 0)).to.equal(true);
      const p = predict(0.1, 0.5);
      expect(p).to.be.within(0, 1);
      expect(p).to.be.above(0.5); // x0 < 0.2 is label 1 in split
    });

    it('Errors: trainTensor rejects bad settings', async () => {
      const data = datasets.split(10, 1);
      for (const [opt, re] of [
        [{ hidden: 0 }, /hidden/],
        [{ lr: -1 }, /lr/],
        [{ epochs: 1.5 }, /epochs/],
      ] as const) {
        let error: Error | null = null;
        try {
          await trainTensor(data, { ...opt, backend });
        } catch (e) {
          error = e as Error;
        }
        expect(error, JSON.stringify(opt)).to.be.instanceOf(Error);
        expect(error!.message).to.match(re);
      }
    });
  },
  { matmul: /Linear|MLP|SGD|training/ },
);

describe('Task 2.5 against PyTorch', () => {
  /** PyTorch's curves for the same networks (`npm run torch-curves`; the starter ships the fixture). */
  const fixture = JSON.parse(
    fs.readFileSync(path.join(__dirname, '..', '..', 'tests', 'fixtures', 'torch_curves.json'), 'utf8'),
  ) as {
    points: number;
    seed: number;
    cases: Array<{ name: string; hidden: number; lr: number; epochs: number; loss: Array<[number, number]> }>;
  };

  for (const name of ['simple', 'diag']) {
    it(`Task 2.5 the tensor network's loss on ${name} follows PyTorch's curve for the same weights, data and lr`, async function () {
      this.timeout(60_000);
      const c = fixture.cases.find((x) => x.name === name)!;
      const { history } = await trainTensor(datasets.getDataset(name)(fixture.points), {
        hidden: c.hidden,
        lr: c.lr,
        epochs: c.epochs,
        seed: fixture.seed,
        backend: 'simple',
      });
      // Same float64 math (PyTorch's side adds MiniTorch's 1e-6 inside the logs), so the
      // curves agree to the fixture's 10 digits.
      for (const [epoch, loss] of c.loss) {
        expect(history[epoch - 1].loss, `epoch ${epoch}`).to.be.closeTo(loss, 1e-8 * loss + 1e-12);
      }
    });
  }
});
