/**
 * Market-quality measures of one run, computed from its sampled time series (the columns of
 * `timeseries.arrow`, or a `SimResult`'s `timeseries`): spreads, the perpetual's basis to the
 * index, calm volatility, volume-weighted prices, drawdowns, depth collapse and recovery. They are
 * what `pnpm validate` holds the model to against real-market figures, so each is defined the way
 * the figure it is compared with is measured.
 *
 * Every function takes plain columns (`ArrayLike<number>`), one value per sample, and a window of
 * sample indices `[from, to)`. A sample whose book had an empty side has a NaN spread or mid; such
 * a sample counts as infinitely wide (a hollow book is the worst case, never skipped).
 *
 * @module
 */

/** The `q`-quantile (0 ≤ q ≤ 1, linear interpolation) of `x` ignoring NaN; NaN when empty. */
export function quantile(x: ArrayLike<number>, q: number): number {
  const v: number[] = [];
  for (let i = 0; i < x.length; i++) if (!Number.isNaN(x[i]!)) v.push(x[i]!);
  if (v.length === 0) return Number.NaN;
  v.sort((a, b) => a - b);
  const pos = q * (v.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  if (lo === hi || !Number.isFinite(v[lo]!) || !Number.isFinite(v[hi]!)) return v[Math.round(pos)]!;
  return v[lo]! + (v[hi]! - v[lo]!) * (pos - lo);
}

/** Relative spread in basis points per sample: (ask − bid) / mid × 10⁴; +∞ where a side was empty. */
export function spreadBps(
  spread: ArrayLike<number>,
  mid: ArrayLike<number>,
  from = 0,
  to = spread.length,
): Float64Array {
  const out = new Float64Array(Math.max(0, to - from));
  for (let i = from; i < to; i++) {
    const s = spread[i]!;
    const m = mid[i]!;
    out[i - from] = Number.isFinite(s) && m > 0 ? (s / m) * 1e4 : Number.POSITIVE_INFINITY;
  }
  return out;
}

/** |a − b| / b per sample (e.g. perp mid against the index); +∞ where `a` is missing, NaN where `b` is. */
export function relativeGap(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  from = 0,
  to = a.length,
): Float64Array {
  const out = new Float64Array(Math.max(0, to - from));
  for (let i = from; i < to; i++) {
    const x = a[i]!;
    const y = b[i]!;
    out[i - from] = !(y > 0)
      ? Number.NaN
      : Number.isFinite(x) && x > 0
        ? Math.abs(x - y) / y
        : Number.POSITIVE_INFINITY;
  }
  return out;
}

/** Share of the non-NaN values of `x` that are ≤ `bound`. */
export function shareAtMost(x: ArrayLike<number>, bound: number): number {
  let n = 0;
  let k = 0;
  for (let i = 0; i < x.length; i++) {
    const v = x[i]!;
    if (Number.isNaN(v)) continue;
    n++;
    if (v <= bound) k++;
  }
  return n === 0 ? Number.NaN : k / n;
}

/**
 * Volume-weighted average price per window of `windowSamples` samples (e.g. 60 one-second samples
 * = 1-minute VWAP) from per-sample traded volume and turnover. A window without trades carries the
 * previous window's VWAP (NaN before the first trade).
 */
export function windowVwap(
  volume: ArrayLike<number>,
  turnover: ArrayLike<number>,
  windowSamples: number,
  from = 0,
  to = volume.length,
): Float64Array {
  const n = Math.floor((to - from) / windowSamples);
  const out = new Float64Array(n);
  let prev = Number.NaN;
  for (let w = 0; w < n; w++) {
    let v = 0;
    let t = 0;
    for (let i = from + w * windowSamples; i < from + (w + 1) * windowSamples; i++) {
      const vi = volume[i]!;
      const ti = turnover[i]!;
      if (vi > 0 && Number.isFinite(ti)) {
        v += vi;
        t += ti;
      }
    }
    prev = v > 0 ? t / v : prev;
    out[w] = prev;
  }
  return out;
}

/** Every `step`-th value of `x` in `[from, to)` (e.g. a 1-second series sampled each minute). */
export function everyNth(x: ArrayLike<number>, step: number, from = 0, to = x.length): Float64Array {
  const n = Math.floor((to - from) / step);
  const out = new Float64Array(n);
  for (let k = 0; k < n; k++) out[k] = x[from + k * step]!;
  return out;
}

/** Largest fall from a running peak, as a fraction of the peak, over the finite values of `x`. */
export function drawdownOf(x: ArrayLike<number>): number {
  let peak = Number.NEGATIVE_INFINITY;
  let dd = 0;
  for (let i = 0; i < x.length; i++) {
    const p = x[i]!;
    if (!(Number.isFinite(p) && p > 0)) continue;
    if (p > peak) peak = p;
    const d = 1 - p / peak;
    if (d > dd) dd = d;
  }
  return dd;
}

/** Sample standard deviation of the log returns between consecutive finite values of `x`. */
export function logReturnSd(x: ArrayLike<number>): number {
  const r: number[] = [];
  let prev = Number.NaN;
  for (let i = 0; i < x.length; i++) {
    const p = x[i]!;
    if (!(Number.isFinite(p) && p > 0)) continue;
    if (prev > 0) r.push(Math.log(p / prev));
    prev = p;
  }
  if (r.length < 2) return Number.NaN;
  let m = 0;
  for (const v of r) m += v;
  m /= r.length;
  let s = 0;
  for (const v of r) s += (v - m) ** 2;
  return Math.sqrt(s / (r.length - 1));
}

/** Longest run of consecutive samples in `[from, to)` whose value is not finite (e.g. spread with an empty side), in samples. */
export function longestGap(x: ArrayLike<number>, from = 0, to = x.length): number {
  let best = 0;
  let run = 0;
  for (let i = from; i < to; i++) {
    if (Number.isFinite(x[i]!)) run = 0;
    else if (++run > best) best = run;
  }
  return best;
}

/** How the bid depth of a book behaved around a shock. */
export interface DepthCollapse {
  /** Median depth before the shock (base units). */
  readonly before: number;
  /** Lowest depth from the shock to the end, as a fraction of `before` (NaN when `before` is 0). */
  readonly minRatio: number;
  /**
   * Samples from the low point until the depth is back at ≥ `recoverTo` × `before` and stays there
   * for `persistSamples` samples; NaN when it never recovers within the series.
   */
  readonly recoverySamples: number;
}

/**
 * Depth collapse and recovery: `depth` per sample, the shock starting at sample `shock`.
 * Recovery must persist (`persistSamples`, default 30) so one-sample noise does not count.
 */
export function depthCollapse(
  depth: ArrayLike<number>,
  shock: number,
  recoverTo = 0.8,
  persistSamples = 30,
): DepthCollapse {
  const pre: number[] = [];
  for (let i = 0; i < Math.min(shock, depth.length); i++)
    pre.push(Number.isFinite(depth[i]!) ? depth[i]! : 0);
  const before = quantile(pre, 0.5);
  if (!(before > 0)) return { before: 0, minRatio: Number.NaN, recoverySamples: Number.NaN };
  let low = shock;
  let min = Number.POSITIVE_INFINITY;
  for (let i = shock; i < depth.length; i++) {
    const d = Number.isFinite(depth[i]!) ? depth[i]! : 0;
    if (d < min) {
      min = d;
      low = i;
    }
  }
  let recovery = Number.NaN;
  let run = 0;
  for (let i = low; i < depth.length; i++) {
    const d = Number.isFinite(depth[i]!) ? depth[i]! : 0;
    run = d >= recoverTo * before ? run + 1 : 0;
    if (run >= persistSamples) {
      recovery = i - persistSamples + 1 - low;
      break;
    }
  }
  return { before, minRatio: min / before, recoverySamples: recovery };
}
