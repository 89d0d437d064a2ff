/**
 * A hedged liquidity provider: the perpetual's main market maker in real BTC markets. It rests a
 * ladder of quotes on the perpetual around a fair price read from spot, and hedges every perp fill
 * at once on a spot venue, so it carries no directional risk beyond its hedge latency. It is the
 * channel through which a cascade on the perpetual reaches spot: liquidation sells fill its perp
 * bids, it sells the same quantity on spot, the spot price (and so the index and the mark) falls,
 * and the next layer of liquidations fires.
 *
 * ## The model
 * - **Fair price** F = spot mid of the hedge venue (the index's source) × (1 + `basisBps`/10⁴),
 *   read at each requote. When a spot side is empty, the perpetual's index.
 * - **Volatility** σ: an EWMA (half-life `volatilityHalfLifeNs`) of squared 1-second log changes
 *   of F (each capped at 2 %), σ = √v, floored at `minVolatilityPerSqrtSecond`.
 * - **Half spread** h = max(`halfSpreadBps`, `volatilitySpreadMultiple` · σ · 10⁴) basis points:
 *   the quotes widen with the maker's own volatility estimate, not on a fixed rule.
 * - **Depth profile**: level i (0 … `levels`−1) sits at F·(1 ∓ (h + i·`levelSpacingBps`)/10⁴) − s
 *   with size `levelSizeLots`·(1 + `levelSizeGrowth`·i)·d, so cumulative depth rises continuously
 *   (quadratically) away from the mid; d = min(1, (σ_ref/σ)^½), σ_ref = `referenceVolatilityPerSqrtSecond`,
 *   thins the whole profile when volatility rises above its calm level.
 * - **Inventory skew** s = F · `skewBps`/10⁴ · q/Q (q = perp position, lots; Q the larger of
 *   `maxInventoryLots` and −`minInventoryLots`): a long maker lowers both quotes. A side whose fills
 *   would take q above `maxInventoryLots` or below `minInventoryLots`, or beyond what the spot
 *   account can hedge (asset to sell for a long, cash to buy for a short), is not quoted.
 * - **A basis desk** is the same agent with `seedCounterparty`: it offers its perp account as the
 *   short side of the crowd's seeded longs, holds the spot that hedges it, and quotes (with a wide
 *   half spread: its no-arbitrage edge) the bids that unwind its carry when the perp trades at a
 *   discount — buying perp, selling spot. Closed by ADL, it sells the spot it held.
 * - **Hedge**: each perp fill of q lots sends an IOC of q lots the other way on spot, priced
 *   `hedgeSlippageBps` through the best spot price. What an IOC leaves unfilled is re-hedged at the
 *   next requote (residual = perp position + spot asset change − hedges in flight).
 * - **Withdrawal by state**: when the mark-to-market loss since the session began passes
 *   `maxLossFraction` of the desk's whole capital (perp capital + spot cash + spot holding at
 *   fair: the risk limit is on the hedged book, not on the perp margin alone), or the perp
 *   position was auto-deleveraged or liquidated, the maker cancels its
 *   quotes and stays out for `cooldownNs`; it resumes with a fresh loss budget.
 * - **Requote** every `requotePeriodNs`, and (with `fairRequoteBps`) whenever spot's top of book
 *   has moved F that far from the price the quotes stand around: a live order within
 *   `repriceToleranceBps` of its level's target price stays (keeping its queue position); others
 *   are cancelled by id and replaced post-only (a quote never takes liquidity), the side moving
 *   away from the new centre first so new quotes never meet the maker's own old ones.
 *
 * @module
 */

import { ConfigError, type Instrument, NS_PER_SECOND, Side } from "@cascade/core";
import { VenueEventKind } from "@cascade/exchange";
import { TimeInForce } from "@cascade/matching-engine";
import {
  type Agent,
  type AgentContext,
  type AgentMessage,
  FeedKind,
  type MarketDataMessage,
  type PerpView,
  type SpotView,
} from "@cascade/sim";
import { requireNonNegative, requirePositive, requirePositiveInt, stripUndefined } from "./config-checks.ts";
import { OrderTracker } from "./toolkit/order-tracker.ts";

/** What a researcher writes to configure a {@link HedgedMaker}. */
export interface HedgedMakerConfig {
  /** Agent name, unique in the world. Default `"hedged-maker"`. */
  readonly name?: string;
  /** Perpetual venue it quotes on. */
  readonly perpVenue: string;
  /** Spot venue it hedges on (and reads the fair price from). */
  readonly hedgeVenue: string;
  /** Perp capital, quote currency, deposited cross-margined. Default 5,000,000. */
  readonly capital?: number;
  /** Perp leverage. Default 10. */
  readonly leverage?: number;
  /** Spot cash for buy hedges, quote currency. Default 10,000,000. */
  readonly spotCash?: number;
  /** Spot asset for sell hedges, lots. Default 150,000 (150 BTC). */
  readonly spotAssetLots?: number;
  /** Fair basis of the perp over spot, bps. Default 0. */
  readonly basisBps?: number;
  /** Calm half spread, bps. Default 0.5. */
  readonly halfSpreadBps?: number;
  /** Half spread per unit of σ (in bps per √s): h ≥ this × σ. Default 1. */
  readonly volatilitySpreadMultiple?: number;
  /** Levels per side. Default 40. */
  readonly levels?: number;
  /** Distance between levels, bps. Default 2.5. */
  readonly levelSpacingBps?: number;
  /** Size of the first level, lots. Default 200. */
  readonly levelSizeLots?: number;
  /** Linear growth of level size with depth: size_i = size_0·(1 + growth·i). Default 0.1. */
  readonly levelSizeGrowth?: number;
  /** Inventory limit, lots: the perp position stays ≤ this. Default 100,000 (100 BTC). */
  readonly maxInventoryLots?: number;
  /** Lower inventory limit, lots: the perp position stays ≥ this. Default −`maxInventoryLots`. */
  readonly minInventoryLots?: number;
  /**
   * Offer the perp account as the counterparty of other agents' initial positions (a basis desk
   * holding the short side of the crowd's longs; see `AgentContext.offerSeedCounterparty`). A
   * position the maker starts with is taken as hedged by its starting spot holding. Default false.
   */
  readonly seedCounterparty?: boolean;
  /** Quote shift at full inventory, bps. Default 10. */
  readonly skewBps?: number;
  /** Hedge IOC priced this far through the best spot price, bps. Default 50. */
  readonly hedgeSlippageBps?: number;
  /** Smallest residual worth a hedge order, lots. Default 1. */
  readonly minHedgeLots?: number;
  /** EWMA half-life of the volatility estimate, ns. Default 30 s. */
  readonly volatilityHalfLifeNs?: number;
  /** Floor of σ, per √second. Default 2e-5. */
  readonly minVolatilityPerSqrtSecond?: number;
  /** Calm σ at which the full depth profile is shown, per √second. Default 1e-4. */
  readonly referenceVolatilityPerSqrtSecond?: number;
  /** Loss (fraction of capital) that makes it withdraw. Default 0.05. */
  readonly maxLossFraction?: number;
  /** Time out after a withdrawal, ns. Default 30 s. */
  readonly cooldownNs?: number;
  /** Requote period, ns. Default 250 ms. */
  readonly requotePeriodNs?: number;
  /** A live quote within this distance of its target stays, bps. Default 1. */
  readonly repriceToleranceBps?: number;
  /**
   * Requote as soon as the hedge venue's best prices (its top-of-book feed) have moved the fair
   * price this many bps from the one the live quotes were set around, instead of waiting for the
   * next `requotePeriodNs`. 0: only on the timer. Default 0.
   */
  readonly fairRequoteBps?: number;
  /** Median one-way latency of its links, ns (colocated). Default 1 ms. */
  readonly latencyMedianNs?: number;
}

/** {@link HedgedMakerConfig} with every default filled in. */
export type ResolvedHedgedMakerConfig = Required<Omit<HedgedMakerConfig, "minInventoryLots">> & {
  readonly minInventoryLots: number;
};

/** The defaults of {@link HedgedMakerConfig}. */
export const HEDGED_MAKER_DEFAULTS: Omit<
  ResolvedHedgedMakerConfig,
  "perpVenue" | "hedgeVenue" | "minInventoryLots"
> = Object.freeze({
  name: "hedged-maker",
  capital: 5_000_000,
  leverage: 10,
  spotCash: 10_000_000,
  spotAssetLots: 150_000,
  basisBps: 0,
  halfSpreadBps: 0.5,
  volatilitySpreadMultiple: 1,
  levels: 40,
  levelSpacingBps: 2.5,
  levelSizeLots: 200,
  levelSizeGrowth: 0.1,
  maxInventoryLots: 100_000,
  skewBps: 10,
  hedgeSlippageBps: 50,
  minHedgeLots: 1,
  volatilityHalfLifeNs: 30 * NS_PER_SECOND,
  minVolatilityPerSqrtSecond: 2e-5,
  referenceVolatilityPerSqrtSecond: 1e-4,
  maxLossFraction: 0.05,
  cooldownNs: 30 * NS_PER_SECOND,
  requotePeriodNs: NS_PER_SECOND / 4,
  repriceToleranceBps: 1,
  fairRequoteBps: 0,
  latencyMedianNs: 1_000_000,
  seedCounterparty: false,
});

/**
 * Fills in and checks a configuration.
 * @throws {@link @cascade/core!ConfigError} naming the field, e.g. `hedgedMaker.levels = 0: must be a positive integer`.
 */
export function resolveHedgedMakerConfig(c: HedgedMakerConfig): ResolvedHedgedMakerConfig {
  const F = "hedgedMaker";
  const merged = { ...HEDGED_MAKER_DEFAULTS, ...stripUndefined(c) };
  const r = {
    ...merged,
    minInventoryLots: c.minInventoryLots ?? -merged.maxInventoryLots,
  } as ResolvedHedgedMakerConfig;
  if (!(Number.isSafeInteger(r.minInventoryLots) && r.minInventoryLots <= 0))
    throw new ConfigError(`${F}.minInventoryLots`, r.minInventoryLots, "must be an integer ≤ 0");
  for (const k of ["perpVenue", "hedgeVenue"] as const) {
    if (typeof r[k] !== "string" || r[k] === "")
      throw new ConfigError(`${F}.${k}`, r[k], "must name a venue");
  }
  if (!(Number.isSafeInteger(r.maxInventoryLots) && r.maxInventoryLots >= 0))
    throw new ConfigError(`${F}.maxInventoryLots`, r.maxInventoryLots, "must be an integer ≥ 0");
  for (const k of ["levels", "levelSizeLots", "minHedgeLots", "requotePeriodNs", "leverage"] as const)
    requirePositiveInt(`${F}.${k}`, r[k]);
  for (const k of [
    "capital",
    "halfSpreadBps",
    "levelSpacingBps",
    "volatilityHalfLifeNs",
    "minVolatilityPerSqrtSecond",
    "referenceVolatilityPerSqrtSecond",
    "maxLossFraction",
  ] as const)
    requirePositive(`${F}.${k}`, r[k]);
  for (const k of [
    "spotCash",
    "spotAssetLots",
    "volatilitySpreadMultiple",
    "levelSizeGrowth",
    "skewBps",
    "hedgeSlippageBps",
    "cooldownNs",
    "repriceToleranceBps",
    "fairRequoteBps",
    "latencyMedianNs",
  ] as const)
    requireNonNegative(`${F}.${k}`, r[k]);
  if (!Number.isFinite(r.basisBps))
    throw new ConfigError(`${F}.basisBps`, r.basisBps, "must be a finite number");
  const deepest = r.halfSpreadBps + (r.levels - 1) * r.levelSpacingBps;
  if (deepest >= 5_000)
    throw new ConfigError(
      `${F}.levels`,
      r.levels,
      `puts the deepest quote ${deepest} bp from fair (must be < 5,000)`,
    );
  return r;
}

/** Half spread in bps: the calm floor or `multiple` × σ (per √s) in bps, whichever is wider. */
export function hedgedHalfSpreadBps(floorBps: number, multiple: number, sigmaPerSqrtSecond: number): number {
  return Math.max(floorBps, multiple * sigmaPerSqrtSecond * 1e4);
}

/** Depth factor d = min(1, √(σ_ref / σ)): the profile thins as volatility rises above its calm level. */
export function depthFactor(sigma: number, referenceSigma: number): number {
  return sigma <= referenceSigma ? 1 : Math.sqrt(referenceSigma / sigma);
}

/** Size of level `i` in lots: ⌊base·(1 + growth·i)·factor⌋, at least 1. */
export function levelLots(base: number, growth: number, i: number, factor: number): number {
  return Math.max(1, Math.floor(base * (1 + growth * i) * factor));
}

/** Price in ticks of level `i` on `side` around a centre (fair − skew), rounded away from it. */
export function hedgedLevelTicks(
  centreTicks: number,
  side: Side,
  i: number,
  halfSpreadBps: number,
  spacingBps: number,
): number {
  const off = (halfSpreadBps + i * spacingBps) / 1e4;
  return side === Side.Buy ? Math.floor(centreTicks * (1 - off)) : Math.ceil(centreTicks * (1 + off));
}

const NONE = -1;
/** Largest absolute 1-second log return the volatility estimate takes in (2 %). */
const MAX_SAMPLE_RETURN = 0.02;
/** Wake tag of the requote timer. */
const REQUOTE = 0;

/** The hedged liquidity provider (kind `"hedged-maker"`). See the module documentation. */
export class HedgedMaker implements Agent {
  readonly name: string;
  /** `"hedged-maker"`, or `"basis-desk"` with `seedCounterparty` (the recorder groups gauges by kind). */
  readonly kind: string;
  readonly latencyMedianNs: number;
  /** Fills, order ends, rejections and deleveraging of its own accounts. */
  readonly subscriptions =
    (1 << VenueEventKind.Fill) |
    (1 << VenueEventKind.Done) |
    (1 << VenueEventKind.Rejected) |
    (1 << VenueEventKind.Deleveraged) |
    (1 << VenueEventKind.Liquidated);
  /** The validated configuration. */
  readonly config: ResolvedHedgedMakerConfig;
  private perp = -1;
  private spot = -1;
  private perpAccount = -1;
  private spotAccount = -1;
  private perpView: PerpView | null = null;
  private spotView: SpotView | null = null;
  private ins: Instrument | null = null;
  /** Per side (0 bid, 1 ask) and level: live order id and its price. */
  private readonly orderId: Float64Array[];
  private readonly priceTicks: Float64Array[];
  private readonly sizeLots: Float64Array[];
  /** Perp quotes, and spot hedge orders in flight. */
  private readonly quotes: OrderTracker;
  private readonly hedges = new OrderTracker(4);
  private variance = 0;
  /** Spot holding (lots) that hedges a zero perp position; set at the first requote (see seedCounterparty). */
  private spotBase = Number.NaN;
  private lastFair = Number.NaN;
  /** Centre of the last ladder placed (NaN before the first). */
  private lastCentre = Number.NaN;
  /** Fair price the live quotes were set around (NaN before the first priced requote). */
  private quotedFair = Number.NaN;
  private lastFairNs = 0;
  private outUntilNs = 0;
  private sessionStartValue = Number.NaN;
  private initialValue = Number.NaN;
  // Gauges.
  private withdrawals = 0;
  private hedgedLots = 0;
  private lastSigma = 0;
  private lastValue = 0;

  constructor(config: HedgedMakerConfig) {
    this.config = resolveHedgedMakerConfig(config);
    this.name = this.config.name;
    this.kind = this.config.seedCounterparty ? "basis-desk" : "hedged-maker";
    this.latencyMedianNs = this.config.latencyMedianNs;
    const n = this.config.levels;
    this.orderId = [new Float64Array(n).fill(NONE), new Float64Array(n).fill(NONE)];
    this.priceTicks = [new Float64Array(n), new Float64Array(n)];
    this.sizeLots = [new Float64Array(n), new Float64Array(n)];
    this.quotes = new OrderTracker(4 * n);
  }

  start(ctx: AgentContext): void {
    const c = this.config;
    this.perp = ctx.venueIndex(c.perpVenue);
    this.spot = ctx.venueIndex(c.hedgeVenue);
    this.perpView = ctx.perp(this.perp);
    this.spotView = ctx.spot(this.spot);
    const ins = ctx.instrument(this.perp);
    this.ins = ins;
    const units = (q: number, field: string) => ins.quoteToUnits(String(q), "down", `hedgedMaker.${field}`);
    this.perpAccount = ctx.openPerpAccount(this.perp, {
      isolated: false,
      leverage: c.leverage,
      depositUnits: units(c.capital, "capital"),
    });
    this.spotAccount = ctx.openSpotAccount(this.spot, units(c.spotCash, "spotCash"), c.spotAssetLots);
    this.quotes.attach(this.perp, this.perpAccount);
    this.hedges.attach(this.spot, this.spotAccount);
    if (c.seedCounterparty) ctx.offerSeedCounterparty(this.perp, this.perpAccount);
    if (c.fairRequoteBps > 0) ctx.subscribeDepth(this.spot, { levels: 1 });
    ctx.wakeAfter(1 + Math.floor(ctx.rng("phase").next() * c.requotePeriodNs), REQUOTE);
  }

  onWake(ctx: AgentContext): void {
    this.requote(ctx);
    ctx.wakeAfter(this.config.requotePeriodNs, REQUOTE);
  }

  /**
   * A move of spot's best prices beyond `fairRequoteBps` requotes at once: a timer alone leaves the
   * perp's quotes trailing spot by up to a period, which spreads each move over the next second and
   * makes the perp mid's 1-second returns trend.
   */
  onMarketData(ctx: AgentContext, msg: MarketDataMessage): void {
    if (msg.kind !== FeedKind.Depth || msg.venue !== this.spot || msg.bidLevels === 0 || msg.askLevels === 0)
      return;
    const fair = ((msg.bidPriceTicks[0]! + msg.askPriceTicks[0]!) / 2) * (1 + this.config.basisBps / 1e4);
    // Also when nothing is quoted yet (quotedFair NaN): the first prices start the quotes.
    if (!(Math.abs(fair / this.quotedFair - 1) * 1e4 < this.config.fairRequoteBps)) this.requote(ctx);
  }

  onMessage(ctx: AgentContext, msg: AgentMessage): void {
    if (msg.venue === this.perp && msg.account === this.perpAccount) {
      if (msg.kind === VenueEventKind.Fill) {
        // Hedge at once, whatever order filled (a quote being cancelled can still fill).
        this.hedge(ctx, msg.side === Side.Buy ? -msg.qtyLots : msg.qtyLots);
      } else if (msg.kind === VenueEventKind.Done || msg.kind === VenueEventKind.Rejected) {
        this.forget(msg.orderId);
      }
      this.quotes.onMessage(ctx, msg);
      if (msg.kind === VenueEventKind.Deleveraged || msg.kind === VenueEventKind.Liquidated) {
        // Its hedge was taken away: step back, and let the next requote re-balance spot.
        this.withdraw(ctx);
      }
    } else if (this.hedges.owns(msg)) {
      if (msg.kind === VenueEventKind.Fill) this.hedgedLots += msg.qtyLots;
      this.hedges.onMessage(ctx, msg);
    }
  }

  /** Gauges (prefixed `hedged_maker_`): position (lots), σ per √s, withdrawals, hedged lots, P&L (quote). */
  gauges(record: (name: string, value: number) => void): void {
    record("position_lots", this.perpView === null ? 0 : this.perpView.position(this.perpAccount));
    record("sigma", this.lastSigma);
    record("withdrawals", this.withdrawals);
    record("hedged_lots", this.hedgedLots);
    record("pnl", Number.isFinite(this.initialValue) ? this.lastValue - this.initialValue : 0);
  }

  // ---------------------------------------------------------------------------------------------

  private fair(): number {
    const s = this.spotView!;
    const bid = s.bestBid();
    const ask = s.bestAsk();
    const ref = bid > 0 && ask > 0 ? (bid + ask) / 2 : this.perpView!.index();
    return Number.isFinite(ref) && ref > 0 ? ref * (1 + this.config.basisBps / 1e4) : Number.NaN;
  }

  /**
   * Mark-to-market value of both accounts, quote units: perp margin balance + spot cash + the
   * change of the spot holding at fair (the starting holding is hedge inventory, not a bet).
   */
  private value(fair: number): number {
    const p = this.perpView!;
    const s = this.spotView!;
    const m = this.ins!.quotePerTickLot;
    return (
      p.marginBalance(this.perpAccount) +
      s.cash(this.spotAccount) +
      s.lockedCash(this.spotAccount) +
      (s.asset(this.spotAccount) + s.lockedAsset(this.spotAccount) - this.spotBase) * fair * m
    );
  }

  private requote(ctx: AgentContext): void {
    const c = this.config;
    const now = ctx.nowNs;
    const fair = this.fair();
    if (!Number.isFinite(fair)) return;
    this.quotedFair = fair;
    if (Number.isNaN(this.spotBase)) {
      // Whatever position the maker starts with (seeded off-book) is hedged by its starting spot.
      const s0 = this.spotView!;
      this.spotBase =
        s0.asset(this.spotAccount) +
        s0.lockedAsset(this.spotAccount) +
        this.perpView!.position(this.perpAccount);
    }
    // Volatility of the fair price per √second, sampled on a 1-second grid (sub-second changes of
    // a thin spot book are bid-ask noise, not volatility) with each return capped at
    // MAX_SAMPLE_RETURN so one print through an empty book cannot blow the estimate up.
    if (!Number.isFinite(this.lastFair)) {
      this.lastFair = fair;
      this.lastFairNs = now;
    } else if (now - this.lastFairNs >= NS_PER_SECOND) {
      const dt = (now - this.lastFairNs) / NS_PER_SECOND;
      const r = Math.min(Math.abs(Math.log(fair / this.lastFair)), MAX_SAMPLE_RETURN);
      const a = 2 ** (-(now - this.lastFairNs) / c.volatilityHalfLifeNs);
      this.variance = a * this.variance + (1 - a) * ((r * r) / dt);
      this.lastFair = fair;
      this.lastFairNs = now;
    }
    const sigma = Math.max(Math.sqrt(this.variance), c.minVolatilityPerSqrtSecond);
    this.lastSigma = sigma;

    const value = this.value(fair);
    this.lastValue = value;
    if (Number.isNaN(this.initialValue)) this.initialValue = value;
    if (Number.isNaN(this.sessionStartValue)) this.sessionStartValue = value;

    this.rebalanceHedge(ctx);
    if (now < this.outUntilNs) return;
    if (value - this.sessionStartValue < -c.maxLossFraction * this.totalCapitalUnits(fair)) {
      this.withdraw(ctx);
      return;
    }

    const q = this.perpView!.position(this.perpAccount);
    const h = hedgedHalfSpreadBps(c.halfSpreadBps, c.volatilitySpreadMultiple, sigma);
    const d = depthFactor(sigma, c.referenceVolatilityPerSqrtSecond);
    // Skew by the position's share of the larger inventory limit.
    const limit = Math.max(1, c.maxInventoryLots, -c.minInventoryLots);
    const centre = fair * (1 - ((c.skewBps / 1e4) * q) / limit);
    // Room on each side: inventory limit, and what spot can hedge (asset to sell, cash to buy).
    const s = this.spotView!;
    const spotAsset = s.asset(this.spotAccount);
    const spotBuyLots = Math.floor(s.cash(this.spotAccount) / (fair * 1.01 * this.ins!.quotePerTickLot));
    let roomBid = Math.min(c.maxInventoryLots - q, spotAsset);
    let roomAsk = Math.min(q - c.minInventoryLots, spotBuyLots);
    // The side moving away goes first: when fair jumps up, old asks below the new bids must be
    // cancelled before those bids arrive, or the post-only bids would cross them and be rejected.
    const up = centre >= this.lastCentre;
    this.lastCentre = centre;
    for (let i = 0; i < c.levels; i++) {
      if (up) roomAsk = this.placeLevel(ctx, Side.Sell, i, centre, h, d, roomAsk);
      else roomBid = this.placeLevel(ctx, Side.Buy, i, centre, h, d, roomBid);
    }
    for (let i = 0; i < c.levels; i++) {
      if (up) roomBid = this.placeLevel(ctx, Side.Buy, i, centre, h, d, roomBid);
      else roomAsk = this.placeLevel(ctx, Side.Sell, i, centre, h, d, roomAsk);
    }
  }

  /** Keeps, replaces or removes level `i` of `side`; returns the room left on that side. */
  private placeLevel(
    ctx: AgentContext,
    side: Side,
    i: number,
    centre: number,
    halfSpreadBps: number,
    depth: number,
    room: number,
  ): number {
    const c = this.config;
    const ids = this.orderId[side]!;
    const prices = this.priceTicks[side]!;
    const sizes = this.sizeLots[side]!;
    const target = hedgedLevelTicks(centre, side, i, halfSpreadBps, c.levelSpacingBps);
    const lots = Math.min(levelLots(c.levelSizeLots, c.levelSizeGrowth, i, depth), Math.max(0, room));
    const live = ids[i]! !== NONE;
    const tolerance = (centre * c.repriceToleranceBps) / 1e4;
    if (
      live &&
      lots > 0 &&
      Math.abs(prices[i]! - target) <= tolerance &&
      sizes[i]! <= lots * 1.5 &&
      sizes[i]! >= lots / 1.5
    ) {
      return room - sizes[i]!;
    }
    if (live) {
      this.quotes.cancelById(ctx, ids[i]!);
      ids[i] = NONE;
    }
    if (lots < 1 || target < 1) return room;
    ids[i] = this.quotes.limit(ctx, side, target, lots, TimeInForce.PostOnly);
    prices[i] = target;
    sizes[i] = lots;
    return room - lots;
  }

  /** Sends a spot IOC of `signedLots` (+ buy) priced through the best price. */
  private hedge(ctx: AgentContext, signedLots: number): void {
    const c = this.config;
    if (Math.abs(signedLots) < c.minHedgeLots) return;
    const s = this.spotView!;
    const buy = signedLots > 0;
    let qty = Math.abs(signedLots);
    if (!buy) qty = Math.min(qty, s.asset(this.spotAccount));
    const best = buy ? s.bestAsk() : s.bestBid();
    const ref = best > 0 ? best : this.lastFair;
    if (!(ref > 0) || qty < 1) return;
    const price = buy
      ? Math.ceil(ref * (1 + c.hedgeSlippageBps / 1e4))
      : Math.max(1, Math.floor(ref * (1 - c.hedgeSlippageBps / 1e4)));
    if (buy) qty = Math.min(qty, Math.floor(s.cash(this.spotAccount) / (price * this.ins!.quotePerTickLot)));
    if (qty < 1) return;
    this.hedges.limit(ctx, buy ? Side.Buy : Side.Sell, price, qty, TimeInForce.IOC);
  }

  /** Re-hedges what fills, partial IOCs or deleveraging left unhedged. */
  private rebalanceHedge(ctx: AgentContext): void {
    const s = this.spotView!;
    const spotDelta = s.asset(this.spotAccount) + s.lockedAsset(this.spotAccount) - this.spotBase;
    const residual = this.perpView!.position(this.perpAccount) + spotDelta + this.hedges.sentLotsSigned();
    if (this.hedges.count === 0) this.hedge(ctx, -residual);
  }

  private withdraw(ctx: AgentContext): void {
    this.withdrawals++;
    this.outUntilNs = ctx.nowNs + this.config.cooldownNs;
    this.sessionStartValue = Number.NaN;
    for (let s = 0; s < 2; s++) {
      const ids = this.orderId[s]!;
      for (let i = 0; i < ids.length; i++) {
        if (ids[i] !== NONE) this.quotes.cancelById(ctx, ids[i]!);
        ids[i] = NONE;
      }
    }
  }

  private forget(orderId: number): void {
    for (let s = 0; s < 2; s++) {
      const ids = this.orderId[s]!;
      for (let i = 0; i < ids.length; i++) {
        if (ids[i] === orderId) {
          ids[i] = NONE;
          return;
        }
      }
    }
  }

  /** The desk's whole capital, quote units: perp capital, spot cash and the spot holding at fair. */
  private totalCapitalUnits(fair: number): number {
    const c = this.config;
    const unitsPerQuote = 1 / this.ins!.unitsToQuote(1);
    return (c.capital + c.spotCash) * unitsPerQuote + c.spotAssetLots * fair * this.ins!.quotePerTickLot;
  }
}
