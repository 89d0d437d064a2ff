/**
 * Helpers of the runner's tests (not exported from the package): temp directories, reading the
 * output files, comparing them without the wall-clock column, and running the CLI in a child
 * process.
 *
 * @module
 */

import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { isDeepStrictEqual } from "node:util";
import { type Table, tableFromIPC } from "apache-arrow";

/** This package's `src/` directory. */
export const SRC = path.dirname(fileURLToPath(import.meta.url));
/** The repository root. */
export const ROOT = path.resolve(SRC, "../../..");
/** Fixture experiment files. */
export const FIXTURES = {
  tiny: path.join(SRC, "fixtures", "tiny.ts"),
  failing: path.join(SRC, "fixtures", "failing.ts"),
  slow: path.join(SRC, "fixtures", "slow.ts"),
} as const;

/** A fresh temp directory. */
export function tempDir(prefix = "cascade-runner-"): string {
  return mkdtempSync(path.join(tmpdir(), prefix));
}

/** Reads an Arrow IPC file. */
export function readTable(file: string): Table {
  return tableFromIPC(readFileSync(file));
}

/** A table as plain data (schema with metadata, columns as arrays) without the `drop` columns. */
export function tableData(table: Table, drop: readonly string[] = ["wall_ms"]): unknown {
  const fields = table.schema.fields.filter((f) => !drop.includes(f.name));
  return {
    metadata: [...table.schema.metadata.entries()],
    fields: fields.map((f) => ({ name: f.name, type: String(f.type), metadata: [...f.metadata.entries()] })),
    rows: table.numRows,
    columns: Object.fromEntries(
      fields.map((f) => [
        f.name,
        Array.from(table.getChild(f.name)!.toArray() as ArrayLike<unknown>, normalize),
      ]),
    ),
  };
}

function normalize(v: unknown): unknown {
  return typeof v === "number" && Number.isNaN(v) ? "NaN" : v;
}

/**
 * How the results in two output directories differ; empty when they are the same. Sameness is
 * what every worker-count, shard, merge and cluster test checks: `timeseries.arrow` and
 * `liquidations.arrow` byte for byte, `runs.arrow` as data (schema, metadata, every value) without
 * its wall-clock column `wall_ms`.
 */
export function outputDifferences(a: string, b: string): string[] {
  const out: string[] = [];
  for (const name of ["timeseries.arrow", "liquidations.arrow"]) {
    if (!readFileSync(path.join(a, name)).equals(readFileSync(path.join(b, name)))) {
      out.push(`${name}: the bytes differ`);
    }
  }
  type Data = { columns: Record<string, unknown> };
  const [ra, rb] = [a, b].map((dir) => tableData(readTable(path.join(dir, "runs.arrow"))) as Data);
  if (!isDeepStrictEqual(ra, rb)) {
    const columns = Object.keys({ ...ra!.columns, ...rb!.columns }).filter(
      (c) => !isDeepStrictEqual(ra!.columns[c], rb!.columns[c]),
    );
    const what = columns.length > 0 ? `columns ${columns.join(", ")}` : "schema, metadata or row count";
    out.push(`runs.arrow: ${what} differ (wall_ms aside)`);
  }
  return out;
}

/** Result of a CLI run. */
export interface CliResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `node --import tsx <cli> …args` from the repository root (one process, so kill -9 kills it all). */
export function cli(
  args: readonly string[],
  env: NodeJS.ProcessEnv = {},
): { done: Promise<CliResult>; pid: number } {
  const child = spawn(process.execPath, ["--import", "tsx", path.join(SRC, "cli", "main.ts"), ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d: Buffer) => {
    stdout += d.toString();
  });
  child.stderr.on("data", (d: Buffer) => {
    stderr += d.toString();
  });
  const done = new Promise<CliResult>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  return { done, pid: child.pid! };
}
