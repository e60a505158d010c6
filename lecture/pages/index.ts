/** Every view, in course order, by route (`#/module1/train`). */
import { classifier, operators, tree } from './module0';
import { autodiff, train } from './module1';
import { strides, tensorTrain } from './module2';
import { matmul, race } from './module3';
import { conv, draw, mnist } from './module4';
import type { ViewDef } from './types';

export const VIEWS: Record<string, ViewDef> = {
  'module0/operators': operators,
  'module0/classifier': classifier,
  'module0/tree': tree,
  'module1/autodiff': autodiff,
  'module1/train': train,
  'module2/strides': strides,
  'module2/train': tensorTrain,
  'module3/race': race,
  'module3/matmul': matmul,
  'module4/conv': conv,
  'module4/mnist': mnist,
  'module4/draw': draw,
};

/** The view of a URL without a route. */
export const DEFAULT_VIEW = 'module1/train';
