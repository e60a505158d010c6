/**
 * `npm run demo`: train a network on one of MiniTorch's 2-D datasets, with a progress bar in
 * the terminal, then write the loss curve, accuracy curve and decision boundary as SVG and
 * HTML files and print where they are.
 *
 *     npm run demo -- --dataset circle --hidden 20 --epochs 1500 --out out/
 *
 * What trains is looked up in `TRAINERS` by `--task` and `--backend`: a module that adds a
 * backend (tensor, fast, gpu) or a task (mnist, sentiment) adds one entry there.
 *
 *     npm run demo -- --task sentiment --sst2 path/to/SST-2 --glove path/to/glove.6B.50d.txt
 *
 * @packageDocumentation
 */
import { getDataset } from '../src/apps/datasets';
import type { Graph } from '../src/apps/datasets';
import { trainScalar } from '../src/apps/scalarNetwork';
import type { BackendName } from '../src/backends/registry';
import { trainTensor } from '../src/apps/tensorTraining';
import { accuracyChart, decisionBoundaryChart, lossChart } from '../src/viz/training';
import type { EpochRecord } from '../src/viz/training';
import { show } from '../src/viz/show';
import { confusionMatrix, imageGrid } from '../src/viz/images';
import { loadMnist } from '../src/apps/mnist';
import { loadSentimentFiles, trainSentiment } from '../src/apps/sentiment';
import { evaluateImages, trainMnist } from '../src/apps/mnistTraining';
import { notDoneMessage, unfinishedExercise } from '../src/course/exercises';
import * as fs from 'fs';
import * as path from 'path';

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
  /** `--task sentiment`: GLUE's `SST-2/` folder (`train.tsv`, `dev.tsv`); '' for the shipped sample. */
  sst2: string;
  /** `--task sentiment`: a GloVe text file (`glove.6B.50d.txt`); '' for the shipped sample. */
  glove: string;
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
  sst2: '',
  glove: '',
};

/** A chart to write when training ends: file name (no extension) and vega-lite spec. */
export interface DemoChart {
  /** File name without extension, e.g. `xor-scalar-loss`. */
  name: string;
  /** The vega-lite spec. */
  spec: object;
}

/**
 * One way to train: a task on a backend. `progress` is called after every epoch (and may be
 * called with a fractional epoch for progress within a long one).
 */
export interface DemoTrainer {
  /** One line for `--help`. */
  description: string;
  /** Settings this trainer prefers over `DEFAULTS` when the command line does not set them. */
  defaults?: Partial<DemoOptions>;
  /** Throws if the options cannot work for this trainer (checked before anything trains). */
  check?(options: DemoOptions): void;
  /** Train, calling `progress` after each epoch; return the history and the charts to write. */
  train(
    options: DemoOptions,
    progress: (stats: EpochRecord) => void,
  ): Promise<{ history: EpochRecord[]; charts: DemoChart[]; summary?: string[] }>;
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
    return { history, charts: classifyCharts(options, history, (a, b) => model.predict(a, b), data) };
  },
};

/** The charts of a 2-D classification run: loss and accuracy curves, and the decision boundary. */
function classifyCharts(
  options: DemoOptions,
  history: EpochRecord[],
  predict: (x0: number, x1: number) => number,
  data: Graph,
): DemoChart[] {
  const prefix = `${options.dataset}-${options.backend}`;
  const title = `${options.dataset} (${options.backend}, hidden ${options.hidden})`;
  return [
    { name: `${prefix}-loss`, spec: lossChart(history, { title: `loss: ${title}` }) },
    { name: `${prefix}-accuracy`, spec: accuracyChart(history, { title: `accuracy: ${title}` }) },
    {
      name: `${prefix}-boundary`,
      spec: decisionBoundaryChart(predict, data, { title: `decision boundary: ${title}` }),
    },
  ];
}

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
      return { history, charts: classifyCharts(options, history, predict, data) };
    },
  };
}

/**
 * Train Module 4's LeNet on the embedded MNIST digits: `--n` training digits (the rest, up
 * to 2,000, held out), Adam at `--lr`, batches of 32. Progress is reported every few batches
 * as a fractional epoch with the running loss and training accuracy; each whole epoch
 * reports the held-out accuracy.
 */
export function mnistClassify(backend: BackendName): DemoTrainer {
  return {
    description: `Module 4 LeNet on MNIST digits (embedded, 10,000) on the "${backend}" backend`,
    defaults: { n: 8000, epochs: 3, lr: 0.005, seed: 0 },
    check(options) {
      if (options.n > MNIST_MAX_TRAIN) {
        throw new Error(
          `--task mnist: --n must be at most ${MNIST_MAX_TRAIN} (the embedded set has ${MNIST_DIGITS} digits, and ${MNIST_DIGITS - MNIST_MAX_TRAIN} are kept to test on), got ${options.n}`,
        );
      }
    },
    async train(options, progress) {
      const nTest = Math.min(2000, MNIST_DIGITS - options.n);
      const { train, test } = loadMnist({ train: options.n, test: nTest, seed: options.seed });
      const history: EpochRecord[] = [];
      let batch = 0;
      const { model } = await trainMnist(train, test, {
        epochs: options.epochs,
        lr: options.lr,
        seed: options.seed,
        backend,
        batchSize: 32,
        onBatch: ({ epoch, done, loss }) => {
          batch += 1;
          if (batch % 10 === 0 && done < 1) progress({ epoch: epoch - 1 + done, loss, accuracy: NaN });
        },
        onEpoch: (stats) => {
          const record = { epoch: stats.epoch, loss: stats.loss, accuracy: stats.testAccuracy };
          history.push(record);
          progress(record);
        },
      });
      const { predictions } = evaluateImages(model, test, { backend });
      const title = `MNIST LeNet (${options.backend}, ${train.n} digits)`;
      const shown = Array.from({ length: Math.min(24, test.n) }, (_, i) => ({
        pixels: test.images.subarray(i * 784, (i + 1) * 784),
        title: `pred ${predictions[i]} / true ${test.labels[i]}`,
        highlight: predictions[i] !== test.labels[i],
      }));
      return {
        history,
        charts: [
          { name: 'mnist-loss', spec: lossChart(history, { title: `training loss: ${title}` }) },
          { name: 'mnist-accuracy', spec: accuracyChart(history, { title: `held-out accuracy: ${title}` }) },
          {
            name: 'mnist-confusion',
            spec: confusionMatrix(test.labels, predictions, 10, {
              title: `confusion matrix (${test.n} held-out digits)`,
            }),
          },
          {
            name: 'mnist-digits',
            spec: imageGrid(shown, {
              height: 28,
              width: 28,
              columns: 8,
              title: 'held-out digits: predicted / true (✗ = wrong)',
            }),
          },
        ],
      };
    },
  };
}

/** MiniTorch's sentiment split: the first 450 SST-2 training sentences, the first 100 of its dev set. */
const SENTIMENT_VALIDATION = 100;
/** MiniTorch's goal for the sentiment model on that split: best validation accuracy above 70%. */
export const SENTIMENT_TARGET = 0.7;

/** The SST-2 and GloVe files to read: the given ones, or the small sample in tests/fixtures. */
export function sentimentPaths(options: Pick<DemoOptions, 'sst2' | 'glove'>): {
  train: string;
  validation: string;
  glove: string;
  sample: boolean;
} {
  if ((options.sst2 === '') !== (options.glove === ''))
    throw new Error('--task sentiment: give both --sst2 DIR and --glove FILE, or neither (the shipped sample)');
  if (options.sst2 === '') {
    const fixtures = path.join(__dirname, '..', '..', 'tests', 'fixtures');
    return {
      train: path.join(fixtures, 'sst2-small-train.tsv'),
      validation: path.join(fixtures, 'sst2-small-dev.tsv'),
      glove: path.join(fixtures, 'glove-small.txt'),
      sample: true,
    };
  }
  const files = { train: path.join(options.sst2, 'train.tsv'), validation: path.join(options.sst2, 'dev.tsv') };
  for (const f of Object.values(files))
    if (!fs.existsSync(f))
      throw new Error(
        `--sst2 ${options.sst2}: no ${path.basename(f)} there (GLUE's SST-2 folder has train.tsv and dev.tsv)`,
      );
  if (!fs.existsSync(options.glove) || fs.statSync(options.glove).isDirectory())
    throw new Error(
      `--glove ${options.glove}: not a file (e.g. glove.6B.50d.txt from https://nlp.stanford.edu/projects/glove/)`,
    );
  return { ...files, glove: options.glove, sample: false };
}

/**
 * Train Module 4's conv1d sentiment model (`SentimentCNN`) on SST-2 with GloVe vectors:
 * MiniTorch's split (the first `--n` training sentences, default 450, and the first 100 of
 * the dev set), Adam at `--lr`, batches of 10. Without `--sst2`/`--glove` it trains on the
 * small sample shipped in tests/fixtures, which shows the loop works but says nothing about
 * the target.
 */
export function sentimentClassify(backend: BackendName): DemoTrainer {
  return {
    description: `Module 4 conv1d sentiment model on SST-2 with GloVe (--sst2 DIR --glove FILE) on the "${backend}" backend`,
    defaults: { n: 450, epochs: 30, lr: 0.01, seed: 0 },
    check(options) {
      sentimentPaths(options);
    },
    async train(options, progress) {
      const files = sentimentPaths(options);
      const data = loadSentimentFiles(files);
      const train = data.train.slice(0, options.n);
      const validation = data.validation.slice(0, SENTIMENT_VALIDATION);
      const history: EpochRecord[] = [];
      trainSentiment(train, validation, data.embeddings, {
        epochs: options.epochs,
        lr: options.lr,
        seed: options.seed,
        backend,
        onEpoch: (stats) => {
          const record = { epoch: stats.epoch, loss: stats.loss, accuracy: stats.validationAccuracy };
          history.push(record);
          progress(record);
        },
      });
      const best = Math.max(...history.map((h) => h.accuracy));
      const title = `SST-2 sentiment (${train.length} train / ${validation.length} validation${files.sample ? ', shipped sample' : ''})`;
      const verdict = best > SENTIMENT_TARGET ? 'reached' : 'not reached';
      return {
        history,
        charts: [
          { name: 'sentiment-loss', spec: lossChart(history, { title: `training loss: ${title}` }) },
          { name: 'sentiment-accuracy', spec: accuracyChart(history, { title: `validation accuracy: ${title}` }) },
        ],
        summary: [
          `best validation accuracy ${(100 * best).toFixed(1)}% on ${validation.length} sentences`,
          files.sample
            ? `(the shipped sample: ${train.length} made-up sentences of ${data.embeddings.dims}-d vectors; MiniTorch's goal, ` +
              `> ${100 * SENTIMENT_TARGET}% best validation accuracy on its 450/100 split, is for the real files: ` +
              'npm run demo -- --task sentiment --sst2 DIR --glove FILE)'
            : `MiniTorch's goal, > ${100 * SENTIMENT_TARGET}% best validation accuracy on its 450/100 split: ${verdict}`,
        ],
      };
    },
  };
}

/** Digits in the embedded MNIST set, and the most the demo trains on (the rest are held out). */
const MNIST_DIGITS = 10000;
const MNIST_MAX_TRAIN = 9000;

/** Trainers by task, then by backend: a new backend or task is one entry. */
export const TRAINERS: Record<string, Record<string, DemoTrainer>> = {
  classify: {
    scalar: scalarClassify,
    tensor: tensorClassify('simple'),
    fast: tensorClassify('fast'),
    gpu: tensorClassify('gpu'),
  },
  mnist: { fast: mnistClassify('fast'), simple: mnistClassify('simple'), gpu: mnistClassify('gpu') },
  sentiment: {
    fast: sentimentClassify('fast'),
    simple: sentimentClassify('simple'),
    gpu: sentimentClassify('gpu'),
  },
};

/** The module whose tasks a trainer needs (`classify` on `fast` needs Module 3's backend). */
const TRAINER_MODULE: Record<string, number> = {
  'classify/scalar': 1,
  'classify/tensor': 2,
  'classify/fast': 3,
  'classify/gpu': 3,
  mnist: 4,
  sentiment: 4,
};

/**
 * The modules of this repository's `course.json`: a student repository released module by
 * module offers only the trainers of its modules. All modules when there is none.
 */
function releasedModules(): number[] | null {
  try {
    const file = path.join(__dirname, '..', '..', 'course.json');
    const tasks = Object.keys((JSON.parse(fs.readFileSync(file, 'utf8')) as { tasks: Record<string, unknown> }).tasks);
    return [...new Set(tasks.map((t) => Number(t.split('.')[0])))];
  } catch {
    return null;
  }
}

/** `TRAINERS` less those whose module is not released here. */
function availableTrainers(): Record<string, Record<string, DemoTrainer>> {
  const modules = releasedModules();
  if (modules === null) return TRAINERS;
  const out: Record<string, Record<string, DemoTrainer>> = {};
  for (const [task, backends] of Object.entries(TRAINERS)) {
    for (const [backend, trainer] of Object.entries(backends)) {
      const needs = TRAINER_MODULE[`${task}/${backend}`] ?? TRAINER_MODULE[task] ?? 0;
      if (modules.includes(needs)) (out[task] ??= {})[backend] = trainer;
    }
  }
  return out;
}

/** The `--help` text. */
function usage(): string {
  const available = availableTrainers();
  const trainers = Object.entries(available).flatMap(([task, backends]) =>
    Object.entries(backends).map(([backend, t]) => `    --task ${task} --backend ${backend}: ${t.description}`),
  );
  const tasks = Object.keys(available).join('|') || 'classify';
  return [
    `usage: npm run demo -- [--task ${tasks}] [--backend scalar] [--dataset xor] [--n 50] [--hidden 10] [--lr 0.5] [--epochs 1000] [--seed 42] [--out out]`,
    ...('mnist' in available
      ? ['  --task mnist defaults: --backend fast --n 8000 (training digits; 2,000 held out) --epochs 3 --lr 0.005']
      : []),
    ...('sentiment' in available
      ? [
          '  --task sentiment [--sst2 DIR --glove FILE] defaults: --backend fast --n 450 (training sentences; the first',
          '    100 of dev.tsv validate) --epochs 30 --lr 0.01; without the files, the small sample in tests/fixtures.',
          "    DIR is GLUE's SST-2 folder (train.tsv, dev.tsv); FILE a GloVe text file such as glove.6B.50d.txt.",
          `    MiniTorch's goal on the real files: best validation accuracy above ${100 * SENTIMENT_TARGET}%.`,
        ]
      : []),
    '  datasets: simple, diag, split, xor, circle, spiral',
    '  trainers:',
    ...trainers,
  ].join('\n');
}

/**
 * What each numeric flag accepts, checked before anything trains: a bad value ends the demo
 * with the usage (exit 2), not with a stack trace after the banner.
 */
const NUMERIC: Record<string, { ok: (x: number) => boolean; what: string }> = {
  n: { ok: (x) => Number.isInteger(x) && x >= 1, what: 'a whole number of at least 1' },
  hidden: { ok: (x) => Number.isInteger(x) && x >= 1, what: 'a whole number of at least 1' },
  epochs: { ok: (x) => Number.isInteger(x) && x >= 1, what: 'a whole number of at least 1' },
  lr: { ok: (x) => x > 0, what: 'a number greater than 0' },
  seed: { ok: (x) => Number.isInteger(x) && x >= 0, what: 'a whole number of at least 0' },
};

/** Parse `--name value` / `--name=value` flags over the defaults; throws on anything unknown. */
export function parseArgs(argv: string[]): DemoOptions | 'help' {
  const options: DemoOptions = { ...DEFAULTS };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--help' || arg === '-h') return 'help';
    const m = /^--([a-z][a-z0-9]*)(?:=(.*))?$/.exec(arg);
    if (!m || !Object.hasOwn(DEFAULTS, m[1])) throw new Error(`unknown argument "${arg}"`);
    const key = m[1] as keyof DemoOptions;
    const value = m[2] ?? argv[++i];
    if (value === undefined) throw new Error(`--${key} needs a value`);
    const rule = NUMERIC[key];
    if (rule !== undefined) {
      const x = Number(value);
      if (value.trim() === '' || !Number.isFinite(x) || !rule.ok(x))
        throw new Error(`--${key} must be ${rule.what}, got "${value}"`);
      (options as unknown as Record<string, number>)[key] = x;
    } else {
      (options as unknown as Record<string, string>)[key] = value;
    }
  }
  return options;
}

/**
 * The trainer for the options' task and backend, or an error listing what there is. A task
 * named without `--backend` gets its first backend if the default one does not apply; the
 * trainer's own defaults fill in every setting the command line left alone.
 */
function trainerFor(options: DemoOptions, argv: string[]): DemoTrainer {
  const given = new Set(
    argv.map((a) => /^--([a-z][a-z0-9]*)/.exec(a)?.[1]).filter((k): k is string => k !== undefined),
  );
  const available = availableTrainers();
  if (Object.keys(available).length === 0)
    throw new Error(
      'this release has no demo yet: it trains the network of Module 1, which comes with the next release',
    );
  const backends = Object.hasOwn(available, options.task) ? available[options.task] : undefined;
  if (!backends)
    throw new Error(`unknown --task "${options.task}": choose one of ${Object.keys(available).join(', ')}`);
  if (!given.has('backend') && !Object.hasOwn(backends, options.backend)) options.backend = Object.keys(backends)[0];
  const trainer = Object.hasOwn(backends, options.backend) ? backends[options.backend] : undefined;
  for (const [key, value] of Object.entries(trainer?.defaults ?? {})) {
    if (!given.has(key)) (options as unknown as Record<string, unknown>)[key] = value;
  }
  if (!trainer)
    throw new Error(
      `--task ${options.task} has no --backend "${options.backend}": choose one of ${Object.keys(backends).join(', ')}`,
    );
  trainer.check?.(options);
  return trainer;
}

/**
 * Throw unless `dir` can hold the charts: a folder, or a path to create one at. Checked
 * before training, so a mistyped --out costs nothing and shows no stack trace.
 */
function checkOutDir(dir: string): void {
  let at = path.resolve(dir);
  if (fs.existsSync(at) && !fs.statSync(at).isDirectory())
    throw new Error(`--out ${dir} is a file; give a folder for the charts`);
  while (!fs.existsSync(at)) at = path.dirname(at);
  if (!fs.statSync(at).isDirectory()) throw new Error(`--out ${dir}: ${at} is a file, so the folder cannot be made`);
}

/** A text progress bar: `[#######-------]  47% epoch 470/1000 loss 0.1234 acc 96.0%`. */
export function progressLine(stats: EpochRecord, epochs: number, width = 24): string {
  const done = Math.round((width * stats.epoch) / epochs);
  const pct = String(Math.round((100 * stats.epoch) / epochs)).padStart(3);
  const epoch = Number.isInteger(stats.epoch) ? String(stats.epoch) : stats.epoch.toFixed(2);
  const acc = Number.isNaN(stats.accuracy) ? '' : ` acc ${(100 * stats.accuracy).toFixed(1)}%`;
  return `[${'#'.repeat(done)}${'-'.repeat(width - done)}] ${pct}% epoch ${epoch}/${epochs} loss ${stats.loss.toFixed(4)}${acc}`;
}

/**
 * Run the demo with these command-line arguments, writing progress to `log` (stdout by
 * default). Returns the exit code and, on success, the paths of the written files.
 */
export async function main(
  argv: string[],
  log: NodeJS.WritableStream = process.stdout,
): Promise<{ code: number; files: string[] }> {
  let options: DemoOptions;
  let trainer: DemoTrainer;
  try {
    const parsed = parseArgs(argv);
    if (parsed === 'help') {
      log.write(usage() + '\n');
      return { code: 0, files: [] };
    }
    options = parsed;
    trainer = trainerFor(options, argv);
    if (options.task === 'classify') getDataset(options.dataset); // a bad name fails here, before any training
    checkOutDir(options.out);
  } catch (e) {
    log.write(`demo: ${(e as Error).message}\n${usage()}\n`);
    return { code: 2, files: [] };
  }
  const tty = (log as NodeJS.WriteStream).isTTY === true;
  const every = Math.max(1, Math.floor(options.epochs / 10));
  const what =
    options.task === 'classify'
      ? `${options.dataset} (${options.n} points, hidden ${options.hidden}, `
      : options.task === 'sentiment'
        ? `${options.n} sentences of ${options.sst2 === '' ? 'the shipped sample' : options.sst2} (`
        : `${options.n} digits (`;
  log.write(
    `training --task ${options.task} --backend ${options.backend} on ${what}lr ${options.lr}, ${options.epochs} epochs, seed ${options.seed})\n`,
  );
  const start = Date.now();
  const { history, charts, summary } = await trainer.train(options, (stats) => {
    // On a terminal one line redraws itself; in a log file, a line every tenth of the run.
    if (tty) log.write(`\r${progressLine(stats, options.epochs)}`);
    else if (stats.epoch % every === 0 || stats.epoch === options.epochs)
      log.write(`${progressLine(stats, options.epochs)}\n`);
  });
  if (tty) log.write('\n');
  const seconds = (Date.now() - start) / 1000;
  const last = history[history.length - 1];
  log.write(
    `done in ${seconds.toFixed(1)} s: loss ${last.loss.toFixed(4)}, accuracy ${(100 * last.accuracy).toFixed(1)}%\n`,
  );
  for (const line of summary ?? []) log.write(`${line}\n`);
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
      // An exercise not written yet is one line, as in the notebooks, not a stack trace.
      const exercise = unfinishedExercise(e);
      console.error(exercise ? `demo: ${notDoneMessage(exercise)}` : `demo: ${e.stack ?? e.message}`);
      process.exitCode = 1;
    },
  );
}
