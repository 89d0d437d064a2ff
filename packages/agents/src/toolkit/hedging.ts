/**
 * Hedging helpers: how much an account can trade, which order removes a residual delta between
 * two legs, and the price of a marketable hedge order. Pure functions over integers (ticks, lots,
 * quote units); a strategy calls them and sends what they say.
 *
 * @module
 */

import { Side } from "@cascade/core";

/** Share of a perpetual account's margin capacity {@link perpCapacityLots} lets a strategy use. */
export const PERP_MARGIN_USE = 0.9;

/**
 * Lots a perp account can still trade in `direction` (+1 sells, −1 buys) without its position
 * exceeding what `PERP_MARGIN_USE` × margin balance × leverage covers at `priceTicks`, fees
 * included. Reducing trades always fit.
 * @param marginBalanceUnits wallet + unrealised PnL, quote units.
 * @param positionLots current signed position.
 * @param direction +1 to sell, −1 to buy (a `BasisDirection` of the arbitrageur).
 * @example
 * ```ts
 * perpCapacityLots(1_000_000_000, 5, 700_000, 1, 500, 0, 1); // 6_412 lots: 0.9 × 100k USDT × 5 at 70k, fees
 * ```
 */
export function perpCapacityLots(
  marginBalanceUnits: number,
  leverage: number,
  priceTicks: number,
  quotePerTickLot: number,
  takerFeePpm: number,
  positionLots: number,
  direction: number,
): number {
  if (!(priceTicks > 0) || !Number.isFinite(marginBalanceUnits)) return 0;
  const perLot = priceTicks * quotePerTickLot * (1 + (leverage * Math.max(0, takerFeePpm)) / 1e6);
  const maxAbs = Math.max(0, Math.floor((marginBalanceUnits * leverage * PERP_MARGIN_USE) / perLot));
  const q = direction === 1 ? positionLots + maxAbs : maxAbs - positionLots;
  return Math.max(0, q);
}

/**
 * Lots a spot account can buy at `priceTicks` with `cashUnits`, paying the taker fee.
 * @example
 * ```ts
 * spotBuyCapacityLots(700_000_000, 700_000, 1, 1_000); // 999 lots (1,000 lots would need 700 more units)
 * ```
 */
export function spotBuyCapacityLots(
  cashUnits: number,
  priceTicks: number,
  quotePerTickLot: number,
  takerFeePpm: number,
): number {
  if (!(priceTicks > 0) || !(cashUnits > 0)) return 0;
  const n = priceTicks * quotePerTickLot;
  const perLot = n + Math.ceil((n * Math.max(0, takerFeePpm)) / 1e6);
  return Math.floor(cashUnits / perLot);
}

/** The leg of a two-leg (perp + spot) position. */
export const Leg = { Perp: 0, Spot: 1 } as const;
/** One of the {@link Leg} values. */
export type Leg = (typeof Leg)[keyof typeof Leg];

/** A residual-hedge order: leg, side and size. */
export interface HedgeOrder {
  /** The leg to trade. */
  readonly leg: Leg;
  /** Buy or sell. */
  readonly side: Side;
  /** Size, lots. */
  readonly qtyLots: number;
}

/**
 * The order that removes a residual delta (`perpPosition + spotInventoryChange`, lots; positive =
 * net long): on `preferredLeg` (the leg that filled less), or on the perp when the spot account
 * lacks the asset (sell) or cash (buy) for it. `null` when there is no residual.
 * @example
 * ```ts
 * residualHedge(-40, Leg.Spot, 1_000, 0); // { leg: Spot, side: Buy, qtyLots: 40 }: complete the spot buy
 * ```
 */
export function residualHedge(
  residualLots: number,
  preferredLeg: Leg,
  spotBuyCapacity: number,
  spotSellCapacity: number,
): HedgeOrder | null {
  if (residualLots === 0 || !Number.isFinite(residualLots)) return null;
  const side = residualLots > 0 ? Side.Sell : Side.Buy;
  const qtyLots = Math.abs(residualLots);
  const spotOk = side === Side.Sell ? spotSellCapacity >= qtyLots : spotBuyCapacity >= qtyLots;
  return { leg: preferredLeg === Leg.Spot && spotOk ? Leg.Spot : Leg.Perp, side, qtyLots };
}

/**
 * Limit price of a marketable hedge order: `slippageBps` beyond the touch `topTicks` (above the
 * best ask for a buy, rounded up; below the best bid for a sell, rounded down, at least 1 tick).
 * @example
 * ```ts
 * marketableLimitTicks(Side.Buy, 700_000, 20);  // 701_400
 * marketableLimitTicks(Side.Sell, 700_000, 20); // 698_600
 * ```
 */
export function marketableLimitTicks(side: Side, topTicks: number, slippageBps: number): number {
  const slip = slippageBps / 1e4;
  return side === Side.Buy
    ? Math.ceil(topTicks * (1 + slip))
    : Math.max(1, Math.floor(topTicks * (1 - slip)));
}
