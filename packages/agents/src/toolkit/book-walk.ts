/**
 * Reading a book with nothing but range queries (`qtyInRange`, what every venue view answers),
 * by binary search over ticks: the next price level of a side, so a taker can size an order that
 * sweeps several levels without the venue handing out its level array; and the best price of
 * *other* traders' orders, so a maker can tell its own quotes from the market around them.
 *
 * @module
 */

import { Side } from "@cascade/core";
import type { OrderTracker } from "./order-tracker.ts";

/** What {@link nextLevelTicks} needs from a venue view (a `PerpView` or `SpotView` is one). */
export interface BookReader {
  /** Resting lots of `side` priced in [loTicks, hiTicks]. */
  qtyInRange(side: Side, loTicks: number, hiTicks: number): number;
}

/**
 * The next price level of resting `side` orders strictly beyond `fromTicks` in the direction a
 * taker walks (down the bids, up the asks), no farther than `limitTicks`; -1 when there is none.
 * O(log(distance)) range queries.
 * @param side the resting side: `Side.Buy` for bids (walking down), `Side.Sell` for asks (walking up).
 * @example
 * ```ts
 * // bids at 1000 and 990: the level after 1000, looking no lower than 950
 * nextLevelTicks(view, Side.Buy, 1000, 950); // 990
 * ```
 */
export function nextLevelTicks(book: BookReader, side: Side, fromTicks: number, limitTicks: number): number {
  if (side === Side.Buy) {
    const lo = Math.max(1, limitTicks);
    let hi = fromTicks - 1;
    if (hi < lo || !(book.qtyInRange(side, lo, hi) > 0)) return -1;
    // Highest p in [lo, hi] with resting lots: nothing in (hi, fromTicks), something in [lo, hi].
    let a = lo; // invariant: something in [a, hi]
    while (a < hi) {
      const mid = Math.ceil((a + hi) / 2);
      if (book.qtyInRange(side, mid, hi) > 0) a = mid;
      else hi = mid - 1;
    }
    return a;
  }
  let lo = fromTicks + 1;
  const hi = limitTicks;
  if (hi < lo || !(book.qtyInRange(side, lo, hi) > 0)) return -1;
  let b = hi; // invariant: something in [lo, b]
  while (lo < b) {
    const mid = Math.floor((lo + b) / 2);
    if (book.qtyInRange(side, lo, mid) > 0) b = mid;
    else lo = mid + 1;
  }
  return lo;
}

/**
 * The best price of `side` among *other* traders' orders (the book's lots minus the open lots of
 * `own`) within `bandTicks` of the book's best price `bestTicks`; -1 when there is none. A maker
 * that references the book must not reference its own quotes, or its inventory skew would feed
 * back into the price it skews from.
 * @example
 * ```ts
 * // the best bid 1000 is all ours; someone else bids at 995
 * othersBestTicks(view, orders, Side.Buy, 1000, 100); // 995
 * ```
 */
export function othersBestTicks(
  book: BookReader,
  own: OrderTracker,
  side: Side,
  bestTicks: number,
  bandTicks: number,
): number {
  if (bestTicks <= 0) return -1;
  const others = (a: number, b: number): number => {
    const lo = Math.min(a, b);
    const hi = Math.max(a, b);
    return book.qtyInRange(side, lo, hi) - own.openLotsInRange(side, lo, hi);
  };
  if (others(bestTicks, bestTicks) > 0) return bestTicks;
  const buy = side === Side.Buy;
  let far = buy ? Math.max(1, bestTicks - bandTicks) : bestTicks + bandTicks;
  if (!(others(bestTicks, far) > 0)) return -1;
  let near = bestTicks; // nothing of others' in [best, near]; something in [best, far]
  while (Math.abs(far - near) > 1) {
    const mid = buy ? Math.ceil((far + near) / 2) : Math.floor((far + near) / 2);
    if (others(bestTicks, mid) > 0) far = mid;
    else near = mid;
  }
  return far;
}

/**
 * A taker's position in one side of a book while it walks it: the current level's price and the
 * lots left there, moving to the next level ({@link nextLevelTicks}) when they are used up, no
 * farther than a limit price and a number of levels. Reused between walks: nothing is allocated.
 * @example
 * ```ts
 * const c = new BookCursor().reset(view, Side.Buy, bestBid, bestBid - 100, 10);
 * c.take(300); // lots taken at c.priceTicks; the cursor moves on when the level is empty
 * ```
 */
export class BookCursor {
  /** Price of the current level, ticks (-1: no level left within the limits). */
  priceTicks = -1;
  /** Lots left at the current level. */
  lots = 0;
  /** Levels visited so far (the touch is the first). */
  levels = 0;
  private book: BookReader | null = null;
  private side: Side = Side.Buy;
  private limitTicks = 0;
  private maxLevels = 0;

  /**
   * Starts at level `topTicks` of the resting `side` (`Side.Buy`: walking down the bids), going no
   * farther than `limitTicks` and `maxLevels` levels.
   */
  reset(book: BookReader, side: Side, topTicks: number, limitTicks: number, maxLevels: number): this {
    this.book = book;
    this.side = side;
    this.limitTicks = limitTicks;
    this.maxLevels = maxLevels;
    this.priceTicks = topTicks;
    this.lots = topTicks > 0 ? book.qtyInRange(side, topTicks, topTicks) : 0;
    this.levels = 1;
    return this;
  }

  /** Takes up to `n` lots at the current level (moving on when it empties); returns the lots taken. */
  take(n: number): number {
    const t = Math.min(n, this.lots);
    this.lots -= t;
    if (this.lots <= 0) {
      this.priceTicks =
        this.levels < this.maxLevels
          ? nextLevelTicks(this.book!, this.side, this.priceTicks, this.limitTicks)
          : -1;
      this.lots =
        this.priceTicks > 0 ? this.book!.qtyInRange(this.side, this.priceTicks, this.priceTicks) : 0;
      this.levels++;
    }
    return t;
  }

  /** Passes over `n` lots (e.g. what one's own orders in flight will take). */
  skip(n: number): void {
    while (n > 0 && this.priceTicks > 0) n -= this.take(n);
  }
}
