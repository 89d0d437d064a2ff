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
  PartLogWriter,
  PartReader,
  RECORD_HEADER_BYTES,
  recordBytes,
  recordOf,
  sealRecord,
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

async function writeLog(dir: string, runs: readonly { runId: number; length: number }[], prefix = "run") {
  const log = PartLogWriter.create(dir, prefix);
  // All appended at once, as a burst of finished runs would be: they share writes.
  const appended = runs.map((r) => log.append(recordOf(r.runId, payload(r.runId, r.length), KEY_A)));
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
    await Promise.all([1, 2, 3].map((id) => log.append(recordOf(id, payload(id, 50), KEY_A))));
    expect(log.writes).toBe(1);
    const later = [4, 5].map((id) => log.append(recordOf(id, payload(id, 50), KEY_A)));
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
    await log.append(recordOf(1, payload(99, 10), KEY_B));
    await log.append(recordOf(2, payload(2, 10), KEY_B));
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
      new RegExp(`run-001\\.partlog: the record of run 4 at byte ${recordBytes(64)} fails its checksum`),
    );
    reader.close();

    bytes[recordBytes(64)] = 0; // the magic of run 4's header
    writeFileSync(file, bytes);
    expect(() => listParts(dir)).toThrow(new RegExp(`no part record at byte ${recordBytes(64)} of`));
  });

  it("are sealed only with a 16-hex-digit schema key, a 32-bit run id and the right buffer size", () => {
    const rec = new Uint8Array(recordBytes(5));
    expect(() => sealRecord(rec, 1, 5, "xyz")).toThrow(/schema key must be 16 hex digits, got xyz/);
    expect(() => sealRecord(rec, -1, 5, KEY_A)).toThrow(/run id -1/);
    expect(() => sealRecord(rec, 2 ** 32, 5, KEY_A)).toThrow(/run id 4294967296/);
    expect(() => sealRecord(rec, 1, 9, KEY_A)).toThrow(/takes 56 bytes, got 48/);
    expect(sealRecord(rec, 1, 5, KEY_A)).toBe(rec);
  });

  it("list nothing for a missing directory and ignore files that are not part logs", () => {
    const dir = tempDir();
    expect(listParts(path.join(dir, "nope"))).toEqual([]);
    writeFileSync(path.join(dir, "notes.txt"), "hello");
    expect(listParts(dir)).toEqual([]);
  });
});
