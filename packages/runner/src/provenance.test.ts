import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { main } from "./cli/main.ts";
import { codeVersion, type Manifest } from "./manifest.ts";
import { mergeOutputs } from "./merge.ts";
import { runExperiment } from "./run-experiment.ts";
import { RUNNER_REPO_ROOT } from "./sources.ts";
import { SRC, tempDir } from "./testing.ts";

afterEach(() => {
  vi.restoreAllMocks();
});

/** The tiny fixture and its world, copied into a fresh directory (the world file edited by `editWorld`). */
function tinyCopy(editWorld: (text: string) => string = (t) => t): string {
  const dir = tempDir();
  const abs = (p: string) => JSON.stringify(path.resolve(SRC, p));
  const fix = (t: string) =>
    t
      .replace('"../index.ts"', abs("index.ts"))
      .replace('"../experiment.ts"', abs("experiment.ts"))
      .replace('"@cascade/core"', abs("../../core/src/index.ts"))
      .replace('"@cascade/sim"', abs("../../sim/src/index.ts"));
  writeFileSync(path.join(dir, "package.json"), '{ "type": "module" }\n');
  writeFileSync(path.join(dir, "tiny.ts"), fix(readFileSync(path.join(SRC, "fixtures", "tiny.ts"), "utf8")));
  writeFileSync(
    path.join(dir, "_world.ts"),
    editWorld(fix(readFileSync(path.join(SRC, "fixtures", "_world.ts"), "utf8"))),
  );
  return path.join(dir, "tiny.ts");
}

const shardOf = async (file: string, index: number) => {
  const out = tempDir();
  await runExperiment({
    experimentFile: file,
    out,
    workers: 1,
    shard: { index, count: 2 },
    overrides: ["durationS=3"],
    replications: 1,
  });
  return out;
};

const manifestOf = (dir: string, name = "manifest.json"): Manifest =>
  JSON.parse(readFileSync(path.join(dir, name), "utf8")) as Manifest;

describe("provenance in the manifest", () => {
  it("counts modified and untracked files, and says whether the experiment file is committed", () => {
    const repo = tempDir();
    const git = (...args: string[]) =>
      execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@t", ...args], { cwd: repo });
    git("init", "-q");
    writeFileSync(path.join(repo, "exp.ts"), "export default 1;\n");
    writeFileSync(path.join(repo, "lib.ts"), "export const x = 1;\n");
    git("add", ".");
    git("commit", "-qm", "init");
    expect(codeVersion(repo, path.join(repo, "exp.ts"))).toMatchObject({
      dirty: false,
      modified: 0,
      untracked: 0,
      experimentFile: "committed",
    });
    writeFileSync(path.join(repo, "new-agent.ts"), "export const y = 2;\n");
    expect(codeVersion(repo, path.join(repo, "new-agent.ts"))).toMatchObject({
      dirty: true,
      modified: 0,
      untracked: 1,
      experimentFile: "untracked",
    });
    writeFileSync(path.join(repo, "exp.ts"), "export default 2;\n");
    expect(codeVersion(repo, path.join(repo, "exp.ts"))).toMatchObject({
      dirty: true,
      modified: 1,
      untracked: 1,
      experimentFile: "modified",
    });
  });

  it("records a content hash of the experiment file and of every repository file it imports", async () => {
    const file = tinyCopy();
    const m = manifestOf(await shardOf(file, 0), "shard-0-of-2.json");
    const files = Object.keys(m.sources!.files);
    const rel = (p: string) => path.relative(RUNNER_REPO_ROOT, p);
    expect(files[0]).toBe(rel(file));
    expect(files).toContain(rel(path.join(path.dirname(file), "_world.ts")));
    expect(files).toContain("packages/sim/src/world.ts");
    expect(files).toContain("packages/exchange/src/perp-venue.ts");
    expect(m.sources!.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(m.codeVersion.experimentFile).toBe("outside");
  });
});

describe("cascade merge", () => {
  it("refuses shards whose sources differ, unless told to, and then records it", async () => {
    const file = tinyCopy();
    const s0 = await shardOf(file, 0);
    // The same experiment file, with its imported world edited in between (a comment: same config hash).
    writeFileSync(
      path.join(path.dirname(file), "_world.ts"),
      `// edited\n${readFileSync(path.join(path.dirname(file), "_world.ts"), "utf8")}`,
    );
    const s1 = await shardOf(file, 1);
    expect(manifestOf(s0, "shard-0-of-2.json").configHash).toBe(
      manifestOf(s1, "shard-1-of-2.json").configHash,
    );
    const out = path.join(tempDir(), "merged");
    expect(() => mergeOutputs({ inputs: [s0, s1], out })).toThrowError(
      /^merge = ".*": ran other sources than .* differing: .*_world\.ts\): rerun the shard with the same code, or pass --allow-source-mismatch$/,
    );
    expect(existsSync(out)).toBe(false);

    const err: string[] = [];
    vi.spyOn(console, "log").mockImplementation(() => {});
    vi.spyOn(console, "error").mockImplementation((...a: unknown[]) => {
      err.push(a.join(" "));
    });
    const code = await main([
      "merge",
      s0,
      s1,
      "--out",
      out,
      "--allow-source-mismatch",
      "--no-report",
      "--quiet",
    ]);
    vi.restoreAllMocks();
    expect(code).toBe(0);
    expect(err.join("\n")).toMatch(/--allow-source-mismatch: 1 input ran other sources/);
    const m = manifestOf(out);
    expect(m.mergedSourceMismatch).toHaveLength(1);
    expect(m.mergedSourceMismatch![0]!.files.some((f) => f.endsWith("_world.ts"))).toBe(true);
    expect(m.runs).toMatchObject({ ok: 4, failed: 0, missing: 0 });
    expect(existsSync(path.join(out, "runs.arrow"))).toBe(true);
    expect(existsSync(path.join(out, "report.html"))).toBe(false);
  });
});
