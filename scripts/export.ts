/**
 * `npm run export`: the lecture notes as a static site. Executes every notebook from its
 * Markdown source in a scratch folder (never in place: the committed notebooks and every
 * other tracked file stay as they are), renders each to HTML with nbconvert under `site/`,
 * and writes `site/index.html`.
 *
 * The pages work with no network: each chart's `image/svg+xml` output is inlined as an
 * `<svg>` element (nbconvert would wrap it in a base64 `<img>`), require.js, which only
 * Jupyter widgets need, is dropped, and TeX (`$…$`, `$$…$$`) is typeset here with KaTeX into
 * MathML, which browsers draw themselves, instead of by MathJax from a CDN. Each page is
 * titled with its module's title and has links to the index and the previous and next page.
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
import * as katex from 'katex';
import { repoRoot, UsageError, exitStatus } from './course';
import { checkJupyter, findPython, notebookFailures, tempKernel } from './jupyter';
import { buildLecture } from './lecture';
import { notebookNames, runNotebook } from './notebooks';

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
  /** Formulas typeset. */
  formulas: number;
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
  const out = html.replace(
    /<img\b[^>]*\bsrc="data:image\/svg\+xml;base64,([A-Za-z0-9+/=]+)"[^>]*>/g,
    (_, b64: string) => {
      count++;
      const svg = Buffer.from(b64, 'base64')
        .toString('utf8')
        .replace(/<\?xml[^>]*\?>/g, '')
        .replace(/<!DOCTYPE[^>]*>/gi, '')
        .trim();
      return `<div class="minitorch-chart">${svg}</div>`;
    },
  );
  return { html: out, count };
}

/** Drop `<script src="http…require…">`: only Jupyter widgets use it, and it needs a network. */
export function dropRequireJs(html: string): string {
  return html.replace(/<script\s+src="https?:[^"]*require[^"]*\.js"\s*>\s*<\/script>\s*/g, '');
}

/** Remove nbconvert's MathJax loader and its configuration (math is typeset at export time). */
export function dropMathJax(html: string): string {
  return html
    .replace(/<!-- Load mathjax -->\s*/g, '')
    .replace(/<script\s+src="[^"]*mathjax[^"]*"\s*>\s*<\/script>\s*/gi, '')
    .replace(
      /<!-- MathJax configuration -->\s*<script type="text\/x-mathjax-config">[\s\S]*?<\/script>\s*(<!-- End of mathjax configuration -->)?/g,
      '',
    );
}

const HTML_ENTITIES: Record<string, string> = { '&lt;': '<', '&gt;': '>', '&amp;': '&', '&quot;': '"', '&#39;': "'" };

/** TeX as KaTeX's MathML (no fonts or style sheet needed); a TeX error shows the source in red. */
function typeset(tex: string, display: boolean): string {
  const source = tex.replace(/&(lt|gt|amp|quot|#39);/g, (e) => HTML_ENTITIES[e]);
  return katex.renderToString(source, {
    displayMode: display,
    output: 'mathml',
    throwOnError: false,
    strict: 'ignore',
  });
}

/**
 * Typeset the TeX in an HTML page: `$$…$$` (display) and `$…$` (inline, no space just
 * inside the dollars, as Jupyter's Markdown has it) in text, never inside `<pre>`, `<code>`,
 * `<script>`, `<style>`, `<svg>` or `<math>`. Returns the page and the number of formulas.
 */
export function renderMath(html: string): { html: string; count: number } {
  let count = 0;
  const skip = new Set(['pre', 'code', 'script', 'style', 'svg', 'math', 'textarea']);
  let depth = 0;
  const parts = html.split(/(<[^>]*>)/);
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i];
    if (part.startsWith('<')) {
      const m = /^<(\/?)([a-zA-Z][\w-]*)/.exec(part);
      if (m && skip.has(m[2].toLowerCase()) && !part.endsWith('/>')) depth += m[1] ? -1 : 1;
      depth = Math.max(0, depth);
      continue;
    }
    if (depth > 0 || !part.includes('$')) continue;
    parts[i] = part
      .replace(/\$\$([\s\S]+?)\$\$/g, (_, tex: string) => {
        count++;
        return typeset(tex, true);
      })
      .replace(/\$(?![\s$])([^$`\n]*?[^\s$\\])\$(?!\d)/g, (_, tex: string) => {
        count++;
        return typeset(tex, false);
      });
  }
  return { html: parts.join(''), count };
}

/** The pages before and after a page, for its navigation bar. */
export interface Neighbours {
  previous?: ExportedPage;
  next?: ExportedPage;
}

/** The navigation bar of a page: index, previous, next. */
export function navigation({ previous, next }: Neighbours): string {
  const link = (p: ExportedPage, rel: string, text: string) =>
    `<a href="${encodeURI(p.file)}" rel="${rel}">${text}</a>`;
  const items = [
    '<a href="index.html" rel="index">Index</a>',
    previous ? link(previous, 'prev', `← ${escapeHtml(previous.title)}`) : '',
    next ? link(next, 'next', `${escapeHtml(next.title)} →`) : '',
  ].filter((x) => x !== '');
  return `<nav class="minitorch-nav" style="font: 14px system-ui, sans-serif; padding: .6rem 1rem; display: flex; gap: 1.5rem; border-bottom: 1px solid #ddd">${items.join('')}</nav>`;
}

/** Give a page its title and a navigation bar at its top and bottom. */
export function titleAndNavigate(html: string, title: string, neighbours: Neighbours): string {
  const nav = navigation(neighbours);
  return html
    .replace(/<title>[\s\S]*?<\/title>/, `<title>${escapeHtml(title)}</title>`)
    .replace(/(<body\b[^>]*>)/, `$1\n${nav}`)
    .replace(/<\/body>/, `${nav.replace('border-bottom', 'border-top')}\n</body>`);
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

/** The site's index page: a list of the exported notebooks (and a link to the lecture demos, when built). */
export function indexPage(pages: ExportedPage[], lecture = false): string {
  const items = pages.map(
    (p) =>
      `    <li><a href="${encodeURI(p.file)}">${escapeHtml(p.title)}</a> <small>(${escapeHtml(p.name)})</small></li>`,
  );
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
    ...(lecture
      ? [
          '  <p><a href="lecture/index.html">Lecture demos</a>: the library itself, live in the page (train, step backwards, race the backends, draw a digit).</p>',
        ]
      : []),
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

/**
 * Build and execute notebooks from their Markdown sources into `workDir` (the kernel runs in
 * notebooks/, as a student's does, but every file is written under `workDir`).
 */
async function executeInto(names: string[], workDir: string): Promise<void> {
  const python = findPython();
  checkJupyter(python);
  const kernel = tempKernel(python);
  try {
    for (const name of names) {
      const result = await runNotebook(name, { python, jupyterPath: kernel.jupyterPath, workDir });
      const failures = notebookFailures(result);
      if (failures.length > 0) throw new Error(`export: ${name} failed:\n  ${failures.join('\n  ')}`);
      console.log(`export: executed ${name} in ${result.seconds.toFixed(1)} s`);
    }
  } finally {
    kernel.remove();
  }
}

/**
 * Execute (optionally, in a scratch folder) and render the notebooks; returns the pages
 * written. Never writes under the repository except `opts.out`.
 */
export async function exportSite(opts: ExportOptions): Promise<ExportedPage[]> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'minitorch-export-'));
  try {
    let nbDir = path.join(opts.root, 'notebooks');
    let names: string[];
    if (opts.execute) {
      names = notebookNames().filter((n) => opts.only.length === 0 || opts.only.includes(n));
      for (const n of opts.only) {
        if (!names.includes(n)) throw new Error(`export: no notebooks/src/${n}.md`);
      }
      if (names.length === 0) throw new Error('export: no notebooks to export');
      nbDir = path.join(tmp, 'executed');
      fs.mkdirSync(nbDir);
      await executeInto(names, nbDir);
    } else {
      names = fs
        .readdirSync(nbDir)
        .filter((f) => f.endsWith('.ipynb'))
        .map((f) => f.replace(/\.ipynb$/, ''))
        .filter((n) => opts.only.length === 0 || opts.only.includes(n))
        .sort();
      for (const n of opts.only) {
        if (!names.includes(n)) throw new Error(`export: no notebook notebooks/${n}.ipynb`);
      }
      if (names.length === 0) throw new Error('export: no notebooks to export');
    }
    const html = path.join(tmp, 'html');
    const python = findPython();
    checkJupyter(python);
    const convert = spawnSync(
      python,
      [
        '-m',
        'nbconvert',
        '--to',
        'html',
        '--template',
        'lab',
        '--output-dir',
        html,
        ...names.map((n) => path.join(nbDir, `${n}.ipynb`)),
      ],
      // Run from the scratch folder, so nothing nbconvert writes can land in the repository.
      { cwd: tmp, encoding: 'utf8' },
    );
    if (convert.status !== 0) throw new Error(`export: nbconvert failed:\n${convert.stderr}`);
    fs.mkdirSync(opts.out, { recursive: true });
    // First every page's body and title, then the files: each page links to its neighbours' titles.
    const bodies: string[] = [];
    const pages = names.map((name): ExportedPage => {
      const inlined = inlineSvgImages(fs.readFileSync(path.join(html, `${name}.html`), 'utf8'));
      const math = renderMath(dropMathJax(dropRequireJs(inlined.html)));
      bodies.push(math.html);
      const title = notebookTitle(fs.readFileSync(path.join(nbDir, `${name}.ipynb`), 'utf8'), name);
      return { name, title, file: `${name}.html`, charts: inlined.count, formulas: math.count };
    });
    pages.forEach((page, i) => {
      fs.writeFileSync(
        path.join(opts.out, page.file),
        titleAndNavigate(bodies[i], page.title, { previous: pages[i - 1], next: pages[i + 1] }),
      );
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
    else
      throw new UsageError(
        `export: unknown option "${a}" (usage: npm run export -- [--no-execute] [--out <dir>] [--only <name>])`,
      );
  }
  return { execute, out, only, root };
}

if (require.main === module) {
  try {
    const opts = parseExportArgs(process.argv.slice(2));
    const start = Date.now();
    exportSite(opts)
      .then(async (pages) => {
        // The lecture demos beside the notes (isolated by a service worker where the host sets no headers).
        await buildLecture(path.join(opts.out, 'lecture'), opts.root);
        fs.writeFileSync(path.join(opts.out, 'index.html'), indexPage(pages, true));
        return pages;
      })
      .then(
        (pages) => {
          for (const p of pages)
            console.log(
              `  ${p.file.padEnd(20)} ${String(p.charts).padStart(3)} charts ${String(p.formulas).padStart(3)} formulas  ${p.title}`,
            );
          console.log(
            `export: wrote ${pages.length} pages, index.html and lecture/ to ${opts.out} in ${((Date.now() - start) / 1000).toFixed(1)} s`,
          );
        },
        (e: Error) => {
          console.error(e.message);
          process.exitCode = 1;
        },
      );
  } catch (e) {
    console.error((e as Error).message);
    process.exitCode = exitStatus(e);
  }
}
