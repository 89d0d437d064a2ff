/**
 * The `runner` suite: a 1,000-run sweep of a small experiment (`bench/runner/experiment.ts`)
 * with 1 and 2 workers, in fresh processes, interleaved. Reports runs/s, the scaling efficiency
 * of 2 workers over 1, and the share of wall time the main thread spends writing Arrow — the part
 * log and the final assembly (target < 5 %). Fails when the output files differ between worker
 * counts or trials.
 *
 * Scaling is judged against the machine: in every round, beside the two sweeps, the same
 * simulation runs in one process and in two independent processes at once (`calibrate.ts`); how
 * far two processes get towards 2× is the most any runner can scale to on this machine at that
 * moment. The runner's efficiency over its whole pool phase (worker start-up, warm-up and tail
 * included) as a fraction of that ceiling, per round, must reach 95 % (median of the rounds; the
 * spread is reported too). Ratios are taken within a round because the machine is shared and
 * its speed drifts between rounds.
 *
 * @module
 */

import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { REPO_ROOT, runInFreshProcess } from "../harness/fresh-process.ts";
import { runInterleaved } from "../harness/interleave.ts";
import { median } from "../harness/stats.ts";
import type { BenchSuite, SuiteOptions, SuiteOutcome } from "../harness/suite.ts";
import { formatCount, formatFixed, formatTable } from "../harness/table.ts";
import type { CalibrationInput, CalibrationResult, Ceiling } from "./calibrate.ts";
import type { RunnerTrialInput, RunnerTrialResult } from "./trial.ts";

/** Whole-pool-phase scaling of the runner, as a fraction of the two-process ceiling. */
const CEILING_SHARE_TARGET = 0.95;
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
  const calibrationRuns = options.quick ? 50 : 200;
  const calibrate = (measure: CalibrationInput["measure"], rounds: number) =>
    runInFreshProcess<CalibrationInput, CalibrationResult>("bench/runner/calibrate.ts", {
      runs: calibrationRuns,
      points,
      measure,
      rounds,
    });
  const trials = new Map<number, RunnerTrialResult[]>(WORKER_COUNTS.map((w) => [w, []]));
  const ceilings: Ceiling[] = [];
  const loads: number[] = [];
  try {
    await runInterleaved(["sweeps", "ceiling"] as const, options.trials, async (what, round) => {
      const at = `runner: round ${round + 1}/${options.trials}`;
      if (what === "ceiling") {
        options.log(`${at}: the same runs in 1 process, then in 2 processes at once`);
        ceilings.push((await calibrate(["processes"], 1)).processes!);
        return;
      }
      loads.push(os.loadavg()[0]!);
      for (const workers of WORKER_COUNTS) {
        options.log(`${at}: ${workers} worker(s), ${points * 4} runs`);
        const input: RunnerTrialInput = { workers, out: path.join(dir, `w${workers}-r${round}`) };
        trials
          .get(workers)!
          .push(await runInFreshProcess<RunnerTrialInput, RunnerTrialResult>("bench/runner/trial.ts", input));
      }
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  options.log("runner: calibrating the other ceilings (pure arithmetic; the simulation in bare threads)");
  const calibration = await calibrate(["arithmetic", "workload"], 2);
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
          startupMs: med((r) => r.startupMs),
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
  // Per-round figures: trials made side by side share the machine's slow spells.
  const rounds = one.map((r, i) => {
    const whole = two[i]!.runsPerSecond / (2 * r.runsPerSecond);
    const steady = two[i]!.steadyRunsPerSecond / (2 * r.steadyRunsPerSecond);
    const ceiling = ceilings[i]!.efficiency;
    return { whole, steady, ceiling, wholeOfCeiling: whole / ceiling, steadyOfCeiling: steady / ceiling };
  });
  const spread = (f: (r: (typeof rounds)[number]) => number) => {
    const xs = rounds.map(f);
    return { median: median(xs), min: Math.min(...xs), max: Math.max(...xs) };
  };
  const scalingWhole = spread((r) => r.whole);
  const scalingSteady = spread((r) => r.steady);
  const processCeiling = spread((r) => r.ceiling);
  const ofCeilingWhole = spread((r) => r.wholeOfCeiling);
  const ofCeilingSteady = spread((r) => r.steadyOfCeiling);
  const writerShare = Math.max(...Object.values(summary).map((s) => s.writerShare));
  const targets = {
    scalingOfProcessCeiling: CEILING_SHARE_TARGET,
    scalingOfProcessCeilingMet: ofCeilingWhole.median >= CEILING_SHARE_TARGET,
    writerShare: WRITER_SHARE_TARGET,
    writerShareMet: writerShare < WRITER_SHARE_TARGET,
  };
  const rows = Object.values(summary).map((s) => [
    String(s.workers),
    formatCount(s.runs),
    formatFixed(s.runsPerSecond, 1),
    formatFixed(s.steadyRunsPerSecond, 1),
    formatFixed(s.startupMs / 1000, 2),
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
  const pct = (x: { median: number; min: number; max: number }) =>
    `${formatFixed(100 * x.median, 1)} % [${formatFixed(100 * x.min, 1)}–${formatFixed(100 * x.max, 1)}]`;
  const report = [
    formatTable(
      [
        { header: "workers", align: "right" },
        { header: "runs", align: "right" },
        { header: "runs/s", align: "right" },
        { header: "steady runs/s", align: "right" },
        { header: "start-up s", align: "right" },
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
    `scaling efficiency 2 workers / (2 × 1 worker), whole pool phase: ${pct(scalingWhole)}; steady: ${pct(scalingSteady)}`,
    `two-process ceiling (the same runs in 2 independent processes / 2 × 1 process, beside each round's sweeps): ${pct(processCeiling)}`,
    `runner scaling as a fraction of the two-process ceiling, whole pool phase: ${pct(ofCeilingWhole)} — target ≥ ${100 * CEILING_SHARE_TARGET} %: ${verdict(targets.scalingOfProcessCeilingMet)} (steady: ${pct(ofCeilingSteady)})`,
    `  per round (whole / ceiling): ${rounds.map((r) => `${formatFixed(100 * r.whole, 1)} / ${formatFixed(100 * r.ceiling, 1)} = ${formatFixed(100 * r.wholeOfCeiling, 1)} %`).join("; ")}`,
    `  1-minute load average at each round's sweeps: ${loads.map((l) => formatFixed(l, 1)).join(", ")} (on ${os.availableParallelism()} CPUs)`,
    `other ceilings (best of 2 rounds, 2 threads vs 2 × 1): pure arithmetic ${formatFixed(100 * calibration.arithmetic!.efficiency, 1)} %; ` +
      `the same simulation in bare worker threads (no pool, no Arrow, no files) ${formatFixed(100 * calibration.workload!.efficiency, 1)} % ` +
      `(${formatFixed(calibration.workload!.oneThread, 1)} → ${formatFixed(calibration.workload!.twoThreads, 1)} runs/s)`,
    `writer share (main thread handing records to the part log + assembling runs/timeseries/liquidations.arrow, of wall time): ≤ ${formatFixed(100 * writerShare, 2)} % — target < ${100 * WRITER_SHARE_TARGET} %: ${verdict(targets.writerShareMet)}`,
    `method: medians [min–max] of ${options.trials} rounds; each round runs the sweep with 1 and 2 workers and the two-process ceiling, each in fresh processes;`,
    "  runs/s over the whole pool phase: from the pool's creation (its workers starting to load; the sweeps run without world checks) to the last run recorded;",
    "  start-up = pool creation to first task; steady runs/s after the first 10 % of runs; wall = whole command (imports, plan, pool, assembly);",
    "  sim/encode ms per run are worker CPU time;",
    "  part write ms = main thread handing each run's record to the part log; part I/O ms = elapsed time of the log's asynchronous",
    "  writev calls, summed (they overlap the sweep); writes = those calls (records arriving together share one);",
    "  output files are fingerprinted and must be identical across worker counts and trials.",
  ];
  if (options.quick) report.push("note: --quick run of 100 runs; not saved to bench/latest.json");
  return {
    report: report.join("\n"),
    results: {
      calibration: { ...calibration, processes: ceilings },
      runs: points * 4,
      quick: options.quick,
      summary,
      rounds,
      loadAverages: loads,
      scalingEfficiencyWhole: scalingWhole,
      scalingEfficiencySteady: scalingSteady,
      processCeiling,
      scalingOfProcessCeilingWhole: ofCeilingWhole,
      scalingOfProcessCeilingSteady: ofCeilingSteady,
      writerShare,
      targets,
    },
    failures,
  };
}
