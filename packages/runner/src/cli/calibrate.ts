/**
 * `cascade calibrate <experiment> --targets <file>`: the command-line wiring of
 * `calibrate/run-calibration.ts` (options, progress lines, the closing table).
 *
 * @module
 */

import path from "node:path";
import { parseArgs } from "node:util";
import { ConfigError } from "@cascade/core";
import type { IterationInfo } from "../calibrate/run-calibration.ts";
import type { ProgressReporter } from "../progress.ts";
import { formatMetric } from "../summary.ts";
import {
  checkSetPairs,
  optionalInt,
  parseSeed,
  positiveNumber,
  resolveExperiment,
  unknownOption,
} from "./main.ts";

/** `cascade calibrate --help`. */
export const CALIBRATE_HELP = `usage: cascade calibrate <experiment> --targets FILE [options]

Fits parameters of an experiment to target moments by the simulated method of moments: it
minimises J(θ) = Σ_k w_k (m̄_k(θ) − t_k)², m̄_k the mean of metric k over R replications,
w_k = 1/se_k² (or the target's weight). Every candidate runs the same R seeds (common random
numbers). The search: a maximin Latin-hypercube design over the bounds, then Nelder–Mead from the
best design points, each batch fanned out over the worker pool; deterministic given the seed,
whatever the number of workers. Then standard errors from a finite-difference Jacobian.

The targets file (JSON) names the parameters to fit with bounds ({"min", "max", "log"?}), fixed
parameters, the moments ({"metric", "target", "se" or "weight", "source"}) and the settings;
see docs/calibration.md.

output (in --out):
  evaluations.jsonl   every evaluation, appended as it finishes (what --resume reads)
  evaluations.arrow   every evaluation: candidate, iteration, parameters, moments, objective
  result.json         best parameters, moments vs targets, standard errors and 95 % intervals
  calibration.json    experiment, targets, settings, config hash, status
  parts/              the runs of every candidate (part logs)

options:
  --targets FILE      the targets file (required)
  --runs N            replications per candidate (overrides the file's "replications")
  --seed S            calibration seed (overrides the file's; default the experiment's)
  --max-evals N       evaluation budget of the search (overrides the file's)
  --set key=value     fix a parameter (repeatable; wins over the file's "fixed")
  --workers W         worker threads (default: one per core)
  --out DIR           output directory (default out/<experiment>/calibrate-<date-time>)
  --resume            continue an interrupted calibration in --out (same result as uninterrupted)
  --run-timeout SEC   a run taking longer fails (its candidate scores +∞)
  --experiments DIR   where experiments are looked up by name (default <repo>/experiments)
  --quiet             no progress display
  -h, --help          this help

Ctrl-C stops after the running batch; continue with the same command plus --resume --out DIR.`;

/** Runs `cascade calibrate` with its arguments; resolves with the exit code. */
export async function calibrateCommand(args: readonly string[]): Promise<number> {
  const options = {
    targets: { type: "string" },
    runs: { type: "string" },
    seed: { type: "string" },
    "max-evals": { type: "string" },
    set: { type: "string", multiple: true },
    workers: { type: "string" },
    out: { type: "string" },
    resume: { type: "boolean" },
    "run-timeout": { type: "string" },
    experiments: { type: "string" },
    quiet: { type: "boolean" },
    help: { type: "boolean", short: "h" },
  } as const;
  let parsed: ReturnType<typeof parseArgs<{ options: typeof options; allowPositionals: true; strict: true }>>;
  try {
    parsed = parseArgs({ args: [...args], options, allowPositionals: true, strict: true });
  } catch (e) {
    throw unknownOption(e, Object.keys(options), "calibrate") ?? e;
  }
  const { values, positionals } = parsed;
  checkSetPairs(values.set ?? [], positionals);
  if (values.help) {
    console.log(CALIBRATE_HELP);
    return 0;
  }
  if (positionals.length !== 1) {
    throw new ConfigError(
      "calibrate",
      positionals.join(" "),
      "needs exactly one experiment (see cascade calibrate --help)",
    );
  }
  if (values.targets === undefined)
    throw new ConfigError("--targets", undefined, "is required (a JSON file)");
  if (values.resume && values.out === undefined) throw new ConfigError("--resume", true, "needs --out DIR");
  const file = resolveExperiment(positionals[0]!, values.experiments);
  const { importExperiment } = await import("../load.ts");
  const experiment = await importExperiment(file);
  const out =
    values.out ??
    path.resolve("out", experiment.name, `calibrate-${new Date().toISOString().replace(/[:.]/g, "-")}`);
  const { runCalibration } = await import("../calibrate/run-calibration.ts");
  const { progressReporter, silentProgress } = await import("../progress.ts");
  const controller = new AbortController();
  const onSigint = () => {
    if (controller.signal.aborted) process.exit(130);
    console.error("cascade: stopping after this batch (Ctrl-C again to kill)");
    controller.abort();
  };
  process.on("SIGINT", onSigint);
  try {
    const res = await runCalibration({
      experimentFile: file,
      targetsFile: values.targets,
      out,
      overrides: values.set ?? [],
      replications: optionalInt("--runs", values.runs),
      seed: values.seed === undefined ? undefined : parseSeed(values.seed),
      maxEvaluations: optionalInt("--max-evals", values["max-evals"]),
      workers: optionalInt("--workers", values.workers),
      resume: values.resume === true,
      runTimeoutSec:
        values["run-timeout"] === undefined
          ? undefined
          : positiveNumber("--run-timeout", values["run-timeout"]),
      progress: values.quiet
        ? silentProgress
        : process.stderr.isTTY
          ? progressReporter(process.stderr)
          : batchLines(process.stderr),
      onIteration: values.quiet ? undefined : (i) => console.error(iterationLine(i)),
      log: (l) => console.error(l),
      signal: controller.signal,
    });
    const rel = path.relative(process.cwd(), res.outDir) || ".";
    if (res.status === "stopped" || res.result === null) {
      console.log(`stopped after ${res.evaluations.length} evaluations; continue with --resume --out ${rel}`);
      return 1;
    }
    console.log(`\n${formatResult(res.result)}\n`);
    console.log(`wrote ${rel}/result.json, evaluations.arrow, evaluations.jsonl, calibration.json`);
    return 0;
  } finally {
    process.off("SIGINT", onSigint);
  }
}

/**
 * Progress of a batch's runs off a terminal: a runner-style line every `intervalMs` while a batch
 * runs, nothing at its start and end (the iteration line says it).
 */
export function batchLines(stream: NodeJS.WritableStream, intervalMs = 10_000): ProgressReporter {
  let t0 = 0;
  let last = 0;
  let total = 0;
  return {
    start(n) {
      t0 = performance.now();
      last = t0;
      total = n;
    },
    update(done, failed) {
      const now = performance.now();
      if (now - last < intervalMs) return;
      last = now;
      const rate = done / ((now - t0) / 1000);
      const eta = rate > 0 ? `${Math.ceil((total - done) / rate)}s` : "?";
      stream.write(
        `progress: ${done}/${total} runs of this batch, ${failed} failed, ${rate.toFixed(1)} runs/s, ETA ${eta}\n`,
      );
    },
    stop() {},
  };
}

/** A progress line after a batch, in the style of the runner's progress lines. */
export function iterationLine(i: IterationInfo): string {
  const s = i.wallMs / 1000;
  const params = Object.entries(i.best.params)
    .map(([k, v]) => `${k}=${formatMetric(v)}`)
    .join(", ");
  const j = Number.isFinite(i.best.objective) ? formatMetric(i.best.objective) : "∞";
  const reused = i.reused > 0 ? `, ${i.reused} reused` : "";
  const evals =
    i.phase === "jacobian"
      ? `${i.candidates} evaluations for the standard errors`
      : `${i.evaluations}/${i.maxEvaluations} evaluations`;
  return `calibrate: iteration ${i.iteration} (${i.phase}, ${i.candidates} candidate${i.candidates === 1 ? "" : "s"}${reused}), ${evals}, ${i.runs} runs, ${i.failedRuns} failed, ${(s > 0 ? i.runs / s : 0).toFixed(1)} runs/s · best J = ${j} at ${params} (candidate ${i.best.candidate})`;
}

/** The closing table: the fitted parameters, then each moment against its target. */
export function formatResult(r: import("../calibrate/run-calibration.ts").CalibrationResult): string {
  const lines: string[] = [];
  const j = r.best.objective === null ? "∞" : formatMetric(r.best.objective);
  lines.push(
    `${r.experiment}: best candidate ${r.best.candidate} of ${r.search.evaluations} (${r.search.stopped}), J = ${j}, ${r.degreesOfFreedom} degree${r.degreesOfFreedom === 1 ? "" : "s"} of freedom`,
    "",
  );
  const unc = r.uncertainty !== null && "parameters" in r.uncertainty ? r.uncertainty.parameters : null;
  const prow = Object.entries(r.best.params).map(([k, v]) => {
    const u = unc?.[k];
    return [
      k,
      formatMetric(v),
      u === undefined ? "" : `${formatMetric(u.se)}${u.scale === "log" ? " (log)" : ""}`,
      u === undefined ? "" : `[${formatMetric(u.ci95[0])}, ${formatMetric(u.ci95[1])}]`,
    ];
  });
  lines.push(...table(["parameter", "estimate", "se", "95 % interval"], prow));
  if (r.uncertainty !== null && "omitted" in r.uncertainty)
    lines.push(`(no standard errors: ${r.uncertainty.omitted})`);
  lines.push("");
  const mrow = r.moments.map((m) => [
    m.metric,
    formatMetric(m.target),
    m.se === null ? "" : formatMetric(m.se),
    m.simulated === null ? "—" : formatMetric(m.simulated),
    m.z === null ? "" : m.z.toFixed(2),
  ]);
  lines.push(...table(["moment", "target", "se", "simulated", "z"], mrow));
  return lines.join("\n");
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
