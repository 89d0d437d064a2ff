/**
 * The `liquidation` suite: cost of liquidation triggers at the scale of a real crash —
 * 10^6 open leveraged positions, mark updates that fire nothing (target < 1 µs each) against the
 * naive per-update scan of every account, and a 15 % fall whose total time should follow the
 * number of liquidations fired rather than the number of accounts.
 *
 * @module
 */

import { runInFreshProcess } from "../harness/fresh-process.ts";
import { median } from "../harness/stats.ts";
import type { BenchSuite, SuiteOptions, SuiteOutcome } from "../harness/suite.ts";
import { formatCount, formatFixed, formatTable } from "../harness/table.ts";
import type { LiquidationTrialInput, LiquidationTrialResult } from "./trial.ts";

const TARGET_NS_PER_QUIET_UPDATE = 1000;

/** Registered in `bench/suites.ts`. */
export const liquidationSuite: BenchSuite = {
  name: "liquidation",
  description: "10^6 leveraged positions: mark updates that fire nothing, and a 15 % fall",
  async run(options: SuiteOptions): Promise<SuiteOutcome> {
    const input: LiquidationTrialInput = options.quick
      ? { accounts: 100_000, calmUpdates: 5_000, fallStepTicks: 50, seed: 1 }
      : { accounts: 1_000_000, calmUpdates: 50_000, fallStepTicks: 10, seed: 1 };
    const trials: LiquidationTrialResult[] = [];
    for (let t = 0; t < options.trials; t++) {
      options.log(`liquidation: trial ${t + 1}/${options.trials} (${formatCount(input.accounts)} accounts)`);
      trials.push(
        await runInFreshProcess<LiquidationTrialInput, LiquidationTrialResult>(
          "bench/liquidation/trial.ts",
          input,
        ),
      );
    }
    const med = (f: (r: LiquidationTrialResult) => number) => median(trials.map(f));
    const first = trials[0]!;
    const failures: string[] = [];
    for (const r of trials) {
      if (r.liquidations !== first.liquidations || r.liquidatedLots !== first.liquidatedLots) {
        failures.push(
          `trials disagree: ${r.liquidations} vs ${first.liquidations} liquidations (same seed must give the same run)`,
        );
      }
    }
    const results = {
      input,
      trials: trials.length,
      accounts: first.accounts,
      setupMs: med((r) => r.setupMs),
      calmNsPerUpdateP50: med((r) => r.calmNsPerUpdateP50),
      calmNsPerUpdateP99: med((r) => r.calmNsPerUpdateP99),
      naiveScanNsPerUpdate: med((r) => r.naiveScanNsPerUpdate),
      speedupOverNaiveScan: med((r) => r.naiveScanNsPerUpdate / r.calmNsPerUpdateP50),
      fallUpdates: first.fallUpdates,
      fallMs: med((r) => r.fallMs),
      liquidations: first.liquidations,
      liquidatedLots: first.liquidatedLots,
      takeoverLots: first.takeoverLots,
      adlCount: first.adlCount,
      usPerLiquidation: med((r) => r.usPerLiquidation),
      fallQuietNsPerUpdate: med((r) => r.fallQuietNsPerUpdate),
      maxRssBytes: med((r) => r.maxRssBytes),
      targetNsPerQuietUpdate: TARGET_NS_PER_QUIET_UPDATE,
      targetMet: med((r) => r.calmNsPerUpdateP50) < TARGET_NS_PER_QUIET_UPDATE,
    };
    const report = [
      formatTable(
        [{ header: "measure" }, { header: "median", align: "right" }],
        [
          ["accounts with open positions", formatCount(results.accounts)],
          ["set-up (open + seed positions), ms", formatFixed(results.setupMs, 0)],
          ["mark update firing nothing, ns (p50 of batches)", formatFixed(results.calmNsPerUpdateP50, 0)],
          ["  same, p99", formatFixed(results.calmNsPerUpdateP99, 0)],
          ["naive scan of every trigger, ns per update", formatCount(results.naiveScanNsPerUpdate)],
          ["heap vs naive scan", `${formatFixed(results.speedupOverNaiveScan, 0)}x`],
          ["15 % fall: mark updates", formatCount(results.fallUpdates)],
          ["15 % fall: total, ms", formatFixed(results.fallMs, 0)],
          ["15 % fall: liquidations fired", formatCount(results.liquidations)],
          ["15 % fall: µs per liquidation (total / fired)", formatFixed(results.usPerLiquidation, 2)],
          ["15 % fall: quiet updates, ns", formatFixed(results.fallQuietNsPerUpdate, 0)],
          ["taken over by the fund, lots", formatCount(results.takeoverLots)],
          ["peak RSS, MiB", formatFixed(results.maxRssBytes / 2 ** 20, 0)],
        ],
      ),
      `target: a mark update that fires nothing < ${TARGET_NS_PER_QUIET_UPDATE} ns — ${results.targetMet ? "met" : "NOT met"}`,
      "A quiet update includes the index and mark computation (median of three prices, basis window) as well as the trigger check.",
    ].join("\n");
    return { report, results, failures };
  },
};
