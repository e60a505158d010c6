/**
 * Test helper: one headless Chromium (Debian's `chromium`, driven by playwright-core) shared
 * by every browser test of a mocha run, closed after the run.
 *
 * Without Chromium the browser tests are skipped, except in CI (`CI` set), where `.ci/run`
 * installs it and its absence is a failure.
 */
import * as fs from 'fs';
import * as path from 'path';
import type { Browser } from 'playwright-core';
import { repoRoot } from '../../scripts/course';

/** Where Debian installs Chromium (`apt-get install chromium`). */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/**
 * Flags for a quiet, offline-friendly headless run. playwright adds `--headless` and a fresh,
 * empty `--user-data-dir` of its own.
 */
export const CHROMIUM_FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Screenshots for CI artifacts. */
export const SCREENSHOTS = path.join(repoRoot(), 'out', 'screenshots');

let browser: Promise<Browser> | null = null;

/** Skip the current test or hook when Chromium is missing (fail instead in CI). */
export function requireChromium(ctx: Mocha.Context): void {
  if (fs.existsSync(CHROMIUM)) return;
  if (process.env.CI)
    throw new Error(`Chromium not found at ${CHROMIUM}: .ci/run installs it (apt-get install chromium)`);
  ctx.skip();
}

/** The shared browser, started on first use. */
export function sharedBrowser(): Promise<Browser> {
  if (browser === null) {
    // Loaded lazily so that test files load even where playwright-core is missing.
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- see above
    const { chromium } = require('playwright-core') as typeof import('playwright-core');
    browser = chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_FLAGS, timeout: 60_000 });
  }
  return browser;
}

// A root-level hook: runs once after every test file, whichever used the browser.
after(async () => {
  if (browser !== null) {
    const b = await browser.catch(() => null);
    browser = null;
    await b?.close();
  }
});
