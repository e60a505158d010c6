/**
 * Module 3 GPU kernels (Tasks 3.3 and 3.4), checked against the Simple backend on sizes that
 * are not multiples of the workgroup or tile size. The shared tensor suites also run on the
 * GPU backend (tests/helpers/backends.ts); these tests cover what is GPU-specific.
 */
import { expect } from 'chai';
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as v8 from 'v8';
import * as vm from 'vm';
import { NotImplementedError, Tensor, fromFlat, getBackend, gpu, nn, noGrad, rand } from '../src';
import { NO_ADAPTER_HELP } from '../src/backends/gpu/bridge';
import { DeviceMemory, DeviceSlot } from '../src/backends/gpu/memory';

const TOL = 1e-3;

/** Same values on the GPU and on Simple, within float32 tolerance. */
function expectSame(onGpu: Tensor, onCpu: Tensor): void {
  expect(onGpu.shape).to.deep.equal(onCpu.shape);
  const a = onGpu.toFlatArray();
  const b = onCpu.toFlatArray();
  b.forEach((v, i) => expect(a[i], `element ${i}`).to.be.closeTo(v, TOL * Math.max(1, Math.abs(v))));
}

/** A random tensor on Simple and its copy on the GPU. */
function pair(shape: number[], seed: number): [Tensor, Tensor] {
  const cpu = rand(shape, { seed }).mul(4).sub(2);
  return [cpu.to('gpu'), cpu];
}

describe('GPU backend map, zip and reduce', function () {
  this.timeout(60_000);

  it('the GPU backend finds an adapter and says which', () => {
    expect((getBackend('gpu') as gpu.GpuBackend).description)
      .to.be.a('string')
      .and.not.equal('');
  });

  it('Task 3.3 map and zip on sizes around the workgroup size (1, 63, 64, 65, 1000)', () => {
    for (const n of [1, 63, 64, 65, 1000]) {
      const [x, xs] = pair([n], n);
      const [y, ys] = pair([n], n + 1);
      expectSame(x.sigmoid(), xs.sigmoid());
      expectSame(x.relu().add(1).log(), xs.relu().add(1).log());
      expectSame(x.mul(y).add(y.neg()), xs.mul(ys).add(ys.neg()));
      expectSame(x.lt(y), xs.lt(ys));
    }
  });

  it('Task 3.3 zip broadcasts and map reads permuted (strided) inputs', () => {
    const [a, as] = pair([4, 1, 3], 1);
    const [b, bs] = pair([5, 1], 2);
    expectSame(a.add(b), as.add(bs));
    const [c, cs] = pair([3, 7, 2], 3);
    expectSame(c.permute(2, 0, 1).exp(), cs.permute(2, 0, 1).exp());
    expectSame(c.permute(1, 2, 0).contiguous(), cs.permute(1, 2, 0).contiguous());
  });

  it('Task 3.3 reduce over every dim, longer and shorter than a workgroup', () => {
    const [x, xs] = pair([3, 70, 5], 4);
    for (const dim of [0, 1, 2]) {
      expectSame(x.sum(dim), xs.sum(dim));
      const max = (t: Tensor) => t.fromData(t.backend.reduce('max', t.data, dim));
      expectSame(max(x), max(xs));
    }
    const [p, ps] = pair([2, 200], 5);
    expectSame(p.permute(1, 0).sum(0), ps.permute(1, 0).sum(0));
  });

  it('Task 3.3 practice: block sums in workgroup memory', () => {
    const values = Array.from({ length: 70 }, (_, i) => i % 7);
    const blocks = Array.from(gpu.sumPractice(values));
    const size = gpu.kernels.PRACTICE_BLOCK;
    const expected = Array.from({ length: Math.ceil(70 / size) }, (_, b) =>
      values.slice(b * size, (b + 1) * size).reduce((s, v) => s + v, 0),
    );
    expect(blocks).to.deep.equal(expected);
  });

  it('Task 3.3 data stays on the device across a chain of ops', () => {
    const [x] = pair([100], 6);
    const before = gpu.gpuStats.reads;
    const y = x.mul(2).add(1).sigmoid().sum(0);
    expect(gpu.gpuStats.reads).to.equal(before);
    y.item();
    y.item();
    expect(gpu.gpuStats.reads).to.equal(before + 1);
  });

  it('Task 3.3 device buffers are freed when their tensors are collected', async function () {
    // mocha runs without --expose-gc; V8 can still hand out `gc` to a fresh context.
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as (() => void) | undefined;
    if (gc === undefined) this.skip();
    const [x] = pair([10], 7);
    for (let i = 0; i < 50; i++) x.add(i);
    const before = gpu.liveBufferCount();
    for (let round = 0; round < 5 && gpu.liveBufferCount() > before - 50; round++) {
      gc!();
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(gpu.liveBufferCount()).to.be.at.most(before - 50);
  });

  it('Task 3.3 writing into a GPU tensor updates the device copy', () => {
    const [x] = pair([2, 2], 8);
    x.set([1, 0], 5);
    expect(x.get([1, 0])).to.equal(5);
    expect(x.add(0).get([1, 0])).to.equal(5);
  });

  it('Task 3.3 kernels read an offset view (basic indexing) from its offset, bound there or copied; writes reach the base', () => {
    const [x, xs] = pair([3, 64, 4], 10);
    const before = gpu.gpuStats.reads;
    // x[1] starts 256 values (1 KiB) in, aligned for a binding; x[0, 1:, ::2] 4 values in, not aligned.
    const indices = [[1], [0, '1:', '::2'], ['...', 3], [-1, 63]] as Array<Array<number | string>>;
    const results = indices.map((index) => {
      const v = x.at(...index);
      return [v.exp().add(v), v.sum(0), v.contiguous()];
    });
    expect(gpu.gpuStats.reads, 'nothing read back').to.equal(before);
    indices.forEach((index, i) => {
      const vs = xs.at(...index);
      [vs.exp().add(vs), vs.sum(0), vs].forEach((want, k) => expectSame(results[i][k], want));
    });
    const row = x.at(2, '10:12');
    row.set([1, 2], 8);
    noGrad(() => row.at(0).fill_(-5));
    expect(x.get([2, 11, 2])).to.equal(8);
    expect(x.at(2, 10).toArray()).to.deep.equal([-5, -5, -5, -5]);
    const rs = xs.at(2, '10:12');
    rs.set([1, 2], 8);
    noGrad(() => rs.at(0).fill_(-5));
    expectSame(x, xs);
  });

  it('without an adapter the error says what to install', () => {
    expect(NO_ADAPTER_HELP)
      .to.match(/no WebGPU adapter/)
      .and.match(/mesa-vulkan-drivers libegl1 libegl-mesa0 libgles2 libgl1-mesa-dri/);
  });

  it('a process that finds no adapter at all gets that error, not a crash', function () {
    // Hide every Vulkan driver and give EGL a platform it cannot open, in a child process:
    // neither the default backend nor the OpenGL ES fallback can then find an adapter.
    if (process.platform !== 'linux') this.skip();
    const script = `const m = require(${JSON.stringify(path.resolve(__dirname, '../src'))});
      try { m.getBackend('gpu').description; console.log('FOUND'); } catch (e) { console.log('ERROR ' + e.message); }`;
    const out = execFileSync(process.execPath, ['-e', script], {
      env: { ...process.env, EGL_PLATFORM: 'none', VK_ICD_FILENAMES: '/nonexistent/icd.json' },
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    expect(out).to.contain(`ERROR ${NO_ADAPTER_HELP}`);
  });

  it('Task 3.3 at process exit the worker is drained first, so freeing buffers cannot abort the process', function () {
    // Node stops workers right after the exit event; one stopped inside a call into Dawn (a
    // buffer freed by a finaliser just before exit) used to abort with "FATAL ERROR ...
    // napi_throw" in about one exit in five of this script. Both ways out are exercised.
    this.timeout(120_000);
    const lib = JSON.stringify(path.resolve(__dirname, '../src'));
    const script = `const m = require(${lib});
      (async () => {
        for (let round = 0; round < 3; round++) {
          let keep = [];
          for (let i = 0; i < 1500; i++) keep.push(m.rand([64], { backend: 'gpu', seed: i }).add(1));
          keep = null;
          global.gc();
          await new Promise((r) => setTimeout(r, 1));
        }
        global.gc();
        await new Promise((r) => setImmediate(r));
        if (process.argv[1] === 'exit') process.exit(0);
      })();`;
    for (const how of ['natural', 'exit', 'natural', 'exit']) {
      const r = spawnSync(process.execPath, ['--expose-gc', '-e', script, how], { encoding: 'utf8', timeout: 60_000 });
      expect(r.status, `${how}: ${r.stderr.slice(-500)}`).to.equal(0);
    }
  });

  it('Task 3.3 after close the bridge sends no more frees, and still answers calls', () => {
    const lib = JSON.stringify(path.resolve(__dirname, '../src'));
    const backend = JSON.stringify(path.resolve(__dirname, '../src/backends/gpu/buffers'));
    const script = `const m = require(${lib});
      (async () => {
        let t = m.rand([8], { backend: 'gpu', seed: 1 }).add(1);
        const before = m.gpu.liveBufferCount();
        require(${backend}).gpuBridge().close();
        t = null;
        global.gc();
        await new Promise((r) => setTimeout(r, 50));
        console.log(before, m.gpu.liveBufferCount());
      })();`;
    const out = execFileSync(process.execPath, ['--expose-gc', '-e', script], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    const [before, after] = out.trim().split(' ').map(Number);
    expect(before).to.be.greaterThan(0);
    expect(after).to.equal(before);
  });
});

describe('GPU memory stays bounded without the event loop', function () {
  it('the device budget spills the least recently used buffers in one batch, down to 3/4, never the newest', () => {
    const batches: number[][] = [];
    const memory = new DeviceMemory<DeviceSlot>((victims) => batches.push(victims.map((v) => v.id)));
    memory.budget.maxBuffers = 20;
    const slots = Array.from({ length: 20 }, (_, i) => ({ id: i + 1, bytes: 4 }));
    slots.forEach((s) => memory.add(s));
    expect(batches).to.deep.equal([]);
    memory.touch(slots[0]); // just used: now the newest
    memory.add({ id: 21, bytes: 4 });
    // 20 + 1 > 20: spill the oldest (2, 3, …) until 14 remain, so the new one makes 15 = 3/4 of 20.
    expect(batches).to.deep.equal([[2, 3, 4, 5, 6, 7]]);
    expect(memory.stats).to.deep.equal({ buffers: 15, bytes: 60, spilled: 6 });
    // The byte budget works the same way, and the newest buffers stay whatever the pressure.
    memory.budget.maxBytes = 100;
    memory.add({ id: 22, bytes: 1000 });
    expect(batches[1]).to.have.length(15 - 8);
    expect(memory.stats.buffers).to.equal(9);
    expect(memory.remove(slots[0])).to.equal(true);
    expect(memory.remove(slots[0])).to.equal(false);
  });

  it('Task 3.3 spilled buffers keep their values: they come back to the device when used', () => {
    const before = gpu.gpuMemoryStats().spilled;
    gpu.setGpuMemoryBudget({ maxBuffers: 32 });
    try {
      const kept = Array.from({ length: 100 }, (_, i) => fromFlat([i, -i, 0.5 * i], [3], { backend: 'gpu' }).add(1));
      expect(gpu.gpuMemoryStats().buffers).to.be.at.most(32);
      expect(gpu.gpuMemoryStats().spilled).to.be.greaterThan(before);
      // The first ones were spilled long ago; using them uploads them again, with their values.
      kept.forEach((t, i) =>
        expect(Array.from(t.mul(2).toFlatArray())).to.deep.equal([2 * (i + 1), 2 * (1 - i), i + 2]),
      );
      expect(Array.from(kept[0].toFlatArray())).to.deep.equal([1, 1, 1]);
      kept[0].set([1], 7);
      expect(kept[0].add(0).get([1])).to.equal(7);
      expect(gpu.liveBufferCount()).to.be.at.most(32);
    } finally {
      gpu.setGpuMemoryBudget({ maxBuffers: 1024 });
    }
    expect(() => gpu.setGpuMemoryBudget({ maxBuffers: 0 })).to.throw(
      RangeError,
      /maxBuffers must be an integer of at least 16, got 0/,
    );
  });

  // The MLP multiplies matrices on the GPU: Task 3.4's kernel as well as 3.3's.
  it('Task 3.4 10,000 synchronous training steps and trainTensor for 60 epochs keep device buffers and memory flat', function () {
    // A training loop in one synchronous job never lets finalisers run (see src/backends/gpu/memory.ts):
    // before the budget, live buffers grew by every step's dozen and RSS by megabytes per
    // thousand steps. In a child process, so the count and RSS are this loop's alone. The
    // step is tiny (llvmpipe is slow) but a whole one: zeroGrad, forward, backward, step.
    this.timeout(300_000);
    const lib = JSON.stringify(path.resolve(__dirname, '../src'));
    const script = `const m = require(${lib});
      const B = { backend: 'gpu' };
      const x = m.tensor([1, 2, 3, 4], B);
      const p = new m.Parameter(m.tensor([0.1, 0.2, 0.3, 0.4], B));
      const o = new m.SGD([p], { lr: 0.01 });
      const rows = [];
      for (let s = 1; s <= 10000; s++) {
        o.zeroGrad();
        p.value.mul(x).sum().backward();
        o.step();
        if (s % 1000 === 0) {
          global.gc();
          rows.push({ step: s, live: m.gpu.liveBufferCount(), rss: process.memoryUsage().rss, heap: process.memoryUsage().heapUsed });
        }
      }
      m.trainTensor(m.datasets.simple(20, 1), { backend: 'gpu', hidden: 4, epochs: 60 }).then(() => {
        console.log(JSON.stringify({ rows, afterTrain: m.gpu.liveBufferCount(), budget: 1024, weight: Array.from(p.value.toFlatArray()) }));
      });`;
    const r = spawnSync(process.execPath, ['--expose-gc', '-e', script], { encoding: 'utf8', timeout: 290_000 });
    expect(r.status, r.stderr.slice(-1000)).to.equal(0);
    const out = JSON.parse(r.stdout.trim().split('\n').pop()!) as {
      rows: Array<{ step: number; live: number; rss: number; heap: number }>;
      afterTrain: number;
      budget: number;
      weight: number[];
    };
    for (const row of out.rows) expect(row.live, `live device buffers at step ${row.step}`).to.be.at.most(out.budget);
    expect(out.afterTrain, 'live device buffers after trainTensor').to.be.at.most(out.budget);
    // After warm-up (the first half), memory is flat: the heap to within 2 MB, RSS within 40 MB.
    const warm = out.rows.filter((row) => row.step >= 5000);
    const spread = (key: 'rss' | 'heap') =>
      (Math.max(...warm.map((row) => row[key])) - Math.min(...warm.map((row) => row[key]))) / 2 ** 20;
    expect(spread('heap'), 'heap growth (MB) after warm-up').to.be.below(2);
    expect(spread('rss'), 'RSS growth (MB) after warm-up').to.be.below(40);
    // And training trained: 10,000 steps of gradient descent on w·x moved w by -0.01·x each.
    out.weight.forEach((w, i) => expect(w).to.be.closeTo(0.1 * (i + 1) - 100 * (i + 1), 1e-2 * 100 * (i + 1)));
  });
});

describe('Task 3.3 quiet first contact', function () {
  it("Task 3.3 starting the GPU prints none of Dawn's adapter warnings (MINITORCH_GPU_VERBOSE=1 shows them), and stderr still works after", function () {
    this.timeout(120_000);
    const lib = JSON.stringify(path.resolve(__dirname, '../src'));
    if (process.platform !== 'linux') this.skip();
    const script = `const m = require(${lib});
      console.error('before');
      console.log(m.tensor([1, 2], { backend: 'gpu' }).add(1).toString());
      console.error('after');`;
    // stderr as a shell pipe (a terminal's or Jupyter's case) and as a file (`2>log`); a
    // Node parent's stdio 'pipe' is a socket, which cannot be reopened (see bridge.ts).
    const file = path.join(os.tmpdir(), `minitorch-stderr-${process.pid}.txt`);
    const run = (redirect: string, env: NodeJS.ProcessEnv = process.env) =>
      spawnSync('sh', ['-c', `"$0" -e "$1" ${redirect}`, process.execPath, script], {
        encoding: 'utf8',
        timeout: 110_000,
        env,
      });
    try {
      const piped = run('2>&1 >/dev/null | cat');
      expect(piped.status, piped.stdout).to.equal(0);
      expect(piped.stdout, 'stderr as a pipe').to.equal('before\nafter\n');
      const filed = run(`2>"${file}"`);
      expect(filed.status).to.equal(0);
      expect(filed.stdout).to.include('tensor([2., 3.])');
      expect(fs.readFileSync(file, 'utf8'), 'stderr as a file').to.equal('before\nafter\n');
      // Asked for, the warnings (if this machine's Dawn has any) are shown, and nothing is lost.
      const verbose = run('2>&1 >/dev/null | cat', { ...process.env, MINITORCH_GPU_VERBOSE: '1' });
      expect(verbose.stdout).to.match(/^before\n[^]*after\n$/);
    } finally {
      fs.rmSync(file, { force: true });
    }
  });
});

describe('Task 3.3 losing the GPU device', function () {
  it('Task 3.3 a lost device gives a clear error for tensors that were on it, and the next use starts a fresh device', function () {
    // In a child process: the device of this one is shared by every other GPU test.
    this.timeout(120_000);
    const lib = JSON.stringify(path.resolve(__dirname, '../src'));
    const script = `const m = require(${lib});
      const B = { backend: 'gpu' };
      const before = m.tensor([1, 2, 3], B).add(1);
      m.gpu.simulateDeviceLoss();
      let error = 'no error';
      try { before.mul(2).toFlatArray(); } catch (e) { error = e.message; }
      const after = Array.from(m.tensor([4, 5], B).add(1).toFlatArray());
      console.log(JSON.stringify({ error, after, again: Array.from(m.tensor([1], B).mul(3).toFlatArray()) }));`;
    const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 110_000 });
    expect(r.status, r.stderr.slice(-1000)).to.equal(0);
    const out = JSON.parse(r.stdout.trim().split('\n').pop()!) as { error: string; after: number[]; again: number[] };
    expect(out.error).to.match(
      /the GPU device was lost \(destroyed.*\), and this tensor's values were on it: compute it again/,
    );
    expect(out.after).to.deep.equal([5, 6]);
    expect(out.again).to.deep.equal([3]);
  });
});

describe('Task 3.4 GPU matmul', function () {
  this.timeout(60_000);

  it('Task 3.4 tiled matmul on sizes that are not multiples of the tile', () => {
    for (const [n, m, p] of [
      [1, 1, 1],
      [17, 33, 15],
      [16, 16, 16],
      [40, 3, 70],
    ]) {
      const [a, as] = pair([n, m], n);
      const [b, bs] = pair([m, p], p);
      expectSame(a.matmul(b), as.matmul(bs));
    }
  });

  it('Task 3.4 batched matmul broadcasts batch dims and reads transposed inputs', () => {
    const [a, as] = pair([2, 1, 5, 17], 1);
    const [b, bs] = pair([3, 17, 4], 2);
    expectSame(a.matmul(b), as.matmul(bs));
    const [c, cs] = pair([6, 9], 3);
    expectSame(c.permute(1, 0).matmul(c), cs.permute(1, 0).matmul(cs));
    // Offset views (basic indexing): a row block and a column block of c.
    expectSame(
      c.at('1:4').matmul(c.permute(1, 0).at(':', '2:5')),
      cs.at('1:4').matmul(cs.permute(1, 0).at(':', '2:5')),
    );
  });

  it('Task 3.4 practice: a square matmul in one workgroup', () => {
    for (const size of [1, 2, 7, gpu.kernels.PRACTICE_BLOCK]) {
      const a = Array.from({ length: size * size }, (_, i) => (i % 5) - 2);
      const b = Array.from({ length: size * size }, (_, i) => (i % 3) - 1);
      const expected = Array.from({ length: size * size }, (_, k) => {
        const i = Math.floor(k / size);
        const j = k % size;
        let s = 0;
        for (let t = 0; t < size; t++) s += a[i * size + t] * b[t * size + j];
        return s;
      });
      expect(Array.from(gpu.mmPractice(a, b, size))).to.deep.equal(expected);
    }
    expect(() => gpu.mmPractice([1], [1], 40)).to.throw(/1 ≤ size ≤ 16/);
  });
});

describe('Task 4.2 GPU convolution', function () {
  this.timeout(60_000);

  /** conv forward and both gradients on the GPU equal Simple's (the backward convs read permuted views, reversed). */
  function expectConvSame(dims: 1 | 2, inShape: number[], wShape: number[]): void {
    const conv = dims === 1 ? nn.conv1d : nn.conv2d;
    const [x, xs] = pair(inShape, inShape.length + inShape[inShape.length - 1]);
    const [w, ws] = pair(wShape, wShape[0] + 7);
    const leaf = (t: Tensor) =>
      fromFlat(Array.from(t.toFlatArray()), t.shape, { backend: t.backend, requiresGrad: true });
    const onGpu = [x, w].map(leaf);
    const onCpu = [xs, ws].map(leaf);
    const outGpu = conv(onGpu[0], onGpu[1]);
    const outCpu = conv(onCpu[0], onCpu[1]);
    expectSame(outGpu, outCpu);
    // A weighted sum, so each output element gets its own gradient.
    const weights = rand(outCpu.shape, { seed: 9 });
    outGpu.mul(weights.to('gpu')).sum().backward();
    outCpu.mul(weights).sum().backward();
    expectSame(onGpu[0].grad!, onCpu[0].grad!);
    expectSame(onGpu[1].grad!, onCpu[1].grad!);
  }

  it('Task 4.2 conv1d and conv2d on the device match Simple, forward and backward, past a workgroup', () => {
    expectConvSame(1, [3, 4, 37], [5, 4, 3]);
    expectConvSame(1, [1, 1, 1], [1, 1, 1]);
    expectConvSame(2, [2, 3, 13, 11], [4, 3, 3, 2]);
    expectConvSame(2, [1, 1, 28, 28], [4, 1, 3, 3]);
  });

  it('Task 4.2 convolution reads offset views (basic indexing) from their offsets', () => {
    const [x, xs] = pair([3, 4, 13, 11], 12);
    const [w, ws] = pair([2, 5, 3, 3], 13);
    expectSame(nn.conv2d(x.at('1:'), w.at(1, null, '1:')), nn.conv2d(xs.at('1:'), ws.at(1, null, '1:')));
    expectSame(
      nn.conv1d(x.at(':', '...', 3), w.at(':', '1:', 1)),
      nn.conv1d(xs.at(':', '...', 3), ws.at(':', '1:', 1)),
    );
  });

  it('Task 4.2 convolution runs on the device: nothing is read back', function () {
    // In a starter repository the shader is an optional exercise; until it is written the
    // backend falls back to the CPU kernels (next test), which read their inputs back.
    try {
      gpu.kernels.convShader();
    } catch (e) {
      if (e instanceof NotImplementedError) this.skip();
      throw e;
    }
    const [x] = pair([2, 3, 9, 9], 4);
    const [w] = pair([2, 3, 3, 3], 5);
    const before = gpu.gpuStats.reads;
    const y = nn.conv2d(x, w).relu().sum();
    expect(gpu.gpuStats.reads).to.equal(before);
    y.item();
    expect(gpu.gpuStats.reads).to.equal(before + 1);
  });

  it('Task 4.2 while convShader is a stub (a starter repository) convolution falls back to the CPU kernels', () => {
    // The compiled module's export is what the backend calls, so replacing it stands in for the stub.
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- the module object itself, to patch an export
    const kernels = require('../src/backends/gpu/kernels') as { convShader: () => string };
    const shader = kernels.convShader;
    kernels.convShader = () => {
      throw new NotImplementedError('Task 4.2: convShader');
    };
    try {
      const [x, xs] = pair([2, 2, 6, 5], 6);
      const [w, ws] = pair([3, 2, 2, 2], 7);
      const before = gpu.gpuStats.reads;
      expectSame(nn.conv2d(x, w), nn.conv2d(xs, ws));
      expect(gpu.gpuStats.reads, 'the fallback downloads input and weight').to.equal(before + 3);
    } finally {
      kernels.convShader = shader;
    }
  });
});
