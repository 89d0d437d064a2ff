/**
 * Insurance-fund rules: when a takeover sends the fund's lots to auto-deleveraging, and how the
 * fund works its inventory out through the book.
 *
 * @module
 */

import { PPM, Side } from "@cascade/core";
import { NO_PRICE } from "@cascade/matching-engine";
import { INSURANCE_FUND } from "../fund-account.ts";
import type { VenueView } from "./venue-view.ts";

/** An order the fund wants to send (the engine clamps it to the price range and the pacing budget). */
export interface WorkoutOrder {
  side: Side;
  limitTicks: number;
  qtyLots: number;
}

/** The insurance fund's rules. Replaceable per venue. */
export interface FundPolicy {
  /**
   * Whether the fund's wallet is held at zero or above: a loss it cannot pay is recorded as
   * socialised loss (`PerpVenue.socializedLossUnits`) instead of driving the wallet negative.
   */
  readonly floorWallet: boolean;
  /**
   * Of the surplus a liquidation's book fills made over the bankruptcy value (`surplusUnits` > 0,
   * on fills worth `filledNotionalUnits`), the part the fund keeps (0…surplus); the liquidated
   * trader keeps the rest.
   */
  clearanceUnits(surplusUnits: number, filledNotionalUnits: number): number;
  /**
   * The same for one partial (tier-reducing) liquidation step: of the step's surplus over the
   * bankruptcy value of the lots it closed, the part the fund keeps (0…surplus). Venues charge the
   * clearance fee on the liquidated part of a position, so a partial step pays it too.
   */
  partialClearanceUnits(surplusUnits: number, filledNotionalUnits: number): number;
  /**
   * After the fund took over `lots` (worth `notionalUnits` at the bankruptcy price), only when
   * auto-deleveraging is on: how many lots go to ADL at once. Up to `lots` are the new lots (closed
   * at their bankruptcy value); beyond that, older inventory (closed at the fund's entry value).
   */
  adlLotsAfterTakeover(view: VenueView, lots: number, notionalUnits: number): number;
  /**
   * At each mark update before the workout, only when auto-deleveraging is on: lots of the fund's
   * inventory to close by ADL at the fund's entry value (0 for none).
   */
  adlLotsNow(view: VenueView): number;
  /** The fund's workout order at this mark update: fills `out` and returns true, or false for none. */
  workoutOrder(view: VenueView, out: WorkoutOrder): boolean;
}

/** The fund's equity valued at `priceTicks`: wallet + unrealised PnL of its inventory, quote units. */
export function fundEquityAtUnits(view: VenueView, priceTicks: number): number {
  const acc = view.accounts;
  const s = acc.size[INSURANCE_FUND]!;
  const pnl =
    s === 0 || !Number.isFinite(priceTicks)
      ? 0
      : s * priceTicks * view.quotePerTickLot - acc.basis[INSURANCE_FUND]!;
  return acc.wallet[INSURANCE_FUND]! + pnl;
}

/**
 * The first model's fund: solvency judged at the mark (ADL of the whole takeover once equity is
 * below `adlThresholdUnits`), no position cap, and a workout of the whole inventory at every mark
 * update, one IOC `slippagePpm` through the book's best price.
 */
export class MarkValuedFund implements FundPolicy {
  /** The wallet may go below zero (the first model). */
  readonly floorWallet = false;

  /**
   * @param adlThresholdUnits ADL fires when equity at the mark falls below this (quote units).
   * @param slippagePpm how far through the touch the workout IOC may trade.
   */
  constructor(
    readonly adlThresholdUnits: number,
    readonly slippagePpm: number,
  ) {}

  /** All of it: the trader keeps nothing beyond what was not at stake. */
  clearanceUnits(surplusUnits: number): number {
    return surplusUnits;
  }

  /**
   * Nothing: the first model's partial steps paid no fee (taking a step's whole surplus would
   * leave the rest of the position as close to bankruptcy as before, so no step could cure it).
   */
  partialClearanceUnits(): number {
    return 0;
  }

  /** Never between takeovers. */
  adlLotsNow(): number {
    return 0;
  }

  /** Everything, once the fund's equity at the mark is below the threshold. */
  adlLotsAfterTakeover(view: VenueView, lots: number): number {
    return fundEquityAtUnits(view, view.markTicks) < this.adlThresholdUnits ? lots : 0;
  }

  /** The whole inventory, limited `slippagePpm` beyond the touch (priced off the book, not the mark). */
  workoutOrder(view: VenueView, out: WorkoutOrder): boolean {
    const size = view.accounts.size[INSURANCE_FUND]!;
    if (size === 0 || !Number.isFinite(view.markTicks)) return false;
    const long = size > 0;
    // The fund sells into the book as it is, not at the mark: in a crash the book trades below
    // the index-anchored mark, and a fund waiting for the mark would never sell (nor move a price).
    const touch = long ? view.book.bestBid() : view.book.bestAsk();
    if (touch === NO_PRICE) return false;
    const slip = this.slippagePpm;
    out.side = long ? Side.Sell : Side.Buy;
    out.limitTicks = long
      ? Math.floor((touch * (PPM - slip)) / PPM)
      : Math.ceil((touch * (PPM + slip)) / PPM);
    out.qtyLots = Math.abs(size);
    return true;
  }
}
