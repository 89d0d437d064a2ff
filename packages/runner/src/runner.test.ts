import { cpSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { SUMMARY_METRICS } from "@cascade/sim";
import { tableToIPC } from "apache-arrow";
import pl from "nodejs-polars";
import { beforeAll, describe, expect, it } from "vitest";
import { reproduceRun } from "./execute.ts";
import { importExperiment } from "./load.ts";
import { mergeOutputs } from "./merge.ts";
import { planExperiment } from "./plan.ts";
import { runExperiment } from "./run-experiment.ts";
import { FIXTURES, outputDifferences, readTable, tempDir } from "./testing.ts";

const TABLES = ["runs", "timeseries", "liquidations"] as const;

/** Whether two output directories hold the same files (byte for byte, `wall_ms` aside). */
function expectSameOutput(a: string, b: string): void {
  expect(outputDifferences(a, b)).toEqual([]);
}

let one: string;
let two: string;

beforeAll(async () => {
  one = tempDir();
  two = tempDir();
  await runExperiment({ experimentFile: FIXTURES.tiny, out: one, workers: 1 });
  await runExperiment({ experimentFile: FIXTURES.tiny, out: two, workers: 2 });
});

describe("a sweep on the worker pool", () => {
  it("writes the same files with one worker as with two", () => {
    expectSameOutput(one, two);
    const runs = readTable(path.join(one, "runs.arrow"));
    expect(runs.numRows).toBe(8);
    expect(Array.from(runs.getChild("run_id")!.toArray())).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(runs.getChild("status")!.toArray()).toEqual(Array(8).fill("ok"));
    // the sweep makes liquidations happen at the high leverage
    expect(Math.max(...(runs.getChild("liquidations")!.toArray() as Float64Array))).toBeGreaterThan(0);
  });

  it("writes the same files when run as two shards and merged", async () => {
    const s0 = tempDir();
    const s1 = tempDir();
    const r0 = await runExperiment({
      experimentFile: FIXTURES.tiny,
      out: s0,
      workers: 1,
      shard: { index: 0, count: 2 },
    });
    await runExperiment({
      experimentFile: FIXTURES.tiny,
      out: s1,
      workers: 1,
      shard: { index: 1, count: 2 },
    });
    expect(r0.manifest.kind).toBe("shard");
    expect(r0.manifest.runs).toEqual({ ok: 4, failed: 0, missing: 0 });
    expect(existsSync(path.join(s0, "shard-0-of-2.json"))).toBe(true);
    expect(existsSync(path.join(s0, "runs.arrow"))).toBe(false);
    const merged = tempDir();
    const m = mergeOutputs({ inputs: [s0, s1], out: merged });
    expect(m.manifest.runs).toEqual({ ok: 8, failed: 0, missing: 0 });
    expect(m.manifest.kind).toBe("merge");
    expectSameOutput(one, merged);
    // Trades are recorded only when switched on (trades.test.ts).
    for (const dir of [one, merged]) expect(existsSync(path.join(dir, "trades.arrow"))).toBe(false);
    expect(m.manifest.files).toEqual(["runs.arrow", "timeseries.arrow", "liquidations.arrow"]);
  });

  it("refuses to merge directories of different configurations", () => {
    const other = tempDir();
    const manifest = JSON.parse(readFileSync(path.join(one, "manifest.json"), "utf8"));
    writeFileSync(
      path.join(other, "manifest.json"),
      JSON.stringify({ ...manifest, configHash: "f".repeat(64) }),
    );
    expect(() => mergeOutputs({ inputs: [one, other], out: tempDir() })).toThrowError(
      /holds tiny with config ffffffffffff/,
    );
  });

  it("names what differs when two directories hold other results", () => {
    const changed = tempDir();
    cpSync(one, changed, { recursive: true });
    const series = readFileSync(path.join(changed, "timeseries.arrow"));
    series[series.length >> 1]! ^= 1;
    writeFileSync(path.join(changed, "timeseries.arrow"), series);
    const runs = readTable(path.join(one, "runs.arrow"));
    writeFileSync(path.join(changed, "runs.arrow"), tableToIPC(runs.slice(0, runs.numRows - 1), "file"));
    expect(outputDifferences(one, changed)).toEqual([
      "timeseries.arrow: the bytes differ",
      expect.stringMatching(/^runs\.arrow: columns run_id, .* differ \(wall_ms aside\)$/),
    ]);
  });

  it("reproduces any run alone from its id", async () => {
    const plan = await planExperiment(await importExperiment(FIXTURES.tiny));
    const runs = readTable(path.join(one, "runs.arrow"));
    for (const id of [0, 5]) {
      const { row } = reproduceRun(plan, id);
      expect(row.traceHash).toBe(runs.getChild("trace_hash")!.get(id));
      expect(row.metrics!.liquidations).toBe(runs.getChild("liquidations")!.get(id));
    }
  });

  it("records the master seed, config hash and run counts", () => {
    const manifest = JSON.parse(readFileSync(path.join(one, "manifest.json"), "utf8"));
    expect(manifest).toMatchObject({
      kind: "run",
      status: "complete",
      experiment: { name: "tiny" },
      seed: 7,
      points: 4,
      totalRuns: 8,
      runs: { ok: 8, failed: 0, missing: 0 },
      files: ["runs.arrow", "timeseries.arrow", "liquidations.arrow"],
    });
    expect(manifest.configHash).toMatch(/^[0-9a-f]{64}$/);
    expect(manifest.codeVersion.commit).toMatch(/^([0-9a-f]{40}|unknown)$/);
    expect(manifest.versions["apache-arrow"]).toBe("21.2.0");
    expect(manifest.space.sweep).toEqual({
      kind: "grid",
      values: { leverage: [10, 50], probe: [false, true] },
    });
    for (const t of TABLES) {
      const meta = readTable(path.join(one, `${t}.arrow`)).schema.metadata;
      expect(meta.get("cascade.seed")).toBe("7");
      expect(meta.get("cascade.config_hash")).toBe(manifest.configHash);
      expect(meta.get("cascade.table")).toBe(t);
    }
  });
});

describe("the output files read by an independent Arrow reader (polars)", () => {
  const schemaOf = (t: string) => {
    const df = pl.readIPC(readFileSync(path.join(one, `${t}.arrow`)));
    return {
      df,
      schema: Object.fromEntries(
        df.columns.map((c, i) => [c, String(df.dtypes[i]).replace(/^DataType\((.*)\)$/, "$1")]),
      ),
    };
  };

  it("runs.arrow: keys, parameters, status, sim metrics, experiment metrics, trace hash, wall time", () => {
    const { df, schema } = schemaOf("runs");
    expect(df.height).toBe(8);
    const expected: Record<string, string> = {
      run_id: "Int32",
      seed: "String",
      point_index: "Int32",
      replication: "Int32",
      leverage: "Float64",
      volatility: "Float64",
      traders: "Int32",
      durationS: "Int32",
      mode: "String",
      probe: "Bool",
      notional: "Float64",
      status: "String",
      error: "String",
    };
    // Counts are integers.
    for (const m of Object.keys(SUMMARY_METRICS))
      expected[m] = m === "liquidations" || m === "adl_count" ? "Int32" : "Float64";
    Object.assign(expected, {
      liquidation_rows: "Float64",
      notional_per_trader: "Float64",
      leverage_if_probe: "Float64",
      trace_hash: "String",
      wall_ms: "Float64",
    });
    expect(Object.keys(schema)).toEqual(Object.keys(expected));
    expect(schema).toEqual(expected);
    expect(df.getColumn("leverage").toArray()).toEqual([10, 10, 10, 10, 50, 50, 50, 50]);
    expect(df.getColumn("probe").toArray()).toEqual([false, false, true, true, false, false, true, true]);
    expect(df.getColumn("notional").toArray()).toEqual([
      200_000, 200_000, 200_000, 200_000, 1e6, 1e6, 1e6, 1e6,
    ]);
  });

  it("timeseries.arrow: run_id then the sampled Float64 columns (per-interval counts Int32), NaN where a world lacks a gauge", () => {
    const { df, schema } = schemaOf("timeseries");
    expect(Object.keys(schema).slice(0, 5)).toEqual(["run_id", "time_s", "last", "mid", "mark"]);
    expect(schema.run_id).toBe("Int32");
    const counts = ["liquidations_in_interval", "adl_count_in_interval", "kernel_events_in_interval"];
    for (const c of counts) expect(schema[c]).toBe("Int32");
    expect(
      Object.entries(schema)
        .filter(([k]) => k !== "run_id" && !counts.includes(k))
        .every(([, t]) => t === "Float64"),
    ).toBe(true);
    expect(df.height).toBe(8 * 21); // 20 s sampled every second, both ends included
    const runIds = df.getColumn("run_id").toArray() as number[];
    expect(runIds).toEqual([...runIds].sort((a, b) => a - b));
    // the longs report a gauge only with probe = true (points 1 and 3 → runs 2, 3, 6, 7)
    const opened = df.getColumn("fixture_longs_opened").toArray() as number[];
    runIds.forEach((r, i) => {
      expect(Number.isNaN(opened[i]!)).toBe(![2, 3, 6, 7].includes(r));
    });
  });

  it("liquidations.arrow: run_id then the liquidation log", () => {
    const { df, schema } = schemaOf("liquidations");
    expect(schema).toEqual({
      run_id: "Int32",
      time_s: "Float64",
      account: "Int32",
      side: "UInt8",
      qty: "Float64",
      mark: "Float64",
      liquidation_price: "Float64",
      bankruptcy_price: "Float64",
      fill_price: "Float64",
      fund_delta: "Float64",
      stage: "UInt8",
    });
    const runs = readTable(path.join(one, "runs.arrow"));
    const rows = (runs.getChild("liquidation_rows")!.toArray() as Float64Array).reduce((a, b) => a + b, 0);
    expect(df.height).toBe(rows);
    expect(df.height).toBeGreaterThan(0);
  });
});
