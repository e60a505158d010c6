/**
 * Short failure reports for people: the first line of a message, the stack frames in this
 * repository's own files, and one summary line per failing task, used by the `npm test`
 * reporter (`scripts/taskReporter.ts`); and the report format of the grader's reporter
 * (`scripts/gradeReporter.ts`), which its users import from here (a reporter module exports
 * only its class).
 *
 * @packageDocumentation
 */
import * as fs from 'fs';
import * as path from 'path';
import { compareTasks, taskOfTitle } from './course';

/** Course task titles from `course.json` in the working directory, if there is one. */
export function taskTitles(): Record<string, string> {
  try {
    const raw = JSON.parse(fs.readFileSync(path.join(process.cwd(), 'course.json'), 'utf8')) as {
      tasks?: Record<string, { title?: string }>;
    };
    return Object.fromEntries(Object.entries(raw.tasks ?? {}).map(([t, c]) => [t, c.title ?? '']));
  } catch {
    return {};
  }
}

/** The first line of an error message, without fast-check's hints and counterexample dumps. */
export function shortMessage(err: { message?: unknown } | undefined): string {
  const message = String(err?.message ?? err ?? 'failed');
  // fast-check: "Property failed after 1 tests { seed: …} Counterexample: […] … Got X" (or "Got error: X")
  const got = /^Property failed[^]*?\nGot (?:error: )?([^\n]*)/.exec(message);
  const first = (got ? got[1] : message).split('\n').find((l) => l.trim() !== '') ?? 'failed';
  return first.trim().slice(0, 200);
}

/** True when a test failed only because it reached an unwritten task's stub. */
export function isNotDone(err: { name?: unknown; message?: unknown } | undefined): boolean {
  // Directly, through fast-check ("Got NotImplementedError: …"), or where chai expected
  // another error ("… but got 'Task 2.3: …'", "… but 'NotImplementedError: …' was thrown").
  const message = shortMessage(err);
  return (
    err?.name === 'NotImplementedError' ||
    /^NotImplementedError: /.test(message) ||
    /but (?:got )?'(?:NotImplementedError: )?Task \d+\.\d+: /.test(message)
  );
}

/** For a test that failed on a stub, the stub's message (`Task 1.3: Scalar.chainRule`). */
export function stubMessage(err: { name?: unknown; message?: unknown } | undefined): string {
  const message = shortMessage(err);
  const quoted = /'(?:NotImplementedError: )?(Task \d+\.\d+: [^']*)'/.exec(message);
  return quoted ? quoted[1] : message.replace(/^NotImplementedError: /, '');
}

/** Stack frames that point into this repository's own code (at most `max`). */
export function ownFrames(stack: string | undefined, max = 3): string[] {
  const cwd = process.cwd();
  return (stack ?? '')
    .split('\n')
    .filter((l) => /^\s+at /.test(l))
    .filter((l) => l.includes(cwd) && !l.includes(`${path.sep}node_modules${path.sep}`))
    .filter((l) => /[/\\](src|tests|scripts)[/\\]/.test(l))
    .slice(0, max)
    .map((l) => l.trim().replace(`${cwd}${path.sep}`, ''));
}

/** One line per failing task, then one for the failing tests that name no task. */
export function failureSummary(
  failures: Array<{ fullTitle: string; message: string }>,
  totals: Map<string, number>,
  titles: Record<string, string> = {},
): string[] {
  const byTask = new Map<string, Array<{ fullTitle: string; message: string }>>();
  for (const f of failures) {
    const task = taskOfTitle(f.fullTitle) ?? '';
    byTask.set(task, [...(byTask.get(task) ?? []), f]);
  }
  const tasks = [...byTask.keys()].filter((t) => t !== '').sort(compareTasks);
  const lines = tasks.map((t) => {
    const list = byTask.get(t)!;
    const title = titles[t] ? ` ${titles[t]}` : '';
    // The commonest message says what to do (an unwritten task names itself).
    const counts = new Map<string, number>();
    for (const f of list) counts.set(f.message, (counts.get(f.message) ?? 0) + 1);
    const common = [...counts.entries()].sort((a, b) => b[1] - a[1])[0][0];
    return `Task ${t}${title}: ${list.length} of ${totals.get(t) ?? list.length} tests fail — ${common}`;
  });
  const untasked = byTask.get('') ?? [];
  if (untasked.length > 0) {
    lines.push(
      `${untasked.length} failing tests that name no task: ${untasked
        .slice(0, 3)
        .map((f) => f.fullTitle)
        .join('; ')}${untasked.length > 3 ? '; …' : ''}`,
    );
  }
  return lines;
}

/** One test in the report. */
export interface ReportedTest {
  fullTitle: string;
  /** The compiled test file it came from. */
  file: string;
  err: { message?: string; name?: string };
}

/** What the reporter writes: the shape of mocha's JSON reporter, plus `file`. */
export interface GradeReport {
  passes: ReportedTest[];
  failures: ReportedTest[];
  pending: ReportedTest[];
  tests: ReportedTest[];
}

/** Prefix of the progress lines on stderr. */
export const PROGRESS = '@@grade';
