/**
 * How much of a liquidatable position the engine closes: all of it at once, or tier by tier while
 * that cures the account (OKX liquidates large positions partially, tier by tier).
 *
 * @module
 */

import type { VenueView } from "./venue-view.ts";

/** Sizes the partial steps of a liquidation. Replaceable per venue. */
export interface LiquidationModePolicy {
  /**
   * Lots the next partial step should close of `account`'s liquidatable position (the engine
   * sends them as one IOC at the bankruptcy limit, within the pacing budget, and asks again while
   * the account stays liquidatable), or 0 to close what is left in a full liquidation.
   */
  partialStepLots(view: VenueView, account: number): number;
}

/** Config `liquidation.mode: "full"`: every liquidation closes the whole position. */
export class FullLiquidation implements LiquidationModePolicy {
  /** Always 0: no partial steps. */
  partialStepLots(): number {
    return 0;
  }
}

/**
 * Config `liquidation.mode: "partial"`: while the position's tier (at the mark) is above the first,
 * reduce it to the top of the next lower tier, `floor(bound_{i−1} / (mark·m))` lots.
 */
export class TierPartialLiquidation implements LiquidationModePolicy {
  /** Lots down to the next lower tier's bound; 0 in the first tier. */
  partialStepLots(view: VenueView, account: number): number {
    const abs = Math.abs(view.accounts.size[account]!);
    const mark = view.markTicks;
    const m = view.quotePerTickLot;
    const tier = view.tiers.tierIndexFor(abs * mark * m);
    if (tier === 0) return 0;
    const targetLots = Math.floor(view.tiers.tiers[tier - 1]!.maxNotionalUnits / (mark * m));
    return Math.max(0, abs - targetLots);
  }
}
