/**
 * `npm run export`: the lecture notes as a static site. Executes every notebook (the
 * notebook pipeline, `npm run notebooks`), renders each to HTML with nbconvert under `site/`,
 * and writes `site/index.html`.
 *
 * The pages work with no network: each chart's `image/svg+xml` output is inlined as an
 * `<svg>` element (nbconvert would wrap it in a base64 `<img>`), and require.js, which only
 * Jupyter widgets need, is dropped. MathJax is still loaded from its CDN when online; without
 * a network TeX shows as written.
 *
 * Options: `--no-execute` (render the notebooks as committed, with their stored outputs),
 * `--out <dir>` (default `site`), `--only <name>` (repeatable; default every notebook).
 *
 * @packageDocumentation
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { repoRoot } from './course';
import { checkJupyter, findPython } from './jupyter';

/** One exported page. */
export interface ExportedPage {
  /** Notebook name without extension, e.g. `module0`. */
  name: string;
  /** The notebook's first heading. */
  title: string;
  /** The HTML file, relative to the site folder. */
  file: string;
  /** Charts inlined as SVG. */
  charts: number;
}

/** Options of `exportSite`. */
export interface ExportOptions {
  /** Re-execute the notebooks first. */
  execute: boolean;
  /** The site folder. */
  out: string;
  /** Notebook names to export (all when empty). */
  only: string[];
  /** The repository. */
  root: string;
}

/** Replace nbconvert's `<img src="data:image/svg+xml;base64,…">` with the SVG itself. */
export function inlineSvgImages(html: string): { html: string; count: number } {
  let count = 0;
  const out = html.replace(/<img\b[^>]*\bsrc="data:image\/svg\+xml;base64,([A-Za-z0-9+/=]+)"[^>]*>/g, (_, b64: string) => {
    count++;
    const svg = Buffer.from(b64, 'base64')
      .toString('utf8')
      .replace(/<\?xml[^>]*\?>/g, '')
      .replace(/<!DOCTYPE[^>]*>/gi, '')
      .trim();
    return `<div class="minitorch-chart">${svg}</div>`;
  });
  return { html: out, count };
}

/** Drop `<script src="http…require…">`: only Jupyter widgets use it, and it needs a network. */
export function dropRequireJs(html: string): string {
  return html.replace(/<script\s+src="https?:[^"]*require[^"]*\.js"\s*>\s*<\/script>\s*/g, '');
}

/** The first Markdown heading of a notebook, or its name. */
export function notebookTitle(nbJson: string, fallback: string): string {
  const nb = JSON.parse(nbJson) as { cells: Array<{ cell_type: string; source: string | string[] }> };
  for (const cell of nb.cells) {
    if (cell.cell_type !== 'markdown') continue;
    const text = Array.isArray(cell.source) ? cell.source.join('') : cell.source;
    const m = /^#+\s+(.+)$/m.exec(text);
    if (m) return m[1].trim();
  }
  return fallback;
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** The site's index page: a list of the exported notebooks. */
export function indexPage(pages: ExportedPage[]): string {
  const items = pages.map((p) => `    <li><a href="${encodeURI(p.file)}">${escapeHtml(p.title)}</a> <small>(${escapeHtml(p.name)})</small></li>`);
  return [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '  <meta charset="utf-8">',
    '  <meta name="viewport" content="width=device-width, initial-scale=1">',
    '  <title>MiniTorch in TypeScript: lecture notes</title>',
    '  <style>body { font-family: system-ui, sans-serif; max-width: 48rem; margin: 3rem auto; padding: 0 1rem; line-height: 1.5 } li { margin: .4rem 0 }</style>',
    '</head>',
    '<body>',
    '  <h1>MiniTorch in TypeScript: lecture notes</h1>',
    '  <p>Each page is a course notebook, executed and rendered with its outputs and charts.</p>',
    '  <ul>',
    ...items,
    '  </ul>',
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

/** Execute (optionally) and render the notebooks; returns the pages written. */
export function exportSite(opts: ExportOptions): ExportedPage[] {
  const nbDir = path.join(opts.root, 'notebooks');
  if (opts.execute) {
    // The notebook pipeline builds each notebook from notebooks/src/ and runs it in place.
    const run = spawnSync(process.execPath, [path.join(__dirname, 'notebooks.js'), ...opts.only], { cwd: opts.root, stdio: 'inherit' });
    if (run.status !== 0) throw new Error('export: executing the notebooks failed (see above)');
  }
  const names = fs
    .readdirSync(nbDir)
    .filter((f) => f.endsWith('.ipynb'))
    .map((f) => f.replace(/\.ipynb$/, ''))
    .filter((n) => opts.only.length === 0 || opts.only.includes(n))
    .sort();
  for (const n of opts.only) {
    if (!names.includes(n)) throw new Error(`export: no notebook notebooks/${n}.ipynb`);
  }
  if (names.length === 0) throw new Error('export: no notebooks to export');
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'minitorch-export-'));
  try {
    const python = findPython();
    checkJupyter(python);
    const convert = spawnSync(
      python,
      ['-m', 'nbconvert', '--to', 'html', '--template', 'lab', '--output-dir', tmp, ...names.map((n) => path.join(nbDir, `${n}.ipynb`))],
      { cwd: opts.root, encoding: 'utf8' },
    );
    if (convert.status !== 0) throw new Error(`export: nbconvert failed:\n${convert.stderr}`);
    fs.mkdirSync(opts.out, { recursive: true });
    const pages = names.map((name): ExportedPage => {
      const { html, count } = inlineSvgImages(fs.readFileSync(path.join(tmp, `${name}.html`), 'utf8'));
      const file = `${name}.html`;
      fs.writeFileSync(path.join(opts.out, file), dropRequireJs(html));
      const title = notebookTitle(fs.readFileSync(path.join(nbDir, `${name}.ipynb`), 'utf8'), name);
      return { name, title, file, charts: count };
    });
    fs.writeFileSync(path.join(opts.out, 'index.html'), indexPage(pages));
    return pages;
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

/** Parse the command line. */
export function parseExportArgs(argv: string[], root = repoRoot()): ExportOptions {
  const only: string[] = [];
  let out = path.join(root, 'site');
  let execute = true;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--no-execute') execute = false;
    else if (a === '--out') out = path.resolve(argv[++i] ?? '');
    else if (a === '--only') only.push(argv[++i] ?? '');
    else throw new Error(`export: unknown option "${a}" (options: --no-execute, --out <dir>, --only <name>)`);
  }
  return { execute, out, only, root };
}

if (require.main === module) {
  try {
    const opts = parseExportArgs(process.argv.slice(2));
    const start = Date.now();
    const pages = exportSite(opts);
    for (const p of pages) console.log(`  ${p.file.padEnd(20)} ${String(p.charts).padStart(3)} charts  ${p.title}`);
    console.log(`export: wrote ${pages.length} pages and index.html to ${opts.out} in ${((Date.now() - start) / 1000).toFixed(1)} s`);
  } catch (e) {
    console.error((e as Error).message);
    process.exitCode = 1;
  }
}
