/**
 * A real single-node Slurm cluster for tests: munged, slurmctld and slurmd from the distribution's
 * packages, started in the foreground as children of this process with every file in one temp
 * directory (see slurm-conf.ts), and stopped in order — jobs cancelled first, so no job step
 * outlives its slurmd.
 *
 * @module
 */

import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chmodSync, closeSync, existsSync, mkdirSync, openSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import os from "node:os";
import path from "node:path";
import { output, tails } from "./proc.ts";
import { clusterPaths, type NodeHardware, parseNodeHardware, renderSlurmConf } from "./slurm-conf.ts";

/** The programs a cluster needs, by Debian package. */
export const REQUIRED_PROGRAMS = {
  munge: ["munged", "munge"],
  slurmctld: ["slurmctld"],
  slurmd: ["slurmd"],
  "slurm-client": ["sbatch", "scontrol", "squeue", "scancel"],
} as const;

/** The programs of {@link REQUIRED_PROGRAMS} that are not on the PATH (or in /usr/sbin). */
export function missingPrograms(env: NodeJS.ProcessEnv = process.env): string[] {
  const dirs = [...(env.PATH ?? "").split(path.delimiter), "/usr/sbin", "/sbin"].filter((d) => d !== "");
  return Object.values(REQUIRED_PROGRAMS)
    .flat()
    .filter((p) => !dirs.some((d) => existsSync(path.join(d, p))));
}

/**
 * The environment without what a surrounding Slurm job or Kubernetes pod would leak into the
 * test: an outer SLURM_ARRAY_TASK_ID or CASCADE_SHARDS would make the single-machine run a shard.
 */
export function cleanEnv(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(env)) {
    if (k.startsWith("SLURM_") || k === "JOB_COMPLETION_INDEX" || k === "CASCADE_SHARDS") continue;
    out[k] = v;
  }
  // The daemons live in /usr/sbin, which a non-login PATH may lack.
  out.PATH = [out.PATH, "/usr/sbin", "/sbin"].filter((p) => p !== undefined && p !== "").join(path.delimiter);
  return out;
}

/** Two free TCP ports (held together while chosen, so they differ). */
async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<ReturnType<typeof createServer>>((resolve, reject) => {
          const s = createServer();
          s.once("error", reject);
          s.listen(0, () => resolve(s));
        }),
    ),
  );
  const ports = servers.map((s) => (s.address() as { port: number }).port);
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  return ports;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A daemon started by the cluster. */
interface Daemon {
  readonly name: string;
  readonly child: ChildProcess;
  exited: string | null;
}

/**
 * A single-node cluster laid out in a directory: {@link SlurmCluster.start} it, and
 * {@link SlurmCluster.stop} it in a `finally` (or from a signal handler, even mid-start).
 */
export class SlurmCluster {
  /** Environment for the Slurm commands (SLURM_CONF points at this cluster). */
  readonly env: NodeJS.ProcessEnv;
  /** The cluster's files. */
  readonly paths: ReturnType<typeof clusterPaths>;
  private hardware: NodeHardware | undefined;
  private readonly daemons: Daemon[] = [];

  /** A cluster to lay out in `dir`, an empty directory. */
  constructor(readonly dir: string) {
    this.paths = clusterPaths(dir);
    this.env = { ...cleanEnv(), SLURM_CONF: this.paths.conf };
  }

  /** The node, as `slurmd -C` reports it (known once started). */
  get node(): NodeHardware {
    if (this.hardware === undefined) throw new Error("slurm cluster: not started");
    return this.hardware;
  }

  /**
   * Writes the configuration, starts munged, slurmctld and slurmd, and waits until the node is idle.
   * @throws Error with the daemons' log tails when a daemon dies or the node is not idle within
   * `timeoutMs` (the daemons started are stopped again).
   */
  async start(timeoutMs = 60_000): Promise<void> {
    const node = parseNodeHardware(await output("slurmd", ["-C"], { env: this.env, timeoutMs: 30_000 }));
    this.hardware = node;
    const [slurmctldPort, slurmdPort] = await freePorts(2);
    const p = this.paths;
    // munged refuses a key others can read and a socket in a directory others cannot search.
    chmodSync(this.dir, 0o755);
    for (const d of [p.run, p.state, p.spool, p.logs]) mkdirSync(d, { recursive: true, mode: 0o755 });
    mkdirSync(p.mungeKeyDir, { mode: 0o700 });
    writeFileSync(p.mungeKey, randomBytes(128), { mode: 0o600 });
    writeFileSync(p.plugstack, "");
    writeFileSync(
      p.conf,
      renderSlurmConf({
        dir: this.dir,
        controllerHost: os.hostname().split(".")[0]!,
        slurmctldPort: slurmctldPort!,
        slurmdPort: slurmdPort!,
        user: os.userInfo().username,
        node,
      }),
    );
    try {
      this.launch("munged", [
        "--foreground",
        `--socket=${p.mungeSocket}`,
        `--key-file=${p.mungeKey}`,
        `--seed-file=${p.mungeSeed}`,
        `--pid-file=${path.join(p.run, "munged.pid")}`,
      ]);
      await this.until("munged's socket", () => existsSync(p.mungeSocket), 15_000);
      this.launch("slurmctld", ["-D", "-f", p.conf]);
      this.launch("slurmd", ["-D", "-f", p.conf]);
      await this.until(`node ${node.name} idle`, () => this.nodeIdle(), timeoutMs);
    } catch (e) {
      await this.stop();
      throw new Error(`${(e as Error).message}\n${this.logTails()}`);
    }
  }

  private launch(name: string, args: readonly string[]): void {
    // In the foreground (-D, --foreground) the daemons log to stderr: one file each.
    const log = openSync(path.join(this.paths.logs, `${name}.log`), "a");
    // Its own process group: a Ctrl-C reaches this process, which stops the daemons in order.
    const child = spawn(name, args, { env: this.env, stdio: ["ignore", log, log], detached: true });
    closeSync(log);
    const d: Daemon = { name, child, exited: null };
    child.on("exit", (code, signal) => {
      d.exited = signal ?? `exit code ${code}`;
    });
    child.on("error", (e) => {
      d.exited = `cannot start: ${e.message}`;
    });
    this.daemons.push(d);
  }

  private async nodeIdle(): Promise<boolean> {
    const line = await output("scontrol", ["--oneliner", "show", "node", this.node.name], {
      env: this.env,
      timeoutMs: 20_000,
    }).catch(() => "");
    return /\bState=IDLE\b/.test(line);
  }

  /**
   * Polls `ready` every half second.
   * @throws Error when a daemon exits or `what` is not ready within `timeoutMs`.
   */
  async until(what: string, ready: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      this.assertAlive();
      if (await ready()) return;
      if (Date.now() > deadline) {
        throw new Error(`slurm cluster: no ${what} after ${timeoutMs / 1000} s`);
      }
      await sleep(500);
    }
  }

  /** @throws Error naming the daemon when one has exited (its log is in {@link SlurmCluster.logTails}). */
  assertAlive(): void {
    const dead = this.daemons.find((d) => d.exited !== null);
    if (dead) throw new Error(`slurm cluster: ${dead.name} exited (${dead.exited})`);
  }

  /** The last lines of every daemon and job log of the cluster. */
  logTails(lines = 25): string {
    return tails(this.paths.logs, lines);
  }

  /** Runs a Slurm client command against this cluster (in `cwd`) and returns its standard output. */
  slurm(cmd: string, args: readonly string[], cwd?: string): Promise<string> {
    return output(cmd, args, { env: this.env, cwd, timeoutMs: 30_000 });
  }

  /**
   * Cancels every job still queued or running, waits (up to 30 s) until none is left, then stops
   * slurmd, slurmctld and munged — each with SIGTERM, then SIGKILL after 10 s. Never throws.
   */
  async stop(): Promise<void> {
    const running = this.daemons.filter((d) => d.exited === null).map((d) => d.name);
    if (running.includes("slurmctld") && running.includes("slurmd")) {
      try {
        const ids = (await this.slurm("squeue", ["--noheader", "--format=%A"])).split(/\s+/).filter(Boolean);
        if (ids.length > 0) {
          await this.slurm("scancel", ids);
          const deadline = Date.now() + 30_000;
          while (Date.now() < deadline && (await this.slurm("squeue", ["--noheader"])).trim() !== "") {
            await sleep(500);
          }
        }
      } catch (e) {
        console.error(`slurm cluster: cancelling the jobs failed: ${(e as Error).message}`);
      }
    }
    for (const name of ["slurmd", "slurmctld", "munged"]) {
      const d = this.daemons.find((x) => x.name === name);
      if (d === undefined || d.exited !== null) continue;
      d.child.kill("SIGTERM");
      const deadline = Date.now() + 10_000;
      while (d.exited === null && Date.now() < deadline) await sleep(100);
      if (d.exited === null) {
        d.child.kill("SIGKILL");
        while (d.exited === null) await sleep(50);
      }
    }
  }

  /** Kills every daemon still running at once (SIGKILL): the last resort of a dying process. */
  killNow(): void {
    for (const d of this.daemons) if (d.exited === null) d.child.kill("SIGKILL");
  }
}
