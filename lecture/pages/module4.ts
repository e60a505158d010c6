/** Module 4: the convolution stepper, LeNet on MNIST in the tab, and draw-a-digit. */
import { drawHeatmap, drawLines, makeCanvas } from '../draw';
import { type Keys, button, control, el, playControls } from '../ui';
import { instant } from './module0';
import { percent } from './module1';
import type { ViewDef } from './types';

export const conv: ViewDef = {
  module: 4,
  short: 'convolution',
  title: 'A convolution, one output at a time',
  intro:
    'The kernel slides over the input; each output is the sum of the products under it. The outputs come from your conv2d (Task 4.2); → steps to the next output.',
  defaults: { kernel: 'vertical', at: '0' },
  render(api) {
    const bar = el('div', { class: 'controls' });
    const input = makeCanvas(210, 210);
    const kernel = makeCanvas(90, 90);
    const output = makeCanvas(150, 150);
    const sum = el('p', { class: 'sum' });
    api.root.append(
      bar,
      el(
        'div',
        { class: 'row' },
        el('div', {}, el('h3', {}, 'input 7×7'), input),
        el('div', {}, el('h3', {}, 'kernel'), kernel),
        el('div', {}, el('h3', {}, 'output 5×5'), output),
      ),
      sum,
    );
    let data: { input: number[]; kernel: number[]; output: number[] } | null = null;
    const show = () => {
      if (data === null) return;
      const at = Number(api.params.at) % 25;
      const [r, c] = [Math.floor(at / 5), at % 5];
      drawHeatmap(input, data.input, 7, 7);
      drawHeatmap(kernel, data.kernel, 3, 3, true);
      drawHeatmap(
        output,
        data.output.map((v, i) => (i <= at ? v : 0)),
        5,
        5,
        true,
      );
      for (const [canvas, size, row, col, span] of [
        [input, 7, r, c, 3],
        [output, 5, r, c, 1],
      ] as const) {
        const g = canvas.getContext('2d') as CanvasRenderingContext2D;
        const cell = parseFloat(canvas.style.width) / size;
        g.strokeStyle = '#d62728';
        g.lineWidth = 3;
        g.strokeRect(col * cell, row * cell, span * cell, span * cell);
      }
      const terms: string[] = [];
      for (let i = 0; i < 3; i++)
        for (let j = 0; j < 3; j++) {
          const x = data.input[(r + i) * 7 + c + j];
          if (x !== 0) terms.push(`${x}·${Number(data.kernel[i * 3 + j].toFixed(3))}`);
        }
      sum.textContent = `out[${r}][${c}] = ${terms.join(' + ') || '0'} = ${Number(data.output[at].toFixed(4))}`;
      api.metric('output', String(Number(data.output[at].toFixed(4))));
      api.metric('position', `${r},${c}`);
    };
    const step = () => {
      api.set({ at: String((Number(api.params.at) + 1) % 25) });
      show();
    };
    const run = instant(api, 'convolution', (d: { input: number[]; kernel: number[]; output: number[] }) => {
      data = d;
      show();
    });
    bar.append(
      control(api, 'kernel', { options: ['vertical', 'horizontal', 'blur'] }, run),
      button('Step', step, { 'data-action': 'step' }),
    );
    return { step, playPause: step, reset: () => (api.set({ at: '0' }), show()) };
  },
};

interface MnistEvent {
  step?: number;
  epoch?: number;
  seen?: number;
  loss?: number;
  ms?: number;
  probe?: number[];
  probeLabel?: number;
  maps?: number[];
  accuracy?: number;
}

export const mnist: ViewDef = {
  module: 4,
  short: 'MNIST',
  title: 'LeNet on MNIST, in this tab',
  intro:
    "MiniTorch's LeNet (your conv2d, pooling and softmax; Task 4.5) trained with Adam on digits packed into this page. Below: conv1's four feature maps of one held-out digit, redrawn as it learns.",
  defaults: { n: '1000', test: '500', epochs: '1', batch: '32', lr: '0.005', seed: '1', backend: 'fast' },
  render(api) {
    const bar = el('div', { class: 'controls' });
    const curves = makeCanvas(420, 200);
    const probe = makeCanvas(112, 112);
    const maps = el('div', { class: 'units' }, ...[0, 1, 2, 3].map(() => makeCanvas(112, 112, 'unit')));
    const download = el('a', { hidden: '', download: 'lenet.safetensors' }, 'download trained weights (safetensors)');
    api.root.append(
      bar,
      el(
        'div',
        { class: 'row' },
        curves,
        el('div', {}, el('h3', {}, 'digit'), probe),
        el('div', {}, el('h3', {}, 'conv1 feature maps'), maps),
      ),
      download,
    );
    let losses: Array<number | null> = [];
    let keys: Keys & { restart: () => void } = { restart: () => undefined };
    const restart = () => keys.restart();
    bar.append(
      control(api, 'backend', { options: ['simple', 'fast', 'gpu'] }, restart),
      control(api, 'n', { min: 32, max: 9000, step: 32, width: '5em', label: 'digits' }, restart),
      control(api, 'epochs', { min: 1, max: 20, step: 1, width: '4em' }, restart),
      control(api, 'lr', { min: 0.0001, max: 0.1, step: 0.001, width: '5em' }, restart),
    );
    keys = playControls(api, bar, 'mnist', {
      onReset: () => {
        losses = [];
        download.hidden = true;
      },
      onEvent: (e: MnistEvent) => {
        if (e.probe) drawHeatmap(probe, e.probe, 28, 28);
        const fourMaps = e.maps;
        if (fourMaps?.length === 4 * 784) {
          [0, 1, 2, 3].forEach((k) =>
            drawHeatmap(maps.children[k] as HTMLCanvasElement, fourMaps.slice(k * 784, (k + 1) * 784), 28, 28, true),
          );
        }
        if (e.loss !== undefined && e.step !== undefined) {
          losses[e.step] = e.loss;
          api.metric('step', String(e.step));
          api.metric('digits-seen', `${e.seen} (epoch ${e.epoch})`);
          api.metric('loss', e.loss.toFixed(4));
          api.metric('ms-per-batch', (e.ms ?? 0).toFixed(1));
          drawLines(curves, [{ name: 'loss', values: losses }]);
        }
        if (e.accuracy !== undefined) api.metric('accuracy', percent(e.accuracy));
      },
      onDone: () => {
        api.start('weights', {
          onDone: (d: { bytes: Uint8Array }) => {
            download.href = URL.createObjectURL(new Blob([d.bytes as BlobPart], { type: 'application/octet-stream' }));
            download.hidden = false;
          },
        });
      },
    });
    return keys;
  },
};

export const draw: ViewDef = {
  module: 4,
  short: 'draw a digit',
  title: 'Draw a digit',
  intro:
    "Draw with the mouse; the softmax comes from the LeNet trained on the MNIST page, or from PyTorch's MNIST example network with the weights the project ships (tests/fixtures), run by your library.",
  defaults: { model: 'pytorch' },
  render(api) {
    const bar = el('div', { class: 'controls' });
    const pad = makeCanvas(224, 224, 'draw');
    const probs = el('div', { class: 'probs' });
    api.root.append(bar, el('div', { class: 'row' }, pad, probs));
    const g = pad.getContext('2d') as CanvasRenderingContext2D;
    const clear = () => {
      g.fillStyle = 'black';
      g.fillRect(0, 0, 224, 224);
    };
    clear();
    let drawing = false;
    const stroke = (e: PointerEvent) => {
      const r = pad.getBoundingClientRect();
      g.fillStyle = 'white';
      g.beginPath();
      g.arc(((e.clientX - r.left) * 224) / r.width, ((e.clientY - r.top) * 224) / r.height, 11, 0, 2 * Math.PI);
      g.fill();
    };
    /** The drawing as MNIST sees digits: 28×28, 0–255, white on black. */
    const pixels = (): number[] => {
      const small = document.createElement('canvas');
      small.width = small.height = 28;
      const s = small.getContext('2d') as CanvasRenderingContext2D;
      s.drawImage(pad, 0, 0, 28, 28);
      const data = s.getImageData(0, 0, 28, 28).data;
      return Array.from({ length: 784 }, (_, i) => data[4 * i]);
    };
    const predict = () => {
      api.state('running');
      api.start(
        'predict',
        {
          onDone: (d: { model: string; probs: number[] }) => {
            const best = d.probs.indexOf(Math.max(...d.probs));
            probs.replaceChildren(
              ...d.probs.flatMap((p, digit) => [
                el('span', {}, String(digit)),
                el('span', {
                  class: 'bar',
                  'data-digit': String(digit),
                  'data-prob': String(p),
                  style: `width:${Math.round(200 * p)}px`,
                }),
                el('span', {}, percent(p)),
              ]),
            );
            api.metric('prediction', String(best));
            api.metric('prob-sum', d.probs.reduce((a, b) => a + b, 0).toFixed(6));
            api.metric('model', d.model);
            api.state('done');
          },
        },
        { extra: { pixels: pixels().join(',') } },
      );
    };
    pad.addEventListener('pointerdown', (e) => {
      drawing = true;
      stroke(e);
    });
    pad.addEventListener('pointermove', (e) => drawing && stroke(e));
    pad.addEventListener('pointerup', () => {
      drawing = false;
      predict();
    });
    bar.append(
      control(api, 'model', { options: ['pytorch', 'trained'] }, predict),
      button('Clear', () => (clear(), probs.replaceChildren()), { 'data-action': 'clear' }),
    );
    return { reset: clear };
  },
};
