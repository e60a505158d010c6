/**
 * Module 2 — how a tensor's numbers are laid out in memory (Tasks 2.1 and 2.2).
 *
 * A tensor's values live in one flat `storage` array. Its `shape` says how many entries each
 * dimension has, and its `strides` say how far to jump in storage to move one step along each
 * dimension. Permuting, viewing and broadcasting change shape and strides only: the storage
 * is shared, nothing is copied.
 *
 * The index functions here are plain loops over plain arrays, so the parallel CPU backend can
 * call them from worker threads unchanged.
 *
 * @packageDocumentation
 */
// Only imported: a re-export would compile to an accessor on this module's exports, which slows
// every call the kernels make through it (`tensorData_1.toIndex`), by about a quarter.
import { describeValue } from './validate';

/** The sizes of a tensor's dimensions, e.g. `[2, 3]`. */
export type Shape = number[];
/** Steps in storage per unit step along each dimension. */
export type Strides = number[];
/** A multi-dimensional index, one entry per dimension. */
export type Index = ArrayLike<number>;
/** A writable index buffer (reused across iterations to avoid allocation in hot loops). */
export type OutIndex = { [i: number]: number; length: number };
/** The flat storage of tensor values. */
export type Storage = Float64Array;

/** Raised when an index, shape, permutation or broadcast is invalid. */
export class IndexingError extends RangeError {
  constructor(message: string) {
    super(message);
    this.name = 'IndexingError';
  }
}

/** `[2, 3]` → `"[2, 3]"`, for error messages. */
export function formatShape(shape: ArrayLike<number>): string {
  return `[${Array.from(shape).join(', ')}]`;
}

/** True when two shapes are identical (compares the numbers; no strings are built). */
export function sameShape(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Number of elements in a tensor of this shape (1 for the empty shape). */
export function shapeSize(shape: ArrayLike<number>): number {
  let n = 1;
  for (let i = 0; i < shape.length; i++) n *= shape[i];
  return n;
}

/** Row-major ("C order") strides for a contiguous tensor of this shape. */
export function stridesFromShape(shape: ArrayLike<number>): Strides {
  const strides = new Array<number>(shape.length);
  let step = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = step;
    step *= shape[i];
  }
  return strides;
}

/** Position in storage of the element at `index`: Σ index[i]·strides[i] (Task 2.1). */
export function indexToPosition(index: Index, strides: ArrayLike<number>): number {
  // BEGIN SOLUTION 2.1
  let position = 0;
  for (let i = 0; i < index.length; i++) position += index[i] * strides[i];
  return position;
  // END SOLUTION
}

/**
 * Convert an ordinal (0 … size−1, row-major order) to the multi-dimensional index it names in
 * `shape`, written into `outIndex` (Task 2.1). Not always the inverse of `indexToPosition`:
 * it ignores strides, so it enumerates indices, not storage positions.
 */
export function toIndex(ordinal: number, shape: ArrayLike<number>, outIndex: OutIndex): void {
  // BEGIN SOLUTION 2.1
  let rest = ordinal;
  for (let i = shape.length - 1; i >= 0; i--) {
    const size = shape[i];
    outIndex[i] = rest % size;
    rest = Math.floor(rest / size);
  }
  // END SOLUTION
}

/**
 * Map an index into the broadcast ("big") shape to the index of a smaller tensor that was
 * broadcast to it (Task 2.2): drop the extra leading dims, and use 0 along dims of size 1.
 */
export function broadcastIndex(
  bigIndex: Index,
  bigShape: ArrayLike<number>,
  shape: ArrayLike<number>,
  outIndex: OutIndex,
): void {
  // BEGIN SOLUTION 2.2
  const offset = bigShape.length - shape.length;
  for (let i = 0; i < shape.length; i++) {
    outIndex[i] = shape[i] === 1 ? 0 : bigIndex[i + offset];
  }
  // END SOLUTION
}

/**
 * Strides that read a tensor of `shape` and `strides` as if broadcast to `target`
 * (right-aligned): 0 along dims it is broadcast over, so one index of `target` addresses
 * it directly. The same mapping as `broadcastIndex` then `indexToPosition`, done once per
 * call instead of once per element (the Fast and GPU kernels use it).
 */
export function alignedStrides(
  shape: ArrayLike<number>,
  strides: ArrayLike<number>,
  target: ArrayLike<number>,
): number[] {
  const offset = target.length - shape.length;
  return Array.from(target, (_, i) => (i < offset || shape[i - offset] === 1 ? 0 : strides[i - offset]));
}

/**
 * The shape two tensors broadcast to (Task 2.2): align dims from the right; each pair must be
 * equal or contain a 1. Throws an `IndexingError` naming both shapes otherwise.
 */
export function shapeBroadcast(a: ArrayLike<number>, b: ArrayLike<number>): Shape {
  // BEGIN SOLUTION 2.2
  const n = Math.max(a.length, b.length);
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const da = i < n - a.length ? 1 : a[i - (n - a.length)];
    const db = i < n - b.length ? 1 : b[i - (n - b.length)];
    if (da !== db && da !== 1 && db !== 1) {
      throw new IndexingError(`cannot broadcast shapes ${formatShape(a)} and ${formatShape(b)}`);
    }
    out[i] = da === 1 ? db : da;
  }
  return out;
  // END SOLUTION
}

/**
 * Throw an `IndexingError` naming both shapes unless `shape` broadcasts to exactly `target`
 * (what a backend's `map` with an output shape and a broadcast view need).
 */
export function checkBroadcastTo(shape: ArrayLike<number>, target: ArrayLike<number>): void {
  if (!sameShape(shapeBroadcast(shape, target), target)) {
    throw new IndexingError(`cannot broadcast shape ${formatShape(shape)} to ${formatShape(target)}`);
  }
}

/**
 * True when `strides` are the row-major strides of `shape`: no gaps, no reordering (size-1
 * dims, whose stride is never used, may have any stride).
 */
export function isContiguousLayout(shape: ArrayLike<number>, strides: ArrayLike<number>): boolean {
  let expected = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    if (shape[i] !== 1 && strides[i] !== expected) return false;
    expected *= shape[i];
  }
  return true;
}

/**
 * The storage values a layout of `shape` and `strides` can reach from its first position: 1 +
 * the largest position (0 for an empty layout). An offset view's storage is cut to this span
 * (`TensorData.withOffset`), so a contiguous view's storage holds exactly its values, as a
 * contiguous tensor's does.
 */
export function layoutSpan(shape: ArrayLike<number>, strides: ArrayLike<number>): number {
  let last = 0;
  for (let i = 0; i < shape.length; i++) {
    if (shape[i] === 0) return 0;
    last += (shape[i] - 1) * strides[i];
  }
  return last + 1;
}

/** Check that `shape` is a list of non-negative integers; throw a clear error if not. */
export function checkShape(shape: ArrayLike<number>, what = 'shape'): void {
  // `zeros(2, 3)` passes a number where an array belongs; say so rather than fail later.
  if (!Array.isArray(shape) && !ArrayBuffer.isView(shape)) {
    throw new TypeError(`${what} must be an array of sizes such as [2, 3], got ${describeValue(shape)}`);
  }
  for (let i = 0; i < shape.length; i++) {
    const d = shape[i];
    if (!Number.isInteger(d) || d < 0) {
      // A string size prints like a number in the shape; name its type so the cause shows.
      const got = typeof d === 'number' ? String(d) : describeValue(d);
      throw new IndexingError(
        `${what} ${formatShape(shape)} has an invalid dimension ${got} (must be an integer >= 0)`,
      );
    }
  }
}

/**
 * Zero-filled storage for a tensor of `shape` (in a `SharedArrayBuffer` when `shared`). Too
 * large a shape is an error that names it and its size, not V8's "Invalid typed array length".
 */
export function newStorage(shape: ArrayLike<number>, shared = false): Storage {
  const size = shapeSize(shape);
  try {
    return shared ? new Float64Array(new SharedArrayBuffer(size * 8)) : new Float64Array(size);
  } catch (e) {
    if (!(e instanceof RangeError)) throw e;
    const gib = (size * 8) / 2 ** 30;
    throw new RangeError(
      `cannot allocate a tensor of shape ${formatShape(shape)}: ${size} values of 8 bytes ` +
        `(${gib >= 1 ? `${gib < 10 ? gib.toFixed(1) : Math.round(gib)} GiB` : `${size * 8} bytes`}) is more than this machine can hold (${e.message})`,
    );
  }
}

/** Throw unless `value` is a number (a string or `undefined` would be stored as NaN). */
export function checkValue(value: unknown, what: string): void {
  if (typeof value !== 'number') throw new TypeError(`${what}: values must be numbers, got ${describeValue(value)}`);
}

/**
 * How many times a storage has been written in place (shared by all views of it). Autodiff
 * records it when a tensor is saved for the backward pass, so a later in-place `set` is
 * caught instead of silently giving a wrong gradient (PyTorch's version counter).
 */
export interface VersionCounter {
  value: number;
}

/** Host storage below this many values is left to the garbage collector, never recycled. */
export const RECYCLE_MIN = 4096;

/**
 * Where released host storage goes (see `TensorData.releaseStorage`): the fast backend sets
 * `release` to its pool of result memory by size; unset, released memory is simply dropped.
 */
export const storageRecycler: { release?: (storage: Storage) => void } = {};

/**
 * A tensor's data: storage plus the shape and strides that give it meaning.
 * Views (`permute`, `withLayout`, `withOffset`) share the storage.
 *
 * There is no storage-offset field: a view that starts further in (`withOffset`, what basic
 * indexing makes) gets as its storage a `subarray` of its base's, which is the same memory
 * seen from that position, so every kernel reads it unchanged. It remembers its base's whole
 * storage (`root`): that is what lifetimes count and recycle, never the subarray.
 */
export class TensorData {
  private readonly _storage: Storage;
  /** The whole storage this data's memory belongs to (its own, or its base's for an offset view). */
  private readonly root: Storage;
  /** In-place writes so far to this storage, shared with every view of it. */
  readonly versionCounter: VersionCounter;
  /** Dimension sizes. */
  readonly shape: Shape;
  /** Storage step per dimension. */
  readonly strides: Strides;
  /** Number of elements. */
  readonly size: number;

  /**
   * `root`: for a view into another tensor's memory (`withOffset`), that tensor's whole
   * storage, which the view keeps in use (default: `storage` itself).
   */
  constructor(
    storage: Storage,
    shape: Shape,
    strides?: Strides,
    versionCounter: VersionCounter = { value: 0 },
    root: Storage = storage,
  ) {
    checkShape(shape);
    const size = shapeSize(shape);
    const st = strides ?? stridesFromShape(shape);
    if (st.length !== shape.length) {
      throw new IndexingError(`strides ${formatShape(st)} do not match shape ${formatShape(shape)}`);
    }
    if (strides === undefined && storage.length !== size) {
      throw new IndexingError(
        `storage of length ${storage.length} does not fit shape ${formatShape(shape)} (size ${size})`,
      );
    }
    this._storage = storage;
    this.root = root;
    this.versionCounter = versionCounter;
    this.shape = shape.slice();
    this.strides = st.slice();
    this.size = size;
  }

  /**
   * The flat storage, shared between views. An accessor (not a field) so that a backend
   * keeping data elsewhere, such as on a GPU, can subclass `TensorData` and fetch it lazily.
   */
  get storage(): Storage {
    return this._storage;
  }

  /**
   * What identifies this data's memory for `releaseStorage` (shared by every view of it), or
   * null when it is not worth recycling: host memory smaller than `RECYCLE_MIN` values, or
   * not a whole buffer of its own (small results are carved from shared chunks). An offset
   * view answers for its base's storage, so the base's memory lives while the view does.
   */
  get storageKey(): object | null {
    const s = this.root;
    if (s.length < RECYCLE_MIN || s.byteOffset !== 0 || s.byteLength !== s.buffer.byteLength) return null;
    return s.buffer;
  }

  /**
   * Give the memory back for reuse: called once the last tensor using it is released
   * (`Tensor.dispose`, `tidy`). Host memory goes to `storageRecycler`, if a backend set one.
   */
  releaseStorage(): void {
    if (this.storageKey !== null) storageRecycler.release?.(this.root);
  }

  /** A zero-filled contiguous tensor of this shape. */
  static zeros(shape: Shape): TensorData {
    checkShape(shape);
    return new TensorData(newStorage(shape), shape);
  }

  /** Number of dimensions. */
  get dims(): number {
    return this.shape.length;
  }

  /** True when strides are the row-major strides of the shape (no gaps, no reordering). */
  isContiguous(): boolean {
    return isContiguousLayout(this.shape, this.strides);
  }

  /** Storage position of `index`, after checking it is a valid index for this shape. */
  index(index: Index): number {
    if (index.length !== this.shape.length) {
      throw new IndexingError(
        `index ${formatShape(index)} has ${index.length} dims but the tensor has shape ${formatShape(this.shape)}`,
      );
    }
    for (let i = 0; i < index.length; i++) {
      if (!Number.isInteger(index[i]) || index[i] < 0 || index[i] >= this.shape[i]) {
        throw new IndexingError(`index ${formatShape(index)} is out of range for shape ${formatShape(this.shape)}`);
      }
    }
    return indexToPosition(index, this.strides);
  }

  /** The value at `index`. */
  get(index: Index): number {
    return this.storage[this.index(index)];
  }

  /** Write `value` at `index` (in place: every view of this storage sees it). */
  set(index: Index, value: number): void {
    checkValue(value, 'set');
    this.storage[this.index(index)] = value;
    this.versionCounter.value += 1;
  }

  /**
   * Overwrite every element with `values` (row-major, through the strides) in place: every
   * view of this storage sees them, and the version counter records one write.
   */
  assign(values: ArrayLike<number>): void {
    if (values.length !== this.size) {
      throw new IndexingError(
        `assign: ${values.length} values for shape ${formatShape(this.shape)} (size ${this.size})`,
      );
    }
    scatter(this.storage, this.shape, this.strides, values);
    this.versionCounter.value += 1;
  }

  /** Every valid index, in row-major order. */
  *indices(): Generator<number[]> {
    const idx = new Array<number>(this.shape.length).fill(0);
    for (let i = 0; i < this.size; i++) {
      toIndex(i, this.shape, idx);
      yield idx.slice();
    }
  }

  /** The same storage seen with another shape and strides (a view). */
  withLayout(shape: Shape, strides: Strides): TensorData {
    return new TensorData(this.storage, shape, strides, this.versionCounter, this.root);
  }

  /**
   * The same memory seen from storage position `offset` on, with `shape` and `strides` (a
   * view: writes through either are seen by both, and they share the version counter). On
   * the host the view's storage is a `subarray` of this one, cut to what the layout reaches.
   */
  withOffset(offset: number, shape: Shape, strides: Strides): TensorData {
    const storage = this.storage.subarray(offset, offset + layoutSpan(shape, strides));
    return new TensorData(storage, shape, strides, this.versionCounter, this.root);
  }

  /**
   * Reorder the dimensions (Task 2.1): dimension `i` of the result is dimension `order[i]`
   * of this tensor. Shares storage.
   */
  permute(...order: number[]): TensorData {
    const n = this.shape.length;
    const seen = new Set(order);
    if (order.length !== n || seen.size !== n || order.some((d) => !Number.isInteger(d) || d < 0 || d >= n)) {
      throw new IndexingError(
        `permute: ${formatShape(order)} is not a permutation of the ${n} dims of shape ${formatShape(this.shape)}`,
      );
    }
    // BEGIN SOLUTION 2.1
    return this.withLayout(
      order.map((d) => this.shape[d]),
      order.map((d) => this.strides[d]),
    );
    // END SOLUTION
  }

  /** Values in row-major order as a new contiguous array (reads through the strides). */
  toFlatArray(): Float64Array {
    const out = new Float64Array(this.size);
    const storage = this.storage;
    const idx = new Array<number>(this.shape.length).fill(0);
    for (let i = 0; i < this.size; i++) {
      toIndex(i, this.shape, idx);
      out[i] = storage[indexToPosition(idx, this.strides)];
    }
    return out;
  }

  /** Layout summary, e.g. `TensorData(shape=[2, 3], strides=[3, 1])`. */
  toString(): string {
    return `TensorData(shape=${formatShape(this.shape)}, strides=${formatShape(this.strides)})`;
  }
}

/** Write row-major `values` into `storage` at the positions `shape` and `strides` give. */
export function scatter(storage: Storage, shape: Shape, strides: Strides, values: ArrayLike<number>): void {
  const idx = new Array<number>(shape.length).fill(0);
  for (let i = 0; i < values.length; i++) {
    toIndex(i, shape, idx);
    storage[indexToPosition(idx, strides)] = values[i];
  }
}
