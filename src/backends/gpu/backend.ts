/**
 * The GPU backend (Module 3, Tasks 3.3–3.4): the same `TensorBackend` as Simple and Fast,
 * with every map, zip, reduce and matmul run as a WGSL compute shader.
 *
 * Memory: a tensor's values live in a device buffer (float32), referred to by id. Results
 * stay on the device from op to op; they are read back (and converted to float64) only when
 * something asks for `storage`, e.g. `item()`, `toString()` or `toArray()`, and that copy is
 * cached. Host data is converted to float32 when it is uploaded. The device holds at most a
 * budget of buffers: past it, the least recently used are spilled to host memory and come
 * back when used (`memory.ts` says why a garbage-collection hook alone cannot bound it).
 *
 * Convolutions run the WGSL `convShader` (1-D as 2-D of height 1; `conv.ts` cuts them into
 * pieces that fit the device), or, where `gpuHooks.convShader` gives no shader, the fast CPU
 * backend (download the inputs, convolve, upload): the course layer uses that while the
 * shader is still an exercise stub.
 *
 * @packageDocumentation
 */
import { getBackend } from '../registry';
import {
  Shape,
  formatShape,
  Strides,
  TensorData,
  alignedStrides,
  checkBroadcastTo,
  shapeBroadcast,
  shapeSize,
  stridesFromShape,
} from '../../tensorData';
import { BinaryOp, ReduceOp, TensorBackend, UnaryOp, matmulShape, normalizeDim, reducedShape } from '../../tensorOps';

import {
  PRACTICE_BLOCK,
  TILE,
  WORKGROUP_SIZE,
  convShader,
  mapShader,
  matmulShader,
  mmPracticeShader,
  reduceShader,
  sumPracticeShader,
  zipShader,
} from './kernels';

import { GpuBuffer, GpuTensorData, gpuBridge, limits } from './buffers';
import { KernelPlan, Operand, groups1d, launch, loopBudget } from './dispatch';
import { convPieces } from './conv';
import { checkInt, checkNumbers } from '../../validate';

/**
 * Hooks the layer above the backend may replace. `convShader`: the WGSL convolution shader to
 * run, or null to convolve on the fast CPU backend instead (`course/progress.ts` returns null
 * while the shader is an exercise stub).
 */
export const gpuHooks: { convShader: () => string | null } = { convShader: () => convShader() };

/** Which binary op joins two partial results of a reduction. */
const COMBINE: Record<ReduceOp, BinaryOp> = { sum: 'add', max: 'max', prod: 'mul' };

/**
 * The most values, `stride` apart, that one binding holds (at least 1): how far a kernel may
 * read along a reduced or shared dim in one piece.
 */
export function spanFits(stride: number): number {
  const values = Math.floor(limits().maxStorageBufferBindingSize / 4);
  return stride === 0 ? Infinity : Math.max(1, Math.floor((values - 1) / stride) + 1);
}

/** A new view of `t`'s buffer. */
function view(t: GpuTensorData, shape: Shape, strides: Strides = stridesFromShape(shape)): GpuTensorData {
  return new GpuTensorData(t.buffer, shape, strides, undefined, t.offset);
}

/** The WebGPU backend. */
export class GpuBackend implements TensorBackend {
  readonly name = 'gpu';

  /** The adapter in use (starts the device if needed). */
  get description(): string {
    return gpuBridge().description;
  }

  zeros(shape: Shape): TensorData {
    return new GpuTensorData(new GpuBuffer(shapeSize(shape)), shape);
  }

  upload(host: TensorData): GpuTensorData {
    if (host instanceof GpuTensorData) return host;
    return new GpuTensorData(new GpuBuffer(host.size, host.toFlatArray()), host.shape);
  }

  map(op: UnaryOp, a: TensorData, outShape?: Shape): TensorData {
    const shape = outShape ?? a.shape;
    checkBroadcastTo(a.shape, shape);
    const x = this.upload(a);
    const input: Operand = {
      buffer: x.buffer,
      offset: x.offset,
      strides: alignedStrides(x.shape, x.strides, shape),
      inner: 1,
    };
    const plan: KernelPlan = {
      what: `${op} of ${formatShape(shape)}`,
      code: mapShader(op),
      info: (s, [i]) => [shapeSize(s), s.length, ...s, ...i.strides],
      groups: (s) => groups1d(Math.ceil(shapeSize(s) / WORKGROUP_SIZE)),
    };
    return launch(plan, [input], shape);
  }

  zip(op: BinaryOp, a: TensorData, b: TensorData): TensorData {
    const shape = shapeBroadcast(a.shape, b.shape);
    const x = this.upload(a);
    const y = this.upload(b);
    const operand = (t: GpuTensorData): Operand => ({
      buffer: t.buffer,
      offset: t.offset,
      strides: alignedStrides(t.shape, t.strides, shape),
      inner: 1,
    });
    const plan: KernelPlan = {
      what: `${op} of ${formatShape(a.shape)} and ${formatShape(b.shape)}`,
      code: zipShader(op),
      info: (s, [i, j]) => [shapeSize(s), s.length, ...s, ...i.strides, ...j.strides],
      groups: (s) => groups1d(Math.ceil(shapeSize(s) / WORKGROUP_SIZE)),
    };
    return launch(plan, [operand(x), operand(y)], shape);
  }

  reduce(op: ReduceOp, a: TensorData, dim: number): TensorData {
    const d = normalizeDim(dim, a.shape);
    const x = this.upload(a);
    return this.reduceFrom(
      op,
      x.buffer,
      x.offset,
      x.shape,
      x.strides,
      d,
      `${op} over dim ${d} of ${formatShape(a.shape)}`,
    );
  }

  /**
   * Reduce along `d` the elements of `buffer` from `offset` on, seen with `shape` and `strides`.
   * One workgroup folds a whole reduced dim, WORKGROUP_SIZE values per loop iteration; where
   * that is more iterations than the loop budget allows, the dim is cut into chunks: first
   * the chunks are reduced (a view with the dim split in two), then their results, and the
   * remainder that makes no whole chunk is reduced on its own and combined.
   */
  private reduceFrom(
    op: ReduceOp,
    buffer: GpuBuffer,
    offset: number,
    shape: Shape,
    strides: Strides,
    d: number,
    what: string,
  ): GpuTensorData {
    const n = shape[d];
    const s = strides[d];
    const outShape = reducedShape(shape, d);
    // Values one workgroup folds at most: by the loop budget, and so that they fit one binding.
    const chunk = Math.min(loopBudget() * WORKGROUP_SIZE, spanFits(s));
    if (n > chunk && chunk === 1) {
      // Not even two values of the dim fit one binding: fold its slices one by one.
      const one = [...outShape.slice(0, d), 1, ...outShape.slice(d + 1)];
      let acc = this.reduceFrom(op, buffer, offset, one, strides, d, what);
      for (let k = 1; k < n; k++) {
        const next = this.reduceFrom(op, buffer, offset + k * s, one, strides, d, what);
        acc = this.zip(COMBINE[op], acc, next) as GpuTensorData;
      }
      return acc;
    }
    if (n > chunk) {
      const q = Math.floor(n / chunk);
      const r = n - q * chunk;
      const splitShape = [...shape.slice(0, d), q, chunk, ...shape.slice(d + 1)];
      const splitStrides = [...strides.slice(0, d), chunk * s, s, ...strides.slice(d + 1)];
      const chunks = this.reduceFrom(op, buffer, offset, splitShape, splitStrides, d + 1, what);
      const folded = this.reduce(op, view(chunks, [...shape.slice(0, d), q, ...shape.slice(d + 1)]), d);
      if (r === 0) return folded as GpuTensorData;
      const rest = this.reduceFrom(
        op,
        buffer,
        offset + q * chunk * s,
        [...outShape.slice(0, d), r, ...outShape.slice(d + 1)],
        strides,
        d,
        what,
      );
      return this.zip(COMBINE[op], folded, rest) as GpuTensorData;
    }
    const input: Operand = { buffer, offset, strides: Array.from(strides), inner: 1 + Math.max(0, n - 1) * s };
    const plan: KernelPlan = {
      what,
      code: reduceShader(op),
      info: (o, [i]) => [shapeSize(o), o.length, n, s, ...o, ...i.strides],
      groups: (o) => groups1d(shapeSize(o)),
    };
    return launch(plan, [input], outShape);
  }

  matmul(a: TensorData, b: TensorData): TensorData {
    const shape = matmulShape(a.shape, b.shape);
    const x = this.upload(a);
    const y = this.upload(b);
    const batch = shape.slice(0, -2);
    const m = a.shape[a.dims - 1];
    // Strides along the output's dims [...batch, n, p], then along the shared dim.
    const xs = [...alignedStrides(x.shape.slice(0, -2), x.strides.slice(0, -2), batch), x.strides[x.dims - 2], 0];
    const ys = [...alignedStrides(y.shape.slice(0, -2), y.strides.slice(0, -2), batch), 0, y.strides[y.dims - 1]];
    const what = `matmul of ${formatShape(a.shape)} and ${formatShape(b.shape)}`;
    return this.matmulFrom(
      { buffer: x.buffer, offset: x.offset, strides: xs, inner: 0 },
      { buffer: y.buffer, offset: y.offset, strides: ys, inner: 0 },
      shape,
      m,
      x.strides[x.dims - 1],
      y.strides[y.dims - 2],
      what,
    );
  }

  /**
   * The matmul of operands `x` and `y` (strides along the output's dims) over a shared dim of
   * `m`, with strides `xm` and `ym` along it. A shared dim longer than the tile loop's budget
   * is cut into chunks, as `reduceFrom` cuts a reduced dim: the chunks become a leading batch
   * dim whose products are summed, and the remainder is one more product, added.
   */
  private matmulFrom(
    x: Operand,
    y: Operand,
    shape: Shape,
    m: number,
    xm: number,
    ym: number,
    what: string,
  ): GpuTensorData {
    // The shared dim's values one piece reads: by the loop budget, and so that both spans fit one binding.
    const fit = Math.min(loopBudget() * TILE, spanFits(xm), spanFits(ym));
    const chunk = fit >= 64 ? fit - (fit % 64) : fit;
    if (m > chunk) {
      const q = Math.floor(m / chunk);
      const r = m - q * chunk;
      const shift = (op: Operand, sm: number, k: number): Operand => ({ ...op, offset: op.offset + k * chunk * sm });
      let summed: GpuTensorData;
      if (q * shapeSize(shape) * 4 <= limits().maxStorageBufferBindingSize) {
        // The chunks as a leading batch dim: one run for all their products, one reduction.
        const lead = (op: Operand, sm: number): Operand => ({ ...op, strides: [chunk * sm, ...op.strides] });
        const products = this.matmulFrom(lead(x, xm), lead(y, ym), [q, ...shape], chunk, xm, ym, what);
        summed = view(this.reduce('sum', products, 0) as GpuTensorData, shape);
      } else {
        // Too many products to hold at once: add them up one chunk at a time.
        summed = this.matmulFrom(x, y, shape, chunk, xm, ym, what);
        for (let k = 1; k < q; k++) {
          const part = this.matmulFrom(shift(x, xm, k), shift(y, ym, k), shape, chunk, xm, ym, what);
          summed = this.zip('add', summed, part) as GpuTensorData;
        }
      }
      if (r === 0) return summed;
      return this.zip(
        'add',
        summed,
        this.matmulFrom(shift(x, xm, q), shift(y, ym, q), shape, r, xm, ym, what),
      ) as GpuTensorData;
    }
    const bd = shape.length - 2;
    const inner = (sm: number) => 1 + Math.max(0, m - 1) * sm;
    const plan: KernelPlan = {
      what,
      code: matmulShader(),
      info: (o, [i, j]) => [
        o[bd],
        m,
        o[bd + 1],
        bd,
        ...o.slice(0, bd),
        ...i.strides.slice(0, bd),
        ...j.strides.slice(0, bd),
        i.strides[bd],
        xm,
        ym,
        j.strides[bd + 1],
      ],
      groups: (o) => [Math.ceil(o[bd + 1] / TILE) || 1, Math.ceil(o[bd] / TILE) || 1, shapeSize(o.slice(0, bd))],
    };
    return launch(
      plan,
      [
        { ...x, inner: inner(xm) },
        { ...y, inner: inner(ym) },
      ],
      shape,
    );
  }

  conv1d(input: TensorData, weight: TensorData, outShape: Shape, reverse: boolean): TensorData {
    return this.conv(1, input, weight, outShape, reverse);
  }

  conv2d(input: TensorData, weight: TensorData, outShape: Shape, reverse: boolean): TensorData {
    return this.conv(2, input, weight, outShape, reverse);
  }

  /** A `dims`-D convolution with the shader of `gpuHooks.convShader`, or on the CPU without one. */
  private conv(dims: 1 | 2, input: TensorData, weight: TensorData, outShape: Shape, reverse: boolean): TensorData {
    const code = gpuHooks.convShader();
    if (code === null) {
      // The fast CPU backend convolves (reading the inputs back); the result goes up again.
      const cpu = getBackend('fast');
      return this.upload(cpu[dims === 1 ? 'conv1d' : 'conv2d'](input, weight, outShape, reverse));
    }
    const x = this.upload(input);
    const w = this.upload(weight);
    // A 1-D convolution is a 2-D one of height 1: insert that dim (size 1, stride 0).
    const as2d = (v: readonly number[], fill: number) => (dims === 1 ? [v[0], v[1], fill, v[2]] : Array.from(v));
    const shape4 = as2d(outShape, 1);
    const what = `conv${dims}d of ${formatShape(input.shape)} with ${formatShape(weight.shape)}`;
    const out = convPieces(
      {
        what,
        code,
        x,
        w,
        out: shape4,
        xShape: as2d(x.shape, 1),
        xs: as2d(x.strides, 0),
        wShape: as2d(w.shape, 1),
        ws: as2d(w.strides, 0),
        reverse,
      },
      (p, q) => this.zip('add', p, q) as GpuTensorData,
    );
    return view(out, outShape);
  }
}

/**
 * Practice kernel (MiniTorch's `sum_practice`): block sums of a 1-D array, one per
 * PRACTICE_BLOCK values, computed in workgroup memory.
 */
export function sumPractice(values: ArrayLike<number>): Float64Array {
  checkNumbers('sumPractice', 'values', values);
  const a = new GpuBuffer(values.length, values, 'sumPractice');
  const blocks = Math.max(1, Math.ceil(values.length / PRACTICE_BLOCK));
  const plan: KernelPlan = {
    what: `sumPractice of ${values.length} values`,
    code: sumPracticeShader(),
    // A piece of blocks starts at its input's offset: the values left from there.
    info: (o, [i]) => [Math.min(o[0] * PRACTICE_BLOCK, values.length - i.offset)],
    groups: (o) => [o[0], 1, 1],
  };
  const input: Operand = { buffer: a, offset: 0, strides: [PRACTICE_BLOCK], inner: PRACTICE_BLOCK };
  return launch(plan, [input], [blocks]).buffer.read();
}

/**
 * Practice kernel (MiniTorch's `mm_practice`): the product of two size×size matrices
 * (row-major, size ≤ PRACTICE_BLOCK) in one workgroup's shared memory.
 */
export function mmPractice(a: ArrayLike<number>, b: ArrayLike<number>, size: number): Float64Array {
  checkNumbers('mmPractice', 'a', a);
  checkNumbers('mmPractice', 'b', b);
  checkInt('mmPractice', 'size', size, 1);
  if (size < 1 || size > PRACTICE_BLOCK || a.length !== size * size || b.length !== size * size) {
    throw new RangeError(
      `mmPractice: needs two ${size}×${size} matrices with 1 ≤ size ≤ ${PRACTICE_BLOCK}, got ${a.length} and ${b.length} values`,
    );
  }
  const operand = (v: ArrayLike<number>): Operand => ({
    buffer: new GpuBuffer(v.length, v, 'mmPractice'),
    offset: 0,
    strides: [0, 0],
    inner: size * size,
  });
  const plan: KernelPlan = {
    what: `mmPractice of two ${size}×${size} matrices`,
    code: mmPracticeShader(),
    info: () => [size],
    groups: () => [1, 1, 1],
    splittable: 0,
  };
  return launch(plan, [operand(a), operand(b)], [size, size]).buffer.read();
}
