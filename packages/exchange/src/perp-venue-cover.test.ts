import { RejectCode, Side } from "@cascade/core";
import { TimeInForce } from "@cascade/matching-engine";
import { describe, expect, it } from "vitest";
import { LiquidationStage } from "./liquidation-log.ts";
import { BTC, fundedAccount, makeVenue, oid, trade, USDT } from "./perp-venue.testkit.ts";
import { INSURANCE_FUND } from "./perp-venue.ts";

describe("negative-balance protection", () => {
  it("lets the insurance fund absorb the deficit when a trader's own close fills beyond bankruptcy", () => {
    const { v } = makeVenue({ insuranceFund: { initial: "1000" } });
    const trader = fundedAccount(v, 450, false, 50); // cross, 450 USDT
    const maker = fundedAccount(v, 1_000_000, false, 10);
    v.advance(0); // mark 20,000
    trade(v, trader, maker, 200_000, BTC); // long 1 BTC at 20,000; bankruptcy at 19,550
    // The only bid is far below bankruptcy: closing there loses 2,000 USDT on 450 of margin.
    expect(v.limit(maker, oid(), Side.Buy, 180_000, BTC)).toBe(RejectCode.None);
    const fund0 = v.insuranceFundUnits();
    // An explicit limit far below bankruptcy (a market order would be stopped by price protection).
    expect(v.limit(trader, oid(), Side.Sell, 180_000, BTC, TimeInForce.IOC, true)).toBe(RejectCode.None);
    // Wallet 450 − 2,000 = −1,550 USDT is covered by the fund; the trader ends at exactly zero.
    expect(v.positionLots(trader)).toBe(0);
    expect(v.accounts.wallet[trader]).toBe(0);
    expect(fund0 - v.insuranceFundUnits()).toBe(1_550 * USDT);
    expect(v.stats.fundCoverUnits).toBe(1_550 * USDT);
    const last = v.liquidations.length - 1;
    expect(v.liquidations.stage[last]).toBe(LiquidationStage.FundCover);
    expect(v.liquidations.fundDeltaUnits[last]).toBe(-1_550 * USDT);
    expect(v.accounts.wallet[INSURANCE_FUND]).toBe(fund0 - 1_550 * USDT);
    v.checkConservation(false);
  });

  it("stops a market order without a protection price 5 % beyond the mark (the rest expires)", () => {
    const { v } = makeVenue();
    const trader = fundedAccount(v, 10_000, false, 10);
    const maker = fundedAccount(v, 1_000_000, false, 10);
    v.advance(0); // mark 20,000
    expect(v.limit(maker, oid(), Side.Buy, 195_000, BTC / 2)).toBe(RejectCode.None); // 2.5 % below
    expect(v.limit(maker, oid(), Side.Buy, 185_000, BTC / 2)).toBe(RejectCode.None); // 7.5 % below
    expect(v.market(trader, oid(), Side.Sell, BTC)).toBe(RejectCode.None);
    expect(v.positionLots(trader)).toBe(-BTC / 2); // only the bid within 5 % traded
    expect(v.book.bestBid()).toBe(185_000);
  });
});
