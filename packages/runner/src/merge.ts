/**
 * `cascade merge`: assembles the final files from the parts of several output directories
 * (shards run on different machines, or in one shared directory), after checking they belong to
 * the same experiment and configuration. The result is byte-identical (wall-clock columns aside)
 * to running the whole sweep on one machine.
 *
 * @module
 */

import { existsSync, readdirSync, rmdirSync } from "node:fs";
import path from "node:path";
import { ConfigError } from "@cascade/core";
import { assemble } from "./arrow/assemble.ts";
import { acquireLock, makeDirs, PARTS_DIR, refuseLocked, writeFileAtomic } from "./arrow/out-dir.ts";
import { listParts, type PartRef } from "./arrow/part-log.ts";
import { type Manifest, manifestName, readManifests } from "./manifest.ts";
import { checkRecords, fieldMetadataOf, fileMetadata, tornLine } from "./run-experiment.ts";
import { differingSources } from "./sources.ts";
import { PointSummary } from "./summary.ts";

/** Options of {@link mergeOutputs}. */
export interface MergeOptions {
  /** Output directories of the shards. */
  readonly inputs: readonly string[];
  /** Where the merged files and manifest go (may be one of the inputs). */
  readonly out: string;
  /** Informational lines. */
  readonly log?: (line: string) => void;
  /**
   * Merge shards whose experiment sources differ (see `sources.ts`); the mismatch is recorded in
   * the manifest's `mergedSourceMismatch`. Default false: refused.
   */
  readonly allowSourceMismatch?: boolean;
}

/** What {@link mergeOutputs} did. */
export interface MergeResult {
  readonly manifest: Manifest;
  readonly summary: PointSummary;
  /** Run ids found in more than one input (the first input's part was used). */
  readonly duplicates: number;
}

/**
 * Merges shard directories, holding `out`'s lock meanwhile (the one an unsharded run takes).
 * @throws {@link @cascade/core!ConfigError} when an input holds no manifest, the inputs (manifests or
 * part records) disagree on the configuration hash, `out` is a non-empty directory that holds
 * something else than this experiment and configuration, or a live process (a run, shard, repair
 * or merge) holds a lock of `out` or of an input.
 */
export function mergeOutputs(options: MergeOptions): MergeResult {
  const startedAt = new Date().toISOString();
  const t0 = performance.now();
  if (options.inputs.length === 0) throw new ConfigError("merge", [], "needs at least one input directory");
  // The lock an unsharded run takes: no run, shard, repair or other merge writes here meanwhile.
  const outDir = path.resolve(options.out);
  const existed = existsSync(outDir);
  makeDirs(outDir, "merge --out");
  const release = acquireLock(outDir, manifestName(null), "cascade merge", () => true, "merge --out");
  let merged = false;
  try {
    const result = mergeLocked(options, outDir, startedAt, t0);
    merged = true;
    return result;
  } finally {
    release();
    // A refused merge leaves no trace: the directory it created for its lock goes (only if empty).
    if (!merged && !existed) {
      try {
        rmdirSync(outDir);
      } catch {
        // not empty, or already gone: leave it
      }
    }
  }
}

function mergeLocked(options: MergeOptions, outDir: string, startedAt: string, t0: number): MergeResult {
  const manifests: { dir: string; manifest: Manifest }[] = [];
  for (const input of options.inputs) {
    const dir = path.resolve(input);
    // A shard still running there would leave its runs out of the merge.
    if (dir !== outDir) refuseLocked(dir, "merge");
    const found = readManifests(dir).filter(({ manifest }) => manifest.kind !== "merge");
    const all = found.length > 0 ? found : readManifests(dir);
    if (all.length === 0)
      throw new ConfigError("merge", input, "holds no cascade manifest (not an output directory)");
    for (const { manifest } of all) manifests.push({ dir, manifest });
  }
  const first = manifests[0]!;
  for (const m of manifests) {
    if (m.manifest.configHash !== first.manifest.configHash) {
      throw new ConfigError(
        "merge",
        m.dir,
        `holds ${m.manifest.experiment.name} with config ${m.manifest.configHash.slice(0, 12)}…, but ${first.dir} holds ${first.manifest.experiment.name} with config ${first.manifest.configHash.slice(0, 12)}…`,
      );
    }
  }
  const mismatch = checkSources(manifests, options.allowSourceMismatch === true);
  if (mismatch.length > 0) {
    options.log?.(
      `merge: --allow-source-mismatch: ${mismatch.length} input${mismatch.length === 1 ? "" : "s"} ran other sources than ${first.dir} (${mismatch[0]!.files.slice(0, 3).join(", ")}${mismatch[0]!.files.length > 3 ? ", …" : ""}); recorded in the manifest`,
    );
  }
  const byRun = new Map<number, PartRef>();
  let duplicates = 0;
  const dirs = [...new Set(manifests.map((m) => m.dir))];
  for (const dir of dirs) {
    const found = listParts(path.join(dir, PARTS_DIR), (t) => options.log?.(`merge: ${tornLine(t)}`));
    checkRecords(found, first.manifest.configHash, first.manifest.totalRuns, "merge", dir, {
      manifestAgrees: true,
    });
    for (const p of found) {
      if (byRun.has(p.runId)) duplicates++;
      else byRun.set(p.runId, p);
    }
  }
  if (duplicates > 0) options.log?.(`merge: ${duplicates} runs appear in several inputs; using the first`);
  const parts = [...byRun.values()].sort((a, b) => a.runId - b.runId);
  if (!dirs.includes(outDir)) checkMergeTarget(outDir, first.manifest);
  const m0 = first.manifest;
  const summary = new PointSummary();
  const res = assemble({
    parts,
    outDir,
    metadata: fileMetadata(m0.experiment.name, m0.seed, m0.configHash, m0.counterfactual),
    fieldMetadata: fieldMetadataOf(m0.metrics ?? {}, m0.sweepConditions),
    onRunsBatch: (b) => summary.add(b),
  });
  const missing = m0.totalRuns - parts.length;
  if (missing > 0) options.log?.(`merge: ${missing} of ${m0.totalRuns} runs have no part (missing shards?)`);
  const manifest: Manifest = {
    ...m0,
    kind: "merge",
    status: "complete",
    shard: null,
    plannedRuns: m0.totalRuns,
    runs: { ok: summary.ok, failed: summary.failed, missing },
    files: res.tables.map((t) => `${t}.arrow`),
    startedAt,
    endedAt: new Date().toISOString(),
    execution: {
      shards: manifests.map((m) => ({
        dir: m.dir,
        shard: m.manifest.shard,
        runs: m.manifest.runs,
        status: m.manifest.status,
        startedAt: m.manifest.startedAt,
        endedAt: m.manifest.endedAt,
      })),
      duplicates,
      wallMs: Math.round(performance.now() - t0),
      assembleMs: Math.round(res.totalMs),
    },
    mergedFrom: dirs,
    ...(mismatch.length > 0 ? { mergedSourceMismatch: mismatch } : {}),
  };
  writeFileAtomic(
    path.join(outDir, "manifest.json"),
    new TextEncoder().encode(`${JSON.stringify(manifest, null, 2)}\n`),
  );
  return { manifest, summary, duplicates };
}

/**
 * Checks that every input ran the same sources as the first (the manifests' `sources.sha256`;
 * manifests written before sources were recorded are not compared).
 * @throws {@link @cascade/core!ConfigError} naming the input and the first differing files, unless
 * `allow`; then returns the inputs that differ.
 */
export function checkSources(
  manifests: readonly { dir: string; manifest: Manifest }[],
  allow: boolean,
): { dir: string; sha256: string; files: string[] }[] {
  const first = manifests.find((m) => m.manifest.sources !== undefined);
  if (first === undefined) return [];
  const ref = first.manifest.sources!;
  const out: { dir: string; sha256: string; files: string[] }[] = [];
  for (const m of manifests) {
    const s = m.manifest.sources;
    if (s === undefined || s.sha256 === ref.sha256) continue;
    const files = differingSources(ref.files, s.files);
    if (!allow) {
      throw new ConfigError(
        "merge",
        m.dir,
        `ran other sources than ${first.dir} (sources ${s.sha256.slice(0, 12)}… vs ${ref.sha256.slice(0, 12)}…; differing: ${files.slice(0, 3).join(", ")}${files.length > 3 ? `, … (${files.length} files)` : ""}): rerun the shard with the same code, or pass --allow-source-mismatch`,
      );
    }
    if (!out.some((o) => o.dir === m.dir)) out.push({ dir: m.dir, sha256: s.sha256, files });
  }
  return out;
}

/** Names a merge writes (or a run leaves) in an output directory. */
const OUTPUT_NAMES = new Set([
  "manifest.json",
  "runs.arrow",
  "timeseries.arrow",
  "liquidations.arrow",
  "trades.arrow",
  "report.html",
  PARTS_DIR,
]);

/**
 * A merge may write into `dir` when it is missing or empty, or holds the output of this same
 * experiment and configuration (manifests and part records all agree) and nothing else.
 * @throws {@link @cascade/core!ConfigError} naming what `dir` holds otherwise.
 */
export function checkMergeTarget(dir: string, m: Manifest): void {
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => !n.startsWith("."));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return;
    throw e;
  }
  if (names.length === 0) return;
  const manifests = readManifests(dir);
  if (manifests.length === 0) {
    throw new ConfigError(
      "merge --out",
      dir,
      `is not empty and holds no cascade output (${names.slice(0, 3).join(", ")}${names.length > 3 ? ", …" : ""}): choose an empty or new directory`,
    );
  }
  for (const { file, manifest } of manifests) {
    if (manifest.configHash !== m.configHash) {
      throw new ConfigError(
        "merge --out",
        dir,
        `holds another experiment or configuration (${path.basename(file)}: ${manifest.experiment.name}, config ${manifest.configHash.slice(0, 12)}…; merging ${m.experiment.name}, config ${m.configHash.slice(0, 12)}…): choose an empty or new directory`,
      );
    }
  }
  checkRecords(listParts(path.join(dir, PARTS_DIR)), m.configHash, m.totalRuns, "merge --out", dir, {
    manifestAgrees: true,
  });
  const other = names.filter((n) => !OUTPUT_NAMES.has(n) && !/^shard-\d+-of-\d+\.json$/.test(n));
  if (other.length > 0) {
    throw new ConfigError(
      "merge --out",
      dir,
      `holds files that are not this experiment's output (${other.slice(0, 3).join(", ")}): choose an empty or new directory`,
    );
  }
}
