/**
 * Extra per-run metrics every study records beside the simulator's summary: liquidation waves
 * and how the price stood against the watched $70,000 level.
 *
 * @module
 */

import { liquidationWaves } from "@cascade/analysis";
import type { SimResult } from "@cascade/sim";

/** The watched level of the February 2026 dive, USDT. */
export const WATCHED_LEVEL = 70_000;

/** Quiet time that separates two liquidation waves, s. */
export const WAVE_GAP_SECONDS = 30;

/**
 * `waves` (liquidation events clustered in time: a new wave starts after {@link WAVE_GAP_SECONDS}
 * without one), `largest_wave_notional`, `below_70k_seconds` and `crossed_70k` of one run.
 */
export function cascadeExtras(result: SimResult): Record<string, number> {
  const waves = liquidationWaves(result.liquidations as unknown as Record<string, ArrayLike<number>>, {
    gapSeconds: WAVE_GAP_SECONDS,
  });
  let largest = 0;
  for (const w of waves) if (w.notional > largest) largest = w.notional;
  const mark = result.timeseries.mark ?? new Float64Array(0);
  const time = result.timeseries.time_s ?? new Float64Array(0);
  let below = 0;
  for (let i = 1; i < mark.length; i++) if (mark[i]! < WATCHED_LEVEL) below += time[i]! - time[i - 1]!;
  return {
    waves: waves.length,
    largest_wave_notional: largest,
    below_70k_seconds: below,
    crossed_70k: below > 0 ? 1 : 0,
  };
}
