/**
 * Example of docs/getting-started.md: an experiment file with a syntax error (a `)` where the
 * object's `}` belongs), which `cascade run` reports as bad input (exit code 2). Left out of the
 * type check (experiments/tsconfig.json) and of the linter (biome.json).
 */
import { defineExperiment } from "@cascade/runner";

export default defineExperiment({
  name: "does-not-compile",
  description: "Guide example: a syntax error.",
  parameters: {},
  seed: 1,
  durationNs: 1,
  build: (_p, run) => ({ seed: run.seed, venues: [], agents: [] ),
});
