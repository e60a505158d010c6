/**
 * What a check is. A check is a named function that throws when an exercise is wrong; the
 * same checks run in mocha (`tests/checks.test.ts`) and in the notebooks
 * (`grading.checkTask("1.3")`), so a notebook's pass/fail table and the test suite agree.
 *
 * @packageDocumentation
 */
import type { Random } from '../../random';

/** What a check may use: a seeded generator and how many random cases to try. */
export interface CheckContext {
  /** Seeded, so a failure is repeatable. */
  rng: Random;
  /** Random cases per property (notebooks use fewer than mocha). */
  runs: number;
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
