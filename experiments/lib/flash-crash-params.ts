/**
 * The parameters of the flash-crash world as runner parameter specs: one declaration shared by
 * every study, so `cascade describe <study>` shows the same names, units, defaults and ranges,
 * and any of them can be changed with `--set`.
 *
 * @module
 */

import type { RunContext } from "@cascade/runner";
import { param } from "@cascade/runner";
import type { WorldConfig } from "@cascade/sim";
import { FLASH_CRASH_DEFAULTS as D, type FlashCrashParams, flashCrashWorld } from "./flash-crash-world.ts";

/**
 * Largest amount of USDT one money parameter may take: a whole number of USDT (a fraction finer
 * than the venue's quote unit, 0.0001 USDT, cannot be deposited, and a random or LHS sweep would
 * draw such fractions) stored as an integer parameter (Int32). With the insurance fund, the
 * arbitrageur and 20 makers all at this bound, the perpetual venue holds 4.4·10^10 USDT of
 * deposits besides retail's: a fifth of its exact-money bound (`MONEY_LIMIT_UNITS`, 2^51 quote
 * units ≈ 2.25·10^11 USDT), so every value in range builds a world.
 */
export const MAX_MONEY_USDT = 2_000_000_000;

/** Parameter specs of {@link FlashCrashParams}. */
export const FLASH_CRASH_PARAMETERS = {
  retailAccounts: param.number({
    default: D.retailAccounts,
    min: 0,
    max: 1_000_000,
    integer: true,
    description: "retail accounts on the perpetual",
    unit: "accounts",
  }),
  retailOpenFraction: param.number({
    default: D.retailOpenFraction,
    min: 0,
    max: 1,
    description: "share of retail accounts long from the past rally at the start",
  }),
  retailHoldingHours: param.number({
    default: D.retailHoldingHours,
    min: 0,
    max: 10_000,
    description: "mean holding time of a retail position (0: held until stop, liquidation or ADL)",
    unit: "h",
  }),
  retailCapital: param.number({
    default: D.retailCapital,
    min: 10,
    // Retail's deposits are about 1.65 × this per account: at 10^6 accounts and this bound,
    // 1.65·10^11 USDT; more would pass the venue's exact-money bound (MoneyLimitExceeded).
    max: 100_000,
    integer: true,
    description: "median retail capital (log-normal, sigma 1)",
    unit: "USDT",
  }),
  leverageMix: param.choice(["market", "high", "moderate", "low"], {
    default: D.leverageMix,
    description: "retail leverage mix: high 10-125x, moderate 5-25x, low 2-5x",
  }),
  whaleShare: param.number({
    default: D.whaleShare,
    min: 0,
    max: 0.01,
    description: "whales and prop desks (positions above the first margin tier), a share of retailAccounts",
  }),
  whaleCapital: param.number({
    default: D.whaleCapital,
    min: 10_000,
    // 10^4 whales (the share's bound at 10^6 accounts) hold about 1.4 × this each: 1.4·10^10 USDT.
    max: 1_000_000,
    integer: true,
    description: "median whale capital (log-normal, sigma 0.8)",
    unit: "USDT",
  }),
  maxLeverage: param.number({
    default: D.maxLeverage,
    min: 1,
    max: 125,
    integer: true,
    description: "venue leverage cap (policy)",
    unit: "x",
  }),
  startPrice: param.number({
    default: D.startPrice,
    min: 1_000,
    max: 500_000,
    description: "BTC price at the start",
    unit: "USDT",
  }),
  shockBtc: param.number({
    default: D.shockBtc,
    min: 0,
    max: 100_000,
    description: "BTC sold by the exogenous seller",
    unit: "BTC",
  }),
  shockMinutes: param.number({
    default: D.shockMinutes,
    min: 0.1,
    max: 1_440,
    description: "duration of the sale",
    unit: "min",
  }),
  shockStartMinutes: param.number({
    default: D.shockStartMinutes,
    min: 0,
    max: 1_440,
    description: "start of the sale",
    unit: "min",
  }),
  shockVenue: param.choice(["both", "perp", "spot"], {
    default: D.shockVenue,
    description: "where the seller sells (both: half on each)",
  }),
  makersPerVenue: param.number({
    default: D.makersPerVenue,
    min: 0,
    max: 20,
    integer: true,
    description: "market makers on each venue",
  }),
  makerCapital: param.number({
    default: D.makerCapital,
    min: 10_000,
    max: MAX_MONEY_USDT,
    integer: true,
    description: "capital of each market maker",
    unit: "USDT",
  }),
  makerMaxLoss: param.number({
    default: D.makerMaxLoss,
    min: 0.0001,
    max: 1,
    description: "loss (fraction of capital) at which a maker pulls its quotes",
  }),
  makerLevelBtc: param.number({
    default: D.makerLevelBtc,
    min: 0.001,
    max: 1_000,
    description: "quote size of a maker's best level",
    unit: "BTC",
  }),
  marketModel: param.choice(["coupled", "uncoupled"], {
    default: D.marketModel,
    description:
      "coupled: hedged perp makers and continuous spot depth; uncoupled: the first model's unhedged perp makers",
  }),
  hedgeCapacityBtc: param.number({
    default: D.hedgeCapacityBtc,
    min: 0.001,
    max: 100_000,
    description: "inventory each hedged perp maker may carry (its spot holding is 1.5x this)",
    unit: "BTC",
  }),
  spotMakerInventoryBtc: param.number({
    default: D.spotMakerInventoryBtc,
    min: 0.001,
    max: 100_000,
    description: "coupled market: inventory each spot market maker may carry (its starting holding)",
    unit: "BTC",
  }),
  spotImpactBpsPerBtc: param.number({
    default: D.spotImpactBpsPerBtc,
    min: 0,
    max: 1_000,
    description:
      "coupled market: permanent impact of aggressive spot volume on the spot makers' fair value (Kyle's lambda)",
    unit: "bp/BTC",
  }),
  deepBookBtc: param.number({
    default: D.deepBookBtc,
    min: 0,
    max: 10_000,
    description: "patient liquidity: size of the first level 1 % away (0 = none)",
    unit: "BTC",
  }),
  arbLatencyMs: param.number({
    default: D.arbLatencyMs,
    min: 0.001,
    max: 60_000,
    description: "arbitrageur one-way latency",
    unit: "ms",
  }),
  arbCapital: param.number({
    default: D.arbCapital,
    min: 0,
    max: MAX_MONEY_USDT,
    integer: true,
    description: "arbitrageur capital on each leg",
    unit: "USDT",
  }),
  backgroundTraders: param.number({
    default: D.backgroundTraders,
    min: 0,
    max: 100_000,
    integer: true,
    description: "background traders on each venue",
  }),
  liquidationsEnabled: param.boolean({
    default: D.liquidationsEnabled,
    description: "liquidation engine on (false: the counterfactual without forced selling)",
  }),
  liquidationMode: param.choice(["full", "partial"], {
    default: D.liquidationMode,
    description: "full liquidation, or tier-by-tier partial",
  }),
  liquidationPacing: param.number({
    default: D.liquidationPacing,
    min: 0,
    max: MAX_MONEY_USDT,
    integer: true,
    description: "notional the liquidation engine may sell per second at most (0 = unpaced)",
    unit: "USDT/s",
  }),
  circuitBreakerPct: param.number({
    default: D.circuitBreakerPct,
    min: 0,
    max: 100,
    description: "halt after this move of the mark within 5 minutes (0 = off)",
    unit: "%",
  }),
  haltMinutes: param.number({
    default: D.haltMinutes,
    min: 0.1,
    max: 1_440,
    description: "length of a circuit-breaker halt",
    unit: "min",
  }),
  insuranceFund: param.number({
    default: D.insuranceFund,
    min: 0,
    max: MAX_MONEY_USDT,
    integer: true,
    description: "insurance fund at the start",
    unit: "USDT",
  }),
  adl: param.boolean({ default: D.adl, description: "auto-deleveraging when the fund cannot absorb a loss" }),
  fundRules: param.choice(["venue", "first-model"], {
    default: D.fundRules,
    description:
      "insurance fund rules: venue (position cap, executable-price solvency, equity-sized ADL, paced workout with a floor, clearance fee, wallet >= 0) or the first model's",
  }),
  fundPositionCap: param.number({
    default: D.fundPositionCap,
    min: 0,
    max: 100,
    description:
      "venue fund rules: largest net fund position as a multiple of fund equity (excess to ADL at once)",
    unit: "x",
  }),
  fundClearanceFeePct: param.number({
    default: D.fundClearanceFeePct,
    min: 0,
    max: 100,
    description: "venue fund rules: the fund's share of a liquidation's surplus, of filled notional",
    unit: "%",
  }),
  fundWorkoutMinutes: param.number({
    default: D.fundWorkoutMinutes,
    min: 0.01,
    max: 1_440,
    description: "venue fund rules: TWAP horizon of the fund's workout",
    unit: "min",
  }),
  fundVolumeShare: param.number({
    default: D.fundVolumeShare,
    min: 0.001,
    max: 1,
    description: "venue fund rules: the workout's largest share of the perp's traded volume",
  }),
  fundFloorPct: param.number({
    default: D.fundFloorPct,
    min: 0,
    max: 100,
    description: "venue fund rules: the workout never sells further than this below the index",
    unit: "%",
  }),
  fundingIntervalMinutes: param.number({
    default: D.fundingIntervalMinutes,
    min: 0,
    max: 1_440,
    description:
      "funding settlement interval (480 = 8 h, 60 = 1 h, 0 = continuous: every mark update); the rate stays quoted per 8 h",
    unit: "min",
  }),
  dynamicMaintenance: param.boolean({
    default: D.dynamicMaintenance,
    description: "scale maintenance margin with realised volatility",
  }),
  durationMinutes: param.number({
    default: D.durationMinutes,
    min: 1,
    max: 1_440,
    description: "simulated time",
    unit: "min",
  }),
} as const;

/**
 * The world of one run. Every point of a study uses the same random streams for a given
 * replication (common random numbers: seed = master seed, run index = replication), so two points
 * differ only by their parameters — which is what makes a counterfactual pair (liquidations on
 * vs off) compare identical order flow.
 */
export function buildFlashCrash(p: FlashCrashParams, run: RunContext): WorldConfig {
  return flashCrashWorld(p, run.masterSeed, run.replication);
}
