/**
 * Pictures as PNG: a minimal PNG encoder (the platform's zlib deflate does the compression) and the colour
 * maps that turn a grid of numbers into pixels.
 *
 * Why: a heat map drawn as one SVG rectangle per pixel costs about 200 bytes a pixel, so a
 * grid of 24 digits ran to megabytes in a notebook. The same grid as PNGs inside one vega-lite image
 * mark is a few kilobytes per digit, and draws the same in JupyterLab, in the static SVG and
 * in the exported site.
 *
 * @packageDocumentation
 */
import { platform } from '../platform';
import { checkOptions } from '../validate';

/** An RGB colour, each channel 0–255. */
export type Rgb = readonly [number, number, number];

/** CRC-32 (PNG's chunk checksum), table built on first use. */
let crcTable: Uint32Array | undefined;
function crc32(bytes: Uint8Array): number {
  if (crcTable === undefined) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let c = 0xffffffff;
  for (const b of bytes) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** Byte arrays one after another. */
function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** A 32-bit big-endian unsigned integer as 4 bytes. */
function uint32(value: number): Uint8Array {
  const bytes = new Uint8Array(4);
  new DataView(bytes.buffer).setUint32(0, value);
  return bytes;
}

/** One PNG chunk: length, type, data, CRC over type and data. */
function chunk(type: string, data: Uint8Array): Uint8Array {
  const body = concat([Uint8Array.from(type, (c) => c.charCodeAt(0)), data]);
  return concat([uint32(data.length), body, uint32(crc32(body))]);
}

/**
 * Encode an 8-bit RGB image (`rgb`: `width · height · 3` bytes, row-major) as a PNG file.
 * Throws a RangeError if the sizes do not match.
 */
export function encodePng(width: number, height: number, rgb: Uint8Array): Uint8Array {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new RangeError(`encodePng: width and height must be positive integers, got ${width}×${height}`);
  }
  if (rgb.length !== width * height * 3) {
    throw new RangeError(
      `encodePng: expected ${width}×${height}×3 = ${width * height * 3} bytes of RGB, got ${rgb.length}`,
    );
  }
  // Each scanline starts with its filter type; 0 (none) is enough for small pictures.
  const raw = new Uint8Array(height * (width * 3 + 1));
  for (let y = 0; y < height; y++) raw.set(rgb.subarray(y * width * 3, (y + 1) * width * 3), y * (width * 3 + 1) + 1);
  // 8 bits per channel, colour type 2 (RGB), no interlace
  const header = concat([uint32(width), uint32(height), new Uint8Array([8, 2, 0, 0, 0])]);
  return concat([
    new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', platform.deflate(raw)),
    chunk('IEND', new Uint8Array(0)),
  ]);
}

/** A PNG as a `data:` URL, which vega-lite image marks and `<img>` accept. */
export function pngDataUrl(png: Uint8Array): string {
  let binary = '';
  for (let i = 0; i < png.length; i += 0x8000) binary += String.fromCharCode(...png.subarray(i, i + 0x8000));
  return `data:image/png;base64,${btoa(binary)}`;
}

function hex(h: string): Rgb {
  return [parseInt(h.slice(1, 3), 16), parseInt(h.slice(3, 5), 16), parseInt(h.slice(5, 7), 16)];
}

/**
 * Colour maps by vega's scheme names, as a few stops interpolated linearly (close to vega's
 * own, so PNG pictures match the vega-lite charts beside them).
 */
export const COLOR_SCHEMES: Readonly<Record<string, readonly Rgb[]>> = {
  greys: ['#ffffff', '#d9d9d9', '#969696', '#525252', '#000000'].map(hex),
  viridis: ['#440154', '#3b528b', '#21918c', '#5ec962', '#fde725'].map(hex),
  // Negative red, zero white, positive blue (vega's `redblue`, as the filters use it).
  redblue: ['#b2182b', '#ef8a62', '#f7f7f7', '#67a9cf', '#2166ac'].map(hex),
  blueorange: ['#2b6cb0', '#9ecae1', '#f7f7f7', '#fdae6b', '#e8590c'].map(hex),
  blues: ['#f7fbff', '#c6dbef', '#6baed6', '#2171b5', '#08306b'].map(hex),
};

/** The colour at `t` in [0, 1] (clamped) of a scheme. Throws on an unknown scheme. */
export function schemeColor(scheme: string, t: number): Rgb {
  const stops = COLOR_SCHEMES[scheme];
  if (stops === undefined)
    throw new Error(`unknown colour scheme "${scheme}" (known: ${Object.keys(COLOR_SCHEMES).join(', ')})`);
  const x = Math.min(1, Math.max(0, Number.isFinite(t) ? t : 0)) * (stops.length - 1);
  const i = Math.min(stops.length - 2, Math.floor(x));
  const f = x - i;
  const [a, b] = [stops[i], stops[i + 1]];
  return [0, 1, 2].map((c) => Math.round(a[c] + f * (b[c] - a[c]))) as unknown as Rgb;
}

/** How a grid of numbers becomes a picture. */
export interface HeatmapPngOptions {
  /** Colour scheme (see `COLOR_SCHEMES`; default `greys`). */
  scheme?: string;
  /** Values mapped to the scheme's two ends (default: the grid's min and max). */
  domain?: readonly [number, number];
  /**
   * Size of the PNG in pixels; each value becomes a block (nearest neighbour, no blur).
   * Default: one pixel per value.
   */
  outWidth?: number;
  outHeight?: number;
}

/**
 * A grid of `height · width` numbers (row-major) as a PNG data URL, coloured by `scheme`
 * over `domain`, scaled up without smoothing to `outWidth × outHeight` (so a 3×3 filter stays
 * 9 crisp squares however large it is drawn).
 */
export function heatmapPng(
  values: ArrayLike<number>,
  height: number,
  width: number,
  options: HeatmapPngOptions = {},
): string {
  checkOptions('heatmapPng', options, ['scheme', 'domain', 'outWidth', 'outHeight']);
  if (values.length !== height * width)
    throw new RangeError(`heatmapPng: ${values.length} values for a ${height}×${width} grid`);
  let [lo, hi] = options.domain ?? [Infinity, -Infinity];
  if (options.domain === undefined) {
    for (let i = 0; i < values.length; i++) {
      lo = Math.min(lo, values[i]);
      hi = Math.max(hi, values[i]);
    }
  }
  const span = hi > lo ? hi - lo : 1;
  const ow = options.outWidth ?? width;
  const oh = options.outHeight ?? height;
  const rgb = new Uint8Array(ow * oh * 3);
  const scheme = options.scheme ?? 'greys';
  for (let y = 0; y < oh; y++) {
    const i = Math.min(height - 1, Math.floor((y * height) / oh));
    for (let x = 0; x < ow; x++) {
      const j = Math.min(width - 1, Math.floor((x * width) / ow));
      rgb.set(schemeColor(scheme, (values[i * width + j] - lo) / span), (y * ow + x) * 3);
    }
  }
  return pngDataUrl(encodePng(ow, oh, rgb));
}
