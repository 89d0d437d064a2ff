/**
 * Maintenance-margin tiers with a venue-wide multiplier, for the dynamic-maintenance policy
 * (raise maintenance margin when the market is volatile). The multiplier scales the maintenance
 * margin of every tier, so continuity across tier bounds is kept.
 *
 * @module
 */

import { type Instrument, mulDivCeil, PPM } from "@cascade/core";
import { type MarginTierSpec, MarginTiers } from "./margin-tiers.ts";

/** {@link MarginTiers} whose maintenance margin is multiplied by `multiplierPpm / 10^6` (≥ 1). */
export class ScaledMarginTiers extends MarginTiers {
  /** Multiplier in ppm; 1,000,000 = unscaled. */
  multiplierPpm = PPM;

  constructor(specs: readonly MarginTierSpec[], instrument: Instrument) {
    super(specs, instrument);
  }

  /** Maintenance margin of the tier table, times the multiplier (rounded up). */
  override maintenanceMargin(notionalUnits: number): number {
    const base = super.maintenanceMargin(notionalUnits);
    return this.multiplierPpm === PPM ? base : mulDivCeil(base, this.multiplierPpm, PPM);
  }
}
