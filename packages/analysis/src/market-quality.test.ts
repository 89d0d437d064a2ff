import { describe, expect, it } from "vitest";
import {
  depthCollapse,
  drawdownOf,
  everyNth,
  logReturnSd,
  longestGap,
  quantile,
  relativeGap,
  shareAtMost,
  spreadBps,
  windowVwap,
} from "./market-quality.ts";

describe("market quality measures", () => {
  it("quantile interpolates linearly, skips NaN and keeps infinities in the order", () => {
    expect(quantile([3, 1, 2, Number.NaN], 0.5)).toBe(2);
    expect(quantile([0, 10], 0.25)).toBe(2.5);
    expect(quantile([1, 2, Number.POSITIVE_INFINITY], 1)).toBe(Number.POSITIVE_INFINITY);
    expect(quantile([], 0.5)).toBeNaN();
  });

  it("a sample with an empty book side counts as an infinitely wide spread", () => {
    const s = spreadBps([1, Number.NaN, 2], [10_000, 10_000, 10_000]);
    expect(Array.from(s)).toEqual([1, Number.POSITIVE_INFINITY, 2]);
    expect(quantile(s, 0.5)).toBe(2);
  });

  it("relative gap and share within a bound measure coupling to the index", () => {
    const g = relativeGap([101, 99, Number.NaN, 100], [100, 100, 100, Number.NaN]);
    expect(g[0]).toBeCloseTo(0.01, 12);
    expect(g[1]).toBeCloseTo(0.01, 12);
    expect(g[2]).toBe(Number.POSITIVE_INFINITY);
    expect(g[3]).toBeNaN();
    expect(shareAtMost(g, 0.0100001)).toBeCloseTo(2 / 3, 12);
  });

  it("window VWAP weights by volume and carries the last price through windows without trades", () => {
    const volume = [1, 3, 0, 0, 2, 0];
    const turnover = [100, 330, 0, 0, 240, 0];
    expect(Array.from(windowVwap(volume, turnover, 2))).toEqual([107.5, 107.5, 120]);
    expect(Array.from(windowVwap([0, 0], [0, 0], 1))).toEqual([Number.NaN, Number.NaN]);
  });

  it("drawdown is the largest fall from a running peak", () => {
    expect(drawdownOf([100, 120, 90, 110, 60, Number.NaN])).toBeCloseTo(0.5, 12);
    expect(drawdownOf([1, 2, 3])).toBe(0);
  });

  it("every n-th sample and the return standard deviation give per-minute volatility", () => {
    expect(Array.from(everyNth([0, 1, 2, 3, 4, 5, 6], 3, 1))).toEqual([1, 4]);
    const p = [100, 110, 99, 108.9];
    const r = [Math.log(1.1), Math.log(0.9), Math.log(1.1)];
    const m = r.reduce((a, b) => a + b) / 3;
    const sd = Math.sqrt(r.reduce((a, b) => a + (b - m) ** 2, 0) / 2);
    expect(logReturnSd(p)).toBeCloseTo(sd, 12);
  });

  it("longest gap counts consecutive non-finite samples", () => {
    expect(longestGap([1, Number.NaN, Number.NaN, 2, Number.NaN])).toBe(2);
    expect(longestGap([Number.NaN, Number.NaN, Number.NaN], 1)).toBe(2);
  });

  it("depth collapse finds the low against the pre-shock median and a persistent recovery", () => {
    const depth = [10, 10, 10, 10, 2, 1, 5, 9, 3, 9, 9, 9, 9];
    const d = depthCollapse(depth, 4, 0.8, 3);
    expect(d.before).toBe(10);
    expect(d.minRatio).toBeCloseTo(0.1, 12);
    // Low at sample 5; 9 at 7 does not persist (3 at 8); recovered from sample 9, 4 samples after the low.
    expect(d.recoverySamples).toBe(4);
    expect(depthCollapse([0, 0, 5], 2).minRatio).toBeNaN();
    expect(depthCollapse([10, 10, 1, 1], 2, 0.8, 2).recoverySamples).toBeNaN();
  });
});
