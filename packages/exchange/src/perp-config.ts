/**
 * Configuration of a perpetual-futures venue, validated with zod so a bad value is reported with
 * its path (`perp.liquidation.maxNotionalPerSecond = -1: …`). Every policy a researcher switches
 * per experiment lives here, with the venue-like defaults documented beside it.
 *
 * @module
 */

import { ConfigError, type InstrumentSpec, NS_PER_HOUR, NS_PER_SECOND } from "@cascade/core";
import { z } from "zod";
import { BINANCE_BTCUSDT_TIERS, type MarginTierSpec } from "./margin-tiers.ts";
import { POLICY_NAMES, type VenuePolicyOverrides } from "./policies/index.ts";

const nonNegInt = z.number().int().nonnegative();
const posInt = z.number().int().positive();
const ppm = z.number().int().min(-1_000_000).max(1_000_000);
const decimalString = z.union([z.string().min(1), z.number()]);

const tierSchema = z.object({
  maxNotional: z.union([z.string(), z.number()]),
  maintenanceMarginRate: z.string(),
  maxLeverage: z.number().positive(),
});

/** The zod schema of {@link PerpVenueConfig}: defaults and ranges of every field. */
export const perpConfigSchema = z.object({
  instrument: z.object({
    symbol: z.string().min(1),
    baseAsset: z.string().min(1),
    quoteAsset: z.string().min(1),
    tickSize: z.string().min(1),
    lotSize: z.string().min(1),
    quoteUnit: z.string().min(1),
  }),
  minPriceTicks: nonNegInt,
  maxPriceTicks: posInt,
  tiers: z
    .array(tierSchema)
    .min(1)
    .default([...BINANCE_BTCUSDT_TIERS]),
  maintenanceConvention: z.enum(["mark", "entry"]).default("mark"),
  makerFeePpm: ppm.default(200),
  takerFeePpm: ppm.default(500),
  maxLeverage: z.number().int().min(1).max(200).default(125),
  defaultLeverage: z.number().int().min(1).max(200).default(20),
  marketOrderBufferPpm: z.number().int().min(0).max(1_000_000).default(50_000),
  markIntervalNs: posInt.default(NS_PER_SECOND),
  mark: z
    .object({
      basisSampleIntervalNs: posInt.default(5 * NS_PER_SECOND),
      basisWindowSamples: posInt.default(60),
    })
    .default({ basisSampleIntervalNs: 5 * NS_PER_SECOND, basisWindowSamples: 60 }),
  funding: z
    .object({
      enabled: z.boolean().default(true),
      intervalNs: posInt.default(8 * NS_PER_HOUR),
      rateIntervalNs: posInt.default(8 * NS_PER_HOUR),
      sampleIntervalNs: posInt.default(60 * NS_PER_SECOND),
      interestRate: z.number().min(-0.01).max(0.01).default(0.0001),
      clamp: z.number().min(0).max(0.01).default(0.0005),
      cap: z.number().positive().max(0.1).default(0.0075),
      impactMargin: decimalString.default("200"),
    })
    .default({
      enabled: true,
      intervalNs: 8 * NS_PER_HOUR,
      rateIntervalNs: 8 * NS_PER_HOUR,
      sampleIntervalNs: 60 * NS_PER_SECOND,
      interestRate: 0.0001,
      clamp: 0.0005,
      cap: 0.0075,
      impactMargin: "200",
    }),
  liquidation: z
    .object({
      enabled: z.boolean().default(true),
      mode: z.enum(["full", "partial"]).default("full"),
      maxNotionalPerSecond: decimalString.nullable().default(null),
      fundWorkoutSlippagePpm: z.number().int().min(0).max(1_000_000).default(10_000),
    })
    .default({ enabled: true, mode: "full", maxNotionalPerSecond: null, fundWorkoutSlippagePpm: 10_000 }),
  insuranceFund: z
    .object({
      initial: decimalString.default("10000000"),
      adl: z.boolean().default(true),
      adlThreshold: decimalString.default("0"),
      rules: z.enum(["first-model", "venue"]).default("first-model"),
      positionCap: z.number().min(0).max(1_000).nullable().default(1),
      valuation: z.enum(["mark", "executable"]).default("executable"),
      clearanceFeePpm: z.number().int().min(0).max(1_000_000).nullable().default(5_000),
      workoutHorizonNs: posInt.nullable().default(10 * 60 * NS_PER_SECOND),
      volumeShare: z.number().positive().max(1).nullable().default(0.1),
      floorPpm: z.number().int().min(0).max(1_000_000).nullable().default(25_000),
    })
    .default({
      initial: "10000000",
      adl: true,
      adlThreshold: "0",
      rules: "first-model",
      positionCap: 1,
      valuation: "executable",
      clearanceFeePpm: 5_000,
      workoutHorizonNs: 10 * 60 * NS_PER_SECOND,
      volumeShare: 0.1,
      floorPpm: 25_000,
    }),
  circuitBreaker: z
    .object({
      movePpm: z.number().int().min(1).max(1_000_000),
      windowNs: posInt,
      haltNs: posInt,
    })
    .nullable()
    .default(null),
  dynamicMaintenance: z
    .object({
      windowNs: posInt.default(5 * 60 * NS_PER_SECOND),
      referenceVolatility: z.number().positive(),
      sensitivity: z.number().nonnegative().default(1),
      maxMultiplier: z.number().min(1).max(10).default(3),
      stepPpm: z.number().int().min(1).default(250_000),
    })
    .nullable()
    .default(null),
  policies: z
    .custom<VenuePolicyOverrides>(
      (v) =>
        typeof v === "object" &&
        v !== null &&
        Object.entries(v).every(
          ([k, f]) =>
            (POLICY_NAMES as readonly string[]).includes(k) && (f === undefined || typeof f === "function"),
        ),
      { message: `must map policy names (${POLICY_NAMES.join(", ")}) to factory functions` },
    )
    .optional(),
});

/**
 * What a researcher writes to configure a perpetual venue. Everything but the instrument and
 * the price range has a venue-like default.
 */
export interface PerpVenueConfig {
  /** The contract: tick size, lot size and quote unit. */
  readonly instrument: InstrumentSpec;
  /** Lowest price the book accepts, in ticks. */
  readonly minPriceTicks: number;
  /** Highest price the book accepts, in ticks. */
  readonly maxPriceTicks: number;
  /** Maintenance-margin tiers (default: a Binance-like BTCUSDT ladder). */
  readonly tiers?: readonly MarginTierSpec[];
  /** Which notional sets maintenance margin: at the mark (`"mark"`, Binance) or at entry (`"entry"`, Bybit). */
  readonly maintenanceConvention?: "mark" | "entry";
  /** Maker fee in ppm of notional (negative = rebate). Default 200 (0.02 %). */
  readonly makerFeePpm?: number;
  /** Taker fee in ppm of notional. Default 500 (0.05 %). */
  readonly takerFeePpm?: number;
  /** Leverage cap of the venue (policy). Default 125. */
  readonly maxLeverage?: number;
  /** Leverage of a new account. Default 20. */
  readonly defaultLeverage?: number;
  /**
   * Price protection of market orders without a protection price: they execute no further than this
   * beyond the mark (the rest expires) and are margined at that worst price, ppm. Default 5 %.
   */
  readonly marketOrderBufferPpm?: number;
  /** How often the index and mark are recomputed (and liquidations checked), ns. Default 1 s. */
  readonly markIntervalNs?: number;
  /** Mark price moving-average basis sampling. */
  readonly mark?: { readonly basisSampleIntervalNs?: number; readonly basisWindowSamples?: number };
  /**
   * Funding: settlement interval, premium sampling, interest rate, clamp and cap, impact margin
   * (quote currency). The rate's parameters (interest, clamp, cap) are quoted per `rateIntervalNs`
   * (default 8 h, as venues publish them); settling every `intervalNs` (8 h, 1 h, or the mark
   * interval for continuous funding) pays `intervalNs / rateIntervalNs` of that rate, as venues
   * with shorter intervals do. Premium samples are taken at most every
   * min(`sampleIntervalNs`, `intervalNs`), so every settlement sees at least one.
   */
  readonly funding?: {
    readonly enabled?: boolean;
    readonly intervalNs?: number;
    readonly rateIntervalNs?: number;
    readonly sampleIntervalNs?: number;
    readonly interestRate?: number;
    readonly clamp?: number;
    readonly cap?: number;
    readonly impactMargin?: string | number;
  };
  /**
   * Liquidation policy: `full` closes the whole position; `partial` reduces it tier by tier while
   * that cures it. `maxNotionalPerSecond` (quote currency) paces what the engine sends to the book.
   * The insurance fund works positions it took over out through the book at each mark update, with
   * IOC orders no further than `fundWorkoutSlippagePpm` (default 1 %) beyond the book's best price.
   */
  readonly liquidation?: {
    readonly enabled?: boolean;
    readonly mode?: "full" | "partial";
    readonly maxNotionalPerSecond?: string | number | null;
    readonly fundWorkoutSlippagePpm?: number;
  };
  /**
   * Insurance fund: starting balance (quote currency), the auto-deleveraging switch and threshold,
   * and which rules it follows. `rules: "first-model"` (default): solvency at the mark, ADL of a
   * whole takeover once equity is below the threshold, no cap, the whole inventory offered every
   * mark update, all surplus to the fund, the wallet may go negative. `rules: "venue"`: the rules
   * of real venues with the parameters below (docs/model.md, "fund rules"); its wallet never goes
   * below zero (a loss nothing covers is socialised loss).
   */
  readonly insuranceFund?: {
    readonly initial?: string | number;
    readonly adl?: boolean;
    readonly adlThreshold?: string | number;
    readonly rules?: "first-model" | "venue";
    /** Largest net position at the mark, as a fraction of fund equity (null: none). Default 1 (Binance). */
    readonly positionCap?: number | null;
    /** Value the inventory at its executable (impact) price or at the mark. Default executable. */
    readonly valuation?: "mark" | "executable";
    /** Clearance fee: the fund's share of a liquidation's surplus, ppm of filled notional (null: all). Default 5,000 (Binance, up to 0.5 %). */
    readonly clearanceFeePpm?: number | null;
    /** TWAP horizon of the workout, ns (null: the whole inventory every update). Default 10 min. */
    readonly workoutHorizonNs?: number | null;
    /** Workout at most this share of the lots traded since the last update (null: no cap). Default 0.1. */
    readonly volumeShare?: number | null;
    /** Workout never below index × (1 − floor) (above × (1 + floor) when buying), ppm (null: none). Default 25,000. */
    readonly floorPpm?: number | null;
  };
  /** Halt trading for `haltNs` after the mark moves `movePpm` within `windowNs`. Off by default. */
  readonly circuitBreaker?: {
    readonly movePpm: number;
    readonly windowNs: number;
    readonly haltNs: number;
  } | null;
  /**
   * Scale maintenance margin with realised volatility of the mark over `windowNs`:
   * multiplier = 1 + sensitivity × max(0, σ/referenceVolatility − 1), capped, in steps of `stepPpm`.
   * `referenceVolatility` is the standard deviation of 1-second log returns. Off by default.
   */
  readonly dynamicMaintenance?: {
    readonly windowNs?: number;
    readonly referenceVolatility: number;
    readonly sensitivity?: number;
    readonly maxMultiplier?: number;
    readonly stepPpm?: number;
  } | null;
  /**
   * Replacements for the policy objects the venue builds from the fields above (liquidation mode,
   * pacing, ADL, fund rules, circuit breaker, maintenance), as factories: see {@link VenuePolicyOverrides}.
   */
  readonly policies?: VenuePolicyOverrides;
}

/** A validated configuration with every default filled in. */
export type ResolvedPerpConfig = z.output<typeof perpConfigSchema>;

/**
 * Validates a venue configuration and fills in defaults.
 * @throws {@link @cascade/core!ConfigError} naming the first bad field (prefixed `field`) and its value.
 */
export function resolvePerpConfig(config: PerpVenueConfig, field = "perp"): ResolvedPerpConfig {
  const parsed = perpConfigSchema.safeParse(config);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const path = issue.path.map((p) => (typeof p === "number" ? `[${p}]` : `.${String(p)}`)).join("");
    throw new ConfigError(`${field}${path}`, valueAt(config, issue.path), issue.message);
  }
  const c = parsed.data;
  if (c.maxPriceTicks < c.minPriceTicks) {
    throw new ConfigError(
      `${field}.maxPriceTicks`,
      c.maxPriceTicks,
      `must be ≥ minPriceTicks (${c.minPriceTicks})`,
    );
  }
  const f = c.insuranceFund;
  if (f.rules === "venue" && f.positionCap === 0 && !f.adl) {
    throw new ConfigError(
      `${field}.insuranceFund.positionCap`,
      0,
      `cannot hold with ${field}.insuranceFund.adl = false: a fund that may hold nothing needs auto-deleveraging to take what the book does not`,
    );
  }
  if (c.defaultLeverage > c.maxLeverage) {
    throw new ConfigError(
      `${field}.defaultLeverage`,
      c.defaultLeverage,
      `must be ≤ maxLeverage (${c.maxLeverage})`,
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
