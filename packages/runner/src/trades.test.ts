import { cpSync, readFileSync, truncateSync } from "node:fs";
import path from "node:path";
import { readResults } from "@cascade/analysis";
import { CODES_KEY, TABLE_KEY, TRADE_COLUMNS, TradeKind, TradeRole } from "@cascade/schema";
import { beforeAll, describe, expect, it } from "vitest";
import { listParts } from "./arrow/part-log.ts";
import { reproduceRun } from "./execute.ts";
import { importExperiment } from "./load.ts";
import { mergeOutputs } from "./merge.ts";
import { planExperiment } from "./plan.ts";
import { runExperiment } from "./run-experiment.ts";
import { FIXTURES, readTable, tempDir } from "./testing.ts";

let one: string;
let two: string;
let merged: string;

beforeAll(async () => {
  one = tempDir();
  two = tempDir();
  await runExperiment({ experimentFile: FIXTURES.tiny, out: one, workers: 1, trades: true });
  await runExperiment({ experimentFile: FIXTURES.tiny, out: two, workers: 2, trades: true });
  const shards = [0, 1].map(() => tempDir());
  for (const [index, out] of shards.entries())
    await runExperiment({
      experimentFile: FIXTURES.tiny,
      out,
      workers: 1,
      trades: true,
      shard: { index, count: 2 },
    });
  merged = tempDir();
  mergeOutputs({ inputs: shards, out: merged });
});

describe("trades.arrow", () => {
  it("has the contract's columns, types and codes, and the manifest lists it", () => {
    const t = readTable(path.join(one, "trades.arrow"));
    expect(t.schema.metadata.get(TABLE_KEY)).toBe("trades");
    expect(t.schema.fields.map((f) => f.name)).toEqual(["run_id", ...Object.keys(TRADE_COLUMNS)]);
    const type = (name: string) => String(t.schema.fields.find((f) => f.name === name)!.type);
    expect([type("venue"), type("taker_agent"), type("kind"), type("price"), type("maker_account")]).toEqual([
      "Utf8",
      "Utf8",
      "Uint8",
      "Float64",
      "Int32",
    ]);
    const codes = t.schema.fields.find((f) => f.name === "taker_role")!.metadata.get(CODES_KEY);
    expect(JSON.parse(codes!)).toEqual({ 0: "trader", 1: "liquidation", 2: "fund", 3: "adl" });
    const manifest = JSON.parse(readFileSync(path.join(one, "manifest.json"), "utf8"));
    expect(manifest.files).toContain("trades.arrow");
    expect(manifest.space.record.trades).toBe(true);
  });

  it("holds every execution of every run, as the run replayed in-process records it", async () => {
    const t = readTable(path.join(one, "trades.arrow"));
    const plan = await planExperiment(await importExperiment(FIXTURES.tiny), { trades: true });
    const runIds = t.getChild("run_id")!.toArray() as Int32Array;
    const kind = t.getChild("kind")!.toArray() as Uint8Array;
    const takerRole = t.getChild("taker_role")!.toArray() as Uint8Array;
    let rows = 0;
    for (let runId = 0; runId < plan.totalRuns; runId++) {
      const mine = reproduceRun(plan, runId).result!.trades!;
      const n = mine.columns.time_s.length;
      const at = runIds.indexOf(runId);
      expect(runIds.filter((r) => r === runId).length, `run ${runId}`).toBe(n);
      for (let i = 0; i < n; i++) {
        expect(t.getChild("price")!.get(at + i)).toBe(mine.columns.price[i]);
        expect(t.getChild("taker_agent")!.get(at + i)).toBe(
          mine.columns.taker_agent[i]! < 0 ? null : mine.agentNames[mine.columns.taker_agent[i]!],
        );
      }
      rows += n;
    }
    expect(t.numRows).toBe(rows);
    // @cascade/analysis reads it too.
    const res = readResults(one);
    expect(res.trades.numRows).toBe(rows);
    expect(res.tradesOf(0).price).toEqual(
      Float64Array.from(reproduceRun(plan, 0).result!.trades!.columns.price),
    );
    // The leveraged longs of the fixture are liquidated into the book.
    expect(takerRole.some((r, i) => r === TradeRole.Liquidation && kind[i] === TradeKind.Book)).toBe(true);
    expect(t.getChild("venue")!.get(0)).toBe("perp");
  });

  it("is the same, byte for byte, whatever the worker count, and after shards and merge", () => {
    const bytes = (dir: string) => readFileSync(path.join(dir, "trades.arrow"));
    expect(bytes(two).equals(bytes(one))).toBe(true);
    expect(bytes(merged).equals(bytes(one))).toBe(true);
  });

  it("survives a kill: the runs of a torn part log run again on --resume, and the file is the same", async () => {
    const out = tempDir();
    cpSync(one, out, { recursive: true });
    const parts = listParts(path.join(out, "parts"));
    const victim = parts[5]!;
    // A kill in the middle of writing run 5's record: its header is cut, the runs after it are lost.
    truncateSync(path.join(out, "parts", "run-001.partlog"), victim.recordOffset + 20);
    await expect(
      runExperiment({ experimentFile: FIXTURES.tiny, out, workers: 1, resume: true }),
    ).rejects.toThrowError(/configuration/);
    const lines: string[] = [];
    await runExperiment({
      experimentFile: FIXTURES.tiny,
      out,
      workers: 1,
      trades: true,
      resume: true,
      log: (l) => lines.push(l),
    });
    expect(lines.join("\n")).toContain("resuming: 5 of 8 runs already done");
    expect(
      readFileSync(path.join(out, "trades.arrow")).equals(readFileSync(path.join(one, "trades.arrow"))),
    ).toBe(true);
  });

  it("is part of the plan: a sweep with trades does not resume or merge with one without", async () => {
    const exp = await importExperiment(FIXTURES.tiny);
    const off = await planExperiment(exp);
    expect((await planExperiment(exp, { trades: false })).configHash).toBe(off.configHash);
    expect((await planExperiment(exp, { trades: true })).configHash).not.toBe(off.configHash);
    expect(off.space.record).toEqual({ intervalNs: 1_000_000_000 });
  });
});
