/**
 * Part files: each finished run is written as `<out>/parts/run-<id>.arrows` (its runs row, time
 * series and liquidation log as three concatenated Arrow IPC streams), first to a hidden temp
 * file, then renamed — so a part is visible only once complete, and a killed run leaves nothing
 * half-written behind.
 *
 * @module
 */

import {
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  rename,
  renameSync,
  rmSync,
  writeFile,
  writeSync,
} from "node:fs";
import path from "node:path";

/** Name of the part directory inside an output directory. */
export const PARTS_DIR = "parts";

const PART_RE = /^run-(\d+)(?:\.([0-9a-f]{1,64}))?\.arrows$/;

/** `(42, "9f…")` → `run-000042.9f….arrows` (the key fingerprints the part's schemas). */
export function partFileName(runId: number, schemaKey?: string): string {
  return `run-${String(runId).padStart(6, "0")}${schemaKey === undefined ? "" : `.${schemaKey}`}.arrows`;
}

/** A part file of a run. */
export interface PartRef {
  readonly runId: number;
  /** Absolute path. */
  readonly file: string;
  /** Fingerprint of the part's schemas, from its name (see `EncodedRun.schemaKey`). */
  readonly schemaKey?: string;
}

/**
 * Writes `bytes` to `file` atomically: a temp file beside it, then a rename.
 * With `durable`, the temp file is fsynced first (survives a power cut, not just a kill).
 */
export function writeFileAtomic(file: string, bytes: Uint8Array, durable = false): void {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
  const fd = openSync(tmp, "w");
  try {
    let at = 0;
    while (at < bytes.byteLength) at += writeSync(fd, bytes, at, bytes.byteLength - at);
    if (durable) fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, file);
}

/**
 * Writes the part of run `runId` into `partsDir` atomically (temp file, then rename), without
 * blocking the thread: the file system's latency (which grows when the disk is busy writing
 * back) overlaps the simulation instead of stalling the main thread.
 */
export function writePart(
  partsDir: string,
  runId: number,
  bytes: Uint8Array,
  schemaKey?: string,
): Promise<void> {
  const file = path.join(partsDir, partFileName(runId, schemaKey));
  const tmp = path.join(partsDir, `.${path.basename(file)}.${process.pid}.tmp`);
  return new Promise((resolve, reject) => {
    writeFile(tmp, bytes, (e) => {
      if (e) reject(e);
      else rename(tmp, file, (e2) => (e2 ? reject(e2) : resolve()));
    });
  });
}

/** The complete parts in `partsDir`, by run id ascending (none when the directory is missing). */
export function listParts(partsDir: string): PartRef[] {
  if (!existsSync(partsDir)) return [];
  const out: PartRef[] = [];
  for (const name of readdirSync(partsDir)) {
    const m = PART_RE.exec(name);
    if (m) out.push({ runId: Number(m[1]), file: path.resolve(partsDir, name), schemaKey: m[2] });
  }
  return out.sort((a, b) => a.runId - b.runId);
}

/** Removes temp files left by a killed writer in `dir`. */
export function removeTempFiles(dir: string): number {
  if (!existsSync(dir)) return 0;
  let n = 0;
  for (const name of readdirSync(dir)) {
    if (name.startsWith(".") && name.endsWith(".tmp")) {
      rmSync(path.join(dir, name), { force: true });
      n++;
    }
  }
  return n;
}

/** Creates `dir` and its `parts/` subdirectory. */
export function ensureOutDir(dir: string): string {
  const parts = path.join(dir, PARTS_DIR);
  mkdirSync(parts, { recursive: true });
  return parts;
}
