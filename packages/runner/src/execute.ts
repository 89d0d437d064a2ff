/**
 * Executes one run in the current thread: build the world from the experiment, run it, summarize,
 * and turn the outcome (or the error) into Arrow batches. Used by the worker threads and by
 * {@link reproduceRun} to replay a single run in-process.
 *
 * @module
 */

import { ConfigError, type Seed } from "@cascade/core";
import { createWorld, type SimResult } from "@cascade/sim";
import {
  liquidationsBatch,
  type RunBatches,
  type RunRow,
  runRowBatch,
  timeseriesBatch,
  tradesBatch,
} from "./arrow/encode.ts";
import type { AnyExperiment } from "./experiment.ts";
import type { ParamColumn, RunPlan, RunSpec } from "./plan.ts";
import { runSpec } from "./plan.ts";

/** What a run produced. */
export interface RunOutcome {
  readonly row: RunRow;
  /** The simulation's result (`null` when the run failed). */
  readonly result: SimResult | null;
  /** A failed run's details that `row.error` leaves out (`null` when the run succeeded). */
  readonly failure: RunFailureDetail | null;
}

/** Where a run failed: the error's stack, and the simulated time when the world had started. */
export interface RunFailureDetail {
  /** The error's stack trace (`null` when a non-error was thrown). */
  readonly stack: string | null;
  /** Simulated time of the world when the error was thrown, seconds (`null`: while building it). */
  readonly simTimeS: number | null;
}

/** `build(params, context)` and the world's construction (which validates its configuration). */
function createRunWorld(
  experiment: AnyExperiment,
  spec: RunSpec,
  masterSeed: Seed,
): ReturnType<typeof createWorld> {
  const config = experiment.build(spec.params as never, {
    seed: spec.seed,
    runIndex: spec.runId,
    replication: spec.replication,
    pointIndex: spec.pointIndex,
    masterSeed,
  });
  if (config === null || typeof config !== "object") {
    throw new ConfigError("build()", config, "must return a WorldConfig");
  }
  // The plan decides whether trades are recorded (the experiment's record.trades or --trades), so
  // that every run of a sweep writes the same tables.
  const recorder = config.recorder ?? experiment.record ?? {};
  return createWorld({ ...config, recorder: { ...recorder, trades: spec.trades } });
}

/**
 * Builds and runs one world. Never throws for a failing run: the error becomes the row's
 * `error` (`"<ErrorName>: <message>"`) and its status `"failed"`.
 */
export function executeRun(experiment: AnyExperiment, spec: RunSpec, masterSeed: Seed): RunOutcome {
  const t0 = performance.now();
  let result: SimResult | null = null;
  let extras: Record<string, number | null> | null = null;
  let error: string | null = null;
  let failure: RunFailureDetail | null = null;
  let world: ReturnType<typeof createWorld> | undefined;
  try {
    world = createRunWorld(experiment, spec, masterSeed);
    result = world.run(spec.durationNs);
    if (experiment.summarize !== undefined) {
      extras = {};
      for (const [k, v] of Object.entries(experiment.summarize(result, spec.params as never) ?? {})) {
        if (v === null || v === undefined) {
          extras[k] = null;
          continue;
        }
        if (typeof v !== "number") throw new ConfigError(`summarize().${k}`, v, "must be a number or null");
        // A metric that does not apply (0/0, no event) is null, not NaN.
        extras[k] = Number.isNaN(v) ? null : v;
      }
    }
  } catch (e) {
    result = null;
    extras = null;
    error = describeError(e);
    failure = {
      stack: e instanceof Error ? (e.stack ?? null) : null,
      simTimeS: world === undefined ? null : world.nowNs / 1e9,
    };
  }
  const row: RunRow = {
    runId: spec.runId,
    seed: spec.seed,
    pointIndex: spec.pointIndex,
    replication: spec.replication,
    params: spec.params,
    status: error === null ? "ok" : "failed",
    error,
    metrics: result?.summary ?? null,
    extras,
    traceHash: result?.traceHash ?? null,
    wallMs: performance.now() - t0,
  };
  return { row, result, failure };
}

/**
 * Builds the world of `spec` without running it: `build(params)` and the world's construction
 * (which validates its configuration). Returns `null` when it builds, else the error (as in a
 * runs row's `error` column) and its stack.
 */
export function buildWorld(
  experiment: AnyExperiment,
  spec: RunSpec,
  masterSeed: Seed,
): { readonly error: string; readonly stack: string | null } | null {
  try {
    createRunWorld(experiment, spec, masterSeed);
    return null;
  } catch (e) {
    return { error: describeError(e), stack: e instanceof Error ? (e.stack ?? null) : null };
  }
}

/** The Arrow batches of a run's outcome: `trades` too when the run records trades. */
export function outcomeBatches(
  outcome: RunOutcome,
  columns: readonly ParamColumn[],
  trades: boolean,
): RunBatches {
  const batches = {
    runs: runRowBatch(outcome.row, columns),
    timeseries: timeseriesBatch(outcome.row.runId, outcome.result),
    liquidations: liquidationsBatch(outcome.row.runId, outcome.result),
  };
  return trades ? { ...batches, trades: tradesBatch(outcome.row.runId, outcome.result) } : batches;
}

/** The batches of a run that failed outside the experiment's code (timeout, dead worker). */
export function failedRunBatches(
  spec: RunSpec,
  error: string,
  columns: readonly ParamColumn[],
  wallMs: number,
): RunBatches {
  return outcomeBatches(
    {
      row: {
        runId: spec.runId,
        seed: spec.seed,
        pointIndex: spec.pointIndex,
        replication: spec.replication,
        params: spec.params,
        status: "failed",
        error,
        metrics: null,
        extras: null,
        traceHash: null,
        wallMs,
      },
      result: null,
      failure: null,
    },
    columns,
    spec.trades,
  );
}

/**
 * Replays run `runId` of a plan in the current thread — the same world, seed and result as in the
 * sweep (compare `row.traceHash` with the `trace_hash` column of `runs.arrow`).
 * @example
 * ```ts
 * const plan = await planExperiment(experiment, { overrides: ["leverage=50"] });
 * const { row, result } = reproduceRun(plan, 42);
 * ```
 */
export function reproduceRun(plan: RunPlan, runId: number): RunOutcome {
  return executeRun(plan.experiment, runSpec(plan, runId), plan.seed);
}

/** `"ConfigError: world.venues = []: must list at least one venue"`. */
export function describeError(e: unknown): string {
  if (e instanceof Error) return `${e.name}: ${e.message}`;
  return `thrown: ${String(e)}`;
}
