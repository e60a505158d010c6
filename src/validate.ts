/**
 * Checks of what a public function is given, shared by the whole library. Each one throws an
 * error that names the function, the argument, what it got and what it expected, before
 * anything changes. Plain-JavaScript callers (`require('minitorch')`, a notebook cell) have no
 * compiler to catch a PyTorch-style call, so an unknown option or an extra positional argument
 * is an error here, not a silently different result.
 *
 * The checks cost a comparison or two when the argument is right, and build their message only
 * when it is wrong, so they can sit on hot paths (a Tensor op runs millions of times).
 *
 * @packageDocumentation
 */

/** A value as an error message shows it: its type, and the value itself when short. */
export function describeValue(value: unknown): string {
  if (typeof value === 'string') return `the string ${JSON.stringify(value)}`;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint')
    return `${typeof value} ${String(value)}`;
  if (value === null || value === undefined) return String(value);
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'function') return `a function${value.name ? ` (${value.name})` : ''}`;
  const name = (value as { constructor?: { name?: string } }).constructor?.name;
  return name === undefined || name === 'Object' ? 'an object' : `a ${name}`;
}

/** Whether `value` is an options object: made by `{…}` (or with no prototype), nothing else. */
function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value) as { constructor?: { name?: string } } | null;
  // By name too: an object literal from another realm (a vm context) has another Object.
  return proto === null || proto === Object.prototype || proto.constructor?.name === 'Object';
}

/**
 * Throw unless `options` is omitted or an object whose keys are all in `allowed`: in plain
 * JavaScript a misspelt or unsupported option (`{dilation: 2}`, `{requires_grad: true}`) would
 * otherwise be dropped without a word. `where` names the function (`"conv2d"`); `required`: the
 * options cannot be omitted (a chart's fields).
 */
export function checkOptions(where: string, options: unknown, allowed: readonly string[], required = false): void {
  if (options === undefined && !required) return;
  if (!isPlainObject(options)) {
    const example = allowed.length > 0 ? `{ ${allowed[0]}: … }` : '{}';
    throw new TypeError(`${where}: options must be an object such as ${example}, got ${describeValue(options)}`);
  }
  for (const key in options) {
    if (!allowed.includes(key)) {
      const known = allowed.length > 0 ? `it takes ${allowed.join(', ')}` : 'it takes none';
      throw new TypeError(`${where}: unknown option "${key}" (${known})`);
    }
  }
}

/**
 * Throw when a call passed more than `max` arguments (call as
 * `if (arguments.length > 2) tooManyArguments('sum', 2, arguments.length, 'dim?, keepdim?')`,
 * so a right call pays one comparison). A PyTorch-style call passes positionally what
 * MiniTorch takes as an option (`arange(1, 11)`, `nllLoss(x, y, {reduction})`).
 */
export function tooManyArguments(where: string, max: number, got: number, params: string): never {
  throw new TypeError(
    `${where}: takes at most ${max} argument${max === 1 ? '' : 's'} (${params}), got ${got}; ` +
      'keyword arguments go in an options object',
  );
}

/** Throw unless `value` is a number (NaN and ±Infinity allowed). */
export function checkNumber(where: string, name: string, value: unknown): asserts value is number {
  if (typeof value !== 'number') throw new TypeError(`${where}: ${name} must be a number, got ${describeValue(value)}`);
}

/** Throw unless `value` is a finite number in `[min, max]`; returns it. */
export function checkRange(where: string, name: string, value: unknown, min: number, max = Infinity): number {
  if (typeof value !== 'number' || !(value >= min && value <= max)) {
    const range = max === Infinity ? `>= ${min}` : `in [${min}, ${max}]`;
    const error = typeof value === 'number' ? RangeError : TypeError;
    throw new error(`${where}: ${name} must be a number ${range}, got ${describeValue(value)}`);
  }
  return value;
}

/** Throw unless `value` is a finite number above 0 (an integer when `integer`); returns it. */
export function checkPositive(where: string, name: string, value: unknown, integer = false): number {
  if (typeof value !== 'number' || !(value > 0) || !Number.isFinite(value) || (integer && !Number.isInteger(value))) {
    const error = typeof value === 'number' ? RangeError : TypeError;
    throw new error(
      `${where}: ${name} must be a positive ${integer ? 'integer' : 'number'}, got ${describeValue(value)}`,
    );
  }
  return value;
}

/** Throw unless `value` is an integer of at least `min` (a size, a count); returns it. */
export function checkInt(where: string, name: string, value: unknown, min = 0): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) {
    const error = typeof value === 'number' ? RangeError : TypeError;
    throw new error(`${where}: ${name} must be an integer >= ${min}, got ${describeValue(value)}`);
  }
  return value;
}

/** Throw unless `value` is an integer dim (negative ones count from the end); returns it. */
export function checkDimArg(where: string, name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw new TypeError(
      `${where}: ${name} must be an integer dim (negative counts from the end), got ${describeValue(value)}`,
    );
  }
  return value;
}

/**
 * A size given as one positive integer or `[height, width]` of them (a pooling kernel, a
 * stride), as a pair; anything else is an error naming `name`.
 */
export function checkSizePair(where: string, name: string, value: unknown): [number, number] {
  const out = typeof value === 'number' ? [value, value] : value;
  if (!Array.isArray(out) || out.length !== 2 || !out.every((v) => Number.isInteger(v) && v >= 1)) {
    const got = Array.isArray(value) ? JSON.stringify(value) : describeValue(value);
    throw new RangeError(`${where}: ${name} must be a positive integer or [height, width] of them, got ${got}`);
  }
  return out as [number, number];
}

/** Throw unless `value` is a boolean (`1` or `"false"` would pass a truthiness test). */
export function checkBoolean(where: string, name: string, value: unknown): asserts value is boolean {
  if (typeof value !== 'boolean')
    throw new TypeError(`${where}: ${name} must be true or false, got ${describeValue(value)}`);
}

/** Throw unless `value` is a string (a file path, a name). */
export function checkString(where: string, name: string, value: unknown): asserts value is string {
  if (typeof value !== 'string') throw new TypeError(`${where}: ${name} must be a string, got ${describeValue(value)}`);
}

/** Throw unless `value` is a function (a callback). */
export function checkFunction(where: string, name: string, value: unknown): void {
  if (typeof value !== 'function')
    throw new TypeError(`${where}: ${name} must be a function, got ${describeValue(value)}`);
}

/** Throw unless `value` is one of `choices`; returns it. */
export function checkChoice<T extends string>(where: string, name: string, value: unknown, choices: readonly T[]): T {
  if (!choices.includes(value as T)) {
    throw new RangeError(
      `${where}: ${name} must be one of ${choices.map((c) => JSON.stringify(c)).join(', ')}, got ${describeValue(value)}`,
    );
  }
  return value as T;
}

/** Throw unless `value` is a typed array or an array of numbers (flat values, pixels). */
export function checkNumbers(where: string, name: string, value: unknown): asserts value is ArrayLike<number> {
  // A typed array holds numbers by construction; anything else is checked element by element.
  if (ArrayBuffer.isView(value)) return;
  if (!Array.isArray(value)) {
    throw new TypeError(`${where}: ${name} must be an array of numbers, got ${describeValue(value)}`);
  }
  for (let i = 0; i < value.length; i++) {
    if (typeof value[i] !== 'number') {
      throw new TypeError(`${where}: ${name}[${i}] must be a number, got ${describeValue(value[i])}`);
    }
  }
}

/** Throw unless `value` is an array of integers of at least `min` (a list of labels, of indices). */
export function checkIntArray(where: string, name: string, value: unknown, min = 0): number[] {
  if (!Array.isArray(value)) {
    throw new TypeError(`${where}: ${name} must be an array of integers, got ${describeValue(value)}`);
  }
  for (let i = 0; i < value.length; i++) {
    const v: unknown = value[i];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min) {
      throw new (typeof v === 'number' ? RangeError : TypeError)(
        `${where}: ${name}[${i}] must be an integer >= ${min}, got ${describeValue(v)}`,
      );
    }
  }
  return value as number[];
}
