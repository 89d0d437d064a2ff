/**
 * `@cascade/schema`: the output contract of cascade's Arrow files in one dependency-free place —
 * table and column names, units, descriptions, coded values (liquidation stages, sides), the roles
 * of `runs.arrow` columns and the metadata keys. The recorder (`@cascade/sim`), the runner and
 * `@cascade/analysis` import it instead of each keeping a copy; readers in other languages find
 * the same facts in each file's field metadata.
 *
 * @example
 * ```ts
 * import { LiquidationStage, ROLE_KEY, SUMMARY_METRICS } from "@cascade/schema";
 * SUMMARY_METRICS.max_drawdown.unit; // "fraction"
 * ```
 *
 * @packageDocumentation
 */

export {
  AGGREGATION_KEY,
  CODES_KEY,
  CONFIG_HASH_KEY,
  type ColumnSpec,
  type ColumnType,
  DESCRIPTION_KEY,
  EXPERIMENT_KEY,
  FILE_FORMAT,
  FORMAT_KEY,
  type MetricDeclaration,
  ROLE_KEY,
  SEED_KEY,
  TABLE_KEY,
  TABLES,
  type TableName,
  type TypedColumnSpec,
  UNIT_KEY,
} from "./keys.ts";
export {
  LIQUIDATION_COLUMNS,
  LIQUIDATION_STAGE_NAMES,
  type LiquidationColumn,
  LiquidationStage,
  POSITION_SIDE_CODES,
  STAGE_CODES,
} from "./liquidations.ts";
export { columnMetadata } from "./metadata.ts";
export {
  BOOKKEEPING_COLUMNS,
  type ColumnRole,
  isColumnRole,
  METRIC_ROLES,
  PARAMETER_ROLES,
  RESERVED_RUN_COLUMNS,
  ROLE_ORDER,
  SUMMARY_METRIC_NAMES,
  SUMMARY_METRICS,
  type SummaryMetricName,
  type SummaryMetricSpec,
  summaryMetric,
} from "./runs.ts";
export {
  bandName,
  depthColumn,
  GAUGE_AGGREGATION,
  GAUGE_DESCRIPTION,
  gaugeColumn,
  INT32_SERIES_COLUMNS,
  INTERVAL_COLUMNS,
  PERP_SERIES,
  SERIES_HEAD,
  SERIES_TAIL,
  type SeriesColumn,
  type SeriesColumnSpec,
  SPOT_SERIES,
  seriesColumn,
  seriesFileName,
  seriesMetadata,
  spotColumn,
  VENUE_SERIES,
  venueColumn,
} from "./timeseries.ts";
export {
  ORDER_SIDE_CODES,
  TRADE_COLUMNS,
  TRADE_KIND_CODES,
  TRADE_ROLE_CODES,
  type TradeColumn,
  TradeKind,
  TradeRole,
} from "./trades.ts";
