/**
 * Small pieces the venues' {@link VenueSeries} share: prices and traded totals in human units.
 *
 * @module
 */

import type { Instrument } from "@cascade/core";
import type { VenueBook } from "./venue.ts";

/** `ticks` as a price in quote per base; NaN for a missing price (NaN, ≤ 0). */
export function priceOf(ins: Instrument, ticks: number): number {
  return Number.isFinite(ticks) && ticks > 0 ? ins.ticksToPrice(ticks) : Number.NaN;
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
