/**
 * Statistics over seeds: mean, standard deviation and Student-t confidence intervals of summary
 * metrics, grouped by parameter point. Means and standard deviations come from mathjs; the Student-t
 * quantile is computed here by inverting the t distribution function, written with the regularized
 * incomplete beta function (continued fraction, Numerical Recipes §6.4).
 *
 * @module
 */

import { erf, lgamma, mean as mMean, std as mStd } from "mathjs";
import type { ParamValue, RunRecord } from "./read.ts";

/**
 * Regularized incomplete beta function `I_x(a, b) = B(x; a, b) / B(a, b)` for `0 ≤ x ≤ 1`, a, b > 0,
 * by Lentz's continued fraction (Numerical Recipes, 3rd ed., §6.4). Accurate to ~1e-14.
 *
 * @example
 * ```ts
 * regularizedIncompleteBeta(0.5, 2, 2); // 0.5
 * ```
 */
export function regularizedIncompleteBeta(x: number, a: number, b: number): number {
  if (!(a > 0 && b > 0) || Number.isNaN(x)) return Number.NaN;
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const lnFront = lgamma(a + b) - lgamma(a) - lgamma(b) + a * Math.log(x) + b * Math.log1p(-x);
  const front = Math.exp(lnFront);
  // The continued fraction converges fast for x < (a+1)/(a+b+2); use the symmetry otherwise.
  if (x < (a + 1) / (a + b + 2)) return (front * betaContinuedFraction(x, a, b)) / a;
  return 1 - (front * betaContinuedFraction(1 - x, b, a)) / b;
}

function betaContinuedFraction(x: number, a: number, b: number): number {
  const tiny = 1e-300;
  const qab = a + b;
  const qap = a + 1;
  const qam = a - 1;
  let c = 1;
  let d = 1 - (qab * x) / qap;
  if (Math.abs(d) < tiny) d = tiny;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= 300; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((qam + m2) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (qab + m) * x) / ((a + m2) * (qap + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < 1e-15) break;
  }
  return h;
}

/**
 * Distribution function of Student's t with `df` degrees of freedom:
 * `F(t) = 1 − ½ I_{df/(df+t²)}(df/2, ½)` for t ≥ 0, and `1 − F(−t)` for t < 0. `df = Infinity` gives
 * the standard normal.
 */
export function studentTCdf(t: number, df: number): number {
  if (Number.isNaN(t) || !(df > 0)) return Number.NaN;
  if (df === Number.POSITIVE_INFINITY) return 0.5 * (1 + (erf(t / Math.SQRT2) as number));
  if (!Number.isFinite(t)) return t > 0 ? 1 : 0;
  const tail = 0.5 * regularizedIncompleteBeta(df / (df + t * t), df / 2, 0.5);
  return t >= 0 ? 1 - tail : tail;
}

/**
 * Quantile (inverse distribution function) of Student's t: the `t` with `F(t) = p`, found by
 * bisection on {@link studentTCdf} to ~1e-12 relative accuracy. `df` may be fractional;
 * `df = Infinity` gives the normal quantile.
 *
 * @param p - probability in (0, 1), e.g. 0.975 for a two-sided 95 % interval.
 * @param df - degrees of freedom (> 0).
 * @example
 * ```ts
 * studentTQuantile(0.975, 9); // 2.2622
 * studentTQuantile(0.975, Infinity); // 1.95996
 * ```
 */
export function studentTQuantile(p: number, df: number): number {
  if (!(p > 0 && p < 1) || !(df > 0)) {
    if (p === 0) return Number.NEGATIVE_INFINITY;
    if (p === 1) return Number.POSITIVE_INFINITY;
    return Number.NaN;
  }
  if (p === 0.5) return 0;
  if (p < 0.5) return -studentTQuantile(1 - p, df);
  let lo = 0;
  let hi = 1;
  while (studentTCdf(hi, df) < p) {
    lo = hi;
    hi *= 2;
    if (hi > 1e300) return Number.POSITIVE_INFINITY;
  }
  for (let i = 0; i < 200 && hi - lo > 1e-13 * Math.max(1, hi); i++) {
    const mid = 0.5 * (lo + hi);
    if (studentTCdf(mid, df) < p) lo = mid;
    else hi = mid;
  }
  return 0.5 * (lo + hi);
}

/** Mean, spread and confidence interval of one metric over runs; see {@link summarize}. */
export interface Summary {
  /** Number of finite values used. */
  readonly n: number;
  /** Sample mean. NaN when n = 0. */
  readonly mean: number;
  /** Sample standard deviation (n − 1 denominator). NaN when n < 2. */
  readonly std: number;
  /** Standard error of the mean, std / √n. */
  readonly sem: number;
  /** Confidence level of the interval, e.g. 0.95. */
  readonly confidence: number;
  /** Half-width of the Student-t interval: t_{(1+confidence)/2, n−1} · sem. NaN when n < 2. */
  readonly halfWidth: number;
  /**
   * How [{@link Summary.ciLow}, {@link Summary.ciHigh}] was made: `"student-t"` (mean ± halfWidth)
   * for values of either sign, `"bootstrap-percentile"` when every value is ≥ 0 (a quantity that
   * cannot be negative: the interval stays within [min, max], never below 0).
   */
  readonly interval: "student-t" | "bootstrap-percentile";
  /** Lower end of the interval (Student-t: mean − halfWidth). */
  readonly ciLow: number;
  /** Upper end of the interval (Student-t: mean + halfWidth). */
  readonly ciHigh: number;
  /** Smallest value. */
  readonly min: number;
  /** Largest value. */
  readonly max: number;
}

/**
 * Mean, sample standard deviation and confidence interval of the mean of the finite values of
 * `values` (NaN and ±Infinity are left out; `n` counts what was used).
 *
 * The interval respects the support of the data: when every value is ≥ 0 (counts, notionals,
 * durations, drawdowns) it is the percentile bootstrap interval of the mean — exact (all nⁿ
 * resamples) for n ≤ 6, else {@link BOOTSTRAP_RESAMPLES} resamples drawn with a fixed seed, so
 * reports are reproducible — which never leaves [min, max]. Otherwise it is Student's
 * `mean ± t_{(1+c)/2, n−1} · s/√n`. With very few runs (n < 10) both are rough: the bootstrap
 * interval is then too narrow, the t interval leaves the support; `interval` says which was used.
 *
 * @param confidence - two-sided confidence level c. Default 0.95.
 * @example
 * ```ts
 * const s = summarize([0.12, 0.15, 0.11, 0.18]);
 * `${s.mean} ± ${s.halfWidth}`;
 * ```
 */
export function summarize(values: ArrayLike<number>, confidence = 0.95): Summary {
  const v: number[] = [];
  for (let i = 0; i < values.length; i++) if (Number.isFinite(values[i]!)) v.push(values[i]!);
  const n = v.length;
  const nan = Number.NaN;
  if (n === 0) {
    return {
      n,
      mean: nan,
      std: nan,
      sem: nan,
      confidence,
      halfWidth: nan,
      interval: "student-t",
      ciLow: nan,
      ciHigh: nan,
      min: nan,
      max: nan,
    };
  }
  const mean = mMean(v) as number;
  const std = n >= 2 ? (mStd(v) as unknown as number) : nan;
  const sem = std / Math.sqrt(n);
  const halfWidth = n >= 2 ? studentTQuantile((1 + confidence) / 2, n - 1) * sem : nan;
  const nonNegative = v.every((x) => x >= 0);
  const [ciLow, ciHigh] =
    nonNegative && n >= 2 ? bootstrapMeanInterval(v, confidence) : [mean - halfWidth, mean + halfWidth];
  return {
    n,
    mean,
    std,
    sem,
    confidence,
    halfWidth,
    interval: nonNegative && n >= 2 ? "bootstrap-percentile" : "student-t",
    ciLow,
    ciHigh,
    min: Math.min(...v),
    max: Math.max(...v),
  };
}

/** Resamples of the Monte Carlo bootstrap (n > 6) of {@link summarize}. */
export const BOOTSTRAP_RESAMPLES = 4000;

/**
 * Percentile bootstrap interval of the mean of `v` at level `confidence`: exact over all nⁿ
 * resamples for n ≤ 6, else {@link BOOTSTRAP_RESAMPLES} resamples from a fixed-seed generator.
 */
export function bootstrapMeanInterval(v: readonly number[], confidence = 0.95): [number, number] {
  const n = v.length;
  const means: number[] = [];
  if (n <= 6) {
    const idx = new Array<number>(n).fill(0);
    for (;;) {
      let sum = 0;
      for (const i of idx) sum += v[i]!;
      means.push(sum / n);
      let k = 0;
      while (k < n && ++idx[k]! === n) idx[k++] = 0;
      if (k === n) break;
    }
  } else {
    // mulberry32, fixed seed: the same data always give the same interval.
    let state = 0x9e3779b9;
    const next = () => {
      state = (state + 0x6d2b79f5) | 0;
      let t = state;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
    for (let b = 0; b < BOOTSTRAP_RESAMPLES; b++) {
      let sum = 0;
      for (let i = 0; i < n; i++) sum += v[Math.floor(next() * n)]!;
      means.push(sum / n);
    }
  }
  means.sort((a, b) => a - b);
  const q = (p: number) => {
    const h = (means.length - 1) * p;
    const lo = Math.floor(h);
    return means[lo]! + (h - lo) * ((means[Math.min(lo + 1, means.length - 1)] ?? means[lo]!) - means[lo]!);
  };
  return [q((1 - confidence) / 2), q((1 + confidence) / 2)];
}

/** Runs of one parameter point and their metric summaries; see {@link summarizeByPoint}. */
export interface PointSummary {
  /** Smallest `point_index` of the runs in the group. */
  readonly pointIndex: number;
  /** Parameter values shared by the group. */
  readonly params: Readonly<Record<string, ParamValue>>;
  /** Runs in the group with status "ok". */
  readonly okRuns: number;
  /** Runs in the group that failed. */
  readonly failedRuns: number;
  /** Run ids of the group (ok runs only). */
  readonly runIds: readonly number[];
  /** Summary of each metric over the group's ok runs. */
  readonly metrics: Readonly<Record<string, Summary>>;
}

/**
 * Groups runs by parameter point (equal values of every parameter) and summarizes each metric
 * over the group's successful runs with {@link summarize}. Groups are ordered by point index.
 *
 * @param runs - run records (e.g. `res.runRecords()`).
 * @param metrics - metric names to summarize (values taken from `run.metrics`, missing ⇒ NaN).
 * @param options - `confidence` (default 0.95) and `extra`: additional per-run values by run id and
 *   name (e.g. derived cascade metrics), taking precedence over `run.metrics`.
 * @example
 * ```ts
 * for (const p of summarizeByPoint(res.runRecords(), ["max_drawdown"])) console.log(p.params, p.metrics.max_drawdown.mean);
 * ```
 */
export function summarizeByPoint(
  runs: readonly RunRecord[],
  metrics: readonly string[],
  options: {
    readonly confidence?: number;
    readonly extra?: ReadonlyMap<number, Readonly<Record<string, number>>>;
  } = {},
): PointSummary[] {
  const groups = new Map<string, RunRecord[]>();
  for (const r of runs) {
    const key = paramsKey(r.params);
    let g = groups.get(key);
    if (!g) {
      g = [];
      groups.set(key, g);
    }
    g.push(r);
  }
  const out: PointSummary[] = [];
  for (const g of groups.values()) {
    const ok = g.filter((r) => r.status === "ok");
    const summaries: Record<string, Summary> = {};
    for (const m of metrics) {
      summaries[m] = summarize(
        ok.map((r) => options.extra?.get(r.runId)?.[m] ?? r.metrics[m] ?? Number.NaN),
        options.confidence,
      );
    }
    out.push({
      pointIndex: Math.min(...g.map((r) => r.pointIndex)),
      params: g[0]!.params,
      okRuns: ok.length,
      failedRuns: g.length - ok.length,
      runIds: ok.map((r) => r.runId),
      metrics: summaries,
    });
  }
  return out.sort((a, b) => a.pointIndex - b.pointIndex);
}

/** A stable key of a parameter assignment: `name=value` pairs sorted by name. */
export function paramsKey(params: Readonly<Record<string, ParamValue>>): string {
  return Object.keys(params)
    .sort()
    .map((k) => `${k}=${JSON.stringify(params[k])}`)
    .join("|");
}
