/**
 * Mocha root hooks for the whole test run, registered with `.mocharc.json`'s `require` (and
 * by `npm run grade`, which runs mocha without the config file, from the same list). They
 * live here, not in a test file, because a root hook in a test file applies only when that
 * file happens to be loaded, and reads as if it belonged to that file's suites.
 *
 * - Scratch folders: before the run, the system temp dir is pointed at a private folder
 *   (TMPDIR, which `os.tmpdir()` reads on each call and child processes inherit); after it,
 *   any `minitorch-*` entry still in there is a folder some test or script forgot to remove,
 *   and the run fails naming it. Private, so other runs on the same machine cannot be
 *   mistaken for ours.
 * - Releases of some modules (`npm run starter -- DIR --modules 0-1`) list only their tasks
 *   in course.json: tests of the other tasks are skipped, not failed, since their work has
 *   not been handed out yet. (In this repository course.json lists every task.)
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

/**
 * Kept on purpose: the GPU bridge's XDG runtime dir (`src/backends/gpu/bridge.ts`), one per
 * user, reused by every process rather than made and removed by each.
 */
const SHARED = /^minitorch-xdg-/;

let privateTmp = '';
let previous: string | undefined;

/** The private temp dir of this run ('' outside a run with these hooks). */
export function privateTempDir(): string {
  return privateTmp;
}

/**
 * The task of a test: the last `Task M.N` in its full title (as `scripts/course.ts` reads it).
 * Written here so the hooks load on their own: the autograder runs the tests in a copy of the
 * course that holds no grading scripts.
 */
function taskOfTitle(fullTitle: string): string | null {
  let last: string | null = null;
  for (const m of fullTitle.matchAll(/Task (\d+\.\d+)(?!\d)/g)) last = m[1];
  return last;
}

/** The folder holding course.json, above this file (`build/tests/` in a build). */
function courseRoot(): string {
  let dir = __dirname;
  while (!fs.existsSync(path.join(dir, 'course.json'))) {
    const up = path.dirname(dir);
    if (up === dir) throw new Error(`no course.json above ${__dirname}`);
    dir = up;
  }
  return dir;
}

/** The tasks course.json lists, read once. */
let released: Set<string> | null = null;
function releasedTasks(): Set<string> {
  if (released === null) {
    const file = path.join(courseRoot(), 'course.json');
    released = new Set(
      Object.keys((JSON.parse(fs.readFileSync(file, 'utf8')) as { tasks: Record<string, unknown> }).tasks),
    );
  }
  return released;
}

/** The hooks, in mocha's root hook plugin format. */
export const mochaHooks: Mocha.RootHookObject = {
  beforeAll() {
    privateTmp = fs.mkdtempSync(path.join(os.tmpdir(), 'minitorch-tests-'));
    // Open like /tmp itself (mkdtemp makes it owner-only): the grader's tests run submitted
    // code as an unprivileged user, which must reach the bundle unpacked in here.
    fs.chmodSync(privateTmp, 0o1777);
    previous = process.env.TMPDIR;
    process.env.TMPDIR = privateTmp;
  },
  afterAll() {
    if (previous === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = previous;
    const leftovers = fs.readdirSync(privateTmp).filter((name) => name.startsWith('minitorch-') && !SHARED.test(name));
    fs.rmSync(privateTmp, { recursive: true, force: true });
    assert.deepStrictEqual(leftovers, [], 'scratch folders left in the temp dir by the tests');
  },
  beforeEach(this: Mocha.Context) {
    const task = this.currentTest ? taskOfTitle(this.currentTest.fullTitle()) : null;
    if (task !== null && !releasedTasks().has(task)) this.skip();
  },
};
