/**
 * The `matching` suite: events per second, per-event latency and peak memory of the fast
 * `OrderBook`, the naive `ReferenceBook` and the npm package `nodejs-order-book` on one seeded
 * stream resembling a live book, with checksums proving they did the same work.
 *
 * @module
 */

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { runInFreshProcess } from "../harness/fresh-process.ts";
import { runInterleaved } from "../harness/interleave.ts";
import { median } from "../harness/stats.ts";
import type { BenchSuite, SuiteOptions, SuiteOutcome } from "../harness/suite.ts";
import { formatCount, formatFixed, formatTable } from "../harness/table.ts";
import { type Checksum, checksumDifferences } from "./checksum.ts";
import { writeEventStream } from "./event-stream.ts";
import { IMPLEMENTATIONS, type ImplementationName, tryLoadImplementation } from "./implementations.ts";
import type { BookRange } from "./replayers/replayer.ts";
import { DEFAULT_STREAM_CONFIG, type GeneratedStream, generateStream, type StreamStats } from "./stream.ts";
import type { TrialInput, TrialResult } from "./trial.ts";

const SEED = 42;
/** The warm-up stream comes from another seed, so no trial is warmed up on the events it is timed on. */
const WARMUP_SEED = 4242;
const BATCH_SIZE = 1000;
/** Events per second the engine is required to sustain. */
const ENGINE_TARGET_EVENTS_PER_SECOND = 5_000_000;
/** Required speed-up of the fast book over nodejs-order-book. */
const NODEJS_ORDER_BOOK_TARGET_RATIO = 50;

interface Sizes {
  /** Events in the measured stream. */
  readonly events: number;
  /** Prefix on which the O(n)-per-operation reference book (and the fast book beside it) is measured. */
  readonly prefix: number;
  /** Warm-up events for the fast books, and for the slow reference book. */
  readonly warmup: number;
  readonly referenceWarmup: number;
}

const FULL: Sizes = { events: 1_000_000, prefix: 100_000, warmup: 100_000, referenceWarmup: 10_000 };
const QUICK: Sizes = { events: 100_000, prefix: 20_000, warmup: 20_000, referenceWarmup: 2_000 };

/** One row of the report: an implementation on a stream length. */
interface Candidate {
  readonly key: string;
  readonly label: string;
  readonly implementation: ImplementationName;
  readonly events: number;
  readonly warmupEvents: number;
}

function candidates(sizes: Sizes): Candidate[] {
  const prefix = `first ${formatCount(sizes.prefix)}`;
  return [
    {
      key: "fast",
      label: IMPLEMENTATIONS.fast.label,
      implementation: "fast",
      events: sizes.events,
      warmupEvents: sizes.warmup,
    },
    {
      key: "nodejs-order-book",
      label: IMPLEMENTATIONS["nodejs-order-book"].label,
      implementation: "nodejs-order-book",
      events: sizes.events,
      warmupEvents: sizes.warmup,
    },
    {
      key: "fast-prefix",
      label: `${IMPLEMENTATIONS.fast.label}, ${prefix}`,
      implementation: "fast",
      events: sizes.prefix,
      warmupEvents: sizes.warmup,
    },
    {
      key: "reference-prefix",
      label: `${IMPLEMENTATIONS.reference.label}, ${prefix}`,
      implementation: "reference",
      events: sizes.prefix,
      warmupEvents: sizes.referenceWarmup,
    },
  ];
}

/** Medians over one candidate's trials. */
interface CandidateSummary {
  readonly label: string;
  readonly implementation: ImplementationName;
  readonly events: number;
  readonly eventsPerSecond: number;
  readonly nsPerEventP50: number;
  readonly nsPerEventP99: number;
  readonly maxRssBytes: number;
  readonly baselineRssBytes: number;
  readonly checksum: Checksum;
  /** Whether the checksum equals the one the generator's model predicts. */
  readonly matchesModel: boolean;
  readonly trials: readonly TrialResult[];
}

/** The `matching` suite. */
export const matchingSuite: BenchSuite = {
  name: "matching",
  description: "order book events/s, latency and memory: OrderBook vs ReferenceBook vs nodejs-order-book",
  run: runMatchingSuite,
};

async function runMatchingSuite(options: SuiteOptions): Promise<SuiteOutcome> {
  const sizes = options.quick ? QUICK : FULL;
  const range: BookRange = {
    minPriceTicks: DEFAULT_STREAM_CONFIG.minPriceTicks,
    maxPriceTicks: DEFAULT_STREAM_CONFIG.maxPriceTicks,
  };
  options.log(
    `matching: generating ${formatCount(sizes.events)} events (seed ${SEED}) and the warm-up stream`,
  );
  const measured = generateStream(SEED, { events: sizes.events }, [sizes.prefix]);
  const warmup = generateStream(WARMUP_SEED, { events: sizes.warmup });

  const failures: string[] = [];
  const notes: string[] = [];
  const available: Candidate[] = [];
  for (const c of candidates(sizes)) {
    const loaded = await tryLoadImplementation(c.implementation);
    if (loaded instanceof Error) {
      notes.push(`${c.label}: not measured, it cannot be loaded (${loaded.message})`);
    } else {
      available.push(c);
    }
  }

  const trials = await measureInterleaved(available, measured, warmup, range, options);
  const summaries = new Map<string, CandidateSummary>();
  for (const [c, results] of trials) {
    const summary = summarize(c, results, measured.expected.get(c.events)!);
    summaries.set(c.key, summary);
    failures.push(...summary.failures);
    if (!summary.matchesModel) {
      notes.push(
        `${c.label}: checksum differs from the generator's model (${summary.modelDifferences.join(", ")})`,
      );
    }
  }

  const fastPrefix = summaries.get("fast-prefix");
  const referencePrefix = summaries.get("reference-prefix");
  if (fastPrefix !== undefined && referencePrefix !== undefined) {
    const diff = checksumDifferences(fastPrefix.checksum, referencePrefix.checksum);
    if (diff.length > 0) {
      failures.push(
        `CHECKSUM MISMATCH: OrderBook and ReferenceBook disagree on the first ${sizes.prefix} events (${diff.join(", ")})`,
      );
    }
  } else {
    notes.push("OrderBook vs ReferenceBook checksum not compared: one of them was not measured");
  }

  const trialsOf = (key: string) => summaries.get(key)?.trials;
  const ratios = {
    fastOverNodejsOrderBook: roundRatio(trialsOf("fast"), trialsOf("nodejs-order-book")),
    fastOverReference: roundRatio(trialsOf("fast-prefix"), trialsOf("reference-prefix")),
  };
  const fast = summaries.get("fast");
  const targets = {
    engineEventsPerSecond: ENGINE_TARGET_EVENTS_PER_SECOND,
    engineMet: fast !== undefined ? fast.eventsPerSecond >= ENGINE_TARGET_EVENTS_PER_SECOND : null,
    fastOverNodejsOrderBook: NODEJS_ORDER_BOOK_TARGET_RATIO,
    fastOverNodejsOrderBookMet: Number.isNaN(ratios.fastOverNodejsOrderBook)
      ? null
      : ratios.fastOverNodejsOrderBook >= NODEJS_ORDER_BOOK_TARGET_RATIO,
  };

  const report = formatReport(options, sizes, measured.stats, summaries, ratios, targets, notes);
  const results = {
    seed: SEED,
    warmupSeed: WARMUP_SEED,
    sizes,
    batchSize: BATCH_SIZE,
    quick: options.quick,
    stream: measured.stats,
    implementations: Object.fromEntries(summaries),
    ratios,
    targets,
    notes,
  };
  return { report, results, failures };
}

/** Writes the streams to a temporary directory and runs every candidate's trials, interleaved. */
async function measureInterleaved(
  available: readonly Candidate[],
  measured: GeneratedStream,
  warmup: GeneratedStream,
  range: BookRange,
  options: SuiteOptions,
): Promise<Map<Candidate, TrialResult[]>> {
  const dir = mkdtempSync(path.join(tmpdir(), "cascade-bench-matching-"));
  try {
    const streamFile = path.join(dir, "measured.bin");
    const warmupFile = path.join(dir, "warmup.bin");
    writeEventStream(streamFile, measured.stream);
    writeEventStream(warmupFile, warmup.stream);
    return await runInterleaved(available, options.trials, (c, round) => {
      options.log(`matching: round ${round + 1}/${options.trials}: ${c.label}`);
      const input: TrialInput = {
        implementation: c.implementation,
        streamFile,
        events: c.events,
        warmupFile,
        warmupEvents: c.warmupEvents,
        batchSize: BATCH_SIZE,
        range,
      };
      return runInFreshProcess<TrialInput, TrialResult>("bench/matching/trial.ts", input);
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Medians over a candidate's trials, which must all have produced the same checksum. */
function summarize(
  c: Candidate,
  results: readonly TrialResult[],
  expected: Checksum,
): CandidateSummary & { failures: string[]; modelDifferences: string[] } {
  const checksum = results[0]!.checksum;
  const failures: string[] = [];
  for (const [i, r] of results.entries()) {
    const diff = checksumDifferences(r.checksum, checksum);
    if (diff.length > 0)
      failures.push(`${c.label}: trial ${i + 1} differs from trial 1 (${diff.join(", ")})`);
  }
  const modelDifferences = checksumDifferences(checksum, expected);
  return {
    label: c.label,
    implementation: c.implementation,
    events: c.events,
    eventsPerSecond: median(results.map((r) => r.eventsPerSecond)),
    nsPerEventP50: median(results.map((r) => r.nsPerEventP50)),
    nsPerEventP99: median(results.map((r) => r.nsPerEventP99)),
    maxRssBytes: median(results.map((r) => r.maxRssBytes)),
    baselineRssBytes: median(results.map((r) => r.baselineRssBytes)),
    checksum,
    matchesModel: modelDifferences.length === 0,
    trials: results,
    failures,
    modelDifferences,
  };
}

/**
 * Median over rounds of (a's events/s ÷ b's events/s) within the same round: interleaved runs
 * made side by side, so a slow spell of the machine affects both sides of a ratio alike.
 */
function roundRatio(a: readonly TrialResult[] | undefined, b: readonly TrialResult[] | undefined): number {
  if (a === undefined || b === undefined) return Number.NaN;
  return median(a.map((r, i) => r.eventsPerSecond / b[i]!.eventsPerSecond));
}

function formatReport(
  options: SuiteOptions,
  sizes: Sizes,
  stats: StreamStats,
  summaries: ReadonlyMap<string, CandidateSummary>,
  ratios: { fastOverNodejsOrderBook: number; fastOverReference: number },
  targets: { engineMet: boolean | null; fastOverNodejsOrderBookMet: boolean | null },
  notes: readonly string[],
): string {
  const rows = [...summaries.values()].map((s) => [
    s.label,
    formatCount(s.events),
    formatCount(s.eventsPerSecond),
    formatFixed(s.nsPerEventP50, 0),
    formatFixed(s.nsPerEventP99, 0),
    formatFixed(s.maxRssBytes / 2 ** 20, 0),
    formatFixed(s.baselineRssBytes / 2 ** 20, 0),
    formatCount(s.checksum.trades),
    formatCount(s.checksum.qty),
    s.matchesModel ? "= model" : "≠ model",
  ]);
  const table = formatTable(
    [
      { header: "implementation" },
      { header: "events", align: "right" },
      { header: "events/s", align: "right" },
      { header: "ns/ev p50", align: "right" },
      { header: "ns/ev p99", align: "right" },
      { header: "peak RSS MiB", align: "right" },
      { header: "base RSS MiB", align: "right" },
      { header: "trades", align: "right" },
      { header: "traded lots", align: "right" },
      { header: "checksum" },
    ],
    rows,
  );
  const pct = (n: number) => `${((100 * n) / stats.events).toFixed(1)} %`;
  const marketable = stats.marketOrders + stats.iocLimits + stats.crossingGtcLimits;
  const verdict = (met: boolean | null) => (met === null ? "not measured" : met ? "met" : "NOT met");
  const fast = summaries.get("fast");
  const lines = [
    table,
    "",
    `fast / nodejs-order-book (full stream): ${formatFixed(ratios.fastOverNodejsOrderBook, 1)}× — target ≥ ${NODEJS_ORDER_BOOK_TARGET_RATIO}×: ${verdict(targets.fastOverNodejsOrderBookMet)}`,
    `fast / reference (first ${formatCount(sizes.prefix)} events): ${formatFixed(ratios.fastOverReference, 1)}×`,
    `engine target ≥ ${formatCount(ENGINE_TARGET_EVENTS_PER_SECOND)} events/s: ${verdict(targets.engineMet)}${fast ? ` (${formatCount(fast.eventsPerSecond)})` : ""}`,
    "",
    `stream (seed ${SEED}): ${formatCount(stats.events)} events — ${pct(stats.passiveLimits)} passive limits, ` +
      `${pct(marketable)} marketable (${pct(stats.marketOrders)} market, ${pct(stats.iocLimits)} IOC, ${pct(stats.crossingGtcLimits)} crossing GTC), ` +
      `${pct(stats.cancels)} cancels (${stats.cancelsOfDeadOrders} of orders no longer live)`,
    `book: ${formatCount(stats.avgResting)} resting orders on ${formatFixed(stats.avgBidLevels, 0)} bid / ${formatFixed(stats.avgAskLevels, 0)} ask levels on average ` +
      `(after 10 % burn-in); at the end ${formatCount(stats.finalResting)} on ${stats.finalBidLevels} / ${stats.finalAskLevels}; mean spread ${formatFixed(stats.avgSpreadTicks, 2)} ticks`,
    `method: medians of ${options.trials} fresh-process trials per row, run interleaved; ratios are medians of per-round ratios.`,
    `  ns/ev = time of each ${formatCount(BATCH_SIZE)}-event batch (hrtime) ÷ ${formatCount(BATCH_SIZE)}; p50/p99 are over batches.`,
    "  peak RSS = maxRSS of the trial process; base RSS = after loading the streams, before any book (Node, tsx, stream columns).",
    "  checksum = trades, lots, notional, cancel misses, rejects, resting orders at the end; compared with the generator's own model.",
    ...notes.map((n) => `note: ${n}`),
  ];
  if (options.quick) lines.push("note: --quick run on a smaller stream; not saved to bench/latest.json");
  return lines.join("\n");
}
