/**
 * Who traded with whom: every execution of a run, on every venue, as growable columns (no object
 * per trade). Book trades come from each book's event listener, with the taker's and the maker's
 * account; the liquidation engine's executions outside the book — the insurance fund's takeover
 * and auto-deleveraging — come from the perpetual venue's liquidation log, read between book
 * commands so that every row keeps the order in which the venue executed it.
 *
 * Seeded starting positions (`AgentContext.seedPositions`) are initial state, not executions.
 *
 * @module
 */

import { grown, NS_PER_SECOND, Side } from "@cascade/core";
import { INSURANCE_FUND, INTERNAL_ORDER_ID_BASE, LiquidationStage } from "@cascade/exchange";
import { type EventBuffer, EventKind } from "@cascade/matching-engine";
import { type TradeColumn, TradeKind, TradeRole } from "@cascade/schema";
import type { Venue } from "./venue.ts";

/**
 * The executions of a run in human units, one row per execution in the order the venues executed
 * them (the columns of `trades.arrow`, see `TRADE_COLUMNS` of `@cascade/schema`), except that
 * `venue` and the agents are indices into {@link TradeTable.venueNames} and
 * {@link TradeTable.agentNames}.
 */
export interface TradeColumns {
  /** Simulated time, s. */
  readonly time_s: Float64Array;
  /** Index of the venue in the world. */
  readonly venue: Int32Array;
  /** `TradeKind` of `@cascade/schema`. */
  readonly kind: Uint8Array;
  /** Price, quote per base unit. */
  readonly price: Float64Array;
  /** Quantity, base units. */
  readonly qty: Float64Array;
  /** The taker's side: 0 buy, 1 sell. */
  readonly aggressor_side: Uint8Array;
  readonly taker_account: Int32Array;
  /** Index of the agent owning the taker's account, -1 for none (the insurance fund). */
  readonly taker_agent: Int32Array;
  /** `TradeRole` of `@cascade/schema`. */
  readonly taker_role: Uint8Array;
  readonly maker_account: Int32Array;
  /** Index of the agent owning the maker's account, -1 for none (the insurance fund). */
  readonly maker_agent: Int32Array;
  /** `TradeRole` of `@cascade/schema`. */
  readonly maker_role: Uint8Array;
}

/** The executions of a run and the names their indices refer to. */
export interface TradeTable {
  readonly columns: TradeColumns;
  /** Venue names, by index. */
  readonly venueNames: readonly string[];
  /** Agent names, by index (start order). */
  readonly agentNames: readonly string[];
}

/** Who owns an account: the world's ownership table. */
export interface AccountOwners {
  /** Index of the agent owning `account` of venue `venue`, or -1. */
  ownerOf(venue: number, account: number): number;
}

/** Appends every execution of a world's venues; see the module comment. */
export class TradeLog {
  private n = 0;
  private timeNs = new Float64Array(1024);
  private venue = new Int32Array(1024);
  private kind = new Uint8Array(1024);
  private priceTicks = new Float64Array(1024);
  private qtyLots = new Float64Array(1024);
  private side = new Uint8Array(1024);
  private taker = new Int32Array(1024);
  private takerAgent = new Int32Array(1024);
  private takerRole = new Uint8Array(1024);
  private maker = new Int32Array(1024);
  private makerAgent = new Int32Array(1024);
  private makerRole = new Uint8Array(1024);
  /** Per venue: liquidation-log rows already read. */
  private readonly liqSeen: Int32Array;

  constructor(
    private readonly venues: readonly Venue[],
    private readonly venueNames: readonly string[],
    private readonly agentNames: readonly string[],
    private readonly owners: AccountOwners,
  ) {
    this.liqSeen = new Int32Array(venues.length);
    venues.forEach((v, i) => {
      if (v.liquidations !== undefined) this.liqSeen[i] = v.liquidations.length;
    });
  }

  /** Number of executions so far. */
  get length(): number {
    return this.n;
  }

  /** Book listener of venue `v`: the trades of one book command, executed at `nowNs`. */
  book(v: number, ev: EventBuffer, nowNs: number): void {
    // Takeovers and ADL the venue did before this command (an earlier liquidation of the same step).
    this.afterStep(v);
    // A venue that liquidates has an insurance fund (account INSURANCE_FUND) sending orders too.
    const perp = this.venues[v]!.liquidations !== undefined;
    for (let i = 0; i < ev.length; i++) {
      if (ev.kind[i] !== EventKind.Trade) continue;
      const taker = ev.owner[i]!;
      const maker = ev.makerOwner[i]!;
      this.push(
        nowNs,
        v,
        TradeKind.Book,
        ev.price[i]!,
        ev.qty[i]!,
        ev.side[i]!,
        taker,
        roleOf(perp, ev.orderId[i]!, taker),
        maker,
        roleOf(perp, ev.makerOrderId[i]!, maker),
      );
    }
  }

  /** Reads the takeovers and ADL steps of venue `v`'s liquidation log not read yet. */
  afterStep(v: number): void {
    const log = this.venues[v]!.liquidations;
    if (log === undefined) return;
    for (let i = this.liqSeen[v]!; i < log.length; i++) {
      const stage = log.stage[i]!;
      // The log's side is the position's (0 long); the trade's side is the order closing it.
      if (stage === LiquidationStage.Takeover) {
        const sell = log.side[i] === 0 ? Side.Sell : Side.Buy;
        this.push(
          log.timeNs[i]!,
          v,
          TradeKind.Takeover,
          log.bankruptcyTicks[i]!,
          log.qtyLots[i]!,
          sell,
          log.account[i]!,
          TradeRole.Liquidation,
          INSURANCE_FUND,
          TradeRole.Fund,
        );
      } else if (stage === LiquidationStage.Adl) {
        // The row's account is the deleveraged trader; the fund closes the opposite position.
        const fundSide = log.side[i] === 1 ? Side.Sell : Side.Buy;
        this.push(
          log.timeNs[i]!,
          v,
          TradeKind.Adl,
          log.fillTicks[i]!,
          log.qtyLots[i]!,
          fundSide,
          INSURANCE_FUND,
          TradeRole.Fund,
          log.account[i]!,
          TradeRole.Adl,
        );
      }
    }
    this.liqSeen[v] = log.length;
  }

  /** The executions so far, in human units (copies). */
  result(): TradeTable {
    for (let v = 0; v < this.venues.length; v++) this.afterStep(v);
    const n = this.n;
    const price = new Float64Array(n);
    const qty = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const ins = this.venues[this.venue[i]!]!.instrument;
      price[i] = ins.ticksToPrice(this.priceTicks[i]!);
      qty[i] = ins.lotsToQty(this.qtyLots[i]!);
    }
    const columns = {
      time_s: this.timeNs.slice(0, n).map((t) => t / NS_PER_SECOND),
      venue: this.venue.slice(0, n),
      kind: this.kind.slice(0, n),
      price,
      qty,
      aggressor_side: this.side.slice(0, n),
      taker_account: this.taker.slice(0, n),
      taker_agent: this.takerAgent.slice(0, n),
      taker_role: this.takerRole.slice(0, n),
      maker_account: this.maker.slice(0, n),
      maker_agent: this.makerAgent.slice(0, n),
      maker_role: this.makerRole.slice(0, n),
    } satisfies TradeColumns & Record<TradeColumn, ArrayLike<number>>;
    return { columns, venueNames: [...this.venueNames], agentNames: [...this.agentNames] };
  }

  private push(
    timeNs: number,
    v: number,
    kind: number,
    priceTicks: number,
    qtyLots: number,
    side: number,
    taker: number,
    takerRole: number,
    maker: number,
    makerRole: number,
  ): void {
    const i = this.n;
    if (i === this.timeNs.length) this.grow();
    this.timeNs[i] = timeNs;
    this.venue[i] = v;
    this.kind[i] = kind;
    this.priceTicks[i] = priceTicks;
    this.qtyLots[i] = qtyLots;
    this.side[i] = side;
    this.taker[i] = taker;
    this.takerAgent[i] = takerRole === TradeRole.Fund ? -1 : this.owners.ownerOf(v, taker);
    this.takerRole[i] = takerRole;
    this.maker[i] = maker;
    this.makerAgent[i] = makerRole === TradeRole.Fund ? -1 : this.owners.ownerOf(v, maker);
    this.makerRole[i] = makerRole;
    this.n = i + 1;
  }

  private grow(): void {
    const c = this.timeNs.length * 2;
    this.timeNs = grown(this.timeNs, c);
    this.venue = grown(this.venue, c);
    this.kind = grown(this.kind, c);
    this.priceTicks = grown(this.priceTicks, c);
    this.qtyLots = grown(this.qtyLots, c);
    this.side = grown(this.side, c);
    this.taker = grown(this.taker, c);
    this.takerAgent = grown(this.takerAgent, c);
    this.takerRole = grown(this.takerRole, c);
    this.maker = grown(this.maker, c);
    this.makerAgent = grown(this.makerAgent, c);
    this.makerRole = grown(this.makerRole, c);
  }
}

/** The role of a book order: the venue's own orders are the liquidation engine's or the fund's. */
function roleOf(perp: boolean, orderId: number, account: number): number {
  if (orderId < INTERNAL_ORDER_ID_BASE) return TradeRole.Trader;
  return perp && account === INSURANCE_FUND ? TradeRole.Fund : TradeRole.Liquidation;
}
