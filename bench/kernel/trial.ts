/**
 * One trial of the `kernel` suite, in a fresh process: the flash-crash world with a large retail
 * population run for a long simulated time on one core (conservation checks off, as in a
 * production sweep), reporting wall time, kernel events and peak memory.
 *
 * @module
 */

import { createWorld } from "@cascade/sim";
import { FLASH_CRASH_DEFAULTS } from "../../experiments/lib/flash-crash-params.ts";
import { flashCrashDurationNs, flashCrashWorld } from "../../experiments/lib/flash-crash-world.ts";
import { readTrialInput, reportTrialResult } from "../harness/fresh-process.ts";

/** What the suite asks a trial to run. */
export interface KernelTrialInput {
  readonly retailAccounts: number;
  readonly durationMinutes: number;
  readonly seed: number;
}

/** What a trial reports. */
export interface KernelTrialResult {
  readonly buildMs: number;
  readonly runMs: number;
  /** CPU time of the run (user + system), ms: on a shared machine the honest measure of one core's work. */
  readonly runCpuMs: number;
  readonly events: number;
  readonly eventsPerSecond: number;
  readonly liquidations: number;
  readonly maxDrawdown: number;
  readonly traceHash: string;
  readonly maxRssBytes: number;
}

function main(): void {
  const input = readTrialInput<KernelTrialInput>();
  const p = {
    ...FLASH_CRASH_DEFAULTS,
    retailAccounts: input.retailAccounts,
    durationMinutes: input.durationMinutes,
  };
  const t0 = process.hrtime.bigint();
  const world = createWorld({ ...flashCrashWorld(p, input.seed), checks: "off" });
  const t1 = process.hrtime.bigint();
  const cpu0 = process.cpuUsage();
  const r = world.run(flashCrashDurationNs(p));
  const cpu = process.cpuUsage(cpu0);
  const t2 = process.hrtime.bigint();
  const runMs = Number(t2 - t1) / 1e6;
  reportTrialResult({
    buildMs: Number(t1 - t0) / 1e6,
    runMs,
    runCpuMs: (cpu.user + cpu.system) / 1000,
    events: r.summary.kernel_events!,
    eventsPerSecond: r.summary.kernel_events! / (runMs / 1000),
    liquidations: r.summary.liquidations!,
    maxDrawdown: r.summary.max_drawdown!,
    traceHash: r.traceHash,
    maxRssBytes: process.resourceUsage().maxRSS * 1024,
  } satisfies KernelTrialResult);
}

main();
