import { describe, expect, it } from "vitest";
import { arrayProgress, describeJobs, parseJobs } from "./jobs.ts";

// Lines as slurm 22.05's `scontrol --oneliner show job` prints them (trimmed after the fields read).
const PENDING =
  "JobId=1 ArrayJobId=1 ArrayTaskId=2-3 JobName=cascade-shards JobState=PENDING Reason=Resources Dependency=(null) ExitCode=0:0 RunTime=00:00:00";
const task = (id: number, job: number, state: string, exit = "0:0", reason = "None") =>
  `JobId=${job} ArrayJobId=1 ArrayTaskId=${id} JobName=cascade-shards JobState=${state} Reason=${reason} Dependency=(null) Requeue=1 ExitCode=${exit} RunTime=00:01:52`;

describe("reading job states from scontrol", () => {
  it("reads each task, and an array's pending remainder as a range without a task id", () => {
    const jobs = parseJobs([PENDING, task(1, 3, "RUNNING"), task(0, 2, "COMPLETED"), ""].join("\n"));
    expect(jobs).toEqual([
      {
        jobId: 1,
        arrayTaskId: undefined,
        arrayTasks: "2-3",
        state: "PENDING",
        exitCode: "0:0",
        reason: "Resources",
      },
      { jobId: 3, arrayTaskId: 1, arrayTasks: "1", state: "RUNNING", exitCode: "0:0", reason: "None" },
      { jobId: 2, arrayTaskId: 0, arrayTasks: "0", state: "COMPLETED", exitCode: "0:0", reason: "None" },
    ]);
    expect(describeJobs(jobs)).toBe("task 2-3 PENDING (Resources), task 1 RUNNING, task 0 COMPLETED 0:0");
  });

  it("calls an array finished only when every task is, and names the tasks that failed", () => {
    const running = parseJobs([PENDING, task(1, 3, "RUNNING"), task(0, 2, "COMPLETED")].join("\n"));
    expect(arrayProgress(running, 4)).toMatchObject({ finished: false, failed: [] });
    const done = parseJobs(
      [
        task(3, 5, "COMPLETED"),
        task(2, 4, "FAILED", "2:0", "NonZeroExitCode"),
        task(1, 3, "COMPLETED"),
        task(0, 2, "COMPLETED"),
      ].join("\n"),
    );
    const p = arrayProgress(done, 4);
    expect(p.finished).toBe(true);
    expect(p.failed.map((t) => t.arrayTaskId)).toEqual([2]);
    // a task that completed but exited non-zero (a shell quirk) is a failure too
    expect(arrayProgress(parseJobs(task(0, 2, "COMPLETED", "1:0")), 1).failed).toHaveLength(1);
    // an array with a task missing from the records is not finished
    expect(arrayProgress(parseJobs(task(0, 2, "COMPLETED")), 2).finished).toBe(false);
  });

  it("refuses a line without a job id or state, quoting it", () => {
    expect(() => parseJobs("slurm_load_jobs error: Invalid job id specified")).toThrowError(
      /^scontrol show job: no JobId or JobState in "slurm_load_jobs error: Invalid job id specified"$/,
    );
  });
});
