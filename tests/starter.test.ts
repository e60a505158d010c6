/**
 * Course tooling: solution markers and the student starter repository (`npm run starter`).
 *
 * The starter is generated once into a temporary folder and compiled once (node_modules is
 * a symlink); then one task's tests run in it and must fail with that task's message.
 */
import { expect } from 'chai';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { loadCourse, repoRoot, taskOfTitle } from '../scripts/course';
import { regionTexts, scanMarkers, spliceRegions, stubSolutions } from '../scripts/markers';
import { StarterSummary, isLibrarySource, moduleOfFile, repoFiles, writeStarter } from '../scripts/starter';
import { parseModules } from '../scripts/course';

const ROOT = repoRoot();
const COURSE = loadCourse();
const KNOWN = new Set(Object.keys(COURSE.tasks));
/** MiniTorch's task numbering (the course map): 0.1–0.4, then M.1–M.5 for Modules 1–4. */
const COURSE_MAP_TASKS = [
  '0.1',
  '0.2',
  '0.3',
  '0.4',
  ...[1, 2, 3, 4].flatMap((m) => [1, 2, 3, 4, 5].map((n) => `${m}.${n}`)),
];
/** The course map in shared/ beside the checkout, when it is there (developers, CI). */
const COURSE_MAP_FILE = path.join(ROOT, '..', 'shared', 'reference', 'course-map.md');

describe('Course tooling solution markers', () => {
  it('Course tooling course.json numbers exactly the tasks of the course map', () => {
    expect(Object.keys(COURSE.tasks)).to.deep.equal(COURSE_MAP_TASKS);
    if (fs.existsSync(COURSE_MAP_FILE)) {
      const rows = [...fs.readFileSync(COURSE_MAP_FILE, 'utf8').matchAll(/^\| (\d+\.\d+) \|/gm)].map((m) => m[1]);
      expect(rows).to.deep.equal(COURSE_MAP_TASKS);
    }
  });

  it('Course tooling every solution region in src/ is well formed, in a function body, and names a course task', () => {
    const problems: string[] = [];
    let regions = 0;
    for (const f of repoFiles(ROOT).filter(isLibrarySource)) {
      const scan = scanMarkers(f, fs.readFileSync(path.join(ROOT, f), 'utf8'), KNOWN);
      regions += scan.regions.length;
      problems.push(...scan.problems.map((p) => `${f}:${p.line}: ${p.message}`));
    }
    expect(problems, problems.join('\n')).to.deep.equal([]);
    expect(regions).to.be.greaterThan(50);
  });

  it('Course tooling no solution markers outside src/ (they would not be stubbed)', () => {
    const marker = /^\s*\/\/ (BEGIN|END) SOLUTION\b/m;
    const outside = repoFiles(ROOT).filter(
      (f) =>
        !f.startsWith('src/') &&
        /\.(ts|js|md|wgsl)$/.test(f) &&
        marker.test(fs.readFileSync(path.join(ROOT, f), 'utf8')),
    );
    expect(outside).to.deep.equal([]);
  });

  describe('Course tooling marker scanner', () => {
    const scan = (text: string) => scanMarkers('x.ts', text, KNOWN);
    const problemsOf = (text: string) => scan(text).problems.map((p) => `${p.line}: ${p.message}`);

    it('Course tooling finds regions and names their functions', () => {
      const text = [
        'export class A {',
        '  f(): number {',
        '    // BEGIN SOLUTION 1.3',
        '    return 1;',
        '    // END SOLUTION',
        '  }',
        '}',
        'export const table = { mul: { forward(x: number) {',
        '  // BEGIN SOLUTION 1.2',
        '  return x;',
        '  // END SOLUTION',
        '} } };',
        'export function shader(): string {',
        '  const head = 1;',
        '  // BEGIN SOLUTION 3.3',
        "  return `@compute fn main() { // a shader's own comments are fine`;",
        '  // END SOLUTION',
        '}',
      ].join('\n');
      const { regions, problems } = scan(text);
      expect(problems).to.deep.equal([]);
      expect(regions.map((r) => [r.task, r.functionName, r.beginLine, r.endLine])).to.deep.equal([
        ['1.3', 'A.f', 2, 4],
        ['1.2', 'table.mul.forward', 8, 10],
        ['3.3', 'shader', 14, 16],
      ]);
    });

    it('Course tooling reports unmatched, nested, unknown and misplaced markers', () => {
      expect(problemsOf('function f() {\n  // BEGIN SOLUTION 0.1\n  return 1;\n}')).to.deep.equal([
        '2: BEGIN SOLUTION without a matching END SOLUTION',
      ]);
      expect(problemsOf('function f() {\n  return 1;\n  // END SOLUTION\n}')).to.deep.equal([
        '3: END SOLUTION without a BEGIN SOLUTION',
      ]);
      expect(
        problemsOf('function f() {\n  // BEGIN SOLUTION 0.1\n  // BEGIN SOLUTION 0.1\n  // END SOLUTION\n}')[0],
      ).to.match(/^3: BEGIN SOLUTION inside the region opened on line 2/);
      expect(problemsOf('function f() {\n  // BEGIN SOLUTION 9.9\n  // END SOLUTION\n}')).to.deep.equal([
        '2: BEGIN SOLUTION names task "9.9", which is not in the course map',
      ]);
      expect(problemsOf('// BEGIN SOLUTION 0.1\nconst x = 1;\n// END SOLUTION')[0]).to.match(
        /^1: solution marker must be inside a function body/,
      );
      expect(problemsOf('class A {\n  // BEGIN SOLUTION 0.1\n  x = 1;\n  // END SOLUTION\n}')[0]).to.match(
        /^2: solution marker must/,
      );
      expect(
        problemsOf('function f() {\n  return [\n    // BEGIN SOLUTION 0.1\n    1,\n    // END SOLUTION\n  ];\n}')[0],
      ).to.match(/^3: solution marker must sit between the statements of a function body/);
      expect(
        problemsOf('function f() {\n  if (1) {\n    // BEGIN SOLUTION 0.1\n  }\n  // END SOLUTION\n}')[0],
      ).to.match(/^5: END SOLUTION is not in the same block/);
      expect(
        problemsOf('function f() {\n  return `\n  // BEGIN SOLUTION 3.3\n  x\n  // END SOLUTION\n  `;\n}')[0],
      ).to.match(/^3: solution marker inside a string or template literal/);
      expect(problemsOf('function f() {\n  /* BEGIN SOLUTION 0.1 */\n}')[0]).to.match(/^2: malformed solution marker/);
    });

    it('Course tooling stubs a region with a throw and imports NotImplementedError once', () => {
      const text = [
        '/**',
        ' * Header.',
        ' */',
        '',
        '/** Doc. */',
        'export function f(x: number): number {',
        '  if (x < 0) throw new RangeError("negative");',
        '  // BEGIN SOLUTION 0.1',
        '  return x * 2;',
        '  // END SOLUTION',
        '}',
      ].join('\n');
      const out = stubSolutions('src/ops.ts', text, './errors', KNOWN);
      expect(out.split('\n')).to.deep.equal([
        '/**',
        ' * Header.',
        ' */',
        "import { NotImplementedError } from './errors';",
        '',
        '/** Doc. */',
        'export function f(x: number): number {',
        '  if (x < 0) throw new RangeError("negative");',
        '  // BEGIN SOLUTION 0.1',
        '  // TODO: Task 0.1: write this body (see the course notebook), then remove the throw.',
        "  throw new NotImplementedError('Task 0.1: f');",
        '  // END SOLUTION',
        '}',
      ]);
      expect(stubSolutions('src/ops.ts', out, './errors', KNOWN)).to.equal(out);
      // A student's body goes back into the starter's region, by task and rank; nothing else moves.
      const student = out
        .replace("  throw new NotImplementedError('Task 0.1: f');", '  return x + x; // mine')
        .replace('/** Doc. */', '/** My doc. */');
      const regraded = spliceRegions(out.replace('/** Doc. */', '/** Shipped doc. */'), student);
      expect(regraded.copied).to.deep.equal(['0.1#0']);
      expect(regraded.text)
        .to.include('  return x + x; // mine')
        .and.include('/** Shipped doc. */')
        .and.not.include('My doc');
      expect(spliceRegions(out, student, (t) => t !== '0.1').text).to.equal(out);
      // Regions are read line by line, so a file that does not parse still gives them up.
      expect(
        regionTexts('function (( {\n// BEGIN SOLUTION 1.3\nbroken(\n// END SOLUTION\n').map((r) => [r.task, r.body]),
      ).to.deep.equal([['1.3', ['broken(']]]);
      expect(() => stubSolutions('src/bad.ts', 'function f() {\n  // BEGIN SOLUTION 0.1\n}', './errors')).to.throw(
        /src\/bad\.ts:2: BEGIN SOLUTION without a matching END SOLUTION/,
      );
    });
  });
});

/** Run a command to completion; status and combined output. */
function run(cmd: string, args: string[], cwd: string, timeout = 240_000): { status: number | null; output: string } {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', timeout, maxBuffer: 64 * 1024 * 1024 });
  return { status: r.status, output: `${r.stdout ?? ''}${r.stderr ?? ''}${r.error ? String(r.error) : ''}` };
}

describe('Course tooling starter repository', function () {
  this.timeout(300_000);
  let tmp = ''; // the mkdtemp folder we own; only it is ever deleted
  let dir = '';
  let summary: StarterSummary;
  let compile: { status: number | null; output: string };

  before(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'minitorch-starter-'));
    dir = path.join(tmp, 'repo');
    summary = writeStarter(dir);
    // Reuse this repository's packages; compile once (src, tests and scripts).
    fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
    compile = run(
      process.execPath,
      [path.join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.test.json'],
      dir,
    );
  });

  after(() => {
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('Course tooling the starter type-checks (strict) and builds', () => {
    expect(compile.output.trim(), 'tsc output').to.equal('');
    expect(compile.status).to.equal(0);
    expect(fs.existsSync(path.join(dir, 'build/src/index.js'))).to.equal(true);
  });

  it('Course tooling the starter has stubs instead of solutions, and the same tests', () => {
    expect(summary.regions).to.be.greaterThan(50);
    let throws = 0;
    let regions = 0;
    for (const f of summary.files.filter(isLibrarySource)) {
      const text = fs.readFileSync(path.join(dir, f), 'utf8');
      // The markers stay; between them, only the stub.
      for (const r of regionTexts(text)) {
        regions++;
        expect(
          r.body.map((l) => l.trim()),
          `${f}:${r.beginLine + 1}`,
        ).to.have.length(2);
        expect(r.body[1].trim(), `${f}:${r.beginLine + 1}`).to.match(
          new RegExp(`^throw new NotImplementedError\\('Task ${r.task.replace('.', '\\.')}: `),
        );
      }
      throws += (text.match(/throw new NotImplementedError\('Task \d+\.\d+: /g) ?? []).length;
    }
    expect(regions).to.equal(summary.regions);
    expect(throws).to.equal(summary.regions);
    for (const f of summary.files.filter((x) => x.startsWith('tests/'))) {
      expect(fs.readFileSync(path.join(dir, f), 'utf8'), f).to.equal(fs.readFileSync(path.join(ROOT, f), 'utf8'));
    }
    for (const f of COURSE.starter.exclude) expect(fs.existsSync(path.join(dir, f)), f).to.equal(false);
    const scripts = (
      JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as { scripts: Record<string, string> }
    ).scripts;
    expect(scripts).to.not.have.property('starter');
    // Tools that rewrite committed files (notebooks from their sources, PyTorch's fixtures) stay
    // with the instructor.
    for (const tool of ['notebooks', 'fixtures', 'pytorch-mnist', 'autograder', 'walkthrough', 'export'])
      expect(scripts, tool).to.not.have.property(tool);
    expect(fs.existsSync(path.join(dir, 'notebooks', 'src')), 'notebooks/src').to.equal(false);
    expect(scripts).to.have.property('grade');
    // Its README is the student's: every `npm run X` it names is a script the repository has.
    const readme = fs.readFileSync(path.join(dir, 'README.md'), 'utf8');
    expect(readme).to.include('## Submit').and.include('## Grade yourself').and.not.include('For instructors');
    for (const m of readme.matchAll(/npm run ([\w:-]+)/g))
      expect(scripts, `README names npm run ${m[1]}`).to.have.property(m[1]);
    expect(fs.statSync(path.join(dir, 'package.json')).mode).to.equal(
      fs.statSync(path.join(ROOT, 'package.json')).mode,
    );
  });

  it('Course tooling the starter launches on Binder / JupyterHub: environment.yml and an executable postBuild', () => {
    expect(fs.readFileSync(path.join(dir, 'environment.yml'), 'utf8'))
      .to.match(/nodejs>=20/)
      .and.match(/jupyterlab/);
    const postBuild = path.join(dir, 'postBuild');
    expect(fs.statSync(postBuild).mode & 0o111, 'postBuild is executable').to.not.equal(0);
    const text = fs.readFileSync(postBuild, 'utf8');
    expect(text).to.include('npm ci').and.include('npm run build').and.include('npm run kernel -- --prefix');
    expect(run('bash', ['-n', postBuild], dir).status, 'postBuild parses').to.equal(0);
  });

  it('Course tooling notebooks in the starter have no outputs', () => {
    for (const f of summary.notebooks) {
      const nb = JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')) as {
        cells: Array<{ cell_type: string; outputs?: unknown[]; execution_count?: unknown }>;
      };
      for (const cell of nb.cells.filter((c) => c.cell_type === 'code')) {
        expect(cell.outputs, f).to.deep.equal([]);
        expect(cell.execution_count, f).to.equal(null);
      }
    }
  });

  it('Course tooling in the starter every failing test names its task, and no task scores', () => {
    const report = path.join(dir, 'all.json');
    const mocha = path.join(ROOT, 'node_modules/mocha/bin/mocha.js');
    const reporter = path.join(ROOT, 'build/scripts/gradeReporter.js');
    const r = run(
      process.execPath,
      [mocha, '--reporter', reporter, '--reporter-option', `output=${report}`],
      dir,
      280_000,
    );
    expect(fs.existsSync(report), r.output.slice(-2000)).to.equal(true);
    const json = JSON.parse(fs.readFileSync(report, 'utf8')) as {
      passes: Array<{ fullTitle: string }>;
      failures: Array<{ fullTitle: string; err: { message?: string } }>;
    };
    const untasked = json.failures
      .filter((f) => taskOfTitle(f.fullTitle) === null)
      .map((f) => `${f.fullTitle}: ${f.err.message}`);
    expect(untasked, 'failing tests that name no task').to.deep.equal([]);
    const scoring = json.passes.filter((p) => taskOfTitle(p.fullTitle) !== null).map((p) => p.fullTitle);
    expect(scoring, 'tests that pass (and score) with no student code').to.deep.equal([]);
    expect(json.failures.length).to.be.greaterThan(500);
  });

  // (Tooling titles name no task, so the grader never counts them as exercises.)
  it("Course tooling running the first operator task's tests in the starter fails with its stubs' message", () => {
    const report = path.join(dir, 'task01.json');
    const mocha = path.join(ROOT, 'node_modules/mocha/bin/mocha.js');
    const r = run(
      process.execPath,
      [mocha, '--reporter', 'json', '--reporter-option', `output=${report}`, '--grep', 'Task 0\\.1(?!\\d)'],
      dir,
    );
    expect(fs.existsSync(report), r.output.slice(-2000)).to.equal(true);
    const json = JSON.parse(fs.readFileSync(report, 'utf8')) as {
      stats: { tests: number; passes: number };
      failures: Array<{ fullTitle: string; err: { message?: string } }>;
    };
    expect(json.stats.tests).to.be.greaterThan(10);
    expect(json.failures.length).to.equal(json.stats.tests);
    for (const f of json.failures) expect(f.err.message ?? '', f.fullTitle).to.include('Task 0.1: ');
  });

  it("Course tooling the starter's notebook check for the first operator task reports every check as TODO", async () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- the starter's build, found at run time
    const grading = require(path.join(dir, 'build/src/course/grading.js')) as typeof import('../src/course/grading');
    const report = await grading.runChecks('0.1', { runs: 2 });
    expect(report.results.length).to.be.greaterThan(3);
    expect(report.results.map((r) => r.status)).to.deep.equal(report.results.map(() => 'todo'));
    expect(report.results[0].message).to.match(/^Task 0\.1: /);
  });
});

describe('Course tooling starter released module by module', function () {
  this.timeout(300_000);
  let tmp = '';
  let dir = '';
  let first: StarterSummary;

  /** Every file under `root` (node_modules and build left out) with its contents. */
  function snapshot(root: string): Map<string, string> {
    const out = new Map<string, string>();
    const walk = (rel: string) => {
      for (const e of fs.readdirSync(path.join(root, rel), { withFileTypes: true })) {
        const f = rel ? `${rel}/${e.name}` : e.name;
        if (e.isDirectory() && e.name !== 'node_modules' && e.name !== 'build') walk(f);
        else if (e.isFile()) out.set(f, fs.readFileSync(path.join(root, f), 'utf8'));
      }
    };
    walk('');
    return out;
  }

  before(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'minitorch-release-'));
    dir = path.join(tmp, 'repo');
    first = writeStarter(dir, ROOT, { modules: [0, 1] });
  });

  after(() => {
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('Course tooling --modules 0-1 writes the notebooks, tests and tasks of Modules 0 and 1 only', () => {
    expect(first.modules).to.deep.equal([0, 1]);
    const notebooks = first.files.filter((f) => f.startsWith('notebooks/')).map((f) => /module(\d)/.exec(f)?.[1]);
    expect(new Set(notebooks)).to.deep.equal(new Set(['0', '1']));
    for (const f of first.files.filter((x) => x.startsWith('tests/') && x.endsWith('.test.ts'))) {
      const m = moduleOfFile(f, fs.readFileSync(path.join(dir, f), 'utf8'));
      expect(m === null || m <= 1, `${f} is Module ${m}'s`).to.equal(true);
    }
    expect(first.files)
      .to.include('tests/operators.test.ts')
      .and.include('tests/scalarAutodiff.test.ts')
      .and.not.include('tests/tensor.test.ts');
    const tasks = Object.keys(loadCourse(path.join(dir, 'course.json')).tasks);
    expect(tasks).to.deep.equal(['0.1', '0.2', '0.3', '0.4', '1.1', '1.2', '1.3', '1.4', '1.5']);
    // Later modules' sources are stubs, not solutions, so the package still builds.
    expect(fs.readFileSync(path.join(dir, 'src/tensorData.ts'), 'utf8')).to.include(
      "throw new NotImplementedError('Task 2.1: ",
    );
  });

  it('Course tooling --modules 2 --update adds Module 2 to a solved Modules 0-1 repository without touching a line the student wrote', () => {
    // The student solves Modules 0-1 and writes a few lines of their own.
    for (const f of repoFiles(ROOT).filter(isLibrarySource)) {
      const mine = path.join(dir, f);
      const solved = spliceRegions(
        fs.readFileSync(mine, 'utf8'),
        fs.readFileSync(path.join(ROOT, f), 'utf8'),
        (t) => Number(t.split('.')[0]) <= 1,
      );
      fs.writeFileSync(mine, solved.text);
    }
    fs.appendFileSync(path.join(dir, 'src/scalar.ts'), '\n// my notes on the chain rule\n');
    fs.writeFileSync(path.join(dir, 'notes.md'), 'my own file\n');
    const before = snapshot(dir);
    expect(before.get('README.md')).to.include('This repository holds Modules 0 and 1');

    const update = writeStarter(dir, ROOT, { modules: parseModules('2', COURSE), update: true });
    const after = snapshot(dir);
    expect(update.modules).to.deep.equal([0, 1, 2]);
    // The README names the released modules: still the course's, it gets this release's.
    for (const [f, text] of before) {
      if (f !== 'course.json' && f !== 'README.md') expect(after.get(f), `${f} changed`).to.equal(text);
    }
    expect(after.get('README.md')).to.include('This repository holds Modules 0, 1 and 2');
    expect(update.kept).to.include('src/scalar.ts').and.not.include('README.md');
    const added = [...after.keys()].filter((f) => !before.has(f));
    expect(added)
      .to.include('notebooks/module2.ipynb')
      .and.include('tests/tensor.test.ts')
      .and.include('tests/tensorData.test.ts');
    expect(added.filter((f) => /module[34]|gpu\.test|nn\.test/.test(f))).to.deep.equal([]);
    expect(Object.keys(loadCourse(path.join(dir, 'course.json')).tasks))
      .to.include('2.5')
      .and.not.include('3.1');
    expect(() => writeStarter(path.join(tmp, 'empty'), ROOT, { modules: [2], update: true })).to.throw(
      /empty or missing/,
    );
    expect(() => writeStarter(dir, ROOT, { modules: [2] })).to.throw(/not empty \(use --update/);
    expect(() => parseModules('0-9', COURSE)).to.throw(/no module 5/);
    expect(() => parseModules('one', COURSE)).to.throw(/not a list of modules/);
  });

  it("Course tooling the updated repository builds; the student's Module 1 work passes and Module 2 is a stub", () => {
    fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
    const compile = run(
      process.execPath,
      [path.join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.test.json'],
      dir,
    );
    expect(compile.output.trim(), 'tsc output').to.equal('');
    const report = path.join(tmp, 'report.json');
    const mocha = path.join(ROOT, 'node_modules/mocha/bin/mocha.js');
    run(
      process.execPath,
      [mocha, '--reporter', 'json', '--reporter-option', `output=${report}`, '--grep', 'Task (1\\.3|2\\.1)(?!\\d)'],
      dir,
    );
    const json = JSON.parse(fs.readFileSync(report, 'utf8')) as {
      passes: Array<{ fullTitle: string }>;
      failures: Array<{ fullTitle: string; err: { message?: string } }>;
    };
    expect(json.passes.length).to.be.greaterThan(0);
    // (--grep matches whole titles: the task of a test is the last one its title names.)
    for (const p of json.passes) expect(taskOfTitle(p.fullTitle), p.fullTitle).to.equal('1.3');
    const failing21 = json.failures.filter((f) => taskOfTitle(f.fullTitle) === '2.1');
    expect(failing21.length).to.be.greaterThan(0);
    for (const f of failing21) expect(f.err.message ?? '', f.fullTitle).to.include('Task 2.1: ');
    for (const f of json.failures) expect(taskOfTitle(f.fullTitle), f.fullTitle).to.not.equal('1.3');
  });
});
