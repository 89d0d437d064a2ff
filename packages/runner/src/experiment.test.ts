import { BTCUSDT } from "@cascade/core";
import { describe, expect, it } from "vitest";
import { defineExperiment, isExperiment } from "./experiment.ts";
import { param, parseOverrides } from "./params.ts";

const build = () => ({
  seed: 1,
  venues: [
    {
      kind: "perp" as const,
      name: "perp",
      config: { instrument: BTCUSDT, minPriceTicks: 1, maxPriceTicks: 10 },
      index: { process: { initialTicks: 5, volatilityPerSqrtSecond: 0 } },
    },
  ],
  agents: [],
});

const parameters = {
  leverage: param.number({ default: 20, min: 1, max: 125, description: "leverage", unit: "x" }),
  count: param.number({ default: 10, min: 1, integer: true, description: "accounts" }),
  mode: param.choice(["full", "partial"], { default: "full" }),
  adl: param.boolean({ default: true }),
};

describe("a declared counterfactual", () => {
  const base = {
    name: "x",
    description: "d",
    parameters,
    sweep: { kind: "grid", values: { adl: [true, false] } },
    seed: 1,
    durationNs: 10,
    build,
  } as const;

  it("is kept when it names a boolean parameter the grid varies over both values", () => {
    expect(defineExperiment({ ...base, counterfactual: "adl" }).counterfactual).toBe("adl");
  });

  it("names the field and the value when it is not such a parameter", () => {
    expect(() => defineExperiment({ ...base, counterfactual: "adll" as never })).toThrowError(
      /experiment\.counterfactual = "adll": no such parameter \(did you mean adl\?\)/,
    );
    expect(() => defineExperiment({ ...base, counterfactual: "mode" as never })).toThrowError(
      /experiment\.counterfactual = "mode": must name a boolean parameter \(mode is a choice parameter\)/,
    );
    expect(() =>
      defineExperiment({ ...base, sweep: { kind: "grid", values: { adl: [true] } }, counterfactual: "adl" }),
    ).toThrowError(/experiment\.counterfactual = "adl": must be varied by the sweep over both values/);
    expect(() => defineExperiment({ ...base, sweep: undefined, counterfactual: "adl" })).toThrowError(
      /must be varied by the sweep/,
    );
  });
});

describe("defineExperiment", () => {
  it("returns a branded, frozen experiment with defaults filled in", () => {
    const e = defineExperiment({ name: "x", description: "d", parameters, seed: 1, durationNs: 10, build });
    expect(isExperiment(e)).toBe(true);
    expect(e.replications).toBe(1);
    expect(e.derived).toEqual({});
    expect(Object.isFrozen(e)).toBe(true);
    expect(isExperiment({ ...build() })).toBe(false);
  });

  it("names the bad field and its value", () => {
    const base = { name: "x", description: "d", parameters, seed: 1, durationNs: 10, build };
    expect(() => defineExperiment({ ...base, name: "has space" })).toThrowError(
      /experiment\.name = "has space"/,
    );
    expect(() => defineExperiment({ ...base, durationNs: -5 })).toThrowError(/experiment\.durationNs = -5/);
    expect(() => defineExperiment({ ...base, replications: 0 })).toThrowError(
      /experiment\.replications = 0: must be ≥ 1/,
    );
    expect(() =>
      defineExperiment({
        ...base,
        parameters: { leverage: param.number({ default: 200, max: 125, description: "" }) },
      }),
    ).toThrowError(/experiment\.parameters\.leverage\.default = 200: must be ≤ 125/);
    expect(() =>
      defineExperiment({ ...base, sweep: { kind: "grid", values: { leverage: [10, 500] } } }),
    ).toThrowError(/experiment\.sweep\.values\.leverage\[1\] = 500: must be ≤ 125/);
    expect(() =>
      defineExperiment({ ...base, sweep: { kind: "grid", values: { nope: [1] } as never } }),
    ).toThrowError(/experiment\.sweep\.values\.nope = "nope": is not a parameter/);
    expect(() =>
      defineExperiment({ ...base, sweep: { kind: "lhs", samples: 4, ranges: { leverage: [50, 10] } } }),
    ).toThrowError(/experiment\.sweep\.ranges\.leverage = \[50,10\]: must be \[lo, hi\]/);
    expect(() => defineExperiment({ ...base, derived: { leverage: "count * 2" } as never })).toThrowError(
      /experiment\.derived\.leverage = "count \* 2": has the name of a parameter/,
    );
    expect(() => defineExperiment({ ...base, build: undefined as never })).toThrowError(/experiment\.build/);
  });
});

describe("--set overrides", () => {
  it("parse into the parameter's type", () => {
    expect(parseOverrides(["leverage=50", "count=3", "mode=partial", "adl=false"], parameters)).toEqual({
      leverage: 50,
      count: 3,
      mode: "partial",
      adl: false,
    });
    expect(parseOverrides(["leverage=1e1", "adl=yes"], parameters)).toEqual({ leverage: 10, adl: true });
  });

  it("refuse an unknown key, naming the nearest parameter or else the known parameters", () => {
    expect(() => parseOverrides(["levrage=5"], parameters)).toThrowError(
      '--set levrage = "5": no such parameter (did you mean leverage?)',
    );
    expect(() => parseOverrides(["whaleBtc=5"], parameters)).toThrowError(
      '--set whaleBtc = "5": no such parameter (parameters: leverage, count, mode, adl)',
    );
  });

  it("refuse a value of the wrong type or out of range", () => {
    expect(() => parseOverrides(["leverage=high"], parameters)).toThrowError(
      '--set leverage = "high": must be a number',
    );
    expect(() => parseOverrides(["count=2.5"], parameters)).toThrowError(
      "--set count = 2.5: must be an integer",
    );
    expect(() => parseOverrides(["leverage=500"], parameters)).toThrowError(
      "--set leverage = 500: must be ≤ 125",
    );
    expect(() => parseOverrides(["mode=half"], parameters)).toThrowError(
      '--set mode = "half": must be one of "full", "partial"',
    );
    expect(() => parseOverrides(["adl=maybe"], parameters)).toThrowError(
      '--set adl = "maybe": must be true or false',
    );
    expect(() => parseOverrides(["leverage"], parameters)).toThrowError(
      '--set = "leverage": needs key=value (e.g. --set name=20)',
    );
  });

  it("refuse a derived parameter", () => {
    expect(() => parseOverrides(["notional=5"], parameters, { notional: "leverage * count" })).toThrowError(
      /--set notional = "5": is derived/,
    );
  });
});

describe("reserved names", () => {
  it("refuses a parameter named like a summary metric, whose column would vanish from runs.arrow", async () => {
    const { defineExperiment, param } = await import("./index.ts");
    expect(() =>
      defineExperiment({
        name: "clash",
        description: "x",
        parameters: { liquidations: param.boolean({ default: true }) },
        seed: 1,
        durationNs: 1,
        build: () => ({ seed: 1, venues: [], agents: [] }),
      }),
    ).toThrowError(/liquidations.*reserved/);
  });
});
