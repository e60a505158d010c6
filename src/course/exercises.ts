/**
 * Unwritten exercises, as a student meets them in a notebook. In the starter repository every
 * exercise body throws `NotImplementedError("Task 1.3: Scalar.chainRule")`; a notebook cell
 * that needs one wraps its work in `whenDone`, so "Run All" prints one line such as
 *
 *     Task 1.3 is not done yet: write Scalar.chainRule in src/scalar.ts (…)
 *
 * (the parenthesis names the solution marker to look for) and goes on to the next cell,
 * instead of stopping at a stack trace.
 *
 * @packageDocumentation
 */

/**
 * The solution marker's words, to search for in the file. Spelt in two parts because the
 * marker text itself must appear in src/ only as a marker (the starter's tests check that no
 * solution region survives).
 */
const MARKER = ['BEGIN', 'SOLUTION'].join(' ');

/** What an unwritten exercise's error tells about it. */
export interface UnfinishedExercise {
  /** The task number, e.g. `1.3`. */
  task: string;
  /** The function whose body is the exercise, e.g. `Scalar.chainRule`. */
  functionName: string;
  /** The library source to edit, e.g. `src/scalar.ts`, when the stack trace names it. */
  file?: string;
}

/** `Task 1.3: Scalar.chainRule`, anywhere in a message (the worker pool prefixes its own words). */
const STUB_MESSAGE = /\bTask (\d+\.\d+): ([\w$.<>]+)/;
/**
 * A stack frame in the library: `…/src/scalar.ts:12:5` (source maps on) or
 * `…/dist/scalar.js:12:5` (off); `build/src/` is the test build of the same files. The
 * greedy `.*` takes the last such folder, so a checkout inside a folder named `src` works.
 */
const LIBRARY_FRAME = /.*[/\\](?:dist|build[/\\]src|src)[/\\]([\w/\\.-]+?)\.(?:js|ts):\d+:\d+/;

/**
 * The exercise behind `error` when it is (or wraps, as the worker pool does) a
 * `NotImplementedError` from a stub; `undefined` for any other error.
 */
export function unfinishedExercise(error: unknown): UnfinishedExercise | undefined {
  if (!(error instanceof Error) || error.name !== 'NotImplementedError') return undefined;
  const stub = STUB_MESSAGE.exec(error.message);
  if (stub === null) return undefined;
  // The first frame is where the stub threw (the constructor leaves itself out; a worker's
  // error carries the worker's stack after its own message). A stub outside the library
  // (a test's own) names no file.
  const first = (error.stack ?? '').split('\n').find((line) => /^\s+at /.test(line)) ?? '';
  const frame = first.includes('node_modules') ? null : LIBRARY_FRAME.exec(first);
  const file = frame ? `src/${frame[1].replace(/\\/g, '/')}.ts` : undefined;
  return { task: stub[1], functionName: stub[2], file };
}

/** A check table's message for an unwritten exercise: `Task 1.3: write Scalar.chainRule in src/scalar.ts`. */
export function todoMessage(exercise: UnfinishedExercise): string {
  return `Task ${exercise.task}: write ${exercise.functionName}${exercise.file ? ` in ${exercise.file}` : ''}`;
}

/**
 * The one-line message for an unwritten exercise:
 * `Task 1.3 is not done yet: write Scalar.chainRule in src/scalar.ts (…)`, the parenthesis
 * naming the solution marker of the task.
 */
export function notDoneMessage(exercise: UnfinishedExercise): string {
  const where = exercise.file ? ` in ${exercise.file}` : '';
  return `Task ${exercise.task} is not done yet: write ${exercise.functionName}${where} (${MARKER} ${exercise.task})`;
}

/** Print the line for an unwritten exercise and return undefined; rethrow any other error. */
function reportUnfinished(task: string, error: unknown): undefined {
  const exercise = unfinishedExercise(error);
  if (exercise === undefined) throw error;
  const needed = exercise.task === task ? '' : `; this cell needs it for Task ${task}`;
  console.log(`${notDoneMessage(exercise)}${needed}`);
  return undefined;
}

/**
 * Run `fn`, a notebook cell's work that shows Task `task`, and return its result; when it
 * reaches an exercise that is not written yet, print one line naming the task, the function
 * and the file (see the module comment) and return `undefined` instead, so the following
 * cells still run. Any other error (a bug) is thrown as usual, with its stack trace.
 * An async `fn` gives a promise, which resolves to `undefined` in the same case.
 */
export function whenDone<T>(task: string, fn: () => Promise<T>): Promise<T | undefined>;
export function whenDone<T>(task: string, fn: () => T): T | undefined;
export function whenDone<T>(task: string, fn: () => T | Promise<T>): T | Promise<T | undefined> | undefined {
  let result: T | Promise<T>;
  try {
    result = fn();
  } catch (e) {
    return reportUnfinished(task, e);
  }
  if (result instanceof Promise) return result.catch((e: unknown) => reportUnfinished(task, e));
  return result;
}
