/**
 * How much of the device the GPU backend may hold, and what happens beyond that.
 *
 * Why not just free a buffer when its tensor is garbage-collected: JavaScript reports a
 * collected object only through a `FinalizationRegistry` callback, and those run only when
 * the event loop turns. A training loop in one notebook cell (or `trainTensor`) is one
 * synchronous job, so its finalisers all wait for the loop to end: 10,000 steps of a small
 * MLP would hold 790,000 device buffers, and the registry's own records of the dead grow just
 * as fast. (A `WeakRef` cannot tell either: creating or dereferencing one keeps its target
 * alive until the job ends.)
 *
 * So device memory is a cache with a budget. Every live device buffer is listed here in
 * least-recently-used order. When the list passes the budget (a number of buffers and a
 * number of bytes), the oldest ones are *spilled*: read back to plain host arrays in one
 * batched round trip, and their device buffers released. A spilled buffer goes back up the
 * next time a kernel uses it. The oldest buffers of a training loop are those of earlier
 * steps, which no tensor can reach any more: their host copies are ordinary garbage, which V8
 * collects synchronously. Live data is never lost, only moved.
 *
 * When the event loop does turn, finalisers free device buffers of collected tensors early,
 * without a readback. A spilled buffer's finaliser is unregistered, so the registry only ever
 * holds records of buffers on the device: at most the budget.
 *
 * Budgets come from `MINITORCH_GPU_MAX_BUFFERS` (default 1024) and `MINITORCH_GPU_MAX_MB`
 * (default 1024), or `setGpuMemoryBudget`.
 *
 * @packageDocumentation
 */
import { platform } from '../../platform';

/** A buffer as the memory manager sees it: enough to spill and re-upload it. */
export interface DeviceSlot {
  /** The device buffer's id in the worker. */
  readonly id: number;
  /** Size in bytes on the device. */
  readonly bytes: number;
}

/** Limits on what the GPU backend keeps on the device (see the module comment). */
export interface GpuMemoryBudget {
  /** Most device buffers alive at once. */
  maxBuffers: number;
  /** Most bytes in device buffers at once. */
  maxBytes: number;
}

/** A positive integer from the environment, or the default (with an error for nonsense). */
function envLimit(name: string, fallback: number): number {
  const raw = platform.env(name);
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`${name} must be a positive integer, got "${raw}"`);
  return value;
}

/** Spilling stops at this fraction of the budget, so one round trip makes room for many new buffers. */
const LOW_WATER = 0.75;
/** The most recently used buffers are never spilled: they are the current kernel's inputs. */
const KEEP_RECENT = 8;

/**
 * The device buffers alive, oldest use first, and the budget they must fit in. `spill` is
 * how the owner moves buffers to the host (one round trip for the whole batch).
 */
export class DeviceMemory<S extends DeviceSlot> {
  private readonly resident = new Map<number, S>();
  private residentBytes = 0;
  /** Buffers spilled to the host so far (a statistic for tests and benchmarks). */
  spilled = 0;
  readonly budget: GpuMemoryBudget;

  constructor(private readonly spill: (victims: S[]) => void) {
    this.budget = {
      maxBuffers: envLimit('MINITORCH_GPU_MAX_BUFFERS', 1024),
      maxBytes: envLimit('MINITORCH_GPU_MAX_MB', 1024) * 2 ** 20,
    };
  }

  /** Buffers and bytes on the device now. */
  get stats(): { buffers: number; bytes: number; spilled: number } {
    return { buffers: this.resident.size, bytes: this.residentBytes, spilled: this.spilled };
  }

  /** Make room for a new buffer of `bytes` (spilling old ones if needed), then list it as newest. */
  add(slot: S): void {
    this.makeRoom(slot.bytes);
    this.resident.set(slot.id, slot);
    this.residentBytes += slot.bytes;
  }

  /** Mark `slot` as just used (it moves to the newest end). */
  touch(slot: S): void {
    if (this.resident.delete(slot.id)) this.resident.set(slot.id, slot);
  }

  /** Forget `slot` (its device buffer was released); true if it was listed. */
  remove(slot: S): boolean {
    if (!this.resident.delete(slot.id)) return false;
    this.residentBytes -= slot.bytes;
    return true;
  }

  /** Forget every buffer (the device is gone); returns what was listed. */
  clear(): S[] {
    const all = [...this.resident.values()];
    this.resident.clear();
    this.residentBytes = 0;
    return all;
  }

  /** Spill the oldest buffers until one more of `bytes` fits, down to the low-water mark. */
  private makeRoom(bytes: number): void {
    const { maxBuffers, maxBytes } = this.budget;
    if (this.resident.size + 1 <= maxBuffers && this.residentBytes + bytes <= maxBytes) return;
    const targetCount = Math.floor(maxBuffers * LOW_WATER);
    const targetBytes = Math.floor(maxBytes * LOW_WATER) - bytes;
    const victims: S[] = [];
    let count = this.resident.size;
    let total = this.residentBytes;
    const spillable = this.resident.size - KEEP_RECENT;
    for (const slot of this.resident.values()) {
      if (victims.length >= spillable || (count < targetCount && total <= targetBytes)) break;
      victims.push(slot);
      count -= 1;
      total -= slot.bytes;
    }
    if (victims.length === 0) return;
    for (const slot of victims) this.remove(slot);
    this.spilled += victims.length;
    this.spill(victims);
  }
}
