/**
 * An inventory-aware market maker in the manner of Avellaneda & Stoikov (2008), quoting a ladder
 * on one perpetual or spot venue, widening with realised volatility and pulling its quotes under
 * stress — the thinning of the order book that lets a liquidation cascade run.
 *
 * ## The model
 *
 * Avellaneda, M. & Stoikov, S. (2008), "High-frequency trading in a limit order book",
 * *Quantitative Finance* 8(3), 217–224. A dealer with exponential utility (risk aversion γ) holds
 * `q` units of inventory; the reference price follows a Brownian motion with volatility σ; market
 * orders hit a quote at distance δ from the reference with intensity λ(δ) = A·e^{−kδ}. The
 * approximate optimal quotes, for a remaining horizon τ = T − t, are
 *
 * - reservation (indifference) price  r = s − q·γ·σ²·τ
 * - optimal total spread              δ = γ·σ²·τ + (2/γ)·ln(1 + γ/k)
 * - bid = r − δ/2, ask = r + δ/2 (each widened here by the maker fee, `makerFeeBps` of s).
 *
 * We use the stationary ("rolling horizon") reading: τ is a constant, `horizonNs`, rather than the
 * time left to a terminal date — the same choice Guéant, Lehalle & Fernandez-Tapia (2013, "Dealing
 * with the inventory risk", *Mathematics and Financial Economics* 7) justify as the long-horizon
 * limit, where the quotes no longer depend on t.
 *
 * Units (so the formulas hold as written): prices in quote currency, inventory `q` in base units
 * (e.g. BTC; AS count inventory in units of the asset), σ in quote currency per √second (we
 * estimate a *relative* volatility σ_rel per √second and use σ = σ_rel·s), τ in seconds, γ per
 * quote currency (per base unit of inventory), k per quote currency. The quotes are then converted
 * to ticks: bid rounded down, ask rounded up (outward), the spread floored at `minSpreadTicks`,
 * further levels `levelSpacingTicks` apart, and never at or through the opposite best price of the
 * book (priced one tick inside it, and sent post-only).
 *
 * Reference price: AS take `s` as exogenous. In a simulated book the maker's own quotes often *are*
 * the mid, and quoting around it would feed the inventory skew back into `s` (the price would drift
 * by q·γσ²τ at every requote). So `s` is the mid of *other* traders' best quotes within
 * `referenceBandBps` of the book's best prices; when others quote only one side (or none), the
 * book's mid (the continuous choice); when a side of the book is empty, the index (perpetual), else
 * the mark, else the last trade. On a perpetual it can be blended with the index:
 * s ← (1 − w)·s + w·index, `w = indexWeight`.
 *
 * Volatility: at each requote the agent samples the reference price `s` and updates an exponentially weighted estimate of the
 * variance per second, `v ← a·v + (1 − a)·ln(s/s_prev)²/Δt` with `a = 2^(−Δt/halfLife)`, so
 * σ_rel = min(max(√v, `minVolatilityPerSqrtSecond`), `maxVolatilityPerSqrtSecond`).
 *
 * Inventory limits: the bid ladder holds at most `maxInventoryLots − q` lots and the ask ladder at
 * most `maxInventoryLots + q` (q in lots), so no set of fills takes |q| beyond the limit; a side at
 * its limit is not quoted. A perpetual account is cross-margined with `capital` deposited at
 * `leverage`; a spot account holds `capital` cash plus `spotInventoryLots` of the asset (inventory is
 * measured from that starting holding). Orders the venue refuses (margin, balance, post-only, halt)
 * are dropped and counted; the next requote tries again.
 *
 * Stress: at each requote, if the mark-to-market PnL since the current quoting session began falls
 * below −`maxLossFraction`·capital, or σ_rel exceeds `volatilityPullThreshold`, the agent cancels all
 * its orders and stays out for `cooldownNs` (optionally sending a reduce-only IOC to flatten). After
 * the cooldown it resumes only once σ_rel is back under the threshold; the loss budget is reset at
 * each resume (a desk's per-session stop). The {@link MarketMaker.gauges} `pnl` is measured from the
 * start of the run.
 *
 * Requoting: every `requotePeriodNs` (and, with `referenceSource: "flow"` and `flowRequoteBps`,
 * as soon as the tape has moved the fair value that far) the agent computes the desired ladder and reconciles it with
 * its live orders — an order already at a desired price is kept (and reduced when the desired size is
 * smaller), every other order is cancelled by id, missing levels are placed. Cancelling by id (not
 * cancel-all) matters: message jitter may deliver a new order before an earlier cancel-all.
 *
 * @module
 */

import { ConfigError, type Instrument, NS_PER_SECOND, Side } from "@cascade/core";
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
import { AccountMirror } from "./toolkit/account-mirror.ts";
import { othersBestTicks } from "./toolkit/book-walk.ts";
import { LadderQuoter } from "./toolkit/ladder.ts";
import { OrderTracker } from "./toolkit/order-tracker.ts";

// -------------------------------------------------------------------------------------------------
// The decision rule, as pure functions

/**
 * Avellaneda–Stoikov reservation price `r = s − q·γ·σ²·τ`.
 * @param midPrice reference price s, quote currency.
 * @param inventory q, base units (positive = long).
 * @param gamma risk aversion γ, per quote currency.
 * @param sigma volatility σ, quote currency per √second.
 * @param horizonSeconds τ, seconds.
 * @returns r, quote currency.
 * @example `reservationPrice(100, 2, 0.1, 2, 10) // 100 − 2·0.1·4·10 = 92`
 */
export function reservationPrice(
  midPrice: number,
  inventory: number,
  gamma: number,
  sigma: number,
  horizonSeconds: number,
): number {
  return midPrice - inventory * gamma * sigma * sigma * horizonSeconds;
}

/**
 * Avellaneda–Stoikov optimal total spread `δ = γ·σ²·τ + (2/γ)·ln(1 + γ/k)` (bid-to-ask distance).
 * @param gamma risk aversion γ, per quote currency.
 * @param sigma volatility σ, quote currency per √second.
 * @param horizonSeconds τ, seconds.
 * @param k order-arrival decay k (λ(δ) = A·e^{−kδ}), per quote currency.
 * @returns δ, quote currency.
 * @example `optimalSpread(0.1, 2, 10, 1.5) // 4 + 20·ln(1 + 1/15) ≈ 5.2908`
 */
export function optimalSpread(gamma: number, sigma: number, horizonSeconds: number, k: number): number {
  return gamma * sigma * sigma * horizonSeconds + (2 / gamma) * Math.log(1 + gamma / k);
}

/**
 * One step of the time-aware EWMA of the variance of log returns per second:
 * `v' = a·v + (1 − a)·r²/Δt`, `a = 2^(−Δt/halfLife)`.
 * @param variancePerSecond previous estimate v (per second).
 * @param logReturn r = ln(s/s_prev) over the step.
 * @param dtSeconds Δt, seconds (> 0).
 * @param halfLifeSeconds half-life of the weights, seconds (> 0).
 * @example `ewmaVariancePerSecond(1e-8, 0.001, 1, 1) // 0.5·1e-8 + 0.5·1e-6 = 5.05e-7`
 */
export function ewmaVariancePerSecond(
  variancePerSecond: number,
  logReturn: number,
  dtSeconds: number,
  halfLifeSeconds: number,
): number {
  const a = 2 ** (-dtSeconds / halfLifeSeconds);
  return a * variancePerSecond + ((1 - a) * logReturn * logReturn) / dtSeconds;
}

/** Inputs of {@link computeQuotes}; a plain mutable record so a caller can reuse one per agent. */
export interface QuoteInputs {
  /** Reference price s, ticks (may be fractional). */
  midTicks: number;
  /** Price of one tick, quote currency (e.g. 0.1). */
  tickSize: number;
  /** Size of one lot, base units (e.g. 0.001). */
  lotSize: number;
  /** Inventory q, lots (signed). */
  inventoryLots: number;
  /** Risk aversion γ, per quote currency. */
  gamma: number;
  /** Order-arrival decay k, per quote currency. */
  k: number;
  /** Relative volatility σ_rel, per √second (σ = σ_rel·s). */
  volatilityPerSqrtSecond: number;
  /** Horizon τ, seconds. */
  horizonSeconds: number;
  /** Cap on the inventory skew |r − s|, ticks (Infinity for none). */
  maxSkewTicks?: number;
  /** Floor of the quoted spread (best ask − best bid), ticks. */
  minSpreadTicks: number;
  /** Cost of a maker fill added to each half-spread (negative for a rebate), ticks. */
  feeTicks: number;
  /** Levels per side. */
  levels: number;
  /** Distance between consecutive levels of a side, ticks. */
  levelSpacingTicks: number;
  /** Size of the first level, lots. */
  levelSizeLots: number;
  /** Size of level i is `levelSizeLots × levelSizeMultiplier^i` (rounded, ≥ 1 lot). */
  levelSizeMultiplier: number;
  /** Inventory limit, lots: bids total ≤ max − q, asks total ≤ max + q. */
  maxInventoryLots: number;
  /** Extra caps on the total lots of each side (e.g. spot cash or asset), lots; Infinity for none. */
  maxBuyLots: number;
  maxSellLots: number;
  /** Best bid / ask of the book that the quotes must not reach, ticks (-1 = none / unknown). */
  bestBidTicks: number;
  bestAskTicks: number;
}

/** The output of {@link computeQuotes}: a ladder per side, best level first. Reused between calls. */
export class QuoteLadder {
  /** Bid prices (descending) and sizes, ticks and lots; the first {@link QuoteLadder.bidCount} entries. */
  readonly bidPricesTicks: Float64Array;
  readonly bidSizesLots: Float64Array;
  /** Ask prices (ascending) and sizes. */
  readonly askPricesTicks: Float64Array;
  readonly askSizesLots: Float64Array;
  /** Levels in use per side (0 = side not quoted). */
  bidCount = 0;
  askCount = 0;
  /** Reservation price r, ticks (fractional). */
  reservationTicks = Number.NaN;
  /** Optimal total spread δ before rounding and flooring, ticks. */
  optimalSpreadTicks = Number.NaN;
  /** Quoted spread between the two first levels (after rounding, flooring and clamping), ticks; NaN when a side is empty. */
  quotedSpreadTicks = Number.NaN;

  /** @param capacity largest number of levels per side. */
  constructor(capacity: number) {
    this.bidPricesTicks = new Float64Array(capacity);
    this.bidSizesLots = new Float64Array(capacity);
    this.askPricesTicks = new Float64Array(capacity);
    this.askSizesLots = new Float64Array(capacity);
  }
}

/**
 * The full quoting rule: reservation price and spread (Avellaneda–Stoikov), each half-spread widened
 * by the maker fee, rounded outward to ticks with the spread floored at `minSpreadTicks`, the first bid kept below the best ask and the
 * first ask above the best bid, further levels `levelSpacingTicks` apart, sizes cut so the fills
 * of a whole side never take |inventory| beyond `maxInventoryLots`. Writes into `out`; allocates
 * nothing.
 *
 * @example
 * ```ts
 * const out = new QuoteLadder(3);
 * computeQuotes({ midTicks: 1000, tickSize: 0.1, lotSize: 1, inventoryLots: 0, gamma: 0.1, k: 1.5,
 *   volatilityPerSqrtSecond: 0.02, horizonSeconds: 10, minSpreadTicks: 2, levels: 3,
 *   levelSpacingTicks: 5, levelSizeLots: 10, levelSizeMultiplier: 1, maxInventoryLots: 100,
 *   maxBuyLots: Infinity, maxSellLots: Infinity, bestBidTicks: -1, bestAskTicks: -1 }, out);
 * // σ = 0.02·100 = 2 → δ ≈ 5.29 quote = 52.9 ticks → bid 973, ask 1027
 * ```
 */
export function computeQuotes(p: QuoteInputs, out: QuoteLadder): void {
  const s = p.midTicks * p.tickSize;
  const sigma = p.volatilityPerSqrtSecond * s;
  const q = p.inventoryLots * p.lotSize;
  const rRaw = reservationPrice(s, q, p.gamma, sigma, p.horizonSeconds) / p.tickSize;
  // The skew grows with σ²: in a crash it would put a long maker's asks tens of percent below the
  // market. Desks cap it; so do we.
  const cap = p.maxSkewTicks ?? Number.POSITIVE_INFINITY;
  const r = Math.min(Math.max(rRaw, p.midTicks - cap), p.midTicks + cap);
  const delta = optimalSpread(p.gamma, sigma, p.horizonSeconds, p.k) / p.tickSize;
  out.reservationTicks = r;
  out.optimalSpreadTicks = delta;
  const half = Math.max(delta / 2 + p.feeTicks, p.minSpreadTicks / 2);
  // A tiny epsilon keeps exact grid points (r ± half on a tick) from being pushed one tick outward
  // by floating-point noise.
  let bid = Math.floor(r - half + 1e-9);
  let ask = Math.ceil(r + half - 1e-9);
  if (p.bestAskTicks > 0 && bid >= p.bestAskTicks) bid = p.bestAskTicks - 1;
  if (p.bestBidTicks > 0 && ask <= p.bestBidTicks) ask = p.bestBidTicks + 1;
  const levels = Math.min(p.levels, out.bidPricesTicks.length);
  let buyLeft = Math.min(p.maxInventoryLots - p.inventoryLots, p.maxBuyLots);
  let sellLeft = Math.min(p.maxInventoryLots + p.inventoryLots, p.maxSellLots);
  out.bidCount = 0;
  out.askCount = 0;
  let size = p.levelSizeLots;
  for (let i = 0; i < levels; i++) {
    const lotsHere = Math.max(1, Math.round(size));
    size *= p.levelSizeMultiplier;
    const b = bid - i * p.levelSpacingTicks;
    if (buyLeft >= 1 && b >= 1) {
      const n = Math.min(lotsHere, Math.floor(buyLeft));
      out.bidPricesTicks[out.bidCount] = b;
      out.bidSizesLots[out.bidCount] = n;
      out.bidCount++;
      buyLeft -= n;
    }
    if (sellLeft >= 1) {
      const n = Math.min(lotsHere, Math.floor(sellLeft));
      out.askPricesTicks[out.askCount] = ask + i * p.levelSpacingTicks;
      out.askSizesLots[out.askCount] = n;
      out.askCount++;
      sellLeft -= n;
    }
  }
  out.quotedSpreadTicks =
    out.bidCount > 0 && out.askCount > 0 ? out.askPricesTicks[0]! - out.bidPricesTicks[0]! : Number.NaN;
}

/** Why a market maker is (not) quoting: the result of {@link stressReason}. */
export const StressReason = {
  /** Conditions are normal. */
  None: 0,
  /** The session's loss exceeds the budget. */
  Loss: 1,
  /** Realised volatility exceeds the threshold. */
  Volatility: 2,
} as const;
/** One of the {@link StressReason} values. */
export type StressReason = (typeof StressReason)[keyof typeof StressReason];

/**
 * The pull rule: {@link StressReason.Loss} when `pnlQuote < −maxLossFraction·capitalQuote`, else
 * {@link StressReason.Volatility} when `volatilityPerSqrtSecond > volatilityPullThreshold`, else none.
 * @example `stressReason(-30_000, 1_000_000, 0.02, 1e-4, 1e-3) // StressReason.Loss`
 */
export function stressReason(
  pnlQuote: number,
  capitalQuote: number,
  maxLossFraction: number,
  volatilityPerSqrtSecond: number,
  volatilityPullThreshold: number,
): StressReason {
  if (pnlQuote < -maxLossFraction * capitalQuote) return StressReason.Loss;
  if (volatilityPerSqrtSecond > volatilityPullThreshold) return StressReason.Volatility;
  return StressReason.None;
}

/** What {@link QuoteGuard.step} tells the agent to do. */
export const GuardAction = {
  /** Keep quoting. */
  Quote: 0,
  /** Cancel everything now and stay out. */
  Pull: 1,
  /** Stay out (cooling down, or conditions still stressed). */
  Wait: 2,
  /** Conditions normalised after the cooldown: start quoting again (a new session). */
  Resume: 3,
} as const;
/** One of the {@link GuardAction} values. */
export type GuardAction = (typeof GuardAction)[keyof typeof GuardAction];

/**
 * The pull / cooldown / resume state machine, separate from the world so it can be tested alone.
 * The loss is measured from the equity at the start of the current session (the run's start or
 * the last resume). After a pull the maker stays out for the cooldown, then until volatility is
 * back under the threshold — or, at the latest, three cooldowns after the pull, when it resumes
 * in the new regime (see {@link QuoteGuard.sessionVolatilityThreshold}).
 * @example
 * ```ts
 * const g = new QuoteGuard(1_000_000, 0.02, 1e-3, 30e9, 1_000_000);
 * g.step(0, 1_000_000, 1e-4);      // GuardAction.Quote
 * g.step(1e9, 970_000, 1e-4);      // GuardAction.Pull (lost 3 % > 2 %)
 * g.step(10e9, 970_000, 1e-4);     // GuardAction.Wait (cooling down until 31 s)
 * g.step(31e9, 970_000, 1e-4);     // GuardAction.Resume (baseline is now 970,000)
 * ```
 */
export class QuoteGuard {
  /** Whether the agent is quoting. */
  quoting = true;
  /** End of the current cooldown, ns. */
  outUntilNs = 0;
  /** Equity at the start of the current session, quote currency. */
  sessionStartEquityQuote: number;
  /** Why the agent last pulled. */
  lastReason: StressReason = StressReason.None;
  /** Number of pulls so far. */
  pulls = 0;
  /**
   * Volatility at which the current session pulls. After a resume forced by a long absence it is
   * raised to 1.5 × the volatility at the resume: the maker has accepted the new regime, whose
   * risk the Avellaneda–Stoikov spread (∝ σ²) already prices.
   */
  sessionVolatilityThreshold: number;

  constructor(
    private readonly capitalQuote: number,
    private readonly maxLossFraction: number,
    private readonly volatilityPullThreshold: number,
    private readonly cooldownNs: number,
    startEquityQuote: number,
  ) {
    this.sessionStartEquityQuote = startEquityQuote;
    this.sessionVolatilityThreshold = volatilityPullThreshold;
  }

  /** Advances the state machine at `nowNs` given current equity (quote currency) and σ_rel (per √s). */
  step(nowNs: number, equityQuote: number, volatilityPerSqrtSecond: number): GuardAction {
    if (this.quoting) {
      const reason = stressReason(
        equityQuote - this.sessionStartEquityQuote,
        this.capitalQuote,
        this.maxLossFraction,
        volatilityPerSqrtSecond,
        this.sessionVolatilityThreshold,
      );
      if (reason === StressReason.None) return GuardAction.Quote;
      this.quoting = false;
      this.lastReason = reason;
      this.outUntilNs = nowNs + this.cooldownNs;
      this.pulls++;
      return GuardAction.Pull;
    }
    if (nowNs < this.outUntilNs) return GuardAction.Wait;
    // Wait for volatility to calm down, but not forever: with every maker out, prices jump on
    // thin books and volatility would never calm down. After three cooldowns, come back into the
    // new regime with spreads widened by the higher σ.
    const calm = volatilityPerSqrtSecond <= this.volatilityPullThreshold;
    if (!calm && nowNs < this.outUntilNs + 2 * this.cooldownNs) return GuardAction.Wait;
    this.quoting = true;
    this.sessionStartEquityQuote = equityQuote;
    this.sessionVolatilityThreshold = calm
      ? this.volatilityPullThreshold
      : Math.max(this.volatilityPullThreshold, 1.5 * volatilityPerSqrtSecond);
    return GuardAction.Resume;
  }
}

// -------------------------------------------------------------------------------------------------
// Configuration

/** What a researcher writes to configure a {@link MarketMaker}. Everything but `venue` has a default. */
export interface MarketMakerConfig {
  /** Agent name (unique in the world; names its random streams). Default `"market-maker"`. */
  readonly name?: string;
  /** Name of the venue to quote on. */
  readonly venue: string;
  /** Kind of that venue; detected from the world when omitted. */
  readonly market?: "perp" | "spot";
  /** Risk aversion γ, per quote currency (per base unit of inventory). Default 0.0005. */
  readonly gamma?: number;
  /** Order-arrival decay k (λ(δ) = A·e^{−kδ}), per quote currency. Default 0.5. */
  readonly k?: number;
  /** Horizon τ of the rolling Avellaneda–Stoikov problem, ns. Default 30 s. */
  readonly horizonNs?: number;
  /** σ_rel before the first samples, per √second. Default 1e-4. */
  readonly initialVolatilityPerSqrtSecond?: number;
  /** Floor of σ_rel, per √second. Default 2e-5. */
  readonly minVolatilityPerSqrtSecond?: number;
  /**
   * Ceiling of σ_rel, per √second. Default ∞ (none). The Avellaneda–Stoikov spread grows with σ²:
   * from an estimate blown up by prints through an empty book (2·10^-2 /√s and more after a crash)
   * it quotes tens of percent wide, so the book stays hollow and the estimate never calms. A
   * ceiling keeps the maker in the book at its widest sensible spread; set below
   * `volatilityPullThreshold`, it also turns the volatility pull off (losses still pull).
   */
  readonly maxVolatilityPerSqrtSecond?: number;
  /** Half-life of the volatility EWMA, ns. Default 60 s. */
  readonly volatilityHalfLifeNs?: number;
  /** Levels per side. Default 5. */
  readonly levels?: number;
  /** Distance between levels, ticks. Default 20. */
  readonly levelSpacingTicks?: number;
  /** Size of the best level, lots. Default 100. */
  readonly levelSizeLots?: number;
  /** Size of level i = levelSizeLots × levelSizeMultiplier^i. Default 1. */
  readonly levelSizeMultiplier?: number;
  /** Floor of the quoted spread, ticks. Default 2. */
  readonly minSpreadTicks?: number;
  /**
   * The venue's maker fee, basis points of notional (negative for a rebate), added to each
   * half-spread so fills pay for themselves. Default 0 (set 2 for the perpetual venue's default 200 ppm).
   */
  readonly makerFeeBps?: number;
  /** Cap on the inventory skew of the reservation price, basis points of s. Default 50. */
  readonly maxSkewBps?: number;
  /** Inventory limit |q|, lots. Default 5,000. */
  readonly maxInventoryLots?: number;
  /** Capital, quote currency: the perp deposit, or the spot cash. Default 1,000,000. */
  readonly capital?: string | number;
  /** Leverage of the cross-margin perpetual account. Default 10. */
  readonly leverage?: number;
  /** Spot only: asset held at the start, lots; inventory is measured from it. Default maxInventoryLots. */
  readonly spotInventoryLots?: number;
  /** Pull when the session's loss exceeds this fraction of capital. Default 0.02. */
  readonly maxLossFraction?: number;
  /**
   * What `maxLossFraction` is a fraction of: `"capital"` (default) the cash deposited, or `"book"`
   * (spot) the cash plus the starting asset holding at the first reference price — the desk's whole
   * book, as a risk limit is set on a desk that carries a large inventory.
   */
  readonly lossBudget?: "capital" | "book";
  /** Pull when σ_rel exceeds this, per √second. Default 1e-3. */
  readonly volatilityPullThreshold?: number;
  /** Time out of the market after a pull, ns. Default 30 s. */
  readonly cooldownNs?: number;
  /** On a pull, also send a reduce-only IOC (at most 2 % through the reference) to flatten. Default false. */
  readonly flattenOnPull?: boolean;
  /** Requote period, ns. Default 1 s. */
  readonly requotePeriodNs?: number;
  /**
   * Perpetual only: weight of the index in the reference price, s = (1 − w)·(others' mid) + w·index.
   * 0 quotes around the book, 1 around the index (e.g. a maker hedging on spot). Default 0.
   */
  readonly indexWeight?: number;
  /** How far beyond the book's best prices to look for other traders' quotes, basis points. Default 100. */
  readonly referenceBandBps?: number;
  /**
   * What the reference price s follows: `"others-mid"` (the mid of other traders' quotes, see
   * {@link MarketMaker}) or `"last-trade"` (the venue's last trade, falling back to others' mid).
   * Several makers referencing each other's quotes can herd: each one's inventory skew moves the
   * others' reference. With `"last-trade"` only executions move the price a maker quotes around.
   * `"flow"`: a fair value of its own that starts at the others'-mid rule and then moves only with
   * the public trade tape: each trade moves it by `flowImpactBpsPerUnit` basis points per base unit
   * in the aggressor's direction (Kyle's λ, a permanent impact; see below). Default `"others-mid"`.
   */
  readonly referenceSource?: "others-mid" | "last-trade" | "flow";
  /**
   * `referenceSource: "flow"`: permanent impact of aggressive volume on the fair value, basis points
   * per base unit (e.g. per BTC). Default 1.
   */
  readonly flowImpactBpsPerUnit?: number;
  /**
   * `referenceSource: "flow"`: requote as soon as the tape has moved the fair value this many basis
   * points from the value the live quotes were set around, instead of waiting for the next
   * `requotePeriodNs` (a maker reacting to each trade, as fast as its feed delivers it). 0: only
   * on the timer. Default 0.
   */
  readonly flowRequoteBps?: number;
  /**
   * Price to quote around while the venue has none (no quotes, trades or index), quote currency —
   * how a spot market is bootstrapped. Default: none (the agent waits for a price).
   */
  readonly initialPrice?: string | number;
  /** Median one-way latency of this agent's links, ns (e.g. colocated). Default: the world's. */
  readonly latencyMedianNs?: number;
}

/** {@link MarketMakerConfig} with defaults filled in (capital kept as given). */
export type ResolvedMarketMakerConfig = Required<
  Omit<MarketMakerConfig, "market" | "latencyMedianNs" | "initialPrice">
> &
  Pick<MarketMakerConfig, "market" | "latencyMedianNs" | "initialPrice">;

/** The defaults of {@link MarketMakerConfig}. */
export const MARKET_MAKER_DEFAULTS: Readonly<Omit<ResolvedMarketMakerConfig, "venue" | "spotInventoryLots">> =
  Object.freeze({
    name: "market-maker",
    gamma: 0.0005,
    makerFeeBps: 0,
    k: 0.5,
    horizonNs: 30 * NS_PER_SECOND,
    initialVolatilityPerSqrtSecond: 1e-4,
    minVolatilityPerSqrtSecond: 2e-5,
    maxVolatilityPerSqrtSecond: Number.POSITIVE_INFINITY,
    volatilityHalfLifeNs: 60 * NS_PER_SECOND,
    levels: 5,
    levelSpacingTicks: 20,
    levelSizeLots: 100,
    levelSizeMultiplier: 1,
    minSpreadTicks: 2,
    maxSkewBps: 50,
    maxInventoryLots: 5_000,
    capital: 1_000_000,
    leverage: 10,
    maxLossFraction: 0.02,
    volatilityPullThreshold: 1e-3,
    cooldownNs: 30 * NS_PER_SECOND,
    flattenOnPull: false,
    lossBudget: "capital",
    requotePeriodNs: NS_PER_SECOND,
    indexWeight: 0,
    referenceBandBps: 100,
    referenceSource: "others-mid",
    flowImpactBpsPerUnit: 1,
    flowRequoteBps: 0,
    market: undefined,
    latencyMedianNs: undefined,
    initialPrice: undefined,
  });

/**
 * Fills in and checks a market maker's configuration.
 * @throws {@link @cascade/core!ConfigError} naming the field, e.g. `marketMaker.gamma = 0: must be > 0`.
 */
export function resolveMarketMakerConfig(config: MarketMakerConfig): ResolvedMarketMakerConfig {
  const F = "marketMaker";
  if (config === null || typeof config !== "object") throw new ConfigError(F, config, "must be an object");
  const c = { ...MARKET_MAKER_DEFAULTS, ...stripUndefined(config) } as ResolvedMarketMakerConfig;
  if (c.spotInventoryLots === undefined)
    (c as { spotInventoryLots: number }).spotInventoryLots = c.maxInventoryLots;
  if (typeof c.name !== "string" || c.name === "")
    throw new ConfigError(`${F}.name`, c.name, "must be a non-empty string");
  if (typeof c.venue !== "string" || c.venue === "")
    throw new ConfigError(`${F}.venue`, c.venue, "must name a venue");
  if (c.market !== undefined && c.market !== "perp" && c.market !== "spot")
    throw new ConfigError(`${F}.market`, c.market, 'must be "perp" or "spot"');
  requirePositive(`${F}.gamma`, c.gamma);
  requirePositive(`${F}.k`, c.k);
  requirePositiveInt(`${F}.horizonNs`, c.horizonNs);
  requirePositive(`${F}.initialVolatilityPerSqrtSecond`, c.initialVolatilityPerSqrtSecond);
  requireNonNegative(`${F}.minVolatilityPerSqrtSecond`, c.minVolatilityPerSqrtSecond);
  if (c.lossBudget !== "capital" && c.lossBudget !== "book")
    throw new ConfigError(`${F}.lossBudget`, c.lossBudget, 'must be "capital" or "book"');
  if (!(c.maxVolatilityPerSqrtSecond > c.minVolatilityPerSqrtSecond))
    throw new ConfigError(
      `${F}.maxVolatilityPerSqrtSecond`,
      c.maxVolatilityPerSqrtSecond,
      `must be > minVolatilityPerSqrtSecond (${c.minVolatilityPerSqrtSecond})`,
    );
  requirePositiveInt(`${F}.volatilityHalfLifeNs`, c.volatilityHalfLifeNs);
  requirePositiveInt(`${F}.levels`, c.levels);
  if (c.levels > 1000) throw new ConfigError(`${F}.levels`, c.levels, "must be ≤ 1000");
  requirePositiveInt(`${F}.levelSpacingTicks`, c.levelSpacingTicks);
  requirePositiveInt(`${F}.levelSizeLots`, c.levelSizeLots);
  requirePositive(`${F}.levelSizeMultiplier`, c.levelSizeMultiplier);
  requirePositiveInt(`${F}.minSpreadTicks`, c.minSpreadTicks);
  if (!(c.maxSkewBps >= 0)) throw new ConfigError(`${F}.maxSkewBps`, c.maxSkewBps, "must be ≥ 0");
  if (!(Number.isFinite(c.makerFeeBps) && Math.abs(c.makerFeeBps) <= 1000))
    throw new ConfigError(`${F}.makerFeeBps`, c.makerFeeBps, "must be a number in [−1000, 1000]");
  requirePositiveInt(`${F}.maxInventoryLots`, c.maxInventoryLots);
  if (!(typeof c.capital === "string" || (typeof c.capital === "number" && c.capital > 0)))
    throw new ConfigError(`${F}.capital`, c.capital, "must be a positive amount of quote currency");
  if (!(Number.isInteger(c.leverage) && c.leverage >= 1))
    throw new ConfigError(`${F}.leverage`, c.leverage, "must be an integer ≥ 1");
  if (!(Number.isSafeInteger(c.spotInventoryLots) && c.spotInventoryLots >= 0))
    throw new ConfigError(`${F}.spotInventoryLots`, c.spotInventoryLots, "must be an integer ≥ 0");
  if (!(c.maxLossFraction > 0 && c.maxLossFraction <= 1))
    throw new ConfigError(`${F}.maxLossFraction`, c.maxLossFraction, "must be in (0, 1]");
  requirePositive(`${F}.volatilityPullThreshold`, c.volatilityPullThreshold);
  if (!(Number.isSafeInteger(c.cooldownNs) && c.cooldownNs >= 0))
    throw new ConfigError(`${F}.cooldownNs`, c.cooldownNs, "must be an integer ≥ 0");
  if (typeof c.flattenOnPull !== "boolean")
    throw new ConfigError(`${F}.flattenOnPull`, c.flattenOnPull, "must be a boolean");
  requirePositiveInt(`${F}.requotePeriodNs`, c.requotePeriodNs);
  if (!(c.indexWeight >= 0 && c.indexWeight <= 1))
    throw new ConfigError(`${F}.indexWeight`, c.indexWeight, "must be in [0, 1]");
  requirePositive(`${F}.referenceBandBps`, c.referenceBandBps);
  if (
    c.referenceSource !== "others-mid" &&
    c.referenceSource !== "last-trade" &&
    c.referenceSource !== "flow"
  )
    throw new ConfigError(
      `${F}.referenceSource`,
      c.referenceSource,
      'must be "others-mid", "last-trade" or "flow"',
    );
  requireNonNegative(`${F}.flowImpactBpsPerUnit`, c.flowImpactBpsPerUnit);
  requireNonNegative(`${F}.flowRequoteBps`, c.flowRequoteBps);
  if (c.latencyMedianNs !== undefined && !(c.latencyMedianNs >= 0))
    throw new ConfigError(`${F}.latencyMedianNs`, c.latencyMedianNs, "must be ≥ 0");
  if (
    c.initialPrice !== undefined &&
    !(typeof c.initialPrice === "string" || (typeof c.initialPrice === "number" && c.initialPrice > 0))
  )
    throw new ConfigError(`${F}.initialPrice`, c.initialPrice, "must be a positive price");
  return c;
}

// -------------------------------------------------------------------------------------------------
// The agent

/**
 * The Avellaneda–Stoikov market maker (see the module documentation for the model).
 * @example
 * ```ts
 * const mm = new MarketMaker({ venue: "perp", gamma: 0.01, k: 0.5, levels: 5, levelSizeLots: 100 });
 * createWorld({ seed: 1, venues: [perpSpec], agents: [mm] }).run(minutes(10));
 * ```
 */
export class MarketMaker implements Agent {
  /** Agent name. */
  readonly name: string;
  /** `"market-maker"`. */
  readonly kind = "market-maker";
  /** Median one-way latency override, ns. */
  readonly latencyMedianNs?: number;
  /** The resolved configuration. */
  readonly config: ResolvedMarketMakerConfig;
  /** The venue's index in the world (after start). */
  venue = -1;
  /** The agent's account at the venue (after start). */
  account = -1;
  /** Whether the venue is a spot venue (after start). */
  isSpot = false;
  /** The agent's orders (after start: bound to its account). */
  readonly orders: OrderTracker;
  /** Current σ_rel estimate, per √second. */
  volatilityPerSqrtSecond: number;
  /** The last ladder computed. */
  readonly ladder: QuoteLadder;

  private perpView: PerpView | null = null;
  private spotView: SpotView | null = null;
  private instrument: Instrument | null = null;
  private guard: QuoteGuard | null = null;
  private readonly inputs: QuoteInputs;
  private variancePerSecond: number;
  private lastRefTicks = Number.NaN;
  private initialPriceTicks = Number.NaN;
  /** `referenceSource: "flow"`: the fair value, ticks (NaN until first priced). */
  private fairTicks = Number.NaN;
  private othersBidTicks = -1;
  private othersAskTicks = -1;
  private lastRefNs = 0;
  private capitalUnits = 0;
  private capitalQuote = 0;
  private startEquityQuote = 0;
  private equityQuote = 0;
  // The account as its fills describe it: spot cash (quote units) and asset (lots), orders included.
  private mirror: AccountMirror = new AccountMirror("perp");
  private readonly quoter: LadderQuoter;

  constructor(config: MarketMakerConfig) {
    this.config = resolveMarketMakerConfig(config);
    this.name = this.config.name;
    if (this.config.latencyMedianNs !== undefined) this.latencyMedianNs = this.config.latencyMedianNs;
    const c = this.config;
    this.ladder = new QuoteLadder(c.levels);
    this.quoter = new LadderQuoter(c.levels);
    this.volatilityPerSqrtSecond = c.initialVolatilityPerSqrtSecond;
    this.variancePerSecond = c.initialVolatilityPerSqrtSecond ** 2;
    this.orders = new OrderTracker(4 * c.levels + 8);
    this.inputs = {
      midTicks: Number.NaN,
      tickSize: 1,
      lotSize: 1,
      inventoryLots: 0,
      gamma: c.gamma,
      k: c.k,
      volatilityPerSqrtSecond: c.initialVolatilityPerSqrtSecond,
      horizonSeconds: c.horizonNs / NS_PER_SECOND,
      minSpreadTicks: c.minSpreadTicks,
      feeTicks: 0,
      levels: c.levels,
      levelSpacingTicks: c.levelSpacingTicks,
      levelSizeLots: c.levelSizeLots,
      levelSizeMultiplier: c.levelSizeMultiplier,
      maxInventoryLots: c.maxInventoryLots,
      maxBuyLots: Number.POSITIVE_INFINITY,
      maxSellLots: Number.POSITIVE_INFINITY,
      bestBidTicks: -1,
      bestAskTicks: -1,
    };
  }

  /** Whether the agent is currently quoting (false while pulled). */
  get quoting(): boolean {
    return this.guard?.quoting ?? false;
  }

  /** Number of times the agent has pulled its quotes. */
  get pulls(): number {
    return this.guard?.pulls ?? 0;
  }

  /** Lots filled so far (both sides). */
  get filledLots(): number {
    return this.mirror.filledLots;
  }

  /** Orders the venue refused. */
  get rejects(): number {
    return this.orders.rejects;
  }

  /** Inventory, lots (signed; spot: relative to the starting holding). */
  inventoryLots(): number {
    if (this.isSpot) return this.mirror.assetLots - this.config.spotInventoryLots;
    return this.perpView === null ? 0 : this.perpView.position(this.account);
  }

  /** Mark-to-market PnL since the start of the run, quote currency (as of the last requote). */
  pnlQuote(): number {
    return this.equityQuote - this.startEquityQuote;
  }

  start(ctx: AgentContext): void {
    const c = this.config;
    this.venue = ctx.venueIndex(c.venue);
    this.isSpot = c.market === undefined ? detectSpot(ctx, this.venue) : c.market === "spot";
    const ins = ctx.instrument(this.venue);
    this.instrument = ins;
    this.inputs.tickSize = ins.ticksToPrice(1);
    this.inputs.lotSize = ins.lotsToQty(1);
    this.capitalUnits = ins.quoteToUnits(c.capital, "exact", "marketMaker.capital");
    if (c.initialPrice !== undefined) {
      this.initialPriceTicks = ins.priceToTicks(c.initialPrice, "nearest", "marketMaker.initialPrice");
      if (!(this.initialPriceTicks > 0))
        throw new ConfigError("marketMaker.initialPrice", c.initialPrice, "must be a positive price");
    }
    if (!(this.capitalUnits > 0)) throw new ConfigError("marketMaker.capital", c.capital, "must be > 0");
    this.capitalQuote = ins.unitsToQuote(this.capitalUnits);
    if (this.isSpot) {
      this.spotView = ctx.spot(this.venue);
      this.account = ctx.openSpotAccount(this.venue, this.capitalUnits, c.spotInventoryLots);
      this.mirror = new AccountMirror("spot");
    } else {
      this.perpView = ctx.perp(this.venue);
      this.account = ctx.openPerpAccount(this.venue, {
        isolated: false,
        leverage: c.leverage,
        depositUnits: this.capitalUnits,
      });
    }
    this.orders.attach(this.venue, this.account);
    this.mirror.open(this.venue, this.account, this.capitalUnits, c.spotInventoryLots, ins.quotePerTickLot);
    this.startEquityQuote = Number.NaN; // set at the first priced requote
    if (c.referenceSource === "flow") ctx.subscribeTrades(this.venue, { batch: "command" });
    ctx.wakeAfter(1);
  }

  /**
   * The trade tape moves the `"flow"` fair value: V ← V·(1 + λ·Σ signed size), λ =
   * `flowImpactBpsPerUnit`/10⁴ per base unit, + for a buyer-initiated trade.
   */
  onMarketData(ctx: AgentContext, msg: MarketDataMessage): void {
    if (msg.kind !== FeedKind.Trades || msg.venue !== this.venue || !Number.isFinite(this.fairTicks)) return;
    let signedLots = 0;
    for (let i = 0; i < msg.count; i++) {
      signedLots += msg.aggressorSide[i] === Side.Buy ? msg.qtyLots[i]! : -msg.qtyLots[i]!;
    }
    const move = (this.config.flowImpactBpsPerUnit / 10_000) * signedLots * this.inputs.lotSize;
    // A sweep larger than the price can take is clipped: the fair value stays positive.
    this.fairTicks *= Math.max(0.5, 1 + move);
    // Without this the quotes trail the fair value by up to a requote period, spread each move over
    // the next second and give the mid's 1-second returns a spurious momentum.
    const threshold = this.config.flowRequoteBps;
    if (threshold > 0 && Math.abs(this.fairTicks / this.lastRefTicks - 1) * 10_000 >= threshold) {
      this.requote(ctx);
    }
  }

  onWake(ctx: AgentContext): void {
    this.requote(ctx);
    ctx.wakeAfter(this.config.requotePeriodNs);
  }

  onMessage(ctx: AgentContext, msg: AgentMessage): void {
    if (!this.mirror.onMessage(msg)) return;
    this.orders.onMessage(ctx, msg);
  }

  gauges(record: (name: string, value: number) => void): void {
    const quoting = this.quoting;
    record("quoting", quoting ? 1 : 0);
    record("inventory", this.instrument === null ? 0 : this.instrument.lotsToQty(this.inventoryLots()));
    const pnl = this.pnlQuote();
    record("pnl", Number.isFinite(pnl) ? pnl : 0);
    const sp = this.ladder.quotedSpreadTicks;
    record("spread_ticks", quoting && Number.isFinite(sp) ? sp : 0);
  }

  // -----------------------------------------------------------------------------------------------

  /**
   * The reference price s, ticks: the mid of *other* traders' best quotes within
   * `referenceBandBps` of the book's best prices (the agent's own quotes must not move its own
   * fair value, or its inventory skew would feed back into the price it skews from); when others
   * quote only one side or none, the book's mid (own quotes included); when a side of the book is
   * empty, the index (perpetual), else the mark, else the last trade, else `initialPrice`. Blended
   * with the index by `indexWeight` on a perpetual.
   */
  private referenceTicks(): number {
    // Always read the book: it also refreshes the others' best prices the quotes must not cross.
    const quoted = this.quotedReferenceTicks();
    if (this.config.referenceSource !== "flow") return quoted;
    if (!Number.isFinite(this.fairTicks)) this.fairTicks = quoted;
    return this.fairTicks;
  }

  /** The reference price from the book (and index): the rules of `"others-mid"` and `"last-trade"`. */
  private quotedReferenceTicks(): number {
    const view = this.isSpot ? this.spotView! : this.perpView!;
    if (this.config.referenceSource === "last-trade") {
      const last = view.lastTrade();
      if (Number.isFinite(last) && last > 0) {
        const w = this.config.indexWeight;
        const index = this.isSpot ? Number.NaN : this.perpView!.index();
        return w > 0 && Number.isFinite(index) ? (1 - w) * last + w * index : last;
      }
    }
    const bid = view.bestBid();
    const ask = view.bestAsk();
    const anchor = bid > 0 ? bid : ask;
    const band = anchor > 0 ? Math.max(1, Math.round((anchor * this.config.referenceBandBps) / 10_000)) : 0;
    const ob = othersBestTicks(view, this.orders, Side.Buy, bid, band);
    const oa = othersBestTicks(view, this.orders, Side.Sell, ask, band);
    this.othersBidTicks = ob;
    this.othersAskTicks = oa;
    let s = ob > 0 && oa > 0 && oa > ob ? (ob + oa) / 2 : Number.NaN;
    const index = this.isSpot ? Number.NaN : this.perpView!.index();
    if (!Number.isFinite(s)) {
      // Others quote one side or none: the whole book's mid (own quotes included) is the continuous
      // choice; then the index, mark and last trade.
      s = view.mid();
      if (!Number.isFinite(s)) {
        if (Number.isFinite(index)) s = index;
        else if (!this.isSpot && Number.isFinite(this.perpView!.mark())) s = this.perpView!.mark();
        else s = view.lastTrade();
      }
    }
    if (!Number.isFinite(s)) s = this.initialPriceTicks;
    const w = this.config.indexWeight;
    if (w > 0 && Number.isFinite(index)) s = (1 - w) * s + w * index;
    return s;
  }

  /**
   * Mark-to-market equity at reference `s`, quote currency. On spot the starting asset holding is
   * the inventory the maker sells from, not a bet: only the change of the holding is valued at
   * `s`, so a price move alone never reads as a trading loss (a 200 BTC holding would otherwise
   * "lose" 2 % of a 2 M capital on a 0.3 % move and pull the maker from the book).
   */
  private equityAt(s: number): number {
    const ins = this.instrument!;
    if (this.isSpot) {
      const held = this.mirror.assetLots - this.config.spotInventoryLots;
      return ins.unitsToQuote(this.mirror.cashUnits + held * s * ins.quotePerTickLot);
    }
    const v = this.perpView!;
    const pos = v.position(this.account);
    const upnl = pos === 0 ? 0 : pos * (s - v.entryPrice(this.account)) * ins.quotePerTickLot;
    return ins.unitsToQuote(v.wallet(this.account) + upnl);
  }

  private requote(ctx: AgentContext): void {
    const c = this.config;
    const s = this.referenceTicks();
    if (!(Number.isFinite(s) && s > 0)) return;
    const now = ctx.nowNs;
    // Volatility: EWMA of squared log returns per second, sampled at each requote.
    if (Number.isFinite(this.lastRefTicks) && now > this.lastRefNs) {
      const dt = (now - this.lastRefNs) / NS_PER_SECOND;
      this.variancePerSecond = ewmaVariancePerSecond(
        this.variancePerSecond,
        Math.log(s / this.lastRefTicks),
        dt,
        c.volatilityHalfLifeNs / NS_PER_SECOND,
      );
    }
    this.lastRefTicks = s;
    this.lastRefNs = now;
    this.volatilityPerSqrtSecond = Math.min(
      Math.max(Math.sqrt(this.variancePerSecond), c.minVolatilityPerSqrtSecond),
      c.maxVolatilityPerSqrtSecond,
    );

    this.equityQuote = this.equityAt(s);
    if (this.guard === null) {
      this.startEquityQuote = this.equityQuote;
      const ins = this.instrument!;
      const budgetBase =
        c.lossBudget === "book" && this.isSpot
          ? this.capitalQuote + ins.unitsToQuote(c.spotInventoryLots * s * ins.quotePerTickLot)
          : this.capitalQuote;
      this.guard = new QuoteGuard(
        budgetBase,
        c.maxLossFraction,
        c.volatilityPullThreshold,
        c.cooldownNs,
        this.equityQuote,
      );
    }
    const action = this.guard.step(now, this.equityQuote, this.volatilityPerSqrtSecond);
    if (action === GuardAction.Pull) {
      this.pull(ctx, s);
      return;
    }
    if (action === GuardAction.Wait) return;
    if (!this.isSpot && this.perpView!.halted()) return;

    const q = this.inventoryLots();
    const p = this.inputs;
    p.midTicks = s;
    p.maxSkewTicks = (s * c.maxSkewBps) / 10_000;
    p.feeTicks = (s * c.makerFeeBps) / 10_000;
    p.inventoryLots = q;
    p.volatilityPerSqrtSecond = this.volatilityPerSqrtSecond;
    p.maxBuyLots = Number.POSITIVE_INFINITY;
    p.maxSellLots = Number.POSITIVE_INFINITY;
    if (this.isSpot) {
      const ins = this.instrument!;
      // Cash and asset the ladder may commit (the venue checks exactly; this keeps most orders valid).
      p.maxBuyLots = Math.floor(this.mirror.cashUnits / (s * ins.quotePerTickLot * 1.01));
      p.maxSellLots = this.mirror.assetLots;
    }
    // Other traders' best prices (own quotes are being replaced; post-only guards the rest).
    p.bestBidTicks = this.othersBidTicks;
    p.bestAskTicks = this.othersAskTicks;
    computeQuotes(p, this.ladder);
    // New orders only within what the inventory limit leaves after every order that may still fill.
    const max = c.maxInventoryLots;
    this.quoter.reconcile(ctx, this.orders, this.ladder, max - q, max + q);
  }

  private pull(ctx: AgentContext, s: number): void {
    this.orders.cancelAll(ctx);
    this.ladder.bidCount = 0;
    this.ladder.askCount = 0;
    this.ladder.quotedSpreadTicks = Number.NaN;
    if (!this.config.flattenOnPull) return;
    const q = this.inventoryLots();
    if (q === 0) return;
    // Reduce-only IOC at most 2 % through the reference price.
    if (q > 0) {
      const limit = Math.max(1, Math.floor(s * 0.98));
      const qty = this.isSpot ? Math.min(q, this.mirror.assetLots) : q;
      if (qty > 0) ctx.limit(this.venue, this.account, Side.Sell, limit, qty, TimeInForce.IOC, !this.isSpot);
    } else {
      ctx.limit(this.venue, this.account, Side.Buy, Math.ceil(s * 1.02), -q, TimeInForce.IOC, !this.isSpot);
    }
  }
}

/** Whether venue `v` of the world is a spot venue (the views throw for the other kind). */
function detectSpot(ctx: AgentContext, v: number): boolean {
  try {
    ctx.perp(v);
    return false;
  } catch {
    ctx.spot(v);
    return true;
  }
}
