/**
 * Small order statistics for benchmark samples.
 *
 * @module
 */

/** The median of `values` (mean of the two middle values for an even count); `NaN` when empty. */
export function median(values: ArrayLike<number>): number {
  const sorted = sortedCopy(values);
  const n = sorted.length;
  if (n === 0) return Number.NaN;
  const mid = n >>> 1;
  return n % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/**
 * The `q`-quantile of `values` by the nearest-rank method (`q` in [0, 1]); `NaN` when empty.
 * Nearest rank rather than interpolation so the result is always an observed sample.
 */
export function quantile(values: ArrayLike<number>, q: number): number {
  const sorted = sortedCopy(values);
  const n = sorted.length;
  if (n === 0) return Number.NaN;
  const rank = Math.min(n, Math.max(1, Math.ceil(q * n)));
  return sorted[rank - 1]!;
}

function sortedCopy(values: ArrayLike<number>): Float64Array {
  // Float64Array sorts numerically (a plain array would sort as strings).
  return Float64Array.from(values).sort();
}
