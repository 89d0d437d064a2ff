/**
 * The one face every venue shows the kernel: apply an agent's command, advance on the venue's own
 * schedule, leave what happened in an event buffer, hand agents a read-only view, and say what the
 * recorder samples of it. The kernel (`world.ts`) reaches venues only through {@link Venue}, so a
 * new venue kind is a new implementation given to the world as a {@link CustomVenueSpec}, not a
 * kernel change. The built-in kinds are `PerpVenueAdapter` (`"perp"`) and `SpotVenueAdapter`
 * (`"spot"`), thin wrappers of `@cascade/exchange`'s `PerpVenue` and `SpotVenue`.
 *
 * @module
 */

import type { Instrument, RandomStream, Side } from "@cascade/core";
import { ConfigError } from "@cascade/core";
import type { IndexSource, LiquidationLog, VenueEventBuffer } from "@cascade/exchange";
import type { OrderBook, TimeInForce } from "@cascade/matching-engine";
import { VENUE_OP_NAMES, type VenueOp } from "./messages.ts";

/**
 * The book queries the kernel, the feeds and the recorder use, and `setListener` to observe each
 * command's book events (trade tape, depth changes, trade log). Placing orders goes through
 * {@link Venue.apply}, never the book, so the venue's accounts stay in step.
 */
export type VenueBook = Readonly<
  Pick<
    OrderBook,
    | "tradedLots"
    | "tradedTickLots"
    | "bestBid"
    | "bestAsk"
    | "depthInto"
    | "qtyWithinTicks"
    | "qtyInRange"
    | "setListener"
  >
>;

/**
 * One agent command as the kernel hands it to {@link Venue.apply}. The kernel reuses the object for
 * every command: read it during the call. Fields a command does not use are 0 (`orderId` -1).
 */
export interface VenueCommand {
  /** {@link VenueOp} of the command. */
  readonly op: VenueOp;
  /** Account the command acts for (the kernel has checked that the sending agent owns it). */
  readonly account: number;
  /** Order id: the new order's (limit, market) or the one acted on (cancel, reduce, replace); -1 none. */
  readonly orderId: number;
  /** Order side. */
  readonly side: Side;
  /** Limit price (limit, replace) or protection price (market; -1 none), ticks. */
  readonly priceTicks: number;
  /** Order quantity (limit, market, replace) or the quantity to reduce to (reduce), lots. */
  readonly qtyLots: number;
  /** Time in force of a limit order. */
  readonly tif: TimeInForce;
  /** Reduce-only flag of a limit or market order. */
  readonly reduceOnly: boolean;
  /** Money moved (deposit, withdraw, add margin), quote units. */
  readonly amountUnits: number;
  /** New leverage (set leverage), ×. */
  readonly leverage: number;
}

/**
 * What an agent's view may read of an account: the world answers for the agent's own accounts
 * (or any, with the oracle capability) and throws a {@link @cascade/core!ConfigError} otherwise.
 */
export interface AccountGuard {
  /** Throws unless the agent holding this guard may read `account`; `what` names the query for the error. */
  assertReadable(account: number, what: string): void;
}

/**
 * Columns the recorder samples of a venue, named `<kind>_<what>_<venue name>` in the time series
 * (see `venueColumn` of `@cascade/schema`), one value per name at every sample.
 */
export interface VenueSeries {
  /** The `what` part of each column, in order. */
  readonly names: readonly string[];
  /**
   * Writes the current value of each column into `out[0 … names.length − 1]`, in human units
   * (prices in quote per base, sizes in base, money in quote). Called once per recorder sample.
   */
  sample(out: Float64Array): void;
}

/** What a perpetual-style venue publishes on its ticker (the `Ticker` feed). */
export interface TickerSource {
  /** Mark price, ticks (NaN before the first index). */
  readonly markTicks: number;
  /** Index price, ticks (NaN while no source has a price). */
  readonly indexTicks: number;
  /** Last settled funding rate × 10^8. */
  readonly lastFundingRateE8: number;
  /** Time of the next funding settlement, ns (-1 when none). */
  nextFundingTimeNs(): number;
  /** Open interest, lots. */
  openInterestLots(): number;
}

/** A venue of a world, as the kernel, the feeds, the trade log and the recorder see it. */
export interface Venue {
  /** Kind label (`"perp"`, `"spot"` or a custom kind's): prefixes recorded columns, names errors. */
  readonly kind: string;
  /** The traded instrument (tick and lot sizes). */
  readonly instrument: Instrument;
  /** The venue's book, read-only. */
  readonly book: VenueBook;
  /**
   * What the last {@link Venue.apply} or {@link Venue.advance} did, per account; the kernel routes
   * each event to the agent owning its account.
   */
  readonly events: VenueEventBuffer;
  /** Last traded price, ticks (NaN before the first trade). */
  readonly lastTradeTicks: number;
  /** Mid price of the book, ticks (fractional; NaN when a side is empty). */
  midTicks(): number;
  /**
   * Whether the venue takes command `op`. The kernel refuses any other when an agent sends it, with
   * an error naming the operation and the venue: an unsupported command is a bug of the agent.
   */
  supports(op: VenueOp): boolean;
  /**
   * Opens an account with the venue's defaults and no funds (funds arrive with a deposit command);
   * returns its id. Kind-specific openings (`AgentContext.openPerpAccount`, …) take more options.
   */
  openAccount(): number;
  /** Applies one agent command at `nowNs`; its outcome is in {@link Venue.events}. */
  apply(command: VenueCommand, nowNs: number): void;
  /** The next time {@link Venue.advance} has something to do, ns; `Infinity` for a venue with no duties. */
  nextWakeNs(): number;
  /** Runs the venue's own duties due at or before `nowNs` (mark, funding, liquidations, …); events in {@link Venue.events}. */
  advance(nowNs: number): void;
  /**
   * Resolves references to other venues of the world once all are built (e.g. a perpetual's index
   * sources); `venue(name, field)` returns the venue called `name` or throws naming `field`.
   */
  link?(venue: (name: string, field: string) => Venue): void;
  /** The price this venue contributes to an index, when it can be an index source (spot venues). */
  readonly indexSource?: IndexSource;
  /** The liquidation log, when the venue liquidates (liquidation feed, trade log). */
  readonly liquidations?: LiquidationLog;
  /** Mark, index, funding and open interest, when the venue publishes a ticker. */
  readonly ticker?: TickerSource;
  /**
   * A read-only view for one agent: public market data, and accounts only as far as `guard`
   * allows. Called once per (agent, venue); the result is what `AgentContext.view` returns
   * (a `PerpView` for `"perp"`, a `SpotView` for `"spot"`).
   */
  view(guard: AccountGuard): object;
  /** Columns the recorder samples of this venue (every venue but the followed perpetual). */
  series(): VenueSeries;
  /** Throws {@link @cascade/core!InvariantError} when the venue's accounting does not add up. */
  checkConservation(): void;
}

/** Everything a custom venue kind gets to build itself. */
export interface VenueEnv {
  /** The venue's name in the world. */
  readonly name: string;
  /** Path of its spec in the world config, for errors (`world.venues[2]`). */
  readonly field: string;
  /** A random stream of the run called `name` (derived from seed, run and name). */
  rng(name: string): RandomStream;
}

/**
 * A venue of a kind the world does not know: `create` builds it. The kernel runs it like the
 * built-in kinds (commands, duties, events, feeds, trade log, recorder columns).
 */
export interface CustomVenueSpec {
  readonly kind: "custom";
  /** Name agents use to find it. */
  readonly name: string;
  /** Builds the venue (once, while the world is built). */
  create(env: VenueEnv): Venue;
}

/** The error for a command a venue does not take (see {@link Venue.supports}). */
export function unsupportedOp(op: number, venueName: string, kind: string): ConfigError {
  return new ConfigError(
    "op",
    VENUE_OP_NAMES[op] ?? op,
    `is not an operation venue ${venueName} (kind ${kind}) supports`,
  );
}
