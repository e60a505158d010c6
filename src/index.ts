/**
 * MiniTorch for TypeScript: the public API. `import * as minitorch from "minitorch"`.
 *
 * What a student and a PyTorch user call is listed here by name, one way to do each thing.
 * The machinery under it sits in namespaces named after the course file that teaches it
 * (`minitorch.tensorData.indexToPosition`, `minitorch.tensorOps.mapKernel`,
 * `minitorch.convOps.conv2dKernel`), and the backends' tuning internals behind
 * `minitorch.backends` and `minitorch.tuning`.
 *
 * @packageDocumentation
 */

// Module 0: operators and the module tree
export * as operators from './operators';
export { Module, Parameter } from './module';

// Module 1: autodiff
export { centralDifference, Context, topologicalSort, backpropagate, noGrad, isGradEnabled } from './autodiff';
export type { Variable } from './autodiff';
export { Scalar, scalar, lift } from './scalar';
export type { ScalarLike, ScalarHistory } from './scalar';
export { scalarFunctions } from './scalarFunctions';
export type { ScalarFunction, ScalarOp } from './scalarFunctions';
export { Random, manualSeed } from './random';

// Module 2: tensors
export {
  Tensor,
  sumTo,
  tensor,
  fromFlat,
  zeros,
  ones,
  full,
  arange,
  linspace,
  rand,
  randn,
  where,
  cat,
  stack,
} from './tensor';
export type { TensorLike, NestedArray, TensorOptions, RandomOptions, TensorHistory, VarianceOptions } from './tensor';
export type { BackwardOptions } from './tensor';
export { tidy, keep, dispose } from './lifetimes';
export { TensorData, IndexingError } from './tensorData';
export type { Shape, Strides, Storage } from './tensorData';
export * as tensorData from './tensorData';
export * as tensorOps from './tensorOps';
export { tensorFunctions } from './tensorFunctions';
export type { OpArgs, TensorOp, TensorFunction, TensorFunctionTable, CustomFunction } from './tensorFunctions';
export * as autograd from './autograd';
export type { TensorBackend } from './tensorOps';
export { getBackend, setDefaultBackend, defaultBackend, registerBackend } from './backends/registry';
export type { BackendName, BackendLike } from './backends/registry';

// Module 3: the fast CPU and GPU backends
export * as backends from './backends';
export * as gpu from './backends/gpu';
export * as tuning from './backends/tuning';

// Module 4: networks
export * as nn from './nn';
export * as convOps from './convOps';
export {
  Linear,
  Conv1d,
  Conv2d,
  Dropout,
  ReLU,
  Sigmoid,
  Tanh,
  Flatten,
  MaxPool2d,
  AvgPool2d,
  Sequential,
  MLP,
} from './layers';
export type { LayerOptions, ConvLayerOptions, Layer } from './layers';
export {
  binaryCrossEntropy,
  bceWithLogits,
  nllLoss,
  crossEntropy,
  mseLoss,
  l1Loss,
  smoothL1Loss,
  oneHot,
  MSELoss,
  L1Loss,
  BCELoss,
  BCEWithLogitsLoss,
  NLLLoss,
  CrossEntropyLoss,
} from './losses';
export type { Reduction, SmoothL1Options, LossOptions, ClassLossOptions, Labels } from './losses';
export { Optimizer, SGD, Adam, AdamW, RMSprop, Adagrad, Adadelta } from './optim';
export type { SGDOptions, AdamOptions, RMSpropOptions, AdagradOptions, AdadeltaOptions } from './optim';
export * as lrScheduler from './lrScheduler';
export * as safetensors from './safetensors';
export * as data from './data';

// The course's programs and data sets
export * as datasets from './apps/datasets';
export type { Graph, DatasetMaker, DatasetName } from './apps/datasets';
export * as handClassifier from './apps/handClassifier';
export type { LinearWeights } from './apps/handClassifier';
export * as scalarNetwork from './apps/scalarNetwork';
export { trainScalar } from './apps/scalarNetwork';
export { compareBackends, trainTensor } from './apps/tensorTraining';
export type { BackendRun, TensorEpochStats, TensorTrainOptions, TensorTrainResult } from './apps/tensorTraining';
export * as mnist from './apps/mnist';
export { LeNet, trainMnist, evaluateImages, imageBatch, predictClasses } from './apps/mnistTraining';
export type { ImageEpochStats, MnistTrainOptions, BatchProgress } from './apps/mnistTraining';
export { PyTorchMnistNet } from './apps/pytorchMnist';
export * as sentiment from './apps/sentiment';

// Notebooks: pictures, checks, unwritten exercises
export * as viz from './viz';
export * as grading from './course/grading';
export { NotImplementedError } from './errors';
export { whenDone } from './course/exercises';
