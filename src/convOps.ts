/**
 * Module 4 — convolution kernels (Tasks 4.1 and 4.2).
 *
 * Like the map/zip/reduce kernels, each is written once over a range of output positions,
 * so the Simple backend runs it over the whole output and the Fast backend over chunks on
 * its worker threads.
 *
 * MiniTorch's convention: stride 1, the output has the size given by `out.shape` (the input
 * width for a forward pass), and positions that fall outside the input read as zero. With
 * `reverse` false the kernel is anchored on the left (`input[x + k]`), with `reverse` true on
 * the right (`input[x − k]`), which is exactly what the backward pass needs.
 *
 * @packageDocumentation
 */
import type { StridedArray } from './tensorOps';
import { IndexingError, formatShape } from './tensorData';

/**
 * The first kernel offset `k` whose input position — `o + k`, or `o − k` when `reverse` —
 * lies inside `[0, size)`, for output position `o`.
 */
export function firstTap(o: number, size: number, reverse: boolean): number {
  return reverse ? Math.max(0, o - size + 1) : 0;
}

/** One past the last kernel offset (below `kernelSize`) whose input position is inside. */
export function endTap(o: number, kernelSize: number, size: number, reverse: boolean): number {
  return Math.min(kernelSize, reverse ? o + 1 : size - o);
}

/**
 * 1-D convolution kernel (Task 4.1).
 * out: [batch, outChannels, width'], input: [batch, inChannels, width],
 * weight: [outChannels, inChannels, kernelWidth].
 */
export function conv1dKernel(
  out: StridedArray,
  input: StridedArray,
  weight: StridedArray,
  reverse: boolean,
  start: number,
  end: number,
): void {
  const [, outChannels, outWidth] = Array.from(out.shape);
  const [, inChannels, width] = Array.from(input.shape);
  const kw = weight.shape[2];
  // Strides as locals: the JIT keeps them in registers in the inner loops.
  const [os0, os1, os2] = Array.from(out.strides);
  const [is0, is1, is2] = Array.from(input.strides);
  const [ws0, ws1, ws2] = Array.from(weight.strides);
  const o = out.storage,
    x = input.storage,
    w = weight.storage;
  // BEGIN SOLUTION 4.1
  // Walking the input: +1 per kernel tap, or −1 when the kernel is anchored on the right.
  const xStep = (reverse ? -1 : 1) * is2;
  for (let i = start; i < end; i++) {
    // Decompose the output ordinal into (b, oc, ow) without allocating an index array.
    const ow = i % outWidth;
    const oc = Math.floor(i / outWidth) % outChannels;
    const b = Math.floor(i / (outWidth * outChannels));
    // Only taps that land inside the input: no bounds test in the inner loop.
    const k0 = firstTap(ow, width, reverse);
    const k1 = endTap(ow, kw, width, reverse);
    let acc = 0;
    for (let ic = 0; ic < inChannels; ic++) {
      const xBase = b * is0 + ic * is1 + ow * is2;
      const wBase = oc * ws0 + ic * ws1;
      for (let k = k0; k < k1; k++) acc += w[wBase + k * ws2] * x[xBase + k * xStep];
    }
    o[b * os0 + oc * os1 + ow * os2] = acc;
  }
  // END SOLUTION
}

/**
 * 2-D convolution kernel (Task 4.2).
 * out: [batch, outChannels, h', w'], input: [batch, inChannels, h, w],
 * weight: [outChannels, inChannels, kh, kw].
 */
export function conv2dKernel(
  out: StridedArray,
  input: StridedArray,
  weight: StridedArray,
  reverse: boolean,
  start: number,
  end: number,
): void {
  const [, outChannels, outH, outW] = Array.from(out.shape);
  const [, inChannels, height, width] = Array.from(input.shape);
  const kh = weight.shape[2];
  const kw = weight.shape[3];
  const [os0, os1, os2, os3] = Array.from(out.strides);
  const [is0, is1, is2, is3] = Array.from(input.strides);
  const [ws0, ws1, ws2, ws3] = Array.from(weight.strides);
  const o = out.storage,
    x = input.storage,
    w = weight.storage;
  // BEGIN SOLUTION 4.2
  const sign = reverse ? -1 : 1;
  const yStep = sign * is2;
  const xStep = sign * is3;
  for (let i = start; i < end; i++) {
    const ox = i % outW;
    const oy = Math.floor(i / outW) % outH;
    const oc = Math.floor(i / (outW * outH)) % outChannels;
    const b = Math.floor(i / (outW * outH * outChannels));
    // Only taps that land inside the input: no bounds test in the inner loops.
    const ky0 = firstTap(oy, height, reverse);
    const ky1 = endTap(oy, kh, height, reverse);
    const kx0 = firstTap(ox, width, reverse);
    const kx1 = endTap(ox, kw, width, reverse);
    let acc = 0;
    for (let ic = 0; ic < inChannels; ic++) {
      const xBase = b * is0 + ic * is1 + oy * is2 + ox * is3;
      const wBase = oc * ws0 + ic * ws1;
      for (let ky = ky0; ky < ky1; ky++) {
        const xRow = xBase + ky * yStep;
        const wRow = wBase + ky * ws2;
        for (let kx = kx0; kx < kx1; kx++) acc += w[wRow + kx * ws3] * x[xRow + kx * xStep];
      }
    }
    o[b * os0 + oc * os1 + oy * os2 + ox * os3] = acc;
  }
  // END SOLUTION
}

/**
 * Check the shapes of a convolution and return the forward output shape
 * (`[batch, outChannels, ...input spatial size]`). `dims` is 1 or 2.
 */
export function convShape(input: number[], weight: number[], dims: 1 | 2): number[] {
  const name = `conv${dims}d`;
  if (input.length !== dims + 2) {
    throw new IndexingError(
      `${name}: input must be ${dims + 2}-D [batch, channels, ${dims === 1 ? 'width' : 'height, width'}], got shape ${formatShape(input)}`,
    );
  }
  if (weight.length !== dims + 2) {
    throw new IndexingError(
      `${name}: weight must be ${dims + 2}-D [outChannels, inChannels, ${dims === 1 ? 'kernelWidth' : 'kernelHeight, kernelWidth'}], got shape ${formatShape(weight)}`,
    );
  }
  if (input[1] !== weight[1]) {
    throw new IndexingError(
      `${name}: input has ${input[1]} channels but weight expects ${weight[1]} (input ${formatShape(input)}, weight ${formatShape(weight)})`,
    );
  }
  return [input[0], weight[0], ...input.slice(2)];
}
