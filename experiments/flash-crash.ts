/**
 * The flagship: the February 2026 bitcoin flash dive. Months of bullish momentum have left many
 * retail longs at high leverage; a moderate seller pushes the price from the mid $70,000s through
 * the watched $70,000 level; liquidations feed on thin books. Each replication runs twice on the
 * same random streams — liquidation engine on and off — so the amplification (drawdown with
 * liquidations ÷ without) is measured on identical order flow.
 *
 * `pnpm cascade run flash-crash` (add `--set retailAccounts=1000000` for the full population).
 */
import { minutes } from "@cascade/core";
import { defineExperiment } from "@cascade/runner";
import { buildFlashCrash, FLASH_CRASH_PARAMETERS } from "./lib/flash-crash-params.ts";
import { cascadeExtras } from "./lib/summary-metrics.ts";

export default defineExperiment({
  name: "flash-crash",
  description:
    "February 2026 flash dive: a moderate seller pushes BTC through $70,000 into a market of highly leveraged retail longs; each run is paired with its no-liquidation counterfactual.",
  parameters: {
    ...FLASH_CRASH_PARAMETERS,
    retailAccounts: { ...FLASH_CRASH_PARAMETERS.retailAccounts, default: 50_000 },
  },
  sweep: { kind: "grid", values: { liquidationsEnabled: [true, false] } },
  counterfactual: "liquidationsEnabled",
  replications: 4,
  seed: 20260205,
  durationNs: (p) => minutes(p.durationMinutes),
  build: buildFlashCrash,
  summarize: (result) => cascadeExtras(result),
});
