/**
 * `npm run bench`: matmul and a training epoch on every CPU backend, in one run.
 *
 * Backends: MiniTorch's Simple and Fast (1 and 2 threads; large matmuls use the SIMD
 * WebAssembly kernel, `fast-2-ts` is 2 threads with the TypeScript kernel only), and the peers
 * `@tensorflow/tfjs-backend-cpu` and `@tensorflow/tfjs-backend-wasm`. Each measurement is the
 * median of several runs after warm-up; ratios are taken between backends of the same run.
 * Prints a table and the goals, writes `out/bench.json` and draws `out/bench.svg`/`.html`.
 *
 * Flags: `--quick` (fewer sizes, for smoke runs), `--gpu` (adds the "gpu" backend to the list).
 *
 * The epoch is MiniTorch's fast-tensor demo: 50 points of the 2-D "split" dataset, an
 * `MLP([2, hidden, hidden, 1])` with ReLU and a sigmoid output, binary cross-entropy and SGD
 * over mini-batches of 10.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import {
  BackendLike,
  FastBackend,
  MLP,
  Random,
  SGD,
  binaryCrossEntropy,
  datasets,
  fromFlat,
  rand,
  viz,
} from '../src';

/** A benchmark case: the operation and its size. */
type Bench = 'matmul' | 'epoch';

/** One contender: how to prepare a runnable for each case (undefined = skipped, with why). */
interface BenchBackend {
  name: string;
  /** Called once before its measurements (e.g. to switch tfjs backends). */
  setup?: () => Promise<void>;
  prepare(bench: Bench, size: number): (() => void) | string;
}

/** One measured (or skipped) cell of the table. */
interface Result {
  bench: Bench;
  size: number;
  backend: string;
  ms: number | null;
  skipped?: string;
}

const args = process.argv.slice(2);
const QUICK = args.includes('--quick');
const MATMUL_SIZES = QUICK ? [64, 128, 256] : [64, 128, 256, 512, 1024];
const HIDDEN_SIZES = [100, 200];
const POINTS = 50;
const BATCH = 10;
/** Simple's broadcast matmul builds an n³ tensor: beyond this it takes minutes, so it is skipped. */
const SIMPLE_MAX_MATMUL = 256;

/** Median of `f`'s wall time in ms, after warm-up runs; more runs for fast cases. */
function timeMedian(f: () => void): number {
  const first = performance.now();
  f(); // warm-up (JIT, worker start)
  const once = performance.now() - first;
  if (once < 2000) f();
  const runs = once > 2000 ? 1 : once > 300 ? 3 : once > 20 ? 7 : 15;
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    f();
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

/** The epoch's data: `POINTS` points of the split dataset as flat arrays. */
const data = datasets.split(POINTS, 1);

/** A MiniTorch backend as a contender. */
function minitorchBackend(name: string, backend: BackendLike, maxMatmul = Infinity): BenchBackend {
  return {
    name,
    prepare(bench, size) {
      if (bench === 'matmul') {
        if (size > maxMatmul) return `n > ${maxMatmul} takes too long`;
        const a = rand([size, size], { backend, seed: 1 });
        const b = rand([size, size], { backend, seed: 2 });
        return () => {
          a.matmul(b).data.storage; // reading storage waits for asynchronous backends
        };
      }
      const model = new MLP([2, size, size, 1], { backend, rng: new Random(3) });
      const optimizer = new SGD(model.parameters(), { lr: 0.05 });
      const batches: Array<[ReturnType<typeof fromFlat>, ReturnType<typeof fromFlat>]> = [];
      for (let i = 0; i < POINTS; i += BATCH) {
        const X = data.X.slice(i, i + BATCH);
        batches.push([
          fromFlat(X.flat(), [X.length, 2], { backend }),
          fromFlat(data.y.slice(i, i + BATCH), [X.length, 1], { backend }),
        ]);
      }
      return () => {
        for (const [x, y] of batches) {
          optimizer.zeroGrad();
          const loss = binaryCrossEntropy(model.forward(x), y);
          loss.backward();
          optimizer.step();
          loss.item();
        }
      };
    },
  };
}

/** A TensorFlow.js backend as a contender (float32, as tfjs computes). */
function tfjsBackend(name: string, tfName: 'cpu' | 'wasm'): BenchBackend {
  return {
    name,
    async setup() {
      await tf.setBackend(tfName);
      await tf.ready();
    },
    prepare(bench, size) {
      if (bench === 'matmul') {
        const a = tf.randomUniform([size, size], 0, 1, 'float32', 1);
        const b = tf.randomUniform([size, size], 0, 1, 'float32', 2);
        return () => {
          const c = tf.matMul(a, b);
          c.dataSync();
          c.dispose();
        };
      }
      const init = (shape: number[], fanIn: number, seed: number): tf.Variable =>
        tf.variable(tf.randomUniform(shape, -1 / Math.sqrt(fanIn), 1 / Math.sqrt(fanIn), 'float32', seed));
      const weights = [
        init([2, size], 2, 1), init([size], 2, 2),
        init([size, size], size, 3), init([size], size, 4),
        init([size, 1], size, 5), init([1], size, 6),
      ];
      const batches: Array<[tf.Tensor2D, tf.Tensor2D]> = [];
      for (let i = 0; i < POINTS; i += BATCH) {
        const X = data.X.slice(i, i + BATCH);
        batches.push([tf.tensor2d(X), tf.tensor2d(data.y.slice(i, i + BATCH).map((v) => [v]))]);
      }
      // Backpropagation written out by hand: tfjs-core's gradient registrations ship only as
      // ES modules that CommonJS cannot load, and the sums are short for a 3-layer MLP.
      return () => {
        for (const [x, y] of batches) {
          const loss = tf.tidy(() => {
            const [w1, b1, w2, b2, w3, b3] = weights;
            const h1 = tf.relu(tf.add(tf.matMul(x, w1), b1)) as tf.Tensor2D;
            const h2 = tf.relu(tf.add(tf.matMul(h1, w2), b2)) as tf.Tensor2D;
            const p = tf.sigmoid(tf.add(tf.matMul(h2, w3), b3)) as tf.Tensor2D;
            const ll = tf.add(tf.mul(y, tf.log(p)), tf.mul(tf.sub(1, y), tf.log(tf.sub(1, p))));
            const g3 = tf.div(tf.sub(p, y), x.shape[0]) as tf.Tensor2D;
            const g2 = tf.mul(tf.matMul(g3, w3, false, true), tf.step(h2)) as tf.Tensor2D;
            const g1 = tf.mul(tf.matMul(g2, w2, false, true), tf.step(h1)) as tf.Tensor2D;
            const grads = [
              tf.matMul(x, g1, true, false), tf.sum(g1, 0),
              tf.matMul(h1, g2, true, false), tf.sum(g2, 0),
              tf.matMul(h2, g3, true, false), tf.sum(g3, 0),
            ];
            weights.forEach((w, k) => w.assign(tf.sub(w, tf.mul(grads[k], 0.05))));
            return tf.neg(tf.mean(ll));
          });
          loss.dataSync();
          loss.dispose();
        }
      };
    },
  };
}

/** The contenders, in table order. `--gpu` appends MiniTorch's GPU backend. */
function benchBackends(): BenchBackend[] {
  const list: BenchBackend[] = [
    minitorchBackend('simple', 'simple', SIMPLE_MAX_MATMUL),
    minitorchBackend('fast-1', new FastBackend({ workers: 1 })),
    minitorchBackend('fast-2', new FastBackend({ workers: 2 })),
    // The same, with the TypeScript kernel of Task 3.2 instead of the SIMD WebAssembly one.
    minitorchBackend('fast-2-ts', new FastBackend({ workers: 2, simd: false })),
    tfjsBackend('tfjs-cpu', 'cpu'),
    tfjsBackend('tfjs-wasm', 'wasm'),
  ];
  if (args.includes('--gpu')) list.push(minitorchBackend('gpu', 'gpu'));
  return list;
}

/** Ms of one cell, or NaN when it is missing or skipped. */
function cell(results: Result[], bench: Bench, size: number, backend: string): number {
  const r = results.find((x) => x.bench === bench && x.size === size && x.backend === backend);
  return r?.ms ?? NaN;
}

async function main(): Promise<void> {
  const wasmDir = path.join(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist');
  setWasmPaths(wasmDir + path.sep);
  const cases: Array<[Bench, number]> = [
    ...MATMUL_SIZES.map((n): [Bench, number] => ['matmul', n]),
    ...HIDDEN_SIZES.map((h): [Bench, number] => ['epoch', h]),
  ];
  const backends = benchBackends();
  const results: Result[] = [];
  for (const backend of backends) {
    await backend.setup?.();
    for (const [bench, size] of cases) {
      const run = backend.prepare(bench, size);
      if (typeof run === 'string') {
        results.push({ bench, size, backend: backend.name, ms: null, skipped: run });
        continue;
      }
      const ms = timeMedian(run);
      results.push({ bench, size, backend: backend.name, ms });
      console.error(`  ${backend.name.padEnd(10)} ${bench} ${String(size).padStart(4)}: ${ms.toFixed(2)} ms`);
    }
  }

  // The table: one row per case, one column per backend, then fast-2's ratios.
  const names = backends.map((b) => b.name);
  const header = ['case', ...names, 'simple/fast-2', 'tfjs-cpu/fast-2', 'fast-2/tfjs-wasm', 'fast-1/fast-2'];
  const lines = [header.join(' | '), header.map(() => '---').join(' | ')];
  for (const [bench, size] of cases) {
    const ms = (n: string) => cell(results, bench, size, n);
    const fmt = (x: number) => (Number.isNaN(x) ? 'skipped' : x.toFixed(x < 10 ? 2 : 1));
    const ratio = (x: number) => (Number.isNaN(x) ? '—' : `${x.toFixed(2)}x`);
    const f2 = ms('fast-2');
    lines.push(
      [
        `${bench} ${bench === 'matmul' ? `n=${size}` : `hidden=${size}`}`,
        ...names.map((n) => fmt(ms(n))),
        ratio(ms('simple') / f2),
        ratio(ms('tfjs-cpu') / f2),
        ratio(f2 / ms('tfjs-wasm')),
        ratio(ms('fast-1') / f2),
      ].join(' | '),
    );
  }
  console.log('\nMedian ms per call (matmul: n×n @ n×n; epoch: 50 points, batches of 10)\n');
  console.log(lines.join('\n'));

  // The goals, checked on this run's numbers.
  const m = (size: number, n: string) => cell(results, 'matmul', size, n);
  const e = (size: number, n: string) => cell(results, 'epoch', size, n);
  const goals: Array<{ goal: string; value: number; target: number; pass: boolean }> = [];
  const goal = (text: string, value: number, target: number) =>
    goals.push({ goal: text, value, target, pass: !Number.isNaN(value) && value >= target });
  goal('fast >= 20x simple on matmul 256', m(256, 'simple') / m(256, 'fast-2'), 20);
  for (const h of HIDDEN_SIZES) goal(`fast >= 5x simple on the epoch (hidden ${h})`, e(h, 'simple') / e(h, 'fast-2'), 5);
  for (const n of MATMUL_SIZES.filter((x) => x >= 128)) goal(`fast >= tfjs-cpu on matmul ${n}`, m(n, 'tfjs-cpu') / m(n, 'fast-2'), 1);
  if (MATMUL_SIZES.includes(512)) {
    goal('fast within 2x of tfjs-wasm on matmul 512 (wasm/fast >= 0.5)', m(512, 'tfjs-wasm') / m(512, 'fast-2'), 0.5);
    goal('2 workers >= 1.6x 1 worker on matmul 512', m(512, 'fast-1') / m(512, 'fast-2'), 1.6);
  }
  console.log('\nGoals (ratios from this run)\n');
  for (const g of goals) console.log(`${g.pass ? 'PASS' : 'MISS'}  ${g.goal}: ${g.value.toFixed(2)} (target ${g.target})`);

  fs.mkdirSync('out', { recursive: true });
  const report = { date: new Date().toISOString(), cores: require('os').availableParallelism(), results, goals, table: lines };
  fs.writeFileSync(path.join('out', 'bench.json'), JSON.stringify(report, null, 2));
  const rows = results.filter((r) => r.ms !== null).map((r) => ({ ...r, case: `${r.bench} ${r.size}` }));
  const spec = {
    title: 'Median time per call (log scale)',
    data: { values: rows },
    mark: { type: 'line', point: true },
    encoding: {
      x: { field: 'size', type: 'quantitative', scale: { type: 'log', base: 2 }, title: 'n (matmul) / hidden (epoch)' },
      y: { field: 'ms', type: 'quantitative', scale: { type: 'log' }, title: 'ms' },
      color: { field: 'backend', type: 'nominal' },
      column: { field: 'bench', type: 'nominal', title: null },
    },
    resolve: { scale: { x: 'independent', y: 'independent' } },
    width: 300,
    height: 220,
  };
  await viz.show(spec, { name: 'bench' });
  console.log('\nwrote out/bench.json, out/bench.svg, out/bench.html');
}

main().then(
  () => process.exit(0), // tfjs-wasm keeps handles open; the results are written
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
