import { BTCUSDT, NS_PER_SECOND, seconds } from "@cascade/core";
import { describe, expect, it } from "vitest";
import { ToyMaker, ToyTaker } from "./test-agents.ts";
import { createWorld, type WorldConfig } from "./world.ts";

/** BTCUSDT lots → BTC. */
const BTCUSDT_QTY = (lots: number) => lots / 1000;

function config(seed: number, vol = 0.002): WorldConfig {
  return {
    seed,
    venues: [
      {
        kind: "perp",
        name: "perp",
        config: { instrument: BTCUSDT, minPriceTicks: 1, maxPriceTicks: 2_000_000 },
        index: { process: { initialTicks: 700_000, volatilityPerSqrtSecond: vol, driftPerSecond: -0.001 } },
      },
    ],
    agents: [new ToyMaker("maker"), new ToyTaker("taker")],
  };
}

describe("world", () => {
  it("runs venues and agents on the simulated clock and records a sample per interval", () => {
    const world = createWorld(config(1));
    const r = world.run(seconds(60));
    expect(world.nowNs).toBe(60 * NS_PER_SECOND);
    expect(r.timeseries.time_s!.length).toBe(61);
    expect(r.timeseries.time_s![60]).toBe(60);
    expect(r.summary.kernel_events).toBeGreaterThan(1000);
    expect(r.timeseries.toy_maker_fills![60]).toBeGreaterThan(0);
    expect(r.summary.conservation_error).toBe(0);
  });

  it("records traded volume and turnover per sample, consistent with the book's running totals", () => {
    const world = createWorld(config(1));
    const r = world.run(seconds(60));
    const book = world.perp("perp").book;
    const vol = r.timeseries.volume!;
    const turnover = r.timeseries.turnover!;
    let v = 0;
    let t = 0;
    for (let i = 0; i < vol.length; i++) {
      v += vol[i]!;
      t += turnover[i]!;
      // A sample's VWAP lies within the sampled prices' plausible band.
      if (vol[i]! > 0) expect(turnover[i]! / vol[i]!).toBeGreaterThan(1_000);
    }
    expect(book.tradedLots).toBeGreaterThan(0);
    expect(v).toBeCloseTo(BTCUSDT_QTY(book.tradedLots), 9);
    expect(t).toBeCloseTo(book.tradedTickLots * 0.1 * 0.001, 3);
  });

  it("gives the same trace for the same seed and a different one for another seed", () => {
    const a = createWorld(config(7)).run(seconds(120));
    const b = createWorld(config(7)).run(seconds(120));
    const c = createWorld(config(8)).run(seconds(120));
    expect(a.traceHash).toBe(b.traceHash);
    expect(a.summary).toEqual(b.summary);
    expect(c.traceHash).not.toBe(a.traceHash);
  });

  it("liquidates leveraged longs when the index falls, and money stays conserved", () => {
    const r = createWorld({ ...config(3, 0.004), checks: "sample" }).run(seconds(600));
    expect(r.summary.liquidations).toBeGreaterThan(0);
    expect(r.liquidations.time_s.length).toBeGreaterThan(0);
    expect(r.summary.conservation_error).toBe(0);
  });

  it("refuses bad configuration with the field named", () => {
    expect(() => createWorld({ ...config(1), venues: [] })).toThrowError(/world.venues/);
    expect(() => createWorld({ ...config(1), agents: [new ToyMaker("x"), new ToyMaker("x")] })).toThrowError(
      /world.agents\[1\].name = "x"/,
    );
    expect(() => createWorld({ ...config(1), latency: { medianNs: -1 } })).toThrowError(
      /latency.medianNs = -1/,
    );
    expect(() => createWorld(config(1)).run(-5)).toThrowError(/run.untilNs/);
  });
});

describe("links and market data", () => {
  it("delivers messages on one link in the order they were sent, whatever the jitter", () => {
    const arrivals: number[] = [];
    const sender = {
      name: "sender",
      kind: "test",
      account: -1,
      start(ctx: import("./agent.ts").AgentContext) {
        this.account = ctx.openPerpAccount(0, { isolated: false, leverage: 5, deposit: "1000000" });
        ctx.wakeAfter(1000);
      },
      onWake(ctx: import("./agent.ts").AgentContext) {
        // 50 orders at rising prices in one instant; with 100 µs jitter they would overtake each other.
        for (let k = 0; k < 50; k++) ctx.limit(0, this.account, 0, 690_000 + k, 1);
      },
      onMessage(_ctx: unknown, msg: import("./messages.ts").AgentMessage) {
        if (msg.kind === 0) arrivals.push(msg.priceTicks);
      },
    };
    createWorld({ ...config(1), agents: [sender], latency: { jitterMeanNs: 1_000_000 } }).run(seconds(2));
    expect(arrivals).toHaveLength(50);
    expect(arrivals).toEqual([...arrivals].sort((a, b) => a - b));
  });

  it("reports best-price changes to subscribers, coalescing while one report is in flight", () => {
    const seen: [number, number][] = [];
    const watcher = {
      name: "watcher",
      kind: "test",
      start(ctx: import("./agent.ts").AgentContext) {
        ctx.subscribeMarketData(0);
      },
      onWake() {},
      onMessage(ctx: import("./agent.ts").AgentContext, msg: import("./messages.ts").AgentMessage) {
        if (msg.kind === 31) {
          seen.push([msg.priceTicks, msg.qtyLots]);
          const view = ctx.perp(0);
          // Coalesced reports carry the latest published state, which the book still shows or has just left.
          expect(msg.priceTicks === -1 || msg.priceTicks > 0).toBe(true);
          expect(view.takerFeePpm()).toBe(500);
        }
      },
    };
    createWorld({ ...config(2), agents: [new ToyMaker("maker"), watcher] }).run(seconds(5));
    expect(seen.length).toBeGreaterThan(3);
    expect(seen.every(([b, a]) => b < a || b === -1 || a === -1)).toBe(true);
  });
});

describe("ownership", () => {
  it("refuses a command for an account the agent does not own, naming it", () => {
    const thief = {
      name: "thief",
      kind: "test",
      start(ctx: import("./agent.ts").AgentContext) {
        ctx.wakeAfter(1);
      },
      onWake(ctx: import("./agent.ts").AgentContext) {
        ctx.cancelAll(0, 1); // account 1 belongs to the maker
      },
      onMessage() {},
    };
    expect(() =>
      createWorld({ ...config(1), agents: [new ToyMaker("maker"), thief] }).run(seconds(1)),
    ).toThrowError(/account = 1: is not an account of agent thief/);
  });
});

describe("seeding counterparties", () => {
  type Ctx = import("./agent.ts").AgentContext;
  function desk(offer: boolean) {
    return {
      name: "desk",
      kind: "test",
      account: -1,
      start(ctx: Ctx) {
        this.account = ctx.openPerpAccount(0, { isolated: false, leverage: 5, deposit: "10000000" });
        if (offer) ctx.offerSeedCounterparty(0, this.account);
      },
      onWake() {},
      onMessage() {},
    };
  }
  function crowd(counterparty: string) {
    return {
      name: "crowd",
      kind: "test",
      longs: [] as number[],
      code: -1,
      start(ctx: Ctx) {
        const a = ctx.openPerpAccount(0, { isolated: true, leverage: 10, deposit: "100000" });
        const b = ctx.openPerpAccount(0, { isolated: true, leverage: 10, deposit: "100000" });
        this.longs = [a, b];
        const short = ctx.seedCounterparty(0, counterparty);
        this.code = ctx.seedPositions(0, this.longs, [1_000, 2_000], [700_000, 690_000], short);
      },
      onWake() {},
      onMessage() {},
    };
  }

  it("seeds a crowd's longs against the account another agent offered", () => {
    const d = desk(true);
    const c = crowd("desk");
    const world = createWorld({ ...config(4), agents: [d, c] });
    world.run(seconds(1));
    const perp = world.perp("perp");
    expect(c.code).toBe(0);
    expect(perp.positionLots(c.longs[0]!)).toBe(1_000);
    expect(perp.positionLots(c.longs[1]!)).toBe(2_000);
    expect(perp.positionLots(d.account)).toBe(-3_000);
  });

  it("refuses to seed against an agent that offered nothing, naming it", () => {
    expect(() => createWorld({ ...config(4), agents: [desk(false), crowd("desk")] }).run(seconds(1))).toThrow(
      /seedCounterparty = "desk": offered no account/,
    );
  });

  it("refuses to offer an account the agent does not own", () => {
    const liar = {
      name: "liar",
      kind: "test",
      start(ctx: Ctx) {
        ctx.offerSeedCounterparty(0, 0); // the insurance fund
      },
      onWake() {},
      onMessage() {},
    };
    expect(() => createWorld({ ...config(4), agents: [liar] }).run(seconds(1))).toThrow(
      /offerSeedCounterparty.account = 0: is not an account of agent liar/,
    );
  });
});

describe("shared random streams", () => {
  type Ctx = import("./agent.ts").AgentContext;
  /** Draws three numbers from the shared stream `news` and from its own stream `news`. */
  function drawer(name: string) {
    const agent = {
      name,
      kind: "test",
      shared: [] as number[],
      own: [] as number[],
      start(ctx: Ctx) {
        const shared = ctx.sharedRng("news");
        const own = ctx.rng("news");
        for (let i = 0; i < 3; i++) {
          agent.shared.push(shared.next());
          agent.own.push(own.next());
        }
      },
      onWake() {},
      onMessage() {},
    };
    return agent;
  }

  it("gives every agent that names a shared stream the same sequence, and each its own streams apart", () => {
    const a = drawer("a");
    const b = drawer("b");
    createWorld({ ...config(9), agents: [a, b] }).run(seconds(1));
    expect(a.shared).toEqual(b.shared);
    expect(a.own).not.toEqual(b.own);
    expect(a.own).not.toEqual(a.shared);
    const again = drawer("c");
    createWorld({ ...config(10), agents: [again] }).run(seconds(1));
    expect(again.shared).not.toEqual(a.shared); // derived from the seed
  });

  it("refuses an empty name", () => {
    const bad = { ...drawer("x"), start: (ctx: Ctx) => ctx.sharedRng("") };
    expect(() => createWorld({ ...config(9), agents: [bad] }).run(seconds(1))).toThrow(
      /sharedRng\(name\) = "":/,
    );
  });
});
