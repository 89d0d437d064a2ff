/**
 * An indexed binary min-heap of (key, account) pairs on typed arrays: at most one entry per
 * account, O(log n) insert/update/remove, O(1) peek. It is what keeps liquidation triggers at
 * O(log n) per position change and O(1) per mark update that fires nothing, for 10^6 accounts.
 *
 * Ties on `key` are broken by the smaller account id, so the pop order is deterministic.
 *
 * @module
 */

import { grown } from "@cascade/core";
/** Indexed min-heap: one entry per account. Longs store −trigger so the highest trigger is on top. */
export class TriggerHeap {
  private keys: Float64Array;
  private accounts: Int32Array;
  /** Heap position of each account, or -1. */
  private pos: Int32Array;
  /** Number of entries. */
  size = 0;

  constructor(accountCapacity = 1024) {
    this.keys = new Float64Array(Math.max(16, accountCapacity));
    this.accounts = new Int32Array(Math.max(16, accountCapacity));
    this.pos = new Int32Array(Math.max(16, accountCapacity)).fill(-1);
  }

  /** Whether `account` has an entry. */
  has(account: number): boolean {
    return account < this.pos.length && this.pos[account]! >= 0;
  }

  /** The key stored for `account` (NaN when absent). */
  keyOf(account: number): number {
    const p = account < this.pos.length ? this.pos[account]! : -1;
    return p < 0 ? Number.NaN : this.keys[p]!;
  }

  /** Smallest key (NaN when empty). */
  topKey(): number {
    return this.size > 0 ? this.keys[0]! : Number.NaN;
  }

  /** Account with the smallest key (-1 when empty). */
  topAccount(): number {
    return this.size > 0 ? this.accounts[0]! : -1;
  }

  /** Inserts `account` with `key`, or moves it to `key` when present. */
  set(account: number, key: number): void {
    if (account >= this.pos.length) this.growAccounts(account + 1);
    const p = this.pos[account]!;
    if (p < 0) {
      if (this.size === this.keys.length) this.growHeap();
      const i = this.size++;
      this.keys[i] = key;
      this.accounts[i] = account;
      this.pos[account] = i;
      this.up(i);
    } else {
      const old = this.keys[p]!;
      this.keys[p] = key;
      if (key < old) this.up(p);
      else if (key > old) this.down(p);
    }
  }

  /** Removes `account`'s entry if any. */
  remove(account: number): void {
    const p = account < this.pos.length ? this.pos[account]! : -1;
    if (p < 0) return;
    const last = --this.size;
    this.pos[account] = -1;
    if (p === last) return;
    const moved = this.accounts[last]!;
    this.keys[p] = this.keys[last]!;
    this.accounts[p] = moved;
    this.pos[moved] = p;
    this.up(p);
    this.down(this.pos[moved]!);
  }

  /** Removes and returns the top account (-1 when empty). */
  pop(): number {
    if (this.size === 0) return -1;
    const a = this.accounts[0]!;
    this.remove(a);
    return a;
  }

  /** Removes every entry. O(size). */
  clear(): void {
    for (let i = 0; i < this.size; i++) this.pos[this.accounts[i]!] = -1;
    this.size = 0;
  }

  /** Checks the heap property and the index; throws on violation (tests only). */
  check(): void {
    for (let i = 0; i < this.size; i++) {
      if (this.pos[this.accounts[i]!] !== i) throw new Error(`heap index broken at ${i}`);
      const parent = (i - 1) >> 1;
      if (i > 0 && this.less(i, parent)) throw new Error(`heap order broken at ${i}`);
    }
  }

  private less(i: number, j: number): boolean {
    const ki = this.keys[i]!;
    const kj = this.keys[j]!;
    return ki < kj || (ki === kj && this.accounts[i]! < this.accounts[j]!);
  }

  private swap(i: number, j: number): void {
    const k = this.keys[i]!;
    const a = this.accounts[i]!;
    this.keys[i] = this.keys[j]!;
    this.accounts[i] = this.accounts[j]!;
    this.keys[j] = k;
    this.accounts[j] = a;
    this.pos[this.accounts[i]!] = i;
    this.pos[a] = j;
  }

  private up(i: number): void {
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(i, parent)) return;
      this.swap(i, parent);
      i = parent;
    }
  }

  private down(i: number): void {
    for (;;) {
      const l = 2 * i + 1;
      if (l >= this.size) return;
      const r = l + 1;
      const c = r < this.size && this.less(r, l) ? r : l;
      if (!this.less(c, i)) return;
      this.swap(i, c);
      i = c;
    }
  }

  private growHeap(): void {
    const n = this.keys.length * 2;
    this.keys = grown(this.keys, n);
    this.accounts = grown(this.accounts, n);
  }

  private growAccounts(min: number): void {
    this.pos = grown(this.pos, Math.max(min, this.pos.length * 2), -1);
  }
}
