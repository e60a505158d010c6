/**
 * Course tooling: JupyterLab smoke test. Starts JupyterLab (from the project's Jupyter) on a
 * free local port with a token, in a temporary folder holding a copy of the Module 1 notebook
 * (Module 0 until Module 1 exists) and the project's kernelspec on JUPYTER_PATH; opens it in
 * headless Chromium, runs every cell from the Run menu, and checks that JupyterLab itself
 * renders a vega-lite chart (a `.vega-embed` holding an svg or canvas), and that no figure
 * rendered runs past its column in a 1,400-px window with the file browser open. Lab is
 * stopped at the end whatever happens. A screenshot goes to out/screenshots/.
 */
import { expect } from 'chai';
import { ChildProcess, spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as http from 'http';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { repoRoot } from '../scripts/course';
import { checkJupyter, findPython, tempKernel } from '../scripts/jupyter';
import { SCREENSHOTS, requireChromium, sharedBrowser } from './helpers/browser';

const ROOT = repoRoot();

/** The notebook to open: Module 1's when it exists (or LAB_SMOKE_NOTEBOOK, a path). */
function smokeNotebook(): string {
  if (process.env.LAB_SMOKE_NOTEBOOK) return path.resolve(process.env.LAB_SMOKE_NOTEBOOK);
  for (const name of ['module1', 'module0']) {
    const file = path.join(ROOT, 'notebooks', `${name}.ipynb`);
    if (fs.existsSync(file)) return file;
  }
  throw new Error('no notebooks/module1.ipynb or notebooks/module0.ipynb to open');
}

/** A free TCP port on 127.0.0.1. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** HTTP status of `url`, or 0 when nothing answers. */
function httpStatus(url: string): Promise<number> {
  return new Promise((resolve) => {
    const req = http.get(url, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', () => resolve(0));
    req.setTimeout(2000, () => req.destroy());
  });
}

describe('Course tooling JupyterLab smoke test', function () {
  this.timeout(300_000);
  let dir = '';
  let lab: ChildProcess | null = null;
  let labLog = '';
  let url = '';
  let notebook = '';
  let kernel: { jupyterPath: string; remove(): void } | null = null;

  before(async function () {
    requireChromium(this);
    const python = findPython();
    try {
      checkJupyter(python);
      const hasLab = spawnSync(python, ['-c', 'import jupyterlab'], { encoding: 'utf8' });
      if (hasLab.status !== 0) throw new Error(`"${python}" has no JupyterLab: run \`npm run setup:jupyter\``);
    } catch (e) {
      if (process.env.CI) throw e;
      this.skip();
    }
    const source = smokeNotebook();
    notebook = path.basename(source);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'minitorch-lab-'));
    const work = path.join(dir, 'work');
    fs.mkdirSync(work);
    // A copy, so Lab's autosave cannot touch the committed notebook; node_modules (with the
    // `minitorch` link) makes `import * as minitorch from "minitorch"` resolve as in notebooks/.
    fs.copyFileSync(source, path.join(work, notebook));
    fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(work, 'node_modules'), 'dir');
    // The project's kernelspec ("MiniTorch (TypeScript)"), in a throw-away JUPYTER_PATH.
    kernel = tempKernel(python);

    // Every cell in the page (JupyterLab 4 otherwise renders only the cells in view), so the
    // figure check below sees every output, not just the ones scrolled to.
    const trackerSettings = path.join(dir, 'settings', '@jupyterlab', 'notebook-extension');
    fs.mkdirSync(trackerSettings, { recursive: true });
    fs.writeFileSync(
      path.join(trackerSettings, 'tracker.jupyterlab-settings'),
      JSON.stringify({ windowingMode: 'none' }),
    );

    const port = await freePort();
    const token = `t${Math.random().toString(36).slice(2)}`;
    const env = {
      ...process.env,
      JUPYTER_PATH: kernel.jupyterPath,
      JUPYTER_CONFIG_DIR: path.join(dir, 'config'),
      JUPYTER_DATA_DIR: path.join(dir, 'data'),
      JUPYTER_RUNTIME_DIR: path.join(dir, 'runtime'),
      JUPYTERLAB_SETTINGS_DIR: path.join(dir, 'settings'),
      JUPYTERLAB_WORKSPACES_DIR: path.join(dir, 'workspaces'),
    };
    lab = spawn(
      python,
      [
        '-m',
        'jupyterlab',
        '--no-browser',
        '--ip=127.0.0.1',
        `--port=${port}`,
        `--IdentityProvider.token=${token}`,
        `--ServerApp.root_dir=${work}`,
        // CI containers run as root, which Jupyter refuses without this.
        ...(process.getuid?.() === 0 ? ['--allow-root'] : []),
      ],
      { env, cwd: work, detached: true, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    lab.stdout?.on('data', (d) => (labLog += String(d)));
    lab.stderr?.on('data', (d) => (labLog += String(d)));
    const base = `http://127.0.0.1:${port}`;
    const deadline = Date.now() + 90_000;
    while ((await httpStatus(`${base}/api/status?token=${token}`)) !== 200) {
      if (Date.now() > deadline || lab.exitCode !== null)
        throw new Error(`JupyterLab did not start:\n${labLog.slice(-3000)}`);
      await new Promise((r) => setTimeout(r, 500));
    }
    url = `${base}/lab/tree/${notebook}?token=${token}`;
  });

  after(async () => {
    if (lab !== null && lab.exitCode === null && lab.pid !== undefined) {
      const exited = new Promise((r) => lab!.once('exit', r));
      // Lab runs in its own process group (detached), kernel included: stop the group.
      process.kill(-lab.pid, 'SIGTERM');
      const timer = setTimeout(
        () => lab !== null && lab.pid !== undefined && process.kill(-lab.pid, 'SIGKILL'),
        10_000,
      );
      await exited;
      clearTimeout(timer);
    }
    kernel?.remove();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('Course tooling JupyterLab runs the notebook and renders a vega-lite chart itself', async () => {
    const browser = await sharedBrowser();
    const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
    try {
      const page = await context.newPage();
      await page.goto(url);
      // The notebook is open and its kernel has started.
      await page.locator('.jp-NotebookPanel .jp-Cell').first().waitFor({ timeout: 90_000 });
      await page.locator('.jp-Notebook-ExecutionIndicator[data-status="idle"]').first().waitFor({ timeout: 90_000 });
      // Run > Run All Cells, as a student would. The menu acts on the current widget, so
      // click into the notebook first; a click that lands while Lab is still settling is
      // ignored, so retry until some cell shows it was queued or ran.
      const started = page.locator('.jp-InputPrompt', { hasText: /\[(\*|\d+)\]/ }).first();
      for (let attempt = 1; ; attempt++) {
        await page.locator('.jp-NotebookPanel .jp-InputPrompt').first().click();
        await page.locator('.lm-MenuBar-itemLabel', { hasText: /^Run$/ }).click();
        await page.locator('.lm-Menu-itemLabel', { hasText: /^Run All Cells$/ }).click();
        try {
          await started.waitFor({ timeout: 10_000 });
          break;
        } catch (e) {
          if (attempt === 4) throw new Error(`Run All Cells did not start any cell: ${String(e)}`);
          await page.keyboard.press('Escape');
        }
      }
      // JupyterLab's own vega-lite renderer (not an image of the chart).
      const chart = page.locator('.jp-RenderedVegaLite .vega-embed').first();
      try {
        await chart.locator('svg, canvas').first().waitFor({ timeout: 180_000 });
      } catch (e) {
        await page.screenshot({ path: path.join(SCREENSHOTS, 'jupyterlab-failure.png') }).catch(() => undefined);
        throw new Error(
          `no vega-lite chart rendered by JupyterLab (screenshot: out/screenshots/jupyterlab-failure.png): ${String(e)}\n${labLog.slice(-2000)}`,
        );
      }
      const box = await chart.boundingBox();
      expect(box, 'chart box').to.not.equal(null);
      expect(box!.width).to.be.greaterThan(50);
      expect(box!.height).to.be.greaterThan(50);
      // A student's window: 1,400 px with the file browser open. No figure may run past the
      // right edge of its output area (JupyterLab would cut it off).
      if (!(await page.locator('.jp-FileBrowser').first().isVisible()))
        await page.locator('.jp-SideBar [data-id="filebrowser"]').first().click();
      await page.locator('.jp-FileBrowser').first().waitFor({ state: 'visible', timeout: 10_000 });
      await page.waitForTimeout(2000); // let the notebook re-lay out beside the sidebar, and charts draw
      // The visible notebook, not the output area: an output area grows with a wide figure.
      const cut = await page
        .locator('.jp-NotebookPanel .jp-Notebook')
        .first()
        .evaluate((notebook) => {
          const edge = notebook.getBoundingClientRect().right;
          return Array.from(
            notebook.querySelectorAll(
              '.jp-OutputArea-output .vega-embed svg, .jp-OutputArea-output .vega-embed canvas, .jp-OutputArea-output img',
            ),
          )
            .map((fig) =>
              (fig as { getBoundingClientRect(): { right: number; width: number } }).getBoundingClientRect(),
            )
            .filter((box) => box.width > 0 && box.right > edge + 1)
            .map((box) => `figure right edge ${Math.round(box.right)} px > notebook ${Math.round(edge)} px`);
        });
      expect(cut, 'figures cut off at 1,400 px with the file browser open').to.deep.equal([]);
      await chart.scrollIntoViewIfNeeded();
      fs.mkdirSync(SCREENSHOTS, { recursive: true });
      await page.screenshot({ path: path.join(SCREENSHOTS, `jupyterlab-${notebook.replace(/\.ipynb$/, '')}.png`) });
    } finally {
      await context.close();
    }
  });
});
