/**
 * Example of docs/getting-started.md (`cascade check`): a typo in `build` (`p.floorUsd`), which
 * the type check catches before any world is built. Not a study: the guide's sample output is
 * generated from `pnpm cascade check` on this file. (experiments/tsconfig.json leaves this file
 * out, so the deliberate error does not fail `pnpm run typecheck`.)
 */
import { minutes } from "@cascade/core";
import { defineExperiment } from "@cascade/runner";
import { bookWorld, parameters } from "./unbuildable-study.ts";

export default defineExperiment({
  name: "typo-study",
  description: "Guide example: a typo in build that the type check catches.",
  parameters,
  sweep: { kind: "grid", values: { floorUsdt: [35_000, 60_000] } },
  seed: 1,
  durationNs: minutes(1),
  build: (p, run) => bookWorld(p.floorUsd * 10, run),
});
