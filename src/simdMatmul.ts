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
 * `simdMatmulRange` has the same signature as `matmulRange`, so the worker pool runs it as
 * just another named range kernel. When the wasm file is missing it is simply not used.
 *
 * @packageDocumentation
 */
import * as fs from 'fs';
import * as path from 'path';
import { toIndex } from './tensorData';
import type { StridedArray } from './tensorOps';

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

/** Where the build puts the compiled kernel. */
const WASM_FILE = path.join(__dirname, 'matmulF64.wasm');

interface SimdKernel {
  memory: WasmMemory;
  matmul: (a: number, b: number, out: number, rows: number, m: number, p: number) => void;
  /** Bytes past `out` the kernel uses to pack `b` (it reads `b` in place without them). */
  scratch: number;
}

let kernel: SimdKernel | null | undefined;

/** This thread's instance of the kernel, or null when the wasm file is absent or invalid. */
function load(): SimdKernel | null {
  if (kernel !== undefined) return kernel;
  try {
    const memory = new WebAssembly.Memory({ initial: 1 });
    const module = new WebAssembly.Module(fs.readFileSync(WASM_FILE));
    const instance = new WebAssembly.Instance(module, { env: { memory, abort: () => undefined } });
    const scratch = instance.exports.SCRATCH_BYTES as { value: number } | undefined;
    kernel = { memory, matmul: instance.exports.matmul as SimdKernel['matmul'], scratch: scratch?.value ?? 0 };
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
 * TypeScript kernel in `fastOps`.
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
function gather(dst: Float64Array, src: Float64Array, base: number, rows: number, cols: number, row: number, col: number): void {
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
  for (let r = start; r < end; ) {
    const batch = Math.floor(r / n);
    const stop = Math.min(end, (batch + 1) * n);
    const rows = stop - r;
    const [wa, wb, wo] = blocks(k, rows * m, m * p, rows * p);
    const aBase = batchOffset(batch, outBatch, a, index) + (r - batch * n) * aRow;
    gather(wa, a.storage, aBase, rows, m, aRow, aCol);
    const bBase = batchOffset(batch, outBatch, b, index);
    gather(wb, b.storage, bBase, m, p, bRow, bCol);
    wo.fill(0);
    k.matmul(wa.byteOffset, wb.byteOffset, wo.byteOffset, rows, m, p);
    out.storage.set(wo, r * p); // out is contiguous: rows r … stop−1 are one slice
    r = stop;
  }
}

/**
 * Fill `col` (row-major, (inChannels·kh·kw) rows × (outH·outW) columns) with the input patches
 * of batch entry `b` ("im2col"): row (ic, ky, kx), column (oy, ox) holds
 * `input[b, ic, oy ± ky, ox ± kx]` (− when `reverse`), or 0 where that falls outside the input.
 * A convolution of batch entry `b` is then the matrix product `weight[oc, (ic, ky, kx)] · col`.
 */
function im2col(col: Float64Array, input: StridedArray, b: number, kh: number, kw: number, outH: number, outW: number, reverse: boolean): void {
  const [, inChannels, height, width] = Array.from(input.shape);
  const [is0, is1, is2, is3] = Array.from(input.strides);
  const x = input.storage;
  const sign = reverse ? -1 : 1;
  let q = 0; // start of the current (ic, ky, kx, oy) run of outW entries
  for (let ic = 0; ic < inChannels; ic++) {
    for (let ky = 0; ky < kh; ky++) {
      for (let kx = 0; kx < kw; kx++) {
        // Output columns whose input column ox ± kx lies inside [0, width).
        const lo = reverse ? Math.min(outW, kx) : 0;
        const hi = reverse ? Math.min(outW, width + kx) : Math.max(0, Math.min(outW, width - kx));
        for (let oy = 0; oy < outH; oy++, q += outW) {
          const iy = oy + sign * ky;
          // Plain loops, not fill(): rows are often only a few entries long (weight gradients).
          if (iy < 0 || iy >= height) {
            for (let ox = 0; ox < outW; ox++) col[q + ox] = 0;
            continue;
          }
          let ox = 0;
          for (; ox < lo; ox++) col[q + ox] = 0;
          let from = b * is0 + ic * is1 + iy * is2 + (lo + sign * kx) * is3;
          for (; ox < hi; ox++, from += is3) col[q + ox] = x[from];
          for (; ox < outW; ox++) col[q + ox] = 0;
        }
      }
    }
  }
}

/**
 * The transpose of `im2col`: row (oy, ox), column (ic, ky, kx), so that each run along kx is
 * a contiguous stretch of an input row. Used when the kernel is wider than the output (the
 * weight gradient), where `im2col`'s runs along ox would be only a few entries long.
 */
function im2row(row: Float64Array, input: StridedArray, b: number, kh: number, kw: number, outH: number, outW: number, reverse: boolean): void {
  const [, inChannels, height, width] = Array.from(input.shape);
  const [is0, is1, is2, is3] = Array.from(input.strides);
  const x = input.storage;
  const sign = reverse ? -1 : 1;
  let q = 0;
  for (let oy = 0; oy < outH; oy++) {
    for (let ox = 0; ox < outW; ox++) {
      // Kernel columns whose input column ox ± kx lies inside [0, width).
      const lo = reverse ? Math.max(0, ox - width + 1) : 0;
      const hi = reverse ? Math.min(kw, ox + 1) : Math.max(0, Math.min(kw, width - ox));
      for (let ic = 0; ic < inChannels; ic++) {
        for (let ky = 0; ky < kh; ky++, q += kw) {
          const iy = oy + sign * ky;
          if (iy < 0 || iy >= height) {
            for (let kx = 0; kx < kw; kx++) row[q + kx] = 0;
            continue;
          }
          let kx = 0;
          for (; kx < lo; kx++) row[q + kx] = 0;
          let from = b * is0 + ic * is1 + iy * is2 + (ox + sign * lo) * is3;
          const step = sign * is3;
          for (; kx < hi; kx++, from += step) row[q + kx] = x[from];
          for (; kx < kw; kx++) row[q + kx] = 0;
        }
      }
    }
  }
}

/**
 * 2-D convolution by im2col and the SIMD matmul, over output *rows* `[start, end)` where a
 * row is one (batch entry, output channel) plane, numbered `b·outChannels + oc`. Same
 * arguments and result as `conv2dKernel` (any strides in, `out` contiguous): for each batch
 * entry the patches are gathered into WebAssembly memory, where they stay in cache for the
 * product with the weight rows, so no n-sized temporary is ever allocated on the JS heap.
 */
export function simdConv2dRange(out: StridedArray, input: StridedArray, weight: StridedArray, reverse: boolean, start: number, end: number): void {
  const k = load();
  if (k === null) throw new Error(`simdConv2dRange: the SIMD kernel ${WASM_FILE} is missing; run npm run build`);
  const [, outChannels, outH, outW] = Array.from(out.shape);
  const [, inChannels, kh, kw] = Array.from(weight.shape);
  const [ws0, ws1, ws2, ws3] = Array.from(weight.strides);
  const w = weight.storage;
  const patch = inChannels * kh * kw;
  const plane = outH * outW;
  // Kernel wider than the output: multiply patches-by-rows with the transposed weight instead.
  const transposed = kw > outW;
  let gatheredFrom = -1;
  let gatheredRows = -1;
  for (let r = start; r < end; ) {
    const b = Math.floor(r / outChannels);
    const stop = Math.min(end, (b + 1) * outChannels);
    const rows = stop - r;
    const oc0 = r - b * outChannels;
    const [wa, wb, wo] = transposed
      ? blocks(k, plane * patch, patch * rows, plane * rows)
      : blocks(k, rows * patch, patch * plane, rows * plane);
    // The weights of output channels oc0 … oc0 + rows − 1: rows × patch, or its transpose.
    // Every batch entry uses the same ones: gather them again only for other channels.
    const weights = transposed ? wb : wa;
    const same = oc0 === gatheredFrom && rows === gatheredRows;
    gatheredFrom = oc0;
    gatheredRows = rows;
    let q = 0;
    for (let oc = oc0; oc < oc0 + rows && !same; oc++) {
      for (let ic = 0; ic < inChannels; ic++) {
        for (let ky = 0; ky < kh; ky++) {
          const base = oc * ws0 + ic * ws1 + ky * ws2;
          if (transposed) for (let kx = 0; kx < kw; kx++) weights[((ic * kh + ky) * kw + kx) * rows + oc - oc0] = w[base + kx * ws3];
          else for (let kx = 0; kx < kw; kx++) weights[q++] = w[base + kx * ws3];
        }
      }
    }
    wo.fill(0);
    if (transposed) {
      im2row(wa, input, b, kh, kw, outH, outW, reverse);
      k.matmul(wa.byteOffset, wb.byteOffset, wo.byteOffset, plane, patch, rows);
      // wo is plane × rows: transpose it into the (contiguous) output planes.
      for (let j = 0; j < rows; j++) for (let pos = 0; pos < plane; pos++) out.storage[(r + j) * plane + pos] = wo[pos * rows + j];
    } else {
      im2col(wb, input, b, kh, kw, outH, outW, reverse);
      k.matmul(wa.byteOffset, wb.byteOffset, wo.byteOffset, rows, patch, plane);
      out.storage.set(wo, r * plane); // out is contiguous: planes r … stop−1 are one slice
    }
    r = stop;
  }
}
