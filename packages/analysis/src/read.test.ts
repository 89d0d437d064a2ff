import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ROLE_KEY } from "@cascade/schema";
import { RecordBatch, Schema, Table, tableFromArrays } from "apache-arrow";
import { afterAll, describe, expect, it } from "vitest";
import { writeFixture } from "./fixture.testkit.ts";
import { classifyRunColumns, readResults } from "./read.ts";

const fx = writeFixture();
const bare = writeFixture({ manifest: false, withFailure: false, counterfactual: false, replications: 2 });
afterAll(() => {
  rmSync(fx.dir, { recursive: true, force: true });
  rmSync(bare.dir, { recursive: true, force: true });
});

describe("classifyRunColumns", () => {
  /** A runs table whose columns carry `cascade.role` (as the runner writes them). */
  function withRoles(
    columns: Record<string, Float64Array | Int32Array>,
    roles: Record<string, string>,
  ): Table {
    const t = tableFromArrays(columns);
    const schema = new Schema(
      t.schema.fields.map((f) =>
        roles[f.name] === undefined ? f : f.clone({ metadata: new Map([[ROLE_KEY, roles[f.name]!]]) }),
      ),
    );
    return new Table(
      schema,
      t.batches.map((b) => new RecordBatch(schema, b.data)),
    );
  }
  const columns = {
    run_id: Int32Array.of(0, 1, 2, 3),
    point_index: Int32Array.of(0, 0, 1, 1),
    // Constant within each point, like a parameter: only the role says it is a metric.
    fund_hits: Float64Array.of(0, 0, 0, 0),
    leverage: Float64Array.of(10, 10, 50, 50),
    max_drawdown: Float64Array.of(0.1, 0.2, 0.3, 0.4),
    margin: Float64Array.of(0.5, 0.5, 0.1, 0.1),
  };
  const roles = {
    run_id: "key",
    point_index: "key",
    fund_hits: "extra",
    leverage: "param",
    max_drawdown: "metric",
    margin: "derived",
  };

  it("reads parameters and metrics from the roles the runner writes on every field", () => {
    expect(classifyRunColumns(withRoles(columns, roles), {})).toEqual({
      parameters: ["leverage", "margin"],
      metrics: ["max_drawdown", "fund_hits"],
    });
  });

  it("guesses only for a table without roles, where a constant metric passes for a parameter", () => {
    expect(classifyRunColumns(withRoles(columns, {}), {})).toEqual({
      parameters: ["fund_hits", "leverage", "margin"],
      metrics: ["max_drawdown"],
    });
  });
});

describe("readResults", () => {
  it("reads the three tables and the manifest", () => {
    const res = readResults(fx.dir);
    expect(res.title).toBe("Fixture shock sweep");
    expect(res.runs.numRows).toBe(fx.runs);
    expect(res.timeseries.numRows).toBe((fx.runs - 1) * 600);
    expect(res.liquidations.numRows).toBeGreaterThan(0);
    expect(res.parameterNames).toEqual(["shock_size", "liquidations_enabled"]);
    expect(res.metricNames.slice(0, 3)).toEqual(["liquidations", "liquidated_notional", "liquidated_qty"]);
    expect(res.metricNames).toContain("peak_interval_notional");
    expect(res.metricNames).not.toContain("wall_ms");
  });

  it("splits each row into identity, parameters and metrics, with nulls as NaN", () => {
    const runs = readResults(fx.dir).runRecords();
    expect(runs[0]).toMatchObject({ runId: 0, seed: "1000", pointIndex: 0, replication: 0, status: "ok" });
    expect(runs[0]!.params).toEqual({ shock_size: 0.05, liquidations_enabled: true });
    expect(runs[0]!.metrics.max_drawdown).toBeGreaterThan(0);
    const failed = runs.find((r) => r.status === "failed")!;
    expect(failed.error).toContain("boom");
    expect(failed.metrics.max_drawdown).toBeNaN();
  });

  it("gives one run's columns as Float64Arrays", () => {
    const res = readResults(fx.dir);
    const ts = res.timeseriesOf(3);
    expect(ts.mark).toBeInstanceOf(Float64Array);
    expect(ts.mark).toHaveLength(600);
    expect(ts.time_s![0]).toBe(1);
    expect(ts.run_id).toBeUndefined();
    const liq = res.liquidationsOf(0);
    expect(liq.stage).toBeInstanceOf(Float64Array);
    expect(liq.time_s!.length).toBe(54);
    expect(res.liquidationsOf(3).time_s).toHaveLength(0); // liquidations off
    expect(res.timeseriesOf(999).mark).toHaveLength(0);
  });

  it("finds the parameters without a manifest from the point-index structure", () => {
    const res = readResults(bare.dir);
    expect(res.title).toBe(bare.dir.split("/").pop());
    expect(res.parameterNames).toEqual(["shock_size", "liquidations_enabled"]);
    expect(res.metricNames).toContain("peak_interval_notional");
  });

  it("takes an explicit parameter list and tolerates missing optional files", () => {
    const res = readResults(bare.dir, { parameters: ["shock_size"] });
    expect(res.parameterNames).toEqual(["shock_size", "liquidations_enabled"]); // booleans are always parameters
    rmSync(join(bare.dir, "liquidations.arrow"));
    expect(readResults(bare.dir).liquidationsOf(0).time_s).toBeUndefined();
    writeFileSync(join(bare.dir, "manifest.json"), JSON.stringify({ experiment: "named" }));
    expect(readResults(bare.dir).title).toBe("named");
  });

  it("fails clearly when runs.arrow is missing", () => {
    expect(() => readResults(join(bare.dir, "nope"))).toThrow(/runs\.arrow/);
  });
});
