/**
 * Field metadata of the assembled files: each column's unit and meaning (`cascade.unit`,
 * `cascade.description`), the codes of coded integer columns (`cascade.codes`, JSON), how
 * per-sample counts and agent gauges are aggregated (`cascade.aggregation`), and the experiment's
 * own metric declarations. Added at assembly (run and merge), so part records stay as they are.
 *
 * @module
 */

import { SUMMARY_METRICS } from "@cascade/sim";
import type { MetricSpec } from "../experiment.ts";
import type { TableName } from "./assemble.ts";

/** Field metadata key: the column's unit (`"s"`, `"quote"`, `"base"`, `"count"`, …). */
export const UNIT_KEY = "cascade.unit";
/** Field metadata key: what the column means. */
export const DESCRIPTION_KEY = "cascade.description";
/** Field metadata key: a coded integer column's codes, JSON `{"0": "book", …}`. */
export const CODES_KEY = "cascade.codes";
/** Field metadata key: how the value aggregates (`"interval"`: since the previous sample; `"sum over agents of kind <k>"`). */
export const AGGREGATION_KEY = "cascade.aggregation";

/**
 * Time-series columns that count what happened since the previous sample, renamed in
 * `timeseries.arrow` so they cannot be mistaken for the run totals of the same name in
 * `runs.arrow`: the simulator's name → the file's name.
 */
export const INTERVAL_COLUMNS: Readonly<Record<string, string>> = Object.freeze({
  liquidations: "liquidations_in_interval",
  liquidated_notional: "liquidated_notional_in_interval",
  adl_count: "adl_count_in_interval",
  takeover_qty: "takeover_qty_in_interval",
  kernel_events: "kernel_events_in_interval",
});

/** `runs.arrow` summary metrics stored as Int32 (counts). */
export const COUNT_METRICS: ReadonlySet<string> = new Set(["liquidations", "adl_count"]);

/** Codes of the `stage` column of `liquidations.arrow` (`LiquidationStage`). */
export const STAGE_CODES: Readonly<Record<string, string>> = Object.freeze({
  0: "book",
  1: "takeover",
  2: "adl",
  3: "fund_workout",
  4: "partial",
  5: "fund_cover",
});

const RUN_UNITS: Readonly<Record<string, string>> = {
  liquidations: "count",
  liquidated_notional: "quote",
  liquidated_qty: "base",
  takeover_qty: "base",
  adl_count: "count",
  adl_qty: "base",
  start_price: "quote/base",
  end_price: "quote/base",
  min_price: "quote/base",
  max_drawdown: "fraction",
  insurance_fund_start: "quote",
  insurance_fund_end: "quote",
  insurance_fund_min: "quote",
  insurance_fund_wallet_min: "quote",
  socialized_loss: "quote",
  conservation_error: "quote",
  kernel_events: "count",
  sim_seconds: "s",
};

const SERIES: Readonly<Record<string, readonly [string, string]>> = {
  time_s: ["s", "sample time"],
  last: ["quote/base", "last trade price; NaN before the first trade"],
  mid: ["quote/base", "(best bid + best ask) / 2; NaN when a side is empty"],
  mark: ["quote/base", "mark price"],
  index: ["quote/base", "index price"],
  spread: ["quote/base", "best ask − best bid"],
  open_interest: ["base", "total long position (= total short)"],
  funding_rate: ["fraction per funding interval", "last settled funding rate"],
  insurance_fund: ["quote", "insurance fund wallet"],
  insurance_fund_equity: ["quote", "fund wallet + unrealised PnL of its taken-over positions"],
  fund_inventory: ["base", "the insurance fund's position (+ long, − short)"],
  socialized_loss: ["quote", "losses neither the fund nor ADL covered so far (cumulative)"],
  liquidated_notional_in_interval: [
    "quote",
    "liquidated value at bankruptcy prices since the previous sample",
  ],
  liquidations_in_interval: ["count", "accounts liquidated since the previous sample"],
  adl_count_in_interval: ["count", "ADL steps since the previous sample"],
  takeover_qty_in_interval: ["base", "quantity taken over by the insurance fund since the previous sample"],
  halted: ["0/1", "circuit breaker active"],
  maintenance_multiplier: ["×", "dynamic-maintenance multiplier (1 = none)"],
  kernel_events_in_interval: ["count", "items the kernel processed since the previous sample"],
  latency_multiplier: ["×", "latency stress multiplier of the venue"],
  volume: ["base", "perpetual volume traded since the previous sample"],
  turnover: ["quote", "perpetual turnover since the previous sample"],
};

const LIQUIDATION_COLUMNS: Readonly<Record<string, readonly [string, string]>> = {
  time_s: ["s", "simulated time of the step"],
  account: ["", "liquidated account (ADL: the counterparty; fund workout: the fund)"],
  side: ["", "side of the position being closed"],
  qty: ["base", "quantity closed in this step"],
  mark: ["quote/base", "mark price at the step"],
  liquidation_price: ["quote/base", "the account's liquidation trigger (NaN for ADL and workout rows)"],
  bankruptcy_price: ["quote/base", "bankruptcy price of the closed quantity"],
  fill_price: ["quote/base", "average fill price of the step (NaN when nothing filled)"],
  fund_delta: ["quote", "change of the insurance fund's equity caused by the step"],
  stage: ["", "what the step did (codes in cascade.codes)"],
};

/**
 * The field metadata of column `name` of `table`, or `undefined`. `metrics` are the
 * experiment's metric declarations (for its `summarize` columns).
 */
export function columnMetadata(
  table: TableName,
  name: string,
  metrics: Readonly<Record<string, MetricSpec>> = {},
): Readonly<Record<string, string>> | undefined {
  const md = (unit: string, description: string, extra: Record<string, string> = {}) => ({
    ...(unit === "" ? {} : { [UNIT_KEY]: unit }),
    [DESCRIPTION_KEY]: description,
    ...extra,
  });
  if (table === "runs") {
    const spec = Object.hasOwn(metrics, name) ? metrics[name] : undefined;
    if (spec !== undefined) return md(spec.unit ?? "", spec.description);
    const d = Object.hasOwn(SUMMARY_METRICS, name) ? SUMMARY_METRICS[name] : undefined;
    return d === undefined ? undefined : md(RUN_UNITS[name] ?? "", `${d} (run total)`);
  }
  if (table === "liquidations") {
    const c = LIQUIDATION_COLUMNS[name];
    if (c === undefined) return undefined;
    if (name === "stage") return md(c[0], c[1], { [CODES_KEY]: JSON.stringify(STAGE_CODES) });
    if (name === "side") return md(c[0], c[1], { [CODES_KEY]: JSON.stringify({ 0: "long", 1: "short" }) });
    return md(c[0], c[1]);
  }
  if (name === "run_id") return undefined;
  const known = SERIES[name];
  if (known !== undefined) {
    const interval = name.endsWith("_in_interval") || name === "volume" || name === "turnover";
    return md(known[0], known[1], interval ? { [AGGREGATION_KEY]: "interval" } : {});
  }
  const band = /^(bid|ask)_depth_(.+)pct$/.exec(name);
  if (band !== null) {
    return md("base", `resting ${band[1]}s priced within ±${band[2]!.replace("_", ".")} % of the mid`);
  }
  const spot = /^spot_(mid|volume|turnover)_(.+)$/.exec(name);
  if (spot !== null) {
    const [unit, what] =
      spot[1] === "mid"
        ? ["quote/base", "mid"]
        : spot[1] === "volume"
          ? ["base", "volume traded since the previous sample"]
          : ["quote", "turnover since the previous sample"];
    return md(
      unit,
      `spot venue ${spot[2]}: ${what}`,
      spot[1] === "mid" ? {} : { [AGGREGATION_KEY]: "interval" },
    );
  }
  // Anything else is an agent gauge `<kind>_<gauge>`: the recorder sums it over every agent of that kind.
  return {
    [DESCRIPTION_KEY]:
      "agent gauge: the value each agent of the kind (the column's prefix) reports, summed over those agents at the sample",
    [AGGREGATION_KEY]: "sum over agents of the kind",
  };
}
