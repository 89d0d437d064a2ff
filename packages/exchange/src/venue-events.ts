/**
 * What a venue reports after each call, per account: a reusable columnar buffer shared by the
 * spot and perpetual venues (no object per event). The simulation routes each event to the agent
 * that owns `account`.
 *
 * @module
 */

import type { DoneReason, RejectCode, Side } from "@cascade/core";
import { grown } from "@cascade/core";

/** Kinds of {@link VenueEventBuffer} events. */
export const VenueEventKind = {
  /** An order was accepted. `price` = limit (or protection, or -1), `qty` = quantity. */
  Accepted: 0,
  /** A command was refused; nothing changed. `code` = {@link RejectCode}. */
  Rejected: 1,
  /** Part or all of an order executed. `price`, `qty`, `amount` = fee paid (negative = rebate), `flags` has {@link VenueEventFlag.Maker}. */
  Fill: 2,
  /** An order ended. `qty` = unexecuted remainder, `code` = {@link DoneReason}. */
  Done: 3,
  /** A live order was reduced or moved. `price`, `qty` = new values. */
  Amended: 4,
  /** The account was liquidated (perpetual venue). `qty` = lots closed by the liquidation, `price` = mark in ticks, `amount` = margin lost. */
  Liquidated: 5,
  /** A funding payment (perpetual venue). `amount` = paid (+) or received (−) in quote units, `price` = mark. */
  Funding: 6,
  /** Part of the position was closed by auto-deleveraging. `qty` = lots closed, `price` = average price, `amount` = realised PnL. */
  Deleveraged: 7,
} as const;
/** One of the {@link VenueEventKind} values. */
export type VenueEventKind = (typeof VenueEventKind)[keyof typeof VenueEventKind];

/** Bit flags in {@link VenueEventBuffer.flags}. */
export const VenueEventFlag = {
  /** The fill provided liquidity. */
  Maker: 1,
  /** The order was sent by the liquidation engine or the insurance fund. */
  Liquidation: 2,
  /** The order was reduce-only. */
  ReduceOnly: 4,
} as const;

/**
 * Columnar event storage reused across calls: column `c` of event `i` is `buffer.c[i]`, for
 * `i < buffer.length`. Cleared by the venue at the start of each command.
 */
export class VenueEventBuffer {
  /** Number of events held. */
  length = 0;
  /** {@link VenueEventKind} per event. */
  kind: Uint8Array;
  /** Account the event concerns. */
  account: Int32Array;
  /** Order id, or -1. */
  orderId: Float64Array;
  /** {@link Side}, or -1. */
  side: Int8Array;
  /** Price in ticks (fractional only for averages). */
  price: Float64Array;
  /** Quantity in lots. */
  qty: Float64Array;
  /** Money in quote units (fee, funding, loss), see the kind. */
  amount: Float64Array;
  /** Reject code or done reason. */
  code: Uint8Array;
  /** {@link VenueEventFlag} bits. */
  flags: Uint8Array;

  constructor(capacity = 256) {
    this.kind = new Uint8Array(capacity);
    this.account = new Int32Array(capacity);
    this.orderId = new Float64Array(capacity);
    this.side = new Int8Array(capacity);
    this.price = new Float64Array(capacity);
    this.qty = new Float64Array(capacity);
    this.amount = new Float64Array(capacity);
    this.code = new Uint8Array(capacity);
    this.flags = new Uint8Array(capacity);
  }

  /** Forgets all events (keeps the storage). */
  clear(): void {
    this.length = 0;
  }

  /** Appends an event; returns its index. */
  push(
    kind: VenueEventKind,
    account: number,
    orderId: number,
    side: number,
    price: number,
    qty: number,
    amount: number,
    code: number,
    flags: number,
  ): number {
    const i = this.length;
    if (i === this.kind.length) this.grow();
    this.kind[i] = kind;
    this.account[i] = account;
    this.orderId[i] = orderId;
    this.side[i] = side;
    this.price[i] = price;
    this.qty[i] = qty;
    this.amount[i] = amount;
    this.code[i] = code;
    this.flags[i] = flags;
    this.length = i + 1;
    return i;
  }

  private grow(): void {
    const n = this.kind.length * 2;
    this.kind = grown(this.kind, n);
    this.account = grown(this.account, n);
    this.orderId = grown(this.orderId, n);
    this.side = grown(this.side, n);
    this.price = grown(this.price, n);
    this.qty = grown(this.qty, n);
    this.amount = grown(this.amount, n);
    this.code = grown(this.code, n);
    this.flags = grown(this.flags, n);
  }
}

/** A venue event as a plain object (for tests and logs). */
export interface VenueEvent {
  readonly kind:
    | "accepted"
    | "rejected"
    | "fill"
    | "done"
    | "amended"
    | "liquidated"
    | "funding"
    | "deleveraged";
  readonly account: number;
  readonly orderId: number;
  readonly side: Side | -1;
  readonly priceTicks: number;
  readonly qtyLots: number;
  readonly amountUnits: number;
  /** Reject code (rejected) or done reason (done); 0 otherwise. */
  readonly code: RejectCode | DoneReason | 0;
  readonly maker: boolean;
  readonly liquidation: boolean;
}

const KIND_NAMES = [
  "accepted",
  "rejected",
  "fill",
  "done",
  "amended",
  "liquidated",
  "funding",
  "deleveraged",
] as const;

/** Decodes the events of `buffer` into plain objects (allocates: not for hot paths). */
export function decodeVenueEvents(b: VenueEventBuffer): VenueEvent[] {
  const out: VenueEvent[] = [];
  for (let i = 0; i < b.length; i++) {
    out.push({
      kind: KIND_NAMES[b.kind[i]!]!,
      account: b.account[i]!,
      orderId: b.orderId[i]!,
      side: b.side[i]! as Side | -1,
      priceTicks: b.price[i]!,
      qtyLots: b.qty[i]!,
      amountUnits: b.amount[i]!,
      code: b.code[i]! as RejectCode,
      maker: (b.flags[i]! & VenueEventFlag.Maker) !== 0,
      liquidation: (b.flags[i]! & VenueEventFlag.Liquidation) !== 0,
    });
  }
  return out;
}
