/**
 * Course tooling: `npm run export` renders the notebooks to a static site whose charts draw
 * with no network. The site is rendered from the committed notebooks (`--no-execute`: the
 * notebook tests already execute them), then each page is opened in headless Chromium with
 * every non-file request blocked. Screenshots go to out/screenshots/ (CI artifacts).
 */
import { expect } from 'chai';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { repoRoot } from '../scripts/course';
import { ExportedPage, dropRequireJs, exportSite, indexPage, inlineSvgImages, notebookTitle } from '../scripts/export';
import { checkJupyter, findPython } from '../scripts/jupyter';
import { SCREENSHOTS, requireChromium, sharedBrowser } from './helpers/browser';

const ROOT = repoRoot();

/** Number of outputs with an SVG image in a notebook: the charts its page must draw. */
function svgOutputs(nbFile: string): number {
  const nb = JSON.parse(fs.readFileSync(nbFile, 'utf8')) as { cells: Array<{ outputs?: Array<{ data?: Record<string, unknown> }> }> };
  return nb.cells.flatMap((c) => c.outputs ?? []).filter((o) => o.data !== undefined && 'image/svg+xml' in o.data).length;
}

describe('Course tooling export helpers', () => {
  it('Course tooling export inlines SVG images and drops require.js', () => {
    const svg = '<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><g class="mark-line role-mark"><path d="M0,0L1,1"/></g></svg>';
    const html = `<script src="https://cdnjs.cloudflare.com/ajax/libs/require.js/2.1.10/require.min.js"></script>\n<p><img src="data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}"></p>`;
    const { html: out, count } = inlineSvgImages(html);
    expect(count).to.equal(1);
    expect(out).to.include('<div class="minitorch-chart"><svg xmlns="http://www.w3.org/2000/svg"><g class="mark-line');
    expect(out).to.not.include('<?xml');
    expect(dropRequireJs(out)).to.not.include('require.min.js');
  });

  it('Course tooling export titles pages by their first heading and lists them in the index', () => {
    const nb = JSON.stringify({ cells: [{ cell_type: 'code', source: '# not a heading' }, { cell_type: 'markdown', source: ['Intro\n', '## Module 0: <operators>\n'] }] });
    expect(notebookTitle(nb, 'x')).to.equal('Module 0: <operators>');
    expect(notebookTitle(JSON.stringify({ cells: [] }), 'fallback')).to.equal('fallback');
    const index = indexPage([{ name: 'module0', title: 'Module 0: <operators>', file: 'module0.html', charts: 3 }]);
    expect(index).to.include('<a href="module0.html">Module 0: &lt;operators&gt;</a>');
  });
});

describe('Course tooling export in a browser', function () {
  this.timeout(180_000);
  let site = '';
  let pages: ExportedPage[] = [];

  before(function () {
    requireChromium(this);
    try {
      checkJupyter(findPython());
    } catch (e) {
      if (process.env.CI) throw e;
      this.skip();
    }
    site = fs.mkdtempSync(path.join(os.tmpdir(), 'minitorch-site-'));
    pages = exportSite({ execute: false, out: site, only: [], root: ROOT });
    fs.mkdirSync(SCREENSHOTS, { recursive: true });
  });

  after(() => {
    if (site) fs.rmSync(site, { recursive: true, force: true });
  });

  it('Course tooling export writes one page per notebook, each chart inlined, and an index', () => {
    const notebooks = fs.readdirSync(path.join(ROOT, 'notebooks')).filter((f) => f.endsWith('.ipynb'));
    expect(pages.map((p) => `${p.name}.ipynb`)).to.deep.equal(notebooks.sort());
    for (const p of pages) {
      expect(p.charts, p.name).to.equal(svgOutputs(path.join(ROOT, 'notebooks', `${p.name}.ipynb`)));
      const html = fs.readFileSync(path.join(site, p.file), 'utf8');
      expect(html, p.name).to.not.match(/<img[^>]*src="data:image\/svg\+xml/);
      expect(html, p.name).to.not.include('require.min.js');
    }
    expect(pages.some((p) => p.charts > 0), 'at least one notebook has charts').to.equal(true);
  });

  it('Course tooling exported pages draw their charts offline in Chromium (screenshots in out/screenshots)', async () => {
    const browser = await sharedBrowser();
    const context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
    const blocked: string[] = [];
    // No network: only the page's own file may load.
    await context.route('**/*', (route) => {
      const url = route.request().url();
      if (url.startsWith('file:')) return route.continue();
      blocked.push(url);
      return route.abort();
    });
    try {
      const page = await context.newPage();
      await page.goto(`file://${path.join(site, 'index.html')}`);
      const links = await page.locator('a').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
      expect(links).to.deep.equal(pages.map((p) => p.file));
      await page.screenshot({ path: path.join(SCREENSHOTS, 'export-index.png') });

      for (const p of pages) {
        await page.goto(`file://${path.join(site, p.file)}`, { waitUntil: 'load' });
        const charts = await page.locator('.minitorch-chart > svg').evaluateAll((svgs) =>
          svgs.map((svg) => {
            const box = svg.getBoundingClientRect();
            // vega draws data marks in groups classed `role-mark`; axes and legends are separate.
            // Graphviz drawings (computation graphs) have `g.node` groups instead.
            const marks = svg.querySelectorAll('g.role-mark > *').length + svg.querySelectorAll('g.node').length;
            return { width: box.width, height: box.height, marks };
          }),
        );
        expect(charts.length, `${p.name}: charts drawn`).to.equal(p.charts);
        charts.forEach((c, i) => {
          expect(c.width, `${p.name} chart ${i} width`).to.be.greaterThan(50);
          expect(c.height, `${p.name} chart ${i} height`).to.be.greaterThan(50);
          expect(c.marks, `${p.name} chart ${i} data marks`).to.be.greaterThan(0);
        });
        // Lecture notes show the exercise checks passing (grading.checkTask tables).
        const checks = await page.locator('table.minitorch-checks').evaluateAll((ts) => ts.map((t) => `${t.getAttribute('data-task')}:${t.getAttribute('data-ok')}`));
        expect(checks.filter((c) => !c.endsWith(':true')), `${p.name}: failing check tables`).to.deep.equal([]);
        if (p.charts > 0) await page.locator('.minitorch-chart').first().scrollIntoViewIfNeeded();
        await page.screenshot({ path: path.join(SCREENSHOTS, `export-${p.name}.png`) });
      }
    } finally {
      await context.close();
    }
    // Only MathJax may have wanted the network (TeX then shows as written).
    expect(blocked.filter((u) => !/mathjax/i.test(u))).to.deep.equal([]);
  });
});
