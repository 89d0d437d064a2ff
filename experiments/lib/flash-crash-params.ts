/**
 * The knobs of the flash-crash world, each declared once, as a runner parameter spec: its name,
 * default, range, unit, one-line description and, where one line is not enough, a longer `doc`.
 * The world builder's parameter type ({@link FlashCrashParams}) and its defaults
 * ({@link FLASH_CRASH_DEFAULTS}) are derived from these specs, so every study, `cascade describe
 * <study>` (`--long` for the docs) and `--set` see the same names, units, defaults and ranges.
 *
 * @module
 */

import type { ParamValues, RunContext } from "@cascade/runner";
import { defaultsOf, param } from "@cascade/runner";
import type { WorldConfig } from "@cascade/sim";
import { flashCrashWorld } from "./flash-crash-world.ts";

/**
 * Largest amount of USDT one money parameter may take: a whole number of USDT (a fraction finer
 * than the venue's quote unit, 0.0001 USDT, cannot be deposited, and a random or LHS sweep would
 * draw such fractions) stored as an integer parameter (Int32). With the insurance fund, the
 * arbitrageur and 20 makers all at this bound, the perpetual venue holds 4.4·10^10 USDT of
 * deposits besides retail's: a fifth of its exact-money bound (`MONEY_LIMIT_UNITS`, 2^51 quote
 * units ≈ 2.25·10^11 USDT), so every value in range builds a world.
 */
export const MAX_MONEY_USDT = 2_000_000_000;

/**
 * Every knob of the flash-crash world, in human units: the one declaration of each (type, default,
 * range, unit, description). A study spreads it into its `parameters` (or changes defaults with
 * `withDefaults`); defaults are sized so a handful of runs finish in about a minute on 2 cores.
 */
export const FLASH_CRASH_PARAMETERS = {
  retailAccounts: param.number({
    default: 20_000,
    min: 0,
    max: 1_000_000,
    integer: true,
    description: "retail accounts on the perpetual",
    unit: "accounts",
  }),
  retailOpenFraction: param.number({
    default: 0.6,
    min: 0,
    max: 1,
    description: "share of retail accounts long from the past rally at the start",
  }),
  retailHoldingHours: param.number({
    default: 4,
    min: 0,
    max: 10_000,
    description: "mean holding time of a retail position (0: held until stop, liquidation or ADL)",
    doc: "With a holding time, retail opens positions at the rate that balances closings in steady state: rate = open positions at the start ÷ holding time. With 0, positions are held until a stop, liquidation or ADL closes them, as in the first model, and new accounts arrive at a fixed rate.",
    unit: "h",
  }),
  retailCapital: param.number({
    default: 1_000,
    min: 10,
    // Retail's deposits are about 1.65 × this per account: at 10^6 accounts and this bound,
    // 1.65·10^11 USDT; more would pass the venue's exact-money bound (MoneyLimitExceeded).
    max: 100_000,
    integer: true,
    description: "median retail capital (log-normal, sigma 1)",
    unit: "USDT",
  }),
  leverageMix: param.choice(["market", "high", "moderate", "low"], {
    default: "market",
    description:
      "retail leverage mix: market (mostly 2-10x, a tail to 125x), high 10-125x, moderate 5-25x, low 2-5x",
    doc: "Each account draws its leverage from the mix's values and weights (market: 95 % of accounts at 10x or less, 0.6 % above 25x; high: most mass at 20-100x). The venue's leverage cap (maxLeverage) clips every draw.",
  }),
  whaleShare: param.number({
    default: 0,
    min: 0,
    max: 0.01,
    description: "whales and prop desks (positions above the first margin tier), a share of retailAccounts",
    doc: "A second population beside retail with this share of retailAccounts again, 3-20x, positions up to 5 M USDT, so tiered margin and partial liquidation apply (see WHALES in flash-crash-world.ts). 0: retail only (the default: with whales on at 0.002 the calm market fails its targets, because whales close 10-40 BTC positions with one market order).",
  }),
  whaleCapital: param.number({
    default: 125_000,
    min: 10_000,
    // 10^4 whales (the share's bound at 10^6 accounts) hold about 1.4 × this each: 1.4·10^10 USDT.
    max: 1_000_000,
    integer: true,
    description: "median whale capital (log-normal, sigma 0.8)",
    unit: "USDT",
  }),
  maxLeverage: param.number({
    default: 125,
    min: 1,
    max: 125,
    integer: true,
    description: "venue leverage cap (policy)",
    doc: "The cap binds every account, not only retail: each agent's leverage is clipped to it.",
    unit: "x",
  }),
  startPrice: param.number({
    default: 75_500,
    min: 1_000,
    max: 500_000,
    description: "BTC price at the start",
    unit: "USDT",
  }),
  shockBtc: param.number({
    default: 150,
    min: 0,
    max: 100_000,
    description: "BTC sold by the exogenous seller",
    unit: "BTC",
  }),
  shockMinutes: param.number({
    default: 5,
    min: 0.1,
    max: 1_440,
    description: "duration of the sale",
    unit: "min",
  }),
  shockStartMinutes: param.number({
    default: 5,
    min: 0,
    max: 1_440,
    description: "start of the sale",
    unit: "min",
  }),
  shockVenue: param.choice(["both", "perp", "spot"], {
    default: "both",
    description: "where the seller sells (both: half on each)",
  }),
  makersPerVenue: param.number({
    default: 3,
    min: 0,
    max: 20,
    integer: true,
    description: "market makers on each venue",
  }),
  makerCapital: param.number({
    default: 2_000_000,
    min: 10_000,
    max: MAX_MONEY_USDT,
    integer: true,
    description: "capital of each market maker",
    unit: "USDT",
  }),
  makerMaxLoss: param.number({
    default: 0.02,
    min: 0.0001,
    max: 1,
    description: "loss (fraction of capital) at which a maker pulls its quotes",
  }),
  makerLevelBtc: param.number({
    default: 0.5,
    min: 0.001,
    max: 1_000,
    description: "quote size of a maker's best level",
    unit: "BTC",
  }),
  marketModel: param.choice(["coupled", "uncoupled"], {
    default: "coupled",
    description:
      "coupled: hedged perp makers and continuous spot depth; uncoupled: the first model's unhedged perp makers",
    doc: "coupled: perp makers hedge every fill on spot (as real BTC liquidity providers do) and spot makers quote a continuous depth profile around a fair value moved by the tape's aggressive volume. uncoupled: the first model's unhedged perp makers quoting around the last trade and short spot ladders, kept to reproduce old studies.",
  }),
  hedgeCapacityBtc: param.number({
    default: 100,
    min: 0.001,
    max: 100_000,
    description: "inventory each hedged perp maker may carry (its spot holding is 1.5x this)",
    unit: "BTC",
  }),
  spotMakerInventoryBtc: param.number({
    default: 200,
    min: 0.001,
    max: 100_000,
    description: "coupled market: inventory each spot market maker may carry (its starting holding)",
    doc: "Every perp fill of a hedged maker ends on spot, so spot makers absorb the whole market's net flow; with the uncoupled model's 40 BTC their inventory saturated, one side of the spot book emptied and a calm market fell into a cascade in half the two-hour runs.",
    unit: "BTC",
  }),
  spotImpactBpsPerBtc: param.number({
    default: 4,
    min: 0,
    max: 1_000,
    description:
      "coupled market: permanent impact of aggressive spot volume on the spot makers' fair value (Kyle's lambda)",
    doc: "Sets the calm market's volatility from its order flow (sigma ≈ lambda · sigma of the flow) and how far a forced seller moves the price.",
    unit: "bp/BTC",
  }),
  deepBookBtc: param.number({
    default: 3,
    min: 0,
    max: 10_000,
    description: "patient liquidity: size of the first level 1 % away (0 = none)",
    doc: "Patient liquidity stands for long-horizon buyers and sellers: on each venue, 25 levels 1 % apart from 1 % around a slowly moving value, the first holding this many BTC, each next one 15 % more.",
    unit: "BTC",
  }),
  arbLatencyMs: param.number({
    default: 5,
    min: 0.001,
    max: 60_000,
    description: "arbitrageur one-way latency",
    unit: "ms",
  }),
  arbCapital: param.number({
    default: 20_000_000,
    min: 0,
    max: MAX_MONEY_USDT,
    integer: true,
    description: "arbitrageur capital on each leg",
    unit: "USDT",
  }),
  arbDepth: param.choice(["touch", "walk"], {
    default: "touch",
    description:
      "arbitrageur depth: touch = best level of each book, one pair in flight; walk = level by level to the no-arbitrage bound, up to 4 pairs in flight",
  }),
  backgroundTraders: param.number({
    default: 100,
    min: 0,
    max: 100_000,
    integer: true,
    description: "background traders on each venue",
  }),
  liquidationsEnabled: param.boolean({
    default: true,
    description: "liquidation engine on (false: the counterfactual without forced selling)",
  }),
  liquidationMode: param.choice(["full", "partial"], {
    default: "full",
    description: "full liquidation, or tier-by-tier partial",
  }),
  liquidationPacing: param.number({
    default: 0,
    min: 0,
    max: MAX_MONEY_USDT,
    integer: true,
    description: "notional the liquidation engine may sell per second at most (0 = unpaced)",
    unit: "USDT/s",
  }),
  circuitBreakerPct: param.number({
    default: 0,
    min: 0,
    max: 100,
    description: "halt after this move of the mark within 5 minutes (0 = off)",
    unit: "%",
  }),
  haltMinutes: param.number({
    default: 5,
    min: 0.1,
    max: 1_440,
    description: "length of a circuit-breaker halt",
    unit: "min",
  }),
  insuranceFund: param.number({
    default: 5_000_000,
    min: 0,
    max: MAX_MONEY_USDT,
    integer: true,
    description: "insurance fund at the start",
    unit: "USDT",
  }),
  adl: param.boolean({ default: true, description: "auto-deleveraging when the fund cannot absorb a loss" }),
  fundRules: param.choice(["venue", "first-model"], {
    default: "venue",
    description: "insurance fund rules: venue (real venues' rules) or first-model (kept for old studies)",
    doc: "venue: a position cap, solvency judged at the executable price, ADL sized to restore the fund's equity, a paced workout with a floor, a clearance fee, and a wallet that never goes below zero. first-model: the first model's fund, kept to reproduce old studies.",
  }),
  fundPositionCap: param.number({
    default: 1,
    min: 0,
    max: 100,
    description:
      "venue fund rules: largest net fund position as a multiple of fund equity (excess to ADL at once)",
    doc: "Binance caps the fund's net position at 100 % of the fund: 1.",
    unit: "x",
  }),
  fundClearanceFeePct: param.number({
    default: 0.5,
    min: 0,
    max: 100,
    description: "venue fund rules: the fund's share of a liquidation's surplus, of filled notional",
    doc: "Binance: up to 0.5 %.",
    unit: "%",
  }),
  fundWorkoutMinutes: param.number({
    default: 10,
    min: 0.01,
    max: 1_440,
    description: "venue fund rules: TWAP horizon of the fund's workout",
    unit: "min",
  }),
  fundVolumeShare: param.number({
    default: 0.1,
    min: 0.001,
    max: 1,
    description: "venue fund rules: the workout's largest share of the perp's traded volume",
  }),
  fundFloorPct: param.number({
    default: 2.5,
    min: 0,
    max: 100,
    description: "venue fund rules: the workout never sells further than this below the index",
    unit: "%",
  }),
  fundingIntervalMinutes: param.number({
    default: 480,
    min: 0,
    max: 1_440,
    description:
      "funding settlement interval (480 = 8 h, 60 = 1 h, 0 = continuous: every mark update); the rate stays quoted per 8 h",
    doc: "Each settlement pays its share of the 8-hour rate. With 8 h a 30-minute run never settles funding; with 1 h or continuous funding a crash window does.",
    unit: "min",
  }),
  dynamicMaintenance: param.boolean({
    default: false,
    description: "scale maintenance margin with realised volatility",
  }),
  durationMinutes: param.number({
    default: 30,
    min: 1,
    max: 1_440,
    description: "simulated time",
    unit: "min",
  }),
} as const;

/** Every knob of the flash-crash world, in human units: the value types of {@link FLASH_CRASH_PARAMETERS}. */
export type FlashCrashParams = Readonly<ParamValues<typeof FLASH_CRASH_PARAMETERS>>;

/** The defaults of {@link FLASH_CRASH_PARAMETERS}. */
export const FLASH_CRASH_DEFAULTS: FlashCrashParams = defaultsOf(FLASH_CRASH_PARAMETERS);

/**
 * The world of one run. Every point of a study uses the same random streams for a given
 * replication (common random numbers: seed = master seed, run index = replication), so two points
 * differ only by their parameters — which is what makes a counterfactual pair (liquidations on
 * vs off) compare identical order flow.
 */
export function buildFlashCrash(p: FlashCrashParams, run: RunContext): WorldConfig {
  return flashCrashWorld(p, run.masterSeed, run.replication);
}
