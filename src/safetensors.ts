/**
 * Reading and writing the safetensors format, the file format the PyTorch ecosystem shares
 * weights in, so that a network trained in PyTorch loads into MiniTorch and back:
 *
 *     [8 bytes: header length N, unsigned little-endian]
 *     [N bytes: JSON header, UTF-8, padded with spaces]
 *     [data: every tensor's values, raw little-endian, back to back]
 *
 * The header maps each tensor's name to `{ dtype, shape, data_offsets: [begin, end] }`
 * (offsets into the data part) and may hold string metadata under `__metadata__`.
 * F32 and F64 are supported; values are read into float64 tensors.
 *
 * @packageDocumentation
 */
import { platform } from './platform';
import { Tensor, TensorOptions, fromFlat } from './tensor';
import { checkShape, formatShape, shapeSize } from './tensorData';
import { Module } from './module';
import { checkOptions, checkString, describeValue, tooManyArguments } from './validate';

/** The element types this library reads and writes. */
export type Dtype = 'F32' | 'F64';

/** Bytes per element of each supported dtype. */
const BYTES: Record<Dtype, number> = { F32: 4, F64: 8 };

/** A parsed file: its tensors by name, and the string metadata (empty if none). */
export interface SafetensorsContents {
  tensors: Record<string, Tensor>;
  metadata: Record<string, string>;
}

/** Options for writing. */
export interface SaveOptions {
  /** Element type of every tensor in the file (default "F32", what PyTorch models usually use). */
  dtype?: Dtype;
  /** String key/value pairs stored under `__metadata__`. */
  metadata?: Record<string, string>;
}

/** A malformed or unsupported safetensors file. */
export class SafetensorsError extends Error {
  constructor(message: string) {
    super(`safetensors: ${message}`);
    this.name = 'SafetensorsError';
  }
}

/** Throw unless `tensors` is an object of tensors by name (a Module or a Tensor is a common slip). */
function checkTensorRecord(where: string, tensors: unknown): void {
  if (
    tensors === null ||
    typeof tensors !== 'object' ||
    Array.isArray(tensors) ||
    tensors instanceof Tensor ||
    tensors instanceof Module
  ) {
    const got = tensors instanceof Module ? `a ${tensors.constructor.name} module` : describeValue(tensors);
    throw new TypeError(`${where}: tensors must be an object of tensors by name (model.stateDict()), got ${got}`);
  }
}

/** One header entry as the format spells it. */
interface HeaderEntry {
  dtype: string;
  shape: number[];
  data_offsets: [number, number];
}

/** Encode tensors (and metadata) as the bytes of a safetensors file. */
export function serialize(tensors: Record<string, Tensor>, options: SaveOptions = {}): Uint8Array {
  if (arguments.length > 2) tooManyArguments('safetensors.serialize', 2, arguments.length, 'tensors, options');
  checkTensorRecord('safetensors.serialize', tensors);
  checkOptions('safetensors.serialize', options, ['dtype', 'metadata']);
  const dtype = options.dtype ?? 'F32';
  if (!(dtype in BYTES))
    throw new SafetensorsError(`cannot write dtype "${dtype}" (supported: ${Object.keys(BYTES).join(', ')})`);
  const header: Record<string, HeaderEntry | Record<string, string>> = {};
  if (options.metadata !== undefined) {
    for (const [k, v] of Object.entries(options.metadata)) {
      if (typeof v !== 'string')
        throw new SafetensorsError(`metadata value of "${k}" must be a string, got ${typeof v}`);
    }
    header.__metadata__ = options.metadata;
  }
  let offset = 0;
  const names = Object.keys(tensors);
  for (const name of names) {
    if (name === '__metadata__') throw new SafetensorsError('"__metadata__" is reserved and cannot name a tensor');
    const t = tensors[name];
    if (!(t instanceof Tensor)) throw new SafetensorsError(`"${name}" is not a Tensor`);
    const bytes = t.size * BYTES[dtype];
    header[name] = { dtype, shape: t.shape.slice(), data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  let json = JSON.stringify(header);
  // Pad the header so the data starts 8-byte aligned, as the reference writer does.
  const encoder = new TextEncoder();
  let headerBytes = encoder.encode(json);
  const padding = (8 - (headerBytes.length % 8)) % 8;
  json += ' '.repeat(padding);
  headerBytes = encoder.encode(json);
  const out = new Uint8Array(8 + headerBytes.length + offset);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(headerBytes.length), true);
  out.set(headerBytes, 8);
  let position = 8 + headerBytes.length;
  for (const name of names) {
    const values = tensors[name].toFlatArray();
    for (let i = 0; i < values.length; i++, position += BYTES[dtype]) {
      if (dtype === 'F32') view.setFloat32(position, values[i], true);
      else view.setFloat64(position, values[i], true);
    }
  }
  return out;
}

/**
 * Decode the bytes of a safetensors file. Every entry is checked (dtype, shape, offsets
 * inside the data and matching the shape, no gaps or overlaps) before any tensor is made.
 */
export function deserialize(bytes: Uint8Array, options: TensorOptions = {}): SafetensorsContents {
  if (arguments.length > 2) tooManyArguments('safetensors.deserialize', 2, arguments.length, 'bytes, options');
  if (!(bytes instanceof Uint8Array)) {
    throw new TypeError(`safetensors.deserialize: bytes must be a Uint8Array (a Buffer), got ${describeValue(bytes)}`);
  }
  checkOptions('safetensors.deserialize', options, ['backend', 'requiresGrad']);
  if (bytes.length < 8)
    throw new SafetensorsError(`file is ${bytes.length} bytes, too short for the 8-byte header length`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = view.getBigUint64(0, true);
  if (headerLength > BigInt(bytes.length - 8)) {
    throw new SafetensorsError(
      `header length ${headerLength} runs past the end of the file (${bytes.length} bytes): truncated or not a safetensors file`,
    );
  }
  const n = Number(headerLength);
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + n)));
  } catch (e) {
    throw new SafetensorsError(`header is not valid UTF-8 JSON (${(e as Error).message})`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) {
    throw new SafetensorsError('header must be a JSON object');
  }
  const dataStart = 8 + n;
  const dataLength = bytes.length - dataStart;
  const metadata: Record<string, string> = {};
  const entries: Array<[string, Dtype, number[], number, number]> = [];
  for (const [name, value] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (typeof value !== 'object' || value === null)
        throw new SafetensorsError('__metadata__ must be an object of strings');
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
        if (typeof v !== 'string') throw new SafetensorsError(`__metadata__ value of "${k}" must be a string`);
        metadata[k] = v;
      }
      continue;
    }
    const entry = value as Partial<HeaderEntry>;
    if (
      typeof entry !== 'object' ||
      entry === null ||
      !Array.isArray(entry.shape) ||
      !Array.isArray(entry.data_offsets) ||
      entry.data_offsets.length !== 2
    ) {
      throw new SafetensorsError(`entry "${name}" must have dtype, shape and data_offsets [begin, end]`);
    }
    const dtype = entry.dtype as Dtype;
    if (!(dtype in BYTES)) {
      throw new SafetensorsError(
        `tensor "${name}" has dtype ${JSON.stringify(entry.dtype)}, which is not supported (supported: ${Object.keys(BYTES).join(', ')})`,
      );
    }
    try {
      checkShape(entry.shape, `tensor "${name}": shape`);
    } catch (e) {
      throw new SafetensorsError((e as Error).message);
    }
    const [begin, end] = entry.data_offsets;
    if (!Number.isInteger(begin) || !Number.isInteger(end) || begin < 0 || end < begin || end > dataLength) {
      throw new SafetensorsError(
        `tensor "${name}": data_offsets [${begin}, ${end}] lie outside the ${dataLength} bytes of data (truncated file?)`,
      );
    }
    if (end - begin !== shapeSize(entry.shape) * BYTES[dtype]) {
      throw new SafetensorsError(
        `tensor "${name}": ${end - begin} bytes of data do not fit shape ${formatShape(entry.shape)} of ${dtype}`,
      );
    }
    entries.push([name, dtype, entry.shape, begin, end]);
  }
  // The data must be covered exactly once: sorted by offset, each entry starts where the last ended.
  const sorted = entries.slice().sort((a, b) => a[3] - b[3]);
  let expected = 0;
  for (const [name, , , begin, end] of sorted) {
    if (begin !== expected)
      throw new SafetensorsError(
        `tensor "${name}" starts at byte ${begin} of the data, expected ${expected} (gap or overlap)`,
      );
    expected = end;
  }
  if (expected !== dataLength)
    throw new SafetensorsError(`the tensors cover ${expected} bytes but the data part has ${dataLength}`);
  const tensors: Record<string, Tensor> = {};
  for (const [name, dtype, shape, begin] of entries) {
    const values = new Float64Array(shapeSize(shape));
    const at = dataStart + begin;
    for (let i = 0; i < values.length; i++) {
      values[i] = dtype === 'F32' ? view.getFloat32(at + 4 * i, true) : view.getFloat64(at + 8 * i, true);
    }
    tensors[name] = fromFlat(values, shape, options);
  }
  return { tensors, metadata };
}

/** Write tensors (for example `model.stateDict()`) to a `.safetensors` file. */
export function save(path: string, tensors: Record<string, Tensor>, options: SaveOptions = {}): void {
  if (arguments.length > 3) tooManyArguments('safetensors.save', 3, arguments.length, 'path, tensors, options');
  checkString('safetensors.save', 'path', path);
  platform.writeFile(path, serialize(tensors, options));
}

/** Read a `.safetensors` file: `model.loadStateDict(minitorch.safetensors.load(path).tensors)`. */
export function load(path: string, options: TensorOptions = {}): SafetensorsContents {
  if (arguments.length > 2) tooManyArguments('safetensors.load', 2, arguments.length, 'path, options');
  checkString('safetensors.load', 'path', path);
  checkOptions('safetensors.load', options, ['backend', 'requiresGrad']);
  return deserialize(platform.readFile(path), options);
}
