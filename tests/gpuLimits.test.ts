/**
 * The GPU kernels at the device's limits (issue 23: no silent wrong answers at any size).
 * Each kernel runs at sizes just below and just above each limit the device reports
 * (`gpu.deviceLimits()`), against the fast backend: the workgroup grid (65,535 per dim), the
 * loop iterations one invocation may run (65,535 on Mesa's llvmpipe, which silently cuts
 * longer loops short), and the binding size. The binding limit (128 MiB) is too large to
 * cross cheaply on a software renderer, so that splitting is tested with the limits the
 * backend splits by lowered through `gpu.setGpuLimitsForTesting`, which also makes the
 * pieces' offsets unaligned (the copy path).
 */
import { expect } from 'chai';
import { Tensor, fromFlat, gpu, nn, ones, rand } from '../src';

/** Same values as the fast backend's, within float32 tolerance (relative to the magnitude). */
function expectClose(onGpu: Tensor, onFast: Tensor, tol = 1e-4): void {
  expect(onGpu.shape).to.deep.equal(onFast.shape);
  const a = onGpu.toFlatArray();
  const b = onFast.toFlatArray();
  let worst = 0;
  let at = -1;
  b.forEach((v, i) => {
    const err = Math.abs(a[i] - v) / Math.max(1, Math.abs(v));
    if (!(err <= worst)) [worst, at] = [err, i];
  });
  expect(worst, `element ${at}: gpu ${a[at]}, fast ${b[at]}`).to.be.at.most(tol);
}

/** A random tensor on fast (values in [-2, 2)) and its copy on the GPU. */
function pair(shape: number[], seed: number): [Tensor, Tensor] {
  const cpu = rand(shape, { seed, backend: 'fast' }).mul(4).sub(2);
  return [cpu.to('gpu'), cpu];
}

const GROUPS = 65535;
const WG = 64;
const TILE = 16;

describe('GPU kernels at the device limits', function () {
  this.timeout(120_000);
  let limits: gpu.GpuLimits;
  before(() => {
    limits = gpu.deviceLimits();
  });
  afterEach(() => gpu.setGpuLimitsForTesting({}));

  it('the device reports its limits, and the loop cap is measured', () => {
    expect(limits.maxComputeWorkgroupsPerDimension).to.be.at.least(GROUPS);
    expect(limits.maxStorageBufferBindingSize).to.be.at.least(128 << 20);
    expect(limits.maxBufferSize).to.be.at.least(limits.maxStorageBufferBindingSize);
    expect(limits.minStorageBufferOffsetAlignment).to.be.at.most(256);
    expect(limits.maxLoopIterations).to.be.at.least(GROUPS);
    expect(() => gpu.setGpuLimitsForTesting({ maxBufferSize: 1e30 })).to.throw(/maxBufferSize must be/);
  });

  it('Task 2.1 a tensor over maxBufferSize is refused, naming its size and the limit', () => {
    gpu.setGpuLimitsForTesting({ maxBufferSize: 4096 });
    expect(() => ones([2000], { backend: 'gpu' })).to.throw(/8000 bytes.*maxBufferSize 4096/);
  });

  it('Task 3.3 map and zip across the 1-D workgroup grid (65,535 × 64 values and one more)', () => {
    for (const n of [GROUPS * WG, GROUPS * WG + 1]) {
      const [a, as] = pair([1, n], n);
      const [b, bs] = pair([n], 7);
      expectClose(a.neg(), as.neg());
      expectClose(a.add(b), as.add(bs));
    }
  });

  it('Task 4.4 reduce along the first, middle and last dim past the loop limit (sum, mean, max)', () => {
    const long = Math.max(GROUPS, Math.min(limits.maxLoopIterations, 1 << 20)) * WG + 3;
    for (const [shape, dim] of [
      [[long, 1, 2], 0],
      [[2, long, 1], 1],
      [[1, 2, long], 2],
    ] as [number[], number][]) {
      const [a, as] = pair(shape, dim + 1);
      expectClose(a.sum(dim), as.sum(dim), 1e-3);
      expectClose(a.amax(dim), as.amax(dim));
    }
    // Counts of ones are exact in float32 up to 2^24: just below and above the old 4,194,240.
    for (const n of [GROUPS * WG, GROUPS * WG + 1, 4194000]) {
      expect(ones([n], { backend: 'gpu' }).sum().item()).to.equal(n);
      expect(ones([1, n], { backend: 'gpu' }).sum(1).item()).to.equal(n);
    }
    expect(
      ones([1 << 24], { backend: 'gpu' })
        .sum()
        .item(),
    ).to.equal(1 << 24);
    expect(
      ones([1 << 24], { backend: 'gpu' })
        .mul(1 / 1024)
        .mean()
        .item(),
    ).to.equal(1 / 1024);
  });

  it('Task 4.4 the max reduction propagates NaN and keeps -Infinity, as PyTorch', () => {
    const t = (v: number[]) => fromFlat(v, [v.length], { backend: 'gpu' });
    expect(Number.isNaN(t([1, NaN, 3]).amax().item())).to.equal(true);
    expect(Number.isNaN(t([NaN, 1, 3]).amax().item())).to.equal(true);
    expect(t([-Infinity]).amax().item()).to.equal(-Infinity);
    expect(t([-Infinity, 2, Infinity]).amax().item()).to.equal(Infinity);
  });

  it('Task 3.3 practice block sums across the 1-D grid (65,535 blocks and one more)', () => {
    const B = gpu.kernels.PRACTICE_BLOCK;
    for (const n of [GROUPS * B, GROUPS * B + 1]) {
      const values = Array.from({ length: n }, (_, i) => i % 3);
      const out = gpu.sumPractice(values);
      expect(out.length).to.equal(Math.ceil(n / B));
      for (const k of [0, 1, GROUPS - 1, out.length - 1]) {
        let s = 0;
        for (let i = k * B; i < Math.min(n, (k + 1) * B); i++) s += values[i];
        expect(out[k], `block ${k}`).to.equal(s);
      }
    }
  });

  it('Task 4.4 map, zip, reduce every dim and the practice sums split by a lowered binding size and loop limit', () => {
    gpu.setGpuLimitsForTesting({ maxStorageBufferBindingSize: 40000 + 4 * 3, maxLoopIterations: 256 });
    const [a, as] = pair([7, 300, 5], 1);
    const [b, bs] = pair([300, 1], 2);
    expectClose(a.exp(), as.exp());
    expectClose(a.permute(2, 0, 1).relu(), as.permute(2, 0, 1).relu());
    expectClose(a.mul(b), as.mul(bs));
    for (const dim of [0, 1, 2]) {
      expectClose(a.sum(dim), as.sum(dim));
      expectClose(a.amax(dim), as.amax(dim));
      expectClose(a.permute(1, 2, 0).sum(dim), as.permute(1, 2, 0).sum(dim));
    }
    expectClose(a.sum(), as.sum());
    const values = Array.from({ length: 5000 }, (_, i) => (i % 7) - 3);
    const sums = gpu.sumPractice(values);
    sums.forEach((s, k) => expect(s).to.equal(values.slice(k * 16, k * 16 + 16).reduce((x, y) => x + y, 0)));
  });

  it('Task 3.4 matmul with a shared dim past the tile loop limit (16 × 65,535 and more)', () => {
    for (const m of [TILE * GROUPS, TILE * GROUPS + 1, 1048545]) {
      const g = { backend: 'gpu' as const };
      expect(
        ones([1, m], g)
          .matmul(ones([m, 1], g))
          .item(),
        `m = ${m}`,
      ).to.equal(m);
    }
    const [a, as] = pair([2, 1, TILE * GROUPS + 5], 3);
    const [b, bs] = pair([TILE * GROUPS + 5, 2], 4);
    expectClose(a.matmul(b), as.matmul(bs), 1e-3);
  });

  it('Task 3.4 matmul past the grid in rows, columns and batch (65,535 workgroups and more)', () => {
    const rows = TILE * GROUPS + 1;
    const [a, as] = pair([rows, 2], 5);
    const [b, bs] = pair([2, 3], 6);
    expectClose(a.matmul(b), as.matmul(bs));
    expectClose(b.permute(1, 0).matmul(a.permute(1, 0)), bs.permute(1, 0).matmul(as.permute(1, 0)));
    for (const batch of [GROUPS, GROUPS + 1]) {
      const [c, cs] = pair([batch, 1, 2], batch);
      const [d, ds] = pair([2, 1], 8);
      expectClose(c.matmul(d), cs.matmul(ds));
    }
  });

  it('Task 3.4 batched, broadcast and transposed matmul split by a lowered binding size and loop limit', () => {
    gpu.setGpuLimitsForTesting({ maxStorageBufferBindingSize: 20000 + 4 * 5, maxLoopIterations: 64 });
    const [a, as] = pair([3, 1, 40, 150], 1);
    const [b, bs] = pair([4, 150, 30], 2);
    expectClose(a.matmul(b), as.matmul(bs));
    expectClose(b.permute(0, 2, 1).matmul(a.permute(0, 1, 3, 2)), bs.permute(0, 2, 1).matmul(as.permute(0, 1, 3, 2)));
    const size = 5;
    const x = Array.from({ length: size * size }, (_, i) => i - 3);
    const expected = Array.from({ length: size * size }, (_, k) => {
      let s = 0;
      for (let t = 0; t < size; t++) s += x[Math.floor(k / size) * size + t] * x[t * size + (k % size)];
      return s;
    });
    expect(Array.from(gpu.mmPractice(x, x, size))).to.deep.equal(expected);
  });

  it('Task 4.2 conv1d and conv2d past the 1-D grid, and split by a lowered binding size and loop limit', () => {
    const long = GROUPS * WG + 2;
    const [x, xs] = pair([1, 1, long + 2], 1);
    const [w, ws] = pair([1, 1, 3], 2);
    expectClose(nn.conv1d(x, w), nn.conv1d(xs, ws));
    gpu.setGpuLimitsForTesting({ maxStorageBufferBindingSize: 16384 + 4 * 7, maxLoopIterations: 256 });
    const [a, as] = pair([3, 10, 40], 3);
    const [k, ks] = pair([4, 10, 5], 4);
    expectClose(nn.conv1d(a, k), nn.conv1d(as, ks));
    const [c, cs] = pair([2, 10, 20, 17], 5);
    const [f, fs] = pair([3, 10, 3, 2], 6);
    expectClose(nn.conv2d(c, f), nn.conv2d(cs, fs));
    // Backward: the convolutions of permuted views, reversed.
    // (its weight gradient is a convolution with the 20×17 image as kernel: 340 taps a run)
    gpu.setGpuLimitsForTesting({ maxStorageBufferBindingSize: 16384 + 4 * 7, maxLoopIterations: 2048 });
    const leaf = (t: Tensor) =>
      fromFlat(Array.from(t.toFlatArray()), t.shape, { backend: t.backend, requiresGrad: true });
    const [g1, g2, h1, h2] = [c, f, cs, fs].map(leaf);
    nn.conv2d(g1, g2).sum().backward();
    nn.conv2d(h1, h2).sum().backward();
    expectClose(g1.grad!, h1.grad!);
    expectClose(g2.grad!, h2.grad!);
  });

  it('Task 4.4 reduce a dim whose values span more than one binding (in chunks, or slice by slice)', () => {
    // 1,027 values a binding: a column of [300, 7] spans 2,094, one of [3, 2000] 4,001.
    gpu.setGpuLimitsForTesting({ maxStorageBufferBindingSize: 4096 + 4 * 3, maxLoopIterations: 256 });
    for (const shape of [
      [300, 7],
      [3, 2000],
      [5, 40, 30],
    ]) {
      const [a, as] = pair(shape, shape[0]);
      for (let dim = 0; dim < shape.length; dim++) {
        expectClose(a.sum(dim), as.sum(dim));
        expectClose(a.amax(dim), as.amax(dim));
        expectClose(a.transpose(0, -1).sum(dim), as.transpose(0, -1).sum(dim));
      }
      expectClose(a.mean(), as.mean());
    }
    // NaN still wins when the slices are folded one by one (1,100 values apart).
    const v = Array.from({ length: 3300 }, (_, i) => i % 1100);
    v[1100 + 5] = NaN;
    const m = fromFlat(v, [3, 1100], { backend: 'gpu' }).amax(0).toFlatArray();
    expect(Number.isNaN(m[5])).to.equal(true);
    expect(m[6]).to.equal(6);
  });

  it('Task 3.4 matmul whose shared dim spans more than one binding (partial products added)', () => {
    gpu.setGpuLimitsForTesting({ maxStorageBufferBindingSize: 4096 + 4 * 3, maxLoopIterations: 256 });
    // Products batched ([4, 3000] · [3000, 5]), added one by one (a 40×40 output), one row at a time (ym 1100).
    for (const [n, m, p] of [
      [4, 3000, 5],
      [40, 600, 40],
      [2, 3, 1100],
    ]) {
      const [a, as] = pair([n, m], n);
      const [b, bs] = pair([m, p], p);
      expectClose(a.matmul(b), as.matmul(bs));
      const [c, cs] = pair([m, n], m);
      expectClose(c.permute(1, 0).matmul(b), cs.permute(1, 0).matmul(bs));
    }
    const [a, as] = pair([3, 2, 700], 9);
    const [b, bs] = pair([700, 3], 10);
    expectClose(a.matmul(b), as.matmul(bs));
  });

  it('Task 4.2 conv1d and conv2d with images over one binding and kernels over the loop budget, with gradients', () => {
    // 1,027 values a binding (one 40×30 image is 1,200) and 64 taps a run (its weight gradient has 1,200).
    gpu.setGpuLimitsForTesting({ maxStorageBufferBindingSize: 4096 + 4 * 3, maxLoopIterations: 256 });
    const leaf = (t: Tensor) =>
      fromFlat(Array.from(t.toFlatArray()), t.shape, { backend: t.backend, requiresGrad: true });
    const cases: [number[], number[], 1 | 2][] = [
      [[2, 3, 40, 30], [4, 3, 3, 3], 2],
      [[1, 2, 6, 100], [2, 2, 5, 40], 2],
      [[1, 1, 200], [1, 1, 200], 1],
      [[2, 3, 1500], [2, 3, 90], 1],
    ];
    for (const [xShape, wShape, dims] of cases) {
      const conv = dims === 1 ? nn.conv1d : nn.conv2d;
      const [x, xs] = pair(xShape, xShape[3] ?? xShape[2]);
      const [w, ws] = pair(wShape, 5);
      expectClose(conv(x, w), conv(xs, ws), 1e-3);
      const [g1, g2, h1, h2] = [x, w, xs, ws].map(leaf);
      conv(g1, g2).sum().backward();
      conv(h1, h2).sum().backward();
      expectClose(g1.grad!, h1.grad!, 1e-3);
      expectClose(g2.grad!, h2.grad!, 1e-3);
    }
  });
});
