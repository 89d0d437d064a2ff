/**
 * `cascade check`: catches a broken experiment before any run starts. Type-checks the experiment
 * file and the files it imports relatively (its helpers and agents, e.g. `experiments/lib/`), then
 * builds the world of each sweep point once — `build(params)` and the world's construction,
 * without running it. `cascade run` does the same before it starts its workers, so a typo in
 * `build` fails at once with `file:line`, not as every run failing.
 *
 * @module
 */

import os from "node:os";
import path from "node:path";
import { CascadeError } from "@cascade/core";
import type { RunPlan } from "./plan.ts";
import { RunnerPool } from "./pool.ts";
import { experimentSources } from "./sources.ts";
import type { ParamPoint } from "./sweep.ts";

/** Sweep points whose worlds a check builds, at most; larger sweeps build an even spread of them. */
export const MAX_CHECKED_POINTS = 200;

/** One type error, e.g. `experiments/x.ts:42:17: error TS2551: Property 'whaleBtcc' does not exist…`. */
export interface TypeDiagnostic {
  /** File (relative to the working directory), or `null` for a global diagnostic. */
  readonly file: string | null;
  /** 1-based line and column (0 when there is no file). */
  readonly line: number;
  readonly column: number;
  /** `TS<code>: <message>` (the first line of a chained message). */
  readonly message: string;
}

/** What a check found out. */
export interface CheckResult {
  /** Files type-checked (the experiment and its relative imports), relative to the working directory. */
  readonly checkedFiles: readonly string[];
  /** Points whose worlds were built, and the sweep's points. */
  readonly builtPoints: number;
  readonly points: number;
  /** Wall time of the type check and of the builds, ms. */
  readonly typeCheckMs: number;
  readonly buildMs: number;
}

/**
 * A check that failed: type errors, or a world that does not build. `lines` has one line per
 * problem (`file:line:col: …`); the message is the first with a count of the others.
 */
export class ExperimentCheckError extends CascadeError {
  /** Every problem, one line each. */
  readonly lines: readonly string[];
  constructor(lines: readonly string[], hint = "") {
    const more = lines.length > 1 ? ` (and ${lines.length - 1} more${hint})` : "";
    super("check", `${lines[0]}${more}`);
    this.lines = lines;
  }
}

/** Options of {@link checkExperiment}. */
export interface CheckOptions {
  /** Type-check the experiment's files (default true). */
  readonly typeCheck?: boolean;
  /** Workers to build the worlds on (default: a new pool of `workers` threads, stopped after). */
  readonly pool?: RunnerPool;
  /** Threads of the pool made when `pool` is not given (default: one per core, at most one per point). */
  readonly workers?: number;
  /** Time limit of one world's build, ms (default one hour, as a run's). */
  readonly buildTimeoutMs?: number;
}

/**
 * Type-checks the experiment file of `plan` (and its relative imports), then builds each point's
 * world once (up to {@link MAX_CHECKED_POINTS}, spread evenly over the sweep) on worker threads:
 * a build that hangs or exits the process is caught like in a run.
 * @throws {@link ExperimentCheckError} listing the type errors, or naming the first point whose
 * world fails to build with the error and the `file:line` it was thrown at.
 */
export async function checkExperiment(
  plan: RunPlan,
  file: string,
  options: CheckOptions = {},
): Promise<CheckResult> {
  const t0 = performance.now();
  const indices = checkedPointIndices(plan.points.length);
  // The workers load while the files type-check.
  const pool =
    options.pool ??
    new RunnerPool({
      experimentFile: file,
      workers: Math.max(1, Math.min(options.workers ?? os.availableParallelism(), indices.length)),
    });
  let checkedFiles: string[] = [];
  let t1 = t0;
  try {
    checkedFiles = options.typeCheck === false ? [] : await typeCheckExperiment(file);
    t1 = performance.now();
    await checkBuilds(plan, file, pool, options.buildTimeoutMs ?? 3_600_000, indices);
  } finally {
    if (options.pool === undefined) await pool.destroy();
  }
  return {
    checkedFiles,
    builtPoints: indices.length,
    points: plan.points.length,
    typeCheckMs: t1 - t0,
    buildMs: performance.now() - t1,
  };
}

/**
 * Type-checks an experiment file and the files it imports relatively; resolves with their names
 * (relative to the working directory).
 * @throws {@link ExperimentCheckError} with one line per type error.
 */
export async function typeCheckExperiment(file: string): Promise<string[]> {
  const locals = experimentSources(file)
    .filter((s) => s.local)
    .map((s) => s.file);
  const diagnostics = await typeCheck(locals);
  if (diagnostics.length > 0) {
    throw new ExperimentCheckError(diagnostics.map(formatDiagnostic), "; cascade check lists them");
  }
  return locals.map(rel);
}

/**
 * Builds the worlds of points `indices` of `plan` on `pool` (each within `timeoutMs`).
 * @throws {@link ExperimentCheckError} naming the first point that fails, where and why.
 */
export async function checkBuilds(
  plan: RunPlan,
  file: string,
  pool: RunnerPool,
  timeoutMs: number,
  indices: readonly number[] = checkedPointIndices(plan.points.length),
): Promise<void> {
  const failures = await pool.buildPoints(plan, indices, timeoutMs);
  if (failures.length === 0) return;
  throw new ExperimentCheckError(
    failures.map((f) => {
      const where = throwSite(f.stack, file);
      return `${where === null ? "" : `${where}: `}the world of point ${f.point} (${describePoint(plan.points[f.point]!, plan)}) does not build: ${f.error}`;
    }),
    failures.length > 1 ? " points that do not build" : "",
  );
}

/** The point indices a check builds: all, or {@link MAX_CHECKED_POINTS} spread evenly (first and last included). */
export function checkedPointIndices(points: number, max = MAX_CHECKED_POINTS): number[] {
  if (points <= max) return Array.from({ length: points }, (_, i) => i);
  const out = new Set<number>();
  for (let k = 0; k < max; k++) out.add(Math.round((k * (points - 1)) / (max - 1)));
  return [...out];
}

/** `file:line:col: error TS…` */
export function formatDiagnostic(d: TypeDiagnostic): string {
  return d.file === null ? `error ${d.message}` : `${d.file}:${d.line}:${d.column}: error ${d.message}`;
}

/**
 * Type errors of `files` (syntax and semantics), checked with the compiler options of the
 * tsconfig.json nearest to the first file (strict defaults when there is none). Only these files'
 * own diagnostics are reported: the packages they import are type-checked by `pnpm typecheck`.
 */
export async function typeCheck(files: readonly string[]): Promise<TypeDiagnostic[]> {
  if (files.length === 0) return [];
  const ts = (await import("typescript")).default;
  const dir = path.dirname(files[0]!);
  const configPath = ts.findConfigFile(dir, ts.sys.fileExists);
  let options: import("typescript").CompilerOptions = {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    strict: true,
    allowImportingTsExtensions: true,
  };
  if (configPath !== undefined) {
    const read = ts.readConfigFile(configPath, ts.sys.readFile);
    if (read.config !== undefined) {
      options = ts.parseJsonConfigFileContent(read.config, ts.sys, path.dirname(configPath)).options;
    }
  }
  const program = ts.createProgram([...files], {
    ...options,
    noEmit: true,
    composite: false,
    declaration: false,
    declarationMap: false,
    incremental: false,
    tsBuildInfoFile: undefined,
    skipLibCheck: true,
  });
  const out: TypeDiagnostic[] = [];
  for (const f of files) {
    const sf = program.getSourceFile(f);
    if (sf === undefined) continue;
    for (const d of [...program.getSyntacticDiagnostics(sf), ...program.getSemanticDiagnostics(sf)]) {
      const text = ts.flattenDiagnosticMessageText(d.messageText, "\n").split("\n")[0]!;
      if (d.file === undefined || d.start === undefined) {
        out.push({ file: null, line: 0, column: 0, message: `TS${d.code}: ${text}` });
        continue;
      }
      const { line, character } = d.file.getLineAndCharacterOfPosition(d.start);
      out.push({
        file: rel(d.file.fileName),
        line: line + 1,
        column: character + 1,
        message: `TS${d.code}: ${text}`,
      });
    }
  }
  return out;
}

/** The point's swept parameters, `name=value, …` (all parameters when nothing is swept). */
function describePoint(point: ParamPoint, plan: RunPlan): string {
  const sw = plan.sweep;
  const keys =
    sw === undefined
      ? []
      : sw.kind === "grid"
        ? Object.keys(sw.values)
        : Object.keys(sw.ranges ?? {}).length > 0
          ? Object.keys(sw.ranges ?? {})
          : Object.keys(plan.parameters).filter((k) => plan.parameters[k]!.kind === "number");
  const shown = keys.length > 0 ? keys : [];
  return shown.length === 0 ? "the defaults" : shown.map((k) => `${k}=${String(point[k])}`).join(", ");
}

/**
 * The `file:line:col` an error (its `stack`) was thrown at: the first stack frame in a file of the repository
 * outside `node_modules`, preferring the experiment's own directory tree.
 */
export function throwSite(stack: string | null, experimentFile: string): string | null {
  if (stack === null) return null;
  const frames: string[] = [];
  for (const m of stack.matchAll(/(?:\(|at )(?:file:\/\/)?(\/[^():\s]+):(\d+):(\d+)\)?/g)) {
    if (m[1]!.includes("/node_modules/")) continue;
    frames.push(`${m[1]}:${m[2]}:${m[3]}`);
  }
  const own = path.dirname(path.resolve(experimentFile)) + path.sep;
  const pick = frames.find((f) => f.startsWith(own)) ?? frames[0];
  if (pick === undefined) return null;
  const [, f, l, c] = /^(.*):(\d+):(\d+)$/.exec(pick)!;
  return `${rel(f!)}:${l}:${c}`;
}

function rel(f: string): string {
  return path.relative(process.cwd(), f) || f;
}
