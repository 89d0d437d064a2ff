/**
 * Would better-capitalised market makers reduce cascade risk? Sweeps the inventory each hedged
 * perp maker may carry (its capacity: the BTC it holds on spot and the cash behind it grow with it)
 * and the loss at which makers pull their quotes (their withdrawal threshold): thin books in a
 * crash are makers stepping away.
 *
 * In the coupled market a maker's capacity is its inventory limit, not `makerCapital`: spot makers
 * hold their 200 BTC limit and the cash to buy as much, hedged makers 1.5× their capacity on spot,
 * whatever `makerCapital` says, so sweeping it (0.5, 2 and 10 M USDT) gave the same run at every
 * value in test/policy-arms.test.ts; and no maker lost 5 % of its capital in that test's crash, so
 * thresholds of 5 % and 50 % gave the same run too.
 */
import { minutes } from "@cascade/core";
import { defineExperiment } from "@cascade/runner";
import { buildFlashCrash, FLASH_CRASH_PARAMETERS } from "./lib/flash-crash-params.ts";
import { cascadeExtras } from "./lib/summary-metrics.ts";

export default defineExperiment({
  name: "market-maker-capacity",
  description:
    "Sweeps the hedged makers' inventory capacity and the loss at which makers withdraw: do deeper pockets and steadier quoting stop the cascade?",
  parameters: FLASH_CRASH_PARAMETERS,
  sweep: {
    kind: "grid",
    values: { hedgeCapacityBtc: [25, 100, 400], makerMaxLoss: [0.0005, 0.005, 0.05] },
  },
  replications: 3,
  seed: 3003,
  durationNs: (p) => minutes(p.durationMinutes),
  build: buildFlashCrash,
  summarize: (result) => cascadeExtras(result),
});
