/**
 * A property fuzz of the perpetual venue (fast-check, with shrinking), shared by the short run in
 * the test suite (`perp-venue-fuzz.test.ts`) and the long run of `pnpm fuzz`
 * (`perp-venue-fuzz.main.ts`).
 *
 * One case is an instrument, a venue policy, six traders and a list of steps: deposits (up to the
 * exact-money bound), withdrawals, margin transfers, leverage changes, limit orders of every
 * time-in-force, side and self-trade mode (reduce-only or not) at any price from tick 1 to the
 * top of the range, market orders with no, extreme or near protection, cancels and reductions,
 * index moves from a few ticks to ±99 %, and `advance` calls across mark and funding times, which
 * run liquidations, takeovers, auto-deleveraging and the fund's workout. Quantities run from one
 * lot to the book's maximum. Three instruments: BTCUSDT (1 quote unit per tick·lot), and two whose
 * tick × lot is 5 and 70 quote units, so bankruptcy prices fall between ticks.
 *
 * After every step the venue must prove {@link PerpVenue.checkConservation} (exact money, open
 * interest, open-order totals, no negative wallet, nothing liquidatable after a mark update) and
 * the book {@link OrderBook.checkInvariants}; a refused command must change nothing.
 *
 * Not part of the package's API.
 *
 * @module
 */

import { BTCUSDT, type InstrumentSpec, NS_PER_SECOND, RejectCode, Side } from "@cascade/core";
import { NO_PRICE, type OrderBook, StpMode, TimeInForce } from "@cascade/matching-engine";
import fc from "fast-check";
import { LiquidationStage } from "./liquidation-log.ts";
import type { MarginTierSpec } from "./margin-tiers.ts";
import type { PerpVenueConfig } from "./perp-config.ts";
import { INSURANCE_FUND, ManualIndex, MONEY_LIMIT_UNITS, PerpVenue } from "./perp-venue.ts";

/** An instrument the fuzz trades, with its starting price and price ceiling in ticks. */
export interface FuzzInstrument {
  readonly spec: InstrumentSpec;
  /** Starting index, ticks. */
  readonly p0: number;
  /** Top of the price range, ticks (the bottom is tick 1). */
  readonly maxPrice: number;
}

/**
 * The fuzzed instruments. All have a 10^-4 USDT quote unit (1 USDT = 10,000 units):
 * - BTCUSDT: tick 0.1, lot 0.001, m = 1; start 500 USDT;
 * - "ETHUSDT-5": tick 0.05, lot 0.01, m = 5; start 200 USDT;
 * - "ODDUSDT-70": tick 0.07, lot 0.1, m = 70; start 140 USDT.
 */
export const FUZZ_INSTRUMENTS: readonly FuzzInstrument[] = [
  { spec: BTCUSDT, p0: 5_000, maxPrice: 10_000 },
  {
    spec: {
      symbol: "ETHUSDT-5",
      baseAsset: "ETH",
      quoteAsset: "USDT",
      tickSize: "0.05",
      lotSize: "0.01",
      quoteUnit: "0.0001",
    },
    p0: 4_000,
    maxPrice: 8_000,
  },
  {
    spec: {
      symbol: "ODDUSDT-70",
      baseAsset: "ODD",
      quoteAsset: "USDT",
      tickSize: "0.07",
      lotSize: "0.1",
      quoteUnit: "0.0001",
    },
    p0: 2_000,
    maxPrice: 4_000,
  },
];

/** Quote units per USDT for every fuzzed instrument. */
const USDT = 10_000;
const TRADERS = 6;

/** A Binance-shaped ladder at this price level (maintenance amounts continuous). */
const SMALL_LADDER: readonly MarginTierSpec[] = [
  { maxNotional: "5000", maintenanceMarginRate: "0.004", maxLeverage: 125 },
  { maxNotional: "25000", maintenanceMarginRate: "0.005", maxLeverage: 100 },
  { maxNotional: "100000", maintenanceMarginRate: "0.01", maxLeverage: 50 },
  { maxNotional: "Infinity", maintenanceMarginRate: "0.025", maxLeverage: 20 },
];
const SINGLE_TIER: readonly MarginTierSpec[] = [
  { maxNotional: "Infinity", maintenanceMarginRate: "0.005", maxLeverage: 100 },
];

/** Where a limit order's price comes from. */
type PriceSpec =
  | { k: "near"; off: number }
  | { k: "far"; ppm: number }
  | { k: "edge"; top: boolean }
  | { k: "any"; x: number };

/** One step of a fuzz case. Account numbers index the six traders. */
export type FuzzStep =
  | { k: "deposit"; a: number; units: number }
  | { k: "withdraw"; a: number; units: number }
  | {
      k: "limit";
      a: number;
      side: Side;
      price: PriceSpec;
      qty: number;
      tif: TimeInForce;
      ro: boolean;
      stp: StpMode;
    }
  | { k: "market"; a: number; side: Side; qty: number; protection: PriceSpec | null; ro: boolean }
  | { k: "cancel"; a: number; pick: number }
  | { k: "cancelAll"; a: number }
  | { k: "reduce"; a: number; pick: number; qty: number }
  | { k: "leverage"; a: number; lev: number }
  | { k: "addMargin"; a: number; units: number }
  | { k: "index"; ppm: number }
  | { k: "indexEdge"; top: boolean }
  | { k: "advance"; ms: number };

/** A trader's starting state. */
export interface FuzzTrader {
  readonly isolated: boolean;
  readonly lev: number;
  readonly usdt: number;
}

/** One generated case. */
export interface FuzzCase {
  /** Index into {@link FUZZ_INSTRUMENTS}. */
  readonly instrument: number;
  readonly config: Partial<PerpVenueConfig>;
  readonly traders: readonly FuzzTrader[];
  readonly steps: readonly FuzzStep[];
}

/** What the fuzz reached, summed over cases: proof that the interesting paths ran. */
export interface FuzzCounters {
  cases: number;
  steps: number;
  rejected: number;
  moneyLimitRejects: number;
  liquidations: number;
  takeovers: number;
  adl: number;
  adlResidualLots: number;
  workouts: number;
  partials: number;
  fundCovers: number;
  halts: number;
  /** Cases under the venue fund rules, and those of them that recorded a socialised loss. */
  venueRuleCases: number;
  socializedCases: number;
  /** Cases by instrument index. */
  perInstrument: number[];
}

/** Fresh zero counters. */
export function newCounters(): FuzzCounters {
  return {
    cases: 0,
    steps: 0,
    rejected: 0,
    moneyLimitRejects: 0,
    liquidations: 0,
    takeovers: 0,
    adl: 0,
    adlResidualLots: 0,
    workouts: 0,
    partials: 0,
    fundCovers: 0,
    halts: 0,
    venueRuleCases: 0,
    socializedCases: 0,
    perInstrument: FUZZ_INSTRUMENTS.map(() => 0),
  };
}

const account = fc.integer({ min: 0, max: TRADERS - 1 });
const side = fc.constantFrom(Side.Buy, Side.Sell);
const leverage = fc.constantFrom(1, 2, 5, 10, 20, 20, 50, 50, 100, 100, 125);
/** One lot to the book's maximum (10^12), mostly of a size that can trade. */
const qty = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 1, max: 40_000 }) },
  { weight: 2, arbitrary: fc.integer({ min: 1, max: 20 }) },
  { weight: 1, arbitrary: fc.constantFrom(100_000, 10_000_000, 1e9, 1e11, 1e12) },
);
/** Amounts in quote units: ordinary, and up to the exact-money bound. */
const amount = fc.oneof(
  { weight: 8, arbitrary: fc.integer({ min: 1, max: 5_000 }).map((u) => u * USDT) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 999 }) },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      MONEY_LIMIT_UNITS / 1024,
      MONEY_LIMIT_UNITS / 4,
      MONEY_LIMIT_UNITS - 1,
      MONEY_LIMIT_UNITS,
      6_004_832_836_493_996,
      Number.MAX_SAFE_INTEGER,
    ),
  },
);
const price: fc.Arbitrary<PriceSpec> = fc.oneof(
  {
    weight: 8,
    arbitrary: fc.record({ k: fc.constant("near" as const), off: fc.integer({ min: -80, max: 80 }) }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      k: fc.constant("far" as const),
      ppm: fc.constantFrom(-990_000, -500_000, -100_000, 100_000, 720_000, 990_000),
    }),
  },
  { weight: 1, arbitrary: fc.record({ k: fc.constant("edge" as const), top: fc.boolean() }) },
  {
    weight: 1,
    arbitrary: fc.record({ k: fc.constant("any" as const), x: fc.double({ min: 0, max: 1, noNaN: true }) }),
  },
);

const step: fc.Arbitrary<FuzzStep> = fc.oneof(
  { weight: 2, arbitrary: fc.record({ k: fc.constant("deposit" as const), a: account, units: amount }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant("withdraw" as const), a: account, units: amount }) },
  {
    weight: 10,
    arbitrary: fc.record({
      k: fc.constant("limit" as const),
      a: account,
      side,
      price,
      qty,
      tif: fc.constantFrom(
        TimeInForce.GTC,
        TimeInForce.GTC,
        TimeInForce.IOC,
        TimeInForce.FOK,
        TimeInForce.PostOnly,
      ),
      ro: fc.boolean(),
      stp: fc.constantFrom(
        StpMode.CancelTaker,
        StpMode.CancelTaker,
        StpMode.None,
        StpMode.CancelMaker,
        StpMode.CancelBoth,
      ),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      k: fc.constant("market" as const),
      a: account,
      side,
      qty,
      protection: fc.option(price, { nil: null, freq: 2 }),
      ro: fc.boolean(),
    }),
  },
  { weight: 2, arbitrary: fc.record({ k: fc.constant("cancel" as const), a: account, pick: fc.nat(20) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant("cancelAll" as const), a: account }) },
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
  { weight: 1, arbitrary: fc.record({ k: fc.constant("addMargin" as const), a: account, units: amount }) },
  {
    weight: 4,
    arbitrary: fc.record({
      k: fc.constant("index" as const),
      ppm: fc.oneof(
        fc.integer({ min: -20_000, max: 20_000 }),
        fc.constantFrom(-300_000, -150_000, -80_000, -40_000, 40_000, 80_000, 150_000, 300_000),
        fc.constantFrom(-990_000, -500_000, 990_000, 500_000),
      ),
    }),
  },
  { weight: 1, arbitrary: fc.record({ k: fc.constant("indexEdge" as const), top: fc.boolean() }) },
  {
    weight: 5,
    arbitrary: fc.record({
      k: fc.constant("advance" as const),
      ms: fc.oneof(fc.integer({ min: 1, max: 20_000 }), fc.constantFrom(30_000, 120_000)),
    }),
  },
);

const policy: fc.Arbitrary<Partial<PerpVenueConfig>> = fc.record({
  maintenanceConvention: fc.constantFrom("mark" as const, "entry" as const),
  tiers: fc.constantFrom(SMALL_LADDER, SINGLE_TIER),
  makerFeePpm: fc.constantFrom(0, 200, -100),
  takerFeePpm: fc.constantFrom(0, 500),
  funding: fc.record({
    intervalNs: fc.constantFrom(30 * NS_PER_SECOND, 120 * NS_PER_SECOND),
    // Equal to a settlement interval: the exact path; 8 h: each settlement pays its share, carried.
    rateIntervalNs: fc.constantFrom(30 * NS_PER_SECOND, 120 * NS_PER_SECOND, 8 * 3_600 * NS_PER_SECOND),
    interestRate: fc.constantFrom(0.0001, 0.003, -0.003, 0.01, -0.01),
    clamp: fc.constantFrom(0.0005, 0.01),
    cap: fc.constantFrom(0.0075, 0.05),
  }),
  liquidation: fc.record({
    enabled: fc.constantFrom(true, true, true, false),
    mode: fc.constantFrom("full" as const, "partial" as const),
    maxNotionalPerSecond: fc.constantFrom(null, "20000", "500000"),
    fundWorkoutSlippagePpm: fc.constantFrom(0, 10_000, 100_000),
  }),
  insuranceFund: fc
    .record({
      initial: fc.constantFrom("0", "0", "100", "10000000"),
      adl: fc.constantFrom(true, true, true, false),
      adlThreshold: fc.constantFrom("0", "50"),
      // The venue rules: cap, executable valuation, equity-sized ADL, paced workout with a floor,
      // clearance fee; the checker then also proves the fund's wallet ≥ 0 after every step.
      rules: fc.constantFrom("first-model" as const, "venue" as const, "venue" as const),
      positionCap: fc.constantFrom(null, 0, 0.5, 1, 5),
      valuation: fc.constantFrom("mark" as const, "executable" as const),
      clearanceFeePpm: fc.constantFrom(null, 0, 5_000),
      workoutHorizonNs: fc.constantFrom(null, 10 * NS_PER_SECOND),
      volumeShare: fc.constantFrom(null, 0.1, 1),
      floorPpm: fc.constantFrom(null, 25_000),
    })
    // A cap of 0 without ADL cannot hold and is refused by the config (tested on its own).
    .map((f) => (f.positionCap === 0 && !f.adl ? { ...f, positionCap: 1 } : f)),
  circuitBreaker: fc.constantFrom(null, null, {
    movePpm: 100_000,
    windowNs: 5 * NS_PER_SECOND,
    haltNs: 10 * NS_PER_SECOND,
  }),
  dynamicMaintenance: fc.constantFrom(null, null, {
    windowNs: 30 * NS_PER_SECOND,
    referenceVolatility: 0.002,
    maxMultiplier: 2,
  }),
});

const traders = fc.array(
  fc.record({ isolated: fc.boolean(), lev: leverage, usdt: fc.integer({ min: 100, max: 20_000 }) }),
  { minLength: TRADERS, maxLength: TRADERS },
);

/** Cases of up to `maxSteps` steps on any of the fuzzed instruments. */
export function fuzzCase(maxSteps = 120): fc.Arbitrary<FuzzCase> {
  return fc.record({
    instrument: fc.integer({ min: 0, max: FUZZ_INSTRUMENTS.length - 1 }),
    config: policy,
    traders,
    steps: fc.array(step, { minLength: 20, maxLength: maxSteps, size: "max" }),
  });
}

/** Every account column of `PerpAccounts` whose values a refused command must leave unchanged. */
export const ACCOUNT_COLUMNS = [
  "wallet",
  "isoMargin",
  "size",
  "basis",
  "leverage",
  "flags",
  "openBuyLots",
  "openBuyNotional",
  "openSellLots",
  "openSellNotional",
  "reduceOnlyLots",
  "trigger",
  "realizedPnl",
  "feesPaid",
  "fundingPaid",
] as const;

/** Every account column, the book and the venue's totals, as one string: equal before and after a refused command. */
function snapshot(v: PerpVenue): string {
  const acc = v.accounts;
  const parts: unknown[] = [acc.count, v.book.orders(Side.Buy), v.book.orders(Side.Sell)];
  for (const c of ACCOUNT_COLUMNS) parts.push(Array.from(acc[c].subarray(0, acc.count)));
  parts.push(
    v.feesCollectedUnits,
    v.netDepositsUnits,
    v.fundingResidueUnits,
    v.liquidations.length,
    v.stats,
    v.markTicks,
    v.lastTradeTicks,
    v.haltedUntilNs,
  );
  return JSON.stringify(parts);
}

/** Throws an Error with `message` unless `ok`. */
function must(ok: boolean, message: () => string): void {
  if (!ok) throw new Error(message());
}

/**
 * Runs one case and adds what it reached to `counters`. Throws (an InvariantError from the venue
 * or the book, or an Error naming the step) at the first broken property.
 */
export function runFuzzCase(c: FuzzCase, counters: FuzzCounters = newCounters()): PerpVenue {
  const inst = FUZZ_INSTRUMENTS[c.instrument]!;
  const max = inst.maxPrice;
  const v = new PerpVenue({ instrument: inst.spec, minPriceTicks: 1, maxPriceTicks: max, ...c.config });
  const index = new ManualIndex(inst.p0);
  v.setIndexSources([index]);
  const acct: number[] = [];
  const ids: number[][] = [];
  for (const t of c.traders) {
    const a = v.openAccount({ isolated: t.isolated, leverage: t.lev });
    must(v.deposit(a, t.usdt * USDT) === RejectCode.None, () => `opening deposit of ${t.usdt} USDT refused`);
    acct.push(a);
    ids.push([]);
  }
  // A market maker quoting both sides around the index, so there is something to trade against.
  const mm = v.openAccount({ isolated: false, leverage: 10 });
  v.deposit(mm, 2_000_000 * USDT);
  let nextId = 1;
  const quote = (mid: number, lots: number): void => {
    for (let k = 1; k <= 5; k++) {
      v.limit(mm, nextId++, Side.Buy, Math.max(1, Math.round(mid) - 5 * k), lots);
      v.limit(mm, nextId++, Side.Sell, Math.min(max, Math.round(mid) + 5 * k), lots);
    }
  };
  quote(inst.p0, 5_000);
  let t = 0;
  v.advance(t);
  v.checkConservation();
  const ref = (): number => (Number.isFinite(v.markTicks) ? v.markTicks : inst.p0);
  const clampPrice = (p: number): number => Math.min(Math.max(Math.round(p), 1), max);
  const priceOf = (p: PriceSpec): number => {
    switch (p.k) {
      case "near":
        return clampPrice(ref() + p.off);
      case "far":
        return clampPrice((ref() * (1e6 + p.ppm)) / 1e6);
      case "edge":
        return p.top ? max : 1;
      case "any":
        return clampPrice(1 + p.x * (max - 1));
    }
  };
  const book: OrderBook = v.book;
  for (let n = 0; n < c.steps.length; n++) {
    const s = c.steps[n]!;
    const a = "a" in s ? acct[s.a]! : -1;
    const before = s.k === "index" || s.k === "indexEdge" || s.k === "advance" ? null : snapshot(v);
    let code: number = RejectCode.None;
    let due = false;
    switch (s.k) {
      case "deposit":
        code = v.deposit(a, s.units);
        break;
      case "withdraw":
        code = v.withdraw(a, s.units);
        break;
      case "addMargin":
        code = v.addMargin(a, s.units);
        break;
      case "leverage":
        code = v.setLeverage(a, s.lev);
        break;
      case "limit": {
        const id = nextId++;
        code = v.limit(a, id, s.side, priceOf(s.price), s.qty, s.tif, s.ro, s.stp);
        if (code === RejectCode.None) ids[s.a]!.push(id);
        break;
      }
      case "market":
        code = v.market(
          a,
          nextId++,
          s.side,
          s.qty,
          s.protection === null ? NO_PRICE : priceOf(s.protection),
          s.ro,
        );
        break;
      case "cancel": {
        const list = ids[s.a]!;
        if (list.length > 0) code = v.cancel(a, list[s.pick % list.length]!);
        // An order that already left the book is unknown: a refusal that must change nothing.
        break;
      }
      case "cancelAll":
        v.cancelAll(a);
        break;
      case "reduce": {
        const list = ids[s.a]!;
        if (list.length > 0) code = v.reduce(a, list[s.pick % list.length]!, s.qty);
        break;
      }
      case "index":
        index.priceTicks = Math.min(Math.max(Math.round((index.priceTicks * (1e6 + s.ppm)) / 1e6), 1), max);
        break;
      case "indexEdge":
        index.priceTicks = s.top ? max : 1;
        break;
      case "advance":
        // The market maker re-quotes around the index when a side of the book is empty.
        if (book.bestBid() === NO_PRICE || book.bestAsk() === NO_PRICE) quote(index.priceTicks, 3_000);
        t += s.ms * 1_000_000;
        // Liquidations run when the mark (or funding) is due; between those a trade may leave an
        // account liquidatable at the stale mark until the next mark update.
        due = t >= v.nextWakeNs();
        v.advance(t);
        break;
    }
    counters.steps++;
    if (code !== RejectCode.None) {
      counters.rejected++;
      if (code === RejectCode.MoneyLimitExceeded) counters.moneyLimitRejects++;
      if (before !== null) {
        must(
          snapshot(v) === before,
          () => `step ${n} (${s.k}) was refused with code ${code} but changed the venue`,
        );
      }
    }
    v.checkConservation(due);
    book.checkInvariants();
  }
  must(book.ownerOrderCount(INSURANCE_FUND) === 0, () => "the insurance fund holds resting orders");
  counters.cases++;
  counters.perInstrument[c.instrument]!++;
  counters.liquidations += v.stats.liquidations;
  counters.takeovers += v.liquidations.count(LiquidationStage.Takeover);
  counters.adl += v.liquidations.count(LiquidationStage.Adl);
  counters.adlResidualLots += v.stats.adlResidualLots;
  counters.workouts += v.liquidations.count(LiquidationStage.FundWorkout);
  counters.partials += v.liquidations.count(LiquidationStage.Partial);
  counters.fundCovers += v.liquidations.count(LiquidationStage.FundCover);
  if (v.haltedUntilNs > 0) counters.halts++;
  if (v.policies.fund.floorWallet) counters.venueRuleCases++;
  if (v.socializedLossUnits > 0) counters.socializedCases++;
  return v;
}

/** The fuzz as a fast-check property: every case must run through {@link runFuzzCase}. */
export function fuzzProperty(counters: FuzzCounters, maxSteps = 120): fc.IPropertyWithHooks<[FuzzCase]> {
  return fc.property(fuzzCase(maxSteps), (c) => {
    runFuzzCase(c, counters);
  });
}
