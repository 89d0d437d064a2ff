/**
 * Experiments: what a researcher writes in `experiments/<name>.ts` — typed parameters, a sweep
 * over them, derived parameters, Monte Carlo replications, a master seed, and the world builder.
 * {@link defineExperiment} validates the definition and returns it, branded, as the file's
 * default export.
 *
 * @module
 */

import { ConfigError, type Seed } from "@cascade/core";
import { RESERVED_RUN_COLUMNS } from "@cascade/schema";
import type { RecorderConfig, SimResult, WorldConfig } from "@cascade/sim";
import { z } from "zod";
import {
  type BooleanParam,
  checkValue,
  noSuchParameter,
  type ParamSpec,
  type ParamSpecs,
  type ParamValue,
  type ParamValues,
} from "./params.ts";

/** Where in the experiment a run sits; handed to {@link ExperimentDefinition.build}. */
export interface RunContext {
  /**
   * The run's seed (32 hex digits), derived from (master seed, run id): use it as
   * `WorldConfig.seed` so the run can be reproduced alone.
   */
  readonly seed: string;
  /** The run id: `pointIndex × replications + replication`. */
  readonly runIndex: number;
  /** Replication of the parameter point (0-based). */
  readonly replication: number;
  /** Index of the parameter point in the sweep (0-based). */
  readonly pointIndex: number;
  /**
   * The experiment's master seed. For common random numbers across parameter points use
   * `{ seed: run.masterSeed, runIndex: run.replication }` instead of `run.seed`.
   */
  readonly masterSeed: Seed;
}

/** Numeric ranges (`[lo, hi]`) or allowed choices of the parameters a random or LHS sweep varies. */
export type SweepRanges<P extends ParamSpecs> = {
  readonly [K in keyof P]?: P[K] extends { kind: "number" }
    ? readonly [number, number]
    : readonly ParamValue<P[K]>[];
};

/**
 * When a conditional grid axis applies at a point: a predicate of the point's parameter values
 * (derived parameters are not yet computed), or the values other parameters must take —
 * `{ whale: true }`, `{ mode: ["partial", "paced"] }` (every listed parameter must match; a list
 * means "one of"). The declarative form is written into the manifest and the config hash as it is;
 * a function is recorded by its effect (the points it gives).
 */
export type SweepCondition<P extends ParamSpecs = ParamSpecs> =
  | ConditionPredicate<P>
  | { readonly [K in keyof P]?: ParamValue<P[K]> | readonly ParamValue<P[K]>[] };

/**
 * The function form of a {@link SweepCondition}: `(p) => p.whale`. (Declared through a method so
 * that an experiment's predicate still fits the runner's type-erased `Sweep`.)
 */
export type ConditionPredicate<P extends ParamSpecs = ParamSpecs> = {
  bivariant(params: ParamValues<P>): boolean;
}["bivariant"];

/**
 * A grid axis varied only where `when` holds, e.g.
 * `whaleBtc: { values: [30, 60, 120], when: { whale: true } }`. At the other points the parameter
 * keeps its default (or `--set` value), the grid points that thereby coincide are run once, and
 * the parameter's `runs.arrow` column holds null ("does not apply").
 */
export interface ConditionalAxis<
  V extends ParamValue<ParamSpec> = ParamValue<ParamSpec>,
  P extends ParamSpecs = ParamSpecs,
> {
  /** The values the axis takes where `when` holds. */
  readonly values: readonly V[];
  /** Where the axis applies. */
  readonly when: SweepCondition<P>;
}

/** One axis of a grid: a list of values, or a {@link ConditionalAxis}. */
export type GridAxis<
  V extends ParamValue<ParamSpec> = ParamValue<ParamSpec>,
  P extends ParamSpecs = ParamSpecs,
> = readonly V[] | ConditionalAxis<V, P>;

/**
 * How the parameter space is explored. Parameters a sweep does not vary take their default (or
 * their `--set` value).
 * - `grid`: every combination of `values` (the last key varies fastest). An axis written
 *   `{ values, when }` ({@link ConditionalAxis}) varies only at the points where `when` holds.
 * - `random`: `samples` points drawn uniformly from `ranges` (seeded by the master seed).
 * - `lhs`: a Latin hypercube of `samples` points over `ranges`: each of the `samples` equal strata
 *   of every dimension holds exactly one point (seeded).
 *
 * Without `ranges`, random and LHS sweeps vary every numeric parameter that has both `min` and `max`.
 */
export type Sweep<P extends ParamSpecs = ParamSpecs> =
  | {
      readonly kind: "grid";
      readonly values: { readonly [K in keyof P]?: GridAxis<ParamValue<P[K]>, P> };
    }
  | { readonly kind: "random"; readonly samples: number; readonly ranges?: SweepRanges<P> }
  | { readonly kind: "lhs"; readonly samples: number; readonly ranges?: SweepRanges<P> };

/** Names of the boolean parameters of `P` (what {@link ExperimentDefinition.counterfactual} may name). */
export type BooleanParamName<P extends ParamSpecs> = {
  [K in keyof P & string]: P[K] extends BooleanParam ? K : never;
}[keyof P & string];

/** Parameter values a run sees: the parameters plus the derived ones (numbers). */
export type RunParams<P extends ParamSpecs, D extends string> = ParamValues<P> & { [K in D]: number };

/** What a researcher writes: the argument of {@link defineExperiment}. */
export interface ExperimentDefinition<P extends ParamSpecs, D extends string = never> {
  /** Short identifier (letters, digits, `.`, `_`, `-`), normally the file name. */
  readonly name: string;
  /** One or two sentences: the question the experiment answers. */
  readonly description: string;
  /** The parameters, built with {@link param}. */
  readonly parameters: P;
  /** The sweep; default: the single point of the defaults. */
  readonly sweep?: Sweep<NoInfer<P>>;
  /**
   * Parameters computed from others with a mathjs expression, e.g. `{ notional: "capital * leverage" }`.
   * Evaluated once per parameter point (in declaration order; later ones may use earlier ones);
   * each must give a finite number.
   */
  readonly derived?: { readonly [K in D]: string };
  /** Monte Carlo runs per parameter point. Default 1. */
  readonly replications?: number;
  /**
   * The boolean parameter that switches the mechanism under study on (`true`) and off (`false`),
   * e.g. `"liquidationsEnabled"`. Runs with the same other parameters and replication, one with it
   * on and one off, form a counterfactual pair: `cascade run`, the report and `@cascade/analysis`
   * measure amplification (metric on ÷ off) on these pairs, whatever the parameter's name. The
   * sweep must be a grid that lists both `true` and `false` for it. Recorded in the manifest
   * (`counterfactual`) and in the schema metadata of `runs.arrow` (`cascade.counterfactual`).
   */
  readonly counterfactual?: NoInfer<BooleanParamName<P>>;
  /** Master seed of the experiment (a safe integer or a non-empty string). */
  readonly seed: Seed;
  /** Simulated time of each run, ns (or a function of the run's parameters). */
  readonly durationNs: number | ((params: RunParams<NoInfer<P>, NoInfer<D>>) => number);
  /** Builds the world of one run. Called in a worker thread; must not touch files. */
  build(params: RunParams<NoInfer<P>, NoInfer<D>>, run: RunContext): WorldConfig;
  /**
   * Recorder settings used when `build` leaves `recorder` unset. `record.trades` (default false) is
   * the experiment's switch for `trades.arrow`, applied to every run whatever `build` returns
   * (`cascade run --trades` / `--no-trades` override it).
   */
  readonly record?: RecorderConfig;
  /**
   * Extra summary metrics of a run, added as `runs.arrow` columns. A metric that does not apply
   * to a run (no recovery, no event) is `null` (or left out): it is stored as null, never NaN.
   */
  summarize?(
    result: SimResult,
    params: RunParams<NoInfer<P>, NoInfer<D>>,
  ): Record<string, number | null | undefined>;
  /**
   * Unit and meaning of each `summarize` metric, written into the field metadata of its
   * `runs.arrow` column (`cascade.unit`, `cascade.description`) and shown by the report.
   * @example `{ recovery_s: { unit: "s", description: "time from the bottom until the mark regains half the drop" } }`
   */
  readonly metrics?: { readonly [name: string]: MetricSpec };
}

/** Declared unit and meaning of an experiment metric (see {@link ExperimentDefinition.metrics}). */
export interface MetricSpec {
  /** What the metric measures, one sentence. */
  readonly description: string;
  /** Its unit, e.g. `"s"`, `"USDT"`, `"BTC"`, `"fraction"`; omit for a dimensionless count. */
  readonly unit?: string;
}

/** The brand that marks a value returned by {@link defineExperiment} (shared across threads). */
export const EXPERIMENT_BRAND: unique symbol = Symbol.for("cascade.experiment");

/** A validated experiment: the default export of an experiment file. */
export interface Experiment<P extends ParamSpecs = ParamSpecs, D extends string = string>
  extends ExperimentDefinition<P, D> {
  readonly [EXPERIMENT_BRAND]: true;
  readonly replications: number;
  readonly sweep: Sweep<P> | undefined;
  readonly derived: { readonly [K in D]: string };
}

/** An experiment with its parameter types erased (what the runner handles). */
export interface AnyExperiment {
  readonly [EXPERIMENT_BRAND]: true;
  readonly name: string;
  readonly description: string;
  readonly parameters: ParamSpecs;
  readonly sweep: Sweep | undefined;
  readonly derived: Readonly<Record<string, string>>;
  readonly replications: number;
  /** See {@link ExperimentDefinition.counterfactual}. */
  readonly counterfactual?: string;
  readonly seed: Seed;
  readonly durationNs: number | ((params: never) => number);
  build(params: never, run: RunContext): WorldConfig;
  readonly record?: RecorderConfig;
  summarize?(result: SimResult, params: never): Record<string, number | null | undefined>;
  readonly metrics?: { readonly [name: string]: MetricSpec };
}

const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const IDENT_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;
const fn = (message: string) =>
  z.custom<(...args: never[]) => unknown>((v) => typeof v === "function", { error: message });
const finite = z.number().refine(Number.isFinite, "must be a finite number");
const paramSchema = z.discriminatedUnion("kind", [
  z.object({
    kind: z.literal("number"),
    default: finite,
    min: finite.optional(),
    max: finite.optional(),
    integer: z.boolean().optional(),
    description: z.string({ error: "must be a string describing the parameter" }),
    doc: z.string().optional(),
    unit: z.string().optional(),
  }),
  z.object({
    kind: z.literal("choice"),
    choices: z.array(z.string().min(1)).min(1, "must list at least one choice"),
    default: z.string(),
    description: z.string().optional(),
    doc: z.string().optional(),
  }),
  z.object({
    kind: z.literal("boolean"),
    default: z.boolean(),
    description: z.string().optional(),
    doc: z.string().optional(),
  }),
]);
const axisSchema = z.union([
  z.array(z.unknown()),
  z
    .object({
      values: z.array(z.unknown(), { error: "must list the axis's values" }),
      when: z.union([fn("a function"), z.record(z.string(), z.unknown())], {
        error: "must be a function of the point's parameters or an object { parameter: value(s) }",
      }),
    })
    .strict(),
]);
const samples = z.number().int("must be an integer").min(1, "must be ≥ 1").max(10_000_000, "must be ≤ 10^7");
const definitionSchema = z.object({
  name: z.string().regex(NAME_RE, "must be letters, digits, '.', '_' or '-'"),
  description: z.string({ error: "must be a string" }),
  parameters: z.record(z.string().regex(IDENT_RE, "must be an identifier"), paramSchema),
  sweep: z
    .discriminatedUnion("kind", [
      z.object({ kind: z.literal("grid"), values: z.record(z.string(), axisSchema) }),
      z.object({
        kind: z.literal("random"),
        samples,
        ranges: z.record(z.string(), z.array(z.unknown())).optional(),
      }),
      z.object({
        kind: z.literal("lhs"),
        samples,
        ranges: z.record(z.string(), z.array(z.unknown())).optional(),
      }),
    ])
    .optional(),
  derived: z.record(z.string().regex(IDENT_RE, "must be an identifier"), z.string().min(1)).optional(),
  replications: z.number().int("must be an integer").min(1, "must be ≥ 1").optional(),
  counterfactual: z.string({ error: "must name a boolean parameter" }).optional(),
  seed: z.union(
    [z.number().int().refine(Number.isSafeInteger, "must be a safe integer"), z.string().min(1)],
    {
      error: "must be a safe integer or a non-empty string",
    },
  ),
  durationNs: z.union(
    [
      z.number().int().positive().refine(Number.isSafeInteger, "must be a safe integer"),
      fn("must be a function"),
    ],
    { error: "must be a positive integer number of nanoseconds (or a function of the parameters)" },
  ),
  build: fn("must be a function (params, run) => WorldConfig"),
  record: z.object({}).passthrough().optional(),
  summarize: fn("must be a function (result, params) => metrics").optional(),
  metrics: z
    .record(
      z.string().regex(IDENT_RE, "must be an identifier"),
      z.object({
        description: z
          .string({ error: "must be a string describing the metric" })
          .min(1, "must not be empty"),
        unit: z.string().optional(),
      }),
    )
    .optional(),
});

/**
 * Validates an experiment definition and brands it as the default export of an experiment file.
 *
 * @example
 * ```ts
 * export default defineExperiment({
 *   name: "leverage-sweep",
 *   description: "How retail leverage drives cascade size.",
 *   parameters: {
 *     leverage: param.number({ default: 20, min: 1, max: 125, description: "retail leverage", unit: "x" }),
 *     capital: param.number({ default: 1000, min: 100, description: "capital per account", unit: "USDT" }),
 *     mode: param.choice(["full", "partial"], { default: "full" }),
 *   },
 *   derived: { notional: "capital * leverage" },
 *   sweep: { kind: "grid", values: { leverage: [5, 20, 50], mode: ["full", "partial"] } },
 *   replications: 30,
 *   seed: 42,
 *   durationNs: minutes(30),
 *   build: (p, run) => ({ seed: run.seed, venues: [...], agents: [...] }),
 * });
 * ```
 * @throws {@link @cascade/core!ConfigError} naming the first bad field (`experiment.parameters.leverage.default`)
 * and its value.
 */
export function defineExperiment<const P extends ParamSpecs, const D extends string = never>(
  definition: ExperimentDefinition<P, D>,
): Experiment<P, D> {
  const parsed = definitionSchema.safeParse(definition);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const path = fieldPath(issue.path);
    throw new ConfigError(`experiment${path}`, valueAt(definition, issue.path), issue.message);
  }
  const def = definition as ExperimentDefinition<ParamSpecs, string>;
  checkParameters(def.parameters);
  const derived = (def.derived ?? {}) as Record<string, string>;
  for (const name of Object.keys(derived)) {
    if (Object.hasOwn(def.parameters, name)) {
      throw new ConfigError(`experiment.derived.${name}`, derived[name], "has the name of a parameter");
    }
    if (RESERVED_RUN_COLUMNS.has(name))
      throw new ConfigError(`experiment.derived.${name}`, derived[name], "is reserved");
  }
  if (def.sweep !== undefined) checkSweep(def.sweep as Sweep, def.parameters);
  if (def.counterfactual !== undefined) {
    checkCounterfactual(def.counterfactual, def.parameters, def.sweep as Sweep | undefined);
  }
  for (const name of Object.keys(def.metrics ?? {})) {
    const field = `experiment.metrics.${name}`;
    if (
      RESERVED_RUN_COLUMNS.has(name) ||
      Object.hasOwn(def.parameters, name) ||
      Object.hasOwn(derived, name)
    ) {
      throw new ConfigError(
        field,
        name,
        "is the name of a runs.arrow column already (a parameter or a summary metric)",
      );
    }
  }
  return Object.freeze({
    ...definition,
    sweep: definition.sweep,
    derived: Object.freeze({ ...derived }),
    replications: definition.replications ?? 1,
    [EXPERIMENT_BRAND]: true,
  }) as unknown as Experiment<P, D>;
}

/** Whether `value` is an experiment made by {@link defineExperiment} (in any thread or module copy). */
export function isExperiment(value: unknown): value is AnyExperiment {
  return (
    typeof value === "object" &&
    value !== null &&
    (value as Record<symbol, unknown>)[EXPERIMENT_BRAND] === true
  );
}

function checkParameters(parameters: ParamSpecs): void {
  for (const [name, spec] of Object.entries(parameters)) {
    const field = `experiment.parameters.${name}`;
    if (RESERVED_RUN_COLUMNS.has(name))
      throw new ConfigError(field, name, "is a reserved column name of runs.arrow");
    if (spec.kind === "number") {
      if (spec.min !== undefined && spec.max !== undefined && spec.min > spec.max) {
        throw new ConfigError(`${field}.max`, spec.max, `must be ≥ min (${spec.min})`);
      }
    }
    if (spec.kind === "choice" && new Set(spec.choices).size !== spec.choices.length) {
      throw new ConfigError(`${field}.choices`, spec.choices, "must not repeat a choice");
    }
    const why = checkValue(spec, spec.default);
    if (why !== undefined) throw new ConfigError(`${field}.default`, spec.default, why);
  }
}

/**
 * Checks a sweep against the parameters it varies.
 * @throws {@link @cascade/core!ConfigError} naming the sweep field (`experiment.sweep.values.leverage[2]`).
 */
export function checkSweep(sweep: Sweep, parameters: ParamSpecs, prefix = "experiment.sweep"): void {
  const specOf = (field: string, key: string): ParamSpec => {
    const spec = Object.hasOwn(parameters, key) ? parameters[key] : undefined;
    if (spec === undefined) {
      throw new ConfigError(
        field,
        key,
        `is not a parameter (parameters: ${Object.keys(parameters).join(", ") || "none"})`,
      );
    }
    return spec;
  };
  if (sweep.kind === "grid") {
    for (const [key, axis] of Object.entries(sweep.values as Record<string, GridAxis>)) {
      const spec = specOf(`${prefix}.values.${key}`, key);
      const conditional = !isArrayAxis(axis);
      const field = `${prefix}.values.${key}${conditional ? ".values" : ""}`;
      const values = axisValues(axis);
      if (values.length === 0) throw new ConfigError(field, values, "must list a value");
      values.forEach((v, i) => {
        const why = checkValue(spec, v);
        if (why !== undefined) throw new ConfigError(`${field}[${i}]`, v, why);
      });
      if (conditional) checkCondition(axis.when, key, parameters, `${prefix}.values.${key}.when`);
    }
    return;
  }
  const ranges = sweep.ranges as Record<string, readonly unknown[]> | undefined;
  if (ranges === undefined) {
    if (defaultDimensions(parameters).length === 0) {
      throw new ConfigError(
        `${prefix}.ranges`,
        undefined,
        "must be given: no numeric parameter has both min and max to sample from",
      );
    }
    return;
  }
  if (Object.keys(ranges).length === 0)
    throw new ConfigError(`${prefix}.ranges`, ranges, "must name a parameter");
  for (const [key, range] of Object.entries(ranges)) {
    const field = `${prefix}.ranges.${key}`;
    const spec = specOf(field, key);
    if (spec.kind === "number") {
      const [lo, hi] = range as readonly number[];
      if (range.length !== 2 || typeof lo !== "number" || typeof hi !== "number" || !(lo <= hi)) {
        throw new ConfigError(field, range, "must be [lo, hi] with lo ≤ hi");
      }
      for (const v of [lo, hi]) {
        const why = checkValue(spec.integer === true ? spec : { ...spec, integer: false }, v);
        if (why !== undefined) throw new ConfigError(field, range, `bound ${v} ${why}`);
      }
    } else {
      if (range.length === 0) throw new ConfigError(field, range, "must list a value");
      range.forEach((v, i) => {
        const why = checkValue(spec, v);
        if (why !== undefined) throw new ConfigError(`${field}[${i}]`, v, why);
      });
    }
  }
}

/** Whether a grid axis is a plain list of values (not a {@link ConditionalAxis}). */
export function isArrayAxis(axis: GridAxis): axis is readonly ParamValue<ParamSpec>[] {
  return Array.isArray(axis);
}

/** The values of a grid axis. */
export function axisValues(axis: GridAxis): readonly ParamValue<ParamSpec>[] {
  return isArrayAxis(axis) ? axis : axis.values;
}

/** Checks the declarative form of a condition: known parameters (not the axis itself), valid values. */
function checkCondition(when: SweepCondition, axis: string, parameters: ParamSpecs, field: string): void {
  if (typeof when === "function") return;
  const entries = Object.entries(when as Record<string, unknown>);
  if (entries.length === 0) throw new ConfigError(field, when, "must name at least one parameter");
  for (const [name, value] of entries) {
    const spec = Object.hasOwn(parameters, name) ? parameters[name] : undefined;
    if (spec === undefined)
      throw new ConfigError(`${field}.${name}`, value, noSuchParameter(name, parameters));
    if (name === axis)
      throw new ConfigError(`${field}.${name}`, value, "an axis cannot be conditioned on itself");
    const list = Array.isArray(value) ? value : [value];
    if (list.length === 0) throw new ConfigError(`${field}.${name}`, value, "must list a value");
    list.forEach((v, i) => {
      const why = checkValue(spec, v);
      if (why !== undefined) {
        throw new ConfigError(`${field}.${name}${Array.isArray(value) ? `[${i}]` : ""}`, v, why);
      }
    });
  }
}

/**
 * Checks a declared counterfactual: a boolean parameter that a grid sweep varies over both values.
 * @throws {@link @cascade/core!ConfigError} `experiment.counterfactual = "…": …`.
 */
export function checkCounterfactual(name: string, parameters: ParamSpecs, sweep: Sweep | undefined): void {
  const field = "experiment.counterfactual";
  const spec = Object.hasOwn(parameters, name) ? parameters[name] : undefined;
  if (spec === undefined) throw new ConfigError(field, name, noSuchParameter(name, parameters));
  if (spec.kind !== "boolean") {
    throw new ConfigError(field, name, `must name a boolean parameter (${name} is a ${spec.kind} parameter)`);
  }
  const axis =
    sweep?.kind === "grid" ? (sweep.values as Record<string, GridAxis | undefined>)[name] : undefined;
  const values = axis === undefined ? [] : axisValues(axis);
  if (!(values.includes(true) && values.includes(false))) {
    throw new ConfigError(
      field,
      name,
      `must be varied by the sweep over both values, e.g. sweep: { kind: "grid", values: { ${name}: [true, false] } } (else no run has a counterfactual)`,
    );
  }
}

/** The parameters a random or LHS sweep without `ranges` varies: numeric ones with min and max. */
export function defaultDimensions(parameters: ParamSpecs): string[] {
  return Object.entries(parameters)
    .filter(([, s]) => s.kind === "number" && s.min !== undefined && s.max !== undefined)
    .map(([k]) => k);
}

/** `["a", 0, "b"]` → `.a[0].b`. */
export function fieldPath(path: readonly PropertyKey[]): string {
  return path.map((p) => (typeof p === "number" ? `[${p}]` : `.${String(p)}`)).join("");
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let v: unknown = root;
  for (const key of path) {
    if (v === null || typeof v !== "object") return undefined;
    v = (v as Record<PropertyKey, unknown>)[key];
  }
  return v;
}
