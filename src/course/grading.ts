/**
 * In-notebook grading: `await minitorch.grading.checkTask("1.3")` runs the checks of a task
 * (the same ones mocha runs in `tests/checks.test.ts`) and shows a pass/fail table in place.
 *
 * Inside a tslab kernel the table is displayed as HTML; in plain Node it is printed as text.
 * tslab is loaded only when a table is shown, never at import time.
 *
 * @packageDocumentation
 */
import { Check, checkedTasks, checksFor } from './checks';
import { todoMessage, unfinishedExercise } from './exercises';
import { Random } from '../random';
import { inNotebook } from '../viz/show';

export { checkedTasks, checksFor } from './checks';
export { trainingBackend } from './progress';

/** How one check went. `todo`: the exercise still throws `NotImplementedError`. */
export type CheckStatus = 'pass' | 'fail' | 'todo';

/** The result of one check. */
export interface CheckResult {
  /** The check's name. */
  name: string;
  status: CheckStatus;
  /** The error message for `fail` and `todo`, empty for `pass`. */
  message: string;
  /** Time taken, in milliseconds. */
  ms: number;
}

/** The results of every check of one task. */
export interface TaskReport {
  task: string;
  results: CheckResult[];
  /** Number of checks that passed. */
  passed: number;
  /** True when every check passed. */
  ok: boolean;
}

/** Options of `runChecks` and `checkTask`. */
export interface CheckOptions {
  /** Random cases per property (default 20: quick enough for a notebook cell). */
  runs?: number;
  /** Seed of each check's generator (default 1), so a failure repeats on re-run. */
  seed?: number;
}

/**
 * `src/scalar.ts:42` for the first stack frame of `error` in the library's own source, the
 * line a student opens; undefined when there is none. The kernel and the tests run with
 * source maps, so frames name `src/*.ts`; the check machinery (`src/course/`) is skipped,
 * since it only called the code that threw.
 */
export function sourceLine(error: Error): string | undefined {
  for (const line of (error.stack ?? '').split('\n')) {
    if (!/^\s+at /.test(line) || /node_modules/.test(line)) continue;
    // The last `src/` in the path (a checkout may sit in a folder named src).
    const m = /.*[/\\]src[/\\]([\w/\\.-]+?\.ts):(\d+):\d+/.exec(line);
    if (m !== null && !/^course[/\\]/.test(m[1])) return `src/${m[1].replace(/\\/g, '/')}:${m[2]}`;
  }
  return undefined;
}

/** Run the checks of `task` (e.g. `"1.3"`) and collect the results; never throws for a failing check. */
export async function runChecks(task: string, options: CheckOptions = {}): Promise<TaskReport> {
  const checks = checksFor(task);
  if (checks.length === 0) {
    throw new RangeError(`no checks for task "${task}"; tasks with checks: ${checkedTasks().join(', ')}`);
  }
  return runCheckList(task, checks, options);
}

/** Run `checks` as the checks of `task` (what `runChecks` does once it has found them). */
export async function runCheckList(task: string, checks: Check[], options: CheckOptions = {}): Promise<TaskReport> {
  const results: CheckResult[] = [];
  for (const check of checks) {
    const start = Date.now();
    let status: CheckStatus = 'pass';
    let message = '';
    try {
      await check.run({ rng: new Random(options.seed ?? 1), runs: options.runs ?? 20 });
    } catch (e) {
      const err = e instanceof Error ? e : new Error(String(e));
      const unfinished = unfinishedExercise(err);
      status = err.name === 'NotImplementedError' ? 'todo' : 'fail';
      if (unfinished !== undefined) message = todoMessage(unfinished);
      else if (err.name === 'CheckFailure' || err.name === 'NotImplementedError') message = err.message;
      else {
        // A thrown error is a bug in the library's code, not a wrong answer: say where it is.
        const where = sourceLine(err);
        message = `${err.name}: ${err.message}${where ? ` (at ${where})` : ''}`;
      }
    }
    results.push({ name: check.name, status, message, ms: Date.now() - start });
  }
  const passed = results.filter((r) => r.status === 'pass').length;
  return { task, results, passed, ok: passed === results.length };
}

const MARK: Record<CheckStatus, string> = { pass: 'PASS', fail: 'FAIL', todo: 'TODO' };

/** The report as a plain-text table (one line per check). */
export function reportText(report: TaskReport): string {
  const width = Math.max(...report.results.map((r) => r.name.length));
  const lines = report.results.map((r) => {
    const line = `  ${MARK[r.status]}  ${r.name.padEnd(width)}`;
    return r.message ? `${line}  ${r.message}` : line.trimEnd();
  });
  return [`Task ${report.task}: ${report.passed}/${report.results.length} checks pass`, ...lines].join('\n');
}

/** Escape text for HTML. */
function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** The report as an HTML table, coloured by status (a message column only when a check failed). */
export function reportHtml(report: TaskReport): string {
  const colour: Record<CheckStatus, string> = { pass: '#1a7f37', fail: '#cf222e', todo: '#9a6700' };
  const withMessages = report.results.some((r) => r.message !== '');
  const left = 'style="text-align:left"';
  const rows = report.results.map(
    (r) =>
      `<tr><td style="color:${colour[r.status]};font-weight:bold">${MARK[r.status]}</td>` +
      `<td ${left}>${escapeHtml(r.name)}</td>` +
      (withMessages ? `<td ${left}>${r.message ? `<code>${escapeHtml(r.message)}</code>` : ''}</td>` : '') +
      '</tr>',
  );
  const summary = `Task ${report.task}: ${report.passed}/${report.results.length} checks pass`;
  return (
    `<table class="minitorch-checks" data-task="${escapeHtml(report.task)}" data-ok="${report.ok}">` +
    `<caption ${left}><b>${escapeHtml(summary)}</b></caption>` +
    `<thead><tr><th></th><th ${left}>check</th>${withMessages ? `<th ${left}>message</th>` : ''}</tr></thead>` +
    `<tbody>${rows.join('')}</tbody></table>`
  );
}

/** Show HTML in a running tslab kernel; false when not in one (plain Node, tests). */
function displayHtml(html: string): boolean {
  if (!inNotebook()) return false;
  try {
    // Loaded lazily: the library must work, and import, without a kernel.
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- lazy on purpose (see above)
    const tslab = require('tslab') as { display: { html(s: string): void } };
    tslab.display.html(html);
    return true;
  } catch {
    return false;
  }
}

/**
 * Run the checks of `task`, show the pass/fail table (HTML in a notebook, text otherwise)
 * and resolve. It never throws for a check that fails or is not written yet: the table says
 * so, and "Run All" goes on to the next cell. Nothing is returned, so a notebook does not
 * print the report object after the table; `runChecks` gives the results without showing them.
 */
export async function checkTask(task: string, options: CheckOptions = {}): Promise<void> {
  if (checksFor(task).length === 0) {
    // A notebook naming a task without checks says so in place of the table.
    console.log(
      `Task ${task}: no checks to run here (tasks with checks: ${checkedTasks().join(', ')}); its tests run with \`npm run task -- ${task}\``,
    );
    return;
  }
  const report = await runChecks(task, options);
  if (!displayHtml(reportHtml(report))) console.log(reportText(report));
}
