// `npm run bench`: `--help` prints the flags at once; anything else compiles the library and
// the benchmark (most of a minute) and runs it. Plain JS so that help needs no build.
const { execFileSync, spawnSync } = require('child_process');
const fs = require('fs');
const path = require('path');

const root = path.join(__dirname, '..');
const args = process.argv.slice(2);
if (args.includes('--help') || args.includes('-h')) {
  process.stdout.write(fs.readFileSync(path.join(__dirname, 'bench-usage.txt'), 'utf8'));
  process.exit(0);
}
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
for (const script of ['build', 'build:test'])
  execFileSync(npm, ['run', '--silent', script], { cwd: root, stdio: 'inherit' });
const run = spawnSync(process.execPath, [path.join(root, 'build', 'scripts', 'bench.js'), ...args], {
  stdio: 'inherit',
});
process.exitCode = run.status ?? 1;
