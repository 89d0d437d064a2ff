/**
 * `cascade repair <dir>`: makes the part logs of an output directory readable again after damage
 * (a bad disk block, a power cut before the data reached the disk, a stray write). Every record
 * whose checksums hold is kept, damaged records and torn tails are cut (each log's original bytes
 * are kept as `<log>.damaged`), and `--resume` then runs only the runs that were lost.
 *
 * @module
 */

import path from "node:path";
import { ConfigError } from "@cascade/core";
import { acquireLock, PARTS_DIR } from "./arrow/out-dir.ts";
import { type RepairedLog, repairPartLogs } from "./arrow/part-log.ts";
import { readManifests } from "./manifest.ts";

/** What {@link repairOutput} did. */
export interface RepairResult {
  /** The logs that needed repair. */
  readonly logs: readonly RepairedLog[];
  /** Runs whose records were cut (when their headers named them). */
  readonly lostRuns: readonly number[];
}

/**
 * Repairs the part logs of output directory `dir`, holding its `repair` lock (refused while a
 * run, resume or shard works in it).
 * @throws {@link @cascade/core!ConfigError} when `dir` is not an output directory or is in use.
 */
export function repairOutput(
  dir: string,
  log: (line: string) => void = () => {},
  field = "repair",
): RepairResult {
  const out = path.resolve(dir);
  if (readManifests(out).length === 0) {
    throw new ConfigError(field, dir, "holds no cascade manifest (not an output directory)");
  }
  const release = acquireLock(out, "repair", "cascade repair", () => true, field);
  try {
    return repairLocked(out, log);
  } finally {
    release();
  }
}

/**
 * Repairs the logs of `<out>/parts` whose names start with `prefix` (the caller holds a lock that
 * excludes other writers of those logs).
 */
export function repairLocked(out: string, log: (line: string) => void, prefix = ""): RepairResult {
  const logs = repairPartLogs(path.join(out, PARTS_DIR), prefix);
  const lost = new Set<number>();
  for (const r of logs) {
    const rel = path.relative(out, r.file);
    for (const x of r.removed) {
      if (x.runId !== null) lost.add(x.runId);
      log(
        `${rel}: cut ${x.bytes} bytes at byte ${x.offset}${x.runId === null ? "" : ` (run ${x.runId})`}: ${x.reason}`,
      );
    }
    log(
      `${rel}: kept ${r.kept} intact records${r.original === null ? "" : `; original bytes kept in ${path.relative(out, r.original)}`}`,
    );
  }
  return { logs, lostRuns: [...lost].sort((a, b) => a - b) };
}
