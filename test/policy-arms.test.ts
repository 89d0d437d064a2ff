/**
 * Every arm of every policy study changes the run: a study whose arm replays another arm's trace
 * answers a question it never asked (issue 12: `partial` liquidation gave the baseline's trace
 * hashes while every position sat inside the first margin tier). Each study's sweep is planned as
 * `cascade run` plans it, and one replication of each point is replayed in-process.
 *
 * The runs are small (3,000 retail accounts, a 7-minute run with the shock at minutes 2-5), so
 * the common settings make every policy bite at that size: a deeper shock (400 BTC) so that whales
 * reach their liquidation prices, 1 % whales so that a few sit above the first margin tier, and a
 * 200,000 USDT insurance fund so that its position cap sends takeovers to auto-deleveraging (with
 * the flagship's 5 M USDT fund a crash this small never needs ADL, and `fund-no-adl` would be the
 * baseline's run).
 */
import { describe, expect, it } from "vitest";
import { planExperiment, reproduceRun } from "../packages/runner/src/index.ts";

const SMALL = {
  retailAccounts: 3_000,
  whaleShare: 0.01,
  shockBtc: 400,
  shockStartMinutes: 2,
  shockMinutes: 3,
  durationMinutes: 7,
  insuranceFund: 200_000,
} as const;

/** The studies that compare policies or market settings, each run on the flagship world. */
// Set POLICY_ARMS_STUDIES=a,b to run some of them.
const STUDIES = [
  "flash-crash",
  "liquidation-policy",
  "leverage-cap",
  "arbitrage-latency",
  "market-maker-capacity",
] as const;

/** Trace hash and liquidation stages of one replication of every point of `study`. */
async function arms(study: string): Promise<{ label: string; hash: string; stages: number[] }[]> {
  const experiment = (await import(`../experiments/${study}.ts`)).default;
  const plan = await planExperiment(experiment, { overrides: SMALL, replications: 1 });
  const swept = Object.keys(plan.sweep?.kind === "grid" ? plan.sweep.values : {});
  return plan.points.map((point, runId) => {
    const { row, result } = reproduceRun(plan, runId);
    if (row.status !== "ok" || result === null) throw new Error(`${study} run ${runId}: ${row.error}`);
    const stages = [0, 0, 0, 0, 0, 0];
    for (const s of result.liquidations.stage) stages[s] = (stages[s] ?? 0) + 1;
    return {
      label: swept.map((k) => `${k}=${String(point[k])}`).join(" "),
      hash: row.traceHash!,
      stages,
    };
  });
}

const only = process.env.POLICY_ARMS_STUDIES?.split(",");

describe("every arm of every policy study changes the trace", () => {
  for (const study of STUDIES.filter((s) => only === undefined || only.includes(s))) {
    it(`${study}: no two points of the sweep give the same trace hash`, { timeout: 900_000 }, async () => {
      const runs = await arms(study);
      expect(runs.length).toBeGreaterThan(1);
      const seen = new Map<string, string>();
      const same: string[] = [];
      for (const r of runs) {
        const other = seen.get(r.hash);
        if (other !== undefined) same.push(`${r.label} = ${other} (${r.hash})`);
        else seen.set(r.hash, r.label);
      }
      expect(same, `arms with the same trace in ${study}`).toEqual([]);
      if (study === "liquidation-policy") {
        // Partial liquidation applies: some position above the first tier is cut tier by tier.
        const partial = runs.find((r) => r.label === "policy=partial")!;
        expect(partial.stages[4], "partial steps in the partial arm").toBeGreaterThan(0);
        expect(runs.find((r) => r.label === "policy=baseline")!.stages[4]).toBe(0);
      }
    });
  }
});
