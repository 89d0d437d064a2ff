/**
 * One trial of the `liquidation` suite, in a fresh process: a perpetual venue holding 10^6
 * leveraged retail longs (seeded against a hedged carry desk), then
 * 1. `calm`: mark updates that move the price back and forth without reaching any trigger —
 *    the cost of a mark update when nothing fires (and, side by side, the cost of the naive
 *    alternative: scanning every account's trigger per update);
 * 2. `fall`: the index falls 15 % in 1-tick-per-update steps ($0.1 at BTC prices is too slow to
 *    finish; we use `stepTicks`), liquidating whoever is crossed — total time, liquidations fired,
 *    and time per liquidation, so one can see the work follows the liquidations, not the accounts.
 *
 * @module
 */

import { BTCUSDT, NS_PER_SECOND, Side, streams } from "@cascade/core";
import { ManualIndex, PerpVenue } from "@cascade/exchange";
import { readTrialInput, reportTrialResult } from "../harness/fresh-process.ts";
import { quantile } from "../harness/stats.ts";

/** What the suite asks one trial to do. */
export interface LiquidationTrialInput {
  readonly accounts: number;
  readonly calmUpdates: number;
  readonly fallStepTicks: number;
  readonly seed: number;
}

/** What one trial reports. */
export interface LiquidationTrialResult {
  readonly accounts: number;
  readonly setupMs: number;
  /** Mark updates that fired nothing: per-update time (ns), median over batches and p99. */
  readonly calmUpdates: number;
  readonly calmNsPerUpdateP50: number;
  readonly calmNsPerUpdateP99: number;
  /** The naive O(accounts) scan of every trigger, per update (ns, median of a few scans). */
  readonly naiveScanNsPerUpdate: number;
  /** The 15 % fall. */
  readonly fallUpdates: number;
  readonly fallMs: number;
  readonly liquidations: number;
  readonly liquidatedLots: number;
  readonly takeoverLots: number;
  readonly adlCount: number;
  /** Wall time of the fall divided by liquidations fired (µs). */
  readonly usPerLiquidation: number;
  /** Wall time of the fall's updates that fired nothing (ns per update, median). */
  readonly fallQuietNsPerUpdate: number;
  readonly maxRssBytes: number;
}

const START_TICKS = 700_000; // $70,000.0

function main(): void {
  const input = readTrialInput<LiquidationTrialInput>();
  const rng = streams(input.seed, 0).get("liquidation-bench");
  const t0 = process.hrtime.bigint();
  const venue = new PerpVenue({
    instrument: BTCUSDT,
    minPriceTicks: 1,
    maxPriceTicks: 2_000_000,
    funding: { enabled: false },
    insuranceFund: { initial: "50000000" },
    mark: { basisWindowSamples: 1 },
  });
  const index = new ManualIndex(START_TICKS);
  venue.setIndexSources([index]);
  // A cash-and-carry desk holds the short side of every seeded long.
  const desk = venue.openAccount({ isolated: false, leverage: 2 });
  venue.deposit(desk, venue.instrument.quoteToUnits("100000000000"));
  // Bids that absorb part of the liquidation flow (the rest goes to the fund, then ADL).
  const maker = venue.openAccount({ isolated: false, leverage: 5 });
  venue.deposit(maker, venue.instrument.quoteToUnits("10000000000"));
  let orderId = 1;
  for (let k = 1; k <= 2000; k++) venue.limit(maker, orderId++, Side.Buy, START_TICKS - 100 * k, 200);
  // Retail: leverage mass at 10/20/50/100x, entries spread over the last 10 % of a rally.
  const leverages = [10, 20, 50, 100];
  const weights = [0.3, 0.3, 0.25, 0.15];
  const cumulative = weights.map((_, i) => weights.slice(0, i + 1).reduce((a, b) => a + b, 0));
  const perLeverage = leverages.map((_, i) => Math.round(input.accounts * weights[i]!));
  perLeverage[perLeverage.length - 1] = input.accounts - perLeverage.slice(0, -1).reduce((a, b) => a + b, 0);
  void cumulative;
  for (let g = 0; g < leverages.length; g++) {
    const lev = leverages[g]!;
    const first = venue.openAccounts(perLeverage[g]!, true, lev);
    for (let i = 0; i < perLeverage[g]!; i++) {
      const a = first + i;
      const entry = Math.round(START_TICKS * (1 - 0.1 * rng.next()));
      const lots = 1 + Math.floor(rng.pareto(5, 1.8)); // 0.005 BTC and up, heavy-tailed
      venue.deposit(a, Math.ceil((lots * entry) / lev) + 10_000);
      venue.seedPosition(a, desk, lots, entry);
    }
  }
  const setupMs = Number(process.hrtime.bigint() - t0) / 1e6;

  // 1. Calm: ±0.2 % around the start, nothing fires.
  let now = 0;
  const batch = 1000;
  const calmBatches: number[] = [];
  venue.advance(now);
  for (let b = 0; b < input.calmUpdates / batch; b++) {
    const s = process.hrtime.bigint();
    for (let i = 0; i < batch; i++) {
      index.priceTicks = START_TICKS + ((i % 200) - 100) * 14;
      now += NS_PER_SECOND;
      venue.advance(now);
    }
    calmBatches.push(Number(process.hrtime.bigint() - s) / batch);
  }
  if (venue.stats.liquidations !== 0) throw new Error("calm phase fired liquidations");

  // The naive alternative, side by side: scan every account's trigger against the mark.
  const scans: number[] = [];
  const triggers = venue.accounts.trigger;
  let crossed = 0;
  for (let k = 0; k < 7; k++) {
    const s = process.hrtime.bigint();
    const mark = START_TICKS - k;
    for (let a = 0; a < venue.accounts.count; a++) if (triggers[a]! >= mark) crossed++;
    scans.push(Number(process.hrtime.bigint() - s));
  }
  if (crossed < 0) throw new Error("unreachable");

  // 2. The fall: −15 % in steps, one mark update per step.
  const target = Math.round(START_TICKS * 0.85);
  const quiet: number[] = [];
  let updates = 0;
  const f0 = process.hrtime.bigint();
  for (let p = START_TICKS; p >= target; p -= input.fallStepTicks) {
    index.priceTicks = p;
    now += NS_PER_SECOND;
    const before: number = venue.stats.liquidations;
    const s = process.hrtime.bigint();
    venue.advance(now);
    const dt = Number(process.hrtime.bigint() - s);
    if (venue.stats.liquidations === before) quiet.push(dt);
    updates++;
  }
  const fallMs = Number(process.hrtime.bigint() - f0) / 1e6;
  venue.checkConservation();
  const st = venue.stats;
  reportTrialResult({
    accounts: input.accounts,
    setupMs,
    calmUpdates: calmBatches.length * batch,
    calmNsPerUpdateP50: quantile(calmBatches, 0.5),
    calmNsPerUpdateP99: quantile(calmBatches, 0.99),
    naiveScanNsPerUpdate: quantile(scans, 0.5),
    fallUpdates: updates,
    fallMs,
    liquidations: st.liquidations,
    liquidatedLots: st.liquidatedLots,
    takeoverLots: st.takeoverLots,
    adlCount: st.adlCount,
    usPerLiquidation: st.liquidations > 0 ? (fallMs * 1000) / st.liquidations : Number.NaN,
    fallQuietNsPerUpdate: quiet.length > 0 ? quantile(quiet, 0.5) : Number.NaN,
    maxRssBytes: process.resourceUsage().maxRSS * 1024,
  } satisfies LiquidationTrialResult);
}

main();
