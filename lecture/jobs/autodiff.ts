/**
 * Module 1's autodiff sandbox: an expression of x, y, z as the students' Scalars, its graph,
 * and backpropagation one node per step (in the order of their `topologicalSort`, through
 * their `chainRule`), derivatives adding up where paths join; at the end the library's own
 * `backward` and a central difference give the same numbers.
 */
import { centralDifference, topologicalSort } from '../../src/autodiff';
import { Scalar } from '../../src/scalar';
import { describeVariable, graphToDot } from '../../src/viz/graph';
import type { JobContext } from './context';
import { parseExpression } from './expression';

const NAMES = ['x', 'y', 'z'] as const;

/** A picture's pause between two steps while playing (ms). */
const STEP_MS = 350;

export async function autodiffSandbox(ctx: JobContext): Promise<unknown> {
  const text = ctx.str('expr', 'x*x*y');
  const values = NAMES.map((n, i) => ctx.num(n, [2, 3, 1][i]));
  const build = () => {
    const vars = Object.fromEntries(NAMES.map((n, i) => [n, new Scalar(values[i], { name: n })]));
    return { vars, out: parseExpression(text, vars) };
  };
  const { out } = build();
  const order = topologicalSort(out);
  const pending = new Map<number, number>([[out.uniqueId, 1]]);
  const shown = new Map<number, number>();
  const picture = (current: number | null): string => {
    const dot = graphToDot(out, {
      describe: (v) => {
        const d = describeVariable(v);
        const lines = d.lines.filter((l) => !l.startsWith('grad'));
        const got = shown.get(v.uniqueId) ?? pending.get(v.uniqueId);
        if (got !== undefined) lines.push(`d ${Number(got.toPrecision(4))}`);
        return { ...d, lines };
      },
    });
    const mark = current === null ? '' : `  v${current} [penwidth=3, color="#d62728"];\n`;
    return dot.replace(/}\s*$/, `${mark}}`);
  };
  ctx.emit({ step: 0, of: order.length, dot: picture(null), value: out.data });
  for (let i = 0; i < order.length; i++) {
    await ctx.turn();
    if (ctx.isPlaying) await new Promise((r) => setTimeout(r, STEP_MS));
    const node = order[i] as Scalar;
    const d = pending.get(node.uniqueId) ?? 0;
    shown.set(node.uniqueId, d);
    if (!node.isLeaf()) {
      for (const [parent, dp] of node.chainRule(d))
        pending.set(parent.uniqueId, (pending.get(parent.uniqueId) ?? 0) + dp);
    }
    ctx.emit({ step: i + 1, of: order.length, dot: picture(node.uniqueId), node: node.name });
  }
  // The library's own backward on a fresh graph, and the numeric check.
  const fresh = build();
  fresh.out.backward();
  const f = (...xs: number[]): number => {
    const vars = Object.fromEntries(NAMES.map((n, i) => [n, new Scalar(xs[i], { name: n })]));
    return parseExpression(text, vars).data;
  };
  const grads = Object.fromEntries(NAMES.map((n) => [n, fresh.vars[n].derivative ?? 0]));
  const numeric = Object.fromEntries(NAMES.map((n, i) => [n, centralDifference(f, values, { arg: i })]));
  return { value: out.data, grads, numeric };
}
