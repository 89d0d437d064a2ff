/**
 * Runs one benchmark trial in a fresh Node.js process, so no JIT state, inline caches or heap
 * survive from one trial (or one implementation) to the next.
 *
 * Protocol: the parent passes the trial's input as JSON in `argv[2]`; the child writes its result
 * as one line `BENCH_RESULT <json>` on stdout. Anything else the child prints to stdout is
 * ignored, and its stderr goes straight to the parent's, so progress and errors stay visible.
 *
 * @module
 */

import { spawn } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";

const RESULT_PREFIX = "BENCH_RESULT ";

/** The repository root (parent of `bench/`). Children run from here so `--import tsx` resolves. */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

/**
 * Runs `script` (a TypeScript file, absolute or relative to the repository root) in a new
 * `node --import tsx --expose-gc` process with `input`, and resolves with the result it reports.
 * Rejects, with the child's exit code, when it fails or reports nothing.
 */
export function runInFreshProcess<Input, Result>(script: string, input: Input): Promise<Result> {
  const args = ["--import", "tsx", "--expose-gc", path.resolve(REPO_ROOT, script), JSON.stringify(input)];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: REPO_ROOT, stdio: ["ignore", "pipe", "inherit"] });
    let stdout = "";
    child.stdout.setEncoding("utf8");
    child.stdout.on("data", (chunk: string) => {
      stdout += chunk;
    });
    child.on("error", reject);
    child.on("close", (code, signal) => {
      const line = stdout
        .split("\n")
        .filter((l) => l.startsWith(RESULT_PREFIX))
        .pop();
      if (code !== 0 || line === undefined) {
        const why = signal !== null ? `signal ${signal}` : `exit code ${code}`;
        reject(
          new Error(`trial ${script} failed (${why})${line === undefined ? ", no result reported" : ""}`),
        );
        return;
      }
      resolve(JSON.parse(line.slice(RESULT_PREFIX.length)) as Result);
    });
  });
}

/** In a child started by {@link runInFreshProcess}: the input the parent passed. */
export function readTrialInput<Input>(): Input {
  const raw = process.argv[2];
  if (raw === undefined) throw new Error("missing trial input (expected JSON in argv[2])");
  return JSON.parse(raw) as Input;
}

/** In a child started by {@link runInFreshProcess}: reports the trial's result to the parent. */
export function reportTrialResult(result: unknown): void {
  process.stdout.write(`${RESULT_PREFIX}${JSON.stringify(result)}\n`);
}
