/**
 * MiniTorch for TypeScript: the public API. `import * as minitorch from "minitorch"`.
 *
 * @packageDocumentation
 */
export * as operators from './operators';
export { Module, Parameter } from './module';
export { centralDifference, Context, topologicalSort, backpropagate, noGrad, isGradEnabled } from './autodiff';
export type { Variable } from './autodiff';
export { Scalar, scalar, lift } from './scalar';
export type { ScalarLike, ScalarHistory } from './scalar';
export { scalarFunctions } from './scalarFunctions';
export type { ScalarFunction, ScalarOp } from './scalarFunctions';
export { Random } from './random';
export * from './tensorData';
export * from './tensorOps';
export { tensorFunctions } from './tensorFunctions';
export type { OpArgs, TensorOp, TensorFunction, TensorFunctionTable } from './tensorFunctions';
export { Tensor, sumTo, tensor, fromFlat, zeros, ones, full, arange, rand, randn, where, cat, stack } from './tensor';
export type { TensorLike, NestedArray, TensorOptions, RandomOptions, TensorHistory, VarianceOptions } from './tensor';
export { getBackend, registerBackend, defaultBackend, setDefaultBackend } from './backends/registry';
export type { BackendName, BackendLike } from './backends/registry';
export { NotImplementedError } from './errors';
export { whenDone } from './course/exercises';
export * as grading from './course/grading';
export * as viz from './viz';
export * as nn from './nn';
export { conv1dKernel, conv2dKernel, convShape } from './convOps';
export * as mnist from './apps/mnist';
export { Linear, Conv1d, Conv2d, Dropout, ReLU, Sigmoid, Tanh, Flatten, MaxPool2d, AvgPool2d, Sequential } from './layers';
export type { LayerOptions, ConvLayerOptions, Layer } from './layers';
export { binaryCrossEntropy, nllLoss, crossEntropy, oneHot } from './losses';
export { Optimizer, SGD, Adam } from './optim';
export type { SGDOptions, AdamOptions } from './optim';
export * as safetensors from './safetensors';
export { LeNet, trainMnist, evaluateImages, imageBatch, predictClasses } from './apps/mnistTraining';
export type { ImageEpochStats, MnistTrainOptions, BatchProgress } from './apps/mnistTraining';
export * as datasets from './apps/datasets';
export type { Graph, DatasetMaker, DatasetName } from './apps/datasets';
export * as scalarNetwork from './apps/scalarNetwork';
export { trainScalar } from './apps/scalarNetwork';
export * as sentiment from './apps/sentiment';
export * as gpu from './backends/gpu';
export { FastBackend, TRAINING_BACKEND } from './backends/fast/backend';
export { trainingBackend } from './course/progress';
export type { FastBackendOptions } from './backends/fast/backend';
export * as tuning from './backends/tuning';
export { MLP } from './layers';
export { compareBackends, trainTensor } from './apps/tensorTraining';
export type { BackendRun, TensorEpochStats, TensorTrainOptions, TensorTrainResult } from './apps/tensorTraining';
