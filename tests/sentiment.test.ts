/**
 * Module 4 sentiment pipeline: SST-2 TSV and GloVe loaders on small fixture files of the
 * real formats, and the conv1d sentiment network training on them.
 */
import { expect } from 'chai';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { sentiment } from '../src';
import { BACKENDS } from './helpers/backends';

// Tests run from the repository root (npm test, mocha, npm run grade).
const FIXTURES = path.resolve('tests', 'fixtures');

describe('Sentiment data', () => {
  it('parses SST-2 TSV and GloVe text files', () => {
    const data = sentiment.loadSentimentFiles({
      train: path.join(FIXTURES, 'sst2-small-train.tsv'),
      validation: path.join(FIXTURES, 'sst2-small-dev.tsv'),
      glove: path.join(FIXTURES, 'glove-small.txt'),
    });
    expect(data.train).to.have.length(60);
    expect(data.validation).to.have.length(20);
    expect(data.train[0]).to.deep.equal({ sentence: 'the boring film acting', label: 0 });
    expect(data.embeddings.dims).to.equal(8);
    // Only words that occur in the sentences are kept.
    expect(data.embeddings.vectors.has('good')).to.equal(true);
    expect(data.embeddings.vectors.has('unused')).to.equal(false);
  });

  it('loader errors name the line', () => {
    expect(() => sentiment.parseSst2('text\tscore\nhi\t1')).to.throw(
      /header must name the columns "sentence" and "label"/,
    );
    expect(() => sentiment.parseSst2('sentence\tlabel\nfine\t1\nbad line\t7')).to.throw(/line 3 should be/);
    expect(() => sentiment.parseGlove('a 1 2 3\nb 1 2')).to.throw(/line 2 \("b"\) has 2 numbers, expected 3/);
    expect(() => sentiment.parseGlove('a 1 x')).to.throw(/not a number/);
  });

  it('loader errors: empty, hex and decimal labels, double spaces and word-only lines name the file and line; a BOM is skipped', () => {
    const sst = (body: string) => () => sentiment.parseSst2(`sentence\tlabel\nfine\t1\n${body}`, 'dev.tsv');
    expect(sst('no label\t')).to.throw(/dev.tsv: line 3 should be .*"no label\\t"/);
    expect(sst('hex\t0x1')).to.throw(/dev.tsv: line 3 should be/);
    expect(sst('decimal\t1.0')).to.throw(/dev.tsv: line 3 should be/);
    expect(sst('spaced\t 1')).to.throw(/dev.tsv: line 3 should be/);
    expect(sentiment.parseSst2('\ufeffsentence\tlabel\nfine\t1\n')).to.deep.equal([{ sentence: 'fine', label: 1 }]);
    expect(() => sentiment.parseSst2('\n\ntext\tlabel\n', 'x.tsv')).to.throw(
      /x.tsv: line 3: header must name .*got "text\\tlabel"/,
    );
    const glove = (text: string) => () => sentiment.parseGlove(text, { source: 'g.txt' });
    // The vector is the last 2 fields, so the word of "b 1  2" is "b 1" and its vector [, 2].
    expect(glove('a 1 2\nb 1  2')).to.throw(
      /g.txt: line 2 \("b 1"\) has an empty value at position 2 \(two spaces in a row\?\)/,
    );
    expect(glove('a 1 2\nb  2')).to.throw(/g.txt: line 2 \("b"\) has an empty value at position 1/);
    expect(glove('a 1  2')).to.throw(
      /g.txt: line 1 \("a"\) has an empty value at position 2 \(two spaces in a row\?\)/,
    );
    expect(glove('a 1 2\nb')).to.throw(/g.txt: line 2 \("b"\) has a word and no numbers/);
    expect(glove('a')).to.throw(/g.txt: line 1 \("a"\) has a word and no numbers/);
    expect(glove('a 0x1 2')).to.throw(/g.txt: line 1 .*not a number at position 1: "0x1"/);
    expect(Array.from(sentiment.parseGlove('\ufeffa -1.5e-1 .5').vectors.get('a')!)).to.deep.equal([-0.15, 0.5]);
  });

  it('GloVe: a word may hold spaces (glove.840B): the vector is the last dims numbers', () => {
    const emb = sentiment.parseGlove('a 1 2\nat & t 3 4\n. . . 5 6', { vocabulary: new Set(['at & t', '. . .']) });
    expect(emb.dims).to.equal(2);
    expect([...emb.vectors.keys()]).to.deep.equal(['at & t', '. . .']);
    expect(Array.from(emb.vectors.get('at & t')!)).to.deep.equal([3, 4]);
  });

  it('GloVe: a malformed line of a word nobody needs does not stop the load', () => {
    const text = 'good 1 2\nbad word x y\nfilm 3 4\n';
    const emb = sentiment.parseGlove(text, { vocabulary: new Set(['good', 'film']) });
    expect([...emb.vectors.keys()]).to.deep.equal(['good', 'film']);
    expect(() => sentiment.parseGlove(text)).to.throw(
      /line 2 \("bad word"\) has a value that is not a number at position 2: "x"/,
    );
  });

  it('GloVe: loadGlove streams the file (a 600 MB file is more than one string holds) and reports progress', function () {
    this.timeout(120000);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'minitorch-glove-'));
    try {
      const file = path.join(dir, 'big.txt');
      // 600 MB of 50-dimensional vectors; V8's longest string is 512 MiB, so reading the file
      // into one string fails (ERR_STRING_TOO_LONG) where streaming does not.
      const line = `w ${Array.from({ length: 50 }, (_, i) => (i / 50).toFixed(6)).join(' ')}\n`;
      const block = Buffer.from(line.repeat(Math.ceil((8 << 20) / line.length)));
      const fd = fs.openSync(file, 'w');
      fs.writeSync(fd, Buffer.from(`first ${'1 '.repeat(49)}2\né€ ${'3 '.repeat(49)}4\n`));
      for (let written = 0; written < 600e6; written += block.length) fs.writeSync(fd, block);
      fs.writeSync(fd, Buffer.from(`last ${'5 '.repeat(49)}6`)); // no newline at the end
      fs.closeSync(fd);
      const seen: number[] = [];
      const emb = sentiment.loadGlove(file, {
        vocabulary: new Set(['first', 'é€', 'last']),
        onProgress: (bytes, total) => seen.push(bytes / total),
      });
      expect(emb.dims).to.equal(50);
      expect([...emb.vectors.keys()]).to.deep.equal(['first', 'é€', 'last']);
      expect(emb.vectors.get('last')![49]).to.equal(6);
      expect(seen.length).to.be.greaterThan(100);
      expect(seen[seen.length - 1]).to.equal(1);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('Task 2.1 encodes sentences channels-first with zero padding and zero unknown words', () => {
    const emb = sentiment.parseGlove('good 1 2\nfilm 3 4');
    const x = sentiment.encodeSentences([{ sentence: 'Good unknown film', label: 1 }], emb, 4);
    expect(x.shape).to.deep.equal([1, 2, 4]);
    expect(x.toArray()).to.deep.equal([
      [
        [1, 0, 3, 0],
        [2, 0, 4, 0],
      ],
    ]);
  });
});

describe('Task 4.5 sentiment training', () => {
  it('Task 4.5 the conv1d sentiment model learns the fixture', function () {
    this.timeout(120_000);
    const data = sentiment.loadSentimentFiles({
      train: path.join(FIXTURES, 'sst2-small-train.tsv'),
      validation: path.join(FIXTURES, 'sst2-small-dev.tsv'),
      glove: path.join(FIXTURES, 'glove-small.txt'),
    });
    const backend = BACKENDS.includes('fast') ? 'fast' : 'simple';
    const { history } = sentiment.trainSentiment(data.train, data.validation, data.embeddings, {
      epochs: 8,
      featureMaps: 8,
      maxLength: 10,
      lr: 0.02,
      backend,
    });
    const last = history[history.length - 1];
    expect(last.trainAccuracy).to.be.greaterThan(0.9);
    expect(last.validationAccuracy).to.be.greaterThan(0.8);
  });
});
