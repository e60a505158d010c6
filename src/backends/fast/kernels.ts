/**
 * Module 3 — the fast backend's kernels (Tasks 3.1 and 3.2): the same map, zip, reduce and
 * matmul as Module 2's Simple backend, many times faster, by three ideas MiniTorch teaches
 * with numba:
 *
 * 1. **Parallelism** (Task 3.1): each kernel fills only the output ordinals `[start, end)`.
 *    The backend (`backend.ts`) cuts a large output into such ranges and runs them on worker
 *    threads at once (numba's `prange`); you write the loop over one range.
 * 2. **Fast paths** (Task 3.1): when an input is contiguous and has the output's shape, the
 *    ordinal *is* the storage position: no index arithmetic per element.
 * 3. **Fusion** (Task 3.2): matmul multiplies and sums in one loop, never materialising the
 *    `[..., n, m, p]` broadcast product that Simple builds, in i-k-j order so the innermost
 *    loop walks both `b` and `out` contiguously.
 *
 * Every kernel has one shape: `kernel(out, ...inputs, ...settings, start, end)`. `out` is
 * always a new contiguous array; inputs may be any view (permuted, broadcast). Arguments are
 * plain data (`StridedArray`s, op names, numbers), because a worker thread receives a copy
 * of them, never a closure.
 *
 * The helpers you call live in `strided.ts`: `alignedWith` (the fast-path test), `mapRun`,
 * `zipRun`, `foldRun` (the loop over one row, with the common ops written out so the JIT
 * inlines them), `StridedCursor` (storage positions of a view, row by row) and `copyRange`.
 *
 * @packageDocumentation
 */
import { shapeSize } from '../../tensorData';
import {
  BinaryOp,
  ReduceOp,
  StridedArray,
  UnaryOp,
  binaryFns,
  reduceFns,
  reduceKernel,
  unaryFns,
} from '../../tensorOps';
import { batchOffset } from './simd';
import { StridedCursor, alignedWith, copyRange, foldRun, isContiguousLayout, mapRun, zipRun } from './strided';
import { MATMUL_BLOCK_BYTES } from './tuning';

/**
 * Parallel map (Task 3.1): a plain loop for aligned data, else a `StridedCursor` walk.
 * `out` is always contiguous (backends create it).
 */
export function fastMapRange(out: StridedArray, a: StridedArray, op: UnaryOp, start: number, end: number): void {
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
  for (let i = start; i < end;) {
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
  out: StridedArray,
  a: StridedArray,
  b: StridedArray,
  op: BinaryOp,
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
  for (let i = start; i < end;) {
    const n = Math.min(end - i, at.rowLeft());
    zipRun(op, fn, o, i, x, at.a, at.aStep, y, at.b, at.bStep, n);
    i += n;
    at.advance(n);
  }
  // END SOLUTION
}

/**
 * Parallel reduce (Task 3.1): for contiguous input, output ordinal `i` starts at
 * `outer·n·inner + i mod inner` and steps by `inner`, with no index arrays.
 */
export function fastReduceRange(
  out: StridedArray,
  a: StridedArray,
  op: ReduceOp,
  dim: number,
  start: number,
  end: number,
): void {
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
