/**
 * The host the library runs on (see `types.ts`). This is the one import a bundler aliases to
 * swap Node for a browser implementation.
 *
 * @packageDocumentation
 */
import * as node from './node';
import type { Platform } from './types';

export type {
  GpuCandidate,
  Platform,
  PlatformWorker,
  ReplyChannel,
  WorkerEntry,
  WorkerScript,
  WorkerSide,
} from './types';

/** The current host's implementation of `Platform`. */
export const platform: Platform = node;
