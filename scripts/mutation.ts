/**
 * `npm run mutation -- --task 1.1`: mutation testing of the solution regions, for
 * instructors. A wrong solution should not earn full points; a mutant (one small change to a
 * solution, `a > b` to `a >= b` say) that the task's tests still pass shows a wrong solution
 * that would.
 *
 * How: StrykerJS with its mocha runner mutates the compiled JavaScript in `build/src/`, only
 * the lines between `// BEGIN SOLUTION N.M` and `// END SOLUTION` (tsc keeps the comments, so
 * the markers are in the `.js`), and runs only that task's tests (`--grep "Task N.M"`, the
 * tests `npm run task` runs). Mutating the JavaScript avoids a TypeScript compile per mutant:
 * Stryker puts every mutant into one instrumented copy and switches between them. Stryker
 * works in a sandbox copy under `.tmp/stryker/` (git-ignored) and removes it afterwards, so
 * no tracked file is touched; only `--write-table` writes `docs/mutation.md`'s table.
 *
 * A surviving mutant is either a missing test (add one: a check in
 * `src/course/checks/moduleN.ts` or a test named after the task) or equivalent to the
 * solution: then it is listed in `docs/mutation.md` under "Equivalent mutants" with the
 * reason, and counted as such.
 *
 * @packageDocumentation
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import { SourceMap } from 'module';
import * as path from 'path';
import { CourseConfig, UsageError, compareTasks, exitStatus, loadCourse, repoRoot, taskGrep } from './course';
import { scanMarkers } from './markers';

/** `npm run mutation`'s flags. */
export const MUTATION_USAGE = `Usage: npm run mutation -- --task 1.1 [--task 2.3 ...] [flags]

Mutation testing of the solution regions (StrykerJS, mocha runner): mutates the compiled
code between BEGIN SOLUTION and END SOLUTION of each task, runs that task's tests against
every mutant, and prints the score and the mutants that survived (file:line, original ->
mutant). Mutants listed in docs/mutation.md as equivalent are counted as such.
Exit status: 0 when no task has an unexplained survivor, 1 otherwise, 2 for a usage error.

Flags:
  --task 1.1        the task to test (repeat, or --task 1.1,2.3)
  --all             every task of course.json, one after the other
  --write-table     update the tasks' rows of docs/mutation.md's table
  --concurrency N   test runner processes (default 2)
  --skip REGEX      leave out the task's tests whose title matches (a test that Stryker's
                    instrumentation slows past its time-out); the table notes it
  --help, -h        print this and exit
`;

/** What `parseArgs` returns. */
export interface MutationOptions {
  tasks: string[];
  writeTable: boolean;
  concurrency: number;
  /** A title pattern of tests to leave out, or null. */
  skip: string | null;
}

/** Parse the command line; throws `UsageError` for anything it does not know. */
export function parseArgs(argv: string[], course: CourseConfig): MutationOptions {
  const tasks: string[] = [];
  let all = false;
  let writeTable = false;
  let concurrency = 2;
  let skip: string | null = null;
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].includes('=')
      ? [argv[i].split('=')[0], argv[i].slice(argv[i].indexOf('=') + 1)]
      : [argv[i]];
    const value = (): string => {
      if (inline !== undefined) return inline;
      if (i + 1 >= argv.length) throw new UsageError(`mutation: ${flag} needs a value`);
      return argv[++i];
    };
    if (flag === '--task')
      tasks.push(
        ...value()
          .split(',')
          .map((t) => t.trim())
          .filter(Boolean),
      );
    else if (flag === '--all') all = true;
    else if (flag === '--write-table') writeTable = true;
    else if (flag === '--concurrency') {
      const text = value();
      concurrency = Number(text);
      if (!Number.isInteger(concurrency) || concurrency < 1)
        throw new UsageError(`mutation: --concurrency must be a positive whole number, got "${text}"`);
    } else if (flag === '--skip') {
      skip = value();
      try {
        new RegExp(skip);
      } catch {
        throw new UsageError(`mutation: --skip needs a regular expression, got "${skip}"`);
      }
    } else throw new UsageError(`mutation: unknown argument "${argv[i]}"`);
  }
  const known = Object.keys(course.tasks);
  const unknown = tasks.filter((t) => !known.includes(t));
  if (unknown.length > 0) throw new UsageError(`mutation: no task ${unknown.join(', ')} in course.json`);
  if (all) tasks.push(...known);
  if (tasks.length === 0) throw new UsageError('mutation: name a task (--task 1.1) or --all');
  return { tasks: [...new Set(tasks)].sort(compareTasks), writeTable, concurrency, skip };
}

/** One task's solution lines in one compiled file, as Stryker's `file:start-end` range. */
export interface MutateRange {
  /** `build/src/autodiff.js`, relative to the repository. */
  file: string;
  /** 1-based, the first and last line inside the region (markers excluded). */
  startLine: number;
  endLine: number;
  functionName: string;
}

/** Every compiled `.js` under `dir`, relative to `root`, sorted. */
function jsFiles(root: string, dir: string): string[] {
  const out: string[] = [];
  for (const entry of fs.readdirSync(path.join(root, dir), { withFileTypes: true })) {
    const rel = path.posix.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...jsFiles(root, rel));
    else if (entry.name.endsWith('.js')) out.push(rel);
  }
  return out.sort();
}

/** The non-empty solution regions of `task` in the compiled library (`build/src/`). */
export function solutionRanges(root: string, task: string): MutateRange[] {
  const ranges: MutateRange[] = [];
  for (const file of jsFiles(root, 'build/src')) {
    const text = fs.readFileSync(path.join(root, file), 'utf8');
    if (!text.includes('BEGIN SOLUTION')) continue;
    for (const r of scanMarkers(file, text).regions) {
      if (r.task !== task || r.endLine - r.beginLine < 2) continue;
      // 0-based marker lines → 1-based lines strictly between them.
      ranges.push({ file, startLine: r.beginLine + 2, endLine: r.endLine, functionName: r.functionName });
    }
  }
  return ranges;
}

/** mocha's `--grep` for the tests of `task`, less those whose full title matches `skip`. */
export function testGrep(task: string, skip: string | null): string {
  return skip === null ? taskGrep([task]) : `^(?!.*(?:${skip})).*${taskGrep([task])}`;
}

/** A mutant as Stryker reports it (the fields used here). Lines and columns are 1-based. */
interface StrykerMutant {
  fileName: string;
  mutatorName: string;
  replacement?: string;
  status: string;
  location: { start: { line: number; column: number }; end: { line: number; column: number } };
}

/** One mutant, described for people: where in `src/`, what changed, what happened. */
export interface MutantReport {
  task: string;
  /** `src/autodiff.ts:30` (through the source map), else the compiled file and line. */
  where: string;
  functionName: string;
  original: string;
  mutant: string;
  mutator: string;
  /** killed (tests failed, timed out or crashed), survived (incl. no test ran it), equivalent. */
  outcome: 'killed' | 'survived' | 'equivalent';
}

/** Collapse whitespace, so a listed mutant matches however the compiler wrapped it. */
const squash = (s: string): string => s.replace(/\s+/g, ' ').trim();

/** The text between two 1-based positions of `lines`. */
function slice(lines: string[], m: StrykerMutant['location']): string {
  const { start, end } = m;
  if (start.line === end.line) return lines[start.line - 1].slice(start.column - 1, end.column - 1);
  const parts = [lines[start.line - 1].slice(start.column - 1), ...lines.slice(start.line, end.line - 1)];
  return [...parts, lines[end.line - 1].slice(0, end.column - 1)].join('\n');
}

/** `src/x.ts:LINE` for a 1-based line of a compiled file, through its source map. */
function sourceLine(root: string, jsFile: string, line: number, column: number): string {
  const mapFile = path.join(root, `${jsFile}.map`);
  if (!fs.existsSync(mapFile)) return `${jsFile}:${line}`;
  const map = new SourceMap(JSON.parse(fs.readFileSync(mapFile, 'utf8')));
  const entry = map.findEntry(line - 1, column - 1) as { originalSource?: string; originalLine?: number };
  if (entry.originalSource === undefined || entry.originalLine === undefined) return `${jsFile}:${line}`;
  const source = path.relative(root, path.resolve(path.dirname(path.join(root, jsFile)), entry.originalSource));
  return `${source.split(path.sep).join('/')}:${entry.originalLine + 1}`;
}

/** A mutant listed as equivalent in docs/mutation.md. */
export interface EquivalentMutant {
  task: string;
  /** `src/nn.ts` (the line in the document is for reading; the match is on the text). */
  file: string;
  original: string;
  mutant: string;
  reason: string;
}

/** The path of the table. */
export const TABLE_FILE = 'docs/mutation.md';

/** The cells of a Markdown table row, `\|` unescaped and code spans unwrapped. */
function cells(row: string): string[] {
  return row
    .trim()
    .replace(/^\||\|$/g, '')
    .split(/(?<!\\)\|/)
    .map((c) => c.trim().replace(/\\\|/g, '|'));
}

const unquote = (c: string): string => c.replace(/^`+ ?| ?`+$/g, '');

/** The rows of the Markdown table that follows `heading` in `doc`. */
export function tableRows(doc: string, heading: string): string[][] {
  const lines = doc.split('\n');
  const at = lines.findIndex((l) => l.trim() === heading);
  if (at < 0) return [];
  const rows: string[][] = [];
  let i = at + 1;
  while (i < lines.length && !lines[i].startsWith('|')) {
    if (lines[i].startsWith('#')) return rows;
    i++;
  }
  for (i += 2; i < lines.length && lines[i].startsWith('|'); i++) rows.push(cells(lines[i]));
  return rows;
}

/** The equivalent mutants listed in the document. */
export function equivalentMutants(doc: string): EquivalentMutant[] {
  return tableRows(doc, '## Equivalent mutants').map(([task, where, original, mutant, reason]) => ({
    task,
    file: where.replace(/`/g, '').split(':')[0],
    original: squash(unquote(original)),
    mutant: squash(unquote(mutant)),
    reason,
  }));
}

/** One task's row of the table. */
export interface TaskRow {
  task: string;
  mutants: number;
  killed: number;
  equivalent: number;
  survivors: number;
  /** killed / (mutants − equivalent), in percent (rounded down); null when that is 0 / 0. */
  score: number | null;
  measured: string;
}

/** Score a task's mutants. */
export function taskRow(task: string, reports: MutantReport[], measured: string): TaskRow {
  const count = (o: MutantReport['outcome']): number => reports.filter((r) => r.outcome === o).length;
  const [killed, equivalent, survivors] = [count('killed'), count('equivalent'), count('survived')];
  const live = reports.length - equivalent;
  return {
    task,
    mutants: reports.length,
    killed,
    equivalent,
    survivors,
    score: live === 0 ? null : Math.floor((1000 * killed) / live) / 10,
    measured,
  };
}

/** A row as Markdown. */
function rowText(r: TaskRow): string {
  return `| ${r.task} | ${r.mutants} | ${r.killed} | ${r.equivalent} | ${r.survivors} | ${r.score === null ? '–' : `${r.score}%`} | ${r.measured.replace(/\|/g, '\\|')} |`;
}

/** `doc` with the per-task table's rows for `rows`' tasks replaced (others kept), in course order. */
export function updateTable(doc: string, rows: TaskRow[]): string {
  const lines = doc.split('\n');
  const at = lines.findIndex((l) => l.trim() === '## Per task');
  if (at < 0) throw new Error(`${TABLE_FILE} has no "## Per task" section`);
  let head = at + 1;
  while (head < lines.length && !lines[head].startsWith('|')) head++;
  let end = head + 2;
  while (end < lines.length && lines[end].startsWith('|')) end++;
  const byTask = new Map(lines.slice(head + 2, end).map((l) => [cells(l)[0], l]));
  for (const r of rows) byTask.set(r.task, rowText(r));
  const body = [...byTask.keys()].sort(compareTasks).map((t) => byTask.get(t)!);
  return [...lines.slice(0, head + 2), ...body, ...lines.slice(end)].join('\n');
}

/** The commit the measurement was made on (`+` when the tree had changes), and the date. */
function measuredOn(root: string): string {
  const git = (...args: string[]): string => {
    try {
      return execFileSync('git', args, { cwd: root, encoding: 'utf8' }).trim();
    } catch {
      return '';
    }
  };
  const commit = git('rev-parse', '--short', 'HEAD') || 'unknown';
  // The table itself changes between the tasks of a run: it does not count.
  const dirty = git('status', '--porcelain', '--untracked-files=no', '--', '.', `:!${TABLE_FILE}`) !== '';
  return `${new Date().toISOString().slice(0, 10)} ${commit}${dirty ? '+' : ''}`;
}

/** Mutate `task`'s regions and run its tests on every mutant. */
export async function mutateTask(
  root: string,
  task: string,
  concurrency: number,
  equivalents: EquivalentMutant[],
  skip: string | null = null,
): Promise<MutantReport[]> {
  const ranges = solutionRanges(root, task);
  if (ranges.length === 0) return [];
  // Stryker 9 is an ES module: Node ≥ 20.19 loads it with require().
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { Stryker } = require('@stryker-mutator/core') as {
    Stryker: new (options: object) => { runMutationTest(): Promise<StrykerMutant[]> };
  };
  const tempDir = path.join('.tmp', 'stryker', `${process.pid}-${task}`);
  const stryker = new Stryker({
    mutate: ranges.map((r) => `${r.file}:${r.startLine}-${r.endLine}`),
    testRunner: 'mocha',
    // .mocharc.json gives the spec, the root hooks and the time-out; the grep picks the task.
    mochaOptions: { grep: testGrep(task, skip) },
    testRunnerNodeArgs: ['--expose-gc', '--enable-source-maps'],
    coverageAnalysis: 'perTest',
    concurrency,
    tempDirName: tempDir,
    cleanTempDir: true,
    // What the task's tests never read (node_modules and .git Stryker leaves out itself).
    ignorePatterns: ['/.venv', '/.tmp', '/out', '/site', '/.jupyter', '/notebooks', '/dist'],
    reporters: ['progress-append-only'],
    logLevel: 'warn',
    fileLogLevel: 'off',
    incremental: false,
    disableTypeChecks: false,
  });
  let results: StrykerMutant[];
  try {
    results = await stryker.runMutationTest();
  } finally {
    // Stryker removes its sandbox when it succeeds, not always when it fails. The folder is
    // this run's own, so runs side by side do not remove each other's.
    fs.rmSync(path.join(root, tempDir), { recursive: true, force: true });
  }
  const texts = new Map<string, string[]>();
  const linesOf = (file: string): string[] => {
    if (!texts.has(file)) texts.set(file, fs.readFileSync(file, 'utf8').split('\n'));
    return texts.get(file)!;
  };
  return results
    .map((m): MutantReport => {
      const file = path.relative(root, m.fileName).split(path.sep).join('/');
      const { line, column } = m.location.start;
      const range = ranges.find((r) => r.file === file && r.startLine <= line && line <= r.endLine);
      const original = slice(linesOf(path.join(root, file)), m.location);
      const mutant = m.replacement ?? '';
      const where = sourceLine(root, file, line, column);
      const detected = ['Killed', 'Timeout', 'RuntimeError', 'CompileError'].includes(m.status);
      const listed = equivalents.some(
        (e) =>
          e.task === task &&
          e.file === where.split(':')[0] &&
          e.original === squash(original) &&
          e.mutant === squash(mutant),
      );
      return {
        task,
        where,
        functionName: range?.functionName ?? '?',
        original,
        mutant,
        mutator: m.mutatorName,
        outcome: detected ? 'killed' : listed ? 'equivalent' : 'survived',
      };
    })
    .sort((a, b) => a.where.localeCompare(b.where, 'en', { numeric: true }));
}

async function main(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(MUTATION_USAGE);
    return 0;
  }
  const root = repoRoot();
  const opts = parseArgs(argv, loadCourse());
  if (!fs.existsSync(path.join(root, 'build', 'src')))
    throw new Error('mutation: no build/src: run `npm run build:test`');
  const docFile = path.join(root, TABLE_FILE);
  const doc = fs.existsSync(docFile) ? fs.readFileSync(docFile, 'utf8') : '';
  const equivalents = equivalentMutants(doc);
  const measured = measuredOn(root);
  const rows: TaskRow[] = [];
  const failed: string[] = [];
  for (const task of opts.tasks) {
    console.log(`\nTask ${task}: mutating its solution regions, running its tests...`);
    const started = Date.now();
    let reports: MutantReport[];
    try {
      reports = await mutateTask(root, task, opts.concurrency, equivalents, opts.skip);
    } catch (e) {
      // Stryker stops when a test fails or times out without mutants (a slow machine, say).
      console.log(`Task ${task}: not measured: ${(e as Error).message.split('\n')[0]}`);
      failed.push(task);
      continue;
    }
    const seconds = Math.round((Date.now() - started) / 1000);
    const row = taskRow(task, reports, opts.skip === null ? measured : `${measured}, without tests /${opts.skip}/`);
    rows.push(row);
    console.log(
      `Task ${task}: ${row.mutants} mutants, ${row.killed} killed, ${row.equivalent} equivalent, ` +
        `${row.survivors} survived: score ${row.score === null ? '–' : `${row.score}%`} (${seconds} s)`,
    );
    for (const r of reports.filter((x) => x.outcome !== 'killed')) {
      const tag = r.outcome === 'equivalent' ? 'equivalent' : 'SURVIVED  ';
      console.log(
        `  ${tag} ${r.where} (${r.functionName}) \`${squash(r.original)}\` -> \`${squash(r.mutant)}\` [${r.mutator}]`,
      );
    }
  }
  if (opts.writeTable) {
    if (!doc) throw new Error(`mutation: ${TABLE_FILE} is missing`);
    // Read again: the file may have been edited while the tasks ran.
    fs.writeFileSync(docFile, updateTable(fs.readFileSync(docFile, 'utf8'), rows));
    console.log(`\nwrote ${TABLE_FILE} (rows of ${rows.map((r) => r.task).join(', ')})`);
  }
  return failed.length > 0 || rows.some((r) => r.survivors > 0) ? 1 : 0;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => (process.exitCode = code),
    (e: unknown) => {
      process.stderr.write(`${(e as Error).message}\n${e instanceof UsageError ? `\n${MUTATION_USAGE}` : ''}`);
      process.exitCode = exitStatus(e);
    },
  );
}
