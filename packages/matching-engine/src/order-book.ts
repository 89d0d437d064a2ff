/**
 * The fast limit order book: price-time priority, executions at the resting order's price,
 * every order type and self-trade prevention mode of {@link BookCommand}, O(1) cancel, and no
 * allocation per event once warmed up.
 *
 * Layout (why it is fast):
 * - Orders live in struct-of-arrays columns indexed by a dense slot; freed slots form a free list.
 * - Each price in [minPriceTicks, maxPriceTicks] has a level slot with head/tail of an intrusive
 *   doubly-linked FIFO. A level holds one side only, since a book at rest is never crossed.
 * - A two-level bitset ({@link LevelSet}) finds the next non-empty level in a few instructions.
 * - Order ids map to slots through a table indexed by the id itself, backed by a typed-array hash
 *   for ids that do not fit it ({@link IdIndex}): a simulator's sequential ids never hash.
 * - Each owner's orders form a second intrusive list, so cancel-all (liquidation) costs
 *   O(orders of that owner).
 * - Results go to a reusable columnar {@link EventBuffer}; validation failures are reject codes.
 *
 * @module
 */

import { DoneReason, grown, InvariantError, RejectCode, Side } from "@cascade/core";
import type { DepthLevel, ImpactResult, OrderBookApi, OrderBookConfig, OrderView } from "./book-api.ts";
import { AmendKind, EventBuffer, EventKind } from "./events.ts";
import { IdIndex } from "./id-index.ts";
import { LevelSet } from "./level-set.ts";
import { type BookCommand, NO_PRICE, StpMode, TimeInForce } from "./order-types.ts";
import { validateBookConfig } from "./validate-config.ts";

const NONE = -1;
const MAX_SAFE = Number.MAX_SAFE_INTEGER;
/** Returned by the matcher when self-trade prevention cancelled the taker. */
const TAKER_CANCELLED = -1;

/**
 * An exact, allocation-free limit order book over a bounded price range.
 *
 * @example
 * ```ts
 * const book = new OrderBook({ minPriceTicks: 1, maxPriceTicks: 2_000_000 });
 * book.limit(1, 7, Side.Sell, 700_010, 5);           // rests
 * book.limit(2, 8, Side.Buy, 700_020, 3, TimeInForce.IOC);
 * for (let i = 0; i < book.events.length; i++) {
 *   if (book.events.kind[i] === EventKind.Trade) console.log(book.events.price[i], book.events.qty[i]);
 * } // 700010 3
 * ```
 */
export class OrderBook implements OrderBookApi {
  /** Events of the most recent command. */
  readonly events = new EventBuffer();
  /** Lowest accepted price in ticks. */
  readonly minPriceTicks: number;
  /** Highest accepted price in ticks. */
  readonly maxPriceTicks: number;
  /** Largest accepted quantity in lots. */
  readonly maxQtyLots: number;
  /** Largest accepted owner id. */
  readonly maxOwner: number;
  /** Self-trade prevention for orders that name none. */
  readonly defaultStp: StpMode;
  /** Number of live orders. */
  orderCount = 0;
  /** Lots traded since the book was made (a running total: the recorder turns it into volume per sample). */
  tradedLots = 0;
  /**
   * Σ price × quantity of every trade since the book was made, ticks × lots. A float running sum,
   * for volume-weighted prices in analysis only: money never reads it.
   */
  tradedTickLots = 0;

  private readonly nLevels: number;
  private readonly lvHead: Int32Array;
  private readonly lvTail: Int32Array;
  private readonly lvQty: Float64Array;
  private readonly lvCount: Int32Array;
  private readonly levels: LevelSet;
  private bestBidIdx = NONE;
  private bestAskIdx: number;

  private capacity: number;
  private oId: Float64Array;
  private oQty: Float64Array;
  private oLevel: Int32Array;
  private oOwner: Int32Array;
  private oNext: Int32Array;
  private oPrev: Int32Array;
  private oOwnNext: Int32Array;
  private oOwnPrev: Int32Array;
  private oSide: Uint8Array;
  private oTif: Uint8Array;
  private oStp: Uint8Array;
  private freeHead = NONE;
  private readonly ids: IdIndex;
  private ownHead: Int32Array;
  private ownTail: Int32Array;
  private listener: ((events: EventBuffer) => void) | null = null;
  private readonly impactScratch: ImpactResult = {
    avgPriceTicks: Number.NaN,
    filledLots: 0,
    filledNotional: 0,
    complete: true,
  };

  /** @throws {@link @cascade/core!ConfigError} naming the field when the configuration is invalid. */
  constructor(config: OrderBookConfig) {
    const c = validateBookConfig(config);
    this.minPriceTicks = c.minPriceTicks;
    this.maxPriceTicks = c.maxPriceTicks;
    this.maxQtyLots = c.maxQtyLots;
    this.maxOwner = c.maxOwner;
    this.defaultStp = c.defaultStp;
    this.nLevels = c.maxPriceTicks - c.minPriceTicks + 1;
    this.bestAskIdx = this.nLevels;
    this.lvHead = new Int32Array(this.nLevels).fill(NONE);
    this.lvTail = new Int32Array(this.nLevels).fill(NONE);
    this.lvQty = new Float64Array(this.nLevels);
    this.lvCount = new Int32Array(this.nLevels);
    this.levels = new LevelSet(this.nLevels);

    this.capacity = c.initialOrderCapacity;
    const n = this.capacity;
    this.oId = new Float64Array(n);
    this.oQty = new Float64Array(n);
    this.oLevel = new Int32Array(n);
    this.oOwner = new Int32Array(n);
    this.oNext = new Int32Array(n);
    this.oPrev = new Int32Array(n);
    this.oOwnNext = new Int32Array(n);
    this.oOwnPrev = new Int32Array(n);
    this.oSide = new Uint8Array(n);
    this.oTif = new Uint8Array(n);
    this.oStp = new Uint8Array(n);
    this.linkFree(0, n);
    this.ids = new IdIndex(4 * n);
    const owners = Math.min(1024, c.maxOwner + 1);
    this.ownHead = new Int32Array(owners).fill(NONE);
    this.ownTail = new Int32Array(owners).fill(NONE);
  }

  /**
   * Calls `listener(events)` after every command with that command's events (or stops calling
   * when `null`). The buffer is reused: read it during the call, copy what you keep.
   */
  setListener(listener: ((events: EventBuffer) => void) | null): void {
    this.listener = listener;
  }

  // ---------------------------------------------------------------------------------------------
  // Commands

  /** Submits a limit order; see {@link OrderBookApi.limit}. */
  limit(
    orderId: number,
    owner: number,
    side: Side,
    priceTicks: number,
    qtyLots: number,
    tif: TimeInForce = TimeInForce.GTC,
    stp: StpMode = this.defaultStp,
  ): RejectCode {
    this.events.length = 0;
    const lvl = priceTicks - this.minPriceTicks;
    // One cheap test passes every well-formed order; only the others pay for the detailed checks.
    let code: RejectCode = this.wellFormed(orderId, owner, side, lvl, qtyLots, tif, stp)
      ? RejectCode.None
      : this.limitCheckCode(orderId, owner, side, priceTicks, qtyLots, tif, stp);
    if (code === RejectCode.None && this.ids.get(orderId) !== NONE) code = RejectCode.DuplicateOrderId;
    const crosses = side === Side.Buy ? lvl >= this.bestAskIdx : lvl <= this.bestBidIdx;
    if (code === RejectCode.None && tif === TimeInForce.PostOnly && crosses)
      code = RejectCode.PostOnlyWouldTake;
    if (code !== RejectCode.None) {
      this.reject(orderId, owner, side, priceTicks, qtyLots, code);
    } else {
      this.events.push(EventKind.Accepted, orderId, owner, side, priceTicks, qtyLots, 0);
      // Most orders do not cross and rest whole: skip the matcher for them.
      if (!crosses && (tif === TimeInForce.GTC || tif === TimeInForce.PostOnly)) {
        this.rest(orderId, owner, side, lvl, qtyLots, tif, stp);
      } else {
        this.execute(orderId, owner, side, lvl, qtyLots, tif, stp);
      }
    }
    if (this.listener !== null) this.listener(this.events);
    return code;
  }

  /** Submits a market order; see {@link OrderBookApi.market}. */
  market(
    orderId: number,
    owner: number,
    side: Side,
    qtyLots: number,
    protectionPriceTicks: number = NO_PRICE,
    stp: StpMode = this.defaultStp,
  ): RejectCode {
    this.events.length = 0;
    const bounded = protectionPriceTicks !== NO_PRICE;
    let code = this.checkNew(orderId, owner, side, qtyLots);
    if (code === RejectCode.None && bounded) code = this.checkPrice(protectionPriceTicks);
    if (code === RejectCode.None) code = checkTifStp(TimeInForce.IOC, stp);
    if (code === RejectCode.None && this.ids.get(orderId) !== NONE) code = RejectCode.DuplicateOrderId;
    if (code !== RejectCode.None) {
      this.reject(orderId, owner, side, protectionPriceTicks, qtyLots, code);
    } else {
      this.events.push(
        EventKind.Accepted,
        orderId,
        owner,
        side,
        bounded ? protectionPriceTicks : NO_PRICE,
        qtyLots,
        0,
      );
      const limitIdx = bounded
        ? protectionPriceTicks - this.minPriceTicks
        : side === Side.Buy
          ? this.nLevels - 1
          : 0;
      this.execute(orderId, owner, side, limitIdx, qtyLots, TimeInForce.IOC, stp);
    }
    if (this.listener !== null) this.listener(this.events);
    return code;
  }

  /** Cancels a live order; see {@link OrderBookApi.cancel}. */
  cancel(orderId: number): RejectCode {
    this.events.length = 0;
    let code: RejectCode = RejectCode.None;
    const slot = validId(orderId) ? this.ids.get(orderId) : NONE;
    if (!validId(orderId)) code = RejectCode.InvalidOrderId;
    else if (slot === NONE) code = RejectCode.UnknownOrder;
    if (code !== RejectCode.None) {
      this.reject(orderId, NONE, NONE, NO_PRICE, 0, code);
    } else {
      this.events.push(
        EventKind.Done,
        orderId,
        this.oOwner[slot]!,
        this.oSide[slot]!,
        this.slotPrice(slot),
        this.oQty[slot]!,
        DoneReason.Canceled,
      );
      this.remove(slot);
    }
    if (this.listener !== null) this.listener(this.events);
    return code;
  }

  /** Lowers a live order's quantity in place; see {@link OrderBookApi.reduce}. */
  reduce(orderId: number, qtyLots: number): RejectCode {
    this.events.length = 0;
    let code: RejectCode = RejectCode.None;
    const slot = validId(orderId) ? this.ids.get(orderId) : NONE;
    if (!validId(orderId)) code = RejectCode.InvalidOrderId;
    else if (slot === NONE) code = RejectCode.UnknownOrder;
    else if (!(qtyLots >= 1 && Math.floor(qtyLots) === qtyLots)) code = RejectCode.InvalidQuantity;
    else if (qtyLots >= this.oQty[slot]!) code = RejectCode.QuantityNotReduced;
    if (code !== RejectCode.None) {
      const known = slot !== NONE;
      this.reject(
        orderId,
        known ? this.oOwner[slot]! : NONE,
        known ? this.oSide[slot]! : NONE,
        NO_PRICE,
        qtyLots,
        code,
      );
    } else {
      const lvl = this.oLevel[slot]!;
      this.lvQty[lvl] = this.lvQty[lvl]! - (this.oQty[slot]! - qtyLots);
      this.oQty[slot] = qtyLots;
      this.events.push(
        EventKind.Amended,
        orderId,
        this.oOwner[slot]!,
        this.oSide[slot]!,
        lvl + this.minPriceTicks,
        qtyLots,
        AmendKind.Reduce,
      );
    }
    if (this.listener !== null) this.listener(this.events);
    return code;
  }

  /** Moves a live order to a new price and quantity; see {@link OrderBookApi.replace}. */
  replace(orderId: number, priceTicks: number, qtyLots: number): RejectCode {
    this.events.length = 0;
    let code: RejectCode = RejectCode.None;
    const slot = validId(orderId) ? this.ids.get(orderId) : NONE;
    if (!validId(orderId)) code = RejectCode.InvalidOrderId;
    else if (slot === NONE) code = RejectCode.UnknownOrder;
    else if (!(qtyLots >= 1 && qtyLots <= this.maxQtyLots && Math.floor(qtyLots) === qtyLots))
      code = RejectCode.InvalidQuantity;
    else code = this.checkPrice(priceTicks);
    if (
      code === RejectCode.None &&
      this.oTif[slot] === TimeInForce.PostOnly &&
      this.wouldCross(this.oSide[slot]! as Side, priceTicks)
    ) {
      code = RejectCode.PostOnlyWouldTake;
    }
    if (code !== RejectCode.None) {
      const known = slot !== NONE;
      this.reject(
        orderId,
        known ? this.oOwner[slot]! : NONE,
        known ? this.oSide[slot]! : NONE,
        priceTicks,
        qtyLots,
        code,
      );
    } else {
      const owner = this.oOwner[slot]!;
      const side = this.oSide[slot]! as Side;
      const tif = this.oTif[slot]! as TimeInForce;
      const stp = this.oStp[slot]! as StpMode;
      this.remove(slot);
      this.events.push(EventKind.Amended, orderId, owner, side, priceTicks, qtyLots, AmendKind.Replace);
      this.execute(orderId, owner, side, priceTicks - this.minPriceTicks, qtyLots, tif, stp);
    }
    if (this.listener !== null) this.listener(this.events);
    return code;
  }

  /** Cancels every live order of `owner`, oldest entry first; returns how many. */
  cancelAll(owner: number): number {
    this.events.length = 0;
    let n = 0;
    if (validOwner(owner, this.maxOwner) && owner < this.ownHead.length) {
      let slot = this.ownHead[owner]!;
      while (slot !== NONE) {
        const next = this.oOwnNext[slot]!;
        this.events.push(
          EventKind.Done,
          this.oId[slot]!,
          owner,
          this.oSide[slot]!,
          this.slotPrice(slot),
          this.oQty[slot]!,
          DoneReason.Canceled,
        );
        this.remove(slot);
        n++;
        slot = next;
      }
    }
    if (this.listener !== null) this.listener(this.events);
    return n;
  }

  /** Runs a command given as plain data. */
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
        if (!validOwner(command.owner, this.maxOwner)) {
          this.events.length = 0;
          this.reject(NONE, command.owner, NONE, NO_PRICE, 0, RejectCode.InvalidOwner);
          if (this.listener !== null) this.listener(this.events);
          return RejectCode.InvalidOwner;
        }
        this.cancelAll(command.owner);
        return RejectCode.None;
      }
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Queries

  /** Best bid in ticks, or {@link NO_PRICE}. */
  bestBid(): number {
    return this.bestBidIdx === NONE ? NO_PRICE : this.bestBidIdx + this.minPriceTicks;
  }

  /** Best ask in ticks, or {@link NO_PRICE}. */
  bestAsk(): number {
    return this.bestAskIdx === this.nLevels ? NO_PRICE : this.bestAskIdx + this.minPriceTicks;
  }

  /** Total resting quantity at `priceTicks` (either side). */
  qtyAt(priceTicks: number): number {
    const idx = priceTicks - this.minPriceTicks;
    return idx >= 0 && idx < this.nLevels && Math.floor(idx) === idx ? this.lvQty[idx]! : 0;
  }

  /** Writes up to `maxLevels` levels of `side`, best first; returns how many were written. */
  depthInto(side: Side, maxLevels: number, outPrices: Float64Array, outQtys: Float64Array): number {
    let n = 0;
    const limit = Math.min(maxLevels, outPrices.length, outQtys.length);
    if (side === Side.Buy) {
      for (let lvl = this.bestBidIdx; lvl >= 0 && n < limit; lvl = this.levels.prev(lvl - 1)) {
        outPrices[n] = lvl + this.minPriceTicks;
        outQtys[n++] = this.lvQty[lvl]!;
      }
    } else {
      for (let lvl = this.bestAskIdx; lvl < this.nLevels && n < limit; lvl = this.levels.next(lvl + 1)) {
        outPrices[n] = lvl + this.minPriceTicks;
        outQtys[n++] = this.lvQty[lvl]!;
      }
    }
    return n;
  }

  /** Up to `maxLevels` levels of `side`, best first (allocates). */
  depth(side: Side, maxLevels: number): DepthLevel[] {
    const out: DepthLevel[] = [];
    const step =
      side === Side.Buy ? (l: number) => this.levels.prev(l - 1) : (l: number) => this.levels.next(l + 1);
    const valid = (l: number) => l >= 0 && l < this.nLevels;
    for (
      let lvl = side === Side.Buy ? this.bestBidIdx : this.bestAskIdx;
      valid(lvl) && out.length < maxLevels;
      lvl = step(lvl)
    ) {
      out.push({
        priceTicks: lvl + this.minPriceTicks,
        qtyLots: this.lvQty[lvl]!,
        orders: this.lvCount[lvl]!,
      });
    }
    return out;
  }

  /** Resting quantity of `side` within `ticks` of its best price. */
  qtyWithinTicks(side: Side, ticks: number): number {
    if (side === Side.Buy) {
      if (this.bestBidIdx === NONE) return 0;
      return this.sumBids(this.bestBidIdx - ticks, this.bestBidIdx);
    }
    if (this.bestAskIdx === this.nLevels) return 0;
    return this.sumAsks(this.bestAskIdx, this.bestAskIdx + ticks);
  }

  /** Resting quantity of `side` priced in [loTicks, hiTicks]. */
  qtyInRange(side: Side, loTicks: number, hiTicks: number): number {
    const lo = Math.max(Math.ceil(loTicks - this.minPriceTicks), 0);
    const hi = Math.min(Math.floor(hiTicks - this.minPriceTicks), this.nLevels - 1);
    if (side === Side.Buy) return this.sumBids(lo, Math.min(hi, this.bestBidIdx));
    return this.sumAsks(Math.max(lo, this.bestAskIdx), hi);
  }

  /** What a market order on `side` of `notional` tick·lots would get; see {@link ImpactResult}. */
  impact(side: Side, notional: number, out: ImpactResult = this.impactScratch): ImpactResult {
    let remaining = Math.max(notional, 0);
    let filledLots = 0;
    let filledNotional = 0;
    const buy = side === Side.Buy;
    let lvl = buy ? this.bestAskIdx : this.bestBidIdx;
    while (remaining > 0 && lvl >= 0 && lvl < this.nLevels) {
      const price = lvl + this.minPriceTicks;
      const qty = this.lvQty[lvl]!;
      const levelNotional = price * qty;
      if (remaining >= levelNotional) {
        filledLots += qty;
        filledNotional += levelNotional;
        remaining -= levelNotional;
      } else {
        filledLots += remaining / price;
        filledNotional += remaining;
        remaining = 0;
        break;
      }
      lvl = buy ? this.levels.next(lvl + 1) : this.levels.prev(lvl - 1);
    }
    out.avgPriceTicks = filledLots > 0 ? filledNotional / filledLots : Number.NaN;
    out.filledLots = filledLots;
    out.filledNotional = filledNotional;
    out.complete = remaining === 0;
    return out;
  }

  /** Whether `orderId` is live. */
  hasOrder(orderId: number): boolean {
    return validId(orderId) && this.ids.get(orderId) !== NONE;
  }

  /** Remaining quantity of a live order in lots, or 0 when it is not live. Allocation-free. */
  remainingOf(orderId: number): number {
    const slot = validId(orderId) ? this.ids.get(orderId) : NONE;
    return slot === NONE ? 0 : this.oQty[slot]!;
  }

  /** Owner of a live order, or -1 when it is not live. Allocation-free. */
  ownerOf(orderId: number): number {
    const slot = validId(orderId) ? this.ids.get(orderId) : NONE;
    return slot === NONE ? NONE : this.oOwner[slot]!;
  }

  /** Limit price of a live order in ticks, or {@link NO_PRICE} when it is not live. Allocation-free. */
  priceOf(orderId: number): number {
    const slot = validId(orderId) ? this.ids.get(orderId) : NONE;
    return slot === NONE ? NO_PRICE : this.oLevel[slot]! + this.minPriceTicks;
  }

  /** Side of a live order, or -1 when it is not live. Allocation-free. */
  sideOf(orderId: number): number {
    const slot = validId(orderId) ? this.ids.get(orderId) : NONE;
    return slot === NONE ? NONE : this.oSide[slot]!;
  }

  /** Number of live orders of `owner`. O(orders of owner). */
  ownerOrderCount(owner: number): number {
    if (!validOwner(owner, this.maxOwner) || owner >= this.ownHead.length) return 0;
    let n = 0;
    for (let s = this.ownHead[owner]!; s !== NONE; s = this.oOwnNext[s]!) n++;
    return n;
  }

  /** The live order `orderId`, or `undefined` (allocates). */
  getOrder(orderId: number): OrderView | undefined {
    const slot = validId(orderId) ? this.ids.get(orderId) : NONE;
    return slot === NONE ? undefined : this.view(slot);
  }

  /** All live orders of `side`, best price first, FIFO within a level (allocates). */
  orders(side: Side): OrderView[] {
    const out: OrderView[] = [];
    if (side === Side.Buy) {
      for (let lvl = this.bestBidIdx; lvl >= 0; lvl = this.levels.prev(lvl - 1)) this.collectLevel(lvl, out);
    } else {
      for (let lvl = this.bestAskIdx; lvl < this.nLevels; lvl = this.levels.next(lvl + 1))
        this.collectLevel(lvl, out);
    }
    return out;
  }

  /**
   * Walks every structure and throws {@link @cascade/core!InvariantError} on any disagreement: level lists vs
   * level totals and counts, the bitset, best prices, the id map, owner lists, crossed book.
   * O(levels + orders): for tests and debugging, not for hot paths.
   */
  checkInvariants(): void {
    const fail = (msg: string): never => {
      throw new InvariantError(`OrderBook: ${msg}`);
    };
    let total = 0;
    let highestBid = NONE;
    let lowestAsk = this.nLevels;
    for (let lvl = 0; lvl < this.nLevels; lvl++) {
      let count = 0;
      let qty = 0;
      let prev = NONE;
      let side = -1;
      for (let s = this.lvHead[lvl]!; s !== NONE; s = this.oNext[s]!) {
        if (this.oPrev[s] !== prev) fail(`level ${lvl}: prev link of slot ${s} broken`);
        if (this.oLevel[s] !== lvl) fail(`slot ${s} on level ${lvl} records level ${this.oLevel[s]}`);
        if (!(this.oQty[s]! >= 1)) fail(`order ${this.oId[s]} has quantity ${this.oQty[s]}`);
        if (side !== -1 && this.oSide[s] !== side) fail(`level ${lvl} holds both sides`);
        side = this.oSide[s]!;
        if (this.ids.get(this.oId[s]!) !== s) fail(`order ${this.oId[s]} is not mapped to its slot ${s}`);
        qty += this.oQty[s]!;
        count++;
        prev = s;
        if (count > this.orderCount) fail(`level ${lvl}: cycle in list`);
      }
      if (this.lvTail[lvl] !== prev) fail(`level ${lvl}: tail ${this.lvTail[lvl]} ≠ last ${prev}`);
      if (this.lvCount[lvl] !== count) fail(`level ${lvl}: count ${this.lvCount[lvl]} ≠ ${count}`);
      if (this.lvQty[lvl] !== qty) fail(`level ${lvl}: qty ${this.lvQty[lvl]} ≠ ${qty}`);
      if (this.levels.has(lvl) !== count > 0)
        fail(`level ${lvl}: bitset says ${this.levels.has(lvl)}, count ${count}`);
      if (count > 0 && side === Side.Buy) highestBid = lvl;
      if (count > 0 && side === Side.Sell && lowestAsk === this.nLevels) lowestAsk = lvl;
      total += count;
    }
    if (highestBid !== this.bestBidIdx) fail(`best bid index ${this.bestBidIdx} ≠ ${highestBid}`);
    if (lowestAsk !== this.bestAskIdx) fail(`best ask index ${this.bestAskIdx} ≠ ${lowestAsk}`);
    if (highestBid !== NONE && lowestAsk !== this.nLevels && highestBid >= lowestAsk) fail("book is crossed");
    if (total !== this.orderCount) fail(`orderCount ${this.orderCount} ≠ ${total} orders in levels`);
    if (this.ids.size !== total) fail(`id map holds ${this.ids.size} ids for ${total} orders`);
    let owned = 0;
    for (let o = 0; o < this.ownHead.length; o++) {
      let prev = NONE;
      for (let s = this.ownHead[o]!; s !== NONE; s = this.oOwnNext[s]!) {
        if (this.oOwner[s] !== o) fail(`slot ${s} in owner ${o}'s list belongs to ${this.oOwner[s]}`);
        if (this.oOwnPrev[s] !== prev) fail(`owner ${o}: prev link of slot ${s} broken`);
        prev = s;
        if (++owned > total) fail("cycle in owner lists");
      }
      if (this.ownTail[o] !== prev) fail(`owner ${o}: tail broken`);
    }
    if (owned !== total) fail(`owner lists hold ${owned} orders, levels ${total}`);
  }

  // ---------------------------------------------------------------------------------------------
  // Matching internals

  /** Matches an accepted taker, then rests, expires or reports it filled. `limitIdx` is a level index. */
  private execute(
    orderId: number,
    owner: number,
    side: Side,
    limitIdx: number,
    qty: number,
    tif: number,
    stp: number,
  ): void {
    if (tif === TimeInForce.FOK && this.fillable(owner, side, limitIdx, qty, stp) < qty) {
      this.events.push(
        EventKind.Done,
        orderId,
        owner,
        side,
        limitIdx + this.minPriceTicks,
        qty,
        DoneReason.Killed,
      );
      return;
    }
    const rem = this.match(orderId, owner, side, limitIdx, qty, stp);
    if (rem === 0) {
      this.events.push(
        EventKind.Done,
        orderId,
        owner,
        side,
        limitIdx + this.minPriceTicks,
        0,
        DoneReason.Filled,
      );
    } else if (rem > 0) {
      if (tif === TimeInForce.GTC || tif === TimeInForce.PostOnly) {
        this.rest(orderId, owner, side, limitIdx, rem, tif, stp);
      } else {
        this.events.push(
          EventKind.Done,
          orderId,
          owner,
          side,
          limitIdx + this.minPriceTicks,
          rem,
          DoneReason.Expired,
        );
      }
    }
  }

  /**
   * Takes liquidity from the opposite side up to `limitIdx`. Returns the taker's remaining
   * quantity, or {@link TAKER_CANCELLED} when self-trade prevention ended it (events emitted).
   */
  private match(
    takerId: number,
    takerOwner: number,
    side: Side,
    limitIdx: number,
    qty: number,
    stp: number,
  ): number {
    const ev = this.events;
    const buy = side === Side.Buy;
    const oQty = this.oQty;
    const oOwner = this.oOwner;
    const oNext = this.oNext;
    let rem = qty;
    while (rem > 0) {
      const lvl = buy ? this.bestAskIdx : this.bestBidIdx;
      if (buy ? lvl > limitIdx : lvl < limitIdx || lvl === NONE) break;
      const price = lvl + this.minPriceTicks;
      let slot = this.lvHead[lvl]!;
      while (slot !== NONE && rem > 0) {
        const next = oNext[slot]!;
        const makerOwner = oOwner[slot]!;
        if (stp !== StpMode.None && makerOwner === takerOwner) {
          if (stp === StpMode.CancelTaker) {
            ev.push(
              EventKind.Done,
              takerId,
              takerOwner,
              side,
              limitIdx + this.minPriceTicks,
              rem,
              DoneReason.SelfTrade,
            );
            return TAKER_CANCELLED;
          }
          ev.push(
            EventKind.Done,
            this.oId[slot]!,
            makerOwner,
            this.oSide[slot]!,
            price,
            oQty[slot]!,
            DoneReason.SelfTrade,
          );
          this.remove(slot);
          if (stp === StpMode.CancelBoth) {
            ev.push(
              EventKind.Done,
              takerId,
              takerOwner,
              side,
              limitIdx + this.minPriceTicks,
              rem,
              DoneReason.SelfTrade,
            );
            return TAKER_CANCELLED;
          }
          slot = next;
          continue;
        }
        const makerQty = oQty[slot]!;
        const fill = Math.min(makerQty, rem);
        const left = makerQty - fill;
        rem -= fill;
        ev.pushTrade(takerId, takerOwner, side, price, fill, this.oId[slot]!, makerOwner, left);
        this.tradedLots += fill;
        this.tradedTickLots += price * fill;
        if (left === 0) {
          ev.push(
            EventKind.Done,
            this.oId[slot]!,
            makerOwner,
            this.oSide[slot]!,
            price,
            0,
            DoneReason.Filled,
          );
          this.remove(slot);
        } else {
          oQty[slot] = left;
          this.lvQty[lvl] = this.lvQty[lvl]! - fill;
        }
        slot = next;
      }
    }
    return rem;
  }

  /** Quantity a FOK taker could fill up to `limitIdx` without being cancelled by STP (stops early once ≥ qty). */
  private fillable(owner: number, side: Side, limitIdx: number, qty: number, stp: number): number {
    const buy = side === Side.Buy;
    let sum = 0;
    let lvl = buy ? this.bestAskIdx : this.bestBidIdx;
    while (sum < qty && lvl >= 0 && lvl < this.nLevels && (buy ? lvl <= limitIdx : lvl >= limitIdx)) {
      if (stp === StpMode.None) {
        sum += this.lvQty[lvl]!;
      } else {
        for (let s = this.lvHead[lvl]!; s !== NONE && sum < qty; s = this.oNext[s]!) {
          if (this.oOwner[s] === owner) {
            if (stp === StpMode.CancelMaker) continue;
            return sum;
          }
          sum += this.oQty[s]!;
        }
      }
      lvl = buy ? this.levels.next(lvl + 1) : this.levels.prev(lvl - 1);
    }
    return sum;
  }

  /** Puts a new order at the back of level `lvl`. */
  private rest(
    orderId: number,
    owner: number,
    side: Side,
    lvl: number,
    qty: number,
    tif: number,
    stp: number,
  ): void {
    if (this.freeHead === NONE) this.grow();
    const slot = this.freeHead;
    this.freeHead = this.oNext[slot]!;
    this.oId[slot] = orderId;
    this.oQty[slot] = qty;
    this.oLevel[slot] = lvl;
    this.oOwner[slot] = owner;
    this.oSide[slot] = side;
    this.oTif[slot] = tif;
    this.oStp[slot] = stp;
    // Level FIFO: append.
    const tail = this.lvTail[lvl]!;
    this.oPrev[slot] = tail;
    this.oNext[slot] = NONE;
    if (tail === NONE) {
      this.lvHead[lvl] = slot;
      this.levels.add(lvl);
      if (side === Side.Buy) {
        if (lvl > this.bestBidIdx) this.bestBidIdx = lvl;
      } else if (lvl < this.bestAskIdx) {
        this.bestAskIdx = lvl;
      }
    } else {
      this.oNext[tail] = slot;
    }
    this.lvTail[lvl] = slot;
    this.lvQty[lvl] = this.lvQty[lvl]! + qty;
    this.lvCount[lvl] = this.lvCount[lvl]! + 1;
    // Owner list: append.
    if (owner >= this.ownHead.length) this.growOwners(owner);
    const otail = this.ownTail[owner]!;
    this.oOwnPrev[slot] = otail;
    this.oOwnNext[slot] = NONE;
    if (otail === NONE) this.ownHead[owner] = slot;
    else this.oOwnNext[otail] = slot;
    this.ownTail[owner] = slot;
    this.ids.insert(orderId, slot);
    this.orderCount++;
  }

  /** Unlinks a live order from its level and owner list and frees its slot. */
  private remove(slot: number): void {
    const lvl = this.oLevel[slot]!;
    const prev = this.oPrev[slot]!;
    const next = this.oNext[slot]!;
    if (prev === NONE) this.lvHead[lvl] = next;
    else this.oNext[prev] = next;
    if (next === NONE) this.lvTail[lvl] = prev;
    else this.oPrev[next] = prev;
    this.lvQty[lvl] = this.lvQty[lvl]! - this.oQty[slot]!;
    const count = this.lvCount[lvl]! - 1;
    this.lvCount[lvl] = count;
    if (count === 0) {
      this.levels.remove(lvl);
      if (lvl === this.bestBidIdx) this.bestBidIdx = this.levels.prev(lvl - 1);
      else if (lvl === this.bestAskIdx) this.bestAskIdx = this.levels.next(lvl + 1);
    }
    const owner = this.oOwner[slot]!;
    const oprev = this.oOwnPrev[slot]!;
    const onext = this.oOwnNext[slot]!;
    if (oprev === NONE) this.ownHead[owner] = onext;
    else this.oOwnNext[oprev] = onext;
    if (onext === NONE) this.ownTail[owner] = oprev;
    else this.oOwnPrev[onext] = oprev;
    this.ids.delete(this.oId[slot]!);
    this.oNext[slot] = this.freeHead;
    this.freeHead = slot;
    this.orderCount--;
  }

  /**
   * Whether a new limit order passes every field check (id, side, owner, quantity, price level,
   * time in force, STP mode); {@link limitCheckCode} says which fails when it does not.
   */
  private wellFormed(
    orderId: number,
    owner: number,
    side: number,
    lvl: number,
    qty: number,
    tif: number,
    stp: number,
  ): boolean {
    return (
      orderId >= 0 &&
      orderId <= MAX_SAFE &&
      Math.floor(orderId) === orderId &&
      (side === Side.Buy || side === Side.Sell) &&
      owner >= 0 &&
      owner <= this.maxOwner &&
      (owner | 0) === owner &&
      qty >= 1 &&
      qty <= this.maxQtyLots &&
      Math.floor(qty) === qty &&
      lvl >= 0 &&
      lvl < this.nLevels &&
      (lvl | 0) === lvl &&
      (tif | 0) === tif &&
      tif >= 0 &&
      tif <= 3 &&
      (stp | 0) === stp &&
      stp >= 0 &&
      stp <= 3
    );
  }

  /** The first failing field check of a limit order, in the order the API documents. */
  private limitCheckCode(
    orderId: number,
    owner: number,
    side: number,
    priceTicks: number,
    qty: number,
    tif: number,
    stp: number,
  ): RejectCode {
    let code = this.checkNew(orderId, owner, side, qty);
    if (code === RejectCode.None) code = this.checkPrice(priceTicks);
    if (code === RejectCode.None) code = checkTifStp(tif, stp);
    return code;
  }

  private wouldCross(side: Side, priceTicks: number): boolean {
    const idx = priceTicks - this.minPriceTicks;
    return side === Side.Buy ? idx >= this.bestAskIdx : this.bestBidIdx !== NONE && idx <= this.bestBidIdx;
  }

  private checkNew(orderId: number, owner: number, side: number, qty: number): RejectCode {
    if (!validId(orderId)) return RejectCode.InvalidOrderId;
    if (side !== Side.Buy && side !== Side.Sell) return RejectCode.InvalidSide;
    if (!validOwner(owner, this.maxOwner)) return RejectCode.InvalidOwner;
    if (!(qty >= 1 && qty <= this.maxQtyLots && Math.floor(qty) === qty)) return RejectCode.InvalidQuantity;
    return RejectCode.None;
  }

  private checkPrice(price: number): RejectCode {
    if (!Number.isInteger(price)) return RejectCode.InvalidPrice;
    if (price < this.minPriceTicks || price > this.maxPriceTicks) return RejectCode.PriceOutOfRange;
    return RejectCode.None;
  }

  private reject(
    orderId: number,
    owner: number,
    side: number,
    price: number,
    qty: number,
    code: RejectCode,
  ): void {
    const o = Number.isInteger(owner) && owner >= -2147483648 && owner <= 2147483647 ? owner : NONE;
    const s = side === Side.Buy || side === Side.Sell ? side : NONE;
    this.events.push(EventKind.Rejected, orderId, o, s, price, qty, code);
  }

  private slotPrice(slot: number): number {
    return this.oLevel[slot]! + this.minPriceTicks;
  }

  private sumBids(loIdx: number, hiIdx: number): number {
    let sum = 0;
    const lo = Math.max(loIdx, 0);
    for (let lvl = this.levels.prev(hiIdx); lvl >= lo; lvl = this.levels.prev(lvl - 1))
      sum += this.lvQty[lvl]!;
    return sum;
  }

  private sumAsks(loIdx: number, hiIdx: number): number {
    let sum = 0;
    const hi = Math.min(hiIdx, this.nLevels - 1);
    for (let lvl = this.levels.next(Math.max(loIdx, 0)); lvl <= hi; lvl = this.levels.next(lvl + 1))
      sum += this.lvQty[lvl]!;
    return sum;
  }

  private collectLevel(lvl: number, out: OrderView[]): void {
    for (let s = this.lvHead[lvl]!; s !== NONE; s = this.oNext[s]!) out.push(this.view(s));
  }

  private view(slot: number): OrderView {
    return {
      orderId: this.oId[slot]!,
      owner: this.oOwner[slot]!,
      side: this.oSide[slot]! as Side,
      priceTicks: this.slotPrice(slot),
      remainingLots: this.oQty[slot]!,
      tif: this.oTif[slot]! as TimeInForce,
      stp: this.oStp[slot]! as StpMode,
    };
  }

  private linkFree(from: number, to: number): void {
    for (let s = to - 1; s >= from; s--) {
      this.oNext[s] = this.freeHead;
      this.freeHead = s;
    }
  }

  private grow(): void {
    const old = this.capacity;
    const n = old * 2;
    this.oId = grown(this.oId, n);
    this.oQty = grown(this.oQty, n);
    this.oLevel = grown(this.oLevel, n);
    this.oOwner = grown(this.oOwner, n);
    this.oNext = grown(this.oNext, n);
    this.oPrev = grown(this.oPrev, n);
    this.oOwnNext = grown(this.oOwnNext, n);
    this.oOwnPrev = grown(this.oOwnPrev, n);
    this.oSide = grown(this.oSide, n);
    this.oTif = grown(this.oTif, n);
    this.oStp = grown(this.oStp, n);
    this.capacity = n;
    this.linkFree(old, n);
  }

  private growOwners(owner: number): void {
    const n = Math.min(Math.max(owner + 1, this.ownHead.length * 2), this.maxOwner + 1);
    this.ownHead = grown(this.ownHead, n, NONE);
    this.ownTail = grown(this.ownTail, n, NONE);
  }
}

function validId(orderId: number): boolean {
  return orderId >= 0 && orderId <= MAX_SAFE && Math.floor(orderId) === orderId;
}

function validOwner(owner: number, maxOwner: number): boolean {
  return owner >= 0 && owner <= maxOwner && Math.floor(owner) === owner;
}

function checkTifStp(tif: number, stp: number): RejectCode {
  if (!(tif >= 0 && tif <= 3 && Math.floor(tif) === tif)) return RejectCode.InvalidOrderType;
  if (!(stp >= 0 && stp <= 3 && Math.floor(stp) === stp)) return RejectCode.InvalidStpMode;
  return RejectCode.None;
}
