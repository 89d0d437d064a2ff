/**
 * Exact integer arithmetic on safe integers for money. `amount × rate / scale` overflows 2^53
 * long before the result does (a 10^11-unit notional times a 10^6-ppm rate), so these helpers
 * split the product to stay exact without bigint on the common path.
 *
 * @module
 */

import { InvariantError } from "./errors.ts";

/** Parts per million: rates such as maintenance-margin ratios and fees are integers in ppm. */
export const PPM = 1_000_000;

const SAFE = Number.MAX_SAFE_INTEGER;

/**
 * `floor(a × b / c)` exactly, for safe integers `a` (any sign), `b ≥ 0`, `c > 0`.
 * Exact whenever the result is a safe integer; falls back to bigint when `b × c ≥ 2^53`.
 * @example `mulDivFloor(700_000_000_000, 5_000, PPM) // 3_500_000_000 (0.5 % of 70 M units)`
 */
export function mulDivFloor(a: number, b: number, c: number): number {
  if (b * c > SAFE) return bigMulDiv(a, b, c, false);
  // a = q·c + r with 0 ≤ r < c, so a·b/c = q·b + r·b/c and r·b < c·b ≤ 2^53.
  const q = Math.floor(a / c);
  const r = a - q * c;
  return q * b + Math.floor((r * b) / c);
}

/** `ceil(a × b / c)` exactly; same domain as {@link mulDivFloor}. */
export function mulDivCeil(a: number, b: number, c: number): number {
  // `+ 0` turns −0 into 0, so results compare equal with Object.is as well.
  return -mulDivFloor(-a, b, c) + 0;
}

/** `round(a × b / c)` with halves rounded up (toward +∞); same domain as {@link mulDivFloor}. */
export function mulDivRound(a: number, b: number, c: number): number {
  // floor(a·b/c + 1/2) = floor((2ab + c) / 2c)
  const f = mulDivFloor(a, b, c);
  const remTwice = 2 * mulRemainder(a, b, c);
  return remTwice >= c ? f + 1 : f;
}

/** `(a × b) mod c` in [0, c), exact; same domain as {@link mulDivFloor}. */
function mulRemainder(a: number, b: number, c: number): number {
  if (b * c > SAFE) {
    const r = (BigInt(a) * BigInt(b)) % BigInt(c);
    return Number(r < 0n ? r + BigInt(c) : r);
  }
  const q = Math.floor(a / c);
  const r = a - q * c;
  return (r * b) % c;
}

/** `floor(a / b)` for integers, b > 0 (JavaScript's `/` then `Math.floor` is exact for safe integers). */
export function floorDiv(a: number, b: number): number {
  return Math.floor(a / b);
}

/** `ceil(a / b)` for integers, b > 0. */
export function ceilDiv(a: number, b: number): number {
  return Math.ceil(a / b);
}

function bigMulDiv(a: number, b: number, c: number, _ceil: boolean): number {
  const n = BigInt(a) * BigInt(b);
  const d = BigInt(c);
  let q = n / d;
  if (n % d !== 0n && n < 0n) q -= 1n; // floor for negatives
  const out = Number(q);
  if (!Number.isSafeInteger(out)) throw new InvariantError(`mulDiv(${a}, ${b}, ${c}) overflows 2^53`);
  return out;
}
