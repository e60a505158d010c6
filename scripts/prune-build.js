// Remove compiled files whose TypeScript source no longer exists: `node scripts/prune-build.js
// OUT SRC` deletes OUT/x.js (and its .map and .d.ts) when SRC/x.ts is gone. tsc never deletes
// outputs, and a stale `dist/backends.js` left from before a move would shadow the folder
// `dist/backends/` for `require('./backends')`. Plain JS so it runs before anything is built.
const fs = require('fs');
const path = require('path');

const [out, src] = process.argv.slice(2).map((p) => path.resolve(__dirname, '..', p));
if (out === undefined || src === undefined) {
  console.error('usage: node scripts/prune-build.js OUT_DIR SOURCE_DIR');
  process.exit(2);
}

/** Prune `dir` (a folder under `out`) against the matching folder under `src`; returns whether it is now empty. */
function prune(dir) {
  if (!fs.existsSync(dir)) return false;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (prune(full)) fs.rmdirSync(full);
      continue;
    }
    const stem = entry.name.match(/^(.*?)(\.d\.ts|\.js\.map|\.js)$/);
    if (stem === null) continue; // not compiler output (the wasm kernel, say)
    const source = path.join(src, path.relative(out, dir), `${stem[1]}.ts`);
    const plainJs = path.join(src, path.relative(out, dir), `${stem[1]}.js`);
    if (!fs.existsSync(source) && !fs.existsSync(plainJs)) fs.rmSync(full);
  }
  return fs.readdirSync(dir).length === 0;
}

prune(out);
