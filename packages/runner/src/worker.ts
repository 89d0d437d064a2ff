/**
 * The piscina worker: runs one run per task and sends back its part record (the run's Arrow IPC
 * bytes behind a sealed header, ready to append to a part log) in shared memory: no copy, no JS
 * objects per row, and no transfer.
 *
 * Why shared and not transferred: transferring an ArrayBuffer detaches it, and the first detach in
 * an isolate invalidates V8's "array buffers are never detached" protector for good. From then on
 * every optimized typed-array access in that thread carries a detach check — and the simulation
 * is typed arrays throughout. Measured on this project's benchmark run: about 20 % fewer runs/s
 * per worker after the first transferred result (a plain typed-array loop runs 1.9× slower).
 * A SharedArrayBuffer is shared by the main thread as it is and is never detached.
 *
 * Workers run compiled JavaScript: `worker-bundle.ts` compiles this module and the experiment file
 * into one ES module (cached by the hash of its sources) whose default export is
 * `serveRuns(file, import(file))`, so a worker neither registers a TypeScript loader nor loads
 * what a run does not use.
 *
 * @module
 */

import { workerData } from "node:worker_threads";
import { encodeRecord } from "./arrow/part-log.ts";
import { buildWorld, executeRun, outcomeBatches, type RunFailureDetail } from "./execute.ts";
import type { AnyExperiment } from "./experiment.ts";
import { experimentOf } from "./load.ts";
import { type ParamColumn, paramColumns, type RunSpec } from "./plan.ts";

/** Fixed data of a pool's workers. */
export interface PoolWorkerData {
  /** One Float64 per task slot: wall-clock ms (Date.now) at which the slot's task started, for the watchdog. */
  readonly started: SharedArrayBuffer;
}

/** One task: a run and the watchdog slot it occupies. */
export interface RunTask {
  readonly spec: RunSpec;
  readonly masterSeed: string | number;
  readonly slot: number;
  /** The sweep's configuration key, written into the run's part record (see `part-log.ts`). */
  readonly configKey: string;
  /** Only build the run's world (a check before the sweep): no run, no record. */
  readonly buildOnly?: boolean;
}

/** What a task sends back (the record in shared memory, not copied). */
export interface RunTaskResult {
  readonly runId: number;
  readonly status: "ok" | "failed";
  readonly error: string | null;
  /** build + run + summarize, ms. */
  readonly wallMs: number;
  /** Turning the outcome into Arrow IPC bytes, ms. */
  readonly encodeMs: number;
  /** The run's sealed part record (see `part-log.ts`), backed by a SharedArrayBuffer. */
  readonly record: Uint8Array;
  /** A failed run: the error's stack and the simulated time it was thrown at (not in the record). */
  readonly failure: RunFailureDetail | null;
}

/** The experiment of a worker, or why it could not be imported. */
type Loaded =
  | { readonly exp: AnyExperiment; readonly columns: readonly ParamColumn[] }
  | { readonly error: unknown };

/**
 * The task function of a worker whose experiment module `module` is being imported (`file` names
 * it in errors). The experiment is imported before the worker takes a task, so the per-run time
 * limit never counts the import; an import error is reported by every task.
 */
export async function serveRuns(
  file: string,
  module: Promise<unknown>,
): Promise<(task: RunTask) => RunTaskResult> {
  const started = new Float64Array((workerData as PoolWorkerData).started);
  const loaded: Loaded = await experimentOf(file, module).then(
    (exp) => ({ exp, columns: paramColumns(exp) }),
    (error: unknown) => ({ error }),
  );
  return (task) => {
    started[task.slot] = Date.now();
    return runTask(loaded, task);
  };
}

/** Runs one task. */
function runTask(loaded: Loaded, task: RunTask): RunTaskResult {
  if ("error" in loaded) throw loaded.error;
  const { exp, columns } = loaded;
  if (task.buildOnly === true) {
    const t0 = performance.now();
    const f = buildWorld(exp, task.spec, task.masterSeed);
    return {
      runId: task.spec.runId,
      status: f === null ? "ok" : "failed",
      error: f?.error ?? null,
      wallMs: performance.now() - t0,
      encodeMs: 0,
      record: new Uint8Array(0),
      failure: f === null ? null : { stack: f.stack, simTimeS: null },
    };
  }
  const outcome = executeRun(exp, task.spec, task.masterSeed);
  const t = performance.now();
  const record = encodeRecord(
    task.spec.runId,
    outcomeBatches(outcome, columns, task.spec.trades),
    task.configKey,
    true,
  );
  return {
    runId: task.spec.runId,
    status: outcome.row.status,
    error: outcome.row.error,
    wallMs: outcome.row.wallMs,
    encodeMs: performance.now() - t,
    record,
    failure: outcome.failure,
  };
}
