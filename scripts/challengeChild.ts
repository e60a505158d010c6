/**
 * The submission's side of the value checks (`scripts/challenges.ts`): runs as the grading
 * user in the work folder, reads `{ task, input }` as JSON on stdin, loads the compiled
 * library modules the check names from `build/`, and writes the outputs as one JSON line to
 * file descriptor 3 (the grader's pipe). Output is only compared by the grader.
 *
 * @packageDocumentation
 */
import * as fs from 'fs';
import * as path from 'path';
import { CHALLENGES } from './challenges';

let text = '';
process.stdin.on('data', (d: Buffer) => (text += d.toString()));
process.stdin.on('end', () => {
  const { task, input } = JSON.parse(text) as { task: string; input: unknown };
  const challenge = CHALLENGES[task];
  let out: unknown;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- the submission's build, found at run time
    const mods = Object.fromEntries(challenge.modules.map((m) => [m, require(path.join(process.cwd(), 'build', m))]));
    out = challenge.run(mods, input);
  } catch (e) {
    out = { error: String((e as Error)?.message ?? e) };
  }
  fs.writeSync(3, `${JSON.stringify(out)}\n`);
});
