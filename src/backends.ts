/**
 * Choosing where tensor math runs. A backend is picked by name (`"simple"`, `"fast"`,
 * `"gpu"`) or passed as an object, as MiniTorch passes a `TensorBackend`.
 *
 * Backends are created lazily on first use, once: the fast backend's worker pool and the GPU
 * device are only started when a tensor actually asks for them.
 *
 * @packageDocumentation
 */
import { SimpleBackend, TensorBackend } from './tensorOps';

/** Names of the built-in backends. */
export type BackendName = 'simple' | 'fast' | 'gpu';

/** A backend name or a backend object. */
export type BackendLike = BackendName | TensorBackend;

/** How to create each built-in backend (filled in by the modules that implement them). */
const factories: Record<BackendName, () => TensorBackend> = {
  simple: () => new SimpleBackend(),
  fast: () => {
    throw new Error('the "fast" backend is not registered (import "minitorch" rather than a single file)');
  },
  gpu: () => {
    throw new Error('the "gpu" backend is not registered (import "minitorch" rather than a single file)');
  },
};

const instances = new Map<BackendName, TensorBackend>();

/** Install the factory for a built-in backend (called by `fastOps` and `gpu/`). */
export function registerBackend(name: BackendName, factory: () => TensorBackend): void {
  factories[name] = factory;
  instances.delete(name);
}

let defaultName: BackendName = 'simple';

/** The backend used when none is given (initially `"simple"`). */
export function defaultBackend(): TensorBackend {
  return getBackend(defaultName);
}

/** Change the backend used when none is given. */
export function setDefaultBackend(name: BackendName): void {
  getBackend(name); // fail now, with the backend's own message, rather than at first use
  defaultName = name;
}

/** Resolve a name or object to a backend instance (created once per name). */
export function getBackend(backend?: BackendLike): TensorBackend {
  if (backend === undefined) return defaultBackend();
  if (typeof backend !== 'string') return backend;
  if (!(backend in factories)) {
    throw new Error(`unknown backend "${String(backend)}" (expected one of: ${Object.keys(factories).join(', ')})`);
  }
  let instance = instances.get(backend);
  if (instance === undefined) {
    instance = factories[backend]();
    instances.set(backend, instance);
  }
  return instance;
}
