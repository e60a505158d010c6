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
