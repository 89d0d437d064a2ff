/**
 * Funding: the periodic payment between longs and shorts that ties the perpetual to the index.
 * Premium index P = [max(0, impact bid − index) − max(0, index − impact ask)] / index, averaged over
 * the interval (Bybit weights samples 1…N), then F = P̄ + clamp(I − P̄, −0.05 %, +0.05 %) with
 * I = 0.01 % per 8 h, capped overall (Binance-like ±0.75 %). Longs pay shorts when F > 0.
 *
 * Rates are floats while averaging and leave this module as integers in 10^-8 (`rateE8`);
 * payments are integer quote units.
 *
 * @module
 */

import { ConfigError, type Instrument, mulDivCeil, NS_PER_MINUTE } from "@cascade/core";

/** Scale of an integer funding rate: `rateE8 = round(rate × 10^8)`, e.g. 0.01 % → 10,000. */
export const RATE_E8 = 100_000_000;

/**
 * Premium index (a fraction, float) from impact prices and the index, all in ticks.
 * An impact price that is NaN or ≤ 0 (the book is too thin to fill the impact notional) adds
 * nothing on its side. NaN when the index is not positive.
 * @example `premiumIndex(700_700, 700_800, 700_000) // 0.001 (bid 0.1 % above the index)`
 */
export function premiumIndex(impactBidTicks: number, impactAskTicks: number, indexTicks: number): number {
  if (!(indexTicks > 0)) return Number.NaN;
  const bidAbove = impactBidTicks > indexTicks ? impactBidTicks - indexTicks : 0;
  const askBelow = impactAskTicks > 0 && impactAskTicks < indexTicks ? indexTicks - impactAskTicks : 0;
  return (bidAbove - askBelow) / indexTicks;
}

/**
 * Impact notional in quote units: the order size whose average fill defines the impact bid/ask,
 * impact margin × max leverage (Binance: 200 USDT × max leverage of the first tier).
 * @param impactMarginQuote impact margin in quote currency (default 200).
 * @throws {@link @cascade/core!ConfigError} when the margin is not a multiple of the quote unit.
 */
export function impactNotionalUnits(
  instrument: Instrument,
  maxLeverage: number,
  impactMarginQuote: string | number = 200,
): number {
  return instrument.quoteToUnits(impactMarginQuote, "exact", "impactMarginQuote") * maxLeverage;
}

/** Configuration of {@link FundingAccumulator}. */
export interface FundingAccumulatorConfig {
  /**
   * `"linear"` (default, Bybit): the k-th sample of the interval has weight k, so recent premiums
   * count more; `"equal"`: a plain average.
   */
  readonly weighting?: "linear" | "equal";
  /** Spacing of premium samples in ns (default 1 minute: 480 samples per 8 h, as Bybit). */
  readonly sampleIntervalNs?: number;
}

/**
 * Time-weighted average premium over one funding interval, and the resulting rate. O(1) state,
 * no allocation.
 * @example
 * ```ts
 * const acc = new FundingAccumulator();
 * acc.sample(now, premiumIndex(bid, ask, index)); // on every update; records once per minute
 * const rateE8 = acc.rate(); // at the funding time
 * acc.reset();
 * ```
 */
export class FundingAccumulator {
  /** How samples are weighted. */
  readonly weighting: "linear" | "equal";
  /** Spacing of samples in ns. */
  readonly sampleIntervalNs: number;
  private count = 0;
  private sumWeights = 0;
  private sumWeighted = 0;
  private lastSlot = Number.NEGATIVE_INFINITY;

  /** @throws {@link @cascade/core!ConfigError} naming `funding.<field>` on a bad value. */
  constructor(config: FundingAccumulatorConfig = {}) {
    const weighting = config.weighting ?? "linear";
    if (weighting !== "linear" && weighting !== "equal") {
      throw new ConfigError("funding.weighting", weighting, 'must be "linear" or "equal"');
    }
    this.weighting = weighting;
    const interval = config.sampleIntervalNs ?? NS_PER_MINUTE;
    if (!Number.isSafeInteger(interval) || interval < 1) {
      throw new ConfigError("funding.sampleIntervalNs", interval, "must be a positive integer");
    }
    this.sampleIntervalNs = interval;
  }

  /** Number of samples since the last {@link reset}. */
  get sampleCount(): number {
    return this.count;
  }

  /**
   * Records `premium` (a fraction) unless a sample was already taken in the current
   * `sampleIntervalNs` grid interval (`floor(now / interval)`) or the premium is not finite.
   * @returns whether the sample was recorded.
   */
  sample(nowNs: number, premium: number): boolean {
    if (!Number.isFinite(premium)) return false;
    const slot = Math.floor(nowNs / this.sampleIntervalNs);
    if (slot <= this.lastSlot) return false;
    this.lastSlot = slot;
    this.count++;
    const w = this.weighting === "linear" ? this.count : 1;
    this.sumWeights += w;
    this.sumWeighted += w * premium;
    return true;
  }

  /** Weighted average premium P̄ (a fraction); 0 when no sample was taken. */
  averagePremium(): number {
    return this.count === 0 ? 0 : this.sumWeighted / this.sumWeights;
  }

  /**
   * The funding rate for the interval, F = P̄ + clamp(I − P̄, −clampAbs, +clampAbs), then limited
   * to [−capAbs, +capAbs], as an integer in 10^-8 rounded half away from zero (after snapping
   * float noise below 10^-14, so a hand-computed half rounds as expected).
   * With no samples P̄ = 0, so F = clamp(I).
   * @param interestRate I per interval (default 0.0001 = 0.01 %).
   * @param clampAbs half-width of the interest clamp (default 0.0005 = 0.05 %).
   * @param capAbs overall cap (default 0.0075 = 0.75 %).
   * @throws {@link @cascade/core!ConfigError} when a bound is negative or NaN.
   */
  rate(interestRate = 0.0001, clampAbs = 0.0005, capAbs = 0.0075): number {
    if (!(clampAbs >= 0)) throw new ConfigError("funding.clampAbs", clampAbs, "must be ≥ 0");
    if (!(capAbs >= 0)) throw new ConfigError("funding.capAbs", capAbs, "must be ≥ 0");
    if (!Number.isFinite(interestRate))
      throw new ConfigError("funding.interestRate", interestRate, "must be finite");
    const p = this.averagePremium();
    const f = p + clamp(interestRate - p, -clampAbs, clampAbs);
    const capped = clamp(f, -capAbs, capAbs);
    const scaled = Math.round(Math.abs(capped) * RATE_E8 * 1e6) / 1e6;
    const e8 = Math.round(scaled);
    return e8 === 0 ? 0 : Math.sign(capped) * e8;
  }

  /**
   * Starts a new funding interval. The grid slot of the last sample is remembered, so a second
   * sample in that same slot is still refused.
   */
  reset(): void {
    this.count = 0;
    this.sumWeights = 0;
    this.sumWeighted = 0;
  }
}

/**
 * The funding payment of one position in quote units: position value (size × mark × m) × rate.
 * Positive = the account pays, negative = it receives; longs pay when the rate is positive.
 *
 * Rounded so the exchange never pays out more than it collects: payers pay ceil(|amount|),
 * receivers get floor(|amount|) — both are ceil of the signed amount. The residue (collected −
 * paid) is therefore non-negative and goes to the insurance fund.
 * @example `fundingPaymentUnits(1000, 200_000, 1, 10_000) // long 1 BTC at 20,000, 0.01 % → 20,000 units (2 USDT)`
 */
export function fundingPaymentUnits(sizeLots: number, markTicks: number, m: number, rateE8: number): number {
  const value = sizeLots * markTicks * m;
  const out = rateE8 >= 0 ? mulDivCeil(value, rateE8, RATE_E8) : mulDivCeil(-value, -rateE8, RATE_E8);
  return out === 0 ? 0 : out; // no −0
}

function clamp(x: number, lo: number, hi: number): number {
  return Math.min(Math.max(x, lo), hi);
}
