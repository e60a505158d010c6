/**
 * Course tooling hygiene: a fresh install is clean, and the test run leaves no scratch
 * folders behind.
 *
 * Scratch folders: Root hooks (outside
 * any `describe`) wrap the whole run: before it, the system temp dir is pointed at a private
 * folder (TMPDIR, which `os.tmpdir()` reads on each call and child processes inherit); after
 * it, any `minitorch-*` entry still in there is a folder some test or script forgot to
 * remove, and the run fails naming it. A private folder, so that other runs on the same
 * machine cannot be mistaken for ours.
 */
import { expect } from 'chai';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

/**
 * Kept on purpose: the GPU bridge's XDG runtime dir (`src/backends/gpu/bridge.ts`), one per user,
 * reused by every process rather than made and removed by each.
 */
const SHARED = /^minitorch-xdg-/;

let privateTmp = '';
let previous: string | undefined;

before(() => {
  privateTmp = fs.mkdtempSync(path.join(os.tmpdir(), 'minitorch-tests-'));
  previous = process.env.TMPDIR;
  process.env.TMPDIR = privateTmp;
});

after(function () {
  if (previous === undefined) delete process.env.TMPDIR;
  else process.env.TMPDIR = previous;
  const leftovers = fs.readdirSync(privateTmp).filter((name) => name.startsWith('minitorch-') && !SHARED.test(name));
  fs.rmSync(privateTmp, { recursive: true, force: true });
  expect(leftovers, 'scratch folders left in the temp dir by the tests').to.deep.equal([]);
});

describe('Course tooling install hygiene', () => {
  it('Course tooling every dependency with an install script is reviewed in allowScripts (npm 11 warns about the rest)', () => {
    const root = path.join(__dirname, '..', '..');
    const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { allowScripts?: Record<string, boolean> };
    const lock = JSON.parse(fs.readFileSync(path.join(root, 'package-lock.json'), 'utf8')) as {
      packages: Record<string, { hasInstallScript?: boolean }>;
    };
    const withScripts = Object.entries(lock.packages)
      .filter(([where, p]) => where !== '' && p.hasInstallScript)
      .map(([where]) => where.slice(where.lastIndexOf('node_modules/') + 'node_modules/'.length));
    expect(withScripts.length, 'webgpu and zeromq have install scripts').to.be.at.least(2);
    expect(withScripts.filter((name) => pkg.allowScripts?.[name] === undefined), 'not in package.json allowScripts').to.deep.equal([]);
  });
});

describe('Course tooling temp folders', () => {
  it('Course tooling tests make their scratch folders in a private temp dir that is checked at the end', () => {
    expect(os.tmpdir()).to.equal(privateTmp);
    const made = fs.mkdtempSync(path.join(os.tmpdir(), 'minitorch-check-'));
    fs.rmSync(made, { recursive: true });
  });
});
