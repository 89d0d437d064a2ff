/**
 * The short run of the perpetual venue's property fuzz (`perp-venue.fuzz.ts`): a few hundred cases
 * in seconds, on three instruments. `pnpm fuzz` runs the same property for 10^6 steps and more.
 * `FUZZ_RUNS` and `FUZZ_SEED` override the run count and seed.
 */

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { FUZZ_INSTRUMENTS, fuzzProperty, newCounters } from "./perp-venue.fuzz.ts";

describe("PerpVenue fuzz", () => {
  it("keeps money exact and conserved, the book sound, every wallet ≥ 0 and nothing liquidatable after every step, on three instruments", () => {
    const counters = newCounters();
    fc.assert(fuzzProperty(counters), {
      numRuns: Number(process.env.FUZZ_RUNS ?? 300),
      seed: Number(process.env.FUZZ_SEED ?? 20_251_010),
    });
    // The generator must reach the interesting paths, on every instrument.
    for (let i = 0; i < FUZZ_INSTRUMENTS.length; i++) expect(counters.perInstrument[i]).toBeGreaterThan(0);
    expect(counters.liquidations).toBeGreaterThan(50);
    expect(counters.takeovers).toBeGreaterThan(0);
    expect(counters.adl).toBeGreaterThan(0);
    expect(counters.workouts).toBeGreaterThan(0);
    expect(counters.partials).toBeGreaterThan(0);
    expect(counters.fundCovers).toBeGreaterThan(0);
    expect(counters.moneyLimitRejects).toBeGreaterThan(0);
    expect(counters.halts).toBeGreaterThan(0);
  });
});
