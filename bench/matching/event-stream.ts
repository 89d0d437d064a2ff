/**
 * A stream of order-book commands stored as typed-array columns, so replaying it costs a few
 * array reads per event and nothing is allocated while a benchmark is timed. Streams are written
 * to a binary file once by the parent process and read by every trial process.
 *
 * @module
 */

import { readFileSync, writeFileSync } from "node:fs";

/** Command kinds in {@link EventStream.op}. */
export const Op = {
  /** Limit order: `id`, `owner`, `side`, `price`, `qty`, `tif`. */
  Limit: 0,
  /** Market order without protection price: `id`, `owner`, `side`, `qty`. */
  Market: 1,
  /** Cancel of order `id`. */
  Cancel: 2,
} as const;
/** One of the {@link Op} values. */
export type Op = (typeof Op)[keyof typeof Op];

/** Column `c` of event `i` is `stream.c[i]`; columns an op does not use hold 0 (price −1 for markets). */
export interface EventStream {
  /** Number of events. */
  readonly length: number;
  /** {@link Op} per event. */
  readonly op: Uint8Array;
  /** Order id: the new order's, or the one to cancel. Ids are never reused; sparse streams use all of [0, 2^53). */
  readonly id: Float64Array;
  readonly owner: Int32Array;
  /** `Side`: 0 buy, 1 sell. */
  readonly side: Uint8Array;
  /** Limit price in ticks; −1 for market orders. */
  readonly price: Int32Array;
  /** Quantity in lots. */
  readonly qty: Int32Array;
  /** `TimeInForce` of limit orders (GTC 0, IOC 1, post-only 3). */
  readonly tif: Uint8Array;
}

type ColumnName = Exclude<keyof EventStream, "length">;

/** Column order in the file; each column is padded to 8 bytes so it can be viewed in place. */
const COLUMNS: readonly { name: ColumnName; make: (length: number) => EventStream[ColumnName] }[] = [
  { name: "op", make: (n) => new Uint8Array(n) },
  { name: "id", make: (n) => new Float64Array(n) },
  { name: "owner", make: (n) => new Int32Array(n) },
  { name: "side", make: (n) => new Uint8Array(n) },
  { name: "price", make: (n) => new Int32Array(n) },
  { name: "qty", make: (n) => new Int32Array(n) },
  { name: "tif", make: (n) => new Uint8Array(n) },
];

const MAGIC = 0x4d455654; // "TVEM": matching-engine event stream, version 2 (float64 ids)
const HEADER_BYTES = 8;

/** A zero-filled stream of `length` events. */
export function allocateEventStream(length: number): EventStream {
  const columns = Object.fromEntries(COLUMNS.map((c) => [c.name, c.make(length)]));
  return { length, ...columns } as unknown as EventStream;
}

/** Writes `stream` to `file` (binary: magic, length, then each column padded to 8 bytes). */
export function writeEventStream(file: string, stream: EventStream): void {
  const parts: Uint8Array[] = [];
  const header = new DataView(new ArrayBuffer(HEADER_BYTES));
  header.setUint32(0, MAGIC, true);
  header.setUint32(4, stream.length, true);
  parts.push(new Uint8Array(header.buffer));
  for (const { name } of COLUMNS) {
    const column = stream[name];
    parts.push(new Uint8Array(column.buffer, column.byteOffset, column.byteLength));
    parts.push(new Uint8Array(padding(column.byteLength)));
  }
  writeFileSync(file, Buffer.concat(parts));
}

/** Reads a stream written by {@link writeEventStream}, keeping only its first `limit` events when given. */
export function readEventStream(file: string, limit = Number.POSITIVE_INFINITY): EventStream {
  const bytes = readFileSync(file);
  const header = new DataView(bytes.buffer, bytes.byteOffset, HEADER_BYTES);
  if (header.getUint32(0, true) !== MAGIC) throw new Error(`${file}: not an event stream`);
  const stored = header.getUint32(4, true);
  const length = Math.min(stored, limit);
  const out = allocateEventStream(length);
  let offset = bytes.byteOffset + HEADER_BYTES;
  for (const { name } of COLUMNS) {
    const column = out[name];
    const storedBytes = stored * column.BYTES_PER_ELEMENT;
    // Copy bytes (not elements) into the freshly allocated, aligned column.
    new Uint8Array(column.buffer).set(new Uint8Array(bytes.buffer, offset, column.byteLength));
    offset += storedBytes + padding(storedBytes);
  }
  return out;
}

function padding(byteLength: number): number {
  return (8 - (byteLength % 8)) % 8;
}
