import { mkdtempSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { validate } from "./validate.ts";

/**
 * The fast subset of `pnpm validate` (2 seeds, 20,000 accounts, 30-minute quiet runs): every
 * criterion it measures is computed from real runs, and the criteria the model meets today stay
 * met. The full suite (10 seeds) is `pnpm validate`; its page is validation/latest.html.
 */
describe("pnpm validate --fast", () => {
  it("measures every criterion, writes its JSON and HTML, and the calm-market and coupling criteria hold", async () => {
    const out = mkdtempSync(path.join(os.tmpdir(), "cascade-validate-"));
    const report = await validate({ fast: true, outDir: out, workers: 2 });
    const json = JSON.parse(readFileSync(path.join(out, "latest-fast.json"), "utf8"));
    expect(json.outcomes.length).toBe(report.outcomes.length);
    expect(readFileSync(path.join(out, "latest-fast.html"), "utf8")).toContain("<table>");
    for (const o of report.outcomes) expect(o.n, o.id).toBeGreaterThan(0);
    const byId = new Map(report.outcomes.map((o) => [o.id, o]));
    for (const id of [
      "quiet.spread",
      "quiet.basis",
      "quiet.liquidations",
      "quiet.vwap_drawdown",
      "crash.coupling",
      "crash.drawdown_gap",
      "crash.spread",
      "crash.empty_side",
      "crash.pre_shock_liquidations",
    ]) {
      const o = byId.get(id)!;
      expect(o.pass, `${id} = ${o.value}`).toBe(true);
    }
    // Liquidations amplify the crash on the index itself (paired on/off, same order flow).
    expect(byId.get("crash.amplification_index")!.value).toBeGreaterThan(1.05);
    // Simulates about 3 hours of market time: minutes on a shared, loaded machine.
  }, 600_000);
});
