/**
 * What the built-in venue kinds share: both `@cascade/exchange` venues take orders with the same
 * call shapes (`limit`, `market`, `cancel`, `cancelAll`, `reduce`), so one base applies them.
 *
 * @module
 */

import type { Instrument, Side } from "@cascade/core";
import type { VenueEventBuffer } from "@cascade/exchange";
import type { TimeInForce } from "@cascade/matching-engine";
import { VenueOp } from "./messages.ts";
import type { AccountGuard, VenueBook, VenueCommand } from "./venue.ts";

/** The public market data both built-in views answer alike; account reads go through `guard`. */
export abstract class BookView<E extends OrderVenue> {
  constructor(
    protected readonly v: E,
    protected readonly guard: AccountGuard,
  ) {}
  /** Best bid, ticks (-1 when none). */
  bestBid(): number {
    return this.v.book.bestBid();
  }
  /** Best ask, ticks (-1 when none). */
  bestAsk(): number {
    return this.v.book.bestAsk();
  }
  /** Mid, ticks (NaN when a side is empty). */
  mid(): number {
    return this.v.midTicks();
  }
  /** Last traded price, ticks (NaN before the first trade). */
  lastTrade(): number {
    return this.v.lastTradeTicks;
  }
  /** Resting quantity of `side` priced in [lo, hi] ticks, lots. */
  qtyInRange(side: Side, loTicks: number, hiTicks: number): number {
    return this.v.book.qtyInRange(side, loTicks, hiTicks);
  }
}

/** The order API `PerpVenue` and `SpotVenue` agree on. */
export interface OrderVenue {
  readonly instrument: Instrument;
  readonly book: VenueBook;
  readonly events: VenueEventBuffer;
  readonly lastTradeTicks: number;
  midTicks(): number;
  openAccount(): number;
  limit(
    account: number,
    orderId: number,
    side: Side,
    priceTicks: number,
    qtyLots: number,
    tif: TimeInForce,
    reduceOnly: boolean,
  ): number;
  market(
    account: number,
    orderId: number,
    side: Side,
    qtyLots: number,
    protectionPriceTicks: number,
    reduceOnly: boolean,
  ): number;
  cancel(account: number, orderId: number): number;
  cancelAll(account: number): number;
  reduce(account: number, orderId: number, qtyLots: number): number;
  checkConservation(): void;
}

/** Base of the built-in venue kinds: the exchange behind it, its shared queries and order commands. */
export abstract class ExchangeVenue<E extends OrderVenue> {
  readonly instrument: Instrument;
  readonly book: VenueBook;
  readonly events: VenueEventBuffer;

  /**
   * @param exchange the simulated exchange
   * @param ops bitmask of the {@link VenueOp}s the kind takes (`1 << op`)
   */
  constructor(
    readonly exchange: E,
    private readonly ops: number,
  ) {
    this.instrument = exchange.instrument;
    this.book = exchange.book;
    this.events = exchange.events;
  }

  /** Last traded price, ticks (NaN before the first trade). */
  get lastTradeTicks(): number {
    return this.exchange.lastTradeTicks;
  }

  /** Mid of the book, ticks (NaN when a side is empty). */
  midTicks(): number {
    return this.exchange.midTicks();
  }

  /** Whether the kind takes `op`. */
  supports(op: VenueOp): boolean {
    return (this.ops & (1 << op)) !== 0;
  }

  /** An account with the exchange's defaults and no funds. */
  openAccount(): number {
    return this.exchange.openAccount();
  }

  /** Throws when the exchange's accounting does not add up. */
  checkConservation(): void {
    this.exchange.checkConservation();
  }

  /** Applies an order command (limit, market, cancel, cancel all, reduce); false for any other. */
  protected applyOrder(c: VenueCommand): boolean {
    const v = this.exchange;
    switch (c.op) {
      case VenueOp.Limit:
        v.limit(c.account, c.orderId, c.side, c.priceTicks, c.qtyLots, c.tif, c.reduceOnly);
        return true;
      case VenueOp.Market:
        v.market(c.account, c.orderId, c.side, c.qtyLots, c.priceTicks, c.reduceOnly);
        return true;
      case VenueOp.Cancel:
        v.cancel(c.account, c.orderId);
        return true;
      case VenueOp.CancelAll:
        v.cancelAll(c.account);
        return true;
      case VenueOp.Reduce:
        v.reduce(c.account, c.orderId, c.qtyLots);
        return true;
      default:
        return false;
    }
  }
}
