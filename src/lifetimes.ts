/**
 * Explicit, opt-in tensor lifetimes: `tidy`, `keep` and `Tensor.dispose` (the convention of
 * JavaScript tensor libraries such as TensorFlow.js).
 *
 * Why: JavaScript has no reference counts, and a `FinalizationRegistry` reports a collected
 * tensor only when the event loop turns, so nothing knows when an intermediate tensor of a
 * synchronous training loop dies. Its memory waits for the garbage collector (host memory),
 * or is spilled to the host past a budget (GPU memory, see `backends/gpu/memory.ts`). Inside
 * `tidy(fn)` the library knows: every tensor `fn` creates is released when `fn` returns,
 * except what it returns, what was `keep()`-ed, and what the library adopted on the way
 * (a parameter's value and `.grad`, an optimizer's state). Released memory is reused at once
 * (a pool per size on the GPU and for large results of the fast backend).
 *
 * A released tensor that is used again throws an error naming it and where it was released.
 * Without `tidy` nothing is released and everything behaves as before.
 *
 * The library also scopes its own work the same way (`internalScope`): a backward pass
 * releases each interior node's derivative once that node's backward has run, and the
 * temporaries its backward functions make.
 *
 * @packageDocumentation
 */
import { describeValue } from './validate';

/**
 * What the scopes here manage: a tensor. (An interface, so this file needs no import of
 * `Tensor`; `tensor.ts` registers the class with `trackClass`.)
 */
export interface Releasable {
  /** True once released: any use throws. */
  readonly isReleased: boolean;
  /** Release now (no-op when already released); `site` says where, for the error on reuse. */
  releaseAt(site: ReleaseSite): void;
  /** Set by `keep`: no scope releases it. */
  kept: boolean;
  /** Set while the library holds it as a parameter's value or grad or an optimizer's state. */
  adopted: boolean;
  /** Set when it was made inside a scope: only such a tensor is released when replaced (`adopt`). */
  scoped: boolean;
  /** Throw the error of a released tensor, naming `what` was attempted, if it is released. */
  assertLive(what?: string): void;
}

/** Where a tensor was released: an error whose stack is read only if the tensor is used again. */
export interface ReleaseSite {
  /** "tidy()" or "dispose()". */
  readonly how: string;
  /** Captured at the release (or at the `tidy` call); its stack names the caller. */
  readonly stack: Error;
}

/** One `tidy` (or internal) scope: the tensors created while it is the innermost. */
interface Scope {
  readonly tensors: Releasable[];
  readonly site: ReleaseSite | null;
}

const scopes: Scope[] = [];
let trackedClass: (abstract new (...args: never[]) => Releasable) | null = null;

/** Called once by `tensor.ts`: how `tidy` recognises the tensors in what `fn` returns. */
export function trackClass(cls: abstract new (...args: never[]) => Releasable): void {
  trackedClass = cls;
}

function isReleasable(x: unknown): x is Releasable {
  return trackedClass !== null && x instanceof trackedClass;
}

/** Record a new tensor in the innermost scope, if any (called by the Tensor constructor). */
export function track(t: Releasable): void {
  if (scopes.length === 0) return;
  scopes[scopes.length - 1].tensors.push(t);
  t.scoped = true;
}

/** True while inside `tidy` (user code, not only the library's own scopes). */
export function inTidy(): boolean {
  for (let i = scopes.length - 1; i >= 0; i--) if (scopes[i].site !== null) return true;
  return false;
}

/**
 * The library takes over `next` (a parameter's new value or grad, an optimizer's new state)
 * in place of `previous`: `next` outlives the scope it was made in, and `previous`, when the
 * library had adopted it and it was made inside a scope, is handed to the innermost `tidy` to
 * be released at its end (outside any `tidy` it is left to the garbage collector, as before).
 */
export function adopt(next: Releasable | null, previous: Releasable | null): void {
  if (next !== null) next.adopted = true;
  if (previous === null || previous === next || !previous.adopted) return;
  previous.adopted = false;
  // A value made outside every scope (a model's initial weights) is the user's: left alone.
  if (!previous.scoped || !inTidy()) return;
  for (let i = scopes.length - 1; i >= 0; i--) {
    if (scopes[i].site !== null) {
      scopes[i].tensors.push(previous);
      return;
    }
  }
}

/** `adopt` for values that may not be tensors (a `Parameter` may hold a number or a `Scalar`). */
export function adoptValue(next: unknown, previous: unknown): void {
  adopt(isReleasable(next) ? next : null, isReleasable(previous) ? previous : null);
}

/** The scope being closed now, and what survives it (see `orphan`). */
let closing: { scope: Scope; survivors: Set<Releasable> } | null = null;

/**
 * `t` was adopted by a tensor that is being released (a gradient whose tensor goes): release
 * it too, unless it is kept or, while a scope closes, survives that scope.
 */
export function orphan(t: Releasable, site: ReleaseSite): void {
  if (!t.adopted || t.kept) return;
  t.adopted = false;
  if (closing !== null) closing.scope.tensors.push(t);
  else t.releaseAt(site);
}

/** Every tensor in `value`: itself, or inside arrays, plain objects and Maps (nested). */
function tensorsIn(value: unknown, out: Set<Releasable>, depth = 0): void {
  if (isReleasable(value)) {
    out.add(value);
    return;
  }
  if (depth > 16 || value === null || typeof value !== 'object') return;
  if (Array.isArray(value)) {
    for (const v of value) tensorsIn(v, out, depth + 1);
  } else if (value instanceof Map) {
    for (const v of value.values()) tensorsIn(v, out, depth + 1);
  } else {
    const proto = Object.getPrototypeOf(value) as unknown;
    if (proto === Object.prototype || proto === null)
      for (const v of Object.values(value as object)) tensorsIn(v, out, depth + 1);
  }
}

/**
 * Release what `scope` recorded except `survivors`, kept and adopted tensors; survivors go on
 * to the enclosing scope, which releases them at its end unless they survive it too.
 */
function close(scope: Scope, survivors: Set<Releasable>, site: ReleaseSite): void {
  const outer = closing;
  closing = { scope, survivors };
  try {
    // `orphan` may append to the list while it is walked: those are checked too.
    for (const t of scope.tensors) {
      if (survivors.has(t) || t.kept || t.adopted) continue;
      t.releaseAt(site);
    }
  } finally {
    closing = outer;
  }
  const parent = scopes[scopes.length - 1];
  if (parent !== undefined) for (const t of survivors) if (!t.isReleased) parent.tensors.push(t);
}

/**
 * Run `fn` and release every tensor it created, except the tensors it returns (alone, or in
 * arrays, plain objects or Maps), those passed to `keep`, and those the library adopted: a
 * parameter's new value and `.grad`, an optimizer's state. A parameter's value or gradient
 * that the library replaces inside `tidy` (an optimizer step, `zeroGrad`) is released with it.
 * Scopes nest: what an inner `tidy` returns belongs to the outer one.
 *
 * A released tensor throws when used, naming itself and this call. `fn` must be synchronous.
 *
 * @example
 * ```ts
 * for (let step = 0; step < 1000; step++) {
 *   const loss = minitorch.tidy(() => {
 *     optimizer.zeroGrad();
 *     const loss = lossOf(model.forward(x), y);
 *     loss.backward();
 *     optimizer.step();
 *     return loss.item(); // a number: every tensor of the step is released
 *   });
 * }
 * ```
 */
export function tidy<T>(fn: () => T): T {
  if (typeof fn !== 'function') {
    throw new TypeError(`tidy: expected a function to run, such as () => { ... }, got ${describeValue(fn)}`);
  }
  const site: ReleaseSite = { how: 'tidy()', stack: new Error('tidy') };
  const scope: Scope = { tensors: [], site };
  scopes.push(scope);
  let result: T;
  try {
    result = fn();
  } catch (e) {
    scopes.pop();
    close(scope, new Set(), site);
    throw e;
  }
  scopes.pop();
  if (result instanceof Promise) {
    close(scope, new Set(), site);
    throw new TypeError(
      'tidy: fn returned a Promise; tidy releases tensors when fn returns, so fn must be synchronous (await outside tidy)',
    );
  }
  const survivors = new Set<Releasable>();
  tensorsIn(result, survivors);
  close(scope, survivors, site);
  return result;
}

/**
 * Run `fn` in a scope of the library's own: tensors it creates are released when it returns,
 * except `survivors(result)` (and kept or adopted ones). Cheap: no stack is captured per call,
 * as nothing outside the library can reach what it releases.
 */
export function internalScope<T>(fn: () => T, survivors: (result: T) => Iterable<Releasable>, how: string): T {
  const scope: Scope = { tensors: [], site: null };
  scopes.push(scope);
  let result: T;
  try {
    result = fn();
  } finally {
    scopes.pop();
  }
  if (scope.tensors.length > 0) close(scope, new Set(survivors(result)), internalSite(how));
  return result;
}

/** One release site per kind of internal scope: its temporaries are out of the user's reach. */
const internalSites = new Map<string, ReleaseSite>();
function internalSite(how: string): ReleaseSite {
  let site = internalSites.get(how);
  if (site === undefined) {
    site = { how: `the library (a temporary of ${how})`, stack: new Error(how) };
    internalSites.set(how, site);
  }
  return site;
}

/**
 * Exempt `t` from every `tidy`: it lives until `dispose()`d (or collected). Returns `t`, so a
 * tensor can be kept where it is made: `const w = keep(x.mul(2))`.
 */
export function keep<T extends Releasable>(t: T): T {
  if (!isReleasable(t)) throw new TypeError(`keep: expected a Tensor, got ${describeValue(t)}`);
  t.assertLive('keep');
  t.kept = true;
  return t;
}

/**
 * Release tensors now: a tensor, or every tensor in an array, plain object or Map. The same as
 * calling `dispose()` on each (a released tensor throws when used).
 */
export function dispose(value: unknown): void {
  const found = new Set<Releasable>();
  tensorsIn(value, found);
  if (found.size === 0 && !(Array.isArray(value) || (value !== null && typeof value === 'object')))
    throw new TypeError(`dispose: expected a Tensor or a list of tensors, got ${describeValue(value)}`);
  const site: ReleaseSite = { how: 'dispose()', stack: new Error('dispose') };
  for (const t of found) t.releaseAt(site);
}

/** The first frame of `site`'s stack outside this library's lifetime code: where it was released. */
export function releaseLocation(site: ReleaseSite): string {
  const frames = (site.stack.stack ?? '').split('\n').slice(1);
  const outside = frames.find((f) => !/[/\\](lifetimes|tensor)\.[jt]s:/.test(f)) ?? frames[0] ?? '';
  return outside.trim().replace(/^at /, '') || 'an unknown place';
}
