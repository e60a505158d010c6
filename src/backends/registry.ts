/**
 * Choosing where tensor math runs. A backend is picked by name (`"simple"`, `"fast"`,
 * `"gpu"`) or passed as an object, as MiniTorch passes a `TensorBackend`.
 *
 * Backends are created lazily on first use, once: the fast backend's worker pool and the GPU
 * device are only started when a tensor actually asks for them.
 *
 * @packageDocumentation
 */
import { SimpleBackend, TensorBackend } from '../tensorOps';
import { checkChoice, checkFunction, describeValue, tooManyArguments } from '../validate';

/** Names of the built-in backends. */
export type BackendName = 'simple' | 'fast' | 'gpu';

/** A backend name or a backend object. */
export type BackendLike = BackendName | TensorBackend;

/**
 * Load the file that implements a built-in backend other than Simple. Loading it registers
 * the backend (`registerBackend`), so a program that imports a single file of the library,
 * not the package entry, still gets "fast" and "gpu" on first use. Loaded lazily: the fast
 * backend's workers and the GPU device start only when a tensor asks for them anyway. Each
 * `require` names its file literally, so a bundler sees and includes it.
 */
const builtIns: Record<Exclude<BackendName, 'simple'>, () => void> = {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- lazy on purpose (see above)
  fast: () => require('./fast/backend'),
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- lazy on purpose (see above)
  gpu: () => require('./gpu'),
};

/** A placeholder factory: load the backend's file, then use the factory it registered. */
function loadBuiltIn(name: Exclude<BackendName, 'simple'>): () => TensorBackend {
  const placeholder = (): TensorBackend => {
    builtIns[name]();
    if (factories[name] === placeholder) throw new Error(`loading the "${name}" backend's file did not register it`);
    return factories[name]();
  };
  return placeholder;
}

/** How to create each built-in backend (filled in by the modules that implement them). */
const factories: Record<BackendName, () => TensorBackend> = {
  simple: () => new SimpleBackend(),
  fast: loadBuiltIn('fast'),
  gpu: loadBuiltIn('gpu'),
};

const instances = new Map<BackendName, TensorBackend>();

/** Install the factory for a built-in backend (called by `fast/backend.ts` and `gpu/`). */
export function registerBackend(name: BackendName, factory: () => TensorBackend): void {
  checkChoice('registerBackend', 'name', name, Object.keys(factories) as BackendName[]);
  checkFunction('registerBackend', 'factory', factory);
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
  if (arguments.length > 1) tooManyArguments('setDefaultBackend', 1, arguments.length, 'name');
  if (typeof name !== 'string') {
    throw new TypeError(`setDefaultBackend: name must be a backend's name such as "fast", got ${describeValue(name)}`);
  }
  getBackend(name); // fail now, with the backend's own message, rather than at first use
  defaultName = name;
}

/** Resolve a name or object to a backend instance (created once per name). */
export function getBackend(backend?: BackendLike): TensorBackend {
  if (backend === undefined) return defaultBackend();
  if (typeof backend !== 'string') {
    // Any object with the backend's ops is one (a user's own backend); anything else is a mistake.
    if (typeof (backend as Partial<TensorBackend> | null)?.map !== 'function') {
      throw new TypeError(
        `backend must be a name (${Object.keys(factories).join(', ')}) or a backend object, got ${describeValue(backend)}`,
      );
    }
    return backend;
  }
  if (!Object.prototype.hasOwnProperty.call(factories, backend)) {
    throw new RangeError(
      `unknown backend "${String(backend)}" (expected one of: ${Object.keys(factories).join(', ')})`,
    );
  }
  let instance = instances.get(backend);
  if (instance === undefined) {
    instance = factories[backend]();
    instances.set(backend, instance);
  }
  return instance;
}
