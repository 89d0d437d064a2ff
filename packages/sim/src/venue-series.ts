/**
 * Small pieces the venues' {@link VenueSeries} share: prices and traded totals in human units.
 *
 * @module
 */

import { type Instrument, Side } from "@cascade/core";
import type { VenueBook } from "./venue.ts";

/** `ticks` as a price in quote per base; NaN for a missing price (NaN, ≤ 0). */
export function priceOf(ins: Instrument, ticks: number): number {
  return Number.isFinite(ticks) && ticks > 0 ? ins.ticksToPrice(ticks) : Number.NaN;
}

/**
 * Resting base quantity of each side within 1 % of `midTicks` into `out[at]` (bids) and
 * `out[at + 1]` (asks); 0 when there is no mid.
 */
export function depthNearMid(
  book: VenueBook,
  ins: Instrument,
  midTicks: number,
  out: Float64Array,
  at: number,
): void {
  const ok = Number.isFinite(midTicks) && midTicks > 0;
  const lo = midTicks * 0.99;
  const hi = midTicks * 1.01;
  out[at] = ok ? ins.lotsToQty(book.qtyInRange(Side.Buy, lo, hi)) : 0;
  out[at + 1] = ok ? ins.lotsToQty(book.qtyInRange(Side.Sell, lo, hi)) : 0;
}

/**
 * Volume (base) and turnover (quote) a book traded since the previous {@link TradedSince.update}:
 * VWAPs over any window follow from the sampled columns.
 */
export class TradedSince {
  private lots = 0;
  private tickLots = 0;
  /** Base quantity traded between the last two updates. */
  volume = 0;
  /** Quote value traded between the last two updates. */
  turnover = 0;

  /** Reads the book's running totals and keeps the change since the previous call. */
  update(book: VenueBook, ins: Instrument): void {
    const lots = book.tradedLots - this.lots;
    const tickLots = book.tradedTickLots - this.tickLots;
    this.lots = book.tradedLots;
    this.tickLots = book.tradedTickLots;
    this.volume = ins.lotsToQty(lots);
    this.turnover = ins.unitsToQuote(tickLots * ins.quotePerTickLot);
  }
}
