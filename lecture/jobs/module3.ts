/** Module 3's matmul sweep: n×n matmuls on each backend that runs here, median milliseconds. */
import { getBackend } from '../../src/backends/registry';
import { rand } from '../../src/tensor';
import type { JobContext } from './context';

export async function matmulSweep(ctx: JobContext): Promise<unknown> {
  const sizes = ctx.str('sizes', '16,32,64,128').split(',').map(Number);
  if (sizes.some((n) => !Number.isInteger(n) || n < 1 || n > 1024))
    throw new RangeError(`sizes must be integers from 1 to 1024, got "${ctx.str('sizes', '')}"`);
  const repeats = ctx.num('repeats', 3, { min: 1, max: 20, integer: true });
  const names = (['simple', 'fast', 'gpu'] as const).filter(
    (b) => b === 'simple' || (b === 'fast' ? ctx.backend !== 'simple' : ctx.backend === 'gpu'),
  );
  const rows: Array<{ backend: string; n: number; ms: number }> = [];
  for (const n of sizes) {
    for (const name of names) {
      await ctx.turn();
      const backend = getBackend(name);
      const a = rand([n, n], { backend, seed: 1 });
      const b = rand([n, n], { backend, seed: 2 });
      a.matmul(b).toFlatArray(); // warm up: the first call compiles the kernel
      const times: number[] = [];
      for (let r = 0; r < repeats; r++) {
        const start = performance.now();
        a.matmul(b).toFlatArray();
        times.push(performance.now() - start);
      }
      times.sort((x, y) => x - y);
      const row = { backend: name, n, ms: times[times.length >> 1] };
      rows.push(row);
      ctx.emit(row);
    }
  }
  return { rows };
}
