import { readFileSync, rmSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import {
  acfChartSpec,
  depthChartSpec,
  insuranceFundChartSpec,
  priceChartSpec,
  renderSvg,
  runsOverlaySpec,
  sweepChartSpec,
} from "./charts.ts";
import { writeFixture } from "./fixture.testkit.ts";
import { readResults } from "./read.ts";
import { writeReport } from "./report.ts";
import { factsOfReturns } from "./stylized.ts";
import { summarizeRuns } from "./summary.ts";

const fx = writeFixture();
const single = writeFixture({
  shockSizes: [0.08],
  counterfactual: false,
  replications: 1,
  withFailure: false,
  manifest: false,
});
afterAll(() => {
  rmSync(fx.dir, { recursive: true, force: true });
  rmSync(single.dir, { recursive: true, force: true });
});

describe("summarizeRuns", () => {
  const s = summarizeRuns(fx.dir, { shockTimeS: 200 });

  it("summarizes every metric per parameter point over the successful runs", () => {
    expect(s.runs).toEqual({ total: 13, ok: 12, failed: 1 });
    expect(s.sweptParameters).toEqual(["shock_size", "liquidations_enabled"]);
    expect(s.points).toHaveLength(4);
    const p0 = s.points[0]!;
    expect(p0.params).toEqual({ shock_size: 0.05, liquidations_enabled: true });
    expect(p0.okRuns).toBe(3);
    expect(p0.failedRuns).toBe(1);
    expect(p0.metrics.liquidations!.mean).toBe(50);
    expect(p0.metrics.max_drawdown!.halfWidth).toBeGreaterThan(0);
  });

  it("computes cascade metrics: two waves with liquidations, none without", () => {
    const on = s.cascadePoints.find(
      (p) => p.params.liquidations_enabled === true && p.params.shock_size === 0.1,
    )!;
    const off = s.cascadePoints.find(
      (p) => p.params.liquidations_enabled === false && p.params.shock_size === 0.1,
    )!;
    expect(on.metrics.waves!.mean).toBe(2);
    expect(off.metrics.waves!.mean).toBe(0);
    expect(on.metrics.time_to_bottom_s!.mean).toBeGreaterThan(40);
    expect(on.metrics.time_to_bottom_s!.mean).toBeLessThan(80);
    const c0 = s.cascade.find((c) => c.runId === 0)!;
    expect(c0.waves[0]!.startS).toBeGreaterThanOrEqual(202);
    expect(c0.adl.count).toBe(4);
    expect(c0.fund.drawdown).toBeGreaterThan(0);
  });

  it("pairs counterfactual runs and reports amplification above 1", () => {
    const a = s.amplification!;
    expect(a.flag).toBe("liquidations_enabled");
    expect(a.pairs).toHaveLength(6);
    expect(a.pairs.every((p) => p.sameSeed)).toBe(true);
    expect(a.byPoint).toHaveLength(2);
    expect(a.overall.mean).toBeGreaterThan(1.3);
    // Every drawdown metric the runs have is compared, the mark's first.
    expect(s.amplifications.map((x) => x.metric)).toEqual(["max_drawdown", "index_drawdown"]);
    const idx = s.amplifications[1]!;
    expect(idx.pairs).toHaveLength(6);
    // index_drawdown = 0.8 × max_drawdown in every run, so the ratios are the same.
    expect(idx.overall.mean).toBeCloseTo(a.overall.mean, 9);
  });

  it("chooses the median-drawdown run with liquidations on and computes stylized facts", () => {
    const on = s.points.filter((p) => p.params.liquidations_enabled === true).flatMap((p) => p.runIds);
    expect(on).toContain(s.chosenRunId);
    expect(s.stylized.length).toBeGreaterThanOrEqual(2);
    expect(s.stylized[0]!.horizonS).toBe(1);
    expect(s.stylized[0]!.chosen.n).toBe(599);
    expect(s.priceColumn).toBe("mid");
  });

  it("is plain data that survives JSON", () => {
    const back = JSON.parse(JSON.stringify(s));
    expect(back.points[0].metrics.liquidations.mean).toBe(50);
    expect(back.stylized[0].chosen.acfReturns).toHaveLength(21);
  });
});

describe("the counterfactual pairs", () => {
  const made: string[] = [];
  const fixture = (options: Parameters<typeof writeFixture>[0]) => {
    const f = writeFixture({ replications: 2, withFailure: false, ...options });
    made.push(f.dir);
    return f.dir;
  };
  afterAll(() => {
    for (const d of made) rmSync(d, { recursive: true, force: true });
  });

  it("pair on the declared counterfactual whatever its name", () => {
    const dir = fixture({ flagName: "engine_on", declaredCounterfactual: "engine_on" });
    expect(readResults(dir).counterfactual).toBe("engine_on");
    const s = summarizeRuns(dir);
    expect(s.amplification?.flag).toBe("engine_on");
    expect(s.amplification?.pairs).toHaveLength(4);
  });

  it("are not guessed from a name when the experiment declared none", () => {
    const dir = fixture({ declaredCounterfactual: null });
    expect(readResults(dir).counterfactual).toBeNull();
    expect(summarizeRuns(dir).amplification).toBeUndefined();
  });

  it("fall back to a boolean named like liquidations only in files written before declarations", () => {
    expect(readResults(fx.dir).counterfactual).toBeUndefined();
    expect(summarizeRuns(fx.dir).amplification?.flag).toBe("liquidations_enabled");
    const unnamed = fixture({ flagName: "engine_on" });
    expect(summarizeRuns(unnamed).amplification).toBeUndefined();
  });
});

describe("charts", () => {
  it("each chart renders to an SVG string with marks and no NaN", async () => {
    const res = readResults(fx.dir);
    const ts = res.timeseriesOf(0);
    const s = summarizeRuns(res);
    const specs = [
      priceChartSpec(ts, { shockTimeS: 200, bottomTimeS: 250 }),
      depthChartSpec(ts),
      insuranceFundChartSpec(ts),
      runsOverlaySpec([{ runId: 0, group: "a", timeS: ts.time_s!, price: ts.mark! }]),
      sweepChartSpec(s.points, "max_drawdown", "shock_size", { colorBy: ["liquidations_enabled"] }),
      sweepChartSpec(s.points, ["max_drawdown", "liquidations"], "liquidations_enabled"),
      acfChartSpec(factsOfReturns([0.01, -0.02, 0.03, 0.01, -0.01], 1, { maxLag: 3 })),
    ];
    for (const spec of specs) {
      const svg = await renderSvg(spec);
      expect(svg.startsWith("<svg")).toBe(true);
      expect(svg).toMatch(/<path|<rect|<line/);
      expect(svg).not.toContain("NaN");
    }
  });

  it("thins long series but keeps the crash's extreme", async () => {
    const n = 50_000;
    const time = Float64Array.from({ length: n }, (_, i) => i);
    const mark = Float64Array.from({ length: n }, (_, i) => (i === 31_337 ? 10 : 100));
    const spec = priceChartSpec({ time_s: time, mark }, { maxPoints: 1000 }) as unknown as {
      vconcat: { layer: { data: { values: { price: number }[] } }[] }[];
    };
    const values = spec.vconcat[0]!.layer[0]!.data.values;
    expect(values.length).toBeLessThan(1100);
    expect(values.some((v) => v.price === 10)).toBe(true);
  });
});

describe("writeReport", () => {
  it("writes a self-contained report.html with every chart and no NaN text", async () => {
    const path = await writeReport(fx.dir, { shockTimeS: 200 });
    expect(path).toBe(`${fx.dir}/report.html`);
    const html = readFileSync(path, "utf8");
    expect(html).toContain("<title>Fixture shock sweep");
    // Price, depth, insurance fund, all runs, two sweep grids, ACF.
    expect(html.match(/<svg/g)?.length).toBe(7);
    expect(html).not.toContain("NaN");
    expect(html).not.toMatch(/<script|<link|src="http|url\(http/);
    for (const heading of [
      "Summary over seeds",
      "Cascade metrics",
      "Amplification: liquidations_enabled on ÷ off",
      "Stylized facts",
      "Sweep",
    ]) {
      expect(html).toContain(heading);
    }
    expect(html).toContain("invariant violated: boom");
  });

  it("says which interval it shows, keeps non-negative metrics' intervals at or above 0, and names the depth chart's venue", async () => {
    const html = readFileSync(await writeReport(fx.dir), "utf8");
    expect(html).toContain("percentile bootstrap interval of the mean");
    expect(html).toContain("Order-book depth of the first perpetual venue");
    expect(html).toContain("holds it for 30 s");
    // Every [low, high] interval printed for a non-negative metric starts at 0 or above.
    const lows = [...html.matchAll(/class="pm">\[(-?[\d.,]+)/g)].map((m) => Number(m[1]!.replace(/,/g, "")));
    expect(lows.length).toBeGreaterThan(0);
    expect(lows.every((x) => x >= 0)).toBe(true);
  });

  it("writes a report for a single run without manifest, sweep or counterfactual", async () => {
    const html = readFileSync(await writeReport(single.dir), "utf8");
    expect(html.match(/<svg/g)?.length).toBe(4); // price, depth, fund, ACF
    expect(html).not.toContain("NaN");
    expect(html).not.toContain("<h2>Amplification");
    expect(html).not.toContain("<h2>Sweep");
  });
});
