/**
 * Module 4 pictures: images and grids of images (digits, feature maps, learned filters), a
 * confusion matrix, and a convolution drawn as a kernel sliding over its input. All are
 * vega-lite v5 specs built from plain numbers, so they work for any backend's output.
 *
 * @packageDocumentation
 */
import { VEGA_LITE_SCHEMA, VegaLiteSpec } from './render';

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

/**
 * A grid of small images, each a heat map with its caption; used for digits with predicted
 * and true labels, for feature maps and for learned filters.
 */
export function imageGrid(items: ImageItem[], options: ImageGridOptions): VegaLiteSpec {
  const { height, width } = options;
  const rows: object[] = [];
  items.forEach((item, k) => {
    if (item.pixels.length !== height * width) {
      throw new RangeError(`imageGrid: item ${k} has ${item.pixels.length} pixels, expected ${height}×${width} = ${height * width}`);
    }
    const caption = `${String(k).padStart(3, '0')} ${item.highlight ? '✗ ' : ''}${item.title ?? ''}`;
    for (let i = 0; i < height; i++) {
      for (let j = 0; j < width; j++) rows.push({ item: caption, row: i, col: j, value: item.pixels[i * width + j] });
    }
  });
  const size = options.cellSize ?? 64;
  const scheme = options.scheme ?? 'greys';
  return {
    $schema: VEGA_LITE_SCHEMA,
    ...(options.title ? { title: options.title } : {}),
    data: { values: rows },
    facet: {
      field: 'item',
      type: 'nominal',
      // Captions carry a zero-padded index so facets keep the input order; hide the index.
      header: { title: null, labelExpr: 'substring(datum.label, 4)', labelFontSize: 11 },
    },
    columns: options.columns ?? 8,
    spacing: 6,
    spec: {
      width: size,
      height: size,
      mark: { type: 'rect' },
      encoding: {
        x: { field: 'col', type: 'ordinal', axis: null },
        y: { field: 'row', type: 'ordinal', axis: null },
        color: {
          field: 'value',
          type: 'quantitative',
          scale: scheme === 'redblue' ? { scheme, domainMid: 0, reverse: true } : { scheme },
          legend: null,
        },
      },
    },
    resolve: { scale: { color: scheme === 'greys' ? 'shared' : 'independent' } },
  };
}

/**
 * A confusion matrix: how often each true class (rows) was predicted as each class
 * (columns), with the counts written in the cells.
 */
export function confusionMatrix(actual: number[], predicted: number[], classes: number, options: { title?: string } = {}): VegaLiteSpec {
  if (actual.length !== predicted.length) {
    throw new RangeError(`confusionMatrix: ${actual.length} true labels but ${predicted.length} predictions`);
  }
  const counts = Array.from({ length: classes }, () => new Array<number>(classes).fill(0));
  actual.forEach((a, i) => {
    const p = predicted[i];
    if (a < 0 || a >= classes || p < 0 || p >= classes) throw new RangeError(`confusionMatrix: label ${a} or prediction ${p} is not in 0..${classes - 1}`);
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
      { mark: 'rect', encoding: { color: { field: 'count', type: 'quantitative', scale: { scheme: 'blues' }, legend: null } } },
      {
        mark: { type: 'text', fontSize: 10 },
        encoding: {
          text: { field: 'count', type: 'quantitative' },
          color: { condition: { test: `datum.count > ${Math.max(...counts.flat()) / 2}`, value: 'white' }, value: 'black' },
        },
      },
    ],
  };
}

/**
 * A 1-channel 2-D convolution drawn step by step: for each of `steps` output positions
 * (row-major), the input with the kernel's window outlined, and the output filled in so far.
 * MiniTorch's convention: the window starts at the output position and runs right/down,
 * reading zero past the edge.
 */
export function convolutionSteps(
  input: number[][],
  kernel: number[][],
  options: { steps?: number; cellSize?: number } = {},
): VegaLiteSpec {
  const h = input.length;
  const w = input[0].length;
  const kh = kernel.length;
  const kw = kernel[0].length;
  const steps = Math.min(options.steps ?? 4, h * w);
  const at = (i: number, j: number) => (i < h && j < w ? input[i][j] : 0);
  const output: number[][] = input.map((row, i) =>
    row.map((_, j) => {
      let s = 0;
      for (let a = 0; a < kh; a++) for (let b = 0; b < kw; b++) s += kernel[a][b] * at(i + a, j + b);
      return s;
    }),
  );
  const rows: object[] = [];
  for (let step = 0; step < steps; step++) {
    const oi = Math.floor(step / w);
    const oj = step % w;
    const label = `step ${step + 1}: out[${oi}][${oj}] = ${+output[oi][oj].toFixed(2)}`;
    for (let i = 0; i < h; i++) {
      for (let j = 0; j < w; j++) {
        const inWindow = i >= oi && i < oi + kh && j >= oj && j < oj + kw;
        rows.push({ step: label, panel: 'input', row: i, col: j, value: input[i][j], text: String(+input[i][j].toFixed(2)), window: inWindow });
        const done = i * w + j <= step;
        rows.push({ step: label, panel: 'output', row: i, col: j, value: done ? output[i][j] : null, text: done ? String(+output[i][j].toFixed(2)) : '', window: i === oi && j === oj });
      }
    }
  }
  const cell = options.cellSize ?? 26;
  return {
    $schema: VEGA_LITE_SCHEMA,
    title: `Convolution with a ${kh}×${kw} kernel [${kernel.map((r) => r.join(' ')).join('; ')}]`,
    data: { values: rows },
    facet: { row: { field: 'step', type: 'nominal', title: null, sort: null }, column: { field: 'panel', type: 'nominal', title: null } },
    spec: {
      width: cell * w,
      height: cell * h,
      encoding: { x: { field: 'col', type: 'ordinal', axis: null }, y: { field: 'row', type: 'ordinal', axis: null } },
      layer: [
        { mark: 'rect', encoding: { color: { field: 'value', type: 'quantitative', scale: { scheme: 'blues' }, legend: null } } },
        {
          mark: { type: 'rect', fillOpacity: 0, strokeWidth: 2.5 },
          encoding: { stroke: { condition: { test: 'datum.window', value: '#e4572e' }, value: null } },
        },
        { mark: { type: 'text', fontSize: 9 }, encoding: { text: { field: 'text', type: 'nominal' } } },
      ],
    },
  };
}
