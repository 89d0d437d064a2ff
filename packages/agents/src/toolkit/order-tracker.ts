/**
 * Order tracking for an agent's own orders on one account of one venue: each order sent is a row
 * (order id, side, price, lots still open, lots sent, lots filled, a caller's tag) in a small
 * struct-of-arrays table, moving through the states of {@link OrderState} as the venue's reports
 * arrive. The role of the order book kept by ABIDES' `TradingAgent` or NautilusTrader's
 * `OrderManager`, so a strategy decides and the tracker does the plumbing:
 *
 * - a report the tracker does not own (another venue or account) is ignored ({@link OrderTracker.owns});
 * - `Accepted` moves a sent order to live; an order whose cancel overtook it (the cancel was sent
 *   while the order itself was still travelling, and refused) is cancelled again at once;
 * - `Fill` lowers the open lots (a partially filled order is live with `filledLots > 0`);
 * - `Done` and `Rejected` free the row; refusals of a cancel or a reduction
 *   (`UnknownOrder`, `QuantityNotReduced`) concern no order's fate and change nothing;
 * - {@link OrderTracker.lastUnfilledLots} and {@link OrderTracker.lastTag} describe the order that the
 *   last `Done` or `Rejected` ended (read them in the same call: the row is reused).
 *
 * Rows are taken first-free in index order and the table doubles when full; iteration
 * ({@link OrderTracker.capacity}, {@link OrderTracker.state}) visits rows in index order, so a
 * strategy that walks its orders sends its commands in a deterministic order. Nothing is
 * allocated per order once the table has grown to the strategy's working size. The table is
 * scanned linearly by id: meant for tens of orders, not thousands.
 *
 * @example
 * ```ts
 * const orders = new OrderTracker();
 * // in start(): orders.attach(venue, account)
 * // in onWake(): orders.limit(ctx, Side.Buy, bidTicks, 100, TimeInForce.PostOnly);
 * // in onMessage(): if (orders.onMessage(ctx, msg) === OrderUpdate.Done) … orders.lastUnfilledLots …
 * ```
 *
 * @module
 */

import { grown, RejectCode, type Side } from "@cascade/core";
import { VenueEventKind } from "@cascade/exchange";
import { TimeInForce } from "@cascade/matching-engine";
import type { AgentContext, AgentMessage } from "@cascade/sim";

/** State of a row of an {@link OrderTracker}. */
export const OrderState = {
  /** The row holds no order. */
  Free: 0,
  /** Sent, not yet acknowledged by the venue. */
  Sent: 1,
  /** Accepted by the venue and resting (partially filled when `filledLots > 0`). */
  Live: 2,
  /** A cancel (or cancel-all) is on its way; the order may still fill until it is done. */
  Cancelling: 3,
} as const;
/** One of the {@link OrderState} values. */
export type OrderState = (typeof OrderState)[keyof typeof OrderState];

/** What a report did to the tracked orders: the result of {@link OrderTracker.onMessage}. */
export const OrderUpdate = {
  /** The report concerns no tracked order (another account, an unknown id, a refused cancel). */
  None: 0,
  /** A sent order was accepted. */
  Accepted: 1,
  /** A tracked order (partly) executed; see {@link OrderTracker.lastSlot}. */
  Filled: 2,
  /** A tracked order ended (filled, cancelled or expired); see {@link OrderTracker.lastUnfilledLots}. */
  Done: 3,
  /** A tracked order was refused by the venue; see {@link OrderTracker.lastUnfilledLots}. */
  Rejected: 4,
} as const;
/** One of the {@link OrderUpdate} values. */
export type OrderUpdate = (typeof OrderUpdate)[keyof typeof OrderUpdate];

/** An agent's own orders on one account of one venue (see the module documentation). */
export class OrderTracker {
  /** Venue index the tracked account lives on (-1 before {@link OrderTracker.attach}). */
  venue = -1;
  /** The tracked account (-1 before {@link OrderTracker.attach}). */
  account = -1;
  /** Orders in a non-free state. */
  count = 0;
  /** Orders the venue refused so far (refused cancels and reductions not counted). */
  rejects = 0;
  /** Row of the order the last report concerned (-1 for none). */
  lastSlot = -1;
  /** Lots left unexecuted by the order the last `Done` or `Rejected` ended (all its lots for a reject). */
  lastUnfilledLots = 0;
  /** Tag, side and sent lots of the order the last report concerned. */
  lastTag = 0;
  lastSide: Side = 0;
  lastSentLots = 0;

  private ids: Float64Array;
  private sides: Int8Array;
  private prices: Float64Array;
  private open: Float64Array;
  private sent: Float64Array;
  private filled: Float64Array;
  private tags: Int32Array;
  private states: Uint8Array;

  /** @param capacity rows allocated at first (the table doubles when full). */
  constructor(capacity = 8) {
    const n = Math.max(1, Math.floor(capacity));
    this.ids = new Float64Array(n);
    this.sides = new Int8Array(n);
    this.prices = new Float64Array(n);
    this.open = new Float64Array(n);
    this.sent = new Float64Array(n);
    this.filled = new Float64Array(n);
    this.tags = new Int32Array(n);
    this.states = new Uint8Array(n);
  }

  /** Binds the tracker to one account of one venue (in the agent's `start`). */
  attach(venue: number, account: number): this {
    this.venue = venue;
    this.account = account;
    return this;
  }

  /** Rows in the table (iterate `0 ≤ slot < capacity` and skip {@link OrderState.Free}). */
  get capacity(): number {
    return this.states.length;
  }

  /** State of row `slot`. */
  state(slot: number): OrderState {
    return this.states[slot] as OrderState;
  }
  /** Venue order id of row `slot`. */
  orderId(slot: number): number {
    return this.ids[slot]!;
  }
  /** Side of row `slot`. */
  side(slot: number): Side {
    return this.sides[slot] as Side;
  }
  /** Limit price of row `slot`, ticks. */
  priceTicks(slot: number): number {
    return this.prices[slot]!;
  }
  /** Lots of row `slot` that may still execute (as far as the agent knows). */
  openLots(slot: number): number {
    return this.open[slot]!;
  }
  /** Lots row `slot` was sent with. */
  sentLots(slot: number): number {
    return this.sent[slot]!;
  }
  /** Lots of row `slot` executed so far. */
  filledLots(slot: number): number {
    return this.filled[slot]!;
  }
  /** The caller's tag of row `slot`. */
  tag(slot: number): number {
    return this.tags[slot]!;
  }

  /** Whether a venue report concerns the tracked account. */
  owns(msg: AgentMessage): boolean {
    return msg.account === this.account && msg.venue === this.venue;
  }

  /**
   * Sends a limit order on the tracked account and tracks it as {@link OrderState.Sent}.
   * @param tag any integer the strategy wants back with the order's reports (e.g. a purpose).
   * @returns the venue order id.
   */
  limit(
    ctx: AgentContext,
    side: Side,
    priceTicks: number,
    qtyLots: number,
    tif: TimeInForce = TimeInForce.GTC,
    reduceOnly = false,
    tag = 0,
  ): number {
    const id = reduceOnly
      ? ctx.limit(this.venue, this.account, side, priceTicks, qtyLots, tif, true)
      : ctx.limit(this.venue, this.account, side, priceTicks, qtyLots, tif);
    let slot = this.states.indexOf(OrderState.Free);
    if (slot < 0) {
      slot = this.states.length;
      this.grow(slot * 2);
    }
    this.ids[slot] = id;
    this.sides[slot] = side;
    this.prices[slot] = priceTicks;
    this.open[slot] = qtyLots;
    this.sent[slot] = qtyLots;
    this.filled[slot] = 0;
    this.tags[slot] = tag;
    this.states[slot] = OrderState.Sent;
    this.count++;
    return id;
  }

  /** Sends a cancel of row `slot` (a live or sent order) and marks it {@link OrderState.Cancelling}. */
  cancel(ctx: AgentContext, slot: number): void {
    ctx.cancel(this.venue, this.account, this.ids[slot]!);
    this.states[slot] = OrderState.Cancelling;
  }

  /** Sends a cancel of order `orderId` and marks it {@link OrderState.Cancelling} if it is tracked. */
  cancelById(ctx: AgentContext, orderId: number): void {
    ctx.cancel(this.venue, this.account, orderId);
    const i = this.find(orderId);
    if (i >= 0) this.states[i] = OrderState.Cancelling;
  }

  /** Sends one cancel-all for the account and marks every tracked order {@link OrderState.Cancelling}. */
  cancelAll(ctx: AgentContext): void {
    ctx.cancelAll(this.venue, this.account);
    for (let i = 0; i < this.states.length; i++)
      if (this.states[i] !== OrderState.Free) this.states[i] = OrderState.Cancelling;
  }

  /** Sends a reduction of row `slot` to `qtyLots` open lots (a live order) and records the new size. */
  reduce(ctx: AgentContext, slot: number, qtyLots: number): void {
    ctx.reduce(this.venue, this.account, this.ids[slot]!, qtyLots);
    this.open[slot] = qtyLots;
  }

  /** Row of the tracked order with venue id `orderId`, -1 when none. */
  find(orderId: number): number {
    for (let i = 0; i < this.states.length; i++)
      if (this.states[i] !== OrderState.Free && this.ids[i] === orderId) return i;
    return -1;
  }

  /** Open lots of every tracked order of `side` (sent, live, or with a cancel in flight). */
  openLotsOf(side: Side): number {
    let n = 0;
    for (let i = 0; i < this.states.length; i++)
      if (this.states[i] !== OrderState.Free && this.sides[i] === side) n += this.open[i]!;
    return n;
  }

  /** Lots sent in all tracked orders, signed (+ buys, − sells): what is in flight as sent. */
  sentLotsSigned(): number {
    let n = 0;
    for (let i = 0; i < this.states.length; i++)
      if (this.states[i] !== OrderState.Free) n += this.sides[i] === 0 ? this.sent[i]! : -this.sent[i]!;
    return n;
  }

  /** Open lots of the tracked orders of `side` priced in [loTicks, hiTicks]. */
  openLotsInRange(side: Side, loTicks: number, hiTicks: number): number {
    let n = 0;
    for (let i = 0; i < this.states.length; i++) {
      if (this.states[i] === OrderState.Free || this.sides[i] !== side) continue;
      const p = this.prices[i]!;
      if (p >= loTicks && p <= hiTicks) n += this.open[i]!;
    }
    return n;
  }

  /**
   * Applies a venue report to the tracked orders and says what it did. Reports of other accounts
   * and of untracked orders give {@link OrderUpdate.None}.
   */
  onMessage(ctx: AgentContext, msg: AgentMessage): OrderUpdate {
    if (!this.owns(msg)) return OrderUpdate.None;
    switch (msg.kind) {
      case VenueEventKind.Fill: {
        const i = this.remember(msg.orderId);
        if (i < 0) return OrderUpdate.None;
        this.open[i] = Math.max(0, this.open[i]! - msg.qtyLots);
        this.filled[i] = this.filled[i]! + msg.qtyLots;
        return OrderUpdate.Filled;
      }
      case VenueEventKind.Done: {
        const i = this.remember(msg.orderId);
        if (i < 0) return OrderUpdate.None;
        this.lastUnfilledLots = msg.qtyLots;
        this.release(i);
        return OrderUpdate.Done;
      }
      case VenueEventKind.Accepted: {
        const i = this.remember(msg.orderId);
        if (i < 0) return OrderUpdate.None;
        if (this.states[i] === OrderState.Sent) this.states[i] = OrderState.Live;
        // A cancel that overtook its order was refused; cancel again now the order is live.
        else if (this.states[i] === OrderState.Cancelling) ctx.cancel(this.venue, this.account, msg.orderId);
        return OrderUpdate.Accepted;
      }
      case VenueEventKind.Rejected: {
        // Refused cancels and reductions (the order is already gone, or not yet arrived) need nothing.
        if (msg.code === RejectCode.UnknownOrder || msg.code === RejectCode.QuantityNotReduced)
          return OrderUpdate.None;
        const i = this.remember(msg.orderId);
        if (i < 0) return OrderUpdate.None;
        this.lastUnfilledLots = this.sent[i]! - this.filled[i]!;
        this.rejects++;
        this.release(i);
        return OrderUpdate.Rejected;
      }
      default:
        return OrderUpdate.None;
    }
  }

  /** Finds the row of `orderId` and copies its tag, side and size into the `last*` fields. */
  private remember(orderId: number): number {
    const i = this.find(orderId);
    this.lastSlot = i;
    if (i >= 0) {
      this.lastTag = this.tags[i]!;
      this.lastSide = this.sides[i] as Side;
      this.lastSentLots = this.sent[i]!;
    }
    return i;
  }

  private release(i: number): void {
    this.states[i] = OrderState.Free;
    this.count--;
  }

  private grow(n: number): void {
    this.ids = grown(this.ids, n);
    this.sides = grown(this.sides, n);
    this.prices = grown(this.prices, n);
    this.open = grown(this.open, n);
    this.sent = grown(this.sent, n);
    this.filled = grown(this.filled, n);
    this.tags = grown(this.tags, n);
    this.states = grown(this.states, n);
  }
}
