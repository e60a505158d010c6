/**
 * The GPU backend (Module 3, Tasks 3.3–3.4): the same `TensorBackend` as Simple and Fast,
 * with every map, zip, reduce and matmul run as a WGSL compute shader.
 *
 * Memory: a tensor's values live in a device buffer (float32), referred to by id. Results
 * stay on the device from op to op; they are read back (and converted to float64) only when
 * something asks for `storage`, e.g. `item()`, `toString()` or `toArray()`, and that copy is
 * cached. Host data is converted to float32 when it is uploaded. The device holds at most a
 * budget of buffers: past it, the least recently used are spilled to host memory and come
 * back when used (`memory.ts` says why a garbage-collection hook alone cannot bound it).
 *
 * Convolutions run the WGSL `convShader` (1-D as 2-D of height 1), or, where
 * `gpuHooks.convShader` gives no shader, the fast CPU backend (download the inputs, convolve,
 * upload): the course layer uses that while the shader is still an exercise stub.
 *
 * @packageDocumentation
 */
import { getBackend } from '../registry';
import {
  Shape,
  formatShape,
  Storage,
  Strides,
  TensorData,
  VersionCounter,
  alignedStrides,
  checkBroadcastTo,
  checkValue,
  shapeBroadcast,
  shapeSize,
  stridesFromShape,
} from '../../tensorData';
import { BinaryOp, ReduceOp, TensorBackend, UnaryOp, matmulShape, normalizeDim, reducedShape } from '../../tensorOps';
import { GpuBinding, GpuBridge, GpuLimits, deviceLostMessage } from './bridge';
import { DeviceMemory, DeviceSlot, GpuMemoryBudget } from './memory';
import {
  MAX_GROUPS,
  PRACTICE_BLOCK,
  TILE,
  WORKGROUP_SIZE,
  convShader,
  mapShader,
  matmulShader,
  mmPracticeShader,
  reduceShader,
  sumPracticeShader,
  zipShader,
} from './kernels';

let bridge: GpuBridge | null = null;
/** The process's GPU bridge, started on first use. */
export function gpuBridge(): GpuBridge {
  bridge ??= new GpuBridge();
  return bridge;
}

/**
 * Hooks the layer above the backend may replace. `convShader`: the WGSL convolution shader to
 * run, or null to convolve on the fast CPU backend instead (`course/progress.ts` returns null
 * while the shader is an exercise stub).
 */
export const gpuHooks: { convShader: () => string | null } = { convShader: () => convShader() };

/** Counts downloads, so tests can check data stays on the device across a chain of ops. */
export const gpuStats = { reads: 0 };

/**
 * What the memory manager keeps per device buffer: its id and size, and, while spilled, its
 * values on the host. Deliberately not the `GpuBuffer` itself, so that listing a buffer in
 * the manager does not keep its tensor alive.
 */
interface Slot extends DeviceSlot {
  /** The values while the buffer is spilled to the host; null while on the device. */
  host: Float32Array | null;
  /** Why the values are gone, when the device they were on was lost before they were spilled. */
  lost?: string;
}

/** Device buffers of this process and their budget (see `memory.ts`). */
const memory = new DeviceMemory<Slot>((victims) => {
  const { data, lost, reason } = gpuBridge().call<{ data: Float32Array; lost: number[]; reason: string | null }>({
    op: 'spill',
    ids: victims.map((v) => v.id),
  });
  let offset = 0;
  for (const slot of victims) {
    finalizer.unregister(slot);
    if (lost.includes(slot.id)) {
      slot.lost = reason ?? 'lost';
      continue;
    }
    const length = slot.bytes / 4;
    // A copy of its own, so each spilled buffer's memory goes when its tensor does.
    slot.host = data.slice(offset, offset + length);
    offset += length;
  }
});

/**
 * Frees the device buffer of a collected tensor when the event loop turns (a synchronous loop
 * relies on spilling instead; see `memory.ts`). Registered only while a buffer is on the device.
 */
const finalizer = new FinalizationRegistry<Slot>((slot) => {
  if (memory.remove(slot)) bridge?.post({ op: 'destroy', id: slot.id });
});

/** Buffers on the device and bytes they take, and how many have been spilled to the host. */
export function gpuMemoryStats(): { buffers: number; bytes: number; spilled: number } {
  return memory.stats;
}

/**
 * Change how many buffers and bytes the GPU backend keeps on the device before it spills the
 * least recently used ones to host memory (defaults: `MINITORCH_GPU_MAX_BUFFERS`, 1024, and
 * `MINITORCH_GPU_MAX_MB`, 1024 MiB). Takes effect at the next allocation.
 */
export function setGpuMemoryBudget(budget: Partial<GpuMemoryBudget>): void {
  for (const [key, value] of Object.entries(budget)) {
    if (!(key === 'maxBuffers' || key === 'maxBytes'))
      throw new Error(`setGpuMemoryBudget: unknown limit "${key}" (expected maxBuffers or maxBytes)`);
    if (!Number.isInteger(value) || (value as number) < 16)
      throw new RangeError(`setGpuMemoryBudget: ${key} must be an integer of at least 16, got ${value}`);
    memory.budget[key] = value as number;
  }
}

let nextBufferId = 0;

/**
 * A device buffer of `length` float32 values, with a cached host copy once read. It may be
 * spilled to host memory when the device is over budget; using it brings it back.
 */
export class GpuBuffer {
  private readonly slot: Slot;
  private cache: Float64Array | null = null;

  constructor(
    readonly length: number,
    data?: ArrayLike<number>,
    what = 'a GPU tensor',
  ) {
    const max = limits().maxBufferSize;
    if (length * 4 > max) {
      throw new RangeError(
        `${what}: ${length} float32 values (${length * 4} bytes) are more than this GPU holds in one buffer (maxBufferSize ${max} bytes); use the fast backend for tensors this large`,
      );
    }
    this.slot = { id: ++nextBufferId, bytes: Math.max(4, length * 4), host: null };
    this.upload(data ? Float32Array.from(data) : undefined);
  }

  /** The buffer's id in the GPU worker. */
  get id(): number {
    return this.slot.id;
  }

  /** Put the values on the device (a new buffer, or a spilled one coming back). */
  private upload(data: Float32Array | undefined): void {
    memory.add(this.slot);
    try {
      gpuBridge().call({ op: 'create', id: this.slot.id, length: this.length, data });
    } catch (e) {
      memory.remove(this.slot);
      throw e;
    }
    this.slot.host = null;
    finalizer.register(this, this.slot, this.slot);
  }

  /**
   * Make sure the values are on the device, about to be used by a kernel: brings a spilled
   * buffer back, and marks the buffer as recently used so it is spilled last.
   */
  use(): number {
    if (this.slot.lost !== undefined) {
      throw new Error(deviceLostMessage(this.slot.lost));
    }
    if (this.slot.host !== null) this.upload(this.slot.host);
    else memory.touch(this.slot);
    return this.slot.id;
  }

  /** The values as float64 (downloaded once, then cached). */
  read(): Float64Array {
    if (this.cache === null) {
      const host = this.slot.host;
      if (host !== null) {
        this.cache = Float64Array.from(host);
      } else {
        gpuStats.reads += 1;
        this.cache = Float64Array.from(
          gpuBridge().call<Float32Array>({ op: 'read', id: this.use(), length: this.length }),
        );
      }
    }
    return this.cache;
  }

  /** Replace the values on the device (and the cache). */
  write(values: Float64Array): void {
    gpuBridge().call({ op: 'write', id: this.use(), data: Float32Array.from(values) });
    this.cache = values;
  }
}

/** `TensorData` whose storage lives on the GPU; views share the buffer. */
export class GpuTensorData extends TensorData {
  constructor(
    readonly buffer: GpuBuffer,
    shape: Shape,
    strides: Strides = stridesFromShape(shape),
    versionCounter?: VersionCounter,
  ) {
    super(EMPTY, shape, strides, versionCounter);
  }

  /** Downloads the buffer on first access (see the module comment). */
  override get storage(): Storage {
    return this.buffer.read();
  }

  override set(index: ArrayLike<number>, value: number): void {
    checkValue(value, 'set');
    const values = this.buffer.read().slice();
    values[this.index(index)] = value;
    this.buffer.write(values);
    this.versionCounter.value += 1;
  }

  override withLayout(shape: Shape, strides: Strides): TensorData {
    return new GpuTensorData(this.buffer, shape, strides, this.versionCounter);
  }
}
const EMPTY = new Float64Array(0);

/**
 * The device's limits (see `GpuLimits`), read once. `maxLoopIterations` is measured: Mesa's
 * software renderer silently cuts an invocation's loops short after 65,535 iterations.
 */
export function deviceLimits(): GpuLimits {
  deviceLimitsCache ??= gpuBridge().call<GpuLimits>({ op: 'limits' });
  return { ...deviceLimitsCache };
}
let deviceLimitsCache: GpuLimits | null = null;
/** Lower limits set by `setGpuLimitsForTesting`. */
let limitOverrides: Partial<GpuLimits> = {};

/** The limits the backend splits its work by: the device's, or lower ones set for a test. */
function limits(): GpuLimits {
  return { ...deviceLimits(), ...limitOverrides };
}

/**
 * For tests: make the backend split its kernels as if the device's limits were these (each
 * at most the device's own); `{}` goes back to the device's. Lets a test cross the binding
 * size limit (128 MiB on most devices) with a tensor of a few thousand values.
 */
export function setGpuLimitsForTesting(lower: Partial<GpuLimits>): void {
  const device = deviceLimits();
  for (const [key, value] of Object.entries(lower)) {
    const k = key as keyof GpuLimits;
    if (!(k in device)) throw new Error(`setGpuLimitsForTesting: unknown limit "${key}"`);
    if (k === 'maxComputeWorkgroupsPerDimension' || k === 'minStorageBufferOffsetAlignment')
      throw new Error(`setGpuLimitsForTesting: ${key} is fixed by the kernels' grid and the device`);
    if (!(typeof value === 'number' && value >= 64 && value <= device[k]))
      throw new RangeError(`setGpuLimitsForTesting: ${key} must be a number from 64 to ${device[k]}, got ${value}`);
  }
  limitOverrides = { ...lower };
}

/**
 * Loop iterations a kernel may spend on the part of its work that grows with the tensor (the
 * reduced dim, the matmul's shared dim, the convolution's taps): a quarter of what the driver
 * allows, leaving the rest to the kernel's other loops (index arithmetic, a tile loop the
 * compiler did not unroll).
 */
function loopBudget(): number {
  return Math.max(64, Math.floor(limits().maxLoopIterations / 4));
}

/**
 * A kernel operand: `buffer` read from element `offset` on, with a stride per dim of the
 * output it serves (0 where the output's index does not move it) and `inner` elements read
 * for each output position (the reduced dim, a matmul row, a convolution window).
 */
interface Operand {
  buffer: GpuBuffer;
  offset: number;
  strides: number[];
  inner: number;
}

/** Elements of an operand's buffer that a piece of output of `shape` reads, from its offset. */
function extent(op: Operand, shape: Shape): number {
  return shape.reduce((n, k, d) => n + Math.max(0, k - 1) * op.strides[d], Math.max(1, op.inner));
}

/** A 1-D kernel's workgroup grid for `n` workgroups: rows of MAX_GROUPS (the kernels' GLOBAL_INDEX). */
function groups1d(n: number): [number, number, number] {
  return [Math.max(1, Math.min(n, MAX_GROUPS)), Math.max(1, Math.ceil(n / MAX_GROUPS)), 1];
}

/** How one kernel runs: its source, its info for a piece of output, and its workgroup grid. */
interface KernelPlan {
  /** Names the op in errors, e.g. "sum over dim 1 of [3, 5000000]". */
  what: string;
  code: string;
  info: (shape: Shape, operands: Operand[]) => number[];
  groups: (shape: Shape) => [number, number, number];
  /** How many leading dims of the output may be split (the others each piece covers whole). */
  splittable?: number;
}

/**
 * Run a kernel over an output of `outShape` (contiguous, in a new buffer), in as many
 * dispatches as the device's limits need. The output is cut along its leading dims into
 * pieces whose workgroup grid and bindings fit: as many indices of a dim per piece as fit
 * (a multiple of 64, so that offsets stay aligned), or one index at a time and the next dim
 * cut the same way. Each piece binds only the part of each buffer it reads, at an offset (or
 * a copy of that part, where the offset is not aligned for a binding). A student's kernel
 * needs no change for this: each piece is a whole, smaller problem of the same kind.
 */
function launch(plan: KernelPlan, inputs: Operand[], outShape: Shape): GpuTensorData {
  // Inputs first: bringing one back from the host must not push out the new output.
  inputs.forEach((op) => op.buffer.use());
  const size = shapeSize(outShape);
  const out = new GpuTensorData(new GpuBuffer(size, undefined, plan.what), outShape);
  if (size === 0) return out;
  const lim = limits();
  const outStrides = stridesFromShape(outShape);
  const splittable = plan.splittable ?? outShape.length;
  const fits = (shape: Shape, ops: Operand[]): boolean =>
    plan.groups(shape).every((g) => g <= lim.maxComputeWorkgroupsPerDimension) &&
    ops.every((op) => extent(op, shape) * 4 <= lim.maxStorageBufferBindingSize);
  const visit = (shape: number[], ops: Operand[]): void => {
    if (fits(shape, ops)) {
      runPiece(plan, shape, ops);
      return;
    }
    const d = shape.findIndex((k, i) => k > 1 && i < splittable);
    if (d < 0) {
      const worst = Math.max(...ops.map((op) => extent(op, shape) * 4));
      throw new RangeError(
        `${plan.what}: too large for this GPU: one piece of it binds ${worst} bytes, over maxStorageBufferBindingSize (${lim.maxStorageBufferBindingSize} bytes), or needs more than ${lim.maxComputeWorkgroupsPerDimension} workgroups per dimension; use the fast backend for it`,
      );
    }
    const at = (k: number) => shape.map((v, i) => (i === d ? k : v));
    // The most indices of dim d that one piece may take (fits is monotone in it).
    let lo = 0;
    let hi = shape[d] - 1;
    while (lo < hi) {
      const mid = Math.ceil((lo + hi) / 2);
      if (fits(at(mid), ops)) lo = mid;
      else hi = mid - 1;
    }
    const step = lo >= 64 ? lo - (lo % 64) : Math.max(1, lo);
    for (let k0 = 0; k0 < shape[d]; k0 += step) {
      const shifted = ops.map((op) => ({ ...op, offset: op.offset + k0 * op.strides[d] }));
      visit(at(Math.min(step, shape[d] - k0)), shifted);
    }
  };
  const outOp: Operand = { buffer: out.buffer, offset: 0, strides: outStrides, inner: 1 };
  visit([...outShape], [...inputs, outOp]);
  return out;
}

/** One dispatch of `plan` for a piece of output of `shape` (the last operand is the output). */
function runPiece(plan: KernelPlan, shape: Shape, ops: Operand[]): void {
  const keep: GpuBuffer[] = [];
  const lim = limits();
  const outOp = ops[ops.length - 1];
  const bindings: GpuBinding[] = ops.slice(0, -1).map((op) => {
    const id = op.buffer.use();
    const bytes = Math.min(extent(op, shape) * 4, op.buffer.length * 4 - op.offset * 4);
    if (op.offset === 0 && op.buffer.length * 4 <= lim.maxStorageBufferBindingSize) return id;
    if ((op.offset * 4) % lim.minStorageBufferOffsetAlignment === 0) return { id, offset: op.offset * 4, size: bytes };
    // Not aligned for a binding: copy the part this piece reads into a buffer of its own.
    const part = new GpuBuffer(bytes / 4);
    keep.push(part);
    gpuBridge().call({ op: 'copy', from: id, fromOffset: op.offset * 4, to: part.use(), toOffset: 0, bytes });
    return part.use();
  });
  const outBytes = shapeSize(shape) * 4;
  let outBinding: GpuBinding = outOp.buffer.use();
  let part: GpuBuffer | null = null;
  if (outOp.offset !== 0 || outOp.buffer.length * 4 > lim.maxStorageBufferBindingSize) {
    if ((outOp.offset * 4) % lim.minStorageBufferOffsetAlignment === 0) {
      outBinding = { id: outBinding, offset: outOp.offset * 4, size: outBytes };
    } else {
      part = new GpuBuffer(outBytes / 4);
      outBinding = part.use();
    }
  }
  // Bring the inputs back to the device (and mark them used) once more: the copies above may have spilled them.
  ops.slice(0, -1).forEach((op) => op.buffer.use());
  gpuBridge().call({
    op: 'run',
    code: plan.code,
    buffers: [...bindings, outBinding],
    info: Uint32Array.from(plan.info(shape, ops)),
    groups: plan.groups(shape),
  });
  if (part !== null) {
    gpuBridge().call({
      op: 'copy',
      from: part.use(),
      fromOffset: 0,
      to: outOp.buffer.use(),
      toOffset: outOp.offset * 4,
      bytes: outBytes,
    });
  }
  keep.length = 0;
}

/** Which binary op joins two partial results of a reduction. */
const COMBINE: Record<ReduceOp, BinaryOp> = { sum: 'add', max: 'max', prod: 'mul' };

/** A new view of `t`'s buffer. */
function view(t: GpuTensorData, shape: Shape, strides: Strides = stridesFromShape(shape)): GpuTensorData {
  return new GpuTensorData(t.buffer, shape, strides);
}

/** The WebGPU backend. */
export class GpuBackend implements TensorBackend {
  readonly name = 'gpu';

  /** The adapter in use (starts the device if needed). */
  get description(): string {
    return gpuBridge().description;
  }

  zeros(shape: Shape): TensorData {
    return new GpuTensorData(new GpuBuffer(shapeSize(shape)), shape);
  }

  upload(host: TensorData): GpuTensorData {
    if (host instanceof GpuTensorData) return host;
    return new GpuTensorData(new GpuBuffer(host.size, host.toFlatArray()), host.shape);
  }

  map(op: UnaryOp, a: TensorData, outShape?: Shape): TensorData {
    const shape = outShape ?? a.shape;
    checkBroadcastTo(a.shape, shape);
    const x = this.upload(a);
    const input: Operand = {
      buffer: x.buffer,
      offset: 0,
      strides: alignedStrides(x.shape, x.strides, shape),
      inner: 1,
    };
    const plan: KernelPlan = {
      what: `${op} of ${formatShape(shape)}`,
      code: mapShader(op),
      info: (s, [i]) => [shapeSize(s), s.length, ...s, ...i.strides],
      groups: (s) => groups1d(Math.ceil(shapeSize(s) / WORKGROUP_SIZE)),
    };
    return launch(plan, [input], shape);
  }

  zip(op: BinaryOp, a: TensorData, b: TensorData): TensorData {
    const shape = shapeBroadcast(a.shape, b.shape);
    const x = this.upload(a);
    const y = this.upload(b);
    const operand = (t: GpuTensorData): Operand => ({
      buffer: t.buffer,
      offset: 0,
      strides: alignedStrides(t.shape, t.strides, shape),
      inner: 1,
    });
    const plan: KernelPlan = {
      what: `${op} of ${formatShape(a.shape)} and ${formatShape(b.shape)}`,
      code: zipShader(op),
      info: (s, [i, j]) => [shapeSize(s), s.length, ...s, ...i.strides, ...j.strides],
      groups: (s) => groups1d(Math.ceil(shapeSize(s) / WORKGROUP_SIZE)),
    };
    return launch(plan, [operand(x), operand(y)], shape);
  }

  reduce(op: ReduceOp, a: TensorData, dim: number): TensorData {
    const d = normalizeDim(dim, a.shape);
    const x = this.upload(a);
    return this.reduceFrom(op, x.buffer, 0, x.shape, x.strides, d, `${op} over dim ${d} of ${formatShape(a.shape)}`);
  }

  /**
   * Reduce along `d` the elements of `buffer` from `offset` on, seen with `shape` and `strides`.
   * One workgroup folds a whole reduced dim, WORKGROUP_SIZE values per loop iteration; where
   * that is more iterations than the loop budget allows, the dim is cut into chunks: first
   * the chunks are reduced (a view with the dim split in two), then their results, and the
   * remainder that makes no whole chunk is reduced on its own and combined.
   */
  private reduceFrom(
    op: ReduceOp,
    buffer: GpuBuffer,
    offset: number,
    shape: Shape,
    strides: Strides,
    d: number,
    what: string,
  ): GpuTensorData {
    const n = shape[d];
    const s = strides[d];
    const outShape = reducedShape(shape, d);
    const chunk = loopBudget() * WORKGROUP_SIZE;
    if (n > chunk) {
      const q = Math.floor(n / chunk);
      const r = n - q * chunk;
      const splitShape = [...shape.slice(0, d), q, chunk, ...shape.slice(d + 1)];
      const splitStrides = [...strides.slice(0, d), chunk * s, s, ...strides.slice(d + 1)];
      const chunks = this.reduceFrom(op, buffer, offset, splitShape, splitStrides, d + 1, what);
      const folded = this.reduce(op, view(chunks, [...shape.slice(0, d), q, ...shape.slice(d + 1)]), d);
      if (r === 0) return folded as GpuTensorData;
      const rest = this.reduceFrom(
        op,
        buffer,
        offset + q * chunk * s,
        [...outShape.slice(0, d), r, ...outShape.slice(d + 1)],
        strides,
        d,
        what,
      );
      return this.zip(COMBINE[op], folded, rest) as GpuTensorData;
    }
    const input: Operand = { buffer, offset, strides: Array.from(strides), inner: 1 + Math.max(0, n - 1) * s };
    const plan: KernelPlan = {
      what,
      code: reduceShader(op),
      info: (o, [i]) => [shapeSize(o), o.length, n, s, ...o, ...i.strides],
      groups: (o) => groups1d(shapeSize(o)),
    };
    return launch(plan, [input], outShape);
  }

  matmul(a: TensorData, b: TensorData): TensorData {
    const shape = matmulShape(a.shape, b.shape);
    const x = this.upload(a);
    const y = this.upload(b);
    const batch = shape.slice(0, -2);
    const m = a.shape[a.dims - 1];
    // Strides along the output's dims [...batch, n, p], then along the shared dim.
    const xs = [...alignedStrides(x.shape.slice(0, -2), x.strides.slice(0, -2), batch), x.strides[x.dims - 2], 0];
    const ys = [...alignedStrides(y.shape.slice(0, -2), y.strides.slice(0, -2), batch), 0, y.strides[y.dims - 1]];
    const what = `matmul of ${formatShape(a.shape)} and ${formatShape(b.shape)}`;
    return this.matmulFrom(
      { buffer: x.buffer, offset: 0, strides: xs, inner: 0 },
      { buffer: y.buffer, offset: 0, strides: ys, inner: 0 },
      shape,
      m,
      x.strides[x.dims - 1],
      y.strides[y.dims - 2],
      what,
    );
  }

  /**
   * The matmul of operands `x` and `y` (strides along the output's dims) over a shared dim of
   * `m`, with strides `xm` and `ym` along it. A shared dim longer than the tile loop's budget
   * is cut into chunks, as `reduceFrom` cuts a reduced dim: the chunks become a leading batch
   * dim whose products are summed, and the remainder is one more product, added.
   */
  private matmulFrom(
    x: Operand,
    y: Operand,
    shape: Shape,
    m: number,
    xm: number,
    ym: number,
    what: string,
  ): GpuTensorData {
    const chunk = Math.floor((loopBudget() * TILE) / 64) * 64;
    if (m > chunk) {
      const q = Math.floor(m / chunk);
      const r = m - q * chunk;
      const lead = (op: Operand, sm: number): Operand => ({ ...op, strides: [chunk * sm, ...op.strides] });
      const products = this.matmulFrom(lead(x, xm), lead(y, ym), [q, ...shape], chunk, xm, ym, what);
      const summed = view(this.reduce('sum', products, 0) as GpuTensorData, shape);
      if (r === 0) return summed;
      const shift = (op: Operand, sm: number): Operand => ({ ...op, offset: op.offset + q * chunk * sm });
      return this.zip(
        'add',
        summed,
        this.matmulFrom(shift(x, xm), shift(y, ym), shape, r, xm, ym, what),
      ) as GpuTensorData;
    }
    const bd = shape.length - 2;
    const inner = (sm: number) => 1 + Math.max(0, m - 1) * sm;
    const plan: KernelPlan = {
      what,
      code: matmulShader(),
      info: (o, [i, j]) => [
        o[bd],
        m,
        o[bd + 1],
        bd,
        ...o.slice(0, bd),
        ...i.strides.slice(0, bd),
        ...j.strides.slice(0, bd),
        i.strides[bd],
        xm,
        ym,
        j.strides[bd + 1],
      ],
      groups: (o) => [Math.ceil(o[bd + 1] / TILE) || 1, Math.ceil(o[bd] / TILE) || 1, shapeSize(o.slice(0, bd))],
    };
    return launch(
      plan,
      [
        { ...x, inner: inner(xm) },
        { ...y, inner: inner(ym) },
      ],
      shape,
    );
  }

  conv1d(input: TensorData, weight: TensorData, outShape: Shape, reverse: boolean): TensorData {
    return this.conv(1, input, weight, outShape, reverse);
  }

  conv2d(input: TensorData, weight: TensorData, outShape: Shape, reverse: boolean): TensorData {
    return this.conv(2, input, weight, outShape, reverse);
  }

  /** A `dims`-D convolution with the shader of `gpuHooks.convShader`, or on the CPU without one. */
  private conv(dims: 1 | 2, input: TensorData, weight: TensorData, outShape: Shape, reverse: boolean): TensorData {
    const code = gpuHooks.convShader();
    if (code === null) {
      // The fast CPU backend convolves (reading the inputs back); the result goes up again.
      const cpu = getBackend('fast');
      return this.upload(cpu[dims === 1 ? 'conv1d' : 'conv2d'](input, weight, outShape, reverse));
    }
    const x = this.upload(input);
    const w = this.upload(weight);
    // A 1-D convolution is a 2-D one of height 1: insert that dim (size 1, stride 0).
    const as2d = (v: readonly number[], fill: number) => (dims === 1 ? [v[0], v[1], fill, v[2]] : Array.from(v));
    const shape4 = as2d(outShape, 1);
    const [, inChannels, h, wd] = as2d(x.shape, 1);
    const [, , kh, kw] = as2d(w.shape, 1);
    const xs = as2d(x.strides, 0);
    const ws = as2d(w.strides, 0);
    const what = `conv${dims}d of ${formatShape(input.shape)} with ${formatShape(weight.shape)}`;
    const taps = kh * kw;
    const budget = loopBudget();
    if (taps > budget) {
      throw new RangeError(
        `${what}: a ${kh}×${kw} kernel is ${taps} taps, more than one GPU invocation may loop over on this device (${budget}, a quarter of its ${limits().maxLoopIterations} loop iterations); use the fast backend for it`,
      );
    }
    // The input channels each invocation loops over, at most: more are summed from several runs.
    const perRun = Math.max(1, Math.floor(budget / taps));
    let out: GpuTensorData | null = null;
    for (let c0 = 0; c0 < inChannels; c0 += perRun) {
      const c = Math.min(perRun, inChannels - c0);
      const window = (st: number[]) =>
        1 + (c - 1) * st[1] + (st === xs ? (h - 1) * st[2] + (wd - 1) * st[3] : (kh - 1) * st[2] + (kw - 1) * st[3]);
      const plan: KernelPlan = {
        what,
        code,
        info: (o, [i, j]) => [
          shapeSize(o),
          o[1],
          o[2],
          o[3],
          c,
          h,
          wd,
          kh,
          kw,
          reverse ? 1 : 0,
          i.strides[0],
          ...xs.slice(1),
          j.strides[1],
          ws[1],
          ...ws.slice(2),
        ],
        groups: (o) => groups1d(Math.ceil(shapeSize(o) / WORKGROUP_SIZE)),
        // Pieces of whole images: split by batch entry and output channel only.
        splittable: 2,
      };
      const part = launch(
        plan,
        [
          { buffer: x.buffer, offset: c0 * xs[1], strides: [xs[0], 0, 0, 0], inner: window(xs) },
          { buffer: w.buffer, offset: c0 * ws[1], strides: [0, ws[0], 0, 0], inner: window(ws) },
        ],
        shape4,
      );
      out = out === null ? part : (this.zip('add', out, part) as GpuTensorData);
    }
    return view(out!, outShape);
  }
}

/**
 * Practice kernel (MiniTorch's `sum_practice`): block sums of a 1-D array, one per
 * PRACTICE_BLOCK values, computed in workgroup memory.
 */
export function sumPractice(values: ArrayLike<number>): Float64Array {
  const a = new GpuBuffer(values.length, values, 'sumPractice');
  const blocks = Math.max(1, Math.ceil(values.length / PRACTICE_BLOCK));
  const plan: KernelPlan = {
    what: `sumPractice of ${values.length} values`,
    code: sumPracticeShader(),
    // A piece of blocks starts at its input's offset: the values left from there.
    info: (o, [i]) => [Math.min(o[0] * PRACTICE_BLOCK, values.length - i.offset)],
    groups: (o) => [o[0], 1, 1],
  };
  const input: Operand = { buffer: a, offset: 0, strides: [PRACTICE_BLOCK], inner: PRACTICE_BLOCK };
  return launch(plan, [input], [blocks]).buffer.read();
}

/**
 * Practice kernel (MiniTorch's `mm_practice`): the product of two size×size matrices
 * (row-major, size ≤ PRACTICE_BLOCK) in one workgroup's shared memory.
 */
export function mmPractice(a: ArrayLike<number>, b: ArrayLike<number>, size: number): Float64Array {
  if (size < 1 || size > PRACTICE_BLOCK || a.length !== size * size || b.length !== size * size) {
    throw new RangeError(
      `mmPractice: needs two ${size}×${size} matrices with 1 ≤ size ≤ ${PRACTICE_BLOCK}, got ${a.length} and ${b.length} values`,
    );
  }
  const operand = (v: ArrayLike<number>): Operand => ({
    buffer: new GpuBuffer(v.length, v, 'mmPractice'),
    offset: 0,
    strides: [0, 0],
    inner: size * size,
  });
  const plan: KernelPlan = {
    what: `mmPractice of two ${size}×${size} matrices`,
    code: mmPracticeShader(),
    info: () => [size],
    groups: () => [1, 1, 1],
    splittable: 0,
  };
  return launch(plan, [operand(a), operand(b)], [size, size]).buffer.read();
}

/** Number of device buffers alive in the worker (for tests of buffer freeing). */
export function liveBufferCount(): number {
  return gpuBridge().call<number>({ op: 'count' });
}

/**
 * Destroy the GPU device on purpose, as a driver reset would (for tests of what users see
 * then): tensors on it are lost, and the next GPU operation starts a fresh device.
 */
export function simulateDeviceLoss(): void {
  gpuBridge().call({ op: 'loseDevice' });
}
