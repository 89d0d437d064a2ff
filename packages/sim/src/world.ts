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
  NS_PER_SECOND,
  type RandomStream,
  type RandomStreams,
  RejectCode,
  rejectCodeName,
  type Seed,
  type Side,
  streams,
} from "@cascade/core";
import {
  ManualIndex,
  PerpVenue,
  type PerpVenueConfig,
  SpotVenue,
  type SpotVenueConfig,
  type VenueEventBuffer,
  VenueEventFlag,
} from "@cascade/exchange";
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
import { Recorder, type RecorderConfig, type SimResult } from "./recorder.ts";
import { TradeLog } from "./trade-log.ts";

/** A perpetual venue in a world, with where its index comes from. */
export interface PerpVenueSpec {
  readonly kind: "perp";
  /** Name agents use to find it. */
  readonly name: string;
  readonly config: PerpVenueConfig;
  /**
   * Index: spot venues of this world (by name) with optional weights, or an exogenous random-walk
   * index (`process`) when the world has no spot market.
   */
  readonly index:
    | { readonly sources: readonly string[]; readonly weights?: readonly number[] }
    | { readonly process: IndexProcessConfig };
}

/** A spot venue in a world. */
export interface SpotVenueSpec {
  readonly kind: "spot";
  readonly name: string;
  readonly config: SpotVenueConfig;
}

/** Any venue of a world. */
export type VenueSpec = PerpVenueSpec | SpotVenueSpec;

/** An exogenous index: a geometric random walk in ticks, updated every `stepNs`. */
export interface IndexProcessConfig {
  /** Starting index, ticks. */
  readonly initialTicks: number;
  /** Standard deviation of log returns per √second (e.g. 0.0005). */
  readonly volatilityPerSqrtSecond: number;
  /** Drift of log price per second. Default 0. */
  readonly driftPerSecond?: number;
  /** Update step, ns. Default 1 s. */
  readonly stepNs?: number;
}

/** Everything a world is built from. */
export interface WorldConfig {
  /** Experiment seed. */
  readonly seed: Seed;
  /** Run index within the experiment (streams derive from (seed, runIndex, name)). Default 0. */
  readonly runIndex?: number;
  /** Venues; the first perpetual venue is the one the recorder follows. */
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
  /** The venue called `name`. */
  venue(name: string): PerpVenue | SpotVenue;
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

type AnyVenue = PerpVenue | SpotVenue;

class SimWorld implements World {
  nowNs = 0;
  eventsProcessed = 0;
  readonly agents: readonly Agent[];
  readonly oracleAgents: readonly string[];
  /** Scheduled items (contexts fill command payloads in place). */
  readonly pool = new MessagePool(4096);
  private readonly queue = new EventQueue(this.pool, 4096);
  private seq = 0;
  private readonly venues: AnyVenue[] = [];
  private readonly venueNames: string[] = [];
  private readonly perpIndex: number[] = [];
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
  private readonly processes: {
    venue: number;
    index: ManualIndex;
    config: Required<IndexProcessConfig>;
    rng: RandomStream;
    nextNs: number;
  }[] = [];
  private readonly recorder: Recorder;
  /** Public market-data feeds (depth, trades, liquidations, ticker). */
  private readonly feeds: MarketFeeds;
  /** Every execution, when the recorder records trades (`RecorderConfig.trades`). */
  private readonly trades: TradeLog | null;
  /** Per venue: whether its book's listener is installed. */
  private readonly bookListened: Uint8Array;
  private readonly checks: "off" | "end" | "sample";
  private readonly message = new MessageView();
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
    config.venues.forEach((spec, i) => {
      if (spec.kind === "perp") this.linkIndex(spec, i);
    });
    if (this.perpIndex.length === 0)
      throw new ConfigError(
        "world.venues",
        config.venues.map((v) => v.kind),
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
      this.perpIndex[0]!,
      this.agents,
      this.contexts.map((c) => new GaugeContextImpl(c)),
    );
  }

  venue(name: string): AnyVenue {
    const i = this.venueNames.indexOf(name);
    if (i < 0) throw new ConfigError("venue", name, `no such venue (have: ${this.venueNames.join(", ")})`);
    return this.venues[i]!;
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
          this.recorder.sample(t, this.eventsProcessed, this.loads[this.perpIndex[0]!]!.multiplier(t));
          if (this.checks === "sample") this.checkAll();
          this.schedule(ItemKind.Sample, t + this.recorder.intervalNs, -1, -1);
          break;
      }
      pool.free(h);
    }
    this.nowNs = untilNs;
    if (this.checks !== "off") this.checkAll();
    const result = this.recorder.result(
      this.nowNs,
      this.eventsProcessed,
      this.venues[this.perpIndex[0]!] as PerpVenue,
    );
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
  command(agent: number, venue: number, op: number, account: number): number {
    this.checkVenue(venue);
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

  venueAt(venue: number): AnyVenue {
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
    if (spec === null || typeof spec !== "object")
      throw new ConfigError(`world.venues[${i}]`, spec, "must be a venue spec");
    if (typeof spec.name !== "string" || spec.name === "")
      throw new ConfigError(`world.venues[${i}].name`, spec.name, "must be a non-empty string");
    if (this.venueNames.includes(spec.name))
      throw new ConfigError(`world.venues[${i}].name`, spec.name, "is used by another venue");
    let venue: AnyVenue;
    if (spec.kind === "perp") {
      venue = new PerpVenue(spec.config);
      this.perpIndex.push(i);
    } else if (spec.kind === "spot") {
      venue = new SpotVenue(spec.config);
    } else {
      throw new ConfigError(
        `world.venues[${i}].kind`,
        (spec as { kind: unknown }).kind,
        'must be "perp" or "spot"',
      );
    }
    this.venues.push(venue);
    this.venueNames.push(spec.name);
    this.owners.push(new Int32Array(1024).fill(-1));
    this.nextOrderId.push(1);
    this.loads.push(new VenueLoad(this.latency));
  }

  private linkIndex(spec: PerpVenueSpec, i: number): void {
    const perp = this.venues[i] as PerpVenue;
    const index = spec.index;
    if (index !== undefined && "process" in index) {
      const p = index.process;
      const cfg: Required<IndexProcessConfig> = {
        initialTicks: p.initialTicks,
        volatilityPerSqrtSecond: p.volatilityPerSqrtSecond,
        driftPerSecond: p.driftPerSecond ?? 0,
        stepNs: p.stepNs ?? NS_PER_SECOND,
      };
      if (!(cfg.initialTicks > 0))
        throw new ConfigError(`world.venues[${i}].index.process.initialTicks`, p.initialTicks, "must be > 0");
      if (!(cfg.volatilityPerSqrtSecond >= 0))
        throw new ConfigError(
          `world.venues[${i}].index.process.volatilityPerSqrtSecond`,
          p.volatilityPerSqrtSecond,
          "must be ≥ 0",
        );
      if (!(Number.isSafeInteger(cfg.stepNs) && cfg.stepNs > 0))
        throw new ConfigError(
          `world.venues[${i}].index.process.stepNs`,
          p.stepNs,
          "must be a positive integer",
        );
      const manual = new ManualIndex(cfg.initialTicks);
      perp.setIndexSources([manual]);
      this.processes.push({
        venue: i,
        index: manual,
        config: cfg,
        rng: this.rngs.get(`index/${spec.name}`),
        nextNs: 0,
      });
      return;
    }
    const sources = index?.sources ?? [];
    if (sources.length === 0)
      throw new ConfigError(
        `world.venues[${i}].index.sources`,
        sources,
        "must name at least one spot venue (or give an index process)",
      );
    const objs = sources.map((name, k) => {
      const j = this.venueNames.indexOf(name);
      if (j < 0 || !(this.venues[j] instanceof SpotVenue)) {
        throw new ConfigError(
          `world.venues[${i}].index.sources[${k}]`,
          name,
          "must name a spot venue of this world",
        );
      }
      return this.venues[j] as SpotVenue;
    });
    perp.setIndexSources(objs, index && "weights" in index ? index.weights : undefined);
  }

  private start(): void {
    this.started = true;
    this.agents.forEach((a, i) => {
      a.start(this.contexts[i]!);
    });
    for (const v of this.perpIndex)
      this.schedule(ItemKind.VenueDuty, (this.venues[v] as PerpVenue).nextWakeNs(), -1, v);
    this.schedule(ItemKind.Sample, 0, -1, -1);
  }

  private runVenueDuty(v: number): void {
    const venue = this.venues[v] as PerpVenue;
    for (const p of this.processes) {
      if (p.venue !== v) continue;
      while (p.nextNs <= this.nowNs) {
        const c = p.config;
        const dt = c.stepNs / NS_PER_SECOND;
        if (p.nextNs > 0) {
          const r = c.driftPerSecond * dt + c.volatilityPerSqrtSecond * Math.sqrt(dt) * p.rng.normal();
          p.index.priceTicks = Math.max(1, p.index.priceTicks * Math.exp(r));
        }
        p.nextNs += c.stepNs;
      }
    }
    venue.advance(this.nowNs);
    this.trades?.afterStep(v);
    this.route(v, venue.events);
    this.publishMarketData(v);
    this.feeds.afterStep(v, true);
    this.schedule(ItemKind.VenueDuty, Math.max(venue.nextWakeNs(), this.nowNs + 1), -1, v);
  }

  private deliverToVenue(h: number): void {
    const p = this.pool;
    const v = p.venue[h]!;
    const venue = this.venues[v]!;
    this.loads[v]!.record(this.nowNs);
    const op = p.op[h]!;
    const account = p.account[h]!;
    const id = p.orderId[h]!;
    const side = p.side[h]! as Side;
    if (venue instanceof PerpVenue) {
      venue.nowNs = this.nowNs;
      const reduceOnly = (p.flags[h]! & VenueEventFlag.ReduceOnly) !== 0;
      switch (op) {
        case VenueOp.Limit:
          venue.limit(account, id, side, p.price[h]!, p.qty[h]!, p.code[h]! as TimeInForce, reduceOnly);
          break;
        case VenueOp.Market:
          venue.market(account, id, side, p.qty[h]!, p.price[h]!, reduceOnly);
          break;
        case VenueOp.Cancel:
          venue.cancel(account, id);
          break;
        case VenueOp.CancelAll:
          venue.cancelAll(account);
          break;
        case VenueOp.AddMargin:
          venue.addMargin(account, p.amount[h]!);
          break;
        case VenueOp.Deposit:
          venue.deposit(account, p.amount[h]!);
          break;
        case VenueOp.Reduce:
          venue.reduceOrder(account, id, p.qty[h]!);
          break;
      }
    } else {
      switch (op) {
        case VenueOp.Limit:
          venue.limit(account, id, side, p.price[h]!, p.qty[h]!, p.code[h]! as TimeInForce);
          break;
        case VenueOp.Market:
          venue.market(account, id, side, p.qty[h]!, p.price[h]!);
          break;
        case VenueOp.Cancel:
          venue.cancel(account, id);
          break;
        case VenueOp.CancelAll:
          venue.cancelAll(account);
          break;
        case VenueOp.Deposit:
          venue.deposit(account, p.amount[h]!, 0);
          break;
        case VenueOp.Reduce:
          venue.reduce(account, id, p.qty[h]!);
          break;
        default:
          break;
      }
    }
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

class PerpViewImpl implements PerpView {
  constructor(
    private readonly v: PerpVenue,
    private readonly world: SimWorld,
    private readonly venue: number,
    private readonly agent: number,
  ) {}
  bestBid(): number {
    return this.v.book.bestBid();
  }
  bestAsk(): number {
    return this.v.book.bestAsk();
  }
  mid(): number {
    return this.v.midTicks();
  }
  lastTrade(): number {
    return this.v.lastTradeTicks;
  }
  mark(): number {
    return this.v.markTicks;
  }
  index(): number {
    return this.v.indexTicks;
  }
  fundingRate(): number {
    return this.v.lastFundingRateE8 / 1e8;
  }
  nextFundingTimeNs(): number {
    return this.v.nextFundingTimeNs();
  }
  openInterest(): number {
    return this.v.openInterestLots();
  }
  qtyInRange(side: Side, loTicks: number, hiTicks: number): number {
    return this.v.book.qtyInRange(side, loTicks, hiTicks);
  }
  halted(): boolean {
    return this.v.isHalted();
  }
  makerFeePpm(): number {
    return this.v.config.makerFeePpm;
  }
  takerFeePpm(): number {
    return this.v.config.takerFeePpm;
  }
  position(account: number): number {
    this.world.assertReadable(this.venue, account, this.agent, "position");
    return this.v.accounts.size[account]!;
  }
  entryPrice(account: number): number {
    this.world.assertReadable(this.venue, account, this.agent, "entryPrice");
    return this.v.entryPriceTicks(account);
  }
  liquidationPrice(account: number): number {
    this.world.assertReadable(this.venue, account, this.agent, "liquidationPrice");
    return this.v.accounts.trigger[account]!;
  }
  wallet(account: number): number {
    this.world.assertReadable(this.venue, account, this.agent, "wallet");
    return this.v.accounts.wallet[account]!;
  }
  marginBalance(account: number): number {
    this.world.assertReadable(this.venue, account, this.agent, "marginBalance");
    return this.v.marginBalanceUnits(account);
  }
  openBuyLots(account: number): number {
    this.world.assertReadable(this.venue, account, this.agent, "openBuyLots");
    return this.v.accounts.openBuyLots[account]!;
  }
  openSellLots(account: number): number {
    this.world.assertReadable(this.venue, account, this.agent, "openSellLots");
    return this.v.accounts.openSellLots[account]!;
  }
}

class SpotViewImpl implements SpotView {
  constructor(
    private readonly v: SpotVenue,
    private readonly world: SimWorld,
    private readonly venue: number,
    private readonly agent: number,
  ) {}
  bestBid(): number {
    return this.v.book.bestBid();
  }
  bestAsk(): number {
    return this.v.book.bestAsk();
  }
  mid(): number {
    return this.v.mid();
  }
  lastTrade(): number {
    return this.v.lastTradeTicks;
  }
  qtyInRange(side: Side, loTicks: number, hiTicks: number): number {
    return this.v.book.qtyInRange(side, loTicks, hiTicks);
  }
  cash(account: number): number {
    this.world.assertReadable(this.venue, account, this.agent, "cash");
    return this.v.cash(account);
  }
  asset(account: number): number {
    this.world.assertReadable(this.venue, account, this.agent, "asset");
    return this.v.asset(account);
  }
  lockedCash(account: number): number {
    this.world.assertReadable(this.venue, account, this.agent, "lockedCash");
    return this.v.lockedCash(account);
  }
  lockedAsset(account: number): number {
    this.world.assertReadable(this.venue, account, this.agent, "lockedAsset");
    return this.v.lockedAsset(account);
  }
  makerFeePpm(): number {
    return this.v.makerFeePpm;
  }
  takerFeePpm(): number {
    return this.v.takerFeePpm;
  }
}

class AgentContextImpl implements AgentContext {
  private readonly views = new Map<number, PerpView | SpotView>();
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

  perp(venue: number): PerpView {
    let view = this.views.get(venue);
    if (view === undefined) {
      const v = this.world.venueAt(venue);
      if (!(v instanceof PerpVenue)) throw new ConfigError("venue", venue, "is not a perpetual venue");
      view = new PerpViewImpl(v, this.world, venue, this.agentIndex);
      this.views.set(venue, view);
    }
    return view as PerpView;
  }

  spot(venue: number): SpotView {
    let view = this.views.get(venue);
    if (view === undefined) {
      const v = this.world.venueAt(venue);
      if (!(v instanceof SpotVenue)) throw new ConfigError("venue", venue, "is not a spot venue");
      view = new SpotViewImpl(v, this.world, venue, this.agentIndex);
      this.views.set(venue, view);
    }
    return view as SpotView;
  }

  openPerpAccount(venue: number, options: PerpAccountOptions = {}): number {
    const v = this.world.venueAt(venue);
    if (!(v instanceof PerpVenue)) throw new ConfigError("venue", venue, "is not a perpetual venue");
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
    const v = this.world.venueAt(venue);
    if (!(v instanceof PerpVenue)) throw new ConfigError("venue", venue, "is not a perpetual venue");
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
    const v = this.world.venueAt(venue);
    if (!(v instanceof SpotVenue)) throw new ConfigError("venue", venue, "is not a spot venue");
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
    const v = this.world.venueAt(venue);
    if (!(v instanceof PerpVenue)) throw new ConfigError("venue", venue, "is not a perpetual venue");
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
    const v = this.world.venueAt(venue);
    if (!(v instanceof PerpVenue)) throw new ConfigError("venue", venue, "is not a perpetual venue");
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
    const h = this.world.command(this.agentIndex, venue, VenueOp.AddMargin, account);
    this.fill(h, -1, 0 as Side, 0, 0, 0, false);
    this.world.pool.amount[h] = amountUnits;
  }

  deposit(venue: number, account: number, amountUnits: number): void {
    const h = this.world.command(this.agentIndex, venue, VenueOp.Deposit, account);
    this.fill(h, -1, 0 as Side, 0, 0, 0, false);
    this.world.pool.amount[h] = amountUnits;
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
  perp(venue: number): PerpView {
    return this.ctx.perp(venue);
  }
  spot(venue: number): SpotView {
    return this.ctx.spot(venue);
  }
}
