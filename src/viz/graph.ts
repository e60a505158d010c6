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
  /**
   * Fold a graph of more than this many values (default: never): the values made by the
   * same function at the same depth are drawn as one box, "mul ×12", and so are the leaves
   * of each kind, so a network's graph shows its layers instead of thousands of boxes.
   */
  fold?: number;
}

/** The size of a computation graph: what makes a network of Scalars slow. */
export interface GraphSize {
  /** Values (boxes): every variable the output depends on, constants included, and itself. */
  values: number;
  /** Values with no parents: inputs, parameters and constants. */
  leaves: number;
  /** Function applications (ovals), by function name. */
  ops: Record<string, number>;
}

/** Count the values and function applications `output` was computed from. */
export function graphSize(output: Variable): GraphSize {
  checkVariable(output, 'graphSize');
  const all = collect(output);
  const ops: Record<string, number> = {};
  let leaves = 0;
  for (const v of all) {
    if (v.parents.length === 0) leaves++;
    else {
      const op = describeVariable(v).op ?? 'fn';
      ops[op] = (ops[op] ?? 0) + 1;
    }
  }
  return { values: all.length, leaves, ops };
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
  checkOptions('graphToDot', options, ['describe', 'rankdir', 'fold']);
  checkVariable(output, 'graphToDot');
  const describe = options.describe ?? describeVariable;
  const lines = [
    'digraph G {',
    `  rankdir=${options.rankdir ?? 'LR'};`,
    '  node [fontname="Helvetica", fontsize=11];',
    '  edge [color="#555555"];',
  ];
  const all = collect(output);
  if (options.fold !== undefined) {
    if (!Number.isInteger(options.fold) || options.fold < 1)
      throw new RangeError(`graphToDot: options.fold must be a positive integer number of values, got ${options.fold}`);
    if (all.length > options.fold) return [...lines, ...foldedDot(output, all, describe), '}'].join('\n');
  }
  for (const v of all) {
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

/**
 * The folded picture's nodes and edges: one box per group of values, a group being the
 * values made by one function at one depth (the longest path from a leaf), or the leaves
 * of one kind (constants, the rest). Edges between groups are drawn once, labelled with how
 * many arrows they stand for.
 */
function foldedDot(output: Variable, all: Variable[], describe: (v: Variable) => NodeDescription): string[] {
  // Depths, parents before children: a depth-first walk with an explicit stack (a network's
  // graph is deeper than the call stack would allow).
  const depth = new Map<number, number>();
  for (const start of all) {
    const stack: Variable[] = [start];
    while (stack.length > 0) {
      const v = stack[stack.length - 1];
      if (depth.has(v.uniqueId)) {
        stack.pop();
        continue;
      }
      const pending = v.parents.filter((p) => !depth.has(p.uniqueId));
      if (pending.length > 0) stack.push(...pending);
      else {
        stack.pop();
        depth.set(
          v.uniqueId,
          v.parents.length === 0 ? 0 : 1 + Math.max(...v.parents.map((p) => depth.get(p.uniqueId)!)),
        );
      }
    }
  }
  const groupOf = (v: Variable): string => {
    if (v === output) return 'output';
    if (v.parents.length === 0) return v.isConstant() ? 'constants' : 'leaves';
    return `${describe(v).op ?? 'fn'} @${depth.get(v.uniqueId)}`;
  };
  const groups = new Map<string, { count: number; label: string; fill: string }>();
  const edges = new Map<string, number>();
  for (const v of all) {
    const g = groupOf(v);
    const entry = groups.get(g) ?? {
      count: 0,
      label: g === 'output' || v.parents.length === 0 ? g : (describe(v).op ?? 'fn'),
      fill: g === 'output' ? '#fde2c8' : g === 'constants' ? '#eeeeee' : '#dbe9f6',
    };
    entry.count++;
    groups.set(g, entry);
    for (const p of v.parents) {
      const key = `${groupOf(p)}\u0000${g}`;
      edges.set(key, (edges.get(key) ?? 0) + 1);
    }
  }
  const ids = new Map([...groups.keys()].map((g, i) => [g, `g${i}`]));
  const lines: string[] = [];
  for (const [g, { count, label, fill }] of groups) {
    const text = g === 'output' ? describe(output).lines : [];
    lines.push(
      `  ${ids.get(g)} [shape=box, style=filled, fillcolor="${fill}", label=${quote([`${label} ×${count}`, ...text])}];`,
    );
  }
  for (const [key, n] of edges) {
    const [from, to] = key.split('\u0000');
    lines.push(`  ${ids.get(from)} -> ${ids.get(to)}${n > 1 ? ` [label="${n}", fontsize=9]` : ''};`);
  }
  return lines;
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
  checkOptions('drawGraph', options, ['describe', 'rankdir', 'fold']);
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
  checkOptions('showGraph', options, ['describe', 'rankdir', 'fold', 'name', 'outDir']);
  const svg = await drawGraph(output, { describe: options.describe, rankdir: options.rankdir, fold: options.fold });
  return showSvg(svg, { name: options.name ?? 'graph', outDir: options.outDir });
}
