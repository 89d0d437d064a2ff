import { describe, expect, it } from "vitest";
import { type FitParameter, unitOf, valueAt, valuesAt } from "./space.ts";

const lin: FitParameter = { name: "a", min: -2, max: 6, log: false, integer: false };
const log: FitParameter = { name: "b", min: 1, max: 100, log: true, integer: false };
const int: FitParameter = { name: "c", min: 1, max: 10, log: false, integer: true };

describe("the calibration's parameter space", () => {
  it("maps the unit interval linearly onto a linear parameter's bounds", () => {
    expect(valueAt(lin, 0)).toBe(-2);
    expect(valueAt(lin, 0.5)).toBe(2);
    expect(valueAt(lin, 1)).toBe(6);
    expect(unitOf(lin, 4)).toBe(0.75);
  });

  it("maps the unit interval geometrically onto a log parameter's bounds", () => {
    expect(valueAt(log, 0.5)).toBeCloseTo(10, 12);
    expect(valueAt(log, 1)).toBe(100);
    expect(unitOf(log, 10)).toBeCloseTo(0.5, 12);
  });

  it("rounds integer parameters and keeps every value within the bounds", () => {
    expect(valueAt(int, 0.5)).toBe(6);
    expect(valueAt(int, -3)).toBe(1);
    expect(valueAt(int, 7)).toBe(10);
    expect(valuesAt([lin, int], [0.25, 0])).toEqual({ a: 0, c: 1 });
  });
});
