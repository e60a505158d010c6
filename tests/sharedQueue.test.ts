/**
 * The page's reply channels (`src/platform/sharedQueue.ts`): messages a thread reads
 * synchronously out of shared memory. Tested in Node, which has the same shared memory and
 * `Atomics` as a page's workers: values survive the trip (typed arrays as bytes, non-finite
 * numbers), order is kept, the queue grows past its first size, and two threads writing at
 * once lose nothing.
 */
import { expect } from 'chai';
import * as path from 'path';
import { Worker } from 'worker_threads';
import { decodeMessage, encodeMessage, newQueueBuffer, readMessage, writeMessage } from '../src/platform/sharedQueue';

describe('Platform shared reply queue (the page side of the seam)', () => {
  it('Platform a message survives encoding: JSON, typed arrays as bytes, Infinity and NaN', () => {
    const message = {
      seq: 7,
      value: { data: Float32Array.from([1.5, -2, 3]), ids: Int32Array.from([4, 5]), limit: Infinity, low: -Infinity },
      nan: NaN,
      text: 'läuft',
      list: [1, null, 'x'],
    };
    const back = decodeMessage(encodeMessage(message)) as typeof message;
    expect(back.seq).to.equal(7);
    expect(back.value.data).to.be.instanceOf(Float32Array);
    expect(Array.from(back.value.data)).to.deep.equal([1.5, -2, 3]);
    expect(Array.from(back.value.ids)).to.deep.equal([4, 5]);
    expect(back.value.limit).to.equal(Infinity);
    expect(back.value.low).to.equal(-Infinity);
    expect(Number.isNaN(back.nan)).to.equal(true);
    expect(back.text).to.equal('läuft');
    expect(back.list).to.deep.equal([1, null, 'x']);
    expect(decodeMessage(encodeMessage(undefined))).to.equal(null);
  });

  it('Platform the queue keeps order, empties, and grows past its first size for a large read', () => {
    const queue = newQueueBuffer();
    expect(readMessage(queue)).to.equal(undefined);
    writeMessage(queue, { n: 1 });
    writeMessage(queue, { n: 2 });
    expect(readMessage(queue)).to.deep.equal({ n: 1 });
    const big = Float32Array.from({ length: 100_000 }, (_, i) => i); // 400 KB: past the first 64 KB
    writeMessage(queue, big);
    expect(readMessage(queue)).to.deep.equal({ n: 2 });
    const got = readMessage(queue) as Float32Array;
    expect(got.length).to.equal(100_000);
    expect(got[99_999]).to.equal(99_999);
    expect(readMessage(queue)).to.equal(undefined);
    expect(() => writeMessage(queue, { bad: new BigInt64Array(1) })).to.throw(/cannot send a BigInt64Array/);
    expect(readMessage(queue)).to.equal(undefined); // the refused message left nothing behind
  });

  it('Platform two threads writing at once lose no message', async () => {
    const queue = newQueueBuffer();
    const module = path.join(__dirname, '..', 'src', 'platform', 'sharedQueue.js');
    const code = `const { writeMessage } = require(${JSON.stringify(module)});
      const { workerData } = require('worker_threads');
      for (let i = 0; i < 2000; i++) writeMessage(workerData.queue, { from: workerData.name, i });`;
    const run = (name: string) =>
      new Promise<void>((resolve, reject) => {
        const w = new Worker(code, { eval: true, workerData: { queue, name } });
        w.on('error', reject);
        w.on('exit', () => resolve());
      });
    await Promise.all([run('a'), run('b')]);
    const seen: Record<string, number[]> = { a: [], b: [] };
    for (let m = readMessage(queue); m !== undefined; m = readMessage(queue)) {
      const { from, i } = m as { from: string; i: number };
      seen[from].push(i);
    }
    const all = Array.from({ length: 2000 }, (_, i) => i);
    expect(seen.a).to.deep.equal(all);
    expect(seen.b).to.deep.equal(all);
  });
});
