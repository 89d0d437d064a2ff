/**
 * The validation metrics of one run, from its files' columns (`timeseries` and `liquidations` of
 * one run, as `@cascade/analysis` reads them), its parameters and its summary. Every metric named
 * in `validation/targets.json` is defined here, with the window it is measured over.
 *
 * Windows (1-second samples): the first {@link WARMUP_S} seconds are the world settling and are
 * never measured. A quiet run is measured from then to its end. A crash run's *pre-shock* window
 * ends when the shock starts; its *crash* window is the {@link CRASH_WINDOW_S} seconds from then.
 *
 * @module
 */

import {
  autocorrelation,
  depthCollapse,
  drawdownOf,
  everyNth,
  logReturnSd,
  logReturns,
  longestGap,
  quantile,
  relativeGap,
  shareAtMost,
  spreadBps,
  windowVwap,
} from "@cascade/analysis";
import { spotTraded } from "../lib/summary-metrics.ts";

/** Seconds at the start of every run that are not measured (books filling, makers warming up). */
export const WARMUP_S = 300;
/** Length of the crash window from the shock's start, seconds. */
export const CRASH_WINDOW_S = 15 * 60;
/**
 * Span of the densest stretch of the crash window, seconds: 20 % of it (Amberdata: 70 % of
 * 10 Oct 2025's liquidations fell in 40 minutes, i.e. the event was concentrated in time).
 */
export const DENSEST_SPAN_S = CRASH_WINDOW_S / 5;

type Cols = Readonly<Record<string, ArrayLike<number>>>;

/** What a run's metrics are computed from. */
export interface RunInput {
  readonly timeseries: Cols;
  readonly liquidations: Cols;
  readonly params: Readonly<Record<string, unknown>>;
  readonly summary: Readonly<Record<string, number>>;
}

/** Per-run metrics, plus the 1-minute index returns a quiet run contributes to pooled facts. */
export interface RunMetrics {
  readonly values: Record<string, number>;
  readonly returns1m: Float64Array;
}

function indexAtOrAfter(time: ArrayLike<number>, t: number): number {
  for (let i = 0; i < time.length; i++) if (time[i]! >= t) return i;
  return time.length;
}

function col(ts: Cols, name: string): ArrayLike<number> {
  const c = ts[name];
  if (c === undefined) throw new Error(`timeseries has no column "${name}"`);
  return c;
}

/** Lowest value of a column (NaN when empty). */
function minOf(x: ArrayLike<number>): number {
  let lo = Number.NaN;
  for (let i = 0; i < x.length; i++) if (!(x[i]! >= lo)) lo = x[i]!;
  return lo;
}

/**
 * Time structure of a crash's liquidations: `times` (s, ascending) and `notional` of each step that
 * closed a liquidated account, measured over the crash window [`fromS`, `toS`).
 * - `peakMinuteShare`: the largest share of the window's notional in one clock minute
 *   (`floor(t / 60)`, as an exchange's minute bars);
 * - `densestShare`: the largest share in any stretch of `spanS` seconds (a sliding window).
 * Both NaN when nothing was liquidated in the window.
 */
export function liquidationTimeStructure(
  times: ArrayLike<number>,
  notional: ArrayLike<number>,
  fromS: number,
  toS: number,
  spanS: number,
): { peakMinuteShare: number; densestShare: number } {
  let total = 0;
  const minute = new Map<number, number>();
  for (let i = 0; i < times.length; i++) {
    const t = times[i]!;
    if (i > 0 && t < times[i - 1]!)
      throw new Error(`liquidation times must ascend: ${times[i - 1]} then ${t}`);
    if (t < fromS || t >= toS) continue;
    total += notional[i]!;
    const m = Math.floor(t / 60);
    minute.set(m, (minute.get(m) ?? 0) + notional[i]!);
  }
  if (!(total > 0)) return { peakMinuteShare: Number.NaN, densestShare: Number.NaN };
  let peak = 0;
  for (const v of minute.values()) peak = Math.max(peak, v);
  // Two pointers: the densest stretch starts at some step, so trying each step's time suffices.
  let densest = 0;
  let sum = 0;
  let j = 0;
  for (let i = 0; i < times.length; i++) {
    const t = times[i]!;
    if (t < fromS || t >= toS) continue;
    if (j < i) j = i;
    while (j < times.length && times[j]! < Math.min(t + spanS, toS)) {
      if (times[j]! >= fromS) sum += notional[j]!;
      j++;
    }
    densest = Math.max(densest, sum);
    sum -= notional[i]!;
  }
  return { peakMinuteShare: peak / total, densestShare: densest / total };
}

/**
 * Time-weighted mean of the last settled funding rate over the 1-second samples in
 * `[fromS, toS)`, in % per 8 h (the recorder's `funding_rate` is quoted per 8 h whatever the
 * settlement interval). NaN unless funding first settled at or before `fromS`, so that every
 * sample reads a rate the venue set: an 8-hour interval never settles in a 30-minute run, and the
 * criterion then needs a shorter `fundingIntervalMinutes` (0: every second).
 */
export function meanFundingPct(
  time: ArrayLike<number>,
  rate: ArrayLike<number>,
  fromS: number,
  toS: number,
  firstSettlementS: number,
): number {
  if (!(firstSettlementS <= fromS)) return Number.NaN;
  let sum = 0;
  let n = 0;
  for (let i = 0; i < time.length; i++) {
    if (time[i]! < fromS || time[i]! >= toS) continue;
    sum += rate[i]!;
    n++;
  }
  return n > 0 ? (100 * sum) / n : Number.NaN;
}

function slice(x: ArrayLike<number>, from: number, to = x.length): Float64Array {
  return Float64Array.from({ length: Math.max(0, to - from) }, (_, k) => x[from + k]!);
}

/**
 * Largest drawdown within any hour of a 1-minute series (its whole length when shorter): the quiet
 * target bounds an hour's drawdown, and a random walk's drawdown grows with the window, so a
 * many-hour run is cut into hours rather than measured end to end.
 */
function worstHourDrawdown(perMinute: ArrayLike<number>): number {
  let worst = 0;
  for (let a = 0; a === 0 || a + 60 <= perMinute.length; a += 60) {
    worst = Math.max(worst, drawdownOf(slice(perMinute, a, Math.min(perMinute.length, a + 60))));
  }
  return worst;
}

/** Metrics of a run with no shock, measured from {@link WARMUP_S} to the end. */
export function quietMetrics(run: RunInput): RunMetrics {
  const ts = run.timeseries;
  const time = col(ts, "time_s");
  const from = indexAtOrAfter(time, WARMUP_S);
  const n = time.length;
  const mid = col(ts, "mid");
  const index = col(ts, "index");
  const index1m = everyNth(index, 60, from, n);
  const returns1m = logReturns(index1m);
  const oi = col(ts, "open_interest");
  let first = 0;
  while (first < n && !(index[first]! > 0 && oi[first]! > 0)) first++;
  const oiNotional = first < n ? oi[first]! * index[first]! : Number.NaN;
  // The quiet targets are hourly figures; a run of several hours estimates them from every hour.
  const hours = n > 0 ? (time[n - 1]! - time[0]! + 1) / 3600 : 0;
  return {
    values: {
      spread_bps_median: quantile(spreadBps(col(ts, "spread"), mid, from, n), 0.5),
      basis_bps_p99: quantile(relativeGap(mid, index, from, n), 0.99) * 1e4,
      index_sigma_1m_pct: logReturnSd(index1m) * 100,
      liquidated_oi_pct_per_hour:
        oiNotional > 0 && hours > 0
          ? (100 * (run.summary.liquidated_notional ?? 0)) / oiNotional / hours
          : Number.NaN,
      perp_vwap_drawdown_pct:
        worstHourDrawdown(windowVwap(col(ts, "volume"), col(ts, "turnover"), 60, from, n)) * 100,
      acf1_mid_1s: autocorrelation(logReturns(slice(mid, from, n)), 1)[1]!,
      fund_wallet_min: minOf(col(ts, "insurance_fund")),
    },
    returns1m,
  };
}

/** Metrics of a crash run: the shock starts at parameter `shockStartMinutes`. */
export function crashMetrics(run: RunInput): RunMetrics {
  const ts = run.timeseries;
  const time = col(ts, "time_s");
  const n = time.length;
  const shockS = Number(run.params.shockStartMinutes) * 60;
  const pre = indexAtOrAfter(time, Math.min(60, shockS));
  const shock = indexAtOrAfter(time, shockS);
  const end = Math.min(n, indexAtOrAfter(time, shockS + CRASH_WINDOW_S));
  const mid = col(ts, "mid");
  const index = col(ts, "index");
  const spread = col(ts, "spread");
  const depth = col(ts, "bid_depth_1pct");
  const collapse = depthCollapse(slice(depth, pre, n), shock - pre);
  const spot = spotTraded(ts);
  const oiAtShock = col(ts, "open_interest")[Math.min(shock, n - 1)]! * index[Math.min(shock, n - 1)]!;
  const liqNotional = run.summary.liquidated_notional ?? 0;
  const liqQty = run.summary.liquidated_qty ?? 0;
  const takeover = run.summary.takeover_qty ?? 0;
  // Liquidated notional before the shock, from the liquidation log (qty × bankruptcy price).
  const lt = run.liquidations.time_s ?? [];
  const lq = run.liquidations.qty ?? [];
  const lb = run.liquidations.bankruptcy_price ?? [];
  const stage = run.liquidations.stage ?? [];
  const lf = run.liquidations.fill_price ?? [];
  const side = run.liquidations.side ?? [];
  let preShock = 0;
  let total = 0;
  let longs = 0;
  let firstS = Number.NaN;
  // Steps that closed a liquidated account, for the time structure.
  const stepTimes: number[] = [];
  const stepNotional: number[] = [];
  let takeoverNotional = 0;
  let adlNotional = 0;
  for (let i = 0; i < lt.length; i++) {
    const s = stage[i];
    // ADL closes at the bankruptcy (or the fund's entry) value: its fill price.
    if (s === 2) adlNotional += Number.isFinite(lf[i]!) ? lq[i]! * lf[i]! : 0;
    // Stages book (0), takeover (1) and partial (4) close the liquidated account itself; ADL,
    // fund workout and fund cover re-count what it left.
    if (s !== 0 && s !== 1 && s !== 4) continue;
    const v = Number.isFinite(lb[i]!) ? lq[i]! * lb[i]! : 0;
    total += v;
    if (side[i] === 0) longs += v; // POSITION_SIDE_CODES: 0 = long
    if (s === 1) takeoverNotional += v;
    if (lt[i]! < shockS) preShock += v;
    if (v > 0 && !(lt[i]! >= firstS)) firstS = lt[i]!;
    stepTimes.push(lt[i]!);
    stepNotional.push(v);
  }
  const shape = liquidationTimeStructure(
    stepTimes,
    stepNotional,
    shockS,
    shockS + CRASH_WINDOW_S,
    DENSEST_SPAN_S,
  );
  const fundingMinutes = Number(run.params.fundingIntervalMinutes ?? 480);
  const perpDd = drawdownOf(slice(mid, pre, end));
  const indexDd = drawdownOf(slice(index, pre, end));
  return {
    values: {
      basis_within_1pct_share: shareAtMost(relativeGap(mid, index, shock, end), 0.01),
      perp_index_drawdown_gap_pp: Math.abs(perpDd - indexDd) * 100,
      bid_depth_1pct_min_ratio: collapse.minRatio,
      depth_recovery_s: collapse.recoverySamples,
      crash_spread_bps_median: quantile(spreadBps(spread, mid, shock, end), 0.5),
      longest_empty_side_s: longestGap(spread, shock, end),
      index_drawdown: drawdownOf(slice(index, pre, n)) * 100,
      perp_vwap_drawdown_pct:
        drawdownOf(windowVwap(col(ts, "volume"), col(ts, "turnover"), 60, pre, n)) * 100,
      spot_vwap_drawdown_pct: drawdownOf(windowVwap(spot.volume, spot.turnover, 60, pre, n)) * 100,
      liquidated_oi_pct: oiAtShock > 0 ? (100 * liqNotional) / oiAtShock : Number.NaN,
      liquidated_in_book_pct: liqQty > 0 ? 100 * (1 - takeover / liqQty) : Number.NaN,
      pre_shock_liquidated_pct: total > 0 ? (100 * preShock) / total : 0,
      liquidated_long_pct: total > 0 ? (100 * longs) / total : Number.NaN,
      fund_wallet_min: minOf(col(ts, "insurance_fund")),
      fund_takeover_pct: total > 0 ? (100 * takeoverNotional) / total : 0,
      adl_pct: total > 0 ? (100 * adlNotional) / total : 0,
      fund_end: run.summary.insurance_fund_end ?? Number.NaN,
      socialized_loss: run.summary.socialized_loss ?? 0,
      liquidation_onset_s: firstS - shockS,
      peak_minute_share_pct: 100 * shape.peakMinuteShare,
      densest_20pct_share_pct: 100 * shape.densestShare,
      post_crash_funding_pct: meanFundingPct(
        time,
        col(ts, "funding_rate"),
        shockS + CRASH_WINDOW_S,
        Number.POSITIVE_INFINITY,
        fundingMinutes > 0 ? fundingMinutes * 60 : 1,
      ),
    },
    returns1m: new Float64Array(0),
  };
}
