/**
 * A fast 64-bit fingerprint of numeric columns (two FNV-1a lanes over the raw bytes), so a whole
 * run's trace can be compared across seeds, worker counts and resumes by one string.
 *
 * @module
 */

/** Incremental hash over typed arrays and strings. */
export class TraceHasher {
  private h1 = 0x811c9dc5;
  private h2 = 0x050c5d1f;

  /** Mixes the bytes of `data` (its current view) into the hash. */
  update(data: ArrayBufferView): this {
    const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    let h1 = this.h1;
    let h2 = this.h2;
    for (let i = 0; i < bytes.length; i++) {
      const b = bytes[i]!;
      h1 = Math.imul(h1 ^ b, 0x01000193);
      h2 = Math.imul(h2 ^ b, 0x01000193) ^ (h1 >>> 15);
    }
    this.h1 = h1;
    this.h2 = h2;
    return this;
  }

  /** Mixes a string (UTF-16 code units) into the hash. */
  updateString(text: string): this {
    let h1 = this.h1;
    let h2 = this.h2;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      h1 = Math.imul(h1 ^ c, 0x01000193);
      h2 = Math.imul(h2 ^ c, 0x01000193) ^ (h1 >>> 15);
    }
    this.h1 = h1;
    this.h2 = h2;
    return this;
  }

  /** The hash as 16 hex digits. */
  digest(): string {
    return (this.h1 >>> 0).toString(16).padStart(8, "0") + (this.h2 >>> 0).toString(16).padStart(8, "0");
  }
}
