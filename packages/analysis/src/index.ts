/**
 * `@cascade/analysis`: reads an experiment's Arrow files (never the simulation's objects) and turns
 * them into cascade metrics, stylized facts, statistics over seeds, vega-lite charts rendered to SVG,
 * and a self-contained HTML report.
 *
 * @example
 * ```ts
 * import { readResults, summarizeRuns, writeReport } from "@cascade/analysis";
 * const res = readResults("out/crash-sweep");
 * const summary = summarizeRuns(res);
 * const path = await writeReport("out/crash-sweep");
 * ```
 *
 * @packageDocumentation
 */

// The liquidation stage codes belong to the output contract.
export { LiquidationStage } from "@cascade/schema";
export {
  type AdlVolume,
  type AmplificationOptions,
  type AmplificationPair,
  adlVolume,
  amplificationPairs,
  type CascadeTiming,
  type CascadeTimingOptions,
  cascadeTiming,
  type Drawdown,
  type FundDrawdown,
  flagValue,
  insuranceFundDrawdown,
  type LiquidationWave,
  liquidationWaves,
  liquidationWavesFromSeries,
  maxDrawdown,
  pairKey,
  RECOVERY_PERSIST_S,
  type Recovery,
  type WaveOptions,
} from "./cascade.ts";
export {
  acfChartSpec,
  CHART_CONFIG,
  type ChartOptions,
  type ChartSpec,
  type Cols,
  depthChartSpec,
  hasFinite,
  insuranceFundChartSpec,
  type OverlayRun,
  priceChartSpec,
  renderSvg,
  runsOverlaySpec,
  type SweepChartOptions,
  sweepChartSpec,
  thinIndices,
} from "./charts.ts";
export {
  type DepthCollapse,
  depthCollapse,
  drawdownOf,
  everyNth,
  logReturnSd,
  longestGap,
  quantile,
  relativeGap,
  shareAtMost,
  spreadBps,
  windowVwap,
} from "./market-quality.ts";
export {
  type Columns,
  classifyRunColumns,
  ExperimentResults,
  isMetricType,
  isNumericType,
  KNOWN_SUMMARY_METRICS,
  type Manifest,
  type MetricInfo,
  type ParamValue,
  type ReadOptions,
  RUN_ID_COLUMNS,
  type RunRecord,
  readResults,
  SUMMARY_METRIC_DESCRIPTIONS,
  toFloat64,
} from "./read.ts";
export { type ReportOptions, renderReport, writeReport } from "./report.ts";
export {
  BOOTSTRAP_RESAMPLES,
  bootstrapMeanInterval,
  type PointSummary,
  paramsKey,
  regularizedIncompleteBeta,
  type Summary,
  studentTCdf,
  studentTQuantile,
  summarize,
  summarizeByPoint,
} from "./stats.ts";
export {
  aggregationalGaussianity,
  autocorrelation,
  excessKurtosis,
  type FactCheck,
  factsOfReturns,
  type HillEstimate,
  type HillOptions,
  hillTailIndex,
  logReturns,
  powerLawDecay,
  returnsAtHorizon,
  type StylizedFacts,
  type StylizedFactsOptions,
  type StylizedVerdict,
  stylizedFacts,
  stylizedVerdict,
  type VerdictOptions,
} from "./stylized.ts";
export {
  AMPLIFICATION_METRICS,
  type AmplificationSummary,
  CASCADE_METRIC_DESCRIPTIONS,
  type HorizonFacts,
  type RunCascade,
  type RunsSummary,
  recoveryName,
  type SummaryOptions,
  summarizeRuns,
} from "./summary.ts";
