/**
 * The arrival of news and attention as a multiplier of trading activity, a(t) = exp(X_t − σ²/2) with
 * X a stationary Ornstein–Uhlenbeck process (standard deviation σ, correlation time τ), so E[a] = 1.
 * Order flow whose rate follows a(t) makes returns a Brownian motion on a random business clock —
 * the mixture-of-distributions hypothesis (Clark 1973, *Econometrica* 41; Andersen 1996, *Journal
 * of Finance* 51): heavy tails and volatility clustering without linear autocorrelation.
 *
 * X is stepped on a fixed grid (t = k·`stepNs`) with the exact OU transition, drawing one normal per
 * step from its stream. The path depends only on the stream and the parameters, never on when it is
 * read: populations that read the same shared stream ({@link AgentContext.sharedRng}) with the same
 * parameters see the same news — one common factor for every market, as in real markets.
 *
 * @module
 */

import { ConfigError, type RandomStream } from "@cascade/core";
import type { AgentContext } from "@cascade/sim";
import { requireNonNegative, requirePositiveInt } from "./config-checks.ts";

/** Parameters of a {@link NewsActivity} process. */
export interface NewsActivityConfig {
  /** Name of the shared random stream the process draws from, e.g. `"news"`. */
  readonly stream: string;
  /** Standard deviation σ of the log-activity X (0: a ≡ 1). */
  readonly volatility: number;
  /** Correlation time τ of X, ns. */
  readonly correlationNs: number;
  /** Grid step of the process, ns. Default 1 s. */
  readonly stepNs?: number;
}

/** A log-normal activity multiplier driven by a stationary Ornstein–Uhlenbeck process on a fixed grid. */
export class NewsActivity {
  private readonly decay: number;
  private readonly shock: number;
  private readonly stepNs: number;
  private x: number;
  private stepsDone = 0;

  /**
   * @param config the process's parameters.
   * @param rng its random stream: pass `ctx.sharedRng(config.stream)` (see {@link newsActivity}).
   * @throws {@link @cascade/core!ConfigError} naming the field.
   */
  constructor(
    private readonly config: NewsActivityConfig,
    private readonly rng: RandomStream,
  ) {
    if (typeof config.stream !== "string" || config.stream === "")
      throw new ConfigError("newsActivity.stream", config.stream, "must be a non-empty string");
    requireNonNegative("newsActivity.volatility", config.volatility);
    requirePositiveInt("newsActivity.correlationNs", config.correlationNs);
    this.stepNs = config.stepNs ?? 1_000_000_000;
    requirePositiveInt("newsActivity.stepNs", this.stepNs);
    this.decay = Math.exp(-this.stepNs / config.correlationNs);
    this.shock = Math.sqrt(1 - this.decay * this.decay);
    // Start in the stationary distribution.
    this.x = config.volatility * rng.normal();
  }

  /** The multiplier a(t) at simulated time `nowNs` (non-decreasing calls; steps the grid up to it). */
  at(nowNs: number): number {
    const s = this.config.volatility;
    if (s === 0) return 1;
    const due = Math.floor(nowNs / this.stepNs);
    while (this.stepsDone < due) {
      this.x = this.x * this.decay + s * this.shock * this.rng.normal();
      this.stepsDone++;
    }
    return Math.exp(this.x - (s * s) / 2);
  }
}

/** A {@link NewsActivity} reading the shared stream `config.stream` of the agent's world. */
export function newsActivity(ctx: AgentContext, config: NewsActivityConfig): NewsActivity {
  return new NewsActivity(config, ctx.sharedRng(config.stream));
}
