/**
 * The output directory's plumbing: its `parts/` subdirectory (where the part logs go, see
 * `part-log.ts`) and atomic whole-file writes (a temp file beside the target, then a rename) for
 * the manifest and the assembled Arrow files, so a reader never sees half a file; directory
 * creation that reports the system's reason (read-only, permission) instead of looping or saying
 * ENOENT; and the lock files that keep two processes from running the same runs in one directory.
 *
 * @module
 */

import { randomUUID } from "node:crypto";
import {
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  utimesSync,
  writeSync,
} from "node:fs";
import os from "node:os";
import path from "node:path";
import { ConfigError } from "@cascade/core";

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

/**
 * Removes the temp files a killed writer of this session's own files left in `dir`: those named
 * `.<prefix>….tmp` for one of `prefixes` (another shard's temp files in a shared directory stay).
 */
export function removeTempFiles(dir: string, prefixes: readonly string[]): number {
  if (!existsSync(dir)) return 0;
  let n = 0;
  for (const name of readdirSync(dir)) {
    if (name.endsWith(".tmp") && prefixes.some((p) => name.startsWith(`.${p}`))) {
      rmSync(path.join(dir, name), { force: true });
      n++;
    }
  }
  return n;
}

const REASONS: Record<string, string> = {
  EROFS: "read-only file system (EROFS)",
  EACCES: "permission denied (EACCES)",
  EPERM: "operation not permitted (EPERM)",
  ENOTDIR: "a component of the path is not a directory (ENOTDIR)",
  ENOSPC: "no space left on the device (ENOSPC)",
  EDQUOT: "disk quota exceeded (EDQUOT)",
  ENAMETOOLONG: "name too long (ENAMETOOLONG)",
  ENOENT: "the file system does not allow creating it (ENOENT)",
};

/** The system's reason for a failed file operation, in words. */
export function describeFsError(e: unknown): string {
  const code = (e as NodeJS.ErrnoException)?.code;
  return (code !== undefined && REASONS[code]) || (e instanceof Error ? e.message : String(e));
}

/**
 * Creates `dir` and its missing parents one level at a time (Node's recursive `mkdir` loops
 * forever under `/proc` and reports a read-only mount as ENOENT).
 * @throws {@link @cascade/core!ConfigError} (`field` = `dir`) with the system's reason.
 */
export function makeDirs(dir: string, field = "--out"): void {
  const missing: string[] = [];
  for (let d = path.resolve(dir); !existsSync(d); ) {
    missing.push(d);
    const up = path.dirname(d);
    if (up === d) break;
    d = up;
  }
  for (const d of missing.reverse()) {
    try {
      mkdirSync(d);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "EEXIST") continue;
      throw new ConfigError(field, dir, `cannot create ${d}: ${describeFsError(e)}`);
    }
  }
}

/** Creates `dir` and its `parts/` subdirectory; returns the latter. */
export function ensureOutDir(dir: string, field = "--out"): string {
  const parts = path.join(dir, PARTS_DIR);
  makeDirs(dir, field);
  makeDirs(parts, field);
  return parts;
}

/** What a lock file holds. */
interface LockInfo {
  readonly pid: number;
  readonly host: string;
  readonly startedAt: string;
  readonly what: string;
  /** This process's token: tells it apart from an earlier process that had the same pid and host. */
  readonly token?: string;
}

/**
 * One token per process. In a container a restarted process has the same host name and often the
 * same pid (1) as the one that was killed: without the token its own leftover lock looked alive.
 */
const PROCESS_TOKEN = randomUUID();

/**
 * A lock holder touches its lock file this often (its modification time is the heartbeat), so a
 * lock of another host can be judged stale without reaching that host.
 */
export const LOCK_HEARTBEAT_MS = 30_000;
/**
 * A lock of another host whose heartbeat is older than this is stale (its process was killed with
 * no chance to clean up: SIGKILL, out of memory, a lost node, a rescheduled Kubernetes pod).
 * Generous against clock skew between hosts and a busy file server.
 */
export const LOCK_STALE_MS = 10 * 60_000;

/** Lock files this process holds, removed on SIGTERM, SIGINT and SIGHUP before the signal ends it. */
const held = new Set<string>();
const RELEASE_SIGNALS = ["SIGTERM", "SIGINT", "SIGHUP"] as const;

/** Listens to the release signals while this process holds a lock, and only then. */
function listen(on: boolean): void {
  for (const s of RELEASE_SIGNALS) {
    process.removeListener(s, releaseHeldOnSignal);
    if (on) process.on(s, releaseHeldOnSignal);
  }
}

function releaseHeldOnSignal(signal: NodeJS.Signals): void {
  for (const file of held) rmSync(file, { force: true });
  held.clear();
  listen(false);
  // Let the signal end the process as it would have (the exit status still says which one),
  // unless another listener handles it: that one has already received this signal.
  if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
}

/** The lock file of session `name` in `dir`. */
function lockFile(dir: string, name: string): string {
  return path.join(dir, `.${name}.lock`);
}

function readLock(file: string): LockInfo | null {
  try {
    return JSON.parse(readFileSync(file, "utf8")) as LockInfo;
  } catch {
    return null;
  }
}

/**
 * Whether the process holding `lock` (file `file`) may still run. On this host: its pid exists and
 * is not this process under another token. On another host: its heartbeat is recent.
 */
function holderAlive(lock: LockInfo | null, file: string): boolean {
  if (lock === null || typeof lock.pid !== "number") return true; // being written, or unknown
  if (lock.host !== os.hostname()) {
    try {
      return Date.now() - statSync(file).mtimeMs < LOCK_STALE_MS;
    } catch {
      return false; // gone meanwhile
    }
  }
  if (lock.pid === process.pid) return lock.token === undefined || lock.token === PROCESS_TOKEN;
  try {
    process.kill(lock.pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** The live locks of `dir` (stale ones of this host, whose process is gone, are not listed). */
export function liveLocks(dir: string): { name: string; lock: LockInfo | null }[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((n) => n.startsWith(".") && n.endsWith(".lock"))
    .map((n) => ({
      name: n.slice(1, -".lock".length),
      lock: readLock(path.join(dir, n)),
      file: path.join(dir, n),
    }))
    .filter((l) => holderAlive(l.lock, l.file))
    .map(({ name, lock }) => ({ name, lock }));
}

/**
 * Refuses a directory in which a live process holds a lock (a run, shard, repair or merge still
 * writing there).
 * @throws {@link @cascade/core!ConfigError} (`field` = `dir`) naming the holder and its lock file.
 */
export function refuseLocked(dir: string, field: string): void {
  const held = liveLocks(dir)[0];
  if (held !== undefined) throw new ConfigError(field, dir, describeLock(dir, held.name, held.lock));
}

function describeLock(dir: string, name: string, lock: LockInfo | null): string {
  const who =
    lock === null
      ? "another process"
      : `${lock.what} (pid ${lock.pid} on ${lock.host}, since ${lock.startedAt})`;
  return `is in use by ${who}; lock file ${lockFile(dir, name)}: wait for it to finish, or remove the lock file if that process is gone`;
}

/**
 * Takes the lock of session `name` (e.g. `manifest.json`, `shard-0-of-4.json`) in `dir`: a lock
 * file created exclusively, holding this process's pid, host and token. A lock left by a dead
 * process is taken over: on this host when its pid is gone or is this process's under another
 * token (a restarted container), on another host when its heartbeat (the file's modification time,
 * touched every {@link LOCK_HEARTBEAT_MS}) is older than {@link LOCK_STALE_MS}. SIGTERM, SIGINT and
 * SIGHUP remove the locks this process holds before the signal ends it (Kubernetes stops a pod with
 * SIGTERM). `conflicts` names other sessions whose live locks also forbid
 * running (e.g. any other session for an unsharded run).
 * @returns a function releasing the lock.
 * @throws {@link @cascade/core!ConfigError} when another live process holds a conflicting lock, or
 * the lock file cannot be created (read-only, permission).
 */
export function acquireLock(
  dir: string,
  name: string,
  what: string,
  conflicts: (other: string) => boolean = () => false,
  field = "--out",
): () => void {
  const file = lockFile(dir, name);
  const info: LockInfo = {
    pid: process.pid,
    host: os.hostname(),
    startedAt: new Date().toISOString(),
    what,
    token: PROCESS_TOKEN,
  };
  for (let attempt = 0; ; attempt++) {
    let fd: number;
    try {
      fd = openSync(file, "wx");
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") {
        throw new ConfigError(field, dir, `cannot write there: ${describeFsError(e)}`);
      }
      const held = readLock(file);
      if (attempt === 0 && !holderAlive(held, file)) {
        rmSync(file, { force: true }); // stale: its process is gone
        continue;
      }
      throw new ConfigError(field, dir, describeLock(dir, name, held));
    }
    try {
      writeSync(fd, `${JSON.stringify(info)}\n`);
    } finally {
      closeSync(fd);
    }
    break;
  }
  if (held.size === 0) listen(true);
  held.add(file);
  const heartbeat = setInterval(() => {
    try {
      const now = new Date();
      utimesSync(file, now, now);
    } catch {
      // The file went (removed by hand): nothing to keep alive.
    }
  }, LOCK_HEARTBEAT_MS);
  heartbeat.unref();
  const release = () => {
    clearInterval(heartbeat);
    if (held.delete(file) && held.size === 0) listen(false);
    rmSync(file, { force: true });
  };
  for (const other of liveLocks(dir)) {
    if (other.name !== name && conflicts(other.name)) {
      release();
      throw new ConfigError(field, dir, describeLock(dir, other.name, other.lock));
    }
  }
  return release;
}
