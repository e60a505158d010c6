/**
 * Result memory of the fast backend, recycled by size once its tensors are released
 * (`Tensor.dispose`, `tidy`; see `lifetimes.ts`).
 *
 * A large result costs more to allocate than to compute when the op is cheap: a fresh
 * `Float64Array` is fresh pages, each first touched by a page fault, and a fresh
 * `SharedArrayBuffer` several times more. A training step makes the same sizes step after
 * step, so a released result's memory is kept here, by length, plain and shared apart, and
 * the next result of that length takes it. Shared memory that comes back is what lets a
 * parallel call write its result in place (no scratch, no copy): see `FastBackend.compute`.
 *
 * Only whole buffers of at least `RECYCLE_MIN` values come here (`TensorData.storageKey`);
 * smaller results are carved from chunks and left to the garbage collector.
 *
 * @packageDocumentation
 */
import { Storage, storageRecycler } from '../../tensorData';

/** Most buffers kept per length and kind: a step's results of one size, with room to spare. */
const PER_SIZE = 32;
/** Most bytes kept in all: beyond it, released memory goes to the garbage collector. */
const MAX_BYTES = 512 * 2 ** 20;

const plain = new Map<number, Storage[]>();
const shared = new Map<number, Storage[]>();
let keptBytes = 0;

/** Statistics for tests and benchmarks: buffers taken from the pool and given back to it. */
export const recycleStats = { reused: 0, released: 0 };

/** Keep `storage` (a whole buffer, no longer used by any tensor) for the next result of its length. */
function release(storage: Storage): void {
  const pool = storage.buffer instanceof SharedArrayBuffer ? shared : plain;
  const list = pool.get(storage.length);
  if ((list?.length ?? 0) >= PER_SIZE || keptBytes + storage.byteLength > MAX_BYTES) return;
  recycleStats.released += 1;
  keptBytes += storage.byteLength;
  if (list === undefined) pool.set(storage.length, [storage]);
  else list.push(storage);
}

/**
 * A released buffer of exactly `length` values, shared memory when `wantShared` (else plain,
 * or shared when no plain one waits), or null. Its old values are still there: `zero` clears
 * them, for kernels that add into their output (matmul) rather than write each entry.
 */
export function reuse(length: number, wantShared: boolean, zero: boolean): Storage | null {
  const first = (wantShared ? shared : plain).get(length);
  const list = first !== undefined && first.length > 0 ? first : wantShared ? undefined : shared.get(length);
  const storage = list?.pop();
  if (storage === undefined) return null;
  keptBytes -= storage.byteLength;
  recycleStats.reused += 1;
  if (zero) storage.fill(0);
  return storage;
}

/** Whether a shared buffer of `length` values waits to be reused. */
export function hasShared(length: number): boolean {
  return (shared.get(length)?.length ?? 0) > 0;
}

storageRecycler.release = release;
