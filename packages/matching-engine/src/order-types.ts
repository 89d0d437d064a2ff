/**
 * Order vocabulary of the book: time-in-force, self-trade prevention and the command union.
 * Numeric constants so they fit in typed-array columns; string-free on the hot path.
 *
 * @module
 */

import type { Side } from "@cascade/core";

/** How long a limit order may live. */
export const TimeInForce = {
  /** Good till cancelled: the remainder rests in the book. */
  GTC: 0,
  /** Immediate or cancel: fill what can be filled now, expire the rest. */
  IOC: 1,
  /** Fill or kill: fill completely now or do nothing at all. */
  FOK: 2,
  /** Post only (maker only): rejected whole if any part would take liquidity. */
  PostOnly: 3,
} as const;
/** One of the {@link TimeInForce} values. */
export type TimeInForce = (typeof TimeInForce)[keyof typeof TimeInForce];

/**
 * Self-trade prevention, decided by the incoming (taker) order when it meets a resting order of
 * the same owner.
 */
export const StpMode = {
  /** Let the orders trade with each other (a wash trade). */
  None: 0,
  /** Cancel the incoming order's remainder; the resting order stays. */
  CancelTaker: 1,
  /** Cancel the resting order and keep matching. */
  CancelMaker: 2,
  /** Cancel both the resting order and the incoming remainder. */
  CancelBoth: 3,
} as const;
/** One of the {@link StpMode} values. */
export type StpMode = (typeof StpMode)[keyof typeof StpMode];

/** Price value meaning "no price": an empty side's best price, or a market order without protection. */
export const NO_PRICE = -1;

/** A limit order. Executes at the resting orders' prices, never worse than `priceTicks`. */
export interface LimitCommand {
  readonly kind: "limit";
  /** Caller-chosen id, a non-negative safe integer, unique among live orders. */
  readonly orderId: number;
  /** Owner (account) id, a non-negative integer. */
  readonly owner: number;
  readonly side: Side;
  /** Limit price in ticks. */
  readonly priceTicks: number;
  /** Quantity in lots (positive integer). */
  readonly qtyLots: number;
  /** Defaults to GTC. */
  readonly tif?: TimeInForce;
  /** Defaults to the book's default mode. */
  readonly stp?: StpMode;
}

/** A market order: takes whatever the book offers, optionally no worse than a protection price. */
export interface MarketCommand {
  readonly kind: "market";
  readonly orderId: number;
  readonly owner: number;
  readonly side: Side;
  readonly qtyLots: number;
  /** Worst acceptable price in ticks; omit (or {@link NO_PRICE}) for none. */
  readonly protectionPriceTicks?: number;
  readonly stp?: StpMode;
}

/** Cancel a live order. */
export interface CancelCommand {
  readonly kind: "cancel";
  readonly orderId: number;
}

/** Lower a live order's remaining quantity; it keeps its place in the queue. */
export interface ReduceCommand {
  readonly kind: "reduce";
  readonly orderId: number;
  /** New remaining quantity, 0 < new < current. */
  readonly qtyLots: number;
}

/** Move a live order to a new price and/or quantity; it loses its place and may trade at once. */
export interface ReplaceCommand {
  readonly kind: "replace";
  readonly orderId: number;
  readonly priceTicks: number;
  readonly qtyLots: number;
}

/** Cancel every live order of one owner. */
export interface CancelAllCommand {
  readonly kind: "cancel-all";
  readonly owner: number;
}

/** Every command the book understands, as plain data (for logs, replays and tests). */
export type BookCommand =
  | LimitCommand
  | MarketCommand
  | CancelCommand
  | ReduceCommand
  | ReplaceCommand
  | CancelAllCommand;
