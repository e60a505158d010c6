/**
 * Module 4's demos: a convolution stepper's numbers (the students' `conv2d`), LeNet trained on
 * MNIST in the tab with conv1's feature maps of one digit, the softmax of a drawn digit (from
 * the LeNet trained here, or PyTorch's network with the weights the project ships), and the
 * trained weights as safetensors.
 */
import { noGrad } from '../../src/autodiff';
import { getBackend } from '../../src/backends/registry';
import { tidy } from '../../src/lifetimes';
import type { ImageDataset } from '../../src/apps/mnist';
import { LeNet, evaluateImages, imageBatch, trainStep } from '../../src/apps/mnistTraining';
import { PyTorchMnistNet } from '../../src/apps/pytorchMnist';
import * as nn from '../../src/nn';
import { Adam } from '../../src/optim';
import { Random } from '../../src/random';
import * as safetensors from '../../src/safetensors';
import { Tensor, fromFlat } from '../../src/tensor';
import type { JobContext } from './context';

/** Conv stepper: a 7×7 input (a stroke), a 3×3 edge kernel, and their convolution without padding. */
export async function convolution(ctx: JobContext): Promise<unknown> {
  const kernelName = ctx.str('kernel', 'vertical');
  const kernels: Record<string, number[]> = {
    vertical: [1, 0, -1, 1, 0, -1, 1, 0, -1],
    horizontal: [1, 1, 1, 0, 0, 0, -1, -1, -1],
    blur: [1, 1, 1, 1, 1, 1, 1, 1, 1].map((v) => v / 9),
  };
  const kernel = kernels[kernelName];
  if (kernel === undefined)
    throw new RangeError(`kernel must be one of ${Object.keys(kernels).join(', ')}, got "${kernelName}"`);
  const input = Array.from({ length: 49 }, (_, i) => {
    const [r, c] = [Math.floor(i / 7), i % 7];
    return c === 3 || (r === 1 && c >= 2 && c <= 3) || (r === 5 && c >= 2 && c <= 4) ? 1 : 0;
  });
  const out = nn.conv2d(fromFlat(input, [1, 1, 7, 7]), fromFlat(kernel, [1, 1, 3, 3]), null, { padding: 0 });
  return { input, kernel, output: Array.from(out.toFlatArray()), size: 7, k: 3 };
}

/**
 * The digits the page was served (`mnist.bin.gz`: per digit a label and 784 bytes), fetched
 * once, only by this view, and unpacked here (a static host sends it as it is).
 */
let digits: Promise<Uint8Array> | null = null;

function mnistBytes(): Promise<Uint8Array> {
  digits ??= fetch('mnist.bin.gz').then(async (r) => {
    if (!r.ok || r.body === null) throw new Error(`mnist.bin.gz: the server answered ${r.status}`);
    const unpacked = new Response(r.body.pipeThrough(new DecompressionStream('gzip')));
    return new Uint8Array(await unpacked.arrayBuffer());
  });
  digits.catch(() => (digits = null)); // a failed fetch is tried again next time
  return digits;
}

/** `count` digits from `offset` of a seeded shuffle of all 10,000, as an `ImageDataset`. */
function slice(bytes: Uint8Array, order: number[], offset: number, count: number): ImageDataset {
  const images = new Float64Array(count * 784);
  const labels: number[] = [];
  for (let i = 0; i < count; i++) {
    const at = order[offset + i] * 785;
    labels.push(bytes[at]);
    for (let p = 0; p < 784; p++) images[i * 784 + p] = bytes[at + 1 + p] / 255;
  }
  return { images, labels, n: count, height: 28, width: 28 };
}

/** The LeNet trained last on this page (for draw-a-digit and the download). */
let trained: LeNet | null = null;

export async function mnistTraining(ctx: JobContext): Promise<unknown> {
  const n = ctx.num('n', 1000, { min: 32, max: 9000, integer: true });
  const testN = ctx.num('test', 500, { min: 10, max: 1000, integer: true });
  const epochs = ctx.num('epochs', 1, { min: 1, max: 20, integer: true });
  const batch = ctx.num('batch', 32, { min: 1, max: 256, integer: true });
  const lr = ctx.num('lr', 0.005, { min: 1e-6, max: 1 });
  const seed = ctx.num('seed', 1, { min: 0, integer: true });
  const bytes = await mnistBytes();
  const all = bytes.length / 785;
  if (n + testN > all) throw new RangeError(`n + test must be at most ${all}, got ${n + testN}`);
  const rng = new Random(seed);
  const order = Array.from({ length: all }, (_, i) => i);
  for (let i = all - 1; i > 0; i--) {
    const j = Math.floor(rng.next() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  const train = slice(bytes, order, 0, n);
  const test = slice(bytes, order, n, testN);
  const backend = getBackend(ctx.backend);
  const model = new LeNet({ backend, rng: new Random(seed) });
  const optim = new Adam(model.parameters(), { lr });
  const [probe] = imageBatch(test, 0, 1, backend);
  const maps = () => ({ maps: tidy(() => Array.from(noGrad(() => model.conv1.forward(probe)).toFlatArray())) });
  ctx.emit({ probe: Array.from(test.images.subarray(0, 784)), probeLabel: test.labels[0], ...maps(), step: 0 });
  let step = 0;
  let drawn = 0;
  for (let epoch = 1; epoch <= epochs; epoch++) {
    for (let start = 0; start < n; start += batch) {
      await ctx.turn();
      const begin = performance.now();
      // In tidy, as trainMnist runs it: the step's tensors are released when it ends.
      const value = tidy(() => {
        const [x, labels] = imageBatch(train, start, Math.min(n, start + batch), backend);
        return trainStep(model, optim, x, labels).loss.item();
      });
      step += 1;
      const now = performance.now();
      const draw = now - drawn > 250 || !ctx.isPlaying;
      if (draw) drawn = now;
      ctx.emit({
        step,
        epoch,
        seen: Math.min(n, start + batch),
        loss: value,
        ms: now - begin,
        ...(draw ? maps() : {}),
      });
    }
  }
  const { accuracy } = evaluateImages(model, test, { backend });
  trained = model;
  ctx.emit({ ...maps(), accuracy });
  return { accuracy };
}

let pytorch: Promise<PyTorchMnistNet> | null = null;

/** PyTorch's network with the weights the project ships (tests/fixtures), loaded once. */
function pytorchNet(): Promise<PyTorchMnistNet> {
  pytorch ??= fetch('pytorch_mnist_net.safetensors').then(async (r) => {
    if (!r.ok) throw new Error(`pytorch_mnist_net.safetensors: the server answered ${r.status}`);
    const net = new PyTorchMnistNet();
    net.loadStateDict(safetensors.deserialize(new Uint8Array(await r.arrayBuffer())).tensors);
    return net.eval();
  });
  return pytorch;
}

/** The softmax of a drawn digit (`pixels`: 784 values 0–255, comma-separated). */
export async function predictDigit(ctx: JobContext): Promise<unknown> {
  const pixels = ctx.str('pixels', '').split(',').map(Number);
  if (pixels.length !== 784 || pixels.some((p) => !(p >= 0 && p <= 255)))
    throw new RangeError(`pixels must be 784 values from 0 to 255, got ${pixels.length}`);
  const which = ctx.str('model', trained !== null ? 'trained' : 'pytorch');
  let logProbs: Tensor;
  if (which === 'trained' && trained !== null) {
    const model = trained.eval();
    logProbs = noGrad(() =>
      model.forward(
        fromFlat(
          pixels.map((p) => p / 255),
          [1, 1, 28, 28],
        ),
      ),
    );
    model.train();
  } else {
    const net = await pytorchNet();
    // PyTorch's example normalises with MNIST's mean and standard deviation.
    logProbs = noGrad(() =>
      net.forward(
        fromFlat(
          pixels.map((p) => (p / 255 - 0.1307) / 0.3081),
          [1, 1, 28, 28],
        ),
      ),
    );
  }
  return {
    model: which === 'trained' && trained !== null ? 'trained here' : 'PyTorch weights',
    probs: Array.from(logProbs.exp().toFlatArray()),
  };
}

/** The LeNet trained here as safetensors bytes (for a download). */
export async function trainedWeights(): Promise<unknown> {
  if (trained === null) throw new Error('train the network first (Play), then download its weights');
  return { bytes: safetensors.serialize(trained.stateDict()) };
}
