/**
 * Message latency between agents and venues: a per-link base drawn once per run (log-normal
 * across agents, so some are colocated and some are far), exponential jitter per message, and a
 * stress term that grows with the venue's message load — venues slow down in crashes, which is
 * part of why cascades feed on themselves.
 *
 * @module
 */

import { ConfigError, NS_PER_MS, NS_PER_SECOND, NS_PER_US, type RandomStream } from "@cascade/core";

/** Latency settings of a world. */
export interface LatencyConfig {
  /** Median one-way base latency of a link, ns. Default 2 ms. */
  readonly medianNs?: number;
  /** Log-normal dispersion (σ of ln latency) of base latencies across agents. Default 0.5. */
  readonly dispersion?: number;
  /** Mean of the exponential per-message jitter, ns. Default 100 µs. */
  readonly jitterMeanNs?: number;
  /** Message rate per second at a venue above which latency starts to grow. Default 5,000. */
  readonly stressReferenceRate?: number;
  /** Growth of latency per unit of load above the reference: multiplier = 1 + k·(rate/ref − 1). Default 0.5. */
  readonly stressCoefficient?: number;
  /** Cap on the stress multiplier. Default 20. */
  readonly stressMaxMultiplier?: number;
  /** Time constant of the load estimate (exponentially decayed count), ns. Default 1 s. */
  readonly stressWindowNs?: number;
}

/** {@link LatencyConfig} with defaults filled in. */
export type ResolvedLatencyConfig = Required<LatencyConfig>;

/** Fills in and checks latency settings. @throws {@link @cascade/core!ConfigError} naming `latency.<field>`. */
export function resolveLatency(config: LatencyConfig = {}): ResolvedLatencyConfig {
  const c: ResolvedLatencyConfig = {
    medianNs: config.medianNs ?? 2 * NS_PER_MS,
    dispersion: config.dispersion ?? 0.5,
    jitterMeanNs: config.jitterMeanNs ?? 100 * NS_PER_US,
    stressReferenceRate: config.stressReferenceRate ?? 5_000,
    stressCoefficient: config.stressCoefficient ?? 0.5,
    stressMaxMultiplier: config.stressMaxMultiplier ?? 20,
    stressWindowNs: config.stressWindowNs ?? NS_PER_SECOND,
  };
  for (const [k, v] of Object.entries(c)) {
    if (!(typeof v === "number" && Number.isFinite(v) && v >= 0)) {
      throw new ConfigError(`latency.${k}`, v, "must be a finite number ≥ 0");
    }
  }
  if (c.stressReferenceRate <= 0)
    throw new ConfigError("latency.stressReferenceRate", c.stressReferenceRate, "must be > 0");
  if (c.stressWindowNs <= 0) throw new ConfigError("latency.stressWindowNs", c.stressWindowNs, "must be > 0");
  if (c.stressMaxMultiplier < 1)
    throw new ConfigError("latency.stressMaxMultiplier", c.stressMaxMultiplier, "must be ≥ 1");
  return c;
}

/** Per-venue load estimate and the stress multiplier it implies. */
export class VenueLoad {
  private count = 0;
  private lastNs = 0;
  private readonly config: ResolvedLatencyConfig;

  constructor(config: ResolvedLatencyConfig) {
    this.config = config;
  }

  /** Records one message arriving at `nowNs`. */
  record(nowNs: number): void {
    this.decay(nowNs);
    this.count += 1;
  }

  /** Estimated message rate per second at `nowNs`. */
  ratePerSecond(nowNs: number): number {
    this.decay(nowNs);
    return (this.count * NS_PER_SECOND) / this.config.stressWindowNs;
  }

  /** Latency multiplier at `nowNs` (≥ 1). */
  multiplier(nowNs: number): number {
    const c = this.config;
    const excess = this.ratePerSecond(nowNs) / c.stressReferenceRate - 1;
    if (excess <= 0) return 1;
    return Math.min(1 + c.stressCoefficient * excess, c.stressMaxMultiplier);
  }

  private decay(nowNs: number): void {
    const dt = nowNs - this.lastNs;
    if (dt > 0) {
      this.count *= Math.exp(-dt / this.config.stressWindowNs);
      this.lastNs = nowNs;
    }
  }
}

/** Draws a link's base latency (ns, integer ≥ 1). */
export function drawBaseLatencyNs(rng: RandomStream, config: ResolvedLatencyConfig): number {
  return Math.max(1, Math.round(config.medianNs * Math.exp(config.dispersion * rng.normal())));
}

/** One message's latency over a link with base `baseNs` (ns, integer ≥ 1). */
export function messageLatencyNs(
  rng: RandomStream,
  baseNs: number,
  multiplier: number,
  config: ResolvedLatencyConfig,
): number {
  const jitter = config.jitterMeanNs > 0 ? rng.exponential(1 / config.jitterMeanNs) : 0;
  return Math.max(1, Math.round((baseNs + jitter) * multiplier));
}
