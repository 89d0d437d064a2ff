/**
 * Runs a calibration end to end: read the targets, plan the experiment's base point, then drive
 * the search (`search.ts`) batch by batch — each batch's candidates fan out as `candidate × R`
 * runs over the runner's worker pool (`RunnerPool`, the one sweeps use), every candidate with the
 * same R seeds (common random numbers) — logging every evaluation, and finally estimate standard
 * errors, write `evaluations.arrow`, `result.json` and `calibration.json`.
 *
 * Output directory:
 * ```
 * <out>/calibration.json      what (experiment, targets, settings), config hash, status, times
 * <out>/evaluations.jsonl     the evaluation log: one line per candidate, append-only (resume)
 * <out>/parts/*.partlog       the runs of every candidate (one part log per batch)
 * <out>/evaluations.arrow     every candidate: parameters, moments (mean, se), objective
 * <out>/result.json           the best parameters, their moments vs the targets, standard errors
 * ```
 *
 * Run `candidate × R + r` is replication r of a candidate: its seed is `runSeed(seed, r)` — the
 * seed of run r of `cascade run <experiment> --seed <seed> --runs R` — whatever the candidate.
 *
 * @module
 */

import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { ConfigError, type Seed } from "@cascade/core";
import { ROLE_KEY } from "@cascade/schema";
import { RecordBatchReader } from "../arrow/lib.ts";
import { ensureOutDir, removeTempFiles, writeFileAtomic } from "../arrow/out-dir.ts";
import { listParts, PartReader } from "../arrow/part-log.ts";
import { type AnyExperiment, defaultDimensions } from "../experiment.ts";
import { importExperiment } from "../load.ts";
import { codeVersion, packageVersions } from "../manifest.ts";
import { parseOverrides, type RawValue, validateValue } from "../params.ts";
import { canonicalJson, planExperiment, type RunPlan, type RunSpec, runSeed } from "../plan.ts";
import { RunnerPool } from "../pool.ts";
import { type ProgressReporter, silentProgress } from "../progress.ts";
import { compileDerived, type DerivedEvaluator, type ParamPoint } from "../sweep.ts";
import { evaluationsTable } from "./evaluations-arrow.ts";
import {
  appendEvaluations,
  EVALUATION_LOG,
  type Evaluation,
  type EvaluationPhase,
  readEvaluationLog,
} from "./log.ts";
import { type MomentStat, momentStat, objective, weightOf } from "./objective.ts";
import { type SearchAsk, type SearchOutcome, search } from "./search.ts";
import { valuesAt } from "./space.ts";
import { type CalibrationTargets, checkMetrics, parseTargets, type TargetMoment } from "./targets.ts";
import { jacobian, sandwich, stencil } from "./uncertainty.ts";

/** Options of {@link runCalibration}. */
export interface CalibrateOptions {
  /** Path of the experiment file. */
  readonly experimentFile: string;
  /** Path of the targets file (JSON, see `targets.ts`). */
  readonly targetsFile: string;
  /** Output directory. */
  readonly out: string;
  /** More fixed parameters, `key=value` as for `--set` (they win over the file's `fixed`). */
  readonly overrides?: readonly string[];
  /** Replications per candidate (overrides the file's). */
  readonly replications?: number;
  /** Calibration seed (overrides the file's; default the experiment's master seed). */
  readonly seed?: Seed;
  /** Evaluation budget of the search (overrides the file's). */
  readonly maxEvaluations?: number;
  /** Worker threads (default `os.availableParallelism()`). */
  readonly workers?: number;
  /** Continue the calibration in `out` from its evaluation log. */
  readonly resume?: boolean;
  /** Per-run wall-clock limit, seconds (a run over it fails, and so scores its candidate +∞). */
  readonly runTimeoutSec?: number;
  /** Progress of the runs of each batch (default none). */
  readonly progress?: ProgressReporter;
  /** Called after each batch. */
  readonly onIteration?: (info: IterationInfo) => void;
  /** Informational lines. */
  readonly log?: (line: string) => void;
  /** Stops the calibration after the current batch (resume it later with `resume`). */
  readonly signal?: AbortSignal;
}

/** Reported after each batch. */
export interface IterationInfo {
  /** The batch just evaluated (0: the design). */
  readonly iteration: number;
  /** What the batch was for. */
  readonly phase: EvaluationPhase;
  /** Candidates in the batch, and of them taken from the log or reused from an identical earlier one. */
  readonly candidates: number;
  /** Of them, taken from the log (resume) or from an earlier candidate with the same values. */
  readonly reused: number;
  /** Evaluations so far (the search's budget counts the non-Jacobian ones). */
  readonly evaluations: number;
  /** The search's budget. */
  readonly maxEvaluations: number;
  /** Runs simulated in this session so far, and how many failed. */
  readonly runs: number;
  /** Of them, failed. */
  readonly failedRuns: number;
  /** The best candidate so far. */
  readonly best: Evaluation;
  /** Wall time of the session so far, ms. */
  readonly wallMs: number;
}

/** A fitted parameter's standard error and 95 % interval (see `uncertainty.ts`). */
export interface ParameterUncertainty {
  /** The fitted value. */
  readonly estimate: number;
  /** `log`: the se is of `ln θ` and the interval is `exp(ln θ̂ ± 1.96 se)`; `linear`: of θ. */
  readonly scale: "log" | "linear";
  /** Standard error on that scale. */
  readonly se: number;
  /** Approximate 95 % interval of the value. */
  readonly ci95: readonly [number, number];
}

/** `result.json`. */
export interface CalibrationResult {
  /** Format tag of the file. */
  readonly format: "cascade-calibration-result/1";
  /** The experiment's name. */
  readonly experiment: string;
  /** Hash of everything that determines the evaluations (a resume must match it). */
  readonly configHash: string;
  /** The best candidate (lowest objective; the first on ties). */
  readonly best: {
    /** Its candidate id. */
    readonly candidate: number;
    /** The fitted parameters' values. */
    readonly params: Readonly<Record<string, number>>;
    /** Its objective (`null`: +∞). */
    readonly objective: number | null;
  };
  /** Each moment at the best candidate against its target. */
  readonly moments: readonly {
    /** The per-run metric. */
    readonly metric: string;
    /** Its target. */
    readonly target: number;
    /** The target's standard error (`null`: only a weight was given). */
    readonly se: number | null;
    /** Its weight in the objective. */
    readonly weight: number;
    /** Where the target comes from. */
    readonly source: string;
    /** Mean over the best candidate's replications. */
    readonly simulated: number | null;
    /** Standard error of that mean (simulation noise). */
    readonly simulatedSe: number | null;
    /** `(simulated − target) / se` (null without se). */
    readonly z: number | null;
    /** `weight · (simulated − target)²`: the moment's share of the objective. */
    readonly contribution: number | null;
  }[];
  /** Moments minus fitted parameters. */
  readonly degreesOfFreedom: number;
  /** Standard errors of the fitted parameters, why they were left out, or `null` when not asked for. */
  readonly uncertainty:
    | {
        /** How they were computed. */
        readonly method: string;
        /** Per fitted parameter. */
        readonly parameters: Readonly<Record<string, ParameterUncertainty>>;
        /** ∂ moment / ∂ parameter on the search scale, moments × parameters. */
        readonly jacobian: readonly (readonly number[])[];
        /** Covariance of the parameters on their search scales. */
        readonly covariance: readonly (readonly number[])[];
      }
    | {
        /** Why there are none. */
        readonly omitted: string;
      }
    | null;
  /** How the search went. */
  readonly search: {
    /** Candidates the search evaluated (without the standard errors'). */
    readonly evaluations: number;
    /** Its batches. */
    readonly iterations: number;
    /** Why it stopped. */
    readonly stopped: SearchOutcome["stopped"];
    /** Replications per candidate. */
    readonly replications: number;
    /** The calibration seed. */
    readonly seed: Seed;
  };
  /** Re-runs the best candidate's replications as a plain sweep (same seeds, same runs). */
  readonly reproduce: string;
}

/** What {@link runCalibration} did. */
export interface CalibrationRun {
  /** Absolute output directory. */
  readonly outDir: string;
  /** `complete`, or `stopped` by the signal (resume to finish). */
  readonly status: "complete" | "stopped";
  /** The result (`null` when stopped). */
  readonly result: CalibrationResult | null;
  /** Every evaluation so far, in candidate order. */
  readonly evaluations: readonly Evaluation[];
  /** Runs simulated in this session, and candidates taken from the log. */
  readonly runs: number;
  /** Candidates taken from the evaluation log (resume). */
  readonly resumedCandidates: number;
}

/** Name of the calibration's manifest in the output directory. */
export const CALIBRATION_MANIFEST = "calibration.json";

/**
 * Calibrates the experiment's parameters to the targets (see the module).
 * @throws {@link @cascade/core!ConfigError} for a bad targets file or option, an output directory holding
 * something else, or a resume of a different calibration.
 */
export async function runCalibration(options: CalibrateOptions): Promise<CalibrationRun> {
  const t0 = performance.now();
  const startedAt = new Date().toISOString();
  const log = options.log ?? (() => {});
  for (const [field, v] of [
    ["--workers", options.workers],
    ["--runs", options.replications],
    ["--max-evals", options.maxEvaluations],
  ] as const) {
    if (v !== undefined && !(Number.isSafeInteger(v) && v >= 1))
      throw new ConfigError(field, v, "must be a positive integer");
  }
  const file = path.resolve(options.experimentFile);
  const source = readFileSync(file, "utf8");
  const targetsFile = path.resolve(options.targetsFile);
  const json = readTargetsJson(targetsFile);
  const experiment = await importExperiment(file);
  const targets = parseTargets(json, experiment.parameters, {
    replications: options.replications,
    seed: options.seed,
    maxEvaluations: options.maxEvaluations,
  });
  const extra = parseOverrides(options.overrides ?? [], experiment.parameters, experiment.derived);
  for (const k of Object.keys(extra)) {
    if (targets.parameters.some((p) => p.name === k)) {
      throw new ConfigError(`--set ${k}`, extra[k], "is fitted by the targets file: it cannot be set");
    }
  }
  const fixed = { ...targets.fixed, ...extra };
  const seed = targets.seed ?? experiment.seed;
  const R = targets.replications;
  // The base point: the defaults with the fixed parameters; the sweep does not apply.
  const single = { ...experiment, sweep: undefined } as AnyExperiment;
  const basePlan = await planExperiment(single, { overrides: fixed, replications: R, seed, source });
  const derived = await compileDerived(experiment.derived);
  const configHash = sha256(
    canonicalJson({
      format: "cascade-calibrate/1",
      plan: basePlan.configHash,
      parameters: targets.parameters,
      moments: targets.moments.map(({ source: _, ...m }) => m),
      replications: R,
      seed: { type: typeof seed, value: seed },
      search: targets.search,
      uncertainty: targets.uncertainty,
    }),
  );

  const outDir = path.resolve(options.out);
  const manifestFile = path.join(outDir, CALIBRATION_MANIFEST);
  const logFile = path.join(outDir, EVALUATION_LOG);
  if (options.resume === true) {
    if (!existsSync(manifestFile))
      throw new ConfigError("--resume", outDir, "holds no calibration to resume");
    const previous = JSON.parse(readFileSync(manifestFile, "utf8")) as { configHash?: string };
    if (previous.configHash !== configHash) {
      throw new ConfigError(
        "--resume",
        outDir,
        `holds a different calibration (config ${String(previous.configHash).slice(0, 12)}…; now ${configHash.slice(0, 12)}…)`,
      );
    }
  } else if (existsSync(outDir) && readdirSync(outDir).length > 0) {
    throw new ConfigError(
      "--out",
      outDir,
      "is not empty (use --resume to continue a calibration, or another --out)",
    );
  }
  const partsDir = ensureOutDir(outDir);
  // This calibration's own temp files only (see removeTempFiles).
  removeTempFiles(outDir, [CALIBRATION_MANIFEST, "evaluations.arrow", "result.json"]);
  removeTempFiles(partsDir, ["calibrate-"]);

  const logged = new Map(readEvaluationLog(logFile, true).map((e) => [e.candidate, e]));
  if (logged.size > 0) log(`resuming: ${logged.size} evaluations in ${EVALUATION_LOG}`);
  const manifestBase = {
    format: "cascade-calibration/1",
    experiment: { name: experiment.name, description: experiment.description, file },
    targetsFile,
    targets,
    fixed,
    seed,
    replications: R,
    configHash,
    planConfigHash: basePlan.configHash,
    codeVersion: codeVersion(path.dirname(file)),
    versions: packageVersions(),
    startedAt,
  };
  const writeManifest = (status: string, extraFields: Record<string, unknown> = {}) =>
    writeFileAtomic(
      manifestFile,
      new TextEncoder().encode(`${JSON.stringify({ ...manifestBase, status, ...extraFields }, null, 2)}\n`),
    );
  writeManifest("running", { endedAt: null });

  const maxBatch = Math.max(targets.search.initial, 2 * targets.parameters.length) * R;
  const pool = new RunnerPool({
    experimentFile: file,
    workers: Math.max(1, Math.min(options.workers ?? os.availableParallelism(), maxBatch)),
  });
  try {
    const ctx: Context = {
      experiment,
      targets,
      basePlan,
      derived,
      seed,
      partsDir,
      logFile,
      logged,
      pool,
      options,
      evaluations: [],
      byKey: new Map(),
      runs: 0,
      failedRuns: 0,
      resumed: 0,
      metricsChecked: false,
      t0,
    };
    const outcome = await drive(ctx);
    const metadata = {
      "cascade.format": "1",
      "cascade.experiment": experiment.name,
      "cascade.config_hash": configHash,
      "cascade.targets": JSON.stringify(targets.moments),
    };
    const writeArrow = () =>
      writeFileAtomic(
        path.join(outDir, "evaluations.arrow"),
        evaluationsTable(
          ctx.evaluations,
          targets.parameters.map((p) => p.name),
          targets.moments,
          metadata,
        ),
      );
    if (outcome === null) {
      writeArrow();
      writeManifest("stopped", { endedAt: new Date().toISOString(), evaluations: ctx.evaluations.length });
      return {
        outDir,
        status: "stopped",
        result: null,
        evaluations: ctx.evaluations,
        runs: ctx.runs,
        resumedCandidates: ctx.resumed,
      };
    }
    const uncertainty = await estimateUncertainty(ctx, outcome);
    if (uncertainty === "stopped") {
      writeArrow();
      writeManifest("stopped", { endedAt: new Date().toISOString(), evaluations: ctx.evaluations.length });
      return {
        outDir,
        status: "stopped",
        result: null,
        evaluations: ctx.evaluations,
        runs: ctx.runs,
        resumedCandidates: ctx.resumed,
      };
    }
    writeArrow();
    const result = makeResult(ctx, outcome, uncertainty, configHash, file);
    writeFileAtomic(
      path.join(outDir, "result.json"),
      new TextEncoder().encode(`${JSON.stringify(result, null, 2)}\n`),
    );
    writeManifest("complete", {
      endedAt: new Date().toISOString(),
      evaluations: ctx.evaluations.length,
      execution: {
        workers: pool.workers,
        runs: ctx.runs,
        failedRuns: ctx.failedRuns,
        resumedCandidates: ctx.resumed,
        wallMs: Math.round(performance.now() - t0),
      },
    });
    return {
      outDir,
      status: "complete",
      result,
      evaluations: ctx.evaluations,
      runs: ctx.runs,
      resumedCandidates: ctx.resumed,
    };
  } finally {
    await pool.destroy();
  }
}

interface Context {
  readonly experiment: AnyExperiment;
  readonly targets: CalibrationTargets;
  readonly basePlan: RunPlan;
  readonly derived: DerivedEvaluator;
  readonly seed: Seed;
  readonly partsDir: string;
  readonly logFile: string;
  readonly logged: ReadonlyMap<number, Evaluation>;
  readonly pool: RunnerPool;
  readonly options: CalibrateOptions;
  /** Every evaluation so far, by candidate id. */
  readonly evaluations: Evaluation[];
  /** Parameter values (canonical JSON) → the first candidate evaluated there. */
  readonly byKey: Map<string, Evaluation>;
  runs: number;
  failedRuns: number;
  resumed: number;
  metricsChecked: boolean;
  readonly t0: number;
}

/** Drives the search to its end; `null` when stopped by the signal. */
async function drive(ctx: Context): Promise<SearchOutcome | null> {
  const s = search({
    dimensions: ctx.targets.parameters.length,
    ...ctx.targets.search,
    seed: ctx.seed,
  });
  let iteration = 0;
  let step = s.next();
  while (!step.done) {
    if (ctx.options.signal?.aborted === true) return null;
    const batch = await evaluateBatch(ctx, step.value, iteration++);
    step = s.next(batch.map((e) => e.objective));
  }
  return step.value;
}

/** Evaluates one batch of asks: from the log, from an identical earlier candidate, or by running it. */
async function evaluateBatch(
  ctx: Context,
  asks: readonly (Pick<SearchAsk, "u" | "start"> & { readonly phase: EvaluationPhase })[],
  iteration: number,
): Promise<Evaluation[]> {
  const { targets, logged } = ctx;
  const R = targets.replications;
  const out: (Evaluation | null)[] = [];
  const toRun: { candidate: number; ask: (typeof asks)[number]; params: Record<string, number> }[] = [];
  let reused = 0;
  for (const ask of asks) {
    const candidate = ctx.evaluations.length + out.length;
    const params = valuesAt(targets.parameters, ask.u);
    const key = canonicalJson(params);
    const prior = logged.get(candidate);
    if (prior !== undefined) {
      if (canonicalJson(prior.params) !== key || prior.phase !== ask.phase) {
        throw new ConfigError(
          "--resume",
          ctx.logFile,
          `candidate ${candidate} was ${prior.phase} ${JSON.stringify(prior.params)}, the search now asks ${ask.phase} ${JSON.stringify(params)}: the log belongs to another calibration`,
        );
      }
      out.push(prior);
      ctx.resumed++;
      reused++;
      continue;
    }
    const same =
      ctx.byKey.get(key) ?? out.find((e): e is Evaluation => e !== null && canonicalJson(e.params) === key);
    if (same !== undefined) {
      out.push({
        ...same,
        candidate,
        iteration,
        phase: ask.phase,
        start: ask.start,
        u: [...ask.u],
        duplicateOf: same.duplicateOf ?? same.candidate,
      });
      reused++;
      continue;
    }
    out.push(null);
    toRun.push({ candidate, ask, params });
  }

  // Run what the log does not hold, skipping runs already in the part logs (an interrupted batch).
  const specs = new Map<number, RunSpec>();
  for (const { candidate, params } of toRun) {
    const point = candidatePoint(ctx, params);
    for (let r = 0; r < R; r++) {
      const runId = candidate * R + r;
      specs.set(runId, {
        runId,
        pointIndex: candidate,
        replication: r,
        seed: runSeed(ctx.seed, r),
        params: point.params,
        trades: false,
        durationNs: point.durationNs,
      });
    }
  }
  const have = new Set(listParts(ctx.partsDir).map((p) => p.runId));
  const runIds = [...specs.keys()].filter((id) => !have.has(id));
  if (runIds.length > 0) {
    const progress = ctx.options.progress ?? silentProgress;
    let done = 0;
    let failed = 0;
    progress.start(runIds.length);
    try {
      const stats = await ctx.pool.run({
        plan: ctx.basePlan,
        runIds,
        partsDir: ctx.partsDir,
        partLogPrefix: "calibrate",
        specOf: (id) => specs.get(id)!,
        runTimeoutMs: ctx.options.runTimeoutSec === undefined ? undefined : ctx.options.runTimeoutSec * 1000,
        onRun: (e) => {
          done++;
          if (e.status === "failed") failed++;
          progress.update(done, failed);
        },
      });
      ctx.runs += stats.ok + stats.failed;
      ctx.failedRuns += stats.failed;
    } finally {
      progress.stop();
    }
  }
  if (toRun.length > 0) {
    const rows = readRows(ctx, new Set(specs.keys()));
    for (const { candidate, ask, params } of toRun) {
      const runs = Array.from({ length: R }, (_, r) => rows.get(candidate * R + r));
      const okRuns = runs.filter((x): x is RunValues => x?.ok === true);
      const failedRuns = runs.filter((x) => x === undefined || !x.ok);
      const moments: MomentStat[] = targets.moments.map((m) =>
        momentStat(okRuns.map((x) => x.values.get(m.metric) ?? Number.NaN)),
      );
      const j =
        failedRuns.length > 0
          ? Number.POSITIVE_INFINITY
          : objective(
              moments.map((m) => m.mean),
              targets.moments,
            );
      const e: Evaluation = {
        candidate,
        iteration,
        phase: ask.phase,
        start: ask.start,
        u: [...ask.u],
        params,
        duplicateOf: null,
        ok: okRuns.length,
        failed: failedRuns.length,
        error: failedRuns.length > 0 ? (failedRuns[0]?.error ?? "run missing from the part logs") : null,
        moments,
        objective: j,
      };
      out[candidate - ctx.evaluations.length] = e;
    }
  }
  const batch = out as Evaluation[];
  appendEvaluations(
    ctx.logFile,
    batch.filter((e) => !logged.has(e.candidate)),
  );
  for (const e of batch) {
    ctx.evaluations.push(e);
    const key = canonicalJson(e.params);
    if (!ctx.byKey.has(key)) ctx.byKey.set(key, e);
  }
  const best = ctx.evaluations.reduce((a, b) => (rank(b.objective) < rank(a.objective) ? b : a));
  ctx.options.onIteration?.({
    iteration,
    phase: asks[0]?.phase ?? "design",
    candidates: batch.length,
    reused,
    evaluations: ctx.evaluations.length,
    maxEvaluations: targets.search.maxEvaluations,
    runs: ctx.runs,
    failedRuns: ctx.failedRuns,
    best,
    wallMs: performance.now() - ctx.t0,
  });
  return batch;
}

/** A candidate's full parameter point (fixed and default values, its values, derived ones) and duration. */
function candidatePoint(
  ctx: Context,
  values: Readonly<Record<string, number>>,
): { params: ParamPoint; durationNs: number } {
  const base: Record<string, RawValue> = {};
  for (const [k, spec] of Object.entries(ctx.basePlan.parameters)) {
    base[k] = Object.hasOwn(values, k) ? validateValue(`candidate.${k}`, spec, values[k]) : spec.default;
  }
  const params = Object.freeze({ ...base, ...ctx.derived.evaluate(base) });
  const d = ctx.experiment.durationNs;
  const durationNs = typeof d === "function" ? (d as (p: ParamPoint) => number)(params) : d;
  if (!(Number.isSafeInteger(durationNs) && durationNs > 0)) {
    throw new ConfigError(
      `experiment.durationNs at ${JSON.stringify(values)}`,
      durationNs,
      "must be a positive integer of ns",
    );
  }
  return { params, durationNs };
}

interface RunValues {
  readonly ok: boolean;
  readonly error: string | null;
  readonly values: ReadonlyMap<string, number>;
}

/** The target metrics of runs `runIds`, read from their part records' `runs` rows. */
function readRows(ctx: Context, runIds: ReadonlySet<number>): Map<number, RunValues> {
  const out = new Map<number, RunValues>();
  const reader = new PartReader();
  try {
    for (const ref of listParts(ctx.partsDir)) {
      if (!runIds.has(ref.runId)) continue;
      for (const b of RecordBatchReader.from(reader.read(ref))) {
        const ok = b.getChild("status")?.get(0) === "ok";
        if (ok && !ctx.metricsChecked) {
          const extras = b.schema.fields
            .filter((f) => f.metadata.get(ROLE_KEY) === "extra")
            .map((f) => f.name);
          checkMetrics(ctx.targets.moments, extras);
          ctx.metricsChecked = true;
        }
        const values = new Map<string, number>();
        for (const m of ctx.targets.moments) {
          const v = b.getChild(m.metric)?.get(0) as number | null | undefined;
          values.set(m.metric, typeof v === "number" ? v : Number.NaN);
        }
        out.set(ref.runId, { ok, error: (b.getChild("error")?.get(0) as string | null) ?? null, values });
        break;
      }
    }
  } finally {
    reader.close();
  }
  return out;
}

type Uncertainty = CalibrationResult["uncertainty"];

/** The finite-difference Jacobian at the best candidate and the sandwich standard errors. */
async function estimateUncertainty(ctx: Context, outcome: SearchOutcome): Promise<Uncertainty | "stopped"> {
  const { targets } = ctx;
  if (targets.uncertainty === null) return null;
  const best = ctx.evaluations[outcome.bestIndex]!;
  if (!Number.isFinite(best.objective)) return { omitted: "the best candidate has no finite objective" };
  const missing = targets.moments.find((m) => m.se === undefined);
  if (missing !== undefined) {
    return { omitted: `moment ${missing.metric} has a weight but no se: the targets' errors are unknown` };
  }
  const values = targets.parameters.map((p) => best.params[p.name]!);
  const points = stencil(targets.parameters, values, targets.uncertainty.step);
  if (ctx.options.signal?.aborted === true) return "stopped";
  const evaluated = await evaluateBatch(
    ctx,
    points.map((p) => ({ u: p.u, phase: "jacobian" as const, start: null })),
    outcome.iterations,
  );
  if (evaluated.some((e) => !Number.isFinite(e.objective))) {
    return { omitted: "a finite-difference candidate failed" };
  }
  const g = jacobian(
    targets.parameters,
    values,
    best.moments.map((m) => m.mean),
    points,
    evaluated.map((e) => targets.parameters.map((p) => e.params[p.name]!)),
    evaluated.map((e) => e.moments.map((m) => m.mean)),
  );
  const weights = targets.moments.map(weightOf);
  const variances = targets.moments.map((m, k) => m.se! ** 2 + best.moments[k]!.se ** 2);
  const s = sandwich(g, weights, variances);
  if (!s.ok) return { omitted: s.reason };
  const parameters: Record<string, ParameterUncertainty> = {};
  targets.parameters.forEach((p, i) => {
    const se = s.se[i]!;
    const x = p.log ? Math.log(values[i]!) : values[i]!;
    const back = (v: number) => (p.log ? Math.exp(v) : v);
    parameters[p.name] = {
      estimate: values[i]!,
      scale: p.log ? "log" : "linear",
      se,
      ci95: [back(x - 1.96 * se), back(x + 1.96 * se)],
    };
  });
  return {
    method:
      "SMM sandwich A⁻¹GᵀWΣWGA⁻¹, A = GᵀWG; G: finite differences of the replication means at the estimate " +
      `(step ${targets.uncertainty.step} of each range, common random numbers); ` +
      "Σ = diag(se_target² + se_sim²); local linear approximation",
    parameters,
    jacobian: g,
    covariance: s.covariance,
  };
}

function makeResult(
  ctx: Context,
  outcome: SearchOutcome,
  uncertainty: Uncertainty,
  configHash: string,
  file: string,
): CalibrationResult {
  const { targets } = ctx;
  const best = ctx.evaluations[outcome.bestIndex]!;
  const fin = (v: number) => (Number.isFinite(v) ? v : null);
  // Pin what the calibration pinned, and the experiment's swept parameters at the base point.
  const sweep = ctx.experiment.sweep;
  const swept =
    sweep === undefined
      ? []
      : sweep.kind === "grid"
        ? Object.keys(sweep.values)
        : sweep.ranges === undefined
          ? defaultDimensions(ctx.experiment.parameters)
          : Object.keys(sweep.ranges);
  const pinned: Record<string, RawValue> = {};
  for (const k of swept) pinned[k] = ctx.basePlan.parameters[k]!.default;
  Object.assign(pinned, ctx.basePlan.overrides);
  for (const p of targets.parameters) pinned[p.name] = best.params[p.name]!;
  const sets = Object.entries(pinned).map(([k, v]) => `--set ${k}=${String(v)}`);
  const seedArg = typeof ctx.seed === "number" ? String(ctx.seed) : JSON.stringify(ctx.seed);
  const rel = path.relative(process.cwd(), file) || file;
  return {
    format: "cascade-calibration-result/1",
    experiment: ctx.experiment.name,
    configHash,
    best: { candidate: best.candidate, params: best.params, objective: fin(best.objective) },
    moments: targets.moments.map((m: TargetMoment, k) => {
      const sim = best.moments[k]!;
      const w = weightOf(m);
      return {
        metric: m.metric,
        target: m.target,
        se: m.se ?? null,
        weight: w,
        source: m.source,
        simulated: fin(sim.mean),
        simulatedSe: fin(sim.se),
        z: m.se === undefined ? null : fin((sim.mean - m.target) / m.se),
        contribution: fin(w * (sim.mean - m.target) ** 2),
      };
    }),
    degreesOfFreedom: targets.moments.length - targets.parameters.length,
    uncertainty,
    search: {
      evaluations: outcome.evaluations,
      iterations: outcome.iterations,
      stopped: outcome.stopped,
      replications: targets.replications,
      seed: ctx.seed,
    },
    reproduce: `pnpm cascade run ${rel} --seed ${seedArg} --runs ${targets.replications} ${sets.join(" ")}`,
  };
}

/** Reads and parses the targets file. @throws {@link @cascade/core!ConfigError} naming the file. */
function readTargetsJson(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    throw new ConfigError("--targets", file, "no such file");
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new ConfigError("--targets", file, `is not JSON (${(e as Error).message})`);
  }
}

function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

function rank(v: number): number {
  return Number.isNaN(v) ? Number.POSITIVE_INFINITY : v;
}
