/**
 * An account mirror: what an agent knows of one of its accounts from the venue's reports alone —
 * position or holdings, fees and funding — as a real trader's order-management system knows it,
 * without asking the venue. Fills move it; {@link AccountMirror.reconcile} compares it with the
 * account view and snaps it back when they differ (after a liquidation or auto-deleveraging,
 * which closes lots without fills of the agent's own orders), counting the differences.
 *
 * Spot: `cashUnits` and `assetLots` start at the account's opening balances; a buy adds the lots
 * and pays `price × lots × quotePerTickLot + fee`, a sell the reverse (the fee is the report's
 * `amountUnits`, negative for a rebate). Perpetual: `positionLots` is the signed sum of fills.
 *
 * @example
 * ```ts
 * const mirror = new AccountMirror("spot").open(venue, account, cashUnits, assetLots, ins.quotePerTickLot);
 * // in onMessage(): mirror.onMessage(msg);  → mirror.cashUnits, mirror.assetLots
 * ```
 *
 * @module
 */

import { Side } from "@cascade/core";
import { VenueEventKind } from "@cascade/exchange";
import type { AgentMessage, PerpView, SpotView } from "@cascade/sim";

/** One account of an agent as its reports describe it (see the module documentation). */
export class AccountMirror {
  /** Venue index and account id (-1 before {@link AccountMirror.open}). */
  venue = -1;
  account = -1;
  /** Perpetual: signed position from fills, lots. */
  positionLots = 0;
  /** Spot: free-or-locked cash, quote units. */
  cashUnits = 0;
  /** Spot: asset held, lots. */
  assetLots = 0;
  /** Lots executed (both sides). */
  filledLots = 0;
  /** Fees paid on fills (negative: rebates received), quote units. */
  feesUnits = 0;
  /** Funding paid (+) or received (−), quote units. */
  fundingUnits = 0;
  /** Liquidation and auto-deleveraging reports received. */
  forcedCloses = 0;
  /** Times {@link AccountMirror.reconcile} found the mirror off the view and snapped it back. */
  resyncs = 0;
  private m = 1;

  /** @param market the kind of venue the account lives on. */
  constructor(readonly market: "perp" | "spot") {}

  /**
   * Starts mirroring `account` of `venue` (in the agent's `start`).
   * @param cashUnits spot: opening cash, quote units (ignored on a perpetual).
   * @param assetLots spot: opening asset, lots (ignored on a perpetual).
   * @param quotePerTickLot quote units of one lot at one tick (the instrument's).
   */
  open(venue: number, account: number, cashUnits: number, assetLots: number, quotePerTickLot: number): this {
    this.venue = venue;
    this.account = account;
    this.m = quotePerTickLot;
    if (this.market === "spot") {
      this.cashUnits = cashUnits;
      this.assetLots = assetLots;
    }
    return this;
  }

  /** Whether a report concerns the mirrored account. */
  owns(msg: AgentMessage): boolean {
    return msg.account === this.account && msg.venue === this.venue;
  }

  /** Applies a venue report (others are ignored); returns whether it was the account's. */
  onMessage(msg: AgentMessage): boolean {
    if (!this.owns(msg)) return false;
    switch (msg.kind) {
      case VenueEventKind.Fill: {
        const q = msg.qtyLots;
        const buy = msg.side === Side.Buy;
        this.filledLots += q;
        this.feesUnits += msg.amountUnits;
        if (this.market === "spot") {
          const notional = msg.priceTicks * q * this.m;
          if (buy) {
            this.assetLots += q;
            this.cashUnits -= notional + msg.amountUnits;
          } else {
            this.assetLots -= q;
            this.cashUnits += notional - msg.amountUnits;
          }
        } else {
          this.positionLots += buy ? q : -q;
        }
        return true;
      }
      case VenueEventKind.Funding:
        this.fundingUnits += msg.amountUnits;
        return true;
      case VenueEventKind.Liquidated:
      case VenueEventKind.Deleveraged:
        this.forcedCloses++;
        return true;
      default:
        return true;
    }
  }

  /**
   * Compares the mirror with the account's view and adopts the view's figures where they differ
   * (a forced close, or a report still in flight when the view is read). Returns whether they differed.
   */
  reconcile(view: PerpView | SpotView): boolean {
    let off = false;
    if (this.market === "perp") {
      const pos = (view as PerpView).position(this.account);
      off = pos !== this.positionLots;
      this.positionLots = pos;
    } else {
      const v = view as SpotView;
      const cash = v.cash(this.account) + v.lockedCash(this.account);
      const asset = v.asset(this.account) + v.lockedAsset(this.account);
      off = cash !== this.cashUnits || asset !== this.assetLots;
      this.cashUnits = cash;
      this.assetLots = asset;
    }
    if (off) this.resyncs++;
    return off;
  }
}
