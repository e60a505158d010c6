/**
 * `npm run grade [-- --task 1.3]`: run the exercise tests, print a score per task and write
 * `results.json` in the Gradescope autograder format.
 *
 * Each task of `course.json` is worth its `points`, split equally between its tests (the
 * mocha tests whose title names the task, `Task 1.3 …`; the last task named in a test's full
 * title wins). Tests of tasks that `course.json` does not list (a release of some modules
 * only) are not run.
 *
 * Mocha runs in a child process with `scripts/gradeReporter`: once with `--dry-run` to list
 * every test (so a test that never ran counts as failed instead of vanishing from the total),
 * then for real, the reporter sending each test's start and outcome over a pipe as it
 * happens. A test that runs past its own time-out plus a grace (`--grace`, 10 s: a loop that
 * blocks the event loop never lets mocha's own time-out fire) or a process that dies ends
 * that child and everything it started; the task of the test it was running keeps the tests
 * that had passed, fails the rest (naming the test, its file and the limit), and a fresh
 * child runs the other tasks' tests that had not run yet. So a hang or a crash costs only its
 * task. Tests skipped at run time (`this.skip()`, e.g. no GPU) are left out. While the tests
 * run, a line is printed for each test file as it starts and for each task as its last test
 * ends. Stopped (Ctrl-C), it kills the test processes and removes its temp folders; the tests
 * get a temp dir (TMPDIR) of their own, removed at the end, so none of theirs is left either.
 *
 * Options: `--task 1.3` (repeatable, or `1.3,1.4`), `--out <file>` (default results.json),
 * `--spec <glob>` (repeatable; default: .mocharc.json's), `--config <course.json>`,
 * `--time-limit <seconds>` (whole run, default 1200), `--grace <seconds>` (see above, default
 * 10), `--tsc-log <file>` (compiler output to
 * report; default build/tsc.log when present).
 *
 * @packageDocumentation
 */
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { CourseConfig, compareTasks, loadCourse, repoRoot, taskGrep, taskOfTitle, UsageError } from './course';
import { SandboxLimits, SandboxUser, endAll, freeBytes, removeFilesOf, spawnLimited, userFolder } from './sandbox';
import { GradeReport, ReportedTest } from './testSummary';

/** Options of `grade`. */
export interface GradeOptions {
  /** Only these tasks (all tasks with tests when empty). */
  tasks: string[];
  /** Mocha spec files or globs. */
  spec: string[];
  /**
   * Whether `spec` is the repository's own suite, which loads `.mocharc.json`'s `require`
   * (its root hooks); files given with `--spec` (the grader's fixtures) run without them.
   */
  ownSuite?: boolean;
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
  /** Resolves once `tscLog` is written, when the compiler runs beside the tests (the autograder). */
  tscDone?: Promise<void>;
  /** Called with a line of progress while the tests run (default: none). */
  onProgress?: (line: string) => void;
  /** Only list the tests (the dry run) and return them, running nothing. */
  listOnly?: boolean;
  /** The tests, as listed by an earlier run: skips the dry run. */
  listing?: ReportedTest[];
  /** Run the tests as this user, with limits (the autograder, as root); null: as this user. */
  sandbox?: SandboxUser | null;
  /** Limits of the sandboxed run (default: `DEFAULT_LIMITS`). */
  limits?: SandboxLimits;
  /** Plant canary tests that must fail (the autograder). */
  canaries?: boolean;
  /** Added to a test's own time-out before the grader stops a hung run, in ms (default 10 s). */
  graceMs?: number;
  /** The run is stopped when the disk's free space falls by more than this (default 1 GiB). */
  diskLimitBytes?: number;
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

/** What to undo if the grader is stopped (Ctrl-C): kill the test processes, remove scratch folders. */
const cleanups = new Set<() => void>();

/**
 * On SIGINT / SIGTERM / SIGHUP, end the test processes and remove the scratch folders before
 * exiting (130), so a stopped run leaves no process and no temp folder behind.
 */
export function cleanUpWhenStopped(): void {
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      for (const c of cleanups) {
        try {
          c();
        } catch {
          // Best effort: the next one still runs.
        }
      }
      process.exit(130);
    });
  }
}

/** The tasks a run grades: those asked for, else every task of the course. */
function gradedTasks(opts: GradeOptions): string[] {
  return opts.tasks.length > 0 ? opts.tasks : Object.keys(opts.course.tasks);
}

/** `.mocharc.json`'s `require` and `node-option`, which `--no-config` would drop. */
function mocharcExtras(cwd: string): { require: string[]; nodeOptions: string[] } {
  const file = path.join(cwd, '.mocharc.json');
  if (!fs.existsSync(file)) return { require: [], nodeOptions: [] };
  const rc = JSON.parse(fs.readFileSync(file, 'utf8')) as { require?: string | string[]; 'node-option'?: string[] };
  // A required file that is not built (a fresh clone before `build:test`) is left out rather than crash the run.
  const required = ([] as string[]).concat(rc.require ?? []).filter((r) => fs.existsSync(path.resolve(cwd, r)));
  return { require: required, nodeOptions: (rc['node-option'] ?? []).map((o) => `--${o}`) };
}

/** The node and mocha command line, without the spec files. */
function mochaArgs(opts: GradeOptions, grep: string, extra: string[]): string[] {
  const mocha = require.resolve('mocha/bin/mocha.js', { paths: [opts.cwd] });
  const rc = mocharcExtras(opts.cwd);
  return [
    ...rc.nodeOptions,
    mocha,
    '--no-config',
    ...(opts.ownSuite === false ? [] : rc.require).flatMap((r) => ['--require', r]),
    '--reporter',
    path.join(__dirname, 'gradeReporter.js'),
    '--timeout',
    String(opts.testTimeoutMs),
    '--grep',
    grep,
    ...extra,
  ];
}

/** `file` relative to `cwd` when inside it, else as it is. */
function shortPath(cwd: string, file: string): string {
  const rel = path.relative(cwd, file);
  return rel === '' || rel.startsWith('..') ? file : rel;
}

/** Keep the last `max` characters of a growing text (a flood of output cannot fill memory). */
function appendCapped(text: string, more: string, max = 200_000): string {
  const all = text + more;
  return all.length > max ? all.slice(all.length - max) : all;
}

/**
 * The dry run: every test mocha would run (title and file), or null with mocha's output when
 * the test files do not load. Runs whatever the test files import: the autograder lists the
 * tests of its own starter, never of a submission.
 */
export async function listTests(opts: GradeOptions): Promise<{ tests: ReportedTest[] | null; output: string }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'minitorch-grade-'));
  try {
    const file = path.join(dir, 'report.json');
    const args = [
      ...mochaArgs(opts, taskGrep(gradedTasks(opts)), ['--dry-run', '--reporter-option', `output=${file}`]),
      ...opts.spec,
    ];
    const child = spawnLimited(
      process.execPath,
      args,
      { cwd: opts.cwd, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, TMPDIR: dir } },
      null,
    );
    const cleanup = () => {
      endAll(child, null);
      fs.rmSync(dir, { recursive: true, force: true });
    };
    cleanups.add(cleanup);
    child.on('close', () => cleanups.delete(cleanup));
    let output = '';
    child.stdout!.on('data', (d: Buffer) => (output = appendCapped(output, d.toString())));
    child.stderr!.on('data', (d: Buffer) => (output = appendCapped(output, d.toString())));
    const timer = setTimeout(() => endAll(child, null), opts.timeLimitMs);
    await new Promise<void>((resolve) => child.on('close', () => resolve()));
    clearTimeout(timer);
    endAll(child, null);
    const report = fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, 'utf8')) as GradeReport) : null;
    return { tests: report?.tests ?? null, output };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** One listed test and, once known, its outcome. */
interface Slot {
  fullTitle: string;
  file: string;
  task: string;
  outcome?: TestOutcome;
}

/** One event of the grade reporter (see scripts/gradeReporter.ts). */
interface ReporterEvent {
  e: string;
  t?: string;
  f?: string;
  ms?: number;
  m?: string;
}

/** Canary tests: planted by the grader with secret titles, each must fail. */
function canarySource(nonce: string, task: string, cwd: string): string {
  const mod = (name: string) => {
    try {
      return JSON.stringify(require.resolve(name, { paths: [cwd] }));
    } catch {
      return null;
    }
  };
  const chai = mod('chai');
  const fc = mod('fast-check');
  // Each canary fails in an honest run; a reporter, mocha, chai, fast-check, Math or
  // Function.prototype patched to pass (or skip) everything makes one pass instead.
  return [
    `describe(${JSON.stringify(`Task ${task} ${nonce}`)}, function () {`,
    `  it('plain ${nonce}', function () { throw new Error('${nonce}'); });`,
    `  it('async ${nonce}', async function () { await null; throw new Error('${nonce}'); });`,
    `  it('call ${nonce}', function () { (function () { throw new Error('${nonce}'); }).call(null); });`,
    `  it('math ${nonce}', function () { if (Math.abs(2 - 1) > 0.5 && Math.exp(0) === 1 && Math.max(1, 2) === 2) throw new Error('${nonce}'); });`,
    chai ? `  it('chai ${nonce}', function () { require(${chai}).expect(1).to.equal(2); });` : '',
    chai ? `  it('assert ${nonce}', function () { require(${chai}).assert.closeTo(1, 2, 1e-3); });` : '',
    fc
      ? `  it('fc ${nonce}', function () { const fc = require(${fc}); fc.assert(fc.property(fc.integer(), (x) => x !== x)); });`
      : '',
    '});',
    '',
  ].join('\n');
}

/** What `runTests` found: every listed test's outcome, and notes. */
interface TestRun {
  tests: TestOutcome[];
  /** Problems with the run itself (a hang, a crash, the time limit), for the output. */
  notes: string[];
  /** Why the run cannot be trusted (a canary passed); empty when none. */
  tampering: string[];
}

/**
 * Run the listed tests: one mocha child for the tasks left, results kept per test as they
 * arrive. When a child hangs (a test ran past its own time-out plus `graceMs`), dies or
 * writes past the disk limit, it is killed with everything it started, the task of the test
 * it was running keeps what it had and fails the rest (naming the test, its file and the
 * limit), and a fresh child runs the other tasks' tests that had not run.
 */
async function runTests(opts: GradeOptions, listed: Slot[]): Promise<TestRun> {
  const notes: string[] = [];
  const tampering: string[] = [];
  const deadline = Date.now() + opts.timeLimitMs;
  const graceMs = opts.graceMs ?? 10_000;
  const user = opts.sandbox ?? null;
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'minitorch-grade-'));
  // The grading user reaches its own home inside, and nothing else here.
  if (user) fs.chmodSync(scratch, 0o711);
  const byTask = new Map<string, Slot[]>();
  for (const s of listed) byTask.set(s.task, [...(byTask.get(s.task) ?? []), s]);
  const fileShown = new Set<string>();
  const announced = new Set<string>();
  const announce = (task: string) => {
    const slots = byTask.get(task)!;
    if (announced.has(task) || slots.some((s) => s.outcome === undefined)) return;
    announced.add(task);
    const passed = slots.filter((s) => s.outcome!.status === 'passed').length;
    const failed = slots.filter((s) => s.outcome!.status === 'failed').length;
    opts.onProgress?.(taskLine(opts.course, task, passed, failed));
  };
  const failRest = (task: string, message: string) => {
    for (const s of byTask.get(task) ?? []) s.outcome ??= { fullTitle: s.fullTitle, task, status: 'failed', message };
    announce(task);
  };
  try {
    let queue = [...byTask.keys()].sort(compareTasks);
    while (queue.length > 0) {
      if (Date.now() >= deadline) {
        for (const t of queue)
          failRest(t, `did not run: the tests took longer than ${opts.timeLimitMs / 1000} s in all and were stopped`);
        notes.push(
          `The tests took longer than ${opts.timeLimitMs / 1000} s in all; the tasks not graded by then score 0: ${queue.join(', ')}.`,
        );
        break;
      }
      const open = new Set(queue.flatMap((t) => byTask.get(t)!.filter((s) => s.outcome === undefined)));
      const files = [...new Set([...open].map((s) => s.file))];
      const home = user ? userFolder(scratch, user) : fs.mkdtempSync(path.join(scratch, 'home-'));
      const spec = [...files];
      const canaryTitles = new Set<string>();
      let canaryFiles: string[] = [];
      if (opts.canaries) {
        const nonce = `c${crypto.randomBytes(8).toString('hex')}`;
        const dir = fs.existsSync(path.join(opts.cwd, 'build', 'tests'))
          ? path.join(opts.cwd, 'build', 'tests')
          : scratch;
        canaryFiles = ['a', 'z'].map((k) => path.join(dir, `${nonce}${k}.test.js`));
        for (const f of canaryFiles) fs.writeFileSync(f, canarySource(nonce, queue[0], opts.cwd), { mode: 0o644 });
        spec.unshift(canaryFiles[0]);
        spec.push(canaryFiles[1]);
        canaryTitles.add(nonce);
      }
      const isCanary = (title: string) => [...canaryTitles].some((n) => title.includes(n));
      const args = [...mochaArgs(opts, taskGrep(queue), ['--reporter-option', 'events=3']), ...spec];
      const env: NodeJS.ProcessEnv = user
        ? { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home, TMPDIR: home, LANG: 'C.UTF-8', NODE_ENV: 'test' }
        : { ...process.env, TMPDIR: home };
      const child = spawnLimited(
        process.execPath,
        args,
        { cwd: opts.cwd, stdio: ['ignore', 'pipe', 'pipe', 'pipe'], env },
        user,
        opts.limits,
      );
      const cleanup = () => {
        endAll(child, user);
        if (user) removeFilesOf(user.uid);
        fs.rmSync(scratch, { recursive: true, force: true });
      };
      cleanups.add(cleanup);
      let output = '';
      let pending = '';
      let done = false;
      let current: { title: string; file: string; limitMs: number; since: number } | null = null;
      let lastTask: string | null = null;
      let stop: { why: 'hang' | 'limit' | 'disk'; title: string; file: string; limitMs: number } | null = null;
      let progressed = false;
      child.stdout!.on('data', (d: Buffer) => (output = appendCapped(output, d.toString())));
      child.stderr!.on('data', (d: Buffer) => (output = appendCapped(output, d.toString())));
      const record = (title: string, status: TestOutcome['status'], message: string) => {
        if (isCanary(title)) {
          if (status !== 'failed')
            tampering.push(
              `a check planted by the grader, which fails in every honest run, was reported as ${status}: ${title.replace(/ c[0-9a-f]{16}.*$/, '')}`,
            );
          return;
        }
        const task = taskOfTitle(title);
        if (task === null || !open.size) return;
        const slot = [...open].find((s) => s.fullTitle === title);
        if (slot !== undefined) {
          open.delete(slot);
          slot.outcome = { fullTitle: title, task: slot.task, status, message };
          progressed = true;
          announce(slot.task);
          return;
        }
        // Reported again (mocha reports a test that passed and then threw later as failed):
        // the worse outcome wins, so a forged "passed" line cannot undo a real failure.
        const again = listed.find((s) => s.fullTitle === title && s.outcome !== undefined && queue.includes(s.task));
        if (again && status === 'failed' && again.outcome!.status !== 'failed')
          again.outcome = { ...again.outcome!, status, message };
      };
      const onEvent = (ev: ReporterEvent) => {
        const title = String(ev.t ?? '');
        if (ev.e === 'begin') {
          const ms = Number(ev.ms);
          current = {
            title,
            file: String(ev.f ?? ''),
            limitMs: (ms > 0 && ms < 3_600_000 ? ms : 300_000) + graceMs,
            since: Date.now(),
          };
          const task = taskOfTitle(title);
          if (task !== null && !isCanary(title)) lastTask = task;
          if (current.file && !fileShown.has(current.file) && !isCanary(title) && !current.file.includes(scratch)) {
            fileShown.add(current.file);
            opts.onProgress?.(`  running ${shortPath(opts.cwd, current.file)}`);
          }
        } else if (ev.e === 'pass') {
          record(title, 'passed', '');
          current = null;
        } else if (ev.e === 'fail') {
          record(title, 'failed', String(ev.m ?? 'failed'));
          current = null;
        } else if (ev.e === 'skip') {
          record(title, 'skipped', 'skipped');
          current = null;
        } else if (ev.e === 'hookfail') {
          hookFailures.push({ title, message: String(ev.m ?? 'failed') });
          current = null;
        } else if (ev.e === 'hookend') {
          current = null;
        } else if (ev.e === 'done') {
          done = true;
          current = null;
        }
      };
      const hookFailures: Array<{ title: string; message: string }> = [];
      child.stdio[3]!.on('data', (d: Buffer) => {
        pending += d.toString();
        if (pending.length > 1_000_000) pending = pending.slice(-1_000_000);
        const lines = pending.split('\n');
        pending = lines.pop()!;
        for (const line of lines) {
          try {
            const ev = JSON.parse(line) as ReporterEvent;
            if (ev && typeof ev === 'object' && typeof ev.e === 'string') onEvent(ev);
          } catch {
            // Not an event: ignored (the grader trusts none of this channel blindly anyway).
          }
        }
      });
      const free0 = freeBytes(scratch);
      const diskLimit = opts.diskLimitBytes ?? 1024 ** 3;
      const watchdog = setInterval(() => {
        if (stop !== null) return;
        const now = Date.now();
        const c = current as { title: string; file: string; limitMs: number; since: number } | null;
        if (now >= deadline)
          stop = { why: 'limit', title: c?.title ?? '', file: c?.file ?? '', limitMs: opts.timeLimitMs };
        else if (c !== null && now - c.since > c.limitMs)
          stop = { why: 'hang', title: c.title, file: c.file, limitMs: c.limitMs };
        else if (free0 - freeBytes(scratch) > diskLimit)
          stop = { why: 'disk', title: c?.title ?? '', file: c?.file ?? '', limitMs: 0 };
        if (stop !== null) endAll(child, user);
      }, 200);
      await new Promise<void>((resolve) => child.on('close', () => resolve()));
      cleanups.delete(cleanup);
      clearInterval(watchdog);
      endAll(child, user);
      if (user) removeFilesOf(user.uid);
      for (const f of canaryFiles) fs.rmSync(f, { force: true });

      const running = current as { title: string; file: string } | null;
      const s = stop as { why: 'hang' | 'limit' | 'disk'; title: string; file: string; limitMs: number } | null;
      const tail = output.trim().split('\n').slice(-15).join('\n');
      const where = (title: string, file: string) => `"${title}" (${shortPath(opts.cwd, file)})`;
      // The task to blame when the child did not end by itself: the test it was running.
      const blameTitle = s?.title || running?.title || '';
      const blamed =
        (blameTitle && !isCanary(blameTitle) ? taskOfTitle(blameTitle) : null) ?? (running ? lastTask : null);
      if (done) {
        // Tests the run never reached: a failing hook, or nothing said.
        for (const slot of open) {
          const hook = hookFailures.find((h) => taskOfTitle(h.title) === slot.task) ?? hookFailures[0];
          slot.outcome = {
            fullTitle: slot.fullTitle,
            task: slot.task,
            status: 'failed',
            message: `did not run: ${hook ? `${hook.title}: ${hook.message}` : 'it was not reported'}`,
          };
          announce(slot.task);
        }
        queue = [];
        continue;
      }
      let why: string;
      if (s?.why === 'limit') {
        why = `the tests took longer than ${opts.timeLimitMs / 1000} s in all and were stopped`;
        for (const t of queue) failRest(t, `did not run: ${why}`);
        notes.push(
          `The tests took longer than ${opts.timeLimitMs / 1000} s in all and were stopped${blameTitle ? ` during ${where(blameTitle, s.file)}` : ''}.`,
        );
        queue = [];
        continue;
      }
      if (s?.why === 'hang')
        why = `${where(s.title, s.file)} did not finish within ${Math.round(s.limitMs / 1000)} s and was stopped`;
      else if (s?.why === 'disk')
        why = `the tests wrote more than ${Math.round(diskLimit / 1024 ** 2)} MiB to disk and were stopped${blameTitle ? ` during ${where(blameTitle, s.file)}` : ''}`;
      else
        why = `the test process ended before the tests did (exit code ${child.exitCode ?? child.signalCode})${running ? ` during ${where(running.title, running.file)}` : ''}`;
      // The output's end goes in the notes once, not under every test.
      const said = tail && s === null ? `${why}; its output ended with:\n${tail}` : why;
      if (blamed !== null && queue.includes(blamed)) {
        const hung = byTask.get(blamed)!.find((x) => x.fullTitle === blameTitle && x.outcome === undefined);
        if (hung)
          hung.outcome = {
            fullTitle: hung.fullTitle,
            task: blamed,
            status: 'failed',
            message:
              s?.why === 'hang'
                ? `did not finish within ${Math.round(s.limitMs / 1000)} s and was stopped (${shortPath(opts.cwd, s.file)})`
                : why,
          };
        failRest(blamed, `did not run: ${why}`);
        notes.push(
          `Task ${blamed}: ${said}\nIts other tests that had not run score 0; the other tasks were graded on.`,
        );
        queue = queue.filter((t) => t !== blamed && byTask.get(t)!.some((x) => x.outcome === undefined));
      } else if (!progressed) {
        // Nothing ran and nobody to blame (the files did not load): every task left fails.
        for (const t of queue) failRest(t, `did not run: ${why}`);
        notes.push(`The tests could not run: ${said}`);
        queue = [];
      } else {
        queue = queue.filter((t) => byTask.get(t)!.some((x) => x.outcome === undefined));
      }
    }
  } finally {
    if (user) {
      endAll(null, user);
      removeFilesOf(user.uid);
    }
    fs.rmSync(scratch, { recursive: true, force: true });
  }
  return {
    tests: listed.map(
      (s) => s.outcome ?? { fullTitle: s.fullTitle, task: s.task, status: 'failed', message: 'did not run' },
    ),
    notes,
    tampering,
  };
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
): Promise<{ scores: TaskScore[]; results: GradescopeResults; listing: ReportedTest[]; tampering: string[] }> {
  const start = Date.now();
  const notes: string[] = [];
  /** The compiler's problems go first in the notes; read once the compiler is done. */
  const compilerNote = async () => {
    await opts.tscDone;
    if (!opts.tscLog || !fs.existsSync(opts.tscLog)) return;
    const log = fs.readFileSync(opts.tscLog, 'utf8').trim();
    if (log)
      notes.unshift(
        `The TypeScript compiler reported problems (the tests ran on what it emitted):\n${log.slice(0, 4000)}`,
      );
  };
  const listing = opts.listing ? { tests: opts.listing, output: '' } : await listTests(opts);
  if (listing.tests === null) {
    notes.push(`Could not load the tests:\n${listing.output.slice(-4000)}`);
    await compilerNote();
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
    return { scores: [], results, listing: [], tampering: [] };
  }
  const graded = gradedTasks(opts);
  const listed = listing.tests.filter((t) => {
    const task = taskOfTitle(t.fullTitle);
    return task !== null && task in opts.course.tasks && graded.includes(task);
  });
  if (opts.listOnly) return { scores: [], results: gradescopeResults([], '', 0), listing: listed, tampering: [] };
  const tasks = new Set(listed.map((t) => taskOfTitle(t.fullTitle)!));
  opts.onProgress?.(`grading ${tasks.size} tasks (${listed.length} tests)`);
  const run = await runTests(
    opts,
    listed.map((t) => ({ fullTitle: t.fullTitle, file: t.file, task: taskOfTitle(t.fullTitle)! })),
  );
  notes.push(...run.notes);
  await compilerNote();
  const scores = scoreTasks(run.tests, opts.course, opts.tasks);
  for (const t of opts.tasks) {
    if (!scores.some((s) => s.task === t)) notes.push(`No tests found for Task ${t}.`);
  }
  const results = gradescopeResults(scores, notes.join('\n\n'), (Date.now() - start) / 1000);
  fs.writeFileSync(opts.out, `${JSON.stringify(results, null, 2)}\n`);
  return { scores, results, listing: listed, tampering: run.tampering };
}

/** Parse the command line into options (defaults from .mocharc.json and course.json). */
/** `npm run grade`'s flags. */
export const GRADE_USAGE = `Usage: npm run grade -- [flags]

Compiles, runs every task's tests, prints a score per task and writes results.json in
Gradescope's format.

Flags:
  --task 1.3        grade this task only (repeat, or --task 1.3,1.4)
  --out FILE        where to write the results (default results.json)
  --time-limit S    seconds for the whole run (default 1200)
  --grace S         seconds past a test's own time-out before it is stopped (default 10)
  --spec GLOB       test files to run instead of the repository's suite
  --config FILE     course.json to read (default: the repository's)
  --tsc-log FILE    the compiler's log to include in the results
  --help, -h        print this and exit
`;

/** The flags `parseArgs` takes, each with a value. */
const GRADE_FLAGS = ['--task', '--out', '--time-limit', '--grace', '--spec', '--config', '--tsc-log'];

export function parseArgs(argv: string[], root = repoRoot()): GradeOptions {
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i].split('=')[0];
    if (!GRADE_FLAGS.includes(flag)) throw new UsageError(`grade: unknown argument "${argv[i]}"`);
    if (!argv[i].includes('=')) {
      if (i + 1 >= argv.length) throw new UsageError(`grade: ${flag} needs a value`);
      i++;
    }
  }
  for (const flag of ['--time-limit', '--grace']) {
    const value = argv.find((a, i) => a.startsWith(`${flag}=`) || argv[i - 1] === flag);
    const n = value === undefined ? 1 : Number(value.startsWith(flag) ? value.slice(flag.length + 1) : value);
    if (!(n > 0)) throw new UsageError(`grade: ${flag} must be a positive number of seconds, got "${value}"`);
  }
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
    ? (JSON.parse(fs.readFileSync(mocharc, 'utf8')) as { spec?: string | string[]; timeout?: number })
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
    ownSuite: spec.length === 0,
    course,
    out: path.resolve(take('--out')[0] ?? 'results.json'),
    testTimeoutMs: rc.timeout ?? 20000,
    timeLimitMs: Number(take('--time-limit')[0] ?? 1200) * 1000,
    graceMs: Number(take('--grace')[0] ?? 10) * 1000,
    cwd: root,
    tscLog: take('--tsc-log')[0] ?? (fs.existsSync(defaultLog) ? defaultLog : null),
  };
}

if (require.main === module) {
  cleanUpWhenStopped();
  (async () => {
    const argv = process.argv.slice(2);
    if (argv.includes('--help') || argv.includes('-h')) {
      process.stdout.write(GRADE_USAGE);
      return;
    }
    let opts: GradeOptions;
    try {
      opts = parseArgs(argv);
    } catch (e) {
      if (!(e instanceof UsageError)) throw e;
      process.stderr.write(`${e.message}\n\n${GRADE_USAGE}`);
      process.exitCode = 2;
      return;
    }
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
