/**
 * The GPU backend's memory: device buffers by id, with a host copy once read, spilled to host
 * memory past the budget (`memory.ts`), and the `TensorData` whose storage is one of them.
 *
 * @packageDocumentation
 */

import {
  Shape,
  Storage,
  Strides,
  TensorData,
  VersionCounter,
  checkValue,
  layoutSpan,
  scatter,
  stridesFromShape,
} from '../../tensorData';

import { GpuBridge, GpuLimits, deviceLostMessage } from './bridge';
import { DeviceMemory, DeviceSlot, GpuMemoryBudget } from './memory';

let bridge: GpuBridge | null = null;
/** The process's GPU bridge, started on first use. */
export function gpuBridge(): GpuBridge {
  bridge ??= new GpuBridge();
  return bridge;
}

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

/**
 * Buffers on the device and bytes they take, how many have been spilled to the host, and how
 * many were released (`Tensor.dispose`, `tidy`) and went back to the worker's pool for reuse.
 */
export function gpuMemoryStats(): { buffers: number; bytes: number; spilled: number; released: number } {
  return { ...memory.stats, released: releasedCount };
}
let releasedCount = 0;

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

  /**
   * `overwritten`: the caller writes every value before anything reads one (a kernel's
   * output), so a reused device buffer need not be cleared first.
   */
  constructor(
    readonly length: number,
    data?: ArrayLike<number>,
    what = 'a GPU tensor',
    private readonly overwritten = false,
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

  /**
   * Put the values on the device (a new buffer, or a spilled one coming back). Only posted:
   * the worker creates it (from its pool of released buffers of that size, when it has one)
   * before the next command, and a failure is the error of the next command that waits; a
   * round trip per result would cost more than most small kernels.
   */
  private upload(data: Float32Array | undefined): void {
    memory.add(this.slot);
    try {
      gpuBridge().post({ op: 'create', id: this.slot.id, length: this.length, data, keep: this.overwritten });
    } catch (e) {
      memory.remove(this.slot);
      throw e;
    }
    this.slot.host = null;
    finalizer.register(this, this.slot, this.slot);
  }

  /**
   * Give the device buffer back now (its last tensor was released): the worker keeps it for
   * the next buffer of the same size. Using the buffer afterwards is a bug of the caller.
   */
  release(): void {
    if (this.released) return;
    this.released = true;
    this.cache = null;
    releasedCount += 1;
    if (this.slot.host !== null || this.slot.lost !== undefined) {
      this.slot.host = null;
      return;
    }
    finalizer.unregister(this.slot);
    if (memory.remove(this.slot)) bridge?.post({ op: 'destroy', id: this.slot.id });
  }
  private released = false;

  /**
   * Make sure the values are on the device, about to be used by a kernel: brings a spilled
   * buffer back, and marks the buffer as recently used so it is spilled last.
   */
  use(): number {
    if (this.released) throw new Error(`GPU buffer ${this.slot.id} was used after its tensor was released`);
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

/**
 * `TensorData` whose storage lives on the GPU; views share the buffer. An offset view (basic
 * indexing, `withOffset`) is the same buffer from element `offset` on: kernels bind it at
 * that offset (or copy the part they read, where the offset is not aligned for a binding;
 * see `runPiece`), and `storage`, `set` and `assign` read and write the buffer there, so
 * writes through a view reach its base and the other way round.
 */
export class GpuTensorData extends TensorData {
  constructor(
    readonly buffer: GpuBuffer,
    shape: Shape,
    strides: Strides = stridesFromShape(shape),
    versionCounter?: VersionCounter,
    /** Where this data starts in `buffer`, in elements (0 but for an offset view). */
    readonly offset = 0,
  ) {
    super(EMPTY, shape, strides, versionCounter);
  }

  /**
   * Downloads the buffer on first access (see the module comment); an offset view's part of
   * it, cut to what its layout reaches, as on the host (`TensorData.withOffset`).
   */
  override get storage(): Storage {
    const all = this.buffer.read();
    return this.offset === 0 ? all : all.subarray(this.offset, this.offset + layoutSpan(this.shape, this.strides));
  }

  /** The device buffer: every view of it shares it. */
  override get storageKey(): object {
    return this.buffer;
  }

  /** Back to the worker's pool of device buffers (see `GpuBuffer.release`). */
  override releaseStorage(): void {
    this.buffer.release();
  }

  override set(index: ArrayLike<number>, value: number): void {
    checkValue(value, 'set');
    const values = this.buffer.read().slice();
    values[this.offset + this.index(index)] = value;
    this.buffer.write(values);
    this.versionCounter.value += 1;
  }

  override assign(values: ArrayLike<number>): void {
    if (values.length !== this.size) super.assign(values); // the size error
    const storage = this.buffer.read().slice();
    scatter(storage.subarray(this.offset), this.shape, this.strides, values);
    this.buffer.write(storage);
    this.versionCounter.value += 1;
  }

  override withLayout(shape: Shape, strides: Strides): TensorData {
    return new GpuTensorData(this.buffer, shape, strides, this.versionCounter, this.offset);
  }

  override withOffset(offset: number, shape: Shape, strides: Strides): TensorData {
    return new GpuTensorData(this.buffer, shape, strides, this.versionCounter, this.offset + offset);
  }
}
export const EMPTY = new Float64Array(0);

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
export function limits(): GpuLimits {
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
