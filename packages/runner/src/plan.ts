/**
 * The run plan of an experiment: overrides applied, parameter points enumerated, derived values
 * computed, runs numbered and seeded, and a hash of everything that determines the results.
 *
 * Runs are numbered `run_id = pointIndex × replications + replication`; run `r`'s seed is
 * `deriveSeed(masterSeed, r, "cascade/run")`, so any run can be reproduced alone from its id.
 *
 * @module
 */

import { createHash } from "node:crypto";
import { ConfigError, deriveSeed, type Seed } from "@cascade/core";
import type { RecorderConfig } from "@cascade/sim";
import { type AnyExperiment, checkSweep, defaultDimensions, type Sweep } from "./experiment.ts";
import {
  noSuchParameter,
  type ParamSpec,
  type ParamSpecs,
  parseOverrides,
  type RawValue,
  validateValue,
} from "./params.ts";
import { compileDerived, type ParamPoint, sweepPoints } from "./sweep.ts";

/** How a parameter column is typed in `runs.arrow`. */
export type ColumnKind = "float" | "integer" | "choice" | "boolean" | "derived";

/** A parameter (or derived) column of `runs.arrow`. */
export interface ParamColumn {
  readonly name: string;
  readonly kind: ColumnKind;
}

/** What can change a plan besides the experiment file. */
export interface PlanOptions {
  /** Parameter overrides: typed values, or `key=value` strings as given to `--set`. */
  readonly overrides?: Readonly<Record<string, RawValue>> | readonly string[];
  /** Replications per point (overrides the experiment's; `--runs`). */
  readonly replications?: number;
  /** Master seed (overrides the experiment's; `--seed`). */
  readonly seed?: Seed;
  /** Text of the experiment's source file, hashed into the config hash when given. */
  readonly source?: string;
  /**
   * Record every execution into `trades.arrow` (`--trades`, `--no-trades`); default: the
   * experiment's `record.trades`, else off.
   */
  readonly trades?: boolean;
}

/** One run: where it sits, its seed and its parameter values. */
export interface RunSpec {
  /** `pointIndex × replications + replication`. */
  readonly runId: number;
  readonly pointIndex: number;
  readonly replication: number;
  /** The run's seed (32 hex digits). */
  readonly seed: string;
  /** Parameter and derived values. */
  readonly params: ParamPoint;
  /** Simulated duration, ns. */
  readonly durationNs: number;
  /** Whether the run records its trades (`trades.arrow`). */
  readonly trades: boolean;
}

/** An experiment ready to run. */
export interface RunPlan {
  readonly experiment: AnyExperiment;
  /** Parameters with defaults replaced by the overrides. */
  readonly parameters: ParamSpecs;
  /** The sweep with overridden parameters pinned (removed from the sweep). */
  readonly sweep: Sweep | undefined;
  readonly derived: Readonly<Record<string, string>>;
  /** Overrides applied, typed. */
  readonly overrides: Readonly<Record<string, RawValue>>;
  readonly replications: number;
  readonly seed: Seed;
  /** Parameter points (with derived values), in run order. */
  readonly points: readonly ParamPoint[];
  /** Simulated duration of each point, ns. */
  readonly durationsNs: readonly number[];
  /** Parameter then derived columns of `runs.arrow`. */
  readonly columns: readonly ParamColumn[];
  /** Whether the runs record their trades (`trades.arrow`). */
  readonly trades: boolean;
  /** `points.length × replications`. */
  readonly totalRuns: number;
  /** SHA-256 (hex) of everything that determines the results: shards must agree on it to merge. */
  readonly configHash: string;
  /** The canonical description the hash is taken of (stored in the manifest). */
  readonly space: Readonly<Record<string, unknown>>;
}

/**
 * Applies overrides and enumerates the runs of an experiment.
 *
 * An overridden parameter is pinned: its default becomes the override and it leaves the sweep
 * (a grid keeps only that value; a random or LHS sweep stops sampling it).
 * @throws {@link @cascade/core!ConfigError} for a bad override, seed or replication count, or a derived
 * expression that fails at some point.
 */
export async function planExperiment(experiment: AnyExperiment, options: PlanOptions = {}): Promise<RunPlan> {
  const raw = options.overrides ?? {};
  const overrides = Array.isArray(raw)
    ? parseOverrides(raw as readonly string[], experiment.parameters, experiment.derived)
    : checkOverrides(raw as Readonly<Record<string, RawValue>>, experiment.parameters);
  const parameters: Record<string, ParamSpec> = {};
  for (const [k, s] of Object.entries(experiment.parameters)) {
    parameters[k] = Object.hasOwn(overrides, k) ? ({ ...s, default: overrides[k] } as ParamSpec) : s;
  }
  const sweep = pinSweep(experiment.sweep, experiment.parameters, overrides);
  if (sweep !== undefined) checkSweep(sweep, parameters);
  const replications = options.replications ?? experiment.replications;
  if (!(Number.isSafeInteger(replications) && replications >= 1)) {
    throw new ConfigError("--runs", replications, "must be a positive integer");
  }
  const seed = options.seed ?? experiment.seed;
  if (
    !((typeof seed === "number" && Number.isSafeInteger(seed)) || (typeof seed === "string" && seed !== ""))
  ) {
    throw new ConfigError("--seed", seed, "must be a safe integer or a non-empty string");
  }
  const derived = experiment.derived;
  const evaluator = await compileDerived(derived);
  const base = sweepPoints(sweep, parameters, seed);
  const points = base.map((p) => Object.freeze({ ...p, ...evaluator.evaluate(p) }));
  const durationsNs = points.map((p, i) => {
    const d =
      typeof experiment.durationNs === "function"
        ? (experiment.durationNs as (p: ParamPoint) => number)(p)
        : experiment.durationNs;
    if (!(Number.isSafeInteger(d) && d > 0)) {
      throw new ConfigError(`experiment.durationNs (point ${i})`, d, "must be a positive integer of ns");
    }
    return d;
  });
  const totalRuns = points.length * replications;
  if (!Number.isSafeInteger(totalRuns) || totalRuns > 2 ** 31 - 1) {
    throw new ConfigError("runs", totalRuns, "must be < 2^31 (points × replications)");
  }
  const columns = paramColumns(experiment);
  const trades = options.trades ?? experiment.record?.trades ?? false;
  if (typeof trades !== "boolean") throw new ConfigError("record.trades", trades, "must be true or false");
  const space = {
    format: "cascade-plan/1",
    name: experiment.name,
    parameters,
    sweep: sweep ?? null,
    derived,
    replications,
    seed: { type: typeof seed, value: seed },
    // A function's text depends on the transpiler; its values (and the source hash) do not.
    durationNs:
      typeof experiment.durationNs === "function"
        ? { perPoint: true, sha256: sha256(durationsNs.join(",")) }
        : experiment.durationNs,
    record: planRecord(experiment.record, trades),
    sourceSha256: options.source === undefined ? null : sha256(options.source),
  };
  return {
    experiment,
    parameters,
    sweep,
    derived,
    overrides,
    replications,
    seed,
    points,
    durationsNs,
    columns,
    trades,
    totalRuns,
    configHash: sha256(canonicalJson(space)),
    space,
  };
}

/** The parameter then derived columns of an experiment's `runs.arrow` (overrides do not change them). */
export function paramColumns(experiment: AnyExperiment): ParamColumn[] {
  return [
    ...Object.entries(experiment.parameters).map(([name, s]) => ({ name, kind: columnKind(s) })),
    ...Object.keys(experiment.derived).map((name) => ({ name, kind: "derived" as const })),
  ];
}

/** The run `runId` of a plan. @throws {@link @cascade/core!ConfigError} when it is out of range. */
export function runSpec(plan: RunPlan, runId: number): RunSpec {
  if (!(Number.isSafeInteger(runId) && runId >= 0 && runId < plan.totalRuns)) {
    throw new ConfigError("run_id", runId, `must be an integer in [0, ${plan.totalRuns - 1}]`);
  }
  const pointIndex = Math.floor(runId / plan.replications);
  return {
    runId,
    pointIndex,
    replication: runId % plan.replications,
    seed: runSeed(plan.seed, runId),
    params: plan.points[pointIndex]!,
    durationNs: plan.durationsNs[pointIndex]!,
    trades: plan.trades,
  };
}

/** The seed of run `runId` of an experiment with master seed `masterSeed` (32 hex digits). */
export function runSeed(masterSeed: Seed, runId: number): string {
  return deriveSeed(masterSeed, runId, "cascade/run");
}

/** JSON with object keys sorted, so equal values give equal text. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => {
    if (v !== null && typeof v === "object" && !Array.isArray(v)) {
      const o = v as Record<string, unknown>;
      return Object.fromEntries(
        Object.keys(o)
          .sort()
          .map((k) => [k, o[k]]),
      );
    }
    if (typeof v === "function") return "function";
    return v;
  });
}

function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

/**
 * The recorder settings in the plan: the experiment's, with `trades` as decided (present only when
 * on, so a plan without trades hashes as it did before the switch existed).
 */
function planRecord(record: RecorderConfig | undefined, trades: boolean): RecorderConfig | null {
  if (record === undefined) return trades ? { trades: true } : null;
  const { trades: _declared, ...rest } = record;
  return trades ? { ...rest, trades: true } : rest;
}

function columnKind(s: ParamSpec): ColumnKind {
  if (s.kind === "number") return s.integer === true ? "integer" : "float";
  return s.kind;
}

function checkOverrides(
  overrides: Readonly<Record<string, RawValue>>,
  parameters: ParamSpecs,
): Record<string, RawValue> {
  const out: Record<string, RawValue> = {};
  for (const [k, v] of Object.entries(overrides)) {
    const spec = Object.hasOwn(parameters, k) ? parameters[k] : undefined;
    if (spec === undefined) {
      throw new ConfigError(`--set ${k}`, v, noSuchParameter(k, parameters));
    }
    out[k] = validateValue(`--set ${k}`, spec, v);
  }
  return out;
}

function pinSweep(
  sweep: Sweep | undefined,
  parameters: ParamSpecs,
  overrides: Readonly<Record<string, RawValue>>,
): Sweep | undefined {
  if (sweep === undefined || Object.keys(overrides).length === 0) return sweep;
  if (sweep.kind === "grid") {
    const values: Record<string, readonly RawValue[]> = {};
    for (const [k, v] of Object.entries(sweep.values as Record<string, readonly RawValue[]>)) {
      values[k] = Object.hasOwn(overrides, k) ? [overrides[k]!] : v;
    }
    return { kind: "grid", values };
  }
  const names = sweep.ranges === undefined ? defaultDimensions(parameters) : Object.keys(sweep.ranges);
  const kept = names.filter((k) => !Object.hasOwn(overrides, k));
  if (kept.length === names.length) return sweep;
  if (kept.length === 0) return undefined;
  const ranges: Record<string, unknown> = {};
  for (const k of kept) {
    if (sweep.ranges !== undefined) ranges[k] = (sweep.ranges as Record<string, unknown>)[k];
    else {
      const spec = parameters[k] as { readonly min: number; readonly max: number };
      ranges[k] = [spec.min, spec.max];
    }
  }
  return { kind: sweep.kind, samples: sweep.samples, ranges } as Sweep;
}
