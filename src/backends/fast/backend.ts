/**
 * Module 3 — the Fast backend: the same `TensorBackend` as Simple, many times faster. The
 * kernels students write (Tasks 3.1–3.2) are in `kernels.ts`; this file decides where each
 * call runs and where its result lives.
 *
 * **How work reaches the workers.** Everything the backend runs is a *range kernel* of the
 * one table `RANGE_KERNELS` (`rangeKernels.ts`): `kernel(out, ...inputs, ...settings, start,
 * end)` fills output ordinals `[start, end)`. A small call runs on the calling thread. A large
 * one is cut into one range per thread, which the pool's helper threads (each looking the
 * kernel up by name in the same table, see `worker.ts`) and the calling thread claim in turn
 * (a helper that is slow to wake leaves its range to the others). Helpers see only
 * `SharedArrayBuffer` memory: inputs are copied there if they are not there yet, and they
 * write into a reused shared scratch that is copied into the result (see `compute`); the
 * calling thread reads and writes plain memory in place.
 *
 * Beyond the tasks, large matmuls and convolutions run a SIMD WebAssembly kernel (`simd.ts`;
 * for a convolution, a direct SIMD convolution).
 *
 * @packageDocumentation
 */
import { platform } from '../../platform';
import { BackendName, registerBackend } from '../registry';
import { inTidy } from '../../lifetimes';
import {
  RECYCLE_MIN,
  Shape,
  TensorData,
  checkBroadcastTo,
  newStorage,
  sameShape,
  shapeBroadcast,
  shapeSize,
} from '../../tensorData';
import {
  BinaryOp,
  ElementwiseFn,
  ReduceOp,
  StridedArray,
  TensorBackend,
  UnaryOp,
  binaryFns,
  matmulShape,
  normalizeDim,
  reduceFns,
  reducedShape,
  unaryFns,
} from '../../tensorOps';
import { WorkerPool } from './pool';
import { hasShared, reuse } from './recycle';
import { KernelArgs, KernelInputs, KernelName, RANGE_KERNELS } from './rangeKernels';
import { simdAvailable } from './simd';
import { checkOptions } from '../../validate';
import {
  COMPUTE_BOUND,
  MULTIPLY_ADDS_PER_OP,
  NO_COPY_ADVANTAGE,
  PARALLEL_THRESHOLD,
  SIMD_MIN_MULTIPLY_ADDS,
  SIMD_SPEEDUP,
} from './tuning';

/** Options for a `FastBackend`. */
export interface FastBackendOptions {
  /**
   * Threads that share a large call, the calling thread included (default: the machine's
   * cores): 1 means "never leave this thread", 2 means one helper.
   */
  workers?: number;
  /** Work below which a call stays on the calling thread (default `PARALLEL_THRESHOLD`). */
  parallelThreshold?: number;
  /**
   * Use the SIMD WebAssembly kernels (`simd.ts`) for large matmuls and convolutions (default
   * true when their compiled file is present). False always runs the TypeScript kernels.
   */
  simd?: boolean;
}

/** A pool of chunks that small results are carved from (see `hostStorage`). */
interface ChunkPool {
  /** Largest result (elements) served from this pool. */
  readonly largest: number;
  /** Elements per chunk. */
  readonly chunkSize: number;
  chunk: Float64Array;
  used: number;
}

/**
 * Two size classes. A chunk lives while any of its results does, so one long-lived result (a
 * loss or an accuracy kept per epoch) keeps its whole chunk alive: scalars and other tiny
 * results come from 4 KB chunks, so keeping one per epoch costs 4 KB, not a big chunk.
 * Results up to 2048 elements (16 KB) come from 256 KB chunks, which covers most results of
 * the training demo's small networks.
 */
const POOLS: ChunkPool[] = [
  { largest: 16, chunkSize: 512, chunk: new Float64Array(0), used: 0 },
  { largest: 2048, chunkSize: 32768, chunk: new Float64Array(0), used: 0 },
];

/**
 * Zero-filled plain memory for a result of `size` elements. Each `new Float64Array` is its own
 * allocation that the garbage collector tracks and frees one by one, and a training step on
 * small tensors makes hundreds of small results. Small ones are therefore views into a shared
 * chunk; the chunk is freed when none of its views is left. Chunks are never reused, so every
 * view starts zero-filled, like a new array.
 */
function hostStorage(size: number): Float64Array {
  if (size >= RECYCLE_MIN) return reuse(size, false, false) ?? newStorage([size]);
  const pool = size <= POOLS[0].largest ? POOLS[0] : size <= POOLS[1].largest ? POOLS[1] : null;
  if (pool === null) return newStorage([size]);
  if (pool.used + size > pool.chunk.length) {
    pool.chunk = new Float64Array(pool.chunkSize);
    pool.used = 0;
  }
  pool.used += size;
  return pool.chunk.subarray(pool.used - size, pool.used);
}

/** A plain, structured-clone-safe view of a tensor's data for a kernel argument. */
export function stridedArgs(t: TensorData): StridedArray {
  return { storage: t.storage, shape: t.shape, strides: t.strides };
}

/** A copy of `t` whose storage is a SharedArrayBuffer (same shape and strides). */
function toShared(t: TensorData): TensorData {
  const shared = new Float64Array(new SharedArrayBuffer(t.storage.length * 8));
  shared.set(t.storage);
  return new TensorData(shared, t.shape, t.strides);
}

/** True when workers can see `t`'s storage. */
function isShared(t: TensorData): boolean {
  return t.storage.buffer instanceof SharedArrayBuffer;
}

/** An operand at most 1/SMALL_OPERAND of an op's size is cheap to copy for the workers. */
const SMALL_OPERAND = 64;

/**
 * Kernels that write every entry of their output (the others add into it: it must start at 0).
 * The SIMD kernels accumulate in WebAssembly memory and copy whole rows or planes out.
 */
const WRITES_EVERY_ENTRY: ReadonlySet<KernelName> = new Set<KernelName>([
  'map',
  'zip',
  'reduce',
  'matmulSimd',
  'conv2dSimd',
]);

/**
 * Shared memory for a large result, or null for plain memory. Inside `tidy` every large result
 * is shared memory, wherever it is computed: it comes back to `recycle.ts` when the scope ends,
 * so after the first step no fresh `SharedArrayBuffer` is made, and the ops that read it later
 * (the activation after a bias add, their gradients, pooling's copies) can split across the
 * workers with nothing copied. Outside `tidy` only a parallel call takes shared memory, and
 * only a released buffer: a fresh `SharedArrayBuffer` per call would cost more than the copy it
 * saves.
 */
function sharedResult(size: number, zero: boolean, parallel: boolean): Float64Array | null {
  if (size < RECYCLE_MIN) return null;
  if (inTidy()) return reuse(size, true, zero) ?? newStorage([size], true);
  return parallel ? reuse(size, true, zero) : null;
}

/** `args` ready for a kernel call: each `TensorData` as a plain `StridedArray`. */
function plainArgs(args: readonly unknown[]): unknown[] {
  // A plain loop, not args.map(...): this runs for every small op of a training step.
  const call = new Array<unknown>(args.length);
  for (let i = 0; i < args.length; i++) {
    const x = args[i];
    call[i] = x instanceof TensorData ? stridedArgs(x) : x;
  }
  return call;
}

/** Kernel `name` of the table, callable with any arguments (they were typed by the caller). */
function kernel(name: KernelName): (...args: unknown[]) => void {
  return RANGE_KERNELS[name] as (...args: unknown[]) => void;
}

/**
 * The parallel CPU backend. Large jobs are split across a lazily started worker pool, small
 * ones run here (the threshold is `PARALLEL_THRESHOLD`); results computed here are plain
 * memory, which the allocator reuses (see `compute`).
 */
export class FastBackend implements TensorBackend {
  readonly name: string = 'fast';
  /** Work below which calls stay on the calling thread. */
  readonly parallelThreshold: number;
  /** Whether large matmuls and convolutions use the SIMD WebAssembly kernels. */
  readonly simd: boolean;
  /** Threads that compute a large call, the calling thread included. */
  readonly threads: number;
  /** The helper threads (started on the first large call; unused with one thread). */
  readonly pool: WorkerPool;
  /**
   * Shared memory reused by every parallel call (see `compute`): slot 0 holds the output the
   * workers write, slots 1… copies of inputs that are not shared yet. Each grows to the
   * largest size it has seen; calls are synchronous, so one call never sees another's data.
   */
  private readonly scratch: Float64Array[] = [];

  constructor(options: FastBackendOptions = {}) {
    checkOptions('FastBackend', options, ['workers', 'parallelThreshold', 'simd']);
    const workers = options.workers ?? platform.cpuCount();
    if (!Number.isInteger(workers) || workers < 1) {
      throw new RangeError(`FastBackend: workers must be a positive integer, got ${workers}`);
    }
    this.threads = workers;
    // The calling thread works too, so `workers` threads need `workers − 1` helpers.
    this.pool = new WorkerPool(Math.max(1, workers - 1));
    this.parallelThreshold = options.parallelThreshold ?? PARALLEL_THRESHOLD;
    this.simd = (options.simd ?? true) && simdAvailable();
  }

  /**
   * Run kernel `name` of `RANGE_KERNELS` over `[0, total)` with `args` (its `out` first):
   * here when `work` is small or there is one thread, else in parallel chunks. `TensorData`
   * arguments are passed as `StridedArray`s; a parallel call needs `out` in shared memory
   * (`zeros` gives that). The backend's own ops allocate their result instead (`compute`).
   */
  runKernel<K extends KernelName>(name: K, args: KernelArgs<K>, total: number, work: number = total): void {
    if (total === 0) return;
    if (this.runsHere(work)) this.runHere(name, args, total);
    else this.runParallel(name, args, args, total);
  }

  /** Run kernel `name` over all of `[0, total)` on the calling thread. */
  private runHere(name: KernelName, args: readonly unknown[], total: number): void {
    const call = plainArgs(args);
    call.push(0, total);
    (kernel(name) as (...a: unknown[]) => void)(...call);
  }

  /**
   * Run kernel `name` over `[0, total)` in parallel chunks: the workers with `args`
   * (`TensorData` in plain memory copied into scratch slots first), the calling thread the
   * chunks it claims with `hereArgs`, which may be plain memory, as it can read and write that
   * in place. Returns the ranges the calling thread computed: the workers computed the rest.
   */
  private runParallel(
    name: KernelName,
    args: readonly unknown[],
    hereArgs: readonly unknown[],
    total: number,
  ): Array<[number, number]> {
    let slot = 1;
    const shared = args.map((x) =>
      x instanceof TensorData ? stridedArgs(isShared(x) ? x : this.sharedCopy(x, slot++)) : x,
    );
    const local = plainArgs(hereArgs);
    const fn = kernel(name);
    // The arguments were typed against kernel `name` by the caller (`runKernel`, `compute`).
    return this.pool.run(name, shared as never, total, (start: number, end: number) => fn(...local, start, end));
  }

  /** The first `size` entries of scratch slot `slot`, grown (fresh shared memory) when too small. */
  private sharedScratch(slot: number, size: number): Float64Array {
    if ((this.scratch[slot]?.length ?? -1) < size)
      this.scratch[slot] = new Float64Array(new SharedArrayBuffer(size * 8));
    return this.scratch[slot].subarray(0, size);
  }

  /** `t` copied into scratch slot `slot` (same shape and strides), for the workers to read. */
  private sharedCopy(t: TensorData, slot: number): TensorData {
    const storage = this.sharedScratch(slot, t.storage.length);
    storage.set(t.storage);
    return new TensorData(storage, t.shape, t.strides);
  }

  /** True when a call with this much work runs on the calling thread (see `runKernel`). */
  private runsHere(work: number): boolean {
    return this.threads === 1 || work < this.parallelThreshold;
  }

  /**
   * Run kernel `name` into a new contiguous tensor of `shape`, its `out`, from `inputs`. The
   * result is plain memory: a `SharedArrayBuffer` costs several times more to allocate and is
   * always fresh pages, each first-touched by a page fault, while plain buffers are reused by
   * the allocator. A call that goes to the workers, who can only write shared memory, fills
   * this backend's reused shared scratch, copied into the result after; the calling thread
   * writes its own chunks into the result directly, from the inputs as they are (every
   * kernel's ordinal covers the same number of output entries, `size / total`).
   */
  private compute<K extends KernelName>(
    name: K,
    shape: Shape,
    inputs: KernelInputs<K>,
    total: number,
    work: number,
  ): TensorData {
    const size = shapeSize(shape);
    const here = total === 0 || this.runsHere(work);
    const zero = !WRITES_EVERY_ENTRY.has(name);
    const inPlace = this.threads > 1 ? sharedResult(size, zero, !here) : null;
    if (inPlace !== null) {
      // Shared memory: the workers write the result where it stays, no copy after.
      const out = new TensorData(inPlace, shape);
      if (here) this.runHere(name, [out, ...inputs], total);
      else this.runParallel(name, [out, ...inputs], [out, ...inputs], total);
      return out;
    }
    const out = new TensorData(
      size >= RECYCLE_MIN ? (reuse(size, false, zero) ?? newStorage([size])) : hostStorage(size),
      shape,
    );
    if (total === 0) return out;
    if (here) {
      this.runHere(name, [out, ...inputs], total);
      return out;
    }
    const shared = this.sharedScratch(0, size);
    const ranges = this.runParallel(name, [new TensorData(shared, shape), ...inputs], [out, ...inputs], total);
    const perOrdinal = size / total;
    // Copy what the workers wrote: everything between the calling thread's ranges.
    let from = 0;
    for (const [start, end] of [...ranges, [total, total]]) {
      if (start > from) out.storage.set(shared.subarray(from * perOrdinal, start * perOrdinal), from * perOrdinal);
      from = end;
    }
    return out;
  }

  /**
   * Work of an elementwise call for `runKernel`'s choice: its size for an op whose scalar
   * function is expensive (`COMPUTE_BOUND`), else 0, so it stays on the calling thread.
   */
  private elementwiseWork(op: UnaryOp | BinaryOp, size: number, inputs: readonly TensorData[]): number {
    if (COMPUTE_BOUND.has(op)) return size;
    // A cheap op pays the workers only when nothing is copied: every operand already in
    // shared memory and the result written in place (recycled shared memory, see `compute`).
    if (!(hasShared(size) || inTidy())) return 0;
    // An operand that is not shared is copied for the workers: worth it only when it is small
    // next to the op (a bias, a broadcast scalar), not for an operand as large as the result.
    return inputs.every((t) => isShared(t) || t.storage.length * SMALL_OPERAND <= size) ? size * NO_COPY_ADVANTAGE : 0;
  }

  /**
   * Several elementwise outputs in one pass (fusion again, as in Task 3.2's matmul): `fn` runs
   * once over the whole operands and writes each output into one new array, where the same
   * function as separate ops makes a pass over memory and an array per op. Fuses when every
   * input is contiguous with the first one's shape; otherwise returns undefined and the caller
   * runs its ops.
   */
  fusedElementwise(inputs: readonly TensorData[], outputs: number, fn: ElementwiseFn): TensorData[] | undefined {
    if (inputs.length === 0) return undefined;
    const shape = inputs[0].shape;
    for (const t of inputs) if (!(sameShape(t.shape, shape) && t.isContiguous())) return undefined;
    const n = shapeSize(shape);
    const results = new Array<Float64Array>(outputs);
    for (let j = 0; j < outputs; j++) results[j] = hostStorage(n);
    fn(
      inputs.map((t) => t.storage),
      results,
    );
    return results.map((storage) => new TensorData(storage, shape));
  }

  zeros(shape: Shape): TensorData {
    return new TensorData(newStorage(shape, true), shape);
  }

  zipInPlace(op: BinaryOp, a: TensorData, b: TensorData): boolean {
    if (!(op in binaryFns) || !a.isContiguous() || !sameShape(shapeBroadcast(a.shape, b.shape), a.shape)) return false;
    // Each entry is read and then written at the same position, so `a` can be the output.
    const work = this.elementwiseWork(op, a.size, [a, b]);
    if (this.runsHere(work) || !isShared(a)) this.runHere('zip', [a, a, b, op], a.size);
    else this.runParallel('zip', [a, a, b, op], [a, a, b, op], a.size);
    a.versionCounter.value += 1;
    return true;
  }

  /**
   * Data large enough for the workers goes to shared memory once, here; smaller data stays
   * plain (a `SharedArrayBuffer` is costly to allocate, and the scalars a training step lifts
   * into tensors are many).
   */
  upload(host: TensorData): TensorData {
    // Size first: reading `.buffer` of a small array makes V8 allocate a backing store for it.
    return this.runsHere(host.size) || isShared(host) ? host : toShared(host);
  }

  map(op: UnaryOp, a: TensorData, outShape?: Shape): TensorData {
    if (!(op in unaryFns)) throw new Error(`map: unknown op "${op}"`);
    const shape = outShape ?? a.shape;
    if (outShape !== undefined) checkBroadcastTo(a.shape, outShape);
    const size = shapeSize(shape);
    return this.compute('map', shape, [a, op], size, this.elementwiseWork(op, size, [a]));
  }

  zip(op: BinaryOp, a: TensorData, b: TensorData): TensorData {
    if (!(op in binaryFns)) throw new Error(`zip: unknown op "${op}"`);
    const shape = shapeBroadcast(a.shape, b.shape);
    const size = shapeSize(shape);
    return this.compute('zip', shape, [a, b, op], size, this.elementwiseWork(op, size, [a, b]));
  }

  reduce(op: ReduceOp, a: TensorData, dim: number): TensorData {
    if (!(op in reduceFns)) throw new Error(`reduce: unknown op "${op}"`);
    const d = normalizeDim(dim, a.shape);
    const shape = reducedShape(a.shape, d);
    // The workers only pay when they can read the input where it is (shared memory), not
    // after a copy of all of it. A sum writes one value per row and keeps four running sums
    // (`foldRun`), so it is cheaper per element than an `add`: unlike the elementwise ops it
    // gets no `NO_COPY_ADVANTAGE` (measured: a 100k-value sum took 0.10 ms here and 0.2 ms split).
    return this.compute('reduce', shape, [a, op, d], shapeSize(shape), isShared(a) ? a.size : 0);
  }

  matmul(a: TensorData, b: TensorData): TensorData {
    const outShape = matmulShape(a.shape, b.shape);
    // The fused kernel walks rows of b contiguously; a transposed b (as in backward) is
    // copied once, m·p work against the n·m·p of the product.
    // (The SIMD kernel gathers b into its own memory anyway, so it reads any layout.)
    const p = outShape[outShape.length - 1];
    const totalRows = shapeSize(outShape.slice(0, -1));
    const multiplyAdds = totalRows * a.shape[a.dims - 1] * p;
    const simd = this.simd && multiplyAdds >= SIMD_MIN_MULTIPLY_ADDS;
    const rows = simd || b.strides[b.dims - 1] === 1 || b.shape[b.dims - 1] === 1 ? b : this.map('id', b);
    const work = multiplyAdds / (MULTIPLY_ADDS_PER_OP * (simd ? SIMD_SPEEDUP : 1));
    return this.compute(simd ? 'matmulSimd' : 'matmul', outShape, [a, rows], totalRows, work);
  }

  conv1d(input: TensorData, weight: TensorData, outShape: Shape, reverse: boolean): TensorData {
    const multiplyAdds = convMultiplyAdds(weight, outShape);
    if (this.useSimdConv(multiplyAdds)) return this.convSimd(outShape, input, weight, reverse, null, multiplyAdds);
    const work = multiplyAdds / MULTIPLY_ADDS_PER_OP;
    return this.compute('conv1d', outShape, [input, weight, reverse], shapeSize(outShape), work);
  }

  conv2d(input: TensorData, weight: TensorData, outShape: Shape, reverse: boolean): TensorData {
    const multiplyAdds = convMultiplyAdds(weight, outShape);
    if (this.useSimdConv(multiplyAdds)) return this.convSimd(outShape, input, weight, reverse, null, multiplyAdds);
    const work = multiplyAdds / MULTIPLY_ADDS_PER_OP;
    return this.compute('conv2d', outShape, [input, weight, reverse], shapeSize(outShape), work);
  }

  /**
   * A convolution whose bias the SIMD kernel adds as it goes (the sums of each output plane
   * start at its channel's bias). Declines where the convolution is not the SIMD kernel's.
   */
  convBias(input: TensorData, weight: TensorData, bias: TensorData, outShape: Shape): TensorData | undefined {
    const multiplyAdds = convMultiplyAdds(weight, outShape);
    if (!this.useSimdConv(multiplyAdds)) return undefined;
    return this.convSimd(outShape, input, weight, false, bias, multiplyAdds);
  }

  /** Whether a convolution this large runs the SIMD kernel (below it, copying in costs more). */
  private useSimdConv(multiplyAdds: number): boolean {
    return this.simd && multiplyAdds >= SIMD_MIN_MULTIPLY_ADDS;
  }

  /**
   * A convolution by the SIMD direct convolution (`simdConv2dRange`), split over (batch
   * entry, output channel) planes; `bias` is [outChannels] or null. A 1-D convolution (3-D
   * shapes) is a 2-D one of height 1.
   */
  private convSimd(
    outShape: Shape,
    input: TensorData,
    weight: TensorData,
    reverse: boolean,
    bias: TensorData | null,
    multiplyAdds: number,
  ): TensorData {
    const work = multiplyAdds / (MULTIPLY_ADDS_PER_OP * SIMD_SPEEDUP);
    if (outShape.length === 3) {
      const [batch, channels, width] = outShape;
      const out = this.convSimd(
        [batch, channels, 1, width],
        withUnitHeight(input),
        withUnitHeight(weight),
        reverse,
        bias,
        multiplyAdds,
      );
      return new TensorData(out.storage, outShape);
    }
    return this.compute('conv2dSimd', outShape, [input, weight, reverse, bias], outShape[0] * outShape[1], work);
  }
}

/** Multiply-adds of a convolution of `weight` into `outShape`: each output sums in·k products. */
function convMultiplyAdds(weight: TensorData, outShape: Shape): number {
  return (shapeSize(outShape) * weight.size) / Math.max(1, weight.shape[0]);
}

/** A 3-D [batch, channels, width] tensor seen as 4-D [batch, channels, 1, width] (same storage). */
function withUnitHeight(t: TensorData): TensorData {
  const [s0, s1, s2] = t.strides;
  return new TensorData(t.storage, [t.shape[0], t.shape[1], 1, t.shape[2]], [s0, s1, 0, s2]);
}

registerBackend('fast', () => new FastBackend());

/**
 * The backend training loops use when none is given: the fast one, as in MiniTorch (a starter
 * repository uses Simple until Module 3 is done: see `course/progress.ts`).
 */
export const TRAINING_BACKEND: BackendName = 'fast';
