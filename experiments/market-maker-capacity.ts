/**
 * Would better-capitalised market makers reduce cascade risk? Sweeps each maker's capital and the
 * loss at which it pulls its quotes (its withdrawal threshold): thin books in a crash are makers
 * stepping away.
 */
import { minutes } from "@cascade/core";
import { defineExperiment } from "@cascade/runner";
import { buildFlashCrash, FLASH_CRASH_PARAMETERS } from "./lib/flash-crash-params.ts";
import { cascadeExtras } from "./lib/summary-metrics.ts";

export default defineExperiment({
  name: "market-maker-capacity",
  description:
    "Sweeps market-maker capital and the loss at which makers withdraw: do deeper pockets and steadier quoting stop the cascade?",
  parameters: FLASH_CRASH_PARAMETERS,
  sweep: {
    kind: "grid",
    values: { makerCapital: [500_000, 2_000_000, 10_000_000], makerMaxLoss: [0.0005, 0.005, 0.05, 0.5] },
  },
  replications: 3,
  seed: 3003,
  durationNs: (p) => minutes(p.durationMinutes),
  build: buildFlashCrash,
  summarize: (result) => cascadeExtras(result),
});
