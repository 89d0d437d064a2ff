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
  readonly codeVersion: { readonly commit: string; readonly dirty: boolean | null };
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

/** Git commit of the repository holding `dir` (and whether the tree is dirty), or `"unknown"`. */
export function codeVersion(dir: string): { commit: string; dirty: boolean | null } {
  try {
    const commit = execFileSync("git", ["rev-parse", "HEAD"], {
      cwd: dir,
      stdio: ["ignore", "pipe", "ignore"],
    })
      .toString()
      .trim();
    let dirty: boolean | null = null;
    try {
      dirty =
        execFileSync("git", ["status", "--porcelain", "--untracked-files=no"], {
          cwd: dir,
          stdio: ["ignore", "pipe", "ignore"],
        })
          .toString()
          .trim() !== "";
    } catch {
      dirty = null;
    }
    return { commit, dirty };
  } catch {
    return { commit: "unknown", dirty: null };
  }
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
