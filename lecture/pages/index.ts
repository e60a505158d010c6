/** Every view, in course order, by route (`#/module1/train`). */
import { autodiff, train } from './module1';
import type { ViewDef } from './types';

export const VIEWS: Record<string, ViewDef> = {
  'module1/autodiff': autodiff,
  'module1/train': train,
};

/** The view of a URL without a route. */
export const DEFAULT_VIEW = 'module1/train';
