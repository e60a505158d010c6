/**
 * Data loading as PyTorch's `torch.utils.data`: a data set is anything with a `length` and
 * `get(i)` (PyTorch's `__len__` and `__getitem__`); `DataLoader` walks one in batches, in
 * order or shuffled by a seeded generator, and stacks the items of each batch; `randomSplit`
 * cuts one into random, non-overlapping subsets.
 *
 * Batches are new constant tensors (the items' values copied into one block): data carries
 * no gradient, so nothing is lost, and a batch of n rows costs one copy rather than n ops.
 *
 * @packageDocumentation
 */
import { Random, defaultRng } from './random';
import { Tensor, fromFlat } from './tensor';
import { describeValue } from './validate';

/**
 * A data set: `length` items, item `i` from `get(i)` for 0 ≤ i < length. Any object of this
 * shape works with `DataLoader` and `randomSplit` (PyTorch's map-style `Dataset`).
 * `getBatch`, when present, gives the collated batch of several items at once.
 */
export interface Dataset<T> {
  /** Number of items. */
  readonly length: number;
  /** Item `index`. */
  get(index: number): T;
  /** The batch of these items, as `DataLoader`'s default collation would make it (optional). */
  getBatch?(indices: readonly number[]): Collated<T>;
}

/** What the default collation makes of a batch of items of type `T`. */
export type Collated<T> = T extends Tensor | number
  ? Tensor
  : T extends readonly unknown[]
    ? { [K in keyof T]: Collated<T[K]> }
    : T extends object
      ? { [K in keyof T]: Collated<T[K]> }
      : never;

/** `index` as a position in `0 … length − 1` (negative counts from the end), or an error naming `where`. */
function checkIndex(where: string, index: number, length: number): number {
  if (!Number.isInteger(index) || index < -length || index >= length) {
    throw new RangeError(
      `${where}: index must be an integer in [${-length}, ${length - 1}], got ${describeValue(index)}`,
    );
  }
  return index < 0 ? index + length : index;
}

/** An integer ≥ `min`, or an error naming the argument. */
function checkCount(where: string, name: string, value: unknown, min: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    throw new RangeError(`${where}: ${name} must be an integer >= ${min}, got ${describeValue(value)}`);
  }
  return value;
}

/** Rows `indices` of each tensor, stacked: one copy from the tensor's row-major values. */
function gatherRows(values: Float64Array, t: Tensor, indices: readonly number[]): Tensor {
  const row = t.size / t.shape[0];
  const out = new Float64Array(indices.length * row);
  indices.forEach((i, k) => out.set(values.subarray(i * row, (i + 1) * row), k * row));
  return fromFlat(out, [indices.length, ...t.shape.slice(1)], { backend: t.backend });
}

/**
 * Tensors that share their first dimension, seen as a data set of rows (PyTorch's
 * `TensorDataset`): item `i` is `[t0[i], t1[i], …]`, each row a view (`t.at(i)`), as in
 * PyTorch: it shares the tensor's memory and carries a gradient back to it. Batches
 * (`getBatch`, what `DataLoader` takes) are copies of the rows, made from the values read
 * once when the data set is made (a GPU tensor is not read back per batch).
 */
export class TensorDataset implements Dataset<Tensor[]> {
  /** The tensors, as given. */
  readonly tensors: Tensor[];
  /** Their values, row-major, read once (from the device too, for `gpu` tensors). */
  private readonly values: Float64Array[];

  constructor(...tensors: Tensor[]) {
    if (tensors.length === 0) throw new TypeError('TensorDataset: expected at least one tensor, got none');
    tensors.forEach((t, i) => {
      if (!(t instanceof Tensor))
        throw new TypeError(`TensorDataset: argument ${i} must be a Tensor, got ${describeValue(t)}`);
      if (t.dims === 0)
        throw new RangeError(`TensorDataset: tensor ${i} is 0-dim; each needs a first dimension to index`);
      if (t.shape[0] !== tensors[0].shape[0]) {
        throw new RangeError(
          `TensorDataset: size mismatch between tensors: tensor 0 has ${tensors[0].shape[0]} rows, tensor ${i} has ${t.shape[0]}`,
        );
      }
    });
    this.tensors = tensors;
    this.values = tensors.map((t) => t.data.toFlatArray());
  }

  /** Number of rows. */
  get length(): number {
    return this.tensors[0].shape[0];
  }

  /** Row `index` of every tensor, as views (`dataset[i]` in PyTorch; negative counts from the end). */
  get(index: number): Tensor[] {
    const i = checkIndex('TensorDataset.get', index, this.length);
    return this.tensors.map((t) => t.at(i));
  }

  /** Rows `indices` of every tensor, each as one tensor (what `DataLoader` stacks). */
  getBatch(indices: readonly number[]): Tensor[] {
    const rows = indices.map((i) => checkIndex('TensorDataset.getBatch', i, this.length));
    return this.tensors.map((t, k) => gatherRows(this.values[k], t, rows));
  }
}

/** Items `indices` of another data set (PyTorch's `Subset`). */
export class Subset<T> implements Dataset<T> {
  constructor(
    /** The whole data set. */
    readonly dataset: Dataset<T>,
    /** Which of its items, in order. */
    readonly indices: readonly number[],
  ) {}

  /** Number of items. */
  get length(): number {
    return this.indices.length;
  }

  /** Item `index` of the subset. */
  get(index: number): T {
    return this.dataset.get(this.indices[checkIndex('Subset.get', index, this.length)]);
  }

  /** The batch of these items, by the data set's own `getBatch` when it has one. */
  getBatch(indices: readonly number[]): Collated<T> {
    const picked = indices.map((i) => this.indices[checkIndex('Subset.getBatch', i, this.length)]);
    return this.dataset.getBatch
      ? this.dataset.getBatch(picked)
      : defaultCollate(picked.map((i) => this.dataset.get(i)));
  }
}

/**
 * PyTorch's `default_collate`: tensors of one shape are stacked along a new first dim,
 * numbers become a 1-D tensor, and lists and objects are collated position by position.
 */
export function defaultCollate<T>(items: readonly T[]): Collated<T> {
  if (items.length === 0) throw new RangeError('defaultCollate: expected at least one item, got none');
  const first = items[0] as unknown;
  if (first instanceof Tensor) {
    const tensors = items as unknown as Tensor[];
    const out = new Float64Array(tensors.length * first.size);
    tensors.forEach((t, k) => {
      if (!(t instanceof Tensor) || t.shape.join() !== first.shape.join()) {
        throw new RangeError(
          `defaultCollate: item ${k} is ${t instanceof Tensor ? `of shape [${t.shape.join(', ')}]` : describeValue(t)}, ` +
            `item 0 a tensor of shape [${first.shape.join(', ')}]; items of a batch must have one shape`,
        );
      }
      out.set(t.data.toFlatArray(), k * first.size);
    });
    return fromFlat(out, [tensors.length, ...first.shape], { backend: first.backend }) as Collated<T>;
  }
  if (typeof first === 'number') {
    items.forEach((x, k) => {
      if (typeof x !== 'number')
        throw new TypeError(`defaultCollate: item ${k} is ${describeValue(x)}, item 0 a number`);
    });
    return fromFlat(items as unknown as number[], [items.length]) as Collated<T>;
  }
  if (Array.isArray(first)) {
    return first.map((_, j) => defaultCollate(items.map((x) => (x as unknown[])[j]))) as unknown as Collated<T>;
  }
  if (typeof first === 'object' && first !== null) {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(first))
      out[key] = defaultCollate(items.map((x) => (x as Record<string, unknown>)[key]));
    return out as Collated<T>;
  }
  throw new TypeError(
    `defaultCollate: cannot batch ${describeValue(first)}: expected tensors, numbers, lists or objects`,
  );
}

/** `generator`, else a fresh one from `seed`, else the global generator (PyTorch's default). */
function generatorOf(options: { generator?: Random; seed?: number }): Random {
  return options.generator ?? (options.seed !== undefined ? new Random(options.seed) : defaultRng());
}

/** Keyword arguments of `DataLoader`, as PyTorch's. */
export interface DataLoaderOptions<T, B> {
  /** Items per batch (default 1). */
  batchSize?: number;
  /** Visit the items in a new random order on every pass (default false). */
  shuffle?: boolean;
  /** The generator of the shuffles (default: one seeded with `seed`, else the global one of `manualSeed`). */
  generator?: Random;
  /** Seed of the shuffles' generator, instead of `generator`. */
  seed?: number;
  /** Leave out a last batch smaller than `batchSize` (default false). */
  dropLast?: boolean;
  /**
   * The order of the items, instead of `shuffle` (PyTorch's `sampler`): any iterable of
   * indices, read on each pass; its `length`, if it has one, counts them.
   */
  sampler?: Iterable<number>;
  /** Makes a batch from its items (default `defaultCollate`, or the data set's `getBatch`). */
  collateFn?: (items: T[]) => B;
}

const LOADER_OPTIONS = ['batchSize', 'shuffle', 'generator', 'seed', 'dropLast', 'sampler', 'collateFn'];

/**
 * Batches of a data set, for `for (const [xb, yb] of loader)` (PyTorch's `DataLoader`): in
 * order, or shuffled anew on every pass. Loads in the calling thread (no `num_workers`).
 */
export class DataLoader<T, B = Collated<T>> implements Iterable<B> {
  /** The data set. */
  readonly dataset: Dataset<T>;
  /** Items per batch. */
  readonly batchSize: number;
  /** Whether each pass shuffles. */
  readonly shuffle: boolean;
  /** Whether a short last batch is left out. */
  readonly dropLast: boolean;
  private readonly generator: Random;
  private readonly sampler: Iterable<number> | undefined;
  private readonly collateFn: ((items: T[]) => B) | undefined;

  constructor(dataset: Dataset<T>, options: DataLoaderOptions<T, B> = {}) {
    if (typeof dataset !== 'object' || dataset === null || typeof dataset.get !== 'function') {
      throw new TypeError(`DataLoader: dataset must have a length and get(i), got ${describeValue(dataset)}`);
    }
    checkCount('DataLoader', 'dataset.length', dataset.length, 0);
    if (typeof options !== 'object' || options === null) {
      throw new TypeError(
        `DataLoader: options must be an object such as { batchSize: 64 }, got ${describeValue(options)}`,
      );
    }
    for (const key of Object.keys(options)) {
      if (!LOADER_OPTIONS.includes(key)) {
        throw new TypeError(`DataLoader: unknown option "${key}" (expected one of ${LOADER_OPTIONS.join(', ')})`);
      }
    }
    this.dataset = dataset;
    this.batchSize = checkCount('DataLoader', 'batchSize', options.batchSize ?? 1, 1);
    this.shuffle = options.shuffle ?? false;
    this.dropLast = options.dropLast ?? false;
    if (this.shuffle && options.sampler !== undefined) {
      throw new TypeError('DataLoader: sampler and shuffle cannot both be given (the sampler sets the order)');
    }
    if (options.sampler !== undefined && typeof options.sampler[Symbol.iterator] !== 'function') {
      throw new TypeError(`DataLoader: sampler must be an iterable of indices, got ${describeValue(options.sampler)}`);
    }
    this.sampler = options.sampler;
    this.generator = generatorOf(options);
    this.collateFn = options.collateFn;
  }

  /** Number of batches in one pass (PyTorch's `len(loader)`). */
  get length(): number {
    // A sampler's own length when it has one (reading it may draw its next order).
    const sampler = this.sampler as (Iterable<number> & { length?: number }) | undefined;
    const n =
      sampler === undefined
        ? this.dataset.length
        : typeof sampler.length === 'number'
          ? sampler.length
          : [...sampler].length;
    return this.dropLast ? Math.floor(n / this.batchSize) : Math.ceil(n / this.batchSize);
  }

  /** One pass over the data set, a batch at a time. */
  *[Symbol.iterator](): Iterator<B> {
    const n = this.dataset.length;
    const order =
      this.sampler !== undefined
        ? [...this.sampler]
        : this.shuffle
          ? this.generator.shuffle(Array.from({ length: n }, (_, i) => i))
          : Array.from({ length: n }, (_, i) => i);
    for (let start = 0; start < order.length; start += this.batchSize) {
      const indices = order.slice(start, start + this.batchSize);
      if (this.dropLast && indices.length < this.batchSize) return;
      if (this.collateFn !== undefined) yield this.collateFn(indices.map((i) => this.dataset.get(i)));
      else if (this.dataset.getBatch !== undefined) yield this.dataset.getBatch(indices) as B;
      else yield defaultCollate(indices.map((i) => this.dataset.get(i))) as B;
    }
  }
}

/**
 * Split a data set into non-overlapping random subsets of the given lengths (PyTorch's
 * `random_split`): counts summing to the data set's length, or fractions summing to 1 (each
 * floor(n·f), the remainder handed out one by one from the first). The permutation comes
 * from this library's generator (`generator`, `seed`, else the global one of `manualSeed`),
 * so the subsets differ from PyTorch's for the same seed.
 */
export function randomSplit<T>(
  dataset: Dataset<T>,
  lengths: readonly number[],
  options: { generator?: Random; seed?: number } = {},
): Subset<T>[] {
  if (!Array.isArray(lengths) || lengths.length === 0 || lengths.some((x) => typeof x !== 'number' || !(x >= 0))) {
    throw new TypeError(
      `randomSplit: lengths must be a list of counts or fractions >= 0, got ${describeValue(lengths)}`,
    );
  }
  const n = checkCount('randomSplit', 'dataset.length', dataset?.length, 0);
  const total = lengths.reduce((a, b) => a + b, 0);
  let counts = [...lengths];
  if (Math.abs(total - 1) < 1e-9 && total <= 1 && !lengths.every(Number.isInteger)) {
    counts = lengths.map((f) => Math.floor(n * f));
    const remainder = n - counts.reduce((a, b) => a + b, 0);
    for (let i = 0; i < remainder; i++) counts[i % counts.length] += 1;
  } else if (!lengths.every(Number.isInteger) || total !== n) {
    throw new RangeError(
      `randomSplit: lengths [${lengths.join(', ')}] must be counts summing to the data set's length ${n}, ` +
        `or fractions summing to 1 (they sum to ${total})`,
    );
  }
  const generator = generatorOf(options);
  const order = generator.shuffle(Array.from({ length: n }, (_, i) => i));
  let offset = 0;
  return counts.map((count) => new Subset(dataset, order.slice(offset, (offset += count))));
}
