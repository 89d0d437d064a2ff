import { ConfigError, seconds } from "@cascade/core";
import { describe, expect, it } from "vitest";
import type { Agent, AgentContext, GaugeContext } from "./agent.ts";
import { ToyMaker, toyVenues } from "./test-agents.ts";
import { createWorld, type WorldConfig } from "./world.ts";

function config(agents: Agent[]): WorldConfig {
  return {
    seed: 1,
    venues: toyVenues(0),
    agents,
  };
}

/** An agent with a perp and a spot account that runs `read` once, at 1 ms. */
function reader(name: string, read: (ctx: AgentContext) => void, oracle?: boolean): Agent {
  return {
    name,
    kind: "reader",
    ...(oracle === undefined ? {} : { oracle }),
    start(ctx) {
      ctx.openPerpAccount(0, { deposit: "1000" });
      ctx.openSpotAccount(1, 1_000_000, 0);
      ctx.wakeAfter(1_000_000);
    },
    onWake: read,
    onMessage() {},
  };
}

/** Accounts 1 (perp) and 0 (spot) belong to the first agent, "owner". */
const owner = () => reader("owner", () => {});

describe("account ownership", () => {
  it("answers a view's account questions for the agent's own accounts", () => {
    let wallet = 0;
    let cash = 0;
    const me = reader("me", (ctx) => {
      wallet = ctx.perp(0).wallet(2);
      cash = ctx.spot(1).cash(1);
    });
    createWorld(config([owner(), me])).run(seconds(1));
    expect(wallet).toBe(1000 * 10_000);
    expect(cash).toBe(1_000_000);
  });

  it("refuses to read another agent's perpetual account, naming the agent, the account and the method", () => {
    const reads: [string, (ctx: AgentContext) => number][] = [
      ["position", (ctx) => ctx.perp(0).position(1)],
      ["entryPrice", (ctx) => ctx.perp(0).entryPrice(1)],
      ["liquidationPrice", (ctx) => ctx.perp(0).liquidationPrice(1)],
      ["wallet", (ctx) => ctx.perp(0).wallet(1)],
      ["marginBalance", (ctx) => ctx.perp(0).marginBalance(1)],
      ["openBuyLots", (ctx) => ctx.perp(0).openBuyLots(1)],
      ["openSellLots", (ctx) => ctx.perp(0).openSellLots(1)],
    ];
    for (const [method, read] of reads) {
      const snoop = reader("snoop", (ctx) => {
        read(ctx);
      });
      const run = () => createWorld(config([owner(), snoop])).run(seconds(1));
      expect(run).toThrowError(ConfigError);
      expect(run).toThrowError(
        new RegExp(`account = 1: is not an account of agent snoop on venue perp: ${method}\\(\\)`),
      );
    }
  });

  it("refuses to read another agent's spot balances, and accounts that do not exist", () => {
    for (const method of ["cash", "asset", "lockedCash", "lockedAsset"] as const) {
      const snoop = reader("snoop", (ctx) => {
        ctx.spot(1)[method](0);
      });
      expect(() => createWorld(config([owner(), snoop])).run(seconds(1))).toThrowError(
        new RegExp(`account = 0: is not an account of agent snoop on venue spot: ${method}\\(\\)`),
      );
    }
    const lost = reader("lost", (ctx) => {
      ctx.perp(0).position(999);
    });
    expect(() => createWorld(config([lost])).run(seconds(1))).toThrowError(
      /account = 999: is not an account/,
    );
  });

  it("gives an oracle agent every account, and the world and the result say which agents were oracles", () => {
    let trigger = Number.NaN;
    let makerWallet = Number.NaN;
    const hunter = reader(
      "hunter",
      (ctx) => {
        trigger = ctx.perp(0).liquidationPrice(1);
        makerWallet = ctx.perp(0).wallet(1);
      },
      true,
    );
    const maker = new ToyMaker("maker");
    const world = createWorld(config([maker, hunter]));
    const result = world.run(seconds(1));
    const perp = world.perp("perp");
    expect(maker.account).toBe(1);
    expect(makerWallet).toBe(perp.accounts.wallet[1]);
    expect(trigger).toBe(perp.liquidationPriceTicks(1));
    expect(world.oracleAgents).toEqual(["hunter"]);
    expect(result.oracleAgents).toEqual(["hunter"]);
    const ordinary = createWorld(config([new ToyMaker("maker")]));
    expect(ordinary.oracleAgents).toEqual([]);
    expect(ordinary.run(seconds(1)).oracleAgents).toEqual([]);
  });

  it("refuses an oracle setting that is not a boolean", () => {
    const bad = { ...reader("bad", () => {}), oracle: "yes" } as unknown as Agent;
    expect(() => createWorld(config([bad]))).toThrowError(/world.agents\[0\].oracle = "yes"/);
  });
});

describe("gauges", () => {
  it("get the agent's read-only context, which reads its own accounts and cannot send commands", () => {
    const seenCtx: GaugeContext[] = [];
    const gauged: Agent & { account: number } = {
      name: "gauged",
      kind: "gauged",
      account: -1,
      start(ctx) {
        this.account = ctx.openPerpAccount(0, { deposit: "1000" });
      },
      onWake() {},
      onMessage() {},
      gauges(record, ctx) {
        seenCtx.push(ctx);
        record("wallet", ctx.perp(0).wallet(this.account));
        record("time", ctx.nowNs);
        record("spot_venue", ctx.venueIndex("spot"));
      },
    };
    const world = createWorld(config([new ToyMaker("maker"), gauged]));
    const r = world.run(seconds(3));
    expect([...r.timeseries.gauged_wallet!]).toEqual([1e7, 1e7, 1e7, 1e7]);
    expect([...r.timeseries.gauged_time!]).toEqual([0, 1e9, 2e9, 3e9]);
    expect(r.timeseries.gauged_spot_venue![0]).toBe(1);
    const ctx = seenCtx[0]!;
    expect(ctx.agentIndex).toBe(1);
    expect("limit" in ctx || "wakeAfter" in ctx || "rng" in ctx).toBe(false);
    // The gauge context is bound to its agent: it cannot read another agent's account either.
    expect(() => ctx.perp(0).wallet(1)).toThrowError(/is not an account of agent gauged/);
  });

  it("keep working for agents whose gauges take only the record function", () => {
    const r = createWorld(config([new ToyMaker("maker")])).run(seconds(2));
    expect(r.timeseries.toy_maker_fills).toHaveLength(3);
  });
});
