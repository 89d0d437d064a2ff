/**
 * Checks shared by the agents' hand-written config validation: each throws a `ConfigError`
 * naming the field and the value.
 *
 * @module
 */

import { ConfigError } from "@cascade/core";

/** Throws unless `v` is a finite number. */
export function requireFinite(field: string, v: number): void {
  if (!(typeof v === "number" && Number.isFinite(v)))
    throw new ConfigError(field, v, "must be a finite number");
}

/** Throws unless `v` is a finite number > 0. */
export function requirePositive(field: string, v: number): void {
  if (!(typeof v === "number" && Number.isFinite(v) && v > 0)) {
    throw new ConfigError(field, v, "must be a finite number > 0");
  }
}

/** Throws unless `v` is a finite number ≥ 0. */
export function requireNonNegative(field: string, v: number): void {
  if (!(typeof v === "number" && Number.isFinite(v) && v >= 0)) {
    throw new ConfigError(field, v, "must be a finite number ≥ 0");
  }
}

/** Throws unless `v` is a positive safe integer. */
export function requirePositiveInt(field: string, v: number): void {
  if (!(Number.isSafeInteger(v) && v > 0)) throw new ConfigError(field, v, "must be a positive integer");
}

/** A copy of `o` without its `undefined` properties (so spreading it over defaults keeps them). */
export function stripUndefined<T extends object>(o: T): Partial<T> {
  const out: Partial<T> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  return out;
}
