/**
 * Would faster arbitrage reduce cascade risk? The perp–spot arbitrageur's latency is swept from
 * 0.1 ms (colocated) to 1 s: it decides how fast the perpetual's dislocation reaches the spot
 * index that drives the mark — and so the liquidations.
 */
import { minutes } from "@cascade/core";
import { defineExperiment } from "@cascade/runner";
import { buildFlashCrash, FLASH_CRASH_PARAMETERS } from "./lib/flash-crash-params.ts";
import { cascadeExtras } from "./lib/summary-metrics.ts";

export default defineExperiment({
  name: "arbitrage-latency",
  description:
    "Sweeps the perp-spot arbitrageur's latency (0.1 ms to 1 s): does faster arbitrage damp or spread the cascade?",
  parameters: {
    ...FLASH_CRASH_PARAMETERS,
    shockVenue: { ...FLASH_CRASH_PARAMETERS.shockVenue, default: "perp" as const },
  },
  sweep: { kind: "grid", values: { arbLatencyMs: [0.1, 1, 10, 100, 1000] } },
  replications: 4,
  seed: 9009,
  durationNs: (p) => minutes(p.durationMinutes),
  build: buildFlashCrash,
  summarize: (result) => cascadeExtras(result),
});
