/** The fast backend's worker thread in a page: the library's own worker script, started ahead. */
import { serveWorker } from '../../src/platform/browser';

// eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded once the start message brings the data
serveWorker(() => require('../../src/backends/fast/worker'));
