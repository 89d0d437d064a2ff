/**
 * `@cascade/runner`: experiments (typed parameters, sweeps, derived parameters, replications,
 * seeds), their execution on a pool of worker threads, Arrow output (`runs.arrow`,
 * `timeseries.arrow`, `liquidations.arrow`) with a manifest, sharding across machines,
 * calibration to target moments by the simulated method of moments ({@link runCalibration}), and
 * the `cascade` command line.
 *
 * @packageDocumentation
 */

// The output contract (names, units, codes, roles, metadata keys) lives in @cascade/schema;
// re-exported here for code written against the runner.
export {
  AGGREGATION_KEY,
  CODES_KEY,
  type ColumnRole,
  columnMetadata,
  DESCRIPTION_KEY,
  INTERVAL_COLUMNS,
  ROLE_KEY,
  ROLE_ORDER,
  STAGE_CODES,
  UNIT_KEY,
} from "@cascade/schema";
export {
  type AssembleOptions,
  type AssembleResult,
  assemble,
  TABLES,
  type TableName,
} from "./arrow/assemble.ts";
export { decodeRun, type EncodedRun, encodeRun, type RunBatches, type RunRow } from "./arrow/encode.ts";
export type { RecordBatch, Schema } from "./arrow/lib.ts";
export { PARTS_DIR, writeFileAtomic } from "./arrow/out-dir.ts";
export {
  configKeyOf,
  listParts,
  PART_LOG_EXT,
  PART_LOG_FORMAT,
  PartLogError,
  type PartLogScan,
  PartReader,
  type PartRef,
  type RepairedLog,
  repairPartLogs,
  scanPartLog,
  type TornTail,
} from "./arrow/part-log.ts";
export { EVALUATION_LOG, type Evaluation, type EvaluationPhase } from "./calibrate/log.ts";
export {
  type MomentStat,
  type MomentTarget,
  momentStat,
  objective,
  weightOf,
} from "./calibrate/objective.ts";
export {
  CALIBRATION_MANIFEST,
  type CalibrateOptions,
  type CalibrationResult,
  type CalibrationRun,
  type IterationInfo,
  type ParameterUncertainty,
  runCalibration,
} from "./calibrate/run-calibration.ts";
export type { SearchOutcome, SearchPhase } from "./calibrate/search.ts";
export type { FitParameter } from "./calibrate/space.ts";
export {
  type CalibrationTargets,
  parseTargets,
  type SearchOptions,
  type TargetMoment,
  type TargetsOverrides,
} from "./calibrate/targets.ts";
export {
  type CheckOptions,
  type CheckResult,
  checkExperiment,
  ExperimentCheckError,
  MAX_CHECKED_POINTS,
  type TypeDiagnostic,
  typeCheckExperiment,
} from "./check.ts";
export { executeRun, type RunFailureDetail, type RunOutcome, reproduceRun } from "./execute.ts";
export {
  type AnyExperiment,
  axisValues,
  type BooleanParamName,
  type ConditionalAxis,
  type ConditionPredicate,
  checkCounterfactual,
  defineExperiment,
  type Experiment,
  type ExperimentDefinition,
  type GridAxis,
  isArrayAxis,
  isExperiment,
  type MetricSpec,
  type RunContext,
  type RunParams,
  type Sweep,
  type SweepCondition,
  type SweepRanges,
} from "./experiment.ts";
export { importExperiment } from "./load.ts";
export {
  type CodeVersion,
  codeVersion,
  type Manifest,
  type RunCounts,
  readManifests,
  type SourcesRecord,
} from "./manifest.ts";
export { type MergeOptions, type MergeResult, mergeOutputs } from "./merge.ts";
export {
  type BooleanParam,
  type ChoiceParam,
  defaultsOf,
  type NumberParam,
  type ParamSpec,
  type ParamSpecs,
  type ParamValue,
  type ParamValues,
  param,
  parseOverrides,
  type RawValue,
  withDefaults,
} from "./params.ts";
export {
  type ColumnKind,
  type ParamColumn,
  type PlanOptions,
  planExperiment,
  type RunPlan,
  type RunSpec,
  runSeed,
  runSpec,
} from "./plan.ts";
export {
  type PoolOptions,
  type PoolStats,
  type RunEvent,
  type RunIdSequence,
  RunnerPool,
  type RunnerPoolOptions,
  runPool,
} from "./pool.ts";
export { ETA_MIN_RUNS, etaText, type ProgressReporter, progressReporter } from "./progress.ts";
export { type RepairResult, repairOutput } from "./repair.ts";
export {
  DEFAULT_RUN_TIMEOUT_SEC,
  FIRST_FAILURES,
  fieldMetadataOf,
  fileMetadata,
  type RunExperimentOptions,
  type RunExperimentResult,
  runExperiment,
  SWEEP_WHEN_KEY,
} from "./run-experiment.ts";
export { parseShard, type Shard, shardFromEnv, shardRunIds } from "./shard.ts";
export {
  experimentSources,
  RUNNER_REPO_ROOT,
  type SourceFile,
  sourcesRecord,
} from "./sources.ts";
export { MAIN_METRICS, PointSummary } from "./summary.ts";
export {
  hasConditions,
  type ParamPoint,
  planSweep,
  type SweepConditionsRecord,
  type SweepPlan,
  sweepPoints,
  sweepSize,
} from "./sweep.ts";
export { type WorkerBundle, workerBundle, workerCacheDir } from "./worker-bundle.ts";
