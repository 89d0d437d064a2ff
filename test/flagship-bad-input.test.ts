/**
 * Bad input to the flagship world: a value inside a parameter's declared range must build and
 * run, and a combination of policies that cannot hold must be refused before any run, with one
 * line naming the parameters.
 */
import { createWorld } from "@cascade/sim";
import { describe, expect, it } from "vitest";
import { FLASH_CRASH_DEFAULTS, flashCrashWorld } from "../experiments/lib/flash-crash-world.ts";

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
