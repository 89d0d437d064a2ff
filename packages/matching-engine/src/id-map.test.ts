import { streams } from "@cascade/core";
import { describe, expect, it } from "vitest";
import { IdMap } from "./id-map.ts";

describe("IdMap", () => {
  it("behaves like a Map under random inserts and deletes, across resizes", () => {
    const rng = streams(1, 0).get("id-map");
    const map = new IdMap(4);
    const model = new Map<number, number>();
    for (let i = 0; i < 50_000; i++) {
      // Mix small, sequential and huge ids so the high-bit mixing is exercised.
      const key = rng.bernoulli(0.5) ? rng.int(3000) : rng.int(3000) * 2 ** 32 + rng.int(7);
      if (model.has(key)) {
        expect(map.delete(key)).toBe(true);
        model.delete(key);
      } else {
        map.insert(key, i);
        model.set(key, i);
      }
      if (i % 997 === 0) {
        for (const [k, v] of model) expect(map.get(k)).toBe(v);
      }
      expect(map.size).toBe(model.size);
    }
    for (const [k, v] of model) expect(map.get(k)).toBe(v);
    expect(map.get(123_456_789)).toBe(-1);
    expect(map.delete(123_456_789)).toBe(false);
    let seen = 0;
    map.forEach((k, v) => {
      expect(model.get(k)).toBe(v);
      seen++;
    });
    expect(seen).toBe(model.size);
  });

  it("handles the largest safe integer id", () => {
    const map = new IdMap();
    map.insert(Number.MAX_SAFE_INTEGER, 3);
    map.insert(0, 4);
    expect(map.get(Number.MAX_SAFE_INTEGER)).toBe(3);
    expect(map.get(0)).toBe(4);
  });
});
