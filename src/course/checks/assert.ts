/**
 * Tiny assertions for checks. The library cannot depend on chai (a test-only package), and
 * a check's message is what a student reads in the notebook, so each one says what was
 * expected and what came back.
 *
 * @packageDocumentation
 */

/** A failed check: the message names the function, the input and both values. */
export class CheckFailure extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CheckFailure';
  }
}

/** Fail with `message` unless `condition` holds. */
export function assert(condition: boolean, message: string): asserts condition {
  if (!condition) throw new CheckFailure(message);
}

/** Short, exact rendering of a value for messages (`-0`, `NaN`, arrays). */
export function show(x: unknown): string {
  if (typeof x === 'number') return Object.is(x, -0) ? '-0' : String(x);
  if (Array.isArray(x) || ArrayBuffer.isView(x)) return `[${Array.from(x as ArrayLike<unknown>, show).join(', ')}]`;
  return String(x);
}

/** `actual === expected` (numbers or arrays of numbers, compared element by element). */
export function assertEqual(actual: unknown, expected: unknown, what: string): void {
  const same =
    Array.isArray(expected) || ArrayBuffer.isView(expected)
      ? (Array.isArray(actual) || ArrayBuffer.isView(actual)) &&
        (actual as ArrayLike<unknown>).length === (expected as ArrayLike<unknown>).length &&
        Array.from(expected as ArrayLike<unknown>).every((e, i) => e === (actual as ArrayLike<unknown>)[i])
      : actual === expected;
  assert(same, `${what}: expected ${show(expected)}, got ${show(actual)}`);
}

/**
 * |actual − expected| ≤ atol + rtol·|expected|: relative for big values, absolute near 0.
 * The default is MiniTorch's `assert_close` tolerance (1e-2).
 */
export function assertClose(actual: number, expected: number, what: string, atol = 1e-2, rtol = 0): void {
  const ok = Math.abs(actual - expected) <= atol + rtol * Math.abs(expected);
  assert(ok, `${what}: expected ${show(expected)}, got ${show(actual)}`);
}

/** `fn()` throws an error whose name or message matches `pattern`. */
export function assertThrows(fn: () => unknown, what: string, pattern?: RegExp): void {
  let error: unknown;
  try {
    fn();
  } catch (e) {
    error = e;
  }
  assert(error !== undefined, `${what}: expected an error, but nothing was thrown`);
  if (pattern) {
    const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    assert(pattern.test(text), `${what}: expected an error matching ${pattern}, got "${text}"`);
  }
}
