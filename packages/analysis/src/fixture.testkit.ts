/**
 * Test fixture generator: writes an experiment folder shaped like the runner's output
 * (`runs.arrow`, `timeseries.arrow`, `liquidations.arrow`, `manifest.json`) from a synthetic,
 * seeded price model — no simulation involved. Not exported from the package.
 *
 * The model: a GARCH(1,1)-like random walk around 100 sampled every second; at `shockTimeS` the
 * price falls by `shock_size` over 10 s and, with liquidations enabled, by another 1.5 × `shock_size`
 * in two liquidation waves (20 s apart), then recovers 70 % of the cascade's extra fall by the end.
 *
 * @module
 */

import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { tableFromArrays, tableToIPC } from "apache-arrow";

/** A small seeded generator (mulberry32), uniform on [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Standard normal draws from a uniform generator (Box–Muller). */
export function gaussian(rand: () => number): () => number {
  return () => {
    const u = Math.max(rand(), 1e-300);
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
  };
}

/** Options of {@link writeFixture}. */
export interface FixtureOptions {
  /** Folder to write into. Default: a new temp folder. */
  readonly dir?: string;
  /** Shock sizes swept. Default [0.05, 0.1]. */
  readonly shockSizes?: readonly number[];
  /** Whether to sweep liquidations on/off (counterfactual pairs). Default true. */
  readonly counterfactual?: boolean;
  /** Replications per point. Default 3. */
  readonly replications?: number;
  /** Samples per run (1 s apart). Default 600. */
  readonly samples?: number;
  /** Shock start, s. Default 200. */
  readonly shockTimeS?: number;
  /** Append one failed run (null metrics, no series). Default true. */
  readonly withFailure?: boolean;
  /** Write `manifest.json`. Default true. */
  readonly manifest?: boolean;
  /** Name of the on/off parameter column. Default `"liquidations_enabled"`. */
  readonly flagName?: string;
  /** The manifest's declared `counterfactual` (a name or null); absent by default, as in manifests written before it could be declared. */
  readonly declaredCounterfactual?: string | null;
}

/** What {@link writeFixture} wrote, for assertions. */
export interface FixtureInfo {
  /** The folder. */
  readonly dir: string;
  /** Number of rows in runs.arrow (including the failed run). */
  readonly runs: number;
  /** Number of parameter points. */
  readonly points: number;
}

/** Writes a synthetic experiment folder; see the module comment. */
export function writeFixture(options: FixtureOptions = {}): FixtureInfo {
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), "cascade-analysis-"));
  mkdirSync(dir, { recursive: true });
  const shocks = options.shockSizes ?? [0.05, 0.1];
  const flags = options.counterfactual === false ? [true] : [true, false];
  const reps = options.replications ?? 3;
  const n = options.samples ?? 600;
  const shockT = options.shockTimeS ?? 200;

  const runs: Record<string, (number | string | boolean | null)[]> = {
    run_id: [],
    seed: [],
    point_index: [],
    replication: [],
    shock_size: [],
    liquidations_enabled: [],
    status: [],
    error: [],
    liquidations: [],
    liquidated_notional: [],
    liquidated_qty: [],
    takeover_qty: [],
    adl_count: [],
    adl_qty: [],
    start_price: [],
    end_price: [],
    min_price: [],
    max_drawdown: [],
    index_drawdown: [],
    insurance_fund_start: [],
    insurance_fund_end: [],
    insurance_fund_min: [],
    conservation_error: [],
    kernel_events: [],
    sim_seconds: [],
    peak_interval_notional: [],
    trace_hash: [],
    wall_ms: [],
  };
  const tsCols = [
    "time_s",
    "last",
    "mid",
    "mark",
    "index",
    "spread",
    "bid_depth_1pct",
    "ask_depth_1pct",
    "bid_depth_2pct",
    "ask_depth_2pct",
    "open_interest",
    "funding_rate",
    "insurance_fund",
    "insurance_fund_equity",
    "liquidated_notional_in_interval",
    "liquidations_in_interval",
    "adl_count_in_interval",
    "takeover_qty_in_interval",
    "halted",
    "maintenance_multiplier",
    "kernel_events_in_interval",
    "latency_multiplier",
    "spot_mid_spot_a",
    "retail_open_positions",
  ];
  const ts: Record<string, number[]> = { run_id: [] };
  for (const c of tsCols) ts[c] = [];
  const liqCols = [
    "time_s",
    "account",
    "side",
    "qty",
    "mark",
    "liquidation_price",
    "bankruptcy_price",
    "fill_price",
    "fund_delta",
    "stage",
  ];
  const liq: Record<string, number[]> = { run_id: [] };
  for (const c of liqCols) liq[c] = [];

  let runId = 0;
  let point = 0;
  for (const shock of shocks) {
    for (const on of flags) {
      for (let rep = 0; rep < reps; rep++) {
        const seed = 1000 + rep;
        const rand = mulberry32(seed);
        const norm = gaussian(rand);
        // Base path: GARCH(1,1) returns with the same seed for both arms of a pair.
        const base = new Float64Array(n);
        let p = 100;
        let v = 1e-6;
        let r = 0;
        for (let i = 0; i < n; i++) {
          v = 2e-8 + 0.1 * r * r + 0.88 * v;
          r = Math.sqrt(v) * norm();
          p *= Math.exp(r);
          base[i] = p;
        }
        // Events: two waves of liquidations when enabled.
        const events: { t: number; account: number; qty: number; stage: number }[] = [];
        if (on) {
          let acc = 0;
          for (const [start, len, count] of [
            [shockT + 2, 14, 30],
            [shockT + 60, 10, 20],
          ] as const) {
            for (let k = 0; k < count; k++) {
              const t = start + (len * k) / count + rand() * 0.4;
              events.push({
                t,
                account: acc++,
                qty: 0.5 + rand() * 2 * shock * 10,
                stage: k % 5 === 4 ? 1 : 0,
              });
            }
          }
          for (let k = 0; k < 4; k++)
            events.push({ t: shockT + 42 + k, account: 900 + k, qty: 0.8, stage: 2 });
          events.sort((a, b) => a.t - b.t);
        }
        const extra = on ? 1.5 * shock : 0;
        const mark = new Float64Array(n);
        const fund = new Float64Array(n);
        const perInterval = new Float64Array(n);
        const perCount = new Float64Array(n);
        const perAdl = new Float64Array(n);
        for (let i = 0; i < n; i++) {
          const t = i + 1;
          let f = 1;
          if (t >= shockT) f *= 1 - shock * Math.min(1, (t - shockT) / 10);
          if (extra > 0 && t >= shockT) {
            const fall = extra * Math.min(1, (t - shockT) / 50);
            const rec =
              t > shockT + 60 ? 0.7 * extra * Math.min(1, (t - shockT - 60) / (n - shockT - 60)) : 0;
            f *= 1 - fall + rec;
          }
          mark[i] = base[i]! * f;
        }
        for (const e of events) {
          const i = Math.min(n - 1, Math.max(0, Math.ceil(e.t) - 1));
          const price = mark[i]! * 0.995;
          if (e.stage === 2) {
            perAdl[i]! += 1;
          } else {
            perInterval[i]! += e.qty * price;
            perCount[i]! += 1;
          }
          liq.run_id!.push(runId);
          liq.time_s!.push(e.t);
          liq.account!.push(e.account);
          liq.side!.push(0);
          liq.qty!.push(e.qty);
          liq.mark!.push(mark[i]!);
          liq.liquidation_price!.push(price * 1.002);
          liq.bankruptcy_price!.push(price);
          liq.fill_price!.push(e.stage === 1 ? price : price * 1.001);
          liq.fund_delta!.push(e.stage === 1 ? -e.qty * price * 0.1 : e.qty * price * 0.001);
          liq.stage!.push(e.stage);
        }
        // Insurance fund follows the takeovers (step down at each takeover's interval).
        let level = 100_000;
        for (let i = 0; i < n; i++) {
          for (const e of events)
            if (e.stage === 1 && Math.ceil(e.t) - 1 === i) level -= e.qty * mark[i]! * 0.995 * 0.1;
          fund[i] = level;
        }
        let peak = -1;
        let mdd = 0;
        let minP = Number.POSITIVE_INFINITY;
        for (let i = 0; i < n; i++) {
          const t = i + 1;
          const m = mark[i]!;
          peak = Math.max(peak, m);
          mdd = Math.max(mdd, 1 - m / peak);
          minP = Math.min(minP, m);
          const stress = t >= shockT && t < shockT + 60 ? 0.4 : 1;
          const row: Record<string, number> = {
            time_s: t,
            last: m * (1 + 0.0004 * norm()),
            mid: m * (1 + 0.0001 * norm()),
            mark: m,
            index: base[i]! * (t >= shockT ? 1 - shock * Math.min(1, (t - shockT) / 10) : 1),
            spread: 0.01 * (1 + rand()),
            bid_depth_1pct: (40 + 10 * rand()) * stress,
            ask_depth_1pct: (40 + 10 * rand()) * (stress + 0.2),
            bid_depth_2pct: (90 + 15 * rand()) * stress,
            ask_depth_2pct: (90 + 15 * rand()) * (stress + 0.2),
            open_interest: 5000 - perCount.slice(0, i + 1).reduce((a, b) => a + b, 0),
            funding_rate: 0.0001,
            insurance_fund: fund[i]!,
            insurance_fund_equity: fund[i]! - (perCount[i]! > 0 ? 50 : 0),
            liquidated_notional_in_interval: perInterval[i]!,
            liquidations_in_interval: perCount[i]!,
            adl_count_in_interval: perAdl[i]!,
            takeover_qty_in_interval: 0,
            halted: 0,
            maintenance_multiplier: 1,
            kernel_events_in_interval: 1000 + Math.floor(rand() * 100),
            latency_multiplier: 1,
            spot_mid_spot_a: base[i]!,
            retail_open_positions: 1000 - i,
          };
          ts.run_id!.push(runId);
          for (const c of tsCols) ts[c]!.push(row[c]!);
        }
        const liqEvents = events.filter((e) => e.stage !== 2);
        const notional = perInterval.reduce((a, b) => a + b, 0);
        let minFund = Number.POSITIVE_INFINITY;
        for (const f of fund) minFund = Math.min(minFund, f - 50);
        const push = (k: string, val: number | string | boolean | null) => runs[k]!.push(val);
        push("run_id", runId);
        push("seed", seed);
        push("point_index", point);
        push("replication", rep);
        push("shock_size", shock);
        push("liquidations_enabled", on);
        push("status", "ok");
        push("error", "");
        push("liquidations", liqEvents.length);
        push("liquidated_notional", notional);
        push(
          "liquidated_qty",
          liqEvents.reduce((a, e) => a + e.qty, 0),
        );
        push(
          "takeover_qty",
          liqEvents.filter((e) => e.stage === 1).reduce((a, e) => a + e.qty, 0),
        );
        push("adl_count", events.length - liqEvents.length);
        push("adl_qty", (events.length - liqEvents.length) * 0.8);
        push("start_price", mark[0]!);
        push("end_price", mark[n - 1]!);
        push("min_price", minP);
        push("max_drawdown", mdd);
        // An experiment metric the report compares too: the index falls 80 % as far as the mark.
        push("index_drawdown", 0.8 * mdd);
        push("insurance_fund_start", fund[0]!);
        push("insurance_fund_end", fund[n - 1]!);
        push("insurance_fund_min", events.length ? minFund : fund[0]!);
        push("conservation_error", 0);
        push("kernel_events", 600_000 + runId);
        push("sim_seconds", n);
        push("peak_interval_notional", Math.max(...perInterval));
        push("trace_hash", `hash-${runId}`);
        push("wall_ms", 100 + runId);
        runId++;
      }
      point++;
    }
  }
  if (options.withFailure ?? true) {
    for (const k of Object.keys(runs)) runs[k]!.push(null);
    const last = runs.run_id!.length - 1;
    runs.run_id![last] = runId;
    runs.seed![last] = 1000;
    runs.point_index![last] = 0;
    runs.replication![last] = reps;
    runs.shock_size![last] = shocks[0]!;
    runs.liquidations_enabled![last] = true;
    runs.status![last] = "failed";
    runs.error![last] = "invariant violated: boom";
    runs.trace_hash![last] = "";
    runs.wall_ms![last] = 5;
    runId++;
  }
  const numeric = (a: (number | string | boolean | null)[]) => a as (number | null)[];
  const runTable = tableFromArrays({
    run_id: Int32Array.from(numeric(runs.run_id!) as number[]),
    seed: Float64Array.from(numeric(runs.seed!) as number[]),
    point_index: Int32Array.from(numeric(runs.point_index!) as number[]),
    replication: Int32Array.from(numeric(runs.replication!) as number[]),
    shock_size: Float64Array.from(numeric(runs.shock_size!) as number[]),
    [options.flagName ?? "liquidations_enabled"]: runs.liquidations_enabled as boolean[],
    status: runs.status as string[],
    error: runs.error as string[],
    ...Object.fromEntries(
      Object.keys(runs)
        .filter(
          (k) =>
            ![
              "run_id",
              "seed",
              "point_index",
              "replication",
              "shock_size",
              "liquidations_enabled",
              "status",
              "error",
              "trace_hash",
            ].includes(k),
        )
        .map((k) => [k, numeric(runs[k]!)]),
    ),
    trace_hash: runs.trace_hash as string[],
  });
  writeFileSync(join(dir, "runs.arrow"), tableToIPC(runTable, "file"));
  writeFileSync(
    join(dir, "timeseries.arrow"),
    tableToIPC(
      tableFromArrays({
        run_id: Int32Array.from(ts.run_id!),
        ...Object.fromEntries(tsCols.map((c) => [c, Float64Array.from(ts[c]!)])),
      }),
      "file",
    ),
  );
  writeFileSync(
    join(dir, "liquidations.arrow"),
    tableToIPC(
      tableFromArrays({
        run_id: Int32Array.from(liq.run_id!),
        time_s: Float64Array.from(liq.time_s!),
        account: Int32Array.from(liq.account!),
        side: Uint8Array.from(liq.side!),
        qty: Float64Array.from(liq.qty!),
        mark: Float64Array.from(liq.mark!),
        liquidation_price: Float64Array.from(liq.liquidation_price!),
        bankruptcy_price: Float64Array.from(liq.bankruptcy_price!),
        fill_price: Float64Array.from(liq.fill_price!),
        fund_delta: Float64Array.from(liq.fund_delta!),
        stage: Uint8Array.from(liq.stage!),
      }),
      "file",
    ),
  );
  if (options.manifest ?? true) {
    writeFileSync(
      join(dir, "manifest.json"),
      JSON.stringify(
        {
          name: "Fixture shock sweep",
          description:
            "Synthetic shock sweep with and without liquidations (test fixture, not a simulation).",
          seed: 1000,
          parameters: { shock_size: shocks, [options.flagName ?? "liquidations_enabled"]: flags },
          ...(options.declaredCounterfactual === undefined
            ? {}
            : { counterfactual: options.declaredCounterfactual }),
          replications: reps,
          createdAt: "2025-01-01T00:00:00Z",
        },
        null,
        2,
      ),
    );
  }
  return { dir, runs: runs.run_id!.length, points: point };
}
