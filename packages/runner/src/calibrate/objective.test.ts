import { describe, expect, it } from "vitest";
import { momentStat, objective, weightOf } from "./objective.ts";

describe("the SMM objective", () => {
  it("is the sum of squared z-scores when the weights are 1/se²", () => {
    const targets = [
      { metric: "a", target: 1, se: 0.5 },
      { metric: "b", target: 10, se: 2 },
    ];
    expect(objective([1.5, 14], targets)).toBeCloseTo(1 + 4, 12);
    expect(objective([1, 10], targets)).toBe(0);
  });

  it("uses an explicit weight instead of 1/se²", () => {
    expect(weightOf({ metric: "a", target: 0, se: 0.1, weight: 3 })).toBe(3);
    expect(objective([2], [{ metric: "a", target: 0, weight: 3 }])).toBe(12);
  });

  it("scores a candidate with a non-finite moment +∞", () => {
    expect(objective([Number.NaN], [{ metric: "a", target: 0, se: 1 }])).toBe(Number.POSITIVE_INFINITY);
  });

  it("gives the mean and the standard error of the mean over the replications", () => {
    const s = momentStat([1, 2, 3, 4]);
    expect(s.mean).toBe(2.5);
    expect(s.se).toBeCloseTo(Math.sqrt(5 / 3 / 4), 12);
    expect(s.n).toBe(4);
    expect(Number.isNaN(momentStat([1]).se)).toBe(true);
  });
});
