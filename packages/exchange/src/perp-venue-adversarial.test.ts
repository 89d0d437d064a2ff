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
import { LiquidationStage } from "./liquidation-log.ts";
import { BTC, fundedAccount, logRows, makeVenue, oid, snapshot, USDT } from "./perp-venue.testkit.ts";
import { INSURANCE_FUND, MONEY_LIMIT_UNITS } from "./perp-venue.ts";

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
    for (let i = 0; i < 200; i++)
      if (v.limit(a, oid(), Side.Sell, 45_000, 10) === RejectCode.None) accepted++;
    expect(accepted).toBe(99);
    v.checkConservation();
  });
});

describe("auto-deleveraging never makes a counterparty's wallet negative", () => {
  /**
   * The scenario, fees zero, an empty fund. The mark sits at 5,000. A long buys 1 BTC from
   * the market maker at a stale ask 72 % above the mark (86,000 ticks) with 20× isolated margin
   * (430 USDT): its bankruptcy price is (86,000,000 − 4,300,000) / 1,000 = 81,700, far above the
   * mark. A 20×, 100 USDT isolated short sells 0.38 BTC at 4,990; another short sold 0.1 BTC at
   * 6,000 when the mark was there. At the next mark the long is liquidated, nothing in the book is
   * near 81,700, the fund takes the lot over and, with its equity below zero, deleverages shorts
   * at 81,700. Before the fix both shorts were bought back there: the 0.1 BTC one ended at −167 USDT,
   * the 0.38 BTC one at −1,108.4 USDT.
   */
  function scenario() {
    const f = makeVenue({ insuranceFund: { initial: "0" } });
    const { v, index } = f;
    const mm = fundedAccount(v, 10_000_000, false, 10);
    index.priceTicks = 60_000;
    v.advance(0);
    // x: 50 USDT isolated 20×, shorts 100 lots at 6,000 (profitable once the mark falls to 5,000);
    // margin 6,000,000 / 20 = 300,000, bankruptcy (6,000,000 + 300,000) / 100 = 63,000.
    const x = fundedAccount(v, 50, true, 20);
    expect(v.limit(mm, oid(), Side.Buy, 60_000, 100)).toBe(RejectCode.None);
    expect(v.limit(x, oid(), Side.Sell, 60_000, 100, TimeInForce.IOC)).toBe(RejectCode.None);
    index.priceTicks = P5K;
    v.advance(1_000_000_000);
    expect(v.markTicks).toBe(P5K);
    // The long buys at the stale ask.
    const long = fundedAccount(v, 4_000, true, 20);
    expect(v.limit(mm, oid(), Side.Sell, 86_000, 1 * BTC)).toBe(RejectCode.None);
    expect(v.limit(long, oid(), Side.Buy, 86_000, 1 * BTC, TimeInForce.IOC)).toBe(RejectCode.None);
    expect(v.bankruptcyPriceTicks(long)).toBe(81_700);
    // s: 100 USDT, isolated 20×, sells 380 lots at 4,990 into the maker's bid (IM at the mark 950,000
    // + open loss 38,000 ≤ 1,000,000). Bankruptcy (18,962,000 + 948,100) / 380 = 52,395.
    const s = fundedAccount(v, 100, true, 20);
    expect(v.limit(mm, oid(), Side.Buy, 49_900, 1 * BTC)).toBe(RejectCode.None);
    expect(v.limit(s, oid(), Side.Sell, 49_900, 380, TimeInForce.IOC)).toBe(RejectCode.None);
    expect(v.positionLots(s)).toBe(-380);
    v.checkConservation(false); // the long is liquidatable at this mark until the next advance
    return { ...f, mm, x, long, s };
  }

  it("leaves the losing short and the short the close would bankrupt alone; the fund keeps the rest", () => {
    const { v, mm, x, long, s } = scenario();
    const sWallet = v.accounts.wallet[s]!;
    const xWallet = v.accounts.wallet[x]!;
    v.advance(2_000_000_000);
    v.checkConservation();
    expect(v.positionLots(long)).toBe(0);
    // The maker (short 1,000 − 380 − 100 = 520 lots at ≈ 9,500 average, profitable) is deleveraged
    // at 81,700; s (losing at the mark) and x (profitable, but bankrupt at 81,700 > its 63,000) are not.
    const adl = logRows(v).filter((r) => r.stage === LiquidationStage.Adl);
    expect(adl.map((r) => [r.account, r.qty, r.fill])).toEqual([[mm, 520, 81_700]]);
    expect(v.positionLots(s)).toBe(-380);
    expect(v.accounts.wallet[s]).toBe(sWallet);
    expect(v.positionLots(x)).toBe(-100);
    expect(v.accounts.wallet[x]).toBe(xWallet);
    // The 480 lots no counterparty could take stay with the fund (it works them out in the book).
    expect(v.stats.adlResidualLots).toBe(480);
    for (let a = 1; a < v.accountCount; a++) expect(v.accounts.wallet[a]).toBeGreaterThanOrEqual(0);
  });
});

describe("funding never takes an isolated account below zero", () => {
  it("caps an isolated payment at the wallet after a +99 % mark jump; the insurance fund pays the rest", () => {
    // F = I = 0.75 % per interval. Isolated long 1 BTC at 20,000 at 100×: margin 200 USDT, the
    // whole wallet. The mark jumps 99 % to 39,800: the payment 398,000,000 × 0.0075 = 2,985,000
    // units (298.5 USDT) exceeds the wallet (2,000,000). Before the fix the wallet went to −98.5 USDT.
    const f = makeVenue({
      funding: { interestRate: 0.0075, clamp: 0.01 },
      insuranceFund: { initial: "1000" },
    });
    const { v, index } = f;
    const long = fundedAccount(v, 200, true, 100);
    const short = fundedAccount(v, 100_000, false, 10);
    index.priceTicks = 200_000;
    v.advance(0);
    expect(v.limit(short, oid(), Side.Sell, 200_000, 1 * BTC)).toBe(RejectCode.None);
    expect(v.limit(long, oid(), Side.Buy, 200_000, 1 * BTC, TimeInForce.IOC)).toBe(RejectCode.None);
    expect(v.accounts.isoMargin[long]).toBe(200 * USDT);
    expect(v.accounts.wallet[long]).toBe(200 * USDT);
    index.priceTicks = 398_000;
    const fund0 = v.insuranceFundUnits();
    const shortWallet0 = v.accounts.wallet[short]!;
    v.advance(8 * 3600 * 1_000_000_000);
    v.checkConservation();
    expect(v.markTicks).toBe(398_000);
    // The long pays what it has; its position (19,800 USDT in profit) lives on with no margin.
    expect(v.accounts.fundingPaid[long]).toBe(200 * USDT);
    expect(v.accounts.wallet[long]).toBe(0);
    expect(v.accounts.isoMargin[long]).toBe(0);
    expect(v.positionLots(long)).toBe(1 * BTC);
    // The short receives the full 2,985,000; the fund pays the 985,000 the long could not.
    expect(v.accounts.wallet[short]).toBe(shortWallet0 + 2_985_000);
    expect(v.insuranceFundUnits()).toBe(fund0 - 985_000);
    expect(v.stats.fundCoverUnits).toBe(985_000);
    const rows = logRows(v).filter((r) => r.stage === LiquidationStage.FundCover);
    expect(rows.map((r) => [r.account, r.fundDelta])).toEqual([[long, -985_000]]);
  });

  it("liquidates the isolated position a capped payment left below maintenance, in the same advance", () => {
    // F = I = 1 % (cap raised to 5 %). Isolated long 1 BTC at 20,000 at 100×: margin and wallet 200 USDT.
    // The mark rises to 20,050: the payment ceil(200,500,000 × 0.01) = 2,005,000 exceeds the wallet by
    // 5,000, which the fund pays. Margin 0 + PnL 500,000 ≤ maintenance 0.4 % × 200,500,000 = 802,000:
    // liquidated at once, taken over by the fund at the bankruptcy price 200,000 (no bids).
    const f = makeVenue({
      funding: { interestRate: 0.01, clamp: 0.01, cap: 0.05 },
      insuranceFund: { initial: "1000" },
    });
    const { v, index } = f;
    const long = fundedAccount(v, 200, true, 100);
    const short = fundedAccount(v, 100_000, false, 10);
    index.priceTicks = 200_000;
    v.advance(0);
    expect(v.limit(short, oid(), Side.Sell, 200_000, 1 * BTC)).toBe(RejectCode.None);
    expect(v.limit(long, oid(), Side.Buy, 200_000, 1 * BTC, TimeInForce.IOC)).toBe(RejectCode.None);
    index.priceTicks = 200_500;
    v.advance(8 * 3600 * 1_000_000_000 - 1_000_000_000);
    expect(v.positionLots(long)).toBe(1 * BTC);
    v.advance(8 * 3600 * 1_000_000_000);
    v.checkConservation();
    expect(v.accounts.fundingPaid[long]).toBe(200 * USDT);
    expect(v.positionLots(long)).toBe(0);
    expect(v.positionLots(INSURANCE_FUND)).toBe(1 * BTC);
    expect(v.accounts.wallet[long]).toBe(0);
    expect(v.stats.fundCoverUnits).toBe(5_000);
    expect(logRows(v).map((r) => [r.account, r.stage, r.fundDelta])).toEqual([
      [long, LiquidationStage.FundCover, -5_000],
      [long, LiquidationStage.Takeover, 500_000],
    ]);
  });
});

describe("exact money: every sum stays below 2^53", () => {
  it("refuses the issue's three deposits that summed past 2^53, and conservation holds exactly", () => {
    const { v } = makeVenue({ insuranceFund: { initial: "0" } });
    const accounts = [0, 1, 2].map(() => v.openAccount());
    // Σ = 18,014,498,509,481,988 = 2^54 + 4: as doubles the wallets summed to 2^54 and conservation broke.
    for (const a of accounts) {
      const before = snapshot(v);
      expect(v.deposit(a, 6_004_832_836_493_996)).toBe(RejectCode.MoneyLimitExceeded);
      expect(snapshot(v)).toEqual(before);
    }
    v.checkConservation();
  });

  it("accepts deposits up to MONEY_LIMIT_UNITS of net deposits, refuses one unit more, and takes it again after a withdrawal", () => {
    const { v } = makeVenue({ insuranceFund: { initial: "0" } });
    const a = v.openAccount();
    const b = v.openAccount();
    expect(v.deposit(a, MONEY_LIMIT_UNITS - 1)).toBe(RejectCode.None);
    expect(v.deposit(b, 1)).toBe(RejectCode.None);
    expect(v.netDepositsUnits).toBe(MONEY_LIMIT_UNITS);
    expect(v.deposit(b, 1)).toBe(RejectCode.MoneyLimitExceeded);
    expect(v.withdraw(a, 10)).toBe(RejectCode.None);
    expect(v.deposit(b, 10)).toBe(RejectCode.None);
    v.checkConservation();
  });

  it("refuses an order whose quantity × price would pass 2^53, and one that takes open interest plus resting lots past the bound", () => {
    const { v, index } = makeVenue();
    index.priceTicks = P5K;
    v.advance(0);
    const a = fundedAccount(v, 1_000_000, false, 100);
    const before = snapshot(v);
    // 10^12 lots (the book's maximum) × 400,000 ticks = 4·10^17 units: far past 2^53.
    expect(v.limit(a, oid(), Side.Buy, 400_000, 1e12)).toBe(RejectCode.MoneyLimitExceeded);
    expect(v.market(a, oid(), Side.Sell, 1e12, 1)).toBe(RejectCode.MoneyLimitExceeded);
    expect(v.limit(a, oid(), Side.Sell, 400_000, 1e12, TimeInForce.GTC, true)).toBe(
      RejectCode.MoneyLimitExceeded,
    );
    expect(snapshot(v)).toEqual(before);
    // The bound is on value at the price ceiling (400,000 ticks × m = 1): 2^51 / 400,000 lots in all.
    const limit = Math.floor(MONEY_LIMIT_UNITS / 400_000);
    const b = fundedAccount(v, 100_000_000_000, false, 1);
    expect(v.limit(b, oid(), Side.Buy, 1, limit - 5)).toBe(RejectCode.None);
    expect(v.limit(a, oid(), Side.Buy, 1, 6)).toBe(RejectCode.MoneyLimitExceeded);
    expect(v.limit(a, oid(), Side.Buy, 1, 5)).toBe(RejectCode.None);
    v.checkConservation();
  });

  it("refuses a configuration whose price ceiling makes one lot worth more than the bound", () => {
    expect(() => makeVenue({ maxPriceTicks: MONEY_LIMIT_UNITS + 1 })).toThrow(/perp\.maxPriceTicks/);
    expect(() => makeVenue({ insuranceFund: { initial: "300000000000" } })).toThrow(
      /perp\.insuranceFund\.initial/,
    );
  });
});
