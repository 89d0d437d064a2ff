/**
 * Extra per-run metrics every study records beside the simulator's summary: liquidation waves,
 * how the price stood against the watched $70,000 level, and the drawdowns of the index and of
 * the 1-minute VWAPs of each market (what the report's amplification compares, besides the mark).
 *
 * @module
 */

// The light entry: this module runs in every worker, which must not load charts or mathjs.
import { drawdownOf, liquidationWaves, windowVwap } from "@cascade/analysis/run-metrics";
import type { SimResult } from "@cascade/sim";

/** The watched level of the February 2026 dive, USDT. */
export const WATCHED_LEVEL = 70_000;

/** Quiet time that separates two liquidation waves, s. */
export const WAVE_GAP_SECONDS = 30;

/**
 * `waves` (liquidation events clustered in time: a new wave starts after {@link WAVE_GAP_SECONDS}
 * without one), `largest_wave_notional`, `below_70k_seconds` and `crossed_70k` of one run, and
 * `index_drawdown`, `perp_vwap_drawdown`, `spot_vwap_drawdown`: the largest fall from a running
 * peak (fraction) of the index and of the 1-minute VWAPs of the perpetual and of all spot venues.
 * With `watchedLevel: false` (a scenario far from $70,000, such as `october-2025`) the two
 * $70,000 metrics are left out rather than reported as zeros.
 */
export function cascadeExtras(
  result: SimResult,
  options: { readonly watchedLevel?: boolean } = {},
): Record<string, number> {
  const waves = liquidationWaves(result.liquidations as unknown as Record<string, ArrayLike<number>>, {
    gapSeconds: WAVE_GAP_SECONDS,
  });
  let largest = 0;
  for (const w of waves) if (w.notional > largest) largest = w.notional;
  const mark = result.timeseries.mark ?? new Float64Array(0);
  const time = result.timeseries.time_s ?? new Float64Array(0);
  let below = 0;
  for (let i = 1; i < mark.length; i++) if (mark[i]! < WATCHED_LEVEL) below += time[i]! - time[i - 1]!;
  const ts = result.timeseries;
  const none = new Float64Array(0);
  const spot = spotTraded(ts);
  return {
    index_drawdown: drawdownOf(ts.index ?? none),
    perp_vwap_drawdown: drawdownOf(windowVwap(ts.volume ?? none, ts.turnover ?? none, 60)),
    spot_vwap_drawdown: drawdownOf(windowVwap(spot.volume, spot.turnover, 60)),
    waves: waves.length,
    largest_wave_notional: largest,
    ...(options.watchedLevel === false ? {} : { below_70k_seconds: below, crossed_70k: below > 0 ? 1 : 0 }),
  };
}

/**
 * Per-sample traded volume (base units) and turnover (quote) summed over every spot venue of a
 * run (its `spot_volume_<venue>` and `spot_turnover_<venue>` columns).
 */
export function spotTraded(ts: Readonly<Record<string, ArrayLike<number>>>): {
  volume: Float64Array;
  turnover: Float64Array;
} {
  const n = (ts.time_s ?? []).length;
  const volume = new Float64Array(n);
  const turnover = new Float64Array(n);
  for (const name of Object.keys(ts)) {
    if (!name.startsWith("spot_volume_")) continue;
    const v = ts[name]!;
    const t = ts[`spot_turnover_${name.slice("spot_volume_".length)}`] ?? [];
    for (let i = 0; i < n; i++) {
      if (v[i]! > 0) {
        volume[i] += v[i]!;
        turnover[i] += t[i]!;
      }
    }
  }
  return { volume, turnover };
}
