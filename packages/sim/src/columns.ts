/**
 * Growable named numeric columns: what the recorder writes and the runner turns into Arrow
 * record batches. One typed array per column, no object per row.
 *
 * @module
 */

/** A table of equally long Float64 columns. */
export class ColumnTable {
  /** Number of rows. */
  length = 0;
  private readonly data = new Map<string, Float64Array>();
  private capacity: number;

  constructor(names: readonly string[] = [], capacity = 1024) {
    this.capacity = capacity;
    for (const n of names) this.addColumn(n);
  }

  /** Column names in insertion order. */
  get names(): string[] {
    return [...this.data.keys()];
  }

  /** Adds a column (filled with NaN for existing rows). No-op when it exists. */
  addColumn(name: string): void {
    if (this.data.has(name)) return;
    this.data.set(name, new Float64Array(this.capacity).fill(Number.NaN));
  }

  /** Starts a new row (all NaN) and returns its index. */
  addRow(): number {
    if (this.length === this.capacity) this.grow();
    return this.length++;
  }

  /** Sets `name` at `row`, creating the column when new. */
  set(row: number, name: string, value: number): void {
    let col = this.data.get(name);
    if (col === undefined) {
      this.addColumn(name);
      col = this.data.get(name)!;
    }
    col[row] = value;
  }

  /** The column `name`, trimmed to the row count (a view, not a copy). */
  column(name: string): Float64Array {
    const col = this.data.get(name);
    if (col === undefined) throw new RangeError(`no column "${name}"`);
    return col.subarray(0, this.length);
  }

  /** All columns trimmed to the row count, in insertion order. */
  columns(): Record<string, Float64Array> {
    const out: Record<string, Float64Array> = {};
    for (const [k, v] of this.data) out[k] = v.subarray(0, this.length);
    return out;
  }

  private grow(): void {
    this.capacity *= 2;
    for (const [k, v] of this.data) {
      const b = new Float64Array(this.capacity).fill(Number.NaN);
      b.set(v);
      this.data.set(k, b);
    }
  }
}
