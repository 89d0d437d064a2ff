import { describe, expect, it } from "vitest";
import { parseShard, shardFromEnv, shardRunIds } from "./shard.ts";

describe("shards", () => {
  it("parse i/N and refuse anything else, naming the value", () => {
    expect(parseShard("3/10")).toEqual({ index: 3, count: 10 });
    for (const bad of ["10/10", "-1/4", "1/0", "a/4", "1", "1/4/2"]) {
      expect(() => parseShard(bad)).toThrowError(`--shard = "${bad}": must be i/N with 0 ≤ i < N`);
    }
  });

  it("come from Slurm job arrays, offset by the array's first index", () => {
    expect(shardFromEnv({ SLURM_ARRAY_TASK_ID: "7", SLURM_ARRAY_TASK_COUNT: "10" })).toEqual({
      index: 7,
      count: 10,
    });
    expect(
      shardFromEnv({ SLURM_ARRAY_TASK_ID: "8", SLURM_ARRAY_TASK_MIN: "1", SLURM_ARRAY_TASK_COUNT: "10" }),
    ).toEqual({ index: 7, count: 10 });
  });

  it("come from Kubernetes Indexed Jobs with the count from --shards or CASCADE_SHARDS", () => {
    expect(shardFromEnv({ JOB_COMPLETION_INDEX: "2" }, 4)).toEqual({ index: 2, count: 4 });
    expect(shardFromEnv({ JOB_COMPLETION_INDEX: "2", CASCADE_SHARDS: "3" })).toEqual({ index: 2, count: 3 });
    expect(() => shardFromEnv({ JOB_COMPLETION_INDEX: "2" })).toThrowError(/needs the shard count/);
    expect(() => shardFromEnv({ JOB_COMPLETION_INDEX: "5" }, 4)).toThrowError(
      /JOB_COMPLETION_INDEX = "5\/4"/,
    );
    expect(shardFromEnv({})).toBeUndefined();
  });

  it("split the run ids by run_id % N, covering every run exactly once", () => {
    const shards = [0, 1, 2].map((index) => shardRunIds(10, { index, count: 3 }));
    expect(shards).toEqual([
      [0, 3, 6, 9],
      [1, 4, 7],
      [2, 5, 8],
    ]);
    expect(shardRunIds(4, undefined)).toEqual([0, 1, 2, 3]);
  });
});
