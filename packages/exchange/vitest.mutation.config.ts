import { defineConfig } from "vitest/config";

/**
 * The exchange package's own tests, for `pnpm mutation` (Stryker runs the ones covering a mutant
 * against it). Left out: the spot venue's tests (they cannot reach the perpetual venue's money
 * logic), and the two long random suites (the fuzz and the property test, ~11 s each), which cover
 * every line of the venue and so would run for nearly every one of ~1,500 mutants; the score is what
 * the example tests' asserted outcomes catch. `pnpm test` runs them all.
 */
export default defineConfig({
  test: {
    include: ["packages/exchange/src/**/*.test.ts"],
    exclude: [
      "**/node_modules/**",
      "packages/exchange/src/spot-venue.test.ts",
      "packages/exchange/src/perp-venue-fuzz.test.ts",
      "packages/exchange/src/perp-venue-properties.test.ts",
    ],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: "forks",
  },
});
