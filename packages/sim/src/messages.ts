/**
 * Everything the kernel schedules — wake-ups, agent → venue commands, venue → agent reports,
 * venue duties, recorder samples — lives in one struct-of-arrays pool of fixed-shape message
 * slots, recycled through a free list. Scheduling a message allocates nothing once warm.
 *
 * @module
 */

import { grown } from "@cascade/core";
/** What a scheduled item is. */
export const ItemKind = {
  /** Wake an agent: `agent`, `tag` in `aux`. */
  Wake: 0,
  /** A command travelling from an agent to a venue. */
  ToVenue: 1,
  /** A report travelling from a venue to an agent. */
  ToAgent: 2,
  /** A venue's own duties (mark price, funding, liquidations): `venue`. */
  VenueDuty: 3,
  /** A recorder sample. */
  Sample: 4,
  /** A market-data message travelling to an agent: `agent`, `venue`, subscription in `account`, entries in `qty`. */
  Feed: 5,
  /** A market-data subscription's coalescing or throttle timer: subscription in `account`. */
  FeedTimer: 6,
} as const;

/** Commands an agent can send to a venue (`op` of a {@link ItemKind.ToVenue} item). */
export const VenueOp = {
  /** Limit order: account, orderId, side, price, qty, tif, flags (reduce-only). */
  Limit: 0,
  /** Market order: account, orderId, side, qty, price = protection (-1 none), flags. */
  Market: 1,
  /** Cancel: account, orderId. */
  Cancel: 2,
  /** Cancel every order of the account. */
  CancelAll: 3,
  /** Move `amount` quote units into an isolated position's margin. */
  AddMargin: 4,
  /** Deposit `amount` quote units. */
  Deposit: 5,
  /** Lower an order's quantity to `qty`. */
  Reduce: 6,
  /** Withdraw `amount` quote units of free balance. */
  Withdraw: 7,
  /** Set the account's leverage for future orders to `amount` (an integer ×). */
  SetLeverage: 8,
  /** Move a live order to price `price` and quantity `qty` (it loses queue priority). */
  Replace: 9,
} as const;
/** One of the {@link VenueOp} values. */
export type VenueOp = (typeof VenueOp)[keyof typeof VenueOp];

/** Name of each {@link VenueOp} (by value), as the agent context's method that sends it: for errors. */
export const VENUE_OP_NAMES: readonly string[] = Object.freeze([
  "limit",
  "market",
  "cancel",
  "cancelAll",
  "addMargin",
  "deposit",
  "reduce",
  "withdraw",
  "setLeverage",
  "replace",
]);

/**
 * `kind` of a best-price report (see `AgentContext.subscribeMarketData`): best bid in
 * `priceTicks`, best ask in `qtyLots` (-1 for an empty side). Distinct from every VenueEventKind.
 * Kept for existing agents; new agents use the typed feeds (`AgentContext.subscribeDepth` with
 * `levels: 1` gives the best prices with their sizes).
 */
export const MARKET_DATA = 31;

/**
 * A report to an agent, as the agent sees it in {@link Agent.onMessage}. The object is reused for
 * every message: read it during the call, copy what you keep.
 */
export interface AgentMessage {
  /** {@link @cascade/exchange!VenueEventKind} of the report (accepted, rejected, fill, done, …). */
  readonly kind: number;
  /** Venue the report comes from. */
  readonly venue: number;
  /** Account concerned. */
  readonly account: number;
  /** Order id (-1 when none). */
  readonly orderId: number;
  /** Side (0 buy, 1 sell, -1 none). */
  readonly side: number;
  /** Price in ticks. */
  readonly priceTicks: number;
  /** Quantity in lots. */
  readonly qtyLots: number;
  /** Money in quote units (fee, funding, loss). */
  readonly amountUnits: number;
  /** Reject code or done reason. */
  readonly code: number;
  /** {@link @cascade/exchange!VenueEventFlag} bits. */
  readonly flags: number;
}

/** The pool of scheduled items. Column `c` of item `h` is `pool.c[h]`. */
export class MessagePool {
  /** Scheduled time, ns. */
  time: Float64Array;
  /** Tie-breaking sequence number (order of scheduling). */
  seq: Float64Array;
  /** {@link ItemKind}. */
  kind: Uint8Array;
  /** {@link VenueOp} for commands; {@link @cascade/exchange!VenueEventKind} for reports. */
  op: Uint8Array;
  /** Agent index (sender of a command, recipient of a report, sleeper of a wake-up). */
  agent: Int32Array;
  /** Venue index. */
  venue: Int32Array;
  /** Account id. */
  account: Int32Array;
  /** Order id. */
  orderId: Float64Array;
  /** Side. */
  side: Int8Array;
  /** Price in ticks (or wake tag). */
  price: Float64Array;
  /** Quantity in lots. */
  qty: Float64Array;
  /** Money in quote units. */
  amount: Float64Array;
  /** Time in force, reject code or done reason. */
  code: Uint8Array;
  /** Flags. */
  flags: Uint8Array;
  private next: Int32Array;
  private freeHead = -1;
  /** Slots in use. */
  live = 0;

  constructor(capacity = 1024) {
    this.time = new Float64Array(capacity);
    this.seq = new Float64Array(capacity);
    this.kind = new Uint8Array(capacity);
    this.op = new Uint8Array(capacity);
    this.agent = new Int32Array(capacity);
    this.venue = new Int32Array(capacity);
    this.account = new Int32Array(capacity);
    this.orderId = new Float64Array(capacity);
    this.side = new Int8Array(capacity);
    this.price = new Float64Array(capacity);
    this.qty = new Float64Array(capacity);
    this.amount = new Float64Array(capacity);
    this.code = new Uint8Array(capacity);
    this.flags = new Uint8Array(capacity);
    this.next = new Int32Array(capacity);
    this.link(0, capacity);
  }

  /** Takes a free slot (growing the pool when needed). */
  alloc(): number {
    if (this.freeHead === -1) this.grow();
    const h = this.freeHead;
    this.freeHead = this.next[h]!;
    this.live++;
    return h;
  }

  /** Returns a slot to the pool. */
  free(h: number): void {
    this.next[h] = this.freeHead;
    this.freeHead = h;
    this.live--;
  }

  private link(from: number, to: number): void {
    for (let h = to - 1; h >= from; h--) {
      this.next[h] = this.freeHead;
      this.freeHead = h;
    }
  }

  private grow(): void {
    const old = this.time.length;
    const n = old * 2;
    this.time = grown(this.time, n);
    this.seq = grown(this.seq, n);
    this.kind = grown(this.kind, n);
    this.op = grown(this.op, n);
    this.agent = grown(this.agent, n);
    this.venue = grown(this.venue, n);
    this.account = grown(this.account, n);
    this.orderId = grown(this.orderId, n);
    this.side = grown(this.side, n);
    this.price = grown(this.price, n);
    this.qty = grown(this.qty, n);
    this.amount = grown(this.amount, n);
    this.code = grown(this.code, n);
    this.flags = grown(this.flags, n);
    this.next = grown(this.next, n);
    this.link(old, n);
  }
}
