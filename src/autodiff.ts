/**
 * Module 1 — the autodiff engine shared by `Scalar` and `Tensor` (Tasks 1.1, 1.3, 1.4).
 *
 * A value that remembers how it was computed is a `Variable`. Calling `backpropagate` on the
 * output of a computation visits every variable once, in reverse topological order, and
 * hands each one the derivative of the output with respect to it (the chain rule).
 *
 * The engine is generic in `D`, the type of a derivative: `number` for scalars, `Tensor` for
 * tensors. It never looks inside a derivative except through `add`.
 *
 * @packageDocumentation
 */
import { checkFunction, checkNumbers, checkOptions, checkPositive } from './validate';

/**
 * Central difference approximation of ∂f/∂x_arg at `vals` (Task 1.1):
 * (f(…, x + ε, …) − f(…, x − ε, …)) / 2ε.
 */
export function centralDifference(
  f: (...xs: number[]) => number,
  vals: number[],
  options: { arg?: number; epsilon?: number } = {},
): number {
  checkFunction('centralDifference', 'f', f);
  checkNumbers('centralDifference', 'vals', vals);
  checkOptions('centralDifference', options, ['arg', 'epsilon']);
  const arg = options.arg ?? 0;
  const epsilon = checkPositive('centralDifference', 'epsilon', options.epsilon ?? 1e-6);
  if (!Number.isInteger(arg) || arg < 0 || arg >= vals.length) {
    throw new RangeError(`centralDifference: arg ${arg} is out of range for ${vals.length} values`);
  }
  // BEGIN SOLUTION 1.1
  const up = vals.slice();
  const down = vals.slice();
  up[arg] += epsilon;
  down[arg] -= epsilon;
  return (f(...up) - f(...down)) / (2 * epsilon);
  // END SOLUTION
}

/**
 * Scratch space a function's `forward` fills for its `backward`: the values it will need to
 * compute derivatives. `noGrad` is true when nothing needs gradients, so saving is skipped.
 */
export class Context<T = unknown> {
  /** Values saved by `saveForBackward`, in order. */
  savedValues: T[] = [];
  /**
   * Per input, whether it needs a gradient (PyTorch's `ctx.needs_input_grad`): a backward
   * may skip the work for an input that does not. Empty when the caller does not say.
   */
  needsInputGrad: boolean[] = [];

  constructor(readonly noGrad = false) {}

  /** Remember values for the backward pass (ignored under `noGrad`). */
  saveForBackward(...values: T[]): void {
    if (this.noGrad) return;
    this.savedValues = values;
  }
}

/** Whether new operations record history (see `noGrad`). Shared by Scalar and Tensor. */
let gradEnabled = true;

/** True unless inside `noGrad`. */
export function isGradEnabled(): boolean {
  return gradEnabled;
}

/**
 * Run `fn` without recording history: for evaluation and parameter updates, where building
 * a graph would only waste memory.
 */
export function noGrad<T>(fn: () => T): T {
  checkFunction('noGrad', 'fn', fn);
  const prev = gradEnabled;
  gradEnabled = false;
  try {
    return fn();
  } finally {
    gradEnabled = prev;
  }
}

let nextId = 0;
/** A fresh, increasing id for a new variable (used to key derivatives and sort stably). */
export function newVariableId(): number {
  nextId += 1;
  return nextId;
}

/**
 * Anything backpropagation can walk through: `Scalar` now, `Tensor` in Module 2.
 * `D` is the type of a derivative.
 */
export interface Variable<D = unknown> {
  /** Unique per variable; keys the derivative table during backpropagation. */
  readonly uniqueId: number;
  /** True for a variable created by the user (no history) that tracks gradients. */
  isLeaf(): boolean;
  /** True for a variable that needs no derivative (a constant or under no-grad). */
  isConstant(): boolean;
  /** The variables this one was computed from (empty for leaves and constants). */
  readonly parents: Variable<D>[];
  /** Given d(output)/d(this), return d(output)/d(parent) for each non-constant parent. */
  chainRule(dOutput: D): Array<[Variable<D>, D]>;
  /** Add `d` to this leaf's stored derivative. */
  accumulateDerivative(d: D): void;
}

/**
 * Every variable that `variable` depends on (itself included), ordered so that each
 * variable comes before all of the variables it was computed from (Task 1.4).
 *
 * Iterative depth-first search: deep graphs (a long training loop on scalars) would overflow
 * the call stack with naive recursion.
 */
export function topologicalSort<D>(variable: Variable<D>): Variable<D>[] {
  // BEGIN SOLUTION 1.4
  const order: Variable<D>[] = [];
  const visited = new Set<number>();
  // Each stack entry is a node and whether its parents have already been pushed.
  const stack: Array<[Variable<D>, boolean]> = [[variable, false]];
  while (stack.length > 0) {
    const [node, expanded] = stack.pop()!;
    if (expanded) {
      order.push(node);
      continue;
    }
    if (visited.has(node.uniqueId) || node.isConstant()) continue;
    visited.add(node.uniqueId);
    stack.push([node, true]);
    for (const parent of node.parents) {
      if (!visited.has(parent.uniqueId) && !parent.isConstant()) stack.push([parent, false]);
    }
  }
  // `order` has every node after its parents (post-order); reverse it so the output is first.
  return order.reverse();
  // END SOLUTION
}

/**
 * Run backpropagation from `variable`, whose derivative with respect to the final output is
 * `dOutput`, and accumulate the derivative of every leaf it depends on (Task 1.4).
 * `add` sums two derivatives (a variable used twice receives both contributions).
 */
export function backpropagate<D>(variable: Variable<D>, dOutput: D, add: (a: D, b: D) => D): void {
  // BEGIN SOLUTION 1.4
  const derivatives = new Map<number, D>([[variable.uniqueId, dOutput]]);
  for (const node of topologicalSort(variable)) {
    const d = derivatives.get(node.uniqueId);
    if (d === undefined) continue;
    if (node.isLeaf()) {
      node.accumulateDerivative(d);
      continue;
    }
    for (const [parent, dParent] of node.chainRule(d)) {
      if (parent.isConstant()) continue;
      const prev = derivatives.get(parent.uniqueId);
      derivatives.set(parent.uniqueId, prev === undefined ? dParent : add(prev, dParent));
    }
  }
  // END SOLUTION
}
