/**
 * The main demo (`npm run demo`): its argument parsing, and a short run that must write the
 * chart files it prints.
 */
import { expect } from 'chai';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Writable } from 'stream';
import { DEFAULTS, TRAINERS, main, parseArgs, progressLine } from '../scripts/demo';

/** A stream that keeps what is written to it. */
function capture(): { stream: Writable; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      chunks.push(String(chunk));
      done();
    },
  });
  return { stream, text: () => chunks.join('') };
}

describe('Demo scalar network', () => {
  it('demo parses flags over the defaults', () => {
    expect(parseArgs([])).to.deep.equal(DEFAULTS);
    expect(parseArgs(['--dataset', 'split', '--epochs=20', '--lr', '0.1'])).to.include({
      dataset: 'split',
      epochs: 20,
      lr: 0.1,
    });
    expect(parseArgs(['--help'])).to.equal('help');
    expect(() => parseArgs(['--bogus', '1'])).to.throw(/unknown argument "--bogus"/);
    expect(() => parseArgs(['--hidden', 'ten'])).to.throw(/--hidden must be a whole number of at least 1, got "ten"/);
    expect(() => parseArgs(['--seed'])).to.throw(/--seed needs a value/);
    expect(TRAINERS.classify.scalar).to.have.property('train');
  });

  it('demo draws a progress bar', () => {
    expect(progressLine({ epoch: 5, loss: 0.5, accuracy: 0.9 }, 10, 10)).to.equal(
      '[#####-----]  50% epoch 5/10 loss 0.5000 acc 90.0%',
    );
  });

  it('Task 1.5 demo trains and writes the loss, accuracy and boundary charts', async function () {
    this.timeout(60000);
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'minitorch-demo-'));
    try {
      const log = capture();
      const { code, files } = await main(
        ['--dataset', 'simple', '--n', '20', '--hidden', '4', '--epochs', '30', '--out', out],
        log.stream,
      );
      expect(code).to.equal(0);
      const names = ['simple-scalar-loss', 'simple-scalar-accuracy', 'simple-scalar-boundary'];
      expect(files).to.deep.equal(names.flatMap((n) => [path.join(out, `${n}.svg`), path.join(out, `${n}.html`)]));
      for (const f of files) {
        expect(fs.readFileSync(f, 'utf8')).to.include('<svg');
        expect(log.text()).to.include(f);
      }
      expect(log.text()).to.match(/epoch 30\/30 loss \d\.\d{4} acc \d+\.\d%/);
    } finally {
      fs.rmSync(out, { recursive: true, force: true });
    }
  });

  it('demo Errors: every flag is checked before training (exit 2 with usage, no banner)', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['--epochs', '-1'], /--epochs must be a whole number of at least 1, got "-1"/],
      [['--n', '0'], /--n must be a whole number of at least 1, got "0"/],
      [['--hidden', '0'], /--hidden must be a whole number of at least 1/],
      [['--hidden', '2.5'], /--hidden must be a whole number/],
      [['--lr', '-5'], /--lr must be a number greater than 0, got "-5"/],
      [['--seed', '-1'], /--seed must be a whole number of at least 0/],
      [['--toString', '1'], /unknown argument "--toString"/],
      [['--task', 'constructor'], /unknown --task "constructor"/],
      [['--backend', 'toString'], /has no --backend "toString"/],
      [['--task', 'mnist', '--n', '20000', '--epochs', '1'], /--task mnist: --n must be at most 9000 .*got 20000/],
      [['--task', 'mnist', '--n', '10000', '--epochs', '1'], /--n must be at most 9000/],
      [['--out', __filename], /--out .* is a file; give a folder for the charts/],
      [['--out', path.join(__filename, 'charts')], /--out .*: .* is a file, so the folder cannot be made/],
    ];
    for (const [args, message] of cases) {
      const log = capture();
      const { code } = await main(args, log.stream);
      expect(code, args.join(' ')).to.equal(2);
      expect(log.text()).to.match(message).and.include('usage: npm run demo');
      expect(log.text(), 'nothing trains').to.not.include('training --task');
    }
  });

  it('demo Errors: an unknown dataset or backend exits 2 with usage', async () => {
    for (const args of [
      ['--dataset', 'moons'],
      ['--backend', 'quantum'],
      ['--task', 'poetry'],
    ]) {
      const log = capture();
      const { code, files } = await main(args, log.stream);
      expect(code).to.equal(2);
      expect(files).to.deep.equal([]);
      expect(log.text()).to.match(/demo: unknown dataset "moons"|has no --backend "quantum"|unknown --task "poetry"/);
      expect(log.text()).to.include('usage: npm run demo');
    }
  });
});

describe('Demo --task mnist', () => {
  it('Task 4.5 demo --task mnist trains LeNet on the fast backend and writes curves, confusion matrix and digits', async function () {
    this.timeout(120000);
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'minitorch-demo-mnist-'));
    try {
      const log = capture();
      const { code, files } = await main(['--task', 'mnist', '--n', '300', '--epochs', '1', '--out', out], log.stream);
      expect(code).to.equal(0);
      expect(log.text()).to.include('--task mnist --backend fast on 300 digits');
      expect(log.text()).to.match(/epoch 1\/1 loss \d\.\d{4} acc \d+\.\d%/);
      const names = ['mnist-loss', 'mnist-accuracy', 'mnist-confusion', 'mnist-digits'];
      expect(files).to.deep.equal(names.flatMap((n) => [path.join(out, `${n}.svg`), path.join(out, `${n}.html`)]));
      for (const f of files) expect(fs.readFileSync(f, 'utf8')).to.include('<svg');
    } finally {
      fs.rmSync(out, { recursive: true, force: true });
    }
  });
});

describe('Demo --task sentiment', () => {
  const FIXTURES = path.join(__dirname, '..', '..', 'tests', 'fixtures');

  it('Task 4.5 demo --task sentiment trains on the shipped sample and says how to reach the goal on real files', async function () {
    this.timeout(120000);
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'minitorch-demo-sentiment-'));
    try {
      const log = capture();
      const args = ['--task', 'sentiment', '--epochs', '3', '--out', out];
      const { code, files } = await main(args, log.stream);
      expect(code, log.text()).to.equal(0);
      expect(log.text()).to.include('--task sentiment --backend fast on 450 sentences of the shipped sample');
      expect(log.text()).to.match(/best validation accuracy \d+\.\d% on 20 sentences/);
      expect(log.text()).to.include('> 70% best validation accuracy on its 450/100 split');
      expect(log.text()).to.include('npm run demo -- --task sentiment --sst2 DIR --glove FILE');
      const names = ['sentiment-loss', 'sentiment-accuracy'];
      expect(files).to.deep.equal(names.flatMap((n) => [path.join(out, `${n}.svg`), path.join(out, `${n}.html`)]));
    } finally {
      fs.rmSync(out, { recursive: true, force: true });
    }
  });

  it('Task 4.5 demo --task sentiment reads GLUE SST-2 (train.tsv, dev.tsv) and a GloVe file, and judges the goal', async function () {
    this.timeout(120000);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'minitorch-demo-sst2-'));
    try {
      // Real files have these names and layout; the sample's lines stand in for their content.
      fs.copyFileSync(path.join(FIXTURES, 'sst2-small-train.tsv'), path.join(dir, 'train.tsv'));
      fs.copyFileSync(path.join(FIXTURES, 'sst2-small-dev.tsv'), path.join(dir, 'dev.tsv'));
      const glove = path.join(dir, 'glove.6B.8d.txt');
      fs.copyFileSync(path.join(FIXTURES, 'glove-small.txt'), glove);
      const log = capture();
      const args = ['--task', 'sentiment', '--sst2', dir, '--glove', glove, '--n', '40', '--epochs', '2'];
      const { code } = await main([...args, '--out', path.join(dir, 'out')], log.stream);
      expect(code, log.text()).to.equal(0);
      expect(log.text()).to.include(`on 40 sentences of ${dir}`);
      expect(log.text()).to.match(/best validation accuracy \d+\.\d% on 20 sentences/);
      expect(log.text()).to.match(
        /MiniTorch's goal, > 70% best validation accuracy on its 450\/100 split: (not )?reached/,
      );
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('demo Errors: --task sentiment wants both files, an SST-2 folder with train.tsv and dev.tsv, and a GloVe file', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'minitorch-demo-sst2-'));
    try {
      const empty = path.join(dir, 'empty');
      fs.mkdirSync(empty);
      fs.writeFileSync(path.join(dir, 'train.tsv'), 'sentence\tlabel\n');
      fs.writeFileSync(path.join(dir, 'dev.tsv'), 'sentence\tlabel\n');
      const cases: Array<[string[], RegExp]> = [
        [['--sst2', dir], /give both --sst2 DIR and --glove FILE, or neither/],
        [['--glove', 'x.txt'], /give both --sst2 DIR and --glove FILE, or neither/],
        [['--sst2', empty, '--glove', 'x.txt'], /--sst2 .*empty: no train\.tsv there/],
        [['--sst2', dir, '--glove', path.join(dir, 'x.txt')], /--glove .*x\.txt: not a file/],
      ];
      for (const [flags, message] of cases) {
        const log = capture();
        const { code } = await main(['--task', 'sentiment', ...flags], log.stream);
        expect(code, log.text()).to.equal(2);
        expect(log.text()).to.match(message);
        expect(log.text()).to.not.include('training --task');
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('Demo from the command line', () => {
  // In a fresh process, as a user runs it: the in-process tests above share this process's
  // backend registry, which other suites have already filled, so they cannot catch a demo
  // that forgets to load a backend.
  const demo = path.join(__dirname, '../scripts/demo.js');

  it('npm run demo starts from the built demo without compiling anything when it is up to date', function () {
    // `npm run demo` used to compile the whole test tree before every run (most of a minute).
    // The tests run after a build, so the launcher must find the demo up to date.
    this.timeout(60_000);
    const launcher = path.join(__dirname, '../../scripts/demo-launch.js');
    const r = spawnSync(process.execPath, [launcher, '--help'], { encoding: 'utf8', timeout: 50_000 });
    expect(r.status, r.stderr).to.equal(0);
    expect(r.stdout).to.include('usage: npm run demo');
    expect(r.stderr).to.not.include('compiling');
    const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, '../../package.json'), 'utf8')) as {
      scripts: Record<string, string>;
    };
    expect(pkg.scripts.demo).to.equal('node scripts/demo-launch.js');
  });

  // Each named after the last task it needs: the GPU kernels (3.4) for the 2-D task, LeNet
  // training (4.5) for MNIST, as the in-process demo tests above are.
  for (const [task, args] of [
    ['3.4', ['--backend', 'gpu', '--dataset', 'simple', '--n', '20', '--hidden', '4', '--epochs', '5']],
    ['4.5', ['--task', 'mnist', '--backend', 'gpu', '--n', '100', '--epochs', '1']],
  ] as const) {
    it(`Task ${task} npm run demo -- ${args.join(' ')} runs in a new process`, function () {
      this.timeout(180_000);
      const out = fs.mkdtempSync(path.join(os.tmpdir(), 'minitorch-demo-cli-'));
      try {
        const r = spawnSync(process.execPath, [demo, ...args, '--out', out], { encoding: 'utf8', timeout: 170_000 });
        expect(r.status, `${r.stdout}${r.stderr}`.slice(-2000)).to.equal(0);
        expect(r.stdout).to.include('charts written:');
        expect(fs.readdirSync(out).filter((f) => f.endsWith('.svg')).length).to.be.at.least(3);
      } finally {
        fs.rmSync(out, { recursive: true, force: true });
      }
    });
  }
});
