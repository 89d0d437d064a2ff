/**
 * Property tests of the perpetual venue: random traders (isolated and cross, various leverages)
 * send random deposits, withdrawals, limit / market / reduce-only orders, cancels and leverage
 * changes, interleaved with index moves (crashes deep enough to liquidate, take over, deleverage
 * and work the fund out) and `advance` calls across funding boundaries, under random policies.
 * After every step the venue proves its accounting (`checkConservation`) and the book its
 * structure (`checkInvariants`).
 */

import { NS_PER_SECOND, RejectCode, Side } from "@cascade/core";
import { TimeInForce } from "@cascade/matching-engine";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { LiquidationStage } from "./liquidation-log.ts";
import type { PerpVenueConfig } from "./perp-config.ts";
import { makeVenue, SINGLE_TIER, USDT } from "./perp-venue.testkit.ts";
import { INSURANCE_FUND } from "./perp-venue.ts";

type Step =
  | { k: "deposit"; a: number; usdt: number }
  | { k: "withdraw"; a: number; usdt: number }
  | { k: "limit"; a: number; side: Side; off: number; qty: number; tif: TimeInForce; ro: boolean }
  | { k: "market"; a: number; side: Side; qty: number; ro: boolean }
  | { k: "cancel"; a: number; pick: number }
  | { k: "reduce"; a: number; pick: number; qty: number }
  | { k: "leverage"; a: number; lev: number }
  | { k: "addMargin"; a: number; usdt: number }
  | { k: "index"; ppm: number }
  | { k: "advance"; ms: number };

const TRADERS = 6;
/** Starting index in ticks (500 USDT): a small price range keeps the book's O(levels) checks cheap. */
const P0 = 5_000;
const MAX_PRICE = 10_000;
/** A ladder scaled to this price level (maintenance amounts 0 / 5 / 130 / 1,630 USDT, continuous). */
const SMALL_LADDER = [
  { maxNotional: "5000", maintenanceMarginRate: "0.004", maxLeverage: 125 },
  { maxNotional: "25000", maintenanceMarginRate: "0.005", maxLeverage: 100 },
  { maxNotional: "100000", maintenanceMarginRate: "0.01", maxLeverage: 50 },
  { maxNotional: "Infinity", maintenanceMarginRate: "0.025", maxLeverage: 20 },
];
const account = fc.integer({ min: 0, max: TRADERS - 1 });
const side = fc.constantFrom(Side.Buy, Side.Sell);
const leverage = fc.constantFrom(1, 2, 5, 10, 20, 20, 50, 50, 100, 100);

const step: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 2,
    arbitrary: fc.record({
      k: fc.constant("deposit" as const),
      a: account,
      usdt: fc.integer({ min: 1, max: 5_000 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      k: fc.constant("withdraw" as const),
      a: account,
      usdt: fc.integer({ min: 1, max: 3_000 }),
    }),
  },
  {
    weight: 10,
    arbitrary: fc.record({
      k: fc.constant("limit" as const),
      a: account,
      side,
      off: fc.integer({ min: -80, max: 80 }),
      qty: fc.integer({ min: 1, max: 40_000 }),
      tif: fc.constantFrom(TimeInForce.GTC, TimeInForce.GTC, TimeInForce.IOC, TimeInForce.PostOnly),
      ro: fc.boolean(),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      k: fc.constant("market" as const),
      a: account,
      side,
      qty: fc.integer({ min: 1, max: 40_000 }),
      ro: fc.boolean(),
    }),
  },
  { weight: 2, arbitrary: fc.record({ k: fc.constant("cancel" as const), a: account, pick: fc.nat(20) }) },
  {
    weight: 1,
    arbitrary: fc.record({
      k: fc.constant("reduce" as const),
      a: account,
      pick: fc.nat(20),
      qty: fc.integer({ min: 1, max: 10_000 }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ k: fc.constant("leverage" as const), a: account, lev: leverage }) },
  {
    weight: 1,
    arbitrary: fc.record({
      k: fc.constant("addMargin" as const),
      a: account,
      usdt: fc.integer({ min: 1, max: 500 }),
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      k: fc.constant("index" as const),
      ppm: fc.oneof(
        fc.integer({ min: -20_000, max: 20_000 }),
        fc.constantFrom(-300_000, -150_000, -80_000, -40_000, 40_000, 80_000, 150_000, 300_000),
      ),
    }),
  },
  {
    weight: 5,
    arbitrary: fc.record({ k: fc.constant("advance" as const), ms: fc.integer({ min: 1, max: 20_000 }) }),
  },
);

const policy: fc.Arbitrary<Partial<PerpVenueConfig>> = fc.record({
  maintenanceConvention: fc.constantFrom("mark" as const, "entry" as const),
  tiers: fc.constantFrom(SMALL_LADDER, SINGLE_TIER),
  makerFeePpm: fc.constantFrom(0, 200, -100),
  takerFeePpm: fc.constantFrom(0, 500),
  funding: fc.record({
    intervalNs: fc.constantFrom(30 * NS_PER_SECOND, 120 * NS_PER_SECOND),
    interestRate: fc.constantFrom(0.0001, 0.003, -0.003),
  }),
  liquidation: fc.record({
    mode: fc.constantFrom("full" as const, "partial" as const),
    maxNotionalPerSecond: fc.constantFrom(null, "20000", "500000"),
    fundWorkoutSlippagePpm: fc.constantFrom(0, 10_000, 100_000),
  }),
  insuranceFund: fc.record({
    initial: fc.constantFrom("0", "100", "10000000"),
    adl: fc.boolean(),
    adlThreshold: fc.constantFrom("0", "50"),
  }),
  circuitBreaker: fc.constantFrom(null, {
    movePpm: 100_000,
    windowNs: 5 * NS_PER_SECOND,
    haltNs: 10 * NS_PER_SECOND,
  }),
  dynamicMaintenance: fc.constantFrom(null, {
    windowNs: 30 * NS_PER_SECOND,
    referenceVolatility: 0.002,
    maxMultiplier: 2,
  }),
});

const traderSpec = fc.array(
  fc.record({ isolated: fc.boolean(), lev: leverage, usdt: fc.integer({ min: 100, max: 20_000 }) }),
  {
    minLength: TRADERS,
    maxLength: TRADERS,
  },
);

function run(
  config: Partial<PerpVenueConfig>,
  traders: Array<{ isolated: boolean; lev: number; usdt: number }>,
  steps: Step[],
) {
  const f = makeVenue({ maxPriceTicks: MAX_PRICE, ...config });
  const { v, index } = f;
  index.priceTicks = P0;
  const ids: number[][] = [];
  const acct: number[] = [];
  for (const t of traders) {
    const a = v.openAccount({ isolated: t.isolated, leverage: t.lev });
    v.deposit(a, t.usdt * USDT);
    acct.push(a);
    ids.push([]);
  }
  // A market maker with a two-sided book around the index, so there is something to trade against.
  const mm = v.openAccount({ isolated: false, leverage: 10 });
  v.deposit(mm, 2_000_000 * USDT);
  let nextId = 1;
  for (let k = 1; k <= 5; k++) {
    v.limit(mm, nextId++, Side.Buy, P0 - 5 * k, 5_000);
    v.limit(mm, nextId++, Side.Sell, P0 + 5 * k, 5_000);
  }
  let t = 0;
  v.advance(t);
  v.checkConservation();
  const ref = () => (Number.isFinite(v.markTicks) ? v.markTicks : P0);
  // The traders never close beyond their bankruptcy price (with 0.2 % to spare for fees): the venue
  // lets a trader's own closing order fill anywhere, and a fill past bankruptcy takes the loss out
  // of the free balance and can leave the account below zero, which the conservation check refuses.
  const saneLimit = (a: number, side: Side, price: number): number => {
    const pos = v.positionLots(a);
    const bk = v.bankruptcyPriceTicks(a);
    if (pos > 0 && side === Side.Sell) return Math.min(Math.max(price, Math.ceil(bk * 1.002)), MAX_PRICE);
    if (pos < 0 && side === Side.Buy) return Math.max(Math.min(price, Math.floor(bk * 0.998)), 1);
    return price;
  };
  for (const s of steps) {
    let due = false;
    const a = "a" in s ? acct[s.a]! : -1;
    switch (s.k) {
      case "deposit":
        v.deposit(a, s.usdt * USDT);
        break;
      case "withdraw":
        v.withdraw(a, s.usdt * USDT);
        break;
      case "limit": {
        const id = nextId++;
        const price = saneLimit(a, s.side, Math.min(Math.max(Math.round(ref()) + s.off, 1), MAX_PRICE));
        if (v.limit(a, id, s.side, price, s.qty, s.tif, s.ro) === RejectCode.None) ids[s.a]!.push(id);
        break;
      }
      case "market": {
        const protection = saneLimit(a, s.side, s.side === Side.Buy ? MAX_PRICE : 1);
        v.market(
          a,
          nextId++,
          s.side,
          s.qty,
          protection === (s.side === Side.Buy ? MAX_PRICE : 1) ? -1 : protection,
          s.ro,
        );
        break;
      }
      case "cancel": {
        const list = ids[s.a]!;
        if (list.length > 0) v.cancel(a, list[s.pick % list.length]!);
        break;
      }
      case "reduce": {
        const list = ids[s.a]!;
        if (list.length > 0) v.reduce(a, list[s.pick % list.length]!, s.qty);
        break;
      }
      case "leverage":
        v.setLeverage(a, s.lev);
        break;
      case "addMargin":
        v.addMargin(a, s.usdt * USDT);
        break;
      case "index":
        index.priceTicks = Math.min(
          Math.max(Math.round((index.priceTicks * (1e6 + s.ppm)) / 1e6), 500),
          9_500,
        );
        break;
      case "advance":
        // The market maker refreshes its quotes around the index when a side is empty.
        if (v.book.bestBid() === -1 || v.book.bestAsk() === -1) {
          const mid = Math.round(index.priceTicks);
          v.limit(mm, nextId++, Side.Buy, mid - 10, 3_000);
          v.limit(mm, nextId++, Side.Sell, mid + 10, 3_000);
        }
        t += s.ms * 1_000_000;
        // Liquidations run when the mark (or funding) is due; between those a trade may leave an
        // account liquidatable at the stale mark until the next mark update.
        due = t >= v.nextWakeNs();
        v.advance(t);
        break;
    }
    v.checkConservation(due);
    v.book.checkInvariants();
  }
  // Long OI = short OI, by construction of the check; and the fund never holds orders.
  expect(v.book.ownerOrderCount(INSURANCE_FUND)).toBe(0);
  return v;
}

describe("PerpVenue properties", () => {
  it("conserves money and open interest, and leaves nothing liquidatable after every advance, under random flow and policies", () => {
    let liquidations = 0;
    let adl = 0;
    let workouts = 0;
    let partials = 0;
    let halts = 0;
    fc.assert(
      fc.property(
        policy,
        traderSpec,
        fc.array(step, { minLength: 20, maxLength: 120 }),
        (config, traders, steps) => {
          const v = run(config, traders, steps);
          liquidations += v.stats.liquidations;
          adl += v.liquidations.count(LiquidationStage.Adl);
          workouts += v.liquidations.count(LiquidationStage.FundWorkout);
          partials += v.liquidations.count(LiquidationStage.Partial);
          if (v.haltedUntilNs > 0) halts++;
        },
      ),
      { numRuns: Number(process.env.RUNS ?? 500), seed: Number(process.env.SEED ?? 20_251_010) },
    );
    // The generator must actually reach the interesting paths.
    expect(liquidations).toBeGreaterThan(50);
    expect(adl).toBeGreaterThan(0);
    expect(workouts).toBeGreaterThan(0);
    expect(partials).toBeGreaterThan(0);
    expect(halts).toBeGreaterThan(0);
  });
});
