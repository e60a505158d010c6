/**
 * The mocha reporter of `npm run grade`. Two outputs:
 *
 * - `--reporter-option events=<fd>`: one JSON line per event, written as it happens to that
 *   file descriptor (a pipe the grader reads): `{"e":"begin","t":<full title>,"f":<file>,
 *   "ms":<timeout>}` when a test or hook starts, `{"e":"pass"|"fail"|"skip","t":…,"m":<message>}`
 *   when it ends, `{"e":"done"}` at the end of the run. The grader keeps each result as it
 *   arrives, so a run that hangs or dies part-way loses only what had not finished yet.
 * - `--reporter-option output=<file>`: every test's outcome (title, file, message) written
 *   when the run ends, as mocha's JSON reporter does (used by the starter's tests).
 *
 * Nothing here is trusted by the autograder beyond what the grader checks itself: this runs
 * in the same process as the code under test (see README, "Threat model").
 *
 * @packageDocumentation
 */
import * as fs from 'fs';
import Mocha from 'mocha';
import { GradeReport, ReportedTest } from './testSummary';

class GradeReporter extends Mocha.reporters.Base {
  constructor(
    runner: Mocha.Runner,
    options: Mocha.MochaOptions & { reporterOption?: Record<string, string>; reporterOptions?: Record<string, string> },
  ) {
    super(runner, options);
    const opts = options.reporterOption ?? options.reporterOptions ?? {};
    const report: GradeReport = { passes: [], failures: [], pending: [], tests: [] };
    const fd = opts.events === undefined ? null : Number(opts.events);
    // Synchronous writes: a test that then blocks the event loop forever has still been reported.
    const emit = (event: Record<string, unknown>) => {
      if (fd !== null) fs.writeSync(fd, `${JSON.stringify(event)}\n`);
    };
    const { constants } = Mocha.Runner;
    const item = (t: Mocha.Runnable, err?: Error): ReportedTest => ({
      fullTitle: t.fullTitle(),
      file: t.file ?? '',
      err: err ? { message: String(err.message ?? err), name: err.name } : {},
    });
    const begin = (t: Mocha.Runnable) => emit({ e: 'begin', t: t.fullTitle(), f: t.file ?? '', ms: t.timeout() });
    runner.on(constants.EVENT_TEST_BEGIN, begin);
    runner.on(constants.EVENT_HOOK_BEGIN, begin);
    runner.on(constants.EVENT_HOOK_END, (h: Mocha.Hook) => emit({ e: 'hookend', t: h.fullTitle() }));
    runner.on(constants.EVENT_TEST_PASS, (t: Mocha.Test) => {
      report.passes.push(item(t));
      emit({ e: 'pass', t: t.fullTitle() });
    });
    runner.on(constants.EVENT_TEST_FAIL, (t: Mocha.Runnable, err: Error) => {
      report.failures.push(item(t, err));
      const hook = (t as Mocha.Runnable & { type?: string }).type === 'hook';
      emit({ e: hook ? 'hookfail' : 'fail', t: t.fullTitle(), m: String(err?.message ?? err), n: err?.name ?? '' });
    });
    runner.on(constants.EVENT_TEST_PENDING, (t: Mocha.Test) => {
      report.pending.push(item(t));
      emit({ e: 'skip', t: t.fullTitle() });
    });
    runner.on(constants.EVENT_TEST_END, (t: Mocha.Test) => {
      report.tests.push(item(t));
    });
    runner.once(constants.EVENT_RUN_END, () => {
      emit({ e: 'done' });
      if (opts.output) fs.writeFileSync(opts.output, JSON.stringify(report));
    });
  }
}

export = GradeReporter;
