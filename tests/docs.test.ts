/**
 * docs/torch.md is the table of every function: PyTorch name, MiniTorch name, differences.
 * This suite fails when a name the package exports (top level, the `nn` and `safetensors`
 * namespaces PyTorch users call, and the methods of `Tensor` and `Module`) is missing from it.
 */
import { expect } from 'chai';
import * as fs from 'fs';
import * as path from 'path';
import { spawnSync } from 'child_process';
import * as minitorch from '../src';

/** The text of every `code span` in the document's table rows. */
function tableCode(): string {
  let dir = __dirname;
  for (let i = 0; i < 6; i++) {
    const file = path.join(dir, 'docs', 'torch.md');
    if (fs.existsSync(file)) {
      const rows = fs
        .readFileSync(file, 'utf8')
        .split('\n')
        .filter((line) => line.startsWith('|'));
      return rows.flatMap((row) => row.match(/`[^`]*`/g) ?? []).join('\n');
    }
    dir = path.dirname(dir);
  }
  throw new Error('docs/torch.md not found');
}

/** Names of `obj` missing from the code in the tables, as `prefix + name` (a word match). */
function missing(names: string[], prefix: string, code: string): string[] {
  const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return names.filter((n) => !new RegExp(`${escape(prefix)}${escape(n)}(?![A-Za-z0-9_])`).test(code));
}

/** Methods on a prototype, less the constructor and the TypeScript-private helpers listed. */
function methods(proto: object, privateNames: string[]): string[] {
  return Object.getOwnPropertyNames(proto).filter((n) => n !== 'constructor' && !privateNames.includes(n));
}

describe('docs/torch.md covers the public API', () => {
  const code = tableCode();

  it('lists every top-level export', () => {
    expect(missing(Object.keys(minitorch), '', code)).to.deep.equal([]);
  });

  it('lists every function of minitorch.nn, safetensors, data, lrScheduler and autograd', () => {
    expect(missing(Object.keys(minitorch.nn), 'nn.', code)).to.deep.equal([]);
    expect(missing(Object.keys(minitorch.safetensors), 'safetensors.', code)).to.deep.equal([]);
    expect(missing(Object.keys(minitorch.data), 'data.', code)).to.deep.equal([]);
    expect(missing(Object.keys(minitorch.lrScheduler), 'lrScheduler.', code)).to.deep.equal([]);
    expect(missing(Object.keys(minitorch.autograd), 'autograd.', code)).to.deep.equal([]);
  });

  it('lists every Tensor and Module method', () => {
    // TypeScript-private helpers exist on the prototype at run time but are not API.
    const tensorMethods = methods(minitorch.Tensor.prototype, [
      'lift',
      'reductionDims',
      'reduceOver',
      'indexArg',
      'checkNotEmpty',
      'writeInPlace',
    ]);
    expect(missing(tensorMethods, '.', code)).to.deep.equal([]);
    expect(missing(['apply'], 'Tensor.', code)).to.deep.equal([]);
    expect(missing(methods(minitorch.Module.prototype, ['stateEntries']), '.', code)).to.deep.equal([]);
  });

  it('src/index.ts names what it exports: no `export *` of a module, only named namespaces', () => {
    const index = fs.readFileSync(path.join(__dirname, '..', '..', 'src', 'index.ts'), 'utf8');
    expect(
      index.match(/^export \* from .*$/gm) ?? [],
      "export * spills a module's internals into the API",
    ).to.deep.equal([]);
    // Internals stay behind their namespace, not at the top level.
    for (const internal of [
      'checkValue',
      'mapKernel',
      'unaryFns',
      'normalizeDim',
      'conv1dKernel',
      'FastBackend',
      'TRAINING_BACKEND',
    ]) {
      expect(minitorch, internal).to.not.have.property(internal);
    }
    expect(minitorch.tensorOps).to.have.property('mapKernel');
    expect(minitorch.backends).to.have.property('FastBackend');
  });

  it('can fail: a made-up export is reported missing', () => {
    expect(missing(['surelyNotDocumentedAnywhere'], '', code)).to.deep.equal(['surelyNotDocumentedAnywhere']);
  });
});

/**
 * The README's Layout section is a tree: each line names a file or `folder/` (indented two
 * spaces per level below its folder), and may list more files of the same folder after it.
 * Returns every path it names, relative to the repository root.
 */
export function layoutPaths(readme: string): string[] {
  const section = readme.split(/^## Layout\s*$/m)[1]?.split(/^## /m)[0] ?? '';
  const block = section.match(/```[a-z]*\n([\s\S]*?)```/)?.[1] ?? '';
  const folders: string[] = [];
  const paths: string[] = [];
  for (const line of block.split('\n')) {
    const name = line.trim().split(/\s+/)[0];
    if (!name) continue;
    const depth = (line.length - line.trimStart().length) / 2;
    folders.length = depth;
    const here = folders.join('');
    const names = [
      name,
      ...line
        .trim()
        .split(/\s+/)
        .slice(1)
        .filter((w) => /^[\w-]+\.(ts|js)$/.test(w)),
    ];
    for (const n of names) paths.push(here + n.replace(/,$/, ''));
    if (name.endsWith('/')) folders[depth] = name;
  }
  return paths;
}

describe('README Layout', () => {
  const root = path.join(__dirname, '..', '..');
  const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');

  it('Course tooling the README Layout names only paths that exist', () => {
    const paths = layoutPaths(readme);
    expect(paths.length).to.be.greaterThan(30);
    const names = paths.flatMap((p) => p.split(/,\s*/)).filter((p) => !/^(dist|build)\//.test(p));
    expect(names.filter((p) => !fs.existsSync(path.join(root, p)))).to.deep.equal([]);
  });

  it('Course tooling the README Layout names every file of src/ (the tree shows the layers)', () => {
    const named = new Set(layoutPaths(readme));
    const files = (dir: string): string[] =>
      fs
        .readdirSync(path.join(root, dir), { withFileTypes: true })
        .flatMap((e) =>
          e.isDirectory() ? files(`${dir}/${e.name}`) : e.name.endsWith('.ts') ? [`${dir}/${e.name}`] : [],
        );
    expect(files('src').filter((f) => !named.has(f))).to.deep.equal([]);
  });

  it('Course tooling no file in src/ is over 600 lines (tensor.ts, the Tensor class, excepted)', () => {
    const long: string[] = [];
    const visit = (dir: string): void => {
      for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
        const full = path.join(dir, e.name);
        if (e.isDirectory()) visit(full);
        else if (e.name.endsWith('.ts') && e.name !== 'tensor.ts') {
          const lines = fs.readFileSync(full, 'utf8').split('\n').length;
          if (lines > 600) long.push(`${path.relative(root, full)}: ${lines} lines`);
        }
      }
    };
    visit(path.join(root, 'src'));
    expect(long).to.deep.equal([]);
    // What a student reads for Tasks 3.1–3.2 stays short: only their kernels.
    const kernels = fs.readFileSync(path.join(root, 'src', 'backends', 'fast', 'kernels.ts'), 'utf8');
    expect(kernels.split('\n').length, 'src/backends/fast/kernels.ts lines').to.be.at.most(350);
  });

  it('Course tooling the Layout reader follows indentation and extra file names', () => {
    const text = '## Layout\n\n```\nsrc/    lib\n  a.ts  b.ts  the two\n  x/\n    y.ts\ntests/\n```\n## Next\n';
    expect(layoutPaths(text)).to.deep.equal(['src/', 'src/a.ts', 'src/b.ts', 'src/x/', 'src/x/y.ts', 'tests/']);
  });
});

describe('README examples', () => {
  const root = path.join(__dirname, '..', '..');

  it("Course tooling the starter's example summary line counts the task's real tests", () => {
    const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8').replace(/\n/g, ' ');
    const example = readme.match(/`Task (\d+\.\d+) [a-z ]+: (\d+) of (\d+)\s+tests fail/);
    expect(example, 'the README shows a summary line such as `Task 1.3 chain rule: N of N tests fail`').to.not.equal(
      null,
    );
    const [, task, failing, total] = example!;
    const dry = spawnSync(
      process.execPath,
      [
        path.join(root, 'node_modules', 'mocha', 'bin', 'mocha.js'),
        '--no-config',
        '--require',
        path.join(root, 'build', 'tests', 'hooks.js'),
        '--dry-run',
        '--reporter',
        'json',
        '--grep',
        `Task ${task.replace('.', '\\.')}\\b`,
        path.join(root, 'build', 'tests', '**', '*.test.js'),
      ],
      { encoding: 'utf8', cwd: root },
    );
    const tests = (JSON.parse(dry.stdout.slice(dry.stdout.indexOf('{'))) as { tests: unknown[] }).tests.length;
    expect([Number(failing), Number(total)]).to.deep.equal([tests, tests]);
  });

  it('Course tooling `npm run bench -- --help` prints the flags without compiling, from the one usage text', () => {
    const out = spawnSync(process.execPath, [path.join(root, 'scripts', 'bench-launch.js'), '--help'], {
      encoding: 'utf8',
    });
    expect(out.status).to.equal(0);
    expect(out.stdout).to.equal(fs.readFileSync(path.join(root, 'scripts', 'bench-usage.txt'), 'utf8'));
    expect(out.stdout).to.match(/--quick .*about 3 minutes/);
    expect(fs.readFileSync(path.join(root, 'scripts', 'bench.ts'), 'utf8')).to.include("'bench-usage.txt'");
  });
});

describe('Course tooling command lines', () => {
  const root = path.join(__dirname, '..', '..');
  const scripts = [
    'starter',
    'walkthrough',
    'export',
    'kernel',
    'task',
    'notebooks',
    'autograder',
    'demo',
    'grade',
    'bench',
    'lecture',
    'lectureBench',
    'mutation',
  ];

  it('Course tooling every script rejects an unknown flag with its usage and exit 2, before doing anything', function () {
    this.timeout(120_000);
    for (const name of scripts) {
      const r = spawnSync(process.execPath, [path.join(root, 'build', 'scripts', `${name}.js`), '--bogus'], {
        encoding: 'utf8',
        cwd: root,
        timeout: 30_000,
      });
      const text = `${r.stdout}${r.stderr}`;
      expect(r.status, `${name} --bogus: ${text.slice(0, 300)}`).to.equal(2);
      expect(text, name)
        .to.match(/--bogus/)
        .and.match(/usage/i);
    }
  });
});
