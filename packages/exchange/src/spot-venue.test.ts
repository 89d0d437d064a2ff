import { ConfigError, DoneReason, type InstrumentSpec, RejectCode, Side } from "@cascade/core";
import { StpMode, TimeInForce } from "@cascade/matching-engine";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { SpotVenue, type SpotVenueConfig } from "./spot-venue.ts";
import { decodeVenueEvents, type VenueEvent } from "./venue-events.ts";

/** 0.1 quote per tick, 0.01 base per lot, 10^-4 quote units: m = 10 quote units per tick·lot. */
const TEST: InstrumentSpec = {
  symbol: "TSTUSD",
  baseAsset: "TST",
  quoteAsset: "USD",
  tickSize: "0.1",
  lotSize: "0.01",
  quoteUnit: "0.0001",
};

function venue(extra: Partial<SpotVenueConfig> = {}): SpotVenue {
  return new SpotVenue({ instrument: TEST, minPriceTicks: 1, maxPriceTicks: 2_000, ...extra });
}

function events(v: SpotVenue): Array<Partial<VenueEvent>> {
  return decodeVenueEvents(v.events).map((e) => ({
    kind: e.kind,
    account: e.account,
    orderId: e.orderId,
    priceTicks: e.priceTicks,
    qtyLots: e.qtyLots,
    amountUnits: e.amountUnits,
    code: e.code,
    maker: e.maker,
  }));
}

function balances(v: SpotVenue, a: number): [number, number, number, number] {
  return [v.cash(a), v.lockedCash(a), v.asset(a), v.lockedAsset(a)];
}

function snapshot(v: SpotVenue): unknown {
  const accounts = [];
  for (let a = 0; a < v.accountCount; a++) accounts.push(balances(v, a));
  return {
    accounts,
    bids: v.book.orders(Side.Buy),
    asks: v.book.orders(Side.Sell),
    fees: v.feesCollected,
    rebates: v.rebatesPaid,
    last: v.lastTradeTicks,
  };
}

describe("SpotVenue configuration", () => {
  it("rejects a bad configuration with a ConfigError naming the field", () => {
    const field = (cfg: Partial<SpotVenueConfig>): string => {
      try {
        venue(cfg);
      } catch (e) {
        expect(e).toBeInstanceOf(ConfigError);
        return (e as ConfigError).field;
      }
      return "none";
    };
    expect(field({ takerFeePpm: -1 })).toBe("spot.takerFeePpm");
    expect(field({ takerFeePpm: 1.5 })).toBe("spot.takerFeePpm");
    expect(field({ takerFeePpm: 100, makerFeePpm: -101 })).toBe("spot.makerFeePpm");
    expect(field({ minPriceTicks: -1 })).toBe("spot.minPriceTicks");
    expect(field({ minPriceTicks: 10, maxPriceTicks: 5 })).toBe("spot.maxPriceTicks");
    expect(field({ maxAccounts: 0 })).toBe("spot.maxAccounts");
    expect(field({ instrument: { ...TEST, tickSize: "0" } })).toBe("instrument.tickSize");
    expect(field({ takerFeePpm: 100, makerFeePpm: -100 })).toBe("none");
  });

  it("defaults to zero fees and exposes the instrument's quote units per tick·lot", () => {
    const v = venue();
    expect(v.takerFeePpm).toBe(0);
    expect(v.makerFeePpm).toBe(0);
    expect(v.quotePerTickLot).toBe(10);
  });
});

describe("SpotVenue accounts", () => {
  it("opens dense account ids starting empty, up to maxAccounts", () => {
    const v = venue({ maxAccounts: 20 });
    for (let i = 0; i < 20; i++) expect(v.openAccount()).toBe(i);
    expect(v.accountCount).toBe(20);
    expect(balances(v, 19)).toEqual([0, 0, 0, 0]);
    expect(() => v.openAccount()).toThrow(ConfigError);
  });

  it("deposits and withdraws free balances and refuses bad amounts and overdrafts", () => {
    const v = venue();
    const a = v.openAccount();
    expect(v.deposit(a, 1_000, 7)).toBe(RejectCode.None);
    expect(v.deposit(a, 500, 0)).toBe(RejectCode.None);
    expect(v.withdraw(a, 300, 2)).toBe(RejectCode.None);
    expect(balances(v, a)).toEqual([1_200, 0, 5, 0]);
    expect(v.withdraw(a, 1_201, 0)).toBe(RejectCode.InsufficientBalance);
    expect(v.withdraw(a, 0, 6)).toBe(RejectCode.InsufficientBalance);
    expect(events(v)).toEqual([
      expect.objectContaining({ kind: "rejected", code: RejectCode.InsufficientBalance }),
    ]);
    expect(v.deposit(a, -1, 0)).toBe(RejectCode.InvalidAmount);
    expect(v.deposit(a, 0, 0)).toBe(RejectCode.InvalidAmount);
    expect(v.deposit(a, 1.5, 0)).toBe(RejectCode.InvalidAmount);
    expect(v.deposit(a, Number.MAX_SAFE_INTEGER, 0)).toBe(RejectCode.InvalidAmount);
    expect(balances(v, a)).toEqual([1_200, 0, 5, 0]);
    expect(v.netCashDeposited).toBe(1_200);
    expect(v.netAssetDeposited).toBe(5);
    v.checkConservation();
  });

  it("refuses every command for an unknown account", () => {
    const v = venue();
    v.openAccount();
    for (const bad of [1, -1, 0.5, Number.NaN]) {
      expect(v.deposit(bad, 1, 1)).toBe(RejectCode.UnknownAccount);
      expect(v.withdraw(bad, 1, 0)).toBe(RejectCode.UnknownAccount);
      expect(v.limit(bad, 1, Side.Buy, 100, 1)).toBe(RejectCode.UnknownAccount);
      expect(v.market(bad, 1, Side.Sell, 1)).toBe(RejectCode.UnknownAccount);
      expect(v.cancel(bad, 1)).toBe(RejectCode.UnknownAccount);
      expect(v.cancelAll(bad)).toBe(RejectCode.UnknownAccount);
      expect(v.reduce(bad, 1, 1)).toBe(RejectCode.UnknownAccount);
      expect(v.replace(bad, 1, 100, 1)).toBe(RejectCode.UnknownAccount);
      expect(v.events.length).toBe(1);
      expect(Number.isNaN(v.cash(bad))).toBe(true);
    }
    expect(v.book.orderCount).toBe(0);
  });
});

describe("SpotVenue orders and fills", () => {
  it("a resting buy locks its cash plus the worst-case taker fee and a resting sell locks its asset", () => {
    const v = venue({ takerFeePpm: 1_000, makerFeePpm: 200 });
    const b = v.openAccount();
    const s = v.openAccount();
    v.deposit(b, 100_000, 0);
    v.deposit(s, 0, 10);
    expect(v.limit(b, 1, Side.Buy, 1_000, 3)).toBe(RejectCode.None);
    // per lot: 1000 × 10 + ceil(10_000 × 0.001) = 10_010
    expect(balances(v, b)).toEqual([100_000 - 30_030, 30_030, 0, 0]);
    expect(v.limit(s, 2, Side.Sell, 1_010, 4)).toBe(RejectCode.None);
    expect(balances(v, s)).toEqual([0, 0, 6, 4]);
    expect(events(v)).toEqual([
      {
        kind: "accepted",
        account: s,
        orderId: 2,
        priceTicks: 1_010,
        qtyLots: 4,
        amountUnits: 0,
        code: 0,
        maker: false,
      },
    ]);
    v.checkConservation();
  });

  it("a post-only buy reserves only the maker fee", () => {
    const v = venue({ takerFeePpm: 1_000, makerFeePpm: -100 });
    const b = v.openAccount();
    v.deposit(b, 100_000, 0);
    expect(v.limit(b, 1, Side.Buy, 1_000, 3, TimeInForce.PostOnly)).toBe(RejectCode.None);
    expect(v.lockedCash(b)).toBe(30_000);
    v.checkConservation();
  });

  it("a fill moves cash and asset at the maker's price, charges fees to both sides and returns price improvement", () => {
    const v = venue({ takerFeePpm: 1_000, makerFeePpm: 200 });
    const s = v.openAccount();
    const b = v.openAccount();
    v.deposit(s, 0, 10);
    v.deposit(b, 100_000, 0);
    v.limit(s, 10, Side.Sell, 1_000, 5);
    expect(v.limit(b, 20, Side.Buy, 1_010, 3)).toBe(RejectCode.None);
    // notional 1000 × 3 × 10 = 30_000; taker fee 30, maker fee 6; the buyer locked 3 × (10_100 + 11) = 30_333.
    expect(events(v)).toEqual([
      {
        kind: "accepted",
        account: b,
        orderId: 20,
        priceTicks: 1_010,
        qtyLots: 3,
        amountUnits: 0,
        code: 0,
        maker: false,
      },
      {
        kind: "fill",
        account: b,
        orderId: 20,
        priceTicks: 1_000,
        qtyLots: 3,
        amountUnits: 30,
        code: 0,
        maker: false,
      },
      {
        kind: "fill",
        account: s,
        orderId: 10,
        priceTicks: 1_000,
        qtyLots: 3,
        amountUnits: 6,
        code: 0,
        maker: true,
      },
      {
        kind: "done",
        account: b,
        orderId: 20,
        priceTicks: 1_010,
        qtyLots: 0,
        amountUnits: 0,
        code: DoneReason.Filled,
        maker: false,
      },
    ]);
    expect(balances(v, b)).toEqual([100_000 - 30_000 - 30, 0, 3, 0]);
    expect(balances(v, s)).toEqual([30_000 - 6, 0, 5, 2]);
    expect(v.feesCollected).toBe(36);
    expect(v.lastTradeTicks).toBe(1_000);
    v.checkConservation();
  });

  it("a partly filled buy rests with its lock shrunk to its remaining lots at its limit", () => {
    const v = venue({ takerFeePpm: 1_000 });
    const s = v.openAccount();
    const b = v.openAccount();
    v.deposit(s, 0, 5);
    v.deposit(b, 200_000, 0);
    v.limit(s, 1, Side.Sell, 1_000, 5);
    v.limit(b, 2, Side.Buy, 1_010, 8);
    expect(v.book.remainingOf(2)).toBe(3);
    expect(v.lockedCash(b)).toBe(3 * (10_100 + 11));
    expect(v.cash(b)).toBe(200_000 - 50_000 - 50 - 3 * 10_111);
    expect(v.asset(b)).toBe(5);
    v.checkConservation();
  });

  it("cancel and cancelAll release the orders' locks", () => {
    const v = venue({ takerFeePpm: 500 });
    const a = v.openAccount();
    v.deposit(a, 100_000, 10);
    v.limit(a, 1, Side.Buy, 900, 2);
    v.limit(a, 2, Side.Sell, 1_100, 4);
    v.limit(a, 3, Side.Sell, 1_200, 1);
    expect(v.cancel(a, 1)).toBe(RejectCode.None);
    expect(events(v)).toEqual([
      expect.objectContaining({ kind: "done", orderId: 1, qtyLots: 2, code: DoneReason.Canceled }),
    ]);
    expect(balances(v, a)).toEqual([100_000, 0, 5, 5]);
    expect(v.cancelAll(a)).toBe(RejectCode.None);
    expect(events(v).map((e) => e.orderId)).toEqual([2, 3]);
    expect(balances(v, a)).toEqual([100_000, 0, 10, 0]);
    expect(v.cancel(a, 2)).toBe(RejectCode.UnknownOrder);
    v.checkConservation();
  });

  it("cancel or amend of another account's order is UnknownOrder and leaves it live", () => {
    const v = venue();
    const a = v.openAccount();
    const b = v.openAccount();
    v.deposit(a, 0, 5);
    v.limit(a, 7, Side.Sell, 1_000, 5);
    expect(v.cancel(b, 7)).toBe(RejectCode.UnknownOrder);
    expect(events(v)).toEqual([
      expect.objectContaining({ kind: "rejected", account: b, orderId: 7, code: RejectCode.UnknownOrder }),
    ]);
    expect(v.reduce(b, 7, 1)).toBe(RejectCode.UnknownOrder);
    expect(v.replace(b, 7, 1_001, 1)).toBe(RejectCode.UnknownOrder);
    expect(v.cancelAll(b)).toBe(RejectCode.None);
    expect(v.book.remainingOf(7)).toBe(5);
    expect(v.lockedAsset(a)).toBe(5);
    v.checkConservation();
  });

  it("an insufficient balance is rejected with nothing changed", () => {
    const v = venue({ takerFeePpm: 1_000 });
    const a = v.openAccount();
    const mm = v.openAccount();
    v.deposit(mm, 100_000, 10);
    v.limit(mm, 1, Side.Sell, 1_000, 5);
    v.limit(mm, 2, Side.Buy, 900, 5);
    v.deposit(a, 10_009, 1);
    const before = snapshot(v);
    // one lot at 1000 needs 10_000 + 10 reserve
    expect(v.limit(a, 3, Side.Buy, 1_000, 1)).toBe(RejectCode.InsufficientBalance);
    expect(events(v)).toEqual([
      {
        kind: "rejected",
        account: a,
        orderId: 3,
        priceTicks: 1_000,
        qtyLots: 1,
        amountUnits: 0,
        code: RejectCode.InsufficientBalance,
        maker: false,
      },
    ]);
    expect(v.limit(a, 3, Side.Sell, 900, 2)).toBe(RejectCode.InsufficientBalance);
    expect(v.market(a, 3, Side.Buy, 1)).toBe(RejectCode.InsufficientBalance);
    expect(v.market(a, 3, Side.Sell, 2)).toBe(RejectCode.InsufficientBalance);
    expect(snapshot(v)).toEqual(before);
    expect(v.limit(a, 3, Side.Buy, 999, 1)).toBe(RejectCode.None); // 9_990 + 10 fits
    v.checkConservation();
  });

  it("a book-level rejection after the balance check unlocks everything", () => {
    const v = venue();
    const a = v.openAccount();
    v.deposit(a, 100_000, 10);
    v.limit(a, 1, Side.Sell, 1_000, 1);
    const before = snapshot(v);
    expect(v.limit(a, 2, Side.Buy, 1_000, 1, TimeInForce.PostOnly)).toBe(RejectCode.PostOnlyWouldTake);
    expect(v.limit(a, 1, Side.Buy, 900, 1)).toBe(RejectCode.DuplicateOrderId);
    expect(v.limit(a, 2, Side.Buy, 5_000, 1)).toBe(RejectCode.PriceOutOfRange);
    expect(snapshot(v)).toEqual(before);
    v.checkConservation();
  });

  it("a market buy without protection locks the exact sweep cost plus fee reserve and fills across levels", () => {
    const v = venue({ takerFeePpm: 1_000 });
    const mm = v.openAccount();
    const b = v.openAccount();
    v.deposit(mm, 0, 10);
    v.limit(mm, 1, Side.Sell, 1_000, 2);
    v.limit(mm, 2, Side.Sell, 1_005, 1);
    v.limit(mm, 3, Side.Sell, 1_005, 2);
    // 2 × 10_000 + 2 × 10_050 = 40_100 of cost; reserve 2 × 10 + 2 × ceil(10.05) = 42.
    v.deposit(b, 40_141, 0);
    expect(v.market(b, 9, Side.Buy, 4)).toBe(RejectCode.InsufficientBalance);
    v.deposit(b, 1, 0);
    expect(v.market(b, 9, Side.Buy, 4)).toBe(RejectCode.None);
    const fills = events(v).filter((e) => e.kind === "fill" && !e.maker);
    expect(fills.map((e) => [e.priceTicks, e.qtyLots, e.amountUnits])).toEqual([
      [1_000, 2, 20],
      [1_005, 1, 11], // ceil(10.05)
      [1_005, 1, 11],
    ]);
    expect(balances(v, b)).toEqual([40_142 - 40_100 - 42, 0, 4, 0]);
    expect(v.book.remainingOf(3)).toBe(1);
    v.checkConservation();
  });

  it("a market buy larger than the book fills what is there and expires the rest", () => {
    const v = venue();
    const mm = v.openAccount();
    const b = v.openAccount();
    v.deposit(mm, 0, 3);
    v.limit(mm, 1, Side.Sell, 1_000, 3);
    v.deposit(b, 30_000, 0);
    expect(v.market(b, 2, Side.Buy, 50)).toBe(RejectCode.None);
    expect(events(v).at(-1)).toEqual(
      expect.objectContaining({ kind: "done", orderId: 2, qtyLots: 47, code: DoneReason.Expired }),
    );
    expect(balances(v, b)).toEqual([0, 0, 3, 0]);
    expect(v.market(b, 3, Side.Buy, 5)).toBe(RejectCode.None); // empty book: nothing to pay for
    expect(events(v).at(-1)).toEqual(
      expect.objectContaining({ kind: "done", qtyLots: 5, code: DoneReason.Expired }),
    );
    v.checkConservation();
  });

  it("a market buy with protection stops at the protection price and locks only what it can reach", () => {
    const v = venue();
    const mm = v.openAccount();
    const b = v.openAccount();
    v.deposit(mm, 0, 10);
    v.limit(mm, 1, Side.Sell, 1_000, 2);
    v.limit(mm, 2, Side.Sell, 1_100, 5);
    v.deposit(b, 20_000, 0); // enough for the two lots at 1000 only
    expect(v.market(b, 3, Side.Buy, 5, 1_050)).toBe(RejectCode.None);
    expect(events(v).at(-1)).toEqual(
      expect.objectContaining({ kind: "done", qtyLots: 3, code: DoneReason.Expired }),
    );
    expect(balances(v, b)).toEqual([0, 0, 2, 0]);
    expect(v.book.bestAsk()).toBe(1_100);
    v.checkConservation();
  });

  it("a market sell locks its asset and is paid the proceeds minus the taker fee", () => {
    const v = venue({ takerFeePpm: 2_500, makerFeePpm: 0 });
    const mm = v.openAccount();
    const s = v.openAccount();
    v.deposit(mm, 1_000_000, 0);
    v.limit(mm, 1, Side.Buy, 990, 2);
    v.limit(mm, 2, Side.Buy, 980, 10);
    v.deposit(s, 0, 5);
    expect(v.market(s, 3, Side.Sell, 5)).toBe(RejectCode.None);
    const proceeds = 2 * 9_900 + 3 * 9_800;
    const fees = Math.ceil(19_800 * 0.0025) + Math.ceil(29_400 * 0.0025);
    expect(balances(v, s)).toEqual([proceeds - fees, 0, 0, 0]);
    expect(v.asset(mm)).toBe(5);
    v.checkConservation();
  });

  it("a maker rebate is paid out of the taker fee and reported as a negative fee", () => {
    const v = venue({ takerFeePpm: 500, makerFeePpm: -100 });
    const mm = v.openAccount();
    const t = v.openAccount();
    v.deposit(mm, 0, 5);
    v.deposit(t, 100_000, 0);
    v.limit(mm, 1, Side.Sell, 1_000, 5);
    v.market(t, 2, Side.Buy, 3);
    // notional 30_000: taker pays ceil(15) = 15, maker receives floor(3) = 3
    expect(events(v).find((e) => e.maker)).toEqual(
      expect.objectContaining({ kind: "fill", account: mm, amountUnits: -3 }),
    );
    expect(v.cash(mm)).toBe(30_003);
    expect(v.cash(t)).toBe(100_000 - 30_015);
    expect(v.feesCollected).toBe(15);
    expect(v.rebatesPaid).toBe(3);
    v.checkConservation();
  });

  it("a resting buy paid a rebate keeps its lock exact", () => {
    const v = venue({ takerFeePpm: 700, makerFeePpm: -300 });
    const b = v.openAccount();
    const s = v.openAccount();
    v.deposit(b, 100_000, 0);
    v.deposit(s, 0, 5);
    v.limit(b, 1, Side.Buy, 1_000, 4);
    v.market(s, 2, Side.Sell, 1);
    expect(v.lockedCash(b)).toBe(3 * (10_000 + 7));
    expect(v.cash(b)).toBe(100_000 - 4 * 10_007 + 10_007 - 10_000 + 3);
    v.checkConservation();
  });

  it("self-trade prevention cancels the incoming order by default and allows wash trades when asked", () => {
    const v = venue();
    const a = v.openAccount();
    v.deposit(a, 100_000, 5);
    v.limit(a, 1, Side.Sell, 1_000, 2);
    expect(v.limit(a, 2, Side.Buy, 1_000, 1)).toBe(RejectCode.None);
    expect(events(v).at(-1)).toEqual(
      expect.objectContaining({ kind: "done", orderId: 2, code: DoneReason.SelfTrade }),
    );
    expect(v.lockedCash(a)).toBe(0);
    expect(Number.isNaN(v.lastTradeTicks)).toBe(true);
    expect(v.limit(a, 3, Side.Buy, 1_000, 1, TimeInForce.GTC, false, StpMode.None)).toBe(RejectCode.None);
    expect(
      events(v)
        .filter((e) => e.kind === "fill")
        .map((e) => e.account),
    ).toEqual([a, a]);
    expect(balances(v, a)).toEqual([100_000, 0, 4, 1]);
    v.checkConservation();
  });

  it("reduce releases the removed lots' lock and replace relocks for the new terms", () => {
    const v = venue({ takerFeePpm: 1_000 });
    const a = v.openAccount();
    v.deposit(a, 50_000, 4);
    v.limit(a, 1, Side.Buy, 1_000, 4);
    expect(v.reduce(a, 1, 1)).toBe(RejectCode.None);
    expect(events(v)).toEqual([expect.objectContaining({ kind: "amended", orderId: 1, qtyLots: 1 })]);
    expect(v.lockedCash(a)).toBe(10_010);
    expect(v.reduce(a, 1, 1)).toBe(RejectCode.QuantityNotReduced);
    expect(v.replace(a, 1, 1_200, 4)).toBe(RejectCode.None);
    expect(v.lockedCash(a)).toBe(4 * 12_012);
    const before = snapshot(v);
    expect(v.replace(a, 1, 1_300, 4)).toBe(RejectCode.InsufficientBalance);
    expect(snapshot(v)).toEqual(before);
    v.limit(a, 2, Side.Sell, 1_500, 4);
    expect(v.replace(a, 2, 1_400, 5)).toBe(RejectCode.InsufficientBalance);
    expect(v.replace(a, 2, 1_400, 3)).toBe(RejectCode.None);
    expect(balances(v, a)[2]).toBe(1);
    v.checkConservation();
  });

  it("grows its order table and depth scratch: 3000 resting orders, a sweep across 150 levels", () => {
    const v = venue({ takerFeePpm: 300, makerFeePpm: 100 });
    const mm = v.openAccount();
    const b = v.openAccount();
    v.deposit(mm, 0, 3_000);
    for (let i = 0; i < 3_000; i++)
      expect(v.limit(mm, 1_000_000 + i * 7919, Side.Sell, 1_000 + (i % 150), 1)).toBe(RejectCode.None);
    v.checkConservation();
    v.deposit(b, 1e9, 0);
    expect(v.market(b, 1, Side.Buy, 2_990)).toBe(RejectCode.None);
    expect(v.asset(b)).toBe(2_990);
    expect(v.book.orderCount).toBe(10);
    v.checkConservation();
    expect(v.cancelAll(mm)).toBe(RejectCode.None);
    expect(v.lockedAsset(mm)).toBe(0);
    v.checkConservation();
  });

  it("reports mid and last trade as NaN until there are two sides and a trade", () => {
    const v = venue();
    const a = v.openAccount();
    const b = v.openAccount();
    expect(Number.isNaN(v.midTicks())).toBe(true);
    expect(Number.isNaN(v.lastTradeTicks)).toBe(true);
    v.deposit(a, 100_000, 10);
    v.deposit(b, 100_000, 10);
    v.limit(a, 1, Side.Buy, 995, 1);
    expect(Number.isNaN(v.midTicks())).toBe(true);
    v.limit(a, 2, Side.Sell, 1_000, 1);
    expect(v.midTicks()).toBe(997.5);
    v.market(b, 3, Side.Sell, 1);
    expect(v.lastTradeTicks).toBe(995);
  });
});

describe("SpotVenue conservation", () => {
  type Cmd =
    | { kind: "deposit"; a: number; cash: number; asset: number }
    | { kind: "withdraw"; a: number; cash: number; asset: number }
    | {
        kind: "limit";
        a: number;
        id: number;
        side: Side;
        price: number;
        qty: number;
        tif: number;
        stp: number;
      }
    | { kind: "market"; a: number; id: number; side: Side; qty: number; protection: number }
    | { kind: "cancel"; a: number; id: number }
    | { kind: "cancelAll"; a: number }
    | { kind: "reduce"; a: number; id: number; qty: number }
    | { kind: "replace"; a: number; id: number; price: number; qty: number };

  const ACCOUNTS = 4;
  const acct = fc.integer({ min: 0, max: ACCOUNTS }); // ACCOUNTS itself is unknown
  const id = fc.integer({ min: 0, max: 24 });
  const side = fc.constantFrom(Side.Buy, Side.Sell);
  const price = fc.oneof(
    { weight: 20, arbitrary: fc.integer({ min: 97, max: 103 }) },
    { weight: 1, arbitrary: fc.constantFrom(94, 95, 105, 106) }, // 94 and 106 are out of range
  );
  const qty = fc.integer({ min: 1, max: 12 });
  const cmd: fc.Arbitrary<Cmd> = fc.oneof(
    {
      weight: 2,
      arbitrary: fc.record({
        kind: fc.constant("deposit" as const),
        a: acct,
        cash: fc.nat(400_000),
        asset: fc.nat(30),
      }),
    },
    {
      weight: 1,
      arbitrary: fc.record({
        kind: fc.constant("withdraw" as const),
        a: acct,
        cash: fc.nat(200_000),
        asset: fc.nat(15),
      }),
    },
    {
      weight: 6,
      arbitrary: fc.record({
        kind: fc.constant("limit" as const),
        a: acct,
        id,
        side,
        price,
        qty,
        tif: fc.constantFrom(0, 0, 0, 1, 2, 3),
        stp: fc.constantFrom(0, 1, 1, 2, 3),
      }),
    },
    {
      weight: 3,
      arbitrary: fc.record({
        kind: fc.constant("market" as const),
        a: acct,
        id,
        side,
        qty,
        protection: fc.oneof(fc.constant(-1), price),
      }),
    },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant("cancel" as const), a: acct, id }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant("cancelAll" as const), a: acct }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant("reduce" as const), a: acct, id, qty }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant("replace" as const), a: acct, id, price, qty }) },
  );
  const fees = fc.constantFrom(
    { takerFeePpm: 0, makerFeePpm: 0 },
    { takerFeePpm: 1_000, makerFeePpm: 200 },
    { takerFeePpm: 500, makerFeePpm: -500 },
    { takerFeePpm: 333, makerFeePpm: -111 },
    { takerFeePpm: 100, makerFeePpm: 900 },
  );
  const instruments: InstrumentSpec[] = [
    TEST,
    { ...TEST, tickSize: "0.01", lotSize: "0.001", quoteUnit: "0.00001" }, // m = 1
    { ...TEST, tickSize: "1", lotSize: "1", quoteUnit: "0.01" }, // m = 100
  ];

  function run(v: SpotVenue, c: Cmd): RejectCode {
    switch (c.kind) {
      case "deposit":
        return v.deposit(c.a, c.cash, c.asset);
      case "withdraw":
        return v.withdraw(c.a, c.cash, c.asset);
      case "limit":
        return v.limit(c.a, c.id, c.side, c.price, c.qty, c.tif as TimeInForce, false, c.stp as StpMode);
      case "market":
        return v.market(c.a, c.id, c.side, c.qty, c.protection);
      case "cancel":
        return v.cancel(c.a, c.id);
      case "cancelAll":
        return v.cancelAll(c.a);
      case "reduce":
        return v.reduce(c.a, c.id, c.qty);
      case "replace":
        return v.replace(c.a, c.id, c.price, c.qty);
    }
  }

  it("random deposits, orders and cancels keep conservation after every call and never a negative balance", () => {
    let fills = 0;
    fc.assert(
      fc.property(
        fees,
        fc.constantFrom(...instruments),
        fc.array(cmd, { minLength: 1, maxLength: 100, size: "max" }),
        (fee, inst, cmds) => {
          const v = new SpotVenue({ instrument: inst, minPriceTicks: 95, maxPriceTicks: 105, ...fee });
          for (let i = 0; i < ACCOUNTS; i++) v.openAccount();
          for (let i = 0; i < ACCOUNTS - 1; i++)
            v.deposit(i, 20 * 105 * v.quotePerTickLot * (i + 1), 20 * (i + 1));
          for (const c of cmds) {
            const before = snapshot(v);
            const code = run(v, c);
            v.checkConservation();
            v.book.checkInvariants();
            for (let a = 0; a < ACCOUNTS; a++)
              for (const x of balances(v, a)) expect(x).toBeGreaterThanOrEqual(0);
            if (code !== RejectCode.None) {
              expect(snapshot(v)).toEqual(before);
              expect(v.events.length).toBe(1);
            }
            for (let i = 0; i < v.events.length; i++) if (v.events.kind[i] === 2) fills++;
          }
        },
      ),
      { numRuns: 200, seed: 20_240_601 },
    );
    expect(fills).toBeGreaterThan(1_000); // the generator really trades (≈ 1_200 fill events)
  });
});
