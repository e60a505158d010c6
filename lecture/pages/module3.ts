/** Module 3: the same seeded network raced on every backend, and a matmul sweep. */
import { PALETTE, drawBars, drawLines, makeCanvas } from '../draw';
import { type Keys, control, el, playControls } from '../ui';
import { TRAIN_DEFAULTS, percent } from './module1';
import type { ViewDef } from './types';

interface RaceEvent {
  epoch: number;
  backends?: string[];
  skipped?: string[];
  results?: Array<{ backend: string; loss: number; accuracy: number; ms: number }>;
}

export const race: ViewDef = {
  module: 3,
  short: 'race',
  title: 'The same network on simple, fast and gpu',
  intro:
    'One seed, one network, one epoch on each backend in turn (Task 3.5): the loss curves lie on top of each other (to float32 on the GPU), and the bars say what Module 3 bought.',
  defaults: {
    ...TRAIN_DEFAULTS,
    dataset: 'split',
    hidden: '32',
    epochs: '50',
    backends: 'simple,fast,gpu',
    workers: '1',
  },
  render(api) {
    const bar = el('div', { class: 'controls' });
    const curves = makeCanvas(520, 240);
    const bars = makeCanvas(520, 130);
    const note = el('p', {});
    api.root.append(bar, note, el('div', { class: 'row' }, curves, bars));
    let losses: Record<string, Array<number | null>> = {};
    let ms: Record<string, number[]> = {};
    let keys: Keys & { restart: () => void } = { restart: () => undefined };
    const restart = () => keys.restart();
    bar.append(
      control(api, 'hidden', { min: 1, max: 128, step: 1, width: '4em' }, restart),
      control(api, 'epochs', { min: 1, max: 1000, step: 1, width: '5em' }, restart),
      control(api, 'n', { min: 2, max: 1000, step: 1, width: '5em', label: 'points' }, restart),
      control(api, 'workers', { width: '5em', label: 'also fast with threads' }, restart),
    );
    keys = playControls(api, bar, 'race', {
      onReset: () => {
        losses = {};
        ms = {};
      },
      onEvent: (e: RaceEvent) => {
        if (e.backends)
          note.textContent = `racing ${e.backends.join(', ')}${e.skipped?.length ? `; not here: ${e.skipped.join(', ')} (see the badge)` : ''}`;
        if (!e.results) return;
        for (const r of e.results) {
          (losses[r.backend] ??= [])[e.epoch] = r.loss;
          (ms[r.backend] ??= []).push(r.ms);
          api.metric(`loss-${r.backend}`, r.loss.toFixed(6));
          api.metric(`accuracy-${r.backend}`, percent(r.accuracy));
        }
        api.metric('epoch', String(e.epoch));
        drawLines(
          curves,
          Object.entries(losses).map(([name, values], i) => ({ name, values, colour: PALETTE[i] })),
          { yLabel: 'loss' },
        );
        const median = (v: number[]) => [...v].sort((a, b) => a - b)[v.length >> 1];
        drawBars(
          bars,
          Object.entries(ms).map(([label, v]) => ({ label, value: median(v) })),
          'ms/epoch',
        );
      },
    });
    return keys;
  },
};

export const matmul: ViewDef = {
  module: 3,
  short: 'matmul sweep',
  title: 'Matrix multiply: n × n on each backend',
  intro:
    'Median milliseconds of a.matmul(b) for growing n (your kernels of Tasks 3.2 and 3.4), values read back included.',
  defaults: { sizes: '16,32,64,128', repeats: '3' },
  render(api) {
    const bar = el('div', { class: 'controls' });
    const chart = makeCanvas(560, 260);
    const table = el('table', { class: 'tree' });
    api.root.append(bar, el('div', { class: 'row' }, chart, table));
    let rows: Array<{ backend: string; n: number; ms: number }> = [];
    const draw = () => {
      const sizes = [...new Set(rows.map((r) => r.n))];
      const backends = [...new Set(rows.map((r) => r.backend))];
      drawLines(
        chart,
        backends.map((b, i) => ({
          name: b,
          colour: PALETTE[i],
          values: sizes.map((n) => rows.find((r) => r.n === n && r.backend === b)?.ms ?? null),
        })),
        { yLabel: 'ms (by size index)' },
      );
      table.replaceChildren(
        el('tr', {}, el('th', {}, 'n'), ...backends.map((b) => el('th', {}, b))),
        ...sizes.map((n) =>
          el(
            'tr',
            {},
            el('td', {}, String(n)),
            ...backends.map((b) => el('td', {}, rows.find((r) => r.n === n && r.backend === b)?.ms.toFixed(2) ?? '')),
          ),
        ),
      );
    };
    const keys = playControls(api, bar, 'matmul', {
      onReset: () => {
        rows = [];
        table.replaceChildren();
      },
      onEvent: (e: { backend: string; n: number; ms: number }) => {
        rows.push(e);
        api.metric(`ms-${e.backend}-${e.n}`, e.ms.toFixed(2));
        draw();
      },
    });
    bar.prepend(control(api, 'sizes', { width: '10em' }, () => keys.restart()));
    return keys;
  },
};
