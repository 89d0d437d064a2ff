/**
 * The flash-crash world every study in `experiments/` starts from: a BTC/USDT spot market that
 * sets the index and a BTCUSDT perpetual where most of the leverage lives, linked by arbitrage.
 * Months of bullish momentum have left many retail longs at high leverage, entered between
 * roughly $60,000 and the mid $70,000s; a moderate seller pushes the price toward the watched
 * $70,000 level; whether liquidations then feed on thin books is what the studies vary.
 *
 * Nothing about the crash is scripted beyond the shock: its depth, speed and waves emerge from
 * leverage, book depth, market-maker behaviour, arbitrage latency and the venue's policies.
 *
 * @module
 */

import {
  Arbitrageur,
  BackgroundTraders,
  HedgedMaker,
  MarketMaker,
  PatientLiquidity,
  RetailPopulation,
  type RetailPopulationConfig,
  Shock,
} from "@cascade/agents";
import {
  BTCUSDT,
  ConfigError,
  type InstrumentSpec,
  NS_PER_MINUTE,
  NS_PER_MS,
  NS_PER_SECOND,
  type Seed,
} from "@cascade/core";
import type { PerpVenueConfig } from "@cascade/exchange";
import type { Agent, WorldConfig } from "@cascade/sim";
import type { FlashCrashParams } from "./flash-crash-params.ts";

// The knobs are declared once, as parameter specs, in flash-crash-params.ts.
export type { FlashCrashParams } from "./flash-crash-params.ts";

const LEVERAGE_MIXES = {
  market: {
    values: [2, 3, 5, 10, 20, 25, 50, 75, 100, 125],
    weights: [40, 25, 20, 10, 3, 1, 0.3, 0.1, 0.15, 0.05],
  },
  high: { values: [10, 20, 25, 50, 75, 100, 125], weights: [10, 20, 10, 25, 10, 20, 5] },
  moderate: { values: [5, 10, 15, 20, 25], weights: [10, 35, 20, 25, 10] },
  low: { values: [2, 3, 5], weights: [30, 30, 40] },
} as const;

/**
 * The large traders (whales, prop desks) beside retail: few accounts holding a large share of the
 * open interest in positions above the venue's first margin tier, which is where tiered margin
 * and partial liquidation apply (the issue-12 finding: with every position capped at the first
 * tier, `partial` liquidation was the same run as `full`). A stated assumption, not a fit: 0.2 % of
 * the accounts (`whaleShare`), capital log-normal around 125,000 USDT (σ 0.8), lower leverage
 * than retail (3-20×, mostly 5-10×) and positions up to 5 M USDT — inside the Binance-like
 * ladder's fourth tier (≤ 10 M, up to 20×), so every whale's leverage is allowed at every size it
 * can hold. Off by default (`whaleShare` 0): trading by retail's flow rules (whole-position market
 * orders) they broke the calm market (1-minute σ 0.036 → 0.72 % in `pnpm validate`). At 0.2 % of
 * the flagship's accounts they hold about a third of the seeded open interest, in the
 * range real venues show (a few large accounts hold a large share of open interest; CoinGlass, as
 * reported for 10 Oct 2025: the largest single liquidation was a $21.4 M BTC-USD position).
 */
const WHALES = {
  capitalSigma: 0.8,
  leverage: { values: [3, 5, 10, 20], weights: [20, 35, 30, 15] },
  maxPositionNotional: 5_000_000,
} as const;

/**
 * The coupled world's news: one activity process (σ 0.8, 10-minute correlation, the background
 * traders' defaults) that paces the background traders of both markets and retail's arrivals and
 * exits, so calm-market volatility clusters as in real markets (Cont 2001).
 */
const NEWS = {
  stream: "news",
  volatility: 0.8,
  correlationNs: 600 * NS_PER_SECOND,
  stepNs: NS_PER_SECOND,
} as const;

/** The spot instrument: same tick and lot as the perpetual, so the index needs no conversion. */
const SPOT: InstrumentSpec = { ...BTCUSDT, symbol: "BTCUSDT-SPOT" };

/** Builds the world of one run from its parameters and seed. */
export function flashCrashWorld(p: FlashCrashParams, seed: Seed, runIndex = 0): WorldConfig {
  const tick = 10; // ticks per USDT at a 0.1 tick
  const startTicks = Math.round(p.startPrice * tick);
  const range = { minPriceTicks: Math.round(startTicks * 0.3), maxPriceTicks: Math.round(startTicks * 1.7) };
  const perp: PerpVenueConfig = {
    instrument: BTCUSDT,
    ...range,
    maxLeverage: p.maxLeverage,
    defaultLeverage: Math.min(20, p.maxLeverage),
    makerFeePpm: 0,
    takerFeePpm: 500,
    liquidation: {
      enabled: p.liquidationsEnabled,
      mode: p.liquidationMode,
      maxNotionalPerSecond: p.liquidationPacing > 0 ? String(p.liquidationPacing) : null,
    },
    insuranceFund: fundConfig(p),
    funding: {
      intervalNs:
        p.fundingIntervalMinutes > 0 ? Math.round(p.fundingIntervalMinutes * NS_PER_MINUTE) : NS_PER_SECOND,
    },
    circuitBreaker:
      p.circuitBreakerPct > 0
        ? {
            movePpm: Math.round(p.circuitBreakerPct * 10_000),
            windowNs: 5 * NS_PER_MINUTE,
            haltNs: Math.round(p.haltMinutes * NS_PER_MINUTE),
          }
        : null,
    dynamicMaintenance: p.dynamicMaintenance
      ? { referenceVolatility: 2e-4, sensitivity: 1, maxMultiplier: 3 }
      : null,
  };
  const mix = LEVERAGE_MIXES[p.leverageMix];
  // The venue's cap binds every account, not only retail: each agent's leverage is clipped to it.
  const capped = (leverage: number): number => Math.min(leverage, p.maxLeverage);
  const levValues = mix.values.map(capped);
  const agents: Agent[] = [];
  const levelLots = Math.max(1, Math.round(p.makerLevelBtc * 1000));
  const spotInventoryLots = Math.max(1, Math.round(p.spotMakerInventoryBtc * 1000));
  for (const venue of ["spot", "perp"] as const) {
    for (let i = 0; i < p.makersPerVenue; i++) {
      if (venue === "perp" && p.marketModel === "coupled") {
        const capacityLots = Math.max(1, Math.round(p.hedgeCapacityBtc * 1000));
        agents.push(
          new HedgedMaker({
            name: `mm-perp-${i}`,
            perpVenue: "perp",
            hedgeVenue: "spot",
            capital: p.makerCapital,
            spotCash: Math.max(p.makerCapital, 1.5 * p.hedgeCapacityBtc * p.startPrice),
            spotAssetLots: Math.round(capacityLots * 1.5),
            leverage: capped(10),
            maxInventoryLots: capacityLots,
            maxLossFraction: p.makerMaxLoss,
            levelSizeLots: levelLots,
            levelSizeGrowth: 0.05,
            halfSpreadBps: 0.5 + 0.25 * i,
            requotePeriodNs: 250 * NS_PER_MS + 50 * NS_PER_MS * i,
            // Quotes track fair within 0.2 bp, requoted on spot's top-of-book feed as soon as fair
            // moves that much: well inside the calm 1-s σ (≈ 0.5 bp), as makers who requote on
            // every book change keep them. With a 1 bp tolerance on a 0.25-0.4 s timer the perp
            // trailed spot by about a second and its 1-s mid returns had ACF +0.11.
            fairRequoteBps: 0.2,
            repriceToleranceBps: 0.2,
          }),
        );
        continue;
      }
      const coupled = p.marketModel === "coupled";
      agents.push(
        new MarketMaker({
          name: `mm-${venue}-${i}`,
          venue,
          // A coupled spot maker carries its inventory limit either way: it holds that much BTC to
          // sell and the cash to buy as much (with less cash its bids vanished after 26 BTC, a
          // third of the way to the limit, and spot's 1 % bid depth went to zero in every crash).
          capital:
            coupled && venue === "spot"
              ? Math.max(p.makerCapital, Math.round(p.spotMakerInventoryBtc * p.startPrice))
              : p.makerCapital,
          leverage: capped(5),
          gamma: 0.005,
          // Coupled: a fair value moved only by the public tape's aggressive volume (Kyle's λ), so an
          // inventory skew never feeds back into the price others quote around (with "others-mid"
          // the makers' skews integrated order flow and 1-minute returns had an ACF of 0.7).
          referenceSource: coupled ? "flow" : "last-trade",
          flowImpactBpsPerUnit: p.spotImpactBpsPerBtc,
          // On the timer only (flowRequoteBps 0). Requoting on the tape at 0.2 bp took spot's 1-s
          // ACF from +0.15 to -0.01, but every trade then repriced all 60 levels (the ladder keeps
          // an order only at its exact price): in fast markets cancels and post-only rejections
          // hollowed spot's book, and one 6-hour quiet seed in ten (validate quiet #4) fell 8 % with
          // 907 liquidations (2 on the timer). A ladder that keeps near-target orders comes first.
          flowRequoteBps: 0,
          maxLossFraction: p.makerMaxLoss,
          volatilityPullThreshold: 3e-3,
          // Coupled: spreads stop widening at σ = 10^-4 /√s (the Avellaneda-Stoikov spread grows with
          // σ²; at this ceiling it is about 0.3 %), so spot keeps a book
          // through a crash and the volatility pull is off (losses still pull).
          maxVolatilityPerSqrtSecond: coupled ? 1e-4 : undefined,
          // Coupled: the loss budget is on the maker's whole book (cash + its BTC), as for the
          // hedged makers; 2 % of the cash alone is a 0.3 % move of a 200 BTC inventory.
          lossBudget: coupled ? "book" : "capital",
          cooldownNs: 20 * NS_PER_SECOND,
          // Coupled: a continuous profile out to about 0.5 % (30 levels, 1.3-2 bp apart, sizes
          // growing 8 % a level); uncoupled: the first model's short ladder.
          levels: coupled ? 30 : 6,
          levelSpacingTicks: coupled ? 100 + 20 * i : 25 + 10 * i,
          levelSizeLots: levelLots,
          levelSizeMultiplier: coupled ? 1.08 : 1.3,
          maxInventoryLots: coupled ? spotInventoryLots : levelLots * 80,
          requotePeriodNs: 500 * NS_PER_MS + 100 * NS_PER_MS * i,
          indexWeight: venue === "perp" ? 0.2 : 0,
          spotInventoryLots: venue === "spot" ? (coupled ? spotInventoryLots : levelLots * 80) : undefined,
        } as ConstructorParameters<typeof MarketMaker>[0]),
      );
    }
    if (p.deepBookBtc > 0) {
      agents.push(
        new PatientLiquidity({
          name: `patient-${venue}`,
          venue,
          levels: 25,
          firstOffsetPpm: 10_000,
          spacingPpm: 10_000,
          baseLots: Math.round(p.deepBookBtc * 1000),
          growth: 1.15,
        }),
      );
    }
    if (p.backgroundTraders > 0) {
      agents.push(
        new BackgroundTraders({
          name: `background-${venue}`,
          venue,
          count: p.backgroundTraders,
          leverage: capped(5),
          initialPrice: p.startPrice,
          fundamental: venue === "perp" ? "index" : "walk",
          // One news process drives activity on both markets and retail (a shared random stream).
          ...(p.marketModel === "coupled"
            ? {
                activityStream: NEWS.stream,
                activityVolatility: NEWS.volatility,
                activityCorrelationNs: NEWS.correlationNs,
                historySampleNs: NEWS.stepNs,
              }
            : {}),
        }),
      );
    }
  }
  agents.push(
    new Arbitrageur({
      name: "arbitrageur",
      perpVenue: "perp",
      spotVenue: "spot",
      latencyMedianNs: Math.max(1, Math.round(p.arbLatencyMs * NS_PER_MS)),
      perpDeposit: p.arbCapital,
      spotCash: p.arbCapital,
      spotAsset: Math.round(p.arbCapital / p.startPrice),
      maxPositionLots: Math.round((p.arbCapital / p.startPrice) * 1000),
      maxTradeLots: 2_000,
      perpTakerFeePpm: 500,
      spotTakerFeePpm: 0,
      perpLeverage: capped(5),
      depth: p.arbDepth,
    }),
  );
  const basisDesk = p.marketModel === "coupled" && p.retailAccounts > 0;
  if (basisDesk) {
    // The short side of the crowd's longs: a cash-and-carry desk, short the perp and long the
    // same BTC on spot. It rests bids at a discount to spot (its no-arbitrage edge) that unwind
    // its carry, hedging each fill by selling spot. Sized per retail account so the carry covers
    // the seeded open interest at any population size (≈ 0.015 BTC an account is seeded).
    const carryLots = Math.round(p.retailAccounts * 40); // 0.04 BTC an account
    agents.push(
      new HedgedMaker({
        name: "basis-desk",
        perpVenue: "perp",
        hedgeVenue: "spot",
        seedCounterparty: true,
        capital: Math.round((carryLots / 1000) * p.startPrice),
        leverage: capped(5),
        spotCash: Math.round((carryLots / 1000) * p.startPrice),
        spotAssetLots: carryLots,
        maxInventoryLots: 0,
        minInventoryLots: -2 * carryLots,
        skewBps: 0,
        halfSpreadBps: 15,
        levels: 20,
        levelSpacingBps: 5,
        levelSizeLots: levelLots,
        levelSizeGrowth: 0.1,
        maxLossFraction: 0.02,
        requotePeriodNs: 500 * NS_PER_MS,
      }),
    );
  }
  // Retail and the whales share the rally's entries and retail's flow rules; they differ in size.
  const population = (
    name: string,
    count: number,
    traits: Pick<RetailPopulationConfig, "capital" | "leverage" | "maxPositionNotional">,
  ): RetailPopulation =>
    new RetailPopulation({
      name,
      counterparty: basisDesk ? "basis-desk" : null,
      venue: "perp",
      count,
      ...traits,
      startPrice: p.startPrice,
      initialOpenFraction: p.retailOpenFraction,
      rally: { depth: 0.2, shape: 2 },
      arrivalsPerSecond:
        p.retailHoldingHours > 0
          ? (p.retailOpenFraction * count) / (p.retailHoldingHours * 3600)
          : (0.25 * count) / 20_000,
      meanHoldingNs: Math.round(p.retailHoldingHours * 3600 * NS_PER_SECOND),
      activity: p.marketModel === "coupled" ? NEWS : null,
    });
  if (p.retailAccounts > 0) {
    agents.push(
      population("retail", p.retailAccounts, {
        capital: { median: p.retailCapital, sigma: 1 },
        leverage: { values: levValues, weights: [...mix.weights] },
      }),
    );
  }
  const whales = Math.round(p.retailAccounts * p.whaleShare);
  if (whales > 0) {
    agents.push(
      population("whales", whales, {
        capital: { median: p.whaleCapital, sigma: WHALES.capitalSigma },
        leverage: { values: WHALES.leverage.values.map(capped), weights: [...WHALES.leverage.weights] },
        maxPositionNotional: WHALES.maxPositionNotional,
      }),
    );
  }
  if (p.shockBtc > 0) {
    const venues = p.shockVenue === "both" ? (["perp", "spot"] as const) : ([p.shockVenue] as const);
    for (const venue of venues) {
      agents.push(
        new Shock({
          name: `shock-${venue}`,
          venue,
          side: "sell",
          totalQty: String(p.shockBtc / venues.length),
          startNs: Math.round(p.shockStartMinutes * NS_PER_MINUTE),
          durationNs: Math.max(1, Math.round(p.shockMinutes * NS_PER_MINUTE)),
          slices: Math.max(1, Math.round(p.shockMinutes * 12)),
        }),
      );
    }
  }
  return {
    seed,
    runIndex,
    venues: [
      { kind: "spot", name: "spot", config: { instrument: SPOT, ...range, makerFeePpm: 0, takerFeePpm: 0 } },
      { kind: "perp", name: "perp", config: perp, index: { sources: ["spot"] } },
    ],
    agents,
    recorder: { intervalNs: NS_PER_SECOND },
  };
}

/**
 * The perpetual's insurance-fund configuration from the world's fund knobs.
 * @throws {@link ConfigError} naming the knobs of a combination that cannot hold.
 */
function fundConfig(p: FlashCrashParams): NonNullable<PerpVenueConfig["insuranceFund"]> {
  if (p.fundRules === "first-model") return { initial: String(p.insuranceFund), adl: p.adl };
  if (p.fundPositionCap === 0 && !p.adl) {
    throw new ConfigError(
      "fundPositionCap",
      0,
      "cannot hold with adl = false: a fund that may hold nothing needs auto-deleveraging to take what the book does not (raise fundPositionCap, set adl = true, or fundRules = first-model)",
    );
  }
  return {
    initial: String(p.insuranceFund),
    adl: p.adl,
    rules: "venue",
    positionCap: p.fundPositionCap,
    valuation: "executable",
    clearanceFeePpm: Math.round(p.fundClearanceFeePct * 10_000),
    workoutHorizonNs: Math.max(1, Math.round(p.fundWorkoutMinutes * NS_PER_MINUTE)),
    volumeShare: p.fundVolumeShare,
    floorPpm: Math.round(p.fundFloorPct * 10_000),
  };
}

/** Simulated duration of a run, ns. */
export function flashCrashDurationNs(p: FlashCrashParams): number {
  return Math.round(p.durationMinutes * NS_PER_MINUTE);
}
