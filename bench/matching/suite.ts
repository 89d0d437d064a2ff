/**
 * The `matching` suite: events per second, per-event latency, memory and garbage collections of
 * the fast `OrderBook` beside a minimal typed-array book on several streams that stress different
 * things (see `streams.ts`), plus the naive `ReferenceBook` and the npm package
 * `nodejs-order-book` on the baseline stream. Every implementation must agree on every stream:
 * equal checksums (trades, lots, notional, refusals, resting orders), equal to the generator's model.
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
import { STREAMS, type StreamSpec } from "./streams.ts";
import type { TrialInput, TrialResult } from "./trial.ts";

const BATCH_SIZE = 1000;
/** `OrderBook` must reach this fraction of the minimal book's events/s on every stream. */
const RATIO_TO_MINIMAL_TARGET = 0.6;
/** Events per second the engine is required to sustain on the baseline stream. */
const ENGINE_TARGET_EVENTS_PER_SECOND = 5_000_000;
/** Required speed-up of the fast book over nodejs-order-book on the baseline stream. */
const NODEJS_ORDER_BOOK_TARGET_RATIO = 50;

interface Sizes {
  /** Events in each measured stream. */
  readonly events: number;
  /** Prefix of the baseline stream on which the O(n)-per-operation reference book (and the fast book beside it) is measured. */
  readonly prefix: number;
  /** Warm-up events for the fast books, and for the slow reference book. */
  readonly warmup: number;
  readonly referenceWarmup: number;
}

const FULL: Sizes = { events: 1_000_000, prefix: 100_000, warmup: 100_000, referenceWarmup: 10_000 };
const QUICK: Sizes = { events: 100_000, prefix: 20_000, warmup: 20_000, referenceWarmup: 2_000 };

/** A stream as generated for this run, with its files. */
interface PreparedStream {
  readonly spec: StreamSpec;
  readonly measured: GeneratedStream;
  readonly range: BookRange;
  readonly streamFile: string;
  readonly warmupFile: string;
}

/** One row of the report: an implementation on a stream (or a prefix of it). */
interface Candidate {
  readonly key: string;
  readonly label: string;
  readonly implementation: ImplementationName;
  readonly stream: PreparedStream;
  readonly events: number;
  readonly warmupEvents: number;
}

/** Medians over one candidate's trials. */
interface CandidateSummary {
  readonly label: string;
  readonly implementation: ImplementationName;
  readonly stream: string;
  readonly events: number;
  readonly eventsPerSecond: number;
  readonly nsPerEventP50: number;
  readonly nsPerEventP99: number;
  readonly maxRssBytes: number;
  readonly baselineRssBytes: number;
  readonly checksum: Checksum;
  /** Whether the checksum equals the one the generator's model predicts. */
  readonly matchesModel: boolean;
  /** Allocation check, worst trial: collections during an untimed replay of the whole stream. */
  readonly minorGcsMax: number;
  readonly majorGcsMax: number;
  /** Median heap growth over that replay, in bytes. */
  readonly heapGrowthBytes: number;
  readonly trials: readonly TrialResult[];
}

/** One stream's results. */
interface StreamResult {
  readonly description: string;
  readonly seed: number;
  readonly warmupSeed: number;
  readonly range: BookRange;
  readonly stats: StreamStats;
  readonly expected: Checksum;
  /** Median over rounds of OrderBook's events/s ÷ the minimal book's, measured side by side. */
  readonly ratioToMinimal: number;
  readonly ratioTargetMet: boolean | null;
  /** Whether every implementation measured on it produced the model's checksum. */
  readonly checksumsEqual: boolean;
  readonly implementations: Record<string, CandidateSummary>;
}

/** The `matching` suite. */
export const matchingSuite: BenchSuite = {
  name: "matching",
  description:
    "order book events/s, latency, memory and GCs: OrderBook vs a minimal book on 9 streams, vs ReferenceBook and nodejs-order-book",
  run: runMatchingSuite,
};

async function runMatchingSuite(options: SuiteOptions): Promise<SuiteOutcome> {
  const sizes = options.quick ? QUICK : FULL;
  const specs = STREAMS.filter((s) => options.filter === undefined || s.name.includes(options.filter));
  if (specs.length === 0) {
    return { report: "", results: {}, failures: [`no stream matches --filter ${options.filter}`] };
  }
  const dir = mkdtempSync(path.join(tmpdir(), "cascade-bench-matching-"));
  try {
    const prepared = specs.map((spec) => prepareStream(spec, sizes, dir, options));
    return await measure(prepared, sizes, options);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Generates a stream and its warm-up stream and writes both to `dir`. */
function prepareStream(spec: StreamSpec, sizes: Sizes, dir: string, options: SuiteOptions): PreparedStream {
  options.log(`matching: generating ${spec.name} (${formatCount(sizes.events)} events, seed ${spec.seed})`);
  const scale = (n: number | undefined) => Math.round(((n ?? 0) * sizes.events) / FULL.events);
  const config = { ...spec.config, events: sizes.events, initialResting: scale(spec.config.initialResting) };
  const measured = generateStream(spec.seed, config, [sizes.prefix]);
  // A warm-up that is only the opening orders of a deep book would never match or cancel.
  const warmup = generateStream(spec.warmupSeed, {
    ...config,
    events: sizes.warmup,
    initialResting: Math.min(config.initialResting, sizes.warmup / 2),
  });
  const streamFile = path.join(dir, `${spec.name}.bin`);
  const warmupFile = path.join(dir, `${spec.name}-warmup.bin`);
  writeEventStream(streamFile, measured.stream);
  writeEventStream(warmupFile, warmup.stream);
  const range: BookRange = {
    minPriceTicks: spec.config.minPriceTicks ?? DEFAULT_STREAM_CONFIG.minPriceTicks,
    maxPriceTicks: spec.config.maxPriceTicks ?? DEFAULT_STREAM_CONFIG.maxPriceTicks,
  };
  return { spec, measured, range, streamFile, warmupFile };
}

function candidates(streams: readonly PreparedStream[], sizes: Sizes): Candidate[] {
  const out: Candidate[] = [];
  const add = (stream: PreparedStream, implementation: ImplementationName, key: string, events?: number) =>
    out.push({
      key,
      label: IMPLEMENTATIONS[implementation].label,
      implementation,
      stream,
      events: events ?? sizes.events,
      warmupEvents: implementation === "reference" ? sizes.referenceWarmup : sizes.warmup,
    });
  for (const s of streams) {
    add(s, "fast", "fast");
    add(s, "minimal", "minimal");
    if (s.spec.name === STREAMS[0]!.name) {
      add(s, "nodejs-order-book", "nodejs-order-book");
      add(s, "fast", "fast-prefix", sizes.prefix);
      add(s, "reference", "reference-prefix", sizes.prefix);
    }
  }
  return out;
}

async function measure(
  streams: readonly PreparedStream[],
  sizes: Sizes,
  options: SuiteOptions,
): Promise<SuiteOutcome> {
  const failures: string[] = [];
  const notes: string[] = [];
  const available: Candidate[] = [];
  for (const c of candidates(streams, sizes)) {
    const loaded = await tryLoadImplementation(c.implementation);
    if (loaded instanceof Error)
      notes.push(`${c.label}: not measured, it cannot be loaded (${loaded.message})`);
    else available.push(c);
  }

  const trials = await runInterleaved(available, options.trials, (c, round) => {
    options.log(`matching: round ${round + 1}/${options.trials}: ${c.stream.spec.name}: ${c.label}`);
    const input: TrialInput = {
      implementation: c.implementation,
      streamFile: c.stream.streamFile,
      events: c.events,
      warmupFile: c.stream.warmupFile,
      warmupEvents: c.warmupEvents,
      batchSize: BATCH_SIZE,
      range: c.stream.range,
    };
    return runInFreshProcess<TrialInput, TrialResult>("bench/matching/trial.ts", input);
  });

  const byStream = new Map<string, Map<string, CandidateSummary>>();
  for (const [c, results] of trials) {
    const name = c.stream.spec.name;
    const summary = summarize(c, results);
    failures.push(...summary.failures);
    const expected = c.stream.measured.expected.get(c.events)!;
    const diff = checksumDifferences(summary.checksum, expected);
    if (diff.length > 0) {
      failures.push(`CHECKSUM MISMATCH: ${c.label} on ${name} differs from the model (${diff.join(", ")})`);
    }
    const map = byStream.get(name) ?? new Map<string, CandidateSummary>();
    map.set(c.key, { ...summary, matchesModel: diff.length === 0 });
    byStream.set(name, map);
  }

  const streamResults: Record<string, StreamResult> = {};
  for (const s of streams) {
    const summaries = byStream.get(s.spec.name) ?? new Map<string, CandidateSummary>();
    const ratio = roundRatio(summaries.get("fast")?.trials, summaries.get("minimal")?.trials);
    streamResults[s.spec.name] = {
      description: s.spec.description,
      seed: s.spec.seed,
      warmupSeed: s.spec.warmupSeed,
      range: s.range,
      stats: s.measured.stats,
      expected: s.measured.expected.get(sizes.events)!,
      ratioToMinimal: ratio,
      ratioTargetMet: Number.isNaN(ratio) ? null : ratio >= RATIO_TO_MINIMAL_TARGET,
      checksumsEqual: [...summaries.values()].every((x) => x.matchesModel),
      implementations: Object.fromEntries(summaries),
    };
  }
  const measuredRatios = Object.entries(streamResults).filter(([, r]) => !Number.isNaN(r.ratioToMinimal));
  const worst = measuredRatios.reduce<[string, StreamResult] | undefined>(
    (w, e) => (w === undefined || e[1].ratioToMinimal < w[1].ratioToMinimal ? e : w),
    undefined,
  );

  const baseline = byStream.get(STREAMS[0]!.name);
  const others = {
    fastOverNodejsOrderBook: roundRatio(
      baseline?.get("fast")?.trials,
      baseline?.get("nodejs-order-book")?.trials,
    ),
    fastOverReference: roundRatio(
      baseline?.get("fast-prefix")?.trials,
      baseline?.get("reference-prefix")?.trials,
    ),
  };
  const fastBaseline = baseline?.get("fast");
  const targets = {
    ratioToMinimal: RATIO_TO_MINIMAL_TARGET,
    ratioToMinimalMetOnEveryStream:
      measuredRatios.length === 0 ? null : measuredRatios.every(([, r]) => r.ratioTargetMet === true),
    engineEventsPerSecond: ENGINE_TARGET_EVENTS_PER_SECOND,
    engineMet:
      fastBaseline !== undefined ? fastBaseline.eventsPerSecond >= ENGINE_TARGET_EVENTS_PER_SECOND : null,
    fastOverNodejsOrderBook: NODEJS_ORDER_BOOK_TARGET_RATIO,
    fastOverNodejsOrderBookMet: Number.isNaN(others.fastOverNodejsOrderBook)
      ? null
      : others.fastOverNodejsOrderBook >= NODEJS_ORDER_BOOK_TARGET_RATIO,
    zeroGcsAfterWarmUp: [...byStream.values()].every((m) => {
      const f = m.get("fast");
      return f === undefined || f.minorGcsMax + f.majorGcsMax === 0;
    }),
  };
  const worstStream =
    worst === undefined ? null : { name: worst[0], ratioToMinimal: worst[1].ratioToMinimal };

  const report = formatReport(
    options,
    sizes,
    streams,
    streamResults,
    worstStream,
    others,
    targets,
    baseline,
    notes,
  );
  const results = {
    sizes,
    batchSize: BATCH_SIZE,
    quick: options.quick,
    streams: streamResults,
    worstStream,
    ratios: others,
    targets,
    notes,
  };
  return { report, results, failures };
}

/** Medians over a candidate's trials, which must all have produced the same checksum. */
function summarize(c: Candidate, results: readonly TrialResult[]): CandidateSummary & { failures: string[] } {
  const checksum = results[0]!.checksum;
  const failures: string[] = [];
  for (const [i, r] of results.entries()) {
    const diff = checksumDifferences(r.checksum, checksum);
    if (diff.length > 0)
      failures.push(
        `${c.label} on ${c.stream.spec.name}: trial ${i + 1} differs from trial 1 (${diff.join(", ")})`,
      );
  }
  return {
    label:
      c.events === c.stream.measured.stream.length ? c.label : `${c.label}, first ${formatCount(c.events)}`,
    implementation: c.implementation,
    stream: c.stream.spec.name,
    events: c.events,
    eventsPerSecond: median(results.map((r) => r.eventsPerSecond)),
    nsPerEventP50: median(results.map((r) => r.nsPerEventP50)),
    nsPerEventP99: median(results.map((r) => r.nsPerEventP99)),
    maxRssBytes: median(results.map((r) => r.maxRssBytes)),
    baselineRssBytes: median(results.map((r) => r.baselineRssBytes)),
    checksum,
    matchesModel: true,
    minorGcsMax: Math.max(...results.map((r) => r.allocation.minorGcs)),
    majorGcsMax: Math.max(...results.map((r) => r.allocation.majorGcs)),
    heapGrowthBytes: median(results.map((r) => r.allocation.heapGrowthBytes)),
    trials: results,
    failures,
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
  streams: readonly PreparedStream[],
  results: Readonly<Record<string, StreamResult>>,
  worst: { name: string; ratioToMinimal: number } | null,
  others: { fastOverNodejsOrderBook: number; fastOverReference: number },
  targets: {
    ratioToMinimalMetOnEveryStream: boolean | null;
    engineMet: boolean | null;
    fastOverNodejsOrderBookMet: boolean | null;
    zeroGcsAfterWarmUp: boolean;
  },
  baseline: ReadonlyMap<string, CandidateSummary> | undefined,
  notes: readonly string[],
): string {
  const verdict = (met: boolean | null) => (met === null ? "not measured" : met ? "met" : "NOT met");
  const mib = (bytes: number | undefined) => (bytes === undefined ? "—" : formatFixed(bytes / 2 ** 20, 0));
  const kib = (bytes: number | undefined) => (bytes === undefined ? "—" : formatFixed(bytes / 1024, 0));
  const gcs = (s: CandidateSummary | undefined) =>
    s === undefined ? "—" : `${s.minorGcsMax}/${s.majorGcsMax}`;
  const streamRows = streams.map(({ spec }) => {
    const r = results[spec.name]!;
    const fast = r.implementations.fast;
    const minimal = r.implementations.minimal;
    return [
      spec.name,
      formatCount(fast?.eventsPerSecond ?? Number.NaN),
      formatCount(minimal?.eventsPerSecond ?? Number.NaN),
      formatFixed(r.ratioToMinimal, 2),
      formatFixed(fast?.nsPerEventP50 ?? Number.NaN, 0),
      formatFixed(fast?.nsPerEventP99 ?? Number.NaN, 0),
      gcs(fast),
      kib(fast?.heapGrowthBytes),
      gcs(minimal),
      mib(fast?.maxRssBytes),
      formatCount(r.expected.trades),
      r.checksumsEqual ? "all = model" : "MISMATCH",
    ];
  });
  const streamTable = formatTable(
    [
      { header: "stream" },
      { header: "OrderBook ev/s", align: "right" },
      { header: "minimal ev/s", align: "right" },
      { header: "ratio", align: "right" },
      { header: "ns/ev p50", align: "right" },
      { header: "ns/ev p99", align: "right" },
      { header: "GCs min/maj", align: "right" },
      { header: "heap +KiB", align: "right" },
      { header: "minimal GCs", align: "right" },
      { header: "peak RSS MiB", align: "right" },
      { header: "trades", align: "right" },
      { header: "checksums" },
    ],
    streamRows,
  );
  const lines = [
    streamTable,
    "",
    `OrderBook / minimal book ≥ ${RATIO_TO_MINIMAL_TARGET} on every stream: ${verdict(targets.ratioToMinimalMetOnEveryStream)}` +
      (worst === null ? "" : ` — worst stream ${worst.name} at ${formatFixed(worst.ratioToMinimal, 2)}×`),
    `no garbage collection in OrderBook's 10^6-event replay after warm-up: ${targets.zeroGcsAfterWarmUp ? "met" : "NOT met"}`,
  ];
  if (baseline !== undefined) {
    const rows = [...baseline.values()].map((s) => [
      s.label,
      formatCount(s.events),
      formatCount(s.eventsPerSecond),
      formatFixed(s.nsPerEventP50, 0),
      formatFixed(s.nsPerEventP99, 0),
      mib(s.maxRssBytes),
      mib(s.baselineRssBytes),
      formatCount(s.checksum.trades),
      s.matchesModel ? "= model" : "≠ model",
    ]);
    const fast = baseline.get("fast");
    lines.push(
      "",
      `baseline stream, every implementation:`,
      formatTable(
        [
          { header: "implementation" },
          { header: "events", align: "right" },
          { header: "events/s", align: "right" },
          { header: "ns/ev p50", align: "right" },
          { header: "ns/ev p99", align: "right" },
          { header: "peak RSS MiB", align: "right" },
          { header: "base RSS MiB", align: "right" },
          { header: "trades", align: "right" },
          { header: "checksum" },
        ],
        rows,
      ),
      `fast / nodejs-order-book: ${formatFixed(others.fastOverNodejsOrderBook, 1)}× — target ≥ ${NODEJS_ORDER_BOOK_TARGET_RATIO}×: ${verdict(targets.fastOverNodejsOrderBookMet)}`,
      `fast / reference (first ${formatCount(sizes.prefix)} events): ${formatFixed(others.fastOverReference, 1)}×`,
      `engine ≥ ${formatCount(ENGINE_TARGET_EVENTS_PER_SECOND)} events/s: ${verdict(targets.engineMet)}${fast ? ` (${formatCount(fast.eventsPerSecond)})` : ""}`,
    );
  }
  lines.push("", "streams:");
  for (const { spec, measured } of streams)
    lines.push(`  ${spec.name}: ${spec.description}`, `    ${describe(measured.stats)}`);
  lines.push(
    `method: medians of ${options.trials} fresh-process trials per row, all rows run interleaved; ratios are medians of per-round ratios.`,
    `  ns/ev = time of each ${formatCount(BATCH_SIZE)}-event batch ÷ ${formatCount(BATCH_SIZE)}; p50/p99 are over batches.`,
    "  GCs min/maj = most scavenges / mark-compacts in any trial during a further untimed replay of the whole stream",
    "  through a new book after warm-up; heap +KiB = V8 heap used after it minus before it (median).",
    "  checksum = trades, lots, notional, cancel misses, refusals, resting orders at the end; compared with the generator's model.",
    ...notes.map((n) => `note: ${n}`),
  );
  if (options.quick) lines.push("note: --quick run on smaller streams; not saved to bench/latest.json");
  return lines.join("\n");
}

function describe(s: StreamStats): string {
  const pct = (n: number) => `${((100 * n) / s.events).toFixed(1)} %`;
  const marketable = s.marketOrders + s.iocLimits + s.crossingGtcLimits;
  return (
    `${pct(s.passiveLimits)} passive (${pct(s.postOnlyLimits)} post-only, ${formatCount(s.postOnlyRejected)} refused), ` +
    `${pct(marketable)} marketable (${pct(s.marketOrders)} market, ${pct(s.iocLimits)} IOC, ${pct(s.crossingGtcLimits)} crossing GTC), ` +
    `${pct(s.cancels)} cancels; ${formatCount(s.avgResting)} resting on ${formatFixed(s.avgBidLevels, 0)}/${formatFixed(s.avgAskLevels, 0)} levels ` +
    `(max ${formatCount(s.maxResting)}), spread ${formatFixed(s.avgSpreadTicks, 1)} ticks, ids ≤ ${formatCount(s.maxOrderId)}`
  );
}
