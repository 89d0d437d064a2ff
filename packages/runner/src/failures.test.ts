import { readFileSync } from "node:fs";
import path from "node:path";
import { BTCUSDT, NS_PER_SECOND } from "@cascade/core";
import type { AgentContext } from "@cascade/sim";
import { describe, expect, it } from "vitest";
import { executeRun } from "./execute.ts";
import { defineExperiment } from "./experiment.ts";
import { planExperiment, runSpec } from "./plan.ts";
import { runExperiment } from "./run-experiment.ts";
import { FIXTURES, readTable, tempDir } from "./testing.ts";

describe("failure isolation", () => {
  it("records a run that throws, hangs past the time limit or kills its worker as failed, and goes on", async () => {
    const out = tempDir();
    const r = await runExperiment({
      experimentFile: FIXTURES.failing,
      check: false,
      out,
      workers: 2,
      runTimeoutSec: 1,
    });
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
    const r = await runExperiment({
      experimentFile: FIXTURES.failing,
      check: false,
      out,
      workers: 1,
      maxFailures: 1,
    });
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

describe("world building", () => {
  it("fails the run when the venue rejects a deposit made while opening an account, naming agent, account and amount", async () => {
    const experiment = defineExperiment({
      name: "unfunded",
      description: "an agent whose deposit the venue cannot take",
      parameters: {},
      seed: 1,
      durationNs: NS_PER_SECOND,
      build: (_p, run) => ({
        seed: run.seed,
        runIndex: run.runIndex,
        venues: [
          {
            kind: "perp",
            name: "perp",
            config: { instrument: BTCUSDT, minPriceTicks: 600_000, maxPriceTicks: 800_000 },
            index: { process: { initialTicks: 700_000, volatilityPerSqrtSecond: 0.001 } },
          },
        ],
        agents: [
          {
            name: "whale",
            kind: "test",
            start(ctx: AgentContext) {
              ctx.openPerpAccount(0, { depositUnits: 2 ** 60 });
            },
            onWake() {},
            onMessage() {},
          },
        ],
      }),
    });
    const plan = await planExperiment(experiment, {});
    const outcome = executeRun(experiment, runSpec(plan, 0), plan.seed);
    expect(outcome.row.status).toBe("failed");
    expect(outcome.row.error).toMatch(
      /^ConfigError: agent whale: deposit into account \d+ on venue 0 = 1152921504606847000: rejected by the venue \(InvalidAmount\)$/,
    );
    expect(outcome.failure?.stack).toContain("openPerpAccount");
    expect(outcome.failure?.simTimeS).toBe(0);
  });
});
