/** A demo view: where it sits, its defaults (every one a URL parameter) and how it draws. */
import type { Params } from '../protocol';
import type { Keys, ViewApi } from '../ui';

export interface ViewDef {
  /** The course module it belongs to. */
  module: number;
  /** Its name in the navigation. */
  short: string;
  title: string;
  intro?: string;
  defaults: Params;
  /** Build the view into `api.root`; returns its lecture-mode keys. */
  render(api: ViewApi): Keys | void;
}

/** What a 2-D training job sends (Module 1's scalar and Module 2's tensor training); all but `epoch` optional. */
export interface TrainEvent {
  epoch: number;
  loss?: number;
  accuracy?: number;
  /** Milliseconds the epoch took. */
  ms?: number;
  points?: { X: number[][]; y: number[] };
  surface?: number[];
  /** Module 1: the first layer's hidden units, as pictures. */
  units?: number[][];
  /** Module 1: one prediction's graph, with its DOT where it is small enough to draw. */
  graph?: { nodes: number; dot: string | null };
  /** Module 2: the backend the job ran on. */
  backend?: string;
}
