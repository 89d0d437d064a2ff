/**
 * Runs an experiment end to end: plan, (resume,) fan the runs out over the worker pool appending
 * one part record per run to the session's part log, assemble `runs.arrow`, `timeseries.arrow` and `liquidations.arrow`, and write
 * `manifest.json`. A shard only writes its parts and `shard-<i>-of-<N>.json`; `cascade merge`
 * assembles the shards.
 *
 * Output directory layout:
 * ```
 * <out>/manifest.json            what, how, when, counts (shards: shard-<i>-of-<N>.json)
 * <out>/parts/run-001.partlog    one per session (shards: shard-<i>-of-<N>-001.partlog): a record
 *                                per finished run with its runs row, time series, liquidations
 * <out>/runs.arrow               one row per run
 * <out>/timeseries.arrow         sampled series of every run, keyed by run_id
 * <out>/liquidations.arrow       liquidation steps of every run, keyed by run_id
 * ```
 *
 * @module
 */

import { readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { ConfigError, type Seed } from "@cascade/core";
import { assemble } from "./arrow/assemble.ts";
import { RecordBatchReader } from "./arrow/lib.ts";
import { ensureOutDir, PARTS_DIR, removeTempFiles, writeFileAtomic } from "./arrow/out-dir.ts";
import { listParts, PartReader, type PartRef } from "./arrow/part-log.ts";
import type { AnyExperiment } from "./experiment.ts";
import { importExperiment } from "./load.ts";
import { codeVersion, type Manifest, manifestName, packageVersions, readManifests } from "./manifest.ts";
import { type PlanOptions, planExperiment, type RunPlan } from "./plan.ts";
import { type PoolStats, RunnerPool } from "./pool.ts";
import { type ProgressReporter, silentProgress } from "./progress.ts";
import { type Shard, shardRunIds } from "./shard.ts";
import { PointSummary } from "./summary.ts";
import { sweepSize } from "./sweep.ts";

/** Options of {@link runExperiment}. */
export interface RunExperimentOptions extends Omit<PlanOptions, "source"> {
  /** Path of the experiment file (default-exporting `defineExperiment(...)`). */
  readonly experimentFile: string;
  /** Output directory. */
  readonly out: string;
  /** Worker threads (default `os.availableParallelism()`). */
  readonly workers?: number;
  /** Run only this shard's runs (`run_id % count == index`); no assembly. */
  readonly shard?: Shard;
  /** Continue a run in `out`: skip runs recorded in its part logs. Without it `out` must hold no run. */
  readonly resume?: boolean;
  /** Stop after this many failed runs (what finished is still assembled). */
  readonly maxFailures?: number;
  /** Per-run wall-clock limit, seconds. */
  readonly runTimeoutSec?: number;
  /** Progress display (default none). */
  readonly progress?: ProgressReporter;
  /** Informational lines (default none). */
  readonly log?: (line: string) => void;
}

/** What {@link runExperiment} did. */
export interface RunExperimentResult {
  readonly plan: RunPlan;
  readonly manifest: Manifest;
  /** Absolute output directory. */
  readonly outDir: string;
  /** The pool's statistics for this session. */
  readonly pool: PoolStats;
  /** Runs skipped because their part records existed (resume). */
  readonly skipped: number;
  /** Per-point means (assembled runs only; `null` for a shard). */
  readonly summary: PointSummary | null;
  /** Assembly time and the writer's share of the session's wall time. */
  readonly writer: { readonly partWriteMs: number; readonly assembleMs: number; readonly share: number };
}

/**
 * Runs an experiment into `options.out`.
 * @throws {@link @cascade/core!ConfigError} for bad options, an out directory holding another run, or a resume
 * of a different configuration.
 */
export async function runExperiment(options: RunExperimentOptions): Promise<RunExperimentResult> {
  const t0 = performance.now();
  const startedAt = new Date().toISOString();
  const file = path.resolve(options.experimentFile);
  const source = readFileSync(file, "utf8");
  checkPositive("--workers", options.workers);
  checkPositive("--max-failures", options.maxFailures);
  checkPositive("--runs", options.replications);
  if (options.runTimeoutSec !== undefined && !(options.runTimeoutSec > 0)) {
    throw new ConfigError("--run-timeout", options.runTimeoutSec, "must be a positive number of seconds");
  }
  const experiment = await importExperiment(file);
  // Start the workers now: they load while the plan is made (mathjs alone takes a second or two).
  const maxRuns = Math.ceil(
    (sweepSize(experiment.sweep) * (options.replications ?? experiment.replications)) /
      (options.shard?.count ?? 1),
  );
  const pool = new RunnerPool({
    experimentFile: file,
    workers: Math.max(1, Math.min(options.workers ?? os.availableParallelism(), maxRuns)),
  });
  try {
    return await runWithPool(options, file, source, experiment, pool, t0, startedAt);
  } finally {
    await pool.destroy();
  }
}

async function runWithPool(
  options: RunExperimentOptions,
  file: string,
  source: string,
  experiment: AnyExperiment,
  runner: RunnerPool,
  t0: number,
  startedAt: string,
): Promise<RunExperimentResult> {
  const log = options.log ?? (() => {});
  const plan = await planExperiment(experiment, {
    overrides: options.overrides,
    replications: options.replications,
    seed: options.seed,
    source,
  });
  const outDir = path.resolve(options.out);
  const shard = options.shard ?? null;
  const planned = shardRunIds(plan.totalRuns, shard ?? undefined);
  const plannedSet = new Set(planned);
  const existing = readManifests(outDir);
  const existingParts = listParts(path.join(outDir, PARTS_DIR));
  if (options.resume === true) {
    if (existing.length === 0 && existingParts.length === 0) {
      throw new ConfigError("--resume", outDir, "holds no run to resume");
    }
    for (const { file: f, manifest } of existing) {
      if (manifest.configHash !== plan.configHash) {
        throw new ConfigError(
          "--resume",
          outDir,
          `holds a different configuration (${path.basename(f)}: ${manifest.experiment.name}, config ${manifest.configHash.slice(0, 12)}…; now ${plan.configHash.slice(0, 12)}…)`,
        );
      }
    }
  } else if (existing.length > 0 || existingParts.length > 0) {
    // Shards of one sweep may share a directory; anything else needs --resume or a fresh --out.
    const mine = manifestName(shard);
    const sharing =
      shard !== null &&
      existing.every(
        ({ file: f, manifest }) =>
          manifest.kind === "shard" && manifest.configHash === plan.configHash && path.basename(f) !== mine,
      ) &&
      !existingParts.some((p) => plannedSet.has(p.runId));
    if (!sharing) {
      throw new ConfigError(
        "--out",
        outDir,
        "already holds a run (use --resume to continue it, or another --out)",
      );
    }
  }
  const partsDir = ensureOutDir(outDir);
  removeTempFiles(partsDir);
  removeTempFiles(outDir);

  const done = new Set(listParts(partsDir).map((p) => p.runId));
  const todo = planned.filter((r) => !done.has(r));
  const skipped = planned.length - todo.length;
  if (skipped > 0) log(`resuming: ${skipped} of ${planned.length} runs already done`);

  const base = {
    format: "cascade-manifest/1" as const,
    kind: shard === null ? ("run" as const) : ("shard" as const),
    experiment: { name: experiment.name, description: experiment.description, file },
    space: plan.space,
    overrides: plan.overrides,
    seed: plan.seed,
    configHash: plan.configHash,
    points: plan.points.length,
    totalRuns: plan.totalRuns,
    shard,
    plannedRuns: planned.length,
    codeVersion: codeVersion(path.dirname(file)),
    versions: packageVersions(),
    startedAt,
  };
  const manifestFile = path.join(outDir, manifestName(shard));
  const writeManifest = (m: Manifest) =>
    writeFileAtomic(manifestFile, new TextEncoder().encode(`${JSON.stringify(m, null, 2)}\n`));
  writeManifest({
    ...base,
    status: "running",
    runs: { ok: 0, failed: 0, missing: planned.length },
    files: [],
    endedAt: null,
    execution: { workers: options.workers ?? null },
  });

  const progress = options.progress ?? silentProgress;
  let finished = 0;
  let failedNow = 0;
  progress.start(todo.length);
  let pool: PoolStats;
  try {
    pool = await runner.run({
      plan,
      runIds: todo,
      partsDir,
      partLogPrefix: shard === null ? "run" : path.basename(manifestName(shard), ".json"),
      runTimeoutMs: options.runTimeoutSec === undefined ? undefined : options.runTimeoutSec * 1000,
      maxFailures: options.maxFailures,
      onRun: (e) => {
        finished++;
        if (e.status === "failed") failedNow++;
        progress.update(finished, failedNow);
      },
    });
  } finally {
    progress.stop();
  }
  if (pool.stoppedEarly) log(`stopped after ${pool.failed} failed runs (--max-failures)`);

  const parts = listParts(partsDir).filter((p) => plannedSet.has(p.runId));
  let summary: PointSummary | null = null;
  let assembleMs = 0;
  let counts: { ok: number; failed: number };
  const files: string[] = [];
  if (shard === null) {
    summary = new PointSummary();
    const s = summary;
    const res = assemble({
      parts,
      outDir,
      metadata: fileMetadata(experiment.name, plan.seed, plan.configHash),
      onRunsBatch: (b) => s.add(b),
    });
    assembleMs = res.totalMs;
    counts = { ok: s.ok, failed: s.failed };
    files.push("runs.arrow", "timeseries.arrow", "liquidations.arrow");
  } else {
    counts = tallyParts(parts);
  }
  const wallMs = performance.now() - t0;
  const writerMs = pool.partWriteMs + assembleMs;
  const manifest: Manifest = {
    ...base,
    status: pool.stoppedEarly ? "stopped" : "complete",
    runs: { ...counts, missing: planned.length - parts.length },
    files,
    endedAt: new Date().toISOString(),
    execution: {
      workers: runner.workers,
      runTimeoutSec: options.runTimeoutSec ?? null,
      maxFailures: options.maxFailures ?? null,
      resumedRuns: skipped,
      wallMs: round(wallMs),
      poolMs: round(pool.wallMs),
      partWriteMs: round(pool.partWriteMs),
      partWriteIoMs: round(pool.partWriteIoMs),
      partWrites: pool.partWrites,
      partBytes: pool.partBytes,
      workerEncodeMs: round(pool.encodeMs),
      workerSimMs: round(pool.simMs),
      assembleMs: round(assembleMs),
      writerShare: round(writerMs / wallMs, 4),
    },
  };
  writeManifest(manifest);
  return {
    plan,
    manifest,
    outDir,
    pool,
    skipped,
    summary,
    writer: { partWriteMs: pool.partWriteMs, assembleMs, share: writerMs / wallMs },
  };
}

/** Schema metadata of the assembled files. */
export function fileMetadata(name: string, seed: Seed, configHash: string): Record<string, string> {
  return {
    "cascade.format": "1",
    "cascade.experiment": name,
    "cascade.seed": JSON.stringify(seed),
    "cascade.config_hash": configHash,
  };
}

/** Status counts of parts, reading only each part's `runs` stream. */
export function tallyParts(parts: readonly PartRef[]): { ok: number; failed: number } {
  let ok = 0;
  let failed = 0;
  const reader = new PartReader();
  try {
    for (const p of parts) {
      for (const b of RecordBatchReader.from(reader.read(p))) {
        const status = b.getChild("status");
        for (let i = 0; i < b.numRows; i++) {
          if (status?.get(i) === "ok") ok++;
          else failed++;
        }
      }
    }
  } finally {
    reader.close();
  }
  return { ok, failed };
}

function checkPositive(field: string, v: number | undefined): void {
  if (v !== undefined && !(Number.isSafeInteger(v) && v >= 1)) {
    throw new ConfigError(field, v, "must be a positive integer");
  }
}

function round(x: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
