import { describe, expect, it } from "vitest";
import { gaussian, mulberry32 } from "./fixture.testkit.ts";
import {
  aggregationalGaussianity,
  autocorrelation,
  excessKurtosis,
  factsOfReturns,
  hillTailIndex,
  logReturns,
  powerLawDecay,
  returnsAtHorizon,
  stylizedVerdict,
} from "./stylized.ts";

const check = (v: ReturnType<typeof stylizedVerdict>, prefix: string) =>
  v.checks.find((c) => c.fact.startsWith(prefix))!.pass;

describe("returns", () => {
  it("logReturns takes non-overlapping log returns every step samples", () => {
    const r = logReturns(Float64Array.of(100, 110, 99, 120, 108), 2);
    expect(Array.from(r)).toEqual([Math.log(99 / 100), Math.log(108 / 99)]);
    expect(Array.from(logReturns(Float64Array.of(100, Number.NaN, 100)))).toEqual([]);
  });

  it("returnsAtHorizon samples the previous tick on a regular time grid", () => {
    const t = Float64Array.of(0, 0.5, 1, 2.5, 3, 4);
    const p = Float64Array.of(100, 101, 102, 104, Number.NaN, 108);
    // Grid 0, 2, 4: prices 100, 102 (last at or before 2), 108.
    const r = returnsAtHorizon(t, p, 2);
    expect(r).toHaveLength(2);
    expect(r[0]).toBeCloseTo(Math.log(1.02), 12);
    expect(r[1]).toBeCloseTo(Math.log(108 / 102), 12);
  });
});

describe("excessKurtosis", () => {
  it("is n/2 − 3 for a series of zeros with one +a and one −a", () => {
    const n = 40;
    const x = new Float64Array(n);
    x[3] = 2;
    x[17] = -2;
    expect(excessKurtosis(x)).toBeCloseTo(n / 2 - 3, 10);
  });

  it("is −2 for a symmetric two-point series and near 0 for a Gaussian sample", () => {
    expect(excessKurtosis([-1, 1, -1, 1])).toBeCloseTo(-2, 12);
    const g = gaussian(mulberry32(7));
    const x = Array.from({ length: 50_000 }, g);
    expect(Math.abs(excessKurtosis(x))).toBeLessThan(0.1);
  });
});

describe("autocorrelation", () => {
  it("is (−1)^l (n − l)/n for an alternating series", () => {
    const n = 10;
    const x = Array.from({ length: n }, (_, i) => (i % 2 === 0 ? 1 : -1));
    const acf = autocorrelation(x, 3);
    expect(acf[0]).toBe(1);
    for (let l = 1; l <= 3; l++) expect(acf[l]).toBeCloseTo((-1) ** l * ((n - l) / n), 12);
  });

  it("is NaN for a constant series and for lags beyond the data", () => {
    expect(Number.isNaN(autocorrelation([1, 1, 1], 1)[1])).toBe(true);
    expect(Number.isNaN(autocorrelation([1, 2], 5)[4])).toBe(true);
  });

  it("powerLawDecay recovers the exponent of c·l^−β", () => {
    const acf = [1, ...Array.from({ length: 30 }, (_, i) => 0.4 * (i + 1) ** -0.3)];
    expect(powerLawDecay(acf)).toBeCloseTo(0.3, 10);
  });
});

describe("hillTailIndex", () => {
  it.each([2, 3, 4])("recovers alpha = %d of a Pareto sample within tolerance", (alpha) => {
    const u = mulberry32(alpha * 101);
    const x = Array.from({ length: 40_000 }, () => (u() < 0.5 ? -1 : 1) * (1 - u()) ** (-1 / alpha));
    const h = hillTailIndex(x, { fraction: 0.05 });
    expect(h.k).toBe(2000);
    expect(Math.abs(h.alpha - alpha)).toBeLessThan(4 * h.stdError);
    expect(Math.abs(h.alpha - alpha) / alpha).toBeLessThan(0.1);
  });

  it("uses an explicit k and ignores zeros", () => {
    const h = hillTailIndex([0, 0, 0, 1, 2, 4, 8], { k: 2 });
    // X(1) = 8, X(2) = 4, X(3) = 2: α = 2 / (ln 4 + ln 2).
    expect(h.alpha).toBeCloseTo(2 / Math.log(8), 12);
    expect(h.threshold).toBe(2);
  });
});

describe("stylizedVerdict", () => {
  it("sees volatility clustering and excess kurtosis in a GARCH series but not in iid Gaussian noise", () => {
    const g = gaussian(mulberry32(11));
    const garch: number[] = [];
    let v = 1e-4;
    let r = 0;
    for (let i = 0; i < 20_000; i++) {
      v = 2e-6 + 0.1 * r * r + 0.88 * v;
      r = Math.sqrt(v) * g();
      garch.push(r);
    }
    const iid = Array.from({ length: 20_000 }, g);
    const vg = stylizedVerdict(factsOfReturns(garch, 1, { maxLag: 20 }));
    const vi = stylizedVerdict(factsOfReturns(iid, 1, { maxLag: 20 }));
    expect(check(vg, "Volatility clustering")).toBe(true);
    expect(check(vg, "Excess kurtosis")).toBe(true);
    expect(check(vg, "No linear autocorrelation")).toBe(true);
    expect(check(vi, "Volatility clustering")).toBe(false);
    expect(check(vi, "No linear autocorrelation")).toBe(true);
  });

  it("flags linear autocorrelation of an AR(1) series", () => {
    const g = gaussian(mulberry32(3));
    const x: number[] = [];
    let prev = 0;
    for (let i = 0; i < 5000; i++) {
      prev = 0.6 * prev + g();
      x.push(prev);
    }
    expect(check(stylizedVerdict(factsOfReturns(x, 1)), "No linear autocorrelation")).toBe(false);
  });

  it("leaves every check undecided with too few returns", () => {
    const v = stylizedVerdict(factsOfReturns([0.01, -0.02, 0.03], 1));
    expect(v.decided).toBe(0);
  });

  it("aggregationalGaussianity passes when kurtosis falls with the horizon", () => {
    const f = (h: number, k: number) => ({ ...factsOfReturns([1, 2, 3], h), excessKurtosis: k });
    expect(aggregationalGaussianity([f(10, 2), f(1, 6), f(60, 0.5)]).pass).toBe(true);
    expect(aggregationalGaussianity([f(1, 1), f(10, 3)]).pass).toBe(false);
    expect(aggregationalGaussianity([f(1, 1)]).pass).toBeUndefined();
  });
});
