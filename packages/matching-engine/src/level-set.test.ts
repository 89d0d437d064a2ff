import { streams } from "@cascade/core";
import { describe, expect, it } from "vitest";
import { LevelSet } from "./level-set.ts";

function naivePrev(bits: boolean[], i: number): number {
  for (let j = Math.min(i, bits.length - 1); j >= 0; j--) if (bits[j]) return j;
  return -1;
}

function naiveNext(bits: boolean[], i: number): number {
  for (let j = Math.max(i, 0); j < bits.length; j++) if (bits[j]) return j;
  return bits.length;
}

describe("LevelSet", () => {
  it.each([1, 31, 32, 33, 1024, 1025, 5000, 70_001])(
    "finds next and previous set levels like a scan (size %d)",
    (size) => {
      const rng = streams(5, size).get("level-set");
      const set = new LevelSet(size);
      const bits = new Array<boolean>(size).fill(false);
      for (let step = 0; step < 4000; step++) {
        const i = rng.int(size);
        if (rng.bernoulli(0.5)) {
          set.add(i);
          bits[i] = true;
        } else {
          set.remove(i);
          bits[i] = false;
        }
        const q = rng.intBetween(-2, size + 2);
        expect(set.prev(q)).toBe(naivePrev(bits, q));
        expect(set.next(q)).toBe(naiveNext(bits, q));
        expect(set.has(i)).toBe(bits[i]);
      }
    },
  );

  it("finds far-apart levels across many empty summary words", () => {
    const set = new LevelSet(2_000_000);
    set.add(3);
    set.add(1_999_998);
    expect(set.next(4)).toBe(1_999_998);
    expect(set.prev(1_999_997)).toBe(3);
    expect(set.next(1_999_999)).toBe(2_000_000);
    expect(set.prev(2)).toBe(-1);
  });
});
