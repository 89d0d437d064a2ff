/**
 * Fixtures shared by the perpetual venue's test files (`perp-venue-*.test.ts`): a venue on
 * BTCUSDT (tick 0.1, lot 0.001, quote unit 0.0001, so m = 1 quote unit per tick·lot and
 * 1 USDT = 10,000 units), a hand-set index, helpers to open positions, and a snapshot of every
 * account column and the book for "a rejected command changes nothing" checks.
 *
 * Not part of the package's API.
 *
 * @module
 */

import { BTCUSDT, NS_PER_SECOND, RejectCode, Side } from "@cascade/core";
import { TimeInForce } from "@cascade/matching-engine";
import { expect } from "vitest";
import type { MarginTierSpec } from "./margin-tiers.ts";
import type { PerpVenueConfig } from "./perp-config.ts";
import { ACCOUNT_COLUMNS } from "./perp-venue.fuzz.ts";
import { ManualIndex, PerpVenue } from "./perp-venue.ts";

/** Quote units per USDT on BTCUSDT (quote unit 0.0001). */
export const USDT = 10_000;
/** Lots per BTC (lot 0.001). */
export const BTC = 1_000;
/** One second in ns. */
export const SEC = NS_PER_SECOND;

/** One tier of 0.5 % with no position limit (the Bybit worked example). */
export const SINGLE_TIER: readonly MarginTierSpec[] = [
  { maxNotional: "Infinity", maintenanceMarginRate: "0.005", maxLeverage: 100 },
];

/** A venue on BTCUSDT with its index; fees are zero unless `extra` sets them. */
export interface Fixture {
  readonly v: PerpVenue;
  readonly index: ManualIndex;
}

/**
 * A venue on BTCUSDT with price range [1, 400,000] ticks (up to 40,000 USDT), zero fees, and a
 * {@link ManualIndex} at 200,000 ticks (20,000 USDT). Override anything with `extra`.
 */
export function makeVenue(extra: Partial<PerpVenueConfig> = {}): Fixture {
  const v = new PerpVenue({
    instrument: BTCUSDT,
    minPriceTicks: 1,
    maxPriceTicks: 400_000,
    makerFeePpm: 0,
    takerFeePpm: 0,
    ...extra,
  });
  const index = new ManualIndex(200_000);
  v.setIndexSources([index]);
  return { v, index };
}

/** The Bybit-example venue: one 0.5 % tier, maintenance on the entry notional. */
export function makeBybitVenue(extra: Partial<PerpVenueConfig> = {}): Fixture {
  return makeVenue({ tiers: SINGLE_TIER, maintenanceConvention: "entry", ...extra });
}

let lastOrderId = 0;
/** A fresh client order id (unique across the test run). */
export function oid(): number {
  return ++lastOrderId;
}

/** Opens an account and deposits `usdt` into it. */
export function fundedAccount(v: PerpVenue, usdt: number, isolated: boolean, leverage: number): number {
  const a = v.openAccount({ isolated, leverage });
  expect(v.deposit(a, usdt * USDT)).toBe(RejectCode.None);
  return a;
}

/**
 * Makes `long` buy `lots` from `short` at `priceTicks`: the short rests a GTC sell, the long
 * crosses it with an IOC buy. Asserts both orders were accepted and the whole quantity traded.
 */
export function trade(v: PerpVenue, long: number, short: number, priceTicks: number, lots: number): void {
  const l0 = v.positionLots(long);
  const s0 = v.positionLots(short);
  expect(v.limit(short, oid(), Side.Sell, priceTicks, lots)).toBe(RejectCode.None);
  expect(v.limit(long, oid(), Side.Buy, priceTicks, lots, TimeInForce.IOC)).toBe(RejectCode.None);
  expect(v.positionLots(long)).toBe(l0 + lots);
  expect(v.positionLots(short)).toBe(s0 - lots);
}

/** Every account column, the book, and the venue's money totals and logs: equal before and after a refused command. */
export function snapshot(v: PerpVenue): unknown {
  const acc = v.accounts;
  const columns: Record<string, number[]> = {};
  for (const c of ACCOUNT_COLUMNS) columns[c] = Array.from(acc[c].subarray(0, acc.count));
  return {
    count: acc.count,
    columns,
    bids: v.book.orders(Side.Buy),
    asks: v.book.orders(Side.Sell),
    orderCount: v.book.orderCount,
    fees: v.feesCollectedUnits,
    netDeposits: v.netDepositsUnits,
    fundingResidue: v.fundingResidueUnits,
    liquidationRows: v.liquidations.length,
    stats: { ...v.stats },
    mark: v.markTicks,
    lastTrade: v.lastTradeTicks,
    haltedUntil: v.haltedUntilNs,
  };
}

/** Sets the index and runs the venue's duties at `tNs`, then proves conservation and the book. */
export function moveTo(f: Fixture, priceTicks: number, tNs: number): void {
  f.index.priceTicks = priceTicks;
  f.v.advance(tNs);
  f.v.checkConservation();
  f.v.book.checkInvariants();
}

/** Liquidation-log rows as plain objects (for `toEqual`). */
export function logRows(v: PerpVenue): Array<Record<string, number>> {
  const l = v.liquidations;
  const rows = [];
  for (let i = 0; i < l.length; i++) {
    rows.push({
      account: l.account[i]!,
      side: l.side[i]!,
      qty: l.qtyLots[i]!,
      mark: l.markTicks[i]!,
      trigger: l.liquidationTicks[i]!,
      bankruptcy: l.bankruptcyTicks[i]!,
      fill: l.fillTicks[i]!,
      fundDelta: l.fundDeltaUnits[i]!,
      stage: l.stage[i]!,
    });
  }
  return rows;
}

/**
 * Bybit venue; alice: isolated long 1 BTC at 20,000 at 50× with 1,000 USDT (margin 400, trigger
 * 197,000, bankruptcy 196,000); bob: cross short 1 BTC with 100,000 USDT. Mark 200,000 at t = 0.
 */
export function bybitPair(extra: Partial<PerpVenueConfig> = {}): Fixture & { alice: number; bob: number } {
  const f = makeBybitVenue(extra);
  const alice = fundedAccount(f.v, 1_000, true, 50);
  const bob = fundedAccount(f.v, 100_000, false, 50);
  trade(f.v, alice, bob, 200_000, 1 * BTC);
  moveTo(f, 200_000, 0);
  return { ...f, alice, bob };
}
