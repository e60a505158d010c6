/**
 * Loaded into the MiniTorch kernel (`--require`, from the kernelspec's NODE_OPTIONS; see
 * scripts/jupyter.ts): shows an error thrown by a cell without tslab's own stack frames.
 *
 * tslab prints a failed cell's error with `console.error(error)`, i.e. `util.inspect`, and the
 * stack then ends in a dozen frames of `node_modules/tslab/dist/…` and `node:vm`, which say
 * nothing to a student. The frames that matter, the library's `src/*.ts` lines (source maps
 * are on) and the cell's own, are kept. Plain JavaScript: it must load before anything is
 * compiled, and it changes only how errors are displayed in the kernel process.
 */
'use strict';
const util = require('util');

/** A stack frame of the kernel's machinery rather than of the cell or the library. */
const KERNEL_FRAME =
  /^\s+at .*(?:[/\\]node_modules[/\\]tslab[/\\]|node:vm:|node:internal[/\\]|sigintHandlersWrap|runInThisContext)/;

Object.defineProperty(Error.prototype, util.inspect.custom, {
  configurable: true,
  writable: true,
  value: function inspectWithoutKernelFrames() {
    const stack = typeof this.stack === 'string' ? this.stack : `${this.name}: ${this.message}`;
    return stack
      .split('\n')
      .filter((line) => !KERNEL_FRAME.test(line))
      .join('\n');
  },
});
