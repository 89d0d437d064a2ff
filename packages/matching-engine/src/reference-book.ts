/**
 * A naive order book written to be obviously correct, used as the oracle for the fast
 * {@link OrderBook}: every live order is a plain object in one plain array, and every question is
 * answered by filtering and sorting that array from scratch. No indexes, no caches, no cleverness;
 * O(n log n) per operation. Only tests and tools should use it.
 *
 * @module
 */

import { DoneReason, InvariantError, RejectCode, Side } from "@cascade/core";
import type { DepthLevel, ImpactResult, OrderBookApi, OrderBookConfig, OrderView } from "./book-api.ts";
import { AmendKind, EventBuffer, EventKind, UNKNOWN } from "./events.ts";
import { type BookCommand, NO_PRICE, StpMode, TimeInForce } from "./order-types.ts";

/** A live order of the reference book. Mutable: matching lowers `remainingLots` in place. */
interface RefOrder {
  readonly orderId: number;
  readonly owner: number;
  readonly side: Side;
  priceTicks: number;
  remainingLots: number;
  readonly tif: TimeInForce;
  readonly stp: StpMode;
  /** When the order (last) entered the book: larger is later. Reduce keeps it, replace renews it. */
  entry: number;
}

/** An order while it takes liquidity: a new limit or market order, or a replaced order. */
interface Taker {
  readonly orderId: number;
  readonly owner: number;
  readonly side: Side;
  /** Worst price the taker accepts, or `null` for a market order without protection. */
  readonly limit: number | null;
  remainingLots: number;
  readonly stp: StpMode;
}

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;

/** The value stored in the `owner` column of a `rejected` event for the owner a command named. */
function ownerForEvent(owner: number): number {
  return Number.isInteger(owner) && owner >= INT32_MIN && owner <= INT32_MAX ? owner : UNKNOWN;
}

/** The value stored in the `side` column of a `rejected` event for the side a command named. */
function sideForEvent(side: number): number {
  return side === Side.Buy || side === Side.Sell ? side : UNKNOWN;
}

/** Whether `x` is an integer in [lo, hi]. */
function isIntIn(x: number, lo: number, hi: number): boolean {
  return Number.isInteger(x) && x >= lo && x <= hi;
}

/**
 * The naive reference implementation of {@link OrderBookApi}. Same events, same return codes and
 * same query answers as the fast book; see the package README for the rules both follow.
 */
export class ReferenceBook implements OrderBookApi {
  /** Events of the most recent command. */
  readonly events: EventBuffer = new EventBuffer();

  private readonly minPrice: number;
  private readonly maxPrice: number;
  private readonly maxQty: number;
  private readonly maxOwner: number;
  private readonly defaultStp: StpMode;
  /** Every live order, in no particular order. */
  private live: RefOrder[] = [];
  /** Entry stamp for the next order that enters the book. */
  private nextEntry = 0;

  /** Creates an empty book accepting prices in [config.minPriceTicks, config.maxPriceTicks]. */
  constructor(config: OrderBookConfig) {
    this.minPrice = config.minPriceTicks;
    this.maxPrice = config.maxPriceTicks;
    this.maxQty = config.maxQtyLots ?? 1e12;
    this.maxOwner = config.maxOwner ?? 2 ** 24 - 1;
    this.defaultStp = config.defaultStp ?? StpMode.None;
  }

  /** Number of live (resting) orders. */
  get orderCount(): number {
    return this.live.length;
  }

  // ---------------------------------------------------------------------------------------------
  // Commands
  // ---------------------------------------------------------------------------------------------

  /** Submits a limit order. Returns `RejectCode.None` when accepted. */
  limit(
    orderId: number,
    owner: number,
    side: Side,
    priceTicks: number,
    qtyLots: number,
    tif?: TimeInForce,
    stp?: StpMode,
  ): RejectCode {
    this.events.clear();
    const theTif = tif === undefined ? TimeInForce.GTC : tif;
    const theStp = stp === undefined ? this.defaultStp : stp;

    let code: RejectCode = RejectCode.None;
    if (!this.isValidId(orderId)) code = RejectCode.InvalidOrderId;
    else if (!this.isValidSide(side)) code = RejectCode.InvalidSide;
    else if (!this.isValidOwner(owner)) code = RejectCode.InvalidOwner;
    else if (!this.isValidQty(qtyLots)) code = RejectCode.InvalidQuantity;
    else if (this.priceCode(priceTicks) !== RejectCode.None) code = this.priceCode(priceTicks);
    else if (!isIntIn(theTif, 0, 3)) code = RejectCode.InvalidOrderType;
    else if (!isIntIn(theStp, 0, 3)) code = RejectCode.InvalidStpMode;
    else if (this.find(orderId) !== undefined) code = RejectCode.DuplicateOrderId;
    else if (theTif === TimeInForce.PostOnly && this.wouldCross(side, priceTicks)) {
      code = RejectCode.PostOnlyWouldTake;
    }
    if (code !== RejectCode.None) {
      this.reject(orderId, ownerForEvent(owner), sideForEvent(side), code);
      return code;
    }

    this.events.push(EventKind.Accepted, orderId, owner, side, priceTicks, qtyLots, 0);
    const taker: Taker = { orderId, owner, side, limit: priceTicks, remainingLots: qtyLots, stp: theStp };

    if (theTif === TimeInForce.FOK && this.fillableFor(taker) < qtyLots) {
      this.done(orderId, owner, side, DoneReason.Killed, qtyLots);
      return RejectCode.None;
    }

    const stoppedBySelfTrade = this.match(taker);
    if (stoppedBySelfTrade) return RejectCode.None;
    if (taker.remainingLots === 0) {
      this.done(orderId, owner, side, DoneReason.Filled, 0);
    } else if (theTif === TimeInForce.GTC || theTif === TimeInForce.PostOnly) {
      this.rest({
        orderId,
        owner,
        side,
        priceTicks,
        remainingLots: taker.remainingLots,
        tif: theTif,
        stp: theStp,
        entry: 0,
      });
    } else {
      this.done(orderId, owner, side, DoneReason.Expired, taker.remainingLots);
    }
    return RejectCode.None;
  }

  /** Submits a market order, optionally bounded by a protection price ({@link NO_PRICE} for none). */
  market(
    orderId: number,
    owner: number,
    side: Side,
    qtyLots: number,
    protectionPriceTicks?: number,
    stp?: StpMode,
  ): RejectCode {
    this.events.clear();
    const protection = protectionPriceTicks === undefined ? NO_PRICE : protectionPriceTicks;
    const hasProtection = protection !== NO_PRICE;
    const theStp = stp === undefined ? this.defaultStp : stp;

    let code: RejectCode = RejectCode.None;
    if (!this.isValidId(orderId)) code = RejectCode.InvalidOrderId;
    else if (!this.isValidSide(side)) code = RejectCode.InvalidSide;
    else if (!this.isValidOwner(owner)) code = RejectCode.InvalidOwner;
    else if (!this.isValidQty(qtyLots)) code = RejectCode.InvalidQuantity;
    else if (hasProtection && this.priceCode(protection) !== RejectCode.None)
      code = this.priceCode(protection);
    else if (!isIntIn(theStp, 0, 3)) code = RejectCode.InvalidStpMode;
    else if (this.find(orderId) !== undefined) code = RejectCode.DuplicateOrderId;
    if (code !== RejectCode.None) {
      this.reject(orderId, ownerForEvent(owner), sideForEvent(side), code);
      return code;
    }

    this.events.push(EventKind.Accepted, orderId, owner, side, protection, qtyLots, 0);
    const taker: Taker = {
      orderId,
      owner,
      side,
      limit: hasProtection ? protection : null,
      remainingLots: qtyLots,
      stp: theStp,
    };
    const stoppedBySelfTrade = this.match(taker);
    if (stoppedBySelfTrade) return RejectCode.None;
    if (taker.remainingLots === 0) this.done(orderId, owner, side, DoneReason.Filled, 0);
    else this.done(orderId, owner, side, DoneReason.Expired, taker.remainingLots);
    return RejectCode.None;
  }

  /** Cancels a live order. */
  cancel(orderId: number): RejectCode {
    this.events.clear();
    if (!this.isValidId(orderId)) {
      this.reject(orderId, UNKNOWN, UNKNOWN, RejectCode.InvalidOrderId);
      return RejectCode.InvalidOrderId;
    }
    const order = this.find(orderId);
    if (order === undefined) {
      this.reject(orderId, UNKNOWN, UNKNOWN, RejectCode.UnknownOrder);
      return RejectCode.UnknownOrder;
    }
    this.remove(order);
    this.done(order.orderId, order.owner, order.side, DoneReason.Canceled, order.remainingLots);
    return RejectCode.None;
  }

  /** Lowers a live order's remaining quantity in place (keeps priority). */
  reduce(orderId: number, qtyLots: number): RejectCode {
    this.events.clear();
    if (!this.isValidId(orderId)) {
      this.reject(orderId, UNKNOWN, UNKNOWN, RejectCode.InvalidOrderId);
      return RejectCode.InvalidOrderId;
    }
    const order = this.find(orderId);
    if (order === undefined) {
      this.reject(orderId, UNKNOWN, UNKNOWN, RejectCode.UnknownOrder);
      return RejectCode.UnknownOrder;
    }
    let code: RejectCode = RejectCode.None;
    if (!Number.isInteger(qtyLots) || qtyLots < 1) code = RejectCode.InvalidQuantity;
    else if (qtyLots >= order.remainingLots) code = RejectCode.QuantityNotReduced;
    if (code !== RejectCode.None) {
      this.reject(orderId, order.owner, order.side, code);
      return code;
    }
    order.remainingLots = qtyLots;
    this.events.push(
      EventKind.Amended,
      order.orderId,
      order.owner,
      order.side,
      order.priceTicks,
      qtyLots,
      AmendKind.Reduce,
    );
    return RejectCode.None;
  }

  /** Moves a live order to a new price/quantity (loses priority; may trade at once). */
  replace(orderId: number, priceTicks: number, qtyLots: number): RejectCode {
    this.events.clear();
    if (!this.isValidId(orderId)) {
      this.reject(orderId, UNKNOWN, UNKNOWN, RejectCode.InvalidOrderId);
      return RejectCode.InvalidOrderId;
    }
    const order = this.find(orderId);
    if (order === undefined) {
      this.reject(orderId, UNKNOWN, UNKNOWN, RejectCode.UnknownOrder);
      return RejectCode.UnknownOrder;
    }
    let code: RejectCode = RejectCode.None;
    if (!this.isValidQty(qtyLots)) code = RejectCode.InvalidQuantity;
    else if (this.priceCode(priceTicks) !== RejectCode.None) code = this.priceCode(priceTicks);
    else if (order.tif === TimeInForce.PostOnly && this.wouldCross(order.side, priceTicks)) {
      code = RejectCode.PostOnlyWouldTake;
    }
    if (code !== RejectCode.None) {
      this.reject(orderId, order.owner, order.side, code);
      return code;
    }

    this.remove(order);
    order.priceTicks = priceTicks;
    order.remainingLots = qtyLots;
    this.events.push(
      EventKind.Amended,
      order.orderId,
      order.owner,
      order.side,
      priceTicks,
      qtyLots,
      AmendKind.Replace,
    );
    const taker: Taker = {
      orderId: order.orderId,
      owner: order.owner,
      side: order.side,
      limit: priceTicks,
      remainingLots: qtyLots,
      stp: order.stp,
    };
    const stoppedBySelfTrade = this.match(taker);
    if (stoppedBySelfTrade) return RejectCode.None;
    if (taker.remainingLots === 0) {
      this.done(order.orderId, order.owner, order.side, DoneReason.Filled, 0);
    } else {
      order.remainingLots = taker.remainingLots;
      this.rest(order);
    }
    return RejectCode.None;
  }

  /** Cancels every live order of `owner`, oldest entry first; returns how many (0 for an invalid owner). */
  cancelAll(owner: number): number {
    this.events.clear();
    return this.cancelAllOf(owner);
  }

  /** Runs a command given as data. `cancel-all` returns `RejectCode.None` (or InvalidOwner). */
  submit(command: BookCommand): RejectCode {
    switch (command.kind) {
      case "limit":
        return this.limit(
          command.orderId,
          command.owner,
          command.side,
          command.priceTicks,
          command.qtyLots,
          command.tif,
          command.stp,
        );
      case "market":
        return this.market(
          command.orderId,
          command.owner,
          command.side,
          command.qtyLots,
          command.protectionPriceTicks,
          command.stp,
        );
      case "cancel":
        return this.cancel(command.orderId);
      case "reduce":
        return this.reduce(command.orderId, command.qtyLots);
      case "replace":
        return this.replace(command.orderId, command.priceTicks, command.qtyLots);
      case "cancel-all": {
        this.events.clear();
        if (!this.isValidOwner(command.owner)) {
          this.reject(UNKNOWN, ownerForEvent(command.owner), UNKNOWN, RejectCode.InvalidOwner);
          return RejectCode.InvalidOwner;
        }
        this.cancelAllOf(command.owner);
        return RejectCode.None;
      }
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Queries
  // ---------------------------------------------------------------------------------------------

  /** Best bid in ticks, or {@link NO_PRICE} when there is none. */
  bestBid(): number {
    const bids = this.sorted(Side.Buy);
    return bids.length === 0 ? NO_PRICE : bids[0]!.priceTicks;
  }

  /** Best ask in ticks, or {@link NO_PRICE} when there is none. */
  bestAsk(): number {
    const asks = this.sorted(Side.Sell);
    return asks.length === 0 ? NO_PRICE : asks[0]!.priceTicks;
  }

  /** Total resting quantity at one price, in lots (0 when empty or out of range). */
  qtyAt(priceTicks: number): number {
    let sum = 0;
    for (const o of this.live) if (o.priceTicks === priceTicks) sum += o.remainingLots;
    return sum;
  }

  /** Writes up to `maxLevels` levels of `side` (and no more than the arrays hold), best first; returns how many. */
  depthInto(side: Side, maxLevels: number, outPrices: Float64Array, outQtys: Float64Array): number {
    const levels = this.levels(side);
    let n = 0;
    while (n < levels.length && n < maxLevels && n < outPrices.length && n < outQtys.length) {
      outPrices[n] = levels[n]!.priceTicks;
      outQtys[n] = levels[n]!.qtyLots;
      n++;
    }
    return n;
  }

  /** Up to `maxLevels` levels of `side`, best first. */
  depth(side: Side, maxLevels: number): DepthLevel[] {
    const levels = this.levels(side);
    const out: DepthLevel[] = [];
    for (let i = 0; i < levels.length && i < maxLevels; i++) out.push(levels[i]!);
    return out;
  }

  /** Resting quantity of `side` priced within `ticks` of that side's best price (inclusive); 0 when empty. */
  qtyWithinTicks(side: Side, ticks: number): number {
    const best = side === Side.Buy ? this.bestBid() : this.bestAsk();
    if (best === NO_PRICE) return 0;
    return side === Side.Buy
      ? this.qtyInRange(side, best - ticks, best)
      : this.qtyInRange(side, best, best + ticks);
  }

  /** Resting quantity of `side` priced in [loTicks, hiTicks]. */
  qtyInRange(side: Side, loTicks: number, hiTicks: number): number {
    let sum = 0;
    for (const o of this.live) {
      if (o.side === side && o.priceTicks >= loTicks && o.priceTicks <= hiTicks) sum += o.remainingLots;
    }
    return sum;
  }

  /** What a market order on `side` spending `notional` tick·lots would get (a buy walks the asks). */
  impact(side: Side, notional: number, out?: ImpactResult): ImpactResult {
    const result: ImpactResult = out ?? {
      avgPriceTicks: Number.NaN,
      filledLots: 0,
      filledNotional: 0,
      complete: true,
    };
    let filledLots = 0;
    let filledNotional = 0;
    let complete: boolean;
    if (notional <= 0) {
      complete = true;
    } else {
      let remaining = notional;
      const levels = this.levels(side === Side.Buy ? Side.Sell : Side.Buy);
      for (const level of levels) {
        if (remaining === 0) break; // spent: a further (zero-priced) level adds nothing
        const levelNotional = level.priceTicks * level.qtyLots;
        if (remaining >= levelNotional) {
          filledLots += level.qtyLots;
          filledNotional += levelNotional;
          remaining -= levelNotional;
        } else {
          filledLots += remaining / level.priceTicks;
          filledNotional += remaining;
          remaining = 0;
          break;
        }
      }
      complete = remaining === 0;
    }
    result.filledLots = filledLots;
    result.filledNotional = filledNotional;
    result.avgPriceTicks = filledLots === 0 ? Number.NaN : filledNotional / filledLots;
    result.complete = complete;
    return result;
  }

  /** Whether `orderId` is live. */
  hasOrder(orderId: number): boolean {
    return this.find(orderId) !== undefined;
  }

  /** The live order `orderId`, or `undefined`. */
  getOrder(orderId: number): OrderView | undefined {
    const o = this.find(orderId);
    return o === undefined ? undefined : view(o);
  }

  /** All live orders of `side` in priority order (best price first, then time). */
  orders(side: Side): OrderView[] {
    return this.sorted(side).map(view);
  }

  /** Throws {@link @cascade/core!InvariantError} when the book is crossed or holds an impossible order. */
  checkInvariants(): void {
    const ids = new Set<number>();
    for (const o of this.live) {
      if (ids.has(o.orderId)) throw new InvariantError(`reference book: order id ${o.orderId} appears twice`);
      ids.add(o.orderId);
      if (!Number.isSafeInteger(o.remainingLots) || o.remainingLots <= 0) {
        throw new InvariantError(`reference book: order ${o.orderId} has remaining ${o.remainingLots}`);
      }
      if (!isIntIn(o.priceTicks, this.minPrice, this.maxPrice)) {
        throw new InvariantError(`reference book: order ${o.orderId} has price ${o.priceTicks} out of range`);
      }
      if (o.side !== Side.Buy && o.side !== Side.Sell) {
        throw new InvariantError(`reference book: order ${o.orderId} has side ${o.side}`);
      }
    }
    const bid = this.bestBid();
    const ask = this.bestAsk();
    if (bid !== NO_PRICE && ask !== NO_PRICE && bid >= ask) {
      throw new InvariantError(`reference book: crossed, best bid ${bid} >= best ask ${ask}`);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Internals
  // ---------------------------------------------------------------------------------------------

  private isValidId(orderId: number): boolean {
    return Number.isSafeInteger(orderId) && orderId >= 0;
  }

  private isValidSide(side: number): boolean {
    return side === Side.Buy || side === Side.Sell;
  }

  private isValidOwner(owner: number): boolean {
    return isIntIn(owner, 0, this.maxOwner);
  }

  private isValidQty(qtyLots: number): boolean {
    return isIntIn(qtyLots, 1, this.maxQty);
  }

  /** `RejectCode.None` for a valid price, else why it is not. */
  private priceCode(priceTicks: number): RejectCode {
    if (!Number.isInteger(priceTicks)) return RejectCode.InvalidPrice;
    if (priceTicks < this.minPrice || priceTicks > this.maxPrice) return RejectCode.PriceOutOfRange;
    return RejectCode.None;
  }

  /** Whether an order on `side` at `priceTicks` would meet the opposite best price. */
  private wouldCross(side: Side, priceTicks: number): boolean {
    if (side === Side.Buy) {
      const ask = this.bestAsk();
      return ask !== NO_PRICE && priceTicks >= ask;
    }
    const bid = this.bestBid();
    return bid !== NO_PRICE && priceTicks <= bid;
  }

  private find(orderId: number): RefOrder | undefined {
    return this.live.find((o) => o.orderId === orderId);
  }

  /** Live orders of `side` in priority order: best price first, then earliest entry. */
  private sorted(side: Side): RefOrder[] {
    const mine = this.live.filter((o) => o.side === side);
    mine.sort((a, b) => {
      if (a.priceTicks !== b.priceTicks) {
        return side === Side.Buy ? b.priceTicks - a.priceTicks : a.priceTicks - b.priceTicks;
      }
      return a.entry - b.entry;
    });
    return mine;
  }

  /** The price levels of `side`, best first. */
  private levels(side: Side): DepthLevel[] {
    const out: { priceTicks: number; qtyLots: number; orders: number }[] = [];
    for (const o of this.sorted(side)) {
      const last = out[out.length - 1];
      if (last !== undefined && last.priceTicks === o.priceTicks) {
        last.qtyLots += o.remainingLots;
        last.orders += 1;
      } else {
        out.push({ priceTicks: o.priceTicks, qtyLots: o.remainingLots, orders: 1 });
      }
    }
    return out;
  }

  /** Whether a maker at `priceTicks` is acceptable to `taker`. */
  private withinLimit(taker: Taker, priceTicks: number): boolean {
    if (taker.limit === null) return true;
    return taker.side === Side.Buy ? priceTicks <= taker.limit : priceTicks >= taker.limit;
  }

  /**
   * How much a fill-or-kill taker could fill without being cancelled by self-trade prevention:
   * CancelMaker skips own orders, CancelTaker and CancelBoth stop at the first one.
   */
  private fillableFor(taker: Taker): number {
    let available = 0;
    for (const maker of this.sorted(taker.side === Side.Buy ? Side.Sell : Side.Buy)) {
      if (!this.withinLimit(taker, maker.priceTicks)) break;
      if (maker.owner === taker.owner && taker.stp !== StpMode.None) {
        if (taker.stp === StpMode.CancelMaker) continue;
        break;
      }
      available += maker.remainingLots;
    }
    return available;
  }

  /**
   * Matches `taker` against the opposite side, oldest order of the best level first, at the
   * makers' prices. Returns `true` when self-trade prevention cancelled the taker (its `done`
   * event is already emitted).
   */
  private match(taker: Taker): boolean {
    const opposite = taker.side === Side.Buy ? Side.Sell : Side.Buy;
    while (taker.remainingLots > 0) {
      const maker = this.sorted(opposite)[0];
      if (maker === undefined || !this.withinLimit(taker, maker.priceTicks)) break;

      if (maker.owner === taker.owner && taker.stp !== StpMode.None) {
        if (taker.stp === StpMode.CancelTaker) {
          this.done(taker.orderId, taker.owner, taker.side, DoneReason.SelfTrade, taker.remainingLots);
          return true;
        }
        this.remove(maker);
        this.done(maker.orderId, maker.owner, maker.side, DoneReason.SelfTrade, maker.remainingLots);
        if (taker.stp === StpMode.CancelBoth) {
          this.done(taker.orderId, taker.owner, taker.side, DoneReason.SelfTrade, taker.remainingLots);
          return true;
        }
        continue;
      }

      const qty = Math.min(taker.remainingLots, maker.remainingLots);
      taker.remainingLots -= qty;
      maker.remainingLots -= qty;
      this.events.pushTrade(
        taker.orderId,
        taker.owner,
        taker.side,
        maker.priceTicks,
        qty,
        maker.orderId,
        maker.owner,
        maker.remainingLots,
      );
      if (maker.remainingLots === 0) {
        this.remove(maker);
        this.done(maker.orderId, maker.owner, maker.side, DoneReason.Filled, 0);
      }
    }
    return false;
  }

  /** Puts `order` at the back of its price level. */
  private rest(order: RefOrder): void {
    order.entry = this.nextEntry++;
    this.live.push(order);
  }

  private remove(order: RefOrder): void {
    this.live = this.live.filter((o) => o !== order);
  }

  private cancelAllOf(owner: number): number {
    if (!this.isValidOwner(owner)) return 0;
    const victims = this.live.filter((o) => o.owner === owner).sort((a, b) => a.entry - b.entry);
    for (const o of victims) {
      this.remove(o);
      this.done(o.orderId, o.owner, o.side, DoneReason.Canceled, o.remainingLots);
    }
    return victims.length;
  }

  private reject(orderId: number, owner: number, side: number, code: RejectCode): void {
    this.events.push(EventKind.Rejected, orderId, owner, side, 0, 0, code);
  }

  private done(
    orderId: number,
    owner: number,
    side: number,
    reason: DoneReason,
    remainingLots: number,
  ): void {
    this.events.push(EventKind.Done, orderId, owner, side, 0, remainingLots, reason);
  }
}

function view(o: RefOrder): OrderView {
  return {
    orderId: o.orderId,
    owner: o.owner,
    side: o.side,
    priceTicks: o.priceTicks,
    remainingLots: o.remainingLots,
    tif: o.tif,
    stp: o.stp,
  };
}
