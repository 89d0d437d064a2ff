/**
 * One run as Arrow: its `runs` row, its time series, its liquidation log and (when the run records
 * them) its trades as record batches, serialized as three or four concatenated Arrow IPC streams
 * — the payload of the run's part record,
 * which a worker hands to the main thread in shared memory and the main thread appends,
 * unchanged, to its part log.
 *
 * @module
 */

import { createHash } from "node:crypto";
import {
  type ColumnRole,
  INT32_SERIES_COLUMNS,
  LIQUIDATION_COLUMNS,
  ROLE_KEY,
  SUMMARY_METRIC_NAMES,
  seriesFileName,
  summaryMetric,
  TRADE_COLUMNS,
} from "@cascade/schema";
import type { SimResult } from "@cascade/sim";
import type { ParamColumn } from "../plan.ts";
import type { ParamPoint } from "../sweep.ts";
import {
  Bool,
  type Data,
  type DataType,
  Field,
  Float64,
  Int32,
  Message,
  makeData,
  RecordBatch,
  RecordBatchHeader,
  RecordBatchReader,
  Schema,
  Struct,
  Uint8,
  Utf8,
  VectorAssembler,
} from "./lib.ts";

/** The `runs.arrow` row of one run. */
export interface RunRow {
  readonly runId: number;
  /** The run's seed (32 hex digits). */
  readonly seed: string;
  readonly pointIndex: number;
  readonly replication: number;
  readonly params: ParamPoint;
  readonly status: "ok" | "failed";
  /** Why the run failed (`null` when ok). */
  readonly error: string | null;
  /** The sim's summary metrics (`null` when the run failed). */
  readonly metrics: Readonly<Record<string, number>> | null;
  /** The experiment's `summarize` metrics (`null`: does not apply to this run). */
  readonly extras: Readonly<Record<string, number | null>> | null;
  readonly traceHash: string | null;
  /** Wall-clock time of build + run + summarize, ms (the only non-deterministic column). */
  readonly wallMs: number;
}

/** The tables of a run. */
export interface RunBatches {
  readonly runs: RecordBatch;
  readonly timeseries: RecordBatch;
  readonly liquidations: RecordBatch;
  /** Only when the run records trades. */
  readonly trades?: RecordBatch;
}

const F64 = new Float64();
const I32 = new Int32();
const UTF8 = new Utf8();

function field(name: string, type: DataType, role?: ColumnRole): Field {
  return new Field(name, type, true, role === undefined ? null : new Map([[ROLE_KEY, role]]));
}

function paramType(kind: ParamColumn["kind"]): DataType {
  switch (kind) {
    case "integer":
      return I32;
    case "choice":
      return UTF8;
    case "boolean":
      return new Bool();
    default:
      return F64;
  }
}

/** The `runs` row of one run as a one-row record batch (columns in the contract's `ROLE_ORDER`). */
export function runRowBatch(row: RunRow, columns: readonly ParamColumn[]): RecordBatch {
  const fields: Field[] = [];
  const datas: Data[] = [];
  const add = (name: string, type: DataType, role: ColumnRole, value: unknown) => {
    fields.push(field(name, type, role));
    datas.push(scalarData(type, value));
  };
  add("run_id", I32, "key", row.runId);
  add("seed", UTF8, "key", row.seed);
  add("point_index", I32, "key", row.pointIndex);
  add("replication", I32, "key", row.replication);
  for (const c of columns)
    add(c.name, paramType(c.kind), c.kind === "derived" ? "derived" : "param", row.params[c.name]);
  add("status", UTF8, "status", row.status);
  add("error", UTF8, "status", row.error);
  const metricNames = row.metrics === null ? SUMMARY_METRIC_NAMES : Object.keys(row.metrics);
  for (const m of metricNames)
    add(m, summaryMetric(m)?.type === "int32" ? I32 : F64, "metric", row.metrics?.[m]);
  if (row.extras !== null) for (const [k, v] of Object.entries(row.extras)) add(k, F64, "extra", v);
  add("trace_hash", UTF8, "trace", row.traceHash);
  add("wall_ms", F64, "wall", row.wallMs);
  return batchOfData(new Schema(fields), 1, datas);
}

const utf8 = new TextEncoder();

/** One-row column data of `type` holding `value` (`null`/`undefined` → null). */
function scalarData(type: DataType, value: unknown): Data {
  const isNull = value === null || value === undefined;
  const nullBitmap = Uint8Array.of(isNull ? 0 : 1);
  const nullCount = isNull ? 1 : 0;
  if (type instanceof Utf8) {
    const bytes = isNull ? new Uint8Array(0) : utf8.encode(String(value));
    return makeData({
      type,
      length: 1,
      nullCount,
      nullBitmap,
      valueOffsets: Int32Array.of(0, bytes.length),
      data: bytes,
    });
  }
  if (type instanceof Bool)
    return makeData({ type, length: 1, nullCount, nullBitmap, data: Uint8Array.of(value === true ? 1 : 0) });
  if (type instanceof Int32)
    return makeData({
      type,
      length: 1,
      nullCount,
      nullBitmap,
      data: Int32Array.of(isNull ? 0 : Number(value)),
    });
  return makeData({
    type: F64,
    length: 1,
    nullCount,
    nullBitmap,
    data: Float64Array.of(isNull ? Number.NaN : Number(value)),
  });
}

/**
 * A run's time series as a record batch: `run_id` then the sim's columns — Float64, except the
 * per-interval counts (Int32), which are renamed as in the contract's `INTERVAL_COLUMNS`.
 */
export function timeseriesBatch(runId: number, result: SimResult | null): RecordBatch {
  const cols = result?.timeseries ?? {};
  const n = Object.values(cols)[0]?.length ?? 0;
  const fields = [field("run_id", I32)];
  const datas = [makeData({ type: I32, length: n, nullCount: 0, data: new Int32Array(n).fill(runId) })];
  for (const [simName, col] of Object.entries(cols)) {
    const name = seriesFileName(simName);
    if (INT32_SERIES_COLUMNS.has(name)) {
      fields.push(field(name, I32));
      datas.push(makeData({ type: I32, length: n, nullCount: 0, data: Int32Array.from(col) }) as never);
    } else {
      fields.push(field(name, F64));
      datas.push(makeData({ type: F64, length: n, nullCount: 0, data: col }) as never);
    }
  }
  return batchOfData(new Schema(fields), n, datas);
}

/** Arrow type of a typed array of the sim's liquidation columns. */
function typeOfArray(a: ArrayLike<number>): DataType {
  if (a instanceof Int32Array) return I32;
  if (a instanceof Uint8Array) return new Uint8();
  return F64;
}

/** Empty columns of the contract's types, in its order (the log of a failed run). */
function emptyColumns(
  columns: Readonly<Record<string, { readonly type: "float64" | "int32" | "uint8" | "utf8" }>>,
): Record<string, ArrayLike<number>> {
  // Utf8 columns are kept as Int32 indices into names until they are encoded.
  const empty = { float64: Float64Array, int32: Int32Array, uint8: Uint8Array, utf8: Int32Array } as const;
  return Object.fromEntries(Object.entries(columns).map(([k, c]) => [k, new empty[c.type](0)]));
}

/**
 * A run's trades as a record batch: `run_id` then the contract's columns (`TRADE_COLUMNS`), the
 * venue and agent indices written as their names (null for the insurance fund).
 */
export function tradesBatch(runId: number, result: SimResult | null): RecordBatch {
  const table = result?.trades;
  const cols: Record<string, ArrayLike<number>> = table
    ? (table.columns as unknown as Record<string, ArrayLike<number>>)
    : emptyColumns(TRADE_COLUMNS);
  const n = cols.time_s?.length ?? 0;
  const fields = [field("run_id", I32)];
  const datas: Data[] = [
    makeData({ type: I32, length: n, nullCount: 0, data: new Int32Array(n).fill(runId) }),
  ];
  for (const [name, spec] of Object.entries(TRADE_COLUMNS)) {
    const col = cols[name]!;
    if (spec.type === "utf8") {
      const names = name === "venue" ? (table?.venueNames ?? []) : (table?.agentNames ?? []);
      fields.push(field(name, UTF8));
      datas.push(namesData(col as Int32Array, names));
    } else {
      const type = typeOfArray(col);
      fields.push(field(name, type));
      datas.push(makeData({ type, length: n, nullCount: 0, data: col } as never) as never);
    }
  }
  return batchOfData(new Schema(fields), n, datas);
}

/** A Utf8 column of `names[index[i]]`, null where the index is negative. */
function namesData(index: Int32Array, names: readonly string[]): Data {
  const bytes = names.map((s) => utf8.encode(s));
  const n = index.length;
  const offsets = new Int32Array(n + 1);
  const validity = new Uint8Array(Math.ceil(n / 8));
  let size = 0;
  let nulls = 0;
  for (let i = 0; i < n; i++) {
    const k = index[i]!;
    if (k >= 0) {
      size += bytes[k]!.length;
      validity[i >> 3]! |= 1 << (i & 7);
    } else nulls++;
    offsets[i + 1] = size;
  }
  const data = new Uint8Array(size);
  for (let i = 0; i < n; i++) if (index[i]! >= 0) data.set(bytes[index[i]!]!, offsets[i]!);
  return makeData({
    type: UTF8,
    length: n,
    nullCount: nulls,
    nullBitmap: nulls > 0 ? validity : null,
    valueOffsets: offsets,
    data,
  } as never);
}

/** A run's liquidation log as a record batch: `run_id` then the sim's columns. */
export function liquidationsBatch(runId: number, result: SimResult | null): RecordBatch {
  const cols: Record<string, ArrayLike<number>> = result
    ? (result.liquidations as unknown as Record<string, ArrayLike<number>>)
    : emptyColumns(LIQUIDATION_COLUMNS);
  const n = cols.time_s?.length ?? 0;
  const fields = [field("run_id", I32)];
  const datas = [makeData({ type: I32, length: n, nullCount: 0, data: new Int32Array(n).fill(runId) })];
  for (const [name, col] of Object.entries(cols)) {
    const type = typeOfArray(col);
    fields.push(field(name, type));
    datas.push(makeData({ type, length: n, nullCount: 0, data: col } as never) as never);
  }
  return batchOfData(new Schema(fields), n, datas);
}

/** A record batch from per-column data. */
export function batchOfData(schema: Schema, length: number, children: readonly unknown[]): RecordBatch {
  const data = makeData({
    type: new Struct(schema.fields),
    length,
    nullCount: 0,
    children: children as never,
  });
  return new RecordBatch(schema, data);
}

/** A run serialized for its part record. */
export interface EncodedRun {
  /** Concatenated Arrow IPC streams: runs, timeseries, liquidations (and trades). */
  readonly bytes: Uint8Array;
  /**
   * Fingerprint of the three streams' schemas (16 hex digits of a SHA-1 of their schema
   * messages): parts with equal keys have equal schemas, so the assembler decodes the schemas of
   * one part per key only.
   */
  readonly schemaKey: string;
  /**
   * With {@link encodeRun}'s `frame`: the whole buffer, `frame.before` free bytes, then `bytes`,
   * then free bytes up to a multiple of `frame.align` (a part record to seal in place, no copy);
   * in a SharedArrayBuffer with `frame.shared`.
   */
  readonly framed?: Uint8Array;
}

/** Framed schema messages (and their hashes) by schema signature: runs repeat their schemas. */
const schemaMessages = new Map<string, { bytes: Uint8Array; hash: Uint8Array }>();
const CONTINUATION = new Uint8Array(Int32Array.of(-1).buffer);
const END_OF_STREAM = new Uint8Array(Int32Array.of(-1, 0).buffer);

/** `0xFFFFFFFF`, the padded length, the message, zero padding to 8 bytes (Arrow's framing). */
function frame(message: Uint8Array): Uint8Array {
  const padded = (message.byteLength + 8 + 7) & ~7;
  const out = new Uint8Array(padded);
  out.set(CONTINUATION, 0);
  new DataView(out.buffer).setInt32(4, padded - 8, true);
  out.set(message, 8);
  return out;
}

function schemaSignature(schema: Schema): string {
  let s = "";
  for (const f of schema.fields) {
    s += `${f.name}\u0000${String(f.type)}\u0000${f.metadata.get(ROLE_KEY) ?? ""}\u0001`;
  }
  return s;
}

/**
 * One record batch as an Arrow IPC stream (schema, batch, end of stream), the same bytes
 * `tableToIPC(table, "stream")` writes, with the schema message encoded once per schema.
 */
function streamChunks(batch: RecordBatch): { chunks: Uint8Array[]; schemaHash: Uint8Array } {
  const signature = schemaSignature(batch.schema);
  let schema = schemaMessages.get(signature);
  if (schema === undefined) {
    const bytes = frame(Message.encode(Message.from(batch.schema)));
    schema = { bytes, hash: createHash("sha1").update(bytes).digest() };
    schemaMessages.set(signature, schema);
  }
  const chunks = [schema.bytes];
  const { byteLength, nodes, bufferRegions, buffers, variadicBufferCounts } = VectorAssembler.assemble(batch);
  const header = new RecordBatchHeader(batch.numRows, nodes, bufferRegions, null, variadicBufferCounts);
  chunks.push(frame(Message.encode(Message.from(header, byteLength))));
  for (const view of buffers) {
    if (view.byteLength === 0) continue;
    const b = new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
    chunks.push(b);
    const padding = ((b.byteLength + 7) & ~7) - b.byteLength;
    if (padding > 0) chunks.push(new Uint8Array(padding));
  }
  chunks.push(END_OF_STREAM);
  return { chunks, schemaHash: schema.hash };
}

/**
 * Serializes a run's batches as concatenated Arrow IPC streams (runs, timeseries, liquidations,
 * and trades when present) into one fresh buffer, with the key of their schemas. With
 * `frame`, the buffer also has room for a record header before the streams and padding after
 * them (see `part-log.ts`), so the worker can seal the record without copying the bytes, and
 * with `frame.shared` that buffer is a SharedArrayBuffer (handed to the main thread as it is).
 */
export function encodeRun(
  batches: RunBatches,
  frame?: { readonly before: number; readonly align: number; readonly shared?: boolean },
): EncodedRun {
  const tables = [batches.runs, batches.timeseries, batches.liquidations];
  if (batches.trades !== undefined) tables.push(batches.trades);
  const streams = tables.map(streamChunks);
  let length = 0;
  for (const s of streams) for (const c of s.chunks) length += c.byteLength;
  const before = frame?.before ?? 0;
  const align = frame?.align ?? 1;
  const size = Math.ceil((before + length) / align) * align;
  const framed = new Uint8Array(frame?.shared === true ? new SharedArrayBuffer(size) : new ArrayBuffer(size));
  const out = framed.subarray(before, before + length);
  const hash = createHash("sha1");
  let at = 0;
  for (const s of streams) {
    for (const c of s.chunks) {
      out.set(c, at);
      at += c.byteLength;
    }
    hash.update(s.schemaHash);
  }
  const schemaKey = hash.digest("hex").slice(0, 16);
  return frame === undefined ? { bytes: out, schemaKey } : { bytes: out, schemaKey, framed };
}

/**
 * Reads a run's part bytes back into its tables' batches (`trades` only when the run recorded them).
 * @throws when the bytes do not hold three or four Arrow IPC streams.
 */
export function decodeRun(bytes: Uint8Array): {
  runs: RecordBatch[];
  timeseries: RecordBatch[];
  liquidations: RecordBatch[];
  trades?: RecordBatch[];
  schemas: Schema[];
} {
  const tables: RecordBatch[][] = [];
  const schemas: Schema[] = [];
  for (const reader of RecordBatchReader.readAll(bytes)) {
    const batches: RecordBatch[] = [];
    for (const b of reader) batches.push(b);
    schemas.push(reader.schema);
    tables.push(batches);
  }
  if (tables.length !== 3 && tables.length !== 4)
    throw new Error(`a run part holds 3 or 4 Arrow streams, found ${tables.length}`);
  const [runs, timeseries, liquidations, trades] = tables as [
    RecordBatch[],
    RecordBatch[],
    RecordBatch[],
    RecordBatch[] | undefined,
  ];
  return trades === undefined
    ? { runs, timeseries, liquidations, schemas }
    : { runs, timeseries, liquidations, trades, schemas };
}
