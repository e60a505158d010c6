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
import { GpuBridge, deviceLostMessage } from './bridge';
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
  ) {
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

/** Workgroup counts covering `n` items, spilling into y past the per-dimension limit. */
function groups1d(n: number): [number, number, number] {
  return [Math.max(1, Math.min(n, MAX_GROUPS)), Math.max(1, Math.ceil(n / MAX_GROUPS)), 1];
}

/** Run `code` on `inputs` into a new buffer of `outShape`. */
function launch(
  code: string,
  inputs: GpuTensorData[],
  outShape: Shape,
  info: number[],
  groups: [number, number, number],
): GpuTensorData {
  // Inputs first: bringing one back from the host must not push out the new output.
  const ids = inputs.map((t) => t.buffer.use());
  const out = new GpuTensorData(new GpuBuffer(shapeSize(outShape)), outShape);
  if (out.size > 0) {
    // The inputs were marked most recently used, so making room for `out` left them on the device.
    gpuBridge().call({ op: 'run', code, buffers: [...ids, out.buffer.use()], info: Uint32Array.from(info), groups });
  }
  return out;
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
    const size = shapeSize(shape);
    const info = [size, shape.length, ...shape, ...alignedStrides(x.shape, x.strides, shape)];
    return launch(mapShader(op), [x], shape, info, groups1d(Math.ceil(size / WORKGROUP_SIZE)));
  }

  zip(op: BinaryOp, a: TensorData, b: TensorData): TensorData {
    const shape = shapeBroadcast(a.shape, b.shape);
    const x = this.upload(a);
    const y = this.upload(b);
    const size = shapeSize(shape);
    const info = [
      size,
      shape.length,
      ...shape,
      ...alignedStrides(x.shape, x.strides, shape),
      ...alignedStrides(y.shape, y.strides, shape),
    ];
    return launch(zipShader(op), [x, y], shape, info, groups1d(Math.ceil(size / WORKGROUP_SIZE)));
  }

  reduce(op: ReduceOp, a: TensorData, dim: number): TensorData {
    const d = normalizeDim(dim, a.shape);
    const x = this.upload(a);
    const shape = reducedShape(a.shape, d);
    const size = shapeSize(shape);
    const info = [size, shape.length, a.shape[d], x.strides[d], ...shape, ...x.strides];
    return launch(reduceShader(op), [x], shape, info, groups1d(size));
  }

  matmul(a: TensorData, b: TensorData): TensorData {
    const shape = matmulShape(a.shape, b.shape);
    const x = this.upload(a);
    const y = this.upload(b);
    const batch = shape.slice(0, -2);
    const [n, p] = shape.slice(-2);
    const m = a.shape[a.dims - 1];
    const info = [
      n,
      m,
      p,
      batch.length,
      ...batch,
      ...alignedStrides(x.shape.slice(0, -2), x.strides.slice(0, -2), batch),
      ...alignedStrides(y.shape.slice(0, -2), y.strides.slice(0, -2), batch),
      x.strides[x.dims - 2],
      x.strides[x.dims - 1],
      y.strides[y.dims - 2],
      y.strides[y.dims - 1],
    ];
    return launch(matmulShader(), [x, y], shape, info, [
      Math.ceil(p / TILE) || 1,
      Math.ceil(n / TILE) || 1,
      shapeSize(batch),
    ]);
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
    const [, outChannels, outH, outW] = as2d(outShape, 1);
    const [, inChannels, h, wd] = as2d(x.shape, 1);
    const [, , kh, kw] = as2d(w.shape, 1);
    const size = shapeSize(outShape);
    const info = [
      size,
      outChannels,
      outH,
      outW,
      inChannels,
      h,
      wd,
      kh,
      kw,
      reverse ? 1 : 0,
      ...as2d(x.strides, 0),
      ...as2d(w.strides, 0),
    ];
    return launch(code, [x, w], outShape, info, groups1d(Math.ceil(size / WORKGROUP_SIZE)));
  }
}

/**
 * Practice kernel (MiniTorch's `sum_practice`): block sums of a 1-D array, one per
 * PRACTICE_BLOCK values, computed in workgroup memory.
 */
export function sumPractice(values: ArrayLike<number>): Float64Array {
  const a = new GpuTensorData(new GpuBuffer(values.length, values), [values.length]);
  const blocks = Math.max(1, Math.ceil(values.length / PRACTICE_BLOCK));
  return launch(sumPracticeShader(), [a], [blocks], [values.length], [blocks, 1, 1]).buffer.read();
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
  const x = new GpuTensorData(new GpuBuffer(a.length, a), [size, size]);
  const y = new GpuTensorData(new GpuBuffer(b.length, b), [size, size]);
  return launch(mmPracticeShader(), [x, y], [size, size], [size], [1, 1, 1]).buffer.read();
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
