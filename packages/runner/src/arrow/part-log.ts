/**
 * Part logs: where finished runs go the moment they finish. Each session of a sweep (a `run`, a
 * `--resume`, a shard) appends its runs to one new file `<out>/parts/<name>.partlog`, one record
 * per run, in the order the runs finish:
 *
 * ```
 * offset  size  field
 *  0      4     magic "CPRT"
 *  4      2     format version (1)
 *  6      2     reserved (0)
 *  8      4     run id
 * 12      4     payload length in bytes
 * 16     16     schema key (16 ASCII hex digits, see EncodedRun.schemaKey)
 * 32      4     checksum: FNV-1a over the 32-bit little-endian words of bytes 4..32 and
 *               of the payload with its padding
 * 36      4     reserved (0)
 * 40      …     payload: the run's runs row, time series and liquidation log as three Arrow IPC streams
 *         …     zero padding to a multiple of 8 bytes
 * ```
 *
 * One append-only file per session instead of one file per run: records are group-committed
 * (what arrives within {@link FLUSH_DELAY_MS} goes out in one `writev`), so a run costs no file
 * creation, rename or directory update — which on ext4 cost the file system's threads more CPU
 * than the simulation can spare on a small machine — and the main thread is woken for a write's
 * completion a few times a second instead of once per run. A session killed mid-write leaves at most a torn last record, which readers
 * ignore (its run is simply run again on `--resume`); the checksum catches any other damage.
 *
 * @module
 */

import { closeSync, openSync, readdirSync, readSync, statSync, writev } from "node:fs";
import path from "node:path";
import { encodeRun, type RunBatches } from "./encode.ts";

/** Extension of part log files. */
export const PART_LOG_EXT = ".partlog";
/** Bytes of a record's header (the payload starts 8-aligned after it). */
export const RECORD_HEADER_BYTES = 40;

const MAGIC = 0x54525043; // "CPRT" little-endian
const VERSION = 1;
const KEY_BYTES = 16;
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

/** The checksum of a whole record: its header's bytes 4..32, then the payload with its padding. */
function checksum(record: Uint8Array): number {
  return fnv1a(fnv1a(FNV_OFFSET, record, 4, 32), record, RECORD_HEADER_BYTES, record.byteLength);
}

/** Bytes a record of a `payloadLength`-byte payload takes, padding included. */
export function recordBytes(payloadLength: number): number {
  return (RECORD_HEADER_BYTES + payloadLength + 7) & ~7;
}

/**
 * Seals a record in place: `record` holds {@link RECORD_HEADER_BYTES} free bytes, the payload
 * (`payloadLength` bytes) and the padding; the header is written in front of the payload.
 * @throws when the key is not 16 hex digits or the sizes do not fit.
 */
export function sealRecord(
  record: Uint8Array,
  runId: number,
  payloadLength: number,
  schemaKey: string,
): Uint8Array {
  if (!/^[0-9a-f]{16}$/.test(schemaKey))
    throw new Error(`schema key must be 16 hex digits, got ${schemaKey}`);
  if (!(Number.isSafeInteger(runId) && runId >= 0 && runId <= 0xffffffff))
    throw new Error(`run id ${runId} does not fit a part record`);
  if (payloadLength > 0xffffffff || record.byteLength !== recordBytes(payloadLength))
    throw new Error(
      `a part record of a ${payloadLength}-byte payload takes ${recordBytes(payloadLength)} bytes, got ${record.byteLength}`,
    );
  const view = new DataView(record.buffer, record.byteOffset, RECORD_HEADER_BYTES);
  view.setUint32(0, MAGIC, true);
  view.setUint16(4, VERSION, true);
  view.setUint16(6, 0, true);
  view.setUint32(8, runId, true);
  view.setUint32(12, payloadLength, true);
  for (let i = 0; i < KEY_BYTES; i++) record[16 + i] = schemaKey.charCodeAt(i);
  view.setUint32(36, 0, true);
  record.fill(0, RECORD_HEADER_BYTES + payloadLength);
  view.setUint32(32, checksum(record), true);
  return record;
}

/**
 * A run's sealed record, encoded straight into its final buffer (no copy). With `shared` that
 * buffer is a SharedArrayBuffer, which a worker hands to the main thread as it is: see
 * `worker.ts` for why not a transferred buffer.
 */
export function encodeRecord(runId: number, batches: RunBatches, shared = false): Uint8Array {
  const encoded = encodeRun(batches, { before: RECORD_HEADER_BYTES, align: 8, shared });
  return sealRecord(encoded.framed!, runId, encoded.bytes.byteLength, encoded.schemaKey);
}

/** A record holding a copy of an already encoded `payload`. */
export function recordOf(runId: number, payload: Uint8Array, schemaKey: string): Uint8Array {
  const record = new Uint8Array(recordBytes(payload.byteLength));
  record.set(payload, RECORD_HEADER_BYTES);
  return sealRecord(record, runId, payload.byteLength, schemaKey);
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
   * concurrent shards in one directory never share a log).
   */
  static create(partsDir: string, prefix: string): PartLogWriter {
    for (let n = 1; ; n++) {
      const file = path.resolve(partsDir, `${prefix}-${String(n).padStart(3, "0")}${PART_LOG_EXT}`);
      try {
        return new PartLogWriter(file, openSync(file, "wx"));
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
      }
    }
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
        if (rest.length === 0) finish(null);
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

/**
 * The runs recorded in the part logs of `partsDir`, by run id ascending (none when the directory
 * is missing). A torn last record of a log (its session was killed while writing it) is skipped.
 * When a run is recorded twice, the first log (by name) wins.
 * @throws when a log holds something other than part records before its end.
 */
export function listParts(partsDir: string): PartRef[] {
  let names: string[];
  try {
    names = readdirSync(partsDir).filter((n) => n.endsWith(PART_LOG_EXT));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw e;
  }
  const byRun = new Map<number, PartRef>();
  for (const name of names.sort()) {
    for (const ref of scanPartLog(path.resolve(partsDir, name))) {
      if (!byRun.has(ref.runId)) byRun.set(ref.runId, ref);
    }
  }
  return [...byRun.values()].sort((a, b) => a.runId - b.runId);
}

/** The complete records of one part log, in file order (reads headers only). */
export function scanPartLog(file: string): PartRef[] {
  const size = statSync(file).size;
  const fd = openSync(file, "r");
  const header = new Uint8Array(RECORD_HEADER_BYTES);
  const view = new DataView(header.buffer);
  const out: PartRef[] = [];
  try {
    let at = 0;
    while (at + RECORD_HEADER_BYTES <= size) {
      readFully(fd, header, at);
      if (view.getUint32(0, true) !== MAGIC || view.getUint16(4, true) !== VERSION) {
        throw new Error(
          `part log ${file}: no part record at byte ${at} of ${size} (damaged? remove the file to run its runs again)`,
        );
      }
      const length = view.getUint32(12, true);
      const next = at + recordBytes(length);
      if (next > size) break; // torn tail
      out.push({
        runId: view.getUint32(8, true),
        file,
        offset: at + RECORD_HEADER_BYTES,
        length,
        schemaKey: String.fromCharCode(...header.subarray(16, 16 + KEY_BYTES)),
        checksum: view.getUint32(32, true),
      });
      at = next;
    }
  } finally {
    closeSync(fd);
  }
  return out;
}

function readFully(fd: number, into: Uint8Array, position: number): void {
  let got = 0;
  while (got < into.byteLength) {
    const n = readSync(fd, into, got, into.byteLength - got, position + got);
    if (n === 0) throw new Error(`unexpected end of file at byte ${position + got}`);
    got += n;
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
   * @throws when the record fails its checksum.
   */
  read(ref: PartRef): Uint8Array {
    let fd = this.fds.get(ref.file);
    if (fd === undefined) {
      fd = openSync(ref.file, "r");
      this.fds.set(ref.file, fd);
    }
    // The whole record in one read (the checksum covers the header and the padding); the payload
    // starts 8-aligned in it, so Arrow's buffers can be viewed in place.
    const size = recordBytes(ref.length);
    if (this.buffer.byteLength < size)
      this.buffer = new Uint8Array(Math.max(size, 2 * this.buffer.byteLength));
    const record = this.buffer.subarray(0, size);
    readFully(fd, record, ref.offset - RECORD_HEADER_BYTES);
    if (checksum(record) !== ref.checksum) {
      throw new Error(
        `part log ${ref.file}: the record of run ${ref.runId} at byte ${ref.offset - RECORD_HEADER_BYTES} fails its checksum (damaged; remove the file to run its runs again)`,
      );
    }
    return record.subarray(RECORD_HEADER_BYTES, RECORD_HEADER_BYTES + ref.length);
  }

  /** Closes the logs. */
  close(): void {
    for (const fd of this.fds.values()) closeSync(fd);
    this.fds.clear();
  }
}
