/**
 * Module 0 — the `Module` tree (Task 0.4).
 *
 * A `Module` is a node in a tree of modules. Its children are simply the fields that hold
 * other modules, and its parameters the fields that hold `Parameter`s: assigning
 * `this.layer1 = new Linear(2, 3)` in a constructor is all it takes to register a child.
 * We find them by walking the object's own fields when asked (no proxies, no decorators),
 * so what you see in the class is exactly what the tree contains.
 *
 * @packageDocumentation
 */
import { noGrad } from './autodiff';
import { BackendLike, getBackend } from './backends/registry';
import { adoptValue } from './lifetimes';
import { Tensor, fromFlat } from './tensor';
import { formatShape } from './tensorData';
import { checkBoolean, checkOptions, describeValue, tooManyArguments } from './validate';

/** A value that carries a gradient flag (Scalar and Tensor both implement it). */
interface GradTracked {
  requiresGrad_(flag: boolean): unknown;
}

function isGradTracked(x: unknown): x is GradTracked {
  return typeof x === 'object' && x !== null && typeof (x as GradTracked).requiresGrad_ === 'function';
}

/**
 * A learnable value held by a `Module`. Optimisers replace `value` through `update`, which
 * also marks the new value as needing a gradient.
 */
export class Parameter<T = unknown> {
  private current!: T;
  /** Optional display name. */
  name: string | undefined;

  constructor(value: T, name?: string) {
    this.value = value;
    this.name = name;
    if (isGradTracked(value)) value.requiresGrad_(true);
  }

  /**
   * The current value (a number, a `Scalar` or a `Tensor`). A tensor value outlives the
   * `tidy` it was made in; one replaced inside a `tidy` is released with it.
   */
  get value(): T {
    return this.current;
  }
  set value(value: T) {
    adoptValue(value, this.current);
    this.current = value;
  }

  /** Replace the value (keeps gradient tracking on). */
  update(value: T): void {
    this.value = value;
    if (isGradTracked(value)) value.requiresGrad_(true);
  }

  /** Short description, e.g. `Parameter(0.5)`. */
  toString(): string {
    return `Parameter(${String(this.value)})`;
  }
}

/** Fields that belong to the tree's own bookkeeping, never children or parameters. */
const RESERVED = new Set(['training']);

/**
 * Base class of every model. Subclass it and assign sub-modules and `Parameter`s as fields.
 * Arrays of modules or parameters are walked too (named `layers.0`, `layers.1`, …).
 */
export class Module {
  /** True in training mode (the default), false after `eval()`. */
  training = true;

  /** Direct child modules with their field names, in field order. */
  namedChildren(): Array<[string, Module]> {
    // BEGIN SOLUTION 0.4
    const out: Array<[string, Module]> = [];
    for (const [key, value] of Object.entries(this)) {
      if (RESERVED.has(key)) continue;
      if (value instanceof Module) out.push([key, value]);
      else if (Array.isArray(value)) {
        value.forEach((v, i) => {
          if (v instanceof Module) out.push([`${key}.${i}`, v]);
        });
      }
    }
    return out;
    // END SOLUTION
  }

  /** Direct child modules, in field order, each once (a module held by two fields is one child, as in PyTorch). */
  children(): Module[] {
    return [...new Set(this.namedChildren().map(([, m]) => m))];
  }

  /**
   * All descendant modules (children, their children, …), depth first, each once; not `this`
   * (the course's Task 0.4). PyTorch's `modules()` starts with the module itself: its
   * equivalent here is `[m, ...m.modules()]`, or `namedModules()` for `named_modules()`.
   */
  modules(): Module[] {
    // BEGIN SOLUTION 0.4
    // Iterative walk with a visited set: a module shared by two parents is listed once,
    // and a child holding a reference back to its parent cannot loop forever.
    const out: Module[] = [];
    const seen = new Set<Module>([this]);
    const stack = this.children().reverse();
    while (stack.length > 0) {
      const m = stack.pop()!;
      if (seen.has(m)) continue;
      seen.add(m);
      out.push(m);
      stack.push(...m.children().reverse());
    }
    return out;
    // END SOLUTION
  }

  /** Parameters held directly by this module (not by its children), with field names. */
  namedOwnParameters(): Array<[string, Parameter]> {
    const out: Array<[string, Parameter]> = [];
    for (const [key, value] of Object.entries(this)) {
      if (value instanceof Parameter) out.push([key, value]);
      else if (Array.isArray(value)) {
        value.forEach((v, i) => {
          if (v instanceof Parameter) out.push([`${key}.${i}`, v]);
        });
      }
    }
    return out;
  }

  /**
   * Every parameter of this module and its descendants, named by its dotted path from
   * here (`layer1.weights`), own parameters first.
   */
  namedParameters(): Array<[string, Parameter]> {
    // BEGIN SOLUTION 0.4
    // Depth first with dotted paths; a parameter reachable twice (a shared module) is listed
    // once, under its first name, as PyTorch does.
    const out: Array<[string, Parameter]> = [];
    const seenParams = new Set<Parameter>();
    const seenModules = new Set<Module>();
    const visit = (m: Module, prefix: string): void => {
      if (seenModules.has(m)) return;
      seenModules.add(m);
      for (const [name, p] of m.namedOwnParameters()) {
        if (seenParams.has(p)) continue;
        seenParams.add(p);
        out.push([prefix + name, p]);
      }
      for (const [name, child] of m.namedChildren()) visit(child, `${prefix}${name}.`);
    };
    visit(this, '');
    return out;
    // END SOLUTION
  }

  /** Every parameter of this module and its descendants. */
  parameters(): Parameter[] {
    return this.namedParameters().map(([, p]) => p);
  }

  /** Put this module and every descendant in training mode. Returns `this`. */
  train(): this {
    // BEGIN SOLUTION 0.4
    this.training = true;
    for (const m of this.modules()) m.training = true;
    return this;
    // END SOLUTION
  }

  /** Put this module and every descendant in evaluation mode. Returns `this`. */
  eval(): this {
    // BEGIN SOLUTION 0.4
    this.training = false;
    for (const m of this.modules()) m.training = false;
    return this;
    // END SOLUTION
  }

  /**
   * This module and every descendant with its dotted path (`''` for this one), each once, as
   * PyTorch's `named_modules()` (unlike `modules()`, which leaves this module out).
   */
  namedModules(): Array<[string, Module]> {
    const out: Array<[string, Module]> = [];
    const seen = new Set<Module>();
    const visit = (m: Module, path: string): void => {
      if (seen.has(m)) return;
      seen.add(m);
      out.push([path, m]);
      for (const [name, child] of m.namedChildren()) visit(child, path === '' ? name : `${path}.${name}`);
    };
    visit(this, '');
    return out;
  }

  /**
   * Every tensor parameter under every name it is reachable by, as PyTorch's `state_dict()`
   * (a module reachable twice, such as tied weights, is listed under both names; only
   * `namedParameters()` lists each parameter once). A module holding one of its ancestors
   * is not walked again.
   */
  private stateEntries(): Array<[string, Parameter<Tensor>]> {
    const out: Array<[string, Parameter<Tensor>]> = [];
    const visit = (m: Module, prefix: string, path: Set<Module>): void => {
      for (const [name, p] of m.namedOwnParameters()) {
        if (p.value instanceof Tensor) out.push([prefix + name, p as Parameter<Tensor>]);
      }
      for (const [name, child] of m.namedChildren()) {
        if (!path.has(child)) visit(child, `${prefix}${name}.`, new Set([...path, child]));
      }
    };
    visit(this, '', new Set([this]));
    return out;
  }

  /**
   * Every tensor parameter by its dotted name (`conv1.weight`, `0.bias`, …), as PyTorch's
   * `state_dict()`: detached tensors sharing the parameters' data, in tree order; tied
   * weights appear under each name.
   */
  stateDict(): Record<string, Tensor> {
    const out: Record<string, Tensor> = {};
    for (const [name, p] of this.stateEntries()) out[name] = p.value.detach();
    return out;
  }

  /** Forget every parameter's gradient, as PyTorch's `module.zero_grad()`. */
  zeroGrad(): this {
    for (const p of this.parameters()) if (p.value instanceof Tensor) p.value.zeroGrad_();
    return this;
  }

  /**
   * Move every tensor parameter to `backend`, in place as PyTorch's `module.to(device)`: the
   * `Parameter` objects stay, so an optimizer built before keeps updating them (its state
   * follows on its next step). Gradients are dropped. Returns `this`.
   */
  to(backend: BackendLike): this {
    const target = getBackend(backend);
    for (const p of this.parameters()) {
      if (p.value instanceof Tensor && p.value.backend !== target)
        p.update(noGrad(() => (p.value as Tensor).to(target)).detach());
    }
    return this;
  }

  /**
   * Call `fn` on every descendant, children first, then on this module, as PyTorch's
   * `module.apply(fn)` (used to initialise weights). Returns `this`.
   */
  apply(fn: (m: Module) => void): this {
    if (typeof fn !== 'function') throw new TypeError(`apply: fn must be a function, got ${typeof fn}`);
    const seen = new Set<Module>();
    const visit = (m: Module): void => {
      if (seen.has(m)) return;
      seen.add(m);
      for (const child of m.children()) visit(child);
      fn(m);
    };
    visit(this);
    return this;
  }

  /**
   * Copy tensors into the parameters of the same names, as PyTorch's `load_state_dict`.
   * Everything is checked first: missing keys, unexpected keys (unless `strict` is false)
   * and shape mismatches are all reported in one error and leave the module unchanged.
   * Values are copied onto each parameter's own backend.
   */
  loadStateDict(state: Record<string, Tensor>, options: { strict?: boolean } = {}): void {
    if (typeof state !== 'object' || state === null || Array.isArray(state) || state instanceof Tensor) {
      const got =
        state === null
          ? 'null'
          : Array.isArray(state)
            ? 'an array'
            : state instanceof Tensor
              ? 'a Tensor'
              : typeof state;
      throw new TypeError(
        `loadStateDict into ${this.constructor.name}: expected an object of tensors by name ` +
          `(as stateDict() returns), got ${got}`,
      );
    }
    if (arguments.length > 2) tooManyArguments('loadStateDict', 2, arguments.length, 'state, options');
    checkOptions('loadStateDict', options, ['strict']);
    if (options.strict !== undefined) checkBoolean('loadStateDict', 'strict', options.strict);
    const strict = options.strict ?? true;
    const params = new Map<string, Parameter<Tensor>>(this.stateEntries());
    const problems: string[] = [];
    const missing = [...params.keys()].filter((k) => !(k in state));
    const unexpected = Object.keys(state).filter((k) => !params.has(k));
    if (strict && missing.length > 0) problems.push(`missing keys: ${missing.join(', ')}`);
    if (strict && unexpected.length > 0) problems.push(`unexpected keys: ${unexpected.join(', ')}`);
    for (const [name, p] of params) {
      const t = state[name];
      if (t === undefined) continue;
      if (!(t instanceof Tensor)) problems.push(`${name}: expected a Tensor, got ${describeValue(t)}`);
      else if (formatShape(t.shape) !== formatShape(p.value.shape)) {
        problems.push(
          `${name}: shape ${formatShape(t.shape)} in the state dict, ${formatShape(p.value.shape)} in the model`,
        );
      }
    }
    if (problems.length > 0) throw new Error(`loadStateDict into ${this.constructor.name}: ${problems.join('; ')}`);
    for (const [name, p] of params) {
      const t = state[name];
      if (t !== undefined) p.update(fromFlat(t.toFlatArray(), t.shape, { backend: p.value.backend }));
    }
  }

  /**
   * This module's own settings for `toString`, as PyTorch's `extra_repr()` (e.g. Linear's
   * `in_features=784, out_features=512, bias=true`); empty by default. Override to show yours.
   */
  extraRepr(): string {
    return '';
  }

  /**
   * PyTorch's printout of the tree: `Name(settings)` for a module without children, else its
   * settings and one `(name): child` line per child, indented as `print(model)` does.
   */
  toString(): string {
    const children = this.namedChildren();
    const name = this.constructor.name;
    const extra = this.extraRepr();
    if (children.length === 0) return `${name}(${extra})`;
    const lines = [
      ...(extra === '' ? [] : extra.split('\n')),
      ...children.map(([key, m]) => `(${key}): ${m.toString()}`),
    ].map((line) => `  ${line.split('\n').join('\n  ')}`);
    return `${name}(\n${lines.join('\n')}\n)`;
  }
}
