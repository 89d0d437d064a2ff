/**
 * The set of non-empty price levels as a two-level bitset: one bit per level and one summary bit
 * per 32-level word. Finding the next non-empty level above or below a price costs a few
 * `Math.clz32` calls, however sparse the book, without a tree or any allocation.
 *
 * @module
 */

/** A bitset over level indices [0, size) with fast next/previous-set-bit search. */
export class LevelSet {
  /** Number of levels. */
  readonly size: number;
  private readonly words: Int32Array;
  private readonly summary: Int32Array;

  constructor(size: number) {
    this.size = size;
    const nWords = (size + 31) >>> 5;
    this.words = new Int32Array(nWords);
    this.summary = new Int32Array((nWords + 31) >>> 5);
  }

  /** Marks level `i` non-empty. */
  add(i: number): void {
    const w = i >>> 5;
    this.words[w]! |= 1 << (i & 31);
    this.summary[w >>> 5]! |= 1 << (w & 31);
  }

  /** Marks level `i` empty. */
  remove(i: number): void {
    const w = i >>> 5;
    const bits = this.words[w]! & ~(1 << (i & 31));
    this.words[w] = bits;
    if (bits === 0) this.summary[w >>> 5]! &= ~(1 << (w & 31));
  }

  /** Whether level `i` is non-empty. */
  has(i: number): boolean {
    return (this.words[i >>> 5]! & (1 << (i & 31))) !== 0;
  }

  /** The highest non-empty level ≤ `i`, or -1. */
  prev(i: number): number {
    if (i < 0) return -1;
    if (i >= this.size) i = this.size - 1;
    let w = i >>> 5;
    const bits = this.words[w]! & (-1 >>> (31 - (i & 31)));
    if (bits !== 0) return (w << 5) + 31 - Math.clz32(bits);
    w--;
    if (w < 0) return -1;
    let sw = w >>> 5;
    let sbits = this.summary[sw]! & (-1 >>> (31 - (w & 31)));
    while (sbits === 0) {
      if (--sw < 0) return -1;
      sbits = this.summary[sw]!;
    }
    w = (sw << 5) + 31 - Math.clz32(sbits);
    return (w << 5) + 31 - Math.clz32(this.words[w]!);
  }

  /** The lowest non-empty level ≥ `i`, or `size` when there is none. */
  next(i: number): number {
    if (i >= this.size) return this.size;
    if (i < 0) i = 0;
    let w = i >>> 5;
    const bits = this.words[w]! & (-1 << (i & 31));
    if (bits !== 0) return (w << 5) + ctz(bits);
    w++;
    let sw = w >>> 5;
    if (sw >= this.summary.length) return this.size;
    let sbits = (w & 31) === 0 ? this.summary[sw]! : this.summary[sw]! & (-1 << (w & 31));
    while (sbits === 0) {
      if (++sw >= this.summary.length) return this.size;
      sbits = this.summary[sw]!;
    }
    w = (sw << 5) + ctz(sbits);
    return (w << 5) + ctz(this.words[w]!);
  }
}

function ctz(x: number): number {
  return 31 - Math.clz32(x & -x);
}
