/**
 * Order id → slot for the book: a direct-mapped table indexed by the id itself (modulo its size),
 * backed by the {@link IdMap} hash for the ids the table cannot hold.
 *
 * Why: a simulator numbers its orders 1, 2, 3…, so the live orders' ids lie in a window that
 * slides forward. Indexed by `id mod size`, such ids never meet, and lookup, insert and delete
 * are one array access each, with no hashing and no probing. An id whose entry is taken by a
 * live older order (a long-lived order a whole table size behind) goes to the hash; so do ids
 * chosen outside the simulator, which land on taken entries as often as the table is full. When
 * the hash holds more than an eighth of the ids, the table doubles (up to 16 entries per id held
 * and {@link MAX_DIRECT_SIZE}) and takes them back: amortised O(1), and rare once the table spans
 * the live ids. What the hash costs where it is used is measured by the `sparse-ids` stream of
 * `pnpm bench matching`.
 *
 * @module
 */

import { IdMap } from "./id-map.ts";

const NONE = -1;
/** Largest direct table, in entries (12 bytes each): beyond it, colliding ids stay in the hash. */
export const MAX_DIRECT_SIZE = 2 ** 22;

/** Order id (non-negative safe integer) → slot (int32). */
export class IdIndex {
  /** Slot of the id held at each entry, or -1. */
  private slot: Int32Array;
  /** The id held at each entry, or -1 (no id is negative, so a free entry never matches). */
  private id: Float64Array;
  private mask: number;
  private overflow: IdMap;
  /** Number of ids held. */
  size = 0;

  /** `initialSize` entries, rounded up to a power of two. */
  constructor(initialSize = 4096) {
    let n = 16;
    while (n < initialSize && n < MAX_DIRECT_SIZE) n *= 2;
    this.slot = new Int32Array(n).fill(NONE);
    this.id = new Float64Array(n).fill(NONE);
    this.mask = n - 1;
    this.overflow = new IdMap(16);
  }

  /** Entries in the direct table. */
  get directSize(): number {
    return this.mask + 1;
  }

  /** Ids held in the hash rather than the direct table. */
  get overflowSize(): number {
    return this.overflow.size;
  }

  /** The slot of `key`, or -1. */
  get(key: number): number {
    // `&` takes the id modulo 2^32 exactly (ToInt32), then modulo the power-of-two size.
    const e = key & this.mask;
    if (this.id[e] === key) return this.slot[e]!;
    return this.overflow.size === 0 ? NONE : this.overflow.get(key);
  }

  /** Stores `key → value`; `key` must not be present. */
  insert(key: number, value: number): void {
    this.place(key, value);
    if (this.overflow.size * 8 > this.size && this.mask + 1 < this.growthLimit()) this.grow();
  }

  /** Removes `key` if present; returns whether it was. */
  delete(key: number): boolean {
    const e = key & this.mask;
    if (this.id[e] === key) {
      this.id[e] = NONE;
      this.slot[e] = NONE;
    } else if (this.overflow.size === 0 || !this.overflow.delete(key)) {
      return false;
    }
    this.size--;
    return true;
  }

  /**
   * No growth beyond 16 entries per id held: ids that collide even then (all multiples of a
   * large power of two, say) would not be helped by a larger table, only cost its memory.
   */
  private growthLimit(): number {
    return Math.min(MAX_DIRECT_SIZE, 16 * this.size);
  }

  /** Doubles the direct table and moves every id into it that fits. */
  private grow(): void {
    const oldSlot = this.slot;
    const oldId = this.id;
    const oldOverflow = this.overflow;
    const n = (this.mask + 1) * 2;
    this.slot = new Int32Array(n).fill(NONE);
    this.id = new Float64Array(n).fill(NONE);
    this.mask = n - 1;
    this.overflow = new IdMap(16);
    this.size = 0;
    for (let e = 0; e < oldId.length; e++) {
      if (oldId[e] !== NONE) this.place(oldId[e]!, oldSlot[e]!);
    }
    oldOverflow.forEach((key, value) => {
      this.place(key, value);
    });
  }

  /** {@link insert} without the growth check. */
  private place(key: number, value: number): void {
    const e = key & this.mask;
    if (this.id[e] === NONE) {
      this.id[e] = key;
      this.slot[e] = value;
    } else {
      this.overflow.insert(key, value);
    }
    this.size++;
  }
}
