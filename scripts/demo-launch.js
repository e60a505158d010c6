// `npm run demo`: start the demo, compiling it first only when a source changed. Compiling the
// whole test tree before every run (as `build:test` does) took most of a minute; the demo needs
// only src/ and scripts/demo.ts, and after a build nothing at all. Plain JS so it runs before
// any TypeScript is built.
const { execFileSync, spawnSync } = require('child_process');
const fs = require('fs');
const path = require('path');

const root = path.join(__dirname, '..');
const compiled = path.join(root, 'build', 'scripts', 'demo.js');

/** Newest modification time of the demo's sources (src/, scripts/demo.ts, the tsconfigs). */
function newestSource() {
  let newest = 0;
  const visit = (file) => {
    const stat = fs.statSync(file);
    if (stat.isDirectory()) fs.readdirSync(file).forEach((name) => visit(path.join(file, name)));
    else if (/\.(ts|json)$/.test(file)) newest = Math.max(newest, stat.mtimeMs);
  };
  ['src', 'scripts/demo.ts', 'tsconfig.json', 'tsconfig.test.json', 'tsconfig.demo.json'].forEach((p) =>
    visit(path.join(root, p)),
  );
  return newest;
}

if (!fs.existsSync(compiled) || fs.statSync(compiled).mtimeMs < newestSource()) {
  process.stderr.write('demo: compiling src/ and scripts/demo.ts (only when they changed) ...\n');
  execFileSync(
    process.execPath,
    [path.join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', path.join(root, 'tsconfig.demo.json')],
    { stdio: 'inherit' },
  );
  // tsc leaves an unchanged output file alone; mark the demo as built now.
  const now = new Date();
  fs.utimesSync(compiled, now, now);
}
execFileSync(process.execPath, [path.join(root, 'scripts', 'build-wasm.js'), 'build/src'], { stdio: 'inherit' });
const run = spawnSync(process.execPath, [compiled, ...process.argv.slice(2)], { stdio: 'inherit' });
process.exitCode = run.status ?? 1;
