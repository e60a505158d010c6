/**
 * Launching a kernel at any size: the device's limits (workgroups per dimension, storage
 * binding size, loop iterations per invocation) and the splitting of one kernel's output
 * into pieces that fit them, each binding only the part of each buffer it reads.
 *
 * @packageDocumentation
 */

import { Shape, shapeSize, stridesFromShape } from '../../tensorData';

import { GpuBinding } from './bridge';

import { MAX_GROUPS } from './kernels';

import { GpuBuffer, GpuTensorData, gpuBridge, limits } from './buffers';

/**
 * Loop iterations a kernel may spend on the part of its work that grows with the tensor (the
 * reduced dim, the matmul's shared dim, the convolution's taps): a quarter of what the driver
 * allows, leaving the rest to the kernel's other loops (index arithmetic, a tile loop the
 * compiler did not unroll).
 */
export function loopBudget(): number {
  return Math.max(64, Math.floor(limits().maxLoopIterations / 4));
}

/**
 * A kernel operand: `buffer` read from element `offset` on, with a stride per dim of the
 * output it serves (0 where the output's index does not move it) and `inner` elements read
 * for each output position (the reduced dim, a matmul row, a convolution window).
 */
export interface Operand {
  buffer: GpuBuffer;
  offset: number;
  strides: number[];
  inner: number;
}

/** Elements of an operand's buffer that a piece of output of `shape` reads, from its offset. */
export function extent(op: Operand, shape: Shape): number {
  return shape.reduce((n, k, d) => n + Math.max(0, k - 1) * op.strides[d], Math.max(1, op.inner));
}

/** A 1-D kernel's workgroup grid for `n` workgroups: rows of MAX_GROUPS (the kernels' GLOBAL_INDEX). */
export function groups1d(n: number): [number, number, number] {
  return [Math.max(1, Math.min(n, MAX_GROUPS)), Math.max(1, Math.ceil(n / MAX_GROUPS)), 1];
}

/** How one kernel runs: its source, its info for a piece of output, and its workgroup grid. */
export interface KernelPlan {
  /** Names the op in errors, e.g. "sum over dim 1 of [3, 5000000]". */
  what: string;
  code: string;
  info: (shape: Shape, operands: Operand[]) => number[];
  groups: (shape: Shape) => [number, number, number];
  /** How many leading dims of the output may be split (the others each piece covers whole). */
  splittable?: number;
}

/**
 * Run a kernel over an output of `outShape` (contiguous, in a new buffer), in as many
 * dispatches as the device's limits need. The output is cut along its leading dims into
 * pieces whose workgroup grid and bindings fit: as many indices of a dim per piece as fit
 * (a multiple of 64, so that offsets stay aligned), or one index at a time and the next dim
 * cut the same way. Each piece binds only the part of each buffer it reads, at an offset (or
 * a copy of that part, where the offset is not aligned for a binding). A student's kernel
 * needs no change for this: each piece is a whole, smaller problem of the same kind.
 * With `into`, the output is written there instead (a region of an existing buffer, with its
 * strides), in pieces that are each one run of memory.
 */
export function launch(plan: KernelPlan, inputs: Operand[], outShape: Shape, into?: Operand): GpuTensorData {
  // Inputs first: bringing one back from the host must not push out the new output.
  inputs.forEach((op) => op.buffer.use());
  const size = shapeSize(outShape);
  // Every piece below writes its part of a new output: a reused buffer need not be cleared.
  const out = new GpuTensorData(into?.buffer ?? new GpuBuffer(size, undefined, plan.what, true), outShape);
  if (size === 0) return out;
  const lim = limits();
  const outOp: Operand = into ?? { buffer: out.buffer, offset: 0, strides: stridesFromShape(outShape), inner: 1 };
  const splittable = plan.splittable ?? outShape.length;
  const fits = (shape: Shape, ops: Operand[]): boolean =>
    plan.groups(shape).every((g) => g <= lim.maxComputeWorkgroupsPerDimension) &&
    ops.every((op) => extent(op, shape) * 4 <= lim.maxStorageBufferBindingSize) &&
    contiguous(shape, ops[ops.length - 1].strides);
  const visit = (shape: number[], ops: Operand[]): void => {
    if (fits(shape, ops)) {
      runPiece(plan, shape, ops);
      return;
    }
    const d = shape.findIndex((k, i) => k > 1 && i < splittable);
    if (d < 0) {
      const worst = Math.max(...ops.map((op) => extent(op, shape) * 4));
      throw new RangeError(
        `${plan.what}: too large for this GPU: one piece of it binds ${worst} bytes, over maxStorageBufferBindingSize (${lim.maxStorageBufferBindingSize} bytes), or needs more than ${lim.maxComputeWorkgroupsPerDimension} workgroups per dimension; use the fast backend for it`,
      );
    }
    const at = (k: number) => shape.map((v, i) => (i === d ? k : v));
    // The most indices of dim d that one piece may take (fits is monotone in it).
    let lo = 0;
    let hi = shape[d] - 1;
    while (lo < hi) {
      const mid = Math.ceil((lo + hi) / 2);
      if (fits(at(mid), ops)) lo = mid;
      else hi = mid - 1;
    }
    const step = lo >= 64 ? lo - (lo % 64) : Math.max(1, lo);
    for (let k0 = 0; k0 < shape[d]; k0 += step) {
      const shifted = ops.map((op) => ({ ...op, offset: op.offset + k0 * op.strides[d] }));
      visit(at(Math.min(step, shape[d] - k0)), shifted);
    }
  };
  visit([...outShape], [...inputs, outOp]);
  return out;
}

/** Whether a piece of `shape` with these strides is one run of memory (a kernel writes its output so). */
function contiguous(shape: Shape, strides: number[]): boolean {
  let run = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    if (shape[d] === 1) continue;
    if (strides[d] !== run) return false;
    run *= shape[d];
  }
  return true;
}

/** One dispatch of `plan` for a piece of output of `shape` (the last operand is the output). */
export function runPiece(plan: KernelPlan, shape: Shape, ops: Operand[]): void {
  const keep: GpuBuffer[] = [];
  const lim = limits();
  const outOp = ops[ops.length - 1];
  const bindings: GpuBinding[] = ops.slice(0, -1).map((op) => {
    const id = op.buffer.use();
    const bytes = Math.min(extent(op, shape) * 4, op.buffer.length * 4 - op.offset * 4);
    if (op.offset === 0 && op.buffer.length * 4 <= lim.maxStorageBufferBindingSize) return id;
    if ((op.offset * 4) % lim.minStorageBufferOffsetAlignment === 0) return { id, offset: op.offset * 4, size: bytes };
    // Not aligned for a binding: copy the part this piece reads into a buffer of its own.
    const part = new GpuBuffer(bytes / 4);
    keep.push(part);
    gpuBridge().call({ op: 'copy', from: id, fromOffset: op.offset * 4, to: part.use(), toOffset: 0, bytes });
    return part.use();
  });
  const outBytes = shapeSize(shape) * 4;
  let outBinding: GpuBinding = outOp.buffer.use();
  let part: GpuBuffer | null = null;
  if (outOp.offset !== 0 || outOp.buffer.length * 4 > lim.maxStorageBufferBindingSize) {
    if ((outOp.offset * 4) % lim.minStorageBufferOffsetAlignment === 0) {
      outBinding = { id: outBinding, offset: outOp.offset * 4, size: outBytes };
    } else {
      part = new GpuBuffer(outBytes / 4);
      outBinding = part.use();
    }
  }
  // Bring the inputs back to the device (and mark them used) once more: the copies above may have spilled them.
  ops.slice(0, -1).forEach((op) => op.buffer.use());
  gpuBridge().run({
    op: 'run',
    code: plan.code,
    buffers: [...bindings, outBinding],
    info: Uint32Array.from(plan.info(shape, ops)),
    groups: plan.groups(shape),
  });
  if (part !== null) {
    gpuBridge().call({
      op: 'copy',
      from: part.use(),
      fromOffset: 0,
      to: outOp.buffer.use(),
      toOffset: outOp.offset * 4,
      bytes: outBytes,
    });
  }
  keep.length = 0;
}
