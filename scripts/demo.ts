/**
 * `npm run demo`: train a network on one of MiniTorch's 2-D datasets, with a progress bar in
 * the terminal, then write the loss curve, accuracy curve and decision boundary as SVG and
 * HTML files and print where they are.
 *
 *     npm run demo -- --dataset circle --hidden 20 --epochs 1500 --out out/
 *
 * What trains is looked up in `TRAINERS` by `--task` and `--backend`: a module that adds a
 * backend (tensor, fast, gpu) or a task (mnist) adds one entry there.
 *
 * @packageDocumentation
 */
import { getDataset } from '../src/datasets';
import { trainScalar } from '../src/scalarNetwork';
import type { BackendName } from '../src/backends';
import { trainTensor } from '../src/tensorTraining';
import { accuracyChart, decisionBoundaryChart, lossChart } from '../src/viz/training';
import type { EpochRecord } from '../src/viz/training';
import { show } from '../src/viz/show';

/** Everything the command line can set. */
export interface DemoOptions {
  /** What to train (a key of `TRAINERS`): `classify` is a 2-D dataset. */
  task: string;
  /** How to compute (a key of `TRAINERS[task]`): `scalar` is Module 1's network of Scalars. */
  backend: string;
  /** Which of the six 2-D datasets. */
  dataset: string;
  /** Number of points in the dataset. */
  n: number;
  /** Units per hidden layer. */
  hidden: number;
  /** Learning rate. */
  lr: number;
  /** Passes over the dataset. */
  epochs: number;
  /** Seed of the dataset and the initial weights. */
  seed: number;
  /** Folder for the chart files. */
  out: string;
}

/** The defaults: `npm run demo` with no flags trains xor to 100% in a few seconds. */
export const DEFAULTS: DemoOptions = {
  task: 'classify',
  backend: 'scalar',
  dataset: 'xor',
  n: 50,
  hidden: 10,
  lr: 0.5,
  epochs: 1000,
  seed: 42,
  out: 'out',
};

/** A chart to write when training ends: file name (no extension) and vega-lite spec. */
export interface DemoChart {
  /** File name without extension, e.g. `xor-scalar-loss`. */
  name: string;
  /** The vega-lite spec. */
  spec: object;
}

/** One way to train: a task on a backend. `progress` is called after every epoch. */
export interface DemoTrainer {
  /** One line for `--help`. */
  description: string;
  /** Train, calling `progress` after each epoch; return the history and the charts to write. */
  train(options: DemoOptions, progress: (stats: EpochRecord) => void): Promise<{ history: EpochRecord[]; charts: DemoChart[] }>;
}

/** Train the scalar network of Task 1.5 on a 2-D dataset. */
const scalarClassify: DemoTrainer = {
  description: 'Module 1 scalar network (every weight a Scalar) on a 2-D dataset',
  async train(options, progress) {
    const data = getDataset(options.dataset)(options.n, options.seed);
    const { model, history } = await trainScalar(data, {
      hidden: options.hidden,
      lr: options.lr,
      epochs: options.epochs,
      seed: options.seed,
      onEpoch: (stats) => progress(stats),
    });
    const prefix = `${options.dataset}-${options.backend}`;
    const title = `${options.dataset} (${options.backend}, hidden ${options.hidden})`;
    return {
      history,
      charts: [
        { name: `${prefix}-loss`, spec: lossChart(history, { title: `loss: ${title}` }) },
        { name: `${prefix}-accuracy`, spec: accuracyChart(history, { title: `accuracy: ${title}` }) },
        { name: `${prefix}-boundary`, spec: decisionBoundaryChart((a, b) => model.predict(a, b), data, { title: `decision boundary: ${title}` }) },
      ],
    };
  },
};

/**
 * Train the tensor network of Task 2.5 (`MLP([2, hidden, hidden, 1])`) on a 2-D dataset,
 * with its math on `backend`: the fast and GPU backends reuse this with their name.
 */
export function tensorClassify(backend: BackendName): DemoTrainer {
  return {
    description: `Module 2 tensor network (MLP of Linear layers) on the "${backend}" tensor backend`,
    async train(options, progress) {
      const data = getDataset(options.dataset)(options.n, options.seed);
      const { history, predict } = await trainTensor(data, {
        hidden: options.hidden,
        lr: options.lr,
        epochs: options.epochs,
        seed: options.seed,
        backend,
        onEpoch: (stats) => progress(stats),
      });
      const prefix = `${options.dataset}-${options.backend}`;
      const title = `${options.dataset} (${options.backend}, hidden ${options.hidden})`;
      return {
        history,
        charts: [
          { name: `${prefix}-loss`, spec: lossChart(history, { title: `loss: ${title}` }) },
          { name: `${prefix}-accuracy`, spec: accuracyChart(history, { title: `accuracy: ${title}` }) },
          { name: `${prefix}-boundary`, spec: decisionBoundaryChart(predict, data, { title: `decision boundary: ${title}` }) },
        ],
      };
    },
  };
}

/** Trainers by task, then by backend. Add `tensor`, `fast`, `gpu` backends and an `mnist` task here. */
export const TRAINERS: Record<string, Record<string, DemoTrainer>> = {
  classify: { scalar: scalarClassify, tensor: tensorClassify('simple') },
};

/** The `--help` text. */
function usage(): string {
  const trainers = Object.entries(TRAINERS).flatMap(([task, backends]) =>
    Object.entries(backends).map(([backend, t]) => `    --task ${task} --backend ${backend}: ${t.description}`),
  );
  return [
    'usage: npm run demo -- [--dataset xor] [--n 50] [--hidden 10] [--lr 0.5] [--epochs 1000] [--seed 42] [--backend scalar] [--task classify] [--out out]',
    '  datasets: simple, diag, split, xor, circle, spiral',
    '  trainers:',
    ...trainers,
  ].join('\n');
}

/** Parse `--name value` / `--name=value` flags over the defaults; throws on anything unknown. */
export function parseArgs(argv: string[]): DemoOptions | 'help' {
  const options: DemoOptions = { ...DEFAULTS };
  const numeric = new Set(['n', 'hidden', 'lr', 'epochs', 'seed']);
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--help' || arg === '-h') return 'help';
    const m = /^--([a-z]+)(?:=(.*))?$/.exec(arg);
    if (!m || !(m[1] in DEFAULTS)) throw new Error(`unknown argument "${arg}"`);
    const key = m[1] as keyof DemoOptions;
    const value = m[2] ?? argv[++i];
    if (value === undefined) throw new Error(`--${key} needs a value`);
    if (numeric.has(key)) {
      const x = Number(value);
      if (value.trim() === '' || !Number.isFinite(x)) throw new Error(`--${key} must be a number, got "${value}"`);
      (options as unknown as Record<string, number>)[key] = x;
    } else {
      (options as unknown as Record<string, string>)[key] = value;
    }
  }
  return options;
}

/** The trainer for the options' task and backend, or an error listing what there is. */
function trainerFor(options: DemoOptions): DemoTrainer {
  const backends = TRAINERS[options.task];
  if (!backends) throw new Error(`unknown --task "${options.task}": choose one of ${Object.keys(TRAINERS).join(', ')}`);
  const trainer = backends[options.backend];
  if (!trainer) throw new Error(`--task ${options.task} has no --backend "${options.backend}": choose one of ${Object.keys(backends).join(', ')}`);
  return trainer;
}

/** A text progress bar: `[#######-------]  47% epoch 470/1000 loss 0.1234 acc 96.0%`. */
export function progressLine(stats: EpochRecord, epochs: number, width = 24): string {
  const done = Math.round((width * stats.epoch) / epochs);
  const pct = String(Math.round((100 * stats.epoch) / epochs)).padStart(3);
  return `[${'#'.repeat(done)}${'-'.repeat(width - done)}] ${pct}% epoch ${stats.epoch}/${epochs} loss ${stats.loss.toFixed(4)} acc ${(100 * stats.accuracy).toFixed(1)}%`;
}

/**
 * Run the demo with these command-line arguments, writing progress to `log` (stdout by
 * default). Returns the exit code and, on success, the paths of the written files.
 */
export async function main(argv: string[], log: NodeJS.WritableStream = process.stdout): Promise<{ code: number; files: string[] }> {
  let options: DemoOptions;
  let trainer: DemoTrainer;
  try {
    const parsed = parseArgs(argv);
    if (parsed === 'help') {
      log.write(usage() + '\n');
      return { code: 0, files: [] };
    }
    options = parsed;
    trainer = trainerFor(options);
    getDataset(options.dataset); // a bad name fails here, before any training
  } catch (e) {
    log.write(`demo: ${(e as Error).message}\n${usage()}\n`);
    return { code: 2, files: [] };
  }
  const tty = (log as NodeJS.WriteStream).isTTY === true;
  const every = Math.max(1, Math.floor(options.epochs / 10));
  log.write(`training --task ${options.task} --backend ${options.backend} on ${options.dataset} (${options.n} points, hidden ${options.hidden}, lr ${options.lr}, ${options.epochs} epochs, seed ${options.seed})\n`);
  const start = Date.now();
  const { history, charts } = await trainer.train(options, (stats) => {
    // On a terminal one line redraws itself; in a log file, a line every tenth of the run.
    if (tty) log.write(`\r${progressLine(stats, options.epochs)}`);
    else if (stats.epoch % every === 0 || stats.epoch === options.epochs) log.write(`${progressLine(stats, options.epochs)}\n`);
  });
  if (tty) log.write('\n');
  const seconds = (Date.now() - start) / 1000;
  const last = history[history.length - 1];
  log.write(`done in ${seconds.toFixed(1)} s: loss ${last.loss.toFixed(4)}, accuracy ${(100 * last.accuracy).toFixed(1)}%\n`);
  const files: string[] = [];
  for (const chart of charts) {
    const svg = await show(chart.spec, { name: chart.name, outDir: options.out });
    if (svg) files.push(svg, svg.replace(/\.svg$/, '.html'));
  }
  log.write(`charts written:\n${files.map((f) => `  ${f}`).join('\n')}\n`);
  return { code: 0, files };
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    ({ code }) => {
      process.exitCode = code;
    },
    (e: Error) => {
      console.error(`demo: ${e.stack ?? e.message}`);
      process.exitCode = 1;
    },
  );
}
