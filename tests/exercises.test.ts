/**
 * Unwritten exercises in notebooks (`src/course/exercises.ts`): `whenDone` turns a stub's
 * `NotImplementedError` into one line naming the task, the function and the file, lets any
 * other error through, and works for sync and async work. Plus the kernelspec's source maps.
 */
import { expect } from 'chai';
import { NotImplementedError } from '../src/errors';
import { notDoneMessage, todoMessage, unfinishedExercise, whenDone } from '../src/course/exercises';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import { KERNEL_ERRORS_SCRIPT, KERNEL_STATUS_SCRIPT, kernelNodeOptions, kernelSpecJson } from '../scripts/jupyter';
import { shapeBroadcast } from '../src/tensorData';

/** Run `fn` with console.log captured; returns what it printed, line by line. */
async function printed(fn: () => unknown): Promise<string[]> {
  const lines: string[] = [];
  const log = console.log;
  console.log = (...args: unknown[]) => lines.push(args.join(' '));
  try {
    await fn();
  } finally {
    console.log = log;
  }
  return lines;
}

/** A stub as the starter writes it, thrown from a file under `src/` (its stack says so). */
function stubError(message: string, frame: string): NotImplementedError {
  const e = new NotImplementedError(message);
  e.stack = `NotImplementedError: ${message}\n    at ${frame}\n    at Object.<anonymous> (/home/s/repo/tests/x.test.js:3:1)`;
  return e;
}

describe('Notebook whenDone and unfinished exercises', () => {
  it('Notebook unfinishedExercise reads task, function and file from a stub (source maps on or off)', () => {
    const mapped = stubError('Task 1.3: Scalar.chainRule', 'Scalar.chainRule (/home/s/src/repo/src/scalar.ts:120:11)');
    expect(unfinishedExercise(mapped)).to.deep.equal({
      task: '1.3',
      functionName: 'Scalar.chainRule',
      file: 'src/scalar.ts',
    });
    const compiled = stubError('Task 3.3: mapShader', 'mapShader (/home/s/repo/dist/backends/gpu/kernels.js:80:15)');
    expect(unfinishedExercise(compiled)?.file).to.equal('src/backends/gpu/kernels.ts');
    // The worker pool prefixes the message and appends the worker's stack.
    const worker = new Error('fast backend worker failed in kernel "map": Task 3.1: fastMapRange');
    worker.name = 'NotImplementedError';
    worker.stack = `${worker.name}: ${worker.message}\n--- worker stack ---\nNotImplementedError: Task 3.1: fastMapRange\n    at fastMapRange (/r/src/backends/fast/kernels.ts:9:3)`;
    expect(unfinishedExercise(worker)).to.deep.equal({
      task: '3.1',
      functionName: 'fastMapRange',
      file: 'src/backends/fast/kernels.ts',
    });
    // Thrown outside the library (a test's own stub): no file, rather than a wrong one.
    expect(unfinishedExercise(stubError('Task 9.9: f', 'f (/r/tests/a.test.js:1:1)'))?.file).to.equal(undefined);
    for (const other of [
      new Error('Task 1.3: x'),
      new NotImplementedError('not a stub message'),
      'Task 1.3: x',
      undefined,
    ]) {
      expect(unfinishedExercise(other), String(other)).to.equal(undefined);
    }
  });

  it('Notebook a real stub thrown in the library names its own source file', () => {
    let error: unknown;
    try {
      // The constructor is left out of the stack, so its first frame is this file's.
      throw new NotImplementedError('Task 0.1: mul');
    } catch (e) {
      error = e;
    }
    expect((error as Error).stack?.split('\n')[1]).to.match(/exercises\.test\.(js|ts)/);
  });

  it('Notebook the messages name the task, the function, the file and the solution marker', () => {
    const exercise = { task: '1.3', functionName: 'Scalar.chainRule', file: 'src/scalar.ts' };
    expect(notDoneMessage(exercise)).to.equal(
      'Task 1.3 is not done yet: write Scalar.chainRule in src/scalar.ts (BEGIN SOLUTION 1.3)',
    );
    expect(todoMessage(exercise)).to.equal('Task 1.3: write Scalar.chainRule in src/scalar.ts');
    expect(notDoneMessage({ task: '0.1', functionName: 'mul' })).to.equal(
      'Task 0.1 is not done yet: write mul (BEGIN SOLUTION 0.1)',
    );
  });

  it('Notebook whenDone prints one line for an unwritten exercise and returns undefined, sync and async', async () => {
    const stub = () => {
      throw stubError('Task 1.2: scalarFunctions.mul.forward', 'forward (/r/dist/scalarFunctions.js:5:5)');
    };
    let result: unknown = 'unset';
    expect(await printed(() => (result = whenDone('1.2', stub)))).to.deep.equal([
      'Task 1.2 is not done yet: write scalarFunctions.mul.forward in src/scalarFunctions.ts (BEGIN SOLUTION 1.2)',
    ]);
    expect(result).to.equal(undefined);
    // An earlier task missing: the line says which cell needed it.
    const lines = await printed(async () => (result = await whenDone('1.4', async () => stub())));
    expect(lines).to.deep.equal([
      'Task 1.2 is not done yet: write scalarFunctions.mul.forward in src/scalarFunctions.ts (BEGIN SOLUTION 1.2); this cell needs it for Task 1.4',
    ]);
    expect(result).to.equal(undefined);
  });

  it('Notebook whenDone returns the result of finished work and lets other errors through', async () => {
    expect(whenDone('0.1', () => 42)).to.equal(42);
    expect(await whenDone('0.1', async () => 'async')).to.equal('async');
    expect(() =>
      whenDone('0.1', () => {
        throw new RangeError('a bug');
      }),
    ).to.throw(RangeError, 'a bug');
    let rejected: unknown;
    await whenDone('0.1', async () => {
      throw new TypeError('async bug');
    }).catch((e) => (rejected = e));
    expect(rejected).to.be.instanceOf(TypeError);
  });

  it('Notebook the kernelspec enables source maps and loads the error display that drops tslab frames', () => {
    const spec = kernelSpecJson({ argv: ['tslab', 'kernel'], display_name: 'TypeScript', env: { KEEP: '1' } });
    expect(spec.display_name).to.equal('MiniTorch (TypeScript)');
    expect(spec.env).to.deep.equal({ KEEP: '1', NODE_OPTIONS: kernelNodeOptions() });
    expect(kernelNodeOptions()).to.match(
      /^--enable-source-maps --require ".*\/scripts\/kernelErrors\.js" --require ".*\/scripts\/kernelStatus\.js"$/,
    );
    expect(fs.existsSync(KERNEL_STATUS_SCRIPT)).to.equal(true);
    expect(fs.existsSync(KERNEL_ERRORS_SCRIPT)).to.equal(true);
    expect(kernelNodeOptions('C:\\my repo\\scripts\\kernelErrors.js')).to.equal(
      '--enable-source-maps --require "C:/my repo/scripts/kernelErrors.js"',
    );
  });

  it('Notebook the kernel says busy after a request ends while others are in flight, idle after the last', () => {
    // tslab's ZmqServer, reduced to what the patch touches: a log of published statuses.
    class FakeServer {
      log: string[] = [];
      publishStatus(status: string, parent: { id: string }): void {
        this.log.push(`${status} ${parent.id}`);
      }
    }
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- the kernel's plain-JS preload
    const { keepBusyWhileQueued } = require(KERNEL_STATUS_SCRIPT) as { keepBusyWhileQueued(c: unknown): void };
    keepBusyWhileQueued(FakeServer);
    keepBusyWhileQueued(FakeServer); // a second load changes nothing
    const server = new FakeServer();
    const [a, b, c] = [{ id: 'a' }, { id: 'b' }, { id: 'c' }];
    // Run All: three cells arrive at once, then end in order.
    for (const m of [a, b, c]) server.publishStatus('busy', m);
    for (const m of [a, b, c]) server.publishStatus('idle', m);
    expect(server.log).to.deep.equal(['busy a', 'busy b', 'busy c', 'idle a', 'busy b', 'idle b', 'busy c', 'idle c']);
  });

  it('Notebook the kernel shows a cell error without tslab or node:vm frames, keeping the library and cell frames', () => {
    const script = [
      `require(${JSON.stringify(KERNEL_ERRORS_SCRIPT)});`,
      'const e = new Error("boom");',
      'e.stack = ["Error: boom", "    at f (/r/src/scalar.ts:3:9)", "    at evalmachine.<anonymous>:9:41",',
      '  "    at sigintHandlersWrap (node:vm:280:12)", "    at Script.runInThisContext (node:vm:135:14)",',
      '  "    at Object.execute (/r/node_modules/tslab/dist/executor.js:160:38)"].join("\\n");',
      'console.error(e);',
    ].join('\n');
    const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
    expect(r.stderr.trim().split('\n')).to.deep.equal([
      'Error: boom',
      '    at f (/r/src/scalar.ts:3:9)',
      '    at evalmachine.<anonymous>:9:41',
    ]);
  });

  it('Notebook tests run with source maps (.mocharc.json), so a library error names its src/*.ts line', () => {
    let stack = '';
    try {
      shapeBroadcast([2, 3], [3, 2]);
    } catch (e) {
      stack = (e as Error).stack ?? '';
    }
    const first = stack.split('\n').find((l) => /^\s+at /.test(l)) ?? '';
    expect(first).to.match(/[/\\]src[/\\]tensorData\.ts:\d+:\d+/);
    expect(first).to.not.match(/\.js:/);
  });
});
