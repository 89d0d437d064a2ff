/**
 * The output directory's plumbing: its `parts/` subdirectory (where the part logs go, see
 * `part-log.ts`) and atomic whole-file writes (a temp file beside the target, then a rename) for
 * the manifest and the assembled Arrow files, so a reader never sees half a file.
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
  renameSync,
  rmSync,
  writeSync,
} from "node:fs";
import path from "node:path";

/** Name of the part directory inside an output directory. */
export const PARTS_DIR = "parts";

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

/** Creates `dir` and its `parts/` subdirectory; returns the latter. */
export function ensureOutDir(dir: string): string {
  const parts = path.join(dir, PARTS_DIR);
  mkdirSync(parts, { recursive: true });
  return parts;
}
