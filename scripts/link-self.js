#!/usr/bin/env node
/**
 * Make `node_modules/minitorch` a link to the repository root, so that code under the
 * repository can `import * as minitorch from "minitorch"` and get the built package (`main`
 * and `types` of package.json, i.e. dist/).
 *
 * Why: notebooks run on the tslab kernel, whose TypeScript resolves modules the Node10 way
 * (node_modules folders up from the notebook) and which cannot compile `../src/*.ts` from
 * `notebooks/` (it is outside the kernel's rootDir). npm does not let a package depend on
 * itself, so the link is made here, from `postinstall` (after `npm install` / `npm ci`) and
 * `prebuild` (in case an install pruned it).
 *
 * Plain JavaScript because it runs before anything is compiled.
 */
'use strict';
const fs = require('fs');
const path = require('path');

const root = path.resolve(__dirname, '..');
const name = require(path.join(root, 'package.json')).name;
const link = path.join(root, 'node_modules', name);

function linksToRoot(file) {
  try {
    return fs.realpathSync(file) === fs.realpathSync(root);
  } catch {
    return false; // missing or dangling
  }
}

if (!linksToRoot(link)) {
  let existing = null;
  try {
    existing = fs.lstatSync(link);
  } catch {
    // nothing there yet
  }
  if (existing && !existing.isSymbolicLink()) {
    // A real package of that name was installed: do not delete someone's files.
    console.error(`link-self: ${link} exists and is not a link; remove it to import the local build`);
    process.exit(1);
  }
  if (existing) fs.unlinkSync(link); // a link pointing elsewhere (the repository moved)
  fs.mkdirSync(path.dirname(link), { recursive: true });
  // Relative, so the link survives moving or copying the repository; a junction on Windows.
  fs.symlinkSync(process.platform === 'win32' ? root : '..', link, 'junction');
  console.log(`link-self: node_modules/${name} -> ..`);
}
