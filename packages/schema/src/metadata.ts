/**
 * Field metadata of every column of the output files, from the specs of this package: what the
 * runner writes at assembly (run and merge) and what readers find there.
 *
 * @module
 */

import {
  CODES_KEY,
  DESCRIPTION_KEY,
  type MetricDeclaration,
  type TableName,
  type TypedColumnSpec,
  UNIT_KEY,
} from "./keys.ts";
import { LIQUIDATION_COLUMNS } from "./liquidations.ts";
import { summaryMetric } from "./runs.ts";
import { seriesMetadata } from "./timeseries.ts";
import { TRADE_COLUMNS } from "./trades.ts";

/** `cascade.unit` (when the unit is not empty) and `cascade.description`. */
function described(unit: string, description: string): Record<string, string> {
  return { ...(unit === "" ? {} : { [UNIT_KEY]: unit }), [DESCRIPTION_KEY]: description };
}

function typedMetadata(
  columns: Readonly<Record<string, TypedColumnSpec>>,
  name: string,
): Readonly<Record<string, string>> | undefined {
  if (!Object.hasOwn(columns, name)) return undefined;
  const c = columns[name]!;
  const md = described(c.unit, c.description);
  return c.codes === undefined ? md : { ...md, [CODES_KEY]: JSON.stringify(c.codes) };
}

/**
 * The field metadata of column `name` of `table` (`cascade.unit`, `cascade.description`,
 * `cascade.codes`, `cascade.aggregation`), or `undefined` for a column the contract does not
 * describe. `metrics` are the experiment's own metric declarations (its `summarize` columns of
 * `runs.arrow`); the `cascade.role` of `runs.arrow` columns is written with each run's row.
 *
 * @example
 * ```ts
 * columnMetadata("liquidations", "stage");
 * // { "cascade.description": "what the step did", "cascade.codes": "{\"0\":\"book\",…}" }
 * ```
 */
export function columnMetadata(
  table: TableName,
  name: string,
  metrics: Readonly<Record<string, MetricDeclaration>> = {},
): Readonly<Record<string, string>> | undefined {
  switch (table) {
    case "runs": {
      const declared = Object.hasOwn(metrics, name) ? metrics[name] : undefined;
      if (declared !== undefined) return described(declared.unit ?? "", declared.description);
      const m = summaryMetric(name);
      return m === undefined ? undefined : described(m.unit, `${m.description} (run total)`);
    }
    case "timeseries":
      return seriesMetadata(name);
    case "liquidations":
      return typedMetadata(LIQUIDATION_COLUMNS, name);
    case "trades":
      return typedMetadata(TRADE_COLUMNS, name);
  }
}
