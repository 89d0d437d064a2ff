/**
 * A world: venues, agents and the discrete-event kernel that runs them. `createWorld(config)` →
 * `world.run(untilNs)` → {@link SimResult}. One queue ordered by (time, sequence) holds every
 * wake-up, command, report, venue duty and recorder sample; the same seed gives the same trace,
 * bit for bit, because nothing reads the wall clock, a global RNG, or iterates a hash map.
 *
 * @module
 */

import {
  ConfigError,
  grown,
  type Instrument,
  type RandomStream,
  type RandomStreams,
  RejectCode,
  rejectCodeName,
  type Seed,
  type Side,
  streams,
} from "@cascade/core";
import type { PerpVenue, SpotVenue, VenueEventBuffer } from "@cascade/exchange";
import { VenueEventFlag } from "@cascade/exchange";
import { NO_PRICE, TimeInForce } from "@cascade/matching-engine";
import type { Agent, AgentContext, GaugeContext, PerpAccountOptions, PerpView, SpotView } from "./agent.ts";
import { EventQueue } from "./event-queue.ts";
import {
  type DepthFeedOptions,
  FeedKind,
  type LiquidationFeedOptions,
  MarketFeeds,
  type TradeFeedOptions,
} from "./feeds.ts";
import {
  drawBaseLatencyNs,
  type LatencyConfig,
  messageLatencyNs,
  type ResolvedLatencyConfig,
  resolveLatency,
  VenueLoad,
} from "./latency.ts";
import { type AgentMessage, ItemKind, MARKET_DATA, MessagePool, VenueOp } from "./messages.ts";
import { PerpVenueAdapter, type PerpVenueSpec, perpOf } from "./perp-venue-adapter.ts";
import { Recorder, type RecorderConfig, type SimResult } from "./recorder.ts";
import { SpotVenueAdapter, type SpotVenueSpec, spotOf } from "./spot-venue-adapter.ts";
import { TradeLog } from "./trade-log.ts";
import {
  type AccountGuard,
  type CustomVenueSpec,
  unsupportedOp,
  type Venue,
  type VenueCommand,
  type VenueEnv,
} from "./venue.ts";

/** Any venue of a world: a built-in kind (`"perp"`, `"spot"`) or a custom one. */
export type VenueSpec = PerpVenueSpec | SpotVenueSpec | CustomVenueSpec;

/** Everything a world is built from. */
export interface WorldConfig {
  /** Experiment seed. */
  readonly seed: Seed;
  /** Run index within the experiment (streams derive from (seed, runIndex, name)). Default 0. */
  readonly runIndex?: number;
  /**
   * Venues. The first perpetual venue is the followed one (the fixed columns of the time series,
   * the liquidation log, the summary); every other venue is recorded in columns of its own.
   */
  readonly venues: readonly VenueSpec[];
  /** Agents, started in this order. Names must be unique. */
  readonly agents: readonly Agent[];
  /** Message latency model. */
  readonly latency?: LatencyConfig;
  /** What to record and how often. */
  readonly recorder?: RecorderConfig;
  /**
   * Conservation checks of every venue: `"end"` (default) once after the run, `"sample"` at every
   * recorder sample too (O(accounts) each), `"off"`.
   */
  readonly checks?: "off" | "end" | "sample";
}

/** A world ready to run. */
export interface World {
  /** Current simulated time, ns. */
  readonly nowNs: number;
  /** Items the kernel has processed so far. */
  readonly eventsProcessed: number;
  /** Runs the kernel until simulated time `untilNs` (inclusive) and returns the results so far. */
  run(untilNs: number): SimResult;
  /** The venue called `name`, as the kernel sees it. @throws when there is none. */
  venue(name: string): Venue;
  /** The perpetual exchange behind venue `name`, for tests and tools. @throws when there is none or it is another kind. */
  perp(name: string): PerpVenue;
  /** The spot exchange behind venue `name`, for tests and tools. @throws when there is none or it is another kind. */
  spot(name: string): SpotVenue;
  /** The agents, in start order. */
  readonly agents: readonly Agent[];
  /** Names of the agents with the oracle capability (`Agent.oracle`), in start order. */
  readonly oracleAgents: readonly string[];
}

/**
 * Builds a world: venues, index links, latency links and agents (started in order, at time 0).
 * @throws {@link @cascade/core!ConfigError} naming the bad field.
 */
export function createWorld(config: WorldConfig): World {
  return new SimWorld(config);
}

class SimWorld implements World {
  nowNs = 0;
  eventsProcessed = 0;
  readonly agents: readonly Agent[];
  readonly oracleAgents: readonly string[];
  /** Scheduled items (contexts fill command payloads in place). */
  readonly pool = new MessagePool(4096);
  private readonly queue = new EventQueue(this.pool, 4096);
  private seq = 0;
  private readonly venues: Venue[] = [];
  private readonly venueNames: string[] = [];
  /** The followed venue: the first perpetual. */
  private readonly followed: number;
  private readonly owners: Int32Array[] = [];
  private readonly nextOrderId: number[] = [];
  private readonly loads: VenueLoad[] = [];
  private readonly contexts: AgentContextImpl[] = [];
  private readonly subscriptions: Int32Array;
  private readonly baseLatency: Float64Array;
  /** Last arrival time per (agent, venue) link and direction: links are FIFO, like a TCP connection. */
  private readonly lastToVenue: Float64Array;
  private readonly lastToAgent: Float64Array;
  /** Market-data subscribers per venue, and whether a report to (agent, venue) is in flight. */
  private readonly mdSubscribers: number[][] = [];
  private readonly mdInFlight: Uint8Array;
  private readonly lastBid: Float64Array;
  private readonly lastAsk: Float64Array;
  private readonly latencyRng: RandomStream[] = [];
  private readonly latency: ResolvedLatencyConfig;
  private readonly rngs: RandomStreams;
  private readonly recorder: Recorder;
  /** Public market-data feeds (depth, trades, liquidations, ticker). */
  private readonly feeds: MarketFeeds;
  /** Every execution, when the recorder records trades (`RecorderConfig.trades`). */
  private readonly trades: TradeLog | null;
  /** Per venue: whether its book's listener is installed. */
  private readonly bookListened: Uint8Array;
  private readonly checks: "off" | "end" | "sample";
  private readonly message = new MessageView();
  private readonly cmd = new CommandView();
  private started = false;

  constructor(config: WorldConfig) {
    this.rngs = streams(config.seed, config.runIndex ?? 0);
    this.latency = resolveLatency(config.latency);
    this.checks = config.checks ?? "end";
    if (!["off", "end", "sample"].includes(this.checks))
      throw new ConfigError("world.checks", config.checks, 'must be "off", "end" or "sample"');
    if (!Array.isArray(config.venues) || config.venues.length === 0) {
      throw new ConfigError("world.venues", config.venues, "must list at least one venue");
    }
    config.venues.forEach((spec, i) => {
      this.addVenue(spec, i);
    });
    const resolve = (name: string, field: string): Venue => {
      const j = this.venueNames.indexOf(name);
      if (j < 0)
        throw new ConfigError(
          field,
          name,
          `must name a venue of this world (have: ${this.venueNames.join(", ")})`,
        );
      return this.venues[j]!;
    };
    for (const v of this.venues) v.link?.(resolve);
    this.followed = this.venues.findIndex((v) => v instanceof PerpVenueAdapter);
    if (this.followed < 0)
      throw new ConfigError(
        "world.venues",
        config.venues.map((v) => v?.kind),
        "must include a perpetual venue",
      );

    this.agents = [...config.agents];
    const names = new Set<string>();
    this.agents.forEach((a, i) => {
      if (typeof a?.name !== "string" || a.name === "")
        throw new ConfigError(`world.agents[${i}].name`, a?.name, "must be a non-empty string");
      if (names.has(a.name))
        throw new ConfigError(`world.agents[${i}].name`, a.name, "is used by another agent");
      names.add(a.name);
      if (a.oracle !== undefined && typeof a.oracle !== "boolean")
        throw new ConfigError(`world.agents[${i}].oracle`, a.oracle, "must be true or false");
    });
    this.oracleAgents = this.agents.filter((a) => a.oracle === true).map((a) => a.name);
    const nv = this.venues.length;
    this.subscriptions = new Int32Array(this.agents.length);
    this.baseLatency = new Float64Array(this.agents.length * nv);
    this.lastToVenue = new Float64Array(this.agents.length * nv);
    this.lastToAgent = new Float64Array(this.agents.length * nv);
    this.mdInFlight = new Uint8Array(this.agents.length * nv);
    this.lastBid = new Float64Array(nv).fill(-1);
    this.lastAsk = new Float64Array(nv).fill(-1);
    for (let v = 0; v < nv; v++) this.mdSubscribers.push([]);
    this.agents.forEach((a, i) => {
      this.subscriptions[i] = a.subscriptions ?? -1;
      const rng = this.rngs.get(`latency/${a.name}`);
      const cfg =
        a.latencyMedianNs === undefined ? this.latency : { ...this.latency, medianNs: a.latencyMedianNs };
      for (let v = 0; v < nv; v++) this.baseLatency[i * nv + v] = drawBaseLatencyNs(rng, cfg);
      this.latencyRng.push(rng);
      this.contexts.push(new AgentContextImpl(this, i, a.name, a.oracle === true));
    });
    this.feeds = new MarketFeeds(this, this.venues, this.loads, this.latency);
    this.bookListened = new Uint8Array(nv);
    const recordTrades = config.recorder?.trades ?? false;
    if (typeof recordTrades !== "boolean")
      throw new ConfigError("recorder.trades", recordTrades, "must be true or false");
    this.trades = recordTrades
      ? new TradeLog(
          this.venues,
          this.venueNames,
          this.agents.map((a) => a.name),
          this,
        )
      : null;
    if (this.trades !== null) for (let v = 0; v < nv; v++) this.listenToBook(v);
    this.recorder = new Recorder(
      config.recorder ?? {},
      this.venues,
      this.venueNames,
      this.followed,
      this.agents,
      this.contexts.map((c) => new GaugeContextImpl(c)),
    );
  }

  venue(name: string): Venue {
    return this.venues[this.venueIndexOf(name)]!;
  }

  perp(name: string): PerpVenue {
    return perpOf(this.venue(name), "venue", name);
  }

  spot(name: string): SpotVenue {
    return spotOf(this.venue(name), "venue", name);
  }

  run(untilNs: number): SimResult {
    if (!Number.isSafeInteger(untilNs) || untilNs < this.nowNs) {
      throw new ConfigError("run.untilNs", untilNs, `must be an integer ≥ the current time (${this.nowNs})`);
    }
    if (!this.started) this.start();
    const pool = this.pool;
    const queue = this.queue;
    while (queue.size > 0 && queue.peekTime() <= untilNs) {
      const h = queue.pop();
      const t = pool.time[h]!;
      this.nowNs = t;
      this.eventsProcessed++;
      switch (pool.kind[h]) {
        case ItemKind.ToVenue:
          this.deliverToVenue(h);
          break;
        case ItemKind.ToAgent: {
          const a = pool.agent[h]!;
          if (pool.op[h] === MARKET_DATA) {
            // Coalesced: report the best prices as of the last change published before delivery.
            const v = pool.venue[h]!;
            this.mdInFlight[a * this.venues.length + v] = 0;
            pool.price[h] = this.lastBid[v]!;
            pool.qty[h] = this.lastAsk[v]!;
          }
          this.message.load(pool, h);
          this.agents[a]!.onMessage(this.contexts[a]!, this.message);
          break;
        }
        case ItemKind.Wake: {
          const a = pool.agent[h]!;
          this.agents[a]!.onWake(this.contexts[a]!, pool.price[h]!);
          break;
        }
        case ItemKind.Feed: {
          const a = pool.agent[h]!;
          this.agents[a]!.onMarketData!(this.contexts[a]!, this.feeds.deliver(h));
          break;
        }
        case ItemKind.FeedTimer:
          this.feeds.timer(h);
          break;
        case ItemKind.VenueDuty:
          this.runVenueDuty(pool.venue[h]!);
          break;
        case ItemKind.Sample:
          this.recorder.sample(t, this.eventsProcessed, this.loads[this.followed]!.multiplier(t));
          if (this.checks === "sample") this.checkAll();
          this.schedule(ItemKind.Sample, t + this.recorder.intervalNs, -1, -1);
          break;
      }
      pool.free(h);
    }
    this.nowNs = untilNs;
    if (this.checks !== "off") this.checkAll();
    const result = this.recorder.result(this.nowNs, this.eventsProcessed);
    return this.trades === null ? result : { ...result, trades: this.trades.result() };
  }

  // ---------------------------------------------------------------------------------------------
  // Scheduling (used by agent contexts)

  /**
   * Allocates and queues an item at `timeNs`; returns its handle so the caller can fill in the
   * payload (the queue orders by time and sequence only, so filling it afterwards is safe).
   */
  schedule(kind: number, timeNs: number, agent: number, venue: number): number {
    const h = this.pool.alloc();
    const p = this.pool;
    p.kind[h] = kind;
    p.time[h] = timeNs;
    p.seq[h] = this.seq++;
    p.agent[h] = agent;
    p.venue[h] = venue;
    this.queue.push(h);
    return h;
  }

  /** Queues a command from `agent` to `venue` after the link's latency; returns the handle to fill. */
  command(agent: number, venue: number, op: VenueOp, account: number): number {
    this.checkVenue(venue);
    const v = this.venues[venue]!;
    if (!v.supports(op)) throw unsupportedOp(op, this.venueNames[venue]!, v.kind);
    if (!this.ownsAccount(venue, account, agent)) {
      // An agent acts only for its own accounts: anything else is a bug in the agent.
      throw new ConfigError(
        "account",
        account,
        `is not an account of agent ${this.agents[agent]!.name} on venue ${this.venueNames[venue]}`,
      );
    }
    const link = agent * this.venues.length + venue;
    const arrival = Math.max(this.nowNs + this.linkLatency(agent, venue), this.lastToVenue[link]!);
    this.lastToVenue[link] = arrival;
    const h = this.schedule(ItemKind.ToVenue, arrival, agent, venue);
    const p = this.pool;
    p.op[h] = op;
    p.account[h] = account;
    p.orderId[h] = -1;
    p.flags[h] = 0;
    return h;
  }

  /** Routes venue `v`'s book events, after every command, to the feeds and the trade log (once). */
  listenToBook(v: number): void {
    if (this.bookListened[v] === 1) return;
    this.bookListened[v] = 1;
    const feeds = this.feeds;
    const trades = this.trades;
    this.venues[v]!.book.setListener((ev) => {
      feeds.collect(v, ev);
      if (trades !== null) trades.book(v, ev, this.nowNs);
    });
  }

  /** Index of the agent owning `account` of `venue`, or -1. */
  ownerOf(venue: number, account: number): number {
    const o = this.owners[venue];
    return o !== undefined && account >= 0 && account < o.length ? o[account]! : -1;
  }

  /** Assigns the next order id of a venue. */
  newOrderId(venue: number): number {
    return this.nextOrderId[venue]!++;
  }

  /** Records that `account` of `venue` belongs to `agent`. */
  own(venue: number, account: number, agent: number): void {
    let o = this.owners[venue]!;
    if (account >= o.length) {
      o = grown(o, Math.max(account + 1, o.length * 2), -1);
      this.owners[venue] = o;
    }
    o[account] = agent;
  }

  /** Accounts offered as seeding counterparties: key `venue:agentName` → account. */
  private readonly seedOffers = new Map<string, number>();

  offerSeed(venue: number, account: number, agent: number): void {
    if (!this.ownsAccount(venue, account, agent)) {
      throw new ConfigError(
        "offerSeedCounterparty.account",
        account,
        `is not an account of agent ${this.agents[agent]!.name} on venue ${this.venueNames[venue]}`,
      );
    }
    this.seedOffers.set(`${venue}:${this.agents[agent]!.name}`, account);
  }

  seedOffer(venue: number, agentName: string): number | undefined {
    return this.seedOffers.get(`${venue}:${agentName}`);
  }

  /** Whether `account` may be the short of positions `agent` seeds: its own, or offered. */
  maySeedAgainst(venue: number, account: number, agent: number): boolean {
    if (this.ownsAccount(venue, account, agent)) return true;
    for (const [key, offered] of this.seedOffers)
      if (offered === account && key.startsWith(`${venue}:`)) return true;
    return false;
  }

  ownsAccount(venue: number, account: number, agent: number): boolean {
    const o = this.owners[venue];
    return o !== undefined && account >= 0 && account < o.length && o[account] === agent;
  }

  venueAt(venue: number): Venue {
    this.checkVenue(venue);
    return this.venues[venue]!;
  }

  venueIndexOf(name: string): number {
    const i = this.venueNames.indexOf(name);
    if (i < 0) throw new ConfigError("venue", name, `no such venue (have: ${this.venueNames.join(", ")})`);
    return i;
  }

  rng(name: string): RandomStream {
    return this.rngs.get(name);
  }

  /** A new, uncached stream with the seed of `name` (see {@link RandomStreams.fresh}). */
  freshRng(name: string): RandomStream {
    return this.rngs.fresh(name);
  }

  // ---------------------------------------------------------------------------------------------
  // Internals

  private addVenue(spec: VenueSpec, i: number): void {
    const field = `world.venues[${i}]`;
    if (spec === null || typeof spec !== "object") throw new ConfigError(field, spec, "must be a venue spec");
    if (typeof spec.name !== "string" || spec.name === "")
      throw new ConfigError(`${field}.name`, spec.name, "must be a non-empty string");
    if (this.venueNames.includes(spec.name))
      throw new ConfigError(`${field}.name`, spec.name, "is used by another venue");
    const env: VenueEnv = { name: spec.name, field, rng: (name) => this.rngs.get(name) };
    let venue: Venue;
    if (spec.kind === "perp") venue = new PerpVenueAdapter(spec, env);
    else if (spec.kind === "spot") venue = new SpotVenueAdapter(spec, env);
    else if (spec.kind === "custom") {
      if (typeof spec.create !== "function")
        throw new ConfigError(`${field}.create`, spec.create, "must be a function building the venue");
      venue = spec.create(env);
      if (venue === null || typeof venue !== "object" || typeof venue.apply !== "function")
        throw new ConfigError(
          `${field}.create`,
          venue,
          "must return a Venue (see @cascade/sim's Venue interface)",
        );
    } else {
      throw new ConfigError(
        `${field}.kind`,
        (spec as { kind: unknown }).kind,
        'must be "perp", "spot" or "custom"',
      );
    }
    this.venues.push(venue);
    this.venueNames.push(spec.name);
    this.owners.push(new Int32Array(1024).fill(-1));
    this.nextOrderId.push(1);
    this.loads.push(new VenueLoad(this.latency));
  }

  private start(): void {
    this.started = true;
    this.agents.forEach((a, i) => {
      a.start(this.contexts[i]!);
    });
    this.venues.forEach((venue, v) => {
      const t = venue.nextWakeNs();
      if (t < Number.POSITIVE_INFINITY) this.schedule(ItemKind.VenueDuty, t, -1, v);
    });
    this.schedule(ItemKind.Sample, 0, -1, -1);
  }

  private runVenueDuty(v: number): void {
    const venue = this.venues[v]!;
    venue.advance(this.nowNs);
    this.trades?.afterStep(v);
    this.route(v, venue.events);
    this.publishMarketData(v);
    this.feeds.afterStep(v, true);
    const next = venue.nextWakeNs();
    if (next < Number.POSITIVE_INFINITY)
      this.schedule(ItemKind.VenueDuty, Math.max(next, this.nowNs + 1), -1, v);
  }

  private deliverToVenue(h: number): void {
    const p = this.pool;
    const v = p.venue[h]!;
    const venue = this.venues[v]!;
    this.loads[v]!.record(this.nowNs);
    this.cmd.load(p, h);
    venue.apply(this.cmd, this.nowNs);
    this.trades?.afterStep(v);
    this.route(v, venue.events);
    this.publishMarketData(v);
    this.feeds.afterStep(v, false);
  }

  /** Registers `agent` for market-data reports of `venue`. */
  subscribeMarketData(agent: number, venue: number): void {
    this.checkVenue(venue);
    const subs = this.mdSubscribers[venue]!;
    if (!subs.includes(agent)) subs.push(agent);
  }

  /** Subscribes `agent` to public feed `kind` of `venue`, on a link of its own (see feeds.ts). */
  subscribeFeed(
    agent: number,
    venue: number,
    kind: FeedKind,
    options: DepthFeedOptions & TradeFeedOptions & LiquidationFeedOptions,
  ): void {
    this.checkVenue(venue);
    const a = this.agents[agent]!;
    if (typeof a.onMarketData !== "function")
      throw new ConfigError(
        `agent ${a.name}: subscribe ${MarketFeeds.feedName(kind)}`,
        venue,
        "needs an onMarketData method to receive the feed",
      );
    // A stream of its own: subscribing does not move the agent's other latencies.
    const rng = this.rngs.get(
      `latency/${a.name}/feed/${this.venueNames[venue]}/${MarketFeeds.feedName(kind)}`,
    );
    const cfg =
      a.latencyMedianNs === undefined ? this.latency : { ...this.latency, medianNs: a.latencyMedianNs };
    this.feeds.subscribe(agent, a.name, venue, kind, options, drawBaseLatencyNs(rng, cfg), rng);
  }

  /** Whether `agent` may read `account` of `venue`: its own, or any with the oracle capability. */
  assertReadable(venue: number, account: number, agent: number, what: string): void {
    if (this.ownsAccount(venue, account, agent) || this.contexts[agent]!.oracle) return;
    throw new ConfigError(
      "account",
      account,
      `is not an account of agent ${this.agents[agent]!.name} on venue ${this.venueNames[venue]}: ${what}() answers only for the agent's own accounts (Agent.oracle grants the omniscient view)`,
    );
  }

  /** Tells subscribers when the best bid or ask of `v` changed (one report in flight per link). */
  private publishMarketData(v: number): void {
    const subs = this.mdSubscribers[v]!;
    if (subs.length === 0) return;
    const book = this.venues[v]!.book;
    const bid = book.bestBid();
    const ask = book.bestAsk();
    if (bid === this.lastBid[v] && ask === this.lastAsk[v]) return;
    this.lastBid[v] = bid;
    this.lastAsk[v] = ask;
    const p = this.pool;
    const nv = this.venues.length;
    for (const agent of subs) {
      const link = agent * nv + v;
      if (this.mdInFlight[link] === 1) continue;
      this.mdInFlight[link] = 1;
      const arrival = Math.max(this.nowNs + this.linkLatency(agent, v), this.lastToAgent[link]!);
      this.lastToAgent[link] = arrival;
      const h = this.schedule(ItemKind.ToAgent, arrival, agent, v);
      p.op[h] = MARKET_DATA;
      p.account[h] = -1;
      p.orderId[h] = -1;
      p.side[h] = -1;
      p.price[h] = bid;
      p.qty[h] = ask;
      p.amount[h] = 0;
      p.code[h] = 0;
      p.flags[h] = 0;
    }
  }

  /** Sends each venue event to the agent owning its account, after the link's latency. */
  private route(v: number, ev: VenueEventBuffer): void {
    const owners = this.owners[v]!;
    const p = this.pool;
    for (let i = 0; i < ev.length; i++) {
      const account = ev.account[i]!;
      const agent = account >= 0 && account < owners.length ? owners[account]! : -1;
      if (agent < 0) continue;
      const kind = ev.kind[i]!;
      if ((this.subscriptions[agent]! & (1 << kind)) === 0) continue;
      const link = agent * this.venues.length + v;
      const arrival = Math.max(this.nowNs + this.linkLatency(agent, v), this.lastToAgent[link]!);
      this.lastToAgent[link] = arrival;
      const h = this.schedule(ItemKind.ToAgent, arrival, agent, v);
      p.op[h] = kind;
      p.account[h] = account;
      p.orderId[h] = ev.orderId[i]!;
      p.side[h] = ev.side[i]!;
      p.price[h] = ev.price[i]!;
      p.qty[h] = ev.qty[i]!;
      p.amount[h] = ev.amount[i]!;
      p.code[h] = ev.code[i]!;
      p.flags[h] = ev.flags[i]!;
    }
  }

  private linkLatency(agent: number, venue: number): number {
    const base = this.baseLatency[agent * this.venues.length + venue]!;
    return messageLatencyNs(
      this.latencyRng[agent]!,
      base,
      this.loads[venue]!.multiplier(this.nowNs),
      this.latency,
    );
  }

  private checkVenue(venue: number): void {
    if (!(Number.isInteger(venue) && venue >= 0 && venue < this.venues.length)) {
      throw new ConfigError("venue", venue, `must be a venue index in [0, ${this.venues.length - 1}]`);
    }
  }

  private checkAll(): void {
    for (const v of this.venues) v.checkConservation();
  }
}

/** Reusable {@link AgentMessage} over a pool slot. */
class MessageView implements AgentMessage {
  kind = 0;
  venue = 0;
  account = 0;
  orderId = 0;
  side = 0;
  priceTicks = 0;
  qtyLots = 0;
  amountUnits = 0;
  code = 0;
  flags = 0;

  load(p: MessagePool, h: number): void {
    this.kind = p.op[h]!;
    this.venue = p.venue[h]!;
    this.account = p.account[h]!;
    this.orderId = p.orderId[h]!;
    this.side = p.side[h]!;
    this.priceTicks = p.price[h]!;
    this.qtyLots = p.qty[h]!;
    this.amountUnits = p.amount[h]!;
    this.code = p.code[h]!;
    this.flags = p.flags[h]!;
  }
}

/** Reusable {@link VenueCommand} over a pool slot. */
class CommandView implements VenueCommand {
  op: VenueOp = VenueOp.Limit;
  account = 0;
  orderId = 0;
  side = 0 as Side;
  priceTicks = 0;
  qtyLots = 0;
  tif: TimeInForce = TimeInForce.GTC;
  reduceOnly = false;
  amountUnits = 0;
  leverage = 0;

  load(p: MessagePool, h: number): void {
    const op = p.op[h]! as VenueOp;
    this.op = op;
    this.account = p.account[h]!;
    this.orderId = p.orderId[h]!;
    this.side = p.side[h]! as Side;
    this.priceTicks = p.price[h]!;
    this.qtyLots = p.qty[h]!;
    this.tif = p.code[h]! as TimeInForce;
    this.reduceOnly = (p.flags[h]! & VenueEventFlag.ReduceOnly) !== 0;
    // The pool's money column carries the new leverage of a SetLeverage command.
    this.amountUnits = op === VenueOp.SetLeverage ? 0 : p.amount[h]!;
    this.leverage = op === VenueOp.SetLeverage ? p.amount[h]! : 0;
  }
}

class AgentContextImpl implements AgentContext {
  /** Per venue, this agent's view (built on first use). */
  private readonly views = new Map<number, object>();
  private readonly perpViews = new Map<number, PerpView>();
  private readonly spotViews = new Map<number, SpotView>();
  constructor(
    private readonly world: SimWorld,
    readonly agentIndex: number,
    private readonly agentName: string,
    /** Whether the agent has the oracle capability (reads every account). */
    readonly oracle: boolean,
  ) {}

  get nowNs(): number {
    return this.world.nowNs;
  }

  rng(name = "main"): RandomStream {
    return this.world.rng(`agent/${this.agentName}/${name}`);
  }

  sharedRng(name: string): RandomStream {
    if (typeof name !== "string" || name === "")
      throw new ConfigError("sharedRng(name)", name, "must be a non-empty string");
    return this.world.freshRng(`shared/${name}`);
  }

  venueIndex(name: string): number {
    return this.world.venueIndexOf(name);
  }

  instrument(venue: number): Instrument {
    return this.world.venueAt(venue).instrument;
  }

  view(venue: number): object {
    let view = this.views.get(venue);
    if (view === undefined) {
      const world = this.world;
      const agent = this.agentIndex;
      const guard: AccountGuard = {
        assertReadable: (account, what) => world.assertReadable(venue, account, agent, what),
      };
      view = world.venueAt(venue).view(guard);
      this.views.set(venue, view);
    }
    return view;
  }

  // Agents ask for their views on every decision: the kind is checked once, then the view cached.
  perp(venue: number): PerpView {
    let view = this.perpViews.get(venue);
    if (view === undefined) {
      perpOf(this.world.venueAt(venue), "venue", venue);
      view = this.view(venue) as PerpView;
      this.perpViews.set(venue, view);
    }
    return view;
  }

  spot(venue: number): SpotView {
    let view = this.spotViews.get(venue);
    if (view === undefined) {
      spotOf(this.world.venueAt(venue), "venue", venue);
      view = this.view(venue) as SpotView;
      this.spotViews.set(venue, view);
    }
    return view;
  }

  openAccount(venue: number): number {
    const account = this.world.venueAt(venue).openAccount();
    this.world.own(venue, account, this.agentIndex);
    return account;
  }

  openPerpAccount(venue: number, options: PerpAccountOptions = {}): number {
    const v = perpOf(this.world.venueAt(venue), "venue", venue);
    const account = v.openAccount({
      isolated: options.isolated ?? true,
      leverage: options.leverage ?? v.config.defaultLeverage,
    });
    this.world.own(venue, account, this.agentIndex);
    const units =
      options.depositUnits ??
      (options.deposit !== undefined ? v.instrument.quoteToUnits(options.deposit, "exact", "deposit") : 0);
    if (units > 0) this.funded(v.deposit(account, units), venue, account, units);
    return account;
  }

  openPerpAccounts(
    venue: number,
    n: number,
    isolated: boolean,
    leverage: number | ArrayLike<number>,
    depositUnits: number | ArrayLike<number>,
  ): number {
    const v = perpOf(this.world.venueAt(venue), "venue", venue);
    if (typeof depositUnits !== "number" && depositUnits.length !== n) {
      throw new ConfigError(
        "depositUnits.length",
        depositUnits.length,
        `must equal the account count (${n})`,
      );
    }
    const first = v.openAccounts(n, isolated, leverage);
    for (let i = 0; i < n; i++) {
      this.world.own(venue, first + i, this.agentIndex);
      const d = typeof depositUnits === "number" ? depositUnits : depositUnits[i]!;
      if (d > 0) this.funded(v.deposit(first + i, d), venue, first + i, d);
    }
    return first;
  }

  openSpotAccount(venue: number, cashUnits: number, assetLots: number): number {
    const v = spotOf(this.world.venueAt(venue), "venue", venue);
    const account = v.openAccount();
    this.world.own(venue, account, this.agentIndex);
    if (cashUnits > 0 || assetLots > 0) {
      const code = v.deposit(account, cashUnits, assetLots);
      this.funded(code, venue, account, assetLots > 0 ? `${cashUnits} units + ${assetLots} lots` : cashUnits);
    }
    return account;
  }

  /** A deposit made while opening an account must be accepted: a reject is an error of the run. */
  private funded(code: number, venue: number, account: number, amount: number | string): void {
    if (code === RejectCode.None) return;
    throw new ConfigError(
      `agent ${this.agentName}: deposit into account ${account} on venue ${venue}`,
      amount,
      `rejected by the venue (${rejectCodeName(code)})`,
    );
  }

  seedPositions(
    venue: number,
    longAccounts: ArrayLike<number>,
    lots: ArrayLike<number>,
    prices: ArrayLike<number>,
    shortAccount: number,
  ): number {
    const v = perpOf(this.world.venueAt(venue), "venue", venue);
    if (!this.world.maySeedAgainst(venue, shortAccount, this.agentIndex)) {
      throw new ConfigError(
        "seedPositions.shortAccount",
        shortAccount,
        `is neither an account of agent ${this.agentName} nor one offered as a seeding counterparty`,
      );
    }
    for (let i = 0; i < longAccounts.length; i++) {
      if (!this.world.ownsAccount(venue, longAccounts[i]!, this.agentIndex)) {
        throw new ConfigError(
          `seedPositions.longAccounts[${i}]`,
          longAccounts[i],
          `is not an account of agent ${this.agentName}`,
        );
      }
    }
    return v.seedPositions(longAccounts, lots, prices, shortAccount);
  }

  seedPosition(
    venue: number,
    longAccount: number,
    shortAccount: number,
    qtyLots: number,
    priceTicks: number,
  ): number {
    const v = perpOf(this.world.venueAt(venue), "venue", venue);
    for (const a of [longAccount, shortAccount]) {
      if (!this.world.ownsAccount(venue, a, this.agentIndex)) {
        throw new ConfigError("seedPosition.account", a, `is not an account of agent ${this.agentName}`);
      }
    }
    return v.seedPosition(longAccount, shortAccount, qtyLots, priceTicks);
  }

  offerSeedCounterparty(venue: number, account: number): void {
    this.world.offerSeed(venue, account, this.agentIndex);
  }

  seedCounterparty(venue: number, agentName: string): number {
    const a = this.world.seedOffer(venue, agentName);
    if (a === undefined) {
      throw new ConfigError(
        "seedCounterparty",
        agentName,
        "offered no account on this venue (it must call offerSeedCounterparty in start, and start before)",
      );
    }
    return a;
  }

  limit(
    venue: number,
    account: number,
    side: Side,
    priceTicks: number,
    qtyLots: number,
    tif: TimeInForce = TimeInForce.GTC,
    reduceOnly = false,
  ): number {
    const h = this.world.command(this.agentIndex, venue, VenueOp.Limit, account);
    const id = this.world.newOrderId(venue);
    this.fill(h, id, side, priceTicks, qtyLots, tif, reduceOnly);
    return id;
  }

  market(
    venue: number,
    account: number,
    side: Side,
    qtyLots: number,
    protectionPriceTicks = NO_PRICE,
    reduceOnly = false,
  ): number {
    const h = this.world.command(this.agentIndex, venue, VenueOp.Market, account);
    const id = this.world.newOrderId(venue);
    this.fill(h, id, side, protectionPriceTicks, qtyLots, TimeInForce.IOC, reduceOnly);
    return id;
  }

  cancel(venue: number, account: number, orderId: number): void {
    const h = this.world.command(this.agentIndex, venue, VenueOp.Cancel, account);
    this.fill(h, orderId, 0 as Side, 0, 0, 0, false);
  }

  cancelAll(venue: number, account: number): void {
    const h = this.world.command(this.agentIndex, venue, VenueOp.CancelAll, account);
    this.fill(h, -1, 0 as Side, 0, 0, 0, false);
  }

  reduce(venue: number, account: number, orderId: number, qtyLots: number): void {
    const h = this.world.command(this.agentIndex, venue, VenueOp.Reduce, account);
    this.fill(h, orderId, 0 as Side, 0, qtyLots, 0, false);
  }

  addMargin(venue: number, account: number, amountUnits: number): void {
    this.accountCommand(VenueOp.AddMargin, venue, account, amountUnits);
  }

  deposit(venue: number, account: number, amountUnits: number): void {
    this.accountCommand(VenueOp.Deposit, venue, account, amountUnits);
  }

  withdraw(venue: number, account: number, amountUnits: number): void {
    this.accountCommand(VenueOp.Withdraw, venue, account, amountUnits);
  }

  setLeverage(venue: number, account: number, leverage: number): void {
    // The pool's money column carries the leverage (see CommandView).
    this.accountCommand(VenueOp.SetLeverage, venue, account, leverage);
  }

  /** Sends a command about an account rather than an order, with one number: money or leverage. */
  private accountCommand(op: VenueOp, venue: number, account: number, value: number): void {
    const h = this.world.command(this.agentIndex, venue, op, account);
    this.fill(h, -1, 0 as Side, 0, 0, 0, false);
    this.world.pool.amount[h] = value;
  }

  replace(venue: number, account: number, orderId: number, priceTicks: number, qtyLots: number): void {
    const h = this.world.command(this.agentIndex, venue, VenueOp.Replace, account);
    this.fill(h, orderId, 0 as Side, priceTicks, qtyLots, 0, false);
  }

  subscribeMarketData(venue: number): void {
    this.world.subscribeMarketData(this.agentIndex, venue);
  }

  subscribeDepth(venue: number, options: DepthFeedOptions = {}): void {
    this.world.subscribeFeed(this.agentIndex, venue, FeedKind.Depth, options);
  }

  subscribeTrades(venue: number, options: TradeFeedOptions = {}): void {
    this.world.subscribeFeed(this.agentIndex, venue, FeedKind.Trades, options);
  }

  subscribeLiquidations(venue: number, options: LiquidationFeedOptions = {}): void {
    this.world.subscribeFeed(this.agentIndex, venue, FeedKind.Liquidations, options);
  }

  subscribeTicker(venue: number): void {
    this.world.subscribeFeed(this.agentIndex, venue, FeedKind.Ticker, {});
  }

  wakeAt(timeNs: number, tag = 0): void {
    if (!(timeNs >= this.world.nowNs) || !Number.isFinite(timeNs)) {
      throw new ConfigError("wakeAt.timeNs", timeNs, `must be a finite time ≥ now (${this.world.nowNs})`);
    }
    const h = this.world.schedule(ItemKind.Wake, Math.round(timeNs), this.agentIndex, -1);
    this.world.pool.price[h] = tag;
  }

  wakeAfter(delayNs: number, tag = 0): void {
    this.wakeAt(this.world.nowNs + Math.max(0, delayNs), tag);
  }

  private fill(
    h: number,
    orderId: number,
    side: Side,
    price: number,
    qty: number,
    code: number,
    reduceOnly: boolean,
  ): void {
    const pool = this.world.pool;
    pool.orderId[h] = orderId;
    pool.side[h] = side;
    pool.price[h] = price;
    pool.qty[h] = qty;
    pool.code[h] = code;
    pool.flags[h] = reduceOnly ? VenueEventFlag.ReduceOnly : 0;
    pool.amount[h] = 0;
  }
}

/** The read-only face of an agent's context handed to its gauges. */
class GaugeContextImpl implements GaugeContext {
  constructor(private readonly ctx: AgentContextImpl) {}
  get nowNs(): number {
    return this.ctx.nowNs;
  }
  get agentIndex(): number {
    return this.ctx.agentIndex;
  }
  venueIndex(name: string): number {
    return this.ctx.venueIndex(name);
  }
  instrument(venue: number): Instrument {
    return this.ctx.instrument(venue);
  }
  view(venue: number): object {
    return this.ctx.view(venue);
  }
  perp(venue: number): PerpView {
    return this.ctx.perp(venue);
  }
  spot(venue: number): SpotView {
    return this.ctx.spot(venue);
  }
}
