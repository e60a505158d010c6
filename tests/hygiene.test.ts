/**
 * Course tooling hygiene: a fresh install is clean, and the test run leaves no scratch
 * folders behind (the root hooks of `tests/hooks.ts` give the run a private temp dir and
 * fail it on leftovers; this checks they are in place).
 */
import { expect } from 'chai';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { privateTempDir } from './hooks';

describe('Course tooling install hygiene', () => {
  it('Course tooling every dependency with an install script is reviewed in allowScripts (npm 11 warns about the rest)', () => {
    const root = path.join(__dirname, '..', '..');
    const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as {
      allowScripts?: Record<string, boolean>;
    };
    const lock = JSON.parse(fs.readFileSync(path.join(root, 'package-lock.json'), 'utf8')) as {
      packages: Record<string, { hasInstallScript?: boolean }>;
    };
    const withScripts = Object.entries(lock.packages)
      .filter(([where, p]) => where !== '' && p.hasInstallScript)
      .map(([where]) => where.slice(where.lastIndexOf('node_modules/') + 'node_modules/'.length));
    expect(withScripts.length, 'webgpu and zeromq have install scripts').to.be.at.least(2);
    expect(
      withScripts.filter((name) => pkg.allowScripts?.[name] === undefined),
      'not in package.json allowScripts',
    ).to.deep.equal([]);
  });
});

describe('Course tooling temp folders', () => {
  it('Course tooling tests make their scratch folders in a private temp dir that is checked at the end', () => {
    expect(privateTempDir(), 'tests/hooks.js is loaded (.mocharc.json require)').to.not.equal('');
    expect(os.tmpdir()).to.equal(privateTempDir());
    const made = fs.mkdtempSync(path.join(os.tmpdir(), 'minitorch-check-'));
    fs.rmSync(made, { recursive: true });
  });
});
