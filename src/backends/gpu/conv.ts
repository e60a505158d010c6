/**
 * Convolutions on the device at any size: the work cut into pieces whose loops fit the loop
 * budget and whose reads fit one storage binding, each a whole, smaller convolution run by the
 * (student's) `convShader`, their results added up.
 *
 * A piece takes a block of input channels, a block of the kernel (rows × columns of taps) and a
 * block of output rows × columns. Its input is the part of the image those outputs read through
 * those taps, bound at an offset, so the shader sees a smaller image and a smaller kernel:
 *
 * - forward (`input[o + k]`): output `o` with tap `k0 + k` reads input `o + k0 + k`, so the
 *   piece's image starts at `o0 + k0` and the shader's own bounds check (`< h`) is exact;
 * - reverse (`input[o − k]`): the piece's image starts at `s = max(0, o0 − k0 − (K − 1))`;
 *   the shader's output row `o − k0 − s` reads the same input as row `o` with the taps from
 *   `k0`, so the shader computes `lead = o0 − k0 − s` rows more than the block (rows whose
 *   taps would reach above `s`), and only the block's rows are kept.
 *
 * Pieces of the same channel and kernel block write disjoint regions of one zeroed buffer;
 * those buffers are added.
 *
 * @packageDocumentation
 */
import { shapeSize, stridesFromShape } from '../../tensorData';
import { WORKGROUP_SIZE, mapShader } from './kernels';
import { GpuBuffer, GpuTensorData, limits } from './buffers';
import { KernelPlan, Operand, groups1d, launch, loopBudget } from './dispatch';

/** A convolution in 2-D form (a 1-D one has height 1): shapes and strides as the shader reads them. */
export interface Conv2d {
  what: string;
  code: string;
  x: GpuTensorData;
  w: GpuTensorData;
  /** [batch, outChannels, outH, outW]. */
  out: number[];
  /** [batch, inChannels, h, w] and its strides (0 along an inserted height). */
  xShape: number[];
  xs: number[];
  /** [outChannels, inChannels, kh, kw] and its strides. */
  wShape: number[];
  ws: number[];
  reverse: boolean;
}

/** One axis (rows or columns) of a piece: where its image starts, how long it is, what is kept. */
interface Axis {
  /** The first input index the piece reads, and how many it may read. */
  start: number;
  size: number;
  /** Output rows the shader computes before the block's first (dropped), and the block's first and count. */
  lead: number;
  first: number;
  count: number;
}

/** One axis of a piece with outputs [o0, o0 + r) and taps [k0, k0 + k) of an input of `n`; null if it reads none. */
function axis(o0: number, r: number, k0: number, k: number, n: number, reverse: boolean): Axis | null {
  if (!reverse) {
    const start = o0 + k0;
    const size = Math.min(n - start, r + k - 1);
    return size > 0 ? { start, size, lead: 0, first: o0, count: r } : null;
  }
  // Outputs before k0 get nothing from these taps.
  const first = Math.max(o0, k0);
  const count = o0 + r - first;
  if (count <= 0) return null;
  const start = Math.max(0, first - k0 - (k - 1));
  const lead = first - k0 - start;
  const size = Math.min(n - start, lead + count);
  return size > 0 ? { start, size, lead, first, count } : null;
}

/** Elements from the first that a [c, rows, cols] window with these strides (of dims 1–3) spans. */
function span(st: number[], c: number, rows: number, cols: number): number {
  return 1 + (c - 1) * st[1] + (rows - 1) * st[2] + (cols - 1) * st[3];
}

/**
 * The block sizes of the pieces: input channels `c`, kernel rows × columns `kh` × `kw`, output
 * rows × columns `r` × `q`: as large as the loop budget (channels × taps) and the binding size
 * (the input window, the kernel window, one output image of the piece) allow.
 */
function blocks(cv: Conv2d): { c: number; kh: number; kw: number; r: number; q: number } {
  const budget = loopBudget();
  const values = Math.floor(limits().maxStorageBufferBindingSize / 4);
  const [, channels, h, wd] = cv.xShape;
  const [, , outH, outW] = cv.out;
  let kw = Math.min(cv.wShape[3], budget);
  let kh = Math.min(cv.wShape[2], Math.floor(budget / kw));
  let c = Math.min(channels, Math.floor(budget / (kh * kw)));
  let r = outH;
  let q = outW;
  // The input window of rows × cols outputs, and whether it (and the piece's output image) fits.
  const imageFits = (rows: number, cols: number) =>
    span(cv.xs, c, Math.min(h, rows + kh - 1), Math.min(wd, cols + kw - 1)) <= values &&
    (rows + (cv.reverse ? kh : 0)) * (cols + (cv.reverse ? kw : 0)) <= values;
  for (;;) {
    // Fewer outputs a piece while a single output would fit; else fewer channels, then taps.
    const smallest = span(cv.ws, c, kh, kw) <= values && imageFits(1, 1);
    if (smallest && imageFits(r, q)) return { c, kh, kw, r, q };
    if (smallest) {
      // Whole rows while possible: their outputs are one run of memory per image.
      if (r > 1) r = Math.ceil(r / 2);
      else q = Math.ceil(q / 2);
    } else if (c > 1) c = Math.ceil(c / 2);
    else if (kh > 1) kh = Math.ceil(kh / 2);
    else if (kw > 1) kw = Math.ceil(kw / 2);
    else {
      throw new RangeError(
        `${cv.what}: too large for this GPU: one value of it binds more than maxStorageBufferBindingSize (${limits().maxStorageBufferBindingSize} bytes); use the fast backend for it`,
      );
    }
  }
}

/**
 * Run the convolution `cv` in pieces (see the module comment), adding up with `add`; the
 * result is contiguous, of shape `cv.out`.
 */
export function convPieces(cv: Conv2d, add: (a: GpuTensorData, b: GpuTensorData) => GpuTensorData): GpuTensorData {
  const { x, w, xs, ws, reverse } = cv;
  const [batch, outChannels, outH, outW] = cv.out;
  const [, channels, h, wd] = cv.xShape;
  const [, , kh, kw] = cv.wShape;
  const b = blocks(cv);
  const outStrides = stridesFromShape(cv.out);
  let total: GpuTensorData | null = null;
  for (let c0 = 0; c0 < channels; c0 += b.c) {
    const c = Math.min(b.c, channels - c0);
    for (let ky0 = 0; ky0 < kh; ky0 += b.kh) {
      for (let kx0 = 0; kx0 < kw; kx0 += b.kw) {
        const ky = Math.min(b.kh, kh - ky0);
        const kx = Math.min(b.kw, kw - kx0);
        let sum: GpuTensorData | null = null;
        for (let y0 = 0; y0 < outH; y0 += b.r) {
          for (let x0 = 0; x0 < outW; x0 += b.q) {
            const rows = axis(y0, Math.min(b.r, outH - y0), ky0, ky, h, reverse);
            const cols = axis(x0, Math.min(b.q, outW - x0), kx0, kx, wd, reverse);
            if (rows === null || cols === null) continue;
            const shape = [batch, outChannels, rows.lead + rows.count, cols.lead + cols.count];
            const plan: KernelPlan = {
              what: cv.what,
              code: cv.code,
              info: (o, [i, j]) => [
                shapeSize(o),
                o[1],
                o[2],
                o[3],
                c,
                rows.size,
                cols.size,
                ky,
                kx,
                reverse ? 1 : 0,
                i.strides[0],
                ...xs.slice(1),
                j.strides[1],
                ...ws.slice(1),
              ],
              groups: (o) => groups1d(Math.ceil(shapeSize(o) / WORKGROUP_SIZE)),
              // Pieces of whole images: split by batch entry and output channel only.
              splittable: 2,
            };
            const direct = rows.lead === 0 && cols.lead === 0 && (shape[3] === outW || shape[2] === 1);
            if (direct) sum ??= new GpuTensorData(new GpuBuffer(shapeSize(cv.out), undefined, cv.what), cv.out);
            const into: Operand | undefined =
              direct && sum !== null
                ? { buffer: sum.buffer, offset: rows.first * outStrides[2] + cols.first, strides: outStrides, inner: 1 }
                : undefined;
            const piece = launch(
              plan,
              [
                {
                  buffer: x.buffer,
                  offset: x.offset + c0 * xs[1] + rows.start * xs[2] + cols.start * xs[3],
                  strides: [xs[0], 0, 0, 0],
                  inner: span(xs, c, rows.size, cols.size),
                },
                {
                  buffer: w.buffer,
                  offset: w.offset + c0 * ws[1] + ky0 * ws[2] + kx0 * ws[3],
                  strides: [0, ws[0], 0, 0],
                  inner: span(ws, c, ky, kx),
                },
              ],
              shape,
              into,
            );
            if (direct) continue;
            // Keep the block's rows and columns only: copy them into their place in this block's sum.
            sum ??= new GpuTensorData(new GpuBuffer(shapeSize(cv.out), undefined, cv.what), cv.out);
            const region = [batch, outChannels, rows.count, cols.count];
            const copy: KernelPlan = {
              what: cv.what,
              code: mapShader('id'),
              info: (s, [i]) => [shapeSize(s), s.length, ...s, ...i.strides],
              groups: (s) => groups1d(Math.ceil(shapeSize(s) / WORKGROUP_SIZE)),
            };
            const from = stridesFromShape(shape);
            launch(
              copy,
              [{ buffer: piece.buffer, offset: rows.lead * from[2] + cols.lead, strides: from, inner: 1 }],
              region,
              { buffer: sum.buffer, offset: rows.first * outStrides[2] + cols.first, strides: outStrides, inner: 1 },
            );
          }
        }
        if (sum !== null) total = total === null ? sum : add(total, sum);
      }
    }
  }
  return total ?? new GpuTensorData(new GpuBuffer(shapeSize(cv.out), undefined, cv.what), cv.out);
}
