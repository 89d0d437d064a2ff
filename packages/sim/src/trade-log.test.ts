import { seconds } from "@cascade/core";
import { TradeKind, TradeRole } from "@cascade/schema";
import { describe, expect, it } from "vitest";
import type { Agent, AgentContext } from "./agent.ts";
import { ToyMaker, ToyTaker, toyVenues } from "./test-agents.ts";
import { NS_PER_MS, Side } from "./test-deps.ts";
import type { TradeTable } from "./trade-log.ts";
import { createWorld, type WorldConfig } from "./world.ts";

/** Rests a perp ask of 4 lots at 70,001, a perp bid of 1 lot at 69,900 and a spot ask of 2 lots at 70,005. */
class Quoter implements Agent {
  readonly kind = "quoter";
  perp = -1;
  spot = -1;
  constructor(readonly name: string) {}
  start(ctx: AgentContext): void {
    this.perp = ctx.openPerpAccount(0, { isolated: false, leverage: 10, deposit: "1000000" });
    this.spot = ctx.openSpotAccount(1, 0, 10);
    ctx.wakeAfter(NS_PER_MS);
  }
  onWake(ctx: AgentContext): void {
    ctx.limit(0, this.perp, Side.Sell, 700_010, 4);
    ctx.limit(0, this.perp, Side.Buy, 699_000, 1);
    ctx.limit(1, this.spot, Side.Sell, 700_050, 2);
  }
  onMessage(): void {}
}

/** Buys 4 perp lots at 50× (isolated, 100 USDT) and 2 spot lots, at market, at 10 ms. */
class Buyer implements Agent {
  readonly kind = "buyer";
  perp = -1;
  spot = -1;
  constructor(readonly name: string) {}
  start(ctx: AgentContext): void {
    this.perp = ctx.openPerpAccount(0, { isolated: true, leverage: 50, deposit: "100" });
    this.spot = ctx.openSpotAccount(1, 1_000_000_000, 0);
    ctx.wakeAfter(10 * NS_PER_MS);
  }
  onWake(ctx: AgentContext): void {
    ctx.market(0, this.perp, Side.Buy, 4);
    ctx.market(1, this.spot, Side.Buy, 2);
  }
  onMessage(): void {}
}

/**
 * The index falls 1 % a second; the fund starts empty with an ADL threshold above anything it
 * will hold, so the buyer's liquidation goes through all three stages: the book (the quoter's one
 * bid lot), the fund's takeover of the rest, and ADL of the fund against the quoter's short.
 */
function world(trades: boolean): { config: WorldConfig; quoter: Quoter; buyer: Buyer } {
  const [perp, spot] = toyVenues(0);
  const quoter = new Quoter("quoter");
  const buyer = new Buyer("buyer");
  const config: WorldConfig = {
    seed: 5,
    venues: [
      {
        ...(perp as Extract<typeof perp, { kind: "perp" }>),
        config: {
          ...(perp as Extract<typeof perp, { kind: "perp" }>).config,
          insuranceFund: { initial: "0", adl: true, adlThreshold: "1000000" },
        },
        index: { process: { initialTicks: 700_000, volatilityPerSqrtSecond: 0, driftPerSecond: -0.01 } },
      },
      spot!,
    ],
    agents: [quoter, buyer],
    recorder: { trades },
  };
  return { config, quoter, buyer };
}

/** Row `i` of a trade table with names resolved. */
function row(t: TradeTable, i: number) {
  const c = t.columns;
  const agent = (k: number) => (k < 0 ? null : t.agentNames[k]);
  return {
    venue: t.venueNames[c.venue[i]!],
    kind: c.kind[i],
    price: c.price[i],
    qty: c.qty[i],
    side: c.aggressor_side[i],
    taker: [c.taker_account[i], agent(c.taker_agent[i]!), c.taker_role[i]],
    maker: [c.maker_account[i], agent(c.maker_agent[i]!), c.maker_role[i]],
  };
}

describe("the trade log", () => {
  const { config, quoter, buyer } = world(true);
  const w = createWorld(config);
  const r = w.run(seconds(10));
  const t = r.trades!;

  it("has every execution, with its venue, price, side, both accounts, their agents and roles", () => {
    const perp = w.perp("perp");
    const bk = perp.liquidations.bankruptcyTicks[perp.liquidations.stage.indexOf(1)]! / 10;
    const rows = Array.from({ length: t.columns.time_s.length }, (_, i) => row(t, i));
    const q = quoter.perp;
    const b = buyer.perp;
    expect(rows.filter((x) => x.venue === "perp")).toEqual([
      {
        venue: "perp",
        kind: TradeKind.Book,
        price: 70_001,
        qty: 0.004,
        side: Side.Buy,
        taker: [b, "buyer", TradeRole.Trader],
        maker: [q, "quoter", TradeRole.Trader],
      },
      {
        venue: "perp",
        kind: TradeKind.Book,
        price: 69_900,
        qty: 0.001,
        side: Side.Sell,
        taker: [b, "buyer", TradeRole.Liquidation],
        maker: [q, "quoter", TradeRole.Trader],
      },
      {
        venue: "perp",
        kind: TradeKind.Takeover,
        price: bk,
        qty: 0.003,
        side: Side.Sell,
        taker: [b, "buyer", TradeRole.Liquidation],
        maker: [0, null, TradeRole.Fund],
      },
      {
        venue: "perp",
        kind: TradeKind.Adl,
        price: expect.closeTo(bk, 1), // the exact value of the lots, within rounding of the position's price
        qty: 0.003,
        side: Side.Sell,
        taker: [0, null, TradeRole.Fund],
        maker: [q, "quoter", TradeRole.Adl],
      },
    ]);
    expect(rows.filter((x) => x.venue === "spot")).toEqual([
      {
        venue: "spot",
        kind: TradeKind.Book,
        price: 70_005,
        qty: 0.002,
        side: Side.Buy,
        taker: [buyer.spot, "buyer", TradeRole.Trader],
        maker: [quoter.spot, "quoter", TradeRole.Trader],
      },
    ]);
    const time = [...t.columns.time_s];
    expect(time).toEqual([...time].sort((x, y) => x - y));
    expect(time[0]).toBeGreaterThan(0.01);
  });

  it("adds up, account by account, to every position the venue holds", () => {
    const perp = w.perp("perp");
    const c = t.columns;
    const net = new Map<number, number>();
    for (let i = 0; i < c.qty.length; i++) {
      if (t.venueNames[c.venue[i]!] !== "perp") continue;
      const buy = c.aggressor_side[i] === Side.Buy ? 1 : -1;
      const lots = Math.round(c.qty[i]! * 1000);
      net.set(c.taker_account[i]!, (net.get(c.taker_account[i]!) ?? 0) + buy * lots);
      net.set(c.maker_account[i]!, (net.get(c.maker_account[i]!) ?? 0) - buy * lots);
    }
    expect(net.size).toBe(3); // the buyer, the quoter and the fund
    for (const [account, lots] of net) expect(lots, `account ${account}`).toBe(perp.positionLots(account));
  });

  it("does not change the run: same trace with and without it, and off by default", () => {
    const off = createWorld(world(false).config).run(seconds(10));
    expect(off.trades).toBeUndefined();
    expect(off.traceHash).toBe(r.traceHash);
    expect(off.summary).toEqual(r.summary);
  });

  it("is the same for the same seed, and in a busy world matches the books' traded volume", () => {
    const busy = (): WorldConfig => ({
      seed: 9,
      venues: toyVenues(0.002),
      agents: [new ToyMaker("maker"), new ToyTaker("taker")],
      recorder: { trades: true },
    });
    const w1 = createWorld(busy());
    const a = w1.run(seconds(60)).trades!;
    const b = createWorld(busy()).run(seconds(60)).trades!;
    expect(a).toEqual(b);
    const book = w1.perp("perp").book;
    let lots = 0;
    for (let i = 0; i < a.columns.qty.length; i++)
      if (a.columns.kind[i] === TradeKind.Book) lots += Math.round(a.columns.qty[i]! * 1000);
    expect(lots).toBeGreaterThan(100);
    expect(lots).toBe(book.tradedLots);
  });

  it("refuses a switch that is not a boolean, naming it", () => {
    expect(() => createWorld({ ...world(true).config, recorder: { trades: "yes" as never } })).toThrowError(
      /recorder\.trades = "yes": must be true or false/,
    );
  });
});
