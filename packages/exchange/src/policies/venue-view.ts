/**
 * What a venue policy sees of the perpetual venue ({@link VenueView}, read-only by contract) and
 * what the liquidation engine may do to it ({@link LiquidationVenue}). The venue hands both to
 * its policies and its engine; nothing else of `PerpVenue`'s internals leaks into them, so a policy
 * an experiment writes depends on this narrow surface only.
 *
 * @module
 */

import type { Instrument, Side } from "@cascade/core";
import type { OrderBook } from "@cascade/matching-engine";
import type { AccountSet } from "../account-set.ts";
import type { LiquidationLog } from "../liquidation-log.ts";
import type { PerpAccounts } from "../perp-accounts.ts";
import type { PositionState } from "../position-math.ts";
import type { ScaledMarginTiers } from "../scaled-tiers.ts";
import type { VenueEventBuffer } from "../venue-events.ts";

/** The venue as a policy reads it. Policies must not write to any of it. */
export interface VenueView {
  /** The contract. */
  readonly instrument: Instrument;
  /** Quote units per tick·lot (`m`): the notional of q lots at p ticks is q·p·m quote units. */
  readonly quotePerTickLot: number;
  /** The book's price range, ticks. */
  readonly minPriceTicks: number;
  readonly maxPriceTicks: number;
  /** Account columns (account 0 is the insurance fund). */
  readonly accounts: PerpAccounts;
  /** The order book (queries only). */
  readonly book: OrderBook;
  /** Maintenance-margin tiers, with the dynamic-maintenance multiplier applied. */
  readonly tiers: ScaledMarginTiers;
  /** Accounts holding a long / a short position. */
  readonly longs: AccountSet;
  readonly shorts: AccountSet;
  /** The venue's simulated time, ns. */
  readonly nowNs: number;
  /** Mark and index prices, ticks (NaN when unknown). */
  readonly markTicks: number;
  readonly indexTicks: number;
  /** A scratch view of an account's position (size, basis, margin), valid until the next call. */
  positionState(account: number): PositionState;
}

/** What an IOC order of the liquidation engine or the insurance fund executed. */
export interface IocFill {
  /** Lots filled. */
  readonly lots: number;
  /** Σ lots × price × m of the fills, quote units. */
  readonly notionalUnits: number;
}

/** The venue as its liquidation engine acts on it: the view plus the few actions the engine takes. */
export interface LiquidationVenue extends VenueView {
  /** Every liquidation step of the run (the engine appends). */
  readonly liquidations: LiquidationLog;
  /** Reports of the current call (the engine appends Liquidated / Deleveraged events). */
  readonly events: VenueEventBuffer;
  /** Whether `account` is liquidatable at the mark. */
  isLiquidatable(account: number): boolean;
  /** Recomputes `account`'s trigger and files it (call after any change to its position or margin). */
  updateTrigger(account: number): void;
  /** Cancels every open order of `account`, routing the cancels. */
  cancelAllOrders(account: number): void;
  /** Cancels `account`'s reduce-only orders that its position no longer allows. */
  trimReduceOnly(account: number): void;
  /**
   * Sends an engine IOC for `account` (no fee, no self-trade prevention) into the book and routes
   * its fills to both sides; returns what executed.
   */
  sendIoc(account: number, side: Side, limitTicks: number, qtyLots: number): IocFill;
  /**
   * When the fund's policy floors its wallet and the wallet is below zero: records the deficit as
   * socialised loss and sets the wallet to zero. A no-op otherwise.
   */
  floorFundWallet(): void;
  /**
   * Pops the next account of one side (`Side.Buy`: longs, highest trigger first; `Side.Sell`:
   * shorts, lowest first; ties by account id) whose trigger the mark has crossed, or -1.
   */
  popTriggered(side: Side): number;
}
