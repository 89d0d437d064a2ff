/**
 * Charts: vega-lite specifications built from columns, compiled with vega-lite and rendered to SVG
 * strings by vega's headless `View` (renderer `"none"`: pure JavaScript, no canvas, no browser).
 * Long series are thinned for drawing (per-bucket first/last/min/max, so spikes and crashes stay
 * visible); values that are not finite become gaps, never the text "NaN".
 *
 * @module
 */

import * as vega from "vega";
import type { TopLevelSpec } from "vega-lite";
import * as vl from "vega-lite";
import type { ParamValue } from "./read.ts";
import type { PointSummary } from "./stats.ts";
import type { StylizedFacts } from "./stylized.ts";

/** A vega-lite specification (re-exported type of `vega-lite`). */
export type ChartSpec = TopLevelSpec;

/** Fonts and colours shared by every chart. */
export const CHART_CONFIG = {
  font: "system-ui, -apple-system, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif",
  background: "white",
  view: { stroke: "#e5e7eb" },
  axis: {
    labelColor: "#374151",
    titleColor: "#111827",
    titleFontWeight: 500,
    gridColor: "#f0f1f3",
    domainColor: "#9ca3af",
    tickColor: "#9ca3af",
  },
  axisY: { minExtent: 52 },
  legend: { labelColor: "#374151", titleColor: "#111827" },
  title: { fontSize: 14, fontWeight: 600, anchor: "start", color: "#111827" },
} as const;

/**
 * Axis label expression for quantities: SI prefixes (10k, 1.5M) from 10,000 up, plain numbers with
 * up to 4 significant digits below (so 0.25 stays 0.25, not "250m").
 */
export const NUMBER_LABEL_EXPR =
  "abs(datum.value) >= 10000 ? format(datum.value, '~s') : format(datum.value, ',.4~g')";

/** Common chart options. */
export interface ChartOptions {
  /** Chart title. */
  readonly title?: string;
  /** Width of the plotting area, px. Default 820. */
  readonly width?: number;
  /** Most points drawn per series (longer series are thinned). Default 1600. */
  readonly maxPoints?: number;
}

/** Columns of one run by name (e.g. from `ExperimentResults.timeseriesOf`). */
export type Cols = Readonly<Record<string, ArrayLike<number>>>;
type Row = Record<string, number | string | null>;

const num = (x: number | undefined): number | null => (x !== undefined && Number.isFinite(x) ? x : null);

/**
 * Indices to draw so that each of `series` keeps its shape: the samples are cut into buckets and
 * each bucket contributes its first and last sample and, per series, the samples of its minimum and
 * maximum. Returns every index when the series is short.
 */
export function thinIndices(
  length: number,
  series: readonly ArrayLike<number>[],
  maxPoints = 1600,
): number[] {
  if (length <= maxPoints) return Array.from({ length }, (_, i) => i);
  const perBucket = 2 + 2 * Math.max(1, series.length);
  const buckets = Math.max(1, Math.floor(maxPoints / perBucket));
  const size = length / buckets;
  const keep = new Set<number>();
  for (let b = 0; b < buckets; b++) {
    const lo = Math.floor(b * size);
    const hi = Math.min(length, Math.floor((b + 1) * size));
    if (hi <= lo) continue;
    keep.add(lo);
    keep.add(hi - 1);
    for (const s of series) {
      let mi = -1;
      let ma = -1;
      for (let i = lo; i < hi; i++) {
        const v = s[i]!;
        if (!Number.isFinite(v)) continue;
        if (mi < 0 || v < s[mi]!) mi = i;
        if (ma < 0 || v > s[ma]!) ma = i;
      }
      if (mi >= 0) keep.add(mi);
      if (ma >= 0) keep.add(ma);
    }
  }
  return [...keep].sort((a, b) => a - b);
}

function foldRows(
  ts: Cols,
  names: readonly { col: string; label: string }[],
  maxPoints: number,
  valueField = "value",
): Row[] {
  const time = ts.time_s ?? [];
  const present = names.filter((n) => hasFinite(ts[n.col]));
  const idx = thinIndices(
    time.length,
    present.map((n) => ts[n.col]!),
    maxPoints,
  );
  const rows: Row[] = [];
  for (const n of present) {
    const c = ts[n.col]!;
    for (const i of idx) {
      const v = num(c[i]);
      if (v !== null) rows.push({ time_s: time[i]!, series: n.label, [valueField]: v });
    }
  }
  return rows;
}

/** True when `c` holds at least one finite value. */
export function hasFinite(c: ArrayLike<number> | undefined): boolean {
  if (!c) return false;
  for (let i = 0; i < c.length; i++) if (Number.isFinite(c[i]!)) return true;
  return false;
}

function timeDomain(ts: Cols): [number, number] {
  const t = ts.time_s ?? [];
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < t.length; i++) {
    const v = t[i]!;
    if (!Number.isFinite(v)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (!Number.isFinite(lo)) return [0, 1];
  return hi > lo ? [lo, hi] : [lo, lo + 1];
}

/**
 * Price chart of one run: mark, index and last-trade price (top), and liquidated notional per
 * sampling interval as bars beneath (bottom), on a shared time axis (vconcat). Optional vertical rules
 * mark the shock start and the bottom of the drawdown.
 *
 * @param ts - one run's time-series columns (`time_s`, `mark`, `index`, `last`,
 * `liquidated_notional_in_interval` — or the simulator's `liquidated_notional`).
 * @example
 * ```ts
 * const svg = await renderSvg(priceChartSpec(res.timeseriesOf(0), { title: "Run 0" }));
 * ```
 */
export function priceChartSpec(
  ts: Cols,
  options: ChartOptions & { readonly shockTimeS?: number; readonly bottomTimeS?: number } = {},
): ChartSpec {
  const width = options.width ?? 820;
  const maxPoints = options.maxPoints ?? 1600;
  const domain = timeDomain(ts);
  const rows = foldRows(
    ts,
    [
      { col: "mark", label: "mark" },
      { col: "index", label: "index" },
      { col: "last", label: "last trade" },
    ],
    maxPoints,
    "price",
  );
  const bars = intervalBars(
    ts.time_s ?? [],
    ts.liquidated_notional_in_interval ?? ts.liquidated_notional ?? [],
    Math.min(400, Math.floor(width / 2)),
  );
  const rules: Row[] = [];
  if (options.shockTimeS !== undefined && Number.isFinite(options.shockTimeS))
    rules.push({ t: options.shockTimeS, what: "shock" });
  if (options.bottomTimeS !== undefined && Number.isFinite(options.bottomTimeS))
    rules.push({ t: options.bottomTimeS, what: "bottom" });
  const x = { field: "time_s", type: "quantitative", scale: { domain, nice: false }, title: null } as const;
  const top = {
    width,
    height: 240,
    layer: [
      ...(
        [
          ["index", 1.1],
          ["last trade", 0.9],
          ["mark", 2],
        ] as const
      ).map(([series, strokeWidth]) => ({
        data: { values: rows },
        transform: [{ filter: { field: "series", equal: series } }],
        mark: { type: "line", strokeWidth },
        encoding: {
          x: { ...x, axis: { labels: false, ticks: false, title: null } },
          y: { field: "price", type: "quantitative", scale: { zero: false }, title: "price" },
          color: {
            field: "series",
            type: "nominal",
            scale: { domain: ["mark", "index", "last trade"], range: ["#2563eb", "#9ca3af", "#f59e0b"] },
            legend: { orient: "top", title: null },
          },
        },
      })),
      ...(rules.length > 0
        ? [
            {
              data: { values: rules },
              mark: { type: "rule", strokeDash: [4, 3], color: "#9ca3af" },
              encoding: { x: { field: "t", type: "quantitative", scale: { domain, nice: false } } },
            },
          ]
        : []),
    ],
  };
  const bottom = {
    width,
    height: 90,
    data: { values: bars },
    mark: { type: "rect", color: "#dc2626" },
    encoding: {
      x: { field: "t0", type: "quantitative", scale: { domain, nice: false }, title: "time, s" },
      x2: { field: "t1" },
      y: {
        field: "notional",
        type: "quantitative",
        title: "liquidated",
        axis: { labelExpr: NUMBER_LABEL_EXPR, tickCount: 3 },
      },
      y2: { datum: 0 },
    },
  };
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    ...(options.title ? { title: options.title } : {}),
    config: CHART_CONFIG,
    vconcat: [top, bottom],
    spacing: 6,
    resolve: { scale: { x: "shared" } },
  } as unknown as ChartSpec;
}

/** Sums per-interval values into at most `maxBars` bars `{t0, t1, notional}` (a sample covers the interval ending at its time). */
function intervalBars(time: ArrayLike<number>, value: ArrayLike<number>, maxBars: number): Row[] {
  const n = time.length;
  if (n === 0) return [];
  const dt = n >= 2 ? (time[n - 1]! - time[0]!) / (n - 1) : 1;
  const t0 = time[0]! - dt;
  const span = time[n - 1]! - t0;
  const bars = Math.max(1, Math.min(maxBars, n));
  const w = span / bars;
  const sums = new Float64Array(bars);
  for (let i = 0; i < n; i++) {
    const v = value[i]!;
    if (!Number.isFinite(v) || v === 0) continue;
    const b = Math.min(bars - 1, Math.max(0, Math.floor((time[i]! - dt / 2 - t0) / w)));
    sums[b] += v;
  }
  const rows: Row[] = [];
  for (let b = 0; b < bars; b++)
    if (sums[b]! > 0) rows.push({ t0: t0 + b * w, t1: t0 + (b + 1) * w, notional: sums[b]! });
  return rows;
}

/**
 * Order-book depth over time: base quantity resting within each band around the mid
 * (`bid_depth_1pct`, `ask_depth_1pct`, `bid_depth_2pct`, …), colour = side, dash = band.
 *
 * @param ts - one run's time-series columns.
 */
export function depthChartSpec(ts: Cols, options: ChartOptions = {}): ChartSpec {
  const cols = Object.keys(ts)
    .map((c) => /^(bid|ask)_depth_(.+)$/.exec(c))
    .filter((m): m is RegExpExecArray => m !== null);
  const bands = [...new Set(cols.map((m) => m[2]!))].sort((a, b) => bandValue(a) - bandValue(b));
  const names = cols.map((m) => ({ col: m[0], label: `${m[1]} ${bandLabel(m[2]!)}` }));
  const rows = foldRows(ts, names, options.maxPoints ?? 1600, "depth").map((r) => {
    const [side, band] = String(r.series).split(" ");
    return { ...r, side: side!, band: band! };
  });
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    ...(options.title ? { title: options.title } : {}),
    config: CHART_CONFIG,
    width: options.width ?? 820,
    height: 200,
    data: { values: rows },
    mark: { type: "line", strokeWidth: 1.3 },
    encoding: {
      x: {
        field: "time_s",
        type: "quantitative",
        scale: { domain: timeDomain(ts), nice: false },
        title: "time, s",
      },
      y: {
        field: "depth",
        type: "quantitative",
        title: "depth, base units",
        axis: { labelExpr: NUMBER_LABEL_EXPR },
      },
      color: {
        field: "side",
        type: "nominal",
        scale: { domain: ["bid", "ask"], range: ["#16a34a", "#dc2626"] },
        legend: { orient: "top", title: null },
      },
      strokeDash: {
        field: "band",
        type: "nominal",
        scale: { domain: bands.map(bandLabel), range: bands.map((_, i) => (i === 0 ? [1, 0] : [5, 3 + i])) },
        legend: { orient: "top", title: "within" },
      },
      detail: { field: "series", type: "nominal" },
    },
  } as unknown as ChartSpec;
}

function bandValue(b: string): number {
  return Number.parseFloat(b.replace("_", ".").replace("pct", ""));
}
function bandLabel(b: string): string {
  return `${b.replace("pct", "").replace("_", ".")} %`;
}

/**
 * Insurance fund over time: the fund's wallet (`insurance_fund`) and its equity including positions
 * taken over (`insurance_fund_equity`), quote currency.
 *
 * @param ts - one run's time-series columns.
 */
export function insuranceFundChartSpec(ts: Cols, options: ChartOptions = {}): ChartSpec {
  const rows = foldRows(
    ts,
    [
      { col: "insurance_fund", label: "wallet" },
      { col: "insurance_fund_equity", label: "equity" },
    ],
    options.maxPoints ?? 1600,
    "fund",
  );
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    ...(options.title ? { title: options.title } : {}),
    config: CHART_CONFIG,
    width: options.width ?? 820,
    height: 180,
    data: { values: rows },
    mark: { type: "line", strokeWidth: 1.5 },
    encoding: {
      x: {
        field: "time_s",
        type: "quantitative",
        scale: { domain: timeDomain(ts), nice: false },
        title: "time, s",
      },
      y: {
        field: "fund",
        type: "quantitative",
        scale: { zero: false },
        title: "insurance fund",
        axis: { labelExpr: NUMBER_LABEL_EXPR },
      },
      color: {
        field: "series",
        type: "nominal",
        scale: { domain: ["wallet", "equity"], range: ["#7c3aed", "#0891b2"] },
        legend: { orient: "top", title: null },
      },
    },
  } as unknown as ChartSpec;
}

/** One run's mark series for {@link runsOverlaySpec}. */
export interface OverlayRun {
  /** Run id. */
  readonly runId: number;
  /** Colour group, e.g. the parameter point's label. */
  readonly group: string;
  /** Sample times, s. */
  readonly timeS: ArrayLike<number>;
  /** Prices. */
  readonly price: ArrayLike<number>;
}

/**
 * Price paths of many runs, each divided by its first finite price (so 1 = start), one thin line per
 * run, coloured by group (e.g. parameter point).
 */
export function runsOverlaySpec(runs: readonly OverlayRun[], options: ChartOptions = {}): ChartSpec {
  const maxPoints = Math.max(100, Math.floor((options.maxPoints ?? 12_000) / Math.max(1, runs.length)));
  const rows: Row[] = [];
  for (const r of runs) {
    let p0 = Number.NaN;
    for (let i = 0; i < r.price.length && Number.isNaN(p0); i++)
      if (Number.isFinite(r.price[i]!) && r.price[i]! > 0) p0 = r.price[i]!;
    if (Number.isNaN(p0)) continue;
    for (const i of thinIndices(r.timeS.length, [r.price], maxPoints)) {
      const v = num(r.price[i]! / p0);
      if (v !== null) rows.push({ time_s: r.timeS[i]!, rel: v, run: r.runId, group: r.group });
    }
  }
  const groups = [...new Set(runs.map((r) => r.group))];
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    ...(options.title ? { title: options.title } : {}),
    config: CHART_CONFIG,
    width: options.width ?? 820,
    height: 220,
    data: { values: rows },
    mark: { type: "line", strokeWidth: 1.1, opacity: 0.6 },
    encoding: {
      x: { field: "time_s", type: "quantitative", title: "time, s", scale: { nice: false } },
      y: {
        field: "rel",
        type: "quantitative",
        scale: { zero: false },
        title: "mark / start",
        axis: { format: ".0%" },
      },
      color:
        groups.length > 1
          ? {
              field: "group",
              type: "nominal",
              scale: { domain: groups, range: PALETTE },
              legend: { orient: "top", title: null, columns: 2, labelLimit: 380, symbolStrokeWidth: 2.5 },
            }
          : { value: "#2563eb" },
      detail: { field: "run", type: "nominal" },
    },
  } as unknown as ChartSpec;
}

/** Options of {@link sweepChartSpec}. */
export interface SweepChartOptions extends ChartOptions {
  /** Height of each panel, px. Default 150. */
  readonly height?: number;
  /** Panels per row when several metrics are drawn. Default 3. */
  readonly columns?: number;
  /** Other swept parameters, drawn as separate coloured series. Default none. */
  readonly colorBy?: readonly string[];
  /** Series label of points that have none of the `colorBy` parameters. Default "all runs". */
  readonly defaultGroup?: string;
}

/**
 * Metrics against one swept parameter: the mean over seeds at each parameter point (line and
 * points) with its confidence interval (band for a numeric parameter, error bars otherwise). Points
 * that differ in other swept parameters (`colorBy`) are drawn as separate coloured series. With
 * several metrics the chart is faceted — one panel per metric, each with its own y scale, in
 * `columns` columns — so a whole sweep renders as one SVG.
 *
 * @param points - per-point summaries from {@link summarizeByPoint}; a point lacking a metric is skipped for it.
 * @param metrics - metric name(s) (keys of each point's `metrics`).
 * @param param - the swept parameter on the x axis.
 * @example
 * ```ts
 * const spec = sweepChartSpec(summarizeByPoint(runs, ["max_drawdown"]), ["max_drawdown"], "shock_size");
 * ```
 */
export function sweepChartSpec(
  points: readonly PointSummary[],
  metrics: string | readonly string[],
  param: string,
  options: SweepChartOptions = {},
): ChartSpec {
  const list = typeof metrics === "string" ? [metrics] : metrics;
  const colorBy = options.colorBy ?? [];
  const numeric = points.every((p) => !(param in p.params) || typeof p.params[param] === "number");
  const rows: Row[] = [];
  for (const m of list) {
    for (const p of points) {
      const s = p.metrics[m];
      if (!s || !Number.isFinite(s.mean) || !(param in p.params)) continue;
      const xv: ParamValue = p.params[param]!;
      rows.push({
        metric: m,
        x: typeof xv === "number" ? xv : String(xv),
        mean: s.mean,
        lo: num(s.ciLow),
        hi: num(s.ciHigh),
        n: s.n,
        group:
          colorBy
            .filter((c) => c in p.params)
            .map((c) => `${c}=${String(p.params[c])}`)
            .join(", ") ||
          (options.defaultGroup ?? "all runs"),
      });
    }
  }
  const groups = [...new Set(rows.map((r) => r.group as string))];
  const x = {
    field: "x",
    type: numeric ? "quantitative" : "nominal",
    title: param,
    ...(numeric
      ? { scale: { zero: false, nice: false, padding: 8 } }
      : { sort: null, axis: { labelAngle: 0 } }),
  };
  const color =
    groups.length > 1
      ? {
          field: "group",
          type: "nominal",
          scale: { domain: groups, range: PALETTE },
          legend: {
            orient: "top",
            title: null,
            labelLimit: 320,
            columns: Math.min(groups.length, 3),
            symbolOpacity: 1,
          },
        }
      : { value: PALETTE[0] };
  const y = (field: string, title: string | null) => ({
    field,
    type: "quantitative",
    title,
    scale: { zero: false },
    axis: { labelExpr: NUMBER_LABEL_EXPR, tickCount: 4, minExtent: 52 },
  });
  const layer = [
    {
      transform: [{ filter: "isValid(datum.lo) && isValid(datum.hi)" }],
      mark: numeric ? { type: "area", opacity: 0.16 } : { type: "rule", strokeWidth: 1.5 },
      encoding: { x, y: y("lo", null), y2: { field: "hi" }, color },
    },
    ...(numeric
      ? [{ mark: { type: "line", strokeWidth: 1.6 }, encoding: { x, y: y("mean", null), color } }]
      : []),
    {
      mark: { type: "point", filled: true, size: 34, opacity: 1 },
      encoding: {
        x,
        y: y("mean", list.length === 1 ? list[0]! : null),
        color,
        tooltip: [
          { field: "x", title: param },
          { field: "mean", title: "mean", format: ".4~g" },
          { field: "n", title: "runs" },
        ],
      },
    },
  ];
  const width = options.width ?? 240;
  const height = options.height ?? 150;
  const base = {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    ...(options.title ? { title: options.title } : {}),
    config: CHART_CONFIG,
    data: { values: rows },
  };
  if (list.length === 1) return { ...base, width, height, layer } as unknown as ChartSpec;
  return {
    ...base,
    facet: {
      field: "metric",
      type: "nominal",
      sort: [...list],
      title: null,
      header: {
        labelFontSize: 12.5,
        labelFontWeight: 600,
        labelColor: "#111827",
        labelAnchor: "start",
        labelPadding: 4,
      },
    },
    columns: options.columns ?? 3,
    spacing: { row: 18, column: 28 },
    spec: { width, height, layer },
    resolve: { scale: { y: "independent" }, axis: { x: "independent" } },
  } as unknown as ChartSpec;
}

/** Colours of categorical series. */
const PALETTE = ["#2563eb", "#dc2626", "#16a34a", "#9333ea", "#ea580c", "#0891b2", "#4b5563", "#ca8a04"];

/**
 * Autocorrelation of returns and of absolute returns by lag (grouped bars), with the ±1.96/√n
 * white-noise band as dashed rules.
 */
export function acfChartSpec(facts: StylizedFacts, options: ChartOptions = {}): ChartSpec {
  const rows: Row[] = [];
  for (let l = 1; l < facts.acfReturns.length; l++) {
    const a = num(facts.acfReturns[l]);
    const b = num(facts.acfAbsReturns[l]);
    if (a !== null) rows.push({ lag: l, series: "returns r", acf: a });
    if (b !== null) rows.push({ lag: l, series: "|r|", acf: b });
  }
  const band = facts.n > 0 ? 1.96 / Math.sqrt(facts.n) : 0;
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    ...(options.title ? { title: options.title } : {}),
    config: CHART_CONFIG,
    width: options.width ?? 820,
    height: 170,
    layer: [
      {
        data: { values: rows },
        mark: { type: "bar" },
        encoding: {
          x: { field: "lag", type: "ordinal", title: "lag (horizons)", axis: { labelAngle: 0 } },
          xOffset: { field: "series", type: "nominal", scale: { domain: ["returns r", "|r|"] } },
          y: { field: "acf", type: "quantitative", title: "autocorrelation" },
          color: {
            field: "series",
            type: "nominal",
            scale: { domain: ["returns r", "|r|"], range: ["#2563eb", "#f59e0b"] },
            legend: { orient: "top", title: null },
          },
        },
      },
      {
        data: { values: [{ y: band }, { y: -band }] },
        mark: { type: "rule", strokeDash: [4, 3], color: "#6b7280" },
        encoding: { y: { field: "y", type: "quantitative" } },
      },
    ],
  } as unknown as ChartSpec;
}

const QUIET = vega.logger(vega.None);

/**
 * Compiles a vega-lite spec and renders it to an SVG string with vega's headless View
 * (`renderer: "none"`; text widths are estimated, no canvas needed). vega-lite's
 * compile-time warnings are silenced.
 *
 * @example
 * ```ts
 * const svg = await renderSvg(insuranceFundChartSpec(ts)); // "<svg …>…</svg>"
 * ```
 */
export async function renderSvg(spec: ChartSpec): Promise<string> {
  const compiled = vl.compile(spec, { logger: QUIET }).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: "none", logLevel: vega.Error });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
