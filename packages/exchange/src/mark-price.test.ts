import { ConfigError, NS_PER_HOUR, NS_PER_SECOND } from "@cascade/core";
import { describe, expect, it } from "vitest";
import { MarkPrice } from "./mark-price.ts";

const S = NS_PER_SECOND;

describe("MarkPrice", () => {
  it("samples the basis at most once per 5 s grid interval", () => {
    const mark = new MarkPrice();
    expect(mark.sampleBasis(0, 700_100, 700_000)).toBe(true);
    expect(mark.sampleBasis(4 * S, 700_900, 700_000)).toBe(false); // same interval
    expect(mark.sampleBasis(5 * S, 700_200, 700_000)).toBe(true);
    expect(mark.sampleBasis(12 * S, 700_300, 700_000)).toBe(true);
    expect(mark.sampleBasis(16 * S, Number.NaN, 700_000)).toBe(false); // empty book side
    expect(mark.sampleCount).toBe(3);
    expect(mark.averageBasisTicks()).toBe(200);
  });

  it("averages only the last basisWindowSamples samples", () => {
    const mark = new MarkPrice({ basisWindowSamples: 3 });
    for (let i = 0; i < 5; i++) mark.sampleBasis(i * 5 * S, 1000 + 10 * i, 1000); // basis 0..40
    expect(mark.sampleCount).toBe(3);
    expect(mark.averageBasisTicks()).toBe(30); // (20 + 30 + 40) / 3
  });

  it("is the median of P1, P2 and the last price", () => {
    const mark = new MarkPrice();
    for (let i = 0; i < 3; i++) mark.sampleBasis(i * 5 * S, 700_100 + 100 * i, 700_000); // avg basis 200
    const now = 0;
    const next = 4 * NS_PER_HOUR; // half the 8 h interval
    // P1 = 700,000 × (1 + 0.0001 × 0.5) = 700,035; P2 = 700,200.
    expect(mark.compute(now, 700_000, 700_100, 10_000, next)).toBe(700_100);
    expect(mark.compute(now, 700_000, 699_000, 10_000, next)).toBe(700_035);
    expect(mark.compute(now, 700_000, 710_000, 10_000, next)).toBe(700_200);
    // Funding time already passed: the funding term is 0, P1 = index.
    expect(mark.compute(5 * NS_PER_HOUR, 700_000, 699_000, 10_000, next)).toBe(700_000);
  });

  it("uses the middle of P1 and P2 without a last trade, and P2 = index without samples", () => {
    const mark = new MarkPrice();
    // P1 = 700,035, P2 = 700,000 (no samples) → 700,017.5 → 700,018 (half up).
    expect(mark.compute(0, 700_000, Number.NaN, 10_000, 4 * NS_PER_HOUR)).toBe(700_018);
    expect(mark.compute(0, 700_000, 0, 10_000, 4 * NS_PER_HOUR)).toBe(700_018);
  });

  it("rounds half up to whole ticks", () => {
    const mark = new MarkPrice();
    mark.sampleBasis(0, 1001, 1000);
    mark.sampleBasis(5 * S, 1002, 1000); // P2 = 1001.5
    expect(mark.compute(0, 1000, 1002, 0, 0)).toBe(1002);
    expect(mark.compute(0, 1000, 1001.4, 0, 0)).toBe(1001);
  });

  it("has no mark without an index, and forgets samples on reset", () => {
    const mark = new MarkPrice();
    expect(mark.compute(0, Number.NaN, 1000, 0, 0)).toBe(-1);
    mark.sampleBasis(0, 1100, 1000);
    mark.reset();
    expect(mark.sampleCount).toBe(0);
    expect(mark.sampleBasis(0, 1100, 1000)).toBe(true);
  });

  it("rejects a bad configuration, naming the field", () => {
    expect(() => new MarkPrice({ basisWindowSamples: 0 })).toThrowError(ConfigError);
    expect(() => new MarkPrice({ basisSampleIntervalNs: 1.5 })).toThrowError(
      /^markPrice.basisSampleIntervalNs = 1.5/,
    );
  });
});
