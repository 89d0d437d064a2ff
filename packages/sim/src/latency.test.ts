import { NS_PER_MS, NS_PER_SECOND, NS_PER_US, streams } from "@cascade/core";
import { describe, expect, it } from "vitest";
import { drawBaseLatencyNs, messageLatencyNs, resolveLatency, VenueLoad } from "./latency.ts";

describe("latency settings", () => {
  it("fills in the documented defaults", () => {
    expect(resolveLatency()).toEqual({
      medianNs: 2 * NS_PER_MS,
      dispersion: 0.5,
      jitterMeanNs: 100 * NS_PER_US,
      stressReferenceRate: 5_000,
      stressCoefficient: 0.5,
      stressMaxMultiplier: 20,
      stressWindowNs: NS_PER_SECOND,
    });
  });

  it("refuses a bad value, naming the field", () => {
    expect(() => resolveLatency({ medianNs: -1 })).toThrow(
      /latency\.medianNs = -1: must be a finite number ≥ 0/,
    );
    expect(() => resolveLatency({ dispersion: Number.NaN })).toThrow(/latency\.dispersion/);
    expect(() => resolveLatency({ stressReferenceRate: 0 })).toThrow(
      /latency\.stressReferenceRate = 0: must be > 0/,
    );
    expect(() => resolveLatency({ stressWindowNs: 0 })).toThrow(/latency\.stressWindowNs = 0: must be > 0/);
    expect(() => resolveLatency({ stressMaxMultiplier: 0.5 })).toThrow(
      /latency\.stressMaxMultiplier = 0.5: must be ≥ 1/,
    );
  });
});

describe("link latencies", () => {
  it("draws base latencies log-normally around the median, and never below 1 ns", () => {
    const c = resolveLatency({ medianNs: 3 * NS_PER_MS, dispersion: 0.5 });
    const rng = streams(7, 0).get("latency-test");
    const xs = Array.from({ length: 4_001 }, () => drawBaseLatencyNs(rng, c)).sort((a, b) => a - b);
    const median = xs[2_000]!;
    expect(median / (3 * NS_PER_MS)).toBeGreaterThan(0.95);
    expect(median / (3 * NS_PER_MS)).toBeLessThan(1.05);
    // σ of ln: the 84th percentile is about e^0.5 above the median.
    expect(xs[Math.round(0.8413 * 4_000)]! / median).toBeCloseTo(Math.exp(0.5), 1);
    expect(Number.isInteger(median)).toBe(true);
    expect(drawBaseLatencyNs(rng, resolveLatency({ medianNs: 0 }))).toBe(1);
  });

  it("adds exponential jitter of the configured mean and scales the whole by the stress multiplier", () => {
    const c = resolveLatency({ jitterMeanNs: 50 * NS_PER_US });
    const rng = streams(3, 1).get("jitter");
    const base = NS_PER_MS;
    let sum = 0;
    const n = 20_000;
    for (let i = 0; i < n; i++) sum += messageLatencyNs(rng, base, 1, c) - base;
    expect(sum / n / (50 * NS_PER_US)).toBeGreaterThan(0.97);
    expect(sum / n / (50 * NS_PER_US)).toBeLessThan(1.03);
    const none = resolveLatency({ jitterMeanNs: 0 });
    expect(messageLatencyNs(rng, base, 3, none)).toBe(3 * base);
    expect(messageLatencyNs(rng, 0, 1, none)).toBe(1);
  });
});

describe("venue load (stress)", () => {
  it("is 1 below the reference rate, grows linearly above it and stops at the cap", () => {
    const c = resolveLatency({ stressReferenceRate: 100, stressCoefficient: 0.5, stressMaxMultiplier: 3 });
    const load = new VenueLoad(c);
    for (let i = 0; i < 50; i++) load.record(1);
    expect(load.ratePerSecond(1)).toBeCloseTo(50, 6);
    expect(load.multiplier(1)).toBe(1);
    for (let i = 0; i < 250; i++) load.record(1);
    // 300 messages a second against 100: 1 + 0.5 × (3 − 1) = 2.
    expect(load.multiplier(1)).toBeCloseTo(2, 6);
    for (let i = 0; i < 10_000; i++) load.record(1);
    expect(load.multiplier(1)).toBe(3);
  });

  it("forgets its load with the window's time constant", () => {
    const c = resolveLatency({ stressWindowNs: NS_PER_SECOND });
    const load = new VenueLoad(c);
    for (let i = 0; i < 1_000; i++) load.record(0);
    expect(load.ratePerSecond(NS_PER_SECOND) / 1_000).toBeCloseTo(Math.exp(-1), 6);
    expect(load.ratePerSecond(10 * NS_PER_SECOND)).toBeLessThan(0.1);
  });
});
