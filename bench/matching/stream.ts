/**
 * A seeded generator of order-book event streams that look like a live book: mostly passive
 * limit orders near a wandering reference price, cancels of resting orders, and some marketable
 * orders that take liquidity, a few sweeping several levels. Same seed and config ⇒ same stream.
 *
 * The mix is governed by rates, as in the Smith–Farmer "zero intelligence" model: passive and
 * marketable orders arrive at fixed rates, while each resting order is cancelled at a fixed rate
 * of its own, so the total cancel rate grows with the book. That is what keeps the book
 * stationary: with a fixed cancel share its size would random-walk. At the stationary size the
 * shares come out near 70 % passive / 20 % cancel / 10 % marketable.
 *
 * Generation runs the stream through {@link ShadowBook}, so every cancel names an order that is
 * live at that point (no cancels of filled orders), and the expected trades are known up front.
 *
 * @module
 */

import { type RandomStream, type Seed, Side, streams } from "@cascade/core";
import { NO_PRICE, TimeInForce } from "@cascade/matching-engine";
import { type Checksum, emptyChecksum } from "./checksum.ts";
import { allocateEventStream, type EventStream, Op } from "./event-stream.ts";
import { ShadowBook } from "./shadow-book.ts";

/** Shape of a generated stream. Every field has a default in {@link DEFAULT_STREAM_CONFIG}. */
export interface StreamConfig {
  /** Number of events. */
  readonly events: number;
  /** Owners are drawn uniformly from [0, owners). */
  readonly owners: number;
  /** Book price range in ticks (the books are configured with the same range). */
  readonly minPriceTicks: number;
  readonly maxPriceTicks: number;
  /** Where the reference price starts. */
  readonly startPriceTicks: number;
  /** Probability per event that the reference price moves (up or down, equally likely). */
  readonly referenceMoveProbability: number;
  /** How far the reference price moves when it does, in ticks. */
  readonly referenceStepTicks: number;
  /** Arrival weight of passive limit orders. */
  readonly passiveWeight: number;
  /**
   * Share of passive limit orders sent post-only. They are priced off the reference price without
   * looking at the book, as a quoter with a stale view would, so some would cross and are refused.
   */
  readonly postOnlyShare: number;
  /** Passive limit orders that open the stream before any other event (a deep book from the start). */
  readonly initialResting: number;
  /**
   * Order ids: `false` numbers orders 1, 2, 3… as a simulator that owns its id space does; `true`
   * scrambles those numbers over [0, 2^53) by a bijection, as ids chosen outside would be.
   */
  readonly sparseIds: boolean;
  /** Arrival weight of marketable orders. */
  readonly marketableWeight: number;
  /** Cancel weight when {@link targetResting} orders rest; it scales with the number resting. */
  readonly cancelWeight: number;
  /** Book size at which the cancel weight equals {@link cancelWeight}. */
  readonly targetResting: number;
  /** Mean distance in ticks of a passive order behind the touch on its side (geometric). */
  readonly passiveDistanceMean: number;
  /** Mean passive order size in lots (1 + geometric). */
  readonly passiveQtyMean: number;
  /** Median marketable order size in lots (log-normal). */
  readonly marketableQtyMedian: number;
  /** Log-normal sigma of marketable sizes: the heavy tail is what sweeps several levels. */
  readonly marketableQtySigma: number;
  /** Cap on a marketable order's size in lots. */
  readonly marketableQtyMax: number;
  /** Shares of marketable orders that are market orders and IOC limits; the rest are crossing GTC limits. */
  readonly marketShare: number;
  readonly iocShare: number;
  /** Mean number of ticks a marketable limit is priced beyond the opposite touch (geometric). */
  readonly crossDepthMean: number;
  /** How strongly marketable flow leans toward the reference price (buy probability per tick of mid below it). */
  readonly marketableLeanPerTick: number;
}

/** The configuration of the benchmark stream (tuned for a few thousand orders on ~100 levels per side). */
export const DEFAULT_STREAM_CONFIG: StreamConfig = {
  events: 1_000_000,
  owners: 1000,
  minPriceTicks: 50_000,
  maxPriceTicks: 150_000,
  startPriceTicks: 100_000,
  referenceMoveProbability: 0.1,
  referenceStepTicks: 1,
  passiveWeight: 0.7,
  postOnlyShare: 0,
  initialResting: 0,
  sparseIds: false,
  marketableWeight: 0.1,
  cancelWeight: 0.2,
  targetResting: 4000,
  passiveDistanceMean: 4,
  passiveQtyMean: 10,
  marketableQtyMedian: 35,
  marketableQtySigma: 1,
  marketableQtyMax: 2000,
  marketShare: 0.4,
  iocShare: 0.3,
  crossDepthMean: 2,
  marketableLeanPerTick: 0.02,
};

/** What the generated stream turned out to be. */
export interface StreamStats {
  readonly events: number;
  /** Event counts by kind. */
  readonly passiveLimits: number;
  /** Passive limits sent post-only, and how many of them the model refused because they would cross. */
  readonly postOnlyLimits: number;
  readonly postOnlyRejected: number;
  readonly marketOrders: number;
  readonly iocLimits: number;
  readonly crossingGtcLimits: number;
  readonly cancels: number;
  /** Cancels naming an order that was no longer live (0: the generator only cancels live orders). */
  readonly cancelsOfDeadOrders: number;
  /** Averages over the stream after a 10 % burn-in, sampled every 100 events. */
  readonly avgResting: number;
  readonly avgBidLevels: number;
  readonly avgAskLevels: number;
  /** Average bid–ask spread in ticks (when both sides are non-empty). */
  readonly avgSpreadTicks: number;
  /** Most orders resting at once. */
  readonly maxResting: number;
  /** Largest order id in the stream. */
  readonly maxOrderId: number;
  /** At the end of the stream. */
  readonly finalResting: number;
  readonly finalBidLevels: number;
  readonly finalAskLevels: number;
}

/** A generated stream with its statistics and the results a correct book must produce. */
export interface GeneratedStream {
  readonly stream: EventStream;
  readonly stats: StreamStats;
  /** Expected checksum after each requested prefix length (and after the whole stream). */
  readonly expected: ReadonlyMap<number, Checksum>;
}

const SAMPLE_EVERY = 100;
const BURN_IN = 0.1;

/**
 * Generates the stream for `seed`. `checkpoints` are prefix lengths at which to record the
 * expected checksum (the full length is always recorded).
 */
export function generateStream(
  seed: Seed,
  config: Partial<StreamConfig> = {},
  checkpoints: readonly number[] = [],
): GeneratedStream {
  const c: StreamConfig = { ...DEFAULT_STREAM_CONFIG, ...config };
  const rs = streams(seed, 0);
  const rng = {
    reference: rs.get("bench/matching/reference-price"),
    kind: rs.get("bench/matching/event-kind"),
    side: rs.get("bench/matching/side"),
    price: rs.get("bench/matching/price"),
    qty: rs.get("bench/matching/qty"),
    owner: rs.get("bench/matching/owner"),
    cancel: rs.get("bench/matching/cancel"),
    // Drawn only by streams that use post-only orders, so older streams keep their events.
    postOnly: rs.get("bench/matching/post-only"),
  };
  const out = allocateEventStream(c.events);
  const book = new ShadowBook(c.minPriceTicks, c.maxPriceTicks, c.events);
  const expected = new Map<number, Checksum>();
  const wanted = new Set([...checkpoints.filter((n) => n > 0 && n <= c.events), c.events]);
  const counts = { passive: 0, postOnly: 0, market: 0, ioc: 0, crossing: 0, cancel: 0 };
  const sums = { samples: 0, resting: 0, bidLevels: 0, askLevels: 0, spreadSamples: 0, spread: 0 };
  const pDistance = 1 / (c.passiveDistanceMean + 1);
  const pPassiveQty = 1 / c.passiveQtyMean;
  const pCrossDepth = 1 / (c.crossDepthMean + 1);
  const logMedian = Math.log(c.marketableQtyMedian);
  const margin = Math.min(1000 * c.referenceStepTicks, (c.maxPriceTicks - c.minPriceTicks) / 4);
  const lowestReference = c.minPriceTicks + margin;
  const highestReference = c.maxPriceTicks - margin;
  let reference = c.startPriceTicks;
  // Orders are numbered 1, 2, 3… inside the generator and its model; `idOf` is what the stream says.
  let nextId = 1;
  const idOf = c.sparseIds ? scrambledId : (n: number) => n;
  let maxResting = 0;
  let maxOrderId = 0;

  for (let i = 0; i < c.events; i++) {
    if (rng.reference.bernoulli(c.referenceMoveProbability)) {
      reference += rng.reference.bernoulli(0.5) ? c.referenceStepTicks : -c.referenceStepTicks;
      reference = Math.min(highestReference, Math.max(lowestReference, reference));
    }
    const resting = book.restingOrders;
    const cancelWeight = (c.cancelWeight * resting) / c.targetResting;
    const u =
      i < c.initialResting
        ? cancelWeight // the passive branch: [cancelWeight, cancelWeight + passiveWeight)
        : rng.kind.next() * (c.passiveWeight + c.marketableWeight + cancelWeight);
    out.owner[i] = rng.owner.int(c.owners);

    if (u < cancelWeight) {
      const id = book.liveOrderAt(rng.cancel.int(resting));
      book.cancel(id);
      out.op[i] = Op.Cancel;
      out.id[i] = idOf(id);
      out.owner[i] = 0;
      counts.cancel++;
    } else if (u < cancelWeight + c.passiveWeight) {
      const side = rng.side.bernoulli(0.5) ? Side.Buy : Side.Sell;
      const postOnly = c.postOnlyShare > 0 && rng.postOnly.bernoulli(c.postOnlyShare);
      const distance = rng.price.geometric(pDistance);
      const price = postOnly
        ? quotedPrice(side, reference, distance, c)
        : passivePrice(side, reference, book, distance, c);
      const qty = 1 + rng.qty.geometric(pPassiveQty);
      writeLimit(out, i, idOf(nextId), side, price, qty, postOnly ? TimeInForce.PostOnly : TimeInForce.GTC);
      if (postOnly) {
        book.postOnly(nextId++, side, price, qty);
        counts.postOnly++;
      } else {
        book.limit(nextId++, side, price, qty, false);
      }
      counts.passive++;
    } else {
      const side = rng.side.bernoulli(marketableBuyProbability(reference, book, c)) ? Side.Buy : Side.Sell;
      const qty = Math.min(
        c.marketableQtyMax,
        Math.max(1, Math.round(rng.qty.lognormal(logMedian, c.marketableQtySigma))),
      );
      const kind = rng.kind.next();
      if (kind < c.marketShare) {
        out.op[i] = Op.Market;
        out.id[i] = idOf(nextId++);
        out.side[i] = side;
        out.price[i] = NO_PRICE;
        out.qty[i] = qty;
        book.market(side, qty);
        counts.market++;
      } else {
        const ioc = kind < c.marketShare + c.iocShare;
        const price = crossingPrice(side, reference, book, rng.price, pCrossDepth, c);
        writeLimit(out, i, idOf(nextId), side, price, qty, ioc ? TimeInForce.IOC : TimeInForce.GTC);
        book.limit(nextId++, side, price, qty, ioc);
        if (ioc) counts.ioc++;
        else counts.crossing++;
      }
    }

    maxResting = Math.max(maxResting, book.restingOrders);
    if (out.op[i] !== Op.Cancel) maxOrderId = Math.max(maxOrderId, out.id[i]!);
    if (i >= c.events * BURN_IN && i % SAMPLE_EVERY === 0) {
      sums.samples++;
      sums.resting += book.restingOrders;
      sums.bidLevels += book.levels(Side.Buy);
      sums.askLevels += book.levels(Side.Sell);
      if (book.bestBid !== NO_PRICE && book.bestAsk !== NO_PRICE) {
        sums.spreadSamples++;
        sums.spread += book.bestAsk - book.bestBid;
      }
    }
    if (wanted.has(i + 1)) {
      expected.set(i + 1, {
        ...emptyChecksum(),
        ...book.tally,
        rejects: book.rejects,
        restingAtEnd: book.restingOrders,
      });
    }
  }

  const stats: StreamStats = {
    events: c.events,
    passiveLimits: counts.passive,
    postOnlyLimits: counts.postOnly,
    postOnlyRejected: book.rejects,
    marketOrders: counts.market,
    iocLimits: counts.ioc,
    crossingGtcLimits: counts.crossing,
    cancels: counts.cancel,
    cancelsOfDeadOrders: 0,
    avgResting: sums.resting / sums.samples,
    avgBidLevels: sums.bidLevels / sums.samples,
    avgAskLevels: sums.askLevels / sums.samples,
    avgSpreadTicks: sums.spread / sums.spreadSamples,
    maxResting,
    maxOrderId,
    finalResting: book.restingOrders,
    finalBidLevels: book.levels(Side.Buy),
    finalAskLevels: book.levels(Side.Sell),
  };
  return { stream: out, stats, expected };
}

function writeLimit(
  out: EventStream,
  i: number,
  id: number,
  side: Side,
  price: number,
  qty: number,
  tif: TimeInForce,
): void {
  out.op[i] = Op.Limit;
  out.id[i] = id;
  out.side[i] = side;
  out.price[i] = price;
  out.qty[i] = qty;
  out.tif[i] = tif;
}

/** An odd multiplier: n ↦ n·K mod 2^53 is a bijection, so scrambled ids stay unique. */
const SCRAMBLE = 0x1b873593a5b1dn;
const ID_SPACE = 2n ** 53n;

/** Order number `n` spread over [0, 2^53): neighbours land far apart, as independent clients' ids would. */
function scrambledId(n: number): number {
  return Number((BigInt(n) * SCRAMBLE) % ID_SPACE);
}

/**
 * A post-only quote `distance` ticks behind a touch one tick from the reference price; unlike
 * {@link passivePrice} it ignores the book, so it crosses when the book has moved away from the reference.
 */
function quotedPrice(side: Side, reference: number, distance: number, c: StreamConfig): number {
  return side === Side.Buy
    ? Math.max(c.minPriceTicks, reference - 1 - distance)
    : Math.min(c.maxPriceTicks, reference + 1 + distance);
}

/**
 * A passive price `distance` ticks behind the touch on `side`: the touch sits one tick from the
 * reference price, but never at or through the opposite best, so the order cannot trade.
 */
function passivePrice(
  side: Side,
  reference: number,
  book: ShadowBook,
  distance: number,
  c: StreamConfig,
): number {
  if (side === Side.Buy) {
    let touch = reference - 1;
    if (book.bestAsk !== NO_PRICE) touch = Math.min(touch, book.bestAsk - 1);
    return Math.max(c.minPriceTicks, touch - distance);
  }
  let touch = reference + 1;
  if (book.bestBid !== NO_PRICE) touch = Math.max(touch, book.bestBid + 1);
  return Math.min(c.maxPriceTicks, touch + distance);
}

/** A marketable limit price: a few ticks through the opposite touch (or the reference when that side is empty). */
function crossingPrice(
  side: Side,
  reference: number,
  book: ShadowBook,
  rng: RandomStream,
  pCrossDepth: number,
  c: StreamConfig,
): number {
  const depth = rng.geometric(pCrossDepth);
  if (side === Side.Buy) {
    const touch = book.bestAsk !== NO_PRICE ? book.bestAsk : reference + 1;
    return Math.min(c.maxPriceTicks, touch + depth);
  }
  const touch = book.bestBid !== NO_PRICE ? book.bestBid : reference - 1;
  return Math.max(c.minPriceTicks, touch - depth);
}

/**
 * Marketable flow leans toward the reference price (buying when the mid is below it), as
 * informed flow would; without it the book would not follow the reference it is quoted around.
 */
function marketableBuyProbability(reference: number, book: ShadowBook, c: StreamConfig): number {
  if (book.bestBid === NO_PRICE || book.bestAsk === NO_PRICE) return 0.5;
  const mid = (book.bestBid + book.bestAsk) / 2;
  return Math.min(0.8, Math.max(0.2, 0.5 + c.marketableLeanPerTick * (reference - mid)));
}
