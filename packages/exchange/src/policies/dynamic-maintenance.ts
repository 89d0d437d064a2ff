/**
 * Dynamic maintenance margin: every tier's maintenance margin multiplied by a factor that grows
 * with the realised volatility of the mark. All triggers are recomputed when the factor changes.
 *
 * @module
 */

import { NS_PER_SECOND, PPM } from "@cascade/core";
import type { MarkHistory } from "../mark-history.ts";

/** Sets the venue's maintenance-margin multiplier at each mark update. Replaceable per venue. */
export interface MaintenancePolicy {
  /** Longest span of marks the policy reads, ns. */
  readonly historyWindowNs: number;
  /**
   * The multiplier (ppm, ≥ 10^6) after this mark update; return `currentPpm` to keep it.
   * `maxSafe` is the largest factor that keeps every tier's scaled rate below 100 % (the venue's
   * trigger search needs it): never return more.
   */
  multiplierPpm(marks: MarkHistory, markIntervalNs: number, currentPpm: number, maxSafe: number): number;
}

/** Maintenance margin as the tier table says (factor 1, never changed). */
export class StaticMaintenance implements MaintenancePolicy {
  /** Reads no marks. */
  readonly historyWindowNs = 0;
  /** Keeps the current multiplier. */
  multiplierPpm(_marks: MarkHistory, _intervalNs: number, currentPpm: number): number {
    return currentPpm;
  }
}

/** Parameters of {@link VolatilityScaledMaintenance} (config `dynamicMaintenance`). */
export interface VolatilityScaledConfig {
  /** Window of marks the volatility is measured over, ns. */
  readonly windowNs: number;
  /** σ of 1-second log returns at which the factor starts to rise. */
  readonly referenceVolatility: number;
  /** Slope of the factor above the reference. */
  readonly sensitivity: number;
  /** Highest factor. */
  readonly maxMultiplier: number;
  /** The factor moves in steps of this many ppm. */
  readonly stepPpm: number;
}

/**
 * σ̂ = sample s.d. of log returns between consecutive marks within the window, per second;
 * factor = `1 + sensitivity × max(0, σ̂/referenceVolatility − 1)`, capped at `maxMultiplier` and
 * the safe maximum, rounded down to a multiple of `stepPpm`.
 */
export class VolatilityScaledMaintenance implements MaintenancePolicy {
  /** The window, ns. */
  readonly historyWindowNs: number;

  /** @param config see {@link VolatilityScaledConfig}. */
  constructor(readonly config: VolatilityScaledConfig) {
    this.historyWindowNs = config.windowNs;
  }

  /** The stepped factor for the marks in the window (unchanged with fewer than 3 of them). */
  multiplierPpm(marks: MarkHistory, markIntervalNs: number, currentPpm: number, maxSafe: number): number {
    const dm = this.config;
    if (marks.count < 3) return currentPpm;
    let n = 0;
    let sum = 0;
    let sumSq = 0;
    const newestNs = marks.timeAt(0);
    for (let k = 0; k + 1 < marks.count; k++) {
      if (newestNs - marks.timeAt(k + 1) > dm.windowNs) break;
      const r = Math.log(marks.markAt(k) / marks.markAt(k + 1));
      sum += r;
      sumSq += r * r;
      n++;
    }
    if (n < 2) return currentPpm;
    const sdPerInterval = Math.sqrt(Math.max(0, (sumSq - (sum * sum) / n) / (n - 1)));
    const sdPerSecond = sdPerInterval / Math.sqrt(markIntervalNs / NS_PER_SECOND);
    const raw = 1 + dm.sensitivity * Math.max(0, sdPerSecond / dm.referenceVolatility - 1);
    const capped = Math.min(raw, dm.maxMultiplier, maxSafe);
    return PPM + Math.floor(((capped - 1) * PPM) / dm.stepPpm) * dm.stepPpm;
  }
}
