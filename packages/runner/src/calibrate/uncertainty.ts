/**
 * Approximate standard errors of the fitted parameters: the SMM sandwich with a finite-difference
 * Jacobian of the simulated moments.
 *
 * With θ on each parameter's search scale (`ln θ` for a log parameter), G the K × p Jacobian
 * ∂m̄/∂θ at the estimate (central differences of the replication means, common random numbers, so
 * the simulation noise largely cancels in the differences; one-sided at a bound), W the diagonal
 * weight matrix of the objective and Σ the covariance of the error in `m̄ − t`:
 *
 * ```
 * A = Gᵀ W G,   V(θ̂) ≈ A⁻¹ Gᵀ W Σ W G A⁻¹,   Σ = diag(se_target²) + diag(s²_sim / R)
 * ```
 *
 * where `s²_sim / R` is the squared standard error of each simulated mean over its R replications
 * at the estimate (the simulation noise, which common random numbers carry into every candidate
 * alike). This is the usual delta-method / GMM variance; with `W = diag(1/se_target²)` and no
 * simulation noise it reduces to `A⁻¹`. It is a local, linear approximation: it assumes the
 * moments are smooth near θ̂, the estimate is interior, the targets' errors are independent, and
 * the model is right. It needs every target's `se`; it is left out (with the reason) when one is
 * missing, when a derivative is not finite, or when `A` is singular (a parameter the moments do
 * not identify).
 *
 * @module
 */

import { type FitParameter, toScale, unitOf, valueAt } from "./space.ts";

/** A point of the finite-difference stencil. */
export interface StencilPoint {
  /** Unit-cube coordinates of the point. */
  readonly u: readonly number[];
  /** The parameter moved. */
  readonly parameter: number;
  /** `+1` (θ + h) or `−1` (θ − h). */
  readonly direction: 1 | -1;
}

/**
 * The points of a finite-difference Jacobian at `values`: for each parameter θ ± h on its search
 * scale, `h = step` of the scale's range (at least 1 for an integer parameter); a side that would
 * leave `[min, max]` is replaced by the centre itself (a one-sided difference).
 */
export function stencil(
  params: readonly FitParameter[],
  values: readonly number[],
  step: number,
): StencilPoint[] {
  const u0 = params.map((p, i) => unitOf(p, values[i]!));
  const out: StencilPoint[] = [];
  params.forEach((p, i) => {
    for (const direction of [1, -1] as const) {
      const u = [...u0];
      let ui = u0[i]! + direction * step;
      if (p.integer) {
        // At least one integer step: move to the next integer in that direction.
        const v = valueAt(p, ui);
        if (v === values[i]) ui = unitOf(p, values[i]! + direction);
      }
      if (ui < 0 || ui > 1) continue;
      u[i] = ui;
      out.push({ u, parameter: i, direction });
    }
  });
  return out;
}

/**
 * The Jacobian (K × p) of the moments on the search scale, from the moment means at the centre
 * (`center`), at the stencil points (`at`, aligned with `points`) and the parameter values each
 * point was evaluated at (`pointValues`). Central where both sides exist, else one-sided with the
 * centre.
 */
export function jacobian(
  params: readonly FitParameter[],
  centerValues: readonly number[],
  center: readonly number[],
  points: readonly StencilPoint[],
  pointValues: readonly (readonly number[])[],
  at: readonly (readonly number[])[],
): number[][] {
  const k = center.length;
  const g = Array.from({ length: k }, () => new Array<number>(params.length).fill(Number.NaN));
  params.forEach((p, i) => {
    const plus = points.findIndex((s) => s.parameter === i && s.direction === 1);
    const minus = points.findIndex((s) => s.parameter === i && s.direction === -1);
    const xOf = (idx: number) => (idx < 0 ? toScale(p, centerValues[i]!) : toScale(p, pointValues[idx]![i]!));
    const mOf = (idx: number, row: number) => (idx < 0 ? center[row]! : at[idx]![row]!);
    if (plus < 0 && minus < 0) return;
    const dx = xOf(plus) - xOf(minus);
    for (let row = 0; row < k; row++)
      g[row]![i] = dx === 0 ? Number.NaN : (mOf(plus, row) - mOf(minus, row)) / dx;
  });
  return g;
}

/** What {@link sandwich} gives: the covariance and standard errors, or why there are none. */
export type SandwichResult =
  | { readonly ok: true; readonly covariance: number[][]; readonly se: number[] }
  | { readonly ok: false; readonly reason: string };

/**
 * `V = A⁻¹ Gᵀ W Σ W G A⁻¹` with `A = Gᵀ W G`, `W = diag(weights)`, `Σ = diag(variances)` (see the
 * module).
 */
export function sandwich(
  g: readonly (readonly number[])[],
  weights: readonly number[],
  variances: readonly number[],
): SandwichResult {
  const k = g.length;
  const p = g[0]?.length ?? 0;
  if (g.some((row) => row.some((v) => !Number.isFinite(v)))) {
    return { ok: false, reason: "a finite-difference derivative of the moments is not finite" };
  }
  if (variances.some((v) => !Number.isFinite(v))) {
    return {
      ok: false,
      reason: "a moment's variance is unknown (a target without se, or too few replications)",
    };
  }
  const a = matrix(p, p, (i, j) => sum(k, (r) => g[r]![i]! * weights[r]! * g[r]![j]!));
  const b = matrix(p, p, (i, j) =>
    sum(k, (r) => g[r]![i]! * weights[r]! * variances[r]! * weights[r]! * g[r]![j]!),
  );
  const aInv = invert(a);
  if (aInv === null) {
    return {
      ok: false,
      reason: "GᵀWG is singular: the moments do not identify every parameter near the estimate",
    };
  }
  const v = multiply(multiply(aInv, b), aInv);
  const se = v.map((row, i) => Math.sqrt(Math.max(0, row[i]!)));
  return { ok: true, covariance: v, se };
}

/** The inverse of a square matrix (Gauss–Jordan, partial pivoting), or `null` when it is (numerically) singular. */
export function invert(m: readonly (readonly number[])[]): number[][] | null {
  const n = m.length;
  const a = m.map((row, i) => [...row, ...Array.from({ length: n }, (_, j) => (i === j ? 1 : 0))]);
  const scale = Math.max(...m.flatMap((row) => row.map(Math.abs)));
  if (!(scale > 0)) return null;
  for (let col = 0; col < n; col++) {
    let pivot = col;
    for (let r = col + 1; r < n; r++) if (Math.abs(a[r]![col]!) > Math.abs(a[pivot]![col]!)) pivot = r;
    if (Math.abs(a[pivot]![col]!) <= 1e-12 * scale) return null;
    [a[col], a[pivot]] = [a[pivot]!, a[col]!];
    const row = a[col]!;
    const d = row[col]!;
    for (let j = 0; j < 2 * n; j++) row[j]! /= d;
    for (let r = 0; r < n; r++) {
      if (r === col) continue;
      const f = a[r]![col]!;
      if (f !== 0) for (let j = 0; j < 2 * n; j++) a[r]![j]! -= f * row[j]!;
    }
  }
  return a.map((row) => row.slice(n));
}

function matrix(rows: number, cols: number, f: (i: number, j: number) => number): number[][] {
  return Array.from({ length: rows }, (_, i) => Array.from({ length: cols }, (_, j) => f(i, j)));
}

function multiply(x: readonly (readonly number[])[], y: readonly (readonly number[])[]): number[][] {
  return matrix(x.length, y[0]!.length, (i, j) => sum(y.length, (r) => x[i]![r]! * y[r]![j]!));
}

function sum(n: number, f: (i: number) => number): number {
  let s = 0;
  for (let i = 0; i < n; i++) s += f(i);
  return s;
}
