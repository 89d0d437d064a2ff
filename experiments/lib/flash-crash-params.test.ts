import { ConfigError } from "@cascade/core";
import { planExperiment, runSpec } from "@cascade/runner";
import { createWorld } from "@cascade/sim";
import { describe, expect, it } from "vitest";
import experiment from "../flash-crash.ts";
import {
  buildFlashCrash,
  FLASH_CRASH_DEFAULTS,
  FLASH_CRASH_PARAMETERS,
  type FlashCrashParams,
  MAX_MONEY_USDT,
} from "./flash-crash-params.ts";
import { flashCrashDurationNs, flashCrashWorld } from "./flash-crash-world.ts";

const MONEY = ["insuranceFund", "makerCapital", "arbCapital", "liquidationPacing"] as const;

/** Builds the world of the first run with `overrides` (a small population, so the test is quick). */
async function build(overrides: string[]) {
  const plan = await planExperiment(experiment, {
    overrides: ["retailAccounts=500", ...overrides],
    replications: 1,
  });
  const spec = runSpec(plan, 0);
  const run = { seed: spec.seed, runIndex: 0, replication: 0, pointIndex: 0, masterSeed: plan.seed };
  return createWorld(buildFlashCrash(spec.params as never, run));
}

describe("the flagship's money parameters", () => {
  it("build a world with every one at the top of its range at once, with 20 makers a venue", async () => {
    await expect(
      build([...MONEY.map((k) => `${k}=${MAX_MONEY_USDT}`), "makersPerVenue=20", "retailCapital=100000"]),
    ).resolves.toBeDefined();
  });

  it.each(MONEY)("refuse %s beyond its range or finer than a whole USDT before any run", async (k) => {
    // Once accepted, these made every run fail (a deposit past 2^51 quote units, a value not
    // representable exactly, a fraction of the 0.0001 USDT quote unit).
    for (const [value, why] of [
      [String(MAX_MONEY_USDT + 1), `must be ≤ ${MAX_MONEY_USDT}`],
      ["300000000000", "must fit in a 32-bit integer"],
      ["10000.00005", "must be an integer"],
    ] as const) {
      const err = await planExperiment(experiment, { overrides: [`${k}=${value}`] }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as Error).message).toContain(k);
      expect((err as Error).message).toContain(why);
    }
  });
});

describe("the flagship's knobs", () => {
  it("are each read by the world builder (or the run's duration): a spec nobody reads is a knob declared in one place only", () => {
    const read = new Set<string>();
    const watched = (p: FlashCrashParams): FlashCrashParams =>
      new Proxy(p, {
        get(target, key, receiver) {
          if (typeof key === "string") read.add(key);
          return Reflect.get(target, key, receiver);
        },
      });
    // Some knobs matter only under others (the halt length with a circuit breaker on, the whales'
    // capital with whales present): one world per such setting, so each knob has a world that reads it.
    for (const over of [{}, { circuitBreakerPct: 5 }, { whaleShare: 0.01 }] as const) {
      const p = watched({ ...FLASH_CRASH_DEFAULTS, retailAccounts: 500, ...over });
      flashCrashWorld(p, 1);
      flashCrashDurationNs(p);
    }
    const unread = Object.keys(FLASH_CRASH_PARAMETERS).filter((k) => !read.has(k));
    expect(unread).toEqual([]);
    expect([...read].filter((k) => !Object.hasOwn(FLASH_CRASH_PARAMETERS, k))).toEqual([]);
  });
});
