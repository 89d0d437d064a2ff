/**
 * Tiered maintenance margin ("leverage brackets"): the larger a position's notional, the higher
 * its maintenance-margin rate and the lower its maximum leverage. Tiers are data (a venue's
 * published ladder), validated once and then queried on the margin hot path without allocation.
 *
 * MM(N) = ceil(N × MMR(tier) / 10^6) − maintenanceAmount(tier), with the amounts derived from the
 * table so MM is continuous at every bound (Binance futures FAQ "leverage and margin"):
 * amount_n = floor_n × (MMR_n − MMR_{n−1}) + amount_{n−1}.
 *
 * @module
 */

import { ConfigError, type Instrument, mulDivCeil, PPM, parseDecimal } from "@cascade/core";

/** One row of a venue's tier table, as a user writes it (quote currency, human decimals). */
export interface MarginTierSpec {
  /**
   * Inclusive upper bound of the tier's position notional in quote currency, e.g. `"250000"`.
   * The last tier may be `"Infinity"` / `Infinity` (no position limit).
   */
  readonly maxNotional: string | number;
  /** Maintenance-margin rate as a decimal fraction, e.g. `"0.004"` for 0.4 %. Resolution 1 ppm. */
  readonly maintenanceMarginRate: string;
  /** Largest leverage allowed in this tier (integer ≥ 1); its initial-margin rate 1/leverage must exceed the MMR. */
  readonly maxLeverage: number;
}

/** A validated tier in integer units. */
export interface MarginTier {
  /** Inclusive upper bound of the tier's notional in quote units (`Infinity` for an open last tier). */
  readonly maxNotionalUnits: number;
  /** Maintenance-margin rate in ppm. */
  readonly mmrPpm: number;
  /** Maintenance amount ("cum") in quote units, subtracted so MM is continuous across tiers. */
  readonly maintenanceAmountUnits: number;
  /** Largest leverage allowed in this tier. */
  readonly maxLeverage: number;
}

/**
 * A Binance-like historical BTCUSDT ladder (USDT). Maintenance amounts come out as
 * 0 / 50 / 1,300 / 16,300 / 266,300 / 1,266,300 / 2,516,300 / 5,016,300 / 25,016,300 / 100,016,300.
 * Illustrative only: venues revise their ladders; pass your own table for a specific date.
 */
export const BINANCE_BTCUSDT_TIERS: readonly MarginTierSpec[] = Object.freeze(
  [
    { maxNotional: "50000", maintenanceMarginRate: "0.004", maxLeverage: 125 },
    { maxNotional: "250000", maintenanceMarginRate: "0.005", maxLeverage: 100 },
    { maxNotional: "1000000", maintenanceMarginRate: "0.01", maxLeverage: 50 },
    { maxNotional: "10000000", maintenanceMarginRate: "0.025", maxLeverage: 20 },
    { maxNotional: "20000000", maintenanceMarginRate: "0.05", maxLeverage: 10 },
    { maxNotional: "50000000", maintenanceMarginRate: "0.1", maxLeverage: 5 },
    { maxNotional: "100000000", maintenanceMarginRate: "0.125", maxLeverage: 4 },
    { maxNotional: "200000000", maintenanceMarginRate: "0.15", maxLeverage: 3 },
    { maxNotional: "300000000", maintenanceMarginRate: "0.25", maxLeverage: 2 },
    { maxNotional: "500000000", maintenanceMarginRate: "0.5", maxLeverage: 1 },
  ].map((t) => Object.freeze(t)),
);

/**
 * A validated tier table in quote units of one instrument. Immutable.
 *
 * Notionals above the last tier's bound are charged at the last tier (a position can grow past
 * the limit through price moves and still needs a requirement); enforcing the position limit on
 * new orders is the venue's job, via {@link MarginTiers.positionLimitUnits}.
 *
 * @example
 * ```ts
 * const tiers = new MarginTiers(BINANCE_BTCUSDT_TIERS, new Instrument(BTCUSDT));
 * tiers.maintenanceMargin(2_500_000_000); // 250,000 USDT → 12,000,000 units = 1,200 USDT
 * ```
 */
export class MarginTiers {
  /** The tiers in increasing order of notional. */
  readonly tiers: readonly MarginTier[];
  /** Largest notional in quote units any tier covers (the last bound; may be `Infinity`). */
  readonly positionLimitUnits: number;
  // Parallel columns for the hot path (a handful of tiers: a linear scan beats a search).
  private readonly bounds: Float64Array;
  private readonly rates: Float64Array;
  private readonly amounts: Float64Array;
  private readonly leverages: Float64Array;

  /**
   * @param specs the ladder, lowest tier first.
   * @param instrument converts the quote-currency bounds to quote units.
   * @throws {@link @cascade/core!ConfigError} naming `tiers[i].<field>` when a bound or rate is malformed, not
   * increasing, or makes a maintenance amount fractional in quote units.
   */
  constructor(specs: readonly MarginTierSpec[], instrument: Instrument) {
    if (!Array.isArray(specs) || specs.length === 0) {
      throw new ConfigError("tiers", specs, "must be a non-empty array of margin tiers");
    }
    const n = specs.length;
    const tiers: MarginTier[] = [];
    let prevBound = 0;
    let prevPpm = 0;
    let prevAmount = 0;
    let prevLeverage = Infinity;
    for (let i = 0; i < n; i++) {
      const spec = specs[i]!;
      const at = `tiers[${i}]`;
      const bound = parseBound(`${at}.maxNotional`, spec.maxNotional, instrument, i === n - 1);
      if (!(bound > prevBound)) {
        throw new ConfigError(
          `${at}.maxNotional`,
          spec.maxNotional,
          "must be positive and above the previous tier's bound",
        );
      }
      const ppm = parseRatePpm(`${at}.maintenanceMarginRate`, spec.maintenanceMarginRate);
      if (ppm < prevPpm) {
        throw new ConfigError(
          `${at}.maintenanceMarginRate`,
          spec.maintenanceMarginRate,
          "must not be below the previous tier's rate",
        );
      }
      const lev = spec.maxLeverage;
      if (!Number.isSafeInteger(lev) || lev < 1) {
        throw new ConfigError(`${at}.maxLeverage`, lev, "must be an integer ≥ 1");
      }
      if (lev > prevLeverage) {
        throw new ConfigError(`${at}.maxLeverage`, lev, "must not exceed the previous tier's leverage");
      }
      // Opening at max leverage must leave the position above maintenance, or it is liquidated at once.
      if (ppm * lev >= PPM) {
        throw new ConfigError(
          `${at}.maxLeverage`,
          lev,
          `initial margin 1/${lev} must exceed the maintenance rate ${spec.maintenanceMarginRate}`,
        );
      }
      // amount_n = floor_n × (MMR_n − MMR_{n−1}) + amount_{n−1}, which must be whole quote units so
      // MM is exactly continuous (the ceil in MM then cancels at the bound).
      const step = (BigInt(prevBound) * BigInt(ppm - prevPpm)) / BigInt(PPM);
      if (step * BigInt(PPM) !== BigInt(prevBound) * BigInt(ppm - prevPpm)) {
        throw new ConfigError(
          `${at}.maintenanceMarginRate`,
          spec.maintenanceMarginRate,
          `makes the maintenance amount fractional: ${prevBound} units × ${ppm - prevPpm} ppm is not a whole quote unit`,
        );
      }
      const amount = prevAmount + Number(step);
      if (!Number.isSafeInteger(amount)) {
        throw new ConfigError(
          `${at}.maintenanceMarginRate`,
          spec.maintenanceMarginRate,
          "maintenance amount overflows 2^53",
        );
      }
      tiers.push(
        Object.freeze({
          maxNotionalUnits: bound,
          mmrPpm: ppm,
          maintenanceAmountUnits: amount,
          maxLeverage: lev,
        }),
      );
      prevBound = bound;
      prevPpm = ppm;
      prevAmount = amount;
      prevLeverage = lev;
    }
    this.tiers = Object.freeze(tiers);
    this.positionLimitUnits = prevBound;
    this.bounds = Float64Array.from(tiers, (t) => t.maxNotionalUnits);
    this.rates = Float64Array.from(tiers, (t) => t.mmrPpm);
    this.amounts = Float64Array.from(tiers, (t) => t.maintenanceAmountUnits);
    this.leverages = Float64Array.from(tiers, (t) => t.maxLeverage);
  }

  /**
   * Index of the tier that applies to a notional: the first whose bound is ≥ `notionalUnits`
   * (bounds are inclusive); the last tier for notionals beyond every bound.
   */
  tierIndexFor(notionalUnits: number): number {
    const last = this.bounds.length - 1;
    for (let i = 0; i < last; i++) if (notionalUnits <= this.bounds[i]!) return i;
    return last;
  }

  /**
   * Maintenance margin in quote units for a position notional `notionalUnits` (≥ 0):
   * `ceil(N × mmrPpm / 10^6) − maintenanceAmountUnits` of its tier. Rounded up: the venue never
   * under-charges. Non-decreasing in N and grows by at most the notional's own increase.
   */
  maintenanceMargin(notionalUnits: number): number {
    const i = this.tierIndexFor(notionalUnits);
    // `+ 0` turns the −0 that mulDivCeil returns for a zero product into +0.
    return mulDivCeil(notionalUnits, this.rates[i]!, PPM) - this.amounts[i]! + 0;
  }

  /** Largest leverage allowed for a position of notional `notionalUnits`. */
  maxLeverageFor(notionalUnits: number): number {
    return this.leverages[this.tierIndexFor(notionalUnits)]!;
  }

  /**
   * Largest notional in quote units at which `leverage` is still allowed (the bound of the last
   * tier whose max leverage is ≥ `leverage`); 0 when no tier allows it.
   */
  maxNotionalForLeverage(leverage: number): number {
    for (let i = this.leverages.length - 1; i >= 0; i--) {
      if (this.leverages[i]! >= leverage) return this.bounds[i]!;
    }
    return 0;
  }
}

function parseBound(field: string, value: string | number, instrument: Instrument, isLast: boolean): number {
  if (value === Infinity || value === "Infinity") {
    if (!isLast) throw new ConfigError(field, value, "only the last tier may be unbounded");
    return Infinity;
  }
  return instrument.quoteToUnits(value, "exact", field);
}

function parseRatePpm(field: string, value: string): number {
  const d = parseDecimal(field, value);
  const scaled = d.mantissa * 10n ** 6n;
  const div = 10n ** BigInt(d.scale);
  if (scaled % div !== 0n) throw new ConfigError(field, value, "must be a multiple of 0.000001 (1 ppm)");
  const ppm = Number(scaled / div);
  if (ppm <= 0 || ppm >= PPM) throw new ConfigError(field, value, "must be a fraction in (0, 1)");
  return ppm;
}
