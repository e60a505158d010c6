/**
 * The mocha reporter of `npm run grade`: writes every test's outcome (title, file, message)
 * to `--reporter-option output=<file>` when the run ends, as mocha's JSON reporter does, and
 * while it runs writes progress lines to stderr for the grader to show:
 *
 * - `@@grade file <path>` when the tests of a new file start;
 * - `@@grade task <task> <passed> <failed>` when the last listed test of a task has run (the
 *   count per task comes from `--reporter-option totals=<file>`, written by the grader from
 *   its dry run).
 *
 * @packageDocumentation
 */
import * as fs from 'fs';
import Mocha from 'mocha';
import { taskOfTitle } from './course';
import { GradeReport, PROGRESS, ReportedTest } from './testSummary';

class GradeReporter extends Mocha.reporters.Base {
  constructor(
    runner: Mocha.Runner,
    options: Mocha.MochaOptions & { reporterOption?: Record<string, string>; reporterOptions?: Record<string, string> },
  ) {
    super(runner, options);
    const opts = options.reporterOption ?? options.reporterOptions ?? {};
    const report: GradeReport = { passes: [], failures: [], pending: [], tests: [] };
    const left = new Map<string, number>(
      opts.totals ? Object.entries(JSON.parse(fs.readFileSync(opts.totals, 'utf8')) as Record<string, number>) : [],
    );
    const counts = new Map<string, { passed: number; failed: number }>();
    const { constants } = Mocha.Runner;
    const item = (t: Mocha.Runnable, err?: Error): ReportedTest => ({
      fullTitle: t.fullTitle(),
      file: t.file ?? '',
      err: err ? { message: String(err.message ?? err), name: err.name } : {},
    });
    const progress = (line: string) => process.stderr.write(`${PROGRESS} ${line}\n`);
    let file = '';
    runner.on(constants.EVENT_SUITE_BEGIN, (suite: Mocha.Suite) => {
      if (suite.file && suite.file !== file) progress(`file ${(file = suite.file)}`);
    });
    const settle = (t: Mocha.Runnable, passed: boolean) => {
      const task = taskOfTitle(t.fullTitle());
      if (task === null || !left.has(task)) return;
      const c = counts.get(task) ?? { passed: 0, failed: 0 };
      if (passed) c.passed++;
      else c.failed++;
      counts.set(task, c);
      const n = left.get(task)! - 1;
      left.set(task, n);
      if (n === 0) progress(`task ${task} ${c.passed} ${c.failed}`);
    };
    runner.on(constants.EVENT_TEST_PASS, (t: Mocha.Test) => {
      report.passes.push(item(t));
      settle(t, true);
    });
    runner.on(constants.EVENT_TEST_FAIL, (t: Mocha.Runnable, err: Error) => {
      report.failures.push(item(t, err));
      if ((t as Mocha.Runnable & { type?: string }).type === 'test') settle(t, false);
    });
    runner.on(constants.EVENT_TEST_PENDING, (t: Mocha.Test) => {
      report.pending.push(item(t));
      const task = taskOfTitle(t.fullTitle());
      if (task !== null && left.has(task)) left.set(task, left.get(task)! - 1);
    });
    runner.on(constants.EVENT_TEST_END, (t: Mocha.Test) => {
      report.tests.push(item(t));
    });
    runner.once(constants.EVENT_RUN_END, () => {
      if (opts.output) fs.writeFileSync(opts.output, JSON.stringify(report));
    });
  }
}

export = GradeReporter;
