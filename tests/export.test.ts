/**
 * Course tooling: `npm run export` renders the notebooks to a static site whose charts and
 * formulas draw with no network. The site is rendered from the committed notebooks
 * (`--no-execute`: the notebook tests already execute them), then each page is opened in
 * headless Chromium at 1,280 px with every non-file request blocked. One test executes a
 * notebook through the export and checks that no tracked file changed. Screenshots go to
 * out/screenshots/ (CI artifacts).
 */
import { expect } from 'chai';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { repoRoot } from '../scripts/course';
import { spawnSync } from 'child_process';
import {
  ExportedPage,
  dropMathJax,
  dropRequireJs,
  exportSite,
  indexPage,
  inlineSvgImages,
  notebookTitle,
  renderMath,
  titleAndNavigate,
} from '../scripts/export';
import { checkJupyter, findPython } from '../scripts/jupyter';
import { SCREENSHOTS, requireChromium, sharedBrowser } from './helpers/browser';

const ROOT = repoRoot();

/** Number of outputs with an SVG image in a notebook: the charts its page must draw. */
function svgOutputs(nbFile: string): number {
  const nb = JSON.parse(fs.readFileSync(nbFile, 'utf8')) as {
    cells: Array<{ outputs?: Array<{ data?: Record<string, unknown> }> }>;
  };
  return nb.cells.flatMap((c) => c.outputs ?? []).filter((o) => o.data !== undefined && 'image/svg+xml' in o.data)
    .length;
}

describe('Course tooling export helpers', () => {
  it('Course tooling export inlines SVG images and drops require.js', () => {
    const svg =
      '<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><g class="mark-line role-mark"><path d="M0,0L1,1"/></g></svg>';
    const html = `<script src="https://cdnjs.cloudflare.com/ajax/libs/require.js/2.1.10/require.min.js"></script>\n<p><img src="data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}"></p>`;
    const { html: out, count } = inlineSvgImages(html);
    expect(count).to.equal(1);
    expect(out).to.include('<div class="minitorch-chart"><svg xmlns="http://www.w3.org/2000/svg"><g class="mark-line');
    expect(out).to.not.include('<?xml');
    expect(dropRequireJs(out)).to.not.include('require.min.js');
  });

  it('Course tooling export titles pages by their first heading and lists them in the index', () => {
    const nb = JSON.stringify({
      cells: [
        { cell_type: 'code', source: '# not a heading' },
        { cell_type: 'markdown', source: ['Intro\n', '## Module 0: <operators>\n'] },
      ],
    });
    expect(notebookTitle(nb, 'x')).to.equal('Module 0: <operators>');
    expect(notebookTitle(JSON.stringify({ cells: [] }), 'fallback')).to.equal('fallback');
    const index = indexPage([
      { name: 'module0', title: 'Module 0: <operators>', file: 'module0.html', charts: 3, formulas: 0 },
    ]);
    expect(index).to.include('<a href="module0.html">Module 0: &lt;operators&gt;</a>');
    expect(index).to.not.include('lecture/index.html');
    expect(indexPage([], true)).to.include('<a href="lecture/index.html">Lecture demos</a>');
  });

  it('Course tooling export typesets TeX as MathML in text only, and drops the MathJax loader', () => {
    const html = [
      '<script src="https://cdnjs.cloudflare.com/ajax/libs/mathjax/2.7.7/latest.js?config=TeX-AMS_CHTML-full,Safe"> </script>',
      '<!-- MathJax configuration -->\n<script type="text/x-mathjax-config">\n MathJax.Hub.Config({});\n</script>\n<!-- End of mathjax configuration -->',
      "<p>The slope $f'(x) = \\frac{f(x+h) - f(x)}{h}$ and $a &lt; b$.</p>",
      '<p>$$\\sum_{i=1}^n x_i$$</p>',
      '<pre>price $3 and $4</pre><code>$x$</code><p>costs $5 and 6 dollars</p>',
    ].join('\n');
    const { html: out, count } = renderMath(dropMathJax(html));
    expect(count).to.equal(3);
    expect(out).to.not.match(/mathjax/i);
    expect(out).to.include('<math xmlns="http://www.w3.org/1998/Math/MathML" display="block">');
    expect(out).to.include('<mfrac>');
    expect(out).to.include('<mo>&lt;</mo>'); // the entity was read as "<" and written back as MathML
    expect(out).to.include('<pre>price $3 and $4</pre><code>$x$</code><p>costs $5 and 6 dollars</p>');
  });

  it('Course tooling export titles each page by its module and links index, previous and next', () => {
    const page = (name: string, title: string): ExportedPage => ({
      name,
      title,
      file: `${name}.html`,
      charts: 0,
      formulas: 0,
    });
    const html = '<html><head><title>module1</title></head><body class="jp-Notebook">x</body></html>';
    const out = titleAndNavigate(html, 'Module 1: autodiff', {
      previous: page('module0', 'Module 0: <ops>'),
      next: page('module2', 'Module 2: tensors'),
    });
    expect(out).to.include('<title>Module 1: autodiff</title>');
    expect(out.match(/<nav class="minitorch-nav"/g)).to.have.length(2);
    expect(out).to.include('<a href="index.html" rel="index">Index</a>');
    expect(out).to.include('<a href="module0.html" rel="prev">← Module 0: &lt;ops&gt;</a>');
    expect(out).to.include('<a href="module2.html" rel="next">Module 2: tensors →</a>');
    const first = titleAndNavigate(html, 'Module 0', { next: page('module1', 'Module 1') });
    expect(first).to.not.include('rel="prev"');
  });
});

describe('Course tooling export leaves the repository as it was', function () {
  this.timeout(300_000);
  const status = () =>
    spawnSync('git', ['status', '--porcelain', '--untracked-files=all'], { cwd: ROOT, encoding: 'utf8' }).stdout;

  it('Course tooling export executes notebooks in a scratch folder: git status is unchanged', async function () {
    if (spawnSync('git', ['rev-parse'], { cwd: ROOT }).status !== 0) this.skip(); // not a git checkout
    try {
      checkJupyter(findPython());
    } catch (e) {
      if (process.env.CI) throw e;
      this.skip();
    }
    const site = fs.mkdtempSync(path.join(os.tmpdir(), 'minitorch-site-'));
    const before = status();
    try {
      // module0: the shortest notebook; the pipeline is the same for every one.
      const pages = await exportSite({ execute: true, out: site, only: ['module0'], root: ROOT });
      expect(pages.map((p) => p.file)).to.deep.equal(['module0.html']);
      expect(fs.existsSync(path.join(site, 'module0.html'))).to.equal(true);
    } finally {
      fs.rmSync(site, { recursive: true, force: true });
    }
    expect(status()).to.equal(before);
  });
});

describe('Course tooling export in a browser', function () {
  this.timeout(180_000);
  let site = '';
  let pages: ExportedPage[] = [];

  before(async function () {
    requireChromium(this);
    try {
      checkJupyter(findPython());
    } catch (e) {
      if (process.env.CI) throw e;
      this.skip();
    }
    site = fs.mkdtempSync(path.join(os.tmpdir(), 'minitorch-site-'));
    pages = await exportSite({ execute: false, out: site, only: [], root: ROOT });
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
    expect(
      pages.some((p) => p.charts > 0),
      'at least one notebook has charts',
    ).to.equal(true);
  });

  it('Course tooling exported pages draw their charts offline in Chromium (screenshots in out/screenshots)', async () => {
    const browser = await sharedBrowser();
    // The width of a lecture room's projector or a laptop: every figure must fit unscaled.
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
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

      for (const [i, p] of pages.entries()) {
        await page.goto(`file://${path.join(site, p.file)}`, { waitUntil: 'load' });
        // Titled by the module, with links to the index and the neighbours.
        expect(await page.title()).to.equal(p.title);
        const nav = await page
          .locator('nav.minitorch-nav')
          .first()
          .locator('a')
          .evaluateAll((as) => as.map((a) => `${a.getAttribute('rel')}:${a.getAttribute('href')}`));
        expect(nav, `${p.name} navigation`).to.deep.equal([
          'index:index.html',
          ...(i > 0 ? [`prev:${pages[i - 1].file}`] : []),
          ...(i < pages.length - 1 ? [`next:${pages[i + 1].file}`] : []),
        ]);
        // No figure wider than the notebook column, and none shrunk to fit it (its labels would shrink too).
        const tooWide = await page.locator('.minitorch-chart > svg').evaluateAll((svgs) =>
          svgs
            .map((svg, k) => {
              const column = svg.closest('.jp-OutputArea-output') ?? svg.parentElement!;
              // In px whatever the attribute's unit (Graphviz writes pt).
              const drawn = (svg as unknown as { width: { baseVal: { value: number } } }).width.baseVal.value;
              const available = column.clientWidth;
              const shown = svg.getBoundingClientRect().width;
              return { k, drawn: Math.round(drawn), available, shown: Math.round(shown) };
            })
            .filter((c) => c.drawn > c.available + 1 || c.shown < c.drawn - 1),
        );
        expect(tooWide, `${p.name}: figures wider than the column (drawn px > available px) or shrunk`).to.deep.equal(
          [],
        );
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
        const checks = await page
          .locator('table.minitorch-checks')
          .evaluateAll((ts) => ts.map((t) => `${t.getAttribute('data-task')}:${t.getAttribute('data-ok')}`));
        expect(
          checks.filter((c) => !c.endsWith(':true')),
          `${p.name}: failing check tables`,
        ).to.deep.equal([]);
        if (p.charts > 0) await page.locator('.minitorch-chart').first().scrollIntoViewIfNeeded();
        await page.screenshot({ path: path.join(SCREENSHOTS, `export-${p.name}.png`) });
      }
    } finally {
      await context.close();
    }
    // Nothing wanted the network: math is typeset at export time, charts are inline SVG.
    expect(blocked).to.deep.equal([]);
  });
});
