/**
 * Assembles `runs.arrow`, `timeseries.arrow`, `liquidations.arrow` and, when the runs recorded
 * them, `trades.arrow` (Arrow IPC file format) from the part logs' records, streaming part by part: a first pass reads the parts' schemas and takes their
 * union (runs may differ in columns: failed runs have no `summarize` metrics, worlds with other
 * agents record other gauges), a second pass conforms each part's batches to the union,
 * coalesces them into batches of up to {@link AssembleOptions.batchRows} rows and writes them
 * through a buffered file sink. Rows are in part order (run id ascending), batch boundaries
 * depend only on row counts, so the files depend only on the set of parts — not on how many
 * workers or machines produced them.
 *
 * A column a part lacks is null in `runs.arrow`, NaN in the Float64 columns of
 * `timeseries.arrow`, null elsewhere.
 *
 * @module
 */

import { closeSync, openSync, renameSync, writeSync } from "node:fs";
import path from "node:path";
import { ROLE_KEY, ROLE_ORDER, TABLES, type TableName } from "@cascade/schema";
import { batchOfData } from "./encode.ts";
import {
  AsyncByteQueue,
  type Data,
  type DataType,
  Field,
  makeData,
  type RecordBatch,
  RecordBatchFileWriter,
  Schema,
  Type,
  vectorFromArray,
} from "./lib.ts";
import { PartReader, type PartRef } from "./part-log.ts";
import { type ColumnSegment, type PartTable, readPart } from "./part-reader.ts";

// The table names belong to the output contract.
export { TABLES, type TableName } from "@cascade/schema";

/** Options of {@link assemble}. */
export interface AssembleOptions {
  /** Parts to assemble, in run-id order (duplicates of a run id are an error). */
  readonly parts: readonly PartRef[];
  /** Directory the files are written into (atomically). */
  readonly outDir: string;
  /** Schema metadata of every file (e.g. `cascade.seed`, `cascade.config_hash`). */
  readonly metadata: Readonly<Record<string, string>>;
  /** Field metadata to add to column `name` of `table` (units, descriptions, codes; see `columns.ts`). */
  readonly fieldMetadata?: (table: TableName, name: string) => Readonly<Record<string, string>> | undefined;
  /** Rows per output record batch (default 65,536). */
  readonly batchRows?: number;
  /** Called with every coalesced `runs` batch (e.g. to tally statuses and metrics). */
  readonly onRunsBatch?: (batch: RecordBatch) => void;
}

/** What {@link assemble} did. */
export interface AssembleResult {
  /** The tables written (`trades` only when some part holds trades). */
  readonly tables: readonly TableName[];
  /** Rows written per table. */
  readonly rows: Readonly<Record<TableName, number>>;
  /** Bytes written per table. */
  readonly bytes: Readonly<Record<TableName, number>>;
  /** Wall time of the whole assembly, ms. */
  readonly totalMs: number;
  /** Of which reading (and checksumming) part records, ms. */
  readonly readMs: number;
  /** Of which inside `write` calls of the file sinks (syscalls), ms. */
  readonly sinkMs: number;
}

/**
 * Writes the output files from `parts`: runs, timeseries, liquidations, and trades when some part
 * holds them (a sweep records trades in every run or in none: the switch is part of its plan).
 * @throws when a part is unreadable or two parts give a column different types.
 */
export function assemble(options: AssembleOptions): AssembleResult {
  const t0 = performance.now();
  let readMs = 0;
  const reader = new PartReader();
  const read = (part: PartRef) => {
    const t = performance.now();
    const bytes = reader.read(part);
    readMs += performance.now() - t;
    return bytes;
  };
  const partSchemas = new Map<string, Schema[]>();
  let prev = -1;
  for (const p of options.parts) {
    if (p.runId <= prev) throw new Error(`parts out of order or duplicated at run ${p.runId}`);
    prev = p.runId;
  }

  // Pass 1: union of the schemas, in run order; one part per schema key is enough.
  const unions = TABLES.map((t) => new SchemaUnion(t));
  const present = TABLES.map((t) => t !== "trades");
  const seen = new Set<string>();
  try {
    for (const p of options.parts) {
      if (seen.has(p.schemaKey)) continue;
      seen.add(p.schemaKey);
      readPart(read(p), p.schemaKey, partSchemas).forEach((table, i) => {
        unions[i]!.add(table.schema, p.runId);
        present[i] = true;
      });
    }
  } catch (e) {
    reader.close();
    throw e;
  }
  const metadata = new Map(Object.entries(options.metadata));
  const schemas = unions.map((u) => u.schema(metadata, options.fieldMetadata));

  // Pass 2: conform, coalesce, write.
  const batchRows = options.batchRows ?? 65_536;
  const tables = TABLES.filter((_, i) => present[i]);
  const writers = tables.map(
    (t) => new TableFile(path.join(options.outDir, `${t}.arrow`), schemas[TABLES.indexOf(t)]!),
  );
  const coalescers = tables.map(
    (t, i) =>
      new Coalescer(schemas[TABLES.indexOf(t)]!, t === "timeseries" ? "nan" : "null", batchRows, (b) => {
        if (t === "runs") options.onRunsBatch?.(b);
        writers[i]!.write(b);
      }),
  );
  try {
    for (const p of options.parts) {
      readPart(read(p), p.schemaKey, partSchemas).forEach((table, i) => {
        coalescers[i]!.add(table);
      });
    }
    for (const c of coalescers) c.flush();
    for (const w of writers) w.finish();
  } catch (e) {
    for (const w of writers) w.abort();
    throw e;
  } finally {
    reader.close();
  }
  const rows = Object.fromEntries(
    TABLES.map((t) => [t, coalescers[tables.indexOf(t)]?.rowsWritten ?? 0]),
  ) as Record<TableName, number>;
  const bytes = Object.fromEntries(
    TABLES.map((t) => [t, writers[tables.indexOf(t)]?.sink.bytes ?? 0]),
  ) as Record<TableName, number>;
  const sinkMs = writers.reduce((s, w) => s + w.sink.writeMs, 0);
  return { tables, rows, bytes, totalMs: performance.now() - t0, readMs, sinkMs };
}

/** Union of the schemas of one table over all parts. */
class SchemaUnion {
  private readonly fields = new Map<string, { field: Field; order: number; runId: number }>();
  constructor(private readonly table: TableName) {}

  add(schema: Schema, runId: number): void {
    for (const f of schema.fields) {
      const seen = this.fields.get(f.name);
      if (seen === undefined) {
        this.fields.set(f.name, { field: f, order: this.fields.size, runId });
      } else if (String(seen.field.type) !== String(f.type)) {
        throw new Error(
          `${this.table}: column "${f.name}" is ${seen.field.type} in run ${seen.runId} but ${f.type} in run ${runId}`,
        );
      }
    }
  }

  schema(
    metadata: Map<string, string>,
    extra?: (table: TableName, name: string) => Readonly<Record<string, string>> | undefined,
  ): Schema {
    const entries = [...this.fields.values()];
    if (this.table === "runs") {
      const rank = (f: Field) => {
        const r = ROLE_ORDER.indexOf(f.metadata.get(ROLE_KEY) as never);
        return r < 0 ? ROLE_ORDER.length : r;
      };
      entries.sort((a, b) => rank(a.field) - rank(b.field) || a.order - b.order);
    }
    const fields = entries.map(({ field }) => {
      const md = new Map([...field.metadata, ...Object.entries(extra?.(this.table, field.name) ?? {})]);
      return new Field(field.name, field.type, true, md.size > 0 ? md : null);
    });
    return new Schema(fields, new Map([...metadata, ["cascade.table", this.table]]));
  }
}

/**
 * Appends the parts' tables, column by column, into growable buffers of the union schema and
 * emits a record batch whenever `batchRows` rows are collected. Values are copied once, straight
 * from the part's buffer; nothing keeps a part alive. An emitted batch views the builders' buffers,
 * which the next batch reuses: `emit` must consume it (write it, tally it) before returning.
 */
class Coalescer {
  rowsWritten = 0;
  private rows = 0;
  private readonly columns: ColumnBuilder[];
  private readonly indexes = new Map<Schema, (number | undefined)[]>();

  constructor(
    private readonly schema: Schema,
    missing: "nan" | "null",
    private readonly batchRows: number,
    private readonly emit: (batch: RecordBatch) => void,
  ) {
    this.columns = schema.fields.map((f) => new ColumnBuilder(f.type, missing, batchRows));
  }

  add(table: PartTable): void {
    const n = table.length;
    if (n === 0) return;
    let index = this.indexes.get(table.schema);
    if (index === undefined) {
      const byName = new Map(table.schema.fields.map((g, i) => [g.name, i]));
      index = this.schema.fields.map((f) => byName.get(f.name));
      this.indexes.set(table.schema, index);
    }
    for (let j = 0; j < this.columns.length; j++) {
      const i = index[j];
      this.columns[j]!.append(i === undefined ? null : table.columns[i]!, n, this.rows);
    }
    this.rows += n;
    if (this.rows >= this.batchRows) this.flush();
  }

  flush(): void {
    if (this.rows === 0) return;
    const n = this.rows;
    this.emit(
      batchOfData(
        this.schema,
        n,
        this.columns.map((c) => c.finish(n)),
      ),
    );
    this.rowsWritten += n;
    this.rows = 0;
  }
}

const utf8 = new TextDecoder();

function isValid(c: ColumnSegment, i: number): boolean {
  return c.validity === null || (c.validity[i >> 3]! & (1 << (i & 7))) !== 0;
}

type NumericArray =
  | Float64Array
  | Float32Array
  | Int32Array
  | Int16Array
  | Int8Array
  | Uint32Array
  | Uint16Array
  | Uint8Array;

/** One output column being collected. */
class ColumnBuilder {
  private readonly fixed: boolean;
  private readonly nanForMissing: boolean;
  private values: NumericArray | null = null;
  private readonly objects: unknown[] = [];
  private valid: Uint8Array | null = null;
  private nulls = 0;

  /**
   * @param capacity rows of the first values buffer: a whole batch, so it never grows by copying
   * (the pages a short table leaves untouched are never faulted in).
   */
  constructor(
    private readonly type: DataType,
    missing: "nan" | "null",
    private readonly capacity: number,
  ) {
    this.fixed = type.typeId === Type.Int || type.typeId === Type.Float;
    this.nanForMissing = missing === "nan" && type.typeId === Type.Float;
  }

  /** Appends `n` rows at row `at`: the column `c`, or missing values when `c` is `null`. */
  append(c: ColumnSegment | null, n: number, at: number): void {
    if (!this.fixed) {
      const isBool = this.type.typeId === Type.Bool;
      for (let i = 0; i < n; i++) {
        if (c === null || !isValid(c, i)) this.objects.push(null);
        else if (isBool) this.objects.push((c.values[i >> 3]! & (1 << (i & 7))) !== 0);
        else
          this.objects.push(utf8.decode(c.values.subarray(c.offsets![i]!, c.offsets![i + 1]!) as Uint8Array));
      }
      return;
    }
    const values = this.reserve(at + n);
    if (c === null) {
      if (this.nanForMissing) (values as Float64Array).fill(Number.NaN, at, at + n);
      else {
        values.fill(0, at, at + n);
        for (let i = 0; i < n; i++) this.markNull(at + i);
      }
      return;
    }
    if (n === 1) values[at] = c.values[0]!;
    else
      values.set(
        c.values.length === n
          ? (c.values as ArrayLike<number>)
          : (c.values.subarray(0, n) as ArrayLike<number>),
        at,
      );
    if (c.nullCount > 0) for (let i = 0; i < n; i++) if (!isValid(c, i)) this.markNull(at + i);
  }

  /** The collected rows as Arrow data; the builder starts over. */
  finish(n: number): Data {
    if (!this.fixed) {
      const data = vectorFromArray(this.objects as never[], this.type).data[0]!;
      this.objects.length = 0;
      return data;
    }
    // A view of the buffer, no copy. The batch is written (the file sink copies or writes it)
    // before the next append, so the same buffer serves every batch: no fresh, zero-filled
    // megabytes per batch and column.
    const values = this.reserve(n).subarray(0, n);
    const nullBitmap = this.valid === null ? null : this.valid.subarray(0, Math.ceil(n / 8));
    const data = makeData({
      type: this.type,
      length: n,
      nullCount: this.nulls,
      data: values,
      nullBitmap,
    } as never);
    this.valid = null;
    this.nulls = 0;
    return data;
  }

  private reserve(n: number): NumericArray {
    let v = this.values;
    if (v === null || v.length < n) {
      const ArrayType = this.type.ArrayType as new (n: number) => NumericArray;
      const grown = new ArrayType(Math.max(n, 2 * (v?.length ?? 0), this.capacity));
      if (v !== null) grown.set(v);
      this.values = v = grown;
    }
    return v;
  }

  private markNull(i: number): void {
    if (this.valid === null || this.valid.length * 8 <= i) {
      const grown = new Uint8Array(Math.max(Math.ceil((i + 1) / 8), 2 * (this.valid?.length ?? 0), 128)).fill(
        0xff,
      );
      if (this.valid !== null) grown.set(this.valid);
      this.valid = grown;
    }
    this.valid[i >> 3]! &= ~(1 << (i & 7));
    this.nulls++;
  }
}

/** A buffered sink writing straight to a file descriptor, timing its syscalls. */
class FileSink extends AsyncByteQueue {
  bytes = 0;
  writeMs = 0;
  private readonly buf = new Uint8Array(1 << 20);
  private used = 0;
  constructor(private readonly fd: number) {
    super();
  }
  override write(value: Uint8Array): void {
    const chunk = value instanceof Uint8Array ? value : new Uint8Array(value as ArrayBufferLike);
    if (chunk.byteLength > this.buf.byteLength - this.used) this.drain();
    if (chunk.byteLength >= this.buf.byteLength) this.put(chunk);
    else {
      this.buf.set(chunk, this.used);
      this.used += chunk.byteLength;
    }
    this.bytes += chunk.byteLength;
  }
  drain(): void {
    if (this.used > 0) this.put(this.buf.subarray(0, this.used));
    this.used = 0;
  }
  private put(chunk: Uint8Array): void {
    const t = performance.now();
    let at = 0;
    while (at < chunk.byteLength) at += writeSync(this.fd, chunk, at, chunk.byteLength - at);
    this.writeMs += performance.now() - t;
  }
  override close(): void {
    this.drain();
    super.close();
  }
}

/** One output file: a temp file written through a {@link FileSink}, renamed on finish. */
class TableFile {
  readonly sink: FileSink;
  private readonly writer: InstanceType<typeof RecordBatchFileWriter>;
  private readonly fd: number;
  private readonly tmp: string;

  constructor(
    private readonly file: string,
    private readonly schema: Schema,
  ) {
    this.tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
    this.fd = openSync(this.tmp, "w");
    this.sink = new FileSink(this.fd);
    this.writer = new RecordBatchFileWriter();
    this.writer.reset(this.sink as never, schema);
  }

  write(batch: RecordBatch): void {
    if (batch.schema.fields.length !== this.schema.fields.length) {
      throw new Error("batch schema differs from the file's");
    }
    this.writer.write(batch);
  }

  finish(): void {
    this.writer.finish();
    this.sink.drain();
    closeSync(this.fd);
    renameSync(this.tmp, this.file);
  }

  abort(): void {
    try {
      closeSync(this.fd);
    } catch {
      // already closed
    }
  }
}
