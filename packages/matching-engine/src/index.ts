/**
 * `@cascade/matching-engine`: one exact, allocation-free limit order book with price-time
 * priority, every common order type, self-trade prevention, a columnar event stream and the depth
 * queries a venue needs (L2, cumulative depth, impact price for funding).
 *
 * @packageDocumentation
 */

export type { DepthLevel, ImpactResult, OrderBookApi, OrderBookConfig, OrderView } from "./book-api.ts";
export {
  AmendKind,
  type BookEvent,
  decodeEvent,
  decodeEvents,
  EventBuffer,
  EventKind,
  UNKNOWN,
} from "./events.ts";
export { IdMap } from "./id-map.ts";
export { OrderBook } from "./order-book.ts";
export {
  type BookCommand,
  type CancelAllCommand,
  type CancelCommand,
  type LimitCommand,
  type MarketCommand,
  NO_PRICE,
  type ReduceCommand,
  type ReplaceCommand,
  StpMode,
  TimeInForce,
} from "./order-types.ts";
export { MAX_PRICE_LEVELS, type ResolvedBookConfig, validateBookConfig } from "./validate-config.ts";
