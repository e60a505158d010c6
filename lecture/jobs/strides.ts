/**
 * Module 2's strides sandbox: a layout (shape, strides, a storage of 0, 1, 2, …), where each
 * index reads its storage (the students' `TensorData.index`), and the same after permute,
 * view or broadcast; the library's own error messages go to the page as they are.
 */
import { getBackend } from '../../src/backends/registry';
import { Tensor } from '../../src/tensor';
import { TensorData, shapeBroadcast } from '../../src/tensorData';
import { broadcastView } from '../../src/viz/strides';
import type { JobContext } from './context';

/** A list of integers from the URL (`"2,3"`), or an error naming the parameter. */
function ints(ctx: JobContext, name: string, fallback: string): number[] {
  const raw = ctx.str(name, fallback).trim();
  if (raw === '') return [];
  const out = raw.split(',').map((s) => Number(s.trim()));
  if (out.some((v) => !Number.isInteger(v)))
    throw new RangeError(`${name} must be integers separated by commas, got "${raw}"`);
  return out;
}

/** Every index of `data` with the storage position it reads. */
function cells(data: TensorData): {
  shape: number[];
  strides: number[];
  cells: Array<{ index: number[]; position: number }>;
} {
  const out: Array<{ index: number[]; position: number }> = [];
  const shape = [...data.shape];
  const size = shape.reduce((a, b) => a * b, 1);
  for (let ordinal = 0; ordinal < size; ordinal++) {
    const index: number[] = [];
    let rest = ordinal;
    for (let d = shape.length - 1; d >= 0; d--) {
      index.unshift(rest % shape[d]);
      rest = Math.floor(rest / shape[d]);
    }
    out.push({ index, position: data.index(index) });
  }
  return { shape, strides: [...data.strides], cells: out };
}

export async function stridesSandbox(ctx: JobContext): Promise<unknown> {
  const shape = ints(ctx, 'shape', '2,3');
  const given = ints(ctx, 'strides', '');
  const storageSize =
    given.length === shape.length
      ? shape.reduce((s, n, i) => s + (n - 1) * Math.abs(given[i]), 1)
      : shape.reduce((a, b) => a * b, 1);
  const values = ctx.str('storage', '').trim();
  const storage = values
    ? Float64Array.from(values.split(',').map((v) => Number(v)))
    : Float64Array.from({ length: Math.max(1, storageSize) }, (_, i) => i);
  const op = ctx.str('op', 'none');
  const shown = { storage: Array.from(storage), op };
  // The library's own messages, for a layout it refuses as for an operation it refuses.
  const refused = (e: unknown) => {
    if (e instanceof Error && e.name !== 'NotImplementedError') return { ...shown, error: e.message };
    throw e;
  };
  let data: TensorData;
  try {
    data = new TensorData(storage, shape, given.length > 0 ? given : undefined);
  } catch (e) {
    return { ...refused(e), failed: 'layout' };
  }
  const base = { ...shown, layout: cells(data) };
  try {
    if (op === 'permute') return { ...base, result: cells(data.permute(...ints(ctx, 'order', '1,0'))) };
    if (op === 'view') {
      const t = new Tensor(data, getBackend('simple'));
      return { ...base, result: cells(t.view(...ints(ctx, 'to', '3,2')).data) };
    }
    if (op === 'broadcast') {
      const target = shapeBroadcast(shape, ints(ctx, 'other', '1,3'));
      return { ...base, target, result: cells(broadcastView(data, target)) };
    }
  } catch (e) {
    return { ...refused(e), layout: base.layout };
  }
  return base;
}
