/**
 * Showing charts: inside a Jupyter notebook running the tslab kernel, as a rich output; in
 * plain Node (scripts, tests, the demo), as SVG and HTML files.
 *
 * In a notebook one output carries two representations of the chart:
 * `application/vnd.vegalite.v5+json` (the spec, which JupyterLab and VS Code draw as an
 * interactive chart) and `image/svg+xml` (a static picture rendered in Node, which GitHub,
 * nbconvert and nbviewer show). Front ends pick the richest one they understand.
 *
 * Nothing here loads tslab. tslab's public `display.raw(mime, value)` sends one MIME type per
 * output, so the bundle goes through the function tslab itself uses for that,
 * `lastWriteDisplayData` of its `dist/jupyter.js`, found among the modules the running
 * kernel has already loaded. When no kernel is running that module is absent (or the function
 * is unset), and we write files instead.
 *
 * @packageDocumentation
 */
import { platform } from '../platform';
import { renderSvg, withV5Schema } from './render';
import { checkOptions } from '../validate';

/** The keys of `ShowOptions`, for `checkOptions`. */
const SHOW_OPTIONS = ['name', 'outDir'];

/** Where and under which name `show` writes its files outside a notebook. */
export interface ShowOptions {
  /** File name without extension (letters, digits, `.`, `_`, `-`). Default: from the chart's title, else `chart`. */
  name?: string;
  /** Folder for the files, created if missing. Default: `out` (relative to the working directory). */
  outDir?: string;
}

/** An output that is redrawn in place, e.g. a loss curve during training. */
export interface LiveDisplay {
  /** Replace the shown chart with this vega-lite spec. Returns the SVG path outside a notebook. */
  update(spec: object): Promise<string | undefined>;
  /** Replace the shown picture with this SVG document. Returns the SVG path outside a notebook. */
  updateSvg(svg: string): Promise<string | undefined>;
  /**
   * Replace the output with a line of text (e.g. training progress). Outside a notebook the
   * line is printed to stdout instead. Resolves after giving the kernel a turn of its event
   * loop, so the update is sent even while a long loop runs.
   */
  updateText(text: string): Promise<void>;
}

/** A Jupyter MIME bundle: MIME type -> representation. */
type MimeBundle = Record<string, unknown>;

/** tslab's sender of `display_data` (update = false) and `update_display_data` (update = true). */
type WriteDisplayData = (content: { data: MimeBundle; metadata: object; transient: object }, update: boolean) => void;

const VEGA_LITE_MIME = 'application/vnd.vegalite.v5+json';
const SVG_MIME = 'image/svg+xml';

/** tslab's module that talks to Jupyter, as its path ends (tslab 1.0.x). */
const TSLAB_JUPYTER_MODULE = /[\\/]tslab[\\/]dist[\\/]jupyter\.js$/;

/**
 * The running tslab kernel's display sender, or undefined outside a kernel (plain Node, or a
 * script that merely loaded tslab). Checked on every call, never at import time.
 */
function tslabDisplay(): WriteDisplayData | undefined {
  for (const [file, mod] of Object.entries(require.cache)) {
    if (!TSLAB_JUPYTER_MODULE.test(file)) continue;
    const write = (mod?.exports as { lastWriteDisplayData?: unknown } | undefined)?.lastWriteDisplayData;
    // tslab sets it when it starts executing a cell, so a function means "inside a cell".
    if (typeof write === 'function') return write as WriteDisplayData;
  }
  return undefined;
}

/** True when running inside a cell of a tslab Jupyter kernel. */
export function inNotebook(): boolean {
  return tslabDisplay() !== undefined;
}

/** The chart's title as text, if it has one (`title: "..."` or `title: { text: "..." }`). */
function titleOf(spec: object): string | undefined {
  const title = (spec as { title?: unknown }).title;
  const text = typeof title === 'object' && title !== null ? (title as { text?: unknown }).text : title;
  if (Array.isArray(text)) return text.join(' ');
  return typeof text === 'string' && text.trim() !== '' ? text : undefined;
}

/** A file name from a title: `Loss per epoch` -> `loss-per-epoch`. */
function slug(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 60);
}

/** The `name` option checked, or one made from the title. */
function fileName(options: ShowOptions, title: string | undefined): string {
  if (options.name !== undefined) {
    if (!/^[\w.-]+$/.test(options.name) || /^\.+$/.test(options.name)) {
      throw new Error(
        `show: name ${JSON.stringify(options.name)} must be a plain file name (letters, digits, ".", "_", "-")`,
      );
    }
    return options.name;
  }
  return (title && slug(title)) || 'chart';
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * Write `<outDir>/<name>.svg` and a self-contained `<outDir>/<name>.html` (the SVG inline, no
 * scripts or network) and return the SVG's path.
 */
function writeFiles(svg: string, options: ShowOptions, title: string | undefined): string {
  const name = fileName(options, title);
  const dir = options.outDir ?? 'out';
  platform.makeDir(dir);
  const svgPath = platform.joinPath(dir, `${name}.svg`);
  const html = [
    '<!doctype html>',
    '<html><head><meta charset="utf-8">',
    `<title>${escapeHtml(title ?? name)}</title>`,
    '</head><body>',
    svg.replace(/^<\?xml[^>]*>\s*/, ''),
    '</body></html>',
    '',
  ].join('\n');
  platform.writeFile(svgPath, svg);
  platform.writeFile(platform.joinPath(dir, `${name}.html`), html);
  return svgPath;
}

/**
 * Send one output to the notebook (or replace the output `displayId` when `update`). Returns
 * false outside a kernel.
 */
function sendToNotebook(data: MimeBundle, displayId?: string, update = false): boolean {
  const write = tslabDisplay();
  if (!write) return false;
  write({ data, metadata: {}, transient: displayId ? { display_id: displayId } : {} }, update);
  return true;
}

/** The MIME bundle of a chart: interactive spec, static SVG, and a line for text-only viewers. */
function chartBundle(spec: object, svg: string, title: string | undefined): MimeBundle {
  return { [VEGA_LITE_MIME]: spec, [SVG_MIME]: svg, 'text/plain': `<vega-lite chart${title ? `: ${title}` : ''}>` };
}

/** Throw unless `svg` is an SVG document; `caller` names the function in the message. */
function checkSvg(svg: unknown, caller: string): void {
  if (typeof svg !== 'string' || !/<svg[\s>]/.test(svg)) {
    throw new Error(`${caller}: expected an SVG document (a string containing <svg ...>), got ${typeof svg}`);
  }
}

/** The MIME bundle of a picture that is only an SVG. */
function svgBundle(svg: string): MimeBundle {
  return { [SVG_MIME]: svg, 'text/plain': '<svg image>' };
}

/**
 * Show a vega-lite v5 chart. In a notebook: one output with the interactive chart and its
 * SVG rendering; returns undefined. Elsewhere: writes `<outDir>/<name>.svg` and `.html` and
 * returns the SVG's path.
 */
export async function show(spec: object, options: ShowOptions = {}): Promise<string | undefined> {
  checkOptions('show', options, SHOW_OPTIONS);
  const full = withV5Schema(spec);
  const title = titleOf(full);
  const svg = await renderSvg(full);
  if (sendToNotebook(chartBundle(full, svg, title))) return undefined;
  return writeFiles(svg, options, title);
}

/**
 * Show an SVG document (e.g. a drawing of a computation graph): as an image output in a
 * notebook (returns undefined), else as `<outDir>/<name>.svg` and `.html` (returns the path).
 */
export async function showSvg(svg: string, options: ShowOptions = {}): Promise<string | undefined> {
  checkOptions('showSvg', options, SHOW_OPTIONS);
  checkSvg(svg, 'showSvg');
  if (sendToNotebook(svgBundle(svg))) return undefined;
  return writeFiles(svg, options, undefined);
}

/** `bytes` random bytes as hex (Web Crypto, in Node and in pages alike). */
function randomHex(bytes: number): string {
  const values = globalThis.crypto.getRandomValues(new Uint8Array(bytes));
  return Array.from(values, (b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * An output that each `update` redraws in place (tslab's display ids): call `update` from a
 * training loop, and `await` it so the kernel can send the picture while the loop runs.
 * Outside a notebook every update overwrites the same files (`name` defaults to `live`).
 */
export function liveDisplay(options: ShowOptions = {}): LiveDisplay {
  checkOptions('liveDisplay', options, SHOW_OPTIONS);
  const displayId = randomHex(8);
  const fileOptions = { ...options, name: options.name ?? 'live' };
  fileName(fileOptions, undefined); // reject a bad name now, not at the first update
  let shown = false;
  const emit = (data: MimeBundle, svg: string): string | undefined => {
    if (sendToNotebook(data, displayId, shown)) {
      shown = true;
      return undefined;
    }
    return writeFiles(svg, fileOptions, undefined);
  };
  return {
    async update(spec: object) {
      const full = withV5Schema(spec);
      const svg = await renderSvg(full);
      return emit(chartBundle(full, svg, titleOf(full)), svg);
    },
    async updateSvg(svg: string) {
      checkSvg(svg, 'liveDisplay.updateSvg');
      return emit(svgBundle(svg), svg);
    },
    async updateText(text: string) {
      if (typeof text !== 'string')
        throw new TypeError(`liveDisplay.updateText: expected a string, got ${typeof text}`);
      if (sendToNotebook({ 'text/plain': text }, displayId, shown)) shown = true;
      else platform.printLine(text);
      // A macrotask, not just a microtask: the kernel's socket writes happen on the event loop.
      await new Promise<void>((resolve) => setTimeout(resolve, 0));
    },
  };
}
