/**
 * Notebook checks for Module 0: operators (0.1), higher-order functions (0.3), the
 * Module tree (0.4) and the hand-set classifier (0.5). The laws are those of `tests/operators.test.ts` and
 * `tests/module.test.ts`, run on a few seeded cases.
 *
 * @packageDocumentation
 */
import { simple } from '../../apps/datasets';
import { countCorrect, handWeights, linearClassifier } from '../../apps/handClassifier';
import { Module, Parameter } from '../../module';
import * as ops from '../../operators';
import { assert, assertClose, assertEqual } from './assert';
import { numericDerivative } from './numeric';
import { floats, forAll, ints, lists, smallFloats, tuple } from './sample';
import type { TaskChecks } from './types';

/** Points of the seeded `simple` data set that Task 0.5's classifier is graded on (as in its notebook). */
const SIMPLE_POINTS = 100;

const pairs = tuple<[number, number]>(smallFloats, smallFloats);

/** A leaf module with one parameter. */
class Leaf extends Module {
  weight = new Parameter(1);
}

/** Two leaves, a stack of leaves in an array, a parameter of its own and a plain number. */
class Tree extends Module {
  bias = new Parameter(0);
  notAParameter = 10;
  left = new Leaf();
  right: Module;
  layers: Leaf[];
  constructor(depth: number, width: number) {
    super();
    this.right = depth > 1 ? new Tree(depth - 1, width) : new Leaf();
    this.layers = Array.from({ length: width }, () => new Leaf());
  }
}

/** Two children, a shared module or parameter in each, say; `back` may point up the tree. */
class Pair extends Module {
  back: Module | null = null;
  constructor(
    public first: Module | Parameter,
    public second: Module | Parameter,
  ) {
    super();
  }
}

/** Parameters and modules a `Tree(depth, width)` holds (itself excluded from modules). */
function treeCounts(depth: number, width: number): { params: number; modules: number } {
  const right = depth > 1 ? treeCounts(depth - 1, width) : { params: 1, modules: 0 };
  return { params: 2 + width + right.params, modules: 2 + width + right.modules };
}

/** Checks of Tasks 0.1, 0.3, 0.4 and 0.5. */
export const module0Checks: TaskChecks = {
  '0.1': [
    {
      name: 'mul, add, neg, max and inv agree with JavaScript',
      run: (ctx) =>
        forAll(ctx, pairs, ([x, y]) => {
          assertClose(ops.mul(x, y), x * y, `mul(${x}, ${y})`);
          assertClose(ops.add(x, y), x + y, `add(${x}, ${y})`);
          assertClose(ops.neg(x), -x, `neg(${x})`);
          assertEqual(ops.max(x, y), x > y ? x : y, `max(${x}, ${y})`);
          if (Math.abs(x) > 1e-5) assertClose(ops.inv(x), 1 / x, `inv(${x})`);
          assertEqual(ops.id(x), x, `id(${x})`);
        }),
    },
    {
      name: 'lt, eq and max compare and return 1.0 or 0.0',
      run: (ctx) =>
        forAll(ctx, smallFloats, (a) => {
          assertEqual(ops.lt(a - 1, a), 1.0, `lt(${a - 1}, ${a})`);
          assertEqual(ops.lt(a, a - 1), 0.0, `lt(${a}, ${a - 1})`);
          assertEqual(ops.lt(a, a), 0.0, `lt(${a}, ${a})`);
          assertEqual(ops.eq(a, a), 1.0, `eq(${a}, ${a})`);
          assertEqual(ops.eq(a, a + 1), 0.0, `eq(${a}, ${a + 1})`);
          assertEqual(ops.max(a, a + 1), a + 1, `max(${a}, ${a + 1})`);
        }),
    },
    {
      name: 'isClose uses the tolerance 1e-2',
      run: () => {
        assertEqual(ops.isClose(1, 1), 1.0, 'isClose(1, 1)');
        assertEqual(ops.isClose(1, 1.005), 1.0, 'isClose(1, 1.005)');
        assertEqual(ops.isClose(1, 1.02), 0.0, 'isClose(1, 1.02)');
        assertEqual(ops.isClose(-3, 3), 0.0, 'isClose(-3, 3)');
        // 0.01 - 0 is exactly 1e-2: the tolerance is strict, |x - y| < 1e-2.
        assertEqual(ops.isClose(0.01, 0), 0.0, 'isClose(0.01, 0) (strictly closer than 1e-2)');
      },
    },
    {
      name: 'relu and reluBack',
      run: (ctx) =>
        forAll(ctx, pairs, ([a, d]) => {
          assertEqual(ops.relu(a), a > 0 ? a : 0, `relu(${a})`);
          if (a !== 0) assertEqual(ops.reluBack(a, d), a > 0 ? d : 0, `reluBack(${a}, ${d})`);
          // relu has no slope at 0; MiniTorch and PyTorch take it as 0 (x > 0, not x >= 0).
          assertEqual(ops.reluBack(0, d), 0, `reluBack(0, ${d}) (the slope at 0 is taken as 0)`);
        }),
    },
    {
      name: 'log, exp and inv match Math (log adds EPS)',
      run: (ctx) => {
        forAll(ctx, floats(0.1, 100), (a) => {
          assertClose(ops.log(a), Math.log(a + ops.EPS), `log(${a})`, 1e-12);
          assertClose(ops.exp(Math.log(a)), a, `exp(log(${a}))`, 0, 1e-9);
          assertClose(ops.inv(a), 1 / a, `inv(${a})`, 1e-12, 1e-9);
          assertClose(ops.inv(ops.inv(a)), a, `inv(inv(${a}))`, 0, 1e-9);
        });
        assertEqual(ops.exp(0), 1.0, 'exp(0)');
        assert(Number.isFinite(ops.log(0)), `log(0) must be finite (it adds EPS), got ${ops.log(0)}`);
      },
    },
    {
      name: 'sigmoid is in [0, 1], symmetric and finite for large |x|',
      run: (ctx) => {
        assertEqual(ops.sigmoid(0), 0.5, 'sigmoid(0)');
        forAll(ctx, smallFloats, (a) => {
          const s = ops.sigmoid(a);
          assert(s >= 0 && s <= 1, `sigmoid(${a}) = ${s} is outside [0, 1]`);
          assertClose(1 - s, ops.sigmoid(-a), `1 - sigmoid(${a}) vs sigmoid(${-a})`);
        });
        for (const x of [-1000, 1000]) {
          const s = ops.sigmoid(x);
          assert(Number.isFinite(s), `sigmoid(${x}) must be finite, got ${s} (branch on the sign of x)`);
        }
      },
    },
    {
      name: 'logBack, invBack and reluBack match a central difference',
      run: (ctx) =>
        forAll(ctx, tuple<[number, number]>(floats(0.5, 50), floats(-10, 10)), ([x, d]) => {
          const near = (got: number, want: number, what: string) => assertClose(got, want, what, 1e-5, 1e-4);
          near(ops.logBack(x, d), d * numericDerivative(ops.log, x), `logBack(${x}, ${d})`);
          near(ops.invBack(x, d), d * numericDerivative(ops.inv, x), `invBack(${x}, ${d})`);
          near(ops.invBack(-x, d), d * numericDerivative(ops.inv, -x), `invBack(${-x}, ${d})`);
          near(ops.reluBack(x, d), d * numericDerivative(ops.relu, x), `reluBack(${x}, ${d})`);
          near(ops.reluBack(-x, d), d * numericDerivative(ops.relu, -x), `reluBack(${-x}, ${d})`);
          // At 0 only EPS is left in x + EPS, so a sign slip there is plain to see.
          assertClose(ops.logBack(0, d), d / ops.EPS, `logBack(0, ${d}) (log(x) is ln(x + EPS))`, 0, 1e-9);
        }),
    },
  ],
  '0.3': [
    {
      name: 'map applies a function to every element of any iterable',
      run: (ctx) => {
        assertEqual(ops.map((x) => x * 2)([1, 2, 3]), [2, 4, 6], 'map(x => 2x)([1, 2, 3])');
        assertEqual(ops.map((x: number) => -x)([]), [], 'map(neg)([])');
        assertEqual(ops.map((x) => x)(new Set([3, 1])), [3, 1], 'map(id)(new Set([3, 1]))');
        forAll(ctx, lists(smallFloats, 20), (ls) => {
          assertEqual(
            ops.map((x) => -x)(ls),
            ls.map((x) => -x),
            `map(neg)`,
          );
          const copy = ops.map(ops.id)(ls);
          assertEqual(copy, ls, 'map(id)');
          assert(copy !== ls, 'map returns a new list, not its input');
        });
      },
    },
    {
      name: 'zipWith combines two lists element by element',
      run: (ctx) => {
        assertEqual(ops.zipWith((x, y) => x * y)([1, 2, 3], [4, 5, 6]), [4, 10, 18], 'zipWith(mul)');
        assertEqual(ops.zipWith((x, y) => x + y)([], []), [], 'zipWith(add)([], [])');
        forAll(ctx, lists(smallFloats, 20), (ls) => {
          const other = ls.map((x) => x / 2);
          assertEqual(
            ops.addLists(ls, other),
            ls.map((x, i) => x + other[i]),
            'addLists',
          );
        });
      },
    },
    {
      name: 'reduce folds from the start value, left to right',
      run: () => {
        assertEqual(ops.reduce((a, x) => a + x, 0)([]), 0, 'reduce(add, 0)([])');
        assertEqual(ops.reduce((a, x) => a + x, 7)([]), 7, 'reduce(add, 7)([])');
        assertEqual(ops.reduce((a, x) => a * 10 + x, 0)([1, 2, 3]), 123, 'reduce((a, x) => 10a + x, 0)([1, 2, 3])');
        assertEqual(ops.reduce((a, x) => a - x, 10)([1, 2, 3]), 4, 'reduce(sub, 10)([1, 2, 3])');
        assertEqual(ops.reduce(ops.max, -Infinity)([3, 9, 2]), 9, 'reduce(max, -Infinity)([3, 9, 2])');
      },
    },
    {
      name: 'sum, prod and negList match plain loops',
      run: (ctx) => {
        assertEqual(ops.sum([]), 0, 'sum([])');
        assertEqual(ops.prod([]), 1, 'prod([])');
        assertEqual(ops.prod([2, 3, 4]), 24, 'prod([2, 3, 4])');
        forAll(ctx, lists(smallFloats, 20), (ls) => {
          let total = 0;
          let product = 1;
          for (const x of ls) {
            total += x;
            product *= x;
          }
          assertClose(ops.sum(ls), total, 'sum');
          assertClose(ops.prod(ls), product, 'prod', 1e-2, 1e-9);
          assertEqual(
            ops.negList(ls),
            ls.map((x) => -x),
            'negList',
          );
        });
      },
    },
    {
      name: 'sum distributes over addLists',
      run: (ctx) =>
        forAll(ctx, tuple<[number[], number[]]>(lists(smallFloats, 5, 5), lists(smallFloats, 5, 5)), ([a, b]) =>
          assertClose(ops.sum(a) + ops.sum(b), ops.sum(ops.addLists(a, b)), 'sum(a) + sum(b) vs sum(addLists(a, b))'),
        ),
    },
  ],
  '0.4': [
    {
      name: 'namedParameters names every parameter by its dotted path',
      run: () => {
        const names = new Tree(2, 2).namedParameters().map(([n]) => n);
        const expected = [
          'bias',
          'left.weight',
          'right.bias',
          'right.left.weight',
          'right.right.weight',
          'right.layers.0.weight',
          'right.layers.1.weight',
          'layers.0.weight',
          'layers.1.weight',
        ];
        assertEqual(
          names.slice().sort().join(' '),
          expected.slice().sort().join(' '),
          'names of Tree(2, 2).namedParameters()',
        );
        assertEqual(names[0], 'bias', 'own parameters come first; first name');
      },
    },
    {
      name: 'parameters() and modules() count the whole tree',
      run: (ctx) =>
        forAll(ctx, tuple<[number, number]>(ints(1, 3), ints(0, 3)), ([depth, width]) => {
          const tree = new Tree(depth, width);
          const want = treeCounts(depth, width);
          assertEqual(tree.parameters().length, want.params, `Tree(${depth}, ${width}).parameters().length`);
          assertEqual(tree.modules().length, want.modules, `Tree(${depth}, ${width}).modules().length`);
          assertEqual(tree.children().length, 2 + width, `Tree(${depth}, ${width}).children().length`);
          assert(
            tree.parameters().every((p) => p instanceof Parameter),
            'parameters() returns Parameters only',
          );
        }),
    },
    {
      name: 'train() and eval() set training through the tree',
      run: () => {
        const tree = new Tree(3, 1);
        assert(tree.training && tree.modules().every((m) => m.training), 'modules start in training mode');
        assertEqual(tree.eval(), tree, 'eval() returns the module');
        assert(!tree.training, 'eval() sets training = false on the module');
        assert(
          tree.modules().every((m) => !m.training),
          'eval() sets training = false on every descendant',
        );
        tree.train();
        assert(tree.training && tree.modules().every((m) => m.training), 'train() sets training = true everywhere');
        (tree.right as Tree).left.eval();
        assert(tree.training && (tree.right as Tree).training, 'eval() on a subtree leaves its parents alone');
      },
    },
    {
      name: 'modules() goes depth first in field order; a shared module, parameter or back-link counts once',
      run: () => {
        const t = new Tree(2, 1);
        const right = t.right as Tree;
        const order = [t.left, right, right.left, right.right, right.layers[0], t.layers[0]];
        assert(
          t.modules().length === order.length && t.modules().every((m, i) => m === order[i]),
          'Tree(2, 1).modules() is left, right, right.left, right.right, right.layers.0, layers.0',
        );
        // A module reachable twice, and a child that links back to the root (a cycle).
        const shared = new Leaf();
        const root = new Pair(new Pair(shared, new Leaf()), new Pair(shared, new Leaf()));
        (root.first as Pair).back = root;
        const mods = root.modules();
        assertEqual(mods.length, 5, 'modules() of a root whose two children share a leaf and link back to it');
        assert(!mods.includes(root), 'modules() leaves out the module itself, even when a child links back to it');
        assert(mods.filter((m) => m === shared).length === 1, 'modules() lists a shared module once');
        const names = root.namedParameters().map(([n]) => n);
        assertEqual(
          names.join(' '),
          'first.first.weight first.second.weight second.second.weight',
          'namedParameters()',
        );
        // One Parameter held by two modules (tied weights) is listed once, under its first name.
        const tied = new Parameter(3);
        const twins = new Pair(new Pair(tied, new Leaf()), new Pair(new Leaf(), tied));
        const tiedNames = twins.namedParameters().map(([n]) => n);
        assertEqual(
          tiedNames.join(' '),
          'first.first first.second.weight second.first.weight',
          'namedParameters() with one Parameter in two modules',
        );
      },
    },
  ],
  '0.5': [
    {
      name: 'the hand-set weights are finite numbers w1, w2, b',
      run: () => {
        const w = handWeights();
        for (const name of ['w1', 'w2', 'b'] as const)
          assert(Number.isFinite(w?.[name]), `handWeights().${name} must be a finite number, got ${w?.[name]}`);
      },
    },
    {
      name: `the classifier gets at least 90% of the seeded simple data set (${SIMPLE_POINTS} points) right`,
      run: () => {
        const { correct, n } = countCorrect(handWeights(), simple(SIMPLE_POINTS));
        assert(
          correct >= 0.9 * n,
          `${correct} of ${n} correct (${((100 * correct) / n).toFixed(0)}%); the boundary w1·x0 + w2·x1 + b = 0 ` +
            'should lie near the line x0 = 0.5, with label 1 (P > 0.5) on its left',
        );
      },
    },
    {
      name: 'it is confident away from the boundary: P(1) > 0.7 at x0 = 0.1, < 0.3 at x0 = 0.9',
      run: () => {
        const predict = linearClassifier(handWeights());
        for (const x1 of [0.1, 0.5, 0.9]) {
          assert(predict(0.1, x1) > 0.7, `P(label 1 | 0.1, ${x1}) = ${predict(0.1, x1).toFixed(3)}, want > 0.7`);
          assert(predict(0.9, x1) < 0.3, `P(label 1 | 0.9, ${x1}) = ${predict(0.9, x1).toFixed(3)}, want < 0.3`);
        }
      },
    },
  ],
};
