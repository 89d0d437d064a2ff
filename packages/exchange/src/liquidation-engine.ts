/**
 * The liquidation engine of a perpetual venue: per liquidatable account, cancel its orders, then
 * (partial steps,) one IOC at the bankruptcy limit into the book, a takeover of the rest by the
 * insurance fund, and auto-deleveraging when the fund's rules say so; at every mark update, the
 * fund's workout. Every decision that venues make differently is a policy
 * ({@link LiquidationPolicies}); the engine keeps the accounting that must hold whatever the
 * policy: the liquidated trader keeps exactly what was not at stake, no ADL close leaves a
 * counterparty's wallet negative, and every step is logged.
 *
 * @module
 */

import { InvariantError, mulDivRound, Side } from "@cascade/core";
import { NO_PRICE } from "@cascade/matching-engine";
import { INSURANCE_FUND } from "./fund-account.ts";
import { LiquidationStage } from "./liquidation-log.ts";
import type { AdlPolicy } from "./policies/adl.ts";
import type { FundPolicy, WorkoutOrder } from "./policies/fund.ts";
import type { LiquidationModePolicy } from "./policies/liquidation-mode.ts";
import type { PacingPolicy } from "./policies/pacing.ts";
import type { LiquidationVenue } from "./policies/venue-view.ts";
import { bankruptcyLimitTicks, bankruptcyPriceTicks } from "./position-math.ts";
import { VenueEventFlag, VenueEventKind } from "./venue-events.ts";

/** Running totals of what the liquidation engine did, for summaries. */
export interface LiquidationStats {
  /** Accounts liquidated (a partial liquidation that cured the account counts once). */
  liquidations: number;
  /** Lots closed by liquidation, all stages. */
  liquidatedLots: number;
  /** Value closed by liquidation at the bankruptcy price, quote units. */
  liquidatedNotionalUnits: number;
  /** Lots the insurance fund took over. */
  takeoverLots: number;
  /** Positions closed by auto-deleveraging, and their lots. */
  adlCount: number;
  adlLots: number;
  /**
   * Deficits the insurance fund absorbed (negative-balance protection): of accounts whose own
   * orders filled beyond bankruptcy, and funding isolated accounts could not pay; quote units.
   */
  fundCoverUnits: number;
  /**
   * Lots auto-deleveraging could not place because no eligible counterparty was left (none in
   * profit, or each would be bankrupted by the close): they stay with the insurance fund.
   */
  adlResidualLots: number;
}

/** The policies the engine consults; each replaceable (see `PerpVenueConfig.policies`). */
export interface LiquidationPolicies {
  /** Full or partial liquidation. */
  readonly mode: LiquidationModePolicy;
  /** Budget of what engine and fund orders may send to the book. */
  readonly pacing: PacingPolicy;
  /** Ranking of auto-deleveraging counterparties (and whether ADL runs at all). */
  readonly adl: AdlPolicy;
  /** When a takeover goes to ADL, and how the fund works its inventory out. */
  readonly fund: FundPolicy;
}

/** Runs liquidations, auto-deleveraging and the fund's workout on one venue. */
export class LiquidationEngine {
  private readonly workout: WorkoutOrder = { side: Side.Sell, limitTicks: NO_PRICE, qtyLots: 0 };

  /**
   * @param venue the venue acted on.
   * @param policies the switchable rules.
   * @param stats the venue's running totals (the engine adds to them).
   */
  constructor(
    private readonly venue: LiquidationVenue,
    readonly policies: LiquidationPolicies,
    private readonly stats: LiquidationStats,
  ) {}

  /** Liquidates every account whose trigger the mark has crossed (longs by highest trigger first, then shorts). */
  runLiquidations(): void {
    const v = this.venue;
    if (!Number.isFinite(v.markTicks)) return;
    for (let a = v.popTriggered(Side.Buy); a >= 0; a = v.popTriggered(Side.Buy)) this.liquidate(a);
    for (let a = v.popTriggered(Side.Sell); a >= 0; a = v.popTriggered(Side.Sell)) this.liquidate(a);
  }

  private liquidate(account: number): void {
    const v = this.venue;
    if (v.accounts.size[account] === 0) return;
    // Open orders hold margin (and may be reduce-only): they go first.
    v.cancelAllOrders(account);
    if (!v.isLiquidatable(account)) {
      v.updateTrigger(account);
      return;
    }
    this.stats.liquidations++;
    if (this.liquidatePartially(account)) return;
    this.liquidateFully(account);
  }

  /**
   * Partial steps while the mode policy asks for them: each an IOC at the bankruptcy limit, until
   * the account is no longer liquidatable. Returns false when a full liquidation must follow
   * (no step asked for, or the book absorbed nothing).
   */
  private liquidatePartially(account: number): boolean {
    const v = this.venue;
    const acc = v.accounts;
    const m = v.quotePerTickLot;
    const mark = v.markTicks;
    for (;;) {
      const want = this.policies.mode.partialStepLots(v, account);
      if (want <= 0) return false;
      const step = Math.min(want, this.policies.pacing.budgetLots(v.nowNs, mark, m));
      if (step <= 0) return false;
      const size = acc.size[account]!;
      const pos = v.positionState(account);
      const limit = this.clampLimit(bankruptcyLimitTicks(pos, m), size > 0);
      if (limit === NO_PRICE) return false;
      const bk = bankruptcyPriceTicks(pos, m);
      const trigger = acc.trigger[account]!;
      const fill = v.sendIoc(account, size > 0 ? Side.Sell : Side.Buy, limit, step);
      if (fill.lots === 0) return false;
      this.policies.pacing.spend(fill.notionalUnits);
      const toFund = this.chargePartialClearance(account, size > 0, fill.lots, fill.notionalUnits, bk);
      v.liquidations.push(
        v.nowNs,
        account,
        size > 0 ? 0 : 1,
        fill.lots,
        mark,
        trigger,
        bk,
        fill.notionalUnits / (fill.lots * m),
        toFund,
        LiquidationStage.Partial,
      );
      this.stats.liquidatedLots += fill.lots;
      this.stats.liquidatedNotionalUnits += Math.round(Math.abs(bk) * fill.lots * m);
      v.events.push(
        VenueEventKind.Liquidated,
        account,
        -1,
        size > 0 ? 0 : 1,
        mark,
        fill.lots,
        0,
        0,
        VenueEventFlag.Liquidation,
      );
      if (acc.size[account] === 0) return true;
      if (!v.isLiquidatable(account)) {
        v.updateTrigger(account);
        return true;
      }
    }
  }

  /**
   * The clearance fee of one partial step that closed `lots` (long if `long`) for `filledUnits`,
   * better than their bankruptcy value at `bkTicks`: the fund policy's part of that surplus moves
   * from the trader's wallet to the fund's (an isolated margin larger than the wallet left shrinks
   * to it, as for any fee). Returns what the fund received (quote units).
   */
  private chargePartialClearance(
    account: number,
    long: boolean,
    lots: number,
    filledUnits: number,
    bkTicks: number,
  ): number {
    const acc = this.venue.accounts;
    const bkUnits = Math.abs(bkTicks) * lots * this.venue.quotePerTickLot;
    const surplus = Math.floor(long ? filledUnits - bkUnits : bkUnits - filledUnits);
    if (!(surplus > 0)) return 0;
    const fee = this.policies.fund.partialClearanceUnits(surplus, filledUnits);
    const toFund = Math.max(0, Math.min(fee, surplus, acc.wallet[account]!));
    if (toFund === 0) return 0;
    acc.wallet[account] = acc.wallet[account]! - toFund;
    acc.wallet[INSURANCE_FUND] = acc.wallet[INSURANCE_FUND]! + toFund;
    if (acc.isoMargin[account]! > acc.wallet[account]!) acc.isoMargin[account] = acc.wallet[account]!;
    return toFund;
  }

  /**
   * Full liquidation: an IOC at the bankruptcy price from the account into the book (within the
   * pacing budget); what does not fill is taken over by the insurance fund at the bankruptcy
   * price; fills better than bankruptcy are surplus to the fund. The trader ends with exactly the
   * balance that was not at stake (the free part of an isolated account; nothing for cross).
   * Then the fund policy decides how much of the takeover goes to auto-deleveraging.
   */
  private liquidateFully(account: number): void {
    const v = this.venue;
    const acc = v.accounts;
    const m = v.quotePerTickLot;
    const mark = v.markTicks;
    const size0 = acc.size[account]!;
    const long = size0 > 0;
    const sign = long ? 1 : -1;
    const total = Math.abs(size0);
    const isolated = acc.isIsolated(account);
    // What was not at stake: an isolated account's free balance (never below zero: a deficit
    // there is the fund's to absorb, like any loss beyond bankruptcy).
    const kept = isolated ? Math.max(0, acc.wallet[account]! - acc.isoMargin[account]!) : 0;
    const wallet0 = acc.wallet[account]!;
    const basis0 = acc.basis[account]!;
    const trigger = acc.trigger[account]!;
    const pos = v.positionState(account);
    const bk = bankruptcyPriceTicks(pos, m);
    // Exit value of the whole position at the bankruptcy price: the trader's equity is zero there.
    const bkNotional = sign * (kept - wallet0 + basis0);

    // 1. IOC into the book, limited at the bankruptcy price.
    let filled = 0;
    let filledNotional = 0;
    const limit = this.clampLimit(bankruptcyLimitTicks(pos, m), long);
    const sendLots = Math.min(total, this.policies.pacing.budgetLots(v.nowNs, mark, m));
    if (limit !== NO_PRICE && sendLots > 0) {
      const fill = v.sendIoc(account, long ? Side.Sell : Side.Buy, limit, sendLots);
      filled = fill.lots;
      filledNotional = fill.notionalUnits;
      this.policies.pacing.spend(filledNotional);
    }
    const bkFilled = filled === total ? bkNotional : mulDivRound(bkNotional, filled, total);
    const surplus = sign * (filledNotional - bkFilled);
    // The fund's part of the surplus (its clearance fee); the trader keeps the rest.
    const toFund =
      surplus <= 0
        ? surplus
        : Math.max(0, Math.min(surplus, this.policies.fund.clearanceUnits(surplus, filledNotional)));
    const returned = surplus - toFund;

    // 2. Takeover of the rest by the insurance fund at the bankruptcy price.
    const rest = total - filled;
    const bkRest = bkNotional - bkFilled;
    let takeoverDelta = 0;
    if (rest > 0) {
      acc.applyTrade(account, long ? -rest : rest, bkRest);
      acc.applyTrade(INSURANCE_FUND, long ? rest : -rest, bkRest);
      takeoverDelta = sign * (rest * mark * m - bkRest);
      v.updateTrigger(INSURANCE_FUND);
    }

    // 3. Surplus (or deficit) of the book fills to the fund: the trader keeps what was not at
    // stake, plus the part of the surplus the fund's rules return.
    acc.wallet[account] = acc.wallet[account]! - toFund;
    acc.wallet[INSURANCE_FUND] = acc.wallet[INSURANCE_FUND]! + toFund;
    if (acc.wallet[account] !== kept + returned) {
      throw new InvariantError(
        `liquidation of ${account}: wallet ${acc.wallet[account]} ≠ kept ${kept} + returned surplus ${returned}`,
      );
    }
    v.updateTrigger(account);

    if (filled > 0) {
      v.liquidations.push(
        v.nowNs,
        account,
        long ? 0 : 1,
        filled,
        mark,
        trigger,
        bk,
        filledNotional / (filled * m),
        toFund,
        LiquidationStage.Book,
      );
    }
    if (rest > 0) {
      v.liquidations.push(
        v.nowNs,
        account,
        long ? 0 : 1,
        rest,
        mark,
        trigger,
        bk,
        Number.NaN,
        takeoverDelta,
        LiquidationStage.Takeover,
      );
    }
    this.stats.liquidatedLots += total;
    this.stats.liquidatedNotionalUnits += Math.abs(bkNotional);
    this.stats.takeoverLots += rest;
    v.events.push(
      VenueEventKind.Liquidated,
      account,
      -1,
      long ? 0 : 1,
      mark,
      total,
      wallet0 - kept - returned,
      0,
      VenueEventFlag.Liquidation,
    );

    // 4. Auto-deleveraging of what the fund's rules will not keep: the new lots first, at their
    // bankruptcy value, then older inventory at the fund's entry value.
    if (rest > 0 && this.policies.adl.enabled) {
      const want = this.policies.fund.adlLotsAfterTakeover(v, rest, bkRest);
      const adlLots = Math.min(rest, want);
      if (adlLots > 0) {
        const adlNotional = adlLots === rest ? bkRest : mulDivRound(bkRest, adlLots, rest);
        this.deleverage(long, adlLots, adlNotional, bk);
      }
      if (want > rest) this.deleverageInventory(want - rest);
    }
    v.floorFundWallet();
  }

  /**
   * The fund's rules between takeovers: ADL of inventory the fund may not hold (its cap, its
   * solvency at its valuation price), at the fund's entry value. Runs at every mark update before
   * the workout, so ADL fires before the fund realises a loss it cannot bear.
   */
  applyFundRules(): void {
    if (!this.policies.adl.enabled || !Number.isFinite(this.venue.markTicks)) return;
    const lots = this.policies.fund.adlLotsNow(this.venue);
    if (lots > 0) this.deleverageInventory(lots);
    this.venue.floorFundWallet();
  }

  /** ADL of `lots` of the fund's inventory at its entry value (the bankruptcy value it paid, averaged). */
  private deleverageInventory(lots: number): void {
    const acc = this.venue.accounts;
    const size = acc.size[INSURANCE_FUND]!;
    const q = Math.min(lots, Math.abs(size));
    if (q <= 0) return;
    const basis = Math.abs(acc.basis[INSURANCE_FUND]!);
    const value = q === Math.abs(size) ? basis : mulDivRound(basis, q, Math.abs(size));
    const entry = value / (q * this.venue.quotePerTickLot);
    this.deleverage(size > 0, q, value, entry);
  }

  /**
   * Closes `lots` of the fund's inventory (long if `fundLong`) against the ADL policy's queue at
   * the value `notionalUnits`, pro rata. A close that would leave the counterparty's wallet (or an
   * isolated account's free balance) below zero is skipped: auto-deleveraging never makes a
   * counterparty's wallet negative. Lots nobody takes stay with the fund
   * ({@link LiquidationStats.adlResidualLots}), which works them out through the book.
   */
  private deleverage(fundLong: boolean, lots: number, notionalUnits: number, bk: number): void {
    const v = this.venue;
    const acc = v.accounts;
    const m = v.quotePerTickLot;
    const queue = this.policies.adl.queue(v, fundLong, lots, notionalUnits);
    let remaining = lots;
    let remainingNotional = notionalUnits;
    for (const account of queue) {
      if (remaining === 0) break;
      const held = acc.size[account]!;
      if (account === INSURANCE_FUND || (fundLong ? held >= 0 : held <= 0)) continue;
      const q = Math.min(remaining, Math.abs(held));
      const n = q === remaining ? remainingNotional : mulDivRound(notionalUnits, q, lots);
      // The policy's eligibility test allows for rounding only to within a unit: check the exact close.
      if (!this.closeKeepsWallet(account, q, n)) continue;
      const pnl = acc.applyTrade(account, fundLong ? q : -q, n);
      const fundPnl = acc.applyTrade(INSURANCE_FUND, fundLong ? -q : q, n);
      v.updateTrigger(account);
      v.trimReduceOnly(account);
      v.events.push(
        VenueEventKind.Deleveraged,
        account,
        -1,
        fundLong ? Side.Buy : Side.Sell,
        n / (q * m),
        q,
        pnl,
        0,
        VenueEventFlag.Liquidation,
      );
      v.liquidations.push(
        v.nowNs,
        account,
        fundLong ? 1 : 0,
        q,
        v.markTicks,
        -1,
        bk,
        n / (q * m),
        fundPnl,
        LiquidationStage.Adl,
      );
      this.stats.adlCount++;
      this.stats.adlLots += q;
      remaining -= q;
      remainingNotional -= n;
    }
    this.stats.adlResidualLots += remaining;
    v.updateTrigger(INSURANCE_FUND);
  }

  /**
   * Whether closing `q` lots of account `a`'s position at total value `n` leaves its wallet, and an
   * isolated account's free balance, ≥ 0: the same arithmetic as `PerpAccounts.applyTrade`.
   */
  private closeKeepsWallet(a: number, q: number, n: number): boolean {
    const acc = this.venue.accounts;
    const size = acc.size[a]!;
    const abs = Math.abs(size);
    const basis = acc.basis[a]!;
    const released = q === abs ? basis : mulDivRound(basis, q, abs);
    const wallet = acc.wallet[a]! + (size > 0 ? n : -n) - released;
    if (wallet < 0) return false;
    if (!acc.isIsolated(a)) return true;
    const margin = acc.isoMargin[a]!;
    const marginAfter = q === abs ? 0 : margin - mulDivRound(margin, q, abs);
    return wallet - marginAfter >= 0;
  }

  /** The insurance fund's workout: the fund policy's order, clamped to the price range and the pacing budget. */
  workOutFund(): void {
    this.workOut();
    this.venue.floorFundWallet();
  }

  private workOut(): void {
    const v = this.venue;
    const acc = v.accounts;
    const m = v.quotePerTickLot;
    const o = this.workout;
    if (!this.policies.fund.workoutOrder(v, o)) return;
    const sell = o.side === Side.Sell;
    const limit = this.clampLimit(o.limitTicks, sell);
    const qty = Math.min(
      o.qtyLots,
      Math.abs(acc.size[INSURANCE_FUND]!),
      this.policies.pacing.budgetLots(v.nowNs, v.markTicks, m),
    );
    if (limit === NO_PRICE || qty <= 0) return;
    const wallet0 = acc.wallet[INSURANCE_FUND]!;
    const fill = v.sendIoc(INSURANCE_FUND, o.side, limit, qty);
    if (fill.lots > 0) {
      this.policies.pacing.spend(fill.notionalUnits);
      v.liquidations.push(
        v.nowNs,
        INSURANCE_FUND,
        sell ? 0 : 1,
        fill.lots,
        v.markTicks,
        -1,
        Number.NaN,
        fill.notionalUnits / (fill.lots * m),
        acc.wallet[INSURANCE_FUND]! - wallet0,
        LiquidationStage.FundWorkout,
      );
    }
  }

  /** A limit price clamped to the book's range, or NO_PRICE when the whole range is on the wrong side. */
  private clampLimit(limit: number, sell: boolean): number {
    const { minPriceTicks, maxPriceTicks } = this.venue;
    if (sell) return limit > maxPriceTicks ? NO_PRICE : Math.max(limit, minPriceTicks);
    return limit < minPriceTicks ? NO_PRICE : Math.min(limit, maxPriceTicks);
  }
}
