/**
 * The perpetual venue against adversarial flow (issue 13): orders margined at their own best-case
 * price, auto-deleveraging that bankrupts its counterparty, funding beyond an isolated margin, and
 * sums that pass 2^53. Each test reproduces the reported failure and asserts the rule that holds now.
 *
 * BTCUSDT throughout: m = 1 quote unit per tick·lot, 1 BTC = 1,000 lots, 5,000 USDT = 50,000 ticks,
 * 1 USDT = 10,000 units.
 */

import { RejectCode, Side } from "@cascade/core";
import { TimeInForce } from "@cascade/matching-engine";
import { describe, expect, it } from "vitest";
import { BTC, fundedAccount, makeVenue, oid, snapshot, USDT } from "./perp-venue.testkit.ts";

/** 5,000 USDT in ticks. */
const P5K = 50_000;

describe("initial margin at the worst executable price", () => {
  /** Mark 5,000 USDT; a market maker's bid at `bidTicks`; `a`: 100 USDT, isolated, 5×. */
  function setup(bidTicks = 100) {
    const f = makeVenue();
    f.index.priceTicks = P5K;
    f.v.advance(0);
    expect(f.v.markTicks).toBe(P5K);
    const mm = fundedAccount(f.v, 10_000_000, false, 10);
    // By default a bid deep below the mark: a sell at limit 1 would trade there.
    expect(f.v.limit(mm, oid(), Side.Buy, bidTicks, 20 * BTC)).toBe(RejectCode.None);
    const a = fundedAccount(f.v, 100, true, 5);
    return { ...f, a };
  }

  it("refuses a 20 BTC sell at limit 1 from 100 USDT at 5×: it is margined at the mark, not at its limit", () => {
    const { v, a } = setup();
    const before = snapshot(v);
    expect(v.limit(a, oid(), Side.Sell, 1, 20 * BTC)).toBe(RejectCode.InsufficientMargin);
    expect(v.limit(a, oid(), Side.Sell, 1, 20 * BTC, TimeInForce.IOC)).toBe(RejectCode.InsufficientMargin);
    expect(snapshot(v)).toEqual(before);
  });

  it("refuses the same sell as a market order with protection price 1", () => {
    const { v, a } = setup();
    const before = snapshot(v);
    expect(v.market(a, oid(), Side.Sell, 20 * BTC, 1)).toBe(RejectCode.InsufficientMargin);
    expect(snapshot(v)).toEqual(before);
  });

  it("accepts at 5× what the account can carry at the mark: 0.099 BTC market sell (495 USDT of notional)", () => {
    const { v, a } = setup(49_990);
    // IM = 99 lots × 50,000 × m / 5 = 990,000 units (99 USDT) ≤ 100 USDT (no fees in the fixture).
    expect(v.market(a, oid(), Side.Sell, 99, 1)).toBe(RejectCode.None);
    expect(v.market(a, oid(), Side.Sell, 2, 1)).toBe(RejectCode.InsufficientMargin);
  });

  it("charges a limit sell below the mark its open loss: the order is worth the mark but sells for its limit", () => {
    const { v, a } = setup();
    // 90 lots at the mark need 900,000 units of IM; at limit 49,000 the open loss is 90 × 1,000 = 90,000.
    // 990,000 ≤ 1,000,000: accepted. 91 lots: 910,000 + 91,000 > 1,000,000: refused.
    expect(v.limit(a, oid(), Side.Sell, 49_000, 91)).toBe(RejectCode.InsufficientMargin);
    expect(v.limit(a, oid(), Side.Sell, 49_000, 90)).toBe(RejectCode.None);
  });

  it("margins a buy at the lower of its limit and the mark, plus its open loss above the mark", () => {
    const f = makeVenue();
    f.index.priceTicks = P5K;
    f.v.advance(0);
    const { v } = f;
    const a = fundedAccount(v, 100, true, 5);
    // Limit 40,000 (below the mark): IM = 125 × 40,000 / 5 = 1,000,000 units: exactly the wallet.
    expect(v.limit(a, oid(), Side.Buy, 40_000, 125)).toBe(RejectCode.None);
    const b = fundedAccount(v, 100, true, 5);
    // Limit 86,000 (72 % above the mark): IM at the mark 10 × 50,000 / 5 = 100,000, open loss
    // 10 × 36,000 = 360,000 → 460,000 ≤ 1,000,000. 22 lots: 220,000 + 792,000 > 1,000,000.
    expect(v.limit(b, oid(), Side.Buy, 86_000, 22)).toBe(RejectCode.InsufficientMargin);
    expect(v.limit(b, oid(), Side.Buy, 86_000, 21)).toBe(RejectCode.None);
  });

  it("values resting sells below the mark at the mark, so they cannot be stacked past the leverage", () => {
    const f = makeVenue();
    f.index.priceTicks = P5K;
    f.v.advance(0);
    const { v } = f;
    const a = fundedAccount(v, 1_000, true, 5);
    // No bids: sells at 45,000 rest. Each 10-lot order is worth 500,000 units at the mark (IM 100,000 at
    // 5×) and pays its own open loss, 10 × 5,000 = 50,000. With the resting ones counted at the mark,
    // k orders fit while 100,000·k + 50,000 ≤ 10,000,000: k = 99 (990 lots, 4,950 USDT of notional).
    // Counted at their limit they would cost 90,000 each and k would reach 110.
    let accepted = 0;
    for (let i = 0; i < 200; i++) if (v.limit(a, oid(), Side.Sell, 45_000, 10) === RejectCode.None) accepted++;
    expect(accepted).toBe(99);
    v.checkConservation();
  });
});
