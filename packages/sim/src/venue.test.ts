import {
  BTCUSDT,
  ConfigError,
  Instrument,
  NS_PER_MS,
  NS_PER_SECOND,
  RejectCode,
  Side,
  seconds,
} from "@cascade/core";
import { VenueEventBuffer, VenueEventKind } from "@cascade/exchange";
import { OrderBook, TimeInForce } from "@cascade/matching-engine";
import { DESCRIPTION_KEY, SPOT_SERIES, seriesMetadata, UNIT_KEY } from "@cascade/schema";
import { describe, expect, it } from "vitest";
import type { Agent, AgentContext } from "./agent.ts";
import type { AgentMessage } from "./messages.ts";
import { VenueOp } from "./messages.ts";
import { ToyMaker, toyVenues } from "./test-agents.ts";
import type { AccountGuard, Venue, VenueBook, VenueCommand, VenueEnv, VenueSeries } from "./venue.ts";
import { createWorld, type VenueSpec } from "./world.ts";

/** A perpetual on an exogenous index, named `name`. */
function perpSpec(name: string): VenueSpec {
  return {
    kind: "perp",
    name,
    config: { instrument: BTCUSDT, minPriceTicks: 1, maxPriceTicks: 2_000_000 },
    index: { process: { initialTicks: 700_000, volatilityPerSqrtSecond: 0 } },
  };
}

/**
 * A venue kind the kernel has never heard of: a notice board that takes limit orders and cancels
 * into a book without matching them against accounts, acknowledges each, and counts a duty every
 * second. Its view answers how many orders an account sent.
 */
class NoticeBoard implements Venue {
  readonly kind = "board";
  readonly instrument = new Instrument(BTCUSDT);
  private readonly ob = new OrderBook({ minPriceTicks: 1, maxPriceTicks: 2_000_000 });
  readonly book: VenueBook = this.ob;
  readonly events = new VenueEventBuffer();
  readonly lastTradeTicks = Number.NaN;
  /** Every command applied: (op, account, order id, price, qty, time). */
  readonly applied: number[][] = [];
  duties = 0;
  private accounts = 0;
  private readonly sent: number[] = [];

  constructor(readonly env: VenueEnv) {}
  midTicks(): number {
    return Number.NaN;
  }
  supports(op: VenueOp): boolean {
    return op === VenueOp.Limit || op === VenueOp.Cancel;
  }
  openAccount(): number {
    this.sent.push(0);
    return this.accounts++;
  }
  apply(c: VenueCommand, nowNs: number): void {
    this.events.clear();
    this.applied.push([c.op, c.account, c.orderId, c.priceTicks, c.qtyLots, nowNs]);
    if (c.op === VenueOp.Limit) {
      this.ob.limit(c.orderId, c.account, c.side, c.priceTicks, c.qtyLots, c.tif);
      this.sent[c.account]!++;
      this.events.push(
        VenueEventKind.Accepted,
        c.account,
        c.orderId,
        c.side,
        c.priceTicks,
        c.qtyLots,
        0,
        0,
        0,
      );
    } else this.ob.cancel(c.orderId);
  }
  nextWakeNs(): number {
    return (this.duties + 1) * NS_PER_SECOND;
  }
  advance(): void {
    this.events.clear();
    this.duties++;
  }
  view(guard: AccountGuard): { sent(account: number): number } {
    return {
      sent: (account) => {
        guard.assertReadable(account, "sent");
        return this.sent[account]!;
      },
    };
  }
  series(): VenueSeries {
    return {
      names: ["orders", "duties"],
      sample: (out) => {
        out[0] = this.ob.orderCount;
        out[1] = this.duties;
      },
    };
  }
  checkConservation(): void {}
}

/** Sends one order to the board a millisecond in, and keeps what comes back. */
class BoardUser implements Agent {
  readonly kind = "board-user";
  account = -1;
  orderId = -1;
  readonly reports: { kind: number; venue: number; orderId: number; atNs: number }[] = [];
  sentSeen = -1;
  perpError = "";
  constructor(
    readonly name: string,
    private readonly board: number,
  ) {}
  start(ctx: AgentContext): void {
    this.account = ctx.openAccount(this.board);
    ctx.wakeAfter(NS_PER_MS);
  }
  onWake(ctx: AgentContext): void {
    this.orderId = ctx.limit(this.board, this.account, Side.Buy, 699_000, 5);
    try {
      ctx.perp(this.board);
    } catch (e) {
      this.perpError = (e as Error).message;
    }
  }
  onMessage(ctx: AgentContext, msg: AgentMessage): void {
    this.reports.push({ kind: msg.kind, venue: msg.venue, orderId: msg.orderId, atNs: ctx.nowNs });
    this.sentSeen = (ctx.view(this.board) as { sent(a: number): number }).sent(this.account);
  }
}

describe("a venue kind the kernel does not know", () => {
  it("runs like the built-in kinds: commands after latency, duties on its schedule, reports to the owner, its view and its columns", () => {
    let board: NoticeBoard | undefined;
    const user = new BoardUser("user", 1);
    const world = createWorld({
      seed: 1,
      venues: [
        perpSpec("perp"),
        {
          kind: "custom",
          name: "notices",
          create: (env) => {
            board = new NoticeBoard(env);
            return board;
          },
        },
      ],
      agents: [user],
    });
    const r = world.run(seconds(3));
    expect(board!.env).toMatchObject({ name: "notices", field: "world.venues[1]" });
    expect(world.venue("notices")).toBe(board);
    // The one command, as the agent sent it, after the link's latency.
    expect(board!.applied).toHaveLength(1);
    const [op, account, orderId, price, qty, atNs] = board!.applied[0]!;
    expect([op, account, orderId, price, qty]).toEqual([
      VenueOp.Limit,
      user.account,
      user.orderId,
      699_000,
      5,
    ]);
    expect(atNs).toBeGreaterThan(NS_PER_MS);
    // Its report reaches the owner later still, and the view reads the owner's account.
    expect(user.reports).toEqual([
      { kind: VenueEventKind.Accepted, venue: 1, orderId: user.orderId, atNs: expect.any(Number) },
    ]);
    expect(user.reports[0]!.atNs).toBeGreaterThan(atNs!);
    expect(user.sentSeen).toBe(1);
    expect(user.perpError).toMatch(/venue = 1: is not a perpetual venue/);
    // Duties at 1, 2 and 3 s; its columns sampled every second.
    expect(board!.duties).toBe(3);
    expect(Array.from(r.timeseries.board_orders_notices!)).toEqual([0, 1, 1, 1]);
    expect(Array.from(r.timeseries.board_duties_notices!)).toEqual([0, 1, 2, 3]);
  });

  it("is refused when its factory does not build a venue, naming the field", () => {
    const bad = () =>
      createWorld({
        seed: 1,
        venues: [perpSpec("perp"), { kind: "custom", name: "x", create: () => ({}) as Venue }],
        agents: [],
      });
    expect(bad).toThrow(ConfigError);
    expect(bad).toThrow(/world\.venues\[1\]\.create/);
  });
});

/** Sends, in start, each command in `tries` and keeps the error message (or "" when none). */
class Trier implements Agent {
  readonly kind = "trier";
  readonly errors: string[] = [];
  constructor(
    readonly name: string,
    private readonly tries: ((ctx: AgentContext, perp: number, spot: number) => void)[],
  ) {}
  start(ctx: AgentContext): void {
    const perp = ctx.openPerpAccount(0, { deposit: "1000" });
    const spot = ctx.openSpotAccount(1, 10_000_000, 1_000);
    for (const t of this.tries) {
      try {
        t(ctx, perp, spot);
        this.errors.push("");
      } catch (e) {
        expect(e).toBeInstanceOf(ConfigError);
        this.errors.push((e as Error).message);
      }
    }
  }
  onWake(): void {}
  onMessage(): void {}
}

describe("a command a venue does not take", () => {
  it("throws when the agent sends it, naming the operation and the venue, instead of vanishing", () => {
    const trier = new Trier("trier", [
      (ctx, _p, s) => ctx.addMargin(1, s, 100),
      (ctx, _p, s) => ctx.setLeverage(1, s, 5),
      (ctx, p) => ctx.replace(0, p, 1, 700_000, 1),
      (ctx, p) => ctx.addMargin(0, p, 100),
      (ctx, _p, s) => ctx.deposit(1, s, 100),
    ]);
    const world = createWorld({ seed: 1, venues: toyVenues(0), agents: [trier] });
    world.run(seconds(1));
    expect(trier.errors).toEqual([
      'op = "addMargin": is not an operation venue spot (kind spot) supports',
      'op = "setLeverage": is not an operation venue spot (kind spot) supports',
      'op = "replace": is not an operation venue perp (kind perp) supports',
      "",
      "",
    ]);
  });
});

/** Uses withdraw, setLeverage and replace, and a reduce-only order on spot, one second in. */
class AccountManager implements Agent {
  readonly kind = "manager";
  perp = -1;
  spot = -1;
  order = -1;
  reduceOnlyOrder = -1;
  readonly rejects: { orderId: number; code: number }[] = [];
  readonly name = "manager";
  start(ctx: AgentContext): void {
    this.perp = ctx.openPerpAccount(0, { deposit: "1000", isolated: false, leverage: 20 });
    this.spot = ctx.openSpotAccount(1, 10_000_000, 1_000);
    ctx.wakeAfter(NS_PER_SECOND);
  }
  onWake(ctx: AgentContext): void {
    ctx.withdraw(0, this.perp, 2_500_000);
    ctx.setLeverage(0, this.perp, 7);
    this.order = ctx.limit(1, this.spot, Side.Sell, 800_000, 5);
    ctx.replace(1, this.spot, this.order, 810_000, 3);
    ctx.withdraw(1, this.spot, 1_000_000);
    this.reduceOnlyOrder = ctx.limit(1, this.spot, Side.Buy, 600_000, 1, TimeInForce.GTC, true);
  }
  onMessage(_ctx: AgentContext, msg: AgentMessage): void {
    if (msg.kind === VenueEventKind.Rejected) this.rejects.push({ orderId: msg.orderId, code: msg.code });
  }
}

describe("operations once out of agents' reach", () => {
  it("withdraw, set leverage and replace through the kernel; a spot venue rejects reduce-only", () => {
    const m = new AccountManager();
    const world = createWorld({ seed: 2, venues: toyVenues(0), agents: [m] });
    world.run(seconds(2));
    const perp = world.perp("perp");
    const spot = world.spot("spot");
    expect(perp.accounts.wallet[m.perp]).toBe(10_000_000 - 2_500_000);
    expect(perp.accounts.leverage[m.perp]).toBe(7);
    expect(spot.book.depth(Side.Sell, 5)).toEqual([{ priceTicks: 810_000, qtyLots: 3, orders: 1 }]);
    expect(spot.cash(m.spot)).toBe(9_000_000);
    expect(spot.lockedAsset(m.spot)).toBe(3);
    expect(m.rejects).toEqual([{ orderId: m.reduceOnlyOrder, code: RejectCode.InvalidOrderType }]);
  });
});

/** Quotes fixed bids and asks on spot venues, `prices[v]` = [bid, ask] in that venue's ticks. */
class SpotQuoter implements Agent {
  readonly kind = "spot-quoter";
  constructor(
    readonly name: string,
    private readonly prices: Map<number, [number, number]>,
  ) {}
  start(ctx: AgentContext): void {
    for (const [v, [bid, ask]] of this.prices) {
      const a = ctx.openSpotAccount(v, 10_000_000_000, 100_000);
      ctx.limit(v, a, Side.Buy, bid, 2_000);
      ctx.limit(v, a, Side.Sell, ask, 3_000);
    }
  }
  onWake(): void {}
  onMessage(): void {}
}

describe("the recorder records every venue", () => {
  // Spot venue b quotes in whole dollars: its ticks are not the perpetual's.
  const coarse = { ...BTCUSDT, symbol: "BTCUSDT-1", tickSize: "1" };
  const venues: VenueSpec[] = [
    perpSpec("perp"),
    { kind: "spot", name: "a", config: { instrument: BTCUSDT, minPriceTicks: 1, maxPriceTicks: 2_000_000 } },
    { kind: "spot", name: "b", config: { instrument: coarse, minPriceTicks: 1, maxPriceTicks: 200_000 } },
    perpSpec("p2"),
  ];
  const quoter = new SpotQuoter(
    "quoter",
    new Map([
      [1, [699_990, 700_010]],
      [2, [69_990, 70_020]],
    ]),
  );
  const world = createWorld({ seed: 4, venues, agents: [quoter, new ToyMaker("maker", 3)] });
  const r = world.run(seconds(5));
  const last = (name: string) => r.timeseries[name]![r.timeseries[name]!.length - 1];

  it("each spot venue in columns of its own, prices and sizes in its own units", () => {
    expect(last("spot_mid_a")).toBe(70_000);
    expect(last("spot_mid_b")).toBe(70_005);
    expect(last("spot_bid_depth_1pct_a")).toBe(2);
    expect(last("spot_ask_depth_1pct_b")).toBe(3);
    for (const what of Object.keys(SPOT_SERIES)) {
      expect(r.timeseries[`spot_${what}_a`]).toBeDefined();
      expect(r.timeseries[`spot_${what}_b`]).toBeDefined();
    }
  });

  it("a second perpetual in perp_<what>_<venue> columns, the first in the fixed ones", () => {
    expect(last("perp_mark_p2")).toBeCloseTo(70_000, 0);
    expect(last("perp_index_p2")).toBe(70_000);
    expect(Number.isFinite(last("perp_mid_p2"))).toBe(true);
    expect(Number.isNaN(last("mid"))).toBe(true); // nobody quotes the followed perpetual
    const names = Object.keys(r.timeseries);
    const first = (prefix: string) => names.findIndex((n) => n.startsWith(prefix));
    expect(first("spot_") < first("perp_")).toBe(true); // world order: a, b, then p2
  });

  it("with the output contract's unit and description on each venue column", () => {
    expect(seriesMetadata("spot_mid_b")).toMatchObject({ [UNIT_KEY]: "quote/base" });
    expect(seriesMetadata("spot_mid_b")![DESCRIPTION_KEY]).toMatch(/^spot venue b: /);
    expect(seriesMetadata("perp_open_interest_p2")).toMatchObject({ [UNIT_KEY]: "base" });
    expect(seriesMetadata("perp_open_interest_p2")![DESCRIPTION_KEY]).toMatch(/^perpetual venue p2: /);
  });
});
