/**
 * Plain-text tables for the console.
 *
 * @module
 */

/** A column of a {@link formatTable} table. */
export interface Column {
  readonly header: string;
  /** Numbers read best right-aligned; default `"left"`. */
  readonly align?: "left" | "right";
}

/** Lays out `rows` (one string per column) under `columns`, padded, with a rule under the header. */
export function formatTable(columns: readonly Column[], rows: readonly (readonly string[])[]): string {
  const widths = columns.map((c, j) => Math.max(c.header.length, ...rows.map((r) => (r[j] ?? "").length)));
  const line = (cells: readonly string[]) =>
    columns
      .map((c, j) => {
        const cell = cells[j] ?? "";
        return c.align === "right" ? cell.padStart(widths[j]!) : cell.padEnd(widths[j]!);
      })
      .join("  ")
      .trimEnd();
  const rule = widths.map((w) => "-".repeat(w)).join("  ");
  return [line(columns.map((c) => c.header)), rule, ...rows.map(line)].join("\n");
}

/** `12345678.9` → `"12,345,679"`: thousands separators, no decimals. */
export function formatCount(n: number): string {
  return Number.isFinite(n) ? Math.round(n).toLocaleString("en-US") : String(n);
}

/** Formats `n` with `digits` decimals, or `"—"` when it is not a finite number. */
export function formatFixed(n: number, digits: number): string {
  return Number.isFinite(n) ? n.toFixed(digits) : "—";
}
