/**
 * Stylized facts of a price series (Cont 2001, "Empirical properties of asset returns: stylized facts
 * and statistical issues", Quantitative Finance 1(2)): log returns at a horizon, excess kurtosis, the
 * Hill tail index, autocorrelation of returns and of absolute returns, and a verdict against the
 * ranges Cont reports.
 *
 * @module
 */

/**
 * Non-overlapping log returns every `step` samples: `r_k = ln(p_{(k+1)·step} / p_{k·step})`.
 * Pairs where either price is not finite and positive are dropped.
 *
 * @example
 * ```ts
 * logReturns(Float64Array.of(100, 110, 99)); // [ln 1.1, ln 0.9]
 * ```
 */
export function logReturns(price: ArrayLike<number>, step = 1): Float64Array {
  if (!(Number.isInteger(step) && step >= 1))
    throw new RangeError(`logReturns: step must be a positive integer, got ${step}`);
  const out: number[] = [];
  for (let i = 0; i + step < price.length; i += step) {
    const a = price[i]!;
    const b = price[i + step]!;
    if (Number.isFinite(a) && Number.isFinite(b) && a > 0 && b > 0) out.push(Math.log(b / a));
  }
  return Float64Array.from(out);
}

/**
 * Non-overlapping log returns at a horizon in simulated seconds: the price is sampled on the grid
 * `t₀, t₀ + h, t₀ + 2h, …` (t₀ = first sample with a finite positive price) by taking the last finite
 * positive sample at or before each grid time ("previous tick"), and `r_k = ln(P(t₀+(k+1)h) / P(t₀+kh))`.
 *
 * @param timeS - sample times, s, non-decreasing.
 * @param price - prices at those times.
 * @param horizonS - return horizon h, s (> 0).
 */
export function returnsAtHorizon(
  timeS: ArrayLike<number>,
  price: ArrayLike<number>,
  horizonS: number,
): Float64Array {
  if (!(horizonS > 0)) throw new RangeError(`returnsAtHorizon: horizonS must be > 0, got ${horizonS}`);
  const ok = (i: number) => Number.isFinite(price[i]!) && price[i]! > 0 && Number.isFinite(timeS[i]!);
  let i = 0;
  while (i < price.length && !ok(i)) i++;
  if (i >= price.length) return new Float64Array(0);
  const t0 = timeS[i]!;
  const eps = horizonS * 1e-9;
  const out: number[] = [];
  const n = price.length;
  const lastT = timeS[n - 1]!;
  let prev = price[i]!;
  let last = prev;
  let j = i + 1;
  for (let k = 1; t0 + k * horizonS <= lastT + eps; k++) {
    const grid = t0 + k * horizonS;
    while (j < n && timeS[j]! <= grid + eps) {
      if (ok(j)) last = price[j]!;
      j++;
    }
    out.push(Math.log(last / prev));
    prev = last;
  }
  return Float64Array.from(out);
}

/**
 * Excess kurtosis `m₄ / m₂² − 3` with population (1/n) central moments; 0 for a Gaussian, > 0 for
 * heavy tails. NaN for fewer than 2 finite values or zero variance. Non-finite values are ignored.
 *
 * @example
 * ```ts
 * excessKurtosis([-1, 1, -1, 1]); // -2
 * ```
 */
export function excessKurtosis(x: ArrayLike<number>): number {
  const v = finite(x);
  const n = v.length;
  if (n < 2) return Number.NaN;
  let mean = 0;
  for (const a of v) mean += a;
  mean /= n;
  let m2 = 0;
  let m4 = 0;
  for (const a of v) {
    const d = (a - mean) ** 2;
    m2 += d;
    m4 += d * d;
  }
  m2 /= n;
  m4 /= n;
  return m2 > 0 ? m4 / (m2 * m2) - 3 : Number.NaN;
}

/** Result of {@link hillTailIndex}. */
export interface HillEstimate {
  /** Estimated tail index α (P(|X| > x) ~ x^−α). NaN when it cannot be estimated. */
  readonly alpha: number;
  /** Number of upper order statistics used. */
  readonly k: number;
  /** The threshold X₍ₖ₊₁₎: the (k+1)-th largest |x|. */
  readonly threshold: number;
  /** Standard error of α̂ under the Pareto model, α̂ / √k. */
  readonly stdError: number;
}

/** Options of {@link hillTailIndex}. */
export interface HillOptions {
  /** Number of upper order statistics k. Overrides `fraction`. */
  readonly k?: number;
  /** k as a fraction of the number of non-zero |x|. Default 0.05 (at least 2 when there are ≥ 3 values). */
  readonly fraction?: number;
}

/**
 * Hill (1975) estimator of the tail index of |x|: with `X₍₁₎ ≥ X₍₂₎ ≥ …` the non-zero |x| sorted in
 * decreasing order, `α̂ = k / Σ_{i=1..k} ln(X₍ᵢ₎ / X₍ₖ₊₁₎)`. Cont (2001) reports α between 2 and 5 for
 * returns. Zeros (unchanged prices) and non-finite values are excluded.
 *
 * @example
 * ```ts
 * hillTailIndex(returns, { fraction: 0.05 }).alpha; // ≈ 3 for typical asset returns
 * ```
 */
export function hillTailIndex(x: ArrayLike<number>, options: HillOptions = {}): HillEstimate {
  const a = finite(x)
    .map(Math.abs)
    .filter((v) => v > 0)
    .sort((p, q) => q - p);
  const n = a.length;
  let k = options.k ?? Math.max(2, Math.round((options.fraction ?? 0.05) * n));
  k = Math.min(k, n - 1);
  if (!(k >= 1)) return { alpha: Number.NaN, k: Math.max(0, k), threshold: Number.NaN, stdError: Number.NaN };
  const threshold = a[k]!;
  let s = 0;
  for (let i = 0; i < k; i++) s += Math.log(a[i]! / threshold);
  const alpha = s > 0 ? k / s : Number.NaN;
  return { alpha, k, threshold, stdError: alpha / Math.sqrt(k) };
}

/**
 * Sample autocorrelation function for lags `0 … maxLag`:
 * `ρ(l) = Σ_{t=1..n−l} (x_t − x̄)(x_{t+l} − x̄) / Σ_{t=1..n} (x_t − x̄)²` (the standard biased
 * estimator; ρ(0) = 1). Lags ≥ n, and every lag of a constant series, give NaN.
 *
 * @returns a Float64Array of length `maxLag + 1`, index = lag.
 * @example
 * ```ts
 * autocorrelation([1, -1, 1, -1], 1); // [1, -0.75]
 * ```
 */
export function autocorrelation(x: ArrayLike<number>, maxLag: number): Float64Array {
  const v = finite(x);
  const n = v.length;
  const out = new Float64Array(maxLag + 1).fill(Number.NaN);
  if (n < 2) return out;
  let mean = 0;
  for (const a of v) mean += a;
  mean /= n;
  const d = v.map((a) => a - mean);
  let den = 0;
  for (const a of d) den += a * a;
  if (!(den > 0)) return out;
  for (let l = 0; l <= maxLag && l < n; l++) {
    let num = 0;
    for (let t = 0; t + l < n; t++) num += d[t]! * d[t + l]!;
    out[l] = num / den;
  }
  return out;
}

/**
 * Power-law decay exponent β of an autocorrelation function, `ρ(l) ≈ c · l^−β`, fitted by least
 * squares of `ln ρ(l)` on `ln l` over lags `1 … L` with ρ(l) > 0. NaN with fewer than 3 such lags.
 * Cont (2001) reports β ≈ 0.2–0.4 for the autocorrelation of absolute returns.
 */
export function powerLawDecay(acf: ArrayLike<number>): number {
  const xs: number[] = [];
  const ys: number[] = [];
  for (let l = 1; l < acf.length; l++) {
    const r = acf[l]!;
    if (Number.isFinite(r) && r > 0) {
      xs.push(Math.log(l));
      ys.push(Math.log(r));
    }
  }
  const n = xs.length;
  if (n < 3) return Number.NaN;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < n; i++) {
    sxy += (xs[i]! - mx) * (ys[i]! - my);
    sxx += (xs[i]! - mx) ** 2;
  }
  return sxx > 0 ? -sxy / sxx : Number.NaN;
}

/** Options of {@link stylizedFacts}. */
export interface StylizedFactsOptions {
  /** Return horizon, s. Default: 1 sample (the recorder's interval). */
  readonly horizonS?: number;
  /** Largest ACF lag L, in horizons. Default 20. */
  readonly maxLag?: number;
  /** Hill estimator options. Default k = 5 % of the non-zero returns. */
  readonly hill?: HillOptions;
}

/** Stylized facts of one price series at one horizon; see {@link stylizedFacts}. */
export interface StylizedFacts {
  /** Return horizon, s (NaN when returns were taken sample by sample without times). */
  readonly horizonS: number;
  /** Number of returns. */
  readonly n: number;
  /** Mean log return. */
  readonly mean: number;
  /** Standard deviation of log returns (population). */
  readonly std: number;
  /** Excess kurtosis of returns. */
  readonly excessKurtosis: number;
  /** Hill estimate on |returns|. */
  readonly hill: HillEstimate;
  /** ACF of returns, lags 0 … L (index = lag). */
  readonly acfReturns: readonly number[];
  /** ACF of |returns|, lags 0 … L (index = lag). */
  readonly acfAbsReturns: readonly number[];
  /** Power-law decay exponent of the ACF of |returns| (see {@link powerLawDecay}). */
  readonly absAcfDecay: number;
}

/**
 * Stylized facts of a price series at a horizon: log returns ({@link returnsAtHorizon}, or
 * {@link logReturns} with step 1 when no horizon is given), their mean, standard deviation, excess
 * kurtosis, Hill tail index on |r|, ACF of r and of |r| up to `maxLag`, and the power-law decay
 * exponent of the latter.
 *
 * @param timeS - sample times, s.
 * @param price - prices (e.g. the `mid` or `mark` column).
 * @example
 * ```ts
 * const f = stylizedFacts(ts.time_s, ts.mid, { horizonS: 10, maxLag: 30 });
 * stylizedVerdict(f).checks.every((c) => c.pass);
 * ```
 */
export function stylizedFacts(
  timeS: ArrayLike<number>,
  price: ArrayLike<number>,
  options: StylizedFactsOptions = {},
): StylizedFacts {
  const r =
    options.horizonS === undefined ? logReturns(price) : returnsAtHorizon(timeS, price, options.horizonS);
  let horizonS = options.horizonS ?? Number.NaN;
  if (options.horizonS === undefined && timeS.length >= 2) horizonS = timeS[1]! - timeS[0]!;
  return factsOfReturns(r, horizonS, options);
}

/** {@link stylizedFacts} of an already computed return series (horizon only recorded, not used). */
export function factsOfReturns(
  r: ArrayLike<number>,
  horizonS: number,
  options: StylizedFactsOptions = {},
): StylizedFacts {
  const L = options.maxLag ?? 20;
  const v = finite(r);
  const n = v.length;
  let mean = 0;
  for (const a of v) mean += a;
  mean = n > 0 ? mean / n : Number.NaN;
  let m2 = 0;
  for (const a of v) m2 += (a - mean) ** 2;
  const acfAbs = Array.from(
    autocorrelation(
      v.map((a) => Math.abs(a)),
      L,
    ),
  );
  return {
    horizonS,
    n,
    mean,
    std: n > 0 ? Math.sqrt(m2 / n) : Number.NaN,
    excessKurtosis: excessKurtosis(v),
    hill: hillTailIndex(v, options.hill),
    acfReturns: Array.from(autocorrelation(v, L)),
    acfAbsReturns: acfAbs,
    absAcfDecay: powerLawDecay(acfAbs),
  };
}

/** One check of {@link stylizedVerdict}. */
export interface FactCheck {
  /** Short name of the stylized fact. */
  readonly fact: string;
  /** The statistic the check looks at, formatted. */
  readonly observed: string;
  /** What Cont (2001) leads one to expect. */
  readonly expected: string;
  /** Whether the series shows the fact; undefined when there is not enough data to tell. */
  readonly pass: boolean | undefined;
}

/** Result of {@link stylizedVerdict}. */
export interface StylizedVerdict {
  /** One entry per fact. */
  readonly checks: readonly FactCheck[];
  /** Checks that passed. */
  readonly passed: number;
  /** Checks that could be decided. */
  readonly decided: number;
}

/** Thresholds of {@link stylizedVerdict}. */
export interface VerdictOptions {
  /** Accepted range of the Hill tail index. Default [2, 5] (Cont 2001). */
  readonly tailIndexRange?: readonly [number, number];
  /** First lag from which returns must be uncorrelated ("beyond a few lags"). Default 2. */
  readonly minLag?: number;
  /**
   * "Small" autocorrelation: |ρ| ≤ max(this, 1.96/√n). Default 0.1. The same bound is the level
   * ρ_|r|(1) must exceed for volatility clustering.
   */
  readonly acfTolerance?: number;
  /** Share of lags 1 … L at which ρ_|r| must be positive. Default 0.8. */
  readonly positiveShare?: number;
  /** Largest power-law decay exponent of ρ_|r| that still counts as slow. Default 1 (Cont: 0.2–0.4). */
  readonly maxDecayExponent?: number;
  /** Fewest returns needed to decide anything. Default 30. */
  readonly minReturns?: number;
}

/**
 * Compares stylized facts with Cont (2001): (1) heavy tails — Hill tail index in [2, 5];
 * (2) positive excess kurtosis; (3) absence of linear autocorrelation — |ρ_r(l)| small for lags
 * `minLag … L`; (4) volatility clustering — ρ_|r|(1) clearly positive and ρ_|r| positive at most lags;
 * (5) slow decay — power-law exponent of ρ_|r| at most `maxDecayExponent`. "Small" means at most
 * max(`acfTolerance`, 1.96/√n), the larger of a practical bound and the 95 % white-noise band.
 * When there are fewer than `minReturns` returns, every check is undecided.
 */
export function stylizedVerdict(f: StylizedFacts, options: VerdictOptions = {}): StylizedVerdict {
  const [lo, hi] = options.tailIndexRange ?? [2, 5];
  const minLag = options.minLag ?? 2;
  const band = Math.max(
    options.acfTolerance ?? 0.1,
    f.n > 0 ? 1.96 / Math.sqrt(f.n) : Number.POSITIVE_INFINITY,
  );
  const enough = f.n >= (options.minReturns ?? 30);
  const decide = (ok: boolean, known = true) => (enough && known ? ok : undefined);
  const L = f.acfReturns.length - 1;
  let maxAbs = Number.NaN;
  for (let l = minLag; l <= L; l++) {
    const r = Math.abs(f.acfReturns[l]!);
    if (Number.isFinite(r) && !(r <= maxAbs)) maxAbs = r;
  }
  let positive = 0;
  let counted = 0;
  for (let l = 1; l <= L; l++) {
    const r = f.acfAbsReturns[l]!;
    if (!Number.isFinite(r)) continue;
    counted++;
    if (r > 0) positive++;
  }
  const share = counted > 0 ? positive / counted : Number.NaN;
  const acf1 = f.acfAbsReturns[1] ?? Number.NaN;
  const a = f.hill.alpha;
  const beta = f.absAcfDecay;
  const checks: FactCheck[] = [
    {
      fact: "Heavy tails (Hill tail index)",
      observed: fmt(a),
      expected: `${lo} ≤ α ≤ ${hi}`,
      pass: decide(a >= lo && a <= hi, Number.isFinite(a)),
    },
    {
      fact: "Excess kurtosis",
      observed: fmt(f.excessKurtosis),
      expected: "> 0",
      pass: decide(f.excessKurtosis > 0, Number.isFinite(f.excessKurtosis)),
    },
    {
      fact: "No linear autocorrelation of returns",
      observed: `max |ρ(l)|, l = ${minLag}…${L}: ${fmt(maxAbs)}`,
      expected: `≤ ${fmt(band)}`,
      pass: decide(maxAbs <= band, Number.isFinite(maxAbs)),
    },
    {
      fact: "Volatility clustering (ρ of |r| positive)",
      observed: `ρ|r|(1) = ${fmt(acf1)}, positive at ${fmt(share * 100)} % of lags`,
      expected: `ρ|r|(1) > ${fmt(band)}, ≥ ${fmt((options.positiveShare ?? 0.8) * 100)} % positive`,
      pass: decide(acf1 > band && share >= (options.positiveShare ?? 0.8), Number.isFinite(acf1)),
    },
    {
      fact: "Slow decay of ρ of |r| (power law)",
      observed: `β = ${fmt(beta)}`,
      expected: `β ≤ ${fmt(options.maxDecayExponent ?? 1)} (Cont: 0.2–0.4)`,
      pass: decide(beta <= (options.maxDecayExponent ?? 1), Number.isFinite(beta)),
    },
  ];
  return {
    checks,
    passed: checks.filter((c) => c.pass === true).length,
    decided: checks.filter((c) => c.pass !== undefined).length,
  };
}

/**
 * Aggregational Gaussianity (Cont 2001): excess kurtosis should fall as the horizon lengthens.
 * Passes when kurtosis is non-increasing across the given horizons (sorted by horizon, finite values
 * only); undefined with fewer than two finite values.
 */
export function aggregationalGaussianity(facts: readonly StylizedFacts[]): FactCheck {
  const pts = facts.filter((f) => Number.isFinite(f.excessKurtosis)).sort((a, b) => a.horizonS - b.horizonS);
  const observed = pts.map((f) => `${fmt(f.horizonS)} s: ${fmt(f.excessKurtosis)}`).join(", ") || "—";
  let ok = true;
  for (let i = 1; i < pts.length; i++) if (pts[i]!.excessKurtosis > pts[i - 1]!.excessKurtosis) ok = false;
  return {
    fact: "Aggregational Gaussianity (kurtosis falls with horizon)",
    observed,
    expected: "non-increasing",
    pass: pts.length >= 2 ? ok : undefined,
  };
}

function finite(x: ArrayLike<number>): number[] {
  const out: number[] = [];
  for (let i = 0; i < x.length; i++) if (Number.isFinite(x[i]!)) out.push(x[i]!);
  return out;
}

function fmt(x: number): string {
  if (!Number.isFinite(x)) return Number.isNaN(x) ? "—" : x > 0 ? "∞" : "−∞";
  return Number(x.toPrecision(3)).toString();
}
