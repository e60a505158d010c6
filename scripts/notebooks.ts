/**
 * `npm run notebooks [-- name ...]`: build `notebooks/<name>.ipynb` from
 * `notebooks/src/<name>.md` and execute it through Jupyter with the MiniTorch kernel, so the
 * committed notebook carries its outputs (charts included). All notebooks by default; two
 * run at a time. A notebook with a failing cell is reported and left unchanged.
 *
 * @packageDocumentation
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { repoRoot } from './course';
import { ExecutionResult, checkJupyter, executeNotebook, findPython, notebookFailures, tempKernel } from './jupyter';
import { buildNotebook } from './notebookSource';

const ROOT = repoRoot();
/** Where notebooks live (and run: the kernel's working directory). */
export const NOTEBOOK_DIR = path.join(ROOT, 'notebooks');
/** Where their Markdown sources live. */
export const SOURCE_DIR = path.join(NOTEBOOK_DIR, 'src');

/** Names of all notebook sources (`module0` for notebooks/src/module0.md), sorted. */
export function notebookNames(): string[] {
  if (!fs.existsSync(SOURCE_DIR)) return [];
  return fs
    .readdirSync(SOURCE_DIR)
    .filter((f) => f.endsWith('.md'))
    .map((f) => f.slice(0, -3))
    .sort();
}

/** Run `task` on each item, at most `limit` at a time; results in input order. */
export async function mapLimit<T, R>(items: T[], limit: number, task: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await task(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/** Options of `runNotebook`. */
export interface RunNotebookOptions {
  python: string;
  jupyterPath: string;
  /** Folder for the built and executed copies. */
  workDir: string;
  /**
   * The repository whose `notebooks/src/<name>.md` is built and whose `notebooks/` the kernel
   * runs in (so `import "minitorch"` loads that repository's build): this one by default, a
   * generated starter repository in its tests.
   */
  root?: string;
}

/**
 * Build notebook `name` from its Markdown into `workDir` and execute it there (the kernel
 * still runs in notebooks/, like a student's). Returns the result and the executed file.
 */
export async function runNotebook(
  name: string,
  options: RunNotebookOptions,
): Promise<ExecutionResult & { file: string }> {
  const notebookDir = options.root === undefined ? NOTEBOOK_DIR : path.join(options.root, 'notebooks');
  const built = path.join(options.workDir, `${name}.built.ipynb`);
  const file = path.join(options.workDir, `${name}.ipynb`);
  const markdown = fs.readFileSync(path.join(notebookDir, 'src', `${name}.md`), 'utf8');
  fs.writeFileSync(built, JSON.stringify(buildNotebook(markdown), null, 1) + '\n');
  const result = await executeNotebook(built, file, {
    python: options.python,
    jupyterPath: options.jupyterPath,
    cwd: notebookDir,
  });
  return { ...result, file };
}

async function main(argv: string[]): Promise<number> {
  const all = notebookNames();
  const flag = argv.find((a) => a.startsWith('-'));
  if (flag !== undefined) {
    console.error(`notebooks: unknown option ${flag} (usage: npm run notebooks [-- name ...])`);
    return 2;
  }
  const names = argv.length > 0 ? argv : all;
  const unknown = names.filter((n) => !all.includes(n));
  if (unknown.length > 0) {
    console.error(`notebooks: no notebooks/src/${unknown[0]}.md (sources: ${all.join(', ') || 'none'})`);
    return 2;
  }
  const python = findPython();
  checkJupyter(python);
  const kernel = tempKernel(python);
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'minitorch-notebooks-'));
  let failed = 0;
  try {
    await mapLimit(names, 2, async (name) => {
      try {
        const result = await runNotebook(name, { python, jupyterPath: kernel.jupyterPath, workDir });
        const failures = notebookFailures(result);
        if (failures.length > 0) {
          failed++;
          console.error(
            `notebooks: ${name} FAILED, notebooks/${name}.ipynb left unchanged:\n  ${failures.join('\n  ')}`,
          );
          return;
        }
        fs.copyFileSync(result.file, path.join(NOTEBOOK_DIR, `${name}.ipynb`));
        console.log(
          `notebooks: ${name}.ipynb executed in ${result.seconds.toFixed(1)} s (${result.notebook.cells.length} cells)`,
        );
      } catch (e) {
        failed++;
        console.error(`notebooks: ${name} FAILED: ${(e as Error).message}`);
      }
    });
  } finally {
    kernel.remove();
    fs.rmSync(workDir, { recursive: true, force: true });
  }
  return failed > 0 ? 1 : 0;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => (process.exitCode = code),
    (e: Error) => {
      console.error(`notebooks: ${e.message}`);
      process.exitCode = 1;
    },
  );
}
