/**
 * The `"spot"` venue kind: `@cascade/exchange`'s {@link SpotVenue} behind the kernel's
 * {@link Venue} interface, as an index source for perpetual venues and with its agent view.
 *
 * @module
 */

import { ConfigError } from "@cascade/core";
import { SpotVenue, type SpotVenueConfig } from "@cascade/exchange";
import { SPOT_SERIES } from "@cascade/schema";
import type { SpotView } from "./agent.ts";
import { BookView, ExchangeVenue } from "./exchange-venue.ts";
import { VenueOp } from "./messages.ts";
import type { AccountGuard, Venue, VenueCommand, VenueEnv, VenueSeries } from "./venue.ts";
import { depthNearMid, priceOf, TradedSince } from "./venue-series.ts";

/** A spot venue in a world. */
export interface SpotVenueSpec {
  readonly kind: "spot";
  /** Name agents use to find it. */
  readonly name: string;
  readonly config: SpotVenueConfig;
}

/** Commands a spot venue takes: no margin, no leverage (a spot account holds no position). */
const SPOT_OPS =
  (1 << VenueOp.Limit) |
  (1 << VenueOp.Market) |
  (1 << VenueOp.Cancel) |
  (1 << VenueOp.CancelAll) |
  (1 << VenueOp.Deposit) |
  (1 << VenueOp.Reduce) |
  (1 << VenueOp.Withdraw) |
  (1 << VenueOp.Replace);

/** A {@link SpotVenue} as a {@link Venue} of kind `"spot"`. */
export class SpotVenueAdapter extends ExchangeVenue<SpotVenue> implements Venue {
  readonly kind = "spot";
  /** Its mid (else last trade) is an index price for perpetual venues. */
  readonly indexSource: SpotVenue;

  constructor(
    spec: SpotVenueSpec,
    private readonly env: VenueEnv,
  ) {
    super(new SpotVenue(spec.config), SPOT_OPS);
    this.indexSource = this.exchange;
  }

  apply(c: VenueCommand, _nowNs: number): void {
    const v = this.exchange;
    if (this.applyOrder(c)) return;
    switch (c.op) {
      case VenueOp.Deposit:
        v.deposit(c.account, c.amountUnits, 0);
        break;
      case VenueOp.Withdraw:
        v.withdraw(c.account, c.amountUnits, 0);
        break;
      case VenueOp.Replace:
        v.replace(c.account, c.orderId, c.priceTicks, c.qtyLots);
        break;
      default:
        // The kernel checks supports() when the agent sends: reaching here is a kernel bug.
        throw new ConfigError("op", c.op, `is not an operation of spot venue ${this.env.name}`);
    }
  }

  /** A spot venue has no duties of its own. */
  nextWakeNs(): number {
    return Number.POSITIVE_INFINITY;
  }

  advance(_nowNs: number): void {
    // Nothing is due; clear so a caller routing the events finds none left from the last command.
    this.exchange.events.clear();
  }

  view(guard: AccountGuard): SpotView {
    return new SpotViewImpl(this.exchange, guard);
  }

  series(): VenueSeries {
    return new SpotSeries(this.exchange);
  }
}

/** The `spot_<what>_<venue>` columns of a spot venue. */
class SpotSeries implements VenueSeries {
  readonly names = Object.keys(SPOT_SERIES);
  private readonly traded = new TradedSince();

  constructor(private readonly v: SpotVenue) {}

  sample(out: Float64Array): void {
    const v = this.v;
    // The venue's own instrument: a spot venue's tick may differ from the perpetual's.
    const ins = v.instrument;
    const mid = v.midTicks();
    this.traded.update(v.book, ins);
    // Same order as SPOT_SERIES.
    out[0] = priceOf(ins, mid);
    out[1] = this.traded.volume;
    out[2] = this.traded.turnover;
    depthNearMid(v.book, ins, mid, out, 3);
  }
}

/** An agent's read-only view of a spot venue. */
class SpotViewImpl extends BookView<SpotVenue> implements SpotView {
  cash(account: number): number {
    this.guard.assertReadable(account, "cash");
    return this.v.cash(account);
  }
  asset(account: number): number {
    this.guard.assertReadable(account, "asset");
    return this.v.asset(account);
  }
  lockedCash(account: number): number {
    this.guard.assertReadable(account, "lockedCash");
    return this.v.lockedCash(account);
  }
  lockedAsset(account: number): number {
    this.guard.assertReadable(account, "lockedAsset");
    return this.v.lockedAsset(account);
  }
  makerFeePpm(): number {
    return this.v.makerFeePpm;
  }
  takerFeePpm(): number {
    return this.v.takerFeePpm;
  }
}

/**
 * The {@link SpotVenue} behind venue `v`; `field` and `value` name the venue in the error when it
 * is of another kind.
 */
export function spotOf(v: Venue, field: string, value: unknown): SpotVenue {
  if (!(v instanceof SpotVenueAdapter)) throw new ConfigError(field, value, "is not a spot venue");
  return v.exchange;
}
