/**
 * The index price: a weighted average of spot prices from several venues, robust to one venue
 * printing nonsense. A source further than `maxDeviationPpm` from the median of the valid sources
 * gets weight 0 (Binance "price index" rules; ~5 %).
 *
 * @module
 */

import { ConfigError } from "@cascade/core";

// Scratch for the median: grown on demand, reused, so the per-update call allocates nothing.
let scratch = new Float64Array(16);

/**
 * Index price in (fractional) ticks from per-source spot prices and weights.
 *
 * A source is valid when its price is finite and > 0 (≤ 0 or NaN means stale / no quote) and
 * its weight is finite and > 0. The median (mean of the two middle values for an even count) is
 * taken over the valid sources; a source whose |price − median| > median × maxDeviationPpm / 10^6
 * is then dropped. If every valid source is dropped (e.g. two sources that disagree by more than
 * twice the band), the median itself is returned: it is the most robust value there is.
 *
 * @param prices spot prices in ticks, one per source.
 * @param weights non-negative weights, same length (need not sum to 1).
 * @param maxDeviationPpm allowed distance from the median in ppm (default 50,000 = 5 %).
 * @returns the weighted average in ticks, or NaN when no source is valid.
 * @throws {@link @cascade/core!ConfigError} when the lengths differ or `maxDeviationPpm` is negative / NaN.
 * @example `computeIndexTicks([700_000, 700_200, 800_000], [1, 1, 1]) // 700_100 (the outlier is dropped)`
 */
export function computeIndexTicks(
  prices: ArrayLike<number>,
  weights: ArrayLike<number>,
  maxDeviationPpm = 50_000,
): number {
  if (prices.length !== weights.length) {
    throw new ConfigError("weights.length", weights.length, `must equal prices.length (${prices.length})`);
  }
  if (!(maxDeviationPpm >= 0)) {
    throw new ConfigError("maxDeviationPpm", maxDeviationPpm, "must be a non-negative number");
  }
  const n = prices.length;
  if (scratch.length < n) scratch = new Float64Array(Math.max(n, 2 * scratch.length));
  // Insertion sort of the valid prices: a handful of sources, no allocation.
  let count = 0;
  for (let i = 0; i < n; i++) {
    if (!isValid(prices[i]!, weights[i]!)) continue;
    const p = prices[i]!;
    let j = count++;
    while (j > 0 && scratch[j - 1]! > p) {
      scratch[j] = scratch[j - 1]!;
      j--;
    }
    scratch[j] = p;
  }
  if (count === 0) return Number.NaN;
  const half = count >> 1;
  const median = count % 2 === 1 ? scratch[half]! : (scratch[half - 1]! + scratch[half]!) / 2;
  const band = (median * maxDeviationPpm) / 1e6;
  let sumW = 0;
  let sumWP = 0;
  for (let i = 0; i < n; i++) {
    const p = prices[i]!;
    const w = weights[i]!;
    if (!isValid(p, w) || Math.abs(p - median) > band) continue;
    sumW += w;
    sumWP += w * p;
  }
  return sumW > 0 ? sumWP / sumW : median;
}

function isValid(price: number, weight: number): boolean {
  return price > 0 && price < Infinity && weight > 0 && weight < Infinity;
}
