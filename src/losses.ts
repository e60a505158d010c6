/**
 * Loss functions: numbers that say how wrong a prediction is, differentiable so that
 * `loss.backward()` trains the network.
 *
 * @packageDocumentation
 */
import * as nn from './nn';
import { Tensor, checkTensor, fromFlat } from './tensor';
import { IndexingError, formatShape } from './tensorData';
import { checkInt, checkIntArray, tooManyArguments } from './validate';

/**
 * Mean binary cross-entropy between probabilities `p` (after a sigmoid) and 0/1 labels `y`
 * of the same shape: −mean(y·log p + (1−y)·log(1−p)).
 */
export function binaryCrossEntropy(p: Tensor, y: Tensor): Tensor {
  if (arguments.length > 2) tooManyArguments('binaryCrossEntropy', 2, arguments.length, 'p, y');
  checkTensor('binaryCrossEntropy', 'p', p);
  checkTensor('binaryCrossEntropy', 'y', y);
  if (p.size !== y.size) {
    throw new IndexingError(
      `binaryCrossEntropy: predictions ${formatShape(p.shape)} and labels ${formatShape(y.shape)} differ in size`,
    );
  }
  const yy = y.contiguous().view(...p.shape);
  const one = yy.mul(-1).add(1);
  return yy
    .mul(p.log())
    .add(one.mul(p.mul(-1).add(1).log()))
    .mean()
    .neg();
}

/** One-hot rows for integer class labels: [n] labels → [n, classes] of 0/1. */
export function oneHot(labels: number[], classes: number, like?: Tensor): Tensor {
  if (arguments.length > 3) tooManyArguments('oneHot', 3, arguments.length, 'labels, classes, like');
  checkIntArray('oneHot', 'labels', labels);
  checkInt('oneHot', 'classes', classes, 1);
  if (like !== undefined) checkTensor('oneHot', 'like', like);
  const values = new Float64Array(labels.length * classes);
  labels.forEach((c, i) => {
    if (!Number.isInteger(c) || c < 0 || c >= classes) {
      throw new RangeError(`oneHot: label ${c} at position ${i} is not a class in 0..${classes - 1}`);
    }
    values[i * classes + c] = 1;
  });
  return fromFlat(values, [labels.length, classes], { backend: like?.backend });
}

/** Mean negative log-likelihood of the true classes, from log-probabilities [batch, classes]. */
export function nllLoss(logProbs: Tensor, labels: number[]): Tensor {
  if (arguments.length > 2) tooManyArguments('nllLoss', 2, arguments.length, 'logProbs, labels');
  checkTensor('nllLoss', 'logProbs', logProbs);
  checkIntArray('nllLoss', 'labels', labels);
  if (logProbs.dims !== 2 || logProbs.shape[0] !== labels.length) {
    throw new IndexingError(
      `nllLoss: expected log-probabilities [${labels.length}, classes], got ${formatShape(logProbs.shape)}`,
    );
  }
  return logProbs
    .mul(oneHot(labels, logProbs.shape[1], logProbs))
    .sum()
    .div(-labels.length);
}

/** Cross-entropy from raw scores (logits) [batch, classes]: `nllLoss(logsoftmax(logits))`. */
export function crossEntropy(logits: Tensor, labels: number[]): Tensor {
  if (arguments.length > 2) tooManyArguments('crossEntropy', 2, arguments.length, 'logits, labels');
  checkTensor('crossEntropy', 'logits', logits);
  checkIntArray('crossEntropy', 'labels', labels);
  return nllLoss(nn.logsoftmax(logits, 1), labels);
}
