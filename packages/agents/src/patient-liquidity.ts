/**
 * Patient liquidity: long-horizon buyers and sellers (treasuries, funds, OTC desks) who do not
 * chase the tape but keep resting orders at fixed discounts and premiums to a slowly moving
 * value, larger the further out they are — a downward-sloping demand curve placed in the book.
 * It is what stops a crash: liquidations eat through the market makers' thin quotes, and the
 * price falls until the cumulative patient bids absorb the forced selling.
 *
 * Model. The anchor A is an exponential moving average of the venue's reference price (mid, else
 * index, mark, last) with half-life `anchorHalfLifeNs` (hours, so a crash barely moves it).
 * Bid level i (i = 0 … levels−1) sits at A·(1 − firstOffset − i·spacing) with size
 * baseLots·growth^i; asks mirror it above A. Every `refreshPeriodNs` the agent re-places levels
 * whose price drifted more than half a spacing from target; a level that traded is refilled only
 * after `replenishDelayNs` (patient money takes time to come back). Orders are post-only: a level
 * the market has gone through is not placed until the price comes back to it.
 *
 * @module
 */

import { ConfigError, Side } from "@cascade/core";
import { VenueEventKind } from "@cascade/exchange";
import { TimeInForce } from "@cascade/matching-engine";
import type { Agent, AgentContext, AgentMessage, PerpView, SpotView } from "@cascade/sim";

/** What a researcher writes to configure {@link PatientLiquidity}. */
export interface PatientLiquidityConfig {
  /** Agent name, unique in the world. Default `"patient-liquidity"`. */
  readonly name?: string;
  /** Venue to rest orders on. */
  readonly venue: string;
  /** Levels per side. Default 20. */
  readonly levels?: number;
  /** Distance of the first level from the anchor, ppm. Default 10,000 (1 %). */
  readonly firstOffsetPpm?: number;
  /** Distance between levels, ppm of the anchor. Default 10,000 (1 %). */
  readonly spacingPpm?: number;
  /** Size of the first level, lots. Default 2,000. */
  readonly baseLots?: number;
  /** Size multiplier from one level to the next (≥ 1). Default 1.15. */
  readonly growth?: number;
  /** Half-life of the anchor's moving average, ns. Default 6 hours. */
  readonly anchorHalfLifeNs?: number;
  /** Period between refreshes, ns. Default 5 s. */
  readonly refreshPeriodNs?: number;
  /** A level that traded is refilled only after this long, ns. Default 2 minutes. */
  readonly replenishDelayNs?: number;
  /** Capital, quote currency: the perpetual deposit (cross, low leverage) or the spot cash. Default 1,000,000,000. */
  readonly capital?: string | number;
  /** Spot only: asset held for the asks, lots. Default 100,000,000 (enough for every level). */
  readonly spotAssetLots?: number;
  /** Quote only bids (`"buy"`), only asks (`"sell"`) or both. Default both. */
  readonly sides?: "both" | "buy" | "sell";
}

/** {@link PatientLiquidityConfig} with defaults filled in. */
export type ResolvedPatientLiquidityConfig = Required<PatientLiquidityConfig>;

/**
 * Fills in and checks a configuration.
 * @throws {@link @cascade/core!ConfigError} naming the field, e.g. `patientLiquidity.growth = 0.5: must be ≥ 1`.
 */
export function resolvePatientLiquidityConfig(c: PatientLiquidityConfig): ResolvedPatientLiquidityConfig {
  const F = "patientLiquidity";
  const r: ResolvedPatientLiquidityConfig = {
    name: c.name ?? "patient-liquidity",
    venue: c.venue,
    levels: c.levels ?? 20,
    firstOffsetPpm: c.firstOffsetPpm ?? 10_000,
    spacingPpm: c.spacingPpm ?? 10_000,
    baseLots: c.baseLots ?? 2_000,
    growth: c.growth ?? 1.15,
    anchorHalfLifeNs: c.anchorHalfLifeNs ?? 6 * 3600 * 1e9,
    refreshPeriodNs: c.refreshPeriodNs ?? 5e9,
    replenishDelayNs: c.replenishDelayNs ?? 120e9,
    capital: c.capital ?? 1_000_000_000,
    spotAssetLots: c.spotAssetLots ?? 100_000_000,
    sides: c.sides ?? "both",
  };
  if (typeof r.venue !== "string" || r.venue === "")
    throw new ConfigError(`${F}.venue`, c.venue, "must name a venue");
  const posInt = (k: keyof ResolvedPatientLiquidityConfig) => {
    const v = r[k] as number;
    if (!(Number.isSafeInteger(v) && v > 0))
      throw new ConfigError(`${F}.${k}`, v, "must be a positive integer");
  };
  for (const k of [
    "levels",
    "firstOffsetPpm",
    "spacingPpm",
    "baseLots",
    "anchorHalfLifeNs",
    "refreshPeriodNs",
  ] as const)
    posInt(k);
  if (!(Number.isSafeInteger(r.replenishDelayNs) && r.replenishDelayNs >= 0)) {
    throw new ConfigError(`${F}.replenishDelayNs`, r.replenishDelayNs, "must be an integer ≥ 0");
  }
  if (!(r.growth >= 1 && r.growth < 10))
    throw new ConfigError(`${F}.growth`, r.growth, "must be ≥ 1 (and < 10)");
  if (r.firstOffsetPpm + (r.levels - 1) * r.spacingPpm >= 1_000_000) {
    throw new ConfigError(
      `${F}.levels`,
      r.levels,
      "puts the deepest bid at or below zero (lower levels or spacingPpm)",
    );
  }
  if (!["both", "buy", "sell"].includes(r.sides))
    throw new ConfigError(`${F}.sides`, r.sides, 'must be "both", "buy" or "sell"');
  return r;
}

/** Target price in ticks of level `i` on `side` around `anchorTicks` (rounded away from the anchor). */
export function patientLevelTicks(
  anchorTicks: number,
  side: Side,
  i: number,
  firstOffsetPpm: number,
  spacingPpm: number,
): number {
  const off = (firstOffsetPpm + i * spacingPpm) / 1_000_000;
  return side === Side.Buy ? Math.floor(anchorTicks * (1 - off)) : Math.ceil(anchorTicks * (1 + off));
}

/** Exponential moving average step with half-life `halfLifeNs` over `dtNs`. */
export function emaStep(previous: number, sample: number, dtNs: number, halfLifeNs: number): number {
  const w = 1 - 2 ** (-dtNs / halfLifeNs);
  return previous + w * (sample - previous);
}

const NONE = -1;

/** The patient-liquidity agent (kind `"patient-liquidity"`). */
export class PatientLiquidity implements Agent {
  readonly name: string;
  readonly kind = "patient-liquidity";
  /** Only order reports matter. */
  readonly subscriptions =
    (1 << VenueEventKind.Fill) | (1 << VenueEventKind.Done) | (1 << VenueEventKind.Rejected);
  private readonly c: ResolvedPatientLiquidityConfig;
  private venue = -1;
  private account = -1;
  private view: PerpView | SpotView | null = null;
  private anchor = Number.NaN;
  private lastNs = 0;
  /** Per side (0 bid, 1 ask) and level: live order id, its price, and when it may be refilled. */
  private readonly orderId: Float64Array[];
  private readonly priceTicks: Float64Array[];
  private readonly refillAtNs: Float64Array[];
  private filledLots = 0;

  constructor(config: PatientLiquidityConfig) {
    this.c = resolvePatientLiquidityConfig(config);
    this.name = this.c.name;
    const n = this.c.levels;
    this.orderId = [new Float64Array(n).fill(NONE), new Float64Array(n).fill(NONE)];
    this.priceTicks = [new Float64Array(n), new Float64Array(n)];
    this.refillAtNs = [new Float64Array(n), new Float64Array(n)];
  }

  start(ctx: AgentContext): void {
    this.venue = ctx.venueIndex(this.c.venue);
    const ins = ctx.instrument(this.venue);
    const capital = ins.quoteToUnits(this.c.capital, "exact", "patientLiquidity.capital");
    let spot = false;
    try {
      this.view = ctx.perp(this.venue);
    } catch {
      spot = true;
      this.view = ctx.spot(this.venue);
    }
    this.account = spot
      ? ctx.openSpotAccount(this.venue, capital, this.c.spotAssetLots)
      : ctx.openPerpAccount(this.venue, { isolated: false, leverage: 1, depositUnits: capital });
    ctx.wakeAfter(1);
  }

  onWake(ctx: AgentContext): void {
    const now = ctx.nowNs;
    const ref = this.reference();
    if (Number.isFinite(ref) && ref > 0) {
      this.anchor = Number.isFinite(this.anchor)
        ? emaStep(this.anchor, ref, now - this.lastNs, this.c.anchorHalfLifeNs)
        : ref;
      this.lastNs = now;
      if (this.c.sides !== "sell") this.refresh(ctx, Side.Buy, now);
      if (this.c.sides !== "buy") this.refresh(ctx, Side.Sell, now);
    }
    ctx.wakeAfter(this.c.refreshPeriodNs);
  }

  onMessage(ctx: AgentContext, msg: AgentMessage): void {
    if (msg.account !== this.account || msg.venue !== this.venue) return;
    const loc = this.find(msg.orderId);
    if (loc < 0) return;
    const side = loc >> 16;
    const i = loc & 0xffff;
    if (msg.kind === VenueEventKind.Fill) {
      this.filledLots += msg.qtyLots;
      this.refillAtNs[side]![i] = ctx.nowNs + this.c.replenishDelayNs;
    } else if (msg.kind === VenueEventKind.Done || msg.kind === VenueEventKind.Rejected) {
      this.orderId[side]![i] = NONE;
    }
  }

  gauges(record: (name: string, value: number) => void): void {
    record("anchor_ticks", Number.isFinite(this.anchor) ? this.anchor : 0);
    record("filled_lots", this.filledLots);
  }

  private refresh(ctx: AgentContext, side: Side, now: number): void {
    const c = this.c;
    const ids = this.orderId[side]!;
    const prices = this.priceTicks[side]!;
    const refill = this.refillAtNs[side]!;
    const tolerance = (this.anchor * c.spacingPpm) / 2_000_000;
    for (let i = 0; i < c.levels; i++) {
      const target = patientLevelTicks(this.anchor, side, i, c.firstOffsetPpm, c.spacingPpm);
      if (target < 1) continue;
      const live = ids[i]! !== NONE;
      if (live && Math.abs(prices[i]! - target) <= tolerance) continue;
      if (live) {
        ctx.cancel(this.venue, this.account, ids[i]!);
        ids[i] = NONE;
      }
      if (now < refill[i]!) continue;
      // Patient money rests and never takes: a level the market has gone through waits (post-only)
      // until the price comes back to it. Refilling it at once would buy a whole level at market
      // in one order, a rebound no long-horizon buyer trades.
      const opposite = side === Side.Buy ? this.view!.bestAsk() : this.view!.bestBid();
      if (opposite > 0 && (side === Side.Buy ? target >= opposite : target <= opposite)) continue;
      const lots = Math.max(1, Math.round(c.baseLots * c.growth ** i));
      ids[i] = ctx.limit(this.venue, this.account, side, target, lots, TimeInForce.PostOnly);
      prices[i] = target;
    }
  }

  private find(orderId: number): number {
    for (let s = 0; s < 2; s++) {
      const ids = this.orderId[s]!;
      for (let i = 0; i < ids.length; i++) if (ids[i] === orderId) return (s << 16) | i;
    }
    return -1;
  }

  private reference(): number {
    const v = this.view!;
    const mid = v.mid();
    if (Number.isFinite(mid)) return mid;
    if ("index" in v) {
      const idx = v.index();
      if (Number.isFinite(idx)) return idx;
      const mark = v.mark();
      if (Number.isFinite(mark)) return mark;
    }
    return v.lastTrade();
  }
}
