/**
 * Validation scenario "october": the `october-2025` flagship (tariff-news sellers push BTC down
 * from $122,000 into a leveraged market) with the liquidation engine on. `pnpm validate` holds the
 * scale and make-up of its liquidations and the insurance fund to `validation/targets.json`, whose
 * figures for 10-11 Oct 2025 are this event's own; the amplification (on ÷ off) is measured by
 * `pnpm cascade run october-2025`.
 */
import { minutes } from "@cascade/core";
import { defineExperiment, withDefaults } from "@cascade/runner";
import { buildFlashCrash, FLASH_CRASH_PARAMETERS } from "../lib/flash-crash-params.ts";
import { OCTOBER_2025_DEFAULTS } from "../october-2025.ts";

export default defineExperiment({
  name: "validate-october",
  description:
    "Validation: the october-2025 flagship, liquidations on (scale and make-up of its liquidations).",
  parameters: withDefaults(FLASH_CRASH_PARAMETERS, OCTOBER_2025_DEFAULTS),
  replications: 10,
  seed: 20_251_010,
  durationNs: (p) => minutes(p.durationMinutes),
  build: buildFlashCrash,
});
