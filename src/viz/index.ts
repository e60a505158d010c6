/**
 * Visualisation, kept apart from the math: vega-lite chart builders, a Node renderer to SVG,
 * and `show`, which draws a chart in a notebook or writes it to a file elsewhere.
 * `import * as minitorch from "minitorch"` then `minitorch.viz.show(minitorch.viz.lineChart(...))`.
 *
 * @packageDocumentation
 */
export { renderSvg, withV5Schema, VEGA_LITE_SCHEMA } from './render';
export type { VegaLiteSpec } from './render';
export { show, showSvg, liveDisplay, inNotebook } from './show';
export type { ShowOptions, LiveDisplay } from './show';
export { lineChart, scatterChart, barChart, heatmap } from './charts';
export type { Rows, ChartOptions, HeatmapOptions } from './charts';
export * from './moduleTree';
export {
  decisionBoundaryChart,
  lossChart,
  accuracyChart,
  trainingChart,
  TrainingDisplay,
  integerAxis,
  thinHistory,
} from './training';
export type { Predictor, EpochRecord, TrainingChartOptions, TrainingDisplayOptions } from './training';
export { graphToDot, dotToSvg, drawGraph, showGraph, describeVariable, graphSize } from './graph';
export type { GraphOptions, GraphSize, NodeDescription } from './graph';
export * from './images';
export { encodePng, pngDataUrl, heatmapPng, schemeColor, COLOR_SCHEMES } from './png';
export type { Rgb, HeatmapPngOptions } from './png';
export { stridesChart, stridesComparison, stridesRows, broadcastView, COLUMN_WIDTH } from './strides';
export type { TensorLayout, StridesChartOptions } from './strides';
export {
  fastestRun,
  timeSweep,
  measureParallelZip,
  measureMatmul,
  speedupNote,
  machineNote,
  timingChart,
  sizeLabel,
} from './timing';
export type { TimingRow, TimingOptions, SpeedupResult, SpeedupFacts, MachineFacts, TimingChartOptions } from './timing';
export { workgroupChart, tileChart } from './gpuGrid';
export { textTable } from './table';
export { imageTrainingChart, ImageTrainingDisplay } from './progress';
export type { LossPoint, AccuracyPoint, ImageTrainingDisplayOptions } from './progress';
