import { streams } from "@cascade/core";
import { describe, expect, it } from "vitest";
import { IdIndex } from "./id-index.ts";

/** Drives an IdIndex and a Map with the same operations and compares them as it goes. */
function checkAgainstMap(index: IdIndex, nextKey: (i: number) => number, steps: number, keepShare: number) {
  const rng = streams(7, 0).get("id-index");
  const model = new Map<number, number>();
  const live: number[] = [];
  let peak = 0;
  for (let i = 0; i < steps; i++) {
    // Remove a random live id most of the time, so ids come and go like orders.
    if (live.length > 0 && rng.bernoulli(0.5)) {
      const pos = rng.int(live.length);
      const key = live[pos]!;
      live[pos] = live[live.length - 1]!;
      live.pop();
      if (!rng.bernoulli(keepShare)) {
        expect(index.delete(key)).toBe(true);
        model.delete(key);
        expect(index.get(key)).toBe(-1);
        continue;
      }
      // A long-lived id: stays in the index, just no longer a candidate for removal.
      continue;
    }
    const key = nextKey(i);
    if (model.has(key)) continue;
    expect(index.get(key)).toBe(-1);
    index.insert(key, i);
    model.set(key, i);
    live.push(key);
    peak = Math.max(peak, model.size);
    if (i % 499 === 0) for (const [k, v] of model) expect(index.get(k)).toBe(v);
    expect(index.size).toBe(model.size);
  }
  for (const [k, v] of model) expect(index.get(k)).toBe(v);
  expect(index.delete(-5)).toBe(false);
  return { model, peak };
}

describe("IdIndex", () => {
  it("keeps sequential ids in its direct table, long-lived ones included", () => {
    const index = new IdIndex(64);
    let n = 0;
    const { model } = checkAgainstMap(index, () => ++n, 60_000, 0.02);
    // The table grew to span the live ids, so (almost) nothing is left in the hash.
    expect(index.overflowSize * 8).toBeLessThanOrEqual(model.size);
  });

  it("behaves like a Map for ids scattered over the safe integers", () => {
    const rng = streams(8, 0).get("keys");
    const index = new IdIndex(16);
    checkAgainstMap(index, () => rng.int(2 ** 21) * 2 ** 32 + rng.int(2 ** 32), 40_000, 0.1);
    expect(index.overflowSize).toBeGreaterThan(0);
  });

  it("stops growing when ids collide whatever its size (multiples of 2^32)", () => {
    const index = new IdIndex(16);
    let n = 0;
    const { model, peak } = checkAgainstMap(index, () => ++n * 2 ** 32, 5_000, 0);
    // Every id has the same entry: all but at most one live in the hash, and the table stays
    // within 16 entries per id held at its fullest (doubling can overshoot by 2×).
    expect(index.overflowSize).toBeGreaterThanOrEqual(model.size - 1);
    expect(index.directSize).toBeLessThanOrEqual(32 * peak);
  });

  it("handles 0 and the largest safe integer", () => {
    const index = new IdIndex();
    index.insert(Number.MAX_SAFE_INTEGER, 3);
    index.insert(0, 4);
    expect(index.get(Number.MAX_SAFE_INTEGER)).toBe(3);
    expect(index.get(0)).toBe(4);
    expect(index.delete(0)).toBe(true);
    expect(index.get(0)).toBe(-1);
    expect(index.get(Number.MAX_SAFE_INTEGER)).toBe(3);
  });
});
