/**
 * `@cascade/analysis/run-metrics`: the metrics of one run over plain columns — cascade metrics
 * (drawdowns, liquidation waves, the insurance fund, ADL) and market-quality measures — without
 * the rest of the package. No file reading, no Arrow, no charts (vega, vega-lite) and no mathjs: an
 * experiment's `summarize`, which runs in every worker thread, imports this module so that workers
 * start without loading what only the report needs (`test/worker-imports.test.ts` holds it to that).
 *
 * @example
 * ```ts
 * import { drawdownOf, liquidationWaves } from "@cascade/analysis/run-metrics";
 * const waves = liquidationWaves(result.liquidations, { gapSeconds: 30 });
 * ```
 *
 * @module
 */

export * from "./cascade.ts";
export * from "./market-quality.ts";
