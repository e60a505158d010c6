/**
 * The mocha reporter of `npm test`: mocha's `spec` lines while the tests run, then, instead
 * of every failure's full stack, a readable end:
 *
 * - each failing test once, with the first lines of its message and at most a few stack
 *   frames in this repository's own files (`src/`, `tests/`, `scripts/`), not in mocha,
 *   chai, fast-check or Node;
 * - a summary with one line per failing task (`Task 1.3 chain rule: 7 of 7 tests fail —
 *   Task 1.3: Scalar.chainRule`), and one line for failing tests that name no task.
 *
 * `--reporter-option full=1` (or `MINITORCH_FULL_ERRORS=1`) prints mocha's usual full failure
 * list as well.
 *
 * @packageDocumentation
 */
import Mocha from 'mocha';
import { taskOfTitle } from './course';
import { failureSummary, isNotDone, ownFrames, shortMessage, stubMessage, taskTitles } from './testSummary';

/** `spec` progress, then short failures and a per-task summary. */
class TaskReporter extends Mocha.reporters.Spec {
  /** Print mocha's full failure list too. */
  private readonly full: boolean;
  /** Tests run per task, for "7 of 9 tests fail". */
  private readonly totals = new Map<string, number>();

  constructor(
    runner: Mocha.Runner,
    options: Mocha.MochaOptions & { reporterOption?: Record<string, string>; reporterOptions?: Record<string, string> },
  ) {
    super(runner, options);
    const opts = options.reporterOption ?? options.reporterOptions ?? {};
    this.full = opts.full === '1' || opts.full === 'true' || process.env.MINITORCH_FULL_ERRORS === '1';
    // Tests that ran (skipped ones are not counted), for "7 of 9 tests fail".
    const count = (test: Mocha.Runnable) => {
      const task = taskOfTitle(test.fullTitle());
      if (task !== null && (test as Mocha.Runnable & { type?: string }).type === 'test')
        this.totals.set(task, (this.totals.get(task) ?? 0) + 1);
    };
    runner.on(Mocha.Runner.constants.EVENT_TEST_PASS, count);
    runner.on(Mocha.Runner.constants.EVENT_TEST_FAIL, count);
  }

  /** Replaces mocha's epilogue, which prints every stack in full (Spec binds it at construction). */
  override epilogue(): void {
    const stats = this.stats;
    const log = (s = '') => Mocha.reporters.Base.consoleLog(s);
    log();
    log(
      `  ${stats.passes} passing, ${stats.failures} failing${stats.pending ? `, ${stats.pending} pending` : ''} (${Math.round((stats.duration ?? 0) / 1000)} s)`,
    );
    if (stats.failures === 0) return log();
    const failures = (this.failures as Array<Mocha.Test & { err?: Error }>).map((t) => ({
      test: t,
      fullTitle: t.fullTitle(),
      message: isNotDone(t.err) ? `not done yet: ${stubMessage(t.err)}` : shortMessage(t.err),
    }));
    if (this.full) Mocha.reporters.Base.list(this.failures);
    else {
      // A test that fails only because a task is still a stub says so in the summary below;
      // the others get their message and where in this repository's code it came from.
      const wrong = failures.filter((f) => !isNotDone(f.test.err));
      if (wrong.length < failures.length)
        log(
          `\n  ${failures.length - wrong.length} tests fail only because a task is not written yet (see the summary).`,
        );
      log();
      wrong.forEach((f, i) => {
        log(`  ${i + 1}) ${f.fullTitle}`);
        log(`     ${f.message}`);
        for (const frame of ownFrames(f.test.err?.stack)) log(`       ${frame}`);
      });
    }
    log();
    log('  Failing, by task (`npm run task -- 1.3` runs one task; --reporter-option full=1 shows whole stacks):');
    for (const line of failureSummary(failures, this.totals, taskTitles())) log(`    ${line}`);
    log();
  }
}

export = TaskReporter;
