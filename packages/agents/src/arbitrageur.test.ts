import { BTCUSDT, Instrument, NS_PER_MS, Side, seconds } from "@cascade/core";
import { VenueEventKind } from "@cascade/exchange";
import { type Agent, type AgentContext, type AgentMessage, createWorld, type VenueSpec } from "@cascade/sim";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  Arbitrageur,
  type ArbitrageurConfig,
  BasisDirection,
  basisBps,
  basisEntrySignal,
  basisExitDue,
  basisTradeLots,
  expectedFundingRate,
  fundingRebalanceLots,
  fundingTargetLots,
  takerFeesFromVenueSpecs,
} from "./arbitrageur.ts";
import { Shock } from "./shock.ts";
import { Leg, perpCapacityLots, residualHedge, spotBuyCapacityLots } from "./toolkit/hedging.ts";

/**
 * A test maker: every `periodNs` it cancels its quotes (one by one, so a late cancel never hits a
 * new quote) and quotes `levels` levels a side around `refTicks − skewTicksPerLot × inventory`,
 * so whoever trades with it moves its prices (it buys → quotes lower).
 */
class SkewMaker implements Agent {
  readonly kind = "test-maker";
  account = -1;
  /** Lots bought minus lots sold, from the maker's fill reports. */
  inventoryLots = 0;
  private venue = -1;
  private live: number[] = [];
  constructor(
    readonly name: string,
    private readonly venueName: string,
    public refTicks: number,
    private readonly skewTicksPerLot = 0.2,
    private readonly levels = 10,
    private readonly stepTicks = 20,
    private readonly sizeLots = 500,
    private readonly periodNs = 100 * NS_PER_MS,
  ) {}
  start(ctx: AgentContext): void {
    this.venue = ctx.venueIndex(this.venueName);
    if (this.venueName.startsWith("perp")) {
      this.account = ctx.openPerpAccount(this.venue, { isolated: false, leverage: 10, deposit: "100000000" });
    } else {
      this.account = ctx.openSpotAccount(this.venue, 1e12, 1_000_000); // 100M USDT, 1,000 BTC
    }
    ctx.wakeAfter(1);
  }
  onWake(ctx: AgentContext): void {
    for (const id of this.live) ctx.cancel(this.venue, this.account, id);
    this.live = [];
    const center = Math.round(this.refTicks - this.skewTicksPerLot * this.inventoryLots);
    for (let k = 0; k < this.levels; k++) {
      const off = 10 + k * this.stepTicks;
      this.live.push(ctx.limit(this.venue, this.account, Side.Buy, center - off, this.sizeLots));
      this.live.push(ctx.limit(this.venue, this.account, Side.Sell, center + off, this.sizeLots));
    }
    ctx.wakeAfter(this.periodNs);
  }
  onMessage(_ctx: AgentContext, msg: AgentMessage): void {
    if (msg.kind === VenueEventKind.Fill)
      this.inventoryLots += msg.side === Side.Buy ? msg.qtyLots : -msg.qtyLots;
  }
}

const REF = 700_000; // 70,000.0 USDT

function venues(perpTakerFeePpm = 500, spotTakerFeePpm = 500, funding = false): VenueSpec[] {
  return [
    {
      kind: "spot",
      name: "spot",
      config: {
        instrument: BTCUSDT,
        minPriceTicks: 1,
        maxPriceTicks: 2_000_000,
        takerFeePpm: spotTakerFeePpm,
      },
    },
    {
      kind: "perp",
      name: "perp",
      config: {
        instrument: BTCUSDT,
        minPriceTicks: 1,
        maxPriceTicks: 2_000_000,
        takerFeePpm: perpTakerFeePpm,
        funding: { enabled: funding, intervalNs: seconds(600), sampleIntervalNs: seconds(10) },
      },
      index: { sources: ["spot"] },
    },
  ];
}

function arbConfig(v: VenueSpec[], extra: Partial<ArbitrageurConfig> = {}): ArbitrageurConfig {
  return {
    name: "arb",
    entryThresholdBps: 5,
    exitThresholdBps: 1,
    maxTradeLots: 2_000,
    maxPositionLots: 50_000,
    perpDeposit: "5000000",
    spotCash: "5000000",
    spotAsset: "50",
    latencyMedianNs: 500_000,
    ...takerFeesFromVenueSpecs(v),
    ...extra,
  };
}

/**
 * Runs a perp + spot world where a shock sells 20 BTC of perp in [10 s, 40 s) (one slice a second);
 * samples the mid basis (bps) every `sampleMs` up to `untilS`: sample i is at (i + 1) × sampleMs.
 */
function runSlide(
  withArb: boolean,
  seed = 11,
  latencyMedianNs = 500_000,
  sampleMs = 100,
  untilS = 120,
  extra: Partial<ArbitrageurConfig> = {},
) {
  const v = venues();
  const arb = new Arbitrageur(arbConfig(v, { latencyMedianNs, ...extra }));
  const agents: Agent[] = [
    new SkewMaker("perp-maker", "perp", REF),
    new SkewMaker("spot-maker", "spot", REF),
    new Shock({ venue: "perp", totalQty: "20", startNs: seconds(10), durationNs: seconds(30), slices: 30 }),
  ];
  if (withArb) agents.push(arb);
  const world = createWorld({ seed, venues: v, agents, recorder: { intervalNs: seconds(1) } });
  const perp = world.perp("perp");
  const spot = world.spot("spot");
  const basis: number[] = [];
  let result = world.run(0);
  for (let i = 1; i * sampleMs <= untilS * 1000; i++) {
    result = world.run(i * sampleMs * NS_PER_MS);
    basis.push(basisBps(perp.midTicks(), spot.midTicks()));
  }
  /** Samples in [fromS, toS) seconds. */
  const window = (fromS: number, toS: number) =>
    basis.slice((fromS * 1000) / sampleMs - 1, (toS * 1000) / sampleMs - 1);
  return { basis, window, perp, spot, arb, result };
}

const mean = (xs: number[]) => {
  const f = xs.filter(Number.isFinite);
  return f.reduce((a, b) => a + b, 0) / f.length;
};

describe("basis decision rule", () => {
  it("signals a sell-perp/buy-spot trade only when the perp bid beats the spot ask by fees plus threshold", () => {
    // Edge = 5 bps + 0.1 % fees = 15 bps; spot ask 700,000 → perp bid must exceed 701,050.
    expect(basisEntrySignal(701_051, 701_060, 699_990, 700_000, 5, 1_000)).toBe(
      BasisDirection.SellPerpBuySpot,
    );
    expect(basisEntrySignal(701_050, 701_060, 699_990, 700_000, 5, 1_000)).toBe(BasisDirection.None);
    expect(basisEntrySignal(701_051, 701_060, 699_990, 700_000, 5, 2_000)).toBe(BasisDirection.None);
  });

  it("signals the mirror trade when the perp ask is below the spot bid by fees plus threshold", () => {
    expect(basisEntrySignal(698_900, 698_949, 700_000, 700_010, 5, 1_000)).toBe(
      BasisDirection.BuyPerpSellSpot,
    );
    expect(basisEntrySignal(698_900, 698_950, 700_000, 700_010, 5, 1_000)).toBe(BasisDirection.None);
  });

  it("never signals with an empty side", () => {
    expect(basisEntrySignal(-1, -1, 700_000, 700_010, 0, 0)).toBe(BasisDirection.None);
    expect(basisEntrySignal(800_000, 800_010, -1, -1, 0, 0)).toBe(BasisDirection.None);
  });

  it("never signals both directions and never trades into a crossed edge", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 600_000, max: 800_000 }),
        fc.integer({ min: 0, max: 500 }),
        fc.integer({ min: 600_000, max: 800_000 }),
        fc.integer({ min: 0, max: 500 }),
        fc.integer({ min: 0, max: 50 }),
        fc.integer({ min: 0, max: 3_000 }),
        (pb, ps, sb, ss, bps, fee) => {
          const s = basisEntrySignal(pb, pb + ps, sb, sb + ss, bps, fee);
          const edge = bps / 1e4 + fee / 1e6;
          if (s === BasisDirection.SellPerpBuySpot) expect(pb / (sb + ss) - 1).toBeGreaterThan(edge);
          if (s === BasisDirection.BuyPerpSellSpot) expect(1 - (pb + ps) / sb).toBeGreaterThan(edge - 1e-12);
        },
      ),
    );
  });

  it("measures the mid basis in basis points and exits inside the threshold on the entry side", () => {
    expect(basisBps(700_700, 700_000)).toBeCloseTo(10, 10);
    expect(basisBps(Number.NaN, 700_000)).toBeNaN();
    expect(basisExitDue(-100, 0.5, 1)).toBe(true); // short perp, premium gone
    expect(basisExitDue(-100, 3, 1)).toBe(false);
    expect(basisExitDue(100, -0.5, 1)).toBe(true); // long perp, discount gone
    expect(basisExitDue(100, -3, 1)).toBe(false);
    expect(basisExitDue(0, 0, 1)).toBe(false);
    expect(basisExitDue(100, Number.NaN, 1)).toBe(false);
  });
});

describe("basis sizing", () => {
  const base = {
    direction: BasisDirection.SellPerpBuySpot,
    perpTopLots: 500,
    spotTopLots: 800,
    maxTradeLots: 1_000,
    inventoryLots: 0,
    maxPositionLots: 10_000,
    perpCapacityLots: 1e9,
    spotCapacityLots: 1e9,
  } as const;

  it("takes the smallest of the top-level quantities, the trade cap, the position room and the capacities", () => {
    expect(basisTradeLots(base)).toBe(500);
    expect(basisTradeLots({ ...base, perpTopLots: 5_000 })).toBe(800);
    expect(basisTradeLots({ ...base, perpTopLots: 5_000, spotTopLots: 5_000 })).toBe(1_000);
    expect(basisTradeLots({ ...base, inventoryLots: -9_800 })).toBe(200);
    expect(basisTradeLots({ ...base, inventoryLots: -10_000 })).toBe(0);
    expect(basisTradeLots({ ...base, perpCapacityLots: 37 })).toBe(37);
    expect(basisTradeLots({ ...base, spotCapacityLots: 12.7 })).toBe(12);
    expect(basisTradeLots({ ...base, direction: BasisDirection.None })).toBe(0);
  });

  it("lets a trade against the held inventory use the room on both sides of flat", () => {
    // Long 3,000 lots from a cheap-perp entry: selling may go to −10,000, i.e. 13,000 lots.
    expect(
      basisTradeLots({
        ...base,
        perpTopLots: 1e9,
        spotTopLots: 1e9,
        maxTradeLots: 1e9,
        inventoryLots: 3_000,
      }),
    ).toBe(13_000);
    expect(
      basisTradeLots({
        ...base,
        direction: BasisDirection.BuyPerpSellSpot,
        perpTopLots: 1e9,
        spotTopLots: 1e9,
        maxTradeLots: 1e9,
        inventoryLots: 3_000,
      }),
    ).toBe(7_000);
  });

  it("never exceeds any limit (property)", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(BasisDirection.SellPerpBuySpot, BasisDirection.BuyPerpSellSpot),
        fc.nat(10_000),
        fc.nat(10_000),
        fc.integer({ min: 1, max: 5_000 }),
        fc.integer({ min: -20_000, max: 20_000 }),
        fc.nat(20_000),
        fc.nat(10_000),
        fc.nat(10_000),
        (direction, pt, st, mt, inv, maxPos, pc, sc) => {
          const q = basisTradeLots({
            direction,
            perpTopLots: pt,
            spotTopLots: st,
            maxTradeLots: mt,
            inventoryLots: inv,
            maxPositionLots: maxPos,
            perpCapacityLots: pc,
            spotCapacityLots: sc,
          });
          expect(Number.isInteger(q) && q >= 0).toBe(true);
          expect(q).toBeLessThanOrEqual(Math.min(pt, st, mt, pc, sc));
          const after = inv - direction * q;
          if (q > 0) expect(Math.abs(after)).toBeLessThanOrEqual(Math.max(maxPos, Math.abs(inv)));
        },
      ),
    );
  });

  it("derives perp and spot capacity from margin, leverage, price and fees", () => {
    // 100,000 USDT at 5× and 90 % use, 70,000 USDT/BTC, fee 0.05 % × 5: floor(4.5e9 / 700,000 / 1.0025) lots.
    expect(perpCapacityLots(1_000_000_000, 5, 700_000, 1, 500, 0, BasisDirection.SellPerpBuySpot)).toBe(
      6_412,
    );
    // Already short 6,000: only 412 more may be sold, but 12,412 bought.
    expect(perpCapacityLots(1_000_000_000, 5, 700_000, 1, 500, -6_000, BasisDirection.SellPerpBuySpot)).toBe(
      412,
    );
    expect(perpCapacityLots(1_000_000_000, 5, 700_000, 1, 500, -6_000, BasisDirection.BuyPerpSellSpot)).toBe(
      12_412,
    );
    expect(perpCapacityLots(Number.NaN, 5, 700_000, 1, 500, 0, BasisDirection.SellPerpBuySpot)).toBe(0);
    expect(spotBuyCapacityLots(700_000_000, 700_000, 1, 1_000)).toBe(999);
    expect(spotBuyCapacityLots(700_000_000, 700_000, 1, 0)).toBe(1_000);
    expect(spotBuyCapacityLots(0, 700_000, 1, 0)).toBe(0);
  });

  it("hedges a residual on the leg that filled less, or on the perp when spot cannot", () => {
    expect(residualHedge(-40, Leg.Spot, 1_000, 0)).toEqual({ leg: Leg.Spot, side: Side.Buy, qtyLots: 40 });
    expect(residualHedge(-40, Leg.Spot, 10, 0)).toEqual({ leg: Leg.Perp, side: Side.Buy, qtyLots: 40 });
    expect(residualHedge(25, Leg.Spot, 0, 100)).toEqual({ leg: Leg.Spot, side: Side.Sell, qtyLots: 25 });
    expect(residualHedge(25, Leg.Perp, 0, 100)).toEqual({ leg: Leg.Perp, side: Side.Sell, qtyLots: 25 });
    expect(residualHedge(0, Leg.Spot, 0, 0)).toBeNull();
  });
});

describe("funding decision rule", () => {
  it("blends the last funding rate with the live premium", () => {
    expect(expectedFundingRate(0.0001, 700_700, 700_000, 0.5)).toBeCloseTo(0.00055, 12);
    expect(expectedFundingRate(0.0001, 700_700, 700_000, 0)).toBeCloseTo(0.0001, 12);
    expect(expectedFundingRate(0.0001, Number.NaN, 700_000, 0.5)).toBe(0.0001);
  });

  it("targets a short perp for positive funding, a long for negative, proportional and capped", () => {
    expect(fundingTargetLots(0.00025, 0.0005, 0.00005, 10_000)).toBe(-5_000);
    expect(fundingTargetLots(-0.00025, 0.0005, 0.00005, 10_000)).toBe(5_000);
    expect(fundingTargetLots(0.01, 0.0005, 0.00005, 10_000)).toBe(-10_000);
    expect(fundingTargetLots(0.00004, 0.0005, 0.00005, 10_000)).toBe(0);
  });

  it("rebalances toward the target in bounded steps with a dead band", () => {
    expect(fundingRebalanceLots(-1_000, -5_000, 500, 100)).toBe(-500);
    expect(fundingRebalanceLots(-4_800, -5_000, 500, 100)).toBe(-200);
    expect(fundingRebalanceLots(-4_950, -5_000, 500, 100)).toBe(0);
    expect(fundingRebalanceLots(-5_000, 0, 500, 100)).toBe(500);
  });
});

describe("Arbitrageur configuration", () => {
  it("refuses bad values with the field named", () => {
    expect(() => new Arbitrageur({ name: "a", entryThresholdBps: -1 })).toThrowError(
      /arbitrageur.entryThresholdBps = -1/,
    );
    expect(() => new Arbitrageur({ name: "a", entryThresholdBps: 5, exitThresholdBps: 6 })).toThrowError(
      /arbitrageur.exitThresholdBps = 6/,
    );
    expect(() => new Arbitrageur({ name: "a", maxTradeLots: 0 })).toThrowError(/arbitrageur.maxTradeLots/);
    expect(() => new Arbitrageur({ name: "a", perpDeposit: "lots" })).toThrowError(/arbitrageur.perpDeposit/);
    expect(() => new Arbitrageur({ name: "a", fundingPremiumWeight: 2 })).toThrowError(
      /arbitrageur.fundingPremiumWeight/,
    );
    expect(() => new Arbitrageur({ name: "" })).toThrowError(/arbitrageur.name/);
    expect(() => takerFeesFromVenueSpecs(venues(), "spot", "perp")).toThrowError(/arbitrageur.perpVenue/);
  });

  it("reads taker fees from the venue specs, with the venues' defaults", () => {
    expect(takerFeesFromVenueSpecs(venues(700, 300))).toEqual({ perpTakerFeePpm: 700, spotTakerFeePpm: 300 });
    const v = venues();
    const bare: VenueSpec[] = [
      { kind: "spot", name: "spot", config: { instrument: BTCUSDT, minPriceTicks: 1, maxPriceTicks: 10 } },
      { ...v[1]!, config: { instrument: BTCUSDT, minPriceTicks: 1, maxPriceTicks: 10 } } as VenueSpec,
    ];
    expect(takerFeesFromVenueSpecs(bare)).toEqual({ perpTakerFeePpm: 500, spotTakerFeePpm: 0 });
  });

  it("carries its latency to the kernel", () => {
    expect(new Arbitrageur({ name: "a", latencyMedianNs: 50_000 }).latencyMedianNs).toBe(50_000);
    expect(new Arbitrageur({ name: "a" }).latencyMedianNs).toBeUndefined();
  });
});

/** A scripted context: two venues (0 perp, 1 spot) with settable tops and balances; records orders. */
function scriptedContext() {
  const book = { pb: 701_100, pa: 701_110, sb: 699_990, sa: 700_000, top: 1_000 };
  const acct = { pos: 0, cash: 1e12, asset: 10_000 }; // the default spotAsset: 10 BTC
  const orders: { venue: number; id: number; side: number; price: number; qty: number }[] = [];
  let nextId = 1;
  const perp = {
    bestBid: () => book.pb,
    bestAsk: () => book.pa,
    mid: () => (book.pb + book.pa) / 2,
    lastTrade: () => Number.NaN,
    mark: () => (book.pb + book.pa) / 2,
    index: () => (book.sb + book.sa) / 2,
    fundingRate: () => 0,
    qtyInRange: () => book.top,
    halted: () => false,
    position: () => acct.pos,
    entryPrice: () => Number.NaN,
    liquidationPrice: () => -1,
    wallet: () => 5e10,
    marginBalance: () => 5e10,
    openBuyLots: () => 0,
    openSellLots: () => 0,
  };
  const spot = {
    bestBid: () => book.sb,
    bestAsk: () => book.sa,
    mid: () => (book.sb + book.sa) / 2,
    lastTrade: () => Number.NaN,
    qtyInRange: () => book.top,
    cash: () => acct.cash,
    asset: () => acct.asset,
  };
  const ins = new Instrument(BTCUSDT);
  const ctx = {
    nowNs: 0,
    agentIndex: 0,
    rng: () => ({ int: () => 0 }),
    venueIndex: (name: string) => (name === "perp" ? 0 : 1),
    instrument: () => ins,
    perp: () => perp,
    spot: () => spot,
    openPerpAccount: () => 7,
    openSpotAccount: () => 8,
    limit: (venue: number, _a: number, side: number, price: number, qty: number) => {
      orders.push({ venue, id: nextId, side, price, qty });
      return nextId++;
    },
    wakeAfter: () => {},
  } as unknown as AgentContext;
  const report = (venue: number, kind: number, orderId: number, qtyLots: number) =>
    ({
      kind,
      venue,
      account: venue === 0 ? 7 : 8,
      orderId,
      side: -1,
      priceTicks: 0,
      qtyLots,
      amountUnits: 0,
      code: 0,
      flags: 0,
    }) as AgentMessage;
  return { book, acct, orders, ctx, report };
}

describe("Arbitrageur leg risk", () => {
  it("completes a leg that did not fill with a marketable order on the same venue", () => {
    const s = scriptedContext();
    const arb = new Arbitrageur({
      name: "a",
      perpTakerFeePpm: 500,
      spotTakerFeePpm: 500,
      hedgeSlippageBps: 20,
    });
    arb.start(s.ctx);
    arb.onWake(s.ctx, 0);
    // Perp 15.7 bps over spot: sell the perp at its bid, buy spot at its ask, 1,000 lots each.
    expect(s.orders).toEqual([
      { venue: 0, id: 1, side: Side.Sell, price: 701_100, qty: 1_000 },
      { venue: 1, id: 2, side: Side.Buy, price: 700_000, qty: 1_000 },
    ]);
    expect(arb.inFlight).toBe(2);
    arb.onWake(s.ctx, 0); // nothing new while both legs are in flight
    expect(s.orders.length).toBe(2);
    // The perp leg fills; the spot leg misses 400 lots (the ask moved away).
    s.acct.pos = -1_000;
    s.acct.asset += 600;
    s.book.sa = 700_200;
    arb.onMessage(s.ctx, s.report(0, VenueEventKind.Done, 1, 0));
    expect(s.orders.length).toBe(2);
    arb.onMessage(s.ctx, s.report(1, VenueEventKind.Done, 2, 400));
    // As soon as both are done: buy the missing 400 lots of spot, up to 20 bps through the ask.
    expect(s.orders[2]).toEqual({
      venue: 1,
      id: 3,
      side: Side.Buy,
      price: Math.ceil(700_200 * 1.002),
      qty: 400,
    });
    expect(arb.hedgeOrders).toBe(1);
    s.acct.asset += 400;
    arb.onMessage(s.ctx, s.report(1, VenueEventKind.Done, 3, 0));
    expect(arb.inFlight).toBe(0);
    // Hedged; against the new spot ask the edge is 12.9 bps < 15 bps: no new trade …
    expect(s.orders.length).toBe(3);
    s.book.sa = 700_000;
    arb.onWake(s.ctx, 0);
    // … until the ask comes back.
    expect(s.orders[3]).toMatchObject({ venue: 0, side: Side.Sell, price: 701_100 });
  });

  it("hedges on the perp when the perp leg is the one that missed, and on the perp when spot lacks cash", () => {
    const s = scriptedContext();
    const arb = new Arbitrageur({
      name: "a",
      perpTakerFeePpm: 500,
      spotTakerFeePpm: 500,
      reactToReports: false,
    });
    arb.start(s.ctx);
    arb.onWake(s.ctx, 0);
    s.acct.pos = -300; // perp filled 300 of 1,000
    s.acct.asset += 1_000;
    arb.onMessage(s.ctx, s.report(1, VenueEventKind.Done, 2, 0));
    arb.onMessage(s.ctx, s.report(0, VenueEventKind.Done, 1, 700));
    expect(s.orders.length).toBe(2); // reactToReports off: wait for the next wake
    arb.onWake(s.ctx, 0);
    expect(s.orders[2]).toEqual({
      venue: 0,
      id: 3,
      side: Side.Sell,
      price: Math.floor(701_100 * 0.998),
      qty: 700,
    });
    // A rejected hedge leaves the residual for the next wake.
    arb.onMessage(s.ctx, s.report(0, VenueEventKind.Rejected, 3, 700));
    expect(arb.rejects).toBe(1);
    s.acct.cash = 0;
    s.acct.pos = 0;
    s.acct.asset = 10_000 - 500; // now net short 500 lots, no cash to buy spot back
    arb.onMessage(s.ctx, s.report(0, VenueEventKind.Deleveraged, -1, 0));
    arb.onWake(s.ctx, 0);
    expect(s.orders[3]).toMatchObject({ venue: 0, side: Side.Buy, qty: 500 });
  });
});

describe("Arbitrageur in a world", () => {
  it("pulls a perp pushed below spot back toward spot, hedged, on the same seed", () => {
    const without = runSlide(false);
    const withArb = runSlide(true);
    // After the shock (t ≥ 40 s) the makers keep their inventory, so the gap stays without an arbitrageur.
    const lateWithout = mean(without.window(45, 120));
    const lateWith = mean(withArb.window(45, 120));
    expect(lateWithout).toBeLessThan(-30);
    expect(Math.abs(lateWith)).toBeLessThan(Math.abs(lateWithout) / 2);
    // Entry needs 5 bps beyond 10 bps of fees, so the arbitrageur leaves the basis near that band.
    expect(lateWith).toBeGreaterThan(-20);
    // The worst gap during the slide is smaller too.
    expect(mean(withArb.window(10, 40))).toBeGreaterThan(mean(without.window(10, 40)) / 2);
    const arb = withArb.arb;
    expect(arb.basisTrades).toBeGreaterThan(0);
    const perpPos = withArb.perp.positionLots(arb.perpAccountId);
    const spotDelta = withArb.spot.asset(arb.spotAccountId) - 50_000;
    expect(perpPos).toBeGreaterThan(0); // bought the cheap perp …
    expect(perpPos + spotDelta).toBe(0); // … and sold as much spot: hedged
    expect(withArb.result.summary.conservation_error).toBe(0);
    const ts = withArb.result.timeseries;
    expect(ts.arbitrageur_perp_position!.at(-1)).toBeCloseTo(perpPos / 1000, 9);
    expect(ts.arbitrageur_spot_position!.at(-1)).toBeCloseTo(spotDelta / 1000, 9);
    expect(Number.isFinite(ts.arbitrageur_basis_bps!.at(-1))).toBe(true);
    expect(Number.isFinite(ts.arbitrageur_pnl!.at(-1))).toBe(true);
  });

  it("is deterministic for a seed", () => {
    const a = runSlide(true, 5);
    const b = runSlide(true, 5);
    expect(a.result.traceHash).toBe(b.result.traceHash);
    expect(a.basis).toEqual(b.basis);
  });

  it("leaves the basis outside its band longer with a slower link", () => {
    // Sampled every 10 ms during the slide; the band is entry 5 bps + fees 10 bps (+ 1 bp of spread).
    const outside = (latencyNs: number | null) => {
      const r = runSlide(latencyNs !== null, 11, latencyNs ?? 0, 10, 40);
      return r.window(10, 40).filter((b) => b < -16).length;
    };
    const none = outside(null);
    const fast = outside(200_000);
    const slow = outside(200 * NS_PER_MS);
    expect(fast).toBeLessThan(slow);
    expect(slow).toBeLessThan(none);
    expect(fast).toBeLessThan(none / 10);
  });

  it('with depth: "walk", takes several levels per pair and holds the basis closer to its band during the slide', () => {
    // A slow link: at the touch one 500-lot level a round trip is all it can take.
    const touch = runSlide(true, 11, 20 * NS_PER_MS, 10, 40);
    const walk = runSlide(true, 11, 20 * NS_PER_MS, 10, 40, { depth: "walk", maxPairsInFlight: 4 });
    expect(walk.arb.depthTrades).toBeGreaterThan(0);
    expect(touch.arb.depthTrades).toBe(0);
    const lots = (r: ReturnType<typeof runSlide>) => r.arb.perpFilledLots / Math.max(1, r.arb.basisTrades);
    expect(lots(walk)).toBeGreaterThan(lots(touch));
    // Outside the band (entry 5 bps + fees 10 bps + 1 bp of spread) for fewer samples.
    const outside = (r: ReturnType<typeof runSlide>) => r.window(10, 40).filter((b) => b < -16).length;
    expect(outside(walk)).toBeLessThan(outside(touch));
    // Still hedged once everything has reported, and within its caps.
    const perpPos = walk.perp.positionLots(walk.arb.perpAccountId);
    const spotDelta = walk.spot.asset(walk.arb.spotAccountId) - 50_000;
    expect(Math.abs(perpPos + spotDelta)).toBeLessThanOrEqual(2_000);
    expect(Math.abs(perpPos)).toBeLessThanOrEqual(50_000);
    expect(walk.result.summary.conservation_error).toBe(0);
  });

  it("refuses a bad depth mode or pair count, naming the field", () => {
    const v = venues();
    expect(() => new Arbitrageur(arbConfig(v, { depth: "deep" as "walk" }))).toThrow(/arbitrageur\.depth/);
    expect(() => new Arbitrageur(arbConfig(v, { maxPairsInFlight: 0 }))).toThrow(
      /arbitrageur\.maxPairsInFlight/,
    );
  });

  it("unwinds the hedged position once the basis reverts", () => {
    // The perp maker first quotes 40 bps under spot, then (at 30 s) back at spot.
    class Shifting extends SkewMaker {
      constructor() {
        super("perp-maker", "perp", REF, 0);
      }
      override onWake(ctx: AgentContext): void {
        this.refTicks = ctx.nowNs < seconds(30) ? REF - 2_800 : REF;
        super.onWake(ctx);
      }
    }
    const v = venues();
    const arb = new Arbitrageur(arbConfig(v, { maxPositionLots: 5_000 }));
    const world = createWorld({
      seed: 3,
      venues: v,
      agents: [new Shifting(), new SkewMaker("spot-maker", "spot", REF, 0), arb],
    });
    const perp = world.perp("perp");
    world.run(seconds(29));
    expect(perp.positionLots(arb.perpAccountId)).toBe(5_000);
    world.run(seconds(60));
    expect(arb.unwinds).toBeGreaterThan(0);
    expect(perp.positionLots(arb.perpAccountId)).toBe(0);
    const spot = world.spot("spot");
    expect(spot.asset(arb.spotAccountId)).toBe(50_000);
    expect(arb.pnlUnits()).toBeGreaterThan(0); // bought 40 bps cheap, sold at par, minus ~20 bps of fees
  });

  it("holds a short perp, long spot position while funding is positive", () => {
    // The perp trades 20 bps over spot: premium ≈ +0.002, far above the full-size rate.
    const v = venues(500, 500, true);
    const arb = new Arbitrageur(
      arbConfig(v, {
        basisEnabled: false,
        fundingEnabled: true,
        maxFundingPositionLots: 3_000,
        fundingStepLots: 1_000,
        fundingRebalancePeriodNs: seconds(10),
      }),
    );
    const world = createWorld({
      seed: 4,
      venues: v,
      agents: [
        new SkewMaker("perp-maker", "perp", REF + 1_400, 0),
        new SkewMaker("spot-maker", "spot", REF, 0),
        arb,
      ],
    });
    world.run(seconds(100));
    const perp = world.perp("perp");
    const spot = world.spot("spot");
    expect(perp.positionLots(arb.perpAccountId)).toBe(-3_000);
    expect(arb.fundingLots).toBe(-3_000);
    expect(spot.asset(arb.spotAccountId)).toBe(50_000 + 3_000);
    expect(arb.fundingTrades).toBeGreaterThanOrEqual(3);
    expect(arb.basisTrades).toBe(0);
    expect(arb.rejects).toBe(0);
  });
});
