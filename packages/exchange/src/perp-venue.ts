/**
 * A linear, quote-margined perpetual-futures venue with one-way positions: the order book agents
 * trade in, margin (isolated and cross) checked on every order, mark price from an index and the
 * book, funding, and the liquidation engine (book → insurance-fund takeover → auto-deleveraging)
 * whose forced orders hit the same book. Every rule follows what the large venues document
 * (see `shared/MECHANICS.md`); every policy a researcher may switch is in {@link PerpVenueConfig}.
 *
 * Money is exact: integer quote units; the conservation law is checked by
 * {@link PerpVenue.checkConservation}. Liquidation triggers live in two indexed heaps keyed by
 * each position's exact trigger price, so a mark update costs O(1) when nothing fires and
 * O(log n) per liquidation, however many accounts exist.
 *
 * The venue has no clock of its own: the simulation calls {@link PerpVenue.advance} at
 * {@link PerpVenue.nextWakeNs} and sets {@link PerpVenue.nowNs} before delivering orders.
 *
 * @module
 */

import {
  ConfigError,
  Instrument,
  InvariantError,
  mulDivCeil,
  mulDivFloor,
  PPM,
  RejectCode,
  Side,
} from "@cascade/core";
import { EventKind, NO_PRICE, OrderBook, StpMode, TimeInForce } from "@cascade/matching-engine";
import { AccountSet } from "./account-set.ts";
import { INSURANCE_FUND } from "./fund-account.ts";
import {
  FundingAccumulator,
  fundingPaymentUnits,
  impactNotionalUnits,
  premiumIndex,
  RATE_E8,
} from "./funding.ts";
import { computeIndexTicks } from "./index-price.ts";
import { LiquidationEngine, type LiquidationStats } from "./liquidation-engine.ts";
import { LiquidationLog, LiquidationStage } from "./liquidation-log.ts";
import { MarkHistory } from "./mark-history.ts";
import { MarkPrice } from "./mark-price.ts";
import { PerpAccounts } from "./perp-accounts.ts";
import { type PerpVenueConfig, type ResolvedPerpConfig, resolvePerpConfig } from "./perp-config.ts";
import { createVenuePolicies, type VenuePolicies } from "./policies/index.ts";
import type { IocFill, LiquidationVenue } from "./policies/venue-view.ts";
import {
  bankruptcyPriceTicks,
  isLiquidatable,
  liquidationTriggerTicks,
  type PositionState,
} from "./position-math.ts";
import { ScaledMarginTiers } from "./scaled-tiers.ts";
import { TriggerHeap } from "./trigger-heap.ts";
import { VenueEventBuffer, VenueEventFlag, VenueEventKind } from "./venue-events.ts";

/** Something the venue can read an index price from, e.g. a spot venue. */
export interface IndexSource {
  /** Current price in ticks of the perpetual's instrument (fractional allowed); NaN when unavailable. */
  indexPriceTicks(): number;
}

/** An index source whose price is set by hand (tests, exogenous index paths). */
export class ManualIndex implements IndexSource {
  /** Current price in ticks; NaN = unavailable. */
  priceTicks: number;

  constructor(priceTicks = Number.NaN) {
    this.priceTicks = priceTicks;
  }

  /** Returns {@link ManualIndex.priceTicks}. */
  indexPriceTicks(): number {
    return this.priceTicks;
  }
}

export { INSURANCE_FUND } from "./fund-account.ts";
export type { LiquidationStats } from "./liquidation-engine.ts";

/**
 * Bound on the sums the venue keeps exact, quote units (2^51 ≈ 2.25·10^15, i.e. 2.25·10^11 USDT
 * at a 10^-4 quote unit). Deposits are refused when a wallet or the net deposits would pass it, and
 * orders when open interest plus every resting order, valued at the top of the price range, would:
 * so every position, order and PnL is worth at most this much, and the sums the margin arithmetic
 * forms from them (margin + position value − entry value) stay below 2^53. Refusals carry
 * `RejectCode.MoneyLimitExceeded`.
 */
export const MONEY_LIMIT_UNITS = 2 ** 51;

/** Client order ids must be below this; the venue numbers its own orders from here. */
export const INTERNAL_ORDER_ID_BASE = 2 ** 52;

const SCRATCH_POS: PositionState = { sizeLots: 0, basisUnits: 0, marginUnits: 0 };

/** The IOC fill of an order that executed nothing. */
const NO_FILL: IocFill = Object.freeze({ lots: 0, notionalUnits: 0 });

/**
 * The perpetual venue. Accounts are dense integers; account 0 is the insurance fund.
 * @example
 * ```ts
 * const venue = new PerpVenue({ instrument: BTCUSDT, minPriceTicks: 1, maxPriceTicks: 2_000_000 });
 * const index = new ManualIndex(700_000);
 * venue.setIndexSources([index]);
 * const alice = venue.openAccount({ isolated: true, leverage: 50 });
 * venue.deposit(alice, venue.instrument.quoteToUnits("1000"));
 * venue.limit(alice, 1, Side.Buy, 700_000, 10); // 0.01 BTC at 70,000
 * venue.advance(1_000_000_000);                  // mark, funding, liquidations
 * ```
 */
export class PerpVenue {
  /** The validated configuration. */
  readonly config: ResolvedPerpConfig;
  /** The contract. */
  readonly instrument: Instrument;
  /** The order book agents and the liquidation engine trade in (queries only from outside). */
  readonly book: OrderBook;
  /** Account columns (read-only from outside). */
  readonly accounts: PerpAccounts;
  /** What the last call did, per account. */
  readonly events = new VenueEventBuffer();
  /** Every liquidation step of the run. */
  readonly liquidations = new LiquidationLog();
  /** Running liquidation totals. */
  readonly stats: LiquidationStats = {
    liquidations: 0,
    liquidatedLots: 0,
    liquidatedNotionalUnits: 0,
    takeoverLots: 0,
    adlCount: 0,
    adlLots: 0,
    fundCoverUnits: 0,
    adlResidualLots: 0,
  };
  /** Simulated time of the venue, ns (set by the simulation). */
  nowNs = 0;
  /** Mark price in ticks (NaN before the first index or trade). */
  markTicks = Number.NaN;
  /** Index price in ticks (NaN when no source has a price). */
  indexTicks = Number.NaN;
  /** Price of the last trade in the book, ticks (NaN before the first). */
  lastTradeTicks = Number.NaN;
  /** Funding rate set at the last funding time, in 10^-8 per `funding.rateIntervalNs` (8 h by default). */
  lastFundingRateE8 = 0;
  /** Trading is halted until this time (circuit breaker), ns. */
  haltedUntilNs = 0;
  /** Fees collected net of rebates, quote units. */
  feesCollectedUnits = 0;
  /** Deposits minus withdrawals (the insurance fund's seed counts as a deposit), quote units. */
  netDepositsUnits = 0;
  /**
   * Funding paid by payers minus received by receivers, summed over intervals (to the fund), quote
   * units: ≥ 0 from rounding, lower by what the fund paid for isolated payers who could not.
   */
  fundingResidueUnits = 0;
  /**
   * Losses the insurance fund could not pay and auto-deleveraging could not cover, quote units:
   * with a fund policy that floors its wallet (`FundPolicy.floorWallet`), each deficit is recorded
   * here and the wallet set to zero. In the conservation law this is money from outside the
   * venue's accounts (in reality a haircut on winners or the exchange's own capital).
   */
  socializedLossUnits = 0;

  private readonly m: number;
  private readonly tiers: ScaledMarginTiers;
  private readonly convention: "mark" | "entry";
  private readonly longTriggers = new TriggerHeap();
  private readonly shortTriggers = new TriggerHeap();
  private readonly longs = new AccountSet();
  private readonly shorts = new AccountSet();
  private readonly markPrice: MarkPrice;
  private readonly funding: FundingAccumulator;
  private readonly impactNotionalTickLots: number;
  /** Premium samples are taken at most this often, ns (never less often than funding settles). */
  private readonly premiumSampleNs: number;
  /** Settlement interval ÷ the period the rate is quoted for (1 for 8-hour settlement of an 8-hour rate). */
  private readonly fundingShare: number;
  private indexSources: IndexSource[] = [];
  private indexWeights = new Float64Array(0);
  private indexPrices = new Float64Array(0);
  private nextMarkNs: number;
  private nextBasisNs = 0;
  private nextPremiumNs = 0;
  private nextFundingNs: number;
  private nextInternalId = INTERNAL_ORDER_ID_BASE;
  private readonly reduceOnlyOrders = new Map<number, number>();
  // (account, position before its fills) of makers holding reduce-only orders, per routed command.
  private readonly makerTrims: number[] = [];
  /** The switchable rules (liquidation mode, pacing, ADL, fund, breaker, maintenance). */
  readonly policies: VenuePolicies;
  private readonly engine: LiquidationEngine;
  /** Open interest plus resting lots may not pass this (their value at the price ceiling ≤ MONEY_LIMIT_UNITS). */
  private readonly lotLimit: number;
  /** Lots in resting orders, both sides, all accounts. */
  private openLotsTotal = 0;
  // Circuit breaker and dynamic maintenance: recent marks.
  private readonly markHistory: MarkHistory;

  /** @throws {@link @cascade/core!ConfigError} naming the first invalid field. */
  constructor(config: PerpVenueConfig) {
    this.config = resolvePerpConfig(config);
    const c = this.config;
    this.instrument = new Instrument(c.instrument);
    this.m = this.instrument.quotePerTickLot;
    if (c.maxPriceTicks * this.m > MONEY_LIMIT_UNITS) {
      throw new ConfigError(
        "perp.maxPriceTicks",
        c.maxPriceTicks,
        `is too large: one lot at the top of the price range (× ${this.m} quote units per tick·lot) must be worth at most 2^51 quote units`,
      );
    }
    this.lotLimit = Math.floor(MONEY_LIMIT_UNITS / (c.maxPriceTicks * this.m));
    this.tiers = new ScaledMarginTiers(c.tiers, this.instrument);
    this.convention = c.maintenanceConvention;
    this.book = new OrderBook({
      minPriceTicks: c.minPriceTicks,
      maxPriceTicks: c.maxPriceTicks,
      maxOwner: 2 ** 31 - 2,
      defaultStp: StpMode.CancelTaker,
    });
    this.accounts = new PerpAccounts();
    this.markPrice = new MarkPrice({
      basisSampleIntervalNs: c.mark.basisSampleIntervalNs,
      basisWindowSamples: c.mark.basisWindowSamples,
      fundingIntervalNs: c.funding.intervalNs,
    });
    this.premiumSampleNs = Math.min(c.funding.sampleIntervalNs, c.funding.intervalNs);
    this.funding = new FundingAccumulator({ sampleIntervalNs: this.premiumSampleNs });
    this.fundingShare = c.funding.intervalNs / c.funding.rateIntervalNs;
    this.impactNotionalTickLots =
      impactNotionalUnits(this.instrument, c.maxLeverage, c.funding.impactMargin) / this.m;
    this.nextMarkNs = 0;
    this.nextFundingNs = c.funding.intervalNs;
    this.policies = createVenuePolicies({ config: c, instrument: this.instrument }, config.policies);
    const historyWindowNs = Math.max(
      this.policies.circuitBreaker.historyWindowNs,
      this.policies.maintenance.historyWindowNs,
    );
    this.markHistory = new MarkHistory(Math.ceil(historyWindowNs / c.markIntervalNs) + 2);
    this.engine = new LiquidationEngine(this.liquidationPort(), this.policies, this.stats);

    const fund = this.accounts.open(false, c.maxLeverage);
    const seed = this.instrument.quoteToUnits(c.insuranceFund.initial, "exact", "perp.insuranceFund.initial");
    if (seed < 0) throw new ConfigError("perp.insuranceFund.initial", c.insuranceFund.initial, "must be ≥ 0");
    if (seed > MONEY_LIMIT_UNITS) {
      throw new ConfigError(
        "perp.insuranceFund.initial",
        c.insuranceFund.initial,
        "must be at most 2^51 quote units (the venue's exact-money bound)",
      );
    }
    this.accounts.wallet[fund] = seed;
    this.netDepositsUnits = seed;
  }

  // ---------------------------------------------------------------------------------------------
  // Accounts

  /**
   * Opens an account. `isolated` defaults to true (retail default on most venues); leverage to
   * the venue's default.
   * @throws {@link @cascade/core!ConfigError} when the leverage is outside [1, maxLeverage].
   */
  openAccount(options: { readonly isolated?: boolean; readonly leverage?: number } = {}): number {
    const leverage = options.leverage ?? this.config.defaultLeverage;
    this.checkLeverageConfig("leverage", leverage);
    return this.accounts.open(options.isolated ?? true, leverage);
  }

  /**
   * Opens `n` accounts at once (a retail population); returns the first id, the rest follow.
   * `leverage` is one value for all, or one per account.
   * @throws {@link @cascade/core!ConfigError} naming the count or the first bad leverage.
   */
  openAccounts(n: number, isolated: boolean, leverage: number | ArrayLike<number>): number {
    if (!Number.isInteger(n) || n < 1)
      throw new ConfigError("accounts.count", n, "must be a positive integer");
    if (typeof leverage === "number") {
      this.checkLeverageConfig("leverage", leverage);
    } else {
      if (leverage.length !== n)
        throw new ConfigError("leverage.length", leverage.length, `must equal the account count (${n})`);
      for (let i = 0; i < n; i++) this.checkLeverageConfig(`leverage[${i}]`, leverage[i]!);
    }
    this.accounts.reserve(this.accounts.count + n);
    const first = this.accounts.count;
    for (let i = 0; i < n; i++)
      this.accounts.open(isolated, typeof leverage === "number" ? leverage : leverage[i]!);
    return first;
  }

  /** Number of accounts, the insurance fund included. */
  get accountCount(): number {
    return this.accounts.count;
  }

  /**
   * Credits `amountUnits` (positive integer) to an account's wallet. Refused with
   * `MoneyLimitExceeded` when the wallet or the venue's net deposits would pass {@link MONEY_LIMIT_UNITS}.
   */
  deposit(account: number, amountUnits: number): RejectCode {
    this.events.length = 0;
    const code = !this.validAccount(account)
      ? RejectCode.UnknownAccount
      : !(Number.isSafeInteger(amountUnits) && amountUnits > 0)
        ? RejectCode.InvalidAmount
        : amountUnits > MONEY_LIMIT_UNITS - this.netDepositsUnits ||
            amountUnits > MONEY_LIMIT_UNITS - this.accounts.wallet[account]!
          ? RejectCode.MoneyLimitExceeded
          : RejectCode.None;
    if (code !== RejectCode.None) return this.rejectCmd(account, -1, code);
    this.accounts.wallet[account] = this.accounts.wallet[account]! + amountUnits;
    this.netDepositsUnits += amountUnits;
    if (!this.accounts.isIsolated(account)) this.updateTrigger(account);
    return code;
  }

  /** Takes `amountUnits` from an account's free balance (not needed as margin for its position and orders). */
  withdraw(account: number, amountUnits: number): RejectCode {
    this.events.length = 0;
    let code: RejectCode = !this.validAccount(account)
      ? RejectCode.UnknownAccount
      : !(Number.isSafeInteger(amountUnits) && amountUnits > 0)
        ? RejectCode.InvalidAmount
        : RejectCode.None;
    if (code === RejectCode.None && this.freeMarginUnits(account) < amountUnits)
      code = RejectCode.InsufficientMargin;
    if (code !== RejectCode.None) return this.rejectCmd(account, -1, code);
    this.accounts.wallet[account] = this.accounts.wallet[account]! - amountUnits;
    this.netDepositsUnits -= amountUnits;
    if (!this.accounts.isIsolated(account)) this.updateTrigger(account);
    return code;
  }

  /** Moves free wallet balance into an isolated position's margin (pushing its liquidation price away). */
  addMargin(account: number, amountUnits: number): RejectCode {
    this.events.length = 0;
    const acc = this.accounts;
    let code: RejectCode = !this.validAccount(account)
      ? RejectCode.UnknownAccount
      : !(Number.isSafeInteger(amountUnits) && amountUnits > 0)
        ? RejectCode.InvalidAmount
        : RejectCode.None;
    if (code === RejectCode.None && (!acc.isIsolated(account) || acc.size[account] === 0))
      code = RejectCode.InvalidAmount;
    if (code === RejectCode.None && this.freeMarginUnits(account) < amountUnits)
      code = RejectCode.InsufficientMargin;
    if (code !== RejectCode.None) return this.rejectCmd(account, -1, code);
    acc.isoMargin[account] = acc.isoMargin[account]! + amountUnits;
    this.updateTrigger(account);
    return code;
  }

  /** Sets an account's leverage for future orders; refused above the venue cap or the tier table's limit for its exposure. */
  setLeverage(account: number, leverage: number): RejectCode {
    this.events.length = 0;
    let code: RejectCode = this.validAccount(account) ? RejectCode.None : RejectCode.UnknownAccount;
    if (
      code === RejectCode.None &&
      (!Number.isInteger(leverage) ||
        leverage < 1 ||
        leverage > this.config.maxLeverage ||
        this.exposureUnits(account, Side.Buy, 0, 0) > this.tiers.maxNotionalForLeverage(leverage))
    ) {
      code = RejectCode.LeverageExceedsCap;
    }
    if (code !== RejectCode.None) return this.rejectCmd(account, -1, code);
    this.accounts.leverage[account] = leverage;
    return code;
  }

  /**
   * Opens a position pair off-book, for a simulation's initial state: `longAccount` buys and
   * `shortAccount` sells `qtyLots` at `priceTicks` (no fees, no book), e.g. retail longs opened
   * during a past rally against a cash-and-carry arbitrageur's hedged short. Both sides' margin
   * must cover the initial margin at their leverage (isolated accounts allocate it).
   * Returns `RejectCode.InsufficientMargin` (changing nothing) when either side cannot.
   */
  seedPosition(longAccount: number, shortAccount: number, qtyLots: number, priceTicks: number): RejectCode {
    this.events.length = 0;
    const acc = this.accounts;
    if (!this.validAccount(longAccount) || !this.validAccount(shortAccount) || longAccount === shortAccount) {
      return this.rejectCmd(longAccount, -1, RejectCode.UnknownAccount);
    }
    if (!(Number.isSafeInteger(qtyLots) && qtyLots > 0))
      return this.rejectCmd(longAccount, -1, RejectCode.InvalidQuantity);
    if (
      !(
        Number.isSafeInteger(priceTicks) &&
        priceTicks >= this.config.minPriceTicks &&
        priceTicks <= this.config.maxPriceTicks
      )
    ) {
      return this.rejectCmd(longAccount, -1, RejectCode.PriceOutOfRange);
    }
    if (this.lotsOverLimit(qtyLots)) return this.rejectCmd(longAccount, -1, RejectCode.MoneyLimitExceeded);
    const notional = qtyLots * priceTicks * this.m;
    for (const [a, side] of [
      [longAccount, Side.Buy],
      [shortAccount, Side.Sell],
    ] as const) {
      if (!this.seedMarginOk(a, side, qtyLots, priceTicks))
        return this.rejectCmd(a, -1, RejectCode.InsufficientMargin);
    }
    acc.applyTrade(longAccount, qtyLots, notional);
    acc.applyTrade(shortAccount, -qtyLots, notional);
    this.updateTrigger(longAccount);
    this.updateTrigger(shortAccount);
    return RejectCode.None;
  }

  /**
   * {@link PerpVenue.seedPosition} for many longs against one short at once: each long `i` buys
   * `lots[i]` at `prices[i]` from `shortAccount`. All or nothing: when any long, or the short for
   * the total, lacks the initial margin, nothing changes and the reject code is returned. The
   * short's trigger is computed once, which is what makes seeding 10^6 positions cheap.
   */
  seedPositions(
    longAccounts: ArrayLike<number>,
    lots: ArrayLike<number>,
    prices: ArrayLike<number>,
    shortAccount: number,
  ): RejectCode {
    this.events.length = 0;
    const acc = this.accounts;
    const n = longAccounts.length;
    if (lots.length !== n || prices.length !== n)
      return this.rejectCmd(shortAccount, -1, RejectCode.InvalidQuantity);
    if (!this.validAccount(shortAccount)) return this.rejectCmd(shortAccount, -1, RejectCode.UnknownAccount);
    let totalLots = 0;
    let totalNotional = 0;
    for (let i = 0; i < n; i++) {
      const a = longAccounts[i]!;
      const q = lots[i]!;
      const p = prices[i]!;
      if (!this.validAccount(a) || a === shortAccount)
        return this.rejectCmd(a, -1, RejectCode.UnknownAccount);
      if (!(Number.isSafeInteger(q) && q > 0)) return this.rejectCmd(a, -1, RejectCode.InvalidQuantity);
      if (!(Number.isSafeInteger(p) && p >= this.config.minPriceTicks && p <= this.config.maxPriceTicks)) {
        return this.rejectCmd(a, -1, RejectCode.PriceOutOfRange);
      }
      if (!this.seedMarginOk(a, Side.Buy, q, p)) return this.rejectCmd(a, -1, RejectCode.InsufficientMargin);
      totalLots += q;
      totalNotional += q * p * this.m;
    }
    if (n === 0) return RejectCode.None;
    if (this.lotsOverLimit(totalLots)) return this.rejectCmd(shortAccount, -1, RejectCode.MoneyLimitExceeded);
    const avgPrice = Math.ceil(totalNotional / (totalLots * this.m));
    if (!this.seedMarginOk(shortAccount, Side.Sell, totalLots, avgPrice)) {
      return this.rejectCmd(shortAccount, -1, RejectCode.InsufficientMargin);
    }
    for (let i = 0; i < n; i++) {
      const a = longAccounts[i]!;
      const notional = lots[i]! * prices[i]! * this.m;
      acc.applyTrade(a, lots[i]!, notional);
      acc.applyTrade(shortAccount, -lots[i]!, notional);
      this.updateTrigger(a);
    }
    this.updateTrigger(shortAccount);
    return RejectCode.None;
  }

  private seedMarginOk(a: number, side: Side, qtyLots: number, priceTicks: number): boolean {
    const acc = this.accounts;
    const lev = acc.leverage[a]!;
    const need = Math.ceil(this.exposureUnits(a, side, qtyLots, priceTicks) / lev);
    const ref = this.referencePriceTicks();
    const have = acc.isIsolated(a)
      ? acc.wallet[a]! - acc.isoMargin[a]! + Math.ceil((Math.abs(acc.size[a]!) * priceTicks * this.m) / lev)
      : acc.wallet[a]! + (Number.isFinite(ref) ? this.unrealizedPnlUnits(a, ref) : 0);
    return need <= have;
  }

  // ---------------------------------------------------------------------------------------------
  // Orders

  /**
   * Submits a limit order for `account`. Checked before the book: account, halt, reduce-only
   * direction and size, position limit for the account's leverage, initial margin (position +
   * open orders + this order + its fee + its open loss). The order is margined at the worst
   * price for the account, as venues do: a sell at the higher of its limit and the mark, a buy at
   * the lower; a limit beyond the mark also pays its open loss, qty × |limit − mark|
   * (Binance's "order cost = initial margin + open loss").
   */
  limit(
    account: number,
    orderId: number,
    side: Side,
    priceTicks: number,
    qtyLots: number,
    tif: TimeInForce = TimeInForce.GTC,
    reduceOnly = false,
    stp: StpMode = StpMode.CancelTaker,
  ): RejectCode {
    this.events.length = 0;
    let code = this.preCheck(account, orderId, side, qtyLots, reduceOnly);
    if (code === RejectCode.None && !reduceOnly && Number.isInteger(priceTicks)) {
      code = this.marginCheck(account, side, qtyLots, priceTicks, priceTicks);
    }
    if (code !== RejectCode.None) return this.rejectCmd(account, orderId, code, side, priceTicks, qtyLots);
    code = this.book.limit(orderId, account, side, priceTicks, qtyLots, tif, stp);
    this.afterOrder(orderId, account, reduceOnly);
    return code;
  }

  /**
   * Submits a market order for `account`. Without a protection price the venue protects it, as
   * the large venues do: it executes no further than {@link PerpVenueConfig.marketOrderBufferPpm}
   * beyond the mark (the remainder expires). It is margined like a limit order at its protection
   * price (a sell at the higher of protection and mark, a buy at the lower), with the open loss
   * measured from the touch it starts trading at. So a market order into an emptied book cannot
   * sell at any price at all, and a low protection price does not lower a sell's margin.
   */
  market(
    account: number,
    orderId: number,
    side: Side,
    qtyLots: number,
    protectionPriceTicks: number = NO_PRICE,
    reduceOnly = false,
  ): RejectCode {
    this.events.length = 0;
    let code = this.preCheck(account, orderId, side, qtyLots, reduceOnly);
    let protection = protectionPriceTicks;
    if (protection === NO_PRICE) {
      const ref = this.referencePriceTicks();
      if (Number.isFinite(ref)) {
        const band = this.config.marketOrderBufferPpm;
        const { minPriceTicks, maxPriceTicks } = this.config;
        protection =
          side === Side.Buy
            ? Math.min(maxPriceTicks, Math.ceil((ref * (PPM + band)) / PPM))
            : Math.max(minPriceTicks, Math.floor((ref * (PPM - band)) / PPM));
      }
    }
    if (code === RejectCode.None && !reduceOnly) {
      // Open loss is measured from where the order starts to trade (the touch), as venues assume
      // for market orders; the protection price bounds the notional.
      const touch = side === Side.Buy ? this.book.bestAsk() : this.book.bestBid();
      const start =
        touch === NO_PRICE || protection === NO_PRICE
          ? protection
          : side === Side.Buy
            ? Math.min(touch, protection)
            : Math.max(touch, protection);
      code =
        protection !== NO_PRICE
          ? this.marginCheck(account, side, qtyLots, protection, start)
          : RejectCode.InsufficientMargin;
    }
    if (code !== RejectCode.None)
      return this.rejectCmd(account, orderId, code, side, protectionPriceTicks, qtyLots);
    code = this.book.market(orderId, account, side, qtyLots, protection, StpMode.CancelTaker);
    this.afterOrder(orderId, account, reduceOnly);
    return code;
  }

  /** Cancels one of `account`'s live orders. */
  cancel(account: number, orderId: number): RejectCode {
    this.events.length = 0;
    if (!this.validAccount(account)) return this.rejectCmd(account, orderId, RejectCode.UnknownAccount);
    if (!this.ownsOrder(account, orderId)) return this.rejectCmd(account, orderId, RejectCode.UnknownOrder);
    const code = this.book.cancel(orderId);
    this.routeBookEvents(-1, -1, 0);
    return code;
  }

  /** Lowers the quantity of one of `account`'s live orders in place (keeps queue priority), as `SpotVenue.reduce`. */
  reduce(account: number, orderId: number, qtyLots: number): RejectCode {
    this.events.length = 0;
    if (!this.validAccount(account)) return this.rejectCmd(account, orderId, RejectCode.UnknownAccount);
    if (!this.ownsOrder(account, orderId)) return this.rejectCmd(account, orderId, RejectCode.UnknownOrder);
    const before = this.book.remainingOf(orderId);
    const price = this.book.priceOf(orderId);
    const side = this.book.sideOf(orderId) as Side;
    const code = this.book.reduce(orderId, qtyLots);
    if (code === RejectCode.None) {
      this.addOpen(account, side, -(before - qtyLots), price);
      if (this.reduceOnlyOrders.has(orderId)) this.accounts.reduceOnlyLots[account]! -= before - qtyLots;
    }
    this.routeBookEvents(-1, -1, 0);
    return code;
  }

  /** Cancels every live order of `account`; returns how many. */
  cancelAll(account: number): number {
    this.events.length = 0;
    if (!this.validAccount(account)) {
      this.rejectCmd(account, -1, RejectCode.UnknownAccount);
      return 0;
    }
    const n = this.book.cancelAll(account);
    this.routeBookEvents(-1, -1, 0);
    return n;
  }

  // ---------------------------------------------------------------------------------------------
  // Time-driven duties

  /** Sets the index sources (e.g. spot venues) and their weights (default equal). */
  setIndexSources(sources: readonly IndexSource[], weights?: readonly number[]): void {
    if (weights !== undefined && weights.length !== sources.length) {
      throw new ConfigError("index.weights", weights, `must have one weight per source (${sources.length})`);
    }
    weights?.forEach((w, i) => {
      if (!(w >= 0)) throw new ConfigError(`index.weights[${i}]`, w, "must be ≥ 0");
    });
    this.indexSources = [...sources];
    this.indexWeights = Float64Array.from(weights ?? sources.map(() => 1));
    this.indexPrices = new Float64Array(sources.length);
  }

  /** The next time at which {@link PerpVenue.advance} has something to do, ns. */
  nextWakeNs(): number {
    let t = this.nextMarkNs;
    if (this.config.funding.enabled && this.nextFundingNs < t) t = this.nextFundingNs;
    return t;
  }

  /**
   * Runs everything due at or before `nowNs`, in a fixed order: basis and premium samples, index
   * and mark, circuit breaker, dynamic maintenance, liquidations, the insurance fund's workout,
   * funding. Events of all of it are in {@link PerpVenue.events}.
   */
  advance(nowNs: number): void {
    this.events.length = 0;
    this.nowNs = nowNs;
    if (nowNs >= this.nextMarkNs) {
      const c = this.config;
      this.updateIndexAndMark(nowNs);
      if (nowNs >= this.nextBasisNs) {
        const mid = this.midTicks();
        if (this.markPrice.sampleBasis(nowNs, mid, this.indexTicks)) {
          this.nextBasisNs =
            (Math.floor(nowNs / c.mark.basisSampleIntervalNs) + 1) * c.mark.basisSampleIntervalNs;
        }
      }
      if (c.funding.enabled && nowNs >= this.nextPremiumNs) {
        const bid = this.book.impact(Side.Sell, this.impactNotionalTickLots).avgPriceTicks;
        const ask = this.book.impact(Side.Buy, this.impactNotionalTickLots).avgPriceTicks;
        const p = premiumIndex(bid, ask, this.indexTicks);
        if (this.funding.sample(nowNs, p)) {
          this.nextPremiumNs = (Math.floor(nowNs / this.premiumSampleNs) + 1) * this.premiumSampleNs;
        }
      }
      if (Number.isFinite(this.markTicks)) this.markHistory.push(nowNs, this.markTicks);
      this.updateCircuitBreaker(nowNs);
      this.updateDynamicMaintenance();
      if (!this.isHalted()) {
        this.runLiquidations();
        this.engine.applyFundRules();
        this.engine.workOutFund();
        // The workout may fill a stale order and leave its maker liquidatable at this mark.
        this.runLiquidations();
      }
      this.nextMarkNs = (Math.floor(nowNs / c.markIntervalNs) + 1) * c.markIntervalNs;
    }
    if (this.config.funding.enabled && nowNs >= this.nextFundingNs) {
      this.settleFunding();
      // Funding moves margin: a position it pushed past its trigger is liquidated now, not a mark later.
      if (!this.isHalted()) this.runLiquidations();
      this.nextFundingNs =
        (Math.floor(nowNs / this.config.funding.intervalNs) + 1) * this.config.funding.intervalNs;
    }
  }

  /** Whether the circuit breaker has halted trading at the venue's current time. */
  isHalted(): boolean {
    return this.nowNs < this.haltedUntilNs;
  }

  // ---------------------------------------------------------------------------------------------
  // Queries

  /** Signed position of `account`, lots. */
  positionLots(account: number): number {
    return this.accounts.size[account]!;
  }

  /** Entry price of `account`'s position in ticks (fractional; NaN when flat). */
  entryPriceTicks(account: number): number {
    const s = this.accounts.size[account]!;
    return s === 0 ? Number.NaN : this.accounts.basis[account]! / (s * this.m);
  }

  /** Unrealised PnL of `account` at the mark (or `priceTicks`), quote units. */
  unrealizedPnlUnits(account: number, priceTicks = this.markTicks): number {
    const s = this.accounts.size[account]!;
    return s === 0 ? 0 : s * priceTicks * this.m - this.accounts.basis[account]!;
  }

  /** Margin balance of the position (isolated margin or wallet, plus unrealised PnL), quote units. */
  marginBalanceUnits(account: number, priceTicks = this.markTicks): number {
    return this.accounts.positionMargin(account) + this.unrealizedPnlUnits(account, priceTicks);
  }

  /** The account's liquidation trigger price in ticks, or -1 when it has none. */
  liquidationPriceTicks(account: number): number {
    return this.accounts.trigger[account]!;
  }

  /** Bankruptcy price of the account's position, ticks (fractional; NaN when flat). */
  bankruptcyPriceTicks(account: number): number {
    return bankruptcyPriceTicks(this.state(account), this.m);
  }

  /** Insurance fund wallet, quote units. */
  insuranceFundUnits(): number {
    return this.accounts.wallet[INSURANCE_FUND]!;
  }

  /** Insurance fund equity: wallet plus the unrealised PnL of positions it has taken over, at the mark. */
  insuranceFundEquityUnits(): number {
    const s = this.accounts.size[INSURANCE_FUND]!;
    const pnl = s === 0 || !Number.isFinite(this.markTicks) ? 0 : this.unrealizedPnlUnits(INSURANCE_FUND);
    return this.accounts.wallet[INSURANCE_FUND]! + pnl;
  }

  /** Open interest: total long position, lots (equals the total short position). */
  openInterestLots(): number {
    return this.accounts.longLots;
  }

  /** Time of the next funding settlement, ns (-1 when funding is disabled). */
  nextFundingTimeNs(): number {
    return this.config.funding.enabled ? this.nextFundingNs : -1;
  }

  /** Number of accounts holding a long / short position. */
  positionCounts(): { longs: number; shorts: number } {
    return { longs: this.longs.size, shorts: this.shorts.size };
  }

  /** Current maintenance-margin multiplier (dynamic maintenance policy), 1 = none. */
  maintenanceMultiplier(): number {
    return this.tiers.multiplierPpm / PPM;
  }

  /** Mid price of the book in ticks (NaN when a side is empty). */
  midTicks(): number {
    const b = this.book.bestBid();
    const a = this.book.bestAsk();
    return b === NO_PRICE || a === NO_PRICE ? Number.NaN : (a + b) / 2;
  }

  /**
   * Proves the accounting: throws {@link @cascade/core!InvariantError} unless
   * - exactness: every money and quantity column and total is a safe integer, and
   *   Σ wallets − Σ position bases + fees collected = net deposits + socialised loss holds exactly
   *   (summed in bigint), the socialised loss ≥ 0;
   * - the insurance fund's wallet is ≥ 0 when its policy floors it;
   * - long open interest = short open interest, and every account's open-order totals match the book;
   * - no negative wallet: every trader's wallet is ≥ 0 — flat or not, isolated or cross — except a
   *   cross account holding a position whose realised losses (or funding) its unrealised profit
   *   still covers; an isolated account's margin is in [0, wallet];
   * - when `afterLiquidation` (the default) and liquidation is on and not halted: no position is
   *   liquidatable at the mark (so every cross account's wallet + unrealised PnL is above zero).
   *
   * The insurance fund (account 0) is exempt from the sign checks: its equity may go negative when
   * auto-deleveraging is off or finds no counterparty. O(accounts + orders): for tests, fuzzing and
   * optional run-time checks.
   */
  checkConservation(afterLiquidation = true): void {
    const acc = this.accounts;
    const exact = (what: string, x: number): void => {
      if (!Number.isSafeInteger(x)) throw new InvariantError(`${what} = ${x} is not an exact integer`);
    };
    exact("fees collected", this.feesCollectedUnits);
    exact("net deposits", this.netDepositsUnits);
    exact("funding residue", this.fundingResidueUnits);
    exact("socialised loss", this.socializedLossUnits);
    exact("open interest", acc.longLots);
    let wallets = 0n;
    let bases = 0n;
    let net = 0;
    for (let a = 0; a < acc.count; a++) {
      exact(`account ${a} wallet`, acc.wallet[a]!);
      exact(`account ${a} isolated margin`, acc.isoMargin[a]!);
      exact(`account ${a} position`, acc.size[a]!);
      exact(`account ${a} basis`, acc.basis[a]!);
      exact(`account ${a} open buy value`, acc.openBuyNotional[a]!);
      exact(`account ${a} open sell value`, acc.openSellNotional[a]!);
      wallets += BigInt(acc.wallet[a]!);
      bases += BigInt(acc.basis[a]!);
      net += acc.size[a]!;
    }
    const lhs = wallets - bases + BigInt(this.feesCollectedUnits);
    const rhs = BigInt(this.netDepositsUnits) + BigInt(this.socializedLossUnits);
    if (lhs !== rhs) {
      throw new InvariantError(
        `money not conserved: Σ wallets ${wallets} − Σ bases ${bases} + fees ${this.feesCollectedUnits} = ${lhs} ≠ net deposits ${this.netDepositsUnits} + socialised loss ${this.socializedLossUnits}`,
      );
    }
    if (this.socializedLossUnits < 0)
      throw new InvariantError(`socialised loss ${this.socializedLossUnits} < 0`);
    if (this.policies.fund.floorWallet && acc.wallet[INSURANCE_FUND]! < 0) {
      throw new InvariantError(
        `insurance fund wallet ${acc.wallet[INSURANCE_FUND]} < 0 under a fund policy that floors it`,
      );
    }
    if (net !== 0) throw new InvariantError(`open interest unbalanced: Σ positions = ${net} lots`);
    let longs = 0;
    for (let a = 0; a < acc.count; a++) if (acc.size[a]! > 0) longs += acc.size[a]!;
    if (longs !== acc.longLots)
      throw new InvariantError(`running open interest ${acc.longLots} ≠ Σ long positions ${longs}`);
    const buyLots = new Float64Array(acc.count);
    const sellLots = new Float64Array(acc.count);
    const buyNotional = new Float64Array(acc.count);
    const sellNotional = new Float64Array(acc.count);
    let openLots = 0;
    for (const side of [Side.Buy, Side.Sell] as const) {
      for (const o of this.book.orders(side)) {
        const n = o.remainingLots * o.priceTicks * this.m;
        openLots += o.remainingLots;
        if (side === Side.Buy) {
          buyLots[o.owner]! += o.remainingLots;
          buyNotional[o.owner]! += n;
        } else {
          sellLots[o.owner]! += o.remainingLots;
          sellNotional[o.owner]! += n;
        }
      }
    }
    if (openLots !== this.openLotsTotal)
      throw new InvariantError(`running resting lots ${this.openLotsTotal} ≠ the book's ${openLots}`);
    if (acc.longLots + openLots > this.lotLimit) {
      throw new InvariantError(
        `open interest ${acc.longLots} + resting ${openLots} lots pass the exact-money bound (${this.lotLimit} lots)`,
      );
    }
    const checkLiq =
      afterLiquidation &&
      this.config.liquidation.enabled &&
      !this.isHalted() &&
      Number.isFinite(this.markTicks);
    for (let a = 0; a < acc.count; a++) {
      if (
        acc.openBuyLots[a] !== buyLots[a] ||
        acc.openSellLots[a] !== sellLots[a] ||
        acc.openBuyNotional[a] !== buyNotional[a] ||
        acc.openSellNotional[a] !== sellNotional[a]
      ) {
        throw new InvariantError(
          `account ${a}: open-order totals (${acc.openBuyLots[a]}/${acc.openSellLots[a]} lots) disagree with the book (${buyLots[a]}/${sellLots[a]})`,
        );
      }
      if (a === INSURANCE_FUND) continue;
      const wallet = acc.wallet[a]!;
      if (acc.isIsolated(a)) {
        if (acc.isoMargin[a]! < 0 || wallet - acc.isoMargin[a]! < 0) {
          throw new InvariantError(
            `account ${a}: isolated margin ${acc.isoMargin[a]} is not within its wallet ${wallet}`,
          );
        }
      } else if (wallet < 0) {
        // A cross wallet below zero is allowed only while the position's unrealised profit covers it.
        const pnl = acc.size[a] === 0 ? 0 : this.unrealizedPnlUnits(a, this.referencePriceTicks());
        if (!(wallet + pnl >= 0) && (acc.size[a] === 0 || checkLiq)) {
          throw new InvariantError(`account ${a}: negative wallet ${wallet} (unrealised PnL ${pnl})`);
        }
      }
      if (checkLiq && isLiquidatable(this.state(a), this.markTicks, this.tiers, this.m, this.convention)) {
        throw new InvariantError(`account ${a}: liquidatable at mark ${this.markTicks} but not liquidated`);
      }
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Order internals

  private preCheck(
    account: number,
    orderId: number,
    side: Side,
    qtyLots: number,
    reduceOnly: boolean,
  ): RejectCode {
    if (!this.validAccount(account) || account === INSURANCE_FUND) return RejectCode.UnknownAccount;
    if (this.isHalted()) return RejectCode.MarketHalted;
    if (orderId >= INTERNAL_ORDER_ID_BASE) return RejectCode.InvalidOrderId;
    if (this.lotsOverLimit(qtyLots)) return RejectCode.MoneyLimitExceeded;
    if (reduceOnly) {
      const pos = this.accounts.size[account]!;
      const reducing = (pos > 0 && side === Side.Sell) || (pos < 0 && side === Side.Buy);
      if (!reducing || qtyLots + this.accounts.reduceOnlyLots[account]! > Math.abs(pos)) {
        return RejectCode.ReduceOnlyWouldIncrease;
      }
    }
    return RejectCode.None;
  }

  /**
   * Whether `qtyLots` more lots (a new order, a seeded position) would take open interest plus
   * resting lots past the lot limit (their value at the price ceiling ≤ {@link MONEY_LIMIT_UNITS}). Fills only move lots from resting orders into
   * positions, so this bound, checked on entry, holds at all times.
   */
  private lotsOverLimit(qtyLots: number): boolean {
    return qtyLots > this.lotLimit - this.accounts.longLots - this.openLotsTotal;
  }

  /**
   * Initial-margin and position-limit check for a new order of `qty` lots at `priceTicks` (its limit
   * or protection price). With a reference price (the mark) the order is valued at the worst price
   * for the account: a sell at max(price, mark), a buy at min(price, mark); and it pays its open
   * loss, qty × max(0, ±(execTicks − mark)), where `execTicks` is where it starts to trade.
   */
  private marginCheck(
    account: number,
    side: Side,
    qtyLots: number,
    priceTicks: number,
    execTicks: number,
  ): RejectCode {
    if (!(qtyLots > 0) || !(priceTicks > 0)) return RejectCode.None; // let the book reject malformed input
    const acc = this.accounts;
    const ref = this.referencePriceTicks();
    const hasRef = Number.isFinite(ref);
    const sell = side === Side.Sell;
    const valueTicks = !hasRef ? priceTicks : sell ? Math.max(priceTicks, ref) : Math.min(priceTicks, ref);
    const before = this.exposureUnits(account, side, 0, 0);
    const after = this.exposureUnits(account, side, qtyLots, valueTicks);
    if (after <= before) return RejectCode.None; // reduces risk: always allowed
    const lev = acc.leverage[account]!;
    if (after > this.tiers.maxNotionalForLeverage(lev) || after > this.tiers.positionLimitUnits) {
      return RejectCode.PositionLimitExceeded;
    }
    // A buy fills at or below its limit; a sell at or above its limit (at the bids, near the mark).
    const feeNotional = qtyLots * (sell ? valueTicks : priceTicks) * this.m;
    const feePpm = Math.max(0, this.config.takerFeePpm, this.config.makerFeePpm);
    const fee = Math.ceil((feeNotional * feePpm) / PPM);
    const lossTicks = !hasRef ? 0 : Math.max(0, sell ? ref - execTicks : execTicks - ref);
    const openLoss = Math.ceil(qtyLots * lossTicks * this.m);
    const posNotional = Math.abs(acc.size[account]!) * (hasRef ? ref : priceTicks) * this.m;
    let need: number;
    let have: number;
    if (acc.isIsolated(account)) {
      // The position is backed by its isolated margin; orders beyond it need free wallet.
      need = Math.ceil(Math.max(0, after - posNotional) / lev) + fee + openLoss;
      have = acc.wallet[account]! - acc.isoMargin[account]!;
    } else {
      need = Math.ceil(after / lev) + fee + openLoss;
      const upnl = hasRef ? this.unrealizedPnlUnits(account, ref) : 0;
      have = acc.wallet[account]! + upnl;
    }
    return need <= have ? RejectCode.None : RejectCode.InsufficientMargin;
  }

  /**
   * Largest one-sided exposure of the account if all its buy (or all its sell) orders, plus a new
   * order, filled: max(long position + open buys, short position + open sells), quote units.
   * Open buys count at their limits (never below what they can cost); open sells at no less than
   * the mark (a sell resting below the mark is worth the mark once filled).
   */
  private exposureUnits(account: number, side: Side, addLots: number, addPriceTicks: number): number {
    const acc = this.accounts;
    const ref = this.referencePriceTicks();
    const hasRef = Number.isFinite(ref);
    const s = acc.size[account]!;
    const posN = Math.abs(s) * (hasRef ? ref : addPriceTicks) * this.m;
    const add = addLots * addPriceTicks * this.m;
    const openSells = hasRef
      ? Math.max(acc.openSellNotional[account]!, acc.openSellLots[account]! * ref * this.m)
      : acc.openSellNotional[account]!;
    const longExp = (s > 0 ? posN : 0) + acc.openBuyNotional[account]! + (side === Side.Buy ? add : 0);
    const shortExp = (s < 0 ? posN : 0) + openSells + (side === Side.Sell ? add : 0);
    return Math.max(longExp, shortExp);
  }

  /** Balance an account could withdraw without touching margin its position and orders need. */
  private freeMarginUnits(account: number): number {
    const acc = this.accounts;
    const lev = acc.leverage[account]!;
    const exposure = this.exposureUnits(account, Side.Buy, 0, 0);
    const ref = this.referencePriceTicks();
    if (acc.isIsolated(account)) {
      const posN = Math.abs(acc.size[account]!) * (Number.isFinite(ref) ? ref : 0) * this.m;
      return acc.wallet[account]! - acc.isoMargin[account]! - Math.ceil(Math.max(0, exposure - posN) / lev);
    }
    const upnl = Number.isFinite(ref) ? Math.min(0, this.unrealizedPnlUnits(account, ref)) : 0;
    return acc.wallet[account]! + upnl - Math.ceil(exposure / lev);
  }

  private afterOrder(orderId: number, account: number, reduceOnly: boolean): void {
    this.routeBookEvents(orderId, account, reduceOnly ? VenueEventFlag.ReduceOnly : 0);
    if (reduceOnly && this.book.hasOrder(orderId)) {
      this.reduceOnlyOrders.set(orderId, account);
      this.accounts.reduceOnlyLots[account] =
        this.accounts.reduceOnlyLots[account]! + this.book.remainingOf(orderId);
    }
  }

  /**
   * Applies the book's events of the last command: fills to both accounts (fees, positions,
   * triggers), open-order totals, and venue events. `takerId` is the order just submitted (-1
   * for cancels); a resting taker's remainder is added to the open-order totals here. Returns
   * what the taker executed (an engine order's fill; agents' fills go out as events).
   */
  private routeBookEvents(takerId: number, takerAccount: number, takerFlags: number): IocFill {
    const be = this.book.events;
    const ve = this.events;
    let filledLots = 0;
    let filledNotional = 0;
    let takerPrice = Number.NaN;
    let takerSide = -1;
    const internal = (takerFlags & VenueEventFlag.Liquidation) !== 0;
    const takerSize0 = takerAccount >= 0 ? this.accounts.size[takerAccount]! : 0;
    for (let i = 0; i < be.length; i++) {
      const kind = be.kind[i]!;
      const id = be.orderId[i]!;
      const owner = be.owner[i]!;
      if (kind === EventKind.Trade) {
        const price = be.price[i]!;
        const qty = be.qty[i]!;
        const aggressor = be.side[i]! as Side;
        const maker = be.makerOwner[i]!;
        const makerSide = aggressor === Side.Buy ? Side.Sell : Side.Buy;
        // A maker fill may shrink or flip the maker's position too: trim its reduce-only orders below.
        if (this.accounts.reduceOnlyLots[maker]! > 0) this.makerTrims.push(maker, this.accounts.size[maker]!);
        this.addOpen(maker, makerSide, -qty, price);
        const makerId = be.makerOrderId[i]!;
        if (this.reduceOnlyOrders.has(makerId)) this.accounts.reduceOnlyLots[maker]! -= qty;
        this.applyFill(maker, makerId, makerSide, price, qty, true, makerId >= INTERNAL_ORDER_ID_BASE);
        this.applyFill(owner, id, aggressor, price, qty, false, internal);
        filledLots += qty;
        filledNotional += qty * price * this.m;
        this.lastTradeTicks = price;
        if (this.reduceOnlyOrders.has(id)) this.accounts.reduceOnlyLots[owner]! -= qty;
      } else if (kind === EventKind.Accepted) {
        takerPrice = be.price[i]!;
        takerSide = be.side[i]!;
        if (!internal)
          ve.push(VenueEventKind.Accepted, owner, id, takerSide, takerPrice, be.qty[i]!, 0, 0, takerFlags);
      } else if (kind === EventKind.Rejected) {
        ve.push(
          VenueEventKind.Rejected,
          takerAccount >= 0 ? takerAccount : owner,
          id,
          be.side[i]!,
          be.price[i]!,
          be.qty[i]!,
          0,
          be.code[i]!,
          takerFlags,
        );
      } else if (kind === EventKind.Done) {
        const rem = be.qty[i]!;
        if (id !== takerId && rem > 0) this.addOpen(owner, be.side[i]! as Side, -rem, be.price[i]!);
        if (this.reduceOnlyOrders.has(id)) {
          this.accounts.reduceOnlyLots[owner]! -= rem;
          this.reduceOnlyOrders.delete(id);
        }
        if (id < INTERNAL_ORDER_ID_BASE) {
          // A taker's done carries its accepted price (NO_PRICE for an unprotected market order).
          const price = id === takerId ? takerPrice : be.price[i]!;
          ve.push(VenueEventKind.Done, owner, id, be.side[i]!, price, rem, 0, be.code[i]!, 0);
        }
      } else if (kind === EventKind.Amended) {
        ve.push(VenueEventKind.Amended, owner, id, be.side[i]!, be.price[i]!, be.qty[i]!, 0, 0, 0);
      }
    }
    const rests = takerId >= 0 && this.book.hasOrder(takerId);
    if (rests) this.addOpen(takerAccount, takerSide as Side, this.book.remainingOf(takerId), takerPrice);
    this.trimReduceOnly(takerAccount, takerSize0);
    const trims = this.makerTrims;
    for (let k = 0; k < trims.length; k += 2) this.trimReduceOnly(trims[k]!, trims[k + 1]!);
    trims.length = 0;
    this.floorFundWallet();
    // Only engine orders read their fill; an agent's order allocates nothing here.
    return internal && filledLots > 0 ? { lots: filledLots, notionalUnits: filledNotional } : NO_FILL;
  }

  /** Sends an engine IOC (no fee, no self-trade prevention) and routes it; returns its fill. */
  private sendIoc(account: number, side: Side, limitTicks: number, qtyLots: number): IocFill {
    const id = this.nextInternalId++;
    this.book.limit(id, account, side, limitTicks, qtyLots, TimeInForce.IOC, StpMode.None);
    return this.routeBookEvents(id, account, VenueEventFlag.Liquidation);
  }

  private addOpen(account: number, side: Side, dLots: number, priceTicks: number): void {
    const acc = this.accounts;
    const dn = dLots * priceTicks * this.m;
    this.openLotsTotal += dLots;
    if (side === Side.Buy) {
      acc.openBuyLots[account] = acc.openBuyLots[account]! + dLots;
      acc.openBuyNotional[account] = acc.openBuyNotional[account]! + dn;
    } else {
      acc.openSellLots[account] = acc.openSellLots[account]! + dLots;
      acc.openSellNotional[account] = acc.openSellNotional[account]! + dn;
    }
  }

  /** Books one fill for one account: fee, position, realised PnL, trigger, venue event. */
  private applyFill(
    account: number,
    orderId: number,
    side: Side,
    price: number,
    qty: number,
    maker: boolean,
    internal: boolean,
  ): void {
    const acc = this.accounts;
    const notional = qty * price * this.m;
    let fee = 0;
    if (!internal) {
      const ppm = maker ? this.config.makerFeePpm : this.config.takerFeePpm;
      // Fees round in the venue's favour: charges up, rebates down.
      fee = ppm >= 0 ? mulDivCeil(notional, ppm, PPM) : -mulDivFloor(notional, -ppm, PPM);
      acc.wallet[account] = acc.wallet[account]! - fee;
      acc.feesPaid[account] = acc.feesPaid[account]! + fee;
      this.feesCollectedUnits += fee;
    }
    acc.applyTrade(account, side === Side.Buy ? qty : -qty, notional);
    // A fee (or a closing loss) the free balance cannot pay comes out of the isolated margin:
    // the margin is part of the wallet and never exceeds it.
    if (acc.isoMargin[account]! > acc.wallet[account]!)
      acc.isoMargin[account] = Math.max(0, acc.wallet[account]!);
    // Negative-balance protection: a trader's own closing order that filled beyond bankruptcy
    // (a thin book, a stale order) would leave a flat account owing money; the insurance fund
    // absorbs the deficit, as venues do, so no account stays below zero.
    if (
      !internal &&
      account !== INSURANCE_FUND &&
      acc.wallet[account]! < 0 &&
      (acc.size[account] === 0 || acc.isIsolated(account))
    ) {
      const deficit = -acc.wallet[account]!;
      acc.wallet[account] = 0;
      acc.wallet[INSURANCE_FUND] = acc.wallet[INSURANCE_FUND]! - deficit;
      this.stats.fundCoverUnits += deficit;
      this.liquidations.push(
        this.nowNs,
        account,
        side === Side.Sell ? 0 : 1,
        qty,
        this.markTicks,
        -1,
        Number.NaN,
        price,
        -deficit,
        LiquidationStage.FundCover,
      );
    }
    this.updateTrigger(account);
    if (orderId < INTERNAL_ORDER_ID_BASE || account !== INSURANCE_FUND) {
      this.events.push(
        VenueEventKind.Fill,
        account,
        orderId,
        side,
        price,
        qty,
        fee,
        0,
        (maker ? VenueEventFlag.Maker : 0) | (internal ? VenueEventFlag.Liquidation : 0),
      );
    }
  }

  /**
   * Cancels reduce-only orders that would now increase or flip the position. `sizeBefore` is the
   * position before the fills just routed: if it changed sign, every reduce-only order (all on
   * the old position's closing side) would now increase the new position.
   */
  private trimReduceOnly(account: number, sizeBefore = this.accounts.size[account]!): void {
    if (account < 0 || this.accounts.reduceOnlyLots[account]! <= 0) return;
    const size = this.accounts.size[account]!;
    const pos = Math.sign(size) === Math.sign(sizeBefore) ? Math.abs(size) : 0;
    if (this.accounts.reduceOnlyLots[account]! <= pos) return;
    const ids: number[] = [];
    for (const [id, owner] of this.reduceOnlyOrders) if (owner === account) ids.push(id);
    ids.sort((x, y) => x - y);
    for (const id of ids) {
      this.book.cancel(id);
      this.routeCancelOnly();
      if (this.accounts.reduceOnlyLots[account]! <= pos) break;
    }
  }

  /** Routes the events of a venue-initiated cancel (no taker). */
  private routeCancelOnly(): void {
    const be = this.book.events;
    for (let i = 0; i < be.length; i++) {
      if (be.kind[i] !== EventKind.Done) continue;
      const id = be.orderId[i]!;
      const owner = be.owner[i]!;
      const rem = be.qty[i]!;
      this.addOpen(owner, be.side[i]! as Side, -rem, be.price[i]!);
      if (this.reduceOnlyOrders.has(id)) {
        this.accounts.reduceOnlyLots[owner]! -= rem;
        this.reduceOnlyOrders.delete(id);
      }
      this.events.push(VenueEventKind.Done, owner, id, be.side[i]!, be.price[i]!, rem, 0, be.code[i]!, 0);
    }
  }

  private rejectCmd(
    account: number,
    orderId: number,
    code: RejectCode,
    side = -1,
    price = NO_PRICE,
    qty = 0,
  ): RejectCode {
    this.events.push(
      VenueEventKind.Rejected,
      account,
      orderId,
      side === 0 || side === 1 ? side : -1,
      price,
      qty,
      0,
      code,
      0,
    );
    return code;
  }

  private ownsOrder(account: number, orderId: number): boolean {
    return this.book.ownerOf(orderId) === account;
  }

  private validAccount(account: number): boolean {
    return Number.isInteger(account) && account >= 0 && account < this.accounts.count;
  }

  private checkLeverageConfig(field: string, leverage: number): void {
    if (!Number.isInteger(leverage) || leverage < 1 || leverage > this.config.maxLeverage) {
      throw new ConfigError(
        field,
        leverage,
        `must be an integer in [1, ${this.config.maxLeverage}] (the venue's leverage cap)`,
      );
    }
  }

  /** The price positions are valued at for margin checks: mark, else last trade, else mid. */
  private referencePriceTicks(): number {
    if (Number.isFinite(this.markTicks)) return this.markTicks;
    if (Number.isFinite(this.lastTradeTicks)) return this.lastTradeTicks;
    return this.midTicks();
  }

  private state(account: number): PositionState {
    const s = SCRATCH_POS;
    s.sizeLots = this.accounts.size[account]!;
    s.basisUnits = this.accounts.basis[account]!;
    s.marginUnits = this.accounts.positionMargin(account);
    return s;
  }

  /** Recomputes an account's liquidation trigger and files it in the right heap. */
  private updateTrigger(account: number): void {
    const acc = this.accounts;
    const s = acc.size[account]!;
    if (s > 0) {
      this.longs.add(account);
      this.shorts.delete(account);
    } else if (s < 0) {
      this.shorts.add(account);
      this.longs.delete(account);
    } else {
      this.longs.delete(account);
      this.shorts.delete(account);
    }
    if (account === INSURANCE_FUND) return;
    const t =
      s === 0
        ? -1
        : liquidationTriggerTicks(
            this.state(account),
            this.tiers,
            this.m,
            this.convention,
            this.config.maxPriceTicks,
          );
    acc.trigger[account] = t;
    if (s > 0 && t >= 1) {
      this.longTriggers.set(account, -t);
      this.shortTriggers.remove(account);
    } else if (s < 0 && t >= 1) {
      this.shortTriggers.set(account, t);
      this.longTriggers.remove(account);
    } else {
      this.longTriggers.remove(account);
      this.shortTriggers.remove(account);
    }
  }

  private recomputeAllTriggers(): void {
    for (const set of [this.longs, this.shorts]) {
      const members = set.sorted();
      for (const a of members) this.updateTrigger(a);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Mark, circuit breaker, dynamic maintenance

  private updateIndexAndMark(nowNs: number): void {
    const n = this.indexSources.length;
    for (let i = 0; i < n; i++) this.indexPrices[i] = this.indexSources[i]!.indexPriceTicks();
    this.indexTicks = n > 0 ? computeIndexTicks(this.indexPrices, this.indexWeights) : this.lastTradeTicks;
    const mark = this.markPrice.compute(
      nowNs,
      this.indexTicks,
      this.lastTradeTicks,
      // P1 uses the rate of the settlement interval.
      this.lastFundingRateE8 * this.fundingShare,
      this.nextFundingNs,
    );
    if (mark > 0)
      this.markTicks = Math.min(Math.max(mark, this.config.minPriceTicks), this.config.maxPriceTicks);
  }

  private updateCircuitBreaker(nowNs: number): void {
    if (this.isHalted()) return;
    const until = this.policies.circuitBreaker.check(nowNs, this.markHistory);
    if (until > nowNs) this.haltedUntilNs = until;
  }

  private updateDynamicMaintenance(): void {
    const current = this.tiers.multiplierPpm;
    const next = this.policies.maintenance.multiplierPpm(
      this.markHistory,
      this.config.markIntervalNs,
      current,
      this.maxSafeMultiplier(),
    );
    if (next !== current) {
      this.tiers.multiplierPpm = next;
      this.recomputeAllTriggers();
    }
  }

  /** Largest multiplier that keeps every tier's scaled rate below 100 % (the trigger search needs it). */
  private maxSafeMultiplier(): number {
    let maxRate = 0;
    for (const t of this.tiers.tiers) maxRate = Math.max(maxRate, t.mmrPpm);
    return maxRate === 0 ? Number.POSITIVE_INFINITY : (0.99 * PPM) / maxRate;
  }

  // ---------------------------------------------------------------------------------------------
  // Liquidation engine (liquidation-engine.ts) and what it may do to the venue

  /** A fund that floors its wallet never holds less than zero: the deficit is socialised loss. */
  private floorFundWallet(): void {
    const w = this.accounts.wallet[INSURANCE_FUND]!;
    if (w >= 0 || !this.policies.fund.floorWallet) return;
    this.socializedLossUnits -= w;
    this.accounts.wallet[INSURANCE_FUND] = 0;
  }

  private runLiquidations(): void {
    if (this.config.liquidation.enabled) this.engine.runLiquidations();
  }

  /** The narrow surface the liquidation engine and the policies act on (built once). */
  private liquidationPort(): LiquidationVenue {
    const venue = this;
    return {
      instrument: this.instrument,
      quotePerTickLot: this.m,
      minPriceTicks: this.config.minPriceTicks,
      maxPriceTicks: this.config.maxPriceTicks,
      accounts: this.accounts,
      book: this.book,
      tiers: this.tiers,
      longs: this.longs,
      shorts: this.shorts,
      liquidations: this.liquidations,
      events: this.events,
      get nowNs() {
        return venue.nowNs;
      },
      get markTicks() {
        return venue.markTicks;
      },
      get indexTicks() {
        return venue.indexTicks;
      },
      positionState: (a) => this.state(a),
      isLiquidatable: (a) =>
        isLiquidatable(this.state(a), this.markTicks, this.tiers, this.m, this.convention),
      updateTrigger: (a) => this.updateTrigger(a),
      cancelAllOrders: (a) => {
        if (this.book.cancelAll(a) > 0) this.routeCancelOnly();
      },
      trimReduceOnly: (a) => this.trimReduceOnly(a),
      floorFundWallet: () => this.floorFundWallet(),
      sendIoc: (a, side, limitTicks, qtyLots) => this.sendIoc(a, side, limitTicks, qtyLots),
      popTriggered: (side) => {
        const mark = this.markTicks;
        // Longs: trigger ≥ mark (keys are −trigger); shorts: trigger ≤ mark.
        if (side === Side.Buy)
          return this.longTriggers.size > 0 && -this.longTriggers.topKey() >= mark
            ? this.longTriggers.pop()
            : -1;
        return this.shortTriggers.size > 0 && this.shortTriggers.topKey() <= mark
          ? this.shortTriggers.pop()
          : -1;
      },
    };
  }

  // ---------------------------------------------------------------------------------------------
  // Funding

  private settleFunding(): void {
    const c = this.config.funding;
    const rate = this.funding.rate(c.interestRate, c.clamp, c.cap);
    this.funding.reset();
    this.lastFundingRateE8 = rate;
    if (!Number.isFinite(this.markTicks) || rate === 0) return;
    const acc = this.accounts;
    const mark = this.markTicks;
    let residue = 0;
    for (const set of [this.longs, this.shorts]) {
      const members = set.sorted();
      for (const a of members) {
        let pay: number;
        if (this.fundingShare === 1) pay = fundingPaymentUnits(acc.size[a]!, mark, this.m, rate);
        else {
          // A share of the rate (1 h, or one mark interval, of an 8-hour rate) is often a fraction
          // of a quote unit: the account pays the whole units owed and carries the fraction to
          // the next settlement, so small positions pay what they owe, not a unit a second.
          const owed =
            acc.fundingCarry[a]! + (acc.size[a]! * mark * this.m * rate * this.fundingShare) / RATE_E8;
          pay = Math.trunc(owed);
          acc.fundingCarry[a] = owed - pay;
        }
        if (pay === 0) continue;
        // An isolated account pays out of its position's margin, then its free balance, and never
        // below zero: the insurance fund pays the receivers what it cannot (negative-balance
        // protection); the position, its margin gone, is liquidated right after if it must be.
        if (pay > 0 && acc.isIsolated(a) && a !== INSURANCE_FUND && pay > acc.wallet[a]!) {
          const shortfall = pay - Math.max(0, acc.wallet[a]!);
          pay -= shortfall;
          this.stats.fundCoverUnits += shortfall;
          this.liquidations.push(
            this.nowNs,
            a,
            acc.size[a]! > 0 ? 0 : 1,
            Math.abs(acc.size[a]!),
            mark,
            -1,
            Number.NaN,
            Number.NaN,
            -shortfall,
            LiquidationStage.FundCover,
          );
        }
        acc.wallet[a] = acc.wallet[a]! - pay;
        acc.fundingPaid[a] = acc.fundingPaid[a]! + pay;
        if (acc.isIsolated(a)) acc.isoMargin[a] = Math.max(0, acc.isoMargin[a]! - pay);
        residue += pay;
        if (a !== INSURANCE_FUND)
          this.events.push(VenueEventKind.Funding, a, -1, -1, mark, acc.size[a]!, pay, 0, 0);
      }
    }
    acc.wallet[INSURANCE_FUND] = acc.wallet[INSURANCE_FUND]! + residue;
    this.fundingResidueUnits += residue;
    this.floorFundWallet();
    this.recomputeAllTriggers();
  }
}
