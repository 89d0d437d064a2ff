/**
 * `runs.arrow`: one row per run. Its columns, the role each plays, and the summary metrics every
 * run reports.
 *
 * @module
 */

import type { ColumnSpec } from "./keys.ts";

/**
 * What a `runs.arrow` column holds: the run's identity (`key`), a parameter (`param`), a derived
 * parameter (`derived`), its status (`status`), a simulator summary metric (`metric`), an
 * experiment `summarize` metric (`extra`), its trace hash (`trace`), or wall-clock time (`wall`).
 * Written on every field as `cascade.role`.
 */
export type ColumnRole = "key" | "param" | "derived" | "status" | "metric" | "extra" | "trace" | "wall";

/** Column order of `runs.arrow` by role. */
export const ROLE_ORDER: readonly ColumnRole[] = Object.freeze([
  "key",
  "param",
  "derived",
  "status",
  "metric",
  "extra",
  "trace",
  "wall",
]);

/** Roles of parameter columns: the values a run was given. */
export const PARAMETER_ROLES: ReadonlySet<ColumnRole> = new Set(["param", "derived"]);
/** Roles of numeric results: the values a run produced. */
export const METRIC_ROLES: ReadonlySet<ColumnRole> = new Set(["metric", "extra"]);

/** Whether `value` (a field's `cascade.role`) is a {@link ColumnRole}. */
export function isColumnRole(value: unknown): value is ColumnRole {
  return typeof value === "string" && (ROLE_ORDER as readonly string[]).includes(value);
}

/**
 * The runner's own columns of `runs.arrow` (neither parameters nor metrics), with their roles, in
 * file order within each role.
 */
export const BOOKKEEPING_COLUMNS: Readonly<Record<string, ColumnRole>> = Object.freeze({
  run_id: "key",
  seed: "key",
  point_index: "key",
  replication: "key",
  status: "status",
  error: "status",
  trace_hash: "trace",
  wall_ms: "wall",
});

/** A summary metric: unit, meaning and Arrow type. */
export interface SummaryMetricSpec extends ColumnSpec {
  /** `int32` for counts that fit, else `float64`. */
  readonly type: "int32" | "float64";
}

/**
 * The summary metrics every run reports (computed by the recorder on the world's first perpetual
 * venue), in file order.
 */
export const SUMMARY_METRICS = Object.freeze({
  liquidations: {
    unit: "count",
    type: "int32",
    description: "accounts liquidated (a partial liquidation counts once per event)",
  },
  liquidated_notional: {
    unit: "quote",
    type: "float64",
    description: "value closed by liquidation at bankruptcy prices",
  },
  liquidated_qty: { unit: "base", type: "float64", description: "quantity closed by liquidation" },
  takeover_qty: { unit: "base", type: "float64", description: "quantity taken over by the insurance fund" },
  adl_count: { unit: "count", type: "int32", description: "positions closed by auto-deleveraging" },
  adl_qty: { unit: "base", type: "float64", description: "quantity closed by auto-deleveraging" },
  start_price: { unit: "quote/base", type: "float64", description: "mark at the first sample" },
  end_price: { unit: "quote/base", type: "float64", description: "mark at the last sample" },
  min_price: { unit: "quote/base", type: "float64", description: "lowest sampled mark" },
  max_drawdown: {
    unit: "fraction",
    type: "float64",
    description: "largest fall of the sampled mark from its running peak",
  },
  insurance_fund_start: {
    unit: "quote",
    type: "float64",
    description: "insurance fund wallet at the first sample",
  },
  insurance_fund_end: { unit: "quote", type: "float64", description: "insurance fund wallet at the end" },
  insurance_fund_min: { unit: "quote", type: "float64", description: "lowest sampled insurance fund equity" },
  insurance_fund_wallet_min: {
    unit: "quote",
    type: "float64",
    description: "lowest sampled insurance fund wallet",
  },
  socialized_loss: {
    unit: "quote",
    type: "float64",
    description:
      "losses neither the insurance fund nor auto-deleveraging covered, recorded instead of a negative fund wallet",
  },
  conservation_error: {
    unit: "quote",
    type: "float64",
    description:
      "|Σ wallets − Σ bases + fees − net deposits − socialised loss| at the end (0 when money is conserved)",
  },
  // Float64: a long run can process more than 2^31 items.
  kernel_events: { unit: "count", type: "float64", description: "items the kernel processed" },
  sim_seconds: { unit: "s", type: "float64", description: "simulated time" },
} as const satisfies Readonly<Record<string, SummaryMetricSpec>>);

/** Name of a summary metric. */
export type SummaryMetricName = keyof typeof SUMMARY_METRICS;

/** Names of the summary metrics, in file order. */
export const SUMMARY_METRIC_NAMES: readonly SummaryMetricName[] = Object.freeze(
  Object.keys(SUMMARY_METRICS) as SummaryMetricName[],
);

/** The summary metric called `name`, or `undefined`. */
export function summaryMetric(name: string): SummaryMetricSpec | undefined {
  return Object.hasOwn(SUMMARY_METRICS, name) ? SUMMARY_METRICS[name as SummaryMetricName] : undefined;
}

/**
 * Names a parameter, derived parameter or `summarize` key may not take: the runner's own columns
 * and the summary metrics (a second column of the same name would vanish from `runs.arrow`).
 */
export const RESERVED_RUN_COLUMNS: ReadonlySet<string> = new Set([
  ...Object.keys(BOOKKEEPING_COLUMNS),
  ...SUMMARY_METRIC_NAMES,
]);
