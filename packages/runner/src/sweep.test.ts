import { BTCUSDT } from "@cascade/core";
import { describe, expect, it } from "vitest";
import { defineExperiment, type Sweep, type SweepCondition } from "./experiment.ts";
import { param } from "./params.ts";
import { canonicalJson, planExperiment, runSeed, runSpec } from "./plan.ts";
import { planSweep, sweepPoints, sweepSize } from "./sweep.ts";

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
  capital: param.number({ default: 1000, min: 100, max: 10_000, description: "capital", unit: "USDT" }),
  leverage: param.number({
    default: 20,
    min: 1,
    max: 125,
    integer: true,
    description: "leverage",
    unit: "x",
  }),
  mode: param.choice(["full", "partial"], { default: "full" }),
  adl: param.boolean({ default: true }),
};

describe("grid sweeps", () => {
  it("give every combination, the last key varying fastest, other parameters at their default", () => {
    const sweep = { kind: "grid" as const, values: { leverage: [5, 20, 50], mode: ["full", "partial"] } };
    expect(sweepSize(sweep)).toBe(6);
    const points = sweepPoints(sweep, parameters, 1);
    expect(points.map((p) => `${p.leverage}/${p.mode}`)).toEqual([
      "5/full",
      "5/partial",
      "20/full",
      "20/partial",
      "50/full",
      "50/partial",
    ]);
    expect(points.every((p) => p.capital === 1000 && p.adl === true)).toBe(true);
  });

  it("number runs point by point, replication by replication, each with its own derived seed", async () => {
    const e = defineExperiment({
      name: "g",
      description: "",
      parameters,
      sweep: { kind: "grid", values: { leverage: [5, 20, 50], adl: [false, true] } },
      replications: 4,
      seed: 42,
      durationNs: 1,
      build,
    });
    const plan = await planExperiment(e);
    expect(plan.points.length).toBe(6);
    expect(plan.totalRuns).toBe(24);
    const r = runSpec(plan, 13);
    expect(r).toMatchObject({ runId: 13, pointIndex: 3, replication: 1, seed: runSeed(42, 13) });
    expect(r.params).toMatchObject({ leverage: 20, adl: true });
    const seeds = new Set(Array.from({ length: 24 }, (_, i) => runSpec(plan, i).seed));
    expect(seeds.size).toBe(24);
    expect(runSeed(42, 13)).toMatch(/^[0-9a-f]{32}$/);
    expect(runSeed("42", 13)).not.toBe(runSeed(42, 13));
  });

  it("pin a parameter given with --set", async () => {
    const e = defineExperiment({
      name: "g",
      description: "",
      parameters,
      sweep: { kind: "grid", values: { leverage: [5, 20, 50], adl: [false, true] } },
      seed: 42,
      durationNs: 1,
      build,
    });
    const plan = await planExperiment(e, { overrides: ["leverage=20", "capital=500"] });
    expect(plan.points.map((p) => [p.leverage, p.adl, p.capital])).toEqual([
      [20, false, 500],
      [20, true, 500],
    ]);
    const full = await planExperiment(e);
    expect(plan.configHash).not.toBe(full.configHash);
    expect((await planExperiment(e)).configHash).toBe(full.configHash);
  });
});

describe("conditional grid axes", () => {
  // The example: a whale on or off, its size swept only where it is on.
  const whaleParams = {
    ...parameters,
    whale: param.boolean({ default: false }),
    whaleBtc: param.number({ default: 60, min: 0, max: 500, description: "whale size", unit: "BTC" }),
  };
  const grid = (when: SweepCondition<typeof whaleParams>) =>
    ({
      kind: "grid" as const,
      values: { whale: [true, false], whaleBtc: { values: [30, 60, 120], when } },
    }) as Sweep;
  const whale = (sweep: Sweep, replications = 2) =>
    defineExperiment({
      name: "w",
      description: "",
      parameters: whaleParams,
      sweep: sweep as Sweep<typeof whaleParams>,
      replications,
      seed: 3,
      durationNs: 1,
      build,
    });

  it("run the world where the condition fails once, at the axis's default", () => {
    const plan = planSweep(grid({ whale: true }), whaleParams, 1);
    expect(plan.points.map((p) => `${p.whale}/${p.whaleBtc}`)).toEqual([
      "true/30",
      "true/60",
      "true/120",
      "false/60",
    ]);
    expect(plan.inactive).toEqual([[], [], [], ["whaleBtc"]]);
    expect(plan.conditions).toEqual({
      gridPoints: 6,
      points: 4,
      skippedPoints: 2,
      axes: { whaleBtc: { when: { whale: true }, inactivePoints: 1 } },
    });
    expect(sweepSize(grid({ whale: true }))).toBe(6);
    expect(sweepSize(grid({ whale: true }), whaleParams)).toBe(4);
  });

  it("give the same points written as a function, a declarative object or a list of values", () => {
    const declarative = planSweep(grid({ whale: true }), whaleParams, 1);
    expect(
      planSweep(
        grid((p) => p.whale),
        whaleParams,
        1,
      ).points,
    ).toEqual(declarative.points);
    expect(planSweep(grid({ whale: [true] }), whaleParams, 1).points).toEqual(declarative.points);
    expect(
      planSweep(
        grid((p) => p.whale),
        whaleParams,
        1,
      ).conditions?.axes.whaleBtc?.when,
    ).toMatch(/^function: /);
  });

  it("number runs densely over the points run, seeded by run id, deterministic across plans", async () => {
    const e = whale(grid({ whale: true }));
    const plan = await planExperiment(e);
    expect(plan.totalRuns).toBe(8);
    const r = runSpec(plan, 7);
    expect(r).toMatchObject({ runId: 7, pointIndex: 3, replication: 1, seed: runSeed(3, 7) });
    expect(r.params).toMatchObject({ whale: false, whaleBtc: 60 });
    expect(r.inactive).toEqual(["whaleBtc"]);
    expect(runSpec(plan, 0).inactive).toBeUndefined();
    const again = await planExperiment(e);
    expect(again.configHash).toBe(plan.configHash);
    expect(again.points).toEqual(plan.points);
  });

  it("hash a function condition by the points it gives", async () => {
    const on = await planExperiment(whale(grid((p) => p.whale)));
    const off = await planExperiment(whale(grid((p) => !p.whale)));
    // The text hashed for the sweep is the same (a function is "function"); the points differ.
    expect(canonicalJson(on.space.sweep)).toBe(canonicalJson(off.space.sweep));
    expect(on.configHash).not.toBe(off.configHash);
  });

  it("keep their condition when pinned with --set, and collapse when the condition's parameter is pinned", async () => {
    const e = whale(grid({ whale: true }));
    const pinned = await planExperiment(e, { overrides: ["whaleBtc=90"] });
    expect(pinned.points.map((p) => `${p.whale}/${p.whaleBtc}`)).toEqual(["true/90", "false/90"]);
    expect(pinned.inactive).toEqual([[], ["whaleBtc"]]);
    const noWhale = await planExperiment(e, { overrides: ["whale=false"] });
    expect(noWhale.points.map((p) => `${p.whale}/${p.whaleBtc}`)).toEqual(["false/60"]);
    expect(noWhale.conditions).toMatchObject({ gridPoints: 3, points: 1, skippedPoints: 2 });
  });

  it("name a bad condition's field and value", () => {
    expect(() => whale(grid({ whal: true } as never))).toThrowError(
      /experiment\.sweep\.values\.whaleBtc\.when\.whal = true: no such parameter \(did you mean whale\?\)/,
    );
    expect(() => whale(grid({ whale: "yes" } as never))).toThrowError(
      /experiment\.sweep\.values\.whaleBtc\.when\.whale = "yes": must be true or false/,
    );
    expect(() => whale(grid({ whaleBtc: 30 }))).toThrowError(/cannot be conditioned on itself/);
    expect(() =>
      whale({ kind: "grid", values: { whaleBtc: { values: [30, 900], when: { whale: true } } } } as Sweep),
    ).toThrowError(/experiment\.sweep\.values\.whaleBtc\.values\[1\] = 900: must be ≤ 500/);
    const bad = whale(grid(() => "yes" as never));
    return expect(planExperiment(bad)).rejects.toThrowError(
      /experiment\.sweep\.values\.whaleBtc\.when = "yes": must return true or false/,
    );
  });
});

describe("random and Latin hypercube sweeps", () => {
  it("hit each of the n strata of every dimension exactly once (LHS)", () => {
    const n = 50;
    const sweep = {
      kind: "lhs" as const,
      samples: n,
      ranges: { capital: [100, 10_100], leverage: [1, 100] },
    } as const;
    const points = sweepPoints(sweep, parameters, 7);
    expect(points.length).toBe(n);
    const strata = (key: string, lo: number, width: number) =>
      points.map((p) => Math.floor(((p[key] as number) - lo) / width)).sort((a, b) => a - b);
    const all = Array.from({ length: n }, (_, i) => i);
    expect(strata("capital", 100, 10_000 / n)).toEqual(all);
    // leverage is an integer on [1, 100]: 100 values, 2 per stratum
    expect(strata("leverage", 1, 100 / n)).toEqual(all);
    expect(points.every((p) => Number.isInteger(p.leverage))).toBe(true);
  });

  it("is seeded: the same seed gives the same points, another seed others", () => {
    const sweep = { kind: "lhs" as const, samples: 10 };
    expect(sweepPoints(sweep, parameters, 7)).toEqual(sweepPoints(sweep, parameters, 7));
    expect(sweepPoints(sweep, parameters, 7)).not.toEqual(sweepPoints(sweep, parameters, 8));
    const random = { kind: "random" as const, samples: 10 };
    expect(sweepPoints(random, parameters, 7)).toEqual(sweepPoints(random, parameters, 7));
  });

  it("samples every numeric parameter with min and max when no ranges are given, within bounds", () => {
    const points = sweepPoints({ kind: "random", samples: 200 }, parameters, 3);
    for (const p of points) {
      expect(p.capital).toBeGreaterThanOrEqual(100);
      expect(p.capital).toBeLessThanOrEqual(10_000);
      expect(p.leverage).toBeGreaterThanOrEqual(1);
      expect(p.leverage).toBeLessThanOrEqual(125);
      expect(p.mode).toBe("full");
    }
    expect(new Set(points.map((p) => p.capital)).size).toBe(200);
  });

  it("samples choices and booleans from their listed values", () => {
    const points = sweepPoints(
      { kind: "lhs", samples: 20, ranges: { mode: ["full", "partial"], adl: [false, true] } },
      parameters,
      3,
    );
    expect(points.filter((p) => p.mode === "partial").length).toBe(10);
    expect(points.filter((p) => p.adl === true).length).toBe(10);
  });
});

describe("derived parameters", () => {
  it("are evaluated with mathjs at every point, later ones using earlier ones", async () => {
    const e = defineExperiment({
      name: "d",
      description: "",
      parameters,
      derived: { notional: "capital * leverage", margin_ratio: "1 / leverage", big: "notional > 40000" },
      sweep: { kind: "grid", values: { leverage: [10, 50] } },
      seed: 1,
      durationNs: 1,
      build,
    });
    const plan = await planExperiment(e);
    expect(plan.points.map((p) => [p.notional, p.margin_ratio, p.big])).toEqual([
      [10_000, 0.1, 0],
      [50_000, 0.02, 1],
    ]);
    expect(plan.columns.map((c) => `${c.name}:${c.kind}`)).toEqual([
      "capital:float",
      "leverage:integer",
      "mode:choice",
      "adl:boolean",
      "notional:derived",
      "margin_ratio:derived",
      "big:derived",
    ]);
  });

  it("name the expression that does not parse or does not give a number", async () => {
    const mk = (expr: string) =>
      defineExperiment({
        name: "d",
        description: "",
        parameters,
        derived: { x: expr },
        seed: 1,
        durationNs: 1,
        build,
      });
    await expect(planExperiment(mk("capital *"))).rejects.toThrowError(
      /experiment\.derived\.x = "capital \*": does not parse/,
    );
    await expect(planExperiment(mk("nope + 1"))).rejects.toThrowError(
      /experiment\.derived\.x = "nope \+ 1": cannot be evaluated/,
    );
    await expect(planExperiment(mk("mode"))).rejects.toThrowError(/must give a finite number, gave full/);
  });
});
