/**
 * The student's first contact: the starter repository's notebooks, untouched, run to their
 * last cell through Jupyter on the tslab kernel. A cell that needs an unwritten exercise
 * prints one "Task 1.3 is not done yet: …" line, every check prints its TODO table, nothing
 * shows a stack trace or a tslab-internal frame, and an error thrown in a cell names the
 * student's `src/*.ts` line (source maps in the kernel).
 *
 * The starter is generated once into a temporary folder and only its library is compiled;
 * its notebooks run two at a time. Unwritten tasks skip every training loop at once, so the
 * five notebooks take seconds each.
 */
import { expect } from 'chai';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { checkedTasks } from '../src/course/checks';
import { repoRoot } from '../scripts/course';
import {
  ExecutionResult,
  Notebook,
  checkJupyter,
  executeNotebook,
  findPython,
  joinText,
  notebookFailures,
  tempKernel,
} from '../scripts/jupyter';
import { buildNotebook } from '../scripts/notebookSource';
import { mapLimit } from '../scripts/notebooks';
import { writeStarter } from '../scripts/starter';

const ROOT = repoRoot();
/** The line `whenDone` prints for an unwritten exercise. */
const NOT_DONE = /^Task (\d+\.\d+) is not done yet: write \S+ in src\/[\w/]+\.ts \(BEGIN SOLUTION \1\)/m;

/**
 * Give the starter this repository's packages without `npm install`: a real node_modules
 * folder of links to ours, except `minitorch`, which must link to the starter itself (a
 * link to our node_modules folder would resolve `minitorch` to the solution's build).
 */
function linkPackages(dir: string): void {
  const modules = path.join(dir, 'node_modules');
  fs.mkdirSync(modules);
  for (const entry of fs.readdirSync(path.join(ROOT, 'node_modules'))) {
    if (entry === 'minitorch') continue;
    fs.symlinkSync(path.join(ROOT, 'node_modules', entry), path.join(modules, entry), 'junction');
  }
  fs.symlinkSync('..', path.join(modules, 'minitorch'), 'junction');
}

/** Every text a cell showed: streams, errors, and each output's text and HTML. */
function cellTexts(notebook: Notebook): Array<{ index: number; source: string; text: string }> {
  return notebook.cells.flatMap((cell, index) => {
    if (cell.cell_type !== 'code') return [];
    const text = (cell.outputs ?? [])
      .map((o) =>
        [
          joinText(o.text),
          o.ename ?? '',
          o.evalue ?? '',
          ...(o.traceback ?? []),
          ...Object.values(o.data ?? {}).map((v) =>
            typeof v === 'string' || Array.isArray(v) ? joinText(v as string | string[]) : JSON.stringify(v),
          ),
        ].join('\n'),
      )
      .join('\n');
    return [{ index, source: joinText(cell.source), text }];
  });
}

describe('Course tooling starter notebooks run to the end on the untouched starter', function () {
  this.timeout(15 * 60_000);
  let tmp = ''; // the mkdtemp folder we own; only it is ever deleted
  let dir = '';
  let removeKernel = () => {};
  let python = '';
  let jupyterPath = '';
  const names: string[] = [];
  const results = new Map<string, ExecutionResult | Error>();

  before(async () => {
    python = findPython();
    checkJupyter(python); // fails (not skips) without Jupyter, saying how to install it
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'minitorch-starter-notebooks-'));
    dir = path.join(tmp, 'repo');
    writeStarter(dir);
    linkPackages(dir);
    const tsc = spawnSync(
      process.execPath,
      [path.join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json'],
      { cwd: dir, encoding: 'utf8' },
    );
    if (tsc.status !== 0) throw new Error(`the starter does not build:\n${tsc.stdout}${tsc.stderr}`);
    const wasm = spawnSync(process.execPath, ['scripts/build-wasm.js', 'dist'], { cwd: dir, encoding: 'utf8' });
    if (wasm.status !== 0) throw new Error(`the starter's wasm build failed:\n${wasm.stdout}${wasm.stderr}`);
    const kernel = tempKernel(python);
    removeKernel = kernel.remove;
    jupyterPath = kernel.jupyterPath;
    // The notebooks the student opens: the starter's own .ipynb files (outputs cleared), not
    // their Markdown sources, which stay with the instructor.
    const notebookDir = path.join(dir, 'notebooks');
    names.push(
      ...fs
        .readdirSync(notebookDir)
        .filter((f) => f.endsWith('.ipynb'))
        .map((f) => f.slice(0, -'.ipynb'.length))
        .sort(),
    );
    await mapLimit(names, 2, async (name) => {
      try {
        const out = path.join(tmp, `${name}.ipynb`);
        const input = path.join(notebookDir, `${name}.ipynb`);
        results.set(name, await executeNotebook(input, out, { python, jupyterPath, cwd: notebookDir }));
      } catch (e) {
        results.set(name, e as Error);
      }
    });
  });

  after(() => {
    removeKernel();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  const resultOf = (name: string): ExecutionResult => {
    const result = results.get(name);
    if (result instanceof Error) throw result;
    if (!result) throw new Error(`${name} was not executed`);
    return result;
  };

  it('Course tooling the starter has the five module notebooks', () => {
    expect(names).to.deep.equal(['module0', 'module1', 'module2', 'module3', 'module4']);
  });

  for (const name of ['module0', 'module1', 'module2', 'module3', 'module4']) {
    it(`Course tooling starter ${name}: every cell runs, with no error output, stack trace or tslab frame`, () => {
      const result = resultOf(name);
      const failures = notebookFailures(result);
      expect(failures, failures.join('\n')).to.deep.equal([]);
      for (const cell of cellTexts(result.notebook)) {
        expect(cell.text, `cell ${cell.index}`).to.not.match(/tslab[/\\]dist|\n\s+at \S/);
      }
    });

    it(`Course tooling starter ${name}: each cell that needs an unwritten task prints one "not done yet" line`, () => {
      const cells = cellTexts(resultOf(name).notebook).filter((c) => /\bwhenDone\(/.test(c.source));
      expect(cells.length, 'cells using whenDone').to.be.greaterThan(0);
      for (const cell of cells) {
        // Module 3's GPU cells print "skipped: no GPU adapter" instead on a machine without one.
        const said = NOT_DONE.test(cell.text) || /^skipped: no GPU adapter/m.test(cell.text);
        expect(said, `cell ${cell.index}:\n${cell.source}\nprinted:\n${cell.text}`).to.equal(true);
      }
    });

    it(`Course tooling starter ${name}: each checkTask cell shows its table with every check TODO`, () => {
      const cells = cellTexts(resultOf(name).notebook).filter((c) => /grading\.checkTask\(/.test(c.source));
      expect(cells.length, 'checkTask cells').to.be.greaterThan(0);
      for (const cell of cells) {
        const task = /checkTask\("(\d+\.\d+)"\)/.exec(cell.source)?.[1];
        // A task without checks (none in src/checks) prints a line instead of a table.
        if (task === undefined || !checkedTasks().includes(task)) continue;
        expect(cell.text, `cell ${cell.index} (Task ${task})`).to.include(`data-task="${task}" data-ok="false"`);
        expect(cell.text, `cell ${cell.index} (Task ${task})`).to.include('>TODO<');
        expect(
          cell.text,
          `cell ${cell.index} (Task ${task}): a check fails for another reason than an unwritten task`,
        ).to.not.include('>FAIL<');
      }
    });
  }

  it('Course tooling an error thrown in a kernel cell names the src/*.ts line of the starter, without tslab frames', async () => {
    const input = path.join(tmp, 'throws.md.ipynb');
    const output = path.join(tmp, 'throws.ipynb');
    const source = '```ts\nimport * as minitorch from "minitorch";\nminitorch.operators.mul(2, 3);\n```\n';
    fs.writeFileSync(input, JSON.stringify(buildNotebook(source)));
    const result = await executeNotebook(input, output, { python, jupyterPath, cwd: path.join(dir, 'notebooks') });
    const text = cellTexts(result.notebook)
      .map((c) => c.text)
      .join('\n');
    expect(text).to.match(/NotImplementedError: Task 0\.1: mul/);
    expect(text).to.match(/src\/operators\.ts:\d+:\d+/);
    expect(text).to.not.match(/dist\/operators\.js/);
    expect(text, 'the kernel hides its own frames (scripts/kernelErrors.js)').to.not.match(/tslab[/\\]dist|node:vm/);
  });
});
