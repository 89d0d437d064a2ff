/**
 * The insurance-fund rules of real venues (`insuranceFund.rules: "venue"`), one by one, on the
 * Bybit example: alice, isolated long 1 BTC at 20,000 at 50× with 1,000 USDT (margin 400, trigger
 * 19,700, bankruptcy 19,600); bob, cross short 1 BTC with 100,000 USDT. The mark follows a
 * ManualIndex. BTCUSDT: m = 1, 1 BTC = 1,000 lots, 1 USDT = 10,000 units.
 */

import { ConfigError, Side } from "@cascade/core";
import { describe, expect, it } from "vitest";
import { LiquidationStage } from "./liquidation-log.ts";
import type { PerpVenueConfig } from "./perp-config.ts";
import {
  BTC,
  bybitPair,
  fundedAccount,
  logRows,
  makeBybitVenue,
  moveTo,
  oid,
  SEC,
  trade,
  USDT,
} from "./perp-venue.testkit.ts";
import { INSURANCE_FUND } from "./perp-venue.ts";

/** Venue rules with every pacing off unless a test sets it: the whole inventory at each update, no floor, no fee. */
const BARE = {
  rules: "venue",
  positionCap: null,
  valuation: "mark",
  clearanceFeePpm: null,
  workoutHorizonNs: null,
  volumeShare: null,
  floorPpm: null,
} as const;

function setup(fund: NonNullable<PerpVenueConfig["insuranceFund"]>) {
  return bybitPair({ insuranceFund: { adl: true, ...BARE, ...fund } });
}

const stages = (v: ReturnType<typeof setup>["v"]) => logRows(v).map((r) => [r.stage, r.account, r.qty]);

describe("insurance fund: venue rules", () => {
  it("caps the fund's net position at a multiple of its equity and sends the excess to ADL at once", () => {
    // Fund 5,000 USDT takes over 1 BTC at 19,600 with the mark at 19,700 (19.7 USDT a lot): k lots
    // closed against bob at 19.6 leave equity 5,100 − 0.1·k, which must cover 19.7·(1,000 − k):
    // k ≥ 744.9, so 745 go to ADL and the fund keeps 255.
    const f = setup({ initial: "5000", positionCap: 1 });
    moveTo(f, 197_000, SEC);
    expect(stages(f.v)).toEqual([
      [LiquidationStage.Takeover, f.alice, 1_000],
      [LiquidationStage.Adl, f.bob, 745],
    ]);
    expect(f.v.positionLots(INSURANCE_FUND)).toBe(255);
    expect(f.v.positionLots(f.bob)).toBe(-255);
  });

  it("judges solvency at the executable price and deleverages just enough of the takeover to restore equity", () => {
    // The only bid is carol's 1 BTC at 15,000. Fund 3,000 USDT holds 1 BTC bought at 19,600:
    // at the mark (19,700) its equity is +3,100 USDT, at the executable price (15,000) −1,600.
    // Each lot handed to ADL at 19.6 instead of being held at 15.0 adds 4.6 USDT:
    // ceil(1,600 / 4.6) = 348 lots.
    for (const [valuation, adl] of [
      ["mark", 0],
      ["executable", 348],
    ] as const) {
      const f = setup({ initial: "3000", valuation });
      const carol = fundedAccount(f.v, 100_000, false, 10);
      f.v.limit(carol, oid(), Side.Buy, 150_000, 1 * BTC);
      moveTo(f, 197_000, SEC);
      const adlRows = logRows(f.v).filter((r) => r.stage === LiquidationStage.Adl);
      expect(adlRows.reduce((s, r) => s + r.qty, 0)).toBe(adl);
    }
  });

  it("works the inventory out as a TWAP, never below the floor under the index", () => {
    // ADL off: the fund keeps the 1 BTC. Floor 2.5 %: with the index at 19,700 it sells no lower
    // than 19,207.5. Horizon 10 s: each 1-second update offers ceil(inventory / 10).
    const f = setup({ initial: "100000", adl: false, floorPpm: 25_000, workoutHorizonNs: 10 * SEC });
    moveTo(f, 197_000, SEC);
    expect(f.v.positionLots(INSURANCE_FUND)).toBe(1_000);
    const carol = fundedAccount(f.v, 1_000_000, false, 10);
    f.v.limit(carol, oid(), Side.Buy, 190_000, 5 * BTC); // below the floor: never hit
    moveTo(f, 197_000, 2 * SEC);
    moveTo(f, 197_000, 3 * SEC);
    expect(f.v.positionLots(INSURANCE_FUND)).toBe(1_000);
    f.v.limit(carol, oid(), Side.Buy, 195_000, 5 * BTC);
    moveTo(f, 197_000, 4 * SEC);
    expect(f.v.positionLots(INSURANCE_FUND)).toBe(900);
    moveTo(f, 197_000, 5 * SEC);
    expect(f.v.positionLots(INSURANCE_FUND)).toBe(810);
    const workouts = logRows(f.v).filter((r) => r.stage === LiquidationStage.FundWorkout);
    expect(workouts.map((r) => [r.qty, r.fill])).toEqual([
      [100, 195_000],
      [90, 195_000],
    ]);
  });

  it("values lots beyond the book's depth at the floor under the index, or at the deepest bid when that is lower", () => {
    // carol bids 300 lots at 19,000. Without a floor the other 700 lots are valued at that bid: 190,000
    // a lot, equity 10,000,000 + 190,000,000 − 196,000,000 = 4,000,000 ≥ 0, no ADL. With a 10 % floor
    // under the index (177,300) they are valued there: (300 × 190,000 + 700 × 177,300) / 1,000 = 181,110,
    // equity −4,890,000; each lot handed to bob at 196,000 gains 14,890: ceil(4,890,000 / 14,890) = 329.
    for (const [floorPpm, adl] of [
      [null, 0],
      [100_000, 329],
    ] as const) {
      const f = setup({ initial: "1000", valuation: "executable", floorPpm });
      const carol = fundedAccount(f.v, 100_000, false, 10);
      f.v.limit(carol, oid(), Side.Buy, 190_000, 300);
      moveTo(f, 197_000, SEC);
      const adlRows = logRows(f.v).filter((r) => r.stage === LiquidationStage.Adl);
      expect(adlRows.map((r) => [r.account, r.qty, r.fill])).toEqual(adl ? [[f.bob, adl, 196_000]] : []);
    }
  });

  it("deleverages older inventory at a later mark update once equity falls below the threshold, and not at it", () => {
    // No bids: the fund (1,000 USDT) keeps the 1,000 lots it took at 196,000. At a mark of 186,000 its
    // equity is 10,000,000 + 186,000,000 − 196,000,000 = 0: not below the threshold 0. At 185,000 it is
    // −1,000,000; each lot closed against bob at the fund's entry 196,000 gains 11,000: 91 lots.
    const f = setup({ initial: "1000" });
    moveTo(f, 197_000, SEC);
    expect(f.v.positionLots(INSURANCE_FUND)).toBe(1_000);
    moveTo(f, 186_000, 2 * SEC);
    expect(f.v.positionLots(INSURANCE_FUND)).toBe(1_000);
    moveTo(f, 185_000, 3 * SEC);
    expect(stages(f.v)).toEqual([
      [LiquidationStage.Takeover, f.alice, 1_000],
      [LiquidationStage.Adl, f.bob, 91],
    ]);
    // Closed at the fund's entry value, which the row also gives as the bankruptcy price.
    expect(logRows(f.v)[1]).toMatchObject({ fill: 196_000, bankruptcy: 196_000 });
    expect(f.v.positionLots(INSURANCE_FUND)).toBe(909);
    expect(f.v.accounts.wallet[f.bob]).toBe(100_000 * USDT + 91 * 4_000);
    expect(f.v.insuranceFundEquityUnits()).toBe(1_000);
    // With ADL off the same shortfall closes nothing.
    const g = setup({ initial: "1000", adl: false });
    moveTo(g, 197_000, SEC);
    moveTo(g, 185_000, 2 * SEC);
    expect(g.v.positionLots(INSURANCE_FUND)).toBe(1_000);
    expect(g.v.stats).toMatchObject({ adlCount: 0, adlResidualLots: 0 });
  });

  it("works out at most the volume share of what the book traded since the last update", () => {
    // ADL off: the fund keeps 1 BTC. Between updates dave sells erin 100 lots: at a 50 % share the
    // fund may sell 50 of its 1,000 lots into carol's bid.
    const f = setup({ initial: "100000", adl: false, volumeShare: 0.5 });
    moveTo(f, 197_000, SEC);
    const carol = fundedAccount(f.v, 1_000_000, false, 10);
    const dave = fundedAccount(f.v, 100_000, false, 10);
    const erin = fundedAccount(f.v, 100_000, false, 10);
    f.v.limit(carol, oid(), Side.Buy, 195_000, 5 * BTC);
    moveTo(f, 197_000, 2 * SEC);
    expect(f.v.positionLots(INSURANCE_FUND)).toBe(1_000);
    trade(f.v, erin, dave, 196_000, 100);
    moveTo(f, 197_000, 3 * SEC);
    expect(f.v.positionLots(INSURANCE_FUND)).toBe(950);
    const workouts = logRows(f.v).filter((r) => r.stage === LiquidationStage.FundWorkout);
    expect(workouts.map((r) => [r.qty, r.fill])).toEqual([[50, 195_000]]);
  });

  it("keeps a clearance fee of the surplus and returns the rest to the liquidated trader", () => {
    // carol bids 1 BTC at 19,699, above alice's bankruptcy price 19,600: surplus 99 USDT; the fund
    // keeps 0.5 % of 19,699 = 98.495 USDT, alice keeps her free 600 USDT and the other 0.505.
    const f = setup({ initial: "10000", clearanceFeePpm: 5_000 });
    const carol = fundedAccount(f.v, 100_000, false, 10);
    f.v.limit(carol, oid(), Side.Buy, 196_990, 1 * BTC);
    const fund0 = f.v.insuranceFundUnits();
    moveTo(f, 197_000, SEC);
    expect(f.v.positionLots(f.alice)).toBe(0);
    expect(f.v.insuranceFundUnits() - fund0).toBe(984_950);
    expect(f.v.accounts.wallet[f.alice]).toBe(600 * USDT + 5_050);
    expect(logRows(f.v).map((r) => [r.stage, r.fundDelta])).toEqual([[LiquidationStage.Book, 984_950]]);
  });

  it("never lets the fund's wallet go below zero: a loss nothing covers is socialised loss, and money is still conserved", () => {
    // ADL off, fund 100 USDT: it takes over 1 BTC at 19,600 and can only sell it at 15,000.
    const f = setup({ initial: "100", adl: false });
    moveTo(f, 197_000, SEC);
    const carol = fundedAccount(f.v, 100_000, false, 10);
    f.v.limit(carol, oid(), Side.Buy, 150_000, 1 * BTC);
    moveTo(f, 197_000, 2 * SEC); // checks conservation with the socialised loss
    expect(f.v.positionLots(INSURANCE_FUND)).toBe(0);
    expect(f.v.insuranceFundUnits()).toBe(0);
    expect(f.v.socializedLossUnits).toBe(4_600 * USDT - 100 * USDT);
  });

  it("the first model's fund, by contrast, goes negative", () => {
    const f = bybitPair({ insuranceFund: { initial: "100", adl: false } });
    moveTo(f, 197_000, SEC);
    const carol = fundedAccount(f.v, 100_000, false, 10);
    f.v.limit(carol, oid(), Side.Buy, 150_000, 1 * BTC);
    moveTo(f, 197_000, 2 * SEC);
    expect(f.v.insuranceFundUnits()).toBe(100 * USDT - 4_600 * USDT);
    expect(f.v.socializedLossUnits).toBe(0);
  });

  it("refuses a fund that may hold nothing with ADL off, naming both fields", () => {
    expect(() => makeBybitVenue({ insuranceFund: { rules: "venue", positionCap: 0, adl: false } })).toThrow(
      ConfigError,
    );
    expect(() => makeBybitVenue({ insuranceFund: { rules: "venue", positionCap: 0, adl: false } })).toThrow(
      /^perp\.insuranceFund\.positionCap = 0: cannot hold with perp\.insuranceFund\.adl = false/,
    );
  });
});
