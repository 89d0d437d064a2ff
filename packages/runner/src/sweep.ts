/**
 * Parameter points of a sweep: full-factorial grids, uniform random samples and Latin hypercubes
 * (seeded from the master seed, so the points are the same on every machine), and derived
 * parameters evaluated with mathjs once per point.
 *
 * @module
 */

import { ConfigError, deriveSeed, RandomStream, type Seed } from "@cascade/core";
import {
  axisValues,
  type ConditionalAxis,
  defaultDimensions,
  type GridAxis,
  isArrayAxis,
  type Sweep,
  type SweepCondition,
} from "./experiment.ts";
import type { ParamSpec, ParamSpecs, RawValue } from "./params.ts";

/** One parameter point: a value for every parameter (derived ones are added by the plan). */
export type ParamPoint = Readonly<Record<string, RawValue>>;

/**
 * Number of points a sweep gives (grid: product of the value counts; random/LHS: `samples`;
 * no sweep: 1). For a grid with conditional axes this counts the full grid, an upper bound: pass
 * `parameters` for the exact count (the points {@link sweepPoints} gives).
 */
export function sweepSize(sweep: Sweep | undefined, parameters?: ParamSpecs): number {
  if (sweep === undefined) return 1;
  if (sweep.kind === "grid") {
    if (parameters !== undefined && hasConditions(sweep)) return gridPlan(sweep, parameters).points.length;
    return Object.values(sweep.values as Record<string, GridAxis>).reduce(
      (n, v) => n * axisValues(v).length,
      1,
    );
  }
  return sweep.samples;
}

/** The points of a sweep and, for a grid with conditional axes, what the conditions did. */
export interface SweepPlan {
  /** The points, in run order. */
  readonly points: ParamPoint[];
  /**
   * Per point, the conditional axes whose condition does not hold there (the parameter kept its
   * default; `runs.arrow` holds null). Empty lists without conditions.
   */
  readonly inactive: (readonly string[])[];
  /** What the conditions did (`null`: the sweep has no conditional axis). */
  readonly conditions: SweepConditionsRecord | null;
}

/** What the conditional axes of a grid did: written to the manifest as `sweepConditions`. */
export interface SweepConditionsRecord {
  /** Points of the full grid, before the conditions. */
  readonly gridPoints: number;
  /** Points run. */
  readonly points: number;
  /** Grid points not run: with their inactive axes at the default, identical to an earlier point. */
  readonly skippedPoints: number;
  /** Per conditional axis: its condition (a function as its source text) and at how many run points it does not apply. */
  readonly axes: Readonly<Record<string, { readonly when: unknown; readonly inactivePoints: number }>>;
}

/** Whether a grid sweep has a conditional axis. */
export function hasConditions(sweep: Sweep | undefined): boolean {
  return (
    sweep?.kind === "grid" &&
    Object.values(sweep.values as Record<string, GridAxis>).some((a) => !isArrayAxis(a))
  );
}

/**
 * The points of `sweep` over `parameters`, in the order runs are numbered. Parameters the sweep
 * does not vary take their default.
 * - grid: keys in the order written, the last one varying fastest; a conditional axis whose
 *   `when` does not hold at a point takes its default there, and a point that thereby equals an
 *   earlier one is dropped (the earlier one stands for both), so the run order is the grid's;
 * - random: point by point, dimension by dimension, uniform draws from the stream
 *   `cascade/sweep/random` of the master seed;
 * - lhs: for each dimension a random permutation of the strata, each point at a uniform position
 *   within its stratum (stream `cascade/sweep/lhs`).
 */
export function sweepPoints(sweep: Sweep | undefined, parameters: ParamSpecs, seed: Seed): ParamPoint[] {
  return planSweep(sweep, parameters, seed).points;
}

/** {@link sweepPoints} with what conditional axes did (see {@link SweepPlan}). */
export function planSweep(sweep: Sweep | undefined, parameters: ParamSpecs, seed: Seed): SweepPlan {
  if (sweep?.kind === "grid") return gridPlan(sweep, parameters);
  const points = samplePoints(sweep, parameters, seed);
  return { points, inactive: points.map(() => []), conditions: null };
}

function defaultsOf(parameters: ParamSpecs): Record<string, RawValue> {
  const defaults: Record<string, RawValue> = {};
  for (const [k, s] of Object.entries(parameters)) defaults[k] = s.default;
  return defaults;
}

function gridPlan(sweep: Extract<Sweep, { kind: "grid" }>, parameters: ParamSpecs): SweepPlan {
  const defaults = defaultsOf(parameters);
  const axes = sweep.values as Record<string, GridAxis>;
  const keys = Object.keys(axes);
  const lists = keys.map((k) => axisValues(axes[k]!));
  const n = lists.reduce((m, l) => m * l.length, 1);
  const conditional = keys.filter((k) => !isArrayAxis(axes[k]!));
  const points: ParamPoint[] = [];
  const inactive: string[][] = [];
  const seen = new Map<string, number>();
  for (let i = 0; i < n; i++) {
    const p = { ...defaults };
    let rest = i;
    for (let d = keys.length - 1; d >= 0; d--) {
      const list = lists[d]!;
      p[keys[d]!] = list[rest % list.length]!;
      rest = Math.floor(rest / list.length);
    }
    if (conditional.length === 0) {
      points.push(p);
      inactive.push([]);
      continue;
    }
    // Conditions in key order, each seeing the axes before it already collapsed.
    const off: string[] = [];
    for (const k of conditional) {
      if (holds((axes[k] as ConditionalAxis).when, p, k)) continue;
      p[k] = defaults[k]!;
      off.push(k);
    }
    const key = JSON.stringify(keys.map((k) => p[k]));
    const earlier = seen.get(key);
    if (earlier === undefined) {
      seen.set(key, points.length);
      points.push(p);
      inactive.push(off);
    } else {
      // The same world again: an axis counts as inactive only if it is inactive in every copy.
      inactive[earlier] = inactive[earlier]!.filter((k) => off.includes(k));
    }
  }
  if (conditional.length === 0) return { points, inactive, conditions: null };
  const record: Record<string, { when: unknown; inactivePoints: number }> = {};
  for (const k of conditional) {
    const when = (axes[k] as ConditionalAxis).when;
    record[k] = {
      when: typeof when === "function" ? `function: ${String(when)}` : when,
      inactivePoints: inactive.filter((l) => l.includes(k)).length,
    };
  }
  return {
    points,
    inactive,
    conditions: { gridPoints: n, points: points.length, skippedPoints: n - points.length, axes: record },
  };
}

/** Whether `when` holds at point `p` (for axis `axis`, named in errors). */
function holds(when: SweepCondition, p: Record<string, RawValue>, axis: string): boolean {
  if (typeof when === "function") {
    let v: unknown;
    try {
      v = (when as (p: Record<string, RawValue>) => unknown)(Object.freeze({ ...p }));
    } catch (e) {
      throw new ConfigError(
        `experiment.sweep.values.${axis}.when`,
        JSON.stringify(p),
        `threw at this point: ${(e as Error).message}`,
      );
    }
    if (typeof v !== "boolean") {
      throw new ConfigError(
        `experiment.sweep.values.${axis}.when`,
        v,
        `must return true or false (at ${JSON.stringify(p)})`,
      );
    }
    return v;
  }
  for (const [name, want] of Object.entries(when as Record<string, RawValue | readonly RawValue[]>)) {
    const have = p[name]!;
    if (Array.isArray(want) ? !want.includes(have) : want !== have) return false;
  }
  return true;
}

function samplePoints(
  sweep: Extract<Sweep, { kind: "random" | "lhs" }> | undefined,
  parameters: ParamSpecs,
  seed: Seed,
): ParamPoint[] {
  const defaults = defaultsOf(parameters);
  if (sweep === undefined) return [defaults];
  const dims = dimensions(sweep, parameters);
  const n = sweep.samples;
  const rng = new RandomStream(
    `cascade/sweep/${sweep.kind}`,
    deriveSeed(seed, 0, `cascade/sweep/${sweep.kind}`),
  );
  const u: Float64Array[] = dims.map(() => new Float64Array(n));
  if (sweep.kind === "random") {
    for (let i = 0; i < n; i++) for (let d = 0; d < dims.length; d++) u[d]![i] = rng.next();
  } else {
    for (let d = 0; d < dims.length; d++) {
      const perm = Array.from({ length: n }, (_, i) => i);
      for (let i = n - 1; i > 0; i--) {
        const j = rng.int(i + 1);
        const t = perm[i]!;
        perm[i] = perm[j]!;
        perm[j] = t;
      }
      for (let i = 0; i < n; i++) u[d]![i] = (perm[i]! + rng.next()) / n;
    }
  }
  const points: ParamPoint[] = [];
  for (let i = 0; i < n; i++) {
    const p = { ...defaults };
    dims.forEach((dim, d) => {
      p[dim.name] = dim.at(u[d]![i]!);
    });
    points.push(p);
  }
  return points;
}

/** A dimension of a random or LHS sweep: maps u ∈ [0, 1) to a parameter value. */
interface Dimension {
  readonly name: string;
  at(u: number): RawValue;
}

function dimensions(sweep: Extract<Sweep, { kind: "random" | "lhs" }>, parameters: ParamSpecs): Dimension[] {
  const ranges = (sweep.ranges ?? {}) as Record<string, readonly RawValue[]>;
  const names = sweep.ranges === undefined ? defaultDimensions(parameters) : Object.keys(ranges);
  return names.map((name) => {
    const spec = parameters[name]!;
    const range = ranges[name];
    if (spec.kind === "number") {
      const lo = (range?.[0] as number | undefined) ?? spec.min!;
      const hi = (range?.[1] as number | undefined) ?? spec.max!;
      return spec.integer === true
        ? { name, at: (x: number) => Math.min(hi, Math.floor(lo + x * (hi - lo + 1))) }
        : { name, at: (x: number) => lo + x * (hi - lo) };
    }
    const values = range ?? allValues(spec);
    return { name, at: (x: number) => values[Math.min(values.length - 1, Math.floor(x * values.length))]! };
  });
}

function allValues(spec: ParamSpec): readonly RawValue[] {
  if (spec.kind === "choice") return spec.choices;
  if (spec.kind === "boolean") return [false, true];
  return [spec.default];
}

/** A compiled set of derived-parameter expressions. */
export interface DerivedEvaluator {
  /** Derived names in evaluation (and column) order. */
  readonly names: readonly string[];
  /** The derived values at `point` (finite numbers). @throws {@link @cascade/core!ConfigError} naming the expression. */
  evaluate(point: ParamPoint): Record<string, number>;
}

/**
 * Compiles derived-parameter expressions with mathjs (loaded on first use: it takes a second or
 * two to import, so workers never load it — derived values are computed once per point in the
 * main thread and shipped with each run).
 * @throws {@link @cascade/core!ConfigError} `experiment.derived.<name>` on a syntax error.
 */
export async function compileDerived(derived: Readonly<Record<string, string>>): Promise<DerivedEvaluator> {
  const names = Object.keys(derived);
  if (names.length === 0) return { names, evaluate: () => ({}) };
  const mathjs = await import("mathjs");
  const math = mathjs.create(mathjs.all, {});
  const compiled = names.map((name) => {
    try {
      return math.compile(derived[name]!);
    } catch (e) {
      throw new ConfigError(
        `experiment.derived.${name}`,
        derived[name],
        `does not parse: ${(e as Error).message}`,
      );
    }
  });
  return {
    names,
    evaluate(point: ParamPoint): Record<string, number> {
      const scope = new Map<string, unknown>(Object.entries(point));
      const out: Record<string, number> = {};
      names.forEach((name, i) => {
        let v: unknown;
        try {
          v = compiled[i]!.evaluate(scope);
        } catch (e) {
          throw new ConfigError(
            `experiment.derived.${name}`,
            derived[name],
            `cannot be evaluated at ${JSON.stringify(point)}: ${(e as Error).message}`,
          );
        }
        if (typeof v === "boolean") v = v ? 1 : 0;
        if (typeof v !== "number" || !Number.isFinite(v)) {
          throw new ConfigError(
            `experiment.derived.${name}`,
            derived[name],
            `must give a finite number, gave ${String(v)} at ${JSON.stringify(point)}`,
          );
        }
        out[name] = v;
        scope.set(name, v);
      });
      return out;
    },
  };
}
