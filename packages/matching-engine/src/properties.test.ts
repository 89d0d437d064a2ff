/**
 * Properties over arbitrary command sequences (fast-check), checked on both book implementations:
 * the book never rests crossed, every order's quantity is accounted for, makers are matched in
 * priority order (price, then time within a level), and the fast book agrees with the reference.
 */

import { DoneReason, Side } from "@cascade/core";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { OrderBookApi, OrderBookConfig } from "./book-api.ts";
import { decodeEvents } from "./events.ts";
import { OrderBook } from "./order-book.ts";
import type { BookCommand, StpMode, TimeInForce } from "./order-types.ts";
import { ReferenceBook } from "./reference-book.ts";

const CONFIG: OrderBookConfig = { minPriceTicks: 1, maxPriceTicks: 200, maxQtyLots: 1000, maxOwner: 10 };
const RUNS = 1000;

const id = fc.integer({ min: 0, max: 30 });
const owner = fc.integer({ min: 0, max: 3 });
const side = fc.constantFrom<Side>(Side.Buy, Side.Sell);
const price = fc.integer({ min: 92, max: 108 });
const qty = fc.integer({ min: 1, max: 12 });
const stp = fc.option(fc.constantFrom<StpMode>(0, 1, 2, 3), { nil: undefined });

/** Mostly valid commands on a narrow price band, so that orders meet, trade and self-trade often. */
const command: fc.Arbitrary<BookCommand> = fc.oneof(
  {
    weight: 8,
    arbitrary: fc.record({
      kind: fc.constant("limit" as const),
      orderId: id,
      owner,
      side,
      priceTicks: price,
      qtyLots: qty,
      tif: fc.constantFrom<TimeInForce>(0, 0, 1, 2, 3),
      stp,
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant("market" as const),
      orderId: id,
      owner,
      side,
      qtyLots: qty,
      protectionPriceTicks: fc.option(price, { nil: undefined }),
      stp,
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("cancel" as const), orderId: id }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant("reduce" as const),
      orderId: id,
      qtyLots: fc.integer({ min: 0, max: 12 }),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant("replace" as const),
      orderId: id,
      priceTicks: price,
      qtyLots: qty,
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("cancel-all" as const), owner }) },
);
const commands = fc.array(command, { minLength: 1, maxLength: 80 });

const implementations: [string, (config: OrderBookConfig) => OrderBookApi][] = [
  ["OrderBook", (config) => new OrderBook(config)],
  ["ReferenceBook", (config) => new ReferenceBook(config)],
];

/** Quantity bookkeeping for one incarnation of an order id (from `accepted` to its `done`). */
interface Incarnation {
  /** Accepted quantity plus the quantities set by replaces. */
  inflow: number;
  /** Traded quantity, as taker and as maker. */
  filled: number;
  /** Quantity removed by reduces. */
  reducedAway: number;
  /** Remaining quantity given up by replaces (the replace's new quantity is inflow). */
  replacedAway: number;
  /** `remainingLots` of its `done` event. */
  doneRemaining: number;
}

/** What is left of an incarnation according to the events: must equal its resting quantity. */
const unaccounted = (x: Incarnation): number =>
  x.inflow - x.filled - x.reducedAway - x.replacedAway - x.doneRemaining;

for (const [name, make] of implementations) {
  describe(`${name} properties`, () => {
    it("never rests crossed: the best bid stays below the best ask", () => {
      fc.assert(
        fc.property(commands, (cmds) => {
          const book = make(CONFIG);
          for (const c of cmds) {
            book.submit(c);
            book.checkInvariants();
            const bid = book.bestBid();
            const ask = book.bestAsk();
            if (bid !== -1 && ask !== -1) expect(bid).toBeLessThan(ask);
          }
        }),
        { numRuns: RUNS },
      );
    });

    it("accounts for every lot: accepted quantity = filled + resting + done remainder + reduced away", () => {
      fc.assert(
        fc.property(commands, (cmds) => {
          const book = make(CONFIG);
          /** Incarnations that have not ended, by order id. */
          const open = new Map<number, Incarnation>();
          const get = (orderId: number): Incarnation => {
            const x = open.get(orderId);
            if (x === undefined) throw new Error(`event for order ${orderId}, which has no open incarnation`);
            return x;
          };
          for (const c of cmds) {
            book.submit(c);
            for (const e of decodeEvents(book.events)) {
              switch (e.kind) {
                case "accepted":
                  expect(open.has(e.orderId)).toBe(false);
                  open.set(e.orderId, {
                    inflow: e.qtyLots,
                    filled: 0,
                    reducedAway: 0,
                    replacedAway: 0,
                    doneRemaining: 0,
                  });
                  break;
                case "trade": {
                  const taker = get(e.takerOrderId);
                  const maker = get(e.makerOrderId);
                  expect(e.qtyLots).toBeGreaterThan(0);
                  taker.filled += e.qtyLots;
                  maker.filled += e.qtyLots;
                  expect(unaccounted(taker)).toBeGreaterThanOrEqual(0);
                  expect(e.makerRemainingLots).toBe(unaccounted(maker));
                  break;
                }
                case "done": {
                  const x = get(e.orderId);
                  expect(e.remainingLots).toBe(unaccounted(x));
                  if (e.reason === DoneReason.Filled) expect(e.remainingLots).toBe(0);
                  x.doneRemaining = e.remainingLots;
                  expect(unaccounted(x)).toBe(0);
                  open.delete(e.orderId);
                  break;
                }
                case "amended": {
                  const x = get(e.orderId);
                  if (e.amend === "reduce") {
                    expect(e.qtyLots).toBeLessThan(unaccounted(x));
                    x.reducedAway += unaccounted(x) - e.qtyLots;
                  } else {
                    x.replacedAway += unaccounted(x);
                    x.inflow += e.qtyLots;
                  }
                  break;
                }
                case "rejected":
                  break;
              }
            }
            // Every incarnation still open must be resting, with exactly the quantity not yet accounted for.
            expect(book.orderCount).toBe(open.size);
            for (const [orderId, x] of open) {
              expect(book.getOrder(orderId)?.remainingLots).toBe(unaccounted(x));
            }
          }
        }),
        { numRuns: RUNS },
      );
    });

    it("matches makers in priority order: best price first, then time of (re)entry within a level", () => {
      fc.assert(
        fc.property(commands, (cmds) => {
          const book = make(CONFIG);
          /** When each live order last entered the book (command index): set by accept and replace, kept by reduce. */
          const entry = new Map<number, number>();
          cmds.forEach((c, index) => {
            let takerSide: Side | undefined;
            if (c.kind === "limit" || c.kind === "market") takerSide = c.side;
            else if (c.kind === "replace") takerSide = book.getOrder(c.orderId)?.side;
            const makerSide = takerSide === Side.Buy ? Side.Sell : Side.Buy;
            const queue = book.orders(makerSide).map((o) => o.orderId);
            book.submit(c);
            // Makers reached by the taker, in event order: traded with, or cancelled by self-trade prevention.
            const reached: number[] = [];
            for (const e of decodeEvents(book.events)) {
              if (e.kind === "accepted") entry.set(e.orderId, index);
              else if (e.kind === "amended" && e.amend === "replace") entry.set(e.orderId, index);
              else if (e.kind === "trade") reached.push(e.makerOrderId);
              else if (e.kind === "done") {
                if (takerSide !== undefined && e.side === makerSide && e.reason === DoneReason.SelfTrade) {
                  reached.push(e.orderId);
                }
                entry.delete(e.orderId);
              }
            }
            if (takerSide !== undefined) expect(reached).toEqual(queue.slice(0, reached.length));
            // orders(side) itself lists better prices first and, within a level, earlier entries first.
            for (const s of [Side.Buy, Side.Sell]) {
              const listed = book.orders(s);
              for (let i = 1; i < listed.length; i++) {
                const a = listed[i - 1]!;
                const b = listed[i]!;
                if (a.priceTicks === b.priceTicks) {
                  expect(entry.get(a.orderId)!).toBeLessThan(entry.get(b.orderId)!);
                } else {
                  expect(s === Side.Buy ? a.priceTicks > b.priceTicks : a.priceTicks < b.priceTicks).toBe(
                    true,
                  );
                }
              }
            }
          });
        }),
        { numRuns: RUNS },
      );
    });
  });
}

describe("OrderBook and ReferenceBook", () => {
  it("emit the same events and hold the same orders for any command sequence", () => {
    fc.assert(
      fc.property(commands, (cmds) => {
        const fast = new OrderBook(CONFIG);
        const ref = new ReferenceBook(CONFIG);
        for (const c of cmds) {
          expect(fast.submit(c)).toBe(ref.submit(c));
          expect(decodeEvents(fast.events)).toEqual(decodeEvents(ref.events));
        }
        expect(fast.orders(Side.Buy)).toEqual(ref.orders(Side.Buy));
        expect(fast.orders(Side.Sell)).toEqual(ref.orders(Side.Sell));
      }),
      { numRuns: RUNS },
    );
  });
});
