import { describe, expect, it } from "vitest";
import { grown } from "./typed-arrays.ts";

describe("grown", () => {
  it("copies into a longer array of the same type, filling the rest", () => {
    const a = Int32Array.of(1, 2, 3);
    const b = grown(a, 5, -1);
    expect(b).toBeInstanceOf(Int32Array);
    expect([...b]).toEqual([1, 2, 3, -1, -1]);
    expect([...grown(Float64Array.of(0.5), 2)]).toEqual([0.5, 0]);
  });
});
