/**
 * Task 0.5 (MiniTorch's "Visualization"): a classifier for the `simple` data set whose
 * parameters a student sets by hand, before any training exists. It is MiniTorch's
 * `Linear(2, 1)` followed by a sigmoid: P(label 1 | x0, x1) = sigmoid(w1·x0 + w2·x1 + b),
 * drawn in Module 0's notebook as a decision boundary over the data set's points.
 *
 * @packageDocumentation
 */
import { Graph } from './datasets';
import * as ops from '../operators';

/** The three parameters of a linear classifier on two inputs. */
export interface LinearWeights {
  /** Weight of the first coordinate, x0. */
  w1: number;
  /** Weight of the second coordinate, x1. */
  w2: number;
  /** Bias: shifts the boundary w1·x0 + w2·x1 + b = 0. */
  b: number;
}

/**
 * The weights a student chooses by hand so that the classifier separates MiniTorch's
 * `simple` data set (label 1 left of the line x0 = 0.5); Task 0.5's check wants at least 90%
 * of the seeded set right.
 */
export function handWeights(): LinearWeights {
  // BEGIN SOLUTION 0.5
  // The boundary is the line w1·x0 + w2·x1 + b = 0: x0 = 0.5 with w2 = 0 and b = -w1/2,
  // and a negative w1 so that points left of it (small x0) get probabilities near 1.
  return { w1: -10, w2: 0, b: 5 };
  // END SOLUTION
}

/** Throw unless every weight is a finite number (what a typo in a notebook cell gives). */
function checkWeights(weights: LinearWeights, caller: string): void {
  for (const name of ['w1', 'w2', 'b'] as const) {
    const v = weights?.[name];
    if (typeof v !== 'number' || !Number.isFinite(v))
      throw new TypeError(`${caller}: weights.${name} must be a finite number, got ${String(v)}`);
  }
}

/**
 * The classifier of `weights`: `(x0, x1) => P(label 1)`, computed with the operators of
 * Task 0.1 (`mul`, `add`, `sigmoid`).
 */
export function linearClassifier(weights: LinearWeights): (x0: number, x1: number) => number {
  checkWeights(weights, 'linearClassifier');
  const { w1, w2, b } = weights;
  return (x0, x1) => ops.sigmoid(ops.add(ops.add(ops.mul(w1, x0), ops.mul(w2, x1)), b));
}

/** How many points of `data` the classifier of `weights` labels right (P > 0.5 means label 1). */
export function countCorrect(weights: LinearWeights, data: Graph): { correct: number; n: number } {
  const predict = linearClassifier(weights);
  let correct = 0;
  data.X.forEach(([x0, x1], i) => {
    if ((predict(x0, x1) > 0.5 ? 1 : 0) === data.y[i]) correct++;
  });
  return { correct, n: data.X.length };
}
