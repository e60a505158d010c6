/**
 * Module 3 — a SIMD WebAssembly matmul for large products (beyond Task 3.2).
 *
 * The fused TypeScript kernel (`matmulRange`) is limited by what the JIT makes of scalar
 * loops. WebAssembly's 128-bit SIMD multiplies two float64 pairs per instruction; the kernel
 * in `assembly/matmulF64.ts` (AssemblyScript, compiled at build time to `matmulF64.wasm`
 * next to this file, so installs need no native build) keeps 4×4 tiles of the output in
 * SIMD registers over packed panels of `b` (see that file), several times faster than the
 * scalar loop. WebAssembly reads only its own memory, so each thread copies its block of `a`, the
 * matrix `b` and the block of the output in and out: O(n²) copies against O(n³) work.
 *
 * The same file has a direct convolution (`simdConv2dRange`), which reads a zero-padded copy
 * of each input in place. `simdMatmulRange` and `simdConv2dRange` have the signatures of
 * `matmulRange` and `conv2dKernel`, so they are just two more entries of the kernel table
 * (`rangeKernels.ts`). When the wasm file is missing it is simply not used.
 *
 * @packageDocumentation
 */
import { platform } from '../../platform';
import { toIndex } from '../../tensorData';
import type { StridedArray } from '../../tensorOps';

/** The WebAssembly memory API used here (the project's `lib` has no WebAssembly types). */
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}

/** The few WebAssembly globals used here. */
declare const WebAssembly: {
  Memory: new (descriptor: { initial: number }) => WasmMemory;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
};

/** The compiled kernel, which the build puts beside the library (`dist/`, `build/src/`). */
const WASM_FILE = 'matmulF64.wasm';

interface SimdKernel {
  memory: WasmMemory;
  matmul: (a: number, b: number, out: number, rows: number, m: number, p: number, transposed: number) => void;
  /** Direct convolution of one padded input (see `simdConv2dRange`). */
  conv: (
    x: number,
    w: number,
    out: number,
    inC: number,
    outC: number,
    kh: number,
    kw: number,
    outH: number,
    outWp: number,
    padH: number,
    padW: number,
  ) => void;
  /** Bytes past `out` the kernel uses to pack `b` (it reads `b` in place without them). */
  scratch: number;
}

let kernel: SimdKernel | null | undefined;

/** This thread's instance of the kernel, or null when the wasm file is absent or invalid. */
function load(): SimdKernel | null {
  if (kernel !== undefined) return kernel;
  try {
    const bytes = platform.readAsset(WASM_FILE);
    if (bytes === null) return (kernel = null);
    const memory = new WebAssembly.Memory({ initial: 1 });
    const module = new WebAssembly.Module(bytes);
    const instance = new WebAssembly.Instance(module, { env: { memory, abort: () => undefined } });
    const scratch = instance.exports.SCRATCH_BYTES as { value: number } | undefined;
    kernel = {
      memory,
      matmul: instance.exports.matmul as SimdKernel['matmul'],
      conv: instance.exports.conv as SimdKernel['conv'],
      scratch: scratch?.value ?? 0,
    };
  } catch {
    kernel = null;
  }
  return kernel;
}

/** True when the compiled SIMD kernel can be used on this thread. */
export function simdAvailable(): boolean {
  return load() !== null;
}

/** Views of wasm memory for the three blocks, growing it when needed. */
function blocks(k: SimdKernel, aLen: number, bLen: number, oLen: number): [Float64Array, Float64Array, Float64Array] {
  const bytes = (aLen + bLen + oLen) * 8 + k.scratch;
  const have = k.memory.buffer.byteLength;
  if (bytes > have) k.memory.grow(Math.ceil((bytes - have) / 65536));
  const buffer = k.memory.buffer;
  return [
    new Float64Array(buffer, 0, aLen),
    new Float64Array(buffer, aLen * 8, bLen),
    new Float64Array(buffer, (aLen + bLen) * 8, oLen),
  ];
}

/**
 * Storage offset of the matrix that batch ordinal `batch` of a matmul output reads from `x`,
 * broadcasting `x`'s batch dims (all but the last two) against `outBatch`. Shared with the
 * TypeScript kernel (`kernels.ts`).
 */
export function batchOffset(batch: number, outBatch: ArrayLike<number>, x: StridedArray, index: number[]): number {
  toIndex(batch, outBatch, index);
  const dims = x.shape.length - 2;
  const shift = outBatch.length - dims;
  let offset = 0;
  for (let d = 0; d < dims; d++) if (x.shape[d] !== 1) offset += index[d + shift] * x.strides[d];
  return offset;
}

/**
 * Copy the rows×cols matrix at `base` of `src` (strides `row`, `col`) into `dst`, row-major:
 * whole rows at once when they are contiguous (the usual case), element by element otherwise.
 */
function gather(
  dst: Float64Array,
  src: Float64Array,
  base: number,
  rows: number,
  cols: number,
  row: number,
  col: number,
): void {
  if (col === 1 && (row === cols || rows === 1)) {
    dst.set(src.subarray(base, base + rows * cols)); // one contiguous block: one copy
    return;
  }
  for (let i = 0; i < rows; i++) {
    const from = base + i * row;
    if (col === 1 || cols === 1) dst.set(src.subarray(from, from + cols), i * cols);
    else for (let c = 0; c < cols; c++) dst[i * cols + c] = src[from + c * col];
  }
}

/**
 * Output rows `[start, end)` of a batched matmul (rows numbered across batches, as in
 * `matmulRange`), computed by the SIMD kernel one batch segment at a time.
 */
export function simdMatmulRange(out: StridedArray, a: StridedArray, b: StridedArray, start: number, end: number): void {
  const k = load();
  if (k === null) throw new Error(`simdMatmulRange: the SIMD kernel ${WASM_FILE} is missing; run npm run build`);
  const dims = out.shape.length;
  const n = out.shape[dims - 2];
  const p = out.shape[dims - 1];
  const m = a.shape[a.shape.length - 1];
  const outBatch = Array.from(out.shape).slice(0, -2);
  const index = new Array<number>(outBatch.length).fill(0);
  const [aRow, aCol] = [a.strides[a.shape.length - 2], a.strides[a.shape.length - 1]];
  const [bRow, bCol] = [b.strides[b.shape.length - 2], b.strides[b.shape.length - 1]];
  const transposed = bRow === 1 && bCol !== 1 && m > 1 && p > 1;
  for (let r = start; r < end;) {
    const batch = Math.floor(r / n);
    const stop = Math.min(end, (batch + 1) * n);
    const rows = stop - r;
    const [wa, wb, wo] = blocks(k, rows * m, m * p, rows * p);
    const aBase = batchOffset(batch, outBatch, a, index) + (r - batch * n) * aRow;
    gather(wa, a.storage, aBase, rows, m, aRow, aCol);
    const bBase = batchOffset(batch, outBatch, b, index);
    // A transposed b (Linear's `x @ Wᵀ`) is copied as the rows of bᵀ it is stored as, and the
    // kernel packs it from that layout: an element-by-element transpose here costs as much
    // as the product for the training demo's 10×100 @ 100×100.
    if (transposed) gather(wb, b.storage, bBase, p, m, bCol, bRow);
    else gather(wb, b.storage, bBase, m, p, bRow, bCol);
    wo.fill(0);
    k.matmul(wa.byteOffset, wb.byteOffset, wo.byteOffset, rows, m, p, transposed ? 1 : 0);
    out.storage.set(wo, r * p); // out is contiguous: rows r … stop−1 are one slice
    r = stop;
  }
}

/**
 * 2-D convolution by the SIMD kernel's direct convolution (`conv` in `assembly/matmulF64.ts`),
 * over output *rows* `[start, end)` where a row is one (batch entry, output channel) plane,
 * numbered `b·outChannels + oc`. Same arguments and result as `conv2dKernel` (any strides in,
 * `out` contiguous). Each batch entry's input is copied once into WebAssembly memory with a
 * border of zeros, so the kernel reads it in place with no bounds tests; the copy is the
 * input's size, against kh·kw times that for an im2col matrix. A right-anchored (`reverse`)
 * convolution is a left-anchored one over an input padded on the other side with the kernel
 * flipped: `x[o − k] = padded[o + (K − 1 − k)]`. A `bias` ([outChannels], or null) is where
 * each plane's sums start, so a conv layer's bias costs no pass of its own.
 */
export function simdConv2dRange(
  out: StridedArray,
  input: StridedArray,
  weight: StridedArray,
  reverse: boolean,
  bias: StridedArray | null,
  start: number,
  end: number,
): void {
  const k = load();
  if (k === null) throw new Error(`simdConv2dRange: the SIMD kernel ${WASM_FILE} is missing; run npm run build`);
  const [, outChannels, outH, outW] = Array.from(out.shape);
  const [, inChannels, height, width] = Array.from(input.shape);
  const [, , kh, kw] = Array.from(weight.shape);
  const [is0, is1, is2, is3] = Array.from(input.strides);
  const [ws0, ws1, ws2, ws3] = Array.from(weight.strides);
  // The kernel computes 4 columns at a time: rows of its output are rounded up to 4.
  const outWp = (outW + 3) & ~3;
  const padH = outH + kh - 1;
  const padW = outWp + kw - 1;
  const patch = inChannels * kh * kw;
  const plane = outH * outWp;
  const padded = inChannels * padH * padW;
  const [wk, wx, wo] = blocks(k, outChannels * patch, padded, outChannels * plane);
  // All the weights, contiguous [oc][ic][ky][kx] (flipped when reverse), once per call.
  const w = weight.storage;
  // Walk the kernel backwards when flipping it.
  const yStep = reverse ? -ws2 : ws2;
  const xStep = reverse ? -ws3 : ws3;
  const corner = reverse ? (kh - 1) * ws2 + (kw - 1) * ws3 : 0;
  // Kernel planes stored whole and in order (as a weight gradient's 28×28 "kernel" is) go as one block.
  const planes = !reverse && ws3 === 1 && ws2 === kw;
  let q = 0;
  for (let oc = 0; oc < outChannels; oc++) {
    for (let ic = 0; ic < inChannels; ic++) {
      const start = oc * ws0 + ic * ws1;
      if (planes) {
        wk.set(w.subarray(start, start + kh * kw), q);
        q += kh * kw;
        continue;
      }
      for (let ky = 0, from = start + corner; ky < kh; ky++, from += yStep) {
        for (let kx = 0, at = from; kx < kw; kx++, at += xStep) wk[q++] = w[at];
      }
    }
  }
  // Input row iy and column ix go to padded row iy + dy and column ix + dx (only those that fit).
  const dy = reverse ? kh - 1 : 0;
  const dx = reverse ? kw - 1 : 0;
  const rows = Math.min(height, padH - dy);
  const cols = Math.min(width, padW - dx);
  const x = input.storage;
  // The border stays zero for every batch entry: each one overwrites only the inside.
  wx.fill(0);
  for (let r = start; r < end;) {
    const b = Math.floor(r / outChannels);
    const stop = Math.min(end, (b + 1) * outChannels);
    const oc0 = r - b * outChannels;
    // Plain loops, not set(subarray): rows are short, and a subarray per row is garbage.
    for (let ic = 0; ic < inChannels; ic++) {
      for (let iy = 0; iy < rows; iy++) {
        const to = (ic * padH + iy + dy) * padW + dx;
        for (let ix = 0, from = b * is0 + ic * is1 + iy * is2; ix < cols; ix++, from += is3) wx[to + ix] = x[from];
      }
    }
    const channels = stop - r;
    // The kernel's tiles accumulate: onto zeros, or onto the channel's bias.
    if (bias === null) wo.fill(0, 0, channels * plane);
    else {
      const step = bias.strides[0];
      for (let c = 0; c < channels; c++) wo.fill(bias.storage[(oc0 + c) * step], c * plane, (c + 1) * plane);
    }
    k.conv(
      wx.byteOffset,
      wk.byteOffset + oc0 * patch * 8,
      wo.byteOffset,
      inChannels,
      channels,
      kh,
      kw,
      outH,
      outWp,
      padH,
      padW,
    );
    // out is contiguous: planes r … stop−1 follow each other; drop the rounding columns.
    if (outWp === outW) out.storage.set(wo.subarray(0, channels * plane), r * plane);
    else {
      const o = out.storage;
      for (let row = 0, to = r * outH * outW; row < channels * outH; row++) {
        for (let ox = 0, from = row * outWp; ox < outW; ox++) o[to++] = wo[from + ox];
      }
    }
    r = stop;
  }
}
