/**
 * `manifest.json`: what an output directory holds and how it was made — experiment, parameter
 * space, seed, config hash, code version, package versions, timing and run counts. Shards write
 * `shard-<i>-of-<N>.json` instead; `cascade merge` writes the merged `manifest.json`.
 *
 * @module
 */

import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { ConfigError } from "@cascade/core";
import type { MetricSpec } from "./experiment.ts";
import type { Shard } from "./shard.ts";
import type { SweepConditionsRecord } from "./sweep.ts";

/** Run counts by status. */
export interface RunCounts {
  readonly ok: number;
  readonly failed: number;
  /** Runs of the plan (or shard) without a part. */
  readonly missing: number;
}

/** Contents of `manifest.json` / `shard-<i>-of-<N>.json`. */
export interface Manifest {
  readonly format: "cascade-manifest/1";
  /** `run` (one machine), `shard` (one shard of a sweep) or `merge` (assembled from shards). */
  readonly kind: "run" | "shard" | "merge";
  readonly status: "running" | "complete" | "stopped";
  readonly experiment: { readonly name: string; readonly description: string; readonly file: string | null };
  /** The experiment's declared metrics: unit and description of each `summarize` column. */
  readonly metrics?: Readonly<Record<string, MetricSpec>>;
  /**
   * The experiment's declared counterfactual: the boolean parameter whose on/off runs are paired
   * (`null`: none declared; absent in manifests written before it could be declared).
   */
  readonly counterfactual?: string | null;
  /** What the sweep's conditional axes did: grid points, points run, skipped, per axis (`null`: no condition). */
  readonly sweepConditions?: SweepConditionsRecord | null;
  /** Parameters (with overridden defaults), sweep, derived, replications, seed, duration, recorder. */
  readonly space: Readonly<Record<string, unknown>>;
  /** `--set` overrides, typed. */
  readonly overrides: Readonly<Record<string, unknown>>;
  readonly seed: string | number;
  /** SHA-256 of the space and the experiment's source: shards must agree on it to merge. */
  readonly configHash: string;
  readonly points: number;
  readonly totalRuns: number;
  /** The shard this directory holds (`null`: all runs). */
  readonly shard: Shard | null;
  /** Runs this directory is responsible for (its shard's share, or all). */
  readonly plannedRuns: number;
  readonly runs: RunCounts;
  /** Assembled files (relative names); empty for a shard. */
  readonly files: readonly string[];
  /**
   * The git commit of the repository holding the experiment; `dirty` when tracked files are
   * modified or untracked files exist (counted in `modified` and `untracked`), and the
   * experiment file's own state (`experimentFile`).
   */
  readonly codeVersion: CodeVersion;
  /** Content hashes of the experiment file and every repository file it imports (see `sources.ts`). */
  readonly sources?: SourcesRecord;
  /** Merge with `--allow-source-mismatch`: the inputs whose sources differed from the first's. */
  readonly mergedSourceMismatch?: readonly {
    readonly dir: string;
    readonly sha256: string;
    readonly files: readonly string[];
  }[];
  readonly versions: Readonly<Record<string, string>>;
  /** ISO 8601 wall-clock times. */
  readonly startedAt: string;
  readonly endedAt: string | null;
  /** Execution settings and timings (not part of the results). */
  readonly execution: Readonly<Record<string, unknown>>;
  /** Merge: the directories merged. */
  readonly mergedFrom?: readonly string[];
}

/** The manifest file name of an output directory holding `shard` (or all runs). */
export function manifestName(shard: Shard | null): string {
  return shard === null ? "manifest.json" : `shard-${shard.index}-of-${shard.count}.json`;
}

/** Every manifest in `dir` (`manifest.json` and `shard-*.json`), with its file name. */
export function readManifests(dir: string): { file: string; manifest: Manifest }[] {
  if (!existsSync(dir)) return [];
  const names = readdirSync(dir)
    .filter((n) => n === "manifest.json" || /^shard-\d+-of-\d+\.json$/.test(n))
    .sort();
  return names.map((n) => {
    const file = path.join(dir, n);
    let manifest: Manifest;
    try {
      manifest = JSON.parse(readFileSync(file, "utf8")) as Manifest;
    } catch (e) {
      throw new ConfigError("manifest", file, `is not valid JSON: ${(e as Error).message}`);
    }
    if (manifest?.format !== "cascade-manifest/1") {
      throw new ConfigError("manifest", file, "is not a cascade manifest");
    }
    return { file, manifest };
  });
}

/** Where the code of a run comes from (see {@link codeVersion}). */
export interface CodeVersion {
  /** `git rev-parse HEAD`, or `"unknown"` outside a repository. */
  readonly commit: string;
  /** Whether the working tree differs from the commit: modified tracked files or untracked files (`null`: unknown). */
  readonly dirty: boolean | null;
  /** Tracked files modified, staged or deleted (`null`: unknown). */
  readonly modified?: number | null;
  /** Untracked files (not ignored) (`null`: unknown). */
  readonly untracked?: number | null;
  /** The experiment file's state: in the commit as it is, modified, untracked, ignored, or outside the repository. */
  readonly experimentFile?: "committed" | "modified" | "untracked" | "ignored" | "outside" | "unknown";
}

/** The `sources` record of a manifest. */
export interface SourcesRecord {
  /** SHA-256 over the sorted `path:sha256` lines of `files`: shards must agree on it to merge. */
  readonly sha256: string;
  /** Path relative to {@link SourcesRecord.root} → SHA-256 of the file's bytes, the experiment file first. */
  readonly files: Readonly<Record<string, string>>;
  /** The directory the paths are relative to (the repository root). */
  readonly root: string;
}

/**
 * Git commit of the repository holding `dir`, whether the tree is dirty (modified tracked files
 * or untracked files, both counted), and the state of `file` (the experiment), or `"unknown"`.
 */
export function codeVersion(dir: string, file?: string): CodeVersion {
  const git = (args: string[]) =>
    execFileSync("git", args, {
      cwd: dir,
      stdio: ["ignore", "pipe", "ignore"],
      maxBuffer: 64 << 20,
    }).toString();
  let commit: string;
  try {
    commit = git(["rev-parse", "HEAD"]).trim();
  } catch {
    return { commit: "unknown", dirty: null, modified: null, untracked: null, experimentFile: "outside" };
  }
  let modified: number | null = null;
  let untracked: number | null = null;
  try {
    const lines = git(["status", "--porcelain=v1", "--untracked-files=all"])
      .split("\n")
      .filter((l) => l.length > 0);
    untracked = lines.filter((l) => l.startsWith("??")).length;
    modified = lines.length - untracked;
  } catch {
    /* unknown */
  }
  let experimentFile: CodeVersion["experimentFile"] = "unknown";
  if (file !== undefined) {
    try {
      const st = git(["status", "--porcelain=v1", "--ignored", "--", file]).trim();
      experimentFile =
        st === ""
          ? "committed"
          : st.startsWith("??")
            ? "untracked"
            : st.startsWith("!!")
              ? "ignored"
              : "modified";
      if (st === "") {
        // Not in the repository at all (another repository, or outside any work tree) reads as clean: ask.
        git(["ls-files", "--error-unmatch", "--", file]);
      }
    } catch {
      experimentFile = "outside";
    }
  }
  const dirty = modified === null || untracked === null ? null : modified + untracked > 0;
  return { commit, dirty, modified, untracked, experimentFile };
}

/**
 * Versions of node, the runner, its dependencies and every `@cascade/*` package it depends on,
 * directly or not.
 */
export function packageVersions(): Record<string, string> {
  const out: Record<string, string> = { node: process.version };
  const own = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "package.json");
  const visit = (pkgFile: string, depth: number) => {
    const pkg = readPackage(pkgFile);
    if (pkg === undefined || out[pkg.name] !== undefined) return;
    out[pkg.name] = pkg.version;
    for (const dep of Object.keys(pkg.dependencies ?? {})) {
      if (depth > 0 && !dep.startsWith("@cascade/")) continue;
      const file = packageFile(dep, pkgFile);
      if (file !== undefined) visit(file, depth + 1);
    }
  };
  visit(own, 0);
  return out;
}

interface PackageJson {
  readonly name: string;
  readonly version: string;
  readonly dependencies?: Record<string, string>;
}

function readPackage(file: string): PackageJson | undefined {
  try {
    return JSON.parse(readFileSync(file, "utf8")) as PackageJson;
  } catch {
    return undefined;
  }
}

/** The package.json of dependency `name` as seen from the package of `fromFile`. */
function packageFile(name: string, fromFile: string): string | undefined {
  let dir: string;
  try {
    dir = path.dirname(createRequire(fromFile).resolve(name));
  } catch {
    return undefined;
  }
  for (let i = 0; i < 6; i++) {
    const f = path.join(dir, "package.json");
    if (existsSync(f) && readPackage(f)?.name === name) return f;
    dir = path.dirname(dir);
  }
  return undefined;
}
