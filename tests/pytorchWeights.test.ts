/**
 * Weights from PyTorch: the safetensors reader and writer, `stateDict`/`loadStateDict`, and
 * PyTorch's classic MNIST example network ported line for line (`PyTorchMnistNet`), loading
 * the weights that scripts/pytorch_mnist.py trained and saved, and matching PyTorch's float64
 * outputs and gradients on a fixed batch to 1e-9.
 *
 * The fixture is the full network (1.2 million parameters) in float32, as PyTorch trained
 * it (4.8 MB); both sides compute in float64 from those float32 values. fc1.weight's
 * gradient is compared through its row sums, column sums and every 101st entry (the check
 * file would otherwise be 9 MB); every other gradient is compared in full.
 */
import { expect } from 'chai';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import {
  Conv2d,
  Flatten,
  Linear,
  MaxPool2d,
  PyTorchMnistNet,
  ReLU,
  Sequential,
  Tensor,
  fromFlat,
  nllLoss,
  nn,
  safetensors,
  tensor,
} from '../src';
import { BackendName, defaultBackend, setDefaultBackend } from '../src';

/** tests/fixtures, found by walking up from the compiled test. */
function fixture(name: string): string {
  let dir = __dirname;
  for (let i = 0; i < 6; i++) {
    const file = path.join(dir, 'tests', 'fixtures', name);
    if (fs.existsSync(file)) return file;
    dir = path.dirname(dir);
  }
  throw new Error(`tests/fixtures/${name} not found: run \`npm run pytorch-mnist\``);
}

/** Every value within `tol` of PyTorch's (relative above 1). */
function expectClose(got: ArrayLike<number>, want: ArrayLike<number>, tol: number, what: string): void {
  expect(got.length, `${what}: length`).to.equal(want.length);
  let worst = 0;
  for (let i = 0; i < want.length; i++)
    worst = Math.max(worst, Math.abs(got[i] - want[i]) / Math.max(1, Math.abs(want[i])));
  expect(worst, `${what}: largest difference`).to.be.at.most(tol);
}

describe('Task 2.1 safetensors (tensors in and out of a file need their indexing)', () => {
  it('Task 2.1 safetensors round trip keeps names, shapes, values and metadata (F64 exactly, F32 rounded)', () => {
    const tensors = {
      'a.weight': tensor([
        [1.5, -2],
        [3, 1 / 3],
      ]),
      scalar: tensor(7),
      empty: fromFlat([], [0, 3]),
    };
    const f64 = safetensors.deserialize(safetensors.serialize(tensors, { dtype: 'F64', metadata: { format: 'pt' } }));
    expect(Object.keys(f64.tensors)).to.deep.equal(['a.weight', 'scalar', 'empty']);
    expect(f64.tensors['a.weight'].toArray()).to.deep.equal([
      [1.5, -2],
      [3, 1 / 3],
    ]);
    expect(f64.tensors.scalar.shape).to.deep.equal([]);
    expect(f64.tensors.empty.shape).to.deep.equal([0, 3]);
    expect(f64.metadata).to.deep.equal({ format: 'pt' });
    const f32 = safetensors.deserialize(safetensors.serialize(tensors));
    expect(f32.tensors['a.weight'].get([1, 1])).to.equal(Math.fround(1 / 3));
    expect(f32.metadata).to.deep.equal({});
  });

  it('Task 2.1 safetensors writes the documented layout: u64 LE header length, 8-aligned JSON, little-endian data', () => {
    const bytes = safetensors.serialize({ x: tensor([1, 2]) }, { dtype: 'F32' });
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const n = Number(view.getBigUint64(0, true));
    expect((8 + n) % 8).to.equal(0);
    const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n)));
    expect(header).to.deep.equal({ x: { dtype: 'F32', shape: [2], data_offsets: [0, 8] } });
    expect([view.getFloat32(8 + n, true), view.getFloat32(8 + n + 4, true)]).to.deep.equal([1, 2]);
  });

  it('Task 2.1 safetensors rejects truncated files, bad headers and unknown dtypes with clear errors', () => {
    const good = safetensors.serialize({ x: tensor([1, 2, 3]) }, { dtype: 'F64' });
    expect(() => safetensors.deserialize(good.subarray(0, 5))).to.throw(/too short/);
    expect(() => safetensors.deserialize(good.subarray(0, good.length - 4))).to.throw(
      /outside the .* bytes of data \(truncated file\?\)/,
    );
    expect(() => safetensors.deserialize(good.subarray(0, 20))).to.throw(/runs past the end of the file/);
    const withHeader = (json: string, data = new Uint8Array(0)): Uint8Array => {
      const text = new TextEncoder().encode(json);
      const out = new Uint8Array(8 + text.length + data.length);
      new DataView(out.buffer).setBigUint64(0, BigInt(text.length), true);
      out.set(text, 8);
      out.set(data, 8 + text.length);
      return out;
    };
    expect(() => safetensors.deserialize(withHeader('{"x": '))).to.throw(/header is not valid UTF-8 JSON/);
    expect(() => safetensors.deserialize(withHeader('[1, 2]'))).to.throw(/header must be a JSON object/);
    expect(() =>
      safetensors.deserialize(
        withHeader('{"x": {"dtype": "I64", "shape": [1], "data_offsets": [0, 8]}}', new Uint8Array(8)),
      ),
    ).to.throw(/"x" has dtype "I64", which is not supported \(supported: F32, F64\)/);
    expect(() =>
      safetensors.deserialize(
        withHeader('{"x": {"dtype": "F32", "shape": [3], "data_offsets": [0, 8]}}', new Uint8Array(8)),
      ),
    ).to.throw(/8 bytes of data do not fit shape \[3\] of F32/);
    expect(() =>
      safetensors.deserialize(
        withHeader('{"x": {"dtype": "F32", "shape": [1], "data_offsets": [4, 8]}}', new Uint8Array(8)),
      ),
    ).to.throw(/gap or overlap/);
    expect(() => safetensors.serialize({ x: tensor([1]) }, { dtype: 'BF16' as 'F32' })).to.throw(
      /cannot write dtype "BF16"/,
    );
  });

  it('Task 2.1 safetensors save and load go through a file (temp folder removed)', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'minitorch-st-'));
    try {
      const file = path.join(dir, 'w.safetensors');
      safetensors.save(file, { w: tensor([[1, 2]]) }, { dtype: 'F64' });
      expect(safetensors.load(file, { backend: 'fast' }).tensors.w.backend.name).to.equal('fast');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('Task 0.4 stateDict and loadStateDict (named by namedParameters)', () => {
  const model = (): Sequential => new Sequential(new Linear(3, 4), new ReLU(), new Linear(4, 2, { bias: false }));

  it("Task 0.4 stateDict names parameters as PyTorch does (Sequential's 0.weight, …) with PyTorch's shapes", () => {
    const state = model().stateDict();
    expect(Object.keys(state)).to.deep.equal(['0.weight', '0.bias', '2.weight']);
    expect(state['0.weight'].shape).to.deep.equal([4, 3]);
    expect(new PyTorchMnistNet().namedParameters().map(([n]) => n)).to.deep.equal([
      'conv1.weight',
      'conv1.bias',
      'conv2.weight',
      'conv2.bias',
      'fc1.weight',
      'fc1.bias',
      'fc2.weight',
      'fc2.bias',
    ]);
  });

  // The state dict is doubled with mul: Task 2.3's kernel.
  it('Task 2.3 loadStateDict copies values in, and a bad state dict leaves the module unchanged', () => {
    const a = model();
    const b = model();
    const source = a.stateDict();
    b.loadStateDict(Object.fromEntries(Object.entries(source).map(([k, t]) => [k, t.mul(2)])));
    expect(Array.from(b.stateDict()['0.bias'].toFlatArray())).to.deep.equal(
      Array.from(source['0.bias'].toFlatArray()).map((v) => v * 2),
    );
    const before = Array.from(b.stateDict()['0.weight'].toFlatArray());
    const { '0.bias': _dropped, ...missing } = source;
    expect(() => b.loadStateDict(missing)).to.throw(/missing keys: 0\.bias/);
    expect(() => b.loadStateDict({ ...source, extra: tensor([1]) })).to.throw(/unexpected keys: extra/);
    expect(() => b.loadStateDict({ ...source, '2.weight': tensor([[1, 2, 3, 4]]) })).to.throw(
      /2\.weight: shape \[1, 4\] in the state dict, \[2, 4\] in the model/,
    );
    expect(Array.from(b.stateDict()['0.weight'].toFlatArray())).to.deep.equal(before);
    b.loadStateDict(missing, { strict: false });
  });
});

/** PyTorch's fixed-batch outputs and gradients, in float64, from scripts/pytorch_mnist.py. */
const BACKENDS_F64: BackendName[] = ['simple', 'fast'];

for (const backend of BACKENDS_F64) {
  describe(`Task 4.4 PyTorch's MNIST example network with PyTorch's weights [${backend}]`, () => {
    it('Task 4.4 the TypeScript port matches PyTorch outputs and gradients to 1e-9', function () {
      this.timeout(120000);
      const weights = safetensors.load(fixture('pytorch_mnist_net.safetensors'), { backend });
      const check = safetensors.load(fixture('pytorch_mnist_check.safetensors'), { backend }).tensors;
      // Created on the backend under test, as PyTorch's model.to(device): loadStateDict copies
      // onto each parameter's backend.
      const previous = defaultBackend().name as BackendName;
      setDefaultBackend(backend);
      let net: PyTorchMnistNet;
      try {
        net = new PyTorchMnistNet();
      } finally {
        setDefaultBackend(previous);
      }
      net.loadStateDict(weights.tensors);
      net.eval();
      const labels = Array.from(check.labels.toFlatArray());
      const output = net.forward(check.input);
      expectClose(output.toFlatArray(), check.output.toFlatArray(), 1e-9, 'log-probabilities');
      const loss = nllLoss(output, labels);
      expectClose([loss.item()], [check.loss.item()], 1e-9, 'loss');
      loss.backward();
      for (const [name, p] of net.namedParameters()) {
        const grad = (p.value as Tensor).grad!;
        if (name === 'fc1.weight') {
          const step = Number(safetensors.load(fixture('pytorch_mnist_check.safetensors')).metadata.fc1_sample_step);
          expectClose(
            grad.sum(1).toFlatArray(),
            check['grad.fc1.weight.rowsum'].toFlatArray(),
            1e-9,
            'fc1.weight gradient row sums',
          );
          expectClose(
            grad.sum(0).toFlatArray(),
            check['grad.fc1.weight.colsum'].toFlatArray(),
            1e-9,
            'fc1.weight gradient column sums',
          );
          const flat = grad.toFlatArray();
          expectClose(
            Array.from({ length: check['grad.fc1.weight.sample'].size }, (_, i) => flat[i * step]),
            check['grad.fc1.weight.sample'].toFlatArray(),
            1e-9,
            'fc1.weight gradient sample',
          );
        } else {
          expectClose(grad.toFlatArray(), check[`grad.${name}`].toFlatArray(), 1e-9, `gradient of ${name}`);
        }
      }
    });
  });
}

describe('Task 4.4 torch.nn-style layers', () => {
  it('Task 4.4 Sequential of Conv2d, ReLU, MaxPool2d, Flatten and Linear computes what the functions compute', () => {
    const seq = new Sequential(
      new Conv2d(1, 2, 3, { padding: 1, stride: 2 }),
      new ReLU(),
      new MaxPool2d(2, 1),
      new Flatten(),
      new Linear(8, 3),
    );
    const x = tensor([
      [
        [
          [1, 2, 3, 4, 5],
          [0, 1, 0, 1, 0],
          [2, 2, 2, 2, 2],
          [5, 4, 3, 2, 1],
          [1, 0, 1, 0, 1],
        ],
      ],
    ]);
    const conv = seq[0] as Conv2d;
    const fc = seq[4] as Linear;
    const want = nn
      .maxpool2d(nn.conv2d(x, conv.weight.value, conv.bias!.value, { padding: 1, stride: 2 }).relu(), 2, { stride: 1 })
      .flatten(1)
      .matmul(fc.weight.value.transpose())
      .add(fc.bias!.value);
    expect(seq.forward(x).shape).to.deep.equal([1, 3]);
    expect(Array.from(seq.forward(x).toFlatArray())).to.deep.equal(Array.from(want.toFlatArray()));
  });
});
