/**
 * Pictures of a `Module` tree (Module 0): one row per module, as an HTML table or as a
 * vega-lite chart that draws the tree with its parameter counts and training flags.
 *
 * The chart is the one to `show`: it becomes an SVG too, which is what GitHub and nbconvert
 * display, while the HTML table suits a quick look in JupyterLab.
 *
 * @packageDocumentation
 */
import { Module } from '../module';
import { VEGA_LITE_SCHEMA, VegaLiteSpec } from './render';

/** One module of a tree, as `moduleRows` lists it. */
export interface ModuleRow {
  /** Position in depth-first order (the root is 0). */
  index: number;
  /** Dotted path from the root (`layers.0.weights`); the root's is the root name. */
  path: string;
  /** The field name it is held under (`layers.0`); the root's is the root name. */
  name: string;
  /** Its class, e.g. `Linear`. */
  className: string;
  /** 0 for the root, 1 for its children, … */
  depth: number;
  /** Index of the parent row, or -1 for the root. */
  parent: number;
  /** Parameters held directly by this module. */
  ownParameters: number;
  /** Parameters of this module and all its descendants. */
  totalParameters: number;
  /** The module's `training` flag. */
  training: boolean;
}

/**
 * Describe a module tree as rows, depth first (a parent comes before its children, in
 * field order), so that the rows read top to bottom like `toString()` does.
 */
export function moduleRows(module: Module, rootName = 'model'): ModuleRow[] {
  const rows: ModuleRow[] = [];
  const visit = (m: Module, name: string, path: string, depth: number, parent: number): number => {
    const row: ModuleRow = {
      index: rows.length,
      path,
      name,
      className: m.constructor.name,
      depth,
      parent,
      ownParameters: m.namedOwnParameters().length,
      totalParameters: 0,
      training: m.training,
    };
    rows.push(row);
    let total = row.ownParameters;
    for (const [key, child] of m.namedChildren()) {
      total += visit(child, key, `${path}.${key}`, depth + 1, row.index);
    }
    row.totalParameters = total;
    return total;
  };
  visit(module, rootName, rootName, 0, -1);
  return rows;
}

/** Escape text for HTML, so class and field names show as written. */
function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/**
 * The tree as an HTML `<table>` string (module indented by depth, class, own and total
 * parameters, mode). Display it with `tslab.display.html(...)`.
 */
export function moduleTableHtml(module: Module, rootName = 'model'): string {
  const cell = (text: string, align = 'left') => `<td style="text-align:${align}">${text}</td>`;
  const body = moduleRows(module, rootName).map((r) =>
    [
      '<tr>',
      cell(`${'&nbsp;'.repeat(4 * r.depth)}<code>${escapeHtml(r.name)}</code>`),
      cell(escapeHtml(r.className)),
      cell(String(r.ownParameters), 'right'),
      cell(String(r.totalParameters), 'right'),
      cell(r.training ? 'train' : 'eval'),
      '</tr>',
    ].join(''),
  );
  const head = ['module', 'class', 'own params', 'total params', 'mode'].map((h) => `<th>${h}</th>`).join('');
  return `<table>\n<thead><tr>${head}</tr></thead>\n<tbody>\n${body.join('\n')}\n</tbody>\n</table>`;
}

// Layout of the chart, in pixels: vega-lite draws the data's x/y as given (`scale: null`).
const ROW_HEIGHT = 22;
const INDENT = 18;
const CHAR_WIDTH = 7.3; // 12px monospace
const GAP = 24;
const TRAIN_COLOR = '#2e7d32';
const EVAL_COLOR = '#c62828';

/**
 * A vega-lite spec that draws the tree: elbow lines from each module to its parent, the
 * field name and class, own/total parameter counts, and `train`/`eval` in green/red. Pass it
 * to `show`. Hover a row for its dotted path.
 */
export function moduleTreeSpec(module: Module, rootName = 'model'): VegaLiteSpec {
  const rows = moduleRows(module, rootName);
  const label = (r: ModuleRow) => `${r.name}: ${r.className}`;
  const count = (r: ModuleRow) => `${r.ownParameters} / ${r.totalParameters}`;
  const maxDepth = Math.max(...rows.map((r) => r.depth));
  const textWidth = (texts: string[]) => Math.max(...texts.map((t) => t.length)) * CHAR_WIDTH;

  // Column positions follow the widest text in each column.
  const xTree = 8;
  const xCount = xTree + maxDepth * INDENT + 10 + textWidth(['module', ...rows.map(label)]) + GAP;
  const xMode = xCount + textWidth(['params own / total', ...rows.map(count)]) + GAP;
  const width = Math.ceil(xMode + textWidth(['mode', 'train']) + 8);
  const height = (rows.length + 1) * ROW_HEIGHT;
  const yOf = (i: number) => (i + 1.5) * ROW_HEIGHT;

  const values = rows.map((r) => ({
    ...r,
    x: xTree + r.depth * INDENT,
    y: yOf(r.index),
    parentX: r.parent < 0 ? null : xTree + rows[r.parent].depth * INDENT,
    parentY: r.parent < 0 ? null : yOf(r.parent),
    label: label(r),
    count: count(r),
    mode: r.training ? 'train' : 'eval',
    modeColor: r.training ? TRAIN_COLOR : EVAL_COLOR,
  }));
  const headers = [
    { x: xTree, text: 'module' },
    { x: xCount, text: 'params own / total' },
    { x: xMode, text: 'mode' },
  ].map((h) => ({ ...h, y: ROW_HEIGHT / 2 }));

  const px = (field: string) => ({ field, type: 'quantitative' as const, scale: null });
  const text = { font: 'monospace', fontSize: 12, align: 'left' as const, baseline: 'middle' as const };
  const tooltip = [
    { field: 'path', title: 'path' },
    { field: 'className', title: 'class' },
    { field: 'ownParameters', title: 'own parameters' },
    { field: 'totalParameters', title: 'total parameters' },
    { field: 'mode', title: 'mode' },
  ];
  const withParent = [{ filter: 'datum.parent >= 0' }];

  return {
    $schema: VEGA_LITE_SCHEMA,
    title: `${rootName}: ${rows.length} modules, ${rows[0].totalParameters} parameters`,
    width,
    height,
    view: { stroke: null },
    data: { values },
    layer: [
      // Elbow connectors: down from the parent, then across to the child.
      {
        transform: withParent,
        mark: { type: 'rule', color: '#999' },
        encoding: { x: px('parentX'), y: px('parentY'), y2: { field: 'y' } },
      },
      {
        transform: withParent,
        mark: { type: 'rule', color: '#999' },
        encoding: { x: px('parentX'), x2: { field: 'x' }, y: px('y') },
      },
      {
        mark: { type: 'circle', size: 40, opacity: 1, color: '#4c78a8' },
        encoding: { x: px('x'), y: px('y'), tooltip },
      },
      {
        mark: { type: 'text', dx: 8, ...text },
        encoding: { x: px('x'), y: px('y'), text: { field: 'label' }, tooltip },
      },
      {
        mark: { type: 'text', ...text },
        encoding: { x: { datum: xCount, scale: null }, y: px('y'), text: { field: 'count' } },
      },
      {
        mark: { type: 'text', ...text, fontWeight: 'bold' },
        encoding: {
          x: { datum: xMode, scale: null },
          y: px('y'),
          text: { field: 'mode' },
          color: { field: 'modeColor', type: 'nominal', scale: null },
        },
      },
      {
        data: { values: headers },
        mark: { type: 'text', ...text, fontWeight: 'bold', color: '#333' },
        encoding: { x: px('x'), y: px('y'), text: { field: 'text' } },
      },
    ],
  };
}
