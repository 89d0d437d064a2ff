/**
 * The recorder: samples the followed perpetual venue (the world's first) into the fixed columns,
 * and every other venue into columns of its own ({@link Venue.series}: `spot_<what>_<venue>`,
 * `perp_<what>_<venue>`, …), on a fixed simulated-time grid, and at the end turns the followed
 * venue's liquidation log and its running totals into a {@link SimResult}. Prices and sizes leave the simulation here, converted
 * from ticks and lots to human units.
 *
 * @module
 */

import { ConfigError, NS_PER_SECOND, Side } from "@cascade/core";
import type { PerpVenue } from "@cascade/exchange";
import {
  depthColumn,
  gaugeColumn,
  type LiquidationColumn,
  SERIES_HEAD,
  SERIES_TAIL,
  type SeriesColumn,
  type SummaryMetricName,
  venueColumn,
} from "@cascade/schema";
import type { Agent, GaugeContext } from "./agent.ts";
import { ColumnTable } from "./columns.ts";
import { perpOf } from "./perp-venue-adapter.ts";
import { TraceHasher } from "./trace-hash.ts";
import type { TradeTable } from "./trade-log.ts";
import type { Venue, VenueSeries } from "./venue.ts";
import { priceOf, TradedSince } from "./venue-series.ts";

/** What to record and how often. */
export interface RecorderConfig {
  /** Sampling interval, ns. Default 1 s. */
  readonly intervalNs?: number;
  /** Depth bands around the mid, ppm (10,000 = 1 %). Default [10,000, 20,000]. */
  readonly depthBandsPpm?: readonly number[];
  /**
   * Record every execution — who traded with whom — as {@link SimResult.trades} (the runner's
   * `trades.arrow`). Default false: a large run executes millions of trades.
   */
  readonly trades?: boolean;
}

/** Columns of one run's liquidation steps, in human units. */
export interface LiquidationColumns {
  readonly time_s: Float64Array;
  readonly account: Int32Array;
  /** 0 long, 1 short. */
  readonly side: Uint8Array;
  readonly qty: Float64Array;
  readonly mark: Float64Array;
  readonly liquidation_price: Float64Array;
  readonly bankruptcy_price: Float64Array;
  readonly fill_price: Float64Array;
  readonly fund_delta: Float64Array;
  /** Stage code: an index into `LIQUIDATION_STAGE_NAMES` of `@cascade/schema`. */
  readonly stage: Uint8Array;
}

/** Everything one run produces. */
export interface SimResult {
  /** Sampled time series: one Float64 column per name, equal lengths. */
  readonly timeseries: Record<string, Float64Array>;
  /** Every liquidation step. */
  readonly liquidations: LiquidationColumns;
  /** Every execution on every venue, when the recorder records trades ({@link RecorderConfig.trades}). Not part of the trace hash. */
  readonly trades?: TradeTable;
  /** Scalar summary metrics of the run (see `SUMMARY_METRICS` of `@cascade/schema`). */
  readonly summary: Record<string, number>;
  /** Fingerprint of the time series and liquidation log: same seed ⇒ same hash. */
  readonly traceHash: string;
  /**
   * Names of the agents that had the oracle capability (`Agent.oracle`: read every account, not
   * only their own), in start order; empty for an ordinary run. Not part of the trace hash.
   */
  readonly oracleAgents?: readonly string[];
}

/** Samples a world into columns. */
export class Recorder {
  /** Sampling interval, ns. */
  readonly intervalNs: number;
  private readonly bands: readonly number[];
  private readonly table: ColumnTable;
  private readonly perp: PerpVenue;
  /** Every venue but the followed one, in world order: its series and its column names. */
  private readonly others: { readonly series: VenueSeries; readonly columns: readonly string[] }[] = [];
  /** Scratch for one venue's sample. */
  private readonly values: Float64Array;
  private readonly agents: readonly Agent[];
  /** Per agent (same order), the read-only context its gauges get. */
  private readonly gaugeContexts: readonly GaugeContext[];
  private readonly oracleAgents: readonly string[];
  private lastStats = { liquidations: 0, notional: 0, adl: 0, takeover: 0 };
  private lastEvents = 0;
  /** The followed venue's traded totals at the previous sample. */
  private readonly traded = new TradedSince();
  private readonly gaugeSums = new Map<string, number>();
  /** Per depth band, its bid and ask column names. */
  private readonly bandColumns: readonly (readonly [string, string])[];

  /**
   * @param venues the world's venues, named `names`; `followed` is the index of the one whose
   * columns are the fixed ones (a perpetual venue).
   */
  constructor(
    config: RecorderConfig,
    venues: readonly Venue[],
    names: readonly string[],
    followed: number,
    agents: readonly Agent[],
    gaugeContexts: readonly GaugeContext[] = [],
  ) {
    this.gaugeContexts = gaugeContexts;
    this.oracleAgents = agents.filter((a) => a.oracle === true).map((a) => a.name);
    this.intervalNs = config.intervalNs ?? NS_PER_SECOND;
    if (!(Number.isSafeInteger(this.intervalNs) && this.intervalNs > 0)) {
      throw new ConfigError("recorder.intervalNs", config.intervalNs, "must be a positive integer");
    }
    this.bands = config.depthBandsPpm ?? [10_000, 20_000];
    this.bands.forEach((b, i) => {
      if (!(Number.isInteger(b) && b > 0 && b < 1_000_000)) {
        throw new ConfigError(`recorder.depthBandsPpm[${i}]`, b, "must be an integer in (0, 10^6)");
      }
    });
    this.perp = perpOf(venues[followed]!, "recorder: followed venue", names[followed]);
    venues.forEach((v, i) => {
      if (i === followed) return;
      const series = v.series();
      this.others.push({ series, columns: series.names.map((what) => venueColumn(v.kind, what, names[i]!)) });
    });
    this.values = new Float64Array(Math.max(0, ...this.others.map((o) => o.columns.length)));
    this.agents = agents;
    // Column names and order are the output contract's (@cascade/schema).
    const cols: string[] = Object.keys(SERIES_HEAD);
    for (const b of this.bands) cols.push(depthColumn("bid", b), depthColumn("ask", b));
    cols.push(...Object.keys(SERIES_TAIL));
    for (const o of this.others) cols.push(...o.columns);
    const unique = new Set(cols);
    if (unique.size !== cols.length)
      throw new ConfigError(
        "world.venues",
        names,
        `give two venues' columns the same name (${cols.find((c, i) => cols.indexOf(c) !== i)})`,
      );
    this.table = new ColumnTable(cols);
    this.bandColumns = this.bands.map((b) => [depthColumn("bid", b), depthColumn("ask", b)] as const);
  }

  /** Records one sample at `nowNs`. */
  sample(nowNs: number, eventsProcessed: number, latencyMultiplier: number): void {
    const v = this.perp;
    const ins = v.instrument;
    const t = this.table;
    const r = t.addRow();
    const price = (ticks: number) => priceOf(ins, ticks);
    const bid = v.book.bestBid();
    const ask = v.book.bestAsk();
    const mid = v.midTicks();
    // Only the contract's names: a typo is a compile error, not a new column.
    const set = (name: SeriesColumn, value: number) => t.set(r, name, value);
    set("time_s", nowNs / NS_PER_SECOND);
    set("last", price(v.lastTradeTicks));
    set("mid", price(mid));
    set("mark", price(v.markTicks));
    set("index", price(v.indexTicks));
    set("spread", bid > 0 && ask > 0 ? ins.ticksToPrice(ask - bid) : Number.NaN);
    for (let k = 0; k < this.bands.length; k++) {
      const b = this.bands[k]!;
      const [bidCol, askCol] = this.bandColumns[k]!;
      if (Number.isFinite(mid)) {
        const lo = mid * (1 - b / 1_000_000);
        const hi = mid * (1 + b / 1_000_000);
        t.set(r, bidCol, ins.lotsToQty(v.book.qtyInRange(Side.Buy, lo, hi)));
        t.set(r, askCol, ins.lotsToQty(v.book.qtyInRange(Side.Sell, lo, hi)));
      } else {
        t.set(r, bidCol, ins.lotsToQty(v.book.bestBid() > 0 ? v.book.qtyWithinTicks(Side.Buy, 0) : 0));
        t.set(r, askCol, ins.lotsToQty(v.book.bestAsk() > 0 ? v.book.qtyWithinTicks(Side.Sell, 0) : 0));
      }
    }
    set("open_interest", ins.lotsToQty(v.openInterestLots()));
    set("funding_rate", v.lastFundingRateE8 / 1e8);
    set("insurance_fund", ins.unitsToQuote(v.insuranceFundUnits()));
    set("insurance_fund_equity", ins.unitsToQuote(v.insuranceFundEquityUnits()));
    set("fund_inventory", ins.lotsToQty(v.positionLots(0)));
    set("socialized_loss", ins.unitsToQuote(v.socializedLossUnits));
    const s = v.stats;
    set("liquidated_notional", ins.unitsToQuote(s.liquidatedNotionalUnits - this.lastStats.notional));
    set("liquidations", s.liquidations - this.lastStats.liquidations);
    set("adl_count", s.adlCount - this.lastStats.adl);
    set("takeover_qty", ins.lotsToQty(s.takeoverLots - this.lastStats.takeover));
    this.lastStats = {
      liquidations: s.liquidations,
      notional: s.liquidatedNotionalUnits,
      adl: s.adlCount,
      takeover: s.takeoverLots,
    };
    set("halted", v.isHalted() ? 1 : 0);
    set("maintenance_multiplier", v.maintenanceMultiplier());
    set("kernel_events", eventsProcessed - this.lastEvents);
    this.lastEvents = eventsProcessed;
    set("latency_multiplier", latencyMultiplier);
    // Traded volume (base) and turnover (quote) since the last sample: VWAPs over any window follow.
    this.traded.update(v.book, ins);
    set("volume", this.traded.volume);
    set("turnover", this.traded.turnover);
    const values = this.values;
    for (const o of this.others) {
      o.series.sample(values);
      for (let k = 0; k < o.columns.length; k++) t.set(r, o.columns[k]!, values[k]!);
    }
    // Agent gauges, summed per agent kind.
    this.gaugeSums.clear();
    for (let i = 0; i < this.agents.length; i++) {
      const a = this.agents[i]!;
      if (a.gauges === undefined) continue;
      const kind = a.kind;
      a.gauges((name, value) => {
        const key = this.gaugeKey(kind, name);
        this.gaugeSums.set(key, (this.gaugeSums.get(key) ?? 0) + value);
      }, this.gaugeContexts[i]!);
    }
    for (const [k, val] of this.gaugeSums) t.set(r, k, val);
  }

  private readonly gaugeKeys = new Map<string, Map<string, string>>();

  /** Column name of gauge `name` of agents of `kind` (computed once per pair). */
  private gaugeKey(kind: string, name: string): string {
    let byName = this.gaugeKeys.get(kind);
    if (byName === undefined) {
      byName = new Map();
      this.gaugeKeys.set(kind, byName);
    }
    let key = byName.get(name);
    if (key === undefined) {
      key = gaugeColumn(kind, name);
      byName.set(name, key);
    }
    return key;
  }

  /** The run's results up to `nowNs`: the followed venue's liquidation log and totals. */
  result(nowNs: number, eventsProcessed: number): SimResult {
    const venue = this.perp;
    const ins = venue.instrument;
    const timeseries = this.table.columns();
    const log = venue.liquidations;
    const n = log.length;
    const toPrice = (a: Float64Array) => a.slice(0, n).map((x) => (x > 0 ? ins.ticksToPrice(x) : Number.NaN));
    const liquidations = {
      time_s: log.timeNs.slice(0, n).map((x) => x / NS_PER_SECOND),
      account: log.account.slice(0, n),
      side: log.side.slice(0, n),
      qty: log.qtyLots.slice(0, n).map((x) => ins.lotsToQty(x)),
      mark: toPrice(log.markTicks),
      liquidation_price: toPrice(log.liquidationTicks),
      bankruptcy_price: toPrice(log.bankruptcyTicks),
      fill_price: toPrice(log.fillTicks),
      fund_delta: log.fundDeltaUnits.slice(0, n).map((x) => ins.unitsToQuote(x)),
      stage: log.stage.slice(0, n),
    } satisfies LiquidationColumns & Record<LiquidationColumn, ArrayLike<number>>;
    const mark = timeseries.mark ?? new Float64Array(0);
    let peak = Number.NEGATIVE_INFINITY;
    let maxDd = 0;
    let minPrice = Number.POSITIVE_INFINITY;
    let first = Number.NaN;
    let last = Number.NaN;
    for (const p of mark) {
      if (!Number.isFinite(p)) continue;
      if (Number.isNaN(first)) first = p;
      last = p;
      if (p > peak) peak = p;
      if (p < minPrice) minPrice = p;
      const dd = 1 - p / peak;
      if (dd > maxDd) maxDd = dd;
    }
    const fundEq = timeseries.insurance_fund_equity ?? new Float64Array(0);
    let fundMin = Number.POSITIVE_INFINITY;
    for (const f of fundEq) if (f < fundMin) fundMin = f;
    let walletMin = Number.POSITIVE_INFINITY;
    for (const f of timeseries.insurance_fund ?? []) if (f < walletMin) walletMin = f;
    const s = venue.stats;
    const summary: Record<SummaryMetricName, number> = {
      liquidations: s.liquidations,
      liquidated_notional: ins.unitsToQuote(s.liquidatedNotionalUnits),
      liquidated_qty: ins.lotsToQty(s.liquidatedLots),
      takeover_qty: ins.lotsToQty(s.takeoverLots),
      adl_count: s.adlCount,
      adl_qty: ins.lotsToQty(s.adlLots),
      start_price: first,
      end_price: last,
      min_price: Number.isFinite(minPrice) ? minPrice : Number.NaN,
      max_drawdown: maxDd,
      insurance_fund_start: (timeseries.insurance_fund ?? [])[0] ?? Number.NaN,
      insurance_fund_end: ins.unitsToQuote(venue.insuranceFundUnits()),
      insurance_fund_min: Number.isFinite(fundMin) ? fundMin : Number.NaN,
      insurance_fund_wallet_min: Number.isFinite(walletMin) ? walletMin : Number.NaN,
      socialized_loss: ins.unitsToQuote(venue.socializedLossUnits),
      conservation_error: ins.unitsToQuote(Math.abs(conservationGapUnits(venue))),
      kernel_events: eventsProcessed,
      sim_seconds: nowNs / NS_PER_SECOND,
    };
    const hasher = new TraceHasher();
    for (const [name, col] of Object.entries(timeseries)) {
      if (name === "kernel_events") continue; // a count of work done, not of what happened
      hasher.updateString(name).update(col);
    }
    for (const [name, col] of Object.entries(liquidations)) hasher.updateString(name).update(col);
    return { timeseries, liquidations, summary, traceHash: hasher.digest(), oracleAgents: this.oracleAgents };
  }
}

/** Σ wallets − Σ bases + fees − net deposits − socialised loss of a perpetual venue (0 when money is conserved). */
function conservationGapUnits(v: PerpVenue): number {
  const a = v.accounts;
  let sum = 0;
  for (let i = 0; i < a.count; i++) sum += a.wallet[i]! - a.basis[i]!;
  return sum + v.feesCollectedUnits - v.netDepositsUnits - v.socializedLossUnits;
}
