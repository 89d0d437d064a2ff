/**
 * An exogenous shock: one seller (or buyer) that works a fixed quantity into one venue — perpetual
 * or spot — over a time window, in evenly spaced child orders, regardless of price. It is what
 * starts the slide in a cascade experiment.
 *
 * Model: `totalQty` (base units) is split over `slices` child orders at `startNs + k × interval`,
 * `interval = durationNs / slices` (or `sliceIntervalNs`, with `slices = max(1, floor(durationNs /
 * sliceIntervalNs))`). Slice k brings the executed quantity up to the schedule
 * `floor(total × (k + 1) / slices)` (minus what is still in flight), so whatever a slice could not
 * fill is carried into the next; after the window the remainder keeps being sent every interval
 * (every second when the interval is 0) until the total has executed. Child orders are market
 * orders (`orderType: "market"`) or IOC limits `limitOffsetPpm` through the best opposite price
 * (`"ioc-limit"`: a sell at `floor(bestBid × (1 − offset))`, a buy at `ceil(bestAsk × (1 + offset))`);
 * a slice that finds the opposite side empty is carried over.
 *
 * Capital is sized so the shock is never refused: the account is opened at the first slice (no
 * latency), when a price is known — a cross-margin perpetual account at leverage 1 with a deposit
 * of `capitalMultiple` × the total order value at the reference price (mark, else mid, else last
 * trade, else index), or a spot account holding the asset to sell (sells) or `capitalMultiple` ×
 * the order value in cash (buys).
 *
 * @example
 * ```ts
 * new Shock({ name: "shock", venue: "perp", totalQty: "50", startNs: seconds(60), durationNs: seconds(30), slices: 30 });
 * ```
 *
 * @module
 */

import { ConfigError, type Instrument, NS_PER_SECOND, parseDecimal, Side } from "@cascade/core";
import { VenueEventKind } from "@cascade/exchange";
import { TimeInForce } from "@cascade/matching-engine";
import type { Agent, AgentContext, AgentMessage, PerpView, SpotView } from "@cascade/sim";

/** Configuration of a {@link Shock}. */
export interface ShockConfig {
  /** Unique agent name. Default `"shock"`. */
  readonly name?: string;
  /** Venue name (perpetual or spot). */
  readonly venue: string;
  /** Direction. Default `"sell"`. */
  readonly side?: "sell" | "buy";
  /** Total quantity, base units (human decimal, on the venue's lot grid), e.g. `"25"`. */
  readonly totalQty: string | number;
  /** Time of the first child order, ns. */
  readonly startNs: number;
  /** Length of the window the child orders are spread over, ns (0: all at `startNs`). */
  readonly durationNs: number;
  /** Number of child orders (default 10 when `sliceIntervalNs` is not given). */
  readonly slices?: number;
  /** Spacing of child orders, ns (alternative to `slices`). */
  readonly sliceIntervalNs?: number;
  /** Child order type. Default `"market"`. */
  readonly orderType?: "market" | "ioc-limit";
  /** For `"ioc-limit"`: limit price offset through the best opposite price, ppm. Default 10,000 (1 %). */
  readonly limitOffsetPpm?: number;
  /** Capital as a multiple of the total order value at the first slice's price. Default 3. */
  readonly capitalMultiple?: number;
  /** Median one-way latency of the agent's links, ns (default: the world's). */
  readonly latencyMedianNs?: number;
}

/** {@link ShockConfig} validated, with defaults and the derived slice count and interval (ns); `side` as a {@link Side} code. */
export interface ResolvedShockConfig {
  readonly name: string;
  readonly venue: string;
  readonly side: Side;
  readonly totalQty: string | number;
  readonly startNs: number;
  readonly durationNs: number;
  readonly slices: number;
  readonly sliceIntervalNs: number;
  readonly orderType: "market" | "ioc-limit";
  readonly limitOffsetPpm: number;
  readonly capitalMultiple: number;
  readonly latencyMedianNs: number | undefined;
}

const F = "shock";

/**
 * Validates a shock configuration and derives the slice schedule.
 * @throws {@link @cascade/core!ConfigError} naming the field, e.g. `shock.slices = 0: must be a positive integer`.
 * @example
 * ```ts
 * resolveShockConfig({ venue: "perp", totalQty: "10", startNs: 0, durationNs: 60e9, sliceIntervalNs: 5e9 }).slices; // 12
 * ```
 */
export function resolveShockConfig(c: ShockConfig): ResolvedShockConfig {
  if (c === null || typeof c !== "object") throw new ConfigError(F, c, "must be an object");
  const name = c.name ?? "shock";
  if (typeof name !== "string" || name === "")
    throw new ConfigError(`${F}.name`, c.name, "must be a non-empty string");
  if (typeof c.venue !== "string" || c.venue === "")
    throw new ConfigError(`${F}.venue`, c.venue, "must name a venue of the world");
  const sideName = c.side ?? "sell";
  if (sideName !== "sell" && sideName !== "buy")
    throw new ConfigError(`${F}.side`, c.side, 'must be "sell" or "buy"');
  if (c.totalQty === undefined)
    throw new ConfigError(`${F}.totalQty`, c.totalQty, "is required (base units)");
  const q = parseDecimal(`${F}.totalQty`, c.totalQty);
  if (q.mantissa <= 0n) throw new ConfigError(`${F}.totalQty`, c.totalQty, "must be > 0");
  const nonNegInt = (field: string, v: unknown): number => {
    if (!(typeof v === "number" && Number.isSafeInteger(v) && v >= 0))
      throw new ConfigError(`${F}.${field}`, v, "must be an integer ≥ 0 (ns)");
    return v;
  };
  const startNs = nonNegInt("startNs", c.startNs);
  const durationNs = nonNegInt("durationNs", c.durationNs);
  let slices: number;
  let sliceIntervalNs: number;
  if (c.slices !== undefined && c.sliceIntervalNs !== undefined) {
    throw new ConfigError(
      `${F}.sliceIntervalNs`,
      c.sliceIntervalNs,
      "give either slices or sliceIntervalNs, not both",
    );
  }
  if (c.sliceIntervalNs !== undefined) {
    const iv = c.sliceIntervalNs;
    if (!(typeof iv === "number" && Number.isSafeInteger(iv) && iv > 0))
      throw new ConfigError(`${F}.sliceIntervalNs`, iv, "must be a positive integer (ns)");
    sliceIntervalNs = iv;
    slices = Math.max(1, Math.floor(durationNs / iv));
  } else {
    const n = c.slices ?? 10;
    if (!(typeof n === "number" && Number.isSafeInteger(n) && n > 0))
      throw new ConfigError(`${F}.slices`, c.slices, "must be a positive integer");
    slices = n;
    sliceIntervalNs = Math.floor(durationNs / n);
  }
  const orderType = c.orderType ?? "market";
  if (orderType !== "market" && orderType !== "ioc-limit")
    throw new ConfigError(`${F}.orderType`, c.orderType, 'must be "market" or "ioc-limit"');
  const limitOffsetPpm = c.limitOffsetPpm ?? 10_000;
  if (!(Number.isInteger(limitOffsetPpm) && limitOffsetPpm >= 0 && limitOffsetPpm < 1_000_000))
    throw new ConfigError(`${F}.limitOffsetPpm`, c.limitOffsetPpm, "must be an integer in [0, 1000000)");
  const capitalMultiple = c.capitalMultiple ?? 3;
  if (!(typeof capitalMultiple === "number" && Number.isFinite(capitalMultiple) && capitalMultiple >= 1.1))
    throw new ConfigError(`${F}.capitalMultiple`, c.capitalMultiple, "must be a number ≥ 1.1");
  const lat = c.latencyMedianNs;
  if (lat !== undefined && !(typeof lat === "number" && Number.isFinite(lat) && lat >= 0))
    throw new ConfigError(`${F}.latencyMedianNs`, lat, "must be a finite number ≥ 0 (ns)");
  return {
    name,
    venue: c.venue,
    side: sideName === "sell" ? Side.Sell : Side.Buy,
    totalQty: c.totalQty,
    startNs,
    durationNs,
    slices,
    sliceIntervalNs,
    orderType,
    limitOffsetPpm,
    capitalMultiple,
    latencyMedianNs: lat,
  };
}

/**
 * Cumulative lots a shock of `totalLots` in `slices` slices has scheduled after slice `k`
 * (0-based): `floor(total × (k + 1) / slices)`, capped at the total.
 * @example
 * ```ts
 * shockScheduleLots(10, 3, 0); // 3
 * shockScheduleLots(10, 3, 2); // 10
 * ```
 */
export function shockScheduleLots(totalLots: number, slices: number, k: number): number {
  if (k >= slices - 1) return totalLots;
  return Math.floor((totalLots * (k + 1)) / slices);
}

/**
 * Limit price of an `"ioc-limit"` child order, ticks: a sell `floor(bestBid × (1 − offset))` (at
 * least 1), a buy `ceil(bestAsk × (1 + offset))`; -1 when the opposite side is empty.
 * @example
 * ```ts
 * shockLimitPriceTicks(Side.Sell, 700_000, 10_000); // 693_000
 * ```
 */
export function shockLimitPriceTicks(side: Side, bestOppositeTicks: number, limitOffsetPpm: number): number {
  if (!(bestOppositeTicks > 0)) return -1;
  const f = limitOffsetPpm / 1e6;
  return side === Side.Sell
    ? Math.max(1, Math.floor(bestOppositeTicks * (1 - f)))
    : Math.ceil(bestOppositeTicks * (1 + f));
}

/**
 * The shock agent (see the module documentation). `kind` is `"shock"`; gauges: `executed` and
 * `remaining`, base units.
 */
export class Shock implements Agent {
  /** Agent class label. */
  readonly kind = "shock";
  /** Unique agent name. */
  readonly name: string;
  /** Median one-way link latency, ns (undefined: the world's). */
  readonly latencyMedianNs: number | undefined;
  /** The resolved configuration. */
  readonly config: ResolvedShockConfig;
  /** Total quantity, lots (after start). */
  totalLots = 0;
  /** Lots executed so far (from the venue's done reports). */
  executedLots = 0;
  /** Child orders sent. */
  ordersSent = 0;
  /** Child orders refused by the venue. */
  rejects = 0;

  private venue = -1;
  private isPerp = false;
  private account = -1;
  private perp: PerpView | null = null;
  private spot: SpotView | null = null;
  private instrument: Instrument | null = null;
  private slice = 0;
  private inFlightLots = 0;
  private readonly pending = new Map<number, number>();

  /** @throws {@link @cascade/core!ConfigError} naming the bad field. */
  constructor(config: ShockConfig) {
    this.config = resolveShockConfig(config);
    this.name = this.config.name;
    this.latencyMedianNs = this.config.latencyMedianNs;
  }

  /** Account id on the venue (-1 until the first slice). */
  get accountId(): number {
    return this.account;
  }

  /** Lots not yet executed. */
  get remainingLots(): number {
    return this.totalLots - this.executedLots;
  }

  start(ctx: AgentContext): void {
    const c = this.config;
    this.venue = ctx.venueIndex(c.venue);
    this.instrument = ctx.instrument(this.venue);
    this.totalLots = this.instrument.qtyToLots(c.totalQty, "exact", `${F}.totalQty`);
    if (this.totalLots <= 0) throw new ConfigError(`${F}.totalQty`, c.totalQty, "must be at least one lot");
    // The context throws for a venue of the other kind; that is how the kind is found.
    try {
      this.perp = ctx.perp(this.venue);
      this.isPerp = true;
    } catch {
      this.spot = ctx.spot(this.venue);
      this.isPerp = false;
    }
    ctx.wakeAt(c.startNs);
  }

  onWake(ctx: AgentContext): void {
    const c = this.config;
    const k = this.slice++;
    const target = k < c.slices ? shockScheduleLots(this.totalLots, c.slices, k) : this.totalLots;
    const qty = target - this.executedLots - this.inFlightLots;
    if (qty > 0) this.send(ctx, qty);
    if (this.executedLots + this.inFlightLots < this.totalLots || this.inFlightLots > 0) {
      const iv = c.sliceIntervalNs > 0 ? c.sliceIntervalNs : NS_PER_SECOND;
      ctx.wakeAt(k + 1 < c.slices ? c.startNs + (k + 1) * c.sliceIntervalNs : ctx.nowNs + iv);
    }
  }

  onMessage(_ctx: AgentContext, msg: AgentMessage): void {
    if (msg.venue !== this.venue || msg.account !== this.account) return;
    if (msg.kind !== VenueEventKind.Done && msg.kind !== VenueEventKind.Rejected) return;
    const sent = this.pending.get(msg.orderId);
    if (sent === undefined) return;
    this.pending.delete(msg.orderId);
    this.inFlightLots -= sent;
    if (msg.kind === VenueEventKind.Done) this.executedLots += sent - msg.qtyLots;
    else this.rejects++;
  }

  gauges(record: (name: string, value: number) => void): void {
    const ins = this.instrument;
    if (ins === null) return;
    record("executed", ins.lotsToQty(this.executedLots));
    record("remaining", ins.lotsToQty(this.totalLots - this.executedLots));
  }

  // ---------------------------------------------------------------------------------------------

  private referencePriceTicks(): number {
    if (this.perp !== null) {
      const p = this.perp;
      for (const x of [p.mark(), p.mid(), p.lastTrade(), p.index()]) if (x > 0) return x;
      return Number.NaN;
    }
    const s = this.spot!;
    const mid = s.mid();
    if (mid > 0) return mid;
    const last = s.lastTrade();
    return last > 0 ? last : Number.NaN;
  }

  /** Opens the funded account at the first slice with a known price; false while there is none. */
  private ensureAccount(ctx: AgentContext): boolean {
    if (this.account >= 0) return true;
    const ref = this.referencePriceTicks();
    if (!(ref > 0)) return false;
    const ins = this.instrument!;
    const value = Math.ceil(this.config.capitalMultiple * ref * this.totalLots * ins.quotePerTickLot);
    if (this.isPerp) {
      this.account = ctx.openPerpAccount(this.venue, { isolated: false, leverage: 1, depositUnits: value });
    } else if (this.config.side === Side.Sell) {
      this.account = ctx.openSpotAccount(this.venue, 0, this.totalLots);
    } else {
      this.account = ctx.openSpotAccount(this.venue, value, 0);
    }
    return true;
  }

  private send(ctx: AgentContext, qtyLots: number): void {
    if (!this.ensureAccount(ctx)) return;
    const c = this.config;
    let id: number;
    if (c.orderType === "market") {
      id = ctx.market(this.venue, this.account, c.side, qtyLots);
    } else {
      const view = this.perp ?? this.spot!;
      const opposite = c.side === Side.Sell ? view.bestBid() : view.bestAsk();
      const price = shockLimitPriceTicks(c.side, opposite, c.limitOffsetPpm);
      if (price < 0) return;
      id = ctx.limit(this.venue, this.account, c.side, price, qtyLots, TimeInForce.IOC);
    }
    this.pending.set(id, qtyLots);
    this.inFlightLots += qtyLots;
    this.ordersSent++;
  }
}
