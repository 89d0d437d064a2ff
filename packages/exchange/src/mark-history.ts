/**
 * The recent marks of a perpetual venue, a fixed ring buffer filled at every mark update: what the
 * circuit breaker and the dynamic-maintenance policy read (no allocation per update).
 *
 * @module
 */

/** Marks (ticks) and their times (ns), newest last; holds at most `capacity` of them. */
export class MarkHistory {
  private readonly marks: Float64Array;
  private readonly times: Float64Array;
  private head = 0;
  /** Marks held (≤ capacity). */
  count = 0;

  /** @param capacity marks kept (the longest window any policy reads ÷ the mark interval, plus 2). */
  constructor(capacity: number) {
    this.marks = new Float64Array(capacity);
    this.times = new Float64Array(capacity);
  }

  /** Most marks the buffer holds. */
  get capacity(): number {
    return this.marks.length;
  }

  /** Appends a mark taken at `timeNs`, dropping the oldest when full. */
  push(timeNs: number, markTicks: number): void {
    const len = this.marks.length;
    if (len === 0) return;
    this.marks[this.head] = markTicks;
    this.times[this.head] = timeNs;
    this.head = (this.head + 1) % len;
    if (this.count < len) this.count++;
  }

  /** The `k`-th newest mark, ticks (k = 0 is the newest; k < count). */
  markAt(k: number): number {
    return this.marks[this.slot(k)]!;
  }

  /** Time of the `k`-th newest mark, ns. */
  timeAt(k: number): number {
    return this.times[this.slot(k)]!;
  }

  /** Forgets every mark (a breaker that tripped must not trip again on the same move). */
  clear(): void {
    this.count = 0;
  }

  private slot(k: number): number {
    const len = this.marks.length;
    return (this.head - 1 - k + 2 * len) % len;
  }
}
