import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { listParts } from "./arrow/part-log.ts";
import { main } from "./cli/main.ts";
import { runExperiment } from "./run-experiment.ts";
import { cli, FIXTURES, readTable, SRC, tableData, tempDir } from "./testing.ts";

/** Runs the CLI in-process, capturing what it prints. */
async function run(args: string[], env: Record<string, string> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  vi.spyOn(console, "log").mockImplementation((...a: unknown[]) => {
    out.push(a.join(" "));
  });
  vi.spyOn(console, "error").mockImplementation((...a: unknown[]) => {
    err.push(a.join(" "));
  });
  for (const [k, v] of Object.entries(env)) vi.stubEnv(k, v);
  try {
    const code = await main(args);
    return { code, stdout: out.join("\n"), stderr: err.join("\n") };
  } finally {
    vi.restoreAllMocks();
    vi.unstubAllEnvs();
  }
}

afterEach(() => {
  vi.restoreAllMocks();
});

const FIXTURE_DIR = path.join(SRC, "fixtures");

describe("cascade CLI: bad input gives one clear line on stderr and exit code 2", () => {
  const cases: [string, string[], RegExp, Record<string, string>?][] = [
    [
      "an unknown experiment",
      ["run", "nope"],
      /^cascade: experiment = "nope": unknown experiment \(known: .* in experiments\)$/,
    ],
    [
      "an unknown experiment among known ones",
      ["run", "nope", "--experiments", FIXTURE_DIR],
      /unknown experiment \(known: conditional, failing, slow, tiny in /,
    ],
    [
      "an unknown --set key, naming the nearest parameter",
      ["run", "tiny", "--experiments", FIXTURE_DIR, "--set", "levrage=5"],
      /^cascade: --set levrage = "5": no such parameter \(did you mean leverage\?\)$/,
    ],
    [
      "a --set key in the wrong case, naming the parameter",
      ["run", FIXTURES.tiny, "--set", "DURATIONs=5"],
      /^cascade: --set DURATIONs = "5": no such parameter \(did you mean durationS\?\)$/,
    ],
    [
      "a --set key near no parameter, listing them all",
      ["run", "tiny", "--experiments", FIXTURE_DIR, "--set", "whaleBtc=5"],
      /^cascade: --set whaleBtc = "5": no such parameter \(parameters: leverage, volatility, traders, durationS, mode, probe\)$/,
    ],
    [
      "a --set without '=' (the value given as the next word)",
      ["run", FIXTURES.tiny, "--set", "leverage", "5"],
      /^cascade: --set = "leverage": needs key=value \(e\.g\. --set leverage=5\)$/,
    ],
    [
      "a mistyped option, naming the nearest one",
      ["run", FIXTURES.tiny, "--worker", "2"],
      /^cascade: unknown option '--worker' \(did you mean --workers\? see cascade run --help\)$/,
    ],
    [
      "a mistyped experiment name, naming the nearest one",
      ["run", "tinyy", "--experiments", FIXTURE_DIR],
      /^cascade: experiment = "tinyy": unknown experiment \(did you mean tiny\? known: conditional, failing, slow, tiny in /,
    ],
    [
      "a --set value of the wrong type",
      ["run", FIXTURES.tiny, "--set", "traders=many"],
      /^cascade: --set traders = "many": must be a number \(an integer\)$/,
    ],
    [
      "a bad shard spec",
      ["run", FIXTURES.tiny, "--shard", "2/2"],
      /^cascade: --shard = "2\/2": must be i\/N with 0 ≤ i < N/,
    ],
    [
      "a shard index without a count",
      ["run", FIXTURES.tiny],
      /^cascade: JOB_COMPLETION_INDEX = "3": needs the shard count/,
      { JOB_COMPLETION_INDEX: "3" },
    ],
    [
      "a bad worker count",
      ["run", FIXTURES.tiny, "--workers", "0"],
      /^cascade: --workers = "0": must be a positive integer$/,
    ],
    [
      "an unknown option",
      ["run", FIXTURES.tiny, "--frobnicate"],
      /^cascade: unknown option '--frobnicate' \(see cascade run --help\)$/,
    ],
    ["an unknown command", ["frobnicate"], /^cascade: command = "frobnicate": is unknown/],
    [
      "--resume without --out",
      ["run", FIXTURES.tiny, "--resume"],
      /^cascade: --resume = true: needs --out DIR$/,
    ],
    ["merge without --out", ["merge", FIXTURE_DIR], /^cascade: merge --out = undefined: is required$/],
  ];
  for (const [what, args, message, env] of cases) {
    it(`rejects ${what}`, async () => {
      const r = await run(args, env);
      expect(r.code).toBe(2);
      expect(r.stderr.split("\n")).toHaveLength(1);
      expect(r.stderr).toMatch(message);
      expect(r.stdout).toBe("");
    });
  }

  it("exits 2 with file:line:column for an experiment file with a syntax error", async () => {
    const dir = tempDir();
    const file = path.join(dir, "broken.ts");
    const text = readFileSync(FIXTURES.tiny, "utf8")
      .replace('"../index.ts"', JSON.stringify(path.join(SRC, "index.ts")))
      .replace('"./_world.ts"', JSON.stringify(path.join(FIXTURE_DIR, "_world.ts")))
      .replace("build: (p, run) => fixtureWorld(p, run),", "build: (p, run) => fixtureWorld(p, run)),");
    writeFileSync(file, text);
    const line = text.split("\n").findIndex((l) => l.includes("fixtureWorld(p, run)),")) + 1;
    for (const command of ["run", "describe"]) {
      const r = await cli([command, file, "--out", path.join(dir, "out")].slice(0, command === "run" ? 4 : 2))
        .done;
      expect(r.code).toBe(2);
      const lines = r.stderr.trim().split("\n");
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(
        new RegExp(
          `^cascade: experiment file = ".*broken\\.ts": does not compile: .*broken\\.ts:${line}:\\d+: Expected`,
        ),
      );
    }
  });

  it("exits non-zero without a stack trace as a process", async () => {
    const [a, b] = await Promise.all([
      cli(["run", "nope"]).done,
      cli(["run", FIXTURES.tiny, "--set", "leverage=lots"]).done,
    ]);
    expect(a.code).toBe(2);
    expect(a.stderr.trim()).toMatch(/^cascade: experiment = "nope": unknown experiment/);
    expect(b.code).toBe(2);
    expect(b.stderr.trim()).toBe('cascade: --set leverage = "lots": must be a number');
    expect(`${a.stderr}${b.stderr}`).not.toMatch(/\n\s+at /);
  });
});

describe("cascade CLI: list, describe, help", () => {
  it("lists the experiments of a directory with their run counts", async () => {
    const r = await run(["list", "--experiments", FIXTURE_DIR]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^failing\s+4\s+Fixture: one run per behaviour/m);
    expect(r.stdout).toMatch(/^tiny\s+8\s+Fixture: leveraged longs/m);
    expect(r.stdout).toMatch(/^slow\s+16\s+Fixture: the tiny world/m);
    // A conditional sweep counts the runs it makes: 4 of its grid's 6 points × 2.
    expect(r.stdout).toMatch(/^conditional\s+8\s+Fixture: leverage swept only where/m);
  });

  it("describes parameters, defaults, ranges, units and the sweep size", async () => {
    const r = await run(["describe", "tiny", "--experiments", FIXTURE_DIR]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/leverage\s+number\s+20\s+\[2, 100\]\s+x\s+leverage of the longs/);
    expect(r.stdout).toMatch(/mode\s+choice\s+full\s+full \| partial/);
    expect(r.stdout).toContain("notional = traders * 1000 * leverage");
    expect(r.stdout).toContain("grid of 4 points");
    expect(r.stdout).toContain("runs: 4 points × 2 = 8");
  });

  it("prints help for every command, including the cluster usage of run", async () => {
    for (const args of [
      ["--help"],
      ["run", "--help"],
      ["list", "--help"],
      ["describe", "--help"],
      ["merge", "-h"],
    ]) {
      const r = await run(args);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/^usage: cascade/);
    }
    const r = await run(["run", "--help"]);
    expect(r.stdout).toContain("SLURM_ARRAY_TASK_ID");
    expect(r.stdout).toContain("JOB_COMPLETION_INDEX");
  });
});

describe("cascade run --resume", () => {
  const args = ["--set", "delayMs=200", "--quiet"];
  let reference: string;

  beforeAll(async () => {
    reference = tempDir();
    await runExperiment({
      experimentFile: FIXTURES.slow,
      out: reference,
      workers: 2,
      overrides: ["delayMs=200"],
    });
  });

  it("continues a sweep killed with SIGKILL and writes the same files as an uninterrupted run", async () => {
    const out = tempDir();
    const parts = path.join(out, "parts");
    const child = cli(["run", FIXTURES.slow, "--out", out, "--workers", "1", ...args]);
    const deadline = Date.now() + 90_000;
    while (listParts(parts).length < 3) {
      if (Date.now() > deadline) throw new Error("no parts appeared");
      await new Promise((r) => setTimeout(r, 20));
    }
    process.kill(child.pid, "SIGKILL");
    const killed = await child.done;
    expect(killed.signal).toBe("SIGKILL");
    const before = listParts(parts).length;
    expect(before).toBeLessThan(16);
    expect(existsSync(path.join(out, "runs.arrow"))).toBe(false);
    expect(JSON.parse(readFileSync(path.join(out, "manifest.json"), "utf8")).status).toBe("running");

    const resumed = await cli(["run", FIXTURES.slow, "--out", out, "--workers", "2", "--resume", ...args])
      .done;
    expect(resumed.stderr).toContain(`resuming: ${before} of 16 runs already done`);
    expect(resumed.code).toBe(0);
    for (const t of ["timeseries", "liquidations"]) {
      const same = readFileSync(path.join(out, `${t}.arrow`)).equals(
        readFileSync(path.join(reference, `${t}.arrow`)),
      );
      expect(same, `${t}.arrow differs`).toBe(true);
    }
    expect(tableData(readTable(path.join(out, "runs.arrow")))).toEqual(
      tableData(readTable(path.join(reference, "runs.arrow"))),
    );
    const manifest = JSON.parse(readFileSync(path.join(out, "manifest.json"), "utf8"));
    expect(manifest).toMatchObject({ status: "complete", runs: { ok: 16, failed: 0, missing: 0 } });
    expect(manifest.configHash).toBe(
      JSON.parse(readFileSync(path.join(reference, "manifest.json"), "utf8")).configHash,
    );
  });

  it("refuses to resume a directory of another configuration, or to overwrite a run", async () => {
    const other = await run(["run", FIXTURES.slow, "--out", reference, "--resume", "--seed", "99"]);
    expect(other.code).toBe(2);
    expect(other.stderr).toMatch(/^cascade: --resume = ".*": holds a different configuration/);
    const again = await run(["run", FIXTURES.slow, "--out", reference, ...args]);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/already holds a run \(use --resume to continue it, or another --out\)$/);
  });
});
