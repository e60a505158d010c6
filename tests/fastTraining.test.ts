/**
 * Module 3 suite for Task 3.5: training the tensor network on the fast backends with
 * `compareBackends` (the same seeded network on each backend, its losses and epoch times).
 * Times are reported, never asserted (benchmarks live in `npm run bench`).
 */
import { expect } from 'chai';
import { compareBackends, datasets } from '../src';
import { FastBackend } from '../src/backends/fast/backend';

describe('Task 3.5 training on fast backends', () => {
  it('Task 3.5 compareBackends trains the same seeded network on simple and fast to the same losses', async function () {
    this.timeout(60_000);
    const data = datasets.split(50, 42);
    const runs = await compareBackends(data, ['simple', 'fast'], { hidden: 10, lr: 0.5, epochs: 100, seed: 1 });
    expect(runs.map((r) => r.backend)).to.deep.equal(['simple', 'fast']);
    for (const r of runs) {
      expect(r.history).to.have.length(100);
      expect(r.loss).to.equal(r.history[99].loss);
      expect(r.accuracy).to.equal(r.history[99].accuracy);
      expect(r.loss).to.be.below(r.history[0].loss);
      expect(Number.isFinite(r.msPerEpoch) && r.msPerEpoch >= 0, `msPerEpoch ${r.msPerEpoch}`).to.equal(true);
    }
    runs[1].history.forEach((h, i) => expect(h.loss, `epoch ${i + 1}`).to.be.closeTo(runs[0].history[i].loss, 1e-9));
  });

  it('Task 3.5 compareBackends runs a backend object and the GPU', async function () {
    this.timeout(60_000);
    const data = datasets.split(50, 42);
    const pool = new FastBackend({ workers: 2, parallelThreshold: 0 });
    try {
      const runs = await compareBackends(data, [pool, 'gpu'], { hidden: 10, lr: 0.5, epochs: 20, seed: 1 });
      expect(runs.map((r) => r.backend)).to.deep.equal(['FastBackend', 'gpu']);
      // float32 on the device: the GPU's losses follow the CPU's closely, not exactly.
      runs[1].history.forEach((h, i) => expect(h.loss, `epoch ${i + 1}`).to.be.closeTo(runs[0].history[i].loss, 1e-3));
    } finally {
      pool.pool.close();
    }
  });
});

// Checked before any training, by code that is given: not graded.
describe('compareBackends errors', () => {
  it('compareBackends names a missing or unknown backend before training', async () => {
    const data = datasets.simple(10, 1);
    const failure = async (backends: unknown): Promise<string> => {
      try {
        await compareBackends(data, backends as never);
      } catch (e) {
        return (e as Error).message;
      }
      return 'no error';
    };
    expect(await failure([])).to.match(/at least one backend/);
    expect(await failure(['cuda'])).to.match(/cuda/);
  });
});
