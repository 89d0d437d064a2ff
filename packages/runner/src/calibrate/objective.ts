/**
 * The simulated-method-of-moments objective. For a candidate θ simulated with R replications
 * (the same seeds for every candidate: common random numbers), moment k's simulated value is the
 * mean over the replications, m̄_k(θ) = (1/R) Σ_r m_k(θ, r), and the objective is the weighted
 * squared distance to the targets t_k:
 *
 * ```
 * J(θ) = Σ_k w_k (m̄_k(θ) − t_k)²,   w_k = 1 / se_k²  (or the target's explicit weight)
 * ```
 *
 * i.e. `(m̄ − t)ᵀ W (m̄ − t)` with the diagonal weight matrix `W = diag(w)`. With `w = 1/se²` each
 * term is a squared z-score, so J is comparable across moments of different units. A candidate
 * one of whose replications failed, or whose moment is not finite, scores `+∞`.
 *
 * @module
 */

/** A moment to match. */
export interface MomentTarget {
  /** The per-run metric (a sim summary metric or one of the experiment's `summarize` metrics). */
  readonly metric: string;
  /** The value to match. */
  readonly target: number;
  /** Standard error of the target (its sampling uncertainty); sets the default weight `1/se²`. */
  readonly se?: number;
  /** Weight of the moment in the objective (overrides `1/se²`). */
  readonly weight?: number;
}

/** The mean of a moment over a candidate's replications, with its standard error. */
export interface MomentStat {
  /** Mean over the ok replications (`NaN` when there is none). */
  readonly mean: number;
  /** Standard error of the mean, `sd / √n` with the sample sd (`NaN` when `n < 2`). */
  readonly se: number;
  /** Replications the mean is taken over. */
  readonly n: number;
}

/** The weight of a moment: its explicit `weight`, else `1 / se²`. */
export function weightOf(target: MomentTarget): number {
  if (target.weight !== undefined) return target.weight;
  if (target.se !== undefined) return 1 / (target.se * target.se);
  throw new Error(`moment ${target.metric} has neither a weight nor a standard error`);
}

/**
 * Mean and standard error of one moment's per-replication values (summed in the order given, so
 * the same values give the same bits).
 */
export function momentStat(values: readonly number[]): MomentStat {
  const n = values.length;
  if (n === 0) return { mean: Number.NaN, se: Number.NaN, n };
  let sum = 0;
  for (const v of values) sum += v;
  const mean = sum / n;
  if (n < 2) return { mean, se: Number.NaN, n };
  let ss = 0;
  for (const v of values) ss += (v - mean) * (v - mean);
  return { mean, se: Math.sqrt(ss / (n - 1) / n), n };
}

/**
 * `J = Σ_k w_k (means_k − t_k)²`; `+∞` when a mean is not finite.
 * @example `objective([1.5], [{ metric: "x", target: 1, se: 0.5 }])` → `1`
 */
export function objective(means: readonly number[], targets: readonly MomentTarget[]): number {
  let j = 0;
  targets.forEach((t, k) => {
    const m = means[k]!;
    j += Number.isFinite(m) ? weightOf(t) * (m - t.target) ** 2 : Number.POSITIVE_INFINITY;
  });
  return Number.isNaN(j) ? Number.POSITIVE_INFINITY : j;
}
