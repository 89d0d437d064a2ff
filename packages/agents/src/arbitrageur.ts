/**
 * A perp–spot arbitrageur: one agent linking a perpetual venue to one spot venue, with a
 * cross-margin perpetual account and a spot account (cash and asset) of its own. It runs two
 * strategies, each switchable, that both hold a delta-neutral book (perp position + spot
 * inventory change ≈ 0):
 *
 * **Basis arbitrage.** On every wake (every `checkPeriodNs`, and — with `reactToReports` — again as
 * soon as its last order's report arrives) it reads the top of both books:
 * - perp rich: `perpBid > spotAsk × (1 + entryThreshold + perpTakerFee + spotTakerFee)` → sell the
 *   perp (IOC limit at that bid) and buy spot (IOC limit at that ask);
 * - perp cheap: `perpAsk < spotBid × (1 − entryThreshold − perpTakerFee − spotTakerFee)` → buy the
 *   perp at the ask and sell spot at the bid.
 * Both legs have the same size: the smaller of the quantities resting at the two top levels,
 * `maxTradeLots`, the room left under `maxPositionLots` (on the basis strategy's perp inventory),
 * the perp account's margin capacity (margin balance × leverage, 90 % used at most) and the spot
 * account's cash (buys, fees included) or asset (sells; the spot leg is never shorted). The
 * position is unwound (both legs, IOC at the top, same size limits) once the mid basis
 * `(perpMid − spotMid) / spotMid` is back inside `exitThresholdBps` on the side it was entered
 * from. The entry threshold is on executable prices and should cover the exit's fees too.
 *
 * **Funding arbitrage.** Every `fundingRebalancePeriodNs` it moves a second perp inventory toward
 * a target `−sign(F̂) · min(maxFundingPositionLots, maxFundingPositionLots · |F̂| / fundingFullSizeRate)`
 * (zero while `|F̂| < fundingMinRate`), by at most `fundingStepLots` per rebalance, hedged in spot
 * (short perp + long spot when funding is positive, the reverse when negative). The expected rate
 * F̂ = (1 − w) · (last settled funding rate) + w · (mark − index) / index, `w = fundingPremiumWeight`.
 *
 * **Leg risk.** Each trade is a pair of IOC orders; one leg may fill and the other not (the book
 * moved during the order's latency). The agent sends nothing new while orders are in flight; once
 * all are done it computes the residual `perpPosition + (spotAsset − initialSpotAsset)` and, when
 * non-zero, fixes it first with a marketable IOC limit (`hedgeSlippageBps` beyond the top) on the
 * leg that filled less (completing the trade), or on the perp when the spot account cannot.
 * After a liquidation or auto-deleveraging of the perp leg the spot leg is unwound instead.
 *
 * Simplifications: fees are not visible through the agent views, so taker fees are configured
 * (defaults are the venues' defaults; {@link takerFeesFromVenueSpecs} reads them from a world's
 * venue specs); both venues must share tick and lot sizes (as the index requires); the agent reads
 * market data instantly and its orders and reports travel with its own link latency
 * (`latencyMedianNs`), which is what the `arbitrage-latency` experiment sweeps.
 *
 * @example
 * ```ts
 * const arb = new Arbitrageur({ name: "arb", perpVenue: "perp", spotVenue: "spot", entryThresholdBps: 5,
 *   latencyMedianNs: 200_000, ...takerFeesFromVenueSpecs(venues, "perp", "spot") });
 * createWorld({ seed: 1, venues, agents: [maker, arb] });
 * ```
 *
 * @module
 */

import { ConfigError, type Instrument, NS_PER_MS, NS_PER_SECOND, parseDecimal, Side } from "@cascade/core";
import { resolvePerpConfig, VenueEventKind } from "@cascade/exchange";
import { TimeInForce } from "@cascade/matching-engine";
import type { Agent, AgentContext, AgentMessage, PerpView, SpotView, VenueSpec } from "@cascade/sim";
import { AccountMirror } from "./toolkit/account-mirror.ts";
import { BookCursor, type BookReader } from "./toolkit/book-walk.ts";
import {
  Leg,
  marketableLimitTicks,
  perpCapacityLots,
  residualHedge,
  spotBuyCapacityLots,
} from "./toolkit/hedging.ts";
import { OrderTracker, OrderUpdate } from "./toolkit/order-tracker.ts";

// -------------------------------------------------------------------------------------------------
// Pure decision rules

/** Direction of a basis trade. */
export const BasisDirection = {
  /** No trade. */
  None: 0,
  /** Perp rich: sell the perp, buy spot. */
  SellPerpBuySpot: 1,
  /** Perp cheap: buy the perp, sell spot. */
  BuyPerpSellSpot: -1,
} as const;
/** One of the {@link BasisDirection} values. */
export type BasisDirection = (typeof BasisDirection)[keyof typeof BasisDirection];

/**
 * The basis-entry signal from the top of both books (prices in ticks, `-1` for an empty side).
 * Perp rich when `perpBid > spotAsk × (1 + entry + fees)`, cheap when
 * `perpAsk < spotBid × (1 − entry − fees)`; else {@link BasisDirection.None}.
 * @param entryThresholdBps required edge beyond fees, basis points.
 * @param totalFeePpm fees paid on entry (perp taker + spot taker), ppm of notional.
 * @example
 * ```ts
 * basisEntrySignal(701_000, 701_010, 699_990, 700_000, 5, 500); // 1 (sell perp, buy spot): 14.3 bps > 10 bps
 * ```
 */
export function basisEntrySignal(
  perpBidTicks: number,
  perpAskTicks: number,
  spotBidTicks: number,
  spotAskTicks: number,
  entryThresholdBps: number,
  totalFeePpm: number,
): BasisDirection {
  const edge = entryThresholdBps / 1e4 + totalFeePpm / 1e6;
  if (perpBidTicks > 0 && spotAskTicks > 0 && perpBidTicks > spotAskTicks * (1 + edge))
    return BasisDirection.SellPerpBuySpot;
  if (perpAskTicks > 0 && spotBidTicks > 0 && perpAskTicks < spotBidTicks * (1 - edge))
    return BasisDirection.BuyPerpSellSpot;
  return BasisDirection.None;
}

/**
 * Basis of the perp over spot in basis points, `(perpMid − spotMid) / spotMid × 10^4`; NaN when a
 * mid is unknown.
 * @example
 * ```ts
 * basisBps(700_700, 700_000); // 10
 * ```
 */
export function basisBps(perpMidTicks: number, spotMidTicks: number): number {
  if (!(perpMidTicks > 0 && spotMidTicks > 0)) return Number.NaN;
  return ((perpMidTicks - spotMidTicks) / spotMidTicks) * 1e4;
}

/**
 * Whether a basis position should be unwound: a short perp (entered rich) once the mid basis is
 * at most `exitThresholdBps`, a long perp (entered cheap) once it is at least `−exitThresholdBps`.
 * @param inventoryLots signed perp lots held by the basis strategy.
 * @example
 * ```ts
 * basisExitDue(-100, 1.5, 2); // true: the perp premium has shrunk to 1.5 bps
 * ```
 */
export function basisExitDue(inventoryLots: number, basisBpsNow: number, exitThresholdBps: number): boolean {
  if (!Number.isFinite(basisBpsNow)) return false;
  if (inventoryLots < 0) return basisBpsNow <= exitThresholdBps;
  if (inventoryLots > 0) return basisBpsNow >= -exitThresholdBps;
  return false;
}

/** What limits the size of one basis trade (all quantities in lots, ≥ 0 unless said). */
export interface BasisSizeInput {
  /** ±1: the trade's {@link BasisDirection}. */
  readonly direction: BasisDirection;
  /** Lots resting at the perp price the trade hits. */
  readonly perpTopLots: number;
  /** Lots resting at the spot price the trade hits. */
  readonly spotTopLots: number;
  /** Cap per trade. */
  readonly maxTradeLots: number;
  /** Signed perp lots the basis strategy holds now. */
  readonly inventoryLots: number;
  /** Cap on |inventory| after the trade. */
  readonly maxPositionLots: number;
  /** Lots the perp account can still trade in this direction ({@link perpCapacityLots}). */
  readonly perpCapacityLots: number;
  /** Lots the spot account can buy (cash) or sell (asset) ({@link spotBuyCapacityLots}). */
  readonly spotCapacityLots: number;
}

/**
 * Size of a basis entry, lots: the minimum of the top-level quantities, `maxTradeLots`, the room
 * under `maxPositionLots` and both accounts' capacities; 0 when any is exhausted.
 * @example
 * ```ts
 * basisTradeLots({ direction: 1, perpTopLots: 500, spotTopLots: 800, maxTradeLots: 1000,
 *   inventoryLots: -9_800, maxPositionLots: 10_000, perpCapacityLots: 1e6, spotCapacityLots: 1e6 }); // 200
 * ```
 */
export function basisTradeLots(i: BasisSizeInput): number {
  if (i.direction === BasisDirection.None) return 0;
  // Selling the perp lowers the inventory: room down to −max; buying raises it: room up to +max.
  const room =
    i.direction === BasisDirection.SellPerpBuySpot
      ? i.maxPositionLots + i.inventoryLots
      : i.maxPositionLots - i.inventoryLots;
  const q = Math.min(
    i.perpTopLots,
    i.spotTopLots,
    i.maxTradeLots,
    room,
    i.perpCapacityLots,
    i.spotCapacityLots,
  );
  return q > 0 ? Math.floor(q) : 0;
}

/** The result of {@link walkBasisDepth}, with the cursors it walks the two books with; reused. */
export class DepthWalk {
  /** Lots both legs can trade within the no-arbitrage bound (0: none). */
  lots = 0;
  /** Worst perp and spot prices the walk reached: the legs' IOC limits, ticks (-1 when none). */
  perpLimitTicks = -1;
  spotLimitTicks = -1;
  /** Price levels visited on the two books together (2 = both touches). */
  levels = 0;
  /** The cursors on the perp and the spot book. */
  readonly perp = new BookCursor();
  readonly spot = new BookCursor();
}

/**
 * Walks both books beyond the touch as far as the no-arbitrage bound: level by level, the pair
 * (perp price P, spot price S) at the margin must still satisfy `P > S·(1 + edge)` (sell the perp,
 * buy spot) or `P < S·(1 − edge)` (buy the perp, sell spot). Sizes the trade at the lots available
 * on both sides up to the last such pair, at most `maxLots`, visiting at most `maxLevels` levels
 * per book; the lots already claimed by one's own orders in flight (`skipPerpLots`, `skipSpotLots`)
 * are passed over first. Writes into `out`; allocates nothing.
 * @param perpTopTicks the perp touch the trade hits (best bid to sell, best ask to buy).
 * @param spotTopTicks the spot touch the trade hits (best ask to buy, best bid to sell).
 * @param edge required edge as a fraction (entry threshold + both taker fees).
 * @example
 * ```ts
 * const out = new DepthWalk();
 * // perp bids 701,000 × 500 and 700,800 × 500; spot ask 700,000 × 2,000; edge 10 bps
 * walkBasisDepth(perpView, spotView, 1, 701_000, 700_000, 0.001, 5_000, 10, 0, 0, out);
 * // out.lots = 1_000, out.perpLimitTicks = 700_800, out.spotLimitTicks = 700_000
 * ```
 */
export function walkBasisDepth(
  perp: BookReader,
  spot: BookReader,
  direction: BasisDirection,
  perpTopTicks: number,
  spotTopTicks: number,
  edge: number,
  maxLots: number,
  maxLevels: number,
  skipPerpLots: number,
  skipSpotLots: number,
  out: DepthWalk,
): void {
  out.lots = 0;
  out.perpLimitTicks = -1;
  out.spotLimitTicks = -1;
  out.levels = 0;
  if (direction === BasisDirection.None || !(perpTopTicks > 0 && spotTopTicks > 0) || !(maxLots > 0)) return;
  const sellPerp = direction === BasisDirection.SellPerpBuySpot;
  // The resting sides the legs take, and how far each may reach at all given the other's touch.
  const perpFar = sellPerp
    ? Math.floor(spotTopTicks * (1 + edge)) + 1
    : Math.ceil(spotTopTicks * (1 - edge)) - 1;
  const spotFar = sellPerp
    ? Math.ceil(perpTopTicks / (1 + edge)) - 1
    : Math.floor(perpTopTicks / (1 - edge)) + 1;
  const p = out.perp.reset(perp, sellPerp ? Side.Buy : Side.Sell, perpTopTicks, perpFar, maxLevels);
  const s = out.spot.reset(spot, sellPerp ? Side.Sell : Side.Buy, spotTopTicks, spotFar, maxLevels);
  // Pass over what orders already travelling will take.
  p.skip(skipPerpLots);
  s.skip(skipSpotLots);
  let lots = 0;
  while (p.priceTicks > 0 && s.priceTicks > 0 && lots < maxLots) {
    const inBound = sellPerp
      ? p.priceTicks > s.priceTicks * (1 + edge)
      : p.priceTicks < s.priceTicks * (1 - edge);
    if (!inBound) break;
    const take = Math.min(p.lots, s.lots, maxLots - lots);
    lots += take;
    out.perpLimitTicks = p.priceTicks;
    out.spotLimitTicks = s.priceTicks;
    p.take(take);
    s.take(take);
  }
  out.lots = Math.floor(lots);
  out.levels = p.levels + s.levels;
}

/**
 * Expected funding rate per interval (fraction): `(1 − w) × lastRate + w × (mark − index) / index`;
 * the last rate alone when the premium is unknown.
 * @param premiumWeight `w` in [0, 1].
 * @example
 * ```ts
 * expectedFundingRate(0.0001, 700_700, 700_000, 0.5); // 0.00055
 * ```
 */
export function expectedFundingRate(
  lastFundingRate: number,
  markTicks: number,
  indexTicks: number,
  premiumWeight: number,
): number {
  const last = Number.isFinite(lastFundingRate) ? lastFundingRate : 0;
  if (!(markTicks > 0 && indexTicks > 0)) return last;
  const premium = (markTicks - indexTicks) / indexTicks;
  return (1 - premiumWeight) * last + premiumWeight * premium;
}

/**
 * Target perp position (signed lots) of the funding strategy: short when funding is positive,
 * long when negative, `maxLots × |rate| / fullSizeRate` capped at `maxLots`, zero below `minRate`.
 * @example
 * ```ts
 * fundingTargetLots(0.00025, 0.0005, 0.00005, 10_000); // -5_000
 * ```
 */
export function fundingTargetLots(
  rate: number,
  fullSizeRate: number,
  minRate: number,
  maxLots: number,
): number {
  if (!Number.isFinite(rate) || Math.abs(rate) < minRate) return 0;
  const mag = Math.min(maxLots, Math.floor((maxLots * Math.abs(rate)) / fullSizeRate));
  return rate > 0 ? -mag : mag;
}

/**
 * The perp trade (signed lots, + buys) of one funding rebalance: toward `targetLots`, at most
 * `stepLots`, and none when the gap is below `minTradeLots`.
 * @example
 * ```ts
 * fundingRebalanceLots(-1_000, -5_000, 500, 100); // -500
 * ```
 */
export function fundingRebalanceLots(
  currentLots: number,
  targetLots: number,
  stepLots: number,
  minTradeLots: number,
): number {
  const gap = targetLots - currentLots;
  if (Math.abs(gap) < Math.max(1, minTradeLots)) return 0;
  return Math.max(-stepLots, Math.min(stepLots, gap));
}

// -------------------------------------------------------------------------------------------------
// Configuration

/** Configuration of an {@link Arbitrageur}. Every field but `name` has a default. */
export interface ArbitrageurConfig {
  /** Unique agent name. */
  readonly name: string;
  /** Perpetual venue name. Default `"perp"`. */
  readonly perpVenue?: string;
  /** Spot venue name. Default `"spot"`. */
  readonly spotVenue?: string;
  /** Median one-way latency of the agent's links, ns (default: the world's). */
  readonly latencyMedianNs?: number;
  /** Deposit of the cross-margin perp account, quote currency. Default `"1000000"`. */
  readonly perpDeposit?: string | number;
  /** Leverage of the perp account. Default 5. */
  readonly perpLeverage?: number;
  /** Spot cash, quote currency. Default `"1000000"`. */
  readonly spotCash?: string | number;
  /** Spot asset, base units. Default `"10"`. */
  readonly spotAsset?: string | number;
  /** Perp taker fee, ppm of notional. Default 500 (the perp venue's default). */
  readonly perpTakerFeePpm?: number;
  /** Spot taker fee, ppm of notional. Default 0 (the spot venue's default). */
  readonly spotTakerFeePpm?: number;
  /** Period of the decision wake-ups (market-data polling), ns. Default 10 ms. */
  readonly checkPeriodNs?: number;
  /** Decide again as soon as the last in-flight order's report arrives. Default true. */
  readonly reactToReports?: boolean;
  /** Price beyond the top a residual hedge may pay, basis points. Default 20. */
  readonly hedgeSlippageBps?: number;
  /** Run the basis strategy. Default true. */
  readonly basisEnabled?: boolean;
  /** Edge beyond fees required to enter, basis points. Default 5. */
  readonly entryThresholdBps?: number;
  /** Mid basis inside which a position is unwound, basis points (< entry). Default 1. */
  readonly exitThresholdBps?: number;
  /**
   * How deep a basis entry takes: `"touch"` (the best level of each book only) or `"walk"` (level
   * by level beyond the touch as far as the no-arbitrage bound, see {@link walkBasisDepth}, with up
   * to `maxPairsInFlight` pairs travelling at once). Default `"touch"`.
   */
  readonly depth?: "touch" | "walk";
  /** `depth: "walk"`: basis pairs that may be in flight at once. Default 4. */
  readonly maxPairsInFlight?: number;
  /** `depth: "walk"`: price levels a walk visits at most on each book. Default 20. */
  readonly maxDepthLevels?: number;
  /** Cap per basis trade, lots. Default 1,000. */
  readonly maxTradeLots?: number;
  /** Cap on the basis strategy's |perp position|, lots. Default 10,000. */
  readonly maxPositionLots?: number;
  /** Run the funding strategy. Default false. */
  readonly fundingEnabled?: boolean;
  /** Cap on the funding strategy's |perp position|, lots. Default 10,000. */
  readonly maxFundingPositionLots?: number;
  /** Expected funding rate (per interval, fraction) at which the full size is held. Default 0.0005. */
  readonly fundingFullSizeRate?: number;
  /** Expected funding rate below which the target is zero. Default 0.00005. */
  readonly fundingMinRate?: number;
  /** Weight of the live premium vs the last funding rate in the expected rate, [0, 1]. Default 0.5. */
  readonly fundingPremiumWeight?: number;
  /** Period of funding rebalances, ns. Default 60 s. */
  readonly fundingRebalancePeriodNs?: number;
  /** Largest perp trade per funding rebalance, lots. Default 500. */
  readonly fundingStepLots?: number;
  /** Smallest gap to the target worth trading, lots. Default 100. */
  readonly fundingMinTradeLots?: number;
}

/** {@link ArbitrageurConfig} with defaults filled in (amounts still human decimals). */
export type ResolvedArbitrageurConfig = Required<Omit<ArbitrageurConfig, "latencyMedianNs">> & {
  readonly latencyMedianNs: number | undefined;
};

const F = "arbitrageur";

function num(field: string, v: unknown, ok: (x: number) => boolean, reason: string): number {
  if (typeof v !== "number" || !Number.isFinite(v) || !ok(v))
    throw new ConfigError(`${F}.${field}`, v, reason);
  return v;
}

function depthMode(v: unknown): "touch" | "walk" {
  const d = v ?? "touch";
  if (d !== "touch" && d !== "walk") throw new ConfigError(`${F}.depth`, v, 'must be "touch" or "walk"');
  return d;
}

function decimalAmount(field: string, v: string | number): string | number {
  const d = parseDecimal(`${F}.${field}`, v);
  if (d.mantissa < 0n) throw new ConfigError(`${F}.${field}`, v, "must be ≥ 0");
  return v;
}

/**
 * Validates an arbitrageur configuration and fills in defaults.
 * @throws {@link @cascade/core!ConfigError} naming the field, e.g. `arbitrageur.entryThresholdBps = -1: must be ≥ 0`.
 */
export function resolveArbitrageurConfig(c: ArbitrageurConfig): ResolvedArbitrageurConfig {
  if (c === null || typeof c !== "object") throw new ConfigError(F, c, "must be an object");
  const str = (field: string, v: unknown, d: string): string => {
    const s = v ?? d;
    if (typeof s !== "string" || s === "")
      throw new ConfigError(`${F}.${field}`, v, "must be a non-empty string");
    return s;
  };
  const bool = (field: string, v: unknown, d: boolean): boolean => {
    const b = v ?? d;
    if (typeof b !== "boolean") throw new ConfigError(`${F}.${field}`, v, "must be a boolean");
    return b;
  };
  const nonNeg = (x: number) => x >= 0;
  const posInt = (x: number) => Number.isSafeInteger(x) && x > 0;
  const nonNegInt = (x: number) => Number.isSafeInteger(x) && x >= 0;
  const ppm = (x: number) => Number.isInteger(x) && x >= 0 && x <= 1_000_000;
  const name = str("name", c.name, "");
  const perpVenue = str("perpVenue", c.perpVenue, "perp");
  const spotVenue = str("spotVenue", c.spotVenue, "spot");
  const latencyMedianNs =
    c.latencyMedianNs === undefined
      ? undefined
      : num("latencyMedianNs", c.latencyMedianNs, nonNeg, "must be a finite number ≥ 0 (ns)");
  const entryThresholdBps = num("entryThresholdBps", c.entryThresholdBps ?? 5, nonNeg, "must be ≥ 0");
  const exitThresholdBps = num(
    "exitThresholdBps",
    c.exitThresholdBps ?? Math.min(1, entryThresholdBps),
    (x) => x > -1e4 && x <= entryThresholdBps,
    `must be ≤ entryThresholdBps (${entryThresholdBps})`,
  );
  const fundingFullSizeRate = num(
    "fundingFullSizeRate",
    c.fundingFullSizeRate ?? 0.0005,
    (x) => x > 0 && x < 1,
    "must be in (0, 1)",
  );
  const r: ResolvedArbitrageurConfig = {
    name,
    perpVenue,
    spotVenue,
    latencyMedianNs,
    perpDeposit: decimalAmount("perpDeposit", c.perpDeposit ?? "1000000"),
    perpLeverage: num(
      "perpLeverage",
      c.perpLeverage ?? 5,
      (x) => Number.isInteger(x) && x >= 1,
      "must be an integer ≥ 1",
    ),
    spotCash: decimalAmount("spotCash", c.spotCash ?? "1000000"),
    spotAsset: decimalAmount("spotAsset", c.spotAsset ?? "10"),
    perpTakerFeePpm: num(
      "perpTakerFeePpm",
      c.perpTakerFeePpm ?? 500,
      ppm,
      "must be an integer in [0, 1000000]",
    ),
    spotTakerFeePpm: num(
      "spotTakerFeePpm",
      c.spotTakerFeePpm ?? 0,
      ppm,
      "must be an integer in [0, 1000000]",
    ),
    checkPeriodNs: num(
      "checkPeriodNs",
      c.checkPeriodNs ?? 10 * NS_PER_MS,
      posInt,
      "must be a positive integer (ns)",
    ),
    reactToReports: bool("reactToReports", c.reactToReports, true),
    hedgeSlippageBps: num(
      "hedgeSlippageBps",
      c.hedgeSlippageBps ?? 20,
      (x) => x >= 0 && x < 1e4,
      "must be in [0, 10000)",
    ),
    basisEnabled: bool("basisEnabled", c.basisEnabled, true),
    entryThresholdBps,
    exitThresholdBps,
    depth: depthMode(c.depth),
    maxPairsInFlight: num(
      "maxPairsInFlight",
      c.maxPairsInFlight ?? 4,
      (x) => Number.isSafeInteger(x) && x >= 1 && x <= 1000,
      "must be an integer in [1, 1000]",
    ),
    maxDepthLevels: num(
      "maxDepthLevels",
      c.maxDepthLevels ?? 20,
      (x) => Number.isSafeInteger(x) && x >= 1 && x <= 10_000,
      "must be an integer in [1, 10000]",
    ),
    maxTradeLots: num("maxTradeLots", c.maxTradeLots ?? 1_000, posInt, "must be a positive integer (lots)"),
    maxPositionLots: num(
      "maxPositionLots",
      c.maxPositionLots ?? 10_000,
      nonNegInt,
      "must be an integer ≥ 0 (lots)",
    ),
    fundingEnabled: bool("fundingEnabled", c.fundingEnabled, false),
    maxFundingPositionLots: num(
      "maxFundingPositionLots",
      c.maxFundingPositionLots ?? 10_000,
      nonNegInt,
      "must be an integer ≥ 0 (lots)",
    ),
    fundingFullSizeRate,
    fundingMinRate: num(
      "fundingMinRate",
      c.fundingMinRate ?? 0.00005,
      (x) => x >= 0 && x < 1,
      "must be in [0, 1)",
    ),
    fundingPremiumWeight: num(
      "fundingPremiumWeight",
      c.fundingPremiumWeight ?? 0.5,
      (x) => x >= 0 && x <= 1,
      "must be in [0, 1]",
    ),
    fundingRebalancePeriodNs: num(
      "fundingRebalancePeriodNs",
      c.fundingRebalancePeriodNs ?? 60 * NS_PER_SECOND,
      posInt,
      "must be a positive integer (ns)",
    ),
    fundingStepLots: num(
      "fundingStepLots",
      c.fundingStepLots ?? 500,
      posInt,
      "must be a positive integer (lots)",
    ),
    fundingMinTradeLots: num(
      "fundingMinTradeLots",
      c.fundingMinTradeLots ?? 100,
      nonNegInt,
      "must be an integer ≥ 0 (lots)",
    ),
  };
  if (name === "") throw new ConfigError(`${F}.name`, c.name, "must be a non-empty string");
  return r;
}

/**
 * Taker fees of a world's perp and spot venues, read from their specs (with the venues' defaults
 * filled in), ready to spread into an {@link ArbitrageurConfig}.
 * @throws {@link @cascade/core!ConfigError} when a name does not match a venue of the right kind.
 * @example
 * ```ts
 * new Arbitrageur({ name: "arb", ...takerFeesFromVenueSpecs(worldConfig.venues, "perp", "spot") });
 * ```
 */
export function takerFeesFromVenueSpecs(
  venues: readonly VenueSpec[],
  perpVenue = "perp",
  spotVenue = "spot",
): { perpTakerFeePpm: number; spotTakerFeePpm: number } {
  const perp = venues.find((v) => v.name === perpVenue);
  const spot = venues.find((v) => v.name === spotVenue);
  if (perp?.kind !== "perp")
    throw new ConfigError(`${F}.perpVenue`, perpVenue, "must name a perpetual venue");
  if (spot?.kind !== "spot") throw new ConfigError(`${F}.spotVenue`, spotVenue, "must name a spot venue");
  return {
    perpTakerFeePpm: resolvePerpConfig(perp.config).takerFeePpm,
    spotTakerFeePpm: spot.config.takerFeePpm ?? 0,
  };
}

// -------------------------------------------------------------------------------------------------
// The agent

const WAKE_CHECK = 0;
const WAKE_FUNDING = 1;

/** What an order was sent for (the order's tag in the trackers). */
const Purpose = { Basis: 0, Funding: 1 } as const;
type Purpose = (typeof Purpose)[keyof typeof Purpose];

/**
 * The perp–spot arbitrageur (see the module documentation for the model). `kind` is
 * `"arbitrageur"`; gauges (summed over arbitrageurs): `perp_position` and `spot_position` (change
 * of spot holdings since the start), base units; `basis_bps` (mid basis, last known); `pnl`
 * (quote currency: perp margin balance − deposit + spot cash change + spot inventory change × spot mid).
 */
export class Arbitrageur implements Agent {
  /** Agent class label. */
  readonly kind = "arbitrageur";
  /** Unique agent name. */
  readonly name: string;
  /** Median one-way link latency, ns (undefined: the world's). */
  readonly latencyMedianNs: number | undefined;
  /** The resolved configuration. */
  readonly config: ResolvedArbitrageurConfig;

  /** Basis trade pairs sent. */
  basisTrades = 0;
  /** Basis trade pairs sent that reached beyond the touch of either book (`depth: "walk"`). */
  depthTrades = 0;
  /** Basis unwind pairs sent. */
  unwinds = 0;
  /** Funding rebalance pairs sent. */
  fundingTrades = 0;
  /** Residual-hedge orders sent. */
  hedgeOrders = 0;
  /** Signed perp lots held by the funding strategy (the rest of the perp position is the basis strategy's). */
  fundingLots = 0;
  /** Own orders on the perp and spot accounts (after start). */
  readonly perpOrders = new OrderTracker(4);
  readonly spotOrders = new OrderTracker(4);

  private perpV = -1;
  private spotV = -1;
  private perp: PerpView | null = null;
  private spot: SpotView | null = null;
  private instrument: Instrument | null = null;
  private m = 1;
  private perpDepositUnits = 0;
  private spotCash0 = 0;
  private spotAsset0 = 0;
  private readonly perpMirror = new AccountMirror("perp");
  private readonly spotMirror = new AccountMirror("spot");
  private readonly walk = new DepthWalk();
  private perpShortfallLots = 0;
  private spotShortfallLots = 0;
  private lagLeg: Leg = Leg.Spot;
  private lastPurpose: Purpose = Purpose.Basis;
  private lastBasisBps = 0;

  /** @throws {@link @cascade/core!ConfigError} naming the bad field. */
  constructor(config: ArbitrageurConfig) {
    this.config = resolveArbitrageurConfig(config);
    this.name = this.config.name;
    this.latencyMedianNs = this.config.latencyMedianNs;
  }

  /** Number of orders in flight (sent, not yet reported done or rejected). */
  get inFlight(): number {
    return this.perpOrders.count + this.spotOrders.count;
  }

  /** Perp account id (after start). */
  get perpAccountId(): number {
    return this.perpOrders.account;
  }

  /** Spot account id (after start). */
  get spotAccountId(): number {
    return this.spotOrders.account;
  }

  /** Lots filled on the perp venue. */
  get perpFilledLots(): number {
    return this.perpMirror.filledLots;
  }

  /** Lots filled on the spot venue. */
  get spotFilledLots(): number {
    return this.spotMirror.filledLots;
  }

  /** Orders refused by a venue. */
  get rejects(): number {
    return this.perpOrders.rejects + this.spotOrders.rejects;
  }

  /** Funding paid (+) or received (−), quote units. */
  get fundingPaidUnits(): number {
    return this.perpMirror.fundingUnits;
  }

  start(ctx: AgentContext): void {
    const c = this.config;
    this.perpV = ctx.venueIndex(c.perpVenue);
    this.spotV = ctx.venueIndex(c.spotVenue);
    this.perp = ctx.perp(this.perpV);
    this.spot = ctx.spot(this.spotV);
    const pi = ctx.instrument(this.perpV);
    const si = ctx.instrument(this.spotV);
    if (pi.spec.tickSize !== si.spec.tickSize || pi.spec.lotSize !== si.spec.lotSize) {
      throw new ConfigError(
        `${F}.spotVenue`,
        c.spotVenue,
        `must share the perp's tick and lot size (${pi.spec.tickSize}, ${pi.spec.lotSize})`,
      );
    }
    this.instrument = pi;
    this.m = pi.quotePerTickLot;
    this.perpDepositUnits = pi.quoteToUnits(c.perpDeposit, "exact", `${F}.perpDeposit`);
    const perpAccount = ctx.openPerpAccount(this.perpV, {
      isolated: false,
      leverage: c.perpLeverage,
      depositUnits: this.perpDepositUnits,
    });
    this.spotCash0 = si.quoteToUnits(c.spotCash, "exact", `${F}.spotCash`);
    this.spotAsset0 = si.qtyToLots(c.spotAsset, "exact", `${F}.spotAsset`);
    const spotAccount = ctx.openSpotAccount(this.spotV, this.spotCash0, this.spotAsset0);
    this.perpOrders.attach(this.perpV, perpAccount);
    this.spotOrders.attach(this.spotV, spotAccount);
    this.perpMirror.open(this.perpV, perpAccount, 0, 0, this.m);
    this.spotMirror.open(this.spotV, spotAccount, this.spotCash0, this.spotAsset0, this.m);
    // A random phase so that several arbitrageurs (or reruns with other seeds) do not wake in lockstep.
    const rng = ctx.rng("phase");
    ctx.wakeAfter(1 + rng.int(c.checkPeriodNs), WAKE_CHECK);
    if (c.fundingEnabled) ctx.wakeAfter(1 + rng.int(c.fundingRebalancePeriodNs), WAKE_FUNDING);
  }

  onWake(ctx: AgentContext, tag: number): void {
    if (tag === WAKE_FUNDING) {
      this.rebalanceFunding(ctx);
      ctx.wakeAfter(this.config.fundingRebalancePeriodNs, WAKE_FUNDING);
      return;
    }
    this.decide(ctx);
    ctx.wakeAfter(this.config.checkPeriodNs, WAKE_CHECK);
  }

  onMessage(ctx: AgentContext, msg: AgentMessage): void {
    const isPerp = this.perpOrders.owns(msg);
    if (!isPerp && !this.spotOrders.owns(msg)) return;
    (isPerp ? this.perpMirror : this.spotMirror).onMessage(msg);
    if (msg.kind === VenueEventKind.Liquidated || msg.kind === VenueEventKind.Deleveraged) {
      // The perp leg was closed by the venue: unwind the spot leg rather than reopen the perp.
      this.lagLeg = Leg.Spot;
      this.clampFundingLots();
      return;
    }
    const orders = isPerp ? this.perpOrders : this.spotOrders;
    const u = orders.onMessage(ctx, msg);
    if (u !== OrderUpdate.Done && u !== OrderUpdate.Rejected) return;
    const unfilled = orders.lastUnfilledLots;
    if (isPerp) {
      this.perpShortfallLots += unfilled;
      if (orders.lastTag === Purpose.Funding) {
        const filled = orders.lastSentLots - unfilled;
        this.fundingLots += orders.lastSide === Side.Buy ? filled : -filled;
      }
    } else {
      this.spotShortfallLots += unfilled;
    }
    if (this.inFlight === 0) {
      if (this.perpShortfallLots !== this.spotShortfallLots)
        this.lagLeg = this.perpShortfallLots > this.spotShortfallLots ? Leg.Perp : Leg.Spot;
      if (this.config.reactToReports) this.decide(ctx);
    } else if (this.config.depth === "walk" && this.config.reactToReports) {
      // A pair slot freed up: the next pair need not wait for the timer.
      this.decide(ctx);
    }
  }

  gauges(record: (name: string, value: number) => void): void {
    const perp = this.perp;
    const spot = this.spot;
    const ins = this.instrument;
    if (perp === null || spot === null || ins === null) return;
    const pos = perp.position(this.perpOrders.account);
    const spotDelta = spot.asset(this.spotOrders.account) - this.spotAsset0;
    record("perp_position", ins.lotsToQty(pos));
    record("spot_position", ins.lotsToQty(spotDelta));
    const b = basisBps(perp.mid(), spot.mid());
    if (Number.isFinite(b)) this.lastBasisBps = b;
    record("basis_bps", this.lastBasisBps);
    record("pnl", ins.unitsToQuote(this.pnlUnits()));
  }

  /**
   * Mark-to-market PnL in quote units: perp margin balance (wallet at the mark, wallet alone before
   * a mark exists) − deposit, plus spot cash change, plus spot inventory change valued at the spot mid.
   */
  pnlUnits(): number {
    const perp = this.perp;
    const spot = this.spot;
    if (perp === null || spot === null) return 0;
    const pa = this.perpOrders.account;
    const sa = this.spotOrders.account;
    const mb = perp.marginBalance(pa);
    const perpPnl = (Number.isFinite(mb) ? mb : perp.wallet(pa)) - this.perpDepositUnits;
    const mid = spot.mid();
    const ref = Number.isFinite(mid) ? mid : spot.lastTrade();
    const spotDelta = spot.asset(sa) - this.spotAsset0;
    const inv = spotDelta === 0 || !Number.isFinite(ref) ? 0 : spotDelta * ref * this.m;
    return perpPnl + spot.cash(sa) - this.spotCash0 + inv;
  }

  // ---------------------------------------------------------------------------------------------

  /**
   * One decision: residual hedge first, then a basis unwind, then a basis entry. With orders in
   * flight (only `depth: "walk"` allows more than one pair) only a further entry is considered:
   * the residual and the unwind are judged once every leg has reported.
   */
  private decide(ctx: AgentContext): void {
    const perp = this.perp!;
    const spot = this.spot!;
    const c = this.config;
    const busy = this.inFlight > 0;
    if ((busy && (c.depth !== "walk" || !this.pairSlotFree())) || perp.halted()) return;
    const pb = perp.bestBid();
    const pa = perp.bestAsk();
    const sb = spot.bestBid();
    const sa = spot.bestAsk();
    const pos = perp.position(this.perpOrders.account);
    if (!busy) {
      const residual = pos + spot.asset(this.spotOrders.account) - this.spotAsset0;
      if (residual !== 0) {
        this.hedgeResidual(ctx, residual, pb, pa, sb, sa);
        return;
      }
    }
    if (!c.basisEnabled || pb < 0 || pa < 0 || sb < 0 || sa < 0) return;
    // Lots of perp orders still travelling count as held: the caps hold whatever they fill.
    const inventory =
      pos - this.fundingLots + this.perpOrders.openLotsOf(Side.Buy) - this.perpOrders.openLotsOf(Side.Sell);
    if (!busy) {
      const basis = basisBps((pb + pa) / 2, (sb + sa) / 2);
      if (inventory !== 0 && basisExitDue(inventory, basis, c.exitThresholdBps)) {
        // Close: buy back a short perp at the ask and sell spot at the bid, or the reverse.
        const closeDir = inventory < 0 ? BasisDirection.BuyPerpSellSpot : BasisDirection.SellPerpBuySpot;
        // A position cap of 0 makes the room exactly |inventory|: the unwind never overshoots flat.
        const q = this.pairSize(closeDir, pb, pa, sb, sa, inventory, 0, c.maxTradeLots, false);
        if (q > 0) {
          this.unwinds++;
          const sell = closeDir === BasisDirection.SellPerpBuySpot;
          this.sendPair(ctx, closeDir, q, sell ? pb : pa, sell ? sa : sb, Purpose.Basis);
        }
        return;
      }
    }
    const fees = c.perpTakerFeePpm + c.spotTakerFeePpm;
    const dir = basisEntrySignal(pb, pa, sb, sa, c.entryThresholdBps, fees);
    if (dir === BasisDirection.None) return;
    const sellPerp = dir === BasisDirection.SellPerpBuySpot;
    if (c.depth !== "walk") {
      const q = this.pairSize(dir, pb, pa, sb, sa, inventory, c.maxPositionLots, c.maxTradeLots, false);
      if (q > 0) {
        this.basisTrades++;
        this.sendPair(ctx, dir, q, sellPerp ? pb : pa, sellPerp ? sa : sb, Purpose.Basis);
      }
      return;
    }
    // Walk both books as far as the no-arbitrage bound, within what capital and the caps allow,
    // past the depth that orders still in flight will already take.
    const cap = this.pairSize(dir, pb, pa, sb, sa, inventory, c.maxPositionLots, c.maxTradeLots, true);
    if (cap <= 0) return;
    const w = this.walk;
    walkBasisDepth(
      perp,
      spot,
      dir,
      sellPerp ? pb : pa,
      sellPerp ? sa : sb,
      c.entryThresholdBps / 1e4 + fees / 1e6,
      cap,
      c.maxDepthLevels,
      this.perpOrders.openLotsOf(sellPerp ? Side.Sell : Side.Buy),
      this.spotOrders.openLotsOf(sellPerp ? Side.Buy : Side.Sell),
      w,
    );
    let q = w.lots;
    // The spot leg's cash is judged at the walk's worst price, net of buys still travelling.
    if (sellPerp && q > 0)
      q = Math.min(q, spotBuyCapacityLots(this.spotCashFree(), w.spotLimitTicks, this.m, c.spotTakerFeePpm));
    if (q <= 0) return;
    this.basisTrades++;
    if (w.perpLimitTicks !== (sellPerp ? pb : pa) || w.spotLimitTicks !== (sellPerp ? sa : sb))
      this.depthTrades++;
    this.sendPair(ctx, dir, q, w.perpLimitTicks, w.spotLimitTicks, Purpose.Basis);
  }

  /** Whether another pair may be sent while orders are in flight (`maxPairsInFlight`). */
  private pairSlotFree(): boolean {
    // A residual hedge travels alone: nothing joins it.
    if (this.inFlight % 2 !== 0) return false;
    return this.inFlight / 2 < this.config.maxPairsInFlight;
  }

  /** Spot cash not committed to buy orders still in flight, quote units. */
  private spotCashFree(): number {
    const o = this.spotOrders;
    let committed = 0;
    for (let i = 0; i < o.capacity; i++)
      if (o.state(i) !== 0 && o.side(i) === Side.Buy) committed += o.priceTicks(i) * o.openLots(i) * this.m;
    return this.spot!.cash(o.account) - committed;
  }

  /**
   * Size of a pair in `dir` under inventory room and both accounts' capacity, and under the
   * top-level quantities unless `anyDepth` (a depth walk sizes against the books itself).
   */
  private pairSize(
    dir: BasisDirection,
    pb: number,
    pa: number,
    sb: number,
    sa: number,
    inventoryLots: number,
    maxPositionLots: number,
    maxTradeLots: number,
    anyDepth: boolean,
  ): number {
    const c = this.config;
    const perp = this.perp!;
    const spot = this.spot!;
    const pacc = this.perpOrders.account;
    const sacc = this.spotOrders.account;
    const sellPerp = dir === BasisDirection.SellPerpBuySpot;
    const perpPrice = sellPerp ? pb : pa;
    const spotPrice = sellPerp ? sa : sb;
    const mark = perp.mark();
    const travellingPerp = this.perpOrders.openLotsOf(Side.Buy) - this.perpOrders.openLotsOf(Side.Sell);
    return basisTradeLots({
      direction: dir,
      perpTopLots: anyDepth
        ? Number.POSITIVE_INFINITY
        : perp.qtyInRange(sellPerp ? Side.Buy : Side.Sell, perpPrice, perpPrice),
      spotTopLots: anyDepth
        ? Number.POSITIVE_INFINITY
        : spot.qtyInRange(sellPerp ? Side.Sell : Side.Buy, spotPrice, spotPrice),
      maxTradeLots,
      inventoryLots,
      maxPositionLots,
      perpCapacityLots: perpCapacityLots(
        perp.marginBalance(pacc),
        c.perpLeverage,
        Number.isFinite(mark) ? Math.max(mark, perpPrice) : perpPrice,
        this.m,
        c.perpTakerFeePpm,
        perp.position(pacc) + travellingPerp,
        dir,
      ),
      spotCapacityLots: sellPerp
        ? spotBuyCapacityLots(this.spotCashFree(), spotPrice, this.m, c.spotTakerFeePpm)
        : spot.asset(sacc) - this.spotOrders.openLotsOf(Side.Sell),
    });
  }

  private sendPair(
    ctx: AgentContext,
    dir: BasisDirection,
    qtyLots: number,
    perpPriceTicks: number,
    spotPriceTicks: number,
    purpose: Purpose,
  ): void {
    const sellPerp = dir === BasisDirection.SellPerpBuySpot;
    if (this.inFlight === 0) {
      this.perpShortfallLots = 0;
      this.spotShortfallLots = 0;
    }
    this.lastPurpose = purpose;
    const perpSide = sellPerp ? Side.Sell : Side.Buy;
    this.perpOrders.limit(ctx, perpSide, perpPriceTicks, qtyLots, TimeInForce.IOC, false, purpose);
    const spotSide = sellPerp ? Side.Buy : Side.Sell;
    this.spotOrders.limit(ctx, spotSide, spotPriceTicks, qtyLots, TimeInForce.IOC, false, Purpose.Basis);
  }

  private hedgeResidual(
    ctx: AgentContext,
    residual: number,
    pb: number,
    pa: number,
    sb: number,
    sa: number,
  ): void {
    const c = this.config;
    const spot = this.spot!;
    const sacc = this.spotOrders.account;
    const spotBuyPrice = sa > 0 ? marketableLimitTicks(Side.Buy, sa, c.hedgeSlippageBps) : -1;
    const h = residualHedge(
      residual,
      this.lagLeg,
      spotBuyPrice > 0 ? spotBuyCapacityLots(spot.cash(sacc), spotBuyPrice, this.m, c.spotTakerFeePpm) : 0,
      sb > 0 ? spot.asset(sacc) : 0,
    );
    if (h === null) return;
    const buy = h.side === Side.Buy;
    this.perpShortfallLots = 0;
    this.spotShortfallLots = 0;
    if (h.leg === Leg.Spot) {
      const price = buy ? spotBuyPrice : marketableLimitTicks(Side.Sell, sb, c.hedgeSlippageBps);
      this.spotOrders.limit(ctx, h.side, price, h.qtyLots, TimeInForce.IOC, false, Purpose.Basis);
    } else {
      const top = buy ? pa : pb;
      if (top < 0) return;
      const price = marketableLimitTicks(h.side, top, c.hedgeSlippageBps);
      this.perpOrders.limit(ctx, h.side, price, h.qtyLots, TimeInForce.IOC, false, this.lastPurpose);
    }
    this.hedgeOrders++;
  }

  /** One funding rebalance: a hedged pair toward the funding target. */
  private rebalanceFunding(ctx: AgentContext): void {
    const c = this.config;
    const perp = this.perp!;
    const spot = this.spot!;
    if (this.inFlight > 0 || perp.halted()) return;
    const pb = perp.bestBid();
    const pa = perp.bestAsk();
    const sb = spot.bestBid();
    const sa = spot.bestAsk();
    if (pb < 0 || pa < 0 || sb < 0 || sa < 0) return;
    if (perp.position(this.perpOrders.account) + spot.asset(this.spotOrders.account) - this.spotAsset0 !== 0)
      return;
    const rate = expectedFundingRate(perp.fundingRate(), perp.mark(), perp.index(), c.fundingPremiumWeight);
    const target = fundingTargetLots(rate, c.fundingFullSizeRate, c.fundingMinRate, c.maxFundingPositionLots);
    const step = fundingRebalanceLots(this.fundingLots, target, c.fundingStepLots, c.fundingMinTradeLots);
    if (step === 0) return;
    const dir = step > 0 ? BasisDirection.BuyPerpSellSpot : BasisDirection.SellPerpBuySpot;
    // Room: |fundingLots| may reach maxFundingPositionLots; the step itself caps the trade.
    const q = this.pairSize(
      dir,
      pb,
      pa,
      sb,
      sa,
      this.fundingLots,
      c.maxFundingPositionLots,
      Math.abs(step),
      false,
    );
    if (q > 0) {
      this.fundingTrades++;
      const sell = dir === BasisDirection.SellPerpBuySpot;
      this.sendPair(ctx, dir, q, sell ? pb : pa, sell ? sa : sb, Purpose.Funding);
    }
  }

  /** Keeps the funding inventory within the actual perp position (after liquidation or ADL). */
  private clampFundingLots(): void {
    const pos = this.perp?.position(this.perpOrders.account) ?? 0;
    if (this.fundingLots > 0) this.fundingLots = Math.max(0, Math.min(this.fundingLots, pos));
    else if (this.fundingLots < 0) this.fundingLots = Math.min(0, Math.max(this.fundingLots, pos));
  }
}
