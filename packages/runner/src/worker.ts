/**
 * The piscina worker: runs one run per task and sends back its Arrow IPC bytes, transferring the
 * buffer (no copy, no JS objects per row). Loaded through `worker-entry.mjs`, which registers tsx
 * first so this TypeScript file and the experiment file can be imported in a worker thread.
 *
 * @module
 */

import { workerData } from "node:worker_threads";
import { move, transferableSymbol, valueSymbol } from "piscina";
import { encodeRun } from "./arrow/encode.ts";
import { executeRun, outcomeBatches } from "./execute.ts";
import type { AnyExperiment } from "./experiment.ts";
import { importExperiment } from "./load.ts";
import { type ParamColumn, paramColumns, type RunSpec } from "./plan.ts";

/** Fixed data of a pool's workers. */
export interface PoolWorkerData {
  /** Absolute path of the experiment file. */
  readonly experimentFile: string;
  /** One Float64 per task slot: wall-clock ms (Date.now) at which the slot's task started, for the watchdog. */
  readonly started: SharedArrayBuffer;
}

/** One task: a run and the watchdog slot it occupies. */
export interface RunTask {
  readonly spec: RunSpec;
  readonly masterSeed: string | number;
  readonly slot: number;
}

/** What a task sends back (bytes transferred, not copied). */
export interface RunTaskResult {
  readonly runId: number;
  readonly status: "ok" | "failed";
  readonly error: string | null;
  /** build + run + summarize, ms. */
  readonly wallMs: number;
  /** Turning the outcome into Arrow IPC bytes, ms. */
  readonly encodeMs: number;
  /** The run's part: three concatenated Arrow IPC streams. */
  readonly bytes: Uint8Array;
  /** Fingerprint of the part's schemas. */
  readonly schemaKey: string;
}

const data = workerData as PoolWorkerData;
const started = new Float64Array(data.started);
/**
 * The experiment, imported while the worker starts (before it takes a task, so the per-run time
 * limit never counts the import); an import error is reported by every task.
 */
const loaded: { exp: AnyExperiment; columns: readonly ParamColumn[] } | { error: unknown } =
  await importExperiment(data.experimentFile).then(
    (exp) => ({ exp, columns: paramColumns(exp) }),
    (error: unknown) => ({ error }),
  );

/** Runs one task. */
export default function runTask(task: RunTask): RunTaskResult {
  started[task.slot] = Date.now();
  if ("error" in loaded) throw loaded.error;
  const { exp, columns } = loaded;
  const outcome = executeRun(exp, task.spec, task.masterSeed);
  const t = performance.now();
  const { bytes, schemaKey } = encodeRun(outcomeBatches(outcome, columns));
  const encodeMs = performance.now() - t;
  const value: RunTaskResult = {
    runId: task.spec.runId,
    status: outcome.row.status,
    error: outcome.row.error,
    wallMs: outcome.row.wallMs,
    encodeMs,
    bytes,
    schemaKey,
  };
  return move({
    [transferableSymbol]: bytes.buffer,
    [valueSymbol]: value,
  } as never) as unknown as RunTaskResult;
}
