/**
 * The perpetual venue by hand: the published worked examples (Bybit, Binance's liquidation-price
 * formula), fees and realised PnL to the quote unit, and every pre-trade check with proof that a
 * refused command changes nothing.
 *
 * BTCUSDT throughout: m = 1 quote unit per tick·lot, 1 BTC = 1,000 lots, 20,000 USDT = 200,000 ticks,
 * 1 USDT = 10,000 quote units.
 */

import { ConfigError, RejectCode, Side } from "@cascade/core";
import { TimeInForce } from "@cascade/matching-engine";
import { describe, expect, it } from "vitest";
import {
  BTC,
  fundedAccount,
  makeBybitVenue,
  makeVenue,
  moveTo,
  oid,
  SEC,
  snapshot,
  trade,
  USDT,
} from "./perp-venue.testkit.ts";
import { INSURANCE_FUND, INTERNAL_ORDER_ID_BASE } from "./perp-venue.ts";
import { decodeVenueEvents } from "./venue-events.ts";

describe("PerpVenue worked examples", () => {
  it("reproduces Bybit's 50× example: margin 400 USDT, liquidation 19,700.0, bankruptcy 19,600", () => {
    const f = makeBybitVenue();
    const { v } = f;
    const alice = fundedAccount(v, 1_000, true, 50);
    const bob = fundedAccount(v, 1_000, true, 50);
    trade(v, alice, bob, 200_000, 1 * BTC);
    // Isolated margin = ceil(1,000 lots × 200,000 ticks × m / 50) = 4,000,000 units = 400 USDT.
    expect(v.accounts.isoMargin[alice]).toBe(400 * USDT);
    expect(v.entryPriceTicks(alice)).toBe(200_000);
    // Liquidatable when 4,000,000 + 1,000·P − 200,000,000 ≤ MM = 0.5 % × 200,000,000 = 1,000,000
    //   ⇔ 1,000·P ≤ 197,000,000 ⇔ P ≤ 197,000 ticks = 19,700.0 USDT.
    expect(v.liquidationPriceTicks(alice)).toBe(197_000);
    // Bankruptcy: (basis − margin) / size = (200,000,000 − 4,000,000) / 1,000 = 196,000 = 19,600 USDT.
    expect(v.bankruptcyPriceTicks(alice)).toBe(196_000);
    // The short mirrors it: 4,000,000 − 1,000·P + 200,000,000 ≤ 1,000,000 ⇔ P ≥ 203,000; bankrupt at 204,000.
    expect(v.liquidationPriceTicks(bob)).toBe(203_000);
    expect(v.bankruptcyPriceTicks(bob)).toBe(204_000);
    // Each side keeps its 600 USDT of free wallet outside the position.
    expect(v.accounts.wallet[alice]! - v.accounts.isoMargin[alice]!).toBe(600 * USDT);
    v.checkConservation();
  });

  it("liquidates the Bybit long at a mark of exactly 19,700.0 but not at 19,700.1", () => {
    const f = makeBybitVenue();
    const { v } = f;
    const alice = fundedAccount(v, 1_000, true, 50);
    const bob = fundedAccount(v, 100_000, false, 50);
    trade(v, alice, bob, 200_000, 1 * BTC);
    moveTo(f, 197_001, 0);
    expect(v.markTicks).toBe(197_001);
    expect(v.positionLots(alice)).toBe(1 * BTC);
    moveTo(f, 197_000, 1 * SEC);
    expect(v.positionLots(alice)).toBe(0);
    // The trader keeps the 600 USDT that was never at stake.
    expect(v.accounts.wallet[alice]).toBe(600 * USDT);
  });

  it("places Binance-convention liquidation prices where LP = (WB + cum − side·Q·EP)/(Q·MMR − side·Q) says", () => {
    // Default Binance-like ladder, maintenance on the mark notional. 10 BTC at 20,000 = 200,000 USDT:
    // tier 2 (≤ 250,000: MMR 0.5 %, cum 50 USDT). Isolated at 20×: WB = 200,000 / 20 = 10,000 USDT.
    const f = makeVenue({ maxPriceTicks: 400_000 });
    const { v } = f;
    const long = fundedAccount(v, 20_000, true, 20);
    const short = fundedAccount(v, 20_000, true, 20);
    trade(v, long, short, 200_000, 10 * BTC);
    expect(v.accounts.isoMargin[long]).toBe(10_000 * USDT);
    expect(v.accounts.isoMargin[short]).toBe(10_000 * USDT);
    // Long:  LP = (10,000 + 50 − 10·20,000) / (10·0.005 − 10) = −189,950 / −9.95 = 19,090.452… (tier 2 at
    // that notional, 190,904 USDT). The trigger is the highest tick still liquidatable: 19,090.4.
    //   at 19,090.4: balance 100,000,000 + 1,909,040,000 − 2,000,000,000 = 9,040,000
    //                MM ceil(1,909,040,000 × 0.005) − 500,000 = 9,045,200 → liquidatable;
    //   at 19,090.5: balance 9,050,000 > MM 9,045,250 → not.
    expect(v.liquidationPriceTicks(long)).toBe(190_904);
    // Short: LP = (10,000 + 50 + 10·20,000) / (10·0.005 + 10) = 210,050 / 10.05 = 20,900.497…; the trigger
    // is the lowest liquidatable tick: 20,900.5 (balance 9,950,000 ≤ MM 10,450,250 − 500,000 = 9,950,250;
    // at 20,900.4 balance 9,960,000 > MM 9,950,200).
    expect(v.liquidationPriceTicks(short)).toBe(209_005);
    // Bankruptcy prices: (2,000,000,000 ∓ 100,000,000) / 10,000 lots = 19,000 and 21,000 USDT.
    expect(v.bankruptcyPriceTicks(long)).toBe(190_000);
    expect(v.bankruptcyPriceTicks(short)).toBe(210_000);
  });

  it("gives a cross position a liquidation price backed by the whole wallet, an isolated one only its margin", () => {
    // One 0.5 % tier, mark convention; long 1 BTC at 20,000 at 50×, 1,000 USDT in the wallet.
    const f = makeVenue({
      tiers: [{ maxNotional: "Infinity", maintenanceMarginRate: "0.005", maxLeverage: 100 }],
    });
    const { v } = f;
    const iso = fundedAccount(v, 1_000, true, 50);
    const cross = fundedAccount(v, 1_000, false, 50);
    const maker = fundedAccount(v, 100_000, false, 10);
    trade(v, iso, maker, 200_000, 1 * BTC);
    trade(v, cross, maker, 200_000, 1 * BTC);
    // Isolated, WB = 400: LP = (400 − 20,000) / (0.005 − 1) = 19,698.49… → highest liquidatable tick 19,698.4
    //   (at 19,698.4: balance 984,000 ≤ MM ceil(196,984,000 × 0.005) = 984,920; at 19,698.5: 985,000 > 984,925).
    expect(v.liquidationPriceTicks(iso)).toBe(196_984);
    // Cross, WB = 1,000: LP = (1,000 − 20,000) / (0.005 − 1) = 19,095.47… → 19,095.4
    //   (at 19,095.4: balance 954,000 ≤ MM 954,770; at 19,095.5: 955,000 > 954,775).
    expect(v.liquidationPriceTicks(cross)).toBe(190_954);
    // Bankruptcy: isolated (200,000,000 − 4,000,000) / 1,000 = 196,000; cross (200,000,000 − 10,000,000) / 1,000 = 190,000.
    expect(v.bankruptcyPriceTicks(iso)).toBe(196_000);
    expect(v.bankruptcyPriceTicks(cross)).toBe(190_000);
    // A deposit moves the cross trigger (+1,000 USDT: LP = (2,000 − 20,000)/(−0.995) = 18,090.45… → 180,904)
    // but not the isolated one.
    v.deposit(cross, 1_000 * USDT);
    v.deposit(iso, 1_000 * USDT);
    expect(v.liquidationPriceTicks(cross)).toBe(180_904);
    expect(v.liquidationPriceTicks(iso)).toBe(196_984);
    // Adding isolated margin does move it: WB = 500 → LP = (500 − 20,000)/(−0.995) = 19,597.98… → 195,979.
    expect(v.addMargin(iso, 100 * USDT)).toBe(RejectCode.None);
    expect(v.liquidationPriceTicks(iso)).toBe(195_979);
    v.checkConservation();
  });
});

describe("PerpVenue fees and realised PnL", () => {
  it("charges maker and taker fees on each fill, rounded up, and pays a rebate rounded down", () => {
    const f = makeVenue({ makerFeePpm: 200, takerFeePpm: 500 });
    const { v } = f;
    const maker = fundedAccount(v, 10_000, false, 20);
    const taker = fundedAccount(v, 10_000, false, 20);
    const makerOrder = oid();
    expect(v.limit(maker, makerOrder, Side.Sell, 200_001, 3)).toBe(RejectCode.None);
    expect(v.limit(taker, oid(), Side.Buy, 200_001, 1, TimeInForce.IOC)).toBe(RejectCode.None);
    // Notional 1 lot × 200,001 ticks = 200,001 units (20.0001 USDT).
    // Maker 0.02 %: 40.0002 → 41 units; taker 0.05 %: 100.0005 → 101 units.
    expect(v.accounts.feesPaid[maker]).toBe(41);
    expect(v.accounts.feesPaid[taker]).toBe(101);
    expect(v.accounts.wallet[maker]).toBe(10_000 * USDT - 41);
    expect(v.accounts.wallet[taker]).toBe(10_000 * USDT - 101);
    expect(v.feesCollectedUnits).toBe(142);
    const fills = decodeVenueEvents(v.events).filter((e) => e.kind === "fill");
    expect(fills.map((e) => [e.account, e.maker, e.amountUnits])).toEqual([
      [maker, true, 41],
      [taker, false, 101],
    ]);
    v.checkConservation();

    const g = makeVenue({ makerFeePpm: -100, takerFeePpm: 500 });
    const m2 = fundedAccount(g.v, 10_000, false, 20);
    const t2 = fundedAccount(g.v, 10_000, false, 20);
    g.v.limit(m2, oid(), Side.Sell, 200_001, 1);
    g.v.limit(t2, oid(), Side.Buy, 200_001, 1, TimeInForce.IOC);
    // Rebate 0.01 % of 200,001 = 20.0001 → 20 units paid to the maker (fee −20).
    expect(g.v.accounts.feesPaid[m2]).toBe(-20);
    expect(g.v.accounts.wallet[m2]).toBe(10_000 * USDT + 20);
    expect(g.v.feesCollectedUnits).toBe(101 - 20);
    g.v.checkConservation();
  });

  it("takes a fee the free balance cannot pay out of the isolated margin, which never exceeds the wallet", () => {
    const f = makeVenue({ takerFeePpm: 500 });
    const { v } = f;
    const mm = fundedAccount(v, 1_000_000, false, 20);
    v.limit(mm, oid(), Side.Buy, 210_000, 600);
    v.limit(mm, oid(), Side.Buy, 209_000, 399);
    v.limit(mm, oid(), Side.Buy, 205_000, 1);
    // Isolated at 1×, 20,010 USDT: a 1 BTC sell at 20,000 needs 200,000,000 + fee 100,000 = all of it.
    const a = fundedAccount(v, 20_010, true, 1);
    expect(v.limit(a, oid(), Side.Sell, 200_000, 1 * BTC, TimeInForce.IOC)).toBe(RejectCode.None);
    // It fills higher, so the margin runs out before the last fill:
    //   600 @ 210,000 = 126,000,000, fee  63,000 → wallet 200,037,000, margin 126,000,000;
    //   399 @ 209,000 =  83,391,000, fee  41,696 → wallet 199,995,304, margin = all of it;
    //     1 @ 205,000 =     205,000, fee     103 → wallet 199,995,201: the fee comes out of the margin.
    expect(v.accounts.feesPaid[a]).toBe(63_000 + 41_696 + 103);
    expect(v.accounts.wallet[a]).toBe(199_995_201);
    expect(v.accounts.isoMargin[a]).toBe(199_995_201);
    v.checkConservation();
  });

  it("averages the entry price and realises PnL on a partial close and on a flip", () => {
    const f = makeVenue();
    const { v } = f;
    const a = fundedAccount(v, 100_000, false, 20);
    const b = fundedAccount(v, 100_000, false, 20);
    trade(v, a, b, 200_000, 1 * BTC);
    trade(v, a, b, 210_000, 1 * BTC);
    // Basis 200,000,000 + 210,000,000 = 410,000,000 over 2,000 lots: entry 205,000 (20,500 USDT).
    expect(v.accounts.basis[a]).toBe(410_000_000);
    expect(v.entryPriceTicks(a)).toBe(205_000);
    expect(v.entryPriceTicks(b)).toBe(205_000);
    // Partial close: sell 500 lots at 22,000. Released basis 410,000,000 × 500/2,000 = 102,500,000;
    // realised 110,000,000 − 102,500,000 = +7,500,000 (750 USDT); entry unchanged.
    trade(v, b, a, 220_000, 500);
    expect(v.accounts.realizedPnl[a]).toBe(7_500_000);
    expect(v.accounts.wallet[a]).toBe(100_000 * USDT + 7_500_000);
    expect(v.entryPriceTicks(a)).toBe(205_000);
    // b's short of 2,000 at 20,500 buys back 500 at 22,000: realised −(110,000,000 − 102,500,000).
    expect(v.accounts.realizedPnl[b]).toBe(-7_500_000);
    // Flip: a sells 2,500 lots at 19,000 while long 1,500 (basis 307,500,000). The closing 1,500 lots
    // are worth 285,000,000: realised −22,500,000; the other 1,000 lots open a short at 19,000.
    trade(v, b, a, 190_000, 2_500);
    expect(v.positionLots(a)).toBe(-1_000);
    expect(v.accounts.realizedPnl[a]).toBe(7_500_000 - 22_500_000);
    expect(v.accounts.basis[a]).toBe(-190_000_000);
    expect(v.entryPriceTicks(a)).toBe(190_000);
    expect(v.positionCounts()).toEqual({ longs: 1, shorts: 1 });
    expect(v.openInterestLots()).toBe(1_000);
    v.checkConservation();
  });

  it("keeps every quote unit over a thousand one-lot trades at odd prices", () => {
    const f = makeVenue({ makerFeePpm: 137, takerFeePpm: 451 });
    const { v } = f;
    const a = fundedAccount(v, 100_000, false, 20);
    const b = fundedAccount(v, 100_000, false, 20);
    let aCash = 0; // −Σ buys + Σ sells of a, quote units
    let aFees = 0;
    let bFees = 0;
    const feeUp = (n: number, ppm: number) => Math.ceil((n * ppm) / 1_000_000);
    for (let i = 0; i < 1_000; i++) {
      const price = 199_000 + ((i * 7_919) % 2_003);
      if (i % 3 === 2) {
        // a sells one lot to b: a is the maker.
        trade(v, b, a, price, 1);
        aCash += price;
        aFees += feeUp(price, 137);
        bFees += feeUp(price, 451);
      } else {
        // a buys one lot from b: a is the taker.
        trade(v, a, b, price, 1);
        aCash -= price;
        aFees += feeUp(price, 451);
        bFees += feeUp(price, 137);
      }
      if (i % 100 === 0) v.checkConservation(false);
    }
    // a is long 1,000 − 2·333 = 334 lots; close it at 20,000.
    expect(v.positionLots(a)).toBe(334);
    trade(v, b, a, 200_000, 334);
    aCash += 334 * 200_000;
    aFees += feeUp(334 * 200_000, 137);
    bFees += feeUp(334 * 200_000, 451);
    expect(v.positionLots(a)).toBe(0);
    expect(v.accounts.basis[a]).toBe(0);
    // Flat: the wallet is exactly the deposit + trading cash − fees, and b mirrors a's PnL.
    expect(v.accounts.realizedPnl[a]).toBe(aCash);
    expect(v.accounts.realizedPnl[b]).toBe(-aCash);
    expect(v.accounts.wallet[a]).toBe(100_000 * USDT + aCash - aFees);
    expect(v.accounts.wallet[b]).toBe(100_000 * USDT - aCash - bFees);
    expect(v.feesCollectedUnits).toBe(aFees + bFees);
    v.checkConservation();
  });
});

describe("PerpVenue pre-trade checks (a refused command changes nothing)", () => {
  /** Runs `cmd`, expects `code`, and proves no column, order or total moved. */
  function refused(v: ReturnType<typeof makeVenue>["v"], code: RejectCode, cmd: () => RejectCode): void {
    const before = snapshot(v);
    expect(cmd()).toBe(code);
    expect(snapshot(v)).toEqual(before);
    const ev = decodeVenueEvents(v.events);
    expect(ev.map((e) => [e.kind, e.code])).toEqual([["rejected", code]]);
  }

  /** A venue with a resting two-sided book and an open position, so "nothing changed" is not trivial. */
  function busy() {
    const f = makeVenue({ makerFeePpm: 200, takerFeePpm: 500 });
    const { v } = f;
    const mm = fundedAccount(v, 100_000, false, 20);
    const a = fundedAccount(v, 100, true, 10); // 1,000,000 units
    const b = fundedAccount(v, 100_000, false, 20);
    trade(v, b, mm, 200_000, 1 * BTC);
    v.limit(mm, oid(), Side.Buy, 199_000, 500);
    v.limit(mm, oid(), Side.Sell, 201_000, 500);
    moveTo(f, 200_000, 0);
    return { f, v, mm, a, b };
  }

  it("refuses an over-leveraged order with InsufficientMargin", () => {
    const { v, a } = busy();
    // 1 BTC at 20,000 at 10× needs 2,000 USDT + fee; a has 100 USDT.
    refused(v, RejectCode.InsufficientMargin, () => v.limit(a, oid(), Side.Buy, 200_000, 1 * BTC));
    refused(v, RejectCode.InsufficientMargin, () => v.market(a, oid(), Side.Sell, 1 * BTC));
    // 4 lots: notional 800,000, margin 80,000 + taker fee 400 ≤ 1,000,000: accepted.
    expect(v.limit(a, oid(), Side.Buy, 200_000, 4)).toBe(RejectCode.None);
  });

  it("refuses an order beyond the tier table's limit for the leverage with PositionLimitExceeded", () => {
    const { v, b } = busy();
    // Default ladder: 125× only up to 50,000 USDT notional. b (cross, 100,000 USDT) at 125×: 3 BTC = 60,000.
    // b is long 1 BTC = 20,000 USDT ≤ 50,000: 125× is allowed for that exposure.
    expect(v.setLeverage(b, 125)).toBe(RejectCode.None);
    const c = fundedAccount(v, 100_000, false, 125);
    refused(v, RejectCode.PositionLimitExceeded, () => v.limit(c, oid(), Side.Buy, 200_000, 3 * BTC));
    // 2.5 BTC = 50,000 USDT is the bound itself (inclusive): accepted.
    expect(v.limit(c, oid(), Side.Buy, 200_000, 2_500)).toBe(RejectCode.None);
  });

  it("refuses unknown accounts and the insurance fund with UnknownAccount", () => {
    const { v } = busy();
    const n = v.accountCount;
    refused(v, RejectCode.UnknownAccount, () => v.limit(n, oid(), Side.Buy, 200_000, 1));
    refused(v, RejectCode.UnknownAccount, () => v.limit(-1, oid(), Side.Buy, 200_000, 1));
    refused(v, RejectCode.UnknownAccount, () => v.limit(INSURANCE_FUND, oid(), Side.Buy, 200_000, 1));
    refused(v, RejectCode.UnknownAccount, () => v.market(1.5, oid(), Side.Buy, 1));
    refused(v, RejectCode.UnknownAccount, () => v.deposit(n, 1));
    refused(v, RejectCode.UnknownAccount, () => v.withdraw(n, 1));
    refused(v, RejectCode.UnknownAccount, () => v.cancel(n, 1));
    refused(v, RejectCode.UnknownAccount, () => v.setLeverage(n, 10));
  });

  it("refuses reduce-only orders that would increase, flip or over-close the position", () => {
    const { v, a, b } = busy();
    // a is flat: any reduce-only order would open a position.
    refused(v, RejectCode.ReduceOnlyWouldIncrease, () =>
      v.limit(a, oid(), Side.Sell, 201_000, 1, TimeInForce.GTC, true),
    );
    // b is long 1,000 lots: a reduce-only buy increases, a reduce-only sell of 1,001 flips.
    refused(v, RejectCode.ReduceOnlyWouldIncrease, () =>
      v.limit(b, oid(), Side.Buy, 199_000, 1, TimeInForce.GTC, true),
    );
    refused(v, RejectCode.ReduceOnlyWouldIncrease, () => v.market(b, oid(), Side.Sell, 1_001, -1, true));
    // Resting reduce-only sells count: 600 rest, then 401 more would exceed 1,000.
    expect(v.limit(b, oid(), Side.Sell, 205_000, 600, TimeInForce.GTC, true)).toBe(RejectCode.None);
    expect(v.accounts.reduceOnlyLots[b]).toBe(600);
    refused(v, RejectCode.ReduceOnlyWouldIncrease, () =>
      v.limit(b, oid(), Side.Sell, 205_000, 401, TimeInForce.GTC, true),
    );
    expect(v.limit(b, oid(), Side.Sell, 205_000, 400, TimeInForce.GTC, true)).toBe(RejectCode.None);
    v.checkConservation();
  });

  describe("reduce-only orders are trimmed when the position shrinks", () => {
    /** b long 1,000 lots with a resting reduce-only sell of 800 at 21,000; c a counterparty with bids. */
    function longWithReduceOnly() {
      const f = makeVenue();
      const { v } = f;
      const b = fundedAccount(v, 100_000, false, 20);
      const c = fundedAccount(v, 100_000, false, 20);
      trade(v, b, c, 200_000, 1 * BTC);
      const ro = oid();
      expect(v.limit(b, ro, Side.Sell, 210_000, 800, TimeInForce.GTC, true)).toBe(RejectCode.None);
      return { f, v, b, c, ro };
    }

    it("when the owner's own taker sell shrinks the position below the reduce-only quantity", () => {
      const { v, b, c, ro } = longWithReduceOnly();
      v.limit(c, oid(), Side.Buy, 200_000, 500);
      expect(v.limit(b, oid(), Side.Sell, 200_000, 500, TimeInForce.IOC)).toBe(RejectCode.None);
      // Position 500 < 800 reduce-only: the order is cancelled whole.
      expect(v.positionLots(b)).toBe(500);
      expect(v.book.hasOrder(ro)).toBe(false);
      expect(v.accounts.reduceOnlyLots[b]).toBe(0);
      expect(decodeVenueEvents(v.events).some((e) => e.kind === "done" && e.orderId === ro)).toBe(true);
      v.checkConservation(false);
    });

    it("when another resting order of the owner is filled as maker", () => {
      const { v, b, c, ro } = longWithReduceOnly();
      v.limit(b, oid(), Side.Sell, 205_000, 500);
      expect(v.limit(c, oid(), Side.Buy, 205_000, 500, TimeInForce.IOC)).toBe(RejectCode.None);
      expect(v.positionLots(b)).toBe(500);
      expect(v.book.hasOrder(ro)).toBe(false);
      expect(v.accounts.reduceOnlyLots[b]).toBe(0);
      v.checkConservation(false);
      // Had it stayed, a buyer at 21,000 would have turned b short 300 through a reduce-only order.
      v.limit(c, oid(), Side.Buy, 210_000, 800, TimeInForce.IOC);
      expect(v.positionLots(b)).toBeGreaterThanOrEqual(0);
    });

    it("when the position flips to the side the reduce-only order would increase", () => {
      const { v, b, c, ro } = longWithReduceOnly();
      // Shrink the reduce-only order first so its size alone does not exceed the new position.
      expect(v.reduce(b, ro, 300)).toBe(RejectCode.None);
      expect(v.accounts.reduceOnlyLots[b]).toBe(300);
      v.limit(c, oid(), Side.Buy, 200_000, 2_000);
      expect(v.limit(b, oid(), Side.Sell, 200_000, 2_000, TimeInForce.IOC)).toBe(RejectCode.None);
      expect(v.positionLots(b)).toBe(-1_000);
      // A reduce-only sell on a short would increase it: cancelled.
      expect(v.book.hasOrder(ro)).toBe(false);
      expect(v.accounts.reduceOnlyLots[b]).toBe(0);
      v.checkConservation(false);
    });
  });

  it("refuses a client order id of 2^52 or more with InvalidOrderId", () => {
    const { v, b } = busy();
    refused(v, RejectCode.InvalidOrderId, () => v.limit(b, INTERNAL_ORDER_ID_BASE, Side.Buy, 199_500, 1));
    refused(v, RejectCode.InvalidOrderId, () => v.market(b, 2 ** 53, Side.Buy, 1));
    expect(v.limit(b, INTERNAL_ORDER_ID_BASE - 1, Side.Buy, 199_500, 1)).toBe(RejectCode.None);
    v.checkConservation();
  });

  it("counts open orders toward the margin check and the free margin a withdrawal may take", () => {
    const f = makeVenue();
    const { v } = f;
    const a = fundedAccount(v, 300, true, 10);
    // A resting buy of 100 lots at 200,000 ticks = 2,000 USDT notional → 200 USDT of margin at 10×.
    expect(v.limit(a, oid(), Side.Buy, 200_000, 100)).toBe(RejectCode.None);
    // A second identical order would need 400 USDT in total > 300.
    refused(v, RejectCode.InsufficientMargin, () => v.limit(a, oid(), Side.Buy, 200_000, 100));
    // The opposite side does not add up (largest one-sided exposure, 1,890 < 2,000 USDT): a 90-lot sell fits.
    expect(v.limit(a, oid(), Side.Sell, 210_000, 90)).toBe(RejectCode.None);
    // Free margin = 300 − 200 = 100 USDT: one unit more is refused, exactly 100 is allowed.
    refused(v, RejectCode.InsufficientMargin, () => v.withdraw(a, 100 * USDT + 1));
    expect(v.withdraw(a, 100 * USDT)).toBe(RejectCode.None);
    expect(v.accounts.wallet[a]).toBe(200 * USDT);
    refused(v, RejectCode.InvalidAmount, () => v.withdraw(a, 0));
    refused(v, RejectCode.InvalidAmount, () => v.deposit(a, 1.5));
    v.checkConservation();
  });

  it("refuses leverage above the venue cap or the tier table's limit for the exposure with LeverageExceedsCap", () => {
    const f = makeVenue({ maxLeverage: 50 });
    const { v } = f;
    const a = fundedAccount(v, 100_000, false, 20);
    const b = fundedAccount(v, 100_000, false, 20);
    refused(v, RejectCode.LeverageExceedsCap, () => v.setLeverage(a, 51));
    refused(v, RejectCode.LeverageExceedsCap, () => v.setLeverage(a, 0));
    refused(v, RejectCode.LeverageExceedsCap, () => v.setLeverage(a, 2.5));
    expect(v.setLeverage(a, 50)).toBe(RejectCode.None);
    expect(v.accounts.leverage[a]).toBe(50);
    // 15 BTC at 20,000 = 300,000 USDT: tier 3 (≤ 1,000,000) allows 50×, tier 2's 100× is not allowed.
    v.setLeverage(a, 20);
    trade(v, a, b, 200_000, 15 * BTC);
    expect(v.setLeverage(a, 50)).toBe(RejectCode.None);
    const g = makeVenue();
    const c = fundedAccount(g.v, 100_000, false, 20);
    const d = fundedAccount(g.v, 100_000, false, 20);
    trade(g.v, c, d, 200_000, 15 * BTC);
    refused(g.v, RejectCode.LeverageExceedsCap, () => g.v.setLeverage(c, 51));
    expect(() => v.openAccount({ leverage: 51 })).toThrowError(ConfigError);
  });

  it("refuses every order with MarketHalted while the circuit breaker holds, and accepts them after", () => {
    const f = makeVenue({ circuitBreaker: { movePpm: 50_000, windowNs: 10 * SEC, haltNs: 60 * SEC } });
    const { v } = f;
    const a = fundedAccount(v, 10_000, false, 20);
    const b = fundedAccount(v, 10_000, false, 20);
    const resting = oid();
    v.limit(b, resting, Side.Sell, 210_000, 10);
    moveTo(f, 200_000, 0);
    // −6 % in one second ≥ 5 %: halted until 1 s + 60 s.
    moveTo(f, 188_000, 1 * SEC);
    expect(v.isHalted()).toBe(true);
    expect(v.haltedUntilNs).toBe(61 * SEC);
    refused(v, RejectCode.MarketHalted, () => v.limit(a, oid(), Side.Buy, 190_000, 1));
    refused(v, RejectCode.MarketHalted, () => v.market(a, oid(), Side.Buy, 1));
    // Cancels and deposits are not trading: they still work.
    expect(v.cancel(b, resting)).toBe(RejectCode.None);
    expect(v.deposit(a, 1)).toBe(RejectCode.None);
    moveTo(f, 188_000, 60 * SEC);
    expect(v.isHalted()).toBe(true);
    moveTo(f, 188_000, 61 * SEC);
    expect(v.isHalted()).toBe(false);
    expect(v.limit(a, oid(), Side.Buy, 190_000, 1)).toBe(RejectCode.None);
  });

  it("reports an invalid configuration as a ConfigError naming the field path", () => {
    const field = (extra: Record<string, unknown>): string => {
      try {
        makeVenue(extra);
      } catch (e) {
        expect(e).toBeInstanceOf(ConfigError);
        return (e as ConfigError).field;
      }
      return "none";
    };
    expect(field({ liquidation: { mode: "half" } })).toBe("perp.liquidation.mode");
    expect(field({ liquidation: { maxNotionalPerSecond: "-1" } })).toBe(
      "perp.liquidation.maxNotionalPerSecond",
    );
    expect(field({ liquidation: { maxNotionalPerSecond: "0.00001" } })).toBe(
      "perp.liquidation.maxNotionalPerSecond",
    );
    expect(field({ takerFeePpm: 1.5 })).toBe("perp.takerFeePpm");
    expect(field({ maxLeverage: 0 })).toBe("perp.maxLeverage");
    expect(field({ defaultLeverage: 100, maxLeverage: 50 })).toBe("perp.defaultLeverage");
    expect(field({ minPriceTicks: 10, maxPriceTicks: 5 })).toBe("perp.maxPriceTicks");
    expect(field({ funding: { intervalNs: 0 } })).toBe("perp.funding.intervalNs");
    expect(field({ insuranceFund: { initial: "-1" } })).toBe("perp.insuranceFund.initial");
    expect(field({ insuranceFund: { adlThreshold: "0.00001" } })).toBe("perp.insuranceFund.adlThreshold");
    expect(field({ circuitBreaker: { movePpm: 0, windowNs: 1, haltNs: 1 } })).toBe(
      "perp.circuitBreaker.movePpm",
    );
    expect(field({ dynamicMaintenance: { referenceVolatility: -1 } })).toBe(
      "perp.dynamicMaintenance.referenceVolatility",
    );
    expect(
      field({ tiers: [{ maxNotional: "Infinity", maintenanceMarginRate: "0.02", maxLeverage: 50 }] }),
    ).toBe("tiers[0].maxLeverage");
    expect(field({})).toBe("none");
  });
});
