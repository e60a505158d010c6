/**
 * Drawing a computation graph: every value an expression was computed from (boxes, with name,
 * value and, after `backward()`, derivative) and every function applied (ovals, with the
 * op's name), laid out by Graphviz (`@viz-js/viz`, Graphviz compiled to WebAssembly) and
 * returned as SVG.
 *
 * It walks the graph through the `Variable` interface of `autodiff`, so it draws Scalars now
 * and Tensors later; what a node says comes from a few optional fields (`name`, `data`,
 * `derivative` or `grad`, `history.op`) or from a `describe` function you pass.
 *
 * @packageDocumentation
 */
import type { Variable } from '../autodiff';
import { ShowOptions, showSvg } from './show';
import { checkOptions } from '../validate';

/** What a drawn node says: its lines of text, and the function that made it (if any). */
export interface NodeDescription {
  /** Lines of the value's box, e.g. `["x", "data 2", "grad 3"]`. */
  lines: string[];
  /** The op that computed this value (drawn as its own oval), or undefined for inputs. */
  op?: string;
}

/** Options of `graphToDot`, `drawGraph` and `showGraph`. */
export interface GraphOptions {
  /** Describe a node; the default reads `name`, `data`, `derivative`/`grad` and `history.op`. */
  describe?: (v: Variable) => NodeDescription;
  /** Layout direction (default `LR`: inputs on the left, the output on the right). */
  rankdir?: 'LR' | 'TB' | 'RL' | 'BT';
}

/** A number as a short label: 4 significant digits, no trailing zeros. */
function formatNumber(x: number): string {
  return Number.isInteger(x) ? String(x) : String(Number(x.toPrecision(4)));
}

/** A value as a short label: numbers in full, tensors by shape, anything else by `String`. */
function formatValue(x: unknown): string {
  if (typeof x === 'number') return formatNumber(x);
  const shape = (x as { shape?: unknown } | null)?.shape;
  if (Array.isArray(shape)) return `shape [${shape.join(', ')}]`;
  return String(x);
}

/** The default `describe`: duck-typed so it suits Scalars and Tensors alike. */
export function describeVariable(v: Variable): NodeDescription {
  const fields = v as unknown as {
    name?: unknown;
    data?: unknown;
    shape?: unknown;
    derivative?: unknown;
    grad?: unknown;
    history?: { op?: unknown } | null;
  };
  const lines: string[] = [];
  // A constant's generated name says nothing; its value is what matters.
  if (v.isConstant() && typeof fields.data === 'number') return { lines: [`constant ${formatNumber(fields.data)}`] };
  // Scalars without a given name get `x<id>`; drawn beside an input called `x`, "x3" reads
  // like a relative of it. The op's oval already says what made the value, so leave it out.
  const generated = fields.name === `x${v.uniqueId}`;
  if (typeof fields.name === 'string' && !generated) lines.push(fields.name);
  if (typeof fields.data === 'number') lines.push(`data ${formatNumber(fields.data)}`);
  else if (Array.isArray(fields.shape)) lines.push(formatValue(fields));
  const d = fields.derivative ?? fields.grad;
  if (d !== undefined && d !== null) lines.push(`grad ${formatValue(d)}`);
  if (v.isConstant()) lines.push('constant');
  const op = fields.history?.op;
  return { lines, op: typeof op === 'string' ? op : undefined };
}

/** A DOT string literal of some lines (DOT's `\\n` breaks a label into centred lines). */
function quote(lines: string[]): string {
  return `"${lines.map((line) => line.replace(/\\/g, '\\\\').replace(/"/g, '\\"')).join('\\n')}"`;
}

/**
 * Every variable `output` depends on, constants included (unlike `topologicalSort`, which
 * skips them, the picture should show them), each once, the output first.
 */
function collect(output: Variable): Variable[] {
  const seen = new Set<number>([output.uniqueId]);
  const order: Variable[] = [output];
  for (let i = 0; i < order.length; i++) {
    for (const parent of order[i].parents) {
      if (seen.has(parent.uniqueId)) continue;
      seen.add(parent.uniqueId);
      order.push(parent);
    }
  }
  return order;
}

/** Throw unless `x` looks like a `Variable` (a Scalar or Tensor). */
function checkVariable(x: unknown, caller: string): asserts x is Variable {
  const v = x as Partial<Variable> | null;
  if (
    typeof v !== 'object' ||
    v === null ||
    typeof v.uniqueId !== 'number' ||
    !Array.isArray(v.parents) ||
    typeof v.isConstant !== 'function'
  ) {
    throw new TypeError(
      `${caller}: expected a Scalar or Tensor (a Variable with uniqueId and parents), got ${String(x)}`,
    );
  }
}

/**
 * The computation graph of `output` in Graphviz's DOT language: a box per value, an oval per
 * function application, arrows from inputs through the function to its result. A value used
 * twice has two arrows leaving it.
 */
export function graphToDot(output: Variable, options: GraphOptions = {}): string {
  checkOptions('graphToDot', options, ['describe', 'rankdir']);
  checkVariable(output, 'graphToDot');
  const describe = options.describe ?? describeVariable;
  const lines = [
    'digraph G {',
    `  rankdir=${options.rankdir ?? 'LR'};`,
    '  node [fontname="Helvetica", fontsize=11];',
    '  edge [color="#555555"];',
  ];
  for (const v of collect(output)) {
    const { lines: text, op } = describe(v);
    const id = `v${v.uniqueId}`;
    // Output orange, constants grey, everything else blue.
    const fill = v === output ? '#fde2c8' : v.isConstant() ? '#eeeeee' : '#dbe9f6';
    lines.push(`  ${id} [shape=box, style=filled, fillcolor="${fill}", label=${quote(text)}];`);
    if (v.parents.length === 0) continue;
    const fn = `f${v.uniqueId}`;
    lines.push(`  ${fn} [shape=ellipse, label=${quote([op ?? 'fn'])}];`);
    lines.push(`  ${fn} -> ${id};`);
    for (const parent of v.parents) lines.push(`  v${parent.uniqueId} -> ${fn};`);
  }
  lines.push('}');
  return lines.join('\n');
}

/** The Graphviz instance, loaded on first use (loading the WebAssembly takes a moment). */
let graphviz: Promise<{ renderString(dot: string, options: { format: string; engine: string }): string }> | undefined;

/** Lay out a DOT graph with Graphviz's `dot` engine and return the SVG document. */
export async function dotToSvg(dot: string): Promise<string> {
  if (graphviz === undefined) {
    // Loaded lazily so importing minitorch never pays for (or requires) the WebAssembly.
    graphviz = import('@viz-js/viz').then((m) => m.instance());
  }
  return (await graphviz).renderString(dot, { format: 'svg', engine: 'dot' });
}

/**
 * The computation graph of `output` (a Scalar, later a Tensor) as an SVG document. Call it
 * after `output.backward()` to see the derivatives too.
 */
export async function drawGraph(output: Variable, options: GraphOptions = {}): Promise<string> {
  checkOptions('drawGraph', options, ['describe', 'rankdir']);
  checkVariable(output, 'drawGraph');
  return dotToSvg(graphToDot(output, options));
}

/**
 * Draw the computation graph of `output` in the notebook (or, outside one, write
 * `<outDir>/<name>.svg`/`.html`, default name `graph`, and return the path).
 */
export async function showGraph(
  output: Variable,
  options: GraphOptions & ShowOptions = {},
): Promise<string | undefined> {
  checkOptions('showGraph', options, ['describe', 'rankdir', 'name', 'outDir']);
  const svg = await drawGraph(output, { describe: options.describe, rankdir: options.rankdir });
  return showSvg(svg, { name: options.name ?? 'graph', outDir: options.outDir });
}
