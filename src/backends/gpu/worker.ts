/**
 * The GPU worker thread: owns the WebGPU device (Dawn, from the npm package `webgpu`) and
 * carries out the main thread's commands on buffers it keeps by id.
 *
 * Why a worker: WebGPU hands results back asynchronously (`mapAsync`), and Dawn resolves
 * its promises only while an event loop runs. The tensor API is synchronous, so the main
 * thread sends a command and sleeps in `Atomics.wait`; this thread's own event loop keeps
 * Dawn going, answers on a `MessagePort`, and wakes the main thread (see `bridge.ts`).
 *
 * @packageDocumentation
 */
/// <reference types="@webgpu/types" />
import { platform } from '../../platform';
import { GpuCommand, GpuLimits, GpuReply, NO_ADAPTER_HELP, deviceLostMessage } from './bridge';

const side = platform.workerSide();
if (side === null) throw new Error('the GPU worker script runs only as a worker (see bridge.ts)');
const { flag, port } = side.data as { flag: Int32Array; port: { postMessage(message: unknown): void } };

let device: GPUDevice | null = null;
/**
 * The `GPU` instances must stay reachable for the device's whole life: Dawn tears the
 * instance down when JavaScript collects it, and the process then crashes on the next
 * command (seen as a segfault or "std::system_error: Invalid argument" after a few hundred ops).
 */
const instances: GPU[] = [];
let description = '';
/** The device's limits that decide how the backend splits its work (see `GpuLimits`). */
let limits: GpuLimits | null = null;
let pendingError: string | undefined;
/** The error of a command sent without waiting for its answer (`GpuBridge.post`), for the next call's reply. */
let deferredError: string | undefined;
/** Kernels submitted since the queue last drained (see `run`). */
let inFlight = 0;
const MAX_IN_FLIGHT = Number(platform.env('MINITORCH_GPU_MAX_IN_FLIGHT') ?? 64);

/** A kernel waiting in the batch: its pipeline, its buffers' bindings, its info words and grid. */
interface Recorded {
  pipeline: GPUComputePipeline;
  bindings: GPUBufferBinding[];
  info: Uint32Array;
  groups: [number, number, number];
}

/**
 * Kernels recorded since the last submission, sent as one command buffer by `flush`. A
 * submission costs far more than a dispatch (on OpenGL ES, Dawn flushes and fences each one),
 * and a training step is hundreds of small kernels. The kernels run in the order recorded, one
 * compute pass, whose dispatches WebGPU orders storage accesses between, so a batch computes
 * what one submission per kernel did. Their info words share one buffer, at offsets: a buffer
 * per kernel cost more than the kernel. Anything else that touches the queue (a write, a copy,
 * a read, a drain) flushes first, so it sees every kernel sent before it.
 */
let batch: Recorded[] = [];
/** Most kernels in one batch: the device starts on them while more are recorded. */
const MAX_BATCH = 32;

/** Submit the recorded kernels, if any. */
function flush(): void {
  const dev = device;
  const kernels = batch;
  batch = [];
  if (kernels.length === 0 || dev === null) return;
  // Each kernel's info words at an offset the device can bind.
  const align = dev.limits.minStorageBufferOffsetAlignment;
  const offsets: number[] = [];
  let bytes = 0;
  for (const k of kernels) {
    offsets.push(bytes);
    bytes += Math.ceil(Math.max(4, k.info.byteLength) / align) * align;
  }
  const info = dev.createBuffer({ size: bytes, usage: GPUBufferUsage.STORAGE, mappedAtCreation: true });
  const words = new Uint32Array(info.getMappedRange());
  kernels.forEach((k, i) => words.set(k.info, offsets[i] / 4));
  info.unmap();
  const encoder = dev.createCommandEncoder();
  const pass = encoder.beginComputePass();
  kernels.forEach((k, i) => {
    const entries: GPUBindGroupEntry[] = k.bindings.map((resource, binding) => ({ binding, resource }));
    entries.push({
      binding: k.bindings.length,
      resource: { buffer: info, offset: offsets[i], size: Math.max(4, k.info.byteLength) },
    });
    pass.setPipeline(k.pipeline);
    pass.setBindGroup(0, dev.createBindGroup({ layout: k.pipeline.getBindGroupLayout(0), entries }));
    pass.dispatchWorkgroups(...k.groups);
  });
  pass.end();
  dev.queue.submit([encoder.finish()]);
  info.destroy();
}
/** Whether a `flush` is already scheduled after the queued messages (see the `run` command). */
let flushScheduled = false;
const buffers = new Map<number, GPUBuffer>();
const pipelines = new Map<string, GPUComputePipeline>();
/**
 * Released buffers kept for reuse, by size in bytes: a training loop allocates the same
 * sizes step after step, and reusing a buffer is cheaper than creating one. At most
 * POOL_LIMIT buffers wait here.
 */
const pool = new Map<number, GPUBuffer[]>();
let pooled = 0;
const POOL_LIMIT = 256;
/**
 * Released buffers that work still queued may use: they join the pool when the queue has
 * drained (`settle`). Reusing one at once would make the next write into it (a clear, an
 * upload) wait for that work: on OpenGL ES, Dawn's write into a buffer the device is still
 * using stalls until the device is done, which turned a tidied loop's reuse into a loss.
 */
const settling: GPUBuffer[] = [];

/** The queue has drained: buffers released before now are idle, and go to the pool. */
function settle(): void {
  inFlight = 0;
  for (const b of settling) {
    if (pooled >= POOL_LIMIT) {
      b.destroy();
      continue;
    }
    const list = pool.get(b.size);
    if (list === undefined) pool.set(b.size, [b]);
    else list.push(b);
    pooled += 1;
  }
  settling.length = 0;
}
/**
 * Why the device was lost (e.g. "destroyed: device was destroyed"), once it has been, and the
 * ids of the buffers that went with it: using one of those says what happened.
 */
let lostReason: string | null = null;
const lostIds = new Set<number>();

/** Invocations per workgroup the kernels need (16×16 matmul tiles). */
const NEEDED_INVOCATIONS = 256;

/**
 * The first adapter the host offers (`platform.gpuCandidates()`: in Node the real GPU when
 * there is one, else Mesa's software renderer in compatibility mode). A candidate that throws
 * is passed over, except the last, whose error says most about why there is no adapter.
 */
async function acquire(): Promise<void> {
  let adapter: GPUAdapter | null = null;
  let mode = '';
  const candidates = platform.gpuCandidates();
  for (const [i, candidate] of candidates.entries()) {
    const gpu = candidate.gpu();
    instances.push(gpu);
    try {
      adapter = await gpu.requestAdapter(candidate.options);
    } catch (e) {
      if (i === candidates.length - 1) throw e;
    }
    mode = candidate.mode;
    if (adapter !== null) break;
  }
  if (adapter === null) {
    throw new Error(NO_ADAPTER_HELP);
  }
  const offered = adapter.limits;
  if (offered.maxComputeInvocationsPerWorkgroup < NEEDED_INVOCATIONS) {
    throw new Error(
      `the WebGPU adapter allows ${offered.maxComputeInvocationsPerWorkgroup} invocations per workgroup; the kernels need ${NEEDED_INVOCATIONS}`,
    );
  }
  // Ask for all the buffer size the adapter offers: a device gets WebGPU's defaults otherwise
  // (256 MiB buffers, 128 MiB bindings), however much more the adapter could hold.
  device = await adapter.requestDevice({
    requiredLimits: {
      maxComputeInvocationsPerWorkgroup: NEEDED_INVOCATIONS,
      maxStorageBuffersPerShaderStage: Math.max(4, Math.min(8, offered.maxStorageBuffersPerShaderStage)),
      maxBufferSize: offered.maxBufferSize,
      maxStorageBufferBindingSize: offered.maxStorageBufferBindingSize,
    },
  });
  const got = device.limits;
  limits = {
    maxBufferSize: got.maxBufferSize,
    maxStorageBufferBindingSize: got.maxStorageBufferBindingSize,
    maxComputeWorkgroupsPerDimension: got.maxComputeWorkgroupsPerDimension,
    minStorageBufferOffsetAlignment: got.minStorageBufferOffsetAlignment,
    maxLoopIterations: await loopCap(device),
  };
  // Validation errors surface asynchronously; keep the first and report it with the next
  // answer. (Per-command error scopes would be exact, but awaiting one per dispatch crashes
  // Dawn's OpenGL ES backend in this version.)
  device.onuncapturederror = (event) => {
    pendingError ??= (event as GPUUncapturedErrorEvent).error.message;
  };
  const acquired = device;
  void acquired.lost.then((info) => {
    if (device === acquired) forgetDevice(`${info.reason}: ${info.message}`);
  });
  const info = (adapter as GPUAdapter & { info?: GPUAdapterInfo }).info;
  description = `${info?.description || info?.vendor || 'WebGPU adapter'} (${mode})`;
}

/** Iterations the probe loop is asked for: past this, loops are taken as unbounded. */
const LOOP_PROBE = 1 << 22;

/**
 * How many loop iterations one invocation may run before the driver silently stops its loops:
 * Mesa's llvmpipe ends every loop of an invocation once they have run 65,535 iterations
 * together (`LP_MAX_TGSI_LOOP_ITERATIONS`, its guard against endless loops), with no error;
 * the results are just wrong. Measured by a one-invocation kernel that counts to LOOP_PROBE;
 * Infinity when it gets there (real GPUs have no such cap).
 */
async function loopCap(dev: GPUDevice): Promise<number> {
  const code = /* wgsl */ `
@group(0) @binding(0) var<storage, read_write> out: array<u32>;
@compute @workgroup_size(1)
fn main() {
  var c = 0u;
  loop { if (c >= out[0]) { break; } c = c + 1u; }
  out[1] = c;
}`;
  const pipeline = await dev.createComputePipelineAsync({
    layout: 'auto',
    compute: { module: dev.createShaderModule({ code }), entryPoint: 'main' },
  });
  const buf = dev.createBuffer({
    size: 8,
    usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC,
    mappedAtCreation: true,
  });
  new Uint32Array(buf.getMappedRange()).set([LOOP_PROBE, 0]);
  buf.unmap();
  const encoder = dev.createCommandEncoder();
  const pass = encoder.beginComputePass();
  pass.setPipeline(pipeline);
  pass.setBindGroup(
    0,
    dev.createBindGroup({
      layout: pipeline.getBindGroupLayout(0),
      entries: [{ binding: 0, resource: { buffer: buf } }],
    }),
  );
  pass.dispatchWorkgroups(1);
  pass.end();
  dev.queue.submit([encoder.finish()]);
  const counted = new Uint32Array((await download(dev, [buf])).buffer)[1];
  buf.destroy();
  return counted >= LOOP_PROBE ? Infinity : counted;
}

/**
 * The device was lost (a driver reset, or `destroy()`): everything on it is gone. The next
 * command that needs a device acquires a fresh one, so new tensors work again; tensors that
 * lived on the lost device get an error saying so.
 */
function forgetDevice(reason: string): void {
  lostReason = reason;
  batch = []; // recorded for a device that is gone: nothing to submit
  for (const id of buffers.keys()) lostIds.add(id);
  buffers.clear();
  pool.clear();
  settling.length = 0;
  pooled = 0;
  pipelines.clear();
  inFlight = 0;
  pendingError = undefined;
  device = null;
}

/** The device, acquiring a new one if it was lost. */
async function need(): Promise<GPUDevice> {
  if (device === null && lostReason !== null) await acquire();
  if (device === null) throw new Error('GPU worker: device not initialised');
  return device;
}

function buffer(id: number): GPUBuffer {
  const b = buffers.get(id);
  if (b !== undefined) return b;
  if (lostIds.has(id)) {
    throw new Error(deviceLostMessage(lostReason ?? 'unknown reason'));
  }
  throw new Error(`GPU worker: no buffer ${id} (already destroyed?)`);
}

/** Release a buffer: into the pool for reuse, or destroyed when the pool is full. */
function release(id: number): void {
  lostIds.delete(id);
  const b = buffers.get(id);
  if (b === undefined) return;
  buffers.delete(id);
  if (settling.length >= POOL_LIMIT) {
    flush(); // a recorded kernel may use it: submit them before it goes
    b.destroy();
    return;
  }
  settling.push(b);
}

/** A storage buffer of `bytes`: a pooled one (cleared to zero if `clear`), or a new one (zero already). */
function allocate(dev: GPUDevice, bytes: number, clear: boolean): GPUBuffer {
  const reused = pool.get(bytes)?.pop();
  if (reused === undefined) {
    return dev.createBuffer({
      size: bytes,
      usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST,
    });
  }
  pooled -= 1;
  if (clear) {
    const encoder = dev.createCommandEncoder();
    encoder.clearBuffer(reused);
    dev.queue.submit([encoder.finish()]);
  }
  return reused;
}

/** Copy buffers into one mapped staging buffer and return their values, concatenated. */
async function download(dev: GPUDevice, sources: GPUBuffer[]): Promise<Float32Array> {
  const total = sources.reduce((n, b) => n + b.size, 0);
  const staging = dev.createBuffer({
    size: Math.max(4, total),
    usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
  });
  const encoder = dev.createCommandEncoder();
  let offset = 0;
  for (const b of sources) {
    encoder.copyBufferToBuffer(b, 0, staging, offset, b.size);
    offset += b.size;
  }
  dev.queue.submit([encoder.finish()]);
  await staging.mapAsync(GPUMapMode.READ);
  const data = new Float32Array(staging.getMappedRange().slice(0, total));
  staging.unmap();
  staging.destroy();
  return data;
}

/**
 * Commands that leave an open batch open: a kernel joins it; a new buffer (fresh, or idle in
 * the pool) is not used by any kernel in it, so writing it first is safe; a release only
 * queues the buffer for the pool, which it joins after a drain (which flushes).
 */
const BATCHES: ReadonlySet<GpuCommand['op']> = new Set<GpuCommand['op']>(['run', 'create', 'destroy', 'count']);

/** Run one command; returns the reply's payload. */
async function handle(cmd: GpuCommand): Promise<GpuReply> {
  if (!BATCHES.has(cmd.op)) flush();
  switch (cmd.op) {
    case 'init':
      if (device === null) await acquire();
      return { value: description };
    case 'create': {
      const dev = await need();
      // Zero-size tensors still get a 4-byte buffer: WebGPU bindings cannot be empty.
      // A buffer about to be written whole (values given, or a kernel's output) keeps its old contents.
      const buf = allocate(dev, Math.max(4, cmd.length * 4), cmd.data === undefined && !cmd.keep);
      if (cmd.data) dev.queue.writeBuffer(buf, 0, cmd.data);
      buffers.set(cmd.id, buf);
      return {};
    }
    case 'write':
      (await need()).queue.writeBuffer(buffer(cmd.id), 0, cmd.data);
      return {};
    case 'run': {
      const dev = await need();
      let pipeline = pipelines.get(cmd.code);
      if (pipeline === undefined) {
        // The async form rejects with the compiler's message if the shader is invalid.
        pipeline = await dev.createComputePipelineAsync({
          layout: 'auto',
          compute: { module: dev.createShaderModule({ code: cmd.code }), entryPoint: 'main' },
        });
        pipelines.set(cmd.code, pipeline);
      }
      // A binding is a whole buffer, or the part of it from `offset` (bytes) on.
      const bindings = cmd.buffers.map((b) =>
        typeof b === 'number' ? { buffer: buffer(b) } : { buffer: buffer(b.id), offset: b.offset, size: b.size },
      );
      batch.push({ pipeline, bindings, info: cmd.info, groups: cmd.groups });
      // Submit when the batch is full, or once the commands queued behind this one are
      // recorded (the caller is computing or waiting): the device should not sit idle.
      if (batch.length >= MAX_BATCH) flush();
      else if (!flushScheduled) {
        flushScheduled = true;
        platform.afterQueuedMessages(() => {
          flushScheduled = false;
          flush();
        });
      }
      // Let the queue drain now and then: with thousands of kernels in flight, Dawn's
      // OpenGL ES backend crashes on the next pipeline creation or readback.
      inFlight += 1;
      if (inFlight >= MAX_IN_FLIGHT) {
        flush();
        await dev.queue.onSubmittedWorkDone();
        settle();
      }
      return {};
    }
    case 'copy': {
      // Bytes from one buffer to another (offsets and size multiples of 4).
      const dev = await need();
      const encoder = dev.createCommandEncoder();
      encoder.copyBufferToBuffer(buffer(cmd.from), cmd.fromOffset, buffer(cmd.to), cmd.toOffset, cmd.bytes);
      dev.queue.submit([encoder.finish()]);
      return {};
    }
    case 'limits':
      await need();
      return { value: limits };
    case 'read': {
      const data = await download(await need(), [buffer(cmd.id)]);
      settle(); // the download waited for everything queued before it
      return { value: data.subarray(0, cmd.length) };
    }
    case 'spill': {
      // Read the buffers back in one round trip, then release them (see memory.ts).
      // Buffers that went with a lost device have nothing to read: the caller is told which.
      const lost = cmd.ids.filter((id) => !buffers.has(id) && lostIds.has(id));
      const live = cmd.ids.filter((id) => !lost.includes(id));
      const data = await download(await need(), live.map(buffer));
      cmd.ids.forEach(release);
      settle();
      return { value: { data, lost, reason: lostReason } };
    }
    case 'destroy':
      release(cmd.id);
      return {};
    case 'loseDevice':
      // For tests: what a driver reset does, on purpose. Wait for the loss to be handled.
      if (device !== null) {
        const lost = device.lost;
        device.destroy();
        await lost;
      }
      return {};
    case 'count':
      return { value: buffers.size };
    case 'drain':
      // Everything queued before it has run (commands run in order); wait for the device too.
      if (device !== null) await device.queue.onSubmittedWorkDone();
      settle();
      return {};
  }
}

// Commands run strictly in order, one at a time, whatever their awaits.
let queue: Promise<void> = Promise.resolve();
side.onMessage((message) => {
  // Posted commands arrive together, as an array (see `GpuBridge.post`); a call alone.
  for (const cmd of Array.isArray(message) ? (message as GpuCommand[]) : [message as GpuCommand]) enqueue(cmd);
});

/** Queue `cmd` to run after every command received before it, and answer it if it asks. */
function enqueue(cmd: GpuCommand): void {
  queue = queue.then(async () => {
    let reply: GpuReply;
    try {
      reply = await handle(cmd);
      if (deferredError !== undefined && !cmd.noReply) {
        // A command sent without waiting failed earlier: the first one that waits hears it.
        reply = { error: deferredError };
        deferredError = undefined;
      } else if (pendingError !== undefined) {
        reply = { error: `GPU error: ${pendingError}` };
        pendingError = undefined;
      }
    } catch (e) {
      reply = { error: e instanceof Error ? e.message : String(e) };
    }
    if (reply.error !== undefined && lostReason !== null && !/device was lost/.test(reply.error) && device === null) {
      reply.error = `the GPU device was lost (${lostReason}); the next GPU operation starts a fresh device. (${reply.error})`;
    }
    if (cmd.noReply) {
      deferredError ??= reply.error;
      return;
    }
    port.postMessage({ ...reply, seq: cmd.seq });
    Atomics.store(flag, 0, cmd.seq ?? 0);
    Atomics.notify(flag, 0);
  });
}
