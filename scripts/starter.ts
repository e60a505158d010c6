/**
 * `npm run starter -- <dir>`: write the student repository.
 *
 * The same tree as this one (git-tracked files plus untracked files git does not ignore),
 * with every solution region in `src/` replaced by a stub that throws
 * `NotImplementedError("Task 1.3: …")`, notebook outputs cleared, tests unchanged, and the
 * instructor-only tooling listed in `course.json` (`starter.exclude`) left out.
 *
 * @packageDocumentation
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { loadCourse, repoRoot } from './course';
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
  return file.startsWith('src/') && file.endsWith('.ts') && !file.endsWith('.d.ts');
}

/** A notebook's JSON with every code cell's outputs and execution count cleared. */
export function clearNotebookOutputs(json: string): string {
  const nb = JSON.parse(json) as { cells: Array<{ cell_type: string; outputs?: unknown[]; execution_count?: unknown; metadata?: Record<string, unknown> }> };
  for (const cell of nb.cells) {
    if (cell.cell_type !== 'code') continue;
    cell.outputs = [];
    cell.execution_count = null;
    // Timing metadata written by nbclient would date the starter: drop it too.
    if (cell.metadata) delete cell.metadata.execution;
  }
  return `${JSON.stringify(nb, null, 1)}\n`;
}

/** Drop npm scripts that run excluded files (`node build/scripts/starter.js` …). */
function starterPackageJson(json: string, excluded: string[]): string {
  const pkg = JSON.parse(json) as { scripts?: Record<string, string> };
  const stems = excluded.filter((f) => f.startsWith('scripts/')).map((f) => f.replace(/\.ts$/, ''));
  for (const [name, command] of Object.entries(pkg.scripts ?? {})) {
    if (stems.some((s) => command.includes(`${s}.js`) || command.includes(`${s}.ts`))) delete pkg.scripts![name];
  }
  return `${JSON.stringify(pkg, null, 2)}\n`;
}

/**
 * Write the starter repository of `root` into `target` (which must be empty or absent).
 * Throws, writing nothing, when a solution marker is misplaced.
 */
export function writeStarter(target: string, root = repoRoot()): StarterSummary {
  const course = loadCourse(path.join(root, 'course.json'));
  const known = new Set(Object.keys(course.tasks));
  const excluded = new Set(course.starter.exclude);
  const absTarget = path.resolve(target);
  if (fs.existsSync(absTarget) && fs.readdirSync(absTarget).length > 0) {
    throw new Error(`starter: ${absTarget} is not empty`);
  }
  const files = repoFiles(root).filter((f) => !excluded.has(f));

  // Transform everything first, so a marker problem leaves nothing half-written.
  const outputs = new Map<string, string | null>(); // null: copy the file as is
  const summary: StarterSummary = { files: [], stubbedFiles: [], regions: 0, notebooks: [] };
  const problems: string[] = [];
  for (const f of files) {
    const abs = path.join(root, f);
    if (isLibrarySource(f)) {
      const text = fs.readFileSync(abs, 'utf8');
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
      outputs.set(f, clearNotebookOutputs(fs.readFileSync(abs, 'utf8')));
      summary.notebooks.push(f);
    } else if (f === 'package.json') {
      outputs.set(f, starterPackageJson(fs.readFileSync(abs, 'utf8'), [...excluded]));
    } else {
      outputs.set(f, null);
    }
  }
  if (problems.length > 0) throw new Error(`starter: misplaced solution markers:\n${problems.join('\n')}`);

  for (const [f, text] of outputs) {
    const dest = path.join(absTarget, f);
    fs.mkdirSync(path.dirname(dest), { recursive: true });
    if (text === null) fs.copyFileSync(path.join(root, f), dest);
    else fs.writeFileSync(dest, text, { mode: fs.statSync(path.join(root, f)).mode });
    summary.files.push(f);
  }
  return summary;
}

function main(argv: string[]): void {
  const target = argv.find((a) => !a.startsWith('-'));
  if (target === undefined || argv.includes('--help')) {
    console.log('usage: npm run starter -- <dir>   (writes the student repository into <dir>)');
    process.exitCode = target === undefined ? 1 : 0;
    return;
  }
  const s = writeStarter(target);
  console.log(
    `starter: wrote ${s.files.length} files to ${path.resolve(target)}; ` +
      `${s.regions} solution bodies stubbed in ${s.stubbedFiles.length} files, ` +
      `${s.notebooks.length} notebooks cleared`,
  );
  console.log(`next: cd ${target} && git init && npm install && npm run build`);
}

if (require.main === module) {
  try {
    main(process.argv.slice(2));
  } catch (e) {
    console.error((e as Error).message);
    process.exitCode = 1;
  }
}
