import { describe, expect, it } from "vitest";
import { editDistance, nearest } from "./suggest.ts";

describe("nearest name", () => {
  it("finds a name that differs in case only", () => {
    expect(nearest("whaleBTC", ["whale", "whaleBtc", "whaleSide"])).toBe("whaleBtc");
  });

  it("finds a name with a letter missing, added or swapped", () => {
    expect(nearest("worker", ["workers", "runs", "out"])).toBe("workers");
    expect(nearest("levrage", ["leverage", "level"])).toBe("leverage");
    expect(editDistance("levearge", "leverage")).toBe(1);
  });

  it("suggests nothing when no name is close", () => {
    expect(nearest("frobnicate", ["workers", "runs", "out"])).toBeUndefined();
    expect(nearest("x", [])).toBeUndefined();
  });
});
