/**
 * The `cascade` command line: `run`, `check`, `list`, `describe`, `merge`, `repair`, `report`, `calibrate`. Run it as `pnpm cascade …`
 * (the root script runs this file under tsx) or through the package's `cascade` bin.
 *
 * Bad input (unknown experiment, unknown `--set` key, a value of the wrong type, a bad shard
 * spec, an unknown option) prints one line on stderr and exits with code 2; a sweep stopped by
 * `--max-failures`, or in which every run failed, exits with 1.
 *
 * @module
 */

import { existsSync, readdirSync, realpathSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { CascadeError, ConfigError, type Seed } from "@cascade/core";
import {
  type AnyExperiment,
  axisValues,
  defaultDimensions,
  type GridAxis,
  isArrayAxis,
  type SweepCondition,
} from "../experiment.ts";
import { importExperiment } from "../load.ts";
import { describeRange, parseOverrides } from "../params.ts";
import { parseShard, type Shard, shardFromEnv } from "../shard.ts";
import { nearest } from "../suggest.ts";
import { sweepSize } from "../sweep.ts";

/** The repository root (four levels above this file: packages/runner/src/cli). */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../..");

const MAIN_HELP = `usage: cascade <command> [options]

Agent-based simulation of perpetual-swap liquidation cascades: run experiments, sweep parameters.

commands:
  run <experiment>        run an experiment's sweep (Monte Carlo replications on a worker pool)
  check <experiment>      type-check an experiment and build each sweep point's world, without running
  list                    list the experiments in experiments/
  describe <experiment>   parameters, defaults, ranges, units and sweep size of an experiment
  merge <dir…> --out DIR  assemble the output of several shards into one
  repair <dir>            keep every intact part record of a damaged output, cut the rest
  report <dir>            write <dir>/report.html: charts, cascade metrics, stylized facts
  calibrate <experiment> --targets FILE
                          fit parameters to target moments (simulated method of moments)

<experiment> is a name in experiments/ (experiments/<name>.ts) or a path to a .ts file.
Experiments are code: naming one (and "cascade list") imports and runs its file.
Run "cascade <command> --help" for a command's options.`;

const RUN_HELP = `usage: cascade run <experiment> [options]

Runs every parameter point × replication of an experiment on a pool of worker threads. Each
finished run is appended at once to a part log in <out>/parts/; at the end runs.arrow, timeseries.arrow,
liquidations.arrow (Arrow IPC files keyed by run_id), trades.arrow when trades are recorded, and
manifest.json are assembled in <out>.
The files are identical whatever the number of workers or shards.

options:
  --runs N            replications per parameter point (overrides the experiment's)
  --seed S            master seed (an integer or a string; overrides the experiment's)
  --set key=value     override a parameter's default (repeatable); a swept parameter is pinned
  --workers W         worker threads (default: one per core)
  --out DIR           output directory (default out/<experiment>/<date-time>,
                      or out/<experiment>/shards for a shard)
  --resume            continue an interrupted run in --out: runs whose parts exist are skipped
  --repair            with --resume: first keep every intact part record of a damaged log and
                      cut the rest (see cascade repair), so only the lost runs run again
  --max-failures N    stop after N failed runs (what finished is still assembled; exit code 1)
  --run-timeout SEC   record a run as failed when it takes longer than SEC seconds
                      (default 3600: one hour; raise it for very long runs)
  --shard i/N         run only the runs with run_id % N == i (writes parts, no assembly)
  --shards N          shard count when the index comes from JOB_COMPLETION_INDEX
  --experiments DIR   where experiments are looked up by name (default <repo>/experiments)
  --no-check          skip the checks made before the first run: type-check the experiment's
                      files, build each point's world once (see cascade check)
  --trades            record every execution (who traded with whom) into trades.arrow;
                      default: the experiment's record.trades, else off (a large sweep
                      executes millions of trades)
  --no-trades         do not record trades, even when the experiment does
  --no-report         do not write report.html after the run
  --quiet             no progress display
  -h, --help          this help

A sweep in which every run failed exits with 1; when some runs fail, the first errors are printed
with their stack and simulated time, and every error is in runs.arrow (column error).
One process at a time works in an output directory (per shard): a lock file .<manifest>.lock
refuses a second one; a lock left by a killed process is taken over.

clusters:
  The shard is detected from the environment when --shard is not given:
  Slurm job arrays set SLURM_ARRAY_TASK_ID and SLURM_ARRAY_TASK_COUNT, e.g.
      #SBATCH --array=0-9
      pnpm cascade run my-exp --out /shared/my-exp   # shard $SLURM_ARRAY_TASK_ID/10
  Kubernetes Indexed Jobs (completionMode: Indexed, completions: 10) set JOB_COMPLETION_INDEX;
  pass the count with --shards 10 (or CASCADE_SHARDS=10):
      pnpm cascade run my-exp --shards 10 --out /shared/my-exp
  Shards may share one output directory (each writes shard-<i>-of-<N>.json and its own parts)
  or use one each; then assemble with
      pnpm cascade merge /shared/my-exp --out /shared/my-exp
  A shard killed mid-way is continued with the same command plus --resume.`;

const LIST_HELP = `usage: cascade list [--experiments DIR]

Lists the experiments (experiments/<name>.ts default-exporting defineExperiment(...)) with their
description and number of runs.

Experiments are code, not data: listing imports every .ts file of the directory (other than
*.test.ts, *.d.ts and _-prefixed helpers), which runs its top-level code. Point --experiments only
at directories whose code you trust.`;

const DESCRIBE_HELP = `usage: cascade describe <experiment> [--long] [--experiments DIR]

Shows an experiment's parameters (kind, default, range or choices, unit, description), derived
parameters, sweep, replications, seed and the number of runs.

options:
  --long    also print each parameter's longer explanation (its spec's doc), after the table`;

const REPAIR_HELP = `usage: cascade repair <dir>

Repairs the part logs of an output directory after damage (a bad block, a power cut, a stray
write) that makes run, --resume or merge stop with a "part log …" error. Keeps every record whose
checksums hold (also those after a damaged one), cuts damaged records and torn tails, and keeps
each damaged log's original bytes as parts/<log>.partlog.damaged. Then run the lost runs again
with the same run command plus --resume (or use run --resume --repair in one step).
Refused while another process works in the directory.

options:
  -h, --help    this help`;

const REPORT_HELP = `usage: cascade report <dir> [--shock-time SEC]

Writes <dir>/report.html from the output of a run: price, mark and index with liquidation volume,
order-book depth, insurance fund, every run's price path, each metric against each swept
parameter with 95 % confidence bands, liquidation waves, amplification over counterfactual pairs
(a boolean parameter whose name contains "liquidat"), and stylized facts of the returns.
Self-contained: open it in any browser.

options:
  --shock-time SEC   measure drawdown and timing from this simulated time (default: run start)
  -h, --help         this help`;

const MERGE_HELP = `usage: cascade merge <dir…> --out DIR

Assembles runs.arrow, timeseries.arrow, liquidations.arrow and manifest.json in DIR from the
parts of several output directories (the shards of one sweep, or one directory they share).
Refuses directories of different experiments or configurations (config hash, in every manifest
and every part record), and an --out that is neither empty, nor one of the inputs, nor an output
of the same experiment and configuration.

options:
  --out DIR     where the merged files go (may be one of the inputs)
  --no-report   do not write report.html after the merge
  --quiet       no summary table
  --allow-source-mismatch
                merge shards whose experiment sources differ (content hashes of the
                experiment file and every repository file it imports); recorded in the
                manifest (mergedSourceMismatch)
  -h, --help    this help`;

const CHECK_HELP = `usage: cascade check <experiment> [options]

Checks an experiment without running it, in a few seconds: type-checks its file and the files it
imports relatively (helpers and agents, e.g. experiments/lib/; the packages are checked by
pnpm run typecheck), then builds the world of each sweep point once (build() and the world's
construction; at most 200 points, spread evenly over larger sweeps) on worker threads.
Prints each problem as file:line:column: … and exits with 2; "cascade run" makes the same checks
before its first run (--no-check skips them).

options:
  --set key=value     override a parameter's default (repeatable), as for run
  --runs N, --seed S  as for run (they change the points' seeds only)
  --workers W         threads building the worlds (default: one per core)
  --experiments DIR   where experiments are looked up by name
  -h, --help          this help`;

/** Runs the CLI with `argv` (without node and script); resolves with the exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case undefined:
      case "-h":
      case "--help":
      case "help":
        console.log(MAIN_HELP);
        return command === undefined ? 2 : 0;
      case "run":
        return await runCommand(rest);
      case "check":
        return await checkCommand(rest);
      case "list":
        return await listCommand(rest);
      case "describe":
        return await describeCommand(rest);
      case "merge":
        return await mergeCommand(rest);
      case "repair":
        return await repairCommand(rest);
      case "report":
        return await reportCommand(rest);
      case "calibrate":
        return await (await import("./calibrate.ts")).calibrateCommand(rest);
      default:
        throw new ConfigError(
          "command",
          command,
          `is unknown (${nearestCommand(command)}commands: run, check, list, describe, merge, repair, report, calibrate; see cascade --help)`,
        );
    }
  } catch (e) {
    return report(e);
  }
}

function nearestCommand(command: string): string {
  const guess = nearest(command, [
    "run",
    "check",
    "list",
    "describe",
    "merge",
    "repair",
    "report",
    "calibrate",
  ]);
  return guess === undefined ? "" : `did you mean ${guess}? `;
}

function report(e: unknown): number {
  if (e instanceof CascadeError) {
    console.error(`cascade: ${e.message}`);
    return 2;
  }
  const code = (e as { code?: unknown })?.code;
  if (e instanceof CliUsageError) {
    console.error(`cascade: ${e.message}`);
    return 2;
  }
  if (typeof code === "string" && code.startsWith("ERR_PARSE_ARGS")) {
    const first = (e as Error).message.split(/\.\s|\n/)[0]!;
    console.error(`cascade: ${first.charAt(0).toLowerCase()}${first.slice(1)} (see cascade --help)`);
    return 2;
  }
  if (process.env.CASCADE_DEBUG === "1") console.error(e);
  else console.error(`cascade: ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`);
  return 1;
}

function parse<T extends Record<string, { type: "string" | "boolean"; multiple?: boolean; short?: string }>>(
  args: readonly string[],
  options: T,
  command?: string,
) {
  try {
    return parseArgs({
      args: [...args],
      options: { ...options, help: { type: "boolean", short: "h" } },
      allowPositionals: true,
      strict: true,
    });
  } catch (e) {
    throw unknownOption(e, Object.keys(options), command) ?? e;
  }
}

/**
 * A parseArgs "unknown option" error as a {@link CliUsageError} naming the nearest option of the
 * command (`--worker` → `did you mean --workers?`); `undefined` for any other error.
 */
export function unknownOption(e: unknown, known: readonly string[], command?: string): Error | undefined {
  if ((e as { code?: unknown })?.code !== "ERR_PARSE_ARGS_UNKNOWN_OPTION") return undefined;
  const m = /^Unknown option '(-{1,2})([^']*)'/.exec((e as Error).message);
  if (m === null) return undefined;
  const flag = `${m[1]}${m[2]}`;
  const guess = nearest(m[2]!.replace(/=.*$/, ""), [...known, "help"]);
  const help = command === undefined ? "cascade --help" : `cascade ${command} --help`;
  return new CliUsageError(
    `unknown option '${flag}' (${guess === undefined ? "" : `did you mean --${guess}? `}see ${help})`,
  );
}

/** Bad command-line usage, printed as its message alone (exit code 2). */
export class CliUsageError extends Error {
  override readonly name = "CliUsageError";
}

/**
 * Checks `--set` values before positionals are counted: `--set whaleBtc 60` (no `=`) parses as
 * the value `whaleBtc` and a stray positional `60`.
 * @throws {@link @cascade/core!ConfigError} `--set = "whaleBtc": needs key=value (e.g. --set whaleBtc=60)`.
 */
export function checkSetPairs(pairs: readonly string[], positionals: readonly string[]): void {
  for (const pair of pairs) {
    if (pair.indexOf("=") > 0) continue;
    const stray = positionals.length > 1 ? positionals[positionals.length - 1] : undefined;
    const example = /^[A-Za-z_][A-Za-z0-9_]*$/.test(pair) ? `${pair}=${stray ?? "VALUE"}` : "name=20";
    throw new ConfigError("--set", pair, `needs key=value (e.g. --set ${example})`);
  }
}

async function runCommand(args: readonly string[]): Promise<number> {
  const { values, positionals } = parse(
    args,
    {
      runs: { type: "string" },
      seed: { type: "string" },
      set: { type: "string", multiple: true },
      workers: { type: "string" },
      out: { type: "string" },
      resume: { type: "boolean" },
      repair: { type: "boolean" },
      "max-failures": { type: "string" },
      "run-timeout": { type: "string" },
      shard: { type: "string" },
      shards: { type: "string" },
      experiments: { type: "string" },
      trades: { type: "boolean" },
      "no-trades": { type: "boolean" },
      "no-report": { type: "boolean" },
      "no-check": { type: "boolean" },
      quiet: { type: "boolean" },
    },
    "run",
  );
  if (values.help) {
    console.log(RUN_HELP);
    return 0;
  }
  checkSetPairs(values.set ?? [], positionals);
  if (positionals.length !== 1) {
    throw new ConfigError(
      "run",
      positionals.join(" "),
      "needs exactly one experiment (see cascade run --help)",
    );
  }
  const file = resolveExperiment(positionals[0]!, values.experiments);
  const replications = optionalInt("--runs", values.runs);
  const workers = optionalInt("--workers", values.workers);
  const maxFailures = optionalInt("--max-failures", values["max-failures"]);
  const shardCount = optionalInt("--shards", values.shards);
  const runTimeoutSec =
    values["run-timeout"] === undefined ? undefined : positiveNumber("--run-timeout", values["run-timeout"]);
  const seed = values.seed === undefined ? undefined : parseSeed(values.seed);
  if (values.trades === true && values["no-trades"] === true)
    throw new ConfigError("--trades", "--no-trades", "cannot be given with --no-trades");
  const trades = values.trades === true ? true : values["no-trades"] === true ? false : undefined;
  const shard: Shard | undefined =
    values.shard !== undefined ? parseShard(values.shard) : shardFromEnv(process.env, shardCount);
  const experiment = await importExperiment(file);
  // Check overrides before anything else is loaded or written.
  parseOverrides(values.set ?? [], experiment.parameters, experiment.derived);
  if (values.resume && values.out === undefined) throw new ConfigError("--resume", true, "needs --out DIR");
  if (values.repair && !values.resume) throw new ConfigError("--repair", true, "needs --resume");
  if (values.out !== undefined && values.out.trim() === "") {
    throw new ConfigError("--out", values.out, "must name a directory");
  }
  const out =
    values.out ??
    (shard !== undefined
      ? path.resolve("out", experiment.name, "shards")
      : path.resolve("out", experiment.name, new Date().toISOString().replace(/[:.]/g, "-")));
  const log = (line: string) => console.error(line);
  if (shard !== undefined) log(`shard ${shard.index}/${shard.count}`);
  // Loaded here, not at the top: bad arguments are reported without loading the simulation.
  const { runExperiment } = await import("../run-experiment.ts");
  const { progressReporter, silentProgress } = await import("../progress.ts");
  const result = await runExperiment({
    experimentFile: file,
    out,
    overrides: values.set ?? [],
    replications,
    seed,
    trades,
    workers,
    shard,
    resume: values.resume === true,
    repair: values.repair === true,
    maxFailures,
    runTimeoutSec,
    check: values["no-check"] !== true,
    typeCheck: values["no-check"] !== true,
    progress: values.quiet ? silentProgress : progressReporter(process.stderr),
    log,
  });
  const m = result.manifest;
  const rel = path.relative(process.cwd(), result.outDir) || ".";
  console.log(
    `${m.experiment.name}: ${m.runs.ok} ok, ${m.runs.failed} failed${m.runs.missing > 0 ? `, ${m.runs.missing} not run` : ""} of ${m.plannedRuns} runs · ${result.pool.workers} workers · ${(Number(m.execution.wallMs) / 1000).toFixed(1)} s`,
  );
  if (result.summary !== null) {
    if (!values.quiet) console.log(`\n${result.summary.format()}\n`);
    if (!values.quiet && m.runs.ok > 0) await printAmplification(result.outDir);
    console.log(`wrote ${rel}/${m.files.join(", ")}, manifest.json`);
    if (values["no-report"] !== true && m.runs.ok > 0) await writeReportTo(result.outDir, log);
  } else {
    console.log(`wrote ${rel}/parts and ${rel}/shard-${shard!.index}-of-${shard!.count}.json`);
    console.log(`when every shard is done: cascade merge ${rel} --out ${rel}`);
  }
  if (m.runs.failed > 0) reportFailures(result.failures, m.runs.failed, m.runs.ok, rel);
  return m.status === "stopped" || (m.runs.ok === 0 && m.runs.failed > 0) ? 1 : 0;
}

/** Prints the first failed runs' errors (stack, simulated time) and where every error is. */
function reportFailures(
  first: readonly {
    runId: number;
    error: string | null;
    failure: { stack: string | null; simTimeS: number | null } | null;
  }[],
  failed: number,
  ok: number,
  rel: string,
): void {
  const lines = [
    ok === 0 ? `every run failed (${failed})` : `${failed} run${failed === 1 ? "" : "s"} failed`,
  ];
  if (first.length > 0)
    lines.push(`the first ${first.length === 1 ? "error" : `${first.length} errors`} of this session:`);
  for (const f of first) {
    const when =
      f.failure === null
        ? ""
        : f.failure.simTimeS === null
          ? " while building the world"
          : ` at simulated time ${f.failure.simTimeS} s`;
    lines.push(`  run ${f.runId}${when}: ${f.error}`);
    const stack = f.failure?.stack?.split("\n").slice(1, 7) ?? [];
    for (const l of stack) lines.push(`    ${l.trim()}`);
  }
  lines.push(
    `every failed run's error is in ${rel}/runs.arrow (column error, where status = "failed"; for a shard, in its parts until merged); replay one with reproduceRun(plan, runId)`,
  );
  console.error(lines.join("\n"));
}

async function checkCommand(args: readonly string[]): Promise<number> {
  const { values, positionals } = parse(
    args,
    {
      set: { type: "string", multiple: true },
      runs: { type: "string" },
      seed: { type: "string" },
      workers: { type: "string" },
      experiments: { type: "string" },
    },
    "check",
  );
  if (values.help) {
    console.log(CHECK_HELP);
    return 0;
  }
  checkSetPairs(values.set ?? [], positionals);
  if (positionals.length !== 1) {
    throw new ConfigError(
      "check",
      positionals.join(" "),
      "needs exactly one experiment (see cascade check --help)",
    );
  }
  const file = resolveExperiment(positionals[0]!, values.experiments);
  const replications = optionalInt("--runs", values.runs);
  const workers = optionalInt("--workers", values.workers);
  const seed = values.seed === undefined ? undefined : parseSeed(values.seed);
  const experiment = await importExperiment(file);
  parseOverrides(values.set ?? [], experiment.parameters, experiment.derived);
  const { checkExperiment, ExperimentCheckError } = await import("../check.ts");
  const { planExperiment } = await import("../plan.ts");
  const plan = await planExperiment(experiment, { overrides: values.set ?? [], replications, seed });
  try {
    const r = await checkExperiment(plan, file, { workers });
    console.log(
      `${experiment.name}: ok · ${r.checkedFiles.length} file${r.checkedFiles.length === 1 ? "" : "s"} type-check (${(r.typeCheckMs / 1000).toFixed(1)} s) · ${r.builtPoints === r.points ? `the worlds of all ${r.points} points build` : `the worlds of ${r.builtPoints} of ${r.points} points (an even spread) build`} (${(r.buildMs / 1000).toFixed(1)} s)`,
    );
    return 0;
  } catch (e) {
    if (!(e instanceof ExperimentCheckError)) throw e;
    for (const line of e.lines) console.error(`cascade: ${line}`);
    return 2;
  }
}

async function listCommand(args: readonly string[]): Promise<number> {
  const { values, positionals } = parse(args, { experiments: { type: "string" } }, "list");
  if (values.help) {
    console.log(LIST_HELP);
    return 0;
  }
  if (positionals.length > 0) throw new ConfigError("list", positionals.join(" "), "takes no arguments");
  const dir = experimentsDir(values.experiments);
  const names = experimentNames(dir);
  if (names.length === 0) {
    console.log(`no experiments in ${dir}`);
    return 0;
  }
  const rows: string[][] = [];
  for (const name of names) {
    try {
      const e = await importExperiment(path.join(dir, `${name}.ts`));
      const points = sweepSize(e.sweep, e.parameters);
      rows.push([name, `${points * e.replications}`, e.description]);
    } catch (err) {
      rows.push([name, "?", `(does not load: ${(err as Error).message})`]);
    }
  }
  const w0 = Math.max(4, ...rows.map((r) => r[0]!.length));
  const w1 = Math.max(4, ...rows.map((r) => r[1]!.length));
  console.log(`${"name".padEnd(w0)}  ${"runs".padStart(w1)}  description`);
  for (const r of rows) console.log(`${r[0]!.padEnd(w0)}  ${r[1]!.padStart(w1)}  ${r[2]}`);
  return 0;
}

async function describeCommand(args: readonly string[]): Promise<number> {
  const { values, positionals } = parse(
    args,
    { experiments: { type: "string" }, long: { type: "boolean" } },
    "describe",
  );
  if (values.help) {
    console.log(DESCRIBE_HELP);
    return 0;
  }
  if (positionals.length !== 1) {
    throw new ConfigError("describe", positionals.join(" "), "needs exactly one experiment");
  }
  const file = resolveExperiment(positionals[0]!, values.experiments);
  console.log(describeExperiment(await importExperiment(file), file, { long: values.long === true }));
  return 0;
}

/** A sweep condition for people: `whale = true`, `mode ∈ {partial, paced}`, or a function's text. */
function describeCondition(when: SweepCondition): string {
  if (typeof when === "function") return String(when);
  return Object.entries(when as Record<string, unknown>)
    .map(([k, v]) => (Array.isArray(v) ? `${k} ∈ {${v.map(String).join(", ")}}` : `${k} = ${String(v)}`))
    .join(" and ");
}

/**
 * The text `cascade describe` prints; with `long`, each parameter's `doc` follows the table
 * (indented, wrapped at 100 columns), so the table itself stays one line a parameter.
 */
export function describeExperiment(
  e: AnyExperiment,
  file: string,
  options: { readonly long?: boolean } = {},
): string {
  const lines = [
    `${e.name} — ${e.description}`,
    `file: ${path.relative(process.cwd(), file) || file}`,
    "",
    "parameters:",
  ];
  const rows = Object.entries(e.parameters).map(([name, s]) => [
    name,
    s.kind === "number" ? (s.integer === true ? "integer" : "number") : s.kind,
    String(s.default),
    describeRange(s),
    s.kind === "number" ? (s.unit ?? "") : "",
    s.description ?? "",
  ]);
  lines.push(
    ...table(["name", "kind", "default", "range", "unit", "description"], rows).map((l) => `  ${l}`),
  );
  if (options.long === true) {
    const docs = Object.entries(e.parameters).filter(([, s]) => s.doc !== undefined);
    if (docs.length > 0) lines.push("", "about the parameters:");
    for (const [name, s] of docs) lines.push(`  ${name}:`, ...wrap(s.doc!, 96).map((l) => `    ${l}`));
  }
  const derived = Object.entries(e.derived);
  if (derived.length > 0) {
    lines.push("", "derived:");
    for (const [k, v] of derived) lines.push(`  ${k} = ${v}`);
  }
  const points = sweepSize(e.sweep, e.parameters);
  lines.push("", "sweep:");
  const sw = e.sweep;
  if (sw === undefined) lines.push("  none (one point: the defaults)");
  else if (sw.kind === "grid") {
    for (const [k, axis] of Object.entries(sw.values as Record<string, GridAxis>)) {
      const when = isArrayAxis(axis) ? "" : `  (only where ${describeCondition(axis.when)})`;
      lines.push(
        `  ${k}: ${axisValues(axis)
          .map((x) => String(x))
          .join(", ")}${when}`,
      );
    }
    const full = sweepSize(sw);
    lines.push(
      full === points
        ? `  grid of ${points} points`
        : `  grid of ${points} points (${full - points} of the full grid's ${full} skipped: identical once the conditions apply)`,
    );
  } else {
    const ranges = (sw.ranges ?? {}) as Record<string, readonly unknown[]>;
    const names = sw.ranges === undefined ? defaultDimensions(e.parameters) : Object.keys(ranges);
    for (const k of names) {
      const s = e.parameters[k]!;
      const r = ranges[k];
      lines.push(
        `  ${k}: ${r === undefined ? describeRange(s) : s.kind === "number" ? `[${r.join(", ")}]` : r.join(" | ")}`,
      );
    }
    lines.push(`  ${sw.kind === "lhs" ? "Latin hypercube" : "uniform random"} sample of ${points} points`);
  }
  const duration =
    typeof e.durationNs === "number"
      ? `${e.durationNs / 1e9} s simulated per run`
      : "per point (a function of the parameters)";
  lines.push(
    "",
    `replications: ${e.replications}`,
    ...(e.counterfactual === undefined
      ? []
      : [
          `counterfactual: ${e.counterfactual} (runs paired on it: on ÷ off, same other parameters and replication)`,
        ]),
    `runs: ${points} points × ${e.replications} = ${points * e.replications}`,
    `seed: ${JSON.stringify(e.seed)}`,
    `duration: ${duration}`,
  );
  return lines.join("\n");
}

async function reportCommand(args: readonly string[]): Promise<number> {
  const { values, positionals } = parse(args, { "shock-time": { type: "string" } }, "report");
  if (values.help) {
    console.log(REPORT_HELP);
    return 0;
  }
  if (positionals.length !== 1)
    throw new ConfigError("report", positionals.join(" "), "needs exactly one output directory");
  const dir = path.resolve(positionals[0]!);
  if (!existsSync(path.join(dir, "runs.arrow"))) {
    throw new ConfigError(
      "report",
      positionals[0],
      "holds no runs.arrow (run or merge an experiment into it first)",
    );
  }
  const shockTimeS =
    values["shock-time"] === undefined ? undefined : positiveNumber("--shock-time", values["shock-time"]);
  await writeReportTo(dir, (l) => console.error(l), shockTimeS);
  return 0;
}

/** Writes report.html into `dir` (the analysis package reads the files just written). */
/**
 * Prints the amplification of each drawdown metric over counterfactual pairs (liquidations on ÷
 * off on the same random streams), with its 95 % interval, when the sweep has such pairs.
 */
async function printAmplification(dir: string): Promise<void> {
  const { summarizeRuns } = await import("@cascade/analysis");
  let s: ReturnType<typeof summarizeRuns>;
  try {
    s = summarizeRuns(dir);
  } catch (e) {
    // The run's files are written; only this summary could not be read from them.
    console.log(`amplification: not computed (${e instanceof Error ? e.message : String(e)})\n`);
    return;
  }
  if (s.amplifications.length === 0) return;
  const f = (x: number) => (Number.isFinite(x) ? x.toFixed(3) : "n/a");
  console.log(`amplification, ${s.amplifications[0]!.flag} on ÷ off (paired on the same random streams):`);
  for (const a of s.amplifications) {
    const o = a.overall;
    console.log(
      `  ${a.metric.padEnd(20)} ${f(o.mean)}  95 % CI [${f(o.ciLow)}, ${f(o.ciHigh)}]  (${o.n} pairs)`,
    );
  }
  console.log("");
}

async function writeReportTo(dir: string, log: (line: string) => void, shockTimeS?: number): Promise<void> {
  const { writeReport } = await import("@cascade/analysis");
  const file = await writeReport(dir, shockTimeS === undefined ? {} : { shockTimeS });
  log(`wrote ${path.relative(process.cwd(), file) || file}`);
}

async function mergeCommand(args: readonly string[]): Promise<number> {
  const { values, positionals } = parse(
    args,
    {
      out: { type: "string" },
      quiet: { type: "boolean" },
      "no-report": { type: "boolean" },
      "allow-source-mismatch": { type: "boolean" },
    },
    "merge",
  );
  if (values.help) {
    console.log(MERGE_HELP);
    return 0;
  }
  if (positionals.length === 0) throw new ConfigError("merge", "", "needs at least one input directory");
  if (values.out === undefined) throw new ConfigError("merge --out", undefined, "is required");
  if (values.out.trim() === "") throw new ConfigError("merge --out", values.out, "must name a directory");
  for (const d of positionals) {
    if (!existsSync(d)) throw new ConfigError("merge", d, "no such directory");
  }
  const { mergeOutputs } = await import("../merge.ts");
  const res = mergeOutputs({
    inputs: positionals,
    out: values.out,
    log: (l) => console.error(l),
    allowSourceMismatch: values["allow-source-mismatch"] === true,
  });
  const m = res.manifest;
  console.log(
    `${m.experiment.name}: merged ${m.runs.ok} ok, ${m.runs.failed} failed, ${m.runs.missing} missing of ${m.totalRuns} runs`,
  );
  if (!values.quiet) console.log(`\n${res.summary.format()}\n`);
  console.log(`wrote ${values.out}/${m.files.join(", ")}, manifest.json`);
  if (values["no-report"] !== true && m.runs.ok > 0)
    await writeReportTo(path.resolve(values.out), (l) => console.error(l));
  return 0;
}

async function repairCommand(args: readonly string[]): Promise<number> {
  const { values, positionals } = parse(args, {}, "repair");
  if (values.help) {
    console.log(REPAIR_HELP);
    return 0;
  }
  if (positionals.length !== 1) {
    throw new ConfigError("repair", positionals.join(" "), "needs exactly one output directory");
  }
  const { repairOutput } = await import("../repair.ts");
  const r = repairOutput(positionals[0]!, (l) => console.error(l));
  if (r.logs.length === 0) {
    console.log(`${positionals[0]}: every part log is intact; nothing to repair`);
    return 0;
  }
  const lost = r.lostRuns.length;
  console.log(
    `repaired ${r.logs.length} part log${r.logs.length === 1 ? "" : "s"}: ${r.logs.reduce((s, l) => s + l.kept, 0)} records kept, ${lost} run${lost === 1 ? "" : "s"} lost${lost > 0 ? ` (${r.lostRuns.slice(0, 10).join(", ")}${lost > 10 ? ", …" : ""})` : ""}`,
  );
  console.log("run the lost runs again with the same cascade run command plus --resume");
  return 0;
}

/** `--experiments` or `<repo>/experiments`. */
function experimentsDir(option: string | undefined): string {
  return option !== undefined ? path.resolve(option) : path.join(REPO_ROOT, "experiments");
}

/** Experiment names in `dir`: `*.ts` files other than tests, declarations and `_`-prefixed helpers. */
export function experimentNames(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((n) => n.endsWith(".ts") && !n.endsWith(".test.ts") && !n.endsWith(".d.ts") && !n.startsWith("_"))
    .map((n) => n.slice(0, -3))
    .sort();
}

/**
 * The file of an experiment given by name (looked up in the experiments directory) or by path.
 * @throws {@link @cascade/core!ConfigError} naming the known experiments when there is no such one.
 */
export function resolveExperiment(arg: string, experimentsOption?: string): string {
  const looksLikePath = /\.(ts|mts|js|mjs)$/.test(arg) || arg.includes("/") || arg.includes(path.sep);
  if (looksLikePath) {
    const file = path.resolve(arg);
    if (!existsSync(file)) throw new ConfigError("experiment", arg, "no such file");
    return file;
  }
  const dir = experimentsDir(experimentsOption);
  const file = path.join(dir, `${arg}.ts`);
  if (!existsSync(file)) {
    const known = experimentNames(dir);
    const guess = nearest(arg, known);
    throw new ConfigError(
      "experiment",
      arg,
      `unknown experiment (${guess === undefined ? "" : `did you mean ${guess}? `}known: ${known.length > 0 ? known.join(", ") : "none"} in ${path.relative(process.cwd(), dir) || dir})`,
    );
  }
  return file;
}

/** An optional positive-integer option (`undefined` when absent). @throws ConfigError naming the option. */
export function optionalInt(field: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = /^\s*\d+\s*$/.test(text) ? Number(text) : Number.NaN;
  if (!(Number.isSafeInteger(n) && n >= 1)) throw new ConfigError(field, text, "must be a positive integer");
  return n;
}

/** A positive-number option. @throws ConfigError naming the option. */
export function positiveNumber(field: string, text: string): number {
  const n = /^\s*(\d+\.?\d*|\.\d+)\s*$/.test(text) ? Number(text) : Number.NaN;
  if (!(n > 0)) throw new ConfigError(field, text, "must be a positive number");
  return n;
}

/** `--seed`: a safe integer, or any non-empty string. @throws ConfigError naming `--seed`. */
export function parseSeed(text: string): Seed {
  if (/^-?\d+$/.test(text)) {
    const n = Number(text);
    if (!Number.isSafeInteger(n)) throw new ConfigError("--seed", text, "must be a safe integer or a string");
    return n;
  }
  if (text === "") throw new ConfigError("--seed", text, "must not be empty");
  return text;
}

/** Splits `text` into lines of at most `width` characters at spaces (a longer word gets its own line). */
function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(/\s+/).filter((w) => w !== "")) {
    if (line !== "" && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line === "" ? word : `${line} ${word}`;
  }
  if (line !== "") lines.push(line);
  return lines;
}

function table(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, j) => Math.max(h.length, ...rows.map((r) => r[j]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((c, j) => c.padEnd(widths[j]!))
      .join("  ")
      .trimEnd();
  return [line(header), ...rows.map(line)];
}

// Real paths: started through a symlinked path (a linked checkout), argv[1] is the link.
const isMain =
  process.argv[1] !== undefined &&
  existsSync(process.argv[1]) &&
  realpathSync(process.argv[1]) === realpathSync(fileURLToPath(import.meta.url));
if (isMain) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      process.exitCode = report(e);
    },
  );
}
