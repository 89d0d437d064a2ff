/**
 * The fast `OrderBook` of `@cascade/matching-engine`.
 *
 * @module
 */

import { OrderBook } from "@cascade/matching-engine";
import { replayThroughBookApi } from "./book-api.ts";
import type { Replayer } from "./replayer.ts";

/** Replays through a new `OrderBook`. */
export const fastReplayer: Replayer = {
  start: (stream, range) => replayThroughBookApi(new OrderBook(range), stream),
};
