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
  '0.5': {
    // Weights differ from student to student, so the value is the verdict: does the
    // submission's classifier get 90% of a `simple` set drawn from a secret seed right?
    modules: ['src/apps/handClassifier', 'src/apps/datasets'],
    inputs: (rand) => ({ seed: Math.floor(rand() * 1e9), n: 200 }),
    run(m, { seed, n }: { seed: number; n: number }) {
      const hand = m['src/apps/handClassifier'];
      const data = m['src/apps/datasets'].simple(n, seed);
      return {
        handWeights: attempt(() => {
          const { correct } = hand.countCorrect(hand.handWeights(), data);
          return correct >= 0.9 * n;
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
          // The caller's array must be left as it was.
          return [r, args];
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
};

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
