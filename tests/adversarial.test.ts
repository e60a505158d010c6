/**
 * Course tooling: submissions that try to raise their own score. A Module 0 bundle
 * (`--modules 0`, 35 points) is built and set up once in Gradescope's layout, then each
 * submission below is graded by the real `run_autograder`, as root as on Gradescope. Every
 * one is a student's Task 0.1 (honest score 10 / 35) plus a few lines inside the `mul`
 * solution region; each must get exactly its honest score, or 0 with a visible "TAMPERING
 * DETECTED". After each run no process of the grading user may be left, nor any file of it
 * in the temp folders. The parts that need a privilege drop are skipped, saying so, when the
 * tests do not run as root (CI runs as root).
 */
import { expect } from 'chai';
import { ChildProcess, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { unzip, writeBundle } from '../scripts/autograder';
import { repoRoot } from '../scripts/course';
import type { GradescopeResults } from '../scripts/grade';
import { spliceRegions } from '../scripts/markers';
import {
  SANDBOX_USER,
  canSandbox,
  endAll,
  liveProcessesOf,
  sandboxUser,
  spawnLimited,
  zombiesOf,
} from '../scripts/sandbox';
import { gradeSubmission } from './helpers/gradescope';

const ROOT = repoRoot();
const AS_ROOT = canSandbox();

/**
 * Payload helper, pasted before each payload: finds the autograder root from the grader's
 * command line in /proc (readable by every user), as an attacker would.
 */
const FIND_ROOT = `
    const findRoot = (): string => {
      const fs = require('fs');
      for (const pid of fs.readdirSync('/proc')) {
        try {
          const argv = fs.readFileSync('/proc/' + pid + '/cmdline', 'utf8').split('\\0');
          const i = argv.indexOf('--root');
          if (i > 0 && argv.some((a: string) => a.endsWith('autograder.js'))) return argv[i + 1];
        } catch {}
      }
      return '/autograder';
    };`;

/** The submissions: name → lines run on the first call of `mul` (the same process as the tests). */
const PAYLOADS: Record<string, string> = {
  'rewrite the JSON report on exit (path from process.argv)': `
    process.on('exit', () => {
      const fs = require('fs');
      for (const a of process.argv) {
        const m = /output=(.*)/.exec(a);
        if (m) { try { const r = JSON.parse(fs.readFileSync(m[1], 'utf8')); r.passes.push(...r.failures); r.failures = []; fs.writeFileSync(m[1], JSON.stringify(r)); } catch {} }
      }
    });`,
  "patch mocha's Runnable.prototype.run so every test just calls its function": `
    const M = require('mocha');
    M.Runnable.prototype.run = function (this: any, fn: (e?: unknown) => void) { try { this.fn && this.fn.call(this.ctx); } catch {} fn(); };`,
  'a detached process that overwrites results.json after the grader writes it': `${FIND_ROOT}
    const target = findRoot() + '/results/results.json';
    const fake = JSON.stringify({ score: 35, max_score: 35, tests: [] });
    require('child_process').spawn('/bin/sh', ['-c', 'for i in $(seq 1 400); do echo \\'' + fake + '\\' > ' + target + ' 2>/dev/null; sleep 0.05; done'], { detached: true, stdio: 'ignore' }).unref();`,
  "replace chai's expect and assert with a no-op proxy": `
    const chai = require('chai');
    const noop: any = new Proxy(function () {}, { get: () => noop, apply: () => noop });
    chai.expect = () => noop;
    chai.assert = noop;`,
  'process.exit(0) on the first call': `
    process.exit(0);`,
  'write a fake results.json directly': `${FIND_ROOT}
    try { require('fs').writeFileSync(findRoot() + '/results/results.json', JSON.stringify({ score: 35, max_score: 35, tests: [] })); } catch {}`,
  'patch Function.prototype.call to swallow errors': `
    const apply = Reflect.apply;
    Function.prototype.call = function (this: any, self: unknown, ...args: unknown[]) { try { return apply(this, self, args); } catch { return undefined; } };`,
  'patch Math so every closeness check holds': `
    Math.abs = () => 0;`,
  'patch fast-check so every property holds': `
    const fc = require('fast-check');
    // Its exports are getters, but configurable.
    Object.defineProperty(fc, 'assert', { value: () => undefined });
    Object.defineProperty(fc, 'check', { value: () => ({ failed: false }) });`,
  'a fork bomb': `
    require('child_process').spawn('/bin/bash', ['-c', 'b() { b | b & }; b'], { detached: true, stdio: 'ignore' }).unref();`,
  'fill the disk (50 MB in the temp folders)': `
    const fs = require('fs');
    const mb = Buffer.alloc(1024 * 1024, 7);
    for (const dir of [require('os').tmpdir(), '/tmp', '/dev/shm']) {
      try { const fd = fs.openSync(dir + '/fill-' + process.pid, 'w'); for (let i = 0; i < 17; i++) fs.writeSync(fd, mb); fs.closeSync(fd); } catch {}
    }`,
  'read the reference solution (and break mul if it could)': `${FIND_ROOT}
    try { require('fs').readFileSync(findRoot() + '/source/reference/src/operators.js'); (globalThis as any).__sawReference = true; } catch {}`,
  'write into the bundle (the grader, the tests, course.json)': `${FIND_ROOT}
    const fs = require('fs');
    const repo = findRoot() + '/source/repo/';
    for (const f of ['build/scripts/grade.js', 'build/scripts/autograder.js', 'build/tests/operators.test.js', 'course.json']) {
      try { fs.writeFileSync(repo + f, 'module.exports = {};'); } catch {}
    }`,
  'print fake results lines (stdout and the reporter pipe) for every test': `
    const { execFileSync } = require('child_process');
    const mocha = require.resolve('mocha/bin/mocha.js');
    const files = require('fs').readdirSync('build/tests').filter((f: string) => f.endsWith('.test.js')).map((f: string) => 'build/tests/' + f);
    const list = JSON.parse(execFileSync(process.execPath, [mocha, '--no-config', '--dry-run', '--reporter', 'json', ...files], { encoding: 'utf8', maxBuffer: 1 << 26 }));
    for (const t of list.tests) {
      const line = JSON.stringify({ e: 'pass', t: t.fullTitle }) + '\\n';
      process.stdout.write(line);
      try { require('fs').writeSync(3, line); } catch {}
    }`,
};

/** What each submission must get: its honest score, or flagged. */
const EXPECTED: Record<string, number | 'tampering'> = {
  'rewrite the JSON report on exit (path from process.argv)': 10,
  "patch mocha's Runnable.prototype.run so every test just calls its function": 'tampering',
  'a detached process that overwrites results.json after the grader writes it': 10,
  "replace chai's expect and assert with a no-op proxy": 'tampering',
  // Its honest score: mul ends the process, so no Task 0.1 test can pass.
  'process.exit(0) on the first call': 0,
  'write a fake results.json directly': 10,
  'patch Function.prototype.call to swallow errors': 'tampering',
  'patch Math so every closeness check holds': 'tampering',
  'patch fast-check so every property holds': 'tampering',
  'a fork bomb': 10,
  'fill the disk (50 MB in the temp folders)': 10,
  'read the reference solution (and break mul if it could)': 10,
  'write into the bundle (the grader, the tests, course.json)': 10,
  // It lists the tests itself, the grader's planted checks included, and reports them passed.
  'print fake results lines (stdout and the reporter pipe) for every test': 'tampering',
};

/** Cases whose defence is the privilege drop. */
const NEEDS_ROOT = new Set([
  'a detached process that overwrites results.json after the grader writes it',
  'write a fake results.json directly',
  'a fork bomb',
  'fill the disk (50 MB in the temp folders)',
  'read the reference solution (and break mul if it could)',
  'write into the bundle (the grader, the tests, course.json)',
]);

describe('Course tooling adversarial submissions', function () {
  this.timeout(180_000);
  let tmp = '';
  let starterOps = '';
  let solutionOps = '';

  /** Task 0.1 solved (Task 0.3's regions left as stubs), `payload` inside `mul`. */
  function operators(payload: string, options: { also03?: boolean } = {}): string {
    const solved = spliceRegions(
      starterOps,
      solutionOps,
      (t) => t === '0.1' || (options.also03 === true && t === '0.3'),
    ).text;
    const guarded = payload
      ? `  if (!(globalThis as any).__payloadRan) {\n    (globalThis as any).__payloadRan = true;${payload}\n  }\n  if ((globalThis as any).__sawReference) return x * y + 1;\n`
      : '';
    return solved.replace('  return x * y;\n', `${guarded}  return x * y;\n`);
  }

  /** Grade a submission with run_autograder; its results and the run's output. */
  function submit(files: Record<string, string>): { results: GradescopeResults; output: string } {
    // A value check gets 3 test limits: on a loaded CI machine a check that writes 50 MB
    // (the disk case) took over 5 s and capped an honest task at 0.
    const env = { AUTOGRADER_TEST_TIMEOUT: '5', AUTOGRADER_GRACE: '2', AUTOGRADER_CHECK_TIMEOUT: '15' };
    return gradeSubmission(tmp, path.join(tmp, 'source', 'run_autograder'), files, env, 150_000);
  }

  /** Nothing of the grading user may be left running, or in the temp folders. */
  function expectNothingLeft(): void {
    if (!AS_ROOT) return;
    const uid = Number(spawnSync('id', ['-u', SANDBOX_USER], { encoding: 'utf8' }).stdout.trim());
    expect(liveProcessesOf(uid), 'processes of the grading user left running').to.deep.equal([]);
    for (const dir of ['/tmp', '/var/tmp', '/dev/shm', os.tmpdir()]) {
      const owned = fs.readdirSync(dir).filter((n) => {
        try {
          return fs.lstatSync(path.join(dir, n)).uid === uid;
        } catch {
          return false;
        }
      });
      expect(owned, `files of the grading user left in ${dir}`).to.deep.equal([]);
    }
  }

  before(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'minitorch-adversarial-'));
    const bundle = path.join(tmp, 'autograder.zip');
    writeBundle(bundle, ROOT, { modules: [0] });
    for (const e of unzip(fs.readFileSync(bundle))) {
      const dest = path.join(tmp, 'source', e.name);
      fs.mkdirSync(path.dirname(dest), { recursive: true });
      fs.writeFileSync(dest, e.data, { mode: e.mode });
    }
    fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(tmp, 'source', 'repo', 'node_modules'), 'dir');
    const r = spawnSync(path.join(tmp, 'source', 'setup.sh'), [], {
      encoding: 'utf8',
      env: { ...process.env, MINITORCH_NO_APT: '1' },
      timeout: 170_000,
    });
    expect(r.status, `${r.stdout}${r.stderr}`.slice(-3000)).to.equal(0);
    starterOps = fs.readFileSync(path.join(tmp, 'source', 'repo', 'src', 'operators.ts'), 'utf8');
    solutionOps = fs.readFileSync(path.join(ROOT, 'src', 'operators.ts'), 'utf8');
  });

  after(() => {
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('Course tooling the Module 0 bundle grades Module 0 only: maximum 35, its tasks, the reference root-only', () => {
    const { results } = submit({ 'src/operators.ts': operators('') });
    expect(results.max_score).to.equal(35);
    expect(results.tests.map((t) => [t.number, t.score, t.max_score])).to.deep.equal([
      ['0.1', 10, 10],
      ['0.2', 0, 5],
      ['0.3', 0, 5],
      ['0.4', 0, 10],
      ['0.5', 0, 5],
    ]);
    expect(results.score, 'the honest score of every submission below').to.equal(10);
    const names = unzip(fs.readFileSync(path.join(tmp, 'autograder.zip'))).map((e) => e.name);
    expect(
      names
        .filter((n) => n.startsWith('repo/tests/') && n.endsWith('.test.ts'))
        .map((n) => n.slice(5))
        .sort(),
    ).to.deep.equal(
      fs
        .readdirSync(path.join(tmp, 'source', 'repo', 'tests'))
        .filter((n) => n.endsWith('.test.ts'))
        .map((n) => `tests/${n}`)
        .sort(),
    );
    expect(names).to.include('reference/src/operators.js').and.not.include('reference/src/tensorOps.ts');
    // The reference holds the released tasks' solutions only.
    const ref = fs.readFileSync(path.join(tmp, 'source', 'reference', 'src', 'operators.js'), 'utf8');
    expect(ref).to.include('return x * y;');
    expect(fs.readFileSync(path.join(tmp, 'source', 'reference', 'src', 'autodiff.js'), 'utf8')).to.include(
      "NotImplementedError('Task 1.1",
    );
    if (AS_ROOT) expect(fs.statSync(path.join(tmp, 'source', 'reference')).mode & 0o077).to.equal(0);
    expectNothingLeft();
  });

  for (const [name, payload] of Object.entries(PAYLOADS)) {
    const expected = EXPECTED[name];
    it(`Course tooling adversarial: ${name} → ${expected === 'tampering' ? 'TAMPERING DETECTED, 0' : `${expected} / 35`}`, function () {
      if (NEEDS_ROOT.has(name) && !AS_ROOT) this.skip(); // needs the privilege drop: run the tests as root (CI does)
      const before = fs.readFileSync(path.join(tmp, 'source', 'repo', 'build', 'scripts', 'grade.js'));
      const { results, output } = submit({ 'src/operators.ts': operators(payload) });
      const summary = `${results.score}: ${results.output.slice(0, 1500)}\n${output.slice(-1500)}`;
      if (expected === 'tampering') {
        expect(results.score, summary).to.equal(0);
        expect(results.output, summary).to.match(/^TAMPERING DETECTED/);
        expect(results.tests.every((t) => t.score === 0 && t.output.startsWith('TAMPERING DETECTED'))).to.equal(true);
      } else {
        expect(results.score, summary).to.equal(expected);
        expect(results.output).to.not.include('TAMPERING');
      }
      expect(results.max_score).to.equal(35);
      // Nothing the submission did outlives the run: the file on disk stays what was graded.
      const file = path.join(tmp, 'results', 'results.json');
      const written = fs.readFileSync(file, 'utf8');
      spawnSync('sleep', ['0.3']);
      expect(fs.readFileSync(file, 'utf8')).to.equal(written);
      expect(
        fs.readFileSync(path.join(tmp, 'source', 'repo', 'build', 'scripts', 'grade.js')).equals(before),
        'the bundle is unchanged',
      ).to.equal(true);
      if (name.startsWith('process.exit'))
        expect(results.output).to.match(
          /the test process ended before the tests did \(exit code 0\) during "Task 0\.1 /,
        );
      expectNothingLeft();
    });
  }

  // Where PID 1 reaps no orphans (a container with no init, as CI's), the processes a fork
  // bomb leaves are zombies for good, and the kernel counts them against the user's process
  // limit: the next run could not start a thread (node aborted at start, every task 0).
  it("Course tooling sandbox: the grading user's zombies do not use up a run's process limit", async function () {
    if (!AS_ROOT) this.skip(); // needs the privilege drop
    const user = sandboxUser();
    const before = zombiesOf(user.uid).length;
    // 40 children that exit under a parent that never reaps them (sleep exec'd over their shell).
    const parent = spawnLimited(
      '/bin/bash',
      ['-c', 'for i in $(seq 40); do sleep 0.2 & done; exec sleep 30'],
      { stdio: 'ignore' },
      user,
    );
    try {
      for (let i = 0; i < 100 && zombiesOf(user.uid).length < before + 40; i++) spawnSync('sleep', ['0.05']);
      expect(zombiesOf(user.uid).length - before, 'zombies made').to.be.at.least(40);
      // Node starts about a dozen threads: 30 processes is room for it, not for it and the zombies.
      const child: ChildProcess = spawnLimited(
        process.execPath,
        ['-e', 'console.log("started")'],
        { stdio: ['ignore', 'pipe', 'pipe'] },
        user,
        { maxProcesses: 30, maxFileMiB: 1 },
      );
      let out = '';
      child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
      const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
      expect(out.trim(), out.slice(-500)).to.equal('started');
      expect(code).to.equal(0);
    } finally {
      endAll(parent, user);
    }
    expectNothingLeft();
  });

  it('Course tooling adversarial: a test that sleeps past its limit costs its own task only, and is named', function () {
    const sleeper = `\n    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 600_000);`;
    // Tasks 0.1 and 0.3 solved; prod (Task 0.3) sleeps for ten minutes the first time.
    const ops = operators('', { also03: true }).replace(
      '  return reduce(mul, 1)(ls);\n',
      `  if (!(globalThis as any).__slept) {\n    (globalThis as any).__slept = true;${sleeper}\n  }\n  return reduce(mul, 1)(ls);\n`,
    );
    const { results } = submit({ 'src/operators.ts': ops });
    const byTask = Object.fromEntries(results.tests.map((t) => [t.number, t]));
    expect(byTask['0.1'].score, results.output).to.equal(10);
    expect(byTask['0.3'].score).to.be.below(5);
    expect(byTask['0.3'].output).to.match(/did not finish within 7 s and was stopped \(build\/tests\/\w+\.test\.js\)/);
    expect(results.output).to.match(
      /Task 0\.3: "Task 0\.3 [^"]+" \(build\/tests\/\w+\.test\.js\) did not finish within 7 s/,
    );
    // The value check calls prod in a fresh process, where it sleeps again: stopped and named.
    expect(results.output).to.match(
      /Task 0\.3: the grader's value check \([^)]+\) did not answer within 15 s and was stopped/,
    );
    expectNothingLeft();
  });
});
