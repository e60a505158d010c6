/**
 * The course configuration (`course.json`) and the task numbering shared by the course tools:
 * `npm run starter`, `npm run grade` and the marker checks.
 *
 * @packageDocumentation
 */
import * as fs from 'fs';
import * as path from 'path';

/** One exercise of the course map. */
export interface TaskConfig {
  /** Short name, e.g. `chain rule`. */
  title: string;
  /** Points `npm run grade` gives the task, split equally between its tests. */
  points: number;
}

/** The parsed `course.json`. */
export interface CourseConfig {
  /** Every task by number (`"1.3"`), in course order. */
  tasks: Record<string, TaskConfig>;
  /** What `npm run starter` leaves out of the student repository. */
  starter: { exclude: string[] };
}

/**
 * The repository root: the nearest folder above this file holding a `package.json`. Works
 * from `scripts/` (ts-node style) and from the compiled `build/scripts/` alike.
 */
/**
 * A mistake on a script's command line (an unknown flag, a missing value): the script prints
 * it with its usage and exits with status 2, where other failures exit 1.
 */
export class UsageError extends Error {}

/** The exit status for an error a script's `main` threw: 2 for a usage mistake, else 1. */
export function exitStatus(e: unknown): number {
  return e instanceof UsageError ? 2 : 1;
}

export function repoRoot(): string {
  let dir = __dirname;
  while (!fs.existsSync(path.join(dir, 'package.json'))) {
    const up = path.dirname(dir);
    if (up === dir) throw new Error(`no package.json above ${__dirname}`);
    dir = up;
  }
  return dir;
}

/** Read and validate `course.json` (or another file with the same layout). */
export function loadCourse(file = path.join(repoRoot(), 'course.json')): CourseConfig {
  const raw = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<CourseConfig>;
  if (typeof raw.tasks !== 'object' || raw.tasks === null) throw new Error(`${file}: missing "tasks"`);
  for (const [task, cfg] of Object.entries(raw.tasks)) {
    if (!TASK_ID.test(task)) throw new Error(`${file}: task "${task}" is not numbered like 1.3`);
    if (typeof cfg.title !== 'string' || typeof cfg.points !== 'number' || !(cfg.points >= 0)) {
      throw new Error(`${file}: task ${task} needs a "title" and non-negative "points"`);
    }
  }
  return { tasks: raw.tasks, starter: { exclude: raw.starter?.exclude ?? [] } };
}

/** A task number such as `1.3`. */
export const TASK_ID = /^\d+\.\d+$/;

/** Every `Task M.N` named in a test title, e.g. `Task 1.3 chain rule`. */
const TASK_IN_TITLE = /Task (\d+\.\d+)(?!\d)/g;

/**
 * The task a test belongs to: the last `Task M.N` in its full title (the innermost
 * describe/it that names one), or null for tests that are not exercises.
 */
export function taskOfTitle(fullTitle: string): string | null {
  let last: string | null = null;
  for (const m of fullTitle.matchAll(TASK_IN_TITLE)) last = m[1];
  return last;
}

/** A mocha `--grep` pattern selecting the tests of these tasks (all tasks when empty). */
export function taskGrep(tasks: string[]): string {
  if (tasks.length === 0) return 'Task \\d+\\.\\d+(?!\\d)';
  return `Task (${tasks.map((t) => t.replace('.', '\\.')).join('|')})(?!\\d)`;
}

/** Sort task numbers in course order (`1.10` after `1.9`). */
export function compareTasks(a: string, b: string): number {
  const [am, an] = a.split('.').map(Number);
  const [bm, bn] = b.split('.').map(Number);
  return am - bm || an - bn;
}

/** The module of a task: `1` for `1.3`. */
export function moduleOf(task: string): number {
  return Number(task.split('.')[0]);
}

/**
 * Files a student edits: the TypeScript sources in `src/` (Task 0.2's property tests
 * included, in `src/operatorProperties.ts`). Only these carry solution regions; the starter
 * stubs them, and the grader takes only their regions from a submission.
 */
export function isStudentSource(file: string): boolean {
  return file.startsWith('src/') && file.endsWith('.ts') && !file.endsWith('.d.ts');
}

/**
 * Parse a module list such as `0-1`, `2` or `0,2-3` into sorted module numbers; throws a
 * clear error for anything else or for a module that has no task in `course`.
 */
export function parseModules(spec: string, course: CourseConfig): number[] {
  const known = new Set(Object.keys(course.tasks).map(moduleOf));
  const out = new Set<number>();
  for (const part of spec.split(',').map((p) => p.trim())) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part);
    if (m === null) throw new Error(`modules: "${spec}" is not a list of modules like 0-1 or 2 or 0,2-3`);
    const [lo, hi] = [Number(m[1]), Number(m[2] ?? m[1])];
    if (hi < lo) throw new Error(`modules: "${part}" runs backwards`);
    for (let k = lo; k <= hi; k++) {
      if (!known.has(k))
        throw new Error(`modules: there is no module ${k} in course.json (modules: ${[...known].join(', ')})`);
      out.add(k);
    }
  }
  return [...out].sort((a, b) => a - b);
}
