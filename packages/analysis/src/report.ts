/**
 * The HTML report: one self-contained file (inline CSS and SVG charts, no scripts, no network)
 * written next to the experiment's Arrow files.
 *
 * @module
 */

import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { flagValue } from "./cascade.ts";
import {
  acfChartSpec,
  type ChartSpec,
  depthChartSpec,
  hasFinite,
  insuranceFundChartSpec,
  type OverlayRun,
  priceChartSpec,
  renderSvg,
  runsOverlaySpec,
  sweepChartSpec,
} from "./charts.ts";
import { type ExperimentResults, type ParamValue, readResults, SUMMARY_METRIC_DESCRIPTIONS } from "./read.ts";
import type { PointSummary, Summary } from "./stats.ts";
import type { FactCheck } from "./stylized.ts";
import {
  CASCADE_METRIC_DESCRIPTIONS,
  type RunsSummary,
  type SummaryOptions,
  summarizeRuns,
} from "./summary.ts";

/** Options of {@link writeReport}. */
export interface ReportOptions extends SummaryOptions {
  /** Output file. Default `<dir>/report.html`. */
  readonly outFile?: string;
  /**
   * Metrics plotted against each swept parameter. Default: every summary metric and derived cascade
   * metric that varies across points, except bookkeeping ones (kernel_events, sim_seconds,
   * conservation_error, start_price, insurance_fund_start).
   */
  readonly sweepMetrics?: readonly string[];
  /** Most runs drawn in the all-runs overlay. Default 60. */
  readonly maxOverlayRuns?: number;
}

const BOOKKEEPING = new Set([
  "kernel_events",
  "sim_seconds",
  "conservation_error",
  "start_price",
  "insurance_fund_start",
]);

/**
 * Writes `<dir>/report.html`: title and description from the manifest; a summary table (mean ±
 * confidence half-width over seeds of every run metric, one column per parameter point); charts of
 * the chosen run (price with liquidation bars beneath, order-book depth, insurance fund); all runs'
 * price paths; for sweeps, each metric against each swept parameter with its CI band; the cascade
 * metrics (drawdown, time to bottom and recovery, waves, insurance-fund drawdown, ADL) per point with
 * the chosen run's waves; amplification when counterfactual pairs exist; and the stylized-facts
 * tables with the verdict against Cont (2001).
 *
 * @param dir - experiment output folder (holding `runs.arrow` etc.).
 * @returns the path of the written file.
 * @example
 * ```ts
 * const path = await writeReport("out/crash-sweep", { shockTimeS: 300 });
 * ```
 */
export async function writeReport(dir: string, options: ReportOptions = {}): Promise<string> {
  const res = readResults(dir, options);
  const html = await renderReport(res, options);
  const out = options.outFile ?? join(dir, "report.html");
  writeFileSync(out, html);
  return out;
}

/** Builds the report's HTML (see {@link writeReport}) without writing it. */
export async function renderReport(res: ExperimentResults, options: ReportOptions = {}): Promise<string> {
  const s = summarizeRuns(res, options);
  const sections: string[] = [];
  sections.push(overviewSection(s, res));
  sections.push(summarySection(s));
  if (!Number.isNaN(s.chosenRunId)) sections.push(await runSection(s, res, options));
  if (s.runs.ok > 1) sections.push(await overlaySection(s, res, options));
  if (s.sweptParameters.length > 0) sections.push(await sweepSection(s, options));
  sections.push(cascadeSection(s, options));
  if (s.amplification) sections.push(amplificationSection(s));
  sections.push(await stylizedSection(s));
  sections.push(definitionsSection(s));
  return page(s.title, sections.join("\n"));
}

// ---------------------------------------------------------------- sections

function overviewSection(s: RunsSummary, res: ExperimentResults): string {
  const m = res.manifest;
  const facts: [string, string][] = [
    ["Runs", `${s.runs.ok} ok${s.runs.failed ? `, <span class="bad">${s.runs.failed} failed</span>` : ""}`],
    ["Parameter points", String(s.points.length)],
  ];
  if (s.sweptParameters.length)
    facts.push(["Swept", s.sweptParameters.map((p) => `<code>${esc(p)}</code>`).join(", ")]);
  if (m.seed !== undefined) facts.push(["Seed", esc(String(m.seed))]);
  for (const key of ["createdAt", "created", "startedAt", "version", "gitCommit", "commit"]) {
    const v = m[key];
    if (typeof v === "string" || typeof v === "number") facts.push([key, esc(String(v))]);
  }
  facts.push(["Folder", `<code>${esc(s.dir)}</code>`]);
  const fixed = s.parameters.filter((p) => !s.sweptParameters.includes(p));
  const fixedHtml = fixed.length
    ? `<p class="muted small">Fixed parameters: ${fixed
        .map((p) => `<code>${esc(p)}</code> = ${esc(fmtParam(s.points[0]?.params[p]))}`)
        .join(" · ")}</p>`
    : "";
  const failures = s.failures.length
    ? `<details><summary class="bad">${s.failures.length} failed run(s)</summary><ul>${s.failures
        .slice(0, 50)
        .map((f) => `<li>run ${f.runId}: <code>${esc(f.error || "no message")}</code></li>`)
        .join("")}</ul></details>`
    : "";
  return `<header>
<h1>${esc(s.title)}</h1>
${s.description ? `<p class="lede">${esc(s.description)}</p>` : ""}
<dl class="facts">${facts.map(([k, v]) => `<div><dt>${esc(k)}</dt><dd>${v}</dd></div>`).join("")}</dl>
${fixedHtml}
${failures}
<details><summary>Manifest</summary><pre>${esc(JSON.stringify(m, null, 2))}</pre></details>
</header>`;
}

/** How the report's intervals are made (see `summarize` in stats.ts). */
const INTERVAL_NOTE =
  "Intervals: for a metric whose values are all ≥ 0, [low, high] is the percentile bootstrap interval of the mean (exact over all resamples for n ≤ 6), which stays within the support; otherwise ± is the Student-t half-width t<sub>(1+c)/2, n−1</sub>·s/√n. With fewer than about 10 runs either is rough (the bootstrap one too narrow).";

function summarySection(s: RunsSummary): string {
  const metrics = s.metrics.filter((m) => s.points.some((p) => (p.metrics[m]?.n ?? 0) > 0));
  return `<section><h2>Summary over seeds</h2>
<p class="muted">Mean and ${pct(s.points[0]?.metrics[metrics[0] ?? ""]?.confidence ?? 0.95)} confidence interval of the mean over successful runs${s.points.length > 1 ? ", one column per parameter point" : ""}; <i>n</i> = runs. ${INTERVAL_NOTE}</p>
${metricTable(s.points, metrics, s.sweptParameters, metricDescriptions(s))}
</section>`;
}

async function runSection(s: RunsSummary, res: ExperimentResults, options: ReportOptions): Promise<string> {
  const ts = res.timeseriesOf(s.chosenRunId);
  const rec = res.runRecords().find((r) => r.runId === s.chosenRunId);
  const cas = s.cascade.find((c) => c.runId === s.chosenRunId);
  const charts: string[] = [];
  const priceOpts = {
    ...(options.shockTimeS !== undefined ? { shockTimeS: options.shockTimeS } : {}),
    ...(cas && Number.isFinite(cas.timing.bottomTimeS) && cas.timing.drawdown > 0
      ? { bottomTimeS: cas.timing.bottomTimeS }
      : {}),
  };
  charts.push(
    await figure(
      priceChartSpec(ts, priceOpts),
      "Price (mark, index, last trade) and liquidated notional per interval",
    ),
  );
  if (Object.keys(ts).some((k) => /^(bid|ask)_depth_/.test(k) && hasFinite(ts[k]))) {
    charts.push(
      await figure(
        depthChartSpec(ts),
        "Order-book depth of the first perpetual venue (where the recorder samples it; spot venues' depth is not recorded): base quantity resting within 1 % and 2 % of its mid",
      ),
    );
  }
  if (hasFinite(ts.insurance_fund) || hasFinite(ts.insurance_fund_equity)) {
    charts.push(
      await figure(
        insuranceFundChartSpec(ts),
        "Insurance fund: wallet and equity (with taken-over positions)",
      ),
    );
  }
  const params = rec ? Object.entries(rec.params).filter(([k]) => s.sweptParameters.includes(k)) : [];
  return `<section><h2>Run ${s.chosenRunId}</h2>
<p class="muted">${esc(s.chosenReason)}${rec ? ` · seed ${esc(fmtParam(rec.seed))} · replication ${rec.replication}` : ""}${params.length ? ` · ${params.map(([k, v]) => `${esc(k)} = ${esc(fmtParam(v))}`).join(", ")}` : ""}${
    cas ? ` · drawdown ${fmtPct(cas.timing.drawdown)}, bottom at ${fmt(cas.timing.bottomTimeS)} s` : ""
  }</p>
${charts.join("\n")}
</section>`;
}

async function overlaySection(
  s: RunsSummary,
  res: ExperimentResults,
  options: ReportOptions,
): Promise<string> {
  const max = options.maxOverlayRuns ?? 60;
  const records = res.runRecords().filter((r) => r.status === "ok");
  const perPoint = Math.max(1, Math.floor(max / Math.max(1, s.points.length)));
  const chosen: typeof records = [];
  const taken = new Map<string, number>();
  for (const r of records) {
    const label = pointLabel(r.params, s.sweptParameters);
    const k = taken.get(label) ?? 0;
    if (k >= perPoint || chosen.length >= max) continue;
    taken.set(label, k + 1);
    chosen.push(r);
  }
  const runs: OverlayRun[] = chosen.map((r) => {
    const ts = res.timeseriesOf(r.runId);
    return {
      runId: r.runId,
      group: pointLabel(r.params, s.sweptParameters) || "all runs",
      timeS: ts.time_s ?? new Float64Array(0),
      price: ts.mark ?? new Float64Array(0),
    };
  });
  const note = chosen.length < records.length ? ` (${chosen.length} of ${records.length} shown)` : "";
  return `<section><h2>All runs</h2>
${await figure(runsOverlaySpec(runs), `Mark price of each run relative to its start${note}`)}
</section>`;
}

async function sweepSection(s: RunsSummary, options: ReportOptions): Promise<string> {
  const merged: PointSummary[] = s.points.map((p, i) => ({
    ...p,
    metrics: { ...p.metrics, ...(s.cascadePoints[i]?.metrics ?? {}) },
  }));
  const varies = (m: string) =>
    new Set(merged.map((p) => p.metrics[m]?.mean).filter((x) => Number.isFinite(x))).size > 1;
  const metrics =
    options.sweepMetrics ??
    [...s.metrics, ...s.cascadeMetrics].filter((m) => !BOOKKEEPING.has(m) && varies(m));
  const blocks: string[] = [];
  const ampPoints: PointSummary[] = (s.amplification?.byPoint ?? []).map((b, i) => ({
    pointIndex: i,
    params: b.params,
    okRuns: b.amplification.n,
    failedRuns: 0,
    runIds: [],
    metrics: { amplification: b.amplification },
  }));
  for (const param of s.sweptParameters) {
    const others = s.sweptParameters.filter((p) => p !== param);
    const withAmp = ampPoints.length > 0 && param !== s.amplification?.flag;
    const spec = sweepChartSpec(
      withAmp ? [...merged, ...ampPoints] : merged,
      withAmp ? [...metrics, "amplification"] : metrics,
      param,
      {
        colorBy: others,
        defaultGroup: "amplification (with ÷ without)",
      },
    );
    blocks.push(`<h3>Against <code>${esc(param)}</code></h3>${await figure(spec, "")}`);
  }
  return `<section><h2>Sweep</h2>
<p class="muted">Mean over seeds at each parameter point; shaded band / bars: ${pct(s.points[0]?.metrics[s.metrics[0] ?? ""]?.confidence ?? 0.95)} confidence interval.</p>
${blocks.join("\n")}
</section>`;
}

function cascadeSection(s: RunsSummary, options: ReportOptions): string {
  const metrics = s.cascadeMetrics;
  const cas = s.cascade.find((c) => c.runId === s.chosenRunId);
  const origin =
    options.shockTimeS !== undefined
      ? `the shock start (${fmt(options.shockTimeS)} s)`
      : "the start of each run";
  let waves = "";
  if (cas) {
    const rows = cas.waves
      .slice(0, 30)
      .map(
        (w, i) =>
          `<tr><td>${i + 1}</td><td>${fmt(w.startS)}</td><td>${fmt(w.endS)}</td><td>${fmt(w.peakS)}</td><td>${fmt(w.notional)}</td><td>${fmt(w.peakNotional)}</td><td>${fmt(w.accounts)}</td><td>${fmt(w.events)}</td></tr>`,
      )
      .join("");
    const rec = cas.timing.recoveries
      .map(
        (r) =>
          `${pct(r.fraction)} of the drop: ${Number.isFinite(r.timeToRecoveryS) ? `${fmt(r.timeToRecoveryS)} s` : "not recovered"}`,
      )
      .join(" · ");
    waves = `<h3>Run ${cas.runId}</h3>
<p>Drawdown ${fmtPct(cas.timing.drawdown)} (${fmt(cas.timing.peak)} → ${fmt(cas.timing.trough)}), bottom ${fmt(cas.timing.timeToBottomS)} s after ${esc(origin.replace("each run", "the run"))}. Recovery: ${rec}.
Insurance fund: ${fmt(cas.fund.start)} → min ${fmt(cas.fund.min)} → ${fmt(cas.fund.end)} (drawdown ${fmt(cas.fund.drawdown)}${cas.fund.depleted ? ", <span class='bad'>depleted</span>" : ""}). ADL: ${fmt(cas.adl.count)} steps, ${fmt(cas.adl.qty)} base units.</p>
${
  cas.waves.length
    ? `<div class="scroll"><table class="data"><thead><tr><th>wave</th><th>start, s</th><th>end, s</th><th>peak, s</th><th>notional</th><th>peak-bin notional</th><th>accounts</th><th>events</th></tr></thead><tbody>${rows}</tbody></table></div>${
        cas.waves.length > 30 ? `<p class="muted small">First 30 of ${cas.waves.length} waves.</p>` : ""
      }`
    : `<p class="muted">No liquidations in this run.</p>`
}`;
  }
  return `<section><h2>Cascade metrics</h2>
<p class="muted">Per run, measured from ${esc(origin)}, then mean ± CI over seeds. Waves: liquidation events separated by more than ${fmt(options.gapSeconds ?? 30)} s of quiet start a new wave. Recovery times average only the runs that recovered (<i>n</i> = runs that recovered; — when none did).</p>
${metricTable(s.cascadePoints, metrics, s.sweptParameters, CASCADE_METRIC_DESCRIPTIONS)}
${waves}
</section>`;
}

function amplificationSection(s: RunsSummary): string {
  const a = s.amplification!;
  const keys = Object.keys(a.byPoint[0]?.params ?? {}).filter((k) => s.sweptParameters.includes(k));
  const rows = a.byPoint
    .map(
      (b) =>
        `<tr>${keys.map((k) => `<td>${esc(fmtParam(b.params[k]))}</td>`).join("")}<td>${cell(b.with, "max_drawdown")}</td><td>${cell(b.without, "max_drawdown")}</td><td><b>${cell(b.amplification)}</b></td></tr>`,
    )
    .join("");
  const sameSeed = a.pairs.every((p) => p.sameSeed);
  return `<section><h2>Amplification: ${esc(a.flag)} on ÷ off</h2>
<p class="muted">Counterfactual pairs: the same parameters and replication run with <code>${esc(a.flag)}</code> on and off${sameSeed ? " (same seeds)" : " (matched by replication; seeds differ in some pairs)"}. Amplification = max drawdown with <code>${esc(a.flag)}</code> on ÷ max drawdown with it off, per pair; ${a.pairs.length} pairs.</p>
<div class="callout">Overall amplification: <b>${cell(a.overall)}</b></div>
<div class="scroll"><table class="data"><thead><tr>${keys.map((k) => `<th>${esc(k)}</th>`).join("")}<th>drawdown with</th><th>drawdown without</th><th>amplification</th></tr></thead><tbody>${rows}</tbody></table></div>
</section>`;
}

async function stylizedSection(s: RunsSummary): Promise<string> {
  if (s.stylized.length === 0)
    return `<section><h2>Stylized facts</h2><p class="muted">Too few samples.</p></section>`;
  const rows = s.stylized
    .map((h) => {
      const a = h.acrossRuns;
      return `<tr><td>${fmt(h.horizonS)} s</td><td>${fmt(h.chosen.n)}</td><td>${fmt(h.chosen.excessKurtosis)}</td><td>${fmt(h.chosen.hill.alpha)} <span class="n">k=${h.chosen.hill.k}</span></td><td>${fmt(h.chosen.acfReturns[1] ?? Number.NaN)}</td><td>${fmt(h.chosen.acfAbsReturns[1] ?? Number.NaN)}</td><td>${fmt(h.chosen.absAcfDecay)}</td><td>${cell(a.excessKurtosis, "", false)}</td><td>${cell(a.tailIndex, "", false)}</td><td>${cell(a.acfAbsR1, "", false)}</td><td>${h.verdict.passed} of ${h.verdict.decided}</td></tr>`;
    })
    .join("");
  const base = s.stylized[0]!;
  const checks = [...base.verdict.checks, s.aggregational];
  const verdictRows = checks
    .map(
      (c: FactCheck) =>
        `<tr><td>${esc(c.fact)}</td><td>${esc(c.observed)}</td><td>${esc(c.expected)}</td><td>${badge(c.pass)}</td></tr>`,
    )
    .join("");
  const acf = await figure(
    acfChartSpec(base.chosen),
    `Autocorrelation of returns and of |returns| at ${fmt(base.horizonS)} s, run ${s.chosenRunId}; dashed: ±1.96/√n`,
  );
  return `<section><h2>Stylized facts</h2>
<p class="muted">Log returns of <code>${esc(s.priceColumn)}</code> at each horizon (previous-tick sampling). Left block: run ${s.chosenRunId}; right block: mean ± CI over runs. Hill α on the top 5 % of |r|; β: power-law decay exponent of ρ<sub>|r|</sub>.</p>
<div class="scroll"><table class="data compact"><thead>
<tr><th rowspan="2">horizon</th><th colspan="6" class="group">run ${s.chosenRunId}</th><th colspan="3" class="group">mean ± CI over ${s.stylized[0]!.acrossRuns.excessKurtosis.n} runs</th><th rowspan="2">Cont facts</th></tr>
<tr><th>returns</th><th>excess kurtosis</th><th>Hill α</th><th>ρ<sub>r</sub>(1)</th><th>ρ<sub>|r|</sub>(1)</th><th>β</th><th>excess kurtosis</th><th>Hill α</th><th>ρ<sub>|r|</sub>(1)</th></tr>
</thead><tbody>${rows}</tbody></table></div>
<h3>Against Cont (2001), ${fmt(base.horizonS)} s returns</h3>
<table class="data verdict"><thead><tr><th>fact</th><th>observed</th><th>expected</th><th></th></tr></thead><tbody>${verdictRows}</tbody></table>
${acf}
</section>`;
}

/**
 * Descriptions of the run metrics: the file's field metadata (the experiment's declared `metrics`,
 * with their unit) over the built-in descriptions.
 */
function metricDescriptions(s: RunsSummary): Record<string, string> {
  const out: Record<string, string> = { ...SUMMARY_METRIC_DESCRIPTIONS };
  for (const [name, info] of Object.entries(s.metricInfo)) {
    const d = info.description ?? out[name];
    if (d === undefined && info.unit === undefined) continue;
    out[name] = `${d ?? "experiment metric"}${info.unit === undefined ? "" : ` [${info.unit}]`}`;
  }
  return out;
}

function definitionsSection(s: RunsSummary): string {
  const defs = { ...metricDescriptions(s), ...CASCADE_METRIC_DESCRIPTIONS } as Record<string, string>;
  for (const m of s.cascadeMetrics)
    if (m.startsWith("time_to_recovery_"))
      defs[m] =
        "time from the bottom until the mark regains that share of the drop and holds it for 30 s (a brief poke above the level in the noise does not count), s";
  const names = [...s.metrics, ...s.cascadeMetrics].filter((m, i, a) => a.indexOf(m) === i);
  return `<section><h2>Definitions</h2><dl class="defs">${names
    .map(
      (m) =>
        `<dt><code>${esc(m)}</code></dt><dd>${esc(defs[m] ?? "experiment-specific metric (declare its unit and description in defineExperiment's metrics)")}</dd>`,
    )
    .join("")}</dl>
<p class="muted small">Confidence intervals: ${INTERVAL_NOTE} Stylized facts: R. Cont, "Empirical properties of asset returns: stylized facts and statistical issues", Quantitative Finance 1 (2001). Generated by @cascade/analysis from the Arrow files alone.</p>
</section>`;
}

// ---------------------------------------------------------------- pieces

function metricTable(
  points: readonly PointSummary[],
  metrics: readonly string[],
  swept: readonly string[],
  descriptions: Readonly<Record<string, string>>,
): string {
  if (points.length === 0 || metrics.length === 0) return `<p class="muted">No data.</p>`;
  const head =
    points.length === 1
      ? "<th>mean ± CI</th><th>sd</th><th>min</th><th>max</th>"
      : points.map((p) => `<th class="point">${pointHeader(p.params, swept)}</th>`).join("");
  const rows = metrics
    .map((m) => {
      const name = `<th scope="row"><code>${esc(m)}</code>${descriptions[m] ? `<div class="desc">${esc(descriptions[m]!)}</div>` : ""}</th>`;
      if (points.length === 1) {
        const x = points[0]!.metrics[m]!;
        return `<tr>${name}<td>${cell(x, m)}</td><td>${fmtMetric(x.std, m)}</td><td>${fmtMetric(x.min, m)}</td><td>${fmtMetric(x.max, m)}</td></tr>`;
      }
      return `<tr>${name}${points.map((p) => `<td>${cell(p.metrics[m], m)}</td>`).join("")}</tr>`;
    })
    .join("");
  return `<div class="scroll"><table class="data metrics"><thead><tr><th>metric</th>${head}</tr></thead><tbody>${rows}</tbody></table></div>`;
}

function pointHeader(params: Readonly<Record<string, ParamValue>>, swept: readonly string[]): string {
  const keys = swept.length ? swept : Object.keys(params);
  return keys.map((k) => `<span class="pk">${esc(k)}</span> ${esc(fmtParam(params[k]))}`).join("<br>");
}

function pointLabel(params: Readonly<Record<string, ParamValue>>, swept: readonly string[]): string {
  return swept.map((k) => `${k}=${fmtParam(params[k])}`).join(", ");
}

function cell(x: Summary | undefined, metric = "", showN = true): string {
  if (!x || x.n === 0)
    return `<span class="muted">—</span>${showN && x ? ` <span class="n">n=0</span>` : ""}`;
  // Rounding noise of a constant metric (e.g. 3.2 ± 1e-15) shows as ± 0.
  const hwValue = x.halfWidth <= 1e-9 * Math.abs(x.mean) ? 0 : x.halfWidth;
  const hw =
    x.interval === "bootstrap-percentile"
      ? x.ciHigh - x.ciLow <= 1e-9 * Math.abs(x.mean)
        ? ` <span class="pm">± 0</span>`
        : ` <span class="pm">[${fmtMetric(x.ciLow, metric)}, ${fmtMetric(x.ciHigh, metric)}]</span>`
      : Number.isFinite(hwValue)
        ? ` <span class="pm">± ${fmtMetric(hwValue, metric)}</span>`
        : "";
  return `${fmtMetric(x.mean, metric)}${hw}${showN ? ` <span class="n">n=${x.n}</span>` : ""}`;
}

function badge(pass: boolean | undefined): string {
  if (pass === undefined) return `<span class="badge na">n/a</span>`;
  return pass ? `<span class="badge ok">yes</span>` : `<span class="badge no">no</span>`;
}

async function figure(spec: ChartSpec, caption: string, cls = ""): Promise<string> {
  const svg = await renderSvg(spec);
  return `<figure class="chart ${cls}">${svg}${caption ? `<figcaption>${esc(caption)}</figcaption>` : ""}</figure>`;
}

const NUMBER = new Intl.NumberFormat("en-US", { maximumSignificantDigits: 4 });

/** Formats a number for the report: 4 significant digits, "—" for NaN, "∞" for infinities. */
function fmt(x: number | undefined): string {
  if (x === undefined || Number.isNaN(x)) return "—";
  if (!Number.isFinite(x)) return x > 0 ? "∞" : "−∞";
  if (x !== 0 && Math.abs(x) < 1e-3)
    return x
      .toExponential(2)
      .replace("e", "·10^")
      .replace(/\^\+?(-?\d+)/, "<sup>$1</sup>");
  return NUMBER.format(x);
}

function fmtPct(x: number): string {
  return Number.isFinite(x) ? `${NUMBER.format(x * 100)} %` : "—";
}

function pct(x: number): string {
  return `${NUMBER.format(x * 100)} %`;
}

function fmtMetric(x: number, metric: string): string {
  return metric === "max_drawdown" || metric === "drawdown_from_origin" ? fmtPct(x) : fmt(x);
}

function fmtParam(v: ParamValue | undefined | number): string {
  if (v === undefined) return "—";
  if (typeof v === "number") return fmt(v).replace(/<\/?sup>/g, "");
  if (typeof v === "boolean") return flagValue(v) ? "true" : "false";
  return v;
}

function esc(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)} — cascade report</title>
<style>
:root { --fg: #111827; --muted: #6b7280; --line: #e5e7eb; --bg: #f8fafc; --accent: #2563eb; --bad: #b91c1c; --good: #15803d; }
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--fg); font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif; }
main { max-width: 1180px; margin: 0 auto; padding: 32px 28px 64px; }
header, section { background: white; border: 1px solid var(--line); border-radius: 10px; padding: 20px 24px; margin-bottom: 20px; }
h1 { font-size: 26px; margin: 0 0 6px; letter-spacing: -0.01em; }
h2 { font-size: 19px; margin: 0 0 10px; }
h3 { font-size: 15px; margin: 20px 0 8px; color: #374151; }
.lede { font-size: 16px; color: #374151; margin: 0 0 14px; max-width: 80ch; }
.muted { color: var(--muted); }
.small { font-size: 13px; }
.bad { color: var(--bad); }
code { font: 13px ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; background: #f3f4f6; padding: 0 4px; border-radius: 4px; }
pre { background: #f3f4f6; padding: 12px; border-radius: 6px; overflow: auto; max-height: 360px; font-size: 12px; }
dl.facts { display: flex; flex-wrap: wrap; gap: 10px 28px; margin: 8px 0 6px; }
dl.facts div { min-width: 90px; }
dl.facts dt { font-size: 12px; text-transform: uppercase; letter-spacing: 0.04em; color: var(--muted); }
dl.facts dd { margin: 0; font-weight: 500; }
details { margin-top: 8px; }
summary { cursor: pointer; color: var(--accent); font-size: 14px; }
.scroll { overflow-x: auto; }
table.data { border-collapse: collapse; font-size: 13.5px; font-variant-numeric: tabular-nums; margin: 6px 0 4px; }
table.data th, table.data td { padding: 6px 12px; border-bottom: 1px solid var(--line); text-align: right; vertical-align: top; white-space: nowrap; }
table.data thead th { background: #f9fafb; font-weight: 600; color: #374151; text-align: right; border-bottom: 2px solid var(--line); }
table.data th[scope=row], table.data td:first-child, table.data thead th:first-child { text-align: left; }
table.data tbody tr:hover { background: #f9fafb; }
table.metrics th[scope=row] { white-space: normal; min-width: 220px; max-width: 340px; font-weight: 500; }
table.verdict td, table.data.verdict thead th { white-space: normal; text-align: left; }
table.compact th, table.compact td { padding: 6px 8px; }
th.point { font-weight: 500; }
table.data thead th.group { text-align: center; border-bottom: 1px solid var(--line); }
.pk { color: var(--muted); font-weight: 400; }
.desc { font-size: 12px; color: var(--muted); font-weight: 400; }
.pm { color: #4b5563; }
.n { color: #9ca3af; font-size: 11px; margin-left: 2px; }
.badge { display: inline-block; padding: 1px 9px; border-radius: 999px; font-size: 12px; font-weight: 600; }
.badge.ok { background: #dcfce7; color: var(--good); }
.badge.no { background: #fee2e2; color: var(--bad); }
.badge.na { background: #f3f4f6; color: var(--muted); }
.callout { display: inline-block; background: #eff6ff; border: 1px solid #bfdbfe; border-radius: 8px; padding: 8px 14px; margin: 4px 0 10px; }
figure.chart { margin: 14px 0 6px; }
figure.chart svg { max-width: 100%; height: auto; display: block; }
figcaption { font-size: 13px; color: var(--muted); margin-top: 2px; }
.grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(330px, 1fr)); gap: 8px 18px; }
.grid figure.chart { margin: 6px 0; }
dl.defs { display: grid; grid-template-columns: max-content 1fr; gap: 4px 16px; font-size: 13.5px; }
dl.defs dd { margin: 0; color: #374151; }
</style>
</head>
<body>
<main>
${body}
</main>
</body>
</html>
`;
}
