import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { runExperiment } from "./run-experiment.ts";
import { FIXTURES, readTable, tempDir } from "./testing.ts";

describe("failure isolation", () => {
  it("records a run that throws, hangs past the time limit or kills its worker as failed, and goes on", async () => {
    const out = tempDir();
    const r = await runExperiment({ experimentFile: FIXTURES.failing, out, workers: 2, runTimeoutSec: 1 });
    expect(r.manifest.status).toBe("complete");
    expect(r.manifest.runs).toEqual({ ok: 1, failed: 3, missing: 0 });
    const runs = readTable(path.join(out, "runs.arrow"));
    expect(runs.getChild("behaviour")!.toArray()).toEqual(["ok", "throw", "hang", "exit"]);
    expect(runs.getChild("status")!.toArray()).toEqual(["ok", "failed", "failed", "failed"]);
    const errors = runs.getChild("error")!.toArray() as (string | null)[];
    expect(errors[0]).toBeNull();
    expect(errors[1]).toBe("Error: build failed on purpose");
    expect(errors[2]).toBe("TimeoutError: run exceeded the time limit of 1 s");
    expect(errors[3]).toMatch(/^WorkerError: .*3/);
    // metrics of failed runs are null, the experiment's own metric exists for the ok run only
    expect(runs.getChild("kernel_events")!.get(0)).toBeGreaterThan(0);
    expect(runs.getChild("kernel_events")!.get(1)).toBeNull();
    const samples = runs.getChild("samples")!;
    expect([0, 1, 2, 3].map((i) => samples.get(i))).toEqual([6, null, null, null]);
    expect(runs.getChild("trace_hash")!.get(2)).toBeNull();
    // the ok run's series are there, the failed runs have none
    const ts = readTable(path.join(out, "timeseries.arrow"));
    expect(new Set(ts.getChild("run_id")!.toArray())).toEqual(new Set([0]));
  });

  it("stops after --max-failures failed runs and still assembles what finished", async () => {
    const out = tempDir();
    const r = await runExperiment({ experimentFile: FIXTURES.failing, out, workers: 1, maxFailures: 1 });
    expect(r.manifest.status).toBe("stopped");
    expect(r.pool.stoppedEarly).toBe(true);
    expect(r.manifest.runs.failed).toBe(1);
    expect(r.manifest.runs.missing).toBe(2);
    const runs = readTable(path.join(out, "runs.arrow"));
    expect(runs.getChild("behaviour")!.toArray()).toEqual(["ok", "throw"]);
    const manifest = JSON.parse(readFileSync(path.join(out, "manifest.json"), "utf8"));
    expect(manifest.status).toBe("stopped");
  });
});
