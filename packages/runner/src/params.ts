/**
 * Typed experiment parameters: a small builder (`param.number`, `param.choice`, `param.boolean`),
 * the value types it implies, validation of values against their spec, and the typed parsing of
 * `--set key=value` overrides from the command line.
 *
 * @module
 */

import { ConfigError } from "@cascade/core";
import { nearest } from "./suggest.ts";

/** A numeric parameter. Stored as Float64 in `runs.arrow`, or Int32 when `integer` is set. */
export interface NumberParam {
  readonly kind: "number";
  /** Value used when the sweep does not vary the parameter. */
  readonly default: number;
  /** Smallest allowed value (inclusive). Also the default lower bound of random and LHS sweeps. */
  readonly min?: number;
  /** Largest allowed value (inclusive). Also the default upper bound of random and LHS sweeps. */
  readonly max?: number;
  /** Whether values must be integers (stored as Int32, so within ±2^31). */
  readonly integer?: boolean;
  /** What the parameter means, in one line (the `cascade describe` table shows it). */
  readonly description: string;
  /** The longer explanation, when one line is not enough (`cascade describe --long` shows it). */
  readonly doc?: string;
  /** Unit shown by `cascade describe`, e.g. `"x"`, `"USDT"`, `"s"`. */
  readonly unit?: string;
}

/** A parameter taking one of a fixed list of strings. Stored as Utf8 in `runs.arrow`. */
export interface ChoiceParam<C extends string = string> {
  readonly kind: "choice";
  /** The allowed values, in the order sweeps use them. */
  readonly choices: readonly C[];
  /** Value used when the sweep does not vary the parameter. */
  readonly default: C;
  /** What the parameter means, in one line. */
  readonly description?: string;
  /** The longer explanation, when one line is not enough. */
  readonly doc?: string;
}

/** A true/false parameter. Stored as Bool in `runs.arrow`. */
export interface BooleanParam {
  readonly kind: "boolean";
  /** Value used when the sweep does not vary the parameter. */
  readonly default: boolean;
  /** What the parameter means, in one line. */
  readonly description?: string;
  /** The longer explanation, when one line is not enough. */
  readonly doc?: string;
}

/** Any parameter spec. */
export type ParamSpec = NumberParam | ChoiceParam | BooleanParam;

/** The parameters of an experiment, by name (names are identifiers: letters, digits, `_`). */
export type ParamSpecs = Readonly<Record<string, ParamSpec>>;

/** The value type a parameter spec implies. */
export type ParamValue<S> = S extends NumberParam
  ? number
  : S extends ChoiceParam<infer C>
    ? C
    : S extends BooleanParam
      ? boolean
      : never;

/** The values of every parameter of `P`. */
export type ParamValues<P extends ParamSpecs> = { -readonly [K in keyof P]: ParamValue<P[K]> };

/** A raw parameter value as it travels between threads and into `runs.arrow`. */
export type RawValue = number | string | boolean;

/**
 * Builders for parameter specs.
 * @example
 * ```ts
 * parameters: {
 *   leverage: param.number({ default: 20, min: 1, max: 125, description: "retail leverage", unit: "x" }),
 *   mode: param.choice(["full", "partial"], { default: "full" }),
 *   adl: param.boolean({ default: true }),
 * }
 * ```
 */
export const param = {
  /** A numeric parameter; `integer: true` restricts it to integers. */
  number(options: Omit<NumberParam, "kind">): NumberParam {
    return { kind: "number", ...options };
  },
  /** A parameter taking one of `choices` (strings). */
  choice<const C extends string>(
    choices: readonly C[],
    options: { readonly default: NoInfer<C>; readonly description?: string; readonly doc?: string },
  ): ChoiceParam<C> {
    return { kind: "choice", choices: [...choices], ...options };
  },
  /** A boolean parameter. */
  boolean(options: {
    readonly default: boolean;
    readonly description?: string;
    readonly doc?: string;
  }): BooleanParam {
    return { kind: "boolean", ...options };
  },
} as const;

/**
 * The default of every parameter of `specs`, as one frozen object of their value types — so a
 * world's parameter type and its defaults both come from the specs, the one place a knob is
 * declared (`type Params = ParamValues<typeof SPECS>`, `const DEFAULTS = defaultsOf(SPECS)`).
 * @example
 * ```ts
 * const SPECS = { leverage: param.number({ default: 20, min: 1, max: 125, description: "retail leverage" }) };
 * defaultsOf(SPECS); // { leverage: 20 }
 * ```
 */
export function defaultsOf<P extends ParamSpecs>(specs: P): Readonly<ParamValues<P>> {
  const out: Record<string, RawValue> = {};
  for (const [name, spec] of Object.entries(specs)) out[name] = spec.default;
  return Object.freeze(out) as Readonly<ParamValues<P>>;
}

/**
 * `specs` with some defaults changed: how an experiment built on a shared world gives it its own
 * scenario (another start price, a bigger shock) without declaring any parameter again. Ranges,
 * units and descriptions stay those of `specs`; the key order too.
 * @throws {@link @cascade/core!ConfigError} naming a key that is not a parameter of `specs`, or a
 * default outside its parameter's range.
 * @example
 * ```ts
 * parameters: withDefaults(FLASH_CRASH_PARAMETERS, { startPrice: 122_000, shockBtc: 400 }),
 * ```
 */
export function withDefaults<P extends ParamSpecs>(specs: P, defaults: Partial<ParamValues<P>>): P {
  const out: Record<string, ParamSpec> = { ...specs };
  for (const [name, value] of Object.entries(defaults)) {
    const spec = Object.hasOwn(specs, name) ? specs[name] : undefined;
    if (spec === undefined) throw new ConfigError(`default ${name}`, value, noSuchParameter(name, specs));
    out[name] = { ...spec, default: validateValue(`default ${name}`, spec, value) } as ParamSpec;
  }
  return out as P;
}

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;

/**
 * Why `value` is not acceptable for `spec`, or `undefined` when it is.
 * @example `checkValue(param.number({ default: 1, min: 0, description: "" }), -1)` → `"must be ≥ 0"`
 */
export function checkValue(spec: ParamSpec, value: unknown): string | undefined {
  switch (spec.kind) {
    case "number": {
      if (typeof value !== "number" || !Number.isFinite(value)) return "must be a finite number";
      if (spec.integer === true) {
        if (!Number.isInteger(value)) return "must be an integer";
        if (value < INT32_MIN || value > INT32_MAX) return "must fit in a 32-bit integer";
      }
      if (spec.min !== undefined && value < spec.min) return `must be ≥ ${spec.min}`;
      if (spec.max !== undefined && value > spec.max) return `must be ≤ ${spec.max}`;
      return undefined;
    }
    case "choice":
      return typeof value === "string" && spec.choices.includes(value)
        ? undefined
        : `must be one of ${spec.choices.map((c) => JSON.stringify(c)).join(", ")}`;
    case "boolean":
      return typeof value === "boolean" ? undefined : "must be true or false";
  }
}

/**
 * Checks `value` against `spec`.
 * @throws {@link @cascade/core!ConfigError} naming `field` and the value.
 */
export function validateValue(field: string, spec: ParamSpec, value: unknown): RawValue {
  const why = checkValue(spec, value);
  if (why !== undefined) throw new ConfigError(field, value, why);
  return value as RawValue;
}

/**
 * Parses the text of a `--set` override into a value of the parameter's type: numbers (`20`,
 * `1e-3`, `0x10` is refused), choices verbatim, booleans as `true/false/yes/no/1/0`.
 * @throws {@link @cascade/core!ConfigError} `--set key = "text": reason`.
 */
export function parseValue(name: string, spec: ParamSpec, text: string): RawValue {
  const field = `--set ${name}`;
  switch (spec.kind) {
    case "number": {
      const t = text.trim();
      const n = /^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i.test(t) ? Number(t) : Number.NaN;
      if (!Number.isFinite(n)) {
        throw new ConfigError(field, text, `must be a number${spec.integer === true ? " (an integer)" : ""}`);
      }
      return validateValue(field, spec, n);
    }
    case "choice":
      return validateValue(field, spec, text);
    case "boolean": {
      const t = text.trim().toLowerCase();
      if (["true", "yes", "1", "on"].includes(t)) return true;
      if (["false", "no", "0", "off"].includes(t)) return false;
      throw new ConfigError(field, text, "must be true or false");
    }
  }
}

/**
 * Parses `key=value` strings against the parameters of an experiment.
 * @throws {@link @cascade/core!ConfigError} on a malformed pair, an unknown key (naming the known ones), or a
 * value of the wrong type.
 */
export function parseOverrides(
  pairs: readonly string[],
  parameters: ParamSpecs,
  derived: Readonly<Record<string, string>> = {},
): Record<string, RawValue> {
  const out: Record<string, RawValue> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf("=");
    if (eq <= 0) throw new ConfigError("--set", pair, "needs key=value (e.g. --set name=20)");
    const key = pair.slice(0, eq).trim();
    const text = pair.slice(eq + 1);
    const spec = Object.hasOwn(parameters, key) ? parameters[key] : undefined;
    if (spec === undefined) {
      if (Object.hasOwn(derived, key)) {
        throw new ConfigError(`--set ${key}`, text, `is derived (${derived[key]}); set its inputs instead`);
      }
      throw new ConfigError(`--set ${key}`, text, noSuchParameter(key, parameters, derived));
    }
    out[key] = parseValue(key, spec, text);
  }
  return out;
}

/**
 * Why `key` is not a parameter: the nearest parameter (or derived) name when one is close
 * ("did you mean whaleBtc?"), else the list of parameters.
 */
export function noSuchParameter(
  key: string,
  parameters: ParamSpecs,
  derived: Readonly<Record<string, string>> = {},
): string {
  const guess = nearest(key, [...Object.keys(parameters), ...Object.keys(derived)]);
  if (guess !== undefined) {
    return Object.hasOwn(derived, guess)
      ? `no such parameter (did you mean ${guess}? it is derived: ${derived[guess]})`
      : `no such parameter (did you mean ${guess}?)`;
  }
  return `no such parameter (parameters: ${Object.keys(parameters).join(", ") || "none"})`;
}

/** Formats a spec's range or choices for people, e.g. `[1, 125] x` or `full | partial`. */
export function describeRange(spec: ParamSpec): string {
  switch (spec.kind) {
    case "number": {
      const lo = spec.min ?? "-∞";
      const hi = spec.max ?? "∞";
      return `[${lo}, ${hi}]${spec.integer === true ? " integer" : ""}`;
    }
    case "choice":
      return spec.choices.join(" | ");
    case "boolean":
      return "true | false";
  }
}
