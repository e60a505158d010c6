/**
 * Drawing on canvases, on the page's main thread: decision surfaces with their points, heat
 * maps, line charts and bars. Plain 2-D canvas, so a redraw per epoch costs next to nothing.
 */

/** Playground's colours: label 0 blue, label 1 orange. */
export const BLUE = [8, 119, 189];
export const ORANGE = [245, 147, 34];
/** Series colours of the charts. */
export const PALETTE = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b'];

/** A canvas of `width` × `height` CSS pixels, sharp on high-density screens. */
export function makeCanvas(width: number, height: number, className = ''): HTMLCanvasElement {
  const canvas = document.createElement('canvas');
  const ratio = Math.min(2, window.devicePixelRatio || 1);
  canvas.width = width * ratio;
  canvas.height = height * ratio;
  canvas.style.width = `${width}px`;
  canvas.style.height = `${height}px`;
  canvas.className = className;
  canvas.getContext('2d')?.scale(ratio, ratio);
  return canvas;
}

function context(canvas: HTMLCanvasElement): { g: CanvasRenderingContext2D; w: number; h: number } {
  const g = canvas.getContext('2d') as CanvasRenderingContext2D;
  return { g, w: parseFloat(canvas.style.width), h: parseFloat(canvas.style.height) };
}

/** A probability as a colour between blue (0) and orange (1), pale near 0.5. */
function probColour(p: number, alpha = 1): string {
  const t = Math.min(1, Math.max(0, p));
  const base = t > 0.5 ? ORANGE : BLUE;
  const strength = Math.abs(t - 0.5) * 2;
  const mix = (c: number) => Math.round(255 + (c - 255) * strength * 0.75);
  return `rgba(${mix(base[0])},${mix(base[1])},${mix(base[2])},${alpha})`;
}

/**
 * A decision surface: `values` of a side×side grid (row 0 at the top, x1 = 1), coloured by
 * probability, with the data points on top (x0 right, x1 up, both in [0, 1]).
 */
export function drawSurface(
  canvas: HTMLCanvasElement,
  values: ArrayLike<number> | null,
  points: { X: number[][]; y: number[] } | null,
): void {
  const { g, w, h } = context(canvas);
  g.clearRect(0, 0, w, h);
  if (values !== null) {
    const side = Math.round(Math.sqrt(values.length));
    for (let r = 0; r < side; r++) {
      for (let c = 0; c < side; c++) {
        g.fillStyle = probColour(values[r * side + c]);
        g.fillRect((c * w) / side, (r * h) / side, w / side + 1, h / side + 1);
      }
    }
  }
  if (points === null) return;
  points.X.forEach(([x0, x1], i) => {
    g.beginPath();
    g.arc(x0 * w, (1 - x1) * h, Math.max(3, w / 80), 0, 2 * Math.PI);
    g.fillStyle = points.y[i] === 1 ? `rgb(${ORANGE.join(',')})` : `rgb(${BLUE.join(',')})`;
    g.fill();
    g.strokeStyle = 'white';
    g.lineWidth = 1.2;
    g.stroke();
  });
}

/** A heat map of `values` (rows × cols): signed values blue/orange, else black on white. */
export function drawHeatmap(
  canvas: HTMLCanvasElement,
  values: ArrayLike<number>,
  rows: number,
  cols: number,
  signed = false,
): void {
  const { g, w, h } = context(canvas);
  let max = 1e-12;
  for (let i = 0; i < values.length; i++) max = Math.max(max, Math.abs(values[i]));
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const v = values[r * cols + c] / max;
      if (signed) g.fillStyle = probColour(0.5 + v / 2);
      else {
        const shade = Math.round(255 * (1 - Math.max(0, v)));
        g.fillStyle = `rgb(${shade},${shade},${shade})`;
      }
      g.fillRect((c * w) / cols, (r * h) / rows, w / cols + 0.5, h / rows + 0.5);
    }
  }
}

/** Line chart series. */
export interface Series {
  name: string;
  values: Array<number | null>;
  colour?: string;
}

/** Lines of `series` against their index (1-based epochs), with a y axis and a legend. */
export function drawLines(
  canvas: HTMLCanvasElement,
  series: Series[],
  options: { yLabel?: string; yMin?: number; yMax?: number } = {},
): void {
  const { g, w, h } = context(canvas);
  g.clearRect(0, 0, w, h);
  const left = 44;
  const bottom = 18;
  const top = 16;
  const all = series.flatMap((s) => s.values.filter((v): v is number => v !== null && Number.isFinite(v)));
  const n = Math.max(2, ...series.map((s) => s.values.length));
  const lo = options.yMin ?? Math.min(0, ...all);
  const hi = options.yMax ?? Math.max(lo + 1e-9, ...all);
  const x = (i: number) => left + ((w - left - 8) * i) / (n - 1);
  const y = (v: number) => top + (h - top - bottom) * (1 - (v - lo) / (hi - lo));
  g.strokeStyle = '#999';
  g.fillStyle = '#444';
  g.font = '11px sans-serif';
  g.beginPath();
  g.moveTo(left, top);
  g.lineTo(left, h - bottom);
  g.lineTo(w - 8, h - bottom);
  g.stroke();
  for (const v of [lo, (lo + hi) / 2, hi]) g.fillText(Number(v.toPrecision(3)).toString(), 2, y(v) + 4);
  g.fillText(`${n - 1}`, w - 30, h - 4);
  if (options.yLabel) g.fillText(options.yLabel, left + 4, 11);
  series.forEach((s, k) => {
    g.strokeStyle = s.colour ?? PALETTE[k % PALETTE.length];
    g.lineWidth = 2;
    g.beginPath();
    let started = false;
    s.values.forEach((v, i) => {
      if (v === null || !Number.isFinite(v)) return;
      if (started) g.lineTo(x(i), y(v));
      else g.moveTo(x(i), y(v));
      started = true;
    });
    g.stroke();
    // The legend across the top, right-aligned, clear of the lines.
    g.fillStyle = g.strokeStyle;
    const slot = Math.min(130, (w - left - 50) / series.length);
    g.fillText(s.name, w - 8 - slot * (series.length - k), 11);
  });
}

/** Horizontal bars with their values. */
export function drawBars(canvas: HTMLCanvasElement, bars: Array<{ label: string; value: number }>, unit: string): void {
  const { g, w, h } = context(canvas);
  g.clearRect(0, 0, w, h);
  const max = Math.max(1e-9, ...bars.map((b) => b.value));
  const row = Math.min(34, h / Math.max(1, bars.length));
  g.font = '12px sans-serif';
  bars.forEach((b, i) => {
    const width = ((w - 180) * b.value) / max;
    g.fillStyle = PALETTE[i % PALETTE.length];
    g.fillRect(70, i * row + 6, width, row - 12);
    g.fillStyle = '#222';
    g.fillText(b.label, 4, i * row + row / 2 + 4);
    g.fillText(`${b.value.toPrecision(3)} ${unit}`, 76 + width, i * row + row / 2 + 4);
  });
}
