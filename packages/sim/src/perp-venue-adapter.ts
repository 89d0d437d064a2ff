/**
 * The `"perp"` venue kind: `@cascade/exchange`'s {@link PerpVenue} behind the kernel's
 * {@link Venue} interface, with its index (spot venues of the world, or an exogenous random walk)
 * and its agent view.
 *
 * @module
 */

import { ConfigError, NS_PER_SECOND, type RandomStream } from "@cascade/core";
import { type IndexSource, ManualIndex, PerpVenue, type PerpVenueConfig } from "@cascade/exchange";
import { PERP_SERIES } from "@cascade/schema";
import type { PerpView } from "./agent.ts";
import { BookView, ExchangeVenue } from "./exchange-venue.ts";
import { VenueOp } from "./messages.ts";
import type { AccountGuard, Venue, VenueCommand, VenueEnv, VenueSeries } from "./venue.ts";
import { depthNearMid, priceOf, TradedSince } from "./venue-series.ts";

/** A perpetual venue in a world, with where its index comes from. */
export interface PerpVenueSpec {
  readonly kind: "perp";
  /** Name agents use to find it. */
  readonly name: string;
  readonly config: PerpVenueConfig;
  /**
   * Index: venues of this world that publish an index price (spot venues, by name) with optional
   * weights, or an exogenous random-walk index (`process`) when the world has no spot market.
   */
  readonly index:
    | { readonly sources: readonly string[]; readonly weights?: readonly number[] }
    | { readonly process: IndexProcessConfig };
}

/** An exogenous index: a geometric random walk in ticks, updated every `stepNs`. */
export interface IndexProcessConfig {
  /** Starting index, ticks. */
  readonly initialTicks: number;
  /** Standard deviation of log returns per √second (e.g. 0.0005). */
  readonly volatilityPerSqrtSecond: number;
  /** Drift of log price per second. Default 0. */
  readonly driftPerSecond?: number;
  /** Update step, ns. Default 1 s. */
  readonly stepNs?: number;
}

/** Commands a perpetual venue takes: all but `replace` (an agent cancels and sends a new order). */
const PERP_OPS =
  (1 << VenueOp.Limit) |
  (1 << VenueOp.Market) |
  (1 << VenueOp.Cancel) |
  (1 << VenueOp.CancelAll) |
  (1 << VenueOp.AddMargin) |
  (1 << VenueOp.Deposit) |
  (1 << VenueOp.Reduce) |
  (1 << VenueOp.Withdraw) |
  (1 << VenueOp.SetLeverage);

/** An index process stepping a {@link ManualIndex} on the venue's duty schedule. */
interface IndexProcess {
  readonly index: ManualIndex;
  readonly config: Required<IndexProcessConfig>;
  readonly rng: RandomStream;
  nextNs: number;
}

/** A {@link PerpVenue} as a {@link Venue} of kind `"perp"`. */
export class PerpVenueAdapter extends ExchangeVenue<PerpVenue> implements Venue {
  readonly kind = "perp";
  readonly liquidations: PerpVenue["liquidations"];
  readonly ticker: PerpVenue;
  private process: IndexProcess | null = null;

  constructor(
    private readonly spec: PerpVenueSpec,
    private readonly env: VenueEnv,
  ) {
    super(new PerpVenue(spec.config), PERP_OPS);
    this.liquidations = this.exchange.liquidations;
    this.ticker = this.exchange;
  }

  apply(c: VenueCommand, nowNs: number): void {
    const v = this.exchange;
    v.nowNs = nowNs;
    if (this.applyOrder(c)) return;
    switch (c.op) {
      case VenueOp.AddMargin:
        v.addMargin(c.account, c.amountUnits);
        break;
      case VenueOp.Deposit:
        v.deposit(c.account, c.amountUnits);
        break;
      case VenueOp.Withdraw:
        v.withdraw(c.account, c.amountUnits);
        break;
      case VenueOp.SetLeverage:
        v.setLeverage(c.account, c.leverage);
        break;
      default:
        // The kernel checks supports() when the agent sends: reaching here is a kernel bug.
        throw new ConfigError("op", c.op, `is not an operation of perpetual venue ${this.env.name}`);
    }
  }

  nextWakeNs(): number {
    return this.exchange.nextWakeNs();
  }

  advance(nowNs: number): void {
    const p = this.process;
    if (p !== null) {
      while (p.nextNs <= nowNs) {
        const c = p.config;
        const dt = c.stepNs / NS_PER_SECOND;
        if (p.nextNs > 0) {
          const r = c.driftPerSecond * dt + c.volatilityPerSqrtSecond * Math.sqrt(dt) * p.rng.normal();
          p.index.priceTicks = Math.max(1, p.index.priceTicks * Math.exp(r));
        }
        p.nextNs += c.stepNs;
      }
    }
    this.exchange.advance(nowNs);
  }

  /** Sets the index: an exogenous process, or the named venues' index prices. */
  link(venue: (name: string, field: string) => Venue): void {
    const f = this.env.field;
    const index = this.spec.index;
    if (index !== undefined && "process" in index) {
      const p = index.process;
      const cfg: Required<IndexProcessConfig> = {
        initialTicks: p.initialTicks,
        volatilityPerSqrtSecond: p.volatilityPerSqrtSecond,
        driftPerSecond: p.driftPerSecond ?? 0,
        stepNs: p.stepNs ?? NS_PER_SECOND,
      };
      if (!(cfg.initialTicks > 0))
        throw new ConfigError(`${f}.index.process.initialTicks`, p.initialTicks, "must be > 0");
      if (!(cfg.volatilityPerSqrtSecond >= 0))
        throw new ConfigError(
          `${f}.index.process.volatilityPerSqrtSecond`,
          p.volatilityPerSqrtSecond,
          "must be ≥ 0",
        );
      if (!(Number.isSafeInteger(cfg.stepNs) && cfg.stepNs > 0))
        throw new ConfigError(`${f}.index.process.stepNs`, p.stepNs, "must be a positive integer");
      const manual = new ManualIndex(cfg.initialTicks);
      this.exchange.setIndexSources([manual]);
      this.process = { index: manual, config: cfg, rng: this.env.rng(`index/${this.env.name}`), nextNs: 0 };
      return;
    }
    const sources = index?.sources ?? [];
    if (sources.length === 0)
      throw new ConfigError(
        `${f}.index.sources`,
        sources,
        "must name at least one spot venue (or give an index process)",
      );
    const objs = sources.map((name, k): IndexSource => {
      const field = `${f}.index.sources[${k}]`;
      const src = venue(name, field).indexSource;
      if (src === undefined)
        throw new ConfigError(
          field,
          name,
          "must name a venue of this world with an index price (a spot venue)",
        );
      return src;
    });
    this.exchange.setIndexSources(objs, index && "weights" in index ? index.weights : undefined);
  }

  view(guard: AccountGuard): PerpView {
    return new PerpViewImpl(this.exchange, guard);
  }

  series(): VenueSeries {
    return new PerpSeries(this.exchange);
  }
}

/** The `perp_<what>_<venue>` columns of a perpetual venue that is not the followed one. */
class PerpSeries implements VenueSeries {
  readonly names = Object.keys(PERP_SERIES);
  private readonly traded = new TradedSince();
  private lastLiquidations = 0;
  private lastNotionalUnits = 0;

  constructor(private readonly v: PerpVenue) {}

  sample(out: Float64Array): void {
    const v = this.v;
    const ins = v.instrument;
    const mid = v.midTicks();
    this.traded.update(v.book, ins);
    const s = v.stats;
    // Same order as PERP_SERIES.
    out[0] = priceOf(ins, mid);
    out[1] = priceOf(ins, v.lastTradeTicks);
    out[2] = priceOf(ins, v.markTicks);
    out[3] = priceOf(ins, v.indexTicks);
    out[4] = ins.lotsToQty(v.openInterestLots());
    out[5] = v.lastFundingRateE8 / 1e8;
    out[6] = ins.unitsToQuote(v.insuranceFundUnits());
    out[7] = s.liquidations - this.lastLiquidations;
    out[8] = ins.unitsToQuote(s.liquidatedNotionalUnits - this.lastNotionalUnits);
    out[9] = this.traded.volume;
    out[10] = this.traded.turnover;
    depthNearMid(v.book, ins, mid, out, 11);
    this.lastLiquidations = s.liquidations;
    this.lastNotionalUnits = s.liquidatedNotionalUnits;
  }
}

/** An agent's read-only view of a perpetual venue. */
class PerpViewImpl extends BookView<PerpVenue> implements PerpView {
  mark(): number {
    return this.v.markTicks;
  }
  index(): number {
    return this.v.indexTicks;
  }
  fundingRate(): number {
    return this.v.lastFundingRateE8 / 1e8;
  }
  nextFundingTimeNs(): number {
    return this.v.nextFundingTimeNs();
  }
  openInterest(): number {
    return this.v.openInterestLots();
  }
  halted(): boolean {
    return this.v.isHalted();
  }
  makerFeePpm(): number {
    return this.v.config.makerFeePpm;
  }
  takerFeePpm(): number {
    return this.v.config.takerFeePpm;
  }
  position(account: number): number {
    this.guard.assertReadable(account, "position");
    return this.v.accounts.size[account]!;
  }
  entryPrice(account: number): number {
    this.guard.assertReadable(account, "entryPrice");
    return this.v.entryPriceTicks(account);
  }
  liquidationPrice(account: number): number {
    this.guard.assertReadable(account, "liquidationPrice");
    return this.v.accounts.trigger[account]!;
  }
  wallet(account: number): number {
    this.guard.assertReadable(account, "wallet");
    return this.v.accounts.wallet[account]!;
  }
  marginBalance(account: number): number {
    this.guard.assertReadable(account, "marginBalance");
    return this.v.marginBalanceUnits(account);
  }
  openBuyLots(account: number): number {
    this.guard.assertReadable(account, "openBuyLots");
    return this.v.accounts.openBuyLots[account]!;
  }
  openSellLots(account: number): number {
    this.guard.assertReadable(account, "openSellLots");
    return this.v.accounts.openSellLots[account]!;
  }
}

/**
 * The {@link PerpVenue} behind venue `v`; `field` and `value` name the venue in the error when it
 * is of another kind.
 */
export function perpOf(v: Venue, field: string, value: unknown): PerpVenue {
  if (!(v instanceof PerpVenueAdapter)) throw new ConfigError(field, value, "is not a perpetual venue");
  return v.exchange;
}
