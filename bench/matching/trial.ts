/**
 * One timed trial, run in a fresh process by the matching suite: replay a short warm-up stream
 * (a different seed) through a throw-away book, then the measured stream through a new book,
 * timing batches of events. Prints the result for the parent (see `harness/fresh-process.ts`).
 *
 * Per-event latency figures come from the batch times: each batch's time divided by its size,
 * then the median and 99th percentile over batches. Single events are too short to time directly.
 *
 * @module
 */

import { readTrialInput, reportTrialResult } from "../harness/fresh-process.ts";
import { quantile } from "../harness/stats.ts";
import type { Checksum } from "./checksum.ts";
import { readEventStream } from "./event-stream.ts";
import { type ImplementationName, tryLoadImplementation } from "./implementations.ts";
import type { BookRange, Replay } from "./replayers/replayer.ts";

/** What the parent asks a trial to do. */
export interface TrialInput {
  readonly implementation: ImplementationName;
  /** Binary stream file of the measured stream, and how many of its events to replay. */
  readonly streamFile: string;
  readonly events: number;
  /** Binary stream file of the warm-up stream, and how many of its events to replay. */
  readonly warmupFile: string;
  readonly warmupEvents: number;
  /** Events per timed batch. */
  readonly batchSize: number;
  readonly range: BookRange;
}

/** What a trial reports. */
export interface TrialResult {
  readonly events: number;
  /** Time for all events, in nanoseconds. */
  readonly totalNs: number;
  readonly eventsPerSecond: number;
  /** Median and 99th percentile over batches of (batch time / batch size). */
  readonly nsPerEventP50: number;
  readonly nsPerEventP99: number;
  /** Peak resident set size of the trial process, in bytes (includes the loaded streams). */
  readonly maxRssBytes: number;
  /** Resident set size once the streams were loaded, before any book existed, in bytes. */
  readonly baselineRssBytes: number;
  readonly checksum: Checksum;
}

async function main(): Promise<void> {
  const input = readTrialInput<TrialInput>();
  const replayer = await tryLoadImplementation(input.implementation);
  if (replayer instanceof Error) throw replayer;

  const warmup = readEventStream(input.warmupFile, input.warmupEvents);
  const stream = readEventStream(input.streamFile, input.events);
  collectGarbage();
  // What the process holds before any book exists: Node, tsx, the code and both streams.
  const baselineRssBytes = process.memoryUsage.rss();

  runInBatches(replayer.start(warmup, input.range), warmup.length, input.batchSize);
  const replay = replayer.start(stream, input.range);
  collectGarbage(); // start timing with a clean heap, not with the warm-up's garbage
  const timing = runInBatches(replay, stream.length, input.batchSize);
  const checksum = replay.finish();

  const result: TrialResult = {
    events: stream.length,
    totalNs: timing.totalNs,
    eventsPerSecond: stream.length / (timing.totalNs / 1e9),
    nsPerEventP50: quantile(timing.nsPerEvent, 0.5),
    nsPerEventP99: quantile(timing.nsPerEvent, 0.99),
    maxRssBytes: process.resourceUsage().maxRSS * 1024,
    baselineRssBytes,
    checksum,
  };
  reportTrialResult(result);
}

/** Replays `events` events in batches of `batchSize`, timing each batch. */
function runInBatches(
  replay: Replay,
  events: number,
  batchSize: number,
): { totalNs: number; nsPerEvent: Float64Array } {
  const batches = Math.ceil(events / batchSize);
  const nsPerEvent = new Float64Array(batches);
  const start = process.hrtime.bigint();
  let previous = start;
  for (let b = 0; b < batches; b++) {
    const from = b * batchSize;
    const to = Math.min(events, from + batchSize);
    replay.run(from, to);
    const now = process.hrtime.bigint();
    nsPerEvent[b] = Number(now - previous) / (to - from);
    previous = now;
  }
  return { totalNs: Number(previous - start), nsPerEvent };
}

function collectGarbage(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
