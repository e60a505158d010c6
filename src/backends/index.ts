/**
 * Where tensor math runs, for code that picks or builds a backend itself: the registry, the
 * fast CPU backend's class and its options, and the backend the training programs use.
 * `minitorch.backends.FastBackend` (the everyday choice is just `{ backend: "fast" }`).
 *
 * @packageDocumentation
 */
export { getBackend, registerBackend, defaultBackend, setDefaultBackend } from './registry';
export type { BackendName, BackendLike } from './registry';
export { FastBackend, TRAINING_BACKEND } from './fast/backend';
export type { FastBackendOptions } from './fast/backend';
export { SimpleBackend } from '../tensorOps';
export type { TensorBackend } from '../tensorOps';
