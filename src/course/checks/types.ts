/**
 * What a check is. A check is a named function that throws when an exercise is wrong; the
 * same checks run in mocha (`tests/checks.test.ts`) and in the notebooks
 * (`grading.checkTask("1.3")`), so a notebook's pass/fail table and the test suite agree.
 *
 * @packageDocumentation
 */
import type { Random } from '../../random';
import type { Gen } from './sample';

/**
 * Runs `body` on cases from `gen`, throwing on the first failure. Mocha's is fast-check's
 * `fc.assert` (the case shrinks); the library cannot depend on fast-check, so it is passed in.
 */
export type PropertyRunner = <T>(gen: Gen<T>, body: (value: T) => void) => void;

/** What a check may use: a seeded generator and how many random cases to try. */
export interface CheckContext {
  /** Seeded, so a failure is repeatable. */
  rng: Random;
  /** Random cases per property (notebooks use fewer than mocha). */
  runs: number;
  /** Runs `forAll`'s cases instead of its seeded loop (mocha passes a fast-check one). */
  property?: PropertyRunner;
}

/** One named check of a task. Throws (any error) when the exercise is wrong. */
export interface Check {
  /** What it checks, e.g. `mul distributes over add`. */
  name: string;
  /** Run the check; may be async (GPU checks read back buffers). */
  run(ctx: CheckContext): void | Promise<void>;
}

/** The checks of some tasks, by task number (`"1.3"`). */
export type TaskChecks = Record<string, Check[]>;
