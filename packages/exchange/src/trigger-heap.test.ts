import { streams } from "@cascade/core";
import { describe, expect, it } from "vitest";
import { TriggerHeap } from "./trigger-heap.ts";

describe("TriggerHeap", () => {
  it("pops accounts in (key, account) order after random sets, updates and removes", () => {
    const rng = streams(3, 0).get("heap");
    const heap = new TriggerHeap(4);
    const model = new Map<number, number>();
    for (let step = 0; step < 20_000; step++) {
      const account = rng.int(500);
      const r = rng.next();
      if (r < 0.6) {
        const key = rng.int(100);
        heap.set(account, key);
        model.set(account, key);
      } else if (r < 0.9) {
        heap.remove(account);
        model.delete(account);
      } else if (model.size > 0) {
        const expected = [...model.entries()].sort((a, b) => a[1] - b[1] || a[0] - b[0])[0]!;
        expect(heap.topKey()).toBe(expected[1]);
        expect(heap.pop()).toBe(expected[0]);
        model.delete(expected[0]);
      }
      expect(heap.size).toBe(model.size);
      if (step % 500 === 0) heap.check();
    }
    const order = [...model.entries()].sort((a, b) => a[1] - b[1] || a[0] - b[0]).map(([a]) => a);
    const popped: number[] = [];
    while (heap.size > 0) popped.push(heap.pop());
    expect(popped).toEqual(order);
    expect(heap.pop()).toBe(-1);
    expect(heap.topKey()).toBeNaN();
  });

  it("reports membership and keys, and clears", () => {
    const heap = new TriggerHeap();
    heap.set(5000, 3);
    expect(heap.has(5000)).toBe(true);
    expect(heap.keyOf(5000)).toBe(3);
    expect(heap.has(4)).toBe(false);
    heap.clear();
    expect(heap.size).toBe(0);
    expect(heap.has(5000)).toBe(false);
  });
});
