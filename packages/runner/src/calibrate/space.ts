/**
 * The search space of a calibration: the fitted parameters, each a box `[min, max]` mapped onto
 * the unit interval — linearly, or linearly in the logarithm for a `log` parameter — so the
 * design and the optimiser work in the unit cube `[0, 1]^d` whatever the parameters' scales.
 * Integer parameters are rounded after the mapping.
 *
 * @module
 */

/** A parameter being fitted. */
export interface FitParameter {
  /** The experiment parameter's name. */
  readonly name: string;
  /** Lower bound (inclusive). */
  readonly min: number;
  /** Upper bound (inclusive). */
  readonly max: number;
  /** Search (and report uncertainty) in `ln(value)` rather than in the value; needs `min > 0`. */
  readonly log: boolean;
  /** Round values to integers (the experiment declares the parameter `integer`). */
  readonly integer: boolean;
}

/** The transformed scale of a parameter: `ln(value)` when `log`, else the value itself. */
export function toScale(p: FitParameter, value: number): number {
  return p.log ? Math.log(value) : value;
}

/** The inverse of {@link toScale}. */
export function fromScale(p: FitParameter, x: number): number {
  return p.log ? Math.exp(x) : x;
}

/**
 * The parameter's value at unit coordinate `u` (clamped to `[0, 1]`): `min + u (max − min)` on the
 * transformed scale, then rounded for an integer parameter, and kept within `[min, max]`.
 * @example `valueAt({ name: "k", min: 1, max: 100, log: true, integer: false }, 0.5)` → `10`
 */
export function valueAt(p: FitParameter, u: number): number {
  const c = Math.min(1, Math.max(0, u));
  const lo = toScale(p, p.min);
  const hi = toScale(p, p.max);
  let v = c === 0 ? p.min : c === 1 ? p.max : fromScale(p, lo + c * (hi - lo));
  if (p.integer) v = Math.round(v);
  return Math.min(p.max, Math.max(p.min, v));
}

/** The unit coordinate of `value` (the inverse of {@link valueAt} up to rounding), clamped to `[0, 1]`. */
export function unitOf(p: FitParameter, value: number): number {
  const lo = toScale(p, p.min);
  const hi = toScale(p, p.max);
  if (hi === lo) return 0;
  return Math.min(1, Math.max(0, (toScale(p, value) - lo) / (hi - lo)));
}

/** The parameter values of unit point `u` (one coordinate per parameter, in order). */
export function valuesAt(params: readonly FitParameter[], u: readonly number[]): Record<string, number> {
  const out: Record<string, number> = {};
  params.forEach((p, i) => {
    out[p.name] = valueAt(p, u[i]!);
  });
  return out;
}
