/**
 * Notebook pipeline: notebooks are authored as Markdown (notebooks/src/<name>.md), built into
 * notebooks/<name>.ipynb and executed through real Jupyter (nbclient) on the project's tslab
 * kernel. These tests build and run every source in a scratch copy and fail on any failing
 * cell, check that the committed notebooks are up to date with their sources and executed,
 * and that charts carry both the interactive vega-lite spec and a static SVG.
 *
 * Without Jupyter the execution tests FAIL with a message saying how to install it
 * (`npm run setup:jupyter`): a skipped notebook check would hide broken notebooks.
 */
import { expect } from 'chai';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { loadCourse, repoRoot } from '../scripts/course';
import {
  ExecutionResult,
  KERNELSPEC,
  Notebook,
  checkJupyter,
  findPython,
  joinText,
  notebookFailures,
  tempKernel,
} from '../scripts/jupyter';
import { buildNotebook, markdownToCells, notebookCells } from '../scripts/notebookSource';
import { NOTEBOOK_DIR, SOURCE_DIR, mapLimit, notebookNames, runNotebook } from '../scripts/notebooks';

const VEGA_LITE_MIME = 'application/vnd.vegalite.v5+json';
const SVG_MIME = 'image/svg+xml';

/** Problems with the chart outputs of a notebook; `expectCharts` when its code calls `show(`. */
function chartProblems(notebook: Notebook, expectCharts: boolean): string[] {
  const problems: string[] = [];
  let charts = 0;
  notebook.cells.forEach((cell, index) => {
    for (const output of cell.outputs ?? []) {
      const data = output.data ?? {};
      if (!(VEGA_LITE_MIME in data)) continue;
      charts++;
      const spec = data[VEGA_LITE_MIME] as { $schema?: unknown } | string;
      if (typeof spec !== 'object' || spec === null)
        problems.push(`cell ${index}: the vega-lite output is a ${typeof spec}, not a JSON object`);
      else if (!String(spec.$schema).includes('vega-lite/v5'))
        problems.push(`cell ${index}: the vega-lite spec's $schema is ${String(spec.$schema)}, not v5`);
      if (!/<svg[\s>]/.test(joinText(data[SVG_MIME] as string | string[] | undefined))) {
        problems.push(
          `cell ${index}: a vega-lite output without its ${SVG_MIME} rendering (GitHub would show nothing)`,
        );
      }
    }
  });
  if (expectCharts && charts === 0) problems.push('the notebook calls show(...) but has no vega-lite output');
  return problems;
}

/** Whether a notebook's code draws charts with `show(`. */
function callsShow(markdown: string): boolean {
  return markdownToCells(markdown).some((c) => c.cell_type === 'code' && /\bshow\(/.test(c.source));
}

const readSource = (name: string) => fs.readFileSync(path.join(SOURCE_DIR, `${name}.md`), 'utf8');

describe('Notebook sources: Markdown to notebook cells', () => {
  it('Notebook sources: ```ts blocks become code cells, the text between them markdown cells', () => {
    const md = '# Title\n\nSome text.\n\n```ts\nconst x = 1;\n\nconsole.log(x);\n```\n\nMore text.\n```ts\nx\n```\n';
    expect(markdownToCells(md)).to.deep.equal([
      { cell_type: 'markdown', source: '# Title\n\nSome text.' },
      { cell_type: 'code', source: 'const x = 1;\n\nconsole.log(x);' },
      { cell_type: 'markdown', source: 'More text.' },
      { cell_type: 'code', source: 'x' },
    ]);
  });

  it('Notebook sources: other fences (```typescript, ```bash, ````) stay in the markdown as displayed code', () => {
    const md =
      'Run:\n\n```bash\nnpm test\n```\n\n````md\n```ts\nnot a cell\n```\n````\n\n```typescript\nshown only\n```';
    expect(markdownToCells(md)).to.deep.equal([{ cell_type: 'markdown', source: md }]);
  });

  it('Notebook sources: an unclosed ```ts block is an error naming its line', () => {
    expect(() => markdownToCells('text\n\n```ts\nconst x = 1;\n')).to.throw(/line 3: the ```ts block is never closed/);
  });

  it('Notebook sources: nbformat 4.5 with the MiniTorch kernel and stable, unique cell ids', () => {
    const md = '# A\n\n```ts\n1\n```\n\n```ts\n1\n```\n';
    const nb = buildNotebook(md);
    expect([nb.nbformat, nb.nbformat_minor]).to.deep.equal([4, 5]);
    expect(nb.metadata.kernelspec).to.deep.equal(KERNELSPEC);
    const ids = nb.cells.map((c) => c.id);
    expect(new Set(ids).size).to.equal(3);
    ids.forEach((id) => expect(id).to.match(/^[a-zA-Z0-9-_]{1,64}$/));
    expect(buildNotebook(md).cells.map((c) => c.id)).to.deep.equal(ids);
    expect(nb.cells[1]).to.deep.include({ cell_type: 'code', execution_count: null, outputs: [] });
  });

  it('Notebook failures: failed and skipped cells, error outputs and stderr stack traces are caught; warnings are not', () => {
    const cell = (source: string, outputs: object[]) => ({
      id: source,
      cell_type: 'code',
      metadata: {},
      source,
      outputs,
    });
    const notebook = {
      nbformat: 4,
      nbformat_minor: 5,
      metadata: {},
      cells: [
        cell('ok()', [{ output_type: 'stream', name: 'stderr', text: 'just a warning\n' }]),
        cell('late()', [
          { output_type: 'stream', name: 'stderr', text: 'UnhandledPromiseRejection: Error: x\n    at f (a.js:1:1)\n' },
        ]),
        cell('bad()', [
          { output_type: 'stream', name: 'stderr', text: "1:7 - Type 'string' is not assignable to type 'number'.\n" },
        ]),
        cell('after()', []),
      ],
    } as Notebook;
    const failures = notebookFailures({ notebook, statuses: { 0: 'ok', 1: 'ok', 2: 'error', 3: 'abort' } });
    expect(failures).to.have.length(3);
    expect(failures[0]).to.match(/cell 1 \(late\(\)\) wrote a stack trace/);
    expect(failures[1]).to.match(/cell 2 \(bad\(\)\) failed \(error\):\n1:7 - Type 'string'/);
    expect(failures[2]).to.match(/cells 3 did not run/);
  });
});

describe('Notebook committed notebooks match their sources', () => {
  it('Notebook sources exist in notebooks/src/', () => {
    expect(notebookNames(), 'no notebooks/src/*.md').not.to.have.length(0);
  });

  for (const name of notebookNames()) {
    const rebuild = `rebuild it with \`npm run notebooks -- ${name}\``;

    it(`Notebook ${name}: notebooks/${name}.ipynb is built from notebooks/src/${name}.md and executed`, () => {
      const file = path.join(NOTEBOOK_DIR, `${name}.ipynb`);
      expect(fs.existsSync(file), `notebooks/${name}.ipynb is missing: ${rebuild}`).to.equal(true);
      const committed = JSON.parse(fs.readFileSync(file, 'utf8')) as Notebook;
      const markdown = readSource(name);
      expect(notebookCells(committed), `notebooks/${name}.ipynb differs from its source: ${rebuild}`).to.deep.equal(
        notebookCells(buildNotebook(markdown)),
      );
      const unexecuted = committed.cells.filter((c) => c.cell_type === 'code' && c.execution_count == null);
      expect(unexecuted.length, `notebooks/${name}.ipynb has cells that never ran: ${rebuild}`).to.equal(0);
      expect(chartProblems(committed, callsShow(markdown)), `notebooks/${name}.ipynb: ${rebuild}`).to.deep.equal([]);
    });

    it(`Notebook ${name}: every task of its module has an exercise naming its solution marker, before the cells that use it and its checkTask table`, () => {
      const module = /^module(\d+)$/.exec(name)?.[1];
      const tasks = Object.keys(loadCourse().tasks).filter((t) => t.split('.')[0] === module);
      const cells = markdownToCells(readSource(name));
      const problems: string[] = [];
      for (const task of tasks) {
        const exercise = cells.findIndex(
          (c) => c.cell_type === 'markdown' && /Exercise/.test(c.source) && c.source.includes(`BEGIN SOLUTION ${task}`),
        );
        const check = cells.findIndex((c) => c.cell_type === 'code' && c.source.includes(`checkTask("${task}")`));
        const firstUse = cells.findIndex((c) => c.cell_type === 'code' && c.source.includes(`whenDone("${task}"`));
        if (exercise < 0)
          problems.push(`Task ${task}: no markdown cell with "Exercise" and \`BEGIN SOLUTION ${task}\``);
        if (check < 0) problems.push(`Task ${task}: no cell calls checkTask("${task}")`);
        if (exercise >= 0 && check >= 0 && check < exercise)
          problems.push(`Task ${task}: checkTask comes before the exercise`);
        if (exercise >= 0 && firstUse >= 0 && firstUse < exercise)
          problems.push(`Task ${task}: cell ${firstUse} uses it before the exercise (cell ${exercise})`);
      }
      expect(tasks.length, `tasks of module ${module} in course.json`).to.be.greaterThan(0);
      expect(problems).to.deep.equal([]);
    });

    it(`Notebook ${name}: runs one task's tests with \`npm run task -- N.M\`, and nothing else`, () => {
      const markdown = readSource(name);
      expect(markdown).to.match(/`npm run task -- \d\.\d`/);
      expect(markdown).to.not.match(/mocha --grep/);
    });

    it(`Notebook ${name}: the first cell tells students to edit src/, npm run build, and restart the kernel`, () => {
      const [first] = markdownToCells(readSource(name));
      expect(first?.cell_type, 'the first cell must be markdown').to.equal('markdown');
      expect(first.source).to.match(/src\//);
      expect(first.source).to.match(/npm run build/);
      expect(first.source).to.match(/restart/i);
    });
  }
});

/** The committed notebook `name`. */
const committed = (name: string) =>
  JSON.parse(fs.readFileSync(path.join(NOTEBOOK_DIR, `${name}.ipynb`), 'utf8')) as Notebook;

/** The first code cell of `notebook` whose source includes `marker`; fails when there is none. */
function codeCell(notebook: Notebook, marker: string) {
  const cell = notebook.cells.find((c) => c.cell_type === 'code' && joinText(c.source).includes(marker));
  if (cell === undefined) throw new Error(`no code cell with ${JSON.stringify(marker)}`);
  return cell;
}

/** A cell's printed text: its streams and plain-text results. */
function printed(cell: Notebook['cells'][number]): string {
  return (cell.outputs ?? [])
    .map((o) => joinText(o.text) + joinText(o.data?.['text/plain'] as string | string[] | undefined))
    .join('');
}

/** The MIME types a cell displayed. */
const shownTypes = (cell: Notebook['cells'][number]) => (cell.outputs ?? []).flatMap((o) => Object.keys(o.data ?? {}));

/** The six 2-D data sets, in MiniTorch's order. */
const DATASETS = ['simple', 'diag', 'split', 'xor', 'circle', 'spiral'];

describe('Notebook course content (issue 26), in the committed notebooks', () => {
  it('Notebook module0: the hand-set classifier (exercise 0.5) draws the simple set with the hand-set boundary and says k of N correct', () => {
    const cell = codeCell(committed('module0'), 'handClassifier.countCorrect(weights, simple)');
    expect(printed(cell)).to.match(/: (\d+) of 100 correct/);
    expect(Number(/: (\d+) of 100 correct/.exec(printed(cell))![1])).to.be.at.least(90);
    expect(shownTypes(cell)).to.include('application/vnd.vegalite.v5+json').and.include('image/svg+xml');
    expect(printed(codeCell(committed('module0'), 'checkTask("0.5")'))).to.not.match(/FAIL|TODO/);
  });

  it("Notebook module1: the scalar network's graph on one input, folded, with its node count", () => {
    const cell = codeCell(committed('module1'), 'viz.graphSize(loss)');
    expect(printed(cell)).to.match(/one point: \d+ values \(\d+ leaves\), \d+ function applications/);
    expect(joinText(cell.source)).to.include('fold:');
    expect(shownTypes(cell)).to.include('image/svg+xml');
  });

  it("Notebook module2: the tensor graph of (x * x) * y + 10.0 * x.sum(), every data set timed against scalars, and PyTorch's curves", () => {
    const nb = committed('module2');
    const graph = codeCell(nb, 'gx.mul(gx).mul(gy).add(tensor(10.0).mul(gx.sum()))');
    expect(shownTypes(graph)).to.include('image/svg+xml');
    const table = printed(codeCell(nb, 'scalar ms/epoch'));
    for (const d of DATASETS) expect(table).to.match(new RegExp(`^${d}\\s+\\d+\\s+[\\d.]+%.*\\d+x$`, 'm'));
    const torch = printed(codeCell(nb, 'torch_curves.json'));
    for (const d of DATASETS) {
      const gap = new RegExp(`^${d}\\s.*largest relative gap to PyTorch's loss ([\\d.e+-]+)$`, 'm').exec(torch);
      expect(gap, `${d} in:\n${torch}`).to.not.equal(null);
      expect(Number(gap![1])).to.be.below(1e-6);
    }
  });

  it("Notebook module3: the training table (exercise 3.5), one of every data set on every backend, with the machine's note", () => {
    const text = printed(codeCell(committed('module3'), 'compareBackends(data, backends'));
    expect(text).to.match(/^dataset\s+epochs\s+simple acc\s+simple ms\/epoch\s+fast acc\s+fast ms\/epoch/m);
    for (const d of DATASETS) expect(text).to.match(new RegExp(`^${d}\\s+\\d+(\\s+\\d+%\\s+[\\d.]+){2,3}$`, 'm'));
    expect(text).to.match(/^measured on \d+ cores, load average [\d.]+/m);
  });

  it('Notebook module3: the tile chart and the text around it agree on 24×40 (rows × columns)', () => {
    const markdown = readSource('module3');
    expect(markdown).to.include('tileChart(24, 40, 16)').and.include('24×40 output (24 rows, 40 columns');
    expect(markdown).to.not.include('40×24');
  });

  it("Notebook module4: conv1's feature maps of a fixed digit redrawn live with the loss, and the sentiment section", () => {
    const nb = committed('module4');
    const training = codeCell(nb, 'drawConv1(b.model');
    expect(joinText(training.source)).to.include('viz.liveDisplay').and.include('b.loss');
    const shown = (training.outputs ?? []).map((o) => JSON.stringify(o.data ?? {})).join('');
    expect(shown).to.match(/conv1 maps of a test \d: epoch 3, batch 250\/250, loss \d\.\d{3}/);
    const sentiment = printed(codeCell(nb, 'sentiment.trainSentiment(sample.train'));
    expect(sentiment)
      .to.match(/60 training and 20 validation sentences/)
      .and.match(/best validation accuracy on the sample: \d+%/);
    const markdown = readSource('module4');
    expect(markdown).to.include('npm run demo -- --task sentiment --sst2 ').and.include('--glove ');
    expect(markdown)
      .to.match(/best\s+validation accuracy above 70%/)
      .and.match(/450/);
  });

  it('Notebook committed notebooks print no vega-lite warnings', () => {
    for (const name of notebookNames()) {
      const warned = committed(name).cells.filter((c) => /WARN /.test(printed(c)));
      expect(
        warned.map((c) => joinText(c.source).slice(0, 80)),
        name,
      ).to.deep.equal([]);
    }
  });
});

describe('Notebook execution through Jupyter on the tslab kernel', function () {
  this.timeout(20 * 60_000);
  const names = notebookNames();
  const results = new Map<string, ExecutionResult | Error>();
  // Executed copies are kept here for inspection (build/ is not committed).
  const workDir = path.join(repoRoot(), 'build', 'notebooks');
  let removeKernel = () => {};

  before(async () => {
    const python = findPython();
    checkJupyter(python); // throws "run `npm run setup:jupyter` ...": the tests fail, not skip
    const kernel = tempKernel(python);
    removeKernel = kernel.remove;
    fs.mkdirSync(workDir, { recursive: true });
    await mapLimit(names, 2, async (name) => {
      try {
        results.set(name, await runNotebook(name, { python, jupyterPath: kernel.jupyterPath, workDir }));
      } catch (e) {
        results.set(name, e as Error);
      }
    });
  });
  after(() => removeKernel());

  const resultOf = (name: string): ExecutionResult => {
    const result = results.get(name);
    if (result instanceof Error) throw result;
    if (!result) throw new Error(`${name} was not executed`);
    return result;
  };

  for (const name of names) {
    it(`Notebook ${name} runs through Jupyter without errors`, () => {
      const failures = notebookFailures(resultOf(name));
      expect(
        failures,
        `notebooks/src/${name}.md (executed copy: build/notebooks/${name}.ipynb):\n${failures.join('\n')}\n`,
      ).to.deep.equal([]);
    });

    it(`Notebook ${name} shows its charts as a vega-lite object plus an SVG`, () => {
      expect(chartProblems(resultOf(name).notebook, callsShow(readSource(name)))).to.deep.equal([]);
    });
  }
});

/**
 * Run All as JupyterLab sends it, through jupyter_client: three cells queued at once on the
 * MiniTorch kernel. Prints, as JSON, every iopub status (state and parent) and each reply's
 * position among them.
 */
const QUEUED_RUN_ALL = `
import json, sys
from jupyter_client.manager import start_new_kernel
km, kc = start_new_kernel(kernel_name='minitorch', startup_timeout=120)
try:
    kc.wait_for_ready(timeout=120)
    while True:  # drop what the start-up said
        try: kc.get_iopub_msg(timeout=0.5)
        except Exception: break
    cells = ['await new Promise((r) => setTimeout(r, 400)); 1'] * 3
    ids = [kc.execute(code) for code in cells]
    events, replies = [], set()
    while len(replies) < len(ids) or not events or events[-1] != ['status', 'idle', ids[-1]]:
        try:
            m = kc.get_iopub_msg(timeout=1)
            if m['msg_type'] == 'status':
                events.append(['status', m['content']['execution_state'], m['parent_header'].get('msg_id')])
        except Exception:
            pass
        while True:
            try: r = kc.get_shell_msg(timeout=0.01)
            except Exception: break
            if r['msg_type'] != 'execute_reply': continue
            replies.add(r['parent_header']['msg_id'])
            events.append(['reply', r['content'].get('status'), r['parent_header']['msg_id']])
    print(json.dumps({'ids': ids, 'events': events}))
finally:
    kc.stop_channels()
    km.shutdown_kernel(now=True)
`;

describe('Notebook kernel status during a queued Run All', function () {
  this.timeout(180_000);

  it('Notebook the kernel stays busy from the first queued cell until the last one ends', () => {
    const python = findPython();
    checkJupyter(python);
    const kernel = tempKernel(python);
    let out: { ids: string[]; events: Array<[string, string, string]> };
    try {
      const r = spawnSync(python, ['-c', QUEUED_RUN_ALL], {
        encoding: 'utf8',
        env: { ...process.env, JUPYTER_PATH: kernel.jupyterPath },
        timeout: 170_000,
      });
      expect(r.status, `${r.stdout}\n${r.stderr}`).to.equal(0);
      out = JSON.parse(r.stdout.trim().split('\n').pop()!);
    } finally {
      kernel.remove();
    }
    const statuses = out.events.filter((e) => e[0] === 'status');
    const trace = out.events.map((e) => e.join(' ')).join('\n');
    // What a front end shows is the last status it got: after every status message but the
    // last, while a cell is still to end, that is busy (an ended cell's idle is followed at
    // once by a busy for the next).
    const shown = statuses.map((e) => e[1]);
    const lastIdle = shown.length - 1;
    for (let i = 0; i < lastIdle; i++) {
      if (shown[i] === 'idle') expect(shown[i + 1], `status ${i + 1} of:\n${trace}`).to.equal('busy');
    }
    expect(statuses[lastIdle], trace).to.deep.equal(['status', 'idle', out.ids[2]]);
    // Each cell still gets its own idle (JupyterLab finishes a cell on its reply and idle).
    for (const id of out.ids)
      expect(
        statuses.some((e) => e[1] === 'idle' && e[2] === id),
        trace,
      ).to.equal(true);
    // And the last status before the last reply is busy: the kernel was busy until it ended.
    const lastReply = out.events.findIndex((e) => e[0] === 'reply' && e[2] === out.ids[2]);
    const before = out.events.slice(0, lastReply).filter((e) => e[0] === 'status');
    expect(before[before.length - 1][1], trace).to.equal('busy');
  });
});
