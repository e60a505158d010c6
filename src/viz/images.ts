/**
 * Module 4 pictures: images and grids of images (digits, feature maps, learned filters), a
 * confusion matrix, and a convolution drawn as a kernel sliding over its input. All are
 * vega-lite v5 specs built from plain numbers, so they work for any backend's output.
 *
 * @packageDocumentation
 */
import { heatmapPng } from './png';
import { VEGA_LITE_SCHEMA, VegaLiteSpec } from './render';
import { checkOptions } from '../validate';

/** One picture in a grid: row-major pixel values and a caption. */
export interface ImageItem {
  /** `height · width` values. */
  pixels: ArrayLike<number>;
  /** Caption shown above the picture. */
  title?: string;
  /** Mark the caption with ✗ (e.g. a wrong prediction). */
  highlight?: boolean;
}

/** Options of `imageGrid`. */
export interface ImageGridOptions {
  /** Image height and width in pixels of data. */
  height: number;
  width: number;
  /** Pictures per row (default 8). */
  columns?: number;
  /** Size of one picture on screen, in screen pixels (default 64). */
  cellSize?: number;
  /** Colour scheme: `greys` for images (default), `redblue` for signed weights. */
  scheme?: string;
  /** Chart title. */
  title?: string;
}

/** Caption font size in image grids, and the height of a caption line. */
const CAPTION_FONT = 11;
const CAPTION_HEIGHT = 16;

/** The colour domain of one picture: symmetric around 0 for `redblue`, else its range. */
function pictureDomain(pixels: ArrayLike<number>, scheme: string): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < pixels.length; i++) {
    lo = Math.min(lo, pixels[i]);
    hi = Math.max(hi, pixels[i]);
  }
  if (scheme === 'redblue') {
    const m = Math.max(Math.abs(lo), Math.abs(hi)) || 1;
    return [-m, m];
  }
  return [lo, hi];
}

/**
 * A grid of small images with captions; used for digits with predicted and true labels, for
 * feature maps and for learned filters. Each picture is a PNG (see `heatmapPng`) in one
 * vega-lite image mark, so a grid of digits weighs kilobytes, not megabytes. With `greys`
 * all pictures share one colour scale (pixel values compare across digits); other schemes
 * scale each picture to its own range (`redblue` symmetric around 0).
 */
export function imageGrid(items: ImageItem[], options: ImageGridOptions): VegaLiteSpec {
  checkOptions('imageGrid', options, ['height', 'width', 'columns', 'cellSize', 'scheme', 'title'], true);
  const { height, width } = options;
  if (!Number.isInteger(height) || !Number.isInteger(width) || height < 1 || width < 1) {
    throw new RangeError(`imageGrid: height and width must be positive integers, got ${height}×${width}`);
  }
  items.forEach((item, k) => {
    if (item.pixels.length !== height * width) {
      throw new RangeError(
        `imageGrid: item ${k} has ${item.pixels.length} pixels, expected ${height}×${width} = ${height * width}`,
      );
    }
  });
  const size = options.cellSize ?? 64;
  const scheme = options.scheme ?? 'greys';
  const columns = Math.max(1, Math.min(options.columns ?? 8, items.length));
  const captions = items.map((item) => `${item.highlight ? '✗ ' : ''}${item.title ?? ''}`);
  // Room for the longest caption (about 0.6 em a character) so neighbours never collide.
  const longest = Math.max(0, ...captions.map((c) => c.length));
  const step = Math.max(size, Math.ceil(longest * CAPTION_FONT * 0.6)) + 8;
  const rowStep = size + CAPTION_HEIGHT + 8;
  const shared =
    scheme === 'greys' ? pictureDomain(Array.from(items, (i) => Array.from(i.pixels)).flat(), scheme) : undefined;
  const outHeight = Math.round((size * height) / width) || size;
  const rows = items.map((item, k) => ({
    x: (k % columns) * step,
    y: Math.floor(k / columns) * rowStep + CAPTION_HEIGHT,
    url: heatmapPng(item.pixels, height, width, {
      scheme,
      domain: shared ?? pictureDomain(item.pixels, scheme),
      outWidth: size,
      outHeight,
    }),
    caption: captions[k],
    mistake: item.highlight === true,
  }));
  const pixelX = { field: 'x', type: 'quantitative', scale: null, axis: null };
  const pixelY = { field: 'y', type: 'quantitative', scale: null, axis: null };
  return {
    $schema: VEGA_LITE_SCHEMA,
    ...(options.title ? { title: options.title } : {}),
    width: columns * step - 8,
    height: Math.ceil(items.length / columns) * rowStep - 8,
    view: { stroke: null },
    data: { values: rows },
    layer: [
      {
        // aria off: vega would otherwise repeat each data URL in an aria-label.
        mark: {
          type: 'image',
          width: size,
          height: outHeight,
          align: 'left',
          baseline: 'top',
          aspect: false,
          aria: false,
        },
        encoding: { x: pixelX, y: pixelY, url: { field: 'url', type: 'nominal' } },
      },
      {
        mark: { type: 'text', align: 'left', baseline: 'bottom', dy: -3, fontSize: CAPTION_FONT, aria: false },
        encoding: {
          x: pixelX,
          y: pixelY,
          text: { field: 'caption', type: 'nominal' },
          color: { condition: { test: 'datum.mistake', value: '#c92a2a' }, value: 'black' },
        },
      },
    ],
  };
}

/**
 * A confusion matrix: how often each true class (rows) was predicted as each class
 * (columns), with the counts written in the cells.
 */
export function confusionMatrix(
  actual: number[],
  predicted: number[],
  classes: number,
  options: { title?: string } = {},
): VegaLiteSpec {
  checkOptions('confusionMatrix', options, ['title']);
  if (actual.length !== predicted.length) {
    throw new RangeError(`confusionMatrix: ${actual.length} true labels but ${predicted.length} predictions`);
  }
  const counts = Array.from({ length: classes }, () => new Array<number>(classes).fill(0));
  actual.forEach((a, i) => {
    const p = predicted[i];
    if (a < 0 || a >= classes || p < 0 || p >= classes)
      throw new RangeError(`confusionMatrix: label ${a} or prediction ${p} is not in 0..${classes - 1}`);
    counts[a][p] += 1;
  });
  const rows = counts.flatMap((row, a) => row.map((count, p) => ({ actual: a, predicted: p, count })));
  return {
    $schema: VEGA_LITE_SCHEMA,
    title: options.title ?? 'Confusion matrix',
    data: { values: rows },
    width: 28 * classes,
    height: 28 * classes,
    encoding: {
      x: { field: 'predicted', type: 'ordinal', title: 'predicted' },
      y: { field: 'actual', type: 'ordinal', title: 'true' },
    },
    layer: [
      {
        mark: 'rect',
        encoding: { color: { field: 'count', type: 'quantitative', scale: { scheme: 'blues' }, legend: null } },
      },
      {
        mark: { type: 'text', fontSize: 10 },
        encoding: {
          text: { field: 'count', type: 'quantitative' },
          color: {
            condition: { test: `datum.count > ${Math.max(...counts.flat()) / 2}`, value: 'white' },
            value: 'black',
          },
        },
      },
    ],
  };
}

/** One panel of `convolutionSteps`: a grid of numbers, coloured (signed) and written in. */
function numberGrid(cells: object[], rows: number, cols: number, cell: number, title: string, maxAbs: number): object {
  const strong = maxAbs * 0.55;
  return {
    title: { text: title, fontSize: 11, fontWeight: 'normal' },
    data: { values: cells },
    width: cell * cols,
    height: cell * rows,
    encoding: { x: { field: 'col', type: 'ordinal', axis: null }, y: { field: 'row', type: 'ordinal', axis: null } },
    layer: [
      {
        mark: { type: 'rect', stroke: '#bbbbbb', strokeWidth: 0.5 },
        encoding: {
          color: {
            condition: { test: '!datum.done', value: '#f4f4f4' },
            field: 'value',
            type: 'quantitative',
            // Light colours in the middle, so black digits read on most cells.
            scale: { domain: [-maxAbs, maxAbs], range: ['#d6604d', '#f7f7f7', '#4393c3'] },
            legend: null,
          },
        },
      },
      {
        mark: { type: 'rect', fillOpacity: 0, strokeWidth: 3 },
        encoding: { stroke: { condition: { test: 'datum.window', value: '#222222' }, value: null } },
      },
      {
        mark: { type: 'text', fontSize: Math.round(cell * 0.42) },
        encoding: {
          text: { field: 'text', type: 'nominal' },
          // White digits on the few strongly coloured cells, black elsewhere.
          color: { condition: { test: `abs(datum.value) > ${strong}`, value: 'white' }, value: 'black' },
        },
      },
    ],
  };
}

/**
 * A 1-channel 2-D convolution drawn step by step: for each of `steps` output positions
 * (row-major), the input with the kernel's window outlined, the kernel's weights, and the
 * output filled in so far (the new cell outlined). Cells are coloured by sign (red negative,
 * blue positive) and show their numbers. MiniTorch's convention: the window starts at the
 * output position and runs right/down, reading zero past the edge.
 */
export function convolutionSteps(
  input: number[][],
  kernel: number[][],
  options: { steps?: number; cellSize?: number; start?: number } = {},
): VegaLiteSpec {
  checkOptions('convolutionSteps', options, ['steps', 'cellSize', 'start']);
  const h = input.length;
  const w = input[0]?.length ?? 0;
  const kh = kernel.length;
  const kw = kernel[0]?.length ?? 0;
  if (h === 0 || w === 0 || input.some((r) => r.length !== w))
    throw new RangeError('convolutionSteps: input must be a non-empty rectangular grid');
  if (kh === 0 || kw === 0 || kernel.some((r) => r.length !== kw))
    throw new RangeError('convolutionSteps: kernel must be a non-empty rectangular grid');
  const first = options.start ?? 0;
  const steps = Math.max(0, Math.min(options.steps ?? 4, h * w - first));
  const at = (i: number, j: number) => (i < h && j < w ? input[i][j] : 0);
  const output: number[][] = input.map((row, i) =>
    row.map((_, j) => {
      let sum = 0;
      for (let a = 0; a < kh; a++) for (let b = 0; b < kw; b++) sum += kernel[a][b] * at(i + a, j + b);
      return sum;
    }),
  );
  const fmt = (v: number) => String(+v.toFixed(2));
  const maxAbs = Math.max(1e-9, ...[...input.flat(), ...kernel.flat(), ...output.flat()].map(Math.abs));
  const cell = options.cellSize ?? 28;
  const kernelCells = kernel.flatMap((row, i) =>
    row.map((v, j) => ({ row: i, col: j, value: v, done: true, text: fmt(v), window: false })),
  );
  const rows = Array.from({ length: steps }, (_, s) => {
    const step = first + s;
    const oi = Math.floor(step / w);
    const oj = step % w;
    const inputCells = input.flatMap((row, i) =>
      row.map((v, j) => ({
        row: i,
        col: j,
        value: v,
        done: true,
        text: fmt(v),
        window: i >= oi && i < oi + kh && j >= oj && j < oj + kw,
      })),
    );
    const outputCells = output.flatMap((row, i) =>
      row.map((v, j) => {
        const done = i * w + j <= step;
        // Not-yet-computed cells are drawn blank (a null value would be dropped by vega-lite).
        return { row: i, col: j, value: done ? v : 0, done, text: done ? fmt(v) : '', window: i === oi && j === oj };
      }),
    );
    return {
      hconcat: [
        numberGrid(inputCells, h, w, cell, `step ${s + 1}: window at (${oi}, ${oj})`, maxAbs),
        numberGrid(kernelCells, kh, kw, cell, 'kernel', maxAbs),
        numberGrid(outputCells, h, w, cell, `out[${oi}][${oj}] = ${fmt(output[oi][oj])}`, maxAbs),
      ],
    };
  });
  return {
    $schema: VEGA_LITE_SCHEMA,
    title: `${kh}×${kw} convolution: out = sum of window × kernel`,
    vconcat: rows,
    spacing: 12,
    config: { concat: { spacing: 18 }, view: { stroke: null } },
  };
}
