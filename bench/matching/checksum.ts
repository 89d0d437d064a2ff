/**
 * What a replay must agree on, whoever ran it: the trades it produced and the book it left.
 * Equal checksums on the same stream are cheap evidence that two books did the same work.
 *
 * @module
 */

/** Running totals of trades. */
export interface TradeTally {
  /** Number of trades (one per taker/maker match). */
  trades: number;
  /** Total traded quantity in lots. */
  qty: number;
  /** Total traded notional in tick·lots (Σ price × qty); exact below 2^53. */
  notional: number;
}

/** A fresh, zeroed {@link TradeTally}. */
export function emptyTally(): TradeTally {
  return { trades: 0, qty: 0, notional: 0 };
}

/** The results of replaying a stream. */
export interface Checksum extends TradeTally {
  /** Cancels that named no live order. */
  cancelMisses: number;
  /** Limit and market orders the book refused (the stream contains only valid ones, so 0). */
  rejects: number;
  /** Orders resting when the replay ended. */
  restingAtEnd: number;
}

/** A fresh, zeroed {@link Checksum}. */
export function emptyChecksum(): Checksum {
  return { ...emptyTally(), cancelMisses: 0, rejects: 0, restingAtEnd: 0 };
}

const FIELDS = ["trades", "qty", "notional", "cancelMisses", "rejects", "restingAtEnd"] as const;

/** Names of the fields on which `a` and `b` differ (empty when they agree). */
export function checksumDifferences(a: Checksum, b: Checksum): string[] {
  return FIELDS.filter((f) => a[f] !== b[f]).map((f) => `${f} ${a[f]} ≠ ${b[f]}`);
}

/** The trade part of `a` and `b` agree (count, quantity, notional). */
export function sameTrades(a: TradeTally, b: TradeTally): boolean {
  return a.trades === b.trades && a.qty === b.qty && a.notional === b.notional;
}
