import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: [
      "packages/*/src/**/*.test.ts",
      "test/**/*.test.ts",
      "experiments/**/*.test.ts",
      "docs/**/*.test.ts",
    ],
    // Differential and property suites are CPU-bound; two cores, so keep the pool small and the timeout generous.
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: "forks",
  },
});
