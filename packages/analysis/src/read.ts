/**
 * Reading one experiment's output folder: `runs.arrow`, `timeseries.arrow`, `liquidations.arrow`,
 * `trades.arrow` when the runs recorded trades (Arrow IPC *file* format) and `manifest.json`. This is the only module that touches the file
 * system for input; everything downstream works on plain columns.
 *
 * @module
 */

import { existsSync, readFileSync } from "node:fs";
import { basename, join } from "node:path";
import {
  BOOKKEEPING_COLUMNS,
  DESCRIPTION_KEY,
  isColumnRole,
  METRIC_ROLES,
  PARAMETER_ROLES,
  ROLE_KEY,
  SUMMARY_METRIC_NAMES,
  SUMMARY_METRICS,
  UNIT_KEY,
} from "@cascade/schema";
import { DataType, type Table, tableFromArrays, tableFromIPC, type Vector } from "apache-arrow";

/**
 * The summary metrics every run reports and what they mean, with their unit (from the output
 * contract, `@cascade/schema`).
 */
export const SUMMARY_METRIC_DESCRIPTIONS: Readonly<Record<string, string>> = Object.freeze(
  Object.fromEntries(
    SUMMARY_METRIC_NAMES.map((m) => [m, `${SUMMARY_METRICS[m].description} [${SUMMARY_METRICS[m].unit}]`]),
  ),
);

/** Names of the summary metrics every run reports, in the recorder's order. */
export const KNOWN_SUMMARY_METRICS: readonly string[] = SUMMARY_METRIC_NAMES;

/** Bookkeeping columns of `runs.arrow` that are neither parameters nor metrics. */
export const RUN_ID_COLUMNS: readonly string[] = Object.freeze(Object.keys(BOOKKEEPING_COLUMNS));

/** `manifest.json` as written by the runner. Only the fields the report uses are typed; the rest pass through. */
export interface Manifest {
  /** Experiment name (the report title). */
  readonly name?: string;
  /** The runner's form: `{ name, description, file }` (or a bare name). */
  readonly experiment?: string | { readonly name?: string; readonly description?: string };
  /** One-paragraph description shown under the title. */
  readonly description?: string;
  /** Base seed of the experiment. */
  readonly seed?: number | string;
  /** Anything else the runner wrote (parameter space, timestamps, versions…). */
  readonly [key: string]: unknown;
}

/** A parameter value as it appears in `runs.arrow`. */
export type ParamValue = number | string | boolean;

/** One row of `runs.arrow`, split into identity, parameters and metrics. */
export interface RunRecord {
  /** `run_id` column. */
  readonly runId: number;
  /** `seed` column as text (the runner's seeds are 32 hex digits; `""` when absent). */
  readonly seed: string;
  /** `point_index` column: which point of the parameter space (0 when absent). */
  readonly pointIndex: number;
  /** `replication` column: which replication of the point (0 when absent). */
  readonly replication: number;
  /** `"ok"` or `"failed"` (`"ok"` when the column is absent). */
  readonly status: string;
  /** Error message of a failed run, else `""`. */
  readonly error: string;
  /** Parameter values of this run, by column name. */
  readonly params: Readonly<Record<string, ParamValue>>;
  /** Numeric summary metrics (NaN where null), by column name. */
  readonly metrics: Readonly<Record<string, number>>;
  /** Fingerprint of the run's trace. */
  readonly traceHash: string;
  /** Wall-clock time of the run, ms (NaN when absent). */
  readonly wallMs: number;
}

/** Unit and meaning of a metric column, from its field metadata. */
export interface MetricInfo {
  /** `cascade.unit`, e.g. `"s"`, `"quote"`, `"count"`. */
  readonly unit?: string;
  /** `cascade.description`. */
  readonly description?: string;
}

/** Options of {@link readResults}. */
export interface ReadOptions {
  /**
   * Names of the parameter columns of `runs.arrow`. Default: the columns whose field metadata
   * `cascade.role` is `param` or `derived` (the runner writes a role on every column); only for a
   * table without roles, a guess (see {@link classifyRunColumns}).
   */
  readonly parameters?: readonly string[];
}

/** Columns of one table restricted to one run: name → values as Float64 (nulls → NaN). */
export type Columns = Record<string, Float64Array>;

/**
 * An experiment's results, read into memory.
 *
 * @example
 * ```ts
 * const res = readResults("out/crash-sweep");
 * for (const run of res.runRecords()) console.log(run.runId, run.metrics.max_drawdown);
 * const ts = res.timeseriesOf(0); // { time_s: Float64Array, mark: Float64Array, … }
 * ```
 */
export class ExperimentResults {
  /** The folder the files were read from. */
  readonly dir: string;
  /** Contents of `manifest.json` (`{}` when absent). */
  readonly manifest: Manifest;
  /** `runs.arrow`: one row per run. */
  readonly runs: Table;
  /** `timeseries.arrow`: sampled recorder columns of every run, with `run_id`. */
  readonly timeseries: Table;
  /** `liquidations.arrow`: every liquidation step of every run, with `run_id`. */
  readonly liquidations: Table;
  /**
   * `trades.arrow`: every execution of every run, with `run_id` (who traded with whom; see the
   * output-schema guide). Empty when the runs did not record trades.
   */
  readonly trades: Table;
  /** Parameter columns of `runs.arrow`, in file order. */
  readonly parameterNames: readonly string[];
  /** Numeric metric columns of `runs.arrow` (known summary metrics first, then experiment extras). */
  readonly metricNames: readonly string[];
  private records: RunRecord[] | undefined;
  private readonly rowIndex = new Map<Table, Map<number, Int32Array>>();
  private readonly colCache = new Map<Table, Map<string, Float64Array>>();

  /** Wraps already-loaded tables (use {@link readResults} to read a folder). */
  constructor(
    dir: string,
    manifest: Manifest,
    runs: Table,
    timeseries: Table,
    liquidations: Table,
    options: ReadOptions = {},
    trades: Table = tableFromArrays({ run_id: new Int32Array(0) }),
  ) {
    this.dir = dir;
    this.manifest = manifest;
    this.runs = runs;
    this.timeseries = timeseries;
    this.liquidations = liquidations;
    this.trades = trades;
    const cls = classifyRunColumns(runs, manifest, options.parameters);
    this.parameterNames = cls.parameters;
    this.metricNames = cls.metrics;
  }

  /**
   * Unit and description of each metric column of `runs.arrow`, from its field metadata
   * (`cascade.unit`, `cascade.description`: the experiment's `metrics` declarations and the
   * simulator's summary metrics); metrics without metadata are left out.
   */
  get metricInfo(): Readonly<Record<string, MetricInfo>> {
    const out: Record<string, MetricInfo> = {};
    for (const f of this.runs.schema.fields) {
      if (!this.metricNames.includes(f.name)) continue;
      const unit = f.metadata.get(UNIT_KEY);
      const description = f.metadata.get(DESCRIPTION_KEY);
      if (unit === undefined && description === undefined) continue;
      out[f.name] = {
        ...(unit === undefined ? {} : { unit }),
        ...(description === undefined ? {} : { description }),
      };
    }
    return out;
  }

  /** Title for reports: the manifest's experiment name, else the folder name. */
  get title(): string {
    const m = this.manifest;
    if (typeof m.name === "string" && m.name) return m.name;
    if (typeof m.experiment === "string" && m.experiment) return m.experiment;
    if (typeof m.experiment === "object" && m.experiment !== null && typeof m.experiment.name === "string") {
      return m.experiment.name;
    }
    return basename(this.dir);
  }

  /** The experiment's description from the manifest, or `""`. */
  get description(): string {
    const m = this.manifest;
    if (typeof m.description === "string") return m.description;
    if (
      typeof m.experiment === "object" &&
      m.experiment !== null &&
      typeof m.experiment.description === "string"
    ) {
      return m.experiment.description;
    }
    return "";
  }

  /** Every row of `runs.arrow` as a {@link RunRecord}, in file order. */
  runRecords(): readonly RunRecord[] {
    if (this.records) return this.records;
    const t = this.runs;
    const n = t.numRows;
    const num = (name: string, fallback: number) => {
      const c = t.getChild(name);
      return c ? toFloat64(c) : new Float64Array(n).fill(fallback);
    };
    const str = (name: string, fallback: string) => {
      const c = t.getChild(name);
      return (i: number) => {
        const v = c?.get(i);
        return v === null || v === undefined ? fallback : String(v);
      };
    };
    const runId = num("run_id", Number.NaN);
    const seed = str("seed", "");
    const point = num("point_index", 0);
    const rep = num("replication", 0);
    const wall = num("wall_ms", Number.NaN);
    const status = str("status", "ok");
    const error = str("error", "");
    const hash = str("trace_hash", "");
    const metricCols = this.metricNames.map((m) => [m, toFloat64(t.getChild(m)!)] as const);
    const paramCols = this.parameterNames.map((p) => [p, t.getChild(p)!] as const);
    const out: RunRecord[] = [];
    for (let i = 0; i < n; i++) {
      const params: Record<string, ParamValue> = {};
      for (const [p, c] of paramCols) params[p] = toParamValue(c.get(i));
      const metrics: Record<string, number> = {};
      for (const [m, c] of metricCols) metrics[m] = c[i]!;
      out.push({
        runId: Number.isNaN(runId[i]!) ? i : runId[i]!,
        seed: seed(i),
        pointIndex: point[i]!,
        replication: rep[i]!,
        status: status(i),
        error: error(i),
        params,
        metrics,
        traceHash: hash(i),
        wallMs: wall[i]!,
      });
    }
    this.records = out;
    return out;
  }

  /** Run ids present in `runs.arrow`, in file order. */
  runIds(): number[] {
    return this.runRecords().map((r) => r.runId);
  }

  /** Every numeric column of `timeseries.arrow` for one run (without `run_id`), as Float64Arrays. */
  timeseriesOf(runId: number): Columns {
    return this.columnsOf(this.timeseries, runId);
  }

  /** Every numeric column of `liquidations.arrow` for one run (without `run_id`), as Float64Arrays. */
  liquidationsOf(runId: number): Columns {
    return this.columnsOf(this.liquidations, runId);
  }

  /**
   * Every numeric column of `trades.arrow` for one run (without `run_id`; the names in `venue`,
   * `taker_agent` and `maker_agent` are left out: read them from {@link ExperimentResults.trades}).
   */
  tradesOf(runId: number): Columns {
    return this.columnsOf(this.trades, runId);
  }

  /** One numeric column of `table` restricted to `runId` (empty when the run or the column is absent). */
  columnOf(table: Table, name: string, runId: number): Float64Array {
    const col = this.fullColumn(table, name);
    if (!col) return new Float64Array(0);
    const rows = this.rowsOf(table, runId);
    const out = new Float64Array(rows.length);
    for (let i = 0; i < rows.length; i++) out[i] = col[rows[i]!]!;
    return out;
  }

  private columnsOf(table: Table, runId: number): Columns {
    const out: Columns = {};
    for (const f of table.schema.fields) {
      if (f.name === "run_id" || !isNumericType(f.type)) continue;
      out[f.name] = this.columnOf(table, f.name, runId);
    }
    return out;
  }

  private fullColumn(table: Table, name: string): Float64Array | undefined {
    let cache = this.colCache.get(table);
    if (!cache) {
      cache = new Map();
      this.colCache.set(table, cache);
    }
    let col = cache.get(name);
    if (!col) {
      const v = table.getChild(name);
      if (!v || !isNumericType(v.type)) return undefined;
      col = toFloat64(v);
      cache.set(name, col);
    }
    return col;
  }

  private rowsOf(table: Table, runId: number): Int32Array {
    let idx = this.rowIndex.get(table);
    if (!idx) {
      idx = new Map();
      const ids = this.fullColumn(table, "run_id");
      if (ids) {
        const lists = new Map<number, number[]>();
        for (let i = 0; i < ids.length; i++) {
          const id = ids[i]!;
          let l = lists.get(id);
          if (!l) {
            l = [];
            lists.set(id, l);
          }
          l.push(i);
        }
        for (const [id, l] of lists) idx.set(id, Int32Array.from(l));
      }
      this.rowIndex.set(table, idx);
    }
    return idx.get(runId) ?? new Int32Array(0);
  }
}

/**
 * Reads an experiment output folder. `runs.arrow` is required; a missing `timeseries.arrow`,
 * `liquidations.arrow` or `trades.arrow` reads as an empty table and a missing `manifest.json` as `{}`.
 *
 * @param dir - the experiment's output folder.
 * @example
 * ```ts
 * const res = readResults("out/baseline");
 * res.title; // "baseline"
 * ```
 */
export function readResults(dir: string, options: ReadOptions = {}): ExperimentResults {
  const runsPath = join(dir, "runs.arrow");
  if (!existsSync(runsPath)) throw new Error(`readResults: ${runsPath} not found`);
  const read = (name: string): Table => {
    const p = join(dir, name);
    return existsSync(p) ? tableFromIPC(readFileSync(p)) : tableFromArrays({ run_id: new Int32Array(0) });
  };
  const manifestPath = join(dir, "manifest.json");
  const manifest: Manifest = existsSync(manifestPath) ? JSON.parse(readFileSync(manifestPath, "utf8")) : {};
  return new ExperimentResults(
    dir,
    manifest,
    read("runs.arrow"),
    read("timeseries.arrow"),
    read("liquidations.arrow"),
    options,
    read("trades.arrow"),
  );
}

/**
 * Splits the non-bookkeeping columns of `runs.arrow` into parameters and metrics.
 *
 * Rules, in order: an explicit `parameters` list wins. Else the file says: the runner labels every
 * column with its role (field metadata `cascade.role`): `param` and `derived` columns are
 * parameters, `metric` and `extra` columns metrics (summary metrics first, then the experiment's).
 * Only a table without roles (written by other tools, or built by hand) is guessed at: names declared by the
 * manifest's parameter space (`parameters`, `parameterSpace`, `space`, `params`, `sweep`, `grid` or
 * `parameterNames` — an object keyed by name, or an array of names or of `{name}`), when any of them
 * is a column; else every non-numeric (string, boolean) column is a parameter, and a numeric column is a
 * parameter when it is not a known summary metric and is constant within each `point_index`.
 * Boolean and string columns are always parameters (metrics are numbers). Limitation of the guess:
 * without roles or a manifest, an experiment-specific metric that happens to be identical across a
 * point's replications (e.g. always 0) is taken for a parameter — pass `parameters` to be exact.
 */
export function classifyRunColumns(
  runs: Table,
  manifest: Manifest,
  parameters?: readonly string[],
): { parameters: string[]; metrics: string[] } {
  const fields = runs.schema.fields.filter((f) => !RUN_ID_COLUMNS.includes(f.name));
  const roles = fields.map((f) => f.metadata.get(ROLE_KEY));
  if (parameters === undefined && fields.length > 0 && roles.every(isColumnRole)) {
    const params: string[] = [];
    const metrics: string[] = [];
    const extras: string[] = [];
    fields.forEach((f, i) => {
      const role = roles[i]!;
      if (PARAMETER_ROLES.has(role)) params.push(f.name);
      else if (METRIC_ROLES.has(role) && isMetricType(f.type))
        (role === "metric" ? metrics : extras).push(f.name);
    });
    return { parameters: params, metrics: [...metrics, ...extras] };
  }
  const names = new Set(fields.map((f) => f.name));
  let declared = parameters ? new Set(parameters) : manifestParameterNames(manifest, names);
  if (declared.size === 0 && !parameters) {
    declared = new Set();
    const point = runs.getChild("point_index");
    const pts = point ? toFloat64(point) : undefined;
    for (const f of fields) {
      if (!isMetricType(f.type)) declared.add(f.name);
      else if (
        !KNOWN_SUMMARY_METRICS.includes(f.name) &&
        pts &&
        constantWithin(toFloat64(runs.getChild(f.name)!), pts)
      )
        declared.add(f.name);
    }
  }
  const params: string[] = [];
  const metrics: string[] = [];
  for (const f of fields) {
    if (declared.has(f.name) || !isMetricType(f.type)) params.push(f.name);
    else metrics.push(f.name);
  }
  const known = KNOWN_SUMMARY_METRICS.filter((m) => metrics.includes(m));
  const extra = metrics.filter((m) => !KNOWN_SUMMARY_METRICS.includes(m));
  return { parameters: params, metrics: [...known, ...extra] };
}

function manifestParameterNames(manifest: Manifest, columns: Set<string>): Set<string> {
  const found = new Set<string>();
  const visit = (node: unknown, depth: number) => {
    if (depth > 2 || node === null || typeof node !== "object") return;
    if (Array.isArray(node)) {
      for (const el of node) {
        const name = typeof el === "string" ? el : (el as { name?: unknown })?.name;
        if (typeof name === "string" && columns.has(name)) found.add(name);
      }
      return;
    }
    for (const [k, v] of Object.entries(node)) {
      if (columns.has(k)) found.add(k);
      else if (v && typeof v === "object") visit(v, depth + 1);
    }
  };
  for (const key of ["parameters", "parameterSpace", "space", "params", "sweep", "grid", "parameterNames"]) {
    visit(manifest[key], 0);
  }
  return found;
}

function constantWithin(values: Float64Array, groups: Float64Array): boolean {
  const first = new Map<number, number>();
  for (let i = 0; i < values.length; i++) {
    const g = groups[i]!;
    const v = values[i]!;
    const f = first.get(g);
    if (f === undefined) first.set(g, v);
    else if (!(f === v || (Number.isNaN(f) && Number.isNaN(v)))) return false;
  }
  return true;
}

/** True for Arrow integer and floating-point types: the types a metric column can have. */
export function isMetricType(type: DataType): boolean {
  return DataType.isInt(type) || DataType.isFloat(type);
}

/** True for Arrow integer, floating-point and boolean types (the types read as numbers). */
export function isNumericType(type: DataType): boolean {
  return DataType.isInt(type) || DataType.isFloat(type) || DataType.isBool(type);
}

/**
 * An Arrow vector as a Float64Array: integers (including 64-bit) converted with `Number`, booleans as
 * 0/1, nulls as NaN. Non-numeric vectors give all-NaN.
 */
export function toFloat64(v: Vector): Float64Array {
  const n = v.length;
  if ((DataType.isFloat(v.type) || DataType.isInt(v.type)) && v.nullCount === 0) {
    const a = v.toArray() as ArrayLike<number | bigint>;
    if (a instanceof Float64Array) return a.length === n ? a : Float64Array.from(a);
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) out[i] = Number(a[i]);
    return out;
  }
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const x = v.get(i);
    out[i] = x === null || x === undefined ? Number.NaN : typeof x === "boolean" ? (x ? 1 : 0) : Number(x);
  }
  return out;
}

function toParamValue(x: unknown): ParamValue {
  if (typeof x === "bigint") return Number(x);
  if (typeof x === "number" || typeof x === "boolean" || typeof x === "string") return x;
  if (x === null || x === undefined) return "";
  return String(x);
}
