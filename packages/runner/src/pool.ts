/**
 * Fans runs out over a piscina pool of worker threads and appends each finished run's part record
 * to the session's part log as soon as it arrives, so memory stays bounded however many runs
 * there are.
 *
 * At most two tasks per worker are in flight (one running, one queued in the pool); a worker
 * still waits for the main thread between tasks, which costs too little to measure here
 * (letting piscina queue the second task on the worker changed nothing: 153.7 vs 153.2 runs/s). A watchdog reads, from a shared array, when each task actually started
 * and aborts one that exceeds the per-run time limit: piscina then terminates that worker and
 * starts a fresh one. A run that throws, times out or kills its worker is recorded as `failed`
 * and the sweep goes on; after `maxFailures` failures the pool stops early.
 *
 * @module
 */

import os from "node:os";
import { Piscina } from "piscina";
import { configKeyOf, encodeRecord, PartLogWriter } from "./arrow/part-log.ts";
import { failedRunBatches, type RunFailureDetail } from "./execute.ts";
import { type RunPlan, type RunSpec, runSpec } from "./plan.ts";
import type { PoolWorkerData, RunTask, RunTaskResult } from "./worker.ts";
import { type WorkerBundle, workerBundle } from "./worker-bundle.ts";

/** Part records waiting for the disk beyond which no new run is started. */
const MAX_PENDING_WRITES = 64;

/** A finished run, as reported to {@link PoolOptions.onRun}. */
export interface RunEvent {
  readonly runId: number;
  readonly status: "ok" | "failed";
  readonly error: string | null;
  /** A failed run's stack and simulated time, when the run's own code failed (not a timeout). */
  readonly failure: RunFailureDetail | null;
}

/**
 * Run ids to execute, read front to back once: an array, or a lazy sequence (a sweep may hold up
 * to 2^31 runs, too many to list).
 */
export interface RunIdSequence {
  readonly length: number;
  /** The `index`-th run id; called with 0, 1, 2, … in order. */
  at(index: number): number | undefined;
}

/** Options of {@link runPool}. */
export interface PoolOptions {
  /** Absolute path of the experiment file the workers import. */
  readonly experimentFile: string;
  readonly plan: RunPlan;
  /** Run ids to execute, in order. */
  readonly runIds: readonly number[] | RunIdSequence;
  /** Directory the session's part log goes into. */
  readonly partsDir: string;
  /** Name prefix of the session's part log (default `"run"`; shards use theirs). */
  readonly partLogPrefix?: string;
  /** Worker threads (default `os.availableParallelism()`, at most one per run). */
  readonly workers?: number;
  /** Per-run wall-clock limit, ms (default none). */
  readonly runTimeoutMs?: number;
  /** Stop after this many failed runs (default: never). */
  readonly maxFailures?: number;
  /** Called after each run's part record is in the part log. */
  readonly onRun?: (event: RunEvent) => void;
  /**
   * The spec of a run id (default `runSpec(plan, runId)`). `cascade calibrate` gives its own:
   * its candidates share the seeds of their replications (common random numbers).
   */
  readonly specOf?: (runId: number) => RunSpec;
}

/** What {@link runPool} did. */
export interface PoolStats {
  readonly ok: number;
  readonly failed: number;
  /** Runs not executed because the pool stopped early. */
  readonly notRun: number;
  /** Whether `maxFailures` stopped the pool. */
  readonly stoppedEarly: boolean;
  readonly workers: number;
  /** Wall time of the pool, ms. */
  readonly wallMs: number;
  /**
   * Time from the pool's creation (its workers starting to load) to the start of this session, ms:
   * `startedAfterMs + wallMs` is the whole pool phase, worker start-up included.
   */
  readonly startedAfterMs: number;
  /** Main thread: time spent handing part records to the log, ms (the writes run asynchronously). */
  readonly partWriteMs: number;
  /** Elapsed time of the part log's `writev` calls, summed, ms (they overlap the sweep). */
  readonly partWriteIoMs: number;
  /** `writev` calls of the part log (each writes every record that arrived since the last). */
  readonly partWrites: number;
  /** Bytes of part records written. */
  readonly partBytes: number;
  /** Workers: encoding outcomes as Arrow IPC, summed over runs, ms. */
  readonly encodeMs: number;
  /** Workers: build + run + summarize, summed over runs, ms. */
  readonly simMs: number;
}

/** Options of a {@link RunnerPool}. */
export interface RunnerPoolOptions {
  /** Absolute path of the experiment file the workers import. */
  readonly experimentFile: string;
  /** Worker threads (default `os.availableParallelism()`). */
  readonly workers?: number;
}

/**
 * A pool of worker threads for one experiment file. The threads start (and import the experiment)
 * as soon as the worker is compiled (see `worker-bundle.ts`; from the cache, a few milliseconds),
 * so create the pool early and plan while they load.
 */
export class RunnerPool {
  /** Worker threads. */
  readonly workers: number;
  /** The compiled worker the threads run, once it is ready. */
  readonly bundle: Promise<WorkerBundle>;
  private readonly pool: Promise<Piscina<RunTask, RunTaskResult>>;
  private readonly startedAt: Float64Array;
  private readonly window: number;
  private readonly createdAt = performance.now();
  private startError: unknown;

  constructor(options: RunnerPoolOptions) {
    this.workers = Math.max(1, options.workers ?? os.availableParallelism());
    this.window = 2 * this.workers;
    const started = new SharedArrayBuffer(8 * this.window);
    this.startedAt = new Float64Array(started);
    const workerData: PoolWorkerData = { started };
    this.bundle = workerBundle(options.experimentFile);
    this.pool = this.bundle.then((bundle) => {
      const pool = startThreads(
        (execArgv) =>
          new Piscina<RunTask, RunTaskResult>({
            filename: bundle.file,
            minThreads: this.workers,
            maxThreads: this.workers,
            idleTimeout: 60_000,
            concurrentTasksPerWorker: 1,
            workerData,
            execArgv,
          }),
      );
      // A worker that cannot start (its code does not load) fails the session, see run().
      pool.on("error", (e: unknown) => {
        this.startError ??= e;
      });
      return pool;
    });
    // A compilation error is thrown by the first run() or buildPoints(); not unhandled meanwhile.
    this.pool.catch(() => {});
  }

  /** Runs `runIds` of `plan`, appending one part record per run to a new part log in `partsDir`. */
  async run(options: Omit<PoolOptions, "experimentFile" | "workers">): Promise<PoolStats> {
    const t0 = performance.now();
    const { plan, runIds } = options;
    const specOf = options.specOf ?? ((runId: number) => runSpec(plan, runId));
    const pool = await this.pool;
    const { startedAt, window } = this;
    let ok = 0;
    let failed = 0;
    let partWriteMs = 0;
    let partBytes = 0;
    let encodeMs = 0;
    let simMs = 0;
    let next = 0;
    let stopping = false;
    const free = Array.from({ length: window }, (_, i) => window - 1 - i);
    // Abort controllers only when something may abort a run (they cost a little per task).
    const abortable = options.runTimeoutMs !== undefined || options.maxFailures !== undefined;
    const inFlight = new Map<
      number,
      { runId: number; controller: AbortController | null; timedOut: boolean }
    >();

    // Created with the first record, so a session that runs nothing leaves no empty log.
    let log: PartLogWriter | undefined;
    // Records not yet written; past MAX_PENDING_WRITES no new run starts (bounded memory on a slow disk).
    const writes = new Set<Promise<void>>();
    let writeError: unknown;
    let relaunch = () => {};
    const configKey = configKeyOf(plan.configHash);
    const write = (
      runId: number,
      record: Uint8Array,
      status: "ok" | "failed",
      error: string | null,
      failure: RunFailureDetail | null,
    ) => {
      if (status === "ok") ok++;
      else failed++;
      if (options.maxFailures !== undefined && failed >= options.maxFailures && !stopping) {
        stopping = true;
        for (const f of inFlight.values()) f.controller?.abort();
      }
      const t = performance.now();
      log ??= PartLogWriter.create(options.partsDir, options.partLogPrefix ?? "run");
      const w = log.append(record).then(
        () => {
          options.onRun?.({ runId, status, error, failure });
        },
        (e: unknown) => {
          writeError ??= e;
          stopping = true;
        },
      );
      partWriteMs += performance.now() - t;
      partBytes += record.byteLength;
      writes.add(w);
      void w.finally(() => {
        writes.delete(w);
        relaunch();
      });
    };
    const writeFailure = (runId: number, error: string) => {
      write(
        runId,
        encodeRecord(runId, failedRunBatches(specOf(runId), error, plan.columns, 0), configKey),
        "failed",
        error,
        null,
      );
    };

    const timeoutMs = options.runTimeoutMs;
    const watchdog =
      timeoutMs === undefined
        ? undefined
        : setInterval(
            () => {
              const now = Date.now();
              for (const [slot, f] of inFlight) {
                const s = startedAt[slot]!;
                if (s > 0 && now - s > timeoutMs && !f.timedOut) {
                  f.timedOut = true;
                  f.controller?.abort();
                }
              }
            },
            Math.max(20, Math.min(250, timeoutMs / 4)),
          );

    try {
      await new Promise<void>((resolve, reject) => {
        const onError = (e: unknown) => {
          stopping = true;
          for (const f of inFlight.values()) f.controller?.abort();
          reject(new Error(`a worker failed to start: ${e instanceof Error ? e.message : String(e)}`));
        };
        if (this.startError !== undefined) {
          onError(this.startError);
          return;
        }
        pool.once("error", onError);
        relaunch = () => launch();
        const launch = () => {
          try {
            while (!stopping && next < runIds.length && free.length > 0 && writes.size < MAX_PENDING_WRITES) {
              const slot = free.pop()!;
              const runId = runIds.at(next++)!;
              startedAt[slot] = 0;
              const entry = { runId, controller: abortable ? new AbortController() : null, timedOut: false };
              inFlight.set(slot, entry);
              const task: RunTask = { spec: specOf(runId), masterSeed: plan.seed, slot, configKey };
              pool
                .run(task, entry.controller === null ? {} : { signal: entry.controller.signal })
                .then(
                  (r) => {
                    encodeMs += r.encodeMs;
                    simMs += r.wallMs;
                    write(r.runId, r.record, r.status, r.error, r.failure);
                  },
                  (e: unknown) => {
                    if (entry.timedOut) {
                      writeFailure(
                        runId,
                        `TimeoutError: run exceeded the time limit of ${timeoutMs! / 1000} s`,
                      );
                    } else if (!stopping) {
                      writeFailure(runId, `WorkerError: ${e instanceof Error ? e.message : String(e)}`);
                    }
                  },
                )
                .then(() => {
                  inFlight.delete(slot);
                  free.push(slot);
                  launch();
                })
                .catch(reject);
            }
            if (inFlight.size === 0 && (stopping || next >= runIds.length)) {
              pool.off("error", onError);
              resolve();
            }
          } catch (e) {
            reject(e);
          }
        };
        launch();
      });
    } finally {
      relaunch = () => {};
      if (watchdog !== undefined) clearInterval(watchdog);
      log?.flush();
      while (writes.size > 0) await Promise.all([...writes]);
      log?.close();
    }
    if (writeError !== undefined) throw writeError;
    return {
      ok,
      failed,
      notRun: runIds.length - ok - failed,
      stoppedEarly: stopping,
      workers: this.workers,
      wallMs: performance.now() - t0,
      startedAfterMs: t0 - this.createdAt,
      partWriteMs,
      partWriteIoMs: log?.writeMs ?? 0,
      partWrites: log?.writes ?? 0,
      partBytes,
      encodeMs,
      simMs,
    };
  }

  /**
   * Builds the world of the first run of each point in `points` (without running it) on the
   * workers, each within `timeoutMs`. Resolves with the failures, by point index (empty: every
   * world builds).
   */
  async buildPoints(
    plan: RunPlan,
    points: readonly number[],
    timeoutMs: number,
  ): Promise<{ readonly point: number; readonly error: string; readonly stack: string | null }[]> {
    const pool = await this.pool;
    if (this.startError !== undefined) throw this.startError;
    const failures: { point: number; error: string; stack: string | null }[] = [];
    const { startedAt } = this;
    let next = 0;
    // One build per worker at a time; the limit counts from when the worker starts the build
    // (its watchdog slot), not from when it was queued or while the worker was loading.
    const lane = async (slot: number) => {
      while (next < points.length) {
        const point = points[next++]!;
        const spec = runSpec(plan, point * plan.replications);
        const controller = new AbortController();
        let timedOut = false;
        startedAt[slot] = 0;
        const timer = setInterval(
          () => {
            const s = startedAt[slot]!;
            if (s > 0 && Date.now() - s > timeoutMs && !timedOut) {
              timedOut = true;
              controller.abort();
            }
          },
          Math.max(20, Math.min(250, timeoutMs / 4)),
        );
        try {
          const task: RunTask = { spec, masterSeed: plan.seed, slot, configKey: "", buildOnly: true };
          const r = await pool.run(task, { signal: controller.signal });
          if (r.status !== "ok")
            failures.push({ point, error: r.error ?? "failed", stack: r.failure?.stack ?? null });
        } catch (e) {
          const error = timedOut
            ? `TimeoutError: building the world took longer than ${timeoutMs / 1000} s`
            : `WorkerError: ${e instanceof Error ? e.message : String(e)}`;
          failures.push({ point, error, stack: null });
        } finally {
          clearInterval(timer);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.workers, points.length) }, (_, i) => lane(i)));
    return failures.sort((a, b) => a.point - b.point);
  }

  /** Stops the threads. */
  async destroy(): Promise<void> {
    const pool = await this.pool.catch(() => null);
    await pool?.destroy();
  }
}

/**
 * Starts the threads with `start(execArgv)`: the process's Node.js options without a TypeScript
 * loader (see {@link withoutTypeScriptLoader}), with source maps on, so the stack of a failed run
 * names the lines of the TypeScript sources. Given explicitly, options that a worker does not take
 * (`--expose-gc`, `--max-old-space-size`, …) are an error, where inherited ones are ignored:
 * those are left out too.
 */
function startThreads<T>(start: (execArgv: string[]) => T): T {
  const execArgv = [...withoutTypeScriptLoader(process.execArgv), "--enable-source-maps"];
  try {
    return start(execArgv);
  } catch (e) {
    // "Initiated Worker with invalid execArgv flags: --expose-gc, --max-old-space-size=100"
    const m = /invalid execArgv flags: (.*)$/.exec(e instanceof Error ? e.message : "");
    if ((e as { code?: unknown }).code !== "ERR_WORKER_INVALID_EXEC_ARGV" || m === null) throw e;
    const invalid = new Set(m[1]!.split(", "));
    return start(execArgv.filter((a) => !invalid.has(a)));
  }
}

/**
 * Node.js options without a TypeScript loader (`--import tsx`, `--require tsx/cjs`, `--loader
 * tsx`, what the tsx command adds). The workers run compiled JavaScript, and a loader inherited by
 * a worker hooks, and recompiles, every module the worker loads: apache-arrow's CommonJS build
 * alone cost half a second per worker.
 */
export function withoutTypeScriptLoader(execArgv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < execArgv.length; i++) {
    const a = execArgv[i]!;
    const m = /^(--import|--require|-r|--loader|--experimental-loader)(?:=(.*))?$/.exec(a);
    if (m === null) {
      out.push(a);
      continue;
    }
    const value = m[2] ?? execArgv[i + 1] ?? "";
    if (m[2] === undefined) i++;
    if (!/(^|[/\\@])tsx([/\\]|$)/.test(value)) out.push(...(m[2] === undefined ? [a, value] : [a]));
  }
  return out;
}

/** Runs `runIds` on a new worker pool (at most one thread per run), appending one part record per run. */
export async function runPool(options: PoolOptions): Promise<PoolStats> {
  const workers = Math.max(
    1,
    Math.min(options.workers ?? os.availableParallelism(), options.runIds.length || 1),
  );
  const pool = new RunnerPool({ experimentFile: options.experimentFile, workers });
  try {
    return await pool.run(options);
  } finally {
    await pool.destroy();
  }
}
