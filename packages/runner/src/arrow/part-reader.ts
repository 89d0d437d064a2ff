/**
 * A fast reader of the payloads of the runner's own part records, for the assembler. Payloads
 * are three Arrow IPC streams (four with trades) of flat columns (Int32, Uint8, Float64, Bool, Utf8; no
 * dictionaries, no compression) that the runner wrote itself, so instead of apache-arrow's
 * general reader (which builds vectors through visitors for every column of every part) this
 * walks the IPC framing, lets Arrow decode only the message metadata, and returns views of the
 * column buffers. Schemas are decoded once per schema key. A part of any other shape falls back
 * to Arrow's reader.
 *
 * @module
 */

import { decodeRun } from "./encode.ts";
import { type DataType, type Field, Message, type Schema, Type } from "./lib.ts";

/** One column of one part table: views of its Arrow buffers. */
export interface ColumnSegment {
  readonly length: number;
  readonly nullCount: number;
  /** Validity bitmap (LSB first), `null` when there are no nulls. */
  readonly validity: Uint8Array | null;
  /** Fixed-width values (Int/Float), bit-packed values (Bool) or UTF-8 bytes (Utf8). */
  readonly values: ArrayLike<number> & { subarray(a: number, b: number): ArrayLike<number> };
  /** Utf8 only: value offsets (`length + 1`). */
  readonly offsets: Int32Array | null;
}

/** One of a part's tables. */
export interface PartTable {
  readonly schema: Schema;
  readonly length: number;
  /** By field index of `schema`. */
  readonly columns: readonly ColumnSegment[];
}

const MESSAGE_SCHEMA = 1;
const MESSAGE_RECORD_BATCH = 3;

/**
 * Reads a part's tables: runs, timeseries, liquidations and, when the run recorded them, trades.
 * `schemas` caches decoded schemas by `schemaKey` (the key in its part record): parts sharing a
 * key share schemas, decoded once.
 */
export function readPart(
  bytes: Uint8Array,
  schemaKey: string | undefined,
  schemas: Map<string, Schema[]>,
): PartTable[] {
  const cached = schemaKey === undefined ? undefined : schemas.get(schemaKey);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const tables: PartTable[] = [];
  const decoded: Schema[] = [];
  let pos = 0;
  // Streams follow each other to the end of the payload (which may be zero-padded to 8 bytes).
  for (let t = 0; t < 4 && (t < 3 || (pos + 8 <= bytes.byteLength && view.getInt32(pos, true) === -1)); t++) {
    let schema: Schema | undefined = cached?.[t];
    let table: PartTable | undefined;
    for (;;) {
      if (pos + 8 > bytes.byteLength || view.getInt32(pos, true) !== -1) return fallback(bytes);
      const metaLength = view.getInt32(pos + 4, true);
      pos += 8;
      if (metaLength === 0) break; // end of stream
      const message = Message.decode(bytes.subarray(pos, pos + metaLength));
      const bodyStart = pos + metaLength;
      pos = bodyStart + message.bodyLength;
      if (message.headerType === MESSAGE_SCHEMA) {
        schema ??= message.header() as Schema;
      } else if (message.headerType === MESSAGE_RECORD_BATCH && schema !== undefined && table === undefined) {
        const rb = message.header() as {
          length: number;
          nodes: { length: number; nullCount: number }[];
          buffers: { offset: number; length: number }[];
          compression: unknown;
        };
        if (rb.compression !== null) return fallback(bytes);
        const columns = loadColumns(bytes, bodyStart, schema.fields, rb.nodes, rb.buffers);
        if (columns === undefined) return fallback(bytes);
        table = { schema, length: rb.length, columns };
      } else {
        return fallback(bytes);
      }
    }
    if (schema === undefined) return fallback(bytes);
    decoded.push(schema);
    tables.push(table ?? { schema, length: 0, columns: schema.fields.map(() => EMPTY) });
  }
  if (schemaKey !== undefined && cached === undefined) schemas.set(schemaKey, decoded);
  return tables;
}

const EMPTY: ColumnSegment = {
  length: 0,
  nullCount: 0,
  validity: null,
  values: new Uint8Array(0),
  offsets: null,
};

function loadColumns(
  bytes: Uint8Array,
  bodyStart: number,
  fields: readonly Field[],
  nodes: readonly { length: number; nullCount: number }[],
  buffers: readonly { offset: number; length: number }[],
): ColumnSegment[] | undefined {
  const columns: ColumnSegment[] = [];
  let b = 0;
  for (let i = 0; i < fields.length; i++) {
    const type = fields[i]!.type as DataType;
    const node = nodes[i]!;
    const validityRegion = buffers[b++]!;
    const validity = node.nullCount > 0 ? slice(bytes, bodyStart, validityRegion, Uint8Array) : null;
    switch (type.typeId) {
      case Type.Int:
      case Type.Float: {
        const ArrayType = type.ArrayType as new (
          buffer: ArrayBufferLike,
          byteOffset: number,
          length: number,
        ) => TypedArray;
        const values = slice(bytes, bodyStart, buffers[b++]!, ArrayType);
        columns.push({ length: node.length, nullCount: node.nullCount, validity, values, offsets: null });
        break;
      }
      case Type.Bool:
        columns.push({
          length: node.length,
          nullCount: node.nullCount,
          validity,
          values: slice(bytes, bodyStart, buffers[b++]!, Uint8Array),
          offsets: null,
        });
        break;
      case Type.Utf8: {
        const offsets = slice(bytes, bodyStart, buffers[b++]!, Int32Array);
        const values = slice(bytes, bodyStart, buffers[b++]!, Uint8Array);
        columns.push({ length: node.length, nullCount: node.nullCount, validity, values, offsets });
        break;
      }
      default:
        return undefined;
    }
  }
  return columns;
}

type TypedArray =
  | Float64Array
  | Float32Array
  | Int32Array
  | Uint8Array
  | Int8Array
  | Int16Array
  | Uint16Array
  | Uint32Array;

/** A typed view of a body buffer (copied when the bytes are not aligned for the element type). */
function slice<T extends TypedArray>(
  bytes: Uint8Array,
  bodyStart: number,
  region: { offset: number; length: number },
  ArrayType: new (buffer: ArrayBufferLike, byteOffset: number, length: number) => T,
): T {
  const size = (ArrayType as unknown as { BYTES_PER_ELEMENT: number }).BYTES_PER_ELEMENT;
  const start = bytes.byteOffset + bodyStart + region.offset;
  const n = Math.floor(region.length / size);
  if (start % size === 0) return new ArrayType(bytes.buffer, start, n);
  const copy = bytes.slice(bodyStart + region.offset, bodyStart + region.offset + n * size);
  return new ArrayType(copy.buffer, 0, n);
}

/** Arrow's general reader, for parts this reader does not recognize. */
function fallback(bytes: Uint8Array): PartTable[] {
  const run = decodeRun(bytes);
  const tables = [run.runs, run.timeseries, run.liquidations, ...(run.trades ? [run.trades] : [])];
  return tables.map((batches, t) => {
    const schema = run.schemas[t]!;
    if (batches.length > 1) throw new Error("a run part holds one record batch per table");
    const batch = batches[0];
    if (batch === undefined) return { schema, length: 0, columns: schema.fields.map(() => EMPTY) };
    const columns = schema.fields.map((_, i) => {
      const d = batch.getChildAt(i)!.data[0]!;
      const offsets = d.valueOffsets ? (d.valueOffsets as Int32Array) : null;
      const bitmap = d.nullBitmap && d.nullCount > 0 ? (d.nullBitmap as Uint8Array) : null;
      if (d.offset !== 0) throw new Error("unexpected sliced column in a run part");
      return {
        length: d.length,
        nullCount: d.nullCount,
        validity: bitmap,
        values: d.values as TypedArray,
        offsets,
      };
    });
    return { schema, length: batch.numRows, columns };
  });
}
