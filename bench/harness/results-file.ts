/**
 * `bench/latest.json`: the most recent results of every suite, machine-readable. Running one suite
 * replaces that suite's entry and keeps the others.
 *
 * @module
 */

import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import type { MachineInfo } from "./machine.ts";

/** One suite's entry in the results file. */
export interface SuiteEntry {
  /** Wall-clock time the suite finished (ISO 8601, UTC). */
  readonly date: string;
  readonly machine: MachineInfo;
  /** The options it ran with. */
  readonly trials: number;
  /** The suite's own results. */
  readonly results: unknown;
}

/** The whole results file. */
export interface ResultsFile {
  /** Bumped when the layout changes incompatibly. */
  readonly schemaVersion: 1;
  /** When any suite was last written. */
  readonly updated: string;
  readonly suites: Record<string, SuiteEntry>;
}

/** Merges `entries` into the results file at `file` (created when missing), replacing those suites only. */
export function mergeResults(file: string, entries: Record<string, SuiteEntry>): void {
  const previous = readResults(file);
  const next: ResultsFile = {
    schemaVersion: 1,
    updated: new Date().toISOString(),
    suites: { ...previous?.suites, ...entries },
  };
  // Write then rename, so an interrupted run never leaves a truncated file behind.
  const tmp = `${file}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(next, null, 2)}\n`);
  renameSync(tmp, file);
}

/** Reads the results file, or `undefined` when it does not exist or is not one of ours. */
export function readResults(file: string): ResultsFile | undefined {
  if (!existsSync(file)) return undefined;
  const parsed = JSON.parse(readFileSync(file, "utf8")) as Partial<ResultsFile>;
  return parsed.schemaVersion === 1 && typeof parsed.suites === "object"
    ? (parsed as ResultsFile)
    : undefined;
}
