/**
 * PyTorch's loss curves for Module 2's network (`tests/fixtures/torch_curves.json`, made by
 * `npm run torch-curves`): the fixture is current with the scripts and inputs that make it.
 * (That the tensor network follows it is a Task 2.5 test in tests/tensorTraining.test.ts.)
 * The starter leaves this file out with the scripts it checks (course.json).
 */
import { expect } from 'chai';
import * as fs from 'fs';
import {
  CURVES_FIXTURE,
  CURVE_CASES,
  CURVE_POINTS,
  CURVE_SEED,
  CurvesFixture,
  curvesDigest,
  everyOf,
} from '../scripts/torchCurves';

const fixture = JSON.parse(fs.readFileSync(CURVES_FIXTURE, 'utf8')) as CurvesFixture;

describe('PyTorch loss curves fixture', () => {
  it('PyTorch curves: the fixture was made by the current scripts from the current data and weights', () => {
    // The digest covers scripts/torchCurves.ts, scripts/torch_curves.py and every data set's
    // points and initial weights: a change to any of them needs `npm run torch-curves`.
    expect(fixture.digest, 'tests/fixtures/torch_curves.json is stale: run `npm run torch-curves`').to.equal(
      curvesDigest(),
    );
    expect([fixture.points, fixture.seed]).to.deep.equal([CURVE_POINTS, CURVE_SEED]);
    expect(fixture.cases.map(({ name, hidden, lr, epochs }) => ({ name, hidden, lr, epochs }))).to.deep.equal(
      CURVE_CASES,
    );
    for (const c of fixture.cases) {
      expect(c.loss[0][0]).to.equal(1);
      expect(c.loss[c.loss.length - 1][0]).to.equal(c.epochs);
      expect(c.loss.length).to.equal(1 + Math.floor(c.epochs / everyOf(c.epochs)));
      expect(c.loss.every(([, l]) => l > 0 && Number.isFinite(l))).to.equal(true);
    }
  });
});
