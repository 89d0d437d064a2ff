/**
 * What a worker thread loads: the runner's pool worker imports the experiment file as it starts,
 * and with it the experiment's `summarize` helpers. Those must come from the light entry of
 * `@cascade/analysis` (`@cascade/analysis/run-metrics`): the report's charts (vega, vega-lite) and
 * statistics (mathjs) have no business in a worker, where they cost start-up time and memory on
 * every core. Workers run the experiment compiled into one bundle (`worker-bundle.ts`): what went
 * into it is read from its source map, and what it loads at run time is measured by starting it in
 * a real worker thread with module hooks that log every module loaded.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { workerBundle } from "../packages/runner/src/worker-bundle.ts";

const root = path.resolve(fileURLToPath(new URL("..", import.meta.url)));
const EXPERIMENTS = [
  "flash-crash",
  "leverage-cap",
  "market-maker-capacity",
  "liquidation-policy",
  "arbitrage-latency",
].map((name) => path.join(root, "experiments", `${name}.ts`));
const HEAVY = /\/node_modules\/(vega|vega-lite|vega-[a-z-]+|mathjs)\//;

/** The source files compiled into a bundle (from its inline source map), absolute. */
function bundledSources(bundle: string): string[] {
  const code = readFileSync(bundle, "utf8");
  const b64 = /sourceMappingURL=data:application\/json;base64,(\S+)\s*$/.exec(code)![1]!;
  const map = JSON.parse(Buffer.from(b64, "base64").toString("utf8")) as { sources: string[] };
  return map.sources.map((s) => path.resolve(path.dirname(bundle), s));
}

/** Per bundle: the URLs its worker loaded, and the worker's exit code. */
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

describe("a worker thread's import graph", async () => {
  const bundles = new Map<string, string>();
  for (const f of EXPERIMENTS) bundles.set(f, (await workerBundle(f)).file);
  const loads = workerLoads([...bundles.values()]);

  it.each(EXPERIMENTS.map((f) => [path.basename(f), f]))(
    "of %s holds the simulator and the summary helpers but not vega, vega-lite or mathjs",
    (_name, file) => {
      const bundle = bundles.get(file)!;
      const w = loads.get(bundle)!;
      expect(w.code).toBe(0);
      // The bundle holds the whole graph: the experiment, its summary helpers, the recorder.
      const sources = bundledSources(bundle);
      expect(sources).toContain(file);
      expect(sources).toContain(path.join(root, "experiments/lib/summary-metrics.ts"));
      expect(sources).toContain(path.join(root, "packages/sim/src/recorder.ts"));
      expect(sources.filter((f) => /packages\/analysis\/src\/(charts|stats|report)\.ts$/.test(f))).toEqual(
        [],
      );
      // The hooks saw what the worker loaded at run time: the bundle, and no heavy package.
      expect(w.urls).toContain(pathToFileURL(bundle).href);
      expect(w.urls.filter((u) => HEAVY.test(u))).toEqual([]);
    },
  );
});
