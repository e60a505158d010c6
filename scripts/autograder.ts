/**
 * `npm run autograder -- OUT.zip [--modules 0-1]`: write the Gradescope autograder bundle of
 * a release (all modules, or those of `--modules`: the same tasks, tests and `course.json` as
 * `npm run starter -- DIR --modules 0-1`, so the bundle grades exactly what `npm run grade`
 * grades in the students' repository, and its maximum is those tasks' points).
 *
 * Gradescope unpacks the zip into `/autograder/source`, runs `setup.sh` once when it builds
 * the image, and runs `run_autograder` (as root) for every submission, with the student's
 * files in `/autograder/submission`; the grade goes to `/autograder/results/results.json`.
 *
 * The bundle holds the starter repository in `repo/` (every task a stub, the tests, the
 * grader) and, in `reference/`, the released tasks' solutions compiled to JavaScript, which
 * `setup.sh` makes readable by root only. For each submission, `run_autograder` (`node
 * build/scripts/autograder.js run`) is the trusted side: it never loads submitted code. It
 * copies the repository to a fresh work folder, takes from the submission only the bodies of
 * the solution regions (`BEGIN SOLUTION` … `END SOLUTION`) of the student's source files,
 * transpiles the files that changed and type-checks beside the tests (type errors are
 * reported; the tests run on what was emitted), lists the tests
 * from its own pristine copy, and runs them with `npm run grade`'s code as an unprivileged
 * user (`scripts/sandbox.ts`) that can read neither the reference nor anything it could
 * forge, and can write nothing the grader reads; canary tests that must fail are planted in
 * every run, and the value checks of `scripts/challenges.ts` compare the submission's outputs
 * with the reference's on inputs drawn from a secret seed. Every process of that user is
 * ended before `results.json` is written. See README, "Threat model".
 *
 * `run --root DIR` (or `AUTOGRADER_ROOT`) moves the whole layout, `AUTOGRADER_TASKS`
 * (`0.1,0.2`) grades some tasks only, `AUTOGRADER_TEST_TIMEOUT` / `AUTOGRADER_GRACE`
 * (seconds) shorten the per-test limits and `AUTOGRADER_CHECK_TIMEOUT` a value check's: all
 * for tests.
 *
 * @packageDocumentation
 */
import * as crypto from 'crypto';
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import ts from 'typescript';
import * as zlib from 'zlib';
import { Challenge, CHALLENGES, compareChallenge, encode, seededRandom } from './challenges';
import { compareTasks, isStudentSource, loadCourse, moduleOf, parseModules, repoRoot } from './course';
import {
  GradescopeResults,
  TaskScore,
  cleanUpWhenStopped,
  grade,
  gradescopeResults,
  listTests,
  parseArgs,
} from './grade';
import { regionTexts, spliceRegions } from './markers';
import { SandboxUser, canSandbox, endAll, removeFilesOf, sandboxUser, spawnLimited, userFolder } from './sandbox';
import { writeStarter } from './starter';
import type { ReportedTest } from './testSummary';

/** Tooling the starter leaves out that the bundle's repository needs to grade. */
const GRADER_FILES = ['scripts/autograder.ts', 'scripts/markers.ts', 'scripts/starter.ts'];

/** Time limit of the tests of one submission: with compiling and the value checks, well inside
 * Gradescope's default of 40 minutes. */
export const TEST_TIME_LIMIT_S = 1500;

/** Time limit of one task's value check (a fresh process that runs every function the check
 * names once). Its own limit, not a test's: it loads the modules and runs a task's worth of
 * calls, and a loaded grading machine must not turn a slow start into a capped score. */
export const CHECK_TIME_LIMIT_S = 30;

/** Time limit of all value checks together, so checks that never answer cannot stretch a run
 * past Gradescope's limit (an honest submission's checks take seconds in all). */
export const CHECKS_TIME_LIMIT_S = 300;

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
# The reference solutions: root only (submitted code runs as another user), and able to load
# the same packages.
chmod -R go-rwx ../reference
ln -sfn ../repo/node_modules ../reference/node_modules
# Compiled once here, incrementally: a submission then type-checks only what it changed. The
# grader's own compiler (the typescript package), not node_modules/.bin/tsc, which may be
# another package's (tslab's TypeScript 5.0): a build info of another version is not reused,
# and every submission would be checked from scratch.
node node_modules/typescript/bin/tsc -p tsconfig.test.json --incremental --tsBuildInfoFile build/tsbuildinfo.json
node scripts/build-wasm.js build/src
# The tests, listed once from this starter (a submission can neither hide nor add one).
node build/scripts/autograder.js list
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

/** Options of `writeBundle`. */
export interface BundleOptions {
  /** Modules of the release (all when absent). */
  modules?: number[];
}

/** Compiler options for transpiling one file, from the repository's tsconfig. */
function transpileOptions(root: string): ts.CompilerOptions {
  const config = ts.readConfigFile(path.join(root, 'tsconfig.json'), ts.sys.readFile);
  const parsed = ts.convertCompilerOptionsFromJson(config.config.compilerOptions, root);
  return { ...parsed.options, declaration: false, sourceMap: false, noEmit: false };
}

/** The options of `tsc -p tsconfig.test.json` in `root` (its `extends` followed), to emit one file as it does. */
function testBuildOptions(root: string): ts.CompilerOptions {
  const read = ts.readConfigFile(path.join(root, 'tsconfig.test.json'), ts.sys.readFile);
  return ts.parseJsonConfigFileContent(read.config, ts.sys, root).options;
}

/**
 * Emit `text` (the source `file` of the repository `dir`) where `tsc -p tsconfig.test.json`
 * puts it, `build/<file>.js`, with its source map when the options ask for one.
 */
function emitOne(dir: string, file: string, text: string, options: ts.CompilerOptions): void {
  const out = ts.transpileModule(text, { compilerOptions: options, fileName: path.join(dir, file) });
  const dest = path.join(dir, 'build', file.replace(/\.ts$/, '.js'));
  fs.mkdirSync(path.dirname(dest), { recursive: true });
  fs.writeFileSync(dest, out.outputText);
  if (out.sourceMapText !== undefined) fs.writeFileSync(`${dest}.map`, out.sourceMapText);
}

/**
 * Type-check the work folder (`tsc --noEmit`, incremental from setup.sh's build) in the
 * background; resolves once its output, paths made relative, is in `log`. Ended with the run.
 */
function typeCheck(work: string, log: string): Promise<void> {
  const tsc = spawn(
    process.execPath,
    [
      path.join(work, 'node_modules', 'typescript', 'bin', 'tsc'),
      '-p',
      'tsconfig.test.json',
      '--incremental',
      '--tsBuildInfoFile',
      'build/tsbuildinfo.json',
      '--noEmit',
    ],
    { cwd: work, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const end = () => tsc.kill('SIGKILL');
  cleanUps.add(end);
  let output = '';
  tsc.stdout.on('data', (d: Buffer) => (output += d.toString()));
  tsc.stderr.on('data', (d: Buffer) => (output += d.toString()));
  return new Promise((resolve) =>
    tsc.on('close', () => {
      cleanUps.delete(end);
      fs.mkdirSync(path.dirname(log), { recursive: true });
      fs.writeFileSync(log, output.replaceAll(`${work}${path.sep}`, ''));
      resolve();
    }),
  );
}

/**
 * The reference of a release: every library source of the starter in `repo` with the
 * released tasks' solutions put back from `root`, transpiled (`src/x.ts` → `src/x.js`).
 * Later tasks stay stubs, so a bundle carries no solution the release does not grade.
 */
function referenceFiles(repo: string, root: string, released: Set<string>): ZipEntry[] {
  const options = transpileOptions(root);
  return listFiles(repo)
    .filter(isStudentSource)
    .map((f) => {
      const { text } = spliceRegions(
        fs.readFileSync(path.join(repo, f), 'utf8'),
        fs.readFileSync(path.join(root, f), 'utf8'),
        (t) => released.has(t),
      );
      const js = ts.transpileModule(text, { compilerOptions: options, fileName: f }).outputText;
      return { name: `reference/${f.replace(/\.ts$/, '.js')}`, data: Buffer.from(js), mode: 0o600 };
    });
}

/**
 * Write the bundle for the repository at `root` to `outZip`; the number of files in it.
 * Throws a one-line error for an output that is a folder or whose folder does not exist.
 */
export function writeBundle(outZip: string, root = repoRoot(), options: BundleOptions = {}): number {
  const out = path.resolve(outZip);
  if (fs.existsSync(out) && fs.statSync(out).isDirectory())
    throw new Error(`autograder: ${out} is a folder; give the path of the zip file to write`);
  if (!fs.existsSync(path.dirname(out))) throw new Error(`autograder: the folder ${path.dirname(out)} does not exist`);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'minitorch-bundle-'));
  try {
    const repo = path.join(tmp, 'repo');
    const summary = writeStarter(repo, root, { modules: options.modules });
    for (const f of GRADER_FILES) fs.copyFileSync(path.join(root, f), path.join(repo, f));
    const released = new Set(
      Object.keys(loadCourse(path.join(repo, 'course.json')).tasks).filter((t) =>
        summary.modules.includes(moduleOf(t)),
      ),
    );
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
      ...referenceFiles(repo, root, released),
    ];
    fs.writeFileSync(out, zip(entries));
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

/** What one task's value check found. */
interface CheckResult {
  agreed: number;
  total: number;
  differences: string[];
  /** The limit in seconds, when the check was stopped before it answered. */
  stoppedAfterS?: number;
}

/**
 * Run the value check of `task`: the reference's outputs computed here, the submission's in
 * a sandboxed child; null when there is no reference to compare with.
 */
async function valueCheck(
  task: string,
  challenge: Challenge,
  work: string,
  reference: string,
  user: SandboxUser | null,
  limitS: number,
): Promise<CheckResult | null> {
  if (!challenge.modules.every((m) => fs.existsSync(path.join(reference, `${m}.js`)))) return null;
  const input = challenge.inputs(seededRandom(crypto.randomInt(2 ** 31)));
  const wire = JSON.parse(JSON.stringify(input)) as unknown;
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the reference build, a path known at run time
  const refMods = Object.fromEntries(challenge.modules.map((m) => [m, require(path.join(reference, m)) as unknown]));
  const want = encode(challenge.run(refMods, JSON.parse(JSON.stringify(input)))) as Record<string, unknown>;
  const home = user ? userFolder(work, user) : fs.mkdtempSync(path.join(work, 'home-'));
  const env: NodeJS.ProcessEnv = user
    ? { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home, TMPDIR: home, LANG: 'C.UTF-8' }
    : { ...process.env, TMPDIR: home };
  const child = spawnLimited(
    process.execPath,
    [path.join(work, 'build', 'scripts', 'challengeChild.js')],
    { cwd: work, stdio: ['pipe', 'ignore', 'ignore', 'pipe'], env },
    user,
  );
  let text = '';
  child.stdio[3]!.on('data', (d: Buffer) => {
    text += d.toString();
    if (text.length > 4_000_000) text = text.slice(-4_000_000);
  });
  child.stdin!.on('error', () => {});
  child.stdin!.end(JSON.stringify({ task, input: wire }));
  let stopped = false;
  const timer = setTimeout(() => {
    stopped = true;
    endAll(child, user);
  }, limitS * 1000);
  await new Promise<void>((resolve) => child.on('close', () => resolve()));
  clearTimeout(timer);
  endAll(child, user);
  let got: unknown = null;
  for (const line of text.trim().split('\n').reverse()) {
    try {
      got = JSON.parse(line);
      break;
    } catch {
      // Not the answer line.
    }
  }
  const result: CheckResult = compareChallenge(want, got, challenge.tolerance);
  // An answer that arrived is compared even if the process was then stopped.
  if (stopped && got === null) result.stoppedAfterS = limitS;
  return result;
}

/** Make `dir` readable by others (the grading user) without changing who owns it. */
function openForReading(dir: string): void {
  fs.chmodSync(dir, fs.statSync(dir).mode | 0o755);
}

/** Grade one submission in the Gradescope layout under `root`; always writes results.json. */
export async function runAutograder(root: string): Promise<GradescopeResults> {
  const started = Date.now();
  const source = path.join(root, 'source', 'repo');
  const reference = path.join(root, 'source', 'reference');
  const resultsFile = path.join(root, 'results', 'results.json');
  fs.mkdirSync(path.dirname(resultsFile), { recursive: true });
  const user = canSandbox() ? sandboxUser() : null;
  const course = loadCourse(path.join(source, 'course.json'));
  const write = (results: GradescopeResults) => {
    // Written last, after every process of the grading user has ended, and replaced in one
    // step: nothing can change it afterwards.
    if (user) {
      endAll(null, user);
      removeFilesOf(user.uid);
    }
    const tmp = `${resultsFile}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, `${JSON.stringify(results, null, 2)}\n`);
    fs.renameSync(tmp, resultsFile);
  };
  let work = '';
  try {
    if (user) {
      // Before any submitted code runs: the reference and the results are root's only.
      if (fs.existsSync(reference)) fs.chmodSync(reference, 0o700);
      fs.chmodSync(path.dirname(resultsFile), 0o755);
      fs.chownSync(path.dirname(resultsFile), 0, 0);
      for (const d of [root, path.join(root, 'source'), source]) openForReading(d);
    }
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'minitorch-autograde-'));
    cleanUps.add(() => fs.rmSync(work, { recursive: true, force: true }));
    fs.chmodSync(work, 0o755);
    fs.cpSync(source, work, {
      recursive: true,
      filter: (src) => path.basename(src) !== 'node_modules' || path.dirname(src) !== source,
    });
    fs.symlinkSync(path.join(source, 'node_modules'), path.join(work, 'node_modules'), 'dir');
    const note = takeRegions(work, path.join(root, 'submission'));
    console.log(note);
    // The tests need only the JavaScript of the files the submission changed: each is
    // transpiled alone (milliseconds), and the type check, which reads submitted code but runs
    // none of it, goes on beside the tests (it is seconds of CPU); its errors are reported.
    const tsOptions = testBuildOptions(work);
    for (const f of listFiles(work).filter(isStudentSource)) {
      const text = fs.readFileSync(path.join(work, f), 'utf8');
      if (text !== fs.readFileSync(path.join(source, f), 'utf8')) emitOne(work, f, text, tsOptions);
    }
    const tscLog = path.join(work, 'build', 'tsc.log');
    const typeChecked = typeCheck(work, tscLog);
    // AUTOGRADER_TASKS=0.1,0.2 grades some tasks only (quick checks of the bundle, tests).
    const only = process.env.AUTOGRADER_TASKS ? ['--task', process.env.AUTOGRADER_TASKS] : [];
    const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'minitorch-autograde-out-'));
    cleanUps.add(() => fs.rmSync(scratch, { recursive: true, force: true }));
    const opts = parseArgs(
      [
        '--out',
        path.join(scratch, 'results.json'),
        '--tsc-log',
        tscLog,
        '--time-limit',
        String(TEST_TIME_LIMIT_S),
        ...only,
      ],
      work,
    );
    // The tests are listed from the bundle's own compiled starter, never from the submission:
    // a submission cannot hide a test or add one.
    // setup.sh lists them once (build/listing.json); listed here when it has not.
    const cached = path.join(source, 'build', 'listing.json');
    const listed = fs.existsSync(cached)
      ? { tests: JSON.parse(fs.readFileSync(cached, 'utf8')) as ReportedTest[] }
      : await listTests({ ...opts, cwd: source, spec: opts.spec });
    opts.listing = listed.tests?.map((t) => ({ ...t, file: path.join(work, path.relative(source, t.file)) }));
    // Shorter limits for the tests of this tooling (a hang is found in seconds, not half a minute).
    if (process.env.AUTOGRADER_TEST_TIMEOUT) opts.testTimeoutMs = Number(process.env.AUTOGRADER_TEST_TIMEOUT) * 1000;
    if (process.env.AUTOGRADER_GRACE) opts.graceMs = Number(process.env.AUTOGRADER_GRACE) * 1000;
    opts.sandbox = user;
    opts.canaries = true;
    // Without the repository's root hooks: this run has its own temp dir and greps only the
    // released tasks, which is all the hooks add to a plain `npm test`.
    opts.ownSuite = false;
    opts.onProgress = (line) => console.log(line);
    opts.tscDone = typeChecked;
    const { scores, results, tampering } = await grade(opts);
    const notes = [note];
    if (user === null) notes.push('(Not run as root: the tests ran without dropping privileges.)');
    // The value checks cap each task's points by the share of its functions whose outputs agree.
    const checkLimitS = Number(process.env.AUTOGRADER_CHECK_TIMEOUT ?? CHECK_TIME_LIMIT_S);
    const checksEnd = Date.now() + CHECKS_TIME_LIMIT_S * 1000;
    for (const s of scores) {
      const challenge = CHALLENGES[s.task];
      if (challenge === undefined || s.maxScore === 0) continue;
      const leftS = Math.max(0, Math.round((checksEnd - Date.now()) / 1000));
      const check = await valueCheck(s.task, challenge, work, reference, user, Math.min(checkLimitS, leftS));
      if (check === null) continue;
      const cap = Math.round(((s.maxScore * check.agreed) / check.total) * 100) / 100;
      // (A task none of whose tests pass needs no word on its values.)
      if (check.differences.length > 0 && s.passed > 0) {
        // Unanswered functions count as differing: a check that never ends must not lift the cap.
        const line =
          check.stoppedAfterS !== undefined
            ? `Task ${s.task}: the grader's value check (the task's functions run once on inputs drawn at random) did not answer within ${check.stoppedAfterS} s and was stopped`
            : `Task ${s.task}: on inputs drawn at random by the grader, ${check.agreed} of ${check.total} functions give the reference's outputs (differing: ${check.differences.join(', ')})`;
        notes.push(s.score > cap ? `${line}; the task's score is capped at ${cap} of ${s.maxScore}.` : `${line}.`);
        s.score = Math.min(s.score, cap);
      }
    }
    let final: GradescopeResults;
    if (tampering.length > 0) {
      const zeroed: TaskScore[] = scores.map((s) => ({ ...s, score: 0 }));
      final = gradescopeResults(zeroed, '', 0);
      final.output = `TAMPERING DETECTED: the submitted code changed how the tests report their results, so no test result can be trusted and the score is 0.\n${[...new Set(tampering)].slice(0, 5).join('\n')}\nIf you did not mean to do this, ask your instructor: the run's log says what was seen.`;
      for (const t of final.tests) t.output = `TAMPERING DETECTED (score 0)\n${t.output}`;
    } else {
      final = gradescopeResults(scores, [notes.join('\n'), results.output].filter(Boolean).join('\n\n'), 0);
    }
    final.execution_time = Math.round((Date.now() - started) / 1000);
    write(final);
    return final;
  } catch (e) {
    // Whatever broke, Gradescope gets a result that says so, and the full points stay visible.
    const results = gradescopeResults(
      [],
      `The autograder failed: ${(e as Error).stack ?? String(e)}`,
      (Date.now() - started) / 1000,
    );
    results.max_score = Object.values(course.tasks).reduce((a, t) => a + t.points, 0);
    write(results);
    return results;
  } finally {
    for (const c of cleanUps) c();
    cleanUps.clear();
  }
}

/** Folders to remove when the run ends or is stopped. */
const cleanUps = new Set<() => void>();

const USAGE = `usage: npm run autograder -- OUT.zip [--modules 0-1]
  writes the Gradescope autograder bundle of a release (all modules, or those of --modules:
  the same tasks and tests as \`npm run starter -- DIR --modules 0-1\`)`;

/** The command line; returns the exit code. */
async function main(argv: string[]): Promise<number> {
  if (argv[0] === 'list') {
    // setup.sh: the tests of the bundle's starter, listed once for every submission.
    const opts = parseArgs([], repoRoot());
    const { tests, output } = await listTests(opts);
    if (tests === null) throw new Error(`autograder list: the tests do not load:\n${output.slice(-3000)}`);
    fs.writeFileSync(path.join(repoRoot(), 'build', 'listing.json'), JSON.stringify(tests));
    return 0;
  }
  if (argv[0] === 'run') {
    const i = argv.indexOf('--root');
    const r = await runAutograder(i >= 0 ? argv[i + 1] : '/autograder');
    console.log(`score ${r.score} / ${r.max_score}`);
    return 0;
  }
  const positional: string[] = [];
  let modules: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--help' || argv[i] === '-h') {
      console.log(USAGE);
      return 0;
    }
    if (argv[i] === '--modules') {
      modules = argv[++i];
      if (modules === undefined) throw new UsageError('--modules needs a value such as 0-1');
    } else if (argv[i].startsWith('--modules=')) modules = argv[i].slice('--modules='.length);
    else if (argv[i].startsWith('-')) throw new UsageError(`unknown option ${argv[i]}`);
    else positional.push(argv[i]);
  }
  if (positional.length !== 1)
    throw new UsageError(
      positional.length === 0 ? 'give the zip file to write' : `one zip file, not ${positional.length}`,
    );
  const course = loadCourse();
  const mods = modules === undefined ? undefined : parseModules(modules, course);
  const n = writeBundle(positional[0], repoRoot(), { modules: mods });
  const tasks = Object.keys(course.tasks)
    .filter((t) => mods === undefined || mods.includes(moduleOf(t)))
    .sort(compareTasks);
  const points = tasks.reduce((a, t) => a + course.tasks[t].points, 0);
  console.log(
    `autograder: wrote ${path.resolve(positional[0])} (${n} files; tasks ${tasks[0]}–${tasks[tasks.length - 1]}, ${points} points): upload it as the assignment's autograder on Gradescope`,
  );
  return 0;
}

/** A command-line mistake: the usage is printed and the exit code is 2. */
class UsageError extends Error {}

if (require.main === module) {
  cleanUpWhenStopped();
  process.once('exit', () => {
    for (const c of cleanUps) c();
  });
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      if (e instanceof UsageError) {
        console.error(`autograder: ${e.message}\n${USAGE}`);
        process.exitCode = 2;
      } else {
        console.error((e as Error).message);
        process.exitCode = 1;
      }
    },
  );
}
