/**
 * Configuration of the {@link RetailPopulation}: what a researcher writes, validated with zod so a
 * bad value is reported as `retail.leverage.weights[2] = -1: …`, with every default documented
 * beside its field. Prices and amounts are human quote-currency numbers (USDT); durations are
 * nanoseconds; rates are per second; fractions are in [0, 1]; `…Ppm` fields are parts per million.
 *
 * @module
 */

import { ConfigError, NS_PER_MINUTE, NS_PER_SECOND } from "@cascade/core";
import { z } from "zod";
import type { NewsActivityConfig } from "./news-activity.ts";

/** Largest population one agent manages. */
export const MAX_RETAIL_ACCOUNTS = 1_000_000;

/**
 * Default leverage mix: most mass at 10×, 20×, 50× and 100×, a tail at 5×, 25×, 75× and 125×
 * (weights need not sum to 1; they are normalised).
 */
export const DEFAULT_RETAIL_LEVERAGE: {
  readonly values: readonly number[];
  readonly weights: readonly number[];
} = Object.freeze({
  values: Object.freeze([5, 10, 20, 25, 50, 75, 100, 125]),
  weights: Object.freeze([4, 24, 24, 5, 20, 3, 16, 4]),
});

/**
 * A retail population as a researcher writes it. Only `venue` is required.
 *
 * @example
 * ```ts
 * const retail = new RetailPopulation({
 *   venue: "binance-perp",
 *   count: 100_000,
 *   capital: { median: 800, sigma: 1.1 },
 *   leverage: { values: [10, 20, 50, 100], weights: [3, 3, 2, 2] },
 *   initialOpenFraction: 0.6,
 * });
 * ```
 */
export interface RetailPopulationConfig {
  /** Agent name, unique in the world (its random streams and latencies derive from it). Default `"retail"`. */
  readonly name?: string;
  /** Name of the perpetual venue the population trades on. Required. */
  readonly venue: string;
  /** Number of accounts, an integer in 1 … 10^6. Default 10,000. */
  readonly count?: number;
  /**
   * Initial capital (wallet deposit) per account, USDT: log-normal, `exp(N(ln median, sigma²))`.
   * Default median 1,000 USDT, sigma 1.0 (log units). Each deposit is rounded to the quote unit and
   * is at least one quote unit.
   */
  readonly capital?: { readonly median?: number; readonly sigma?: number };
  /** Isolated margin (true, the retail default on most venues) or cross margin. Default true. */
  readonly isolated?: boolean;
  /**
   * Leverage of each account, fixed at creation: a categorical draw of `values` (integers ≥ 1, at
   * most the venue's cap) with relative `weights` (≥ 0, not all 0, one per value).
   * Default {@link DEFAULT_RETAIL_LEVERAGE}.
   */
  readonly leverage?: { readonly values?: readonly number[]; readonly weights?: readonly number[] };
  /**
   * Share of the wallet committed as initial margin by one opening: `min(1, Pareto(min, alpha))`,
   * P(f > x) = (min/x)^alpha for x ≥ min. Default min 0.1, alpha 1.5 (median ≈ 0.16; ≈ 3 % of
   * openings go all in).
   */
  readonly marginFraction?: { readonly min?: number; readonly alpha?: number };
  /**
   * Cap on one position's notional, USDT (sizes are cut to it). Default 50,000 — the first
   * maintenance tier of a Binance-like BTCUSDT ladder, where every leverage up to 125× is allowed.
   * Keep it within the tier that allows the highest leverage you configure: the venue refuses larger
   * openings, and the initial longs are seeded off-book without its position-limit check.
   */
  readonly maxPositionNotional?: number;
  /**
   * Taker fee the sizing reserves out of the committed margin, ppm of notional, so orders pass the
   * venue's margin check (which adds the fee). Default 500 (0.05 %, the venue's default taker fee).
   */
  readonly feeAllowancePpm?: number;
  /**
   * Price (USDT) at which the initial state is built. Default `null`: the state is seeded at the
   * population's first wake-up (1 ns after start) from the venue's mark (else index, else last trade).
   */
  readonly startPrice?: number | null;
  /** Fraction of accounts that start holding a long opened during the past rally. Default 0.5. */
  readonly initialOpenFraction?: number;
  /**
   * Entry prices of the initial longs: entry = start × (1 − depth × U^shape), U uniform on [0, 1).
   * `shape` > 1 puts more entries near the top (late momentum buyers). Default depth 0.25, shape 3
   * (median entry ≈ 3 % below the start price).
   */
  readonly rally?: { readonly depth?: number; readonly shape?: number };
  /**
   * The cash-and-carry desk's collateral: the desk's single cross-margin account, the short side of
   * every seeded long, is funded with `carryCollateralRatio × Σ seeded notional at the start price`
   * (≥ 1.05). Default 2: it is liquidatable only after the price roughly doubles.
   */
  readonly carryCollateralRatio?: number;
  /**
   * Name of an agent that offered its perpetual account as the seeding counterparty
   * (`AgentContext.offerSeedCounterparty`), e.g. a basis desk: the seeded longs are created against
   * its short instead of the population's own inert carry desk. Default `null` (own carry desk,
   * funded with `carryCollateralRatio`).
   */
  readonly counterparty?: string | null;
  /** Base rate of position openings over the whole population, per second (≥ 0). Default 1. */
  readonly arrivalsPerSecond?: number;
  /** Lookback of the momentum signal r_L = ln(mark_now / mark_{now−L}), ns. Default 5 minutes. */
  readonly momentumLookbackNs?: number;
  /** Momentum sensitivity κ of the opening rate: rate = base × min(e^{κ·r_L}, maxRateMultiplier). Default 20. */
  readonly momentumKappa?: number;
  /** Cap on the momentum multiplier e^{κ·r_L} (≥ 1). Default 10. */
  readonly maxRateMultiplier?: number;
  /**
   * "Buy the dip": a second arrival stream of rate base × dipBuyingIntensity × max(0, −r_L) per
   * second (dimensionless; with 10 a 10 % drop adds one base rate). Default 10.
   */
  readonly dipBuyingIntensity?: number;
  /** How often the population wakes up to draw arrivals and check triggers, ns. Default 1 s. */
  readonly checkIntervalNs?: number;
  /** Protection of opening market buys: at most this far above the best ask, ppm. Default 5,000 (0.5 %). */
  readonly slippagePpm?: number;
  /** Fraction of openings (initial longs included) that carry a stop-loss. Default 0.3. */
  readonly stopLossFraction?: number;
  /** Stop distance below entry, a fraction drawn uniformly from [min, max]. Default [0.01, 0.05]. */
  readonly stopDistance?: { readonly min?: number; readonly max?: number };
  /**
   * Protection of stop-loss market sells, ppm below the best bid; `null` (default) sends a plain
   * stop-market order that takes whatever the book offers.
   */
  readonly stopSlippagePpm?: number | null;
  /** Fraction of accounts that defend a position by adding margin once when it nears liquidation (isolated only). Default 0.2. */
  readonly addMarginFraction?: number;
  /** The defence fires when the mark falls to liquidation price × (1 + this), ppm. Default 3,000 (0.3 %). */
  readonly addMarginDistancePpm?: number;
  /** Share of the free wallet (outside the position's margin) the defence adds. Default 0.5. */
  readonly addMarginShare?: number;
  /**
   * Mean holding time of a position, ns: each open position (seeded ones included) closes by
   * itself after an exponential time with this mean, with a reduce-only market sell (taking
   * profit or giving up). `0` (default): positions close only by stop, liquidation or ADL. With
   * it, openings and closings balance in steady state when `arrivalsPerSecond` ≈ open positions ÷
   * mean holding time in seconds.
   */
  readonly meanHoldingNs?: number;
  /**
   * News: when set, the arrival rate and the voluntary exits follow a shared activity multiplier
   * a(t) ({@link NewsActivity}): arrivals at rate `arrivalsPerSecond`·a(t)·(momentum or dip
   * factor), and holding times run on the business clock ∫a dt. Give it the stream and parameters
   * the background traders use, and every market sees the same news. Default `null` (a ≡ 1).
   */
  readonly activity?: NewsActivityConfig | null;
  /** Time a closed account (stopped out, liquidated, deleveraged) waits before it may open again, ns. Default 5 minutes. */
  readonly reentryCooldownNs?: number;
  /** An account closed with a wallet below this (USDT) leaves the market for good. Default 10. */
  readonly minCapital?: number;
}

const fraction = z.number().min(0).max(1);
const nonNegInt = z.number().int().nonnegative();
const posInt = z.number().int().positive();
const ppm = z.number().int().min(0).max(1_000_000);

/** The zod schema of {@link RetailPopulationConfig}: defaults and ranges of every field. */
export const retailConfigSchema = z.object({
  name: z.string().min(1).default("retail"),
  venue: z.string().min(1),
  count: z.number().int().min(1).max(MAX_RETAIL_ACCOUNTS).default(10_000),
  capital: z
    .object({
      median: z.number().positive().finite().default(1_000),
      sigma: z.number().min(0).max(5).default(1),
    })
    .prefault({}),
  isolated: z.boolean().default(true),
  leverage: z
    .object({
      values: z
        .array(z.number().int().min(1).max(1_000))
        .min(1)
        .default([...DEFAULT_RETAIL_LEVERAGE.values]),
      weights: z
        .array(z.number().nonnegative().finite())
        .min(1)
        .default([...DEFAULT_RETAIL_LEVERAGE.weights]),
    })
    .prefault({}),
  marginFraction: z
    .object({ min: z.number().gt(0).max(1).default(0.1), alpha: z.number().positive().finite().default(1.5) })
    .prefault({}),
  maxPositionNotional: z.number().positive().finite().default(50_000),
  feeAllowancePpm: z.number().int().min(0).max(100_000).default(500),
  startPrice: z.number().positive().finite().nullable().default(null),
  initialOpenFraction: fraction.default(0.5),
  rally: z
    .object({
      depth: z.number().min(0).lt(1).default(0.25),
      shape: z.number().positive().finite().default(3),
    })
    .prefault({}),
  carryCollateralRatio: z.number().min(1.05).max(100).default(2),
  counterparty: z.string().min(1).nullable().default(null),
  arrivalsPerSecond: z.number().nonnegative().finite().default(1),
  momentumLookbackNs: posInt.default(5 * NS_PER_MINUTE),
  momentumKappa: z.number().finite().default(20),
  maxRateMultiplier: z.number().min(1).finite().default(10),
  dipBuyingIntensity: z.number().nonnegative().finite().default(10),
  checkIntervalNs: posInt.default(NS_PER_SECOND),
  slippagePpm: ppm.default(5_000),
  stopLossFraction: fraction.default(0.3),
  stopDistance: z
    .object({ min: z.number().gt(0).lt(1).default(0.01), max: z.number().gt(0).lt(1).default(0.05) })
    .prefault({}),
  stopSlippagePpm: ppm.nullable().default(null),
  addMarginFraction: fraction.default(0.2),
  addMarginDistancePpm: ppm.default(3_000),
  addMarginShare: z.number().gt(0).max(1).default(0.5),
  meanHoldingNs: nonNegInt.default(0),
  activity: z
    .object({
      stream: z.string().min(1),
      volatility: z.number().nonnegative().finite(),
      correlationNs: posInt,
      stepNs: posInt.optional(),
    })
    .nullable()
    .default(null),
  reentryCooldownNs: nonNegInt.default(5 * NS_PER_MINUTE),
  minCapital: z.number().nonnegative().finite().default(10),
});

/** A validated configuration with every default filled in. */
export type ResolvedRetailConfig = z.output<typeof retailConfigSchema>;

/**
 * Validates a retail configuration and fills in defaults.
 * @param field prefix of the field names in errors. Default `"retail"`.
 * @throws {@link @cascade/core!ConfigError} naming the first bad field, e.g. `retail.leverage.weights[2]`.
 * @example
 * ```ts
 * resolveRetailConfig({ venue: "perp" }).leverage.values; // [5, 10, 20, 25, 50, 75, 100, 125]
 * ```
 */
export function resolveRetailConfig(config: RetailPopulationConfig, field = "retail"): ResolvedRetailConfig {
  if (config === null || typeof config !== "object") {
    throw new ConfigError(field, config, "must be an object");
  }
  const parsed = retailConfigSchema.safeParse(config);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const path = issue.path.map((p) => (typeof p === "number" ? `[${p}]` : `.${String(p)}`)).join("");
    throw new ConfigError(`${field}${path}`, valueAt(config, issue.path), issue.message);
  }
  const c = parsed.data;
  const { values, weights } = c.leverage;
  if (weights.length !== values.length) {
    throw new ConfigError(
      `${field}.leverage.weights`,
      weights,
      `must have one weight per leverage value (${values.length})`,
    );
  }
  if (!(weights.reduce((s, w) => s + w, 0) > 0)) {
    throw new ConfigError(`${field}.leverage.weights`, weights, "must not all be 0");
  }
  if (c.stopDistance.max < c.stopDistance.min) {
    throw new ConfigError(
      `${field}.stopDistance.max`,
      c.stopDistance.max,
      `must be ≥ stopDistance.min (${c.stopDistance.min})`,
    );
  }
  return c;
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let v: unknown = root;
  for (const key of path) {
    if (v === null || typeof v !== "object") return undefined;
    v = (v as Record<PropertyKey, unknown>)[key];
  }
  return v;
}
