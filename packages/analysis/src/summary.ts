/**
 * `summarizeRuns`: every number the report shows, as plain data (the CLI prints a table from it).
 *
 * @module
 */

import {
  type AmplificationPair,
  adlVolume,
  amplificationPairs,
  type CascadeTiming,
  cascadeTiming,
  type FundDrawdown,
  flagValue,
  insuranceFundDrawdown,
  type LiquidationWave,
  liquidationWaves,
  liquidationWavesFromSeries,
} from "./cascade.ts";
import {
  type ExperimentResults,
  type MetricInfo,
  type ParamValue,
  type ReadOptions,
  type RunRecord,
  readResults,
} from "./read.ts";
import { type PointSummary, paramsKey, type Summary, summarize, summarizeByPoint } from "./stats.ts";
import {
  aggregationalGaussianity,
  type FactCheck,
  type StylizedFacts,
  type StylizedVerdict,
  stylizedFacts,
  stylizedVerdict,
} from "./stylized.ts";

/** Options of {@link summarizeRuns} (and of the report). */
export interface SummaryOptions extends ReadOptions {
  /** Confidence level of every interval. Default 0.95. */
  readonly confidence?: number;
  /** Shock start, s: drawdown, time to bottom and recovery are measured from it. Default: start of each run. */
  readonly shockTimeS?: number;
  /** Fractions of the drop that count as recovered. Default [0.5, 1]. */
  readonly recoveryFractions?: readonly number[];
  /** How long a recovery must hold, s (`recoveryPersistS` of `cascadeTiming`). Default 30. */
  readonly recoveryPersistS?: number;
  /** Quiet gap that separates liquidation waves, s. Default 5. */
  readonly gapSeconds?: number;
  /**
   * Boolean parameter whose on/off runs are paired for amplification. Default: the counterfactual
   * the experiment declared ({@link ExperimentResults.counterfactual}; none declared: no
   * amplification). Only for files written before experiments could declare one: the first
   * parameter whose name contains "liquidat" and that takes both a true and a false value.
   * `false` disables amplification.
   */
  readonly amplificationFlag?: string | false;
  /** Run whose charts and stylized facts are shown. Default: the median-drawdown run (with liquidations on, if there is a flag). */
  readonly runId?: number;
  /** Price column the stylized facts are computed on. Default `mid` when present, else `mark`. */
  readonly priceColumn?: string;
  /** Return horizons, s. Default: 1, 5 and 30 sampling intervals (those leaving ≥ 30 returns). */
  readonly horizonsS?: readonly number[];
  /** Largest ACF lag. Default 20. */
  readonly maxLag?: number;
  /** At most this many runs enter the cross-run stylized-fact statistics. Default 200. */
  readonly maxStylizedRuns?: number;
}

/** Cascade metrics of one run; see {@link summarizeRuns}. */
export interface RunCascade {
  /** Run id. */
  readonly runId: number;
  /** Parameter point. */
  readonly pointIndex: number;
  /** Drawdown of the mark, time to bottom and recovery. */
  readonly timing: CascadeTiming;
  /** Liquidation waves (from the log; from the per-interval series when the log is empty). */
  readonly waves: readonly LiquidationWave[];
  /** Insurance-fund drawdown (equity column, wallet when absent). */
  readonly fund: FundDrawdown;
  /** ADL steps, quantity and notional from the log. */
  readonly adl: { readonly count: number; readonly qty: number; readonly notional: number };
}

/** Names and meanings of the derived per-run cascade metrics in {@link RunsSummary.cascadePoints}. */
export const CASCADE_METRIC_DESCRIPTIONS: Readonly<Record<string, string>> = Object.freeze({
  drawdown_from_origin:
    "largest fall of the mark from its running peak after the origin (shock start or run start), fraction",
  time_to_bottom_s: "bottom time − origin, s",
  waves: "liquidation waves (clusters separated by a quiet gap)",
  largest_wave_notional: "notional of the largest wave, quote currency",
  first_wave_s: "start of the first wave, s",
  fund_drawdown: "largest fall of insurance-fund equity from its running peak, quote currency",
  adl_notional: "notional closed by auto-deleveraging, quote currency",
});

/** Stylized facts over runs at one horizon. */
export interface HorizonFacts {
  /** Return horizon, s. */
  readonly horizonS: number;
  /** Facts of the chosen run. */
  readonly chosen: StylizedFacts;
  /** Verdict on the chosen run. */
  readonly verdict: StylizedVerdict;
  /** Over runs: returns per run, excess kurtosis, Hill α, ρ_r(1), ρ_|r|(1), decay β. */
  readonly acrossRuns: Readonly<
    Record<"n" | "excessKurtosis" | "tailIndex" | "acfR1" | "acfAbsR1" | "absAcfDecay", Summary>
  >;
}

/** The amplification of counterfactual pairs; see {@link amplificationPairs}. */
export interface AmplificationSummary {
  /** The on/off parameter. */
  readonly flag: string;
  /** Metric compared (max_drawdown). */
  readonly metric: string;
  /** Every pair. */
  readonly pairs: readonly AmplificationPair[];
  /** Amplification over pairs, per point of the other parameters. */
  readonly byPoint: readonly {
    readonly params: Readonly<Record<string, ParamValue>>;
    readonly amplification: Summary;
    readonly with: Summary;
    readonly without: Summary;
  }[];
  /** Amplification over all pairs with a finite value. */
  readonly overall: Summary;
}

/** Everything {@link summarizeRuns} computes. */
export interface RunsSummary {
  /** Report title (manifest name or folder name). */
  readonly title: string;
  /** Manifest description ("" when none). */
  readonly description: string;
  /** The results folder. */
  readonly dir: string;
  /** Counts of runs. */
  readonly runs: { readonly total: number; readonly ok: number; readonly failed: number };
  /** Failed runs' ids and errors. */
  readonly failures: readonly { readonly runId: number; readonly error: string }[];
  /** Parameter columns. */
  readonly parameters: readonly string[];
  /** Parameters that take more than one value. */
  readonly sweptParameters: readonly string[];
  /** Summary metric columns of `runs.arrow`. */
  readonly metrics: readonly string[];
  /** Unit and description of metric columns, from the file's field metadata (see {@link ExperimentResults.metricInfo}). */
  readonly metricInfo: Readonly<Record<string, MetricInfo>>;
  /** Per parameter point: summaries of {@link RunsSummary.metrics}. */
  readonly points: readonly PointSummary[];
  /** Per parameter point: summaries of the derived cascade metrics ({@link CASCADE_METRIC_DESCRIPTIONS}, plus `time_to_recovery_<p>pct_s`). */
  readonly cascadePoints: readonly PointSummary[];
  /** Names of the derived cascade metrics, in table order. */
  readonly cascadeMetrics: readonly string[];
  /** Per successful run: cascade metrics. */
  readonly cascade: readonly RunCascade[];
  /** The run whose charts and facts are shown (NaN when no run succeeded). */
  readonly chosenRunId: number;
  /** How it was chosen. */
  readonly chosenReason: string;
  /** Price column of the stylized facts. */
  readonly priceColumn: string;
  /** Stylized facts per horizon. */
  readonly stylized: readonly HorizonFacts[];
  /** Kurtosis across horizons (mean over runs). */
  readonly aggregational: FactCheck;
  /** Amplification, when counterfactual pairs exist. */
  readonly amplification: AmplificationSummary | undefined;
  /** Amplification of every metric of {@link AMPLIFICATION_METRICS} the runs have (the mark's first). */
  readonly amplifications: readonly AmplificationSummary[];
}

/**
 * Drawdown metrics compared between counterfactual pairs when a run has them: the sampled mark
 * (`max_drawdown`, every run), and — when the experiment's summary provides them, as the
 * flash-crash studies do — the index and the 1-minute VWAPs of the perpetual and of spot, where a
 * cascade means something to a trader (the mark alone can hide a cascade that moves traded prices).
 */
export const AMPLIFICATION_METRICS: readonly string[] = Object.freeze([
  "max_drawdown",
  "index_drawdown",
  "perp_vwap_drawdown",
  "spot_vwap_drawdown",
]);

function amplificationOf(
  records: readonly RunRecord[],
  flag: string,
  metric: string,
  confidence: number,
): AmplificationSummary | undefined {
  const pairs = amplificationPairs(records, { flag, metric });
  if (pairs.length === 0) return undefined;
  const groups = new Map<string, AmplificationPair[]>();
  for (const p of pairs) {
    const k = paramsKey(p.params);
    let g = groups.get(k);
    if (!g) {
      g = [];
      groups.set(k, g);
    }
    g.push(p);
  }
  return {
    flag,
    metric,
    pairs,
    byPoint: [...groups.values()].map((g) => ({
      params: g[0]!.params,
      amplification: summarize(
        g.map((p) => p.amplification),
        confidence,
      ),
      with: summarize(
        g.map((p) => p.with),
        confidence,
      ),
      without: summarize(
        g.map((p) => p.without),
        confidence,
      ),
    })),
    overall: summarize(
      pairs.map((p) => p.amplification),
      confidence,
    ),
  };
}

/**
 * Reads an experiment folder (or takes already-read results) and computes every number of the
 * report: per-point summaries of the run metrics (mean ± Student-t CI over seeds), per-run cascade
 * metrics and their per-point summaries, stylized facts per horizon, and amplification when
 * counterfactual pairs exist.
 *
 * @example
 * ```ts
 * const s = summarizeRuns("out/crash-sweep");
 * for (const p of s.points) console.log(p.params, p.metrics.max_drawdown.mean, p.metrics.max_drawdown.halfWidth);
 * ```
 */
export function summarizeRuns(source: string | ExperimentResults, options: SummaryOptions = {}): RunsSummary {
  const res = typeof source === "string" ? readResults(source, options) : source;
  const confidence = options.confidence ?? 0.95;
  const records = res.runRecords();
  const ok = records.filter((r) => r.status === "ok");
  const swept = res.parameterNames.filter(
    (p) => new Set(records.map((r) => JSON.stringify(r.params[p]))).size > 1,
  );
  const fractions = options.recoveryFractions ?? [0.5, 1];

  // Cascade metrics per run.
  const cascade: RunCascade[] = [];
  const derived = new Map<number, Record<string, number>>();
  for (const r of ok) {
    const ts = res.timeseriesOf(r.runId);
    const liq = res.liquidationsOf(r.runId);
    const time = ts.time_s ?? new Float64Array(0);
    const timing = cascadeTiming(time, ts.mark ?? new Float64Array(0), {
      recoveryFractions: fractions,
      ...(options.recoveryPersistS !== undefined ? { recoveryPersistS: options.recoveryPersistS } : {}),
      ...(options.shockTimeS !== undefined ? { shockTimeS: options.shockTimeS } : {}),
    });
    const gap = { gapSeconds: options.gapSeconds ?? 30 };
    const waves =
      (liq.time_s?.length ?? 0) > 0 ? liquidationWaves(liq, gap) : liquidationWavesFromSeries(ts, gap);
    const fund = insuranceFundDrawdown(ts.insurance_fund_equity ?? ts.insurance_fund ?? new Float64Array(0));
    const adl = adlVolume(liq);
    cascade.push({ runId: r.runId, pointIndex: r.pointIndex, timing, waves, fund, adl });
    const d: Record<string, number> = {
      drawdown_from_origin: timing.drawdown,
      time_to_bottom_s: timing.timeToBottomS,
      waves: waves.length,
      largest_wave_notional: waves.length ? Math.max(...waves.map((w) => w.notional)) : 0,
      first_wave_s: waves[0]?.startS ?? Number.NaN,
      fund_drawdown: fund.drawdown,
      adl_notional: adl.notional,
    };
    for (const rec of timing.recoveries) d[recoveryName(rec.fraction)] = rec.timeToRecoveryS;
    derived.set(r.runId, d);
  }
  const cascadeMetrics = [
    "drawdown_from_origin",
    "time_to_bottom_s",
    ...fractions.map(recoveryName),
    "waves",
    "largest_wave_notional",
    "first_wave_s",
    "fund_drawdown",
    "adl_notional",
  ];
  const points = summarizeByPoint(records, res.metricNames, { confidence });
  const cascadePoints = summarizeByPoint(records, cascadeMetrics, { confidence, extra: derived });

  // Amplification.
  const flag =
    options.amplificationFlag === false ? undefined : (options.amplificationFlag ?? declaredFlag(res, ok));
  let amplification: AmplificationSummary | undefined;
  const amplifications: AmplificationSummary[] = [];
  if (flag) {
    for (const metric of AMPLIFICATION_METRICS) {
      if (metric !== "max_drawdown" && !res.metricNames.includes(metric)) continue;
      const a = amplificationOf(records, flag, metric, confidence);
      if (a === undefined) continue;
      amplifications.push(a);
      if (metric === "max_drawdown") amplification = a;
    }
  }

  // The run to show.
  const candidates = flag ? ok.filter((r) => flagValue(r.params[flag]) !== false) : ok;
  let chosenRunId = Number.NaN;
  let chosenReason = "no successful run";
  if (options.runId !== undefined) {
    chosenRunId = options.runId;
    chosenReason = "chosen by the caller";
  } else if (candidates.length > 0) {
    const dd = (r: RunRecord) =>
      r.metrics.max_drawdown ?? derived.get(r.runId)?.drawdown_from_origin ?? Number.NaN;
    const withDd = candidates
      .filter((r) => Number.isFinite(dd(r)))
      .sort((a, b) => dd(a) - dd(b) || a.runId - b.runId);
    if (withDd.length > 0) {
      chosenRunId = withDd[Math.floor((withDd.length - 1) / 2)]!.runId;
      chosenReason = `median max drawdown of ${withDd.length} run${withDd.length === 1 ? "" : "s"}${flag ? ` with ${flag} on` : ""}`;
    } else {
      chosenRunId = candidates[0]!.runId;
      chosenReason = "first successful run";
    }
  }

  // Stylized facts.
  const chosenTs = Number.isNaN(chosenRunId) ? {} : res.timeseriesOf(chosenRunId);
  const priceColumn = options.priceColumn ?? (hasFinite(chosenTs.mid) ? "mid" : "mark");
  const stylized: HorizonFacts[] = [];
  const maxLag = options.maxLag ?? 20;
  const chosenTime = chosenTs.time_s ?? new Float64Array(0);
  if (chosenTime.length >= 3) {
    const dt = medianStep(chosenTime);
    const span = chosenTime[chosenTime.length - 1]! - chosenTime[0]!;
    let horizons = options.horizonsS ?? [dt, 5 * dt, 30 * dt].filter((h, i) => i === 0 || span / h >= 30);
    horizons = horizons.filter((h) => h > 0);
    const runsForFacts = candidates.slice(0, options.maxStylizedRuns ?? 200);
    const tsCache = new Map(runsForFacts.map((r) => [r.runId, res.timeseriesOf(r.runId)]));
    for (const h of horizons) {
      const chosen = stylizedFacts(chosenTime, chosenTs[priceColumn] ?? new Float64Array(0), {
        horizonS: h,
        maxLag,
      });
      const all = runsForFacts.map((r) => {
        const t = tsCache.get(r.runId)!;
        return stylizedFacts(t.time_s ?? new Float64Array(0), t[priceColumn] ?? new Float64Array(0), {
          horizonS: h,
          maxLag,
        });
      });
      const s = (f: (x: StylizedFacts) => number) => summarize(all.map(f), confidence);
      stylized.push({
        horizonS: h,
        chosen,
        verdict: stylizedVerdict(chosen),
        acrossRuns: {
          n: s((f) => f.n),
          excessKurtosis: s((f) => f.excessKurtosis),
          tailIndex: s((f) => f.hill.alpha),
          acfR1: s((f) => f.acfReturns[1] ?? Number.NaN),
          acfAbsR1: s((f) => f.acfAbsReturns[1] ?? Number.NaN),
          absAcfDecay: s((f) => f.absAcfDecay),
        },
      });
    }
  }
  const aggregational = aggregationalGaussianity(
    stylized.map((h) => ({ ...h.chosen, excessKurtosis: h.acrossRuns.excessKurtosis.mean })),
  );

  const description = res.description;
  return {
    title: res.title,
    description,
    dir: res.dir,
    runs: { total: records.length, ok: ok.length, failed: records.length - ok.length },
    failures: records.filter((r) => r.status !== "ok").map((r) => ({ runId: r.runId, error: r.error })),
    parameters: res.parameterNames,
    sweptParameters: swept,
    metrics: res.metricNames,
    metricInfo: res.metricInfo,
    points,
    cascadePoints,
    cascadeMetrics,
    cascade,
    chosenRunId,
    chosenReason,
    priceColumn,
    stylized,
    aggregational,
    amplification,
    amplifications,
  };
}

/** Name of the derived metric "time to recover fraction f of the drop", e.g. `time_to_recovery_50pct_s`. */
export function recoveryName(fraction: number): string {
  return `time_to_recovery_${Number((fraction * 100).toFixed(2))}pct_s`;
}

/** The declared counterfactual, or for files that predate declarations the name-matched fallback. */
function declaredFlag(res: ExperimentResults, ok: readonly RunRecord[]): string | undefined {
  const declared = res.counterfactual;
  if (declared === undefined) return detectFlag(res.parameterNames, ok);
  return declared !== null && res.parameterNames.includes(declared) ? declared : undefined;
}

function detectFlag(params: readonly string[], runs: readonly RunRecord[]): string | undefined {
  for (const p of params) {
    if (!/liquidat/i.test(p)) continue;
    const vals = new Set(runs.map((r) => flagValue(r.params[p])));
    if (vals.has(true) && vals.has(false) && !vals.has(undefined)) return p;
  }
  return undefined;
}

function hasFinite(c: ArrayLike<number> | undefined): boolean {
  if (!c) return false;
  for (let i = 0; i < c.length; i++) if (Number.isFinite(c[i]!)) return true;
  return false;
}

function medianStep(t: ArrayLike<number>): number {
  const d: number[] = [];
  for (let i = 1; i < t.length; i++) {
    const x = t[i]! - t[i - 1]!;
    if (Number.isFinite(x) && x > 0) d.push(x);
  }
  d.sort((a, b) => a - b);
  return d.length ? d[Math.floor(d.length / 2)]! : 1;
}
