/**
 * Nelder–Mead simplex search in the unit cube, written as an ask/tell state machine so the caller
 * decides how points are evaluated (here: as simulations on the worker pool, several searches
 * batched together). No randomness and no I/O: the same values told give the same points asked.
 *
 * Standard coefficients (reflection α = 1, expansion γ = 2, contraction ρ = ½, shrink σ = ½);
 * trial points are projected onto `[0, 1]^d`. Vertices are kept sorted by value, ties broken by
 * age (the older vertex first), so the order — and the search — is deterministic.
 *
 * @module
 */

/** When a search stops. */
export interface NelderMeadTolerances {
  /** Stop when every vertex is within this distance (max-norm, unit-cube units) of the best. */
  readonly xtol: number;
  /** Stop when `f_worst − f_best ≤ ftol · max(1, |f_best|)`. */
  readonly ftol: number;
}

type Stage =
  | { readonly kind: "reflect" }
  | { readonly kind: "expand"; readonly xr: number[]; readonly fr: number }
  | { readonly kind: "contract-out"; readonly xr: number[]; readonly fr: number }
  | { readonly kind: "contract-in" }
  | { readonly kind: "shrink"; readonly points: number[][] };

interface Vertex {
  readonly x: number[];
  readonly f: number;
  /** Insertion counter, for deterministic tie-breaking. */
  readonly age: number;
}

const ALPHA = 1;
const GAMMA = 2;
const RHO = 0.5;
const SIGMA = 0.5;

/** Projects a point onto the unit cube. */
export function clampUnit(x: readonly number[]): number[] {
  return x.map((v) => Math.min(1, Math.max(0, v)));
}

/**
 * The initial simplex around `x0`: `x0` and, for each axis `i`, `x0 + step·e_i` (or `x0 − step·e_i`
 * when that leaves the cube).
 */
export function initialSimplex(x0: readonly number[], step: number): number[][] {
  return [
    [...x0],
    ...x0.map((_, i) => {
      const x = [...x0];
      x[i] = x0[i]! + step <= 1 ? x0[i]! + step : x0[i]! - step;
      return clampUnit(x);
    }),
  ];
}

/** One Nelder–Mead search (see the module). */
export class NelderMead {
  private vertices: Vertex[];
  private stage: Stage = { kind: "reflect" };
  private counter = 0;
  private pending: number[][] | null = null;

  /** `simplex`: d + 1 points of `[0, 1]^d` and their values (see {@link initialSimplex}). */
  constructor(
    simplex: readonly (readonly number[])[],
    values: readonly number[],
    private readonly tolerances: NelderMeadTolerances,
  ) {
    if (simplex.length < 2 || simplex.length !== values.length) {
      throw new Error(`a simplex needs d + 1 ≥ 2 vertices with a value each, got ${simplex.length}`);
    }
    this.vertices = simplex.map((x, i) => ({ x: [...x], f: normalise(values[i]!), age: this.counter++ }));
    this.sort();
  }

  /** The best vertex so far. */
  best(): { readonly x: readonly number[]; readonly f: number } {
    return this.vertices[0]!;
  }

  /** Whether the simplex has collapsed (see {@link NelderMeadTolerances}). */
  converged(): boolean {
    const best = this.vertices[0]!;
    const worst = this.vertices[this.vertices.length - 1]!;
    let diameter = 0;
    for (const v of this.vertices) {
      for (let j = 0; j < v.x.length; j++) diameter = Math.max(diameter, Math.abs(v.x[j]! - best.x[j]!));
    }
    if (diameter <= this.tolerances.xtol) return true;
    return worst.f - best.f <= this.tolerances.ftol * Math.max(1, Math.abs(best.f));
  }

  /** The points to evaluate next (one, or d for a shrink). Asking twice without telling asks the same. */
  ask(): number[][] {
    if (this.pending !== null) return this.pending.map((x) => [...x]);
    const n = this.vertices.length - 1;
    const c = this.centroid();
    const worst = this.vertices[n]!.x;
    let points: number[][];
    switch (this.stage.kind) {
      case "reflect":
        points = [clampUnit(c.map((ci, j) => ci + ALPHA * (ci - worst[j]!)))];
        break;
      case "expand":
        points = [clampUnit(c.map((ci, j) => ci + GAMMA * (this.stageXr()[j]! - ci)))];
        break;
      case "contract-out":
        points = [clampUnit(c.map((ci, j) => ci + RHO * (this.stageXr()[j]! - ci)))];
        break;
      case "contract-in":
        points = [clampUnit(c.map((ci, j) => ci + RHO * (worst[j]! - ci)))];
        break;
      case "shrink":
        points = this.stage.points;
        break;
    }
    this.pending = points;
    return points.map((x) => [...x]);
  }

  /** The values of the points last asked, in order. */
  tell(values: readonly number[]): void {
    const points = this.pending;
    if (points === null) throw new Error("tell() without ask()");
    if (values.length !== points.length) {
      throw new Error(`told ${values.length} values for ${points.length} points`);
    }
    this.pending = null;
    const n = this.vertices.length - 1;
    const fBest = this.vertices[0]!.f;
    const fSecondWorst = this.vertices[n - 1]!.f;
    const fWorst = this.vertices[n]!.f;
    const f = normalise(values[0]!);
    const x = points[0]!;
    switch (this.stage.kind) {
      case "reflect":
        if (f < fBest) this.stage = { kind: "expand", xr: x, fr: f };
        else if (f < fSecondWorst) this.replaceWorst(x, f);
        else if (f < fWorst) this.stage = { kind: "contract-out", xr: x, fr: f };
        else this.stage = { kind: "contract-in" };
        return;
      case "expand":
        if (f < this.stage.fr) this.replaceWorst(x, f);
        else this.replaceWorst(this.stage.xr, this.stage.fr);
        return;
      case "contract-out":
        if (f <= this.stage.fr) this.replaceWorst(x, f);
        else this.startShrink();
        return;
      case "contract-in":
        if (f < fWorst) this.replaceWorst(x, f);
        else this.startShrink();
        return;
      case "shrink": {
        const best = this.vertices[0]!;
        this.vertices = [
          best,
          ...points.map((p, i) => ({ x: p, f: normalise(values[i]!), age: this.counter++ })),
        ];
        this.sort();
        this.stage = { kind: "reflect" };
        return;
      }
    }
  }

  private stageXr(): number[] {
    const s = this.stage;
    if (s.kind === "expand" || s.kind === "contract-out") return s.xr;
    throw new Error(`no reflected point in stage ${s.kind}`);
  }

  private startShrink(): void {
    const best = this.vertices[0]!.x;
    const points = this.vertices
      .slice(1)
      .map((v) => clampUnit(v.x.map((xj, j) => best[j]! + SIGMA * (xj - best[j]!))));
    this.stage = { kind: "shrink", points };
  }

  private replaceWorst(x: number[], f: number): void {
    this.vertices[this.vertices.length - 1] = { x, f, age: this.counter++ };
    this.sort();
    this.stage = { kind: "reflect" };
  }

  private centroid(): number[] {
    const n = this.vertices.length - 1;
    const d = this.vertices[0]!.x.length;
    const c = new Array<number>(d).fill(0);
    for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) c[j]! += this.vertices[i]!.x[j]! / n;
    return c;
  }

  private sort(): void {
    this.vertices.sort((a, b) => (a.f === b.f ? a.age - b.age : a.f < b.f ? -1 : 1));
  }
}

/** NaN (a failed candidate) ranks with +∞, worst of all. */
function normalise(f: number): number {
  return Number.isNaN(f) ? Number.POSITIVE_INFINITY : f;
}
