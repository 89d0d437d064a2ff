/**
 * Validation scenario "crash": the flagship (a seller pushes BTC through $70,000 into highly
 * leveraged retail longs), each replication paired with its no-liquidation counterfactual on the
 * same random streams. `pnpm validate` measures coupling of perp and index, depth collapse and
 * amplification, the time structure of its liquidations and post-crash funding on it, and holds it to `validation/targets.json`.
 */
import { minutes } from "@cascade/core";
import { defineExperiment } from "@cascade/runner";
import { buildFlashCrash, FLASH_CRASH_PARAMETERS } from "../lib/flash-crash-params.ts";

export default defineExperiment({
  name: "validate-crash",
  description: "Validation: the flagship crash, liquidations on and off on common random numbers.",
  parameters: {
    ...FLASH_CRASH_PARAMETERS,
    // The flagship's population (see experiments/flash-crash.ts).
    retailAccounts: { ...FLASH_CRASH_PARAMETERS.retailAccounts, default: 50_000 },
    // Funding settles every second, so the rate after the crash is one the venue set from the
    // premium of those minutes (an 8-hour interval never settles in a 30-minute run).
    fundingIntervalMinutes: { ...FLASH_CRASH_PARAMETERS.fundingIntervalMinutes, default: 0 },
  },
  sweep: { kind: "grid", values: { liquidationsEnabled: [true, false] } },
  counterfactual: "liquidationsEnabled",
  replications: 10,
  seed: 20_260_205,
  durationNs: (p) => minutes(p.durationMinutes),
  build: buildFlashCrash,
});
