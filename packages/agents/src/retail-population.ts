/**
 * The retail population: up to 10^6 leveraged traders on one perpetual venue, run by one agent and
 * held as typed-array columns (one slot per trader), never as one object per trader. They are the
 * cascade's protagonists: months of bullish momentum leave many of them long at high leverage, and
 * their stops and liquidations sell into the same book when the price turns.
 *
 * ## Model
 * - **Traits** (drawn once per account at start): leverage L ~ categorical(`leverage`), capital
 *   C ~ LogNormal(ln `capital.median`, `capital.sigma`) USDT deposited into the account's wallet,
 *   and — with probability `addMarginFraction`, isolated margin only — being a *defender*.
 * - **Size** of an opening: margin share f = min(1, Pareto(`marginFraction.min`, `marginFraction.alpha`));
 *   lots = ⌊f·W / (P·m·(1/L + fee))⌋, cut to `maxPositionNotional`, at least 1 lot when the wallet W
 *   affords it (P = protection price of the order, or the entry for initial longs).
 * - **Initial state**: each account is long with probability `initialOpenFraction`, bought at
 *   E = S·(1 − `rally.depth`·U^`rally.shape`) below the start price S, created off-book with
 *   `AgentContext.seedPosition` against one cross-margin *carry desk* account owned by this agent
 *   — the cash-and-carry desk that sold the rally's longs while holding spot. The desk is funded
 *   with `carryCollateralRatio` × the seeded notional at S, so it is not liquidatable in practice;
 *   its short just sits there (it can be auto-deleveraged, as real desks are). With
 *   `counterparty`, the longs are seeded against the account another agent offered instead (a
 *   basis desk that trades and hedges), and no inert desk exists.
 * - **Arrivals**: every `checkIntervalNs` the population draws N ~ Poisson(λ·Δt) openings, with
 *   λ = base·min(e^{κ·r_L}, `maxRateMultiplier`) + base·`dipBuyingIntensity`·max(0, −r_L), where
 *   r_L = ln(mark_now / mark_{now−`momentumLookbackNs`}) (sampled at the wake-ups). Each opening
 *   takes a flat account uniformly at random from a free list (O(1)) and sends a market buy with
 *   protection `slippagePpm` above the best ask.
 * - **Stop-losses**: a fraction `stopLossFraction` of positions get a stop at
 *   ⌊E·(1 − d)⌋, d ~ U[`stopDistance.min`, `stopDistance.max`] (only when above the liquidation
 *   price, where it can matter). Stops wait in a max-heap keyed by stop price; at each wake every
 *   stop ≥ the **last trade** price fires a reduce-only market sell of the whole position (stops are
 *   triggered by the last price on the large venues; liquidations by the mark). A stop that fills
 *   only partly stays armed.
 * - **Defence** ("add margin"): a defender whose mark falls to liquidation × (1 + `addMarginDistancePpm`)
 *   moves `addMarginShare` of its free wallet into the position's margin, once per position. The
 *   danger prices wait in a max-heap; the trigger is computed when the position opens (funding
 *   later drifts the real liquidation price a little: a documented simplification).
 * - **Voluntary exits** (with `meanHoldingNs` > 0): each open position draws an exit time
 *   now + Exp(`meanHoldingNs`) when it opens (seeded positions at the start); exit times wait in a
 *   min-heap, and at each wake every due one sends a reduce-only market sell of the whole position
 *   (its stop is disarmed). Without them the only sellers are stops and liquidations, so retail
 *   flow is one-sided buying.
 * - **Exits**: a position closed by a stop, liquidation or auto-deleveraging returns its account to
 *   the free list after `reentryCooldownNs` (a FIFO, since the cooldown is constant), or removes it
 *   for good when its wallet is below `minCapital`.
 *
 * Per wake-up the work is O(arrivals + triggers popped + cooldowns released) (times log n for
 * the heaps), never O(population). Reports: only Rejected, Done, Liquidated and Deleveraged are
 * subscribed; the account's state is then read back from the venue's own-account view.
 *
 * @module
 */

import { ConfigError, type Instrument, type RandomStream, RejectCode, Side } from "@cascade/core";
import { TriggerHeap, VenueEventKind } from "@cascade/exchange";
import type { Agent, AgentContext, AgentMessage, PerpView } from "@cascade/sim";
import { type NewsActivity, newsActivity } from "./news-activity.ts";
import {
  type ResolvedRetailConfig,
  type RetailPopulationConfig,
  resolveRetailConfig,
} from "./retail-config.ts";
import {
  cumulativeWeights,
  dangerPriceTicks,
  dipRate,
  drawMarginFraction,
  MomentumWindow,
  momentumRate,
  positionLots,
  rallyEntryTicks,
  stopPriceTicks,
} from "./retail-model.ts";

/** Life-cycle state of one retail slot ({@link RetailPopulation.slotState}). */
export const RetailSlotState = {
  /** Flat, in the free list: may open a position. */
  Free: 0,
  /** A market buy is on its way. */
  Opening: 1,
  /** Holds a long. */
  Open: 2,
  /** Holds a long and a stop-loss sell is on its way. */
  Closing: 3,
  /** Flat, waiting out the re-entry cooldown. */
  Cooldown: 4,
  /** Out of capital: never trades again. */
  Out: 5,
} as const;
/** One of the {@link RetailSlotState} values. */
export type RetailSlotState = (typeof RetailSlotState)[keyof typeof RetailSlotState];

/** Per-slot flag bits. */
const DEFENDER = 1;
const DEFENDED = 2;
const LIQUIDATED = 4;
/** The closing order on its way is a voluntary exit, not a stop. */
const EXITING = 8;

const NO_PRICE = -1;

/**
 * Venue reports the population needs: rejections, order ends, liquidations and deleveraging (not
 * fills — the position is read back when the order ends — nor acceptances or funding).
 */
export const RETAIL_SUBSCRIPTIONS: number =
  (1 << VenueEventKind.Rejected) |
  (1 << VenueEventKind.Done) |
  (1 << VenueEventKind.Liquidated) |
  (1 << VenueEventKind.Deleveraged);

/**
 * One agent (kind `"retail"`) running a population of retail accounts on one perpetual venue.
 * See the module documentation for the model and {@link RetailPopulationConfig} for every field.
 *
 * @example
 * ```ts
 * const world = createWorld({
 *   seed: 1,
 *   venues: [{ kind: "perp", name: "perp", config: perpConfig, index: { process: { initialTicks: 700_000, volatilityPerSqrtSecond: 0.001 } } }],
 *   agents: [maker, new RetailPopulation({ venue: "perp", count: 100_000 })],
 * });
 * const r = world.run(seconds(600));
 * r.timeseries.retail_open_positions; // sampled gauge
 * ```
 */
export class RetailPopulation implements Agent {
  readonly name: string;
  readonly kind = "retail";
  readonly subscriptions = RETAIL_SUBSCRIPTIONS;
  /** The validated configuration. */
  readonly config: ResolvedRetailConfig;
  /** Number of accounts. */
  readonly count: number;

  // Columns, one entry per slot (slot i = account firstAccount + i).
  /** Leverage of each slot. */
  readonly leverage: Uint16Array;
  private readonly state: Uint8Array;
  private readonly flags: Uint8Array;
  /** Position size as last seen, lots (0 when flat). */
  private readonly lots: Float64Array;
  /** Entry price of the current position, ticks (fractional). */
  private readonly entry: Float64Array;
  /** Stop price, ticks (0 = no stop). */
  private readonly stop: Int32Array;
  /** Order id of the pending opening or stop order (-1 none). */
  private readonly order: Float64Array;
  // Free list (flat accounts that may open) and cooldown FIFO.
  private readonly free: Int32Array;
  private freeSize = 0;
  private readonly cdSlot: Int32Array;
  private readonly cdTime: Float64Array;
  private cdHead = 0;
  private cdSize = 0;
  // Triggers: max-heaps stored as min-heaps of −price.
  private readonly stops: TriggerHeap;
  private readonly dangers: TriggerHeap;
  /** Voluntary exit times (min-heap keyed by time, ns). */
  private readonly exits: TriggerHeap;
  private readonly momentum: MomentumWindow;

  private venue = -1;
  private first = -1;
  private desk = -1;
  private m = 1;
  private instrument: Instrument | null = null;
  private unitsPerQuote = 1;
  private maxNotionalUnits = 0;
  private minCapitalUnits = 0;
  private seeded = false;
  private phased = false;
  private lastWakeNs = 0;
  /** The shared news process (`activity` set), else null. */
  private news: NewsActivity | null = null;
  /** Activity multiplier since the last wake (1 without news). */
  private activityNow = 1;
  /** Business time at the last wake, ns: ∫ a dt (calendar time without news). */
  private businessNs = 0;
  /** Simulated time of the call being handled (for exit times drawn in {@link becomeOpen}). */
  private nowNs = 0;
  private lastMark = Number.NaN;
  private rngArrivals: RandomStream | null = null;
  private rngDecisions: RandomStream | null = null;

  // Running totals (gauges).
  private openPositions = 0;
  private openLots = 0;
  private liquidatedCount = 0;
  private stoppedOutCount = 0;
  private exitCount = 0;
  private arrivalCount = 0;
  private dipArrivalCount = 0;
  private deleveragedCount = 0;
  private marginAddCount = 0;
  private outCount = 0;
  private rejectedOpenCount = 0;
  private seededCount = 0;

  /** @throws {@link @cascade/core!ConfigError} naming the first bad field (`retail.…`). */
  constructor(config: RetailPopulationConfig) {
    this.config = resolveRetailConfig(config);
    const c = this.config;
    this.name = c.name;
    const n = c.count;
    this.count = n;
    this.leverage = new Uint16Array(n);
    this.state = new Uint8Array(n);
    this.flags = new Uint8Array(n);
    this.lots = new Float64Array(n);
    this.entry = new Float64Array(n);
    this.stop = new Int32Array(n);
    this.order = new Float64Array(n).fill(-1);
    this.free = new Int32Array(n);
    this.cdSlot = new Int32Array(n);
    this.cdTime = new Float64Array(n);
    this.stops = new TriggerHeap(n);
    this.dangers = new TriggerHeap(n);
    this.exits = new TriggerHeap(n);
    this.momentum = new MomentumWindow(Math.ceil(c.momentumLookbackNs / c.checkIntervalNs) + 1);
  }

  // ---------------------------------------------------------------------------------------------
  // Agent interface

  /** Opens the accounts (one per trader, with its leverage and capital) and, given a start price, seeds the initial longs. */
  start(ctx: AgentContext): void {
    const c = this.config;
    const v = ctx.venueIndex(c.venue);
    this.venue = v;
    const ins = ctx.instrument(v);
    this.instrument = ins;
    this.m = ins.quotePerTickLot;
    this.unitsPerQuote = 1 / ins.unitsToQuote(1);
    this.maxNotionalUnits = Math.floor(c.maxPositionNotional * this.unitsPerQuote);
    this.minCapitalUnits = Math.ceil(c.minCapital * this.unitsPerQuote);
    this.rngArrivals = ctx.rng("arrivals");
    if (c.activity !== null) this.news = newsActivity(ctx, c.activity);
    this.rngDecisions = ctx.rng("decisions");

    const rng = ctx.rng("traits");
    const values = c.leverage.values;
    const cum = cumulativeWeights(c.leverage.weights);
    const mu = Math.log(c.capital.median);
    const sigma = c.capital.sigma;
    const defend = c.isolated ? c.addMarginFraction : 0;
    // Traits first, then one bulk call: opening 10^6 accounts one by one grows every column by
    // repeated doubling.
    const deposits = new Float64Array(this.count);
    for (let i = 0; i < this.count; i++) {
      const k = rng.weightedIndex(cum);
      this.leverage[i] = values[k]!;
      deposits[i] = Math.max(1, Math.round(rng.lognormal(mu, sigma) * this.unitsPerQuote));
      if (defend > 0 && rng.bernoulli(defend)) this.flags[i] = DEFENDER;
    }
    try {
      this.first = ctx.openPerpAccounts(v, this.count, c.isolated, this.leverage, deposits);
    } catch (e) {
      if (e instanceof ConfigError && e.field.startsWith("leverage[")) {
        const lev = e.value as number;
        throw new ConfigError(`${c.name}.leverage.values[${values.indexOf(lev)}]`, lev, e.reason);
      }
      throw e;
    }
    if (c.startPrice !== null) {
      this.seed(ctx, ins.priceToTicks(c.startPrice, "nearest", `${c.name}.startPrice`));
    }
    ctx.wakeAt(1);
  }

  /** Seeds (once a price is known), releases cooldowns, fires stops and defences, draws arrivals. */
  onWake(ctx: AgentContext): void {
    const c = this.config;
    const now = ctx.nowNs;
    this.nowNs = now;
    const view = ctx.perp(this.venue);
    const mark = view.mark();
    if (!this.seeded) {
      const p = firstFinite(mark, view.index(), view.lastTrade());
      if (Number.isFinite(p)) this.seed(ctx, Math.round(p));
    }
    const dtSeconds = (now - this.lastWakeNs) / 1e9;
    // Business clock: holding times run at the news activity's pace (calendar time without news).
    this.businessNs += this.activityNow * (now - this.lastWakeNs);
    this.activityNow = this.news === null ? 1 : this.news.at(now);
    this.lastWakeNs = now;

    // Cooldowns over: back to the free list (FIFO, the cooldown is constant).
    while (this.cdSize > 0 && this.cdTime[this.cdHead]! <= now) {
      const i = this.cdSlot[this.cdHead]!;
      this.cdHead = (this.cdHead + 1) % this.count;
      this.cdSize--;
      this.pushFree(i);
    }

    if (Number.isFinite(mark)) {
      this.momentum.push(mark);
      this.lastMark = mark;
    }
    const r = this.momentum.logReturn();

    // Stops: every stop at or above the last trade fires.
    const last = view.lastTrade();
    if (Number.isFinite(last)) {
      while (this.stops.size > 0 && -this.stops.topKey() >= last) {
        const i = this.stops.pop();
        if (this.state[i] === RetailSlotState.Open) {
          this.exits.remove(i);
          this.sendStop(ctx, view, i);
        }
      }
    }

    // Voluntary exits due by now.
    while (this.exits.size > 0 && this.exits.topKey() <= this.businessNs) {
      const i = this.exits.pop();
      if (this.state[i] === RetailSlotState.Open) {
        this.stops.remove(i);
        this.exitCount++;
        this.flags[i] = this.flags[i]! | EXITING;
        this.sendStop(ctx, view, i);
      }
    }

    // Defences: every danger price at or above the mark fires.
    if (Number.isFinite(mark)) {
      while (this.dangers.size > 0 && -this.dangers.topKey() >= mark) {
        const i = this.dangers.pop();
        if (this.state[i] === RetailSlotState.Open) this.defend(ctx, view, i, mark);
      }
    }

    // Arrivals: momentum buyers and dip buyers, Poisson over the interval.
    if (this.seeded && dtSeconds > 0) {
      const rng = this.rngArrivals!;
      const base = c.arrivalsPerSecond * this.activityNow;
      const nMomentum = rng.poisson(momentumRate(base, c.momentumKappa, c.maxRateMultiplier, r) * dtSeconds);
      const nDip = rng.poisson(dipRate(base, c.dipBuyingIntensity, r) * dtSeconds);
      for (let k = 0; k < nMomentum + nDip && this.freeSize > 0; k++) {
        this.openOne(ctx, view, k >= nMomentum);
      }
    }
    if (this.phased) {
      ctx.wakeAfter(c.checkIntervalNs);
    } else {
      // A random phase, so the population's clock does not lock onto other agents' or the venue's.
      this.phased = true;
      ctx.wakeAfter(1 + Math.floor(this.rngArrivals!.next() * c.checkIntervalNs));
    }
  }

  /** Updates the columns from a report about one of the population's accounts. */
  onMessage(ctx: AgentContext, msg: AgentMessage): void {
    const i = msg.account - this.first;
    if (i < 0 || i >= this.count) return; // the carry desk (or not ours)
    this.nowNs = ctx.nowNs;
    const view = ctx.perp(this.venue);
    switch (msg.kind) {
      case VenueEventKind.Done: {
        if (msg.orderId !== this.order[i]) return; // stale
        this.order[i] = -1;
        const st = this.state[i];
        if (st === RetailSlotState.Opening) {
          if (view.position(this.first + i) > 0) this.becomeOpen(view, i);
          else this.afterFlat(ctx, view, i);
        } else if (st === RetailSlotState.Closing) {
          if (view.position(this.first + i) === 0 && (this.flags[i]! & (LIQUIDATED | EXITING)) === 0)
            this.stoppedOutCount++;
          this.state[i] = RetailSlotState.Open;
          this.sync(ctx, view, i);
          this.rearmStop(i);
        }
        return;
      }
      case VenueEventKind.Rejected: {
        if (msg.orderId < 0 || msg.orderId !== this.order[i]) return; // stale, or a refused margin transfer
        this.order[i] = -1;
        const st = this.state[i];
        if (st === RetailSlotState.Opening) {
          this.rejectedOpenCount++;
          this.afterFlat(ctx, view, i);
        } else if (st === RetailSlotState.Closing) {
          this.state[i] = RetailSlotState.Open;
          this.sync(ctx, view, i);
          this.rearmStop(i);
        }
        return;
      }
      case VenueEventKind.Liquidated:
        if ((this.flags[i]! & LIQUIDATED) === 0) {
          this.flags[i] = this.flags[i]! | LIQUIDATED;
          this.liquidatedCount++;
        }
        this.sync(ctx, view, i);
        return;
      case VenueEventKind.Deleveraged:
        this.deleveragedCount++;
        this.sync(ctx, view, i);
        return;
      default:
        return;
    }
  }

  /**
   * Gauges (prefixed `retail_` by the recorder): open positions, long notional (USDT at the mark),
   * cumulative liquidated accounts, stopped-out positions, arrivals (of which dip buys),
   * deleveraged positions, margin additions, accounts out of capital, flat accounts free to open.
   */
  gauges(record: (name: string, value: number) => void): void {
    record("open_positions", this.openPositions);
    record("long_notional", this.longNotional());
    record("liquidated_accounts", this.liquidatedCount);
    record("stopped_out", this.stoppedOutCount);
    record("voluntary_exits", this.exitCount);
    record("arrivals", this.arrivalCount);
    record("dip_arrivals", this.dipArrivalCount);
    record("deleveraged", this.deleveragedCount);
    record("margin_adds", this.marginAddCount);
    record("out_of_capital", this.outCount);
    record("flat_free", this.freeSize);
  }

  // ---------------------------------------------------------------------------------------------
  // Read-only accessors (tests, diagnostics)

  /** Account id of slot `i`. */
  accountOf(i: number): number {
    return this.first + i;
  }

  /** Account id of the carry desk (-1 before seeding or when nothing was seeded). */
  get carryDeskAccount(): number {
    return this.desk;
  }

  /** Life-cycle state of slot `i` ({@link RetailSlotState}). */
  slotState(i: number): RetailSlotState {
    return this.state[i]! as RetailSlotState;
  }

  /** Stop price of slot `i` in ticks (0 = none). */
  stopOf(i: number): number {
    return this.stop[i]!;
  }

  /** Whether slot `i` defends its positions by adding margin. */
  isDefender(i: number): boolean {
    return (this.flags[i]! & DEFENDER) !== 0;
  }

  /** Running totals. */
  get stats(): {
    openPositions: number;
    openLots: number;
    seeded: number;
    liquidated: number;
    stoppedOut: number;
    arrivals: number;
    dipArrivals: number;
    deleveraged: number;
    marginAdds: number;
    outOfCapital: number;
    rejectedOpens: number;
    free: number;
    cooling: number;
    armedStops: number;
    armedDefences: number;
  } {
    return {
      openPositions: this.openPositions,
      openLots: this.openLots,
      seeded: this.seededCount,
      liquidated: this.liquidatedCount,
      stoppedOut: this.stoppedOutCount,
      arrivals: this.arrivalCount,
      dipArrivals: this.dipArrivalCount,
      deleveraged: this.deleveragedCount,
      marginAdds: this.marginAddCount,
      outOfCapital: this.outCount,
      rejectedOpens: this.rejectedOpenCount,
      free: this.freeSize,
      cooling: this.cdSize,
      armedStops: this.stops.size,
      armedDefences: this.dangers.size,
    };
  }

  // ---------------------------------------------------------------------------------------------
  // Internals

  /**
   * Builds the initial state at start price `startTicks`: draws which accounts hold a rally long
   * and its size, funds the carry desk for all of them, then seeds each pair off-book. Accounts
   * without a position go to the free list.
   */
  private seed(ctx: AgentContext, startTicks: number): void {
    this.seeded = true;
    const c = this.config;
    const v = this.venue;
    const view = ctx.perp(v);
    const rng = ctx.rng("seed");
    let totalLots = 0;
    for (let i = 0; i < this.count; i++) {
      if (!rng.bernoulli(c.initialOpenFraction)) continue;
      const e = rallyEntryTicks(startTicks, c.rally.depth, c.rally.shape, rng.next());
      const wallet = view.wallet(this.first + i);
      const f = drawMarginFraction(rng, c.marginFraction.min, c.marginFraction.alpha);
      const q = positionLots(
        Math.floor(wallet * f),
        wallet,
        this.leverage[i]!,
        e,
        this.m,
        0,
        this.maxNotionalUnits,
      );
      if (q < 1) continue;
      this.lots[i] = q;
      this.entry[i] = e;
      totalLots += q;
    }
    if (totalLots > 0 && c.counterparty !== null) {
      // Another agent (a basis desk) holds the short side; it funded its own account.
      this.desk = ctx.seedCounterparty(v, c.counterparty);
    } else if (totalLots > 0) {
      const deposit = Math.ceil(c.carryCollateralRatio * totalLots * startTicks * this.m);
      if (!Number.isSafeInteger(deposit)) {
        throw new ConfigError(
          `${c.name}.count`,
          c.count,
          "seeds more notional than integer quote units can hold exactly (lower count, capital or initialOpenFraction)",
        );
      }
      this.desk = ctx.openPerpAccount(v, { isolated: false, leverage: 1, depositUnits: deposit });
    }
    // One bulk call: the desk's liquidation trigger is computed once, not once per position.
    let n = 0;
    for (let i = 0; i < this.count; i++) if (this.lots[i]! > 0) n++;
    const longs = new Int32Array(n);
    const lots = new Float64Array(n);
    const prices = new Float64Array(n);
    n = 0;
    for (let i = 0; i < this.count; i++) {
      if (this.lots[i]! > 0) {
        longs[n] = this.first + i;
        lots[n] = this.lots[i]!;
        prices[n++] = this.entry[i]!;
      }
    }
    const code = n > 0 ? ctx.seedPositions(v, longs, lots, prices, this.desk) : RejectCode.None;
    if (code !== RejectCode.None && c.counterparty !== null) {
      throw new ConfigError(
        `${c.name}.counterparty`,
        c.counterparty,
        `refused the seeded positions (reject code ${code}): fund its account for ${n} longs`,
      );
    }
    const seeded = n > 0 && code === RejectCode.None;
    for (let i = 0; i < this.count; i++) {
      const q = this.lots[i]!;
      this.lots[i] = 0;
      if (q > 0 && seeded) {
        this.seededCount++;
        this.becomeOpen(view, i);
        continue;
      }
      this.pushFree(i);
    }
  }

  /** Records a freshly opened position of slot `i` and arms its stop and defence. */
  private becomeOpen(view: PerpView, i: number): void {
    const c = this.config;
    const a = this.first + i;
    const pos = view.position(a);
    this.state[i] = RetailSlotState.Open;
    this.flags[i] = this.flags[i]! & DEFENDER;
    this.lots[i] = pos;
    this.entry[i] = view.entryPrice(a);
    this.openPositions++;
    this.openLots += pos;
    const liq = view.liquidationPrice(a);
    const rng = this.rngDecisions!;
    this.stop[i] = 0;
    if (c.stopLossFraction > 0 && rng.bernoulli(c.stopLossFraction)) {
      const sp = stopPriceTicks(this.entry[i]!, rng.uniform(c.stopDistance.min, c.stopDistance.max));
      if (sp >= 1 && sp > liq) {
        this.stop[i] = sp;
        this.stops.set(i, -sp);
      }
    }
    if ((this.flags[i]! & DEFENDER) !== 0 && liq > 0) {
      this.dangers.set(i, -dangerPriceTicks(liq, c.addMarginDistancePpm));
    }
    if (c.meanHoldingNs > 0)
      this.exits.set(i, this.businessAt(this.nowNs) + rng.exponential(1 / c.meanHoldingNs));
  }

  /** Reconciles an open slot with the venue: closed → cooldown/out; resized → new size and defence trigger. */
  private sync(ctx: AgentContext, view: PerpView, i: number): void {
    const st = this.state[i];
    if (st !== RetailSlotState.Open && st !== RetailSlotState.Closing) return;
    const a = this.first + i;
    const pos = view.position(a);
    if (pos === this.lots[i]) return;
    if (pos <= 0) {
      this.openPositions--;
      this.openLots -= this.lots[i]!;
      this.lots[i] = 0;
      this.stop[i] = 0;
      this.order[i] = -1; // a stop still on its way is now stale
      this.stops.remove(i);
      this.dangers.remove(i);
      this.exits.remove(i);
      this.afterFlat(ctx, view, i);
      return;
    }
    this.openLots += pos - this.lots[i]!;
    this.lots[i] = pos;
    if ((this.flags[i]! & (DEFENDER | DEFENDED)) === DEFENDER) {
      const liq = view.liquidationPrice(a);
      if (liq > 0) this.dangers.set(i, -dangerPriceTicks(liq, this.config.addMarginDistancePpm));
      else this.dangers.remove(i);
    }
  }

  /** A flat slot: out of the market when its wallet is below the minimum, else back to the free list (after the cooldown when it had a position). */
  private afterFlat(ctx: AgentContext, view: PerpView, i: number): void {
    const wasOpen = this.state[i] === RetailSlotState.Open || this.state[i] === RetailSlotState.Closing;
    if (view.wallet(this.first + i) < this.minCapitalUnits) {
      this.state[i] = RetailSlotState.Out;
      this.outCount++;
      return;
    }
    const cooldown = this.config.reentryCooldownNs;
    if (!wasOpen || cooldown === 0) {
      this.pushFree(i);
      return;
    }
    this.state[i] = RetailSlotState.Cooldown;
    const tail = (this.cdHead + this.cdSize) % this.count;
    this.cdSlot[tail] = i;
    this.cdTime[tail] = ctx.nowNs + cooldown;
    this.cdSize++;
  }

  private pushFree(i: number): void {
    this.state[i] = RetailSlotState.Free;
    this.free[this.freeSize++] = i;
  }

  /** Business time at `nowNs` (≥ the last wake), ns. */
  private businessAt(nowNs: number): number {
    return this.businessNs + this.activityNow * (nowNs - this.lastWakeNs);
  }

  /**
   * Re-arms the stop of a slot still open after its closing order (partial fill, halt, rejection);
   * an exit that did not close the position is tried again at the next wake.
   */
  private rearmStop(i: number): void {
    if (this.state[i] !== RetailSlotState.Open) return;
    if ((this.flags[i]! & EXITING) !== 0) {
      this.flags[i] = this.flags[i]! & ~EXITING;
      this.exits.set(i, this.businessAt(this.nowNs));
      return;
    }
    if (this.stop[i]! > 0) this.stops.set(i, -this.stop[i]!);
  }

  /** One opening: a random flat account sends a market buy sized by its wallet, leverage and margin share. */
  private openOne(ctx: AgentContext, view: PerpView, dip: boolean): void {
    const c = this.config;
    const ask = view.bestAsk();
    if (ask <= 0) return; // nothing to buy from: the arrival is lost
    const rng = this.rngArrivals!;
    const k = rng.int(this.freeSize);
    const i = this.free[k]!;
    this.free[k] = this.free[--this.freeSize]!;
    const a = this.first + i;
    const wallet = view.wallet(a);
    const protection = Math.ceil((ask * (1e6 + c.slippagePpm)) / 1e6);
    const f = drawMarginFraction(rng, c.marginFraction.min, c.marginFraction.alpha);
    const q = positionLots(
      Math.floor(wallet * f),
      wallet,
      this.leverage[i]!,
      protection,
      this.m,
      c.feeAllowancePpm,
      this.maxNotionalUnits,
    );
    if (q < 1) {
      this.state[i] = RetailSlotState.Free;
      this.afterFlat(ctx, view, i);
      return;
    }
    this.order[i] = ctx.market(this.venue, a, Side.Buy, q, protection, false);
    this.state[i] = RetailSlotState.Opening;
    this.arrivalCount++;
    if (dip) this.dipArrivalCount++;
  }

  /** Sends slot `i`'s stop-loss: a reduce-only market sell of the whole position. */
  private sendStop(ctx: AgentContext, view: PerpView, i: number): void {
    const a = this.first + i;
    const pos = view.position(a);
    if (pos <= 0) return; // already closed: the report on its way will tidy up
    const ppm = this.config.stopSlippagePpm;
    const bid = view.bestBid();
    const protection =
      ppm === null || bid <= 0 ? NO_PRICE : Math.max(1, Math.floor((bid * (1e6 - ppm)) / 1e6));
    this.order[i] = ctx.market(this.venue, a, Side.Sell, pos, protection, true);
    this.state[i] = RetailSlotState.Closing;
  }

  /** Slot `i` defends its position: moves a share of its free wallet into the position's margin, once. */
  private defend(ctx: AgentContext, view: PerpView, i: number, mark: number): void {
    this.flags[i] = this.flags[i]! | DEFENDED;
    const a = this.first + i;
    const pos = view.position(a);
    if (pos <= 0) return;
    // Isolated margin = margin balance − unrealised PnL (at the mark the view uses).
    const upnl = pos * this.m * (mark - view.entryPrice(a));
    const free = view.wallet(a) - (view.marginBalance(a) - upnl);
    const amount = Math.floor((free - 2) * this.config.addMarginShare);
    if (amount < 1) return;
    ctx.addMargin(this.venue, a, amount);
    this.marginAddCount++;
  }

  private longNotional(): number {
    const ins = this.instrument;
    if (ins === null || !Number.isFinite(this.lastMark)) return 0;
    return ins.lotsToQty(this.openLots) * ins.ticksToPrice(this.lastMark);
  }
}

function firstFinite(a: number, b: number, c: number): number {
  return Number.isFinite(a) ? a : Number.isFinite(b) ? b : c;
}
