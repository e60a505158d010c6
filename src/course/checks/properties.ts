/**
 * Notebook checks for Task 0.2: your property tests (`src/operatorProperties.ts`) are run on
 * correct operators, where every property must hold, and on planted wrong ones, each of
 * which some property must catch. The same checks run in mocha and in `checkTask("0.2")`.
 *
 * The correct operators here are written independently of `src/operators.ts` (which is your
 * Task 0.1 and may be unfinished): Task 0.2 is graded on the tests alone.
 *
 * @packageDocumentation
 */
import * as fc from 'fast-check';
import { OperatorProperty, OperatorSet, operatorProperties } from '../../operatorProperties';
import { CheckFailure } from './assert';
import type { Check, CheckContext, TaskChecks } from './types';

/** Correct operators, in other words than Task 0.1's (sigmoid through tanh). */
export const referenceOperators: OperatorSet = {
  mul: (x, y) => x * y,
  add: (x, y) => x + y,
  neg: (x) => -1 * x,
  lt: (x, y) => Number(x < y),
  eq: (x, y) => Number(x === y),
  max: (x, y) => (y > x ? y : x),
  sigmoid: (x) => 0.5 + 0.5 * Math.tanh(x / 2),
  relu: (x) => (x > 0 ? x : 0),
};

/** A wrong operator set and what is wrong with it. */
export interface PlantedBug {
  /** What the bug is, for the check's name. */
  bug: string;
  ops: OperatorSet;
}

/**
 * Wrong operators, each caught by one of the laws the exercise asks for (and by no law that
 * only a lucky input would reveal): sigmoid's range, value at 0, symmetry and monotonicity
 * (strict, near 0 too), lt's transitivity, mul's symmetry, and the distributive law. A suite that leaves a law out
 * loses that bug's points (the shifted sigmoid is caught by its value at 0 and by symmetry,
 * which implies sigmoid(0) = 0.5).
 */
export const plantedBugs: PlantedBug[] = [
  { bug: 'sigmoid decreases', ops: { ...referenceOperators, sigmoid: (x) => 0.5 - 0.5 * Math.tanh(x / 2) } },
  {
    // Increasing far from 0, so a monotonicity law tried only at large |a| misses it.
    bug: 'sigmoid is flat on [-1, 1] (not strictly increasing)',
    ops: {
      ...referenceOperators,
      sigmoid: (x) => referenceOperators.sigmoid(Math.sign(x) * Math.max(0, Math.abs(x) - 1)),
    },
  },
  {
    bug: 'sigmoid is shifted (sigmoid(0) is not 0.5)',
    ops: { ...referenceOperators, sigmoid: (x) => 0.5 + 0.5 * Math.tanh((x + 1) / 2) },
  },
  {
    bug: 'sigmoid leaves [0, 1]',
    ops: { ...referenceOperators, sigmoid: (x) => 1.2 * referenceOperators.sigmoid(x) - 0.1 },
  },
  {
    bug: 'sigmoid is not symmetric (1 - sigmoid(a) is not sigmoid(-a))',
    ops: { ...referenceOperators, sigmoid: (x) => referenceOperators.sigmoid(x < 0 ? 0.8 * x : x) },
  },
  { bug: 'lt is not transitive', ops: { ...referenceOperators, lt: (x, y) => Number(x < y && y - x < 50) } },
  // (x + 1) · y: distributes over add, so only symmetry tells.
  { bug: 'mul is not symmetric', ops: { ...referenceOperators, mul: (x, y) => (x + 1) * y } },
  {
    // Off by (x + y)² / 100: add(a, neg(a)) is still 0, so only the distributive law tells.
    bug: 'add is off, so mul does not distribute over it',
    ops: { ...referenceOperators, add: (x, y) => x + y + (x + y) ** 2 / 100 },
  },
];

/** Property tests as a student writes them: `operatorProperties`'s signature. */
export type PropertySuite = (ops: OperatorSet) => OperatorProperty[];

/** Run every property of `suite` on `ops` with a seeded fast-check; those that fail. */
function failingProperties(
  suite: PropertySuite,
  ops: OperatorSet,
  ctx: CheckContext,
): { failed: string[]; messages: string[] } {
  const properties = suite(ops);
  if (!Array.isArray(properties) || properties.length === 0) {
    throw new CheckFailure('operatorProperties returned no properties');
  }
  const failed: string[] = [];
  const messages: string[] = [];
  // Seeded from the check's generator, so a failure repeats on re-run; 100 cases at least,
  // as fast-check's default: a planted bug must be caught by the properties, not by luck.
  fc.configureGlobal({ seed: ctx.rng.int(2 ** 31 - 1), numRuns: Math.max(100, ctx.runs) });
  try {
    for (const p of properties) {
      try {
        p.run();
      } catch (e) {
        if (e instanceof Error && e.name === 'NotImplementedError') throw e;
        failed.push(p.name);
        messages.push(`${p.name}: ${String(e instanceof Error ? e.message : e).split('\n')[0]}`);
      }
    }
  } finally {
    fc.resetConfigureGlobal();
  }
  return { failed, messages };
}

/**
 * The checks of a property suite: it holds for correct operators and catches every planted
 * bug. Task 0.2's checks are those of the student's `operatorProperties`.
 */
export function propertySuiteChecks(suite: PropertySuite): Check[] {
  return [
    {
      name: 'every property holds for correct operators',
      run: (ctx) => {
        const { messages } = failingProperties(suite, referenceOperators, ctx);
        if (messages.length > 0)
          throw new CheckFailure(`a property fails on correct operators: ${messages.join('; ')}`);
      },
    },
    ...plantedBugs.map(({ bug, ops }): Check => ({
      name: `a property catches a planted bug: ${bug}`,
      run: (ctx) => {
        if (failingProperties(suite, ops, ctx).failed.length === 0)
          throw new CheckFailure(`no property fails when ${bug}`);
      },
    })),
  ];
}

/** The Task 0.2 checks. */
export const propertyChecks: TaskChecks = { '0.2': propertySuiteChecks(operatorProperties) };
