import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { listParts } from "./arrow/part-log.ts";
import { ExperimentCheckError } from "./check.ts";
import { runExperiment } from "./run-experiment.ts";
import { cli, FIXTURES, SRC, tempDir } from "./testing.ts";

/** A copy of the tiny fixture in a temp directory, with `edit` applied to its text. */
function tinyVariant(name: string, edit: (text: string) => string): { file: string; text: string } {
  const file = path.join(tempDir(), `${name}.ts`);
  const text = edit(
    readFileSync(FIXTURES.tiny, "utf8")
      .replace('"../index.ts"', JSON.stringify(path.join(SRC, "index.ts")))
      .replace('"./_world.ts"', JSON.stringify(path.join(SRC, "fixtures", "_world.ts")))
      .replace('"@cascade/core"', JSON.stringify(path.join(SRC, "../../core/src/index.ts"))),
  );
  writeFileSync(file, text);
  return { file, text };
}

const lineOf = (text: string, needle: string) => text.split("\n").findIndex((l) => l.includes(needle)) + 1;

describe("cascade check", () => {
  it("passes an experiment that type-checks and whose worlds build, saying what it checked", async () => {
    const { file } = tinyVariant("good", (t) => t);
    const r = await cli(["check", file, "--workers", "1"]).done;
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^tiny: ok · 1 file type-check \([\d.]+ s\) · the worlds of all 4 points build/);
  });

  it("reports a typo in build as a type error with file:line:column, exit 2", async () => {
    const { file, text } = tinyVariant("typo", (t) =>
      t.replace(
        "build: (p, run) => fixtureWorld(p, run),",
        "build: (p, run) => fixtureWorld({ ...p, leverage: p.leverag }, run),",
      ),
    );
    const r = await cli(["check", file, "--workers", "1"]).done;
    expect(r.code).toBe(2);
    const line = lineOf(text, "p.leverag }");
    expect(r.stderr.trim()).toMatch(
      new RegExp(
        `^cascade: .*typo\\.ts:${line}:\\d+: error TS2551: Property 'leverag' does not exist .*Did you mean 'leverage'\\?`,
      ),
    );
    expect(r.stdout).toBe("");
  });

  it("names the point whose world does not build and the line that threw, and run stops before any run", async () => {
    const { file, text } = tinyVariant("nobuild", (t) =>
      t.replace(
        "build: (p, run) => fixtureWorld(p, run),",
        'build: (p, run) => {\n    if (p.leverage > 20) throw new RangeError("too much leverage");\n    return fixtureWorld(p, run);\n  },',
      ),
    );
    const line = lineOf(text, "too much leverage");
    const checked = await cli(["check", file, "--workers", "1"]).done;
    expect(checked.code).toBe(2);
    const lines = checked.stderr.trim().split("\n");
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(
      new RegExp(
        `^cascade: .*nobuild\\.ts:${line}:\\d+: the world of point 2 \\(leverage=50, probe=false\\) does not build: RangeError: too much leverage$`,
      ),
    );
    expect(lines[1]).toMatch(/the world of point 3 \(leverage=50, probe=true\)/);

    const out = path.join(tempDir(), "out");
    const run = await cli(["run", file, "--out", out, "--workers", "1", "--quiet", "--no-report"]).done;
    expect(run.code).toBe(2);
    expect(run.stderr.trim().split("\n").at(-1)).toMatch(
      new RegExp(
        `^cascade: .*nobuild\\.ts:${line}:\\d+: the world of point 2 .* does not build: RangeError: too much leverage \\(and 1 more`,
      ),
    );
    expect(listParts(path.join(out, "parts"))).toEqual([]);
    expect(existsSync(path.join(out, "manifest.json"))).toBe(false);
  });

  it("catches worlds whose build throws, hangs past the time limit or exits the worker", async () => {
    const out = tempDir();
    const err = await runExperiment({
      experimentFile: FIXTURES.failing,
      out,
      workers: 2,
      runTimeoutSec: 1,
    }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ExperimentCheckError);
    const lines = (err as ExperimentCheckError).lines;
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(
      /failing\.ts:\d+:\d+: the world of point 1 \(behaviour=throw\) does not build: Error: build failed on purpose$/,
    );
    expect(lines[1]).toMatch(
      /point 2 \(behaviour=hang\) does not build: TimeoutError: building the world took longer than 1 s$/,
    );
    expect(lines[2]).toMatch(/point 3 \(behaviour=exit\) does not build: WorkerError: /);
    expect(existsSync(path.join(out, "manifest.json"))).toBe(false);
  });
});
