/**
 * A message queue in shared memory that a thread reads *synchronously*: what a page has in
 * place of Node's `receiveMessageOnPort`. A browser thread cannot read a `MessagePort` without
 * returning to its event loop, and the tensor API never returns to it mid-call; so the writer
 * (a worker of the pool, the GPU worker) encodes each message into a growable
 * `SharedArrayBuffer` and the reader takes it out with plain loads, under a small lock.
 *
 * Messages are JSON plus typed arrays carried as raw bytes (a GPU read is a large
 * `Float32Array`), and non-finite numbers survive (a device limit may be `Infinity`).
 *
 * @packageDocumentation
 */

/** Header: [0] the lock, [1] where the next message is written, [2] where the next one is read. */
const HEADER_BYTES = 16;
/** The queue's first size; it grows (doubling) up to `MAX_BYTES`. */
const INITIAL_BYTES = 1 << 16;
/** The most one queue holds at once (a GPU read of 64M float32 values). */
const MAX_BYTES = 1 << 28;

/** Typed-array classes a message may carry, by the index written in its header. */
const ARRAY_TYPES = [
  Float64Array,
  Float32Array,
  Int32Array,
  Uint32Array,
  Uint8Array,
  Int8Array,
  Int16Array,
  Uint16Array,
  Uint8ClampedArray,
] as const;

/** Tags in the JSON text for values JSON cannot hold (chosen not to clash with real keys). */
const ARRAY_TAG = '\u0000typedArray';
const NUMBER_TAG = '\u0000number';

/** A `SharedArrayBuffer` that can grow (ES2024; present in every browser with shared memory). */
interface GrowableShared extends SharedArrayBuffer {
  grow(bytes: number): void;
}

/** A fresh queue's memory, to hand to both ends. */
export function newQueueBuffer(): SharedArrayBuffer {
  const Shared = SharedArrayBuffer as unknown as new (
    bytes: number,
    options: { maxByteLength: number },
  ) => SharedArrayBuffer;
  return new Shared(HEADER_BYTES + INITIAL_BYTES, { maxByteLength: HEADER_BYTES + MAX_BYTES });
}

/** `value` as bytes: a length-prefixed JSON text, then each typed array's bytes 8-aligned. */
export function encodeMessage(value: unknown): Uint8Array {
  const arrays: ArrayBufferView[] = [];
  const json = JSON.stringify(value, (_key, v: unknown) => {
    if (typeof v === 'number' && !Number.isFinite(v)) return { [NUMBER_TAG]: String(v) };
    if (ArrayBuffer.isView(v) && !(v instanceof DataView)) {
      const type = ARRAY_TYPES.findIndex((T) => v instanceof T);
      if (type < 0) throw new TypeError(`shared queue: cannot send a ${v.constructor.name}`);
      arrays.push(v);
      return { [ARRAY_TAG]: [type, arrays.length - 1] };
    }
    return v;
  });
  const text = new TextEncoder().encode(json ?? 'null');
  const align = (n: number): number => (n + 7) & ~7;
  let size = align(8 + text.length);
  for (const a of arrays) size += align(8 + a.byteLength);
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  view.setUint32(0, text.length, true);
  out.set(text, 8);
  let at = align(8 + text.length);
  for (const a of arrays) {
    view.setUint32(at, a.byteLength, true);
    out.set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), at + 8);
    at = align(at + 8 + a.byteLength);
  }
  return out;
}

/** The value `encodeMessage` wrote into `bytes`. */
export function decodeMessage(bytes: Uint8Array): unknown {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const align = (n: number): number => (n + 7) & ~7;
  const textLength = view.getUint32(0, true);
  const text = new TextDecoder().decode(bytes.subarray(8, 8 + textLength));
  const arrays: ArrayBuffer[] = [];
  for (let at = align(8 + textLength); at < bytes.length;) {
    const length = view.getUint32(at, true);
    arrays.push(bytes.slice(at + 8, at + 8 + length).buffer);
    at = align(at + 8 + length);
  }
  return JSON.parse(text, (_key, v: unknown) => {
    if (v !== null && typeof v === 'object') {
      const tagged = v as Record<string, unknown>;
      if (NUMBER_TAG in tagged) return Number(tagged[NUMBER_TAG]);
      if (ARRAY_TAG in tagged) {
        const [type, index] = tagged[ARRAY_TAG] as [number, number];
        return new ARRAY_TYPES[type](arrays[index]);
      }
    }
    return v;
  });
}

/** Hold the queue's lock (a few loads and stores are done under it, so spinning is fine). */
function lock(header: Int32Array): void {
  while (Atomics.compareExchange(header, 0, 0, 1) !== 0) {
    // Wait a moment for the holder; where a thread may not block, spin.
    try {
      Atomics.wait(header, 0, 1, 1);
    } catch {
      // the page's main thread: Atomics.wait is not allowed there
    }
  }
}

function unlock(header: Int32Array): void {
  Atomics.store(header, 0, 0);
  Atomics.notify(header, 0);
}

/** Append one message to the queue in `buffer` (any thread). */
export function writeMessage(buffer: SharedArrayBuffer, message: unknown): void {
  const bytes = encodeMessage(message);
  const header = new Int32Array(buffer, 0, 4);
  lock(header);
  try {
    let end = header[1];
    if (header[2] === end) {
      // Everything written has been read: start again at the front.
      header[1] = header[2] = end = 0;
    }
    const needed = end + 8 + bytes.length;
    if (HEADER_BYTES + needed > buffer.byteLength) {
      const wanted = Math.max(HEADER_BYTES + needed, 2 * buffer.byteLength);
      if (wanted > HEADER_BYTES + MAX_BYTES) {
        throw new RangeError(`shared queue: a message of ${bytes.length} bytes does not fit in ${MAX_BYTES} bytes`);
      }
      (buffer as GrowableShared).grow(wanted);
    }
    const data = new Uint8Array(buffer, HEADER_BYTES);
    new DataView(buffer, HEADER_BYTES).setUint32(end, bytes.length, true);
    data.set(bytes, end + 8);
    header[1] = (end + 8 + bytes.length + 7) & ~7;
  } finally {
    unlock(header);
  }
}

/** Take the oldest message from the queue in `buffer`, or undefined when it is empty. */
export function readMessage(buffer: SharedArrayBuffer): unknown {
  const header = new Int32Array(buffer, 0, 4);
  let bytes: Uint8Array | undefined;
  lock(header);
  try {
    const at = header[2];
    if (at < header[1]) {
      const length = new DataView(buffer, HEADER_BYTES).getUint32(at, true);
      // `slice` copies into an ordinary buffer (TextDecoder refuses shared memory).
      bytes = new Uint8Array(buffer, HEADER_BYTES + at + 8, length).slice();
      header[2] = (at + 8 + length + 7) & ~7;
    }
  } finally {
    unlock(header);
  }
  return bytes === undefined ? undefined : decodeMessage(bytes);
}
