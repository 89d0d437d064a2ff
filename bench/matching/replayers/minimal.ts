/**
 * The minimal typed-array book (`minimal-book.cjs`, a verbatim copy of the yardstick that issue 16
 * measures against: tick-indexed levels, intrusive FIFOs, every column indexed by the order id; no
 * owners, no self-trade prevention, no event buffer, no validation). It is the speed a book in
 * plain JavaScript can reach on a stream, so `OrderBook`'s ratio to it says what its features cost.
 *
 * It needs ids in [0, maxOrderId]. Streams with sparse ids are renumbered densely here, before
 * timing: the yardstick gets the dense ids a simulator owning its id space would give it, while
 * `OrderBook` is handed the sparse ids themselves. The ratio on such a stream is therefore what
 * `OrderBook`'s id map costs.
 *
 * @module
 */

import { createRequire } from "node:module";
import { type Checksum, emptyChecksum } from "../checksum.ts";
import { type EventStream, Op } from "../event-stream.ts";
import type { Replayer } from "./replayer.ts";

/** Receives every execution of the minimal book. */
interface FillSink {
  fill(takerId: number, makerId: number, priceTicks: number, qtyLots: number): void;
}

/** The part of `TickBook`'s API the replay uses. */
interface TickBook {
  /** `tif`: 0 GTC, 1 IOC, 2 post-only. Returns the quantity left resting (0 when refused). */
  limit(id: number, side: number, price: number, qty: number, tif: number): number;
  market(id: number, side: number, qty: number): number;
  /** Whether the order was live. */
  cancel(id: number): boolean;
  orderCount(): number;
}

type TickBookClass = new (
  sink: FillSink,
  range: { minPrice: number; maxPrice: number; maxOrderId: number },
) => TickBook;

const { TickBook } = createRequire(import.meta.url)("./minimal-book.cjs") as { TickBook: TickBookClass };

/** `TimeInForce` of the stream (GTC 0, IOC 1, post-only 3) → the minimal book's codes. */
const MINIMAL_TIF = [0, 1, 0, 2] as const;
const POST_ONLY = 2;

/** Replays through a new minimal book. */
export const minimalReplayer: Replayer = {
  start(stream, range) {
    const { ids, maxOrderId } = denseIds(stream);
    const tifs = Uint8Array.from(stream.tif, (t) => MINIMAL_TIF[t as 0 | 1 | 3]);
    const sum = emptyChecksum();
    const sink: FillSink = {
      fill(_taker, _maker, price, qty) {
        sum.trades++;
        sum.qty += qty;
        sum.notional += qty * price;
      },
    };
    const book = new TickBook(sink, {
      minPrice: range.minPriceTicks,
      maxPrice: range.maxPriceTicks,
      maxOrderId,
    });
    return {
      run: (from, to) => replay(book, stream, ids, tifs, from, to, sum),
      finish() {
        sum.restingAtEnd = book.orderCount();
        return sum;
      },
    };
  },
};

function replay(
  book: TickBook,
  s: EventStream,
  ids: Int32Array,
  tifs: Uint8Array,
  from: number,
  to: number,
  sum: Checksum,
): void {
  const { op, side, price, qty } = s;
  for (let i = from; i < to; i++) {
    switch (op[i]) {
      case Op.Limit: {
        const tif = tifs[i]!;
        // A post-only order that rests nothing was refused: it would have crossed.
        if (book.limit(ids[i]!, side[i]!, price[i]!, qty[i]!, tif) === 0 && tif === POST_ONLY) sum.rejects++;
        break;
      }
      case Op.Market:
        book.market(ids[i]!, side[i]!, qty[i]!);
        break;
      default:
        if (!book.cancel(ids[i]!)) sum.cancelMisses++;
    }
  }
}

/** The stream's ids as given when they are small, else renumbered 0, 1, 2… in order of first use. */
function denseIds(s: EventStream): { ids: Int32Array; maxOrderId: number } {
  let maxId = 0;
  for (let i = 0; i < s.length; i++) maxId = Math.max(maxId, s.id[i]!);
  if (maxId <= 4 * s.length) return { ids: Int32Array.from(s.id), maxOrderId: maxId };
  const dense = new Map<number, number>();
  const ids = new Int32Array(s.length);
  for (let i = 0; i < s.length; i++) {
    const id = s.id[i]!;
    let d = dense.get(id);
    if (d === undefined) {
      d = dense.size;
      dense.set(id, d);
    }
    ids[i] = d;
  }
  return { ids, maxOrderId: Math.max(0, dense.size - 1) };
}
