/**
 * `npm run example -- NAME [NAME...]`: run ports of PyTorch programs (examples/NAME/port.ts)
 * and say how close each came to its PyTorch original's recording. No name: list them.
 */
import * as fs from 'fs';
import * as path from 'path';
import type { Replay } from './replay';

const dir = __dirname;
const names = fs.readdirSync(dir).filter((n) => fs.existsSync(path.join(dir, n, 'port.js')));
const asked = process.argv.slice(2);
if (asked.length === 0) {
  console.log(`examples: ${names.join(', ')}\nrun one with: npm run example -- NAME`);
}
for (const name of asked) {
  if (!names.includes(name)) {
    console.error(`example: no example "${name}" (have: ${names.join(', ')})`);
    process.exitCode = 2;
    continue;
  }
  const port = require(path.join(dir, name, 'port.js')) as { main(): Replay }; // eslint-disable-line @typescript-eslint/no-require-imports -- chosen by name
  port.main().report();
}
