/**
 * `pnpm fuzz`: the long run of the perpetual venue's property fuzz (`perp-venue.fuzz.ts`).
 *
 * ```sh
 * pnpm fuzz                              # 1,000,000 steps from seed 1
 * pnpm fuzz --steps 5000000 --seed 42    # more steps, another seed
 * ```
 *
 * Runs batches of cases (fast-check, with shrinking) until at least `--steps` steps have run;
 * batch `k` uses seed `seed + k`, so a failure is reproduced by its printed seed and path. Prints
 * the steps, cases, wall time and what the cases reached; exits 1 with the shrunk counterexample
 * at the first broken property, 2 on a bad argument.
 *
 * Not part of the package's API.
 *
 * @module
 */

import fc from "fast-check";
import { FUZZ_INSTRUMENTS, fuzzProperty, newCounters } from "./perp-venue.fuzz.ts";

const BATCH = 1_000;

function arg(name: string, fallback: number): number {
  const argv = process.argv.slice(2);
  const i = argv.findIndex((a) => a === `--${name}` || a.startsWith(`--${name}=`));
  if (i < 0) return fallback;
  const raw = argv[i]!.includes("=") ? argv[i]!.slice(name.length + 3) : argv[i + 1];
  const value = Number(raw);
  if (raw === undefined || !Number.isSafeInteger(value) || value < 0) {
    process.stderr.write(`pnpm fuzz: --${name} must be a non-negative integer, got ${JSON.stringify(raw)}\n`);
    process.exit(2);
  }
  return value;
}

function main(): void {
  const target = arg("steps", 1_000_000);
  const seed = arg("seed", 1);
  const counters = newCounters();
  const t0 = process.hrtime.bigint();
  let batch = 0;
  while (counters.steps < target) {
    const s = seed + batch;
    const result = fc.check(fuzzProperty(counters), { numRuns: BATCH, seed: s });
    if (result.failed) {
      process.stderr.write(`${fc.defaultReportMessage(result)}\n`);
      process.stderr.write(`pnpm fuzz: FAILED in batch ${batch} (seed ${s}) after ${counters.steps} steps\n`);
      process.exit(1);
    }
    batch++;
    const secs = Number(process.hrtime.bigint() - t0) / 1e9;
    process.stdout.write(
      `  ${counters.steps.toLocaleString("en-US")} steps, ${counters.cases.toLocaleString("en-US")} cases, ${secs.toFixed(1)} s\n`,
    );
  }
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  const perInstrument = FUZZ_INSTRUMENTS.map((x, i) => `${x.spec.symbol} ${counters.perInstrument[i]}`).join(
    ", ",
  );
  process.stdout.write(
    [
      `pnpm fuzz: passed — ${counters.steps.toLocaleString("en-US")} steps in ${counters.cases.toLocaleString("en-US")} cases, ${secs.toFixed(1)} s (${Math.round(counters.steps / secs).toLocaleString("en-US")} steps/s), seeds ${seed}–${seed + batch - 1}`,
      `  cases per instrument: ${perInstrument}`,
      `  refused commands ${counters.rejected} (MoneyLimitExceeded ${counters.moneyLimitRejects})`,
      `  liquidations ${counters.liquidations}, takeovers ${counters.takeovers}, partial steps ${counters.partials}, fund workouts ${counters.workouts}`,
      `  ADL closes ${counters.adl}, lots left with the fund by ADL ${counters.adlResidualLots}, fund covers ${counters.fundCovers}, cases halted ${counters.halts}`,
      `  cases under the venue fund rules ${counters.venueRuleCases}, of which with a socialised loss ${counters.socializedCases}`,
      "",
    ].join("\n"),
  );
}

main();
