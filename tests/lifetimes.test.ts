/**
 * Tensor lifetimes (`src/lifetimes.ts`): `tidy`, `keep`, `dispose`, what survives a scope,
 * the error a released tensor gives, the graph freed after `backward()` unless `retainGraph`,
 * and memory reused instead of spilled (GPU) or reallocated (fast) in a long tidied loop.
 */
import { expect } from 'chai';
import { spawnSync } from 'child_process';
import * as path from 'path';
import { Adam, Parameter, SGD, Tensor, dispose, fromFlat, keep, rand, tensor, tidy, zeros } from '../src';
import { storageRecycler } from '../src/tensorData';
import { FastBackend } from '../src/backends/fast/backend';
import { recycleStats } from '../src/backends/fast/recycle';

/** The message of what `f` throws. */
function messageOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error('expected an error');
}

describe('Tensor lifetimes: tidy, keep, dispose', () => {
  it('Task 2.3 tidy releases what fn made, keeps what it returns; a released tensor names itself and the tidy', () => {
    const x = tensor([1, 2, 3]);
    let inner: Tensor | null = null;
    const y = tidy(() => {
      inner = x.mul(2);
      inner.name = 'doubled';
      return inner.add(1);
    });
    expect(Array.from(y.toFlatArray())).to.deep.equal([3, 5, 7]);
    expect(Array.from(x.toFlatArray()), 'made outside: untouched').to.deep.equal([1, 2, 3]);
    expect(inner!.isReleased).to.equal(true);
    const message = messageOf(() => inner!.add(1));
    expect(message).to.match(/tensor "doubled" of shape \[3\] was released by tidy\(\)/);
    // The release site is the tidy call in this file.
    expect(message).to.include('lifetimes.test');
    expect(message).to.match(/return it from the tidy function, or keep\(\) it/);
    expect(inner!.toString()).to.equal('tensor(<"doubled", released by tidy()>)');
  });

  it('Task 2.3 tidy returns arrays, objects and Maps of tensors intact; numbers pass through', () => {
    const x = tensor([1, 2]);
    const made: Tensor[] = [];
    const out = tidy(() => {
      const a = x.add(1);
      const b = x.mul(3);
      const c = x.neg();
      const lost = x.add(10);
      made.push(a, b, c, lost);
      return { list: [a, 7], nested: { b }, map: new Map([['c', c]]) };
    });
    expect(Array.from((out.list[0] as Tensor).toFlatArray())).to.deep.equal([2, 3]);
    expect(out.list[1]).to.equal(7);
    expect(Array.from(out.nested.b.toFlatArray())).to.deep.equal([3, 6]);
    expect(Array.from(out.map.get('c')!.toFlatArray())).to.deep.equal([-1, -2]);
    expect(made[3].isReleased).to.equal(true);
    expect(tidy(() => x.sum().item())).to.equal(3);
  });

  it('Task 2.3 keep() survives every tidy until dispose(); dispose releases at once and says where', () => {
    const x = tensor([1, 2]);
    let kept: Tensor | null = null;
    tidy(() => {
      kept = keep(x.mul(5));
      x.add(1);
    });
    expect(Array.from(kept!.toFlatArray())).to.deep.equal([5, 10]);
    kept!.dispose();
    kept!.dispose(); // twice is fine
    expect(messageOf(() => kept!.sum())).to.match(/was released by dispose\(\) \(at .*lifetimes\.test/);
    const a = x.add(1);
    const b = x.add(2);
    dispose({ a, list: [b] });
    expect(a.isReleased && b.isReleased).to.equal(true);
    expect(messageOf(() => keep(a))).to.match(/^keep: tensor "t\d+" of shape \[2\] was released by dispose\(\)/);
  });

  it('Task 2.3 nested tidy: the inner result belongs to the outer scope, released at its end', () => {
    const x = tensor([1, 2]);
    let fromInner: Tensor | null = null;
    let innerTemp: Tensor | null = null;
    const outer = tidy(() => {
      fromInner = tidy(() => {
        innerTemp = x.mul(2);
        return innerTemp.add(1);
      });
      expect(innerTemp!.isReleased, 'inner temporary, at the inner end').to.equal(true);
      expect(fromInner.isReleased, 'inner result, inside the outer scope').to.equal(false);
      return fromInner.sum();
    });
    expect(outer.item()).to.equal(8);
    expect(fromInner!.isReleased, 'inner result, at the outer end').to.equal(true);
  });

  it('Task 2.4 gradients, parameter values and optimizer state survive tidy; replaced ones are released with it', () => {
    for (const Opt of [SGD, Adam]) {
      const x = tensor([1, 2, 3]);
      const w0 = tensor([0.5, -0.5, 1]);
      const p = new Parameter(w0);
      const opt = Opt === SGD ? new SGD([p], { lr: 0.1, momentum: 0.9 }) : new Adam([p], { lr: 0.1 });
      const values: Tensor[] = [];
      for (let step = 0; step < 3; step++) {
        tidy(() => {
          opt.zeroGrad();
          p.value.mul(x).sum().backward();
          opt.step();
        });
        values.push(p.value);
      }
      // The current value is live and trained; its gradient slot is empty after step() replaced it.
      expect(p.value.isReleased).to.equal(false);
      expect(Number.isFinite(p.value.sum().item())).to.equal(true);
      // The initial value was made outside tidy: the user's, never released.
      expect(w0.isReleased).to.equal(false);
      // Values made by earlier steps and since replaced inside a tidy went with it.
      expect(values[0].isReleased, `${Opt.name}: the value of step 1`).to.equal(true);
      // The optimizer's state lives on: another step works and moves the value.
      const before = p.value.toFlatArray();
      tidy(() => {
        p.value.mul(x).sum().backward();
        expect(p.value.grad!.isReleased).to.equal(false);
        opt.step();
      });
      expect(Array.from(p.value.toFlatArray())).to.not.deep.equal(Array.from(before));
    }
    // A leaf's gradient computed inside tidy survives it.
    const leaf = tensor([1, 2]).requiresGrad_();
    tidy(() => leaf.mul(leaf).sum().backward());
    expect(Array.from(leaf.grad!.toFlatArray())).to.deep.equal([2, 4]);
  });

  it('Task 2.4 backward frees the graph: a second backward throws unless the first retained it', () => {
    const x = tensor([1, 2, 3]).requiresGrad_();
    const loss = x.mul(x).sum();
    loss.backward();
    expect(messageOf(() => loss.backward())).to.match(
      /backward: tensor "t\d+" \(made by "\w+"\) is part of a graph that a backward\(\) already went through.*retainGraph: true/,
    );
    x.zeroGrad_();
    const again = x.mul(x).sum();
    again.backward(undefined, { retainGraph: true });
    again.backward();
    expect(Array.from(x.grad!.toFlatArray())).to.deep.equal([4, 8, 12]);
    expect(messageOf(() => again.backward(undefined, 'yes' as never))).to.match(
      /backward: options must be an object such as \{ retainGraph: true \}, got the string "yes"/,
    );
  });

  it('tidy, keep and dispose name what they got when it is not what they take', () => {
    expect(messageOf(() => tidy(5 as never))).to.match(/tidy: expected a function to run.*got number 5/);
    expect(messageOf(() => keep({} as never))).to.match(/keep: expected a Tensor, got an object/);
    expect(messageOf(() => dispose(3))).to.match(/dispose: expected a Tensor or a list of tensors, got number 3/);
    const made: Tensor[] = [];
    expect(
      messageOf(() =>
        tidy((async () => {
          made.push(zeros([2]));
        }) as never),
      ),
    ).to.match(/tidy: fn returned a Promise.*must be synchronous/);
    expect(made[0].isReleased).to.equal(true);
    // An error inside fn releases what fn made, and goes on.
    const partial: Tensor[] = [];
    expect(
      messageOf(() =>
        tidy(() => {
          partial.push(zeros([2]));
          throw new Error('boom');
        }),
      ),
    ).to.equal('boom');
    expect(partial[0].isReleased).to.equal(true);
  });

  it('Task 3.1 fast: a released large result is reused by the next result of its size', () => {
    const a = fromFlat(new Float64Array(8192).fill(1), [8192], { backend: 'fast' });
    const before = recycleStats.reused;
    for (let i = 0; i < 5; i++) tidy(() => a.add(a).mul(a).sum().item());
    expect(recycleStats.reused - before).to.be.greaterThan(4);
    // Reused memory holds the new values, not the old ones.
    const sums = [1, 2, 3].map((k) => tidy(() => a.mul(k).sum().item()));
    expect(sums).to.deep.equal([8192, 16384, 24576]);
  });

  it('Task 3.1 fast, 2 workers: in tidy a chain of cheap large ops runs on the workers with nothing copied, as simple computes it', () => {
    const two = new FastBackend({ workers: 2 });
    // 160,000 values: enough for a sum to go to the workers too (cheaper per value, it needs more).
    const values = rand([400, 400], { backend: 'simple', seed: 5 }).sub(0.5);
    const chain = (x: Tensor) => {
      const y = x.add(x); // x is large: uploaded to shared memory, where the result goes too
      return y.relu().mul(y).add(y).sum(0); // operands shared, results in place: the workers share these
    };
    const expected = chain(values).toFlatArray();
    const calls = { parallel: 0, copied: 0 };
    const internals = two as unknown as { sharedCopy: (...a: unknown[]) => unknown };
    const copy = internals.sharedCopy;
    const run = two.pool.run;
    internals.sharedCopy = (...a: unknown[]) => {
      calls.copied += 1;
      return copy.apply(two, a);
    };
    two.pool.run = (...a: Parameters<typeof run>) => {
      calls.parallel += 1;
      return run.apply(two.pool, a);
    };
    try {
      const got = tidy(() => chain(values.to(two)).toFlatArray());
      // Close, not equal to the bit: the fast backend sums in four running sums.
      expect(got.length).to.equal(expected.length);
      got.forEach((v, i) => expect(v, `column ${i}`).to.be.closeTo(expected[i], 1e-9));
    } finally {
      internals.sharedCopy = copy;
      two.pool.run = run;
    }
    expect(calls.parallel, 'ops that went to the workers').to.equal(5);
    expect(calls.copied, 'operands copied for the workers').to.equal(0);
  });

  it("Task 3.1 fast: a view keeps its base's memory in use; the whole buffer is released with the last of them", () => {
    const released: Float64Array[] = [];
    const original = storageRecycler.release;
    storageRecycler.release = (storage) => {
      released.push(storage);
      original?.(storage);
    };
    try {
      // A result of the fast backend, large enough to be recycled.
      const x = fromFlat(
        Float64Array.from({ length: 8192 }, (_, i) => i),
        [2, 4096],
        { backend: 'fast' },
      ).mul(1);
      const memory = x.data.storage;
      const row = x.at(1);
      x.dispose();
      expect(released, 'the view still uses the memory').to.deep.equal([]);
      // Results of that size made now take other memory: the view keeps its values.
      tidy(() => fromFlat(new Float64Array(8192).fill(-1), [8192], { backend: 'fast' }).mul(2).add(1));
      expect(released.includes(memory)).to.equal(false);
      expect([row.get([0]), row.get([4095])]).to.deep.equal([4096, 8191]);
      row.dispose();
      // The base's whole buffer goes back, once, never the view's part of it.
      const mine = released.filter((s) => s.buffer === memory.buffer);
      expect(mine.length).to.equal(1);
      expect(mine[0]).to.equal(memory);
    } finally {
      storageRecycler.release = original;
    }
  });

  it("Task 3.1 fast: the backward pass adds a leaf's derivatives in place, with the same gradient as simple", () => {
    const grads: Float64Array[] = [];
    let inPlace = 0;
    const original = FastBackend.prototype.zipInPlace;
    FastBackend.prototype.zipInPlace = function (...args: Parameters<typeof original>): boolean {
      const done = original.apply(this, args);
      if (done) inPlace += 1;
      return done;
    };
    try {
      for (const backend of ['simple', 'fast'] as const) {
        const x = rand([100, 80], { backend, seed: 1 }).requiresGrad_();
        // x reaches the loss along three paths: its derivative is a sum of three.
        x.mul(2).add(x.mul(x)).add(x.sigmoid()).sum().backward();
        grads.push(x.grad!.toFlatArray());
      }
    } finally {
      FastBackend.prototype.zipInPlace = original;
    }
    expect(inPlace, 'sums written in place on fast').to.be.at.least(2);
    expect(Array.from(grads[1])).to.deep.equal(Array.from(grads[0]));
  });
});

describe('Tensor lifetimes in a long loop', function () {
  it('Task 3.3 10,000 tidied training steps on fast and on gpu: no spill, flat device buffers and memory', function () {
    // In a child process, so the counts and memory are this loop's alone. Only elementwise
    // ops and sums (Tasks 3.1 and 3.3). On fast, Adam over 4,096 values (its state lives
    // across steps, its results are large enough to be recycled); on gpu, where each op is a
    // round trip to the device's worker (about 1 ms a step on llvmpipe), plain SGD over 4.
    this.timeout(300_000);
    const lib = JSON.stringify(path.resolve(__dirname, '../src'));
    const recycle = JSON.stringify(path.resolve(__dirname, '../src/backends/fast/recycle'));
    const script = `const m = require(${lib});
      const { recycleStats } = require(${recycle});
      const out = {};
      for (const [backend, n] of [['fast', 4096], ['gpu', 4]]) {
        const B = { backend };
        const x = m.rand([n], { ...B, seed: 1 });
        const p = new m.Parameter(m.rand([n], { ...B, seed: 2 }));
        const o = backend === 'fast' ? new m.Adam([p], { lr: 0.01 }) : new m.SGD([p], { lr: 0.01 });
        const rows = [];
        const started = Date.now();
        for (let s = 1; s <= 10000; s++) {
          m.tidy(() => {
            o.zeroGrad();
            p.value.mul(x).sum().backward();
            o.step();
          });
          if (s % 1000 === 0) {
            global.gc();
            const g = m.gpu.gpuMemoryStats();
            rows.push({ step: s, buffers: g.buffers, spilled: g.spilled, reused: recycleStats.reused, heap: process.memoryUsage().heapUsed, rss: process.memoryUsage().rss });
          }
        }
        out[backend] = { rows, seconds: (Date.now() - started) / 1000, value: p.value.sum().item() };
      }
      console.log(JSON.stringify(out));`;
    const r = spawnSync(process.execPath, ['--expose-gc', '-e', script], { encoding: 'utf8', timeout: 290_000 });
    expect(r.status, r.stderr.slice(-1000)).to.equal(0);
    type Row = { step: number; buffers: number; spilled: number; reused: number; heap: number; rss: number };
    const out = JSON.parse(r.stdout.trim().split('\n').pop()!) as Record<
      string,
      { rows: Row[]; seconds: number; value: number }
    >;
    for (const backend of ['fast', 'gpu']) {
      const { rows, value } = out[backend];
      expect(Number.isFinite(value), `${backend}: the loop trained to a finite value`).to.equal(true);
      const warm = rows.filter((row) => row.step >= 5000);
      const spread = (key: 'rss' | 'heap') =>
        (Math.max(...warm.map((row) => row[key])) - Math.min(...warm.map((row) => row[key]))) / 2 ** 20;
      expect(spread('heap'), `${backend}: heap growth (MB) after warm-up`).to.be.below(2);
      // The software renderer's own native memory wanders by tens of MB with no trend (24,000
      // steps measured: between 240 and 300 MB): the heap and the device buffers are the leak checks.
      expect(spread('rss'), `${backend}: RSS growth (MB) after warm-up`).to.be.below(backend === 'gpu' ? 80 : 40);
    }
    const g = out.gpu.rows;
    for (const row of g) expect(row.spilled, `gpu: buffers spilled by step ${row.step}`).to.equal(0);
    expect(new Set(g.map((row) => row.buffers)).size, 'gpu: device buffers the same at every sample').to.equal(1);
    const f = out.fast.rows;
    expect(f[f.length - 1].reused - f[0].reused, 'fast: results reused from released memory').to.be.at.least(9000);
  });
});
