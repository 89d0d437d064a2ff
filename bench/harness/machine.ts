/**
 * What machine a benchmark ran on, recorded beside every result so numbers from different
 * machines are never compared unknowingly.
 *
 * @module
 */

import os from "node:os";

/** The machine and runtime a benchmark ran on. */
export interface MachineInfo {
  /** Node.js version, e.g. `"v20.20.2"`. */
  readonly node: string;
  /** V8 version. */
  readonly v8: string;
  readonly platform: string;
  readonly arch: string;
  /** CPU model string as the OS reports it. */
  readonly cpuModel: string;
  /** Logical cores. */
  readonly cores: number;
  /** Total memory in bytes. */
  readonly totalMemoryBytes: number;
  /** 1, 5 and 15-minute load averages when the information was taken: high values mean noisy numbers. */
  readonly loadAverage: readonly number[];
  /** Wall-clock time the information was taken (ISO 8601, UTC). */
  readonly date: string;
}

/** Describes the current machine, stamped with the wall clock. */
export function machineInfo(): MachineInfo {
  const cpus = os.cpus();
  return {
    node: process.version,
    v8: process.versions.v8,
    platform: process.platform,
    arch: process.arch,
    cpuModel: cpus[0]?.model.trim() ?? "unknown",
    cores: cpus.length,
    totalMemoryBytes: os.totalmem(),
    loadAverage: os.loadavg().map((l) => Math.round(l * 100) / 100),
    date: new Date().toISOString(),
  };
}

/** One line for a report header, e.g. `node v20.20.2 · AMD EPYC · 2 cores · 23.5 GiB · load 0.3 · <date>`. */
export function formatMachine(m: MachineInfo): string {
  const gib = (m.totalMemoryBytes / 2 ** 30).toFixed(1);
  return `node ${m.node} · ${m.cpuModel} · ${m.cores} cores · ${gib} GiB · load ${m.loadAverage[0]} · ${m.date}`;
}
