/**
 * A population of background traders — noise traders, fundamentalists and chartists mixed in each
 * trader — in the manner of Chiarella & Iori (2002, "A simulation analysis of the microstructure of
 * double auction markets", *Quantitative Finance* 2) and Lux & Marchesi (1999, "Scaling and
 * criticality in a stochastic multi-agent model of a financial market", *Nature* 397). They supply
 * the order flow of a calm market: returns with heavy tails, volatility clustering and no linear
 * autocorrelation (Cont 2001, "Empirical properties of asset returns: stylized facts and
 * statistical issues", *Quantitative Finance* 1).
 *
 * ## The model
 *
 * Trader i has three weights drawn once (Chiarella–Iori): fundamentalist `w_f ~ |N(0, σ_f)|`,
 * chartist `w_c ~ N(μ_c, σ_c)` (negative = contrarian; drawn in antithetic pairs, w and 2μ_c − w, so
 * the population's net chartist weight is exactly its mean) and noise `w_n ~ |N(0, σ_n)|`, and a trend
 * lookback `L_i ~ U(lookbackMin, lookbackMax)`. When it acts, with p the reference price (the
 * book's mid, else the last trade, else the index, else F, else `initialPrice`) it forms an expected return
 *
 *   R = w_f·(F − p)/p + w_c·ln(p_t / p_{t−L_i}) + w_n·ε,   ε ~ N(0, `noiseSd`),
 *
 * and an expected price p̂ = p·(1 + R). It buys when R > 0 and sells when R < 0: with probability
 * `marketOrderProbability` a market order (protected `marketProtectionBps` through p), otherwise a
 * limit order at p̂·(1 − κ) (buy) or p̂·(1 + κ) (sell), κ ~ U(0, `maxLimitOffset`) — which may be
 * marketable when p̂ lies beyond the opposite best. Resting orders are cancelled after
 * `orderLifetimeNs` of business time (below). Sizes are heavy-tailed: Pareto with minimum `minOrderLots` and tail exponent
 * `sizeTailExponent`, capped at `maxOrderLots`.
 *
 * Fundamental value F: on a perpetual whose index is known, F is the index (`fundamental: "index"`,
 * the default there) — the spot price the perp is anchored to. Otherwise (spot venues, or
 * `fundamental: "walk"`) F is the population's own geometric random walk, started at the first
 * reference price and advanced lazily at each action by `exp(σ_F·√Δt·Z)`,
 * σ_F = `fundamentalVolatilityPerSqrtSecond`.
 *
 * Timing: each trader acts at the times of a Poisson process of rate `ratePerSecond`·m(t). The
 * population is simulated as one process of rate N·λ·m(t) whose events go to a uniformly drawn
 * trader (the superposition of independent Poisson processes). The activity multiplier
 * m(t) = min(`maxActivityMultiplier`, a(t)·f(t)) has two parts:
 *
 * - a(t) = exp(X_t − σ_a²/2), X a stationary Ornstein–Uhlenbeck process with standard deviation
 *   σ_a = `activityVolatility` and correlation time `activityCorrelationNs` (E[a] = 1): the arrival
 *   of news and attention. Returns over a fixed calendar interval are then a Brownian motion run on
 *   a random business clock — the mixture-of-distributions hypothesis (Clark 1973, *Econometrica*
 *   41; Andersen 1996, *Journal of Finance* 51) — which gives heavy tails (kurtosis of a log-normal
 *   mixture) and volatility clustering (the clock's persistence) without linear autocorrelation.
 * - f(t) = 1 + κ·max(0, σ_short/σ_long − 1), κ = `activityFeedback` (off by default): traders come
 *   to the market more after large price moves, σ_short and σ_long the EWMA volatilities of
 *   1-second reference returns with half-lives `activityShortHalfLifeNs` and `activityLongHalfLifeNs`
 *   (in the spirit of Lux–Marchesi's switching to chartism in agitated markets; κ > 2 makes the
 *   calm state unstable, so use it with care).
 *
 * Order lifetimes run on the same business clock B(t) = ∫ m dt: an order is cancelled once B has
 * advanced `orderLifetimeNs` past its placement. Scaling order flow and cancellation together is
 * exactly a faster clock, as in zero-intelligence order-book models (Farmer, Patelli & Zovko 2005,
 * *PNAS* 102); scaling the flow alone mostly thickens the book — with calendar-time lifetimes the
 * variance of 1-minute returns hardly changed across a 20× range of activity in our runs.
 *
 * Capital: one account per trader, unless `accountCount` < N, in which case trader i trades through
 * account `i mod accountCount` (pooled margin and position; saves venue memory for very large N).
 * Perpetual accounts are cross-margined with `capitalPerTrader` × (traders per account) deposited
 * at `leverage`; an order that would take the account's |position + open orders| beyond
 * `maxPositionFraction` of what its capital can carry at that leverage is trimmed (so the venue
 * rarely rejects). Spot accounts start with `capitalPerTrader` cash and `spotAssetLotsPerTrader`
 * asset (per trader); orders beyond the free balance are trimmed. Rejected orders are dropped.
 *
 * @module
 */

import {
  ConfigError,
  type Instrument,
  NS_PER_SECOND,
  type RandomStream,
  RejectCode,
  Side,
} from "@cascade/core";
import { VenueEventKind } from "@cascade/exchange";
import { TimeInForce } from "@cascade/matching-engine";
import type { Agent, AgentContext, AgentMessage, PerpView, SpotView } from "@cascade/sim";
import { requireFinite, requireNonNegative, requirePositive, requirePositiveInt } from "./config-checks.ts";
import { type NewsActivity, newsActivity } from "./news-activity.ts";

// -------------------------------------------------------------------------------------------------
// The decision rule, as pure functions

/**
 * A trader's expected return `R = w_f·(F − p)/p + w_c·trend + w_n·ε`.
 * @param priceTicks reference price p (any price unit, same as F).
 * @param fundamentalTicks fundamental value F.
 * @param trend log return over the trader's lookback, ln(p_t/p_{t−L}).
 * @param noise ε, a draw of the noise term (return units).
 * @example `expectedReturn(100, 110, 0.02, -0.01, 0.5, 1, 2) // 0.5·0.1 + 1·0.02 − 2·0.01 = 0.05`
 */
export function expectedReturn(
  priceTicks: number,
  fundamentalTicks: number,
  trend: number,
  noise: number,
  fundamentalWeight: number,
  chartistWeight: number,
  noiseWeight: number,
): number {
  return (
    (fundamentalWeight * (fundamentalTicks - priceTicks)) / priceTicks +
    chartistWeight * trend +
    noiseWeight * noise
  );
}

/**
 * Limit price of an order given the expected price p̂ = p·(1 + R) and an offset κ ≥ 0: a buy
 * (R > 0) at `floor(p̂·(1 − κ))`, a sell at `ceil(p̂·(1 + κ))`, in ticks (≥ 1).
 * @example `limitPriceTicks(1000, 0.01, 0.005) // floor(1010 × 0.995) = 1004`
 */
export function limitPriceTicks(priceTicks: number, expectedRet: number, offset: number): number {
  const expected = priceTicks * (1 + expectedRet);
  return expectedRet > 0
    ? Math.max(1, Math.floor(expected * (1 - offset)))
    : Math.max(1, Math.ceil(expected * (1 + offset)));
}

/**
 * A heavy-tailed order size: Pareto(`minLots`, `tailExponent`) rounded down, capped at `maxLots`,
 * from a uniform draw `u` ∈ [0, 1): `floor(min / (1 − u)^(1/α))`.
 * @example `paretoLots(0.75, 10, 2, 1000) // floor(10 / 0.5) = 20`
 */
export function paretoLots(u: number, minLots: number, tailExponent: number, maxLots: number): number {
  return Math.min(maxLots, Math.floor(minLots / (1 - u) ** (1 / tailExponent)));
}

/**
 * The activity multiplier m = min(max, 1 + feedback·max(0, σ_short/σ_long − 1)) of the population's
 * arrival rate (1 when either volatility is unknown or zero).
 * @example `activityMultiplier(2e-4, 1e-4, 1.5, 5) // 1 + 1.5·1 = 2.5`
 */
export function activityMultiplier(
  shortVolatility: number,
  longVolatility: number,
  feedback: number,
  maxMultiplier: number,
): number {
  if (!(shortVolatility > 0 && longVolatility > 0) || feedback === 0) return 1;
  return Math.min(maxMultiplier, 1 + feedback * Math.max(0, shortVolatility / longVolatility - 1));
}

// -------------------------------------------------------------------------------------------------
// Configuration

/** What a researcher writes to configure {@link BackgroundTraders}. Everything but `venue` has a default. */
export interface BackgroundTradersConfig {
  /** Agent name. Default `"background"`. */
  readonly name?: string;
  /** Venue to trade on. */
  readonly venue: string;
  /** Kind of that venue; detected when omitted. */
  readonly market?: "perp" | "spot";
  /** Number of traders N. Default 200. */
  readonly count?: number;
  /** Poisson rate of each trader's actions, per second. Default 0.05 (N·λ = 10 actions/s). */
  readonly ratePerSecond?: number;
  /** σ_f of the fundamentalist weight |N(0, σ_f)|. Default 0.01 (a slow pull: the gap closes over hours, not minutes). */
  readonly fundamentalWeightSd?: number;
  /** μ_c of the chartist weight N(μ_c, σ_c). Default 0. */
  readonly chartistWeightMean?: number;
  /** σ_c of the chartist weight. Default 0.1. */
  readonly chartistWeightSd?: number;
  /** σ_n of the noise weight |N(0, σ_n)|. Default 1. */
  readonly noiseWeightSd?: number;
  /** Standard deviation of the noise term ε, return units. Default 0.001 (10 bp). */
  readonly noiseSd?: number;
  /** Range of the chartists' lookbacks, ns. Defaults 10 s and 300 s. */
  readonly lookbackMinNs?: number;
  readonly lookbackMaxNs?: number;
  /** Where F comes from: the venue `"index"` (perpetual default) or the population's own `"walk"` (spot default). */
  readonly fundamental?: "index" | "walk";
  /** Volatility of the fundamental walk, per √second. Default 5e-5. */
  readonly fundamentalVolatilityPerSqrtSecond?: number;
  /** Probability that an action is a market order. Default 0.1. */
  readonly marketOrderProbability?: number;
  /** Protection of market orders: worst price this far through the reference, basis points. Default 50. */
  readonly marketProtectionBps?: number;
  /** Largest limit offset κ (fraction of p̂). Default 0.001. */
  readonly maxLimitOffset?: number;
  /** Pareto minimum of order sizes, lots. Default 5. */
  readonly minOrderLots?: number;
  /** Pareto tail exponent α of order sizes. Default 1.5. */
  readonly sizeTailExponent?: number;
  /** Cap on order sizes, lots. Default 500. */
  readonly maxOrderLots?: number;
  /** Resting orders are cancelled after this much *business time* (calendar time × activity), ns. Default 60 s. */
  readonly orderLifetimeNs?: number;
  /** Capital per trader, quote currency (perp deposit or spot cash). Default 20,000. */
  readonly capitalPerTrader?: string | number;
  /** Perpetual accounts' leverage (cross margin). Default 5. */
  readonly leverage?: number;
  /** Orders are trimmed so |position + open orders| ≤ this fraction of capital × leverage. Default 0.8. */
  readonly maxPositionFraction?: number;
  /** Spot: asset per trader at the start, lots. Default 300. */
  readonly spotAssetLotsPerTrader?: number;
  /** Number of accounts (≤ N; trader i uses account i mod accountCount). Default N. */
  readonly accountCount?: number;
  /** Largest |R| a trader acts on (larger expected returns are clipped), return units. Default 0.005. */
  readonly maxExpectedReturn?: number;
  /** σ_a of the stationary log-activity (news/attention) process; 0 = none. Default 0.8. */
  readonly activityVolatility?: number;
  /**
   * Name of a shared news process ({@link NewsActivity}) for the log-activity: populations that name
   * the same stream with the same `activityVolatility`, `activityCorrelationNs` and
   * `historySampleNs` (e.g. `"news"` on spot and on the perpetual, and a retail population) see the
   * same news arrivals, as real markets do. Default: the population's own process.
   */
  readonly activityStream?: string;
  /** Correlation time of the log-activity process, ns. Default 10 min. */
  readonly activityCorrelationNs?: number;
  /** Activity feedback coefficient κ (0 = off). Default 0. */
  readonly activityFeedback?: number;
  /** Cap of the activity multiplier. Default 10. */
  readonly maxActivityMultiplier?: number;
  /** Half-lives of the short and long volatility EWMAs of the activity feedback, ns. Defaults 30 s and 1800 s. */
  readonly activityShortHalfLifeNs?: number;
  readonly activityLongHalfLifeNs?: number;
  /** Interval of the reference-price history (trends, volatility), ns. Default 1 s. */
  readonly historySampleNs?: number;
  /** Reference price while the venue has none (no quotes, trades or index), quote currency. Default: none. */
  readonly initialPrice?: string | number;
  /** Median one-way latency of the population's links, ns. Default: the world's. */
  readonly latencyMedianNs?: number;
}

/** {@link BackgroundTradersConfig} with defaults filled in. */
export type ResolvedBackgroundTradersConfig = Required<
  Omit<
    BackgroundTradersConfig,
    "market" | "fundamental" | "accountCount" | "latencyMedianNs" | "initialPrice" | "activityStream"
  >
> &
  Pick<
    BackgroundTradersConfig,
    "market" | "fundamental" | "accountCount" | "latencyMedianNs" | "initialPrice" | "activityStream"
  >;

/** The defaults of {@link BackgroundTradersConfig}. */
export const BACKGROUND_TRADERS_DEFAULTS: Readonly<Omit<ResolvedBackgroundTradersConfig, "venue">> =
  Object.freeze({
    name: "background",
    market: undefined,
    count: 200,
    ratePerSecond: 0.05,
    fundamentalWeightSd: 0.01,
    chartistWeightMean: 0,
    chartistWeightSd: 0.1,
    noiseWeightSd: 1,
    noiseSd: 0.001,
    lookbackMinNs: 10 * NS_PER_SECOND,
    lookbackMaxNs: 300 * NS_PER_SECOND,
    fundamental: undefined,
    fundamentalVolatilityPerSqrtSecond: 5e-5,
    marketOrderProbability: 0.1,
    marketProtectionBps: 50,
    maxLimitOffset: 0.001,
    minOrderLots: 5,
    sizeTailExponent: 1.5,
    maxOrderLots: 500,
    orderLifetimeNs: 60 * NS_PER_SECOND,
    capitalPerTrader: 20_000,
    leverage: 5,
    maxPositionFraction: 0.8,
    spotAssetLotsPerTrader: 300,
    accountCount: undefined,
    maxExpectedReturn: 0.005,
    activityVolatility: 0.8,
    activityStream: undefined,
    activityCorrelationNs: 600 * NS_PER_SECOND,
    activityFeedback: 0,
    maxActivityMultiplier: 10,
    activityShortHalfLifeNs: 30 * NS_PER_SECOND,
    activityLongHalfLifeNs: 1800 * NS_PER_SECOND,
    historySampleNs: NS_PER_SECOND,
    latencyMedianNs: undefined,
    initialPrice: undefined,
  });

/**
 * Fills in and checks the configuration.
 * @throws {@link @cascade/core!ConfigError} naming the field, e.g. `backgroundTraders.count = 0: must be a positive integer`.
 */
export function resolveBackgroundTradersConfig(
  config: BackgroundTradersConfig,
): ResolvedBackgroundTradersConfig {
  const F = "backgroundTraders";
  if (config === null || typeof config !== "object") throw new ConfigError(F, config, "must be an object");
  const given: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(config)) if (v !== undefined) given[k] = v;
  const c = { ...BACKGROUND_TRADERS_DEFAULTS, ...given } as ResolvedBackgroundTradersConfig;
  if (typeof c.name !== "string" || c.name === "")
    throw new ConfigError(`${F}.name`, c.name, "must be a non-empty string");
  if (typeof c.venue !== "string" || c.venue === "")
    throw new ConfigError(`${F}.venue`, c.venue, "must name a venue");
  if (c.market !== undefined && c.market !== "perp" && c.market !== "spot")
    throw new ConfigError(`${F}.market`, c.market, 'must be "perp" or "spot"');
  requirePositiveInt(`${F}.count`, c.count);
  if (c.count > 10_000_000) throw new ConfigError(`${F}.count`, c.count, "must be ≤ 10^7");
  requirePositive(`${F}.ratePerSecond`, c.ratePerSecond);
  requireNonNegative(`${F}.fundamentalWeightSd`, c.fundamentalWeightSd);
  requireFinite(`${F}.chartistWeightMean`, c.chartistWeightMean);
  requireNonNegative(`${F}.chartistWeightSd`, c.chartistWeightSd);
  requireNonNegative(`${F}.noiseWeightSd`, c.noiseWeightSd);
  requireNonNegative(`${F}.noiseSd`, c.noiseSd);
  requirePositiveInt(`${F}.lookbackMinNs`, c.lookbackMinNs);
  requirePositiveInt(`${F}.lookbackMaxNs`, c.lookbackMaxNs);
  if (c.lookbackMaxNs < c.lookbackMinNs)
    throw new ConfigError(
      `${F}.lookbackMaxNs`,
      c.lookbackMaxNs,
      `must be ≥ lookbackMinNs (${c.lookbackMinNs})`,
    );
  if (c.activityStream !== undefined && (typeof c.activityStream !== "string" || c.activityStream === ""))
    throw new ConfigError(`${F}.activityStream`, c.activityStream, "must be a non-empty string");
  if (c.fundamental !== undefined && c.fundamental !== "index" && c.fundamental !== "walk")
    throw new ConfigError(`${F}.fundamental`, c.fundamental, 'must be "index" or "walk"');
  requireNonNegative(`${F}.fundamentalVolatilityPerSqrtSecond`, c.fundamentalVolatilityPerSqrtSecond);
  if (!(c.marketOrderProbability >= 0 && c.marketOrderProbability <= 1))
    throw new ConfigError(`${F}.marketOrderProbability`, c.marketOrderProbability, "must be in [0, 1]");
  if (!(c.marketProtectionBps > 0 && c.marketProtectionBps < 10_000))
    throw new ConfigError(`${F}.marketProtectionBps`, c.marketProtectionBps, "must be in (0, 10000)");
  if (!(c.maxLimitOffset >= 0 && c.maxLimitOffset < 1))
    throw new ConfigError(`${F}.maxLimitOffset`, c.maxLimitOffset, "must be in [0, 1)");
  requirePositiveInt(`${F}.minOrderLots`, c.minOrderLots);
  requirePositive(`${F}.sizeTailExponent`, c.sizeTailExponent);
  requirePositiveInt(`${F}.maxOrderLots`, c.maxOrderLots);
  if (c.maxOrderLots < c.minOrderLots)
    throw new ConfigError(`${F}.maxOrderLots`, c.maxOrderLots, `must be ≥ minOrderLots (${c.minOrderLots})`);
  requirePositiveInt(`${F}.orderLifetimeNs`, c.orderLifetimeNs);
  if (
    !(
      typeof c.capitalPerTrader === "string" ||
      (typeof c.capitalPerTrader === "number" && c.capitalPerTrader > 0)
    )
  )
    throw new ConfigError(
      `${F}.capitalPerTrader`,
      c.capitalPerTrader,
      "must be a positive amount of quote currency",
    );
  if (!(Number.isInteger(c.leverage) && c.leverage >= 1))
    throw new ConfigError(`${F}.leverage`, c.leverage, "must be an integer ≥ 1");
  if (!(c.maxPositionFraction > 0 && c.maxPositionFraction <= 1))
    throw new ConfigError(`${F}.maxPositionFraction`, c.maxPositionFraction, "must be in (0, 1]");
  if (!(Number.isSafeInteger(c.spotAssetLotsPerTrader) && c.spotAssetLotsPerTrader >= 0))
    throw new ConfigError(`${F}.spotAssetLotsPerTrader`, c.spotAssetLotsPerTrader, "must be an integer ≥ 0");
  if (c.accountCount !== undefined) {
    requirePositiveInt(`${F}.accountCount`, c.accountCount);
    if (c.accountCount > c.count)
      throw new ConfigError(`${F}.accountCount`, c.accountCount, `must be ≤ count (${c.count})`);
  }
  requirePositive(`${F}.maxExpectedReturn`, c.maxExpectedReturn);
  requireNonNegative(`${F}.activityVolatility`, c.activityVolatility);
  requirePositiveInt(`${F}.activityCorrelationNs`, c.activityCorrelationNs);
  requireNonNegative(`${F}.activityFeedback`, c.activityFeedback);
  if (!(c.maxActivityMultiplier >= 1 && Number.isFinite(c.maxActivityMultiplier)))
    throw new ConfigError(
      `${F}.maxActivityMultiplier`,
      c.maxActivityMultiplier,
      "must be a finite number ≥ 1",
    );
  requirePositiveInt(`${F}.activityShortHalfLifeNs`, c.activityShortHalfLifeNs);
  requirePositiveInt(`${F}.activityLongHalfLifeNs`, c.activityLongHalfLifeNs);
  requirePositiveInt(`${F}.historySampleNs`, c.historySampleNs);
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

const TAG_ACT = 0;
const TAG_SAMPLE = 1;

/**
 * The background population (see the module documentation for the model). One agent, kind
 * `"background"`; per-trader state in typed-array columns.
 * @example
 * ```ts
 * const bg = new BackgroundTraders({ venue: "perp", count: 200, ratePerSecond: 0.05 });
 * createWorld({ seed: 1, venues: [perpSpec], agents: [new MarketMaker({ venue: "perp" }), bg] }).run(hours(2));
 * ```
 */
export class BackgroundTraders implements Agent {
  /** Agent name. */
  readonly name: string;
  /** `"background"`. */
  readonly kind = "background";
  /** Only order endings and refusals are delivered (positions are read from the views). */
  readonly subscriptions = (1 << VenueEventKind.Done) | (1 << VenueEventKind.Rejected);
  /** Median one-way latency override, ns. */
  readonly latencyMedianNs?: number;
  /** The resolved configuration. */
  readonly config: ResolvedBackgroundTradersConfig;
  /** Per-trader weights and lookbacks (history samples), filled at start. */
  readonly fundamentalWeight: Float64Array;
  readonly chartistWeight: Float64Array;
  readonly noiseWeight: Float64Array;
  readonly lookbackSamples: Int32Array;
  /** Counters: actions taken, limit and market orders sent, orders refused, orders expired. */
  actions = 0;
  limitOrders = 0;
  marketOrders = 0;
  rejects = 0;
  expired = 0;
  /** Current fundamental value F, ticks (NaN until known). */
  fundamentalTicks = Number.NaN;
  /** Current activity multiplier m(t). */
  activity = 1;

  /** Whether the venue is a spot venue (after start). */
  isSpot = false;
  private venue = -1;
  private initialPriceTicks = Number.NaN;
  private perpView: PerpView | null = null;
  private spotView: SpotView | null = null;
  private instrument: Instrument | null = null;
  private rngAct: RandomStream | null = null;
  private firstAccount = 0;
  private nAccounts = 0;
  private capitalUnitsPerAccount = 0;
  private spotAssetPerAccount = 0;
  private useIndex = false;
  private fundamentalNs = 0;
  // Reference-price history, one sample per historySampleNs (ring).
  private readonly history: Float64Array;
  private historyCount = 0;
  private historyHead = 0;
  private lastSample = Number.NaN;
  private varShort = 0;
  private varLong = 0;
  private readonly aShort: number;
  private readonly aLong: number;
  private logActivity = 0;
  private readonly ouDecay: number;
  private readonly ouShock: number;
  private rngActivity: RandomStream | null = null;
  /** The shared news process (`activityStream` set), else null and the population's own OU. */
  private news: NewsActivity | null = null;
  // Resting orders awaiting expiry: FIFO ring ordered by id (ids increase), with expiry times.
  private expId = new Float64Array(1024);
  private expAt = new Float64Array(1024);
  private expAccount = new Int32Array(1024);
  private expLive = new Uint8Array(1024);
  private expHead = 0;
  // Business time B(t) = ∫ m dt, ns, and the calendar time it was last advanced to.
  private businessNs = 0;
  private clockNs = 0;
  private expLen = 0;

  constructor(config: BackgroundTradersConfig) {
    this.config = resolveBackgroundTradersConfig(config);
    const c = this.config;
    this.name = c.name;
    if (c.latencyMedianNs !== undefined) this.latencyMedianNs = c.latencyMedianNs;
    this.fundamentalWeight = new Float64Array(c.count);
    this.chartistWeight = new Float64Array(c.count);
    this.noiseWeight = new Float64Array(c.count);
    this.lookbackSamples = new Int32Array(c.count);
    this.history = new Float64Array(Math.ceil(c.lookbackMaxNs / c.historySampleNs) + 2);
    const dt = c.historySampleNs;
    this.aShort = 2 ** (-dt / c.activityShortHalfLifeNs);
    this.aLong = 2 ** (-dt / c.activityLongHalfLifeNs);
    this.ouDecay = Math.exp(-dt / c.activityCorrelationNs);
    this.ouShock = Math.sqrt(1 - this.ouDecay * this.ouDecay);
  }

  /** Number of live resting orders the population is tracking. */
  get restingOrders(): number {
    let n = 0;
    for (let k = 0; k < this.expLen; k++) n += this.expLive[(this.expHead + k) % this.expId.length]!;
    return n;
  }

  start(ctx: AgentContext): void {
    const c = this.config;
    this.venue = ctx.venueIndex(c.venue);
    this.isSpot = c.market === undefined ? detectSpot(ctx, this.venue) : c.market === "spot";
    const ins = ctx.instrument(this.venue);
    this.instrument = ins;
    if (c.fundamental === "index" && this.isSpot)
      throw new ConfigError("backgroundTraders.fundamental", c.fundamental, "a spot venue has no index");
    this.useIndex = !this.isSpot && c.fundamental !== "walk";
    const nAcc = c.accountCount ?? c.count;
    this.nAccounts = nAcc;
    const perAccount = Math.ceil(c.count / nAcc);
    const capital = ins.quoteToUnits(c.capitalPerTrader, "exact", "backgroundTraders.capitalPerTrader");
    if (c.initialPrice !== undefined) {
      this.initialPriceTicks = ins.priceToTicks(c.initialPrice, "nearest", "backgroundTraders.initialPrice");
      if (!(this.initialPriceTicks > 0))
        throw new ConfigError("backgroundTraders.initialPrice", c.initialPrice, "must be a positive price");
    }
    if (!(capital > 0))
      throw new ConfigError("backgroundTraders.capitalPerTrader", c.capitalPerTrader, "must be > 0");
    this.capitalUnitsPerAccount = capital * perAccount;
    this.spotAssetPerAccount = c.spotAssetLotsPerTrader * perAccount;
    if (this.isSpot) {
      this.spotView = ctx.spot(this.venue);
      for (let a = 0; a < nAcc; a++) {
        const id = ctx.openSpotAccount(this.venue, this.capitalUnitsPerAccount, this.spotAssetPerAccount);
        if (a === 0) this.firstAccount = id;
        else if (id !== this.firstAccount + a)
          throw new ConfigError(
            "backgroundTraders.accountCount",
            nAcc,
            "spot accounts were not opened consecutively",
          );
      }
    } else {
      this.perpView = ctx.perp(this.venue);
      this.firstAccount = ctx.openPerpAccounts(
        this.venue,
        nAcc,
        false,
        c.leverage,
        this.capitalUnitsPerAccount,
      );
    }
    // Per-trader weights and lookbacks.
    const rng = ctx.rng("traits");
    const lbMin = Math.max(1, Math.round(c.lookbackMinNs / c.historySampleNs));
    const lbMax = Math.max(lbMin, Math.round(c.lookbackMaxNs / c.historySampleNs));
    for (let i = 0; i < c.count; i++) {
      this.fundamentalWeight[i] = Math.abs(rng.normal(0, c.fundamentalWeightSd));
      // Antithetic pairs: trader 2k+1 mirrors trader 2k about the mean, so the population's net
      // chartist weight is exactly μ_c·N (otherwise its sampling error, ~σ_c/√N, would make one
      // seed trend and another mean-revert).
      this.chartistWeight[i] =
        i % 2 === 0
          ? rng.normal(c.chartistWeightMean, c.chartistWeightSd)
          : 2 * c.chartistWeightMean - this.chartistWeight[i - 1]!;
      this.noiseWeight[i] = Math.abs(rng.normal(0, c.noiseWeightSd));
      this.lookbackSamples[i] = rng.intBetween(lbMin, lbMax);
    }
    this.rngAct = ctx.rng("actions");
    if (c.activityStream === undefined) {
      this.rngActivity = ctx.rng("activity");
      // Start the log-activity process in its stationary distribution.
      this.logActivity = c.activityVolatility * this.rngActivity.normal();
    } else {
      this.news = newsActivity(ctx, {
        stream: c.activityStream,
        volatility: c.activityVolatility,
        correlationNs: c.activityCorrelationNs,
        stepNs: c.historySampleNs,
      });
    }
    ctx.wakeAfter(1, TAG_SAMPLE);
    this.scheduleNextAction(ctx);
  }

  onWake(ctx: AgentContext, tag: number): void {
    this.expire(ctx);
    if (tag === TAG_SAMPLE) {
      this.sample(ctx.nowNs);
      ctx.wakeAfter(this.config.historySampleNs, TAG_SAMPLE);
      return;
    }
    this.act(ctx, this.rngAct!.int(this.config.count));
    this.scheduleNextAction(ctx);
  }

  onMessage(_ctx: AgentContext, msg: AgentMessage): void {
    if (msg.kind === VenueEventKind.Rejected) {
      if (msg.code === RejectCode.UnknownOrder) return; // a cancel that met an order already gone
      this.rejects++;
    } else if (msg.kind !== VenueEventKind.Done) return;
    // The order is gone: stop tracking it (binary search; ids increase along the ring).
    let lo = 0;
    let hi = this.expLen - 1;
    const cap = this.expId.length;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const j = (this.expHead + mid) % cap;
      const id = this.expId[j]!;
      if (id === msg.orderId) {
        this.expLive[j] = 0;
        return;
      }
      if (id < msg.orderId) lo = mid + 1;
      else hi = mid - 1;
    }
  }

  gauges(record: (name: string, value: number) => void): void {
    record("activity", this.activity);
    record("actions", this.actions);
  }

  // -----------------------------------------------------------------------------------------------

  private scheduleNextAction(ctx: AgentContext): void {
    const c = this.config;
    const rate = c.count * c.ratePerSecond * this.activity; // per second
    ctx.wakeAfter(Math.max(1, Math.round(this.rngAct!.exponential(rate) * NS_PER_SECOND)), TAG_ACT);
  }

  private referenceTicks(): number {
    const v = this.isSpot ? this.spotView! : this.perpView!;
    const mid = v.mid();
    if (Number.isFinite(mid)) return mid;
    const last = v.lastTrade();
    if (Number.isFinite(last)) return last;
    if (!this.isSpot) {
      const idx = this.perpView!.index();
      if (Number.isFinite(idx)) return idx;
    }
    return Number.isFinite(this.fundamentalTicks) ? this.fundamentalTicks : this.initialPriceTicks;
  }

  /**
   * Every historySampleNs: records the reference price, advances the log-activity process and the
   * feedback volatilities, and recomputes the activity multiplier.
   */
  private sample(nowNs: number): void {
    const c = this.config;
    this.advanceClock(nowNs);
    if (c.activityVolatility > 0 && this.news === null) {
      // Exact OU step: X' = X·e^{−Δt/τ} + σ_a·√(1 − e^{−2Δt/τ})·Z (stationary sd σ_a).
      this.logActivity =
        this.logActivity * this.ouDecay + c.activityVolatility * this.ouShock * this.rngActivity!.normal();
    }
    const p = this.referenceTicks();
    if (Number.isFinite(p) && p > 0) {
      if (Number.isFinite(this.lastSample)) {
        const r = Math.log(p / this.lastSample);
        const r2 = r * r;
        this.varShort = this.aShort * this.varShort + (1 - this.aShort) * r2;
        this.varLong = this.aLong * this.varLong + (1 - this.aLong) * r2;
      }
      this.lastSample = p;
      this.history[this.historyHead] = p;
      this.historyHead = (this.historyHead + 1) % this.history.length;
      if (this.historyCount < this.history.length) this.historyCount++;
    }
    const feedback = activityMultiplier(
      Math.sqrt(this.varShort),
      Math.sqrt(this.varLong),
      c.activityFeedback,
      c.maxActivityMultiplier,
    );
    const news =
      this.news !== null
        ? this.news.at(nowNs)
        : Math.exp(this.logActivity - (c.activityVolatility * c.activityVolatility) / 2);
    this.activity = Math.min(c.maxActivityMultiplier, news * feedback);
  }

  /** The reference price `k` samples ago (k ≥ 1), or NaN when the history is shorter. */
  private pastTicks(k: number): number {
    if (k > this.historyCount) return Number.NaN;
    const n = this.history.length;
    return this.history[(this.historyHead - k + n * 2) % n]!;
  }

  private updateFundamental(nowNs: number, p: number): void {
    if (this.useIndex) {
      const idx = this.perpView!.index();
      if (Number.isFinite(idx)) {
        this.fundamentalTicks = idx;
        return;
      }
    }
    if (!Number.isFinite(this.fundamentalTicks)) {
      this.fundamentalTicks = p;
      this.fundamentalNs = nowNs;
      return;
    }
    const dt = (nowNs - this.fundamentalNs) / NS_PER_SECOND;
    if (dt > 0) {
      const s = this.config.fundamentalVolatilityPerSqrtSecond;
      if (s > 0) this.fundamentalTicks *= Math.exp(s * Math.sqrt(dt) * this.rngAct!.normal());
      this.fundamentalNs = nowNs;
    }
  }

  /** Trader `i` acts: forms its expected return and sends one order. */
  private act(ctx: AgentContext, i: number): void {
    const c = this.config;
    const p = this.referenceTicks();
    if (!(Number.isFinite(p) && p > 0)) return;
    this.updateFundamental(ctx.nowNs, p);
    if (!this.isSpot && this.perpView!.halted()) return;
    this.actions++;
    const rng = this.rngAct!;
    const past = this.pastTicks(this.lookbackSamples[i]!);
    const trend = Number.isFinite(past) && past > 0 ? Math.log(p / past) : 0;
    const noise = c.noiseSd > 0 ? rng.normal(0, c.noiseSd) : 0;
    const r = expectedReturn(
      p,
      this.fundamentalTicks,
      trend,
      noise,
      this.fundamentalWeight[i]!,
      this.chartistWeight[i]!,
      this.noiseWeight[i]!,
    );
    if (r === 0 || !Number.isFinite(r)) return;
    const R = Math.max(-c.maxExpectedReturn, Math.min(c.maxExpectedReturn, r));
    const side = R > 0 ? Side.Buy : Side.Sell;
    const account = this.firstAccount + (i % this.nAccounts);
    const market = rng.bernoulli(c.marketOrderProbability);
    const price = market
      ? side === Side.Buy
        ? Math.ceil(p * (1 + c.marketProtectionBps / 10_000))
        : Math.max(1, Math.floor(p * (1 - c.marketProtectionBps / 10_000)))
      : limitPriceTicks(p, R, rng.uniform(0, c.maxLimitOffset));
    const want = paretoLots(rng.next(), c.minOrderLots, c.sizeTailExponent, c.maxOrderLots);
    const qty = this.capacityLots(account, side, p, want);
    if (qty < 1) return;
    if (market) {
      ctx.market(this.venue, account, side, qty, price);
      this.marketOrders++;
      return;
    }
    const id = ctx.limit(this.venue, account, side, price, qty, TimeInForce.GTC);
    this.limitOrders++;
    this.track(id, account, this.businessNs + c.orderLifetimeNs);
  }

  /** `want` lots trimmed to what the account can carry on `side` at price `p`. */
  private capacityLots(account: number, side: Side, p: number, want: number): number {
    const ins = this.instrument!;
    if (this.isSpot) {
      const v = this.spotView!;
      if (side === Side.Sell) return Math.min(want, v.asset(account));
      // Cash for the order plus a 1 % margin for price and fees.
      return Math.min(want, Math.floor(v.cash(account) / (p * ins.quotePerTickLot * 1.01)));
    }
    const v = this.perpView!;
    const maxLots = Math.floor(
      (this.capitalUnitsPerAccount * this.config.leverage * this.config.maxPositionFraction) /
        (p * ins.quotePerTickLot),
    );
    const pos = v.position(account);
    const exposure = side === Side.Buy ? pos + v.openBuyLots(account) : -pos + v.openSellLots(account);
    return Math.min(want, maxLots - exposure);
  }

  private track(id: number, account: number, expiryNs: number): void {
    if (this.expLen === this.expId.length) this.growExpiries();
    const j = (this.expHead + this.expLen) % this.expId.length;
    this.expId[j] = id;
    this.expAt[j] = expiryNs;
    this.expAccount[j] = account;
    this.expLive[j] = 1;
    this.expLen++;
  }

  /** Cancels resting orders whose lifetime is over (the ring is in expiry order). */
  private expire(ctx: AgentContext): void {
    this.advanceClock(ctx.nowNs);
    const cap = this.expId.length;
    while (this.expLen > 0) {
      const j = this.expHead;
      if (this.expLive[j] === 1) {
        if (this.expAt[j]! > this.businessNs) break;
        ctx.cancel(this.venue, this.expAccount[j]!, this.expId[j]!);
        this.expired++;
      }
      this.expHead = (j + 1) % cap;
      this.expLen--;
    }
  }

  /** Advances the business clock: B += m·Δt (m is piecewise constant between samples). */
  private advanceClock(nowNs: number): void {
    if (nowNs > this.clockNs) {
      this.businessNs += this.activity * (nowNs - this.clockNs);
      this.clockNs = nowNs;
    }
  }

  private growExpiries(): void {
    const cap = this.expId.length;
    const n = cap * 2;
    const id = new Float64Array(n);
    const at = new Float64Array(n);
    const acc = new Int32Array(n);
    const live = new Uint8Array(n);
    for (let k = 0; k < this.expLen; k++) {
      const j = (this.expHead + k) % cap;
      id[k] = this.expId[j]!;
      at[k] = this.expAt[j]!;
      acc[k] = this.expAccount[j]!;
      live[k] = this.expLive[j]!;
    }
    this.expId = id;
    this.expAt = at;
    this.expAccount = acc;
    this.expLive = live;
    this.expHead = 0;
  }
}

function detectSpot(ctx: AgentContext, v: number): boolean {
  try {
    ctx.perp(v);
    return false;
  } catch {
    ctx.spot(v);
    return true;
  }
}
