import { BTCUSDT, ConfigError, NS_PER_MS, NS_PER_SECOND, Side, seconds } from "@cascade/core";
import type { Agent, AgentContext, WorldConfig } from "@cascade/sim";
import { createWorld } from "@cascade/sim";
import { describe, expect, it } from "vitest";
import {
  computeQuotes,
  ewmaVariancePerSecond,
  GuardAction,
  MarketMaker,
  optimalSpread,
  QuoteGuard,
  type QuoteInputs,
  QuoteLadder,
  reservationPrice,
  resolveMarketMakerConfig,
  StressReason,
  stressReason,
} from "./market-maker.ts";

/** s = 1000 ticks × 0.1 = 100 quote, σ = 0.02 × 100 = 2 per √s, γ = 0.1, τ = 10 s, k = 1.5. */
function inputs(over: Partial<QuoteInputs> = {}): QuoteInputs {
  return {
    midTicks: 1000,
    tickSize: 0.1,
    lotSize: 0.1,
    inventoryLots: 0,
    gamma: 0.1,
    k: 1.5,
    volatilityPerSqrtSecond: 0.02,
    horizonSeconds: 10,
    minSpreadTicks: 2,
    feeTicks: 0,
    levels: 3,
    levelSpacingTicks: 5,
    levelSizeLots: 10,
    levelSizeMultiplier: 1,
    maxInventoryLots: 100,
    maxBuyLots: Number.POSITIVE_INFINITY,
    maxSellLots: Number.POSITIVE_INFINITY,
    bestBidTicks: -1,
    bestAskTicks: -1,
    ...over,
  };
}

function ladder(p: QuoteInputs): QuoteLadder {
  const out = new QuoteLadder(p.levels);
  computeQuotes(p, out);
  return out;
}

const bids = (l: QuoteLadder) => Array.from(l.bidPricesTicks.subarray(0, l.bidCount));
const asks = (l: QuoteLadder) => Array.from(l.askPricesTicks.subarray(0, l.askCount));
const bidSizes = (l: QuoteLadder) => Array.from(l.bidSizesLots.subarray(0, l.bidCount));
const askSizes = (l: QuoteLadder) => Array.from(l.askSizesLots.subarray(0, l.askCount));

describe("Avellaneda–Stoikov formulas", () => {
  it("puts the reservation price below the mid by q·γ·σ²·τ when long", () => {
    expect(reservationPrice(100, 2, 0.1, 2, 10)).toBeCloseTo(92, 12); // 100 − 2·0.1·4·10
    expect(reservationPrice(100, -2, 0.1, 2, 10)).toBeCloseTo(108, 12);
    expect(reservationPrice(100, 0, 0.1, 2, 10)).toBe(100);
  });

  it("computes the optimal spread γσ²τ + (2/γ)·ln(1 + γ/k)", () => {
    // 0.1·4·10 + 20·ln(16/15) = 4 + 1.290770…
    expect(optimalSpread(0.1, 2, 10, 1.5)).toBeCloseTo(4 + 20 * Math.log(16 / 15), 12);
    expect(optimalSpread(0.1, 2, 10, 1.5)).toBeCloseTo(5.29077, 5);
  });

  it("widens the spread with volatility", () => {
    expect(optimalSpread(0.1, 4, 10, 1.5)).toBeGreaterThan(optimalSpread(0.1, 2, 10, 1.5));
  });

  it("updates the variance per second as a time-aware EWMA", () => {
    expect(ewmaVariancePerSecond(1e-8, 0.001, 1, 1)).toBeCloseTo(0.5e-8 + 0.5e-6, 18);
    // Two half-lives: weight 1/4 on the old value; the return is normalised by Δt = 2 s.
    expect(ewmaVariancePerSecond(4e-8, 0.002, 2, 1)).toBeCloseTo(1e-8 + 0.75 * 2e-6, 18);
  });
});

describe("the quote ladder", () => {
  it("quotes r ± δ/2 rounded outward to ticks, with levels spaced and sized as configured", () => {
    const l = ladder(inputs());
    // r = 1000 ticks, δ = 52.9077 ticks → 973.546 / 1026.454 → 973 / 1027.
    expect(l.reservationTicks).toBeCloseTo(1000, 9);
    expect(l.optimalSpreadTicks).toBeCloseTo(52.9077, 3);
    expect(bids(l)).toEqual([973, 968, 963]);
    expect(asks(l)).toEqual([1027, 1032, 1037]);
    expect(bidSizes(l)).toEqual([10, 10, 10]);
    expect(l.quotedSpreadTicks).toBe(54);
  });

  it("skews both quotes down when long and up when short", () => {
    // q = 10 lots × 0.1 = 1 unit → r = 100 − 1·0.1·4·10 = 96 quote = 960 ticks.
    const long = ladder(inputs({ inventoryLots: 10 }));
    expect(long.reservationTicks).toBeCloseTo(960, 9);
    expect(bids(long)[0]).toBe(933);
    expect(asks(long)[0]).toBe(987);
    const short = ladder(inputs({ inventoryLots: -10 }));
    expect(short.reservationTicks).toBeCloseTo(1040, 9);
    expect(bids(short)[0]).toBe(1013);
    expect(asks(short)[0]).toBe(1067);
  });

  it("stops quoting the side that would push |inventory| beyond the limit, and trims the last level", () => {
    const atLimit = ladder(inputs({ inventoryLots: 100 }));
    expect(atLimit.bidCount).toBe(0);
    expect(askSizes(atLimit)).toEqual([10, 10, 10]);
    const nearLimit = ladder(inputs({ inventoryLots: 85 }));
    expect(bidSizes(nearLimit)).toEqual([10, 5]);
    const shortLimit = ladder(inputs({ inventoryLots: -100 }));
    expect(shortLimit.askCount).toBe(0);
    expect(bidSizes(shortLimit)).toEqual([10, 10, 10]);
    expect(Number.isNaN(shortLimit.quotedSpreadTicks)).toBe(true);
  });

  it("floors the spread at minSpreadTicks", () => {
    const l = ladder(inputs({ volatilityPerSqrtSecond: 1e-9, k: 1e9, minSpreadTicks: 6 }));
    expect(l.optimalSpreadTicks).toBeLessThan(1e-3);
    expect(bids(l)[0]).toBe(997);
    expect(asks(l)[0]).toBe(1003);
  });

  it("never reaches the opposite best price", () => {
    // Short 1 unit: r = 1040 → the bid would be 1013, above a best ask of 1000.
    const l = ladder(inputs({ inventoryLots: -10, bestAskTicks: 1000, bestBidTicks: 990 }));
    expect(bids(l)[0]).toBe(999);
    expect(asks(l)[0]).toBe(1067);
    const m = ladder(inputs({ inventoryLots: 10, bestBidTicks: 1000, bestAskTicks: 1010 }));
    expect(asks(m)[0]).toBe(1001);
  });

  it("widens each half-spread by the maker fee", () => {
    // Half-spread 26.454 + 3 ticks of fee → 970.546 / 1029.454 → 970 / 1030.
    const l = ladder(inputs({ feeTicks: 3 }));
    expect(bids(l)[0]).toBe(970);
    expect(asks(l)[0]).toBe(1030);
  });

  it("grows deeper levels by the size multiplier", () => {
    expect(bidSizes(ladder(inputs({ levelSizeMultiplier: 2 })))).toEqual([10, 20, 40]);
  });
});

describe("pulling quotes under stress", () => {
  it("names the reason", () => {
    expect(stressReason(-30_000, 1_000_000, 0.02, 1e-4, 1e-3)).toBe(StressReason.Loss);
    expect(stressReason(-10_000, 1_000_000, 0.02, 2e-3, 1e-3)).toBe(StressReason.Volatility);
    expect(stressReason(5_000, 1_000_000, 0.02, 1e-4, 1e-3)).toBe(StressReason.None);
  });

  it("pulls on a loss, waits out the cooldown, then resumes with a fresh loss budget", () => {
    const s = NS_PER_SECOND;
    const g = new QuoteGuard(1_000_000, 0.02, 1e-3, 30 * s, 1_000_000);
    expect(g.step(0, 1_000_000, 1e-4)).toBe(GuardAction.Quote);
    expect(g.step(1 * s, 985_000, 1e-4)).toBe(GuardAction.Quote);
    expect(g.step(2 * s, 979_000, 1e-4)).toBe(GuardAction.Pull);
    expect(g.lastReason).toBe(StressReason.Loss);
    expect(g.quoting).toBe(false);
    expect(g.step(10 * s, 979_000, 1e-4)).toBe(GuardAction.Wait);
    expect(g.step(32 * s, 979_000, 1e-4)).toBe(GuardAction.Resume);
    expect(g.sessionStartEquityQuote).toBe(979_000);
    expect(g.step(33 * s, 970_000, 1e-4)).toBe(GuardAction.Quote);
    expect(g.pulls).toBe(1);
  });

  it("pulls on volatility and stays out after the cooldown until volatility has normalised", () => {
    const s = NS_PER_SECOND;
    const g = new QuoteGuard(1_000_000, 0.02, 1e-3, 30 * s, 1_000_000);
    expect(g.step(0, 1_000_000, 3e-3)).toBe(GuardAction.Pull);
    expect(g.lastReason).toBe(StressReason.Volatility);
    expect(g.step(40 * s, 1_000_000, 2e-3)).toBe(GuardAction.Wait);
    expect(g.step(50 * s, 1_000_000, 5e-4)).toBe(GuardAction.Resume);
    expect(g.quoting).toBe(true);
    expect(g.sessionVolatilityThreshold).toBe(1e-3);
  });

  it("comes back three cooldowns after a pull even if volatility stays high, pulling again only above 1.5x that level", () => {
    const s = NS_PER_SECOND;
    const g = new QuoteGuard(1_000_000, 0.02, 1e-3, 30 * s, 1_000_000);
    expect(g.step(0, 1_000_000, 3e-3)).toBe(GuardAction.Pull);
    expect(g.step(60 * s, 1_000_000, 4e-3)).toBe(GuardAction.Wait);
    expect(g.step(90 * s, 1_000_000, 4e-3)).toBe(GuardAction.Resume);
    expect(g.sessionVolatilityThreshold).toBeCloseTo(6e-3, 12);
    expect(g.step(91 * s, 1_000_000, 5e-3)).toBe(GuardAction.Quote);
    expect(g.step(92 * s, 1_000_000, 7e-3)).toBe(GuardAction.Pull);
  });
});

describe("configuration", () => {
  it("fills in defaults", () => {
    const c = resolveMarketMakerConfig({ venue: "perp" });
    expect(c.gamma).toBe(0.0005);
    expect(c.spotInventoryLots).toBe(c.maxInventoryLots);
    expect(c.name).toBe("market-maker");
  });

  it("refuses bad values, naming the field", () => {
    const bad: [Record<string, unknown>, RegExp][] = [
      [{ gamma: 0 }, /^marketMaker\.gamma = 0: /],
      [{ k: -1 }, /^marketMaker\.k = -1/],
      [{ levels: 1.5 }, /^marketMaker\.levels/],
      [{ maxLossFraction: 2 }, /^marketMaker\.maxLossFraction/],
      [{ requotePeriodNs: 0 }, /^marketMaker\.requotePeriodNs/],
      [{ market: "futures" }, /^marketMaker\.market/],
      [{ venue: "" }, /^marketMaker\.venue/],
      [{ capital: -5 }, /^marketMaker\.capital/],
    ];
    for (const [over, re] of bad) {
      const f = () => new MarketMaker({ venue: "perp", ...over } as never);
      expect(f).toThrowError(ConfigError);
      expect(f).toThrowError(re);
    }
  });
});

/** Sends market orders of random side and size at exponential intervals. */
class RandomTaker implements Agent {
  readonly kind = "taker";
  account = -1;
  fills = 0;
  constructor(
    readonly name: string,
    private readonly meanGapNs = 300 * NS_PER_MS,
    private readonly maxLots = 60,
    private readonly venue = 0,
  ) {}
  start(ctx: AgentContext): void {
    this.account = ctx.openPerpAccount(this.venue, { isolated: false, leverage: 10, deposit: "5000000" });
    ctx.wakeAfter(2 * NS_PER_SECOND);
  }
  onWake(ctx: AgentContext): void {
    const rng = ctx.rng();
    const side = rng.bernoulli(0.5) ? Side.Buy : Side.Sell;
    ctx.market(this.venue, this.account, side, 1 + rng.int(this.maxLots));
    ctx.wakeAfter(Math.round(rng.exponential(1 / this.meanGapNs)) + 1);
  }
  onMessage(_ctx: AgentContext, msg: { kind: number }): void {
    if (msg.kind === 2) this.fills++;
  }
}

function world(seed: number, mm: MarketMaker, vol = 1e-4, taker = new RandomTaker("taker")): WorldConfig {
  return {
    seed,
    venues: [
      {
        kind: "perp",
        name: "perp",
        config: { instrument: BTCUSDT, minPriceTicks: 1, maxPriceTicks: 2_000_000 },
        index: { process: { initialTicks: 700_000, volatilityPerSqrtSecond: vol } },
      },
    ],
    agents: [mm, taker],
    checks: "sample",
  };
}

/** Samples the book and the maker's state every second. */
function sampleRun(seed: number, mm: MarketMaker, untilS: number, vol?: number) {
  const w = createWorld(world(seed, mm, vol));
  const perp = w.perp("perp");
  const rows: { bid: number; ask: number; index: number; quoting: boolean; inventory: number }[] = [];
  for (let t = 1; t <= untilS; t++) {
    w.run(seconds(t));
    rows.push({
      bid: perp.book.bestBid(),
      ask: perp.book.bestAsk(),
      index: (perp as { indexTicks: number }).indexTicks,
      quoting: mm.quoting,
      inventory: mm.inventoryLots(),
    });
  }
  return { rows, result: w.run(seconds(untilS)) };
}

describe("MarketMaker in a world", () => {
  it("quotes both sides around the price and gets filled", () => {
    const mm = new MarketMaker({ venue: "perp", levels: 4, levelSizeLots: 50 });
    const { rows, result } = sampleRun(11, mm, 300);
    const late = rows.slice(10);
    // Two-sided nearly always (a burst of market orders may empty a side until the next requote),
    // centred within a few basis points of the index.
    const twoSided = late.filter((r) => r.bid > 0 && r.ask > r.bid);
    expect(twoSided.length).toBeGreaterThan(0.9 * late.length);
    for (const r of twoSided) expect(Math.abs((r.bid + r.ask) / 2 / r.index - 1)).toBeLessThan(0.003);
    expect(late.every((r) => r.quoting)).toBe(true);
    expect(mm.filledLots).toBeGreaterThan(1000);
    expect(mm.rejects).toBe(0);
    const ts = result.timeseries;
    expect(ts.market_maker_quoting!.at(-1)).toBe(1);
    expect(ts.market_maker_spread_ticks!.at(-1)).toBeGreaterThanOrEqual(2);
    expect(result.summary.conservation_error).toBe(0);
    const maxInv = Math.max(...rows.map((r) => Math.abs(r.inventory)));
    expect(maxInv).toBeLessThan(mm.config.maxInventoryLots);
  });

  it("keeps |inventory| within maxInventoryLots against one-sided flow, skewing its quotes down when long", () => {
    class Seller extends RandomTaker {
      override onWake(ctx: AgentContext): void {
        ctx.market(0, this.account, Side.Sell, 40);
        ctx.wakeAfter(200 * NS_PER_MS);
      }
    }
    const mm = new MarketMaker({ venue: "perp", maxInventoryLots: 600, levelSizeLots: 100, levels: 3 });
    const w = createWorld({ ...world(5, mm), agents: [mm, new Seller("seller")] });
    let maxInv = 0;
    let bidless = 0;
    for (let t = 1; t <= 120; t++) {
      w.run(seconds(t));
      maxInv = Math.max(maxInv, mm.inventoryLots());
      if (mm.ladder.bidCount === 0) bidless++;
    }
    expect(maxInv).toBeLessThanOrEqual(600);
    expect(maxInv).toBeGreaterThan(400);
    expect(bidless).toBeGreaterThan(0);
    // Long, so the reservation price sits below the reference (here the index: no one else quotes).
    const index = w.perp("perp").indexTicks;
    expect(mm.inventoryLots()).toBeGreaterThan(0);
    expect(mm.ladder.reservationTicks).toBeLessThan(index);
  });

  it("pulls its quotes when volatility spikes, leaving the book empty, and comes back when it calms", () => {
    const mm = new MarketMaker({
      venue: "perp",
      indexWeight: 1,
      volatilityPullThreshold: 1e-3,
      cooldownNs: 20 * NS_PER_SECOND,
      volatilityHalfLifeNs: 10 * NS_PER_SECOND,
    });
    const w = createWorld({
      seed: 4,
      venues: [
        {
          kind: "spot",
          name: "spot",
          config: { instrument: BTCUSDT, minPriceTicks: 1, maxPriceTicks: 2_000_000 },
        },
        {
          kind: "perp",
          name: "perp",
          config: { instrument: BTCUSDT, minPriceTicks: 1, maxPriceTicks: 2_000_000 },
          index: { sources: ["spot"] },
        },
      ],
      agents: [mm, new IndexPuppet("puppet", 60, 120), new RandomTaker("taker", 300 * NS_PER_MS, 20, 1)],
      checks: "sample",
    });
    const perp = w.perp("perp");
    const quoting: boolean[] = [];
    const empty: boolean[] = [];
    for (let t = 1; t <= 300; t++) {
      w.run(seconds(t));
      quoting.push(mm.quoting);
      empty.push(perp.book.bestBid() < 0 && perp.book.bestAsk() < 0);
    }
    // Calm: quoting. Storm (60–120 s): pulled within a few seconds, book empty. Calm again: back.
    expect(quoting.slice(5, 59).every(Boolean)).toBe(true);
    const pulledAt = quoting.indexOf(false, 5);
    expect(pulledAt).toBeGreaterThanOrEqual(59);
    expect(pulledAt).toBeLessThan(70);
    expect(empty[pulledAt + 2]).toBe(true);
    expect(quoting.slice(pulledAt, pulledAt + 20).some(Boolean)).toBe(false);
    expect(mm.pulls).toBeGreaterThanOrEqual(1);
    expect(quoting.at(-1)).toBe(true);
    expect(empty.at(-1)).toBe(false);
  });
});

/**
 * Sets a spot venue's mid (the perpetual's index) along a path it chooses: a quiet random walk,
 * with ±0.5 % jumps every second between `stormFromS` and `stormToS`.
 */
class IndexPuppet implements Agent {
  readonly kind = "puppet";
  private account = -1;
  private bidId = -1;
  private askId = -1;
  private priceTicks = 700_000;
  constructor(
    readonly name: string,
    private readonly stormFromS: number,
    private readonly stormToS: number,
  ) {}
  start(ctx: AgentContext): void {
    this.account = ctx.openSpotAccount(0, 1e12, 10_000);
    ctx.wakeAfter(0);
  }
  onWake(ctx: AgentContext): void {
    const rng = ctx.rng();
    const t = ctx.nowNs / NS_PER_SECOND;
    const storm = t >= this.stormFromS && t < this.stormToS;
    this.priceTicks = Math.round(
      this.priceTicks * (1 + (storm ? (rng.bernoulli(0.5) ? 0.005 : -0.005) : 1e-5 * rng.normal())),
    );
    if (this.bidId >= 0) {
      ctx.cancel(0, this.account, this.bidId);
      ctx.cancel(0, this.account, this.askId);
    }
    this.bidId = ctx.limit(0, this.account, Side.Buy, this.priceTicks - 5, 1);
    this.askId = ctx.limit(0, this.account, Side.Sell, this.priceTicks + 5, 1);
    ctx.wakeAfter(NS_PER_SECOND);
  }
  onMessage(): void {}
}

describe('MarketMaker with referenceSource "flow"', () => {
  /** Sends `lots` market orders of `side` every second from t = 10 s. */
  class Taker extends RandomTaker {
    constructor(
      name: string,
      private readonly side: Side,
      private readonly lots: number,
    ) {
      super(name);
    }
    override start(ctx: AgentContext): void {
      this.account = ctx.openPerpAccount(0, { isolated: false, leverage: 10, deposit: "5000000" });
      ctx.wakeAfter(10 * NS_PER_SECOND);
    }
    override onWake(ctx: AgentContext): void {
      ctx.market(0, this.account, this.side, this.lots);
      ctx.wakeAfter(NS_PER_SECOND);
    }
  }

  function fairAfter(
    side: Side,
    lots: number,
    impactBps: number,
    untilS: number,
    extra: Partial<ConstructorParameters<typeof MarketMaker>[0]> = {},
  ) {
    const mm = new MarketMaker({
      ...extra,
      venue: "perp",
      referenceSource: "flow",
      flowImpactBpsPerUnit: impactBps,
      maxSkewBps: 0,
      levels: 5,
      levelSizeLots: 1_000,
      maxInventoryLots: 1_000_000,
      volatilityPullThreshold: 1,
    });
    const taker = new Taker("taker", side, lots);
    const w = createWorld({ ...world(3, mm, 0, taker), agents: [mm, taker] });
    w.run(seconds(untilS));
    const book = w.perp("perp").book;
    return { mid: (book.bestBid() + book.bestAsk()) / 2, mm };
  }

  it("moves its fair value by λ per unit of aggressive volume, in the aggressor's direction", () => {
    // 20 buys of 100 lots (0.1 BTC each at BTCUSDT's 0.001 lot): 2 BTC at 10 bp/BTC ≈ +20 bp.
    const up = fairAfter(Side.Buy, 100, 10, 30);
    const move = up.mid / 700_000 - 1;
    expect(move).toBeGreaterThan(0.0017);
    expect(move).toBeLessThan(0.0023);
    const down = fairAfter(Side.Sell, 100, 10, 30);
    expect(down.mid / 700_000 - 1).toBeCloseTo(-move, 3);
  });

  it("does not move without flow, whatever its inventory (the skew does not feed back into the price)", () => {
    const still = fairAfter(Side.Buy, 100, 0, 30);
    expect(Math.abs(still.mid / 700_000 - 1)).toBeLessThan(0.0002);
    expect(still.mm.inventoryLots()).toBeLessThan(-1_000);
  });

  it("with flowRequoteBps, requotes as soon as the tape moved its fair value, not at its next timer", () => {
    // One requote at the start, the next only after 1,000 s: the first buy (t = 10 s, 0.1 BTC at
    // 10 bp/BTC = 1 bp) moves the quotes at once when the threshold is 0.5 bp, never without it.
    const slow = { requotePeriodNs: seconds(1_000) };
    const eager = fairAfter(Side.Buy, 100, 10, 10.5, { ...slow, flowRequoteBps: 0.5 });
    expect(eager.mid / 700_000 - 1).toBeGreaterThan(0.00008);
    const timer = fairAfter(Side.Buy, 100, 10, 10.5, slow);
    expect(Math.abs(timer.mid / 700_000 - 1)).toBeLessThan(0.00002);
    // Below the threshold the quotes stay where they are.
    const patient = fairAfter(Side.Buy, 100, 10, 10.5, { ...slow, flowRequoteBps: 2 });
    expect(Math.abs(patient.mid / 700_000 - 1)).toBeLessThan(0.00002);
    expect(() => resolveMarketMakerConfig({ venue: "perp", flowRequoteBps: -1 })).toThrow(
      /marketMaker\.flowRequoteBps = -1/,
    );
  });

  it("refuses an unknown reference source and a negative impact, naming the field", () => {
    expect(() => resolveMarketMakerConfig({ venue: "perp", referenceSource: "vwap" as never })).toThrow(
      /marketMaker\.referenceSource = "vwap"/,
    );
    expect(() => resolveMarketMakerConfig({ venue: "perp", flowImpactBpsPerUnit: -1 })).toThrow(
      /marketMaker\.flowImpactBpsPerUnit = -1/,
    );
  });
});
