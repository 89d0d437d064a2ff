import { describe, expect, it } from "vitest";
import type { RunRecord } from "./read.ts";
import {
  regularizedIncompleteBeta,
  studentTCdf,
  studentTQuantile,
  summarize,
  summarizeByPoint,
} from "./stats.ts";

describe("Student t", () => {
  it.each([
    [0.975, 9, 2.262157],
    [0.975, 1, 12.706205],
    [0.975, 2, 4.302653],
    [0.975, 30, 2.042272],
    [0.95, 20, 1.724718],
    [0.995, 4, 4.604095],
    [0.975, Number.POSITIVE_INFINITY, 1.959964],
  ])("t(%s, %s) matches the table value %s", (p, df, t) => {
    expect(studentTQuantile(p, df)).toBeCloseTo(t, 5);
    expect(studentTCdf(t, df)).toBeCloseTo(p, 6);
  });

  it("is antisymmetric around the median", () => {
    expect(studentTQuantile(0.025, 9)).toBeCloseTo(-2.262157, 5);
    expect(studentTQuantile(0.5, 3)).toBe(0);
  });

  it("regularizedIncompleteBeta matches closed forms", () => {
    for (const x of [0.1, 0.37, 0.8]) {
      expect(regularizedIncompleteBeta(x, 1, 1)).toBeCloseTo(x, 12);
      expect(regularizedIncompleteBeta(x, 3, 1)).toBeCloseTo(x ** 3, 12);
      expect(regularizedIncompleteBeta(x, 1, 4)).toBeCloseTo(1 - (1 - x) ** 4, 12);
    }
    expect(regularizedIncompleteBeta(0.5, 2.5, 2.5)).toBeCloseTo(0.5, 12);
  });
});

describe("summarize", () => {
  it("gives mean ± t·s/√n for values of either sign", () => {
    const s = summarize([-4, -3, -2, -1, 0, 1, 2, 3, 4, 5]);
    expect(s.n).toBe(10);
    expect(s.mean).toBe(0.5);
    expect(s.std).toBeCloseTo(3.0276504, 6);
    expect(s.halfWidth).toBeCloseTo((2.262157 * 3.0276504) / Math.sqrt(10), 5);
    expect(s.interval).toBe("student-t");
    expect(s.ciLow).toBeCloseTo(0.5 - s.halfWidth, 12);
    expect([s.min, s.max]).toEqual([-4, 5]);
  });

  it("keeps the interval of a quantity that cannot be negative at or above 0 (percentile bootstrap)", () => {
    // Recovery times of 4 runs: one slow recovery; the t interval would reach about −400 s.
    const s = summarize([0, 0, 0, 800]);
    expect(s.mean - s.halfWidth).toBeLessThan(-300);
    expect(s.interval).toBe("bootstrap-percentile");
    expect(s.ciLow).toBe(0);
    expect(s.ciHigh).toBe(600);
    expect(s.ciLow).toBeLessThanOrEqual(s.mean);
    expect(s.ciHigh).toBeGreaterThanOrEqual(s.mean);
    // Exact for n ≤ 6 (all nⁿ resamples); seeded beyond: the same data give the same interval.
    const big = Array.from({ length: 40 }, (_, i) => (i % 7) * 10);
    expect(summarize(big)).toEqual(summarize(big));
    expect(summarize(big).ciLow).toBeGreaterThan(0);
    expect(summarize(big).ciHigh).toBeLessThan(60);
  });

  it("ignores non-finite values and leaves the interval undefined for a single value", () => {
    const s = summarize([Number.NaN, 4, Number.POSITIVE_INFINITY]);
    expect(s.n).toBe(1);
    expect(s.mean).toBe(4);
    expect(s.halfWidth).toBeNaN();
    expect(summarize([]).mean).toBeNaN();
  });

  it("summarizeByPoint groups runs by parameters and leaves failed runs out", () => {
    const run = (runId: number, shock: number, dd: number, status = "ok"): RunRecord => ({
      runId,
      seed: String(runId),
      pointIndex: shock === 0.1 ? 0 : 1,
      replication: runId,
      status,
      error: "",
      params: { shock },
      metrics: { max_drawdown: dd },
      traceHash: "",
      wallMs: 0,
    });
    const pts = summarizeByPoint(
      [run(0, 0.2, 0.4), run(1, 0.1, 0.1), run(2, 0.1, 0.3), run(3, 0.1, 9, "failed"), run(4, 0.2, 0.6)],
      ["max_drawdown"],
    );
    expect(pts.map((p) => p.params.shock)).toEqual([0.1, 0.2]);
    expect(pts[0]).toMatchObject({ okRuns: 2, failedRuns: 1, runIds: [1, 2] });
    expect(pts[0]!.metrics.max_drawdown!.mean).toBeCloseTo(0.2, 12);
    expect(pts[1]!.metrics.max_drawdown!.mean).toBeCloseTo(0.5, 12);
  });
});
