/**
 * Instrument specifications: the bridge between human decimals ("70000.1 USDT", "0.015 BTC")
 * and the integer ticks, lots and quote units used everywhere inside. Conversions happen at the
 * edges only (configs, reports); the matching and margin paths never see a decimal.
 *
 * @module
 */

import {
  type Decimal,
  divRound,
  formatScaled,
  parseDecimal,
  pow10,
  type Rounding,
  rescale,
} from "./decimal.ts";
import { ConfigError } from "./errors.ts";
import type { Lots, QuoteUnits, Ticks } from "./units.ts";

/** How an instrument is quoted, as a user writes it. Sizes are decimal strings, so "0.1" is exact. */
export interface InstrumentSpec {
  /** Display symbol, e.g. `"BTCUSDT"`. */
  readonly symbol: string;
  /** Base asset, e.g. `"BTC"`. */
  readonly baseAsset: string;
  /** Quote (and margin) asset, e.g. `"USDT"`. */
  readonly quoteAsset: string;
  /** Price increment in quote currency per base unit, e.g. `"0.1"`. */
  readonly tickSize: string;
  /** Quantity increment in base units, e.g. `"0.001"`. */
  readonly lotSize: string;
  /**
   * Smallest amount of quote currency the accounting tracks, e.g. `"0.0001"`.
   * `tickSize × lotSize` must be a whole multiple of it, so notionals are integers.
   */
  readonly quoteUnit: string;
}

/** A BTC/USDT linear perpetual as the large venues list it: 0.1 USDT ticks, 0.001 BTC lots, 10^-4 USDT accounting. */
export const BTCUSDT: InstrumentSpec = Object.freeze({
  symbol: "BTCUSDT",
  baseAsset: "BTC",
  quoteAsset: "USDT",
  tickSize: "0.1",
  lotSize: "0.001",
  quoteUnit: "0.0001",
});

/**
 * A validated instrument with exact conversions. Immutable.
 * @example
 * ```ts
 * const btc = new Instrument(BTCUSDT);
 * btc.priceToTicks("70000.1"); // 700001
 * btc.notional(btc.priceToTicks("70000"), btc.qtyToLots("0.5")); // 350000000 quote units = 35,000 USDT
 * ```
 */
export class Instrument {
  /** The spec this instrument was built from. */
  readonly spec: InstrumentSpec;
  /** Quote units per (1 tick × 1 lot): `notional = ticks × lots × quotePerTickLot`. */
  readonly quotePerTickLot: number;
  /** Digits after the point in a formatted price. */
  readonly priceDecimals: number;
  /** Digits after the point in a formatted quantity. */
  readonly qtyDecimals: number;
  /** Digits after the point in a formatted quote amount. */
  readonly quoteDecimals: number;
  private readonly tick: Decimal;
  private readonly lot: Decimal;
  private readonly unit: Decimal;

  constructor(spec: InstrumentSpec) {
    for (const key of ["symbol", "baseAsset", "quoteAsset"] as const) {
      if (typeof spec[key] !== "string" || spec[key].length === 0) {
        throw new ConfigError(`instrument.${key}`, spec[key], "must be a non-empty string");
      }
    }
    this.tick = positive("instrument.tickSize", spec.tickSize);
    this.lot = positive("instrument.lotSize", spec.lotSize);
    this.unit = positive("instrument.quoteUnit", spec.quoteUnit);
    // tick × lot / unit must be a positive integer.
    const scale = Math.max(this.tick.scale + this.lot.scale, this.unit.scale);
    const product = this.tick.mantissa * this.lot.mantissa * pow10(scale - this.tick.scale - this.lot.scale);
    const unit = rescale(this.unit, scale);
    if (product % unit !== 0n) {
      throw new ConfigError(
        "instrument.quoteUnit",
        spec.quoteUnit,
        `must divide tickSize × lotSize (${spec.tickSize} × ${spec.lotSize}) exactly`,
      );
    }
    const ratio = product / unit;
    if (ratio > BigInt(Number.MAX_SAFE_INTEGER)) {
      throw new ConfigError("instrument.quoteUnit", spec.quoteUnit, "is too small for tickSize × lotSize");
    }
    this.quotePerTickLot = Number(ratio);
    this.priceDecimals = this.tick.scale;
    this.qtyDecimals = this.lot.scale;
    this.quoteDecimals = this.unit.scale;
    this.spec = Object.freeze({ ...spec });
  }

  /**
   * Converts a human price to ticks.
   * @param rounding `exact` (default) throws when the price is off the tick grid.
   * @throws {@link ConfigError} naming `field` when the price is malformed or off the grid.
   */
  priceToTicks(price: string | number, rounding: Rounding = "exact", field = "price"): Ticks {
    return toUnits(field, price, this.tick, rounding, "the tick size") as Ticks;
  }

  /** A price in ticks as a JavaScript number of quote currency (nearest double; for display and charts). */
  ticksToPrice(t: number): number {
    return toNumber(t, this.tick);
  }

  /** A price in ticks formatted exactly, e.g. `"70000.1"`. */
  formatPrice(t: number): string {
    return formatScaled(BigInt(t) * this.tick.mantissa, this.tick.scale);
  }

  /**
   * Converts a human quantity to lots.
   * @throws {@link ConfigError} naming `field` when the quantity is malformed or off the lot grid.
   */
  qtyToLots(qty: string | number, rounding: Rounding = "exact", field = "quantity"): Lots {
    return toUnits(field, qty, this.lot, rounding, "the lot size") as Lots;
  }

  /** A quantity in lots as a JavaScript number of base units. */
  lotsToQty(l: number): number {
    return toNumber(l, this.lot);
  }

  /** A quantity in lots formatted exactly, e.g. `"0.015"`. */
  formatQty(l: number): string {
    return formatScaled(BigInt(l) * this.lot.mantissa, this.lot.scale);
  }

  /**
   * Converts a human amount of quote currency to quote units.
   * @throws {@link ConfigError} naming `field` when the amount is malformed or finer than the quote unit.
   */
  quoteToUnits(amount: string | number, rounding: Rounding = "exact", field = "amount"): QuoteUnits {
    return toUnits(field, amount, this.unit, rounding, "the quote unit") as QuoteUnits;
  }

  /** An amount in quote units as a JavaScript number of quote currency. */
  unitsToQuote(u: number): number {
    return toNumber(u, this.unit);
  }

  /** An amount in quote units formatted exactly, e.g. `"1200.0000"`. */
  formatQuote(u: number): string {
    return formatScaled(BigInt(u) * this.unit.mantissa, this.unit.scale);
  }

  /**
   * Notional value `price × quantity` in quote units. Exact while the result is below 2^53
   * (≈ 9·10^11 USDT at the default 10^-4 quote unit).
   */
  notional(priceTicks: number, qtyLots: number): QuoteUnits {
    return (priceTicks * qtyLots * this.quotePerTickLot) as QuoteUnits;
  }
}

function positive(field: string, value: string): Decimal {
  const d = parseDecimal(field, value);
  if (d.mantissa <= 0n) throw new ConfigError(field, value, "must be a positive decimal");
  return d;
}

function toUnits(
  field: string,
  input: string | number,
  step: Decimal,
  rounding: Rounding,
  what: string,
): number {
  const d = parseDecimal(field, input);
  const scale = Math.max(d.scale, step.scale);
  const q = divRound(rescale(d, scale), rescale(step, scale), rounding);
  if (q === undefined) {
    throw new ConfigError(
      field,
      input,
      `is not a multiple of ${what} (${formatScaled(step.mantissa, step.scale)})`,
    );
  }
  if (q > BigInt(Number.MAX_SAFE_INTEGER) || q < -BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new ConfigError(field, input, "is too large to represent exactly");
  }
  return Number(q);
}

function toNumber(n: number, step: Decimal): number {
  // n × mantissa is an exact integer for realistic sizes; one division by a power of ten is then
  // correctly rounded, so the result is the double nearest the exact decimal.
  return (n * Number(step.mantissa)) / 10 ** step.scale;
}
