/** Module 0: operators and their derivatives, the manual classifier (Task 0.5), the module tree. */
import { drawLines, drawSurface, makeCanvas } from '../draw';
import { control, el } from '../ui';
import type { ViewApi } from '../ui';
import type { ViewDef } from './types';

/** Run an instant job (no steps) now and again whenever a control changes. */
export function instant<T>(api: ViewApi, name: string, draw: (result: T) => void): () => void {
  const run = () => {
    api.state('running');
    api.start(name, {
      onDone: (d: T) => {
        draw(d);
        api.state('done');
      },
    });
  };
  run();
  return run;
}

export const operators: ViewDef = {
  module: 0,
  short: 'operators',
  title: 'Operators and their derivatives',
  intro:
    'Your operator (Task 0.1), its derivative as you wrote it (the *Back functions), and a central difference (Task 1.1) at every fifth point: the dots sit on the derivative when both are right.',
  defaults: { op: 'sigmoid' },
  render(api) {
    const chart = makeCanvas(560, 300);
    const bar = el('div', { class: 'controls' });
    api.root.append(bar, chart);
    const run = instant(
      api,
      'operators',
      (d: { xs: number[]; f: number[]; d: number[]; numericXs: number[]; numeric: number[] }) => {
        const numeric = d.xs.map((x) => {
          const i = d.numericXs.indexOf(x);
          return i < 0 ? null : d.numeric[i];
        });
        drawLines(chart, [
          { name: `${api.params.op}(x)`, values: d.f },
          { name: 'derivative', values: d.d },
          { name: 'central difference', values: numeric },
        ]);
        const worst = Math.max(...d.numeric.map((v, i) => Math.abs(v - d.d[d.xs.indexOf(d.numericXs[i])])));
        api.metric('largest-difference', worst.toExponential(2));
        api.metric('x-range', `${d.xs[0]} … ${d.xs[d.xs.length - 1]}`);
      },
    );
    bar.append(control(api, 'op', { options: ['sigmoid', 'relu', 'log', 'exp', 'inv', 'neg'] }, run));
  },
};

export const classifier: ViewDef = {
  module: 0,
  short: 'classifier',
  title: 'A classifier by hand: Linear(2, 1) + sigmoid',
  intro:
    "Move w1, w2 and b: the line w1·x + w2·y + b = 0 is the boundary, orange where sigmoid(w1·x + w2·y + b) > 0.5. Computed with your operators (Task 0.1), as MiniTorch's Task 0.5 asks.",
  defaults: { w1: '-4', w2: '0.5', b: '2', n: '50', seed: '1' },
  render(api) {
    const surface = makeCanvas(320, 320, 'surface');
    const bar = el('div', { class: 'controls' });
    api.root.append(bar, surface);
    const run = instant(
      api,
      'classifier',
      (d: { surface: number[]; points: { X: number[][]; y: number[] }; correct: number; n: number }) => {
        drawSurface(surface, d.surface, d.points);
        api.metric('correct', `${d.correct} of ${d.n}`);
        api.metric('accuracy', `${((100 * d.correct) / d.n).toFixed(1)}%`);
      },
    );
    for (const w of ['w1', 'w2', 'b']) bar.append(control(api, w, { min: -10, max: 10, step: 0.1, slider: true }, run));
  },
};

export const tree: ViewDef = {
  module: 0,
  short: 'module tree',
  title: 'The module tree',
  intro:
    'Every Module registers the modules and parameters in its fields (Task 0.4): here, named as PyTorch names them.',
  defaults: { model: 'scalar', hidden: '2' },
  render(api) {
    const bar = el('div', { class: 'controls' });
    const table = el('div', { class: 'tree' });
    api.root.append(bar, table);
    const run = instant(api, 'tree', (d: { html: string; parameters: number }) => {
      table.innerHTML = d.html; // the library's own table, escaped by it
      api.metric('parameters', String(d.parameters));
    });
    bar.append(
      control(api, 'model', { options: ['scalar', 'mlp'] }, run),
      control(api, 'hidden', { min: 1, max: 16, step: 1, width: '4em' }, run),
    );
  },
};
