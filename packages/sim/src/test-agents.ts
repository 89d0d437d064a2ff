/**
 * Tiny agents for the kernel's own tests (not exported from the package): a quoting market maker
 * and a random taker, just enough to make trades, fills and liquidations happen.
 *
 * @module
 */

import type { Agent, AgentContext } from "./agent.ts";
import type { AgentMessage } from "./messages.ts";
import { BTCUSDT, type NanosLike, NS_PER_MS, Side } from "./test-deps.ts";
import type { VenueSpec } from "./world.ts";

/**
 * The venues of the kernel's tests: a BTCUSDT perpetual `perp` (venue 0) on an exogenous index
 * starting at 70,000 with volatility `volatility` per √s, and a BTCUSDT spot venue called `spot` (venue 1).
 */
export function toyVenues(volatility: number, spot = "spot"): VenueSpec[] {
  const config = { instrument: BTCUSDT, minPriceTicks: 1, maxPriceTicks: 2_000_000 };
  return [
    {
      kind: "perp",
      name: "perp",
      config,
      index: { process: { initialTicks: 700_000, volatilityPerSqrtSecond: volatility } },
    },
    { kind: "spot", name: spot, config },
  ];
}

/** Quotes `levels` levels a side around the index every `periodNs`, cancelling the previous quotes. */
export class ToyMaker implements Agent {
  readonly kind = "toy-maker";
  account = -1;
  fills = 0;
  constructor(
    readonly name: string,
    private readonly venue = 0,
    private readonly periodNs: NanosLike = 100 * NS_PER_MS,
    private readonly levels = 5,
    private readonly sizeLots = 50,
  ) {}
  start(ctx: AgentContext): void {
    this.account = ctx.openPerpAccount(this.venue, { isolated: false, leverage: 10, deposit: "50000000" });
    ctx.wakeAfter(1);
  }
  onWake(ctx: AgentContext): void {
    const view = ctx.perp(this.venue);
    const ref = Number.isFinite(view.index()) ? view.index() : Number.NaN;
    if (Number.isFinite(ref)) {
      ctx.cancelAll(this.venue, this.account);
      const mid = Math.round(ref);
      for (let k = 1; k <= this.levels; k++) {
        ctx.limit(this.venue, this.account, Side.Buy, mid - 5 * k, this.sizeLots);
        ctx.limit(this.venue, this.account, Side.Sell, mid + 5 * k, this.sizeLots);
      }
    }
    ctx.wakeAfter(this.periodNs);
  }
  onMessage(_ctx: AgentContext, msg: AgentMessage): void {
    if (msg.kind === 2) this.fills++;
  }
  gauges(record: (name: string, value: number) => void): void {
    record("fills", this.fills);
  }
}

/** Opens leveraged longs at random times with market orders. */
export class ToyTaker implements Agent {
  readonly kind = "toy-taker";
  accounts: number[] = [];
  constructor(
    readonly name: string,
    private readonly n = 20,
    private readonly leverage = 50,
    private readonly venue = 0,
  ) {}
  start(ctx: AgentContext): void {
    const first = ctx.openPerpAccounts(this.venue, this.n, true, this.leverage, 1_000 * 10_000);
    for (let i = 0; i < this.n; i++) this.accounts.push(first + i);
    ctx.wakeAfter(500 * NS_PER_MS);
  }
  onWake(ctx: AgentContext): void {
    const rng = ctx.rng();
    const a = this.accounts[rng.int(this.accounts.length)]!;
    if (ctx.perp(this.venue).position(a) === 0) ctx.market(this.venue, a, Side.Buy, 10 + rng.int(20));
    ctx.wakeAfter(Math.round(rng.exponential(1 / (200 * NS_PER_MS))) + 1);
  }
  onMessage(): void {}
}
