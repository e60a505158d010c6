/**
 * PyTorch's basic indexing (`x[0]`, `w[:, 0]`, `x[1:10:3]`, `x[..., None]`) as an affine view:
 * a start position in storage plus a shape and strides, as PyTorch computes it.
 *
 * Every basic index picks a regular grid of positions, so the result needs no copy: an
 * integer `i` drops its dim and moves the start by `i·stride`; a slice `start:stop:step`
 * keeps the dim with `⌈(stop − start) / step⌉` entries, moves the start by `start·stride`
 * and multiplies the stride by `step`; `None` inserts a dim of size 1 (stride 0). The view
 * is `TensorData.withOffset(offset, shape, strides)`, which shares the memory (and version
 * counter) of the tensor indexed.
 *
 * The index is first parsed against the shape alone (`parseIndex`), so the same index can
 * be laid over any strides: the forward pass lays it over the input's, its backward over a
 * contiguous tensor of zeros to place the gradient (`indexLayout`).
 *
 * @packageDocumentation
 */
import { IndexingError, Shape, Strides, formatShape } from './tensorData';
import { describeValue } from './validate';

/** One entry of `Tensor.at`'s index: an integer, a slice string such as `'1:3'`, `'...'` or `null`. */
export type IndexEntry = number | string | null;

/**
 * What one entry of a parsed index does: picks `at` of an input dim (dropping it), keeps
 * `count` entries of an input dim from `start`, `step` apart, or inserts a new dim of size 1.
 */
export type IndexStep =
  | { readonly kind: 'int'; readonly at: number }
  | { readonly kind: 'slice'; readonly start: number; readonly step: number; readonly count: number }
  | { readonly kind: 'new' };

/** An index checked against an input shape, with `'...'` expanded: one step per entry. */
export interface BasicIndex {
  /** The shape of the tensor indexed. */
  readonly inputShape: Shape;
  /** One step per input dim, in order, with the new dims among them. */
  readonly steps: readonly IndexStep[];
}

/** Storage offset, shape and strides of a view. */
export interface ViewLayout {
  offset: number;
  shape: Shape;
  strides: Strides;
}

/**
 * Check `index` against `shape` and resolve it: negative integers and slice bounds count from
 * the end, slice bounds clamp to the dim (Python's rules), `'...'` stands for the dims not
 * named. Errors name the entry and what was expected: an integer out of range, two `'...'`,
 * more indices than dims, a step that is not positive (PyTorch rejects negative steps too).
 */
export function parseIndex(shape: Shape, index: readonly IndexEntry[]): BasicIndex {
  const named = index.filter((s) => s !== null && s !== '...').length;
  const ellipses = index.filter((s) => s === '...').length;
  if (ellipses > 1) throw new IndexingError(`at: an index can have only one '...', got ${describeValue(index)}`);
  if (named > shape.length) {
    throw new IndexingError(`at: ${named} indices for a tensor of ${shape.length} dims (shape ${formatShape(shape)})`);
  }
  const rest = new Array<string>(shape.length - named).fill(':');
  const entries = ellipses === 0 ? [...index, ...rest] : index.flatMap((s) => (s === '...' ? rest : [s]));
  const steps: IndexStep[] = [];
  let d = 0;
  for (const entry of entries) {
    if (entry === null) {
      steps.push({ kind: 'new' });
      continue;
    }
    const n = shape[d];
    if (typeof entry === 'number') {
      if (!Number.isInteger(entry) || entry < -n || entry >= n) {
        throw new IndexingError(`at: index ${entry} is out of range for dim ${d} of size ${n}`);
      }
      steps.push({ kind: 'int', at: entry < 0 ? entry + n : entry });
    } else if (typeof entry === 'string') {
      steps.push(parseSlice(entry, n, d));
    } else {
      throw new TypeError(
        `at: each index must be an integer, a slice string such as '1:3', '...' or null, got ${describeValue(entry)}`,
      );
    }
    d += 1;
  }
  return { inputShape: shape.slice(), steps };
}

/** Python's slice `start:stop:step` over a dim of size `n`: where it starts and how many it keeps. */
function parseSlice(spec: string, n: number, dim: number): IndexStep {
  const parts = spec.split(':');
  const num = (text: string): number | null => {
    const t = text.trim();
    if (t === '') return null;
    if (!/^[+-]?\d+$/.test(t)) {
      throw new IndexingError(`at: slice '${spec}' for dim ${dim}: '${t}' is not an integer`);
    }
    return Number(t);
  };
  if (parts.length < 2 || parts.length > 3) {
    throw new IndexingError(`at: '${spec}' for dim ${dim} is not a slice such as ':', '1:3' or '::2' (or '...')`);
  }
  const step = parts.length === 3 ? (num(parts[2]) ?? 1) : 1;
  if (step <= 0) {
    throw new IndexingError(
      `at: slice '${spec}' for dim ${dim}: step must be positive, as in PyTorch (a view cannot step backwards), got ${step}`,
    );
  }
  // Python's rules: negative bounds count from the end, then clamp to [0, n].
  const bound = (v: number | null, dflt: number): number =>
    v === null ? dflt : Math.min(n, Math.max(0, v < 0 ? v + n : v));
  const start = bound(num(parts[0]), 0);
  const stop = bound(num(parts[1]), n);
  return { kind: 'slice', start, step, count: Math.max(0, Math.ceil((stop - start) / step)) };
}

/**
 * The view `index` picks from data laid out with `strides` (the input's own, or a contiguous
 * layout of `index.inputShape`), relative to that data's first storage position.
 */
export function indexLayout(index: BasicIndex, strides: Strides): ViewLayout {
  let offset = 0;
  const shape: Shape = [];
  const out: Strides = [];
  let d = 0;
  for (const s of index.steps) {
    if (s.kind === 'new') {
      shape.push(1);
      out.push(0);
      continue;
    }
    const stride = strides[d];
    d += 1;
    if (s.kind === 'int') {
      offset += s.at * stride;
    } else {
      // An empty slice starts nowhere: no offset, so the view never points past the storage.
      if (s.count > 0) offset += s.start * stride;
      shape.push(s.count);
      out.push(s.step * stride);
    }
  }
  return { offset, shape, strides: out };
}
