/**
 * `pnpm bench [suite…] [--trials N] [--quick] [--filter TEXT]`: runs the named suites (all when none is named),
 * prints each one's report and merges the results into `bench/latest.json`.
 *
 * Exits non-zero, saving nothing for the failing suite, when a suite's checks fail.
 *
 * @module
 */

import path from "node:path";
import { parseArgs } from "node:util";
import { REPO_ROOT } from "./harness/fresh-process.ts";
import { formatMachine, machineInfo } from "./harness/machine.ts";
import { mergeResults, type SuiteEntry } from "./harness/results-file.ts";
import type { SuiteOptions } from "./harness/suite.ts";
import { SUITES } from "./suites.ts";

const RESULTS_FILE = path.join(REPO_ROOT, "bench", "latest.json");
const DEFAULT_TRIALS = 5;
const QUICK_TRIALS = 2;

const USAGE = `usage: pnpm bench [suite…] [--trials N] [--quick] [--filter TEXT]

Runs the named benchmark suites (all when none is named) and writes bench/latest.json.
  --trials N   fresh-process trials per measurement (default ${DEFAULT_TRIALS}; medians are reported)
  --quick      small inputs and ${QUICK_TRIALS} trials, to check the harness; results are not saved
  --filter T   only the parts of a suite whose name contains T (matching: streams); results are not saved

suites:
${SUITES.map((s) => `  ${s.name.padEnd(12)} ${s.description}`).join("\n")}`;

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      trials: { type: "string" },
      quick: { type: "boolean", default: false },
      filter: { type: "string" },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const unknown = positionals.filter((name) => !SUITES.some((s) => s.name === name));
  if (unknown.length > 0) {
    console.error(`unknown suite ${unknown.join(", ")}\n\n${USAGE}`);
    return 2;
  }
  const trials =
    values.trials !== undefined ? Number(values.trials) : values.quick ? QUICK_TRIALS : DEFAULT_TRIALS;
  if (!Number.isInteger(trials) || trials < 1) {
    console.error(`--trials must be a positive integer, got ${values.trials}`);
    return 2;
  }
  const selected = positionals.length > 0 ? SUITES.filter((s) => positionals.includes(s.name)) : SUITES;
  const options: SuiteOptions = {
    trials,
    quick: values.quick,
    ...(values.filter !== undefined ? { filter: values.filter } : {}),
    log: (line) => process.stderr.write(`${line}\n`),
  };

  console.log(`machine: ${formatMachine(machineInfo())}`);
  let failed = false;
  for (const suite of selected) {
    const outcome = await suite.run(options);
    console.log(`\n== ${suite.name} ==\n${outcome.report}`);
    if (outcome.failures.length > 0) {
      failed = true;
      console.error(`\n${suite.name}: FAILED\n${outcome.failures.map((f) => `  ${f}`).join("\n")}`);
      continue;
    }
    if (!options.quick && options.filter === undefined) {
      const machine = machineInfo();
      const entry: SuiteEntry = { date: machine.date, machine, trials, results: outcome.results };
      mergeResults(RESULTS_FILE, { [suite.name]: entry });
      console.log(`\nsaved to ${path.relative(process.cwd(), RESULTS_FILE)}`);
    }
  }
  return failed ? 1 : 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    console.error(e);
    process.exitCode = 1;
  },
);
