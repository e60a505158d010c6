/**
 * Course tooling: the course walked through from the starter (`scripts/walkthrough.ts`).
 * The starter is written once and its solutions restored task by task in course order;
 * after each step, exactly the task just solved reaches full points, no earlier task loses
 * any, and no task scores before it is solved. One walk, checked module by module.
 */
import { expect } from 'chai';
import { loadCourse, moduleOf } from '../scripts/course';
import { WalkResult, walkthrough } from '../scripts/walkthrough';

const MODULES = [...new Set(Object.keys(loadCourse().tasks).map(moduleOf))];

describe('Course tooling walkthrough: solving the starter task by task', function () {
  // Measured about 2 minutes of CPU for the 25 steps; the budget allows a loaded machine.
  this.timeout(25 * 60_000);
  let walk: WalkResult;
  const lines: string[] = [];

  before(async () => {
    walk = await walkthrough({ log: (line) => lines.push(line) });
  });

  it('Course tooling walkthrough grades every task once it is solved, in course order', () => {
    const course = loadCourse();
    expect(walk.steps.map((s) => s.task)).to.deep.equal(Object.keys(course.tasks));
    expect(
      walk.steps.map((s) => s.scores[s.task]),
      lines.join('\n'),
    ).to.deep.equal(Object.values(course.tasks).map((t) => t.points));
  });

  for (const m of MODULES) {
    it(`Course tooling walkthrough Module ${m}: each step brings exactly its task to full points`, () => {
      const mine = walk.problems.filter((p) => new RegExp(`^(before|after) ${m}\\.`).test(p));
      expect(mine, lines.join('\n')).to.deep.equal([]);
    });
  }
});
