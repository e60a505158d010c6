/**
 * `npm run task -- 1.3 [1.4 ...]`: run the tests of the given course tasks (after building),
 * i.e. mocha with a `--grep` that matches `Task 1.3` but not `Task 1.30`.
 *
 * @packageDocumentation
 */
import { spawnSync } from 'child_process';
import { TASK_ID, loadCourse, repoRoot, taskGrep } from './course';

function main(tasks: string[]): number {
  const bad = tasks.filter((t) => !TASK_ID.test(t));
  if (tasks.length === 0 || bad.length > 0) {
    console.error(
      `task: give task numbers like 1.3 (usage: npm run task -- 1.3 [1.4 ...])${bad.length ? `; not a task: ${bad.join(', ')}` : ''}`,
    );
    return 2;
  }
  const known = Object.keys(loadCourse().tasks);
  const unknown = tasks.filter((t) => !known.includes(t));
  if (unknown.length > 0) {
    console.error(`task: no task ${unknown.join(', ')} in course.json (tasks: ${known.join(', ')})`);
    return 2;
  }
  const mocha = require.resolve('mocha/bin/mocha.js');
  const run = spawnSync(process.execPath, [mocha, '--grep', taskGrep(tasks)], { cwd: repoRoot(), stdio: 'inherit' });
  return run.status ?? 1;
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
