/**
 * The configuration of a throw-away single-node Slurm cluster: every path (state, spool, pid and
 * log files, munge's socket) inside one temp directory and free ports, so a test cluster needs no
 * /etc/slurm, touches no system service and can run beside another one.
 *
 * @module
 */

import path from "node:path";

/** The node as `slurmd -C` reports it. */
export interface NodeHardware {
  readonly name: string;
  readonly cpus: number;
  readonly realMemoryMb: number;
}

/** Where a test cluster lives and how its daemons reach each other. */
export interface ClusterLayout {
  /** The temp directory that holds everything. */
  readonly dir: string;
  /** Controller host name (must be this machine's short host name: slurmctld checks it). */
  readonly controllerHost: string;
  readonly slurmctldPort: number;
  readonly slurmdPort: number;
  /** The user both daemons run as (root, or the user running the test). */
  readonly user: string;
  readonly node: NodeHardware;
}

/** The files and directories of a cluster laid out in `dir`. */
export function clusterPaths(dir: string) {
  return {
    conf: path.join(dir, "slurm.conf"),
    plugstack: path.join(dir, "plugstack.conf"),
    /** munge's key: a directory only its owner may enter. */
    mungeKeyDir: path.join(dir, "munge"),
    mungeKey: path.join(dir, "munge", "munge.key"),
    mungeSeed: path.join(dir, "munge", "munged.seed"),
    /** sockets and pid files: munged wants every directory above its socket to be searchable by all. */
    run: path.join(dir, "run"),
    mungeSocket: path.join(dir, "run", "munge.socket"),
    state: path.join(dir, "state"),
    spool: path.join(dir, "spool"),
    logs: path.join(dir, "logs"),
  };
}

/**
 * Parses `slurmd -C` (`NodeName=vm CPUs=2 … RealMemory=24105`).
 * @throws Error naming the missing field when the output lacks NodeName, CPUs or RealMemory.
 */
export function parseNodeHardware(text: string): NodeHardware {
  const field = (key: string): string => {
    const m = new RegExp(`(?:^|\\s)${key}=(\\S+)`).exec(text);
    if (!m) throw new Error(`slurmd -C: no ${key}= in its output ${JSON.stringify(text.trim())}`);
    return m[1]!;
  };
  const cpus = Number(field("CPUs"));
  const realMemoryMb = Number(field("RealMemory"));
  if (!(Number.isSafeInteger(cpus) && cpus >= 1 && Number.isSafeInteger(realMemoryMb) && realMemoryMb >= 1)) {
    throw new Error(`slurmd -C: CPUs = ${cpus}, RealMemory = ${realMemoryMb}: expected positive integers`);
  }
  return { name: field("NodeName"), cpus, realMemoryMb };
}

/** The slurm.conf of a single-node cluster laid out as {@link clusterPaths} says. */
export function renderSlurmConf(c: ClusterLayout): string {
  const p = clusterPaths(c.dir);
  const { name, cpus, realMemoryMb } = c.node;
  return `${[
    "# A throw-away single-node cluster for pnpm test:slurm (test/slurm/). Everything lives in this directory.",
    "ClusterName=cascadetest",
    `SlurmctldHost=${c.controllerHost}(127.0.0.1)`,
    `SlurmctldPort=${c.slurmctldPort}`,
    `SlurmdPort=${c.slurmdPort}`,
    `SlurmUser=${c.user}`,
    `SlurmdUser=${c.user}`,
    "AuthType=auth/munge",
    "CredType=cred/munge",
    // Our own munged, not the system's /run/munge socket.
    `AuthInfo=socket=${p.mungeSocket}`,
    `StateSaveLocation=${p.state}`,
    `SlurmdSpoolDir=${p.spool}`,
    `SlurmctldPidFile=${path.join(p.run, "slurmctld.pid")}`,
    `SlurmdPidFile=${path.join(p.run, "slurmd.pid")}`,
    // The finished jobs with their exit codes, in a file (there is no accounting database).
    "JobCompType=jobcomp/filetxt",
    `JobCompLoc=${path.join(p.logs, "jobcomp.txt")}`,
    `PlugStackConfig=${p.plugstack}`,
    // No cgroups: containers and CI machines often do not delegate them.
    "ProctrackType=proctrack/linuxproc",
    "TaskPlugin=task/none",
    "JobAcctGatherType=jobacct_gather/none",
    "AccountingStorageType=accounting_storage/none",
    "MpiDefault=none",
    "MailProg=/bin/true",
    "SelectType=select/cons_tres",
    "SelectTypeParameters=CR_CPU",
    "SchedulerType=sched/backfill",
    "ReturnToService=2",
    // Keep finished jobs in scontrol for an hour, so their states and exit codes can be read.
    "MinJobAge=3600",
    "SlurmctldTimeout=30",
    "SlurmdTimeout=60",
    `NodeName=${name} NodeAddr=127.0.0.1 CPUs=${cpus} RealMemory=${realMemoryMb} State=UNKNOWN`,
    `PartitionName=test Nodes=${name} Default=YES MaxTime=INFINITE State=UP`,
  ].join("\n")}\n`;
}
