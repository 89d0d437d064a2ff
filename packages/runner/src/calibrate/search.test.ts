import { describe, expect, it } from "vitest";
import { initialSimplex, NelderMead } from "./nelder-mead.ts";
import { type SearchAsk, type SearchOutcome, type SearchSettings, search } from "./search.ts";

const bowl = (u: readonly number[]) => (u[0]! - 0.3) ** 2 + 10 * (u[1]! - 0.7) ** 2;

function runSearch(settings: SearchSettings, f: (u: readonly number[]) => number) {
  const s = search(settings);
  const batches: SearchAsk[][] = [];
  let step = s.next();
  while (!step.done) {
    batches.push(step.value);
    step = s.next(step.value.map((a) => f(a.u)));
  }
  return { outcome: step.value as SearchOutcome, batches };
}

const settings: SearchSettings = {
  dimensions: 2,
  initial: 8,
  starts: 2,
  maxEvaluations: 200,
  step: 0.1,
  xtol: 1e-6,
  ftol: 1e-12,
  seed: 3,
};

describe("Nelder–Mead in the unit cube", () => {
  it("finds the minimum of a quadratic bowl", () => {
    const simplex = initialSimplex([0.9, 0.1], 0.1);
    const nm = new NelderMead(simplex, simplex.map(bowl), { xtol: 1e-7, ftol: 0 });
    for (let i = 0; i < 500 && !nm.converged(); i++) nm.tell(nm.ask().map(bowl));
    expect(nm.best().x[0]).toBeCloseTo(0.3, 5);
    expect(nm.best().x[1]).toBeCloseTo(0.7, 5);
  });

  it("stays in the cube when the minimum lies outside it", () => {
    const f = (u: readonly number[]) => (u[0]! - 1.5) ** 2 + (u[1]! - 0.5) ** 2;
    const simplex = initialSimplex([0.5, 0.5], 0.1);
    const nm = new NelderMead(simplex, simplex.map(f), { xtol: 1e-7, ftol: 0 });
    for (let i = 0; i < 500 && !nm.converged(); i++) {
      const asked = nm.ask();
      for (const x of asked) for (const v of x) expect(v >= 0 && v <= 1).toBe(true);
      nm.tell(asked.map(f));
    }
    expect(nm.best().x[0]).toBeCloseTo(1, 5);
  });
});

describe("the calibration search", () => {
  it("starts with the design, then simplices, then Nelder–Mead steps, and finds the minimum", () => {
    const { outcome, batches } = runSearch(settings, bowl);
    expect(batches[0]!.every((a) => a.phase === "design")).toBe(true);
    expect(batches[0]).toHaveLength(8);
    expect(batches[1]!.map((a) => [a.phase, a.start])).toEqual([
      ["simplex", 0],
      ["simplex", 0],
      ["simplex", 1],
      ["simplex", 1],
    ]);
    expect(batches.slice(2).every((b) => b.every((a) => a.phase === "nelder-mead"))).toBe(true);
    expect(outcome.stopped).toBe("converged");
    expect(outcome.best[0]).toBeCloseTo(0.3, 4);
    expect(outcome.best[1]).toBeCloseTo(0.7, 4);
    expect(outcome.evaluations).toBe(batches.flat().length);
  });

  it("asks the same points given the same values", () => {
    expect(runSearch(settings, bowl).batches).toEqual(runSearch(settings, bowl).batches);
  });

  it("never goes past its evaluation budget", () => {
    const { outcome, batches } = runSearch({ ...settings, maxEvaluations: 30 }, bowl);
    expect(outcome.stopped).toBe("max-evaluations");
    expect(batches.flat().length).toBeLessThanOrEqual(30);
    expect(outcome.evaluations).toBe(batches.flat().length);
  });

  it("treats failed candidates (+∞, NaN) as the worst", () => {
    const f = (u: readonly number[]) => (u[0]! > 0.8 ? Number.NaN : bowl(u));
    const { outcome } = runSearch(settings, f);
    expect(outcome.best[0]).toBeCloseTo(0.3, 3);
    expect(Number.isFinite(outcome.bestValue)).toBe(true);
  });
});
