/**
 * Calibration for the `runner` suite, in a fresh process: how much throughput this machine gives
 * two busy threads compared with one —
 * - on a pure arithmetic loop (no memory traffic, no I/O): the CPUs' own ceiling;
 * - on the benchmark's simulation runs executed directly in bare worker threads (no pool, no
 *   Arrow, no files): the ceiling of this workload, which allocates and touches a lot of memory;
 * - on the same runs in two independent processes (nothing shared but the machine): what the
 *   machine itself gives this workload, whatever a runner does.
 * The runner's scaling efficiency is reported against these, as well as against the ideal 2×.
 *
 * @module
 */

import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath, pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import { REPO_ROOT, readTrialInput, reportTrialResult } from "../harness/fresh-process.ts";

/** The ceilings a calibration can measure. */
export type CeilingName = "arithmetic" | "workload" | "processes";

/** What the suite asks the calibration to do. */
export interface CalibrationInput {
  /** Simulation runs per thread in the workload calibration. */
  readonly runs: number;
  /** `CASCADE_BENCH_POINTS` of the benchmark experiment. */
  readonly points: number;
  /** Which ceilings to measure. */
  readonly measure: readonly CeilingName[];
  /** Rounds of each measured ceiling (the best of them is kept). */
  readonly rounds: number;
}

/** A ceiling: rates with one and two threads and their ratio to the ideal. */
export interface Ceiling {
  readonly oneThread: number;
  readonly twoThreads: number;
  /** twoThreads / (2 × oneThread). */
  readonly efficiency: number;
}

/** What the calibration reports (the ceilings it was asked to measure). */
export interface CalibrationResult {
  /** Pure arithmetic, loop iterations per second. */
  readonly arithmetic?: Ceiling;
  /** The benchmark's simulation runs in bare threads, runs per second. */
  readonly workload?: Ceiling;
  /** The same runs in one process vs two independent processes at once, runs per second. */
  readonly processes?: Ceiling;
}

const ITERATIONS = 50_000_000;

/** The arithmetic thread: plain JS, evaluated in the worker. */
const SPIN = `
const { parentPort } = require("node:worker_threads");
parentPort.once("message", () => {
  let x = 0;
  for (let i = 0; i < ${ITERATIONS}; i++) x = (x + i * 1.0000001) % 1e9;
  parentPort.postMessage(${ITERATIONS});
});`;

const RUNNER = pathToFileURL(fileURLToPath(new URL("../../packages/runner/src/", import.meta.url))).href;
const EXPERIMENT = fileURLToPath(new URL("./experiment.ts", import.meta.url));
const TSX_API = import.meta.resolve("tsx/esm/api");

/** The simulation thread: registers tsx, plans the experiment, warms up, then runs on request. */
function simulationThread(runs: number, offset: number): string {
  return `(async () => {
const { parentPort } = require("node:worker_threads");
const { register } = await import(${JSON.stringify(TSX_API)});
register();
const { importExperiment } = await import("${RUNNER}load.ts");
const { planExperiment } = await import("${RUNNER}plan.ts");
const { reproduceRun } = await import("${RUNNER}execute.ts");
const plan = await planExperiment(await importExperiment(${JSON.stringify(EXPERIMENT)}));
for (let i = 0; i < 30; i++) reproduceRun(plan, i % plan.totalRuns);
parentPort.postMessage("ready");
parentPort.once("message", () => {
  for (let i = 0; i < ${runs}; i++) reproduceRun(plan, (${offset} + i) % plan.totalRuns);
  parentPort.postMessage(${runs});
});
})();`;
}

/** Work units per second of `threads` threads made by `make`, timed from a common start. */
async function rate(threads: number, make: (i: number) => Worker, waitReady: boolean): Promise<number> {
  const workers = Array.from({ length: threads }, (_, i) => make(i));
  await Promise.all(workers.map((w) => new Promise((r) => w.once(waitReady ? "message" : "online", r))));
  const t = performance.now();
  const units = await Promise.all(
    workers.map((w) => {
      const done = new Promise<number>((r) => w.once("message", r));
      w.postMessage("go");
      return done;
    }),
  );
  const seconds = (performance.now() - t) / 1000;
  await Promise.all(workers.map((w) => w.terminate()));
  return units.reduce((a, b) => a + b, 0) / seconds;
}

/** Runs per second of `count` processes (`calibrate-process.ts`), timed from a common start. */
async function processRate(count: number, runs: number): Promise<number> {
  const script = fileURLToPath(new URL("./calibrate-process.ts", import.meta.url));
  const children = Array.from({ length: count }, (_, i) =>
    spawn(process.execPath, ["--import", "tsx", script, JSON.stringify([runs, 100 + i * runs])], {
      cwd: REPO_ROOT,
      stdio: ["pipe", "pipe", "inherit"],
    }),
  );
  const outputs = children.map((c) => {
    const lines = createInterface({ input: c.stdout! });
    const exited = new Promise<never>((_, reject) =>
      c.on("close", (code) => reject(new Error(`calibration process exited with code ${code}`))),
    );
    // Settled promises ignore the later rejection; a child that dies early fails the calibration.
    exited.catch(() => {});
    const ready = Promise.race([
      new Promise<void>((resolve) => lines.on("line", (l) => l === "ready" && resolve())),
      exited,
    ]);
    const result = Promise.race([
      new Promise<number>((resolve) =>
        lines.on("line", (l) => l.startsWith("BENCH_RESULT ") && resolve(Number(l.slice(13)))),
      ),
      exited,
    ]);
    return { ready, result };
  });
  await Promise.all(outputs.map((o) => o.ready));
  for (const c of children) c.stdin!.end("go\n");
  const rates = await Promise.all(outputs.map((o) => o.result));
  return rates.reduce((a, b) => a + b, 0);
}

/** Best of `rounds` of each rate, so a moment of interference does not set the ceiling. */
async function ceiling(rounds: number, measure: (threads: number) => Promise<number>): Promise<Ceiling> {
  let oneThread = 0;
  let twoThreads = 0;
  for (let i = 0; i < rounds; i++) {
    oneThread = Math.max(oneThread, await measure(1));
    twoThreads = Math.max(twoThreads, await measure(2));
  }
  return { oneThread, twoThreads, efficiency: twoThreads / (2 * oneThread) };
}

const input = readTrialInput<CalibrationInput>();
process.env.CASCADE_BENCH_POINTS = String(input.points);
const measures: Record<CeilingName, (threads: number) => Promise<number>> = {
  arithmetic: (k) => rate(k, () => new Worker(SPIN, { eval: true }), false),
  workload: (k) =>
    rate(k, (i) => new Worker(simulationThread(input.runs, 100 + i * input.runs), { eval: true }), true),
  processes: (k) => processRate(k, input.runs),
};
const result: { -readonly [K in CeilingName]?: Ceiling } = {};
for (const name of input.measure) result[name] = await ceiling(input.rounds, measures[name]);
reportTrialResult(result satisfies CalibrationResult);
