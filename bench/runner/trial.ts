/**
 * One trial of the `runner` suite, in a fresh process: run the benchmark experiment with the
 * requested number of workers into a temporary directory and report throughput, where the time
 * went (simulation in the workers, Arrow encoding in the workers, the part log and final assembly
 * in the main thread) and fingerprints of the output files. The sweep runs without the world
 * checks (`check: false`), so the workers' start-up falls inside the pool phase, as it does for
 * `cascade run --no-check`, instead of hiding behind the checks' world builds.
 *
 * @module
 */

import { createHash } from "node:crypto";
import { readFileSync, rmSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { RecordBatchReader } from "../../packages/runner/src/arrow/lib.ts";
import { runExperiment } from "../../packages/runner/src/index.ts";
import { readTrialInput, reportTrialResult } from "../harness/fresh-process.ts";

/** What the suite asks a trial to do. */
export interface RunnerTrialInput {
  readonly workers: number;
  /** Output directory (removed afterwards). */
  readonly out: string;
}

/** What a trial reports. */
export interface RunnerTrialResult {
  readonly workers: number;
  readonly runs: number;
  readonly failed: number;
  /** Whole command: import, plan, pool, assembly, ms. */
  readonly wallMs: number;
  /** Pool phase (first task to last part written), ms. */
  readonly poolMs: number;
  /** From the pool's creation (workers starting to load) to its first task, ms. */
  readonly startupMs: number;
  /** Runs per second over the whole pool phase: from the pool's creation to the last run recorded. */
  readonly runsPerSecond: number;
  /** Runs per second once the pool is warm (after the first 10 % of runs). */
  readonly steadyRunsPerSecond: number;
  /** Main thread: handing part records to the part log, ms. */
  readonly partWriteMs: number;
  /** Elapsed time of the part log's writes, summed (overlaps the simulation), ms. */
  readonly partWriteIoMs: number;
  /** The part log's `writev` calls. */
  readonly partWrites: number;
  /** Main thread: assembling the three Arrow files, ms. */
  readonly assembleMs: number;
  /** (part writes + assembly) / wall time. */
  readonly writerShare: number;
  /** Workers: simulation (build + run + summarize) and Arrow encoding, summed over runs, ms. */
  readonly simMs: number;
  readonly encodeMs: number;
  /** Bytes of the part records and of the three final files. */
  readonly partBytes: number;
  readonly outputBytes: number;
  /** SHA-256 of timeseries.arrow + liquidations.arrow and of the runs' trace hashes. */
  readonly fingerprint: string;
}

const EXPERIMENT = path.join(path.dirname(fileURLToPath(import.meta.url)), "experiment.ts");

async function main(): Promise<void> {
  const input = readTrialInput<RunnerTrialInput>();
  const done: number[] = [];
  let t0 = 0;
  const result = await runExperiment({
    experimentFile: EXPERIMENT,
    out: input.out,
    workers: input.workers,
    check: false,
    progress: {
      start: () => {
        t0 = performance.now();
      },
      update: () => {
        done.push(performance.now());
      },
      stop: () => {},
    },
  });
  const n = done.length;
  const k = Math.floor(n / 10);
  const steady = n > k + 1 ? (n - 1 - k) / ((done[n - 1]! - done[k]!) / 1000) : Number.NaN;
  const hash = createHash("sha256");
  let outputBytes = 0;
  for (const t of ["timeseries", "liquidations", "runs"]) {
    const bytes = readFileSync(path.join(input.out, `${t}.arrow`));
    outputBytes += bytes.byteLength;
    if (t !== "runs") hash.update(bytes);
    else {
      for (const batch of RecordBatchReader.from(bytes)) {
        const col = batch.getChild("trace_hash")!;
        for (let i = 0; i < batch.numRows; i++) hash.update(`${col.get(i)},`);
      }
    }
  }
  const m = result.manifest;
  const e = m.execution as Record<string, number>;
  rmSync(input.out, { recursive: true, force: true });
  const r: RunnerTrialResult = {
    workers: result.pool.workers,
    runs: m.runs.ok + m.runs.failed,
    failed: m.runs.failed,
    wallMs: e.wallMs!,
    poolMs: result.pool.wallMs,
    startupMs: result.pool.startedAfterMs,
    runsPerSecond: n / ((result.pool.startedAfterMs + done[n - 1]! - t0) / 1000),
    steadyRunsPerSecond: steady,
    partWriteMs: result.writer.partWriteMs,
    partWriteIoMs: result.pool.partWriteIoMs,
    partWrites: result.pool.partWrites,
    assembleMs: result.writer.assembleMs,
    writerShare: result.writer.share,
    simMs: result.pool.simMs,
    encodeMs: result.pool.encodeMs,
    partBytes: result.pool.partBytes,
    outputBytes,
    fingerprint: hash.digest("hex"),
  };
  reportTrialResult(r);
}

await main();
