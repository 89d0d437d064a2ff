import { describe, expect, it } from "vitest";
import { hash128 } from "./hash.ts";
import { deriveSeed, logGamma, RandomStream, streams } from "./streams.ts";

function draws(s: RandomStream, n: number): number[] {
  return Array.from({ length: n }, () => s.next());
}

function moments(xs: number[]): { mean: number; variance: number } {
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const variance = xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (xs.length - 1);
  return { mean, variance };
}

describe("named seeded streams", () => {
  it("gives the same numbers for the same (seed, run, name)", () => {
    expect(draws(streams(42, 3).get("mm/1"), 5)).toEqual(draws(streams(42, 3).get("mm/1"), 5));
  });

  it("gives different numbers when the seed, the run index or the name differs", () => {
    const base = draws(streams(42, 3).get("mm/1"), 5);
    expect(draws(streams(43, 3).get("mm/1"), 5)).not.toEqual(base);
    expect(draws(streams(42, 4).get("mm/1"), 5)).not.toEqual(base);
    expect(draws(streams(42, 3).get("mm/2"), 5)).not.toEqual(base);
    expect(draws(streams("42", 3).get("mm/1"), 5)).not.toEqual(base);
  });

  it("does not shift a stream when other streams are created or drawn first", () => {
    const a = streams(7, 0);
    const alone = draws(a.get("retail"), 10);
    const b = streams(7, 0);
    draws(b.get("noise"), 100);
    draws(b.get("zzz"), 3);
    expect(draws(b.get("retail"), 10)).toEqual(alone);
  });

  it("caches streams by name and exposes their derived seed", () => {
    const s = streams(1, 2);
    expect(s.get("x")).toBe(s.get("x"));
    expect(s.get("x").seed).toBe(deriveSeed(1, 2, "x"));
    expect(s.get("x").seed).toMatch(/^[0-9a-f]{32}$/);
  });

  it("refuses bad seeds, run indices and names with a message naming the field", () => {
    expect(() => streams(1.5, 0)).toThrowError(/seed = 1.5/);
    expect(() => streams("", 0)).toThrowError(/seed = ""/);
    expect(() => streams(1, -1)).toThrowError(/runIndex = -1/);
    expect(() => streams(1, 0).get("")).toThrowError(/stream name/);
  });

  it("hashes strings to 128 bits and spreads nearby inputs", () => {
    expect(hash128("a")).toMatch(/^[0-9a-f]{32}$/);
    expect(hash128("a")).toBe(hash128("a"));
    expect(hash128("a")).not.toBe(hash128("b"));
  });
});

describe("distributions", () => {
  const n = 200_000;
  const rng = streams(2026, 0).get("distributions");

  it("uniform and int stay in range with the right mean", () => {
    const xs = Array.from({ length: n }, () => rng.uniform(2, 4));
    expect(xs.reduce((a, b) => Math.min(a, b))).toBeGreaterThanOrEqual(2);
    expect(xs.reduce((a, b) => Math.max(a, b))).toBeLessThan(4);
    expect(moments(xs).mean).toBeCloseTo(3, 2);
    const ks = Array.from({ length: n }, () => rng.int(10));
    expect(new Set(ks).size).toBe(10);
    expect(ks.reduce((a, b) => Math.max(a, b))).toBe(9);
    const between = Array.from({ length: 1000 }, () => rng.intBetween(-2, 2));
    expect(Math.min(...between)).toBe(-2);
    expect(Math.max(...between)).toBe(2);
  });

  it("normal has the requested mean and standard deviation", () => {
    const { mean, variance } = moments(Array.from({ length: n }, () => rng.normal(5, 2)));
    expect(mean).toBeCloseTo(5, 1);
    expect(Math.sqrt(variance)).toBeCloseTo(2, 1);
  });

  it("exponential has mean 1/rate", () => {
    expect(moments(Array.from({ length: n }, () => rng.exponential(4))).mean).toBeCloseTo(0.25, 2);
  });

  it("lognormal has mean exp(mu + sigma²/2)", () => {
    const { mean } = moments(Array.from({ length: n }, () => rng.lognormal(0, 0.5)));
    expect(mean).toBeCloseTo(Math.exp(0.125), 1);
  });

  it("pareto never goes below its scale and has mean alpha·xm/(alpha−1)", () => {
    const xs = Array.from({ length: n }, () => rng.pareto(10, 3));
    expect(xs.reduce((a, b) => Math.min(a, b))).toBeGreaterThanOrEqual(10);
    expect(moments(xs).mean).toBeCloseTo(15, 0);
  });

  it("geometric has mean (1−p)/p", () => {
    expect(moments(Array.from({ length: n }, () => rng.geometric(0.2))).mean).toBeCloseTo(4, 1);
    expect(rng.geometric(1)).toBe(0);
  });

  it.each([0.5, 4, 9.5, 10, 37, 1000])("poisson(%d) has mean and variance lambda", (lambda) => {
    const xs = Array.from({ length: n }, () => rng.poisson(lambda));
    expect(xs.every((x) => Number.isInteger(x) && x >= 0)).toBe(true);
    const { mean, variance } = moments(xs);
    expect(Math.abs(mean - lambda) / Math.sqrt(lambda / n)).toBeLessThan(5);
    expect(variance / lambda).toBeGreaterThan(0.95);
    expect(variance / lambda).toBeLessThan(1.05);
  });

  it("weightedIndex draws categories in proportion to their weights", () => {
    const counts = [0, 0, 0];
    for (let i = 0; i < n; i++) counts[rng.weightedIndex([1, 2, 4])]!++;
    expect(counts[0]! / n).toBeCloseTo(0.25, 1);
    expect(counts[2]! / n).toBeCloseTo(0.5, 1);
  });

  it("logGamma matches known values", () => {
    expect(logGamma(1)).toBeCloseTo(0, 12);
    expect(logGamma(5)).toBeCloseTo(Math.log(24), 12);
    expect(logGamma(0.5)).toBeCloseTo(Math.log(Math.sqrt(Math.PI)), 12);
    expect(logGamma(100)).toBeCloseTo(359.1342053695754, 9);
  });

  it("a stream replayed from its derived seed reproduces the original", () => {
    const s = streams(9, 9).get("replay");
    const replay = new RandomStream("replay", s.seed);
    expect(draws(replay, 4)).toEqual(draws(s, 4));
  });
});
