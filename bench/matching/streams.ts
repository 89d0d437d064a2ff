/**
 * The streams the matching suite measures: named mixes of the {@link generateStream} model, each
 * different from the others in what it stresses (book depth, cancel share, sweeps, tick range, id
 * space), so a book tuned to one stream cannot hide its cost on another.
 *
 * @module
 */

import type { StreamConfig } from "./stream.ts";

/** One measured stream. */
export interface StreamSpec {
  /** Short name used in the report, in `bench/latest.json` and by `--filter`. */
  readonly name: string;
  /** What it stresses, one line. */
  readonly description: string;
  readonly seed: number;
  /** Seed of the warm-up stream (same mix, other events), so no trial is warmed up on what it is timed on. */
  readonly warmupSeed: number;
  /** Overrides of {@link DEFAULT_STREAM_CONFIG}; `events` comes from the suite's size. */
  readonly config: Partial<Omit<StreamConfig, "events">>;
}

/** The issue-16 mix: 70 % limits of which 10 % post-only, 20 % cancels, market and IOC orders, ≈2,500 resting. */
const ISSUE_MIX: StreamSpec["config"] = { targetResting: 2300, postOnlyShare: 0.1 };

/** Every stream of the suite, in report order. The first is the one the other implementations also run. */
export const STREAMS: readonly StreamSpec[] = [
  {
    name: "baseline",
    description:
      "the original stream: ≈4,400 resting on ≈100 levels a side, 70 % passive / 20 % cancel / 10 % marketable",
    seed: 42,
    warmupSeed: 4242,
    config: {},
  },
  {
    name: "baseline-seed-7",
    description: "the same mix, another seed",
    seed: 7,
    warmupSeed: 707,
    config: {},
  },
  {
    name: "issue-16",
    description:
      "the mix of issue 16: ≈2,500 resting, 10 % of passive limits post-only (some refused), ids to ≈8·10^5",
    seed: 16,
    warmupSeed: 1616,
    config: ISSUE_MIX,
  },
  {
    name: "issue-16-seed-2",
    description: "the issue-16 mix, another seed",
    seed: 2,
    warmupSeed: 202,
    config: ISSUE_MIX,
  },
  {
    name: "cancel-heavy",
    description: "half the events cancels, few takers: the id map's insert/delete dominates",
    seed: 11,
    warmupSeed: 1111,
    config: { passiveWeight: 0.52, marketableWeight: 0.02, cancelWeight: 0.46, targetResting: 3000 },
  },
  {
    name: "sweep-heavy",
    description: "a quarter of events marketable with heavy-tailed sizes that sweep many levels",
    seed: 12,
    warmupSeed: 1212,
    config: {
      passiveWeight: 0.75,
      marketableWeight: 0.04,
      cancelWeight: 0.15,
      targetResting: 3000,
      passiveQtyMean: 3,
      passiveDistanceMean: 6,
      marketableQtyMedian: 50,
      marketableQtySigma: 1,
      marketableQtyMax: 5_000,
      crossDepthMean: 10,
    },
  },
  {
    name: "deep-book",
    description: "10^5 resting orders from the first event on, spread over ≈1,000 levels a side",
    seed: 13,
    warmupSeed: 1313,
    config: { initialResting: 100_000, targetResting: 100_000, passiveDistanceMean: 200, passiveQtyMean: 4 },
  },
  {
    name: "wide-ticks",
    description:
      "a 4·10^6-tick book with orders spread over ≈10^4 ticks: sparse levels, long gaps to the next one",
    seed: 14,
    warmupSeed: 1414,
    config: {
      minPriceTicks: 0,
      maxPriceTicks: 4_000_000,
      startPriceTicks: 2_000_000,
      referenceStepTicks: 50,
      passiveDistanceMean: 2_000,
      crossDepthMean: 300,
    },
  },
  {
    name: "sparse-ids",
    description:
      "the issue-16 mix with ids scattered over [0, 2^53), as ids chosen outside the simulator are",
    seed: 15,
    warmupSeed: 1515,
    config: { ...ISSUE_MIX, sparseIds: true },
  },
];
