/**
 * Module 4 — sentence sentiment with a 1-D convolutional network (Task 4.5), as MiniTorch's
 * Kim-style CNN: word vectors (GloVe) in, a probability that the sentence is positive out.
 *
 * The data files are large and not shipped: point the loaders at SST-2's TSV files and a
 * GloVe text file. The tests use tiny files of the same formats.
 *
 * @packageDocumentation
 */
import { platform } from '../platform';
import { noGrad } from '../autodiff';
import { BackendLike, getBackend } from '../backends/registry';
import { Conv1d, Linear } from '../layers';
import { binaryCrossEntropy } from '../losses';
import { Module } from '../module';
import * as nn from '../nn';
import { Adam } from '../optim';
import { Random } from '../random';
import { Tensor, fromFlat } from '../tensor';
import {
  checkFunction,
  checkInt,
  checkOptions,
  checkRange,
  checkString,
  describeValue,
  tooManyArguments,
} from '../validate';

/** One labelled sentence (label 1 = positive). */
export interface SentimentExample {
  sentence: string;
  label: number;
}

/**
 * Parse SST-2's TSV format: a header line `sentence<TAB>label`, then one sentence and its 0/1
 * label per line. Errors name the line.
 */
export function parseSst2(text: string, source = 'SST-2 data'): SentimentExample[] {
  checkString('parseSst2', 'text', text);
  // Files saved by some editors start with a byte-order mark; it is not part of the header.
  const lines = stripBom(text).split(/\r?\n/);
  const first = lines.findIndex((l) => l.trim() !== '');
  if (first < 0) throw new Error(`${source}: empty file`);
  const header = lines[first].split('\t');
  const si = header.indexOf('sentence');
  const li = header.indexOf('label');
  if (si < 0 || li < 0) {
    throw new Error(
      `${source}: line ${first + 1}: header must name the columns "sentence" and "label", got ${JSON.stringify(lines[first])}`,
    );
  }
  const examples: SentimentExample[] = [];
  lines.forEach((line, k) => {
    if (k <= first || line.trim() === '') return;
    const cols = line.split('\t');
    // Exactly "0" or "1": Number() would also take "", "0x1" and "1.0".
    const label = cols[li];
    if (cols.length !== header.length || (label !== '0' && label !== '1')) {
      throw new Error(`${source}: line ${k + 1} should be "<sentence>\\t<0 or 1>", got ${JSON.stringify(line)}`);
    }
    examples.push({ sentence: cols[si], label: Number(label) });
  });
  return examples;
}

/** The text without a leading byte-order mark. */
function stripBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/** A decimal number as GloVe writes it (Number() alone would also take "" and "0x1"). */
const DECIMAL = /^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i;

/** Word vectors by word, all of length `dims`. */
export interface Embeddings {
  dims: number;
  vectors: Map<string, Float64Array>;
}

/**
 * Reads GloVe's text format one line at a time (see `parseGlove`), so a file too large for
 * one string can be streamed through it.
 */
class GloveReader {
  private dims: number;
  private readonly vectors = new Map<string, Float64Array>();
  private lineNumber = 0;

  constructor(
    private readonly source: string,
    private readonly vocabulary?: Set<string>,
    dims?: number,
  ) {
    this.dims = dims ?? -1;
  }

  /** Take the next line of the file. */
  line(raw: string): void {
    this.lineNumber += 1;
    const line = (this.lineNumber === 1 ? stripBom(raw) : raw).trimEnd();
    if (line.trim() === '') return;
    // The first line tells how many numbers a vector has, unless the caller said so.
    if (this.dims < 0) this.dims = line.split(' ').length - 1;
    // The vector is the last `dims` fields and the word is all before them: glove.840B has
    // words with spaces. Found from the end without splitting, as most lines are skipped.
    let cut = line.length;
    for (let i = 0; i < this.dims && cut > 0; i++) cut = line.lastIndexOf(' ', cut - 1);
    if (cut <= 0 || this.dims === 0) this.tooShort(line);
    const word = line.slice(0, cut);
    if (this.vocabulary && !this.vocabulary.has(word)) return;
    const numbers = line.slice(cut + 1).split(' ');
    const bad = numbers.findIndex((x) => !DECIMAL.test(x));
    if (bad >= 0) {
      const position = word.split(' ').length + bad;
      const value = numbers[bad];
      throw new Error(
        value === ''
          ? `${this.where(word)} has an empty value at position ${position} (two spaces in a row?)`
          : `${this.where(word)} has a value that is not a number at position ${position}: ${JSON.stringify(value)}`,
      );
    }
    this.vectors.set(word, Float64Array.from(numbers, Number));
  }

  /** The vectors read so far. */
  result(): Embeddings {
    if (this.dims < 0) throw new Error(`${this.source}: no vectors found`);
    return { dims: this.dims, vectors: this.vectors };
  }

  /** Where a line is, for errors: `glove.txt: line 12 ("word")`. */
  private where(word: string): string {
    return `${this.source}: line ${this.lineNumber} (${JSON.stringify(word)})`;
  }

  /** A line with fewer fields than a word and `dims` numbers: say what it has. */
  private tooShort(line: string): never {
    const parts = line.split(' ');
    const where = this.where(parts[0]);
    if (parts.length === 1)
      throw new Error(`${where} has a word and no numbers; expected "<word> <number> <number> …"`);
    const empty = parts.indexOf('', 1);
    if (empty > 0) throw new Error(`${where} has an empty value at position ${empty} (two spaces in a row?)`);
    throw new Error(`${where} has ${parts.length - 1} numbers, expected ${this.dims}`);
  }
}

/** Options of the GloVe readers. */
export interface GloveOptions {
  /** Keep only these words (GloVe files hold millions); the others are skipped unchecked. */
  vocabulary?: Set<string>;
  /** Names the file in errors. */
  source?: string;
  /** Numbers per vector (default: those of the first line). */
  dims?: number;
}

/**
 * Parse GloVe's text format: one word per line followed by its vector's numbers, separated
 * by spaces. The vector is the last `dims` numbers of a line, the word the rest (it may hold
 * spaces). With `vocabulary`, keep only those words.
 */
export function parseGlove(text: string, options: GloveOptions = {}): Embeddings {
  if (arguments.length > 2) tooManyArguments('parseGlove', 2, arguments.length, 'text, options');
  checkString('parseGlove', 'text', text);
  checkOptions('parseGlove', options, ['vocabulary', 'source', 'dims']);
  const reader = new GloveReader(options.source ?? 'GloVe data', options.vocabulary, options.dims);
  for (const line of text.split('\n')) reader.line(line);
  return reader.result();
}

/**
 * Read a GloVe file line by line, keeping only `vocabulary`'s words: the 5 GB glove.840B file
 * would not fit in one string. `onProgress` hears the bytes read so far and the file's size.
 */
export function loadGlove(
  path: string,
  options: Omit<GloveOptions, 'source'> & { onProgress?: (bytes: number, total: number) => void } = {},
): Embeddings {
  if (arguments.length > 2) tooManyArguments('loadGlove', 2, arguments.length, 'path, options');
  checkString('loadGlove', 'path', path);
  checkOptions('loadGlove', options, ['vocabulary', 'dims', 'onProgress']);
  if (options.onProgress !== undefined) checkFunction('loadGlove', 'onProgress', options.onProgress);
  const reader = new GloveReader(path, options.vocabulary, options.dims);
  platform.readLines(path, (line) => reader.line(line), options.onProgress);
  return reader.result();
}

/** Lower-case words of a sentence (SST-2 is already tokenised by spaces). */
export function tokenize(sentence: string): string[] {
  checkString('tokenize', 'sentence', sentence);
  return sentence
    .toLowerCase()
    .split(/\s+/)
    .filter((w) => w !== '');
}

/**
 * Sentences as a [batch, dims, maxLength] tensor of word vectors (channels first, ready for
 * `conv1d`), padded with zeros; unknown words are zero vectors too.
 */
export function encodeSentences(
  examples: SentimentExample[],
  embeddings: Embeddings,
  maxLength: number,
  backend?: BackendLike,
): Tensor {
  if (arguments.length > 4)
    tooManyArguments('encodeSentences', 4, arguments.length, 'examples, embeddings, maxLength, backend');
  if (!Array.isArray(examples))
    throw new TypeError(`encodeSentences: examples must be an array, got ${describeValue(examples)}`);
  if (typeof embeddings !== 'object' || embeddings === null || !(embeddings.vectors instanceof Map)) {
    throw new TypeError(
      `encodeSentences: embeddings must be what parseGlove or loadGlove returns, got ${describeValue(embeddings)}`,
    );
  }
  if (!Number.isInteger(maxLength) || maxLength < 1) {
    throw new RangeError(
      `encodeSentences: maxLength must be a positive integer (words per sentence), got ${maxLength}`,
    );
  }
  const { dims, vectors } = embeddings;
  const values = new Float64Array(examples.length * dims * maxLength);
  examples.forEach((ex, b) => {
    tokenize(ex.sentence)
      .slice(0, maxLength)
      .forEach((word, t) => {
        const v = vectors.get(word);
        if (v) for (let d = 0; d < dims; d++) values[(b * dims + d) * maxLength + t] = v[d];
      });
  });
  return fromFlat(values, [examples.length, dims, maxLength], { backend });
}

/**
 * MiniTorch's sentiment CNN (after Kim, 2014): three conv1d filters of widths 3, 4 and 5 over
 * the word vectors, ReLU, max over time, summed, then a linear layer, dropout and a sigmoid.
 */
export class SentimentCNN extends Module {
  conv1: Conv1d;
  conv2: Conv1d;
  conv3: Conv1d;
  linear: Linear;

  constructor(
    readonly embeddingDims: number,
    readonly featureMaps = 100,
    readonly dropoutRate = 0.25,
    options: { backend?: BackendLike; rng?: Random } = {},
  ) {
    super();
    if (arguments.length > 4)
      tooManyArguments('SentimentCNN', 4, arguments.length, 'embeddingDims, featureMaps, dropoutRate, options');
    checkInt('SentimentCNN', 'embeddingDims', embeddingDims, 1);
    checkInt('SentimentCNN', 'featureMaps', featureMaps, 1);
    checkRange('SentimentCNN', 'dropoutRate', dropoutRate, 0, 1);
    checkOptions('SentimentCNN', options, ['backend', 'rng']);
    // padding 'end': the course's convolution, as long as its input (PyTorch's layers default to 0).
    const layer = { backend: options.backend, rng: options.rng ?? new Random(0), padding: 'end' as const };
    this.conv1 = new Conv1d(embeddingDims, featureMaps, 3, layer);
    this.conv2 = new Conv1d(embeddingDims, featureMaps, 4, layer);
    this.conv3 = new Conv1d(embeddingDims, featureMaps, 5, layer);
    this.linear = new Linear(featureMaps, 1, { backend: layer.backend, rng: layer.rng });
  }

  /** [batch, dims, length] → [batch] probabilities of "positive". */
  forward(x: Tensor, rng?: Random): Tensor {
    const batch = x.shape[0];
    // BEGIN SOLUTION 4.5
    const pooled = [this.conv1, this.conv2, this.conv3].map((conv) => nn.max(conv.forward(x).relu(), 2));
    const features = pooled[0].add(pooled[1]).add(pooled[2]).view(batch, this.featureMaps);
    const h = nn.dropout(this.linear.forward(features), this.dropoutRate, { ignore: !this.training, rng });
    return h.sigmoid().view(batch);
    // END SOLUTION
  }
}

/** Accuracy of the model on encoded sentences. */
export function sentimentAccuracy(model: SentimentCNN, x: Tensor, labels: number[]): number {
  model.eval();
  const p = noGrad(() => model.forward(x)).toFlatArray();
  model.train();
  return labels.filter((l, i) => (p[i] > 0.5 ? 1 : 0) === l).length / labels.length;
}

/** Options of `trainSentiment`. */
export interface SentimentTrainOptions {
  epochs?: number;
  batchSize?: number;
  lr?: number;
  maxLength?: number;
  featureMaps?: number;
  seed?: number;
  backend?: BackendLike;
  onEpoch?: (stats: { epoch: number; loss: number; trainAccuracy: number; validationAccuracy: number }) => void;
}

/** Throw unless `options` are `SentimentTrainOptions` of the right types. */
function checkSentimentTrainOptions(options: SentimentTrainOptions): void {
  const where = 'trainSentiment';
  checkOptions(where, options, ['epochs', 'batchSize', 'lr', 'maxLength', 'featureMaps', 'seed', 'backend', 'onEpoch']);
  for (const key of ['epochs', 'batchSize', 'maxLength', 'featureMaps'] as const) {
    if (options[key] !== undefined) checkInt(where, key, options[key], 1);
  }
  if (options.lr !== undefined) checkRange(where, 'lr', options.lr, 0);
  if (options.onEpoch !== undefined) checkFunction(where, 'onEpoch', options.onEpoch);
}

/** Train the sentiment CNN with Adam and binary cross-entropy. */
export function trainSentiment(
  train: SentimentExample[],
  validation: SentimentExample[],
  embeddings: Embeddings,
  options: SentimentTrainOptions = {},
): {
  model: SentimentCNN;
  history: Array<{ epoch: number; loss: number; trainAccuracy: number; validationAccuracy: number }>;
} {
  if (arguments.length > 4)
    tooManyArguments('trainSentiment', 4, arguments.length, 'train, validation, embeddings, options');
  checkSentimentTrainOptions(options);
  const backend = getBackend(options.backend ?? 'fast');
  const maxLength = options.maxLength ?? 52;
  const batchSize = options.batchSize ?? 10;
  const rng = new Random(options.seed ?? 0);
  const model = new SentimentCNN(embeddings.dims, options.featureMaps ?? 100, 0.25, { backend, rng });
  const optim = new Adam(model.parameters(), { lr: options.lr ?? 0.01 });
  const xTrain = encodeSentences(train, embeddings, maxLength, backend);
  const xVal = encodeSentences(validation, embeddings, maxLength, backend);
  const history: Array<{ epoch: number; loss: number; trainAccuracy: number; validationAccuracy: number }> = [];
  for (let epoch = 1; epoch <= (options.epochs ?? 10); epoch++) {
    let lossSum = 0;
    for (let start = 0; start < train.length; start += batchSize) {
      const batch = train.slice(start, start + batchSize);
      const x = encodeSentences(batch, embeddings, maxLength, backend);
      const y = fromFlat(
        batch.map((e) => e.label),
        [batch.length],
        { backend },
      );
      optim.zeroGrad();
      const loss = binaryCrossEntropy(model.forward(x, rng), y);
      loss.backward();
      optim.step();
      lossSum += loss.item() * batch.length;
    }
    const stats = {
      epoch,
      loss: lossSum / train.length,
      trainAccuracy: sentimentAccuracy(
        model,
        xTrain,
        train.map((e) => e.label),
      ),
      validationAccuracy: sentimentAccuracy(
        model,
        xVal,
        validation.map((e) => e.label),
      ),
    };
    history.push(stats);
    options.onEpoch?.(stats);
  }
  return { model, history };
}

/** Read SST-2 TSV files and the GloVe vectors of their words from disk. */
export function loadSentimentFiles(
  paths: { train: string; validation: string; glove: string },
  options: { onProgress?: (bytes: number, total: number) => void } = {},
): {
  train: SentimentExample[];
  validation: SentimentExample[];
  embeddings: Embeddings;
} {
  if (arguments.length > 2) tooManyArguments('loadSentimentFiles', 2, arguments.length, 'paths, options');
  if (typeof paths !== 'object' || paths === null) {
    throw new TypeError(
      `loadSentimentFiles: paths must be an object { train, validation, glove } of file paths, got ${describeValue(paths)}`,
    );
  }
  for (const key of ['train', 'validation', 'glove'] as const)
    checkString('loadSentimentFiles', `paths.${key}`, paths[key]);
  checkOptions('loadSentimentFiles', options, ['onProgress']);
  const train = parseSst2(platform.readText(paths.train), paths.train);
  const validation = parseSst2(platform.readText(paths.validation), paths.validation);
  const vocabulary = new Set([...train, ...validation].flatMap((e) => tokenize(e.sentence)));
  const embeddings = loadGlove(paths.glove, { vocabulary, onProgress: options.onProgress });
  return { train, validation, embeddings };
}
