/**
 * `@cascade/agents`: the traders of a cascade world — a retail population of leveraged longs held
 * as columns (up to 10^6 accounts), Avellaneda–Stoikov market makers, perp–spot arbitrageurs,
 * background noise/fundamentalist/chartist traders, and exogenous shocks.
 *
 * @packageDocumentation
 */

export {
  Arbitrageur,
  type ArbitrageurConfig,
  BasisDirection,
  type BasisSizeInput,
  basisBps,
  basisEntrySignal,
  basisExitDue,
  basisTradeLots,
  DepthWalk,
  expectedFundingRate,
  fundingRebalanceLots,
  fundingTargetLots,
  type ResolvedArbitrageurConfig,
  resolveArbitrageurConfig,
  takerFeesFromVenueSpecs,
  walkBasisDepth,
} from "./arbitrageur.ts";
export {
  activityMultiplier,
  BACKGROUND_TRADERS_DEFAULTS,
  BackgroundTraders,
  type BackgroundTradersConfig,
  expectedReturn,
  limitPriceTicks,
  paretoLots,
  type ResolvedBackgroundTradersConfig,
  resolveBackgroundTradersConfig,
} from "./background-traders.ts";
export {
  depthFactor,
  HEDGED_MAKER_DEFAULTS,
  HedgedMaker,
  type HedgedMakerConfig,
  hedgedHalfSpreadBps,
  hedgedLevelTicks,
  levelLots,
  type ResolvedHedgedMakerConfig,
  resolveHedgedMakerConfig,
} from "./hedged-maker.ts";
export {
  computeQuotes,
  ewmaVariancePerSecond,
  GuardAction,
  MARKET_MAKER_DEFAULTS,
  MarketMaker,
  type MarketMakerConfig,
  optimalSpread,
  QuoteGuard,
  type QuoteInputs,
  QuoteLadder,
  type ResolvedMarketMakerConfig,
  reservationPrice,
  resolveMarketMakerConfig,
  StressReason,
  stressReason,
} from "./market-maker.ts";
export { NewsActivity, type NewsActivityConfig, newsActivity } from "./news-activity.ts";
export {
  emaStep,
  PatientLiquidity,
  type PatientLiquidityConfig,
  patientLevelTicks,
  type ResolvedPatientLiquidityConfig,
  resolvePatientLiquidityConfig,
} from "./patient-liquidity.ts";
export {
  DEFAULT_RETAIL_LEVERAGE,
  MAX_RETAIL_ACCOUNTS,
  type ResolvedRetailConfig,
  type RetailPopulationConfig,
  resolveRetailConfig,
  retailConfigSchema,
} from "./retail-config.ts";
export {
  cumulativeWeights,
  dangerPriceTicks,
  dipRate,
  drawMarginFraction,
  MomentumWindow,
  momentumRate,
  positionLots,
  rallyEntryTicks,
  stopPriceTicks,
} from "./retail-model.ts";
export { RETAIL_SUBSCRIPTIONS, RetailPopulation, RetailSlotState } from "./retail-population.ts";
export {
  type ResolvedShockConfig,
  resolveShockConfig,
  Shock,
  type ShockConfig,
  shockLimitPriceTicks,
  shockScheduleLots,
} from "./shock.ts";
export { AccountMirror } from "./toolkit/account-mirror.ts";
export { BookCursor, type BookReader, nextLevelTicks, othersBestTicks } from "./toolkit/book-walk.ts";
export {
  type HedgeOrder,
  Leg,
  marketableLimitTicks,
  PERP_MARGIN_USE,
  perpCapacityLots,
  residualHedge,
  spotBuyCapacityLots,
} from "./toolkit/hedging.ts";
export { type Ladder, LadderQuoter } from "./toolkit/ladder.ts";
export { OrderState, OrderTracker, OrderUpdate } from "./toolkit/order-tracker.ts";
