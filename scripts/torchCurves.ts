/**
 * `npm run torch-curves`: record PyTorch's loss curves for Module 2's network on the six 2-D
 * data sets, as `tests/fixtures/torch_curves.json`, for the notebook to draw beside the
 * student's (MiniTorch's "Torch Example") and for a test to compare with.
 *
 * Same network, data and seed: this script builds each data set and the initial weights of
 * `MLP([2, hidden, hidden, 1])` exactly as `trainTensor` does, and hands them to
 * `scripts/torch_curves.py`, which trains the same layers in PyTorch (float64, SGD, full
 * batch). The fixture stores a digest of both scripts and of that input, so a test can tell
 * when it is stale (run this again after changing either script, a data set or the
 * initialisation). Needs a Python with torch: `$MINITORCH_PYTHON`, else
 * `.tmp/torchvenv/bin/python` (the venv `npm run fixtures` uses).
 *
 * @packageDocumentation
 */
import { spawnSync } from 'child_process';
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { getDataset } from '../src/apps/datasets';
import { MLP } from '../src/layers';
import { Random } from '../src/random';
import { repoRoot } from './course';

/** One data set's training settings (those of Module 2's notebook, Task 2.5). */
export interface CurveCase {
  name: string;
  hidden: number;
  lr: number;
  epochs: number;
}

/** The data sets and budgets of Module 2's Task 2.5 cells; 50 points, seed 42 (trainTensor's). */
export const CURVE_CASES: CurveCase[] = [
  { name: 'simple', hidden: 10, epochs: 300, lr: 0.5 },
  { name: 'diag', hidden: 10, epochs: 300, lr: 0.5 },
  { name: 'split', hidden: 10, epochs: 2000, lr: 0.1 },
  { name: 'xor', hidden: 10, epochs: 2000, lr: 0.1 },
  { name: 'circle', hidden: 10, epochs: 1000, lr: 0.5 },
  { name: 'spiral', hidden: 20, epochs: 1000, lr: 0.5 },
];

/** Points per data set and the seed of the initial weights, as in the notebook. */
export const CURVE_POINTS = 50;
export const CURVE_SEED = 42;

/** Where the fixture lives, and the scripts whose text it was made by. */
export const CURVES_FIXTURE = path.join(repoRoot(), 'tests', 'fixtures', 'torch_curves.json');
const SCRIPTS = ['scripts/torchCurves.ts', 'scripts/torch_curves.py'];

/** The loss is recorded at the first epoch and every `every`-th: about 100 points a curve. */
export const everyOf = (epochs: number): number => Math.max(1, Math.round(epochs / 100));

/** What the Python side trains on: per case, its points, labels and initial weights. */
export function curveInputs(): object[] {
  return CURVE_CASES.map((c) => {
    const data = getDataset(c.name)(CURVE_POINTS);
    const model = new MLP([2, c.hidden, c.hidden, 1], { backend: 'simple', rng: new Random(CURVE_SEED) });
    const layers = model.layers.map((layer) => {
      const [out, inSize] = layer.weight.value.shape;
      const w = Array.from(layer.weight.value.contiguous().toFlatArray());
      return {
        weight: Array.from({ length: out }, (_, o) => w.slice(o * inSize, (o + 1) * inSize)),
        bias: Array.from(layer.bias!.value.toFlatArray()),
      };
    });
    return { ...c, every: everyOf(c.epochs), X: data.X, y: data.y, layers };
  });
}

/** The digest a fixture must carry to be current: both scripts' text and the inputs. */
export function curvesDigest(root = repoRoot()): string {
  const hash = createHash('sha256');
  for (const f of SCRIPTS) hash.update(fs.readFileSync(path.join(root, f), 'utf8'));
  hash.update(JSON.stringify(curveInputs()));
  return hash.digest('hex');
}

/** The fixture's contents. */
export interface CurvesFixture {
  /** `curvesDigest()` when it was made. */
  digest: string;
  /** torch's version. */
  torch: string;
  points: number;
  seed: number;
  cases: Array<CurveCase & { every: number; loss: Array<[number, number]> }>;
}

/** The Python to run: `$MINITORCH_PYTHON`, else the torch venv under .tmp/. */
function torchPython(): string {
  const venv = path.join(repoRoot(), '.tmp', 'torchvenv', 'bin', 'python');
  return process.env.MINITORCH_PYTHON ?? venv;
}

/** Make the fixture (see the file comment). */
function main(): void {
  const python = torchPython();
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'minitorch-curves-'));
  try {
    const input = path.join(tmp, 'input.json');
    fs.writeFileSync(input, JSON.stringify(curveInputs()));
    const r = spawnSync(python, [path.join(repoRoot(), 'scripts', 'torch_curves.py'), input], {
      encoding: 'utf8',
      maxBuffer: 64 << 20,
    });
    if (r.error || r.status !== 0)
      throw new Error(`${python} scripts/torch_curves.py failed: ${r.error?.message ?? r.stderr}`);
    const out = JSON.parse(r.stdout) as { torch: string; curves: Record<string, Array<[number, number]>> };
    const fixture: CurvesFixture = {
      digest: curvesDigest(),
      torch: out.torch,
      points: CURVE_POINTS,
      seed: CURVE_SEED,
      cases: CURVE_CASES.map((c) => ({
        ...c,
        every: everyOf(c.epochs),
        loss: out.curves[c.name].map(([e, l]) => [e, Number(l.toPrecision(10))] as [number, number]),
      })),
    };
    fs.writeFileSync(CURVES_FIXTURE, JSON.stringify(fixture) + '\n');
    console.log(`torch-curves: wrote ${path.relative(repoRoot(), CURVES_FIXTURE)} (torch ${out.torch})`);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

if (require.main === module) {
  try {
    main();
  } catch (e) {
    console.error(`torch-curves: ${(e as Error).message}`);
    process.exitCode = 1;
  }
}
