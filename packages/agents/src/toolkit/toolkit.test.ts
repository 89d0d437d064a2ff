import { BTCUSDT, RejectCode, Side, seconds } from "@cascade/core";
import { VenueEventKind } from "@cascade/exchange";
import { TimeInForce } from "@cascade/matching-engine";
import { type Agent, type AgentContext, type AgentMessage, createWorld, type VenueSpec } from "@cascade/sim";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { BasisDirection, DepthWalk, walkBasisDepth } from "../arbitrageur.ts";
import { AccountMirror } from "./account-mirror.ts";
import { type BookReader, nextLevelTicks, othersBestTicks } from "./book-walk.ts";
import { marketableLimitTicks } from "./hedging.ts";
import { type Ladder, LadderQuoter } from "./ladder.ts";
import { OrderState, OrderTracker, OrderUpdate } from "./order-tracker.ts";

/** A context that records the commands sent and numbers orders 1, 2, … */
function recordingContext() {
  const sent: string[] = [];
  let nextId = 1;
  const ctx = {
    limit: (_v: number, _a: number, side: Side, price: number, qty: number) => {
      sent.push(`limit ${side === Side.Buy ? "buy" : "sell"} ${qty}@${price}`);
      return nextId++;
    },
    cancel: (_v: number, _a: number, id: number) => sent.push(`cancel ${id}`),
    cancelAll: () => sent.push("cancelAll"),
    reduce: (_v: number, _a: number, id: number, qty: number) => sent.push(`reduce ${id} to ${qty}`),
  } as unknown as AgentContext;
  return { ctx, sent };
}

function report(kind: number, orderId: number, fields: Partial<AgentMessage> = {}): AgentMessage {
  return {
    kind,
    venue: 0,
    account: 7,
    orderId,
    side: -1,
    priceTicks: 0,
    qtyLots: 0,
    amountUnits: 0,
    code: 0,
    flags: 0,
    ...fields,
  };
}

describe("OrderTracker", () => {
  it("follows an order from sent to live, partially filled and done, by its id", () => {
    const { ctx } = recordingContext();
    const t = new OrderTracker(2).attach(0, 7);
    const id = t.limit(ctx, Side.Buy, 1000, 50, TimeInForce.GTC, false, 9);
    const slot = t.find(id);
    expect(t.state(slot)).toBe(OrderState.Sent);
    expect(t.onMessage(ctx, report(VenueEventKind.Accepted, id))).toBe(OrderUpdate.Accepted);
    expect(t.state(slot)).toBe(OrderState.Live);
    expect(t.onMessage(ctx, report(VenueEventKind.Fill, id, { qtyLots: 20 }))).toBe(OrderUpdate.Filled);
    expect([t.openLots(slot), t.filledLots(slot), t.openLotsOf(Side.Buy)]).toEqual([30, 20, 30]);
    expect(t.onMessage(ctx, report(VenueEventKind.Done, id, { qtyLots: 30 }))).toBe(OrderUpdate.Done);
    expect([t.lastUnfilledLots, t.lastTag, t.lastSentLots, t.lastSide]).toEqual([30, 9, 50, Side.Buy]);
    expect(t.state(slot)).toBe(OrderState.Free);
    expect(t.count).toBe(0);
    expect(t.find(id)).toBe(-1);
  });

  it("cancels again an order whose cancel overtook it, and ignores refused cancels", () => {
    const { ctx, sent } = recordingContext();
    const t = new OrderTracker().attach(0, 7);
    const id = t.limit(ctx, Side.Sell, 1010, 10);
    t.cancel(ctx, t.find(id));
    expect(t.onMessage(ctx, report(VenueEventKind.Rejected, id, { code: RejectCode.UnknownOrder }))).toBe(
      OrderUpdate.None,
    );
    expect(t.state(t.find(id))).toBe(OrderState.Cancelling);
    t.onMessage(ctx, report(VenueEventKind.Accepted, id));
    expect(sent).toEqual(["limit sell 10@1010", `cancel ${id}`, `cancel ${id}`]);
    expect(t.rejects).toBe(0);
  });

  it("counts a refused order as a reject with all its lots unfilled", () => {
    const { ctx } = recordingContext();
    const t = new OrderTracker().attach(0, 7);
    const id = t.limit(ctx, Side.Buy, 990, 40, TimeInForce.IOC);
    expect(
      t.onMessage(ctx, report(VenueEventKind.Rejected, id, { code: RejectCode.InsufficientMargin })),
    ).toBe(OrderUpdate.Rejected);
    expect([t.rejects, t.lastUnfilledLots, t.count]).toEqual([1, 40, 0]);
  });

  it("ignores reports of another account or venue, and of orders it never sent", () => {
    const { ctx } = recordingContext();
    const t = new OrderTracker().attach(0, 7);
    const id = t.limit(ctx, Side.Buy, 990, 40);
    expect(t.onMessage(ctx, report(VenueEventKind.Done, id, { account: 8 }))).toBe(OrderUpdate.None);
    expect(t.onMessage(ctx, report(VenueEventKind.Done, id, { venue: 1 }))).toBe(OrderUpdate.None);
    expect(t.onMessage(ctx, report(VenueEventKind.Done, 999))).toBe(OrderUpdate.None);
    expect(t.count).toBe(1);
  });

  it("grows past its first capacity and reuses freed rows first, in index order", () => {
    const { ctx } = recordingContext();
    const t = new OrderTracker(1).attach(0, 7);
    const ids = [0, 1, 2, 3, 4].map((i) => t.limit(ctx, Side.Buy, 1000 - i, 1));
    expect(t.capacity).toBeGreaterThanOrEqual(5);
    expect(ids.map((id) => t.find(id))).toEqual([0, 1, 2, 3, 4]);
    t.onMessage(ctx, report(VenueEventKind.Done, ids[1]!, { qtyLots: 1 }));
    const again = t.limit(ctx, Side.Sell, 1100, 3);
    expect(t.find(again)).toBe(1);
    expect(t.openLotsInRange(Side.Buy, 997, 1000)).toBe(3); // 1000, 998, 997 (999 is gone)
    t.cancelAll(ctx);
    for (let i = 0; i < t.capacity; i++)
      if (t.state(i) !== OrderState.Free) expect(t.state(i)).toBe(OrderState.Cancelling);
  });
});

describe("LadderQuoter", () => {
  const ladder = (bids: [number, number][], asks: [number, number][]): Ladder => ({
    bidPricesTicks: bids.map((b) => b[0]),
    bidSizesLots: bids.map((b) => b[1]),
    bidCount: bids.length,
    askPricesTicks: asks.map((a) => a[0]),
    askSizesLots: asks.map((a) => a[1]),
    askCount: asks.length,
  });

  it("places a ladder, keeps the levels still wanted, cancels the rest by id and places the new ones", () => {
    const { ctx, sent } = recordingContext();
    const t = new OrderTracker().attach(0, 7);
    const q = new LadderQuoter(2);
    q.reconcile(
      ctx,
      t,
      ladder(
        [
          [999, 10],
          [989, 10],
        ],
        [
          [1001, 10],
          [1011, 10],
        ],
      ),
      1e9,
      1e9,
    );
    expect(sent).toEqual([
      "limit buy 10@999",
      "limit buy 10@989",
      "limit sell 10@1001",
      "limit sell 10@1011",
    ]);
    for (const id of [1, 2, 3, 4]) t.onMessage(ctx, report(VenueEventKind.Accepted, id));
    sent.length = 0;
    q.reconcile(
      ctx,
      t,
      ladder(
        [
          [998, 10],
          [989, 6],
        ],
        [
          [1001, 10],
          [1011, 10],
        ],
      ),
      1e9,
      1e9,
    );
    // 999 is no longer wanted; 989 is kept and reduced to 6 lots; 998 is new.
    expect(sent).toEqual(["cancel 1", "reduce 2 to 6", "limit buy 10@998"]);
    expect([q.placed, q.cancelled, q.reduced]).toEqual([1, 1, 1]);
  });

  it("never lets the open orders of a side, cancelling ones included, pass its budget", () => {
    const { ctx, sent } = recordingContext();
    const t = new OrderTracker().attach(0, 7);
    const q = new LadderQuoter(3);
    q.reconcile(
      ctx,
      t,
      ladder(
        [
          [999, 10],
          [989, 10],
          [979, 10],
        ],
        [],
      ),
      25,
      0,
    );
    expect(sent).toEqual(["limit buy 10@999", "limit buy 10@989", "limit buy 5@979"]);
    sent.length = 0;
    // The ladder moves down one tick: all three are cancelled but may still fill, so no new bid fits.
    q.reconcile(
      ctx,
      t,
      ladder(
        [
          [998, 10],
          [988, 10],
          [978, 10],
        ],
        [],
      ),
      25,
      0,
    );
    expect(sent).toEqual(["cancel 1", "cancel 2", "cancel 3"]);
    expect(t.openLotsOf(Side.Buy)).toBe(25);
  });
});

describe("AccountMirror", () => {
  it("keeps spot cash and asset from fills, fees included", () => {
    const m = new AccountMirror("spot").open(0, 7, 1_000_000, 50, 1);
    m.onMessage(
      report(VenueEventKind.Fill, 1, { side: Side.Buy, priceTicks: 1000, qtyLots: 10, amountUnits: 5 }),
    );
    m.onMessage(
      report(VenueEventKind.Fill, 2, { side: Side.Sell, priceTicks: 1010, qtyLots: 4, amountUnits: -1 }),
    );
    expect([m.cashUnits, m.assetLots, m.filledLots, m.feesUnits]).toEqual([
      1_000_000 - 10_005 + 4_041,
      56,
      14,
      4,
    ]);
    expect(m.onMessage(report(VenueEventKind.Fill, 3, { account: 8, qtyLots: 99 }))).toBe(false);
    expect(m.filledLots).toBe(14);
  });

  /** Trades on both venues through mirrors and checks them against the views at the end. */
  class MirroredTrader implements Agent {
    readonly name = "mirrored";
    readonly kind = "test";
    readonly perp = new AccountMirror("perp");
    readonly spot = new AccountMirror("spot");
    drift = -1;
    private n = 0;
    start(ctx: AgentContext): void {
      const p = ctx.venueIndex("perp");
      const s = ctx.venueIndex("spot");
      const pa = ctx.openPerpAccount(p, { isolated: false, leverage: 5, deposit: "1000000" });
      const sa = ctx.openSpotAccount(s, 1e10, 100_000);
      this.perp.open(p, pa, 0, 0, ctx.instrument(p).quotePerTickLot);
      this.spot.open(s, sa, 1e10, 100_000, ctx.instrument(s).quotePerTickLot);
      ctx.wakeAfter(seconds(1));
    }
    onWake(ctx: AgentContext): void {
      const side = this.n++ % 3 === 0 ? Side.Sell : Side.Buy;
      // Resting orders against each other's flow on both books: each venue trades with itself.
      for (const m of [this.perp, this.spot]) {
        ctx.limit(m.venue, m.account, side, 700_000, 7 + this.n);
        if (this.n > 1) ctx.limit(m.venue, m.account, side === Side.Buy ? Side.Sell : Side.Buy, 699_990, 3);
      }
      if (this.n < 20) ctx.wakeAfter(seconds(1));
    }
    onMessage(_ctx: AgentContext, msg: AgentMessage): void {
      this.perp.onMessage(msg);
      this.spot.onMessage(msg);
    }
  }

  /** A counterparty that rests both sides around 70,000 on both venues. */
  class Wall implements Agent {
    readonly name = "wall";
    readonly kind = "test";
    start(ctx: AgentContext): void {
      for (const v of ["perp", "spot"]) {
        const i = ctx.venueIndex(v);
        const a =
          v === "perp"
            ? ctx.openPerpAccount(i, { isolated: false, leverage: 10, deposit: "100000000" })
            : ctx.openSpotAccount(i, 1e12, 1_000_000);
        for (let k = 0; k < 5; k++) {
          ctx.limit(i, a, Side.Buy, 699_990 - k * 10, 10_000);
          ctx.limit(i, a, Side.Sell, 700_000 + k * 10, 10_000);
        }
      }
    }
    onWake(): void {}
    onMessage(): void {}
  }

  it("agrees with the account views after a run of fills on a perpetual and a spot venue", () => {
    const config = { instrument: BTCUSDT, minPriceTicks: 1, maxPriceTicks: 2_000_000 };
    const venues: VenueSpec[] = [
      { kind: "spot", name: "spot", config },
      { kind: "perp", name: "perp", config, index: { sources: ["spot"] } },
    ];
    const trader = new MirroredTrader();
    const world = createWorld({ seed: 3, venues, agents: [new Wall(), trader] });
    world.run(seconds(30));
    expect(trader.perp.filledLots).toBeGreaterThan(100);
    expect(trader.spot.filledLots).toBeGreaterThan(100);
    // The mirrors, built from reports alone, match what the venues hold.
    const perp = world.perp("perp");
    const spot = world.spot("spot");
    expect(trader.perp.positionLots).toBe(perp.positionLots(trader.perp.account));
    expect(trader.spot.assetLots).toBe(
      spot.asset(trader.spot.account) + spot.lockedAsset(trader.spot.account),
    );
    expect(trader.spot.cashUnits).toBe(spot.cash(trader.spot.account) + spot.lockedCash(trader.spot.account));
  });
});

/** A book as sorted levels, answering range queries like a venue view. */
function levelBook(bids: [number, number][], asks: [number, number][]): BookReader {
  return {
    qtyInRange(side: Side, lo: number, hi: number): number {
      let n = 0;
      for (const [p, q] of side === Side.Buy ? bids : asks) if (p >= lo && p <= hi) n += q;
      return n;
    },
  };
}

describe("nextLevelTicks", () => {
  it("finds the next level down the bids and up the asks, within a limit", () => {
    const b = levelBook(
      [
        [1000, 5],
        [990, 5],
        [950, 5],
      ],
      [
        [1010, 5],
        [1030, 5],
      ],
    );
    expect(nextLevelTicks(b, Side.Buy, 1000, 1)).toBe(990);
    expect(nextLevelTicks(b, Side.Buy, 990, 960)).toBe(-1);
    expect(nextLevelTicks(b, Side.Buy, 990, 950)).toBe(950);
    expect(nextLevelTicks(b, Side.Sell, 1010, 2000)).toBe(1030);
    expect(nextLevelTicks(b, Side.Sell, 1030, 2000)).toBe(-1);
  });

  it("agrees with a scan of the levels (property)", () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: 1, max: 400 }), { maxLength: 12 }),
        fc.integer({ min: 1, max: 400 }),
        fc.integer({ min: 1, max: 400 }),
        fc.boolean(),
        (prices, from, limit, bids) => {
          const levels = prices.map((p) => [p, 1] as [number, number]);
          const book = bids ? levelBook(levels, []) : levelBook([], levels);
          const side = bids ? Side.Buy : Side.Sell;
          const beyond = prices.filter((p) => (bids ? p < from && p >= limit : p > from && p <= limit));
          const want = beyond.length === 0 ? -1 : bids ? Math.max(...beyond) : Math.min(...beyond);
          expect(nextLevelTicks(book, side, from, limit)).toBe(want);
        },
      ),
    );
  });
});

describe("othersBestTicks", () => {
  it("finds the best price of other traders' orders, passing over one's own", () => {
    const { ctx } = recordingContext();
    const own = new OrderTracker().attach(0, 7);
    own.limit(ctx, Side.Buy, 1000, 10);
    own.limit(ctx, Side.Buy, 998, 4);
    // The book: 1000 × 10 (all ours), 998 × 6 (4 ours), 995 × 5.
    const book = levelBook(
      [
        [1000, 10],
        [998, 6],
        [995, 5],
      ],
      [[1010, 3]],
    );
    expect(othersBestTicks(book, own, Side.Buy, 1000, 100)).toBe(998);
    own.limit(ctx, Side.Buy, 998, 2);
    expect(othersBestTicks(book, own, Side.Buy, 1000, 100)).toBe(995);
    expect(othersBestTicks(book, own, Side.Buy, 1000, 3)).toBe(-1); // outside the band
    expect(othersBestTicks(book, own, Side.Sell, 1010, 100)).toBe(1010);
  });
});

describe("OrderTracker in flight", () => {
  it("sums the signed lots sent and cancels by id whether or not it still tracks the order", () => {
    const { ctx, sent } = recordingContext();
    const t = new OrderTracker().attach(0, 7);
    const a = t.limit(ctx, Side.Buy, 1000, 10, TimeInForce.IOC);
    t.limit(ctx, Side.Sell, 1001, 4, TimeInForce.IOC);
    t.onMessage(ctx, report(VenueEventKind.Fill, a, { qtyLots: 10 }));
    expect(t.sentLotsSigned()).toBe(6);
    t.onMessage(ctx, report(VenueEventKind.Done, a, { qtyLots: 0 }));
    expect(t.sentLotsSigned()).toBe(-4);
    t.cancelById(ctx, a);
    t.cancelById(ctx, 2);
    expect(sent.slice(-2)).toEqual([`cancel ${a}`, "cancel 2"]);
    expect(t.state(t.find(2))).toBe(OrderState.Cancelling);
  });
});

describe("walkBasisDepth", () => {
  const out = (): DepthWalk => new DepthWalk();

  it("takes perp bids level by level while they stay above spot asks by the edge", () => {
    const perp = levelBook(
      [
        [701_000, 500],
        [700_800, 500],
        [700_650, 500],
      ],
      [],
    );
    const spot = levelBook([], [[700_000, 2_000]]);
    const w = out();
    // edge 10 bps: the perp bid must exceed 700,700
    walkBasisDepth(perp, spot, BasisDirection.SellPerpBuySpot, 701_000, 700_000, 0.001, 5_000, 10, 0, 0, w);
    expect([w.lots, w.perpLimitTicks, w.spotLimitTicks]).toEqual([1_000, 700_800, 700_000]);
  });

  it("stops where the marginal spot price closes the edge, and at maxLots and maxLevels", () => {
    const perp = levelBook([], [[699_000, 3_000]]);
    const spot = levelBook(
      [
        [700_000, 1_000],
        [699_900, 1_000],
        [699_500, 1_000],
      ],
      [],
    );
    const w = out();
    // Buy the perp, sell spot: 699,000 < S × (1 − 0.001) needs S > 699,699.7
    walkBasisDepth(perp, spot, BasisDirection.BuyPerpSellSpot, 699_000, 700_000, 0.001, 5_000, 10, 0, 0, w);
    expect([w.lots, w.perpLimitTicks, w.spotLimitTicks]).toEqual([2_000, 699_000, 699_900]);
    walkBasisDepth(perp, spot, BasisDirection.BuyPerpSellSpot, 699_000, 700_000, 0.001, 1_500, 10, 0, 0, w);
    expect([w.lots, w.spotLimitTicks]).toEqual([1_500, 699_900]);
    walkBasisDepth(perp, spot, BasisDirection.BuyPerpSellSpot, 699_000, 700_000, 0.001, 5_000, 1, 0, 0, w);
    expect([w.lots, w.spotLimitTicks]).toEqual([1_000, 700_000]);
  });

  it("passes over the depth that its orders in flight will already take", () => {
    const perp = levelBook(
      [
        [701_000, 500],
        [700_900, 500],
      ],
      [],
    );
    const spot = levelBook([], [[700_000, 5_000]]);
    const w = out();
    walkBasisDepth(
      perp,
      spot,
      BasisDirection.SellPerpBuySpot,
      701_000,
      700_000,
      0.001,
      5_000,
      10,
      600,
      600,
      w,
    );
    expect([w.lots, w.perpLimitTicks]).toEqual([400, 700_900]);
    walkBasisDepth(
      perp,
      spot,
      BasisDirection.SellPerpBuySpot,
      701_000,
      700_000,
      0.001,
      5_000,
      10,
      1_000,
      0,
      w,
    );
    expect(w.lots).toBe(0);
  });

  it("never trades a marginal pair outside the bound (property)", () => {
    const lv = fc.array(
      fc.tuple(fc.integer({ min: 690_000, max: 710_000 }), fc.integer({ min: 1, max: 900 })),
      {
        minLength: 1,
        maxLength: 8,
      },
    );
    fc.assert(
      fc.property(
        lv,
        lv,
        fc.integer({ min: 0, max: 50 }),
        fc.integer({ min: 1, max: 10_000 }),
        (pb, sa, bps, max) => {
          const dedupe = (l: [number, number][]) => [...new Map(l).entries()];
          const bids = dedupe(pb);
          const asks = dedupe(sa);
          const perp = levelBook(bids, []);
          const spot = levelBook([], asks);
          const top = Math.max(...bids.map((b) => b[0]));
          const touch = Math.min(...asks.map((a) => a[0]));
          const edge = bps / 1e4;
          const w = out();
          walkBasisDepth(perp, spot, BasisDirection.SellPerpBuySpot, top, touch, edge, max, 100, 0, 0, w);
          if (w.lots === 0) return;
          expect(w.perpLimitTicks).toBeGreaterThan(w.spotLimitTicks * (1 + edge));
          expect(w.lots).toBeLessThanOrEqual(max);
          expect(w.lots).toBeLessThanOrEqual(perp.qtyInRange(Side.Buy, w.perpLimitTicks, 1e9));
          expect(w.lots).toBeLessThanOrEqual(spot.qtyInRange(Side.Sell, 1, w.spotLimitTicks));
        },
      ),
    );
  });
});

describe("marketableLimitTicks", () => {
  it("prices a hedge beyond the touch by the slippage, rounded outward and never below a tick", () => {
    expect(marketableLimitTicks(Side.Buy, 700_000, 20)).toBe(701_400);
    expect(marketableLimitTicks(Side.Sell, 700_000, 20)).toBe(698_600);
    expect(marketableLimitTicks(Side.Sell, 1, 5_000)).toBe(1);
  });
});
