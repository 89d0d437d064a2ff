/**
 * A spot market: one {@link OrderBook} plus per-account cash (quote units) and asset (lots)
 * balances, each split into a free and a locked part. Orders lock what they could cost before
 * they reach the book, so no balance can ever go negative; fills move cash and asset at the
 * maker's price and charge fees in cash to both sides.
 *
 * Money rules (all exact integers):
 * - notional of a fill = `priceTicks × qtyLots × m`, with `m = instrument.quotePerTickLot`;
 * - fee of a fill = `ceil(notional × feePpm / 10^6)` for the taker (and for the maker when
 *   `makerFeePpm ≥ 0`); a negative `makerFeePpm` is a rebate of `floor(notional × |makerFeePpm| / 10^6)`,
 *   paid by the venue out of the fees it collected (`makerFeePpm ≥ −takerFeePpm` guarantees it can);
 * - a buy locks, per lot, `limit × m + ceil(limit × m × rate / 10^6)` where `rate` is the worst
 *   fee rate the order can pay (`max(taker, maker, 0)`, or `max(maker, 0)` for post-only). Fees
 *   are rounded up per fill, so this per-lot reserve is exactly the worst case over any split
 *   into fills; on each fill the lock shrinks back to the reserve of the remaining lots and the
 *   price improvement and unspent fee reserve return to free cash;
 * - a sell locks its quantity of asset;
 * - a market buy locks the cost of sweeping the asks it can reach (up to the protection price, if
 *   any) for up to its quantity, plus the per-lot taker-fee reserve at each level. It fills what
 *   the book has and expires the rest (like the book's market order); it is never rejected for
 *   thin liquidity, only for lack of cash to pay for the reachable part.
 *
 * @module
 */

import {
  ConfigError,
  grown,
  Instrument,
  type InstrumentSpec,
  InvariantError,
  mulDivCeil,
  mulDivFloor,
  PPM,
  RejectCode,
  Side,
} from "@cascade/core";
import {
  EventKind,
  IdMap,
  MAX_PRICE_LEVELS,
  NO_PRICE,
  OrderBook,
  StpMode,
  TimeInForce,
} from "@cascade/matching-engine";
import { VenueEventBuffer, VenueEventFlag, VenueEventKind } from "./venue-events.ts";

const NONE = -1;
const MAX_SAFE = Number.MAX_SAFE_INTEGER;

/**
 * Self-trade prevention a spot venue uses when an order names none, and always for market orders:
 * cancel the incoming order's remainder and leave the resting order alone. It keeps the book that
 * other agents see stable, prints no wash trades into `lastTradeTicks` (an index input), and makes
 * an unprotected market buy's fills a prefix of the ask-side walk, so the venue's cash lock for it
 * is an exact upper bound.
 */
export const SPOT_DEFAULT_STP: StpMode = StpMode.CancelTaker;

/** Configuration of a {@link SpotVenue}. */
export interface SpotVenueConfig {
  /** The traded pair; sizes the tick, the lot and the quote unit. */
  readonly instrument: InstrumentSpec;
  /** Lowest accepted price in ticks (≥ 0). */
  readonly minPriceTicks: number;
  /** Highest accepted price in ticks; the book keeps one slot per tick in between. */
  readonly maxPriceTicks: number;
  /** Maker fee in ppm of notional; negative = rebate, at least `−takerFeePpm`. Default 0. */
  readonly makerFeePpm?: number;
  /** Taker fee in ppm of notional, in [0, 10^6]. Default 0. */
  readonly takerFeePpm?: number;
  /** Largest number of accounts (ids 0 … maxAccounts − 1). Default 2^24. */
  readonly maxAccounts?: number;
}

/**
 * The read-only queries of the venue's book (placing orders directly would bypass the accounts),
 * and `setListener` to observe each command's book events (e.g. a public trade tape).
 */
export type SpotBookView = Readonly<
  Pick<
    OrderBook,
    | "orderCount"
    | "tradedLots"
    | "tradedTickLots"
    | "minPriceTicks"
    | "maxPriceTicks"
    | "bestBid"
    | "bestAsk"
    | "qtyAt"
    | "depthInto"
    | "depth"
    | "qtyWithinTicks"
    | "qtyInRange"
    | "impact"
    | "hasOrder"
    | "remainingOf"
    | "getOrder"
    | "orders"
    | "checkInvariants"
    | "setListener"
  >
>;

/**
 * A spot venue: accounts (dense ids from 0, struct-of-arrays balances) trading one instrument
 * through one order book. Every command returns a {@link RejectCode} and writes what happened,
 * per account, into {@link SpotVenue.events} (cleared at the start of each call). The book's owner
 * id is the account id.
 *
 * @example
 * ```ts
 * const v = new SpotVenue({ instrument: BTCUSDT, minPriceTicks: 1, maxPriceTicks: 2_000_000, takerFeePpm: 500 });
 * const mm = v.openAccount(), buyer = v.openAccount();
 * v.deposit(mm, 0, 1_000);                       // 1 BTC in 0.001 lots
 * v.deposit(buyer, 1_000_000_000, 0);            // 100,000 USDT in 10^-4 units
 * v.limit(mm, 1, Side.Sell, 700_000, 500);       // rests; locks 500 lots
 * v.market(buyer, 2, Side.Buy, 100);             // 100 lots at 70,000.0 → notional 70,000,000 units
 * v.asset(buyer);                                // 100
 * v.cash(buyer);                                 // 1_000_000_000 − 70_000_000 − 35_000 (fee)
 * ```
 */
export class SpotVenue {
  /** Events of the most recent call, one row per account concerned. */
  readonly events = new VenueEventBuffer();
  /** The traded instrument. */
  readonly instrument: Instrument;
  /** Quote units per tick·lot (`m`): notional = priceTicks × qtyLots × m. */
  readonly quotePerTickLot: number;
  /** Maker fee in ppm (negative = rebate). */
  readonly makerFeePpm: number;
  /** Taker fee in ppm. */
  readonly takerFeePpm: number;
  /** Largest number of accounts. */
  readonly maxAccounts: number;
  /** The order book, for queries only. */
  readonly book: SpotBookView;
  /** Price of the most recent trade in ticks; `NaN` before the first. */
  lastTradeTicks = Number.NaN;

  private readonly ob: OrderBook;
  /** Fee-reserve rate (ppm) of a buy that may take: max(taker, maker, 0). */
  private readonly takeRate: number;
  /** Fee-reserve rate (ppm) of a post-only buy: max(maker, 0). */
  private readonly postRate: number;

  // Accounts: struct-of-arrays, grown by doubling.
  private nAccounts = 0;
  private aCash: Float64Array;
  private aCashLocked: Float64Array;
  private aAsset: Float64Array;
  private aAssetLocked: Float64Array;

  // Flows, for the conservation check.
  private cashIn = 0;
  private cashOut = 0;
  private assetIn = 0;
  private assetOut = 0;
  private fees = 0;
  private rebates = 0;

  // Live orders of the venue: struct-of-arrays indexed by slot, free list through oNext.
  private readonly ids = new IdMap(256);
  private oCap: number;
  private oId: Float64Array;
  private oAccount: Int32Array;
  private oSide: Uint8Array;
  private oLive: Uint8Array;
  /** Price the cash lock is held at (limit), or NO_PRICE for a market buy's fixed budget. */
  private oLockPrice: Float64Array;
  /** Fee reserve per lot at oLockPrice (buys). */
  private oFeePerLot: Float64Array;
  /** Fee-reserve rate in ppm (buys). */
  private oRate: Float64Array;
  /** Remaining lots. */
  private oRem: Float64Array;
  private oCashLock: Float64Array;
  private oAssetLock: Float64Array;
  private oNext: Int32Array;
  private freeHead = NONE;
  private liveOrders = 0;

  // Scratch for the market-buy depth walk.
  private walkPrices = new Float64Array(64);
  private walkQtys = new Float64Array(64);

  /** @throws {@link @cascade/core!ConfigError} naming the field (`spot.takerFeePpm`, `instrument.tickSize`, …). */
  constructor(config: SpotVenueConfig) {
    if (config === null || typeof config !== "object")
      throw new ConfigError("spot", config, "must be an object");
    this.instrument = new Instrument(config.instrument);
    this.quotePerTickLot = this.instrument.quotePerTickLot;
    const { minPriceTicks, maxPriceTicks } = config;
    if (!Number.isSafeInteger(minPriceTicks) || minPriceTicks < 0) {
      throw new ConfigError("spot.minPriceTicks", minPriceTicks, "must be a non-negative integer");
    }
    if (!Number.isSafeInteger(maxPriceTicks) || maxPriceTicks < minPriceTicks) {
      throw new ConfigError(
        "spot.maxPriceTicks",
        maxPriceTicks,
        `must be an integer ≥ minPriceTicks (${minPriceTicks})`,
      );
    }
    if (maxPriceTicks - minPriceTicks + 1 > MAX_PRICE_LEVELS) {
      throw new ConfigError(
        "spot.maxPriceTicks",
        maxPriceTicks,
        `spans more than ${MAX_PRICE_LEVELS} price levels`,
      );
    }
    if (maxPriceTicks * this.quotePerTickLot > MAX_SAFE) {
      throw new ConfigError("spot.maxPriceTicks", maxPriceTicks, "times quotePerTickLot exceeds 2^53");
    }
    const taker = config.takerFeePpm ?? 0;
    if (!Number.isInteger(taker) || taker < 0 || taker > PPM) {
      throw new ConfigError("spot.takerFeePpm", taker, `must be an integer in [0, ${PPM}]`);
    }
    const maker = config.makerFeePpm ?? 0;
    if (!Number.isInteger(maker) || maker < -taker || maker > PPM) {
      throw new ConfigError(
        "spot.makerFeePpm",
        maker,
        `must be an integer in [−takerFeePpm, ${PPM}] = [${-taker}, ${PPM}] (a rebate is paid out of taker fees)`,
      );
    }
    const maxAccounts = config.maxAccounts ?? 2 ** 24;
    if (!Number.isInteger(maxAccounts) || maxAccounts < 1 || maxAccounts > 2 ** 31 - 1) {
      throw new ConfigError("spot.maxAccounts", maxAccounts, "must be an integer in [1, 2^31 − 1]");
    }
    this.takerFeePpm = taker;
    this.makerFeePpm = maker;
    this.maxAccounts = maxAccounts;
    this.takeRate = Math.max(taker, maker, 0);
    this.postRate = Math.max(maker, 0);
    this.ob = new OrderBook({
      minPriceTicks,
      maxPriceTicks,
      maxOwner: maxAccounts - 1,
      defaultStp: SPOT_DEFAULT_STP,
    });
    this.book = this.ob;

    const na = 16;
    this.aCash = new Float64Array(na);
    this.aCashLocked = new Float64Array(na);
    this.aAsset = new Float64Array(na);
    this.aAssetLocked = new Float64Array(na);

    const no = 256;
    this.oCap = no;
    this.oId = new Float64Array(no);
    this.oAccount = new Int32Array(no);
    this.oSide = new Uint8Array(no);
    this.oLive = new Uint8Array(no);
    this.oLockPrice = new Float64Array(no);
    this.oFeePerLot = new Float64Array(no);
    this.oRate = new Float64Array(no);
    this.oRem = new Float64Array(no);
    this.oCashLock = new Float64Array(no);
    this.oAssetLock = new Float64Array(no);
    this.oNext = new Int32Array(no);
    this.linkFree(0, no);
  }

  // ---------------------------------------------------------------------------------------------
  // Accounts

  /** Number of open accounts; ids are 0 … accountCount − 1. */
  get accountCount(): number {
    return this.nAccounts;
  }

  /**
   * Opens an empty account and returns its id (the next dense integer).
   * @throws {@link @cascade/core!ConfigError} (`spot.maxAccounts`) when every allowed account is open.
   */
  openAccount(): number {
    const id = this.nAccounts;
    if (id >= this.maxAccounts)
      throw new ConfigError("spot.maxAccounts", this.maxAccounts, "every account is already open");
    if (id === this.aCash.length) {
      const n = Math.min(id * 2, this.maxAccounts);
      this.aCash = grown(this.aCash, n);
      this.aCashLocked = grown(this.aCashLocked, n);
      this.aAsset = grown(this.aAsset, n);
      this.aAssetLocked = grown(this.aAssetLocked, n);
    }
    this.nAccounts = id + 1;
    return id;
  }

  /**
   * Adds `cashUnits` quote units and `assetLots` lots to the account's free balances. Both must be
   * non-negative safe integers, not both zero, and the venue's total holdings must stay below 2^53
   * (else `RejectCode.InvalidAmount`).
   */
  deposit(account: number, cashUnits: number, assetLots: number): RejectCode {
    this.events.clear();
    let code = this.checkAccount(account);
    if (code === RejectCode.None && !validAmounts(cashUnits, assetLots)) code = RejectCode.InvalidAmount;
    if (
      code === RejectCode.None &&
      (this.cashIn - this.cashOut + cashUnits > MAX_SAFE ||
        this.assetIn - this.assetOut + assetLots > MAX_SAFE)
    ) {
      code = RejectCode.InvalidAmount;
    }
    if (code !== RejectCode.None) return this.rejectPlain(account, code);
    this.aCash[account] = this.aCash[account]! + cashUnits;
    this.aAsset[account] = this.aAsset[account]! + assetLots;
    this.cashIn += cashUnits;
    this.assetIn += assetLots;
    return RejectCode.None;
  }

  /**
   * Takes `cashUnits` and `assetLots` out of the account's free balances (locked amounts stay with
   * their orders). `RejectCode.InsufficientBalance` when either free balance is too small.
   */
  withdraw(account: number, cashUnits: number, assetLots: number): RejectCode {
    this.events.clear();
    let code = this.checkAccount(account);
    if (code === RejectCode.None && !validAmounts(cashUnits, assetLots)) code = RejectCode.InvalidAmount;
    if (code === RejectCode.None && (cashUnits > this.aCash[account]! || assetLots > this.aAsset[account]!)) {
      code = RejectCode.InsufficientBalance;
    }
    if (code !== RejectCode.None) return this.rejectPlain(account, code);
    this.aCash[account] = this.aCash[account]! - cashUnits;
    this.aAsset[account] = this.aAsset[account]! - assetLots;
    this.cashOut += cashUnits;
    this.assetOut += assetLots;
    return RejectCode.None;
  }

  /** Free (available) cash of `account` in quote units; `NaN` for an unknown account. */
  cash(account: number): number {
    return this.isAccount(account) ? this.aCash[account]! : Number.NaN;
  }

  /** Free (available) asset of `account` in lots; `NaN` for an unknown account. */
  asset(account: number): number {
    return this.isAccount(account) ? this.aAsset[account]! : Number.NaN;
  }

  /** Cash locked by the account's live buy orders, in quote units; `NaN` for an unknown account. */
  lockedCash(account: number): number {
    return this.isAccount(account) ? this.aCashLocked[account]! : Number.NaN;
  }

  /** Asset locked by the account's live sell orders, in lots; `NaN` for an unknown account. */
  lockedAsset(account: number): number {
    return this.isAccount(account) ? this.aAssetLocked[account]! : Number.NaN;
  }

  /** Fees collected so far, in quote units (gross of rebates). */
  get feesCollected(): number {
    return this.fees;
  }

  /** Maker rebates paid so far, in quote units. */
  get rebatesPaid(): number {
    return this.rebates;
  }

  /** Total cash deposited minus withdrawn, in quote units. */
  get netCashDeposited(): number {
    return this.cashIn - this.cashOut;
  }

  /** Total asset deposited minus withdrawn, in lots. */
  get netAssetDeposited(): number {
    return this.assetIn - this.assetOut;
  }

  // ---------------------------------------------------------------------------------------------
  // Orders

  /**
   * Submits a limit order for `account`. A buy locks `qty × (price × m + feeReservePerLot)` cash, a
   * sell locks `qty` lots; either is refused with `RejectCode.InsufficientBalance` when the
   * free balance is short. Book-level checks (ids, price range, post-only) return the book's codes.
   * The arguments are those of `PerpVenue.limit`, so one call shape fits both venues.
   * @param reduceOnly must be false: a spot account holds no position to reduce
   * (`RejectCode.InvalidOrderType` otherwise).
   * @param stp self-trade prevention; default {@link SPOT_DEFAULT_STP} (cancel the incoming order).
   */
  limit(
    account: number,
    orderId: number,
    side: Side,
    priceTicks: number,
    qtyLots: number,
    tif: TimeInForce = TimeInForce.GTC,
    reduceOnly = false,
    stp: StpMode = SPOT_DEFAULT_STP,
  ): RejectCode {
    this.events.clear();
    let code = this.checkAccount(account);
    if (code === RejectCode.None && reduceOnly) code = RejectCode.InvalidOrderType;
    if (code === RejectCode.None) code = this.checkNew(orderId, side, qtyLots);
    if (code === RejectCode.None) code = this.checkPrice(priceTicks);
    if (code === RejectCode.None) code = checkTifStp(tif, stp);
    if (code === RejectCode.None && this.ids.get(orderId) !== NONE) code = RejectCode.DuplicateOrderId;
    let cashLock = 0;
    let assetLock = 0;
    let feePerLot = 0;
    let rate = 0;
    if (code === RejectCode.None) {
      if (side === Side.Buy) {
        rate = tif === TimeInForce.PostOnly ? this.postRate : this.takeRate;
        feePerLot = rate === 0 ? 0 : mulDivCeil(priceTicks * this.quotePerTickLot, rate, PPM);
        cashLock = qtyLots * (priceTicks * this.quotePerTickLot + feePerLot);
        if (!(cashLock <= this.aCash[account]!)) code = RejectCode.InsufficientBalance;
      } else {
        assetLock = qtyLots;
        if (!(assetLock <= this.aAsset[account]!)) code = RejectCode.InsufficientBalance;
      }
    }
    if (code !== RejectCode.None) return this.rejectOrder(account, orderId, side, priceTicks, qtyLots, code);
    const slot = this.openOrder(
      account,
      orderId,
      side,
      priceTicks,
      feePerLot,
      rate,
      qtyLots,
      cashLock,
      assetLock,
    );
    const rc = this.ob.limit(orderId, account, side, priceTicks, qtyLots, tif, stp);
    if (rc !== RejectCode.None) {
      this.closeOrder(slot);
      return this.rejectOrder(account, orderId, side, priceTicks, qtyLots, rc);
    }
    this.applyBookEvents();
    return RejectCode.None;
  }

  /**
   * Submits a market order (immediate-or-cancel, self-trade prevention {@link SPOT_DEFAULT_STP}).
   * A sell locks `qty` lots. A buy locks the exact cost of sweeping the reachable asks (all of
   * them, or those at or below `protectionPriceTicks`) for up to `qty` lots plus the per-lot
   * taker-fee reserve; what the book cannot fill expires. Unspent locks return when it ends.
   * The arguments are those of `PerpVenue.market`; `reduceOnly` must be false (a spot account
   * holds no position to reduce: `RejectCode.InvalidOrderType` otherwise).
   */
  market(
    account: number,
    orderId: number,
    side: Side,
    qtyLots: number,
    protectionPriceTicks: number = NO_PRICE,
    reduceOnly = false,
  ): RejectCode {
    this.events.clear();
    let code = this.checkAccount(account);
    if (code === RejectCode.None && reduceOnly) code = RejectCode.InvalidOrderType;
    if (code === RejectCode.None) code = this.checkNew(orderId, side, qtyLots);
    if (code === RejectCode.None && protectionPriceTicks !== NO_PRICE)
      code = this.checkPrice(protectionPriceTicks);
    if (code === RejectCode.None && this.ids.get(orderId) !== NONE) code = RejectCode.DuplicateOrderId;
    let cashLock = 0;
    let assetLock = 0;
    if (code === RejectCode.None) {
      if (side === Side.Buy) {
        cashLock = this.sweepCost(qtyLots, protectionPriceTicks);
        if (!(cashLock <= this.aCash[account]!)) code = RejectCode.InsufficientBalance;
      } else {
        assetLock = qtyLots;
        if (!(assetLock <= this.aAsset[account]!)) code = RejectCode.InsufficientBalance;
      }
    }
    if (code !== RejectCode.None) {
      return this.rejectOrder(account, orderId, side, protectionPriceTicks, qtyLots, code);
    }
    const slot = this.openOrder(
      account,
      orderId,
      side,
      NO_PRICE,
      0,
      this.takerFeePpm,
      qtyLots,
      cashLock,
      assetLock,
    );
    const rc = this.ob.market(orderId, account, side, qtyLots, protectionPriceTicks, SPOT_DEFAULT_STP);
    if (rc !== RejectCode.None) {
      this.closeOrder(slot);
      return this.rejectOrder(account, orderId, side, protectionPriceTicks, qtyLots, rc);
    }
    this.applyBookEvents();
    return RejectCode.None;
  }

  /** Cancels one of the account's live orders and releases its locks. Another account's order is `RejectCode.UnknownOrder`. */
  cancel(account: number, orderId: number): RejectCode {
    this.events.clear();
    const code = this.checkOwned(account, orderId);
    if (code !== RejectCode.None) return this.rejectOrder(account, orderId, NONE, NO_PRICE, 0, code);
    const rc = this.ob.cancel(orderId);
    if (rc !== RejectCode.None) return this.rejectOrder(account, orderId, NONE, NO_PRICE, 0, rc);
    this.applyBookEvents();
    return RejectCode.None;
  }

  /** Cancels every live order of the account (one `Done` event each) and releases their locks. */
  cancelAll(account: number): RejectCode {
    this.events.clear();
    const code = this.checkAccount(account);
    if (code !== RejectCode.None) return this.rejectPlain(account, code);
    this.ob.cancelAll(account);
    this.applyBookEvents();
    return RejectCode.None;
  }

  /**
   * Lowers one of the account's live orders to `qtyLots` remaining, keeping its queue priority,
   * and releases the lock of the removed lots.
   */
  reduce(account: number, orderId: number, qtyLots: number): RejectCode {
    this.events.clear();
    const code = this.checkOwned(account, orderId);
    if (code !== RejectCode.None) return this.rejectOrder(account, orderId, NONE, NO_PRICE, qtyLots, code);
    const slot = this.ids.get(orderId);
    const rc = this.ob.reduce(orderId, qtyLots);
    if (rc !== RejectCode.None)
      return this.rejectOrder(account, orderId, this.oSide[slot]!, NO_PRICE, qtyLots, rc);
    this.oRem[slot] = qtyLots;
    this.relock(slot);
    this.applyBookEvents();
    return RejectCode.None;
  }

  /**
   * Moves one of the account's live orders to a new price and quantity (it loses priority and may
   * trade at once). The lock is recomputed for the new terms; `RejectCode.InsufficientBalance`
   * when free balance plus the order's current lock cannot cover it (the order then stays as it was).
   */
  replace(account: number, orderId: number, priceTicks: number, qtyLots: number): RejectCode {
    this.events.clear();
    let code = this.checkOwned(account, orderId);
    const slot = code === RejectCode.None ? this.ids.get(orderId) : NONE;
    const side = slot === NONE ? NONE : this.oSide[slot]!;
    if (code === RejectCode.None && !validQty(qtyLots, this.ob.maxQtyLots)) code = RejectCode.InvalidQuantity;
    if (code === RejectCode.None) code = this.checkPrice(priceTicks);
    let feePerLot = 0;
    let cashLock = 0;
    let assetLock = 0;
    if (code === RejectCode.None) {
      if (side === Side.Buy) {
        const rate = this.oRate[slot]!;
        feePerLot = rate === 0 ? 0 : mulDivCeil(priceTicks * this.quotePerTickLot, rate, PPM);
        cashLock = qtyLots * (priceTicks * this.quotePerTickLot + feePerLot);
        if (!(cashLock <= this.aCash[account]! + this.oCashLock[slot]!))
          code = RejectCode.InsufficientBalance;
      } else {
        assetLock = qtyLots;
        if (!(assetLock <= this.aAsset[account]! + this.oAssetLock[slot]!))
          code = RejectCode.InsufficientBalance;
      }
    }
    if (code !== RejectCode.None) return this.rejectOrder(account, orderId, side, priceTicks, qtyLots, code);
    // Swap in the new terms (reverted if the book refuses).
    const oldPrice = this.oLockPrice[slot]!;
    const oldFee = this.oFeePerLot[slot]!;
    const oldRem = this.oRem[slot]!;
    const oldCash = this.oCashLock[slot]!;
    const oldAsset = this.oAssetLock[slot]!;
    this.setTerms(slot, priceTicks, feePerLot, qtyLots, cashLock, assetLock);
    const rc = this.ob.replace(orderId, priceTicks, qtyLots);
    if (rc !== RejectCode.None) {
      this.setTerms(slot, oldPrice, oldFee, oldRem, oldCash, oldAsset);
      return this.rejectOrder(account, orderId, side, priceTicks, qtyLots, rc);
    }
    this.applyBookEvents();
    return RejectCode.None;
  }

  // ---------------------------------------------------------------------------------------------
  // Market data

  /**
   * Index contribution of this venue (the {@link IndexSource} contract): the mid when both sides
   * are quoted, else the last trade, in ticks; NaN when neither exists. The perpetual venue must
   * share this venue's tick size for the price to mean the same thing.
   */
  indexPriceTicks(): number {
    const mid = this.midTicks();
    return Number.isNaN(mid) ? this.lastTradeTicks : mid;
  }

  /** Mid price in ticks (may be fractional); `NaN` when either side is empty (as `PerpVenue.midTicks`). */
  midTicks(): number {
    const bid = this.ob.bestBid();
    const ask = this.ob.bestAsk();
    return bid === NO_PRICE || ask === NO_PRICE ? Number.NaN : (bid + ask) / 2;
  }

  // ---------------------------------------------------------------------------------------------
  // Conservation

  /**
   * Throws {@link @cascade/core!InvariantError} unless: every balance is a non-negative safe integer;
   * Σ cash (free + locked) + fees collected − rebates paid = cash deposited − withdrawn;
   * Σ asset (free + locked) = asset deposited − withdrawn; rebates never exceed fees; each
   * account's locks equal the sum of its live orders' locks; each live order's lock equals what
   * its remaining quantity needs; and the venue's orders are exactly the book's. O(accounts + orders).
   */
  checkConservation(): void {
    const fail = (msg: string): never => {
      throw new InvariantError(`SpotVenue: ${msg}`);
    };
    const n = this.nAccounts;
    let cash = 0;
    let asset = 0;
    for (let a = 0; a < n; a++) {
      const c = this.aCash[a]!;
      const cl = this.aCashLocked[a]!;
      const s = this.aAsset[a]!;
      const sl = this.aAssetLocked[a]!;
      if (!isNonNegInt(c) || !isNonNegInt(cl)) fail(`account ${a}: cash ${c}, locked ${cl}`);
      if (!isNonNegInt(s) || !isNonNegInt(sl)) fail(`account ${a}: asset ${s}, locked ${sl}`);
      cash += c + cl;
      asset += s + sl;
    }
    if (!isNonNegInt(this.fees) || !isNonNegInt(this.rebates))
      fail(`fees ${this.fees}, rebates ${this.rebates}`);
    if (this.rebates > this.fees) fail(`rebates paid ${this.rebates} exceed fees collected ${this.fees}`);
    if (cash + this.fees - this.rebates !== this.cashIn - this.cashOut) {
      fail(
        `cash ${cash} + fees ${this.fees} − rebates ${this.rebates} ≠ deposited ${this.cashIn} − withdrawn ${this.cashOut}`,
      );
    }
    if (asset !== this.assetIn - this.assetOut) {
      fail(`asset ${asset} ≠ deposited ${this.assetIn} − withdrawn ${this.assetOut}`);
    }
    const cashLocks = new Float64Array(n);
    const assetLocks = new Float64Array(n);
    let live = 0;
    const m = this.quotePerTickLot;
    for (let s = 0; s < this.oCap; s++) {
      if (this.oLive[s] === 0) continue;
      live++;
      const id = this.oId[s]!;
      const a = this.oAccount[s]!;
      const rem = this.oRem[s]!;
      if (this.ids.get(id) !== s) fail(`order ${id} is not mapped to its slot ${s}`);
      const view = this.ob.getOrder(id);
      if (view === undefined) fail(`order ${id} is live in the venue but not in the book`);
      else if (view.owner !== a || view.side !== this.oSide[s] || view.remainingLots !== rem) {
        fail(
          `order ${id}: venue (account ${a}, side ${this.oSide[s]}, ${rem} lots) ≠ book (${view.owner}, ${view.side}, ${view.remainingLots})`,
        );
      }
      const cl = this.oCashLock[s]!;
      const al = this.oAssetLock[s]!;
      if (this.oSide[s] === Side.Buy) {
        const need = rem * (this.oLockPrice[s]! * m + this.oFeePerLot[s]!);
        if (cl !== need || al !== 0)
          fail(`buy ${id}: locks ${cl} cash, ${al} asset; its ${rem} lots need ${need} cash`);
      } else if (al !== rem || cl !== 0) {
        fail(`sell ${id}: locks ${al} asset, ${cl} cash; its ${rem} lots need ${rem} asset`);
      }
      cashLocks[a] = cashLocks[a]! + cl;
      assetLocks[a] = assetLocks[a]! + al;
    }
    if (live !== this.liveOrders || live !== this.ids.size) {
      fail(`${live} live slots, counter ${this.liveOrders}, id map ${this.ids.size}`);
    }
    if (live !== this.ob.orderCount) fail(`venue has ${live} live orders, book ${this.ob.orderCount}`);
    for (let a = 0; a < n; a++) {
      if (cashLocks[a] !== this.aCashLocked[a])
        fail(`account ${a}: locked cash ${this.aCashLocked[a]} ≠ orders' ${cashLocks[a]}`);
      if (assetLocks[a] !== this.aAssetLocked[a]) {
        fail(`account ${a}: locked asset ${this.aAssetLocked[a]} ≠ orders' ${assetLocks[a]}`);
      }
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Internals

  /** Turns the book's events of the last command into account changes and venue events. */
  private applyBookEvents(): void {
    const ev = this.ob.events;
    const out = this.events;
    for (let i = 0; i < ev.length; i++) {
      switch (ev.kind[i]) {
        case EventKind.Accepted:
          out.push(
            VenueEventKind.Accepted,
            ev.owner[i]!,
            ev.orderId[i]!,
            ev.side[i]!,
            ev.price[i]!,
            ev.qty[i]!,
            0,
            0,
            0,
          );
          break;
        case EventKind.Trade:
          this.applyTrade(i);
          break;
        case EventKind.Done: {
          const id = ev.orderId[i]!;
          out.push(
            VenueEventKind.Done,
            ev.owner[i]!,
            id,
            ev.side[i]!,
            ev.price[i]!,
            ev.qty[i]!,
            0,
            ev.code[i]!,
            0,
          );
          const slot = this.ids.get(id);
          if (slot === NONE) throw new InvariantError(`SpotVenue: book finished unknown order ${id}`);
          this.closeOrder(slot);
          break;
        }
        case EventKind.Amended:
          out.push(
            VenueEventKind.Amended,
            ev.owner[i]!,
            ev.orderId[i]!,
            ev.side[i]!,
            ev.price[i]!,
            ev.qty[i]!,
            0,
            ev.code[i]!,
            0,
          );
          break;
        default:
          // Rejected never follows an accepted command; nothing else exists.
          out.push(
            VenueEventKind.Rejected,
            ev.owner[i]!,
            ev.orderId[i]!,
            ev.side[i]!,
            ev.price[i]!,
            ev.qty[i]!,
            0,
            ev.code[i]!,
            0,
          );
      }
    }
  }

  /** Settles book event `i` (a trade) on both accounts and reports a fill to each. */
  private applyTrade(i: number): void {
    const ev = this.ob.events;
    const takerId = ev.orderId[i]!;
    const makerId = ev.makerOrderId[i]!;
    const price = ev.price[i]!;
    const qty = ev.qty[i]!;
    const ts = this.ids.get(takerId);
    const ms = this.ids.get(makerId);
    if (ts === NONE || ms === NONE)
      throw new InvariantError(`SpotVenue: trade between unknown orders ${takerId}, ${makerId}`);
    const notional = price * qty * this.quotePerTickLot;
    const takerFee = this.takerFeePpm === 0 ? 0 : mulDivCeil(notional, this.takerFeePpm, PPM);
    const mk = this.makerFeePpm;
    const makerFee = mk === 0 ? 0 : mk > 0 ? mulDivCeil(notional, mk, PPM) : -mulDivFloor(notional, -mk, PPM);
    this.settle(ts, qty, notional, takerFee);
    this.settle(ms, qty, notional, makerFee);
    this.fees += takerFee;
    if (makerFee >= 0) this.fees += makerFee;
    else this.rebates -= makerFee;
    this.lastTradeTicks = price;
    const out = this.events;
    out.push(VenueEventKind.Fill, this.oAccount[ts]!, takerId, this.oSide[ts]!, price, qty, takerFee, 0, 0);
    out.push(
      VenueEventKind.Fill,
      this.oAccount[ms]!,
      makerId,
      this.oSide[ms]!,
      price,
      qty,
      makerFee,
      0,
      VenueEventFlag.Maker,
    );
  }

  /** Applies one fill to the order in `slot` and its account; `fee` < 0 is a rebate. */
  private settle(slot: number, qty: number, notional: number, fee: number): void {
    const a = this.oAccount[slot]!;
    this.oRem[slot] = this.oRem[slot]! - qty;
    if (this.oSide[slot] === Side.Buy) {
      const paid = notional + Math.max(fee, 0);
      const rebate = Math.max(-fee, 0);
      const before = this.oCashLock[slot]!;
      let after = before - paid;
      if (this.oLockPrice[slot]! !== NO_PRICE) {
        // Shrink the lock to the reserve of the remaining lots; price improvement and unused fee reserve return.
        after = this.oRem[slot]! * (this.oLockPrice[slot]! * this.quotePerTickLot + this.oFeePerLot[slot]!);
      }
      this.oCashLock[slot] = after;
      this.aCashLocked[a] = this.aCashLocked[a]! - (before - after);
      this.aCash[a] = this.aCash[a]! + (before - after - paid) + rebate;
      this.aAsset[a] = this.aAsset[a]! + qty;
    } else {
      this.oAssetLock[slot] = this.oAssetLock[slot]! - qty;
      this.aAssetLocked[a] = this.aAssetLocked[a]! - qty;
      this.aCash[a] = this.aCash[a]! + notional - fee;
    }
  }

  /** Recomputes a live order's lock for its remaining quantity and frees the excess. */
  private relock(slot: number): void {
    const a = this.oAccount[slot]!;
    if (this.oSide[slot] === Side.Buy) {
      const before = this.oCashLock[slot]!;
      const after =
        this.oRem[slot]! * (this.oLockPrice[slot]! * this.quotePerTickLot + this.oFeePerLot[slot]!);
      this.oCashLock[slot] = after;
      this.aCashLocked[a] = this.aCashLocked[a]! - (before - after);
      this.aCash[a] = this.aCash[a]! + (before - after);
    } else {
      const before = this.oAssetLock[slot]!;
      const after = this.oRem[slot]!;
      this.oAssetLock[slot] = after;
      this.aAssetLocked[a] = this.aAssetLocked[a]! - (before - after);
      this.aAsset[a] = this.aAsset[a]! + (before - after);
    }
  }

  /** Sets an order's price terms and locks, moving the difference between free and locked balances. */
  private setTerms(
    slot: number,
    price: number,
    feePerLot: number,
    rem: number,
    cashLock: number,
    assetLock: number,
  ): void {
    const a = this.oAccount[slot]!;
    const dc = cashLock - this.oCashLock[slot]!;
    const da = assetLock - this.oAssetLock[slot]!;
    this.aCash[a] = this.aCash[a]! - dc;
    this.aCashLocked[a] = this.aCashLocked[a]! + dc;
    this.aAsset[a] = this.aAsset[a]! - da;
    this.aAssetLocked[a] = this.aAssetLocked[a]! + da;
    this.oLockPrice[slot] = price;
    this.oFeePerLot[slot] = feePerLot;
    this.oRem[slot] = rem;
    this.oCashLock[slot] = cashLock;
    this.oAssetLock[slot] = assetLock;
  }

  /**
   * Cash an unbounded (or protected) market buy of `qty` lots could spend: each reachable ask
   * level's lots × (price × m + ceil(price × m × taker / 10^6)), best first, up to `qty` lots.
   */
  private sweepCost(qty: number, protection: number): number {
    const m = this.quotePerTickLot;
    const t = this.takerFeePpm;
    for (;;) {
      const cap = this.walkPrices.length;
      const n = this.ob.depthInto(Side.Sell, cap, this.walkPrices, this.walkQtys);
      let need = qty;
      let cost = 0;
      for (let j = 0; j < n; j++) {
        const p = this.walkPrices[j]!;
        if (protection !== NO_PRICE && p > protection) return cost;
        const take = Math.min(this.walkQtys[j]!, need);
        const unit = p * m;
        cost += take * (unit + (t === 0 ? 0 : mulDivCeil(unit, t, PPM)));
        need -= take;
        if (need === 0) return cost;
      }
      if (n < cap) return cost;
      this.walkPrices = new Float64Array(cap * 2);
      this.walkQtys = new Float64Array(cap * 2);
    }
  }

  private openOrder(
    account: number,
    orderId: number,
    side: Side,
    lockPrice: number,
    feePerLot: number,
    rate: number,
    qty: number,
    cashLock: number,
    assetLock: number,
  ): number {
    if (this.freeHead === NONE) this.growOrders();
    const slot = this.freeHead;
    this.freeHead = this.oNext[slot]!;
    this.oId[slot] = orderId;
    this.oAccount[slot] = account;
    this.oSide[slot] = side;
    this.oLive[slot] = 1;
    this.oLockPrice[slot] = lockPrice;
    this.oFeePerLot[slot] = feePerLot;
    this.oRate[slot] = rate;
    this.oRem[slot] = qty;
    this.oCashLock[slot] = cashLock;
    this.oAssetLock[slot] = assetLock;
    this.aCash[account] = this.aCash[account]! - cashLock;
    this.aCashLocked[account] = this.aCashLocked[account]! + cashLock;
    this.aAsset[account] = this.aAsset[account]! - assetLock;
    this.aAssetLocked[account] = this.aAssetLocked[account]! + assetLock;
    this.ids.insert(orderId, slot);
    this.liveOrders++;
    return slot;
  }

  /** Releases what is left of an order's locks and frees its slot. */
  private closeOrder(slot: number): void {
    const a = this.oAccount[slot]!;
    const cl = this.oCashLock[slot]!;
    const al = this.oAssetLock[slot]!;
    this.aCash[a] = this.aCash[a]! + cl;
    this.aCashLocked[a] = this.aCashLocked[a]! - cl;
    this.aAsset[a] = this.aAsset[a]! + al;
    this.aAssetLocked[a] = this.aAssetLocked[a]! - al;
    this.oCashLock[slot] = 0;
    this.oAssetLock[slot] = 0;
    this.oLive[slot] = 0;
    this.ids.delete(this.oId[slot]!);
    this.oNext[slot] = this.freeHead;
    this.freeHead = slot;
    this.liveOrders--;
  }

  private isAccount(account: number): boolean {
    return account >= 0 && account < this.nAccounts && Math.floor(account) === account;
  }

  private checkAccount(account: number): RejectCode {
    return this.isAccount(account) ? RejectCode.None : RejectCode.UnknownAccount;
  }

  /** Account exists, id is valid, and the order is live and belongs to the account. */
  private checkOwned(account: number, orderId: number): RejectCode {
    if (!this.isAccount(account)) return RejectCode.UnknownAccount;
    if (!validId(orderId)) return RejectCode.InvalidOrderId;
    const slot = this.ids.get(orderId);
    return slot === NONE || this.oAccount[slot] !== account ? RejectCode.UnknownOrder : RejectCode.None;
  }

  /** Same checks, in the same order, as the book's for a new order. */
  private checkNew(orderId: number, side: number, qty: number): RejectCode {
    if (!validId(orderId)) return RejectCode.InvalidOrderId;
    if (side !== Side.Buy && side !== Side.Sell) return RejectCode.InvalidSide;
    if (!validQty(qty, this.ob.maxQtyLots)) return RejectCode.InvalidQuantity;
    return RejectCode.None;
  }

  private checkPrice(price: number): RejectCode {
    if (Math.floor(price) !== price) return RejectCode.InvalidPrice;
    if (price < this.ob.minPriceTicks || price > this.ob.maxPriceTicks) return RejectCode.PriceOutOfRange;
    return RejectCode.None;
  }

  private rejectOrder(
    account: number,
    orderId: number,
    side: number,
    price: number,
    qty: number,
    code: RejectCode,
  ): RejectCode {
    const s = side === Side.Buy || side === Side.Sell ? side : NONE;
    this.events.push(VenueEventKind.Rejected, int32OrNone(account), orderId, s, price, qty, 0, code, 0);
    return code;
  }

  private rejectPlain(account: number, code: RejectCode): RejectCode {
    this.events.push(VenueEventKind.Rejected, int32OrNone(account), NONE, NONE, NO_PRICE, 0, 0, code, 0);
    return code;
  }

  private linkFree(from: number, to: number): void {
    for (let s = to - 1; s >= from; s--) {
      this.oNext[s] = this.freeHead;
      this.freeHead = s;
    }
  }

  private growOrders(): void {
    const old = this.oCap;
    const n = old * 2;
    this.oId = grown(this.oId, n);
    this.oAccount = grown(this.oAccount, n);
    this.oSide = grown(this.oSide, n);
    this.oLive = grown(this.oLive, n);
    this.oLockPrice = grown(this.oLockPrice, n);
    this.oFeePerLot = grown(this.oFeePerLot, n);
    this.oRate = grown(this.oRate, n);
    this.oRem = grown(this.oRem, n);
    this.oCashLock = grown(this.oCashLock, n);
    this.oAssetLock = grown(this.oAssetLock, n);
    this.oNext = grown(this.oNext, n);
    this.oCap = n;
    this.linkFree(old, n);
  }
}

function validId(orderId: number): boolean {
  return orderId >= 0 && orderId <= MAX_SAFE && Math.floor(orderId) === orderId;
}

function validQty(qty: number, max: number): boolean {
  return qty >= 1 && qty <= max && Math.floor(qty) === qty;
}

function validAmounts(cash: number, asset: number): boolean {
  return (
    Number.isSafeInteger(cash) && cash >= 0 && Number.isSafeInteger(asset) && asset >= 0 && cash + asset > 0
  );
}

function isNonNegInt(x: number): boolean {
  return Number.isSafeInteger(x) && x >= 0;
}

function int32OrNone(x: number): number {
  return Number.isInteger(x) && x >= -2147483648 && x <= 2147483647 ? x : NONE;
}

function checkTifStp(tif: number, stp: number): RejectCode {
  if (!(tif >= 0 && tif <= 3 && Math.floor(tif) === tif)) return RejectCode.InvalidOrderType;
  if (!(stp >= 0 && stp <= 3 && Math.floor(stp) === stp)) return RejectCode.InvalidStpMode;
  return RejectCode.None;
}
