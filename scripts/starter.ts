/**
 * `npm run starter -- <dir> [--modules 0-1] [--update]`: write the student repository.
 *
 * The same tree as this one (git-tracked files plus untracked files git does not ignore),
 * with the body of every solution region replaced by a stub that throws
 * `NotImplementedError("Task 1.3: …")` (the `BEGIN SOLUTION` / `END SOLUTION` markers stay,
 * to show where to write and so the grader can find the student's code), notebook outputs
 * cleared, tests unchanged, and the instructor-only tooling listed in `course.json`
 * (`starter.exclude`) left out.
 *
 * `--modules 0-1` releases some modules only: their notebooks and tests, and a `course.json`
 * listing their tasks (the tests of other tasks are skipped, and the grader grades only
 * these). The library sources are all there, every later task as a stub too, so the
 * package builds and its index exports everything; no later solution is given away.
 * `--update` adds modules to a repository written before (`--modules 2 --update`): it
 * writes the files that are missing (the new notebooks and tests) and the new
 * `course.json`, and never changes any other file, so nothing the student wrote is touched.
 *
 * @packageDocumentation
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import {
  CourseConfig,
  isStudentSource,
  loadCourse,
  moduleOf,
  parseModules,
  repoRoot,
  UsageError,
  exitStatus,
} from './course';
import { errorsModuleFor, scanMarkers, stubSolutions } from './markers';

/** What `writeStarter` did, for the summary line and the tests. */
export interface StarterSummary {
  /** Files written, relative to the target. */
  files: string[];
  /** Source files whose solutions were stubbed. */
  stubbedFiles: string[];
  /** Number of solution regions replaced. */
  regions: number;
  /** Notebooks whose outputs were cleared. */
  notebooks: string[];
  /** The modules the repository now holds. */
  modules: number[];
  /** `--update`: files that exist in the repository and were left as they are although
   * this release's version differs (the student's sources, or files they changed). */
  kept: string[];
}

/** Options of `writeStarter`. */
export interface StarterOptions {
  /** Modules to release (all when absent). With `update`, the modules to add. */
  modules?: number[];
  /** Add to an existing student repository instead of writing a new one. */
  update?: boolean;
}

/** Files of the repository at `root`: tracked ones that exist, plus untracked non-ignored ones. */
export function repoFiles(root: string): string[] {
  const out = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
    cwd: root,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  const files = new Set(out.split('\0').filter((f) => f.length > 0));
  return [...files].filter((f) => fs.statSync(path.join(root, f), { throwIfNoEntry: false })?.isFile() ?? false).sort();
}

/** A TypeScript source of the library: the only files whose solutions are stubbed. */
export function isLibrarySource(file: string): boolean {
  return isStudentSource(file);
}

/** Every `Task M.N` in a text. */
const TASK_IN_TEXT = /Task (\d+)\.\d+(?!\d)/g;

/**
 * The module a file belongs to, or null for files every release has (the library, tooling,
 * shared test helpers). A notebook (`notebooks/module2.ipynb`, `notebooks/src/module2.md`)
 * belongs to its module; a test file to the module most of its task names are in (the
 * earliest on a tie): `nn.test.ts` is Module 4's although one of its tests needs only
 * Task 2.4's code. Tests of tasks not released yet are skipped, so a file released early
 * only shows them as pending.
 */
export function moduleOfFile(file: string, text: string): number | null {
  const notebook = /^notebooks\/(?:src\/)?module(\d+)\.(?:ipynb|md)$/.exec(file);
  if (notebook) return Number(notebook[1]);
  if (!/^tests\/[^/]+\.test\.ts$/.test(file)) return null;
  const counts = new Map<number, number>();
  for (const m of text.matchAll(TASK_IN_TEXT)) counts.set(Number(m[1]), (counts.get(Number(m[1])) ?? 0) + 1);
  const ranked = [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0] - b[0]);
  return ranked.length > 0 ? ranked[0][0] : null;
}

/** `course.json` for a release: the tasks of its modules only. */
function releaseCourseJson(json: string, modules: number[]): string {
  const course = JSON.parse(json) as { tasks: Record<string, unknown> };
  course.tasks = Object.fromEntries(Object.entries(course.tasks).filter(([t]) => modules.includes(moduleOf(t))));
  return `${JSON.stringify(course, null, 2)}\n`;
}

/** A notebook's JSON with every code cell's outputs and execution count cleared. */
export function clearNotebookOutputs(json: string): string {
  const nb = JSON.parse(json) as {
    cells: Array<{
      cell_type: string;
      outputs?: unknown[];
      execution_count?: unknown;
      metadata?: Record<string, unknown>;
    }>;
  };
  for (const cell of nb.cells) {
    if (cell.cell_type !== 'code') continue;
    cell.outputs = [];
    cell.execution_count = null;
    // Timing metadata written by nbclient would date the starter: drop it too.
    if (cell.metadata) delete cell.metadata.execution;
  }
  return `${JSON.stringify(nb, null, 1)}\n`;
}

/**
 * Drop npm scripts that run excluded files (`node build/scripts/starter.js` …), and take the
 * linter out of `npm test`: the stubs leave parameters unused, and a student's tests should
 * run on code that is not formatted yet (`npm run lint` stays for whoever wants it).
 */
function starterPackageJson(json: string, excluded: string[]): string {
  const pkg = JSON.parse(json) as { scripts?: Record<string, string> };
  // A script runs an excluded file by its own name (`scripts/fixtures.py`) or, for TypeScript,
  // by its compiled name (`build/scripts/starter.js`).
  const names = excluded
    .filter((f) => f.startsWith('scripts/'))
    .flatMap((f) => (f.endsWith('.ts') ? [f, `${f.slice(0, -3)}.js`] : [f]));
  for (const [name, command] of Object.entries(pkg.scripts ?? {})) {
    if (names.some((n) => command.includes(n))) delete pkg.scripts![name];
    else pkg.scripts![name] = command.replace(/^npm run lint && /, '');
  }
  return `${JSON.stringify(pkg, null, 2)}\n`;
}

/** Whether `starter.exclude` leaves `file` out: named itself, or under a named folder (`dir/`). */
export function isExcluded(file: string, excluded: Set<string>): boolean {
  if (excluded.has(file)) return true;
  for (let i = file.indexOf('/'); i >= 0; i = file.indexOf('/', i + 1))
    if (excluded.has(file.slice(0, i + 1))) return true;
  return false;
}

/** The student repository's own README: `scripts/starter-files/README.md` for these modules. */
function studentReadme(root: string, modules: number[], hasDemo: boolean): string {
  const template = fs.readFileSync(path.join(root, 'scripts', 'starter-files', 'README.md'), 'utf8');
  const names = modules.map(String);
  const list =
    names.length === 1
      ? `Module ${names[0]}`
      : `Modules ${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
  const demo =
    hasDemo && modules.includes(1)
      ? `\n## The demo\n\n\`npm run demo\` trains Module 1's scalar network on a 2-D dataset once Modules 0 and 1 are done\n(until then it names the first task it needs), and writes its charts to \`out/\`;\n\`npm run demo -- --help\` lists what this release can train.\n`
      : '';
  return template
    .replaceAll('{{MODULES}}', list)
    .replaceAll('{{FIRST_NOTEBOOK}}', `\`module${modules[0]}.ipynb\``)
    .replaceAll('{{DEMO}}', demo);
}

/** The modules a student repository holds, from its `course.json`. */
export function releasedModules(target: string, course: CourseConfig): number[] {
  const file = path.join(target, 'course.json');
  if (!fs.existsSync(file))
    throw new Error(
      `starter --update: ${target} has no course.json: is it a student repository written by \`npm run starter\`?`,
    );
  const tasks = Object.keys(loadCourse(file).tasks);
  return [...new Set(tasks.map(moduleOf))]
    .filter((m) => Object.keys(course.tasks).some((t) => moduleOf(t) === m))
    .sort((a, b) => a - b);
}

/**
 * Write the starter repository of `root` into `target` (which must be empty or absent), or
 * with `update`, add modules to the student repository in `target`. Throws, writing
 * nothing, when a solution marker is misplaced.
 */
export function writeStarter(target: string, root = repoRoot(), options: StarterOptions = {}): StarterSummary {
  const course = loadCourse(path.join(root, 'course.json'));
  const known = new Set(Object.keys(course.tasks));
  const allModules = [...new Set(Object.keys(course.tasks).map(moduleOf))].sort((a, b) => a - b);
  const excluded = new Set(course.starter.exclude);
  const absTarget = path.resolve(target);
  const exists = fs.existsSync(absTarget) && fs.readdirSync(absTarget).length > 0;
  if (options.update && !exists)
    throw new Error(`starter --update: ${absTarget} is empty or missing; write it first without --update`);
  if (!options.update && exists)
    throw new Error(`starter: ${absTarget} is not empty (use --update to add modules to a student repository)`);
  const before = options.update ? releasedModules(absTarget, course) : [];
  const modules = [...new Set([...before, ...(options.modules ?? allModules)])].sort((a, b) => a - b);
  const files = repoFiles(root).filter((f) => !isExcluded(f, excluded));

  const hasDemo = files.includes('scripts/demo.ts');
  // Transform everything first, so a marker problem leaves nothing half-written.
  const outputs = new Map<string, string | null>(); // null: copy the file as is
  const summary: StarterSummary = { files: [], stubbedFiles: [], regions: 0, notebooks: [], modules, kept: [] };
  const problems: string[] = [];
  for (const f of files) {
    const abs = path.join(root, f);
    const text = /\.(ts|md|ipynb)$/.test(f) ? fs.readFileSync(abs, 'utf8') : '';
    const module = moduleOfFile(f, text);
    if (module !== null && !modules.includes(module)) continue;
    if (isLibrarySource(f)) {
      try {
        const stubbed = stubSolutions(f, text, errorsModuleFor(f), known);
        if (stubbed !== text) {
          summary.stubbedFiles.push(f);
          summary.regions += scanMarkers(f, text, known).regions.length;
        }
        outputs.set(f, stubbed);
      } catch (e) {
        problems.push((e as Error).message);
      }
    } else if (f.endsWith('.ipynb')) {
      outputs.set(f, clearNotebookOutputs(text));
      summary.notebooks.push(f);
    } else if (f === 'package.json') {
      outputs.set(f, starterPackageJson(fs.readFileSync(abs, 'utf8'), [...excluded]));
    } else if (f === 'course.json') {
      outputs.set(f, releaseCourseJson(fs.readFileSync(abs, 'utf8'), modules));
    } else if (f === 'README.md' && fs.existsSync(path.join(root, 'scripts', 'starter-files', 'README.md'))) {
      // The instructor's README documents tooling the student repository does not have.
      outputs.set(f, studentReadme(root, modules, hasDemo));
    } else {
      outputs.set(f, null);
    }
  }
  if (problems.length > 0) throw new Error(`starter: misplaced solution markers:\n${problems.join('\n')}`);

  for (const [f, text] of outputs) {
    const dest = path.join(absTarget, f);
    const content = text ?? fs.readFileSync(path.join(root, f));
    if (options.update && f !== 'course.json' && fs.existsSync(dest)) {
      // Never touch a file the student has changed: note it when this release's version
      // differs. The README names the released modules, so one still as the previous release
      // wrote it is the course's, not the student's, and gets this release's.
      const previousReadme = f === 'README.md' && text !== null ? studentReadme(root, before, hasDemo) : null;
      const current = fs.readFileSync(dest);
      const unchangedReadme = previousReadme !== null && current.equals(Buffer.from(previousReadme));
      if (!unchangedReadme) {
        if (!current.equals(Buffer.from(content))) summary.kept.push(f);
        continue;
      }
    }
    fs.mkdirSync(path.dirname(dest), { recursive: true });
    fs.writeFileSync(dest, content, { mode: fs.statSync(path.join(root, f)).mode });
    summary.files.push(f);
  }
  return summary;
}

const USAGE = `usage: npm run starter -- <dir> [--modules 0-1] [--update]
  writes the student repository into <dir> (all modules, or those of --modules);
  --update adds the modules of --modules to the student repository in <dir>, writing only
  the files it lacks (and course.json), so nothing the student wrote changes`;

function main(argv: string[]): void {
  const positional: string[] = [];
  let modulesSpec: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--modules') modulesSpec = argv[++i];
    else if (argv[i].startsWith('--modules=')) modulesSpec = argv[i].slice('--modules='.length);
    else if (argv[i] === '--update' || argv[i] === '--help') continue;
    else if (argv[i].startsWith('-')) throw new UsageError(`starter: unknown option ${argv[i]}\n${USAGE}`);
    else positional.push(argv[i]);
  }
  const target = positional[0];
  if (target === undefined || argv.includes('--help')) {
    console.log(USAGE);
    process.exitCode = target === undefined && !argv.includes('--help') ? 2 : 0;
    return;
  }
  if (modulesSpec === undefined && argv.includes('--modules'))
    throw new UsageError(`starter: --modules needs a value\n${USAGE}`);
  const update = argv.includes('--update');
  if (update && modulesSpec === undefined)
    throw new UsageError(`starter: --update needs --modules (the modules to add)\n${USAGE}`);
  const modules = modulesSpec === undefined ? undefined : parseModules(modulesSpec, loadCourse());
  const s = writeStarter(target, repoRoot(), { modules, update });
  console.log(
    `starter: wrote ${s.files.length} files to ${path.resolve(target)} (modules ${s.modules.join(', ')}); ` +
      `${s.regions} solution bodies stubbed in ${s.stubbedFiles.length} files, ` +
      `${s.notebooks.length} notebooks cleared`,
  );
  if (update) {
    if (s.kept.length > 0) console.log(`kept as they are (this release's version differs): ${s.kept.join(', ')}`);
    console.log(`next: cd ${target} && npm run build`);
  } else {
    console.log(`next: cd ${target} && git init && npm install && npm run build`);
  }
}

if (require.main === module) {
  try {
    main(process.argv.slice(2));
  } catch (e) {
    console.error((e as Error).message);
    process.exitCode = exitStatus(e);
  }
}
