/**
 * `pnpm validate`: runs the validation scenarios (seeded, ≥ 10 replications each), measures every
 * criterion of `validation/targets.json` with a 95 % confidence interval over seeds, writes
 * `validation/latest.json` and `validation/latest.html`, and exits 1 when a gating criterion fails.
 *
 * ```
 * pnpm validate                    # the full suite (10 seeds per scenario)
 * pnpm validate --fast             # 2 seeds, 20k accounts, 30-minute quiet runs (what `pnpm test` runs)
 * pnpm validate --seeds 20 --workers 2 --out validation
 * pnpm validate --keep-runs        # keep the scenarios' Arrow files under .cascade-out/validate/
 * pnpm validate --set fundRules=first-model   # a flagship parameter changed in every scenario
 * pnpm validate --scenario october --seeds 4   # one scenario's criteria only (writes latest-october.*)
 * ```
 *
 * Scenarios: `quiet` and `crash` (the `flash-crash` flagship's world) and `october` (the
 * `october-2025` flagship, liquidations on only; not in `--fast`, whose runs `pnpm test` pays for).
 *
 * @module
 */

import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { autocorrelation, hillTailIndex, readResults, summarize } from "@cascade/analysis";
import { runExperiment } from "@cascade/runner";
import { crashMetrics, quietMetrics, type RunMetrics } from "./metrics.ts";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, "../..");

/** The validation scenarios, each a file `experiments/validation/<name>.ts`, in the order they run. */
export const SCENARIOS = ["quiet", "crash", "october"] as const;

/** A validation scenario's name. */
export type ScenarioName = (typeof SCENARIOS)[number];

/** One criterion of `validation/targets.json`. */
export interface Criterion {
  readonly id: string;
  readonly scenario: ScenarioName;
  readonly metric: string;
  readonly min?: number;
  readonly max?: number;
  readonly unit?: string;
  readonly what: string;
  readonly source: string;
  /** Crash scenario: which arm (`on` = liquidations enabled). */
  readonly arm?: "on" | "off";
  /** Ratio of the metric, liquidations on ÷ off, paired by replication. */
  readonly paired?: boolean;
  /** Computed once over every run's returns (not a mean over runs). */
  readonly pooled?: boolean;
  /** `false`: reported, never failed on. */
  readonly gate?: boolean;
  /**
   * `"worst"`: the value is the worst run's (the largest against a `max`, the smallest against a
   * `min`) instead of the mean over runs, for properties that must hold in every run: a calm
   * market that melts down in one seed of ten still has a calm mean.
   */
  readonly aggregate?: "worst";
}

/** The measured outcome of one criterion. */
export interface Outcome extends Criterion {
  readonly value: number;
  readonly ciLow: number;
  readonly ciHigh: number;
  readonly n: number;
  readonly pass: boolean;
}

/** Options of {@link validate}. */
export interface ValidateOptions {
  readonly seeds?: number;
  readonly fast?: boolean;
  readonly workers?: number;
  readonly outDir?: string;
  readonly log?: (line: string) => void;
  /** Keep the scenarios' run directories (Arrow files) under `.cascade-out/validate/`. Default false. */
  readonly keepRuns?: boolean;
  /** Flagship parameters set in every scenario (as `--set name=value`), e.g. to measure a model change before and after. */
  readonly set?: Readonly<Record<string, string>>;
  /**
   * Run only these scenarios and measure only their criteria; the files are then named
   * `latest-<names>.json` (`latest-fast-<names>` with `fast`), so a partial run never replaces the full page.
   * Default: every scenario (`--fast`: quiet and crash).
   */
  readonly scenarios?: readonly ScenarioName[];
}

/** What {@link validate} measured. */
export interface ValidationReport {
  readonly createdAt: string;
  readonly seeds: number;
  readonly fast: boolean;
  readonly outcomes: readonly Outcome[];
  readonly runs: Record<
    string,
    { runId: number; arm?: string; replication: number; values: Record<string, number> }[]
  >;
  readonly passed: boolean;
}

interface ScenarioRuns {
  readonly metrics: { runId: number; replication: number; liquidations: boolean; m: RunMetrics }[];
}

async function runScenario(
  name: ScenarioName,
  opts: Required<Pick<ValidateOptions, "seeds" | "fast">> & ValidateOptions,
  scratch: string,
): Promise<ScenarioRuns> {
  const overrides: Record<string, string | number | boolean> = { ...opts.set };
  if (opts.fast) {
    overrides.retailAccounts = 20_000;
    if (name === "quiet") overrides.durationMinutes = 30;
  }
  const out = path.join(scratch, name);
  const log = opts.log ?? (() => {});
  const t0 = performance.now(); // wall-clock ok: progress display only
  const res = await runExperiment({
    experimentFile: path.join(HERE, `${name}.ts`),
    out,
    replications: opts.seeds,
    overrides,
    workers: opts.workers,
  });
  log(
    `${name}: ${res.manifest.runs.ok} ok, ${res.manifest.runs.failed} failed in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
  );
  const results = readResults(out);
  const metrics: ScenarioRuns["metrics"] = [];
  for (const r of results.runRecords()) {
    if (r.status !== "ok") throw new Error(`validation run ${name}#${r.runId} failed: ${r.error}`);
    const input = {
      timeseries: results.timeseriesOf(r.runId),
      liquidations: results.liquidationsOf(r.runId),
      params: r.params,
      summary: r.metrics,
    };
    const m = name === "quiet" ? quietMetrics(input) : crashMetrics(input);
    metrics.push({
      runId: r.runId,
      replication: r.replication,
      liquidations: r.params.liquidationsEnabled !== false,
      m,
    });
  }
  return { metrics };
}

function within(c: Criterion, v: number): boolean {
  if (!Number.isFinite(v)) return false;
  return (c.min === undefined || v >= c.min) && (c.max === undefined || v <= c.max);
}

/** Pooled facts of 1-minute returns over every quiet run (each run standardised by its own σ). */
function pooled(metric: string, runs: ScenarioRuns): { value: number; lo: number; hi: number; n: number } {
  const rs = runs.metrics.map((x) => x.m.returns1m).filter((r) => r.length > 25);
  if (metric === "hill_1m") {
    const all: number[] = [];
    for (const r of rs) {
      const sd = Math.sqrt(r.reduce((s, v) => s + v * v, 0) / r.length);
      if (sd > 0) for (const v of r) all.push(v / sd);
    }
    const h = hillTailIndex(all, { fraction: 0.1 });
    return {
      value: h.alpha,
      lo: h.alpha - 1.96 * h.stdError,
      hi: h.alpha + 1.96 * h.stdError,
      n: all.length,
    };
  }
  const lags = metric === "max_abs_acf_r_1_20" ? 20 : 1;
  const mean = new Float64Array(lags + 1);
  let total = 0;
  for (const r of rs) {
    const x = metric === "acf_abs_r_1" ? r.map(Math.abs) : r;
    const acf = autocorrelation(x, lags);
    for (let l = 1; l <= lags; l++) mean[l] += (acf[l]! * r.length) as number;
    total += r.length;
  }
  let value = metric === "acf_abs_r_1" ? mean[1]! / total : 0;
  if (metric === "max_abs_acf_r_1_20")
    for (let l = 1; l <= lags; l++) value = Math.max(value, Math.abs(mean[l]! / total));
  // Under no autocorrelation each lag's estimate has standard error ≈ 1/√N.
  const se = 1 / Math.sqrt(Math.max(1, total));
  return { value, lo: value - 1.96 * se, hi: value + 1.96 * se, n: total };
}

/** Measures one criterion on its scenario's runs. */
export function measure(c: Criterion, runs: ScenarioRuns): Outcome {
  let value: number;
  let lo: number;
  let hi: number;
  let n: number;
  if (c.pooled) {
    ({ value, lo, hi, n } = pooled(c.metric, runs));
  } else {
    let xs: number[];
    if (c.paired) {
      const on = new Map<number, number>();
      const off = new Map<number, number>();
      for (const r of runs.metrics) (r.liquidations ? on : off).set(r.replication, r.m.values[c.metric]!);
      xs = [];
      for (const [rep, a] of on) {
        const b = off.get(rep);
        if (b !== undefined && b > 0) xs.push(a / b);
      }
    } else {
      xs = runs.metrics
        .filter((r) => c.arm === undefined || r.liquidations === (c.arm === "on"))
        .map((r) => r.m.values[c.metric]!);
    }
    const s = summarize(xs);
    // A run that could not be measured (NaN) counts against the criterion: report it as such.
    // (+∞, e.g. a percentile over a book with an empty side, makes the mean +∞).
    const worst = c.max !== undefined ? Math.max(...xs) : Math.min(...xs);
    value = xs.some((x) => x === Number.POSITIVE_INFINITY)
      ? Number.POSITIVE_INFINITY
      : xs.some((x) => Number.isNaN(x))
        ? Number.NaN
        : c.aggregate === "worst"
          ? worst
          : s.mean;
    // For the worst run, the interval shown is the range over runs.
    lo = c.aggregate === "worst" ? Math.min(...xs) : s.ciLow;
    hi = c.aggregate === "worst" ? Math.max(...xs) : s.ciHigh;
    n = xs.length;
  }
  return { ...c, value, ciLow: lo, ciHigh: hi, n, pass: within(c, value) };
}

/** Runs the validation suite and writes its JSON and HTML pages into `outDir`. */
export async function validate(options: ValidateOptions = {}): Promise<ValidationReport> {
  const fast = options.fast ?? false;
  const seeds = options.seeds ?? (fast ? 2 : 10);
  const outDir = options.outDir ?? path.join(ROOT, "validation");
  const targets = JSON.parse(readFileSync(path.join(ROOT, "validation/targets.json"), "utf8")) as {
    sources: Record<string, string>;
    criteria: Criterion[];
  };
  const scratch = path.join(ROOT, ".cascade-out", "validate", `${process.pid}-${Date.now()}`); // wall-clock ok
  mkdirSync(scratch, { recursive: true });
  const opts = { ...options, seeds, fast };
  const names = options.scenarios ?? SCENARIOS.filter((s) => !(fast && s === "october"));
  for (const name of names) {
    if (!SCENARIOS.includes(name))
      throw new Error(`scenario ${JSON.stringify(name)}: must be one of ${SCENARIOS.join(", ")}`);
  }
  const scenarios: Partial<Record<ScenarioName, ScenarioRuns>> = {};
  for (const name of SCENARIOS)
    if (names.includes(name)) scenarios[name] = await runScenario(name, opts, scratch);
  // The fast subset's quiet runs are too short to decide the pooled stylized facts.
  const criteria = targets.criteria.filter((c) => names.includes(c.scenario) && !(fast && c.pooled));
  const outcomes = criteria.map((c) => measure(c, scenarios[c.scenario]!));
  const report: ValidationReport = {
    createdAt: new Date().toISOString(), // wall-clock ok
    seeds,
    fast,
    outcomes,
    runs: Object.fromEntries(
      Object.entries(scenarios).map(([k, s]) => [
        k,
        s.metrics.map((r) => ({
          runId: r.runId,
          replication: r.replication,
          ...(k === "crash" ? { arm: r.liquidations ? "on" : "off" } : {}),
          values: r.m.values,
        })),
      ]),
    ),
    passed: outcomes.every((o) => o.pass || o.gate === false),
  };
  mkdirSync(outDir, { recursive: true });
  const subset = options.scenarios === undefined ? "" : `-${names.join("-")}`;
  const base = `${fast ? "latest-fast" : "latest"}${subset}`;
  writeFileSync(path.join(outDir, `${base}.json`), `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(path.join(outDir, `${base}.html`), renderHtml(report, targets.sources));
  if (options.keepRuns) options.log?.(`runs kept in ${scratch}`);
  else rmSync(scratch, { recursive: true, force: true });
  return report;
}

function fmt(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  return a !== 0 && (a < 0.01 || a >= 1e5) ? v.toExponential(2) : v.toFixed(a < 1 ? 3 : 2);
}

function bounds(o: Criterion): string {
  if (o.min !== undefined && o.max !== undefined) return `[${o.min}, ${o.max}]`;
  return o.min !== undefined ? `≥ ${o.min}` : `≤ ${o.max}`;
}

/** One line per criterion: verdict, id, value [CI] against the bounds. */
export function formatOutcome(o: Outcome): string {
  const verdict = o.pass ? "pass" : o.gate === false ? "info" : "FAIL";
  return `${verdict.padEnd(4)}  ${o.id.padEnd(34)} ${fmt(o.value).padStart(9)} [${fmt(o.ciLow)}, ${fmt(o.ciHigh)}] ${o.unit ?? ""}  target ${bounds(o)}  (n=${o.n})`;
}

function esc(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

function renderHtml(r: ValidationReport, sources: Record<string, string>): string {
  const rows = r.outcomes
    .map((o) => {
      const verdict = o.pass ? "pass" : o.gate === false ? "info" : "fail";
      return `<tr class="${verdict}"><td>${verdict}</td><td>${esc(o.id)}</td><td>${esc(o.what)}</td><td>${fmt(o.value)} ${esc(o.unit ?? "")}</td><td>[${fmt(o.ciLow)}, ${fmt(o.ciHigh)}]</td><td>${esc(bounds(o))}</td><td>${o.n}</td><td>${esc(o.source)}</td></tr>`;
    })
    .join("\n");
  const refs = Object.entries(sources)
    .map(([k, v]) => `<li><b>${esc(k)}</b>: ${esc(v)}</li>`)
    .join("\n");
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>cascade validation</title>
<style>body{font-family:system-ui,sans-serif;margin:2em;max-width:80em}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.3em .5em;font-size:.9em}tr.pass td:first-child{background:#cfc}tr.fail td:first-child{background:#fcc}tr.info td:first-child{background:#eee}</style></head><body>
<h1>cascade validation</h1>
<p>${esc(r.createdAt)} · ${r.seeds} seeds per scenario${r.fast ? " (fast subset)" : ""} · <b>${r.passed ? "all gating criteria pass" : "some gating criteria fail"}</b>. 95 % confidence intervals over seeds (Student t); pooled facts use the estimator's own standard error; worst-seed criteria show the range over seeds. Scenarios: <code>experiments/validation/</code>; targets and sources: <code>validation/targets.json</code>.</p>
<table><tr><th>verdict</th><th>criterion</th><th>what</th><th>value</th><th>95 % CI</th><th>target</th><th>n</th><th>source</th></tr>
${rows}
</table><h2>Sources</h2><ul>${refs}</ul></body></html>
`;
}

async function main(argv: string[]): Promise<number> {
  const opts: {
    seeds?: number;
    fast?: boolean;
    workers?: number;
    outDir?: string;
    keepRuns?: boolean;
    set?: Record<string, string>;
    scenarios?: ScenarioName[];
  } = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const next = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === "--fast") opts.fast = true;
    else if (a === "--keep-runs") opts.keepRuns = true;
    else if (a === "--seeds") opts.seeds = positiveInt(a, next());
    else if (a === "--workers") opts.workers = positiveInt(a, next());
    else if (a === "--out") opts.outDir = path.resolve(next());
    else if (a === "--scenario") {
      const name = next();
      if (!(SCENARIOS as readonly string[]).includes(name)) {
        throw new Error(`--scenario ${JSON.stringify(name)}: must be one of ${SCENARIOS.join(", ")}`);
      }
      opts.scenarios = [...(opts.scenarios ?? []), name as ScenarioName];
    } else if (a === "--set") {
      const kv = next();
      const eq = kv.indexOf("=");
      if (eq <= 0) throw new Error(`--set ${JSON.stringify(kv)}: must be name=value`);
      opts.set = { ...opts.set, [kv.slice(0, eq)]: kv.slice(eq + 1) };
    } else if (a === "--help" || a === "-h") {
      console.log(
        `usage: pnpm validate [--fast] [--seeds N] [--workers N] [--out DIR] [--keep-runs] [--set name=value]… [--scenario ${SCENARIOS.join("|")}]…`,
      );
      return 0;
    } else {
      console.error(`validate: unknown option ${a} (see --help)`);
      return 2;
    }
  }
  const report = await validate({ ...opts, log: (l) => console.error(l) });
  for (const o of report.outcomes) console.log(formatOutcome(o));
  console.log(report.passed ? "validation: all gating criteria pass" : "validation: FAILED");
  return report.passed ? 0 : 1;
}

function positiveInt(flag: string, v: string): number {
  const n = Number(v);
  if (!(Number.isInteger(n) && n > 0))
    throw new Error(`${flag} = ${JSON.stringify(v)}: must be a positive integer`);
  return n;
}

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e: unknown) => {
      console.error(`validate: ${e instanceof Error ? e.message : String(e)}`);
      process.exit(2);
    },
  );
}
