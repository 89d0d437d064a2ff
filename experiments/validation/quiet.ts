/**
 * Validation scenario "quiet": the flagship's world with no shock, six simulated hours. A market
 * with leveraged retail, makers and arbitrage and no news must stay calm: tight spreads, the perp
 * pinned to the index, calm-BTC volatility, and almost no liquidations (hourly figures, estimated
 * from every hour of the run). Six hours a seed is what the stylized facts need to be decided: over
 * 10 seeds that is ≈ 3,550 one-minute returns, a standard error of 0.017 on each lag's
 * autocorrelation, against a bound of 0.05 (with two hours, 0.030: a martingale failed the
 * 20-lag test about 85 % of the time). `pnpm validate` runs it and holds it to
 * `validation/targets.json`.
 */
import { minutes } from "@cascade/core";
import { defineExperiment } from "@cascade/runner";
import { buildFlashCrash, FLASH_CRASH_PARAMETERS } from "../lib/flash-crash-params.ts";

export default defineExperiment({
  name: "validate-quiet",
  description:
    "Validation: the flagship world with no shock for six hours (calm-market targets, stylized facts).",
  parameters: {
    ...FLASH_CRASH_PARAMETERS,
    // The flagship's population (see experiments/flash-crash.ts).
    retailAccounts: { ...FLASH_CRASH_PARAMETERS.retailAccounts, default: 50_000 },
    shockBtc: { ...FLASH_CRASH_PARAMETERS.shockBtc, default: 0 },
    durationMinutes: { ...FLASH_CRASH_PARAMETERS.durationMinutes, default: 360 },
  },
  replications: 10,
  seed: 11_2026,
  durationNs: (p) => minutes(p.durationMinutes),
  build: buildFlashCrash,
});
