/**
 * Named, seeded random streams. Every source of randomness in a simulation is a stream obtained
 * by name from {@link RandomStreams}; its seed is a hash of (experiment seed, run index, name), so
 * adding, removing or reordering streams never shifts the numbers another stream produces, and a
 * run can be reproduced alone from its index.
 *
 * The generator is seedrandom's Alea (fast, 2^116 period, passes BigCrush per its author).
 *
 * @module
 */

import seedrandom from "seedrandom";
import { ConfigError } from "../errors.ts";
import { hash128 } from "./hash.ts";

/** A seed as users write it: a safe integer or a non-empty string. */
export type Seed = number | string;

/**
 * One deterministic stream of random numbers with the distributions agents need.
 * Methods draw from the stream; none allocates.
 */
export class RandomStream {
  /** The stream's name, e.g. `"market-maker/3"`. */
  readonly name: string;
  /** The derived seed (32 hex digits) this stream was started from. */
  readonly seed: string;
  private readonly prng: () => number;
  private spareNormal = 0;
  private hasSpare = false;

  /** Prefer {@link RandomStreams.get}; construct directly only to replay a stream from its derived seed. */
  constructor(name: string, seed: string) {
    this.name = name;
    this.seed = seed;
    this.prng = seedrandom.alea(seed);
  }

  /** Uniform on [0, 1) with 32 bits of resolution. */
  next(): number {
    return this.prng();
  }

  /** Uniform on [min, max). */
  uniform(min: number, max: number): number {
    return min + (max - min) * this.prng();
  }

  /** Uniform integer on [0, n) for 1 ≤ n ≤ 2^32. */
  int(n: number): number {
    return Math.floor(this.prng() * n);
  }

  /** Uniform integer on [min, max], both inclusive. */
  intBetween(min: number, max: number): number {
    return min + Math.floor(this.prng() * (max - min + 1));
  }

  /** `true` with probability `p`. */
  bernoulli(p: number): boolean {
    return this.prng() < p;
  }

  /** Normal (Gaussian) with the given mean and standard deviation (Marsaglia's polar method). */
  normal(mean = 0, sd = 1): number {
    if (this.hasSpare) {
      this.hasSpare = false;
      return mean + sd * this.spareNormal;
    }
    let u: number;
    let v: number;
    let s: number;
    do {
      u = 2 * this.prng() - 1;
      v = 2 * this.prng() - 1;
      s = u * u + v * v;
    } while (s >= 1 || s === 0);
    const f = Math.sqrt((-2 * Math.log(s)) / s);
    this.spareNormal = v * f;
    this.hasSpare = true;
    return mean + sd * u * f;
  }

  /** Exponential with the given rate λ (mean 1/λ). */
  exponential(rate: number): number {
    return -Math.log(1 - this.prng()) / rate;
  }

  /** Log-normal: `exp(N(mu, sigma))`. */
  lognormal(mu: number, sigma: number): number {
    return Math.exp(this.normal(mu, sigma));
  }

  /**
   * Pareto (type I) with scale `xm` (the minimum) and shape `alpha`: P(X > x) = (xm/x)^alpha.
   * Heavy-tailed for small alpha; the mean is infinite for alpha ≤ 1.
   */
  pareto(xm: number, alpha: number): number {
    return xm / (1 - this.prng()) ** (1 / alpha);
  }

  /** Geometric: the number of failures before the first success, success probability `p` (mean (1−p)/p). */
  geometric(p: number): number {
    if (p >= 1) return 0;
    return Math.floor(Math.log(1 - this.prng()) / Math.log(1 - p));
  }

  /**
   * Poisson with mean `lambda`: Knuth's product method below 10, Hörmann's PTRS
   * (transformed rejection with squeeze) above, so the cost stays O(1) for large means.
   */
  poisson(lambda: number): number {
    if (lambda <= 0) return 0;
    if (lambda < 10) {
      const limit = Math.exp(-lambda);
      let k = 0;
      let p = this.prng();
      while (p > limit) {
        k++;
        p *= this.prng();
      }
      return k;
    }
    const slam = Math.sqrt(lambda);
    const loglam = Math.log(lambda);
    const b = 0.931 + 2.53 * slam;
    const a = -0.059 + 0.02483 * b;
    const invAlpha = 1.1239 + 1.1328 / (b - 3.4);
    const vr = 0.9277 - 3.6224 / (b - 2);
    for (;;) {
      const u = this.prng() - 0.5;
      const v = this.prng();
      const us = 0.5 - Math.abs(u);
      const k = Math.floor(((2 * a) / us + b) * u + lambda + 0.43);
      if (us >= 0.07 && v <= vr) return k;
      if (k < 0 || (us < 0.013 && v > us)) continue;
      if (
        Math.log(v) + Math.log(invAlpha) - Math.log(a / (us * us) + b) <=
        -lambda + k * loglam - logGamma(k + 1)
      ) {
        return k;
      }
    }
  }

  /**
   * Draws an index from a categorical distribution given its cumulative weights
   * (non-decreasing, last entry = total weight), by binary search.
   */
  weightedIndex(cumulative: ArrayLike<number>): number {
    const n = cumulative.length;
    const x = this.prng() * cumulative[n - 1]!;
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cumulative[mid]! > x) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }
}

/** ln Γ(x) for x > 0 (Lanczos, g = 7, 9 terms; relative error < 1e-13). */
export function logGamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  const c = LANCZOS;
  x -= 1;
  let a = c[0]!;
  const t = x + 7.5;
  for (let i = 1; i < 9; i++) a += c[i]! / (x + i);
  return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t + Math.log(a);
}

const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
  12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
];

/**
 * The random streams of one run: `streams(seed, runIndex).get("market-maker/3")`.
 * Streams are created on first use and cached by name.
 */
export class RandomStreams {
  /** The experiment's master seed. */
  readonly masterSeed: Seed;
  /** The run's index within the experiment (0-based). */
  readonly runIndex: number;
  private readonly cache = new Map<string, RandomStream>();

  constructor(masterSeed: Seed, runIndex: number) {
    if (
      typeof masterSeed === "number"
        ? !Number.isSafeInteger(masterSeed)
        : typeof masterSeed !== "string" || masterSeed === ""
    ) {
      throw new ConfigError("seed", masterSeed, "must be a safe integer or a non-empty string");
    }
    if (!Number.isSafeInteger(runIndex) || runIndex < 0) {
      throw new ConfigError("runIndex", runIndex, "must be a non-negative safe integer");
    }
    this.masterSeed = masterSeed;
    this.runIndex = runIndex;
  }

  /** The seed a stream of this name gets in this run (32 hex digits). */
  deriveSeed(name: string): string {
    return deriveSeed(this.masterSeed, this.runIndex, name);
  }

  /**
   * The stream called `name`, created on first use. Names are free-form; use `/` for
   * hierarchy, e.g. `"retail/arrivals"`, `"market-maker/3"`.
   */
  get(name: string): RandomStream {
    if (typeof name !== "string" || name === "") {
      throw new ConfigError("stream name", name, "must be a non-empty string");
    }
    let s = this.cache.get(name);
    if (s === undefined) {
      s = new RandomStream(name, this.deriveSeed(name));
      this.cache.set(name, s);
    }
    return s;
  }

  /**
   * A new stream with the seed of `name`, not cached: every call starts the same sequence afresh,
   * so holders that draw in step see one common path (where {@link RandomStreams.get} hands every
   * caller the one shared instance, whose draws they would split between them).
   */
  fresh(name: string): RandomStream {
    if (typeof name !== "string" || name === "") {
      throw new ConfigError("stream name", name, "must be a non-empty string");
    }
    return new RandomStream(name, this.deriveSeed(name));
  }
}

/**
 * The seed of stream `name` in run `runIndex` of an experiment seeded with `masterSeed`.
 * The seed's type is part of the input, so `42` and `"42"` give different streams.
 */
export function deriveSeed(masterSeed: Seed, runIndex: number, name: string): string {
  return hash128(`${typeof masterSeed === "number" ? "n" : "s"}:${masterSeed}\u0000${runIndex}\u0000${name}`);
}

/**
 * The random streams of run `runIndex` of an experiment seeded with `seed`.
 * @example
 * ```ts
 * const rng = streams(42, 0).get("market-maker/3");
 * rng.normal(0, 1);
 * ```
 */
export function streams(seed: Seed, runIndex: number): RandomStreams {
  return new RandomStreams(seed, runIndex);
}
