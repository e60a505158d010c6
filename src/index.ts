/**
 * MiniTorch for TypeScript: the public API. `import * as minitorch from "minitorch"`.
 *
 * @packageDocumentation
 */
export * as operators from './operators';
export { Module, Parameter } from './module';
export { centralDifference, Context, topologicalSort, backpropagate } from './autodiff';
export type { Variable } from './autodiff';
export { Scalar, scalar, noGrad } from './scalar';
export type { ScalarLike, ScalarHistory } from './scalar';
export { scalarFunctions } from './scalarFunctions';
export type { ScalarFunction, ScalarOp } from './scalarFunctions';
export { Random } from './random';
