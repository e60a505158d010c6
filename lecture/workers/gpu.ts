/** The GPU worker thread in a page: the library's own GPU worker, started ahead, owning `navigator.gpu`'s device. */
import { serveWorker } from '../../src/platform/browser';

// eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded once the start message brings the data
serveWorker(() => require('../../src/backends/gpu/worker'), { gpu: true });
