/**
 * The insurance-fund rules of real venues, each a parameter (see docs/model.md, "fund rules"):
 *
 * - **position cap**: the fund's net position, at the mark, may be at most `positionCap` × its
 *   equity; what exceeds it goes to auto-deleveraging at once (Binance: 100 % of the fund);
 * - **solvency at an executable price**: the fund values its inventory at what selling (buying
 *   back) all of it into the book would fetch, not at the mark;
 * - **ADL sized to restore equity**: when that equity is below the threshold, ADL takes just
 *   enough lots (new takeover first, then older inventory) to bring it back, counting realised
 *   losses (the wallet) and unrealised ones;
 * - **a paced workout**: a TWAP of the inventory over `workoutHorizonNs`, at most `volumeShare` of
 *   what the market traded since the last mark update, never below (above) the index ∓ `floorPpm`;
 * - **a clearance fee**: of a liquidation's fills better than bankruptcy, the fund keeps
 *   `clearanceFeePpm` of the filled notional (Binance: up to 0.5 %), the trader the rest; partial
 *   (tier-reducing) steps pay it on the part they close;
 * - **the wallet never goes below zero**: a loss nothing covers is recorded as socialised loss.
 *
 * @module
 */

import { mulDivCeil, PPM, Side } from "@cascade/core";
import { NO_PRICE } from "@cascade/matching-engine";
import { INSURANCE_FUND } from "../fund-account.ts";
import type { FundPolicy, WorkoutOrder } from "./fund.ts";
import type { VenueView } from "./venue-view.ts";

/** Parameters of {@link VenueRulesFund}. */
export interface VenueRulesFundConfig {
  /** ADL restores the fund's equity to at least this, quote units (default 0). */
  readonly adlThresholdUnits: number;
  /** Largest net position, as a fraction of fund equity (null: no cap). */
  readonly positionCap: number | null;
  /** `"executable"`: inventory valued at its impact price on the book; `"mark"`: at the mark. */
  readonly valuation: "mark" | "executable";
  /** Share of a liquidation's filled notional the fund keeps from the surplus, ppm (null: all the surplus). */
  readonly clearanceFeePpm: number | null;
  /** The workout sells the inventory over this horizon (TWAP), ns; null: all of it at every update. */
  readonly workoutHorizonNs: number | null;
  /** At most this share of the lots the book traded since the last update (null: no volume cap). */
  readonly volumeShare: number | null;
  /** The workout never sells below index × (1 − floor) nor buys above index × (1 + floor), ppm (null: no floor). */
  readonly floorPpm: number | null;
  /** How far through the touch a workout IOC may trade, ppm. */
  readonly slippagePpm: number;
}

/** The fund rules of real venues (module doc). */
export class VenueRulesFund implements FundPolicy {
  /** The wallet never goes below zero. */
  readonly floorWallet = true;
  private readonly prices = new Float64Array(512);
  private readonly qtys = new Float64Array(512);
  private lastWorkoutNs = -1;
  private lastTradedLots = 0;

  /** @param config see {@link VenueRulesFundConfig}. */
  constructor(readonly config: VenueRulesFundConfig) {}

  /** min(surplus, ceil(fee × filled notional)). */
  clearanceUnits(surplusUnits: number, filledNotionalUnits: number): number {
    const fee = this.config.clearanceFeePpm;
    if (fee === null) return surplusUnits;
    return Math.min(surplusUnits, mulDivCeil(filledNotionalUnits, fee, PPM));
  }

  /**
   * min(surplus, ceil(fee × filled notional)) of a partial step; nothing when `clearanceFeePpm` is
   * null ("all the surplus" would leave the rest of the position as close to bankruptcy as before,
   * so no step could cure it).
   */
  partialClearanceUnits(surplusUnits: number, filledNotionalUnits: number): number {
    const fee = this.config.clearanceFeePpm;
    if (fee === null) return 0;
    return Math.min(surplusUnits, mulDivCeil(filledNotionalUnits, fee, PPM));
  }

  /** Lots that restore equity (new lots first, at `notionalUnits`), then what the cap forbids. */
  adlLotsAfterTakeover(view: VenueView, lots: number, notionalUnits: number): number {
    return this.lotsToDeleverage(view, lots, notionalUnits);
  }

  /** Older inventory to close when equity at the valuation price is short, or the cap exceeded. */
  adlLotsNow(view: VenueView): number {
    return this.lotsToDeleverage(view, 0, 0);
  }

  /**
   * The fund's equity at its valuation price: wallet + unrealised PnL of the inventory valued at
   * the executable (or mark) price, quote units.
   */
  equityUnits(view: VenueView): number {
    const acc = view.accounts;
    const size = acc.size[INSURANCE_FUND]!;
    if (size === 0) return acc.wallet[INSURANCE_FUND]!;
    const p = this.valuationTicks(view, size);
    return acc.wallet[INSURANCE_FUND]! + size * p * view.quotePerTickLot - acc.basis[INSURANCE_FUND]!;
  }

  /**
   * Where the fund's `size` lots are valued, ticks: the mark, or the average price of selling
   * (buying back) all of them into the book; lots beyond the book's depth at the floor price, or
   * the deepest level when that is worse.
   */
  valuationTicks(view: VenueView, size: number): number {
    const mark = view.markTicks;
    if (this.config.valuation === "mark" || size === 0) return mark;
    const long = size > 0;
    const n = view.book.depthInto(long ? Side.Buy : Side.Sell, this.prices.length, this.prices, this.qtys);
    let left = Math.abs(size);
    let value = 0;
    let last = Number.NaN;
    for (let i = 0; i < n && left > 0; i++) {
      const q = Math.min(left, this.qtys[i]!);
      value += q * this.prices[i]!;
      left -= q;
      last = this.prices[i]!;
    }
    if (left > 0) {
      const floor = this.floorTicks(view, long);
      let rest = Number.isFinite(floor) ? floor : mark;
      if (Number.isFinite(last)) rest = long ? Math.min(rest, last) : Math.max(rest, last);
      if (!Number.isFinite(rest)) return mark;
      value += left * rest;
    }
    return value / Math.abs(size);
  }

  private lotsToDeleverage(view: VenueView, newLots: number, newNotional: number): number {
    const acc = view.accounts;
    const m = view.quotePerTickLot;
    const size = acc.size[INSURANCE_FUND]!;
    const abs = Math.abs(size);
    const mark = view.markTicks;
    if (abs === 0 || !Number.isFinite(mark)) return 0;
    const sign = size > 0 ? 1 : -1;
    const p = this.valuationTicks(view, size);
    const equity = acc.wallet[INSURANCE_FUND]! + size * p * m - acc.basis[INSURANCE_FUND]!;
    // Closing a lot by ADL at value v (per lot) instead of holding it at p changes equity by
    // s·(v − p·m): new lots go first at their bankruptcy value, older ones at the fund's entry value.
    const gainNew = newLots > 0 ? sign * (newNotional / newLots - p * m) : 0;
    const gainOld = sign * (Math.abs(acc.basis[INSURANCE_FUND]!) / abs - p * m);
    const gain = (k: number): number => {
      const kn = Math.min(k, newLots);
      return kn * gainNew + (k - kn) * gainOld;
    };
    let lots = 0;
    // Solvency: just enough lots to bring equity back to the threshold, counting the realised
    // shortfall (the wallet) and the unrealised one (the valuation).
    const threshold = this.config.adlThresholdUnits;
    if (equity < threshold) {
      if (gainNew > 0) lots = Math.min(newLots, Math.ceil((threshold - equity) / gainNew));
      if (equity + gain(lots) < threshold && gainOld > 0) {
        lots += Math.min(abs - lots, Math.ceil((threshold - equity - gain(lots)) / gainOld));
      }
    }
    // The cap: the net position at the mark may be at most cap × equity (after the closes, which
    // move equity too); the excess goes at once.
    const cap = this.config.positionCap;
    if (cap !== null) {
      for (let i = 0; i < 4; i++) {
        const allowed = Math.floor((cap * Math.max(0, equity + gain(lots))) / (mark * m));
        if (abs - allowed <= lots) break;
        lots = Math.min(abs, abs - allowed);
      }
    }
    return Math.min(abs, Math.max(0, lots));
  }

  /** A TWAP slice of the inventory, within the volume share, limited at the touch ∓ slippage and the floor. */
  workoutOrder(view: VenueView, out: WorkoutOrder): boolean {
    const c = this.config;
    const size = view.accounts.size[INSURANCE_FUND]!;
    const now = view.nowNs;
    const dt = this.lastWorkoutNs < 0 ? 0 : now - this.lastWorkoutNs;
    const traded = view.book.tradedLots - this.lastTradedLots;
    this.lastWorkoutNs = now;
    this.lastTradedLots = view.book.tradedLots;
    if (size === 0 || !Number.isFinite(view.markTicks)) return false;
    const long = size > 0;
    const touch = long ? view.book.bestBid() : view.book.bestAsk();
    if (touch === NO_PRICE) return false;
    const abs = Math.abs(size);
    let qty = c.workoutHorizonNs === null ? abs : Math.ceil((abs * Math.max(dt, 1)) / c.workoutHorizonNs);
    if (c.volumeShare !== null) qty = Math.min(qty, Math.floor(c.volumeShare * traded));
    if (qty <= 0) return false;
    const slip = c.slippagePpm;
    let limit = long ? Math.floor((touch * (PPM - slip)) / PPM) : Math.ceil((touch * (PPM + slip)) / PPM);
    const floor = this.floorTicks(view, long);
    if (Number.isFinite(floor))
      limit = long ? Math.max(limit, Math.ceil(floor)) : Math.min(limit, Math.floor(floor));
    out.side = long ? Side.Sell : Side.Buy;
    out.limitTicks = limit;
    out.qtyLots = Math.min(qty, abs);
    return true;
  }

  /** index × (1 ∓ floor) for a seller (buyer), ticks; NaN without a floor or an index. */
  private floorTicks(view: VenueView, long: boolean): number {
    const f = this.config.floorPpm;
    if (f === null || !Number.isFinite(view.indexTicks)) return Number.NaN;
    return long ? (view.indexTicks * (PPM - f)) / PPM : (view.indexTicks * (PPM + f)) / PPM;
  }
}
