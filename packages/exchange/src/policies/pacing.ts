/**
 * Pacing of the liquidation engine's orders: a budget of notional per calendar second shared by
 * the engine's book orders and the insurance fund's workout. What exceeds the budget is taken over
 * by the fund at once and worked out later: pacing limits what reaches the book, not how fast
 * accounts are closed.
 *
 * @module
 */

import { NS_PER_SECOND } from "@cascade/core";

/** Decides how much the engine may send to the book now. Replaceable per venue. */
export interface PacingPolicy {
  /** Lots the engine may still send at `priceTicks` at time `nowNs` (+∞ when unpaced). */
  budgetLots(nowNs: number, priceTicks: number, quotePerTickLot: number): number;
  /** Records `notionalUnits` (quote units) just executed by an engine order. */
  spend(notionalUnits: number): void;
}

/** No pacing: every engine order may send everything. */
export class Unpaced implements PacingPolicy {
  /** Always +∞. */
  budgetLots(): number {
    return Number.POSITIVE_INFINITY;
  }
  /** Nothing to record. */
  spend(): void {}
}

/**
 * A budget of `unitsPerSecond` quote units per calendar second (`floor(t / 1 s)`), refilled at each
 * new second. Config: `liquidation.maxNotionalPerSecond`.
 * @example
 * ```ts
 * const pace = new NotionalPerSecond(2_000_000 * 10_000); // 2 M USDT a second on BTCUSDT
 * pace.budgetLots(0, 700_000, 1); // 28,571 lots at 70,000 USDT
 * ```
 */
export class NotionalPerSecond implements PacingPolicy {
  private second = -1;
  private leftUnits = 0;

  /** @param unitsPerSecond the budget, quote units per second (> 0). */
  constructor(readonly unitsPerSecond: number) {}

  /** Lots the rest of this second's budget buys at `priceTicks`. */
  budgetLots(nowNs: number, priceTicks: number, quotePerTickLot: number): number {
    const second = Math.floor(nowNs / NS_PER_SECOND);
    if (second !== this.second) {
      this.second = second;
      this.leftUnits = this.unitsPerSecond;
    }
    return Math.max(0, Math.floor(this.leftUnits / (priceTicks * quotePerTickLot)));
  }

  /** Takes `notionalUnits` off this second's budget. */
  spend(notionalUnits: number): void {
    this.leftUnits -= notionalUnits;
  }
}
