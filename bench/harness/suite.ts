/**
 * What a benchmark suite is, so `bench/run.ts` can run any of them the same way. Add a suite by
 * implementing {@link BenchSuite} and listing it in `bench/suites.ts`.
 *
 * @module
 */

/** Options every suite receives from the command line. */
export interface SuiteOptions {
  /** Fresh-process trials per implementation (the report gives medians over them). */
  readonly trials: number;
  /** A fast smoke run on smaller inputs (for checking the harness); its results are not saved. */
  readonly quick: boolean;
  /**
   * Restricts a suite to the parts whose name contains this text (the matching suite: its streams).
   * A filtered run is partial, so its results are not saved.
   */
  readonly filter?: string;
  /** Writes a progress line (to stderr, so stdout holds only the report). */
  readonly log: (line: string) => void;
}

/** What a suite hands back. */
export interface SuiteOutcome {
  /** Human-readable report (tables and notes), printed as is. */
  readonly report: string;
  /** JSON-serialisable results, stored under the suite's name in `bench/latest.json`. */
  readonly results: unknown;
  /**
   * Checks that failed (e.g. two implementations disagreeing on a checksum). Any failure makes the
   * run exit non-zero and keeps its numbers out of `bench/latest.json`.
   */
  readonly failures: readonly string[];
}

/** A named group of benchmarks. */
export interface BenchSuite {
  /** Short name used on the command line and as the key in `bench/latest.json`, e.g. `"matching"`. */
  readonly name: string;
  /** One line saying what it measures. */
  readonly description: string;
  run(options: SuiteOptions): Promise<SuiteOutcome>;
}
