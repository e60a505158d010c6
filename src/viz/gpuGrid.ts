/**
 * Module 3's pictures of how a GPU dispatch maps invocations to work: a 1-D grid of
 * workgroups over a vector, and a 2-D grid of tiles over a matrix product's output.
 *
 * @packageDocumentation
 */
import { VEGA_LITE_SCHEMA, VegaLiteSpec } from './render';

function checkPositive(caller: string, values: Record<string, number>): void {
  for (const [name, v] of Object.entries(values)) {
    if (!Number.isInteger(v) || v < 1) throw new RangeError(`${caller}: ${name} must be a positive integer, got ${v}`);
  }
}

/**
 * A map over `size` elements dispatched in workgroups of `workgroupSize`: one cell per
 * invocation, labelled with its `local_invocation_id`, one row per workgroup, faded where
 * `i >= size` (those invocations return without work).
 */
export function workgroupChart(size: number, workgroupSize: number): VegaLiteSpec {
  checkPositive('workgroupChart', { size, workgroupSize });
  const groups = Math.ceil(size / workgroupSize);
  const cells = Array.from({ length: groups * workgroupSize }, (_, g) => ({
    global: g,
    workgroup: `workgroup ${Math.floor(g / workgroupSize)}`,
    local: g % workgroupSize,
    active: g < size ? 'computes out[i]' : 'i >= size: returns',
  }));
  const position = {
    x: { field: 'global', type: 'ordinal', title: 'global invocation id (= element i)', axis: { labelAngle: 0 } },
    y: { field: 'workgroup', type: 'nominal', title: null },
  };
  return {
    $schema: VEGA_LITE_SCHEMA,
    title: {
      text: `dispatchWorkgroups(${groups}), @workgroup_size(${workgroupSize})`,
      subtitle: `global id = workgroup_id × ${workgroupSize} + local id (in each cell)`,
    },
    data: { values: cells },
    width: Math.min(560, 26 * cells.length),
    height: 28 * groups,
    encoding: position,
    layer: [
      {
        mark: { type: 'rect', stroke: 'white', strokeWidth: 2 },
        encoding: {
          color: { field: 'workgroup', type: 'nominal', legend: null },
          // Ordinal, ordered by the scale's domain: vega-lite warns on an unsorted nominal opacity.
          opacity: {
            field: 'active',
            type: 'ordinal',
            scale: { domain: ['computes out[i]', 'i >= size: returns'], range: [1, 0.3] },
            title: null,
            legend: { orient: 'bottom' },
          },
        },
      },
      {
        mark: { type: 'text', color: 'white', fontWeight: 'bold' },
        encoding: { text: { field: 'local', type: 'quantitative' } },
      },
    ],
  };
}

/**
 * The output of a `rows × cols` matrix product computed by `tile × tile` workgroups: each
 * workgroup one colour, faded outside the matrix where edge workgroups have idle
 * invocations. Drawn one rectangle per tile part (not per entry), so the chart stays small.
 */
export function tileChart(rows: number, cols: number, tile: number): VegaLiteSpec {
  checkPositive('tileChart', { rows, cols, tile });
  const gx = Math.ceil(cols / tile);
  const gy = Math.ceil(rows / tile);
  const parts: object[] = [];
  for (let y = 0; y < gy; y++) {
    for (let x = 0; x < gx; x++) {
      const workgroup = `(${x}, ${y})`;
      const c0 = x * tile;
      const r0 = y * tile;
      const cIn = Math.min(cols, c0 + tile);
      const rIn = Math.min(rows, r0 + tile);
      parts.push({ workgroup, c0, c1: cIn, r0, r1: rIn, inside: 'inside' });
      // The idle part of an edge tile: an L of one or two rectangles.
      if (cIn < c0 + tile)
        parts.push({ workgroup, c0: cIn, c1: c0 + tile, r0, r1: r0 + tile, inside: 'outside: idle' });
      if (rIn < r0 + tile) parts.push({ workgroup, c0, c1: cIn, r0: rIn, r1: r0 + tile, inside: 'outside: idle' });
    }
  }
  const cell = Math.max(4, Math.min(10, Math.floor(480 / (gx * tile))));
  const ticks = (n: number, groups: number) => [...new Set([...Array.from({ length: groups }, (_, i) => i * tile), n])];
  return {
    $schema: VEGA_LITE_SCHEMA,
    title: `tiled matmul, ${rows}×${cols} output: workgroup per entry`,
    data: { values: parts },
    width: cell * gx * tile,
    height: cell * gy * tile,
    mark: { type: 'rect', stroke: 'white', strokeWidth: 1 },
    encoding: {
      x: {
        field: 'c0',
        type: 'quantitative',
        title: 'output column',
        scale: { domain: [0, gx * tile], nice: false },
        axis: { values: ticks(cols, gx), format: 'd' },
      },
      x2: { field: 'c1' },
      y: {
        field: 'r0',
        type: 'quantitative',
        title: 'output row',
        scale: { domain: [0, gy * tile], nice: false, reverse: true },
        axis: { values: ticks(rows, gy), format: 'd' },
      },
      y2: { field: 'r1' },
      color: { field: 'workgroup', type: 'nominal', title: 'workgroup_id' },
      opacity: {
        field: 'inside',
        type: 'ordinal',
        scale: { domain: ['inside', 'outside: idle'], range: [1, 0.25] },
        title: null,
      },
    },
  };
}
