/**
 * Module 3 suites for the Fast backend (Tasks 3.1 and 3.2): fast paths against the generic
 * kernels, parallel and calling-thread sizes, matmul forward and backward, batch
 * broadcasting, and the worker pool's error, recovery and exit paths. (The shared tensor
 * suites also run on "fast" through `tests/helpers/backends`.)
 */
import { expect } from 'chai';
import { spawn } from 'child_process';
import * as fc from 'fast-check';
import * as path from 'path';
import { Adam, Optimizer, Parameter, SGD, Tensor, TensorData, fromFlat, getBackend, rand, tuning } from '../src';
import { FastBackend, TRAINING_BACKEND } from '../src/backends/fast/backend';
import { trainingBackend } from '../src/course/progress';
import { SimpleBackend } from '../src/tensorOps';
import { copyRange, mergeDims } from '../src/backends/fast/strided';
import { testPool } from './helpers/fastTestKernels';
import { gradCheck } from '../src/course/checks';

const { PARALLEL_THRESHOLD, simdAvailable } = tuning;
const simple = new SimpleBackend();
/** Always parallel: every call goes to the two workers. */
const parallel = new FastBackend({ workers: 2, parallelThreshold: 0 });
/** Always on the calling thread. */
const local = new FastBackend({ workers: 1 });

/** Values of `t` in row-major order as a plain array. */
const values = (t: TensorData): number[] => Array.from(t.toFlatArray());

/** Expect two TensorData to have the same shape and (nearly) the same values. */
function expectSame(got: TensorData, want: TensorData, tol = 1e-9): void {
  expect(got.shape).to.deep.equal(want.shape);
  const g = values(got);
  values(want).forEach((w, i) => expect(g[i], `element ${i}`).to.be.closeTo(w, tol));
}

/** Random host TensorData of a shape, seeded. */
function hostData(shape: number[], seed: number): TensorData {
  return rand(shape, { backend: 'simple', seed }).data;
}

/** Small random shapes of 1–3 dims. */
const smallShape = fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 1, maxLength: 3 });

describe('Task 3.1 fast paths agree with the generic kernels', () => {
  for (const [label, backend] of [
    ['parallel', parallel],
    ['local', local],
  ] as const) {
    it(`Task 3.1 map, zip and reduce on contiguous, permuted and broadcast data (${label})`, () => {
      fc.assert(
        fc.property(smallShape, fc.integer({ min: 0, max: 1000 }), (shape, seed) => {
          const a = hostData(shape, seed);
          const b = hostData(shape, seed + 1);
          const reversed = a.permute(...shape.map((_, i) => shape.length - 1 - i));
          const scalar = hostData([1], seed + 2);
          // contiguous, same shape: the fast path
          expectSame(backend.map('exp', backend.upload(a)), simple.map('exp', a));
          expectSame(backend.zip('mul', backend.upload(a), backend.upload(b)), simple.zip('mul', a, b));
          // one operand a single element: the scalar fast path, both ways round
          expectSame(backend.zip('add', a, scalar), simple.zip('add', a, scalar));
          expectSame(backend.zip('div', scalar, a), simple.zip('div', scalar, a));
          // permuted (non-contiguous) and broadcast inputs: the strided cursor
          expectSame(backend.map('neg', reversed), simple.map('neg', reversed));
          expectSame(backend.zip('add', reversed, reversed), simple.zip('add', reversed, reversed));
          expectSame(backend.map('id', scalar, shape), simple.map('id', scalar, shape));
          for (let d = 0; d < shape.length; d++) {
            expectSame(backend.reduce('sum', a, d), simple.reduce('sum', a, d));
            expectSame(backend.reduce('max', reversed, d), simple.reduce('max', reversed, d));
          }
        }),
        { numRuns: 50 },
      );
    });
  }

  // The fast backend's relu and reluBack are arithmetic, not a branch (see `zipRun`),
  // with a run that meets an infinity or NaN redone by the scalar function: both paths must be
  // the scalar functions to the bit (signed zeros included), also along strided and broadcast
  // operands.
  it('Task 3.1 relu and its backward match the scalar functions bit for bit, at ±0, ±∞ and NaN', () => {
    const finite = [0, -0, 1, -1, 0.5, -2, 5e-324, -5e-324, Number.MAX_VALUE, -Number.MAX_VALUE];
    const bits = (t: TensorData): string[] => values(t).map((v) => (Object.is(v, -0) ? '-0' : String(v)));
    const data = (v: number[], shape: number[]): TensorData => new TensorData(Float64Array.from(v), shape);
    // Finite values only (the arithmetic), then with infinities and NaN (the scalar function).
    for (const special of [finite, [...finite, Infinity, -Infinity, NaN]]) {
      const n = special.length;
      // every (x, d) pair: x along rows, d along columns
      const x = data(
        special.flatMap((v) => special.map(() => v)),
        [n * n],
      );
      const d = data(
        special.flatMap(() => special),
        [n * n],
      );
      const square = new TensorData(x.storage, [n, n]).permute(1, 0);
      const row = data(special, [1, n]);
      const col = data(special, [n, 1]);
      for (const backend of [local, parallel]) {
        const label = `${backend.threads} thread(s), values ${special.join(', ')}`;
        expect(bits(backend.map('relu', x)), label).to.deep.equal(bits(simple.map('relu', x)));
        expect(bits(backend.zip('reluBack', x, d)), label).to.deep.equal(bits(simple.zip('reluBack', x, d)));
        expect(bits(backend.map('relu', square)), label).to.deep.equal(bits(simple.map('relu', square)));
        expect(bits(backend.zip('reluBack', col, row)), label).to.deep.equal(bits(simple.zip('reluBack', col, row)));
        const dSquare = new TensorData(d.storage, [n, n]);
        expect(bits(backend.zip('reluBack', square, dSquare)), label).to.deep.equal(
          bits(simple.zip('reluBack', square, dSquare)),
        );
      }
    }
  });

  it('Task 3.2 uploads live in shared memory; results in plain memory, also when computed by the workers', () => {
    const t = fromFlat([1, 2, 3], [3], { backend: parallel });
    expect(t.data.storage.buffer).to.be.instanceOf(SharedArrayBuffer);
    // The workers write a reused shared scratch that is copied out (fresh shared memory is
    // first-touched page by page on every call); a plain input is copied into a scratch slot.
    const e = t.exp();
    expect(e.data.storage.buffer).not.to.be.instanceOf(SharedArrayBuffer);
    const m = fromFlat([1, 2, 3, 4], [2, 2], { backend: parallel });
    const p1 = m.matmul(m);
    expect(p1.data.storage.buffer).not.to.be.instanceOf(SharedArrayBuffer);
    const p2 = p1.matmul(m);
    expect(values(p2.data)).to.deep.equal([37, 54, 81, 118]);
    expect(values(p1.data), 'an earlier result is not overwritten by the scratch').to.deep.equal([7, 10, 15, 22]);
    expect(values(e.data)).to.deep.equal([Math.exp(1), Math.exp(2), Math.exp(3)]);
  });

  // Small results are views into shared chunks; a kept one keeps its chunk alive, so a scalar
  // kept per epoch must not hold a large chunk.
  it('Task 3.1 small results share chunks by size: a kept scalar holds 4 KB, a large result its own array', () => {
    const sizes = [1, 16, 17, 2048, 2049];
    const results = sizes.map((n) => local.zip('add', hostData([n], 1), hostData([n], 2)));
    results.forEach((r, i) =>
      expect(values(r), `size ${sizes[i]}`).to.deep.equal(
        values(simple.zip('add', hostData([sizes[i]], 1), hostData([sizes[i]], 2))),
      ),
    );
    const held = results.map((r) => r.storage.buffer.byteLength);
    expect(held).to.deep.equal([4096, 4096, 262144, 262144, 2049 * 8]);
  });
});

// Given helpers, tested with plain arrays and index arithmetic written out here: the
// plane-by-plane copy that fastMapRange uses for views (it finds its first plane with Task
// 2.1's toIndex, so its test names that task) and the dim merging behind it.
describe('Fast backend strided copy (copyRange)', () => {
  /** Row-major strides of a shape. */
  const rowMajor = (shape: number[]): number[] => shape.map((_, i) => shape.slice(i + 1).reduce((p, n) => p * n, 1));

  it('Task 2.1 copies permuted and broadcast views of 1–6 dims over any range (copyRange)', () => {
    const shapeAndPerm = fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 6 }).chain((shape) =>
      fc.tuple(
        fc.constant(shape),
        fc.shuffledSubarray(
          shape.map((_, i) => i),
          { minLength: shape.length },
        ),
        fc.array(fc.boolean(), { minLength: shape.length, maxLength: shape.length }),
      ),
    );
    fc.assert(
      fc.property(shapeAndPerm, fc.tuple(fc.nat(), fc.nat()), ([shape, perm, ones], [s, e]) => {
        // A source with some dims of size 1, viewed permuted, then broadcast to the permuted shape.
        const sourceShape = shape.map((n, i) => (ones[i] ? 1 : n));
        const sourceStrides = rowMajor(sourceShape);
        const storage = Float64Array.from({ length: sourceShape.reduce((p, n) => p * n, 1) }, (_, i) => i + 0.5);
        const view = { storage, shape: perm.map((d) => sourceShape[d]), strides: perm.map((d) => sourceStrides[d]) };
        const outShape = perm.map((d) => shape[d]);
        const outStrides = rowMajor(outShape);
        const size = outShape.reduce((p, n) => p * n, 1);
        // Element i of the result: its index in outShape, read from the view (size-1 dims repeat).
        const want = (i: number) =>
          outShape.reduce(
            (pos, _, k) =>
              pos + (view.shape[k] === 1 ? 0 : (Math.floor(i / outStrides[k]) % outShape[k]) * view.strides[k]),
            0,
          );
        const [start, end] = [s % (size + 1), e % (size + 1)].sort((x, y) => x - y);
        const out = new Float64Array(size).fill(-1);
        copyRange({ storage: out, shape: outShape, strides: outStrides }, view, start, end);
        out.forEach((v, i) =>
          expect(v, `element ${i} of ${JSON.stringify(outShape)} in [${start}, ${end})`).to.equal(
            i >= start && i < end ? storage[want(i)] : -1,
          ),
        );
      }),
      { numRuns: 300 },
    );
  });

  it('merges dims that every layout walks as one (mergeDims)', () => {
    // A bias [8, 1, 1] broadcast over [32, 8, 28, 28]: rows of 784 with the bias's stride 0.
    expect(mergeDims([32, 8, 28, 28], [6272, 784, 28, 1], [0, 1, 0, 0])).to.deep.equal([
      [32, 8, 784],
      [6272, 784, 1],
      [0, 1, 0],
    ]);
    // A pooling tile [32, 8, 7, 7, 4, 4] of a [32, 8, 28, 28] image: only batch, channel and row merge.
    expect(mergeDims([32, 8, 7, 7, 4, 4], [6272, 784, 112, 4, 28, 1])).to.deep.equal([
      [1792, 7, 4, 4],
      [112, 4, 28, 1],
    ]);
    // Size-1 dims vanish; a transposed matrix merges nothing.
    expect(mergeDims([1, 3, 1], [3, 1, 1])).to.deep.equal([[3], [1]]);
    expect(mergeDims([3, 2], [1, 3])).to.deep.equal([
      [3, 2],
      [1, 3],
    ]);
    expect(mergeDims([1, 1], [0, 0])).to.deep.equal([[], []]);
  });
});

describe('Task 3.1 parallel and calling-thread sizes', () => {
  it('Task 3.1 a tensor above PARALLEL_THRESHOLD runs on the pool and matches Simple', () => {
    const fast = new FastBackend({ workers: 2 });
    const n = Math.ceil(Math.sqrt(PARALLEL_THRESHOLD)) + 8;
    const a = hostData([n, n], 7);
    expect(fast.pool.started).to.equal(0); // lazy: nothing started yet
    // Memory-bound elementwise ops stay here at any size; expensive ones go to the pool.
    expectSame(fast.zip('add', fast.upload(a), fast.upload(a)), simple.zip('add', a, a));
    expect(fast.pool.started).to.equal(0);
    expectSame(fast.map('exp', fast.upload(a)), simple.map('exp', a));
    expect(fast.pool.started).to.equal(1); // one helper: the calling thread is the other
    expectSame(fast.reduce('sum', fast.upload(a), 0), simple.reduce('sum', a, 0));
    fast.pool.close();
  });

  it('Task 3.1 a small tensor stays on the calling thread (no pool started)', () => {
    const fast = new FastBackend({ workers: 2 });
    const a = hostData([4, 5], 3);
    expectSame(fast.map('sigmoid', a), simple.map('sigmoid', a));
    expect(fast.pool.started).to.equal(0);
  });

  it('Task 3.1 the workers read an offset view (a subarray of shared memory) from its offset', () => {
    const base = parallel.upload(hostData([3, 7, 5], 31));
    expect(base.storage.buffer).to.be.instanceOf(SharedArrayBuffer);
    // x[1, 2:, ::2] of [3, 7, 5]: starts 45 values in, strides [5, 2].
    const view = base.withOffset(45, [5, 3], [5, 2]);
    expect(view.storage.byteOffset).to.equal(45 * 8);
    const host = hostData([3, 7, 5], 31).withOffset(45, [5, 3], [5, 2]);
    expectSame(parallel.map('exp', view), simple.map('exp', host));
    expectSame(parallel.zip('mul', view, view), simple.zip('mul', host, host));
    expectSame(parallel.reduce('sum', view, 0), simple.reduce('sum', host, 0));
  });

  // Compares matmul too: needs Task 3.2's matmulRange.
  it('Task 3.2 one and two workers give identical results', () => {
    const two = new FastBackend({ workers: 2, parallelThreshold: 0 });
    const a = hostData([37, 23], 11);
    const b = hostData([23, 19], 12);
    expect(values(two.matmul(a, b))).to.deep.equal(values(local.matmul(a, b)));
    expect(values(two.zip('add', a, a))).to.deep.equal(values(local.zip('add', a, a)));
    expect(values(two.reduce('sum', a, 1))).to.deep.equal(values(local.reduce('sum', a, 1)));
    two.pool.close();
  });
});

describe('Task 3.1 other range kernels through the generic mechanism', () => {
  // The conv kernels are Module 4's (conv2d's is Task 4.2): graded there.
  it('Task 4.2 conv1d and conv2d kernels run on the pool in chunks and match Simple', () => {
    const x1 = hostData([2, 3, 9], 21);
    const w1 = hostData([4, 3, 3], 22);
    const x2 = hostData([2, 2, 6, 5], 23);
    const w2 = hostData([3, 2, 2, 3], 24);
    for (const reverse of [false, true]) {
      expectSame(parallel.conv1d(x1, w1, [2, 4, 9], reverse), simple.conv1d(x1, w1, [2, 4, 9], reverse));
      expectSame(parallel.conv2d(x2, w2, [2, 3, 6, 5], reverse), simple.conv2d(x2, w2, [2, 3, 6, 5], reverse));
    }
  });
});

// The Simple backend's convolution is the reference, and it runs the student's Task 4.2 kernel.
describe('Fast backend convolution by the SIMD direct convolution', () => {
  /** Both convolutions of every case against Simple, with and without SIMD, 1 and 2 threads. */
  // Every case has over SIMD_MIN_MULTIPLY_ADDS (2^15) multiply-adds, so the SIMD path runs.
  function checkConv(inShape: number[], wShape: number[], outShape: number[], permuted = false): void {
    let x = hostData(inShape, inShape[0] * 7 + wShape[0]);
    const w = hostData(wShape, wShape[1] * 5 + inShape[1]);
    if (permuted)
      x = hostData([inShape[1], inShape[0], ...inShape.slice(2)], 3).permute(
        1,
        0,
        ...inShape.slice(2).map((_, i) => i + 2),
      );
    const conv = (b: FastBackend | SimpleBackend, reverse: boolean) =>
      inShape.length === 3 ? b.conv1d(x, w, outShape, reverse) : b.conv2d(x, w, outShape, reverse);
    for (const reverse of [false, true]) {
      const want = conv(simple, reverse);
      for (const backend of [parallel, local]) expectSame(conv(backend, reverse), want);
    }
  }

  it('Task 4.2 SIMD conv2d matches Simple: LeNet shapes, a large kernel (weight gradient), permuted input', () => {
    expect(simdAvailable(), 'the SIMD kernel is built').to.equal(true);
    checkConv([3, 4, 12, 11], [5, 4, 3, 3], [3, 5, 12, 11]);
    checkConv([4, 6, 12, 10], [4, 6, 12, 10], [4, 4, 3, 3]); // kernel as large as the input
    checkConv([4, 3, 12, 10], [6, 3, 2, 3], [4, 6, 12, 10], true);
    checkConv([1, 1, 40, 40], [2, 1, 5, 5], [1, 2, 40, 40]); // fewer planes than threads' rows
  });

  it('Task 4.1 SIMD conv1d matches Simple (as conv2d of height 1)', () => {
    checkConv([4, 6, 50], [7, 6, 5], [4, 7, 50]);
    checkConv([6, 8, 60], [4, 8, 60], [6, 4, 8]);
  });
});

describe('Fast backend fused matmul', () => {
  /** Matmul on `backend` against Simple for the given shapes. */
  function check(aShape: number[], bShape: number[], backend: FastBackend = parallel): void {
    const a = hostData(aShape, aShape.length * 13 + bShape[0]);
    const b = hostData(bShape, bShape.length * 17 + aShape[0]);
    expectSame(backend.matmul(a, b), simple.matmul(a, b));
  }

  it('Task 3.2 matmul matches Simple on random 2-D shapes (parallel and local)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 9 }),
        fc.integer({ min: 1, max: 9 }),
        fc.integer({ min: 1, max: 9 }),
        (n, m, p) => {
          check([n, m], [m, p], parallel);
          check([n, m], [m, p], local);
        },
      ),
      { numRuns: 40 },
    );
  });

  it('Task 3.2 matmul broadcasts batch dims', () => {
    check([2, 1, 3, 4], [5, 4, 6]);
    check([3, 4], [2, 4, 5]);
    check([2, 3, 4], [4, 5]);
    check([1, 3, 4], [2, 4, 2], local);
  });

  it('Task 3.2 matmul handles transposed (non-contiguous) inputs', () => {
    const a = hostData([6, 4], 1).permute(1, 0);
    const b = hostData([5, 6], 2).permute(1, 0);
    expectSame(parallel.matmul(a, b), simple.matmul(a, b));
    expectSame(local.matmul(a, b), simple.matmul(a, b));
  });

  // The blocked SIMD kernel is given; what it needs from the student is Module 2's tensors.
  it('Task 2.3 matmul large enough to use the k-blocks and the pool', () => {
    check([70, 300], [300, 130], new FastBackend({ workers: 2 }));
  });

  it('Task 3.2 the SIMD WebAssembly kernel matches the TypeScript kernel and Simple', () => {
    expect(simdAvailable(), 'matmulF64.wasm was not built next to the compiled sources').to.equal(true);
    const simdParallel = new FastBackend({ workers: 2, parallelThreshold: 0 });
    const plainTs = new FastBackend({ workers: 2, parallelThreshold: 0, simd: false });
    expect(simdParallel.simd).to.equal(true);
    expect(plainTs.simd).to.equal(false);
    const cases: Array<[number[], number[]]> = [
      [
        [2, 1, 41, 30],
        [3, 30, 51],
      ], // batch broadcast, odd widths
      [
        [64, 70],
        [70, 33],
      ],
      [
        [7, 300],
        [300, 262],
      ], // crosses the kernel's 256-wide k and column blocks; ragged rows and columns
    ];
    for (const [aShape, bShape] of cases) {
      const a = hostData(aShape, 31);
      const b = hostData(bShape, 32);
      const want = simple.matmul(a, b);
      expectSame(simdParallel.matmul(a, b), want);
      expectSame(local.matmul(a, b), want);
      expectSame(plainTs.matmul(a, b), want);
      expectSame(simdParallel.matmul(a.permute(...aShape.map((_, i) => i)), b), want);
    }
    const at = hostData([70, 64], 33).permute(1, 0); // transposed a
    const bt = hostData([33, 70], 34).permute(1, 0); // transposed b (the kernel packs it as given)
    expectSame(simdParallel.matmul(at, bt), simple.matmul(at, bt));
    // Transposed b across the kernel's k and column blocks, and batched with broadcast.
    for (const [x, y] of [
      [hostData([7, 300], 35), hostData([262, 300], 36).permute(1, 0)],
      [hostData([2, 1, 41, 30], 37), hostData([3, 51, 30], 38).permute(0, 2, 1)],
    ]) {
      expectSame(simdParallel.matmul(x, y), simple.matmul(x, y));
      expectSame(local.matmul(x, y), simple.matmul(x, y));
    }
    simdParallel.pool.close();
    plainTs.pool.close();
  });

  it('Task 3.2 matmul gradients match central differences and Simple', () => {
    const a = rand([2, 3, 4], { backend: 'fast' });
    const b = rand([4, 2], { backend: 'fast', seed: 1 });
    gradCheck((x, y) => x.matmul(y), [a, b]);
    const leaves = (backend: 'fast' | 'simple'): Tensor[] =>
      [a, b].map((t) => fromFlat(Array.from(t.toFlatArray()), t.shape, { backend, requiresGrad: true }));
    const [fa, fb] = leaves('fast');
    const [sa, sb] = leaves('simple');
    fa.matmul(fb).sum().backward();
    sa.matmul(sb).sum().backward();
    expectSame(fa.grad!.data, sa.grad!.data);
    expectSame(fb.grad!.data, sb.grad!.data);
  });

  it('matmul shape errors name both shapes', () => {
    expect(() => parallel.matmul(hostData([2, 3], 1), hostData([4, 2], 2))).to.throw(
      /inner dimensions differ: \[2, 3\] @ \[4, 2\]/,
    );
    expect(() => parallel.matmul(hostData([3], 1), hostData([3, 2], 2))).to.throw(/at least 2-D/);
  });
});

describe('Fast backend worker pool errors, recovery and exit', () => {
  it('an error thrown in a worker surfaces as an exception in the caller', () => {
    const pool = testPool(1);
    expect(() => pool.run('throw', ['boom'], 10)).to.throw(RangeError, /boom \[\d+, \d+\)/);
    // the pool still works afterwards
    const out = new Float64Array(new SharedArrayBuffer(80));
    pool.run('fill', [out, 4], 10);
    expect(Array.from(out)).to.deep.equal(new Array(10).fill(4));
    pool.close();
  });

  it('a WorkerPool of several threads reports the error once and keeps working', () => {
    const pool = testPool(3);
    expect(() => pool.run('throw', ['bad'], 30)).to.throw(RangeError, /bad \[/);
    const out = new Float64Array(new SharedArrayBuffer(30 * 8));
    pool.run('fill', [out, 2], 30);
    expect(Array.from(out).every((v) => v === 2)).to.equal(true);
    pool.close();
  });

  // Chunks are claimed, so which thread computes which is not fixed: check that every call
  // covers [0, total) exactly once, over more calls than the pool has counter slots.
  it('pool threads claim every chunk of a call, the caller reporting its own', () => {
    const pool = testPool(2);
    const out = new Float64Array(new SharedArrayBuffer(90 * 8));
    for (let call = 1; call <= 40; call++) {
      const here: Array<[number, number]> = [];
      const ranges = pool.run('fill', [out, call], 90, (start, end) => {
        here.push([start, end]);
        for (let i = start; i < end; i++) out[i] = call;
      });
      expect(ranges).to.deep.equal(here);
      expect(Array.from(out).every((v) => v === call)).to.equal(true);
    }
    pool.close();
  });

  it('unknown kernels and bad worker counts are clear errors', () => {
    const pool = testPool(1);
    // A name outside the table does not compile; forced through, the worker names the table.
    // @ts-expect-error: no kernel of that name
    expect(() => pool.run('no.such.kernel', [], 4)).to.throw(
      /no range kernel named "no.such.kernel" \(known: throw, exit, fill\)/,
    );
    pool.close();
    expect(() => new FastBackend({ workers: 0 })).to.throw(/workers must be a positive integer, got 0/);
  });

  it('the pool recovers when a worker dies mid-task', () => {
    const pool = testPool(1);
    expect(() => pool.run('exit', [], 4)).to.throw(/worker thread died/);
    const out = new Float64Array(new SharedArrayBuffer(4 * 8));
    pool.run('fill', [out, 7], 4);
    expect(Array.from(out)).to.deep.equal([7, 7, 7, 7]);
    pool.close();
  });

  it('Task 3.1 the pool recovers when a worker is terminated between calls', async () => {
    const fast = new FastBackend({ workers: 2, parallelThreshold: 0 });
    const a = hostData([8, 8], 6);
    fast.zip('add', a, a);
    await fast.pool.threads[0].terminate();
    expectSame(fast.zip('add', a, a), simple.zip('add', a, a));
    fast.pool.close();
  });

  it('Task 3.1 a program using the fast backend exits when done', async function () {
    this.timeout(15000);
    const lib = path.join(__dirname, '..', 'src');
    const script = `
      const m = require(${JSON.stringify(lib)});
      const b = new m.backends.FastBackend({ workers: 2, parallelThreshold: 0 });
      const a = m.rand([50, 50], { backend: b });
      console.log(a.matmul(a).sum().item() > 0 ? 'ok' : 'bad');`;
    const started = Date.now();
    const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    const code = await new Promise<number | null>((resolve) => {
      const timer = setTimeout(() => {
        child.kill();
        resolve(null);
      }, 10000);
      child.on('exit', (c) => {
        clearTimeout(timer);
        resolve(c);
      });
    });
    expect(code, 'the process did not exit within 10 s').to.equal(0);
    expect(stdout.trim()).to.equal('ok');
    expect(Date.now() - started).to.be.below(10000);
  });

  // The MLP multiplies matrices, so the loop needs Task 3.2's kernel as well as 3.1's.
  it('Task 3.2 a 10,000-step training loop reuses host memory: no fresh shared memory after warm-up, RSS flat', async function () {
    this.timeout(180000);
    const lib = path.join(__dirname, '..', 'src');
    // A synchronous loop, as in a notebook cell: no event-loop turn between steps. The low
    // threshold sends the matmuls and sigmoids to the worker. A fresh SharedArrayBuffer is
    // fresh pages, each first-touched by a page fault (about 4,100 a LeNet step when every
    // result was one); the backend must reuse its shared memory instead.
    const script = `
      let fresh = 0;
      globalThis.SharedArrayBuffer = new Proxy(SharedArrayBuffer, { construct(T, args) { fresh++; return new T(...args); } });
      const m = require(${JSON.stringify(lib)});
      const backend = new m.backends.FastBackend({ workers: 2, parallelThreshold: 1 << 12 });
      const X = m.rand([64, 2], { backend, seed: 1 }), y = m.rand([64, 1], { backend, seed: 2 });
      const model = new m.MLP([2, 64, 64, 1], { backend, rng: new m.Random(0) });
      const opt = new m.SGD(model.parameters(), { lr: 0.1 });
      let warm;
      for (let step = 1; step <= 10000; step++) {
        opt.zeroGrad();
        m.binaryCrossEntropy(model.forward(X), y).backward();
        opt.step();
        if (step === 1000) { global.gc(); warm = { fresh, ...process.memoryUsage(), started: backend.pool.started }; }
      }
      global.gc();
      const end = process.memoryUsage();
      console.log(JSON.stringify({ fresh: fresh - warm.fresh, rssGrowthMB: (end.rss - warm.rss) / 2 ** 20, heapGrowthMB: (end.heapUsed - warm.heapUsed) / 2 ** 20, started: warm.started }));`;
    // V8 grows its young generation (up to 3 x 16 MB) whenever its survival rate says so,
    // after step 1,000 in some runs: RSS then jumps by 16-30 MB with no leak. Fixed at its
    // largest from the start, and collected before each reading, RSS measures the library.
    const flags = ['--expose-gc', '--min-semi-space-size=16', '--max-semi-space-size=16'];
    const child = spawn(process.execPath, [...flags, '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code).to.equal(0);
    const { fresh, rssGrowthMB, heapGrowthMB, started } = JSON.parse(stdout) as {
      fresh: number;
      rssGrowthMB: number;
      heapGrowthMB: number;
      started: number;
    };
    expect(started, 'the loop used the worker').to.equal(1);
    expect(fresh, 'SharedArrayBuffers allocated in steps 1,001–10,000').to.equal(0);
    expect(heapGrowthMB, 'heap growth from step 1,000 to 10,000 (MB, after a collection)').to.be.below(2);
    expect(rssGrowthMB, 'RSS growth from step 1,000 to 10,000 (MB, after a collection)').to.be.below(32);
  });

  // The optimizer's rule runs per element in one fused pass on fast, as ops on simple: the
  // same operations in the same order, so the parameters must agree to the last bit.
  it('Task 3.1 fused optimizer steps on the fast backend equal the op-by-op steps bit for bit', () => {
    const optimizers: Array<[string, (ps: Parameter[]) => Optimizer]> = [
      ['SGD', (ps) => new SGD(ps, { lr: 0.1 })],
      ['SGD with momentum', (ps) => new SGD(ps, { lr: 0.05, momentum: 0.9 })],
      ['Adam', (ps) => new Adam(ps, { lr: 0.05, betas: [0.8, 0.9], eps: 1e-3 })],
    ];
    for (const [name, make] of optimizers) {
      const run = (backend: 'fast' | 'simple'): { values: number[]; fused: number } => {
        const fast = getBackend(backend);
        let fused = 0;
        const fusedElementwise = fast.fusedElementwise?.bind(fast);
        if (fusedElementwise !== undefined) {
          fast.fusedElementwise = (...args) => {
            const out = fusedElementwise(...args);
            if (out !== undefined) fused += 1;
            return out;
          };
        }
        try {
          const p = new Parameter(rand([3, 4], { backend, seed: 3 }));
          const w = rand([3, 4], { backend, seed: 4 });
          const opt = make([p]);
          for (let step = 0; step < 4; step++) {
            opt.zeroGrad();
            p.value.mul(p.value).mul(w).sum().backward();
            opt.step();
          }
          return { values: Array.from(p.value.toFlatArray()), fused };
        } finally {
          if (fusedElementwise !== undefined) delete (fast as { fusedElementwise?: unknown }).fusedElementwise;
        }
      };
      const fast = run('fast');
      const simple = run('simple');
      expect(fast.fused, `${name}: fused steps on fast`).to.equal(4);
      expect(simple.fused, `${name}: simple has no fused pass`).to.equal(0);
      expect(fast.values, name).to.deep.equal(simple.values);
    }
  });

  // Training uses fast once all its kernels are written, matmul (3.2) included.
  it('Task 3.2 the "fast" name resolves to a FastBackend, the default for training', () => {
    expect(getBackend('fast')).to.be.instanceOf(FastBackend);
    expect(TRAINING_BACKEND).to.equal('fast');
    expect(trainingBackend()).to.equal('fast'); // the kernels are written, so no fallback
  });
});
