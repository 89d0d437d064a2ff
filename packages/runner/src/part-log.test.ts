import {
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  truncateSync,
  writeFileSync,
} from "node:fs";
import os from "node:os";
import path from "node:path";
import fc from "fast-check";
import { afterEach, describe, expect, it } from "vitest";
import {
  listParts,
  PartLogError,
  PartLogWriter,
  PartReader,
  RECORD_HEADER_BYTES,
  recordBytes,
  recordOf,
  repairPartLogs,
  sealRecord,
  type TornTail,
} from "./arrow/part-log.ts";

const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(path.join(os.tmpdir(), "cascade-partlog-"));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A payload whose bytes depend on its run id and length. */
function payload(runId: number, length: number): Uint8Array {
  const b = new Uint8Array(length);
  for (let i = 0; i < length; i++) b[i] = (runId * 31 + i * 7) & 0xff;
  return b;
}
const KEY_A = "0123456789abcdef";
const KEY_B = "fedcba9876543210";
const CONFIG = "00112233445566778899aabbccddeeff";

async function writeLog(dir: string, runs: readonly { runId: number; length: number }[], prefix = "run") {
  const log = PartLogWriter.create(dir, prefix);
  // All appended at once, as a burst of finished runs would be: they share writes.
  const appended = runs.map((r) =>
    log.append(recordOf(r.runId, payload(r.runId, r.length), KEY_A, CONFIG.slice(0, 16))),
  );
  log.flush();
  await Promise.all(appended);
  log.close();
  return log.file;
}

function readAll(dir: string): Map<number, Uint8Array> {
  const reader = new PartReader();
  try {
    return new Map(listParts(dir).map((p) => [p.runId, reader.read(p).slice()]));
  } finally {
    reader.close();
  }
}

describe("part logs", () => {
  it("give back every appended record's payload, by run id, whatever order they were written in", async () => {
    const dir = tempDir();
    const runs = [7, 2, 9, 0, 5].map((runId, i) => ({ runId, length: 100 * i + (runId % 3) }));
    const file = await writeLog(dir, runs);
    expect(path.basename(file)).toBe("run-001.partlog");
    expect(statSync(file).size).toBe(runs.reduce((s, r) => s + recordBytes(r.length), 0));
    const parts = listParts(dir);
    expect(parts.map((p) => p.runId)).toEqual([0, 2, 5, 7, 9]);
    expect(parts.every((p) => p.schemaKey === KEY_A && p.offset % 8 === 0)).toBe(true);
    const back = readAll(dir);
    for (const r of runs) expect(back.get(r.runId)).toEqual(payload(r.runId, r.length));
  });

  it("group-commit: records arriving together share one writev, flush() sends what waits at once", async () => {
    const dir = tempDir();
    const log = PartLogWriter.create(dir, "run");
    await Promise.all(
      [1, 2, 3].map((id) => log.append(recordOf(id, payload(id, 50), KEY_A, "aaaaaaaaaaaaaaaa"))),
    );
    expect(log.writes).toBe(1);
    const later = [4, 5].map((id) => log.append(recordOf(id, payload(id, 50), KEY_A, "aaaaaaaaaaaaaaaa")));
    log.flush();
    await Promise.all(later);
    expect(log.writes).toBe(2);
    log.close();
    expect([...readAll(dir).keys()]).toEqual([1, 2, 3, 4, 5]);
  });

  it("are one new file per session, and a run recorded in two logs is read from the first", async () => {
    const dir = tempDir();
    await writeLog(dir, [{ runId: 1, length: 10 }]);
    const log = PartLogWriter.create(dir, "run");
    await log.append(recordOf(1, payload(99, 10), KEY_B, "aaaaaaaaaaaaaaaa"));
    await log.append(recordOf(2, payload(2, 10), KEY_B, "aaaaaaaaaaaaaaaa"));
    log.close();
    expect(readdirSync(dir).sort()).toEqual(["run-001.partlog", "run-002.partlog"]);
    const parts = listParts(dir);
    expect(parts.map((p) => [p.runId, path.basename(p.file)])).toEqual([
      [1, "run-001.partlog"],
      [2, "run-002.partlog"],
    ]);
    expect(readAll(dir).get(1)).toEqual(payload(1, 10));
  });

  it("skip a torn last record (a session killed mid-write) and keep every complete one", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.nat({ max: 300 }), { minLength: 1, maxLength: 8 }),
        fc.nat(),
        fc.integer({ min: -2 * RECORD_HEADER_BYTES, max: 2 * RECORD_HEADER_BYTES }),
        async (lengths, boundary, delta) => {
          const dir = tempDir();
          const runs = lengths.map((length, runId) => ({ runId, length }));
          const file = await writeLog(dir, runs);
          const size = statSync(file).size;
          // Around a record boundary: torn headers, torn payloads and exact ends all come up.
          const ends = runs.map((_, i) =>
            runs.slice(0, i + 1).reduce((s, r) => s + recordBytes(r.length), 0),
          );
          const cut = Math.max(0, Math.min(size, [0, ...ends][boundary % (ends.length + 1)]! + delta));
          truncateSync(file, cut);
          let end = 0;
          const complete: number[] = [];
          for (const r of runs) {
            end += recordBytes(r.length);
            if (end <= cut) complete.push(r.runId);
          }
          const back = readAll(dir);
          expect([...back.keys()]).toEqual(complete);
          for (const id of complete) expect(back.get(id)).toEqual(payload(id, runs[id]!.length));
        },
      ),
      { numRuns: 60 },
    );
  });

  it("refuse a damaged record with its file, run and byte offset, instead of assembling wrong data", async () => {
    const dir = tempDir();
    const file = await writeLog(dir, [
      { runId: 3, length: 64 },
      { runId: 4, length: 64 },
    ]);
    const bytes = readFileSync(file);
    bytes[recordBytes(64) + RECORD_HEADER_BYTES + 5]! ^= 1; // a payload byte of run 4
    writeFileSync(file, bytes);
    const [ok, bad] = listParts(dir);
    const reader = new PartReader();
    expect(reader.read(ok!)).toEqual(payload(3, 64));
    expect(() => reader.read(bad!)).toThrow(
      new RegExp(
        `run-001\\.partlog: the record of run 4 at byte ${recordBytes(64)}: the record fails its checksum`,
      ),
    );
    reader.close();

    bytes[recordBytes(64)] = 0; // the magic of run 4's header
    writeFileSync(file, bytes);
    expect(() => listParts(dir)).toThrow(new RegExp(`at byte ${recordBytes(64)}: no part record here`));
  });

  it("are sealed only with a 16-hex-digit schema key, a 32-bit run id and the right buffer size", () => {
    const rec = new Uint8Array(recordBytes(5));
    const C = CONFIG.slice(0, 16);
    expect(() => sealRecord(rec, 1, 5, "xyz", C)).toThrow(/schema key must be 16 hex digits, got xyz/);
    expect(() => sealRecord(rec, 1, 5, KEY_A, "nope")).toThrow(/configuration key must be 16 hex digits/);
    expect(() => sealRecord(rec, -1, 5, KEY_A, C)).toThrow(/run id -1/);
    expect(() => sealRecord(rec, 2 ** 32, 5, KEY_A, C)).toThrow(/run id 4294967296/);
    expect(() => sealRecord(rec, 1, 9, KEY_A, C)).toThrow(/takes 72 bytes, got 64/);
    expect(sealRecord(rec, 1, 5, KEY_A, C)).toBe(rec);
  });

  it("list nothing for a missing directory and ignore files that are not part logs", () => {
    const dir = tempDir();
    expect(listParts(path.join(dir, "nope"))).toEqual([]);
    writeFileSync(path.join(dir, "notes.txt"), "hello");
    expect(listParts(dir)).toEqual([]);
  });
});

describe("part-log headers", () => {
  it("carry the sweep's configuration key, read back with every record", async () => {
    const dir = tempDir();
    await writeLog(dir, [{ runId: 0, length: 8 }]);
    expect(listParts(dir).map((p) => [p.configKey, p.version, p.recordOffset])).toEqual([
      [CONFIG.slice(0, 16), 2, 0],
    ]);
  });

  it("size records without 32-bit overflow, however large the length field", () => {
    expect(recordBytes(0xffffffff)).toBe(RECORD_HEADER_BYTES + 0x100000000);
    expect(recordBytes(0x7ffffff9)).toBeGreaterThan(0);
  });

  it("refuse any damaged header byte before the end with file, run-or-offset, never dropping the records after it", async () => {
    const lengths = [24, 40, 16];
    const starts = [0, recordBytes(24), recordBytes(24) + recordBytes(40)];
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 1 }),
        fc.nat({ max: RECORD_HEADER_BYTES * 8 - 1 }),
        async (rec, bit) => {
          const dir = tempDir();
          const file = await writeLog(
            dir,
            lengths.map((length, runId) => ({ runId, length })),
          );
          const bytes = readFileSync(file);
          bytes[starts[rec]! + (bit >> 3)]! ^= 1 << (bit & 7);
          writeFileSync(file, bytes);
          let error: unknown;
          try {
            listParts(dir);
          } catch (e) {
            error = e;
          }
          expect(error).toBeInstanceOf(PartLogError);
          const e = error as PartLogError;
          expect(e.file).toBe(file);
          expect(e.offset).toBe(starts[rec]);
          expect(e.message).toContain(`${file}: `);
          expect(e.message).toContain(`at byte ${starts[rec]}`);
          expect(e.message).toContain("cascade repair");
        },
      ),
      { numRuns: 60 },
    );
  });

  it("name the damage of a length field in the middle (it was once read as a torn tail, dropping every later run)", async () => {
    const dir = tempDir();
    const file = await writeLog(dir, [
      { runId: 0, length: 24 },
      { runId: 1, length: 24 },
      { runId: 2, length: 24 },
    ]);
    const bytes = readFileSync(file);
    bytes.writeUInt32LE(0xfffffff0, recordBytes(24) + 12); // run 1's payload length
    writeFileSync(file, bytes);
    expect(() => listParts(dir)).toThrow(
      new RegExp(
        `run-001\\.partlog: at byte ${recordBytes(24)}: the header fails its checksum \\(it names run 1, length 4294967280`,
      ),
    );
  });

  it("report a torn tail when they skip it", async () => {
    const dir = tempDir();
    const file = await writeLog(dir, [
      { runId: 0, length: 24 },
      { runId: 1, length: 24 },
    ]);
    truncateSync(file, recordBytes(24) + RECORD_HEADER_BYTES + 3);
    const torn: TornTail[] = [];
    expect(listParts(dir, (t) => torn.push(t)).map((p) => p.runId)).toEqual([0]);
    expect(torn).toEqual([{ file, offset: recordBytes(24), bytes: RECORD_HEADER_BYTES + 3, runId: 1 }]);
  });
});

describe("repairing part logs", () => {
  const forty = Array.from({ length: 40 }, (_, runId) => ({ runId, length: 16 + ((runId * 13) % 50) }));
  const start = (i: number) => forty.slice(0, i).reduce((s, r) => s + recordBytes(r.length), 0);

  it("keeps 39 of 40 runs when one payload byte is damaged, and keeps the original bytes aside", async () => {
    const dir = tempDir();
    const file = await writeLog(dir, forty);
    const bytes = readFileSync(file);
    bytes[start(17) + RECORD_HEADER_BYTES + 3]! ^= 0x40;
    writeFileSync(file, bytes);
    const [r, ...more] = repairPartLogs(dir);
    expect(more).toEqual([]);
    expect(r!.kept).toBe(39);
    expect(r!.removed).toEqual([
      {
        offset: start(17),
        bytes: recordBytes(forty[17]!.length),
        runId: 17,
        reason: "the record fails its checksum",
      },
    ]);
    expect(readFileSync(r!.original!)).toEqual(bytes);
    const back = readAll(dir);
    expect([...back.keys()]).toEqual(forty.map((x) => x.runId).filter((id) => id !== 17));
    for (const [id, p] of back) expect(p).toEqual(payload(id, forty[id]!.length));
    expect(repairPartLogs(dir)).toEqual([]);
  });

  it("resynchronizes after a damaged header and keeps every intact record after it", async () => {
    const dir = tempDir();
    const file = await writeLog(dir, forty);
    const bytes = readFileSync(file);
    bytes.writeUInt32LE(0x7fffffff, start(5) + 12); // a length field
    bytes.fill(0xee, start(20) + 4, start(20) + 30); // most of another header
    writeFileSync(file, bytes);
    const [r] = repairPartLogs(dir);
    expect(r!.kept).toBe(38);
    expect(r!.removed.map((x) => [x.offset, x.bytes])).toEqual([
      [start(5), start(6) - start(5)],
      [start(20), start(21) - start(20)],
    ]);
    expect([...readAll(dir).keys()]).toEqual(forty.map((x) => x.runId).filter((id) => id !== 5 && id !== 20));
  });

  it("cuts a torn tail and the zeros a power cut may leave after it", async () => {
    const dir = tempDir();
    const file = await writeLog(dir, forty.slice(0, 3));
    const size = statSync(file).size;
    writeFileSync(file, new Uint8Array(100), { flag: "a" });
    const [r] = repairPartLogs(dir);
    expect(r!.kept).toBe(3);
    expect(statSync(file).size).toBe(size);
    expect([...readAll(dir).keys()]).toEqual([0, 1, 2]);
  });
});
