/**
 * The decision rules of the retail population as small pure functions (sizes, arrival rates,
 * entry, stop and defence prices) plus the momentum window, so each rule is tested on its own and
 * the agent ({@link RetailPopulation}) only wires them to the venue. None allocates per call.
 *
 * @module
 */

import type { RandomStream } from "@cascade/core";

/**
 * Cumulative sums of categorical weights, for {@link RandomStream.weightedIndex}.
 * @example `cumulativeWeights([1, 3]) // Float64Array [1, 4]`
 */
export function cumulativeWeights(weights: readonly number[]): Float64Array {
  const c = new Float64Array(weights.length);
  let s = 0;
  for (let i = 0; i < weights.length; i++) {
    s += weights[i]!;
    c[i] = s;
  }
  return c;
}

/**
 * Share of the wallet one opening commits as initial margin: `min(1, Pareto(minFraction, alpha))`,
 * i.e. P(f > x) = (minFraction / x)^alpha on [minFraction, 1), with the mass beyond 1 at 1 (all in).
 */
export function drawMarginFraction(rng: RandomStream, minFraction: number, alpha: number): number {
  return Math.min(1, rng.pareto(minFraction, alpha));
}

/**
 * Lots an opening buys with `budgetUnits` of margin at `leverage`, margined at `priceTicks` (the
 * order's protection price) with a taker fee of `feePpm` reserved:
 * `floor(budget / (price × m × (1/leverage + fee)))`, cut to `maxNotionalUnits / (price × m)`.
 * A budget too small for one lot buys one lot when the whole wallet (`walletUnits`) covers it, and
 * nothing (0) otherwise.
 *
 * @param m quote units per tick × lot of the instrument.
 * @example 1,000 USDT at 10×, price 70,000 (BTCUSDT, m = 1): 1e7 units / (700,000 × (0.1 + 0.0005)) → 142 lots (0.142 BTC).
 */
export function positionLots(
  budgetUnits: number,
  walletUnits: number,
  leverage: number,
  priceTicks: number,
  m: number,
  feePpm: number,
  maxNotionalUnits: number,
): number {
  const lotValue = priceTicks * m;
  if (!(lotValue > 0)) return 0;
  const perLot = lotValue * (1 / leverage + feePpm / 1e6);
  // Keep a couple of quote units of slack for the venue's ceil roundings.
  let lots = Math.floor((budgetUnits - 2) / perLot);
  const cap = Math.floor(maxNotionalUnits / lotValue);
  if (lots > cap) lots = cap;
  if (lots >= 1) return lots;
  return cap >= 1 && perLot + 2 <= walletUnits ? 1 : 0;
}

/**
 * Momentum component of the opening rate, per second: `base × min(e^{κ·r}, maxMultiplier)` where
 * `r` is the log return of the mark over the lookback. More openings after rallies (κ > 0).
 */
export function momentumRate(basePerSecond: number, kappa: number, maxMultiplier: number, r: number): number {
  return basePerSecond * Math.min(Math.exp(kappa * r), maxMultiplier);
}

/** "Buy the dip" component of the opening rate, per second: `base × intensity × max(0, −r)`. */
export function dipRate(basePerSecond: number, intensity: number, r: number): number {
  return r < 0 ? basePerSecond * intensity * -r : 0;
}

/**
 * Entry price of an initial long bought during the past rally:
 * `max(1, round(start × (1 − depth × u^shape)))`, `u` uniform on [0, 1).
 */
export function rallyEntryTicks(startTicks: number, depth: number, shape: number, u: number): number {
  return Math.max(1, Math.round(startTicks * (1 - depth * u ** shape)));
}

/** Stop price of a long: `floor(entry × (1 − distance))`, in ticks. */
export function stopPriceTicks(entryTicks: number, distance: number): number {
  return Math.floor(entryTicks * (1 - distance));
}

/** Price at which a defender adds margin: `liquidation × (1 + distancePpm / 10^6)`, in (fractional) ticks. */
export function dangerPriceTicks(liquidationTicks: number, distancePpm: number): number {
  return liquidationTicks * (1 + distancePpm / 1e6);
}

/**
 * The last `capacity` prices seen at regular wake-ups (a ring buffer), giving the log return over
 * the window: `ln(newest / oldest)`, 0 until two prices are known.
 */
export class MomentumWindow {
  private readonly prices: Float64Array;
  private head = 0;
  private count = 0;

  /** @param capacity prices kept: lookback / interval + 1. */
  constructor(capacity: number) {
    this.prices = new Float64Array(Math.max(2, capacity));
  }

  /** Adds the newest price (ignored unless finite and positive). */
  push(price: number): void {
    if (!(price > 0) || !Number.isFinite(price)) return;
    this.prices[this.head] = price;
    this.head = (this.head + 1) % this.prices.length;
    if (this.count < this.prices.length) this.count++;
  }

  /** ln(newest / oldest) over the window; 0 with fewer than two prices. */
  logReturn(): number {
    if (this.count < 2) return 0;
    const n = this.prices.length;
    const newest = this.prices[(this.head - 1 + n) % n]!;
    const oldest = this.prices[(this.head - this.count + n) % n]!;
    return Math.log(newest / oldest);
  }
}
