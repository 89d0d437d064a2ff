/**
 * A dense set of account ids with O(1) add, remove and membership, iterable in a deterministic
 * order. The venue keeps one for accounts holding longs and one for shorts, so funding and
 * auto-deleveraging visit only accounts with positions, never all 10^6.
 *
 * @module
 */

import { grown } from "@cascade/core";
/** Set of non-negative integer ids on typed arrays. Iteration order: insertion order, perturbed by removals (swap-with-last). */
export class AccountSet {
  private items: Int32Array;
  private index: Int32Array;
  /** Number of members. */
  size = 0;

  constructor(capacity = 1024) {
    this.items = new Int32Array(Math.max(16, capacity));
    this.index = new Int32Array(Math.max(16, capacity)).fill(-1);
  }

  /** Whether `id` is a member. */
  has(id: number): boolean {
    return id < this.index.length && this.index[id]! >= 0;
  }

  /** Adds `id` (no-op when present). */
  add(id: number): void {
    if (id >= this.index.length) {
      this.index = grown(this.index, Math.max(id + 1, this.index.length * 2), -1);
    }
    if (this.index[id]! >= 0) return;
    if (this.size === this.items.length) {
      this.items = grown(this.items, this.items.length * 2);
    }
    this.items[this.size] = id;
    this.index[id] = this.size++;
  }

  /** Removes `id` (no-op when absent). */
  delete(id: number): void {
    if (id >= this.index.length) return;
    const i = this.index[id]!;
    if (i < 0) return;
    const last = this.items[--this.size]!;
    this.items[i] = last;
    this.index[last] = i;
    this.index[id] = -1;
  }

  /** The member at position `i` (0 ≤ i < size). */
  at(i: number): number {
    return this.items[i]!;
  }

  /** A copy of the members, sorted ascending (allocates). */
  sorted(): Int32Array {
    return this.items.slice(0, this.size).sort();
  }
}
