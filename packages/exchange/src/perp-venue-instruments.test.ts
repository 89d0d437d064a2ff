/**
 * The perpetual venue on an instrument whose tick × lot is not one quote unit: every margin,
 * maintenance, bankruptcy and liquidation figure must carry the factor m = quotePerTickLot, and a
 * bankruptcy price between two ticks must round the liquidation order's limit to the side that
 * never fills beyond bankruptcy.
 *
 * COARSE: tick 0.5 USDT, lot 0.01 BTC, quote unit 0.0001 USDT, so m = 0.005 / 0.0001 = 50 units per
 * tick·lot; 1 BTC = 100 lots, 20,000 USDT = 40,000 ticks, 1 USDT = 10,000 units.
 */

import { type InstrumentSpec, RejectCode, Side } from "@cascade/core";
import { TimeInForce } from "@cascade/matching-engine";
import { describe, expect, it } from "vitest";
import { LiquidationStage } from "./liquidation-log.ts";
import type { PerpVenueConfig } from "./perp-config.ts";
import {
  fundedAccount,
  logRows,
  makeVenue,
  moveTo,
  oid,
  SEC,
  SINGLE_TIER,
  trade,
  USDT,
} from "./perp-venue.testkit.ts";
import { INSURANCE_FUND } from "./perp-venue.ts";
import { decodeVenueEvents } from "./venue-events.ts";

const COARSE: InstrumentSpec = {
  symbol: "BTCUSDT-COARSE",
  baseAsset: "BTC",
  quoteAsset: "USDT",
  tickSize: "0.5",
  lotSize: "0.01",
  quoteUnit: "0.0001",
};
/** Lots per BTC on COARSE. */
const BTC = 100;

function coarse(extra: Partial<PerpVenueConfig> = {}) {
  const f = makeVenue({ instrument: COARSE, maxPriceTicks: 100_000, ...extra });
  f.index.priceTicks = 40_000;
  expect(f.v.instrument.quotePerTickLot).toBe(50);
  return f;
}

/** The Bybit pair on COARSE: alice isolated long 1 BTC at 20,000 at 50×, bob isolated short, 1,000 USDT each. */
function bybitPair() {
  const f = coarse({ tiers: SINGLE_TIER, maintenanceConvention: "entry" });
  const { v } = f;
  const alice = fundedAccount(v, 1_000, true, 50);
  const bob = fundedAccount(v, 1_000, true, 50);
  const carol = fundedAccount(v, 1_000_000, false, 10);
  trade(v, alice, bob, 40_000, 1 * BTC);
  moveTo(f, 40_000, 0);
  return { ...f, alice, bob, carol };
}

describe("PerpVenue on an instrument with 50 quote units per tick·lot", () => {
  it("reproduces Bybit's 50× example: margin 400 USDT, liquidation 19,700, bankruptcy 19,600", () => {
    const { v, alice, bob } = bybitPair();
    // Isolated margin = ceil(100 lots × 40,000 ticks × 50 / 50) = 4,000,000 units = 400 USDT.
    expect(v.accounts.isoMargin[alice]).toBe(400 * USDT);
    expect(v.accounts.basis[alice]).toBe(200_000_000);
    // 4,000,000 + 100 × P × 50 − 200,000,000 ≤ 0.5 % × 200,000,000 ⇔ 5,000·P ≤ 197,000,000 ⇔ P ≤ 39,400.
    expect(v.liquidationPriceTicks(alice)).toBe(39_400);
    expect(v.bankruptcyPriceTicks(alice)).toBe(39_200);
    // The short: 4,000,000 − 5,000·P + 200,000,000 ≤ 1,000,000 ⇔ P ≥ 40,600; bankrupt at 40,800.
    expect(v.liquidationPriceTicks(bob)).toBe(40_600);
    expect(v.bankruptcyPriceTicks(bob)).toBe(40_800);
    expect(v.unrealizedPnlUnits(alice, 40_002)).toBe(10_000); // 1 tick × 100 lots × 50 × 2
  });

  it("rounds a long's liquidation limit up from a bankruptcy price between ticks: the bid just below is never hit", () => {
    const f = bybitPair();
    const { v, alice, carol } = f;
    // 0.3 USDT more margin: bankruptcy (200,000,000 − 4,003,000) / 5,000 = 39,199.4 ticks (19,599.7 USDT),
    // so the engine's IOC sells at no less than 39,200. Trigger: 5,000·P ≤ 196,997,000 ⇔ P ≤ 39,399.
    expect(v.addMargin(alice, 3_000)).toBe(RejectCode.None);
    expect(v.bankruptcyPriceTicks(alice)).toBeCloseTo(39_199.4, 9);
    expect(v.liquidationPriceTicks(alice)).toBe(39_399);
    const below = oid();
    expect(v.limit(carol, below, Side.Buy, 39_199, 1 * BTC)).toBe(RejectCode.None);
    expect(v.limit(carol, oid(), Side.Buy, 39_200, 40)).toBe(RejectCode.None);
    moveTo(f, 39_400, 1 * SEC);
    expect(v.positionLots(alice)).toBe(1 * BTC);
    moveTo(f, 39_399, 2 * SEC);
    expect(v.positionLots(alice)).toBe(0);
    // 40 lots at 39,200: worth 78,400,000 vs 40 % of the bankruptcy value 195,997,000 = 78,398,800:
    // surplus 1,200 to the fund. The other 60 lots go to the fund at 117,598,200, worth
    // 60 × 39,399 × 50 = 118,197,000 at the mark: +598,800.
    // Then, in the same advance, the fund works its 60 lots out into the bid below bankruptcy, at its
    // own cost: 60 × 39,199 × 50 = 117,597,000 for lots it took at 117,598,200 (−1,200), not alice's.
    expect(logRows(v).map((r) => [r.account, r.stage, r.qty, r.fill, r.fundDelta])).toEqual([
      [alice, LiquidationStage.Book, 40, 39_200, 1_200],
      [alice, LiquidationStage.Takeover, 60, Number.NaN, 598_800],
      [INSURANCE_FUND, LiquidationStage.FundWorkout, 60, 39_199, -1_200],
    ]);
    expect(v.book.remainingOf(below)).toBe(1 * BTC - 60);
    // Alice keeps her free balance: 1,000 − 400 − 0.3 USDT.
    expect(v.accounts.wallet[alice]).toBe(10_000_000 - 4_003_000);
    expect(v.positionLots(INSURANCE_FUND)).toBe(0);
  });

  it("rounds a short's liquidation limit down from a bankruptcy price between ticks: the ask just above is never hit", () => {
    const f = bybitPair();
    const { v, bob, carol } = f;
    // Bankruptcy (200,000,000 + 4,003,000) / 5,000 = 40,800.6: the engine buys at no more than 40,800.
    // Trigger: 4,003,000 − 5,000·P + 200,000,000 ≤ 1,000,000 ⇔ P ≥ 40,600.6 → 40,601.
    expect(v.addMargin(bob, 3_000)).toBe(RejectCode.None);
    expect(v.bankruptcyPriceTicks(bob)).toBeCloseTo(40_800.6, 9);
    expect(v.liquidationPriceTicks(bob)).toBe(40_601);
    const above = oid();
    expect(v.limit(carol, above, Side.Sell, 40_801, 1 * BTC)).toBe(RejectCode.None);
    expect(v.limit(carol, oid(), Side.Sell, 40_800, 30)).toBe(RejectCode.None);
    moveTo(f, 40_601, 1 * SEC);
    expect(v.positionLots(bob)).toBe(0);
    // 30 lots at 40,800 cost 61,200,000 vs 30 % of 204,003,000 = 61,200,900: surplus 900. The other
    // 70 lots go to the fund at 142,802,100, worth 70 × 40,601 × 50 = 142,103,500: +698,600 for a short.
    // Then the fund buys its 70 lots back from the ask above bankruptcy, in the same advance.
    expect(logRows(v).map((r) => [r.account, r.stage, r.qty, r.fill])).toEqual([
      [bob, LiquidationStage.Book, 30, 40_800],
      [bob, LiquidationStage.Takeover, 70, Number.NaN],
      [INSURANCE_FUND, LiquidationStage.FundWorkout, 70, 40_801],
    ]);
    expect(
      logRows(v)
        .map((r) => r.fundDelta)
        .slice(0, 2),
    ).toEqual([900, 698_600]);
    expect(v.book.remainingOf(above)).toBe(1 * BTC - 70);
    expect(v.positionLots(INSURANCE_FUND)).toBe(0);
  });

  it("partial mode reduces a tier-3 position to the top of tier 2, counting m in the target", () => {
    // Default Binance-like ladder, mark convention. Whale: cross, 21,000 USDT, 20 BTC at 20,000
    // (4,000,000,000 units, tier 3: 1 %, amount 1,300 USDT). Balance 100,000·P − 3,790,000,000;
    // at 38,151: 25,100,000 ≤ MM 38,151,000 − 13,000,000 = 25,151,000; at 38,152: 25,200,000 > 25,152,000.
    const f = coarse({ liquidation: { mode: "partial" } });
    const { v } = f;
    const whale = fundedAccount(v, 21_000, false, 20);
    const bob = fundedAccount(v, 1_000_000, false, 20);
    const carol = fundedAccount(v, 100_000, false, 20);
    trade(v, whale, bob, 40_000, 20 * BTC);
    expect(v.liquidationPriceTicks(whale)).toBe(38_151);
    expect(v.bankruptcyPriceTicks(whale)).toBe(37_900);
    v.limit(carol, oid(), Side.Buy, 38_140, 1_000);
    moveTo(f, 40_000, 0);
    moveTo(f, 38_151, 1 * SEC);
    // Target = floor(250,000 USDT / (38,151 × 50 units)) = floor(2,500,000,000 / 1,907,550) = 1,310 lots:
    // sell 690 at carol's 38,140. Realised 690 × 38,140 × 50 − 4,000,000,000 × 690 / 2,000
    // = 1,315,830,000 − 1,380,000,000 = −64,170,000.
    expect(v.positionLots(whale)).toBe(1_310);
    expect(v.accounts.wallet[whale]).toBe(210_000_000 - 64_170_000);
    expect(logRows(v).map((r) => [r.stage, r.qty, r.fill, r.bankruptcy])).toEqual([
      [LiquidationStage.Partial, 690, 38_140, 37_900],
    ]);
    // Cured: 1,310 × 38,151 × 50 = 2,498,890,500 (tier 2): MM ceil(12,494,452.5) − 500,000 = 11,994,453
    // < balance 145,830,000 + 2,498,890,500 − 2,620,000,000 = 24,720,500.
    expect(v.stats.liquidations).toBe(1);
    expect(v.stats.liquidatedLots).toBe(690);
    const liq = decodeVenueEvents(v.events).filter((e) => e.kind === "liquidated");
    expect(liq.map((e) => [e.account, e.side, e.qtyLots])).toEqual([[whale, 0, 690]]); // 0: a long
    v.checkConservation();
  });

  it("partial mode buys a short tier-3 position back to the top of tier 2, at most at its bankruptcy limit", () => {
    // Whale: cross, 21,000 USDT, short 20 BTC at 20,000 (4,000,000,000 units, tier 3: 1 %, amount
    // 13,000,000). Balance 4,210,000,000 − 100,000·P; MM 1,000·P − 13,000,000 (tier 3):
    // liquidatable ⇔ 101,000·P ≥ 4,223,000,000 ⇔ P ≥ 41,811.9 → trigger 41,812; bankruptcy
    // 4,210,000,000 / 100,000 = 42,100.
    const f = coarse({ liquidation: { mode: "partial" } });
    const { v } = f;
    const whale = fundedAccount(v, 21_000, false, 20);
    const bob = fundedAccount(v, 1_000_000, false, 20);
    const carol = fundedAccount(v, 100_000, false, 20);
    trade(v, bob, whale, 40_000, 20 * BTC);
    expect(v.liquidationPriceTicks(whale)).toBe(41_812);
    expect(v.bankruptcyPriceTicks(whale)).toBe(42_100);
    const above = oid();
    expect(v.limit(carol, above, Side.Sell, 42_101, 1_000)).toBe(RejectCode.None); // beyond bankruptcy
    expect(v.limit(carol, oid(), Side.Sell, 41_820, 1_000)).toBe(RejectCode.None);
    moveTo(f, 40_000, 0);
    moveTo(f, 41_811, 1 * SEC);
    expect(v.positionLots(whale)).toBe(-20 * BTC);
    moveTo(f, 41_812, 2 * SEC);
    // Target = floor(2,500,000,000 / (41,812 × 50)) = floor(1,195.8) = 1,195 lots: buy 805 back at
    // carol's 41,820. Realised −4,000,000,000 × 805 / 2,000 − 805 × 41,820 × 50
    // = 1,610,000,000 − 1,683,255,000 = −73,255,000.
    expect(v.positionLots(whale)).toBe(-1_195);
    expect(v.positionLots(carol)).toBe(-805);
    expect(v.book.remainingOf(above)).toBe(1_000);
    expect(v.accounts.wallet[whale]).toBe(210_000_000 - 73_255_000);
    expect(logRows(v)).toEqual([
      {
        account: whale,
        side: 1,
        qty: 805,
        mark: 41_812,
        trigger: 41_812,
        bankruptcy: 42_100,
        fill: 41_820,
        fundDelta: 0,
        stage: LiquidationStage.Partial,
      },
    ]);
    // Counted at the bankruptcy price: 805 × 42,100 × 50.
    expect(v.stats).toMatchObject({
      liquidations: 1,
      liquidatedLots: 805,
      liquidatedNotionalUnits: 1_694_525_000,
      takeoverLots: 0,
    });
    const liq = decodeVenueEvents(v.events).filter((e) => e.kind === "liquidated");
    expect(liq.map((e) => [e.account, e.side, e.qtyLots, e.priceTicks])).toEqual([[whale, 1, 805, 41_812]]);
    // Cured: 1,195 × 41,812 × 50 = 2,498,267,000 (tier 2): MM 12,491,335 − 500,000 = 11,991,335 <
    // balance 136,745,000 − 2,498,267,000 + 2,390,000,000 = 28,478,000. The new trigger is where
    // 2,526,745,000 − 59,750·P ≤ MM, in tier 3 there: 60,347.5·P ≥ 2,539,745,000 ⇔ P ≥ 42,085.5.
    expect(v.liquidationPriceTicks(whale)).toBe(42_086);
    expect(v.bankruptcyPriceTicks(whale)).toBeCloseTo(2_526_745_000 / 59_750, 9);
  });

  it("auto-deleverages at a bankruptcy price between ticks, to the quote unit", () => {
    const f = coarse({ tiers: SINGLE_TIER, maintenanceConvention: "entry", insuranceFund: { initial: "0" } });
    const { v } = f;
    const alice = fundedAccount(v, 1_000, true, 50);
    const bob = fundedAccount(v, 100_000, false, 50);
    trade(v, alice, bob, 40_000, 1 * BTC);
    expect(v.addMargin(alice, 3_000)).toBe(RejectCode.None); // bankruptcy 39,199.4
    moveTo(f, 40_000, 0);
    // The mark gaps to 39,000: no bids, the fund takes over at 195,997,000 what is worth 195,000,000,
    // its equity falls below zero, and bob (short, in profit) buys back at 39,199.4: +4,003,000.
    moveTo(f, 39_000, 1 * SEC);
    expect(v.positionLots(bob)).toBe(0);
    expect(v.positionLots(INSURANCE_FUND)).toBe(0);
    expect(v.accounts.wallet[bob]).toBe(100_000 * USDT + 4_003_000);
    const adl = logRows(v).filter((r) => r.stage === LiquidationStage.Adl);
    expect(adl.map((r) => [r.account, r.qty])).toEqual([[bob, 1 * BTC]]);
    expect(adl[0]!.fill).toBeCloseTo(39_199.4, 9);
  });

  it("splits an ADL at a bankruptcy value that is no whole unit per lot so the closes add up to it exactly", () => {
    // Alice: long 100 lots at 40,000 with 400 USDT + 3,001 units of margin; bankruptcy value
    // 200,000,000 − 4,003,001 = 195,996,999 units, 1,959,969.99 a lot. The mark gaps to 39,000 into an
    // empty book and an empty fund: ADL of all 100 lots against three shorts, smallest wallet first.
    const f = coarse({ tiers: SINGLE_TIER, maintenanceConvention: "entry", insuranceFund: { initial: "0" } });
    const { v } = f;
    const alice = fundedAccount(v, 1_000, true, 50);
    const shorts = [
      fundedAccount(v, 400, false, 20),
      fundedAccount(v, 800, false, 20),
      fundedAccount(v, 1_600, false, 20),
    ];
    trade(v, alice, shorts[0]!, 40_000, 33);
    trade(v, alice, shorts[1]!, 40_000, 33);
    trade(v, alice, shorts[2]!, 40_000, 34);
    expect(v.addMargin(alice, 3_001)).toBe(RejectCode.None);
    moveTo(f, 40_000, 0);
    moveTo(f, 39_000, 1 * SEC);
    expect(
      logRows(v)
        .filter((r) => r.stage === LiquidationStage.Adl)
        .map((r) => [r.account, r.qty]),
    ).toEqual([
      [shorts[0], 33],
      [shorts[1], 33],
      [shorts[2], 34],
    ]);
    // 33 lots: round(195,996,999 × 33 / 100) = 64,679,010 each; the last 34 take what is left,
    // 195,996,999 − 2 × 64,679,010 = 66,638,979 (not round(× 34 / 100) = 66,638,980).
    const gains = shorts.map((a, i) => v.accounts.wallet[a]! - [400, 800, 1_600][i]! * USDT);
    expect(gains).toEqual([66_000_000 - 64_679_010, 66_000_000 - 64_679_010, 68_000_000 - 66_638_979]);
    expect(v.positionLots(INSURANCE_FUND)).toBe(0);
    expect(v.insuranceFundUnits()).toBe(0);
    expect(v.stats).toMatchObject({ adlCount: 3, adlLots: 100, adlResidualLots: 0 });
  });

  it("with liquidation disabled, leaves a position past its trigger open and the checker accepts it", () => {
    const f = coarse({ tiers: SINGLE_TIER, maintenanceConvention: "entry", liquidation: { enabled: false } });
    const { v } = f;
    const alice = fundedAccount(v, 1_000, true, 50);
    const bob = fundedAccount(v, 1_000, true, 50);
    expect(v.limit(bob, oid(), Side.Sell, 40_000, 1 * BTC)).toBe(RejectCode.None);
    expect(v.limit(alice, oid(), Side.Buy, 40_000, 1 * BTC, TimeInForce.IOC)).toBe(RejectCode.None);
    moveTo(f, 39_000, 1 * SEC);
    expect(v.positionLots(alice)).toBe(1 * BTC);
    expect(v.stats.liquidations).toBe(0);
    expect(v.liquidations.length).toBe(0);
  });
});

describe("PerpVenue margin, fees, withdrawals, funding and seeding with 50 quote units per tick·lot", () => {
  /** COARSE with index and mark at 40,000 (20,000 USDT); one lot there is worth 2,000,000 units (200 USDT). */
  function atMark(extra: Partial<PerpVenueConfig> = {}) {
    const f = coarse(extra);
    moveTo(f, 40_000, 0);
    return f;
  }

  it("margins an order at notional × m: 1,000 USDT at 10× buys 50 lots at 20,000, not 51", () => {
    const { v } = atMark();
    const a = fundedAccount(v, 1_000, false, 10);
    expect(v.limit(a, oid(), Side.Buy, 40_000, 51)).toBe(RejectCode.InsufficientMargin);
    expect(v.limit(a, oid(), Side.Buy, 40_000, 50)).toBe(RejectCode.None);
    const b = fundedAccount(v, 1_000, true, 10);
    expect(v.limit(b, oid(), Side.Sell, 40_001, 51)).toBe(RejectCode.InsufficientMargin);
    expect(v.limit(b, oid(), Side.Sell, 40_001, 49)).toBe(RejectCode.None);
  });

  it("charges a sell below the mark its open loss in units of m: 1,000 USDT at 10× sells 40 lots at 19,500, not 41", () => {
    const { v } = atMark();
    const a = fundedAccount(v, 1_000, false, 10);
    // Valued at the mark: 2,000,000 / 10 = 200,000 a lot, plus (40,000 − 39,000) × 50 = 50,000 of open loss.
    expect(v.limit(a, oid(), Side.Sell, 39_000, 41)).toBe(RejectCode.InsufficientMargin);
    expect(v.limit(a, oid(), Side.Sell, 39_000, 40)).toBe(RejectCode.None);
  });

  it("charges taker fees up and pays maker rebates down on notional × m", () => {
    const { v } = atMark({ makerFeePpm: -100, takerFeePpm: 500 });
    const maker = fundedAccount(v, 10_000, false, 20);
    const taker = fundedAccount(v, 10_000, false, 20);
    expect(v.limit(maker, oid(), Side.Sell, 40_001, 3)).toBe(RejectCode.None);
    expect(v.limit(taker, oid(), Side.Buy, 40_001, 3, TimeInForce.IOC)).toBe(RejectCode.None);
    // 3 × 40,001 × 50 = 6,000,150 units: taker 0.05 % = 3,000.075 → 3,001; rebate 0.01 % = 600.015 → 600.
    expect(v.accounts.feesPaid[taker]).toBe(3_001);
    expect(v.accounts.feesPaid[maker]).toBe(-600);
    expect(v.feesCollectedUnits).toBe(2_401);
    expect(v.accounts.basis[taker]).toBe(6_000_150);
    expect(v.entryPriceTicks(taker)).toBe(40_001);
    v.checkConservation();
  });

  it("lets a withdrawal take exactly the free margin: wallet + open loss − position margin, all × m", () => {
    const f = atMark();
    const { v } = f;
    const a = fundedAccount(v, 1_000, false, 10);
    const iso = fundedAccount(v, 1_000, true, 10);
    const mm = fundedAccount(v, 100_000, false, 10);
    trade(v, a, mm, 40_000, 25);
    trade(v, iso, mm, 40_000, 25);
    moveTo(f, 39_000, 1 * SEC);
    // Cross: 10,000,000 − 25 × 1,000 × 50 − ceil(25 × 39,000 × 50 / 10) = 10,000,000 − 1,250,000 − 4,875,000.
    expect(v.unrealizedPnlUnits(a)).toBe(-1_250_000);
    expect(v.marginBalanceUnits(a)).toBe(8_750_000);
    expect(v.withdraw(a, 3_875_001)).toBe(RejectCode.InsufficientMargin);
    expect(v.withdraw(a, 3_875_000)).toBe(RejectCode.None);
    // Isolated: its margin ceil(25 × 40,000 × 50 / 10) = 5,000,000 stays; the rest is free.
    expect(v.accounts.isoMargin[iso]).toBe(5_000_000);
    expect(v.marginBalanceUnits(iso)).toBe(5_000_000 - 1_250_000);
    expect(v.withdraw(iso, 5_000_001)).toBe(RejectCode.InsufficientMargin);
    expect(v.withdraw(iso, 5_000_000)).toBe(RejectCode.None);
    v.checkConservation();
  });

  it("pays funding on size × mark × m: the 8-hour rate, and an hourly share of it", () => {
    for (const [intervalNs, longPays, shortGets] of [
      // 100 × 40,001 × 50 = 200,005,000 units × 0.01 % = 20,000.5: the long pays 20,001, the short gets 20,000.
      [8 * 3_600 * SEC, 20_001, 20_000],
      // An eighth: 2,500.0625 owed, 2,500 paid and the fraction carried.
      [3_600 * SEC, 2_500, 2_500],
    ] as const) {
      const f = coarse({ funding: { intervalNs } });
      const { v } = f;
      const alice = fundedAccount(v, 10_000, false, 20);
      const bob = fundedAccount(v, 10_000, false, 20);
      trade(v, alice, bob, 40_000, 1 * BTC);
      moveTo(f, 40_000, 0);
      moveTo(f, 40_001, intervalNs);
      expect(v.lastFundingRateE8).toBe(10_000);
      expect([v.accounts.fundingPaid[alice], v.accounts.fundingPaid[bob]]).toEqual([longPays, -shortGets]);
      expect(v.fundingResidueUnits).toBe(longPays - shortGets);
    }
  });

  it("seeds a position only when the initial margin at notional × m is there", () => {
    const { v } = atMark();
    const a = fundedAccount(v, 1_000, true, 10);
    const b = fundedAccount(v, 1_000, false, 10);
    const mm = fundedAccount(v, 100_000, false, 10);
    expect(v.seedPosition(a, mm, 51, 40_000)).toBe(RejectCode.InsufficientMargin);
    expect(v.seedPosition(a, mm, 50, 40_000)).toBe(RejectCode.None);
    expect(v.accounts.isoMargin[a]).toBe(10_000_000);
    expect(v.seedPosition(mm, b, 51, 40_000)).toBe(RejectCode.InsufficientMargin);
    expect(v.seedPosition(mm, b, 50, 40_000)).toBe(RejectCode.None);
    // 20 USDT at 10× carry one lot (200 USDT), not two.
    const c = fundedAccount(v, 20, false, 10);
    expect(v.seedPositions([c], [2], [40_000], mm)).toBe(RejectCode.InsufficientMargin);
    expect(v.seedPositions([c], [1], [40_000], mm)).toBe(RejectCode.None);
    expect(v.positionLots(mm)).toBe(-1);
    v.checkConservation();
  });
});

describe("the venue's fund rules on a short takeover with 50 quote units per tick·lot", () => {
  it("caps the fund's short at its equity by deleveraging the long in profit at bankruptcy, then buys back no higher than the floor above the index", () => {
    // Bob (isolated short 1 BTC at 20,000, 50×) is liquidated at 40,600 into an empty book: the fund
    // takes over 100 lots short at bankruptcy 40,800 (204,000,000 units). Its equity at the mark:
    // 50,000,000 − 100 × 40,600 × 50 + 204,000,000 = 51,000,000. Each lot closed by ADL at 40,800
    // instead of held at the mark costs it 200 × 50 = 10,000, and cap 1 allows
    // floor((51,000,000 − 10,000·k) / 2,030,000) lots: k = 75 → 24.75 → 24 lots, so k = 76.
    const g = coarse({
      tiers: SINGLE_TIER,
      maintenanceConvention: "entry",
      insuranceFund: {
        initial: "5000",
        rules: "venue",
        adl: true,
        positionCap: 1,
        valuation: "mark",
        clearanceFeePpm: null,
        workoutHorizonNs: null,
        volumeShare: null,
        floorPpm: 5_000,
      },
    });
    const [gAlice, gBob, gCarol] = [
      fundedAccount(g.v, 1_000, true, 50),
      fundedAccount(g.v, 1_000, true, 50),
      fundedAccount(g.v, 1_000_000, false, 10),
    ];
    trade(g.v, gAlice, gBob, 40_000, 1 * BTC);
    moveTo(g, 40_000, 0);
    moveTo(g, 40_600, 1 * SEC);
    expect(logRows(g.v).map((r) => [r.account, r.stage, r.qty, r.fill])).toEqual([
      [gBob, LiquidationStage.Takeover, 100, Number.NaN],
      [gAlice, LiquidationStage.Adl, 76, 40_800],
    ]);
    expect(g.v.positionLots(INSURANCE_FUND)).toBe(-24);
    expect(g.v.positionLots(gAlice)).toBe(24);
    // Alice sold 76 lots at 40,800 that she bought at 40,000: +76 × 800 × 50.
    expect(g.v.accounts.wallet[gAlice]).toBe(1_000 * USDT + 3_040_000);
    expect(g.v.accounts.basis[INSURANCE_FUND]).toBe(-48_960_000);
    // The floor: the fund buys no higher than 40,600 × 1.005 = 40,803, so carol's 41,000 is never hit.
    const high = oid();
    expect(g.v.limit(gCarol, high, Side.Sell, 41_000, 100)).toBe(RejectCode.None);
    expect(g.v.limit(gCarol, oid(), Side.Sell, 40_700, 10)).toBe(RejectCode.None);
    moveTo(g, 40_600, 2 * SEC);
    // 10 lots at 40,700 = 20,350,000 for lots taken at 48,960,000 × 10 / 24 = 20,400,000: +50,000.
    expect(
      logRows(g.v)
        .slice(2)
        .map((r) => [r.account, r.stage, r.qty, r.fill, r.fundDelta]),
    ).toEqual([[INSURANCE_FUND, LiquidationStage.FundWorkout, 10, 40_700, 50_000]]);
    expect(g.v.positionLots(INSURANCE_FUND)).toBe(-14);
    expect(g.v.book.remainingOf(high)).toBe(100);
  });
});
