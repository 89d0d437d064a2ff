import { readFileSync } from "node:fs";
import path from "node:path";
import { readResults, summarizeRuns } from "@cascade/analysis";
import { beforeAll, describe, expect, it } from "vitest";
import { describeExperiment } from "./cli/main.ts";
import { importExperiment } from "./load.ts";
import { mergeOutputs } from "./merge.ts";
import { runExperiment, SWEEP_WHEN_KEY } from "./run-experiment.ts";
import { FIXTURES, readTable, tableData, tempDir } from "./testing.ts";

/** `runs.arrow` without wall-clock columns, and the other two files' bytes. */
function output(dir: string): unknown {
  return {
    runs: tableData(readTable(path.join(dir, "runs.arrow"))),
    timeseries: readFileSync(path.join(dir, "timeseries.arrow")).toString("base64"),
    liquidations: readFileSync(path.join(dir, "liquidations.arrow")).toString("base64"),
  };
}

let whole: string;

beforeAll(async () => {
  whole = tempDir();
  await runExperiment({ experimentFile: FIXTURES.conditional, out: whole, workers: 2 });
});

describe("a conditional sweep", () => {
  it("runs the world where the condition fails once per replication, numbered densely", () => {
    const runs = readTable(path.join(whole, "runs.arrow"));
    expect(runs.numRows).toBe(8);
    expect(Array.from(runs.getChild("run_id")!.toArray())).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(Array.from(runs.getChild("point_index")!.toArray())).toEqual([0, 0, 1, 1, 2, 2, 3, 3]);
    expect([...runs.getChild("probe")!]).toEqual([true, true, true, true, true, true, false, false]);
    // Where the leverage axis does not apply its cell is null, and the column says why.
    expect([...runs.getChild("leverage")!]).toEqual([10, 10, 30, 30, 50, 50, null, null]);
    const field = runs.schema.fields.find((f) => f.name === "leverage")!;
    expect(JSON.parse(field.metadata.get(SWEEP_WHEN_KEY)!)).toEqual({ probe: true });
    expect(runs.getChild("status")!.toArray()).toEqual(Array(8).fill("ok"));
  });

  it("says in the manifest what the conditions did and which counterfactual pairs the runs", () => {
    const m = JSON.parse(readFileSync(path.join(whole, "manifest.json"), "utf8"));
    expect(m.sweepConditions).toEqual({
      gridPoints: 6,
      points: 4,
      skippedPoints: 2,
      axes: { leverage: { when: { probe: true }, inactivePoints: 1 } },
    });
    expect(m.totalRuns).toBe(8);
    expect(m.counterfactual).toBe("probe");
    expect(readTable(path.join(whole, "runs.arrow")).schema.metadata.get("cascade.counterfactual")).toBe(
      "probe",
    );
  });

  it("is paired by the analysis on the declared counterfactual, the off run standing for every leverage", () => {
    const res = readResults(whole);
    expect(res.counterfactual).toBe("probe");
    expect(res.runRecords()[6]!.params).toEqual({ probe: false });
    const a = summarizeRuns(res).amplification!;
    expect(a.flag).toBe("probe");
    expect(a.pairs.map((p) => [p.withRunId, p.withoutRunId])).toEqual([
      [0, 6],
      [1, 7],
      [2, 6],
      [3, 7],
      [4, 6],
      [5, 7],
    ]);
  });

  it("is described with its conditions, the points it skips and its counterfactual", async () => {
    const text = describeExperiment(await importExperiment(FIXTURES.conditional), FIXTURES.conditional);
    expect(text).toContain("  leverage: 10, 30, 50  (only where probe = true)");
    expect(text).toContain(
      "grid of 4 points (2 of the full grid's 6 skipped: identical once the conditions apply)",
    );
    expect(text).toContain("runs: 4 points × 2 = 8");
    expect(text).toContain("counterfactual: probe");
  });

  it("writes the same files when run as two shards and merged", async () => {
    const shared = tempDir();
    for (const index of [0, 1]) {
      await runExperiment({
        experimentFile: FIXTURES.conditional,
        out: shared,
        workers: 1,
        shard: { index, count: 2 },
      });
    }
    const merged = tempDir();
    const m = mergeOutputs({ inputs: [shared], out: merged });
    expect(m.manifest.sweepConditions).toMatchObject({ points: 4, skippedPoints: 2 });
    expect(m.manifest.counterfactual).toBe("probe");
    expect(output(merged)).toEqual(output(whole));
  });

  it("writes the same files when a shard's runs are resumed into the whole sweep", async () => {
    const dir = tempDir();
    await runExperiment({
      experimentFile: FIXTURES.conditional,
      out: dir,
      workers: 1,
      shard: { index: 1, count: 3 },
    });
    const r = await runExperiment({
      experimentFile: FIXTURES.conditional,
      out: dir,
      workers: 2,
      resume: true,
    });
    expect(r.skipped).toBe(3);
    expect(output(dir)).toEqual(output(whole));
  });
});
