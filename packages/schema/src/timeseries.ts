/**
 * `timeseries.arrow`: one row per recorder sample per run. The fixed columns (the followed
 * perpetual venue: the world's first), the columns named after a depth band, every other venue
 * (`spot_<what>_<venue>`, `perp_<what>_<venue>`, `<kind>_<what>_<venue>`) or an agent gauge, and
 * how each name is built and read back.
 *
 * The simulator's in-memory `SimResult.timeseries` keeps short names for the per-sample changes
 * (`liquidations`, …); the file renames them with `_in_interval` ({@link INTERVAL_COLUMNS}) so they
 * cannot be mistaken for the run totals of `runs.arrow`.
 *
 * @module
 */

import { AGGREGATION_KEY, type ColumnSpec, DESCRIPTION_KEY, UNIT_KEY } from "./keys.ts";

/** A fixed time-series column: unit, meaning, and whether it is a change since the previous sample. */
export interface SeriesColumnSpec extends ColumnSpec {
  /** `int32` for per-sample counts, else `float64`. */
  readonly type: "float64" | "int32";
  /** A change since the previous sample (`cascade.aggregation` = `interval`). */
  readonly interval: boolean;
}

const level = (unit: string, description: string): SeriesColumnSpec =>
  Object.freeze({ unit, description, type: "float64", interval: false });
const change = (unit: string, description: string, type: "float64" | "int32" = "float64"): SeriesColumnSpec =>
  Object.freeze({ unit, description, type, interval: true });

/** Columns sampled before the depth bands, by the recorder's (= the file's) name, in order. */
export const SERIES_HEAD = Object.freeze({
  time_s: level("s", "sample time"),
  last: level("quote/base", "last trade price; NaN before the first trade"),
  mid: level("quote/base", "(best bid + best ask) / 2; NaN when a side is empty"),
  mark: level("quote/base", "mark price; NaN until the first index"),
  index: level("quote/base", "index price; NaN while no source has a price"),
  spread: level("quote/base", "best ask − best bid; NaN when a side is empty"),
});

/**
 * Columns sampled after the depth bands, by the recorder's name, in order (the file renames the
 * per-sample changes, see {@link INTERVAL_COLUMNS}).
 */
export const SERIES_TAIL = Object.freeze({
  open_interest: level("base", "total long position (= total short)"),
  funding_rate: level("fraction per funding interval", "last settled funding rate"),
  insurance_fund: level("quote", "insurance fund wallet"),
  insurance_fund_equity: level(
    "quote",
    "fund wallet + unrealised PnL of its taken-over positions at the mark",
  ),
  fund_inventory: level("base", "the insurance fund's position (+ long, − short)"),
  socialized_loss: level("quote", "losses neither the fund nor ADL covered so far (cumulative)"),
  liquidated_notional: change("quote", "liquidated value at bankruptcy prices since the previous sample"),
  liquidations: change("count", "accounts liquidated since the previous sample", "int32"),
  adl_count: change("count", "ADL steps since the previous sample", "int32"),
  takeover_qty: change("base", "quantity taken over by the insurance fund since the previous sample"),
  halted: level("0/1", "circuit breaker active"),
  maintenance_multiplier: level("×", "dynamic-maintenance multiplier (1 = none)"),
  kernel_events: change("count", "items the kernel processed since the previous sample", "int32"),
  latency_multiplier: level("×", "latency stress multiplier of the venue"),
  volume: change("base", "perpetual volume traded since the previous sample"),
  turnover: change("quote", "perpetual turnover since the previous sample"),
});

/** A recorder column name of {@link SERIES_HEAD} or {@link SERIES_TAIL}. */
export type SeriesColumn = keyof typeof SERIES_HEAD | keyof typeof SERIES_TAIL;

/**
 * Time-series columns that count what happened since the previous sample, renamed in
 * `timeseries.arrow`: the simulator's name → the file's name.
 */
export const INTERVAL_COLUMNS: Readonly<Record<string, string>> = Object.freeze({
  liquidations: "liquidations_in_interval",
  liquidated_notional: "liquidated_notional_in_interval",
  adl_count: "adl_count_in_interval",
  takeover_qty: "takeover_qty_in_interval",
  kernel_events: "kernel_events_in_interval",
});

/** The file's name of the recorder's time-series column `name`. */
export function seriesFileName(name: string): string {
  return Object.hasOwn(INTERVAL_COLUMNS, name) ? INTERVAL_COLUMNS[name]! : name;
}

/** The spec of a fixed column by its file (or recorder) name, or `undefined`. */
export function seriesColumn(fileName: string): SeriesColumnSpec | undefined {
  const own = (o: object, k: string) => Object.hasOwn(o, k);
  if (own(SERIES_HEAD, fileName)) return SERIES_HEAD[fileName as keyof typeof SERIES_HEAD];
  if (own(SERIES_TAIL, fileName)) return SERIES_TAIL[fileName as keyof typeof SERIES_TAIL];
  const simName = Object.keys(INTERVAL_COLUMNS).find((k) => INTERVAL_COLUMNS[k] === fileName);
  return simName === undefined ? undefined : SERIES_TAIL[simName as keyof typeof SERIES_TAIL];
}

/** Columns of the file stored as Int32 (per-sample counts), by file name. */
export const INT32_SERIES_COLUMNS: ReadonlySet<string> = new Set(
  Object.entries(SERIES_TAIL)
    .filter(([, s]) => s.type === "int32")
    .map(([k]) => seriesFileName(k)),
);

/** The depth band `ppm` (10,000 = 1 %) in a column name: `1pct`, `0_5pct`. */
export function bandName(ppm: number): string {
  return `${(ppm / 10_000).toString().replace(".", "_")}pct`;
}

/** Resting quantity within ±`ppm` of the mid on one side of the followed perpetual: `bid_depth_1pct`. */
export function depthColumn(side: "bid" | "ask", ppm: number): string {
  return `${side}_depth_${bandName(ppm)}`;
}

/** What the recorder samples of each spot venue: columns `spot_<what>_<venue>`. */
export const SPOT_SERIES = Object.freeze({
  mid: level("quote/base", "mid"),
  volume: change("base", "volume traded since the previous sample"),
  turnover: change("quote", "turnover since the previous sample"),
  bid_depth_1pct: level("base", "resting bids within 1 % below the mid (0 without a mid)"),
  ask_depth_1pct: level("base", "resting asks within 1 % above the mid (0 without a mid)"),
});

/**
 * What the recorder samples of each perpetual venue other than the followed one (the first, whose
 * columns are the fixed ones): columns `perp_<what>_<venue>`.
 */
export const PERP_SERIES = Object.freeze({
  mid: level("quote/base", "mid; NaN when a side is empty"),
  last: level("quote/base", "last trade price; NaN before the first trade"),
  mark: level("quote/base", "mark price; NaN until the first index"),
  index: level("quote/base", "index price; NaN while no source has a price"),
  open_interest: level("base", "total long position (= total short)"),
  funding_rate: level("fraction per funding interval", "last settled funding rate"),
  insurance_fund: level("quote", "insurance fund wallet"),
  liquidations: change("count", "accounts liquidated since the previous sample"),
  liquidated_notional: change("quote", "liquidated value at bankruptcy prices since the previous sample"),
  volume: change("base", "volume traded since the previous sample"),
  turnover: change("quote", "turnover since the previous sample"),
  bid_depth_1pct: level("base", "resting bids within 1 % below the mid (0 without a mid)"),
  ask_depth_1pct: level("base", "resting asks within 1 % above the mid (0 without a mid)"),
});

/**
 * What the recorder samples of every venue but the followed perpetual, by venue kind. A venue of
 * another kind (a custom one) names its own columns `<kind>_<what>_<venue>`; they carry no unit.
 */
export const VENUE_SERIES: Readonly<Record<string, Readonly<Record<string, SeriesColumnSpec>>>> =
  Object.freeze({ spot: SPOT_SERIES, perp: PERP_SERIES });

/** Column of venue `venue` (of kind `kind`)'s sample `what`: `<kind>_<what>_<venue>`, e.g. `spot_mid_binance`. */
export function venueColumn(kind: string, what: string, venue: string): string {
  return `${kind}_${what}_${venue}`;
}

/** Column of spot venue `venue`'s sample `what`: `spot_mid_<venue>`. */
export function spotColumn(what: keyof typeof SPOT_SERIES, venue: string): string {
  return venueColumn("spot", what, venue);
}

/** Column of gauge `name` of agents of kind `kind`: `<kind>_<name>`, other characters than `[A-Za-z0-9_]` as `_`. */
export function gaugeColumn(kind: string, name: string): string {
  return `${kind}_${name}`.replace(/[^A-Za-z0-9_]/g, "_");
}

/** What an agent gauge column means (its `cascade.description`). */
export const GAUGE_DESCRIPTION =
  "agent gauge: the value each agent of the kind (the column's prefix) reports, summed over those agents at the sample";
/** How an agent gauge column aggregates (its `cascade.aggregation`). */
export const GAUGE_AGGREGATION = "sum over agents of the kind";

/**
 * Field metadata of time-series column `name` (a file name). A name that is no fixed, depth-band
 * or spot column is an agent gauge; `run_id` has none.
 */
export function seriesMetadata(name: string): Readonly<Record<string, string>> | undefined {
  if (name === "run_id") return undefined;
  const fixed = seriesColumn(name);
  if (fixed !== undefined) return specMetadata(fixed, fixed.description);
  const band = /^(bid|ask)_depth_(.+)pct$/.exec(name);
  if (band !== null)
    return specMetadata(
      level("base", ""),
      `resting ${band[1]}s priced within ±${band[2]!.replace("_", ".")} % of the mid`,
    );
  for (const [kind, series] of Object.entries(VENUE_SERIES))
    for (const [what, spec] of Object.entries(series)) {
      const prefix = venueColumn(kind, what, "");
      if (name.startsWith(prefix) && name.length > prefix.length)
        return specMetadata(
          spec,
          `${kindName(kind)} venue ${name.slice(prefix.length)}: ${spec.description}`,
        );
    }
  return { [DESCRIPTION_KEY]: GAUGE_DESCRIPTION, [AGGREGATION_KEY]: GAUGE_AGGREGATION };
}

function kindName(kind: string): string {
  return kind === "perp" ? "perpetual" : kind;
}

function specMetadata(spec: SeriesColumnSpec, description: string): Record<string, string> {
  return {
    [UNIT_KEY]: spec.unit,
    [DESCRIPTION_KEY]: description,
    ...(spec.interval ? { [AGGREGATION_KEY]: "interval" } : {}),
  };
}
