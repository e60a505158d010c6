/**
 * Module 3 — the Fast backend (Tasks 3.1 and 3.2): the same `TensorBackend` as Simple, many
 * times faster, by three ideas MiniTorch teaches with numba:
 *
 * 1. **Parallelism** (Task 3.1): outputs are split into contiguous ranges of ordinals and each
 *    range runs on a worker thread (numba's `prange`). Workers see only `SharedArrayBuffer`
 *    memory: large uploads live there, and a parallel call writes its output there (see
 *    `FastBackend.compute` for where each result ends up and why).
 * 2. **Fast paths** (Task 3.1): when input and output are contiguous with the same shape, the
 *    ordinal *is* the storage position, so no index arithmetic is needed per element.
 * 3. **Fusion** (Task 3.2): matmul multiplies and sums in one loop, never materialising the
 *    `[..., n, m, p]` broadcast product that Simple builds, in i-k-j order so the innermost
 *    loop walks both `b` and `out` contiguously.
 *
 * **How work reaches the workers (the generic mechanism).** Everything the pool runs is a
 * *range kernel*: an exported function `kernel(...args, start, end)` that fills output
 * ordinals `[start, end)`. A kernel is registered once by name with
 * `registerRangeKernel(name, modulePath, exportName)` (see `workerPool`); a worker thread
 * `require`s that module and calls the export. This file registers `map`, `zip`, `reduce`,
 * `matmul`, `matmulSimd`, `conv1d`, `conv2d` and `conv2dSimd`; any other module can
 * register more kernels the same way and run them with
 * `FastBackend.runKernel(name, args, total, work)`. Arguments must survive structured
 * cloning: pass `StridedArray`s (`{ storage, shape, strides }`, via `stridedArgs`), op names
 * and numbers, never closures. `runKernel` runs small jobs on the
 * calling thread; a large one is cut into one range per thread, which the pool's helpers and,
 * when it has a local twin of the kernel (`addKernel`), the calling thread claim in turn (a
 * helper that is slow to wake leaves its range to the others). Inputs are copied into shared
 * memory for the helpers if they are not there yet; the calling thread reads them in place.
 *
 * Beyond the tasks, large matmuls and convolutions run a SIMD WebAssembly kernel
 * (`simdMatmul`; for a convolution, a direct SIMD convolution), and the loops call the common scalar
 * functions directly (`mapRun`, `zipRun`, `foldRun`) so the JIT can inline them.
 *
 * @packageDocumentation
 */
import { platform } from '../../platform';
import { BackendName, registerBackend } from '../registry';
import { conv1dKernel, conv2dKernel } from '../../convOps';
import { NotImplementedError } from '../../errors';
import * as ops from '../../operators';
import {
  IndexingError,
  Shape,
  Storage,
  TensorData,
  alignedStrides,
  formatShape,
  sameShape,
  shapeBroadcast,
  shapeSize,
  toIndex,
} from '../../tensorData';
import {
  BinaryOp,
  FusedStep,
  ReduceOp,
  StridedArray,
  TensorBackend,
  UnaryOp,
  binaryFns,
  matmulShape,
  normalizeDim,
  reduceFns,
  reduceKernel,
  reducedShape,
  unaryFns,
} from '../../tensorOps';
import { batchOffset, simdAvailable, simdConv2dRange, simdMatmulRange } from './simd';
import { WorkerPool, registerRangeKernel } from './pool';

/**
 * Below this much work (in elementwise-op units) a call stays on the calling thread. Measured
 * on the 2-core dev machine by timing `zip('mul')` on 1 vs 2 threads (module3 notebook repeats
 * the sweep): handing a chunk to a helper and waking up costs ~0.05–0.1 ms, which is
 * ~20–30k elementwise ops; 2 threads break even near 65k elements and win 1.5x at 262k, so
 * the cut-over is 2^17. (That sweep had every tensor in shared memory; the backend now keeps
 * cheap elementwise ops on the calling thread at any size, see `COMPUTE_BOUND`.)
 */
export const PARALLEL_THRESHOLD = 1 << 17;

/**
 * Multiply-adds of the fused matmul/conv loops that cost as much as one elementwise op (a
 * named function call per element): measured ~0.75 ns vs ~4.5 ns, so 6. Matmul on 64×64
 * (262k multiply-adds) stays local, 96×96 (885k) goes parallel.
 */
export const MULTIPLY_ADDS_PER_OP = 6;

/**
 * Matmuls with at least this many multiply-adds use the SIMD kernel when it is available:
 * below it, copying the operands into WebAssembly memory costs more than SIMD saves
 * (e.g. the 10×100 @ 100×100 products of the training demo stay in TypeScript).
 */
export const SIMD_MIN_MULTIPLY_ADDS = 1 << 15;

/**
 * Elementwise ops that go to the workers when large: those whose scalar function costs far
 * more than a copy of its operands (a transcendental function). A worker reads and writes only
 * shared memory, and most operands are earlier results in plain memory (see `compute`), so
 * handing an op over copies its operands into shared memory and the worker's share of the
 * result back. For the cheap ops those copies cost about what the second core saves
 * (measured: splitting every large elementwise op of a LeNet training step on 2 threads took
 * it from 8.6 to 8.2 ms): they stay on the calling thread.
 */
const COMPUTE_BOUND: ReadonlySet<UnaryOp | BinaryOp> = new Set<UnaryOp | BinaryOp>(['exp', 'log', 'sigmoid', 'sigmoidBack']);

/** How many times faster the SIMD kernel does multiply-adds (measured ~4x at n = 512). */
const SIMD_SPEEDUP = 4;

/** Bytes of `b` kept hot per k-block in matmul (about a core's L2 cache). */
const MATMUL_BLOCK_BYTES = 256 * 1024;

// ---- Range kernels (run on the calling thread or a worker) ----

/** True when `strides` are the row-major strides of `shape` (size-1 dims ignored). */
export function isContiguousLayout(shape: ArrayLike<number>, strides: ArrayLike<number>): boolean {
  let expected = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    if (shape[i] !== 1 && strides[i] !== expected) return false;
    expected *= shape[i];
  }
  return true;
}

/** True when `x` is laid out exactly like the contiguous output: ordinal = position. */
function alignedWith(x: StridedArray, out: StridedArray): boolean {
  return sameShape(x.shape, out.shape) && isContiguousLayout(x.shape, x.strides);
}

/**
 * `shape` with neighbouring dims merged wherever every one of `strides` walks them as one dim
 * (the outer stride is the inner stride times the inner size), and size-1 dims dropped;
 * returns the merged shape and each strides list for it. Ordinals of a contiguous output mean
 * the same in both shapes. A bias of shape [8, 1, 1] added to [32, 8, 28, 28] becomes
 * [32, 8, 784] with the bias's stride 0 along 784: rows of 784 instead of 28.
 */
export function mergeDims(shape: ArrayLike<number>, ...strides: number[][]): [number[], ...number[][]] {
  const merged: number[] = [];
  const mergedStrides = strides.map((): number[] => []);
  for (let d = 0; d < shape.length; d++) {
    const size = shape[d];
    if (size === 1) continue;
    const last = merged.length - 1;
    if (last >= 0 && strides.every((s, k) => mergedStrides[k][last] === s[d] * size)) {
      merged[last] *= size;
      strides.forEach((s, k) => (mergedStrides[k][last] = s[d]));
    } else {
      merged.push(size);
      strides.forEach((s, k) => mergedStrides[k].push(s[d]));
    }
  }
  return [merged, ...mergedStrides];
}

/**
 * Storage positions of one or two inputs kept in step with output ordinals, for inputs that
 * are permuted or broadcast: moving along the innermost dim adds a stride, and the end of a
 * dim carries into the one before (like an odometer), instead of decomposing every ordinal
 * into an index. Kernels walk a whole innermost row with plain additions of `aStep`/`bStep`,
 * then `advance` past it. Dims that every layout walks as one are merged first (`mergeDims`),
 * so rows are as long as the layouts allow.
 */
export class StridedCursor {
  /** Position in the first input's storage. */
  a = 0;
  /** Position in the second input's storage (0 when there is none). */
  b = 0;
  /** The first input's stride along the innermost output dim. */
  readonly aStep: number;
  /** The second input's stride along the innermost output dim (0 when there is none). */
  readonly bStep: number;
  private readonly index: number[];
  private readonly aStrides: number[];
  private readonly bStrides: number[];

  /** The output shape the cursor walks, with dims merged by `mergeDims`. */
  private readonly shape: number[];

  /** Start at output ordinal `start` of `shape`; `a` and `b` are read as broadcast to it. */
  constructor(shape: ArrayLike<number>, a: StridedArray, b: StridedArray | null, start: number) {
    const aStrides = alignedStrides(a.shape, a.strides, shape);
    const bStrides = b === null ? aStrides.map(() => 0) : alignedStrides(b.shape, b.strides, shape);
    [this.shape, this.aStrides, this.bStrides] = mergeDims(shape, aStrides, bStrides);
    const dims = this.shape.length;
    this.index = new Array<number>(dims).fill(0);
    toIndex(start, this.shape, this.index);
    for (let d = 0; d < dims; d++) {
      this.a += this.index[d] * this.aStrides[d];
      this.b += this.index[d] * this.bStrides[d];
    }
    this.aStep = dims === 0 ? 0 : this.aStrides[dims - 1];
    this.bStep = dims === 0 ? 0 : this.bStrides[dims - 1];
  }

  /** Output ordinals from here to the end of the current innermost row, this one included. */
  rowLeft(): number {
    const d = this.shape.length - 1;
    return d < 0 ? 1 : this.shape[d] - this.index[d];
  }

  /** Move `n` output ordinals ahead, at most to the end of the current row (`rowLeft()`). */
  advance(n: number): void {
    const { index, shape, aStrides, bStrides } = this;
    let d = shape.length - 1;
    if (d < 0) return;
    index[d] += n;
    this.a += n * aStrides[d];
    this.b += n * bStrides[d];
    while (index[d] >= shape[d]) {
      // Past the end of dim d: back to its start, and carry into dim d − 1.
      this.a -= aStrides[d] * shape[d];
      this.b -= bStrides[d] * shape[d];
      index[d] = 0;
      d -= 1;
      if (d < 0) return;
      index[d] += 1;
      this.a += aStrides[d];
      this.b += bStrides[d];
    }
  }

  /** Move to the next output ordinal. */
  next(): void {
    this.advance(1);
  }
}

/** `relu` in the two-argument form of `reluBack` (relu(x) = reluBack(x, x)), for `mapRun`. */
const reluOfFirst = (x: number): number => ops.relu(x);

/**
 * `o[i + j] = fn(x[p], y[q])` for `j < n`, with `p` and `q` stepping by `aStep` and `bStep`
 * (1 walks an aligned input, 0 repeats a single value, any other stride walks a row). The
 * common ops of a training step call their function directly: the JIT inlines a direct call,
 * while `fn` (one call site shared by every op) stays an out-of-line call per element.
 */
export function zipRun(
  op: BinaryOp,
  fn: (x: number, y: number) => number,
  o: Storage,
  i: number,
  x: Storage,
  p: number,
  aStep: number,
  y: Storage,
  q: number,
  bStep: number,
  n: number,
): void {
  const end = i + n;
  switch (op) {
    case 'add':
      for (; i < end; i++, p += aStep, q += bStep) o[i] = ops.add(x[p], y[q]);
      return;
    case 'mul':
      for (; i < end; i++, p += aStep, q += bStep) o[i] = ops.mul(x[p], y[q]);
      return;
    case 'reluBack': {
      // `x > 0 ? y : 0` as arithmetic instead of a branch. Activations are positive or negative
      // at random, so a branch mispredicts on half of them: on 200k such values this took
      // 0.71 ms with the branch and 0.36 ms without. With m = 1 or 0, y·m + (m − 1)·(−0) is
      // exactly y when m = 1 (adding −0 changes nothing, not even −0) and +0 when m = 0, for
      // every finite y. An infinite or NaN y gives NaN there, so the results are summed on the
      // way (a NaN in the sum is the sign) and such a run is redone with the scalar function.
      let check = 0;
      for (let j = i, pj = p, qj = q; j < end; j++, pj += aStep, qj += bStep) {
        const m = +(x[pj] > 0);
        const r = y[qj] * m + (m - 1) * -0;
        o[j] = r;
        check += r;
      }
      if (check !== check) for (; i < end; i++, p += aStep, q += bStep) o[i] = fn(x[p], y[q]);
      return;
    }
    default:
      for (; i < end; i++, p += aStep, q += bStep) o[i] = fn(x[p], y[q]);
  }
}

/** `o[i + j] = fn(x[p])` for `j < n`, `p` stepping by `step`; common ops inlined as in `zipRun`. */
export function mapRun(
  op: UnaryOp,
  fn: (x: number) => number,
  o: Storage,
  i: number,
  x: Storage,
  p: number,
  step: number,
  n: number,
): void {
  const end = i + n;
  switch (op) {
    case 'id':
      for (; i < end; i++, p += step) o[i] = ops.id(x[p]);
      return;
    case 'neg':
      for (; i < end; i++, p += step) o[i] = ops.neg(x[p]);
      return;
    case 'relu':
      // reluBack(x, x), which `zipRun` computes without a branch (0.52 → 0.36 ms on 200k values)
      zipRun('reluBack', reluOfFirst, o, i, x, p, step, x, p, step, n);
      return;
    default:
      for (; i < end; i++, p += step) o[i] = fn(x[p]);
  }
}

/**
 * Parallel map (Task 3.1): a plain loop for aligned data, else a `StridedCursor` walk.
 * `out` is always contiguous (backends create it).
 */
export function fastMapRange(op: UnaryOp, out: StridedArray, a: StridedArray, start: number, end: number): void {
  const fn = unaryFns[op];
  // BEGIN SOLUTION 3.1
  const o = out.storage;
  const x = a.storage;
  if (alignedWith(a, out)) {
    mapRun(op, fn, o, start, x, start, 1, end - start);
    return;
  }
  if (op === 'id') {
    copyRange(out, a, start, end); // a copy of a strided view: plane by plane
    return;
  }
  // Row by row: the innermost dim is a plain strided loop.
  const at = new StridedCursor(out.shape, a, null, start);
  for (let i = start; i < end; ) {
    const n = Math.min(end - i, at.rowLeft());
    mapRun(op, fn, o, i, x, at.a, at.aStep, n);
    i += n;
    at.advance(n);
  }
  // END SOLUTION
}

/**
 * Parallel zip (Task 3.1): plain loops for aligned inputs and a single-element operand, else
 * a `StridedCursor` walk over both, row by row.
 */
export function fastZipRange(
  op: BinaryOp,
  out: StridedArray,
  a: StridedArray,
  b: StridedArray,
  start: number,
  end: number,
): void {
  const fn = binaryFns[op];
  // BEGIN SOLUTION 3.1
  const o = out.storage;
  const x = a.storage;
  const y = b.storage;
  // Step 1: aligned with the output; step 0: a single value used everywhere.
  const aStep = alignedWith(a, out) ? 1 : shapeSize(a.shape) === 1 ? 0 : -1;
  const bStep = alignedWith(b, out) ? 1 : shapeSize(b.shape) === 1 ? 0 : -1;
  if (aStep >= 0 && bStep >= 0) {
    zipRun(op, fn, o, start, x, aStep * start, aStep, y, bStep * start, bStep, end - start);
    return;
  }
  // Row by row: the innermost dim is a plain strided loop.
  const at = new StridedCursor(out.shape, a, b, start);
  for (let i = start; i < end; ) {
    const n = Math.min(end - i, at.rowLeft());
    zipRun(op, fn, o, i, x, at.a, at.aStep, y, at.b, at.bStep, n);
    i += n;
    at.advance(n);
  }
  // END SOLUTION
}

/**
 * Copy `a` (any strides, broadcast to `out`'s shape) into contiguous `out`, ordinals
 * `[start, end)`, for `map('id')` (which `contiguous()` and gradient broadcasts call) on views
 * whose rows are short. Pooling's tiles are permuted views with rows of 4 elements, where
 * the row-by-row walk of `fastMapRange` spends more on the cursor than on copying; here the
 * two innermost dims (after `mergeDims`) are plain nested loops, and a cursor over the outer
 * dims moves once per such plane.
 */
export function copyRange(out: StridedArray, a: StridedArray, start: number, end: number): void {
  if (start >= end) return;
  const [shape, strides] = mergeDims(out.shape, alignedStrides(a.shape, a.strides, out.shape));
  while (shape.length < 2) {
    shape.unshift(1);
    strides.unshift(0);
  }
  const dims = shape.length;
  const [rows, cols] = [shape[dims - 2], shape[dims - 1]];
  const [rowStep, colStep] = [strides[dims - 2], strides[dims - 1]];
  const plane = rows * cols;
  const o = out.storage;
  const x = a.storage;
  const outer = { storage: x, shape: shape.slice(0, -2), strides: strides.slice(0, -2) };
  const planes = new StridedCursor(outer.shape, outer, null, Math.floor(start / plane));
  for (let i = start; i < end; planes.next()) {
    const p = Math.floor(i / plane);
    const stop = Math.min(end, (p + 1) * plane);
    const r = Math.floor((i - p * plane) / cols);
    let c = i - p * plane - r * cols; // only the first row of a range starts inside a row
    for (let row = planes.a + r * rowStep; i < stop; row += rowStep, c = 0) {
      const rowEnd = Math.min(stop, i + cols - c);
      for (let from = row + c * colStep; i < rowEnd; i++, from += colStep) o[i] = x[from];
    }
  }
}

/**
 * `fn` folded over `n` values of `x` from `p` in steps of `step`, starting from `acc`; sum and
 * max inlined as in `zipRun`.
 */
export function foldRun(
  op: ReduceOp,
  fn: (acc: number, x: number) => number,
  acc: number,
  x: Storage,
  p: number,
  step: number,
  n: number,
): number {
  switch (op) {
    case 'sum':
      for (let j = 0; j < n; j++, p += step) acc = ops.add(acc, x[p]);
      return acc;
    case 'max':
      for (let j = 0; j < n; j++, p += step) acc = ops.max(acc, x[p]);
      return acc;
    default:
      for (let j = 0; j < n; j++, p += step) acc = fn(acc, x[p]);
      return acc;
  }
}

/**
 * Parallel reduce (Task 3.1): for contiguous input, output ordinal `i` starts at
 * `outer·n·inner + i mod inner` and steps by `inner`, with no index arrays.
 */
export function fastReduceRange(op: ReduceOp, out: StridedArray, a: StridedArray, dim: number, start: number, end: number): void {
  const { fn, start: startValue } = reduceFns[op];
  // BEGIN SOLUTION 3.1
  if (!isContiguousLayout(a.shape, a.strides)) {
    reduceKernel(fn, startValue, out, a, dim, start, end);
    return;
  }
  const n = a.shape[dim];
  let inner = 1;
  for (let d = dim + 1; d < a.shape.length; d++) inner *= a.shape[d];
  const o = out.storage;
  const x = a.storage;
  for (let i = start; i < end; i++) {
    const outer = Math.floor(i / inner);
    o[i] = foldRun(op, fn, startValue, x, outer * n * inner + (i - outer * inner), inner, n);
  }
  // END SOLUTION
}

/**
 * Fused batched matmul over output *rows* `[start, end)` (Task 3.2). Rows are numbered over
 * all batches (`batch·n + i`). `out` is contiguous (its rows are zeroed first, as the loop
 * accumulates into them), and `b`'s rows are contiguous (its last stride is 1), so the inner
 * loop is a contiguous multiply-add. The k loop is split into blocks so a block of `b` stays
 * in cache while every row uses it.
 */
export function matmulRange(out: StridedArray, a: StridedArray, b: StridedArray, start: number, end: number): void {
  const outDims = out.shape.length;
  const n = out.shape[outDims - 2];
  const p = out.shape[outDims - 1];
  const m = a.shape[a.shape.length - 1];
  const outBatch = Array.from(out.shape).slice(0, -2);
  const index = new Array<number>(outBatch.length).fill(0);
  const aRow = a.strides[a.shape.length - 2];
  const aCol = a.strides[a.shape.length - 1];
  const bRow = b.strides[b.shape.length - 2];
  const o = out.storage;
  const x = a.storage;
  const y = b.storage;
  const kBlock = Math.max(1, Math.floor(MATMUL_BLOCK_BYTES / (8 * Math.max(1, p))));
  o.fill(0, start * p, end * p);
  // BEGIN SOLUTION 3.2
  for (let k0 = 0; k0 < m; k0 += kBlock) {
    const k1 = Math.min(m, k0 + kBlock);
    let batch = -1;
    let aBase = 0;
    let bBase = 0;
    for (let r = start; r < end; r++) {
      const rowBatch = Math.floor(r / n);
      if (rowBatch !== batch) {
        batch = rowBatch;
        aBase = batchOffset(batch, outBatch, a, index);
        bBase = batchOffset(batch, outBatch, b, index);
      }
      const i = r - batch * n;
      const oStart = r * p;
      const aStart = aBase + i * aRow;
      let k = k0;
      // Four k steps per pass over the output row: a quarter of the loads and stores of out.
      for (; k + 3 < k1; k += 4) {
        const a0 = x[aStart + k * aCol];
        const a1 = x[aStart + (k + 1) * aCol];
        const a2 = x[aStart + (k + 2) * aCol];
        const a3 = x[aStart + (k + 3) * aCol];
        const b0 = bBase + k * bRow;
        const b1 = b0 + bRow;
        const b2 = b1 + bRow;
        const b3 = b2 + bRow;
        for (let j = 0; j < p; j++) {
          o[oStart + j] += a0 * y[b0 + j] + a1 * y[b1 + j] + a2 * y[b2 + j] + a3 * y[b3 + j];
        }
      }
      for (; k < k1; k++) {
        const aik = x[aStart + k * aCol];
        const bStart = bBase + k * bRow;
        for (let j = 0; j < p; j++) o[oStart + j] += aik * y[bStart + j];
      }
    }
  }
  // END SOLUTION
}

// Kernels the workers can run, by name (see the top of this file).
registerRangeKernel('map', __filename, 'fastMapRange');
registerRangeKernel('zip', __filename, 'fastZipRange');
registerRangeKernel('reduce', __filename, 'fastReduceRange');
registerRangeKernel('matmul', __filename, 'matmulRange');
registerRangeKernel('matmulSimd', require.resolve('./simd'), 'simdMatmulRange');
registerRangeKernel('conv1d', require.resolve('../../convOps'), 'conv1dKernel');
registerRangeKernel('conv2d', require.resolve('../../convOps'), 'conv2dKernel');
registerRangeKernel('conv2dSimd', require.resolve('./simd'), 'simdConv2dRange');

// ---- The backend ----

/** Options for a `FastBackend`. */
export interface FastBackendOptions {
  /**
   * Threads that share a large call, the calling thread included (default
   * `os.availableParallelism()`): 1 means "never leave this thread", 2 means one helper.
   */
  workers?: number;
  /** Work below which a call stays on the calling thread (default `PARALLEL_THRESHOLD`). */
  parallelThreshold?: number;
  /**
   * Use the SIMD WebAssembly kernel (`simdMatmul`) for large matmuls (default true when its
   * compiled file is present). False always runs the TypeScript kernel of Task 3.2.
   */
  simd?: boolean;
}

/** A pool of chunks that small results are carved from (see `hostStorage`). */
interface ChunkPool {
  /** Largest result (elements) served from this pool. */
  readonly largest: number;
  /** Elements per chunk. */
  readonly chunkSize: number;
  chunk: Float64Array;
  used: number;
}

/**
 * Two size classes. A chunk lives while any of its results does, so one long-lived result (a
 * loss or an accuracy kept per epoch) keeps its whole chunk alive: scalars and other tiny
 * results come from 4 KB chunks, so keeping one per epoch costs 4 KB, not a big chunk.
 * Results up to 2048 elements (16 KB) come from 256 KB chunks; measured on the training
 * demo's epoch, serving up to 2048 rather than 512 elements this way took it from 0.74 to
 * 0.69 ms.
 */
const POOLS: ChunkPool[] = [
  { largest: 16, chunkSize: 512, chunk: new Float64Array(0), used: 0 },
  { largest: 2048, chunkSize: 32768, chunk: new Float64Array(0), used: 0 },
];

/**
 * Zero-filled plain memory for a result of `size` elements. Each `new Float64Array` is its own
 * allocation that the garbage collector tracks and frees one by one (~0.3 µs, plus GC time),
 * and a training step on small tensors makes hundreds of small results. Small ones are
 * therefore views into a shared chunk; the chunk is freed when none of its views is left.
 * Chunks are never reused, so every view starts zero-filled, like a new array.
 */
function hostStorage(size: number): Float64Array {
  const pool = size <= POOLS[0].largest ? POOLS[0] : size <= POOLS[1].largest ? POOLS[1] : null;
  if (pool === null) return new Float64Array(size);
  if (pool.used + size > pool.chunk.length) {
    pool.chunk = new Float64Array(pool.chunkSize);
    pool.used = 0;
  }
  pool.used += size;
  return pool.chunk.subarray(pool.used - size, pool.used);
}

/** A plain, structured-clone-safe view of a tensor's data for a kernel argument. */
export function stridedArgs(t: TensorData): StridedArray {
  return { storage: t.storage, shape: t.shape, strides: t.strides };
}

/** A copy of `t` whose storage is a SharedArrayBuffer (same shape and strides). */
function toShared(t: TensorData): TensorData {
  const shared = new Float64Array(new SharedArrayBuffer(t.storage.length * 8));
  shared.set(t.storage);
  return new TensorData(shared, t.shape, t.strides);
}

/** True when workers can see `t`'s storage. */
function isShared(t: TensorData): boolean {
  return t.storage.buffer instanceof SharedArrayBuffer;
}

/** A range kernel callable on the calling thread: `fn(...args, start, end)`. */
type LocalKernel = (...args: never[]) => void;

/**
 * The parallel CPU backend. Large jobs are split across a lazily started worker pool, small
 * ones run here (the threshold is `PARALLEL_THRESHOLD`); results computed here are plain
 * memory, which the allocator reuses (see `compute`).
 */
export class FastBackend implements TensorBackend {
  readonly name: string = 'fast';
  /** Work below which calls stay on the calling thread. */
  readonly parallelThreshold: number;
  /** Whether large matmuls use the SIMD WebAssembly kernel. */
  readonly simd: boolean;
  /** Threads that compute a large call, the calling thread included. */
  readonly threads: number;
  /** The helper threads (started on the first large call; unused with one thread). */
  readonly pool: WorkerPool;
  /**
   * Shared memory reused by every parallel call (see `compute`): slot 0 holds the output the
   * workers write, slots 1… copies of inputs that are not shared yet. Each grows to the
   * largest size it has seen; calls are synchronous, so one call never sees another's data.
   */
  private readonly scratch: Float64Array[] = [];
  private readonly local = new Map<string, LocalKernel>([
    ['map', fastMapRange],
    ['zip', fastZipRange],
    ['reduce', fastReduceRange],
    ['matmul', matmulRange],
    ['matmulSimd', simdMatmulRange],
    ['conv1d', conv1dKernel],
    ['conv2d', conv2dKernel],
    ['conv2dSimd', simdConv2dRange],
  ]);

  constructor(options: FastBackendOptions = {}) {
    const workers = options.workers ?? platform.cpuCount();
    if (!Number.isInteger(workers) || workers < 1) {
      throw new RangeError(`FastBackend: workers must be a positive integer, got ${workers}`);
    }
    this.threads = workers;
    // The calling thread works too, so `workers` threads need `workers − 1` helpers.
    this.pool = new WorkerPool(Math.max(1, workers - 1));
    this.parallelThreshold = options.parallelThreshold ?? PARALLEL_THRESHOLD;
    this.simd = (options.simd ?? true) && simdAvailable();
  }

  /**
   * Run range kernel `name` over `[0, total)`: here when `work` is small or there is one
   * worker, else in parallel chunks. `TensorData` arguments are converted to shared
   * `StridedArray`s; other arguments must be structured-clone safe.
   */
  runKernel(name: string, args: unknown[], total: number, work: number = total, local?: LocalKernel): void {
    if (total === 0) return;
    const fn = (local ?? this.local.get(name)) as ((...a: unknown[]) => void) | undefined;
    if (fn !== undefined && this.runsHere(work)) {
      // A plain loop, not args.map(...) and a spread: this runs for every small op of a step.
      const call = args.slice();
      for (let i = 0; i < call.length; i++) if (call[i] instanceof TensorData) call[i] = stridedArgs(call[i] as TensorData);
      call.push(0, total);
      fn.apply(null, call);
      return;
    }
    this.runParallel(name, args, args, total, fn);
  }

  /**
   * Run range kernel `name` over `[0, total)` in parallel chunks: the workers with `args`
   * (`TensorData` in plain memory copied into scratch slots first), the calling thread, when
   * the kernel has a local twin `fn`, the chunks it claims with `hereArgs`, which may be
   * plain memory, as it can read and write that in place. Returns the ranges the calling
   * thread computed (none without a twin): the workers computed the rest.
   */
  private runParallel(name: string, args: unknown[], hereArgs: unknown[], total: number, fn?: (...a: unknown[]) => void): Array<[number, number]> {
    let slot = 1;
    const shared = args.map((x) => (x instanceof TensorData ? stridedArgs(isShared(x) ? x : this.sharedCopy(x, slot++)) : x));
    if (fn === undefined) return this.pool.run(name, shared, total);
    const local = hereArgs.map((x) => (x instanceof TensorData ? stridedArgs(x) : x));
    // The calling thread computes chunks too instead of idling.
    return this.pool.run(name, shared, total, (start: number, end: number) => fn(...local, start, end));
  }

  /** The first `size` entries of scratch slot `slot`, grown (fresh shared memory) when too small. */
  private sharedScratch(slot: number, size: number): Float64Array {
    if ((this.scratch[slot]?.length ?? -1) < size) this.scratch[slot] = new Float64Array(new SharedArrayBuffer(size * 8));
    return this.scratch[slot].subarray(0, size);
  }

  /** `t` copied into scratch slot `slot` (same shape and strides), for the workers to read. */
  private sharedCopy(t: TensorData, slot: number): TensorData {
    const storage = this.sharedScratch(slot, t.storage.length);
    storage.set(t.storage);
    return new TensorData(storage, t.shape, t.strides);
  }

  /** True when a call with this much work runs on the calling thread (see `runKernel`). */
  private runsHere(work: number): boolean {
    return this.threads === 1 || work < this.parallelThreshold;
  }

  /**
   * Run built-in kernel `name` into a new contiguous tensor of `shape`, passed as argument
   * `outIndex`. The result is plain memory: a `SharedArrayBuffer` costs several times more to
   * allocate and is always fresh pages, each first-touched by a page fault, while plain
   * buffers are reused by the allocator. A call that goes to the workers, who can only write
   * shared memory, fill this backend's reused shared scratch, copied into the result after;
   * the calling thread writes its own chunks into the result directly, from the inputs as they
   * are (every kernel's ordinal covers the same number of output entries, `size / total`).
   */
  private compute(name: string, shape: Shape, args: unknown[], outIndex: number, total: number, work: number): TensorData {
    const size = shapeSize(shape);
    const out = new TensorData(hostStorage(size), shape);
    args[outIndex] = out;
    if (this.runsHere(work) || total === 0) {
      this.runKernel(name, args, total, work);
      return out;
    }
    const shared = this.sharedScratch(0, size);
    const workerArgs = args.slice();
    workerArgs[outIndex] = new TensorData(shared, shape);
    const fn = this.local.get(name) as ((...a: unknown[]) => void) | undefined;
    const perOrdinal = size / total;
    // Copy what the workers wrote: everything between the calling thread's ranges.
    let from = 0;
    for (const [start, end] of [...this.runParallel(name, workerArgs, args, total, fn), [total, total]]) {
      if (start > from) out.storage.set(shared.subarray(from * perOrdinal, start * perOrdinal), from * perOrdinal);
      from = end;
    }
    return out;
  }

  /**
   * Work of an elementwise call for `runKernel`'s choice: its size for an op whose scalar
   * function is expensive (`COMPUTE_BOUND`), else 0, so it stays on the calling thread.
   */
  private elementwiseWork(op: UnaryOp | BinaryOp, size: number): number {
    return COMPUTE_BOUND.has(op) ? size : 0;
  }



  /**
   * An optimizer update fused into one loop (fusion again, as in Task 3.2's matmul): one pass
   * and one new array per output, where the op-by-op update makes a pass and an array per op
   * (Adam: about 15). It computes exactly what those ops compute, in the same order, so the
   * result is the same to the last bit. Fuses when every operand is contiguous with the
   * parameter's shape (gradients come back in their parameter's layout, see `matmul`'s
   * backward); otherwise returns undefined and the optimizer runs its ops.
   */
  fusedStep(step: FusedStep): TensorData[] | undefined {
    const { param, grad } = step;
    const state = step.rule === 'sgd' ? [step.velocity] : [step.m, step.v];
    for (const t of [grad, ...state]) {
      if (t !== null && !(sameShape(t.shape, param.shape) && t.isContiguous())) return undefined;
    }
    if (!param.isContiguous()) return undefined;
    const n = param.size;
    const [p, g] = [param.storage, grad.storage];
    const newP = hostStorage(n);
    if (step.rule === 'sgd') {
      const { lr, momentum, velocity } = step;
      if (momentum === 0 || velocity === null) {
        // p + (−lr)·g; the first momentum step's velocity is g itself.
        for (let i = 0; i < n; i++) newP[i] = p[i] + g[i] * -lr;
        return [new TensorData(newP, param.shape), grad];
      }
      const v = velocity.storage;
      const newV = hostStorage(n);
      for (let i = 0; i < n; i++) {
        const d = v[i] * momentum + g[i];
        newV[i] = d;
        newP[i] = p[i] + d * -lr;
      }
      return [new TensorData(newP, param.shape), new TensorData(newV, param.shape)];
    }
    const { lr, beta1, beta2, eps, c1, c2 } = step;
    const [m0, v0] = [step.m?.storage, step.v?.storage];
    const [newM, newV] = [hostStorage(n), hostStorage(n)];
    const [inv1, inv2] = [ops.inv(c1), ops.inv(c2)];
    for (let i = 0; i < n; i++) {
      const gi = g[i];
      const m = m0 === undefined ? gi * (1 - beta1) : m0[i] * beta1 + gi * (1 - beta1);
      const v = v0 === undefined ? gi * gi * (1 - beta2) : v0[i] * beta2 + gi * gi * (1 - beta2);
      const denom = ops.sqrt(v * inv2) + eps;
      newM[i] = m;
      newV[i] = v;
      newP[i] = p[i] + -(m * inv1 * lr * ops.inv(denom));
    }
    return [new TensorData(newP, param.shape), new TensorData(newM, param.shape), new TensorData(newV, param.shape)];
  }

  /** Register a local twin for a kernel another module registered with the pool. */
  addKernel(name: string, fn: LocalKernel): void {
    this.local.set(name, fn);
  }

  zeros(shape: Shape): TensorData {
    return new TensorData(new Float64Array(new SharedArrayBuffer(shapeSize(shape) * 8)), shape);
  }

  /**
   * Data large enough for the workers goes to shared memory once, here; smaller data stays
   * plain (a `SharedArrayBuffer` is costly to allocate, and the scalars a training step lifts
   * into tensors are many).
   */
  upload(host: TensorData): TensorData {
    // Size first: reading `.buffer` of a small array makes V8 allocate a backing store for it.
    return this.runsHere(host.size) || isShared(host) ? host : toShared(host);
  }

  map(op: UnaryOp, a: TensorData, outShape?: Shape): TensorData {
    if (!(op in unaryFns)) throw new Error(`map: unknown op "${op}"`);
    const shape = outShape ?? a.shape;
    if (outShape !== undefined && !sameShape(shapeBroadcast(a.shape, outShape), outShape)) {
      throw new IndexingError(`cannot broadcast shape ${formatShape(a.shape)} to ${formatShape(outShape)}`);
    }
    return this.compute('map', shape, [op, null, a], 1, shapeSize(shape), this.elementwiseWork(op, shapeSize(shape)));
  }

  zip(op: BinaryOp, a: TensorData, b: TensorData): TensorData {
    if (!(op in binaryFns)) throw new Error(`zip: unknown op "${op}"`);
    const shape = shapeBroadcast(a.shape, b.shape);
    return this.compute('zip', shape, [op, null, a, b], 1, shapeSize(shape), this.elementwiseWork(op, shapeSize(shape)));
  }

  reduce(op: ReduceOp, a: TensorData, dim: number): TensorData {
    if (!(op in reduceFns)) throw new Error(`reduce: unknown op "${op}"`);
    const d = normalizeDim(dim, a.shape);
    const shape = reducedShape(a.shape, d);
    // Summing is as cheap per element as `add`: the workers only pay when they can read the
    // input where it is (shared memory), not after a copy of all of it.
    return this.compute('reduce', shape, [op, null, a, d], 1, shapeSize(shape), isShared(a) ? a.size : 0);
  }

  matmul(a: TensorData, b: TensorData): TensorData {
    const outShape = matmulShape(a.shape, b.shape);
    // The fused kernel walks rows of b contiguously; a transposed b (as in backward) is
    // copied once, m·p work against the n·m·p of the product.
    // (The SIMD kernel gathers b into its own memory anyway, so it reads any layout.)
    const p = outShape[outShape.length - 1];
    const totalRows = shapeSize(outShape.slice(0, -1));
    const multiplyAdds = totalRows * a.shape[a.dims - 1] * p;
    const simd = this.simd && multiplyAdds >= SIMD_MIN_MULTIPLY_ADDS;
    const rows = simd || b.strides[b.dims - 1] === 1 || b.shape[b.dims - 1] === 1 ? b : this.map('id', b);
    const work = multiplyAdds / (MULTIPLY_ADDS_PER_OP * (simd ? SIMD_SPEEDUP : 1));
    return this.compute(simd ? 'matmulSimd' : 'matmul', outShape, [null, a, rows], 0, totalRows, work);
  }

  conv1d(input: TensorData, weight: TensorData, outShape: Shape, reverse: boolean): TensorData {
    const multiplyAdds = (shapeSize(outShape) * weight.size) / Math.max(1, weight.shape[0]);
    if (this.simd && multiplyAdds >= SIMD_MIN_MULTIPLY_ADDS) {
      // A 1-D convolution is a 2-D one of height 1: run it through the SIMD convolution.
      const [batch, channels, width] = outShape;
      const out = this.convSimd([batch, channels, 1, width], withUnitHeight(input), withUnitHeight(weight), reverse, multiplyAdds);
      return new TensorData(out.storage, outShape);
    }
    const work = multiplyAdds / MULTIPLY_ADDS_PER_OP;
    return this.compute('conv1d', outShape, [null, input, weight, reverse], 0, shapeSize(outShape), work);
  }

  conv2d(input: TensorData, weight: TensorData, outShape: Shape, reverse: boolean): TensorData {
    const multiplyAdds = (shapeSize(outShape) * weight.size) / Math.max(1, weight.shape[0]);
    if (this.simd && multiplyAdds >= SIMD_MIN_MULTIPLY_ADDS) return this.convSimd(outShape, input, weight, reverse, multiplyAdds);
    const work = multiplyAdds / MULTIPLY_ADDS_PER_OP;
    return this.compute('conv2d', outShape, [null, input, weight, reverse], 0, shapeSize(outShape), work);
  }

  /**
   * A large convolution by the SIMD direct convolution (`simdConv2dRange`), split over
   * (batch entry, output channel) planes. Input, weight and `outShape` are 4-D.
   */
  private convSimd(outShape: Shape, input: TensorData, weight: TensorData, reverse: boolean, multiplyAdds: number): TensorData {
    const work = multiplyAdds / (MULTIPLY_ADDS_PER_OP * SIMD_SPEEDUP);
    return this.compute('conv2dSimd', outShape, [null, input, weight, reverse], 0, outShape[0] * outShape[1], work);
  }
}

/** A 3-D [batch, channels, width] tensor seen as 4-D [batch, channels, 1, width] (same storage). */
function withUnitHeight(t: TensorData): TensorData {
  const [s0, s1, s2] = t.strides;
  return new TensorData(t.storage, [t.shape[0], t.shape[1], 1, t.shape[2]], [s0, s1, 0, s2]);
}

registerBackend('fast', () => new FastBackend());

/** The backend training loops use when none is given: the fast one, as in MiniTorch. */
export const TRAINING_BACKEND: BackendName = 'fast';

let trainingChoice: BackendName | undefined;

/**
 * `TRAINING_BACKEND`, unless its kernels are still unwritten (a starter repository before
 * Tasks 3.1–3.2): then `"simple"`, so Module 2's training works before Module 3 is done.
 * Decided once per process by a tiny probe on the calling thread.
 */
export function trainingBackend(): BackendName {
  if (trainingChoice === undefined) {
    try {
      const probe = new FastBackend({ workers: 1 });
      const x = probe.upload(new TensorData(new Float64Array([1, 2, 3, 4]), [2, 2]));
      probe.reduce('sum', probe.zip('add', probe.map('neg', x), probe.matmul(x, x)), 0);
      trainingChoice = TRAINING_BACKEND;
    } catch (e) {
      if (!(e instanceof NotImplementedError)) throw e;
      trainingChoice = 'simple';
    }
  }
  return trainingChoice;
}
