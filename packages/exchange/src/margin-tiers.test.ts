import { BTCUSDT, ConfigError, Instrument } from "@cascade/core";
import { describe, expect, it } from "vitest";
import { BINANCE_BTCUSDT_TIERS, type MarginTierSpec, MarginTiers } from "./margin-tiers.ts";

const btc = new Instrument(BTCUSDT); // 10^-4 USDT quote units
const usdt = (x: number) => x * 10_000;
const tiers = new MarginTiers(BINANCE_BTCUSDT_TIERS, btc);

function withTier(i: number, patch: Partial<MarginTierSpec>): MarginTierSpec[] {
  return BINANCE_BTCUSDT_TIERS.map((t, j) => (j === i ? { ...t, ...patch } : t));
}

describe("MarginTiers", () => {
  it("derives the published maintenance amounts from the rates", () => {
    expect(tiers.tiers.map((t) => t.maintenanceAmountUnits / 10_000)).toEqual([
      0, 50, 1_300, 16_300, 266_300, 1_266_300, 2_516_300, 5_016_300, 25_016_300, 100_016_300,
    ]);
    expect(tiers.tiers[1]).toEqual({
      maxNotionalUnits: usdt(250_000),
      mmrPpm: 5_000,
      maintenanceAmountUnits: usdt(50),
      maxLeverage: 100,
    });
    expect(tiers.positionLimitUnits).toBe(usdt(500_000_000));
  });

  it("reproduces the continuity check 250,000 × 0.5 % − 50 = 1,200 = 250,000 × 1 % − 1,300", () => {
    expect(tiers.maintenanceMargin(usdt(250_000))).toBe(usdt(1_200));
    const t2 = tiers.tiers[2]!;
    expect(usdt(250_000) * 0.01 - t2.maintenanceAmountUnits).toBe(usdt(1_200));
  });

  it("is continuous at every bound: MM just below, at and just above agree within one unit of slope", () => {
    for (let i = 0; i < tiers.tiers.length - 1; i++) {
      const bound = tiers.tiers[i]!.maxNotionalUnits;
      const lower = tiers.tiers[i]!;
      const upper = tiers.tiers[i + 1]!;
      // Both tiers' formulas give the same MM exactly at the bound.
      const viaLower = Math.ceil((bound * lower.mmrPpm) / 1e6) - lower.maintenanceAmountUnits;
      const viaUpper = Math.ceil((bound * upper.mmrPpm) / 1e6) - upper.maintenanceAmountUnits;
      expect(viaUpper).toBe(viaLower);
      expect(tiers.maintenanceMargin(bound)).toBe(viaLower);
      // One unit either side moves MM by at most ceil(rate) = 1 unit.
      expect(tiers.maintenanceMargin(bound) - tiers.maintenanceMargin(bound - 1)).toBeLessThanOrEqual(1);
      expect(tiers.maintenanceMargin(bound + 1) - tiers.maintenanceMargin(bound)).toBeLessThanOrEqual(1);
      expect(tiers.maintenanceMargin(bound + 1)).toBeGreaterThanOrEqual(tiers.maintenanceMargin(bound));
    }
  });

  it("uses inclusive upper bounds and the last tier beyond the limit", () => {
    expect(tiers.tierIndexFor(0)).toBe(0);
    expect(tiers.tierIndexFor(usdt(50_000))).toBe(0);
    expect(tiers.tierIndexFor(usdt(50_000) + 1)).toBe(1);
    expect(tiers.tierIndexFor(usdt(10_000_000))).toBe(3);
    expect(tiers.tierIndexFor(usdt(1e9))).toBe(9);
    expect(tiers.maintenanceMargin(0)).toBe(0);
    expect(tiers.maintenanceMargin(usdt(5_000_000))).toBe(usdt(5_000_000 * 0.025 - 16_300));
  });

  it("rounds the maintenance margin up", () => {
    expect(tiers.maintenanceMargin(1)).toBe(1); // 0.004 units → 1
    expect(tiers.maintenanceMargin(250)).toBe(1);
    expect(tiers.maintenanceMargin(251)).toBe(2);
  });

  it("answers leverage queries", () => {
    expect(tiers.maxLeverageFor(usdt(40_000))).toBe(125);
    expect(tiers.maxLeverageFor(usdt(300_000))).toBe(50);
    expect(tiers.maxNotionalForLeverage(125)).toBe(usdt(50_000));
    expect(tiers.maxNotionalForLeverage(100)).toBe(usdt(250_000));
    expect(tiers.maxNotionalForLeverage(21)).toBe(usdt(1_000_000));
    expect(tiers.maxNotionalForLeverage(20)).toBe(usdt(10_000_000));
    expect(tiers.maxNotionalForLeverage(1)).toBe(usdt(500_000_000));
    expect(tiers.maxNotionalForLeverage(126)).toBe(0);
  });

  it("accepts an unbounded last tier", () => {
    const open = new MarginTiers(
      [
        { maxNotional: 1000, maintenanceMarginRate: "0.01", maxLeverage: 50 },
        { maxNotional: "Infinity", maintenanceMarginRate: "0.02", maxLeverage: 25 },
      ],
      btc,
    );
    expect(open.positionLimitUnits).toBe(Infinity);
    expect(open.tiers[1]!.maintenanceAmountUnits).toBe(usdt(10));
    expect(open.maxNotionalForLeverage(25)).toBe(Infinity);
  });

  describe("rejects bad tables, naming the field", () => {
    const cases: [string, MarginTierSpec[], RegExp][] = [
      [
        "decreasing rate",
        withTier(2, { maintenanceMarginRate: "0.004" }),
        /^tiers\[2\]\.maintenanceMarginRate = "0.004"/,
      ],
      [
        "malformed rate",
        withTier(1, { maintenanceMarginRate: "half" }),
        /^tiers\[1\]\.maintenanceMarginRate/,
      ],
      ["rate finer than 1 ppm", withTier(0, { maintenanceMarginRate: "0.0040001" }), /1 ppm/],
      ["zero rate", withTier(0, { maintenanceMarginRate: "0" }), /^tiers\[0\]\.maintenanceMarginRate/],
      [
        "bound not increasing",
        withTier(3, { maxNotional: "1000000" }),
        /^tiers\[3\]\.maxNotional = "1000000"/,
      ],
      ["bound off the quote unit", withTier(0, { maxNotional: "50000.00001" }), /^tiers\[0\]\.maxNotional/],
      [
        "infinite middle bound",
        withTier(4, { maxNotional: Infinity }),
        /^tiers\[4\]\.maxNotional = Infinity/,
      ],
      ["leverage rising", withTier(2, { maxLeverage: 101 }), /^tiers\[2\]\.maxLeverage = 101/],
      ["fractional leverage", withTier(0, { maxLeverage: 12.5 }), /^tiers\[0\]\.maxLeverage/],
      [
        "leverage with IM ≤ MMR",
        withTier(0, { maxLeverage: 250 }),
        /^tiers\[0\]\.maxLeverage = 250: initial margin/,
      ],
    ];
    for (const [name, specs, message] of cases) {
      it(name, () => {
        expect(() => new MarginTiers(specs, btc)).toThrowError(ConfigError);
        expect(() => new MarginTiers(specs, btc)).toThrowError(message);
      });
    }

    it("an empty table", () => {
      expect(() => new MarginTiers([], btc)).toThrowError(/^tiers = \[\]/);
    });

    it("a fractional maintenance amount", () => {
      // 0.0001 USDT units: bound 1.0001 USDT = 10,001 units × 1 ppm step is not whole.
      const specs = [
        { maxNotional: "1.0001", maintenanceMarginRate: "0.01", maxLeverage: 50 },
        { maxNotional: "100", maintenanceMarginRate: "0.010001", maxLeverage: 50 },
      ];
      expect(() => new MarginTiers(specs, btc)).toThrowError(
        /^tiers\[1\]\.maintenanceMarginRate.*fractional/,
      );
    });
  });
});
