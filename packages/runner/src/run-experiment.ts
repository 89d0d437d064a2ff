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
import { columnMetadata, TABLES } from "@cascade/schema";
import { assemble } from "./arrow/assemble.ts";
import { RecordBatchReader } from "./arrow/lib.ts";
import { acquireLock, ensureOutDir, PARTS_DIR, removeTempFiles, writeFileAtomic } from "./arrow/out-dir.ts";
import { configKeyOf, listParts, PartReader, type PartRef, type TornTail } from "./arrow/part-log.ts";
import { checkBuilds, typeCheckExperiment } from "./check.ts";
import type { AnyExperiment } from "./experiment.ts";
import { importExperiment } from "./load.ts";
import { codeVersion, type Manifest, manifestName, packageVersions, readManifests } from "./manifest.ts";
import { type PlanOptions, planExperiment, type RunPlan } from "./plan.ts";
import { type PoolStats, type RunEvent, type RunIdSequence, RunnerPool } from "./pool.ts";
import { type ProgressReporter, silentProgress } from "./progress.ts";
import { repairLocked } from "./repair.ts";
import type { Shard } from "./shard.ts";
import { sourcesRecord } from "./sources.ts";
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
  /**
   * With `resume`: first repair the part logs (keep every intact record, cut damaged ones and torn
   * tails, see `repair.ts`), so the lost runs are run again.
   */
  readonly repair?: boolean;
  /** Stop after this many failed runs (what finished is still assembled). */
  readonly maxFailures?: number;
  /** Per-run wall-clock limit, seconds (default {@link DEFAULT_RUN_TIMEOUT_SEC}). */
  readonly runTimeoutSec?: number;
  /**
   * Before any run starts, build each sweep point's world once on the workers (see `check.ts`),
   * so a world that does not build fails the session at once (default true).
   */
  readonly check?: boolean;
  /** Before the workers start, also type-check the experiment file and its relative imports (default false; the CLI's run does). */
  readonly typeCheck?: boolean;
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
  /** The first {@link FIRST_FAILURES} runs that failed in this session, with their details. */
  readonly failures: readonly RunEvent[];
}

/** A run taking longer than this (seconds) is stopped and recorded as failed, unless told otherwise. */
export const DEFAULT_RUN_TIMEOUT_SEC = 3600;
/** Failed runs whose details a session keeps for its report. */
export const FIRST_FAILURES = 3;

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
  if (options.out.trim() === "") throw new ConfigError("--out", options.out, "must name a directory");
  if (options.repair === true && options.resume !== true) {
    throw new ConfigError(
      "--repair",
      true,
      "needs --resume (it repairs the part logs of the run it continues)",
    );
  }
  // Fail fast on a directory that cannot be written (read-only, /proc, permission), before any
  // worker starts; the lock keeps two processes from running the same runs here.
  const outDir = path.resolve(options.out);
  ensureOutDir(outDir);
  const shard = options.shard ?? null;
  const session = manifestName(shard);
  const release = acquireLock(outDir, session, `cascade run ${path.basename(file)}`, (other) => {
    if (shard === null || other === "manifest.json" || other === "repair") return true;
    const m = /^shard-\d+-of-(\d+)\.json$/.exec(other);
    return m !== null && Number(m[1]) !== shard.count;
  });
  try {
    return await runLocked(options, file, source, t0, startedAt);
  } finally {
    release();
  }
}

async function runLocked(
  options: RunExperimentOptions,
  file: string,
  source: string,
  t0: number,
  startedAt: string,
): Promise<RunExperimentResult> {
  const experiment = await importExperiment(file);
  const maxRuns = Math.ceil(
    (sweepSize(experiment.sweep) * (options.replications ?? experiment.replications)) /
      (options.shard?.count ?? 1),
  );
  const startPool = () =>
    new RunnerPool({
      experimentFile: file,
      workers: Math.max(1, Math.min(options.workers ?? os.availableParallelism(), maxRuns)),
    });
  // Start the workers now: they load while the plan is made (mathjs alone takes a second or two)
  // and the files type-check; they take no run before every check has passed.
  const pool = startPool();
  let plan: RunPlan;
  try {
    plan = await planExperiment(experiment, {
      overrides: options.overrides,
      replications: options.replications,
      seed: options.seed,
      trades: options.trades,
      source,
    });
  } catch (e) {
    await pool.destroy();
    throw e;
  }
  try {
    return await runWithPool(options, file, plan, experiment, pool, t0, startedAt);
  } finally {
    await pool.destroy();
  }
}

async function runWithPool(
  options: RunExperimentOptions,
  file: string,
  plan: RunPlan,
  experiment: AnyExperiment,
  runner: RunnerPool,
  t0: number,
  startedAt: string,
): Promise<RunExperimentResult> {
  const log = options.log ?? (() => {});
  const runTimeoutSec = options.runTimeoutSec ?? DEFAULT_RUN_TIMEOUT_SEC;
  const outDir = path.resolve(options.out);
  const shard = options.shard ?? null;
  const inPlan = (runId: number) =>
    runId < plan.totalRuns && (shard === null || runId % shard.count === shard.index);
  const plannedRuns =
    shard === null ? plan.totalRuns : Math.max(0, Math.ceil((plan.totalRuns - shard.index) / shard.count));
  const prefix = shard === null ? "run" : path.basename(manifestName(shard), ".json");
  const onTorn = (t: TornTail) => log(tornLine(t));
  if (options.repair === true) {
    const repaired = repairLocked(outDir, log, `${prefix}-`);
    if (repaired.logs.length === 0) log("repair: every part log is intact");
  }
  const existing = readManifests(outDir);
  const existingParts = listParts(path.join(outDir, PARTS_DIR), onTorn);
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
      !existingParts.some((p) => inPlan(p.runId));
    if (!sharing) {
      throw new ConfigError(
        "--out",
        outDir,
        "already holds a run (use --resume to continue it, or another --out)",
      );
    }
  }
  // Every record must belong to this configuration, whatever the manifests say (or if they are gone).
  checkRecords(
    existingParts,
    plan.configHash,
    plan.totalRuns,
    options.resume === true ? "--resume" : "--out",
    outDir,
    {
      manifestAgrees:
        existing.length > 0 && existing.every(({ manifest }) => manifest.configHash === plan.configHash),
    },
  );
  // The experiment's checks, once the directory is known to be fit for this run and before any
  // run starts (the workers load meanwhile).
  if (options.typeCheck === true) {
    const t = performance.now();
    const files = await typeCheckExperiment(file);
    log(
      `check: ${files.length} file${files.length === 1 ? "" : "s"} type-check (${((performance.now() - t) / 1000).toFixed(1)} s)`,
    );
  }
  if (options.check !== false) {
    await checkBuilds(plan, file, runner, runTimeoutSec * 1000);
  }
  const partsDir = ensureOutDir(outDir);
  // Only this session's own temp files: another shard's manifest may be being written right now.
  removeTempFiles(partsDir, [`${prefix}-`]);
  removeTempFiles(
    outDir,
    shard === null ? [manifestName(null), ...TABLES.map((t) => `${t}.arrow`)] : [manifestName(shard)],
  );

  const done = listParts(partsDir)
    .filter((p) => inPlan(p.runId))
    .map((p) => p.runId);
  const todo = pendingRuns(plan.totalRuns, shard, done);
  const skipped = done.length;
  if (skipped > 0) log(`resuming: ${skipped} of ${plannedRuns} runs already done`);

  const base = {
    format: "cascade-manifest/1" as const,
    kind: shard === null ? ("run" as const) : ("shard" as const),
    experiment: { name: experiment.name, description: experiment.description, file },
    metrics: experiment.metrics ?? {},
    space: plan.space,
    overrides: plan.overrides,
    seed: plan.seed,
    configHash: plan.configHash,
    points: plan.points.length,
    totalRuns: plan.totalRuns,
    shard,
    plannedRuns,
    codeVersion: codeVersion(path.dirname(file), file),
    sources: sourcesRecord(file),
    versions: packageVersions(),
    startedAt,
  };
  const manifestFile = path.join(outDir, manifestName(shard));
  const writeManifest = (m: Manifest) =>
    writeFileAtomic(manifestFile, new TextEncoder().encode(`${JSON.stringify(m, null, 2)}\n`));
  writeManifest({
    ...base,
    status: "running",
    runs: { ok: 0, failed: 0, missing: plannedRuns },
    files: [],
    endedAt: null,
    execution: { workers: options.workers ?? null },
  });

  const progress = options.progress ?? silentProgress;
  let finished = 0;
  let failedNow = 0;
  const failures: RunEvent[] = [];
  progress.start(todo.length);
  let pool: PoolStats;
  try {
    pool = await runner.run({
      plan,
      runIds: todo,
      partsDir,
      partLogPrefix: prefix,
      runTimeoutMs: runTimeoutSec * 1000,
      maxFailures: options.maxFailures,
      onRun: (e) => {
        finished++;
        if (e.status === "failed" && failedNow++ < FIRST_FAILURES) failures.push(e);
        progress.update(finished, failedNow);
      },
    });
  } finally {
    progress.stop();
  }
  if (pool.stoppedEarly) log(`stopped after ${pool.failed} failed runs (--max-failures)`);

  const parts = listParts(partsDir).filter((p) => inPlan(p.runId));
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
      fieldMetadata: (table, name) => columnMetadata(table, name, experiment.metrics),
      onRunsBatch: (b) => s.add(b),
    });
    assembleMs = res.totalMs;
    counts = { ok: s.ok, failed: s.failed };
    files.push(...res.tables.map((t) => `${t}.arrow`));
  } else {
    counts = tallyParts(parts);
  }
  const wallMs = performance.now() - t0;
  const writerMs = pool.partWriteMs + assembleMs;
  const manifest: Manifest = {
    ...base,
    status: pool.stoppedEarly ? "stopped" : "complete",
    runs: { ...counts, missing: plannedRuns - parts.length },
    files,
    endedAt: new Date().toISOString(),
    execution: {
      workers: runner.workers,
      runTimeoutSec,
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
    failures,
  };
}

/**
 * The run ids of a shard (all runs without one) that are not in `done` (ascending), as a lazy
 * sequence: no list of every run id is ever built.
 */
export function pendingRuns(totalRuns: number, shard: Shard | null, done: readonly number[]): RunIdSequence {
  const step = shard?.count ?? 1;
  const first = shard?.index ?? 0;
  const planned = Math.max(0, Math.ceil((totalRuns - first) / step));
  let id = first;
  let d = 0;
  let expected = 0;
  return {
    length: planned - done.length,
    at(index: number): number | undefined {
      if (index !== expected++) throw new Error(`pending runs are read in order (asked ${index})`);
      for (;;) {
        if (id >= totalRuns) return undefined;
        const r = id;
        id += step;
        while (d < done.length && done[d]! < r) d++;
        if (d < done.length && done[d] === r) continue;
        return r;
      }
    },
  };
}

/** The line reporting a torn tail that is ignored. */
export function tornLine(t: TornTail): string {
  return `${t.file}: a torn record at byte ${t.offset} (${t.bytes} bytes${t.runId === null ? "" : `, run ${t.runId}`}) is ignored; its run counts as not run`;
}

/**
 * Checks that every part record belongs to the sweep of configuration hash `configHash` (the
 * configuration key in its header) and to its run ids. Format-1 records carry no key: they are
 * accepted only when the directory's manifests agree with the configuration.
 * @throws {@link @cascade/core!ConfigError} (`field` = `dir`) naming the first record that disagrees.
 */
export function checkRecords(
  parts: readonly PartRef[],
  configHash: string,
  totalRuns: number,
  field: string,
  dir: string,
  options: { readonly manifestAgrees: boolean },
): void {
  const key = configKeyOf(configHash);
  for (const p of parts) {
    const where = `${path.relative(dir, p.file) || p.file} run ${p.runId} at byte ${p.recordOffset}`;
    if (p.configKey === null && !options.manifestAgrees) {
      throw new ConfigError(
        field,
        dir,
        `${where} is a format-1 record (no configuration hash) and no manifest of this configuration vouches for it`,
      );
    }
    if (p.configKey !== null && p.configKey !== key) {
      throw new ConfigError(
        field,
        dir,
        `holds runs of another configuration (${where}: config ${p.configKey}…; this sweep: config ${key}…)`,
      );
    }
    if (p.runId >= totalRuns) {
      throw new ConfigError(field, dir, `${where}: run id beyond this sweep's ${totalRuns} runs`);
    }
  }
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
