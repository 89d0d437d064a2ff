/**
 * The circuit breaker: halts trading after a large move of the mark. While halted, orders are
 * refused (`MarketHalted`), liquidations and the fund's workout wait, and the mark keeps updating.
 *
 * @module
 */

import { PPM } from "@cascade/core";
import type { MarkHistory } from "../mark-history.ts";

/** Decides at each mark update whether to halt trading. Replaceable per venue. */
export interface CircuitBreakerPolicy {
  /** Longest span of marks the policy reads, ns (sizes the venue's {@link MarkHistory}). */
  readonly historyWindowNs: number;
  /**
   * Called at every mark update while trading is not halted, after `marks` got the new mark.
   * Returns the time until which trading halts (≤ `nowNs`: no halt). May clear `marks`.
   */
  check(nowNs: number, marks: MarkHistory): number;
}

/** Never halts. */
export class NoCircuitBreaker implements CircuitBreakerPolicy {
  /** Reads no marks. */
  readonly historyWindowNs = 0;
  /** Never halts (-1). */
  check(): number {
    return -1;
  }
}

/**
 * Halts for `haltNs` when `(hi − lo) / hi ≥ movePpm / 10^6` over the marks of the last `windowNs`,
 * then forgets those marks so the move that tripped it cannot trip it again when trading resumes.
 * Config: `circuitBreaker: { movePpm, windowNs, haltNs }`.
 */
export class MoveCircuitBreaker implements CircuitBreakerPolicy {
  /** The window, ns. */
  readonly historyWindowNs: number;

  /** @param config the move (ppm of the window's high), the window and the halt (ns). */
  constructor(
    readonly config: { readonly movePpm: number; readonly windowNs: number; readonly haltNs: number },
  ) {
    this.historyWindowNs = config.windowNs;
  }

  /** Halts when the window's range reaches the move. */
  check(nowNs: number, marks: MarkHistory): number {
    if (marks.count < 2) return -1;
    let lo = Number.POSITIVE_INFINITY;
    let hi = Number.NEGATIVE_INFINITY;
    for (let k = 0; k < marks.count; k++) {
      if (nowNs - marks.timeAt(k) > this.config.windowNs) break;
      const p = marks.markAt(k);
      if (p < lo) lo = p;
      if (p > hi) hi = p;
    }
    if ((hi - lo) * PPM < this.config.movePpm * hi) return -1;
    marks.clear();
    return nowNs + this.config.haltNs;
  }
}
