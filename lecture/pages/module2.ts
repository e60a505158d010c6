/** Module 2: the strides sandbox (click a storage cell, see every index that reads it) and tensor training. */
import { drawLines, drawSurface, makeCanvas } from '../draw';
import { type Keys, control, el, playControls } from '../ui';
import { instant } from './module0';
import { DATASETS, TRAIN_DEFAULTS, percent } from './module1';
import type { TrainEvent, ViewDef } from './types';

interface Layout {
  shape: number[];
  strides: number[];
  cells: Array<{ index: number[]; position: number }>;
}

/**
 * A layout's index grid (last dimension across, the others down) whose cells, like the
 * storage cells, light up together when they share a storage position.
 */
function indexGrid(title: string, layout: Layout, light: (position: number) => void): HTMLElement {
  const cols = layout.shape.length === 0 ? 1 : layout.shape[layout.shape.length - 1];
  const grid = el('div', { class: 'grid', style: `grid-template-columns: repeat(${cols}, auto)` });
  for (const c of layout.cells) {
    const cell = el(
      'div',
      { class: 'cell', 'data-index': c.index.join(','), 'data-position': String(c.position) },
      `(${c.index.join(',')})`,
    );
    cell.addEventListener('click', () => light(c.position));
    grid.append(cell);
  }
  return el(
    'div',
    {},
    el('h3', {}, `${title}: shape [${layout.shape.join(', ')}], strides [${layout.strides.join(', ')}]`),
    grid,
  );
}

export const strides: ViewDef = {
  module: 2,
  short: 'strides',
  title: 'Strides: where each index reads its storage',
  intro:
    'Storage is 0, 1, 2, … unless you give it; an index reads position Σ index·stride (your TensorData.index, Task 2.1). Click a storage cell to light every index that reads it, or an index to light its cell. Permute and view change only shape and strides; broadcasting gives a stride of 0.',
  defaults: { shape: '2,3', strides: '', storage: '', op: 'permute', order: '1,0', to: '3,2', other: '1,3' },
  render(api) {
    const bar = el('div', { class: 'controls' });
    const body = el('div', {});
    api.root.append(bar, body);
    const run = instant(
      api,
      'strides',
      (d: {
        storage: number[];
        layout?: Layout;
        op: string;
        result?: Layout;
        target?: number[];
        error?: string;
        failed?: string;
      }) => {
        const light = (position: number) => {
          for (const c of body.querySelectorAll<HTMLElement>('.cell'))
            c.classList.toggle('lit', c.dataset.position === String(position));
          api.metric('lit', String(body.querySelectorAll('.cell.lit').length));
        };
        const storage = el('div', { class: 'cells', 'data-role': 'storage' });
        d.storage.forEach((value, p) => {
          const cell = el(
            'div',
            { class: 'cell', 'data-position': String(p), 'data-storage': String(p) },
            String(value),
          );
          cell.title = `position ${p}`;
          cell.addEventListener('click', () => light(p));
          storage.append(cell);
        });
        body.replaceChildren(el('h3', {}, `storage (${d.storage.length} numbers)`), storage);
        const layout = d.layout;
        if (layout) body.append(indexGrid('tensor', layout, light));
        if (d.result) {
          const title = d.op === 'broadcast' ? `broadcast to [${d.target?.join(', ')}]` : `after ${d.op}`;
          body.append(indexGrid(title, d.result, light));
        }
        if (d.error)
          body.append(el('div', { class: 'error', 'data-role': 'library-error' }, `${d.failed ?? d.op}: ${d.error}`));
        if (layout) {
          const { shape, strides } = layout;
          const contiguous = strides.every(
            (s, i) => s === (i === strides.length - 1 ? 1 : strides[i + 1] * shape[i + 1]),
          );
          api.metric('contiguous', String(contiguous));
        }
      },
    );
    bar.append(
      control(api, 'shape', { width: '5em' }, run),
      control(api, 'strides', { width: '5em', label: 'strides (empty: contiguous)' }, run),
      control(api, 'storage', { width: '10em', label: 'storage (empty: 0, 1, 2, …)' }, run),
      control(api, 'op', { options: ['none', 'permute', 'view', 'broadcast'] }, run),
      control(api, 'order', { width: '5em', label: 'permute order' }, run),
      control(api, 'to', { width: '5em', label: 'view as' }, run),
      control(api, 'other', { width: '5em', label: 'broadcast with' }, run),
    );
  },
};

export const tensorTrain: ViewDef = {
  module: 2,
  short: 'tensor training',
  title: 'Training with tensors',
  intro:
    "The same network as Module 1's, as tensors: an epoch is one forward pass over all points as an [n, 2] tensor (your MLP, Task 2.5). Compare the time per epoch with the scalar page's.",
  defaults: { ...TRAIN_DEFAULTS, backend: 'simple' },
  render(api) {
    const bar = el('div', { class: 'controls' });
    const surface = makeCanvas(320, 320, 'surface');
    const curves = makeCanvas(420, 200);
    const times = makeCanvas(420, 160);
    api.root.append(
      bar,
      el('div', { class: 'row' }, surface, el('div', {}, curves, el('h3', {}, 'ms per epoch'), times)),
    );
    const h = {
      loss: [] as Array<number | null>,
      accuracy: [] as Array<number | null>,
      ms: [] as Array<number | null>,
    };
    let points: TrainEvent['points'] | null = null;
    let lastSurface: number[] | null = null;
    let keys: Keys & { restart: () => void } = { restart: () => undefined };
    const restart = () => keys.restart();
    bar.append(
      control(api, 'dataset', { options: DATASETS.filter((d) => d !== 'custom') }, restart),
      control(api, 'backend', { options: ['simple', 'fast', 'gpu'] }, restart),
      control(api, 'hidden', { min: 1, max: 64, step: 1, width: '4em' }, restart),
      control(api, 'lr', { min: 0.001, max: 10, step: 0.05, width: '5em' }, restart),
      control(api, 'epochs', { min: 1, max: 5000, step: 1, width: '5em' }, restart),
      control(api, 'seed', { min: 0, max: 9999, step: 1, width: '4em' }, restart),
    );
    keys = playControls(api, bar, 'tensorTraining', {
      onReset: () => {
        h.loss = [];
        h.accuracy = [];
        h.ms = [];
      },
      onEvent: (e: TrainEvent) => {
        if (e.points) points = e.points;
        if (e.surface) lastSurface = e.surface;
        if (e.backend) api.metric('runs-on', e.backend);
        if (e.points || e.surface) drawSurface(surface, lastSurface, points ?? null);
        if (e.loss === undefined || e.accuracy === undefined || e.ms === undefined) return;
        h.loss[e.epoch] = e.loss;
        h.accuracy[e.epoch] = e.accuracy;
        h.ms[e.epoch] = e.ms;
        api.metric('epoch', String(e.epoch));
        api.metric('loss', e.loss.toFixed(4));
        api.metric('accuracy', percent(e.accuracy));
        const sorted = h.ms.filter((v): v is number => v !== null && v !== undefined).sort((a, b) => a - b);
        api.metric('ms-per-epoch', sorted[sorted.length >> 1].toFixed(2));
        drawLines(curves, [
          { name: 'loss', values: h.loss },
          { name: 'accuracy', values: h.accuracy },
        ]);
        drawLines(times, [{ name: 'ms', values: h.ms }]);
      },
    });
    return keys;
  },
};
