/**
 * Error types shared by all packages. The hot paths (matching, margin checks) never throw: they
 * return {@link RejectCode}s. Errors are for configuration and programming mistakes, raised at the
 * edges, and always name the offending field and value.
 *
 * @module
 */

/** Base class of every error cascade raises on purpose. `code` is stable and machine-readable. */
export class CascadeError extends Error {
  /** A stable, machine-readable identifier such as `"config"` or `"invariant"`. */
  readonly code: string;

  constructor(code: string, message: string) {
    super(message);
    this.name = new.target.name;
    this.code = code;
  }
}

function describeValue(value: unknown): string {
  if (typeof value === "bigint") return `${value}n`;
  if (typeof value === "number" && !Number.isFinite(value)) return String(value);
  if (typeof value === "string") return JSON.stringify(value);
  try {
    const s = JSON.stringify(value);
    if (s === undefined) return String(value);
    return s.length > 120 ? `${s.slice(0, 117)}...` : s;
  } catch {
    return String(value);
  }
}

/**
 * Bad input from a user: a configuration, a parameter or an argument. The message reads
 * `field = value: reason`, e.g. `instrument.tickSize = "0": must be a positive decimal`.
 */
export class ConfigError extends CascadeError {
  /** Dotted path of the offending field, e.g. `agents.retail.count`. */
  readonly field: string;
  /** The offending value as given. */
  readonly value: unknown;
  /** Why the value is not acceptable. */
  readonly reason: string;

  constructor(field: string, value: unknown, reason: string) {
    super("config", `${field} = ${describeValue(value)}: ${reason}`);
    this.field = field;
    this.value = value;
    this.reason = reason;
  }
}

/**
 * A broken internal invariant (a bug, or state corrupted from outside): raised by the consistency
 * and conservation checkers, never by the hot paths themselves.
 */
export class InvariantError extends CascadeError {
  constructor(message: string) {
    super("invariant", message);
  }
}
