/**
 * The targets file of `cascade calibrate`: which parameters to fit (bounds, scale), which to pin,
 * the moments to match (metric, target, standard error or weight, source), and the settings of
 * the search. Parsed with zod (the runner already validates experiment definitions with it), then
 * checked against the experiment; every error names the field and the value, e.g.
 * `targets.moments[1].se = -0.2: must be > 0`.
 *
 * ```json
 * {
 *   "description": "Quiet market: spread and calm volatility at BTC's scale",
 *   "parameters": {
 *     "volatility": { "min": 0.0005, "max": 0.02, "log": true },
 *     "traders": { "min": 5, "max": 50 }
 *   },
 *   "fixed": { "durationS": 60, "mode": "full" },
 *   "moments": [
 *     { "metric": "realized_vol", "target": 0.004, "se": 0.0002, "source": "Kaiko, 2025 1-s mid returns" },
 *     { "metric": "max_drawdown", "target": 0.01, "weight": 100, "source": "assumption" }
 *   ],
 *   "replications": 8,
 *   "seed": 1,
 *   "search": { "initial": 12, "starts": 2, "maxEvaluations": 60 },
 *   "uncertainty": { "step": 0.02 }
 * }
 * ```
 *
 * @module
 */

import { ConfigError, type Seed } from "@cascade/core";
import { SUMMARY_METRICS } from "@cascade/sim";
import { z } from "zod";
import { fieldPath } from "../experiment.ts";
import { type ParamSpecs, parseValue, type RawValue, validateValue } from "../params.ts";
import type { MomentTarget } from "./objective.ts";
import type { FitParameter } from "./space.ts";

/** A moment to match, as the targets file gives it. */
export interface TargetMoment extends MomentTarget {
  /** Where the target comes from (a citation). */
  readonly source: string;
}

/** Settings of the search (see `search.ts`); every field has a default. */
export interface SearchOptions {
  /** Points of the initial Latin-hypercube design. Default `max(8, 4·d)`. */
  readonly initial: number;
  /** Nelder–Mead searches started from the best design points. Default 2. */
  readonly starts: number;
  /** Evaluations (candidates) the search may use, design included. Default `initial + 30·d`. */
  readonly maxEvaluations: number;
  /** Side of the initial simplices, as a fraction of each parameter's (log-)range. Default 0.1. */
  readonly step: number;
  /** Convergence: simplex diameter, fraction of each range. Default 0.001. */
  readonly xtol: number;
  /** Convergence: relative spread of the simplex's objective values. Default 1e-6. */
  readonly ftol: number;
}

/** A validated targets file. */
export interface CalibrationTargets {
  /** What the calibration is for. */
  readonly description: string | null;
  /** The parameters fitted, in the file's order. */
  readonly parameters: readonly FitParameter[];
  /** Parameters pinned for every candidate (`--set`-style), typed. */
  readonly fixed: Readonly<Record<string, RawValue>>;
  /** The moments to match, in the file's order. */
  readonly moments: readonly TargetMoment[];
  /** Replications per candidate (the same seeds for every candidate). */
  readonly replications: number;
  /** The calibration seed (default: the experiment's master seed). */
  readonly seed: Seed | null;
  /** Settings of the search. */
  readonly search: SearchOptions;
  /** Finite-difference step (fraction of each range) for the standard errors, or `null` for none. */
  readonly uncertainty: { readonly step: number } | null;
}

const finite = z.number({ error: "must be a number" }).refine(Number.isFinite, "must be a finite number");
const positive = finite.refine((v) => v > 0, "must be > 0");
const positiveInt = z
  .number({ error: "must be a number" })
  .int("must be an integer")
  .min(1, "must be ≥ 1")
  .max(1_000_000, "must be ≤ 10^6");
const fraction = positive.refine((v) => v <= 0.5, "must be ≤ 0.5");

const fileSchema = z.strictObject({
  $schema: z.string().optional(),
  description: z.string({ error: "must be a string" }).optional(),
  parameters: z.record(
    z.string(),
    z.strictObject({
      min: finite,
      max: finite,
      log: z.boolean({ error: "must be true or false" }).optional(),
    }),
    { error: "must be an object: { name: { min, max, log? } }" },
  ),
  fixed: z
    .record(
      z.string(),
      z.union([z.number(), z.string(), z.boolean()], { error: "must be a number, string or boolean" }),
    )
    .optional(),
  moments: z
    .array(
      z.strictObject({
        metric: z.string({ error: "must be the name of a per-run metric" }).min(1, "must not be empty"),
        target: finite,
        se: positive.optional(),
        weight: positive.optional(),
        source: z.string({ error: "must cite where the target comes from" }).min(1, "must not be empty"),
      }),
      { error: "must be a list of { metric, target, se | weight, source }" },
    )
    .min(1, "must list at least one moment"),
  replications: positiveInt.optional(),
  seed: z
    .union([z.number().int().refine(Number.isSafeInteger), z.string().min(1)], {
      error: "must be a safe integer or a non-empty string",
    })
    .optional(),
  search: z
    .strictObject({
      initial: positiveInt.refine((v) => v >= 2, "must be ≥ 2").optional(),
      starts: positiveInt.optional(),
      maxEvaluations: positiveInt.optional(),
      step: fraction.optional(),
      xtol: fraction.optional(),
      ftol: positive.optional(),
    })
    .optional(),
  uncertainty: z
    .union([z.boolean(), z.strictObject({ step: fraction })], {
      error: "must be true, false or { step }",
    })
    .optional(),
});

/** Overrides of the file's settings (command-line options). */
export interface TargetsOverrides {
  /** `--runs`. */
  readonly replications?: number;
  /** `--seed`. */
  readonly seed?: Seed;
  /** `--max-evals`. */
  readonly maxEvaluations?: number;
}

/**
 * Validates the parsed JSON of a targets file against the experiment's parameters.
 * @throws {@link @cascade/core!ConfigError} naming the first bad field (`targets.parameters.leverage.max`) and its value.
 */
export function parseTargets(
  json: unknown,
  parameters: ParamSpecs,
  overrides: TargetsOverrides = {},
): CalibrationTargets {
  const parsed = fileSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    if (issue.code === "unrecognized_keys") {
      const key = issue.keys[0]!;
      const path = [...issue.path, key];
      throw new ConfigError(
        `targets${fieldPath(path)}`,
        valueAt(json, path),
        "is not a field of a targets file",
      );
    }
    throw new ConfigError(`targets${fieldPath(issue.path)}`, valueAt(json, issue.path), issue.message);
  }
  const file = parsed.data;
  const known = Object.keys(parameters).join(", ") || "none";

  const fitted: FitParameter[] = [];
  for (const [name, b] of Object.entries(file.parameters)) {
    const field = `targets.parameters.${name}`;
    const spec = Object.hasOwn(parameters, name) ? parameters[name] : undefined;
    if (spec === undefined) throw new ConfigError(field, b, `no such parameter (parameters: ${known})`);
    if (spec.kind !== "number")
      throw new ConfigError(field, b, `is a ${spec.kind} parameter; only numbers can be fitted`);
    if (!(b.min < b.max)) throw new ConfigError(`${field}.max`, b.max, `must be > min (${b.min})`);
    for (const [key, v] of [
      ["min", b.min],
      ["max", b.max],
    ] as const) {
      if (spec.min !== undefined && v < spec.min) {
        throw new ConfigError(`${field}.${key}`, v, `must be ≥ the parameter's min (${spec.min})`);
      }
      if (spec.max !== undefined && v > spec.max) {
        throw new ConfigError(`${field}.${key}`, v, `must be ≤ the parameter's max (${spec.max})`);
      }
    }
    if (b.log === true && !(b.min > 0))
      throw new ConfigError(`${field}.min`, b.min, "must be > 0 on a log scale");
    const integer = spec.integer === true;
    if (integer && Math.floor(b.max) - Math.ceil(b.min) < 1) {
      throw new ConfigError(field, b, "must contain at least two integers (the parameter is an integer)");
    }
    fitted.push({ name, min: b.min, max: b.max, log: b.log === true, integer });
  }
  if (fitted.length === 0)
    throw new ConfigError("targets.parameters", file.parameters, "must name a parameter to fit");

  const fixed: Record<string, RawValue> = {};
  for (const [name, v] of Object.entries(file.fixed ?? {})) {
    const field = `targets.fixed.${name}`;
    const spec = Object.hasOwn(parameters, name) ? parameters[name] : undefined;
    if (spec === undefined) throw new ConfigError(field, v, `no such parameter (parameters: ${known})`);
    if (Object.hasOwn(file.parameters, name))
      throw new ConfigError(field, v, "is fitted: it cannot also be fixed");
    fixed[name] =
      typeof v === "string" && spec.kind !== "choice"
        ? reField(field, () => parseValue(name, spec, v))
        : validateValue(field, spec, v);
  }

  const seen = new Set<string>();
  const moments: TargetMoment[] = file.moments.map((m, i) => {
    const field = `targets.moments[${i}]`;
    if (m.se === undefined && m.weight === undefined) {
      throw new ConfigError(field, m.metric, "needs se (weight 1/se²) or weight");
    }
    if (seen.has(m.metric)) throw new ConfigError(`${field}.metric`, m.metric, "is already a target");
    seen.add(m.metric);
    return {
      metric: m.metric,
      target: m.target,
      ...(m.se === undefined ? {} : { se: m.se }),
      ...(m.weight === undefined ? {} : { weight: m.weight }),
      source: m.source,
    };
  });

  const d = fitted.length;
  const initial = file.search?.initial ?? Math.max(8, 4 * d);
  const maxEvaluations = overrides.maxEvaluations ?? file.search?.maxEvaluations ?? initial + 30 * d;
  if (maxEvaluations < initial) {
    throw new ConfigError(
      overrides.maxEvaluations !== undefined ? "--max-evals" : "targets.search.maxEvaluations",
      maxEvaluations,
      `must be ≥ the initial design's ${initial} points`,
    );
  }
  const starts = file.search?.starts ?? 2;
  if (starts > initial)
    throw new ConfigError("targets.search.starts", starts, `must be ≤ initial (${initial})`);
  const unc = file.uncertainty ?? true;
  return {
    description: file.description ?? null,
    parameters: fitted,
    fixed,
    moments,
    replications: overrides.replications ?? file.replications ?? 8,
    seed: overrides.seed ?? file.seed ?? null,
    search: {
      initial,
      starts,
      maxEvaluations,
      step: file.search?.step ?? 0.1,
      xtol: file.search?.xtol ?? 1e-3,
      ftol: file.search?.ftol ?? 1e-6,
    },
    uncertainty: unc === false ? null : { step: unc === true ? 0.02 : unc.step },
  };
}

/**
 * Checks that every target names a metric the runs report: a sim summary metric, or one of
 * `extras` (the experiment's `summarize` metrics, as a run reported them).
 * @throws {@link @cascade/core!ConfigError} `targets.moments[i].metric` naming the metrics there are.
 */
export function checkMetrics(moments: readonly TargetMoment[], extras: readonly string[]): void {
  const all = [...Object.keys(SUMMARY_METRICS), ...extras];
  moments.forEach((m, i) => {
    if (!all.includes(m.metric)) {
      throw new ConfigError(
        `targets.moments[${i}].metric`,
        m.metric,
        `is not a metric of the experiment's runs (metrics: ${all.join(", ")})`,
      );
    }
  });
}

/** Runs `f`, re-labelling a ConfigError's field (so a `--set`-style parse error names the targets field). */
function reField<T>(field: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof ConfigError) throw new ConfigError(field, e.value, e.reason);
    throw e;
  }
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let v: unknown = root;
  for (const key of path) {
    if (v === null || typeof v !== "object") return undefined;
    v = (v as Record<PropertyKey, unknown>)[key];
  }
  return v;
}
