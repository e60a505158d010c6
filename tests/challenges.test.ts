/**
 * The autograder's value checks (`scripts/challenges.ts`), on the reference solution: each
 * runs without an error on inputs drawn from several seeds, agrees with itself, and notices a
 * wrong function. The end-to-end use (a submission that forges its tests is capped) is in
 * tests/adversarial.test.ts.
 *
 * Needs the solutions, so the starter leaves it out (course.json).
 */
import { expect } from 'chai';
import * as path from 'path';
import { CHALLENGES, Challenge, compareChallenge, seededRandom } from '../scripts/challenges';

/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-require-imports -- by path */

const BUILD = path.join(__dirname, '..');

/** The compiled modules a check names, as the grader's child process loads them. */
function modulesOf(challenge: Challenge): Record<string, any> {
  return Object.fromEntries(challenge.modules.map((m) => [m, require(path.join(BUILD, m))]));
}

/** Run a check on the inputs of `seed`, JSON round trip included (the pipe between processes). */
function runCheck(challenge: Challenge, mods: Record<string, any>, seed: number): Record<string, unknown> {
  const input = JSON.parse(JSON.stringify(challenge.inputs(seededRandom(seed))));
  return JSON.parse(JSON.stringify(challenge.run(mods, input))) as Record<string, unknown>;
}

/** Every `error:…` string in a check's outputs. */
function errorsIn(x: unknown, where = ''): string[] {
  if (typeof x === 'string') return x.startsWith('error:') ? [`${where}: ${x}`] : [];
  if (Array.isArray(x)) return x.flatMap((v, i) => errorsIn(v, `${where}[${i}]`));
  if (x !== null && typeof x === 'object') return Object.entries(x).flatMap(([k, v]) => errorsIn(v, `${where}.${k}`));
  return [];
}

/** Items whose inputs must throw: zipWith of lists of two lengths, incompatible shapes. */
const EXPECTED_ERRORS: Record<string, string[]> = { '0.3': ['.zipWith[1]:'], '2.2': ['.error[0]:'] };

/** One wrong function per check: the item it must flag. */
const WRONG: Record<string, { item: string; patch: (mods: Record<string, any>) => () => void }> = {
  '0.1': { item: 'logBack', patch: swap('src/operators', 'logBack', (x: number, d: number) => d / (x - 1e-6)) },
  '1.1': {
    item: 'arg1',
    // The mutant the tests missed: the caller's array is changed in place.
    patch: swap('src/autodiff', 'centralDifference', (f: any, vals: number[], o: { arg?: number } = {}) => {
      const arg = o.arg ?? 0;
      const up = vals;
      up[arg] += 1e-6;
      const hi = f(...up);
      up[arg] -= 2e-6;
      return (hi - f(...up)) / 2e-6;
    }),
  },
  '1.3': { item: 'constant', patch: protoSwap('src/scalar', 'Scalar', 'chainRule', () => []) },
  '2.1': {
    item: 'indices',
    patch: swap('src/tensorData', 'toIndex', (i: number, _s: number[], out: number[]) => out.fill(i)),
  },
  '2.2': { item: 'shape', patch: swap('src/tensorData', 'shapeBroadcast', (a: number[]) => a) },
  '2.3': {
    item: 'reduce',
    patch: protoSwap('src/tensor', 'Tensor', 'sum', function (this: any) {
      return this;
    }),
  },
  '2.4': { item: 'broadcast', patch: protoSwap('src/tensor', 'Tensor', 'backward', () => undefined) },
  '3.1': { item: 'zip', patch: swap('src/backends/fast/kernels', 'fastZipRange', () => undefined) },
  '3.2': { item: 'batched', patch: swap('src/backends/fast/kernels', 'matmulRange', () => undefined) },
  '4.1': { item: 'forward', patch: swap('src/nn', 'conv1d', (x: any) => x) },
  '4.2': { item: 'backward', patch: swap('src/nn', 'conv2d', (x: any) => x) },
  '4.3': { item: 'avgpool', patch: swap('src/nn', 'avgpool2d', (x: any) => x) },
  '4.4': { item: 'dropout', patch: swap('src/nn', 'dropout', (x: any) => x.mul(2)) },
};

/** A patch that replaces one export in the check's view of a module (not the module itself). */
function swap(module: string, name: string, fn: unknown) {
  return (mods: Record<string, any>) => {
    const original = mods[module];
    mods[module] = { ...original, [name]: fn };
    return () => (mods[module] = original);
  };
}

/** A patch of one method of an exported class, undone after the run. */
function protoSwap(module: string, cls: string, method: string, fn: unknown) {
  return (mods: Record<string, any>) => {
    const proto = mods[module][cls].prototype;
    const original = Object.getOwnPropertyDescriptor(proto, method)!;
    Object.defineProperty(proto, method, { ...original, value: fn });
    return () => Object.defineProperty(proto, method, original);
  };
}

describe('Course tooling autograder value checks on the reference solution', () => {
  for (const [task, challenge] of Object.entries(CHALLENGES)) {
    it(`Course tooling value check of task ${task} runs cleanly, agrees with itself and flags a wrong function`, () => {
      const mods = modulesOf(challenge);
      for (const seed of [1, 2, 3]) {
        const out = runCheck(challenge, mods, seed);
        const errors = errorsIn(out).filter((e) => !(EXPECTED_ERRORS[task] ?? []).some((x) => e.startsWith(x)));
        expect(errors, `seed ${seed}`).to.deep.equal([]);
        const again = runCheck(challenge, mods, seed);
        expect(compareChallenge(out, again, challenge.tolerance).differences, `seed ${seed}`).to.deep.equal([]);
      }
      const wrong = WRONG[task];
      if (wrong === undefined) return;
      const reference = runCheck(challenge, mods, 7);
      const undo = wrong.patch(mods);
      let patched: Record<string, unknown>;
      try {
        patched = runCheck(challenge, mods, 7);
      } finally {
        undo();
      }
      expect(compareChallenge(reference, patched, challenge.tolerance).differences).to.include(wrong.item);
    });
  }

  it('Course tooling every value check has a wrong function it is shown to flag, bar the ones listed', () => {
    // 0.3, 0.4 and 1.2/1.4 are flagged end to end by tests/adversarial.test.ts.
    const endToEnd = ['0.3', '0.4', '1.2', '1.4'];
    for (const task of Object.keys(CHALLENGES)) {
      if (!endToEnd.includes(task)) expect(WRONG, task).to.have.property(task);
    }
  });
});
