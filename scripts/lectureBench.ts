/// <reference lib="dom" />
/**
 * `npm run lecture:bench`: how the lecture page performs (a benchmark, not a test). Builds the
 * page, serves it, and in Debian's Chromium (WebGPU on SwiftShader) measures
 *
 * - first paint and "ready" (badge known, first view computed) from the local server, fresh
 *   browser context each time;
 * - the same tensor training run (xor, n points, hidden units, fast backend) in the page and
 *   in Node on this machine: median milliseconds per epoch, and their ratio.
 *
 * Options: `--runs <n>` (page loads, default 3), `--epochs <n>` (default 60), `--hidden <n>`
 * (default 64), `--n <points>` (default 1000).
 *
 * @packageDocumentation
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as zlib from 'zlib';
import { UsageError, exitStatus } from './course';
import { buildLecture, serveLecture, serverUrl } from './lecture';
import { xor } from '../src/apps/datasets';
import { trainTensor } from '../src/apps/tensorTraining';

/** Flags of the benchmark. */
interface BenchOptions {
  runs: number;
  epochs: number;
  hidden: number;
  n: number;
}

function parseArgs(argv: string[]): BenchOptions {
  const options: BenchOptions = { runs: 3, epochs: 60, hidden: 64, n: 1000 };
  for (let i = 0; i < argv.length; i++) {
    const name = argv[i].replace(/^--/, '') as keyof BenchOptions;
    if (!(name in options) || !argv[i].startsWith('--'))
      throw new UsageError(
        `lecture:bench: unknown option ${argv[i]} (usage: npm run lecture:bench -- [--runs <n>] [--epochs <n>] [--hidden <n>] [--n <points>])`,
      );
    const value = Number(argv[++i]);
    if (!Number.isInteger(value) || value < 1) throw new UsageError(`--${name} must be a positive integer`);
    options[name] = value;
  }
  return options;
}

const median = (v: number[]): number => [...v].sort((a, b) => a - b)[v.length >> 1];

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'minitorch-lecture-bench-'));
  const server = await serveLecture(dir, 0);
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--enable-unsafe-webgpu', '--use-webgpu-adapter=swiftshader'],
  });
  try {
    const sizes = await buildLecture(dir);
    const url = serverUrl(server);
    const loads: Array<{ paint: number; ready: number }> = [];
    for (let r = 0; r < options.runs; r++) {
      const context = await browser.newContext();
      const page = await context.newPage();
      const start = Date.now();
      await page.goto(`${url}#/module0/classifier`);
      await page.waitForFunction(
        () =>
          document.body.dataset.state === 'done' &&
          !/starting/.test(document.querySelector('[data-metric="backend"]')?.textContent ?? 'starting'),
      );
      const ready = Date.now() - start;
      const paint = await page.evaluate(
        () => performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? NaN,
      );
      loads.push({ paint, ready });
      await context.close();
    }
    const page = await browser.newPage();
    const { epochs, hidden, n } = options;
    await page.goto(
      `${url}#/module2/train?dataset=xor&n=${n}&hidden=${hidden}&lr=0.5&epochs=${epochs}&seed=1&backend=fast&play=1`,
    );
    await page.waitForFunction(() => document.body.dataset.state === 'done', null, { timeout: 600_000 });
    const inPage = Number(await page.locator('[data-metric="ms-per-epoch"]').textContent());
    const { history } = await trainTensor(xor(n, 1), { hidden, lr: 0.5, epochs, seed: 1, backend: 'fast' });
    const inNode = median(history.map((h) => h.ms));
    const gz = (f: string) => zlib.gzipSync(fs.readFileSync(path.join(dir, f))).length;
    console.log(
      `bundles: ${Object.entries(sizes)
        .map(([k, v]) => `${k} ${(v / 1024).toFixed(0)} KB (${(gz(`${k}.js`) / 1024).toFixed(0)} KB gzip)`)
        .join(', ')}`,
    );
    console.log(
      `first contentful paint: median ${median(loads.map((l) => l.paint)).toFixed(0)} ms; ready (badge known, first view computed): median ${median(loads.map((l) => l.ready))} ms (${options.runs} loads)`,
    );
    console.log(
      `tensor training, xor n=${n} hidden=${hidden}, fast backend, median ms/epoch: page ${inPage.toFixed(2)}, Node ${inNode.toFixed(2)}, page/Node ${(inPage / inNode).toFixed(2)}x (${os.availableParallelism()} cores)`,
    );
  } finally {
    await browser.close();
    server.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  main()
    .then(() => process.exit(0)) // the fast backend's workers are unref'd, the GPU's may not be
    .catch((e: unknown) => {
      console.error(e instanceof Error ? e.message : e);
      process.exit(exitStatus(e));
    });
}
