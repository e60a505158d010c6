/**
 * The notebook checks (`src/course/checks/`) as mocha tests: what `grading.checkTask("1.3")`
 * shows in a notebook is exactly what these tests run, with more random cases, drawn by
 * fast-check from the same generators so that a failing case shrinks. Also tests the
 * in-notebook runner itself (`Grading` tests).
 */
import { expect } from 'chai';
import * as fs from 'fs';
import * as path from 'path';
import { repoRoot } from '../scripts/course';
import * as fc from 'fast-check';
import { PropertyRunner, checkedTasks, checksFor } from '../src/course/checks';
import { PropertySuite, plantedBugs, propertySuiteChecks } from '../src/course/checks/properties';
import { NotImplementedError } from '../src/errors';
import {
  TaskReport,
  checkTask,
  reportHtml,
  reportText,
  runCheckList,
  runChecks,
  sourceLine,
} from '../src/course/grading';
import { isNotDone } from '../scripts/testSummary';
import { linearClassifier } from '../src/apps/handClassifier';
import { Random } from '../src/random';
import { arbitrary, smallFloats } from './helpers/arbitraries';

/** Random cases per property here (notebooks use 20). */
const RUNS = 60;

/** The checks' `forAll` as a fast-check property: seeded, so a run repeats; cases shrink. */
const property: PropertyRunner = (gen, body) =>
  fc.assert(
    fc.property(arbitrary(gen), (value) => {
      body(value);
    }),
    { seed: 7, numRuns: RUNS },
  );

for (const task of checkedTasks()) {
  describe(`Task ${task} notebook checks`, () => {
    for (const check of checksFor(task)) {
      it(`Task ${task} ${check.name}`, async () => {
        await check.run({ rng: new Random(7), runs: RUNS, property });
      });
    }
  });
}

/**
 * Throw what a stub throws when a report has an unfinished check: a test of the runner that
 * needs a solved task then fails as "not done yet" in the starter (`npm test`'s summary
 * groups it under its task), not as a wrong answer listed on its own.
 */
function throwIfUnfinished(report: TaskReport): void {
  const todo = report.results.find((r) => r.status === 'todo');
  if (todo !== undefined) throw new NotImplementedError(todo.message);
}

describe('Grading checkTask runner', () => {
  it('Grading covers the tasks of Modules 0 to 2', () => {
    const tasks = checkedTasks();
    for (const t of ['0.1', '0.3', '0.4', '1.1', '1.2', '1.3', '1.4', '2.1', '2.2', '2.3', '2.4']) {
      expect(tasks, `checks for Task ${t}`).to.include(t);
      expect(checksFor(t).length, `number of checks for Task ${t}`).to.be.greaterThan(1);
    }
  });

  it('Task 0.1 Grading runChecks reports every check as passing once the task is solved', async () => {
    const report = await runChecks('0.1', { runs: 5 });
    throwIfUnfinished(report);
    expect(report.task).to.equal('0.1');
    expect(report.results).to.have.length(checksFor('0.1').length);
    expect(report.ok, reportText(report)).to.equal(true);
    expect(reportText(report)).to.match(/^Task 0\.1: \d+\/\d+ checks pass/);
    expect(reportHtml(report)).to.include('data-ok="true"').and.include('<table class="minitorch-checks"');
    expect(reportHtml(report), 'no message column when every check passes').to.not.include('message</th>');
  });

  it('Grading classifies passing, failing and unfinished checks', async () => {
    // A fake task: one passing, one failing and one unfinished check.
    const fake = [
      { name: 'passes', run: () => undefined },
      {
        name: 'fails <b>',
        run: () => {
          throw new Error('wrong answer');
        },
      },
      {
        name: 'unfinished',
        run: () => {
          throw new NotImplementedError('Task 9.9: f');
        },
      },
    ];
    const report = await runCheckList('9.9', fake);
    expect(report.results.map((r) => r.status)).to.deep.equal(['pass', 'fail', 'todo']);
    expect(report.results[1].message).to.equal('Error: wrong answer');
    expect(report.results[2].message).to.equal('Task 9.9: write f');
    expect(report.ok).to.equal(false);
    expect(reportHtml(report)).to.include('fails &lt;b&gt;').and.include('message</th>').and.include('data-ok="false"');
    expect(reportText(report)).to.include('TODO').and.include('FAIL');
  });

  it("Grading a check's thrown error names the src/*.ts line it came from", async () => {
    // A bug in library code (here: bad input that linearClassifier rejects) is not a wrong
    // answer: the row says where it was thrown, through the source maps the tests run with.
    const report = await runCheckList('9.9', [
      { name: 'throws in src', run: () => void linearClassifier({ w1: NaN, w2: 0, b: 0 }) },
    ]);
    expect(report.results[0].status).to.equal('fail');
    expect(report.results[0].message).to.match(
      /^TypeError: linearClassifier: weights\.w1 must be a finite number, got NaN \(at src\/apps\/handClassifier\.ts:\d+\)$/,
    );
    const line = Number(/:(\d+)\)$/.exec(report.results[0].message)![1]);
    const source = fs.readFileSync(path.join(repoRoot(), 'src/apps/handClassifier.ts'), 'utf8').split('\n');
    expect(source[line - 1]).to.include('throw new TypeError');
    // Frames of the check machinery, node_modules and tests are passed over.
    const stack = (...frames: string[]) => Object.assign(new Error('x'), { stack: ['Error: x', ...frames].join('\n') });
    expect(
      sourceLine(stack('    at f (/r/src/course/checks/module0.ts:3:1)', '    at g (/r/src/scalar.ts:12:5)')),
    ).to.equal('src/scalar.ts:12');
    expect(sourceLine(stack('    at t (/r/tests/x.test.ts:1:1)', '    at m (/r/node_modules/src/a.ts:1:1)'))).to.equal(
      undefined,
    );
  });

  it('Grading a runner test on an unwritten task fails as "not done yet", as the stubs do', () => {
    const report = { task: '0.3', passed: 0, ok: false, results: [] as TaskReport['results'] };
    report.results.push({ name: 'map', status: 'todo', message: 'Task 0.3: write map in src/operators.ts', ms: 0 });
    let error: unknown;
    try {
      throwIfUnfinished(report);
    } catch (e) {
      error = e;
    }
    expect(isNotDone(error as Error), String(error)).to.equal(true);
    expect(() => throwIfUnfinished({ ...report, results: [{ ...report.results[0], status: 'pass' }] })).to.not.throw();
  });

  it('Task 0.3 Grading checkTask prints the table outside a notebook and rejects an unknown task', async () => {
    const lines: string[] = [];
    const log = console.log;
    console.log = (s: string) => lines.push(s);
    try {
      // The same checks as the table below, so that an unwritten Task 0.3 (the starter) fails
      // as "not done yet", not as a wrong answer.
      throwIfUnfinished(await runChecks('0.3', { runs: 3 }));
      await checkTask('0.3', { runs: 3 });
    } finally {
      console.log = log;
    }
    expect(lines.join('\n')).to.match(/Task 0\.3: (\d+)\/\1 checks pass/);
    let error: unknown;
    await runChecks('9.9').catch((e) => (error = e));
    expect(String(error)).to.match(/no checks for task "9\.9"/);
  });

  it('Grading checkTask never throws: a failing or unfinished task prints its table, a task without checks a line', async () => {
    const lines: string[] = [];
    const log = console.log;
    console.log = (s: string) => lines.push(s);
    try {
      // The stubs of Task 0.1 as the starter has them: every check is TODO, nothing thrown.
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- the module object itself, to swap in stubs
      const operators = require('../src/operators') as Record<string, unknown>;
      const saved = { ...operators };
      for (const name of [
        'mul',
        'add',
        'neg',
        'lt',
        'eq',
        'max',
        'isClose',
        'relu',
        'log',
        'exp',
        'inv',
        'sigmoid',
        'logBack',
        'invBack',
        'reluBack',
      ]) {
        operators[name] = () => {
          throw new NotImplementedError(`Task 0.1: ${name}`);
        };
      }
      try {
        await checkTask('0.1', { runs: 2 });
      } finally {
        Object.assign(operators, saved);
      }
      await checkTask('9.9');
    } finally {
      console.log = log;
    }
    const text = lines.join('\n');
    expect(text).to.match(/^Task 0\.1: 0\/\d+ checks pass/);
    expect(text).to.match(/TODO .* Task 0\.1: write mul/);
    expect(text).to.not.match(/PASS|FAIL/);
    expect(text).to.match(/Task 9\.9: no checks to run here/);
  });
});

describe("Grading property-test checks (how students' property tests are graded)", () => {
  const ctx = { rng: new Random(3), runs: 100 };
  /** Status of each check of a suite: pass or the failure's message. */
  const statuses = async (suite: PropertySuite) => {
    const out: string[] = [];
    for (const check of propertySuiteChecks(suite)) {
      try {
        await check.run(ctx);
        out.push('pass');
      } catch (e) {
        out.push((e as Error).message);
      }
    }
    return out;
  };
  const prop = (name: string, law: (x: number, y: number) => boolean) => ({
    name,
    run: () => fc.assert(fc.property(smallFloats, smallFloats, law)),
  });

  it('Grading a suite of one sigmoid law catches only the sigmoid bugs it covers', async () => {
    const weak: PropertySuite = (ops) => [prop('sigmoid in [0, 1]', (x) => ops.sigmoid(x) >= 0 && ops.sigmoid(x) <= 1)];
    const got = await statuses(weak);
    expect(got[0]).to.equal('pass');
    expect(got.slice(1).map((s) => s === 'pass')).to.deep.equal(
      plantedBugs.map((b) => b.bug === 'sigmoid leaves [0, 1]'),
    );
    const mulBug = plantedBugs.findIndex((b) => b.bug === 'mul is not symmetric');
    expect(got[1 + mulBug]).to.equal('no property fails when mul is not symmetric');
  });

  it('Grading a wrong law fails on correct operators, and no properties at all is an error', async () => {
    const wrong: PropertySuite = (ops) => [prop('mul is add', (x, y) => ops.mul(x, y) === ops.add(x, y))];
    expect((await statuses(wrong))[0]).to.match(/^a property fails on correct operators: mul is add: Property failed/);
    expect((await statuses(() => []))[0]).to.equal('operatorProperties returned no properties');
  });
});
