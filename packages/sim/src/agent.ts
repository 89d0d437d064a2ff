/**
 * The agent interface: what a researcher implements to add a trader to a world. An agent never
 * touches another agent or a venue's state: it sends commands (which arrive after a latency),
 * asks to be woken up, and reads public market data and its own accounts through read-only views.
 *
 * @example A minimal agent that buys 0.01 BTC every minute at the best ask:
 * ```ts
 * class Dca implements Agent {
 *   readonly name = "dca";
 *   readonly kind = "example";
 *   private account = -1;
 *   start(ctx: AgentContext) {
 *     this.account = ctx.openPerpAccount(0, { isolated: true, leverage: 5, deposit: "10000" });
 *     ctx.wakeAfter(seconds(60));
 *   }
 *   onWake(ctx: AgentContext) {
 *     const ask = ctx.perp(0).bestAsk();
 *     if (ask > 0) ctx.limit(0, this.account, Side.Buy, ask, 10, TimeInForce.IOC);
 *     ctx.wakeAfter(seconds(60));
 *   }
 *   onMessage() {}
 * }
 * ```
 *
 * @module
 */

import type { Instrument, RandomStream, Side } from "@cascade/core";
import type { TimeInForce } from "@cascade/matching-engine";
import type {
  DepthFeedOptions,
  LiquidationFeedOptions,
  MarketDataMessage,
  TradeFeedOptions,
} from "./feeds.ts";
import type { AgentMessage, MARKET_DATA } from "./messages.ts";

/** A trader (or a population of traders) in a world. */
export interface Agent {
  /** Unique name in the world; its random streams and base latencies derive from it. */
  readonly name: string;
  /** Class label, e.g. `"retail"`, `"market-maker"`; the recorder counts per class. */
  readonly kind: string;
  /**
   * Bitmask of the venue report kinds the agent wants (`1 << VenueEventKind.Fill | …`); reports of
   * other kinds are not delivered (saves kernel work for large populations). Default: all.
   */
  readonly subscriptions?: number;
  /** Median one-way latency of this agent's links, ns (overrides the world's; e.g. colocated arbitrageurs). */
  readonly latencyMedianNs?: number;
  /**
   * The oracle capability: when `true`, this agent's views answer for every account of a venue,
   * not only its own (e.g. an informed liquidity hunter that reads other traders' liquidation
   * prices). No real trader can do this; the world lists such agents in `World.oracleAgents`
   * and `SimResult.oracleAgents` so a run's outputs say who had it. Default `false`: reading
   * another agent's account throws a {@link @cascade/core!ConfigError}.
   */
  readonly oracle?: boolean;
  /** Called once before the clock starts: open accounts, schedule the first wake-ups. */
  start(ctx: AgentContext): void;
  /** Called at a requested wake-up with the tag given to {@link AgentContext.wakeAt}. */
  onWake(ctx: AgentContext, tag: number): void;
  /** Called when a venue report reaches the agent (after latency). `msg` is reused: copy what you keep. */
  onMessage(ctx: AgentContext, msg: AgentMessage): void;
  /**
   * Called when a message of a public market-data feed reaches the agent (after the feed link's
   * latency); required when the agent subscribes to one ({@link AgentContext.subscribeDepth} and
   * the like). Switch on `msg.kind` (`FeedKind`) to narrow it. `msg` is reused: copy what
   * you keep.
   */
  onMarketData?(ctx: AgentContext, msg: MarketDataMessage): void;
  /**
   * Optional gauges sampled by the recorder, e.g. `record("open_positions", n)`; names are
   * prefixed with the agent's kind. `ctx` reads the agent's views at sample time (its own
   * accounts, public data), e.g. to record its P&L; it cannot send commands.
   */
  gauges?(record: (name: string, value: number) => void, ctx: GaugeContext): void;
}

/**
 * Public market data of a perpetual venue, plus the agent's own account state. The account
 * methods answer only for accounts of the agent that holds the view (unless it has the
 * {@link Agent.oracle} capability); another account throws a {@link @cascade/core!ConfigError}
 * naming the agent and the account.
 */
export interface PerpView {
  /** Best bid / ask in ticks (-1 when that side is empty). */
  bestBid(): number;
  bestAsk(): number;
  /** Mid in ticks (NaN when a side is empty). */
  mid(): number;
  /** Last trade, mark and index in ticks (NaN until known). */
  lastTrade(): number;
  mark(): number;
  index(): number;
  /** Funding rate of the last settlement, as a fraction. */
  fundingRate(): number;
  /** Time of the next funding settlement, ns (-1 when funding is disabled). */
  nextFundingTimeNs(): number;
  /** Open interest: the total long position (equal to the total short), lots. */
  openInterest(): number;
  /** Resting quantity (lots) of a side priced in [lo, hi] ticks. */
  qtyInRange(side: Side, loTicks: number, hiTicks: number): number;
  /** Whether trading is halted by the circuit breaker. */
  halted(): boolean;
  /** The venue's maker and taker fees, ppm of notional (negative maker fee = rebate). */
  makerFeePpm(): number;
  takerFeePpm(): number;
  /** Own account: position (signed lots), entry price (ticks), liquidation trigger (ticks, -1 none). */
  position(account: number): number;
  entryPrice(account: number): number;
  liquidationPrice(account: number): number;
  /** Own account: wallet and margin balance at the mark, quote units. */
  wallet(account: number): number;
  marginBalance(account: number): number;
  /** Own account: lots in open buy / sell orders. */
  openBuyLots(account: number): number;
  openSellLots(account: number): number;
}

/**
 * Public market data of a spot venue, plus the agent's own balances (own accounts only, as for
 * {@link PerpView}).
 */
export interface SpotView {
  /** Best bid in ticks (-1 when empty). */
  bestBid(): number;
  /** Best ask in ticks (-1 when empty). */
  bestAsk(): number;
  /** Mid in ticks (the last trade when a side is empty). */
  mid(): number;
  /** Last trade in ticks (NaN before the first). */
  lastTrade(): number;
  /** Resting quantity (lots) of a side priced in [lo, hi] ticks. */
  qtyInRange(side: Side, loTicks: number, hiTicks: number): number;
  /** Own free cash (quote units) and asset (lots). */
  cash(account: number): number;
  asset(account: number): number;
  /** Own cash (quote units) and asset (lots) locked in open orders. */
  lockedCash(account: number): number;
  lockedAsset(account: number): number;
  /** The venue's maker and taker fees, ppm of notional. */
  makerFeePpm(): number;
  takerFeePpm(): number;
}

/** Options for opening a perpetual account. */
export interface PerpAccountOptions {
  /** Isolated margin (default true). */
  readonly isolated?: boolean;
  /** Leverage (default: the venue's default). */
  readonly leverage?: number;
  /** Initial deposit in quote currency (human decimal), credited at once. */
  readonly deposit?: string | number;
  /** Initial deposit in quote units (alternative to `deposit`). */
  readonly depositUnits?: number;
}

/**
 * What an agent's gauges may use at a recorder sample: the clock and read-only views (own
 * accounts and public data). No commands, no random draws.
 */
export interface GaugeContext {
  /** Current simulated time, ns. */
  readonly nowNs: number;
  /** The agent's index in the world. */
  readonly agentIndex: number;
  /** Index of the venue called `name`. @throws when there is none. */
  venueIndex(name: string): number;
  /** The instrument of a venue. */
  instrument(venue: number): Instrument;
  /** The venue's own read-only view, of any kind (see {@link AgentContext.view}). */
  view(venue: number): object;
  /** Read-only view of a perpetual venue (the agent's own accounts). */
  perp(venue: number): PerpView;
  /** Read-only view of a spot venue (the agent's own accounts). */
  spot(venue: number): SpotView;
}

/** What an agent can do. One context per agent; methods act on behalf of that agent. */
export interface AgentContext {
  /** Current simulated time, ns. */
  readonly nowNs: number;
  /** The agent's index in the world. */
  readonly agentIndex: number;
  /** The agent's random stream called `name` (default `"main"`), derived from (seed, run, agent name, name). */
  rng(name?: string): RandomStream;
  /**
   * A random stream shared by every agent that asks for it by `name`, derived from (seed, run,
   * name) alone: each call returns a fresh stream with the same sequence, so agents that draw from
   * it in step see one common path — a common factor such as the arrival of news.
   */
  sharedRng(name: string): RandomStream;
  /** Index of the venue called `name`. @throws when there is none. */
  venueIndex(name: string): number;
  /** The instrument of a venue. */
  instrument(venue: number): Instrument;
  /**
   * The venue's own read-only view (`Venue.view`), whatever its kind: a {@link PerpView} for a
   * perpetual venue, a {@link SpotView} for a spot venue, a custom kind's own. Prefer
   * {@link AgentContext.perp} and {@link AgentContext.spot}, which check the kind and are typed.
   */
  view(venue: number): object;
  /** Read-only view of a perpetual venue. @throws ConfigError when the venue is of another kind. */
  perp(venue: number): PerpView;
  /** Read-only view of a spot venue. @throws ConfigError when the venue is of another kind. */
  spot(venue: number): SpotView;
  /**
   * Opens an account owned by this agent on a venue of any kind, with the venue's defaults and no
   * funds (immediately, no latency; fund it with {@link AgentContext.deposit}). Returns its id.
   */
  openAccount(venue: number): number;
  /** Opens a perpetual account owned by this agent (immediately, no latency). */
  openPerpAccount(venue: number, options?: PerpAccountOptions): number;
  /**
   * Opens `n` perpetual accounts at once (a population); returns the first id, the rest follow.
   * `leverage` and `depositUnits` (quote units) are one value for all or one per account.
   */
  openPerpAccounts(
    venue: number,
    n: number,
    isolated: boolean,
    leverage: number | ArrayLike<number>,
    depositUnits: number | ArrayLike<number>,
  ): number;
  /** Opens a spot account with initial cash (quote units) and asset (lots). */
  openSpotAccount(venue: number, cashUnits: number, assetLots: number): number;
  /**
   * Creates a position pair off-book for the world's initial state (see `PerpVenue.seedPosition`):
   * `longAccount` long and `shortAccount` short `qtyLots` at `priceTicks`. Both accounts must be
   * this agent's. Immediate (no latency); meant for {@link Agent.start}. Returns a reject code.
   */
  seedPosition(
    venue: number,
    longAccount: number,
    shortAccount: number,
    qtyLots: number,
    priceTicks: number,
  ): number;
  /**
   * Many {@link AgentContext.seedPosition}s against one short, all or nothing (see
   * `PerpVenue.seedPositions`); cheap for 10^6 positions. The short account is this agent's own,
   * or one another agent offered with {@link AgentContext.offerSeedCounterparty}. Returns a reject code.
   */
  seedPositions(
    venue: number,
    longAccounts: ArrayLike<number>,
    lots: ArrayLike<number>,
    prices: ArrayLike<number>,
    shortAccount: number,
  ): number;
  /**
   * Offers this agent's perpetual account as the counterparty of initial positions that other
   * agents create with {@link AgentContext.seedPositions} — e.g. a basis desk whose short is the
   * other side of the retail crowd's seeded longs. Call it in {@link Agent.start}, before the
   * agents that seed against it start. Each agent offers at most one account per venue.
   */
  offerSeedCounterparty(venue: number, account: number): void;
  /**
   * The account agent `agentName` offered on `venue` with {@link AgentContext.offerSeedCounterparty}.
   * @throws ConfigError naming the agent when it offered none (or has not started yet).
   */
  seedCounterparty(venue: number, agentName: string): number;
  /**
   * Sends a limit order; returns its order id at once (the order arrives after latency). The
   * arguments mean the same on every venue kind; a spot venue rejects `reduceOnly`
   * (`RejectCode.InvalidOrderType`: a spot account has no position to reduce).
   *
   * Every command below throws a {@link @cascade/core!ConfigError} at once, naming the operation
   * and the venue, when the venue's kind does not take it (e.g. `addMargin` on a spot venue).
   */
  limit(
    venue: number,
    account: number,
    side: Side,
    priceTicks: number,
    qtyLots: number,
    tif?: TimeInForce,
    reduceOnly?: boolean,
  ): number;
  /** Sends a market order (optional protection price, -1 for none); returns its order id. */
  market(
    venue: number,
    account: number,
    side: Side,
    qtyLots: number,
    protectionPriceTicks?: number,
    reduceOnly?: boolean,
  ): number;
  /** Sends a cancel. */
  cancel(venue: number, account: number, orderId: number): void;
  /** Sends a cancel-all for one account. */
  cancelAll(venue: number, account: number): void;
  /** Sends a quantity reduction of a live order. */
  reduce(venue: number, account: number, orderId: number, qtyLots: number): void;
  /** Sends a transfer of quote units into an isolated position's margin (perpetual venues). */
  addMargin(venue: number, account: number, amountUnits: number): void;
  /** Sends a deposit of quote units. */
  deposit(venue: number, account: number, amountUnits: number): void;
  /**
   * Sends a withdrawal of quote units of free balance (perpetual: not needed as margin; spot: not
   * locked by orders). Refused with a `Rejected` report when the free balance is short.
   */
  withdraw(venue: number, account: number, amountUnits: number): void;
  /**
   * Sends a new leverage (an integer ×) for the account's future orders (perpetual venues);
   * refused above the venue's cap or the margin tier's limit for the account's exposure.
   */
  setLeverage(venue: number, account: number, leverage: number): void;
  /**
   * Sends a move of a live order to a new price and quantity; it loses queue priority and may trade
   * at once (spot venues; on a perpetual venue cancel and send a new order).
   */
  replace(venue: number, account: number, orderId: number, priceTicks: number, qtyLots: number): void;
  /**
   * Asks for a {@link MARKET_DATA} report whenever the venue's best bid or ask changes, delivered
   * after the link's latency with the new best prices (`priceTicks` = bid, `qtyLots` = ask). While
   * one report is in flight further changes are coalesced into it: the agent sees the state as of
   * the last change before delivery, never a queue of stale ticks.
   */
  subscribeMarketData(venue: number): void;
  /**
   * Subscribes to L2 depth snapshots of a venue's book (`DepthSnapshot`: the top `levels`
   * price levels of each side with their sizes), sent when the top levels change, at most one in
   * flight (changes meanwhile are coalesced into the next snapshot) and at most one per
   * `minIntervalNs`. A book that already holds orders is reported at once.
   */
  subscribeDepth(venue: number, options?: DepthFeedOptions): void;
  /**
   * Subscribes to the public trade tape of a venue (`TradeBatch`: price, size, aggressor
   * side and time of every trade, including liquidation and insurance-fund orders), one message
   * per trade or per venue command. Nothing is dropped or coalesced.
   */
  subscribeTrades(venue: number, options?: TradeFeedOptions): void;
  /**
   * Subscribes to the liquidation-order feed of a perpetual venue (`LiquidationReport`:
   * side, average price, size and time of each liquidation order executed in the book), optionally
   * throttled to one report per `throttleNs` (the latest of each window).
   */
  subscribeLiquidations(venue: number, options?: LiquidationFeedOptions): void;
  /**
   * Subscribes to a perpetual venue's ticker (`Ticker`: mark, index, funding rate, next
   * funding time, open interest), published on the venue's mark schedule, at most one in flight.
   */
  subscribeTicker(venue: number): void;
  /** Asks to be woken at `timeNs` (not before now) with `tag`. */
  wakeAt(timeNs: number, tag?: number): void;
  /** Asks to be woken after `delayNs` with `tag`. */
  wakeAfter(delayNs: number, tag?: number): void;
}
