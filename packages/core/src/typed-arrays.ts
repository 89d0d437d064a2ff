/**
 * Growing struct-of-arrays columns. Every hot-path structure in cascade (order slots, accounts,
 * event buffers, logs, the kernel's item pool) keeps its data in typed arrays and grows them by
 * doubling, so steady state allocates nothing; this is the one copy of that step.
 *
 * @module
 */

/** Any typed array a column may use. */
export type NumericArray =
  | Float64Array
  | Float32Array
  | Int32Array
  | Uint32Array
  | Int16Array
  | Uint16Array
  | Int8Array
  | Uint8Array;

/**
 * A new array of the same type and length `n` (≥ `a.length`) holding `a`'s values first; the rest
 * is `fill` (default 0).
 * @example `col = grown(col, col.length * 2)`
 */
export function grown<T extends NumericArray>(a: T, n: number, fill = 0): T {
  const b = new (a.constructor as new (n: number) => T)(n);
  if (fill !== 0) b.fill(fill);
  b.set(a);
  return b;
}
