import { describe, expect, it } from "vitest";
import { decodeRun, encodeRun } from "./arrow/encode.ts";
import { Table, tableToIPC } from "./arrow/lib.ts";
import { readPart } from "./arrow/part-reader.ts";
import { executeRun, failedRunBatches, outcomeBatches } from "./execute.ts";
import { importExperiment } from "./load.ts";
import { paramColumns, planExperiment, runSpec } from "./plan.ts";
import { FIXTURES } from "./testing.ts";

async function batchesOfTiny() {
  const exp = await importExperiment(FIXTURES.slow);
  const plan = await planExperiment(exp, { overrides: ["delayMs=0"] });
  const columns = paramColumns(exp);
  const ok = outcomeBatches(executeRun(exp, runSpec(plan, 9), plan.seed), columns, false);
  const failed = failedRunBatches(runSpec(plan, 3), "TimeoutError: too slow", columns, 12.5);
  // With trades: a fourth stream (Utf8 names with nulls for the fund, coded UInt8 columns).
  const tradesPlan = await planExperiment(exp, { overrides: ["delayMs=0"], trades: true });
  const traded = outcomeBatches(executeRun(exp, runSpec(tradesPlan, 9), plan.seed), columns, true);
  const failedTraded = failedRunBatches(runSpec(tradesPlan, 3), "TimeoutError: too slow", columns, 12.5);
  return { ok, failed, traded, failedTraded };
}

describe("a run's part bytes", () => {
  it("are exactly what apache-arrow's own stream writer writes for each table, concatenated", async () => {
    const { ok, failed, traded, failedTraded } = await batchesOfTiny();
    expect(traded.trades!.numRows).toBeGreaterThan(0);
    expect(failedTraded.trades!.numRows).toBe(0);
    expect(ok.trades).toBeUndefined();
    for (const b of [ok, failed, traded, failedTraded]) {
      const streams = [b.runs, b.timeseries, b.liquidations, ...(b.trades ? [b.trades] : [])].map((x) =>
        tableToIPC(new Table(x.schema, [x]), "stream"),
      );
      expect(Buffer.from(encodeRun(b).bytes)).toEqual(Buffer.concat(streams));
    }
    expect(encodeRun(ok).schemaKey).toMatch(/^[0-9a-f]{16}$/);
    expect(encodeRun(ok).schemaKey).not.toBe(encodeRun(failed).schemaKey);
    expect(encodeRun(ok).schemaKey).toBe(encodeRun(ok).schemaKey);
  });

  it("read back by the fast part reader give the same values as apache-arrow's reader", async () => {
    const { ok, failed, traded, failedTraded } = await batchesOfTiny();
    for (const b of [ok, failed, traded, failedTraded]) {
      const bytes = encodeRun(b).bytes;
      const fast = readPart(bytes, undefined, new Map());
      const arrow = decodeRun(bytes);
      const tables = [
        arrow.runs,
        arrow.timeseries,
        arrow.liquidations,
        ...(arrow.trades ? [arrow.trades] : []),
      ];
      expect(fast).toHaveLength(tables.length);
      tables.forEach((batches, t) => {
        const table = fast[t]!;
        expect(table.length).toBe(batches[0]?.numRows ?? 0);
        expect(table.schema.fields.map((f) => f.name)).toEqual(arrow.schemas[t]!.fields.map((f) => f.name));
        table.schema.fields.forEach((f, i) => {
          const col = table.columns[i]!;
          const vector = batches[0]?.getChildAt(i);
          for (let r = 0; r < table.length; r++) {
            const expected = vector!.get(r);
            const valid = col.validity === null || (col.validity[r >> 3]! & (1 << (r & 7))) !== 0;
            if (expected === null) expect(valid, `${f.name}[${r}]`).toBe(false);
            else if (typeof expected === "string") {
              expect(
                new TextDecoder().decode(
                  (col.values as Uint8Array).subarray(col.offsets![r]!, col.offsets![r + 1]!),
                ),
              ).toBe(expected);
            } else if (typeof expected === "boolean") {
              expect(((col.values[r >> 3]! >> (r & 7)) & 1) === 1).toBe(expected);
            } else expect(col.values[r]).toBe(expected);
          }
        });
      });
    }
  });
});
