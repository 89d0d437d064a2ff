import { ConfigError } from "@cascade/core";
import { describe, expect, it } from "vitest";
import { param } from "../params.ts";
import { checkMetrics, parseTargets } from "./targets.ts";

const parameters = {
  volatility: param.number({ default: 0.004, min: 0.0001, max: 0.05, description: "index volatility" }),
  traders: param.number({ default: 20, min: 1, max: 1000, integer: true, description: "accounts" }),
  mode: param.choice(["full", "partial"], { default: "full" }),
  probe: param.boolean({ default: false }),
};

const good = {
  parameters: { volatility: { min: 0.001, max: 0.01, log: true }, traders: { min: 5, max: 50 } },
  fixed: { mode: "partial", probe: "yes" },
  moments: [
    { metric: "max_drawdown", target: 0.01, se: 0.002, source: "Coinglass" },
    { metric: "spread_bp", target: 1.5, weight: 4, source: "Kaiko" },
  ],
};

/** The message of the ConfigError `parseTargets` throws for `json`. */
function errorOf(json: unknown): string {
  try {
    parseTargets(json, parameters);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as Error).message;
  }
  throw new Error("parseTargets accepted it");
}

const withMoment = (m: Record<string, unknown>) => ({ ...good, moments: [m] });

describe("the targets file", () => {
  it("is read with its defaults filled in", () => {
    const t = parseTargets(good, parameters);
    expect(t.parameters).toEqual([
      { name: "volatility", min: 0.001, max: 0.01, log: true, integer: false },
      { name: "traders", min: 5, max: 50, log: false, integer: true },
    ]);
    expect(t.fixed).toEqual({ mode: "partial", probe: true });
    expect(t.replications).toBe(8);
    expect(t.search).toEqual({
      initial: 8,
      starts: 2,
      maxEvaluations: 68,
      step: 0.1,
      xtol: 1e-3,
      ftol: 1e-6,
    });
    expect(t.uncertainty).toEqual({ step: 0.02 });
  });

  it("takes command-line overrides of replications, seed and budget", () => {
    const t = parseTargets(good, parameters, { replications: 3, seed: "s", maxEvaluations: 20 });
    expect([t.replications, t.seed, t.search.maxEvaluations]).toEqual([3, "s", 20]);
  });

  it("names the field and the value of each mistake", () => {
    expect(errorOf({ ...good, moments: [{ ...good.moments[0], se: -0.2 }] })).toBe(
      "targets.moments[0].se = -0.2: must be > 0",
    );
    expect(errorOf(withMoment({ metric: "x", target: 1, source: "s" }))).toBe(
      'targets.moments[0] = "x": needs se (weight 1/se²) or weight',
    );
    expect(errorOf(withMoment({ metric: "x", target: 1, se: 1 }))).toMatch(
      /^targets\.moments\[0\]\.source = undefined: /,
    );
    expect(errorOf({ ...good, parameters: { levrage: { min: 1, max: 2 } } })).toMatch(
      /^targets\.parameters\.levrage = .*: no such parameter \(parameters: volatility, traders, mode, probe\)$/,
    );
    expect(errorOf({ ...good, parameters: { mode: { min: 1, max: 2 } } })).toMatch(
      /only numbers can be fitted/,
    );
    expect(errorOf({ ...good, parameters: { volatility: { min: 0.01, max: 0.001 } } })).toBe(
      "targets.parameters.volatility.max = 0.001: must be > min (0.01)",
    );
    expect(errorOf({ ...good, parameters: { volatility: { min: 0.001, max: 0.5 } } })).toBe(
      "targets.parameters.volatility.max = 0.5: must be ≤ the parameter's max (0.05)",
    );
    expect(
      errorOf({
        ...good,
        parameters: { traders: { min: 0, max: 10 }, volatility: { min: 0.001, max: 0.002 } },
      }),
    ).toBe("targets.parameters.traders.min = 0: must be ≥ the parameter's min (1)");
    expect(
      errorOf({ ...good, parameters: { volatility: { min: 0.001, max: 0.01 } }, fixed: { traders: "many" } }),
    ).toBe('targets.fixed.traders = "many": must be a number (an integer)');
    expect(errorOf({ ...good, fixed: { volatility: 0.002 } })).toBe(
      "targets.fixed.volatility = 0.002: is fitted: it cannot also be fixed",
    );
    expect(errorOf({ ...good, moments: [good.moments[0], good.moments[0]] })).toBe(
      'targets.moments[1].metric = "max_drawdown": is already a target',
    );
    expect(errorOf({ ...good, moments: [] })).toBe("targets.moments = []: must list at least one moment");
    expect(errorOf({ ...good, seeds: 3 })).toBe("targets.seeds = 3: is not a field of a targets file");
    expect(errorOf({ ...good, search: { initial: 10, maxEvaluations: 5 } })).toBe(
      "targets.search.maxEvaluations = 5: must be ≥ the initial design's 10 points",
    );
    expect(errorOf({ ...good, replications: 0 })).toBe("targets.replications = 0: must be ≥ 1");
  });

  it("refuses a log scale that reaches zero", () => {
    const p = { x: param.number({ default: 1, min: 0, max: 10, description: "x" }) };
    expect(() =>
      parseTargets({ parameters: { x: { min: 0, max: 10, log: true } }, moments: good.moments }, p),
    ).toThrowError("targets.parameters.x.min = 0: must be > 0 on a log scale");
  });

  it("names the metrics the runs report when a target names another", () => {
    const t = parseTargets(good, parameters);
    expect(() => checkMetrics(t.moments, ["spread_bp"])).not.toThrow();
    expect(() => checkMetrics(t.moments, [])).toThrowError(
      /^targets\.moments\[1\]\.metric = "spread_bp": is not a metric of the experiment's runs \(metrics: liquidations, .*\)$/,
    );
  });
});
