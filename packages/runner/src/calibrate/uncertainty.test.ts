import { describe, expect, it } from "vitest";
import type { FitParameter } from "./space.ts";
import { invert, jacobian, sandwich, stencil } from "./uncertainty.ts";

const a: FitParameter = { name: "a", min: 0, max: 10, log: false, integer: false };
const b: FitParameter = { name: "b", min: 1, max: 100, log: true, integer: false };

describe("standard errors of the fitted parameters", () => {
  it("inverts a matrix and refuses a singular one", () => {
    const inv = invert([
      [4, 7],
      [2, 6],
    ])!;
    expect(inv[0]![0]).toBeCloseTo(0.6, 12);
    expect(inv[0]![1]).toBeCloseTo(-0.7, 12);
    expect(inv[1]![1]).toBeCloseTo(0.4, 12);
    expect(
      invert([
        [1, 2],
        [2, 4],
      ]),
    ).toBeNull();
  });

  it("gives central differences on each parameter's search scale", () => {
    // m1 = 3a + ln b, m2 = 2 ln b: on the search scale (a, ln b) the Jacobian is [[3, 1], [0, 2]].
    const moments = (v: readonly number[]) => [3 * v[0]! + Math.log(v[1]!), 2 * Math.log(v[1]!)];
    const center = [4, 10];
    const points = stencil([a, b], center, 0.02);
    expect(points).toHaveLength(4);
    const values = points.map((p) => [a.min + p.u[0]! * 10, Math.exp(p.u[1]! * Math.log(100))]);
    const g = jacobian([a, b], center, moments(center), points, values, values.map(moments));
    expect(g[0]![0]).toBeCloseTo(3, 9);
    expect(g[0]![1]).toBeCloseTo(1, 9);
    expect(g[1]![0]).toBeCloseTo(0, 9);
    expect(g[1]![1]).toBeCloseTo(2, 9);
  });

  it("falls back to a one-sided difference at a bound", () => {
    const points = stencil([a], [10], 0.02);
    expect(points.map((p) => p.direction)).toEqual([-1]);
  });

  it("reduces to (GᵀWG)⁻¹ when the weights are the inverse variances", () => {
    // One parameter, two moments m = g θ, variances s²: V = 1 / Σ g²/s².
    const g = [[2], [1]];
    const variances = [0.25, 1];
    const s = sandwich(
      g,
      variances.map((v) => 1 / v),
      variances,
    );
    expect(s.ok).toBe(true);
    if (s.ok) expect(s.se[0]).toBeCloseTo(Math.sqrt(1 / (4 / 0.25 + 1 / 1)), 12);
  });

  it("says why when a parameter is not identified", () => {
    const s = sandwich([[1, 0]], [1], [1]);
    expect(s.ok).toBe(false);
    if (!s.ok) expect(s.reason).toMatch(/singular/);
  });
});
