import { RejectCode } from "@cascade/core";
import { describe, expect, it } from "vitest";
import { BTC, fundedAccount, makeVenue, USDT } from "./perp-venue.testkit.ts";

describe("seeded positions", () => {
  it("opens long/short pairs off-book at the given prices, margining the isolated longs", () => {
    const { v } = makeVenue();
    const desk = fundedAccount(v, 1_000_000, false, 2);
    const a = fundedAccount(v, 500, true, 50);
    const b = fundedAccount(v, 500, true, 20);
    expect(v.seedPositions([a, b], [BTC, BTC / 2], [190_000, 195_000], desk)).toBe(RejectCode.None);
    expect(v.positionLots(a)).toBe(BTC);
    expect(v.positionLots(b)).toBe(BTC / 2);
    expect(v.positionLots(desk)).toBe(-1.5 * BTC);
    expect(v.entryPriceTicks(a)).toBe(190_000);
    // Isolated margin = notional / leverage: 19,000 / 50 = 380 and 9,750 / 20 = 487.5 USDT.
    expect(v.accounts.isoMargin[a]).toBe(380 * USDT);
    expect(v.accounts.isoMargin[b]).toBe(487.5 * USDT);
    expect(v.liquidationPriceTicks(a)).toBeGreaterThan(0);
    v.checkConservation(false);
  });

  it("changes nothing when one long lacks the margin", () => {
    const { v } = makeVenue();
    const desk = fundedAccount(v, 1_000_000, false, 2);
    const a = fundedAccount(v, 500, true, 50);
    const poor = fundedAccount(v, 10, true, 50);
    expect(v.seedPositions([a, poor], [BTC, BTC], [190_000, 190_000], desk)).toBe(
      RejectCode.InsufficientMargin,
    );
    expect(v.positionLots(a)).toBe(0);
    expect(v.positionLots(desk)).toBe(0);
  });

  it("refuses a short side that cannot margin the total", () => {
    const { v } = makeVenue();
    const desk = fundedAccount(v, 1_000, false, 2);
    const a = fundedAccount(v, 500, true, 50);
    expect(v.seedPositions([a], [BTC], [190_000], desk)).toBe(RejectCode.InsufficientMargin);
    expect(v.seedPosition(a, desk, BTC, 190_000)).toBe(RejectCode.InsufficientMargin);
    expect(v.positionLots(a)).toBe(0);
  });
});
