/**
 * Shards: splitting one sweep over several machines. Shard `i` of `N` runs the run ids with
 * `run_id % N == i`; each shard writes its parts into its output directory and `cascade merge`
 * assembles the final files.
 *
 * - Slurm job arrays: with `#SBATCH --array=0-9`, each task gets `SLURM_ARRAY_TASK_ID` and
 *   `SLURM_ARRAY_TASK_COUNT`; the shard index is `SLURM_ARRAY_TASK_ID − SLURM_ARRAY_TASK_MIN`.
 * - Kubernetes Indexed Jobs (`completionMode: Indexed`, `completions: N`): each pod gets
 *   `JOB_COMPLETION_INDEX`; the count comes from `--shards N` or `CASCADE_SHARDS`.
 *
 * @module
 */

import { ConfigError } from "@cascade/core";

/** Shard `index` of `count` (0 ≤ index < count). */
export interface Shard {
  readonly index: number;
  readonly count: number;
}

/**
 * Parses `"i/N"` (e.g. `"3/10"`).
 * @throws {@link @cascade/core!ConfigError} `--shard = "…": must be i/N with 0 ≤ i < N`.
 */
export function parseShard(text: string, field = "--shard"): Shard {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  const index = m ? Number(m[1]) : Number.NaN;
  const count = m ? Number(m[2]) : Number.NaN;
  if (!(Number.isSafeInteger(index) && Number.isSafeInteger(count) && count >= 1 && index < count)) {
    throw new ConfigError(field, text, "must be i/N with 0 ≤ i < N, e.g. 0/4");
  }
  return { index, count };
}

/**
 * The shard a cluster scheduler assigned through the environment, or `undefined` outside a job
 * array. `shards` (from `--shards`) gives the count where the environment has none.
 * @throws {@link @cascade/core!ConfigError} when the variables are inconsistent or the count is unknown.
 */
export function shardFromEnv(env: NodeJS.ProcessEnv = process.env, shards?: number): Shard | undefined {
  const count = shards ?? (env.CASCADE_SHARDS === undefined ? undefined : Number(env.CASCADE_SHARDS));
  if (env.SLURM_ARRAY_TASK_ID !== undefined) {
    const id = Number(env.SLURM_ARRAY_TASK_ID);
    const min = Number(env.SLURM_ARRAY_TASK_MIN ?? 0);
    const n = count ?? Number(env.SLURM_ARRAY_TASK_COUNT);
    return checked(id - min, n, "SLURM_ARRAY_TASK_ID");
  }
  if (env.JOB_COMPLETION_INDEX !== undefined) {
    const i = Number(env.JOB_COMPLETION_INDEX);
    if (count === undefined) {
      throw new ConfigError(
        "JOB_COMPLETION_INDEX",
        env.JOB_COMPLETION_INDEX,
        "needs the shard count: pass --shards N (the Job's completions) or set CASCADE_SHARDS",
      );
    }
    return checked(i, count, "JOB_COMPLETION_INDEX");
  }
  return undefined;
}

function checked(index: number, count: number, field: string): Shard {
  if (
    !(Number.isSafeInteger(index) && Number.isSafeInteger(count) && count >= 1 && index >= 0 && index < count)
  ) {
    throw new ConfigError(field, `${index}/${count}`, "gives no valid shard i/N with 0 ≤ i < N");
  }
  return { index, count };
}

/** The run ids of `shard` among `totalRuns` runs (all of them without a shard). */
export function shardRunIds(totalRuns: number, shard: Shard | undefined): number[] {
  const out: number[] = [];
  const start = shard?.index ?? 0;
  const step = shard?.count ?? 1;
  for (let r = start; r < totalRuns; r += step) out.push(r);
  return out;
}
