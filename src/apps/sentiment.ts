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
 * Parse GloVe's text format: one word per line followed by its vector's numbers, separated
 * by spaces. With `vocabulary`, keep only those words (GloVe files hold millions).
 */
export function parseGlove(text: string, options: { vocabulary?: Set<string>; source?: string } = {}): Embeddings {
  const source = options.source ?? 'GloVe data';
  const vectors = new Map<string, Float64Array>();
  let dims = -1;
  stripBom(text)
    .split(/\r?\n/)
    .forEach((line, k) => {
      if (line.trim() === '') return;
      const parts = line.trimEnd().split(' ');
      const word = parts[0];
      const where = `${source}: line ${k + 1} (${JSON.stringify(word)})`;
      if (parts.length === 1)
        throw new Error(`${where} has a word and no numbers; expected "<word> <number> <number> …"`);
      if (dims < 0) dims = parts.length - 1;
      if (parts.length - 1 !== dims) {
        const empty = parts.indexOf('', 1);
        if (empty > 0) throw new Error(`${where} has an empty value at position ${empty} (two spaces in a row?)`);
        throw new Error(`${where} has ${parts.length - 1} numbers, expected ${dims}`);
      }
      if (options.vocabulary && !options.vocabulary.has(word)) return;
      const bad = parts.findIndex((x, i) => i > 0 && !DECIMAL.test(x));
      if (bad > 0) {
        throw new Error(
          `${where} has a value that is not a number at position ${bad}: ${JSON.stringify(parts[bad])}${parts[bad] === '' ? ' (two spaces in a row?)' : ''}`,
        );
      }
      vectors.set(word, Float64Array.from(parts.slice(1), Number));
    });
  if (dims < 0) throw new Error(`${source}: no vectors found`);
  return { dims, vectors };
}

/** Lower-case words of a sentence (SST-2 is already tokenised by spaces). */
export function tokenize(sentence: string): string[] {
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
    // padding 'end': the course's convolution, as long as its input (PyTorch's layers default to 0).
    const layer = { backend: options.backend, rng: options.rng ?? new Random(0), padding: 'end' as const };
    this.conv1 = new Conv1d(embeddingDims, featureMaps, 3, layer);
    this.conv2 = new Conv1d(embeddingDims, featureMaps, 4, layer);
    this.conv3 = new Conv1d(embeddingDims, featureMaps, 5, layer);
    this.linear = new Linear(featureMaps, 1, layer);
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
export function loadSentimentFiles(paths: { train: string; validation: string; glove: string }): {
  train: SentimentExample[];
  validation: SentimentExample[];
  embeddings: Embeddings;
} {
  const train = parseSst2(platform.readText(paths.train), paths.train);
  const validation = parseSst2(platform.readText(paths.validation), paths.validation);
  const vocabulary = new Set([...train, ...validation].flatMap((e) => tokenize(e.sentence)));
  const embeddings = parseGlove(platform.readText(paths.glove), { vocabulary, source: paths.glove });
  return { train, validation, embeddings };
}
