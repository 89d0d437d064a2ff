/**
 * `pnpm test:slurm`: the cluster recipe of docs/cluster.md run for real. It starts a single-node
 * Slurm cluster from the distribution's packages (munged, slurmctld, slurmd; every file in a temp
 * directory), submits a small configuration of the flagship as a job array of 4 shards with
 * test/slurm/cascade-array.sbatch (each task finds its shard in SLURM_ARRAY_TASK_*), merges with
 * `cascade merge` in a job that depends on the array (`--dependency=afterok`), and checks that the
 * merged files hold the same results as one unsharded run of the same configuration on this
 * machine — the sameness every shard and merge test uses (runner's `outputDifferences`).
 *
 * Exit codes: 0 passed; 1 failed (with the Slurm logs' tails); 77 skipped because Slurm or munge
 * is not installed — which is not a pass. `CASCADE_SLURM_TIMEOUT_S` bounds the wait for the jobs
 * (default 1200 s); `CASCADE_SLURM_KEEP=1` keeps the temp directory of a passing run too.
 *
 * @module
 */

import { createHash } from "node:crypto";
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import os from "node:os";
import path from "node:path";
import { outputDifferences, ROOT } from "../../packages/runner/src/testing.ts";
import { cleanEnv, missingPrograms, SlurmCluster } from "./cluster.ts";
import { arrayProgress, describeJobs, isFinished, type JobRecord, parseJobs } from "./jobs.ts";
import { runCommand, tail } from "./proc.ts";

const CLI = path.join("packages", "runner", "bin", "cascade.mjs");
const JOB_SCRIPT = path.join("test", "slurm", "cascade-array.sbatch");

const EXPERIMENT = "flash-crash";
const SHARDS = 4;
/** The flagship, small: 2 points × 4 replications = 8 runs of 2,000 accounts over 12 simulated minutes, with liquidations. */
const RUN_ARGS = ["--runs", "4", "--set", "retailAccounts=2000", "--set", "durationMinutes=12"];

const timeoutS = Number(process.env.CASCADE_SLURM_TIMEOUT_S ?? 1200);
if (!(timeoutS > 0)) {
  console.error(
    `slurm test: CASCADE_SLURM_TIMEOUT_S = ${JSON.stringify(process.env.CASCADE_SLURM_TIMEOUT_S)}: must be a number of seconds > 0`,
  );
  process.exit(2);
}
const started = Date.now();
const passed: string[] = [];

function elapsed(): string {
  return `${((Date.now() - started) / 1000).toFixed(0).padStart(4)} s`;
}
function note(text: string): void {
  console.log(`[${elapsed()}] ${text}`);
}
function pass(text: string): void {
  passed.push(text);
  console.log(`[${elapsed()}] ✓ ${text}`);
}

/** A test failure: its message says what was expected and what happened. */
class Failure extends Error {}

function check(ok: boolean, what: string, otherwise: () => string): void {
  if (!ok) throw new Failure(`${what}: ${otherwise()}`);
  pass(what);
}

const shq = (s: string) => `'${s.replace(/'/g, "'\\''")}'`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface ManifestView {
  kind: string;
  status: string;
  configHash: string;
  totalRuns: number;
  plannedRuns: number;
  shard: { index: number; count: number } | null;
  runs: { ok: number; failed: number; missing: number };
}

function manifest(dir: string, name: string): ManifestView {
  const file = path.join(dir, name);
  if (!existsSync(file)) throw new Failure(`${file}: missing`);
  return JSON.parse(readFileSync(file, "utf8")) as ManifestView;
}

function sha256(file: string): string {
  return createHash("sha256").update(readFileSync(file)).digest("hex").slice(0, 16);
}

/** Polls `scontrol show job` until `done` holds for the job's records, or the deadline passes. */
async function waitFor(
  cluster: SlurmCluster,
  jobId: string,
  what: string,
  done: (records: JobRecord[]) => boolean,
  deadline: number,
): Promise<JobRecord[]> {
  let last = "";
  for (;;) {
    cluster.assertAlive();
    const records = parseJobs(await cluster.slurm("scontrol", ["--oneliner", "show", "job", jobId]));
    const now = describeJobs(records);
    if (now !== last) note(`${what}: ${now}`);
    last = now;
    if (done(records)) return records;
    if (Date.now() > deadline) {
      throw new Failure(`${what}: still ${now} after ${timeoutS} s (CASCADE_SLURM_TIMEOUT_S)`);
    }
    await sleep(1000);
  }
}

/** The task that {@link requeueMidRun} interrupts. */
const REQUEUED_TASK = 0;

/** A host name no node of the test cluster has. */
const DEAD_NODE = "node-that-died";

/**
 * Requeues task {@link REQUEUED_TASK} once its first run is in its part log — Slurm kills it
 * (SIGTERM) and queues it again, as on preemption — and lets it start again at once (Slurm would
 * hold it for two minutes). The job script then finds its manifest and resumes. A lock the killed
 * attempt left is made to name {@link DEAD_NODE}, as when the task restarts on another node.
 * @returns how it went: whether the task was still running when requeued, and its lock.
 */
async function requeueMidRun(
  cluster: SlurmCluster,
  arrayId: string,
  shared: string,
  deadline: number,
): Promise<{ how: string; lockMoved: boolean }> {
  const task = `${arrayId}_${REQUEUED_TASK}`;
  const parts = path.join(shared, "parts");
  const prefix = `shard-${REQUEUED_TASK}-of-${SHARDS}-`;
  for (;;) {
    cluster.assertAlive();
    const [job] = parseJobs(await cluster.slurm("scontrol", ["--oneliner", "show", "job", task]));
    const written =
      existsSync(parts) &&
      readdirSync(parts).some((n) => n.startsWith(prefix) && statSync(path.join(parts, n)).size > 0);
    if (written || (job !== undefined && isFinished(job.state))) {
      await cluster.slurm("scontrol", ["requeue", task]);
      // Requeued, the task is PENDING once its first attempt has ended; only then does a new
      // start time stick.
      await waitFor(cluster, task, "requeued", (r) => r[0]?.state === "PENDING", deadline);
      const lock = path.join(shared, `.shard-${REQUEUED_TASK}-of-${SHARDS}.json.lock`);
      const lockMoved = existsSync(lock);
      if (lockMoved) {
        const held = JSON.parse(readFileSync(lock, "utf8")) as Record<string, unknown>;
        writeFileSync(lock, `${JSON.stringify({ ...held, host: DEAD_NODE })}\n`);
      }
      await cluster.slurm("scontrol", ["update", `JobId=${task}`, "StartTime=now"]);
      const how =
        job?.state === "RUNNING"
          ? "while it ran, after its first run was written"
          : `after it ended ${job?.state}`;
      return {
        how: `${how}; ${lockMoved ? `its stale lock now names host ${DEAD_NODE}` : "it left no lock"}`,
        lockMoved,
      };
    }
    if (Date.now() > deadline) throw new Failure(`task ${task}: no run written after ${timeoutS} s`);
    await sleep(250);
  }
}

async function runTest(cluster: SlurmCluster, work: string): Promise<void> {
  const logs = cluster.paths.logs;
  const shared = path.join(work, "shards");
  const single = path.join(work, "single");
  const deadline = Date.now() + timeoutS * 1000;
  const limitMin = String(Math.ceil(timeoutS / 60));

  const submitted = (
    await cluster.slurm(
      "sbatch",
      [
        "--parsable",
        `--array=0-${SHARDS - 1}`,
        "--cpus-per-task=1",
        `--time=${limitMin}`,
        "--job-name=cascade-shards",
        `--output=${path.join(logs, "job-%A_%a.out")}`,
        JOB_SCRIPT,
        shared,
        EXPERIMENT,
        ...RUN_ARGS,
      ],
      ROOT,
    )
  ).trim();
  const arrayId = submitted.split(";")[0]!;
  const merge = `node ${CLI} merge ${shq(shared)} --out ${shq(shared)}`;
  const mergeId = (
    await cluster.slurm(
      "sbatch",
      [
        "--parsable",
        `--dependency=afterok:${arrayId}`,
        "--kill-on-invalid-dep=yes",
        "--cpus-per-task=1",
        `--time=${limitMin}`,
        "--job-name=cascade-merge",
        `--output=${path.join(logs, "job-%j-merge.out")}`,
        `--wrap=${merge}`,
      ],
      ROOT,
    )
  ).trim();
  note(`submitted array job ${arrayId} (${SHARDS} shards of ${EXPERIMENT} ${RUN_ARGS.join(" ")})`);
  note(`submitted merge job ${mergeId} (afterok:${arrayId}): ${merge}`);

  const arrayStart = Date.now();
  const requeued = await requeueMidRun(cluster, arrayId, shared, deadline);
  note(`requeued task ${REQUEUED_TASK} ${requeued.how}`);
  const tasks = await waitFor(
    cluster,
    arrayId,
    "array",
    (r) => {
      const p = arrayProgress(r, SHARDS);
      return p.finished || p.failed.length > 0;
    },
    deadline,
  );
  const progress = arrayProgress(tasks, SHARDS);
  check(
    progress.failed.length === 0 && progress.finished,
    `the ${SHARDS} array tasks completed with exit code 0`,
    () =>
      progress.failed
        .map(
          (t) =>
            `task ${t.arrayTaskId} ${t.state} ${t.exitCode}:\n${tail(path.join(logs, `job-${arrayId}_${t.arrayTaskId}.out`), 30)}`,
        )
        .join("\n"),
  );
  const arraySeconds = (Date.now() - arrayStart) / 1000;

  for (let i = 0; i < SHARDS; i++) {
    const log = readFileSync(path.join(logs, `job-${arrayId}_${i}.out`), "utf8");
    const m = manifest(shared, `shard-${i}-of-${SHARDS}.json`);
    const expected = m.totalRuns > i ? Math.ceil((m.totalRuns - i) / SHARDS) : 0;
    check(
      log.includes(`cascade shard ${i}-of-${SHARDS} of job ${arrayId}`) &&
        m.kind === "shard" &&
        m.shard?.index === i &&
        m.shard.count === SHARDS &&
        m.runs.ok === expected &&
        m.runs.failed === 0,
      `task ${i} ran shard ${i} of ${SHARDS} from SLURM_ARRAY_TASK_*: ${m.runs.ok} runs ok`,
      () =>
        `manifest shard ${JSON.stringify(m.shard)}, runs ${JSON.stringify(m.runs)} (expected ${expected} ok)`,
    );
  }
  const again = readFileSync(path.join(logs, `job-${arrayId}_${REQUEUED_TASK}.out`), "utf8");
  const resumed = /resuming: \d+ of \d+ runs already done/.exec(again)?.[0] ?? "no run done yet";
  const lockLine = `removing the lock of an earlier attempt on another host: {"pid":`;
  check(
    /^cascade shard .*, resuming$/m.test(again) && (!requeued.lockMoved || again.includes(lockLine)),
    `the requeued task ${REQUEUED_TASK} ran again with --resume (${resumed}${requeued.lockMoved ? `, after removing the lock of ${DEAD_NODE}` : ""})`,
    () =>
      `its log of the second attempt:\n${tail(path.join(logs, `job-${arrayId}_${REQUEUED_TASK}.out`), 30)}`,
  );

  const [mergeJob] = await waitFor(
    cluster,
    mergeId,
    "merge",
    (r) => r.length > 0 && isFinished(r[0]!.state),
    deadline,
  );
  const mergeLog = path.join(logs, `job-${mergeId}-merge.out`);
  check(
    mergeJob!.state === "COMPLETED" && mergeJob!.exitCode === "0:0",
    `the merge job ran after the array (afterok) and completed`,
    () => `${mergeJob!.state} ${mergeJob!.exitCode}:\n${tail(mergeLog, 30)}`,
  );
  const merged = manifest(shared, "manifest.json");
  check(
    merged.kind === "merge" &&
      merged.status === "complete" &&
      merged.runs.ok === merged.totalRuns &&
      merged.runs.failed === 0 &&
      merged.runs.missing === 0,
    `merged: ${merged.runs.ok} ok, ${merged.runs.failed} failed, ${merged.runs.missing} missing of ${merged.totalRuns} runs`,
    () => `manifest ${merged.kind} ${merged.status}, runs ${JSON.stringify(merged.runs)}`,
  );

  note(`single-machine run of the same configuration (${cluster.node.cpus} workers, no Slurm)`);
  const singleStart = Date.now();
  const r = await runCommand(
    "node",
    [
      CLI,
      "run",
      EXPERIMENT,
      ...RUN_ARGS,
      "--workers",
      String(cluster.node.cpus),
      "--out",
      single,
      "--no-report",
    ],
    { cwd: ROOT, env: cleanEnv(), timeoutMs: Math.max(60_000, deadline - Date.now()) },
  );
  const singleSeconds = (Date.now() - singleStart) / 1000;
  check(
    r.code === 0,
    "the single-machine run completed",
    () => `exit ${r.code ?? r.signal}:\n${r.stderr.slice(-3000)}`,
  );
  const reference = manifest(single, "manifest.json");
  check(
    reference.kind === "run" && reference.configHash === merged.configHash,
    `same configuration: config hash ${merged.configHash.slice(0, 12)}`,
    () => `single run ${reference.kind} ${reference.configHash}, merged ${merged.configHash}`,
  );
  const differences = outputDifferences(single, shared);
  check(
    differences.length === 0,
    "the merged files equal the single-machine run (timeseries and liquidations byte for byte, runs without wall_ms)",
    () => differences.join("; "),
  );
  note(
    `figures: array of ${SHARDS} tasks ${arraySeconds.toFixed(0)} s on ${cluster.node.cpus} CPUs, single run ${singleSeconds.toFixed(0)} s; ` +
      `sha256 timeseries.arrow ${sha256(path.join(shared, "timeseries.arrow"))}…, liquidations.arrow ${sha256(path.join(shared, "liquidations.arrow"))}…`,
  );
}

function skip(missing: readonly string[]): void {
  console.error(
    [
      `slurm test SKIPPED, NOT PASSED: ${missing.join(", ")} not found.`,
      "It needs a real Slurm and munge: on Debian or Ubuntu, as root,",
      "    apt-get update && apt-get install -y --no-install-recommends slurm-wlm munge",
      "(slurmctld, slurmd, the client commands and munged; the test starts and stops them itself,",
      "with every file in a temp directory: nothing in /etc/slurm is read or written). Then: pnpm test:slurm",
    ].join("\n"),
  );
  process.exitCode = 77;
}

async function main(): Promise<void> {
  const missing = missingPrograms();
  if (missing.length > 0) return skip(missing);
  const work = mkdtempSync(path.join(os.tmpdir(), "cascade-slurm-"));
  chmodSync(work, 0o755); // munged wants every directory above its socket searchable by all
  mkdirSync(path.join(work, "cluster"));
  const cluster = new SlurmCluster(path.join(work, "cluster"));
  let stopping: Promise<void> | undefined;
  let interrupted = false;
  const stop = () => {
    stopping ??= cluster.stop();
    return stopping;
  };
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    process.once(signal, () => {
      interrupted = true;
      console.error(`\nslurm test: ${signal}, stopping the cluster (its files stay in ${work})`);
      void stop().then(() => process.exit(130));
    });
  }
  process.once("exit", () => cluster.killNow());
  let failure: unknown;
  try {
    note(`starting a single-node Slurm cluster in ${work}`);
    await cluster.start();
    const { name, cpus } = cluster.node;
    pass(`a single-node Slurm cluster is up: munged, slurmctld, slurmd; node ${name} with ${cpus} CPUs`);
    await runTest(cluster, work);
  } catch (e) {
    failure = e;
  }
  if (interrupted) return; // the signal handler stops the cluster and exits
  if (failure !== undefined) {
    const e = failure instanceof Error ? failure : new Error(String(failure));
    // A test failure says what went wrong; anything else also says where.
    const where = e instanceof Failure ? [] : (e.stack ?? "").split("\n").filter((l) => /^\s+at /.test(l));
    console.error([`\n✗ ${e.message}`, ...where].join("\n"));
    console.error(`\nthe cluster's logs:\n${cluster.logTails()}`);
  }
  await stop();
  if (failure === undefined && process.env.CASCADE_SLURM_KEEP !== "1") {
    rmSync(work, { recursive: true, force: true });
  } else {
    note(`the test's files (cluster config, logs, outputs) are kept in ${work}`);
  }
  console.log(`slurm: ${passed.length} passed, ${failure === undefined ? 0 : 1} failed`);
  if (failure !== undefined) process.exitCode = 1;
}

await main();
