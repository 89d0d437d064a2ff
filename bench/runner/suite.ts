/**
 * The `runner` suite: a 1,000-run sweep of a small experiment (`bench/runner/experiment.ts`)
 * with 1 and 2 workers, in fresh processes, interleaved. Reports runs/s, the scaling efficiency
 * of 2 workers over 1 (target ≥ 90 %), and the share of wall time the main thread spends writing
 * Arrow — the part log and the final assembly (target < 5 %). Fails when the output files differ
 * between worker counts or trials.
 *
 * @module
 */

import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import path from "node:path";
import { REPO_ROOT, runInFreshProcess } from "../harness/fresh-process.ts";
import { runInterleaved } from "../harness/interleave.ts";
import { median } from "../harness/stats.ts";
import type { BenchSuite, SuiteOptions, SuiteOutcome } from "../harness/suite.ts";
import { formatCount, formatFixed, formatTable } from "../harness/table.ts";
import type { CalibrationInput, CalibrationResult } from "./calibrate.ts";
import type { RunnerTrialInput, RunnerTrialResult } from "./trial.ts";

const SCALING_TARGET = 0.9;
const WRITER_SHARE_TARGET = 0.05;
const WORKER_COUNTS = [1, 2] as const;

/** Registered in `bench/suites.ts`. */
export const runnerSuite: BenchSuite = {
  name: "runner",
  description: "1,000-run sweep on 1 and 2 workers: runs/s, scaling efficiency, Arrow writing share",
  run: runRunnerSuite,
};

async function runRunnerSuite(options: SuiteOptions): Promise<SuiteOutcome> {
  // Outputs go to bench/runs/ (git-ignored), on the project's disk like a researcher's --out.
  mkdirSync(path.join(REPO_ROOT, "bench", "runs"), { recursive: true });
  const dir = mkdtempSync(path.join(REPO_ROOT, "bench", "runs", "runner-"));
  const points = options.quick ? 25 : 250;
  process.env.CASCADE_BENCH_POINTS = String(points);
  let trials: Map<number, RunnerTrialResult[]>;
  try {
    trials = await runInterleaved([...WORKER_COUNTS], options.trials, (workers, round) => {
      options.log(`runner: round ${round + 1}/${options.trials}: ${workers} worker(s), ${points * 4} runs`);
      const input: RunnerTrialInput = { workers, out: path.join(dir, `w${workers}-r${round}`) };
      return runInFreshProcess<RunnerTrialInput, RunnerTrialResult>("bench/runner/trial.ts", input);
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  options.log(
    "runner: calibrating two-way ceilings (pure arithmetic; the simulation in bare threads and in two processes)",
  );
  const calibration = await runInFreshProcess<CalibrationInput, CalibrationResult>(
    "bench/runner/calibrate.ts",
    {
      runs: options.quick ? 50 : 200,
      points,
    },
  );
  const failures: string[] = [];
  const all = [...trials.values()].flat();
  const fingerprint = all[0]!.fingerprint;
  for (const r of all) {
    if (r.fingerprint !== fingerprint)
      failures.push(`output of a ${r.workers}-worker trial differs from the first trial's`);
    if (r.failed > 0) failures.push(`${r.failed} runs failed in a ${r.workers}-worker trial`);
  }
  const summary = Object.fromEntries(
    [...trials].map(([w, rs]) => {
      const med = (f: (r: RunnerTrialResult) => number) => median(rs.map(f));
      return [
        `workers${w}`,
        {
          workers: w,
          runs: rs[0]!.runs,
          runsPerSecond: med((r) => r.runsPerSecond),
          steadyRunsPerSecond: med((r) => r.steadyRunsPerSecond),
          wallMs: med((r) => r.wallMs),
          poolMs: med((r) => r.poolMs),
          partWriteMs: med((r) => r.partWriteMs),
          partWriteIoMs: med((r) => r.partWriteIoMs),
          partWrites: med((r) => r.partWrites),
          assembleMs: med((r) => r.assembleMs),
          writerShare: med((r) => r.writerShare),
          workerEncodeShare: med((r) => r.encodeMs / (r.encodeMs + r.simMs)),
          simMsPerRun: med((r) => r.simMs / r.runs),
          encodeMsPerRun: med((r) => r.encodeMs / r.runs),
          partBytes: rs[0]!.partBytes,
          outputBytes: rs[0]!.outputBytes,
          trials: rs,
        },
      ];
    }),
  );
  const one = trials.get(1)!;
  const two = trials.get(2)!;
  // Per-round ratios: trials made side by side share the machine's slow spells.
  const scaling = median(one.map((r, i) => two[i]!.steadyRunsPerSecond / (2 * r.steadyRunsPerSecond)));
  const scalingWhole = median(one.map((r, i) => two[i]!.runsPerSecond / (2 * r.runsPerSecond)));
  const writerShare = Math.max(...Object.values(summary).map((s) => s.writerShare));
  const targets = {
    scalingEfficiency: SCALING_TARGET,
    scalingMet: scaling >= SCALING_TARGET,
    writerShare: WRITER_SHARE_TARGET,
    writerShareMet: writerShare < WRITER_SHARE_TARGET,
  };
  const rows = Object.values(summary).map((s) => [
    String(s.workers),
    formatCount(s.runs),
    formatFixed(s.runsPerSecond, 1),
    formatFixed(s.steadyRunsPerSecond, 1),
    formatFixed(s.wallMs / 1000, 1),
    formatFixed(s.simMsPerRun, 1),
    formatFixed(s.encodeMsPerRun, 2),
    formatFixed(s.partWriteMs, 0),
    formatFixed(s.partWriteIoMs, 0),
    formatCount(s.partWrites),
    formatFixed(s.assembleMs, 0),
    `${formatFixed(100 * s.writerShare, 2)} %`,
  ]);
  const verdict = (met: boolean) => (met ? "met" : "NOT met");
  const report = [
    formatTable(
      [
        { header: "workers", align: "right" },
        { header: "runs", align: "right" },
        { header: "runs/s", align: "right" },
        { header: "steady runs/s", align: "right" },
        { header: "wall s", align: "right" },
        { header: "sim ms/run", align: "right" },
        { header: "encode ms/run", align: "right" },
        { header: "part write ms", align: "right" },
        { header: "part I/O ms", align: "right" },
        { header: "writes", align: "right" },
        { header: "assemble ms", align: "right" },
        { header: "writer share", align: "right" },
      ],
      rows,
    ),
    "",
    `scaling efficiency 2 workers / (2 × 1 worker), steady: ${formatFixed(100 * scaling, 1)} % (whole pool phase: ${formatFixed(100 * scalingWhole, 1)} %) — target ≥ ${100 * SCALING_TARGET} %: ${verdict(targets.scalingMet)}`,
    `ceilings on this machine (best of rounds, 2 threads vs 2 × 1): pure arithmetic ${formatFixed(100 * calibration.arithmetic.efficiency, 1)} %; ` +
      `the same simulation runs in bare worker threads (no pool, no Arrow, no files) ${formatFixed(100 * calibration.workload.efficiency, 1)} % ` +
      `(${formatFixed(calibration.workload.oneThread, 1)} → ${formatFixed(calibration.workload.twoThreads, 1)} runs/s); ` +
      `in two independent processes ${formatFixed(100 * calibration.processes.efficiency, 1)} % ` +
      `(${formatFixed(calibration.processes.oneThread, 1)} → ${formatFixed(calibration.processes.twoThreads, 1)} runs/s)`,
    `runner scaling relative to the ceilings of this workload: bare threads ${formatFixed((100 * scaling) / calibration.workload.efficiency, 1)} %, ` +
      `independent processes ${formatFixed((100 * scaling) / calibration.processes.efficiency, 1)} %`,
    `writer share (main thread handing records to the part log + assembling runs/timeseries/liquidations.arrow, of wall time): ≤ ${formatFixed(100 * writerShare, 2)} % — target < ${100 * WRITER_SHARE_TARGET} %: ${verdict(targets.writerShareMet)}`,
    `method: medians of ${options.trials} fresh-process trials per worker count, interleaved; runs/s over the pool phase (includes worker start-up);`,
    "  steady runs/s after the first 10 % of runs; wall = whole command (imports, plan, pool, assembly); sim/encode ms per run are worker CPU time;",
    "  part write ms = main thread handing each run's record to the part log; part I/O ms = elapsed time of the log's asynchronous",
    "  writev calls, summed (they overlap the sweep); writes = those calls (records arriving together share one);",
    "  output files are fingerprinted and must be identical across worker counts and trials.",
  ];
  if (options.quick) report.push("note: --quick run of 100 runs; not saved to bench/latest.json");
  return {
    report: report.join("\n"),
    results: {
      calibration,
      scalingRelativeToWorkloadCeiling: scaling / calibration.workload.efficiency,
      scalingRelativeToProcessCeiling: scaling / calibration.processes.efficiency,
      runs: points * 4,
      quick: options.quick,
      summary,
      scalingEfficiency: scaling,
      scalingEfficiencyWhole: scalingWhole,
      writerShare,
      targets,
    },
    failures,
  };
}
