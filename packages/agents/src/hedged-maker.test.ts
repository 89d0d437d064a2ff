import { BTCUSDT, ConfigError, NS_PER_MS, Side, seconds } from "@cascade/core";
import { type Agent, type AgentContext, type AgentMessage, createWorld, type VenueSpec } from "@cascade/sim";
import { describe, expect, it } from "vitest";
import {
  depthFactor,
  HedgedMaker,
  hedgedHalfSpreadBps,
  hedgedLevelTicks,
  levelLots,
  resolveHedgedMakerConfig,
} from "./hedged-maker.ts";
import { Shock } from "./shock.ts";

const REF = 700_000; // 70,000.0 USDT

/** A spot maker quoting a fixed ladder around `refTicks` (1 BTC a level, 2 ticks apart). */
class SpotLadder implements Agent {
  readonly kind = "test-spot-maker";
  readonly name = "spot-ladder";
  private venue = -1;
  private account = -1;
  private live: number[] = [];
  constructor(protected refTicks: number) {}
  start(ctx: AgentContext): void {
    this.venue = ctx.venueIndex("spot");
    this.account = ctx.openSpotAccount(this.venue, 1e13, 10_000_000);
    ctx.wakeAfter(1);
  }
  onWake(ctx: AgentContext): void {
    for (const id of this.live) ctx.cancel(this.venue, this.account, id);
    this.live = [];
    for (let k = 0; k < 50; k++) {
      this.live.push(ctx.limit(this.venue, this.account, Side.Buy, this.refTicks - 5 - 2 * k, 1_000));
      this.live.push(ctx.limit(this.venue, this.account, Side.Sell, this.refTicks + 5 + 2 * k, 1_000));
    }
    ctx.wakeAfter(200 * NS_PER_MS);
  }
  onMessage(_ctx: AgentContext, _msg: AgentMessage): void {}
}

function venues(): VenueSpec[] {
  const range = { minPriceTicks: 1, maxPriceTicks: 2_000_000 };
  return [
    { kind: "spot", name: "spot", config: { instrument: BTCUSDT, ...range, takerFeePpm: 0 } },
    {
      kind: "perp",
      name: "perp",
      config: { instrument: BTCUSDT, ...range, takerFeePpm: 0 },
      index: { sources: ["spot"] },
    },
  ];
}

/** Runs `agents` for 30 s, with a seller of `shockBtc` on the perp over [10 s, 20 s) when > 0. */
function runWorld(seed: number, agents: Agent[], shockBtc: number) {
  const all = [...agents];
  if (shockBtc > 0) {
    all.push(
      new Shock({
        venue: "perp",
        totalQty: String(shockBtc),
        startNs: seconds(10),
        durationNs: seconds(10),
        slices: 10,
      }),
    );
  }
  const world = createWorld({ seed, venues: venues(), agents: all });
  world.run(seconds(30));
  return world;
}

describe("hedged maker: the rules", () => {
  it("widens with volatility above its calm floor", () => {
    expect(hedgedHalfSpreadBps(0.5, 1, 2e-5)).toBe(0.5);
    expect(hedgedHalfSpreadBps(0.5, 1, 3e-3)).toBeCloseTo(30, 9);
  });

  it("thins its depth as the square root of calm over current volatility", () => {
    expect(depthFactor(5e-5, 1e-4)).toBe(1);
    expect(depthFactor(4e-4, 1e-4)).toBeCloseTo(0.5, 12);
  });

  it("grows level sizes linearly with depth, never below one lot", () => {
    expect(levelLots(200, 0.05, 0, 1)).toBe(200);
    expect(levelLots(200, 0.05, 10, 1)).toBe(300);
    expect(levelLots(200, 0.05, 10, 0.5)).toBe(150);
    expect(levelLots(1, 0, 0, 0.01)).toBe(1);
  });

  it("places levels outward from the centre, rounded away from it", () => {
    expect(hedgedLevelTicks(REF, Side.Buy, 0, 0.5, 2.5)).toBe(Math.floor(REF * (1 - 0.5e-4)));
    expect(hedgedLevelTicks(REF, Side.Sell, 2, 0.5, 2.5)).toBe(Math.ceil(REF * (1 + 5.5e-4)));
  });

  it("refuses bad configuration with the field named", () => {
    expect(() => resolveHedgedMakerConfig({ perpVenue: "perp", hedgeVenue: "" })).toThrow(
      /hedgedMaker.hedgeVenue/,
    );
    expect(() => resolveHedgedMakerConfig({ perpVenue: "perp", hedgeVenue: "spot", levels: 0 })).toThrow(
      ConfigError,
    );
    expect(() =>
      resolveHedgedMakerConfig({ perpVenue: "perp", hedgeVenue: "spot", levels: 3_000, levelSpacingBps: 2 }),
    ).toThrow(/deepest quote/);
  });
});

describe("hedged maker in a world", () => {
  function run(shockBtc: number) {
    const maker = new HedgedMaker({ name: "hm", perpVenue: "perp", hedgeVenue: "spot", levelSizeLots: 500 });
    const agents: Agent[] = [new SpotLadder(REF), maker];
    const world = runWorld(5, agents, shockBtc);
    const perp = world.perp("perp");
    const spot = world.spot("spot");
    return { perp, spot };
  }

  it("quotes the perpetual tightly around the spot mid", () => {
    const { perp } = run(0);
    const bid = perp.book.bestBid();
    const ask = perp.book.bestAsk();
    expect(bid).toBeGreaterThan(0);
    expect(ask).toBeGreaterThan(bid);
    // Spot mid is 70,000.0; the calm half spread is 0.5 bp = 35 ticks.
    expect(REF - bid).toBeLessThanOrEqual(36);
    expect(ask - REF).toBeLessThanOrEqual(36);
    expect(perp.book.qtyInRange(Side.Buy, REF * 0.99, REF)).toBeGreaterThan(10_000);
  });

  it("hedges the perp it buys by selling the same quantity on spot: the seller's flow reaches spot", () => {
    const { perp, spot } = run(5);
    const account = 1; // the maker's perp account (0 is the insurance fund)
    const position = perp.positionLots(account);
    expect(position).toBe(5_000);
    // Spot accounts: 0 is the ladder's, 1 the maker's; it started with 150 BTC.
    const spotAccount = 1;
    expect(spot.asset(spotAccount) + spot.lockedAsset(spotAccount) - 150_000).toBe(-5_000);
    // The hedges traded on spot (volume beyond the ladder's own, which never trades by itself).
    expect(spot.book.tradedLots).toBe(5_000);
  });
});

/** A spot ladder whose reference jumps by `jumpBps` at `jumpNs` (requoted every 200 ms). */
class JumpingLadder extends SpotLadder {
  constructor(
    private readonly jumpNs: number,
    private readonly jumpBps: number,
  ) {
    super(REF);
  }
  override onWake(ctx: AgentContext): void {
    if (ctx.nowNs >= this.jumpNs) this.refTicks = Math.round(REF * (1 + this.jumpBps / 1e4));
    super.onWake(ctx);
  }
}

describe("hedged maker requoting on spot's best prices (fairRequoteBps)", () => {
  /** Perp mid at `untilS` with a 1,000 s requote timer; spot's reference jumps 10 bp at 10.1 s. */
  function perpMidAt(untilS: number, fairRequoteBps: number): number {
    const maker = new HedgedMaker({
      name: "hm",
      perpVenue: "perp",
      hedgeVenue: "spot",
      levelSizeLots: 500,
      requotePeriodNs: seconds(1_000),
      repriceToleranceBps: 0.2,
      fairRequoteBps,
    });
    const world = createWorld({
      seed: 3,
      venues: venues(),
      agents: [new JumpingLadder(seconds(10.1), 10), maker],
    });
    world.run(seconds(untilS));
    const book = world.perp("perp").book;
    return (book.bestBid() + book.bestAsk()) / 2;
  }

  it("quotes from spot's first prices and follows a move within its feed's latency, whatever its timer", () => {
    expect(Math.abs(perpMidAt(10, 0.2) / REF - 1)).toBeLessThan(0.00002);
    // Spot's ladder moves at 10.2 s (its 200 ms grid); by 10.3 s the perp is centred on it.
    expect(Math.abs(perpMidAt(10.3, 0.2) / 700_700 - 1)).toBeLessThan(0.00002);
  });

  it("refuses a negative threshold, naming the field", () => {
    expect(() =>
      resolveHedgedMakerConfig({ perpVenue: "perp", hedgeVenue: "spot", fairRequoteBps: -1 }),
    ).toThrow(/hedgedMaker\.fairRequoteBps = -1/);
  });
});

/** Seeds `lots` long at REF against the agent called `desk` at start, then does nothing. */
class Crowd implements Agent {
  readonly kind = "test-crowd";
  readonly name = "crowd";
  account = -1;
  constructor(private readonly lots: number) {}
  start(ctx: AgentContext): void {
    const v = ctx.venueIndex("perp");
    this.account = ctx.openPerpAccount(v, { isolated: false, leverage: 10, deposit: "10000000" });
    const code = ctx.seedPositions(v, [this.account], [this.lots], [REF], ctx.seedCounterparty(v, "desk"));
    if (code !== 0) throw new Error(`seed refused: ${code}`);
  }
  onWake(): void {}
  onMessage(): void {}
}

describe("a basis desk (seedCounterparty)", () => {
  function run(shockBtc: number) {
    const desk = new HedgedMaker({
      name: "desk",
      perpVenue: "perp",
      hedgeVenue: "spot",
      seedCounterparty: true,
      capital: 50_000_000,
      spotCash: 10_000_000,
      spotAssetLots: 20_000,
      maxInventoryLots: 0,
      minInventoryLots: -40_000,
      skewBps: 0,
      halfSpreadBps: 15,
      levelSizeLots: 500,
    });
    const agents: Agent[] = [new SpotLadder(REF), desk, new Crowd(10_000)];
    const world = runWorld(6, agents, shockBtc);
    return { perp: world.perp("perp"), spot: world.spot("spot") };
  }

  it("holds the crowd's short hedged by its starting spot and trades nothing while the basis is calm", () => {
    const { perp, spot } = run(0);
    expect(perp.positionLots(1)).toBe(-10_000);
    expect(spot.asset(1) + spot.lockedAsset(1)).toBe(20_000);
    expect(spot.book.tradedLots).toBe(0);
    // Its bids sit at its no-arbitrage edge below spot (15 bp = 1,050 ticks), none above the carry.
    const bid = perp.book.bestBid();
    expect(REF - bid).toBeGreaterThanOrEqual(1_050);
    expect(REF - bid).toBeLessThanOrEqual(1_060);
    expect(perp.book.bestAsk()).toBeGreaterThan(REF);
  });

  it("unwinds carry when the perp is sold at a discount: buys the perp, sells the same spot", () => {
    const { perp, spot } = run(3);
    expect(perp.positionLots(1)).toBe(-7_000);
    expect(spot.asset(1) + spot.lockedAsset(1)).toBe(17_000);
  });
});
