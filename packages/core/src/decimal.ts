/**
 * Exact decimal parsing for the edges of the system (configs, reports). Values are held as
 * `mantissa / 10^scale` with a bigint mantissa, so "0.1" is exactly one tenth.
 *
 * @module
 */

import { ConfigError } from "./errors.ts";

/** An exact decimal: `mantissa / 10^scale`. */
export interface Decimal {
  /** The digits as an integer. */
  readonly mantissa: bigint;
  /** Number of digits after the decimal point (≥ 0). */
  readonly scale: number;
}

const DECIMAL_RE = /^([+-])?(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/;

/**
 * Parses a decimal string (or a finite number, via its shortest round-trip representation)
 * exactly. `field` names the input in the error.
 * @throws {@link ConfigError} on anything that is not a finite decimal.
 * @example `parseDecimal("tickSize", "0.10") // { mantissa: 10n, scale: 2 }`
 */
export function parseDecimal(field: string, input: string | number): Decimal {
  if (typeof input === "number" && !Number.isFinite(input)) {
    throw new ConfigError(field, input, "must be a finite decimal number");
  }
  const text = typeof input === "number" ? String(input) : input.trim();
  const m = DECIMAL_RE.exec(text);
  if (!m) throw new ConfigError(field, input, "must be a decimal number such as 70000.5");
  const sign = m[1] === "-" ? -1n : 1n;
  const intPart = m[2]!;
  const frac = m[3] ?? "";
  const exp = m[4] ? Number(m[4]) : 0;
  let mantissa = BigInt(intPart + frac) * sign;
  let scale = frac.length - exp;
  if (scale < 0) {
    mantissa *= 10n ** BigInt(-scale);
    scale = 0;
  }
  return { mantissa, scale };
}

/** `10^n` as a bigint. */
export function pow10(n: number): bigint {
  return 10n ** BigInt(n);
}

/** Brings `d` to `scale` (≥ d.scale) without loss. */
export function rescale(d: Decimal, scale: number): bigint {
  return d.mantissa * pow10(scale - d.scale);
}

/**
 * Formats `value / 10^scale` exactly, with exactly `scale` digits after the point.
 * @example `formatScaled(7000015n, 2) // "70000.15"`
 */
export function formatScaled(value: bigint, scale: number): string {
  const neg = value < 0n;
  const abs = neg ? -value : value;
  if (scale === 0) return `${neg ? "-" : ""}${abs}`;
  const s = abs.toString().padStart(scale + 1, "0");
  return `${neg ? "-" : ""}${s.slice(0, s.length - scale)}.${s.slice(s.length - scale)}`;
}

/** Rounding of a value that is not on the grid. `exact` refuses it. */
export type Rounding = "exact" | "nearest" | "down" | "up";

/**
 * `numerator / denominator` as a bigint with the given rounding (denominator > 0).
 * `exact` returns `undefined` when the division leaves a remainder.
 */
export function divRound(numerator: bigint, denominator: bigint, rounding: Rounding): bigint | undefined {
  let q = numerator / denominator;
  const r = numerator % denominator;
  if (r === 0n) return q;
  if (rounding === "exact") return undefined;
  // bigint division truncates toward zero; turn it into floor first.
  if (r < 0n) q -= 1n;
  const rem = numerator - q * denominator; // 0 < rem < denominator
  if (rounding === "down") return q;
  if (rounding === "up") return q + 1n;
  return 2n * rem >= denominator ? q + 1n : q;
}
