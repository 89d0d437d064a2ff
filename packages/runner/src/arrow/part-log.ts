/**
 * Part logs: where finished runs go the moment they finish. Each session of a sweep (a `run`, a
 * `--resume`, a shard) appends its runs to one new file `<out>/parts/<name>.partlog`, one record
 * per run, in the order the runs finish. A record (format 2) is:
 *
 * ```
 * offset  size  field
 *  0      4     magic "CPRT"
 *  4      2     format version (2)
 *  6      2     header length in bytes (56)
 *  8      4     run id
 * 12      4     payload length in bytes
 * 16     16     schema key (16 lowercase hex digits, see EncodedRun.schemaKey)
 * 32     16     configuration key: the first 16 hex digits of the sweep's configuration hash
 * 48      4     record checksum: FNV-1a over the 32-bit little-endian words of bytes 4..48 and
 *               of the payload with its padding
 * 52      4     header checksum: FNV-1a over the words of bytes 0..52
 * 56      …     payload: the run's runs row, time series and liquidation log (and trades, when recorded) as three (four) Arrow IPC streams
 *         …     zero padding to a multiple of 8 bytes
 * ```
 *
 * Format 1 records (40-byte header: no configuration key, no header checksum; bytes 36..40 zero,
 * the record checksum at 32 over bytes 4..32 and the payload) are still read.
 *
 * Reading rules: every header field is validated (magic, version, header length, reserved bytes,
 * key digits, header checksum); a header that fails is an error naming the file, the run (when its
 * id is readable) and the byte offset — never a reason to drop the records after it. Only a
 * record that runs past the end of the file behind an intact header, or a partial header at the
 * end, is a torn tail (a session killed mid-write): it is skipped and reported, and its run is run
 * again on `--resume`. A payload is checked against the record checksum when it is read.
 * {@link repairPartLogs} keeps every intact record of a damaged log and cuts the rest.
 *
 * One append-only file per session instead of one file per run: records are group-committed
 * (what arrives within {@link FLUSH_DELAY_MS} goes out in one `writev`), so a run costs no file
 * creation, rename or directory update — which on ext4 cost the file system's threads more CPU
 * than the simulation can spare on a small machine — and the main thread is woken for a write's
 * completion a few times a second instead of once per run. Each group commit is followed by an
 * `fdatasync` before its runs count as done, so a power cut leaves at most a torn tail, not zeros
 * in the middle of the log.
 *
 * @module
 */

import {
  closeSync,
  existsSync,
  fdatasync,
  fsyncSync,
  linkSync,
  openSync,
  readdirSync,
  readSync,
  renameSync,
  statSync,
  truncateSync,
  writeSync,
  writev,
} from "node:fs";
import path from "node:path";
import { encodeRun, type RunBatches } from "./encode.ts";

/** Extension of part log files. */
export const PART_LOG_EXT = ".partlog";
/** Bytes of a record's header (the payload starts 8-aligned after it). */
export const RECORD_HEADER_BYTES = 56;
/** The part-log format written (see the module's layout); format 1 is still read. */
export const PART_LOG_FORMAT = 2;

const MAGIC = 0x54525043; // "CPRT" little-endian
const VERSION = PART_LOG_FORMAT;
const V1_HEADER_BYTES = 40;
const KEY_BYTES = 16;
const HEX16 = /^[0-9a-f]{16}$/;
const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/** A run's record in a part log. */
export interface PartRef {
  readonly runId: number;
  /** Absolute path of the part log holding it. */
  readonly file: string;
  /** Byte offset of the payload in `file`. */
  readonly offset: number;
  /** Payload length, bytes. */
  readonly length: number;
  /** Fingerprint of the payload's schemas: records with equal keys have equal schemas. */
  readonly schemaKey: string;
  /** Checksum the payload must match (see the module's layout). */
  readonly checksum: number;
  /**
   * The first 16 hex digits of the configuration hash of the sweep the run belongs to (`null`:
   * a format-1 record, which carries none).
   */
  readonly configKey: string | null;
  /** Byte offset of the record (its header) in `file`. */
  readonly recordOffset: number;
  /** Format version of the record (1 or 2). */
  readonly version: number;
}

/** The configuration key records carry for a sweep of configuration hash `configHash`. */
export function configKeyOf(configHash: string): string {
  const key = configHash.slice(0, KEY_BYTES);
  if (!HEX16.test(key))
    throw new Error(`a configuration hash must start with 16 hex digits, got ${configHash}`);
  return key;
}

/** A part log that breaks the format: names the file, the byte offset and the run when known. */
export class PartLogError extends Error {
  constructor(
    /** The part log. */
    readonly file: string,
    /** Byte offset of the record (or of what stands where a record should). */
    readonly offset: number,
    /** The run id of the record when its header gives one, else `null`. */
    readonly runId: number | null,
    /** What is wrong. */
    readonly reason: string,
  ) {
    super(
      `part log ${file}: ${runId === null ? "" : `the record of run ${runId} `}at byte ${offset}: ${reason} (run \`cascade repair ${path.dirname(path.dirname(file))}\` to keep every intact record, then --resume to re-run the lost ones)`,
    );
    this.name = "PartLogError";
  }
}

/** Appended records wait at most this long for company before they are written. */
export const FLUSH_DELAY_MS = 50;
/** Queued bytes that are written at once, without waiting. */
const FLUSH_BYTES = 8 << 20;

/** FNV-1a over the 32-bit words of `bytes[from, to)` (`from`, `to` and the view 4-aligned). */
function fnv1a(h: number, bytes: Uint8Array, from: number, to: number): number {
  const words = new Int32Array(bytes.buffer, bytes.byteOffset + from, (to - from) >> 2);
  for (let i = 0; i < words.length; i++) h = Math.imul(h ^ words[i]!, FNV_PRIME);
  return h >>> 0;
}

/**
 * The checksum of a whole record: its header's bytes 4..48 (format 1: 4..32), then the payload
 * with its padding.
 */
function checksum(record: Uint8Array, version = VERSION): number {
  const [covered, header] = version === 1 ? [32, V1_HEADER_BYTES] : [48, RECORD_HEADER_BYTES];
  return fnv1a(fnv1a(FNV_OFFSET, record, 4, covered), record, header, record.byteLength);
}

/** The checksum of a format-2 header: its bytes 0..52. */
function headerChecksum(header: Uint8Array): number {
  return fnv1a(FNV_OFFSET, header, 0, 52);
}

/**
 * Bytes a record of a `payloadLength`-byte payload takes, padding included (exact for any
 * length up to 2^32, no 32-bit overflow).
 */
export function recordBytes(payloadLength: number, headerBytes = RECORD_HEADER_BYTES): number {
  return headerBytes + Math.ceil(payloadLength / 8) * 8;
}

/**
 * Seals a record in place: `record` holds {@link RECORD_HEADER_BYTES} free bytes, the payload
 * (`payloadLength` bytes) and the padding; the header is written in front of the payload.
 * `configKey` is {@link configKeyOf} the sweep's configuration hash.
 * @throws when a key is not 16 hex digits or the sizes do not fit.
 */
export function sealRecord(
  record: Uint8Array,
  runId: number,
  payloadLength: number,
  schemaKey: string,
  configKey: string,
): Uint8Array {
  if (!HEX16.test(schemaKey)) throw new Error(`schema key must be 16 hex digits, got ${schemaKey}`);
  if (!HEX16.test(configKey)) throw new Error(`configuration key must be 16 hex digits, got ${configKey}`);
  if (!(Number.isSafeInteger(runId) && runId >= 0 && runId <= 0xffffffff))
    throw new Error(`run id ${runId} does not fit a part record`);
  if (payloadLength > 0xffffffff || record.byteLength !== recordBytes(payloadLength))
    throw new Error(
      `a part record of a ${payloadLength}-byte payload takes ${recordBytes(payloadLength)} bytes, got ${record.byteLength}`,
    );
  const view = new DataView(record.buffer, record.byteOffset, RECORD_HEADER_BYTES);
  view.setUint32(0, MAGIC, true);
  view.setUint16(4, VERSION, true);
  view.setUint16(6, RECORD_HEADER_BYTES, true);
  view.setUint32(8, runId, true);
  view.setUint32(12, payloadLength, true);
  for (let i = 0; i < KEY_BYTES; i++) record[16 + i] = schemaKey.charCodeAt(i);
  for (let i = 0; i < KEY_BYTES; i++) record[32 + i] = configKey.charCodeAt(i);
  record.fill(0, RECORD_HEADER_BYTES + payloadLength);
  view.setUint32(48, checksum(record), true);
  view.setUint32(52, headerChecksum(record), true);
  return record;
}

/**
 * A run's sealed record, encoded straight into its final buffer (no copy). With `shared` that
 * buffer is a SharedArrayBuffer, which a worker hands to the main thread as it is: see
 * `worker.ts` for why not a transferred buffer.
 */
export function encodeRecord(
  runId: number,
  batches: RunBatches,
  configKey: string,
  shared = false,
): Uint8Array {
  const encoded = encodeRun(batches, { before: RECORD_HEADER_BYTES, align: 8, shared });
  return sealRecord(encoded.framed!, runId, encoded.bytes.byteLength, encoded.schemaKey, configKey);
}

/** A record holding a copy of an already encoded `payload`. */
export function recordOf(
  runId: number,
  payload: Uint8Array,
  schemaKey: string,
  configKey: string,
): Uint8Array {
  const record = new Uint8Array(recordBytes(payload.byteLength));
  record.set(payload, RECORD_HEADER_BYTES);
  return sealRecord(record, runId, payload.byteLength, schemaKey, configKey);
}

/**
 * Appends records to a new part log. Appends queue for up to {@link FLUSH_DELAY_MS} (less when
 * many bytes are waiting) and go out together in one asynchronous `writev`, so the thread never
 * blocks on the disk and many finished runs cost one system call.
 */
export class PartLogWriter {
  /** Absolute path of the log. */
  readonly file: string;
  /** `writev` calls made, and their elapsed time summed, ms (it overlaps the caller's work). */
  writes = 0;
  writeMs = 0;
  private readonly fd: number;
  private position = 0;
  private queue: { record: Uint8Array; done: () => void; fail: (e: unknown) => void }[] = [];
  private queued = 0;
  private writing = false;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private failed: unknown;

  private constructor(file: string, fd: number) {
    this.file = file;
    this.fd = fd;
  }

  /**
   * Creates `<partsDir>/<prefix>-<n>.partlog` with the first free `n` (exclusively, so
   * concurrent shards in one directory never share a log), and makes its directory entry durable.
   * @throws when the file cannot be created (the system's error, e.g. EROFS), or after a million
   * names taken.
   */
  static create(partsDir: string, prefix: string): PartLogWriter {
    for (let n = 1; n <= 1_000_000; n++) {
      const file = path.resolve(partsDir, `${prefix}-${String(n).padStart(3, "0")}${PART_LOG_EXT}`);
      let fd: number;
      try {
        fd = openSync(file, "wx");
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
        continue;
      }
      syncDirectory(partsDir);
      return new PartLogWriter(file, fd);
    }
    throw new Error(`${partsDir}: no free part log name ${prefix}-<n>${PART_LOG_EXT}`);
  }

  /** Appends a sealed record; resolves once it is in the file. */
  append(record: Uint8Array): Promise<void> {
    if (this.failed !== undefined) return Promise.reject(this.failed);
    this.queued += record.byteLength;
    return new Promise((done, fail) => {
      this.queue.push({ record, done, fail });
      this.schedule();
    });
  }

  /** Writes what is queued now instead of waiting for company (e.g. when the sweep is over). */
  flush(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    if (!this.writing && this.queue.length > 0) this.write();
  }

  private schedule(): void {
    if (this.writing) return;
    if (this.queued >= FLUSH_BYTES) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), FLUSH_DELAY_MS);
  }

  private write(): void {
    const batch = this.queue;
    this.queue = [];
    this.queued = 0;
    this.writing = true;
    const buffers = batch.map((b) => b.record);
    const total = buffers.reduce((s, b) => s + b.byteLength, 0);
    const t = performance.now();
    const finish = (e: unknown) => {
      this.writing = false;
      this.writes++;
      this.writeMs += performance.now() - t;
      if (e !== null) {
        this.failed ??= e;
        for (const b of [...batch, ...this.queue]) b.fail(e);
        this.queue = [];
        return;
      }
      this.position += total;
      for (const b of batch) b.done();
      if (this.queue.length > 0) this.schedule();
    };
    // writev may write less than asked (a full disk, a signal): write the rest until done.
    const write = (views: Uint8Array[], at: number) => {
      writev(this.fd, views, at, (e, n) => {
        if (e) return finish(e);
        let left = n;
        const rest: Uint8Array[] = [];
        for (const v of views) {
          if (left >= v.byteLength) left -= v.byteLength;
          else {
            rest.push(left > 0 ? v.subarray(left) : v);
            left = 0;
          }
        }
        // Durable before the runs count as done: a power cut then leaves a torn tail at worst.
        if (rest.length === 0) fdatasync(this.fd, (se) => finish(se ?? null));
        else if (n === 0) finish(new Error(`part log ${this.file}: the disk accepted no bytes`));
        else write(rest, at + n);
      });
    };
    write(buffers, this.position);
  }

  /** Closes the file (after the last append resolved). */
  close(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    closeSync(this.fd);
  }
}

/** A torn last record of a part log: a session was killed (or the power cut) while writing it. */
export interface TornTail {
  /** The part log. */
  readonly file: string;
  /** Byte offset where the torn record starts. */
  readonly offset: number;
  /** Bytes from there to the end of the file. */
  readonly bytes: number;
  /** Its run, when the header got written. */
  readonly runId: number | null;
}

/**
 * The runs recorded in the part logs of `partsDir`, by run id ascending (none when the directory
 * is missing). A torn last record of a log is skipped and passed to `onTorn`. When a run is
 * recorded twice, the first log (by name) wins.
 * @throws {@link PartLogError} when a header fails validation anywhere before the end of a log.
 */
export function listParts(partsDir: string, onTorn?: (tail: TornTail) => void): PartRef[] {
  let names: string[];
  try {
    names = readdirSync(partsDir).filter((n) => n.endsWith(PART_LOG_EXT));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw e;
  }
  const byRun = new Map<number, PartRef>();
  for (const name of names.sort()) {
    const scan = scanPartLog(path.resolve(partsDir, name));
    if (scan.torn !== null) onTorn?.(scan.torn);
    for (const ref of scan.records) {
      if (!byRun.has(ref.runId)) byRun.set(ref.runId, ref);
    }
  }
  return [...byRun.values()].sort((a, b) => a.runId - b.runId);
}

/** What {@link scanPartLog} found in one log. */
export interface PartLogScan {
  /** The complete records, in file order. */
  readonly records: PartRef[];
  /** The torn last record, if any. */
  readonly torn: TornTail | null;
}

type Header =
  | { readonly kind: "record"; readonly ref: PartRef; readonly next: number }
  | { readonly kind: "torn"; readonly runId: number | null }
  | { readonly kind: "bad"; readonly runId: number | null; readonly reason: string };

/**
 * Validates the header at `at` of a `size`-byte log. `header` holds the `available` bytes read
 * there (at most {@link RECORD_HEADER_BYTES}).
 */
function parseHeader(file: string, header: Uint8Array, available: number, at: number, size: number): Header {
  const view = new DataView(header.buffer, header.byteOffset, header.byteLength);
  if (available < 8) {
    // A partial header at the end: torn if what is there is the start of a header.
    const magic = new Uint8Array(4);
    new DataView(magic.buffer).setUint32(0, MAGIC, true);
    for (let i = 0; i < Math.min(available, 4); i++) {
      if (header[i] !== magic[i])
        return { kind: "bad", runId: null, reason: "no part record here (bad magic)" };
    }
    return { kind: "torn", runId: null };
  }
  const magic = view.getUint32(0, true);
  if (magic !== MAGIC) {
    return {
      kind: "bad",
      runId: null,
      reason: `no part record here (magic 0x${magic.toString(16).padStart(8, "0")}, expected "CPRT")`,
    };
  }
  const version = view.getUint16(4, true);
  if (version !== 1 && version !== 2) {
    return {
      kind: "bad",
      runId: null,
      reason: `unknown part-log format version ${version} (this runner reads 1 and 2)`,
    };
  }
  const headerBytes = version === 1 ? V1_HEADER_BYTES : RECORD_HEADER_BYTES;
  if (available < headerBytes) return { kind: "torn", runId: null };
  const runId = view.getUint32(8, true);
  if (version === 2) {
    const stored = view.getUint32(52, true);
    if (stored !== headerChecksum(header)) {
      return {
        kind: "bad",
        runId: null,
        reason: `the header fails its checksum (it names run ${runId}, length ${view.getUint32(12, true)}; damaged)`,
      };
    }
    const hl = view.getUint16(6, true);
    if (hl !== RECORD_HEADER_BYTES) {
      return { kind: "bad", runId, reason: `header length ${hl}, expected ${RECORD_HEADER_BYTES}` };
    }
  } else if (view.getUint16(6, true) !== 0 || view.getUint32(36, true) !== 0) {
    return { kind: "bad", runId, reason: "reserved header bytes are not zero (damaged)" };
  }
  const schemaKey = String.fromCharCode(...header.subarray(16, 16 + KEY_BYTES));
  if (!HEX16.test(schemaKey)) {
    return { kind: "bad", runId, reason: `schema key ${JSON.stringify(schemaKey)} is not 16 hex digits` };
  }
  let configKey: string | null = null;
  if (version === 2) {
    configKey = String.fromCharCode(...header.subarray(32, 32 + KEY_BYTES));
    if (!HEX16.test(configKey)) {
      return {
        kind: "bad",
        runId,
        reason: `configuration key ${JSON.stringify(configKey)} is not 16 hex digits`,
      };
    }
  }
  const length = view.getUint32(12, true);
  const next = at + recordBytes(length, headerBytes);
  if (next > size) return { kind: "torn", runId };
  return {
    kind: "record",
    next,
    ref: {
      runId,
      file,
      offset: at + headerBytes,
      length,
      schemaKey,
      checksum: view.getUint32(version === 1 ? 32 : 48, true),
      configKey,
      recordOffset: at,
      version,
    },
  };
}

/**
 * The complete records of one part log, in file order (reads and validates headers only; payloads
 * are checked when read), and its torn tail if any.
 * @throws {@link PartLogError} when a header before the end fails validation.
 */
export function scanPartLog(file: string): PartLogScan {
  const size = statSync(file).size;
  const fd = openSync(file, "r");
  const header = new Uint8Array(RECORD_HEADER_BYTES);
  const records: PartRef[] = [];
  try {
    let at = 0;
    while (at < size) {
      const available = readUpTo(fd, header, at, size);
      const h = parseHeader(file, header, available, at, size);
      if (h.kind === "bad") throw new PartLogError(file, at, h.runId, h.reason);
      if (h.kind === "torn") return { records, torn: { file, offset: at, bytes: size - at, runId: h.runId } };
      records.push(h.ref);
      at = h.next;
    }
  } finally {
    closeSync(fd);
  }
  return { records, torn: null };
}

/** Reads up to a header's bytes at `at` (fewer at the end of the file); returns how many. */
function readUpTo(fd: number, into: Uint8Array, at: number, size: number): number {
  const n = Math.min(into.byteLength, size - at);
  into.fill(0);
  readFully(fd, into.subarray(0, n), at);
  return n;
}

function readFully(fd: number, into: Uint8Array, position: number): void {
  let got = 0;
  while (got < into.byteLength) {
    const n = readSync(fd, into, got, into.byteLength - got, position + got);
    if (n === 0) throw new Error(`unexpected end of file at byte ${position + got}`);
    got += n;
  }
}

/** Makes a directory's entries (a new or renamed file) durable. Best effort where unsupported. */
export function syncDirectory(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, "r");
    fsyncSync(fd);
  } catch {
    // Some file systems refuse fsync on a directory; the data's own fsync still holds.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/**
 * Reads part records' payloads, keeping each log open across reads and reading into one reused
 * buffer (fresh megabytes per part would cost a page fault per 4 KiB). Close it when done.
 */
export class PartReader {
  private readonly fds = new Map<string, number>();
  private buffer = new Uint8Array(1 << 16);

  /**
   * The payload of `ref`, at an 8-aligned offset (so its Arrow buffers can be viewed in place).
   * The view is valid until the next `read`: consume it (decode, copy) first.
   * @throws {@link PartLogError} when the record fails its checksum.
   */
  read(ref: PartRef): Uint8Array {
    const record = this.record(ref);
    if (checksum(record, ref.version) !== ref.checksum) {
      throw new PartLogError(
        ref.file,
        ref.recordOffset,
        ref.runId,
        "the record fails its checksum (damaged)",
      );
    }
    return record.subarray(ref.offset - ref.recordOffset, ref.offset - ref.recordOffset + ref.length);
  }

  /** Whether `ref`'s record (header, payload, padding) matches its checksum. */
  intact(ref: PartRef): boolean {
    return checksum(this.record(ref), ref.version) === ref.checksum;
  }

  /** The whole record of `ref` in the reused buffer (the checksum covers header and padding). */
  private record(ref: PartRef): Uint8Array {
    let fd = this.fds.get(ref.file);
    if (fd === undefined) {
      fd = openSync(ref.file, "r");
      this.fds.set(ref.file, fd);
    }
    const size = recordBytes(ref.length, ref.offset - ref.recordOffset);
    if (this.buffer.byteLength < size)
      this.buffer = new Uint8Array(Math.max(size, 2 * this.buffer.byteLength));
    const record = this.buffer.subarray(0, size);
    readFully(fd, record, ref.recordOffset);
    return record;
  }

  /** Closes the logs. */
  close(): void {
    for (const fd of this.fds.values()) closeSync(fd);
    this.fds.clear();
  }
}

/** What {@link repairPartLogs} did to one log. */
export interface RepairedLog {
  /** The part log (repaired in place). */
  readonly file: string;
  /** Intact records kept. */
  readonly kept: number;
  /** What was cut: damaged records, unreadable bytes, a torn tail. */
  readonly removed: readonly {
    readonly offset: number;
    readonly bytes: number;
    readonly runId: number | null;
    readonly reason: string;
  }[];
  /** Where the log's original bytes were kept (a hard link), `null` when only a torn tail was cut. */
  readonly original: string | null;
}

/**
 * Repairs the part logs of `partsDir`: keeps every record whose header and record checksum hold
 * (also those after a damaged one: the scan resynchronizes on the next intact record), cuts
 * damaged records, unreadable bytes and a torn tail. A log with only a torn tail is truncated;
 * any other damaged log is rewritten (fsynced, then renamed over the original) and its original
 * bytes are kept beside it as `<name>.partlog.damaged` (which no reader opens). The runs of the
 * cut records are missing afterwards: `--resume` runs them again.
 * Only the logs whose names start with `prefix` are touched (a shard repairs its own logs).
 * @returns the logs that needed repair.
 */
export function repairPartLogs(partsDir: string, prefix = ""): RepairedLog[] {
  let names: string[];
  try {
    names = readdirSync(partsDir).filter((n) => n.endsWith(PART_LOG_EXT) && n.startsWith(prefix));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw e;
  }
  const out: RepairedLog[] = [];
  for (const name of names.sort()) {
    const r = repairLog(path.resolve(partsDir, name));
    if (r !== null) out.push(r);
  }
  return out;
}

function repairLog(file: string): RepairedLog | null {
  const size = statSync(file).size;
  const fd = openSync(file, "r");
  const reader = new PartReader();
  const header = new Uint8Array(RECORD_HEADER_BYTES);
  const kept: PartRef[] = [];
  const removed: { offset: number; bytes: number; runId: number | null; reason: string }[] = [];
  let tailOnly = true;
  try {
    const at8 = (at: number): Header => parseHeader(file, header, readUpTo(fd, header, at, size), at, size);
    let at = 0;
    while (at < size) {
      const h = at8(at);
      if (h.kind === "record" && reader.intact(h.ref)) {
        kept.push(h.ref);
        at = h.next;
        continue;
      }
      if (h.kind === "torn") {
        removed.push({ offset: at, bytes: size - at, runId: h.runId, reason: "torn tail" });
        break;
      }
      tailOnly = false;
      // A damaged record: skip it whole when its header holds, else look for the next intact record.
      let next: number;
      if (h.kind === "record" && h.ref.version === 2) next = h.next;
      else next = findNextRecord(fd, file, reader, at + 8, size);
      removed.push({
        offset: at,
        bytes: next - at,
        runId: h.kind === "record" ? h.ref.runId : h.runId,
        reason: h.kind === "record" ? "the record fails its checksum" : h.reason,
      });
      at = next;
    }
  } finally {
    reader.close();
    closeSync(fd);
  }
  if (removed.length === 0) return null;
  if (tailOnly) {
    truncateSync(file, removed[0]!.offset);
    return { file, kept: kept.length, removed, original: null };
  }
  // Rewrite the intact records into a temp file, make it durable, keep the original bytes, swap.
  const dir = path.dirname(file);
  const tmp = path.join(dir, `.${path.basename(file)}.repair.tmp`);
  const src = openSync(file, "r");
  const dst = openSync(tmp, "w");
  try {
    let buf = new Uint8Array(1 << 16);
    let pos = 0;
    for (const ref of kept) {
      const n = ref.offset - ref.recordOffset + Math.ceil(ref.length / 8) * 8;
      if (buf.byteLength < n) buf = new Uint8Array(n);
      const view = buf.subarray(0, n);
      readFully(src, view, ref.recordOffset);
      let w = 0;
      while (w < n) w += writeSync(dst, view, w, n - w, pos + w);
      pos += n;
    }
    fsyncSync(dst);
  } finally {
    closeSync(src);
    closeSync(dst);
  }
  let original = `${file}.damaged`;
  for (let i = 2; existsSync(original); i++) original = `${file}.damaged-${i}`;
  linkSync(file, original);
  renameSync(tmp, file);
  syncDirectory(dir);
  return { file, kept: kept.length, removed, original };
}

/**
 * The offset of the next record at or after `from` (8-aligned: every record starts so) whose
 * header holds and whose record checksum holds, or that is a torn tail behind an intact header;
 * `size` when there is none.
 */
function findNextRecord(fd: number, file: string, reader: PartReader, from: number, size: number): number {
  const chunk = new Uint8Array(1 << 20);
  const header = new Uint8Array(RECORD_HEADER_BYTES);
  for (let base = from; base < size; base += chunk.byteLength - 8) {
    const n = Math.min(chunk.byteLength, size - base);
    readFully(fd, chunk.subarray(0, n), base);
    const view = new DataView(chunk.buffer, 0, n);
    for (let i = 0; i + 4 <= n && i < chunk.byteLength - 8; i += 8) {
      if (view.getUint32(i, true) !== MAGIC) continue;
      const at = base + i;
      const h = parseHeader(file, header, readUpTo(fd, header, at, size), at, size);
      if (h.kind === "record" && reader.intact(h.ref)) return at;
      if (h.kind === "torn" && h.runId !== null) return at;
    }
  }
  return size;
}
