import { ConfigError } from "@cascade/core";
import { describe, expect, it } from "vitest";
import { describeExperiment } from "./cli/main.ts";
import { defineExperiment } from "./experiment.ts";
import { defaultsOf, type ParamValues, param, withDefaults } from "./params.ts";

const SPECS = {
  leverage: param.number({
    default: 20,
    min: 1,
    max: 125,
    integer: true,
    description: "leverage",
    unit: "x",
  }),
  mode: param.choice(["full", "partial"], { default: "partial", description: "liquidation mode" }),
  adl: param.boolean({
    default: true,
    description: "auto-deleveraging",
    doc: "When the insurance fund cannot absorb a bankrupt position, the most profitable opposite positions are closed against it.",
  }),
} as const;

describe("defaultsOf", () => {
  it("gives every parameter's default, in the specs' order, as a frozen object of their value types", () => {
    const d: Readonly<ParamValues<typeof SPECS>> = defaultsOf(SPECS);
    expect(d).toEqual({ leverage: 20, mode: "partial", adl: true });
    expect(Object.keys(d)).toEqual(Object.keys(SPECS));
    expect(Object.isFrozen(d)).toBe(true);
  });
});

describe("withDefaults", () => {
  it("changes only the given defaults, keeping ranges, descriptions and the key order", () => {
    const s = withDefaults(SPECS, { leverage: 50, adl: false });
    expect(defaultsOf(s)).toEqual({ leverage: 50, mode: "partial", adl: false });
    expect(s.leverage).toEqual({ ...SPECS.leverage, default: 50 });
    expect(Object.keys(s)).toEqual(Object.keys(SPECS));
    expect(SPECS.leverage.default).toBe(20);
  });

  it("refuses a default outside its range or of the wrong kind, naming the parameter and the value", () => {
    expect(() => withDefaults(SPECS, { leverage: 200 })).toThrow(ConfigError);
    expect(() => withDefaults(SPECS, { leverage: 200 })).toThrow("default leverage = 200: must be ≤ 125");
    expect(() => withDefaults(SPECS, { leverage: 2.5 })).toThrow("must be an integer");
    expect(() => withDefaults(SPECS, { mode: "half" as never })).toThrow('must be one of "full", "partial"');
  });

  it("refuses a name that is not a parameter, suggesting the nearest", () => {
    expect(() => withDefaults(SPECS, { leverag: 5 } as never)).toThrow(
      "default leverag = 5: no such parameter (did you mean leverage?)",
    );
  });
});

describe("a parameter's doc", () => {
  const experiment = defineExperiment({
    name: "docs",
    description: "Fixture: parameters with and without a longer explanation.",
    parameters: SPECS,
    replications: 1,
    seed: 1,
    durationNs: 1,
    build: () => {
      throw new Error("never built");
    },
  });

  it("stays out of the describe table and is printed, wrapped, with --long", () => {
    const short = describeExperiment(experiment, "docs.ts");
    expect(short).not.toContain("most profitable");
    const long = describeExperiment(experiment, "docs.ts", { long: true });
    expect(long).toContain("about the parameters:\n  adl:\n    When the insurance fund cannot absorb");
    for (const line of long.split("\n")) expect(line.length).toBeLessThanOrEqual(160);
    expect(long.split("\n").filter((l) => l.startsWith("    ")).length).toBeGreaterThan(1);
  });
});
