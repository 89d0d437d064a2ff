/**
 * The contract every order book implementation fulfils: the fast {@link OrderBook} and the naive
 * {@link ReferenceBook} used to check it. One conformance suite and one differential test run
 * against this interface.
 *
 * @module
 */

import type { RejectCode, Side } from "@cascade/core";
import type { EventBuffer } from "./events.ts";
import type { BookCommand, StpMode, TimeInForce } from "./order-types.ts";

/** A live order as seen from outside (allocated on request; not for hot paths). */
export interface OrderView {
  readonly orderId: number;
  readonly owner: number;
  readonly side: Side;
  readonly priceTicks: number;
  /** Quantity still resting, in lots. */
  readonly remainingLots: number;
  readonly tif: TimeInForce;
  readonly stp: StpMode;
}

/** One price level of L2 depth. */
export interface DepthLevel {
  readonly priceTicks: number;
  /** Total resting quantity at the level, in lots. */
  readonly qtyLots: number;
  /** Number of orders at the level. */
  readonly orders: number;
}

/**
 * Result of {@link OrderBookApi.impact}: what a hypothetical market order of a given notional
 * would get. Reused between calls by the fast book, so copy what you keep.
 */
export interface ImpactResult {
  /** Volume-weighted average fill price in ticks (fractional); `NaN` when nothing could fill. */
  avgPriceTicks: number;
  /** Quantity that would fill, in lots (fractional at the last level, so the notional is met exactly). */
  filledLots: number;
  /** Notional that would fill, in tick·lots (price × quantity). */
  filledNotional: number;
  /** Whether the whole requested notional could fill. */
  complete: boolean;
}

/** Options common to order books. */
export interface OrderBookConfig {
  /** Lowest price the book accepts, in ticks (≥ 0). */
  readonly minPriceTicks: number;
  /** Highest price the book accepts, in ticks. The fast book keeps one slot per price in between. */
  readonly maxPriceTicks: number;
  /** Largest accepted order quantity, in lots. Default 10^12. */
  readonly maxQtyLots?: number;
  /** Largest accepted owner id. Default 2^24 − 1. */
  readonly maxOwner?: number;
  /** Self-trade prevention used when an order does not name one. Default `None`. */
  readonly defaultStp?: StpMode;
  /** Initial order capacity of the fast book (it grows by doubling). Default 4096. */
  readonly initialOrderCapacity?: number;
}

/** The operations and queries both book implementations provide, with identical results. */
export interface OrderBookApi {
  /** Events of the most recent command (cleared at the start of each command). */
  readonly events: EventBuffer;
  /** Number of live (resting) orders. */
  readonly orderCount: number;

  /** Submits a limit order. Returns `RejectCode.None` when accepted. */
  limit(
    orderId: number,
    owner: number,
    side: Side,
    priceTicks: number,
    qtyLots: number,
    tif?: TimeInForce,
    stp?: StpMode,
  ): RejectCode;
  /** Submits a market order, optionally bounded by a protection price ({@link NO_PRICE} for none). */
  market(
    orderId: number,
    owner: number,
    side: Side,
    qtyLots: number,
    protectionPriceTicks?: number,
    stp?: StpMode,
  ): RejectCode;
  /** Cancels a live order. */
  cancel(orderId: number): RejectCode;
  /** Lowers a live order's remaining quantity in place (keeps priority). */
  reduce(orderId: number, qtyLots: number): RejectCode;
  /** Moves a live order to a new price/quantity (loses priority; may trade at once). */
  replace(orderId: number, priceTicks: number, qtyLots: number): RejectCode;
  /** Cancels every live order of `owner`; returns how many were cancelled (0 for an unknown or invalid owner). */
  cancelAll(owner: number): number;
  /** Runs a command given as data. `cancel-all` returns `RejectCode.None` (or InvalidOwner). */
  submit(command: BookCommand): RejectCode;

  /** Best bid in ticks, or {@link NO_PRICE} when there is none. */
  bestBid(): number;
  /** Best ask in ticks, or {@link NO_PRICE} when there is none. */
  bestAsk(): number;
  /** Total resting quantity at one price, in lots (0 when empty or out of range). */
  qtyAt(priceTicks: number): number;
  /**
   * Writes up to `maxLevels` levels of `side`, best first, into the output arrays; returns how many.
   */
  depthInto(side: Side, maxLevels: number, outPrices: Float64Array, outQtys: Float64Array): number;
  /** Up to `maxLevels` levels of `side`, best first (allocates). */
  depth(side: Side, maxLevels: number): DepthLevel[];
  /** Resting quantity of `side` priced within `ticks` of that side's best price (inclusive). */
  qtyWithinTicks(side: Side, ticks: number): number;
  /** Resting quantity of `side` priced in [loTicks, hiTicks]. */
  qtyInRange(side: Side, loTicks: number, hiTicks: number): number;
  /**
   * The average price a market order on `side` (a buy walks the asks) of `notional` tick·lots would get.
   * Pass `out` to reuse a result object.
   */
  impact(side: Side, notional: number, out?: ImpactResult): ImpactResult;
  /** Whether `orderId` is live. */
  hasOrder(orderId: number): boolean;
  /** The live order `orderId`, or `undefined`. */
  getOrder(orderId: number): OrderView | undefined;
  /** All live orders of `side` in priority order (best price first, then time). */
  orders(side: Side): OrderView[];
  /** Throws {@link @cascade/core!InvariantError} when internal structures disagree. */
  checkInvariants(): void;
}
