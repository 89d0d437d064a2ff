import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { EventQueue } from "./event-queue.ts";
import { MessagePool } from "./messages.ts";

/** Schedules one item per time in `times` (seq = order of scheduling) and pops them all. */
function replay(times: readonly number[], capacity: number): { time: number; seq: number }[] {
  const pool = new MessagePool(capacity);
  const queue = new EventQueue(pool, capacity);
  times.forEach((t, seq) => {
    const h = pool.alloc();
    pool.time[h] = t;
    pool.seq[h] = seq;
    queue.push(h);
  });
  const out: { time: number; seq: number }[] = [];
  expect(queue.size).toBe(times.length);
  while (queue.size > 0) {
    const t = queue.peekTime();
    const h = queue.pop();
    expect(pool.time[h]).toBe(t);
    out.push({ time: pool.time[h]!, seq: pool.seq[h]! });
    pool.free(h);
  }
  return out;
}

describe("EventQueue (the kernel's heap)", () => {
  it("pops by time, and items of the same nanosecond in the order they were scheduled", () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 50 }), { maxLength: 300 }),
        fc.integer({ min: 1, max: 8 }),
        (times, capacity) => {
          const out = replay(times, capacity);
          const expected = times
            .map((time, seq) => ({ time, seq }))
            .sort((a, b) => a.time - b.time || a.seq - b.seq);
          expect(out).toEqual(expected);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("interleaves pushes and pops as a priority queue would (growing past its capacity)", () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.integer({ min: 0, max: 1_000 }), fc.constant(-1)), { maxLength: 400 }),
        (ops) => {
          const pool = new MessagePool(2);
          const queue = new EventQueue(pool, 2);
          const model: { time: number; seq: number }[] = [];
          let seq = 0;
          for (const op of ops) {
            if (op >= 0) {
              const h = pool.alloc();
              pool.time[h] = op;
              pool.seq[h] = seq;
              model.push({ time: op, seq: seq++ });
              queue.push(h);
            } else {
              model.sort((a, b) => a.time - b.time || a.seq - b.seq);
              const want = model.shift();
              const h = queue.pop();
              if (want === undefined) {
                expect(h).toBe(-1);
                expect(queue.peekTime()).toBe(Number.POSITIVE_INFINITY);
              } else {
                expect({ time: pool.time[h], seq: pool.seq[h] }).toEqual(want);
                pool.free(h);
              }
            }
            expect(queue.size).toBe(model.length);
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});
