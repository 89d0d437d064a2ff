import { seconds } from "@cascade/core";
import {
  depthColumn,
  gaugeColumn,
  LIQUIDATION_COLUMNS,
  SERIES_HEAD,
  SERIES_TAIL,
  SUMMARY_METRIC_NAMES,
  spotColumn,
} from "@cascade/schema";
import { describe, expect, it } from "vitest";
import { ToyMaker, ToyTaker, toyVenues } from "./test-agents.ts";
import { createWorld } from "./world.ts";

describe("the recorder writes the output contract's columns", () => {
  const world = createWorld({
    seed: 3,
    venues: toyVenues(0.002, "binance"),
    agents: [new ToyMaker("maker"), new ToyTaker("taker")],
    recorder: { depthBandsPpm: [5_000] },
  });
  const r = world.run(seconds(30));

  it("in the contract's order: the fixed columns, the bands, then the spot venues and the gauges", () => {
    const spot = (["mid", "volume", "turnover", "bid_depth_1pct", "ask_depth_1pct"] as const).map((w) =>
      spotColumn(w, "binance"),
    );
    const names = Object.keys(r.timeseries);
    const gauges = names.slice(Object.keys(SERIES_HEAD).length + 2 + Object.keys(SERIES_TAIL).length + 5);
    expect(names).toEqual([
      ...Object.keys(SERIES_HEAD),
      depthColumn("bid", 5_000),
      depthColumn("ask", 5_000),
      ...Object.keys(SERIES_TAIL),
      ...spot,
      ...gauges,
    ]);
    expect(gauges).toContain(gaugeColumn("toy-maker", "fills"));
  });

  it("with every summary metric and every liquidation column, nothing else", () => {
    expect(Object.keys(r.summary)).toEqual(SUMMARY_METRIC_NAMES);
    expect(Object.keys(r.liquidations)).toEqual(Object.keys(LIQUIDATION_COLUMNS));
  });
});
