/**
 * Course tooling: `npm run mutation` and its table, `docs/mutation.md`. Stryker itself is too
 * slow for CI; these tests keep the committed table honest instead: a row for every task of
 * course.json, no survivor left unexplained, and every equivalent mutant listed with a
 * reason where its task's regions are.
 */
import { expect } from 'chai';
import * as fs from 'fs';
import * as path from 'path';
import { UsageError, loadCourse } from '../scripts/course';
import { scanMarkers } from '../scripts/markers';
import {
  TABLE_FILE,
  equivalentMutants,
  parseArgs,
  solutionRanges,
  tableRows,
  taskRow,
  testGrep,
  updateTable,
} from '../scripts/mutation';

const root = path.join(__dirname, '..', '..');
const doc = fs.readFileSync(path.join(root, TABLE_FILE), 'utf8');
const course = loadCourse(path.join(root, 'course.json'));

describe('Course tooling mutation table (docs/mutation.md)', () => {
  const rows = tableRows(doc, '## Per task');

  it('has one row per task of course.json, in course order', () => {
    expect(rows.map((r) => r[0])).to.deep.equal(Object.keys(course.tasks));
  });

  it('leaves no survivor unexplained: every measured row adds up, with its equivalents listed', () => {
    const listed = equivalentMutants(doc);
    for (const [task, mutants, killed, equivalent, survivors, score, measured] of rows) {
      if (/not measured/.test(measured)) {
        expect(measured, `Task ${task}: say why it is not measured`).to.match(/not measured yet: \S/);
        continue;
      }
      const [m, k, e, s] = [mutants, killed, equivalent, survivors].map(Number);
      expect(s, `Task ${task} has survivors: kill them with a test or list them as equivalent`).to.equal(0);
      expect(k + e + s, `Task ${task}: killed + equivalent + survivors`).to.equal(m);
      // A listed mutant may also be killed (a time-out on a busy machine), never the reverse.
      expect(e, `Task ${task}: equivalent mutants listed below the table`).to.be.at.most(
        listed.filter((x) => x.task === task).length,
      );
      expect(score, `Task ${task}`).to.equal(m - e === 0 ? '–' : `${Math.floor((1000 * k) / (m - e)) / 10}%`);
      expect(measured, `Task ${task}: when and on which commit`).to.match(
        /^\d{4}-\d{2}-\d{2} [0-9a-f]{7,}\+?(, without tests \/.+\/)?$/,
      );
    }
  });

  it("lists each equivalent mutant with a reason, in a file holding its task's solution region", () => {
    const listed = equivalentMutants(doc);
    expect(listed.length).to.be.greaterThan(0);
    const tasksIn = new Map<string, string[]>();
    for (const e of listed) {
      expect(e.task in course.tasks, `task ${e.task}`).to.equal(true);
      expect(e.reason.length, `reason for ${e.file} ${e.original} -> ${e.mutant}`).to.be.greaterThan(20);
      expect(e.original).to.not.equal(e.mutant);
      if (!tasksIn.has(e.file)) {
        const text = fs.readFileSync(path.join(root, e.file), 'utf8');
        tasksIn.set(
          e.file,
          scanMarkers(e.file, text).regions.map((r) => r.task),
        );
      }
      const tasks = tasksIn.get(e.file)!;
      expect(tasks, `${e.file} has a region of Task ${e.task}`).to.include(e.task);
    }
  });
});

describe('Course tooling npm run mutation', () => {
  it('takes tasks as flags, repeated or comma-separated, in course order', () => {
    expect(parseArgs(['--task', '2.3,0.1', '--task=1.1'], course)).to.deep.equal({
      tasks: ['0.1', '1.1', '2.3'],
      writeTable: false,
      concurrency: 2,
      skip: null,
    });
    expect(parseArgs(['--all', '--write-table', '--concurrency', '1'], course).tasks).to.deep.equal(
      Object.keys(course.tasks),
    );
  });

  it('rejects a bad command line with a UsageError that says what is wrong', () => {
    const bad: Array<[string[], RegExp]> = [
      [[], /name a task/],
      [['--task', '9.9'], /no task 9\.9/],
      [['--task'], /--task needs a value/],
      [['--task', '1.1', '--concurrency', '0'], /positive whole number, got "0"/],
      [['--task', '1.1', '--bogus'], /unknown argument "--bogus"/],
      [['--task', '1.1', '--skip', '('], /--skip needs a regular expression, got "\("/],
    ];
    for (const [argv, message] of bad) {
      expect(() => parseArgs(argv, course), argv.join(' '))
        .to.throw(UsageError)
        .with.property('message')
        .that.matches(message);
    }
  });

  it('runs the tests of the task, less the ones --skip names', () => {
    const grep = new RegExp(testGrep('3.2', '10,000-step'));
    expect(grep.test('Fast backend Task 3.2 matmul of a 3×4 by 4×5')).to.equal(true);
    expect(grep.test('Fast backend Task 3.2 a 10,000-step training loop reuses host memory')).to.equal(false);
    expect(grep.test('Fast backend Task 3.20 something else')).to.equal(false);
    expect(new RegExp(testGrep('3.2', null)).test('Task 3.2 a 10,000-step training loop')).to.equal(true);
  });

  it('mutates only the lines strictly between the markers, in the compiled library', () => {
    const ranges = solutionRanges(root, '1.1');
    expect(ranges.map((r) => [r.file, r.functionName])).to.deep.equal([['build/src/autodiff.js', 'centralDifference']]);
    const lines = fs.readFileSync(path.join(root, ranges[0].file), 'utf8').split('\n');
    expect(lines[ranges[0].startLine - 2]).to.match(/\/\/ BEGIN SOLUTION 1\.1$/);
    expect(lines[ranges[0].endLine]).to.match(/\/\/ END SOLUTION$/);
    expect(lines.slice(ranges[0].startLine - 1, ranges[0].endLine).join('\n')).to.not.match(/SOLUTION/);
  });

  it('scores killed / (mutants − equivalent) and rewrites only the rows it measured', () => {
    const report = (outcome: 'killed' | 'survived' | 'equivalent') => ({
      task: '0.1',
      where: 'src/operators.ts:1',
      functionName: 'f',
      original: 'a',
      mutant: 'b',
      mutator: 'M',
      outcome,
    });
    const row = taskRow('0.1', [report('killed'), report('killed'), report('equivalent'), report('survived')], 'D');
    expect(row).to.include({ mutants: 4, killed: 2, equivalent: 1, survivors: 1, score: 66.6 });
    const updated = updateTable(doc, [row]);
    const before = tableRows(doc, '## Per task');
    const after = tableRows(updated, '## Per task');
    expect(after.find((r) => r[0] === '0.1')).to.deep.equal(['0.1', '4', '2', '1', '1', '66.6%', 'D']);
    expect(after.filter((r) => r[0] !== '0.1')).to.deep.equal(before.filter((r) => r[0] !== '0.1'));
    expect(equivalentMutants(updated)).to.deep.equal(equivalentMutants(doc));
  });
});
