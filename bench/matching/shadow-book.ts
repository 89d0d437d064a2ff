/**
 * The stream generator's own model of the book: just enough price-time matching to know which
 * orders rest (so cancels name live orders), where the touch is, and what trades a correct book
 * must produce. Deliberately independent of the engines under test, so a bug in one of them
 * cannot shape the stream it is measured on.
 *
 * Semantics follow `@cascade/matching-engine` with self-trade prevention off: trades at the
 * resting order's price, market orders walk the whole opposite side, IOC remainders expire, GTC
 * remainders rest, post-only orders that would cross are refused.
 *
 * @module
 */

import { Side } from "@cascade/core";
import { NO_PRICE } from "@cascade/matching-engine";
import { emptyTally, type TradeTally } from "./checksum.ts";

/** Price-time book over [minPrice, maxPrice] for orders with ids in [0, maxOrderId]. */
export class ShadowBook {
  /** Trades so far (count, quantity, notional). */
  readonly tally: TradeTally = emptyTally();
  /** Post-only orders refused because they would have taken liquidity. */
  rejects = 0;
  /** Best bid in ticks, or {@link NO_PRICE}. */
  bestBid = NO_PRICE;
  /** Best ask in ticks, or {@link NO_PRICE}. */
  bestAsk = NO_PRICE;

  private readonly minPrice: number;
  // Per order id. A remaining quantity of 0 means the order is not live (filled or cancelled).
  private readonly orderSide: Uint8Array;
  private readonly orderPrice: Int32Array;
  private readonly remaining: Float64Array;
  // Per price level: FIFO of order ids with a head index. Cancelled orders stay in the queue
  // (remaining 0) and are skipped when matching; the queue is emptied when its last live order goes.
  // Created on first use, so a book over millions of ticks costs memory only where orders rest.
  private readonly queues: (number[] | undefined)[];
  private readonly heads: Int32Array;
  private readonly liveAtLevel: Int32Array;
  private readonly levelsPerSide = [0, 0];
  private readonly ordersPerSide = [0, 0];
  // Dense list of live ids with each id's position, for O(1) uniform choice and removal.
  private readonly live: Int32Array;
  private readonly livePos: Int32Array;
  private liveCount = 0;

  constructor(minPrice: number, maxPrice: number, maxOrderId: number) {
    this.minPrice = minPrice;
    const levels = maxPrice - minPrice + 1;
    this.queues = new Array(levels);
    this.heads = new Int32Array(levels);
    this.liveAtLevel = new Int32Array(levels);
    this.orderSide = new Uint8Array(maxOrderId + 1);
    this.orderPrice = new Int32Array(maxOrderId + 1);
    this.remaining = new Float64Array(maxOrderId + 1);
    this.live = new Int32Array(maxOrderId + 1);
    this.livePos = new Int32Array(maxOrderId + 1);
  }

  /** Number of resting orders. */
  get restingOrders(): number {
    return this.liveCount;
  }

  /** Number of non-empty price levels on `side`. */
  levels(side: Side): number {
    return this.levelsPerSide[side]!;
  }

  /** The live order at position `index` of the live list (0 ≤ index < {@link restingOrders}); order is arbitrary. */
  liveOrderAt(index: number): number {
    return this.live[index]!;
  }

  /** A limit order: matches what it crosses, then rests (GTC) or expires (IOC) with the remainder. */
  limit(id: number, side: Side, price: number, qty: number, immediateOrCancel: boolean): void {
    const left = this.match(side, price, qty);
    if (left > 0 && !immediateOrCancel) this.rest(id, side, price, left);
  }

  /** A post-only order: rests whole, or is refused (counted in {@link rejects}) when it would cross. */
  postOnly(id: number, side: Side, price: number, qty: number): void {
    if (this.wouldCross(side, price)) this.rejects++;
    else this.rest(id, side, price, qty);
  }

  /** Whether a limit order on `side` at `price` would trade on arrival. */
  wouldCross(side: Side, price: number): boolean {
    return side === Side.Buy
      ? this.bestAsk !== NO_PRICE && price >= this.bestAsk
      : this.bestBid !== NO_PRICE && price <= this.bestBid;
  }

  /** A market order without protection: matches until filled or the opposite side is empty. */
  market(side: Side, qty: number): void {
    this.match(side, NO_PRICE, qty);
  }

  /** Cancels live order `id`; returns whether it was live. */
  cancel(id: number): boolean {
    if (this.remaining[id] === 0) return false;
    const side = this.orderSide[id]! as Side;
    const level = this.orderPrice[id]! - this.minPrice;
    this.remaining[id] = 0;
    this.dropLive(id, side);
    if (--this.liveAtLevel[level]! === 0) this.emptyLevel(level, side);
    return true;
  }

  /** Matches a taker against the opposite side up to `limitPrice` ({@link NO_PRICE}: no limit); returns what is left. */
  private match(side: Side, limitPrice: number, qty: number): number {
    const makerSide = side === Side.Buy ? Side.Sell : Side.Buy;
    let left = qty;
    for (;;) {
      const best = makerSide === Side.Sell ? this.bestAsk : this.bestBid;
      if (left === 0 || best === NO_PRICE) return left;
      if (limitPrice !== NO_PRICE && (side === Side.Buy ? best > limitPrice : best < limitPrice)) return left;
      const level = best - this.minPrice;
      const queue = this.queues[level]!; // a live level always has its queue
      let head = this.heads[level]!;
      while (left > 0 && head < queue.length) {
        const maker = queue[head]!;
        const rem = this.remaining[maker]!;
        if (rem === 0) {
          head++; // cancelled earlier
          continue;
        }
        const fill = Math.min(left, rem);
        this.tally.trades++;
        this.tally.qty += fill;
        this.tally.notional += fill * best;
        left -= fill;
        this.remaining[maker] = rem - fill;
        if (rem === fill) {
          head++;
          this.dropLive(maker, makerSide);
          this.liveAtLevel[level]!--;
        }
      }
      this.heads[level] = head;
      if (this.liveAtLevel[level] === 0) this.emptyLevel(level, makerSide);
    }
  }

  private rest(id: number, side: Side, price: number, qty: number): void {
    const level = price - this.minPrice;
    this.orderSide[id] = side;
    this.orderPrice[id] = price;
    this.remaining[id] = qty;
    let queue = this.queues[level];
    if (queue === undefined) {
      queue = [];
      this.queues[level] = queue;
    }
    queue.push(id);
    if (this.liveAtLevel[level]!++ === 0) this.levelsPerSide[side]!++;
    this.ordersPerSide[side]!++;
    this.livePos[id] = this.liveCount;
    this.live[this.liveCount++] = id;
    if (side === Side.Buy) {
      if (this.bestBid === NO_PRICE || price > this.bestBid) this.bestBid = price;
    } else if (this.bestAsk === NO_PRICE || price < this.bestAsk) {
      this.bestAsk = price;
    }
  }

  private dropLive(id: number, side: Side): void {
    const pos = this.livePos[id]!;
    const last = this.live[--this.liveCount]!;
    this.live[pos] = last;
    this.livePos[last] = pos;
    this.ordersPerSide[side]!--;
  }

  /** Forgets an emptied level and, when it was the touch, finds the next one outward. */
  private emptyLevel(level: number, side: Side): void {
    this.queues[level]!.length = 0;
    this.heads[level] = 0;
    this.levelsPerSide[side]!--;
    const price = level + this.minPrice;
    if (side === Side.Buy) {
      if (price === this.bestBid) this.bestBid = this.nextLevel(level, -1, side);
    } else if (price === this.bestAsk) {
      this.bestAsk = this.nextLevel(level, 1, side);
    }
  }

  /** The price of the first non-empty level beyond `level` in direction `step`, or {@link NO_PRICE}. */
  private nextLevel(level: number, step: 1 | -1, side: Side): number {
    // Levels beyond a side's touch can only hold that side's orders (a book at rest is not
    // crossed), so the first non-empty one is the new touch. Skip the scan when the side is empty.
    if (this.ordersPerSide[side] === 0) return NO_PRICE;
    for (let l = level + step; l >= 0 && l < this.liveAtLevel.length; l += step) {
      if (this.liveAtLevel[l]! > 0) return l + this.minPrice;
    }
    return NO_PRICE;
  }
}
