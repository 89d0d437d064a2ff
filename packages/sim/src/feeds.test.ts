import { BTCUSDT, NS_PER_MS, NS_PER_SECOND, Side, seconds } from "@cascade/core";
import { LiquidationStage, type PerpVenue } from "@cascade/exchange";
import { TimeInForce } from "@cascade/matching-engine";
import { beforeAll, describe, expect, it } from "vitest";
import type { Agent, AgentContext } from "./agent.ts";
import { FeedKind, type MarketDataMessage } from "./feeds.ts";
import { ToyMaker, ToyTaker } from "./test-agents.ts";
import { createWorld, type WorldConfig } from "./world.ts";

/** A perpetual venue on a quiet exogenous index (no drift, no volatility unless asked). */
function world(agents: Agent[], vol = 0, seed = 1): WorldConfig {
  return {
    seed,
    venues: [
      {
        kind: "perp",
        name: "perp",
        config: { instrument: BTCUSDT, minPriceTicks: 1, maxPriceTicks: 2_000_000 },
        index: {
          process: {
            initialTicks: 700_000,
            volatilityPerSqrtSecond: vol,
            driftPerSecond: vol > 0 ? -0.001 : 0,
          },
        },
      },
    ],
    agents,
  };
}

/** Runs `steps[k]` at time `steps[k][0]` with the agent's one well-funded cross account. */
function scripted(name: string, steps: [number, (ctx: AgentContext, account: number) => void][]): Agent {
  let account = -1;
  return {
    name,
    kind: "script",
    start(ctx) {
      account = ctx.openPerpAccount(0, { isolated: false, leverage: 10, deposit: "10000000" });
      for (let k = 0; k < steps.length; k++) ctx.wakeAt(steps[k]![0], k);
    },
    onWake(ctx, tag) {
      steps[tag]![1](ctx, account);
    },
    onMessage() {},
  };
}

/** A message as a plain object, with the delivery time. */
type Seen = { at: number } & Record<string, unknown>;

function copy(msg: MarketDataMessage, at: number): Seen {
  switch (msg.kind) {
    case FeedKind.Depth:
      return {
        at,
        timeNs: msg.timeNs,
        bids: [...msg.bidPriceTicks.subarray(0, msg.bidLevels)].map((p, i) => [p, msg.bidQtyLots[i]]),
        asks: [...msg.askPriceTicks.subarray(0, msg.askLevels)].map((p, i) => [p, msg.askQtyLots[i]]),
      };
    case FeedKind.Trades:
      return {
        at,
        trades: [...msg.priceTicks.subarray(0, msg.count)].map((p, i) => [
          msg.timeNs[i],
          p,
          msg.qtyLots[i],
          msg.aggressorSide[i],
        ]),
      };
    case FeedKind.Liquidations:
      return { at, timeNs: msg.timeNs, side: msg.side, price: msg.avgPriceTicks, qty: msg.qtyLots };
    default:
      return {
        at,
        timeNs: msg.timeNs,
        mark: msg.markTicks,
        index: msg.indexTicks,
        rate: msg.fundingRate,
        rateE8: msg.fundingRateE8,
        nextFunding: msg.nextFundingTimeNs,
        oi: msg.openInterestLots,
      };
  }
}

/** An agent that subscribes in `start` and keeps a copy of every market-data message. */
function watcher(
  name: string,
  subscribe: (ctx: AgentContext) => void,
  check?: (ctx: AgentContext, msg: MarketDataMessage) => void,
): Agent & { seen: Seen[] } {
  const seen: Seen[] = [];
  return {
    name,
    kind: "watcher",
    seen,
    start: subscribe,
    onWake() {},
    onMessage() {},
    onMarketData(ctx, msg) {
      check?.(ctx, msg);
      seen.push(copy(msg, ctx.nowNs));
    },
  };
}

const MS = NS_PER_MS;

describe("depth feed", () => {
  it("reports the top levels with their sizes after the link's latency, coalescing changes while one snapshot is in flight", () => {
    const placer = scripted("placer", [
      [
        MS,
        (ctx, a) => {
          ctx.limit(0, a, Side.Buy, 699_000, 5);
          ctx.limit(0, a, Side.Buy, 698_990, 7);
          ctx.limit(0, a, Side.Buy, 698_980, 9); // beyond the two levels asked for
          ctx.limit(0, a, Side.Sell, 701_000, 3);
        },
      ],
    ]);
    const w = watcher("w", (ctx) => ctx.subscribeDepth(0, { levels: 2 }));
    createWorld(world([placer, w])).run(seconds(1));
    // Four book changes within the jitter of one link: the first is sent, the rest coalesce into one.
    expect(w.seen).toHaveLength(2);
    expect(w.seen[0]).toMatchObject({ bids: [[699_000, 5]], asks: [] });
    expect(w.seen[1]).toMatchObject({
      bids: [
        [699_000, 5],
        [698_990, 7],
      ],
      asks: [[701_000, 3]],
    });
    // Each snapshot arrives after it was taken, and the second is taken when the first is delivered.
    for (const s of w.seen) expect(s.at).toBeGreaterThan(s.timeNs as number);
    expect(w.seen[1]!.timeNs).toBe(w.seen[0]!.at);
  });

  it("sends nothing while the top levels do not change, and at most one snapshot per minimum interval", () => {
    const steps: [number, (ctx: AgentContext, a: number) => void][] = [];
    // A new best bid every 100 ms for 3 s, and far-away orders (outside the top level) in between.
    for (let k = 0; k < 30; k++) {
      steps.push([(k + 1) * 100 * MS, (ctx, a) => ctx.limit(0, a, Side.Buy, 690_000 + k, 1)]);
      steps.push([(k + 1) * 100 * MS + 50 * MS, (ctx, a) => ctx.limit(0, a, Side.Buy, 600_000, 1)]);
    }
    const placer = scripted("placer", steps);
    const everyChange = watcher("every", (ctx) => ctx.subscribeDepth(0, { levels: 1 }));
    const throttled = watcher("throttled", (ctx) =>
      ctx.subscribeDepth(0, { levels: 1, minIntervalNs: seconds(1) }),
    );
    createWorld(world([placer, everyChange, throttled])).run(seconds(5));
    expect(everyChange.seen).toHaveLength(30);
    expect(everyChange.seen.map((s) => (s.bids as number[][])[0]![0])).toEqual(
      Array.from({ length: 30 }, (_, k) => 690_000 + k),
    );
    const times = throttled.seen.map((s) => s.timeNs as number);
    expect(times.length).toBeGreaterThanOrEqual(3);
    expect(times.length).toBeLessThanOrEqual(4);
    for (let i = 1; i < times.length; i++)
      expect(times[i]! - times[i - 1]!).toBeGreaterThanOrEqual(seconds(1));
    // The last snapshot shows the final book.
    expect(throttled.seen.at(-1)).toMatchObject({ bids: [[690_029, 1]] });
  });
});

describe("trade feed", () => {
  const book = (ctx: AgentContext, a: number) => {
    ctx.limit(0, a, Side.Sell, 700_010, 2);
    ctx.limit(0, a, Side.Sell, 700_020, 3);
    ctx.limit(0, a, Side.Buy, 699_990, 4);
  };
  const sweep = (ctx: AgentContext, a: number) => {
    ctx.market(0, a, Side.Buy, 4); // takes 2 @ 700_010 and 2 @ 700_020
  };
  const hit = (ctx: AgentContext, a: number) => {
    ctx.limit(0, a, Side.Sell, 699_990, 1, TimeInForce.IOC);
  };

  it("reports every trade in execution order with price, size, aggressor side and venue time", () => {
    const maker = scripted("maker", [[MS, book]]);
    const taker = scripted("taker", [
      [100 * MS, sweep],
      [200 * MS, hit],
    ]);
    const w = watcher("w", (ctx) => ctx.subscribeTrades(0));
    createWorld(world([maker, taker, w])).run(seconds(1));
    const trades = w.seen.map((s) => (s.trades as number[][])[0]!);
    expect(w.seen.every((s) => (s.trades as unknown[]).length === 1)).toBe(true);
    expect(trades.map(([, p, q, side]) => [p, q, side])).toEqual([
      [700_010, 2, Side.Buy],
      [700_020, 2, Side.Buy],
      [699_990, 1, Side.Sell],
    ]);
    // The sweep's two trades share its venue time; every report arrives after the trade.
    expect(trades[0]![0]).toBe(trades[1]![0]);
    expect(trades[2]![0]).toBeGreaterThan(trades[0]![0]!);
    for (let i = 0; i < w.seen.length; i++) expect(w.seen[i]!.at).toBeGreaterThan(trades[i]![0]!);
    expect(w.seen.map((s) => s.at)).toEqual([...w.seen.map((s) => s.at)].sort((x, y) => x - y));
  });

  it("batches the trades of one venue command into one message when asked", () => {
    const maker = scripted("maker", [[MS, book]]);
    const taker = scripted("taker", [
      [100 * MS, sweep],
      [200 * MS, hit],
    ]);
    const w = watcher("w", (ctx) => ctx.subscribeTrades(0, { batch: "command" }));
    createWorld(world([maker, taker, w])).run(seconds(1));
    expect(w.seen.map((s) => (s.trades as number[][]).map(([, p, q]) => [p, q]))).toEqual([
      [
        [700_010, 2],
        [700_020, 2],
      ],
      [[699_990, 1]],
    ]);
  });
});

describe("liquidation feed", () => {
  const all = watcher("all", (ctx) => ctx.subscribeLiquidations(0));
  const throttled = watcher("throttled", (ctx) =>
    ctx.subscribeLiquidations(0, { throttleNs: NS_PER_SECOND }),
  );
  let venue: PerpVenue;
  let rows: { timeNs: number; side: number; price: number; qty: number }[] = [];

  beforeAll(() => {
    const w = createWorld(world([new ToyMaker("maker"), new ToyTaker("taker"), all, throttled], 0.004, 3));
    w.run(seconds(600));
    venue = w.perp("perp");
    const log = venue.liquidations;
    rows = [];
    for (let i = 0; i < log.length; i++) {
      const stage = log.stage[i]!;
      if ((stage === LiquidationStage.Book || stage === LiquidationStage.Partial) && log.qtyLots[i]! > 0)
        rows.push({
          timeNs: log.timeNs[i]!,
          side: log.side[i] === 0 ? Side.Sell : Side.Buy,
          price: log.fillTicks[i]!,
          qty: log.qtyLots[i]!,
        });
    }
  });

  it("reports every liquidation order executed in the book, in order, with side, average price and size", () => {
    expect(rows.length).toBeGreaterThan(1);
    expect(all.seen.map(({ timeNs, side, price, qty }) => ({ timeNs, side, price, qty }))).toEqual(rows);
    for (const s of all.seen) expect(s.at).toBeGreaterThan(s.timeNs as number);
  });

  it("throttled, reports at most one liquidation order per window: the first at once, then the latest of each window", () => {
    const seen = throttled.seen;
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.length).toBeLessThanOrEqual(rows.length);
    // Every report is one of the venue's liquidation orders, in time order.
    const key = (r: Record<string, unknown>) => `${r.timeNs}/${r.qty}/${r.price}`;
    const known = new Set(rows.map(key));
    for (const s of seen) expect(known.has(key(s))).toBe(true);
    for (let i = 1; i < seen.length; i++)
      expect(seen[i]!.timeNs as number).toBeGreaterThanOrEqual(seen[i - 1]!.timeNs as number);
    // Publications are a throttle window apart (deliveries jitter by well under 50 ms).
    for (let i = 1; i < seen.length; i++) expect(seen[i]!.at - seen[i - 1]!.at).toBeGreaterThan(950 * MS);
    // The latest order of the run is never lost: the last report is the last liquidation.
    expect(key(seen.at(-1)!)).toBe(key(rows.at(-1)!));
  });
});

describe("ticker feed", () => {
  it("reports mark, index, funding and open interest on the venue's mark schedule", () => {
    const w = watcher(
      "w",
      (ctx) => ctx.subscribeTicker(0),
      (ctx, msg) => {
        if (msg.kind !== FeedKind.Ticker) return;
        // The mark moves only at mark times: the view shows what the ticker carries.
        const v = ctx.perp(0);
        expect(msg.markTicks).toBe(v.mark());
        expect(msg.indexTicks).toBe(v.index());
        expect(msg.fundingRate).toBe(v.fundingRate());
        expect(msg.fundingRateE8 / 1e8).toBe(msg.fundingRate);
        expect(msg.nextFundingTimeNs).toBe(v.nextFundingTimeNs());
      },
    );
    createWorld(world([new ToyMaker("maker"), new ToyTaker("taker"), w], 0.002, 1)).run(seconds(10));
    expect(w.seen.length).toBeGreaterThanOrEqual(9);
    w.seen.forEach((s, i) => {
      expect((s.timeNs as number) % NS_PER_SECOND).toBe(0);
      expect(s.at).toBeGreaterThan(s.timeNs as number);
      if (i > 0) expect(s.timeNs as number).toBeGreaterThan(w.seen[i - 1]!.timeNs as number);
    });
    expect(w.seen.some((s) => (s.oi as number) > 0)).toBe(true);
    expect(
      w.seen.every((s) => Number.isInteger(s.oi) && (s.nextFunding as number) > (s.timeNs as number)),
    ).toBe(true);
  });
});

describe("feed subscriptions", () => {
  it("leave the trace of a world unchanged when the subscriber only listens", () => {
    const quiet = createWorld(world([new ToyMaker("maker"), new ToyTaker("taker")], 0.004, 3)).run(
      seconds(120),
    );
    const listener = watcher("listener", (ctx) => {
      ctx.subscribeDepth(0, { levels: 20 });
      ctx.subscribeTrades(0, { batch: "command" });
      ctx.subscribeLiquidations(0);
      ctx.subscribeTicker(0);
    });
    const w = createWorld(world([new ToyMaker("maker"), new ToyTaker("taker"), listener], 0.004, 3));
    const heard = w.run(seconds(120));
    expect(listener.seen.length).toBeGreaterThan(100);
    expect(heard.traceHash).toBe(quiet.traceHash);
  });

  it("refuse an unknown venue, a repeated subscription, bad options and an agent without onMarketData", () => {
    const run = (subscribe: (ctx: AgentContext) => void, agent?: Partial<Agent>) =>
      createWorld(world([{ ...watcher("w", subscribe), ...agent }])).run(seconds(1));
    expect(() => run((ctx) => ctx.subscribeDepth(0, { levels: 0 }))).toThrowError(
      /agent w: depth.levels = 0: must be an integer in \[1, 1000\]/,
    );
    expect(() => run((ctx) => ctx.subscribeTrades(0, { batch: "second" as "trade" }))).toThrowError(
      /trades.batch = "second"/,
    );
    expect(() => run((ctx) => ctx.subscribeLiquidations(0, { throttleNs: -1 }))).toThrowError(
      /liquidations.throttleNs = -1/,
    );
    expect(() =>
      run((ctx) => {
        ctx.subscribeTicker(0);
        ctx.subscribeTicker(0);
      }),
    ).toThrowError(/already subscribed/);
    expect(() => run((ctx) => ctx.subscribeTicker(3))).toThrowError(/venue = 3/);
    expect(() => run((ctx) => ctx.subscribeTicker(0), { onMarketData: undefined })).toThrowError(
      /agent w: subscribe ticker = 0: needs an onMarketData method/,
    );
  });
});
