/**
 * PyTorch's loss curves for Module 2's network (`tests/fixtures/torch_curves.json`, made by
 * `npm run torch-curves`): the fixture is current with the scripts and inputs that make it,
 * and the tensor network trained here follows it. CI has no torch: the fixture is the oracle.
 */
import { expect } from 'chai';
import * as fs from 'fs';
import { getDataset } from '../src/apps/datasets';
import { trainTensor } from '../src/apps/tensorTraining';
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

  for (const name of ['simple', 'diag']) {
    it(`Task 2.5 the tensor network's loss on ${name} follows PyTorch's curve for the same weights, data and lr`, async function () {
      this.timeout(60_000);
      const c = fixture.cases.find((x) => x.name === name)!;
      const { history } = await trainTensor(getDataset(name)(CURVE_POINTS), {
        hidden: c.hidden,
        lr: c.lr,
        epochs: c.epochs,
        seed: CURVE_SEED,
        backend: 'simple',
      });
      for (const [epoch, loss] of c.loss) {
        expect(history[epoch - 1].loss, `epoch ${epoch}`).to.be.closeTo(loss, 1e-8 * loss + 1e-12);
      }
    });
  }
});
