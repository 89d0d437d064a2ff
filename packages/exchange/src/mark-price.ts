/**
 * The mark price: what liquidations trigger on. Binance-style (its "mark price" pages):
 * mark = median(P1, P2, last traded price), with
 * P1 = index × (1 + last funding rate × time to next funding / funding interval) and
 * P2 = index + moving average of (mid − index) sampled every few seconds.
 * A thin book's last trade alone can therefore not move the mark far from the index.
 *
 * @module
 */

import { ConfigError, NS_PER_HOUR, NS_PER_SECOND } from "@cascade/core";

/** Configuration of {@link MarkPrice}; every field has a default. */
export interface MarkPriceConfig {
  /** Spacing of basis samples in ns (default 5 s, as Binance). Samples are taken on this time grid. */
  readonly basisSampleIntervalNs?: number;
  /** Number of most recent basis samples averaged into P2 (default 60 = 5 minutes). */
  readonly basisWindowSamples?: number;
  /** Funding interval in ns (default 8 h); scales the funding term of P1. */
  readonly fundingIntervalNs?: number;
}

/**
 * Mark-price state for one perpetual: a fixed ring buffer of basis samples (no allocation after
 * construction).
 * @example
 * ```ts
 * const mark = new MarkPrice();
 * mark.sampleBasis(now, midTicks, indexTicks); // call on every update; records at most once per 5 s
 * const markTicks = mark.compute(now, indexTicks, lastTradeTicks, lastRateE8, nextFundingNs);
 * ```
 */
export class MarkPrice {
  /** Spacing of basis samples in ns. */
  readonly basisSampleIntervalNs: number;
  /** Size of the moving-average window in samples. */
  readonly basisWindowSamples: number;
  /** Funding interval in ns. */
  readonly fundingIntervalNs: number;
  private readonly ring: Float64Array;
  private head = 0; // next slot to write
  private count = 0;
  private lastSlot = Number.NEGATIVE_INFINITY; // index of the grid interval last sampled

  /** @throws {@link @cascade/core!ConfigError} naming `markPrice.<field>` when a value is not a positive integer. */
  constructor(config: MarkPriceConfig = {}) {
    this.basisSampleIntervalNs = positiveInt(
      "markPrice.basisSampleIntervalNs",
      config.basisSampleIntervalNs ?? 5 * NS_PER_SECOND,
    );
    this.basisWindowSamples = positiveInt("markPrice.basisWindowSamples", config.basisWindowSamples ?? 60);
    this.fundingIntervalNs = positiveInt(
      "markPrice.fundingIntervalNs",
      config.fundingIntervalNs ?? 8 * NS_PER_HOUR,
    );
    this.ring = new Float64Array(this.basisWindowSamples);
  }

  /** Number of basis samples currently in the window. */
  get sampleCount(): number {
    return this.count;
  }

  /**
   * Records the basis `mid − index` (ticks) if no sample has been taken yet in the current
   * `basisSampleIntervalNs` grid interval (`floor(now / interval)`). Invalid inputs (NaN or ≤ 0,
   * e.g. an empty book side) record nothing.
   * @returns whether a sample was recorded.
   */
  sampleBasis(nowNs: number, midTicks: number, indexTicks: number): boolean {
    if (!(midTicks > 0 && indexTicks > 0 && midTicks < Infinity && indexTicks < Infinity)) return false;
    const slot = Math.floor(nowNs / this.basisSampleIntervalNs);
    if (slot <= this.lastSlot) return false;
    this.lastSlot = slot;
    this.ring[this.head] = midTicks - indexTicks;
    this.head = this.head + 1 === this.ring.length ? 0 : this.head + 1;
    if (this.count < this.ring.length) this.count++;
    return true;
  }

  /** Moving average of the recorded basis samples in ticks; 0 when there are none. */
  averageBasisTicks(): number {
    if (this.count === 0) return 0;
    let sum = 0;
    // Summed fresh each call (≤ window values): no drift from a running float sum.
    for (let i = 0; i < this.count; i++) sum += this.ring[i]!;
    return sum / this.count;
  }

  /**
   * The mark price in integer ticks (round half up): median(P1, P2, last).
   * - P2 = index + {@link averageBasisTicks} (= index when no samples).
   * - The funding term uses max(0, nextFundingTimeNs − nowNs).
   * - If `lastTradeTicks` is NaN or ≤ 0 (no trade yet), the median of two values is used: (P1 + P2) / 2.
   * - If `indexTicks` is NaN or ≤ 0, there is no mark: returns -1 (keep the previous mark).
   * The result is at least 1 tick.
   * @param lastFundingRateE8 last funding rate in units of 10^-8 (as `FundingAccumulator.rate` returns).
   */
  compute(
    nowNs: number,
    indexTicks: number,
    lastTradeTicks: number,
    lastFundingRateE8: number,
    nextFundingTimeNs: number,
  ): number {
    if (!(indexTicks > 0 && indexTicks < Infinity)) return -1;
    const untilFundingNs = Math.max(0, nextFundingTimeNs - nowNs);
    const p1 = indexTicks * (1 + ((lastFundingRateE8 / 1e8) * untilFundingNs) / this.fundingIntervalNs);
    const p2 = indexTicks + this.averageBasisTicks();
    let mark: number;
    if (lastTradeTicks > 0 && lastTradeTicks < Infinity) {
      // Median by comparisons (exact; a sum-minus-extremes could round across a half tick).
      mark = Math.max(Math.min(p1, p2), Math.min(Math.max(p1, p2), lastTradeTicks));
    } else {
      mark = (p1 + p2) / 2;
    }
    return Math.max(1, Math.floor(mark + 0.5));
  }

  /** Forgets every basis sample (e.g. after a trading halt). */
  reset(): void {
    this.head = 0;
    this.count = 0;
    this.lastSlot = Number.NEGATIVE_INFINITY;
  }
}

function positiveInt(field: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 1)
    throw new ConfigError(field, value, "must be a positive integer");
  return value;
}
