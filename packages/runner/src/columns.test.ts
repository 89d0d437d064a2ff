import { readFileSync } from "node:fs";
import path from "node:path";
import { writeReport } from "@cascade/analysis";
import { AGGREGATION_KEY, CODES_KEY, DESCRIPTION_KEY, UNIT_KEY } from "@cascade/schema";
import { beforeAll, describe, expect, it } from "vitest";
import { runExperiment } from "./run-experiment.ts";
import { FIXTURES, readTable, tempDir } from "./testing.ts";

let out: string;

beforeAll(async () => {
  out = tempDir();
  await runExperiment({ experimentFile: FIXTURES.tiny, out, workers: 2 });
});

const field = (file: string, name: string) => {
  const f = readTable(path.join(out, file)).schema.fields.find((x) => x.name === name);
  if (f === undefined) throw new Error(`${file} has no column ${name}`);
  return f;
};

describe("metric units and descriptions declared by the experiment", () => {
  it("are written into the field metadata of their runs.arrow columns", () => {
    const f = field("runs.arrow", "liquidation_rows");
    expect(f.metadata.get(UNIT_KEY)).toBe("rows");
    expect(f.metadata.get(DESCRIPTION_KEY)).toBe("rows of the run's liquidation log");
    expect(field("runs.arrow", "notional_per_trader").metadata.get(DESCRIPTION_KEY)).toBeUndefined();
    expect(field("runs.arrow", "max_drawdown").metadata.get(UNIT_KEY)).toBe("fraction");
  });

  it("are shown by the report", async () => {
    const html = readFileSync(await writeReport(out), "utf8");
    expect(html).toMatch(
      /<code>liquidation_rows<\/code><\/dt><dd>rows of the run('|&#39;)s liquidation log \[rows\]/,
    );
    expect(html).toMatch(/the longs('|&#39;) leverage, in probe runs only \[x\]/);
  });

  it("are refused for a name that is a runs.arrow column already", async () => {
    const { defineExperiment } = await import("./experiment.ts");
    const tiny = (await import("./fixtures/tiny.ts")).default;
    expect(() =>
      defineExperiment({ ...tiny, metrics: { max_drawdown: { description: "mine" } } } as never),
    ).toThrowError(
      /^experiment\.metrics\.max_drawdown = "max_drawdown": is the name of a runs\.arrow column/,
    );
  });
});

describe("column types and names", () => {
  it("stores counts as integers", () => {
    expect(String(field("runs.arrow", "liquidations").type)).toBe("Int32");
    expect(String(field("runs.arrow", "adl_count").type)).toBe("Int32");
    expect(String(field("timeseries.arrow", "liquidations_in_interval").type)).toBe("Int32");
    const runs = readTable(path.join(out, "runs.arrow"));
    const rows = runs.getChild("liquidation_rows")!.toArray() as Float64Array;
    const liq = runs.getChild("liquidations")!.toArray() as Int32Array;
    expect(liq).toBeInstanceOf(Int32Array);
    expect(Math.max(...liq)).toBeGreaterThan(0);
    expect(Math.max(...liq)).toBeLessThanOrEqual(Math.max(...rows));
  });

  it("names a run total and a per-sample change differently", () => {
    const ts = readTable(path.join(out, "timeseries.arrow"));
    const names = ts.schema.fields.map((f) => f.name);
    for (const sim of ["liquidations", "liquidated_notional", "adl_count", "takeover_qty", "kernel_events"]) {
      expect(names).not.toContain(sim);
      expect(names).toContain(`${sim}_in_interval`);
    }
    expect(field("timeseries.arrow", "liquidations_in_interval").metadata.get(AGGREGATION_KEY)).toBe(
      "interval",
    );
    expect(field("runs.arrow", "liquidations").metadata.get(DESCRIPTION_KEY)).toMatch(/run total/);
    // The per-sample changes add up to the run total.
    const runs = readTable(path.join(out, "runs.arrow"));
    const total = runs.getChild("liquidations")!.get(0) as number;
    const runIds = ts.getChild("run_id")!.toArray() as Int32Array;
    const perSample = ts.getChild("liquidations_in_interval")!.toArray() as Int32Array;
    let sum = 0;
    for (let i = 0; i < runIds.length; i++) if (runIds[i] === 0) sum += perSample[i]!;
    expect(sum).toBe(total);
  });

  it("documents the codes of the liquidation stage and side, and how agent gauges are summed", () => {
    const stage = field("liquidations.arrow", "stage");
    expect(JSON.parse(stage.metadata.get(CODES_KEY)!)).toEqual({
      0: "book",
      1: "takeover",
      2: "adl",
      3: "fund_workout",
      4: "partial",
      5: "fund_cover",
    });
    expect(JSON.parse(field("liquidations.arrow", "side").metadata.get(CODES_KEY)!)).toEqual({
      0: "long",
      1: "short",
    });
    expect(field("timeseries.arrow", "fixture_longs_opened").metadata.get(AGGREGATION_KEY)).toBe(
      "sum over agents of the kind",
    );
  });
});

describe("an experiment metric that does not apply to a run", () => {
  it("is null, not NaN", () => {
    const runs = readTable(path.join(out, "runs.arrow"));
    const probe = runs.getChild("probe")!;
    const col = runs.getChild("leverage_if_probe")!;
    let nulls = 0;
    for (let i = 0; i < runs.numRows; i++) {
      const v = col.get(i);
      if (probe.get(i)) expect(v).toBe(runs.getChild("leverage")!.get(i));
      else {
        expect(v).toBeNull();
        nulls++;
      }
    }
    expect(nulls).toBe(4);
  });
});
