/**
 * Metadata keys of the Arrow files: what each field and each file says about itself, so a reader
 * (pandas, polars, R, `@cascade/analysis`) needs no copy of this package to interpret a column.
 *
 * @module
 */

/** Field metadata key: what a `runs.arrow` column holds (see `ColumnRole`). */
export const ROLE_KEY = "cascade.role";
/** Field metadata key: the column's unit (`"s"`, `"quote"`, `"base"`, `"count"`, …). */
export const UNIT_KEY = "cascade.unit";
/** Field metadata key: what the column means. */
export const DESCRIPTION_KEY = "cascade.description";
/** Field metadata key: a coded integer column's codes, JSON `{"0": "book", …}`. */
export const CODES_KEY = "cascade.codes";
/**
 * Field metadata key: how the value aggregates (`"interval"`: since the previous sample;
 * `"sum over agents of the kind"`: an agent gauge).
 */
export const AGGREGATION_KEY = "cascade.aggregation";

/** Schema metadata key: the file format version ({@link FILE_FORMAT}). */
export const FORMAT_KEY = "cascade.format";
/** The value of {@link FORMAT_KEY} this package describes. */
export const FILE_FORMAT = "1";
/** Schema metadata key: the experiment's name. */
export const EXPERIMENT_KEY = "cascade.experiment";
/** Schema metadata key: the master seed as JSON (`20260205` or `"\"abc\""`). */
export const SEED_KEY = "cascade.seed";
/** Schema metadata key: SHA-256 of the run plan (see the manifest's `configHash`). */
export const CONFIG_HASH_KEY = "cascade.config_hash";
/** Schema metadata key: which table the file holds (`runs`, `timeseries`, `liquidations`, `trades`). */
export const TABLE_KEY = "cascade.table";

/**
 * The output tables, each written as `<name>.arrow`. `trades` is written only by runs that record
 * trades (`RecorderConfig.trades`, `cascade run --trades`).
 */
export const TABLES = ["runs", "timeseries", "liquidations", "trades"] as const;
/** One of {@link TABLES}. */
export type TableName = (typeof TABLES)[number];

/** Arrow types of the contract's columns. */
export type ColumnType = "float64" | "int32" | "uint8" | "utf8";

/** Unit and meaning of one column. */
export interface ColumnSpec {
  /** The unit (`""` for identifiers and codes). */
  readonly unit: string;
  /** What the column means. */
  readonly description: string;
}

/** A column of fixed type, possibly coded. */
export interface TypedColumnSpec extends ColumnSpec {
  /** Its Arrow type. */
  readonly type: ColumnType;
  /** Codes of a coded integer column: value → name. */
  readonly codes?: Readonly<Record<number, string>>;
}

/** An experiment's declaration of one of its own metrics (`defineExperiment({ metrics })`). */
export interface MetricDeclaration {
  /** Unit of the value (`"s"`, `"quote"`, `"fraction"`, …). */
  readonly unit?: string;
  /** What the metric measures. */
  readonly description: string;
}
