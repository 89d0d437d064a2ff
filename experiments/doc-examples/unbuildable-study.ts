/**
 * Example of docs/getting-started.md (`cascade check`): a sweep one of whose worlds does not build
 * — the regime "crash" was added to the sweep but not to the table of price floors. Not a study:
 * the guide's sample output is generated from `pnpm cascade check` on this file.
 */
import { BTCUSDT, minutes } from "@cascade/core";
import { defineExperiment, param, type RunContext } from "@cascade/runner";
import type { WorldConfig } from "@cascade/sim";

/** The parameters of the guide's check examples. */
export const parameters = {
  regime: param.choice(["calm", "stressed", "crash"], { default: "calm", description: "market regime" }),
  floorUsdt: param.number({ default: 35_000, min: 1, description: "lowest price of the book", unit: "USDT" }),
};

/** Lowest price of the book in each regime, USDT. */
const FLOORS = new Map<string, number>([
  ["calm", 35_000],
  ["stressed", 60_000],
]);

/** The lowest price of the book in `regime`, in ticks of 0.1 USDT. */
function floorTicksOf(regime: string): number {
  const usdt = FLOORS.get(regime);
  if (usdt === undefined) throw new Error(`no price floor for regime ${regime}`);
  return usdt * 10;
}

/** One perpetual on a random-walk index whose book holds prices from `floorTicks` up. */
export function bookWorld(floorTicks: number, run: RunContext): WorldConfig {
  return {
    seed: run.seed,
    venues: [
      {
        kind: "perp",
        name: "perp",
        config: { instrument: BTCUSDT, minPriceTicks: floorTicks, maxPriceTicks: 1_050_000 },
        index: { process: { initialTicks: 700_000, volatilityPerSqrtSecond: 2e-4 } },
      },
    ],
    agents: [],
  };
}

export default defineExperiment({
  name: "unbuildable-study",
  description: "Guide example: the world of one sweep point does not build.",
  parameters,
  sweep: { kind: "grid", values: { regime: ["calm", "stressed", "crash"] } },
  seed: 1,
  durationNs: minutes(1),
  build: (p, run) => bookWorld(floorTicksOf(p.regime), run),
});
