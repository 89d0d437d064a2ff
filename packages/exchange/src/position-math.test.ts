import { BTCUSDT, Instrument } from "@cascade/core";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { BINANCE_BTCUSDT_TIERS, MarginTiers } from "./margin-tiers.ts";
import {
  adlScore,
  bankruptcyLimitTicks,
  bankruptcyPriceTicks,
  entryPriceTicks,
  estimateTriggerTicks,
  initialMarginUnits,
  isLiquidatable,
  liquidationTriggerTicks,
  maintenanceMarginUnits,
  marginBalanceUnits,
  type NotionalConvention,
  type PositionState,
  unrealizedPnlUnits,
} from "./position-math.ts";

// tick 0.1, lot 0.001, quote unit 0.0001 → m = 1; 1 BTC = 1000 lots, 20,000 USDT = 200,000 ticks.
const btc = new Instrument(BTCUSDT);
const m = btc.quotePerTickLot;
const usdt = (x: number) => btc.quoteToUnits(x);
const binance = new MarginTiers(BINANCE_BTCUSDT_TIERS, btc);
const flat05 = new MarginTiers(
  [{ maxNotional: Infinity, maintenanceMarginRate: "0.005", maxLeverage: 100 }],
  btc,
);

function open(sizeLots: number, entryTicks: number, marginUnits: number): PositionState {
  return { sizeLots, basisUnits: sizeLots * entryTicks * m, marginUnits };
}

describe("position value arithmetic", () => {
  const long = open(1000, 200_000, usdt(400));

  it("computes PnL, margin balance and entry price from the basis", () => {
    expect(m).toBe(1);
    expect(long.basisUnits).toBe(usdt(20_000));
    expect(unrealizedPnlUnits(long, 210_000, m)).toBe(usdt(1_000));
    expect(marginBalanceUnits(long, 210_000, m)).toBe(usdt(1_400));
    expect(entryPriceTicks(long, m)).toBe(200_000);
    expect(entryPriceTicks(open(-3, 100, 0), m)).toBe(100);
    expect(unrealizedPnlUnits(open(-1000, 200_000, 0), 190_000, m)).toBe(usdt(1_000));
  });

  it("takes initial margin as notional / leverage rounded up", () => {
    expect(initialMarginUnits(usdt(20_000), 50)).toBe(usdt(400));
    expect(initialMarginUnits(101, 50)).toBe(3);
  });

  it("treats a flat position as never liquidatable", () => {
    const flat = { sizeLots: 0, basisUnits: 0, marginUnits: 0 };
    expect(isLiquidatable(flat, 1, binance, m, "mark")).toBe(false);
    expect(maintenanceMarginUnits(flat, 100, binance, m, "mark")).toBe(0);
    expect(liquidationTriggerTicks(flat, binance, m, "mark")).toBe(-1);
    expect(bankruptcyLimitTicks(flat, m)).toBe(-1);
    expect(bankruptcyPriceTicks(flat, m)).toBeNaN();
  });
});

describe("Bybit worked example (long 1 BTC at 20,000, 50×, MMR 0.5 %, entry convention)", () => {
  const long = open(1000, 200_000, initialMarginUnits(usdt(20_000), 50));

  it("has initial margin 400, liquidation 19,700 and bankruptcy 19,600", () => {
    expect(long.marginUnits).toBe(usdt(400));
    expect(maintenanceMarginUnits(long, 150_000, flat05, m, "entry")).toBe(usdt(100));
    expect(liquidationTriggerTicks(long, flat05, m, "entry")).toBe(btc.priceToTicks("19700"));
    expect(isLiquidatable(long, 197_000, flat05, m, "entry")).toBe(true);
    expect(isLiquidatable(long, 197_001, flat05, m, "entry")).toBe(false);
    expect(bankruptcyPriceTicks(long, m)).toBe(btc.priceToTicks("19600"));
    expect(bankruptcyLimitTicks(long, m)).toBe(196_000);
    expect(marginBalanceUnits(long, 196_000, m)).toBe(0);
  });

  it("is mirrored for a short: liquidation 20,300, bankruptcy 20,400", () => {
    const short = open(-1000, 200_000, usdt(400));
    expect(liquidationTriggerTicks(short, flat05, m, "entry")).toBe(203_000);
    expect(isLiquidatable(short, 202_999, flat05, m, "entry")).toBe(false);
    expect(bankruptcyPriceTicks(short, m)).toBe(204_000);
    expect(bankruptcyLimitTicks(short, m)).toBe(204_000);
  });
});

describe("Binance convention, against LP = (WB + cum − side·Q·EP) / (Q·MMR − side·Q)", () => {
  // 10 BTC at 30,000 = 300,000 USDT notional: tier 3 (1 %, cum 1,300); 20× → WB 15,000.
  it("long: LP = (15,000 + 1,300 − 300,000) / (0.1 − 10) = 28,656.5656… → highest tick 28,656.5", () => {
    const long = open(10_000, 300_000, usdt(15_000));
    const lp = (15_000 + 1_300 - 300_000) / (10 * 0.01 - 10);
    expect(lp).toBeCloseTo(28_656.5656, 3);
    expect(estimateTriggerTicks(long, binance, m, "mark")).toBeCloseTo(lp * 10, 6);
    const trigger = liquidationTriggerTicks(long, binance, m, "mark");
    expect(trigger).toBe(286_565);
    expect(trigger).toBe(Math.floor(lp * 10));
    // By hand at 286,565: MB = 15,000 − 10 × 1,343.5 = 1,565.0 ≤ MM = 28,656.5 − 1,300 = 1,565.65.
    expect(marginBalanceUnits(long, trigger, m)).toBe(usdt(1_565));
    expect(maintenanceMarginUnits(long, trigger, binance, m, "mark")).toBe(usdt(1_565.65));
  });

  it("short: LP = (15,000 + 1,300 + 300,000) / (0.1 + 10) = 31,316.83… → lowest tick 31,316.9", () => {
    const short = open(-10_000, 300_000, usdt(15_000));
    const lp = (15_000 + 1_300 + 300_000) / (10 * 0.01 + 10);
    const trigger = liquidationTriggerTicks(short, binance, m, "mark");
    expect(trigger).toBe(313_169);
    expect(trigger).toBe(Math.ceil(lp * 10));
    expect(isLiquidatable(short, trigger - 1, binance, m, "mark")).toBe(false);
  });

  it("recomputes in the lower tier when the liquidation notional falls there", () => {
    // 10 BTC at 26,000 = 260,000 USDT (tier 3, 1 %), 10× → WB 26,000. Tier 3's formula gives
    // 23,505 (notional 235,050 < 250,000: inconsistent); tier 2 (0.5 %, cum 50) gives
    // (26,000 + 50 − 260,000) / (0.05 − 10) = 23,512.56…, notional 235,125.6: consistent.
    const long = open(10_000, 260_000, usdt(26_000));
    const naive = ((26_000 + 1_300 - 260_000) / (0.1 - 10)) * 10;
    const tier2 = ((26_000 + 50 - 260_000) / (0.05 - 10)) * 10;
    const trigger = liquidationTriggerTicks(long, binance, m, "mark");
    expect(trigger).toBe(Math.floor(tier2));
    expect(trigger).toBe(235_125);
    expect(Math.floor(naive)).not.toBe(trigger);
    expect(binance.tierIndexFor(Math.abs(long.sizeLots) * trigger * m)).toBe(1);
    expect(binance.tierIndexFor(long.basisUnits)).toBe(2);
    // Entry convention keeps tier 3's MM of 1,300 USDT: 10·P ≤ 260,000 − 26,000 + 1,300 → 23,530.0.
    expect(liquidationTriggerTicks(long, binance, m, "entry")).toBe(235_300);
  });

  it("reports no trigger for an over-collateralised long or a short beyond the price cap", () => {
    const safeLong = open(1000, 200_000, usdt(20_000));
    expect(liquidationTriggerTicks(safeLong, binance, m, "mark")).toBe(-1);
    const short = open(-1000, 200_000, usdt(20_000)); // bankrupt at 40,000
    expect(liquidationTriggerTicks(short, binance, m, "mark", 300_000)).toBe(-1);
    expect(liquidationTriggerTicks(short, binance, m, "mark")).toBeGreaterThan(390_000);
  });

  it("clamps to the search range when liquidatable everywhere in it", () => {
    const broke = open(1000, 200_000, -usdt(1)); // negative margin: liquidatable at any price ≤ ~20,000
    expect(liquidationTriggerTicks(broke, binance, m, "mark", 150_000)).toBe(150_000);
    const brokeShort = open(-1000, 200_000, -usdt(20_000)); // balance −0.1 USDT even at 1 tick
    expect(liquidationTriggerTicks(brokeShort, binance, m, "mark")).toBe(1);
  });
});

describe("liquidationTriggerTicks is exactly the boundary of isLiquidatable", () => {
  const instruments = [
    btc,
    new Instrument({ ...BTCUSDT, symbol: "X", tickSize: "0.5", lotSize: "0.01", quoteUnit: "0.001" }), // m = 5
  ];
  const arbPosition = fc.record({
    side: fc.constantFrom(1, -1),
    sizeLots: fc.integer({ min: 1, max: 200_000 }),
    entryTicks: fc.integer({ min: 100, max: 2_000_000 }),
    leverage: fc.integer({ min: 1, max: 125 }),
    extraPpm: fc.integer({ min: -500_000, max: 2_000_000 }),
    instrument: fc.constantFrom(0, 1),
    convention: fc.constantFrom<NotionalConvention>("mark", "entry"),
  });

  it("holds for random positions under both conventions", () => {
    fc.assert(
      fc.property(arbPosition, (a) => {
        const inst = instruments[a.instrument]!;
        const mm = inst.quotePerTickLot;
        const tiers = new MarginTiers(BINANCE_BTCUSDT_TIERS, inst);
        const notional = a.sizeLots * a.entryTicks * mm;
        const im = Math.ceil(notional / a.leverage);
        const pos: PositionState = {
          sizeLots: a.side * a.sizeLots,
          basisUnits: a.side * notional,
          marginUnits: im + Math.trunc((im * a.extraPpm) / 1e6),
        };
        const maxP = 4_000_000;
        const liq = (p: number) => isLiquidatable(pos, p, tiers, mm, a.convention);
        const t = liquidationTriggerTicks(pos, tiers, mm, a.convention, maxP);
        if (a.side > 0) {
          if (t === -1) return !liq(1);
          return liq(t) && (t === maxP || !liq(t + 1)) && liq(Math.max(1, t - 1)) && liq(Math.ceil(t / 2));
        }
        if (t === -1) return !liq(maxP);
        return liq(t) && (t === 1 || !liq(t - 1)) && liq(Math.min(maxP, 2 * t)) && (t < 2 || !liq(t >> 1));
      }),
      { numRuns: 2_000 },
    );
  });

  it("stays within a few ticks of the closed-form estimate", () => {
    fc.assert(
      fc.property(arbPosition, (a) => {
        const tiers = binance;
        const notional = a.sizeLots * a.entryTicks * m;
        const im = Math.ceil(notional / a.leverage);
        const pos = { sizeLots: a.side * a.sizeLots, basisUnits: a.side * notional, marginUnits: im };
        const t = liquidationTriggerTicks(pos, tiers, m, a.convention, 4_000_000);
        const est = estimateTriggerTicks(pos, tiers, m, a.convention);
        if (t === -1 || t === 1 || t === 4_000_000) return true;
        return Math.abs(t - est) <= 2;
      }),
      { numRuns: 1_000 },
    );
  });
});

describe("adlScore (BitMEX)", () => {
  it("multiplies a profit by effective leverage", () => {
    // Long 1 BTC at 20,000 with 400 margin, mark 21,000: PnL% = 5 %, margin balance 1,400,
    // effective leverage 21,000 / 1,400 = 15 → 0.75.
    expect(adlScore(open(1000, 200_000, usdt(400)), 210_000, m)).toBeCloseTo(0.75, 12);
  });

  it("divides a loss by effective leverage", () => {
    // Short 1 BTC at 20,000 with 2,000 margin, mark 21,000: PnL% = −5 %, balance 1,000, lev 21.
    expect(adlScore(open(-1000, 200_000, usdt(2_000)), 210_000, m)).toBeCloseTo(-0.05 / 21, 12);
  });

  it("ranks a profitable short by the same rule and puts flat accounts last", () => {
    // Short at 20,000, mark 19,000: PnL% = +5 %, balance 400 + 1,000, lev 19,000 / 1,400.
    expect(adlScore(open(-1000, 200_000, usdt(400)), 190_000, m)).toBeCloseTo(0.05 * (19_000 / 1_400), 12);
    expect(adlScore({ sizeLots: 0, basisUnits: 0, marginUnits: 5 }, 1, m)).toBe(Number.NEGATIVE_INFINITY);
    const higherLev = adlScore(open(1000, 200_000, usdt(200)), 210_000, m);
    expect(higherLev).toBeGreaterThan(adlScore(open(1000, 200_000, usdt(400)), 210_000, m));
  });
});
