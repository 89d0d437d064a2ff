import { BTCUSDT, ConfigError, hours, minutes, NS_PER_MINUTE } from "@cascade/core";
import { createWorld, type WorldConfig } from "@cascade/sim";
import { describe, expect, it } from "vitest";
import {
  activityMultiplier,
  BackgroundTraders,
  expectedReturn,
  limitPriceTicks,
  paretoLots,
  resolveBackgroundTradersConfig,
} from "./background-traders.ts";
import { MarketMaker } from "./market-maker.ts";

describe("the decision rule", () => {
  it("adds the fundamentalist, chartist and noise terms of the expected return", () => {
    // 0.5·(110 − 100)/100 + 1·0.02 + 2·(−0.01) = 0.05 + 0.02 − 0.02
    expect(expectedReturn(100, 110, 0.02, -0.01, 0.5, 1, 2)).toBeCloseTo(0.05, 12);
    // A contrarian (w_c < 0) sells into a rising trend when the price is at its fundamental.
    expect(expectedReturn(100, 100, 0.01, 0, 1, -0.5, 0)).toBeCloseTo(-0.005, 12);
    // A pure fundamentalist buys below F and sells above it.
    expect(expectedReturn(100, 101, 0, 0, 1, 0, 0)).toBeGreaterThan(0);
    expect(expectedReturn(100, 99, 0, 0, 1, 0, 0)).toBeLessThan(0);
  });

  it("prices a buy below and a sell above the expected price", () => {
    // p̂ = 1000 × 1.01 = 1010; buy at floor(1010 × 0.995) = 1004 (floor of 1004.95).
    expect(limitPriceTicks(1000, 0.01, 0.005)).toBe(1004);
    // p̂ = 990; sell at ceil(990 × 1.005) = ceil(994.95) = 995.
    expect(limitPriceTicks(1000, -0.01, 0.005)).toBe(995);
    // Without an offset a buy sits exactly at p̂ (marketable when p̂ is above the best ask).
    expect(limitPriceTicks(1000, 0.002, 0)).toBe(1002);
    expect(limitPriceTicks(3, -0.9, 0.5)).toBe(1); // never below one tick
  });

  it("draws Pareto sizes by inversion, capped", () => {
    expect(paretoLots(0, 10, 2, 1000)).toBe(10);
    expect(paretoLots(0.75, 10, 2, 1000)).toBe(20); // 10 / 0.25^(1/2)
    expect(paretoLots(0.999999, 10, 1.5, 1000)).toBe(1000);
  });

  it("raises activity only when short-run volatility exceeds the long-run level", () => {
    expect(activityMultiplier(2e-4, 1e-4, 1.5, 5)).toBeCloseTo(2.5, 12);
    expect(activityMultiplier(5e-5, 1e-4, 1.5, 5)).toBe(1);
    expect(activityMultiplier(1e-2, 1e-4, 1.5, 5)).toBe(5);
    expect(activityMultiplier(2e-4, 0, 1.5, 5)).toBe(1);
    expect(activityMultiplier(2e-4, 1e-4, 0, 5)).toBe(1);
  });
});

describe("configuration", () => {
  it("fills in defaults", () => {
    const c = resolveBackgroundTradersConfig({ venue: "perp" });
    expect(c.count).toBe(200);
    expect(c.name).toBe("background");
    expect(c.accountCount).toBeUndefined();
  });

  it("refuses bad values, naming the field", () => {
    const bad: [Record<string, unknown>, RegExp][] = [
      [{ count: 0 }, /^backgroundTraders\.count = 0: /],
      [{ ratePerSecond: -1 }, /^backgroundTraders\.ratePerSecond/],
      [{ marketOrderProbability: 1.5 }, /^backgroundTraders\.marketOrderProbability/],
      [{ lookbackMinNs: 10, lookbackMaxNs: 5 }, /^backgroundTraders\.lookbackMaxNs/],
      [{ minOrderLots: 10, maxOrderLots: 5 }, /^backgroundTraders\.maxOrderLots/],
      [{ accountCount: 300 }, /^backgroundTraders\.accountCount/],
      [{ fundamental: "oracle" }, /^backgroundTraders\.fundamental/],
      [{ leverage: 0 }, /^backgroundTraders\.leverage/],
      [{ venue: "" }, /^backgroundTraders\.venue/],
    ];
    for (const [over, re] of bad) {
      const f = () => new BackgroundTraders({ venue: "perp", ...over } as never);
      expect(f).toThrowError(ConfigError);
      expect(f).toThrowError(re);
    }
  });
});

/** A calm perpetual: an almost constant index, a maker and the background population. */
function calmWorld(
  seed: number,
  bg: BackgroundTraders,
  mm = new MarketMaker({ venue: "perp" }),
): WorldConfig {
  return {
    seed,
    venues: [
      {
        kind: "perp",
        name: "perp",
        config: {
          instrument: BTCUSDT,
          minPriceTicks: 1,
          maxPriceTicks: 2_000_000,
          makerFeePpm: 0,
          takerFeePpm: 400,
        },
        index: { process: { initialTicks: 700_000, volatilityPerSqrtSecond: 1e-6 } },
      },
    ],
    agents: [mm, bg],
    recorder: { intervalNs: NS_PER_MINUTE },
  };
}

describe("BackgroundTraders in a world", () => {
  it("draws traits per trader, with the chartist weights balanced around their mean", () => {
    const bg = new BackgroundTraders({ venue: "perp", count: 100, chartistWeightMean: 0.05 });
    createWorld(calmWorld(1, bg)).run(1);
    const mean = bg.chartistWeight.reduce((a, b) => a + b, 0) / 100;
    expect(mean).toBeCloseTo(0.05, 12);
    expect(Math.min(...bg.fundamentalWeight)).toBeGreaterThanOrEqual(0);
    expect(Math.min(...bg.noiseWeight)).toBeGreaterThanOrEqual(0);
    expect(new Set(bg.lookbackSamples).size).toBeGreaterThan(30);
  });

  it("trades at Poisson times, lets orders expire, and keeps the book two-sided around the index", () => {
    const bg = new BackgroundTraders({ venue: "perp", activityVolatility: 0 });
    const mm = new MarketMaker({ venue: "perp" });
    const w = createWorld({ ...calmWorld(2, bg, mm), checks: "sample" });
    const r = w.run(minutes(20));
    // N·λ = 10 actions per second.
    expect(bg.actions).toBeGreaterThan(0.9 * 10 * 1200);
    expect(bg.actions).toBeLessThan(1.1 * 10 * 1200);
    expect(bg.marketOrders / bg.actions).toBeCloseTo(0.1, 1);
    expect(bg.expired).toBeGreaterThan(1000);
    // Resting orders are at most about one lifetime's worth of limit orders.
    expect(bg.restingOrders).toBeLessThan(60 * 10);
    expect(bg.rejects).toBeLessThan(bg.actions / 100);
    expect(mm.filledLots).toBeGreaterThan(0);
    const mid = r.timeseries.mid!;
    for (let i = 2; i < mid.length; i++) expect(Math.abs(mid[i]! / 70_000 - 1)).toBeLessThan(0.01);
    expect(r.summary.conservation_error).toBe(0);
  });

  it("trades on a spot venue from cash and asset, with its own fundamental walk", () => {
    const bg = new BackgroundTraders({ venue: "spot", count: 50, ratePerSecond: 0.2, initialPrice: "70000" });
    const mm = new MarketMaker({ venue: "spot", maxInventoryLots: 2_000, initialPrice: "70000" });
    const w = createWorld({
      seed: 3,
      venues: [
        {
          kind: "spot",
          name: "spot",
          config: { instrument: BTCUSDT, minPriceTicks: 1, maxPriceTicks: 2_000_000 },
        },
        {
          kind: "perp",
          name: "perp",
          config: { instrument: BTCUSDT, minPriceTicks: 1, maxPriceTicks: 2_000_000 },
          index: { sources: ["spot"] },
        },
      ],
      agents: [mm, bg],
      checks: "sample",
    });
    const r = w.run(minutes(10));
    expect(bg.isSpot).toBe(true);
    expect(mm.isSpot).toBe(true);
    expect(bg.actions).toBeGreaterThan(0.9 * 10 * 600);
    expect(bg.rejects).toBeLessThan(bg.actions / 100);
    expect(mm.filledLots).toBeGreaterThan(0);
    expect(Math.abs(bg.fundamentalTicks / 700_000 - 1)).toBeLessThan(0.01);
    const spotMid = r.timeseries.spot_mid_spot!;
    expect(Math.abs(spotMid.at(-1)! / 70_000 - 1)).toBeLessThan(0.01);
  });
});

/** Sample moments of 1-minute log returns. */
function returnStats(mid: ArrayLike<number>, skip: number) {
  const r: number[] = [];
  for (let i = skip + 1; i < mid.length; i++) r.push(Math.log(mid[i]! / mid[i - 1]!));
  const n = r.length;
  const mean = r.reduce((a, b) => a + b, 0) / n;
  const d = r.map((x) => x - mean);
  const v = d.reduce((a, b) => a + b * b, 0) / n;
  const excessKurtosis = d.reduce((a, b) => a + b ** 4, 0) / n / (v * v) - 3;
  const acf = (y: number[], lag: number) => {
    const m = y.reduce((a, b) => a + b, 0) / y.length;
    let num = 0;
    let den = 0;
    for (let i = 0; i < y.length; i++) {
      den += (y[i]! - m) ** 2;
      if (i >= lag) num += (y[i]! - m) * (y[i - lag]! - m);
    }
    return num / den;
  };
  return { n, returns: r, excessKurtosis, ac1: acf(r, 1), absAc1: acf(r.map(Math.abs), 1) };
}

describe("stylized facts of a calm market (Cont 2001)", () => {
  it("1-minute mid returns have heavy tails, clustered volatility and no lag-1 autocorrelation", () => {
    const pooled: number[] = [];
    for (const seed of [1, 3, 7]) {
      const bg = new BackgroundTraders({ venue: "perp" });
      const mm = new MarketMaker({ venue: "perp" });
      const r = createWorld(calmWorld(seed, bg, mm)).run(hours(6));
      const mid = r.timeseries.mid!;
      expect(mid.every((x, i) => i === 0 || Number.isFinite(x))).toBe(true);
      expect(mm.pulls).toBe(0);
      const s = returnStats(mid, 5);
      expect(s.n).toBeGreaterThan(350);
      expect(s.excessKurtosis).toBeGreaterThan(0);
      expect(Math.abs(s.ac1)).toBeLessThan(0.15);
      expect(s.absAc1).toBeGreaterThan(0);
      pooled.push(s.ac1);
    }
    // The three runs' lag-1 autocorrelations average out near zero.
    expect(Math.abs(pooled.reduce((a, b) => a + b, 0) / pooled.length)).toBeLessThan(0.1);
  }, 60_000);
});
