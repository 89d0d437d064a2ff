/**
 * Quoting a ladder: given the levels a strategy wants to rest (prices and sizes per side), keep
 * the tracked orders that already sit at a wanted price, cancel the others by id, and place the
 * missing levels — within an inventory budget that counts every order that may still fill.
 *
 * Cancelling by id (not cancel-all) matters: message jitter may deliver a new order before an
 * earlier cancel-all, which would then take the new order too.
 *
 * @example
 * ```ts
 * const quoter = new LadderQuoter(5);
 * // each requote: fill a Ladder, then
 * quoter.reconcile(ctx, orders, ladder, maxInventoryLots - q, maxInventoryLots + q);
 * ```
 *
 * @module
 */

import { Side } from "@cascade/core";
import { TimeInForce } from "@cascade/matching-engine";
import type { AgentContext } from "@cascade/sim";
import { OrderState, type OrderTracker } from "./order-tracker.ts";

/**
 * The levels a strategy wants to rest, best first: the first `bidCount` / `askCount` entries of
 * each column (prices in ticks, sizes in lots). The market maker's `QuoteLadder` is one.
 */
export interface Ladder {
  /** Bid prices, descending, ticks. */
  readonly bidPricesTicks: ArrayLike<number>;
  /** Bid sizes, lots. */
  readonly bidSizesLots: ArrayLike<number>;
  /** Bid levels in use. */
  readonly bidCount: number;
  /** Ask prices, ascending, ticks. */
  readonly askPricesTicks: ArrayLike<number>;
  /** Ask sizes, lots. */
  readonly askSizesLots: ArrayLike<number>;
  /** Ask levels in use. */
  readonly askCount: number;
}

/** Reconciles a {@link Ladder} with an {@link OrderTracker}'s orders (see the module documentation). */
export class LadderQuoter {
  private wantedBid: Uint8Array;
  private wantedAsk: Uint8Array;
  /** Orders placed, cancelled and reduced by the last {@link LadderQuoter.reconcile}. */
  placed = 0;
  cancelled = 0;
  reduced = 0;

  /** @param levels largest number of levels per side (grows when a ladder holds more). */
  constructor(levels: number) {
    this.wantedBid = new Uint8Array(levels);
    this.wantedAsk = new Uint8Array(levels);
  }

  /**
   * One requote. An order sent or live at a wanted price is kept when it holds at least half the
   * wanted size (and reduced when it holds more); every other sent or live order is cancelled.
   * New levels are placed best first while the budget lasts: `buyLimitLots` (`sellLimitLots`)
   * minus the open lots of every tracked buy (sell) order, cancelling ones included, so no
   * sequence of fills passes the limit.
   * @param buyLimitLots lots the bids may add to the position in all (e.g. `maxInventory − q`).
   * @param sellLimitLots lots the asks may take off it in all (e.g. `maxInventory + q`).
   * @param tif time in force of the new orders (post-only by default: a quote never takes).
   */
  reconcile(
    ctx: AgentContext,
    orders: OrderTracker,
    ladder: Ladder,
    buyLimitLots: number,
    sellLimitLots: number,
    tif: TimeInForce = TimeInForce.PostOnly,
  ): void {
    if (this.wantedBid.length < ladder.bidCount || this.wantedAsk.length < ladder.askCount) {
      const n = Math.max(ladder.bidCount, ladder.askCount);
      this.wantedBid = new Uint8Array(n);
      this.wantedAsk = new Uint8Array(n);
    }
    this.wantedBid.fill(0);
    this.wantedAsk.fill(0);
    this.placed = 0;
    this.cancelled = 0;
    this.reduced = 0;
    for (let i = 0; i < orders.capacity; i++) {
      const st = orders.state(i);
      if (st !== OrderState.Sent && st !== OrderState.Live) continue;
      const buy = orders.side(i) === Side.Buy;
      const prices = buy ? ladder.bidPricesTicks : ladder.askPricesTicks;
      const sizes = buy ? ladder.bidSizesLots : ladder.askSizesLots;
      const n = buy ? ladder.bidCount : ladder.askCount;
      const wanted = buy ? this.wantedBid : this.wantedAsk;
      const price = orders.priceTicks(i);
      let match = -1;
      for (let j = 0; j < n; j++) {
        if (wanted[j] === 0 && prices[j] === price) {
          match = j;
          break;
        }
      }
      const qty = orders.openLots(i);
      if (match >= 0 && qty * 2 >= sizes[match]!) {
        wanted[match] = 1;
        if (qty > sizes[match]! && st === OrderState.Live) {
          orders.reduce(ctx, i, sizes[match]!);
          this.reduced++;
        }
      } else {
        orders.cancel(ctx, i);
        this.cancelled++;
      }
    }
    let buyBudget = buyLimitLots - orders.openLotsOf(Side.Buy);
    let sellBudget = sellLimitLots - orders.openLotsOf(Side.Sell);
    for (let j = 0; j < ladder.bidCount && buyBudget >= 1; j++) {
      if (this.wantedBid[j] !== 0) continue;
      const n = Math.min(ladder.bidSizesLots[j]!, Math.floor(buyBudget));
      orders.limit(ctx, Side.Buy, ladder.bidPricesTicks[j]!, n, tif);
      this.placed++;
      buyBudget -= n;
    }
    for (let j = 0; j < ladder.askCount && sellBudget >= 1; j++) {
      if (this.wantedAsk[j] !== 0) continue;
      const n = Math.min(ladder.askSizesLots[j]!, Math.floor(sellBudget));
      orders.limit(ctx, Side.Sell, ladder.askPricesTicks[j]!, n, tif);
      this.placed++;
      sellBudget -= n;
    }
  }
}
