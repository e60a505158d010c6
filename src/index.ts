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
export { Tensor, sumTo, tensor, fromFlat, zeros, ones, full, arange, rand, randn } from './tensor';
export type { TensorLike, NestedArray, TensorOptions, RandomOptions, TensorHistory } from './tensor';
export { getBackend, registerBackend, defaultBackend, setDefaultBackend } from './backends';
export type { BackendName, BackendLike } from './backends';
export { NotImplementedError } from './errors';
export * as grading from './grading';
export * as viz from './viz';
export * as nn from './nn';
export { conv1dKernel, conv2dKernel, convShape } from './convOps';
export * as mnist from './mnist';
export { Linear, Conv1d, Conv2d, Dropout } from './layers';
export type { LayerOptions } from './layers';
export { binaryCrossEntropy, nllLoss, crossEntropy, oneHot } from './losses';
export { Optimizer, SGD, Adam } from './optim';
export { LeNet, trainMnist, evaluateImages, imageBatch, predictClasses } from './mnistTraining';
export type { ImageEpochStats, MnistTrainOptions, BatchProgress } from './mnistTraining';
export * as datasets from './datasets';
export type { Graph, DatasetMaker, DatasetName } from './datasets';
export * as scalarNetwork from './scalarNetwork';
export { trainScalar } from './scalarNetwork';
export * as sentiment from './sentiment';
export * as gpu from './gpu';
export { FastBackend, PARALLEL_THRESHOLD, MULTIPLY_ADDS_PER_OP, SIMD_MIN_MULTIPLY_ADDS, TRAINING_BACKEND, trainingBackend, fastMapRange, fastZipRange, fastReduceRange, matmulRange, stridedArgs, isContiguousLayout } from './fastOps';
export type { FastBackendOptions } from './fastOps';
export { WorkerPool, registerRangeKernel, kernelLocation } from './workerPool';
export type { KernelLocation, KernelTask, TaskFailure } from './workerPool';
export { MLP } from './layers';
export { trainTensor } from './tensorTraining';
export type { TensorEpochStats, TensorTrainOptions, TensorTrainResult } from './tensorTraining';
export { simdMatmulRange, simdAvailable } from './simdMatmul';
