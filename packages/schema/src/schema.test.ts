import { describe, expect, it } from "vitest";
import {
  BOOKKEEPING_COLUMNS,
  CODES_KEY,
  columnMetadata,
  DESCRIPTION_KEY,
  GAUGE_DESCRIPTION,
  gaugeColumn,
  INT32_SERIES_COLUMNS,
  LIQUIDATION_STAGE_NAMES,
  LiquidationStage,
  RESERVED_RUN_COLUMNS,
  ROLE_ORDER,
  SERIES_HEAD,
  SERIES_TAIL,
  STAGE_CODES,
  SUMMARY_METRIC_NAMES,
  seriesFileName,
  spotColumn,
  UNIT_KEY,
} from "./index.ts";

describe("the liquidation stage codes", () => {
  it("name every code once, in code order, and the file's codes say the same", () => {
    const codes = Object.values(LiquidationStage).sort((a, b) => a - b);
    expect(codes).toEqual(LIQUIDATION_STAGE_NAMES.map((_, i) => i));
    expect(LIQUIDATION_STAGE_NAMES[LiquidationStage.FundWorkout]).toBe("fund_workout");
    expect(JSON.parse(columnMetadata("liquidations", "stage")![CODES_KEY]!)).toEqual(
      Object.fromEntries(Object.entries(STAGE_CODES).map(([k, v]) => [k, v])),
    );
  });
});

describe("runs.arrow", () => {
  it("reserves the bookkeeping columns and the summary metrics", () => {
    for (const name of [...Object.keys(BOOKKEEPING_COLUMNS), ...SUMMARY_METRIC_NAMES])
      expect(RESERVED_RUN_COLUMNS.has(name)).toBe(true);
    expect(RESERVED_RUN_COLUMNS.has("leverage")).toBe(false);
    for (const role of Object.values(BOOKKEEPING_COLUMNS)) expect(ROLE_ORDER).toContain(role);
  });

  it("describes a summary metric as a run total with its unit, and an experiment's as declared", () => {
    expect(columnMetadata("runs", "max_drawdown")).toEqual({
      [UNIT_KEY]: "fraction",
      [DESCRIPTION_KEY]: "largest fall of the sampled mark from its running peak (run total)",
    });
    expect(columnMetadata("runs", "waves", { waves: { description: "liquidation waves" } })).toEqual({
      [DESCRIPTION_KEY]: "liquidation waves",
    });
    expect(columnMetadata("runs", "waves")).toBeUndefined();
  });
});

describe("timeseries.arrow", () => {
  it("renames every per-sample count and change, and stores the counts as Int32", () => {
    expect(seriesFileName("liquidations")).toBe("liquidations_in_interval");
    expect(seriesFileName("mark")).toBe("mark");
    expect([...INT32_SERIES_COLUMNS].sort()).toEqual([
      "adl_count_in_interval",
      "kernel_events_in_interval",
      "liquidations_in_interval",
    ]);
    for (const [name, spec] of Object.entries(SERIES_TAIL))
      expect(columnMetadata("timeseries", seriesFileName(name))?.["cascade.aggregation"]).toBe(
        spec.interval ? "interval" : undefined,
      );
  });

  it("describes every fixed, depth-band and spot column as itself, and only gauges as gauges", () => {
    const names = [
      ...Object.keys(SERIES_HEAD),
      ...Object.keys(SERIES_TAIL).map(seriesFileName),
      "bid_depth_0_5pct",
      spotColumn("mid", "binance"),
      spotColumn("bid_depth_1pct", "binance"),
      spotColumn("turnover", "okx"),
    ];
    for (const name of names) {
      const md = columnMetadata("timeseries", name)!;
      expect(md[DESCRIPTION_KEY], name).not.toBe(GAUGE_DESCRIPTION);
      expect(md[UNIT_KEY], name).toBeDefined();
    }
    expect(columnMetadata("timeseries", "bid_depth_0_5pct")![DESCRIPTION_KEY]).toMatch(/±0\.5 %/);
    expect(columnMetadata("timeseries", spotColumn("bid_depth_1pct", "binance"))![DESCRIPTION_KEY]).toBe(
      "spot venue binance: resting bids within 1 % below the mid (0 without a mid)",
    );
    expect(columnMetadata("timeseries", gaugeColumn("market-maker", "pnl"))![DESCRIPTION_KEY]).toBe(
      GAUGE_DESCRIPTION,
    );
    expect(gaugeColumn("market-maker", "spread ticks")).toBe("market_maker_spread_ticks");
  });
});
