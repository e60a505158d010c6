/**
 * `npm run autograder -- OUT.zip`: write the Gradescope autograder bundle.
 *
 * Gradescope unpacks the zip into `/autograder/source`, runs `setup.sh` once when it builds
 * the image, and runs `run_autograder` for every submission, with the student's files in
 * `/autograder/submission`; the grade goes to `/autograder/results/results.json`.
 *
 * The bundle holds the starter repository (every task a stub, the tests, the grader) in
 * `repo/`, never the solutions. `setup.sh` installs Node 20 if needed, the packages pinned
 * by `package-lock.json` (`npm ci`), Mesa for the GPU backend, and compiles. For each
 * submission, `run_autograder` (`node build/scripts/autograder.js run`) copies the repository
 * to a fresh work folder, takes from the submission only the bodies of the solution regions
 * (`BEGIN SOLUTION` … `END SOLUTION`) of the student's source files, and nothing else, so a
 * submitted test file or grader is ignored; then compiles (type errors are reported, and the
 * tests run on what was emitted), grades with `npm run grade`'s code and writes
 * `results.json`, also when something fails on the way.
 *
 * `AUTOGRADER_ROOT` (default `/autograder`) moves the whole layout, and `AUTOGRADER_TASKS`
 * (`0.1,0.2`) grades some tasks only: both for tests.
 *
 * @packageDocumentation
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import ts from 'typescript';
import * as zlib from 'zlib';
import { isStudentSource, loadCourse, repoRoot } from './course';
import { GradescopeResults, grade, gradescopeResults, parseArgs } from './grade';
import { regionTexts, spliceRegions } from './markers';
import { writeStarter } from './starter';

/** Tooling the starter leaves out that the bundle's repository needs to grade. */
const GRADER_FILES = ['scripts/autograder.ts', 'scripts/markers.ts', 'scripts/starter.ts'];

/** One file of a zip archive. */
export interface ZipEntry {
  name: string;
  data: Buffer;
  /** Unix permission bits (0o644, or 0o755 for scripts). */
  mode: number;
}

/** A zip archive (deflate, Unix permissions kept so the scripts stay executable). */
export function zip(entries: ZipEntry[]): Buffer {
  const locals: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const name = Buffer.from(e.name, 'utf8');
    const packed = zlib.deflateRawSync(e.data);
    const crc = zlib.crc32(e.data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4); // version needed
    local.writeUInt16LE(0x0800, 6); // UTF-8 names
    local.writeUInt16LE(8, 8); // deflate
    local.writeUInt32LE(0, 10); // time, date
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(packed.length, 18);
    local.writeUInt32LE(e.data.length, 22);
    local.writeUInt16LE(name.length, 26);
    local.writeUInt16LE(0, 28);
    const head = Buffer.alloc(46);
    head.writeUInt32LE(0x02014b50, 0);
    head.writeUInt16LE((3 << 8) | 20, 4); // made by Unix
    head.writeUInt16LE(20, 6);
    head.writeUInt16LE(0x0800, 8);
    head.writeUInt16LE(8, 10);
    head.writeUInt32LE(0, 12);
    head.writeUInt32LE(crc, 16);
    head.writeUInt32LE(packed.length, 20);
    head.writeUInt32LE(e.data.length, 24);
    head.writeUInt16LE(name.length, 28);
    head.writeUInt32LE(0, 30); // extra, comment lengths
    head.writeUInt32LE(0, 34); // disk, internal attributes
    head.writeUInt32LE(((0o100000 | e.mode) << 16) >>> 0, 38); // regular file + mode
    head.writeUInt32LE(offset, 42);
    locals.push(local, name, packed);
    central.push(head, name);
    offset += local.length + name.length + packed.length;
  }
  const dir = Buffer.concat(central);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(dir.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, dir, end]);
}

/** The entries of a zip archive written by `zip` (deflated or stored, no zip64). */
export function unzip(archive: Buffer): ZipEntry[] {
  const end = archive.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  if (end < 0) throw new Error('unzip: not a zip archive (no end of central directory)');
  const count = archive.readUInt16LE(end + 10);
  let at = archive.readUInt32LE(end + 16);
  const entries: ZipEntry[] = [];
  for (let i = 0; i < count; i++) {
    if (archive.readUInt32LE(at) !== 0x02014b50) throw new Error(`unzip: bad central directory entry ${i}`);
    const method = archive.readUInt16LE(at + 10);
    const size = archive.readUInt32LE(at + 20);
    const nameLength = archive.readUInt16LE(at + 28);
    const skip = nameLength + archive.readUInt16LE(at + 30) + archive.readUInt16LE(at + 32);
    const mode = (archive.readUInt32LE(at + 38) >>> 16) & 0o777;
    const local = archive.readUInt32LE(at + 42);
    const name = archive.toString('utf8', at + 46, at + 46 + nameLength);
    const start = local + 30 + archive.readUInt16LE(local + 26) + archive.readUInt16LE(local + 28);
    const raw = archive.subarray(start, start + size);
    entries.push({ name, data: method === 8 ? zlib.inflateRawSync(raw) : Buffer.from(raw), mode });
    at += 46 + skip;
  }
  return entries;
}

const SETUP_SH = `#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder image.
set -euo pipefail
cd "$(dirname "$0")/repo"
if [ -z "\${MINITORCH_NO_APT:-}" ] && command -v apt-get >/dev/null; then
  apt-get update
  # Mesa's software renderer, for the GPU backend on a machine without a GPU.
  apt-get install -y curl ca-certificates mesa-vulkan-drivers libegl1 libegl-mesa0 libgles2 libgl1-mesa-dri
  if ! command -v node >/dev/null || [ "$(node -p 'process.versions.node.split(".")[0]')" -lt 20 ]; then
    curl -fsSL https://deb.nodesource.com/setup_20.x | bash -
    apt-get install -y nodejs
  fi
fi
# The packages pinned by package-lock.json (kept when already there, e.g. in a test).
[ -d node_modules ] || npm ci --no-audit --no-fund
# Compiled once here, incrementally: a submission then recompiles only what it changed.
./node_modules/.bin/tsc -p tsconfig.test.json --incremental --tsBuildInfoFile build/tsbuildinfo.json
node scripts/build-wasm.js build/src
`;

const RUN_AUTOGRADER = `#!/usr/bin/env bash
# Gradescope runs this for every submission. AUTOGRADER_ROOT moves /autograder (tests).
ROOT="\${AUTOGRADER_ROOT:-/autograder}"
cd "$ROOT/source/repo" && exec node build/scripts/autograder.js run --root "$ROOT"
`;

/** Files of a folder, relative to it, skipping `node_modules` and `.git`. */
function listFiles(dir: string, prefix = ''): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(path.join(dir, prefix), { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${e.name}` : e.name;
    if (e.isDirectory()) {
      if (e.name !== 'node_modules' && e.name !== '.git') out.push(...listFiles(dir, rel));
    } else if (e.isFile()) out.push(rel);
  }
  return out;
}

/** Write the bundle for the repository at `root` to `outZip`; the number of files in it. */
export function writeBundle(outZip: string, root = repoRoot()): number {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'minitorch-bundle-'));
  try {
    const repo = path.join(tmp, 'repo');
    writeStarter(repo, root);
    for (const f of GRADER_FILES) fs.copyFileSync(path.join(root, f), path.join(repo, f));
    // Notebooks are not graded: leave them out of the image.
    const files = listFiles(repo).filter((f) => !f.startsWith('notebooks/'));
    const entries: ZipEntry[] = [
      { name: 'setup.sh', data: Buffer.from(SETUP_SH), mode: 0o755 },
      { name: 'run_autograder', data: Buffer.from(RUN_AUTOGRADER), mode: 0o755 },
      ...files.map((f) => ({
        name: `repo/${f}`,
        data: fs.readFileSync(path.join(repo, f)),
        mode: fs.statSync(path.join(repo, f)).mode & 0o777,
      })),
    ];
    fs.mkdirSync(path.dirname(path.resolve(outZip)), { recursive: true });
    fs.writeFileSync(outZip, zip(entries));
    return entries.length;
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

/**
 * The submitted copy of `file` (e.g. `src/scalar.ts`): the file at that path under the
 * submission, or under one top folder (a zip of the repository), or null.
 */
export function findSubmitted(submission: string, file: string): string | null {
  const direct = path.join(submission, file);
  if (fs.existsSync(direct)) return direct;
  for (const e of fs.readdirSync(submission, { withFileTypes: true })) {
    if (!e.isDirectory()) continue;
    const nested = path.join(submission, e.name, file);
    if (fs.existsSync(nested)) return nested;
  }
  return null;
}

/** The first syntax error of a TypeScript text (`line 12: ';' expected.`), or null. */
export function syntaxErrors(fileName: string, text: string): string | null {
  const out = ts.transpileModule(text, {
    fileName,
    reportDiagnostics: true,
    compilerOptions: { module: ts.ModuleKind.CommonJS },
  });
  const d = out.diagnostics?.[0];
  if (d === undefined) return null;
  const line = d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start).line + 1 : 0;
  return `line ${line}: ${ts.flattenDiagnosticMessageText(d.messageText, ' ')}`;
}

/**
 * Copy the solution region bodies of the submission into the student sources of `work`.
 * Returns a note for the student: what was taken, and what was not found.
 */
export function takeRegions(work: string, submission: string): string {
  const taken: string[] = [];
  const missing: string[] = [];
  const broken: string[] = [];
  for (const f of listFiles(work).filter(isStudentSource)) {
    const mine = fs.readFileSync(path.join(work, f), 'utf8');
    if (regionTexts(mine).length === 0) continue;
    const submitted = findSubmitted(submission, f);
    if (submitted === null) {
      missing.push(f);
      continue;
    }
    const { text, copied } = spliceRegions(mine, fs.readFileSync(submitted, 'utf8'));
    // A syntax error would stop every test file that imports this one from loading: grade
    // this file as the starter's stubs instead, and say why.
    const syntax = syntaxErrors(f, text);
    if (syntax !== null) {
      broken.push(`${f}: ${syntax}`);
      continue;
    }
    fs.writeFileSync(path.join(work, f), text);
    taken.push(`${f} (${copied.length} of ${regionTexts(mine).length} regions)`);
  }
  const lines = [`Graded: the solution regions of your files; every other line comes from the course's starter.`];
  if (taken.length > 0) lines.push(`Taken from your submission: ${taken.join(', ')}.`);
  if (missing.length > 0) lines.push(`Not in your submission (graded as the unsolved starter): ${missing.join(', ')}.`);
  if (broken.length > 0) lines.push(`Syntax errors, so graded as the unsolved starter:\n  ${broken.join('\n  ')}`);
  return lines.join('\n');
}

/** Grade one submission in the Gradescope layout under `root`; always writes results.json. */
export async function runAutograder(root: string): Promise<GradescopeResults> {
  const started = Date.now();
  const source = path.join(root, 'source', 'repo');
  const resultsFile = path.join(root, 'results', 'results.json');
  fs.mkdirSync(path.dirname(resultsFile), { recursive: true });
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'minitorch-autograde-'));
  try {
    fs.cpSync(source, work, {
      recursive: true,
      filter: (src) => path.basename(src) !== 'node_modules' || path.dirname(src) !== source,
    });
    fs.symlinkSync(path.join(source, 'node_modules'), path.join(work, 'node_modules'), 'dir');
    const note = takeRegions(work, path.join(root, 'submission'));
    console.log(note);
    const tsc = spawnSync(
      process.execPath,
      [
        path.join(work, 'node_modules', 'typescript', 'bin', 'tsc'),
        '-p',
        'tsconfig.test.json',
        '--incremental',
        '--tsBuildInfoFile',
        'build/tsbuildinfo.json',
      ],
      {
        cwd: work,
        encoding: 'utf8',
      },
    );
    const tscLog = path.join(work, 'build', 'tsc.log');
    fs.mkdirSync(path.dirname(tscLog), { recursive: true });
    fs.writeFileSync(tscLog, `${tsc.stdout ?? ''}${tsc.stderr ?? ''}`.replaceAll(`${work}${path.sep}`, ''));
    // AUTOGRADER_TASKS=0.1,0.2 grades some tasks only (quick checks of the bundle, tests).
    const only = process.env.AUTOGRADER_TASKS ? ['--task', process.env.AUTOGRADER_TASKS] : [];
    const opts = parseArgs(['--out', resultsFile, '--tsc-log', tscLog, ...only], work);
    opts.onProgress = (line) => console.log(line);
    const { results } = await grade(opts);
    results.output = [note, results.output].filter(Boolean).join('\n\n');
    results.execution_time = Math.round((Date.now() - started) / 1000);
    fs.writeFileSync(resultsFile, `${JSON.stringify(results, null, 2)}\n`);
    return results;
  } catch (e) {
    // Whatever broke, Gradescope gets a result that says so, and the full points stay visible.
    const course = loadCourse(path.join(source, 'course.json'));
    const results = gradescopeResults(
      [],
      `The autograder failed: ${(e as Error).stack ?? String(e)}`,
      (Date.now() - started) / 1000,
    );
    results.max_score = Object.values(course.tasks).reduce((a, t) => a + t.points, 0);
    fs.writeFileSync(resultsFile, `${JSON.stringify(results, null, 2)}\n`);
    return results;
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

if (require.main === module) {
  const argv = process.argv.slice(2);
  if (argv[0] === 'run') {
    const i = argv.indexOf('--root');
    runAutograder(i >= 0 ? argv[i + 1] : '/autograder').then(
      (r) => console.log(`score ${r.score} / ${r.max_score}`),
      (e: unknown) => {
        console.error((e as Error).message);
        process.exitCode = 1;
      },
    );
  } else if (argv.length === 1 && !argv[0].startsWith('-')) {
    const n = writeBundle(argv[0]);
    console.log(
      `autograder: wrote ${path.resolve(argv[0])} (${n} files): upload it as the assignment's autograder on Gradescope`,
    );
  } else {
    console.log('usage: npm run autograder -- OUT.zip   (writes the Gradescope autograder bundle)');
    process.exitCode = 1;
  }
}
