/**
 * The book's output: a reusable, columnar event buffer (no object per event) and, for tests,
 * logs and slow consumers, a decoder into a discriminated union.
 *
 * Per command the book emits, in order: `accepted` (or a single `rejected`), then for each match
 * a `trade` and a maker `done` when the maker is used up, then the taker's `done` unless it rests.
 * `amended` reports a reduce or replace. Self-trade prevention reports `done` with reason `SelfTrade`.
 *
 * @module
 */

import { type DoneReason, grown, type RejectCode, type Side } from "@cascade/core";

/** Event kinds in {@link EventBuffer.kind}. */
export const EventKind = {
  /** A valid order entered matching. `price` = limit (or protection) price, `qty` = original quantity. */
  Accepted: 0,
  /** A command was refused; nothing changed. `code` = {@link RejectCode}. */
  Rejected: 1,
  /** A match. `orderId`/`owner`/`side` are the taker's; `makerOrderId`/`makerOwner` the resting order's; price is the maker's. */
  Trade: 2,
  /** An order left the book or ended without resting. `qty` = quantity left unexecuted, `code` = {@link DoneReason}. */
  Done: 3,
  /** A live order changed. `price`/`qty` = its new price and remaining quantity; `code` = 0 reduce, 1 replace. */
  Amended: 4,
} as const;
/** One of the {@link EventKind} values. */
export type EventKind = (typeof EventKind)[keyof typeof EventKind];

/** `code` of an `amended` event. */
export const AmendKind = {
  /** Quantity lowered in place (priority kept). */
  Reduce: 0,
  /** Moved to a new price/quantity (priority lost). */
  Replace: 1,
} as const;

/** Value in `owner`/`side` columns when a rejected command named no live order. */
export const UNKNOWN = -1;

/**
 * Columnar event storage, reused across commands: column `c` of event `i` is `buffer.c[i]`, for
 * `i < buffer.length`. Columns that do not apply to an event kind hold stale values; read only
 * those documented in {@link EventKind}. Capacity grows by doubling, so steady state allocates nothing.
 */
export class EventBuffer {
  /** Number of events currently held. */
  length = 0;
  /** {@link EventKind} per event. */
  kind: Uint8Array;
  /** Order id (the taker's for trades). */
  orderId: Float64Array;
  /** Owner of `orderId`, or {@link UNKNOWN}. */
  owner: Int32Array;
  /** Side of `orderId` (the aggressor side for trades), or {@link UNKNOWN}. */
  side: Int8Array;
  /** Price in ticks. */
  price: Float64Array;
  /** Quantity in lots. */
  qty: Float64Array;
  /** Reject code, done reason or amend kind. */
  code: Uint8Array;
  /** Resting order id (trades only). */
  makerOrderId: Float64Array;
  /** Resting order's owner (trades only). */
  makerOwner: Int32Array;
  /** Resting order's quantity left after the trade (trades only). */
  makerRemaining: Float64Array;

  constructor(capacity = 256) {
    this.kind = new Uint8Array(capacity);
    this.orderId = new Float64Array(capacity);
    this.owner = new Int32Array(capacity);
    this.side = new Int8Array(capacity);
    this.price = new Float64Array(capacity);
    this.qty = new Float64Array(capacity);
    this.code = new Uint8Array(capacity);
    this.makerOrderId = new Float64Array(capacity);
    this.makerOwner = new Int32Array(capacity);
    this.makerRemaining = new Float64Array(capacity);
  }

  /** Current capacity in events. */
  get capacity(): number {
    return this.kind.length;
  }

  /** Forgets all events (keeps the storage). */
  clear(): void {
    this.length = 0;
  }

  /** Appends one event and returns its index. Used by the book; consumers only read. */
  push(
    kind: EventKind,
    orderId: number,
    owner: number,
    side: number,
    price: number,
    qty: number,
    code: number,
  ): number {
    const i = this.length;
    if (i === this.kind.length) this.grow();
    this.kind[i] = kind;
    this.orderId[i] = orderId;
    this.owner[i] = owner;
    this.side[i] = side;
    this.price[i] = price;
    this.qty[i] = qty;
    this.code[i] = code;
    this.length = i + 1;
    return i;
  }

  /** Appends a trade. */
  pushTrade(
    takerId: number,
    takerOwner: number,
    aggressor: number,
    price: number,
    qty: number,
    makerId: number,
    makerOwner: number,
    makerRemaining: number,
  ): void {
    const i = this.push(EventKind.Trade, takerId, takerOwner, aggressor, price, qty, 0);
    this.makerOrderId[i] = makerId;
    this.makerOwner[i] = makerOwner;
    this.makerRemaining[i] = makerRemaining;
  }

  private grow(): void {
    const n = this.kind.length * 2;
    this.kind = grown(this.kind, n);
    this.orderId = grown(this.orderId, n);
    this.owner = grown(this.owner, n);
    this.side = grown(this.side, n);
    this.price = grown(this.price, n);
    this.qty = grown(this.qty, n);
    this.code = grown(this.code, n);
    this.makerOrderId = grown(this.makerOrderId, n);
    this.makerOwner = grown(this.makerOwner, n);
    this.makerRemaining = grown(this.makerRemaining, n);
  }
}

/** A book event as a plain object: see {@link EventKind} for the meaning of each. */
export type BookEvent =
  | {
      readonly kind: "accepted";
      readonly orderId: number;
      readonly owner: number;
      readonly side: Side;
      readonly priceTicks: number;
      readonly qtyLots: number;
    }
  | {
      readonly kind: "rejected";
      readonly orderId: number;
      readonly owner: number;
      readonly side: number;
      readonly code: RejectCode;
    }
  | {
      readonly kind: "trade";
      readonly takerOrderId: number;
      readonly takerOwner: number;
      readonly aggressorSide: Side;
      readonly makerOrderId: number;
      readonly makerOwner: number;
      readonly priceTicks: number;
      readonly qtyLots: number;
      readonly makerRemainingLots: number;
    }
  | {
      readonly kind: "done";
      readonly orderId: number;
      readonly owner: number;
      readonly side: Side;
      readonly reason: DoneReason;
      readonly remainingLots: number;
    }
  | {
      readonly kind: "amended";
      readonly orderId: number;
      readonly owner: number;
      readonly side: Side;
      readonly priceTicks: number;
      readonly qtyLots: number;
      readonly amend: "reduce" | "replace";
    };

/** Decodes the events held in `buffer` into plain objects (allocates: not for hot paths). */
export function decodeEvents(buffer: EventBuffer): BookEvent[] {
  const out: BookEvent[] = [];
  for (let i = 0; i < buffer.length; i++) out.push(decodeEvent(buffer, i));
  return out;
}

/** Decodes event `i` of `buffer` into a plain object. */
export function decodeEvent(b: EventBuffer, i: number): BookEvent {
  const orderId = b.orderId[i]!;
  const owner = b.owner[i]!;
  const side = b.side[i]! as Side;
  switch (b.kind[i]) {
    case EventKind.Accepted:
      return { kind: "accepted", orderId, owner, side, priceTicks: b.price[i]!, qtyLots: b.qty[i]! };
    case EventKind.Rejected:
      return { kind: "rejected", orderId, owner, side, code: b.code[i]! as RejectCode };
    case EventKind.Trade:
      return {
        kind: "trade",
        takerOrderId: orderId,
        takerOwner: owner,
        aggressorSide: side,
        makerOrderId: b.makerOrderId[i]!,
        makerOwner: b.makerOwner[i]!,
        priceTicks: b.price[i]!,
        qtyLots: b.qty[i]!,
        makerRemainingLots: b.makerRemaining[i]!,
      };
    case EventKind.Done:
      return {
        kind: "done",
        orderId,
        owner,
        side,
        reason: b.code[i]! as DoneReason,
        remainingLots: b.qty[i]!,
      };
    case EventKind.Amended:
      return {
        kind: "amended",
        orderId,
        owner,
        side,
        priceTicks: b.price[i]!,
        qtyLots: b.qty[i]!,
        amend: b.code[i] === AmendKind.Reduce ? "reduce" : "replace",
      };
    default:
      throw new RangeError(`event ${i}: unknown kind ${b.kind[i]}`);
  }
}
