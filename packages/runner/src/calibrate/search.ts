/**
 * The calibration's search, as a generator of batches: it yields the unit-cube points to evaluate
 * next and is resumed with their objective values. Nothing else goes in or out, so the search is
 * a pure function of its settings and the values it is told — which makes it deterministic
 * whatever evaluates the points (and how many workers do), and lets `--resume` replay it from the
 * evaluation log.
 *
 * 1. **Design** (iteration 0): a maximin Latin hypercube of `initial` points (see `design.ts`).
 * 2. **Simplices** (iteration 1): from each of the `starts` best design points (ties: the earlier
 *    point), an initial Nelder–Mead simplex of side `step`; its `d` new vertices are evaluated in
 *    one batch for all starts.
 * 3. **Nelder–Mead** (iterations 2…): every start that has not converged asks its next point(s);
 *    the asks of all starts form one batch. The search ends when every start has converged, or
 *    when the next batch would take the evaluation count past `maxEvaluations`.
 *
 * @module
 */

import type { Seed } from "@cascade/core";
import { maximinDesign } from "./design.ts";
import { initialSimplex, NelderMead, type NelderMeadTolerances } from "./nelder-mead.ts";

/** Settings of {@link search}. */
export interface SearchSettings extends NelderMeadTolerances {
  /** Dimensions (fitted parameters). */
  readonly dimensions: number;
  /** Points of the initial design. */
  readonly initial: number;
  /** Nelder–Mead searches started from the best design points. */
  readonly starts: number;
  /** Budget: the search stops before a batch that would take it past this many evaluations. */
  readonly maxEvaluations: number;
  /** Side of the initial simplices, unit-cube units. */
  readonly step: number;
  /** Seed of the design. */
  readonly seed: Seed;
}

/** What a point is evaluated for. */
export type SearchPhase = "design" | "simplex" | "nelder-mead";

/** A point to evaluate. */
export interface SearchAsk {
  /** Coordinates in `[0, 1]^d`. */
  readonly u: readonly number[];
  /** What it is evaluated for. */
  readonly phase: SearchPhase;
  /** The Nelder–Mead start it belongs to (`null` for the design). */
  readonly start: number | null;
}

/** How the search (`search()`, see `calibrate/search.ts`) ended. */
export interface SearchOutcome {
  /** Index (in ask order) of the best point evaluated; the first on ties. */
  readonly bestIndex: number;
  /** Its coordinates. */
  readonly best: readonly number[];
  /** Its value. */
  readonly bestValue: number;
  /** Points evaluated. */
  readonly evaluations: number;
  /** Batches (iterations) yielded. */
  readonly iterations: number;
  /** Why it stopped. */
  readonly stopped: "converged" | "max-evaluations";
}

/**
 * The search (see the module): yields batches of points, is resumed with their values (in order).
 * @example
 * ```ts
 * const s = search(settings);
 * let step = s.next();
 * while (!step.done) step = s.next(step.value.map((a) => f(a.u)));
 * const { best, bestValue } = step.value;
 * ```
 */
export function* search(settings: SearchSettings): Generator<SearchAsk[], SearchOutcome, number[]> {
  const asked: (readonly number[])[] = [];
  const values: number[] = [];
  let iterations = 0;
  let bestIndex = -1;
  function* evaluate(batch: SearchAsk[]): Generator<SearchAsk[], number[], number[]> {
    const got = yield batch;
    if (!Array.isArray(got) || got.length !== batch.length) {
      throw new Error(
        `search: expected ${batch.length} values, got ${Array.isArray(got) ? got.length : got}`,
      );
    }
    iterations++;
    batch.forEach((a, i) => {
      asked.push(a.u);
      values.push(got[i]!);
      const v = rank(got[i]!);
      if (bestIndex < 0 || v < rank(values[bestIndex]!)) bestIndex = asked.length - 1;
    });
    return got;
  }
  const outcome = (stopped: SearchOutcome["stopped"]): SearchOutcome => ({
    bestIndex,
    best: asked[bestIndex]!,
    bestValue: values[bestIndex]!,
    evaluations: asked.length,
    iterations,
    stopped,
  });

  const design = maximinDesign(settings.initial, settings.dimensions, settings.seed);
  const designValues = yield* evaluate(design.map((u) => ({ u, phase: "design" as const, start: null })));

  // The best design points, distinct, first on ties.
  const order = design
    .map((_, i) => i)
    .sort((a, b) => rank(designValues[a]!) - rank(designValues[b]!) || a - b);
  const starts = order.slice(0, Math.min(settings.starts, order.length));
  const simplices = starts.map((i) => initialSimplex(design[i]!, settings.step));
  const newVertices: SearchAsk[] = simplices.flatMap((s, k) =>
    s.slice(1).map((u) => ({ u, phase: "simplex" as const, start: k })),
  );
  if (asked.length + newVertices.length > settings.maxEvaluations) return outcome("max-evaluations");
  const vertexValues = yield* evaluate(newVertices);
  const d = settings.dimensions;
  const searches = simplices.map(
    (s, k) =>
      new NelderMead(s, [designValues[starts[k]!]!, ...vertexValues.slice(k * d, (k + 1) * d)], settings),
  );

  for (;;) {
    const active = searches.map((s, k) => ({ s, k })).filter(({ s }) => !s.converged());
    if (active.length === 0) return outcome("converged");
    const asks = active.map(({ s, k }) => ({ k, points: s.ask() }));
    const batch: SearchAsk[] = asks.flatMap(({ k, points }) =>
      points.map((u) => ({ u, phase: "nelder-mead" as const, start: k })),
    );
    if (asked.length + batch.length > settings.maxEvaluations) return outcome("max-evaluations");
    const got = yield* evaluate(batch);
    let at = 0;
    for (const { k, points } of asks) {
      searches[k]!.tell(got.slice(at, at + points.length));
      at += points.length;
    }
  }
}

/** NaN ranks as +∞. */
function rank(v: number): number {
  return Number.isNaN(v) ? Number.POSITIVE_INFINITY : v;
}
