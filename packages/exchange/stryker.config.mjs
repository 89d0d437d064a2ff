// @ts-check
/**
 * `pnpm mutation`: StrykerJS over the exchange package's money logic, killed by that package's own
 * tests (vitest). Not part of `pnpm test` or CI: the whole scope is ~1,700 mutants, hours on a
 * loaded two-core machine. Incremental: each scope keeps its results in
 * reports/mutation/<scope>.incremental.json, and a later run of the same scope tests again only
 * the mutants whose code or covering tests changed. One file (or a list) at a time:
 *   pnpm mutation --mutate packages/exchange/src/funding.ts
 *   pnpm mutation --mutate packages/exchange/src/perp-venue.ts:894-983
 */

/** The `--mutate` argument, if any: it names the scope's incremental file. */
const argv = process.argv;
const at = argv.findIndex((a) => a === "--mutate" || a === "-m");
const scope =
  at >= 0 && argv[at + 1]
    ? argv[at + 1]
        .replaceAll("packages/exchange/src/", "")
        .replace(/[^A-Za-z0-9]+/g, "-")
        .slice(0, 80)
    : "all";

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  packageManager: "pnpm",
  testRunner: "vitest",
  plugins: ["@stryker-mutator/vitest-runner"],
  vitest: { configFile: "packages/exchange/vitest.mutation.config.ts", related: false },
  coverageAnalysis: "perTest",
  // Error and log messages are not money logic (their fields are asserted where it matters).
  mutator: { excludedMutations: ["StringLiteral"] },
  // The money logic: margin, maintenance, liquidation, ADL, the insurance fund and funding.
  // perp-venue.ts only where it holds margin checks, fills, triggers, the engine's port and funding.
  mutate: [
    "packages/exchange/src/liquidation-engine.ts",
    "packages/exchange/src/policies/*.ts",
    "!packages/exchange/src/policies/index.ts",
    "packages/exchange/src/position-math.ts",
    "packages/exchange/src/margin-tiers.ts",
    "packages/exchange/src/funding.ts",
    "packages/exchange/src/fund-account.ts",
    "packages/exchange/src/perp-venue.ts:299-372",
    "packages/exchange/src/perp-venue.ts:465-475",
    "packages/exchange/src/perp-venue.ts:688-720",
    "packages/exchange/src/perp-venue.ts:894-983",
    "packages/exchange/src/perp-venue.ts:1094-1160",
    "packages/exchange/src/perp-venue.ts:1239-1297",
    "packages/exchange/src/perp-venue.ts:1348-1468",
  ],
  ignorePatterns: [
    "bench",
    "docs",
    "experiments",
    "test",
    "validation",
    "packages/sim",
    "packages/agents",
    "packages/runner",
    "packages/analysis",
    "reports",
  ],
  // Two cores shared with other work: one test process per core at most.
  concurrency: 2,
  timeoutMS: 60_000,
  incremental: true,
  incrementalFile: `reports/mutation/${scope}.incremental.json`,
  reporters: ["clear-text", "progress", "html", "json"],
  htmlReporter: { fileName: `reports/mutation/${scope}.html` },
  jsonReporter: { fileName: `reports/mutation/${scope}.json` },
  thresholds: { high: 90, low: 80, break: null },
  cleanTempDir: "always",
};
