/**
 * Module 2 suites for tensors on every backend: operations forward against the scalar
 * operators (Task 2.3) and gradients against central differences (Task 2.4), on random
 * shapes, permuted views and broadcast inputs; plus creation, values and errors.
 */
import { expect } from 'chai';
import * as fc from 'fast-check';
import {
  IndexingError,
  Random,
  Tensor,
  TensorBackend,
  arange,
  fromFlat,
  full,
  noGrad,
  ones,
  operators,
  rand,
  randn,
  tensor,
  zeros,
} from '../src';
import { ReduceOp, SimpleBackend } from '../src/tensorOps';
import { shapeBroadcast } from '../src/tensorData';
import { allIndices, broadcastGet, broadcastPair, seeded, shapeAndOrder } from './helpers/arbitraries';
import { describeEachBackend, tolerance } from './helpers/backends';
import { gradCheck } from '../src/course/checks';
import { UNARY_TENSOR_OPS, clearOfKink, inversePermutation } from '../src/course/checks/module2';

/** A two-input op: method, number function, and the ranges of each input. */
interface BinaryCase {
  name: string;
  op: (a: Tensor, b: Tensor) => Tensor;
  plain: (x: number, y: number) => number;
  b: [number, number];
  /** Comparisons have zero gradient; their inputs are integers so ties happen. */
  comparison?: boolean;
}

/** Every elementwise two-input op (all broadcast). */
const BINARY: BinaryCase[] = [
  { name: 'add', op: (a, b) => a.add(b), plain: operators.add, b: [-3, 3] },
  { name: 'sub', op: (a, b) => a.sub(b), plain: (x, y) => x - y, b: [-3, 3] },
  { name: 'mul', op: (a, b) => a.mul(b), plain: operators.mul, b: [-3, 3] },
  { name: 'div', op: (a, b) => a.div(b), plain: (x, y) => x / y, b: [0.5, 3] },
  { name: 'lt', op: (a, b) => a.lt(b), plain: operators.lt, b: [-2, 2], comparison: true },
  { name: 'gt', op: (a, b) => a.gt(b), plain: (x, y) => (x > y ? 1 : 0), b: [-2, 2], comparison: true },
  { name: 'eq', op: (a, b) => a.eq(b), plain: operators.eq, b: [-2, 2], comparison: true },
  { name: 'isClose', op: (a, b) => a.isClose(b), plain: operators.isClose, b: [-2, 2], comparison: true },
];

/** Values of a seeded tensor for a case: integers for comparisons (so that ties occur). */
function operand(
  shape: number[],
  backend: TensorBackend,
  seed: number,
  [lo, hi]: [number, number],
  integers = false,
): Tensor {
  if (!integers) return seeded(shape, backend, seed, lo, hi);
  const rng = new Random(seed);
  return fromFlat(
    Array.from({ length: shape.reduce((p, q) => p * q, 1) }, () => lo + rng.int(hi - lo + 1)),
    shape,
    { backend },
  );
}

/** `t` with the same values but a permuted (non-contiguous) layout: `view(t).get(ix) === t.get(ix)`. */
function permutedCopy(t: Tensor, order: number[]): Tensor {
  return t
    .permute(...order)
    .contiguous()
    .permute(...inversePermutation(order));
}

/** Assert `t` equals `want` element by element within the backend's tolerance (relative for big values). */
function expectValues(t: Tensor, want: (ix: number[]) => number, tol: number, what: string): void {
  for (const ix of allIndices(t.shape)) {
    const expected = want(ix);
    expect(t.get(ix), `${what} at [${ix}]`).to.be.closeTo(expected, tol * Math.max(1, Math.abs(expected)));
  }
}

describeEachBackend(
  'Task 2.3 tensor operations',
  (backend, name) => {
    const tol = tolerance(name);
    const opts = { backend };

    for (const c of UNARY_TENSOR_OPS) {
      it(`Task 2.3 ${c.name} matches the scalar operator elementwise, also on permuted views`, () => {
        fc.assert(
          fc.property(shapeAndOrder(1, 3), fc.integer(), ([shape, order], seed) => {
            const t = seeded(shape, backend, seed, c.lo, c.hi);
            for (const x of [t, permutedCopy(t, order), t.permute(...order)]) {
              const out = c.op(x);
              expect(out.shape).to.deep.equal(x.shape);
              expectValues(out, (ix) => c.plain(x.get(ix)), tol, `${c.name} of [${x.shape}]`);
            }
          }),
          { numRuns: 25 },
        );
      });
    }

    for (const c of BINARY) {
      it(`Task 2.3 ${c.name} broadcasts and matches the scalar operator elementwise`, () => {
        fc.assert(
          fc.property(broadcastPair(3), fc.integer(), ([sa, sb], seed) => {
            const a = operand(sa, backend, seed, [-3, 3], c.comparison);
            const b = operand(sb, backend, seed + 1, c.b, c.comparison);
            const big = shapeBroadcast(sa, sb);
            const out = c.op(a, b);
            expect(out.shape).to.deep.equal(big);
            expectValues(
              out,
              (ix) => c.plain(broadcastGet(a, ix, big), broadcastGet(b, ix, big)),
              tol,
              `${c.name}([${sa}], [${sb}])`,
            );
          }),
          { numRuns: 30 },
        );
      });
    }

    it('Task 2.3 binary ops on permuted inputs read through the strides', () => {
      fc.assert(
        fc.property(shapeAndOrder(2, 3), fc.integer(), ([shape, order], seed) => {
          const a = seeded(shape, backend, seed);
          const b = seeded(
            order.map((d) => shape[d]),
            backend,
            seed + 1,
            0.5,
            2,
          );
          const bView = b.permute(...inversePermutation(order)); // shape `shape`, not contiguous
          for (const c of BINARY) {
            expectValues(
              c.op(a, bView),
              (ix) => c.plain(a.get(ix), bView.get(ix)),
              tol,
              `${c.name} with a permuted input`,
            );
          }
        }),
        { numRuns: 20 },
      );
    });

    it('Task 2.3 sum and mean over every dim (keepdim false and true) and over everything', () => {
      fc.assert(
        fc.property(shapeAndOrder(1, 3), fc.integer(), ([shape, order], seed) => {
          const t = permutedCopy(seeded(shape, backend, seed), order);
          for (let dim = 0; dim < shape.length; dim++) {
            const s = t.sum(dim, true);
            const m = t.mean(dim, true);
            const kept = shape.map((d, i) => (i === dim ? 1 : d));
            expect(s.shape).to.deep.equal(kept);
            expect(m.shape).to.deep.equal(kept);
            // PyTorch's default, keepdim false, drops the dim: the same values.
            expect(t.sum(dim).shape).to.deep.equal(shape.filter((_, i) => i !== dim));
            expect(Array.from(t.sum(dim).toFlatArray())).to.deep.equal(Array.from(s.toFlatArray()));
            const total = (ix: number[]) => {
              let acc = 0;
              for (let k = 0; k < shape[dim]; k++) acc += t.get(ix.map((v, i) => (i === dim ? k : v)));
              return acc;
            };
            expectValues(s, total, tol, `sum(${dim}) of [${shape}]`);
            expectValues(m, (ix) => total(ix) / shape[dim], tol, `mean(${dim}) of [${shape}]`);
          }
          const all = Array.from(t.toFlatArray()).reduce((p, q) => p + q, 0);
          expect(t.sum().shape).to.deep.equal([]);
          expect(t.sum().item()).to.be.closeTo(all, tol * Math.max(1, Math.abs(all)));
          expect(t.mean().item()).to.be.closeTo(all / t.size, tol);
          expect(t.sum(-1).shape).to.deep.equal(t.sum(shape.length - 1).shape);
        }),
        { numRuns: 40 },
      );
    });

    it('Task 2.3 all: 1 where every value along the dims is non-zero, as torch.all', () => {
      const mask = tensor(
        [
          [1, 0, 1],
          [1, 1, 1],
        ],
        { backend },
      );
      expect(mask.all().shape).to.deep.equal([]);
      expect(mask.all().item()).to.equal(0);
      expect(Array.from(mask.all(1).toFlatArray())).to.deep.equal([0, 1]);
      expect(Array.from(mask.all(0).toFlatArray())).to.deep.equal([1, 0, 1]);
      expect(mask.all(0, true).shape).to.deep.equal([1, 3]);
      expect(mask.all([0, 1]).item()).to.equal(0);
      expect(mask.permute(1, 0).all(0).toFlatArray()).to.deep.equal(mask.all(1).toFlatArray());
      // Any non-zero value counts (torch.all), not just 1.
      const values = tensor([-2.5, 0.1, 7], { backend });
      expect(values.all().item()).to.equal(1);
      expect(values.lt(5).all().item()).to.equal(0);
      expect(() => mask.all(2)).to.throw(/dim/);
    });

    it('Task 2.3 backend reduce: sum, max and prod along each dim of a permuted view', () => {
      const reducers: Array<[ReduceOp, (xs: number[]) => number]> = [
        ['sum', (xs) => xs.reduce((p, q) => p + q, 0)],
        ['max', (xs) => Math.max(...xs)],
        ['prod', (xs) => xs.reduce((p, q) => p * q, 1)],
      ];
      fc.assert(
        fc.property(shapeAndOrder(1, 3), fc.integer(), ([shape, order], seed) => {
          const t = seeded(shape, backend, seed).permute(...order);
          for (let dim = 0; dim < t.dims; dim++) {
            for (const [op, plain] of reducers) {
              const out = t.fromData(backend.reduce(op, t.data, dim));
              expectValues(
                out,
                (ix) =>
                  plain(Array.from({ length: t.shape[dim] }, (_, k) => t.get(ix.map((v, i) => (i === dim ? k : v))))),
                tol,
                `${op}(${dim}) of [${t.shape}]`,
              );
            }
          }
        }),
        { numRuns: 30 },
      );
    });

    it('Task 2.3 view, permute and contiguous keep the values in order', () => {
      const t = arange(24, opts).view(2, 3, 4);
      expect(t.get([1, 2, 3])).to.equal(23);
      const p = t.permute(2, 0, 1);
      expect(p.shape).to.deep.equal([4, 2, 3]);
      expect(p.get([3, 1, 2])).to.equal(23);
      expect(() => p.view(24)).to.throw(IndexingError, /not contiguous.*contiguous\(\)/);
      expect(Array.from(p.contiguous().view(24).toFlatArray().slice(0, 6))).to.deep.equal([0, 4, 8, 12, 16, 20]);
      expect(t.transpose(0, 2).shape).to.deep.equal([4, 3, 2]);
      expect(t.contiguous()).to.equal(t);
    });

    it('Task 2.1 creation: tensor, zeros, ones, full, arange, rand and randn', () => {
      const t = tensor(
        [
          [1, 2, 3],
          [4, 5, 6],
        ],
        opts,
      );
      expect(t.shape).to.deep.equal([2, 3]);
      expect(t.size).to.equal(6);
      expect(t.dims).to.equal(2);
      expect(t.backend).to.equal(backend);
      expect(t.toArray()).to.deep.equal([
        [1, 2, 3],
        [4, 5, 6],
      ]);
      expect(tensor(7, opts).item()).to.equal(7);
      expect(Array.from(zeros([2, 2], opts).toFlatArray())).to.deep.equal([0, 0, 0, 0]);
      expect(Array.from(ones([3], opts).toFlatArray())).to.deep.equal([1, 1, 1]);
      expect(Array.from(full([2], 2.5, opts).toFlatArray())).to.deep.equal([2.5, 2.5]);
      expect(Array.from(arange(4, opts).toFlatArray())).to.deep.equal([0, 1, 2, 3]);
      const r = rand([3, 4], { ...opts, seed: 7 });
      expect(Array.from(r.toFlatArray())).to.deep.equal(Array.from(rand([3, 4], { ...opts, seed: 7 }).toFlatArray()));
      expect(Array.from(r.toFlatArray()).every((v) => v >= 0 && v < 1)).to.equal(true);
      expect(Array.from(randn([2], { ...opts, seed: 1 }).toFlatArray())).to.not.deep.equal(
        Array.from(randn([2], { ...opts, seed: 2 }).toFlatArray()),
      );
      expect(zeros([2], { ...opts, requiresGrad: true }).requiresGrad).to.equal(true);
    });

    it('Task 2.3 item, get, set and toString', () => {
      const t = tensor([[1, 2.5]], opts);
      expect(t.get([0, 1])).to.equal(2.5);
      t.set([0, 0], -1);
      expect(t.get([0, 0])).to.equal(-1);
      expect(t.toString()).to.equal('tensor([[-1.0000,  2.5000]])');
      expect(tensor([1, 2], opts).toString()).to.equal('tensor([1., 2.])');
      expect(t.sum().item()).to.be.closeTo(1.5, tol);
    });

    it('Task 2.3 Errors: bad creation, item, view, get and set name the shapes', () => {
      expect(() => tensor([[1, 2], [3]], opts)).to.throw(IndexingError, /ragged/);
      expect(() => fromFlat([1, 2, 3], [2, 2], opts)).to.throw(IndexingError, /3 values.*\[2, 2\]/);
      expect(() => zeros([2, -1], opts)).to.throw(IndexingError, /-1/);
      const t = zeros([2, 3], opts);
      expect(() => t.item()).to.throw(IndexingError, /6 elements.*\[2, 3\]/);
      expect(() => t.view(4)).to.throw(IndexingError, /\[4\].*\[2, 3\]/);
      expect(() => t.get([2, 0])).to.throw(IndexingError, /\[2, 3\]/);
      expect(() => t.sum(2)).to.throw(IndexingError, /dim 2.*\[2, 3\]/);
      expect(() => t.permute(1)).to.throw(IndexingError, /\[2, 3\]/);
      const y = zeros([2], { ...opts, requiresGrad: true }).mul(2);
      expect(() => y.set([0], 1)).to.throw(/computed tensor/);
      expect(() => t.add('x' as unknown as number)).to.throw(TypeError, /Tensor or a number/);
    });

    it('Task 2.1 Errors: values, shapes, dims and backends of the wrong type are refused, never stored as NaN', () => {
      const t = zeros([2], opts);
      expect(() => t.set([0], 'x' as unknown as number)).to.throw(
        TypeError,
        /set: values must be numbers, got the string "x"/,
      );
      expect(t.get([0])).to.equal(0);
      expect(() => fromFlat(['a'] as unknown as number[], [1], opts)).to.throw(
        TypeError,
        /fromFlat: values\[0\] must be a number, got the string "a"/,
      );
      expect(() => fromFlat([1, undefined] as unknown as number[], [2], opts)).to.throw(
        TypeError,
        /values\[1\] .*undefined/,
      );
      expect(() => t.sum('1' as unknown as number)).to.throw(TypeError, /dim must be an integer, got the string "1"/);
      expect(() => t.sum(0.5)).to.throw(TypeError, /dim must be an integer, got number 0.5/);
      expect(() => zeros(2 as unknown as number[], 3 as never)).to.throw(
        TypeError,
        /shape must be an array of sizes such as \[2, 3\], got number 2/,
      );
      expect(() => tensor([1], { backend: 'toString' as never })).to.throw(/unknown backend "toString"/);
      expect(() => tensor([1], { backend: '__proto__' as never })).to.throw(/unknown backend "__proto__"/);
    });
  },
  { kernelFree: /creation: tensor, zeros|Errors: values, shapes/ },
);

describeEachBackend('Task 2.4 tensor gradients', (backend, name) => {
  const opts = { backend };
  const tol = tolerance(name);

  for (const c of UNARY_TENSOR_OPS) {
    it(`Task 2.4 ${c.name} gradient matches central differences, also through a permute`, () => {
      fc.assert(
        fc.property(shapeAndOrder(1, 3), fc.integer(), ([shape, order], seed) => {
          const t = clearOfKink(c, seeded(shape, backend, seed, c.lo, c.hi));
          gradCheck(c.op, [t]);
          gradCheck((x) => c.op(x.permute(...order)), [t]);
        }),
        { numRuns: 10 },
      );
    });
  }

  for (const c of BINARY) {
    it(`Task 2.4 ${c.name} gradients are summed back to each broadcast input's shape`, () => {
      fc.assert(
        fc.property(broadcastPair(3), fc.integer(), ([sa, sb], seed) => {
          const a = seeded(sa, backend, seed, -3, 3);
          const b = seeded(sb, backend, seed + 1, c.b[0], c.b[1]);
          if (c.comparison) {
            // A step function is flat almost everywhere: the gradient is zero, of each input's shape.
            const [x, y] = [a, b].map((t) => fromFlat(t.toFlatArray(), t.shape, { ...opts, requiresGrad: true }));
            c.op(x, y).sum().backward();
            expect(x.grad!.shape).to.deep.equal(sa);
            expect(y.grad!.shape).to.deep.equal(sb);
            expect(Array.from(x.grad!.toFlatArray()).every((v) => v === 0)).to.equal(true);
            expect(Array.from(y.grad!.toFlatArray()).every((v) => v === 0)).to.equal(true);
            return;
          }
          gradCheck(c.op, [a, b]);
        }),
        { numRuns: 12 },
      );
    });
  }

  it('Task 2.4 binary gradients with a permuted input', () => {
    fc.assert(
      fc.property(shapeAndOrder(2, 3), fc.integer(), ([shape, order], seed) => {
        const a = seeded(shape, backend, seed);
        const b = seeded(
          order.map((d) => shape[d]),
          backend,
          seed + 1,
          0.5,
          2,
        );
        gradCheck(
          (x, y) => x.mul(y.permute(...inversePermutation(order))).add(x.div(y.permute(...inversePermutation(order)))),
          [a, b],
        );
      }),
      { numRuns: 10 },
    );
  });

  it('Task 2.4 sum and mean gradients over every dim and over everything', () => {
    fc.assert(
      fc.property(shapeAndOrder(1, 3), fc.integer(), ([shape, order], seed) => {
        const t = seeded(shape, backend, seed);
        const w = seeded(
          order.map((d) => shape[d]),
          backend,
          seed + 1,
        );
        for (let dim = 0; dim < shape.length; dim++) {
          // Weighting the result makes every output element's gradient different.
          const weights = seeded(
            shape.map((d, i) => (i === dim ? 1 : d)),
            backend,
            seed + 2 + dim,
          );
          gradCheck((x) => x.sum(dim, true).mul(weights), [t]);
          gradCheck((x) => x.mean(dim, true).mul(weights), [t]);
        }
        gradCheck((x) => x.sum().mul(x.mean()), [t]);
        gradCheck(
          (x) =>
            x
              .permute(...order)
              .mul(w)
              .sum(0),
          [t],
        );
      }),
      { numRuns: 10 },
    );
  });

  it('Task 2.4 view, permute and contiguous pass gradients back in the right places', () => {
    fc.assert(
      fc.property(shapeAndOrder(2, 3), fc.integer(), ([shape, order], seed) => {
        const t = seeded(shape, backend, seed);
        const size = shape.reduce((p, q) => p * q, 1);
        const w = seeded([size], backend, seed + 1);
        gradCheck(
          (x) =>
            x
              .permute(...order)
              .contiguous()
              .view(size)
              .mul(w),
          [t],
        );
        gradCheck((x) => x.view(size).mul(w), [t]);
        gradCheck((x) => x.transpose(0, shape.length - 1).mul(x.transpose(0, shape.length - 1)), [t]);
      }),
      { numRuns: 10 },
    );
  });

  it('Task 2.4 a composite network-like expression', () => {
    const x = seeded([4, 3], backend, 1);
    const w = seeded([3, 2], backend, 2);
    const b = seeded([2], backend, 3);
    gradCheck(
      (x, w, b) =>
        x
          .view(4, 3, 1)
          .mul(w.view(1, 3, 2))
          .sum(1)
          .view(4, 2)
          .add(b)
          .relu()
          .add(x.sum(1, true))
          .sigmoid(),
      [x, w, b],
    );
  });

  it('Task 2.4 gradients accumulate over backward calls until zeroGrad_', () => {
    const x = tensor([1, 2, 3], { ...opts, requiresGrad: true });
    x.mul(x).sum().backward();
    expectValuesArray(x.grad!, [2, 4, 6], tol);
    x.mul(3).sum().backward();
    expectValuesArray(x.grad!, [5, 7, 9], tol);
    x.zeroGrad_();
    expect(x.grad).to.equal(null);
    // A leaf used twice in one expression collects both contributions.
    x.mul(2).add(x).sum().backward();
    expectValuesArray(x.grad!, [3, 3, 3], tol);
  });

  it('Task 2.4 backward with an explicit gradient, constants and noGrad', () => {
    const x = tensor([[1, 2]], { ...opts, requiresGrad: true });
    const c = tensor([[5, 7]], opts);
    x.mul(c).backward(tensor([[1, 10]], opts));
    expectValuesArray(x.grad!, [5, 70], tol);
    expect(c.grad).to.equal(null);
    const y = noGrad(() => x.mul(2));
    expect(y.history).to.equal(null);
    expect(x.mul(2).detach().history).to.equal(null);
    expect(x.mul(2).toString()).to.match(/gradFn=mul/);
  });

  it('Task 2.3 Errors: backward needs a scalar or a gradient of the same shape', () => {
    const x = tensor([1, 2], { ...opts, requiresGrad: true });
    expect(() => x.mul(2).backward()).to.throw(/1-element tensor.*\[2\]/);
    expect(() => x.mul(2).backward(tensor([1, 2, 3], opts))).to.throw(IndexingError, /\[3\].*\[2\]/);
    expect(() => x.sum().backward(5 as unknown as Tensor)).to.throw(
      TypeError,
      /grad must be a Tensor of shape \[\], got number 5/,
    );
  });

  it('Task 2.4 Errors: set() on a tensor saved for backward makes backward throw, naming the tensor and the op', () => {
    const x = tensor([1, 2], { ...opts, requiresGrad: true });
    x.name = 'x';
    const y = x.mul(x).sum();
    x.set([0], 10);
    expect(() => y.backward()).to.throw(
      /tensor "x" of shape \[2\] was modified in place \(set or an in-place op such as add_\) after "mul" saved it.*version 1.*version 0/,
    );
    expect(x.grad).to.equal(null);
    // A write through a view is a write to the same storage; a fresh graph is fine.
    const c = tensor([[1, 2]], opts);
    const z = x.mul(c.permute(1, 0)).sum();
    c.permute(1, 0).set([1, 0], 5);
    expect(() => z.backward()).to.throw(/modified in place.*"mul"/);
    x.mul(x).sum().backward();
    expectValuesArray(x.grad!, [20, 4], tol);
    // Ops that save nothing (add) are unaffected by a later write.
    const w = tensor([3, 4], { ...opts, requiresGrad: true });
    const s = w.add(1).sum();
    w.set([1], 0);
    s.backward();
    expectValuesArray(w.grad!, [1, 1], tol);
  });

  it('Task 2.3 Errors: tensors on different backends cannot be combined', () => {
    const other = new SimpleBackend();
    const a = tensor([1, 2], opts);
    const b = tensor([1, 2], { backend: other });
    expect(() => a.add(b)).to.throw(/different backends/);
    expect(a.to(backend)).to.equal(a);
    expect(Array.from(b.to(backend).add(a).toFlatArray())).to.deep.equal([2, 4]);
  });
});

/** Assert the flat values of `t` are `want` within `tol`. */
function expectValuesArray(t: Tensor, want: number[], tol: number): void {
  const got = Array.from(t.toFlatArray());
  expect(got.length).to.equal(want.length);
  got.forEach((v, i) => expect(v).to.be.closeTo(want[i], tol));
}

describe('Errors backward on a constant', () => {
  it('Task 2.3 backward on a tensor that tracks nothing says so', () => {
    expect(() => tensor([1, 2]).sum().backward()).to.throw(/does not require a gradient/);
  });
});
