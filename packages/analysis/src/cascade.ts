/**
 * Cascade metrics of one run: pure functions over columns (Float64Arrays of equal length, times in
 * simulated seconds, prices in quote currency per base unit). Non-finite samples (NaN marks before the
 * first quote, nulls) are skipped everywhere.
 *
 * @module
 */

import { LiquidationStage } from "@cascade/schema";
import type { ParamValue, RunRecord } from "./read.ts";

/** The largest fall of a price series from its running peak; see {@link maxDrawdown}. */
export interface Drawdown {
  /** Largest fall from the running peak, as a fraction of the peak (0 when the series never falls). */
  readonly drawdown: number;
  /** Index of the peak that the largest fall is measured from (-1 when no finite sample). */
  readonly peakIndex: number;
  /** Index of the trough (the bottom) of the largest fall (-1 when no finite sample). */
  readonly troughIndex: number;
  /** Price at the peak. */
  readonly peak: number;
  /** Price at the trough. */
  readonly trough: number;
}

/**
 * Maximum drawdown: `max_t (1 − p_t / max_{s ≤ t} p_s)` over samples `startIndex … end`, with the
 * running peak also starting at `startIndex` — the same definition as the recorder's `max_drawdown`
 * summary metric when `startIndex = 0`.
 *
 * @param price - price series (e.g. the `mark` column).
 * @param startIndex - first sample considered (e.g. the sample of a shock's start). Default 0.
 * @example
 * ```ts
 * maxDrawdown(Float64Array.of(100, 110, 88, 95)).drawdown; // 0.2 (110 → 88)
 * ```
 */
export function maxDrawdown(price: ArrayLike<number>, startIndex = 0): Drawdown {
  let peak = Number.NEGATIVE_INFINITY;
  let peakIdx = -1;
  let best: Drawdown = { drawdown: 0, peakIndex: -1, troughIndex: -1, peak: Number.NaN, trough: Number.NaN };
  for (let i = Math.max(0, startIndex); i < price.length; i++) {
    const p = price[i]!;
    if (!(Number.isFinite(p) && p > 0)) continue;
    if (p > peak) {
      peak = p;
      peakIdx = i;
    }
    if (best.troughIndex < 0) best = { drawdown: 0, peakIndex: i, troughIndex: i, peak: p, trough: p };
    const dd = 1 - p / peak;
    if (dd > best.drawdown) best = { drawdown: dd, peakIndex: peakIdx, troughIndex: i, peak, trough: p };
  }
  return best;
}

/** Options of {@link cascadeTiming}. */
export interface CascadeTimingOptions {
  /**
   * Start of the shock, simulated seconds: the drawdown and its running peak are measured from the
   * first sample at or after this time, and time to bottom is counted from it. Default: the first sample.
   */
  readonly shockTimeS?: number;
  /** Fractions of the drop (peak − trough) the price must regain to count as recovered. Default [0.5, 1]. */
  readonly recoveryFractions?: readonly number[];
  /**
   * How long the price must stay at or above a recovery level for the recovery to count, s
   * (default {@link RECOVERY_PERSIST_S}): a one-sample poke above the level in the noise of the
   * bottom is not a recovery. 0 takes the first sample at or above the level.
   */
  readonly recoveryPersistS?: number;
}

/** Default of {@link CascadeTimingOptions.recoveryPersistS}: a recovery must hold 30 s. */
export const RECOVERY_PERSIST_S = 30;

/** Recovery after the bottom; see {@link cascadeTiming}. */
export interface Recovery {
  /** Fraction of the drop regained (0.5 = half-way back to the peak). */
  readonly fraction: number;
  /** Price level that counts as recovered: `trough + fraction × (peak − trough)`. */
  readonly level: number;
  /**
   * First time at or after the bottom from which the price stays ≥ level for the persistence
   * window (every finite sample of `[timeS, timeS + persist]`, the window inside the run), s; NaN
   * when it never does within the run.
   */
  readonly timeS: number;
  /** `timeS − bottomTimeS`, s; NaN when never recovered. */
  readonly timeToRecoveryS: number;
}

/** Timing of a run's largest fall; see {@link cascadeTiming}. */
export interface CascadeTiming extends Drawdown {
  /** Origin of the clock: the shock start if given, else the first sample's time, s. */
  readonly originS: number;
  /** Time of the peak the largest fall starts from, s. */
  readonly peakTimeS: number;
  /** Time of the bottom (trough of the largest fall), s. */
  readonly bottomTimeS: number;
  /** `bottomTimeS − originS`, s: how long the price took to reach the bottom. */
  readonly timeToBottomS: number;
  /** Recovery to each requested fraction of the drop. */
  readonly recoveries: readonly Recovery[];
}

/**
 * Drawdown, time to bottom and time to recovery of a price series.
 *
 * Definitions: the drawdown is {@link maxDrawdown} from the origin (shock start or first sample);
 * the *bottom* is its trough; *time to bottom* = bottom time − origin; *time to recovery at fraction f*
 * = first time after the bottom from which the price stays at or above `f` of the drop regained
 * (`p ≥ trough + f·(peak − trough)`) for `recoveryPersistS` (default 30 s, the window inside the
 * run), minus the bottom time (NaN if it never does within the run). With no drawdown, the bottom
 * is the origin and every recovery time is 0.
 *
 * @param timeS - sample times, s.
 * @param price - prices at those times (the `mark` column by default in reports).
 * @example
 * ```ts
 * const t = cascadeTiming(ts.time_s, ts.mark, { shockTimeS: 300 });
 * t.timeToBottomS; t.recoveries[0].timeToRecoveryS; // half-way recovery
 * ```
 */
export function cascadeTiming(
  timeS: ArrayLike<number>,
  price: ArrayLike<number>,
  options: CascadeTimingOptions = {},
): CascadeTiming {
  const fractions = options.recoveryFractions ?? [0.5, 1];
  let start = 0;
  if (options.shockTimeS !== undefined) {
    while (start < timeS.length && !(timeS[start]! >= options.shockTimeS)) start++;
  }
  const dd = maxDrawdown(price, start);
  const originS = options.shockTimeS ?? (timeS.length > 0 ? timeS[0]! : Number.NaN);
  if (dd.troughIndex < 0) {
    return {
      ...dd,
      originS,
      peakTimeS: Number.NaN,
      bottomTimeS: Number.NaN,
      timeToBottomS: Number.NaN,
      recoveries: fractions.map((f) => ({
        fraction: f,
        level: Number.NaN,
        timeS: Number.NaN,
        timeToRecoveryS: Number.NaN,
      })),
    };
  }
  const bottomTimeS = timeS[dd.troughIndex]!;
  const persist = options.recoveryPersistS ?? RECOVERY_PERSIST_S;
  const recoveries = fractions.map((f): Recovery => {
    const level = dd.trough + f * (dd.peak - dd.trough);
    let from = -1;
    for (let i = dd.troughIndex; i < price.length; i++) {
      const p = price[i]!;
      if (!Number.isFinite(p)) continue;
      if (p < level) {
        from = -1;
        continue;
      }
      if (from < 0) from = i;
      if (timeS[i]! - timeS[from]! >= persist)
        return { fraction: f, level, timeS: timeS[from]!, timeToRecoveryS: timeS[from]! - bottomTimeS };
    }
    return { fraction: f, level, timeS: Number.NaN, timeToRecoveryS: Number.NaN };
  });
  return {
    ...dd,
    originS,
    peakTimeS: timeS[dd.peakIndex]!,
    bottomTimeS,
    timeToBottomS: bottomTimeS - originS,
    recoveries,
  };
}

/** One liquidation wave; see {@link liquidationWaves}. */
export interface LiquidationWave {
  /** Time of the wave's first event, s. */
  readonly startS: number;
  /** Time of the wave's last event, s. */
  readonly endS: number;
  /** Start of the `binSeconds` bin with the most notional inside the wave, s. */
  readonly peakS: number;
  /** Notional liquidated in that peak bin, quote currency. */
  readonly peakNotional: number;
  /** Total notional liquidated in the wave, quote currency. */
  readonly notional: number;
  /** Total quantity liquidated in the wave, base units. */
  readonly qty: number;
  /** Liquidation steps (log rows, or active intervals for {@link liquidationWavesFromSeries}). */
  readonly events: number;
  /** Distinct accounts liquidated in the wave (for the series variant: the `liquidations` count summed). */
  readonly accounts: number;
}

/** Options of {@link liquidationWaves}. */
export interface WaveOptions {
  /** A new wave starts when the time since the previous event exceeds this, s. Default 30. */
  readonly gapSeconds?: number;
  /** Width of the bins used to locate a wave's peak, s. Default 1. */
  readonly binSeconds?: number;
  /**
   * Stages counted as liquidations (codes of {@link LiquidationStage}). Default book, takeover and
   * partial — account liquidations; ADL and the fund's workout of taken-over positions are not.
   */
  readonly stages?: readonly number[];
}

/**
 * Clusters liquidation events into waves.
 *
 * Definition: the events (rows of the liquidation log whose stage is in `stages`) are sorted by time;
 * a new wave starts whenever the gap since the previous event is greater than `gapSeconds`. Per wave:
 * start/end time, notional = Σ qty × bankruptcy price (fill price, then mark, when the bankruptcy price is
 * missing — the recorder's `liquidated_notional` is valued at bankruptcy prices), quantity, number of
 * events, distinct accounts, and the peak: the `binSeconds` bin (aligned to multiples of `binSeconds`)
 * with the largest notional. Gap clustering is used rather than peak detection on the per-interval
 * series because it needs one parameter with a physical meaning (how long the book must stay quiet
 * for a cascade to count as over) and is insensitive to the sampling interval.
 *
 * @param liq - one run's liquidation columns (`time_s`, `qty`, `bankruptcy_price`, `fill_price`, `mark`, `account`, `stage`).
 * @example
 * ```ts
 * const waves = liquidationWaves(res.liquidationsOf(runId), { gapSeconds: 10 });
 * waves.length; waves[0].notional;
 * ```
 */
export function liquidationWaves(
  liq: Readonly<Record<string, ArrayLike<number>>>,
  options: WaveOptions = {},
): LiquidationWave[] {
  const gap = options.gapSeconds ?? 30;
  const bin = options.binSeconds ?? 1;
  const stages = options.stages ?? [
    LiquidationStage.Book,
    LiquidationStage.Takeover,
    LiquidationStage.Partial,
  ];
  const time = liq.time_s ?? [];
  const n = time.length;
  const col = (name: string) => liq[name];
  const qty = col("qty");
  const bp = col("bankruptcy_price");
  const fp = col("fill_price");
  const mark = col("mark");
  const account = col("account");
  const stage = col("stage");
  const idx: number[] = [];
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(time[i]!)) continue;
    if (stage && !stages.includes(stage[i]!)) continue;
    idx.push(i);
  }
  idx.sort((a, b) => time[a]! - time[b]! || a - b);
  const price = (i: number) => {
    for (const c of [bp, fp, mark]) {
      const p = c?.[i];
      if (p !== undefined && Number.isFinite(p) && p > 0) return p;
    }
    return 0;
  };
  const waves: LiquidationWave[] = [];
  let members: number[] = [];
  const flush = () => {
    if (members.length === 0) return;
    const bins = new Map<number, number>();
    const accounts = new Set<number>();
    let notional = 0;
    let q = 0;
    for (const i of members) {
      const qi = Math.abs(qty?.[i] ?? 0);
      const v = qi * price(i);
      notional += v;
      q += qi;
      if (account) accounts.add(account[i]!);
      const b = Math.floor(time[i]! / bin) * bin;
      bins.set(b, (bins.get(b) ?? 0) + v);
    }
    let peakS = Number.NaN;
    let peakNotional = -1;
    for (const [b, v] of bins) {
      if (v > peakNotional || (v === peakNotional && b < peakS)) {
        peakS = b;
        peakNotional = v;
      }
    }
    waves.push({
      startS: time[members[0]!]!,
      endS: time[members[members.length - 1]!]!,
      peakS,
      peakNotional,
      notional,
      qty: q,
      events: members.length,
      accounts: account ? accounts.size : members.length,
    });
    members = [];
  };
  let prev = Number.NaN;
  for (const i of idx) {
    if (members.length > 0 && time[i]! - prev > gap) flush();
    members.push(i);
    prev = time[i]!;
  }
  flush();
  return waves;
}

/**
 * Liquidation waves from the per-interval time series instead of the event log: the same gap
 * clustering as {@link liquidationWaves}, where an "event" is a sample whose interval liquidated more
 * than `thresholdNotional` (the `liquidated_notional_in_interval` column of `timeseries.arrow`;
 * `liquidated_notional` in a `SimResult` or a file written before the rename). A sample's value
 * covers the interval ending at its time. `accounts` is the `liquidations_in_interval` (or
 * `liquidations`) column summed over the wave (an account liquidated in two intervals counts
 * twice); `qty` is NaN (the series carries no quantity).
 *
 * @param ts - one run's time-series columns (`time_s`, `liquidated_notional_in_interval`, optionally
 * `liquidations_in_interval`; or the simulator's names).
 */
export function liquidationWavesFromSeries(
  ts: Readonly<Record<string, ArrayLike<number>>>,
  options: Omit<WaveOptions, "stages"> & { readonly thresholdNotional?: number } = {},
): LiquidationWave[] {
  const gap = options.gapSeconds ?? 30;
  const threshold = options.thresholdNotional ?? 0;
  const time = ts.time_s ?? [];
  const notional = ts.liquidated_notional_in_interval ?? ts.liquidated_notional ?? [];
  const count = ts.liquidations_in_interval ?? ts.liquidations;
  const waves: LiquidationWave[] = [];
  let cur:
    | {
        startS: number;
        endS: number;
        peakS: number;
        peakNotional: number;
        notional: number;
        events: number;
        accounts: number;
      }
    | undefined;
  for (let i = 0; i < time.length; i++) {
    const v = notional[i]!;
    if (!(Number.isFinite(v) && v > threshold)) continue;
    const t = time[i]!;
    if (cur && t - cur.endS > gap) {
      waves.push({ ...cur, qty: Number.NaN });
      cur = undefined;
    }
    if (!cur) cur = { startS: t, endS: t, peakS: t, peakNotional: v, notional: 0, events: 0, accounts: 0 };
    cur.endS = t;
    cur.notional += v;
    cur.events++;
    cur.accounts += count ? count[i]! || 0 : 0;
    if (v > cur.peakNotional) {
      cur.peakNotional = v;
      cur.peakS = t;
    }
  }
  if (cur) waves.push({ ...cur, qty: Number.NaN });
  return waves;
}

/** Insurance-fund drawdown; see {@link insuranceFundDrawdown}. */
export interface FundDrawdown {
  /** First finite value, quote currency. */
  readonly start: number;
  /** Lowest value, quote currency. */
  readonly min: number;
  /** Last finite value, quote currency. */
  readonly end: number;
  /** Largest fall from the running peak, quote currency (0 when it never falls). */
  readonly drawdown: number;
  /** That fall as a fraction of the peak it is measured from (NaN when the peak is ≤ 0). */
  readonly drawdownFraction: number;
  /** True when the fund reached zero or below. */
  readonly depleted: boolean;
}

/**
 * Insurance-fund drawdown: the largest fall of the fund from its running peak, in quote currency
 * and as a fraction of that peak, plus start, minimum, end and whether it was depleted (≤ 0).
 *
 * @param fund - the `insurance_fund_equity` (or `insurance_fund`) column, quote currency.
 * @example
 * ```ts
 * insuranceFundDrawdown(Float64Array.of(100, 120, 60, 80)).drawdown; // 60
 * ```
 */
export function insuranceFundDrawdown(fund: ArrayLike<number>): FundDrawdown {
  let start = Number.NaN;
  let end = Number.NaN;
  let min = Number.POSITIVE_INFINITY;
  let peak = Number.NEGATIVE_INFINITY;
  let dd = 0;
  let ddFrac = Number.NaN;
  for (let i = 0; i < fund.length; i++) {
    const f = fund[i]!;
    if (!Number.isFinite(f)) continue;
    if (Number.isNaN(start)) start = f;
    end = f;
    if (f < min) min = f;
    if (f > peak) peak = f;
    if (peak - f > dd) {
      dd = peak - f;
      ddFrac = peak > 0 ? dd / peak : Number.NaN;
    }
  }
  if (Number.isNaN(start))
    return {
      start,
      min: Number.NaN,
      end,
      drawdown: Number.NaN,
      drawdownFraction: Number.NaN,
      depleted: false,
    };
  if (dd === 0) ddFrac = peak > 0 ? 0 : Number.NaN;
  return { start, min, end, drawdown: dd, drawdownFraction: ddFrac, depleted: min <= 0 };
}

/** Auto-deleveraging volume; see {@link adlVolume}. */
export interface AdlVolume {
  /** ADL steps (rows with stage {@link LiquidationStage} `Adl` (2)). */
  readonly count: number;
  /** Quantity closed by ADL, base units. */
  readonly qty: number;
  /** Notional closed by ADL at the fill price (bankruptcy price of the liquidated order), quote currency. */
  readonly notional: number;
}

/**
 * Auto-deleveraging volume of one run from its liquidation log: count, Σ|qty| and Σ|qty| × fill
 * price (bankruptcy price when no fill price) over rows with stage 2 (ADL).
 *
 * @param liq - one run's liquidation columns.
 */
export function adlVolume(liq: Readonly<Record<string, ArrayLike<number>>>): AdlVolume {
  const stage = liq.stage ?? [];
  const qty = liq.qty;
  let count = 0;
  let q = 0;
  let notional = 0;
  for (let i = 0; i < stage.length; i++) {
    if (stage[i] !== LiquidationStage.Adl) continue;
    count++;
    const qi = Math.abs(qty?.[i] ?? 0);
    q += qi;
    const fp = liq.fill_price?.[i];
    const p = fp !== undefined && Number.isFinite(fp) ? fp : (liq.bankruptcy_price?.[i] ?? 0);
    notional += qi * (Number.isFinite(p) ? p : 0);
  }
  return { count, qty: q, notional };
}

/** Options of {@link amplificationPairs}. */
export interface AmplificationOptions {
  /** Boolean parameter that switches liquidations on (true) and off (false), e.g. `"liquidations"`. */
  readonly flag: string;
  /** Summary metric compared. Default `"max_drawdown"`. */
  readonly metric?: string;
  /** Parameters to ignore when matching (besides the flag). Default none. */
  readonly ignore?: readonly string[];
  /** Also require equal seeds (by default pairs match on the other parameters and `replication`). Default false. */
  readonly requireSameSeed?: boolean;
}

/** A counterfactual pair; see {@link amplificationPairs}. */
export interface AmplificationPair {
  /** Run with the flag on (liquidations enabled). */
  readonly withRunId: number;
  /** Run with the flag off. */
  readonly withoutRunId: number;
  /** The matched replication. */
  readonly replication: number;
  /** Whether both runs used the same seed. */
  readonly sameSeed: boolean;
  /** The other parameters, shared by both runs. */
  readonly params: Readonly<Record<string, ParamValue>>;
  /** Metric with liquidations. */
  readonly with: number;
  /** Metric without liquidations. */
  readonly without: number;
  /**
   * `with / without`: how many times larger the metric is because of liquidations. Infinity when
   * `without` is 0 and `with` > 0; NaN when both are 0 or either is not finite.
   */
  readonly amplification: number;
}

/**
 * Truthiness of a flag parameter value: booleans as is; numbers ≠ 0; strings `"true"`, `"1"`, `"yes"`, `"on"`.
 */
export function flagValue(v: ParamValue | undefined): boolean | undefined {
  if (v === undefined || v === "") return undefined;
  if (typeof v === "boolean") return v;
  if (typeof v === "number") return Number.isNaN(v) ? undefined : v !== 0;
  const s = v.trim().toLowerCase();
  if (["true", "1", "yes", "on"].includes(s)) return true;
  if (["false", "0", "no", "off"].includes(s)) return false;
  return undefined;
}

/**
 * Finds counterfactual pairs — the same parameters (apart from the flag) and the same replication,
 * run once with liquidations enabled and once disabled — and computes the amplification of each:
 * `metric(with) / metric(without)` (default metric: `max_drawdown`, so amplification = drawdown with
 * liquidations / drawdown without). Failed runs are skipped; when several runs match a key, the
 * first in file order is used.
 *
 * @example
 * ```ts
 * const pairs = amplificationPairs(res.runRecords(), { flag: "liquidations_enabled" });
 * pairs.map((p) => p.amplification); // e.g. [2.4, 3.1, 2.8]
 * ```
 */
export function amplificationPairs(
  runs: readonly RunRecord[],
  options: AmplificationOptions,
): AmplificationPair[] {
  const metric = options.metric ?? "max_drawdown";
  const ignore = new Set([options.flag, ...(options.ignore ?? [])]);
  const on = new Map<string, RunRecord>();
  const off = new Map<string, RunRecord>();
  const order: string[] = [];
  for (const r of runs) {
    if (r.status !== "ok") continue;
    const f = flagValue(r.params[options.flag]);
    if (f === undefined) continue;
    const key = pairKey(r, ignore, options.requireSameSeed ?? false);
    const target = f ? on : off;
    if (target.has(key)) continue;
    if (!on.has(key) && !off.has(key)) order.push(key);
    target.set(key, r);
  }
  const pairs: AmplificationPair[] = [];
  for (const key of order) {
    const a = on.get(key);
    const b = off.get(key);
    if (!a || !b) continue;
    const w = a.metrics[metric] ?? Number.NaN;
    const wo = b.metrics[metric] ?? Number.NaN;
    const params: Record<string, ParamValue> = {};
    for (const [k, v] of Object.entries(a.params)) if (!ignore.has(k)) params[k] = v;
    pairs.push({
      withRunId: a.runId,
      withoutRunId: b.runId,
      replication: a.replication,
      sameSeed: a.seed === b.seed,
      params,
      with: w,
      without: wo,
      amplification: ratio(w, wo),
    });
  }
  return pairs;
}

function ratio(a: number, b: number): number {
  if (!(Number.isFinite(a) && Number.isFinite(b))) return Number.NaN;
  if (b === 0) return a === 0 ? Number.NaN : a > 0 ? Number.POSITIVE_INFINITY : Number.NEGATIVE_INFINITY;
  return a / b;
}

/** Key of the parameters of `r` apart from `ignore`, sorted by name (replication and optionally seed appended). */
export function pairKey(r: RunRecord, ignore: ReadonlySet<string>, withSeed: boolean): string {
  const parts = Object.keys(r.params)
    .filter((k) => !ignore.has(k))
    .sort()
    .map((k) => `${k}=${JSON.stringify(r.params[k])}`);
  parts.push(`replication=${r.replication}`);
  if (withSeed) parts.push(`seed=${r.seed}`);
  return parts.join("|");
}
