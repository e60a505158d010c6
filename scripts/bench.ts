/**
 * `npm run bench`: matmul, a small-tensor training epoch, a LeNet training step and
 * elementwise ops on every CPU backend, with PyTorch measured in the same run.
 *
 * Contenders: MiniTorch's Simple and Fast (1 and 2 threads; large matmuls and convolutions use
 * the SIMD WebAssembly kernel, `fast-2-ts` is 2 threads with the TypeScript kernels only), the
 * peers `@tensorflow/tfjs-backend-cpu` and `-wasm` (matmul and epoch, float32), and PyTorch
 * (float64 and float32, 1 and 2 threads) when a Python with torch is found: `$MINITORCH_PYTHON`,
 * else `.tmp/torchvenv/bin/python` (the venv `npm run fixtures` uses). Without torch the run
 * says so and prints the rest.
 *
 * Before anything is timed, every contender's result is checked against the simple backend on
 * the same inputs (matmul: the product; epoch and LeNet: the loss and every parameter gradient
 * of one forward/backward with the same initial weights, dropout off). Timings are medians of
 * the samples of two rounds over every case, each after a warm-up (see `timeSamples`), with
 * their spread; ratios are between contenders of this run.
 * Prints a table and each goal with PASS/MISS, writes `out/bench.json` and `out/bench.svg`.
 *
 * The epoch is MiniTorch's fast-tensor demo: 50 points of the 2-D "split" dataset, an
 * `MLP([2, hidden, hidden, 1])`, binary cross-entropy and SGD over mini-batches of 10. The
 * LeNet step is `LeNet`'s forward, NLL loss, backward and an Adam step on a batch of 32
 * 28×28 images.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import {
  Adam,
  BackendLike,
  LeNet,
  MLP,
  Module,
  Random,
  SGD,
  Tensor,
  binaryCrossEntropy,
  datasets,
  fromFlat,
  gpu,
  nllLoss,
  rand,
  tidy,
  viz,
} from '../src';
import { FastBackend } from '../src/backends/fast/backend';

/** The flags, shared with `scripts/bench-launch.js`, which prints them before compiling anything. */
const USAGE = fs.readFileSync(path.join(__dirname, '..', '..', 'scripts', 'bench-usage.txt'), 'utf8');

/** A benchmark case. */
type Bench = 'matmul' | 'epoch' | 'lenet' | 'add' | 'exp';

/** One contender: how to prepare a runnable for each case (a string = skipped, with why). */
interface Contender {
  name: string;
  /** Called once before its measurements (e.g. to switch tfjs backends). */
  setup?: () => Promise<void>;
  /** Which cases it runs. */
  benches: Bench[];
  prepare(bench: Bench, size: number): Prepared | string;
}

/** A prepared case: the flat check values, and one timed unit of work. */
interface Prepared {
  check(): Float64Array;
  run(): void;
}

/** One measured (or skipped) cell of the table. */
interface Result {
  bench: Bench;
  size: number;
  backend: string;
  ms: number | null;
  /** Fastest and slowest run. */
  min?: number;
  max?: number;
  runs?: number;
  skipped?: string;
  /** Largest deviation from the simple backend, relative to the largest reference value. */
  error?: number;
}

const args = process.argv.slice(2);
if (args.includes('--help') || args.includes('-h')) {
  process.stdout.write(USAGE);
  process.exit(0);
}
const KNOWN = new Set(['--quick', '--no-torch', '--python', '--gpu', '--no-tidy']);
for (let i = 0; i < args.length; i++) {
  if (!KNOWN.has(args[i])) {
    process.stderr.write(`bench: unknown flag "${args[i]}"\n\n${USAGE}`);
    process.exit(2);
  }
  if (args[i] === '--python') {
    if (args[i + 1] === undefined) {
      process.stderr.write(`bench: --python needs a path\n\n${USAGE}`);
      process.exit(2);
    }
    i++;
  }
}
const QUICK = args.includes('--quick');
/**
 * Training steps run inside `tidy` (their tensors' memory is reused by the next step), unless
 * `--no-tidy`: the loops as they were before tensor lifetimes, for a before/after comparison.
 */
const TIDY = !args.includes('--no-tidy');
/** `f` inside `tidy`, or as it is with `--no-tidy`. */
function step(f: () => void): () => void {
  return TIDY ? () => tidy(f) : f;
}
const MATMUL_SIZES = QUICK ? [64, 256, 512] : [64, 128, 256, 512, 1024];
const HIDDEN_SIZES = QUICK ? [100] : [100, 200];
const LENET_BATCH = 32;
const ELEMENTWISE_SIZES = [1 << 10, 1 << 14, 1 << 16, 1 << 17, 1 << 18, 1 << 20, 1 << 22];
const POINTS = 50;
const BATCH = 10;
/** Simple's broadcast matmul builds an n³ tensor: beyond this it takes minutes, so it is skipped. */
const SIMPLE_MAX_MATMUL = 256;
/** Tolerances of the checks against simple: float64 contenders, float32 ones, and PyTorch f64. */
const TOL_F64 = 1e-9;
const TOL_F32 = 2e-3;
/** PyTorch's log has no 1e-6 guard (MiniTorch's `log(x + 1e-6)`), so its f64 losses differ slightly. */
const TOL_TORCH_F64 = 1e-4;

/**
 * Every case is timed in `ROUNDS` rounds spread over the whole run (all contenders and cases,
 * then all again), and its median is taken over the samples of every round: a disturbance of
 * a second or two on a shared machine then moves a case's median far less.
 */
const ROUNDS = 2;
/** Warm-up time per case in the first round (JIT tiers, worker start and buffer reuse settle) and in later ones. */
const WARMUP_MS = [300, 100];
/** Measuring time per case and round, and the samples it holds (at least `MIN_RUNS`). */
const MEASURE_MS = 600;
const MIN_RUNS = 4;
const MAX_RUNS = 150;
/** A sample shorter than this is too close to the timer's resolution: calls are grouped. */
const MIN_SAMPLE_MS = 0.5;

/**
 * Samples of `f`'s wall time in ms, in the steady state a training loop runs in: calls for
 * `warmupMs` first (and at least two), then at least `MIN_RUNS` timed samples (2 for calls
 * over 300 ms), more while `MEASURE_MS` lasts. Calls much shorter than a millisecond are timed
 * in groups (the group's time divided by its size). benchTorch.py measures PyTorch the same way.
 */
function timeSamples(f: () => void, warmupMs: number): number[] {
  const warmStart = performance.now();
  let calls = 0;
  while (calls < 2 || performance.now() - warmStart < warmupMs) {
    f();
    calls++;
  }
  const perCall = (performance.now() - warmStart) / calls;
  const group = Math.max(1, Math.ceil(MIN_SAMPLE_MS / perCall));
  // Cases of seconds (simple's and tfjs-cpu's large matmuls) get fewer samples.
  const minRuns = perCall > 300 ? 2 : MIN_RUNS;
  const times: number[] = [];
  const start = performance.now();
  while (times.length < minRuns || (times.length < MAX_RUNS && performance.now() - start < MEASURE_MS)) {
    const t = performance.now();
    for (let i = 0; i < group; i++) f();
    times.push((performance.now() - t) / group);
  }
  return times;
}

/** Median, fastest and slowest of samples. */
function summary(samples: number[]): { ms: number; min: number; max: number; runs: number } {
  const times = samples.slice().sort((a, b) => a - b);
  return { ms: times[Math.floor(times.length / 2)], min: times[0], max: times[times.length - 1], runs: times.length };
}

/** The epoch's data: `POINTS` points of the split dataset as flat arrays. */
const data = datasets.split(POINTS, 1);

/** The LeNet batch: random images (the timing does not depend on the pixels) and labels. */
const lenetImages = rand([LENET_BATCH, 1, 28, 28], { backend: 'simple', seed: 4 }).toFlatArray();
const lenetLabels = Array.from({ length: LENET_BATCH }, (_, i) => (i * 7) % 10);

/** A fresh model of a case, same weights for every contender. */
function makeModel(bench: 'epoch' | 'lenet', size: number, backend: BackendLike): MLP | LeNet {
  return bench === 'epoch'
    ? new MLP([2, size, size, 1], { backend, rng: new Random(3) })
    : new LeNet({ backend, rng: new Random(3) });
}

/** Loss then every parameter gradient, flattened: what the checks compare. */
function lossAndGrads(model: Module, loss: Tensor): Float64Array {
  const parts = [loss.toFlatArray(), ...model.parameters().map((p) => (p.value as Tensor).grad!.toFlatArray())];
  const out = new Float64Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** The epoch's mini-batches on `backend`. */
function epochBatches(backend: BackendLike): Array<[Tensor, Tensor]> {
  const batches: Array<[Tensor, Tensor]> = [];
  for (let i = 0; i < POINTS; i += BATCH) {
    const X = data.X.slice(i, i + BATCH);
    batches.push([
      fromFlat(X.flat(), [X.length, 2], { backend }),
      fromFlat(data.y.slice(i, i + BATCH), [X.length, 1], { backend }),
    ]);
  }
  return batches;
}

/** Reference matmul operands, the same numbers for every contender. */
function matmulOperands(size: number): [Float64Array, Float64Array] {
  return [
    rand([size, size], { backend: 'simple', seed: 1 }).toFlatArray(),
    rand([size, size], { backend: 'simple', seed: 2 }).toFlatArray(),
  ];
}

/** A MiniTorch backend as a contender. */
function minitorch(name: string, backend: BackendLike, benches: Bench[], maxMatmul = Infinity): Contender {
  return {
    name,
    benches,
    prepare(bench, size) {
      if (bench === 'matmul') {
        if (size > maxMatmul) return `n > ${maxMatmul} takes too long`;
        const [av, bv] = matmulOperands(size);
        const a = fromFlat(av, [size, size], { backend });
        const b = fromFlat(bv, [size, size], { backend });
        // Reading storage waits for asynchronous backends.
        return { check: () => a.matmul(b).toFlatArray(), run: step(() => void a.matmul(b).data.storage) };
      }
      if (bench === 'add' || bench === 'exp') {
        const a = rand([size], { backend, seed: 5 });
        const b = rand([size], { backend, seed: 6 });
        const f = bench === 'add' ? () => a.add(b) : () => a.exp();
        return { check: () => f().toFlatArray(), run: step(() => void f().data.storage) };
      }
      const checkModel = makeModel(bench, size, backend);
      const model = makeModel(bench, size, backend);
      if (bench === 'epoch') {
        const batches = epochBatches(backend);
        const optimizer = new SGD(model.parameters(), { lr: 0.05 });
        return {
          check: () =>
            lossAndGrads(checkModel, backward(binaryCrossEntropy(checkModel.forward(batches[0][0]), batches[0][1]))),
          run: () => {
            for (const [x, y] of batches) {
              step(() => {
                optimizer.zeroGrad();
                const loss = binaryCrossEntropy(model.forward(x), y);
                loss.backward();
                optimizer.step();
                loss.item();
              })();
            }
          },
        };
      }
      const x = fromFlat(lenetImages, [LENET_BATCH, 1, 28, 28], { backend });
      const optimizer = new Adam(model.parameters(), { lr: 0.01 });
      checkModel.eval();
      return {
        check: () => lossAndGrads(checkModel, backward(nllLoss(checkModel.forward(x), lenetLabels))),
        run: step(() => {
          optimizer.zeroGrad();
          const loss = nllLoss(model.forward(x), lenetLabels);
          loss.backward();
          optimizer.step();
          loss.item();
        }),
      };
    },
  };
}

/** Steps of the gpu training loop (`--gpu`). */
const GPU_LOOP_STEPS = QUICK ? 300 : 3000;

/** One run of the gpu loop: time per step, spills, and device buffers after warm-up and at the end. */
interface GpuLoopResult {
  tidy: boolean;
  msPerStep: number;
  spilled: number;
  buffersWarm: number;
  buffersEnd: number;
}

/**
 * A synchronous training loop on the gpu backend, in `tidy` or not: `MLP([2, 10, 10, 1])`,
 * Adam, batches of 50 points of the split dataset, `GPU_LOOP_STEPS` steps, each ending with
 * the loss read back (which waits for the device). The first tenth is warm-up.
 */
function gpuLoop(useTidy: boolean): GpuLoopResult {
  const points = datasets.split(50, 1);
  const X = fromFlat(points.X.flat(), [50, 2], { backend: 'gpu' });
  const y = fromFlat(points.y, [50, 1], { backend: 'gpu' });
  const model = new MLP([2, 10, 10, 1], { backend: 'gpu', rng: new Random(1) });
  const optimizer = new Adam(model.parameters(), { lr: 0.05 });
  const train = (): number => {
    optimizer.zeroGrad();
    const loss = binaryCrossEntropy(model.forward(X), y);
    loss.backward();
    optimizer.step();
    return loss.item();
  };
  const warm = Math.ceil(GPU_LOOP_STEPS / 10);
  for (let s = 0; s < warm; s++) void (useTidy ? tidy(train) : train());
  const before = gpu.gpuMemoryStats();
  const start = performance.now();
  for (let s = warm; s < GPU_LOOP_STEPS; s++) void (useTidy ? tidy(train) : train());
  const msPerStep = (performance.now() - start) / (GPU_LOOP_STEPS - warm);
  const after = gpu.gpuMemoryStats();
  return {
    tidy: useTidy,
    msPerStep,
    spilled: after.spilled - before.spilled,
    buffersWarm: before.buffers,
    buffersEnd: after.buffers,
  };
}

/** Run `loss.backward()` and return the loss. */
function backward(loss: Tensor): Tensor {
  loss.backward();
  return loss;
}

/** A TensorFlow.js backend as a contender (float32, as tfjs computes). */
function tfjs(name: string, tfName: 'cpu' | 'wasm'): Contender {
  return {
    name,
    benches: ['matmul', 'epoch'],
    async setup() {
      await tf.setBackend(tfName);
      await tf.ready();
    },
    prepare(bench, size) {
      if (bench === 'matmul') {
        const [av, bv] = matmulOperands(size);
        const a = tf.tensor2d(Float32Array.from(av), [size, size], 'float32');
        const b = tf.tensor2d(Float32Array.from(bv), [size, size], 'float32');
        return {
          check: () => Float64Array.from(tf.tidy(() => tf.matMul(a, b)).dataSync()),
          run: () => {
            const c = tf.matMul(a, b);
            c.dataSync();
            c.dispose();
          },
        };
      }
      // The same initial weights as MiniTorch's MLP (layers.i.weight [out, in] as in PyTorch, bias [out]).
      const start = makeModel('epoch', size, 'simple')
        .parameters()
        .map((p) => p.value as Tensor);
      const weights = start.map((t) => tf.variable(tf.tensor(Float32Array.from(t.toFlatArray()), t.shape, 'float32')));
      const batches = epochBatches('simple').map(
        ([x, y]) =>
          [
            tf.tensor2d(Float32Array.from(x.toFlatArray()), [x.shape[0], x.shape[1]]),
            tf.tensor2d(Float32Array.from(y.toFlatArray()), [y.shape[0], y.shape[1]]),
          ] as [tf.Tensor2D, tf.Tensor2D],
      );
      // Backpropagation written out by hand: tfjs-core's gradient registrations ship only as
      // ES modules that CommonJS cannot load, and the sums are short for a 3-layer MLP.
      const lossAndGradients = (x: tf.Tensor2D, y: tf.Tensor2D, vars: tf.Tensor[]): tf.Tensor[] => {
        const [w1, b1, w2, b2, w3, b3] = vars;
        const h1 = tf.relu(tf.add(tf.matMul(x, w1, false, true), b1)) as tf.Tensor2D;
        const h2 = tf.relu(tf.add(tf.matMul(h1, w2, false, true), b2)) as tf.Tensor2D;
        const p = tf.sigmoid(tf.add(tf.matMul(h2, w3, false, true), b3)) as tf.Tensor2D;
        const ll = tf.add(tf.mul(y, tf.log(p)), tf.mul(tf.sub(1, y), tf.log(tf.sub(1, p))));
        const g3 = tf.div(tf.sub(p, y), x.shape[0]) as tf.Tensor2D;
        const g2 = tf.mul(tf.matMul(g3, w3), tf.step(h2)) as tf.Tensor2D;
        const g1 = tf.mul(tf.matMul(g2, w2), tf.step(h1)) as tf.Tensor2D;
        return [
          tf.neg(tf.mean(ll)),
          tf.matMul(g1, x, true, false),
          tf.sum(g1, 0),
          tf.matMul(g2, h1, true, false),
          tf.sum(g2, 0),
          tf.matMul(g3, h2, true, false),
          tf.sum(g3, 0),
        ];
      };
      return {
        check: () => {
          const parts = tf.tidy(() =>
            lossAndGradients(
              batches[0][0],
              batches[0][1],
              weights.map((w) => w.clone()),
            ),
          );
          const flat = parts.flatMap((t) => Array.from(t.dataSync()));
          parts.forEach((t) => t.dispose());
          return Float64Array.from(flat);
        },
        run: () => {
          for (const [x, y] of batches) {
            const loss = tf.tidy(() => {
              const [l, ...grads] = lossAndGradients(x, y, weights);
              weights.forEach((w, k) => w.assign(tf.sub(w, tf.mul(grads[k], 0.05))));
              return l;
            });
            loss.dataSync();
            loss.dispose();
          }
        },
      };
    },
  };
}

/** Largest |got − want| relative to the largest |want| (NaN when lengths differ). */
function relativeError(got: Float64Array, want: Float64Array): number {
  if (got.length !== want.length) return NaN;
  let scale = 1e-300;
  let worst = 0;
  for (let i = 0; i < want.length; i++) {
    scale = Math.max(scale, Math.abs(want[i]));
    const d = Math.abs(got[i] - want[i]);
    worst = Number.isNaN(d) ? Infinity : Math.max(worst, d);
  }
  return worst / scale;
}

/** The reference values of a case: the simple backend (a 1-thread TypeScript Fast beyond Simple's matmul limit). */
const referenceCache = new Map<string, Float64Array>();
function reference(bench: Bench, size: number): Float64Array {
  const key = `${bench} ${size}`;
  let ref = referenceCache.get(key);
  if (ref === undefined) {
    const backend =
      bench === 'matmul' && size > SIMPLE_MAX_MATMUL ? new FastBackend({ workers: 1, simd: false }) : 'simple';
    const prepared = minitorch('reference', backend, [bench]).prepare(bench, size) as Prepared;
    ref = prepared.check();
    referenceCache.set(key, ref);
  }
  return ref;
}

/** The Python with torch, or why there is none. */
function findTorchPython(): { python: string } | { why: string } {
  if (args.includes('--no-torch')) return { why: 'skipped (--no-torch)' };
  const flag = args.indexOf('--python');
  const candidates =
    flag >= 0
      ? [args[flag + 1]]
      : [process.env.MINITORCH_PYTHON, path.join('.tmp', 'torchvenv', 'bin', 'python')].filter(
          (p): p is string => p !== undefined && p !== '',
        );
  for (const python of candidates) {
    const probe = spawnSync(python, ['-c', 'import torch, numpy'], { encoding: 'utf8' });
    if (probe.status === 0) return { python };
  }
  return {
    why: `no Python with torch and numpy found (tried ${candidates.join(', ')}; set $MINITORCH_PYTHON or use --python)`,
  };
}

/** Write a float64 file. */
function writeF64(dir: string, name: string, values: ArrayLike<number>): string {
  fs.writeFileSync(path.join(dir, name), Buffer.from(Float64Array.from(values).buffer));
  return name;
}

/**
 * PyTorch's results for the matmul (512 and below), epoch and LeNet cases: runs
 * scripts/benchTorch.py on the same inputs in a temporary folder (removed afterwards).
 */
function torchResults(
  python: string,
  results: Result[],
  checks: Array<{ backend: string; bench: Bench; size: number; error: number; tol: number }>,
): string | undefined {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'minitorch-bench-'));
  try {
    const cases: unknown[] = [];
    for (const n of MATMUL_SIZES.filter((x) => x <= 512)) {
      const [a, b] = matmulOperands(n);
      cases.push({ bench: 'matmul', size: n, a: writeF64(dir, `a${n}.bin`, a), b: writeF64(dir, `b${n}.bin`, b) });
    }
    const params = (bench: 'epoch' | 'lenet', size: number) =>
      makeModel(bench, size, 'simple')
        .namedParameters()
        .map(([name, p]) => {
          const t = p.value as Tensor;
          return [name, writeF64(dir, `${bench}${size}-${name}.bin`, t.toFlatArray()), t.shape];
        });
    for (const h of HIDDEN_SIZES) {
      cases.push({
        bench: 'epoch',
        size: h,
        params: params('epoch', h),
        batch: BATCH,
        lr: 0.05,
        X: writeF64(dir, 'X.bin', data.X.flat()),
        XShape: [POINTS, 2],
        y: writeF64(dir, 'y.bin', data.y),
      });
    }
    cases.push({
      bench: 'lenet',
      size: LENET_BATCH,
      params: params('lenet', LENET_BATCH),
      lr: 0.01,
      x: writeF64(dir, 'images.bin', lenetImages),
      xShape: [LENET_BATCH, 1, 28, 28],
      labels: lenetLabels,
    });
    fs.writeFileSync(
      path.join(dir, 'spec.json'),
      JSON.stringify({ dtypes: ['float64', 'float32'], threads: [1, 2], cases }),
    );
    const script = path.join(__dirname, '..', '..', 'scripts', 'benchTorch.py');
    const run = spawnSync(python, [script, dir], { stdio: ['ignore', 'inherit', 'inherit'] });
    if (run.status !== 0) return `benchTorch.py failed (exit ${run.status})`;
    const out = JSON.parse(fs.readFileSync(path.join(dir, 'result.json'), 'utf8')) as {
      version: string;
      results: Array<{
        bench: Bench;
        size: number;
        dtype: string;
        threads: number;
        ms: number;
        min: number;
        max: number;
        runs: number;
      }>;
    };
    for (const r of out.results) {
      const backend = `torch-${r.dtype === 'float64' ? 'f64' : 'f32'}-${r.threads}`;
      const got = new Float64Array(
        fs.readFileSync(path.join(dir, `check_${r.bench}_${r.size}_${r.dtype}.bin`)).buffer.slice(0),
      );
      const error = relativeError(got, reference(r.bench, r.size));
      const tol = r.dtype === 'float64' ? TOL_TORCH_F64 : TOL_F32;
      if (r.threads === 1)
        checks.push({
          backend: `torch-${r.dtype === 'float64' ? 'f64' : 'f32'}`,
          bench: r.bench,
          size: r.size,
          error,
          tol,
        });
      results.push({
        bench: r.bench,
        size: r.size,
        backend,
        ms: error <= tol ? r.ms : null,
        min: r.min,
        max: r.max,
        runs: r.runs,
        error,
        skipped: error <= tol ? undefined : 'WRONG',
      });
    }
    return `PyTorch ${out.version}`;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** The MiniTorch and tfjs contenders, in table order. */
function contenders(): Contender[] {
  const all: Bench[] = ['matmul', 'epoch', 'lenet', 'add', 'exp'];
  const list: Contender[] = [
    minitorch('simple', 'simple', ['matmul', 'epoch', 'lenet'], SIMPLE_MAX_MATMUL),
    minitorch('fast-1', new FastBackend({ workers: 1 }), all),
    minitorch('fast-2', new FastBackend({ workers: 2 }), all),
    // The same, with the TypeScript kernels of Task 3.2 instead of the SIMD WebAssembly ones.
    minitorch('fast-2-ts', new FastBackend({ workers: 2, simd: false }), ['matmul', 'epoch', 'lenet']),
  ];
  if (!QUICK) list.push(tfjs('tfjs-cpu', 'cpu'), tfjs('tfjs-wasm', 'wasm'));
  if (args.includes('--gpu')) list.push(minitorch('gpu', 'gpu', ['matmul', 'epoch']));
  return list;
}

async function main(): Promise<void> {
  const wasmDir = path.join(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist');
  setWasmPaths(wasmDir + path.sep);
  const cases: Array<[Bench, number]> = [
    ...MATMUL_SIZES.map((n): [Bench, number] => ['matmul', n]),
    ...HIDDEN_SIZES.map((h): [Bench, number] => ['epoch', h]),
    ['lenet', LENET_BATCH],
    ...ELEMENTWISE_SIZES.map((n): [Bench, number] => ['add', n]),
    ...ELEMENTWISE_SIZES.map((n): [Bench, number] => ['exp', n]),
  ];
  const results: Result[] = [];
  const checks: Array<{ backend: string; bench: Bench; size: number; error: number; tol: number }> = [];
  const list = contenders();
  // Round 1 prepares, checks and times every case; later rounds add samples to the checked ones.
  const timed: Array<{
    contender: Contender;
    bench: Bench;
    size: number;
    run: () => void;
    error: number;
    samples: number[];
  }> = [];
  console.error(`round 1 of ${ROUNDS}`);
  for (const contender of list) {
    await contender.setup?.();
    for (const [bench, size] of cases) {
      if (!contender.benches.includes(bench)) continue;
      const prepared = contender.prepare(bench, size);
      if (typeof prepared === 'string') {
        results.push({ bench, size, backend: contender.name, ms: null, skipped: prepared });
        continue;
      }
      const error = relativeError(prepared.check(), reference(bench, size));
      // tfjs and the GPU compute in float32.
      const tol = contender.name.startsWith('tfjs') || contender.name === 'gpu' ? TOL_F32 : TOL_F64;
      checks.push({ backend: contender.name, bench, size, error, tol });
      if (!(error <= tol)) {
        results.push({ bench, size, backend: contender.name, ms: null, skipped: 'WRONG', error });
        console.error(`  ${contender.name.padEnd(10)} ${bench} ${size}: WRONG (relative error ${error})`);
        continue;
      }
      const samples = timeSamples(prepared.run, WARMUP_MS[0]);
      timed.push({ contender, bench, size, run: prepared.run, error, samples });
      console.error(
        `  ${contender.name.padEnd(10)} ${bench} ${String(size).padStart(4)}: ${summary(samples).ms.toFixed(2)} ms`,
      );
    }
  }
  for (let round = 2; round <= ROUNDS; round++) {
    console.error(`round ${round} of ${ROUNDS}`);
    for (const contender of list) {
      await contender.setup?.();
      for (const t of timed.filter((x) => x.contender === contender))
        t.samples.push(...timeSamples(t.run, WARMUP_MS[1]));
    }
  }
  for (const t of timed)
    results.push({ bench: t.bench, size: t.size, backend: t.contender.name, ...summary(t.samples), error: t.error });
  const gpuLoops = args.includes('--gpu') ? [gpuLoop(true), gpuLoop(false)] : null;
  if (gpuLoops !== null) {
    console.log(`\ngpu: synchronous MLP training loop, ${GPU_LOOP_STEPS} steps (Adam, batches of 50)\n`);
    for (const r of gpuLoops)
      console.log(
        `  ${r.tidy ? 'in tidy     ' : 'without tidy'}: ${r.msPerStep.toFixed(2)} ms/step, ${r.spilled} buffers spilled, ` +
          `device buffers ${r.buffersWarm} after warm-up, ${r.buffersEnd} at the end`,
      );
  }
  const torch = findTorchPython();
  const torchNote = 'python' in torch ? torchResults(torch.python, results, checks) : `PyTorch: ${torch.why}`;

  // The table: one row per case, one column per contender that ran it.
  // Contenders in table order, then PyTorch's columns as benchTorch.py returned them.
  const rank = (name: string) => {
    const i = list.findIndex((c) => c.name === name);
    return i < 0 ? list.length : i;
  };
  const names = [...new Set(results.map((r) => r.backend))].sort((a, b) => rank(a) - rank(b));
  const cell = (bench: Bench, size: number, backend: string): number =>
    results.find((x) => x.bench === bench && x.size === size && x.backend === backend)?.ms ?? NaN;
  const header = ['case', ...names, 'fast-1/fast-2'];
  const lines = [header.join(' | '), header.map(() => '---').join(' | ')];
  const label = (bench: Bench, size: number) =>
    bench === 'matmul'
      ? `matmul n=${size}`
      : bench === 'epoch'
        ? `epoch hidden=${size}`
        : bench === 'lenet'
          ? `LeNet step b=${size}`
          : `${bench} ${size}`;
  for (const [bench, size] of cases) {
    const text = (n: string) => {
      const r = results.find((x) => x.bench === bench && x.size === size && x.backend === n);
      if (r === undefined) return '';
      if (r.ms === null) return r.skipped === 'WRONG' ? 'WRONG' : 'skipped';
      const spread =
        r.min !== undefined && r.max !== undefined && r.ms > 0
          ? ` ±${Math.round(((r.max - r.min) / 2 / r.ms) * 100)}%`
          : '';
      return `${r.ms.toFixed(r.ms < 10 ? 2 : 1)}${spread}`;
    };
    const ratio = cell(bench, size, 'fast-1') / cell(bench, size, 'fast-2');
    lines.push(
      [label(bench, size), ...names.map(text), Number.isNaN(ratio) ? '—' : `${ratio.toFixed(2)}x`].join(' | '),
    );
  }
  console.log(`\nMedian ms per call, ±half the min–max spread (${torchNote})\n`);
  console.log(lines.join('\n'));

  // The goals, checked on this run's numbers (ratios ≥ target pass).
  const goals: Array<{ goal: string; value: number; target: number; pass: boolean }> = [];
  const goal = (text: string, value: number, target: number) =>
    goals.push({ goal: text, value, target, pass: !Number.isNaN(value) && value >= target });
  const vsTorch = (bench: Bench, size: number, threads: number) =>
    cell(bench, size, `torch-f64-${threads}`) / cell(bench, size, `fast-${threads}`);
  for (const t of [1, 2]) {
    goal(
      `LeNet step: fast-${t} within 2x of PyTorch f64 ${t} thread(s) (torch/fast >= 0.5)`,
      vsTorch('lenet', LENET_BATCH, t),
      0.5,
    );
    goal(
      `epoch (hidden 100): fast-${t} faster than PyTorch f64 ${t} thread(s) (torch/fast >= 1)`,
      vsTorch('epoch', 100, t),
      1,
    );
    goal(
      `matmul 512: fast-${t} within 2x of PyTorch f64 ${t} thread(s) (torch/fast >= 0.5)`,
      vsTorch('matmul', 512, t),
      0.5,
    );
  }
  goal('2 workers >= 1.7x 1 worker on matmul 512', cell('matmul', 512, 'fast-1') / cell('matmul', 512, 'fast-2'), 1.7);
  goal(
    '2 workers >= 1.4x 1 worker on the LeNet step',
    cell('lenet', LENET_BATCH, 'fast-1') / cell('lenet', LENET_BATCH, 'fast-2'),
    1.4,
  );
  if (gpuLoops !== null) {
    const [tidied, plain] = gpuLoops;
    goal('gpu MLP loop in tidy: no buffer spilled (1 - spills >= 1)', 1 - tidied.spilled, 1);
    goal(
      'gpu MLP loop in tidy: device buffers flat after warm-up (first/last >= 1)',
      tidied.buffersWarm / tidied.buffersEnd,
      1,
    );
    // Without tidy the loop must stay bounded: spills keep the device's buffers near the budget.
    goal(
      'gpu MLP loop without tidy: device buffers bounded (2 x after warm-up / at the end >= 1)',
      (2 * plain.buffersWarm) / plain.buffersEnd,
      1,
    );
  }
  // Below the parallel threshold both run the same code on the calling thread: allow 10% noise.
  const worst = Math.min(
    ...(['add', 'exp'] as Bench[]).flatMap((b) =>
      ELEMENTWISE_SIZES.map((n) => cell(b, n, 'fast-1') / cell(b, n, 'fast-2')),
    ),
  );
  goal(
    'no elementwise op slower with 2 workers than 1, any size (worst fast-1/fast-2 >= 0.9, noise allowance)',
    worst,
    0.9,
  );
  goal('fast-2 >= 20x simple on matmul 256', cell('matmul', 256, 'simple') / cell('matmul', 256, 'fast-2'), 20);
  if (!QUICK)
    goal('fast-2 >= tfjs-cpu on matmul 512', cell('matmul', 512, 'tfjs-cpu') / cell('matmul', 512, 'fast-2'), 1);
  console.log('\nGoals (ratios from this run)\n');
  // A goal whose numbers are missing (no PyTorch, a --quick run) is not measured, not missed.
  for (const g of goals) {
    const verdict = Number.isNaN(g.value) ? 'N/A ' : g.pass ? 'PASS' : 'MISS';
    console.log(
      `${verdict}  ${g.goal}: ${Number.isNaN(g.value) ? 'not measured in this run' : `${g.value.toFixed(2)} (target ${g.target.toFixed(2)})`}`,
    );
  }
  const wrong = checks.filter((c) => !(c.error <= c.tol));
  console.log(`\nChecks against simple: ${checks.length - wrong.length} of ${checks.length} agree`);
  for (const c of wrong)
    console.log(`WRONG  ${c.backend} ${label(c.bench, c.size)}: relative error ${c.error} > ${c.tol}`);

  fs.mkdirSync('out', { recursive: true });
  const report = {
    date: new Date().toISOString(),
    cores: os.availableParallelism(),
    torch: torchNote,
    results,
    checks,
    goals,
    table: lines,
  };
  fs.writeFileSync(path.join('out', 'bench.json'), JSON.stringify(report, null, 2));
  const rows = results
    .filter((r) => r.ms !== null && (r.bench === 'matmul' || r.bench === 'add'))
    .map((r) => ({ ...r, case: `${r.bench} ${r.size}` }));
  const spec = {
    title: 'Median time per call (log scale)',
    data: { values: rows },
    mark: { type: 'line', point: true },
    encoding: {
      x: { field: 'size', type: 'quantitative', scale: { type: 'log', base: 2 }, title: 'n (matmul) / elements (add)' },
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
  if (wrong.length > 0) process.exitCode = 1;
}

main().then(
  () => process.exit(process.exitCode ?? 0), // tfjs-wasm keeps handles open; the results are written
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
