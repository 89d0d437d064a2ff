import { describe, expect, it } from "vitest";
import { maximinDesign, minDistance } from "./design.ts";

describe("the maximin Latin-hypercube design", () => {
  it("puts exactly one point in each stratum of every dimension", () => {
    const points = maximinDesign(10, 3, 42);
    expect(points).toHaveLength(10);
    for (let j = 0; j < 3; j++) {
      const strata = points.map((p) => Math.floor(p[j]! * 10)).sort((a, b) => a - b);
      expect(strata).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    }
  });

  it("gives the same points for the same seed and other points for another", () => {
    expect(maximinDesign(8, 2, 7)).toEqual(maximinDesign(8, 2, 7));
    expect(maximinDesign(8, 2, 7)).not.toEqual(maximinDesign(8, 2, 8));
  });

  it("spreads the points at least as well as a single hypercube", () => {
    expect(minDistance(maximinDesign(8, 2, 1, 20))).toBeGreaterThanOrEqual(
      minDistance(maximinDesign(8, 2, 1, 1)),
    );
  });
});
