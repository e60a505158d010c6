/** Module 1: the autodiff sandbox (backward one node per step) and Playground-style scalar training. */
import { drawHeatmap, drawLines, drawSurface, makeCanvas } from '../draw';
import { renderDot } from '../graphviz';
import { type Keys, control, el, playControls } from '../ui';
import type { TrainEvent, ViewDef } from './types';

export const DATASETS = ['simple', 'diag', 'split', 'xor', 'circle', 'spiral', 'custom'];

/** The settings every 2-D training view shares. */
export const TRAIN_DEFAULTS = { dataset: 'xor', n: '50', hidden: '10', lr: '0.5', epochs: '300', seed: '1' };

/** Percent with one decimal. */
export const percent = (x: number): string => `${(100 * x).toFixed(1)}%`;

export const autodiff: ViewDef = {
  module: 1,
  short: 'autodiff',
  title: 'Autodiff sandbox: backward, one node at a time',
  intro:
    "Type an expression of x, y and z. Backward visits the graph in topological order (your topologicalSort) and sends each node's derivative to its inputs (your chainRule); where paths join, derivatives add up. → steps, space plays.",
  defaults: { expr: 'x*x*y', x: '2', y: '3', z: '1' },
  render(api) {
    const bar = el('div', { class: 'controls' });
    const graph = el('div', { class: 'graph', 'data-role': 'graph' });
    const progress = el('span', { class: 'progress' });
    api.root.append(bar, progress, graph);
    let keys: Keys & { restart: () => void } = { restart: () => undefined };
    bar.append(
      control(api, 'expr', { label: 'f =', width: '16em' }, () => keys.restart()),
      ...['x', 'y', 'z'].map((n) =>
        control(api, n, { min: -10, max: 10, step: 0.5, width: '4em' }, () => keys.restart()),
      ),
    );
    keys = playControls(api, bar, 'autodiff', {
      onReset: () => ['x', 'y', 'z'].forEach((n) => api.metric(`grad-${n}`, '…')),
      onEvent: (e: { step: number; of: number; dot: string; value?: number }) => {
        progress.textContent = `step ${e.step} of ${e.of}`;
        if (e.value !== undefined) api.metric('value', String(e.value));
        void renderDot(graph, e.dot);
      },
      onDone: (d: { grads: Record<string, number>; numeric: Record<string, number> }) => {
        for (const n of ['x', 'y', 'z']) {
          api.metric(`grad-${n}`, String(Number(d.grads[n].toPrecision(6))));
          api.metric(`central-difference-${n}`, String(Number(d.numeric[n].toPrecision(6))));
        }
      },
    });
    return keys;
  },
};

export const train: ViewDef = {
  module: 1,
  short: 'train',
  title: 'Training a network of Scalars',
  intro:
    'Your Network of Scalars, trained full-batch by your backward and sgdStep. Reset starts again from the same seed. Points: pick "custom" and click in the plot (shift-click for blue).',
  defaults: { ...TRAIN_DEFAULTS },
  render(api) {
    const bar = el('div', { class: 'controls' });
    const surface = makeCanvas(320, 320, 'surface');
    surface.dataset.role = 'surface';
    const curves = makeCanvas(420, 200);
    const units = el('div', { class: 'units' });
    const graphInfo = el('p', { class: 'graph-info' });
    const graph = el('div', { class: 'graph small' });
    api.root.append(
      bar,
      el('div', { class: 'row' }, surface, el('div', {}, curves, el('h3', {}, 'Hidden units (first layer)'), units)),
      graphInfo,
      graph,
    );
    const history = { loss: [] as Array<number | null>, accuracy: [] as Array<number | null> };
    let points: TrainEvent['points'] | null = null;
    let lastSurface: number[] | null = null;
    const restart = () => keys.restart();
    bar.append(
      control(api, 'dataset', { options: DATASETS }, restart),
      control(api, 'hidden', { min: 1, max: 32, step: 1, width: '4em' }, restart),
      control(api, 'lr', { min: 0.001, max: 10, step: 0.05, width: '5em' }, restart),
      control(api, 'epochs', { min: 1, max: 5000, step: 1, width: '5em' }, restart),
      control(api, 'seed', { min: 0, max: 9999, step: 1, width: '4em' }, restart),
    );
    surface.addEventListener('click', (e) => {
      const r = surface.getBoundingClientRect();
      const x = ((e.clientX - r.left) / r.width).toFixed(3);
      const y = (1 - (e.clientY - r.top) / r.height).toFixed(3);
      const prior = api.params.dataset === 'custom' ? (api.params.points ?? '') : '';
      api.set({ dataset: 'custom', points: `${prior}${prior ? ';' : ''}${x},${y},${e.shiftKey ? 0 : 1}` });
      (bar.querySelector('select[name=dataset]') as HTMLSelectElement).value = 'custom';
      restart();
    });
    const keys = playControls(api, bar, 'scalarTraining', {
      onReset: () => {
        history.loss = [];
        history.accuracy = [];
        units.replaceChildren();
      },
      onEvent: (e: TrainEvent) => {
        if (e.points) points = e.points;
        if (e.surface) lastSurface = e.surface;
        if (e.points || e.surface) drawSurface(surface, lastSurface, points ?? null);
        if (e.units) {
          if (units.children.length !== e.units.length)
            units.replaceChildren(...e.units.map(() => makeCanvas(56, 56, 'unit')));
          e.units.forEach((u, i) => drawHeatmap(units.children[i] as HTMLCanvasElement, u, 16, 16));
        }
        if (e.graph) {
          graphInfo.textContent = `One prediction's graph has ${e.graph.nodes} nodes; an epoch builds ${api.params.dataset === 'custom' ? 'one' : api.params.n} of them and walks each backwards.${e.graph.dot ? '' : ' (Drawn for smaller networks: try hidden = 2.)'}`;
          api.metric('nodes', String(e.graph.nodes));
          if (e.graph.dot) void renderDot(graph, e.graph.dot);
          else graph.replaceChildren();
        }
        if (e.loss !== undefined && e.accuracy !== undefined) {
          history.loss[e.epoch] = e.loss;
          history.accuracy[e.epoch] = e.accuracy;
          api.metric('epoch', String(e.epoch));
          api.metric('loss', e.loss.toFixed(4));
          api.metric('accuracy', percent(e.accuracy));
          drawLines(curves, [
            { name: 'loss', values: history.loss },
            { name: 'accuracy', values: history.accuracy },
          ]);
        }
      },
    });
    return keys;
  },
};
