/**
 * An open-addressing hash map from order ids (non-negative safe integers) to slots (int32),
 * built on typed arrays: no allocation per insert or delete, unlike `Map`, whose entries are
 * heap objects and whose deletions leave tombstones until a rehash.
 *
 * Linear probing with backward-shift deletion keeps probe sequences short without tombstones.
 *
 * @module
 */

const EMPTY = -1;

/** Order id → slot. Keys must be non-negative safe integers. */
export class IdMap {
  private keys: Float64Array;
  private values: Int32Array;
  private mask: number;
  /** Number of entries. */
  size = 0;

  constructor(initialCapacity = 1024) {
    let cap = 16;
    while (cap < initialCapacity * 2) cap *= 2;
    this.keys = new Float64Array(cap).fill(EMPTY);
    this.values = new Int32Array(cap);
    this.mask = cap - 1;
  }

  private hash(key: number): number {
    // Mix the low and high 32 bits: ids are often sequential, so a plain modulo would cluster.
    let h = (key | 0) ^ Math.imul((key / 4294967296) | 0, 0x85ebca6b);
    h = Math.imul(h ^ (h >>> 16), 0x7feb352d);
    h = Math.imul(h ^ (h >>> 15), 0x846ca68b);
    return (h ^ (h >>> 16)) & this.mask;
  }

  /** The slot stored for `key`, or -1. */
  get(key: number): number {
    const keys = this.keys;
    let i = this.hash(key);
    for (;;) {
      const k = keys[i]!;
      if (k === key) return this.values[i]!;
      if (k === EMPTY) return -1;
      i = (i + 1) & this.mask;
    }
  }

  /** Stores `key → value`; `key` must not be present. */
  insert(key: number, value: number): void {
    if ((this.size + 1) * 2 > this.keys.length) this.resize(this.keys.length * 2);
    const keys = this.keys;
    let i = this.hash(key);
    while (keys[i] !== EMPTY) i = (i + 1) & this.mask;
    keys[i] = key;
    this.values[i] = value;
    this.size++;
  }

  /** Removes `key` if present; returns whether it was. */
  delete(key: number): boolean {
    const keys = this.keys;
    const values = this.values;
    const mask = this.mask;
    let i = this.hash(key);
    for (;;) {
      const k = keys[i]!;
      if (k === key) break;
      if (k === EMPTY) return false;
      i = (i + 1) & mask;
    }
    // Backward-shift: pull later entries of the probe run into the hole when their home allows.
    let hole = i;
    let j = i;
    for (;;) {
      j = (j + 1) & mask;
      const k = keys[j]!;
      if (k === EMPTY) break;
      const home = this.hash(k);
      // Move k into the hole if its home is not cyclically in (hole, j].
      const inRange = hole <= j ? home > hole && home <= j : home > hole || home <= j;
      if (!inRange) {
        keys[hole] = k;
        values[hole] = values[j]!;
        hole = j;
      }
    }
    keys[hole] = EMPTY;
    this.size--;
    return true;
  }

  /** Calls `fn(key, value)` for every entry, in table order (unspecified but deterministic). */
  forEach(fn: (key: number, value: number) => void): void {
    for (let i = 0; i < this.keys.length; i++) {
      const k = this.keys[i]!;
      if (k !== EMPTY) fn(k, this.values[i]!);
    }
  }

  private resize(capacity: number): void {
    const oldKeys = this.keys;
    const oldValues = this.values;
    this.keys = new Float64Array(capacity).fill(EMPTY);
    this.values = new Int32Array(capacity);
    this.mask = capacity - 1;
    this.size = 0;
    for (let i = 0; i < oldKeys.length; i++) {
      const k = oldKeys[i]!;
      if (k !== EMPTY) this.insert(k, oldValues[i]!);
    }
  }
}
