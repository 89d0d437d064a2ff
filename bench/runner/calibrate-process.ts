/**
 * One process of the runner suite's process ceiling (see `calibrate.ts`): plans the benchmark
 * experiment, warms up, prints `ready`, waits for a line on stdin, then runs `runs` runs in this
 * thread and prints `BENCH_RESULT <runs per second>`.
 *
 * @module
 */

import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { reproduceRun } from "../../packages/runner/src/execute.ts";
import { importExperiment } from "../../packages/runner/src/load.ts";
import { planExperiment } from "../../packages/runner/src/plan.ts";

const [runs, offset] = JSON.parse(process.argv[2]!) as [number, number];
const plan = await planExperiment(
  await importExperiment(fileURLToPath(new URL("./experiment.ts", import.meta.url))),
);
for (let i = 0; i < 30; i++) reproduceRun(plan, i % plan.totalRuns);
console.log("ready");
const lines = createInterface({ input: process.stdin });
await new Promise((resolve) => lines.once("line", resolve));
lines.close();
const t = performance.now();
for (let i = 0; i < runs; i++) reproduceRun(plan, (offset + i) % plan.totalRuns);
console.log(`BENCH_RESULT ${runs / ((performance.now() - t) / 1000)}`);
