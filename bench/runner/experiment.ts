/**
 * The small experiment of the `runner` benchmark: the runner's fixture world (a market maker and
 * leveraged longs on a random-walk index) over a Latin hypercube of leverage and volatility,
 * 250 points × 4 replications = 1,000 runs of 5 simulated minutes. `CASCADE_BENCH_POINTS`
 * shrinks it for `--quick`.
 *
 * @module
 */

import { NS_PER_SECOND } from "@cascade/core";
import { fixtureWorld } from "../../packages/runner/src/fixtures/_world.ts";
import { defineExperiment, param } from "../../packages/runner/src/index.ts";

const points = Number(process.env.CASCADE_BENCH_POINTS ?? 250);

export default defineExperiment({
  name: "bench-runner",
  description: "Benchmark: 1,000 small runs (LHS over leverage and volatility, 4 replications).",
  parameters: {
    leverage: param.number({
      default: 20,
      min: 5,
      max: 50,
      integer: true,
      description: "leverage of the longs",
      unit: "x",
    }),
    volatility: param.number({
      default: 0.003,
      min: 0.001,
      max: 0.004,
      description: "index volatility per √s",
    }),
  },
  sweep: { kind: "lhs", samples: points },
  replications: 4,
  seed: 2024,
  durationNs: 300 * NS_PER_SECOND,
  build: (p, run) => fixtureWorld({ leverage: p.leverage, volatility: p.volatility, drift: 0 }, run),
});
