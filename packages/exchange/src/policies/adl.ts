/**
 * Auto-deleveraging: who takes the insurance fund's inventory when the fund cannot. The policy
 * ranks the opposite positions; the engine closes them in that order at the bankruptcy value and
 * itself refuses any close that would leave a counterparty's wallet below zero.
 *
 * @module
 */

import { mulDivRound } from "@cascade/core";
import { INSURANCE_FUND } from "../fund-account.ts";
import { adlScore } from "../position-math.ts";
import type { VenueView } from "./venue-view.ts";

/** Ranks auto-deleveraging counterparties. Replaceable per venue. */
export interface AdlPolicy {
  /** Whether auto-deleveraging runs at all (config `insuranceFund.adl`). */
  readonly enabled: boolean;
  /**
   * Accounts to close against `lots` of the fund's inventory (long if `fundLong`) worth
   * `notionalUnits` in total, best first. Only opposite positions may be listed.
   */
  queue(view: VenueView, fundLong: boolean, lots: number, notionalUnits: number): readonly number[];
}

/** Auto-deleveraging off: the fund keeps everything it takes over. */
export class NoAdl implements AdlPolicy {
  /** Off. */
  readonly enabled = false;
  /** Nobody. */
  queue(): readonly number[] {
    return [];
  }
}

/**
 * BitMEX ranking: score = PnL% × effective leverage for positions in profit at the mark, highest
 * first, ties by account id [BitMEX ADL]. Only positions in profit whose whole close at the
 * bankruptcy value keeps their margin balance ≥ 0 are in the queue: ADL never bankrupts a
 * counterparty.
 */
export class BitmexRankedAdl implements AdlPolicy {
  /** On. */
  readonly enabled = true;

  /** Eligible opposite positions by score, highest first. */
  queue(view: VenueView, fundLong: boolean, lots: number, notionalUnits: number): readonly number[] {
    const set = fundLong ? view.shorts : view.longs;
    const candidates: { account: number; score: number }[] = [];
    for (let i = 0; i < set.size; i++) {
      const a = set.at(i);
      if (a === INSURANCE_FUND) continue;
      const score = adlScore(view.positionState(a), view.markTicks, view.quotePerTickLot);
      if (score > 0 && solventAtValue(view, a, notionalUnits, lots)) candidates.push({ account: a, score });
    }
    candidates.sort((x, y) => y.score - x.score || x.account - y.account);
    return candidates.map((c) => c.account);
  }
}

/**
 * Whether account `a`'s whole position, closed at the price of `lots` lots worth `notionalUnits`,
 * keeps a margin balance ≥ 0 (the price is on the safe side of its own bankruptcy price).
 */
export function solventAtValue(view: VenueView, a: number, notionalUnits: number, lots: number): boolean {
  const acc = view.accounts;
  const size = acc.size[a]!;
  const value = mulDivRound(notionalUnits, Math.abs(size), lots);
  return acc.positionMargin(a) + (size > 0 ? value : -value) - acc.basis[a]! >= 0;
}
