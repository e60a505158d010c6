/**
 * The course walked through as a student would: write the starter, then restore the
 * solutions task by task in course order, grading after each step, and check that
 *
 * - before a task is solved, it scores nothing;
 * - solving it brings exactly it to full points;
 * - no earlier task loses points.
 *
 * `node build/scripts/walkthrough.js [--modules 2-3]` prints each step; the test
 * `tests/walkthrough.test.ts` runs it. To stay cheap (25 steps), a step does not rebuild or
 * regrade everything: the starter is type-checked by the starter test, so here each changed
 * file is only transpiled (milliseconds), and mocha runs once per step, on the test files
 * that hold the tests of the tasks it grades:
 *
 * - at the start of each module, every task not yet solved (they fail fast: stubs throw);
 * - at each step, the task just solved, the next one, and the earlier tasks of the module
 *   whose tests took under `recheckMs` when they were solved (slow ones, such as training
 *   runs, are graded once: rerunning them each step would cost minutes).
 *
 * With `--modules`, the tasks of earlier modules are restored first, unchecked.
 *
 * The modules are independent walks (each starts from the starter with every earlier module
 * solved), so they run in two lanes at once, each in a copy of its own: one module's slow GPU
 * tests overlap the other modules' steps instead of following them.
 *
 * @packageDocumentation
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import ts from 'typescript';
import {
  CourseConfig,
  compareTasks,
  isStudentSource,
  loadCourse,
  moduleOf,
  parseModules,
  repoRoot,
  taskOfTitle,
} from './course';
import { GradeOptions, grade } from './grade';
import { spliceRegions } from './markers';
import { repoFiles, writeStarter } from './starter';
import type { ReportedTest } from './testSummary';

/** Options of `walkthrough`. */
export interface WalkOptions {
  /** The solution repository (default: this one). */
  root?: string;
  /** Modules whose tasks are checked (default: all). */
  modules?: number[];
  /** Earlier tasks of a module are regraded at each step when their tests took less (ms). */
  recheckMs?: number;
  /** Progress lines (default: none). */
  log?: (line: string) => void;
  /** Modules walked at the same time, each in its own copy (default: 2, or 1 on one core). */
  lanes?: number;
}

/** One step: the task solved, the tasks graded and their scores. */
export interface WalkStep {
  task: string;
  scores: Record<string, number>;
  seconds: number;
}

/** What the walk found. */
export interface WalkResult {
  steps: WalkStep[];
  /** Broken promises, e.g. `after 1.3: Task 1.4 scores 2.5 before it is solved`. */
  problems: string[];
  seconds: number;
}

/** Compiler options for transpiling one file, from the repository's tsconfig. */
function transpileOptions(root: string): ts.CompilerOptions {
  const config = ts.readConfigFile(path.join(root, 'tsconfig.json'), ts.sys.readFile);
  const parsed = ts.convertCompilerOptionsFromJson(config.config.compilerOptions, root);
  return { ...parsed.options, declaration: false, sourceMap: false, noEmit: false };
}

/** Transpile `file` (relative to `dir`) to `dir/build/<file>.js`, without type-checking. */
function transpile(dir: string, file: string, options: ts.CompilerOptions): void {
  const out = ts.transpileModule(fs.readFileSync(path.join(dir, file), 'utf8'), {
    compilerOptions: options,
    fileName: file,
  });
  const dest = path.join(dir, 'build', file.replace(/\.ts$/, '.js'));
  fs.mkdirSync(path.dirname(dest), { recursive: true });
  fs.writeFileSync(dest, out.outputText);
}

/** Restore the solution regions of `tasks` from `root` into the starter in `dir`; the files changed. */
function restore(root: string, dir: string, tasks: Set<string>): string[] {
  const changed: string[] = [];
  for (const f of repoFiles(root).filter(isStudentSource)) {
    const dest = path.join(dir, f);
    if (!fs.existsSync(dest)) continue;
    const before = fs.readFileSync(dest, 'utf8');
    const { text } = spliceRegions(before, fs.readFileSync(path.join(root, f), 'utf8'), (t) => tasks.has(t));
    if (text !== before) {
      fs.writeFileSync(dest, text);
      changed.push(f);
    }
  }
  return changed;
}

/** Walk the course; see the file comment. Removes its temporary folder. */
export async function walkthrough(options: WalkOptions = {}): Promise<WalkResult> {
  const root = options.root ?? repoRoot();
  const log = options.log ?? (() => {});
  const recheckMs = options.recheckMs ?? 8000;
  const started = Date.now();
  const course: CourseConfig = loadCourse(path.join(root, 'course.json'));
  const tasks = Object.keys(course.tasks).sort(compareTasks);
  const checked = tasks.filter((t) => options.modules === undefined || options.modules.includes(moduleOf(t)));
  if (checked.length === 0) throw new Error('walkthrough: no tasks in the modules asked for');
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'minitorch-walk-'));
  try {
    const dir = path.join(tmp, 'repo');
    const written = writeStarter(dir, root).files;
    fs.symlinkSync(path.join(root, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
    const tsOptions = transpileOptions(root);
    // Everything tsconfig.test.json compiles: the ported examples too (tests/examples.test.ts loads them).
    for (const f of written.filter((f) => /^(src|tests|scripts|examples)\/.*\.ts$/.test(f) && !f.endsWith('.d.ts')))
      transpile(dir, f, tsOptions);
    const wasm = path.join(root, 'build', 'src', 'matmulF64.wasm');
    if (fs.existsSync(wasm)) fs.copyFileSync(wasm, path.join(dir, 'build', 'src', 'matmulF64.wasm'));

    // Tasks before the checked ones are restored first, unchecked.
    const first = checked[0];
    const earlier = new Set(tasks.filter((t) => compareTasks(t, first) < 0));
    for (const f of restore(root, dir, earlier)) transpile(dir, f, tsOptions);

    const baseOptions: GradeOptions = {
      tasks: [],
      spec: [path.join(dir, 'build', 'tests', '**', '*.test.js')],
      course,
      out: path.join(tmp, 'results.json'),
      testTimeoutMs: 120_000,
      timeLimitMs: 900_000,
      cwd: dir,
      tscLog: null,
    };
    // One listing for the whole walk: which files hold which task's tests.
    const listing = (await grade({ ...baseOptions, listOnly: true })).listing;

    // The modules are walked in lanes, each in a copy of its own (see the file comment).
    const modules = [...new Set(checked.map(moduleOf))];
    const lanes = Math.max(1, Math.min(options.lanes ?? Math.min(2, os.availableParallelism()), modules.length));
    const walked = new Map<number, { steps: WalkStep[]; problems: string[] }>();
    let queued = 0;
    const lane = async (): Promise<void> => {
      while (queued < modules.length) {
        const module = modules[queued++];
        const own = checked.filter((t) => moduleOf(t) === module);
        const laneDir = path.join(tmp, `module-${module}`);
        fs.cpSync(dir, laneDir, { recursive: true, filter: (src) => src !== path.join(dir, 'node_modules') });
        fs.symlinkSync(path.join(root, 'node_modules'), path.join(laneDir, 'node_modules'), 'dir');
        // The tasks of the modules before this one, solved first, unchecked.
        for (const f of restore(root, laneDir, new Set(tasks.filter((t) => compareTasks(t, own[0]) < 0))))
          transpile(laneDir, f, tsOptions);
        const moved = listing.map((t) => ({ ...t, file: path.join(laneDir, path.relative(dir, t.file)) }));
        walked.set(
          module,
          await walkModule(own, moved, { ...baseOptions, cwd: laneDir, out: path.join(tmp, `results-${module}.json`) }),
        );
        fs.rmSync(laneDir, { recursive: true, force: true });
      }
    };

    /** Walk the tasks of one module, in order, in the copy that `opts.cwd` names. */
    const walkModule = async (
      own: string[],
      tests: ReportedTest[],
      opts: GradeOptions,
    ): Promise<{ steps: WalkStep[]; problems: string[] }> => {
      const laneDir = opts.cwd;
      const filesOf = (graded: string[]): string[] => [
        ...new Set(tests.filter((t) => graded.includes(taskOfTitle(t.fullTitle) ?? '')).map((t) => t.file)),
      ];
      /** Titles of the passing tests of each task in the last run, to explain a problem. */
      let passing = new Map<string, string[]>();
      let failingOf = new Map<string, string[]>();
      const gradeTasks = async (graded: string[]): Promise<Record<string, number>> => {
        const only = tests.filter((t: ReportedTest) => graded.includes(taskOfTitle(t.fullTitle) ?? ''));
        const { scores } = await grade({ ...opts, tasks: graded, spec: filesOf(graded), listing: only });
        passing = new Map(
          scores.map((s) => [s.task, s.tests.filter((t) => t.status === 'passed').map((t) => t.fullTitle)]),
        );
        failingOf = new Map(
          scores.map((s) => [
            s.task,
            s.tests
              .filter((t) => t.status === 'failed')
              .map((t) => `${t.fullTitle}: ${t.message.split('\n')[0].slice(0, 160)}`),
          ]),
        );
        return Object.fromEntries(graded.map((t) => [t, scores.find((s) => s.task === t)?.score ?? 0]));
      };
      const early = (when: string, t: string, score: number) =>
        `${when}: Task ${t} scores ${score} before it is solved; passing: ${(passing.get(t) ?? []).slice(0, 20).join(' | ')}`;

      const steps: WalkStep[] = [];
      const problems: string[] = [];
      // Each problem is said as it is found, not only at the end of a long walk.
      const problem = (line: string) => {
        log(`PROBLEM ${line}`);
        problems.push(line);
      };
      const best = new Map<string, number>();
      const ownMs = new Map<string, number>();
      const module = moduleOf(own[0]);
      for (let i = 0; i < own.length; i++) {
        const task = own[i];
        if (i === 0) {
          const t0 = Date.now();
          const scores = await gradeTasks(tasks.filter((t) => compareTasks(t, task) >= 0));
          for (const [t, s] of Object.entries(scores)) if (s > 0) problem(early(`before ${task}`, t, s));
          log(
            `module ${module}: ${Object.keys(scores).length} unsolved tasks score ${Object.values(scores).reduce((a, b) => a + b, 0)} (${((Date.now() - t0) / 1000).toFixed(0)} s)`,
          );
        }
        for (const f of restore(root, laneDir, new Set([task]))) transpile(laneDir, f, tsOptions);
        const t0 = Date.now();
        // Two lanes share the cores, so a step takes about twice as long: the bound scales, and
        // the same tasks are rechecked as in a walk of one lane.
        const recheck = [...best.keys()].filter((t) => (ownMs.get(t) ?? Infinity) < recheckMs * lanes);
        const next = own[i + 1] !== undefined ? [own[i + 1]] : [];
        const graded = [...recheck, task, ...next];
        const scores = await gradeTasks(graded);
        const seconds = (Date.now() - t0) / 1000;
        ownMs.set(task, seconds * 1000);
        const full = course.tasks[task].points;
        if (scores[task] !== full)
          problem(
            `after ${task}: Task ${task} scores ${scores[task]} of ${full}; failing: ${(failingOf.get(task) ?? []).slice(0, 8).join(' | ')}`,
          );
        for (const t of next) if (scores[t] > 0) problem(early(`after ${task}`, t, scores[t]));
        for (const t of recheck)
          if (scores[t] < best.get(t)!) problem(`after ${task}: Task ${t} fell from ${best.get(t)} to ${scores[t]}`);
        best.set(task, scores[task]);
        steps.push({ task, scores, seconds });
        log(`solved ${task}: ${graded.map((t) => `${t}=${scores[t]}`).join(' ')} (${seconds.toFixed(0)} s)`);
      }
      return { steps, problems };
    };

    // Every lane ends before the folder goes (the finally below), even when one fails.
    const ended = await Promise.allSettled(Array.from({ length: lanes }, () => lane()));
    for (const e of ended) if (e.status === 'rejected') throw e.reason;
    const steps = modules.flatMap((m) => walked.get(m)!.steps);
    const problems = modules.flatMap((m) => walked.get(m)!.problems);
    return { steps, problems, seconds: (Date.now() - started) / 1000 };
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

if (require.main === module) {
  const argv = process.argv.slice(2);
  const i = argv.indexOf('--modules');
  const stray = argv.find((_, k) => i < 0 || (k !== i && k !== i + 1));
  if (stray !== undefined || (i >= 0 && argv[i + 1] === undefined)) {
    console.error(`walkthrough: ${stray === undefined ? '--modules needs a value' : `unknown argument "${stray}"`}`);
    console.error('usage: npm run walkthrough [-- --modules 0-1]');
    process.exit(2);
  }
  const modules = i >= 0 ? parseModules(argv[i + 1] ?? '', loadCourse()) : undefined;
  walkthrough({ modules, log: (line) => console.log(line) })
    .then((r) => {
      console.log(
        r.problems.length === 0
          ? `walkthrough: every step holds (${r.seconds.toFixed(0)} s)`
          : `walkthrough problems:\n${r.problems.join('\n')}`,
      );
      process.exitCode = r.problems.length === 0 ? 0 : 1;
    })
    .catch((e: unknown) => {
      console.error((e as Error).message);
      process.exitCode = 1;
    });
}
