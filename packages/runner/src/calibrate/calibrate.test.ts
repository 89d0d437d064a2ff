import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { ConfigError } from "@cascade/core";
import { beforeAll, describe, expect, it } from "vitest";
import { reproduceRun } from "../execute.ts";
import { importExperiment } from "../load.ts";
import { planExperiment } from "../plan.ts";
import { cli, readTable, SRC, tempDir } from "../testing.ts";
import { momentStat } from "./objective.ts";
import { type CalibrateOptions, type CalibrationRun, runCalibration } from "./run-calibration.ts";

/** A real createWorld world: an index random walk whose volatility and drift are to be recovered. */
const FIXTURE = path.join(SRC, "calibrate", "fixtures", "index-walk.ts");
const TRUE = { volatility: 0.003, drift: -0.002 };

/** Targets measured at the true parameters on seeds the calibration never uses (16 replications). */
async function syntheticTargets(): Promise<string> {
  const plan = await planExperiment(await importExperiment(FIXTURE), {
    overrides: TRUE,
    replications: 16,
    seed: "synthetic-data",
  });
  const runs = Array.from({ length: plan.totalRuns }, (_, r) => reproduceRun(plan, r).row.extras!);
  const vol = momentStat(runs.map((x) => x.index_vol!));
  const drift = momentStat(runs.map((x) => x.index_drift!));
  const file = path.join(tempDir("cascade-calibrate-"), "targets.json");
  writeFileSync(
    file,
    JSON.stringify({
      description: "synthetic: 16 replications at volatility 0.003, drift −0.002",
      parameters: {
        volatility: { min: 0.0005, max: 0.01, log: true },
        drift: { min: -0.005, max: 0.005 },
      },
      fixed: { durationS: 60 },
      moments: [
        { metric: "index_vol", target: vol.mean, se: vol.se, source: "synthetic (this test)" },
        { metric: "index_drift", target: drift.mean, se: drift.se, source: "synthetic (this test)" },
      ],
      replications: 4,
      seed: 5,
      search: { initial: 8, starts: 1, maxEvaluations: 40 },
    }),
  );
  return file;
}

const files = (dir: string) => ({
  log: readFileSync(path.join(dir, "evaluations.jsonl"), "utf8"),
  arrow: readFileSync(path.join(dir, "evaluations.arrow")),
  result: readFileSync(path.join(dir, "result.json"), "utf8"),
});

let targetsFile: string;
let two: CalibrationRun;
let twoMs: number;
const options = (out: string, more: Partial<CalibrateOptions> = {}): CalibrateOptions => ({
  experimentFile: FIXTURE,
  targetsFile,
  out,
  ...more,
});

beforeAll(async () => {
  targetsFile = await syntheticTargets();
  const t = performance.now();
  two = await runCalibration(options(tempDir("cascade-calibrate-"), { workers: 2 }));
  twoMs = performance.now() - t;
});

describe("cascade calibrate on a small real world", () => {
  it("recovers the parameters the targets were simulated at", () => {
    const r = two.result!;
    const fitted = r.best.params;
    console.log(
      `recovery: true ${JSON.stringify(TRUE)}, fitted ${JSON.stringify(fitted)}, ${r.search.evaluations} search evaluations (+${two.evaluations.length - r.search.evaluations} for the se), ${two.runs} runs, ${(twoMs / 1000).toFixed(1)} s, se ${JSON.stringify(r.uncertainty)}`,
    );
    expect(two.status).toBe("complete");
    expect(Math.abs(fitted.volatility! / TRUE.volatility - 1)).toBeLessThan(0.1);
    expect(Math.abs(fitted.drift! - TRUE.drift)).toBeLessThan(0.0008);
    // The simulated moments match the targets to within their standard errors.
    for (const m of r.moments) expect(Math.abs(m.z!)).toBeLessThan(1);
    // The 95 % intervals cover the truth.
    const u = r.uncertainty;
    if (u === null || !("parameters" in u)) throw new Error(`no standard errors: ${JSON.stringify(u)}`);
    for (const [k, v] of Object.entries(TRUE)) {
      expect(u.parameters[k]!.ci95[0]).toBeLessThan(v);
      expect(u.parameters[k]!.ci95[1]).toBeGreaterThan(v);
    }
  });

  it("writes every evaluation to evaluations.arrow and the log", () => {
    const table = readTable(path.join(two.outDir, "evaluations.arrow"));
    expect(table.numRows).toBe(two.evaluations.length);
    expect(table.schema.fields.map((f) => f.name)).toEqual([
      "candidate",
      "iteration",
      "phase",
      "start",
      "duplicate_of",
      "volatility",
      "drift",
      "index_vol_mean",
      "index_vol_se",
      "index_drift_mean",
      "index_drift_se",
      "runs_ok",
      "runs_failed",
      "objective",
    ]);
    expect(table.schema.metadata.get("cascade.table")).toBe("evaluations");
    expect(Array.from(table.getChild("candidate")!.toArray())).toEqual(two.evaluations.map((_, i) => i));
    expect(files(two.outDir).log.trim().split("\n")).toHaveLength(two.evaluations.length);
    const best = two.result!.best;
    expect(table.getChild("objective")!.get(best.candidate)).toBe(best.objective);
  });

  it("prints a plain run command that replays the best candidate's runs (same seeds)", async () => {
    const r = two.result!;
    const args = r.reproduce.split(" ");
    const sets = args.flatMap((a, i) => (a === "--set" ? [args[i + 1]!] : []));
    const plan = await planExperiment(await importExperiment(FIXTURE), {
      overrides: sets,
      replications: Number(args[args.indexOf("--runs") + 1]),
      seed: Number(args[args.indexOf("--seed") + 1]),
    });
    const vols = Array.from(
      { length: plan.totalRuns },
      (_, i) => reproduceRun(plan, i).row.extras!.index_vol!,
    );
    expect(momentStat(vols).mean).toBe(r.moments[0]!.simulated);
  });

  it("gives the same evaluations and result with one worker as with two", async () => {
    const one = await runCalibration(options(tempDir("cascade-calibrate-"), { workers: 1 }));
    expect(files(one.outDir)).toEqual(files(two.outDir));
  });

  it("resumes an interrupted calibration to the same evaluations and result", async () => {
    const out = tempDir("cascade-calibrate-");
    const controller = new AbortController();
    const stopped = await runCalibration(
      options(out, {
        workers: 2,
        signal: controller.signal,
        onIteration: (i) => {
          if (i.iteration === 3) controller.abort();
        },
      }),
    );
    expect(stopped.status).toBe("stopped");
    expect(stopped.result).toBeNull();
    // As if killed mid-write: drop the last two evaluations (their runs stay in the part logs) and tear a line.
    const log = path.join(out, "evaluations.jsonl");
    const lines = readFileSync(log, "utf8").split("\n").filter(Boolean);
    const keep = lines.slice(0, -2);
    writeFileSync(log, `${keep.join("\n")}\n${lines.at(-2)!.slice(0, 40)}`);
    const resumed = await runCalibration(options(out, { workers: 1, resume: true }));
    expect(resumed.status).toBe("complete");
    expect(resumed.resumedCandidates).toBe(keep.length);
    // The two dropped candidates were not run again: their runs were read from the part logs.
    expect(resumed.runs).toBe(two.runs - stopped.runs);
    expect(files(out)).toEqual(files(two.outDir));
  });

  it("refuses to resume a different calibration", async () => {
    const other = path.join(tempDir("cascade-calibrate-"), "targets.json");
    const json = JSON.parse(readFileSync(targetsFile, "utf8"));
    writeFileSync(other, JSON.stringify({ ...json, replications: 3 }));
    await expect(
      runCalibration({ experimentFile: FIXTURE, targetsFile: other, out: two.outDir, resume: true }),
    ).rejects.toThrowError(/--resume = .*: holds a different calibration/);
    await expect(runCalibration(options(two.outDir))).rejects.toThrowError(/--out = .*: is not empty/);
  });

  it("names a target metric the runs do not report, with the ones they do", async () => {
    const bad = path.join(tempDir("cascade-calibrate-"), "targets.json");
    const json = JSON.parse(readFileSync(targetsFile, "utf8"));
    json.moments[1].metric = "index_drfit";
    json.search = { initial: 2, starts: 1, maxEvaluations: 2 };
    json.replications = 1;
    writeFileSync(bad, JSON.stringify(json));
    const err = await runCalibration({
      experimentFile: FIXTURE,
      targetsFile: bad,
      out: tempDir("cascade-calibrate-"),
      workers: 1,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toMatch(
      /^targets\.moments\[1\]\.metric = "index_drfit": is not a metric of the experiment's runs \(metrics: .*index_vol, index_drift\)$/,
    );
  });
});

describe("the calibrate command", () => {
  it("prints one line naming the field and value of a bad targets file, and exits 2", async () => {
    const bad = path.join(tempDir("cascade-calibrate-"), "targets.json");
    const json = JSON.parse(readFileSync(targetsFile, "utf8"));
    json.moments[0].se = -1;
    writeFileSync(bad, JSON.stringify(json));
    const r = await cli(["calibrate", FIXTURE, "--targets", bad, "--out", tempDir("cascade-calibrate-")])
      .done;
    expect(r.code).toBe(2);
    expect(r.stderr).toBe("cascade: targets.moments[0].se = -1: must be > 0\n");
    const missing = await cli(["calibrate", FIXTURE]).done;
    expect(missing.code).toBe(2);
    expect(missing.stderr).toBe("cascade: --targets = undefined: is required (a JSON file)\n");
  });

  it("documents itself in --help", async () => {
    const r = await cli(["calibrate", "--help"]).done;
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/usage: cascade calibrate <experiment> --targets FILE/);
  });
});
