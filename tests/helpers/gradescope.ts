/**
 * Test helper: grade a submission the way Gradescope does, in a folder laid out as its
 * `/autograder` (`source/`, `submission/`, `results/`), for the autograder's suites.
 */
import { expect } from 'chai';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import type { GradescopeResults } from '../../scripts/grade';

/**
 * Put `files` (path → text) in `<root>/submission/`, run `runAutograder` there with `env`
 * added (and `AUTOGRADER_ROOT` set to `root`), and read the results.json it wrote.
 */
export function gradeSubmission(
  root: string,
  runAutograder: string,
  files: Record<string, string>,
  env: Record<string, string>,
  timeoutMs: number,
): { results: GradescopeResults; output: string } {
  const submission = path.join(root, 'submission');
  fs.rmSync(submission, { recursive: true, force: true });
  fs.rmSync(path.join(root, 'results'), { recursive: true, force: true });
  fs.mkdirSync(submission, { recursive: true });
  for (const [f, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(submission, f)), { recursive: true });
    fs.writeFileSync(path.join(submission, f), text);
  }
  const r = spawnSync(runAutograder, [], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, AUTOGRADER_ROOT: root, ...env },
    timeout: timeoutMs,
  });
  const output = `${r.stdout ?? ''}${r.stderr ?? ''}`;
  const file = path.join(root, 'results', 'results.json');
  expect(fs.existsSync(file), output.slice(-3000)).to.equal(true);
  return { results: JSON.parse(fs.readFileSync(file, 'utf8')) as GradescopeResults, output };
}
