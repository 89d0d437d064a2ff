/**
 * The perpetual venue's time-driven duties by hand: funding, each liquidation path (book,
 * takeover, ADL and its ranking, fund workout), every liquidation policy, and the trigger heaps
 * at scale. The mark is driven through a ManualIndex: with no basis samples (the book is one-sided
 * or empty at every `advance`) and no funding yet, mark = median(index, index, last) = index.
 *
 * BTCUSDT throughout: m = 1 quote unit per tick·lot, 1 BTC = 1,000 lots, 1 USDT = 10,000 units.
 * Fees are zero unless a test sets them.
 */

import { ConfigError, NS_PER_HOUR, RejectCode, Side } from "@cascade/core";
import { TimeInForce } from "@cascade/matching-engine";
import { describe, expect, it } from "vitest";
import { LiquidationStage } from "./liquidation-log.ts";
import type { PerpVenueConfig } from "./perp-config.ts";
import {
  BTC,
  bybitPair,
  fundedAccount,
  logRows,
  makeBybitVenue,
  makeVenue,
  moveTo,
  oid,
  SEC,
  trade,
  USDT,
} from "./perp-venue.testkit.ts";
import { INSURANCE_FUND } from "./perp-venue.ts";
import { decodeVenueEvents } from "./venue-events.ts";

const H8 = 8 * NS_PER_HOUR;
/** Default insurance fund seed: 10,000,000 USDT. */
const FUND0 = 10_000_000 * USDT;

describe("PerpVenue funding", () => {
  it("charges the interest rate, 0.01 %, when there is no premium: longs pay, shorts receive, the residue goes to the fund", () => {
    const f = makeVenue();
    const { v } = f;
    const alice = fundedAccount(v, 10_000, false, 20);
    const bob = fundedAccount(v, 10_000, false, 20);
    trade(v, alice, bob, 200_000, 1 * BTC);
    moveTo(f, 200_000, 0);
    moveTo(f, 200_001, H8 - 1);
    expect(v.accounts.wallet[alice]).toBe(10_000 * USDT);
    expect(v.nextWakeNs()).toBe(H8);
    // At 8 h: mark 200,001 (index; no trade since). F = 0 + clamp(0.0001 − 0, ±0.0005) = 0.0001 = 10,000e-8.
    // Value 1,000 × 200,001 = 200,001,000 units × 0.0001 = 20,000.1: the long pays ceil = 20,001,
    // the short receives floor = 20,000; the residue of 1 unit goes to the insurance fund.
    moveTo(f, 200_001, H8);
    expect(v.lastFundingRateE8).toBe(10_000);
    expect(v.accounts.wallet[alice]).toBe(10_000 * USDT - 20_001);
    expect(v.accounts.wallet[bob]).toBe(10_000 * USDT + 20_000);
    expect(v.accounts.fundingPaid[alice]).toBe(20_001);
    expect(v.accounts.fundingPaid[bob]).toBe(-20_000);
    expect(v.fundingResidueUnits).toBe(1);
    expect(v.insuranceFundUnits()).toBe(FUND0 + 1);
    const ev = decodeVenueEvents(v.events).filter((e) => e.kind === "funding");
    expect(ev.map((e) => [e.account, e.amountUnits, e.priceTicks])).toEqual([
      [alice, 20_001, 200_001],
      [bob, -20_000, 200_001],
    ]);
    expect(v.nextWakeNs()).toBe(H8 + SEC);
  });

  it("turns impact quotes above the index into a positive rate (longs pay) and below it into a negative one (shorts pay)", () => {
    // maxLeverage 10: impact notional = 200 USDT × 10 = 2,000 USDT = 20,000,000 tick·lots.
    for (const [bid, ask, rateE8] of [
      // Impact bid 200,400 (200 lots there cover the impact size): premium = 400 / 200,000 = 0.002;
      // F = 0.002 + clamp(0.0001 − 0.002, ±0.0005) = 0.0015.
      [200_400, 201_000, 150_000],
      // Impact ask 199,600 below the index: premium −0.002; F = −0.002 + clamp(0.0021) = −0.0015.
      [199_000, 199_600, -150_000],
    ] as const) {
      const f = makeVenue({ maxLeverage: 10, defaultLeverage: 10 });
      const { v } = f;
      const alice = fundedAccount(v, 10_000, false, 10);
      const bob = fundedAccount(v, 10_000, false, 10);
      const carol = fundedAccount(v, 100_000, false, 10);
      trade(v, alice, bob, 200_000, 1 * BTC);
      v.limit(carol, oid(), Side.Buy, bid, 200);
      v.limit(carol, oid(), Side.Sell, ask, 200);
      // Samples at 0 and 8 h, both the same premium. The mark stays 200,000: median(P1 = index,
      // P2 = index + basis, last trade 200,000).
      moveTo(f, 200_000, 0);
      moveTo(f, 200_000, H8);
      expect(v.markTicks).toBe(200_000);
      expect(v.lastFundingRateE8).toBe(rateE8);
      // |payment| = 200,000,000 × 0.0015 = 300,000 units (30 USDT), exact: no residue.
      const sign = Math.sign(rateE8);
      expect(v.accounts.wallet[alice]).toBe(10_000 * USDT - sign * 300_000);
      expect(v.accounts.wallet[bob]).toBe(10_000 * USDT + sign * 300_000);
      expect(v.accounts.fundingPaid[carol]).toBe(0);
      expect(v.fundingResidueUnits).toBe(0);
    }
  });

  it("takes funding out of isolated margin and liquidates a position it pushed past its trigger in the same advance", () => {
    // F = I = 0.75 % (clamp wide enough). Alice's trigger is 197,000; the mark sits at 198,000.
    const f = bybitPair({ funding: { interestRate: 0.0075, clamp: 0.01 } });
    const { v, alice } = f;
    moveTo(f, 198_000, H8 - SEC);
    expect(v.positionLots(alice)).toBe(1 * BTC);
    // Payment = 198,000,000 × 0.0075 = 1,485,000 units from the isolated margin: 4,000,000 → 2,515,000,
    // so the trigger becomes (200,000,000 + 1,000,000 − 2,515,000) / 1,000 = 198,485 ≥ mark 198,000.
    f.index.priceTicks = 198_000;
    v.advance(H8);
    expect(v.accounts.fundingPaid[alice]).toBe(1_485_000);
    expect(v.positionLots(alice)).toBe(0);
    // Liquidated: she keeps only the free 600 USDT (her wallet paid the funding out of the margin).
    expect(v.accounts.wallet[alice]).toBe(600 * USDT);
    v.checkConservation();
  });
});

describe("PerpVenue liquidation paths", () => {
  it("(a) closes through the book at or above bankruptcy, pays the surplus to the fund and leaves the free balance", () => {
    const f = bybitPair();
    const { v, alice } = f;
    const carol = fundedAccount(v, 100_000, false, 20);
    v.limit(carol, oid(), Side.Buy, 196_800, 600);
    v.limit(carol, oid(), Side.Buy, 196_200, 400);
    const below = oid();
    v.limit(carol, below, Side.Buy, 195_900, 1_000); // below bankruptcy 196,000: never touched
    moveTo(f, 197_000, 1 * SEC);
    expect(v.positionLots(alice)).toBe(0);
    expect(v.accounts.isoMargin[alice]).toBe(0);
    expect(v.accounts.wallet[alice]).toBe(600 * USDT);
    // Fills 600 @ 196,800 + 400 @ 196,200 = 196,560,000 for what is worth 196,000,000 at bankruptcy:
    // surplus 560,000 units to the fund.
    expect(v.insuranceFundUnits()).toBe(FUND0 + 560_000);
    expect(logRows(v)).toEqual([
      {
        account: alice,
        side: 0,
        qty: 1_000,
        mark: 197_000,
        trigger: 197_000,
        bankruptcy: 196_000,
        fill: 196_560,
        fundDelta: 560_000,
        stage: LiquidationStage.Book,
      },
    ]);
    expect(v.book.remainingOf(below)).toBe(1_000);
    expect(v.positionLots(carol)).toBe(1_000);
    expect(v.stats).toEqual({
      liquidations: 1,
      liquidatedLots: 1_000,
      liquidatedNotionalUnits: 196_000_000,
      takeoverLots: 0,
      adlCount: 0,
      adlLots: 0,
      fundCoverUnits: 0,
      adlResidualLots: 0,
    });
    const liq = decodeVenueEvents(v.events).filter((e) => e.kind === "liquidated");
    // Margin lost = wallet before − kept = 1,000 − 600 USDT.
    expect(liq.map((e) => [e.account, e.qtyLots, e.amountUnits])).toEqual([[alice, 1_000, 400 * USDT]]);
  });

  it("(a+b) fills what the book holds above bankruptcy and hands the rest to the fund", () => {
    const f = bybitPair({ liquidation: { fundWorkoutSlippagePpm: 0 } });
    const { v, alice } = f;
    const carol = fundedAccount(v, 100_000, false, 20);
    v.limit(carol, oid(), Side.Buy, 196_500, 600);
    v.limit(carol, oid(), Side.Buy, 195_900, 1_000);
    moveTo(f, 197_000, 1 * SEC);
    // Book: 600 @ 196,500 = 117,900,000 vs 600/1,000 of 196,000,000 = 117,600,000: surplus 300,000.
    // Takeover: 400 lots at 78,400,000, worth 400 × 197,000 = 78,800,000 at the mark: +400,000.
    // Workout at slippage 0 sells into the book at its best bid, 195,900: 400 × 195,900 =
    // 78,360,000 against the 78,400,000 the fund paid — a realised −40,000.
    expect(logRows(v).map((r) => [r.stage, r.qty, r.fill, r.fundDelta])).toEqual([
      [LiquidationStage.Book, 600, 196_500, 300_000],
      [LiquidationStage.Takeover, 400, Number.NaN, 400_000],
      [LiquidationStage.FundWorkout, 400, 195_900, -40_000],
    ]);
    expect(v.accounts.wallet[alice]).toBe(600 * USDT);
    expect(v.positionLots(INSURANCE_FUND)).toBe(0);
    expect(v.insuranceFundEquityUnits()).toBe(FUND0 + 300_000 - 40_000);
  });

  it("(b, f) lets the fund take over at bankruptcy when the book is empty, then work the position out through the book", () => {
    const f = bybitPair();
    const { v, alice } = f;
    moveTo(f, 197_000, 1 * SEC);
    expect(v.positionLots(alice)).toBe(0);
    expect(v.accounts.wallet[alice]).toBe(600 * USDT);
    // Takeover of 1,000 lots at 196,000,000; worth 197,000,000 at the mark: fund equity +1,000,000.
    expect(v.positionLots(INSURANCE_FUND)).toBe(1_000);
    expect(v.accounts.basis[INSURANCE_FUND]).toBe(196_000_000);
    expect(v.insuranceFundUnits()).toBe(FUND0);
    expect(v.insuranceFundEquityUnits()).toBe(FUND0 + 1_000_000);
    expect(logRows(v)).toEqual([
      {
        account: alice,
        side: 0,
        qty: 1_000,
        mark: 197_000,
        trigger: 197_000,
        bankruptcy: 196_000,
        fill: Number.NaN,
        fundDelta: 1_000_000,
        stage: LiquidationStage.Takeover,
      },
    ]);
    expect(v.stats.takeoverLots).toBe(1_000);
    // Nothing to sell into: the fund waits.
    moveTo(f, 197_000, 2 * SEC);
    expect(v.liquidations.length).toBe(1);
    // A bid at 196,900 ≥ its limit floor(197,000 × 0.99) = 195,030: the fund sells 1,000 there and
    // realises 196,900,000 − 196,000,000 = 900,000.
    const carol = fundedAccount(v, 100_000, false, 20);
    v.limit(carol, oid(), Side.Buy, 196_900, 1_000);
    moveTo(f, 197_000, 3 * SEC);
    expect(v.positionLots(INSURANCE_FUND)).toBe(0);
    expect(v.insuranceFundUnits()).toBe(FUND0 + 900_000);
    expect(logRows(v)[1]).toEqual({
      account: INSURANCE_FUND,
      side: 0,
      qty: 1_000,
      mark: 197_000,
      trigger: -1,
      bankruptcy: Number.NaN,
      fill: 196_900,
      fundDelta: 900_000,
      stage: LiquidationStage.FundWorkout,
    });
    expect(v.positionLots(carol)).toBe(1_000);
  });

  it("(f) liquidates, in the same advance, a maker whose stale order the fund's workout filled underwater", () => {
    // Alice short 1 BTC at 20,000 at 50× (trigger 203,000, bankruptcy 204,000), taken over at 203,000.
    const f = makeBybitVenue();
    const { v } = f;
    const alice = fundedAccount(v, 1_000, true, 50);
    const bob = fundedAccount(v, 100_000, false, 20);
    trade(v, bob, alice, 200_000, 1 * BTC);
    moveTo(f, 203_000, 1 * SEC);
    expect(v.positionLots(INSURANCE_FUND)).toBe(-1_000);
    // Dave's sell at 20,000 rests, 1.5 % below the mark (there are no bids).
    const dave = fundedAccount(v, 1_000, true, 50);
    expect(v.limit(dave, oid(), Side.Sell, 200_000, 1_000)).toBe(RejectCode.None);
    // At mark 205,000 the fund buys its inventory back (limit ceil(205,000 × 1.01) = 207,050) from dave
    // at 200,000, realising 204,000,000 − 200,000,000 = 4,000,000. Dave is now short 1 BTC at 20,000 with
    // 400 USDT: trigger 203,000 ≤ mark 205,000, so he is liquidated (taken over at 204,000) at once.
    moveTo(f, 205_000, 2 * SEC);
    expect(v.positionLots(dave)).toBe(0);
    expect(v.accounts.wallet[dave]).toBe(600 * USDT);
    expect(logRows(v).map((r) => [r.account, r.stage, r.qty])).toEqual([
      [alice, LiquidationStage.Takeover, 1_000],
      [INSURANCE_FUND, LiquidationStage.FundWorkout, 1_000],
      [dave, LiquidationStage.Takeover, 1_000],
    ]);
    expect(v.positionLots(INSURANCE_FUND)).toBe(-1_000);
  });

  it("(f) clamps the fund's workout limit to the price range: it sells down to tick 1 and buys up to the ceiling", () => {
    // Long inventory: the only bid is at tick 1, where floor(1 × 0.99) = 0 is below the range; the
    // limit becomes 1 and the fund sells there.
    const f = bybitPair();
    moveTo(f, 197_000, 1 * SEC);
    const carol = fundedAccount(f.v, 100_000, false, 20);
    f.v.limit(carol, oid(), Side.Buy, 1, 1_000);
    moveTo(f, 197_000, 2 * SEC);
    expect(f.v.positionLots(INSURANCE_FUND)).toBe(0);
    expect(logRows(f.v)[1]).toMatchObject({ account: INSURANCE_FUND, qty: 1_000, fill: 1 });
    // Short inventory: the only ask is at the ceiling 400,000, where ceil(400,000 × 1.01) = 404,000 is
    // above the range; the limit becomes 400,000 and the fund buys there.
    const g = makeBybitVenue();
    const alice = fundedAccount(g.v, 1_000, true, 50);
    const bob = fundedAccount(g.v, 100_000, false, 20);
    trade(g.v, bob, alice, 200_000, 1 * BTC);
    moveTo(g, 203_000, 1 * SEC);
    expect(g.v.positionLots(INSURANCE_FUND)).toBe(-1_000);
    const dave = fundedAccount(g.v, 1_000_000, false, 20);
    g.v.limit(dave, oid(), Side.Sell, 400_000, 1_000);
    moveTo(g, 203_000, 2 * SEC);
    expect(g.v.positionLots(INSURANCE_FUND)).toBe(0);
    expect(logRows(g.v)[1]).toMatchObject({ account: INSURANCE_FUND, side: 1, qty: 1_000, fill: 400_000 });
  });

  it("(c) auto-deleverages the profitable short at the bankruptcy price when an empty fund cannot absorb a gap", () => {
    const f = bybitPair({ insuranceFund: { initial: "0" } });
    const { v, alice, bob } = f;
    // The mark gaps to 195,000, below alice's bankruptcy 196,000: the takeover at 196,000,000 is worth
    // 195,000,000, fund equity 0 − 1,000,000 < 0 → ADL. Bob buys back 1,000 lots at 196,000,000:
    // realised 200,000,000 − 196,000,000 = +4,000,000.
    moveTo(f, 195_000, 1 * SEC);
    expect(v.positionLots(alice)).toBe(0);
    expect(v.positionLots(bob)).toBe(0);
    expect(v.positionLots(INSURANCE_FUND)).toBe(0);
    expect(v.accounts.wallet[bob]).toBe(100_000 * USDT + 4_000_000);
    expect(v.insuranceFundUnits()).toBe(0);
    expect(logRows(v)).toEqual([
      {
        account: alice,
        side: 0,
        qty: 1_000,
        mark: 195_000,
        trigger: 197_000,
        bankruptcy: 196_000,
        fill: Number.NaN,
        fundDelta: -1_000_000,
        stage: LiquidationStage.Takeover,
      },
      {
        account: bob,
        side: 1,
        qty: 1_000,
        mark: 195_000,
        trigger: -1,
        bankruptcy: 196_000,
        fill: 196_000,
        fundDelta: 0,
        stage: LiquidationStage.Adl,
      },
    ]);
    expect(v.stats.adlCount).toBe(1);
    expect(v.stats.adlLots).toBe(1_000);
    const del = decodeVenueEvents(v.events).filter((e) => e.kind === "deleveraged");
    expect(del.map((e) => [e.account, e.qtyLots, e.priceTicks, e.amountUnits])).toEqual([
      [bob, 1_000, 196_000, 4_000_000],
    ]);
  });

  it("(d) deleverages shorts in BitMEX-score order, highest first, ties by account id", () => {
    const f = makeBybitVenue({ insuranceFund: { initial: "0" } });
    const { v } = f;
    const alice = fundedAccount(v, 2_000, true, 50);
    const larry = fundedAccount(v, 1_000_000, false, 20);
    const s1 = fundedAccount(v, 2_000, false, 20);
    const s2 = fundedAccount(v, 10_000, false, 20);
    const s3 = fundedAccount(v, 1_500, false, 20);
    const s4 = fundedAccount(v, 3_000, false, 20);
    const s5 = fundedAccount(v, 3_000, false, 20);
    trade(v, alice, s3, 200_000, 1_000);
    trade(v, alice, s4, 200_000, 1_000);
    trade(v, alice, s5, 200_000, 1_000);
    trade(v, alice, s1, 200_000, 500);
    trade(v, larry, s1, 200_000, 500);
    trade(v, larry, s2, 205_000, 1_000);
    // Alice: 3,500 lots, basis 700,000,000, margin 3 × 4,000,000 + 2,000,000 = 14,000,000;
    // bankruptcy 686,000,000 / 3,500 = 196,000; trigger (700,000,000 + 3,500,000 − 14,000,000)/3,500 = 197,000.
    expect(v.bankruptcyPriceTicks(alice)).toBe(196_000);
    expect(v.liquidationPriceTicks(alice)).toBe(197_000);
    // Scores at mark 195,000 (PnL% × |mark value| / margin balance):
    //   s3: 0.025 × 195M / (15M + 5M)  = 0.24375
    //   s1: 0.025 × 195M / (20M + 5M)  = 0.195
    //   s4: 0.025 × 195M / (30M + 5M)  = 0.1393   (s5 the same: tie → lower id first)
    //   s2: (10/205) × 195M / (100M + 10M) = 0.0865
    // Takeover 3,500 lots worth 3,500 × 195,000 − 686,000,000 = −3,500,000 to an empty fund → ADL of 3,500.
    moveTo(f, 195_000, 1 * SEC);
    const adl = logRows(v).filter((r) => r.stage === LiquidationStage.Adl);
    expect(adl.map((r) => [r.account, r.qty, r.fill])).toEqual([
      [s3, 1_000, 196_000],
      [s1, 1_000, 196_000],
      [s4, 1_000, 196_000],
      [s5, 500, 196_000],
    ]);
    expect(v.positionLots(s5)).toBe(-500);
    expect(v.positionLots(s2)).toBe(-1_000);
    expect(v.positionLots(larry)).toBe(1_500);
    expect(v.positionLots(INSURANCE_FUND)).toBe(0);
    // Each short bought back at 196,000 what it sold at 200,000: +4,000 units per lot.
    expect(v.accounts.wallet[s3]).toBe(1_500 * USDT + 4_000_000);
    expect(v.accounts.wallet[s5]).toBe(3_000 * USDT + 2_000_000);
  });

  it("(d) leaves a short with no profit at the mark out of the queue: what bob cannot take stays with the fund", () => {
    // Bob sold 500 lots at 20,000, carl 500 at 19,000: alice's bankruptcy is 191,100 and her trigger
    // 192,075. At a mark of 19,000 bob is in profit, carl at zero (score 0, not > 0). Of the 1,000 lots
    // the empty fund must deleverage, bob takes 500.
    const f = makeBybitVenue({ insuranceFund: { initial: "0" } });
    const { v } = f;
    const alice = fundedAccount(v, 1_000, true, 50);
    const bob = fundedAccount(v, 100_000, false, 20);
    const carl = fundedAccount(v, 100_000, false, 20);
    trade(v, alice, bob, 200_000, 500);
    trade(v, alice, carl, 190_000, 500);
    moveTo(f, 200_000, 0);
    const bk = v.bankruptcyPriceTicks(alice);
    expect([bk, v.liquidationPriceTicks(alice)]).toEqual([191_100, 192_075]);
    moveTo(f, 190_000, 1 * SEC);
    expect(v.positionLots(alice)).toBe(0);
    expect(
      logRows(v)
        .filter((r) => r.stage === LiquidationStage.Adl)
        .map((r) => [r.account, r.qty, r.fill]),
    ).toEqual([[bob, 500, bk]]);
    expect(v.positionLots(carl)).toBe(-500);
    expect(v.positionLots(INSURANCE_FUND)).toBe(500);
    expect(v.stats).toMatchObject({ adlCount: 1, adlLots: 500, adlResidualLots: 500 });
  });

  it("(d) skips the fund itself, flat accounts and same-side positions even when an ADL policy queues them", () => {
    // A naive policy queues every account by id: the engine closes only opposite positions.
    const f = bybitPair({
      insuranceFund: { initial: "0" },
      policies: {
        adl: () => ({
          enabled: true,
          queue: (view) => Array.from({ length: view.accounts.count }, (_, a) => a),
        }),
      },
    });
    const { v, alice, bob } = f;
    const lenny = fundedAccount(v, 100_000, false, 20);
    const dave = fundedAccount(v, 100_000, false, 20);
    trade(v, lenny, dave, 200_000, 100);
    moveTo(f, 195_000, 1 * SEC);
    const adl = logRows(v).filter((r) => r.stage === LiquidationStage.Adl);
    expect(adl.map((r) => [r.account, r.qty, r.fill])).toEqual([[bob, 1_000, 196_000]]);
    expect([v.positionLots(alice), v.positionLots(lenny), v.positionLots(dave)]).toEqual([0, 100, -100]);
    expect(v.stats).toMatchObject({ adlCount: 1, adlLots: 1_000, adlResidualLots: 0 });
  });

  it("(e) with ADL disabled lets the fund's equity go negative and writes no ADL rows", () => {
    const f = bybitPair({ insuranceFund: { initial: "0", adl: false } });
    const { v, bob } = f;
    moveTo(f, 195_000, 1 * SEC);
    expect(v.insuranceFundEquityUnits()).toBe(-1_000_000);
    expect(v.positionLots(INSURANCE_FUND)).toBe(1_000);
    expect(v.positionLots(bob)).toBe(-1_000);
    expect(v.liquidations.count(LiquidationStage.Adl)).toBe(0);
    expect(v.stats.adlCount).toBe(0);
    // The fund's loss grows with the mark; still no ADL.
    moveTo(f, 190_000, 2 * SEC);
    expect(v.insuranceFundEquityUnits()).toBe(190_000_000 - 196_000_000);
    expect(v.liquidations.count(LiquidationStage.Adl)).toBe(0);
  });
});

describe("PerpVenue liquidation policies", () => {
  /**
   * Default (Binance-like) ladder, mark convention. Cross long 20 BTC at 20,000 (400,000 USDT:
   * tier 3, MMR 1 %, cum 1,300) with 21,000 USDT; carol bids 10,000 lots at 19,070.
   * Trigger: 210,000,000 + 20,000·P − 4,000,000,000 ≤ 200·P − 13,000,000 ⇔ P ≤ 190,757.57 → 190,757.
   */
  function tierThree(mode: "full" | "partial", insuranceFund?: PerpVenueConfig["insuranceFund"]) {
    const f = makeVenue({ liquidation: { mode }, ...(insuranceFund ? { insuranceFund } : {}) });
    const { v } = f;
    const whale = fundedAccount(v, 21_000, false, 20);
    const bob = fundedAccount(v, 1_000_000, false, 20);
    const carol = fundedAccount(v, 100_000, false, 20);
    trade(v, whale, bob, 200_000, 20 * BTC);
    expect(v.liquidationPriceTicks(whale)).toBe(190_757);
    v.limit(carol, oid(), Side.Buy, 190_700, 10_000);
    moveTo(f, 200_000, 0);
    return { f, v, whale, carol };
  }

  it("partial mode reduces a tier-3 position to the top of tier 2 and the account survives", () => {
    const { f, v, whale } = tierThree("partial");
    moveTo(f, 190_757, 1 * SEC);
    // Target = floor(250,000 USDT / 19,075.7) = floor(2,500,000,000 / 190,757) = 13,105 lots: sell 6,895
    // at ≥ bankruptcy (4,000,000,000 − 210,000,000)/20,000 = 189,500, filled at carol's 190,700.
    // Realised 6,895 × 190,700 − 4,000,000,000 × 6,895/20,000 = 1,314,876,500 − 1,379,000,000 = −64,123,500.
    expect(v.positionLots(whale)).toBe(13_105);
    expect(v.accounts.wallet[whale]).toBe(210_000_000 - 64_123_500);
    expect(logRows(v)).toEqual([
      {
        account: whale,
        side: 0,
        qty: 6_895,
        mark: 190_757,
        trigger: 190_757,
        bankruptcy: 189_500,
        fill: 190_700,
        fundDelta: 0,
        stage: LiquidationStage.Partial,
      },
    ]);
    // Cured: notional 13,105 × 190,757 = 2,499,870,485 (tier 2) → MM ceil(12,499,352.4) − 500,000 = 11,999,353;
    // balance 145,876,500 + 2,499,870,485 − 2,621,000,000 = 24,746,985. The new trigger is 189,779
    // (there: balance 11,930,295 ≤ MM 11,935,269; at 189,780: 11,943,400 > 11,935,335).
    expect(v.liquidationPriceTicks(whale)).toBe(189_779);
    expect(v.stats.liquidations).toBe(1);
    expect(v.stats.takeoverLots).toBe(0);
  });

  it("a partial step pays the venue's clearance fee to the insurance fund, and the account is still cured", () => {
    const { f, v, whale } = tierThree("partial", {
      initial: "10000",
      rules: "venue",
      clearanceFeePpm: 5_000,
    });
    const fund0 = v.insuranceFundUnits();
    moveTo(f, 190_757, 1 * SEC);
    // The same step as above: 6,895 lots filled at 190,700 = 1,314,876,500 units, 8,274,000 better
    // than their bankruptcy value (6,895 × 189,500). The fund keeps 0.5 % of the filled notional,
    // ceil(6,574,382.5) = 6,574,383; the whale keeps the rest of the surplus.
    expect(v.positionLots(whale)).toBe(13_105);
    expect(v.insuranceFundUnits() - fund0).toBe(6_574_383);
    expect(v.accounts.wallet[whale]).toBe(210_000_000 - 64_123_500 - 6_574_383);
    expect(logRows(v).map((r) => [r.stage, r.qty, r.fundDelta])).toEqual([
      [LiquidationStage.Partial, 6_895, 6_574_383],
    ]);
    // Balance at the mark 24,746,985 − 6,574,383 = 18,172,602 > MM 11,999,353: cured, one liquidation.
    expect(v.stats.liquidations).toBe(1);
    expect(v.stats.takeoverLots).toBe(0);
    expect(v.liquidationPriceTicks(whale)).toBeGreaterThan(189_779);
  });

  it("full mode closes the same position whole: the book takes 10,000 lots, the fund the other 10,000", () => {
    const { f, v, whale } = tierThree("full");
    moveTo(f, 190_757, 1 * SEC);
    expect(v.positionLots(whale)).toBe(0);
    expect(v.accounts.wallet[whale]).toBe(0); // cross: the whole wallet was at stake
    // Bankruptcy value 3,790,000,000; half of it 1,895,000,000 vs 1,907,000,000 filled: surplus 12,000,000;
    // takeover of 10,000 lots worth 1,907,570,000 at the mark for 1,895,000,000: +12,570,000.
    expect(logRows(v).map((r) => [r.stage, r.qty, r.fundDelta])).toEqual([
      [LiquidationStage.Book, 10_000, 12_000_000],
      [LiquidationStage.Takeover, 10_000, 12_570_000],
    ]);
  });

  it("partial mode closes a position in the first tier whole, as full mode does", () => {
    const f = bybitPair({ liquidation: { mode: "partial" } });
    moveTo(f, 197_000, 1 * SEC);
    expect(f.v.positionLots(f.alice)).toBe(0);
    expect(logRows(f.v).map((r) => [r.stage, r.qty])).toEqual([[LiquidationStage.Takeover, 1_000]]);
  });

  it("partial mode hands the whole position to the fund when the book takes nothing", () => {
    const f = makeVenue({ liquidation: { mode: "partial" } });
    const { v } = f;
    const whale = fundedAccount(v, 21_000, false, 20);
    const bob = fundedAccount(v, 1_000_000, false, 20);
    trade(v, whale, bob, 200_000, 20 * BTC);
    moveTo(f, 200_000, 0);
    moveTo(f, 190_757, 1 * SEC);
    expect(v.positionLots(whale)).toBe(0);
    expect(v.positionLots(INSURANCE_FUND)).toBe(20 * BTC);
    expect(logRows(v).map((r) => [r.stage, r.qty, r.bankruptcy])).toEqual([
      [LiquidationStage.Takeover, 20 * BTC, 189_500],
    ]);
    expect(v.stats).toMatchObject({ liquidations: 1, liquidatedLots: 20 * BTC, takeoverLots: 20 * BTC });
  });

  it("partial steps spend the pacing budget: once it is gone the rest is taken over, not sent to the book", () => {
    // At the trigger 190,757 the whale is 11,400 units short of maintenance; each lot sold at 189,600
    // (above bankruptcy 189,500) frees 1,907.57 of MM for 1,157 of loss: 16 lots would cure it.
    // 300 USDT a second = 3,000,000 units buy floor(3,000,000 / 190,757) = 15 lots: the first step
    // sells them (2,844,000 spent), the 156,000 left buy no lot, so the still-liquidatable rest,
    // 19,985 lots, goes to the fund at bankruptcy instead of to the book.
    const f = makeVenue({ liquidation: { mode: "partial", maxNotionalPerSecond: "300" } });
    const { v } = f;
    const whale = fundedAccount(v, 21_000, false, 20);
    const bob = fundedAccount(v, 1_000_000, false, 20);
    const carol = fundedAccount(v, 100_000, false, 20);
    trade(v, whale, bob, 200_000, 20 * BTC);
    v.limit(carol, oid(), Side.Buy, 189_600, 10_000);
    moveTo(f, 200_000, 0);
    moveTo(f, 190_757, 1 * SEC);
    expect(logRows(v).map((r) => [r.stage, r.qty, r.fill])).toEqual([
      [LiquidationStage.Partial, 15, 189_600],
      [LiquidationStage.Takeover, 19_985, Number.NaN],
    ]);
    expect(v.positionLots(carol)).toBe(15);
    expect(v.positionLots(INSURANCE_FUND)).toBe(19_985);
    expect(v.stats).toMatchObject({ liquidations: 1, liquidatedLots: 20 * BTC, takeoverLots: 19_985 });
  });

  it("pacing caps the book IOC per second, takes the rest over and works it out in later seconds", () => {
    // 50,000 USDT per second = 500,000,000 units: floor(500,000,000 / 197,000) = 2,538 lots at the mark.
    const f = makeBybitVenue({ liquidation: { maxNotionalPerSecond: "50000" } });
    const { v } = f;
    const alice = fundedAccount(v, 3_000, true, 50);
    const bob = fundedAccount(v, 1_000_000, false, 20);
    const carol = fundedAccount(v, 1_000_000, false, 20);
    trade(v, alice, bob, 200_000, 5 * BTC);
    expect(v.bankruptcyPriceTicks(alice)).toBe(196_000);
    v.limit(carol, oid(), Side.Buy, 196_500, 5_000);
    moveTo(f, 200_000, 0);
    moveTo(f, 197_000, 1 * SEC);
    // Book: 2,538 @ 196,500 = 498,717,000 vs 2,538 × 196,000 = 497,448,000 → surplus 1,269,000.
    // Takeover: 2,462 lots at 482,552,000, worth 485,014,000 → +2,462,000.
    // Workout in the same second: 500,000,000 − 498,717,000 = 1,283,000 left → 6 lots @ 196,500,
    // realising 1,179,000 − 482,552,000 × 6/2,462 (= 1,176,000) = 3,000.
    // Next second: the remaining 2,456 lots @ 196,500: 482,604,000 − 481,376,000 = 1,228,000.
    moveTo(f, 197_000, 2 * SEC);
    expect(logRows(v).map((r) => [r.stage, r.qty, r.fill, r.fundDelta])).toEqual([
      [LiquidationStage.Book, 2_538, 196_500, 1_269_000],
      [LiquidationStage.Takeover, 2_462, Number.NaN, 2_462_000],
      [LiquidationStage.FundWorkout, 6, 196_500, 3_000],
      [LiquidationStage.FundWorkout, 2_456, 196_500, 1_228_000],
    ]);
    expect(v.positionLots(INSURANCE_FUND)).toBe(0);
    expect(v.positionLots(carol)).toBe(5_000);
    expect(v.accounts.wallet[alice]).toBe(1_000 * USDT);
    expect(v.insuranceFundUnits()).toBe(FUND0 + 1_269_000 + 3_000 + 1_228_000);
  });

  it("the circuit breaker suspends liquidations during the halt and processes them when it ends", () => {
    const f = bybitPair({ circuitBreaker: { movePpm: 10_000, windowNs: 10 * SEC, haltNs: 30 * SEC } });
    const { v, alice } = f;
    // −2 % in a second ≥ 1 %: halted until 31 s, although alice's trigger 197,000 ≥ mark 196,000.
    moveTo(f, 196_000, 1 * SEC);
    expect(v.isHalted()).toBe(true);
    expect(v.positionLots(alice)).toBe(1_000);
    moveTo(f, 196_000, 20 * SEC);
    expect(v.positionLots(alice)).toBe(1_000);
    expect(v.limit(alice, oid(), Side.Sell, 196_000, 1)).toBe(RejectCode.MarketHalted);
    expect(() => v.checkConservation(true)).not.toThrow(); // halted: not yet due
    moveTo(f, 196_000, 31 * SEC);
    expect(v.isHalted()).toBe(false);
    expect(v.positionLots(alice)).toBe(0);
    expect(logRows(v).map((r) => [r.stage, r.qty, r.mark])).toEqual([
      [LiquidationStage.Takeover, 1_000, 196_000],
    ]);
  });

  it("the ADL threshold makes even a solvent fund deleverage; a large fund with threshold 0 absorbs a gap", () => {
    // Threshold 2,000 USDT above a 1,000 USDT fund: the takeover (+1,000,000 at mark 197,000) leaves equity
    // 11,000,000 < 20,000,000 → bob is deleveraged at 196,000.
    const f = bybitPair({ insuranceFund: { initial: "1000", adlThreshold: "2000" } });
    moveTo(f, 197_000, 1 * SEC);
    expect(f.v.positionLots(f.bob)).toBe(0);
    expect(f.v.liquidations.count(LiquidationStage.Adl)).toBe(1);
    // Threshold 0, fund 1,000 USDT, gap to 195,000: equity 10,000,000 − 1,000,000 ≥ 0: the fund keeps it.
    const g = bybitPair({ insuranceFund: { initial: "1000" } });
    moveTo(g, 195_000, 1 * SEC);
    expect(g.v.positionLots(g.bob)).toBe(-1_000);
    expect(g.v.positionLots(INSURANCE_FUND)).toBe(1_000);
    expect(g.v.insuranceFundEquityUnits()).toBe(9_000_000);
    expect(g.v.liquidations.count(LiquidationStage.Adl)).toBe(0);
  });

  it("the ADL threshold is strict: a fund whose equity lands exactly on it keeps the takeover, one unit short deleverages", () => {
    // Fund 1,000 USDT; the takeover at 196,000,000 is worth 197,000,000 at the mark: equity 11,000,000.
    const at = bybitPair({ insuranceFund: { initial: "1000", adlThreshold: "1100" } });
    moveTo(at, 197_000, 1 * SEC);
    expect(at.v.insuranceFundEquityUnits()).toBe(11_000_000);
    expect(at.v.positionLots(INSURANCE_FUND)).toBe(1_000);
    expect(at.v.positionLots(at.bob)).toBe(-1_000);
    expect(at.v.stats.adlCount).toBe(0);
    const above = bybitPair({ insuranceFund: { initial: "1000", adlThreshold: "1100.0001" } });
    moveTo(above, 197_000, 1 * SEC);
    expect(above.v.positionLots(INSURANCE_FUND)).toBe(0);
    expect(above.v.positionLots(above.bob)).toBe(0);
    expect(above.v.stats).toMatchObject({ adlCount: 1, adlLots: 1_000, takeoverLots: 1_000 });
  });

  it("dynamic maintenance raises the multiplier on a volatile mark, moving liquidation prices closer, and lowers it when calm", () => {
    const f = bybitPair({ dynamicMaintenance: { windowNs: 60 * SEC, referenceVolatility: 0.001 } });
    const { v, alice } = f;
    expect(v.maintenanceMultiplier()).toBe(1);
    moveTo(f, 204_000, 1 * SEC);
    moveTo(f, 200_000, 2 * SEC);
    // Returns ±ln(1.02) ≈ ±0.0198 per second ≫ 0.001: 1 + 1 × (σ/0.001 − 1) capped at 3 (steps of 0.25).
    expect(v.maintenanceMultiplier()).toBe(3);
    // MM = 3 × 1,000,000: 4,000,000 + 1,000·P − 200,000,000 ≤ 3,000,000 ⇔ P ≤ 199,000.
    expect(v.liquidationPriceTicks(alice)).toBe(199_000);
    expect(v.positionLots(alice)).toBe(1_000);
    // Calm for a full window: the volatile returns leave it (the last one starts at 1 s: gone at 62 s).
    for (let t = 3; t <= 61; t++) moveTo(f, 200_000, t * SEC);
    expect(v.maintenanceMultiplier()).toBeGreaterThan(1);
    moveTo(f, 200_000, 62 * SEC);
    expect(v.maintenanceMultiplier()).toBe(1);
    expect(v.liquidationPriceTicks(alice)).toBe(197_000);
  });

  it("the leverage cap refuses accounts and settings above it", () => {
    const f = makeVenue({ maxLeverage: 20 });
    expect(() => f.v.openAccount({ leverage: 21 })).toThrowError(ConfigError);
    expect(() => f.v.openAccounts(3, true, 21)).toThrowError(ConfigError);
    const a = f.v.openAccount({ leverage: 20 });
    expect(f.v.setLeverage(a, 21)).toBe(RejectCode.LeverageExceedsCap);
    expect(f.v.setLeverage(a, 20)).toBe(RejectCode.None);
  });
});

describe("PerpVenue trigger heaps at scale", () => {
  it("liquidates exactly the accounts whose trigger ≥ mark, highest trigger first, as the mark falls", () => {
    const f = makeBybitVenue();
    const { v } = f;
    const n = 300;
    const bob = fundedAccount(v, 1_000_000, false, 20);
    v.limit(bob, oid(), Side.Sell, 200_000, n * 100);
    const first = v.openAccounts(n, true, 2);
    const trigger = new Map<number, number>();
    for (let i = 0; i < n; i++) {
      const a = first + i;
      const lev = 2 + ((i * 37) % 99); // 2 … 100
      expect(v.setLeverage(a, lev)).toBe(RejectCode.None);
      v.deposit(a, 1_100 * USDT);
      expect(v.limit(a, oid(), Side.Buy, 200_000, 100, TimeInForce.IOC)).toBe(RejectCode.None);
      // 100 lots at 200,000: basis 20,000,000, margin ceil(20,000,000 / lev), MM 100,000 (entry):
      // liquidatable iff margin + 100·P − 20,000,000 ≤ 100,000 ⇔ P ≤ (20,100,000 − margin) / 100.
      const margin = Math.ceil(20_000_000 / lev);
      trigger.set(a, Math.floor((20_100_000 - margin) / 100));
      expect(v.liquidationPriceTicks(a)).toBe(trigger.get(a));
    }
    expect(v.positionLots(bob)).toBe(-n * 100);
    let t = 0;
    for (let mark = 200_000; mark >= 100_000; mark -= 997) {
      const rows0 = v.liquidations.length;
      moveTo(f, mark, t++ * SEC);
      const expected = [...trigger]
        .filter(([, p]) => p >= mark && p < mark + 997) // crossed by this step of the mark
        .sort((x, y) => y[1] - x[1] || x[0] - y[0])
        .map(([a]) => a);
      const got: number[] = [];
      for (let i = rows0; i < v.liquidations.length; i++) {
        if (v.liquidations.stage[i] === LiquidationStage.Takeover) got.push(v.liquidations.account[i]!);
      }
      expect(got).toEqual(expected);
      for (const [a, p] of trigger) expect(v.positionLots(a)).toBe(p >= mark ? 0 : 100);
    }
    expect(v.stats.liquidations).toBe(n);
  });
});
