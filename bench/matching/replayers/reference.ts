/**
 * The naive `ReferenceBook` (O(n) per operation) that the fast book is checked against.
 *
 * @module
 */

import { ReferenceBook } from "@cascade/matching-engine/reference";
import { replayThroughBookApi } from "./book-api.ts";
import type { Replayer } from "./replayer.ts";

/** Replays through a new `ReferenceBook`. */
export const referenceReplayer: Replayer = {
  start: (stream, range) => replayThroughBookApi(new ReferenceBook(range), stream),
};
