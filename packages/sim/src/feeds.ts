/**
 * Public market-data feeds, as venues publish them: L2 depth snapshots, the trade tape, the
 * liquidation-order feed and a ticker (mark, index, funding, open interest). An agent subscribes
 * with `AgentContext.subscribeDepth` / `subscribeTrades` / `subscribeLiquidations` /
 * `subscribeTicker` and receives {@link MarketDataMessage}s in `Agent.onMarketData`.
 *
 * Each subscription is its own link: a base latency drawn once from the agent's latency model
 * (from a random stream of its own, so subscribing does not move the agent's other latencies),
 * per-message jitter and the venue's stress multiplier, delivered in order (FIFO). Snapshot feeds
 * (depth, ticker) keep at most one message in flight per subscription and coalesce what changes
 * meanwhile into the next snapshot, taken when the link frees up; event feeds (trades,
 * liquidations) lose nothing, except that a throttled liquidation feed reports only the latest
 * liquidation order of each throttle window, as Binance's force-order stream does.
 *
 * Messages are reused views over preallocated buffers: read them during the call, copy what you
 * keep. Steady state allocates nothing per event.
 *
 * @module
 */

import { ConfigError, type RandomStream, Side } from "@cascade/core";
import { LiquidationStage } from "@cascade/exchange";
import { type EventBuffer, EventKind } from "@cascade/matching-engine";
import { messageLatencyNs, type ResolvedLatencyConfig, type VenueLoad } from "./latency.ts";
import { ItemKind, type MessagePool } from "./messages.ts";
import type { Venue } from "./venue.ts";

/** `kind` of a {@link MarketDataMessage}; distinct from every venue report kind and from `MARKET_DATA`. */
export const FeedKind = {
  /** An L2 depth snapshot: {@link DepthSnapshot}. */
  Depth: 32,
  /** Trades of the public tape: {@link TradeBatch}. */
  Trades: 33,
  /** One liquidation order: {@link LiquidationReport}. */
  Liquidations: 34,
  /** Mark, index, funding and open interest: {@link Ticker}. */
  Ticker: 35,
} as const;
/** One of the {@link FeedKind} values. */
export type FeedKind = (typeof FeedKind)[keyof typeof FeedKind];

/** Options of a depth subscription. */
export interface DepthFeedOptions {
  /** Price levels per side, 1 to 1,000. Default 10. */
  readonly levels?: number;
  /**
   * Minimum time between two snapshots of this subscription, ns (e.g. 100 ms, as Binance's
   * `depth@100ms`). Changes within the interval are coalesced into the next snapshot. Default 0.
   */
  readonly minIntervalNs?: number;
}

/** Options of a trade-tape subscription. */
export interface TradeFeedOptions {
  /**
   * `"trade"` (default): one message per trade. `"command"`: one message per venue command (an
   * order's sweep, a venue duty) carrying all of its trades.
   */
  readonly batch?: "trade" | "command";
}

/** Options of a liquidation-feed subscription. */
export interface LiquidationFeedOptions {
  /**
   * At most one report per `throttleNs` (e.g. 1 s, as Binance's force-order stream): the first
   * liquidation order of a quiet period is reported at once, later ones of the window are
   * coalesced and only the latest is reported when the window ends. Default 0: every order.
   */
  readonly throttleNs?: number;
}

/**
 * The top `levels` levels of each side of a venue's book, best first. The arrays are reused and
 * longer than the levels they hold: read entries `[0, bidLevels)` and `[0, askLevels)` only.
 */
export interface DepthSnapshot {
  readonly kind: typeof FeedKind.Depth;
  /** Venue of the book. */
  readonly venue: number;
  /** Venue time at which the snapshot was taken, ns. */
  readonly timeNs: number;
  /** Bid levels held (≤ the subscription's `levels`; 0 when the side is empty). */
  readonly bidLevels: number;
  /** Ask levels held. */
  readonly askLevels: number;
  /** Bid prices in ticks, best (highest) first. */
  readonly bidPriceTicks: Float64Array;
  /** Resting quantity at each bid price, lots. */
  readonly bidQtyLots: Float64Array;
  /** Ask prices in ticks, best (lowest) first. */
  readonly askPriceTicks: Float64Array;
  /** Resting quantity at each ask price, lots. */
  readonly askQtyLots: Float64Array;
}

/**
 * Trades of the public tape, oldest first: one per message, or all of one venue command. The
 * arrays are reused and longer than `count`: read entries `[0, count)` only.
 */
export interface TradeBatch {
  readonly kind: typeof FeedKind.Trades;
  /** Venue of the trades. */
  readonly venue: number;
  /** Trades held. */
  readonly count: number;
  /** Venue time of each trade, ns. */
  readonly timeNs: Float64Array;
  /** Price of each trade, ticks (the resting order's price). */
  readonly priceTicks: Float64Array;
  /** Quantity of each trade, lots. */
  readonly qtyLots: Float64Array;
  /** Side of the taker (aggressor) of each trade: {@link @cascade/core!Side}. */
  readonly aggressorSide: Int8Array;
}

/**
 * One liquidation order the venue's liquidation engine executed in the book (stages `book` and
 * `partial` of the liquidation log). Insurance-fund takeovers and auto-deleveraging do not go
 * through the book and are not published, as on real venues.
 */
export interface LiquidationReport {
  readonly kind: typeof FeedKind.Liquidations;
  /** Venue of the liquidation. */
  readonly venue: number;
  /** Venue time of the liquidation order, ns. */
  readonly timeNs: number;
  /** Side of the liquidation order: `Sell` closes a long, `Buy` closes a short. */
  readonly side: Side;
  /** Average fill price of the order, ticks (fractional when it swept several levels). */
  readonly avgPriceTicks: number;
  /** Quantity filled, lots. */
  readonly qtyLots: number;
}

/** A perpetual venue's mark, index, funding and open interest, published on its mark schedule. */
export interface Ticker {
  readonly kind: typeof FeedKind.Ticker;
  /** Venue of the ticker. */
  readonly venue: number;
  /** Venue time of the values, ns. */
  readonly timeNs: number;
  /** Mark price, ticks (NaN until known). */
  readonly markTicks: number;
  /** Index price, ticks (NaN until known). */
  readonly indexTicks: number;
  /** Funding rate of the last settlement, 1e-8 units (integer). */
  readonly fundingRateE8: number;
  /** The same rate as a fraction (`fundingRateE8 / 1e8`). */
  readonly fundingRate: number;
  /** Time of the next funding settlement, ns (-1 when funding is disabled). */
  readonly nextFundingTimeNs: number;
  /** Open interest (total long position), lots. */
  readonly openInterestLots: number;
}

/** Any market-data message; switch on `kind` ({@link FeedKind}) to narrow it. */
export type MarketDataMessage = DepthSnapshot | TradeBatch | LiquidationReport | Ticker;

const FEED_NAMES: Record<number, string> = {
  [FeedKind.Depth]: "depth",
  [FeedKind.Trades]: "trades",
  [FeedKind.Liquidations]: "liquidations",
  [FeedKind.Ticker]: "ticker",
};

/** Growable ring of tape entries (time, price, qty, side) waiting on one subscription's link. */
class EntryRing {
  time = new Float64Array(64);
  price = new Float64Array(64);
  qty = new Float64Array(64);
  side = new Int8Array(64);
  head = 0;
  size = 0;

  push(t: number, p: number, q: number, s: number): void {
    if (this.size === this.time.length) this.grow();
    const i = (this.head + this.size) & (this.time.length - 1);
    this.time[i] = t;
    this.price[i] = p;
    this.qty[i] = q;
    this.side[i] = s;
    this.size++;
  }

  private grow(): void {
    const n = this.time.length;
    const time = new Float64Array(n * 2);
    const price = new Float64Array(n * 2);
    const qty = new Float64Array(n * 2);
    const side = new Int8Array(n * 2);
    for (let k = 0; k < this.size; k++) {
      const i = (this.head + k) & (n - 1);
      time[k] = this.time[i]!;
      price[k] = this.price[i]!;
      qty[k] = this.qty[i]!;
      side[k] = this.side[i]!;
    }
    this.time = time;
    this.price = price;
    this.qty = qty;
    this.side = side;
    this.head = 0;
  }
}

/** One agent's subscription to one feed of one venue: its link, coalescing state and buffers. */
class FeedSub {
  levels = 0;
  minIntervalNs = 0;
  perCommand = false;
  throttleNs = 0;
  /** Arrival time of the last message on this link (links are FIFO). */
  lastArrivalNs = 0;
  /** A snapshot is in flight / changes happened meanwhile / a timer is queued. */
  inFlight = false;
  dirty = false;
  timerPending = false;
  /** Earliest time of the next snapshot or throttled report. */
  nextAllowedNs = 0;
  // Last snapshot taken (depth: levels; ticker: values).
  snapTimeNs = 0;
  bidN = 0;
  askN = 0;
  bidP = new Float64Array(0);
  bidQ = new Float64Array(0);
  askP = new Float64Array(0);
  askQ = new Float64Array(0);
  mark = 0;
  index = 0;
  rateE8 = 0;
  nextFunding = 0;
  openInterest = 0;
  /** Trades / liquidations on their way. */
  readonly ring = new EntryRing();
  // The latest liquidation of a throttle window.
  pTime = 0;
  pSide = 0;
  pPrice = 0;
  pQty = 0;

  constructor(
    readonly id: number,
    readonly agent: number,
    readonly venue: number,
    readonly kind: FeedKind,
    readonly baseLatencyNs: number,
    readonly rng: RandomStream,
  ) {}
}

class DepthView implements DepthSnapshot {
  readonly kind = FeedKind.Depth;
  venue = 0;
  timeNs = 0;
  bidLevels = 0;
  askLevels = 0;
  bidPriceTicks = new Float64Array(0);
  bidQtyLots = new Float64Array(0);
  askPriceTicks = new Float64Array(0);
  askQtyLots = new Float64Array(0);
}

class TradeView implements TradeBatch {
  readonly kind = FeedKind.Trades;
  venue = 0;
  count = 0;
  timeNs = new Float64Array(64);
  priceTicks = new Float64Array(64);
  qtyLots = new Float64Array(64);
  aggressorSide = new Int8Array(64);
}

class LiquidationView implements LiquidationReport {
  readonly kind = FeedKind.Liquidations;
  venue = 0;
  timeNs = 0;
  side: Side = Side.Sell;
  avgPriceTicks = 0;
  qtyLots = 0;
}

class TickerView implements Ticker {
  readonly kind = FeedKind.Ticker;
  venue = 0;
  timeNs = 0;
  markTicks = 0;
  indexTicks = 0;
  fundingRateE8 = 0;
  fundingRate = 0;
  nextFundingTimeNs = 0;
  openInterestLots = 0;
}

/** What the feeds need of the kernel. */
export interface FeedHost {
  /** Current simulated time, ns. */
  readonly nowNs: number;
  /** The kernel's item pool. */
  readonly pool: MessagePool;
  /** Queues an item (see the world's `schedule`). */
  schedule(kind: number, timeNs: number, agent: number, venue: number): number;
  /**
   * Has venue `v`'s book events passed to {@link MarketFeeds.collect} after every command (the
   * host owns the book's one listener: the trade log listens too).
   */
  listenToBook(v: number): void;
}

/** The market-data feeds of a world (used by the kernel; agents see {@link MarketDataMessage}s). */
export class MarketFeeds {
  private readonly subs: FeedSub[] = [];
  private readonly byVenue: FeedSub[][] = [];
  /** Per venue: trades of the current venue step, and whether its book changed. */
  private readonly tapePrice: Float64Array[] = [];
  private readonly tapeQty: Float64Array[] = [];
  private readonly tapeSide: Int8Array[] = [];
  private readonly tapeLen: Int32Array;
  private readonly bookTouched: Uint8Array;
  private readonly listening: Uint8Array;
  /** Per venue: liquidation-log rows already published. */
  private readonly liqSeen: Int32Array;
  private scratchP = new Float64Array(0);
  private scratchQ = new Float64Array(0);
  private readonly depth = new DepthView();
  private readonly trades = new TradeView();
  private readonly liquidation = new LiquidationView();
  private readonly ticker = new TickerView();

  constructor(
    private readonly host: FeedHost,
    private readonly venues: readonly Venue[],
    private readonly loads: readonly VenueLoad[],
    private readonly latency: ResolvedLatencyConfig,
  ) {
    const nv = venues.length;
    this.tapeLen = new Int32Array(nv);
    this.bookTouched = new Uint8Array(nv);
    this.listening = new Uint8Array(nv);
    this.liqSeen = new Int32Array(nv);
    for (let v = 0; v < nv; v++) {
      this.byVenue.push([]);
      this.tapePrice.push(new Float64Array(64));
      this.tapeQty.push(new Float64Array(64));
      this.tapeSide.push(new Int8Array(64));
    }
  }

  /** Name of a feed kind, for errors and random-stream names. */
  static feedName(kind: FeedKind): string {
    return FEED_NAMES[kind]!;
  }

  /**
   * Subscribes `agent` (called `agentName`) to feed `kind` of venue `v`, on a link of base latency
   * `baseLatencyNs` with jitter drawn from `rng`.
   * @throws {@link @cascade/core!ConfigError} for a repeated subscription, a feed the venue does
   * not publish, or a bad option.
   */
  subscribe(
    agent: number,
    agentName: string,
    v: number,
    kind: FeedKind,
    options: DepthFeedOptions & TradeFeedOptions & LiquidationFeedOptions,
    baseLatencyNs: number,
    rng: RandomStream,
  ): void {
    const name = FEED_NAMES[kind]!;
    const venue = this.venues[v]!;
    for (const s of this.byVenue[v]!) {
      if (s.agent === agent && s.kind === kind)
        throw new ConfigError(
          `agent ${agentName}: subscribe ${name}`,
          v,
          "is already subscribed to this feed",
        );
    }
    if (kind === FeedKind.Liquidations && venue.liquidations === undefined)
      throw new ConfigError(
        `agent ${agentName}: subscribe ${name}`,
        v,
        `is not a perpetual venue (a ${venue.kind} venue publishes no liquidations)`,
      );
    if (kind === FeedKind.Ticker && venue.ticker === undefined)
      throw new ConfigError(
        `agent ${agentName}: subscribe ${name}`,
        v,
        `is not a perpetual venue (a ${venue.kind} venue publishes no ticker)`,
      );
    const sub = new FeedSub(this.subs.length, agent, v, kind, baseLatencyNs, rng);
    if (kind === FeedKind.Depth) {
      const levels = options.levels ?? 10;
      if (!(Number.isInteger(levels) && levels >= 1 && levels <= 1000))
        throw new ConfigError(
          `agent ${agentName}: depth.levels`,
          options.levels,
          "must be an integer in [1, 1000]",
        );
      const gap = options.minIntervalNs ?? 0;
      if (!(Number.isSafeInteger(gap) && gap >= 0))
        throw new ConfigError(
          `agent ${agentName}: depth.minIntervalNs`,
          options.minIntervalNs,
          "must be an integer ≥ 0",
        );
      sub.levels = levels;
      sub.minIntervalNs = gap;
      sub.bidP = new Float64Array(levels);
      sub.bidQ = new Float64Array(levels);
      sub.askP = new Float64Array(levels);
      sub.askQ = new Float64Array(levels);
      if (levels > this.scratchP.length) {
        this.scratchP = new Float64Array(levels);
        this.scratchQ = new Float64Array(levels);
        const d = this.depth;
        d.bidPriceTicks = new Float64Array(levels);
        d.bidQtyLots = new Float64Array(levels);
        d.askPriceTicks = new Float64Array(levels);
        d.askQtyLots = new Float64Array(levels);
      }
    } else if (kind === FeedKind.Trades) {
      const batch = options.batch ?? "trade";
      if (batch !== "trade" && batch !== "command")
        throw new ConfigError(
          `agent ${agentName}: trades.batch`,
          options.batch,
          'must be "trade" or "command"',
        );
      sub.perCommand = batch === "command";
    } else if (kind === FeedKind.Liquidations) {
      const t = options.throttleNs ?? 0;
      if (!(Number.isSafeInteger(t) && t >= 0))
        throw new ConfigError(
          `agent ${agentName}: liquidations.throttleNs`,
          options.throttleNs,
          "must be an integer ≥ 0",
        );
      sub.throttleNs = t;
      if (!this.has(v, FeedKind.Liquidations)) this.liqSeen[v] = venue.liquidations!.length;
    }
    this.subs.push(sub);
    this.byVenue[v]!.push(sub);
    if ((kind === FeedKind.Depth || kind === FeedKind.Trades) && this.listening[v] === 0) {
      this.listening[v] = 1;
      this.host.listenToBook(v);
    }
    // A book that already has orders is reported at once; an empty one when it first changes.
    if (kind === FeedKind.Depth) this.change(sub);
  }

  /** Publishes what venue `v`'s last command or duty (`duty`) did; called by the kernel after each. */
  afterStep(v: number, duty: boolean): void {
    const subs = this.byVenue[v]!;
    if (subs.length === 0) return;
    const n = this.tapeLen[v]!;
    const touched = this.bookTouched[v] === 1;
    this.tapeLen[v] = 0;
    this.bookTouched[v] = 0;
    const venue = this.venues[v]!;
    const liq = venue.liquidations ?? null;
    const liqFrom = this.liqSeen[v]!;
    const liqTo = liq === null ? 0 : liq.length;
    if (liq !== null) this.liqSeen[v] = liqTo;
    for (let k = 0; k < subs.length; k++) {
      const sub = subs[k]!;
      switch (sub.kind) {
        case FeedKind.Depth:
          if (touched) this.change(sub);
          break;
        case FeedKind.Ticker:
          if (duty) this.change(sub);
          break;
        case FeedKind.Trades:
          if (n > 0) this.tape(sub, n);
          break;
        case FeedKind.Liquidations:
          for (let i = liqFrom; i < liqTo; i++) {
            const stage = liq!.stage[i]!;
            const qty = liq!.qtyLots[i]!;
            if ((stage !== LiquidationStage.Book && stage !== LiquidationStage.Partial) || !(qty > 0))
              continue;
            // The log's side is the position's (0 long); the order closing it takes the other side.
            const side = liq!.side[i] === 0 ? Side.Sell : Side.Buy;
            this.liquidationOrder(sub, liq!.timeNs[i]!, side, liq!.fillTicks[i]!, qty);
          }
          break;
      }
    }
  }

  /** Fills the message of delivered item `h` (a snapshot's link is then free again) and returns it. */
  deliver(h: number): MarketDataMessage {
    const pool = this.host.pool;
    const sub = this.subs[pool.account[h]!]!;
    switch (sub.kind) {
      case FeedKind.Depth: {
        const d = this.depth;
        d.venue = sub.venue;
        d.timeNs = sub.snapTimeNs;
        d.bidLevels = sub.bidN;
        d.askLevels = sub.askN;
        // Element by element: a subarray() view would allocate per message.
        for (let i = 0; i < sub.bidN; i++) {
          d.bidPriceTicks[i] = sub.bidP[i]!;
          d.bidQtyLots[i] = sub.bidQ[i]!;
        }
        for (let i = 0; i < sub.askN; i++) {
          d.askPriceTicks[i] = sub.askP[i]!;
          d.askQtyLots[i] = sub.askQ[i]!;
        }
        this.freed(sub);
        return d;
      }
      case FeedKind.Ticker: {
        const t = this.ticker;
        t.venue = sub.venue;
        t.timeNs = sub.snapTimeNs;
        t.markTicks = sub.mark;
        t.indexTicks = sub.index;
        t.fundingRateE8 = sub.rateE8;
        t.fundingRate = sub.rateE8 / 1e8;
        t.nextFundingTimeNs = sub.nextFunding;
        t.openInterestLots = sub.openInterest;
        this.freed(sub);
        return t;
      }
      case FeedKind.Trades: {
        const n = pool.qty[h]!;
        const t = this.trades;
        if (n > t.timeNs.length) {
          const cap = Math.max(n, t.timeNs.length * 2);
          t.timeNs = new Float64Array(cap);
          t.priceTicks = new Float64Array(cap);
          t.qtyLots = new Float64Array(cap);
          t.aggressorSide = new Int8Array(cap);
        }
        const r = sub.ring;
        const mask = r.time.length - 1;
        for (let k = 0; k < n; k++) {
          const i = (r.head + k) & mask;
          t.timeNs[k] = r.time[i]!;
          t.priceTicks[k] = r.price[i]!;
          t.qtyLots[k] = r.qty[i]!;
          t.aggressorSide[k] = r.side[i]!;
        }
        r.head = (r.head + n) & mask;
        r.size -= n;
        t.venue = sub.venue;
        t.count = n;
        return t;
      }
      default: {
        const l = this.liquidation;
        const r = sub.ring;
        const i = r.head;
        l.venue = sub.venue;
        l.timeNs = r.time[i]!;
        l.side = r.side[i]! as Side;
        l.avgPriceTicks = r.price[i]!;
        l.qtyLots = r.qty[i]!;
        r.head = (r.head + 1) & (r.time.length - 1);
        r.size--;
        return l;
      }
    }
  }

  /** Runs the coalescing timer of item `h` (a snapshot or a throttled report now allowed). */
  timer(h: number): void {
    const sub = this.subs[this.host.pool.account[h]!]!;
    sub.timerPending = false;
    if (sub.kind === FeedKind.Liquidations) {
      sub.ring.push(sub.pTime, sub.pPrice, sub.pQty, sub.pSide);
      sub.nextAllowedNs = this.host.nowNs + sub.throttleNs;
      this.send(sub, 1);
    } else {
      this.snapshot(sub);
    }
  }

  // ---------------------------------------------------------------------------------------------

  private has(v: number, kind: FeedKind): boolean {
    for (const s of this.byVenue[v]!) if (s.kind === kind) return true;
    return false;
  }

  /** Book listener of venue `v`: notes that the book changed and keeps its trades for the tape. */
  collect(v: number, ev: EventBuffer): void {
    if (this.listening[v] === 0) return;
    if (ev.length > 0) this.bookTouched[v] = 1;
    let n = this.tapeLen[v]!;
    for (let i = 0; i < ev.length; i++) {
      if (ev.kind[i] !== EventKind.Trade) continue;
      if (n === this.tapePrice[v]!.length) {
        const cap = n * 2;
        const p = new Float64Array(cap);
        const q = new Float64Array(cap);
        const s = new Int8Array(cap);
        p.set(this.tapePrice[v]!);
        q.set(this.tapeQty[v]!);
        s.set(this.tapeSide[v]!);
        this.tapePrice[v] = p;
        this.tapeQty[v] = q;
        this.tapeSide[v] = s;
      }
      this.tapePrice[v]![n] = ev.price[i]!;
      this.tapeQty[v]![n] = ev.qty[i]!;
      this.tapeSide[v]![n] = ev.side[i]!;
      n++;
    }
    this.tapeLen[v] = n;
  }

  /** Queues the `n` trades of the step just run on a trade subscription. */
  private tape(sub: FeedSub, n: number): void {
    const v = sub.venue;
    const now = this.host.nowNs;
    const p = this.tapePrice[v]!;
    const q = this.tapeQty[v]!;
    const s = this.tapeSide[v]!;
    for (let i = 0; i < n; i++) {
      sub.ring.push(now, p[i]!, q[i]!, s[i]!);
      if (!sub.perCommand) this.send(sub, 1);
    }
    if (sub.perCommand) this.send(sub, n);
  }

  /** Reports one liquidation order on a subscription, throttled when it asks to be. */
  private liquidationOrder(sub: FeedSub, timeNs: number, side: Side, price: number, qty: number): void {
    const now = this.host.nowNs;
    if (sub.throttleNs === 0 || (!sub.timerPending && now >= sub.nextAllowedNs)) {
      sub.ring.push(timeNs, price, qty, side);
      sub.nextAllowedNs = now + sub.throttleNs;
      this.send(sub, 1);
      return;
    }
    sub.pTime = timeNs;
    sub.pSide = side;
    sub.pPrice = price;
    sub.pQty = qty;
    if (!sub.timerPending) this.startTimer(sub);
  }

  /** A snapshot feed's state changed: send it now, or coalesce into the next one. */
  private change(sub: FeedSub): void {
    if (sub.inFlight || sub.timerPending) {
      sub.dirty = true;
      return;
    }
    if (this.host.nowNs < sub.nextAllowedNs) {
      sub.dirty = true;
      this.startTimer(sub);
      return;
    }
    this.snapshot(sub);
  }

  /** A snapshot was delivered: the link is free for what changed meanwhile. */
  private freed(sub: FeedSub): void {
    sub.inFlight = false;
    if (sub.dirty) this.change(sub);
  }

  /** Takes a snapshot and sends it (a depth snapshot only when it differs from the last one sent). */
  private snapshot(sub: FeedSub): void {
    sub.dirty = false;
    const now = this.host.nowNs;
    const venue = this.venues[sub.venue]!;
    if (sub.kind === FeedKind.Depth) {
      const changed =
        this.captureSide(sub, venue, Side.Buy, sub.bidP, sub.bidQ) |
        this.captureSide(sub, venue, Side.Sell, sub.askP, sub.askQ);
      if (changed === 0) return;
    } else {
      const perp = venue.ticker!;
      sub.mark = perp.markTicks;
      sub.index = perp.indexTicks;
      sub.rateE8 = perp.lastFundingRateE8;
      sub.nextFunding = perp.nextFundingTimeNs();
      sub.openInterest = perp.openInterestLots();
    }
    sub.snapTimeNs = now;
    sub.nextAllowedNs = now + sub.minIntervalNs;
    sub.inFlight = true;
    this.send(sub, 1);
  }

  /** Reads one side of the book into the subscription's buffers; 1 when it changed, else 0. */
  private captureSide(
    sub: FeedSub,
    venue: Venue,
    side: Side,
    prices: Float64Array,
    qtys: Float64Array,
  ): number {
    const sp = this.scratchP;
    const sq = this.scratchQ;
    const n = venue.book.depthInto(side, sub.levels, sp, sq);
    const old = side === Side.Buy ? sub.bidN : sub.askN;
    let same = n === old;
    for (let i = 0; i < n && same; i++) same = sp[i] === prices[i] && sq[i] === qtys[i];
    if (same) return 0;
    for (let i = 0; i < n; i++) {
      prices[i] = sp[i]!;
      qtys[i] = sq[i]!;
    }
    if (side === Side.Buy) sub.bidN = n;
    else sub.askN = n;
    return 1;
  }

  private startTimer(sub: FeedSub): void {
    sub.timerPending = true;
    const h = this.host.schedule(ItemKind.FeedTimer, sub.nextAllowedNs, sub.agent, sub.venue);
    this.host.pool.account[h] = sub.id;
  }

  /** Queues a message of `count` entries on the subscription's link. */
  private send(sub: FeedSub, count: number): void {
    const now = this.host.nowNs;
    const latency = messageLatencyNs(
      sub.rng,
      sub.baseLatencyNs,
      this.loads[sub.venue]!.multiplier(now),
      this.latency,
    );
    const arrival = Math.max(now + latency, sub.lastArrivalNs);
    sub.lastArrivalNs = arrival;
    const h = this.host.schedule(ItemKind.Feed, arrival, sub.agent, sub.venue);
    const pool = this.host.pool;
    pool.account[h] = sub.id;
    pool.qty[h] = count;
  }
}
