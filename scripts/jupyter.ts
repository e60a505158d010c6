/**
 * The project's Jupyter: which Python has it, the "MiniTorch (TypeScript)" kernelspec that
 * runs the project's own tslab, and headless execution of a notebook through nbclient (the
 * machinery behind `npm run kernel`, `npm run notebooks` and the notebook tests).
 *
 * @packageDocumentation
 */
import { spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { repoRoot } from './course';

const ROOT = repoRoot();

/** Name of the kernelspec (the folder under `kernels/`), as notebooks' metadata names it. */
export const KERNEL_NAME = 'minitorch';
/** What Jupyter's kernel menus show. */
export const KERNEL_DISPLAY_NAME = 'MiniTorch (TypeScript)';
/** The kernelspec entry of every course notebook's metadata. */
export const KERNELSPEC = { name: KERNEL_NAME, display_name: KERNEL_DISPLAY_NAME, language: 'typescript' };

/** The project's tslab (node_modules/.bin), so the kernel matches package-lock, not a global install. */
export const TSLAB_BIN = path.join(ROOT, 'node_modules', '.bin', process.platform === 'win32' ? 'tslab.cmd' : 'tslab');

const SETUP_HINT =
  'run `npm run setup:jupyter` (creates .venv/ with jupyterlab, nbclient and nbconvert), or set MINITORCH_PYTHON to a Python that has them';

/**
 * The Python to run Jupyter with: $MINITORCH_PYTHON if set, else the project's `.venv`
 * (made by `npm run setup:jupyter`), else `python3` on PATH (e.g. an activated conda env).
 */
export function findPython(): string {
  if (process.env.MINITORCH_PYTHON) return process.env.MINITORCH_PYTHON;
  const venv = path.join(ROOT, '.venv', process.platform === 'win32' ? 'Scripts/python.exe' : 'bin/python');
  return fs.existsSync(venv) ? venv : 'python3';
}

/** Throw an error that says how to install Jupyter unless `python` can import nbclient and nbformat. */
export function checkJupyter(python: string): void {
  const r = spawnSync(python, ['-c', 'import nbclient, nbformat, jupyter_client'], { encoding: 'utf8' });
  if (r.error) throw new Error(`no Python at "${python}" (${r.error.message}): ${SETUP_HINT}`);
  if (r.status !== 0) throw new Error(`"${python}" has no Jupyter (import nbclient failed): ${SETUP_HINT}`);
}

/** Where to install the kernelspec: the user's Jupyter (default) or `<prefix>/share/jupyter`. */
export interface KernelInstallOptions {
  /** The Python whose jupyter_client installs the spec. */
  python: string;
  /** Install under `<prefix>/share/jupyter/kernels/` instead of the user's registry. */
  prefix?: string;
}

/** Loaded into the kernel: shows a cell's error without tslab's internal stack frames. */
export const KERNEL_ERRORS_SCRIPT = path.join(ROOT, 'scripts', 'kernelErrors.js');
/** Loaded into the kernel: the status stays "busy" while queued cells wait (Run All). */
export const KERNEL_STATUS_SCRIPT = path.join(ROOT, 'scripts', 'kernelStatus.js');

/**
 * Node options of the kernel: `--enable-source-maps`, so a stack trace from the library names
 * the student's `src/*.ts` lines (dist/ carries the .js.map files) instead of compiled
 * `dist/*.js` ones, and a `--require` of each script (`scripts/kernelErrors.js`,
 * `scripts/kernelStatus.js`), quoted, with forward slashes: NODE_OPTIONS reads a backslash
 * as an escape.
 */
export function kernelNodeOptions(scripts: string | string[] = [KERNEL_ERRORS_SCRIPT, KERNEL_STATUS_SCRIPT]): string {
  const requires = (Array.isArray(scripts) ? scripts : [scripts]).map(
    (s) => `--require ${JSON.stringify(s.replace(/\\/g, '/'))}`,
  );
  return ['--enable-source-maps', ...requires].join(' ');
}

/** The MiniTorch kernelspec made from the one `tslab install` wrote: our name, our Node options. */
export function kernelSpecJson(
  tslabSpec: { env?: Record<string, string> } & Record<string, unknown>,
): Record<string, unknown> {
  return {
    ...tslabSpec,
    display_name: KERNEL_DISPLAY_NAME,
    env: { ...tslabSpec.env, NODE_OPTIONS: kernelNodeOptions() },
  };
}

/**
 * Register the kernelspec `minitorch` ("MiniTorch (TypeScript)") that starts the project's
 * tslab. `tslab install` writes its spec into a scratch prefix; we rename it and install
 * only that one, so the user's own `tslab`/`jslab` kernels are left alone. Returns the
 * installed kernelspec folder.
 */
export function installKernel(options: KernelInstallOptions): string {
  if (!fs.existsSync(TSLAB_BIN)) throw new Error(`no ${TSLAB_BIN}: run \`npm ci\` first`);
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'minitorch-kernel-'));
  try {
    const made = spawnSync(
      TSLAB_BIN,
      ['install', `--python=${options.python}`, `--prefix=${scratch}`, `--binary=${TSLAB_BIN}`],
      { encoding: 'utf8' },
    );
    if (made.status !== 0) throw new Error(`tslab install failed (${SETUP_HINT}):\n${made.stdout}${made.stderr}`);
    const spec = JSON.parse(fs.readFileSync(path.join(scratch, 'share/jupyter/kernels/tslab/kernel.json'), 'utf8'));
    const specDir = path.join(scratch, KERNEL_NAME);
    fs.mkdirSync(specDir);
    fs.writeFileSync(path.join(specDir, 'kernel.json'), JSON.stringify(kernelSpecJson(spec), null, 1));
    const install = [
      'import sys',
      'from jupyter_client.kernelspec import KernelSpecManager',
      'src, name, prefix = sys.argv[1:4]',
      'print(KernelSpecManager().install_kernel_spec(src, name, user=not prefix, prefix=prefix or None, replace=True))',
    ].join('\n');
    const r = spawnSync(options.python, ['-c', install, specDir, KERNEL_NAME, options.prefix ?? ''], {
      encoding: 'utf8',
    });
    if (r.status !== 0) throw new Error(`installing the kernelspec failed (${SETUP_HINT}):\n${r.stderr}`);
    return r.stdout.trim();
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

/**
 * A throw-away Jupyter data folder holding only the MiniTorch kernelspec: pass `jupyterPath`
 * as JUPYTER_PATH so nothing is read from or written to the user's kernel registry.
 */
export function tempKernel(python: string): { jupyterPath: string; remove(): void } {
  const prefix = fs.mkdtempSync(path.join(os.tmpdir(), 'minitorch-jupyter-'));
  const remove = () => fs.rmSync(prefix, { recursive: true, force: true });
  try {
    installKernel({ python, prefix });
  } catch (e) {
    remove();
    throw e;
  }
  return { jupyterPath: path.join(prefix, 'share', 'jupyter'), remove };
}

/** One output of a code cell, as nbformat stores it. */
export interface CellOutput {
  output_type: string;
  name?: string;
  text?: string | string[];
  data?: Record<string, unknown>;
  ename?: string;
  evalue?: string;
  traceback?: string[];
}

/** One cell of an nbformat 4 notebook. */
export interface NotebookCell {
  id: string;
  cell_type: 'markdown' | 'code' | 'raw';
  metadata: Record<string, unknown>;
  source: string | string[];
  outputs?: CellOutput[];
  execution_count?: number | null;
}

/** An nbformat 4 notebook. */
export interface Notebook {
  nbformat: number;
  nbformat_minor: number;
  metadata: Record<string, unknown>;
  cells: NotebookCell[];
}

/** nbformat allows a multi-line string to be stored as a list of lines. */
export function joinText(text: string | string[] | undefined): string {
  return Array.isArray(text) ? text.join('') : (text ?? '');
}

/** What running a notebook produced. */
export interface ExecutionResult {
  /** The executed notebook (with outputs). */
  notebook: Notebook;
  /** The kernel's reply status per code cell index: `ok`, `error` or `abort`. */
  statuses: Record<number, string>;
  /** Wall time of the execution, kernel start included. */
  seconds: number;
}

/** How to run a notebook. */
export interface ExecuteOptions {
  python: string;
  /** JUPYTER_PATH holding the MiniTorch kernelspec (see `tempKernel`). */
  jupyterPath: string;
  /** The kernel's working directory: `notebooks/`, where the notebooks live. */
  cwd?: string;
  /** Per-cell time limit in seconds (default 600). */
  cellTimeout?: number;
}

/**
 * Execute `input` through Jupyter (nbclient, the MiniTorch kernel) and write the executed
 * notebook to `output`. Every cell runs even when one fails, so the result shows all
 * outputs; use `notebookFailures` to find the failed cells. Rejects if the kernel cannot run.
 */
export function executeNotebook(input: string, output: string, options: ExecuteOptions): Promise<ExecutionResult> {
  const report = `${output}.report.json`;
  const args = [
    path.join(ROOT, 'scripts', 'execute_notebook.py'),
    input,
    output,
    `--kernel=${KERNEL_NAME}`,
    `--cwd=${options.cwd ?? path.join(ROOT, 'notebooks')}`,
    `--timeout=${options.cellTimeout ?? 600}`,
    `--report=${report}`,
  ];
  const env = {
    ...process.env,
    JUPYTER_PATH: [options.jupyterPath, process.env.JUPYTER_PATH].filter(Boolean).join(path.delimiter),
    JUPYTER_PLATFORM_DIRS: '1', // silences jupyter_core's warning about its future paths
  };
  return new Promise((resolve, reject) => {
    const child = spawn(options.python, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let log = '';
    child.stdout.on('data', (chunk) => (log += chunk));
    child.stderr.on('data', (chunk) => (log += chunk));
    child.on('error', (e) => reject(new Error(`could not run ${options.python}: ${e.message}; ${SETUP_HINT}`)));
    child.on('close', (code) => {
      if (code !== 0 || !fs.existsSync(report)) {
        reject(new Error(`executing ${input} failed (exit ${code}):\n${log.slice(-4000)}`));
        return;
      }
      const { statuses, seconds } = JSON.parse(fs.readFileSync(report, 'utf8'));
      fs.rmSync(report);
      resolve({ notebook: JSON.parse(fs.readFileSync(output, 'utf8')), statuses, seconds });
    });
  });
}

/** A stack trace line of Node (`    at f (file:1:2)`) or an error tslab reports outside a cell. */
const TRACEBACK = /^\s+at .+|UnhandledPromiseRejection|UncaughtException/m;

/**
 * Everything that went wrong in an executed notebook, one message per problem: a cell whose
 * execution failed (tslab reports compile and runtime errors on stderr with status `error`),
 * cells skipped after it, `error` outputs, and stack traces written to stderr.
 */
export function notebookFailures(result: Pick<ExecutionResult, 'notebook' | 'statuses'>): string[] {
  const failures: string[] = [];
  const aborted: number[] = [];
  result.notebook.cells.forEach((cell, index) => {
    if (cell.cell_type !== 'code') return;
    const status = result.statuses[index];
    const stderr = (cell.outputs ?? [])
      .filter((o) => o.output_type === 'stream' && o.name === 'stderr')
      .map((o) => joinText(o.text))
      .join('');
    const errors = (cell.outputs ?? []).filter((o) => o.output_type === 'error');
    const where = `cell ${index} (${joinText(cell.source).split('\n')[0].slice(0, 70)})`;
    if (status === 'abort') aborted.push(index);
    else if (status !== 'ok')
      failures.push(
        `${where} failed (${status ?? 'not run'}):\n${stderr.trim() || '(no message: tslab shows a type error with an empty message)'}`,
      );
    else if (TRACEBACK.test(stderr)) failures.push(`${where} wrote a stack trace to stderr:\n${stderr.trim()}`);
    for (const e of errors) failures.push(`${where} raised ${e.ename}: ${e.evalue}`);
  });
  if (aborted.length > 0)
    failures.push(`cells ${aborted.join(', ')} did not run (the kernel stops after a failed cell)`);
  return failures;
}
