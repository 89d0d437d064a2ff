/**
 * `evaluations.arrow`: every evaluated candidate of a calibration as one row of an Arrow IPC file.
 *
 * | column | type | |
 * |---|---|---|
 * | `candidate` | Int32 | candidate id (its runs are `candidate × R + r`) |
 * | `iteration` | Int32 | batch of the search it was evaluated in |
 * | `phase` | Utf8 | `design`, `simplex`, `nelder-mead` or `jacobian` |
 * | `start` | Int32 | Nelder–Mead start (null for design and Jacobian) |
 * | `duplicate_of` | Int32 | earlier candidate with the same values it reuses, else null |
 * | each fitted parameter | Float64 | its value |
 * | `<metric>_mean`, `<metric>_se` | Float64 | each target moment over the ok replications (null when undefined) |
 * | `runs_ok`, `runs_failed` | Int32 | replications |
 * | `objective` | Float64 | J (null when +∞: a failed replication or a non-finite moment) |
 *
 * Schema metadata: `cascade.table` = `evaluations`, `cascade.experiment`, `cascade.config_hash`
 * (the calibration's), `cascade.targets` (the moments as JSON).
 *
 * @module
 */

import type { Vector } from "apache-arrow";
import { Float64, Int32, Schema, Table, tableToIPC, Utf8, vectorFromArray } from "../arrow/lib.ts";
import type { Evaluation } from "./log.ts";
import type { TargetMoment } from "./targets.ts";

/** The bytes of `evaluations.arrow` (an Arrow IPC file) for `evaluations`, in candidate order. */
export function evaluationsTable(
  evaluations: readonly Evaluation[],
  parameters: readonly string[],
  moments: readonly TargetMoment[],
  metadata: Readonly<Record<string, string>>,
): Uint8Array {
  const rows = [...evaluations].sort((a, b) => a.candidate - b.candidate);
  const fin = (v: number) => (Number.isFinite(v) ? v : null);
  const int = (f: (e: Evaluation) => number | null) => vectorFromArray(rows.map(f), new Int32());
  const f64 = (f: (e: Evaluation) => number | null) => vectorFromArray(rows.map(f), new Float64());
  const columns: Record<string, Vector> = {
    candidate: int((e) => e.candidate),
    iteration: int((e) => e.iteration),
    phase: vectorFromArray(
      rows.map((e) => e.phase),
      new Utf8(),
    ),
    start: int((e) => e.start),
    duplicate_of: int((e) => e.duplicateOf),
  };
  for (const p of parameters) columns[p] = f64((e) => e.params[p] ?? null);
  moments.forEach((m, k) => {
    columns[`${m.metric}_mean`] = f64((e) => fin(e.moments[k]!.mean));
    columns[`${m.metric}_se`] = f64((e) => fin(e.moments[k]!.se));
  });
  columns.runs_ok = int((e) => e.ok);
  columns.runs_failed = int((e) => e.failed);
  columns.objective = f64((e) => fin(e.objective));
  const table = new Table(columns);
  const schema = new Schema(
    table.schema.fields,
    new Map([...Object.entries(metadata), ["cascade.table", "evaluations"]]),
  );
  return tableToIPC(new Table(schema, table.batches), "file");
}
