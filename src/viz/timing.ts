/**
 * Small live benchmarks for the notebooks (Module 3): time a few cases at a few sizes, chart
 * them on log axes whose ticks are the sizes measured, and say in words whether the second
 * thread paid, and if not, whether the machine looked busy.
 *
 * What is timed is the computation the lesson is about. Each case is set up first (inputs,
 * and for elementwise kernels the output too, so neither the allocation nor the first-touch
 * page faults of a fresh output are timed), run a few times to warm up the JIT and the worker
 * pool, and then the *fastest* of several runs is kept: other programs can only make a run
 * slower, so the minimum is the best estimate of the kernel's own cost.
 *
 * `npm run bench` is the full benchmark (medians against a baseline, PyTorch and TF.js).
 *
 * @packageDocumentation
 */
import { platform } from '../platform';
import { FastBackend } from '../backends/fast/backend';
import type { BinaryOp, TensorBackend } from '../tensorOps';
import { VEGA_LITE_SCHEMA, VegaLiteSpec } from './render';
import { checkOptions } from '../validate';

/** One measurement: a series (e.g. "2 threads") at a size, in milliseconds. */
export interface TimingRow {
  size: number;
  series: string;
  ms: number;
}

/** How long to measure each case. */
export interface TimingOptions {
  /** Untimed runs first (default 3). */
  warmup?: number;
  /** Timed runs, of which the fastest is kept (default 9). */
  runs?: number;
  /** Stop timing a case after this many ms once 3 runs are done (default 400), so slow cases stay short. */
  budgetMs?: number;
}

/** The keys of `TimingOptions`, for `checkOptions`. */
const TIMING_OPTIONS = ['warmup', 'runs', 'budgetMs'];

/**
 * The fastest of several runs of `f`, in ms, after `warmup` untimed runs. Throws on a bad
 * count.
 */
export function fastestRun(f: () => void, options: TimingOptions = {}): number {
  checkOptions('fastestRun', options, TIMING_OPTIONS);
  const warmup = options.warmup ?? 3;
  const runs = options.runs ?? 9;
  if (!Number.isInteger(runs) || runs < 1 || !Number.isInteger(warmup) || warmup < 0) {
    throw new RangeError(
      `fastestRun: runs must be a positive integer and warmup a non-negative one, got runs ${runs}, warmup ${warmup}`,
    );
  }
  const budget = options.budgetMs ?? 400;
  for (let i = 0; i < warmup; i++) f();
  let best = Infinity;
  const began = performance.now();
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    f();
    best = Math.min(best, performance.now() - start);
    if (i >= 2 && performance.now() - began > budget) break;
  }
  return best;
}

/**
 * Time every series at every size. `series[name](size)` does the set-up (untimed) and
 * returns the function to time, or `undefined` to skip that size (e.g. a slow backend at a
 * large size).
 */
export function timeSweep(
  sizes: readonly number[],
  series: Record<string, (size: number) => (() => void) | undefined>,
  options: TimingOptions = {},
): TimingRow[] {
  const rows: TimingRow[] = [];
  // Only the timing keys: callers pass their own options on (`measureMatmul`'s sizes, …).
  const timing = { warmup: options.warmup, runs: options.runs, budgetMs: options.budgetMs };
  for (const size of sizes) {
    for (const [name, setup] of Object.entries(series)) {
      const run = setup(size);
      if (run !== undefined) rows.push({ size, series: name, ms: fastestRun(run, timing) });
    }
  }
  return rows;
}

/** Deterministic values in [0, 1) for benchmark inputs (no need for a seeded tensor here). */
function fill(storage: Float64Array): void {
  let s = 12345;
  for (let i = 0; i < storage.length; i++) {
    s = (s * 1103515245 + 12345) % 2147483648;
    storage[i] = s / 2147483648;
  }
}

/** A filled contiguous input of `shape` in `backend`'s memory. */
function input(backend: TensorBackend, shape: number[]): ReturnType<TensorBackend['zeros']> {
  const t = backend.zeros(shape);
  fill(t.storage as Float64Array);
  return t;
}

/** What `measureParallelZip` and `measureMatmul` return: the rows and a sentence about them. */
export interface SpeedupResult {
  /** One row per series and size. */
  rows: TimingRow[];
  /** 1-thread time over 2-thread time at the largest size. */
  speedup: number;
  /** `speedupNote`'s sentence about that speed-up. */
  note: string;
}

/** The numbers `speedupNote` judges; injected in tests, measured in notebooks. */
export interface SpeedupFacts {
  /** Time on one thread over time on two. */
  speedup: number;
  /** What the case is, e.g. "zip(mul) on 1,048,576 elements". */
  what: string;
  /** Cores the machine has (default: the platform's `cpuCount()`). */
  cores?: number;
  /** One-minute load average (default: the platform's `loadAverage()`; 0 where the host has none). */
  load?: number;
  /** The speed-up an idle machine with 2 free cores gives on this case (default 1.6). */
  expected?: number;
}

/**
 * A sentence about a measured 2-thread speed-up: that it paid, or, when it fell short of
 * what an idle machine gives, why (one core only, or a busy machine, with its load).
 */
export function speedupNote(facts: SpeedupFacts): string {
  const cores = facts.cores ?? platform.cpuCount();
  const load = facts.load ?? platform.loadAverage();
  const expected = facts.expected ?? 1.6;
  if (!(facts.speedup > 0) || !Number.isFinite(facts.speedup))
    throw new RangeError(`speedupNote: speedup must be a positive number, got ${facts.speedup}`);
  const x = `${facts.speedup.toFixed(2)}×`;
  if (cores < 2) {
    return `${facts.what}: 2 threads ran ${x} as fast as 1. This machine has one core, so the two threads take turns and no speed-up is possible here.`;
  }
  if (facts.speedup >= expected) {
    return `${facts.what}: 2 threads ran ${x} as fast as 1 (an idle machine with two free cores gives at least ${expected}×).`;
  }
  const busy =
    load >= cores - 0.5
      ? `the machine is busy (load average ${load.toFixed(1)} on ${cores} cores)`
      : `the machine was probably busy while it ran (load average now ${load.toFixed(1)} on ${cores} cores)`;
  return `${facts.what}: 2 threads ran only ${x} as fast as 1, short of the ${expected}× an idle machine with two free cores gives: ${busy}, so the second thread had to wait for a core. Run the cell again when the machine is idle to see the real gain.`;
}

/** What `machineNote` says about the machine; measured by default, injected in tests. */
export interface MachineFacts {
  /** Cores the machine has (default: the platform's `cpuCount()`). */
  cores?: number;
  /** One-minute load average (default: the platform's `loadAverage()`). */
  load?: number;
  /** The GPU adapter's description, or undefined when there is none. */
  gpu?: string;
}

/**
 * One line saying what a table of timings was measured on: cores, load (and that a busy
 * machine makes every time slower than an idle one gives), and the GPU adapter, with a
 * warning when it is a software renderer (the CPU running the shaders, so "gpu" loses).
 */
export function machineNote(facts: MachineFacts = {}): string {
  const cores = facts.cores ?? platform.cpuCount();
  const load = facts.load ?? platform.loadAverage();
  const busy =
    load >= cores - 0.5 ? ` (busy: more work than cores, so these times are slower than an idle machine's)` : '';
  const gpu =
    facts.gpu === undefined
      ? 'no GPU adapter'
      : /llvmpipe|swiftshader|software|lavapipe|compatibility mode/i.test(facts.gpu)
        ? // Compatibility mode (OpenGL ES) is the backend's fallback when no GPU is found: Mesa's software renderer.
          `GPU ${facts.gpu}, a software renderer: the CPU runs the shaders, so "gpu" is no faster here`
        : `GPU ${facts.gpu}`;
  return `measured on ${cores} cores, load average ${load.toFixed(1)}${busy}; ${gpu}`;
}

/** The 1-thread over 2-thread time at the largest size of two series. */
function speedupAt(rows: TimingRow[], one: string, two: string): { size: number; speedup: number } {
  const size = Math.max(...rows.filter((r) => r.series === two).map((r) => r.size));
  const at = (series: string) => rows.find((r) => r.series === series && r.size === size)?.ms ?? NaN;
  return { size, speedup: at(one) / at(two) };
}

/**
 * Module 3's "Why parallelism pays": zip kernels on 1 thread and on 2 (every size split across
 * both threads, threshold 0), at `sizes` elements, for each of `ops` (default `mul`, one
 * multiply per element, and `sigmoidBack`, an `exp` and a division per element). Inputs and
 * outputs are allocated and touched before timing, so only the kernel is measured. `speedup`
 * is the smallest of the ops' speed-ups at the largest size; the note has a sentence per op.
 */
export function measureParallelZip(
  options: TimingOptions & { sizes?: number[]; ops?: BinaryOp[] } = {},
): SpeedupResult {
  checkOptions('measureParallelZip', options, [...TIMING_OPTIONS, 'sizes', 'ops']);
  const sizes = options.sizes ?? [1 << 14, 1 << 16, 1 << 18, 1 << 20];
  const ops = options.ops ?? ['mul', 'sigmoidBack'];
  const backends: Array<[string, FastBackend]> = [
    ['1 thread', new FastBackend({ workers: 1 })],
    ['2 threads', new FastBackend({ workers: 2, parallelThreshold: 0 })],
  ];
  const series: Record<string, (n: number) => () => void> = {};
  for (const op of ops) {
    for (const [threads, backend] of backends) {
      series[`zip(${op}), ${threads}`] = (n) => {
        const a = input(backend, [n]);
        const b = input(backend, [n]);
        const out = backend.zeros([n]);
        out.storage.fill(1); // touch every page of the output now, not inside the timed kernel
        return () => backend.runKernel('zip', [out, a, b, op], n);
      };
    }
  }
  let rows: TimingRow[];
  try {
    rows = timeSweep(sizes, series, options);
  } finally {
    for (const [, backend] of backends) backend.pool.close(); // its threads are not needed after
  }
  const each = ops.map((op) => ({ op, ...speedupAt(rows, `zip(${op}), 1 thread`, `zip(${op}), 2 threads`) }));
  const note = each
    .map((e) => speedupNote({ speedup: e.speedup, what: `zip(${e.op}) on ${e.size.toLocaleString('en-US')} elements` }))
    .join('\n');
  return { rows, speedup: Math.min(...each.map((e) => e.speedup)), note };
}

/**
 * n×n matrix products on each named backend (inputs made before timing; the n² output is
 * allocated by the op, small next to its n³ work). `skip(name, n)` leaves out slow cases.
 * The speed-up compares the series named `one` and `two` (default "fast, 1 thread" and
 * "fast, 2 threads") at the largest size.
 */
export function measureMatmul(
  backends: ReadonlyArray<readonly [string, TensorBackend]>,
  options: TimingOptions & {
    sizes?: number[];
    skip?: (name: string, n: number) => boolean;
    one?: string;
    two?: string;
  } = {},
): SpeedupResult {
  checkOptions('measureMatmul', options, [...TIMING_OPTIONS, 'sizes', 'skip', 'one', 'two']);
  const sizes = options.sizes ?? [32, 64, 128, 256];
  const series: Record<string, (n: number) => (() => void) | undefined> = {};
  for (const [name, backend] of backends) {
    series[name] = (n) => {
      if (options.skip?.(name, n)) return undefined;
      const a = input(backend, [n, n]);
      const b = input(backend, [n, n]);
      return () => backend.matmul(a, b);
    };
  }
  const rows = timeSweep(sizes, series, options);
  const one = options.one ?? 'fast, 1 thread';
  const two = options.two ?? 'fast, 2 threads';
  const { size, speedup } = speedupAt(rows, one, two);
  const note = Number.isFinite(speedup)
    ? speedupNote({ speedup, what: `${size}×${size} matmul` })
    : `no "${one}" and "${two}" series to compare`;
  return { rows, speedup, note };
}

/** Options of `timingChart`. */
export interface TimingChartOptions {
  /** Chart title. */
  title?: string;
  /** Title of the size axis (default "size"). */
  sizeTitle?: string;
  /** Plot width and height in pixels (default 420 × 240). */
  width?: number;
  height?: number;
}

/** A size as a short tick label: 1024 → "1K", 1048576 → "1M", 256 → "256". */
export function sizeLabel(n: number): string {
  if (n >= 1 << 20 && n % (1 << 20) === 0) return `${n / (1 << 20)}M`;
  if (n >= 1 << 10 && n % (1 << 10) === 0) return `${n / (1 << 10)}K`;
  return String(n);
}

/**
 * Times against size on log–log axes, a line with points per series. The size axis ticks
 * exactly the sizes measured (no 40…240 in between, no colliding labels).
 */
export function timingChart(rows: readonly TimingRow[], options: TimingChartOptions = {}): VegaLiteSpec {
  checkOptions('timingChart', options, ['title', 'sizeTitle', 'width', 'height']);
  if (
    !Array.isArray(rows) ||
    rows.some((r) => typeof r?.size !== 'number' || typeof r?.ms !== 'number' || typeof r?.series !== 'string')
  ) {
    throw new TypeError('timingChart: rows must be { size, series, ms } objects (as timeSweep returns)');
  }
  const sizes = [...new Set(rows.map((r) => r.size))].sort((a, b) => a - b);
  const labels = Object.fromEntries(sizes.map((s) => [s, sizeLabel(s)]));
  return {
    $schema: VEGA_LITE_SCHEMA,
    ...(options.title !== undefined ? { title: options.title } : {}),
    width: options.width ?? 420,
    height: options.height ?? 240,
    data: { values: rows.map((r) => ({ ...r, ms: Math.max(r.ms, 1e-4) })) },
    mark: { type: 'line', point: true, tooltip: true },
    encoding: {
      x: {
        field: 'size',
        type: 'quantitative',
        title: options.sizeTitle ?? 'size',
        scale: { type: 'log', base: 2, domain: [sizes[0], sizes[sizes.length - 1]] },
        axis: {
          values: sizes,
          labelExpr: `${JSON.stringify(labels)}[datum.value] || datum.label`,
          labelAngle: 0,
          grid: false,
        },
      },
      y: {
        field: 'ms',
        type: 'quantitative',
        title: 'ms (fastest run)',
        scale: { type: 'log' },
        axis: { labelOverlap: 'greedy', format: '~g' },
      },
      color: { field: 'series', type: 'nominal', title: null, sort: null },
    },
  };
}
