/**
 * The second flagship: 10–11 October 2025, the largest liquidation day on record. The flash-crash
 * world (the same knobs, agents and venue rules as `flash-crash`) with the event's own defaults:
 *
 * - **start price 122,000 USDT**: BTC traded at about $122k when the tariff news hit on 10 Oct
 *   (day high $122,574) and fell to about $104.8k intraday (Coinbase; lower on some venues);
 *   CoinDesk, Amberdata.
 * - **the shock is the news, not the cascade**: Trump's tariff post (14:57 UTC) started macro-driven
 *   selling that took BTC from about $122k to below $119k, about −3 %, before the liquidation
 *   cascade began at 20:50 UTC (Amberdata, "How $3.21B vanished in 60 seconds"; market reports of
 *   the day). The seller is sized to that news leg through the model's own permanent impact, λ =
 *   `spotImpactBpsPerBtc` = 4 bp per BTC of aggressive spot flow (every perp sale ends on spot
 *   through the hedged makers): 300 bp ÷ 4 bp/BTC = **75 BTC**, half on each market. Everything
 *   beyond −3 % is left to the cascade; no figure of `validation/targets.json` set it.
 * - **30 minutes of selling, 60 simulated**: the afternoon's selling compressed into half an hour
 *   (a news seller, not the February dive's 5-minute push), with 25 minutes after it so the
 *   liquidations it sets off are inside the run (70 % of the day's fell in a 40-minute window,
 *   Amberdata). Starts after the same 5-minute warm-up as the flagship.
 * - **50,000 retail accounts**, as the flagship, and its leverage mix: no source gives the crowd's
 *   leverage distribution on the day, so it is not changed (`--set leverageMix=high` to ask what a
 *   more leveraged crowd would do).
 *
 * What the real day had and the model does not: the cascade's trigger at 20:50 UTC was a collateral
 * crash on one venue (USDe, wBETH on Binance), books "appeared empty for several minutes" with
 * meaningful bids only 4–10 % from mid (Kaiko), and it was a Friday evening. Its figures — $19.1–19.2
 * bn liquidated in 24 h, ≈ 87 % longs, perp open interest −43 %, liquidations ≈ 9 % of pre-crash open
 * interest (CoinDesk Research, Coinglass) — are what the runs are compared with (docs/model.md).
 *
 * Each replication runs twice on the same random streams, liquidation engine on and off, so the
 * amplification (drawdown with ÷ without liquidations) is measured on identical order flow.
 *
 * `pnpm cascade run october-2025` (`pnpm cascade describe october-2025` for its knobs).
 */
import { minutes } from "@cascade/core";
import { defineExperiment, withDefaults } from "@cascade/runner";
import { buildFlashCrash, FLASH_CRASH_PARAMETERS } from "./lib/flash-crash-params.ts";
import { cascadeExtras } from "./lib/summary-metrics.ts";

/** The event's defaults on the flagship world's knobs (sources in the module's documentation). */
export const OCTOBER_2025_DEFAULTS = {
  retailAccounts: 50_000,
  startPrice: 122_000,
  shockBtc: 75,
  shockMinutes: 30,
  shockStartMinutes: 5,
  durationMinutes: 60,
} as const;

export default defineExperiment({
  name: "october-2025",
  description:
    "10-11 Oct 2025, the largest liquidation day on record: tariff news sellers push BTC down from $122,000 into a leveraged market; each run is paired with its no-liquidation counterfactual.",
  parameters: withDefaults(FLASH_CRASH_PARAMETERS, OCTOBER_2025_DEFAULTS),
  sweep: { kind: "grid", values: { liquidationsEnabled: [true, false] } },
  counterfactual: "liquidationsEnabled",
  replications: 4,
  seed: 20251010,
  durationNs: (p) => minutes(p.durationMinutes),
  build: buildFlashCrash,
  summarize: (result) => cascadeExtras(result, { watchedLevel: false }),
});
