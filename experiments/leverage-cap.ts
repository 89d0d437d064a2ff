/**
 * Would capping leverage reduce cascade risk? The venue's leverage cap is swept from 5× to 125×
 * with everything else — retail appetite, the shock, the books — unchanged (common random
 * numbers across caps). Retail traders who wanted more leverage than the cap take the cap.
 */
import { minutes } from "@cascade/core";
import { defineExperiment } from "@cascade/runner";
import { buildFlashCrash, FLASH_CRASH_PARAMETERS } from "./lib/flash-crash-params.ts";
import { cascadeExtras } from "./lib/summary-metrics.ts";

export default defineExperiment({
  name: "leverage-cap",
  description:
    "Sweeps the venue's leverage cap (5x to 125x): how much smaller are the cascade, the drawdown and the fund's losses?",
  parameters: FLASH_CRASH_PARAMETERS,
  sweep: { kind: "grid", values: { maxLeverage: [5, 10, 20, 50, 75, 100, 125] } },
  replications: 4,
  seed: 5125,
  durationNs: (p) => minutes(p.durationMinutes),
  build: buildFlashCrash,
  summarize: (result) => cascadeExtras(result),
});
