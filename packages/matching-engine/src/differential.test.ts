/**
 * Differential test: a long seeded stream of random commands (valid and invalid, every kind) is fed
 * to the fast {@link OrderBook} and the naive {@link ReferenceBook}; after every command their
 * events, return codes, best prices and order counts must agree, and every 100 commands all their
 * queries must agree too.
 */

import { type RandomStream, RejectCode, Side, streams } from "@cascade/core";
import { describe, expect, it } from "vitest";
import type { OrderBookApi, OrderBookConfig } from "./book-api.ts";
import { type BookEvent, decodeEvents } from "./events.ts";
import { OrderBook } from "./order-book.ts";
import { type BookCommand, NO_PRICE, StpMode, type TimeInForce } from "./order-types.ts";
import { ReferenceBook } from "./reference-book.ts";

const MIN_PRICE = 1;
const MAX_PRICE = 2000;
const MAX_QTY = 100_000;
const MAX_OWNER = 1000;
/** Owners 0..4: few enough that self-trade prevention triggers often. */
const OWNERS = 5;

/** A command plus how to deliver it: as a direct method call or through `submit`. */
interface Step {
  readonly command: BookCommand;
  readonly viaSubmit: boolean;
}

/** Generates random commands against the state of `ref`, prices concentrated near a random-walking mid. */
class CommandGenerator {
  private mid: number;
  private nextId = 1;

  constructor(
    private readonly rng: RandomStream,
    private readonly ref: OrderBookApi,
    private readonly targetOrders: number,
    /** The id of the n-th new order (n = 1, 2, 3…): the identity, or a map that makes ids collide or spread. */
    private readonly idOf: (n: number) => number = (n) => n,
  ) {
    this.mid = rng.intBetween(200, 1800);
  }

  /** The next command. */
  next(): Step {
    if (this.rng.bernoulli(0.3)) {
      this.mid = Math.min(MAX_PRICE - 20, Math.max(MIN_PRICE + 20, this.mid + this.rng.intBetween(-1, 1)));
    }
    if (this.rng.bernoulli(0.0005)) this.mid = this.rng.intBetween(MIN_PRICE + 20, MAX_PRICE - 20);
    const viaSubmit = this.rng.bernoulli(0.25);
    return { command: this.command(), viaSubmit };
  }

  /** Current mid price of the walk. */
  get midPrice(): number {
    return this.mid;
  }

  private command(): BookCommand {
    const r = this.rng;
    if (r.bernoulli(0.04)) return this.invalid();
    // Cancel more as the book grows, so it hovers around the target size.
    const pCancel = Math.min(0.6, 0.2 * (this.ref.orderCount / this.targetOrders) ** 3);
    if (r.bernoulli(pCancel)) return { kind: "cancel", orderId: this.liveId() };
    const u = r.next();
    if (u < 0.36) return this.limit(0);
    if (u < 0.43) return this.limit(1);
    if (u < 0.49) return this.limit(2);
    if (u < 0.57) return this.limit(3);
    if (u < 0.6) return this.market();
    if (u < 0.65) return { kind: "cancel", orderId: this.liveId() };
    if (u < 0.8) return this.reduce();
    if (u < 0.997) return this.replace();
    return { kind: "cancel-all", owner: r.int(OWNERS) };
  }

  private owner(): number {
    return this.rng.int(OWNERS);
  }

  private side(): Side {
    return this.rng.bernoulli(0.5) ? Side.Buy : Side.Sell;
  }

  private qty(): number {
    return this.rng.bernoulli(0.03) ? 1 + this.rng.int(60) : 1 + this.rng.geometric(0.3);
  }

  private stp(): StpMode | undefined {
    const k = this.rng.int(6);
    return k >= 4 ? undefined : (k as StpMode);
  }

  private clamp(p: number): number {
    return Math.min(MAX_PRICE, Math.max(MIN_PRICE, p));
  }

  /** A price for `side`: mostly passive near the mid, sometimes aggressive, rarely at the range edges. */
  private price(side: Side): number {
    const r = this.rng;
    if (r.bernoulli(0.005)) return r.bernoulli(0.5) ? MIN_PRICE : MAX_PRICE;
    const dir = side === Side.Buy ? -1 : 1;
    if (r.bernoulli(0.1)) return this.clamp(this.mid - dir * r.int(6));
    return this.clamp(this.mid + dir * (1 + r.geometric(0.12)));
  }

  /** A fresh id, or (sometimes) a recently used id whose order may be gone. */
  private newId(): number {
    if (this.rng.bernoulli(0.05) && this.nextId > 10) {
      const id = this.idOf(this.nextId - 1 - this.rng.int(Math.min(this.nextId - 1, 50)));
      if (!this.ref.hasOrder(id)) return id;
    }
    return this.idOf(this.nextId++);
  }

  /** The id of a random live order, or an unknown id when the book is empty (or rarely anyway). */
  private liveId(): number {
    const all = this.ref.orders(Side.Buy).concat(this.ref.orders(Side.Sell));
    if (all.length === 0 || this.rng.bernoulli(0.03)) return this.nextId + 1_000_000;
    return all[this.rng.int(all.length)]!.orderId;
  }

  private limit(tif: number): BookCommand {
    const side = this.side();
    const stp = this.stp();
    const base = {
      kind: "limit" as const,
      orderId: this.newId(),
      owner: this.owner(),
      side,
      priceTicks: this.price(side),
      qtyLots: this.qty(),
    };
    if (tif === 0 && this.rng.bernoulli(0.5)) return stp === undefined ? base : { ...base, stp };
    return { ...base, tif: tif as TimeInForce, ...(stp === undefined ? {} : { stp }) };
  }

  private market(): BookCommand {
    const side = this.side();
    const stp = this.stp();
    const base = {
      kind: "market" as const,
      orderId: this.newId(),
      owner: this.owner(),
      side,
      qtyLots: this.qty(),
    };
    const k = this.rng.int(3);
    const protection =
      k === 0
        ? undefined
        : k === 1
          ? NO_PRICE
          : this.clamp(this.mid + (side === Side.Buy ? 1 : -1) * this.rng.int(8));
    return {
      ...base,
      ...(protection === undefined ? {} : { protectionPriceTicks: protection }),
      ...(stp === undefined ? {} : { stp }),
    };
  }

  private reduce(): BookCommand {
    const orderId = this.liveId();
    const o = this.ref.getOrder(orderId);
    const cur = o === undefined ? 10 : o.remainingLots;
    // Mostly valid reductions, sometimes an equal or larger quantity.
    const qtyLots = this.rng.bernoulli(0.85) && cur > 1 ? 1 + this.rng.int(cur - 1) : cur + this.rng.int(3);
    return { kind: "reduce", orderId, qtyLots };
  }

  private replace(): BookCommand {
    const orderId = this.liveId();
    const o = this.ref.getOrder(orderId);
    const side = o === undefined ? this.side() : o.side;
    const priceTicks = this.rng.bernoulli(0.2) && o !== undefined ? o.priceTicks : this.price(side);
    return { kind: "replace", orderId, priceTicks, qtyLots: this.qty() };
  }

  /** A command with one bad field. */
  private invalid(): BookCommand {
    const r = this.rng;
    const pick = <T>(xs: readonly T[]): T => xs[r.int(xs.length)]!;
    const badQty = pick([0, -3, 1.5, Number.NaN, MAX_QTY + 1, Number.POSITIVE_INFINITY]);
    const badPrice = pick([100.5, Number.NaN, Number.POSITIVE_INFINITY, 0, -5, MAX_PRICE + 1]);
    const badOwner = pick([-1, MAX_OWNER + 1, 2.5, 2 ** 31, Number.NaN]);
    const badSide = pick([2, -1, 0.5]) as Side;
    const badId = pick([-1, 1.5, Number.NaN, 2 ** 53]);
    const side = this.side();
    const limit = {
      kind: "limit" as const,
      orderId: this.newId(),
      owner: this.owner(),
      side,
      priceTicks: this.price(side),
      qtyLots: this.qty(),
    };
    switch (r.int(17)) {
      case 0:
        return { ...limit, qtyLots: badQty };
      case 1:
        return { ...limit, priceTicks: badPrice };
      case 2:
        return { ...limit, owner: badOwner };
      case 3:
        return { ...limit, side: badSide };
      case 4:
        return { ...limit, orderId: badId };
      case 5:
        return { ...limit, tif: pick([4, -1]) as TimeInForce };
      case 6:
        return { ...limit, stp: pick([4, 7]) as StpMode };
      case 7:
        return { ...limit, orderId: this.liveId() };
      case 8:
        return { kind: "market", orderId: this.newId(), owner: this.owner(), side, qtyLots: badQty };
      case 9:
        return {
          kind: "market",
          orderId: this.newId(),
          owner: this.owner(),
          side,
          qtyLots: 1,
          protectionPriceTicks: badPrice,
        };
      case 10:
        return { kind: "cancel", orderId: pick([badId, this.nextId + 2_000_000]) };
      case 11:
        return { kind: "reduce", orderId: this.liveId(), qtyLots: pick([0, -1, 1.5, Number.NaN]) };
      case 12:
        return { kind: "replace", orderId: this.liveId(), priceTicks: this.price(side), qtyLots: badQty };
      case 13:
        return { kind: "replace", orderId: this.liveId(), priceTicks: badPrice, qtyLots: 1 };
      case 14:
        return {
          kind: "replace",
          orderId: pick([badId, this.nextId + 3_000_000]),
          priceTicks: 100,
          qtyLots: 1,
        };
      case 15:
        return { kind: "reduce", orderId: pick([badId, this.nextId + 4_000_000]), qtyLots: 1 };
      default:
        return { kind: "cancel-all", owner: badOwner };
    }
  }
}

/** Runs one step on a book; returns its result (a code, or a count for a direct cancel-all). */
function apply(book: OrderBookApi, step: Step): number {
  const c = step.command;
  if (step.viaSubmit) return book.submit(c);
  switch (c.kind) {
    case "limit":
      return book.limit(c.orderId, c.owner, c.side, c.priceTicks, c.qtyLots, c.tif, c.stp);
    case "market":
      return book.market(c.orderId, c.owner, c.side, c.qtyLots, c.protectionPriceTicks, c.stp);
    case "cancel":
      return book.cancel(c.orderId);
    case "reduce":
      return book.reduce(c.orderId, c.qtyLots);
    case "replace":
      return book.replace(c.orderId, c.priceTicks, c.qtyLots);
    case "cancel-all":
      return book.cancelAll(c.owner);
  }
}

/** Deep equality with `Object.is` on numbers (so NaN equals NaN). */
function same(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  for (const k of ka) {
    if (!same((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k])) return false;
  }
  return true;
}

function show(step: Step): string {
  const text = JSON.stringify(step.command, (_k, v) =>
    typeof v === "number" && !Number.isFinite(v) ? String(v) : v,
  );
  return `${step.viaSubmit ? "submit " : ""}${text}`;
}

/** Everything the books can be asked, for the periodic full comparison. */
function fullState(book: OrderBookApi, mid: number): Record<string, unknown> {
  const prices = new Float64Array(64);
  const qtys = new Float64Array(64);
  const state: Record<string, unknown> = {};
  for (const side of [Side.Buy, Side.Sell]) {
    state[`orders${side}`] = book.orders(side);
    state[`depth${side}`] = book.depth(side, 1000);
    state[`depth5-${side}`] = book.depth(side, 5);
    const n = book.depthInto(side, 64, prices, qtys);
    state[`depthInto${side}`] = [n, Array.from(prices.subarray(0, n)), Array.from(qtys.subarray(0, n))];
    state[`within${side}`] = [0, 1, 3, 10, 50, 5000].map((k) => book.qtyWithinTicks(side, k));
    state[`range${side}`] = [
      [mid - 10, mid + 10],
      [MIN_PRICE, MAX_PRICE],
      [mid, mid],
      [mid + 5, mid - 5],
    ].map(([lo, hi]) => book.qtyInRange(side, lo!, hi!));
    state[`impact${side}`] = [0, -1, 50, 1_000, 37_777.5, 250_000, 1e9].map((notional) => ({
      ...book.impact(side, notional),
    }));
  }
  state["qtyAt"] = [mid - 3, mid - 1, mid, mid + 1, mid + 3, 0, MAX_PRICE + 1].map((p) => book.qtyAt(p));
  return state;
}

/** Feeds `count` generated commands to both books and compares them; returns statistics. */
function runDifferential(
  seed: number,
  count: number,
  config: OrderBookConfig,
  targetOrders: number,
  idOf?: (n: number) => number,
) {
  const ref = new ReferenceBook(config);
  const fast = new OrderBook(config);
  const gen = new CommandGenerator(streams(seed, 0).get("differential"), ref, targetOrders, idOf);
  const stats = {
    kinds: new Map<string, number>(),
    codes: new Map<number, number>(),
    events: new Map<string, number>(),
  };
  let maxOrders = 0;
  for (let i = 0; i < count; i++) {
    const step = gen.next();
    const fail = (what: string, expected: unknown, got: unknown): never => {
      expect.fail(
        `command #${i}: ${show(step)}\n${what} differ:\n  reference: ${JSON.stringify(expected)}\n  fast:      ${JSON.stringify(got)}`,
      );
    };
    const refResult = apply(ref, step);
    const fastResult = apply(fast, step);
    const refEvents: BookEvent[] = decodeEvents(ref.events);
    const fastEvents: BookEvent[] = decodeEvents(fast.events);
    if (!same(refEvents, fastEvents)) fail("events", refEvents, fastEvents);
    if (refResult !== fastResult) fail("return values", refResult, fastResult);
    if (ref.bestBid() !== fast.bestBid()) fail("bestBid", ref.bestBid(), fast.bestBid());
    if (ref.bestAsk() !== fast.bestAsk()) fail("bestAsk", ref.bestAsk(), fast.bestAsk());
    if (ref.orderCount !== fast.orderCount) fail("orderCount", ref.orderCount, fast.orderCount);

    if (i % 100 === 99) {
      ref.checkInvariants();
      fast.checkInvariants();
      const a = fullState(ref, gen.midPrice);
      const b = fullState(fast, gen.midPrice);
      for (const key of Object.keys(a)) if (!same(a[key], b[key])) fail(`queries (${key})`, a[key], b[key]);
      for (const o of ref.orders(Side.Buy).slice(0, 3)) {
        if (!same(ref.getOrder(o.orderId), fast.getOrder(o.orderId))) {
          fail(`getOrder(${o.orderId})`, ref.getOrder(o.orderId), fast.getOrder(o.orderId));
        }
      }
    }

    const kind = step.command.kind;
    stats.kinds.set(kind, (stats.kinds.get(kind) ?? 0) + 1);
    if (kind !== "cancel-all" || step.viaSubmit)
      stats.codes.set(refResult, (stats.codes.get(refResult) ?? 0) + 1);
    for (const e of refEvents) {
      const key = e.kind === "done" ? `done/${e.reason}` : e.kind;
      stats.events.set(key, (stats.events.get(key) ?? 0) + 1);
    }
    maxOrders = Math.max(maxOrders, ref.orderCount);
  }
  ref.checkInvariants();
  fast.checkInvariants();
  return { ...stats, maxOrders, fast };
}

/** The book's private id index, read only to prove a test reached the path it names. */
function layout(book: OrderBook): { direct: number; overflowed: number } {
  const ids = (book as unknown as { ids: { directSize: number; overflowSize: number } }).ids;
  return { direct: ids.directSize, overflowed: ids.overflowSize };
}

describe("OrderBook against ReferenceBook", () => {
  it("agrees with the reference on 100,000 random commands of every kind", () => {
    const config: OrderBookConfig = {
      minPriceTicks: MIN_PRICE,
      maxPriceTicks: MAX_PRICE,
      maxQtyLots: MAX_QTY,
      maxOwner: MAX_OWNER,
    };
    const stats = runDifferential(20_240_601, 100_000, config, 250);
    // The stream must actually exercise what it claims to.
    for (const kind of ["limit", "market", "cancel", "reduce", "replace", "cancel-all"]) {
      expect(stats.kinds.get(kind) ?? 0, kind).toBeGreaterThan(500);
    }
    for (const code of [
      RejectCode.None,
      RejectCode.InvalidOrderId,
      RejectCode.DuplicateOrderId,
      RejectCode.UnknownOrder,
      RejectCode.InvalidQuantity,
      RejectCode.InvalidPrice,
      RejectCode.PriceOutOfRange,
      RejectCode.InvalidSide,
      RejectCode.InvalidOwner,
      RejectCode.PostOnlyWouldTake,
      RejectCode.InvalidOrderType,
      RejectCode.InvalidStpMode,
      RejectCode.QuantityNotReduced,
    ]) {
      expect(stats.codes.get(code) ?? 0, `reject code ${code}`).toBeGreaterThan(20);
    }
    for (const key of [
      "accepted",
      "rejected",
      "trade",
      "amended",
      "done/0",
      "done/1",
      "done/2",
      "done/3",
      "done/4",
    ]) {
      expect(stats.events.get(key) ?? 0, key).toBeGreaterThan(100);
    }
    expect(stats.maxOrders).toBeGreaterThan(100);
    expect(stats.maxOrders).toBeLessThan(1000);
  });

  it("agrees with the reference when ids collide in the direct id table, overflow to the hash and move as the table grows", () => {
    const config: OrderBookConfig = {
      minPriceTicks: MIN_PRICE,
      maxPriceTicks: MAX_PRICE,
      maxQtyLots: MAX_QTY,
      maxOwner: MAX_OWNER,
      initialOrderCapacity: 4,
    };
    // Sequential ids with a tiny first table: long-lived orders collide, the table doubles and
    // takes them back from the hash.
    const sequential = runDifferential(31, 20_000, config, 250);
    expect(layout(sequential.fast).direct).toBeGreaterThan(64);
    // Every id a multiple of 1024: they share a few direct entries whatever the table's size, so
    // most live in the hash.
    const colliding = runDifferential(32, 20_000, config, 250, (n) => n * 1024);
    expect(layout(colliding.fast).overflowed).toBeGreaterThan(50);
    // Ids past 2^32 (their slot is the id modulo 2^32 first) and near 2^53.
    const large = runDifferential(33, 20_000, config, 250, (n) => Number.MAX_SAFE_INTEGER - n * 7919);
    expect(large.maxOrders).toBeGreaterThan(100);
  });

  it("agrees with the reference under every default self-trade prevention mode", () => {
    for (const defaultStp of [StpMode.CancelTaker, StpMode.CancelMaker, StpMode.CancelBoth]) {
      const config: OrderBookConfig = {
        minPriceTicks: MIN_PRICE,
        maxPriceTicks: MAX_PRICE,
        maxQtyLots: MAX_QTY,
        maxOwner: MAX_OWNER,
        defaultStp,
      };
      runDifferential(7 + defaultStp, 10_000, config, 60);
    }
  });
});
