import { ConfigError } from "@cascade/core";
import { describe, expect, it } from "vitest";
import { computeIndexTicks } from "./index-price.ts";

describe("computeIndexTicks", () => {
  it("averages the sources with their weights", () => {
    expect(computeIndexTicks([1000, 1010], [3, 1])).toBe(1002.5);
    expect(computeIndexTicks(new Float64Array([700_000, 700_200]), new Float64Array([1, 1]))).toBe(700_100);
  });

  it("gives weight 0 to a source more than 5 % from the median", () => {
    expect(computeIndexTicks([700_000, 700_200, 800_000], [1, 1, 1])).toBe(700_100);
    // Exactly 5 % away stays in; a tick further drops out.
    expect(computeIndexTicks([950, 1000, 1050], [1, 1, 1])).toBe(1000);
    expect(computeIndexTicks([949, 1000, 1051], [1, 2, 1])).toBe(1000);
    expect(computeIndexTicks([949, 1000, 1050], [1, 1, 2], 51_000)).toBe((949 + 1000 + 2100) / 4);
  });

  it("takes the mean of the two middle values as the median of an even count", () => {
    // Median 1015, band 50.75: all four stay.
    expect(computeIndexTicks([1030, 1000, 1020, 1010], [1, 1, 1, 1])).toBe(1015);
    // Median (1000 + 1100) / 2 = 1050, band 52.5: the two middle sources (50 away) stay, the outer two go.
    expect(computeIndexTicks([900, 1000, 1100, 1200], [1, 1, 1, 1])).toBe(1050);
  });

  it("falls back to the median when every source is out of band", () => {
    expect(computeIndexTicks([100, 200], [1, 1])).toBe(150);
  });

  it("ignores stale sources (price ≤ 0 or NaN) and sources of weight 0", () => {
    expect(computeIndexTicks([Number.NaN, 1000, 0, -5, 2000], [1, 1, 1, 1, 0])).toBe(1000);
    expect(computeIndexTicks([Number.NaN, 0], [1, 1])).toBeNaN();
    expect(computeIndexTicks([], [])).toBeNaN();
  });

  it("handles more sources than its initial scratch space", () => {
    const prices = Array.from({ length: 40 }, (_, i) => 1000 + (i % 5));
    expect(computeIndexTicks(prices, new Array(40).fill(1))).toBe(1002);
  });

  it("rejects mismatched lengths and a negative band", () => {
    expect(() => computeIndexTicks([1, 2], [1])).toThrowError(ConfigError);
    expect(() => computeIndexTicks([1, 2], [1])).toThrowError(/^weights.length = 1/);
    expect(() => computeIndexTicks([1], [1], -1)).toThrowError(/^maxDeviationPpm = -1/);
  });
});
