/**
 * The conformance suite: hand-written cases with literally spelled-out expected events, run against
 * every {@link OrderBookApi} implementation. `book.checkInvariants()` runs after every command.
 */

import { DoneReason, RejectCode, Side } from "@cascade/core";
import { describe, expect, it } from "vitest";
import type { ImpactResult, OrderBookApi, OrderBookConfig, OrderView } from "./book-api.ts";
import { type BookEvent, decodeEvents } from "./events.ts";
import { OrderBook } from "./order-book.ts";
import { NO_PRICE, StpMode, TimeInForce } from "./order-types.ts";
import { ReferenceBook } from "./reference-book.ts";

/** Builds an empty book of one implementation. */
type BookFactory = (config: OrderBookConfig) => OrderBookApi;

const B = Side.Buy;
const S = Side.Sell;
const { GTC, IOC, FOK, PostOnly } = TimeInForce;
const { Filled, Canceled, Expired, Killed, SelfTrade } = DoneReason;

/** Prices 1..1000, quantities up to 10^6, owners up to 1000. */
const CONFIG: OrderBookConfig = {
  minPriceTicks: 1,
  maxPriceTicks: 1000,
  maxQtyLots: 1_000_000,
  maxOwner: 1000,
};

const COMMANDS = new Set(["limit", "market", "cancel", "reduce", "replace", "cancelAll", "submit"]);

/** Wraps a book so that every command is followed by `checkInvariants()`. */
function checked(book: OrderBookApi): OrderBookApi {
  return new Proxy(book, {
    get(target, prop) {
      const value = Reflect.get(target, prop, target);
      if (typeof value !== "function") return value;
      if (typeof prop === "string" && COMMANDS.has(prop)) {
        return (...args: unknown[]) => {
          const result = value.apply(target, args);
          target.checkInvariants();
          return result;
        };
      }
      return value.bind(target);
    },
  });
}

// Plain-object event constructors, so expected event lists read one event per line.
const accepted = (
  orderId: number,
  owner: number,
  side: Side,
  priceTicks: number,
  qtyLots: number,
): BookEvent => ({
  kind: "accepted",
  orderId,
  owner,
  side,
  priceTicks,
  qtyLots,
});
const rejected = (orderId: number, owner: number, side: number, code: RejectCode): BookEvent => ({
  kind: "rejected",
  orderId,
  owner,
  side,
  code,
});
const trade = (
  takerOrderId: number,
  takerOwner: number,
  aggressorSide: Side,
  makerOrderId: number,
  makerOwner: number,
  priceTicks: number,
  qtyLots: number,
  makerRemainingLots: number,
): BookEvent => ({
  kind: "trade",
  takerOrderId,
  takerOwner,
  aggressorSide,
  makerOrderId,
  makerOwner,
  priceTicks,
  qtyLots,
  makerRemainingLots,
});
const done = (
  orderId: number,
  owner: number,
  side: Side,
  reason: DoneReason,
  remainingLots: number,
): BookEvent => ({
  kind: "done",
  orderId,
  owner,
  side,
  reason,
  remainingLots,
});
const amended = (
  orderId: number,
  owner: number,
  side: Side,
  priceTicks: number,
  qtyLots: number,
  amend: "reduce" | "replace",
): BookEvent => ({ kind: "amended", orderId, owner, side, priceTicks, qtyLots, amend });

const view = (
  orderId: number,
  owner: number,
  side: Side,
  priceTicks: number,
  remainingLots: number,
  tif: TimeInForce = GTC,
  stp: StpMode = StpMode.None,
): OrderView => ({ orderId, owner, side, priceTicks, remainingLots, tif, stp });

/** The events of the book's last command, decoded. */
const ev = (book: OrderBookApi): BookEvent[] => decodeEvents(book.events);

/** Order ids of one side in priority order. */
const ids = (book: OrderBookApi, side: Side): number[] => book.orders(side).map((o) => o.orderId);

/** Everything observable about a book's resting state. */
function snapshot(book: OrderBookApi): unknown {
  return {
    bids: book.orders(B),
    asks: book.orders(S),
    count: book.orderCount,
    bestBid: book.bestBid(),
    bestAsk: book.bestAsk(),
  };
}

/**
 * The conformance suite for one implementation. `factory` builds an empty book; the suite wraps it
 * so that invariants are checked after every command.
 */
export function describeConformance(name: string, factory: BookFactory): void {
  const make = (config: OrderBookConfig = CONFIG): OrderBookApi => checked(factory(config));

  /** Bids 1@100×5 (owner 1), 2@100×3 (owner 2), 3@98×4 (owner 3); asks 4@101×2 (owner 4), 5@103×6 (owner 5), 6@103×1 (owner 6), 7@110×10 (owner 7). */
  const standard = (): OrderBookApi => {
    const book = make();
    book.limit(1, 1, B, 100, 5);
    book.limit(2, 2, B, 100, 3);
    book.limit(3, 3, B, 98, 4);
    book.limit(4, 4, S, 101, 2);
    book.limit(5, 5, S, 103, 6);
    book.limit(6, 6, S, 103, 1);
    book.limit(7, 7, S, 110, 10);
    return book;
  };

  describe(name, () => {
    describe("limit order validation", () => {
      it("rejects an order id that is not a non-negative safe integer with InvalidOrderId", () => {
        const book = make();
        for (const id of [-1, 1.5, Number.NaN, 2 ** 53, Number.POSITIVE_INFINITY]) {
          expect(book.limit(id, 7, B, 100, 5)).toBe(RejectCode.InvalidOrderId);
          expect(ev(book)).toEqual([rejected(id, 7, B, RejectCode.InvalidOrderId)]);
        }
        expect(book.limit(2 ** 53 - 1, 7, B, 100, 5)).toBe(RejectCode.None);
        expect(book.orderCount).toBe(1);
      });

      it("rejects a side other than 0 or 1 with InvalidSide and reports the side as -1", () => {
        const book = make();
        for (const side of [2, -1, 0.5, Number.NaN]) {
          expect(book.limit(1, 7, side as Side, 100, 5)).toBe(RejectCode.InvalidSide);
          expect(ev(book)).toEqual([rejected(1, 7, -1, RejectCode.InvalidSide)]);
        }
        expect(book.orderCount).toBe(0);
      });

      it("rejects an owner outside 0..maxOwner with InvalidOwner, reporting int32 owners as given and others as -1", () => {
        const book = make();
        const cases: [number, number][] = [
          [-3, -3],
          [1001, 1001],
          [2 ** 31 - 1, 2 ** 31 - 1],
          [2 ** 31, -1],
          [2.5, -1],
          [Number.NaN, -1],
          [Number.POSITIVE_INFINITY, -1],
        ];
        for (const [owner, reported] of cases) {
          expect(book.limit(1, owner, S, 100, 5)).toBe(RejectCode.InvalidOwner);
          expect(ev(book)).toEqual([rejected(1, reported, S, RejectCode.InvalidOwner)]);
        }
        expect(book.limit(1, 1000, S, 100, 5)).toBe(RejectCode.None);
        expect(book.limit(2, 0, S, 100, 5)).toBe(RejectCode.None);
      });

      it("rejects a quantity that is not an integer in 1..maxQtyLots with InvalidQuantity", () => {
        const book = make();
        for (const qty of [0, -5, 2.5, Number.NaN, 1_000_001, Number.POSITIVE_INFINITY]) {
          expect(book.limit(1, 7, B, 100, qty)).toBe(RejectCode.InvalidQuantity);
          expect(ev(book)).toEqual([rejected(1, 7, B, RejectCode.InvalidQuantity)]);
        }
        expect(book.limit(1, 7, B, 100, 1_000_000)).toBe(RejectCode.None);
        expect(ev(book)).toEqual([accepted(1, 7, B, 100, 1_000_000)]);
      });

      it("uses 10^12 as the default maximum quantity", () => {
        const book = make({ minPriceTicks: 1, maxPriceTicks: 1000 });
        expect(book.limit(1, 7, B, 100, 1e12 + 1)).toBe(RejectCode.InvalidQuantity);
        expect(book.limit(1, 7, B, 100, 1e12)).toBe(RejectCode.None);
      });

      it("uses 2^24 - 1 as the default maximum owner", () => {
        const book = make({ minPriceTicks: 1, maxPriceTicks: 1000 });
        expect(book.limit(1, 2 ** 24, B, 100, 1)).toBe(RejectCode.InvalidOwner);
        expect(ev(book)).toEqual([rejected(1, 2 ** 24, B, RejectCode.InvalidOwner)]);
        expect(book.limit(1, 2 ** 24 - 1, B, 100, 1)).toBe(RejectCode.None);
      });

      it("rejects a non-integer price with InvalidPrice and an integer outside the range with PriceOutOfRange", () => {
        const book = make();
        const cases: [number, RejectCode][] = [
          [100.5, RejectCode.InvalidPrice],
          [Number.NaN, RejectCode.InvalidPrice],
          [Number.POSITIVE_INFINITY, RejectCode.InvalidPrice],
          [0, RejectCode.PriceOutOfRange],
          [-1, RejectCode.PriceOutOfRange],
          [1001, RejectCode.PriceOutOfRange],
        ];
        for (const [price, code] of cases) {
          expect(book.limit(1, 7, S, price, 5), `price ${price}`).toBe(code);
          expect(ev(book)).toEqual([rejected(1, 7, S, code)]);
        }
        expect(book.limit(1, 7, S, 1000, 5)).toBe(RejectCode.None);
        expect(book.limit(2, 7, B, 1, 5)).toBe(RejectCode.None);
        expect(book.orderCount).toBe(2);
      });

      it("rejects an unknown time in force with InvalidOrderType", () => {
        const book = make();
        for (const tif of [4, -1, 1.5]) {
          expect(book.limit(1, 7, B, 100, 5, tif as TimeInForce)).toBe(RejectCode.InvalidOrderType);
          expect(ev(book)).toEqual([rejected(1, 7, B, RejectCode.InvalidOrderType)]);
        }
      });

      it("rejects an unknown self-trade prevention mode with InvalidStpMode", () => {
        const book = make();
        for (const stp of [4, -1, 0.5]) {
          expect(book.limit(1, 7, B, 100, 5, GTC, stp as StpMode)).toBe(RejectCode.InvalidStpMode);
          expect(ev(book)).toEqual([rejected(1, 7, B, RejectCode.InvalidStpMode)]);
        }
      });

      it("rejects the id of a live order with DuplicateOrderId and accepts it again once the order is gone", () => {
        const book = make();
        book.limit(1, 7, B, 100, 5);
        expect(book.limit(1, 8, S, 200, 5)).toBe(RejectCode.DuplicateOrderId);
        expect(ev(book)).toEqual([rejected(1, 8, S, RejectCode.DuplicateOrderId)]);
        expect(book.market(1, 8, S, 1)).toBe(RejectCode.DuplicateOrderId);
        expect(ev(book)).toEqual([rejected(1, 8, S, RejectCode.DuplicateOrderId)]);
        book.cancel(1);
        expect(book.limit(1, 8, S, 200, 5)).toBe(RejectCode.None);
        expect(ev(book)).toEqual([accepted(1, 8, S, 200, 5)]);
      });

      it("checks the fields in the order id, side, owner, quantity, price, tif, stp, duplicate, post-only", () => {
        const book = make();
        book.limit(1, 5, S, 105, 1);
        const bad = [-1, 2 as Side, -1, 0, Number.NaN, 9 as TimeInForce, 9 as StpMode] as const;
        expect(book.limit(-1, bad[2], bad[1], bad[4], bad[3], bad[5], bad[6])).toBe(
          RejectCode.InvalidOrderId,
        );
        expect(ev(book)).toEqual([rejected(-1, -1, -1, RejectCode.InvalidOrderId)]);
        expect(book.limit(1, -1, bad[1], bad[4], bad[3], bad[5], bad[6])).toBe(RejectCode.InvalidSide);
        expect(ev(book)).toEqual([rejected(1, -1, -1, RejectCode.InvalidSide)]);
        expect(book.limit(1, -1, B, bad[4], bad[3], bad[5], bad[6])).toBe(RejectCode.InvalidOwner);
        expect(ev(book)).toEqual([rejected(1, -1, B, RejectCode.InvalidOwner)]);
        expect(book.limit(1, 5, B, bad[4], bad[3], bad[5], bad[6])).toBe(RejectCode.InvalidQuantity);
        expect(ev(book)).toEqual([rejected(1, 5, B, RejectCode.InvalidQuantity)]);
        expect(book.limit(1, 5, B, bad[4], 3, bad[5], bad[6])).toBe(RejectCode.InvalidPrice);
        expect(ev(book)).toEqual([rejected(1, 5, B, RejectCode.InvalidPrice)]);
        expect(book.limit(1, 5, B, 105, 3, bad[5], bad[6])).toBe(RejectCode.InvalidOrderType);
        expect(ev(book)).toEqual([rejected(1, 5, B, RejectCode.InvalidOrderType)]);
        expect(book.limit(1, 5, B, 105, 3, PostOnly, bad[6])).toBe(RejectCode.InvalidStpMode);
        expect(ev(book)).toEqual([rejected(1, 5, B, RejectCode.InvalidStpMode)]);
        expect(book.limit(1, 5, B, 105, 3, PostOnly, StpMode.None)).toBe(RejectCode.DuplicateOrderId);
        expect(ev(book)).toEqual([rejected(1, 5, B, RejectCode.DuplicateOrderId)]);
        expect(book.limit(2, 5, B, 105, 3, PostOnly, StpMode.None)).toBe(RejectCode.PostOnlyWouldTake);
        expect(ev(book)).toEqual([rejected(2, 5, B, RejectCode.PostOnlyWouldTake)]);
      });

      it("changes nothing when it rejects a command", () => {
        const book = standard();
        const before = snapshot(book);
        book.limit(1, 9, S, 100, 5);
        book.limit(20, 9, S, 100, 0);
        book.limit(20, 9, S, 99, 5, PostOnly);
        book.market(20, 9, S, 5, 0);
        book.market(1, 9, S, 5);
        book.cancel(99);
        book.reduce(1, 5);
        book.replace(1, 2000, 5);
        book.submit({ kind: "cancel-all", owner: -1 });
        expect(snapshot(book)).toEqual(before);
      });
    });

    describe("post-only orders", () => {
      it("rejects a post-only buy at or above the best ask and a post-only sell at or below the best bid", () => {
        const book = standard();
        expect(book.limit(20, 9, B, 101, 1, PostOnly)).toBe(RejectCode.PostOnlyWouldTake);
        expect(ev(book)).toEqual([rejected(20, 9, B, RejectCode.PostOnlyWouldTake)]);
        expect(book.limit(20, 9, B, 500, 1, PostOnly)).toBe(RejectCode.PostOnlyWouldTake);
        expect(book.limit(21, 9, S, 100, 1, PostOnly)).toBe(RejectCode.PostOnlyWouldTake);
        expect(ev(book)).toEqual([rejected(21, 9, S, RejectCode.PostOnlyWouldTake)]);
        expect(book.limit(21, 9, S, 1, 1, PostOnly)).toBe(RejectCode.PostOnlyWouldTake);
        expect(book.orderCount).toBe(7);
      });

      it("rests a post-only order that does not cross, emitting only accepted", () => {
        const book = standard();
        expect(book.limit(20, 9, S, 102, 4, PostOnly, StpMode.CancelBoth)).toBe(RejectCode.None);
        expect(ev(book)).toEqual([accepted(20, 9, S, 102, 4)]);
        expect(book.getOrder(20)).toEqual(view(20, 9, S, 102, 4, PostOnly, StpMode.CancelBoth));
        expect(book.depth(S, 2)).toEqual([
          { priceTicks: 101, qtyLots: 2, orders: 1 },
          { priceTicks: 102, qtyLots: 4, orders: 1 },
        ]);
      });

      it("accepts a post-only order at any price when the opposite side is empty", () => {
        const book = make();
        expect(book.limit(1, 9, B, 1000, 4, PostOnly)).toBe(RejectCode.None);
        expect(ev(book)).toEqual([accepted(1, 9, B, 1000, 4)]);
      });
    });

    describe("market orders", () => {
      it("validates id, side, owner, quantity, protection price, stp and duplicates like a limit order", () => {
        const book = make();
        book.limit(1, 5, S, 105, 1);
        expect(book.market(-1, 5, B, 1)).toBe(RejectCode.InvalidOrderId);
        expect(ev(book)).toEqual([rejected(-1, 5, B, RejectCode.InvalidOrderId)]);
        expect(book.market(2, 5, 3 as Side, 1)).toBe(RejectCode.InvalidSide);
        expect(ev(book)).toEqual([rejected(2, 5, -1, RejectCode.InvalidSide)]);
        expect(book.market(2, 1.5, B, 1)).toBe(RejectCode.InvalidOwner);
        expect(ev(book)).toEqual([rejected(2, -1, B, RejectCode.InvalidOwner)]);
        expect(book.market(2, 5, B, 0)).toBe(RejectCode.InvalidQuantity);
        expect(ev(book)).toEqual([rejected(2, 5, B, RejectCode.InvalidQuantity)]);
        expect(book.market(2, 5, B, 1, 104.5)).toBe(RejectCode.InvalidPrice);
        expect(ev(book)).toEqual([rejected(2, 5, B, RejectCode.InvalidPrice)]);
        expect(book.market(2, 5, B, 1, Number.NaN)).toBe(RejectCode.InvalidPrice);
        expect(book.market(2, 5, B, 1, 0)).toBe(RejectCode.PriceOutOfRange);
        expect(ev(book)).toEqual([rejected(2, 5, B, RejectCode.PriceOutOfRange)]);
        expect(book.market(2, 5, B, 1, -2)).toBe(RejectCode.PriceOutOfRange);
        expect(book.market(2, 5, B, 1, 1001)).toBe(RejectCode.PriceOutOfRange);
        expect(book.market(2, 5, B, 1, NO_PRICE, 4 as StpMode)).toBe(RejectCode.InvalidStpMode);
        expect(ev(book)).toEqual([rejected(2, 5, B, RejectCode.InvalidStpMode)]);
        expect(book.market(1, 5, B, 1)).toBe(RejectCode.DuplicateOrderId);
        expect(ev(book)).toEqual([rejected(1, 5, B, RejectCode.DuplicateOrderId)]);
        expect(book.orderCount).toBe(1);
      });

      it("sweeps the opposite side at the makers' prices and expires the remainder", () => {
        const book = make();
        book.limit(1, 1, S, 101, 3);
        book.limit(2, 2, S, 102, 4);
        expect(book.market(10, 3, B, 10)).toBe(RejectCode.None);
        expect(ev(book)).toEqual([
          accepted(10, 3, B, -1, 10),
          trade(10, 3, B, 1, 1, 101, 3, 0),
          done(1, 1, S, Filled, 0),
          trade(10, 3, B, 2, 2, 102, 4, 0),
          done(2, 2, S, Filled, 0),
          done(10, 3, B, Expired, 3),
        ]);
        expect(book.orderCount).toBe(0);
        expect(book.hasOrder(10)).toBe(false);
      });

      it("treats a protection price of -1 like no protection price", () => {
        const book = make();
        book.limit(1, 1, B, 101, 3);
        book.limit(2, 2, B, 2, 4);
        expect(book.market(10, 3, S, 5, NO_PRICE)).toBe(RejectCode.None);
        expect(ev(book)).toEqual([
          accepted(10, 3, S, -1, 5),
          trade(10, 3, S, 1, 1, 101, 3, 0),
          done(1, 1, B, Filled, 0),
          trade(10, 3, S, 2, 2, 2, 2, 2),
          done(10, 3, S, Filled, 0),
        ]);
        expect(book.getOrder(2)).toEqual(view(2, 2, B, 2, 2));
      });

      it("expires a market order whole on an empty opposite side", () => {
        const book = make();
        book.limit(1, 1, B, 100, 3);
        expect(book.market(10, 3, B, 7)).toBe(RejectCode.None);
        expect(ev(book)).toEqual([accepted(10, 3, B, -1, 7), done(10, 3, B, Expired, 7)]);
        expect(book.orderCount).toBe(1);
      });

      it("stops a market order at its protection price and reports that price in accepted", () => {
        const book = make();
        book.limit(1, 1, S, 101, 3);
        book.limit(2, 2, S, 103, 4);
        expect(book.market(10, 3, B, 10, 102)).toBe(RejectCode.None);
        expect(ev(book)).toEqual([
          accepted(10, 3, B, 102, 10),
          trade(10, 3, B, 1, 1, 101, 3, 0),
          done(1, 1, S, Filled, 0),
          done(10, 3, B, Expired, 7),
        ]);
        expect(book.bestAsk()).toBe(103);
        expect(book.market(11, 3, S, 1, 1000)).toBe(RejectCode.None);
        expect(ev(book)).toEqual([accepted(11, 3, S, 1000, 1), done(11, 3, S, Expired, 1)]);
      });

      it("trades at a protection price equal to the maker's price", () => {
        const book = make();
        book.limit(1, 1, B, 99, 3);
        expect(book.market(10, 3, S, 2, 99)).toBe(RejectCode.None);
        expect(ev(book)).toEqual([
          accepted(10, 3, S, 99, 2),
          trade(10, 3, S, 1, 1, 99, 2, 1),
          done(10, 3, S, Filled, 0),
        ]);
      });
    });

    describe("matching", () => {
      it("trades a crossing limit order at the resting order's price, not its own", () => {
        const book = make();
        book.limit(1, 1, S, 100, 5);
        expect(book.limit(2, 2, B, 105, 5)).toBe(RejectCode.None);
        expect(ev(book)).toEqual([
          accepted(2, 2, B, 105, 5),
          trade(2, 2, B, 1, 1, 100, 5, 0),
          done(1, 1, S, Filled, 0),
          done(2, 2, B, Filled, 0),
        ]);
        expect(book.orderCount).toBe(0);
        expect(book.bestAsk()).toBe(NO_PRICE);
        expect(book.bestBid()).toBe(NO_PRICE);
      });

      it("sweeps levels best first and rests the remainder at its limit price without an event", () => {
        const book = make();
        book.limit(1, 1, S, 100, 2);
        book.limit(2, 2, S, 101, 3);
        book.limit(3, 3, S, 103, 1);
        expect(book.limit(10, 4, B, 102, 10)).toBe(RejectCode.None);
        expect(ev(book)).toEqual([
          accepted(10, 4, B, 102, 10),
          trade(10, 4, B, 1, 1, 100, 2, 0),
          done(1, 1, S, Filled, 0),
          trade(10, 4, B, 2, 2, 101, 3, 0),
          done(2, 2, S, Filled, 0),
        ]);
        expect(book.bestBid()).toBe(102);
        expect(book.bestAsk()).toBe(103);
        expect(book.getOrder(10)).toEqual(view(10, 4, B, 102, 5));
      });

      it("sweeps bids from the highest price down for a sell", () => {
        const book = make();
        book.limit(1, 1, B, 98, 2);
        book.limit(2, 2, B, 100, 3);
        book.limit(3, 3, B, 99, 1);
        expect(book.limit(10, 4, S, 99, 5)).toBe(RejectCode.None);
        expect(ev(book)).toEqual([
          accepted(10, 4, S, 99, 5),
          trade(10, 4, S, 2, 2, 100, 3, 0),
          done(2, 2, B, Filled, 0),
          trade(10, 4, S, 3, 3, 99, 1, 0),
          done(3, 3, B, Filled, 0),
        ]);
        expect(ids(book, S)).toEqual([10]);
        expect(book.getOrder(10)).toEqual(view(10, 4, S, 99, 1));
        expect(ids(book, B)).toEqual([1]);
      });

      it("fills the makers at one price in time order", () => {
        const book = make();
        book.limit(1, 1, S, 100, 2);
        book.limit(2, 2, S, 100, 2);
        book.limit(3, 3, S, 100, 2);
        expect(book.limit(10, 4, B, 100, 3)).toBe(RejectCode.None);
        expect(ev(book)).toEqual([
          accepted(10, 4, B, 100, 3),
          trade(10, 4, B, 1, 1, 100, 2, 0),
          done(1, 1, S, Filled, 0),
          trade(10, 4, B, 2, 2, 100, 1, 1),
          done(10, 4, B, Filled, 0),
        ]);
        expect(book.orders(S)).toEqual([view(2, 2, S, 100, 1), view(3, 3, S, 100, 2)]);
      });

      it("keeps a partially filled maker at the front of its queue", () => {
        const book = make();
        book.limit(1, 1, S, 100, 5);
        book.limit(2, 2, S, 100, 5);
        book.limit(10, 4, B, 100, 2);
        expect(book.limit(11, 4, B, 100, 2)).toBe(RejectCode.None);
        expect(ev(book)).toEqual([
          accepted(11, 4, B, 100, 2),
          trade(11, 4, B, 1, 1, 100, 2, 1),
          done(11, 4, B, Filled, 0),
        ]);
        expect(ids(book, S)).toEqual([1, 2]);
      });

      it("puts a resting remainder at the back of its level", () => {
        const book = make();
        book.limit(1, 1, B, 100, 1);
        book.limit(2, 2, S, 101, 1);
        book.limit(3, 3, B, 101, 3);
        book.limit(4, 4, B, 101, 1);
        expect(ids(book, B)).toEqual([3, 4, 1]);
        expect(book.limit(10, 5, S, 100, 4)).toBe(RejectCode.None);
        expect(ev(book)).toEqual([
          accepted(10, 5, S, 100, 4),
          trade(10, 5, S, 3, 3, 101, 2, 0),
          done(3, 3, B, Filled, 0),
          trade(10, 5, S, 4, 4, 101, 1, 0),
          done(4, 4, B, Filled, 0),
          trade(10, 5, S, 1, 1, 100, 1, 0),
          done(1, 1, B, Filled, 0),
          done(10, 5, S, Filled, 0),
        ]);
        expect(book.orderCount).toBe(0);
      });

      it("lets a non-crossing limit order rest after emitting only accepted", () => {
        const book = standard();
        expect(book.limit(20, 9, B, 99, 2)).toBe(RejectCode.None);
        expect(ev(book)).toEqual([accepted(20, 9, B, 99, 2)]);
        expect(ids(book, B)).toEqual([1, 2, 20, 3]);
      });
    });

    describe("immediate-or-cancel orders", () => {
      it("trade what they can and expire the rest", () => {
        const book = standard();
        expect(book.limit(20, 9, B, 103, 10, IOC)).toBe(RejectCode.None);
        expect(ev(book)).toEqual([
          accepted(20, 9, B, 103, 10),
          trade(20, 9, B, 4, 4, 101, 2, 0),
          done(4, 4, S, Filled, 0),
          trade(20, 9, B, 5, 5, 103, 6, 0),
          done(5, 5, S, Filled, 0),
          trade(20, 9, B, 6, 6, 103, 1, 0),
          done(6, 6, S, Filled, 0),
          done(20, 9, B, Expired, 1),
        ]);
        expect(book.hasOrder(20)).toBe(false);
        expect(book.bestAsk()).toBe(110);
      });

      it("end Filled when they fill completely", () => {
        const book = standard();
        expect(book.limit(20, 9, S, 99, 6, IOC)).toBe(RejectCode.None);
        expect(ev(book)).toEqual([
          accepted(20, 9, S, 99, 6),
          trade(20, 9, S, 1, 1, 100, 5, 0),
          done(1, 1, B, Filled, 0),
          trade(20, 9, S, 2, 2, 100, 1, 2),
          done(20, 9, S, Filled, 0),
        ]);
      });

      it("expire whole when nothing is within their limit, leaving the book unchanged", () => {
        const book = standard();
        const before = snapshot(book);
        expect(book.limit(20, 9, S, 101, 6, IOC)).toBe(RejectCode.None);
        expect(ev(book)).toEqual([accepted(20, 9, S, 101, 6), done(20, 9, S, Expired, 6)]);
        expect(snapshot(book)).toEqual(before);
      });
    });

    describe("fill-or-kill orders", () => {
      it("are killed, with nothing traded, when they cannot fill completely within their limit", () => {
        const book = make();
        book.limit(1, 1, S, 100, 3);
        book.limit(2, 2, S, 102, 5);
        const before = snapshot(book);
        expect(book.limit(10, 3, B, 101, 5, FOK)).toBe(RejectCode.None);
        expect(ev(book)).toEqual([accepted(10, 3, B, 101, 5), done(10, 3, B, Killed, 5)]);
        expect(snapshot(book)).toEqual(before);
      });

      it("trade normally when they can fill completely", () => {
        const book = make();
        book.limit(1, 1, S, 100, 3);
        book.limit(2, 2, S, 102, 5);
        expect(book.limit(10, 3, B, 102, 5, FOK)).toBe(RejectCode.None);
        expect(ev(book)).toEqual([
          accepted(10, 3, B, 102, 5),
          trade(10, 3, B, 1, 1, 100, 3, 0),
          done(1, 1, S, Filled, 0),
          trade(10, 3, B, 2, 2, 102, 2, 3),
          done(10, 3, B, Filled, 0),
        ]);
      });

      it("are killed on an empty opposite side", () => {
        const book = make();
        expect(book.limit(10, 3, S, 1, 1, FOK)).toBe(RejectCode.None);
        expect(ev(book)).toEqual([accepted(10, 3, S, 1, 1), done(10, 3, S, Killed, 1)]);
      });

      it("with stp None count and trade with their owner's own orders", () => {
        const book = make();
        book.limit(1, 7, S, 100, 3);
        book.limit(2, 8, S, 100, 2);
        expect(book.limit(10, 7, B, 100, 5, FOK, StpMode.None)).toBe(RejectCode.None);
        expect(ev(book)).toEqual([
          accepted(10, 7, B, 100, 5),
          trade(10, 7, B, 1, 7, 100, 3, 0),
          done(1, 7, S, Filled, 0),
          trade(10, 7, B, 2, 8, 100, 2, 0),
          done(2, 8, S, Filled, 0),
          done(10, 7, B, Filled, 0),
        ]);
      });

      it("with CancelMaker skip their own orders when counting, then cancel them while matching", () => {
        const book = make();
        book.limit(1, 7, S, 100, 3);
        book.limit(2, 8, S, 101, 4);
        const before = snapshot(book);
        expect(book.limit(10, 7, B, 101, 5, FOK, StpMode.CancelMaker)).toBe(RejectCode.None);
        expect(ev(book)).toEqual([accepted(10, 7, B, 101, 5), done(10, 7, B, Killed, 5)]);
        expect(snapshot(book)).toEqual(before);
        expect(book.limit(11, 7, B, 101, 4, FOK, StpMode.CancelMaker)).toBe(RejectCode.None);
        expect(ev(book)).toEqual([
          accepted(11, 7, B, 101, 4),
          done(1, 7, S, SelfTrade, 3),
          trade(11, 7, B, 2, 8, 101, 4, 0),
          done(2, 8, S, Filled, 0),
          done(11, 7, B, Filled, 0),
        ]);
        expect(book.orderCount).toBe(0);
      });

      it("with CancelTaker or CancelBoth count only the orders ahead of their owner's first own order", () => {
        for (const stp of [StpMode.CancelTaker, StpMode.CancelBoth]) {
          const book = make();
          book.limit(1, 8, S, 100, 3);
          book.limit(2, 7, S, 100, 2);
          book.limit(3, 8, S, 101, 5);
          const before = snapshot(book);
          expect(book.limit(10, 7, B, 101, 4, FOK, stp)).toBe(RejectCode.None);
          expect(ev(book)).toEqual([accepted(10, 7, B, 101, 4), done(10, 7, B, Killed, 4)]);
          expect(snapshot(book)).toEqual(before);
          expect(book.limit(11, 7, B, 101, 3, FOK, stp)).toBe(RejectCode.None);
          expect(ev(book)).toEqual([
            accepted(11, 7, B, 101, 3),
            trade(11, 7, B, 1, 8, 100, 3, 0),
            done(1, 8, S, Filled, 0),
            done(11, 7, B, Filled, 0),
          ]);
          expect(ids(book, S)).toEqual([2, 3]);
        }
      });
    });

    describe("self-trade prevention", () => {
      /** Asks 1@100×2 (owner 8), 2@100×3 (owner 7), 3@101×5 (owner 9). */
      const stpBook = (config: OrderBookConfig = CONFIG): OrderBookApi => {
        const book = make(config);
        book.limit(1, 8, S, 100, 2);
        book.limit(2, 7, S, 100, 3);
        book.limit(3, 9, S, 101, 5);
        return book;
      };

      it("with CancelTaker cancels the incoming remainder and leaves the resting order alone", () => {
        const book = stpBook();
        expect(book.limit(10, 7, B, 101, 4, GTC, StpMode.CancelTaker)).toBe(RejectCode.None);
        expect(ev(book)).toEqual([
          accepted(10, 7, B, 101, 4),
          trade(10, 7, B, 1, 8, 100, 2, 0),
          done(1, 8, S, Filled, 0),
          done(10, 7, B, SelfTrade, 2),
        ]);
        expect(book.hasOrder(10)).toBe(false);
        expect(book.orders(S)).toEqual([view(2, 7, S, 100, 3), view(3, 9, S, 101, 5)]);
      });

      it("with CancelMaker cancels the resting order and keeps matching", () => {
        const book = stpBook();
        expect(book.limit(10, 7, B, 101, 4, GTC, StpMode.CancelMaker)).toBe(RejectCode.None);
        expect(ev(book)).toEqual([
          accepted(10, 7, B, 101, 4),
          trade(10, 7, B, 1, 8, 100, 2, 0),
          done(1, 8, S, Filled, 0),
          done(2, 7, S, SelfTrade, 3),
          trade(10, 7, B, 3, 9, 101, 2, 3),
          done(10, 7, B, Filled, 0),
        ]);
        expect(book.orders(S)).toEqual([view(3, 9, S, 101, 3)]);
      });

      it("with CancelBoth cancels the resting order and then the incoming remainder", () => {
        const book = stpBook();
        expect(book.limit(10, 7, B, 101, 4, GTC, StpMode.CancelBoth)).toBe(RejectCode.None);
        expect(ev(book)).toEqual([
          accepted(10, 7, B, 101, 4),
          trade(10, 7, B, 1, 8, 100, 2, 0),
          done(1, 8, S, Filled, 0),
          done(2, 7, S, SelfTrade, 3),
          done(10, 7, B, SelfTrade, 2),
        ]);
        expect(book.orders(S)).toEqual([view(3, 9, S, 101, 5)]);
        expect(book.orderCount).toBe(1);
      });

      it("with None lets orders of one owner trade with each other", () => {
        const book = stpBook();
        expect(book.limit(10, 7, B, 100, 4, GTC, StpMode.None)).toBe(RejectCode.None);
        expect(ev(book)).toEqual([
          accepted(10, 7, B, 100, 4),
          trade(10, 7, B, 1, 8, 100, 2, 0),
          done(1, 8, S, Filled, 0),
          trade(10, 7, B, 2, 7, 100, 2, 1),
          done(10, 7, B, Filled, 0),
        ]);
      });

      it("uses the book's default mode when an order names none", () => {
        const book = stpBook({ ...CONFIG, defaultStp: StpMode.CancelMaker });
        expect(book.limit(10, 7, B, 100, 4)).toBe(RejectCode.None);
        expect(ev(book)).toEqual([
          accepted(10, 7, B, 100, 4),
          trade(10, 7, B, 1, 8, 100, 2, 0),
          done(1, 8, S, Filled, 0),
          done(2, 7, S, SelfTrade, 3),
        ]);
        expect(book.getOrder(10)).toEqual(view(10, 7, B, 100, 2, GTC, StpMode.CancelMaker));
        expect(book.getOrder(3)).toEqual(view(3, 9, S, 101, 5, GTC, StpMode.CancelMaker));
      });

      it("lets an explicit None override the book's default mode", () => {
        const book = stpBook({ ...CONFIG, defaultStp: StpMode.CancelBoth });
        expect(book.limit(10, 7, B, 100, 3, IOC, StpMode.None)).toBe(RejectCode.None);
        expect(ev(book)).toEqual([
          accepted(10, 7, B, 100, 3),
          trade(10, 7, B, 1, 8, 100, 2, 0),
          done(1, 8, S, Filled, 0),
          trade(10, 7, B, 2, 7, 100, 1, 2),
          done(10, 7, B, Filled, 0),
        ]);
      });

      it("applies to market orders", () => {
        const book = stpBook();
        expect(book.market(10, 7, B, 20, NO_PRICE, StpMode.CancelMaker)).toBe(RejectCode.None);
        expect(ev(book)).toEqual([
          accepted(10, 7, B, -1, 20),
          trade(10, 7, B, 1, 8, 100, 2, 0),
          done(1, 8, S, Filled, 0),
          done(2, 7, S, SelfTrade, 3),
          trade(10, 7, B, 3, 9, 101, 5, 0),
          done(3, 9, S, Filled, 0),
          done(10, 7, B, Expired, 13),
        ]);
        const book2 = stpBook();
        expect(book2.market(10, 7, B, 20, undefined, StpMode.CancelTaker)).toBe(RejectCode.None);
        expect(ev(book2)).toEqual([
          accepted(10, 7, B, -1, 20),
          trade(10, 7, B, 1, 8, 100, 2, 0),
          done(1, 8, S, Filled, 0),
          done(10, 7, B, SelfTrade, 18),
        ]);
      });

      it("with CancelTaker trades nothing when the first maker is the taker's own", () => {
        const book = make();
        book.limit(1, 7, B, 100, 2);
        book.limit(2, 8, B, 100, 2);
        expect(book.limit(10, 7, S, 100, 3, GTC, StpMode.CancelTaker)).toBe(RejectCode.None);
        expect(ev(book)).toEqual([accepted(10, 7, S, 100, 3), done(10, 7, S, SelfTrade, 3)]);
        expect(ids(book, B)).toEqual([1, 2]);
      });

      it("with CancelMaker rests the remainder after cancelling every own order in reach", () => {
        const book = make();
        book.limit(1, 7, S, 100, 2);
        book.limit(2, 7, S, 101, 2);
        expect(book.limit(10, 7, B, 101, 3, GTC, StpMode.CancelMaker)).toBe(RejectCode.None);
        expect(ev(book)).toEqual([
          accepted(10, 7, B, 101, 3),
          done(1, 7, S, SelfTrade, 2),
          done(2, 7, S, SelfTrade, 2),
        ]);
        expect(book.orders(B)).toEqual([view(10, 7, B, 101, 3, GTC, StpMode.CancelMaker)]);
        expect(book.bestAsk()).toBe(NO_PRICE);
      });
    });

    describe("cancel", () => {
      it("removes a live order and reports its remaining quantity", () => {
        const book = standard();
        book.limit(20, 9, S, 100, 2);
        expect(book.cancel(1)).toBe(RejectCode.None);
        expect(ev(book)).toEqual([done(1, 1, B, Canceled, 3)]);
        expect(book.hasOrder(1)).toBe(false);
        expect(book.orderCount).toBe(6);
        expect(book.qtyAt(100)).toBe(3);
      });

      it("rejects an unknown or no longer live id with UnknownOrder and owner and side -1", () => {
        const book = standard();
        expect(book.cancel(99)).toBe(RejectCode.UnknownOrder);
        expect(ev(book)).toEqual([rejected(99, -1, -1, RejectCode.UnknownOrder)]);
        book.cancel(1);
        expect(book.cancel(1)).toBe(RejectCode.UnknownOrder);
        expect(ev(book)).toEqual([rejected(1, -1, -1, RejectCode.UnknownOrder)]);
      });

      it("rejects an id that is not a non-negative safe integer with InvalidOrderId", () => {
        const book = standard();
        for (const id of [-1, 1.5, Number.NaN]) {
          expect(book.cancel(id)).toBe(RejectCode.InvalidOrderId);
          expect(ev(book)).toEqual([rejected(id, -1, -1, RejectCode.InvalidOrderId)]);
        }
        expect(book.orderCount).toBe(7);
      });
    });

    describe("reduce", () => {
      it("lowers the remaining quantity in place, keeping the order's place in the queue", () => {
        const book = make();
        book.limit(1, 1, B, 100, 5);
        book.limit(2, 2, B, 100, 5);
        expect(book.reduce(1, 2)).toBe(RejectCode.None);
        expect(ev(book)).toEqual([amended(1, 1, B, 100, 2, "reduce")]);
        expect(book.getOrder(1)).toEqual(view(1, 1, B, 100, 2));
        expect(book.qtyAt(100)).toBe(7);
        expect(book.limit(10, 3, S, 100, 3)).toBe(RejectCode.None);
        expect(ev(book)).toEqual([
          accepted(10, 3, S, 100, 3),
          trade(10, 3, S, 1, 1, 100, 2, 0),
          done(1, 1, B, Filled, 0),
          trade(10, 3, S, 2, 2, 100, 1, 4),
          done(10, 3, S, Filled, 0),
        ]);
      });

      it("rejects an unknown order with UnknownOrder and owner and side -1", () => {
        const book = standard();
        expect(book.reduce(99, 1)).toBe(RejectCode.UnknownOrder);
        expect(ev(book)).toEqual([rejected(99, -1, -1, RejectCode.UnknownOrder)]);
      });

      it("rejects an id that is not a non-negative safe integer with InvalidOrderId", () => {
        const book = standard();
        expect(book.reduce(-1, 1)).toBe(RejectCode.InvalidOrderId);
        expect(ev(book)).toEqual([rejected(-1, -1, -1, RejectCode.InvalidOrderId)]);
      });

      it("rejects a quantity that is not a positive integer with InvalidQuantity and the order's owner and side", () => {
        const book = standard();
        for (const qty of [0, -1, 1.5, Number.NaN]) {
          expect(book.reduce(5, qty)).toBe(RejectCode.InvalidQuantity);
          expect(ev(book)).toEqual([rejected(5, 5, S, RejectCode.InvalidQuantity)]);
        }
        expect(book.getOrder(5)).toEqual(view(5, 5, S, 103, 6));
      });

      it("rejects a quantity not below the remaining quantity with QuantityNotReduced", () => {
        const book = standard();
        expect(book.reduce(5, 6)).toBe(RejectCode.QuantityNotReduced);
        expect(ev(book)).toEqual([rejected(5, 5, S, RejectCode.QuantityNotReduced)]);
        expect(book.reduce(5, 7)).toBe(RejectCode.QuantityNotReduced);
        book.limit(20, 9, S, 100, 2);
        expect(book.reduce(1, 5)).toBe(RejectCode.QuantityNotReduced);
        expect(ev(book)).toEqual([rejected(1, 1, B, RejectCode.QuantityNotReduced)]);
        expect(book.reduce(1, 1)).toBe(RejectCode.None);
        expect(ev(book)).toEqual([amended(1, 1, B, 100, 1, "reduce")]);
      });
    });

    describe("replace", () => {
      it("moves an order to a new price and quantity at the back of its new level", () => {
        const book = standard();
        expect(book.replace(1, 100, 5)).toBe(RejectCode.None);
        expect(ev(book)).toEqual([amended(1, 1, B, 100, 5, "replace")]);
        expect(ids(book, B)).toEqual([2, 1, 3]);
        expect(book.replace(2, 98, 9)).toBe(RejectCode.None);
        expect(ev(book)).toEqual([amended(2, 2, B, 98, 9, "replace")]);
        expect(book.orders(B)).toEqual([view(1, 1, B, 100, 5), view(3, 3, B, 98, 4), view(2, 2, B, 98, 9)]);
        expect(book.qtyAt(98)).toBe(13);
      });

      it("trades a replaced order that crosses at once as a taker, at the makers' prices, and rests its remainder", () => {
        const book = standard();
        expect(book.replace(1, 103, 12)).toBe(RejectCode.None);
        expect(ev(book)).toEqual([
          amended(1, 1, B, 103, 12, "replace"),
          trade(1, 1, B, 4, 4, 101, 2, 0),
          done(4, 4, S, Filled, 0),
          trade(1, 1, B, 5, 5, 103, 6, 0),
          done(5, 5, S, Filled, 0),
          trade(1, 1, B, 6, 6, 103, 1, 0),
          done(6, 6, S, Filled, 0),
        ]);
        expect(book.bestBid()).toBe(103);
        expect(book.bestAsk()).toBe(110);
        expect(book.orders(B)).toEqual([view(1, 1, B, 103, 3), view(2, 2, B, 100, 3), view(3, 3, B, 98, 4)]);
      });

      it("ends a replaced order that fills completely with done Filled", () => {
        const book = standard();
        expect(book.replace(5, 100, 6)).toBe(RejectCode.None);
        expect(ev(book)).toEqual([
          amended(5, 5, S, 100, 6, "replace"),
          trade(5, 5, S, 1, 1, 100, 5, 0),
          done(1, 1, B, Filled, 0),
          trade(5, 5, S, 2, 2, 100, 1, 2),
          done(5, 5, S, Filled, 0),
        ]);
        expect(book.hasOrder(5)).toBe(false);
      });

      it("applies the replaced order's own self-trade prevention mode", () => {
        const book = make();
        book.limit(1, 7, B, 100, 5, GTC, StpMode.CancelTaker);
        book.limit(2, 7, S, 103, 2);
        expect(book.replace(1, 103, 4)).toBe(RejectCode.None);
        expect(ev(book)).toEqual([amended(1, 7, B, 103, 4, "replace"), done(1, 7, B, SelfTrade, 4)]);
        expect(book.hasOrder(1)).toBe(false);
        expect(book.orders(S)).toEqual([view(2, 7, S, 103, 2)]);
      });

      it("rejects an unknown order with UnknownOrder and an invalid id with InvalidOrderId", () => {
        const book = standard();
        expect(book.replace(99, 100, 1)).toBe(RejectCode.UnknownOrder);
        expect(ev(book)).toEqual([rejected(99, -1, -1, RejectCode.UnknownOrder)]);
        expect(book.replace(1.5, 100, 1)).toBe(RejectCode.InvalidOrderId);
        expect(ev(book)).toEqual([rejected(1.5, -1, -1, RejectCode.InvalidOrderId)]);
      });

      it("rejects an invalid quantity before an invalid price, with the order's owner and side", () => {
        const book = standard();
        const before = snapshot(book);
        const cases: [number, number, RejectCode][] = [
          [100.5, 0, RejectCode.InvalidQuantity],
          [100, 1.5, RejectCode.InvalidQuantity],
          [100, 1_000_001, RejectCode.InvalidQuantity],
          [100.5, 1, RejectCode.InvalidPrice],
          [Number.NaN, 1, RejectCode.InvalidPrice],
          [0, 1, RejectCode.PriceOutOfRange],
          [1001, 1, RejectCode.PriceOutOfRange],
        ];
        for (const [price, qty, code] of cases) {
          expect(book.replace(5, price, qty)).toBe(code);
          expect(ev(book)).toEqual([rejected(5, 5, S, code)]);
        }
        expect(snapshot(book)).toEqual(before);
      });

      it("rejects moving a post-only order across the spread and leaves it where it was", () => {
        const book = make();
        book.limit(1, 1, B, 100, 5, PostOnly);
        book.limit(2, 2, B, 100, 5);
        book.limit(3, 3, S, 103, 5);
        expect(book.replace(1, 103, 5)).toBe(RejectCode.PostOnlyWouldTake);
        expect(ev(book)).toEqual([rejected(1, 1, B, RejectCode.PostOnlyWouldTake)]);
        expect(book.orders(B)).toEqual([view(1, 1, B, 100, 5, PostOnly), view(2, 2, B, 100, 5)]);
        expect(book.replace(1, 102, 4)).toBe(RejectCode.None);
        expect(ev(book)).toEqual([amended(1, 1, B, 102, 4, "replace")]);
        expect(book.getOrder(1)).toEqual(view(1, 1, B, 102, 4, PostOnly));
      });

      it("may raise the quantity of an order", () => {
        const book = standard();
        expect(book.replace(7, 110, 50)).toBe(RejectCode.None);
        expect(ev(book)).toEqual([amended(7, 7, S, 110, 50, "replace")]);
        expect(book.qtyAt(110)).toBe(50);
      });
    });

    describe("cancel all", () => {
      it("cancels every order of one owner, oldest entry first, and returns the count", () => {
        const book = make();
        book.limit(1, 7, B, 100, 5);
        book.limit(2, 8, S, 105, 5);
        book.limit(3, 7, S, 106, 5);
        book.limit(4, 7, B, 99, 5);
        book.reduce(1, 4);
        book.replace(3, 107, 2);
        expect(book.cancelAll(7)).toBe(3);
        expect(ev(book)).toEqual([
          done(1, 7, B, Canceled, 4),
          done(4, 7, B, Canceled, 5),
          done(3, 7, S, Canceled, 2),
        ]);
        expect(book.orderCount).toBe(1);
        expect(book.hasOrder(2)).toBe(true);
      });

      it("returns 0 and emits nothing for an owner without orders or an invalid owner", () => {
        const book = standard();
        book.limit(20, 9, B, 90, 1);
        expect(book.cancelAll(500)).toBe(0);
        expect(ev(book)).toEqual([]);
        for (const owner of [-1, 1.5, 1001, Number.NaN]) {
          book.limit(21, 9, B, 90, 1);
          expect(book.cancelAll(owner)).toBe(0);
          expect(ev(book)).toEqual([]);
          book.cancel(21);
        }
        expect(book.orderCount).toBe(8);
      });

      it("as a submitted command returns None, or InvalidOwner with a rejected event", () => {
        const book = standard();
        expect(book.submit({ kind: "cancel-all", owner: 5 })).toBe(RejectCode.None);
        expect(ev(book)).toEqual([done(5, 5, S, Canceled, 6)]);
        expect(book.submit({ kind: "cancel-all", owner: 500 })).toBe(RejectCode.None);
        expect(ev(book)).toEqual([]);
        expect(book.submit({ kind: "cancel-all", owner: 1.5 })).toBe(RejectCode.InvalidOwner);
        expect(ev(book)).toEqual([rejected(-1, -1, -1, RejectCode.InvalidOwner)]);
        expect(book.submit({ kind: "cancel-all", owner: 5000 })).toBe(RejectCode.InvalidOwner);
        expect(ev(book)).toEqual([rejected(-1, 5000, -1, RejectCode.InvalidOwner)]);
        expect(book.orderCount).toBe(6);
      });
    });

    describe("submit", () => {
      it("runs every kind of command given as data like the direct call", () => {
        const book = make();
        expect(
          book.submit({
            kind: "limit",
            orderId: 1,
            owner: 1,
            side: S,
            priceTicks: 100,
            qtyLots: 5,
            tif: PostOnly,
          }),
        ).toBe(RejectCode.None);
        expect(ev(book)).toEqual([accepted(1, 1, S, 100, 5)]);
        expect(book.getOrder(1)).toEqual(view(1, 1, S, 100, 5, PostOnly));
        expect(
          book.submit({ kind: "limit", orderId: 2, owner: 1, side: S, priceTicks: 101, qtyLots: 5 }),
        ).toBe(RejectCode.None);
        expect(book.submit({ kind: "reduce", orderId: 1, qtyLots: 4 })).toBe(RejectCode.None);
        expect(ev(book)).toEqual([amended(1, 1, S, 100, 4, "reduce")]);
        expect(book.submit({ kind: "replace", orderId: 2, priceTicks: 102, qtyLots: 3 })).toBe(
          RejectCode.None,
        );
        expect(ev(book)).toEqual([amended(2, 1, S, 102, 3, "replace")]);
        expect(
          book.submit({
            kind: "market",
            orderId: 3,
            owner: 1,
            side: B,
            qtyLots: 5,
            stp: StpMode.CancelTaker,
          }),
        ).toBe(RejectCode.None);
        expect(ev(book)).toEqual([accepted(3, 1, B, -1, 5), done(3, 1, B, SelfTrade, 5)]);
        expect(
          book.submit({
            kind: "market",
            orderId: 3,
            owner: 2,
            side: B,
            qtyLots: 5,
            protectionPriceTicks: 100,
          }),
        ).toBe(RejectCode.None);
        expect(ev(book)).toEqual([
          accepted(3, 2, B, 100, 5),
          trade(3, 2, B, 1, 1, 100, 4, 0),
          done(1, 1, S, Filled, 0),
          done(3, 2, B, Expired, 1),
        ]);
        expect(book.submit({ kind: "cancel", orderId: 2 })).toBe(RejectCode.None);
        expect(ev(book)).toEqual([done(2, 1, S, Canceled, 3)]);
        expect(
          book.submit({ kind: "limit", orderId: 4, owner: 1, side: 5 as Side, priceTicks: 1, qtyLots: 1 }),
        ).toBe(RejectCode.InvalidSide);
        expect(ev(book)).toEqual([rejected(4, 1, -1, RejectCode.InvalidSide)]);
        expect(book.orderCount).toBe(0);
      });
    });

    describe("the event buffer", () => {
      it("is cleared at the start of every command, whatever its outcome", () => {
        const book = make();
        book.limit(1, 1, B, 100, 5);
        expect(ev(book)).toHaveLength(1);
        book.cancel(42);
        expect(ev(book)).toEqual([rejected(42, -1, -1, RejectCode.UnknownOrder)]);
        book.cancelAll(7);
        expect(ev(book)).toEqual([]);
        book.market(2, 2, S, 1);
        expect(ev(book)).toHaveLength(3);
        book.reduce(1, 10);
        expect(ev(book)).toHaveLength(1);
        book.replace(1, 100, 4);
        expect(ev(book)).toEqual([amended(1, 1, B, 100, 4, "replace")]);
        book.submit({ kind: "cancel-all", owner: 9 });
        expect(ev(book)).toEqual([]);
      });

      it("is not cleared by queries", () => {
        const book = standard();
        book.limit(20, 9, B, 101, 1);
        const expected = [
          accepted(20, 9, B, 101, 1),
          trade(20, 9, B, 4, 4, 101, 1, 1),
          done(20, 9, B, Filled, 0),
        ];
        expect(ev(book)).toEqual(expected);
        book.bestBid();
        book.bestAsk();
        book.qtyAt(100);
        book.depth(B, 5);
        book.depthInto(S, 5, new Float64Array(5), new Float64Array(5));
        book.qtyWithinTicks(B, 3);
        book.qtyInRange(S, 1, 1000);
        book.impact(B, 1000);
        book.hasOrder(1);
        book.getOrder(1);
        book.orders(S);
        void book.orderCount;
        book.checkInvariants();
        expect(ev(book)).toEqual(expected);
      });
    });

    describe("queries", () => {
      it("report NO_PRICE and zeros for an empty book", () => {
        const book = make();
        expect(book.bestBid()).toBe(NO_PRICE);
        expect(book.bestAsk()).toBe(NO_PRICE);
        expect(book.qtyAt(100)).toBe(0);
        expect(book.depth(B, 5)).toEqual([]);
        expect(book.depthInto(S, 5, new Float64Array(5), new Float64Array(5))).toBe(0);
        expect(book.qtyWithinTicks(B, 10)).toBe(0);
        expect(book.qtyWithinTicks(S, 10)).toBe(0);
        expect(book.qtyInRange(S, 1, 1000)).toBe(0);
        expect(book.impact(B, 100)).toEqual({
          avgPriceTicks: Number.NaN,
          filledLots: 0,
          filledNotional: 0,
          complete: false,
        });
        expect(book.orders(B)).toEqual([]);
        expect(book.orderCount).toBe(0);
        expect(book.hasOrder(0)).toBe(false);
        expect(book.getOrder(0)).toBeUndefined();
      });

      it("give the best prices, the quantity at a price and the order count", () => {
        const book = standard();
        expect(book.bestBid()).toBe(100);
        expect(book.bestAsk()).toBe(101);
        expect(book.qtyAt(100)).toBe(8);
        expect(book.qtyAt(103)).toBe(7);
        expect(book.qtyAt(102)).toBe(0);
        expect(book.qtyAt(0)).toBe(0);
        expect(book.qtyAt(5000)).toBe(0);
        expect(book.orderCount).toBe(7);
      });

      it("list depth levels best first with quantity and order count, up to the limit", () => {
        const book = standard();
        expect(book.depth(B, 10)).toEqual([
          { priceTicks: 100, qtyLots: 8, orders: 2 },
          { priceTicks: 98, qtyLots: 4, orders: 1 },
        ]);
        expect(book.depth(S, 2)).toEqual([
          { priceTicks: 101, qtyLots: 2, orders: 1 },
          { priceTicks: 103, qtyLots: 7, orders: 2 },
        ]);
        expect(book.depth(S, 0)).toEqual([]);
      });

      it("write depth into arrays best first and return the number of levels", () => {
        const book = standard();
        const prices = new Float64Array(4);
        const qtys = new Float64Array(4);
        expect(book.depthInto(S, 4, prices, qtys)).toBe(3);
        expect(Array.from(prices.subarray(0, 3))).toEqual([101, 103, 110]);
        expect(Array.from(qtys.subarray(0, 3))).toEqual([2, 7, 10]);
        expect(book.depthInto(B, 1, prices, qtys)).toBe(1);
        expect(prices[0]).toBe(100);
        expect(qtys[0]).toBe(8);
      });

      it("sum the quantity within k ticks of a side's best price", () => {
        const book = standard();
        expect(book.qtyWithinTicks(B, 0)).toBe(8);
        expect(book.qtyWithinTicks(B, 1)).toBe(8);
        expect(book.qtyWithinTicks(B, 2)).toBe(12);
        expect(book.qtyWithinTicks(S, 0)).toBe(2);
        expect(book.qtyWithinTicks(S, 2)).toBe(9);
        expect(book.qtyWithinTicks(S, 8)).toBe(9);
        expect(book.qtyWithinTicks(S, 9)).toBe(19);
      });

      it("sum one side's quantity in an inclusive price range", () => {
        const book = standard();
        expect(book.qtyInRange(B, 98, 100)).toBe(12);
        expect(book.qtyInRange(B, 99, 99)).toBe(0);
        expect(book.qtyInRange(B, 100, 200)).toBe(8);
        expect(book.qtyInRange(S, 101, 103)).toBe(9);
        expect(book.qtyInRange(S, 1, 100)).toBe(0);
        expect(book.qtyInRange(S, 110, 105)).toBe(0);
      });

      it("estimate the impact of a notional by walking the opposite side, taking a fraction of the last level", () => {
        const book = standard();
        // Asks: 101×2 = 202, 103×7 = 721, 110×10 = 1100 tick·lots.
        expect(book.impact(B, 202)).toEqual({
          avgPriceTicks: 101,
          filledLots: 2,
          filledNotional: 202,
          complete: true,
        });
        expect(book.impact(B, 500)).toEqual({
          avgPriceTicks: (202 + 298) / (2 + 298 / 103),
          filledLots: 2 + 298 / 103,
          filledNotional: 202 + 298,
          complete: true,
        });
        expect(book.impact(B, 3000)).toEqual({
          avgPriceTicks: 2023 / 19,
          filledLots: 19,
          filledNotional: 2023,
          complete: false,
        });
        // Bids: 100×8 = 800, 98×4 = 392.
        expect(book.impact(S, 1000)).toEqual({
          avgPriceTicks: (800 + 200) / (8 + 200 / 98),
          filledLots: 8 + 200 / 98,
          filledNotional: 800 + 200,
          complete: true,
        });
        expect(book.impact(S, 50)).toEqual({
          avgPriceTicks: 100,
          filledLots: 0.5,
          filledNotional: 50,
          complete: true,
        });
      });

      it("report a non-positive notional's impact as complete with nothing filled", () => {
        const book = standard();
        for (const notional of [0, -5]) {
          expect(book.impact(B, notional)).toEqual({
            avgPriceTicks: Number.NaN,
            filledLots: 0,
            filledNotional: 0,
            complete: true,
          });
        }
      });

      it("stop estimating the impact once the notional is spent, even before a zero-priced level", () => {
        const book = make({ minPriceTicks: 0, maxPriceTicks: 100 });
        book.limit(1, 1, B, 10, 5);
        book.limit(2, 2, B, 0, 3);
        expect(book.impact(S, 50)).toEqual({
          avgPriceTicks: 10,
          filledLots: 5,
          filledNotional: 50,
          complete: true,
        });
        expect(book.impact(S, 60)).toEqual({
          avgPriceTicks: 50 / 8,
          filledLots: 8,
          filledNotional: 50,
          complete: false,
        });
      });

      it("write the impact into the result object given", () => {
        const book = standard();
        const out: ImpactResult = { avgPriceTicks: 0, filledLots: 0, filledNotional: 0, complete: false };
        expect(book.impact(S, 800, out)).toBe(out);
        expect(out).toEqual({ avgPriceTicks: 100, filledLots: 8, filledNotional: 800, complete: true });
      });

      it("describe live orders, one side in priority order", () => {
        const book = standard();
        book.limit(20, 9, S, 101, 1, PostOnly, StpMode.CancelTaker);
        book.limit(21, 9, B, 103, 4, IOC);
        expect(book.hasOrder(5)).toBe(true);
        expect(book.hasOrder(4)).toBe(false);
        expect(book.hasOrder(21)).toBe(false);
        expect(book.getOrder(5)).toEqual(view(5, 5, S, 103, 5));
        expect(book.getOrder(4)).toBeUndefined();
        expect(book.orders(B)).toEqual([view(1, 1, B, 100, 5), view(2, 2, B, 100, 3), view(3, 3, B, 98, 4)]);
        expect(book.orders(S)).toEqual([
          view(5, 5, S, 103, 5),
          view(6, 6, S, 103, 1),
          view(7, 7, S, 110, 10),
        ]);
        expect(book.orderCount).toBe(6);
      });

      it("report an order's time in force and resolved self-trade prevention mode", () => {
        const book = make({ ...CONFIG, defaultStp: StpMode.CancelBoth });
        book.limit(1, 1, B, 100, 5, PostOnly);
        book.limit(2, 1, B, 99, 5, GTC, StpMode.CancelTaker);
        expect(book.getOrder(1)).toEqual(view(1, 1, B, 100, 5, PostOnly, StpMode.CancelBoth));
        expect(book.getOrder(2)).toEqual(view(2, 1, B, 99, 5, GTC, StpMode.CancelTaker));
      });
    });
  });
}

describeConformance("ReferenceBook", (config) => new ReferenceBook(config));
describeConformance("OrderBook", (config) => new OrderBook(config));
