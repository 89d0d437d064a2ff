/**
 * Funding settled on a shorter interval than the one the rate is quoted for (issue 12 item 4):
 * every hour, or at every mark update ("continuous"), each settlement pays its share of the 8-hour
 * rate, so a crash window of minutes sees funding. BTCUSDT, m = 1, 1 USDT = 10,000 units; alice
 * long 1 BTC from bob at 20,000; the book is empty, so F = the interest rate, 0.01 % per 8 h.
 */

import { NS_PER_HOUR } from "@cascade/core";
import { describe, expect, it } from "vitest";
import { BTC, fundedAccount, makeVenue, moveTo, SEC, trade } from "./perp-venue.testkit.ts";

function pair(intervalNs: number) {
  const f = makeVenue({ funding: { intervalNs } });
  const alice = fundedAccount(f.v, 10_000, false, 20);
  const bob = fundedAccount(f.v, 10_000, false, 20);
  trade(f.v, alice, bob, 200_000, 1 * BTC);
  moveTo(f, 200_000, 0);
  return { ...f, alice, bob };
}

describe("PerpVenue funding intervals", () => {
  it("settles every hour, paying an eighth of the 8-hour rate: 2 USDT a day-third becomes 0.25 USDT an hour", () => {
    const f = pair(NS_PER_HOUR);
    expect(f.v.nextFundingTimeNs()).toBe(NS_PER_HOUR);
    moveTo(f, 200_000, NS_PER_HOUR - SEC);
    expect(f.v.accounts.fundingPaid[f.alice]).toBe(0);
    moveTo(f, 200_000, NS_PER_HOUR);
    // 1 BTC × 20,000 USDT × 0.01 % × 1/8 = 0.25 USDT = 2,500 units.
    expect(f.v.lastFundingRateE8).toBe(10_000); // quoted per 8 h
    expect(f.v.accounts.fundingPaid[f.alice]).toBe(2_500);
    expect(f.v.accounts.fundingPaid[f.bob]).toBe(-2_500);
    expect(f.v.nextFundingTimeNs()).toBe(2 * NS_PER_HOUR);
  });

  it("settles continuously (every mark update), carrying fractions of a unit: 5 minutes pay 5/480 of the 8-hour amount", () => {
    const f = pair(SEC);
    for (let t = 1; t < 300; t++) f.v.advance(t * SEC);
    moveTo(f, 200_000, 300 * SEC);
    // 20,000 units per 8 h = 0.694 units a second; 300 s owe 208.33: 208 paid, 0.33 carried.
    expect(f.v.accounts.fundingPaid[f.alice]).toBe(208);
    expect(f.v.accounts.fundingPaid[f.bob]).toBe(-208);
    expect(f.v.accounts.fundingCarry[f.alice]).toBeCloseTo(1 / 3, 6);
  });
});
