/**
 * The TypeScript side of examples/record.py: a port reads what its PyTorch original recorded
 * (tests/fixtures/examples/NAME.json) where the original draws random numbers or starts from
 * random weights, and records its own losses and final weights for `compare` to check.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as minitorch from '../src';

/** A tensor as record.py writes it: its values as numbers, or as base64 float64 when large. */
interface Recorded {
  shape: number[];
  values?: number[];
  base64?: string;
}

/** Final weights as record.py writes them: all values, or a summary when large (`summarize`). */
interface RecordedFinal {
  shape: number[];
  values?: number[];
  summary?: number[];
}

/** record.py's SUMMARY_STRIDE. */
const SUMMARY_STRIDE = 97;

/** record.py's summary of large final weights: sum, sum of squares, every 97th value. */
function summarize(values: Float64Array): number[] {
  let sum = 0;
  let squares = 0;
  for (const v of values) {
    sum += v;
    squares += v * v;
  }
  const sample = values.filter((_, i) => i % SUMMARY_STRIDE === 0);
  return [sum, squares, ...sample];
}

/** The file record.py writes. */
export interface Recording {
  source: string;
  torch: string;
  values: Record<string, Recorded>;
  draws: Array<Recorded | number>;
  states: Record<string, Record<string, Recorded>>;
  modules: Array<Record<string, Recorded>>;
  logs: Record<string, number[]>;
  finals: Record<string, Record<string, RecordedFinal>>;
}

/** Where the examples' fixtures live (from build/examples or examples). */
export function fixturePath(name: string): string {
  let dir = __dirname;
  while (!fs.existsSync(path.join(dir, 'package.json'))) dir = path.dirname(dir);
  return path.join(dir, 'tests', 'fixtures', 'examples', `${name}.json`);
}

function valuesOf(r: Recorded): ArrayLike<number> {
  if (r.values !== undefined) return r.values;
  const bytes = Buffer.from(r.base64 ?? '', 'base64');
  const out = new Float64Array(bytes.length / 8);
  for (let i = 0; i < out.length; i++) out[i] = bytes.readDoubleLE(i * 8);
  return out;
}

function toTensor(r: Recorded): minitorch.Tensor {
  return minitorch.fromFlat(valuesOf(r), r.shape);
}

/** `module` with the recorded weights `state` loaded (strictly: every name, every shape). */
function load<M extends minitorch.Module>(module: M, state: Record<string, Recorded>): M {
  module.loadStateDict(Object.fromEntries(Object.entries(state).map(([k, r]) => [k, toTensor(r)])));
  return module;
}

/** A module's or a tensor's values by name, as record.py's `final` names them. */
function weightsOf(x: minitorch.Module | minitorch.Tensor): Record<string, Float64Array> {
  if (x instanceof minitorch.Tensor) return { '': x.toFlatArray() };
  return Object.fromEntries(Object.entries(x.stateDict()).map(([k, t]) => [k, t.toFlatArray()]));
}

/** What a port reads from its original's recording, and what it records for the comparison. */
export class Replay {
  /** The original's recording. */
  readonly recording: Recording;
  /** The port's own series (losses, accuracies), by name. */
  readonly logs: Record<string, number[]> = {};
  /** The port's final weights, by name. */
  readonly finals: Record<string, Record<string, Float64Array>> = {};
  private next = 0;
  private nextModule = 0;

  constructor(readonly name: string) {
    this.recording = JSON.parse(fs.readFileSync(fixturePath(name), 'utf8')) as Recording;
  }

  /** A tensor the original recorded with `rec.value(name, ...)`. */
  value(name: string): minitorch.Tensor {
    const r = this.recording.values[name];
    if (r === undefined) throw new Error(`${this.name}: the recording has no value "${name}"`);
    return toTensor(r);
  }

  /** The original's next random draw (`rec.draw(torch.randn(...))`), as a tensor. */
  draw(): minitorch.Tensor {
    const r = this.recording.draws[this.next++];
    if (typeof r !== 'object') throw new Error(`${this.name}: draw ${this.next - 1} is not a tensor`);
    return toTensor(r);
  }

  /** The original's next random integer (`rec.draw(random.randint(...))`). */
  drawInt(): number {
    const r = this.recording.draws[this.next++];
    if (typeof r !== 'number') throw new Error(`${this.name}: draw ${this.next - 1} is not an integer`);
    return r;
  }

  /**
   * The orders of the original's shuffled passes over `n` items, for `DataLoader`'s
   * `sampler`: each pass reads the next recorded order (PyTorch's `randperm`, see
   * record.py's `shuffle`).
   */
  shuffles(n: number): Iterable<number> & { length: number } {
    return { length: n, [Symbol.iterator]: () => Array.from(this.draw().toFlatArray())[Symbol.iterator]() };
  }

  /** Start `module` from the weights the original recorded with `rec.state(name, module)`. */
  loadState<M extends minitorch.Module>(name: string, module: M): M {
    const state = this.recording.states[name];
    if (state === undefined) throw new Error(`${this.name}: the recording has no state "${name}"`);
    return load(module, state);
  }

  /** Start `module` from the next weights the original recorded with `rec.module(...)`. */
  loadNext<M extends minitorch.Module>(module: M): M {
    const state = this.recording.modules[this.nextModule++];
    if (state === undefined) throw new Error(`${this.name}: the recording has only ${this.nextModule - 1} modules`);
    return load(module, state);
  }

  /** One number of the series `name` (the original's `rec.log`). */
  log(name: string, x: number): number {
    (this.logs[name] ??= []).push(x);
    return x;
  }

  /** Final weights under `name` (the original's `rec.final`). */
  final(name: string, x: minitorch.Module | minitorch.Tensor): void {
    this.finals[name] = weightsOf(x);
  }

  /**
   * The largest difference between the port's series and weights and the original's, by
   * series (|port − PyTorch| / max(1, |PyTorch|)), with an error for anything missing or of
   * another length.
   */
  compare(): Record<string, number> {
    const out: Record<string, number> = {};
    const diff = (key: string, mine: ArrayLike<number> | undefined, theirs: ArrayLike<number>) => {
      if (mine === undefined) throw new Error(`${this.name}: the port recorded no ${key}`);
      if (mine.length !== theirs.length) {
        throw new Error(`${this.name}: ${key} has ${mine.length} values, PyTorch's ${theirs.length}`);
      }
      // Relative to the size of PyTorch's value where it is above 1 (losses start large).
      let worst = 0;
      for (let i = 0; i < mine.length; i++) {
        worst = Math.max(worst, Math.abs(mine[i] - theirs[i]) / Math.max(1, Math.abs(theirs[i])));
      }
      out[key] = worst;
    };
    for (const [key, series] of Object.entries(this.recording.logs)) diff(`log ${key}`, this.logs[key], series);
    for (const [name, weights] of Object.entries(this.recording.finals)) {
      for (const [key, r] of Object.entries(weights)) {
        const mine = this.finals[name]?.[key];
        const what = `final ${name}${key ? `.${key}` : ''}`;
        if (r.summary !== undefined) diff(`${what} (summary)`, mine && summarize(mine), r.summary);
        else diff(what, mine, r.values ?? []);
      }
    }
    return out;
  }

  /** Print the comparison (for `npm run example`). */
  report(): void {
    const diffs = this.compare();
    const worst = Math.max(...Object.values(diffs));
    for (const [key, d] of Object.entries(diffs))
      console.log(`  ${key.padEnd(40)} max difference ${d.toExponential(2)}`);
    console.log(
      `${this.name}: ${worst <= 1e-9 ? 'matches' : 'DIFFERS FROM'} PyTorch (${this.recording.source}) to ${worst.toExponential(2)}`,
    );
  }
}
