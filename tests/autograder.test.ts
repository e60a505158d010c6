/**
 * Course tooling: the Gradescope bundle (`npm run autograder -- OUT.zip`), run in
 * Gradescope's layout (source/, submission/, results/) in a temporary folder: unpacked,
 * `setup.sh` run once (reusing this repository's node_modules instead of installing), then
 * `run_autograder` for four submissions. Only Module 0's first tasks are graded
 * (`AUTOGRADER_TASKS`), to keep the test short; `npm run grade` covers the rest.
 */
import { expect } from 'chai';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { unzip, writeBundle, zip } from '../scripts/autograder';
import { loadCourse, repoRoot } from '../scripts/course';
import type { GradescopeResults } from '../scripts/grade';
import { gradeSubmission } from './helpers/gradescope';

const ROOT = repoRoot();

describe('Course tooling Gradescope autograder', function () {
  this.timeout(600_000);
  let tmp = '';
  let setup: { status: number | null; output: string };

  /** Put `files` (path → text) in submission/ and run the autograder; its results. */
  function submit(files: Record<string, string>): { results: GradescopeResults; output: string } {
    return gradeSubmission(tmp, path.join(tmp, 'run_autograder'), files, { AUTOGRADER_TASKS: '0.1,0.2' }, 300_000);
  }

  const solution = (f: string) => fs.readFileSync(path.join(ROOT, f), 'utf8');

  before(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'minitorch-gradescope-'));
    const bundle = path.join(tmp, 'autograder.zip');
    writeBundle(bundle);
    // Gradescope unpacks the bundle into source/ and runs run_autograder from its root.
    for (const e of unzip(fs.readFileSync(bundle))) {
      const dest = path.join(tmp, 'source', e.name);
      fs.mkdirSync(path.dirname(dest), { recursive: true });
      fs.writeFileSync(dest, e.data, { mode: e.mode });
    }
    fs.copyFileSync(path.join(tmp, 'source', 'run_autograder'), path.join(tmp, 'run_autograder'));
    fs.chmodSync(path.join(tmp, 'run_autograder'), 0o755);
    fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(tmp, 'source', 'repo', 'node_modules'), 'dir');
    const r = spawnSync(path.join(tmp, 'source', 'setup.sh'), [], {
      encoding: 'utf8',
      env: { ...process.env, MINITORCH_NO_APT: '1' },
      timeout: 300_000,
    });
    setup = { status: r.status, output: `${r.stdout ?? ''}${r.stderr ?? ''}` };
  });

  after(() => {
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('Course tooling the bundle holds executable setup.sh and run_autograder, the starter, and no solution', () => {
    expect(setup.status, setup.output.slice(-3000)).to.equal(0);
    const entries = unzip(fs.readFileSync(path.join(tmp, 'autograder.zip')));
    const names = entries.map((e) => e.name);
    expect(names).to.include.members([
      'setup.sh',
      'run_autograder',
      'repo/package-lock.json',
      'repo/scripts/grade.ts',
      'repo/tests/operators.test.ts',
    ]);
    for (const n of ['setup.sh', 'run_autograder']) expect(entries.find((e) => e.name === n)!.mode, n).to.equal(0o755);
    const ops = entries.find((e) => e.name === 'repo/src/operators.ts')!.data.toString('utf8');
    expect(ops).to.include("throw new NotImplementedError('Task 0.1: mul')").and.not.include('return x * y;');
    // The maximum on Gradescope is the course's total.
    const course = loadCourse(path.join(tmp, 'source', 'repo', 'course.json'));
    expect(Object.values(course.tasks).reduce((a, t) => a + t.points, 0)).to.equal(240);
  });

  it('Course tooling zip and unzip round-trip names, contents and modes', () => {
    const entries = [
      { name: 'a/b.txt', data: Buffer.from('hello '.repeat(50)), mode: 0o644 },
      { name: 'run', data: Buffer.from('#!/bin/sh\n'), mode: 0o755 },
    ];
    expect(unzip(zip(entries))).to.deep.equal(entries);
    expect(() => unzip(Buffer.from('not a zip'))).to.throw(/not a zip archive/);
  });

  it('Course tooling a correct submission gets full points, with results.json in Gradescope format', () => {
    const { results } = submit({
      'src/operators.ts': solution('src/operators.ts'),
      'src/operatorProperties.ts': solution('src/operatorProperties.ts'),
    });
    expect(results.tests.map((t) => [t.number, t.score, t.max_score, t.visibility])).to.deep.equal([
      ['0.1', 10, 10, 'visible'],
      ['0.2', 5, 5, 'visible'],
    ]);
    expect(results.score).to.equal(15);
    expect(results.execution_time).to.be.a('number');
    for (const t of results.tests) {
      expect(t.name).to.match(/^Task 0\.\d: /);
      expect(t.output).to.include('tests pass');
    }
    const taken = /src\/operators\.ts \((\d+) of (\d+) regions\)/.exec(results.output);
    expect(taken, results.output).to.not.equal(null);
    expect(taken![1]).to.equal(taken![2]);
  });

  it('Course tooling an empty submission scores 0 and says what was missing', () => {
    const { results } = submit({});
    expect(results.tests.map((t) => [t.number, t.score, t.max_score])).to.deep.equal([
      ['0.1', 0, 10],
      ['0.2', 0, 5],
    ]);
    expect(results.output).to.include('Not in your submission').and.include('src/operators.ts');
  });

  it('Course tooling a submission that does not compile: a syntax error costs its file, a type error is reported', () => {
    const broken = solution('src/operators.ts').replace('  return x * y;\n', '  return x * ;\n');
    const mistyped = solution('src/operatorProperties.ts').replace(
      '  // BEGIN SOLUTION 0.2\n',
      "  // BEGIN SOLUTION 0.2\n  const unused: number = 'text';\n",
    );
    expect(mistyped).to.include("const unused: number = 'text'");
    // A zip of the repository puts everything under one folder: that is found too.
    const { results } = submit({
      'minitorch/src/operators.ts': broken,
      'minitorch/src/operatorProperties.ts': mistyped,
    });
    expect(results.tests.map((t) => [t.number, t.score])).to.deep.equal([
      ['0.1', 0],
      ['0.2', 5],
    ]);
    expect(results.output).to.match(
      /Syntax errors, so graded as the unsolved starter:\s+src\/operators\.ts: line \d+: Expression expected/,
    );
    expect(results.output)
      .to.include('TypeScript compiler reported problems')
      .and.include('src/operatorProperties.ts')
      .and.include('TS2322');
  });

  it('Course tooling a submission cannot replace a test or the grader', () => {
    const cheat =
      "describe('Task 0.1 all', () => { for (let i = 0; i < 99; i++) it('Task 0.1 passes ' + i, () => {}); });\n";
    const { results } = submit({
      'tests/operators.test.ts': cheat,
      'tests/cheat.test.ts': cheat,
      'scripts/grade.ts': 'console.log("full marks");\n',
      'course.json': '{"tasks": {"0.1": {"title": "x", "points": 1000}}}',
      'src/operatorProperties.ts': solution('src/operatorProperties.ts'),
    });
    expect(results.tests.map((t) => [t.number, t.score, t.max_score])).to.deep.equal([
      ['0.1', 0, 10],
      ['0.2', 5, 5],
    ]);
    expect(JSON.stringify(results)).to.not.include('passes 98');
  });
});

describe('Course tooling autograder output path', () => {
  it('Course tooling a zip in a folder that does not exist, or a folder, is refused before anything is made', () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'minitorch-bundle-path-'));
    try {
      const missing = path.join(tmp, 'no', 'such', 'dir');
      expect(() => writeBundle(path.join(missing, 'ag.zip'))).to.throw(
        /autograder: the folder .*no\/such\/dir does not exist/,
      );
      expect(fs.existsSync(path.join(tmp, 'no')), 'no folder is created').to.equal(false);
      expect(() => writeBundle(tmp)).to.throw(/autograder: .* is a folder; give the path of the zip file to write/);
      expect(fs.readdirSync(tmp)).to.deep.equal([]);
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });
});
