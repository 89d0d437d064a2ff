/**
 * Branded integer units. Every quantity that crosses a package boundary carries its unit in its
 * type, so a price in ticks cannot be passed where a quantity in lots is expected. At run time
 * they are plain JavaScript numbers holding safe integers (|x| ≤ 2^53 − 1).
 *
 * @module
 */

import { ConfigError } from "./errors.ts";

/** A price in ticks of the instrument (integer). */
export type Ticks = number & { readonly __unit: "ticks" };
/** A quantity in lots of the instrument (integer). */
export type Lots = number & { readonly __unit: "lots" };
/** An amount of the quote currency in its smallest unit (integer), e.g. 10^-4 USDT. */
export type QuoteUnits = number & { readonly __unit: "quote" };
/** A simulated time or duration in integer nanoseconds. Exact up to 2^53 ns ≈ 104 days. */
export type Nanos = number & { readonly __unit: "nanos" };

function checkInteger(field: string, value: number): void {
  if (!Number.isSafeInteger(value)) {
    throw new ConfigError(field, value, "must be a safe integer");
  }
}

/**
 * Brands an integer as a price in ticks.
 * @throws {@link ConfigError} when `value` is not a safe integer.
 * @example `const p = ticks(700_000); // $70,000.0 at a 0.1 tick`
 */
export function ticks(value: number): Ticks {
  checkInteger("ticks", value);
  return value as Ticks;
}

/**
 * Brands an integer as a quantity in lots.
 * @throws {@link ConfigError} when `value` is not a safe integer.
 */
export function lots(value: number): Lots {
  checkInteger("lots", value);
  return value as Lots;
}

/**
 * Brands an integer as an amount in quote units.
 * @throws {@link ConfigError} when `value` is not a safe integer.
 */
export function quoteUnits(value: number): QuoteUnits {
  checkInteger("quoteUnits", value);
  return value as QuoteUnits;
}

/**
 * Brands an integer as nanoseconds.
 * @throws {@link ConfigError} when `value` is not a safe integer.
 */
export function nanos(value: number): Nanos {
  checkInteger("nanos", value);
  return value as Nanos;
}

/** Nanoseconds in one microsecond. */
export const NS_PER_US = 1_000;
/** Nanoseconds in one millisecond. */
export const NS_PER_MS = 1_000_000;
/** Nanoseconds in one second. */
export const NS_PER_SECOND = 1_000_000_000;
/** Nanoseconds in one minute. */
export const NS_PER_MINUTE = 60 * NS_PER_SECOND;
/** Nanoseconds in one hour. */
export const NS_PER_HOUR = 60 * NS_PER_MINUTE;

/** A duration of `n` milliseconds in nanoseconds (rounded to the nearest nanosecond). */
export function milliseconds(n: number): Nanos {
  return Math.round(n * NS_PER_MS) as Nanos;
}

/** A duration of `n` seconds in nanoseconds (rounded to the nearest nanosecond). */
export function seconds(n: number): Nanos {
  return Math.round(n * NS_PER_SECOND) as Nanos;
}

/** A duration of `n` minutes in nanoseconds (rounded to the nearest nanosecond). */
export function minutes(n: number): Nanos {
  return Math.round(n * NS_PER_MINUTE) as Nanos;
}

/** A duration of `n` hours in nanoseconds (rounded to the nearest nanosecond). */
export function hours(n: number): Nanos {
  return Math.round(n * NS_PER_HOUR) as Nanos;
}

/**
 * Formats a simulated time as `HH:MM:SS.mmm` (days prefixed as `Nd ` when ≥ 24 h), for logs and reports.
 * @example `formatNanos(hours(25) + seconds(1.5)) // "1d 01:00:01.500"`
 */
export function formatNanos(t: number): string {
  const sign = t < 0 ? "-" : "";
  let rest = Math.abs(t);
  const days = Math.floor(rest / (24 * NS_PER_HOUR));
  rest -= days * 24 * NS_PER_HOUR;
  const h = Math.floor(rest / NS_PER_HOUR);
  rest -= h * NS_PER_HOUR;
  const m = Math.floor(rest / NS_PER_MINUTE);
  rest -= m * NS_PER_MINUTE;
  const s = Math.floor(rest / NS_PER_SECOND);
  rest -= s * NS_PER_SECOND;
  const ms = Math.floor(rest / NS_PER_MS);
  const pad = (x: number, w = 2) => String(x).padStart(w, "0");
  return `${sign}${days > 0 ? `${days}d ` : ""}${pad(h)}:${pad(m)}:${pad(s)}.${pad(ms, 3)}`;
}
