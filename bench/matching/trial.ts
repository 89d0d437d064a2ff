/**
 * One timed trial, run in a fresh process by the matching suite: replay a short warm-up stream
 * (a different seed) through a throw-away book, then the measured stream through a new book,
 * timing batches of events. Prints the result for the parent (see `harness/fresh-process.ts`).
 *
 * Per-event latency figures come from the batch times: each batch's time divided by its size,
 * then the median and 99th percentile over batches. Single events are too short to time directly.
 *
 * Then the allocation check: the measured stream once more through a third book, in one call
 * with no clock read inside (reading a clock allocates), counting the garbage collections that
 * happen during it and the heap it grows by. A book that allocates nothing per event shows 0
 * collections and a heap growth of its own amortised array growth only.
 *
 * @module
 */

import { constants, PerformanceObserver } from "node:perf_hooks";
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
  /** The allocation check (see the module comment). */
  readonly allocation: AllocationResult;
}

/** Garbage collections and heap growth during one untimed replay of the measured stream. */
export interface AllocationResult {
  readonly events: number;
  /** Scavenges (young generation) during the replay. */
  readonly minorGcs: number;
  /** Mark-compact and incremental-marking collections during the replay. */
  readonly majorGcs: number;
  /** V8 heap in use after the replay minus before it, in bytes (meaningful when no collection ran). */
  readonly heapGrowthBytes: number;
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
  const allocation = await observeAllocation(replayer.start(stream, input.range), stream.length);

  const result: TrialResult = {
    events: stream.length,
    totalNs: timing.totalNs,
    eventsPerSecond: stream.length / (timing.totalNs / 1e9),
    nsPerEventP50: quantile(timing.nsPerEvent, 0.5),
    nsPerEventP99: quantile(timing.nsPerEvent, 0.99),
    maxRssBytes: process.resourceUsage().maxRSS * 1024,
    baselineRssBytes,
    checksum,
    allocation,
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

/** Replays all `events` in one call, counting the collections and heap growth it causes. */
async function observeAllocation(replay: Replay, events: number): Promise<AllocationResult> {
  let minorGcs = 0;
  let majorGcs = 0;
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      const kind = (entry as unknown as { detail?: { kind?: number } }).detail?.kind;
      if (kind === constants.NODE_PERFORMANCE_GC_MINOR) minorGcs++;
      else if (kind !== constants.NODE_PERFORMANCE_GC_WEAKCB) majorGcs++;
    }
  });
  collectGarbage();
  await settle(); // deliver the entries of that collection before counting starts
  observer.observe({ entryTypes: ["gc"] });
  const before = process.memoryUsage().heapUsed;
  replay.run(0, events);
  const after = process.memoryUsage().heapUsed;
  await settle(); // entries are delivered asynchronously
  observer.disconnect();
  replay.finish();
  return { events, minorGcs, majorGcs, heapGrowthBytes: after - before };
}

function settle(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 10));
}

function collectGarbage(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
