/**
 * The strides visualiser (Module 2): a tensor's flat storage drawn as a row of cells, and its
 * index grid drawn under it, each index cell labelled with the storage position it reads
 * (`indexToPosition(index, strides)`) and coloured like that storage cell. Drawing a tensor
 * before and after a `permute`, or a broadcast view, shows that only the strides changed:
 * the storage row is the same, the grid reads it in another order (or reads one cell many
 * times, where a stride is 0).
 *
 * @packageDocumentation
 */
import {
  IndexingError,
  TensorData,
  checkBroadcastTo,
  formatShape,
  indexToPosition,
  shapeSize,
  toIndex,
} from '../tensorData';
import { VEGA_LITE_SCHEMA, VegaLiteSpec } from './render';
import { checkOptions } from '../validate';

/** Anything with a layout: a `TensorData`, or a `Tensor` (through its `data`). */
export type TensorLayout = TensorData | { data: TensorData };

/** Options of `stridesChart`. */
export interface StridesChartOptions {
  /** Title over the pair of charts, before the shape and strides. */
  title?: string;
  /** Pixels per cell (default 32). */
  cell?: number;
}

/**
 * Width a figure may take: a notebook column (JupyterLab in a 1,400-px window with the file
 * browser open, or the exported page at 1,280 px) holds about 800 px without scaling the
 * picture down, and a scaled-down picture shrinks its labels too.
 */
export const COLUMN_WIDTH = 760;

/** Room for the y axis's title and labels (e.g. "1, 2, :") left of a grid. */
const AXIS_ROOM = 110;

/** The `TensorData` behind a layout. */
function dataOf(layout: TensorLayout): TensorData {
  return layout instanceof TensorData ? layout : layout.data;
}

/** A number short enough for a cell label. */
function short(v: number): string {
  return Number.isInteger(v) ? String(v) : v.toFixed(2);
}

/**
 * A view of `data` broadcast to `shape` without copying: new leading dims and dims of size 1
 * get stride 0, so every index along them reads the same storage cell (what a broadcast
 * binary op does implicitly). Throws an `IndexingError` naming both shapes if `data` cannot
 * broadcast to `shape`.
 */
export function broadcastView(data: TensorData, shape: number[]): TensorData {
  checkBroadcastTo(data.shape, shape);
  const offset = shape.length - data.dims;
  const strides = shape.map((d, i) => (i < offset || data.shape[i - offset] !== d ? 0 : data.strides[i - offset]));
  return data.withLayout(shape, strides);
}

/** Rows for the storage row and the index grid of one layout. */
export function stridesRows(layout: TensorLayout): { storage: object[]; grid: object[] } {
  const data = dataOf(layout);
  const values = data.storage;
  // Storage cells past the last one the layout can reach are still drawn: a view may skip some.
  // The position is on the axis under the row; the cell shows the value.
  const storage = Array.from(values, (v, position) => ({ position, label: short(v), value: v }));
  const grid: object[] = [];
  const index = new Array<number>(data.dims).fill(0);
  const lastDim = data.dims - 1;
  for (let i = 0; i < data.size; i++) {
    toIndex(i, data.shape, index);
    const position = indexToPosition(index, data.strides);
    if (position < 0 || position >= values.length) {
      throw new IndexingError(
        `stridesChart: index [${index.join(', ')}] reads position ${position}, outside storage of length ${values.length}`,
      );
    }
    // Rows are all dims but the last (e.g. "1, 2, :"); columns are the last dim.
    const row = data.dims <= 1 ? ':' : `${index.slice(0, lastDim).join(', ')}, :`;
    const column = data.dims === 0 ? 0 : index[lastDim];
    grid.push({
      row,
      column,
      index: `[${index.join(', ')}]`,
      position,
      label: `s${position}`,
      value: values[position],
    });
  }
  return { storage, grid };
}

/**
 * Storage cells above the tensor's index grid, as one vega-lite chart. Both share a colour
 * scale keyed by storage position, so an index cell has the colour of the storage cell it
 * reads; its label `sP` is that position.
 */
export function stridesChart(layout: TensorLayout, options: StridesChartOptions = {}): VegaLiteSpec {
  checkOptions('stridesChart', options, ['title', 'cell']);
  const data = dataOf(layout);
  const { storage, grid } = stridesRows(data);
  const cell = options.cell ?? 32;
  const columns = data.dims === 0 ? 1 : data.shape[data.dims - 1];
  const rows = data.dims <= 1 ? 1 : shapeSize(data.shape.slice(0, -1));
  const color = {
    field: 'position',
    type: 'ordinal',
    scale: { scheme: 'tableau20' },
    legend: null,
  };
  const text = (field: string) => ({ mark: { type: 'text', fontSize: 11 }, encoding: { text: { field } } });
  return {
    $schema: VEGA_LITE_SCHEMA,
    title: `${options.title !== undefined ? `${options.title}: ` : ''}shape ${formatShape(data.shape)}, strides ${formatShape(data.strides)}`,
    vconcat: [
      {
        title: { text: `storage: ${storage.length} values`, fontSize: 11 },
        data: { values: storage },
        width: Math.max(cell, storage.length * cell),
        height: cell,
        encoding: {
          x: { field: 'position', type: 'ordinal', title: 'storage position', axis: { labelAngle: 0 } },
        },
        layer: [
          {
            mark: { type: 'rect', stroke: 'white', tooltip: true },
            encoding: { color, tooltip: [{ field: 'position' }, { field: 'value' }] },
          },
          text('label'),
        ],
      },
      {
        title: { text: `index grid ${formatShape(data.shape)}: cell reads storage sP`, fontSize: 11 },
        data: { values: grid },
        width: columns * cell,
        height: rows * cell,
        encoding: {
          x: { field: 'column', type: 'ordinal', title: 'last index', axis: { labelAngle: 0 } },
          y: { field: 'row', type: 'ordinal', title: 'other indices', sort: null },
        },
        layer: [
          {
            mark: { type: 'rect', stroke: 'white', tooltip: true },
            encoding: { color, tooltip: [{ field: 'index' }, { field: 'position' }, { field: 'value' }] },
          },
          text('label'),
        ],
      },
    ],
    resolve: { scale: { color: 'shared' } },
  };
}

/** About how wide `stridesChart` draws a layout, in pixels (for laying out several). */
function chartWidth(data: TensorData, title: string, cell: number): number {
  const columns = data.dims === 0 ? 1 : data.shape[data.dims - 1];
  const titleWidth = (title.length + 40) * 6.5; // the title adds shape and strides
  return Math.max(AXIS_ROOM + Math.max(data.storage.length, columns) * cell, titleWidth);
}

/**
 * Several layouts with titles, e.g. a tensor before and after `permute`, or a row before and
 * after broadcasting: `stridesComparison([["before", t], ["after", t.permute(1, 0)]])`.
 * Side by side while they fit a notebook column (`COLUMN_WIDTH`), else wrapped onto more
 * rows, so nothing is cut off or shrunk.
 */
export function stridesComparison(
  layouts: Array<[string, TensorLayout]>,
  options: { title?: string; cell?: number } = {},
): VegaLiteSpec {
  checkOptions('stridesComparison', options, ['title', 'cell']);
  if (layouts.length === 0) throw new Error('stridesComparison: give at least one [title, layout] pair');
  const cell = options.cell ?? 32;
  const spacing = 30;
  const widest = Math.max(...layouts.map(([title, layout]) => chartWidth(dataOf(layout), title, cell)));
  const columns = Math.max(1, Math.min(layouts.length, Math.floor((COLUMN_WIDTH + spacing) / (widest + spacing))));
  return {
    $schema: VEGA_LITE_SCHEMA,
    ...(options.title !== undefined ? { title: options.title } : {}),
    columns,
    spacing,
    concat: layouts.map(([title, layout]) => {
      const { $schema: _schema, ...spec } = stridesChart(layout, { title, cell });
      return spec;
    }),
  };
}
