/**
 * Module 4 data: the embedded MNIST digits, the IDX reader on real Fashion-MNIST files and
 * on malformed ones, and a short seeded LeNet training run.
 */
import { expect } from 'chai';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as zlib from 'zlib';
import { mnist, trainMnist } from '../src';

const FASHION = '/usr/share/datasets/fashion-mnist';

/** An IDX file: header (type code, dims) followed by `data` bytes. */
function idx(type: number, dims: number[], data: number[]): Buffer {
  const header = Buffer.alloc(4 + 4 * dims.length);
  header[2] = type;
  header[3] = dims.length;
  dims.forEach((d, i) => header.writeUInt32BE(d, 4 + 4 * i));
  return Buffer.concat([header, Buffer.from(data)]);
}

describe('MNIST data', () => {
  it('embedded MNIST splits 8,000 / 2,000 digits repeatably', () => {
    const a = mnist.loadMnist({ seed: 1 });
    const b = mnist.loadMnist({ seed: 1 });
    expect(a.train.n).to.equal(8000);
    expect(a.test.n).to.equal(2000);
    expect(a.train.images.length).to.equal(8000 * 784);
    expect(a.train.labels.slice(0, 50)).to.deep.equal(b.train.labels.slice(0, 50));
    expect(new Set(a.test.labels).size).to.equal(10);
    expect(Math.max(...a.train.images.subarray(0, 784 * 10))).to.be.at.most(1);
    expect(() => mnist.loadMnist({ train: 9000, test: 2000 })).to.throw(
      /asked for 9000 \+ 2000 images, the package has 10000/,
    );
  });

  it('IDX loader reads the real Fashion-MNIST test files (gzipped)', function () {
    if (!fs.existsSync(FASHION)) {
      if (process.env.CI) throw new Error(`${FASHION} is missing: apt-get install dataset-fashion-mnist`);
      this.skip();
    }
    const data = mnist.loadIdxDataset(
      path.join(FASHION, 't10k-images-idx3-ubyte.gz'),
      path.join(FASHION, 't10k-labels-idx1-ubyte.gz'),
      { limit: 500 },
    );
    expect([data.n, data.height, data.width]).to.deep.equal([500, 28, 28]);
    expect(data.labels.every((l) => Number.isInteger(l) && l >= 0 && l < 10)).to.equal(true);
    expect(data.labels.slice(0, 5)).to.deep.equal([9, 2, 1, 1, 6]); // the published first t10k labels
    const max = data.images.reduce((m, v) => Math.max(m, v), 0);
    expect(max).to.equal(1);
  });

  describe('IDX loader errors', () => {
    // Made in `before`, not while the file loads: under a --grep that skips these tests,
    // mocha runs neither hook, and a folder made at load time was left behind.
    let dir = '';
    before(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'minitorch-idx-'))));
    after(() => fs.rmSync(dir, { recursive: true, force: true }));
    const write = (name: string, bytes: Buffer) => {
      const p = path.join(dir, name);
      fs.writeFileSync(p, bytes);
      return p;
    };

    it('reads plain and gzipped files alike', () => {
      const raw = idx(0x08, [2, 2], [1, 2, 3, 4]);
      expect(Array.from(mnist.readIdx(write('a.idx', raw)).data)).to.deep.equal([1, 2, 3, 4]);
      expect(mnist.readIdx(write('a.idx.gz', zlib.gzipSync(raw))).dims).to.deep.equal([2, 2]);
    });

    it('rejects a bad magic number, an unknown type, truncation and corrupt gzip', () => {
      expect(() => mnist.parseIdx(Buffer.from([1, 2, 8, 1, 0, 0, 0, 1, 5]))).to.throw(/bad magic number/);
      expect(() => mnist.parseIdx(idx(0x07, [1], [1]))).to.throw(/unknown IDX element type 0x7/);
      expect(() => mnist.parseIdx(idx(0x08, [3, 3], [1, 2, 3]))).to.throw(
        /truncated: dimensions \[3, 3\] of unsigned byte need 9 data bytes, file has 3/,
      );
      expect(() => mnist.parseIdx(Buffer.from([0, 0, 8, 2, 0, 0]))).to.throw(/truncated header/);
      expect(() => mnist.parseIdx(Buffer.from([0x1f, 0x8b, 1, 2, 3]))).to.throw(/could not be decompressed/);
    });

    it('rejects image and label files that do not belong together', () => {
      const images = write('i.idx', idx(0x08, [2, 2, 2], [0, 1, 2, 3, 4, 5, 6, 7]));
      const labels = write('l.idx', idx(0x08, [3], [0, 1, 2]));
      expect(() => mnist.loadIdxDataset(images, labels)).to.throw(/has 2 images but .* has 3 labels/);
      expect(() => mnist.loadIdxDataset(labels, labels)).to.throw(
        /expected 3 dimensions \[n, height, width\], got \[3\]/,
      );
    });

    it('Errors: a negative or fractional limit or split size is refused, never a dataset of -1 images', () => {
      const images = write('i2.idx', idx(0x08, [2, 2, 2], [0, 1, 2, 3, 4, 5, 6, 7]));
      const labels = write('l2.idx', idx(0x08, [2], [0, 1]));
      expect(mnist.loadIdxDataset(images, labels, { limit: 1 }).n).to.equal(1);
      expect(() => mnist.loadIdxDataset(images, labels, { limit: -1 })).to.throw(
        RangeError,
        /i2.idx\): limit must be an integer >= 1, got number -1/,
      );
      expect(() => mnist.loadIdxDataset(images, labels, { limit: 0.5 })).to.throw(
        RangeError,
        /limit must be an integer/,
      );
      expect(() => mnist.loadMnist({ train: -5 })).to.throw(
        RangeError,
        /loadMnist: train must be an integer >= 1, got number -5/,
      );
      expect(() => mnist.loadMnist({ test: -1 })).to.throw(
        RangeError,
        /loadMnist: test must be an integer >= 0, got number -1/,
      );
      expect(() => mnist.loadMnist({ train: '10' as unknown as number })).to.throw(TypeError, /got the string "10"/);
    });
  });
});

describe('Task 4.5 LeNet training', () => {
  it('Task 4.5 a short seeded training run beats 80% on held-out digits', async function () {
    this.timeout(180_000);
    const { train, test } = mnist.loadMnist({ train: 3000, test: 1000, seed: 0 });
    const seen: number[] = [];
    const { history } = await trainMnist(train, test, {
      epochs: 1,
      batchSize: 32,
      lr: 0.01,
      seed: 0,
      // An asynchronous onEpoch is awaited before training goes on (live charts rely on it).
      onEpoch: async (s) => {
        await new Promise((resolve) => setTimeout(resolve, 5));
        seen.push(s.epoch);
      },
    });
    expect(seen).to.deep.equal([1]);
    expect(history[0].testAccuracy).to.be.greaterThan(0.8);
  });
});
