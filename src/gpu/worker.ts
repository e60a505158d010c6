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
import { MessagePort, parentPort, workerData } from 'worker_threads';
import { GpuCommand, GpuReply, NO_ADAPTER_HELP } from './bridge';

/** The `webgpu` package's entry points (it ships its own binary Dawn build). */
interface WebGpuModule {
  create(options: string[]): GPU;
  globals: object;
}

const { flag, port } = workerData as { flag: Int32Array; port: MessagePort };

let device: GPUDevice | null = null;
/**
 * The `GPU` instances must stay reachable for the device's whole life: Dawn tears the
 * instance down when JavaScript collects it, and the process then crashes on the next
 * command (seen as a segfault or "std::system_error: Invalid argument" after a few hundred ops).
 */
const instances: GPU[] = [];
let description = '';
let pendingError: string | undefined;
/** Submissions since the queue last drained (see `run`). */
let inFlight = 0;
const MAX_IN_FLIGHT = Number(process.env.MINITORCH_GPU_MAX_IN_FLIGHT ?? 16);
const buffers = new Map<number, GPUBuffer>();
const pipelines = new Map<string, GPUComputePipeline>();

/** Invocations per workgroup the kernels need (16×16 matmul tiles). */
const NEEDED_INVOCATIONS = 256;

/**
 * The real adapter when there is one (Vulkan, Metal, D3D12); otherwise Mesa's software
 * OpenGL ES renderer in WebGPU's compatibility mode. Never Dawn's `null` backend, whose
 * adapter silently computes nothing.
 */
async function acquire(): Promise<void> {
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const webgpu = require('webgpu') as WebGpuModule;
  Object.assign(globalThis, webgpu.globals);
  let adapter: GPUAdapter | null = null;
  /** A `GPU` instance for these Dawn options, kept alive (see `instances`). */
  const instance = (options: string[]): GPU => {
    const gpu = webgpu.create(options);
    instances.push(gpu);
    return gpu;
  };
  try {
    adapter = await instance([]).requestAdapter();
  } catch {
    adapter = null;
  }
  let mode = 'default backend';
  if (adapter === null) {
    adapter = await instance(['backend=opengles']).requestAdapter({ featureLevel: 'compatibility' } as GPURequestAdapterOptions);
    mode = 'OpenGL ES, compatibility mode';
  }
  if (adapter === null) {
    throw new Error(NO_ADAPTER_HELP);
  }
  const limits = adapter.limits;
  if (limits.maxComputeInvocationsPerWorkgroup < NEEDED_INVOCATIONS) {
    throw new Error(`the WebGPU adapter allows ${limits.maxComputeInvocationsPerWorkgroup} invocations per workgroup; the kernels need ${NEEDED_INVOCATIONS}`);
  }
  device = await adapter.requestDevice({
    requiredLimits: {
      maxComputeInvocationsPerWorkgroup: NEEDED_INVOCATIONS,
      maxStorageBuffersPerShaderStage: Math.max(4, Math.min(8, limits.maxStorageBuffersPerShaderStage)),
    },
  });
  // Validation errors surface asynchronously; keep the first and report it with the next
  // answer. (Per-command error scopes would be exact, but awaiting one per dispatch crashes
  // Dawn's OpenGL ES backend in this version.)
  device.onuncapturederror = (event) => {
    pendingError ??= (event as GPUUncapturedErrorEvent).error.message;
  };
  const info = (adapter as GPUAdapter & { info?: GPUAdapterInfo }).info;
  description = `${info?.description || info?.vendor || 'WebGPU adapter'} (${mode})`;
}

function need(): GPUDevice {
  if (device === null) throw new Error('GPU worker: device not initialised');
  return device;
}

function buffer(id: number): GPUBuffer {
  const b = buffers.get(id);
  if (b === undefined) throw new Error(`GPU worker: no buffer ${id} (already destroyed?)`);
  return b;
}

/** Run one command; returns the reply's payload. */
async function handle(cmd: GpuCommand): Promise<GpuReply> {
  switch (cmd.op) {
    case 'init':
      if (device === null) await acquire();
      return { value: description };
    case 'create': {
      const dev = need();
      // Zero-size tensors still get a 4-byte buffer: WebGPU bindings cannot be empty.
      const bytes = Math.max(4, cmd.length * 4);
      const buf = dev.createBuffer({ size: bytes, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST });
      if (cmd.data) dev.queue.writeBuffer(buf, 0, cmd.data);
      buffers.set(cmd.id, buf);
      return {};
    }
    case 'write':
      need().queue.writeBuffer(buffer(cmd.id), 0, cmd.data);
      return {};
    case 'run': {
      const dev = need();
      let pipeline = pipelines.get(cmd.code);
      if (pipeline === undefined) {
        // The async form rejects with the compiler's message if the shader is invalid.
        pipeline = await dev.createComputePipelineAsync({ layout: 'auto', compute: { module: dev.createShaderModule({ code: cmd.code }), entryPoint: 'main' } });
        pipelines.set(cmd.code, pipeline);
      }
      const info = dev.createBuffer({ size: Math.max(4, cmd.info.byteLength), usage: GPUBufferUsage.STORAGE, mappedAtCreation: true });
      new Uint32Array(info.getMappedRange()).set(cmd.info);
      info.unmap();
      const entries = [...cmd.buffers.map((id) => buffer(id)), info].map((b, binding) => ({ binding, resource: { buffer: b } }));
      const encoder = dev.createCommandEncoder();
      const pass = encoder.beginComputePass();
      pass.setPipeline(pipeline);
      pass.setBindGroup(0, dev.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries }));
      pass.dispatchWorkgroups(cmd.groups[0], cmd.groups[1], cmd.groups[2]);
      pass.end();
      dev.queue.submit([encoder.finish()]);
      info.destroy();
      // Let the queue drain now and then: with thousands of submissions in flight, Dawn's
      // OpenGL ES backend crashes on the next pipeline creation or readback.
      inFlight += 1;
      if (inFlight >= MAX_IN_FLIGHT) {
        await dev.queue.onSubmittedWorkDone();
        inFlight = 0;
      }
      return {};
    }
    case 'read': {
      const dev = need();
      const bytes = Math.max(4, cmd.length * 4);
      const staging = dev.createBuffer({ size: bytes, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
      const encoder = dev.createCommandEncoder();
      encoder.copyBufferToBuffer(buffer(cmd.id), 0, staging, 0, bytes);
      dev.queue.submit([encoder.finish()]);
      await staging.mapAsync(GPUMapMode.READ);
      const data = new Float32Array(staging.getMappedRange().slice(0, cmd.length * 4));
      staging.unmap();
      staging.destroy();
      return { value: data };
    }
    case 'destroy':
      buffers.get(cmd.id)?.destroy();
      buffers.delete(cmd.id);
      return {};
    case 'count':
      return { value: buffers.size };
    case 'drain':
      // Everything queued before it has run (commands run in order); wait for the device too.
      if (device !== null) await device.queue.onSubmittedWorkDone();
      return {};
  }
}

// Commands run strictly in order, one at a time, whatever their awaits.
let queue: Promise<void> = Promise.resolve();
parentPort!.on('message', (cmd: GpuCommand) => {
  queue = queue.then(async () => {
    let reply: GpuReply;
    try {
      reply = await handle(cmd);
      if (pendingError !== undefined) {
        reply = { error: `GPU error: ${pendingError}` };
        pendingError = undefined;
      }
    } catch (e) {
      reply = { error: e instanceof Error ? e.message : String(e) };
    }
    if (cmd.noReply) return;
    port.postMessage({ ...reply, seq: cmd.seq });
    Atomics.store(flag, 0, cmd.seq ?? 0);
    Atomics.notify(flag, 0);
  });
});
