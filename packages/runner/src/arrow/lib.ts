/**
 * apache-arrow as the runner uses it: the package's CommonJS build, loaded with `require`.
 * Worker threads import their code through tsx's ESM loader, which handles each of Arrow's ~200
 * ES modules with a round trip to the loader thread; `require` skips that, and a worker starts
 * about half a second sooner. Every runner module takes Arrow from here, so all Arrow objects
 * the runner creates and consumes come from one copy of the library.
 *
 * @module
 */

import { createRequire } from "node:module";
import type * as ArrowModule from "apache-arrow";
import type * as StreamModule from "apache-arrow/io/stream";
import type * as MessageModule from "apache-arrow/ipc/metadata/message";
import type * as AssemblerModule from "apache-arrow/visitor/vectorassembler";

const require = createRequire(import.meta.url);
const arrow = require("apache-arrow") as typeof ArrowModule;
const stream = require("apache-arrow/io/stream") as typeof StreamModule;
const message = require("apache-arrow/ipc/metadata/message") as typeof MessageModule;
const assembler = require("apache-arrow/visitor/vectorassembler") as typeof AssemblerModule;

/** Arrow's byte queue: the sink class its IPC writers write into (internal module of apache-arrow 21). */
export const { AsyncByteQueue } = stream;
/**
 * Arrow's IPC message metadata (internal module of apache-arrow 21): `Message` encodes and
 * decodes message headers, `RecordBatch` is the record-batch header (here `RecordBatchHeader`).
 */
export const { Message, RecordBatch: RecordBatchHeader } = message;
/** Arrow's body assembler (internal module of apache-arrow 21): a record batch's buffers and layout. */
export const { VectorAssembler } = assembler;
/** Arrow values used by the runner (see the apache-arrow documentation). */
export const {
  Bool,
  Field,
  Float64,
  Int32,
  makeData,
  makeVector,
  RecordBatch,
  RecordBatchFileWriter,
  RecordBatchReader,
  Schema,
  Struct,
  Table,
  tableToIPC,
  Type,
  Uint8,
  Utf8,
  vectorFromArray,
} = arrow;

/** An Arrow record batch. */
// biome-ignore lint/suspicious/noExplicitAny: mirrors apache-arrow's own default
export type RecordBatch<T extends ArrowModule.TypeMap = any> = ArrowModule.RecordBatch<T>;
/** An Arrow schema. */
// biome-ignore lint/suspicious/noExplicitAny: mirrors apache-arrow's own default
export type Schema<T extends ArrowModule.TypeMap = any> = ArrowModule.Schema<T>;
/** An Arrow field. */
// biome-ignore lint/suspicious/noExplicitAny: mirrors apache-arrow's own default
export type Field<T extends ArrowModule.DataType = any> = ArrowModule.Field<T>;
/** Arrow column data. */
// biome-ignore lint/suspicious/noExplicitAny: mirrors apache-arrow's own default
export type Data<T extends ArrowModule.DataType = any> = ArrowModule.Data<T>;
/** An Arrow data type. */
export type DataType = ArrowModule.DataType;
