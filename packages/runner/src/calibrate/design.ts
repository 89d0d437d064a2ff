/**
 * The initial design of a calibration: a maximin Latin hypercube in the unit cube. Each of the
 * `n` equal strata of every dimension holds exactly one point (so every parameter's range is
 * covered evenly, whatever the dimension), and of several such hypercubes the one whose closest
 * pair of points is farthest apart is kept (so the points do not bunch up). Seeded: the same seed
 * gives the same points on every machine.
 *
 * @module
 */

import { deriveSeed, RandomStream, type Seed } from "@cascade/core";

/** Name of the random stream the design draws from (derived from the calibration seed). */
export const DESIGN_STREAM = "cascade/calibrate/design";

/**
 * `n` points of a Latin hypercube in `[0, 1]^d` drawn from `rng`: for each dimension a random
 * permutation of the strata, each point at a uniform position within its stratum.
 */
export function latinHypercube(n: number, d: number, rng: RandomStream): number[][] {
  const points = Array.from({ length: n }, () => new Array<number>(d).fill(0));
  for (let j = 0; j < d; j++) {
    const perm = Array.from({ length: n }, (_, i) => i);
    for (let i = n - 1; i > 0; i--) {
      const k = rng.int(i + 1);
      const t = perm[i]!;
      perm[i] = perm[k]!;
      perm[k] = t;
    }
    for (let i = 0; i < n; i++) points[i]![j] = (perm[i]! + rng.next()) / n;
  }
  return points;
}

/** The smallest Euclidean distance between two of `points` (`Infinity` for fewer than two). */
export function minDistance(points: readonly (readonly number[])[]): number {
  let best = Number.POSITIVE_INFINITY;
  for (let a = 0; a < points.length; a++) {
    for (let b = a + 1; b < points.length; b++) {
      let s = 0;
      const pa = points[a]!;
      const pb = points[b]!;
      for (let j = 0; j < pa.length; j++) s += (pa[j]! - pb[j]!) ** 2;
      best = Math.min(best, Math.sqrt(s));
    }
  }
  return best;
}

/**
 * A maximin Latin hypercube: of `tries` hypercubes of `n` points in `[0, 1]^d` (stream
 * {@link DESIGN_STREAM} of `seed`), the one with the largest {@link minDistance} (the first on ties).
 * @example `maximinDesign(8, 2, 42)` → 8 points, one in each eighth of either axis
 */
export function maximinDesign(n: number, d: number, seed: Seed, tries = 20): number[][] {
  const rng = new RandomStream(DESIGN_STREAM, deriveSeed(seed, 0, DESIGN_STREAM));
  let best: number[][] = [];
  let bestDistance = -1;
  for (let t = 0; t < tries; t++) {
    const candidate = latinHypercube(n, d, rng);
    const dist = minDistance(candidate);
    if (dist > bestDistance) {
      best = candidate;
      bestDistance = dist;
    }
  }
  return best;
}
