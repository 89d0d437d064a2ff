/**
 * Child processes for the Slurm test: commands with a deadline, and the tails of log files for
 * failure messages.
 *
 * @module
 */

import { type ExecFileException, execFile } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";

/** What a finished command printed and how it ended. */
export interface CommandResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Options of {@link runCommand}. */
export interface CommandOptions {
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
  /** Killed (SIGKILL) after this long. */
  readonly timeoutMs: number;
}

/**
 * Runs `cmd args…` to its end or its deadline.
 * @throws Error naming the command when it cannot start or outlives `timeoutMs`.
 */
export function runCommand(cmd: string, args: readonly string[], o: CommandOptions): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const options = { env: o.env, cwd: o.cwd, timeout: o.timeoutMs, killSignal: "SIGKILL" as const };
    execFile(cmd, args, { ...options, maxBuffer: 256 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error === null) return resolve({ code: 0, signal: null, stdout, stderr });
      const e = error as ExecFileException;
      if (typeof e.code === "string") return reject(new Error(`${cmd}: cannot start: ${e.message}`));
      if (e.killed) {
        return reject(
          new Error(`${cmd} ${args.join(" ")}: still running after ${o.timeoutMs / 1000} s, killed`),
        );
      }
      resolve({ code: e.code ?? null, signal: e.signal ?? null, stdout, stderr });
    });
  });
}

/**
 * Runs a command that must succeed and returns its standard output.
 * @throws Error with the command, its exit status and its standard error otherwise.
 */
export async function output(cmd: string, args: readonly string[], o: CommandOptions): Promise<string> {
  const r = await runCommand(cmd, args, o);
  if (r.code !== 0) {
    const how = r.signal ?? `exit code ${r.code}`;
    throw new Error(`${cmd} ${args.join(" ")}: ${how}\n${(r.stderr || r.stdout).trim()}`);
  }
  return r.stdout;
}

/** The last `lines` lines of a text file ("" when it does not exist). */
export function tail(file: string, lines: number): string {
  if (!existsSync(file)) return "";
  return readFileSync(file, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
}

/** The tails of every file in `dir` whose name passes `keep`, each under its name. */
export function tails(dir: string, lines: number, keep: (name: string) => boolean = () => true): string {
  if (!existsSync(dir)) return "";
  return readdirSync(dir)
    .filter(keep)
    .sort()
    .map((n) => `--- ${path.join(dir, n)} (last ${lines} lines)\n${tail(path.join(dir, n), lines)}`)
    .join("\n");
}
