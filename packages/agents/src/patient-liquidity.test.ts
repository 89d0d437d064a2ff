import { BTCUSDT, Side, seconds } from "@cascade/core";
import { TimeInForce } from "@cascade/matching-engine";
import { type Agent, type AgentContext, createWorld, type VenueSpec } from "@cascade/sim";
import { describe, expect, it } from "vitest";
import {
  emaStep,
  PatientLiquidity,
  patientLevelTicks,
  resolvePatientLiquidityConfig,
} from "./patient-liquidity.ts";

describe("patient liquidity decision rule", () => {
  it("places level i at a fixed discount or premium to the anchor, rounded away from it", () => {
    // 1 % then 1 % apart: 70,000 → bids 69,300, 68,600; asks 70,700.
    expect(patientLevelTicks(700_000, Side.Buy, 0, 10_000, 10_000)).toBe(693_000);
    expect(patientLevelTicks(700_000, Side.Buy, 1, 10_000, 10_000)).toBe(686_000);
    expect(patientLevelTicks(700_000, Side.Sell, 0, 10_000, 10_000)).toBe(707_000);
    expect(patientLevelTicks(700_001, Side.Buy, 0, 10_000, 10_000)).toBe(693_000); // floor(693000.99)
  });

  it("moves the anchor half way to a new price after one half-life", () => {
    expect(emaStep(100, 200, 10, 10)).toBeCloseTo(150, 12);
    expect(emaStep(100, 200, 0, 10)).toBe(100);
  });

  it("refuses bad configuration, naming the field", () => {
    expect(() => resolvePatientLiquidityConfig({ venue: "perp", growth: 0.5 })).toThrowError(
      /patientLiquidity.growth = 0.5/,
    );
    expect(() =>
      resolvePatientLiquidityConfig({ venue: "perp", levels: 200, spacingPpm: 10_000 }),
    ).toThrowError(/patientLiquidity.levels/);
    expect(() => resolvePatientLiquidityConfig({ venue: "" })).toThrowError(/patientLiquidity.venue/);
  });
});

/** A perpetual whose index starts at 700,000 ticks and drifts by `driftPerSecond`, without noise. */
function perpAt700k(driftPerSecond: number): VenueSpec {
  return {
    kind: "perp",
    name: "perp",
    config: { instrument: BTCUSDT, minPriceTicks: 1, maxPriceTicks: 2_000_000 },
    index: { process: { initialTicks: 700_000, volatilityPerSqrtSecond: 0, driftPerSecond } },
  };
}

describe("patient liquidity in a world", () => {
  it("rests growing bids below and asks above the price, which a crash does not drag down", () => {
    const world = createWorld({
      seed: 5,
      venues: [perpAt700k(-0.002)],
      agents: [
        new PatientLiquidity({
          venue: "perp",
          levels: 5,
          baseLots: 100,
          growth: 1.5,
          anchorHalfLifeNs: 3600e9,
        }),
      ],
    });
    world.run(seconds(30));
    const book = world.perp("perp").book;
    const bids = book.depth(Side.Buy, 10);
    const asks = book.depth(Side.Sell, 10);
    expect(bids).toHaveLength(5);
    expect(asks).toHaveLength(5);
    expect(bids.map((l) => l.qtyLots)).toEqual([100, 150, 225, 338, 506]);
    // The index fell ~6 % in 30 s, but the anchor (1-hour half-life) only a fraction of that.
    expect(bids[0]!.priceTicks).toBeGreaterThan(700_000 * 0.99 * 0.995);
  });

  it("never takes: a level the market has gone through waits until the price comes back", () => {
    /** Rests a large ask 1.5 % below the index, under the patient buyer's first level (1 % below). */
    class LowAsk implements Agent {
      readonly name = "low-ask";
      readonly kind = "low-ask";
      start(ctx: AgentContext): void {
        const account = ctx.openPerpAccount(0, { isolated: false, leverage: 10, deposit: "100000000" });
        ctx.limit(0, account, Side.Sell, 689_500, 5_000, TimeInForce.GTC);
      }
      onWake(): void {}
      onMessage(): void {}
    }
    const world = createWorld({
      seed: 5,
      venues: [perpAt700k(0)],
      agents: [new LowAsk(), new PatientLiquidity({ venue: "perp", levels: 5, baseLots: 100 })],
    });
    const result = world.run(seconds(30));
    const book = world.perp("perp").book;
    // The ask is untouched; the bids through it (1 % below the anchor) are not placed, the rest are.
    expect(book.depth(Side.Sell, 1)[0]).toMatchObject({ priceTicks: 689_500, qtyLots: 5_000 });
    expect(result.timeseries.patient_liquidity_filled_lots!.at(-1)).toBe(0);
    expect(book.bestBid()).toBeLessThan(689_500);
    expect(book.depth(Side.Buy, 10)).toHaveLength(4);
  });
});
