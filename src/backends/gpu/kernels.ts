/**
 * Module 3 — WGSL compute shaders for the GPU backend (Tasks 3.3 and 3.4).
 *
 * MiniTorch writes these with numba-CUDA; here they are WGSL, WebGPU's shading language.
 * The vocabulary maps one to one: a CUDA *block* is a WebGPU *workgroup*, a *thread* is an
 * *invocation*, `cuda.shared.array` is `var<workgroup>`, `cuda.syncthreads()` is
 * `workgroupBarrier()`, and `blockIdx`/`threadIdx` are `workgroup_id`/`local_invocation_id`.
 *
 * Each function returns shader source. Shapes and strides travel in a small read-only
 * `info` buffer of u32 (the layout is written next to each kernel), so one compiled
 * pipeline serves every shape of the same rank.
 *
 * Numbers are f32 on the device: WGSL has no f64 for storage buffers on most hardware.
 *
 * @packageDocumentation
 */
import type { BinaryOp, ReduceOp, UnaryOp } from '../../tensorOps';

/** Invocations per workgroup for 1-D kernels. */
export const WORKGROUP_SIZE = 64;
/** Side of the square tiles the matmul stages in workgroup memory. */
export const TILE = 16;
/** Largest workgroup count per dispatch dimension WebGPU guarantees. */
export const MAX_GROUPS = 65535;

/** WGSL helpers shared by every elementwise kernel (stable sigmoid, the log guard). */
const PRELUDE = /* wgsl */ `
fn sigmoid_(x: f32) -> f32 {
  if (x >= 0.0) { return 1.0 / (1.0 + exp(-x)); }
  let e = exp(x);
  return e / (1.0 + e);
}
fn log_(x: f32) -> f32 { return log(x + 1e-6); }
// PyTorch's pow: WGSL's pow is undefined for x <= 0, so the sign and the zero cases are explicit.
// WGSL refuses an infinite or NaN constant, so those are computed (1/0, 0/0 of runtime values).
fn pow_(x: f32, y: f32) -> f32 {
  if (y == 0.0) { return 1.0; }
  if (x == 0.0) { return select(1.0 / abs(x), 0.0, y > 0.0); }
  let m = pow(abs(x), y);
  if (x > 0.0) { return m; }
  if (floor(y) != y) { let z = x - x; return z / z; }
  return select(m, -m, floor(y * 0.5) * 2.0 != y);
}
`;

/** Each unary op as a WGSL expression of `x`. */
const UNARY_WGSL: Record<UnaryOp, string> = {
  id: 'x',
  neg: '-x',
  sigmoid: 'sigmoid_(x)',
  relu: 'select(0.0, x, x > 0.0)',
  log: 'log_(x)',
  exp: 'exp(x)',
  inv: '1.0 / x',
  sqrt: 'sqrt(x)',
  sin: 'sin(x)',
  cos: 'cos(x)',
};

/** Each binary op as a WGSL expression of `x` and `y`. */
const BINARY_WGSL: Record<BinaryOp, string> = {
  add: 'x + y',
  mul: 'x * y',
  div: 'x / y',
  pow: 'pow_(x, y)',
  lt: 'select(0.0, 1.0, x < y)',
  eq: 'select(0.0, 1.0, x == y)',
  isClose: 'select(0.0, 1.0, abs(x - y) < 1e-2)',
  max: `select(max(x, y), x + y, ${isNan('x')} || ${isNan('y')})`,
  logBack: 'y / (x + 1e-6)',
  invBack: '-y / (x * x)',
  reluBack: 'select(0.0, y, x > 0.0)',
  sigmoidBack: 'sigmoid_(x) * (1.0 - sigmoid_(x)) * y',
};

/** WGSL that is true when the f32 `v` is NaN, tested on its bits. */
function isNan(v: string): string {
  return `((bitcast<u32>(${v}) & 0x7fffffffu) > 0x7f800000u)`;
}

/** Each reduction: its combining expression of `acc` and `x`, and its start value. */
const REDUCE_WGSL: Record<ReduceOp, { combine: string; start: string }> = {
  sum: { combine: 'acc + x', start: '0.0' },
  // The most negative finite f32, spelled exactly: WGSL rejects a decimal literal that rounds past it.
  // NaN wins, as in PyTorch (WGSL's max() may return either operand for a NaN, so the bits
  // are tested: a fast-math compiler may fold x != x away). The start is -Infinity, read
  // through `info` only because WGSL refuses an infinite constant.
  max: {
    combine: `select(max(acc, x), acc + x, ${isNan('acc')} || ${isNan('x')})`,
    start: 'bitcast<f32>(0xff800000u | (info[0] & 0u))',
  },
  prod: { combine: 'acc * x', start: '1.0' },
};

/** The flat invocation index of a 1-D kernel dispatched as a 2-D grid of workgroups. */
const GLOBAL_INDEX = `let i = gid.x + gid.y * (${MAX_GROUPS}u * ${WORKGROUP_SIZE}u);`;

/**
 * Strided, broadcasting map (Task 3.3). One invocation per output element: the output is
 * contiguous, and the input is read through strides already aligned to the output's dims
 * (0 along broadcast dims). info = [size, dims, shape…, inStrides…].
 */
export function mapShader(op: UnaryOp): string {
  // BEGIN SOLUTION 3.3
  return /* wgsl */ `${PRELUDE}
@group(0) @binding(0) var<storage, read> a: array<f32>;
@group(0) @binding(1) var<storage, read_write> out: array<f32>;
@group(0) @binding(2) var<storage, read> info: array<u32>;
fn f(x: f32) -> f32 { return ${UNARY_WGSL[op]}; }
@compute @workgroup_size(${WORKGROUP_SIZE})
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  ${GLOBAL_INDEX}
  let size = info[0];
  let dims = info[1];
  if (i >= size) { return; }
  var rest = i;
  var pos = 0u;
  for (var d = i32(dims) - 1; d >= 0; d = d - 1) {
    let n = info[2u + u32(d)];
    pos = pos + (rest % n) * info[2u + dims + u32(d)];
    rest = rest / n;
  }
  out[i] = f(a[pos]);
}`;
  // END SOLUTION
}

/**
 * Strided, broadcasting zip (Task 3.3). info = [size, dims, shape…, aStrides…, bStrides…],
 * strides aligned to the output's dims.
 */
export function zipShader(op: BinaryOp): string {
  // BEGIN SOLUTION 3.3
  return /* wgsl */ `${PRELUDE}
@group(0) @binding(0) var<storage, read> a: array<f32>;
@group(0) @binding(1) var<storage, read> b: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;
@group(0) @binding(3) var<storage, read> info: array<u32>;
fn f(x: f32, y: f32) -> f32 { return ${BINARY_WGSL[op]}; }
@compute @workgroup_size(${WORKGROUP_SIZE})
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  ${GLOBAL_INDEX}
  let size = info[0];
  let dims = info[1];
  if (i >= size) { return; }
  var rest = i;
  var pa = 0u;
  var pb = 0u;
  for (var d = i32(dims) - 1; d >= 0; d = d - 1) {
    let n = info[2u + u32(d)];
    let k = rest % n;
    pa = pa + k * info[2u + dims + u32(d)];
    pb = pb + k * info[2u + 2u * dims + u32(d)];
    rest = rest / n;
  }
  out[i] = f(a[pa], b[pb]);
}`;
  // END SOLUTION
}

/**
 * Reduce along one dim with workgroup (shared) memory (Task 3.3). One workgroup per output
 * element: each invocation folds a strided slice of the reduced dim, then the workgroup
 * combines its partial results in a tree, halving the active invocations each step.
 * info = [outSize, dims, reduceSize, reduceStride, outShape…, aStrides…].
 */
export function reduceShader(op: ReduceOp): string {
  const { combine, start } = REDUCE_WGSL[op];
  // BEGIN SOLUTION 3.3
  return /* wgsl */ `
@group(0) @binding(0) var<storage, read> a: array<f32>;
@group(0) @binding(1) var<storage, read_write> out: array<f32>;
@group(0) @binding(2) var<storage, read> info: array<u32>;
var<workgroup> partial: array<f32, ${WORKGROUP_SIZE}>;
fn combine(acc: f32, x: f32) -> f32 { return ${combine}; }
@compute @workgroup_size(${WORKGROUP_SIZE})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let o = wid.x + wid.y * ${MAX_GROUPS}u;
  let size = info[0];
  let dims = info[1];
  let n = info[2];
  let stride = info[3];
  // Every invocation reaches the barriers below, even those of a workgroup past the end.
  var base = 0u;
  var rest = o;
  for (var d = i32(dims) - 1; d >= 0; d = d - 1) {
    let s = info[4u + u32(d)];
    base = base + (rest % s) * info[4u + dims + u32(d)];
    rest = rest / s;
  }
  var acc = ${start};
  if (o < size) {
    for (var j = lid.x; j < n; j = j + ${WORKGROUP_SIZE}u) { acc = combine(acc, a[base + j * stride]); }
  }
  partial[lid.x] = acc;
  workgroupBarrier();
  for (var width = ${WORKGROUP_SIZE / 2}u; width > 0u; width = width / 2u) {
    if (lid.x < width) { partial[lid.x] = combine(partial[lid.x], partial[lid.x + width]); }
    workgroupBarrier();
  }
  if (lid.x == 0u && o < size) { out[o] = partial[0]; }
}`;
  // END SOLUTION
}

/**
 * Batched matmul with square tiles staged in workgroup memory (Task 3.4). Each workgroup
 * computes a TILE×TILE block of one batch entry's output; for each step along the shared
 * dimension it loads a tile of A and a tile of B into `var<workgroup>` memory, waits, and
 * multiplies from there, so each global value is read once per tile instead of once per
 * product. info = [n, m, p, batchDims, batchShape…, aBatchStrides…, bBatchStrides…,
 * aRowStride, aColStride, bRowStride, bColStride].
 */
export function matmulShader(): string {
  // BEGIN SOLUTION 3.4
  return /* wgsl */ `
@group(0) @binding(0) var<storage, read> a: array<f32>;
@group(0) @binding(1) var<storage, read> b: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;
@group(0) @binding(3) var<storage, read> info: array<u32>;
var<workgroup> tileA: array<array<f32, ${TILE}>, ${TILE}>;
var<workgroup> tileB: array<array<f32, ${TILE}>, ${TILE}>;
@compute @workgroup_size(${TILE}, ${TILE})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let n = info[0];
  let m = info[1];
  let p = info[2];
  let bd = info[3];
  let row = wid.y * ${TILE}u + lid.y;
  let col = wid.x * ${TILE}u + lid.x;
  // Where this batch entry's matrices start in a and b (batch dims broadcast by stride 0).
  var rest = wid.z;
  var offA = 0u;
  var offB = 0u;
  for (var d = i32(bd) - 1; d >= 0; d = d - 1) {
    let s = info[4u + u32(d)];
    let k = rest % s;
    offA = offA + k * info[4u + bd + u32(d)];
    offB = offB + k * info[4u + 2u * bd + u32(d)];
    rest = rest / s;
  }
  let tail = 4u + 3u * bd;
  let aRow = info[tail];
  let aCol = info[tail + 1u];
  let bRow = info[tail + 2u];
  let bCol = info[tail + 3u];
  var acc = 0.0;
  for (var t = 0u; t < (m + ${TILE - 1}u) / ${TILE}u; t = t + 1u) {
    let ka = t * ${TILE}u + lid.x;
    let kb = t * ${TILE}u + lid.y;
    tileA[lid.y][lid.x] = select(0.0, a[offA + row * aRow + ka * aCol], row < n && ka < m);
    tileB[lid.y][lid.x] = select(0.0, b[offB + kb * bRow + col * bCol], kb < m && col < p);
    workgroupBarrier();
    for (var k = 0u; k < ${TILE}u; k = k + 1u) { acc = acc + tileA[lid.y][k] * tileB[k][lid.x]; }
    workgroupBarrier();
  }
  if (row < n && col < p) { out[wid.z * n * p + row * p + col] = acc; }
}`;
  // END SOLUTION
}

/** Threads per block in the practice kernels (MiniTorch's THREADS_PER_BLOCK). */
export const PRACTICE_BLOCK = 16;

/**
 * Practice (MiniTorch's `_sum_practice`): each workgroup of PRACTICE_BLOCK invocations sums
 * its block of the input in shared memory; out[block] = Σ of that block. info = [size].
 */
export function sumPracticeShader(): string {
  // BEGIN SOLUTION 3.3
  return /* wgsl */ `
@group(0) @binding(0) var<storage, read> a: array<f32>;
@group(0) @binding(1) var<storage, read_write> out: array<f32>;
@group(0) @binding(2) var<storage, read> info: array<u32>;
var<workgroup> cache: array<f32, ${PRACTICE_BLOCK}>;
@compute @workgroup_size(${PRACTICE_BLOCK})
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>,
        @builtin(workgroup_id) wid: vec3<u32>) {
  cache[lid.x] = select(0.0, a[gid.x], gid.x < info[0]);
  workgroupBarrier();
  for (var stride = 1u; stride < ${PRACTICE_BLOCK}u; stride = stride * 2u) {
    if (lid.x % (2u * stride) == 0u) { cache[lid.x] = cache[lid.x] + cache[lid.x + stride]; }
    workgroupBarrier();
  }
  if (lid.x == 0u) { out[wid.x] = cache[0]; }
}`;
  // END SOLUTION
}

/**
 * Practice (MiniTorch's `_mm_practice`): one workgroup multiplies two size×size matrices
 * (size ≤ PRACTICE_BLOCK), copying both into shared memory first. info = [size].
 */
export function mmPracticeShader(): string {
  // BEGIN SOLUTION 3.4
  return /* wgsl */ `
@group(0) @binding(0) var<storage, read> a: array<f32>;
@group(0) @binding(1) var<storage, read> b: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;
@group(0) @binding(3) var<storage, read> info: array<u32>;
var<workgroup> sa: array<array<f32, ${PRACTICE_BLOCK}>, ${PRACTICE_BLOCK}>;
var<workgroup> sb: array<array<f32, ${PRACTICE_BLOCK}>, ${PRACTICE_BLOCK}>;
@compute @workgroup_size(${PRACTICE_BLOCK}, ${PRACTICE_BLOCK})
fn main(@builtin(local_invocation_id) lid: vec3<u32>) {
  let size = info[0];
  let i = lid.y;
  let j = lid.x;
  if (i < size && j < size) {
    sa[i][j] = a[i * size + j];
    sb[i][j] = b[i * size + j];
  }
  workgroupBarrier();
  if (i < size && j < size) {
    var acc = 0.0;
    for (var k = 0u; k < size; k = k + 1u) { acc = acc + sa[i][k] * sb[k][j]; }
    out[i * size + j] = acc;
  }
}`;
  // END SOLUTION
}

/**
 * 2-D convolution on the device (beyond MiniTorch, whose convolutions are CPU-only; an
 * optional exercise after Task 4.2). One invocation per output element, the WGSL twin of
 * `conv2dKernel` in `convOps.ts`: out[b, oc, y, x] = Σ w[oc, ic, ky, kx] · in[b, ic, y ± ky,
 * x ± kx], `+` anchored left, `−` (reverse, for the input gradient) anchored right, zero
 * outside the input. The output is contiguous; input and weight are read through their
 * strides, so the permuted views of the backward pass need no copy. A 1-D convolution is the
 * same kernel with height 1. info = [size, outChannels, outH, outW, inChannels, h, w, kh, kw,
 * reverse, inStrides×4, weightStrides×4].
 */
export function convShader(): string {
  // BEGIN SOLUTION 4.2
  return /* wgsl */ `
@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> w: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;
@group(0) @binding(3) var<storage, read> info: array<u32>;
// Where input row y (or column) sits for kernel offset k: y + k, or y − k when reversed.
fn tap(o: u32, k: u32, reverse: bool) -> i32 { return select(i32(o) + i32(k), i32(o) - i32(k), reverse); }
@compute @workgroup_size(${WORKGROUP_SIZE})
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  ${GLOBAL_INDEX}
  if (i >= info[0]) { return; }
  let outChannels = info[1];
  let outH = info[2];
  let outW = info[3];
  let inChannels = info[4];
  let h = i32(info[5]);
  let wd = i32(info[6]);
  let kh = info[7];
  let kw = info[8];
  let reverse = info[9] == 1u;
  let ox = i % outW;
  let oy = (i / outW) % outH;
  let oc = (i / (outW * outH)) % outChannels;
  let b = i / (outW * outH * outChannels);
  var acc = 0.0;
  for (var ic = 0u; ic < inChannels; ic = ic + 1u) {
    let xBase = b * info[10] + ic * info[11];
    let wBase = oc * info[14] + ic * info[15];
    for (var ky = 0u; ky < kh; ky = ky + 1u) {
      let y = tap(oy, ky, reverse);
      if (y < 0 || y >= h) { continue; }
      for (var kx = 0u; kx < kw; kx = kx + 1u) {
        let xx = tap(ox, kx, reverse);
        if (xx < 0 || xx >= wd) { continue; }
        acc = acc + w[wBase + ky * info[16] + kx * info[17]] * x[xBase + u32(y) * info[12] + u32(xx) * info[13]];
      }
    }
  }
  out[i] = acc;
}`;
  // END SOLUTION
}
