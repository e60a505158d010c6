/**
 * `npm run grade [-- --task 1.3]`: run the exercise tests, print a score per task and write
 * `results.json` in the Gradescope autograder format.
 *
 * Each task of `course.json` is worth its `points`, split equally between its tests (the
 * mocha tests whose title names the task, `Task 1.3 …`; the last task named in a test's full
 * title wins). Tests of tasks that `course.json` does not list (a release of some modules
 * only) are not run. Mocha runs in a child process with `scripts/gradeReporter`, once with
 * `--dry-run` to list every test and once for real, so a test that never ran (a failing
 * hook, a crash, a time-out) counts as failed instead of vanishing from the total. Tests
 * skipped at run time (`this.skip()`, e.g. no GPU) are left out. While the tests run, a line
 * is printed for each test file as it starts and for each task as its last test ends.
 *
 * Options: `--task 1.3` (repeatable, or `1.3,1.4`), `--out <file>` (default results.json),
 * `--spec <glob>` (repeatable; default: .mocharc.json's), `--config <course.json>`,
 * `--time-limit <seconds>` (whole run, default 1200), `--tsc-log <file>` (compiler output to
 * report; default build/tsc.log when present).
 *
 * @packageDocumentation
 */
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { CourseConfig, compareTasks, loadCourse, repoRoot, taskGrep, taskOfTitle } from './course';
import { GradeReport, PROGRESS, ReportedTest } from './testSummary';

/** Options of `grade`. */
export interface GradeOptions {
  /** Only these tasks (all tasks with tests when empty). */
  tasks: string[];
  /** Mocha spec files or globs. */
  spec: string[];
  /**
   * Modules mocha loads first (`.mocharc.json`'s `require`: the root hooks of
   * `tests/hooks.ts`), relative to `cwd`. Mocha runs without the config file, so they are
   * passed here; one not built is left out rather than crashing the run. Default: none.
   */
  require?: string[];
  /** The course configuration. */
  course: CourseConfig;
  /** Where to write the Gradescope results. */
  out: string;
  /** Mocha's per-test timeout, in ms. */
  testTimeoutMs: number;
  /** Limit for the whole mocha run, in ms. */
  timeLimitMs: number;
  /** Working directory of mocha (the repository). */
  cwd: string;
  /** Compiler output to include in the report (type errors), or null. */
  tscLog: string | null;
  /** Called with a line of progress while the tests run (default: none). */
  onProgress?: (line: string) => void;
  /** Only list the tests (the dry run) and return them, running nothing. */
  listOnly?: boolean;
  /** The tests, as listed by an earlier run: skips the dry run. */
  listing?: ReportedTest[];
}

/** One test's outcome. */
export interface TestOutcome {
  fullTitle: string;
  task: string;
  status: 'passed' | 'failed' | 'skipped';
  /** Failure message (empty when passed). */
  message: string;
}

/** A task's score. */
export interface TaskScore {
  task: string;
  title: string;
  passed: number;
  failed: number;
  skipped: number;
  score: number;
  maxScore: number;
  tests: TestOutcome[];
}

/** One entry of Gradescope's `tests` array. */
export interface GradescopeTest {
  name: string;
  number: string;
  score: number;
  max_score: number;
  status: 'passed' | 'failed';
  output: string;
  visibility: 'visible' | 'hidden' | 'after_due_date' | 'after_published';
}

/** The Gradescope `results.json` document. */
export interface GradescopeResults {
  score: number;
  max_score: number;
  execution_time: number;
  output: string;
  stdout_visibility: 'visible' | 'hidden';
  tests: GradescopeTest[];
}

/** The parts of the report that grading reads (the grade reporter writes more). */
type MochaJson = Pick<GradeReport, 'passes' | 'failures' | 'pending' | 'tests'>;

/** The tasks a run grades: those asked for, else every task of the course. */
function gradedTasks(opts: GradeOptions): string[] {
  return opts.tasks.length > 0 ? opts.tasks : Object.keys(opts.course.tasks);
}

/**
 * Run mocha with the grade reporter; the report is null (and the output says why) when it
 * wrote none. `totals` (tests per task) turns on the per-task progress lines.
 */
async function runMocha(
  opts: GradeOptions,
  extra: string[],
  totals?: Map<string, number>,
): Promise<{ report: MochaJson | null; output: string; timedOut: boolean }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'minitorch-grade-'));
  try {
    const file = path.join(dir, 'report.json');
    const mocha = require.resolve('mocha/bin/mocha.js', { paths: [opts.cwd] });
    const reporterOptions = ['--reporter-option', `output=${file}`];
    if (totals) {
      const totalsFile = path.join(dir, 'totals.json');
      fs.writeFileSync(totalsFile, JSON.stringify(Object.fromEntries(totals)));
      reporterOptions.push('--reporter-option', `totals=${totalsFile}`);
    }
    const args = [
      mocha,
      '--no-config',
      '--reporter',
      path.join(__dirname, 'gradeReporter.js'),
      ...reporterOptions,
      '--timeout',
      String(opts.testTimeoutMs),
      '--grep',
      taskGrep(gradedTasks(opts)),
      ...(opts.require ?? []).filter((m) => fs.existsSync(path.resolve(opts.cwd, m))).flatMap((m) => ['--require', m]),
      ...extra,
      ...opts.spec,
    ];
    const child = spawn(process.execPath, args, { cwd: opts.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    let pending = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => {
      pending += d.toString();
      const lines = pending.split('\n');
      pending = lines.pop()!;
      for (const line of lines) {
        if (line.startsWith(`${PROGRESS} `)) opts.onProgress?.(line.slice(PROGRESS.length + 1));
        else output += `${line}\n`;
      }
    });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, opts.timeLimitMs);
    await new Promise<void>((resolve) => child.on('close', () => resolve()));
    clearTimeout(timer);
    output += pending;
    const report = fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, 'utf8')) as MochaJson) : null;
    return { report, output, timedOut };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Count-keyed multiset of titles, so two tests with the same title are both counted. */
function countTitles(items: Array<{ fullTitle: string }>): Map<string, number> {
  const m = new Map<string, number>();
  for (const { fullTitle } of items) m.set(fullTitle, (m.get(fullTitle) ?? 0) + 1);
  return m;
}

/** Take one occurrence of `title` from `m`; false when none is left. */
function take(m: Map<string, number>, title: string): boolean {
  const n = m.get(title) ?? 0;
  if (n === 0) return false;
  m.set(title, n - 1);
  return true;
}

/**
 * Outcome of every listed test given the real run (`run` is null when mocha crashed or was
 * killed before writing its report; `why` then says what happened).
 */
export function outcomes(listed: Array<{ fullTitle: string }>, run: MochaJson | null, why: string): TestOutcome[] {
  const passes = countTitles(run?.passes ?? []);
  const pending = countTitles(run?.pending ?? []);
  const failures = new Map<string, string[]>();
  for (const f of run?.failures ?? []) {
    failures.set(f.fullTitle, [...(failures.get(f.fullTitle) ?? []), f.err.message ?? 'failed']);
  }
  const hookFailures = (run?.failures ?? []).filter((f) => / hook(?: for |$)/.test(f.fullTitle));
  const out: TestOutcome[] = [];
  for (const { fullTitle } of listed) {
    const task = taskOfTitle(fullTitle);
    if (task === null) continue;
    if (take(passes, fullTitle)) {
      out.push({ fullTitle, task, status: 'passed', message: '' });
    } else if (take(pending, fullTitle)) {
      out.push({ fullTitle, task, status: 'skipped', message: 'skipped' });
    } else if ((failures.get(fullTitle) ?? []).length > 0) {
      out.push({ fullTitle, task, status: 'failed', message: failures.get(fullTitle)!.shift()! });
    } else {
      const hook = hookFailures.find((h) => taskOfTitle(h.fullTitle) === task) ?? hookFailures[0];
      const reason =
        run === null ? why : hook ? `${hook.fullTitle}: ${hook.err.message ?? 'failed'}` : 'it did not finish';
      out.push({ fullTitle, task, status: 'failed', message: `did not run: ${reason}` });
    }
  }
  return out;
}

/** Score each task: its points times the fraction of its (non-skipped) tests that pass. */
export function scoreTasks(tests: TestOutcome[], course: CourseConfig, only: string[] = []): TaskScore[] {
  const byTask = new Map<string, TestOutcome[]>();
  for (const t of tests) {
    if (only.length > 0 && !only.includes(t.task)) continue;
    byTask.set(t.task, [...(byTask.get(t.task) ?? []), t]);
  }
  return [...byTask.keys()].sort(compareTasks).map((task) => {
    const list = byTask.get(task)!;
    const cfg = course.tasks[task];
    const passed = list.filter((t) => t.status === 'passed').length;
    const failed = list.filter((t) => t.status === 'failed').length;
    const counted = passed + failed;
    // A task whose every test was skipped here (no GPU, say) is not scored at all.
    const maxScore = counted === 0 ? 0 : (cfg?.points ?? 0);
    const score = counted === 0 ? 0 : round2((maxScore * passed) / counted);
    return {
      task,
      title: cfg?.title ?? '(not in course.json)',
      passed,
      failed,
      skipped: list.length - counted,
      score,
      maxScore,
      tests: list,
    };
  });
}

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}

/** The per-task table printed to the terminal. */
export function scoreTable(scores: TaskScore[]): string {
  const rows = scores.map((s) => [
    s.task,
    s.title,
    `${s.passed}/${s.passed + s.failed}${s.skipped ? ` (+${s.skipped} skipped)` : ''}`,
    `${s.score.toFixed(2)} / ${s.maxScore}`,
  ]);
  const total = scores.reduce((a, s) => a + s.score, 0);
  const max = scores.reduce((a, s) => a + s.maxScore, 0);
  const header = ['task', 'title', 'tests passed', 'score'];
  const footer = ['', 'total', '', `${round2(total).toFixed(2)} / ${max}`];
  const all = [header, ...rows, footer];
  const widths = header.map((_, c) => Math.max(...all.map((r) => r[c].length)));
  const line = (r: string[]) =>
    r
      .map((cell, c) => (c === 3 ? cell.padStart(widths[c]) : cell.padEnd(widths[c])))
      .join('  ')
      .trimEnd();
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  return [line(header), rule, ...rows.map(line), rule, line(footer)].join('\n');
}

/** The Gradescope document: one Gradescope test per task, its output listing every test. */
export function gradescopeResults(scores: TaskScore[], output: string, seconds: number): GradescopeResults {
  const tests = scores.map((s): GradescopeTest => {
    const lines = s.tests.map((t) =>
      t.status === 'passed'
        ? `PASS  ${t.fullTitle}`
        : `${t.status === 'skipped' ? 'SKIP' : 'FAIL'}  ${t.fullTitle}${t.status === 'failed' ? `\n      ${t.message.split('\n').slice(0, 8).join('\n      ')}` : ''}`,
    );
    return {
      name: `Task ${s.task}: ${s.title}`,
      number: s.task,
      score: s.score,
      max_score: s.maxScore,
      status: s.failed === 0 && s.passed > 0 ? 'passed' : 'failed',
      output: `${s.passed} of ${s.passed + s.failed} tests pass\n${lines.join('\n')}`,
      visibility: 'visible',
    };
  });
  return {
    score: round2(scores.reduce((a, s) => a + s.score, 0)),
    max_score: scores.reduce((a, s) => a + s.maxScore, 0),
    execution_time: Math.round(seconds),
    output,
    stdout_visibility: 'hidden',
    tests,
  };
}

/** A progress line for a finished task: its tests and points so far. */
function taskLine(course: CourseConfig, task: string, passed: number, failed: number): string {
  const points = course.tasks[task]?.points ?? 0;
  const score = passed + failed === 0 ? 0 : (points * passed) / (passed + failed);
  const title = `Task ${task} ${course.tasks[task]?.title ?? ''}`;
  return `  ${title.padEnd(48)} ${`${passed}/${passed + failed} tests pass`.padEnd(20)} ${score.toFixed(2).padStart(6)} / ${points}`;
}

/** Run the tests, score them, write `opts.out`; returns the scores and the document. */
export async function grade(
  opts: GradeOptions,
): Promise<{ scores: TaskScore[]; results: GradescopeResults; listing: ReportedTest[] }> {
  const start = Date.now();
  const notes: string[] = [];
  if (opts.tscLog && fs.existsSync(opts.tscLog)) {
    const log = fs.readFileSync(opts.tscLog, 'utf8').trim();
    if (log)
      notes.push(
        `The TypeScript compiler reported problems (the tests ran on what it emitted):\n${log.slice(0, 4000)}`,
      );
  }
  const listing = opts.listing
    ? { report: { tests: opts.listing } }
    : await runMocha({ ...opts, onProgress: undefined }, ['--dry-run']);
  if (listing.report === null) {
    notes.push(`Could not load the tests:\n${'output' in listing ? listing.output.slice(-4000) : ''}`);
    // Every task still appears, with no points, so the maximum stays the course's.
    const none = gradedTasks(opts)
      .sort(compareTasks)
      .map((task): TaskScore => {
        const cfg = opts.course.tasks[task];
        return {
          task,
          title: cfg?.title ?? '',
          passed: 0,
          failed: 0,
          skipped: 0,
          score: 0,
          maxScore: cfg?.points ?? 0,
          tests: [],
        };
      });
    const results = gradescopeResults(none, notes.join('\n\n'), (Date.now() - start) / 1000);
    fs.writeFileSync(opts.out, `${JSON.stringify(results, null, 2)}\n`);
    return { scores: [], results, listing: [] };
  }
  const listed = listing.report.tests.filter((t) => {
    const task = taskOfTitle(t.fullTitle);
    return task !== null && task in opts.course.tasks;
  });
  if (opts.listOnly) return { scores: [], results: gradescopeResults([], '', 0), listing: listed };
  const totals = new Map<string, number>();
  for (const t of listed) totals.set(taskOfTitle(t.fullTitle)!, (totals.get(taskOfTitle(t.fullTitle)!) ?? 0) + 1);
  const progress = opts.onProgress;
  progress?.(`grading ${totals.size} tasks (${listed.length} tests)`);
  const run = await runMocha(
    {
      ...opts,
      onProgress:
        progress &&
        ((line) => {
          const [kind, ...rest] = line.split(' ');
          if (kind === 'file') {
            const rel = path.relative(opts.cwd, rest.join(' '));
            progress(`  running ${rel.startsWith('..') ? rest.join(' ') : rel}`);
          } else if (kind === 'task') progress(taskLine(opts.course, rest[0], Number(rest[1]), Number(rest[2])));
        }),
    },
    [],
    totals,
  );
  let why = 'the test run crashed';
  if (run.timedOut) why = `the test run took longer than ${opts.timeLimitMs / 1000} s and was stopped`;
  if (run.report === null) notes.push(`${why}:\n${run.output.slice(-4000)}`);
  const scores = scoreTasks(outcomes(listed, run.report, why), opts.course, opts.tasks);
  for (const t of opts.tasks) {
    if (!scores.some((s) => s.task === t)) notes.push(`No tests found for Task ${t}.`);
  }
  const results = gradescopeResults(scores, notes.join('\n\n'), (Date.now() - start) / 1000);
  fs.writeFileSync(opts.out, `${JSON.stringify(results, null, 2)}\n`);
  return { scores, results, listing: listed };
}

/** Parse the command line into options (defaults from .mocharc.json and course.json). */
export function parseArgs(argv: string[], root = repoRoot()): GradeOptions {
  const take = (name: string): string[] => {
    const values: string[] = [];
    for (let i = 0; i < argv.length; i++) {
      if (argv[i] === name && i + 1 < argv.length) values.push(argv[++i]);
      else if (argv[i].startsWith(`${name}=`)) values.push(argv[i].slice(name.length + 1));
    }
    return values;
  };
  const mocharc = path.join(root, '.mocharc.json');
  const rc = fs.existsSync(mocharc)
    ? (JSON.parse(fs.readFileSync(mocharc, 'utf8')) as {
        spec?: string | string[];
        timeout?: number;
        require?: string | string[];
      })
    : {};
  const spec = take('--spec');
  const config = take('--config')[0];
  const course = loadCourse(config ? path.resolve(config) : path.join(root, 'course.json'));
  const tasks = take('--task')
    .flatMap((t) => t.split(','))
    .map((t) => t.trim())
    .filter(Boolean);
  for (const t of tasks) {
    if (!(t in course.tasks))
      throw new Error(`grade: unknown task "${t}"; tasks: ${Object.keys(course.tasks).join(', ')}`);
  }
  const defaultLog = path.join(root, 'build', 'tsc.log');
  return {
    tasks,
    // Command-line specs are relative to where grade was started; mocha runs in the repo.
    spec:
      spec.length > 0
        ? spec.map((s) => path.resolve(s))
        : ([] as string[]).concat(rc.spec ?? 'build/tests/**/*.test.js'),
    // The root hooks wrap the repository's own suite; files named with --spec (the grader's
    // fixtures, the walkthrough) run without them, as they ran before the hooks had a file.
    require: spec.length > 0 ? [] : ([] as string[]).concat(rc.require ?? []),
    course,
    out: path.resolve(take('--out')[0] ?? 'results.json'),
    testTimeoutMs: rc.timeout ?? 20000,
    timeLimitMs: Number(take('--time-limit')[0] ?? 1200) * 1000,
    cwd: root,
    tscLog: take('--tsc-log')[0] ?? (fs.existsSync(defaultLog) ? defaultLog : null),
  };
}

if (require.main === module) {
  (async () => {
    const opts = parseArgs(process.argv.slice(2));
    opts.onProgress = (line) => console.log(line);
    const { scores, results } = await grade(opts);
    console.log(`\n${scoreTable(scores)}`);
    if (results.output) console.log(`\n${results.output}`);
    console.log(`\nwrote ${opts.out}`);
  })().catch((e: unknown) => {
    console.error((e as Error).message);
    process.exitCode = 1;
  });
}
