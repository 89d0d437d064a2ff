import {
  BTCUSDT,
  ConfigError,
  Instrument,
  NS_PER_MS,
  NS_PER_SECOND,
  type RandomStream,
  type RandomStreams,
  RejectCode,
  Side,
  seconds,
  streams,
} from "@cascade/core";
import { VenueEventKind } from "@cascade/exchange";
import {
  type Agent,
  type AgentContext,
  type AgentMessage,
  createWorld,
  type PerpView,
  type SpotView,
  type WorldConfig,
} from "@cascade/sim";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type RetailPopulationConfig, resolveRetailConfig } from "./retail-config.ts";
import {
  cumulativeWeights,
  dipRate,
  drawMarginFraction,
  MomentumWindow,
  momentumRate,
  positionLots,
  rallyEntryTicks,
  stopPriceTicks,
} from "./retail-model.ts";
import { RetailPopulation, RetailSlotState } from "./retail-population.ts";

// -------------------------------------------------------------------------------------------------
// A fake context: in-memory accounts and a market whose prices the test sets by hand.

interface SentOrder {
  account: number;
  side: number;
  qty: number;
  protection: number;
  reduceOnly: boolean;
  id: number;
}

class FakeMarket implements PerpView {
  ask = 700_010;
  bid = 699_990;
  last = 700_000;
  markTicks = 700_000;
  wallets: number[] = [];
  leverages: number[] = [];
  sizes: number[] = [];
  entries: number[] = [];
  liqs: number[] = [];
  iso: number[] = [];
  bestBid(): number {
    return this.bid;
  }
  bestAsk(): number {
    return this.ask;
  }
  mid(): number {
    return (this.bid + this.ask) / 2;
  }
  lastTrade(): number {
    return this.last;
  }
  mark(): number {
    return this.markTicks;
  }
  index(): number {
    return this.markTicks;
  }
  fundingRate(): number {
    return 0;
  }
  nextFundingTimeNs(): number {
    return -1;
  }
  openInterest(): number {
    return 0;
  }
  qtyInRange(): number {
    return 0;
  }
  halted(): boolean {
    return false;
  }
  makerFeePpm(): number {
    return 0;
  }
  takerFeePpm(): number {
    return 500;
  }
  position(a: number): number {
    return this.sizes[a] ?? 0;
  }
  entryPrice(a: number): number {
    return this.sizes[a] ? this.entries[a]! : Number.NaN;
  }
  liquidationPrice(a: number): number {
    return this.sizes[a] ? this.liqs[a]! : -1;
  }
  wallet(a: number): number {
    return this.wallets[a] ?? 0;
  }
  marginBalance(a: number): number {
    return (this.iso[a] ?? 0) + (this.sizes[a] ?? 0) * (this.markTicks - (this.entries[a] ?? 0));
  }
  openBuyLots(): number {
    return 0;
  }
  openSellLots(): number {
    return 0;
  }
}

class FakeContext implements AgentContext {
  nowNs = 0;
  readonly agentIndex = 0;
  readonly mkt = new FakeMarket();
  readonly orders: SentOrder[] = [];
  readonly marginAdds: { account: number; amount: number }[] = [];
  readonly wakes: number[] = [];
  private readonly rngs: RandomStreams;
  private readonly ins = new Instrument(BTCUSDT);
  private nextId = 1;

  constructor(seed = 1) {
    this.rngs = streams(seed, 0);
  }
  rng(name = "main"): RandomStream {
    return this.rngs.get(`agent/retail/${name}`);
  }
  sharedRng(name: string): RandomStream {
    return this.rngs.get(`shared/${name}`);
  }
  venueIndex(): number {
    return 0;
  }
  instrument(): Instrument {
    return this.ins;
  }
  view(): object {
    return this.mkt;
  }
  perp(): PerpView {
    return this.mkt;
  }
  spot(): SpotView {
    throw new Error("no spot venue");
  }
  openPerpAccount(
    _v: number,
    o: { isolated?: boolean; leverage?: number; depositUnits?: number } = {},
  ): number {
    const m = this.mkt;
    const a = m.wallets.length;
    m.wallets.push(o.depositUnits ?? 0);
    m.leverages.push(o.leverage ?? 20);
    m.sizes.push(0);
    m.entries.push(0);
    m.liqs.push(-1);
    m.iso.push(0);
    return a;
  }
  openPerpAccounts(
    v: number,
    n: number,
    isolated: boolean,
    leverage: number | ArrayLike<number>,
    depositUnits: number | ArrayLike<number>,
  ): number {
    const first = this.mkt.wallets.length;
    for (let i = 0; i < n; i++) {
      this.openPerpAccount(v, {
        isolated,
        leverage: typeof leverage === "number" ? leverage : leverage[i]!,
        depositUnits: typeof depositUnits === "number" ? depositUnits : depositUnits[i]!,
      });
    }
    return first;
  }
  openSpotAccount(): number {
    throw new Error("unused");
  }
  seedPosition(_v: number, long: number, short: number, qty: number, price: number): number {
    const m = this.mkt;
    const lev = m.leverages[long]!;
    m.sizes[long] = qty;
    m.entries[long] = price;
    m.iso[long] = Math.ceil((qty * price) / lev);
    // A simple isolated liquidation price: entry × (1 − 1/L + 0.4 %).
    m.liqs[long] = Math.floor(price * (1 - 1 / lev + 0.004));
    m.sizes[short] = (m.sizes[short] ?? 0) - qty;
    return RejectCode.None;
  }
  seedPositions(
    v: number,
    longs: ArrayLike<number>,
    lots: ArrayLike<number>,
    prices: ArrayLike<number>,
    short: number,
  ): number {
    for (let i = 0; i < longs.length; i++) this.seedPosition(v, longs[i]!, short, lots[i]!, prices[i]!);
    return RejectCode.None;
  }
  subscribeMarketData(): void {}
  /** Counterparty offers: agent name → account. */
  offers = new Map<string, number>();
  offerSeedCounterparty(_v: number, account: number): void {
    this.offers.set("offered", account);
  }
  seedCounterparty(_v: number, agentName: string): number {
    const a = this.offers.get(agentName);
    if (a === undefined) throw new ConfigError("seedCounterparty", agentName, "offered no account");
    return a;
  }
  subscribeDepth(): void {}
  subscribeTrades(): void {}
  subscribeLiquidations(): void {}
  subscribeTicker(): void {}
  limit(): number {
    throw new Error("unused");
  }
  market(_v: number, account: number, side: Side, qty: number, protection = -1, reduceOnly = false): number {
    const id = this.nextId++;
    this.orders.push({ account, side, qty, protection, reduceOnly, id });
    return id;
  }
  cancel(): void {}
  cancelAll(): void {}
  reduce(): void {}
  addMargin(_v: number, account: number, amount: number): void {
    this.marginAdds.push({ account, amount });
  }
  deposit(): void {}
  openAccount(): number {
    throw new Error("not used");
  }
  withdraw(): void {}
  setLeverage(): void {}
  replace(): void {}
  wakeAt(t: number): void {
    this.wakes.push(t);
  }
  wakeAfter(d: number): void {
    this.wakes.push(this.nowNs + d);
  }
  /** Runs one wake of `agent` at `t` seconds and returns the orders it sent. */
  wakeAtSeconds(agent: Agent, t: number): SentOrder[] {
    this.nowNs = Math.round(t * NS_PER_SECOND);
    const before = this.orders.length;
    agent.onWake(this, 0);
    return this.orders.slice(before);
  }
}

function message(kind: number, account: number, orderId: number, qty = 0): AgentMessage {
  return {
    kind,
    venue: 0,
    account,
    orderId,
    side: 0,
    priceTicks: 0,
    qtyLots: qty,
    amountUnits: 0,
    code: 0,
    flags: 0,
  };
}

const quiet: Partial<RetailPopulationConfig> = {
  arrivalsPerSecond: 0,
  dipBuyingIntensity: 0,
  stopLossFraction: 0,
  addMarginFraction: 0,
};

// -------------------------------------------------------------------------------------------------
// A quoting maker for the world tests (after sim's ToyMaker, but it sends its new quotes before
// cancelling the old ones, so the book is never empty while quotes travel).

class QuotingMaker implements Agent {
  readonly kind = "maker";
  account = -1;
  private live: number[] = [];
  constructor(
    readonly name: string,
    private readonly levels = 10,
    private readonly sizeLots = 200,
    private readonly periodNs = 100 * NS_PER_MS,
  ) {}
  start(ctx: AgentContext): void {
    this.account = ctx.openPerpAccount(0, { isolated: false, leverage: 1, deposit: "500000000" });
    ctx.wakeAfter(1);
  }
  onWake(ctx: AgentContext): void {
    const ref = ctx.perp(0).index();
    if (Number.isFinite(ref)) {
      const old = this.live;
      this.live = [];
      const mid = Math.round(ref);
      for (let k = 1; k <= this.levels; k++) {
        this.live.push(ctx.limit(0, this.account, Side.Buy, mid - 5 * k, this.sizeLots));
        this.live.push(ctx.limit(0, this.account, Side.Sell, mid + 5 * k, this.sizeLots));
      }
      for (const id of old) ctx.cancel(0, this.account, id);
    }
    ctx.wakeAfter(this.periodNs);
  }
  onMessage(): void {}
}

function world(
  seed: number,
  retail: RetailPopulationConfig,
  index: { vol?: number; drift?: number } = {},
  checks: "end" | "sample" = "end",
): { config: WorldConfig; retail: RetailPopulation } {
  const pop = new RetailPopulation(retail);
  return {
    retail: pop,
    config: {
      seed,
      checks,
      venues: [
        {
          kind: "perp",
          name: "perp",
          config: { instrument: BTCUSDT, minPriceTicks: 1, maxPriceTicks: 2_000_000 },
          index: {
            process: {
              initialTicks: 700_000,
              volatilityPerSqrtSecond: index.vol ?? 0.0005,
              driftPerSecond: index.drift ?? 0,
            },
          },
        },
      ],
      agents: [new QuotingMaker("maker"), pop],
    },
  };
}

// -------------------------------------------------------------------------------------------------

describe("retail configuration", () => {
  it("fills in documented defaults", () => {
    const c = resolveRetailConfig({ venue: "perp" });
    expect(c.name).toBe("retail");
    expect(c.count).toBe(10_000);
    expect(c.isolated).toBe(true);
    expect(c.leverage.values).toEqual([5, 10, 20, 25, 50, 75, 100, 125]);
    expect(c.capital).toEqual({ median: 1_000, sigma: 1 });
    expect(c.checkIntervalNs).toBe(NS_PER_SECOND);
    expect(c.startPrice).toBeNull();
  });

  it("refuses bad values with the field named", () => {
    const bad = (cfg: Partial<RetailPopulationConfig>, field: RegExp) => {
      expect(() => resolveRetailConfig({ venue: "perp", ...cfg } as RetailPopulationConfig)).toThrowError(
        field,
      );
      try {
        resolveRetailConfig({ venue: "perp", ...cfg } as RetailPopulationConfig);
      } catch (e) {
        expect(e).toBeInstanceOf(ConfigError);
      }
    };
    bad({ leverage: { values: [10, 20, 50], weights: [1, 1, -1] } }, /retail\.leverage\.weights\[2\] = -1/);
    bad({ leverage: { values: [10, 20.5], weights: [1, 1] } }, /retail\.leverage\.values\[1\] = 20\.5/);
    bad({ leverage: { values: [10, 20], weights: [1] } }, /retail\.leverage\.weights/);
    bad({ leverage: { values: [10, 20], weights: [0, 0] } }, /must not all be 0/);
    bad({ count: 0 }, /retail\.count = 0/);
    bad({ count: 1_000_001 }, /retail\.count = 1000001/);
    bad({ capital: { median: -5 } }, /retail\.capital\.median = -5/);
    bad({ initialOpenFraction: 1.5 }, /retail\.initialOpenFraction = 1\.5/);
    bad({ stopDistance: { min: 0.05, max: 0.01 } }, /retail\.stopDistance\.max = 0\.01/);
    bad({ venue: "" }, /retail\.venue/);
    expect(() => new RetailPopulation({ venue: "perp", maxRateMultiplier: 0.5 })).toThrowError(
      /retail\.maxRateMultiplier = 0\.5/,
    );
  });

  it("names the leverage value a venue refuses", () => {
    const { config } = world(1, {
      venue: "perp",
      count: 10,
      leverage: { values: [10, 150], weights: [0, 1] },
    });
    expect(() => createWorld(config).run(seconds(1))).toThrowError(/retail\.leverage\.values\[1\] = 150/);
  });
});

describe("retail decision rules", () => {
  it("sizes a position as margin × leverage / price, cut to the notional cap and at least one lot", () => {
    // 1,000 USDT (10^7 units) at 10×, 70,000 USDT, fee 0.05 %: 10^7 / (700,000 × 0.1005) = 142.1 lots.
    expect(positionLots(1e7, 1e7, 10, 700_000, 1, 500, 5e8)).toBe(142);
    // 100× without fee: 10^7 × 100 / 700,000 = 1428 lots = 100,000 USDT > cap 50,000 → 714 lots.
    expect(positionLots(1e7, 1e7, 100, 700_000, 1, 0, 5e8)).toBe(714);
    // Budget below one lot: one lot when the wallet covers it, nothing otherwise.
    expect(positionLots(100, 1e6, 10, 700_000, 1, 0, 5e8)).toBe(1);
    expect(positionLots(100, 50_000, 10, 700_000, 1, 0, 5e8)).toBe(0);
  });

  it("never commits more margin than the budget, nor exceeds the notional cap", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1_000, max: 1e10 }),
        fc.constantFrom(1, 5, 10, 20, 25, 50, 75, 100, 125),
        fc.integer({ min: 100, max: 2_000_000 }),
        fc.integer({ min: 0, max: 1_000 }),
        (budget, lev, price, fee) => {
          const cap = 5e8;
          const q = positionLots(budget, budget, lev, price, 1, fee, cap);
          if (q >= 1) expect(q * price).toBeLessThanOrEqual(cap);
          if (q > 1) {
            const need = Math.ceil((q * price) / lev) + Math.ceil((q * price * fee) / 1e6);
            expect(need).toBeLessThanOrEqual(budget);
          }
        },
      ),
    );
  });

  it("draws heavy-tailed margin shares: median min·2^(1/α), all-in with probability min^α", () => {
    const rng = streams(3, 0).get("test");
    const n = 200_000;
    const xs = new Float64Array(n);
    let allIn = 0;
    for (let i = 0; i < n; i++) {
      xs[i] = drawMarginFraction(rng, 0.1, 1.5);
      if (xs[i] === 1) allIn++;
    }
    xs.sort();
    expect(xs[0]).toBeGreaterThanOrEqual(0.1);
    expect(xs[n - 1]).toBe(1);
    expect(xs[n / 2]).toBeCloseTo(0.1 * 2 ** (1 / 1.5), 2);
    expect(allIn / n).toBeCloseTo(0.1 ** 1.5, 2);
  });

  it("draws leverage with the configured frequencies", () => {
    const rng = streams(4, 0).get("test");
    const weights = [4, 24, 24, 5, 20, 3, 16, 4];
    const cum = cumulativeWeights(weights);
    const counts = new Array(weights.length).fill(0);
    const n = 100_000;
    for (let i = 0; i < n; i++) counts[rng.weightedIndex(cum)]++;
    const total = weights.reduce((s, w) => s + w, 0);
    weights.forEach((w, k) => {
      const p = w / total;
      expect(Math.abs(counts[k] / n - p)).toBeLessThan(4 * Math.sqrt((p * (1 - p)) / n) + 1e-9);
    });
  });

  it("raises the opening rate after rallies, caps it, and adds dip buying after drops", () => {
    expect(momentumRate(2, 20, 10, 0)).toBe(2);
    expect(momentumRate(2, 20, 10, 0.05)).toBeCloseTo(2 * Math.E, 12);
    expect(momentumRate(2, 20, 10, 0.5)).toBe(20);
    expect(momentumRate(2, 20, 10, -0.05)).toBeCloseTo(2 / Math.E, 12);
    expect(momentumRate(2, 0, 10, 0.3)).toBe(2);
    expect(dipRate(2, 10, 0.05)).toBe(0);
    expect(dipRate(2, 10, -0.05)).toBeCloseTo(1, 12);
    fc.assert(
      fc.property(
        fc.double({ min: -1, max: 1, noNaN: true }),
        fc.double({ min: -1, max: 1, noNaN: true }),
        (a, b) => {
          const [lo, hi] = a < b ? [a, b] : [b, a];
          expect(momentumRate(1, 15, 8, lo)).toBeLessThanOrEqual(momentumRate(1, 15, 8, hi));
          expect(dipRate(1, 10, lo)).toBeGreaterThanOrEqual(dipRate(1, 10, hi));
        },
      ),
    );
  });

  it("measures momentum as the log return over the lookback window", () => {
    const w = new MomentumWindow(3);
    expect(w.logReturn()).toBe(0);
    w.push(100);
    w.push(Number.NaN);
    expect(w.logReturn()).toBe(0);
    w.push(110);
    expect(w.logReturn()).toBeCloseTo(Math.log(1.1), 12);
    w.push(121);
    w.push(133.1); // the window now holds 110, 121, 133.1
    expect(w.logReturn()).toBeCloseTo(Math.log(1.21), 12);
  });

  it("places rally entries below the start price and stops below entry", () => {
    expect(rallyEntryTicks(700_000, 0.25, 3, 0)).toBe(700_000);
    expect(rallyEntryTicks(700_000, 0.25, 1, 0.5)).toBe(612_500);
    expect(rallyEntryTicks(700_000, 0.25, 3, 0.5)).toBe(678_125);
    expect(stopPriceTicks(700_000, 0.02)).toBe(686_000);
  });
});

describe("retail population, driven by hand", () => {
  it("seeds against another agent's offered account instead of its own desk when given a counterparty", () => {
    const ctx = new FakeContext();
    ctx.offers.set("basis-desk", 99_999);
    const pop = new RetailPopulation({
      venue: "perp",
      count: 500,
      startPrice: 70_000,
      ...quiet,
      counterparty: "basis-desk",
    });
    pop.start(ctx);
    expect(pop.carryDeskAccount).toBe(99_999);
    let lots = 0;
    for (let i = 0; i < pop.count; i++) lots += Math.max(0, ctx.mkt.sizes[pop.accountOf(i)] ?? 0);
    expect(lots).toBeGreaterThan(0);
    expect(ctx.mkt.sizes[99_999]).toBe(-lots);
    // No inert desk was opened: the population's accounts are all there is.
    expect(ctx.mkt.wallets.length).toBe(500);
    expect(() =>
      new RetailPopulation({
        venue: "perp",
        count: 10,
        startPrice: 70_000,
        ...quiet,
        counterparty: "nobody",
      }).start(new FakeContext()),
    ).toThrow(/nobody/);
  });

  it("seeds rally longs against one carry desk holding the whole short", () => {
    const ctx = new FakeContext();
    const pop = new RetailPopulation({ venue: "perp", count: 2_000, startPrice: 70_000, ...quiet });
    pop.start(ctx);
    const m = ctx.mkt;
    const desk = pop.carryDeskAccount;
    expect(desk).toBe(2_000);
    let longs = 0;
    let lots = 0;
    for (let i = 0; i < pop.count; i++) {
      const a = pop.accountOf(i);
      const q = m.sizes[a]!;
      if (q > 0) {
        longs++;
        lots += q;
        expect(m.entries[a]).toBeLessThanOrEqual(700_000);
        expect(m.entries[a]).toBeGreaterThanOrEqual(700_000 * 0.75);
        expect(q * m.entries[a]!).toBeLessThanOrEqual(50_000 * 10_000);
        expect(pop.slotState(i)).toBe(RetailSlotState.Open);
      } else {
        expect(pop.slotState(i)).toBe(RetailSlotState.Free);
      }
    }
    expect(longs / pop.count).toBeGreaterThan(0.45);
    expect(longs / pop.count).toBeLessThan(0.55);
    expect(m.sizes[desk]).toBe(-lots);
    // Funded with 2 × the seeded notional at the start price.
    expect(m.wallets[desk]).toBe(Math.ceil(2 * lots * 700_000));
    expect(m.leverages[desk]).toBe(1);
    expect(pop.stats.openPositions).toBe(longs);
  });

  it("fires stops highest first, only those at or above the last trade, one order per stop", () => {
    const ctx = new FakeContext();
    const pop = new RetailPopulation({
      venue: "perp",
      count: 3_000,
      startPrice: 70_000,
      ...quiet,
      stopLossFraction: 1,
      initialOpenFraction: 1,
      rally: { depth: 0.05, shape: 1 },
      leverage: { values: [5], weights: [1] },
    });
    pop.start(ctx);
    const armed = pop.stats.armedStops;
    expect(armed).toBeGreaterThan(2_500);
    const fired = new Set<number>();
    let previousLast = Number.POSITIVE_INFINITY;
    let t = 1;
    for (let last = 700_000; last >= 600_000; last -= 2_500) {
      ctx.mkt.last = last;
      const orders = ctx.wakeAtSeconds(pop, t++);
      let prev = Number.POSITIVE_INFINITY;
      for (const o of orders) {
        expect(o.side).toBe(Side.Sell);
        expect(o.reduceOnly).toBe(true);
        expect(o.protection).toBe(-1);
        const i = o.account - pop.accountOf(0);
        expect(o.qty).toBe(ctx.mkt.sizes[o.account]);
        const stop = pop.stopOf(i);
        expect(stop).toBeGreaterThanOrEqual(last);
        expect(stop).toBeLessThanOrEqual(prev); // highest first within a wake
        expect(stop).toBeLessThan(previousLast); // it did not fire at the previous, higher price
        expect(fired.has(i)).toBe(false);
        fired.add(i);
        prev = stop;
        expect(pop.slotState(i)).toBe(RetailSlotState.Closing);
      }
      previousLast = last;
      // Every stop still armed is below the last trade.
      for (let i = 0; i < pop.count; i++) {
        if (pop.slotState(i) === RetailSlotState.Open && pop.stopOf(i) > 0)
          expect(pop.stopOf(i)).toBeLessThan(last);
      }
    }
    expect(fired.size).toBe(armed);
  });

  it("returns a stopped-out account to the free list after the cooldown", () => {
    const ctx = new FakeContext();
    const pop = new RetailPopulation({
      venue: "perp",
      count: 50,
      startPrice: 70_000,
      ...quiet,
      stopLossFraction: 1,
      initialOpenFraction: 1,
      leverage: { values: [5], weights: [1] },
      reentryCooldownNs: seconds(30),
    });
    pop.start(ctx);
    ctx.mkt.last = 300_000;
    const orders = ctx.wakeAtSeconds(pop, 1);
    expect(orders.length).toBe(pop.stats.openPositions);
    const o = orders[0]!;
    const i = o.account - pop.accountOf(0);
    ctx.mkt.sizes[o.account] = 0; // the stop filled
    pop.onMessage(ctx, message(VenueEventKind.Done, o.account, o.id));
    expect(pop.slotState(i)).toBe(RetailSlotState.Cooldown);
    expect(pop.stats.stoppedOut).toBe(1);
    ctx.wakeAtSeconds(pop, 20);
    expect(pop.slotState(i)).toBe(RetailSlotState.Cooldown);
    ctx.wakeAtSeconds(pop, 31);
    expect(pop.slotState(i)).toBe(RetailSlotState.Free);
    // A stop that could not fill (position still open) stays armed and fires again.
    const o2 = orders[1]!;
    const j = o2.account - pop.accountOf(0);
    pop.onMessage(ctx, message(VenueEventKind.Done, o2.account, o2.id, o2.qty));
    expect(pop.slotState(j)).toBe(RetailSlotState.Open);
    const again = ctx.wakeAtSeconds(pop, 32);
    expect(again.some((x) => x.account === o2.account)).toBe(true);
  });

  it("closes each position by itself after an exponential holding time, disarming its stop", () => {
    const ctx = new FakeContext();
    const hold = seconds(100);
    const pop = new RetailPopulation({
      venue: "perp",
      count: 2_000,
      startPrice: 70_000,
      ...quiet,
      stopLossFraction: 1,
      initialOpenFraction: 1,
      leverage: { values: [5], weights: [1] },
      meanHoldingNs: hold,
    });
    pop.start(ctx);
    const open = pop.stats.openPositions;
    expect(open).toBeGreaterThan(1_900);
    // Every stop is far below the last trade: what sells now is exits alone.
    const sold = ctx.wakeAtSeconds(pop, 100);
    expect(
      sold.every((o) => o.side === Side.Sell && o.reduceOnly && o.qty === ctx.mkt.sizes[o.account]),
    ).toBe(true);
    // P(exit by the mean) = 1 − 1/e ≈ 0.632; 4 standard errors of a binomial over ~2,000 positions.
    const share = sold.length / open;
    expect(share).toBeGreaterThan(0.632 - 0.045);
    expect(share).toBeLessThan(0.632 + 0.045);
    const gauges: Record<string, number> = {};
    pop.gauges((k, v) => {
      gauges[k] = v;
    });
    expect(gauges.voluntary_exits).toBe(sold.length);
    // A filled exit frees the account and is not counted as a stop-out.
    const first = sold[0]!;
    ctx.mkt.sizes[first.account] = 0;
    pop.onMessage(ctx, message(VenueEventKind.Done, first.account, first.id));
    expect(pop.stats.stoppedOut).toBe(0);
    expect(pop.slotState(first.account - pop.accountOf(0))).toBe(RetailSlotState.Cooldown);
    // An exited position's stop is gone: the last trade crashing through every stop sells only the rest.
    ctx.mkt.last = 1;
    const stops = ctx.wakeAtSeconds(pop, 101);
    const exited = new Set(sold.map((o) => o.account));
    expect(stops.some((o) => exited.has(o.account))).toBe(false);
    expect(stops.length + sold.length).toBeLessThanOrEqual(open);
  });

  it("without a holding time, positions never close by themselves", () => {
    const ctx = new FakeContext();
    const pop = new RetailPopulation({
      venue: "perp",
      count: 200,
      startPrice: 70_000,
      ...quiet,
      initialOpenFraction: 1,
      leverage: { values: [5], weights: [1] },
    });
    pop.start(ctx);
    expect(ctx.wakeAtSeconds(pop, 100_000).length).toBe(0);
  });

  it("adds margin once when the mark comes within the distance of the liquidation price", () => {
    const ctx = new FakeContext();
    const pop = new RetailPopulation({
      venue: "perp",
      count: 1_000,
      startPrice: 70_000,
      ...quiet,
      addMarginFraction: 0.5,
      addMarginDistancePpm: 10_000,
      addMarginShare: 0.5,
      initialOpenFraction: 1,
      rally: { depth: 0.02, shape: 1 },
      leverage: { values: [20], weights: [1] },
    });
    pop.start(ctx);
    const m = ctx.mkt;
    const mark = 670_000;
    m.markTicks = mark;
    ctx.wakeAtSeconds(pop, 1);
    const added = new Map(ctx.marginAdds.map((x) => [x.account, x.amount]));
    let defenders = 0;
    for (let i = 0; i < pop.count; i++) {
      const a = pop.accountOf(i);
      if (m.sizes[a]! <= 0) continue;
      const inDanger = m.liqs[a]! * 1.01 >= mark;
      if (pop.isDefender(i)) defenders++;
      expect(added.has(a)).toBe(pop.isDefender(i) && inDanger);
      if (added.has(a)) {
        const free = m.wallets[a]! - m.iso[a]!;
        expect(Math.abs(added.get(a)! - Math.floor((free - 2) * 0.5))).toBeLessThanOrEqual(1);
      }
    }
    expect(defenders).toBeGreaterThan(400);
    expect(added.size).toBeGreaterThan(50);
    // Once per position: a lower mark adds nothing for those who already did.
    m.markTicks = 600_000;
    const before = ctx.marginAdds.length;
    ctx.wakeAtSeconds(pop, 2);
    for (const x of ctx.marginAdds.slice(before)) expect(added.has(x.account)).toBe(false);
  });

  it("draws openings at the momentum-modulated Poisson rate from flat accounts only", () => {
    const run = (growthPerSecond: number) => {
      const ctx = new FakeContext(9);
      const pop = new RetailPopulation({
        venue: "perp",
        count: 100_000,
        startPrice: 70_000,
        initialOpenFraction: 0.1,
        arrivalsPerSecond: 5,
        momentumKappa: 20,
        momentumLookbackNs: seconds(10),
        dipBuyingIntensity: 50,
        stopLossFraction: 0,
        addMarginFraction: 0,
      });
      pop.start(ctx);
      let n = 0;
      for (let t = 1; t <= 2_000; t++) {
        ctx.mkt.markTicks = 700_000 * Math.exp(growthPerSecond * t);
        const orders = ctx.wakeAtSeconds(pop, t);
        for (const o of orders) {
          expect(o.side).toBe(Side.Buy);
          expect(o.reduceOnly).toBe(false);
          expect(ctx.mkt.sizes[o.account]).toBe(0);
          expect(o.protection).toBe(Math.ceil(700_010 * 1.005));
        }
        if (t > 10) n += orders.length;
      }
      return { rate: n / 1_990, pop };
    };
    // r_L = 10 s × growth: +1 % → 5·e^0.2; −1 % → 5·e^−0.2 + 5·50·0.01.
    const up = run(0.001);
    expect(up.rate).toBeGreaterThan(5 * Math.exp(0.2) * 0.93);
    expect(up.rate).toBeLessThan(5 * Math.exp(0.2) * 1.07);
    expect(up.pop.stats.dipArrivals).toBe(0);
    const down = run(-0.001);
    const expected = 5 * Math.exp(-0.2) + 2.5;
    expect(down.rate).toBeGreaterThan(expected * 0.93);
    expect(down.rate).toBeLessThan(expected * 1.07);
    expect(down.pop.stats.dipArrivals / down.pop.stats.arrivals).toBeGreaterThan(0.3);
  });

  it("counts a liquidation once, and puts the account back only after the cooldown", () => {
    const ctx = new FakeContext();
    const pop = new RetailPopulation({
      venue: "perp",
      count: 10,
      startPrice: 70_000,
      ...quiet,
      initialOpenFraction: 1,
      reentryCooldownNs: seconds(60),
      minCapital: 0,
    });
    pop.start(ctx);
    const a = pop.accountOf(0);
    ctx.mkt.sizes[a] = 0;
    ctx.mkt.wallets[a] = 5;
    ctx.nowNs = seconds(5);
    pop.onMessage(ctx, message(VenueEventKind.Liquidated, a, -1));
    pop.onMessage(ctx, message(VenueEventKind.Liquidated, a, -1));
    expect(pop.stats.liquidated).toBe(1);
    expect(pop.slotState(0)).toBe(RetailSlotState.Cooldown);
    expect(pop.stats.openPositions).toBe(9);
    // Out of capital: below the minimum wallet the account leaves for good.
    const pop2 = new RetailPopulation({
      venue: "perp",
      count: 10,
      startPrice: 70_000,
      ...quiet,
      initialOpenFraction: 1,
    });
    const ctx2 = new FakeContext();
    pop2.start(ctx2);
    const b = pop2.accountOf(3);
    ctx2.mkt.sizes[b] = 0;
    ctx2.mkt.wallets[b] = 10; // 0.001 USDT < 10 USDT
    pop2.onMessage(ctx2, message(VenueEventKind.Liquidated, b, -1));
    expect(pop2.slotState(3)).toBe(RetailSlotState.Out);
    expect(pop2.stats.outOfCapital).toBe(1);
  });
});

describe("retail population in a world", () => {
  it("seeds positions with the configured leverage mix and a carry desk short of equal size", () => {
    const values = [10, 20, 50, 100];
    const weights = [4, 3, 2, 1];
    const { config, retail } = world(11, {
      venue: "perp",
      count: 20_000,
      leverage: { values, weights },
      ...quiet,
    });
    const w = createWorld(config);
    w.run(seconds(2));
    const venue = w.perp("perp");
    const counts = new Map<number, number>();
    let longs = 0;
    let longLots = 0;
    for (let i = 0; i < retail.count; i++) {
      const a = retail.accountOf(i);
      expect(venue.accounts.leverage[a]).toBe(retail.leverage[i]);
      if (venue.positionLots(a) > 0) {
        longs++;
        longLots += venue.positionLots(a);
        counts.set(retail.leverage[i]!, (counts.get(retail.leverage[i]!) ?? 0) + 1);
      }
    }
    expect(longs / retail.count).toBeGreaterThan(0.47);
    expect(longs / retail.count).toBeLessThan(0.53);
    values.forEach((v, k) => {
      const p = weights[k]! / 10;
      expect(Math.abs((counts.get(v) ?? 0) / longs - p)).toBeLessThan(4 * Math.sqrt((p * (1 - p)) / longs));
    });
    expect(venue.positionLots(retail.carryDeskAccount)).toBe(-longLots);
    expect(venue.accounts.isIsolated(retail.carryDeskAccount)).toBe(false);
    const deskTrigger = venue.liquidationPriceTicks(retail.carryDeskAccount);
    expect(deskTrigger === -1 || deskTrigger > 1_300_000).toBe(true);
    expect(retail.stats.seeded).toBe(longs);
  });

  it("liquidates retail longs when the index falls, and money stays conserved", () => {
    const { config, retail } = world(
      5,
      { venue: "perp", count: 5_000, arrivalsPerSecond: 2, reentryCooldownNs: seconds(30) },
      { vol: 0.001, drift: -0.0003 },
      "sample",
    );
    const r = createWorld(config).run(seconds(300));
    expect(r.summary.liquidations).toBeGreaterThan(0);
    expect(retail.stats.liquidated).toBeGreaterThan(0);
    const sampled = r.timeseries.retail_liquidated_accounts!.at(-1)!;
    expect(sampled).toBeGreaterThan(0);
    expect(sampled).toBeLessThanOrEqual(retail.stats.liquidated);
    expect(r.timeseries.retail_open_positions!.length).toBe(301);
    expect(retail.stats.arrivals).toBeGreaterThan(0);
    expect(retail.stats.stoppedOut).toBeGreaterThan(0);
    expect(r.summary.conservation_error).toBe(0);
  });

  it("gives the same trace for the same seed and a different one for another seed", () => {
    const run = (seed: number) =>
      createWorld(
        world(seed, { venue: "perp", count: 3_000, arrivalsPerSecond: 3 }, { vol: 0.001, drift: -0.0002 })
          .config,
      ).run(seconds(120));
    const a = run(21);
    const b = run(21);
    const c = run(22);
    expect(a.traceHash).toBe(b.traceHash);
    expect(a.summary).toEqual(b.summary);
    expect(c.traceHash).not.toBe(a.traceHash);
  });

  it("initialises 10^5 accounts and runs 60 simulated seconds", () => {
    const { config, retail } = world(31, { venue: "perp", count: 100_000, arrivalsPerSecond: 5 });
    const r = createWorld(config).run(seconds(60));
    expect(retail.stats.openPositions).toBeGreaterThan(40_000);
    expect(r.timeseries.retail_long_notional!.at(-1)).toBeGreaterThan(0);
    expect(r.summary.conservation_error).toBe(0);
  });
});
