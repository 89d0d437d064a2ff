/**
 * `@cascade/exchange`: the venues of a simulated crypto market — a spot venue (book plus cash and
 * asset accounts) and a linear perpetual-futures venue with maintenance-margin tiers, isolated and
 * cross margin, index and mark price, funding, and the liquidation engine (book, insurance-fund
 * takeover, auto-deleveraging) with the policies a researcher switches per experiment.
 *
 * @packageDocumentation
 */

export { AccountSet } from "./account-set.ts";
export {
  FundingAccumulator,
  type FundingAccumulatorConfig,
  fundingPaymentUnits,
  impactNotionalUnits,
  premiumIndex,
  RATE_E8,
} from "./funding.ts";
export { computeIndexTicks } from "./index-price.ts";
export { LiquidationEngine, type LiquidationPolicies } from "./liquidation-engine.ts";
export { LIQUIDATION_STAGE_NAMES, LiquidationLog, LiquidationStage } from "./liquidation-log.ts";
export { BINANCE_BTCUSDT_TIERS, type MarginTier, type MarginTierSpec, MarginTiers } from "./margin-tiers.ts";
export { MarkHistory } from "./mark-history.ts";
export { MarkPrice, type MarkPriceConfig } from "./mark-price.ts";
export { AccountFlag, PerpAccounts } from "./perp-accounts.ts";
export {
  type PerpVenueConfig,
  perpConfigSchema,
  type ResolvedPerpConfig,
  resolvePerpConfig,
} from "./perp-config.ts";
export {
  INSURANCE_FUND,
  INTERNAL_ORDER_ID_BASE,
  type IndexSource,
  type LiquidationStats,
  ManualIndex,
  MONEY_LIMIT_UNITS,
  PerpVenue,
} from "./perp-venue.ts";
export { type AdlPolicy, BitmexRankedAdl, NoAdl, solventAtValue } from "./policies/adl.ts";
export {
  type CircuitBreakerPolicy,
  MoveCircuitBreaker,
  NoCircuitBreaker,
} from "./policies/circuit-breaker.ts";
export {
  type MaintenancePolicy,
  StaticMaintenance,
  type VolatilityScaledConfig,
  VolatilityScaledMaintenance,
} from "./policies/dynamic-maintenance.ts";
export { type FundPolicy, fundEquityAtUnits, MarkValuedFund, type WorkoutOrder } from "./policies/fund.ts";
export {
  createVenuePolicies,
  POLICY_NAMES,
  type PolicyContext,
  type VenuePolicies,
  type VenuePolicyOverrides,
} from "./policies/index.ts";
export {
  FullLiquidation,
  type LiquidationModePolicy,
  TierPartialLiquidation,
} from "./policies/liquidation-mode.ts";
export { NotionalPerSecond, type PacingPolicy, Unpaced } from "./policies/pacing.ts";
export { VenueRulesFund, type VenueRulesFundConfig } from "./policies/venue-fund.ts";
export type { IocFill, LiquidationVenue, VenueView } from "./policies/venue-view.ts";
export {
  adlScore,
  bankruptcyLimitTicks,
  bankruptcyPriceTicks,
  entryPriceTicks,
  estimateTriggerTicks,
  initialMarginUnits,
  isLiquidatable,
  liquidationTriggerTicks,
  maintenanceMarginUnits,
  marginBalanceUnits,
  type NotionalConvention,
  type PositionState,
  unrealizedPnlUnits,
} from "./position-math.ts";
export { ScaledMarginTiers } from "./scaled-tiers.ts";
export { SPOT_DEFAULT_STP, type SpotBookView, SpotVenue, type SpotVenueConfig } from "./spot-venue.ts";
export { TriggerHeap } from "./trigger-heap.ts";
export {
  decodeVenueEvents,
  type VenueEvent,
  VenueEventBuffer,
  VenueEventFlag,
  VenueEventKind,
} from "./venue-events.ts";
