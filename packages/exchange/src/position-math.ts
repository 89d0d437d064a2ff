/**
 * Pure margin arithmetic of one isolated position (or one position on a cross wallet): PnL,
 * margin balance, maintenance margin, the exact liquidation predicate and its price boundary,
 * bankruptcy price and ADL score. All money is integer quote units; `m` is the instrument's
 * `quotePerTickLot` (notional = ticks × lots × m).
 *
 * The exact integer predicate {@link isLiquidatable} is the definition of "liquidatable"; the
 * published closed form for the liquidation price (Binance: LP = (WB + cum − side·Q·EP) /
 * (Q·MMR − side·Q)) only seeds the search for its boundary.
 *
 * @module
 */

import type { MarginTiers } from "./margin-tiers.ts";

/** The margin-relevant state of one position. */
export interface PositionState {
  /** Signed size in lots: + long, − short. */
  sizeLots: number;
  /** Signed entry value in quote units: sizeLots × entryPrice × m (negative for a short). */
  basisUnits: number;
  /** Margin backing the position in quote units (isolated margin, or the cross wallet balance). */
  marginUnits: number;
}

/**
 * Which notional sets the maintenance margin (and its tier):
 * - `"mark"` (Binance): |size| × price × m, so MM moves with the price and may change tier;
 * - `"entry"` (Bybit): |basis|, constant while the position is unchanged.
 */
export type NotionalConvention = "mark" | "entry";

/** Unrealised PnL in quote units at `priceTicks`: size × price × m − basis. */
export function unrealizedPnlUnits(pos: PositionState, priceTicks: number, m: number): number {
  return pos.sizeLots * priceTicks * m - pos.basisUnits;
}

/** Margin balance in quote units at `priceTicks`: margin + unrealised PnL. */
export function marginBalanceUnits(pos: PositionState, priceTicks: number, m: number): number {
  return pos.marginUnits + pos.sizeLots * priceTicks * m - pos.basisUnits;
}

/** Maintenance margin in quote units at `priceTicks` under `convention`; 0 for a flat position. */
export function maintenanceMarginUnits(
  pos: PositionState,
  priceTicks: number,
  tiers: MarginTiers,
  m: number,
  convention: NotionalConvention,
): number {
  if (pos.sizeLots === 0) return 0;
  const notional = convention === "mark" ? Math.abs(pos.sizeLots) * priceTicks * m : Math.abs(pos.basisUnits);
  return tiers.maintenanceMargin(notional);
}

/**
 * Exact integer liquidation predicate: size ≠ 0 and margin balance ≤ maintenance margin at
 * `priceTicks`. Exact while size × price × m stays a safe integer.
 */
export function isLiquidatable(
  pos: PositionState,
  priceTicks: number,
  tiers: MarginTiers,
  m: number,
  convention: NotionalConvention,
): boolean {
  if (pos.sizeLots === 0) return false;
  return (
    marginBalanceUnits(pos, priceTicks, m) <= maintenanceMarginUnits(pos, priceTicks, tiers, m, convention)
  );
}

/**
 * The integer trigger price of a position, exact with respect to {@link isLiquidatable}:
 * for a long the HIGHEST tick at which it is liquidatable (liquidatable at every price ≤ it),
 * for a short the LOWEST (liquidatable at every price ≥ it). Monotonicity holds because MM grows
 * by at most the notional's own change (rates < 1), so margin balance − MM is monotone in price.
 *
 * The search range is [1, `maxPriceTicks`]. Returns -1 (no trigger) for a flat position, a long
 * not liquidatable even at 1 tick, or a short not liquidatable even at `maxPriceTicks`. A long
 * still liquidatable at `maxPriceTicks` returns `maxPriceTicks`; a short liquidatable at 1 returns 1.
 *
 * @param maxPriceTicks upper end of the search; default keeps size × price × m below 2^52.
 * @example Bybit: long 1 BTC at 20,000 with 400 USDT margin, MMR 0.5 %, "entry" → 197,000 ticks (19,700.0).
 */
export function liquidationTriggerTicks(
  pos: PositionState,
  tiers: MarginTiers,
  m: number,
  convention: NotionalConvention,
  maxPriceTicks: number = Math.floor(2 ** 52 / (Math.abs(pos.sizeLots) * m || 1)),
): number {
  const s = pos.sizeLots;
  if (s === 0 || maxPriceTicks < 1) return -1;
  // No closures here: this runs on every fill, and closure creation is not free.
  const guess = Math.round(estimateTriggerTicks(pos, tiers, m, convention));
  if (s > 0) {
    if (!isLiquidatable(pos, 1, tiers, m, convention)) return -1;
    if (isLiquidatable(pos, maxPriceTicks, tiers, m, convention)) return maxPriceTicks;
    return lastTrue(pos, tiers, m, convention, false, 1, maxPriceTicks, guess);
  }
  if (!isLiquidatable(pos, maxPriceTicks, tiers, m, convention)) return -1;
  if (isLiquidatable(pos, 1, tiers, m, convention)) return 1;
  return lastTrue(pos, tiers, m, convention, true, 1, maxPriceTicks, guess - 1) + 1;
}

/**
 * Closed-form (float) liquidation price in ticks, per tier: solves
 * margin + s·P·m − basis = |s|·P·m·MMR − amount for the tier that the solution's notional falls
 * in ("mark"), or with the constant MM of the entry notional ("entry"). NaN for a flat position.
 * Only an estimate: it ignores the ceil in MM; {@link liquidationTriggerTicks} is exact.
 */
export function estimateTriggerTicks(
  pos: PositionState,
  tiers: MarginTiers,
  m: number,
  convention: NotionalConvention,
): number {
  const s = pos.sizeLots;
  if (s === 0) return Number.NaN;
  const k = pos.basisUnits - pos.marginUnits;
  if (convention === "entry") return (k + tiers.maintenanceMargin(Math.abs(pos.basisUnits))) / (s * m);
  const q = Math.abs(s) * m;
  let floorUnits = 0;
  let p = Number.NaN;
  for (const t of tiers.tiers) {
    const r = t.mmrPpm / 1e6;
    // s·P·m − |s|·P·m·r = basis − margin − amount
    p = (k - t.maintenanceAmountUnits) / (s * m - q * r);
    const notional = q * p;
    if (notional <= t.maxNotionalUnits && notional >= floorUnits) return p;
    floorUnits = t.maxNotionalUnits;
  }
  return p; // beyond the last bound: the last tier applies
}

/**
 * The largest x in [lo, hi] with pred(x), for a predicate true on [lo, x] and false after it,
 * given pred(lo) and !pred(hi). Gallops from `guess` (usually within a tick), then bisects.
 */
function lastTrue(
  pos: PositionState,
  tiers: MarginTiers,
  m: number,
  convention: NotionalConvention,
  negate: boolean,
  lo: number,
  hi: number,
  guess: number,
): number {
  let a = lo; // holds(pos, a, tiers, m, convention, negate) known true
  let b = hi; // holds(pos, b, tiers, m, convention, negate) known false
  const g = Number.isFinite(guess) ? Math.min(Math.max(guess, lo), hi) : lo;
  if (holds(pos, g, tiers, m, convention, negate)) {
    a = g;
    for (let step = 1; a + step < hi; step *= 2) {
      if (!holds(pos, a + step, tiers, m, convention, negate)) {
        b = a + step;
        break;
      }
      a += step;
    }
  } else {
    b = g;
    for (let step = 1; b - step > lo; step *= 2) {
      if (holds(pos, b - step, tiers, m, convention, negate)) {
        a = b - step;
        break;
      }
      b -= step;
    }
  }
  while (b - a > 1) {
    const mid = a + Math.floor((b - a) / 2);
    if (holds(pos, mid, tiers, m, convention, negate)) a = mid;
    else b = mid;
  }
  return a;
}

/** isLiquidatable at `p`, or its negation (a short's search runs on the last safe price). */
function holds(
  pos: PositionState,
  p: number,
  tiers: MarginTiers,
  m: number,
  convention: NotionalConvention,
  negate: boolean,
): boolean {
  return isLiquidatable(pos, p, tiers, m, convention) !== negate;
}

/** Entry price in (fractional) ticks: basis / (size × m); NaN for a flat position. */
export function entryPriceTicks(pos: PositionState, m: number): number {
  return pos.sizeLots === 0 ? Number.NaN : pos.basisUnits / (pos.sizeLots * m);
}

/**
 * Bankruptcy price in (fractional) ticks, where the margin balance is exactly zero:
 * (basis − margin) / (size × m). NaN for a flat position; may be ≤ 0 for a long whose margin
 * covers its whole notional (it cannot go bankrupt).
 */
export function bankruptcyPriceTicks(pos: PositionState, m: number): number {
  return pos.sizeLots === 0 ? Number.NaN : (pos.basisUnits - pos.marginUnits) / (pos.sizeLots * m);
}

/**
 * The bankruptcy price rounded to the tick grid on the side that keeps the margin balance ≥ 0:
 * ceil for a long (its closing sell must fill at or above it), floor for a short (its closing
 * buy at or below). The limit of the liquidation engine's closing IOC order. -1 for a flat
 * position; may be ≤ 0 for a fully collateralised long (no bankruptcy: close at any price).
 */
export function bankruptcyLimitTicks(pos: PositionState, m: number): number {
  const s = pos.sizeLots;
  if (s === 0) return -1;
  const k = pos.basisUnits - pos.marginUnits;
  // Math.ceil / Math.floor of a quotient of safe integers is exact (the error of one division is
  // below the distance to the next integer).
  return s > 0 ? Math.ceil(k / (s * m)) : Math.floor(-k / (-s * m));
}

/** Initial margin in quote units for a notional at a leverage: ceil(notional / leverage). */
export function initialMarginUnits(notionalUnits: number, leverage: number): number {
  return Math.ceil(notionalUnits / leverage);
}

/**
 * BitMEX auto-deleveraging score (float; larger = deleveraged first; rank longs and shorts
 * separately). With signed values for the side:
 * PnL% = (mark value − entry value) / |entry value|,
 * effective leverage = |mark value| / (mark value − bankrupt value) = |mark value| / margin balance,
 * score = PnL% × effLev if PnL% > 0, else PnL% / effLev.
 * A position with margin balance ≤ 0 has infinite effective leverage (it is bankrupt): its score
 * is +∞ when profitable, else 0. A flat position scores −∞ (never deleveraged).
 */
export function adlScore(pos: PositionState, markTicks: number, m: number): number {
  if (pos.sizeLots === 0) return Number.NEGATIVE_INFINITY;
  const markValue = pos.sizeLots * markTicks * m;
  const pnlPct = (markValue - pos.basisUnits) / Math.abs(pos.basisUnits);
  const balance = pos.marginUnits + markValue - pos.basisUnits;
  const effLev = balance > 0 ? Math.abs(markValue) / balance : Number.POSITIVE_INFINITY;
  if (pnlPct > 0) return pnlPct * effLev;
  return effLev === Number.POSITIVE_INFINITY ? 0 : pnlPct / effLev;
}
