/**
 * The short table printed after a sweep: per parameter point, the runs that finished and the mean
 * of the main metrics over its ok runs. Fed with the `runs` batches as they are assembled.
 *
 * @module
 */

import { type ColumnRole, PARAMETER_ROLES, ROLE_KEY } from "@cascade/schema";
import type { RecordBatch } from "./arrow/lib.ts";

/** Metrics shown in the summary table (when present). */
export const MAIN_METRICS: readonly string[] = [
  "liquidations",
  "liquidated_notional",
  "waves",
  "max_drawdown",
  "min_price",
  "insurance_fund_end",
  "adl_count",
];

interface PointStats {
  params: Record<string, unknown>;
  ok: number;
  failed: number;
  sums: number[];
  counts: number[];
}

/** Accumulates per-point means from `runs` batches. */
export class PointSummary {
  /** Runs seen by status. */
  ok = 0;
  failed = 0;
  private readonly points = new Map<number, PointStats>();
  private paramNames: string[] = [];

  /** Adds the rows of a `runs` batch. */
  add(batch: RecordBatch): void {
    const col = (name: string) => batch.getChild(name);
    if (this.paramNames.length === 0) {
      this.paramNames = batch.schema.fields
        .filter((f) => PARAMETER_ROLES.has(f.metadata.get(ROLE_KEY) as ColumnRole))
        .map((f) => f.name);
    }
    const point = col("point_index")!;
    const status = col("status")!;
    const metrics = MAIN_METRICS.map((m) => col(m));
    const params = this.paramNames.map((p) => col(p));
    for (let i = 0; i < batch.numRows; i++) {
      const p = point.get(i) as number;
      let s = this.points.get(p);
      if (s === undefined) {
        s = {
          params: Object.fromEntries(this.paramNames.map((n, k) => [n, params[k]?.get(i)])),
          ok: 0,
          failed: 0,
          sums: MAIN_METRICS.map(() => 0),
          counts: MAIN_METRICS.map(() => 0),
        };
        this.points.set(p, s);
      }
      if (status.get(i) !== "ok") {
        s.failed++;
        this.failed++;
        continue;
      }
      s.ok++;
      this.ok++;
      metrics.forEach((m, k) => {
        const v = m?.get(i) as number | null | undefined;
        if (typeof v === "number" && Number.isFinite(v)) {
          s.sums[k]! += v;
          s.counts[k]!++;
        }
      });
    }
  }

  /**
   * The table: one row per point (at most `maxRows`), showing the parameters that vary between
   * points, ok/failed counts and metric means.
   */
  format(maxRows = 20): string {
    const pts = [...this.points.entries()].sort((a, b) => a[0] - b[0]);
    if (pts.length === 0) return "(no runs)";
    const varying = this.paramNames.filter((n) => new Set(pts.map(([, s]) => String(s.params[n]))).size > 1);
    const shownMetrics = MAIN_METRICS.filter((_, k) => pts.some(([, s]) => s.counts[k]! > 0));
    const header = ["point", ...varying, "ok", "failed", ...shownMetrics.map((m) => `mean ${m}`)];
    const rows = pts.slice(0, maxRows).map(([p, s]) => [
      String(p),
      ...varying.map((n) => formatMetric(s.params[n])),
      String(s.ok),
      String(s.failed),
      ...shownMetrics.map((m) => {
        const k = MAIN_METRICS.indexOf(m);
        return s.counts[k]! > 0 ? formatMetric(s.sums[k]! / s.counts[k]!) : "—";
      }),
    ]);
    const widths = header.map((h, j) => Math.max(h.length, ...rows.map((r) => r[j]!.length)));
    const line = (cells: string[]) =>
      cells
        .map((c, j) => (j === 0 || j > varying.length ? c.padStart(widths[j]!) : c.padEnd(widths[j]!)))
        .join("  ");
    const out = [line(header), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(line)];
    if (pts.length > maxRows) out.push(`… ${pts.length - maxRows} more points (see runs.arrow)`);
    return out.join("\n");
  }
}

/** A table cell: integers as is, other numbers to 5 significant digits (exponent when tiny or huge). */
export function formatMetric(v: unknown): string {
  if (typeof v === "number") {
    if (Number.isInteger(v)) return String(v);
    const a = Math.abs(v);
    if (a !== 0 && (a < 1e-3 || a >= 1e7)) return v.toExponential(3);
    // Trim trailing zeros of the fraction only: 66590.3 → "66590", never "6659".
    const t = v.toPrecision(5);
    return t.includes(".") ? t.replace(/0+$/, "").replace(/\.$/, "") : t;
  }
  return String(v);
}
