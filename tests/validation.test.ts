/**
 * Every public function checks what it is given: a wrong type, a bad number, an unknown
 * option or an extra positional argument (a PyTorch-style call from plain JavaScript, where no
 * compiler catches it) is an error naming the function and the argument, thrown before any
 * work, so none of these reach an exercise and the tests name no task.
 */
import { expect } from 'chai';
import * as vm from 'vm';
import * as mt from '../src';
import { encodeSentences, loadGlove, parseGlove, trainSentiment } from '../src/apps/sentiment';
import {
  checkInt,
  checkOptions,
  checkPositive,
  checkRange,
  checkSizePair,
  describeValue,
  tooManyArguments,
} from '../src/validate';

/** Call `f` with JavaScript's freedom: any arguments, as an untyped caller would. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the point is calling without types
type Loose = any;

const x: Loose = mt.tensor([
  [1, 2],
  [3, 4],
]);
const image: Loose = mt.zeros([1, 1, 4, 4]);
const kernel: Loose = mt.zeros([1, 1, 2, 2]);
const m: Loose = mt;
const param = () => [new mt.Parameter(mt.tensor([1]))];
const emb = parseGlove('good 1 2');
const graph = mt.datasets.simple(4);

/**
 * [the call as a user writes it, the call, what the message must say]. Each message names the
 * function and the argument or option; the table is the sweep of `src/index.ts`'s exports.
 */
const BAD_CALLS: Array<[string, () => unknown, RegExp]> = [
  // Modules 0-1
  ['scalar("1")', () => m.scalar('1'), /Scalar: value must be a number, got the string "1"/],
  [
    'centralDifference(f, [1], {eps: 1e-3})',
    () => m.centralDifference((a: number) => a, [1], { eps: 1e-3 }),
    /centralDifference: unknown option "eps" \(it takes arg, epsilon\)/,
  ],
  [
    'centralDifference(f, 1)',
    () => m.centralDifference((a: number) => a, 1),
    /centralDifference: vals must be an array of numbers, got number 1/,
  ],
  ['noGrad(5)', () => m.noGrad(5), /noGrad: fn must be a function, got number 5/],
  // Creation
  ['arange(1, 11, {dtype})', () => m.arange(1, 11, { dtype: 'int64' }), /arange: unknown option "dtype"/],
  ['arange(-1)', () => m.arange(-1), /arange: end -1 cannot be reached from start 0 with step 1/],
  ['arange(0, 1, 0)', () => m.arange(0, 1, 0), /arange: step must not be 0/],
  ['arange(3, {}, 1)', () => m.arange(3, {}, 1), /arange: expected \(end\), \(start, end\) or \(start, end, step\)/],
  [
    'tensor([1], {requires_grad: true})',
    () => m.tensor([1], { requires_grad: true }),
    /tensor: unknown option "requires_grad" \(it takes backend, requiresGrad\)/,
  ],
  [
    'tensor([1], {requiresGrad: 1})',
    () => m.tensor([1], { requiresGrad: 1 }),
    /tensor: requiresGrad must be true or false, got number 1/,
  ],
  ['tensor([1], {dtype})', () => m.tensor([1], { dtype: 'float64' }), /tensor: unknown option "dtype"/],
  ['tensor([1], {}, 2)', () => m.tensor([1], {}, 2), /tensor: takes at most 2 arguments/],
  ['zeros([2], {dtype})', () => m.zeros([2], { dtype: 'float32' }), /zeros: unknown option "dtype"/],
  ['linspace(0, 1, 5, {dtype})', () => m.linspace(0, 1, 5, { dtype: 'float32' }), /linspace: unknown option "dtype"/],
  ['ones(2, 3)', () => m.ones(2, 3), /ones: shape must be an array of sizes such as \[2, 3\], got number 2/],
  ['full([2], "1")', () => m.full([2], '1'), /full: value must be a number, got the string "1"/],
  ['fromFlat({}, [1])', () => m.fromFlat({}, [1]), /fromFlat: values must be an array of numbers, got an object/],
  ['rand([2], {rng: 5})', () => m.rand([2], { rng: 5 }), /rand: rng must be a Random, got number 5/],
  [
    'randn([2], {generator})',
    () => m.randn([2], { generator: 1 }),
    /randn: unknown option "generator" \(it takes backend, requiresGrad, seed, rng\)/,
  ],
  ['rand([2], {seed: "1"})', () => m.rand([2], { seed: '1' }), /Random: seed must be an integer, got the string "1"/],
  [
    'zeros([2], {backend: 3})',
    () => m.zeros([2], { backend: 3 }),
    /backend must be a name \(simple, fast, gpu\) or a backend object, got number 3/,
  ],
  ['where(1, x, x)', () => m.where(1, x, x), /where: condition must be a Tensor, got number 1/],
  ['where(c, x, "0")', () => m.where(x, x, '0'), /where: other must be a Tensor or a number, got the string "0"/],
  ['cat(x, x)', () => m.cat(x, x), /cat: tensors must be an array of Tensors, got a Tensor/],
  ['cat([x, 1])', () => m.cat([x, 1]), /cat: tensors\[1\] must be a Tensor, got number 1/],
  ['stack([x], 0, 1)', () => m.stack([x], 0, 1), /stack: takes at most 2 arguments/],
  ['cat([x], 2)', () => m.cat([x], 2), /cat: dim 2 is out of range for shape \[2, 2\]/],
  ['tensor(null)', () => m.tensor(null), /tensor: values is not a number or nested arrays of numbers, got null/],
  ['tensor([1, "2"])', () => m.tensor([1, '2']), /tensor: element at \[1\] is not a number .*got the string "2"/],
  ['sumTo(x, 2)', () => m.sumTo(x, 2), /sumTo: shape must be an array of sizes/],
  ['new Random(1).int(0)', () => new mt.Random(1).int(0), /Random\.int: n must be an integer >= 1, got number 0/],
  ['new Random(1).uniform("a")', () => new m.Random(1).uniform('a'), /Random\.uniform: lo and hi must be numbers/],
  // Tensor methods
  ['x.sum(0, true, 1)', () => x.sum(0, true, 1), /sum: takes at most 2 arguments \(dim, keepdim\), got 3/],
  ['x.sum(0, 1)', () => x.sum(0, 1), /sum: keepdim must be true or false, got number 1/],
  ['x.sum(1.5)', () => x.sum(1.5), /sum: dim must be an integer, got number 1\.5/],
  ['x.mean(2)', () => x.mean(2), /mean: dim 2 is out of range for shape \[2, 2\] \(2 dims\)/],
  ['x.amax({dim: 1})', () => x.amax({ dim: 1 }), /amax: dim must be an integer, got an object/],
  ['x.prod([0, 1])', () => x.prod([0, 1]), /prod: dim must be one integer/],
  ['x.max(0, "yes")', () => x.max(0, 'yes'), /max: keepdim must be true or false, got the string "yes"/],
  ['x.argmin(0, false, 1)', () => x.argmin(0, false, 1), /argmin: takes at most 2 arguments/],
  ['x.logsumexp()', () => x.logsumexp(), /logsumexp: dim is required/],
  [
    'x.var(1, false)',
    () => x.var(1, false),
    /var: options must be an object such as \{ correction: … \}, got boolean false/,
  ],
  [
    'x.std(0, {unbiased: false})',
    () => x.std(0, { unbiased: false }),
    /std: unknown option "unbiased" \(it takes correction, keepdim\)/,
  ],
  [
    'x.var(0, {correction: "1"})',
    () => x.var(0, { correction: '1' }),
    /var: correction must be a number, got the string "1"/,
  ],
  ['x.add(x, {alpha: 2})', () => x.add(x, { alpha: 2 }), /add: takes at most 1 argument \(other\), got 2/],
  ['x.sub(x, 2)', () => x.sub(x, 2), /sub: takes at most 1 argument/],
  ['x.div(x, {rounding_mode})', () => x.div(x, { rounding_mode: 'floor' }), /div: takes at most 1 argument/],
  ['x.mul("2")', () => x.mul('2'), /mul: other must be a Tensor or a number, got the string "2"/],
  ['x.lt(null)', () => x.lt(null), /lt: other must be a Tensor or a number, got null/],
  ['x.ge([1])', () => x.ge([1]), /ge: other must be a Tensor or a number, got an array/],
  ['x.pow(2, 3)', () => x.pow(2, 3), /pow: takes at most 1 argument \(exponent\)/],
  ['x.clamp({min: 0})', () => x.clamp({ min: 0 }), /clamp: min must be a number, got an object/],
  ['x.clamp(0, "1")', () => x.clamp(0, '1'), /clamp: max must be a number, got the string "1"/],
  ['x.transpose(0, 2)', () => x.transpose(0, 2), /transpose: dim 2 is out of range/],
  ['x.squeeze(0, 1)', () => x.squeeze(0, 1), /squeeze: takes at most 1 argument \(dim\), got 2/],
  ['x.unsqueeze()', () => x.unsqueeze(), /unsqueeze: dim must be an integer, got undefined/],
  ['x.flatten(0.5)', () => x.flatten(0.5), /flatten: dim must be an integer, got number 0\.5/],
  [
    'x.indexSelect(0, tensor)',
    () => x.indexSelect(0, mt.tensor([0])),
    /indexSelect: indices must be an array of integers, got a Tensor/,
  ],
  ['x.narrow(0, 0, 1, 1)', () => x.narrow(0, 0, 1, 1), /narrow: takes at most 3 arguments/],
  ['x.expand("2", 2)', () => x.expand('2', 2), /expand: shape \[2, 2\] has an invalid dimension the string "2"/],
  ['x.matmul([1, 2])', () => x.matmul([1, 2]), /matmul: other must be a Tensor, got an array/],
  ['x.takeAlong(1, [0])', () => x.takeAlong(1, [0]), /takeAlong: index must be a Tensor, got an array/],
  ['x.view(-1, 3)', () => x.view(-1, 3), /view: shape \[-1, 3\] cannot hold the 4 elements/],
  ['x.get([0, 0], 1)', () => x.get([0, 0], 1), /get: takes at most 1 argument/],
  [
    'x.set([0, 0], "a")',
    () => mt.zeros([2, 2]).set([0, 0], 'a' as Loose),
    /set: values must be numbers, got the string "a"/,
  ],
  [
    'x.requiresGrad_(1)',
    () => mt.zeros([1]).requiresGrad_(1 as Loose),
    /requiresGrad_: flag must be true or false, got number 1/,
  ],
  ['x.to("cuda")', () => x.to('cuda'), /unknown backend "cuda" \(expected one of: simple, fast, gpu\)/],
  ['x.to("fast", true)', () => x.to('fast', true), /to: takes at most 1 argument \(backend\)/],
  [
    'x.backward(g, true)',
    () => x.backward(x, true),
    /backward: options must be an object such as \{ retainGraph: true \}, got boolean true/,
  ],
  ['x.view("2", 2)', () => x.view('2', 2), /view: shape \[2, 2\] has an invalid dimension the string "2"/],
  // nn functions
  [
    'nn.conv2d(x, w, null, {dilations: 2})',
    () => m.nn.conv2d(image, kernel, null, { dilations: 2 }),
    /conv2d: unknown option "dilations" \(it takes stride, padding, dilation, groups\)/,
  ],
  [
    'nn.conv2d(x, w, {stride: 1})',
    () => m.nn.conv2d(image, kernel, { stride: 1 }),
    /conv2d: bias must be a Tensor, got an object/,
  ],
  ['nn.conv2d(x, w, null, {}, 1)', () => m.nn.conv2d(image, kernel, null, {}, 1), /conv2d: takes at most 4 arguments/],
  ['nn.conv1d([1], w)', () => m.nn.conv1d([1], kernel), /conv1d: input must be a Tensor, got an array/],
  [
    'nn.conv2d(x, w, null, {stride: 0})',
    () => m.nn.conv2d(image, kernel, null, { stride: 0 }),
    /conv2d: stride must be an integer >= 1/,
  ],
  [
    'nn.maxpool2d(x, 2, {ceil_mode: true})',
    () => m.nn.maxpool2d(image, 2, { ceil_mode: true }),
    /maxpool2d: unknown option "ceil_mode" \(it takes stride, padding\)/,
  ],
  [
    'nn.maxpool2d(x, 2, 1)',
    () => m.nn.maxpool2d(image, 2, 1),
    /maxpool2d: options must be an object such as \{ stride: … \}, got number 1/,
  ],
  [
    'nn.avgpool2d(x, 0)',
    () => m.nn.avgpool2d(image, 0),
    /avgpool2d: kernel must be a positive integer or \[height, width\] of them, got number 0/,
  ],
  [
    'nn.avgpool2d(x, 2, {stride: [1]})',
    () => m.nn.avgpool2d(image, 2, { stride: [1] }),
    /avgpool2d: stride must be a positive integer or \[height, width\] of them, got \[1\]/,
  ],
  ['nn.softmax(x)', () => m.nn.softmax(x), /softmax: dim must be an integer, got undefined/],
  ['nn.logsoftmax(x, 1, 3)', () => m.nn.logsoftmax(x, 1, 3), /logsoftmax: takes at most 2 arguments \(input, dim\)/],
  ['nn.softmax([1], 0)', () => m.nn.softmax([1], 0), /softmax: input must be a Tensor, got an array/],
  ['nn.max(x, 5)', () => m.nn.max(x, 5), /max: dim 5 is out of range/],
  ['nn.argmax(x, "0")', () => m.nn.argmax(x, '0'), /argmax: dim must be an integer, got the string "0"/],
  [
    'nn.dropout(x, "0.5")',
    () => m.nn.dropout(x, '0.5'),
    /dropout: rate must be a number in \[0, 1\], got the string "0\.5"/,
  ],
  [
    'nn.dropout(x, 0.5, {training: true})',
    () => m.nn.dropout(x, 0.5, { training: true }),
    /dropout: unknown option "training" \(it takes ignore, rng\)/,
  ],
  [
    'nn.dropout(x, 0.5, {ignore: 1})',
    () => m.nn.dropout(x, 0.5, { ignore: 1 }),
    /dropout: ignore must be true or false/,
  ],
  // Layers
  [
    'new Linear(4, 3, false)',
    () => new m.Linear(4, 3, false),
    /Linear: options must be an object such as \{ backend: … \}, got boolean false/,
  ],
  ['new Linear(-1, 3)', () => new m.Linear(-1, 3), /Linear: inFeatures must be an integer >= 0, got number -1/],
  ['new Linear("4", 3)', () => new m.Linear('4', 3), /Linear: inFeatures must be an integer >= 0, got the string "4"/],
  ['new Linear(4)', () => new m.Linear(4), /Linear: outFeatures must be an integer >= 0, got undefined/],
  [
    'new Linear(4, 3, {bias: 0})',
    () => new m.Linear(4, 3, { bias: 0 }),
    /Linear: bias must be true or false, got number 0/,
  ],
  ['new Linear(4, 3, {rng: 1})', () => new m.Linear(4, 3, { rng: 1 }), /Linear: rng must be a Random/],
  [
    'new Conv2d(1, 2, 3, 1, 1)',
    () => new m.Conv2d(1, 2, 3, 1, 1),
    /Conv2d: takes at most 4 arguments \(inChannels, outChannels, kernel, options\), got 5/,
  ],
  [
    'new Conv2d(1, 2, 3, {padding_mode})',
    () => new m.Conv2d(1, 2, 3, { padding_mode: 'zeros' }),
    /Conv2d: unknown option "padding_mode" \(it takes backend, rng, bias, stride, padding, dilation, groups\)/,
  ],
  ['new Conv1d(0, 2, 3)', () => new m.Conv1d(0, 2, 3), /Conv1d: inChannels must be an integer >= 1, got number 0/],
  [
    'new Conv2d(1, 2)',
    () => new m.Conv2d(1, 2),
    /Conv2d: kernel size must be a positive integer or 2 of them, got undefined/,
  ],
  [
    'new MaxPool2d(2, 2, 0, 1)',
    () => new m.MaxPool2d(2, 2, 0, 1),
    /MaxPool2d: takes at most 3 arguments \(kernel, stride, padding\)/,
  ],
  ['new AvgPool2d(0)', () => new m.AvgPool2d(0), /AvgPool2d: kernel must be a positive integer/],
  [
    'new Dropout({p: 0.5})',
    () => new m.Dropout({ p: 0.5 }),
    /Dropout: rate must be a number in \[0, 1\], got an object/,
  ],
  [
    'new Dropout(0.5, {inplace})',
    () => new m.Dropout(0.5, { inplace: true }),
    /Dropout: unknown option "inplace" \(it takes rng\)/,
  ],
  ['new Flatten("1")', () => new m.Flatten('1'), /Flatten: startDim must be an integer dim/],
  [
    'new Sequential(relu, fn)',
    () => new m.Sequential(new mt.ReLU(), (t: unknown) => t),
    /Sequential: layer 1 must be a Module with a forward method, got a function/,
  ],
  ['new MLP(3)', () => new m.MLP(3), /MLP: sizes must be an array of layer sizes such as \[2, 10, 1\], got number 3/],
  ['new MLP([2, 1], {hidden: 3})', () => new m.MLP([2, 1], { hidden: 3 }), /MLP: unknown option "hidden"/],
  [
    'new LeNet({classes: 0})',
    () => new m.LeNet({ classes: 0 }),
    /LeNet: classes must be an integer >= 1, got number 0/,
  ],
  [
    'model.loadStateDict(sd, false)',
    () => new m.Linear(1, 1).loadStateDict({}, false),
    /loadStateDict: options must be an object such as \{ strict: … \}, got boolean false/,
  ],
  [
    'model.loadStateDict(sd, {strict: "no"})',
    () => new m.Linear(1, 1).loadStateDict({}, { strict: 'no' }),
    /loadStateDict: strict must be true or false/,
  ],
  [
    'new Linear(2, 2).forward([1, 2])',
    () => new m.Linear(2, 2).forward([1, 2]),
    /Linear\.forward: x must be a Tensor, got an array/,
  ],
  [
    'new Sequential(new ReLU()).forward(1)',
    () => new m.Sequential(new mt.ReLU()).forward(1),
    /ReLU\.forward: x must be a Tensor, got number 1/,
  ],
  // Losses
  [
    'nllLoss(x, y, {weight})',
    () => m.nllLoss(x, [0, 1], { weight: [1, 2] }),
    /nllLoss: unknown option "weight" \(it takes reduction, ignoreIndex\)/,
  ],
  [
    'mseLoss(x, y, {reduction: "sum"}, 1)',
    () => m.mseLoss(x, x, { reduction: 'sum' }, 1),
    /mseLoss: takes at most 3 arguments/,
  ],
  ['l1Loss(x, [1])', () => m.l1Loss(x, [1]), /l1Loss: target must be a Tensor, got an array/],
  [
    'smoothL1Loss(x, y, {delta})',
    () => m.smoothL1Loss(x, x, { delta: 1 }),
    /smoothL1Loss: unknown option "delta" \(it takes reduction, beta\)/,
  ],
  ['new PyTorchMnistNet(1)', () => new m.PyTorchMnistNet(1), /PyTorchMnistNet: takes at most 0 arguments/],
  ['new NLLLoss({}, 1)', () => new m.NLLLoss({}, 1), /NLLLoss: takes at most 1 argument \(options\), got 2/],
  [
    'new BCELoss(null)',
    () => new m.BCELoss(null),
    /BCELoss: options must be an object such as \{ reduction: … \}, got null/,
  ],
  [
    'nllLoss(x, [0.5, 1])',
    () => m.nllLoss(x, [0.5, 1]),
    /nllLoss: labels: number 0\.5 at position 0 is not a class in 0\.\.1/,
  ],
  ['crossEntropy([1], [0])', () => m.crossEntropy([1], [0]), /crossEntropy: logits must be a Tensor, got an array/],
  [
    'binaryCrossEntropy(p, [1])',
    () => m.binaryCrossEntropy(x, [1]),
    /binaryCrossEntropy: y must be a Tensor, got an array/,
  ],
  ['oneHot([0], 0)', () => m.oneHot([0], 0), /oneHot: classes must be an integer >= 1, got number 0/],
  ['oneHot(3, 2)', () => m.oneHot(3, 2), /oneHot: labels must be an array of integers, got number 3/],
  // Optimizers
  [
    'new SGD(ps, 0.1)',
    () => new m.SGD(param(), 0.1),
    /SGD: options must be an object such as \{ lr: … \}, got number 0\.1/,
  ],
  [
    'new SGD(ps, {weight_decay})',
    () => new m.SGD(param(), { lr: 0.1, weight_decay: 1 }),
    /SGD: unknown option "weight_decay" \(it takes lr, momentum, dampening, weightDecay, nesterov\)/,
  ],
  ['new SGD(ps, {}, 1)', () => new m.SGD(param(), {}, 1), /SGD: takes at most 2 arguments \(params, options\)/],
  [
    'new Adam(ps, {betas: 0.9})',
    () => new m.Adam(param(), { betas: 0.9 }),
    /Adam: betas must be two numbers \[beta1, beta2\], got number 0\.9/,
  ],
  [
    'new Adam(ps, {amsgrad: true})',
    () => new m.Adam(param(), { amsgrad: true }),
    /Adam: unknown option "amsgrad" \(it takes lr, betas, eps, weightDecay\)/,
  ],
  // safetensors
  [
    'safetensors.serialize(model)',
    () => m.safetensors.serialize(new mt.Linear(1, 1)),
    /safetensors\.serialize: tensors must be an object of tensors by name \(model\.stateDict\(\)\), got a Linear module/,
  ],
  [
    'safetensors.serialize(sd, {dtype, shape})',
    () => m.safetensors.serialize({}, { format: 'pt' }),
    /safetensors\.serialize: unknown option "format" \(it takes dtype, metadata\)/,
  ],
  [
    'safetensors.deserialize("file")',
    () => m.safetensors.deserialize('model.safetensors'),
    /safetensors\.deserialize: bytes must be a Uint8Array \(a Buffer\), got the string "model\.safetensors"/,
  ],
  [
    'safetensors.load(path, {device})',
    () => m.safetensors.load('x.safetensors', { device: 'cpu' }),
    /safetensors\.load: unknown option "device" \(it takes backend, requiresGrad\)/,
  ],
  ['safetensors.save(sd)', () => m.safetensors.save({}), /safetensors\.save: path must be a string, got an object/],
  // Data sets and the course's programs
  [
    'datasets.xor("10")',
    () => m.datasets.xor('10'),
    /datasets\.xor: n must be a positive integer number of points, got the string "10"/,
  ],
  [
    'mnist.loadMnist({train: 10, shuffle: true})',
    () => m.mnist.loadMnist({ train: 10, shuffle: true }),
    /loadMnist: unknown option "shuffle" \(it takes train, test, seed\)/,
  ],
  [
    'mnist.loadIdxDataset(1, "b")',
    () => m.mnist.loadIdxDataset(1, 'b'),
    /loadIdxDataset: imagesPath must be a string, got number 1/,
  ],
  [
    'sentiment.parseGlove(text, {dim: 2})',
    () => m.sentiment.parseGlove('good 1 2', { dim: 2 }),
    /parseGlove: unknown option "dim" \(it takes vocabulary, source, dims\)/,
  ],
  [
    'sentiment.loadGlove(p, {onProgress: 1})',
    () => (loadGlove as Loose)('g.txt', { onProgress: 1 }),
    /loadGlove: onProgress must be a function, got number 1/,
  ],
  [
    'encodeSentences(ex, {}, 4)',
    () => (encodeSentences as Loose)([], {}, 4),
    /encodeSentences: embeddings must be what parseGlove or loadGlove returns, got an object/,
  ],
  [
    'encodeSentences(ex, emb, 4, "fast", 1)',
    () => (encodeSentences as Loose)([], emb, 4, 'fast', 1),
    /encodeSentences: takes at most 4 arguments/,
  ],
  [
    'trainSentiment(t, v, emb, {epoch: 1})',
    () => (trainSentiment as Loose)([], [], emb, { epoch: 1 }),
    /trainSentiment: unknown option "epoch"/,
  ],
  [
    'trainSentiment(t, v, emb, {batchSize: 0})',
    () => (trainSentiment as Loose)([], [], emb, { batchSize: 0 }),
    /trainSentiment: batchSize must be an integer >= 1, got number 0/,
  ],
  [
    'sentiment.SentimentCNN(50, 100, 2)',
    () => new m.sentiment.SentimentCNN(50, 100, 2),
    /SentimentCNN: dropoutRate must be a number in \[0, 1\], got number 2/,
  ],
  [
    'trainTensor(data, {hiden: 3})',
    () => m.trainTensor(graph, { hiden: 3 }),
    /trainTensor: unknown option "hiden" \(it takes hidden, lr, epochs, seed, backend, onEpoch\)/,
  ],
  [
    'trainScalar(data, {lr: "0.1"})',
    () => m.trainScalar(graph, { lr: '0.1' }),
    /trainScalar: lr must be a positive number, got the string "0\.1"/,
  ],
  ['trainScalar(data, {}, 1)', () => m.trainScalar(graph, {}, 1), /trainScalar: takes at most 2 arguments/],
  [
    'compareBackends(data, ["fast"], {backend})',
    () => m.compareBackends(graph, ['fast'], { batch: 1 }),
    /compareBackends: unknown option "batch"/,
  ],
  [
    'trainMnist(tr, te, {epochs: 0})',
    () => m.trainMnist({}, {}, { epochs: 0 }),
    /trainMnist: epochs must be an integer >= 1, got number 0/,
  ],
  [
    'evaluateImages(model, data, {batch})',
    () => m.evaluateImages({}, {}, { batch: 5 }),
    /evaluateImages: unknown option "batch" \(it takes batchSize, backend\)/,
  ],
  [
    'mnist.parseIdx("x")',
    () => m.mnist.parseIdx('x'),
    /parseIdx: bytes must be a Uint8Array \(a Buffer\), got the string "x"/,
  ],
  ['sentiment.parseSst2(5)', () => m.sentiment.parseSst2(5), /parseSst2: text must be a string, got number 5/],
  ['sentiment.tokenize(5)', () => m.sentiment.tokenize(5), /tokenize: sentence must be a string, got number 5/],
  [
    'imageBatch(data, 0, "2")',
    () => m.imageBatch({ n: 1 }, 0, '2'),
    /imageBatch: end must be an integer >= 0, got the string "2"/,
  ],
  [
    'imageBatch(data, 0, 5)',
    () => m.imageBatch({ n: 1 }, 0, 5),
    /imageBatch: end 5 is past the 1 images of the data set/,
  ],
  ['predictClasses([1])', () => m.predictClasses([1]), /predictClasses: logProbs must be a Tensor, got an array/],
  // Pictures
  [
    'viz.lineChart(rows)',
    () => m.viz.lineChart([{ a: 1 }]),
    /lineChart: options must be an object such as \{ x: … \}, got undefined/,
  ],
  [
    'viz.lineChart(rows, {x, y, colour})',
    () => m.viz.lineChart([{ a: 1, b: 2 }], { x: 'a', y: 'b', colour: 'c' }),
    /lineChart: unknown option "colour" \(it takes x, y, color, title, width, height\)/,
  ],
  [
    'viz.heatmap(rows, {x, y, value, colorScheme})',
    () => m.viz.heatmap([], { x: 'a', y: 'b', value: 'c', colorScheme: 'x' }),
    /heatmap: unknown option "colorScheme"/,
  ],
  [
    'viz.show(spec, {file})',
    () => m.viz.show({}, { file: 'a.svg' }),
    /show: unknown option "file" \(it takes name, outDir\)/,
  ],
  ['viz.liveDisplay({dir})', () => m.viz.liveDisplay({ dir: 'out' }), /liveDisplay: unknown option "dir"/],
  [
    'viz.graphToDot(y, {direction})',
    () => m.viz.graphToDot(mt.scalar(1), { direction: 'LR' }),
    /graphToDot: unknown option "direction" \(it takes describe, rankdir, fold\)/,
  ],
  [
    'viz.stridesChart(layout, {cellSize})',
    () => m.viz.stridesChart({}, { cellSize: 3 }),
    /stridesChart: unknown option "cellSize" \(it takes title, cell\)/,
  ],
  [
    'viz.fastestRun(f, {repeat: 3})',
    () => m.viz.fastestRun(() => undefined, { repeat: 3 }),
    /fastestRun: unknown option "repeat" \(it takes warmup, runs, budgetMs\)/,
  ],
  [
    'viz.lossChart(h, {xTitle})',
    () => m.viz.lossChart([], { xTitle: 'epoch' }),
    /lossChart: unknown option "xTitle" \(it takes title, width, height, resolution\)/,
  ],
  [
    'new viz.TrainingDisplay(data, {every: 5, out})',
    () => new m.viz.TrainingDisplay(graph, { every: 5, out: 'x' }),
    /TrainingDisplay: unknown option "out"/,
  ],
  [
    'viz.imageGrid(items)',
    () => m.viz.imageGrid([]),
    /imageGrid: options must be an object such as \{ height: … \}, got undefined/,
  ],
  [
    'viz.heatmapPng(v, 1, 1, {colors})',
    () => m.viz.heatmapPng([0], 1, 1, { colors: 'x' }),
    /heatmapPng: unknown option "colors"/,
  ],
  // Backends
  [
    'setDefaultBackend(5)',
    () => m.setDefaultBackend(5),
    /setDefaultBackend: name must be a backend's name such as "fast", got number 5/,
  ],
  ['setDefaultBackend("fast", 1)', () => m.setDefaultBackend('fast', 1), /setDefaultBackend: takes at most 1 argument/],
  ['getBackend(null)', () => m.getBackend(null), /backend must be a name .* or a backend object, got null/],
  [
    'registerBackend("cuda", f)',
    () => m.registerBackend('cuda', () => undefined),
    /registerBackend: name must be one of "simple", "fast", "gpu", got the string "cuda"/,
  ],
  [
    'new backends.FastBackend({threads: 2})',
    () => new m.backends.FastBackend({ threads: 2 }),
    /FastBackend: unknown option "threads" \(it takes workers, parallelThreshold, simd\)/,
  ],
  [
    'gpu.sumPractice("123")',
    () => m.gpu.sumPractice('123'),
    /sumPractice: values must be an array of numbers, got the string "123"/,
  ],
  [
    'gpu.mmPractice(a, b, 1.5)',
    () => m.gpu.mmPractice([1], [1], 1.5),
    /mmPractice: size must be an integer >= 1, got number 1\.5/,
  ],
];

describe('Bad input: every public function names the argument, what it got and what it expected', () => {
  it('each wrong call across the public API throws a TypeError or RangeError naming the argument', async () => {
    const failures: string[] = [];
    for (const [call, f, message] of BAD_CALLS) {
      let error: unknown = undefined;
      try {
        // The training programs are async: their checks reject the promise.
        await f();
      } catch (e) {
        error = e;
      }
      if (!(error instanceof TypeError || error instanceof RangeError)) {
        failures.push(
          `${call}: expected a TypeError or RangeError, got ${error === undefined ? 'no error' : String(error)}`,
        );
      } else if (!message.test(error.message)) {
        failures.push(`${call}: "${error.message}" does not match ${message}`);
      }
    }
    expect(failures, failures.join('\n')).to.deep.equal([]);
  });

  it('the same functions still take every option they document', () => {
    const rng = new mt.Random(1);
    expect(mt.tensor([1, 2], { backend: 'simple', requiresGrad: true }).requiresGrad).to.equal(true);
    expect(mt.rand([2], { seed: 3, backend: 'simple', requiresGrad: false }).shape).to.deep.equal([2]);
    expect(mt.randn([2], { rng }).shape).to.deep.equal([2]);
    expect(mt.full([2], NaN).shape).to.deep.equal([2]);
    expect(mt.arange(3, { requiresGrad: true }).shape).to.deep.equal([3]);
    expect(new mt.Linear(2, 3, { bias: false, rng, backend: 'simple' }).bias).to.equal(null);
    expect(new mt.Conv2d(1, 2, 3, { stride: 2, padding: 1, bias: true, rng }).weight.value.shape).to.deep.equal([
      2, 1, 3, 3,
    ]);
    expect(new mt.Conv1d(1, 2, [3], { padding: 'end' }).weight.value.shape).to.deep.equal([2, 1, 3]);
    expect(new mt.MaxPool2d([2, 1], 1).kernel).to.deep.equal([2, 1]);
    expect(new mt.Dropout(0.1, { rng }).rate).to.equal(0.1);
    expect(new mt.Flatten(0, -1).startDim).to.equal(0);
    expect(new mt.MLP([2, 3, 1], { rng, bias: true }).layers).to.have.length(2);
    expect(new mt.SGD(param(), { lr: 0.1, momentum: 0.9 }).lr).to.equal(0.1);
    expect(new mt.Adam(param(), { lr: 0.01, betas: [0.8, 0.9], eps: 1e-6 }).betas).to.deep.equal([0.8, 0.9]);
    expect(new mt.LeNet({ classes: 3, rng, backend: 'simple' }).linear2.outSize).to.equal(3);
    const bytes = mt.safetensors.serialize({}, { dtype: 'F64', metadata: { a: 'b' } });
    expect(mt.safetensors.deserialize(bytes, { backend: 'simple', requiresGrad: false }).metadata).to.deep.equal({
      a: 'b',
    });
    expect(parseGlove('good 1 2', { vocabulary: new Set(['good']), source: 's', dims: 2 }).dims).to.equal(2);
    expect(
      mt.viz.lineChart([{ a: 1, b: 2 }], { x: 'a', y: 'b', color: 'a', title: 't', width: 1, height: 1 }).mark,
    ).to.be.an('object');
    // Optional options may be passed as undefined, as a wrapper forwarding its own would.
    expect(mt.zeros([1], undefined).shape).to.deep.equal([1]);
  });

  it('the shared checks: options objects, extra arguments, numbers and sizes', () => {
    expect(() => checkOptions('f', undefined, ['a'])).to.not.throw();
    expect(() => checkOptions('f', undefined, ['a'], true)).to.throw(
      TypeError,
      /f: options must be an object such as \{ a: … \}, got undefined/,
    );
    expect(() => checkOptions('f', { a: 1, b: undefined }, ['a', 'b'])).to.not.throw();
    expect(() => checkOptions('f', Object.create(null), [])).to.not.throw();
    // An object literal from another realm (a notebook's vm context) is an options object too.
    expect(() => checkOptions('f', vm.runInNewContext('({ a: 1 })'), ['a'])).to.not.throw();
    expect(() => checkOptions('f', null, ['a'])).to.throw(TypeError, /got null/);
    expect(() => checkOptions('f', [1], ['a'])).to.throw(TypeError, /got an array/);
    expect(() => checkOptions('f', new mt.Random(1), ['a'])).to.throw(TypeError, /got a Random/);
    expect(() => checkOptions('f', mt.tensor([1]), ['a'])).to.throw(TypeError, /got a Tensor/);
    expect(() => checkOptions('f', { c: 1 }, [])).to.throw(TypeError, /f: unknown option "c" \(it takes none\)/);
    expect(() => tooManyArguments('f', 1, 2, 'x')).to.throw(
      TypeError,
      /f: takes at most 1 argument \(x\), got 2; keyword arguments go in an options object/,
    );
    expect(checkInt('f', 'n', 0)).to.equal(0);
    expect(() => checkInt('f', 'n', 2 ** 53)).to.throw(RangeError, /f: n must be an integer >= 0/);
    expect(() => checkInt('f', 'n', 1, 2)).to.throw(RangeError, /n must be an integer >= 2, got number 1/);
    expect(checkRange('f', 'p', 1, 0, 1)).to.equal(1);
    expect(() => checkRange('f', 'p', NaN, 0, 1)).to.throw(
      RangeError,
      /p must be a number in \[0, 1\], got number NaN/,
    );
    expect(() => checkRange('f', 'p', Infinity, 0)).to.not.throw();
    expect(() => checkPositive('f', 'lr', Infinity)).to.throw(RangeError, /lr must be a positive number/);
    expect(() => checkPositive('f', 'k', 2.5, true)).to.throw(
      RangeError,
      /k must be a positive integer, got number 2\.5/,
    );
    expect(checkSizePair('f', 'k', 2)).to.deep.equal([2, 2]);
    expect(checkSizePair('f', 'k', [2, 3])).to.deep.equal([2, 3]);
    expect(() => checkSizePair('f', 'k', [2, 0])).to.throw(RangeError, /got \[2,0\]/);
    expect(describeValue(() => 1)).to.equal('a function');
    expect(describeValue({})).to.equal('an object');
    expect(describeValue(new Map())).to.equal('a Map');
  });
});
