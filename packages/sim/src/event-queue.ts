/**
 * The kernel's single priority queue: a binary min-heap of pool handles ordered by
 * (time, sequence). The sequence number is the order in which items were scheduled, so two
 * items at the same nanosecond always run in the same order, run after run.
 *
 * @module
 */

import { grown } from "@cascade/core";
import type { MessagePool } from "./messages.ts";

/** Min-heap of {@link MessagePool} handles by (time, seq). */
export class EventQueue {
  private heap: Int32Array;
  /** Number of queued items. */
  size = 0;
  private readonly pool: MessagePool;

  constructor(pool: MessagePool, capacity = 1024) {
    this.pool = pool;
    this.heap = new Int32Array(capacity);
  }

  /** Time of the earliest item (Infinity when empty). */
  peekTime(): number {
    return this.size === 0 ? Number.POSITIVE_INFINITY : this.pool.time[this.heap[0]!]!;
  }

  /** Queues handle `h` (its time and seq must be set). */
  push(h: number): void {
    if (this.size === this.heap.length) {
      this.heap = grown(this.heap, this.heap.length * 2);
    }
    let i = this.size++;
    const heap = this.heap;
    const time = this.pool.time;
    const seq = this.pool.seq;
    const t = time[h]!;
    const s = seq[h]!;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const hp = heap[p]!;
      const tp = time[hp]!;
      if (tp < t || (tp === t && seq[hp]! < s)) break;
      heap[i] = hp;
      i = p;
    }
    heap[i] = h;
  }

  /** Removes and returns the earliest handle (-1 when empty). */
  pop(): number {
    if (this.size === 0) return -1;
    const heap = this.heap;
    const top = heap[0]!;
    const last = heap[--this.size]!;
    const n = this.size;
    if (n > 0) {
      const time = this.pool.time;
      const seq = this.pool.seq;
      const t = time[last]!;
      const s = seq[last]!;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= n) break;
        let c = l;
        const r = l + 1;
        if (r < n) {
          const hl = heap[l]!;
          const hr = heap[r]!;
          const tl = time[hl]!;
          const tr = time[hr]!;
          if (tr < tl || (tr === tl && seq[hr]! < seq[hl]!)) c = r;
        }
        const hc = heap[c]!;
        const tc = time[hc]!;
        if (t < tc || (t === tc && s < seq[hc]!)) break;
        heap[i] = hc;
        i = c;
      }
      heap[i] = last;
    }
    return top;
  }
}
