/**
 * `@cascade/sim`: the deterministic discrete-event kernel (integer-nanosecond clock, one queue
 * ordered by time and sequence, seeded link latency with a load-dependent stress term), the world
 * of venues and agents, the agent interface, public market-data feeds, and the recorder that turns a run into columns.
 *
 * @packageDocumentation
 */

// The summary metrics belong to the output contract; re-exported for code that only knows the simulator.
export { SUMMARY_METRICS } from "@cascade/schema";
export type {
  Agent,
  AgentContext,
  GaugeContext,
  PerpAccountOptions,
  PerpView,
  SpotView,
} from "./agent.ts";
export { ColumnTable } from "./columns.ts";
export { EventQueue } from "./event-queue.ts";
export { BookView, ExchangeVenue, type OrderVenue } from "./exchange-venue.ts";
export {
  type DepthFeedOptions,
  type DepthSnapshot,
  FeedKind,
  type LiquidationFeedOptions,
  type LiquidationReport,
  type MarketDataMessage,
  type Ticker,
  type TradeBatch,
  type TradeFeedOptions,
} from "./feeds.ts";
export {
  drawBaseLatencyNs,
  type LatencyConfig,
  messageLatencyNs,
  type ResolvedLatencyConfig,
  resolveLatency,
  VenueLoad,
} from "./latency.ts";
export {
  type AgentMessage,
  ItemKind,
  MARKET_DATA,
  MessagePool,
  VENUE_OP_NAMES,
  VenueOp,
} from "./messages.ts";
export {
  type IndexProcessConfig,
  PerpVenueAdapter,
  type PerpVenueSpec,
} from "./perp-venue-adapter.ts";
export { type LiquidationColumns, Recorder, type RecorderConfig, type SimResult } from "./recorder.ts";
export { SpotVenueAdapter, type SpotVenueSpec } from "./spot-venue-adapter.ts";
export { TraceHasher } from "./trace-hash.ts";
export type { TradeColumns, TradeTable } from "./trade-log.ts";
export type {
  AccountGuard,
  CustomVenueSpec,
  TickerSource,
  Venue,
  VenueBook,
  VenueCommand,
  VenueEnv,
  VenueSeries,
} from "./venue.ts";
export { depthNearMid, priceOf, TradedSince } from "./venue-series.ts";
export { createWorld, type VenueSpec, type World, type WorldConfig } from "./world.ts";
