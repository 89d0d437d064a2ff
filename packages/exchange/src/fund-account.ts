/**
 * The insurance fund's account id on a perpetual venue.
 *
 * @module
 */

/** Account id of the insurance fund (which is also the liquidation engine's account). */
export const INSURANCE_FUND = 0;
