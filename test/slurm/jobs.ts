/**
 * Reading Slurm job states from `scontrol --oneliner show job <id>`: one line a job (an array's
 * pending remainder is one line whose ArrayTaskId is a range such as `0-3` or `2-3%2`).
 *
 * @module
 */

/** One line of `scontrol -o show job`. */
export interface JobRecord {
  readonly jobId: number;
  /** The task id of an array task, or `undefined` for a plain job or a not-yet-split remainder. */
  readonly arrayTaskId: number | undefined;
  /** The ArrayTaskId field as written (`3`, or a pending range `0-3`), or `undefined` outside arrays. */
  readonly arrayTasks: string | undefined;
  /** `PENDING`, `RUNNING`, `COMPLETED`, `FAILED`, … */
  readonly state: string;
  /** `exit:signal`, e.g. `0:0` or `2:0`. */
  readonly exitCode: string;
  /** Why a job waits or ended, e.g. `DependencyNeverSatisfied`. */
  readonly reason: string;
}

/** Job states after which Slurm does no more with a job (requeue aside, which returns it to PENDING). */
const FINISHED = new Set([
  "COMPLETED",
  "FAILED",
  "CANCELLED",
  "TIMEOUT",
  "NODE_FAIL",
  "PREEMPTED",
  "BOOT_FAIL",
  "DEADLINE",
  "OUT_OF_MEMORY",
]);

/** Whether Slurm has finished with a job in `state`. */
export function isFinished(state: string): boolean {
  return FINISHED.has(state);
}

function value(line: string, key: string): string | undefined {
  return new RegExp(`(?:^|\\s)${key}=(\\S*)`).exec(line)?.[1];
}

/**
 * Parses the lines of `scontrol --oneliner show job`.
 * @throws Error quoting the line when a line has no JobId or JobState.
 */
export function parseJobs(text: string): JobRecord[] {
  return text
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((line) => {
      const jobId = Number(value(line, "JobId"));
      const state = value(line, "JobState");
      if (!Number.isSafeInteger(jobId) || state === undefined) {
        throw new Error(`scontrol show job: no JobId or JobState in ${JSON.stringify(line)}`);
      }
      const task = value(line, "ArrayTaskId");
      return {
        jobId,
        arrayTaskId: task !== undefined && /^\d+$/.test(task) ? Number(task) : undefined,
        arrayTasks: task,
        state,
        exitCode: value(line, "ExitCode") ?? "?",
        reason: value(line, "Reason") ?? "None",
      };
    });
}

/** Where an array job stands: its tasks by id, and whether all `taskCount` of them are finished. */
export interface ArrayProgress {
  readonly tasks: ReadonlyMap<number, JobRecord>;
  readonly finished: boolean;
  /** Finished tasks that did not complete with exit code 0. */
  readonly failed: readonly JobRecord[];
}

/** The progress of an array of tasks `0 … taskCount − 1` from its `scontrol` records. */
export function arrayProgress(records: readonly JobRecord[], taskCount: number): ArrayProgress {
  const tasks = new Map<number, JobRecord>();
  for (const r of records) if (r.arrayTaskId !== undefined) tasks.set(r.arrayTaskId, r);
  const all = [...Array(taskCount).keys()].map((i) => tasks.get(i));
  const finished = all.every((t) => t !== undefined && isFinished(t.state));
  const failed = [...tasks.values()].filter(
    (t) => isFinished(t.state) && !(t.state === "COMPLETED" && t.exitCode === "0:0"),
  );
  return { tasks, finished, failed };
}

/** A one-line account of jobs, e.g. `task 0 COMPLETED 0:0, task 1 RUNNING, task 2-3 PENDING (Resources)`. */
export function describeJobs(records: readonly JobRecord[]): string {
  return records
    .map((r) => {
      const who = r.arrayTasks === undefined ? `job ${r.jobId}` : `task ${r.arrayTasks}`;
      const exit = isFinished(r.state) ? ` ${r.exitCode}` : "";
      const why = r.reason !== "None" ? ` (${r.reason})` : "";
      return `${who} ${r.state}${exit}${why}`;
    })
    .join(", ");
}
