/**
 * Module 3 — the fast backend's tuning constants: where a call stops staying on the calling
 * thread, where the SIMD kernel starts paying, and how large a matmul block is. Each is a
 * trade-off measured on the dev machine (the README's benchmark section has the numbers);
 * the comments say what each one trades.
 *
 * @packageDocumentation
 */
import type { BinaryOp, UnaryOp } from '../../tensorOps';

/**
 * Below this much work (in elementwise-op units) a call stays on the calling thread: handing a
 * chunk to a helper and waking it up costs as much as tens of thousands of elementwise ops, so
 * two threads only win well past that (the module3 notebook times the sweep). Cheap elementwise
 * ops stay on the calling thread at any size, see `COMPUTE_BOUND`.
 */
export const PARALLEL_THRESHOLD = 1 << 17;

/**
 * Multiply-adds of the fused matmul/conv loops that cost as much as one elementwise op (a
 * named function call per element): a multiply-add in a tight loop is several times cheaper.
 */
export const MULTIPLY_ADDS_PER_OP = 6;

/**
 * Matmuls with at least this many multiply-adds use the SIMD kernel when it is available:
 * below it, copying the operands into WebAssembly memory costs more than SIMD saves
 * (e.g. the 10×100 @ 100×100 products of the training demo stay in TypeScript).
 */
export const SIMD_MIN_MULTIPLY_ADDS = 1 << 15;

/**
 * Elementwise ops that go to the workers when large: those whose scalar function costs far
 * more than a copy of its operands (a transcendental function). A worker reads and writes only
 * shared memory, and most operands are earlier results in plain memory, so handing an op over
 * copies its operands into shared memory and the worker's share of the result back. For the
 * cheap ops those copies cost about what the second core saves: they go to the workers only
 * when nothing is copied (see `NO_COPY_ADVANTAGE`), which inside `tidy` is the rule.
 */
export const COMPUTE_BOUND: ReadonlySet<UnaryOp | BinaryOp> = new Set<UnaryOp | BinaryOp>([
  'exp',
  'log',
  'sigmoid',
  'sigmoidBack',
  'sin',
  'cos',
  'pow',
]);

/**
 * How much sooner (in size) a cheap elementwise op goes to the workers when nothing
 * has to be copied for them: every operand already in shared memory and the result written in
 * place (inside `tidy`, see `FastBackend.compute`). Waking a helper is then all it costs, so
 * a quarter of `PARALLEL_THRESHOLD` (32k values, e.g. a conv layer's 100k activations) pays.
 */
export const NO_COPY_ADVANTAGE = 4;

/** How many times faster the SIMD kernel does multiply-adds than the TypeScript loop. */
export const SIMD_SPEEDUP = 4;

/** Bytes of `b` kept hot per k-block in matmul (about a core's L2 cache). */
export const MATMUL_BLOCK_BYTES = 256 * 1024;
