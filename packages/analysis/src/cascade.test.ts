import { describe, expect, it } from "vitest";
import {
  adlVolume,
  amplificationPairs,
  cascadeTiming,
  flagValue,
  insuranceFundDrawdown,
  liquidationWaves,
  liquidationWavesFromSeries,
  maxDrawdown,
  RECOVERY_PERSIST_S,
} from "./cascade.ts";
import type { ParamValue, RunRecord } from "./read.ts";

const f64 = (...x: number[]) => Float64Array.from(x);

describe("maxDrawdown", () => {
  it("finds the largest fall from the running peak, not from the first price", () => {
    const d = maxDrawdown(f64(100, 110, 88, 95, 120, 108));
    expect(d.drawdown).toBeCloseTo(0.2, 12);
    expect(d.peakIndex).toBe(1);
    expect(d.troughIndex).toBe(2);
    expect(d.peak).toBe(110);
    expect(d.trough).toBe(88);
  });

  it("skips NaN samples and is zero for a rising series", () => {
    expect(maxDrawdown(f64(Number.NaN, 1, 2, Number.NaN, 3)).drawdown).toBe(0);
    expect(maxDrawdown(f64(Number.NaN, 100, Number.NaN, 50)).drawdown).toBeCloseTo(0.5, 12);
  });

  it("starts the running peak at the given start index", () => {
    // Before index 2 the peak is 200; from index 2 on it is 100.
    expect(maxDrawdown(f64(200, 150, 100, 80, 90), 2).drawdown).toBeCloseTo(0.2, 12);
  });
});

describe("cascadeTiming", () => {
  const time = f64(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10);
  const price = f64(100, 100, 100, 95, 85, 80, 82, 90, 95, 101, 100);

  it("measures time to bottom from the shock start and recovery to fractions of the drop", () => {
    const t = cascadeTiming(time, price, { shockTimeS: 2, recoveryFractions: [0.5, 1], recoveryPersistS: 1 });
    expect(t.drawdown).toBeCloseTo(0.2, 12);
    expect(t.bottomTimeS).toBe(5);
    expect(t.timeToBottomS).toBe(3);
    // Half-way back is 90, reached at t = 7 and held; all the way back (100) at t = 9 and held 1 s.
    expect(t.recoveries[0]).toMatchObject({ fraction: 0.5, level: 90, timeS: 7, timeToRecoveryS: 2 });
    expect(t.recoveries[1]).toMatchObject({ fraction: 1, level: 100, timeS: 9, timeToRecoveryS: 4 });
  });

  it("counts time to bottom from the first sample when no shock is given", () => {
    expect(cascadeTiming(time, price).timeToBottomS).toBe(5);
  });

  it("counts a recovery only once the price holds the level for the persistence window", () => {
    // Bottom 80 at t = 2; a 1-sample poke to 91 at t = 3 (noise), back below, then above 90 from t = 10 on.
    const t = f64(...Array.from({ length: 60 }, (_, i) => i));
    const p = f64(
      ...Array.from({ length: 60 }, (_, i) => (i < 2 ? 100 : i === 2 ? 80 : i === 3 ? 91 : i < 10 ? 84 : 92)),
    );
    const noisy = cascadeTiming(t, p, { recoveryFractions: [0.5], recoveryPersistS: 0 });
    expect(noisy.recoveries[0]!.timeToRecoveryS).toBe(1);
    const held = cascadeTiming(t, p, { recoveryFractions: [0.5] });
    expect(RECOVERY_PERSIST_S).toBe(30);
    expect(held.recoveries[0]).toMatchObject({ level: 90, timeS: 10, timeToRecoveryS: 8 });
    // Held to the end of the run but for less than the window: not a recovery within the run.
    expect(
      cascadeTiming(t, p, { recoveryFractions: [0.5], recoveryPersistS: 55 }).recoveries[0]!.timeS,
    ).toBeNaN();
  });

  it("reports NaN recovery when the price never regains the level", () => {
    const t = cascadeTiming(f64(0, 1, 2), f64(100, 50, 60), { recoveryFractions: [0.5] });
    expect(t.recoveries[0]!.timeToRecoveryS).toBeNaN();
  });
});

describe("liquidationWaves", () => {
  // Events at 1, 2, 3 | gap 17 s | 20, 21.5 | gap 28.5 s | 50 — three waves with a 5 s gap.
  const liq = {
    time_s: f64(2, 1, 3, 20, 21.5, 50, 21),
    account: f64(7, 1, 1, 2, 3, 4, 9),
    qty: f64(1, 2, 1, 1, 3, 1, 5),
    bankruptcy_price: f64(100, 100, 90, 50, 50, 10, 50),
    fill_price: f64(101, 101, 91, 51, 51, 11, 51),
    mark: f64(100, 100, 90, 50, 50, 10, 50),
    stage: f64(0, 0, 1, 0, 4, 0, 2),
  };

  it("starts a new wave after a quiet gap longer than gapSeconds", () => {
    const w = liquidationWaves(liq, { gapSeconds: 5 });
    expect(w).toHaveLength(3);
    expect(w.map((x) => [x.startS, x.endS])).toEqual([
      [1, 3],
      [20, 21.5],
      [50, 50],
    ]);
    // Wave 1: 2·100 + 1·100 + 1·90 at bankruptcy prices; accounts {1, 7}.
    expect(w[0]!.notional).toBeCloseTo(390, 12);
    expect(w[0]!.accounts).toBe(2);
    expect(w[0]!.events).toBe(3);
    expect(w[0]!.qty).toBe(4);
    expect(w[0]!.peakS).toBe(1);
    expect(w[0]!.peakNotional).toBe(200);
    // Wave 2: the ADL row at 21 s is not a liquidation.
    expect(w[1]!.notional).toBeCloseTo(200, 12);
    expect(w[1]!.events).toBe(2);
  });

  it("merges everything into one wave when the gap is long enough", () => {
    expect(liquidationWaves(liq, { gapSeconds: 60 })).toHaveLength(1);
  });

  it("finds waves in the per-interval series as well", () => {
    const ts = {
      time_s: f64(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12),
      liquidated_notional: f64(0, 10, 30, 0, 5, 0, 0, 0, 0, 0, 40, 0),
      liquidations: f64(0, 1, 2, 0, 1, 0, 0, 0, 0, 0, 3, 0),
    };
    const w = liquidationWavesFromSeries(ts, { gapSeconds: 3 });
    expect(w).toHaveLength(2);
    expect(w[0]).toMatchObject({
      startS: 2,
      endS: 5,
      notional: 45,
      peakS: 3,
      peakNotional: 30,
      accounts: 4,
      events: 3,
    });
    expect(w[1]).toMatchObject({ startS: 11, endS: 11, notional: 40 });
  });
});

describe("insurance fund and ADL", () => {
  it("insuranceFundDrawdown measures the fall from the running peak", () => {
    const d = insuranceFundDrawdown(f64(100, 120, 60, 80, Number.NaN, 90));
    expect(d).toMatchObject({ start: 100, min: 60, end: 90, drawdown: 60, depleted: false });
    expect(d.drawdownFraction).toBeCloseTo(0.5, 12);
    expect(insuranceFundDrawdown(f64(10, -5)).depleted).toBe(true);
  });

  it("adlVolume sums the ADL rows of the liquidation log", () => {
    const a = adlVolume({ stage: f64(0, 2, 2, 1), qty: f64(5, 1, 2, 7), fill_price: f64(10, 100, 50, 10) });
    expect(a).toEqual({ count: 2, qty: 3, notional: 200 });
  });
});

describe("amplificationPairs", () => {
  const run = (
    runId: number,
    params: Record<string, ParamValue>,
    replication: number,
    dd: number,
    seed = String(100 + replication),
  ): RunRecord => ({
    runId,
    seed,
    pointIndex: 0,
    replication,
    status: "ok",
    error: "",
    params,
    metrics: { max_drawdown: dd },
    traceHash: "",
    wallMs: 0,
  });

  it("pairs runs that differ only in the flag and share the replication", () => {
    const runs = [
      run(0, { shock: 0.1, liquidations: true }, 0, 0.3),
      run(1, { shock: 0.1, liquidations: true }, 1, 0.2),
      run(2, { shock: 0.1, liquidations: false }, 0, 0.1),
      run(3, { shock: 0.1, liquidations: false }, 1, 0.1),
      run(4, { shock: 0.2, liquidations: true }, 0, 0.5),
      run(5, { shock: 0.2, liquidations: false }, 1, 0.25), // replication 1 has no partner with the flag on
      { ...run(6, { shock: 0.2, liquidations: false }, 0, 0.25), status: "failed" },
    ];
    const pairs = amplificationPairs(runs, { flag: "liquidations" });
    expect(pairs.map((p) => [p.withRunId, p.withoutRunId])).toEqual([
      [0, 2],
      [1, 3],
    ]);
    expect(pairs[0]!.amplification).toBeCloseTo(3, 12);
    expect(pairs[1]!.amplification).toBeCloseTo(2, 12);
    expect(pairs[0]!.params).toEqual({ shock: 0.1 });
    expect(pairs[0]!.sameSeed).toBe(true);
  });

  it("can require equal seeds and reads string or numeric flags", () => {
    const runs = [run(0, { liq: "true" }, 0, 0.3, "1"), run(1, { liq: "false" }, 0, 0.1, "2")];
    expect(amplificationPairs(runs, { flag: "liq" })).toHaveLength(1);
    expect(amplificationPairs(runs, { flag: "liq", requireSameSeed: true })).toHaveLength(0);
    expect(flagValue(1)).toBe(true);
    expect(flagValue(0)).toBe(false);
    expect(flagValue("maybe")).toBeUndefined();
  });

  it("pairs every on run with an off run that lacks a conditional axis and agrees on the rest", () => {
    // whale ∈ {on, off} × whaleBtc ∈ {30, 60} only where the whale is on: one off run per replication.
    const runs = [
      run(0, { shock: 1, whale: true, whaleBtc: 30 }, 0, 0.3),
      run(1, { shock: 1, whale: true, whaleBtc: 60 }, 0, 0.6),
      run(2, { shock: 1, whale: false }, 0, 0.1),
      run(3, { shock: 2, whale: false }, 0, 0.2),
      run(4, { shock: 2, whale: true, whaleBtc: 30 }, 0, 0.4),
    ];
    const pairs = amplificationPairs(runs, { flag: "whale" });
    expect(pairs.map((p) => [p.withRunId, p.withoutRunId])).toEqual([
      [0, 2],
      [1, 2],
      [4, 3],
    ]);
    expect(pairs[1]!.amplification).toBeCloseTo(6, 12);
    expect(pairs[1]!.params).toEqual({ shock: 1, whaleBtc: 60 });
  });

  it("prefers an off run with every parameter of the on run to one that lacks some", () => {
    const runs = [
      run(0, { a: 1, b: 2, f: true }, 0, 0.3),
      run(1, { a: 1, f: false }, 0, 0.1),
      run(2, { a: 1, b: 2, f: false }, 0, 0.15),
    ];
    expect(amplificationPairs(runs, { flag: "f" }).map((p) => p.withoutRunId)).toEqual([2]);
  });

  it("gives an infinite amplification when the counterfactual drawdown is zero", () => {
    const runs = [run(0, { l: true }, 0, 0.3), run(1, { l: false }, 0, 0)];
    expect(amplificationPairs(runs, { flag: "l" })[0]!.amplification).toBe(Number.POSITIVE_INFINITY);
  });
});
