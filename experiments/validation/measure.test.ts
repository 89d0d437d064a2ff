import { describe, expect, it } from "vitest";
import { measure } from "./validate.ts";

const runs = (xs: number[]) => ({
  metrics: xs.map((x, i) => ({
    runId: i,
    replication: i,
    liquidations: true,
    m: { values: { liq: x }, returns1m: new Float64Array(0) },
  })),
});
const base = { id: "q", scenario: "quiet", metric: "liq", what: "w", source: "s" } as const;

describe("validation criteria", () => {
  it("judge the mean over seeds by default, so one bad seed of ten can pass", () => {
    const o = measure({ ...base, max: 1 }, runs([0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 5]));
    expect(o.value).toBeCloseTo(0.59, 10);
    expect(o.pass).toBe(true);
  });

  it('with aggregate "worst", judge the worst seed (largest against a max, smallest against a min)', () => {
    const xs = [0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 5];
    const hi = measure({ ...base, max: 1, aggregate: "worst" }, runs(xs));
    expect([hi.value, hi.ciLow, hi.ciHigh, hi.pass]).toEqual([5, 0.1, 5, false]);
    const lo = measure({ ...base, min: 0.05, aggregate: "worst" }, runs(xs));
    expect([lo.value, lo.pass]).toEqual([0.1, true]);
  });
});
