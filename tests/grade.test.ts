/**
 * Course tooling: `npm run grade`. Runs the grader on small fixture suites with known
 * outcomes (passing, failing, skipped, a failing hook, a crash, a hang) and checks the
 * per-task table and the Gradescope `results.json`.
 */
import { expect } from 'chai';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { taskGrep, taskOfTitle } from '../scripts/course';
import type { GradescopeResults } from '../scripts/grade';
import { parseArgs } from '../scripts/grade';
import { UsageError } from '../scripts/course';

/** The compiled grader, next to this compiled test. */
const GRADER = path.join(__dirname, '..', 'scripts', 'grade.js');

const FIXTURE = `
describe('Task 0.1 operators', () => {
  it('Task 0.1 passes', () => {});
  it('Task 0.1 passes too', () => {});
  it('Task 0.1 fails', () => { throw new Error('expected 12, got 7'); });
  it('Task 0.1 is skipped here', function () { this.skip(); });
});
describe('Task 0.3 higher-order', () => {
  before(() => { throw new Error('setup broke'); });
  it('Task 0.3 never runs', () => {});
});
describe('Task 0.4 tree', () => {
  it('Task 0.4 passes', () => {});
});
describe('Task 0.2 not in this course.json', () => {
  it('Task 0.2 is not run', () => { throw new Error('not in the course'); });
});
describe('Notebook not an exercise', () => {
  it('is not graded', () => { throw new Error('not graded'); });
});
`;

const COURSE = {
  tasks: {
    '0.1': { title: 'operators', points: 9 },
    '0.3': { title: 'higher-order functions', points: 5 },
    '0.4': { title: 'Module tree', points: 10 },
  },
};

describe('Course tooling grade', function () {
  this.timeout(60_000);
  let dir = '';

  /** Run the grader on `spec` (files in the fixture folder); its output and results. */
  function grade(
    spec: string[],
    extra: string[] = [],
  ): { status: number | null; output: string; results: GradescopeResults | null } {
    const out = path.join(dir, 'results.json');
    fs.rmSync(out, { force: true });
    const args = [
      GRADER,
      '--config',
      path.join(dir, 'course.json'),
      '--out',
      out,
      ...spec.flatMap((s) => ['--spec', s]),
      ...extra,
    ];
    const r = spawnSync(process.execPath, args, { cwd: dir, encoding: 'utf8', timeout: 50_000 });
    const results = fs.existsSync(out) ? (JSON.parse(fs.readFileSync(out, 'utf8')) as GradescopeResults) : null;
    return { status: r.status, output: `${r.stdout}${r.stderr}`, results };
  }

  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'minitorch-grade-test-'));
    fs.writeFileSync(path.join(dir, 'course.json'), JSON.stringify(COURSE));
    fs.writeFileSync(path.join(dir, 'suite.test.js'), FIXTURE);
    fs.writeFileSync(
      path.join(dir, 'crash.test.js'),
      "describe('Task 0.4 crash', () => { it('Task 0.4 exits', () => process.exit(3)); });",
    );
    fs.writeFileSync(
      path.join(dir, 'hang.test.js'),
      "describe('Task 0.4 hang', () => { it('Task 0.4 loops', () => { for (;;); }); });",
    );
    fs.writeFileSync(path.join(dir, 'broken.test.js'), "throw new Error('cannot load this file');");
    // Task 0.1 passes twice, then hangs in a loop that blocks mocha's own time-out; Task 0.3
    // (in another file, run after) and 0.4 must keep their points.
    fs.writeFileSync(
      path.join(dir, 'hangs.test.js'),
      "describe('Task 0.1 ops', function () { this.timeout(300); it('Task 0.1 a', () => {}); it('Task 0.1 b', () => {}); it('Task 0.1 spins', () => { for (;;); }); it('Task 0.1 after', () => {}); });\n" +
        "describe('Task 0.4 tree', () => { it('Task 0.4 fine', () => {}); });",
    );
    fs.writeFileSync(
      path.join(dir, 'later.test.js'),
      "describe('Task 0.3 hof', () => { it('Task 0.3 ok', () => {}); it('Task 0.3 exits', () => { if (process.env.EXIT_03) process.exit(0); }); });",
    );
  });

  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('Course tooling grade scores each task by the share of its tests that pass', () => {
    const { status, output, results } = grade(['suite.test.js']);
    expect(status, output).to.equal(0);
    expect(results).to.not.equal(null);
    const r = results!;
    expect(r.tests.map((t) => [t.name, t.number, t.score, t.max_score, t.status])).to.deep.equal([
      ['Task 0.1: operators', '0.1', 6, 9, 'failed'],
      ['Task 0.3: higher-order functions', '0.3', 0, 5, 'failed'],
      ['Task 0.4: Module tree', '0.4', 10, 10, 'passed'],
    ]);
    expect(r.score).to.equal(16);
    expect(r.max_score).to.equal(24);
    expect(r.tests[0].output).to.include('2 of 3 tests pass').and.include('expected 12, got 7').and.include('SKIP');
    expect(r.tests[1].output).to.include('did not run').and.include('setup broke');
    expect(JSON.stringify(r)).to.not.include('not graded').and.not.include('not in the course');
    expect(r.tests.map((t) => t.visibility)).to.deep.equal(['visible', 'visible', 'visible']);
    // Progress while it runs: each file as it starts, each task as its last test ends.
    expect(output).to.match(/running \S*suite\.test\.js/);
    expect(output).to.match(/Task 0\.4 Module tree\s+1\/1 tests pass\s+10\.00 \/ 10/);
    expect(output.indexOf('Task 0.4 Module tree')).to.be.below(output.indexOf('total'));
    // The table printed for the instructor.
    expect(output).to.match(/0\.1\s+operators\s+2\/3 \(\+1 skipped\)\s+6\.00 \/ 9/);
    expect(output).to.match(/total\s+16\.00 \/ 24/);
  });

  it('Course tooling grade --task grades only that task', () => {
    const { results } = grade(['suite.test.js'], ['--task', '0.4']);
    expect(results!.tests.map((t) => t.number)).to.deep.equal(['0.4']);
    expect(results!.score).to.equal(10);
    expect(grade(['suite.test.js'], ['--task', '9.9']).status).to.equal(1);
  });

  it('Course tooling grade counts tests that never ran after a crash or a hang as failed', () => {
    const crashed = grade(['suite.test.js', 'crash.test.js']).results!;
    const t04 = crashed.tests.find((t) => t.number === '0.4')!;
    expect(t04.max_score).to.equal(10);
    expect(t04.score, 'its test that passed before the crash still counts').to.equal(5);
    expect(t04.output).to.include(
      'the test process ended before the tests did (exit code 3) during "Task 0.4 crash Task 0.4 exits"',
    );
    // The crash costs Task 0.4 only: the other tasks were graded.
    expect(crashed.tests.find((t) => t.number === '0.1')!.score).to.equal(6);

    const hung = grade(['hang.test.js'], ['--time-limit', '3']).results!;
    expect(hung.tests[0].score).to.equal(0);
    expect(hung.tests[0].output).to.include('longer than 3 s');
  });

  it('Course tooling grade: a test that hangs costs its own task only, and is named with its file and limit', () => {
    const { results, output } = grade(['hangs.test.js', 'later.test.js'], ['--grace', '1']);
    const r = results!;
    expect(
      r.tests.map((t) => [t.number, t.score]),
      output,
    ).to.deep.equal([
      ['0.1', 4.5],
      ['0.3', 5],
      ['0.4', 10],
    ]);
    expect(r.tests[0].output)
      .to.include('FAIL  Task 0.1 ops Task 0.1 spins')
      .and.match(/did not finish within 1 s and was stopped \(\S*hangs\.test\.js\)/);
    expect(r.tests[0].output)
      .to.include('FAIL  Task 0.1 ops Task 0.1 after')
      .and.match(/did not run: "Task 0.1 ops Task 0.1 spins" \(\S*hangs\.test\.js\) did not finish/);
    expect(r.output).to.match(
      /Task 0\.1: "Task 0\.1 ops Task 0\.1 spins" \(\S*hangs\.test\.js\) did not finish within 1 s/,
    );
  });

  it('Course tooling grade reports a suite that does not load, with zero points', () => {
    const { results } = grade(['broken.test.js']);
    // Every task is listed with no points, so the maximum is still the course's.
    expect(results!.tests.map((t) => [t.number, t.score, t.max_score])).to.deep.equal([
      ['0.1', 0, 9],
      ['0.3', 0, 5],
      ['0.4', 0, 10],
    ]);
    expect(results!.score).to.equal(0);
    expect(results!.max_score).to.equal(24);
    expect(results!.output).to.include('cannot load this file');
  });

  it('Course tooling task numbers are read from test titles', () => {
    expect(taskOfTitle('Task 2.3 ops [simple] Task 2.4 grad of mul')).to.equal('2.4');
    expect(taskOfTitle('Notebook module0 runs')).to.equal(null);
    expect(new RegExp(taskGrep(['1.1'])).test('Task 1.1 x')).to.equal(true);
    expect(new RegExp(taskGrep(['1.1'])).test('Task 1.12 x')).to.equal(false);
    expect(new RegExp(taskGrep([])).test('Task 4.5 x')).to.equal(true);
  });
});

describe('Course tooling npm test reporter', function () {
  this.timeout(60_000);
  let dir = '';
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'minitorch-reporter-test-'));
    fs.writeFileSync(path.join(dir, 'course.json'), JSON.stringify(COURSE));
    fs.writeFileSync(
      path.join(dir, 'stubs.test.js'),
      `
class NotImplementedError extends Error { constructor(m) { super(m); this.name = 'NotImplementedError'; } }
const fc = require(${JSON.stringify(require.resolve('fast-check'))});
describe('Task 0.1 operators', () => {
  for (let i = 0; i < 5; i++) it('Task 0.1 stub ' + i, () => { throw new NotImplementedError('Task 0.1: mul'); });
  it('Task 0.1 through fast-check', () => fc.assert(fc.property(fc.integer(), () => { throw new NotImplementedError('Task 0.1: add'); })));
  it('Task 0.1 passes', () => {});
});
describe('Task 0.4 tree', () => {
  it('Task 0.4 expects an error a stub preempts', () => { throw new Error("expected [Function] to throw error matching /x/ but got 'Task 0.4: Module.train'"); });
  it('Task 0.4 is wrong', () => { throw new Error('expected 3 parameters, got 2\\nmore detail'); });
});
describe('Viz no task', () => { it('draws', () => { throw new Error('no svg'); }); });
`,
    );
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('Course tooling the reporter ends with one line per failing task, no stack frames or fast-check hints', () => {
    const reporter = path.join(__dirname, '..', 'scripts', 'taskReporter.js');
    const mocha = require.resolve('mocha/bin/mocha.js');
    const r = spawnSync(process.execPath, [mocha, '--no-config', '--reporter', reporter, 'stubs.test.js'], {
      cwd: dir,
      encoding: 'utf8',
      timeout: 50_000,
    });
    const out = `${r.stdout}${r.stderr}`;
    const summary = out.slice(out.indexOf('Failing, by task'));
    expect(
      summary
        .trim()
        .split('\n')
        .slice(1)
        .map((l) => l.trim()),
    ).to.deep.equal([
      'Task 0.1 operators: 6 of 7 tests fail — not done yet: Task 0.1: mul',
      'Task 0.4 Module tree: 2 of 2 tests fail — not done yet: Task 0.4: Module.train',
      '1 failing tests that name no task: Viz no task draws',
    ]);
    // Stubs are summarised, not listed; real failures are, with their first line only.
    expect(out).to.include('7 tests fail only because a task is not written yet');
    expect(out)
      .to.include('1) Task 0.4 tree Task 0.4 is wrong')
      .and.include('expected 3 parameters, got 2')
      .and.not.include('more detail');
    expect(out).to.not.match(/node_modules|Hint: |seed: /);
  });
});

describe('Course tooling grade command line', () => {
  it('Course tooling an unknown flag or a flag without its value is a usage error, not a silent full run', () => {
    expect(() => parseArgs(['--bogus'])).to.throw(UsageError, /grade: unknown argument "--bogus"/);
    expect(() => parseArgs(['--task'])).to.throw(UsageError, /--task needs a value/);
    expect(() => parseArgs(['--time-limit', 'soon'])).to.throw(UsageError, /--time-limit must be a positive number/);
    expect(parseArgs(['--task', '1.3', '--out=x.json']).tasks).to.deep.equal(['1.3']);
  });
});
