import { BTCUSDT, NS_PER_MS, Side, seconds } from "@cascade/core";
import { VenueEventKind } from "@cascade/exchange";
import { type Agent, type AgentContext, type AgentMessage, createWorld, type VenueSpec } from "@cascade/sim";
import { describe, expect, it } from "vitest";
import {
  resolveShockConfig,
  Shock,
  type ShockConfig,
  shockLimitPriceTicks,
  shockScheduleLots,
} from "./shock.ts";

/**
 * A test maker: every `periodNs` it cancels its quotes one by one and quotes `levels` levels a side
 * around `refTicks − skewTicksPerLot × inventory` (inventory from its fill reports), so a seller
 * pushes its prices down.
 */
class SkewMaker implements Agent {
  readonly kind = "test-maker";
  account = -1;
  inventoryLots = 0;
  private venue = -1;
  private live: number[] = [];
  constructor(
    readonly name: string,
    private readonly venueName: string,
    private readonly refTicks: number,
    private readonly skewTicksPerLot = 0.2,
    private readonly sizeLots = 500,
    private readonly levels = 10,
    private readonly periodNs = 100 * NS_PER_MS,
  ) {}
  start(ctx: AgentContext): void {
    this.venue = ctx.venueIndex(this.venueName);
    this.account =
      this.venueName === "perp"
        ? ctx.openPerpAccount(this.venue, { isolated: false, leverage: 10, deposit: "100000000" })
        : ctx.openSpotAccount(this.venue, 1e12, 1_000_000);
    ctx.wakeAfter(1);
  }
  onWake(ctx: AgentContext): void {
    for (const id of this.live) ctx.cancel(this.venue, this.account, id);
    this.live = [];
    const center = Math.round(this.refTicks - this.skewTicksPerLot * this.inventoryLots);
    for (let k = 0; k < this.levels; k++) {
      this.live.push(ctx.limit(this.venue, this.account, Side.Buy, center - 10 - 20 * k, this.sizeLots));
      this.live.push(ctx.limit(this.venue, this.account, Side.Sell, center + 10 + 20 * k, this.sizeLots));
    }
    ctx.wakeAfter(this.periodNs);
  }
  onMessage(_ctx: AgentContext, msg: AgentMessage): void {
    if (msg.kind === VenueEventKind.Fill)
      this.inventoryLots += msg.side === Side.Buy ? msg.qtyLots : -msg.qtyLots;
  }
}

const REF = 700_000;

const perpOnly: VenueSpec[] = [
  {
    kind: "perp",
    name: "perp",
    config: { instrument: BTCUSDT, minPriceTicks: 1, maxPriceTicks: 2_000_000 },
    index: { process: { initialTicks: REF, volatilityPerSqrtSecond: 0 } },
  },
];

const spotAndPerp: VenueSpec[] = [
  { kind: "spot", name: "spot", config: { instrument: BTCUSDT, minPriceTicks: 1, maxPriceTicks: 2_000_000 } },
  {
    kind: "perp",
    name: "perp",
    config: { instrument: BTCUSDT, minPriceTicks: 1, maxPriceTicks: 2_000_000 },
    index: { sources: ["spot"] },
  },
];

const base: ShockConfig = {
  venue: "perp",
  totalQty: "12.345",
  startNs: seconds(20),
  durationNs: seconds(30),
  slices: 15,
};

describe("Shock schedule", () => {
  it("spreads the total evenly over the slices and ends exactly on it", () => {
    expect([0, 1, 2].map((k) => shockScheduleLots(10, 3, k))).toEqual([3, 6, 10]);
    expect(shockScheduleLots(12_345, 15, 0)).toBe(823);
    expect(shockScheduleLots(12_345, 15, 14)).toBe(12_345);
    for (let k = 1; k < 15; k++)
      expect(shockScheduleLots(12_345, 15, k) - shockScheduleLots(12_345, 15, k - 1)).toBeGreaterThanOrEqual(
        822,
      );
  });

  it("prices IOC limits through the best opposite price", () => {
    expect(shockLimitPriceTicks(Side.Sell, 700_000, 10_000)).toBe(693_000);
    expect(shockLimitPriceTicks(Side.Buy, 700_001, 10_000)).toBe(707_002);
    expect(shockLimitPriceTicks(Side.Sell, -1, 10_000)).toBe(-1);
  });

  it("derives the slice count from an interval", () => {
    const c = resolveShockConfig({
      venue: "perp",
      totalQty: "1",
      startNs: 0,
      durationNs: seconds(60),
      sliceIntervalNs: seconds(7),
    });
    expect(c.slices).toBe(8);
    expect(c.sliceIntervalNs).toBe(seconds(7));
    expect(resolveShockConfig(base).sliceIntervalNs).toBe(seconds(2));
    expect(resolveShockConfig(base).side).toBe(Side.Sell);
  });

  it("refuses bad configuration with the field named", () => {
    expect(() => new Shock({ ...base, totalQty: "0" })).toThrowError(/shock.totalQty = "0"/);
    expect(() => new Shock({ ...base, totalQty: "abc" })).toThrowError(/shock.totalQty/);
    expect(() => new Shock({ ...base, slices: 0 })).toThrowError(/shock.slices = 0/);
    expect(() => new Shock({ ...base, sliceIntervalNs: seconds(1) })).toThrowError(/shock.sliceIntervalNs/);
    expect(() => new Shock({ ...base, startNs: -1 })).toThrowError(/shock.startNs = -1/);
    expect(() => new Shock({ ...base, side: "short" as "sell" })).toThrowError(/shock.side/);
    expect(() => new Shock({ ...base, orderType: "stop" as "market" })).toThrowError(/shock.orderType/);
    expect(() => new Shock({ ...base, limitOffsetPpm: -5 })).toThrowError(/shock.limitOffsetPpm/);
    expect(() => new Shock({ ...base, venue: "" })).toThrowError(/shock.venue/);
    // Off the lot grid: found when the instrument is known.
    const w = createWorld({
      seed: 1,
      venues: perpOnly,
      agents: [new Shock({ ...base, totalQty: "0.0005" })],
    });
    expect(() => w.run(1)).toThrowError(/shock.totalQty = "0.0005"/);
  });
});

describe("Shock in a world", () => {
  it("sells exactly the total over the window, nothing before the start, and the price falls", () => {
    const shock = new Shock(base);
    const maker = new SkewMaker("maker", "perp", REF);
    const world = createWorld({
      seed: 2,
      venues: perpOnly,
      agents: [maker, shock],
      recorder: { intervalNs: seconds(5) },
    });
    const perp = world.perp("perp");
    world.run(seconds(20) - 1);
    expect(shock.ordersSent).toBe(0);
    expect(shock.accountId).toBe(-1);
    expect(shock.executedLots).toBe(0);
    const midBefore = perp.midTicks();
    expect(midBefore).toBe(REF);
    world.run(seconds(35));
    // Half the window: about half the quantity.
    expect(shock.executedLots).toBeGreaterThan(5_000);
    expect(shock.executedLots).toBeLessThan(8_000);
    const r = world.run(seconds(50));
    expect(shock.executedLots).toBe(12_345);
    expect(shock.remainingLots).toBe(0);
    expect(perp.positionLots(shock.accountId)).toBe(-12_345);
    expect(shock.ordersSent).toBe(15);
    expect(shock.rejects).toBe(0);
    // The maker bought 12.345 BTC and skews its quotes 0.2 tick per lot: about −2,470 ticks (−35 bps).
    expect(perp.midTicks()).toBeLessThan(midBefore - 2_000);
    expect(r.timeseries.shock_executed!.at(-1)).toBeCloseTo(12.345, 9);
    expect(r.timeseries.shock_remaining!.at(-1)).toBe(0);
    expect(r.timeseries.shock_remaining![0]).toBeCloseTo(12.345, 9);
    expect(r.summary.conservation_error).toBe(0);
  });

  it("carries what thin liquidity could not fill into later slices and finishes after the window", () => {
    // 200 lots a level × 10 levels = 2,000 lots per refresh; slices of 5,000 lots cannot fill at once.
    const shock = new Shock({
      venue: "perp",
      totalQty: "20",
      startNs: seconds(1),
      durationNs: seconds(4),
      sliceIntervalNs: seconds(1),
    });
    const maker = new SkewMaker("maker", "perp", REF, 0, 200);
    const world = createWorld({ seed: 3, venues: perpOnly, agents: [maker, shock] });
    world.run(seconds(5));
    expect(shock.executedLots).toBeGreaterThan(0);
    expect(shock.executedLots).toBeLessThan(20_000);
    world.run(seconds(30));
    expect(shock.executedLots).toBe(20_000);
    expect(world.perp("perp").positionLots(shock.accountId)).toBe(-20_000);
  });

  it("sells spot with IOC limits and pushes the spot price, and the perp index, down", () => {
    const shock = new Shock({
      venue: "spot",
      totalQty: "8",
      startNs: seconds(5),
      durationNs: seconds(10),
      slices: 10,
      orderType: "ioc-limit",
      limitOffsetPpm: 2_000,
    });
    const world = createWorld({
      seed: 4,
      venues: spotAndPerp,
      agents: [new SkewMaker("spot-maker", "spot", REF), new SkewMaker("perp-maker", "perp", REF, 0), shock],
    });
    world.run(seconds(5) - 1);
    const spot = world.spot("spot");
    const perp = world.perp("perp");
    expect(spot.midTicks()).toBe(REF);
    world.run(seconds(20));
    expect(shock.executedLots).toBe(8_000);
    expect(spot.asset(shock.accountId)).toBe(0);
    expect(spot.cash(shock.accountId)).toBeGreaterThan(0);
    expect(spot.midTicks()).toBeLessThan(REF - 1_500);
    expect(perp.indexTicks).toBeLessThan(REF - 1_500);
  });

  it("buys when told to, and the price rises", () => {
    const shock = new Shock({
      venue: "perp",
      side: "buy",
      totalQty: "5",
      startNs: seconds(2),
      durationNs: seconds(5),
    });
    const world = createWorld({
      seed: 5,
      venues: perpOnly,
      agents: [new SkewMaker("maker", "perp", REF), shock],
    });
    world.run(seconds(10));
    const perp = world.perp("perp");
    expect(shock.executedLots).toBe(5_000);
    expect(perp.positionLots(shock.accountId)).toBe(5_000);
    expect(perp.midTicks()).toBeGreaterThan(REF + 800);
  });

  it("is deterministic for a seed", () => {
    const run = () =>
      createWorld({
        seed: 9,
        venues: perpOnly,
        agents: [new SkewMaker("maker", "perp", REF), new Shock(base)],
      }).run(seconds(60)).traceHash;
    expect(run()).toBe(run());
  });
});
