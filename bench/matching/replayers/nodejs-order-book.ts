/**
 * The npm package `nodejs-order-book` (pinned in the root package.json), for comparison.
 *
 * Mapping of our commands to its API:
 * - limit (GTC or IOC) → `limit({ id, side, size, price, timeInForce, accountId })`;
 * - market → `market({ side, size, accountId })` (it has no protection price; ours are unbounded too);
 * - cancel → `cancel(id)`, which returns `undefined` for an unknown id.
 *
 * It takes string ids and owners. They are built before the timed run (ids for the whole stream,
 * owners once), so the comparison does not charge number-to-string conversion to it; the id table
 * does add to its peak RSS. Self-trade prevention is off on both sides (no `stpMode`; our books'
 * default is `None`), so same-owner orders trade in both.
 *
 * @module
 */

import { type IProcessOrder, type LimitOrderOptions, OrderBook, Side } from "nodejs-order-book";
import { type Checksum, emptyChecksum } from "../checksum.ts";
import { type EventStream, Op } from "../event-stream.ts";
import type { Replayer } from "./replayer.ts";

type TimeInForce = NonNullable<LimitOrderOptions["timeInForce"]>;
/** The fields read from a filled limit order (the package's index does not export `ILimitOrder`). */
type FilledOrder = { readonly id: string; readonly size: number; readonly price: number };

const SIDES = [Side.BUY, Side.SELL] as const;
// The package's TimeInForce enum is not exported at run time; its values are these strings.
const TIFS = ["GTC", "IOC"] as unknown as readonly TimeInForce[];

/** Replays through a new `nodejs-order-book` `OrderBook`. */
export const nodejsOrderBookReplayer: Replayer = {
  start(stream) {
    const ids = idStrings(stream);
    const owners = ownerStrings(stream);
    const book = new OrderBook();
    const sum = emptyChecksum();
    return {
      run: (from, to) => replay(book, stream, ids, owners, from, to, sum),
      finish() {
        const snapshot = book.snapshot();
        for (const level of [...snapshot.bids, ...snapshot.asks]) sum.restingAtEnd += level.orders.length;
        return sum;
      },
    };
  },
};

function replay(
  book: OrderBook,
  s: EventStream,
  ids: readonly string[],
  owners: readonly string[],
  from: number,
  to: number,
  sum: Checksum,
): void {
  // Columns in locals, as in book-api.ts.
  const { op, id, owner, side, price, qty, tif } = s;
  for (let i = from; i < to; i++) {
    switch (op[i]) {
      case Op.Limit: {
        const orderId = ids[id[i]!]!;
        const r = book.limit({
          id: orderId,
          side: SIDES[side[i]!]!,
          size: qty[i]!,
          price: price[i]!,
          timeInForce: TIFS[tif[i]!]!,
          accountId: owners[owner[i]!]!,
        });
        tallyTrades(r, orderId, sum);
        break;
      }
      case Op.Market:
        tallyTrades(
          book.market({ side: SIDES[side[i]!]!, size: qty[i]!, accountId: owners[owner[i]!]! }),
          undefined,
          sum,
        );
        break;
      default:
        if (book.cancel(ids[id[i]!]!) === undefined) sum.cancelMisses++;
    }
  }
}

/**
 * Counts the trades in a response. It lists the makers it used up in `done` (with their
 * remaining size at the time, i.e. the quantity traded) and a partly filled maker in `partial`;
 * the taker itself can appear in either (when it filled completely or rests), so it is skipped.
 */
function tallyTrades(r: IProcessOrder, takerId: string | undefined, sum: Checksum): void {
  if (r.err !== null) sum.rejects++;
  const done = r.done;
  for (let k = 0; k < done.length; k++) {
    // Only limit orders can be in `done` here: the stream has no stop orders.
    const o = done[k] as FilledOrder;
    if (o.id === takerId) continue;
    sum.trades++;
    sum.qty += o.size;
    sum.notional += o.size * o.price;
  }
  const p = r.partial;
  if (p !== null && p.id !== takerId && r.partialQuantityProcessed > 0) {
    sum.trades++;
    sum.qty += r.partialQuantityProcessed;
    sum.notional += r.partialQuantityProcessed * p.price;
  }
}

function idStrings(s: EventStream): string[] {
  let maxId = 0;
  for (let i = 0; i < s.length; i++) maxId = Math.max(maxId, s.id[i]!);
  return Array.from({ length: maxId + 1 }, (_, id) => String(id));
}

function ownerStrings(s: EventStream): string[] {
  let maxOwner = 0;
  for (let i = 0; i < s.length; i++) maxOwner = Math.max(maxOwner, s.owner[i]!);
  return Array.from({ length: maxOwner + 1 }, (_, owner) => `owner-${owner}`);
}
