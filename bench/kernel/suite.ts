/**
 * The `kernel` suite: the whole simulation at scale — a 24-hour flash-crash world with 10^6
 * retail accounts on one core. Wall time, kernel events per second and peak RSS, against the
 * targets of < 60 s and ≥ 1,000,000 events/s. (ABIDES, the best-known Python peer, reports
 * ~14,000 messages/s in its own demo.)
 *
 * @module
 */

import { runInFreshProcess } from "../harness/fresh-process.ts";
import { median } from "../harness/stats.ts";
import type { BenchSuite, SuiteOptions, SuiteOutcome } from "../harness/suite.ts";
import { formatCount, formatFixed, formatTable } from "../harness/table.ts";
import type { KernelTrialInput, KernelTrialResult } from "./trial.ts";

const TARGET_WALL_S = 60;
const TARGET_EVENTS_PER_S = 1_000_000;

/** Registered in `bench/suites.ts`. */
export const kernelSuite: BenchSuite = {
  name: "kernel",
  description: "24-hour flash-crash world, 10^6 retail accounts, one core",
  async run(options: SuiteOptions): Promise<SuiteOutcome> {
    const input: KernelTrialInput = options.quick
      ? { retailAccounts: 100_000, durationMinutes: 60, seed: 1 }
      : { retailAccounts: 1_000_000, durationMinutes: 24 * 60, seed: 1 };
    // A 24-hour world is long: one trial unless more are asked for.
    const trials = Math.max(1, Math.min(options.trials, 3));
    const results: KernelTrialResult[] = [];
    for (let t = 0; t < trials; t++) {
      options.log(
        `kernel: trial ${t + 1}/${trials} (${formatCount(input.retailAccounts)} accounts, ${input.durationMinutes} min)`,
      );
      results.push(
        await runInFreshProcess<KernelTrialInput, KernelTrialResult>("bench/kernel/trial.ts", input),
      );
    }
    const failures: string[] = [];
    for (const r of results) {
      if (r.traceHash !== results[0]!.traceHash)
        failures.push("trials of the same seed produced different traces");
    }
    const wallS = median(results.map((r) => r.runMs)) / 1000;
    const eps = median(results.map((r) => r.eventsPerSecond));
    const cpuS = median(results.map((r) => r.runCpuMs)) / 1000;
    const summary = {
      input,
      trials,
      buildMs: median(results.map((r) => r.buildMs)),
      wallSeconds: wallS,
      /** CPU seconds of the run: what the wall time would be on an otherwise idle core. */
      cpuSeconds: cpuS,
      eventsPerCpuSecond: results[0]!.events / cpuS,
      events: results[0]!.events,
      eventsPerSecond: eps,
      liquidations: results[0]!.liquidations,
      maxDrawdown: results[0]!.maxDrawdown,
      maxRssBytes: median(results.map((r) => r.maxRssBytes)),
      targetWallSeconds: TARGET_WALL_S,
      targetEventsPerSecond: TARGET_EVENTS_PER_S,
      wallTargetMet: wallS < TARGET_WALL_S,
      cpuTargetMet: cpuS < TARGET_WALL_S,
      eventsTargetMet: eps >= TARGET_EVENTS_PER_S,
    };
    const report = [
      formatTable(
        [{ header: "measure" }, { header: "median", align: "right" }],
        [
          ["retail accounts", formatCount(input.retailAccounts)],
          ["simulated time, min", formatCount(input.durationMinutes)],
          ["world build, ms", formatFixed(summary.buildMs, 0)],
          ["run wall time, s", formatFixed(wallS, 1)],
          ["run CPU time, s", formatFixed(cpuS, 1)],
          ["kernel events", formatCount(summary.events)],
          ["kernel events/s (wall)", formatCount(eps)],
          ["kernel events/CPU-s", formatCount(summary.eventsPerCpuSecond)],
          ["liquidations", formatCount(summary.liquidations)],
          ["peak RSS, MiB", formatFixed(summary.maxRssBytes / 2 ** 20, 0)],
        ],
      ),
      `targets: wall < ${TARGET_WALL_S} s — ${summary.wallTargetMet ? "met" : "NOT met"} (CPU time ${summary.cpuTargetMet ? "met" : "NOT met"}); ≥ ${formatCount(TARGET_EVENTS_PER_S)} events/s — ${summary.eventsTargetMet ? "met" : "NOT met"}`,
    ].join("\n");
    return { report, results: summary, failures };
  },
};
