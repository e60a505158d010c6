/**
 * Every task's checks, by task number. A module owner adds checks by writing a
 * `TaskChecks` object (see `module0.ts`) and listing it in `ALL` below; mocha
 * (`tests/checks.test.ts`) and the notebooks (`grading.checkTask`) pick it up from here.
 *
 * @packageDocumentation
 */
import { module0Checks } from './module0';
import { module1Checks } from './module1';
import { module2Checks } from './module2';
import { module3Checks } from './module3';
import { module4Checks } from './module4';
import { propertyChecks } from './properties';
import type { Check, TaskChecks } from './types';

export type { Check, CheckContext, PropertyRunner, TaskChecks } from './types';
export { CheckFailure, assert, assertClose, assertEqual, assertThrows } from './assert';
export {
  allIndices,
  broadcastGet,
  broadcastPair,
  floats,
  forAll,
  ints,
  lists,
  permutation,
  seededSource,
  shapeAndOrder,
  shapes,
  smallFloats,
  tensorOf,
  tuple,
  uniformTensor,
} from './sample';
export type { Gen, Source } from './sample';
export { gradCheck, gradCheckSteps, numericDerivative, numericPartial } from './numeric';

/** The check tables of every module, merged below. */
const ALL: TaskChecks[] = [module0Checks, propertyChecks, module1Checks, module2Checks, module3Checks, module4Checks];

/** The checks of `task` (`"1.3"`); empty when the task has none. */
export function checksFor(task: string): Check[] {
  return ALL.flatMap((table) => table[task] ?? []);
}

/** Every task that has checks, in course order. */
export function checkedTasks(): string[] {
  const tasks = new Set(ALL.flatMap((table) => Object.keys(table)));
  return [...tasks].sort((a, b) => {
    const [am, an] = a.split('.').map(Number);
    const [bm, bn] = b.split('.').map(Number);
    return am - bm || an - bn;
  });
}
