/**
 * Runner integrity under faults (issue 13, items 7–12): configuration keys in part records,
 * merge targets, damaged logs and their repair, failed sweeps, and the CLI's edges.
 */
import { spawnSync } from "node:child_process";
import {
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  unlinkSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { acquireLock, LOCK_STALE_MS } from "./arrow/out-dir.ts";
import { listParts, RECORD_HEADER_BYTES } from "./arrow/part-log.ts";
import { main } from "./cli/main.ts";
import { pendingRuns, runExperiment } from "./run-experiment.ts";
import { cli, FIXTURES, tempDir as newTempDir, readTable, tableData } from "./testing.ts";

const made: string[] = [];
/** A temp directory removed after the tests. */
function tempDir(): string {
  const d = newTempDir();
  made.push(d);
  return d;
}
afterAll(() => {
  for (const d of made) rmSync(d, { recursive: true, force: true });
});

/** Runs the CLI in-process, capturing what it prints. */
async function run(args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  vi.spyOn(console, "log").mockImplementation((...a: unknown[]) => {
    out.push(a.join(" "));
  });
  vi.spyOn(console, "error").mockImplementation((...a: unknown[]) => {
    err.push(a.join(" "));
  });
  try {
    const code = await main(args);
    return { code, stdout: out.join("\n"), stderr: err.join("\n") };
  } finally {
    vi.restoreAllMocks();
  }
}

const Q = ["--quiet", "--no-report", "--workers", "1"];
let reference: string;
beforeAll(async () => {
  reference = tempDir();
  await runExperiment({ experimentFile: FIXTURES.tiny, out: reference, workers: 1 });
});

function copyOf(dir: string): string {
  const d = tempDir();
  cpSync(dir, d, { recursive: true });
  return d;
}

function runsData(dir: string): unknown {
  return tableData(readTable(path.join(dir, "runs.arrow")));
}

describe("configuration keys in part records", () => {
  it("refuse a --resume with another --set even when manifest.json is gone", async () => {
    const out = copyOf(reference);
    unlinkSync(path.join(out, "manifest.json"));
    const r = await run(["run", FIXTURES.tiny, "--out", out, "--resume", "--set", "traders=30", ...Q]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /^cascade: --resume = ".*": holds runs of another configuration \(parts\/run-001\.partlog run \d+ at byte \d+: config [0-9a-f]{16}…; this sweep: config [0-9a-f]{16}…\)$/,
    );
    // The same configuration resumes (and re-assembles) fine without the manifest.
    const same = await run(["run", FIXTURES.tiny, "--out", out, "--resume", ...Q]);
    expect(same.code).toBe(0);
    expect(runsData(out)).toEqual(runsData(reference));
  });

  it("refuse a merge whose part records disagree with the manifests", async () => {
    const other = tempDir();
    await runExperiment({ experimentFile: FIXTURES.tiny, out: other, workers: 1, overrides: ["traders=30"] });
    const mixed = copyOf(reference);
    rmSync(path.join(mixed, "parts"), { recursive: true });
    cpSync(path.join(other, "parts"), path.join(mixed, "parts"), { recursive: true });
    const r = await run(["merge", mixed, "--out", tempDir(), "--quiet"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^cascade: merge = ".*": holds runs of another configuration/);
  });
});

describe("cascade merge --out", () => {
  it("refuses a directory holding another experiment or configuration, or other files", async () => {
    const other = tempDir();
    await runExperiment({ experimentFile: FIXTURES.tiny, out: other, workers: 1, seed: 99 });
    const before = readFileSync(path.join(other, "runs.arrow"));
    const r = await run(["merge", reference, "--out", other, "--quiet"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /merge --out = ".*": holds another experiment or configuration \(manifest\.json: tiny, config/,
    );
    expect(readFileSync(path.join(other, "runs.arrow")).equals(before)).toBe(true);

    const notes = tempDir();
    writeFileSync(path.join(notes, "thesis.tex"), "\\begin{document}");
    const n = await run(["merge", reference, "--out", notes, "--quiet"]);
    expect(n.code).toBe(2);
    expect(n.stderr).toMatch(/is not empty and holds no cascade output \(thesis\.tex\)/);
  });

  it("takes the directory lock a run takes, and refuses inputs that a live process still writes", async () => {
    const target = path.join(tempDir(), "merged");
    mkdirSync(target);
    // Another merge (or an unsharded run) holds the session lock of the target.
    const merging = acquireLock(target, "manifest.json", "cascade merge");
    const m = await run(["merge", reference, "--out", target, "--quiet"]);
    expect(m.code).toBe(2);
    expect(m.stderr).toMatch(
      /^cascade: merge --out = ".*merged": is in use by cascade merge \(pid \d+ on .*\); lock file .*\.manifest\.json\.lock/,
    );
    merging();
    // A shard still running in the target, or in an input, would leave its runs out.
    const shard = acquireLock(target, "shard-0-of-2.json", "cascade run");
    expect((await run(["merge", reference, "--out", target, "--quiet"])).stderr).toMatch(
      /merge --out = ".*merged": is in use by cascade run/,
    );
    shard();
    const input = copyOf(reference);
    const running = acquireLock(input, "shard-1-of-2.json", "cascade run");
    const i = await run(["merge", input, "--out", target, "--quiet"]);
    expect(i.code).toBe(2);
    expect(i.stderr).toMatch(/^cascade: merge = ".*": is in use by cascade run .*shard-1-of-2\.json\.lock/);
    running();
    expect((await run(["merge", input, "--out", target, "--quiet"])).code).toBe(0);
    expect(readdirSync(target).filter((n) => n.endsWith(".lock"))).toEqual([]);
    expect(runsData(target)).toEqual(runsData(reference));
  });

  it("accepts a new directory, and merging the same sweep into it again", async () => {
    const target = path.join(tempDir(), "merged");
    expect((await run(["merge", reference, "--out", target, "--quiet"])).code).toBe(0);
    expect((await run(["merge", reference, "--out", target, "--quiet"])).code).toBe(0);
    expect(runsData(target)).toEqual(runsData(reference));
  });
});

describe("a damaged part log", () => {
  it("is named by run and offset, repaired keeping every intact record, and only the lost run runs again", async () => {
    const out = copyOf(reference);
    const log = path.join(out, "parts", "run-001.partlog");
    const victim = listParts(path.join(out, "parts"))[3]!;
    const bytes = readFileSync(log);
    bytes[victim.offset + 11]! ^= 0x10;
    writeFileSync(log, bytes);

    const failed = await run(["run", FIXTURES.tiny, "--out", out, "--resume", ...Q]);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toContain(
      `part log ${log}: the record of run ${victim.runId} at byte ${victim.recordOffset}: the record fails its checksum`,
    );
    expect(failed.stderr).toContain(`cascade repair ${out}`);

    const repaired = await run(["repair", out]);
    expect(repaired.code).toBe(0);
    expect(repaired.stdout).toContain(`repaired 1 part log: 7 records kept, 1 run lost (${victim.runId})`);
    expect(readdirSync(path.join(out, "parts")).sort()).toEqual([
      "run-001.partlog",
      "run-001.partlog.damaged",
    ]);

    const resumed = await run(["run", FIXTURES.tiny, "--out", out, "--resume", ...Q]);
    expect(resumed.code).toBe(0);
    expect(resumed.stderr).toContain("resuming: 7 of 8 runs already done");
    expect(runsData(out)).toEqual(runsData(reference));
  });

  it("with a damaged length field in the middle is repaired and resumed in one step (--resume --repair)", async () => {
    const out = copyOf(reference);
    const log = path.join(out, "parts", "run-001.partlog");
    const victim = listParts(path.join(out, "parts"))[2]!;
    const bytes = readFileSync(log);
    bytes.writeUInt32LE(0x7ffffff0, victim.recordOffset + 12);
    writeFileSync(log, bytes);
    const merged = await run(["merge", out, "--out", tempDir(), "--quiet"]);
    expect(merged.code).toBe(1);
    expect(merged.stderr).toContain(
      `part log ${log}: at byte ${victim.recordOffset}: the header fails its checksum`,
    );

    const r = await run(["run", FIXTURES.tiny, "--out", out, "--resume", "--repair", ...Q]);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(
      `parts/run-001.partlog: cut ${victim.offset - victim.recordOffset + Math.ceil(victim.length / 8) * 8} bytes at byte ${victim.recordOffset}`,
    );
    expect(r.stderr).toContain("resuming: 7 of 8 runs already done");
    expect(runsData(out)).toEqual(runsData(reference));
    expect(RECORD_HEADER_BYTES).toBe(56);
  });
});

describe("failed runs in a sweep", () => {
  it("exit non-zero when every run failed, printing the first errors with their stack and where the rest are", async () => {
    const out = tempDir();
    const r = await run([
      "run",
      FIXTURES.failing,
      "--no-check",
      "--out",
      out,
      "--set",
      "behaviour=throw",
      "--runs",
      "4",
      ...Q,
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("every run failed (4)");
    expect(r.stderr).toContain("the first 3 errors of this session:");
    expect(r.stderr).toMatch(
      / {2}run 0 while building the world: Error: build failed on purpose\n {4}at .*failing\.ts/,
    );
    expect(r.stderr).toContain(`runs.arrow (column error, where status = "failed"`);
  });

  it("exit 0 when some runs failed, after printing their first errors", async () => {
    const out = tempDir();
    const r = await run(["run", FIXTURES.failing, "--no-check", "--out", out, "--run-timeout", "1", ...Q]);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain("3 runs failed");
    expect(r.stderr).toMatch(/run 1 while building the world: Error: build failed on purpose/);
    expect(r.stderr).toMatch(/run [23]: (TimeoutError|WorkerError)/);
  });
});

describe("cascade run: output directory edges", () => {
  it("fails fast with the system's reason for --out under /proc (once a busy loop ignoring Ctrl-C)", async () => {
    const t = Date.now();
    const r = await cli(["run", FIXTURES.tiny, "--out", "/proc/cascade-test/out", "--quiet"]).done;
    expect(Date.now() - t).toBeLessThan(30_000);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe(
      'cascade: --out = "/proc/cascade-test/out": cannot create /proc/cascade-test: the file system does not allow creating it (ENOENT)',
    );
  });

  it('refuses --out "" (it once wrote into the repository root)', async () => {
    const r = await run(["run", FIXTURES.tiny, "--out", "", ...Q]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('cascade: --out = "": must name a directory');
    const m = await run(["merge", reference, "--out", " "]);
    expect(m.code).toBe(2);
  });

  const roBase = newTempDir();
  const ro = path.join(roBase, "ro");
  const canMount =
    process.platform === "linux" &&
    process.getuid?.() === 0 &&
    (() => {
      mkdirSync(ro);
      const ok =
        spawnSync("mount", ["--bind", roBase, ro]).status === 0 &&
        spawnSync("mount", ["-o", "remount,bind,ro", ro]).status === 0;
      return ok;
    })();
  afterAll(() => {
    if (canMount) spawnSync("umount", [ro]);
    rmSync(roBase, { recursive: true, force: true });
  });
  it.skipIf(!canMount)(
    "reports a read-only mount as read-only, not ENOENT (needs root to bind-mount)",
    async () => {
      const r = await run(["run", FIXTURES.tiny, "--out", path.join(ro, "a", "b"), ...Q]);
      expect(r.code).toBe(2);
      expect(r.stderr).toBe(
        `cascade: --out = "${path.join(ro, "a", "b")}": cannot create ${path.join(ro, "a")}: read-only file system (EROFS)`,
      );
    },
  );

  it("refuses a second process on the same runs (lock file) and takes over a dead process's lock", async () => {
    const out = tempDir();
    const release = acquireLock(out, "manifest.json", "another cascade run");
    const r = await run(["run", FIXTURES.tiny, "--out", out, ...Q]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      new RegExp(
        `is in use by another cascade run \\(pid ${process.pid} on ${os.hostname()}, since .*\\); lock file .*\\.manifest\\.json\\.lock`,
      ),
    );
    release();
    // A shard of the same directory conflicts with an unsharded run's live lock too.
    const again = acquireLock(out, "manifest.json", "another cascade run");
    const s = await run(["run", FIXTURES.tiny, "--out", out, "--shard", "0/2", ...Q]);
    expect(s.code).toBe(2);
    expect(s.stderr).toContain("is in use by another cascade run");
    again();
    // The lock of a process that is gone is taken over.
    const dead = spawnSync(process.execPath, ["-e", "0"]).pid!;
    writeFileSync(
      path.join(out, ".manifest.json.lock"),
      JSON.stringify({ pid: dead, host: os.hostname(), startedAt: "then", what: "cascade run" }),
    );
    const ok = await run(["run", FIXTURES.tiny, "--out", out, ...Q]);
    expect(ok.code).toBe(0);
    expect(existsSync(path.join(out, ".manifest.json.lock"))).toBe(false);
  });

  it("lets a starting shard delete only its own temp files in a shared directory", async () => {
    const out = tempDir();
    const theirs = path.join(out, ".shard-1-of-2.json.4242.tmp");
    const mine = path.join(out, ".shard-0-of-2.json.4242.tmp");
    writeFileSync(theirs, "{");
    writeFileSync(mine, "{");
    const r = await run(["run", FIXTURES.tiny, "--out", out, "--shard", "0/2", ...Q]);
    expect(r.code).toBe(0);
    expect(existsSync(theirs)).toBe(true);
    expect(existsSync(mine)).toBe(false);
  });

  it("plans sweeps of more than 2^24 runs (once 'Set maximum size exceeded')", async () => {
    const out = tempDir();
    const r = await runExperiment({
      experimentFile: FIXTURES.failing,
      check: false,
      out,
      workers: 1,
      replications: 2 ** 24 + 1,
      overrides: ["behaviour=throw"],
      maxFailures: 1,
    });
    expect(r.plan.totalRuns).toBe(2 ** 24 + 1);
    expect(r.manifest.status).toBe("stopped");
    expect(r.manifest.runs).toEqual({ ok: 0, failed: 1, missing: r.plan.totalRuns - 1 });
  });

  it("lists pending run ids lazily, in order, skipping the done ones", () => {
    const seq = pendingRuns(10, { index: 1, count: 3 }, [4]);
    expect(seq.length).toBe(2);
    expect([seq.at(0), seq.at(1), seq.at(2)]).toEqual([1, 7, undefined]);
    const all = pendingRuns(2 ** 31 - 1, null, []);
    expect(all.length).toBe(2 ** 31 - 1);
    expect(all.at(0)).toBe(0);
  });

  it("stops on Ctrl-C (SIGINT)", async () => {
    const out = tempDir();
    const child = cli([
      "run",
      FIXTURES.slow,
      "--out",
      out,
      "--workers",
      "1",
      "--set",
      "delayMs=200",
      "--quiet",
    ]);
    // Generous: the child type-checks and compiles the experiment first, slow on a loaded machine.
    const deadline = Date.now() + 240_000;
    while (listParts(path.join(out, "parts")).length < 1) {
      if (Date.now() > deadline) throw new Error("no parts appeared");
      await new Promise((r) => setTimeout(r, 20));
    }
    const t = Date.now();
    process.kill(child.pid, "SIGINT");
    const r = await child.done;
    expect(Date.now() - t).toBeLessThan(10_000);
    expect(r.signal === "SIGINT" || r.code === 130).toBe(true);
    expect(readdirSync(out).filter((n) => n.endsWith(".lock"))).toEqual([]);
  }, 300_000);

  it("removes its lock on SIGTERM (a Kubernetes pod being stopped), so the next pod resumes at once", async () => {
    const out = tempDir();
    const args = ["run", FIXTURES.slow, "--out", out, "--workers", "1", "--set", "delayMs=200", "--quiet"];
    const child = cli(args);
    // Generous: the child type-checks and compiles the experiment first, slow on a loaded machine.
    const deadline = Date.now() + 240_000;
    while (listParts(path.join(out, "parts")).length < 1) {
      if (Date.now() > deadline) throw new Error("no parts appeared");
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(existsSync(path.join(out, ".manifest.json.lock"))).toBe(true);
    process.kill(child.pid, "SIGTERM");
    const r = await child.done;
    expect(r.signal === "SIGTERM" || r.code === 143).toBe(true);
    expect(readdirSync(out).filter((n) => n.endsWith(".lock"))).toEqual([]);
  }, 300_000);

  it("takes over a lock its own pid left under another process token (a restarted container is pid 1 again)", () => {
    const out = tempDir();
    const file = path.join(out, ".manifest.json.lock");
    const info = {
      pid: process.pid,
      host: os.hostname(),
      startedAt: "then",
      what: "cascade run",
      token: "earlier",
    };
    writeFileSync(file, JSON.stringify(info));
    const release = acquireLock(out, "manifest.json", "cascade run");
    expect(JSON.parse(readFileSync(file, "utf8")).token).not.toBe("earlier");
    // Its own live lock (this token) is still refused to a second session of the same process.
    expect(() => acquireLock(out, "manifest.json", "cascade run")).toThrow(/is in use by cascade run/);
    release();
    expect(existsSync(file)).toBe(false);
  });

  it("judges another host's lock by its heartbeat: refused while fresh, taken over when stale", () => {
    const out = tempDir();
    const file = path.join(out, ".manifest.json.lock");
    const info = { pid: 4242, host: "some-other-pod", startedAt: "then", what: "cascade run", token: "x" };
    writeFileSync(file, JSON.stringify(info));
    expect(() => acquireLock(out, "manifest.json", "cascade run")).toThrow(
      /is in use by cascade run \(pid 4242 on some-other-pod/,
    );
    const old = new Date(Date.now() - LOCK_STALE_MS - 60_000);
    utimesSync(file, old, old);
    const release = acquireLock(out, "manifest.json", "cascade run");
    expect(JSON.parse(readFileSync(file, "utf8")).host).toBe(os.hostname());
    release();
  });
});

describe("cascade help", () => {
  it("says that experiments are code and states the default run timeout", async () => {
    const list = await run(["list", "--help"]);
    expect(list.stdout).toContain("Experiments are code, not data");
    const help = await run(["run", "--help"]);
    expect(help.stdout).toContain("(default 3600: one hour");
    expect(help.stdout).toContain("--repair");
    const repair = await run(["repair", "--help"]);
    expect(repair.stdout).toMatch(/^usage: cascade repair <dir>/);
  });
});
