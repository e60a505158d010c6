/** Every job the page can start, by name. */
import { autodiffSandbox } from './autodiff';
import type { Job } from './context';
import { manualClassifier, moduleTree, operatorPlot } from './module0';
import { matmulSweep } from './module3';
import { convolution, mnistTraining, predictDigit, trainedWeights } from './module4';
import { stridesSandbox } from './strides';
import { race, scalarTraining, tensorTraining } from './train';

export const JOBS: Record<string, Job> = {
  operators: operatorPlot,
  classifier: manualClassifier,
  tree: moduleTree,
  autodiff: autodiffSandbox,
  scalarTraining,
  strides: stridesSandbox,
  tensorTraining,
  race,
  matmul: matmulSweep,
  convolution,
  mnist: mnistTraining,
  predict: predictDigit,
  weights: trainedWeights,
};
