// Compile assembly/matmulF64.ts (AssemblyScript) to matmulF64.wasm in each folder given
// (`dist`, `build/src`), skipping folders whose copy is newer than the source. Plain JS so it
// runs before any TypeScript is built. A missing wasm file is not fatal: the Fast backend
// then uses its TypeScript matmul.
const { execFileSync } = require('child_process');
const fs = require('fs');
const path = require('path');

const root = path.join(__dirname, '..');
const source = path.join(root, 'assembly', 'matmulF64.ts');
const asc = path.join(root, 'node_modules', 'assemblyscript', 'bin', 'asc.js');
let built;
for (const dir of process.argv.slice(2)) {
  const target = path.join(root, dir, 'matmulF64.wasm');
  if (fs.existsSync(target) && fs.statSync(target).mtimeMs >= fs.statSync(source).mtimeMs) continue;
  fs.mkdirSync(path.dirname(target), { recursive: true });
  if (built === undefined) {
    execFileSync(
      process.execPath,
      [asc, source, '-O3', '--enable', 'simd', '--runtime', 'stub', '--importMemory', '-o', target],
      { stdio: 'inherit' },
    );
    built = target;
  } else {
    fs.copyFileSync(built, target);
  }
}
