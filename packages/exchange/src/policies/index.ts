/**
 * The switchable rules of a perpetual venue as objects: liquidation mode, pacing, circuit breaker,
 * dynamic maintenance, auto-deleveraging and the insurance fund's rules. The venue builds the
 * default of each from its configuration; an experiment replaces any of them through
 * `PerpVenueConfig.policies`, the way NautilusTrader's simulated exchange takes fee, fill, latency
 * and margin models.
 *
 * @module
 */

import { ConfigError, type Instrument } from "@cascade/core";
import type { LiquidationPolicies } from "../liquidation-engine.ts";
import type { ResolvedPerpConfig } from "../perp-config.ts";
import { type AdlPolicy, BitmexRankedAdl, NoAdl } from "./adl.ts";
import { type CircuitBreakerPolicy, MoveCircuitBreaker, NoCircuitBreaker } from "./circuit-breaker.ts";
import {
  type MaintenancePolicy,
  StaticMaintenance,
  VolatilityScaledMaintenance,
} from "./dynamic-maintenance.ts";
import { type FundPolicy, MarkValuedFund } from "./fund.ts";
import { FullLiquidation, type LiquidationModePolicy, TierPartialLiquidation } from "./liquidation-mode.ts";
import { NotionalPerSecond, type PacingPolicy, Unpaced } from "./pacing.ts";
import { VenueRulesFund } from "./venue-fund.ts";

/** Every policy object of a venue. */
export interface VenuePolicies extends LiquidationPolicies {
  /** Halts trading after large moves of the mark. */
  readonly circuitBreaker: CircuitBreakerPolicy;
  /** The maintenance-margin multiplier. */
  readonly maintenance: MaintenancePolicy;
}

/** What a policy factory is given: the venue's validated configuration and its instrument. */
export interface PolicyContext {
  readonly config: ResolvedPerpConfig;
  readonly instrument: Instrument;
}

/**
 * Replacements for a venue's policies, as factories called once per venue (a policy may keep
 * state, e.g. a pacing budget, so two venues must not share one object).
 * @example
 * ```ts
 * // An ADL that ranks by account id only (a toy), on top of the configured rules.
 * const venue = new PerpVenue({
 *   instrument: BTCUSDT, minPriceTicks: 1, maxPriceTicks: 2_000_000,
 *   policies: { adl: () => ({ enabled: true, queue: (v, fundLong) => [...(fundLong ? v.shorts.sorted() : v.longs.sorted())] }) },
 * });
 * ```
 */
export interface VenuePolicyOverrides {
  readonly mode?: (ctx: PolicyContext) => LiquidationModePolicy;
  readonly pacing?: (ctx: PolicyContext) => PacingPolicy;
  readonly adl?: (ctx: PolicyContext) => AdlPolicy;
  readonly fund?: (ctx: PolicyContext) => FundPolicy;
  readonly circuitBreaker?: (ctx: PolicyContext) => CircuitBreakerPolicy;
  readonly maintenance?: (ctx: PolicyContext) => MaintenancePolicy;
}

/** Names of the replaceable policies. */
export const POLICY_NAMES = ["mode", "pacing", "adl", "fund", "circuitBreaker", "maintenance"] as const;

/**
 * The venue's policies: the configured defaults, with any override applied.
 * @throws {@link @cascade/core!ConfigError} naming a bad configured value.
 */
export function createVenuePolicies(ctx: PolicyContext, overrides: VenuePolicyOverrides = {}): VenuePolicies {
  const c = ctx.config;
  const quote = (field: string, v: string | number): number => ctx.instrument.quoteToUnits(v, "exact", field);
  const defaults = {
    mode: (): LiquidationModePolicy =>
      c.liquidation.mode === "partial" ? new TierPartialLiquidation() : new FullLiquidation(),
    pacing: (): PacingPolicy => {
      const pace = c.liquidation.maxNotionalPerSecond;
      if (pace === null) return new Unpaced();
      const units = quote("perp.liquidation.maxNotionalPerSecond", pace);
      if (units <= 0)
        throw new ConfigError("perp.liquidation.maxNotionalPerSecond", pace, "must be positive");
      return new NotionalPerSecond(units);
    },
    adl: (): AdlPolicy => (c.insuranceFund.adl ? new BitmexRankedAdl() : new NoAdl()),
    fund: (): FundPolicy => {
      const f = c.insuranceFund;
      const threshold = quote("perp.insuranceFund.adlThreshold", f.adlThreshold);
      if (f.rules === "first-model")
        return new MarkValuedFund(threshold, c.liquidation.fundWorkoutSlippagePpm);
      return new VenueRulesFund({
        adlThresholdUnits: threshold,
        positionCap: f.positionCap,
        valuation: f.valuation,
        clearanceFeePpm: f.clearanceFeePpm,
        workoutHorizonNs: f.workoutHorizonNs,
        volumeShare: f.volumeShare,
        floorPpm: f.floorPpm,
        slippagePpm: c.liquidation.fundWorkoutSlippagePpm,
      });
    },
    circuitBreaker: (): CircuitBreakerPolicy =>
      c.circuitBreaker === null ? new NoCircuitBreaker() : new MoveCircuitBreaker(c.circuitBreaker),
    maintenance: (): MaintenancePolicy =>
      c.dynamicMaintenance === null
        ? new StaticMaintenance()
        : new VolatilityScaledMaintenance(c.dynamicMaintenance),
  };
  return {
    mode: (overrides.mode ?? defaults.mode)(ctx),
    pacing: (overrides.pacing ?? defaults.pacing)(ctx),
    adl: (overrides.adl ?? defaults.adl)(ctx),
    fund: (overrides.fund ?? defaults.fund)(ctx),
    circuitBreaker: (overrides.circuitBreaker ?? defaults.circuitBreaker)(ctx),
    maintenance: (overrides.maintenance ?? defaults.maintenance)(ctx),
  };
}
