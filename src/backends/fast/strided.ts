/**
 * Module 3 — strided iteration for the fast backend's kernels (`kernels.ts`): the helpers
 * Tasks 3.1–3.2 call, so that the kernels themselves read as the idea they teach.
 *
 * - `alignedWith`: is an input laid out exactly like the contiguous output (the fast path)?
 * - `StridedCursor`: storage positions of permuted or broadcast inputs kept in step with the
 *   output ordinal, row by row, like an odometer (`mergeDims` makes rows as long as it can).
 * - `mapRun`, `zipRun`, `foldRun`: the inner loops over one row. The common ops of a training
 *   step are written out in them, so the JIT inlines their scalar functions.
 * - `copyRange`: `map('id')` of a view (a copy), plane by plane.
 *
 * @packageDocumentation
 */
import * as ops from '../../operators';
import { Storage, alignedStrides, isContiguousLayout, sameShape, toIndex } from '../../tensorData';
import type { BinaryOp, ReduceOp, StridedArray, UnaryOp } from '../../tensorOps';

export { isContiguousLayout };

/** True when `x` is laid out exactly like the contiguous output: ordinal = position. */
export function alignedWith(x: StridedArray, out: StridedArray): boolean {
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
      // at random, so a branch mispredicts on half of them. With m = 1 or 0, y·m + (m − 1)·(−0) is
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
      // reluBack(x, x), which `zipRun` computes without a branch (see there why)
      zipRun('reluBack', reluOfFirst, o, i, x, p, step, x, p, step, n);
      return;
    default:
      for (; i < end; i++, p += step) o[i] = fn(x[p]);
  }
}

/**
 * Copy `a` (any strides, broadcast to `out`'s shape) into contiguous `out`, ordinals
 * `[start, end)`, for `map('id')` (which `contiguous()` and gradient broadcasts call) on views
 * whose rows are short. Pooling's tiles are permuted views with rows of 4 elements, where
 * the row-by-row walk of `fastMapRange` spends more on the cursor than on copying; here the
 * three innermost dims (after `mergeDims`) are plain nested loops, and a cursor over the
 * outer dims moves once per such block (a 4×4 pooling tile's block is a row of 7 windows,
 * 112 values).
 */
export function copyRange(out: StridedArray, a: StridedArray, start: number, end: number): void {
  if (start >= end) return;
  const [shape, strides] = mergeDims(out.shape, alignedStrides(a.shape, a.strides, out.shape));
  while (shape.length < 3) {
    shape.unshift(1);
    strides.unshift(0);
  }
  const dims = shape.length;
  const [n0, n1, n2] = shape.slice(dims - 3);
  const [s0, s1, s2] = strides.slice(dims - 3);
  const block = n0 * n1 * n2;
  const o = out.storage;
  const x = a.storage;
  const outer = { storage: x, shape: shape.slice(0, -3), strides: strides.slice(0, -3) };
  const blocks = new StridedCursor(outer.shape, outer, null, Math.floor(start / block));
  for (let i = start; i < end; blocks.next()) {
    const blockStart = Math.floor(i / block) * block;
    const stop = Math.min(end, blockStart + block);
    // Only a range's first block may start inside it: after that each index restarts at 0.
    let r = i - blockStart;
    let j0 = Math.floor(r / (n1 * n2));
    r -= j0 * n1 * n2;
    let j1 = Math.floor(r / n2);
    let j2 = r - j1 * n2;
    for (let p0 = blocks.a + j0 * s0; i < stop; j0++, p0 += s0, j1 = 0) {
      for (let p1 = p0 + j1 * s1; j1 < n1 && i < stop; j1++, p1 += s1, j2 = 0) {
        const rowEnd = Math.min(stop, i + n2 - j2);
        for (let p2 = p1 + j2 * s2; i < rowEnd; i++, p2 += s2) o[i] = x[p2];
      }
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
    case 'sum': {
      // Four running sums, not one: each add waits for the one before it in its own chain
      // (several cycles), so one chain runs at the adder's latency and four at its throughput.
      let acc1 = 0;
      let acc2 = 0;
      let acc3 = 0;
      let j = 0;
      for (const step4 = 4 * step; j + 3 < n; j += 4, p += step4) {
        acc = ops.add(acc, x[p]);
        acc1 = ops.add(acc1, x[p + step]);
        acc2 = ops.add(acc2, x[p + 2 * step]);
        acc3 = ops.add(acc3, x[p + 3 * step]);
      }
      for (; j < n; j++, p += step) acc = ops.add(acc, x[p]);
      return ops.add(ops.add(acc, acc1), ops.add(acc2, acc3));
    }
    case 'max':
      // maxWithNaN inlined: a NaN anywhere makes the maximum NaN.
      for (let j = 0; j < n; j++, p += step) {
        const v = x[p];
        acc = acc > v || acc !== acc ? acc : v;
      }
      return acc;
    default:
      for (let j = 0; j < n; j++, p += step) acc = fn(acc, x[p]);
      return acc;
  }
}
