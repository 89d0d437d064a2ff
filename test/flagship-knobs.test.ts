/**
 * The flagship world's policy knobs: a value inside a parameter's declared range must build and
 * run, a combination of policies that cannot hold must be refused before any run with one line
 * naming the parameters, and the funding interval reaches the venue.
 */
import { createWorld } from "@cascade/sim";
import { describe, expect, it } from "vitest";
import { FLASH_CRASH_DEFAULTS } from "../experiments/lib/flash-crash-params.ts";
import { flashCrashWorld } from "../experiments/lib/flash-crash-world.ts";

const SMALL = { ...FLASH_CRASH_DEFAULTS, retailAccounts: 500, backgroundTraders: 10, durationMinutes: 1 };

describe("the flagship's leverage cap", () => {
  it("runs at maxLeverage = 3, the low end of its declared range: every agent's leverage is clipped to the cap", () => {
    for (const maxLeverage of [1, 3]) {
      const world = createWorld(flashCrashWorld({ ...SMALL, maxLeverage }, 1));
      const r = world.run(60e9);
      expect(r.summary.conservation_error).toBe(0);
      expect(r.timeseries.mark!.length).toBeGreaterThan(0);
    }
  });
});

describe("policy combinations that cannot hold", () => {
  it("refuses a fund that may hold nothing (fundPositionCap = 0) with ADL off, naming both parameters", () => {
    expect(() => flashCrashWorld({ ...SMALL, fundPositionCap: 0, adl: false }, 1)).toThrow(
      /^fundPositionCap = 0: cannot hold with adl = false/,
    );
    // Either alone is fine: the cap with ADL, or no ADL with a fund that may hold positions.
    expect(() => flashCrashWorld({ ...SMALL, fundPositionCap: 0 }, 1)).not.toThrow();
    expect(() => flashCrashWorld({ ...SMALL, adl: false }, 1)).not.toThrow();
  });
});

describe("the funding interval", () => {
  it("sets the venue's settlement interval: 8 h by default, 1 h, or every mark update (continuous)", () => {
    const intervalOf = (fundingIntervalMinutes: number): unknown => {
      const perp = flashCrashWorld({ ...SMALL, fundingIntervalMinutes }, 1).venues.find(
        (v) => v.kind === "perp",
      )!;
      return (perp.config as { funding?: { intervalNs?: number } }).funding?.intervalNs;
    };
    expect(intervalOf(480)).toBe(8 * 3_600e9);
    expect(intervalOf(60)).toBe(3_600e9);
    expect(intervalOf(0)).toBe(1e9);
  });

  it("lets a crash window of minutes see funding: continuous funding settles during a 2-minute run", () => {
    const r = createWorld(
      flashCrashWorld({ ...SMALL, fundingIntervalMinutes: 0, durationMinutes: 2 }, 1),
    ).run(120e9);
    const rates = r.timeseries.funding_rate!;
    expect(rates.some((x) => x !== 0)).toBe(true);
    expect(r.summary.conservation_error).toBe(0);
  });
});
