/**
 * Builders for the few vega-lite v5 charts the course draws again and again: curves, point
 * clouds, bars and heat maps. Each takes rows of data in "long" format (one object per
 * point, e.g. `{ epoch: 3, loss: 0.21, split: "train" }`) and the names of the fields to
 * plot, and returns a plain spec to pass to `show` or to extend by hand.
 *
 * Field types are inferred from the data: numbers are quantitative, `Date`s temporal, other
 * values nominal. A colour field holding at most 10 distinct integers (class labels such as 0
 * and 1) is nominal too, so it gets distinct colours rather than a gradient.
 *
 * @packageDocumentation
 */
import { VEGA_LITE_SCHEMA, VegaLiteSpec } from './render';
import { checkOptions } from '../validate';

/** Rows of data: one object per point. */
export type Rows = ReadonlyArray<object>;

/** What the builders share: which fields go where, and the chart's size and title. */
export interface ChartOptions {
  /** Field for the horizontal axis. */
  x: string;
  /** Field for the vertical axis. */
  y: string;
  /** Field that splits the data into coloured series (optional). */
  color?: string;
  /** Chart title. */
  title?: string;
  /** Plot width in pixels (default 400). */
  width?: number;
  /** Plot height in pixels (default 250). */
  height?: number;
}

/** Options of `heatmap`: a grid of cells at (x, y), coloured by `value`. */
export interface HeatmapOptions extends Omit<ChartOptions, 'color'> {
  /** Field holding each cell's number. */
  value: string;
  /** vega colour scheme for the values (default `viridis`; `redblue` suits signed values). */
  scheme?: string;
}

/** vega-lite's measurement types. */
type FieldType = 'quantitative' | 'ordinal' | 'nominal' | 'temporal';

/** The values of `field` in the rows, skipping missing ones. */
function valuesOf(rows: Rows, field: string): unknown[] {
  return rows.map((row) => (row as Record<string, unknown>)[field]).filter((v) => v !== undefined && v !== null);
}

/** The type vega-lite should treat a field as, from its values. */
function inferType(rows: Rows, field: string): FieldType {
  const values = valuesOf(rows, field);
  if (values.length > 0 && values.every((v) => typeof v === 'number')) return 'quantitative';
  if (values.length > 0 && values.every((v) => v instanceof Date)) return 'temporal';
  return 'nominal';
}

/** Like `inferType`, but a few distinct integers (class labels) are categories. */
function inferColorType(rows: Rows, field: string): FieldType {
  const type = inferType(rows, field);
  const values = valuesOf(rows, field);
  const fewIntegers = values.every((v) => Number.isInteger(v)) && new Set(values).size <= 10;
  return type === 'quantitative' && fewIntegers ? 'nominal' : type;
}

/**
 * Throw a clear error unless `rows` is an array whose rows have every named field (checked on
 * the first row; an empty array draws an empty chart).
 */
function checkData(chart: string, rows: Rows, fields: Record<string, string | undefined>): void {
  if (!Array.isArray(rows)) throw new TypeError(`${chart}: data must be an array of row objects, got ${typeof rows}`);
  if (rows.length === 0) return;
  const first = rows[0];
  if (typeof first !== 'object' || first === null)
    throw new TypeError(`${chart}: each row must be an object, got ${String(first)}`);
  for (const [role, field] of Object.entries(fields)) {
    if (field !== undefined && !(field in first)) {
      throw new Error(
        `${chart}: ${role} field "${field}" is not in the data (the rows have ${Object.keys(first).join(', ') || 'no fields'})`,
      );
    }
  }
}

/** The parts every chart has: schema, title, size and (a copy of) the data. */
function baseSpec(rows: Rows, options: Omit<ChartOptions, 'x' | 'y'>): VegaLiteSpec {
  return {
    $schema: VEGA_LITE_SCHEMA,
    ...(options.title !== undefined ? { title: options.title } : {}),
    width: options.width ?? 400,
    height: options.height ?? 250,
    data: { values: [...rows] },
  };
}

/** The x, y and optional colour channels of a chart. */
function xyEncoding(rows: Rows, options: ChartOptions, xType: FieldType, extra: object = {}): object {
  return {
    x: { field: options.x, type: xType, ...extra },
    y: { field: options.y, type: inferType(rows, options.y), ...extra },
    ...(options.color !== undefined
      ? { color: { field: options.color, type: inferColorType(rows, options.color) } }
      : {}),
  };
}

/** Lines through the points in x order; one line per value of `color` (e.g. train vs. test). */
export function lineChart(data: Rows, options: ChartOptions): VegaLiteSpec {
  checkOptions('lineChart', options, ['x', 'y', 'color', 'title', 'width', 'height'], true);
  checkData('lineChart', data, { x: options.x, y: options.y, color: options.color });
  return {
    ...baseSpec(data, options),
    mark: { type: 'line', tooltip: true },
    encoding: xyEncoding(data, options, inferType(data, options.x)),
  };
}

/** A point per row, coloured by `color` (e.g. a dataset's class labels). Axes need not start at 0. */
export function scatterChart(data: Rows, options: ChartOptions): VegaLiteSpec {
  checkOptions('scatterChart', options, ['x', 'y', 'color', 'title', 'width', 'height'], true);
  checkData('scatterChart', data, { x: options.x, y: options.y, color: options.color });
  return {
    ...baseSpec(data, options),
    mark: { type: 'point', filled: true, tooltip: true },
    encoding: xyEncoding(data, options, inferType(data, options.x), { scale: { zero: false } }),
  };
}

/** A bar per row at each category `x` with height `y`; bars with a `color` field are stacked. */
export function barChart(data: Rows, options: ChartOptions): VegaLiteSpec {
  checkOptions('barChart', options, ['x', 'y', 'color', 'title', 'width', 'height'], true);
  checkData('barChart', data, { x: options.x, y: options.y, color: options.color });
  // Numbers on x are still categories here (bar per epoch, per class): ordinal keeps their order.
  const xType = inferType(data, options.x) === 'nominal' ? 'nominal' : 'ordinal';
  return {
    ...baseSpec(data, options),
    mark: { type: 'bar', tooltip: true },
    encoding: xyEncoding(data, options, xType),
  };
}

/** A grid of cells at (x, y) coloured by `value`: a matrix, weights, a decision surface. */
export function heatmap(data: Rows, options: HeatmapOptions): VegaLiteSpec {
  checkOptions('heatmap', options, ['x', 'y', 'value', 'scheme', 'title', 'width', 'height'], true);
  checkData('heatmap', data, { x: options.x, y: options.y, value: options.value });
  return {
    ...baseSpec(data, options),
    mark: { type: 'rect', tooltip: true },
    encoding: {
      x: { field: options.x, type: 'ordinal', axis: { labelOverlap: true, labelAngle: 0 } },
      y: { field: options.y, type: 'ordinal', axis: { labelOverlap: true } },
      color: { field: options.value, type: 'quantitative', scale: { scheme: options.scheme ?? 'viridis' } },
    },
  };
}
