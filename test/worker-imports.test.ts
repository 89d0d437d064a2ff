/**
 * What a worker thread loads: the runner's pool worker imports the experiment file as it starts,
 * and with it the experiment's `summarize` helpers. Those must come from the light entry of
 * `@cascade/analysis` (`@cascade/analysis/run-metrics`): the report's charts (vega, vega-lite) and
 * statistics (mathjs) have no business in a worker, where they cost start-up time and memory on
 * every core. Measured by loading the real worker entry in a real worker thread with module hooks
 * that log every module loaded.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = path.resolve(fileURLToPath(new URL("..", import.meta.url)));
const EXPERIMENTS = [
  "flash-crash",
  "leverage-cap",
  "market-maker-capacity",
  "liquidation-policy",
  "arbitrage-latency",
].map((name) => path.join(root, "experiments", `${name}.ts`));
const HEAVY = /\/node_modules\/(vega|vega-lite|vega-[a-z-]+|mathjs)\//;

/** Per experiment file: the URLs its worker loaded, and the worker's exit code. */
function workerLoads(files: readonly string[]): Map<string, { urls: string[]; code: number }> {
  const dir = mkdtempSync(path.join(os.tmpdir(), "cascade-loads-"));
  const log = path.join(dir, "loads.txt");
  try {
    const out = execFileSync(
      process.execPath,
      [
        "--import",
        path.join(root, "test/module-loads/record.mjs"),
        path.join(root, "test/module-loads/start-workers.mjs"),
        ...files,
      ],
      { env: { ...process.env, CASCADE_LOAD_LOG: log }, encoding: "utf8" },
    );
    const byThread = new Map<string, string[]>();
    for (const line of readFileSync(log, "utf8").split("\n")) {
      const at = line.indexOf(" ");
      if (at < 0) continue;
      const thread = line.slice(0, at);
      if (!byThread.has(thread)) byThread.set(thread, []);
      byThread.get(thread)!.push(line.slice(at + 1));
    }
    const result = new Map<string, { urls: string[]; code: number }>();
    for (const line of out.trim().split("\n")) {
      const [thread, file, code] = line.split(" ");
      result.set(file!, { urls: byThread.get(thread!) ?? [], code: Number(code) });
    }
    return result;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe("a worker thread's import graph", () => {
  const loads = workerLoads(EXPERIMENTS);

  it.each(EXPERIMENTS.map((f) => [path.basename(f), f]))(
    "of %s holds the simulator and the summary helpers but not vega, vega-lite or mathjs",
    (_name, file) => {
      const w = loads.get(file)!;
      expect(w.code).toBe(0);
      // The hooks saw the whole graph: the experiment, its summary helpers, the recorder.
      expect(w.urls).toContain(`file://${file}`);
      expect(w.urls).toContain(`file://${path.join(root, "experiments/lib/summary-metrics.ts")}`);
      expect(w.urls).toContain(`file://${path.join(root, "packages/sim/src/recorder.ts")}`);
      expect(w.urls.filter((u) => HEAVY.test(u))).toEqual([]);
      expect(w.urls.filter((u) => /packages\/analysis\/src\/(charts|stats|report)\.ts$/.test(u))).toEqual([]);
    },
  );
});
