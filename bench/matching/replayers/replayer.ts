/**
 * The common shape of everything the matching benchmark can replay a stream through.
 *
 * @module
 */

import type { Checksum } from "../checksum.ts";
import type { EventStream } from "../event-stream.ts";

/** Book settings shared by every implementation. */
export interface BookRange {
  readonly minPriceTicks: number;
  readonly maxPriceTicks: number;
}

/** One book being fed one stream. */
export interface Replay {
  /** Feeds events [from, to) of the stream to the book, tallying what comes out. */
  run(from: number, to: number): void;
  /** Ends the replay: checks the book's invariants where it has any and returns the checksum. */
  finish(): Checksum;
}

/** An order book implementation as the benchmark sees it. */
export interface Replayer {
  /**
   * A new, empty book ready to replay `stream`. Any per-stream preparation (such as building
   * string ids) happens here, outside the timed region.
   */
  start(stream: EventStream, range: BookRange): Replay;
}
