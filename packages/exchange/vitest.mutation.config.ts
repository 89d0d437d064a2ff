import { defineConfig } from "vitest/config";

/**
 * The exchange package's own tests, for `pnpm mutation` (Stryker runs them against each mutant).
 * The spot venue's tests are left out: they cannot reach the perpetual venue's money logic, and
 * they cost a quarter of the suite's time.
 */
export default defineConfig({
  test: {
    include: ["packages/exchange/src/**/*.test.ts"],
    exclude: ["packages/exchange/src/spot-venue.test.ts", "**/node_modules/**"],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: "forks",
  },
});
