/**
 * Value checks of the autograder: for a task, the library's functions called on inputs the
 * grader draws with a secret seed, once with the reference solution (in the grader, which
 * never loads submitted code) and once with the submission (in the unprivileged test
 * process, `scripts/challengeChild.ts`). A task's points are capped by the share of its
 * items (one per function) whose outputs agree. The test process can forge what its tests
 * report, but not these values without computing them: it can read neither the reference
 * nor the seed before the inputs arrive.
 *
 * Tasks without an entry here (property tests, training runs, GPU kernels…) are graded by
 * their tests alone, behind the canaries (see README, "Threat model").
 *
 * @packageDocumentation
 */

/* eslint-disable @typescript-eslint/no-explicit-any -- the modules are loaded by path at run time */

/** One task's value check. */
export interface Challenge {
  /** Compiled library modules it calls, relative to the build root (`src/operators`). */
  modules: string[];
  /** Its inputs, drawn from `rand` (uniform in [0, 1)); plain JSON. */
  inputs(rand: () => number): unknown;
  /** Item name → the outputs of that function on the inputs (JSON, see `encode`). */
  run(mods: Record<string, any>, input: any): Record<string, unknown>;
  /** Relative tolerance of numbers (default 1e-9; a finite difference needs more). */
  tolerance?: number;
}

/** A seeded uniform generator (mulberry32). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `f()`, or `error:<name>` when it throws (a stub, a wrong error type). */
function attempt(f: () => unknown): unknown {
  try {
    return encode(f());
  } catch (e) {
    return `error:${(e as Error)?.name ?? 'Error'}`;
  }
}

/** A value JSON can carry: non-finite numbers as strings, arrays and plain objects walked. */
export function encode(x: unknown): unknown {
  if (typeof x === 'number') return Number.isFinite(x) ? x : String(x);
  if (Array.isArray(x)) return x.map(encode);
  if (x !== null && typeof x === 'object') return Object.fromEntries(Object.entries(x).map(([k, v]) => [k, encode(v)]));
  return x;
}

/** Do two encoded values agree (numbers to `tolerance`, relative)? */
export function agree(a: unknown, b: unknown, tolerance = 1e-9): boolean {
  if (typeof a === 'number' && typeof b === 'number')
    return Math.abs(a - b) <= tolerance * Math.max(1, Math.abs(a), Math.abs(b));
  if (Array.isArray(a) && Array.isArray(b))
    return a.length === b.length && a.every((x, i) => agree(x, b[i], tolerance));
  if (a !== null && b !== null && typeof a === 'object' && typeof b === 'object') {
    const ka = Object.keys(a).sort();
    const kb = Object.keys(b).sort();
    return (
      agree(ka, kb) &&
      ka.every((k) => agree((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], tolerance))
    );
  }
  return a === b;
}

const round = (x: number, digits = 3) => Number(x.toFixed(digits));
const between = (rand: () => number, lo: number, hi: number) => round(lo + (hi - lo) * rand());

/** Pairs of numbers with the cases that matter: equal, near, zero, signs. */
function pairs(rand: () => number, n = 10): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (let i = 0; i < n; i++) {
    const x = between(rand, -50, 50);
    const kind = i % 4;
    const y = kind === 0 ? x : kind === 1 ? round(x + between(rand, -0.02, 0.02), 4) : between(rand, -50, 50);
    out.push([x, y]);
  }
  out.push([0, 0], [between(rand, 0.1, 3), -between(rand, 0.1, 3)]);
  return out;
}

/** The value checks, by task. */
export const CHALLENGES: Record<string, Challenge> = {
  '0.1': {
    modules: ['src/operators'],
    inputs: (rand) => ({ pairs: pairs(rand), positive: Array.from({ length: 6 }, () => between(rand, 0.05, 20)) }),
    run(m, { pairs: ps, positive }: { pairs: Array<[number, number]>; positive: number[] }) {
      const o = m['src/operators'];
      const two = (name: string) => ps.map(([x, y]) => attempt(() => o[name](x, y)));
      const one = (name: string, xs = ps.map(([x]) => x)) => xs.map((x) => attempt(() => o[name](x)));
      const nonzero = ps.map(([x]) => x).filter((x) => x !== 0);
      return {
        mul: two('mul'),
        id: one('id'),
        add: two('add'),
        neg: one('neg'),
        lt: two('lt'),
        eq: two('eq'),
        max: two('max'),
        isClose: two('isClose'),
        sigmoid: one('sigmoid', [...ps.map(([x]) => x), 800, -800]),
        relu: one('relu'),
        log: one('log', [...positive, 0]),
        exp: one(
          'exp',
          ps.map(([x]) => x / 5),
        ),
        inv: one('inv', nonzero),
        logBack: positive.map((x, i) => attempt(() => o.logBack(x, ps[i][1]))),
        invBack: nonzero.map((x, i) => attempt(() => o.invBack(x, ps[i][1]))),
        reluBack: two('reluBack'),
      };
    },
  },
  '0.3': {
    modules: ['src/operators'],
    inputs: (rand) => {
      const list = (n: number) => Array.from({ length: n }, () => between(rand, -5, 5));
      const n = 3 + Math.floor(rand() * 5);
      return {
        a: between(rand, -3, 3),
        b: between(rand, -3, 3),
        l1: list(n),
        l2: list(n),
        l3: list(n + 1),
        start: between(rand, -2, 2),
      };
    },
    run(
      m,
      { a, b, l1, l2, l3, start }: { a: number; b: number; l1: number[]; l2: number[]; l3: number[]; start: number },
    ) {
      const o = m['src/operators'];
      return {
        map: [attempt(() => o.map((x: number) => a * x + b)(l1)), attempt(() => o.map((x: number) => x)([]))],
        zipWith: [
          attempt(() => o.zipWith((x: number, y: number) => a * x - y)(l1, l2)),
          attempt(() => o.zipWith((x: number, y: number) => x + y)(l1, l3)),
        ],
        reduce: [
          attempt(() => o.reduce((acc: number, x: number) => acc * a - x, start)(l1)),
          attempt(() => o.reduce((acc: number, x: number) => acc + x, start)([])),
        ],
        negList: [attempt(() => o.negList(l1))],
        addLists: [attempt(() => o.addLists(l1, l2))],
        sum: [attempt(() => o.sum(l1)), attempt(() => o.sum([]))],
        prod: [attempt(() => o.prod(l2)), attempt(() => o.prod([]))],
      };
    },
  },
  '0.4': {
    modules: ['src/module'],
    inputs: (rand) => {
      // A random tree: node i has parameters and children among the later nodes; some
      // children are in an array field, and one node may be shared by two parents.
      const n = 5 + Math.floor(rand() * 5);
      const nodes = Array.from({ length: n }, (_, i) => {
        const later = Array.from({ length: n - i - 1 }, (_, k) => i + 1 + k).filter(() => rand() < 0.35);
        const split = Math.floor(rand() * (later.length + 1));
        return { params: Math.floor(rand() * 3), fields: later.slice(0, split), list: later.slice(split) };
      });
      for (let i = 1; i < n; i++) {
        if (!nodes.some((x) => x.fields.includes(i) || x.list.includes(i)))
          nodes[Math.floor(rand() * i)].fields.push(i);
      }
      return { nodes, evalAt: Math.floor(rand() * n) };
    },
    run(m, { nodes, evalAt }: { nodes: Array<{ params: number; fields: number[]; list: number[] }>; evalAt: number }) {
      const { Module, Parameter } = m['src/module'];
      const make = () => {
        const built: any[] = nodes.map(() => new Module());
        nodes.forEach((node, i) => {
          for (let p = 0; p < node.params; p++) built[i][`w${p}`] = new Parameter(i * 10 + p);
          for (const c of node.fields) built[i][`c${c}`] = built[c];
          if (node.list.length > 0) built[i].layers = node.list.map((c) => built[c]);
        });
        built.forEach((b, i) => (b.tag = i));
        return built;
      };
      const flags = (built: any[]) => built.map((b) => b.training);
      return {
        namedChildren: attempt(() => make().map((b) => b.namedChildren().map(([k, c]: [string, any]) => [k, c.tag]))),
        modules: attempt(() => make().map((b) => b.modules().map((c: any) => c.tag))),
        namedParameters: attempt(() =>
          make().map((b) => b.namedParameters().map(([k, p]: [string, any]) => [k, p.value])),
        ),
        eval: attempt(() => {
          const built = make();
          built[evalAt].eval();
          return flags(built);
        }),
        train: attempt(() => {
          const built = make();
          built[0].eval();
          built[evalAt].train();
          return flags(built);
        }),
      };
    },
  },
  '1.1': {
    modules: ['src/autodiff'],
    tolerance: 1e-6,
    inputs: (rand) => ({ vals: Array.from({ length: 3 }, () => between(rand, -2, 2)), c: between(rand, 0.5, 2) }),
    run(m, { vals, c }: { vals: number[]; c: number }) {
      const { centralDifference } = m['src/autodiff'];
      const f = (x: number, y: number, z: number) => c * x * x * y + Math.sin(z) * y;
      const d = (arg: number) =>
        attempt(() => {
          const args = vals.slice();
          const r = centralDifference(f, args, { arg });
          // The caller's array must be left exactly as it was.
          return [r, args.every((v, i) => v === vals[i])];
        });
      return { arg0: d(0), arg1: d(1), arg2: d(2) };
    },
  },
  '1.2': {
    modules: ['src/scalar'],
    inputs: (rand) => ({ pairs: pairs(rand, 6).filter(([x]) => x !== 0) }),
    run(m, { pairs: ps }: { pairs: Array<[number, number]> }) {
      const { Scalar } = m['src/scalar'];
      const op = (f: (a: any, b: any) => any) =>
        ps.map(([x, y]) => attempt(() => f(new Scalar(x), new Scalar(y)).data));
      return {
        mul: op((a, b) => a.mul(b)),
        inv: op((a) => a.inv()),
        sigmoid: op((a) => a.sigmoid()),
        relu: op((a) => a.relu()),
        log: op((a) => a.mul(a).add(1).log()),
        exp: op((a) => a.mul(0.1).exp()),
        lt: op((a, b) => a.lt(b)),
        eq: op((a, b) => a.eq(b)),
      };
    },
  },
  '1.4': {
    modules: ['src/scalar'],
    inputs: (rand) => ({ pairs: pairs(rand, 6).filter(([x, y]) => x !== 0 && y !== 0) }),
    run(m, { pairs: ps }: { pairs: Array<[number, number]> }) {
      const { Scalar } = m['src/scalar'];
      const grad = (f: (a: any, b: any) => any) =>
        ps.map(([x, y]) =>
          attempt(() => {
            const a = new Scalar(x);
            const b = new Scalar(y);
            f(a, b).backward();
            return [a.derivative, b.derivative];
          }),
        );
      return {
        mul: grad((a, b) => a.mul(b).mul(a)),
        inv: grad((a, b) => a.inv().mul(b)),
        sigmoid: grad((a, b) => a.mul(b).mul(0.1).sigmoid()),
        relu: grad((a, b) => a.relu().mul(b)),
        log: grad((a, b) => a.mul(a).add(1).log().mul(b)),
        exp: grad((a, b) => a.mul(0.05).exp().mul(b)),
        shared: grad((a, b) => a.mul(b).add(a.mul(b).mul(a)).add(b)),
      };
    },
  },
  '1.3': {
    modules: ['src/scalar'],
    inputs: (rand) => ({ pairs: pairs(rand, 6), d: between(rand, -3, 3) }),
    run(m, { pairs: ps, d }: { pairs: Array<[number, number]>; d: number }) {
      const { Scalar } = m['src/scalar'];
      // add's and neg's backward are given (no Task 1.4 code): only the chain rule is checked,
      // with a constant input that must be left out.
      const chain = (f: (a: any, b: any) => any) =>
        ps.map(([x, y]) =>
          attempt(() => {
            const a = new Scalar(x);
            const b = new Scalar(y);
            return f(a, b)
              .chainRule(d)
              .map(([v, g]: [any, number]) => [v === a ? 'a' : v === b ? 'b' : 'other', g]);
          }),
        );
      return { add: chain((a, b) => a.add(b)), constant: chain((a) => a.add(3)), neg: chain((a) => a.neg()) };
    },
  },
  '2.1': {
    modules: ['src/tensorData'],
    inputs: (rand) => {
      const shape = sizes(rand, 2 + Math.floor(rand() * 3));
      const order = shape.map((_, i) => i);
      for (let i = order.length - 1; i > 0; i--) {
        const k = Math.floor(rand() * (i + 1));
        [order[i], order[k]] = [order[k], order[i]];
      }
      return { shape, order };
    },
    run(m, { shape, order }: { shape: number[]; order: number[] }) {
      const { TensorData, indexToPosition, toIndex } = m['src/tensorData'];
      const size = shape.reduce((a, b) => a * b, 1);
      const strides = attempt(() => new TensorData(new Float64Array(size), shape).strides);
      const indices = attempt(() =>
        Array.from({ length: size }, (_, i) => {
          const out = new Array<number>(shape.length).fill(0);
          toIndex(i, shape, out);
          return out;
        }),
      );
      const positions = attempt(() => {
        const data = new TensorData(new Float64Array(size), shape);
        const permuted = data.permute(...order);
        return [
          Array.from(permuted.shape),
          Array.from(permuted.strides),
          indexToPosition([...shape].fill(0), data.strides),
        ];
      });
      return { strides, indices, positions };
    },
  },
  '2.2': {
    modules: ['src/tensorData'],
    inputs: (rand) => {
      const big = sizes(rand, 2 + Math.floor(rand() * 2));
      const small = big.slice(Math.floor(rand() * 2)).map((n) => (rand() < 0.4 ? 1 : n));
      return { big, small, bad: [...big.slice(0, -1), big[big.length - 1] + 1] };
    },
    run(m, { big, small, bad }: { big: number[]; small: number[]; bad: number[] }) {
      const { shapeBroadcast, broadcastIndex } = m['src/tensorData'];
      const size = big.reduce((a, b) => a * b, 1);
      const index = attempt(() => {
        const out: number[][] = [];
        for (let i = 0; i < size; i++) {
          const bigIndex = new Array<number>(big.length).fill(0);
          let rest = i;
          for (let d = big.length - 1; d >= 0; d--) {
            bigIndex[d] = rest % big[d];
            rest = Math.floor(rest / big[d]);
          }
          const smallIndex = new Array<number>(small.length).fill(0);
          broadcastIndex(bigIndex, big, small, smallIndex);
          out.push(smallIndex);
        }
        return out;
      });
      return {
        shape: [attempt(() => shapeBroadcast(big, small)), attempt(() => shapeBroadcast(small, big))],
        error: [attempt(() => shapeBroadcast(big, bad))],
        index,
      };
    },
  },
  '2.3': {
    modules: ['src/tensor'],
    inputs: tensorInputs,
    run(m, { a, b, shape }: TensorInput) {
      const { tensor } = m['src/tensor'];
      const x = () => tensor(a).view(...shape);
      const y = () => tensor(b).view(...shape);
      const out = (f: () => any) => attempt(() => f().toArray());
      return {
        map: [out(() => x().neg()), out(() => x().sigmoid()), out(() => x().relu()), out(() => x().exp())],
        log: [out(() => x().mul(x()).add(1).log()), out(() => x().add(10).inv())],
        zip: [out(() => x().mul(y())), out(() => x().add(y().sum(0)))],
        transposed: [out(() => x().permute(1, 0).mul(y().permute(1, 0)))],
        reduce: [
          out(() => x().sum(0)),
          out(() => x().sum(1)),
          out(() => x().permute(1, 0).sum(1)),
          out(() => x().sum()),
        ],
      };
    },
  },
  '2.4': {
    modules: ['src/tensor'],
    inputs: tensorInputs,
    run(m, { a, b, shape }: TensorInput) {
      const { tensor } = m['src/tensor'];
      const grads = (f: (x: any, y: any) => any) =>
        attempt(() => {
          const x = tensor(a, { requiresGrad: true });
          const y = tensor(b, { requiresGrad: true });
          f(x.view(...shape), y.view(...shape)).backward();
          return [x.grad.toArray(), y.grad.toArray()];
        });
      return {
        unary: grads((x, y) => x.sigmoid().mul(y).add(x.relu()).add(x.mul(x).add(1).log()).sum()),
        exp: grads((x, y) => x.mul(0.1).exp().mul(y.add(10).inv()).sum()),
        broadcast: grads((x, y) => x.mul(y.sum(0)).sum()),
        permute: grads((x, y) => x.permute(1, 0).mul(y.permute(1, 0).sum(1, true)).sum()),
      };
    },
  },
  '3.1': {
    modules: ['src/backends/fast/kernels'],
    inputs: tensorInputs,
    run(m, { a, b, shape }: TensorInput) {
      const k = m['src/backends/fast/kernels'];
      const [rows, cols] = shape;
      const arr = (values: number[], shp: number[], strides: number[]) => ({
        storage: Float64Array.from(values),
        shape: shp,
        strides,
      });
      const out = (shp: number[]) => arr(new Array(shp.reduce((x, y) => x * y, 1)).fill(0), shp, [shp[1], 1]);
      const run = (shp: number[], f: (o: any) => void) =>
        attempt(() => {
          const o = out(shp);
          f(o);
          return Array.from(o.storage);
        });
      const x = arr(a, shape, [cols, 1]);
      const xT = arr(a, [cols, rows], [1, cols]); // a permuted view
      const y = arr(b, shape, [cols, 1]);
      const row = arr(b.slice(0, cols), [1, cols], [0, 1]); // broadcast along rows
      const n = rows * cols;
      return {
        map: [
          run(shape, (o) => k.fastMapRange(o, x, 'exp', 0, n)),
          run([cols, rows], (o) => k.fastMapRange(o, xT, 'neg', 0, n)),
          run(shape, (o) => k.fastMapRange(o, x, 'relu', 1, n - 1)),
        ],
        zip: [
          run(shape, (o) => k.fastZipRange(o, x, y, 'mul', 0, n)),
          run(shape, (o) => k.fastZipRange(o, x, row, 'add', 0, n)),
          run([cols, rows], (o) => k.fastZipRange(o, xT, xT, 'mul', 0, n)),
        ],
        reduce: [
          run([1, cols], (o) => k.fastReduceRange(o, x, 'sum', 0, 0, cols)),
          run([rows, 1], (o) => k.fastReduceRange(o, x, 'max', 1, 0, rows)),
        ],
      };
    },
  },
  '3.2': {
    modules: ['src/backends/fast/kernels'],
    inputs: tensorInputs,
    run(m, { a, b, shape }: TensorInput) {
      const k = m['src/backends/fast/kernels'];
      const [rows, cols] = shape;
      const mm = (aShape: number[], aStrides: number[], bShape: number[], bStrides: number[], oShape: number[]) =>
        attempt(() => {
          const size = oShape.reduce((x, y) => x * y, 1);
          const o = { storage: new Float64Array(size), shape: oShape, strides: [oShape[1] * oShape[2], oShape[2], 1] };
          k.matmulRange(
            o,
            { storage: Float64Array.from(a), shape: aShape, strides: aStrides },
            { storage: Float64Array.from(b), shape: bShape, strides: bStrides },
            0,
            size,
          );
          return Array.from(o.storage);
        });
      return {
        // [1, r, c] @ [1, c, r], then the second operand transposed, then broadcast batches.
        plain: mm([1, rows, cols], [0, cols, 1], [1, cols, rows], [0, rows, 1], [1, rows, rows]),
        transposed: mm([1, rows, cols], [0, cols, 1], [1, cols, rows], [0, 1, cols], [1, rows, rows]),
        batched: mm([2, rows, cols], [0, cols, 1], [2, cols, rows], [0, rows, 1], [2, rows, rows]),
      };
    },
  },
  '4.1': {
    modules: ['src/tensor', 'src/nn'],
    inputs: (rand) => ({ x: list(rand, 2 * 2 * 7), w: list(rand, 3 * 2 * 3), g: list(rand, 2 * 3 * 7) }),
    run(m, { x, w, g }: { x: number[]; w: number[]; g: number[] }) {
      const { tensor } = m['src/tensor'];
      const { conv1d } = m['src/nn'];
      return {
        forward: attempt(() => conv1d(tensor(x).view(2, 2, 7), tensor(w).view(3, 2, 3)).toArray()),
        backward: attempt(() => {
          const xs = tensor(x, { requiresGrad: true });
          const ws = tensor(w, { requiresGrad: true });
          conv1d(xs.view(2, 2, 7), ws.view(3, 2, 3))
            .mul(tensor(g).view(2, 3, 7))
            .sum()
            .backward();
          return [xs.grad.toArray(), ws.grad.toArray()];
        }),
      };
    },
  },
  '4.2': {
    modules: ['src/tensor', 'src/nn'],
    inputs: (rand) => ({ x: list(rand, 2 * 2 * 5 * 4), w: list(rand, 3 * 2 * 2 * 3), g: list(rand, 2 * 3 * 5 * 4) }),
    run(m, { x, w, g }: { x: number[]; w: number[]; g: number[] }) {
      const { tensor } = m['src/tensor'];
      const { conv2d } = m['src/nn'];
      return {
        forward: attempt(() => conv2d(tensor(x).view(2, 2, 5, 4), tensor(w).view(3, 2, 2, 3)).toArray()),
        backward: attempt(() => {
          const xs = tensor(x, { requiresGrad: true });
          const ws = tensor(w, { requiresGrad: true });
          conv2d(xs.view(2, 2, 5, 4), ws.view(3, 2, 2, 3))
            .mul(tensor(g).view(2, 3, 5, 4))
            .sum()
            .backward();
          return [xs.grad.toArray(), ws.grad.toArray()];
        }),
      };
    },
  },
  '4.3': {
    modules: ['src/tensor', 'src/nn'],
    inputs: (rand) => ({ x: list(rand, 2 * 3 * 4 * 6) }),
    run(m, { x }: { x: number[] }) {
      const { tensor } = m['src/tensor'];
      const { tile, avgpool2d } = m['src/nn'];
      const input = () => tensor(x).view(2, 3, 4, 6);
      return {
        tile: attempt(() => {
          const [t, h, w] = tile(input(), [2, 3]);
          return [t.shape, t.toArray(), h, w];
        }),
        avgpool: [attempt(() => avgpool2d(input(), [2, 3]).toArray()), attempt(() => avgpool2d(input(), 2).toArray())],
        backward: attempt(() => {
          const xs = tensor(x, { requiresGrad: true });
          avgpool2d(xs.view(2, 3, 4, 6), [2, 2])
            .mul(tensor(x.slice(0, 36)).view(2, 3, 2, 3))
            .sum()
            .backward();
          return xs.grad.toArray();
        }),
      };
    },
  },
  '4.4': {
    modules: ['src/tensor', 'src/nn'],
    // Distinct values: with ties, max's and argmax's answers may rightly differ.
    inputs: (rand) => ({ x: distinct(rand, 2 * 3 * 4 * 4) }),
    run(m, { x }: { x: number[] }) {
      const { tensor } = m['src/tensor'];
      const nn = m['src/nn'];
      const input = () => tensor(x).view(2, 3, 4, 4);
      const grad = (f: (t: any) => any) =>
        attempt(() => {
          const xs = tensor(x, { requiresGrad: true });
          f(xs.view(2, 3, 4, 4))
            .mul(f(tensor(x).view(2, 3, 4, 4)).detach())
            .sum()
            .backward();
          return xs.grad.toArray();
        });
      return {
        max: [attempt(() => nn.max(input(), 3).toArray()), grad((t) => nn.max(t, 1))],
        argmax: [attempt(() => nn.argmax(input(), 2).toArray())],
        softmax: [attempt(() => nn.softmax(input(), 1).toArray()), grad((t) => nn.softmax(t, 3))],
        logsoftmax: [attempt(() => nn.logsoftmax(input(), 3).toArray()), grad((t) => nn.logsoftmax(t, 1))],
        maxpool: [attempt(() => nn.maxpool2d(input(), 2).toArray()), grad((t) => nn.maxpool2d(t, [2, 1]))],
        dropout: [
          attempt(() => nn.dropout(input(), 0).toArray()),
          attempt(() => nn.dropout(input(), 0.5, { ignore: true }).toArray()),
        ],
      };
    },
  },
};

/** Inputs of the tensor checks: two tensors' values and the 2-D shape they are viewed as. */
interface TensorInput {
  a: number[];
  b: number[];
  shape: [number, number];
}

/** `n` distinct-ish values in [-3, 3] (ties are rare, so max and argmax are unambiguous). */
function list(rand: () => number, n: number): number[] {
  return Array.from({ length: n }, () => between(rand, -3, 3));
}

/** `n` different values in about [-3, 3], shuffled. */
function distinct(rand: () => number, n: number): number[] {
  const step = 6 / n;
  const out = Array.from({ length: n }, (_, i) => round(-3 + i * step + rand() * step * 0.5, 4));
  for (let i = n - 1; i > 0; i--) {
    const k = Math.floor(rand() * (i + 1));
    [out[i], out[k]] = [out[k], out[i]];
  }
  return out;
}

/** `n` dim sizes of 2–4. */
function sizes(rand: () => number, n: number): number[] {
  return Array.from({ length: n }, () => 2 + Math.floor(rand() * 3));
}

/** Two small tensors of a random 2-D shape (2–4 × 2–4). */
function tensorInputs(rand: () => number): TensorInput {
  const shape: [number, number] = [2 + Math.floor(rand() * 3), 2 + Math.floor(rand() * 3)];
  const n = shape[0] * shape[1];
  return { a: list(rand, n), b: list(rand, n), shape };
}

/** Compare the two sides item by item: the share that agrees, and what differed. */
export function compareChallenge(
  reference: Record<string, unknown>,
  submitted: unknown,
  tolerance = 1e-9,
): { agreed: number; total: number; differences: string[] } {
  const got = submitted !== null && typeof submitted === 'object' ? (submitted as Record<string, unknown>) : {};
  const differences: string[] = [];
  let agreed = 0;
  for (const [item, want] of Object.entries(reference)) {
    if (agree(want, got[item], tolerance)) agreed++;
    else differences.push(item);
  }
  return { agreed, total: Object.keys(reference).length, differences };
}
