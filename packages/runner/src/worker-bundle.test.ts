import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { ConfigError } from "@cascade/core";
import { afterAll, describe, expect, it } from "vitest";
import { importExperiment } from "./load.ts";
import { planExperiment } from "./plan.ts";
import { type RunEvent, runPool, withoutTypeScriptLoader } from "./pool.ts";
import { FIXTURES, SRC, tempDir } from "./testing.ts";
import { workerBundle } from "./worker-bundle.ts";

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** A temp directory holding an experiment (importing the runner by path) and a helper it imports. */
function experimentDir(helper: string): { dir: string; file: string; helperFile: string; cache: string } {
  const dir = tempDir("cascade-bundle-");
  dirs.push(dir);
  const file = path.join(dir, "exp.ts");
  const helperFile = path.join(dir, "helper.ts");
  writeFileSync(helperFile, helper);
  writeFileSync(
    file,
    [
      `import { defineExperiment, param } from ${JSON.stringify(path.join(SRC, "index.ts"))};`,
      `import { fixtureWorld } from ${JSON.stringify(path.join(SRC, "fixtures", "_world.ts"))};`,
      `import { where } from "./helper.ts";`,
      "export default defineExperiment({",
      '  name: "bundle-probe",',
      '  description: "throws where it is",',
      '  parameters: { leverage: param.number({ default: 20, min: 2, max: 50, description: "x" }) },',
      "  seed: 1,",
      "  durationNs: 1_000_000_000,",
      "  build: (p, run) => {",
      '    if (run.runIndex === 0) throw new Error(where() + " " + import.meta.url);',
      "    return fixtureWorld({ leverage: p.leverage, volatility: 0.001, drift: 0 }, run);",
      "  },",
      "});",
      "",
    ].join("\n"),
  );
  return { dir, file, helperFile, cache: path.join(dir, "cache") };
}

describe("compiled workers", () => {
  it("are compiled once and taken from the cache until a source they import changes", async () => {
    const e = experimentDir('export const where = () => "first";\n');
    const a = await workerBundle(e.file, e.cache);
    expect(a.compiled).toBe(true);
    const b = await workerBundle(e.file, e.cache);
    expect(b).toMatchObject({ compiled: false, file: a.file });
    expect(b.inputs).toBe(a.inputs);
    writeFileSync(e.helperFile, 'export const where = () => "second";\n');
    const c = await workerBundle(e.file, e.cache);
    expect(c.compiled).toBe(true);
    expect(c.file).not.toBe(a.file);
    expect(readFileSync(c.file, "utf8")).toContain('"second"');
  });

  it("are safe to compile from several callers at once: each gets the same whole bundle", async () => {
    const e = experimentDir('export const where = () => "here";\n');
    const all = await Promise.all([1, 2, 3, 4].map(() => workerBundle(e.file, e.cache)));
    expect(new Set(all.map((b) => b.file)).size).toBe(1);
    const code = readFileSync(all[0]!.file);
    expect(code.byteLength).toBe(all[0]!.bytes);
    expect(code.toString()).toContain("sourceMappingURL=data:application/json");
    const again = await workerBundle(e.file, e.cache);
    expect(again).toMatchObject({ compiled: false, file: all[0]!.file });
  });

  it("load only what a run needs: no report, charts, mathjs, type checker or pool in a worker", async () => {
    const cache = tempDir("cascade-bundle-cache-");
    dirs.push(cache);
    const b = await workerBundle(FIXTURES.tiny, cache);
    for (const heavy of ["vega", "vega-lite", "mathjs", "typescript", "piscina", "cli-progress", "esbuild"]) {
      expect(b.external).not.toContain(heavy);
    }
    expect(b.external).toEqual(["seedrandom", "zod"]);
    expect(readFileSync(b.file, "utf8")).not.toMatch(/from "file:[^"]*vega/);
  });

  it("report a file that does not compile with its file:line:column", async () => {
    const e = experimentDir("export const where = () => {;\n");
    const err = await workerBundle(e.file, e.cache).catch((x: unknown) => x);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toMatch(
      /does not compile for the workers: .*helper\.ts:\d+:\d+: Unexpected end of file$/,
    );
    expect(existsSync(e.cache) ? readdirSync(e.cache) : []).toEqual([]);
  });

  it("run the experiment with its own import.meta.url and a stack that names the TypeScript lines", async () => {
    const e = experimentDir('export const where = () => "thrown in";\n');
    mkdirSync(path.join(e.dir, "parts"));
    const plan = await planExperiment(await importExperiment(e.file));
    const events: RunEvent[] = [];
    const stats = await runPool({
      experimentFile: e.file,
      plan,
      runIds: [0],
      partsDir: path.join(e.dir, "parts"),
      workers: 1,
      onRun: (ev) => events.push(ev),
    });
    expect(stats.failed).toBe(1);
    expect(events[0]!.error).toBe(`Error: thrown in ${pathToFileURL(e.file).href}`);
    expect(events[0]!.failure?.stack).toContain(`${e.file}:11:`);
  });
});

describe("the workers' Node.js options", () => {
  it("leave out a TypeScript loader, and only that", () => {
    expect(withoutTypeScriptLoader(["--import", "tsx", "--expose-gc"])).toEqual(["--expose-gc"]);
    expect(withoutTypeScriptLoader(["--import=tsx", "--inspect"])).toEqual(["--inspect"]);
    expect(
      withoutTypeScriptLoader([
        "--require",
        "/x/node_modules/tsx/dist/preflight.cjs",
        "--import",
        "file:///x/node_modules/tsx/dist/loader.mjs",
      ]),
    ).toEqual([]);
    expect(withoutTypeScriptLoader(["--loader", "tsx/esm", "-r", "tsx/cjs"])).toEqual([]);
    expect(withoutTypeScriptLoader(["--import", "./otel.mjs", "--import", "tsx-like"])).toEqual([
      "--import",
      "./otel.mjs",
      "--import",
      "tsx-like",
    ]);
  });
});
