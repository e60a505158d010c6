/**
 * What whole PyTorch programs need around the model (issue 24), beyond the values the
 * fixtures check against PyTorch: 0-dim tensors and negative dims, `.to()` in a graph,
 * indexing, in-place updates, module methods, the printout, tied weights, seeds, and the
 * errors for bad input.
 */
import { expect } from 'chai';
import {
  Tensor,
  TensorBackend,
  backends,
  getBackend,
  BCELoss,
  BCEWithLogitsLoss,
  Conv1d,
  Conv2d,
  CrossEntropyLoss,
  Dropout,
  Flatten,
  IndexingError,
  L1Loss,
  Linear,
  MSELoss,
  MaxPool2d,
  Module,
  NLLLoss,
  ReLU,
  Random,
  SGD,
  Sequential,
  arange,
  bceWithLogits,
  binaryCrossEntropy,
  full,
  l1Loss,
  linspace,
  manualSeed,
  mseLoss,
  nllLoss,
  nn,
  noGrad,
  rand,
  tensor,
  zeros,
} from '../src';
import type { LossOptions, Reduction } from '../src';
import { describeEachBackend } from './helpers/backends';

/** A loss function of two tensors and its options. */
type LossFn = (a: Tensor, b: Tensor, options?: LossOptions) => Tensor;

describeEachBackend(
  'PyTorch programs: tensors',
  (backend, name) => {
    const opts = { backend };
    // Another backend that needs no Module 3 code: a second Simple backend beside "simple".
    const other: TensorBackend = name === 'simple' ? new backends.SimpleBackend() : getBackend('simple');

    it('Task 2.1 a 0-dim tensor takes dim 0 and -1 in sum, amax, max, argmax and squeeze, as PyTorch', () => {
      const t = tensor(3, opts);
      expect(t.sum(0).item()).to.equal(3);
      expect(t.sum(-1, true).shape).to.deep.equal([]);
      expect(t.sum([0]).shape).to.deep.equal([]);
      expect(t.amax(0).item()).to.equal(3);
      const { values, indices } = t.max(-1, true);
      expect([values.shape, values.item(), indices.item()]).to.deep.equal([[], 3, 0]);
      expect(t.argmax(0).item()).to.equal(0);
      expect(t.squeeze(0).shape).to.deep.equal([]);
      expect(() => t.sum(1)).to.throw(IndexingError, /dim 1 is out of range/);
    });

    it('Task 2.1 permute takes negative dims, as PyTorch', () => {
      expect(zeros([2, 3, 4], opts).permute(-1, 0, 1).shape).to.deep.equal([4, 2, 3]);
      const x = arange(6, opts).reshape(2, 3);
      expect(x.permute(-1, -2).toArray()).to.deep.equal([
        [0, 3],
        [1, 4],
        [2, 5],
      ]);
      expect(() => x.permute(-1, -1)).to.throw(IndexingError, /permutation/);
    });

    it('Task 2.1 at() picks from a constant tensor without a graph: ints, slices with steps, None, ...', () => {
      const x = arange(24, opts).reshape(2, 3, 4);
      expect(x.at(1, -1).toArray()).to.deep.equal([20, 21, 22, 23]);
      expect(x.at(':', 0, '::2').toArray()).to.deep.equal([
        [0, 2],
        [12, 14],
      ]);
      expect(x.at('...', -1).shape).to.deep.equal([2, 3]);
      expect(x.at('-1:', null, '1:10', '1:3').shape).to.deep.equal([1, 1, 2, 2]);
      expect(x.at(0, '2:1').shape).to.deep.equal([0, 4]);
      expect(x.at(1, 2, 3).toArray()).to.equal(23);
      expect(x.at(0).isConstant()).to.equal(true);
    });

    it("Task 2.1 at() is a view with PyTorch's strides for each form: an int, a stepped slice, None, '...'", () => {
      const x = arange(24, opts).reshape(2, 3, 4); // strides [12, 4, 1]
      const layout = (t: Tensor) => [t.shape, t.data.strides];
      expect(layout(x.at(1))).to.deep.equal([
        [3, 4],
        [4, 1],
      ]);
      expect(layout(x.at(':', -1))).to.deep.equal([
        [2, 4],
        [12, 1],
      ]);
      expect(layout(x.at('...', '1::2'))).to.deep.equal([
        [2, 3, 2],
        [12, 4, 2],
      ]);
      expect(layout(x.at(null, 0, '::2'))).to.deep.equal([
        [1, 2, 4],
        [0, 8, 1],
      ]);
      expect(layout(x.at(1, '...', null))).to.deep.equal([
        [3, 4, 1],
        [4, 1, 0],
      ]);
      expect(layout(x.at(-1, -1, -1))).to.deep.equal([[], []]);
      // Of a permuted tensor: the index is laid over its strides, and of a view of a view.
      const t = x.permute(2, 0, 1); // [4, 2, 3], strides [1, 12, 4]
      expect(layout(t.at('1:', 1))).to.deep.equal([
        [3, 3],
        [1, 4],
      ]);
      expect(t.at('1:', 1).at(-1, '::2').toArray()).to.deep.equal([15, 23]);
      // A contiguous view holds exactly its values: contiguous() gives it back as it is.
      const row = x.at(1, 2);
      expect(row.contiguous()).to.equal(row);
      expect(row.data.storage.length).to.equal(4);
      expect(Array.from(row.data.storage)).to.deep.equal([20, 21, 22, 23]);
    });

    it('Task 2.4 at() writes through both ways, shares the version counter and sends the gradient to the picked positions', () => {
      const x = arange(12, opts).reshape(3, 4);
      const row = x.at(1);
      const col = x.at(':', 2);
      noGrad(() => row.fill_(5));
      noGrad(() => col.add_(100));
      noGrad(() => x.at('::2', '1::2').copy_(tensor([-1, -3], opts)));
      expect(x.toArray()).to.deep.equal([
        [0, -1, 102, -3],
        [5, 5, 105, 5],
        [8, -1, 110, -3],
      ]);
      // A write into the base shows in the views taken before it.
      noGrad(() => x.mul_(2));
      expect(row.toArray()).to.deep.equal([10, 10, 210, 10]);
      expect(col.toArray()).to.deep.equal([204, 210, 220]);
      // One version counter: a backward that saved the base throws after a write through a view,
      // and one that saved the view throws after a write into the base.
      const w = tensor(
        [
          [1, 2, 3],
          [4, 5, 6],
        ],
        { backend, requiresGrad: true },
      );
      const viaBase = w.mul(w).sum();
      noGrad(() => w.at(0, 0).fill_(7));
      expect(() => viaBase.backward()).to.throw(Error, /modified in place/);
      const v = w.at(':', 1);
      const viaView = v.mul(v).sum();
      noGrad(() => w.add_(1));
      expect(() => viaView.backward()).to.throw(Error, /modified in place/);
      // The gradient: scattered into zeros of w's shape, every form, a view of a view included.
      const g = tensor(
        [
          [1, 2, 3],
          [4, 5, 6],
        ],
        { backend, requiresGrad: true },
      );
      const picked = g
        .at(':', 1)
        .mul(tensor([10, 20], opts))
        .sum();
      picked
        .add(g.at(-1, '::2').sum())
        .add(g.at(null, '...', 0).at(0, 0))
        .backward();
      expect(g.grad!.toArray()).to.deep.equal([
        [1, 10, 0],
        [1, 20, 1],
      ]);
      expect(() => g.at(0).fill_(1)).to.throw(Error, /fill_: a computed tensor .*noGrad/);
    });

    it('Task 2.4 x.to(another backend) is differentiable: the gradient returns to x on its backend', () => {
      const x = tensor([1, 2], { backend, requiresGrad: true });
      expect(x.to(backend)).to.equal(x);
      const moved = x.mul(2).to(other);
      expect(moved.backend).to.equal(other);
      moved.mul(3).sum().backward();
      expect(x.grad!.backend).to.equal(backend);
      expect(x.grad!.toArray()).to.deep.equal([6, 6]);
    });

    it('Task 2.4 in-place add_, sub_, mul_, zero_, fill_, copy_ under noGrad; a backward needing old values throws', () => {
      const w = tensor([1, 2, 3], { backend, requiresGrad: true });
      w.mul(w).sum().backward();
      noGrad(() => w.sub_(w.grad!, { alpha: 0.5 }));
      expect(w.toArray()).to.deep.equal([0, 0, 0]);
      expect(w.isLeaf()).to.equal(true);
      expect(() => w.add_(1)).to.throw(Error, /add_: a leaf that requires grad .*noGrad/);
      const y = w.mul(w).sum(); // mul saved w
      noGrad(() => w.add_(1));
      expect(() => y.backward()).to.throw(Error, /modified in place/);
      const c = zeros([2, 2], opts);
      c.fill_(2).mul_(3);
      expect(c.toArray()).to.deep.equal([
        [6, 6],
        [6, 6],
      ]);
      c.copy_(tensor([1, 2], { backend: other })).add_(tensor([1, 1], opts), { alpha: 2 });
      expect(c.toArray()).to.deep.equal([
        [3, 4],
        [3, 4],
      ]);
      // A view shares the storage: writing through the transpose changes c.
      c.transpose().copy_(
        tensor(
          [
            [5, 6],
            [7, 8],
          ],
          opts,
        ),
      );
      expect(c.toArray()).to.deep.equal([
        [5, 7],
        [6, 8],
      ]);
      expect(c.zero_().sum().item()).to.equal(0);
      expect(() => c.copy_(zeros([3], opts))).to.throw(IndexingError, /copy_: src of shape \[3\]/);
    });

    it('Task 2.4 module.to(backend) moves parameters in place; an optimizer built before keeps training them', () => {
      const make = () => new Linear(3, 2, { backend, rng: new Random(4) });
      const x = tensor([[1, -2, 0.5]], opts);
      const step = (m: Linear, opt: SGD, on: TensorBackend) => {
        opt.zeroGrad();
        m.forward(x.to(on)).pow(2).sum().backward();
        opt.step();
      };
      const a = make();
      const optA = new SGD(a.parameters(), { lr: 0.1, momentum: 0.9 });
      step(a, optA, backend);
      step(a, optA, backend);
      const b = make();
      const optB = new SGD(b.parameters(), { lr: 0.1, momentum: 0.9 });
      step(b, optB, backend);
      expect(b.to(other)).to.equal(b);
      expect(b.weight.value.backend).to.equal(other);
      step(b, optB, other);
      const tol = name === 'gpu' ? 1e-4 : 1e-12;
      const got = b.weight.value.toFlatArray();
      a.weight.value.toFlatArray().forEach((v, i) => expect(got[i]).to.be.closeTo(v, tol));
      b.zeroGrad();
      expect(b.parameters().every((p) => (p.value as { grad: unknown }).grad === null)).to.equal(true);
    });
  },
  {
    kernelFree: /Task 2\.1/,
    matmul: /module\.to/,
  },
);

describe('PyTorch programs: modules', () => {
  /** The official MNIST example's network, as a PyTorch user would port it. */
  class Net extends Module {
    conv1 = new Conv2d(1, 32, 3, { stride: 1 });
    conv2 = new Conv2d(32, 64, 3, { padding: 'same', dilation: 2, groups: 2, bias: false });
    dropout1 = new Dropout(0.25);
    head = new Sequential(new Flatten(), new Linear(9216, 128), new ReLU(), new MaxPool2d(2));
    conv3 = new Conv1d(3, 4, 2, { padding: 1 });
  }

  it('Task 0.4 print(model) shows each layer as PyTorch does, nested modules indented', () => {
    expect(String(new Net())).to.equal(
      [
        'Net(',
        '  (conv1): Conv2d(1, 32, kernel_size=(3, 3), stride=(1, 1))',
        '  (conv2): Conv2d(32, 64, kernel_size=(3, 3), stride=(1, 1), padding=same, dilation=(2, 2), groups=2, bias=false)',
        '  (dropout1): Dropout(p=0.25)',
        '  (head): Sequential(',
        '    (0): Flatten(start_dim=1, end_dim=-1)',
        '    (1): Linear(in_features=9216, out_features=128, bias=true)',
        '    (2): ReLU()',
        '    (3): MaxPool2d(kernel_size=2, stride=2, padding=0)',
        '  )',
        '  (conv3): Conv1d(3, 4, kernel_size=(2,), stride=(1,), padding=(1,))',
        ')',
      ].join('\n'),
    );
    expect(String(new CrossEntropyLoss())).to.equal('CrossEntropyLoss()');
  });

  it('Task 0.4 namedModules includes the module itself, apply visits children first, as PyTorch', () => {
    const net = new Net();
    expect(net.namedModules().map(([n]) => n)).to.deep.equal([
      '',
      'conv1',
      'conv2',
      'dropout1',
      'head',
      'head.0',
      'head.1',
      'head.2',
      'head.3',
      'conv3',
    ]);
    expect(net.children()).to.have.length(5);
    const seen: string[] = [];
    expect(net.apply((m) => seen.push(m.constructor.name))).to.equal(net);
    expect(seen.slice(-3)).to.deep.equal(['Sequential', 'Conv1d', 'Net']);
    expect(seen).to.have.length(10);
  });

  it('Task 2.1 stateDict lists tied weights under every name, as PyTorch; a strict loadStateDict takes it', () => {
    class Tied extends Module {
      enc = new Linear(3, 2, { rng: new Random(1) });
      dec: Linear;
      constructor() {
        super();
        this.dec = this.enc;
      }
    }
    const m = new Tied();
    expect(Object.keys(m.stateDict())).to.deep.equal(['enc.weight', 'enc.bias', 'dec.weight', 'dec.bias']);
    expect(m.namedParameters().map(([n]) => n)).to.deep.equal(['enc.weight', 'enc.bias']);
    expect(m.children()).to.deep.equal([m.enc]);
    const state = new Tied().stateDict();
    const w = full([2, 3], 7);
    state['enc.weight'] = w;
    state['dec.weight'] = w;
    m.loadStateDict(state);
    expect(m.dec.weight.value.toFlatArray().every((v) => v === 7)).to.equal(true);
    delete state['dec.bias'];
    expect(() => m.loadStateDict(state)).to.throw(/missing keys: dec\.bias/);
  });

  it('Task 2.1 manualSeed: draws without an rng continue one global stream, as torch.manual_seed', () => {
    try {
      manualSeed(7);
      const a = rand([3]).toFlatArray();
      const l1 = new Linear(2, 2).weight.value.toFlatArray();
      manualSeed(7);
      expect(rand([3]).toFlatArray()).to.deep.equal(a);
      expect(new Linear(2, 2).weight.value.toFlatArray()).to.deep.equal(l1);
      expect(rand([3]).toFlatArray()).to.not.deep.equal(a);
    } finally {
      manualSeed(null);
    }
    expect(rand([3]).toFlatArray()).to.deep.equal(rand([3], { seed: 0 }).toFlatArray());
  });

  it("Task 4.4 dropout draws its mask from the caller's rng; rate 0 returns the input itself", () => {
    const x = arange(1, 41).reshape(4, 10);
    const out = nn.dropout(x, 0.25, { rng: new Random(5) });
    const keep = rand([4, 10], { rng: new Random(5) }).gt(0.25);
    expect(out.toArray()).to.deep.equal(
      x
        .mul(keep)
        .mul(1 / 0.75)
        .toArray(),
    );
    expect(nn.dropout(x, 0.25, { rng: new Random(6) }).toArray()).to.not.deep.equal(out.toArray());
    // As F.dropout(x, 0.0): x itself, and no draw from the global stream.
    expect(nn.dropout(x, 0)).to.equal(x);
  });

  it('Task 4.4 CrossEntropyLoss is crossEntropy with its options; labels may be a tensor', () => {
    const ce = new CrossEntropyLoss({ reduction: 'sum' }).forward(
      tensor([
        [0, 0],
        [0, 0],
      ]),
      tensor([1, 0]),
    );
    expect(ce.item()).to.be.closeTo(2 * Math.log(2), 1e-12);
  });

  it('Task 2.4 loss modules compute their functions; labels may be a tensor', () => {
    const x = tensor([[1, 2, 3]], { requiresGrad: true });
    const y = tensor([[0, 2, 5]]);
    expect(new MSELoss({ reduction: 'sum' }).forward(x, y).item()).to.equal(5);
    const loss = mseLoss(x, y);
    expect(loss.item()).to.be.closeTo(5 / 3, 1e-15);
    loss.backward();
    expect(x.grad!.toArray()).to.deep.equal([[2 / 3, 0, -4 / 3]]);
    const lp = tensor([
      [-1, -2],
      [-3, -4],
    ]);
    expect(nllLoss(lp, tensor([1, 0])).item()).to.equal(nllLoss(lp, [1, 0]).item());
    expect(nllLoss(lp, tensor([1, 0]), { reduction: 'none' }).toArray()).to.deep.equal([2, 3]);
    // Every module form is its function (checked against PyTorch by the fixtures) with its options.
    const p = tensor([[0.2, 0.7, 0.9]]);
    const labels = tensor([[0, 1, 1]]);
    const pairs: Array<[new (o?: { reduction?: Reduction }) => { forward(a: Tensor, b: Tensor): Tensor }, LossFn]> = [
      [MSELoss, mseLoss],
      [L1Loss, l1Loss],
      [BCELoss, binaryCrossEntropy],
      [BCEWithLogitsLoss, bceWithLogits],
    ];
    for (const reduction of ['mean', 'sum', 'none'] as const) {
      for (const [Loss, fn] of pairs) {
        expect(new Loss({ reduction }).forward(p, labels).toArray(), `${Loss.name} ${reduction}`).to.deep.equal(
          fn(p, labels, { reduction }).toArray(),
        );
      }
      const options = { reduction, ignoreIndex: 0 };
      expect(new NLLLoss(options).forward(lp, tensor([1, 0])).toArray()).to.deep.equal(
        nllLoss(lp, [1, 0], options).toArray(),
      );
    }
    expect(String(new NLLLoss())).to.equal('NLLLoss()');
  });
});

describe('PyTorch programs: pow', () => {
  it("Task 2.4 pow with a tensor exponent: negative bases with whole exponents work; the exponent's gradient is NaN there, as PyTorch", () => {
    const x = tensor([-2, -1.5, 3, 0, 0, -2], { requiresGrad: true });
    const p = tensor([3, 2, 0.5, 2, 0, 0.5], { requiresGrad: true });
    const y = x.pow(p);
    y.sum().backward();
    const r3 = Math.sqrt(3);
    // d/dx = p·x^(p−1); d/dp = x^p·ln x, NaN for a negative base and 0 at a zero base (PyTorch's rule).
    expectValues(y.toFlatArray(), [-8, 2.25, r3, 0, 1, NaN]);
    expectValues(x.grad!.toFlatArray(), [12, -3, 0.5 / r3, 0, 0, NaN]);
    expectValues(p.grad!.toFlatArray(), [NaN, NaN, r3 * Math.log(3), 0, 0, NaN]);
  });
});

/** Each value within 1e-12 of the expected one, NaN where NaN is expected. */
function expectValues(got: ArrayLike<number>, want: number[]): void {
  expect(got.length).to.equal(want.length);
  want.forEach((w, i) => {
    if (Number.isNaN(w)) expect(Number.isNaN(got[i]), `NaN at ${i}`).to.equal(true);
    else expect(got[i], `at ${i}`).to.be.closeTo(w, 1e-12);
  });
}

describe('PyTorch programs: clear errors', () => {
  it('arange, linspace and at() name the bad argument', () => {
    expect(() => arange(1, 11, 0)).to.throw(RangeError, /arange: step must not be 0/);
    expect(() => arange(5, 0)).to.throw(RangeError, /cannot be reached/);
    expect(() => arange('3' as unknown as number)).to.throw(TypeError, /arange: expected/);
    expect(() => linspace(0, 1, -1)).to.throw(RangeError, /linspace: steps/);
    const x = zeros([2, 3]);
    expect(() => x.at(0, 0, 0)).to.throw(IndexingError, /3 indices for a tensor of 2 dims/);
    expect(() => x.at('::0')).to.throw(IndexingError, /step must be positive/);
    expect(() => x.at('1:a')).to.throw(IndexingError, /'a' is not an integer/);
    expect(() => x.at(2)).to.throw(IndexingError, /index 2 is out of range for dim 0/);
    expect(() => x.at('...', 0, '...')).to.throw(IndexingError, /only one '...'/);
    expect(() => x.at('::-1')).to.throw(IndexingError, /slice '::-1' for dim 0: step must be positive.*got -1/);
    expect(() => x.at(0, -4)).to.throw(IndexingError, /index -4 is out of range for dim 1 of size 3/);
    expect(() => x.at(null, 0, '...', 0, 1)).to.throw(IndexingError, /3 indices for a tensor of 2 dims/);
    expect(() => x.at({} as unknown as number)).to.throw(TypeError, /slice string/);
    expect(() => x.expand(-1, 2, 3)).to.throw(IndexingError, /expand: -1 is not allowed/);
  });

  it('losses, convolutions, pooling and in-place ops name the bad argument', () => {
    expect(() => mseLoss(zeros([2, 3]), zeros([3]))).to.throw(IndexingError, /mseLoss: .* same shape/);
    expect(() => mseLoss(zeros([2]), zeros([2]), { reduction: 'avg' as 'mean' })).to.throw(RangeError, /reduction/);
    expect(() => new MSELoss({ reduction: 'all' as 'sum' })).to.throw(RangeError, /MSELoss: reduction/);
    expect(() => mseLoss(zeros([2]), zeros([2]), null as unknown as object)).to.throw(TypeError, /mseLoss: options/);
    expect(() => nllLoss(zeros([2, 3]), [0, 5])).to.throw(RangeError, /nllLoss: labels: .*5/);
    expect(() => nllLoss(zeros([2, 3]), [0, 1, 2])).to.throw(IndexingError, /labels \[3\]/);
    const img = zeros([1, 4, 5, 5]);
    expect(() => nn.conv2d(img, zeros([2, 4, 3, 3]), null, { groups: 3 })).to.throw(IndexingError, /groups 3/);
    expect(() => nn.conv2d(img, zeros([2, 4, 3, 3]), null, { padding: 'same', stride: 2 })).to.throw(
      RangeError,
      /padding 'same' needs stride 1/,
    );
    expect(() => nn.conv2d(img, zeros([2, 4, 3, 3]), null, { dilation: 0 })).to.throw(RangeError, /dilation/);
    expect(() => nn.maxpool2d(img, 2, { padding: 2 })).to.throw(RangeError, /maxpool2d: padding/);
    expect(() => new Conv2d(4, 6, 3, { groups: 4 })).to.throw(RangeError, /Conv2d: groups/);
    const w = zeros([2], { requiresGrad: true });
    expect(() => w.mul_(2)).to.throw(Error, /mul_: .*noGrad/);
    expect(() => zeros([2]).fill_('1' as unknown as number)).to.throw(TypeError, /fill_: value/);
    expect(() => new Module().apply(3 as unknown as () => void)).to.throw(TypeError, /apply: fn/);
  });
});
