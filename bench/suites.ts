/**
 * Every benchmark suite `pnpm bench` knows, in the order it runs them. Add new suites here.
 *
 * @module
 */

import type { BenchSuite } from "./harness/suite.ts";
import { kernelSuite } from "./kernel/suite.ts";
import { liquidationSuite } from "./liquidation/suite.ts";
import { matchingSuite } from "./matching/suite.ts";
import { runnerSuite } from "./runner/suite.ts";

/** The registered suites. */
export const SUITES: readonly BenchSuite[] = [matchingSuite, liquidationSuite, kernelSuite, runnerSuite];
